/*
 * strbuf.h - growable buffers: a text buffer for building output (figure
 * data, exports) with printf-style appends, where an allocation failure is
 * sticky (later appends do nothing and `oom` tells the caller once at the
 * end); appends into a fixed buffer at an offset; and arrays that double.
 */
#ifndef USNSIM_STRBUF_H
#define USNSIM_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *p; /* NUL-terminated text, or NULL while empty */
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3))) void strbuf_add(struct strbuf *b,
						      const char *fmt, ...);

/* Appends to buf (n bytes) like snprintf at offset off; returns the new
 * offset, which may pass n: the length the whole text would have. */
__attribute__((format(printf, 4, 5))) size_t
strbuf_at(char *buf, size_t n, size_t off, const char *fmt, ...);

/* Appends text s, or v in decimal, to buf (n bytes) at offset off, as
 * strbuf_at(buf, n, off, "%s", s) or "%llu" would, without printf's cost:
 * a large scenario's set-up formats a value and joins a path for each of
 * its hosts' parameters. Returns the new offset, as strbuf_at() does. */
size_t strbuf_put(char *buf, size_t n, size_t off, const char *s);
size_t strbuf_put_u64(char *buf, size_t n, size_t off, uint64_t v);

/* Makes room for element n of the array *arrp (elements of sz bytes, *cap
 * of them allocated), doubling it (from 8) when full. Returns 0, or
 * -ENOMEM with the array as it was. */
int strbuf_grow_array(void *arrp, size_t *cap, size_t n, size_t sz);

#endif
