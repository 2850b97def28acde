/*
 * db.h - the results database (SQLite).
 *
 * One database per study. Each finished run is written in one transaction:
 * its row in `runs`, every effective parameter, and every statistic. A run
 * interrupted before its commit leaves no row at all. WAL mode with a busy
 * timeout lets readers (sqlite3, plotting) work during a study. The schema
 * is versioned with PRAGMA user_version; a database of another version is
 * refused with a message rather than written into.
 *
 * Units in the database are canonical: times in picoseconds, sizes in
 * bytes, rates in bit/s or packets/s; each statistic row names its unit.
 */
#ifndef USNSIM_DB_H
#define USNSIM_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct scn;
struct stats;

#define DB_SCHEMA_VERSION 3
/* The oldest version read, and upgraded when opened for writing. */
#define DB_SCHEMA_OLDEST 1

struct db_run {
	const char *scenario; /* scenario name */
	const char *path;     /* scenario file as given */
	const char *hash;     /* scn_hash() */
	const char *point;    /* sweep point as JSON, "{}" when not swept */
	uint32_t repetition;
	uint64_t seed;
	const char *engine;  /* "native", "ns3" */
	const char *version; /* usnsim version (git describe) */
	const char *started; /* ISO 8601 UTC */
	double wall_s;
	uint64_t events;	 /* events executed */
	double sim_s;		 /* simulated seconds */
	const char *status;	 /* "ok" */
	const char *fingerprint; /* trajectory hash (16 hex digits), or NULL */
	bool replace;		 /* replace a run with the same key */
};

/* A run's key, (hash, point, repetition, version), is unique in `runs`. */

/* Opens (creating if needed) the database at path. Returns 0, or a negative
 * errno with a one-line message in err saying what to do: -EINVAL (an
 * empty path or an in-memory database, where runs would be lost), -EACCES
 * (cannot create or write), -ENOTSUP (another schema version), -EILSEQ (not
 * a database, or corrupt). */
int db_open(const char *path, struct db **out, char *err, size_t errlen);
/* As db_open, for a file that runs are only copied out of (db_source_*(),
 * db_import()), such as a study worker's: made new, it lacks the indexes
 * by parameter value and by metric, which every run's commit would
 * write to. */
int db_open_staging(const char *path, struct db **out, char *err,
		    size_t errlen);
void db_close(struct db *db); /* NULL is a no-op */

/* Writes one finished run, its effective parameters and its statistics in
 * one transaction; on any failure nothing is written. A run with the same
 * key is replaced (in the same transaction) if run->replace, else the call
 * fails with -EEXIST. Returns 0 and the new run id in *run_id (may be
 * NULL), or a negative errno with err filled. */
int db_write_run(struct db *db, const struct db_run *run, const struct scn *s,
		 const struct stats *st, int64_t *run_id, char *err,
		 size_t errlen);

/* Calls fn for every run with status ok and the given hash and version
 * (version NULL: any version), with its point, repetition and wall time.
 * fn returns 0 to go on; point is valid during the call only. Returns 0,
 * fn's non-zero value, or -EIO. */
int db_runs_of(struct db *db, const char *hash, const char *version,
	       int (*fn)(void *ctx, const char *point, uint32_t repetition,
			 double wall_s),
	       void *ctx, char *err, size_t errlen);

/* Copies runs of the database at src_path into db, each in its own
 * transaction, skipping runs whose key db already holds. src_id > 0 copies
 * only that run. Returns the number of runs copied (>= 0), or a negative
 * errno with err filled: -EILSEQ / -ENOTSUP / -EACCES as db_open for the
 * source. With check_hash, refuses (-EXDEV, nothing copied) when a scenario
 * name has a different hash in the source than in db: those are results
 * of different scenario files, which only --force may mix. */
int db_import(struct db *db, const char *src_path, int64_t src_id,
	      bool check_hash, char *err, size_t errlen);
/* A study's import from a worker's database: the database at src_path
 * attached to db and its copy statements prepared once (db_source_open),
 * then any number of db_source_copy calls, each copying runs ids[0..n) in
 * one transaction (all or none), skipping runs whose key db already holds,
 * and returning the number copied or an error as db_import; then
 * db_source_close. A study's parent copies a batch a few runs at a time
 * this way and answers its workers in between. While a source is open, db
 * is used for nothing else. */
struct db_source;
int db_source_open(struct db *db, const char *src_path, struct db_source **out,
		   char *err, size_t errlen);
int db_source_copy(struct db_source *s, const int64_t *ids, size_t n, char *err,
		   size_t errlen);
void db_source_close(struct db_source *s);
/* db_import of every run of a database whose writer is gone (a sweep's
 * worker that died), attached read-write: a WAL file whose writer was
 * killed may need its index recovered, which a read-only connection
 * cannot do (SQLITE_READONLY_RECOVERY: "attempt to write a readonly
 * database"); any read-write connection recovers it, and reading does
 * not change the runs. */
int db_import_orphan(struct db *db, const char *src_path, char *err,
		     size_t errlen);

/* Before `usnsim merge` writes anything: reads out (if it exists and is
 * not empty) and every in[0..n) read-only, each a usnsim database whose
 * tables match, intact, and with check_hash no scenario name with two
 * hashes among them. Returns 0, or an errno as db_import with err set
 * (-EXDEV for two hashes); no file is changed either way. */
int db_merge_check(const char *out, const char *const *in, size_t n,
		   bool check_hash, char *err, size_t errlen);

/* Mean, half-width of the confidence interval at level conf (Student t)
 * and count of a metric over the ok runs of (hash, point) at any version
 * matching `version` (NULL: any). metric is "component.metric.stat" with
 * stat one of count, mean, stddev, min, p50, p90, p99, p999, max for a
 * histogram, or "component.metric" for a scalar or counter. Returns 0,
 * -ENOENT (no such metric in those runs), -EINVAL (conf not in (0, 1)),
 * or -EIO. */
int db_metric_ci(struct db *db, const char *hash, const char *version,
		 const char *point, const char *metric, double conf,
		 double *mean, double *half, uint32_t *n, char *err,
		 size_t errlen);

/* The definition of the view paired after its name, "(columns) AS
 * SELECT ...", for a reader of a version 2 file to create it as a
 * temporary view. */
const char *db_paired_sql(void);

#endif
