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
 * halfway leaves no row at all.
 *
 * Sweeps: a run key is written once unless replaced, and replacing leaves
 * no orphan rows; db_runs_of lists exactly the keys asked for; merging two
 * databases with overlapping keys gives their union, checked table by
 * table with SQL EXCEPT over the rows of each run key in the source and
 * the destination. Intervals are checked against means, standard
 * deviations and Student t quantiles worked out by hand, and the
 * summary_ci view against db_metric_ci. Files live in a fresh directory
 * under $TMPDIR or /tmp that each test removes. Run from the repository root.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <sqlite3.h>

#include "db.h"
#include "hist.h"
#include "registry.h"
#include "scenario.h"
#include "sim.h"
#include "stats.h"
#include "util.h"

#define FIXTURE "tests/fixtures/db-min.yaml"
#define SEED 0xfedcba9876543210ULL /* above INT64_MAX on purpose */

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
	CHECK_EQ_FATAL(scn_load(FIXTURE, NULL, 0, &f->scn, err, sizeof(err)),
		       0);
	f->sim = sim_create("native");
	CU_ASSERT_FATAL(f->sim != NULL);
	f->st = stats_create(f->sim, 0, 100 * SIM_US);
	CU_ASSERT_FATAL(f->st != NULL);
	f->sent = stats_counter(f->st, "apps.a", "sent", "");
	f->lat = stats_hist(f->st, "apps.a", "latency", "ps");
	f->depth = stats_gauge(f->st, "link", "queue", "B");
	CU_ASSERT_FATAL(f->sent && f->lat && f->depth);
	CHECK_EQ_FATAL(stats_series_counter(f->st, "apps.a", "sent.t", f->sent),
		       0);
	CHECK_EQ_FATAL(stats_scalar(f->st, "run", "utilization", "", 0.75), 0);
	CHECK_EQ_FATAL(stats_find(f->st, "apps.a", "sent.t", &si), 0);
	f->series = si.u.series;

	*f->sent = 12345;
	for (size_t i = 0; i < sizeof(lat) / sizeof(lat[0]); i++)
		stats_hist_record(f->lat, lat[i]);
	stats_gauge_set(f->depth, 2);
	CHECK_EQ_FATAL(stats_start(f->st), 0);
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

static int file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static sqlite3 *q_open(const char *path)
{
	sqlite3 *h = tu_sql_open(path, SQLITE_OPEN_READWRITE);

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	return h;
}

static int64_t rows(sqlite3 *h, const char *table, int64_t run_id)
{
	if (run_id < 0)
		return tu_sql_int(h, "SELECT count(*) FROM %s", table);
	return tu_sql_int(h, "SELECT count(*) FROM %s WHERE %s = %lld", table,
			  strcmp(table, "runs") ? "run_id" : "id",
			  (long long)run_id);
}

