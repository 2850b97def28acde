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
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "util.h"
#include <gsl/gsl_cdf.h>
#include <sqlite3.h>

#define USNSIM tu_usnsim()
#define SWEEP12 "tests/fixtures/sweep-12.yaml"

extern char **environ;

static char dir[64];

static char *tmp(const char *name)
{
	static char buf[8][160];
	static int k;
	char *p = buf[k++ % 8];

	snprintf(p, 160, "%s/%s", dir, name);
	return p;
}

static pid_t spawn(const char *const *argv)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
			 environ))
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

static int wait_status(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run(const char *const *argv)
{
	return wait_status(spawn(argv));
}

/* The first column of the first row of sql on db, or NAN. While a sweep
 * is starting the file may exist without its tables yet: polling passes
 * quiet to not report that. */
static double query(const char *db, const char *sql, int quiet)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	double v = NAN;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(h, 5000) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_double(st, 0);
		sqlite3_finalize(st);
	} else if (!quiet) {
		fprintf(stderr, "\n%s: %s\n", db, sqlite3_errmsg(h));
	}
	sqlite3_close(h);
	return v;
}

static double q1(const char *db, const char *sql)
{
	return query(db, sql, 0);
}

static int integrity_ok(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int ok = 0;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) ==
		    SQLITE_OK) {
		ok = sqlite3_step(st) == SQLITE_ROW &&
		     !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return ok;
}

/* Rows of a that b lacks plus rows of b that a lacks, comparing every run's
 * summaries and scalars by (point, repetition); -1 on error. */
