/*
 * test_check.c - expectations (sim/scenario/expect.c) and `usnsim check`.
 *
 * The module is tested on real runs: every kind of name resolves to the
 * value the run's statistics or parameters hold, with its unit kind;
 * unknown names get a useful hint; a failing expectation is explained with
 * the values of its names. The command is run as a user would (from the
 * repository root, after building build/usnsim): the design regression
 * suite scenarios/regress/ passes, a perturbed parameter fails it with a
 * table that names the expectation and the value that broke it, malformed
 * expectations stop everything with FILE:LINE:COL, sweeps are checked point
 * by point with the seeds `usnsim sweep` uses, and fingerprints are equal
 * for the same seed and differ otherwise.
 */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <sqlite3.h>

#include "expect.h"
#include "run.h"
#include "scenario.h"
#include "stats.h"
#include "units.h"
#include "util.h"

#define USNSIM tu_usnsim()
#define REGRESS "scenarios/regress"
#define MAX_ARGS 64

static char dir[256];

static const char *tpath(const char *name)
{
	return tu_path(dir, name);
}

static void write_file(const char *path, const char *text)
{
	CHECK_EQ_FATAL(tu_write_file(path, text, strlen(text)), 0);
}

/*
 * The module.
 */

struct a_run {
	struct scn *s;
	struct run_result r;
	struct expect_env env;
};

static int a_run_start(struct a_run *a, const char *path,
		       const char *const *sets, size_t nsets, uint32_t rep)
{
	char err[1024];

	memset(a, 0, sizeof(*a));
	if (scn_load(path, sets, nsets, &a->s, err, sizeof(err)) ||
	    run_scenario(a->s, rep, &a->r, err, sizeof(err))) {
		CHECKF(0, "%s: %s", path, err);
		scn_destroy(a->s);
		a->s = NULL;
		return -1;
	}
	a->env = (struct expect_env){ a->s, a->r.stats, a->r.fingerprint, rep };
	return 0;
}

static void a_run_end(struct a_run *a)
{
	run_result_fini(&a->r);
	scn_destroy(a->s);
}

/* Looks name up in a; checks the kind and the value (relative 1e-12). */
static void expect_value(const struct a_run *a, const char *name,
			 enum unit_kind kind, double want)
{
	struct expr_value v;
	char hint[256];
	int rc = expect_lookup(&a->env, name, &v, hint, sizeof(hint));

	CHECKF(rc == 0, "%s: rc %d (%s)", name, rc, hint);
	CHECKF(!v.str, "%s: a string", name);
	CHECKF(v.kind == kind, "%s: kind %d, want %d", name, v.kind, kind);
	CHECKF(fabs(v.num - want) <= 1e-12 * fabs(want),
	       "%s = %.17g, want %.17g", name, v.num, want);
}

static void expect_unknown(const struct a_run *a, const char *name, int want,
			   const char *hint_frag)
{
	struct expr_value v;
	char hint[256];
	int rc = expect_lookup(&a->env, name, &v, hint, sizeof(hint));

	CHECKF(rc == want, "%s: rc %d, want %d", name, rc, want);
	CHECKF(strstr(hint, hint_frag) != NULL, "%s: hint '%s' lacks '%s'",
	       name, hint, hint_frag);
}

