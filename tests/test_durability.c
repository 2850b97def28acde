/*
 * test_durability.c - a sweep loses nothing when a part of it fails.
 *
 * 1. One worker process is killed with SIGKILL (as the kernel's OOM killer
 *    would): the sweep notices, starts another worker, finishes with every
 *    run exactly once, identical to a sweep nobody disturbed.
 * 2. A second sweep of the same database is refused, and leaves the first
 *    sweep's lock in place: a third is refused too.
 * 3. The parent cannot import a finished run (another process holds the
 *    database's write lock for longer than the busy timeout): it exits 2,
 *    keeps the worker database in DB.work, and the next invocation
 *    imports those runs rather than running them again.
 *
 * Runs build/usnsim (tu_usnsim()) from the repository root on
 * tests/fixtures/sweep-12.yaml (36 runs); files live in a fresh directory,
 * removed at the end. Each test bounds how long it waits, so a sweep that
 * hangs fails the test instead of the suite.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "util.h"

#define USNSIM tu_usnsim()
#define SWEEP12 "tests/fixtures/sweep-12.yaml"
#define RUNS 36

static char dir[256];

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static long long runs_in(const char *db)
{
	long long n = access(db, F_OK)
			      ? 0
			      : tu_db_int(db, "SELECT count(*) FROM runs");

	return n == TU_SQL_NONE ? 0 : n;
}

/* Waits until db holds at least n runs or p ended; false after 30 s. */
static bool wait_runs(struct tu_proc *p, const char *db, long long n)
{
	for (int i = 0; i < 3000; i++) {
		if (runs_in(db) >= n)
			return true;
		if (!tu_running(p))
			return false;
		sleep_ms(10);
	}
	return false;
}

/* Waits for p for at most ms; kills its group and fails if it is still
 * running then. Returns its status. */
static int wait_bounded(struct tu_proc *p, int ms, const char *what)
{
	for (int t = 0; t < ms && tu_running(p); t += 20)
		sleep_ms(20);
	if (tu_running(p)) {
		CHECKF(0, "%s still running after %d ms: killed", what, ms);
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
	}
	return tu_wait(p);
}

