/*
 * db.c - writes finished runs into the SQLite results database.
 *
 * Workload: one db_open per study, then one db_write_run per finished run.
 * Each run is a single BEGIN IMMEDIATE ... COMMIT transaction of a few
 * hundred to a few hundred thousand rows (histogram buckets and time-series
 * points are the bulk); nothing is written while a run executes. The insert
 * statements are prepared once per handle and reused for every row.
 *
 * Several processes may write one file (a sweep runs one per CPU): WAL mode
 * lets readers go on during a write, BEGIN IMMEDIATE takes the write lock up
 * front so a transaction never fails halfway for want of a lock, and the
 * busy timeout makes writers queue for up to 10 s rather than fail.
 *
 * db_schema below is the reference; the README section "Results database" explains it to users.
 * Changing a table means raising DB_SCHEMA_VERSION: a database of another
 * version is refused, never migrated in place. Opening reads the file before
 * writing anything, so a refused file is left byte for byte unchanged.
 *
 * SQLite integers are signed 64-bit: a uint64_t (seed, counter, bucket
 * count) above INT64_MAX is stored as its two's-complement bit pattern.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "hist.h"
#include "scenario.h"
#include "stats.h"

#define DB_STR_(x) #x
#define DB_STR(x) DB_STR_(x)

#define DB_BUSY_MS 10000

static const char db_schema[] =
	"CREATE TABLE IF NOT EXISTS runs (\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\tscenario TEXT NOT NULL,\n"
	"\tpath TEXT NOT NULL,\n"
	"\thash TEXT NOT NULL,\n"
	"\tpoint TEXT NOT NULL CHECK (json_valid(point)),\n"
	"\trepetition INTEGER NOT NULL CHECK (repetition >= 0),\n"
	"\tseed INTEGER NOT NULL,\n"
	"\tengine TEXT NOT NULL,\n"
	"\tversion TEXT NOT NULL,\n"
	"\tstarted TEXT NOT NULL,\n"
	"\twall_s REAL NOT NULL,\n"
	"\tevents INTEGER NOT NULL,\n"
	"\tsim_s REAL NOT NULL,\n"
	"\tfingerprint TEXT,\n"
	"\tstatus TEXT NOT NULL\n);\n"
	"CREATE INDEX IF NOT EXISTS runs_scenario"
	" ON runs (scenario, point, repetition);\n"

	"CREATE TABLE IF NOT EXISTS params (\n"
	"\trun_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"\tpath TEXT NOT NULL,\n"
	"\tvalue TEXT NOT NULL,\n"
	"\tPRIMARY KEY (run_id, path)\n) WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS params_path ON params (path, value);\n"

	"CREATE TABLE IF NOT EXISTS scalars (\n"
	"\trun_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"\tcomponent TEXT NOT NULL,\n"
	"\tmetric TEXT NOT NULL,\n"
	"\tunit TEXT NOT NULL,\n"
	"\tvalue REAL,\n"
	"\tPRIMARY KEY (run_id, component, metric)\n) WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS scalars_metric"
	" ON scalars (component, metric);\n"

	"CREATE TABLE IF NOT EXISTS summaries (\n"
	"\trun_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"\tcomponent TEXT NOT NULL,\n"
	"\tmetric TEXT NOT NULL,\n"
	"\tunit TEXT NOT NULL,\n"
	"\tcount INTEGER NOT NULL,\n"
	"\tmean REAL, stddev REAL, min REAL,\n"
	"\tp50 REAL, p90 REAL, p99 REAL, p999 REAL, max REAL,\n"
	"\tPRIMARY KEY (run_id, component, metric)\n) WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS summaries_metric"
	" ON summaries (component, metric);\n"

	"CREATE TABLE IF NOT EXISTS histograms (\n"
	"\trun_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"\tcomponent TEXT NOT NULL,\n"
	"\tmetric TEXT NOT NULL,\n"
	"\tunit TEXT NOT NULL,\n"
	"\tlower INTEGER NOT NULL,\n"
	"\tupper INTEGER NOT NULL,\n"
	"\tcount INTEGER NOT NULL CHECK (count > 0),\n"
	"\tPRIMARY KEY (run_id, component, metric, lower)\n) WITHOUT ROWID;\n"

	"CREATE TABLE IF NOT EXISTS timeseries (\n"
	"\trun_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"\tcomponent TEXT NOT NULL,\n"
	"\tmetric TEXT NOT NULL,\n"
	"\tunit TEXT NOT NULL,\n"
	"\tt_ps INTEGER NOT NULL,\n"
	"\tvalue REAL,\n"
	"\tPRIMARY KEY (run_id, component, metric, t_ps)\n) WITHOUT ROWID;\n"

	"CREATE VIEW IF NOT EXISTS run_params"
	" (run_id, scenario, repetition, path, value) AS"
	"\n\tSELECT p.run_id, r.scenario, r.repetition, p.path, p.value"
	"\n\tFROM params AS p JOIN runs AS r ON r.id = p.run_id;\n"

	"CREATE VIEW IF NOT EXISTS summary_params"
	" (run_id, scenario, point, repetition, seed, status, component,"
	" metric, unit, count, mean, stddev, min, p50, p90, p99, p999, max) AS"
	"\n\tSELECT s.run_id, r.scenario, r.point, r.repetition, r.seed,"
	" r.status, s.component, s.metric, s.unit, s.count, s.mean,"
	" s.stddev, s.min, s.p50, s.p90, s.p99, s.p999, s.max"
	"\n\tFROM summaries AS s JOIN runs AS r ON r.id = s.run_id;\n"

	"CREATE VIEW IF NOT EXISTS summary_by_scenario"
	" (scenario, point, component, metric, unit, n, mean, p50, p99) AS"
	"\n\tSELECT r.scenario, r.point, s.component, s.metric, s.unit,"
	" count(*), avg(s.mean), avg(s.p50), avg(s.p99)"
	"\n\tFROM summaries AS s JOIN runs AS r ON r.id = s.run_id"
	"\n\tWHERE r.status = 'ok' AND s.count > 0"
	"\n\tGROUP BY r.scenario, r.point, s.component, s.metric, s.unit;\n"

	"PRAGMA user_version = " DB_STR(DB_SCHEMA_VERSION) ";";

enum db_stmt_id {
	DB_BEGIN,
	DB_COMMIT,
	DB_ROLLBACK,
	DB_RUN,
	DB_PARAM,
	DB_SCALAR,
	DB_SUMMARY,
	DB_BUCKET,
	DB_POINT,
	DB_NSTMT
};

/* The scalar insert appends ?6 to the metric name: "" for counters and
 * scalars, ".mean", ".min", ".max" for the three rows of a gauge. */