static void check_run_row(sqlite3 *h, const struct fx *f, int64_t id)
{
	char buf[256];

	CU_ASSERT_STRING_EQUAL(
		tu_sql_text(h, buf, sizeof(buf),
			    "SELECT scenario FROM runs WHERE id = %lld",
			    (long long)id),
		"dbtest");
	CU_ASSERT_STRING_EQUAL(
		tu_sql_text(h, buf, sizeof(buf),
			    "SELECT hash FROM runs WHERE id = %lld",
			    (long long)id),
		scn_hash(f->scn));
	CHECK_EQ(tu_sql_int(h, "SELECT repetition FROM runs WHERE id = %lld",
			    (long long)id),
		 f->run.repetition);
	CHECK_EQ((uint64_t)tu_sql_int(h,
				      "SELECT seed FROM runs WHERE id = %lld",
				      (long long)id),
		 SEED);
	CHECK_EQ(tu_sql_int(h, "SELECT events FROM runs WHERE id = %lld",
			    (long long)id),
		 (int64_t)f->run.events);
	CHECK_GT(f->run.events, 0);
	CHECK_NEAR(tu_sql_double(h, "SELECT wall_s FROM runs WHERE id = %lld",
				 (long long)id),
		   0.5, 0);
	/* the speed column is the run's events over its wall seconds */
	CHECK_NEAR(tu_sql_double(
			   h, "SELECT events_per_s FROM runs WHERE id = %lld",
			   (long long)id),
		   (double)f->run.events / 0.5, 0);
	CHECK_EQ(tu_sql_int(h,
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

	CHECK_GT(n, 0);
	CHECK_EQ(rows(h, "params", (long long)id), (int64_t)n);
	CHECK_EQ(tu_sql_int(h,
			    "SELECT count(*) FROM params WHERE run_id = %lld"
			    " AND path = 'apps.a.rate'",
			    (long long)id),
		 1);
	for (size_t i = 0; i < n; i++) {
		scn_param_at(f->scn, i, &path, &text);
		CU_ASSERT_STRING_EQUAL(
			tu_sql_text(h, buf, sizeof(buf),
				    "SELECT value FROM params"
				    " WHERE run_id = %lld AND path = %Q",
				    (long long)(long long)id, path),
			text);
	}
}

static double scalar(sqlite3 *h, int64_t id, const char *component,
		     const char *metric)
{
	return tu_sql_double(h,
			     "SELECT value FROM scalars WHERE run_id = %lld"
			     " AND component = %Q AND metric = %Q",
			     (long long)id, component, metric);
}

static void check_scalars(sqlite3 *h, const struct fx *f, int64_t id)
{
	char buf[64];

	CHECK_EQ(rows(h, "scalars", (long long)id), 5);
	CHECK_NEAR(scalar(h, id, "apps.a", "sent"), 12352, 0);
	CHECK_NEAR(scalar(h, id, "run", "utilization"), 0.75, 0);
	/* (2 * 250us + 6 * 750us) / 1ms */
	CHECK_NEAR(scalar(h, id, "link", "queue.mean"), 5.0, 1e-9);
	CHECK_NEAR(scalar(h, id, "link", "queue.mean"),
		   stats_gauge_mean(f->depth), 0);
	CHECK_NEAR(scalar(h, id, "link", "queue.min"), f->depth->min, 0);
	CHECK_NEAR(scalar(h, id, "link", "queue.max"), 6, 0);
	CU_ASSERT_STRING_EQUAL(
		tu_sql_text(h, buf, sizeof(buf),
			    "SELECT unit FROM scalars WHERE run_id = %lld"
			    " AND metric = 'queue.max'",
			    (long long)id),
		"B");
}

static double summary(sqlite3 *h, int64_t id, const char *column)
{
	return tu_sql_double(h,
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
	CHECK_EQ(rows(h, "summaries", (long long)id), 1);
	CHECK_NEAR(summary(h, id, "count"), 5, 0);
	CHECK_NEAR(summary(h, id, "min"), 100, 0);
	CHECK_NEAR(summary(h, id, "max"), 1000, 0);
	CHECK_NEAR(summary(h, id, "mean"), 340, 1e-9);
	/* sample standard deviation: sqrt(572000 / 4) */
	CHECK_NEAR(summary(h, id, "stddev"), sqrt(143000), 1e-9);
	CHECK_NEAR(summary(h, id, "p50"), 200, 0);
	CHECK_NEAR(summary(h, id, "p90"), s.p90, 0);
	CHECK_NEAR(summary(h, id, "p99"), s.p99, 0);
	CHECK_NEAR(summary(h, id, "p999"), s.p999, 0);

	/* 100 (twice), 200, 300 and 1000 fall in four buckets */
	CHECK_EQ(rows(h, "histograms", (long long)id), 4);
	CHECK_EQ(tu_sql_int(h,
			    "SELECT sum(count) FROM histograms"
			    " WHERE run_id = %lld",
			    (long long)id),
		 5);
	CHECK_EQ(tu_sql_int(h,
			    "SELECT count FROM histograms"
			    " WHERE run_id = %lld AND lower = 100",
			    (long long)id),
		 2);
	hist_bounds(hist_index(1000), &lower, &upper);
	CHECK_EQ(tu_sql_int(h,
			    "SELECT count FROM histograms WHERE run_id = %lld"
			    " AND lower = %lld AND upper = %lld",
			    (long long)id, (long long)lower, (long long)upper),
		 1);
	CHECK_LE(lower, 1000);
	CHECK_LT(1000, upper);
}

static void check_series(sqlite3 *h, const struct fx *f, int64_t id)
{
	const struct stat_series *ts = f->series;
	double sum = 0;

	for (size_t i = 0; i < ts->n; i++)
		sum += ts->value[i];
	CHECK_GT(ts->n, 0);
	CHECK_EQ(rows(h, "timeseries", (long long)id), (int64_t)ts->n);
	CHECK_NEAR(
		tu_sql_double(
			h,
			"SELECT sum(value) FROM timeseries WHERE run_id = %lld",
			(long long)id),
		sum, 1e-6);
	CHECK_EQ(tu_sql_int(h,
			    "SELECT max(t_ps) FROM timeseries"
			    " WHERE run_id = %lld",
			    (long long)id),
		 ts->t_ps[ts->n - 1]);
	CHECK_NEAR(tu_sql_double(h,
				 "SELECT value FROM timeseries"
				 " WHERE run_id = %lld"
				 " ORDER BY t_ps DESC LIMIT 1",
				 (long long)id),
		   12352, 0);
}

static void check_views(sqlite3 *h, const struct fx *f, int64_t id)
{
	CHECK_EQ(tu_sql_int(h,
			    "SELECT count(*) FROM run_params"
			    " WHERE run_id = %lld AND scenario = 'dbtest'"
			    " AND repetition = 3",
			    (long long)id),
		 (int64_t)scn_param_count(f->scn));
	CHECK_NEAR(tu_sql_double(h,
				 "SELECT mean FROM summary_params"
				 " WHERE run_id = %lld"
				 " AND scenario = 'dbtest'"
				 " AND repetition = 3 AND point = '{}'",
				 (long long)id),
		   340, 1e-9);
	CHECK_EQ((uint64_t)tu_sql_int(h,
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
	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/results.db", dir);
	CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
	CHECK_EQ_FATAL(
		db_write_run(db, &f.run, f.scn, f.st, &id1, err, sizeof(err)),
		0);

	h = q_open(path);
	CHECK_EQ(tu_sql_int(h, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	CU_ASSERT_STRING_EQUAL(
		tu_sql_text(h, buf, sizeof(buf), "PRAGMA journal_mode"), "wal");
	CHECK_EQ(rows(h, "runs", -1), 1);
	check_run_row(h, &f, id1);
	check_params(h, &f, id1);
	check_scalars(h, &f, id1);
	check_hist(h, &f, id1);
	check_series(h, &f, id1);
	check_views(h, &f, id1);

	/* A second repetition with one more sample (count 6, mean 3700/6). */
	stats_hist_record(f.lat, 2000);
	f.run.repetition = 4;
	CHECK_EQ_FATAL(
		db_write_run(db, &f.run, f.scn, f.st, &id2, err, sizeof(err)),
		0);
	CHECK_NE(id2, id1);
	CHECK_NEAR(summary(h, id2, "count"), 6, 0);
	CHECK_EQ(tu_sql_int(h,
			    "SELECT n FROM summary_by_scenario"
			    " WHERE scenario = 'dbtest' AND point = '{}'"
			    " AND component = 'apps.a' AND metric = 'latency'"),
		 2);
	CHECK_NEAR(tu_sql_double(h, "SELECT mean FROM summary_by_scenario"
				    " WHERE metric = 'latency'"),
		   (340 + 3700.0 / 6) / 2, 1e-9);

	/* Deleting a run deletes its rows in every table, and only those. */
	CHECK_EQ(tu_sql_exec(h, "PRAGMA foreign_keys = ON"), SQLITE_OK);
	CHECK_EQ(tu_sql_exec(h, "DELETE FROM runs WHERE id = %lld",
			     (long long)id1),
		 SQLITE_OK);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		CHECK_EQ(rows(h, tables[i], id1), 0);
		CHECK_GT(rows(h, tables[i], id2), 0);
	}
	CHECK_EQ(rows(h, "params", id2), (int64_t)scn_param_count(f.scn));

	/* An existing database of this version is reopened and appended to. */
	db_close(db);
	CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
	f.run.repetition = 5;
	CHECK_EQ(db_write_run(db, &f.run, f.scn, f.st, &id3, err, sizeof(err)),
		 0);
	CHECK_GT(id3, id2);
	CHECK_EQ(rows(h, "runs", -1), 2);
	check_params(h, &f, id3);
	/* summary_by_scenario averages only the runs whose status is ok. */
	f.run.status = "stopped";
	f.run.repetition = 6;
	CHECK_EQ(db_write_run(db, &f.run, f.scn, f.st, NULL, err, sizeof(err)),
		 0);
	CHECK_EQ(rows(h, "runs", -1), 3);
	CHECK_EQ(tu_sql_int(h, "SELECT n FROM summary_by_scenario"
			       " WHERE metric = 'latency'"),
		 2);
	CHECK_NEAR(tu_sql_double(h, "SELECT mean FROM summary_by_scenario"
				    " WHERE metric = 'latency'"),
		   3700.0 / 6, 1e-9);

	sqlite3_close(h);
	db_close(db);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
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
	char *before, *after;
	size_t nb = 0, na = 0;
	struct db *db;
	sqlite3 *h;

	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/old.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	CHECK_EQ_FATAL(sqlite3_open(path, &h), SQLITE_OK);
	CHECK_EQ(tu_sql_exec(h, "CREATE TABLE runs (id INTEGER PRIMARY KEY);"
				"INSERT INTO runs VALUES (7);"
				"PRAGMA user_version = 99;"),
		 SQLITE_OK);
	sqlite3_close(h);
	before = tu_slurp(path, &nb);
	CU_ASSERT_FATAL(before != NULL);

	CHECK_EQ(db_open(path, &db, err, sizeof(err)), -ENOTSUP);
	CU_ASSERT(db == NULL);
	check_msg(err, path, "schema version 99, this usnsim writes version 3");

	after = tu_slurp(path, &na);
	CU_ASSERT_FATAL(after != NULL);
	CHECK_EQ(na, nb);
	CU_ASSERT(na == nb && memcmp(before, after, nb) == 0);
	CU_ASSERT(!file_exists(wal));
	h = q_open(path);
	CHECK_EQ(tu_sql_int(h, "PRAGMA user_version"), 99);
	CHECK_EQ(tu_sql_int(h, "SELECT id FROM runs"), 7);
	sqlite3_close(h);
	free(before);
	free(after);
	CHECK_EQ(tu_rmtree(dir), 0);
}

/* A version 1 file (runs without events_per_s) is upgraded in place when
 * opened for writing: its runs gain their speed, new runs go in beside. */
static void test_upgrade(void)
{
	char dir[64], path[128], err[256];
	struct db *db;
	struct fx f;
	sqlite3 *h;

	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/v1.db", dir);
	fx_setup(&f);
	CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
	CHECK_EQ(db_write_run(db, &f.run, f.scn, f.st, NULL, err, sizeof(err)),
		 0);
	db_close(db);
	/* what version 1 wrote */
	h = q_open(path);
	CHECK_EQ(tu_sql_exec(h, "ALTER TABLE runs DROP COLUMN events_per_s;"
				"PRAGMA user_version = 1;"),
		 SQLITE_OK);
	CHECK_EQ(tu_sql_int(h, "SELECT count(*) FROM pragma_table_xinfo"
			       "('runs') WHERE name = 'events_per_s'"),
		 0);
	sqlite3_close(h);

	CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
	f.run.repetition = 4;
	f.run.wall_s = 2;
	CHECK_EQ(db_write_run(db, &f.run, f.scn, f.st, NULL, err, sizeof(err)),
		 0);
	db_close(db);
	h = q_open(path);
	CHECK_EQ(tu_sql_int(h, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	/* version 3's view, added on the way */
	CHECK_EQ(tu_sql_int(h, "SELECT count(*) FROM sqlite_master"
			       " WHERE type = 'view' AND name = 'paired'"),
		 1);
	CHECK_EQ(tu_sql_int(h, "SELECT count(*) FROM runs"), 2);
	CHECK_NEAR(
		tu_sql_double(
			h,
			"SELECT events_per_s FROM runs WHERE repetition = 3"),
		(double)f.run.events / 0.5, 0);
	CHECK_NEAR(
		tu_sql_double(
			h,
			"SELECT events_per_s FROM runs WHERE repetition = 4"),
		(double)f.run.events / 2, 0);
	sqlite3_close(h);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
}

static void test_not_a_database(void)
{
	char dir[64], path[128], err[256];
	unsigned char bytes[4096];
	char *after;
	uint64_t x = 0x243f6a8885a308d3ULL;
	struct db *db;
	size_t n = 0;
	FILE *fp;
	sqlite3 *h;

	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/noise.db", dir);
	for (size_t i = 0; i < sizeof(bytes); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bytes[i] = (unsigned char)(x >> 24);
	}
	fp = fopen(path, "wb");
	CU_ASSERT_FATAL(fp != NULL);
	CHECK_EQ(fwrite(bytes, 1, sizeof(bytes), fp), sizeof(bytes));
	fclose(fp);

	CHECK_EQ(db_open(path, &db, err, sizeof(err)), -EILSEQ);
	CU_ASSERT(db == NULL);
	check_msg(err, path, "not a usnsim database");
	after = tu_slurp(path, &n);
	CHECKF(after && n == sizeof(bytes) && memcmp(after, bytes, n) == 0,
	       "%zu bytes, want the %zu written", n, sizeof(bytes));
	free(after);

	/* An SQLite database with tables but no usnsim version. */
	snprintf(path, sizeof(path), "%s/other.db", dir);
	CHECK_EQ_FATAL(sqlite3_open(path, &h), SQLITE_OK);
	CHECK_EQ(tu_sql_exec(h, "CREATE TABLE t (x)"), SQLITE_OK);
	sqlite3_close(h);
	CHECK_EQ(db_open(path, &db, err, sizeof(err)), -EILSEQ);
	CU_ASSERT(db == NULL);
	check_msg(err, path, "not a usnsim database");
	CHECK_EQ(tu_rmtree(dir), 0);
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

	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/results.db", dir);
	CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
	db_close(db);
	h = q_open(path);
	CHECK_EQ(tu_sql_exec(
			 h, "CREATE TABLE filler (x);"
			    "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL"
			    " SELECT n + 1 FROM i WHERE n < 500)"
			    " INSERT INTO filler SELECT randomblob(200) FROM i;"
			    "PRAGMA wal_checkpoint(TRUNCATE);"),
		 SQLITE_OK);
	pages = tu_sql_int(h, "PRAGMA page_count");
	CHECK_EQ(tu_sql_int(h, "PRAGMA page_size"), (int64_t)sizeof(junk));
	sqlite3_close(h);
	CHECK_GT_FATAL(pages, 10);

	memset(junk, 0xff, sizeof(junk));
	fp = fopen(path, "r+b");
	CU_ASSERT_FATAL(fp != NULL);
	CHECK_EQ(fseek(fp, (long)(pages - 3) * (long)sizeof(junk), SEEK_SET),
		 0);
	CHECK_EQ(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
	fclose(fp);

	CHECK_EQ(db_open(path, &db, err, sizeof(err)), -EILSEQ);
	CU_ASSERT(db == NULL);
	check_msg(err, path, "corrupt");
	CHECK_EQ(tu_rmtree(dir), 0);
}

static void test_unwritable(void)
{
	char dir[64], path[128], err[256];
	struct db *db;

	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/missing/results.db", dir);
	CHECK_EQ(db_open(path, &db, err, sizeof(err)), -EACCES);
	CU_ASSERT(db == NULL);
	check_msg(err, path, "cannot write DB");
	check_msg(err, path, "check the directory exists and is writable");
	CU_ASSERT(!file_exists(path));
	CHECK_EQ(tu_rmtree(dir), 0);
}

static void check_empty(sqlite3 *h)
{
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		CHECK_EQ(rows(h, tables[i], -1), 0);
}

static void test_no_partial_run(void)
{
	char dir[64], path[128], err[256];
	int64_t id = 0;
	struct db *db;
	struct fx f;
	sqlite3 *h;

	fx_setup(&f);
	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/results.db", dir);
	CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
	h = q_open(path);

	/* timeseries is written last: everything else is in by then. */
	CHECK_EQ(tu_sql_exec(h,
			     "CREATE TRIGGER boom BEFORE INSERT ON timeseries"
			     " BEGIN SELECT RAISE(ABORT, 'boom'); END"),
		 SQLITE_OK);
	err[0] = '\0';
	CHECK_EQ(db_write_run(db, &f.run, f.scn, f.st, &id, err, sizeof(err)),
		 -EIO);
	CHECK_EQ(id, 0);
	check_msg(err, path, "boom");
	CU_ASSERT(strstr(err, "timeseries") != NULL);
	CU_ASSERT(strstr(err, "apps.a/sent.t") != NULL);
	check_empty(h);

	/* The handle is still usable: the same run goes in once allowed. */
	CHECK_EQ(tu_sql_exec(h, "DROP TRIGGER boom"), SQLITE_OK);
	CHECK_EQ(db_write_run(db, &f.run, f.scn, f.st, &id, err, sizeof(err)),
		 0);
	CHECK_EQ(rows(h, "runs", -1), 1);
	CHECK_EQ(rows(h, "timeseries", (long long)id), (int64_t)f.series->n);

	/* A constraint failing on the first insert leaves no trace either. */
	f.run.status = NULL;
	f.run.repetition = 9;
	CHECK_EQ(db_write_run(db, &f.run, f.scn, f.st, NULL, err, sizeof(err)),
		 -EIO);
	check_msg(err, path, "runs.status");
	CHECK_EQ(rows(h, "runs", -1), 1);
	CHECK_EQ(rows(h, "params", -1), (int64_t)scn_param_count(f.scn));

	sqlite3_close(h);
	db_close(db);
	db_close(NULL);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
}

/* Writes f's run under the given key and status; returns its id. */
static int64_t put(struct db *db, struct fx *f, const char *hash,
		   const char *point, uint32_t rep, const char *version,
		   const char *status)
{
	char err[256] = "";
	int64_t id = 0;

	f->run.hash = hash;
	f->run.point = point;
	f->run.repetition = rep;
	f->run.version = version;
	f->run.status = status;
	CHECK_EQ(
		db_write_run(db, &f->run, f->scn, f->st, &id, err, sizeof(err)),
		0);
	if (err[0])
		fprintf(stderr, "%s\n", err);
	return id;
}

/* Rows of statistics tables whose run is gone. */
static int64_t orphans(sqlite3 *h)
{
	int64_t n = 0;

	for (size_t i = 1; i < sizeof(tables) / sizeof(tables[0]); i++)
		n += tu_sql_int(h,
				"SELECT count(*) FROM %s"
				" WHERE run_id NOT IN (SELECT id FROM runs)",
				tables[i]);
	return n;
}

static void count_rows(sqlite3 *h, int64_t *n)
{
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		n[i] = rows(h, tables[i], -1);
}

static void test_run_key(void)
{
	int64_t before[6], after[6], id1, id2;
	char dir[64], path[128], err[256];
	const char *hash;
	struct db *db;
	struct fx f;
	sqlite3 *h;

	fx_setup(&f);
	hash = f.run.hash;
	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/results.db", dir);
	CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
	h = q_open(path);
	id1 = put(db, &f, hash, "{}", 3, "test", "ok");
	count_rows(h, before);

	/* Same key, different results: refused, nothing written. */
	CHECK_EQ(stats_scalar(f.st, "run", "utilization", "", 0.25), 0);
	stats_hist_record(f.lat, 2000);
	f.run.seed = 7;
	f.run.wall_s = 9;
	CHECK_EQ(db_write_run(db, &f.run, f.scn, f.st, NULL, err, sizeof(err)),
		 -EEXIST);
	check_msg(err, path, "same key");
	CU_ASSERT(strstr(err, "repetition 3") != NULL);
	count_rows(h, after);
	CU_ASSERT(memcmp(before, after, sizeof(before)) == 0);
	CHECK_NEAR(scalar(h, id1, "run", "utilization"), 0.75, 0);
	CHECK_NEAR(summary(h, id1, "count"), 5, 0);
	CHECK_EQ((uint64_t)tu_sql_int(h, "SELECT seed FROM runs"), SEED);
	/* The handle is usable afterwards (no transaction left open). */
	CU_ASSERT(sqlite3_get_autocommit(h));

	/* The schema enforces the key too. */
	CHECK_EQ(tu_sql_exec(h,
			     "INSERT INTO runs (scenario, path, hash, point,"
			     " repetition, seed, engine, version, started,"
			     " wall_s, events, sim_s, status) SELECT"
			     " scenario, path, hash, point, repetition, seed,"
			     " engine, version, started, wall_s, events,"
			     " sim_s, status FROM runs"),
		 SQLITE_CONSTRAINT);

	/* Each part of the key tells runs apart; other columns do not. */
	CHECK_GT(put(db, &f, "0123456789abcdef", "{}", 3, "test", "ok"), 0);
	CHECK_GT(put(db, &f, hash, "{\"a\":\"1\"}", 3, "test", "ok"), 0);
	CHECK_GT(put(db, &f, hash, "{}", 4, "test", "ok"), 0);
	CHECK_GT(put(db, &f, hash, "{}", 3, "other", "ok"), 0);
	f.run = (struct db_run){ .scenario = "renamed",
				 .path = "x.yaml",
				 .hash = hash,
				 .point = "{}",
				 .repetition = 3,
				 .seed = 1,
				 .engine = "ns3",
				 .version = "test",
				 .started = "2025-01-01T00:00:00Z",
				 .status = "failed" };
	CHECK_EQ(db_write_run(db, &f.run, f.scn, f.st, NULL, err, sizeof(err)),
		 -EEXIST);
	CHECK_EQ(rows(h, "runs", -1), 5);

	/* Replacing: one run with that key, the new values, no orphans. */
	f.run.replace = true;
	f.run.status = "ok";
	f.run.wall_s = 9;
	CHECK_EQ(db_write_run(db, &f.run, f.scn, f.st, &id2, err, sizeof(err)),
		 0);
	CHECK_NE(id2, id1);
	CHECK_EQ(rows(h, "runs", -1), 5);
	CHECK_EQ(tu_sql_int(h,
			    "SELECT id FROM runs WHERE hash = %Q"
			    " AND point = '{}' AND repetition = 3"
			    " AND version = 'test'",
			    hash),
		 id2);
	CHECK_EQ(tu_sql_int(h,
			    "SELECT count(*) FROM runs WHERE hash = %Q"
			    " AND point = '{}' AND repetition = 3"
			    " AND version = 'test'",
			    hash),
		 1);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		CHECK_EQ(rows(h, tables[i], id1), 0);
	CHECK_EQ(orphans(h), 0);
	CHECK_EQ(tu_sql_int(h, "SELECT seed FROM runs WHERE id = %lld",
			    (long long)id2),
		 1);
	CHECK_NEAR(tu_sql_double(h, "SELECT wall_s FROM runs WHERE id = %lld",
				 (long long)id2),
		   9, 0);
	CHECK_NEAR(scalar(h, id2, "run", "utilization"), 0.25, 0);
	CHECK_NEAR(summary(h, id2, "count"), 6, 0);
	CHECK_NEAR(summary(h, id2, "mean"), 3700.0 / 6, 1e-9);
	CHECK_EQ(rows(h, "params", id2), (int64_t)scn_param_count(f.scn));
	CHECK_EQ(rows(h, "scalars", id2), 5);
	CHECK_EQ(rows(h, "histograms", id2), 5);
	CHECK_EQ(rows(h, "timeseries", id2), (int64_t)f.series->n);
	/* The other runs kept their rows: 5 runs' worth in each table. */
	CHECK_EQ(rows(h, "params", -1), 5 * (int64_t)scn_param_count(f.scn));
	CHECK_EQ(rows(h, "summaries", -1), 5);
	CHECK_EQ(rows(h, "timeseries", -1), 5 * (int64_t)f.series->n);
	/* Replacing a key that is free just writes the run. */
	f.run.repetition = 8;
	CHECK_EQ(db_write_run(db, &f.run, f.scn, f.st, NULL, err, sizeof(err)),
		 0);
	CHECK_EQ(rows(h, "runs", -1), 6);

	sqlite3_close(h);
	db_close(db);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
}

/* What db_runs_of reported, one "point/repetition/wall" line per run. */
struct seen {
	char text[512];
	int calls, stop_after;
};

static int on_run(void *ctx, const char *point, uint32_t rep, double wall_s)
{
	struct seen *sn = ctx;
	size_t len = strlen(sn->text);

	snprintf(sn->text + len, sizeof(sn->text) - len, "%s/%u/%g\n", point,
		 (unsigned)rep, wall_s);
	return ++sn->calls == sn->stop_after ? 7 : 0;
}

static const char *runs_of(struct db *db, const char *hash, const char *version,
			   struct seen *sn)
{
	char err[256];

	memset(sn, 0, sizeof(*sn));
	CHECK_EQ(db_runs_of(db, hash, version, on_run, sn, err, sizeof(err)),
		 0);
	return sn->text;
}

static void test_runs_of(void)
{
	static const char *const p1 = "{\"x\":\"1\"}", *const p2 =
							       "{\"x\":\"2\"}";
	char dir[64], path[128], err[256];
	struct seen sn;
	struct db *db;
	struct fx f;

	fx_setup(&f);
	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/results.db", dir);
	CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
	f.run.wall_s = 1.5;
	put(db, &f, "h1", p1, 0, "v1", "ok");
	f.run.wall_s = 2.5;
	put(db, &f, "h1", p1, 1, "v1", "ok");
	f.run.wall_s = 3.5;
	put(db, &f, "h1", p2, 0, "v2", "ok");
	f.run.wall_s = 4.5;
	put(db, &f, "h1", p2, 1, "v1", "failed");
	f.run.wall_s = 5.5;
	put(db, &f, "h2", p1, 0, "v1", "ok");

	CU_ASSERT_STRING_EQUAL(runs_of(db, "h1", NULL, &sn),
			       "{\"x\":\"1\"}/0/1.5\n"
			       "{\"x\":\"1\"}/1/2.5\n"
			       "{\"x\":\"2\"}/0/3.5\n");
	CU_ASSERT_STRING_EQUAL(runs_of(db, "h1", "v1", &sn),
			       "{\"x\":\"1\"}/0/1.5\n{\"x\":\"1\"}/1/2.5\n");
	CU_ASSERT_STRING_EQUAL(runs_of(db, "h1", "v2", &sn),
			       "{\"x\":\"2\"}/0/3.5\n");
	CU_ASSERT_STRING_EQUAL(runs_of(db, "h2", NULL, &sn),
			       "{\"x\":\"1\"}/0/5.5\n");
	CU_ASSERT_STRING_EQUAL(runs_of(db, "h3", NULL, &sn), "");
	CU_ASSERT_STRING_EQUAL(runs_of(db, "h1", "v3", &sn), "");

	/* fn's non-zero value stops the walk and is returned. */
	memset(&sn, 0, sizeof(sn));
	sn.stop_after = 2;
	CHECK_EQ(db_runs_of(db, "h1", NULL, on_run, &sn, err, sizeof(err)), 7);
	CHECK_EQ(sn.calls, 2);

	db_close(db);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
}

/* Columns compared between databases (all but ids), per table of tables. */
static const char *const table_cols[] = {
	"x.scenario, x.path, x.seed, x.engine, x.started, x.wall_s,"
	" x.events, x.sim_s, x.fingerprint, x.status",
	"x.path, x.value",
	"x.component, x.metric, x.unit, x.value",
	"x.component, x.metric, x.unit, x.count, x.mean, x.stddev, x.min,"
	" x.p50, x.p90, x.p99, x.p999, x.max",
	"x.component, x.metric, x.unit, x.lower, x.upper, x.count",
	"x.component, x.metric, x.unit, x.t_ps, x.value",
};

#define KEY_OF(o)                                                \
	"SELECT 1 FROM " o ".runs AS o WHERE o.hash = r.hash"    \
	" AND o.point = r.point AND o.repetition = r.repetition" \
	" AND o.version = r.version"

/* SQL for the rows of table i in schema db, each with its run's key,
 * for the runs that pass where (on r); sqlite3_free it. */
static char *keyed(size_t i, const char *db, const char *where)
{
	return sqlite3_mprintf(
		"SELECT r.hash, r.point, r.repetition, r.version, %s"
		" FROM %s.%s AS x JOIN %s.runs AS r ON r.id = x.%s WHERE %s",
		table_cols[i], db, tables[i], db, i ? "run_id" : "id", where);
}

/* Rows of table i in a (runs passing wa) missing from the rows of b
 * (runs passing wb) and, when c is given, of c (passing wc). */
static int64_t missing(sqlite3 *h, size_t i, const char *a, const char *wa,
		       const char *b, const char *wb, const char *c,
		       const char *wc)
{
	char *sa = keyed(i, a, wa), *sb = keyed(i, b, wb);
	char *sc = c ? keyed(i, c, wc) : NULL;
	int64_t n;

	n = tu_sql_int(h, "SELECT count(*) FROM (%s EXCEPT %s%s%s)", sa, sb,
		       sc ? " EXCEPT " : "", sc ? sc : "");
	sqlite3_free(sa);
	sqlite3_free(sb);
	sqlite3_free(sc);
	return n;
}

static int64_t dup_keys(sqlite3 *h, const char *db)
{
	return tu_sql_int(
		h,
		"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT"
		" hash, point, repetition, version FROM %s.runs))"
		" FROM %s.runs",
		db, db);
}

static int64_t keyed_count(sqlite3 *h, size_t i, const char *db,
			   const char *where)
{
	char *sql = keyed(i, db, where);
	int64_t n = tu_sql_int(h, "SELECT count(*) FROM (%s)", sql);

	sqlite3_free(sql);
	return n;
}

/* Tables of db and db2 (attached to h) hold the same rows by run key. */
static void check_same(sqlite3 *h, const char *db, const char *db2)
{
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		CHECK_EQ(missing(h, i, db, "1", db2, "1", NULL, NULL), 0);
		CHECK_EQ(missing(h, i, db2, "1", db, "1", NULL, NULL), 0);
		CHECK_EQ(keyed_count(h, i, db, "1"),
			 keyed_count(h, i, db2, "1"));
	}
}

/*
 * u holds the union of a and b: the runs of a, and those of b whose key a
 * lacks, with exactly their rows in every table.
 */
static void check_union(sqlite3 *h, const char *u)
{
	const char *b_only = "NOT EXISTS (" KEY_OF("a") ")";

	CHECK_EQ(dup_keys(h, u), 0);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		CHECK_EQ(missing(h, i, "a", "1", u, "1", NULL, NULL), 0);
		CHECK_EQ(missing(h, i, "b", b_only, u, "1", NULL, NULL), 0);
		CHECK_EQ(missing(h, i, u, "1", "a", "1", "b", b_only), 0);
		CHECK_EQ(keyed_count(h, i, u, "1"),
			 keyed_count(h, i, "a", "1") +
				 keyed_count(h, i, "b", b_only));
		CHECK_GT(keyed_count(h, i, "b", b_only), 0);
	}
}

/* Databases a (3 runs) and b (2 runs with keys of a, 2 of its own); the
 * runs' statistics all differ. Returns the id in b of its repetition 3. */
static int64_t make_ab(struct fx *f, const char *a, const char *b)
{
	static const double util[] = { 0.75, 0.5, 1, 0.1, 0.2, 0.3, 0.4 };
	static const uint32_t rep[] = { 0, 1, 2, 1, 2, 3, 0 };
	const char *hash = f->run.hash;
	struct db *db = NULL;
	char err[256];
	int64_t id = 0;

	for (size_t i = 0; i < sizeof(util) / sizeof(util[0]); i++) {
		if (i == 0 || i == 3) {
			db_close(db);
			CHECK_EQ_FATAL(
				db_open(i ? b : a, &db, err, sizeof(err)), 0);
		}
		CHECK_EQ(stats_scalar(f->st, "run", "utilization", "", util[i]),
			 0);
		stats_hist_record(f->lat, 1000 + 100 * (int64_t)i);
		f->run.wall_s = (double)i;
		if (i == 5)
			id = put(db, f, hash, "{}", rep[i], "test", "ok");
		else
			put(db, f, hash, i == 6 ? "{\"x\":\"1\"}" : "{}",
			    rep[i], "test", "ok");
	}
	db_close(db);
	return id;
}

static void test_import(void)
{
	char dir[64], a[128], b[128], c[128], e[128], err[256], where[64];
	char *before, *after;
	size_t nb = 0, na = 0;
	struct db *dc, *da, *de;
	int64_t b3, n[6], m[6];
	struct fx f;
	sqlite3 *h;

	fx_setup(&f);
	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(a, sizeof(a), "%s/a.db", dir);
	snprintf(b, sizeof(b), "%s/b.db", dir);
	snprintf(c, sizeof(c), "%s/c.db", dir);
	snprintf(e, sizeof(e), "%s/e.db", dir);
	b3 = make_ab(&f, a, b);
	CHECK_GT_FATAL(b3, 0);
	before = tu_slurp(b, &nb);

	/* c = a, then b merged in: the union, each run once. */
	CHECK_EQ_FATAL(db_open(c, &dc, err, sizeof(err)), 0);
	CHECK_EQ(db_import(dc, a, 0, true, err, sizeof(err)), 3);
	CHECK_EQ(db_import(dc, b, 0, true, err, sizeof(err)), 2);
	h = q_open(c);
	CHECK_EQ(tu_sql_exec(h, "ATTACH %Q AS a; ATTACH %Q AS b", a, b),
		 SQLITE_OK);
	CHECK_EQ(rows(h, "runs", -1), 5);
	check_union(h, "main");
	/* Rows were copied, not just counted: repetition 1 has a's values. */
	CHECK_NEAR(tu_sql_double(
			   h,
			   "SELECT value FROM scalars JOIN runs ON id = run_id"
			   " WHERE repetition = 1 AND metric = 'utilization'"),
		   0.5, 0);

	/* A second import copies nothing; nor does importing c into c. */
	count_rows(h, n);
	CHECK_EQ(db_import(dc, c, 0, true, err, sizeof(err)), 0);
	CHECK_EQ(db_import(dc, b, 0, true, err, sizeof(err)), 0);
	CHECK_EQ(db_import(dc, a, 0, true, err, sizeof(err)), 0);
	count_rows(h, m);
	CU_ASSERT(memcmp(n, m, sizeof(n)) == 0);

	/* Merging b into a itself gives the same runs as c. */
	CHECK_EQ_FATAL(db_open(a, &da, err, sizeof(err)), 0);
	CHECK_EQ(db_import(da, b, 0, true, err, sizeof(err)), 2);
	CHECK_EQ(db_import(da, b, 0, true, err, sizeof(err)), 0);
	db_close(da);
	CHECK_EQ(dup_keys(h, "a"), 0);
	check_same(h, "main", "a");
	CHECK_EQ(orphans(h), 0);

	/* The source is only read. */
	after = tu_slurp(b, &na);
	CHECKF(before && after && na == nb && !memcmp(before, after, nb),
	       "%zu bytes, then %zu", nb, na);
	free(before);
	free(after);

	/* src_id copies that run only, once. */
	CHECK_EQ_FATAL(db_open(e, &de, err, sizeof(err)), 0);
	CHECK_EQ(db_import(de, b, b3, true, err, sizeof(err)), 1);
	CHECK_EQ(db_import(de, b, b3, true, err, sizeof(err)), 0);
	CHECK_EQ(db_import(de, b, 999999, true, err, sizeof(err)), 0);
	CHECK_EQ(tu_sql_exec(h, "ATTACH %Q AS e", e), SQLITE_OK);
	CHECK_EQ(tu_sql_int(h, "SELECT count(*) FROM e.runs"), 1);
	CHECK_EQ(tu_sql_int(h, "SELECT repetition FROM e.runs"), 3);
	snprintf(where, sizeof(where), "r.id = %lld", (long long)b3);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		CHECK_EQ(missing(h, i, "b", where, "e", "1", NULL, NULL), 0);
		CHECK_EQ(missing(h, i, "e", "1", "b", where, NULL, NULL), 0);
		CHECK_EQ(keyed_count(h, i, "e", "1"),
			 keyed_count(h, i, "b", where));
		CHECK_GT(keyed_count(h, i, "e", "1"), 0);
	}

	sqlite3_close(h);
	db_close(dc);
	db_close(de);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
}

/* Copies runs ids[0..n) of path into db in one transaction, as a study's
 * import does: the number copied, or an error. */
static int import_ids(struct db *db, const char *path, const int64_t *ids,
		      size_t n, char *err, size_t errlen)
{
	struct db_source *src;
	int rc = db_source_open(db, path, &src, err, errlen);

	if (rc)
		return rc;
	rc = db_source_copy(src, ids, n, err, errlen);
	db_source_close(src);
	return rc;
}

/* A study's import (db_source_*): a batch of runs of b in one
 * transaction gives what importing all of b gives; ids whose key is taken
 * or that b lacks are skipped, and counted out. */
static void test_import_runs(void)
{
	char dir[64], a[128], b[128], g[128], err[256];
	int64_t ids[5], n[6], m[6];
	struct db *dg;
	struct fx f;
	sqlite3 *h;

	fx_setup(&f);
	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(a, sizeof(a), "%s/a.db", dir);
	snprintf(b, sizeof(b), "%s/b.db", dir);
	snprintf(g, sizeof(g), "%s/g.db", dir);
	CHECK_GT_FATAL(make_ab(&f, a, b), 0);
	CHECK_EQ_FATAL(db_open(g, &dg, err, sizeof(err)), 0);
	CHECK_EQ(db_import(dg, a, 0, true, err, sizeof(err)), 3);
	h = q_open(g);
	CHECK_EQ(tu_sql_exec(h, "ATTACH %Q AS a; ATTACH %Q AS b", a, b),
		 SQLITE_OK);
	CHECK_EQ_FATAL(tu_sql_int(h, "SELECT count(*) FROM b.runs"), 4);
	for (int i = 0; i < 4; i++)
		ids[i] = tu_sql_int(h,
				    "SELECT id FROM b.runs ORDER BY id LIMIT 1"
				    " OFFSET %d",
				    i);
	ids[4] = 999999;
	/* b's two runs with keys of a are skipped, 999999 is not in b */
	CHECK_EQ(import_ids(dg, b, ids, 5, err, sizeof(err)), 2);
	CHECK_EQ(rows(h, "runs", -1), 5);
	check_union(h, "main");
	count_rows(h, n);
	CHECK_EQ(import_ids(dg, b, ids, 5, err, sizeof(err)), 0);
	CHECK_EQ(import_ids(dg, b, ids + 2, 1, err, sizeof(err)), 0);
	count_rows(h, m);
	CU_ASSERT(memcmp(n, m, sizeof(n)) == 0);
	CHECK_EQ(orphans(h), 0);
	/* the same, a few runs per transaction through one attached source,
	 * gives the same rows; foreign keys are back on after it: a run
	 * replaced takes its rows with it */
	{
		char g2[128], hash[64], point[64], version[64];
		struct db_source *src;
		struct db *dg2;
		int64_t n2[6];
		sqlite3 *h2;

		snprintf(g2, sizeof(g2), "%s/g2.db", dir);
		CHECK_EQ_FATAL(db_open(g2, &dg2, err, sizeof(err)), 0);
		CHECK_EQ(db_import(dg2, a, 0, true, err, sizeof(err)), 3);
		CHECK_EQ_FATAL(db_source_open(dg2, b, &src, err, sizeof(err)),
			       0);
		CHECK_EQ(db_source_copy(src, ids, 1, err, sizeof(err)), 0);
		CHECK_EQ(db_source_copy(src, ids + 1, 2, err, sizeof(err)), 1);
		CHECK_EQ(db_source_copy(src, ids + 3, 2, err, sizeof(err)), 1);
		db_source_close(src);
		h2 = q_open(g2);
		count_rows(h2, n2);
		CU_ASSERT(memcmp(n, n2, sizeof(n)) == 0);
		CHECK_EQ(orphans(h2), 0);
		tu_sql_text(h2, hash, sizeof(hash),
			    "SELECT hash FROM runs WHERE id = 5");
		tu_sql_text(h2, point, sizeof(point),
			    "SELECT point FROM runs WHERE id = 5");
		tu_sql_text(h2, version, sizeof(version),
			    "SELECT version FROM runs WHERE id = 5");
		f.run = (struct db_run){
			.scenario = "replaced",
			.path = "x.yaml",
			.hash = hash,
			.point = point,
			.repetition = (uint32_t)tu_sql_int(
				h2, "SELECT repetition FROM runs WHERE id = 5"),
			.seed = 1,
			.engine = "native",
			.version = version,
			.started = "2025-01-01T00:00:00Z",
			.status = "ok",
			.replace = true
		};
		CHECK_GT(rows(h2, "params", 5), 0);
		CHECK_EQ(db_write_run(dg2, &f.run, f.scn, f.st, NULL, err,
				      sizeof(err)),
			 0);
		CHECK_EQ(rows(h2, "runs", -1), 5);
		CHECK_EQ(tu_sql_int(h2, "SELECT count(*) FROM runs"
					" WHERE scenario = 'replaced'"),
			 1);
		CHECK_EQ(orphans(h2), 0);
		sqlite3_close(h2);
		db_close(dg2);
	}
	/* not a database: nothing copied, an error */
	snprintf(b, sizeof(b), "%s/none.db", dir);
	CU_ASSERT(import_ids(dg, b, ids, 1, err, sizeof(err)) < 0);
	sqlite3_close(h);
	db_close(dg);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
}

/* The query indexes of a file: params_path, scalars_metric and
 * summaries_metric present. */
static int64_t query_indexes(sqlite3 *h)
{
	return tu_sql_int(h, "SELECT count(*) FROM sqlite_master"
			     " WHERE type = 'index' AND name IN ('params_path',"
			     " 'scalars_metric', 'summaries_metric')");
}

/* A staging file (a study worker's) has the run key but not the query
 * indexes; a run copied out of it into a study database, which has them,
 * arrives whole. */
static void test_staging(void)
{
	char dir[64], s[128], g[128], err[256];
	int64_t ns[6], ng[6];
	struct db *ds, *dg;
	struct fx f;
	sqlite3 *hs, *hg;

	fx_setup(&f);
	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(s, sizeof(s), "%s/s.db", dir);
	snprintf(g, sizeof(g), "%s/g.db", dir);
	CHECK_EQ_FATAL(db_open_staging(s, &ds, err, sizeof(err)), 0);
	CHECK_EQ_FATAL(
		db_write_run(ds, &f.run, f.scn, f.st, NULL, err, sizeof(err)),
		0);
	CHECK_EQ_FATAL(db_open(g, &dg, err, sizeof(err)), 0);
	CHECK_EQ(db_import(dg, s, 0, true, err, sizeof(err)), 1);
	hs = q_open(s);
	hg = q_open(g);
	CHECK_EQ(query_indexes(hs), 0);
	CHECK_EQ(query_indexes(hg), 3);
	CHECK_EQ(tu_sql_int(hs, "SELECT count(*) FROM sqlite_master"
				" WHERE name = 'runs_key'"),
		 1);
	count_rows(hs, ns);
	count_rows(hg, ng);
	CU_ASSERT(memcmp(ns, ng, sizeof(ns)) == 0);
	CHECK_GT(ng[1], 0); /* params */
	check_params(hg, &f, 1);
	check_scalars(hg, &f, 1);
	check_hist(hg, &f, 1);
	/* the same run again is refused by the key */
	CHECK_EQ(db_write_run(ds, &f.run, f.scn, f.st, NULL, err, sizeof(err)),
		 -EEXIST);
	sqlite3_close(hs);
	sqlite3_close(hg);
	db_close(ds);
	db_close(dg);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
}

static void test_import_refused(void)
{
	char dir[64], c[128], d[128], g[128], src[128], err[256];
	int64_t n[6], m[6];
	struct db *dc, *dd;
	const char *hash;
	sqlite3 *h, *v;
	struct fx f;
	FILE *fp;

	fx_setup(&f);
	hash = f.run.hash;
	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(c, sizeof(c), "%s/c.db", dir);
	snprintf(d, sizeof(d), "%s/d.db", dir);
	snprintf(g, sizeof(g), "%s/g.db", dir);
	CHECK_EQ_FATAL(db_open(c, &dc, err, sizeof(err)), 0);
	put(dc, &f, hash, "{}", 0, "test", "ok");
	h = q_open(c);

	/* The same scenario name with another hash. */
	CHECK_EQ_FATAL(db_open(d, &dd, err, sizeof(err)), 0);
	put(dd, &f, "0123456789abcdef", "{}", 0, "test", "ok");
	db_close(dd);
	count_rows(h, n);
	CHECK_EQ(db_import(dc, d, 0, true, err, sizeof(err)), -EXDEV);
	check_msg(err, d, "different scenario files");
	CU_ASSERT(strstr(err, "0123456789abcdef") != NULL);
	CU_ASSERT(strstr(err, hash) != NULL);
	CHECK_EQ(db_import(dc, d, 1, true, err, sizeof(err)), -EXDEV);
	count_rows(h, m);
	CU_ASSERT(memcmp(n, m, sizeof(n)) == 0);
	/* Another scenario name is no conflict; without the check, it goes. */
	CHECK_EQ_FATAL(db_open(g, &dd, err, sizeof(err)), 0);
	f.run.scenario = "other";
	put(dd, &f, "fedcba9876543210", "{}", 0, "test", "ok");
	db_close(dd);
	CHECK_EQ(db_import(dc, g, 0, true, err, sizeof(err)), 1);
	CHECK_EQ(db_import(dc, d, 0, false, err, sizeof(err)), 1);
	CHECK_EQ(rows(h, "runs", -1), 3);

	/* Sources that are not usnsim databases of this version. */
	snprintf(src, sizeof(src), "%s/missing.db", dir);
	CHECK_EQ(db_import(dc, src, 0, false, err, sizeof(err)), -EACCES);
	check_msg(err, src, "cannot read DB");
	CU_ASSERT(!file_exists(src));
	snprintf(src, sizeof(src), "%s/noise.db", dir);
	fp = fopen(src, "wb");
	CU_ASSERT_FATAL(fp != NULL);
	for (int i = 0; i < 4096; i++)
		fputc((i * 7919) % 251, fp);
	fclose(fp);
	CHECK_EQ(db_import(dc, src, 0, false, err, sizeof(err)), -EILSEQ);
	check_msg(err, src, "not a usnsim database");
	snprintf(src, sizeof(src), "%s/v99.db", dir);
	CHECK_EQ_FATAL(sqlite3_open(src, &v), SQLITE_OK);
	CHECK_EQ(tu_sql_exec(v, "CREATE TABLE runs (id);"
				" PRAGMA user_version = 99"),
		 SQLITE_OK);
	CHECK_EQ(db_import(dc, src, 0, false, err, sizeof(err)), -ENOTSUP);
	check_msg(err, src, "schema version 99");
	CHECK_EQ(tu_sql_exec(v, "PRAGMA user_version = 0"), SQLITE_OK);
	sqlite3_close(v);
	CHECK_EQ(db_import(dc, src, 0, false, err, sizeof(err)), -EILSEQ);
	check_msg(err, src, "no usnsim schema version");
	CHECK_EQ(rows(h, "runs", -1), 3);
	/* The handle still works after all that. */
	CHECK_EQ(db_import(dc, g, 0, true, err, sizeof(err)), 0);

	sqlite3_close(h);
	db_close(dc);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
}

/* The source is being written by another connection (WAL): only its
 * committed runs are copied, and the import does not wait for the writer. */
static void test_import_live(void)
{
	char dir[64], b[128], c[128], err[256];
	struct db *db, *dc;
	struct fx f;
	sqlite3 *w;

	fx_setup(&f);
	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	/* characters that mean something in a URI */
	snprintf(b, sizeof(b), "%s/b ?x=1#%%41.db", dir);
	snprintf(c, sizeof(c), "%s/c.db", dir);
	CHECK_EQ_FATAL(db_open(b, &db, err, sizeof(err)), 0);
	put(db, &f, f.run.hash, "{}", 0, "test", "ok");
	put(db, &f, f.run.hash, "{}", 1, "test", "ok");
	w = q_open(b);
	CHECK_EQ(tu_sql_exec(w,
			     "BEGIN IMMEDIATE;"
			     " INSERT INTO runs (scenario, path, hash, point,"
			     " repetition, seed, engine, version, started,"
			     " wall_s, events, sim_s, status) SELECT scenario,"
			     " path, hash, point, 2, seed, engine, version,"
			     " started, wall_s, events, sim_s, status"
			     " FROM runs WHERE repetition = 0"),
		 SQLITE_OK);
	CHECK_EQ_FATAL(db_open(c, &dc, err, sizeof(err)), 0);
	CHECK_EQ(db_import(dc, b, 0, true, err, sizeof(err)), 2);
	CHECK_EQ(tu_sql_exec(w, "COMMIT"), SQLITE_OK);
	put(db, &f, f.run.hash, "{}", 3, "test", "ok");
	CHECK_EQ(db_import(dc, b, 0, true, err, sizeof(err)), 2);
	CHECK_EQ(db_import(dc, b, 0, true, err, sizeof(err)), 0);

	sqlite3_close(w);
	db_close(db);
	db_close(dc);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
}

/* Student t quantiles, from published tables. */
#define T975_1 12.70620473617471
#define T975_2 4.302652729749464
#define T975_3 3.182446305284263
#define T95_2 2.919985580355516

struct ci {
	double mean, half;
	uint32_t n;
	int ret;
};

static struct ci ci_of(struct db *db, const char *hash, const char *version,
		       const char *point, const char *metric, double conf)
{
	struct ci c = { NAN, NAN, 0, 0 };
	char err[256];

	c.ret = db_metric_ci(db, hash, version, point, metric, conf, &c.mean,
			     &c.half, &c.n, err, sizeof(err));
	return c;
}

static void check_ci(struct ci c, uint32_t n, double mean, double half)
{
	CHECK_EQ(c.ret, 0);
	CHECK_EQ(c.n, n);
	CHECK_NEAR(c.mean, mean, 1e-9 * fabs(mean));
	if (isinf(half)) {
		CHECK_EQ(c.half, half);
	} else {
		CHECK_NEAR(c.half, half, 1e-9 * fabs(half));
	}
}

/*
 * Point P of one scenario: repetitions 0, 1, 2 of version "test" (latency
 * means 340, 560, 740 from 5, 6, 7 samples; utilization 0.75, 0.5, 1;
 * apps.src/drops.queue_full 3, 5, 7), repetition 0 of version "old"
 * (latency mean 340, utilization 0.25, drops 3), and a failed run that
 * must not count. Histogram apps.b/latency is empty in both repetitions 0
 * and holds 10 30, then 10 30 50. Point Q has a single run.
 */
static const char *const P = "{\"apps.a.rate\":\"10kpps\"}";
static const char *const Q = "{\"apps.a.rate\":\"20kpps\"}";

static void make_ci_runs(struct db *db, struct fx *f, const char *hash)
{
	struct stat_hist *b;

	CHECK_EQ(stats_scalar(f->st, "apps.src", "drops.queue_full", "", 3), 0);
	/* the same dotted name split elsewhere: must not be mixed in */
	CHECK_EQ(stats_scalar(f->st, "apps", "src.drops.queue_full", "", 1000),
		 0);
	/* a histogram still empty in repetition 0 */
	b = stats_hist(f->st, "apps.b", "latency", "ps");
	CU_ASSERT_FATAL(b != NULL);
	put(db, f, hash, P, 0, "test", "ok");
	CHECK_EQ(stats_scalar(f->st, "run", "utilization", "", 0.25), 0);
	put(db, f, hash, P, 0, "old", "ok");
	stats_hist_record(b, 10);
	stats_hist_record(b, 30);

	stats_hist_record(f->lat, 1660);
	CHECK_EQ(stats_scalar(f->st, "run", "utilization", "", 0.5), 0);
	CHECK_EQ(stats_scalar(f->st, "apps.src", "drops.queue_full", "", 5), 0);
	put(db, f, hash, P, 1, "test", "ok");
	stats_hist_record(f->lat, 1820);
	stats_hist_record(b, 50);
	CHECK_EQ(stats_scalar(f->st, "run", "utilization", "", 1), 0);
	CHECK_EQ(stats_scalar(f->st, "apps.src", "drops.queue_full", "", 7), 0);
	put(db, f, hash, P, 2, "test", "ok");

	stats_hist_record(f->lat, 1000000);
	CHECK_EQ(stats_scalar(f->st, "run", "utilization", "", 100), 0);
	put(db, f, hash, P, 3, "test", "failed");
	put(db, f, hash, Q, 0, "test", "ok");
}

static void test_metric_ci(void)
{
	char dir[64], path[128], err[256];
	const char *hash;
	struct db *db;
	struct fx f;
	struct ci c;

	fx_setup(&f);
	hash = f.run.hash;
	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/results.db", dir);
	CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
	make_ci_runs(db, &f, hash);

	/* mean 1640/3, sample variance 120400/3 */
	check_ci(ci_of(db, hash, "test", P, "apps.a.latency.mean", 0.95), 3,
		 1640.0 / 3, T975_2 * sqrt(120400.0 / 3) / sqrt(3));
	check_ci(ci_of(db, hash, "test", P, "apps.a.latency.count", 0.95), 3, 6,
		 T975_2 / sqrt(3));
	check_ci(ci_of(db, hash, "test", P, "apps.a.latency.count", 0.90), 3, 6,
		 T95_2 / sqrt(3));
	check_ci(ci_of(db, hash, "test", P, "apps.a.latency.min", 0.95), 3, 100,
		 0);
	/* max: 1000, 1660, 1820 */
	check_ci(ci_of(db, hash, "test", P, "apps.a.latency.max", 0.95), 3,
		 4480.0 / 3, T975_2 * sqrt(566800.0 / 3) / sqrt(3));
	/* empty histograms count for their count only: {0, 2, 3} */
	check_ci(ci_of(db, hash, "test", P, "apps.b.latency.mean", 0.95), 2, 25,
		 T975_1 * 5);
	check_ci(ci_of(db, hash, "test", P, "apps.b.latency.count", 0.95), 3,
		 5.0 / 3, T975_2 * sqrt(7.0 / 3) / sqrt(3));
	/* scalars, counters and gauges, with a stat-like last part */
	check_ci(ci_of(db, hash, "test", P, "run.utilization", 0.95), 3, 0.75,
		 T975_2 * 0.25 / sqrt(3));
	check_ci(ci_of(db, hash, "test", P, "apps.a.sent", 0.95), 3, 12352, 0);
	check_ci(ci_of(db, hash, "test", P, "link.queue.mean", 0.95), 3, 5, 0);
	check_ci(ci_of(db, hash, "test", P, "apps.src.drops.queue_full", 0.95),
		 3, 5, T975_2 * 2 / sqrt(3));

	/* Any version: the "old" run counts too. */
	check_ci(ci_of(db, hash, NULL, P, "apps.a.latency.mean", 0.95), 4, 495,
		 T975_3 * sqrt(112300.0 / 3) / 2);
	check_ci(ci_of(db, hash, NULL, P, "run.utilization", 0.95), 4, 0.625,
		 T975_3 * sqrt(0.3125 / 3) / 2);
	check_ci(ci_of(db, hash, "old", P, "run.utilization", 0.95), 1, 0.25,
		 INFINITY);

	/* One run: no interval. */
	c = ci_of(db, hash, "test", Q, "apps.a.latency.count", 0.95);
	CHECK_EQ(c.ret, 0);
	CHECK_EQ(c.n, 1);
	CHECK_EQ(c.mean, 8);
	CHECKF(isinf(c.half) && c.half > 0, "half-width %g", c.half);

	/* No such metric, stat, point, hash or version. */
	CHECK_EQ(ci_of(db, hash, "test", P, "apps.a.latency.p75", 0.95).ret,
		 -ENOENT);
	CHECK_EQ(ci_of(db, hash, "test", P, "apps.a.latency", 0.95).ret,
		 -ENOENT);
	CHECK_EQ(ci_of(db, hash, "test", P, "apps.a.nope.mean", 0.95).ret,
		 -ENOENT);
	CHECK_EQ(ci_of(db, hash, "test", P, "sent", 0.95).ret, -ENOENT);
	CHECK_EQ(
		ci_of(db, hash, "test", P, "apps.a.latency.mean; --", 0.95).ret,
		-ENOENT);
	CHECK_EQ(ci_of(db, hash, "test", "{}", "run.utilization", 0.95).ret,
		 -ENOENT);
	CHECK_EQ(ci_of(db, "nohash", NULL, P, "run.utilization", 0.95).ret,
		 -ENOENT);
	CHECK_EQ(ci_of(db, hash, "v9", P, "run.utilization", 0.95).ret,
		 -ENOENT);
	CHECK_EQ(db_metric_ci(db, hash, "test", P, "run.nope", 0.95, &c.mean,
			      &c.half, &c.n, err, sizeof(err)),
		 -ENOENT);
	check_msg(err, path, "no metric run.nope");
	CHECK_EQ(ci_of(db, hash, "test", P, "run.utilization", 1).ret, -EINVAL);
	CHECK_EQ(ci_of(db, hash, "test", P, "run.utilization", 0).ret, -EINVAL);

	db_close(db);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
}

/* summary_ci agrees with db_metric_ci (any version) and with the hand
 * computed values. */
static void check_view_col(sqlite3 *h, struct db *db, const char *hash,
			   const char *col)
{
	char metric[64];
	struct ci c;

	snprintf(metric, sizeof(metric), "apps.a.latency.%s", col);
	c = ci_of(db, hash, NULL, P, metric, 0.95);
	CHECK_EQ(c.ret, 0);
	CHECK_NEAR(tu_sql_double(h,
				 "SELECT %s FROM summary_ci WHERE hash = %Q"
				 " AND point = %Q AND component = 'apps.a'"
				 " AND metric = 'latency'",
				 col, hash, P),
		   c.mean, 1e-9 * c.mean);
	CHECK_NEAR(tu_sql_double(h,
				 "SELECT %s_ci FROM summary_ci"
				 " WHERE hash = %Q AND point = %Q"
				 " AND component = 'apps.a'"
				 " AND metric = 'latency'",
				 col, hash, P),
		   c.half, 1e-9 * c.half);
	CHECK_GT(c.half, 0);
}

static void test_summary_ci(void)
{
	static const char *const cols[] = { "mean", "p50", "p90", "p99",
					    "p999" };
	char dir[64], path[128], err[256], buf[64];
	const char *hash;
	struct db *db;
	struct fx f;
	sqlite3 *h;

	fx_setup(&f);
	hash = f.run.hash;
	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/results.db", dir);
	CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
	make_ci_runs(db, &f, hash);
	h = q_open(path);

	CHECK_EQ(tu_sql_int(h, "SELECT count(*) FROM t_quantiles"), 1000);
	CHECK_NEAR(
		tu_sql_double(h, "SELECT t975 FROM t_quantiles WHERE df = 2"),
		T975_2, 1e-12);
	CHECK_NEAR(
		tu_sql_double(h, "SELECT t975 FROM t_quantiles WHERE df = 1"),
		T975_1, 1e-9);
	CHECK_NEAR(tu_sql_double(
			   h, "SELECT t975 FROM t_quantiles WHERE df = 1000"),
		   1.962339, 1e-6);

	/* one row per statistic and point; the failed run left out */
	CHECK_EQ(tu_sql_int(h, "SELECT count(*) FROM summary_ci"), 4);
	CHECK_EQ(
		tu_sql_int(
			h,
			"SELECT n FROM summary_ci WHERE component = 'apps.a' AND point = %Q",
			P),
		4);
	CU_ASSERT_STRING_EQUAL(
		tu_sql_text(
			h, buf, sizeof(buf),
			"SELECT scenario || ' ' || unit"
			" FROM summary_ci WHERE component = 'apps.a' AND point = %Q",
			P),
		"dbtest ps");
	CHECK_NEAR(
		tu_sql_double(
			h,
			"SELECT mean FROM summary_ci WHERE component = 'apps.a' AND point = %Q",
			P),
		495, 1e-9);
	CHECK_NEAR(
		tu_sql_double(
			h,
			"SELECT mean_ci FROM summary_ci WHERE component = 'apps.a' AND point = %Q",
			P),
		T975_3 * sqrt(112300.0 / 3) / 2, 1e-9);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		check_view_col(h, db, hash, cols[i]);
	/* a single run has no interval */
	CHECK_EQ(
		tu_sql_int(
			h,
			"SELECT n = 1 AND mean = 1005180.0 / 8"
			" AND mean_ci IS NULL AND p99_ci IS NULL"
			" FROM summary_ci WHERE component = 'apps.a' AND point = %Q",
			Q),
		1);
	/* apps.b: repetition 0 had no samples and does not count */
	CHECK_EQ(tu_sql_int(h,
			    "SELECT n = 2 AND mean = 25 FROM summary_ci"
			    " WHERE component = 'apps.b' AND point = %Q",
			    P),
		 1);
	CHECK_NEAR(tu_sql_double(h,
				 "SELECT mean_ci FROM summary_ci"
				 " WHERE component = 'apps.b'"
				 " AND point = %Q",
				 P),
		   T975_1 * 5, 1e-9);
	/* beyond the table, the normal quantile */
	CHECK_EQ(tu_sql_exec(h, "DELETE FROM t_quantiles WHERE df = 3"),
		 SQLITE_OK);
	CHECK_NEAR(
		tu_sql_double(
			h,
			"SELECT mean_ci FROM summary_ci WHERE component = 'apps.a' AND point = %Q",
			P),
		1.959964 * sqrt(112300.0 / 3) / 2, 1e-9);

	sqlite3_close(h);
	db_close(db);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
}

/*
 * The paired view against a hand computation from the summaries rows:
 * points A and B differ in x only, so each repetition of A is paired with
 * the same repetition of B; C differs from A in x and y (with other
 * values), so it is no pair of A's. B's repetition 3 has no partner.
 */
#define PA "{\"x\":\"1\",\"y\":\"a\"}"
#define PB "{\"x\":\"2\",\"y\":\"a\"}"
#define PC "{\"x\":\"2\",\"y\":\"b\"}"

static void check_paired_stat(sqlite3 *h, const char *hash, const char *stat)
{
	double d[3], mean = 0, ss = 0;

	for (int r = 0; r < 3; r++) {
		d[r] = tu_sql_double(
			       h,
			       "SELECT s.%s FROM summaries AS s JOIN runs AS r"
			       " ON r.id = s.run_id WHERE r.point = %Q AND"
			       " r.repetition = %d AND s.component = 'apps.a'",
			       stat, PB, r) -
		       tu_sql_double(
			       h,
			       "SELECT s.%s FROM summaries AS s JOIN runs AS r"
			       " ON r.id = s.run_id WHERE r.point = %Q AND"
			       " r.repetition = %d AND s.component = 'apps.a'",
			       stat, PA, r);
		mean += d[r] / 3;
	}
	for (int r = 0; r < 3; r++)
		ss += (d[r] - mean) * (d[r] - mean);
	CHECK_NEAR(tu_sql_double(h,
				 "SELECT %s FROM paired WHERE hash = %Q AND"
				 " point_a = %Q AND point_b = %Q AND"
				 " component = 'apps.a'",
				 stat, hash, PA, PB),
		   mean, 1e-9 * fabs(mean) + 1e-9);
	CHECK_NEAR(tu_sql_double(h,
				 "SELECT %s_ci FROM paired WHERE hash = %Q AND"
				 " point_a = %Q AND point_b = %Q AND"
				 " component = 'apps.a'",
				 stat, hash, PA, PB),
		   T975_2 * sqrt(ss / 2) / sqrt(3), 1e-9 * sqrt(ss) + 1e-9);
	/* the pair the other way round: the opposite difference */
	CHECK_NEAR(tu_sql_double(h,
				 "SELECT %s FROM paired WHERE hash = %Q AND"
				 " point_a = %Q AND point_b = %Q AND"
				 " component = 'apps.a'",
				 stat, hash, PB, PA),
		   -mean, 1e-9 * fabs(mean) + 1e-9);
	CHECK_GT(ss, 0);
}

static void test_paired(void)
{
	static const int64_t v[3][2][3] = {
		{ { 1000, 2000, 9000 }, { 1500, 2600, 12000 } },
		{ { 1100, 2500, 7000 }, { 1400, 3900, 15000 } },
		{ { 900, 2100, 8000 }, { 1800, 2700, 9000 } },
	};
	char dir[64], path[128], err[256], buf[128];
	const char *hash;
	struct db *db;
	struct fx f;
	sqlite3 *h;

	fx_setup(&f);
	hash = f.run.hash;
	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/results.db", dir);
	CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
	for (int r = 0; r < 3; r++)
		for (int p = 0; p < 2; p++) {
			for (int i = 0; i < 3; i++)
				for (int k = 0; k <= i * 40; k++)
					stats_hist_record(f.lat,
							  v[r][p][i] + 7 * k);
			put(db, &f, hash, p ? PB : PA, (uint32_t)r, "test",
			    "ok");
		}
	put(db, &f, hash, PB, 3, "test", "ok");
	put(db, &f, hash, PC, 0, "test", "ok");
	h = q_open(path);

	CHECK_EQ(tu_sql_int(h,
			    "SELECT n FROM paired WHERE point_a = %Q AND"
			    " point_b = %Q AND component = 'apps.a'",
			    PA, PB),
		 3);
	CU_ASSERT_STRING_EQUAL(
		tu_sql_text(h, buf, sizeof(buf),
			    "SELECT param || ' ' || a || ' ' || b FROM paired"
			    " WHERE point_a = %Q AND point_b = %Q"
			    " AND component = 'apps.a'",
			    PA, PB),
		"x 1 2");
	CHECK_EQ(tu_sql_int(h,
			    "SELECT count(*) FROM paired WHERE point_a = %Q"
			    " AND point_b = %Q",
			    PA, PC),
		 0);
	/* B and C differ in y only: one repetition in common */
	CHECK_EQ(tu_sql_int(h,
			    "SELECT n FROM paired WHERE point_a = %Q AND"
			    " point_b = %Q AND component = 'apps.a'",
			    PB, PC),
		 1);
	check_paired_stat(h, hash, "mean");
	check_paired_stat(h, hash, "p50");
	check_paired_stat(h, hash, "p99");

	sqlite3_close(h);
	db_close(db);
	fx_teardown(&f);
	CHECK_EQ(tu_rmtree(dir), 0);
}

/*
 * Three repetitions whose p99 all fall in one histogram bucket
 * [2^20, 2^20 + 2^13) but differ: run r records 2^20 + j s_r for
 * j = 0 .. 99, so its p99 (the 99th of 100 samples, all in the bucket,
 * which is cut to [min, max]) reads 2^20 + 99 s_r (98.5 / 100). The
 * interval of summary_ci is the one of those three values, not 0 (as a
 * bucket's midpoint for every run would give).
 */
static void test_ci_within_bucket(void)
{
	static const int spread[3] = { 50, 60, 75 };
	char dir[64], path[128], err[256], hash[64];
	double p99[3], mean = 0, ss = 0;
	struct db *db = NULL;
	sqlite3 *h;

	CHECK_EQ_FATAL(tu_mkdtemp(dir, sizeof(dir), "db"), 0);
	snprintf(path, sizeof(path), "%s/results.db", dir);
	for (int r = 0; r < 3; r++) {
		struct fx f;

		fx_setup(&f);
		if (!db) {
			snprintf(hash, sizeof(hash), "%s", f.run.hash);
			CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
		}
		for (int j = 0; j < 100; j++)
			stats_hist_record(f.lat, 1048576 + j * spread[r]);
		put(db, &f, hash, P, (uint32_t)r, "test", "ok");
		fx_teardown(&f);
		p99[r] = 1048576 + 99.0 * spread[r] * 98.5 / 100;
		mean += p99[r] / 3;
	}
	for (int r = 0; r < 3; r++)
		ss += (p99[r] - mean) * (p99[r] - mean);
	h = q_open(path);
	for (int r = 0; r < 3; r++)
		CHECK_NEAR(tu_sql_double(h,
					 "SELECT s.p99 FROM summaries AS s"
					 " JOIN runs AS r ON r.id = s.run_id"
					 " WHERE r.repetition = %d AND"
					 " s.component = 'apps.a'",
					 r),
			   p99[r], 1e-6);
	CHECK_NEAR(tu_sql_double(h, "SELECT p99 FROM summary_ci"
				    " WHERE component = 'apps.a'"),
		   mean, 1e-6);
	CHECK_NEAR(tu_sql_double(h, "SELECT p99_ci FROM summary_ci"
				    " WHERE component = 'apps.a'"),
		   T975_2 * sqrt(ss / 2) / sqrt(3), 1e-6);
	CHECK_GT(sqrt(ss), 100);
	sqlite3_close(h);
	db_close(db);
	CHECK_EQ(tu_rmtree(dir), 0);
}

int suite_db(void)
{
	CU_pSuite s = CU_add_suite("db", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "write and read back", test_write_read) ||
	    !CU_add_test(s, "other schema version", test_other_version) ||
	    !CU_add_test(s, "version 1 upgraded", test_upgrade) ||
	    !CU_add_test(s, "not a database", test_not_a_database) ||
	    !CU_add_test(s, "corrupt database", test_corrupt) ||
	    !CU_add_test(s, "unwritable path", test_unwritable) ||
	    !CU_add_test(s, "no partial run", test_no_partial_run) ||
	    !CU_add_test(s, "run key and replace", test_run_key) ||
	    !CU_add_test(s, "runs of a study", test_runs_of) ||
	    !CU_add_test(s, "import and merge", test_import) ||
	    !CU_add_test(s, "import refused", test_import_refused) ||
	    !CU_add_test(s, "import a batch of runs", test_import_runs) ||
	    !CU_add_test(s, "staging file", test_staging) ||
	    !CU_add_test(s, "import from a live database", test_import_live) ||
	    !CU_add_test(s, "metric confidence interval", test_metric_ci) ||
	    !CU_add_test(s, "summary_ci view", test_summary_ci) ||
	    !CU_add_test(s, "paired view", test_paired) ||
	    !CU_add_test(s, "interval within one bucket",
			 test_ci_within_bucket))
		return CU_get_error();
	return 0;
}
