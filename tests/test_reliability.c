/*
 * test_reliability.c - the results database under abuse.
 *
 * 1. A sweep (30 points x 2 repetitions, -j 2) is killed with SIGKILL, the
 *    whole process group (parent and workers), at pseudo-random moments
 *    (fixed seed) at least 20 times, restarted each time. After every kill
 *    the database passes PRAGMA integrity_check, its run count never goes
 *    down and no key is there twice; a worker database left in DB.work
 *    passes the check too. Run to completion, the database holds every run
 *    exactly once, identical to an uninterrupted reference, the work
 *    directory is gone, and sweeping again adds nothing.
 * 2. While a sweep runs, a thread reads the database over and over (each
 *    pass one read transaction) and `usnsim export` runs repeatedly: every
 *    read succeeds, the run count never goes down, and every run the reader
 *    sees already has all its params, scalars and summaries (as many as in
 *    the finished database): one transaction per run.
 * 3. Bad input to the CLI and the database: a database in a missing
 *    directory, a directory as database, a read-only file (not as root),
 *    another schema version, a file of random bytes, a database with its
 *    header or its pages overwritten, a missing scenario, an unknown
 *    command or option, out-of-range and malformed --set, --shard 3/2,
 *    -j 0. Each gives exit status 2, a single line on stderr that names the
 *    file or option, and leaves the directory's files byte for byte as
 *    they were (no file created).
 *
 * Runs build/usnsim (tu_usnsim()) from the repository root; files live in
 * a fresh directory under $TMPDIR or /tmp, removed at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <sqlite3.h>

#include "db.h"
#include "util.h"

#define USNSIM tu_usnsim()
#define KILLS 20      /* at least this many SIGKILLs of a running sweep */
#define MAX_TRIES 60  /* sweeps started in the kill loop, at most */
#define RUNS 60	      /* 30 points x 2 repetitions */
#define MAX_SEEN 4096 /* (run id, rows) pairs the reader remembers */

/* 10 x 3 points x 2 repetitions of a bare M/D/1-like queue; a run takes a
 * few milliseconds. */
static const char kill_yaml[] =
	"name: rel_kill\n"
	"duration: 20ms\n"
	"warmup: 0\n"
	"repetitions: 2\n"
	"network:\n"
	"  rate: 1Gbps\n"
	"apps:\n"
	"  src:\n"
	"    rate: 50kpps\n"
	"    size_dist: fixed\n"
	"    size: 1250B\n"
	"sweep:\n"
	"  apps.src.rate: [10kpps, 20kpps, 30kpps, 40kpps, 50kpps, 60kpps,"
	" 70kpps, 80kpps, 90kpps, 95kpps]\n"
	"  network.rate: [1Gbps, 2Gbps, 4Gbps]\n";

/* A small sweep for the bad-input cases, and one point of it. */
static const char small_yaml[] = "name: rel_small\n"
				 "duration: 2ms\n"
				 "warmup: 0\n"
				 "repetitions: 1\n"
				 "network:\n"
				 "  rate: 1Gbps\n"
				 "apps:\n"
				 "  src:\n"
				 "    rate: 50kpps\n"
				 "sweep:\n"
				 "  apps.src.rate: [10kpps, 20kpps]\n";
static const char one_yaml[] = "name: rel_one\n"
			       "duration: 2ms\n"
			       "warmup: 0\n"
			       "repetitions: 1\n"
			       "network:\n"
			       "  rate: 1Gbps\n"
			       "apps:\n"
			       "  src:\n"
			       "    rate: 50kpps\n";

static char dir[200];
static char bad_dir[240]; /* the files of the bad-input cases */

static const char *tmp(const char *name)
{
	return tu_path(dir, name);
}