static void test_lookup(void)
{
	const char *sets[] = { "duration=20ms" };
	struct stat_summary sm;
	struct stat_info si;
	struct expr_value v;
	struct a_run a;
	char hint[256];

	if (a_run_start(&a, REGRESS "/conservation.yaml", sets, 1, 1))
		return;
	/* counters and scalars by component.metric */
	stats_find(a.r.stats, "apps.src", "sent", &si);
	CHECK_GT(*si.u.counter, 1000);
	expect_value(&a, "apps.src.sent", UNIT_NONE, (double)*si.u.counter);
	stats_find(a.r.stats, "network", "drops.queue_full", &si);
	CHECK_GT(*si.u.counter, 0);
	expect_value(&a, "network.drops.queue_full", UNIT_NONE,
		     (double)*si.u.counter);
	stats_find(a.r.stats, "apps.src", "in_flight", &si);
	expect_value(&a, "apps.src.in_flight", UNIT_NONE, si.u.scalar);
	/* histograms by component.metric.stat, in their unit */
	stats_find(a.r.stats, "network", "queue_delay", &si);
	hist_summary(&si.u.hist->hist, &sm);
	CHECK_GT(sm.p99, 0);
	CHECK_NE(sm.p99, sm.mean);
	expect_value(&a, "network.queue_delay.p99", UNIT_TIME, sm.p99);
	expect_value(&a, "network.queue_delay.mean", UNIT_TIME, sm.mean);
	expect_value(&a, "network.queue_delay.max", UNIT_TIME, sm.max);
	expect_value(&a, "network.queue_delay.count", UNIT_NONE,
		     (double)sm.count);
	stats_find(a.r.stats, "apps.src", "stage.transmission", &si);
	hist_summary(&si.u.hist->hist, &sm);
	expect_value(&a, "apps.src.stage.transmission.p50", UNIT_TIME, sm.p50);
	/* gauges by .mean, .min, .max; the queue holds up to 50 packets */
	stats_find(a.r.stats, "network", "utilization", &si);
	expect_value(&a, "network.utilization.mean", UNIT_NONE,
		     stats_gauge_mean(si.u.gauge));
	expect_value(&a, "network.queue_len.max", UNIT_NONE, 50);
	/* parameters in canonical units, with their kinds */
	expect_value(&a, "network.rate", UNIT_BITRATE, 1e9);
	expect_value(&a, "network.delay", UNIT_TIME, 2e6);
	expect_value(&a, "apps.src.rate", UNIT_PKTRATE, 150e3);
	expect_value(&a, "apps.src.size", UNIT_SIZE, 1250);
	expect_value(&a, "duration", UNIT_TIME, 20e9);
	expect_value(&a, "network.queue_packets", UNIT_NONE, 50);
	expect_value(&a, "repetition", UNIT_NONE, 1);
	CHECK_EQ(expect_lookup(&a.env, "apps.src.pattern", &v, hint,
			       sizeof(hint)),
		 0);
	CU_ASSERT(v.str && !strcmp(v.str, "poisson"));
	CHECK_EQ(expect_lookup(&a.env, "fingerprint", &v, hint, sizeof(hint)),
		 0);
	CU_ASSERT(v.str && !strcmp(v.str, a.r.fingerprint));
	/* what is not a value, and what does not exist */
	expect_unknown(&a, "apps.src.latency", -EDOM, "is a histogram");
	expect_unknown(&a, "network.queue_len", -EDOM, "is a gauge");
	expect_unknown(&a, "apps.src.latncy.p99", -ENOENT,
		       "did you mean 'apps.src.latency.p99'?");
	expect_unknown(&a, "network.rat", -ENOENT,
		       "did you mean 'network.rate'?");
	expect_unknown(&a, "fingerprnt", -ENOENT,
		       "did you mean 'fingerprint'?");
	expect_unknown(&a, "network.queue_delay.p95", -ENOENT,
		       "statistics are count, mean");
	expect_unknown(&a, "apps.src.sent.mean", -ENOENT, "");
	expect_unknown(&a, "zzzzzzzzzzzzzzzzzzzz", -ENOENT, "");
	a_run_end(&a);
}

static void check_format(enum unit_kind kind, double num, const char *want)
{
	struct expr_value v = { kind, num, NULL };
	char buf[64];

	expect_format(&v, buf, sizeof(buf));
	CHECKF(!strcmp(buf, want), "format %g (kind %d): '%s', want '%s'", num,
	       kind, buf, want);
}

static void test_format(void)
{
	struct expr_value s = { UNIT_NONE, 0, "0123abcd" };
	char buf[64];

	check_format(UNIT_TIME, 10e6, "10us");
	check_format(UNIT_TIME, 5016123.4, "5.01612us");
	check_format(UNIT_TIME, 0, "0ps");
	check_format(UNIT_SIZE, 1500, "1500B");
	check_format(UNIT_SIZE, 8 << 20, "8MiB");
	check_format(UNIT_SIZE, 1234.5, "1234.5B");
	check_format(UNIT_BITRATE, 1.1e9, "1.1Gbps");
	check_format(UNIT_PKTRATE, 150e3, "150kpps");
	check_format(UNIT_NONE, 5001, "5001");
	check_format(UNIT_NONE, 0.558083, "0.558083");
	check_format(UNIT_FRACTION, 0.25, "0.25");
	expect_format(&s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "\"0123abcd\"");
}