static const char *const db_sql[DB_NSTMT] = {
	[DB_BEGIN] = "BEGIN IMMEDIATE",
	[DB_COMMIT] = "COMMIT",
	[DB_ROLLBACK] = "ROLLBACK",
	[DB_RUN] = "INSERT INTO runs (scenario, path, hash, point, repetition,"
		   " seed, engine, version, started, wall_s, events, sim_s,"
		   " status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
		   " ?11, ?12, ?13)",
	[DB_PARAM] = "INSERT INTO params (run_id, path, value)"
		     " VALUES (?1, ?2, ?3)",
	[DB_SCALAR] = "INSERT INTO scalars (run_id, component, metric, unit,"
		      " value) VALUES (?1, ?2, ?3 || ?6, ?4, ?5)",
	[DB_SUMMARY] = "INSERT INTO summaries (run_id, component, metric,"
		       " unit, count, mean, stddev, min, p50, p90, p99, p999,"
		       " max) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
		       " ?11, ?12, ?13)",
	[DB_BUCKET] = "INSERT INTO histograms (run_id, component, metric,"
		      " unit, lower, upper, count)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[DB_POINT] = "INSERT INTO timeseries (run_id, component, metric, unit,"
		     " t_ps, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
};

struct db {
	sqlite3 *h;
	char *path;
	sqlite3_stmt *stmt[DB_NSTMT];
	/* What db_write_run was writing, for its error message. */
	const char *table;
	const char *component, *metric; /* NULL outside the statistics */
};

/* Formats a one-line message into err (may be NULL) and returns ret. */
static int db_msg(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (!err || !errlen)
		return ret;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (p = err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return ret;
}

static int db_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EILSEQ;
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

/* The message of a failed open-time SQLite call rc, chosen by its errno. */
static int db_open_fail(struct db *db, int rc, char *err, size_t errlen)
{
	const char *why = db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);
	int sys = db->h ? sqlite3_system_errno(db->h) : 0;
	int ret = db_errno(rc);

	switch (ret) {
	case -EACCES:
		return db_msg(
			err, errlen, ret,
			"%s: cannot write DB: %s%s%s%s; check the directory exists and is writable",
			db->path, why, sys ? " (" : "",
			sys ? strerror(sys) : "", sys ? ")" : "");
	case -EILSEQ:
		return db_msg(
			err, errlen, ret,
			"%s: not a usnsim database, or it is corrupt (%s); use a new database file",
			db->path, why);
	case -EBUSY:
		return db_msg(
			err, errlen, ret,
			"%s: DB locked by another process for over %d s (%s); retry when it is done",
			db->path, DB_BUSY_MS / 1000, why);
	default:
		return db_msg(err, errlen, ret, "%s: cannot open DB: %s",
			      db->path, why);
	}
}

/* Runs a query whose first row's first column is an integer. */
static int db_query_int(sqlite3 *h, const char *sql, int64_t *out)
{
	sqlite3_stmt *q;
	int rc;

	rc = sqlite3_prepare_v2(h, sql, -1, &q, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(q, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(q);
	return rc;
}

/* PRAGMA quick_check answers one row "ok", or rows naming the damage. */
static int db_quick_check(struct db *db, char *err, size_t errlen)
{
	const unsigned char *text;
	sqlite3_stmt *q;
	int rc;

	rc = sqlite3_prepare_v2(db->h, "PRAGMA quick_check", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return db_open_fail(db, rc, err, errlen);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(q);
		return db_open_fail(db, rc, err, errlen);
	}
	text = sqlite3_column_text(q, 0);
	if (!text || strcmp((const char *)text, "ok") != 0) {
		db_msg(err, errlen, -EILSEQ,
		       "%s: not a usnsim database, or it is corrupt (integrity check: %s); use a new database file",
		       db->path, text ? (const char *)text : "no answer");
		sqlite3_finalize(q);
		return -EILSEQ;
	}
	sqlite3_finalize(q);
	return 0;
}

/* Reads the file without writing it. Sets *fresh for an empty database. */
static int db_check(struct db *db, int *fresh, char *err, size_t errlen)
{
	int64_t version, tables;
	int rc;

	rc = db_query_int(db->h, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK)
		rc = db_query_int(db->h, "SELECT count(*) FROM sqlite_master",
				  &tables);
	if (rc != SQLITE_OK)
		return db_open_fail(db, rc, err, errlen);
	if (version != 0 && version != DB_SCHEMA_VERSION)
		return db_msg(
			err, errlen, -ENOTSUP,
			"%s: schema version %lld, this usnsim writes version %d; use a new database file",
			db->path, (long long)version, DB_SCHEMA_VERSION);
	if (version == 0 && tables > 0)
		return db_msg(
			err, errlen, -EILSEQ,
			"%s: not a usnsim database (it has tables but no usnsim schema version); use a new database file",
			db->path);
	*fresh = version == 0;
	return db_quick_check(db, err, errlen);
}

/* WAL mode, then the schema in one transaction if the file is new. A
 * concurrent creator is harmless: every statement is IF NOT EXISTS. */
static int db_setup(struct db *db, int fresh, char *err, size_t errlen)
{
	int rc;

	rc = sqlite3_exec(db->h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db->h, "PRAGMA synchronous = NORMAL", NULL,
				  NULL, NULL);
	if (rc == SQLITE_OK && fresh) {
		rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db->h, db_schema, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			db_open_fail(db, rc, err, errlen);
			if (!sqlite3_get_autocommit(db->h))
				sqlite3_exec(db->h, "ROLLBACK", NULL, NULL,
					     NULL);
			return db_errno(rc);
		}
	}
	if (rc != SQLITE_OK)
		return db_open_fail(db, rc, err, errlen);
	return 0;
}

static int db_prepare(struct db *db, char *err, size_t errlen)
{
	int rc;

	for (int i = 0; i < DB_NSTMT; i++) {
		rc = sqlite3_prepare_v3(db->h, db_sql[i], -1,
					SQLITE_PREPARE_PERSISTENT, &db->stmt[i],
					NULL);
		if (rc == SQLITE_ERROR)
			return db_msg(
				err, errlen, -EILSEQ,
				"%s: tables do not match usnsim schema version %d (%s); use a new database file",
				db->path, DB_SCHEMA_VERSION,
				sqlite3_errmsg(db->h));
		if (rc != SQLITE_OK)
			return db_open_fail(db, rc, err, errlen);
	}
	return 0;
}

static int db_connect(struct db *db, char *err, size_t errlen)
{
	int rc;

	rc = sqlite3_open_v2(db->path, &db->h,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK)
		return db_open_fail(db, rc, err, errlen);
	/* SQLite falls back to read-only when the file is not writable. */
	if (sqlite3_db_readonly(db->h, "main") == 1)
		return db_msg(
			err, errlen, -EACCES,
			"%s: cannot write DB: the file is read-only; check the directory exists and is writable",
			db->path);
	sqlite3_busy_timeout(db->h, DB_BUSY_MS);
	rc = sqlite3_exec(db->h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_open_fail(db, rc, err, errlen);
	return 0;
}

int db_open(const char *path, struct db **out, char *err, size_t errlen)
{
	struct db *db;
	int fresh = 0;
	int ret;

	*out = NULL;
	db = calloc(1, sizeof(*db));
	if (db)
		db->path = strdup(path);
	if (!db || !db->path) {
		free(db);
		return db_msg(err, errlen, -ENOMEM, "%s: out of memory", path);
	}
	ret = db_connect(db, err, errlen);
	if (!ret)
		ret = db_check(db, &fresh, err, errlen);
	if (!ret)
		ret = db_setup(db, fresh, err, errlen);
	if (!ret)
		ret = db_prepare(db, err, errlen);
	if (ret) {
		db_close(db);
		return ret;
	}
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (int i = 0; i < DB_NSTMT; i++)
		sqlite3_finalize(db->stmt[i]);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

/* The signed 64-bit integer with the bit pattern of v (no overflow). */
static int64_t db_u64(uint64_t v)
{
	if (v <= INT64_MAX)
		return (int64_t)v;
	return -(int64_t)(UINT64_MAX - v) - 1;
}

/* Binders that do nothing once rc holds an error, so a row's binds read as
 * a flat list. Bound text must outlive the following db_step(). */
static int db_text(sqlite3_stmt *q, int i, const char *v, int rc)
{
	return rc ? rc : sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
}

static int db_int(sqlite3_stmt *q, int i, int64_t v, int rc)
{
	return rc ? rc : sqlite3_bind_int64(q, i, v);
}

static int db_real(sqlite3_stmt *q, int i, double v, int rc)
{
	return rc ? rc : sqlite3_bind_double(q, i, v);
}

/* Executes a bound insert (or transaction statement) and makes it ready for
 * reuse. Returns SQLITE_OK or the error; the message stays on the handle. */
static int db_step(sqlite3_stmt *q, int rc)
{
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int db_put_run(struct db *db, const struct db_run *r, int64_t *id)
{
	sqlite3_stmt *q = db->stmt[DB_RUN];
	int rc;

	db->table = "runs";
	rc = db_text(q, 1, r->scenario, SQLITE_OK);
	rc = db_text(q, 2, r->path, rc);
	rc = db_text(q, 3, r->hash, rc);
	rc = db_text(q, 4, r->point, rc);
	rc = db_int(q, 5, r->repetition, rc);
	rc = db_int(q, 6, db_u64(r->seed), rc);
	rc = db_text(q, 7, r->engine, rc);
	rc = db_text(q, 8, r->version, rc);
	rc = db_text(q, 9, r->started, rc);
	rc = db_real(q, 10, r->wall_s, rc);
	rc = db_int(q, 11, db_u64(r->events), rc);
	rc = db_real(q, 12, r->sim_s, rc);
	rc = db_text(q, 13, r->status, rc);
	rc = db_step(q, rc);
	*id = sqlite3_last_insert_rowid(db->h);
	return rc;
}

static int db_put_params(struct db *db, int64_t id, const struct scn *s)
{
	sqlite3_stmt *q = db->stmt[DB_PARAM];
	size_t n = scn_param_count(s);
	const char *path, *text;
	int rc = SQLITE_OK;

	db->table = "params";
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
		scn_param_at(s, i, &path, &text);
		rc = db_int(q, 1, id, SQLITE_OK);
		rc = db_text(q, 2, path, rc);
		rc = db_text(q, 3, text, rc);
		rc = db_step(q, rc);
	}
	return rc;
}

/* Binds ?1..?4, the columns every statistics table starts with. */
static int db_key(sqlite3_stmt *q, int64_t id, const struct stat_info *si)
{
	int rc;

	rc = db_int(q, 1, id, SQLITE_OK);
	rc = db_text(q, 2, si->component, rc);
	rc = db_text(q, 3, si->metric, rc);
	return db_text(q, 4, si->unit ? si->unit : "", rc);
}

static int db_put_scalar(struct db *db, int64_t id, const struct stat_info *si,
			 const char *suffix, double value)
{
	sqlite3_stmt *q = db->stmt[DB_SCALAR];
	int rc;

	db->table = "scalars";
	rc = db_key(q, id, si);
	rc = db_real(q, 5, value, rc);
	rc = db_text(q, 6, suffix, rc);
	return db_step(q, rc);
}

static int db_put_gauge(struct db *db, int64_t id, const struct stat_info *si)
{
	const struct stat_gauge *g = si->u.gauge;
	int rc;

	rc = db_put_scalar(db, id, si, ".mean", stats_gauge_mean(g));
	if (rc == SQLITE_OK)
		rc = db_put_scalar(db, id, si, ".min", g->min);
	if (rc == SQLITE_OK)
		rc = db_put_scalar(db, id, si, ".max", g->max);
	return rc;
}

static int db_put_buckets(struct db *db, int64_t id, const struct stat_info *si)
{
	const struct hist *h = &si->u.hist->hist;
	sqlite3_stmt *q = db->stmt[DB_BUCKET];
	int64_t lower, upper;
	int rc = SQLITE_OK;

	db->table = "histograms";
	for (size_t i = 0; i < HIST_BUCKETS && rc == SQLITE_OK; i++) {
		if (!h->bucket[i])
			continue;
		hist_bounds(i, &lower, &upper);
		rc = db_key(q, id, si);
		rc = db_int(q, 5, lower, rc);
		rc = db_int(q, 6, upper, rc);
		rc = db_int(q, 7, db_u64(h->bucket[i]), rc);
		rc = db_step(q, rc);
	}
	return rc;
}

static int db_put_hist(struct db *db, int64_t id, const struct stat_info *si)
{
	sqlite3_stmt *q = db->stmt[DB_SUMMARY];
	struct stat_summary s;
	int rc;

	db->table = "summaries";
	hist_summary(&si->u.hist->hist, &s);
	rc = db_key(q, id, si);
	rc = db_int(q, 5, db_u64(s.count), rc);
	rc = db_real(q, 6, s.mean, rc);
	rc = db_real(q, 7, s.stddev, rc);
	rc = db_real(q, 8, s.min, rc);
	rc = db_real(q, 9, s.p50, rc);
	rc = db_real(q, 10, s.p90, rc);
	rc = db_real(q, 11, s.p99, rc);
	rc = db_real(q, 12, s.p999, rc);
	rc = db_real(q, 13, s.max, rc);
	rc = db_step(q, rc);
	return rc == SQLITE_OK ? db_put_buckets(db, id, si) : rc;
}

static int db_put_series(struct db *db, int64_t id, const struct stat_info *si)
{
	const struct stat_series *ts = si->u.series;
	sqlite3_stmt *q = db->stmt[DB_POINT];
	int rc = SQLITE_OK;

	db->table = "timeseries";
	for (size_t i = 0; i < ts->n && rc == SQLITE_OK; i++) {
		rc = db_key(q, id, si);
		rc = db_int(q, 5, ts->t_ps[i], rc);
		rc = db_real(q, 6, ts->value[i], rc);
		rc = db_step(q, rc);
	}
	return rc;
}

static int db_put_stat(struct db *db, int64_t id, const struct stat_info *si)
{
	switch (si->kind) {
	case STAT_COUNTER:
		return db_put_scalar(db, id, si, "", (double)*si->u.counter);
	case STAT_SCALAR:
		return db_put_scalar(db, id, si, "", si->u.scalar);
	case STAT_GAUGE:
		return db_put_gauge(db, id, si);
	case STAT_HIST:
		return db_put_hist(db, id, si);
	case STAT_SERIES:
		return db_put_series(db, id, si);
	}
	return SQLITE_OK;
}

static int db_put_stats(struct db *db, int64_t id, const struct stats *st)
{
	size_t n = stats_count(st);
	struct stat_info si;
	int rc = SQLITE_OK;

	for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
		stats_get(st, i, &si);
		db->component = si.component;
		db->metric = si.metric;
		rc = db_put_stat(db, id, &si);
	}
	if (rc == SQLITE_OK)
		db->component = db->metric = NULL;
	return rc;
}

/* Reports the failed write, then undoes whatever of the run was written. */
static int db_abort(struct db *db, char *err, size_t errlen)
{
	if (db->component || db->metric)
		db_msg(err, errlen, -EIO,
		       "%s: run not written: %s (table %s, statistic %s/%s)",
		       db->path, sqlite3_errmsg(db->h), db->table,
		       db->component ? db->component : "(null)",
		       db->metric ? db->metric : "(null)");
	else
		db_msg(err, errlen, -EIO, "%s: run not written: %s (%s)",
		       db->path, sqlite3_errmsg(db->h), db->table);
	if (!sqlite3_get_autocommit(db->h))
		db_step(db->stmt[DB_ROLLBACK], SQLITE_OK);
	db->component = db->metric = NULL;
	return -EIO;
}

/*
 * s may be NULL for a run without a scenario (no params rows). The caller
 * has called stats_finish(), so gauges are up to date.
 */
int db_write_run(struct db *db, const struct db_run *run, const struct scn *s,
		 const struct stats *st, int64_t *run_id, char *err,
		 size_t errlen)
{
	int64_t id = 0;
	int rc;

	if (!db || !run || !st)
		return db_msg(
			err, errlen, -EINVAL,
			"%s: db_write_run needs a database, a run and its statistics",
			db ? db->path : "DB");
	db->component = db->metric = NULL;
	db->table = "starting the transaction";
	rc = db_step(db->stmt[DB_BEGIN], SQLITE_OK);
	if (rc == SQLITE_OK)
		rc = db_put_run(db, run, &id);
	if (rc == SQLITE_OK && s)
		rc = db_put_params(db, id, s);
	if (rc == SQLITE_OK)
		rc = db_put_stats(db, id, st);
	if (rc == SQLITE_OK) {
		db->table = "commit";
		rc = db_step(db->stmt[DB_COMMIT], SQLITE_OK);
	}
	if (rc != SQLITE_OK)
		return db_abort(db, err, errlen);
	if (run_id)
		*run_id = id;
	return 0;
}
