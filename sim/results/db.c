/*
 * db.c - the SQLite results database: writing finished runs, finding the
 * runs a study already has, merging databases, intervals across runs.
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
 * A run's key is (hash, point, repetition, version), unique in `runs`: a
 * study skips the keys it finds (db_runs_of) and so resumes where it was
 * stopped. db_import copies runs from another database, attached read-only
 * (a "file:" URI with mode=ro, so the connection accepts URIs; db_open's
 * own path is one too if it starts with "file:"). The source may be in the
 * middle of being written by another process: each run is copied in its
 * own transaction from a consistent snapshot, with INSERT ... SELECT so a
 * study can import thousands of runs, one call per run.
 *
 * db_schema and db_query_indexes below are the reference;
 * docs/reference/database.md explains them to users.
 * Changing a table means raising DB_SCHEMA_VERSION. A database of version
 * DB_SCHEMA_OLDEST up is read as it is, and upgraded in place (in one
 * transaction) when opened for writing: version 2 only added the generated
 * column runs.events_per_s, so a version 1 file gains it; version 3 the
 * view paired, which a version 2 file gains. Any other version
 * is refused. Opening reads the file before writing anything, so a refused
 * file is left byte for byte unchanged.
 *
 * SQLite integers are signed 64-bit: a uint64_t (seed, counter, bucket
 * count) above INT64_MAX is stored as its two's-complement bit pattern.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <sqlite3.h>

#include "errmsg.h"
#include "db.h"
#include "hist.h"
#include "registry.h"
#include "scenario.h"
#include "stats.h"

#define DB_STR_(x) #x
#define DB_STR(x) DB_STR_(x)

#define DB_BUSY_MS 10000
/* The page cache of a connection, and its temporary files: a study's
 * parent copies many runs per transaction into indexes whose pages the
 * runs share, so the cache holds 32 MiB (SQLite's default is 2 MiB), taken
 * only as pages are used; and each INSERT ... SELECT of a run keeps a
 * statement journal, which SQLite writes to a temporary file past 64 KiB
 * (tens of thousands of small writes per study) unless temporary storage
 * is in memory. */
#define DB_CACHE_SQL "PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY"

/* The speed column of runs, added by schema version 2: the upgrade of a
 * version 1 file adds it with the same definition. */
#define DB_RUNS_SPEED                           \
	"events_per_s REAL GENERATED ALWAYS AS" \
	" (CASE WHEN wall_s > 0 THEN events / wall_s END) VIRTUAL"
static const char db_upgrade_1[] =
	"ALTER TABLE runs ADD COLUMN " DB_RUNS_SPEED ";\n"
	"PRAGMA user_version = 2;";

/*
 * The paired view: for two points of a study that differ in the value of
 * one swept parameter (or of several zipped ones that all go from one
 * value a to one value b, param then their paths joined by ','; the
 * other swept parameters equal), the differences b - a of each statistic
 * between the runs of one repetition (which share their random numbers),
 * then their mean and 95% half-width as in summary_ci: the interval of a
 * paired comparison, narrower than the two points' own intervals suggest
 * when the repetitions' noise is common. Every pair is there both ways.
 */
#define DB_PAIRED                                                              \
	" (scenario, hash, param, a, b, point_a, point_b, component, metric,"  \
	" unit, n, mean, mean_ci, p50, p50_ci, p90, p90_ci, p99, p99_ci,"      \
	" p999, p999_ci) AS"                                                   \
	"\n\tWITH pts AS (SELECT DISTINCT scenario, hash, point FROM runs"     \
	" WHERE status = 'ok'),"                                               \
	"\n\tpp AS (SELECT pa.scenario, pa.hash, pa.point AS point_a,"         \
	" pb.point AS point_b,"                                                \
	"\n\t\tgroup_concat(CASE WHEN ka.value IS NOT kb.value THEN ka.key"    \
	" END, ',') AS param,"                                                 \
	"\n\t\tmax(CASE WHEN ka.value IS NOT kb.value THEN ka.value END)"      \
	" AS a,"                                                               \
	"\n\t\tmax(CASE WHEN ka.value IS NOT kb.value THEN kb.value END)"      \
	" AS b,"                                                               \
	"\n\t\tmin(CASE WHEN ka.value IS NOT kb.value THEN ka.value END)"      \
	" AS a0,"                                                              \
	"\n\t\tmin(CASE WHEN ka.value IS NOT kb.value THEN kb.value END)"      \
	" AS b0,"                                                              \
	"\n\t\tsum(ka.value IS NOT kb.value) AS nd, count(*) AS nk"            \
	"\n\t\tFROM pts AS pa JOIN pts AS pb ON pb.hash = pa.hash"             \
	" AND pb.scenario = pa.scenario AND pb.point <> pa.point"              \
	"\n\t\tJOIN json_each(pa.point) AS ka"                                 \
	" JOIN json_each(pb.point) AS kb ON kb.key = ka.key"                   \
	"\n\t\tGROUP BY pa.scenario, pa.hash, pa.point, pb.point"              \
	"\n\t\tHAVING nd >= 1 AND a0 = a AND b0 = b"                           \
	" AND nk = (SELECT count(*) FROM json_each(pa.point))"                 \
	" AND nk = (SELECT count(*) FROM json_each(pb.point))),"               \
	"\n\td AS (SELECT pp.scenario, pp.hash, pp.param, pp.a, pp.b,"         \
	" pp.point_a, pp.point_b, sa.component, sa.metric, sa.unit,"           \
	"\n\t\tsb.mean - sa.mean AS v_mean, sb.p50 - sa.p50 AS v_p50,"         \
	" sb.p90 - sa.p90 AS v_p90, sb.p99 - sa.p99 AS v_p99,"                 \
	" sb.p999 - sa.p999 AS v_p999"                                         \
	"\n\t\tFROM pp JOIN runs AS ra ON ra.hash = pp.hash"                   \
	" AND ra.point = pp.point_a AND ra.status = 'ok'"                      \
	"\n\t\tJOIN runs AS rb ON rb.hash = pp.hash AND rb.point = pp.point_b" \
	" AND rb.repetition = ra.repetition AND rb.version = ra.version"       \
	" AND rb.status = 'ok'"                                                \
	"\n\t\tJOIN summaries AS sa ON sa.run_id = ra.id AND sa.count > 0"     \
	"\n\t\tJOIN summaries AS sb ON sb.run_id = rb.id"                      \
	" AND sb.component = sa.component AND sb.metric = sa.metric"           \
	" AND sb.unit = sa.unit AND sb.count > 0),"                            \
	"\n\tw AS (SELECT d.*, avg(v_mean) OVER x AS a_mean,"                  \
	" avg(v_p50) OVER x AS a_p50, avg(v_p90) OVER x AS a_p90,"             \
	" avg(v_p99) OVER x AS a_p99, avg(v_p999) OVER x AS a_p999"            \
	"\n\t\tFROM d WINDOW x AS (PARTITION BY hash, point_a, point_b,"       \
	" component, metric, unit)),"                                          \
	"\n\tg AS (SELECT scenario, hash, param, a, b, point_a, point_b,"      \
	" component, metric, unit, count(*) AS n,"                             \
	"\n\t\tavg(v_mean) AS mean,"                                           \
	" sum((v_mean - a_mean) * (v_mean - a_mean)) AS s_mean,"               \
	"\n\t\tavg(v_p50) AS p50, sum((v_p50 - a_p50) * (v_p50 - a_p50))"      \
	" AS s_p50,"                                                           \
	"\n\t\tavg(v_p90) AS p90, sum((v_p90 - a_p90) * (v_p90 - a_p90))"      \
	" AS s_p90,"                                                           \
	"\n\t\tavg(v_p99) AS p99, sum((v_p99 - a_p99) * (v_p99 - a_p99))"      \
	" AS s_p99,"                                                           \
	"\n\t\tavg(v_p999) AS p999,"                                           \
	" sum((v_p999 - a_p999) * (v_p999 - a_p999)) AS s_p999"                \
	"\n\t\tFROM w GROUP BY scenario, hash, param, a, b, point_a, point_b," \
	" component, metric, unit),"                                           \
	"\n\tk AS (SELECT g.*, CASE WHEN n > 1 THEN"                           \
	" coalesce(t.t975, 1.959964) / sqrt(n * (n - 1.0)) END AS k"           \
	"\n\t\tFROM g LEFT JOIN t_quantiles AS t ON t.df = g.n - 1)"           \
	"\n\tSELECT scenario, hash, param, a, b, point_a, point_b, component," \
	" metric, unit, n, mean, k * sqrt(s_mean), p50, k * sqrt(s_p50),"      \
	" p90, k * sqrt(s_p90), p99, k * sqrt(s_p99), p999,"                   \
	" k * sqrt(s_p999)"                                                    \
	"\n\tFROM k"