static const char *btmp(const char *name)
{
	return tu_path(bad_dir, name);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void sleep_ms(double ms)
{
	struct timespec ts = { (time_t)(ms / 1e3),
			       (long)((ms - 1e3 * (double)(time_t)(ms / 1e3)) *
				      1e6) };

	nanosleep(&ts, NULL);
}

/* xorshift64*: the kill moments, the same every time. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static double rng_unit(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 0x2545f4914f6cdd1dULL) >> 11) /
	       9007199254740992.0;
}

static const char *const sql_runs = "SELECT count(*) FROM runs";
static const char *const sql_ok =
	"SELECT count(*) FROM runs WHERE status = 'ok'";
static const char *const sql_keys =
	"SELECT count(*) FROM (SELECT DISTINCT point, repetition FROM runs)";
static const char *const sql_has_runs =
	"SELECT count(*) FROM sqlite_master WHERE name = 'runs'";

/* Runs in db, 0 if the file or its tables are not there yet, -1 on error. */
static long long runs_in(const char *db)
{
	if (access(db, F_OK) != 0 || tu_db_int(db, sql_has_runs) == 0)
		return 0;
	return tu_db_int(db, sql_runs);
}

/* Checks every worker database w*.db left in workdir; returns how many. */
static int check_worker_dbs(const char *workdir, int kill_no)
{
	DIR *d = opendir(workdir);
	struct dirent *e;
	char path[600], why[256];
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] != 'w' || len < 4 ||
		    strcmp(e->d_name + len - 3, ".db"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", workdir, e->d_name);
		n++;
		/* a worker killed while creating it may leave it empty */
		if (tu_db_int(path, sql_has_runs) == 0)
			continue;
		CHECKF(tu_db_integrity(path, why, sizeof(why)),
		       "kill %d: worker database %s: integrity_check: %s",
		       kill_no, path, why);
	}
	closedir(d);
	return n;
}

/*
 * 1. kill -9, again and again.
 */

static void test_kill9_loop(void)
{
	const char *yaml = tmp("kill.yaml"), *db = tmp("kill.db");
	const char *ref = tmp("killref.db"), *work = tmp("kill.db.work");
	const char *argv[] = { USNSIM, "sweep", yaml, "--db", db,
			       "-j",   "2",	"-q", NULL };
	const char *refv[] = { USNSIM, "sweep", yaml, "--db", ref,
			       "-j",   "2",	"-q", NULL };
	double t0, full_ms, idle_ms, work_ms, delay;
	long long n, prev = 0, keys;
	int kills = 0, tries, status, left = 0, grew = 0;
	double t_start = now_ms();
	char why[256];

	CHECK_EQ_FATAL(tu_write_file(yaml, kill_yaml, strlen(kill_yaml)), 0);
	/* the reference, uninterrupted; it times the sweep too */
	t0 = now_ms();
	CHECK_EQ_FATAL(tu_run(NULL, refv, TU_GROUP), 0);
	full_ms = now_ms() - t0;
	CHECK_EQ_FATAL(tu_db_int(ref, sql_ok), RUNS);
	t0 = now_ms();
	CHECK_EQ(tu_run(NULL, refv, TU_GROUP), 0); /* nothing to do: start-up */
	idle_ms = now_ms() - t0;
	work_ms = full_ms - idle_ms;

	for (tries = 0; tries < MAX_TRIES && kills < KILLS + 4; tries++) {
		struct tu_proc sw;
		pid_t pid = tu_start(&sw, argv, TU_GROUP, NULL);

		CHECK_GT_FATAL(pid, 0);
		/* One kill in four during the start-up (opening, recovering
		 * worker files, planning); the others after it, the work
		 * left spread evenly over the kills left, so that they fall
		 * all along the study. */
		if (rng_unit() < 0.25 || prev == RUNS)
			delay = rng_unit() * 0.9 * idle_ms;
		else
			delay = idle_ms + rng_unit() * 2 * work_ms *
						  (double)(RUNS - prev) / RUNS /
						  (KILLS + 4 - kills);
		sleep_ms(delay);
		if (!tu_running(&sw)) {
			/* finished before the kill; later tries kill it
			 * while it opens the complete database */
			CHECKF(sw.status == 0,
			       "try %d: sweep exited with status %d", tries,
			       sw.status);
			tu_proc_free(&sw);
			prev = runs_in(db);
			continue;
		}
		kill(-pid, SIGKILL);
		status = tu_wait(&sw);
		tu_proc_free(&sw);
		if (status == 0) { /* it finished between the check and the
				    * kill: as above */
			prev = runs_in(db);
			continue;
		}
		CHECKF(status == 128 + SIGKILL, "try %d: status %d", tries,
		       status);
		/* the workers die with the group (and by PDEATHSIG) */
		for (int i = 0; i < 100 && kill(-pid, 0) == 0; i++)
			sleep_ms(2);
		kills++;
		if (access(db, F_OK) == 0)
			CHECKF(tu_db_integrity(db, why, sizeof(why)),
			       "kill %d at %.1f ms: integrity_check: %s", kills,
			       delay, why);
		n = runs_in(db);
		keys = n > 0 ? tu_db_int(db, sql_keys) : 0;
		CHECKF(n >= prev, "kill %d at %.1f ms: %lld runs, %lld before",
		       kills, delay, n, prev);
		CHECKF(keys == n, "kill %d: %lld runs but %lld keys", kills, n,
		       keys);
		CHECKF(n <= RUNS, "kill %d: %lld runs of %d", kills, n, RUNS);
		left += check_worker_dbs(work, kills);
		grew += n > prev;
		prev = n;
	}
	fprintf(stderr,
		"\n    %d kills (%.0f ms uninterrupted, %.0f ms start-up), %d with new runs, %lld/%d runs in, %d worker files left over, %.1f s ",
		kills, full_ms, idle_ms, grew, prev, RUNS, left,
		(now_ms() - t_start) / 1e3);
	CHECKF(kills >= KILLS, "only %d kills: the sweep finished too soon",
	       kills);

	/* to the end, then once more: nothing is added */
	CHECK_EQ(tu_run(NULL, argv, TU_GROUP), 0);
	CHECKF(tu_db_integrity(db, why, sizeof(why)), "integrity_check: %s",
	       why);
	CHECK_EQ(tu_db_int(db, sql_runs), RUNS);
	CHECK_EQ(tu_db_int(db, sql_ok), RUNS);
	CHECK_EQ(tu_db_int(db, sql_keys), RUNS);
	CHECK_EQ(tu_db_run_differences(db, ref), 0);
	CHECK_NE(access(work, F_OK), 0);
	n = tu_db_int(db, "SELECT max(id) FROM runs");
	CHECK_EQ(tu_run(NULL, argv, TU_GROUP), 0);
	CHECK_EQ(tu_db_int(db, sql_runs), RUNS);
	CHECK_EQ(tu_db_int(db, "SELECT max(id) FROM runs"), n);
	/* no statistics rows without their run */
	CHECK_EQ(tu_db_int(db, "SELECT count(*) FROM scalars WHERE run_id"
			       " NOT IN (SELECT id FROM runs)"),
		 0);
}

