/*
 * errmsg.c - error messages into a caller's buffer (see errmsg.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errmsg.h"

static int errmsg_v(char *err, size_t errlen, size_t off, const char *fmt,
		    va_list ap)
{
	int len;

	if (!err || !errlen)
		return vsnprintf(NULL, 0, fmt, ap);
	if (off >= errlen)
		off = errlen - 1;
	len = vsnprintf(err + off, errlen - off, fmt, ap);
	return len < 0 ? len : (int)off + len;
}

int errmsg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = errmsg_v(err, errlen, 0, fmt, ap);
	va_end(ap);
	return len;
}

int errmsg_append(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = errmsg_vappend(err, errlen, fmt, ap);
	va_end(ap);
	return len;
}

int errmsg_vappend(char *err, size_t errlen, const char *fmt, va_list ap)
{
	return errmsg_v(err, errlen, err && errlen ? strnlen(err, errlen) : 0,
			fmt, ap);
}

void errmsg_one_line(char *err)
{
	for (char *p = err; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}