static const char db_upgrade_2[] =
	"CREATE VIEW IF NOT EXISTS paired" DB_PAIRED ";\n"
	"PRAGMA user_version = 3;";

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
	"\tstatus TEXT NOT NULL,\n"
	"\t" DB_RUNS_SPEED "\n);\n"
	"CREATE INDEX IF NOT EXISTS runs_scenario"
	" ON runs (scenario, point, repetition);\n"
	"CREATE UNIQUE INDEX IF NOT EXISTS runs_key"
	" ON runs (hash, point, repetition, version);\n"

	"CREATE TABLE IF NOT EXISTS params (\n"
	"\trun_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"\tpath TEXT NOT NULL,\n"
	"\tvalue TEXT NOT NULL,\n"
	"\tPRIMARY KEY (run_id, path)\n) WITHOUT ROWID;\n"

	"CREATE TABLE IF NOT EXISTS scalars (\n"
	"\trun_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"\tcomponent TEXT NOT NULL,\n"
	"\tmetric TEXT NOT NULL,\n"
	"\tunit TEXT NOT NULL,\n"
	"\tvalue REAL,\n"
	"\tPRIMARY KEY (run_id, component, metric)\n) WITHOUT ROWID;\n"

	"CREATE TABLE IF NOT EXISTS summaries (\n"
	"\trun_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"\tcomponent TEXT NOT NULL,\n"
	"\tmetric TEXT NOT NULL,\n"
	"\tunit TEXT NOT NULL,\n"
	"\tcount INTEGER NOT NULL,\n"
	"\tmean REAL, stddev REAL, min REAL,\n"
	"\tp50 REAL, p90 REAL, p99 REAL, p999 REAL, max REAL,\n"
	"\tPRIMARY KEY (run_id, component, metric)\n) WITHOUT ROWID;\n"

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

	/* Student t quantiles for summary_ci, filled by db_fill_t(). */
	"CREATE TABLE IF NOT EXISTS t_quantiles (\n"
	"\tdf INTEGER PRIMARY KEY,\n"
	"\tt975 REAL NOT NULL\n);\n"

	/*
	 * Half-width of the 95% interval: t * sd / sqrt(n), with sd^2 the sum
	 * of squared deviations from the mean over n - 1, so the factor k is
	 * t / sqrt(n (n - 1)) applied to sqrt(sum of squared deviations).
	 */
	"CREATE VIEW IF NOT EXISTS summary_ci"
	" (scenario, hash, point, component, metric, unit, n, mean, mean_ci,"
	" p50, p50_ci, p90, p90_ci, p99, p99_ci, p999, p999_ci) AS"
	"\n\tWITH d AS (SELECT r.scenario, r.hash, r.point, s.component,"
	" s.metric, s.unit, s.mean, s.p50, s.p90, s.p99, s.p999,"
	"\n\t\tavg(s.mean) OVER w AS a_mean, avg(s.p50) OVER w AS a_p50,"
	" avg(s.p90) OVER w AS a_p90, avg(s.p99) OVER w AS a_p99,"
	" avg(s.p999) OVER w AS a_p999"
	"\n\t\tFROM summaries AS s JOIN runs AS r ON r.id = s.run_id"
	"\n\t\tWHERE r.status = 'ok' AND s.count > 0"
	"\n\t\tWINDOW w AS (PARTITION BY r.scenario, r.hash, r.point,"
	" s.component, s.metric, s.unit)),"
	"\n\tg AS (SELECT scenario, hash, point, component, metric, unit,"
	" count(*) AS n,"
	"\n\t\tavg(mean) AS mean, sum((mean - a_mean) * (mean - a_mean))"
	" AS v_mean,"
	"\n\t\tavg(p50) AS p50, sum((p50 - a_p50) * (p50 - a_p50)) AS v_p50,"
	"\n\t\tavg(p90) AS p90, sum((p90 - a_p90) * (p90 - a_p90)) AS v_p90,"
	"\n\t\tavg(p99) AS p99, sum((p99 - a_p99) * (p99 - a_p99)) AS v_p99,"
	"\n\t\tavg(p999) AS p999,"
	" sum((p999 - a_p999) * (p999 - a_p999)) AS v_p999"
	"\n\t\tFROM d"
	" GROUP BY scenario, hash, point, component, metric, unit),"
	"\n\tk AS (SELECT g.*, CASE WHEN n > 1 THEN"
	" coalesce(t.t975, 1.959964) / sqrt(n * (n - 1.0)) END AS k"
	"\n\t\tFROM g LEFT JOIN t_quantiles AS t ON t.df = g.n - 1)"
	"\n\tSELECT scenario, hash, point, component, metric, unit, n,"
	" mean, k * sqrt(v_mean), p50, k * sqrt(v_p50), p90, k * sqrt(v_p90),"
	" p99, k * sqrt(v_p99), p999, k * sqrt(v_p999)"
	"\n\tFROM k;\n"

	"CREATE VIEW IF NOT EXISTS paired" DB_PAIRED ";\n"

	"PRAGMA user_version = " DB_STR(DB_SCHEMA_VERSION) ";";

