/*
 * test_db.c - the results database: what goes in comes back out.
 *
 * A run is built by hand: an engine, a statistics object with one entry of
 * each kind (a counter, an end-of-run scalar, a histogram of known values, a
 * gauge changed by an event, a sampled series) and the scenario
 * tests/fixtures/db-min.yaml. It is written with db_write_run and read back
 * with plain SQL on a second connection, and every number is compared with
 * what was recorded or computed by hand. The failure tests check that a
 * refused file is left byte for byte as it was and that a write failing
 * halfway leaves no row at all. Files live in a fresh directory under /tmp
 * that each test removes. Run from the repository root.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <sqlite3.h>

#include "db.h"
#include "hist.h"
#include "scenario.h"
#include "sim.h"
#include "stats.h"

#define FIXTURE "tests/fixtures/db-min.yaml"
#define SEED 0xfedcba9876543210ULL /* above INT64_MAX on purpose */
#define BAD INT64_MIN		   /* what q_int returns on failure */

static const char *const tables[] = { "runs",	   "params",	 "scalars",
				      "summaries", "histograms", "timeseries" };

/* One run's inputs: gauge 2 on [0, 250us), 6 on [250us, 1ms]; the counter
 * starts at 12345 and gains 7 at 250us; latencies 100 100 200 300 1000. */
struct fx {
	struct sim *sim;
	struct stats *st;
	struct scn *scn;
	uint64_t *sent;
	struct stat_hist *lat;
	struct stat_gauge *depth;
	const struct stat_series *series;
	struct db_run run;
};

static void fx_event(struct sim *sim, void *a, void *b)
{
	struct fx *f = a;

	(void)sim;
	(void)b;
	stats_gauge_set(f->depth, 6);
	*f->sent += 7;
}

static void fx_setup(struct fx *f)
{
	static const int64_t lat[] = { 100, 100, 200, 300, 1000 };
	struct stat_info si;
	char err[256];

	memset(f, 0, sizeof(*f));
	CU_ASSERT_FATAL(scn_load(FIXTURE, NULL, 0, &f->scn, err, sizeof(err)) ==
			0);
	f->sim = sim_create("native");
	CU_ASSERT_FATAL(f->sim != NULL);
	f->st = stats_create(f->sim, 0, 100 * SIM_US);
	CU_ASSERT_FATAL(f->st != NULL);
	f->sent = stats_counter(f->st, "apps.a", "sent", "");
	f->lat = stats_hist(f->st, "apps.a", "latency", "ps");
	f->depth = stats_gauge(f->st, "link", "queue", "B");
	CU_ASSERT_FATAL(f->sent && f->lat && f->depth);
	CU_ASSERT_FATAL(
		stats_series_counter(f->st, "apps.a", "sent.t", f->sent) == 0);
	CU_ASSERT_FATAL(stats_scalar(f->st, "run", "utilization", "", 0.75) ==
			0);
	CU_ASSERT_FATAL(stats_find(f->st, "apps.a", "sent.t", &si) == 0);
	f->series = si.u.series;

	*f->sent = 12345;
	for (size_t i = 0; i < sizeof(lat) / sizeof(lat[0]); i++)
		stats_hist_record(f->lat, lat[i]);
	stats_gauge_set(f->depth, 2);
	CU_ASSERT_FATAL(stats_start(f->st) == 0);
	CU_ASSERT_FATAL(sim_schedule(f->sim, 250 * SIM_US, fx_event, f, NULL));
	sim_run(f->sim, SIM_MS);
	stats_finish(f->st);

	f->run = (struct db_run){
		.scenario = scn_name(f->scn),
		.path = scn_path(f->scn),
		.hash = scn_hash(f->scn),
		.point = "{}",
		.repetition = 3,
		.seed = SEED,
		.engine = "native",
		.version = "test",
		.started = "2024-05-01T12:00:00Z",
		.wall_s = 0.5,
		.events = sim_events(f->sim),
		.sim_s = 0.001,
		.status = "ok",
	};
}

