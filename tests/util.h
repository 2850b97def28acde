/*
 * util.h - helpers shared by the test suites.
 */
#ifndef USNSIM_TEST_UTIL_H
#define USNSIM_TEST_UTIL_H

#include <stddef.h>

/* A CUnit assertion whose failure message is formatted like printf, so a
 * table-driven test names the case that failed. */
#define CHECKF(cond, ...) tu_checkf((cond), __FILE__, __LINE__, __VA_ARGS__)

void tu_checkf(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The usnsim binary the tests run: $USNSIM_BIN, or build/usnsim (the
 * sanitizer build sets it to its own binary). */
const char *tu_usnsim(void);

/* The bytes of a file, NUL-terminated (malloc'ed), their number in *len
 * (if len); NULL if it cannot be opened. */
char *tu_slurp(const char *path, size_t *len);

#endif
