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

#include <stddef.h>
#include <stdint.h>

struct db;
struct scn;
struct stats;

#define DB_SCHEMA_VERSION 1

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
	uint64_t events;    /* events executed */
	double sim_s;	    /* simulated seconds */
	const char *status; /* "ok" */
};

/* Opens (creating if needed) the database at path. Returns 0, or a negative
 * errno with a one-line message in err saying what to do: -EACCES (cannot
 * create or write), -ENOTSUP (another schema version), -EILSEQ (not a
 * database, or corrupt). */
int db_open(const char *path, struct db **out, char *err, size_t errlen);
void db_close(struct db *db); /* NULL is a no-op */

/* Writes one finished run, its effective parameters and its statistics in
 * one transaction; on any failure nothing is written. Returns 0 and the new
 * run id in *run_id (may be NULL), or a negative errno with err filled. */
int db_write_run(struct db *db, const struct db_run *run, const struct scn *s,
		 const struct stats *st, int64_t *run_id, char *err,
		 size_t errlen);

#endif
