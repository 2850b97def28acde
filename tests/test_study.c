/*
 * test_study.c - sweeps: parallel equals serial, kill and resume, shards
 * and merge (also through GNU Parallel), sequential stopping, and the
 * first study (M/D/1 against utilization) against theory.
 *
 * Each test runs build/usnsim as a user would and compares databases run
 * by run, by key (point, repetition): every summary and scalar must be
 * identical, which holds only if every run is a pure function of its
 * scenario, point and repetition, whoever ran it and in whatever order.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "util.h"
#include <gsl/gsl_cdf.h>
#include <sqlite3.h>

#define USNSIM tu_usnsim()
#define SWEEP12 "tests/fixtures/sweep-12.yaml"

static char dir[256];

static const char *tmp(const char *name)
{
	return tu_path(dir, name);
}

/* Runs argv to its end, its stderr the suite's: the exit status. */
static int run(const char *const *argv)
{
	return tu_run(NULL, argv, TU_OWN_STDERR);
}

/* The first column of the first row of sql on db, or NAN. */
static double q1(const char *db, const char *sql)
{
	return tu_db_double(db, "%s", sql);
}

static bool integrity_ok(const char *db)
{
	char why[256];

	return tu_db_integrity(db, why, sizeof(why));
}

static const char *const count_runs =
	"SELECT count(*) FROM runs WHERE status = 'ok'";
static const char *const count_keys =
	"SELECT count(*) FROM (SELECT DISTINCT hash, point, repetition,"
	" version FROM runs)";

static int sweep(const char *file, const char *db, const char *jobs,
		 const char *shard)
{
	const char *argv[] = { USNSIM, "sweep", file,
			       "--db", db,	"-q",
			       "-j",   jobs,	shard ? "--shard" : NULL,
			       shard,  NULL };

	return run(argv);
}

