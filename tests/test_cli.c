/*
 * test_cli.c - the usnsim command line, end to end.
 *
 * Runs build/usnsim as a user would (from the repository root) and checks
 * exit statuses, help texts, that the bundled M/D/1 scenario gives the
 * closed-form mean queueing delay through the database exactly as the
 * README shows, that a host taken down by a kernel driver crash is
 * reported on stderr and in the database, and that the parameter table of
 * docs/reference/parameters.md is the one the registry generates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "util.h"

#define USNSIM tu_usnsim()

static char dir[256];

/* Runs argv: its exit status, or -100 if its output (stdout and stderr)
 * lacks needle. */
static int run_has(const char *const *argv, const char *needle)
{
	struct tu_proc cmd;
	int rc = tu_run(&cmd, argv, TU_MERGE);

	if (!strstr(cmd.out, needle)) {
		fprintf(stderr, "\n%s: output lacks '%s':\n%s", argv[1], needle,
			cmd.out);
		rc = -100;
	}
	tu_proc_free(&cmd);
	return rc;
}

static void test_help_and_usage(void)
{
	const char *h[] = { USNSIM, "--help", NULL };
	const char *hr[] = { USNSIM, "run", "--help", NULL };
	const char *hv[] = { USNSIM, "validate", "--help", NULL };
	const char *hp[] = { USNSIM, "params", "--help", NULL };
	const char *none[] = { USNSIM, NULL };
	const char *bogus[] = { USNSIM, "frobnicate", NULL };
	const char *nofile[] = { USNSIM, "run", NULL };
	const char *badopt[] = { USNSIM, "run", "--no-such-option", "x", NULL };
	const char *missing[] = { USNSIM, "validate", "no/such/file.yaml",
				  NULL };

	CHECK_EQ(run_has(h, "usage: usnsim COMMAND"), 0);
	CHECK_EQ(run_has(hr, "usage: usnsim run FILE"), 0);
	CHECK_EQ(run_has(hv, "usage: usnsim validate FILE"), 0);
	CHECK_EQ(run_has(hp, "usage: usnsim params"), 0);
	CHECK_EQ(run_has(none, "usage: usnsim COMMAND"), 2);
	CHECK_EQ(run_has(bogus, "unknown command 'frobnicate'"), 2);
	CHECK_EQ(run_has(nofile, "missing scenario FILE"), 2);
	CHECK_EQ(run_has(badopt, "usage: usnsim run FILE"), 2);
	CHECK_EQ(run_has(missing, "no/such/file.yaml: No such file"), 2);
}

static void test_validate(void)
{
	const char *ok[] = { USNSIM, "validate", "scenarios/md1.yaml", NULL };
	const char *warm[] = { USNSIM,	"validate",  "scenarios/md1.yaml",
			       "--set", "warmup=3s", NULL };

	CHECK_EQ(run_has(ok, "scenarios/md1.yaml: ok"), 0);
	/* a cross-field error points at the override that caused it */
	CHECK_EQ(run_has(warm,
			 "--set:1:8: warmup must be shorter than duration"),
		 2);
}

/* validate loads every sweep point as the sweep would, and stops at the
 * first that does not load, naming it; --only and a --set of the swept
 * path leave that point out. */
static void test_validate_points(void)
{
	const char *wifi[] = { USNSIM, "validate",
			       "tests/fixtures/sweep-wifi-overhead.yaml",
			       NULL };
	const char *only[] = { USNSIM,
			       "validate",
			       "tests/fixtures/sweep-wifi-overhead.yaml",
			       "--only",
			       "network.kind == 'link'",
			       NULL };
	const char *set[] = { USNSIM,
			      "validate",
			      "tests/fixtures/sweep-wifi-overhead.yaml",
			      "--set",
			      "network.kind=link",
			      NULL };
	const char *run_only[] = { USNSIM,   "run",	  "scenarios/md1.yaml",
				   "--only", "seed == 1", NULL };

	CHECK_EQ(
		run_has(wifi,
			"tests/fixtures/sweep-wifi-overhead.yaml:5:36: network.overhead: does not apply to ns3-wifi"),
		2);
	CHECK_EQ(run_has(wifi,
			 "(at sweep point {\"network.kind\":\"ns3-wifi\"})"),
		 2);
	CHECK_EQ(run_has(only, ": ok (80 parameters, 1 point)"), 0);
	CHECK_EQ(run_has(set, ": ok (80 parameters, 1 point)"), 0);
	CHECK_EQ(run_has(run_only, "--only picks sweep points"), 2);
}

