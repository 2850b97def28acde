/*
 * study.h - running a study: every point x repetition of a scenario, on
 * worker processes, into one database, resumable and shardable.
 */
#ifndef USNSIM_STUDY_H
#define USNSIM_STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scn;

struct study_opts {
	const char *file;
	const char *const *sets; /* --set overrides */
	size_t nsets;
	const char *only; /* --only: run the points where it holds; NULL: all */
	const char *db;	  /* results database */
	unsigned jobs;	  /* worker processes; 0: one per online core */
	unsigned shard_k; /* this shard, 1-based; 0: no sharding */
	unsigned shard_n; /* of shard_n shards */
	bool quiet;	  /* no summary line */
	bool progress_tty; /* stderr is a terminal: one line redrawn */
	double progress_s; /* else a line every progress_s seconds on
			      stderr; 0: no progress at all */
	double drop_warn;  /* points whose apps dropped more than this
			      fraction of what they sent are reported */
	/* study_validate only: the scenario already loaded with sets and
	 * checked by run_validate (the caller's), which is not loaded again;
	 * a point whose sweep changes nothing is then not checked again.
	 * NULL: the file is loaded here. */
	const struct scn *base;
};

/* A point whose apps dropped more than study_opts.drop_warn of the
 * packets they sent, over the runs of this invocation. */
struct study_drops {
	char *point; /* its JSON */
	double fraction;
	uint64_t sent, dropped;
};

/* What a study did, for the caller's summary and exit status. */
struct study_report {
	size_t points;
	size_t runs_total;    /* runs this shard is responsible for */
	size_t runs_done;     /* run by this invocation */
	size_t runs_skipped;  /* already complete in the database */
	size_t runs_imported; /* finished by an earlier, killed invocation */
	double wall_s;
	struct study_drops *drops; /* sorted by fraction, largest first */
	size_t ndrops;
};

/* Frees what study_run put in a report. */
void study_report_fini(struct study_report *rep);

/* Runs the study. Returns 0; -EINVAL with "file:line:col: ..." in err for
 * bad input (nothing run); -EINTR if interrupted (runs finished so far are
 * in the database; running it again resumes); -EBUSY if another sweep is
 * writing the same database; -EIO / -ENOMEM with err filled. */
int study_run(const struct study_opts *o, struct study_report *rep, char *err,
	      size_t errlen);

/* Checks a study without running it: its sweep: block and every point's
 * parameters as the sweep would (the scenario of each point loaded and its
 * topology built). Returns 0 with the number of points in *points, or an
 * error as study_run. */
int study_validate(const struct study_opts *o, size_t *points, char *err,
		   size_t errlen);

/* Prints the points of a study (for `usnsim sweep --list`) to stdout.
 * Returns 0 or an error as study_run. */
int study_list(const struct study_opts *o, char *err, size_t errlen);

/* The seed of the sweep point whose JSON is point_json, for a scenario
 * that turns common random numbers off: derived from the scenario's seed
 * and the point, so that points draw independent numbers. Returns true
 * and *seed then; false when common random numbers are on (every point
 * runs with the scenario's own seed). */
bool study_point_seed(const struct scn *base, const char *point_json,
		      uint64_t *seed);

/* Makes the calling process's SIGINT / SIGTERM end a running study
 * cleanly: the first lets in-flight runs finish, the second abandons them.
 */
void study_handle_signals(void);

#endif
