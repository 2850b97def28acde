/*
 * analysis.h - the commands that read a results database (plot, export,
 * compare), and finding and reading the files under analysis/ (gnuplot
 * templates and SQL queries) that `usnsim plot` and `usnsim export` use.
 *
 * A file is looked up in $USNSIM_ANALYSIS, then ./analysis, then
 * ../analysis next to the executable (a build), then
 * ../share/usnsim/analysis next to it (`make install`), so that a user's
 * edited copy wins and an installed usnsim finds its own.
 */
#ifndef USNSIM_ANALYSIS_H
#define USNSIM_ANALYSIS_H

#include <stddef.h>

/* The commands of this layer. Each takes the command line from the
 * subcommand's name on (argv[0] is "plot"), prints its own --help, and
 * returns the exit status: 0 ok, 1 a metric regressed (compare), 2 bad
 * input or usage. */
int plot_main(int argc, char **argv);	 /* analysis/plot.c */
int export_main(int argc, char **argv);	 /* analysis/export.c */
int compare_main(int argc, char **argv); /* analysis/compare.c */

/* Finds file NAME ("cdf.gp"); returns 0 with its path in buf, or -ENOENT. */
int analysis_find(const char *name, char *buf, size_t n);
/* Reads a whole file, NUL-terminated and malloc'ed; NULL with
 * "PATH: reason" in err on failure. */
char *analysis_slurp(const char *path, char *err, size_t errlen);

struct sqlite3;
/* Opens a results database to read it (never to write: nothing is
 * created, and no statement of these commands writes). Read-write when the
 * file allows it, so that closing it removes the -wal and -shm files a
 * reader of a WAL database makes; read-only otherwise. Callers first
 * refuse what is not a regular file (analysis_not_a_file(): SQLite would
 * wait forever on a FIFO). Returns an SQLite result code; *out is set
 * either way (sqlite3_close() it). */
int analysis_db_open(const char *path, struct sqlite3 **out);
/* -EINVAL with "PATH: is a FIFO, not a database file" (or a directory, a
 * device) in err if path exists and is not a regular file; else 0. */
int analysis_not_a_file(const char *path, char *err, size_t errlen);

/* Opens a results database (analysis_db_open(), with a 10 s busy timeout
 * since a sweep may be writing) and makes the temporary view
 * selected_runs of the runs passing the SQL conditions filter and where
 * (either may be NULL), the runs table being r. Returns 0; -ENOENT (no
 * file), -EILSEQ (not a usnsim results database) or -EINVAL (where does
 * not compile) with "PATH: ..." or "--where '...': ..." in err; -ENOMEM. */
int analysis_open_runs(const char *path, const char *filter, const char *where,
		       struct sqlite3 **out, char *err, size_t errlen);

struct scn;
/* Checks the figures: block of a scenario, if it has one, as `usnsim plot
 * --study` reads it (kinds, outputs, option names): 0, or -EINVAL with
 * "file:line:col: ..." in err; -ENOMEM. */
int analysis_check_figures(const struct scn *s, char *err, size_t errlen);

/* A usage error of `usnsim CMD`, on one line on stderr: "usnsim: CMD:
 * MESSAGE (`usnsim CMD --help` for the options)". Returns 2, the exit
 * status of bad input. */
int analysis_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* What getopt_long (with opterr 0) refused, after it returned '?' or ':':
 * "--name" or "-x", and whether it was unknown or lacked its value. */
int analysis_bad_option(const char *cmd, int c, char **argv);

#endif
