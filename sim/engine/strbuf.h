/*
 * strbuf.h - a growable text buffer for building output (figure data,
 * exports) with printf-style appends. An allocation failure is sticky:
 * later appends do nothing and `oom` tells the caller once at the end.
 */
#ifndef USNSIM_STRBUF_H
#define USNSIM_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *p; /* NUL-terminated text, or NULL while empty */
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3))) void strbuf_add(struct strbuf *b,
						      const char *fmt, ...);

#endif
