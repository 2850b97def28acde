/*
 * outfile.h - where a command may write its output file.
 *
 * A command that writes a file (-o, --data) must never replace something
 * that is not its own kind of output: a results database, a symlink, a
 * FIFO, a device node or a directory. A path that does not exist yet, or a
 * regular file holding the same kind of output (an earlier figure, or an
 * earlier export: text in a file named .csv, .tsv, .json, .txt or .dat),
 * may be written; anything else is refused with one line naming
 * what is there, unless the user says --force (which still never writes
 * through a symlink or over a non-regular file). Writing goes through a
 * temporary file in the same directory, renamed into place, so a command
 * that fails leaves the path as it was.
 */
#ifndef USNSIM_OUTFILE_H
#define USNSIM_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum outfile_kind {
	OUTFILE_TEXT,	/* CSV, TSV, JSON, gnuplot data: text without NULs */
	OUTFILE_FIGURE, /* PDF, PNG, SVG, EPS */
};

/* Returns 0 if path may be written; -EEXIST (a file of another kind, e.g.
 * a SQLite database, without force) or -EPERM (not a regular file) with
 * "PATH: ..." in err; -errno if it cannot be examined. */
int outfile_check(const char *path, enum outfile_kind kind, bool force,
		  char *err, size_t errlen);

/* A file being written: a temporary file next to path. */
struct outfile {
	FILE *f;
	char tmp[4096];
	const char *path;
};

/* Opens the temporary file for path (after outfile_check()): 0 or -errno
 * with "PATH: reason" in err. */
int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen);
/* Closes the temporary file and, if ok, renames it onto the path (else
 * removes it). Returns 0, or -errno with "PATH: reason" in err. */
int outfile_close(struct outfile *o, bool ok, char *err, size_t errlen);

#endif