/* The reference every other test compares against: -j 1. */
static void test_parallel_equals_serial(void)
{
	CHECK_EQ_FATAL(sweep(SWEEP12, tmp("j1.db"), "1", NULL), 0);
	CHECK_EQ_FATAL(sweep(SWEEP12, tmp("j2.db"), "2", NULL), 0);
	CHECK_EQ(q1(tmp("j1.db"), count_runs), 36);
	CHECK_EQ(q1(tmp("j2.db"), count_runs), 36);
	CHECK_EQ(q1(tmp("j1.db"), "SELECT count(DISTINCT point) FROM runs"),
		 12);
	CHECK_EQ(tu_db_run_differences(tmp("j1.db"), tmp("j2.db")), 0);
	/* the comparison can see a difference: drop one run */
	CHECK_EQ(sweep(SWEEP12, tmp("j3.db"), "2", "1/2"), 0);
	CHECK_GT(tu_db_run_differences(tmp("j1.db"), tmp("j3.db")), 0);
	/* running it again does nothing: every run is already there */
	CHECK_EQ(sweep(SWEEP12, tmp("j2.db"), "2", NULL), 0);
	CHECK_EQ(q1(tmp("j2.db"), count_runs), 36);
	/* the work directory is gone after a sweep */
	CHECK_NE(access(tmp("j2.db.work"), F_OK), 0);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* SIGKILL the sweep once a few runs are in, resume, compare. The runs
 * are long enough that the sweep is still running when the first batch of
 * finished runs has been imported. */
static void test_kill_and_resume(void)
{
	const char *db = tmp("kill.db");
	const char *argv[] = { USNSIM,	"sweep",       SWEEP12, "--db",
			       db,	"-q",	       "-j",	"2",
			       "--set", "duration=1s", NULL };
	const char *ref[] = {
		USNSIM, "sweep", SWEEP12, "--db",  tmp("killref.db"),
		"-q",	"-j",	 "2",	  "--set", "duration=1s",
		NULL
	};
	struct tu_proc sw;
	double before;

	CHECK_EQ_FATAL(run(ref), 0);
	CHECK_GT_FATAL(tu_start(&sw, argv, TU_OWN_STDERR, NULL), 0);
	for (int i = 0; i < 500; i++) {
		sleep_ms(10);
		if (access(db, F_OK) == 0 && q1(db, count_runs) >= 6)
			break;
	}
	kill(sw.pid, SIGKILL);
	tu_wait(&sw);
	tu_proc_free(&sw);
	before = q1(db, count_runs);
	CHECK_GE(before, 6);
	CHECK_LT(before, 36);
	CU_ASSERT(integrity_ok(db));
	CHECK_EQ(run(argv), 0);
	CHECK_EQ(q1(db, count_runs), 36);
	CHECK_EQ(q1(db, count_keys), 36);
	CHECK_EQ(tu_db_run_differences(db, tmp("killref.db")), 0);
}

/* SIGINT: in-flight runs finish, the exit status says interrupted, the
 * work directory is cleaned up, and the sweep resumes to the full result. */
static void test_sigint_and_resume(void)
{
	const char *db = tmp("int.db");
	const char *argv[] = { USNSIM,	"sweep",       SWEEP12, "--db",
			       db,	"-q",	       "-j",	"2",
			       "--set", "duration=1s", NULL };
	struct tu_proc sw;
	double before;

	CHECK_GT_FATAL(tu_start(&sw, argv, TU_OWN_STDERR, NULL), 0);
	for (int i = 0; i < 500; i++) {
		sleep_ms(10);
		if (access(db, F_OK) == 0 && q1(db, count_runs) >= 4)
			break;
	}
	kill(sw.pid, SIGINT);
	CHECK_EQ(tu_wait(&sw), 130);
	tu_proc_free(&sw);
	before = q1(db, count_runs);
	CHECK_GE(before, 4);
	CHECK_LT(before, 36);
	CU_ASSERT(integrity_ok(db));
	CHECK_NE(access(tmp("int.db.work"), F_OK), 0);
	CHECK_EQ(run(argv), 0);
	CHECK_EQ(q1(db, count_runs), 36);
	CHECK_EQ(q1(db, count_keys), 36);
	CHECK_EQ(tu_db_run_differences(db, tmp("killref.db")), 0);
}

static int merge(const char *out, const char *a, const char *b, const char *c)
{
	const char *argv[] = { USNSIM, "merge", out, a, b, c, NULL };

	return run(argv);
}

static void test_shards_merge(void)
{
	for (int k = 1; k <= 3; k++) {
		char shard[8], name[16];

		snprintf(shard, sizeof(shard), "%d/3", k);
		snprintf(name, sizeof(name), "s%d.db", k);
		CHECK_EQ(sweep(SWEEP12, tmp(name), "1", shard), 0);
		CHECK_EQ(q1(tmp(name), count_runs), 12);
	}
	CHECK_EQ(merge(tmp("merged.db"), tmp("s1.db"), tmp("s2.db"),
		       tmp("s3.db")),
		 0);
	CHECK_EQ(q1(tmp("merged.db"), count_runs), 36);
	CHECK_EQ(tu_db_run_differences(tmp("merged.db"), tmp("j1.db")), 0);
	/* merging again copies nothing */
	CHECK_EQ(merge(tmp("merged.db"), tmp("s1.db"), tmp("s2.db"),
		       tmp("s3.db")),
		 0);
	CHECK_EQ(q1(tmp("merged.db"), count_keys), 36);
	CHECK_EQ(q1(tmp("merged.db"), count_runs), 36);
}

static void test_merge_refuses_other_scenario(void)
{
	const char *argv[] = { USNSIM,		"sweep",      SWEEP12,	 "--db",
			       tmp("other.db"), "-q",	      "--shard", "1/3",
			       "--set",		"warmup=2ms", NULL };
	const char *force[] = { USNSIM,		  "merge",	   "--force",
				tmp("merged.db"), tmp("other.db"), NULL };

	CHECK_EQ_FATAL(run(argv), 0);
	CHECK_EQ(merge(tmp("merged.db"), tmp("other.db"), NULL, NULL), 2);
	CHECK_EQ(q1(tmp("merged.db"), count_runs), 36);
	CHECK_EQ(run(force), 0);
	CHECK_EQ(q1(tmp("merged.db"), count_runs), 48);
}

/* The shards run by GNU Parallel, as docs/guide/studies.md shows. */
static void test_gnu_parallel(void)
{
	const char *pattern = tmp("par{}.db");
	const char *argv[] = { "parallel", "--will-cite", USNSIM, "sweep",
			       SWEEP12,	   "-q",	  "-j",	  "1",
			       "--shard",  "{}/3",	  "--db", pattern,
			       ":::",	   "1",		  "2",	  "3",
			       NULL };

	CHECK_EQ_FATAL(run(argv), 0);
	CHECK_EQ(merge(tmp("parmerged.db"), tmp("par1.db"), tmp("par2.db"),
		       tmp("par3.db")),
		 0);
	CHECK_EQ(tu_db_run_differences(tmp("parmerged.db"), tmp("j1.db")), 0);
}

/* Relative CI half-width (95%) of the first n values. */
static double rel_half(const double *v, int n)
{
	double mean = 0, var = 0;

	for (int i = 0; i < n; i++)
		mean += v[i] / n;
	for (int i = 0; i < n; i++)
		var += (v[i] - mean) * (v[i] - mean);
	return gsl_cdf_tdist_Pinv(0.975, n - 1) * sqrt(var / (n - 1)) /
	       sqrt(n) / mean;
}

/* Stopping: the repetitions a point got depend on its results only, and
 * each point stopped exactly when it should: with its n repetitions the CI
 * is narrow enough (or n is the cap), and with n - 1 it was not. */
static void test_sequential_stopping(void)
{
	const char *f = "tests/fixtures/sweep-stop.yaml";
	const char *db1 = tmp("stop1.db"), *db2 = tmp("stop2.db");
	double v[3][16];
	int n[3] = { 0 }, grew = 0;
	char last[256] = "";
	int p = -1;
	sqlite3 *h;
	sqlite3_stmt *st;

	CHECK_EQ_FATAL(sweep(f, db1, "1", NULL), 0);
	CHECK_EQ_FATAL(sweep(f, db2, "2", NULL), 0);
	CHECK_EQ(tu_db_run_differences(db1, db2), 0);
	CHECK_EQ_FATAL(sqlite3_open(db1, &h), SQLITE_OK);
	CHECK_EQ_FATAL(
		sqlite3_prepare_v2(
			h,
			"SELECT r.point, r.repetition, s.mean FROM runs r"
			" JOIN summaries s ON s.run_id = r.id"
			" WHERE s.component = 'network' AND s.metric = 'queue_delay'"
			" ORDER BY r.point, r.repetition",
			-1, &st, NULL),
		SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *pt = (const char *)sqlite3_column_text(st, 0);

		if (strcmp(pt, last)) {
			snprintf(last, sizeof(last), "%s", pt);
			if (++p >= 3)
				break;
		}
		CHECK_EQ(sqlite3_column_int(st, 1), n[p]);
		if (n[p] < 16)
			v[p][n[p]++] = sqlite3_column_double(st, 2);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	CHECK_EQ_FATAL(p, 2);
	for (int i = 0; i < 3; i++) {
		CHECK_GE(n[i], 2);
		CHECK_LE(n[i], 12);
		CHECKF(rel_half(v[i], n[i]) <= 0.03 || n[i] == 12,
		       "point %d: %d repetitions, relative half-width %g", i,
		       n[i], rel_half(v[i], n[i]));
		if (n[i] > 2) {
			CHECK_GT(rel_half(v[i], n[i] - 1), 0.03);
			grew++;
		}
	}
	CHECK_GT(grew, 0); /* the test exercised adding repetitions */
}

/* The first study: every point's mean queueing delay agrees with the
 * M/D/1 formula within its confidence interval. The nine intervals are
 * checked as a family at 95% (Bonferroni: each at 1 - 0.05/9). */
static void test_md1_load_study(void)
{
	const char *db = tmp("md1_load.db");
	const char *argv[] = {
		USNSIM, "sweep", "scenarios/studies/md1_load.yaml",
		"--db", db,	 "-q",
		"-j",	"2",	 NULL
	};
	sqlite3 *h;
	sqlite3_stmt *st;
	int points = 0;

	CHECK_EQ_FATAL(run(argv), 0);
	CHECK_EQ(q1(db, count_runs), 45);
	CHECK_EQ_FATAL(sqlite3_open(db, &h), SQLITE_OK);
	CHECK_EQ_FATAL(
		sqlite3_prepare_v2(
			h,
			"SELECT CAST(json_extract(r.point, '$.\"apps.src.rate\"')"
			" AS REAL),"
			" count(*), avg(s.mean), group_concat(s.mean)"
			" FROM runs r JOIN summaries s ON s.run_id = r.id"
			" WHERE s.component = 'network' AND s.metric = 'queue_delay'"
			" GROUP BY r.point",
			-1, &st, NULL),
		SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int n = sqlite3_column_int(st, 1);
		double mean = sqlite3_column_double(st, 2), var = 0, half;
		char *list = strdup((const char *)sqlite3_column_text(st, 3));
		/* rate text is like "30kpps": the number is in thousands */
		double rho = sqlite3_column_double(st, 0) * 1e3 * 10e-6;
		double wq = rho * 10e6 / (2 * (1 - rho)); /* ps */

		for (char *t = strtok(list, ","); t; t = strtok(NULL, ","))
			var += (atof(t) - mean) * (atof(t) - mean);
		free(list);
		half = gsl_cdf_tdist_Pinv(1 - 0.05 / 9 / 2, n - 1) *
		       sqrt(var / (n - 1)) / sqrt(n);
		points++;
		CHECK_EQ(n, 5);
		CHECK_GT(rho, 0.05);
		CHECK_LT(rho, 0.95);
		if (fabs(mean - wq) > half)
			fprintf(stderr,
				"\n    rho %.1f: %.4f us, theory %.4f us, +-%.4f us",
				rho, mean / 1e6, wq / 1e6, half / 1e6);
		CHECK_NEAR(mean, wq, half);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	CHECK_EQ(points, 9);
}

static int setup(void)
{
	return tu_mkdtemp(dir, sizeof(dir), "study");
}

static int teardown(void)
{
	return tu_rmtree(dir);
}

int suite_study(void)
{
	CU_pSuite s = CU_add_suite("study", setup, teardown);

	if (!s ||
	    !CU_add_test(s, "-j 2 equals -j 1", test_parallel_equals_serial) ||
	    !CU_add_test(s, "SIGKILL and resume", test_kill_and_resume) ||
	    !CU_add_test(s, "SIGINT and resume", test_sigint_and_resume) ||
	    !CU_add_test(s, "shards merged", test_shards_merge) ||
	    !CU_add_test(s, "merge refuses another scenario",
			 test_merge_refuses_other_scenario) ||
	    !CU_add_test(s, "shards through GNU Parallel", test_gnu_parallel) ||
	    !CU_add_test(s, "sequential stopping", test_sequential_stopping) ||
	    !CU_add_test(s, "md1_load study against theory",
			 test_md1_load_study))
		return CU_get_error();
	return 0;
}