/* --set with '*' and through like: on a bundled scenario whose server is
 * { like: client } and whose sweep zips both hosts' driver placement. */
static void test_set_rules(void)
{
	const char *star[] = { USNSIM,
			       "validate",
			       "scenarios/driver_placement.yaml",
			       "--set",
			       "hosts.*.driver.ipc_cost=1us",
			       NULL };
	const char *star_bad[] = { USNSIM,
				   "validate",
				   "scenarios/driver_placement.yaml",
				   "--set",
				   "hosts.*.driver.ipc_cost=1",
				   NULL };
	const char *nohost[] = { USNSIM,
				 "validate",
				 "scenarios/md1.yaml",
				 "--set",
				 "hosts.*.driver.ipc_cost=1us",
				 NULL };
	/* the client's placement reaches the server, which inherits it, so
	 * the zip keeps its one row with user on both */
	const char *like[] = { USNSIM,	 "sweep",
			       "--list", "scenarios/driver_placement.yaml",
			       "--set",	 "hosts.client.driver.placement=user",
			       NULL };
	const char *off[] = { USNSIM,	"sweep",
			      "--list", "scenarios/driver_placement.yaml",
			      "--set",	"hosts.client.driver.placement=kernel",
			      "--set",	"hosts.server.driver.placement=user",
			      NULL };

	CHECK_EQ(run_has(star, "parameters, 2 points)"), 0);
	CHECK_EQ(run_has(star_bad, "--set:1:25: hosts.client.driver.ipc_cost:"),
		 2);
	CHECK_EQ(
		run_has(nohost,
			"--set:1:1: 'hosts.*.driver.ipc_cost' matches nothing: the scenario declares no host"),
		2);
	CHECK_EQ(
		run_has(like,
			"1 point (2 in the grid, 1 pruned by where:, --set or --only) x 1 repetition = 1 run\n"),
		0);
	CHECK_EQ(
		run_has(like,
			"     1  hosts.client.driver.placement=user  hosts.server.driver.placement=user\n"),
		0);
	CHECK_EQ(run_has(off, "leave no point"), 2);
}

/* --seed after the most --set options a command takes is still read (it
 * used to be dropped silently), and one more --set is refused. */
static void test_many_sets(void)
{
	const char *argv[2 * 257 + 8];
	size_t n = 0;

	argv[n++] = USNSIM;
	argv[n++] = "validate";
	argv[n++] = "scenarios/md1.yaml";
	for (int i = 0; i < 256; i++) {
		argv[n++] = "--set";
		argv[n++] = "name=many";
	}
	argv[n++] = "--seed";
	argv[n++] = "5x";
	argv[n] = NULL;
	CHECK_EQ(run_has(argv, "seed: expected an integer"), 2);
	argv[n - 1] = "5";
	CHECK_EQ(run_has(argv, "scenarios/md1.yaml: ok"), 0);
	argv[n - 2] = "--set";
	argv[n - 1] = "name=one_more";
	CHECK_EQ(run_has(argv, "too many --set (at most 256)"), 2);
}

