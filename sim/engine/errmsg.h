/*
 * errmsg.h - the one way library code writes an error message.
 *
 * Library functions return 0 or -errno and leave one line in a caller's
 * buffer (err, errlen); only main decides the exit status.
 */
#ifndef USNSIM_ERRMSG_H
#define USNSIM_ERRMSG_H

#include <stdarg.h>
#include <stddef.h>

/* printf into err (at most errlen bytes, always terminated); a NULL err or
 * errlen 0 writes nothing. Returns the length the whole message needed,
 * as snprintf does. */
int errmsg(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends to what err already holds (the same contract). */
int errmsg_append(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* errmsg_append() with a va_list, for functions that take a format. */
int errmsg_vappend(char *err, size_t errlen, const char *fmt, va_list ap);
/* Makes err one line: every control character (a newline, a tab, ...)
 * becomes '?', so user text quoted in a message cannot break it. */
void errmsg_one_line(char *err);

#endif
