/*
 * analysis.h - finding and reading the files under analysis/ (gnuplot
 * templates and SQL queries), shared by `usnsim plot` and `usnsim export`.
 *
 * A file is looked up in $USNSIM_ANALYSIS, then ./analysis, then
 * ../analysis next to the executable, so that a user's edited copy wins
 * and an installed usnsim finds its own.
 */
#ifndef USNSIM_ANALYSIS_H
#define USNSIM_ANALYSIS_H

#include <stddef.h>

/* Finds file NAME ("cdf.gp"); returns 0 with its path in buf, or -ENOENT. */
int analysis_find(const char *name, char *buf, size_t n);
/* Reads a whole file, NUL-terminated and malloc'ed; NULL with
 * "PATH: reason" in err on failure. */
char *analysis_slurp(const char *path, char *err, size_t errlen);

#endif