static void test_parse_bind_eval(void)
{
	const char *path = tpath("eval.yaml");
	const char *sets[] = { "duration=20ms" };
	struct stat_info sent, recv;
	struct expect *x = NULL;
	struct a_run a;
	char err[1024], buf[512], want[512];
	bool pass;

	write_file(path,
		   "network: { rate: 1Gbps, queue_packets: 10 }\n"
		   "apps:\n"
		   "  src: { rate: 150kpps, size: 1250B }\n"
		   "expect:\n"
		   "  - apps.src.sent > apps.src.received\n"
		   "  - 'apps.src.latency.max <= 100ns'\n"
		   "  - network.rate * 2 == 2Gbps and apps.src.size < 2KiB\n"
		   "  - repetition != 0 or fingerprint == \"nope\"\n");
	if (a_run_start(&a, path, sets, 1, 0))
		return;
	CHECK_EQ_FATAL(expect_parse(a.s, &x, err, sizeof(err)), 0);
	CHECK_EQ(expect_count(x), 4);
	CU_ASSERT_STRING_EQUAL(expect_text(x, 1),
			       "apps.src.latency.max <= 100ns");
	expect_where(x, 1, buf, sizeof(buf));
	CHECKF(strstr(buf, "eval.yaml:6:5") != NULL, "where: %s", buf);
	CHECK_EQ_FATAL(expect_bind(x, &a.env, err, sizeof(err)), 0);
	CHECK_EQ(expect_eval(x, 0, &a.env, &pass), 0);
	CU_ASSERT(pass);
	CHECK_EQ(expect_eval(x, 1, &a.env, &pass), 0);
	CU_ASSERT(!pass);
	CHECK_EQ(expect_eval(x, 2, &a.env, &pass), 0);
	CU_ASSERT(pass);
	CHECK_EQ(expect_eval(x, 3, &a.env, &pass), 0);
	CU_ASSERT(!pass);
	stats_find(a.r.stats, "apps.src", "sent", &sent);
	stats_find(a.r.stats, "apps.src", "received", &recv);
	snprintf(want, sizeof(want),
		 "apps.src.sent = %llu, apps.src.received = %llu",
		 (unsigned long long)*sent.u.counter,
		 (unsigned long long)*recv.u.counter);
	expect_explain(x, 0, &a.env, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
	snprintf(want, sizeof(want), "repetition = 0, fingerprint = \"%s\"",
		 a.r.fingerprint);
	expect_explain(x, 3, &a.env, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
	/* a short buffer is cut, and the length says how long it would be */
	CHECK_EQ(expect_explain(x, 3, &a.env, buf, 8), (int)strlen(want));
	CHECK_EQ(strlen(buf), 7);
	expect_destroy(x);
	a_run_end(&a);
}

/* A scenario without expect: has none; one that does not parse says
 * where. */
static void test_parse_errors(void)
{
	const char *path = tpath("parse.yaml");
	struct expect *x = NULL;
	struct scn *s;
	char err[1024];

	CHECK_EQ_FATAL(
		scn_load("scenarios/md1.yaml", NULL, 0, &s, err, sizeof(err)),
		0);
	CHECK_EQ(expect_parse(s, &x, err, sizeof(err)), 0);
	CHECK_EQ(expect_count(x), 0);
	expect_destroy(x);
	scn_destroy(s);
	write_file(path, "apps: { src: { rate: 1kpps } }\n"
			 "expect:\n"
			 "  - apps.src.sent > 0\n"
			 "  - \"apps.src.sent >> 1\"\n");
	CHECK_EQ_FATAL(scn_load(path, NULL, 0, &s, err, sizeof(err)), 0);
	CHECK_EQ(expect_parse(s, &x, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(x);
	/* the second '>' is at offset 15 of the text, after the quote */
	CHECKF(strstr(err, "parse.yaml:4:21: expect: ") != NULL, "%s", err);
	scn_destroy(s);
}

/* Same scenario, seed and repetition: the same trajectory; anything else
 * moves it. */
static void test_fingerprint(void)
{
	const char *file = REGRESS "/fingerprint.yaml";
	const char *rate[] = { "network.rate=900Mbps" };
	const char *seed[] = { "seed=8" };
	struct a_run a, b;
	char fp0[17];

	if (a_run_start(&a, file, NULL, 0, 0))
		return;
	memcpy(fp0, a.r.fingerprint, sizeof(fp0));
	CHECK_EQ(strspn(fp0, "0123456789abcdef"), 16);
	a_run_end(&a);
	if (!a_run_start(&b, file, NULL, 0, 0)) {
		CU_ASSERT_STRING_EQUAL(b.r.fingerprint, fp0);
		a_run_end(&b);
	}
	if (!a_run_start(&b, file, NULL, 0, 1)) {
		CU_ASSERT_STRING_NOT_EQUAL(b.r.fingerprint, fp0);
		a_run_end(&b);
	}
	if (!a_run_start(&b, file, rate, 1, 0)) {
		CU_ASSERT_STRING_NOT_EQUAL(b.r.fingerprint, fp0);
		a_run_end(&b);
	}
	if (!a_run_start(&b, file, seed, 1, 0)) {
		CU_ASSERT_STRING_NOT_EQUAL(b.r.fingerprint, fp0);
		a_run_end(&b);
	}
}

/*
 * The command.
 */

/* Every scenario of the regression suite has expectations, and they all
 * hold. */
static void test_regress_suite(void)
{
	const char *argv[MAX_ARGS] = { USNSIM, "check" };
	struct tu_proc cmd;
	char line[512];
	size_t n = 2;
	glob_t g;
	int rc;

	CHECK_EQ_FATAL(glob(REGRESS "/*.yaml", 0, NULL, &g), 0);
	CHECKF(g.gl_pathc >= 5, "%zu scenarios in " REGRESS, g.gl_pathc);
	for (size_t i = 0; i < g.gl_pathc && n < MAX_ARGS - 1; i++) {
		struct expect *x = NULL;
		struct scn *s;
		char e[1024];

		argv[n++] = g.gl_pathv[i];
		if (scn_load(g.gl_pathv[i], NULL, 0, &s, e, sizeof(e))) {
			CHECKF(0, "%s", e);
			continue;
		}
		CHECKF(expect_parse(s, &x, e, sizeof(e)) == 0 &&
			       expect_count(x) > 0,
		       "%s: no expectations (%s)", g.gl_pathv[i], e);
		expect_destroy(x);
		scn_destroy(s);
	}
	argv[n] = NULL;
	rc = tu_run(&cmd, argv, 0);
	CHECKF(rc == 0, "exit %d:\n%s%s", rc, cmd.out, cmd.err);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		snprintf(line, sizeof(line), "%s: ", g.gl_pathv[i]);
		CHECKF(strstr(cmd.out, line) &&
			       strstr(strstr(cmd.out, line), "all held"),
		       "no 'all held' line for %s:\n%s", g.gl_pathv[i],
		       cmd.out);
	}
	snprintf(line, sizeof(line), "check: %zu files, ", g.gl_pathc);
	CHECKF(strstr(cmd.out, line) != NULL, "no summary '%s':\n%s", line,
	       cmd.out);
	CU_ASSERT_STRING_EQUAL(cmd.err, "");
	tu_proc_free(&cmd);
	globfree(&g);
}

/* At 900 Mb/s the M/D/1 of md1.yaml has S = 11.11 us and rho = 0.556:
 * Wq = rho S / (2 (1 - rho)) = 6.944 us. Four of its five expectations
 * fail (the queue still drops nothing), and the table shows the value. */
static void test_perturbed(void)
{
	const char *expr = "network.queue_delay.mean > 0.97 * 5us and "
			   "network.queue_delay.mean < 1.03 * 5us";
	const char *check[] = { USNSIM,
				"check",
				REGRESS "/md1.yaml",
				"--set",
				"network.rate=900Mbps",
				NULL };
	struct tu_proc cmd;
	char *p, val[64];
	sim_time wq = 0;
	int rc;

	rc = tu_run(&cmd, check, 0);
	CHECK_EQ(rc, 1);
	CHECKF(strstr(cmd.out, expr) != NULL, "no '%s' in:\n%s", expr, cmd.out);
	CHECKF(strstr(cmd.out, REGRESS "/md1.yaml:") != NULL, "%s", cmd.out);
	CHECKF(strstr(cmd.out, "1 run, 5 checks: 4 failed") != NULL, "%s",
	       cmd.out);
	CHECKF(!strstr(cmd.out, "network.drops.queue_full == 0"),
	       "a holding expectation is listed:\n%s", cmd.out);
	p = strstr(cmd.out, "network.queue_delay.mean = ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	sscanf(p + strlen("network.queue_delay.mean = "), "%63[^,\n ]", val);
	CHECKF(units_parse_time(val, &wq) == 0, "value '%s'", val);
	CHECKF(fabs((double)wq - 6.944e6) < 0.03 * 6.944e6,
	       "Wq %s, want 6.944us within 3%%", val);
	CHECKF(strstr(cmd.out, "apps.src.stage.transmission.max = 11.1111us") !=
		       NULL,
	       "%s", cmd.out);
	tu_proc_free(&cmd);
}

/* A malformed expectation stops every file before anything runs. */
static void test_bad_input(void)
{
	const char *db = tpath("bad.db");
	const char *one[] = { USNSIM, "check",
			      "tests/bad/60-expect-unknown-name.yaml", NULL };
	const char *two[] = { USNSIM,
			      "check",
			      REGRESS "/cbr.yaml",
			      "tests/bad/59-expect-parse.yaml",
			      "--db",
			      db,
			      NULL };
	const char *noarg[] = { USNSIM, "check", NULL };
	const char *help[] = { USNSIM, "check", "--help", NULL };
	struct tu_proc cmd;

	CHECK_EQ(tu_run(&cmd, one, 0), 2);
	CHECKF(!strncmp(
		       cmd.err,
		       "tests/bad/60-expect-unknown-name.yaml:6:5: expect: unknown name 'apps.src.latncy.p99'",
		       80),
	       "%s", cmd.err);
	CU_ASSERT_STRING_EQUAL(cmd.out, "");
	tu_proc_free(&cmd);
	CHECK_EQ(tu_run(&cmd, two, 0), 2);
	CHECKF(strstr(cmd.err,
		      "tests/bad/59-expect-parse.yaml:7:27: expect:") ==
		       cmd.err,
	       "%s", cmd.err);
	CHECKF(!strstr(cmd.out, "cbr.yaml"), "something ran:\n%s", cmd.out);
	CHECK_EQ(access(db, F_OK), -1);
	tu_proc_free(&cmd);
	CHECK_EQ(tu_run(&cmd, noarg, 0), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(cmd.err, "missing scenario FILE"));
	tu_proc_free(&cmd);
	CHECK_EQ(tu_run(&cmd, help, 0), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(cmd.out, "usage: usnsim check FILE"));
	tu_proc_free(&cmd);
}

static void test_no_expectations(void)
{
	const char *argv[] = {
		USNSIM,		 "check", "scenarios/md1.yaml", "--set",
		"duration=10ms", "--set", "warmup=1ms",		"--set",
		"repetitions=2", NULL
	};
	struct tu_proc cmd;

	CHECK_EQ(tu_run(&cmd, argv, 0), 0);
	CHECKF(strstr(cmd.out,
		      "scenarios/md1.yaml: 2 runs, 0 expectations: nothing to check") !=
		       NULL,
	       "%s", cmd.out);
	tu_proc_free(&cmd);
}

/* A sweep is checked point by point, repetition by repetition, with the
 * seeds `usnsim sweep` gives them (here a seed per point). */
static void test_sweep(void)
{
	const char *file = tpath("sweep.yaml");
	const char *cdb = tpath("check.db"), *sdb = tpath("sweep.db");
	const char *check[] = { USNSIM, "check", file, "--db", cdb, NULL };
	const char *sweep[] = { USNSIM, "sweep", file, "--db", sdb,
				"-q",	"-j",	 "2",  NULL };
	struct tu_proc cmd;
	char sql[1024], v[128];

	write_file(file,
		   "duration: 20ms\n"
		   "repetitions: 2\n"
		   "common_random_numbers: false\n"
		   "network: { rate: 1Gbps }\n"
		   "apps:\n"
		   "  src: { pattern: poisson, rate: 400Mbps, size: 1000B }\n"
		   "sweep:\n"
		   "  network.rate: [1Gbps, 2Gbps]\n"
		   "expect:\n"
		   "  - network.utilization.mean < 0.3\n"
		   "  - apps.src.sent > 0\n");
	CHECK_EQ(tu_run(&cmd, check, 0), 1);
	CHECKF(tu_count(cmd.out, "{\"network.rate\":\"1Gbps\"}") == 2,
	       "want both repetitions of the 1Gbps point:\n%s", cmd.out);
	CHECKF(!strstr(cmd.out, "{\"network.rate\":\"2Gbps\"}"), "%s", cmd.out);
	CHECKF(strstr(cmd.out,
		      "4 runs, 2 expectations: 2 of 8 checks failed") != NULL,
	       "%s", cmd.out);
	tu_proc_free(&cmd);
	CHECK_EQ(tu_run(&cmd, sweep, 0), 0);
	tu_proc_free(&cmd);
	/* the same four runs, by key, with the same trajectories */
	{
		sqlite3 *h;
		sqlite3_stmt *st;
		int n = -1, distinct = -1;

		CHECK_EQ_FATAL(sqlite3_open(cdb, &h), SQLITE_OK);
		snprintf(sql, sizeof(sql), "ATTACH '%s' AS s", sdb);
		CHECK_EQ(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
		if (sqlite3_prepare_v2(
			    h,
			    "SELECT count(*), count(DISTINCT c.fingerprint)"
			    " FROM main.runs AS c JOIN s.runs AS r"
			    " ON r.point = c.point"
			    " AND r.repetition = c.repetition"
			    " AND r.seed = c.seed"
			    " AND r.fingerprint = c.fingerprint",
			    -1, &st, NULL) == SQLITE_OK) {
			if (sqlite3_step(st) == SQLITE_ROW) {
				n = sqlite3_column_int(st, 0);
				distinct = sqlite3_column_int(st, 1);
			}
			sqlite3_finalize(st);
		}
		sqlite3_close(h);
		CHECKF(n == 4, "%d runs of check match sweep's, want 4", n);
		CHECKF(distinct == 4, "%d distinct fingerprints, want 4",
		       distinct);
	}
	tu_db_text(cdb, v, sizeof(v), "SELECT count(DISTINCT seed) FROM runs");
	CHECKF(!strcmp(v, "2"), "seeds per point: %s", v);
}

/* --only checks the points where it holds, as `usnsim sweep --only`
 * runs them: the same keys, seeds and trajectories. */
static void test_only(void)
{
	const char *file = tpath("only.yaml");
	const char *cdb = tpath("only-check.db"), *sdb = tpath("only-sweep.db");
	const char *fast[] = { USNSIM,
			       "check",
			       file,
			       "--db",
			       cdb,
			       "--only",
			       "network.rate >= 2Gbps",
			       NULL };
	const char *slow[] = {
		USNSIM, "check", file, "--only", "network.rate < 2Gbps", NULL
	};
	const char *none[] = {
		USNSIM, "check", file, "--only", "network.rate > 4Gbps", NULL
	};
	const char *sweep[] = {
		USNSIM, "sweep", file, "--db",	 sdb,
		"-q",	"-j",	 "1",  "--only", "network.rate >= 2Gbps",
		NULL
	};
	struct tu_proc cmd;
	char v[512];

	write_file(file,
		   "duration: 20ms\n"
		   "repetitions: 2\n"
		   "common_random_numbers: false\n"
		   "network: { rate: 1Gbps }\n"
		   "apps:\n"
		   "  src: { pattern: poisson, rate: 400Mbps, size: 1000B }\n"
		   "sweep:\n"
		   "  network.rate: [1Gbps, 2Gbps, 4Gbps]\n"
		   "expect:\n"
		   "  - network.utilization.mean < 0.3\n"
		   "  - apps.src.sent > 0\n");
	/* 2 of 3 points x 2 repetitions, all below 0.3 of capacity */
	CHECK_EQ(tu_run(&cmd, fast, 0), 0);
	CHECKF(strstr(cmd.out, "4 runs, 2 expectations: all held") != NULL,
	       "%s", cmd.out);
	tu_proc_free(&cmd);
	tu_db_text(cdb, v, sizeof(v),
		   "SELECT group_concat(point, ' ') FROM"
		   " (SELECT DISTINCT point FROM runs ORDER BY point)");
	CHECKF(!strcmp(v, "{\"network.rate\":\"2Gbps\"}"
			  " {\"network.rate\":\"4Gbps\"}"),
	       "points: %s", v);
	/* the 1 Gbps point alone: its utilization (0.4) fails twice */
	CHECK_EQ(tu_run(&cmd, slow, 0), 1);
	CHECKF(strstr(cmd.out,
		      "2 runs, 2 expectations: 2 of 4 checks failed") != NULL,
	       "%s", cmd.out);
	CHECKF(tu_count(cmd.out, "{\"network.rate\":\"1Gbps\"}") == 2, "%s",
	       cmd.out);
	tu_proc_free(&cmd);
	/* nothing left: bad input, nothing runs */
	CHECK_EQ(tu_run(&cmd, none, 0), 2);
	CHECKF(strstr(cmd.err,
		      "--only:1:1: no point of the sweep satisfies it (in ") !=
		       NULL,
	       "%s", cmd.err);
	CU_ASSERT_STRING_EQUAL(cmd.out, "");
	tu_proc_free(&cmd);
	/* the runs are sweep --only's */
	CHECK_EQ(tu_run(&cmd, sweep, 0), 0);
	tu_proc_free(&cmd);
	CHECK_EQ(tu_db_int(sdb, "SELECT count(*) FROM runs"), 4);
	tu_db_text(
		sdb, v, sizeof(v),
		"SELECT group_concat(fingerprint, ' ') FROM"
		" (SELECT fingerprint FROM runs ORDER BY point, repetition)");
	{
		char w[512];

		tu_db_text(cdb, w, sizeof(w),
			   "SELECT group_concat(fingerprint, ' ') FROM"
			   " (SELECT fingerprint FROM runs"
			   " ORDER BY point, repetition)");
		CHECKF(*v && !strcmp(v, w), "sweep %s, check %s", v, w);
	}
}

/* --db keeps every run, its fingerprint the one the run computed. */
static void test_db(void)
{
	const char *db = tpath("fp.db");
	const char *argv[] = { USNSIM, "check", REGRESS "/fingerprint.yaml",
			       "--db", db,	"-q",
			       NULL };
	struct a_run a;
	struct tu_proc cmd;
	char v[128];

	CHECK_EQ(tu_run(&cmd, argv, 0), 0);
	CU_ASSERT_STRING_EQUAL(cmd.out, "");
	tu_proc_free(&cmd);
	tu_db_text(db, v, sizeof(v), "SELECT count(*) FROM runs");
	CHECKF(!strcmp(v, "2"), "runs: %s", v);
	if (a_run_start(&a, REGRESS "/fingerprint.yaml", NULL, 0, 1))
		return;
	tu_db_text(db, v, sizeof(v),
		   "SELECT fingerprint FROM runs WHERE repetition = 1");
	CHECKF(!strcmp(v, a.r.fingerprint), "db %s, run %s", v,
	       a.r.fingerprint);
	a_run_end(&a);
}

static int suite_init(void)
{
	return tu_mkdtemp(dir, sizeof(dir), "check");
}

static int suite_clean(void)
{
	return tu_rmtree(dir);
}

int suite_check(void)
{
	CU_pSuite s = CU_add_suite("check", suite_init, suite_clean);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "names resolve to the run's values", test_lookup) ||
	    !CU_add_test(s, "values for people", test_format) ||
	    !CU_add_test(s, "parse, bind, evaluate, explain",
			 test_parse_bind_eval) ||
	    !CU_add_test(s, "parse errors and no block", test_parse_errors) ||
	    !CU_add_test(s, "fingerprints: same seed same, else different",
			 test_fingerprint) ||
	    !CU_add_test(s, "the regression suite holds", test_regress_suite) ||
	    !CU_add_test(s, "a perturbed parameter fails md1",
			 test_perturbed) ||
	    !CU_add_test(s, "bad input: exit 2, nothing runs",
			 test_bad_input) ||
	    !CU_add_test(s,
			 "a scenario without expect:", test_no_expectations) ||
	    !CU_add_test(s, "sweeps: per point, seeds as sweep's",
			 test_sweep) ||
	    !CU_add_test(s, "--only: the points it keeps, as sweep's",
			 test_only) ||
	    !CU_add_test(s, "--db keeps runs and fingerprints", test_db))
		return CU_get_error();
	return 0;
}
