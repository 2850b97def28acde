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
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "util.h"
#include <sqlite3.h>

#define USNSIM tu_usnsim()

extern char **environ;

static char out_path[] = "/tmp/usnsim-cli-XXXXXX";
static char dir[64];

/* Runs argv with stdout and stderr into out_path; returns the exit status
 * (or -1), and the output in *out (malloc'ed, NUL-terminated). */
static int run(const char *const *argv, char **out)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = -1;
	FILE *f;
	long n;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv,
			environ) == 0)
		waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	f = fopen(out_path, "rb");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*out = calloc(1, (size_t)n + 1);
	if (fread(*out, 1, (size_t)n, f) != (size_t)n)
		(*out)[0] = 0;
	fclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run_has(const char *const *argv, const char *needle)
{
	char *out;
	int rc = run(argv, &out);

	if (!strstr(out, needle)) {
		fprintf(stderr, "\n%s: output lacks '%s':\n%s", argv[1], needle,
			out);
		rc = -100;
	}
	free(out);
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

	CU_ASSERT_EQUAL(run_has(h, "usage: usnsim COMMAND"), 0);
	CU_ASSERT_EQUAL(run_has(hr, "usage: usnsim run FILE"), 0);
	CU_ASSERT_EQUAL(run_has(hv, "usage: usnsim validate FILE"), 0);
	CU_ASSERT_EQUAL(run_has(hp, "usage: usnsim params"), 0);
	CU_ASSERT_EQUAL(run_has(none, "usage: usnsim COMMAND"), 2);
	CU_ASSERT_EQUAL(run_has(bogus, "unknown command 'frobnicate'"), 2);
	CU_ASSERT_EQUAL(run_has(nofile, "missing scenario FILE"), 2);
	CU_ASSERT_EQUAL(run_has(badopt, "usage: usnsim run FILE"), 2);
	CU_ASSERT_EQUAL(run_has(missing, "no/such/file.yaml: No such file"), 2);
}

static void test_validate(void)
{
	const char *ok[] = { USNSIM, "validate", "scenarios/md1.yaml", NULL };
	const char *warm[] = { USNSIM,	"validate",  "scenarios/md1.yaml",
			       "--set", "warmup=3s", NULL };

	CU_ASSERT_EQUAL(run_has(ok, "scenarios/md1.yaml: ok"), 0);
	/* a cross-field error points at the override that caused it */
	CU_ASSERT_EQUAL(
		run_has(warm,
			"--set:1:8: warmup must be shorter than duration"),
		2);
}

static double query_double(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	double v = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_double(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;
}

/* The README's example: M/D/1 at rho = 0.8, Wq = rho/(2 mu (1 - rho)). */
static void test_md1_through_database(void)
{
	char db[128];
	const char *argv[] = { USNSIM, "run", "scenarios/md1.yaml",
			       "--db", db,    "--quiet",
			       NULL };
	const double theory_us = 0.8 * 10.0 / (2 * (1 - 0.8));
	double wq_us;

	snprintf(db, sizeof(db), "%s/r.db", dir);
	CU_ASSERT_EQUAL(run_has(argv, ""), 0);
	wq_us = query_double(db,
			     "SELECT avg(mean)/1e6 FROM summaries WHERE "
			     "component='network' AND metric='queue_delay'");
	CU_ASSERT(wq_us > 0 && wq_us / theory_us - 1 < 0.02 &&
		  1 - wq_us / theory_us < 0.02);
	CU_ASSERT_EQUAL(query_double(db, "SELECT count(*) FROM runs"), 5);
	CU_ASSERT_EQUAL(query_double(db, "SELECT count(DISTINCT repetition) "
					 "FROM runs WHERE status='ok'"),
			5);
	/* every effective parameter is stored, defaults included */
	CU_ASSERT_EQUAL(
		query_double(db, "SELECT value = '1500B' FROM params "
				 "WHERE run_id=1 AND path='apps.src.size_max'"),
		1);
	unlink(db);
	strcat(db, "-wal");
	unlink(db);
	db[strlen(db) - 4] = 0;
	strcat(db, "-shm");
	unlink(db);
}

static void unlink_db(char *db)
{
	size_t n = strlen(db);

	unlink(db);
	strcat(db, "-wal");
	unlink(db);
	strcpy(db + n, "-shm");
	unlink(db);
	db[n] = 0;
}

/* A kernel driver crash takes the host down: the run says so on stderr
 * and records sim.host_down = 1, and its status stays ok. */
static void test_host_down(void)
{
	char db[128];
	const char *argv[] = { USNSIM,
			       "run",
			       "scenarios/nic_linerate.yaml",
			       "--set",
			       "hosts.client.driver.crash_at=2ms",
			       "--db",
			       db,
			       "--quiet",
			       NULL };

	snprintf(db, sizeof(db), "%s/h.db", dir);
	CU_ASSERT_EQUAL(run_has(argv, "repetition 0: 1 host(s) went down"), 0);
	CU_ASSERT_EQUAL(query_double(db, "SELECT value FROM scalars WHERE "
					 "component='sim' AND "
					 "metric='host_down'"),
			1);
	CU_ASSERT_EQUAL(query_double(db, "SELECT value FROM scalars WHERE "
					 "component='hosts.client.driver' AND "
					 "metric='host_down_at'"),
			2e9);
	CU_ASSERT_EQUAL(
		query_double(db, "SELECT count(*) FROM runs WHERE status='ok'"),
		1);
	unlink_db(db);
}

static void test_params_reference(void)
{
	const char *argv[] = { USNSIM, "params", "--markdown", NULL };
	char *table, *page = tu_slurp("docs/reference/parameters.md", NULL);
	char *begin, *end;

	CU_ASSERT_EQUAL_FATAL(run(argv, &table), 0);
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
	free(table);
	free(page);
}

static int setup(void)
{
	int fd = mkstemp(out_path);

	if (fd < 0)
		return -1;
	close(fd);
	snprintf(dir, sizeof(dir), "/tmp/usnsim-cli-dir-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void)
{
	unlink(out_path);
	rmdir(dir);
	return 0;
}

int suite_cli(void)
{
	CU_pSuite s = CU_add_suite("cli", setup, teardown);

	if (!s ||
	    !CU_add_test(s, "help and usage errors", test_help_and_usage) ||
	    !CU_add_test(s, "validate", test_validate) ||
	    !CU_add_test(s, "a host down is reported", test_host_down) ||
	    !CU_add_test(s, "M/D/1 through the database",
			 test_md1_through_database) ||
	    !CU_add_test(s, "parameter reference", test_params_reference))
		return CU_get_error();
	return 0;
}
