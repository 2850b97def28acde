/*
 * strbuf.c - a growable text buffer (see strbuf.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void strbuf_add(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *p;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL,
			      b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		cap = (b->cap + (size_t)n + 1) * 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

size_t strbuf_at(char *buf, size_t n, size_t off, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(off < n ? buf + off : NULL, off < n ? n - off : 0, fmt,
			ap);
	va_end(ap);
	return off + (len > 0 ? (size_t)len : 0);
}

/* Appends len bytes of s at off: what fits before the last byte of buf,
 * then the terminating NUL, as vsnprintf does. */
static size_t strbuf_put_n(char *buf, size_t n, size_t off, const char *s,
			   size_t len)
{
	if (off < n) {
		size_t fit = n - off - 1 < len ? n - off - 1 : len;

		memcpy(buf + off, s, fit);
		buf[off + fit] = '\0';
	}
	return off + len;
}

size_t strbuf_put(char *buf, size_t n, size_t off, const char *s)
{
	return strbuf_put_n(buf, n, off, s, strlen(s));
}

size_t strbuf_put_u64(char *buf, size_t n, size_t off, uint64_t v)
{
	char d[20];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return strbuf_put_n(buf, n, off, d + i, sizeof(d) - i);
}

int strbuf_grow_array(void *arrp, size_t *cap, size_t n, size_t sz)
{
	void **arr = arrp, *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}