static double differences(const char *a, const char *b)
{
	static const char *const rows[] = {
		"SELECT r.point, r.repetition, r.hash, r.seed, r.events,"
		" s.component, s.metric, s.count, s.mean, s.stddev, s.min,"
		" s.p50, s.p90, s.p99, s.p999, s.max"
		" FROM %s.runs r JOIN %s.summaries s ON s.run_id = r.id",
		"SELECT r.point, r.repetition, s.component, s.metric, s.value"
		" FROM %s.runs r JOIN %s.scalars s ON s.run_id = r.id",
		"SELECT r.point, r.repetition, p.path, p.value"
		" FROM %s.runs r JOIN %s.params p ON p.run_id = r.id",
	};
	char sql[4096], x[512], y[512];
	sqlite3 *h;
	double n = 0;

	if (sqlite3_open_v2(a, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		return -1;
	}
	snprintf(sql, sizeof(sql), "ATTACH '%s' AS b", b);
	if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
		n = -1;
	for (size_t i = 0; n >= 0 && i < sizeof(rows) / sizeof(rows[0]); i++) {
		sqlite3_stmt *st;

		snprintf(x, sizeof(x), rows[i], "main", "main");
		snprintf(y, sizeof(y), rows[i], "b", "b");
		snprintf(sql, sizeof(sql),
			 "SELECT (SELECT count(*) FROM (%s EXCEPT %s)) +"
			 " (SELECT count(*) FROM (%s EXCEPT %s))",
			 x, y, y, x);
		if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
			fprintf(stderr, "\n%s\n", sqlite3_errmsg(h));
			n = -1;
			break;
		}
		if (sqlite3_step(st) == SQLITE_ROW)
			n += sqlite3_column_double(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return n;
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
	CU_ASSERT_EQUAL_FATAL(sweep(SWEEP12, tmp("j1.db"), "1", NULL), 0);
	CU_ASSERT_EQUAL_FATAL(sweep(SWEEP12, tmp("j2.db"), "2", NULL), 0);
	CU_ASSERT_EQUAL(q1(tmp("j1.db"), count_runs), 36);
	CU_ASSERT_EQUAL(q1(tmp("j2.db"), count_runs), 36);
	CU_ASSERT_EQUAL(
		q1(tmp("j1.db"), "SELECT count(DISTINCT point) FROM runs"), 12);
	CU_ASSERT_EQUAL(differences(tmp("j1.db"), tmp("j2.db")), 0);
	/* the comparison can see a difference: drop one run */
	CU_ASSERT_EQUAL(sweep(SWEEP12, tmp("j3.db"), "2", "1/2"), 0);
	CU_ASSERT(differences(tmp("j1.db"), tmp("j3.db")) > 0);
	/* running it again does nothing: every run is already there */
	CU_ASSERT_EQUAL(sweep(SWEEP12, tmp("j2.db"), "2", NULL), 0);
	CU_ASSERT_EQUAL(q1(tmp("j2.db"), count_runs), 36);
	/* the work directory is gone after a sweep */
	CU_ASSERT_NOT_EQUAL(access(tmp("j2.db.work"), F_OK), 0);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* SIGKILL the sweep once a few runs are in, resume, compare. */
static void test_kill_and_resume(void)
{
	const char *db = tmp("kill.db");
	const char *argv[] = {
		USNSIM, "sweep", SWEEP12, "--db",	   db,	"-q",
		"-j",	"2",	 "--set", "duration=60ms", NULL
	};
	const char *ref[] = {
		USNSIM, "sweep", SWEEP12, "--db",  tmp("killref.db"),
		"-q",	"-j",	 "2",	  "--set", "duration=60ms",
		NULL
	};
	double before;
	pid_t pid;

	CU_ASSERT_EQUAL_FATAL(run(ref), 0);
	pid = spawn(argv);
	CU_ASSERT_FATAL(pid > 0);
	for (int i = 0; i < 500; i++) {
		sleep_ms(10);
		if (access(db, F_OK) == 0 && query(db, count_runs, 1) >= 6)
			break;
	}
	kill(pid, SIGKILL);
	wait_status(pid);
	before = q1(db, count_runs);
	CU_ASSERT(before >= 6 && before < 36);
	CU_ASSERT(integrity_ok(db));
	CU_ASSERT_EQUAL(run(argv), 0);
	CU_ASSERT_EQUAL(q1(db, count_runs), 36);
	CU_ASSERT_EQUAL(q1(db, count_keys), 36);
	CU_ASSERT_EQUAL(differences(db, tmp("killref.db")), 0);
}

/* SIGINT: in-flight runs finish, the exit status says interrupted, the
 * work directory is cleaned up, and the sweep resumes to the full result. */
static void test_sigint_and_resume(void)
{
	const char *db = tmp("int.db");
	const char *argv[] = {
		USNSIM, "sweep", SWEEP12, "--db",	   db,	"-q",
		"-j",	"2",	 "--set", "duration=60ms", NULL
	};
	double before;
	pid_t pid;

	pid = spawn(argv);
	CU_ASSERT_FATAL(pid > 0);
	for (int i = 0; i < 500; i++) {
		sleep_ms(10);
		if (access(db, F_OK) == 0 && query(db, count_runs, 1) >= 4)
			break;
	}
	kill(pid, SIGINT);
	CU_ASSERT_EQUAL(wait_status(pid), 130);
	before = q1(db, count_runs);
	CU_ASSERT(before >= 4 && before < 36);
	CU_ASSERT(integrity_ok(db));
	CU_ASSERT_NOT_EQUAL(access(tmp("int.db.work"), F_OK), 0);
	CU_ASSERT_EQUAL(run(argv), 0);
	CU_ASSERT_EQUAL(q1(db, count_runs), 36);
	CU_ASSERT_EQUAL(q1(db, count_keys), 36);
	CU_ASSERT_EQUAL(differences(db, tmp("killref.db")), 0);
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
		CU_ASSERT_EQUAL(sweep(SWEEP12, tmp(name), "1", shard), 0);
		CU_ASSERT_EQUAL(q1(tmp(name), count_runs), 12);
	}
	CU_ASSERT_EQUAL(merge(tmp("merged.db"), tmp("s1.db"), tmp("s2.db"),
			      tmp("s3.db")),
			0);
	CU_ASSERT_EQUAL(q1(tmp("merged.db"), count_runs), 36);
	CU_ASSERT_EQUAL(differences(tmp("merged.db"), tmp("j1.db")), 0);
	/* merging again copies nothing */
	CU_ASSERT_EQUAL(merge(tmp("merged.db"), tmp("s1.db"), tmp("s2.db"),
			      tmp("s3.db")),
			0);
	CU_ASSERT_EQUAL(q1(tmp("merged.db"), count_keys), 36);
	CU_ASSERT_EQUAL(q1(tmp("merged.db"), count_runs), 36);
}

static void test_merge_refuses_other_scenario(void)
{
	const char *argv[] = { USNSIM,		"sweep",      SWEEP12,	 "--db",
			       tmp("other.db"), "-q",	      "--shard", "1/3",
			       "--set",		"warmup=2ms", NULL };
	const char *force[] = { USNSIM,		  "merge",	   "--force",
				tmp("merged.db"), tmp("other.db"), NULL };

	CU_ASSERT_EQUAL_FATAL(run(argv), 0);
	CU_ASSERT_EQUAL(merge(tmp("merged.db"), tmp("other.db"), NULL, NULL),
			2);
	CU_ASSERT_EQUAL(q1(tmp("merged.db"), count_runs), 36);
	CU_ASSERT_EQUAL(run(force), 0);
	CU_ASSERT_EQUAL(q1(tmp("merged.db"), count_runs), 48);
}

/* The shards run by GNU Parallel, as docs/guide/studies.md shows. */
static void test_gnu_parallel(void)
{
	char pattern[200];
	const char *argv[] = { "parallel", "--will-cite", USNSIM, "sweep",
			       SWEEP12,	   "-q",	  "-j",	  "1",
			       "--shard",  "{}/3",	  "--db", pattern,
			       ":::",	   "1",		  "2",	  "3",
			       NULL };

	snprintf(pattern, sizeof(pattern), "%s/par{}.db", dir);
	CU_ASSERT_EQUAL_FATAL(run(argv), 0);
	CU_ASSERT_EQUAL(merge(tmp("parmerged.db"), tmp("par1.db"),
			      tmp("par2.db"), tmp("par3.db")),
			0);
	CU_ASSERT_EQUAL(differences(tmp("parmerged.db"), tmp("j1.db")), 0);
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

	CU_ASSERT_EQUAL_FATAL(sweep(f, db1, "1", NULL), 0);
	CU_ASSERT_EQUAL_FATAL(sweep(f, db2, "2", NULL), 0);
	CU_ASSERT_EQUAL(differences(db1, db2), 0);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db1, &h), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(
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
		CU_ASSERT_EQUAL(sqlite3_column_int(st, 1), n[p]);
		if (n[p] < 16)
			v[p][n[p]++] = sqlite3_column_double(st, 2);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	CU_ASSERT_EQUAL_FATAL(p, 2);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT(n[i] >= 2 && n[i] <= 12);
		CU_ASSERT(rel_half(v[i], n[i]) <= 0.03 || n[i] == 12);
		if (n[i] > 2) {
			CU_ASSERT(rel_half(v[i], n[i] - 1) > 0.03);
			grew++;
		}
	}
	CU_ASSERT(grew > 0); /* the test exercised adding repetitions */
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

	CU_ASSERT_EQUAL_FATAL(run(argv), 0);
	CU_ASSERT_EQUAL(q1(db, count_runs), 45);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db, &h), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(
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
		CU_ASSERT_EQUAL(n, 5);
		CU_ASSERT(rho > 0.05 && rho < 0.95);
		if (fabs(mean - wq) > half)
			fprintf(stderr,
				"\n    rho %.1f: %.4f us, theory %.4f us, +-%.4f us",
				rho, mean / 1e6, wq / 1e6, half / 1e6);
		CU_ASSERT(fabs(mean - wq) <= half);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	CU_ASSERT_EQUAL(points, 9);
}

static int setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/usnsim-study-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
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