static void fx_teardown(struct fx *f)
{
	stats_destroy(f->st);
	sim_destroy(f->sim);
	scn_destroy(f->scn);
}

static void tmp_dir(char *dir, size_t n)
{
	snprintf(dir, n, "/tmp/usnsim-db-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
}

static void tmp_remove(const char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	}
	closedir(d);
	CU_ASSERT(rmdir(dir) == 0);
}

static int file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The whole file in a malloc'd buffer; *n gets its length. */
static unsigned char *file_read(const char *path, size_t *n)
{
	unsigned char *buf = NULL;
	FILE *fp = fopen(path, "rb");
	long len;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0) {
		buf = malloc(len + 1);
		*n = buf ? fread(buf, 1, len, fp) : 0;
	}
	fclose(fp);
	return buf;
}

static sqlite3 *q_open(const char *path)
{
	sqlite3 *h = NULL;

	CU_ASSERT_FATAL(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE,
					NULL) == SQLITE_OK);
	sqlite3_busy_timeout(h, 10000);
	return h;
}

/* Queries take sqlite3_mprintf formats: %Q quotes a string, %lld takes a
 * long long. */
static int q_exec(sqlite3 *h, const char *fmt, ...)
{
	va_list ap;
	char *sql;
	int rc;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	rc = sql ? sqlite3_exec(h, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	return rc;
}

static sqlite3_stmt *q_prepare(sqlite3 *h, const char *fmt, va_list ap)
{
	sqlite3_stmt *q = NULL;
	char *sql = sqlite3_vmprintf(fmt, ap);

	if (sql)
		sqlite3_prepare_v2(h, sql, -1, &q, NULL);
	sqlite3_free(sql);
	return q;
}

/* The first column of the first row as an integer, or BAD. */
static int64_t q_int(sqlite3 *h, const char *fmt, ...)
{
	int64_t v = BAD;
	sqlite3_stmt *q;
	va_list ap;

	va_start(ap, fmt);
	q = q_prepare(h, fmt, ap);
	va_end(ap);
	if (q && sqlite3_step(q) == SQLITE_ROW &&
	    sqlite3_column_type(q, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* The first column of the first row as a double, or NAN. */
static double q_real(sqlite3 *h, const char *fmt, ...)
{
	double v = NAN;
	sqlite3_stmt *q;
	va_list ap;

	va_start(ap, fmt);
	q = q_prepare(h, fmt, ap);
	va_end(ap);
	if (q && sqlite3_step(q) == SQLITE_ROW &&
	    sqlite3_column_type(q, 0) != SQLITE_NULL)
		v = sqlite3_column_double(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* The first column of the first row as text in buf ("" if none). */
static const char *q_text(sqlite3 *h, char *buf, size_t n, const char *fmt, ...)
{
	const unsigned char *t;
	sqlite3_stmt *q;
	va_list ap;

	buf[0] = '\0';
	va_start(ap, fmt);
	q = q_prepare(h, fmt, ap);
	va_end(ap);
	if (q && sqlite3_step(q) == SQLITE_ROW &&
	    (t = sqlite3_column_text(q, 0)))
		snprintf(buf, n, "%s", (const char *)t);
	sqlite3_finalize(q);
	return buf;
}

static int64_t rows(sqlite3 *h, const char *table, int64_t run_id)
{
	if (run_id < 0)
		return q_int(h, "SELECT count(*) FROM %s", table);
	return q_int(h, "SELECT count(*) FROM %s WHERE %s = %lld", table,
		     strcmp(table, "runs") ? "run_id" : "id",
		     (long long)run_id);
}

static void check_run_row(sqlite3 *h, const struct fx *f, int64_t id)
{
	char buf[256];

	CU_ASSERT_STRING_EQUAL(
		q_text(h, buf, sizeof(buf),
		       "SELECT scenario FROM runs WHERE id = %lld",
		       (long long)id),
		"dbtest");
	CU_ASSERT_STRING_EQUAL(q_text(h, buf, sizeof(buf),
				      "SELECT hash FROM runs WHERE id = %lld",
				      (long long)id),
			       scn_hash(f->scn));
	CU_ASSERT_EQUAL(q_int(h, "SELECT repetition FROM runs WHERE id = %lld",
			      (long long)id),
			f->run.repetition);
	CU_ASSERT_EQUAL((uint64_t)q_int(h,
					"SELECT seed FROM runs WHERE id = %lld",
					(long long)id),
			SEED);
	CU_ASSERT_EQUAL(q_int(h, "SELECT events FROM runs WHERE id = %lld",
			      (long long)id),
			(int64_t)f->run.events);
	CU_ASSERT(f->run.events > 0);
	CU_ASSERT_DOUBLE_EQUAL(q_real(h,
				      "SELECT wall_s FROM runs WHERE id = %lld",
				      (long long)id),
			       0.5, 0);
	CU_ASSERT_EQUAL(q_int(h,
			      "SELECT fingerprint IS NULL AND status = 'ok'"
			      " AND point = '{}' FROM runs WHERE id = %lld",
			      (long long)id),
			1);
}

static void check_params(sqlite3 *h, const struct fx *f, int64_t id)
{
	size_t n = scn_param_count(f->scn);
	const char *path, *text;
	char buf[256];

	CU_ASSERT(n > 0);
	CU_ASSERT_EQUAL(rows(h, "params", (long long)id), (int64_t)n);
	CU_ASSERT_EQUAL(q_int(h,
			      "SELECT count(*) FROM params WHERE run_id = %lld"
			      " AND path = 'apps.a.rate'",
			      (long long)id),
			1);
	for (size_t i = 0; i < n; i++) {
		scn_param_at(f->scn, i, &path, &text);
		CU_ASSERT_STRING_EQUAL(
			q_text(h, buf, sizeof(buf),
			       "SELECT value FROM params"
			       " WHERE run_id = %lld AND path = %Q",
			       (long long)(long long)id, path),
			text);
	}
}

static double scalar(sqlite3 *h, int64_t id, const char *component,
		     const char *metric)
{
	return q_real(h,
		      "SELECT value FROM scalars WHERE run_id = %lld"
		      " AND component = %Q AND metric = %Q",
		      (long long)id, component, metric);
}

static void check_scalars(sqlite3 *h, const struct fx *f, int64_t id)
{
	char buf[64];

	CU_ASSERT_EQUAL(rows(h, "scalars", (long long)id), 5);
	CU_ASSERT_DOUBLE_EQUAL(scalar(h, id, "apps.a", "sent"), 12352, 0);
	CU_ASSERT_DOUBLE_EQUAL(scalar(h, id, "run", "utilization"), 0.75, 0);
	/* (2 * 250us + 6 * 750us) / 1ms */
	CU_ASSERT_DOUBLE_EQUAL(scalar(h, id, "link", "queue.mean"), 5.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(scalar(h, id, "link", "queue.mean"),
			       stats_gauge_mean(f->depth), 0);
	CU_ASSERT_DOUBLE_EQUAL(scalar(h, id, "link", "queue.min"),
			       f->depth->min, 0);
	CU_ASSERT_DOUBLE_EQUAL(scalar(h, id, "link", "queue.max"), 6, 0);
	CU_ASSERT_STRING_EQUAL(
		q_text(h, buf, sizeof(buf),
		       "SELECT unit FROM scalars WHERE run_id = %lld"
		       " AND metric = 'queue.max'",
		       (long long)id),
		"B");
}

static double summary(sqlite3 *h, int64_t id, const char *column)
{
	return q_real(h,
		      "SELECT %s FROM summaries WHERE run_id = %lld"
		      " AND component = 'apps.a' AND metric = 'latency'",
		      column, (long long)id);
}

static void check_hist(sqlite3 *h, const struct fx *f, int64_t id)
{
	const struct hist *hs = &f->lat->hist;
	int64_t lower, upper;
	struct stat_summary s;

	hist_summary(hs, &s);
	CU_ASSERT_EQUAL(rows(h, "summaries", (long long)id), 1);
	CU_ASSERT_DOUBLE_EQUAL(summary(h, id, "count"), 5, 0);
	CU_ASSERT_DOUBLE_EQUAL(summary(h, id, "min"), 100, 0);
	CU_ASSERT_DOUBLE_EQUAL(summary(h, id, "max"), 1000, 0);
	CU_ASSERT_DOUBLE_EQUAL(summary(h, id, "mean"), 340, 1e-9);
	/* sample standard deviation: sqrt(572000 / 4) */
	CU_ASSERT_DOUBLE_EQUAL(summary(h, id, "stddev"), sqrt(143000), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(summary(h, id, "p50"), 200, 0);
	CU_ASSERT_DOUBLE_EQUAL(summary(h, id, "p90"), s.p90, 0);
	CU_ASSERT_DOUBLE_EQUAL(summary(h, id, "p99"), s.p99, 0);
	CU_ASSERT_DOUBLE_EQUAL(summary(h, id, "p999"), s.p999, 0);

	/* 100 (twice), 200, 300 and 1000 fall in four buckets */
	CU_ASSERT_EQUAL(rows(h, "histograms", (long long)id), 4);
	CU_ASSERT_EQUAL(q_int(h,
			      "SELECT sum(count) FROM histograms"
			      " WHERE run_id = %lld",
			      (long long)id),
			5);
	CU_ASSERT_EQUAL(q_int(h,
			      "SELECT count FROM histograms"
			      " WHERE run_id = %lld AND lower = 100",
			      (long long)id),
			2);
	hist_bounds(hist_index(1000), &lower, &upper);
	CU_ASSERT_EQUAL(q_int(h,
			      "SELECT count FROM histograms WHERE run_id = %lld"
			      " AND lower = %lld AND upper = %lld",
			      (long long)id, (long long)lower,
			      (long long)upper),
			1);
	CU_ASSERT(lower <= 1000 && 1000 < upper);
}

static void check_series(sqlite3 *h, const struct fx *f, int64_t id)
{
	const struct stat_series *ts = f->series;
	double sum = 0;

	for (size_t i = 0; i < ts->n; i++)
		sum += ts->value[i];
	CU_ASSERT(ts->n > 0);
	CU_ASSERT_EQUAL(rows(h, "timeseries", (long long)id), (int64_t)ts->n);
	CU_ASSERT_DOUBLE_EQUAL(
		q_real(h,
		       "SELECT sum(value) FROM timeseries WHERE run_id = %lld",
		       (long long)id),
		sum, 1e-6);
	CU_ASSERT_EQUAL(q_int(h,
			      "SELECT max(t_ps) FROM timeseries"
			      " WHERE run_id = %lld",
			      (long long)id),
			ts->t_ps[ts->n - 1]);
	CU_ASSERT_DOUBLE_EQUAL(q_real(h,
				      "SELECT value FROM timeseries"
				      " WHERE run_id = %lld"
				      " ORDER BY t_ps DESC LIMIT 1",
				      (long long)id),
			       12352, 0);
}

static void check_views(sqlite3 *h, const struct fx *f, int64_t id)
{
	CU_ASSERT_EQUAL(q_int(h,
			      "SELECT count(*) FROM run_params"
			      " WHERE run_id = %lld AND scenario = 'dbtest'"
			      " AND repetition = 3",
			      (long long)id),
			(int64_t)scn_param_count(f->scn));
	CU_ASSERT_DOUBLE_EQUAL(q_real(h,
				      "SELECT mean FROM summary_params"
				      " WHERE run_id = %lld"
				      " AND scenario = 'dbtest'"
				      " AND repetition = 3 AND point = '{}'",
				      (long long)id),
			       340, 1e-9);
	CU_ASSERT_EQUAL((uint64_t)q_int(h,
					"SELECT seed FROM summary_params"
					" WHERE run_id = %lld",
					(long long)id),
			SEED);
}

static void test_write_read(void)
{
	int64_t id1 = 0, id2 = 0, id3 = 0;
	char dir[64], path[128], err[256], buf[64];
	struct db *db;
	struct fx f;
	sqlite3 *h;

	fx_setup(&f);
	tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/results.db", dir);
	CU_ASSERT_FATAL(db_open(path, &db, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(db_write_run(db, &f.run, f.scn, f.st, &id1, err,
				     sizeof(err)) == 0);

	h = q_open(path);
	CU_ASSERT_EQUAL(q_int(h, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	CU_ASSERT_STRING_EQUAL(
		q_text(h, buf, sizeof(buf), "PRAGMA journal_mode"), "wal");
	CU_ASSERT_EQUAL(rows(h, "runs", -1), 1);
	check_run_row(h, &f, id1);
	check_params(h, &f, id1);
	check_scalars(h, &f, id1);
	check_hist(h, &f, id1);
	check_series(h, &f, id1);
	check_views(h, &f, id1);

	/* A second repetition with one more sample (count 6, mean 3700/6). */
	stats_hist_record(f.lat, 2000);
	f.run.repetition = 4;
	CU_ASSERT_FATAL(db_write_run(db, &f.run, f.scn, f.st, &id2, err,
				     sizeof(err)) == 0);
	CU_ASSERT(id2 != id1);
	CU_ASSERT_DOUBLE_EQUAL(summary(h, id2, "count"), 6, 0);
	CU_ASSERT_EQUAL(
		q_int(h, "SELECT n FROM summary_by_scenario"
			 " WHERE scenario = 'dbtest' AND point = '{}'"
			 " AND component = 'apps.a' AND metric = 'latency'"),
		2);
	CU_ASSERT_DOUBLE_EQUAL(q_real(h, "SELECT mean FROM summary_by_scenario"
					 " WHERE metric = 'latency'"),
			       (340 + 3700.0 / 6) / 2, 1e-9);

	/* Deleting a run deletes its rows in every table, and only those. */
	CU_ASSERT(q_exec(h, "PRAGMA foreign_keys = ON") == SQLITE_OK);
	CU_ASSERT(q_exec(h, "DELETE FROM runs WHERE id = %lld",
			 (long long)id1) == SQLITE_OK);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		CU_ASSERT_EQUAL(rows(h, tables[i], id1), 0);
		CU_ASSERT(rows(h, tables[i], id2) > 0);
	}
	CU_ASSERT_EQUAL(rows(h, "params", id2),
			(int64_t)scn_param_count(f.scn));

	/* An existing database of this version is reopened and appended to. */
	db_close(db);
	CU_ASSERT_FATAL(db_open(path, &db, err, sizeof(err)) == 0);
	CU_ASSERT(db_write_run(db, &f.run, f.scn, f.st, &id3, err,
			       sizeof(err)) == 0);
	CU_ASSERT(id3 > id2);
	CU_ASSERT_EQUAL(rows(h, "runs", -1), 2);
	check_params(h, &f, id3);
	/* summary_by_scenario averages only the runs whose status is ok. */
	f.run.status = "stopped";
	CU_ASSERT(db_write_run(db, &f.run, f.scn, f.st, NULL, err,
			       sizeof(err)) == 0);
	CU_ASSERT_EQUAL(rows(h, "runs", -1), 3);
	CU_ASSERT_EQUAL(q_int(h, "SELECT n FROM summary_by_scenario"
				 " WHERE metric = 'latency'"),
			2);
	CU_ASSERT_DOUBLE_EQUAL(q_real(h, "SELECT mean FROM summary_by_scenario"
					 " WHERE metric = 'latency'"),
			       3700.0 / 6, 1e-9);

	sqlite3_close(h);
	db_close(db);
	fx_teardown(&f);
	tmp_remove(dir);
}

/* Checks err is one line that starts with path and contains want. */
static void check_msg(const char *err, const char *path, const char *want)
{
	CU_ASSERT(strncmp(err, path, strlen(path)) == 0);
	CU_ASSERT(strstr(err, want) != NULL);
	CU_ASSERT(strchr(err, '\n') == NULL);
}

static void test_other_version(void)
{
	char dir[64], path[128], wal[140], err[256];
	unsigned char *before, *after;
	size_t nb = 0, na = 0;
	struct db *db;
	sqlite3 *h;

	tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/old.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	CU_ASSERT_FATAL(sqlite3_open(path, &h) == SQLITE_OK);
	CU_ASSERT(q_exec(h, "CREATE TABLE runs (id INTEGER PRIMARY KEY);"
			    "INSERT INTO runs VALUES (7);"
			    "PRAGMA user_version = 99;") == SQLITE_OK);
	sqlite3_close(h);
	before = file_read(path, &nb);
	CU_ASSERT_FATAL(before != NULL);

	CU_ASSERT_EQUAL(db_open(path, &db, err, sizeof(err)), -ENOTSUP);
	CU_ASSERT(db == NULL);
	check_msg(err, path, "schema version 99, this usnsim writes version 1");

	after = file_read(path, &na);
	CU_ASSERT_FATAL(after != NULL);
	CU_ASSERT_EQUAL(na, nb);
	CU_ASSERT(na == nb && memcmp(before, after, nb) == 0);
	CU_ASSERT(!file_exists(wal));
	h = q_open(path);
	CU_ASSERT_EQUAL(q_int(h, "PRAGMA user_version"), 99);
	CU_ASSERT_EQUAL(q_int(h, "SELECT id FROM runs"), 7);
	sqlite3_close(h);
	free(before);
	free(after);
	tmp_remove(dir);
}

static void test_not_a_database(void)
{
	char dir[64], path[128], err[256];
	unsigned char bytes[4096], *after;
	uint64_t x = 0x243f6a8885a308d3ULL;
	struct db *db;
	size_t n = 0;
	FILE *fp;
	sqlite3 *h;

	tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/noise.db", dir);
	for (size_t i = 0; i < sizeof(bytes); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bytes[i] = (unsigned char)(x >> 24);
	}
	fp = fopen(path, "wb");
	CU_ASSERT_FATAL(fp != NULL);
	CU_ASSERT(fwrite(bytes, 1, sizeof(bytes), fp) == sizeof(bytes));
	fclose(fp);

	CU_ASSERT_EQUAL(db_open(path, &db, err, sizeof(err)), -EILSEQ);
	CU_ASSERT(db == NULL);
	check_msg(err, path, "not a usnsim database");
	after = file_read(path, &n);
	CU_ASSERT(after && n == sizeof(bytes) && memcmp(after, bytes, n) == 0);
	free(after);

	/* An SQLite database with tables but no usnsim version. */
	snprintf(path, sizeof(path), "%s/other.db", dir);
	CU_ASSERT_FATAL(sqlite3_open(path, &h) == SQLITE_OK);
	CU_ASSERT(q_exec(h, "CREATE TABLE t (x)") == SQLITE_OK);
	sqlite3_close(h);
	CU_ASSERT_EQUAL(db_open(path, &db, err, sizeof(err)), -EILSEQ);
	CU_ASSERT(db == NULL);
	check_msg(err, path, "not a usnsim database");
	tmp_remove(dir);
}

/* A usnsim database whose last pages are overwritten with 0xff bytes. */
static void test_corrupt(void)
{
	char dir[64], path[128], err[256];
	unsigned char junk[4096];
	struct db *db;
	int64_t pages;
	FILE *fp;
	sqlite3 *h;

	tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/results.db", dir);
	CU_ASSERT_FATAL(db_open(path, &db, err, sizeof(err)) == 0);
	db_close(db);
	h = q_open(path);
	CU_ASSERT(q_exec(h, "CREATE TABLE filler (x);"
			    "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL"
			    " SELECT n + 1 FROM i WHERE n < 500)"
			    " INSERT INTO filler SELECT randomblob(200) FROM i;"
			    "PRAGMA wal_checkpoint(TRUNCATE);") == SQLITE_OK);
	pages = q_int(h, "PRAGMA page_count");
	CU_ASSERT_EQUAL(q_int(h, "PRAGMA page_size"), (int64_t)sizeof(junk));
	sqlite3_close(h);
	CU_ASSERT_FATAL(pages > 10);

	memset(junk, 0xff, sizeof(junk));
	fp = fopen(path, "r+b");
	CU_ASSERT_FATAL(fp != NULL);
	CU_ASSERT(fseek(fp, (long)(pages - 3) * (long)sizeof(junk), SEEK_SET) ==
		  0);
	CU_ASSERT(fwrite(junk, 1, sizeof(junk), fp) == sizeof(junk));
	fclose(fp);

	CU_ASSERT_EQUAL(db_open(path, &db, err, sizeof(err)), -EILSEQ);
	CU_ASSERT(db == NULL);
	check_msg(err, path, "corrupt");
	tmp_remove(dir);
}

static void test_unwritable(void)
{
	char dir[64], path[128], err[256];
	struct db *db;

	tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/missing/results.db", dir);
	CU_ASSERT_EQUAL(db_open(path, &db, err, sizeof(err)), -EACCES);
	CU_ASSERT(db == NULL);
	check_msg(err, path, "cannot write DB");
	check_msg(err, path, "check the directory exists and is writable");
	CU_ASSERT(!file_exists(path));
	tmp_remove(dir);
}

static void check_empty(sqlite3 *h)
{
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		CU_ASSERT_EQUAL(rows(h, tables[i], -1), 0);
}

static void test_no_partial_run(void)
{
	char dir[64], path[128], err[256];
	int64_t id = 0;
	struct db *db;
	struct fx f;
	sqlite3 *h;

	fx_setup(&f);
	tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/results.db", dir);
	CU_ASSERT_FATAL(db_open(path, &db, err, sizeof(err)) == 0);
	h = q_open(path);

	/* timeseries is written last: everything else is in by then. */
	CU_ASSERT(q_exec(h, "CREATE TRIGGER boom BEFORE INSERT ON timeseries"
			    " BEGIN SELECT RAISE(ABORT, 'boom'); END") ==
		  SQLITE_OK);
	err[0] = '\0';
	CU_ASSERT_EQUAL(
		db_write_run(db, &f.run, f.scn, f.st, &id, err, sizeof(err)),
		-EIO);
	CU_ASSERT_EQUAL(id, 0);
	check_msg(err, path, "boom");
	CU_ASSERT(strstr(err, "timeseries") != NULL);
	CU_ASSERT(strstr(err, "apps.a/sent.t") != NULL);
	check_empty(h);

	/* The handle is still usable: the same run goes in once allowed. */
	CU_ASSERT(q_exec(h, "DROP TRIGGER boom") == SQLITE_OK);
	CU_ASSERT(db_write_run(db, &f.run, f.scn, f.st, &id, err,
			       sizeof(err)) == 0);
	CU_ASSERT_EQUAL(rows(h, "runs", -1), 1);
	CU_ASSERT_EQUAL(rows(h, "timeseries", (long long)id),
			(int64_t)f.series->n);

	/* A constraint failing on the first insert leaves no trace either. */
	f.run.status = NULL;
	CU_ASSERT_EQUAL(
		db_write_run(db, &f.run, f.scn, f.st, NULL, err, sizeof(err)),
		-EIO);
	check_msg(err, path, "runs.status");
	CU_ASSERT_EQUAL(rows(h, "runs", -1), 1);
	CU_ASSERT_EQUAL(rows(h, "params", -1), (int64_t)scn_param_count(f.scn));

	sqlite3_close(h);
	db_close(db);
	db_close(NULL);
	fx_teardown(&f);
	tmp_remove(dir);
}

int suite_db(void)
{
	CU_pSuite s = CU_add_suite("db", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "write and read back", test_write_read) ||
	    !CU_add_test(s, "other schema version", test_other_version) ||
	    !CU_add_test(s, "not a database", test_not_a_database) ||
	    !CU_add_test(s, "corrupt database", test_corrupt) ||
	    !CU_add_test(s, "unwritable path", test_unwritable) ||
	    !CU_add_test(s, "no partial run", test_no_partial_run))
		return CU_get_error();
	return 0;
}