/*
 * 2. A reader during a sweep.
 */

struct seen_run {
	long long id, params, scalars, summaries;
};

struct reader {
	const char *db;
	volatile int stop;
	int passes, errors;
	long long last, max_seen;
	char first_error[512];
	struct seen_run seen[MAX_SEEN];
	int nseen;
	bool went_down, partial;
};

static const char reader_sql[] =
	"SELECT r.id, r.status,"
	" (SELECT count(*) FROM params p WHERE p.run_id = r.id),"
	" (SELECT count(*) FROM scalars s WHERE s.run_id = r.id),"
	" (SELECT count(*) FROM summaries s WHERE s.run_id = r.id)"
	" FROM runs r ORDER BY r.id";

static void reader_error(struct reader *r, sqlite3 *h, const char *what)
{
	if (!r->errors++)
		snprintf(r->first_error, sizeof(r->first_error),
			 "pass %d: %s: %s (code %d)", r->passes, what,
			 sqlite3_errmsg(h), sqlite3_extended_errcode(h));
}

/* One pass in one read transaction: every run with its row counts. */
static void reader_pass(struct reader *r, sqlite3 *h)
{
	sqlite3_stmt *st;
	long long n = 0;
	int rc;

	if (sqlite3_exec(h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		reader_error(r, h, "BEGIN");
		return;
	}
	if (sqlite3_prepare_v2(h, reader_sql, -1, &st, NULL) != SQLITE_OK) {
		reader_error(r, h, "prepare");
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct seen_run s = { sqlite3_column_int64(st, 0),
				      sqlite3_column_int64(st, 2),
				      sqlite3_column_int64(st, 3),
				      sqlite3_column_int64(st, 4) };

		n++;
		if (!s.params || !s.scalars || !s.summaries)
			r->partial = true;
		if (r->nseen < MAX_SEEN && s.id > r->max_seen) {
			r->seen[r->nseen++] = s;
			r->max_seen = s.id;
		}
	}
	if (rc != SQLITE_DONE)
		reader_error(r, h, "step");
	sqlite3_finalize(st);
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		reader_error(r, h, "COMMIT");
	if (n < r->last)
		r->went_down = true;
	r->last = n;
	r->passes++;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	sqlite3 *h = NULL;

	/* the file and its schema appear with the sweep's first commit */
	while (!r->stop &&
	       (access(r->db, F_OK) != 0 ||
		tu_db_int(r->db, "PRAGMA user_version") != DB_SCHEMA_VERSION))
		sleep_ms(1);
	if (sqlite3_open_v2(r->db, &h, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		reader_error(r, h, "open");
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, 2000);
	do
		reader_pass(r, h);
	while (!r->stop);
	sqlite3_close(h);
	return NULL;
}

static void test_concurrent_reader(void)
{
	const char *yaml = tmp("read.yaml"), *db = tmp("read.db");
	const char *argv[] = { USNSIM, "sweep", yaml, "--db", db,
			       "-j",   "2",	"-q", NULL };
	const char *const queries[] = { "runs", "scalars", "summaries" };
	struct reader *r = calloc(1, sizeof(*r));
	int exports = 0, bad_exports = 0;
	struct tu_proc sw;
	const char *out = tmp("export.csv");
	pthread_t th;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CHECK_EQ_FATAL(tu_write_file(yaml, kill_yaml, strlen(kill_yaml)), 0);
	r->db = db;
	CHECK_GT_FATAL(tu_start(&sw, argv, TU_GROUP, NULL), 0);
	CHECK_EQ_FATAL(pthread_create(&th, NULL, reader_main, r), 0);
	/* usnsim export, as a user would, until the sweep is done */
	while (tu_running(&sw)) {
		const char *ex[] = { USNSIM, "export",	"--db",
				     db,     "--query", queries[exports % 3],
				     "-o",   out,	NULL };
		struct tu_proc cmd;
		int rc;

		if (tu_db_int(db, "PRAGMA user_version") != DB_SCHEMA_VERSION) {
			sleep_ms(2);
			continue;
		}
		rc = tu_run(&cmd, ex, TU_GROUP);
		if (rc != 0 && !bad_exports++)
			CHECKF(0, "usnsim export --query %s: status %d: %s",
			       queries[exports % 3], rc, cmd.err);
		tu_proc_free(&cmd);
		exports++;
	}
	r->stop = 1;
	pthread_join(th, NULL);
	fprintf(stderr, "\n    %d read passes, %d exports during the sweep ",
		r->passes, exports);
	CHECKF(sw.status == 0, "sweep: status %d", sw.status);
	tu_proc_free(&sw);
	CHECKF(r->errors == 0, "%d failed reads, the first: %s", r->errors,
	       r->first_error);
	CHECK_EQ(bad_exports, 0);
	CU_ASSERT(!r->went_down);
	CU_ASSERT(!r->partial);
	CHECK_GT(r->passes, 1);
	CHECK_EQ(tu_db_int(db, sql_ok), RUNS);
	CHECK_EQ(tu_db_int(db, sql_keys), RUNS);
	/* each run as the reader first saw it is the run as it ended */
	for (int i = 0; i < r->nseen; i++) {
		const struct seen_run *s = &r->seen[i];
		long long p, sc, su;

		p = tu_db_int(db,
			      "SELECT count(*) FROM params WHERE run_id = %lld",
			      s->id);
		sc = tu_db_int(
			db, "SELECT count(*) FROM scalars WHERE run_id = %lld",
			s->id);
		su = tu_db_int(
			db,
			"SELECT count(*) FROM summaries WHERE run_id = %lld",
			s->id);
		CHECKF(p == s->params && sc == s->scalars && su == s->summaries,
		       "run %lld seen with %lld/%lld/%lld params/scalars/summaries, has %lld/%lld/%lld",
		       s->id, s->params, s->scalars, s->summaries, p, sc, su);
	}
	free(r);
}

/*
 * 3. Bad input.
 */

/* Every file in bad_dir with its mode, size and bytes, as one string to
 * compare before and after. */
static char *snapshot(void)
{
	char *s = NULL, *data, path[600];
	size_t len = 0, dl;
	FILE *f = open_memstream(&s, &len);
	struct dirent **ents;
	int n = scandir(bad_dir, &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", bad_dir, ents[i]->d_name);
		if (lstat(path, &sb) == 0) {
			fprintf(f, "%s %o %lld\n", ents[i]->d_name,
				(unsigned)sb.st_mode, (long long)sb.st_size);
			data = S_ISREG(sb.st_mode) ? tu_slurp(path, &dl) : NULL;
			if (data)
				fwrite(data, 1, dl, f);
			free(data);
		}
		free(ents[i]);
	}
	free(ents);
	fclose(f);
	return s;
}

struct bad_cli {
	const char *what;
	const char *argv[16];
	const char *names; /* the stderr line must contain this */
};

static void bad_case(const struct bad_cli *c)
{
	char *before = snapshot(), *after, *msg, *nl;
	struct tu_proc cmd;
	size_t len;
	int status;

	status = tu_run(&cmd, c->argv, TU_GROUP);
	msg = cmd.err;
	len = cmd.err_len;
	after = snapshot();
	CHECKF(status == 2, "%s: exit status %d, want 2", c->what, status);
	CHECKF(msg && len > 1, "%s: nothing on stderr", c->what);
	if (msg && len > 1) {
		nl = strchr(msg, '\n');
		CHECKF(nl == msg + len - 1,
		       "%s: stderr is not a single line: '%s'", c->what, msg);
		CHECKF(strstr(msg, c->names) != NULL,
		       "%s: '%s' does not name '%s'", c->what, msg, c->names);
	}
	CHECKF(before && after && !strcmp(before, after),
	       "%s: files changed or created in %s", c->what, bad_dir);
	free(before);
	free(after);
	tu_proc_free(&cmd);
}

/* A copy of src at dst (its -wal checkpointed away: src is closed). */
static int copy_file(const char *src, const char *dst)
{
	size_t len;
	char *b = tu_slurp(src, &len);
	int rc = b ? tu_write_file(dst, b, len) : -1;

	free(b);
	return rc;
}

static int set_user_version(const char *db, int v)
{
	sqlite3 *h = NULL;
	char sql[64];
	int rc;

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	rc = sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, "PRAGMA journal_mode = DELETE", NULL, NULL,
				  NULL);
	sqlite3_close(h);
	return rc;
}

static void test_bad_input(void)
{
	const char *small = btmp("small.yaml"), *one = btmp("one.yaml");
	const char *good = btmp("good.db"), *ver = btmp("version.db");
	const char *rnd = btmp("random.db"), *hdr = btmp("header.db");
	const char *pages = btmp("pages.db"), *ro = btmp("readonly.db");
	const char *isdir = btmp("dir.db"), *fresh = btmp("fresh.db");
	const char *nodir = btmp("no/such/dir/x.db");
	const char *noscn = btmp("missing.yaml");
	const char *seed[] = {
		USNSIM, "sweep", small, "--db", good, "-q", NULL
	};
	unsigned char junk[3 * 4096];
	const char *dst = btmp("merge-into.db");
	size_t len;
	char *b;

	CHECK_EQ_FATAL(tu_write_file(small, small_yaml, strlen(small_yaml)), 0);
	CHECK_EQ_FATAL(tu_write_file(one, one_yaml, strlen(one_yaml)), 0);
	/* a good database, then closed databases made bad from it */
	CHECK_EQ_FATAL(tu_run(NULL, seed, TU_GROUP), 0);
	CHECK_EQ_FATAL(tu_db_int(good, sql_ok), 2);
	CHECK_EQ_FATAL(copy_file(good, ver), 0);
	CHECK_EQ_FATAL(copy_file(good, dst), 0);
	CHECK_EQ_FATAL(set_user_version(ver, 99), SQLITE_OK);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(rng_unit() * 256);
	CHECK_EQ_FATAL(tu_write_file(rnd, junk, sizeof(junk)), 0);
	b = tu_slurp(good, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CHECK_GT_FATAL(len, 6 * 4096);
	memcpy(b, junk, 100); /* the header */
	CHECK_EQ(tu_write_file(hdr, b, len), 0);
	free(b);
	b = tu_slurp(good, &len);
	memcpy(b + 2 * 4096, junk, 3 * 4096); /* pages 3 to 5 */
	CHECK_EQ(tu_write_file(pages, b, len), 0);
	free(b);
	CHECK_EQ(mkdir(isdir, 0755), 0);

	const struct bad_cli cases[] = {
		{ "database in a missing directory",
		  { USNSIM, "sweep", small, "--db", nodir, NULL },
		  nodir },
		{ "database in a missing directory (run)",
		  { USNSIM, "run", one, "--db", nodir, NULL },
		  nodir },
		{ "database is a directory",
		  { USNSIM, "sweep", small, "--db", isdir, "-j", "2", NULL },
		  isdir },
		{ "database is a directory (run)",
		  { USNSIM, "run", one, "--db", isdir, NULL },
		  isdir },
		{ "schema version 99",
		  { USNSIM, "sweep", small, "--db", ver, "-j", "2", NULL },
		  ver },
		{ "schema version 99 (run)",
		  { USNSIM, "run", one, "--db", ver, NULL },
		  "schema version 99" },
		{ "schema version 99 (merge into)",
		  { USNSIM, "merge", ver, good, NULL },
		  ver },
		{ "schema version 99 (merge from)",
		  { USNSIM, "merge", dst, ver, NULL },
		  ver },
		{ "random bytes",
		  { USNSIM, "sweep", small, "--db", rnd, "-j", "2", NULL },
		  rnd },
		{ "random bytes (run)",
		  { USNSIM, "run", one, "--db", rnd, NULL },
		  rnd },
		{ "header overwritten",
		  { USNSIM, "sweep", small, "--db", hdr, NULL },
		  hdr },
		{ "pages overwritten",
		  { USNSIM, "sweep", small, "--db", pages, NULL },
		  pages },
		{ "pages overwritten (run)",
		  { USNSIM, "run", one, "--db", pages, NULL },
		  pages },
		{ "missing scenario",
		  { USNSIM, "sweep", noscn, "--db", fresh, NULL },
		  noscn },
		{ "missing scenario (run)",
		  { USNSIM, "run", noscn, "--db", fresh, NULL },
		  noscn },
		{ "unknown command",
		  { USNSIM, "frobnicate", small, NULL },
		  "'frobnicate'" },
		{ "unknown option",
		  { USNSIM, "sweep", small, "--db", fresh, "--bogus", NULL },
		  "'--bogus'" },
		{ "unknown short option",
		  { USNSIM, "run", one, "--db", fresh, "-x", NULL },
		  "'-x'" },
		{ "option without its value",
		  { USNSIM, "sweep", small, "--db", NULL },
		  "'--db'" },
		{ "sweep option to run",
		  { USNSIM, "run", one, "--db", fresh, "--jobs", "2", NULL },
		  "--jobs" },
		{ "unit overflow",
		  { USNSIM, "sweep", small, "--db", fresh, "--set",
		    "apps.src.rate=1e30Gbps", NULL },
		  "--set" },
		{ "unit overflow (run)",
		  { USNSIM, "run", one, "--db", fresh, "--set",
		    "network.rate=1e30Gbps", NULL },
		  "network.rate" },
		{ "far beyond the range",
		  { USNSIM, "sweep", small, "--db", fresh, "--set",
		    "apps.src.rate=100000Gpps", NULL },
		  "apps.src.rate" },
		{ "far beyond the range (integer)",
		  { USNSIM, "sweep", small, "--db", fresh, "--set",
		    "network.queue_packets=99999999999999999999", NULL },
		  "network.queue_packets" },
		{ "--set without '='",
		  { USNSIM, "sweep", small, "--db", fresh, "--set",
		    "apps.src.rate", NULL },
		  "--set" },
		{ "--shard 3/2",
		  { USNSIM, "sweep", small, "--db", fresh, "--shard", "3/2",
		    NULL },
		  "--shard" },
		{ "-j 0",
		  { USNSIM, "sweep", small, "--db", fresh, "-j", "0", NULL },
		  "--jobs" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad_case(&cases[i]);

	/* a read-only file: root writes anyway, so only for others */
	if (geteuid() != 0) {
		const struct bad_cli c = { "read-only database",
					   { USNSIM, "sweep", small, "--db", ro,
					     NULL },
					   ro };

		CHECK_EQ(copy_file(good, ro), 0);
		CHECK_EQ(chmod(ro, 0444), 0);
		bad_case(&c);
		chmod(ro, 0644);
	} else {
		fprintf(stderr,
			"\n    (running as root: the read-only file case is skipped; the directory case stands for it) ");
	}
	/* the good database still works and holds its two runs */
	CHECK_EQ(tu_run(NULL, seed, TU_GROUP), 0);
	CHECK_EQ(tu_db_int(good, sql_ok), 2);
}

static int setup(void)
{
	if (tu_mkdtemp(dir, sizeof(dir), "rel"))
		return -1;
	snprintf(bad_dir, sizeof(bad_dir), "%s/bad", dir);
	return mkdir(bad_dir, 0755);
}

static int teardown(void)
{
	return tu_rmtree(dir);
}

int suite_reliability(void)
{
	CU_pSuite s = CU_add_suite("reliability", setup, teardown);

	if (!s ||
	    !CU_add_test(s, "kill -9 a sweep 20 times, resume",
			 test_kill9_loop) ||
	    !CU_add_test(s, "a reader during a sweep",
			 test_concurrent_reader) ||
	    !CU_add_test(s, "bad input: one line, exit 2, files untouched",
			 test_bad_input))
		return CU_get_error();
	return 0;
}