/* The indexes that serve queries by parameter value or by metric, made
 * with every new database but a staging file (db_open_staging()): runs
 * are only copied out of one by id, and each run's commit would write a
 * page of params_path per parameter and of the others per metric
 * (docs/dev/benchmarks.md). */
static const char db_query_indexes[] =
	"CREATE INDEX IF NOT EXISTS params_path ON params (path, value);\n"
	"CREATE INDEX IF NOT EXISTS scalars_metric"
	" ON scalars (component, metric);\n"
	"CREATE INDEX IF NOT EXISTS summaries_metric"
	" ON summaries (component, metric);\n";

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
	DB_FIND,
	DB_DELETE,
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
		   " status, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		   " ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
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
	[DB_FIND] = "SELECT id FROM runs WHERE hash = ?1 AND point = ?2"
		    " AND repetition = ?3 AND version = ?4",
	[DB_DELETE] = "DELETE FROM runs WHERE id = ?1",
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
	err[0] = '\0';
	va_start(ap, fmt);
	errmsg_vappend(err, errlen, fmt, ap);
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

/* Reads the file without writing it. Sets *fresh for an empty database,
 * *upgrade for one of an older version that usnsim upgrades. */
static int db_check(struct db *db, int *fresh, int *upgrade, char *err,
		    size_t errlen)
{
	int64_t version, tables;
	int rc;

	rc = db_query_int(db->h, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK)
		rc = db_query_int(db->h, "SELECT count(*) FROM sqlite_master",
				  &tables);
	if (rc != SQLITE_OK)
		return db_open_fail(db, rc, err, errlen);
	if (version != 0 &&
	    (version < DB_SCHEMA_OLDEST || version > DB_SCHEMA_VERSION))
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
	*upgrade = version != 0 && version < DB_SCHEMA_VERSION;
	return db_quick_check(db, err, errlen);
}

/* t_{0.975, df} for df = 1 .. DB_T_MAX; summary_ci uses the normal
 * quantile 1.959964 beyond. */
#define DB_T_MAX 1000