/* The README's example: M/D/1 at rho = 0.8, Wq = rho/(2 mu (1 - rho)). */
static void test_md1_through_database(void)
{
	const char *db = tu_path(dir, "r.db");
	const char *argv[] = { USNSIM, "run", "scenarios/md1.yaml",
			       "--db", db,    "--quiet",
			       NULL };
	const double theory_us = 0.8 * 10.0 / (2 * (1 - 0.8));
	double wq_us;

	CHECK_EQ(run_has(argv, ""), 0);
	wq_us = tu_db_double(db,
			     "SELECT avg(mean)/1e6 FROM summaries WHERE "
			     "component='network' AND metric='queue_delay'");
	CHECKF(wq_us > 0 && wq_us / theory_us - 1 < 0.02 &&
		       1 - wq_us / theory_us < 0.02,
	       "Wq %g us, theory %g us within 2%%", wq_us, theory_us);
	CHECK_EQ(tu_db_double(db, "SELECT count(*) FROM runs"), 5);
	CHECK_EQ(tu_db_double(db, "SELECT count(DISTINCT repetition) "
				  "FROM runs WHERE status='ok'"),
		 5);
	/* every effective parameter is stored, defaults included */
	CHECK_EQ(tu_db_double(db,
			      "SELECT value = '1500B' FROM params "
			      "WHERE run_id=1 AND path='apps.src.size_max'"),
		 1);
}

/* A kernel driver crash takes the host down: the run says so on stderr
 * and records sim.host_down = 1, and its status stays ok. (The server is
 * { like: client }, so it is given its own crash_at, or the client's
 * would reach it.) */
static void test_host_down(void)
{
	const char *db = tu_path(dir, "h.db");
	const char *argv[] = { USNSIM,
			       "run",
			       "scenarios/nic_linerate.yaml",
			       "--set",
			       "hosts.client.driver.crash_at=2ms",
			       "--set",
			       "hosts.server.driver.crash_at=0s",
			       "--db",
			       db,
			       "--quiet",
			       NULL };

	CHECK_EQ(run_has(argv, "repetition 0: 1 host(s) went down"), 0);
	CHECK_EQ(tu_db_double(db, "SELECT value FROM scalars WHERE "
				  "component='sim' AND "
				  "metric='host_down'"),
		 1);
	CHECK_EQ(tu_db_double(db, "SELECT value FROM scalars WHERE "
				  "component='hosts.client.driver' AND "
				  "metric='host_down_at'"),
		 2e9);
	CHECK_EQ(
		tu_db_double(db, "SELECT count(*) FROM runs WHERE status='ok'"),
		1);
}

static void test_params_reference(void)
{
	const char *argv[] = { USNSIM, "params", "--markdown", NULL };
	char *table, *page = tu_slurp("docs/reference/parameters.md", NULL);
	struct tu_proc cmd;
	char *begin, *end;

	CHECK_EQ_FATAL(tu_run(&cmd, argv, TU_MERGE), 0);
	table = cmd.out;
	CU_ASSERT_PTR_NOT_NULL_FATAL(page);
	begin = strstr(page, "<!-- params:begin -->\n");
	end = strstr(page, "<!-- params:end -->");
	CU_ASSERT_FATAL(begin && end && end > begin);
	begin += strlen("<!-- params:begin -->\n");
	*end = 0;
	if (strcmp(begin, table))
		fprintf(stderr,
			"\ndocs/reference/parameters.md is stale: run make params-md\n");
	CU_ASSERT_STRING_EQUAL(begin, table);
	tu_proc_free(&cmd);
	free(page);
}

static int setup(void)
{
	return tu_mkdtemp(dir, sizeof(dir), "cli");
}

static int teardown(void)
{
	return tu_rmtree(dir);
}

int suite_cli(void)
{
	CU_pSuite s = CU_add_suite("cli", setup, teardown);

	if (!s ||
	    !CU_add_test(s, "help and usage errors", test_help_and_usage) ||
	    !CU_add_test(s, "validate", test_validate) ||
	    !CU_add_test(s, "validate checks every sweep point",
			 test_validate_points) ||
	    !CU_add_test(s, "--set rules: '*', like:, swept paths",
			 test_set_rules) ||
	    !CU_add_test(s, "a host down is reported", test_host_down) ||
	    !CU_add_test(s, "--seed after 256 --set", test_many_sets) ||
	    !CU_add_test(s, "M/D/1 through the database",
			 test_md1_through_database) ||
	    !CU_add_test(s, "parameter reference", test_params_reference))
		return CU_get_error();
	return 0;
}