/* A child of pid (a worker of a sweep), or -1. */
static pid_t child_of(pid_t pid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = -1;

	while (d && found < 0 && (e = readdir(d))) {
		char path[300], buf[512], *rp;
		FILE *f;
		int ppid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* "PID (COMM) STATE PPID ...": COMM may hold spaces */
		if (fgets(buf, sizeof(buf), f) && (rp = strrchr(buf, ')')) &&
		    sscanf(rp + 1, " %*c %d", &ppid) == 1 && ppid == pid)
			found = (pid_t)atoi(e->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

static void test_killed_worker(void)
{
	const char *db = tu_path(dir, "killw.db");
	const char *argv[] = {
		USNSIM, "sweep", SWEEP12, "--db",	   db,	"-q",
		"-j",	"2",	 "--set", "duration=40ms", NULL
	};
	struct tu_proc p;
	pid_t worker;

	CHECK_GT_FATAL(tu_start(&p, argv, TU_MERGE, NULL), 0);
	CU_ASSERT_FATAL(wait_runs(&p, db, 4));
	worker = child_of(p.pid);
	CHECK_GT(worker, 0);
	if (worker > 0)
		kill(worker, SIGKILL);
	CHECK_EQ(wait_bounded(&p, 60000, "the sweep with a killed worker"), 0);
	CHECKF(p.out && !*p.out, "sweep printed: %s", p.out ? p.out : "");
	tu_proc_free(&p);
	CHECK_EQ(runs_in(db), RUNS);
	CHECK_EQ(tu_db_int(db, "SELECT count(DISTINCT point || '/' || "
			       "repetition) FROM runs"),
		 RUNS);
	/* the killed run's numbers do not depend on who ran it */
	{
		const char *set[] = { USNSIM,
				      "sweep",
				      SWEEP12,
				      "--db",
				      tu_path(dir, "ref40.db"),
				      "-q",
				      "-j",
				      "2",
				      "--set",
				      "duration=40ms",
				      NULL };

		CHECK_EQ_FATAL(tu_run(NULL, set, TU_OWN_STDERR), 0);
	}
	CHECK_EQ(tu_db_run_differences(db, tu_path(dir, "ref40.db")), 0);
	CHECK_NE(access(tu_path(dir, "killw.db.work"), F_OK), 0);
}

static void test_refused_keeps_lock(void)
{
	const char *db = tu_path(dir, "lock.db");
	const char *lock = tu_path(dir, "lock.db.work/lock");
	/* runs long enough that the first sweep is still running when the
	 * third starts, although finished runs are imported in batches */
	const char *argv[] = {
		USNSIM, "sweep", SWEEP12, "--db",	    db,	 "-q",
		"-j",	"1",	 "--set", "duration=400ms", NULL
	};
	struct tu_proc a, b, c;

	CHECK_GT_FATAL(tu_start(&a, argv, TU_MERGE, NULL), 0);
	CU_ASSERT_FATAL(wait_runs(&a, db, 1));
	CHECK_EQ(access(lock, F_OK), 0);
	CHECK_EQ(tu_run(&b, argv, TU_MERGE), 2);
	CHECKF(strstr(b.out, "another usnsim sweep") != NULL,
	       "second sweep said: %s", b.out);
	tu_proc_free(&b);
	CHECK_EQ(access(lock, F_OK), 0); /* still there */
	CHECK_GT_FATAL(tu_start(&c, argv, TU_MERGE, NULL), 0);
	CHECK_EQ(wait_bounded(&c, 10000, "the third sweep"), 2);
	CHECKF(c.out && strstr(c.out, "another usnsim sweep") != NULL,
	       "third sweep said: %s", c.out ? c.out : "");
	tu_proc_free(&c);
	CHECK_EQ(wait_bounded(&a, 120000, "the first sweep"), 0);
	tu_proc_free(&a);
	CHECK_EQ(runs_in(db), RUNS);
}

static void test_kept_when_not_imported(void)
{
	/* runs long enough that the sweep is still running when the lock
	 * is taken, although finished runs are imported in batches */
	const char *db = tu_path(dir, "busy.db");
	const char *argv[] = {
		USNSIM, "sweep", SWEEP12, "--db",	    db,
		"-j",	"1",	 "--set", "duration=300ms", NULL
	};
	const char *ref[] = {
		USNSIM, "sweep", SWEEP12, "--db",  tu_path(dir, "busyref.db"),
		"-q",	"-j",	 "2",	  "--set", "duration=300ms",
		NULL
	};
	struct tu_proc p, again;
	long long before;
	sqlite3 *h;

	CHECK_GT_FATAL(tu_start(&p, argv, TU_MERGE, NULL), 0);
	CU_ASSERT_FATAL(wait_runs(&p, db, 3));
	/* Another process takes the write lock and keeps it past the
	 * sweep's busy timeout (10 s): the next import fails. */
	h = tu_sql_open(db, SQLITE_OPEN_READWRITE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CHECK_EQ(tu_sql_exec(h, "BEGIN IMMEDIATE"), SQLITE_OK);
	CHECK_EQ(wait_bounded(&p, 60000, "the sweep behind a lock"), 2);
	tu_sql_exec(h, "ROLLBACK");
	sqlite3_close(h);
	CHECKF(strstr(p.out, "kept in") != NULL, "sweep said: %s", p.out);
	tu_proc_free(&p);
	CHECK_EQ(access(tu_path(dir, "busy.db.work/w0.db"), F_OK), 0);
	before = runs_in(db);
	CHECK_LT(before, RUNS);
	/* The run finished before the failure comes back, not run again. */
	CHECK_EQ(tu_run(&again, argv, TU_MERGE), 0);
	CHECKF(strstr(again.out, "recovered from an interrupted sweep") != NULL,
	       "resumed sweep said: %s", again.out);
	tu_proc_free(&again);
	CHECK_EQ(runs_in(db), RUNS);
	CHECK_EQ_FATAL(tu_run(NULL, ref, TU_OWN_STDERR), 0);
	CHECK_EQ(tu_db_run_differences(db, tu_path(dir, "busyref.db")), 0);
}

static int setup(void)
{
	return tu_mkdtemp(dir, sizeof(dir), "durability");
}

static int teardown(void)
{
	return tu_rmtree(dir);
}

int suite_durability(void)
{
	CU_pSuite s = CU_add_suite("durability", setup, teardown);

	if (!s ||
	    !CU_add_test(s, "a killed worker is replaced",
			 test_killed_worker) ||
	    !CU_add_test(s, "a refused sweep keeps the lock",
			 test_refused_keeps_lock) ||
	    !CU_add_test(s, "runs not imported are kept",
			 test_kept_when_not_imported))
		return CU_get_error();
	return 0;
}