static int db_fill_t(struct db *db)
{
	sqlite3_stmt *q;
	int rc;

	rc = sqlite3_prepare_v2(db->h,
				"INSERT OR IGNORE INTO t_quantiles (df, t975)"
				" VALUES (?1, ?2)",
				-1, &q, NULL);
	for (int df = 1; df <= DB_T_MAX && rc == SQLITE_OK; df++) {
		rc = sqlite3_bind_int(q, 1, df);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_double(q, 2,
						 gsl_cdf_tdist_Pinv(0.975, df));
		if (rc == SQLITE_OK)
			rc = sqlite3_step(q);
		if (rc == SQLITE_DONE)
			rc = sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	return rc;
}

/* Upgrades a file of an older schema version in one transaction, unless a
 * concurrent writer has just done so; the transaction also prepares every
 * statement against the upgraded tables, so a file whose tables are not
 * usnsim's is rolled back untouched. Returns 0 or an errno with err set. */
static int db_prepare(struct db *db, char *err, size_t errlen);

static int db_upgrade(struct db *db, char *err, size_t errlen)
{
	int64_t version;
	int rc, ret = 0;

	rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = db_query_int(db->h, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK && version == 1) {
		rc = sqlite3_exec(db->h, db_upgrade_1, NULL, NULL, NULL);
		if (rc == SQLITE_ERROR)
			ret = db_msg(
				err, errlen, -EILSEQ,
				"%s: tables do not match usnsim schema version 1 (%s); use a new database file",
				db->path, sqlite3_errmsg(db->h));
		version = 2;
	}
	if (rc == SQLITE_OK && !ret && version == 2)
		rc = sqlite3_exec(db->h, db_upgrade_2, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		ret = db_prepare(db, err, errlen);
	if (rc == SQLITE_OK && !ret)
		rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK && !ret)
		ret = db_open_fail(db, rc, err, errlen); /* before ROLLBACK */
	if (ret && !sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

/* The schema in one transaction if the file is new, or the upgrade if it
 * is older; then WAL mode. Nothing is written to a file whose tables are
 * not usnsim's: they are checked first (db_prepare, or inside the
 * upgrade's transaction). A concurrent creator is harmless: every
 * statement is IF NOT EXISTS. */
static int db_setup(struct db *db, int fresh, int upgrade, bool staging,
		    char *err, size_t errlen)
{
	int rc = SQLITE_OK, ret;

	if (!fresh && !upgrade) {
		ret = db_prepare(db, err, errlen);
		if (ret)
			return ret;
	}
	if (fresh) {
		rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db->h, db_schema, NULL, NULL, NULL);
		if (rc == SQLITE_OK && !staging)
			rc = sqlite3_exec(db->h, db_query_indexes, NULL, NULL,
					  NULL);
		if (rc == SQLITE_OK)
			rc = db_fill_t(db);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			ret = db_open_fail(db, rc, err, errlen);
			if (!sqlite3_get_autocommit(db->h))
				sqlite3_exec(db->h, "ROLLBACK", NULL, NULL,
					     NULL);
			return ret;
		}
	}
	if (upgrade) {
		ret = db_upgrade(db, err, errlen);
		if (ret)
			return ret;
	}
	rc = sqlite3_exec(db->h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db->h, "PRAGMA synchronous = NORMAL", NULL,
				  NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db->h, DB_CACHE_SQL, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_open_fail(db, rc, err, errlen);
	return fresh ? db_prepare(db, err, errlen) : 0;
}

static int db_prepare(struct db *db, char *err, size_t errlen)
{
	int rc;

	for (int i = 0; i < DB_NSTMT; i++) {
		if (db->stmt[i]) /* prepared while upgrading */
			continue;
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
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_URI,
			     NULL);
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

/* True (err set) if path exists and is not a regular file: SQLite would
 * wait forever on a FIFO, and a device or directory is no database. */
static bool db_not_a_file(const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (stat(path, &sb) || S_ISREG(sb.st_mode))
		return false;
	db_msg(err, errlen, -EINVAL, "%s: is %s, not a database file", path,
	       S_ISFIFO(sb.st_mode)  ? "a FIFO"
	       : S_ISDIR(sb.st_mode) ? "a directory"
	       : S_ISCHR(sb.st_mode) ? "a character device"
				     : "not a regular file");
	return true;
}

static int db_open_as(const char *path, bool staging, struct db **out,
		      char *err, size_t errlen)
{
	struct db *db;
	int fresh = 0, upgrade = 0;
	int ret;

	*out = NULL;
	/* SQLite takes "", ":memory:" and in-memory URIs as databases that
	 * vanish on close: the runs written there would be lost. */
	if (!*path || !strcmp(path, ":memory:") ||
	    (!strncmp(path, "file:", 5) && strstr(path, "memory")))
		return db_msg(
			err, errlen, -EINVAL,
			"'%s': not a results database file; give a file path such as results.db",
			path);
	if (db_not_a_file(path, err, errlen))
		return -EINVAL;
	db = calloc(1, sizeof(*db));
	if (db)
		db->path = strdup(path);
	if (!db || !db->path) {
		free(db);
		return db_msg(err, errlen, -ENOMEM, "%s: out of memory", path);
	}
	ret = db_connect(db, err, errlen);
	if (!ret)
		ret = db_check(db, &fresh, &upgrade, err, errlen);
	if (!ret)
		ret = db_setup(db, fresh, upgrade, staging, err, errlen);
	if (ret) {
		db_close(db);
		return ret;
	}
	*out = db;
	return 0;
}

int db_open(const char *path, struct db **out, char *err, size_t errlen)
{
	return db_open_as(path, false, out, err, errlen);
}

int db_open_staging(const char *path, struct db **out, char *err, size_t errlen)
{
	return db_open_as(path, true, out, err, errlen);
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

const char *db_paired_sql(void)
{
	return DB_PAIRED;
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
	rc = db_text(q, 14, r->fingerprint, rc);
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
	for (size_t i = h->lo; i < h->lo + h->n && rc == SQLITE_OK; i++) {
		if (!hist_bucket(h, i))
			continue;
		hist_bounds(i, &lower, &upper);
		rc = db_key(q, id, si);
		rc = db_int(q, 5, lower, rc);
		rc = db_int(q, 6, upper, rc);
		rc = db_int(q, 7, db_u64(hist_bucket(h, i)), rc);
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

/* The id of the run with r's key in *id, or 0 if there is none. */
static int db_find_run(struct db *db, const struct db_run *r, int64_t *id)
{
	sqlite3_stmt *q = db->stmt[DB_FIND];
	int rc;

	*id = 0;
	db->table = "runs (looking for the run's key)";
	rc = db_text(q, 1, r->hash, SQLITE_OK);
	rc = db_text(q, 2, r->point, rc);
	rc = db_int(q, 3, r->repetition, rc);
	rc = db_text(q, 4, r->version, rc);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Makes room for run r: refuses if its key is taken and r may not replace
 * that run, else deletes the old run (its rows go with it). */
static int db_clear_key(struct db *db, const struct db_run *r, char *err,
			size_t errlen)
{
	int64_t old;
	int rc;

	rc = db_find_run(db, r, &old);
	if (rc != SQLITE_OK || !old)
		return rc == SQLITE_OK ? 0 : db_abort(db, err, errlen);
	if (!r->replace) {
		db_step(db->stmt[DB_ROLLBACK], SQLITE_OK);
		return db_msg(
			err, errlen, -EEXIST,
			"%s: run not written: run %lld has the same key (hash %s, point %s, repetition %u, version %s)",
			db->path, (long long)old, r->hash, r->point,
			(unsigned)r->repetition, r->version);
	}
	db->table = "runs (deleting the run replaced)";
	rc = db_int(db->stmt[DB_DELETE], 1, old, SQLITE_OK);
	rc = db_step(db->stmt[DB_DELETE], rc);
	return rc == SQLITE_OK ? 0 : db_abort(db, err, errlen);
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
	int rc, ret;

	if (!db || !run || !st)
		return db_msg(
			err, errlen, -EINVAL,
			"%s: db_write_run needs a database, a run and its statistics",
			db ? db->path : "DB");
	db->component = db->metric = NULL;
	db->table = "starting the transaction";
	rc = db_step(db->stmt[DB_BEGIN], SQLITE_OK);
	if (rc != SQLITE_OK)
		return db_abort(db, err, errlen);
	ret = db_clear_key(db, run, err, errlen);
	if (ret)
		return ret;
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

/*
 * Looking up runs.
 */

int db_runs_of(struct db *db, const char *hash, const char *version,
	       int (*fn)(void *ctx, const char *point, uint32_t repetition,
			 double wall_s),
	       void *ctx, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT point, repetition, wall_s FROM runs"
		" WHERE status = 'ok' AND hash = ?1"
		" AND (?2 IS NULL OR version = ?2) ORDER BY id";
	sqlite3_stmt *q = NULL;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(db->h, sql, -1, &q, NULL);
	rc = db_text(q, 1, hash, rc);
	rc = db_text(q, 2, version, rc);
	while (rc == SQLITE_OK && !ret) {
		rc = sqlite3_step(q);
		if (rc != SQLITE_ROW)
			break;
		rc = SQLITE_OK;
		ret = fn(ctx, (const char *)sqlite3_column_text(q, 0),
			 (uint32_t)sqlite3_column_int64(q, 1),
			 sqlite3_column_double(q, 2));
	}
	if (!ret && rc != SQLITE_DONE)
		ret = db_msg(err, errlen, -EIO, "%s: cannot list runs: %s",
			     db->path, sqlite3_errmsg(db->h));
	sqlite3_finalize(q);
	return ret;
}

/*
 * Confidence intervals across runs.
 */

/* The statistics of a summaries row, in the order of its columns. These
 * are the only names ever put into the SQL text of a metric query. */
static const char *const db_stat_cols[] = { "count", "mean", "stddev",
					    "min",   "p50",  "p90",
					    "p99",   "p999", "max" };

/* The column named by what follows the last dot of name, or NULL; *len
 * gets the length of what precedes that dot. */
static const char *db_stat_col(const char *name, size_t *len)
{
	const char *dot = strrchr(name, '.');

	if (!dot)
		return NULL;
	for (size_t i = 0; i < sizeof(db_stat_cols) / sizeof(db_stat_cols[0]);
	     i++) {
		if (!strcmp(dot + 1, db_stat_cols[i])) {
			*len = (size_t)(dot - name);
			return db_stat_cols[i];
		}
	}
	return NULL;
}

/* Running mean and sum of squared deviations (Welford). */
struct db_acc {
	uint32_t n;
	double mean, m2;
};

/* Which runs and which metric db_collect() reads. */
struct db_metric_q {
	const char *hash, *version, *point;
	const char *name; /* "component.metric", len bytes of it */
	size_t len;
};

/* Table, column and extra condition are filled in from constants only. */
static const char db_metric_sql[] =
	"SELECT length(x.component), x.%s FROM %s AS x"
	" JOIN runs AS r ON r.id = x.run_id"
	" WHERE r.status = 'ok' AND r.hash = ?1 AND r.point = ?2"
	" AND (?3 IS NULL OR r.version = ?3)"
	" AND x.component || '.' || x.metric = ?4 AND x.%s IS NOT NULL%s"
	" ORDER BY length(x.component) DESC";

/*
 * Feeds acc with column col of table over the runs and metric of m. Dots
 * inside components and metrics can make one name match two (component,
 * metric) pairs; rows come longest component first and only that pair is
 * used (the component is the name's prefix of that length, so the length
 * identifies the pair).
 */
static int db_collect(struct db *db, const char *table, const char *col,
		      const char *extra, const struct db_metric_q *m,
		      struct db_acc *acc)
{
	sqlite3_stmt *q = NULL;
	int64_t first = -1;
	char sql[512];
	double d, x;
	int rc;

	snprintf(sql, sizeof(sql), db_metric_sql, col, table, col, extra);
	rc = sqlite3_prepare_v2(db->h, sql, -1, &q, NULL);
	rc = db_text(q, 1, m->hash, rc);
	rc = db_text(q, 2, m->point, rc);
	rc = db_text(q, 3, m->version, rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(q, 4, m->name, (int)m->len,
				       SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (first < 0)
			first = sqlite3_column_int64(q, 0);
		if (sqlite3_column_int64(q, 0) != first) {
			rc = SQLITE_DONE;
			break;
		}
		x = sqlite3_column_double(q, 1);
		acc->n++;
		d = x - acc->mean;
		acc->mean += d / acc->n;
		acc->m2 += d * (x - acc->mean);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * A histogram statistic is read from the summaries of histograms with
 * samples (an empty one has placeholder zeros), except count itself; if
 * there is none, the whole name is looked up among the scalars, so a
 * gauge's "queue.mean" is found as well.
 */
int db_metric_ci(struct db *db, const char *hash, const char *version,
		 const char *point, const char *metric, double conf,
		 double *mean, double *half, uint32_t *n, char *err,
		 size_t errlen)
{
	struct db_metric_q m = { hash, version, point, metric, 0 };
	struct db_acc acc = { 0, 0, 0 };
	const char *col;
	int rc = SQLITE_OK;

	if (!(conf > 0 && conf < 1))
		return db_msg(err, errlen, -EINVAL,
			      "%s: confidence level %g is not in (0, 1)",
			      db->path, conf);
	col = db_stat_col(metric, &m.len);
	if (col)
		rc = db_collect(db, "summaries", col,
				strcmp(col, "count") ? " AND x.count > 0" : "",
				&m, &acc);
	m.len = strlen(metric);
	if (rc == SQLITE_OK && !acc.n)
		rc = db_collect(db, "scalars", "value", "", &m, &acc);
	if (rc != SQLITE_OK)
		return db_msg(err, errlen, -EIO,
			      "%s: cannot read metric %s: %s", db->path, metric,
			      sqlite3_errmsg(db->h));
	if (!acc.n)
		return db_msg(
			err, errlen, -ENOENT,
			"%s: no metric %s in the ok runs of hash %s at point %s (a histogram's is component.metric.STAT, STAT one of count mean stddev min p50 p90 p99 p999 max)",
			db->path, metric, hash, point);
	*n = acc.n;
	*mean = acc.mean;
	if (acc.n < 2)
		*half = INFINITY;
	else
		*half = gsl_cdf_tdist_Pinv((1 + conf) / 2, acc.n - 1) *
			sqrt(acc.m2 / (acc.n - 1)) / sqrt(acc.n);
	return 0;
}

/*
 * Importing runs from another database, attached as DB_SRC.
 */

#define DB_SRC "usnsim_src"
#define DB_RUN_COLS                                                       \
	"scenario, path, hash, point, repetition, seed, engine, version," \
	" started, wall_s, events, sim_s, fingerprint, status"

/* For a source run s: db has no run with its key. */
#define DB_KEY_FREE                                     \
	" AND NOT EXISTS (SELECT 1 FROM main.runs AS m" \
	" WHERE m.hash = s.hash AND m.point = s.point"  \
	" AND m.repetition = s.repetition AND m.version = s.version)"

enum db_copy_id {
	DB_COPY_RUN,
	DB_COPY_PARAMS,
	DB_COPY_SCALARS,
	DB_COPY_SUMMARIES,
	DB_COPY_HISTOGRAMS,
	DB_COPY_TIMESERIES,
	DB_NCOPY
};

/* ?1 is the run's id in the source, ?2 its new id. The run is copied only
 * if its key is still free. */
static const char *const db_copy_sql[DB_NCOPY] = {
	[DB_COPY_RUN] =
		"INSERT INTO main.runs (" DB_RUN_COLS ") SELECT " DB_RUN_COLS
		" FROM " DB_SRC ".runs AS s WHERE s.id = ?1" DB_KEY_FREE,
	[DB_COPY_PARAMS] = "INSERT INTO main.params (run_id, path, value)"
			   " SELECT ?2, path, value FROM " DB_SRC ".params"
			   " WHERE run_id = ?1",
	[DB_COPY_SCALARS] =
		"INSERT INTO main.scalars (run_id, component,"
		" metric, unit, value) SELECT ?2, component, metric, unit,"
		" value FROM " DB_SRC ".scalars WHERE run_id = ?1",
	[DB_COPY_SUMMARIES] =
		"INSERT INTO main.summaries (run_id,"
		" component, metric, unit, count, mean, stddev, min, p50, p90,"
		" p99, p999, max) SELECT ?2, component, metric, unit, count,"
		" mean, stddev, min, p50, p90, p99, p999, max"
		" FROM " DB_SRC ".summaries WHERE run_id = ?1",
	[DB_COPY_HISTOGRAMS] =
		"INSERT INTO main.histograms (run_id,"
		" component, metric, unit, lower, upper, count)"
		" SELECT ?2, component, metric, unit, lower, upper, count"
		" FROM " DB_SRC ".histograms WHERE run_id = ?1",
	[DB_COPY_TIMESERIES] =
		"INSERT INTO main.timeseries (run_id,"
		" component, metric, unit, t_ps, value)"
		" SELECT ?2, component, metric, unit, t_ps, value"
		" FROM " DB_SRC ".timeseries WHERE run_id = ?1",
};

/* Source runs whose key db does not hold: all of them, or only run ?1.
 * Two statements, not one with "?1 <= 0 OR s.id = ?1", which no index
 * can serve: a study imports each run by its id as it finishes, from a
 * worker database that grows by one run each time, so the one-run form
 * must be a rowid lookup (then one probe of runs_key) to cost the same at
 * the 10,000th run as at the first. */
static const char db_todo_all_sql[] =
	"SELECT id FROM " DB_SRC ".runs AS s WHERE 1" DB_KEY_FREE
	" ORDER BY s.id";
static const char db_todo_one_sql[] =
	"SELECT id FROM " DB_SRC ".runs AS s WHERE s.id = ?1" DB_KEY_FREE;

/* The first scenario name whose set of hashes differs between the source
 * runs considered and db, with both sets; DB_SRC_RUNS is the source runs
 * considered: all, or run ?1 (two statements, as db_todo_*_sql). */
#define DB_HASH_SQL(DB_SRC_RUNS) \
	"WITH a AS (SELECT DISTINCT scenario, hash FROM " DB_SRC_RUNS "),"
#define DB_HASH_SQL_REST                                            \
	" b AS (SELECT DISTINCT scenario, hash FROM main.runs"      \
	" WHERE scenario IN (SELECT scenario FROM a)),"             \
	" d AS (SELECT scenario FROM (SELECT scenario, hash FROM a" \
	" WHERE scenario IN (SELECT scenario FROM b)"               \
	" EXCEPT SELECT scenario, hash FROM b)"                     \
	" UNION SELECT scenario FROM (SELECT scenario, hash FROM b" \
	" EXCEPT SELECT scenario, hash FROM a))"                    \
	" SELECT scenario,"                                         \
	" (SELECT group_concat(hash, ' ') FROM a"                   \
	" WHERE a.scenario = d.scenario),"                          \
	" (SELECT group_concat(hash, ' ') FROM b"                   \
	" WHERE b.scenario = d.scenario)"                           \
	" FROM d ORDER BY scenario LIMIT 1"
static const char db_hash_all_sql[] =
	DB_HASH_SQL(DB_SRC ".runs") DB_HASH_SQL_REST;
static const char db_hash_one_sql[] =
	DB_HASH_SQL(DB_SRC ".runs WHERE id = ?1") DB_HASH_SQL_REST;

struct db_src {
	struct db *db;
	const char *path;
	sqlite3_stmt *copy[DB_NCOPY];
	int64_t *ids; /* runs to copy */
	size_t n, cap;
};

/* The message of a failed read of the source, chosen by its errno. */
static int db_src_fail(struct db_src *src, int rc, char *err, size_t errlen)
{
	const char *why = sqlite3_errmsg(src->db->h);
	int sys = sqlite3_system_errno(src->db->h);
	int ret = db_errno(rc);

	switch (ret) {
	case -EACCES:
		return db_msg(
			err, errlen, ret,
			"%s: cannot read DB: %s%s%s%s; check the file exists and is readable",
			src->path, why, sys ? " (" : "",
			sys ? strerror(sys) : "", sys ? ")" : "");
	case -EILSEQ:
		return db_msg(
			err, errlen, ret,
			"%s: not a usnsim database, or it is corrupt (%s); nothing imported from it",
			src->path, why);
	case -EBUSY:
		return db_msg(
			err, errlen, ret,
			"%s: DB locked by another process for over %d s (%s); retry when it is done",
			src->path, DB_BUSY_MS / 1000, why);
	default:
		return db_msg(err, errlen, ret, "%s: cannot read DB: %s",
			      src->path, why);
	}
}

/* A "file:" URI for path, in a malloc'd string, with mode (ro, or rw:
 * never created). Percent-escapes every byte but a few safe ones; an
 * absolute path gets an empty authority ("file:///..."), so a path
 * starting with "//" stays a path. */
static char *db_uri(const char *path, const char *mode)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *c;
	char *uri, *p;

	uri = malloc(3 * strlen(path) + sizeof("file://?mode=ro"));
	if (!uri)
		return NULL;
	p = uri + sprintf(uri, "file:%s", path[0] == '/' ? "//" : "");
	for (c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '/' || *c == '.' ||
		    *c == '-' || *c == '_') {
			*p++ = (char)*c;
		} else {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		}
	}
	sprintf(p, "?mode=%s", mode);
	return uri;
}

/* Attaches the source read-only; with rw, read-write if it can, which
 * reads as well and, when the source is a WAL database nobody else has
 * open, removes the -wal and -shm files that opening it made as it
 * detaches (a read-only connection must leave them behind). */
static int db_attach_mode(struct db_src *src, bool rw, char *err, size_t errlen)
{
	char *uri = db_uri(src->path, rw ? "rw" : "ro");
	sqlite3_stmt *q = NULL;
	int rc;

	if (!uri)
		return db_msg(err, errlen, -ENOMEM, "%s: out of memory",
			      src->path);
	rc = sqlite3_prepare_v2(src->db->h, "ATTACH DATABASE ?1 AS " DB_SRC, -1,
				&q, NULL);
	rc = db_text(q, 1, uri, rc);
	rc = db_step(q, rc);
	sqlite3_finalize(q);
	free(uri);
	if (rc != SQLITE_OK && rw)
		return db_attach_mode(src, false, err, errlen);
	return rc == SQLITE_OK ? 0 : db_src_fail(src, rc, err, errlen);
}

/* As db_check, for the source; quick_check only when the whole source is
 * read (a study imports one run at a time from a growing worker database,
 * and SQLite reports damage on the pages it reads anyway). */
static int db_src_check(struct db_src *src, bool full, char *err, size_t errlen)
{
	sqlite3 *h = src->db->h;
	int64_t version, tables;
	sqlite3_stmt *q = NULL;
	const char *text;
	int rc;

	rc = db_query_int(h, "PRAGMA " DB_SRC ".user_version", &version);
	if (rc == SQLITE_OK)
		rc = db_query_int(
			h, "SELECT count(*) FROM " DB_SRC ".sqlite_master",
			&tables);
	if (rc != SQLITE_OK)
		return db_src_fail(src, rc, err, errlen);
	if (version != 0 &&
	    (version < DB_SCHEMA_OLDEST || version > DB_SCHEMA_VERSION))
		return db_msg(
			err, errlen, -ENOTSUP,
			"%s: schema version %lld, this usnsim reads versions %d to %d; import it with the usnsim that wrote it",
			src->path, (long long)version, DB_SCHEMA_OLDEST,
			DB_SCHEMA_VERSION);
	if (version == 0)
		return db_msg(
			err, errlen, -EILSEQ,
			"%s: not a usnsim database (%s); nothing imported from it",
			src->path,
			tables ? "it has tables but no usnsim schema version"
			       : "it is empty");
	if (!full)
		return 0;
	rc = sqlite3_prepare_v2(h, "PRAGMA " DB_SRC ".quick_check", -1, &q,
				NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(q);
		return db_src_fail(src, rc, err, errlen);
	}
	text = (const char *)sqlite3_column_text(q, 0);
	if (!text || strcmp(text, "ok") != 0)
		rc = db_msg(
			err, errlen, -EILSEQ,
			"%s: not a usnsim database, or it is corrupt (integrity check: %s); nothing imported from it",
			src->path, text ? text : "no answer");
	else
		rc = 0;
	sqlite3_finalize(q);
	return rc;
}

static int db_src_hashes(struct db_src *src, int64_t src_id, char *err,
			 size_t errlen)
{
	sqlite3_stmt *q = NULL;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(src->db->h,
				src_id > 0 ? db_hash_one_sql : db_hash_all_sql,
				-1, &q, NULL);
	if (src_id > 0)
		rc = db_int(q, 1, src_id, rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		ret = db_msg(
			err, errlen, -EXDEV,
			"%s: scenario %s has hash %s there but %s in %s: results of different scenario files; nothing imported",
			src->path, (const char *)sqlite3_column_text(q, 0),
			(const char *)sqlite3_column_text(q, 1),
			(const char *)sqlite3_column_text(q, 2), src->db->path);
	else if (rc != SQLITE_DONE)
		ret = db_src_fail(src, rc, err, errlen);
	sqlite3_finalize(q);
	return ret;
}

/* Prepares the copy statements. The copies run without foreign-key
 * checks (turned back on in db_src_close()): every row copied names the
 * run inserted just before it in the same transaction (?2), so the check
 * cannot fail, and it tripled the CPU time of a copy. Set before the
 * statements are prepared, since SQLite compiles the checks into them. */
static int db_src_prepare(struct db_src *src, char *err, size_t errlen)
{
	int rc;

	rc = sqlite3_exec(src->db->h, "PRAGMA foreign_keys = OFF", NULL, NULL,
			  NULL);
	if (rc != SQLITE_OK)
		return db_src_fail(src, rc, err, errlen);
	for (int i = 0; i < DB_NCOPY; i++) {
		rc = sqlite3_prepare_v2(src->db->h, db_copy_sql[i], -1,
					&src->copy[i], NULL);
		if (rc == SQLITE_ERROR)
			return db_msg(
				err, errlen, -EILSEQ,
				"%s: tables do not match usnsim schema version %d (%s); nothing imported from it",
				src->path, DB_SCHEMA_VERSION,
				sqlite3_errmsg(src->db->h));
		if (rc != SQLITE_OK)
			return db_src_fail(src, rc, err, errlen);
	}
	return 0;
}

static int db_src_push(struct db_src *src, int64_t id)
{
	int64_t *ids;

	if (src->n == src->cap) {
		src->cap = src->cap ? 2 * src->cap : 64;
		ids = realloc(src->ids, src->cap * sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		src->ids = ids;
	}
	src->ids[src->n++] = id;
	return 0;
}

/* Lists the runs to copy before copying any: a read statement kept open
 * across the copies' transactions would pin an old snapshot. */
static int db_src_list(struct db_src *src, int64_t src_id, char *err,
		       size_t errlen)
{
	sqlite3_stmt *q = NULL;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(src->db->h,
				src_id > 0 ? db_todo_one_sql : db_todo_all_sql,
				-1, &q, NULL);
	if (src_id > 0)
		rc = db_int(q, 1, src_id, rc);
	while (rc == SQLITE_OK && !ret) {
		rc = sqlite3_step(q);
		if (rc != SQLITE_ROW)
			break;
		rc = SQLITE_OK;
		ret = db_src_push(src, sqlite3_column_int64(q, 0));
	}
	if (ret)
		db_msg(err, errlen, ret, "%s: out of memory", src->path);
	else if (rc != SQLITE_DONE)
		ret = db_src_fail(src, rc, err, errlen);
	sqlite3_finalize(q);
	return ret;
}

/* Copies the rows of run id, in the caller's transaction; adds 1 to
 * *copied unless its key was taken in the meantime (by another process
 * writing db). Returns an SQLite result code. */
static int db_src_copy_rows(struct db_src *src, int64_t id, int *copied)
{
	struct db *db = src->db;
	sqlite3_stmt *q;
	int64_t new_id;
	int rc;

	rc = db_int(src->copy[DB_COPY_RUN], 1, id, SQLITE_OK);
	rc = db_step(src->copy[DB_COPY_RUN], rc);
	if (rc != SQLITE_OK || sqlite3_changes(db->h) <= 0)
		return rc;
	new_id = sqlite3_last_insert_rowid(db->h);
	for (int i = DB_COPY_RUN + 1; i < DB_NCOPY && rc == SQLITE_OK; i++) {
		q = src->copy[i];
		rc = db_int(q, 1, id, SQLITE_OK);
		rc = db_int(q, 2, new_id, rc);
		rc = db_step(q, rc);
	}
	if (rc == SQLITE_OK)
		(*copied)++;
	return rc;
}

/* Copies runs ids[0..n) in one transaction (all or none); adds to
 * *copied the runs whose key was free. */
static int db_src_copy(struct db_src *src, const int64_t *ids, size_t n,
		       int *copied, char *err, size_t errlen)
{
	struct db *db = src->db;
	int rc, ret, k = 0;

	rc = db_step(db->stmt[DB_BEGIN], SQLITE_OK);
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++)
		rc = db_src_copy_rows(src, ids[i], &k);
	if (rc == SQLITE_OK)
		rc = db_step(db->stmt[DB_COMMIT], SQLITE_OK);
	if (rc == SQLITE_OK) {
		*copied += k;
		return 0;
	}
	ret = db_errno(rc);
	if (n == 1)
		db_msg(err, errlen, ret,
		       "%s: run %lld not imported into %s: %s", src->path,
		       (long long)ids[0], db->path, sqlite3_errmsg(db->h));
	else
		db_msg(err, errlen, ret,
		       "%s: runs %lld to %lld not imported into %s: %s",
		       src->path, (long long)ids[0], (long long)ids[n - 1],
		       db->path, sqlite3_errmsg(db->h));
	if (!sqlite3_get_autocommit(db->h))
		db_step(db->stmt[DB_ROLLBACK], SQLITE_OK);
	return ret;
}

static void db_src_close(struct db_src *src)
{
	for (int i = 0; i < DB_NCOPY; i++)
		sqlite3_finalize(src->copy[i]);
	free(src->ids);
	sqlite3_exec(src->db->h, "DETACH DATABASE " DB_SRC, NULL, NULL, NULL);
	sqlite3_exec(src->db->h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
}

/* db_import, the source attached read-write (rw) or read-only. */
static int db_import_mode(struct db *db, const char *src_path, int64_t src_id,
			  bool check_hash, bool rw, char *err, size_t errlen)
{
	struct db_src src = { .db = db, .path = src_path };
	int ret, copied = 0;

	ret = db_attach_mode(&src, rw, err, errlen);
	if (ret)
		return ret;
	ret = db_src_check(&src, src_id <= 0, err, errlen);
	if (!ret && check_hash)
		ret = db_src_hashes(&src, src_id, err, errlen);
	if (!ret)
		ret = db_src_prepare(&src, err, errlen);
	if (!ret)
		ret = db_src_list(&src, src_id, err, errlen);
	for (size_t i = 0; !ret && i < src.n; i++)
		ret = db_src_copy(&src, &src.ids[i], 1, &copied, err, errlen);
	db_src_close(&src);
	return ret ? ret : copied;
}

struct db_source {
	struct db_src src;
	char *path;
};

int db_source_open(struct db *db, const char *src_path, struct db_source **out,
		   char *err, size_t errlen)
{
	struct db_source *s = calloc(1, sizeof(*s));
	int ret;

	*out = NULL;
	if (s)
		s->path = strdup(src_path);
	if (!s || !s->path) {
		free(s);
		return db_msg(err, errlen, -ENOMEM, "%s: out of memory",
			      src_path);
	}
	s->src = (struct db_src){ .db = db, .path = s->path };
	ret = db_attach_mode(&s->src, false, err, errlen);
	if (ret) {
		free(s->path);
		free(s);
		return ret;
	}
	ret = db_src_check(&s->src, false, err, errlen);
	if (!ret)
		ret = db_src_prepare(&s->src, err, errlen);
	if (ret) {
		db_source_close(s);
		return ret;
	}
	*out = s;
	return 0;
}

int db_source_copy(struct db_source *s, const int64_t *ids, size_t n, char *err,
		   size_t errlen)
{
	int copied = 0, ret;

	ret = db_src_copy(&s->src, ids, n, &copied, err, errlen);
	return ret ? ret : copied;
}

void db_source_close(struct db_source *s)
{
	if (!s)
		return;
	db_src_close(&s->src);
	free(s->path);
	free(s);
}

int db_import(struct db *db, const char *src_path, int64_t src_id,
	      bool check_hash, char *err, size_t errlen)
{
	return db_import_mode(db, src_path, src_id, check_hash, false, err,
			      errlen);
}

int db_import_orphan(struct db *db, const char *src_path, char *err,
		     size_t errlen)
{
	return db_import_mode(db, src_path, 0, false, true, err, errlen);
}

/* Whether path + suffix exists; its size in *size. */
static bool db_side_file(const char *path, const char *suffix, off_t *size)
{
	char p[4096];
	struct stat sb;

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	if (stat(p, &sb))
		return false;
	*size = sb.st_size;
	return true;
}

/* Removes the empty -wal and the -shm that reading a damaged WAL-mode
 * file left behind, when they were not there before (nobody else has the
 * file open, or they would have been). */
static void db_side_files_undo(const char *path, bool had_wal)
{
	char p[4096];
	off_t size = 0;

	if (had_wal || !db_side_file(path, "-wal", &size) || size != 0)
		return;
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* Reads src (attached to scratch): a usnsim database whose tables match,
 * intact; with check_hash its (scenario, hash) pairs join temp.seen.
 * Reading changes no file. */
static int db_merge_probe(struct db *scratch, const char *path, bool check_hash,
			  char *err, size_t errlen)
{
	struct db_src src = { .db = scratch, .path = path };
	sqlite3_stmt *q = NULL;
	off_t size;
	bool had_wal = db_side_file(path, "-wal", &size);
	int ret, rc;

	if (db_not_a_file(path, err, errlen))
		return -EINVAL;
	ret = db_attach_mode(&src, true, err, errlen);
	if (ret) {
		db_side_files_undo(path, had_wal);
		return ret;
	}
	ret = db_src_check(&src, true, err, errlen);
	if (!ret)
		ret = db_src_prepare(&src, err, errlen);
	if (!ret && check_hash) {
		rc = sqlite3_prepare_v2(
			scratch->h,
			"INSERT INTO temp.seen SELECT DISTINCT scenario, hash, ?1"
			" FROM " DB_SRC ".runs",
			-1, &q, NULL);
		rc = db_text(q, 1, path, rc);
		rc = db_step(q, rc);
		sqlite3_finalize(q);
		if (rc != SQLITE_OK)
			ret = db_src_fail(&src, rc, err, errlen);
	}
	db_src_close(&src);
	db_side_files_undo(path, had_wal);
	return ret;
}

/* A scenario name with two hashes in temp.seen: -EXDEV with err set. */
static int db_merge_conflict(struct db *scratch, char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	int rc, ret = 0;

	rc = sqlite3_prepare_v2(
		scratch->h,
		"SELECT b.path, a.scenario, b.hash, a.hash, a.path"
		" FROM temp.seen AS a JOIN temp.seen AS b"
		" ON a.scenario = b.scenario AND a.hash <> b.hash"
		" AND a.rowid < b.rowid ORDER BY a.rowid, b.rowid LIMIT 1",
		-1, &q, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		ret = db_msg(
			err, errlen, -EXDEV,
			"%s: scenario %s has hash %s there but %s in %s: results of different scenario files; nothing imported",
			(const char *)sqlite3_column_text(q, 0),
			(const char *)sqlite3_column_text(q, 1),
			(const char *)sqlite3_column_text(q, 2),
			(const char *)sqlite3_column_text(q, 3),
			(const char *)sqlite3_column_text(q, 4));
	else if (rc != SQLITE_DONE)
		ret = db_open_fail(scratch, rc, err, errlen);
	sqlite3_finalize(q);
	return ret;
}

int db_merge_check(const char *out, const char *const *in, size_t n,
		   bool check_hash, char *err, size_t errlen)
{
	struct db scratch = { .path = (char *)"(merge)" };
	struct stat sb;
	int rc, ret = 0;

	rc = sqlite3_open_v2(":memory:", &scratch.h,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_URI,
			     NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(scratch.h, db_schema, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(
			scratch.h,
			"CREATE TEMP TABLE seen (scenario, hash, path)", NULL,
			NULL, NULL);
	if (rc != SQLITE_OK)
		ret = db_open_fail(&scratch, rc, err, errlen);
	/* OUT takes part if it is there and not empty (an empty file is a
	 * new database to db_open). */
	if (!ret && !stat(out, &sb) && sb.st_size > 0)
		ret = db_merge_probe(&scratch, out, check_hash, err, errlen);
	for (size_t i = 0; !ret && i < n; i++)
		ret = db_merge_probe(&scratch, in[i], check_hash, err, errlen);
	if (!ret && check_hash)
		ret = db_merge_conflict(&scratch, err, errlen);
	sqlite3_close(scratch.h);
	return ret;
}
