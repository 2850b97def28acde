/*
 * scenario.c - loading a scenario file into its effective parameters.
 *
 * Loading runs in passes, each stopping at the first error:
 *  1. libyaml's event parser builds a small tree of nodes that keeps each
 *     node's 1-based line and column (anchors and aliases are refused);
 *     the fragments the file's `include:` names are read the same way and
 *     merged beneath its tree, key by key (pass 1b below), so that the
 *     passes after it see one tree whose nodes remember their file;
 *  2. a walk checks every key against the registry (param.h) level by
 *     level, parses every value, and records the explicit values and the
 *     instances of groups ("apps.rpc") in file order;
 *  3. `like: NAME` is resolved per instance: the sibling is resolved first,
 *     then its values are copied where the instance has none of its own;
 *     then the values of a group's '*' entry (hosts: { "*": {...} }, read
 *     by the walk as "hosts.*.PATH", not an instance) are copied to every
 *     instance of the group that has no value yet, so an instance's own
 *     value comes first, then like:'s, then '*''s, then the default;
 *  4. the --set overrides are checked and replace any value; a '*' in
 *     place of an instance name is one override per declared instance of
 *     the group, and an override reaches the instances that inherit the
 *     key through like: (transitively) or got it from '*', unless they
 *     have their own value (from the file or an earlier override), so
 *     that `--set` on a like: source means what the file would;
 *  5. every declared parameter is expanded over the instances of its
 *     groups, taking the explicit value or the default, and the result is
 *     sorted by path.
 * The top-level `sweep:` is not a parameter: the walk only checks it is a
 * mapping, and the file's tree stays with the scenario so that sweep.c can
 * read the block with positions (scn_block).
 *
 * Nothing here knows the names of the parameters: which keys are valid at
 * each level comes from the registry, so a new table with a '*' group, or
 * nested mappings under an instance ("hosts.*.nic.rate"), needs no change.
 *
 * Assumptions: a scenario may be generated, with thousands of instances
 * (10,000 apps) and hundreds of thousands of values, so the values and
 * instances of a load are found by hash, and each instance keeps the
 * values and nested instances under it and the instances that name it in
 * like: (the look-up structures below): every pass is linear in what it
 * reads. Lists that stay short (the registry's keys at one level, the
 * '*' entries, the groups) are searched linearly. Nesting deeper than
 * SCN_DEPTH_MAX is refused, which bounds the recursion over the tree; a
 * like: chain recurses once per link.
 */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "errmsg.h"
#include "expr.h"
#include "registry.h"
#include "scenario.h"
#include "scn_node.h"
#include "strbuf.h"
#include "workload.h"

#define SCN_DEPTH_MAX 64
/* Longest instance name (apps.NAME, hosts.NAME): the paths of its
 * parameters and the names of its statistics stay short. */
#define SCN_NAME_MAX 64
/* Largest scenario file read: a scenario is a few KiB of YAML, so a
 * larger input is the wrong file (or an endless one, such as /dev/zero). */
#define SCN_FILE_MAX (4u << 20)

static const struct {
	const char *key;
	enum scn_kind kind;
	const char *what;
} scn_blocks[] = {
	{ "sweep", SCN_MAP,
	  "a mapping from parameter paths to lists or ranges" },
	{ "expect", SCN_SEQ,
	  "a list of assertions such as 'apps.src.latency.p99 < 50us'" },
	{ "figures", SCN_SEQ,
	  "a list of figures, each a mapping such as {kind: percentile, output: name}" },
};

#define SCN_NBLOCKS (sizeof(scn_blocks) / sizeof(scn_blocks[0]))

/* An explicit value: from the file, a like: copy, or an override. */
struct scn_src {
	char *path;
	const struct param_def *def;
	const struct scn_node *node;
	bool inherited; /* copied from a like: source, not the instance's own */
};

/* Depth-first resolution of like: chains and derived values: not reached
 * yet, being resolved (reached again: a cycle), resolved. */
enum scn_state { SCN_UNVISITED, SCN_BUSY, SCN_DONE };

/* A list of indices (of values or instances) in the order they were
 * added: links in scn_ld.link, each index + 1, 0 for none. */
struct scn_list {
	size_t head, tail;
};

struct scn_inst {
	char *group; /* concrete group path, "apps" */
	char *name;
	const struct scn_node *key;  /* where the instance is declared */
	const struct scn_node *like; /* like: value, or NULL */
	enum scn_state state;
	size_t gnext;		/* next instance of the group, + 1; 0: last */
	struct scn_list vals;	/* values whose path lies under it */
	struct scn_list nested; /* instances whose group lies under it */
	struct scn_list likers; /* instances whose like: names it */
};

/* What a derived value ("= EXPR") keeps; NULL for the others, which are
 * most of a large scenario's values. */
struct scn_derived {
	char *expr;		     /* the text after '=' */
	const struct scn_node *node; /* while loading: where expr is */
	enum scn_state state;	     /* derivation, for cycles */
};

struct scn_param {
	const char *path;     /* in scn.texts, not in its set */
	struct param_val val; /* a PT_SIZE_TABLE's table is the param's */
	char *raw;	      /* backs val.u.s (strings and enums) */
	const char *text;     /* canonical text, in scn.texts */
	int src, line, col;   /* origin; src < 0: the default */
	int inc;	      /* src 0: the file (scn_node.inc) */
	struct scn_derived *d;
};

/* A '*' entry of a group: defaults of every instance, not an instance. */
struct scn_star {
	char *group;
	const struct scn_node *key;
};

struct scn_group {
	char *group;
	size_t n;
	char **names;
};

/* A file read for an include: entry (scn_node.inc K is incl[K - 1]). */
struct scn_incl {
	char *path;    /* as opened: relative to the working directory */
	char *real;    /* canonical, to refuse cycles */
	int from;      /* the including file: 0 the scenario, K incl[K - 1] */
	int line, col; /* the entry in the including file */
};

/* A value a profile sets and its sources: entry (include:). */
struct scn_psrc {
	const struct scn_node *val, *source;
};

/*
 * The canonical texts of the values, each stored once however many
 * parameters have it (most of a large scenario's values are its hosts'
 * identical defaults): an open-addressed set of strings carved from
 * chunks that are freed with the scenario. The parameters' paths are
 * carved from the same chunks (each is unique: not in the set).
 */
struct scn_texts {
	const char **slot;
	size_t cap, n; /* cap: a power of two, 0 before the first text */
	char *chunk;   /* the current chunk: left bytes free at its end */
	size_t left;
	char **chunks;
	size_t nchunks, capchunks;
};

struct scn {
	char *path;
	const char *name;
	char hash[17];
	struct scn_param *p;
	size_t np;
	struct scn_texts texts;
	struct scn_group *g;
	size_t ng;
	struct scn_node *tree; /* the file's YAML tree, for scn_block() */
	struct scn_incl *incl; /* files pulled in by include:, in order */
	size_t nincl, capincl;
};

/* An open-addressed hash table of indices (+ 1; 0: an empty slot) into
 * an array the table does not own; the key of an index is computed from
 * that array, so the table is rebuilt from it when it grows. */
struct scn_slot {
	uint64_t h;
	size_t i;
};

struct scn_index {
	struct scn_slot *slot;
	size_t cap, n; /* cap: a power of two, 0 before the first index */
};

struct scn_link {
	size_t i, next;
};

/* The instances of one group, in file order (through scn_inst.gnext). */
struct scn_grp {
	size_t first, last;
};

/* State of one scn_load(). */
#define SCN_MEMO 256 /* a power of two */

struct scn_ld {
	const char *file;
	char *err;
	size_t errlen;
	struct scn_node **roots; /* the file's tree, then --set trees */
	size_t nroots, caproots;
	struct scn_src *v;
	size_t nv, capv;
	struct scn_inst *inst;
	size_t ninst, capinst;
	struct scn_star *star; /* the file's '*' entries */
	size_t nstar, capstar;
	struct scn *s;
	size_t capp;
	size_t ninherit;      /* overrides 1..ninherit reach like: inheritors */
	struct scn_index vix; /* v by path, until v is sorted */
	struct scn_index iix; /* inst by "GROUP.NAME" */
	struct scn_index gix; /* grp by group */
	struct scn_grp *grp;
	size_t ngrp, capgrp;
	struct scn_link *link; /* the links of every scn_list */
	size_t nlink, caplink;
	struct scn_psrc *psrc; /* include: every profile value's source */
	size_t npsrc, cappsrc;
	char *real; /* the scenario's canonical path, for include: cycles */
	/* the last number parsed for each of a few parameter declarations
	 * (by the declaration's address): hosts made alike (like:) give
	 * each parameter the same text, which is then parsed and formatted
	 * once, not once per host */
	struct scn_memo {
		const struct param_def *def;
		const char *text; /* what was parsed (scn_text_store) */
		struct param_val val;
		const char *canon; /* its canonical text (scn_text_store) */
	} memo[SCN_MEMO];
};

static char *scn_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

#define SCN_TEXT_CHUNK 4096

static uint64_t scn_text_hash(const char *t)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 */

	for (; *t; t++)
		h = (h ^ (unsigned char)*t) * 0x100000001b3ULL;
	return h;
}

/* Bytes for a text of len + 1 bytes, from the current chunk or a new one
 * (a text longer than a chunk gets a chunk of its own). */
static char *scn_text_room(struct scn_texts *x, size_t len)
{
	size_t want = len + 1,
	       size = want > SCN_TEXT_CHUNK ? want : SCN_TEXT_CHUNK;
	char *c;

	if (want <= x->left) {
		c = x->chunk;
		x->chunk += want;
		x->left -= want;
		return c;
	}
	if (strbuf_grow_array(&x->chunks, &x->capchunks, x->nchunks,
			      sizeof(*x->chunks)))
		return NULL;
	c = malloc(size);
	if (!c)
		return NULL;
	x->chunks[x->nchunks++] = c;
	if (size - want >= x->left) { /* keep the chunk with more room */
		x->chunk = c + want;
		x->left = size - want;
	}
	return c;
}

/* Doubles the set (to 64 slots at first); -ENOMEM. */
static int scn_texts_grow(struct scn_texts *x)
{
	size_t cap = x->cap ? x->cap * 2 : 64;
	const char **slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < x->cap; i++) {
		size_t k;

		if (!x->slot[i])
			continue;
		k = (size_t)scn_text_hash(x->slot[i]) & (cap - 1);
		while (slot[k])
			k = (k + 1) & (cap - 1);
		slot[k] = x->slot[i];
	}
	free(x->slot);
	x->slot = slot;
	x->cap = cap;
	return 0;
}

/* The stored copy of text t (stored now if it is new); NULL if out of
 * memory. */
static const char *scn_text_store(struct scn *s, const char *t)
{
	struct scn_texts *x = &s->texts;
	size_t k, len = strlen(t);
	char *c;

	if (2 * (x->n + 1) > x->cap && scn_texts_grow(x))
		return NULL;
	k = (size_t)scn_text_hash(t) & (x->cap - 1);
	for (; x->slot[k]; k = (k + 1) & (x->cap - 1))
		if (!strcmp(x->slot[k], t))
			return x->slot[k];
	c = scn_text_room(x, len);
	if (!c)
		return NULL;
	memcpy(c, t, len + 1);
	x->slot[k] = c;
	x->n++;
	return c;
}

/* Stores the canonical text of p's value in p->text; -ENOMEM. */
static int scn_format_text(struct scn *s, struct scn_param *p)
{
	char small[128], *buf = small;
	int len = param_format(&p->val, NULL, 0);

	if ((size_t)len >= sizeof(small)) {
		buf = malloc((size_t)len + 1);
		if (!buf)
			return -ENOMEM;
	}
	param_format(&p->val, buf, (size_t)len + 1);
	p->text = scn_text_store(s, buf);
	if (buf != small)
		free(buf);
	return p->text ? 0 : -ENOMEM;
}

/* A value that is not a string keeps no copy of what it was parsed
 * from. */
static void scn_drop_raw(struct scn_param *p)
{
	if (p->val.type != PT_STRING && p->val.type != PT_ENUM) {
		free(p->raw);
		p->raw = NULL;
	}
}

static void scn_texts_fini(struct scn_texts *x)
{
	for (size_t i = 0; i < x->nchunks; i++)
		free(x->chunks[i]);
	free(x->chunks);
	free(x->slot);
	memset(x, 0, sizeof(*x));
}

static char *scn_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 2);

	if (!p)
		return NULL;
	if (la) {
		memcpy(p, a, la);
		p[la++] = '.';
	}
	memcpy(p + la, b, lb + 1);
	return p;
}

/* The name of file inc (0: the scenario, K: its K-th included file). */
static const char *scn_file(const struct scn_ld *ld, int inc)
{
	return inc ? ld->s->incl[inc - 1].path : ld->file;
}

/* Formats "FILE:LINE:COL: message" (or "--set:N:COL: ...") into the
 * caller's buffer, on one line; FILE is the included file inc (0: the
 * scenario), followed by the chain of include: entries that reach it.
 * Returns -EINVAL. */
static int scn_vfail_at(struct scn_ld *ld, int inc, int src, int line, int col,
			const char *fmt, va_list ap)
{
	if (!ld->err || !ld->errlen)
		return -EINVAL;
	if (src > 0)
		errmsg(ld->err, ld->errlen, "--set:%d:%d: ", src, col);
	else
		errmsg(ld->err, ld->errlen, "%s:%d:%d: ", scn_file(ld, inc),
		       line, col);
	errmsg_vappend(ld->err, ld->errlen, fmt, ap);
	for (int k = src > 0 ? 0 : inc; k; k = ld->s->incl[k - 1].from) {
		const struct scn_incl *c = &ld->s->incl[k - 1];

		errmsg_append(ld->err, ld->errlen, " (included from %s:%d:%d)",
			      scn_file(ld, c->from), c->line, c->col);
	}
	errmsg_one_line(ld->err);
	return -EINVAL;
}

static int scn_vfail(struct scn_ld *ld, int src, int line, int col,
		     const char *fmt, va_list ap)
{
	return scn_vfail_at(ld, 0, src, line, col, fmt, ap);
}

static int scn_fail(struct scn_ld *ld, int src, int line, int col,
		    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = scn_vfail(ld, src, line, col, fmt, ap);
	va_end(ap);
	return rc;
}

static int scn_failn(struct scn_ld *ld, const struct scn_node *at,
		     const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = scn_vfail_at(ld, at->inc, at->src, at->line, at->col, fmt, ap);
	va_end(ap);
	return rc;
}

static int scn_nomem(struct scn_ld *ld)
{
	if (ld->err && ld->errlen)
		snprintf(ld->err, ld->errlen, "%s: out of memory", ld->file);
	return -ENOMEM;
}

/* An error at byte offset off of a scalar's text (columns as the file
 * writes it: a quoted scalar's quote and doubled quotes count). */
static int scn_fail_in(struct scn_ld *ld, const struct scn_node *at, size_t off,
		       const char *fmt, ...)
{
	const char *t = at->text;
	int col = at->col + (at->quote ? 1 : 0);
	va_list ap;
	int rc;

	for (size_t i = 0; i < off && t[i]; i++) {
		if (((unsigned char)t[i] & 0xc0) != 0x80)
			col++;
		if ((at->quote == '\'' && t[i] == '\'') ||
		    (at->quote == '"' && (t[i] == '"' || t[i] == '\\')))
			col++;
	}
	va_start(ap, fmt);
	rc = scn_vfail_at(ld, at->inc, at->src, at->line, col, fmt, ap);
	va_end(ap);
	return rc;
}

/* The offset of the expression in a derived value ("= 2 * x": after the
 * '='), or -1 if text is a plain value. */
static long scn_expr_at(const char *text)
{
	size_t i = 0;

	while (text[i] == ' ' || text[i] == '\t')
		i++;
	return text[i] == '=' && text[i + 1] != '=' ? (long)i + 1 : -1;
}

/* User text for a message: one line, at most SCN_QUOTE_MAX characters. */
const char *scn_text_quote(const char *text, char *buf, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; text[i] && o + 4 < n; i++) {
		if (i == SCN_QUOTE_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		buf[o++] = text[i];
	}
	buf[o] = '\0';
	return buf;
}

/* "'10Gbps'", "a mapping" or "a list", for "found ..." in messages. */
const char *scn_node_found(const struct scn_node *nd, char *buf, size_t n)
{
	char q[SCN_QUOTE_MAX + 8];

	if (nd->kind == SCN_MAP)
		return "a mapping";
	if (nd->kind == SCN_SEQ)
		return "a list";
	if (nd->null)
		return "nothing";
	snprintf(buf, n, "'%s'", scn_text_quote(nd->text, q, sizeof(q)));
	return buf;
}

/* Singular of a group's last segment, for messages: "apps" -> "app". */
static void scn_singular(const char *group, char *buf, size_t n)
{
	const char *last = strrchr(group, '.');
	size_t len;

	last = last ? last + 1 : group;
	len = strlen(last);
	if (len > 1 && last[len - 1] == 's')
		len--;
	snprintf(buf, n, "%.*s", (int)len, last);
}

static void scn_node_free(struct scn_node *nd)
{
	if (!nd)
		return;
	for (size_t i = 0; i < nd->n; i++)
		scn_node_free(nd->kid[i]);
	free(nd->kid);
	free(nd->text);
	free(nd);
}

static int scn_add_root(struct scn_ld *ld, struct scn_node *root)
{
	if (strbuf_grow_array(&ld->roots, &ld->caproots, ld->nroots,
			      sizeof(*ld->roots))) {
		scn_node_free(root);
		return scn_nomem(ld);
	}
	ld->roots[ld->nroots++] = root;
	return 0;
}

/*
 * Pass 1: YAML text to a tree of nodes.
 */

struct scn_build {
	struct scn_ld *ld;
	const char *buf;
	size_t len;
	int src;  /* 0: the file; N: the N-th --set */
	int inc;  /* src 0: the scenario (0) or its inc-th included file */
	int col0; /* --set: column of the value in the override */
	struct scn_node *root;
	struct scn_node *stack[SCN_DEPTH_MAX];
	int depth;
};

static void scn_mark(const struct scn_build *b, yaml_mark_t m, int *line,
		     int *col)
{
	*line = b->src ? b->src : (int)m.line + 1;
	*col = b->src ? b->col0 + (int)m.column : (int)m.column + 1;
}

static int scn_fail_mark(const struct scn_build *b, yaml_mark_t m,
			 const char *fmt, ...)
{
	va_list ap;
	int line, col, rc;

	scn_mark(b, m, &line, &col);
	va_start(ap, fmt);
	rc = scn_vfail_at(b->ld, b->inc, b->src, line, col, fmt, ap);
	va_end(ap);
	return rc;
}

/* The byte at 0-based line and column (in characters) of the text. */
static int scn_char_at(const struct scn_build *b, size_t line, size_t col)
{
	size_t i = 0;

	for (; i < b->len && line; i++)
		line -= b->buf[i] == '\n';
	for (; i < b->len; i++) {
		if (((unsigned char)b->buf[i] & 0xc0) == 0x80)
			continue;
		if (!col--)
			return (unsigned char)b->buf[i];
	}
	return -1;
}

/* Position of a byte offset, for reader (encoding) errors. */
static yaml_mark_t scn_offset_mark(const struct scn_build *b, size_t off)
{
	yaml_mark_t m = { 0, 0, 0 };

	for (size_t i = 0; i < off && i < b->len; i++) {
		if (b->buf[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)b->buf[i] & 0xc0) != 0x80) {
			m.column++;
		}
	}
	return m;
}

static int scn_syntax_error(struct scn_build *b, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "unreadable text";
	int line, col;

	if (p->error == YAML_MEMORY_ERROR)
		return scn_nomem(b->ld);
	if (p->error == YAML_READER_ERROR)
		return scn_fail_mark(b, scn_offset_mark(b, p->problem_offset),
				     "invalid YAML: %s", problem);
	if (scn_char_at(b, p->problem_mark.line, p->problem_mark.column) ==
	    '\t')
		return scn_fail_mark(
			b, p->problem_mark,
			"invalid YAML: a tab character; indent with spaces");
	if (p->context) {
		scn_mark(b, p->context_mark, &line, &col);
		if (b->src)
			return scn_fail_mark(
				b, p->problem_mark,
				"invalid YAML: %s (%s at column %d)", problem,
				p->context, col);
		return scn_fail_mark(b, p->problem_mark,
				     "invalid YAML: %s (%s at line %d)",
				     problem, p->context, line);
	}
	return scn_fail_mark(b, p->problem_mark, "invalid YAML: %s", problem);
}

static bool scn_is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/* Adds a node for a scalar or collection start event. */
static int scn_build_node(struct scn_build *b, const yaml_event_t *ev)
{
	struct scn_node *nd, *parent;

	/* "\0" in a double-quoted scalar: C strings would end there and
	 * silently drop the rest of the value. */
	if (ev->type == YAML_SCALAR_EVENT &&
	    memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
		return scn_fail_mark(b, ev->start_mark, "%s",
				     "a value may not contain a NUL character "
				     "(\\0)");
	if (b->depth == SCN_DEPTH_MAX)
		return scn_fail_mark(b, ev->start_mark,
				     "nesting deeper than %d levels",
				     SCN_DEPTH_MAX);
	nd = calloc(1, sizeof(*nd));
	if (!nd)
		return scn_nomem(b->ld);
	nd->src = b->src;
	nd->inc = b->inc;
	scn_mark(b, ev->start_mark, &nd->line, &nd->col);
	if (ev->type == YAML_SCALAR_EVENT) {
		nd->kind = SCN_SCALAR;
		nd->null = scn_is_null(ev);
		if (ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE)
			nd->quote = '\'';
		else if (ev->data.scalar.style ==
			 YAML_DOUBLE_QUOTED_SCALAR_STYLE)
			nd->quote = '"';
		nd->text =
			nd->null ? scn_strndup("", 0)
				 : scn_strndup(
					   (const char *)ev->data.scalar.value,
					   ev->data.scalar.length);
		if (!nd->text) {
			free(nd);
			return scn_nomem(b->ld);
		}
	} else {
		nd->kind = ev->type == YAML_MAPPING_START_EVENT ? SCN_MAP
								: SCN_SEQ;
	}
	if (!b->depth) {
		b->root = nd;
	} else {
		parent = b->stack[b->depth - 1];
		if (strbuf_grow_array(&parent->kid, &parent->cap, parent->n,
				      sizeof(*parent->kid))) {
			scn_node_free(nd);
			return scn_nomem(b->ld);
		}
		parent->kid[parent->n++] = nd;
	}
	if (nd->kind != SCN_SCALAR)
		b->stack[b->depth++] = nd;
	return 0;
}

static int scn_build_event(struct scn_build *b, const yaml_event_t *ev,
			   int *docs)
{
	const yaml_char_t *anchor = NULL;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1)
			return scn_fail_mark(
				b, ev->start_mark,
				"a second YAML document; a scenario is one document");
		return 0;
	case YAML_ALIAS_EVENT:
		return scn_fail_mark(
			b, ev->start_mark,
			"YAML aliases are not supported; repeat the value or use 'like:'");
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->depth--;
		return 0;
	default:
		return 0;
	}
	if (anchor)
		return scn_fail_mark(
			b, ev->start_mark,
			"YAML anchors are not supported; repeat the value or use 'like:'");
	return scn_build_node(b, ev);
}

/* Parses buf into *root (NULL for a stream without a document). */
static int scn_build(struct scn_ld *ld, const char *buf, size_t len, int src,
		     int inc, int col0, struct scn_node **root)
{
	struct scn_build b = { .ld = ld,
			       .buf = buf,
			       .len = len,
			       .src = src,
			       .inc = inc,
			       .col0 = col0 };
	yaml_parser_t p;
	yaml_event_t ev;
	int rc = 0, docs = 0;
	bool done = false;

	*root = NULL;
	if (!yaml_parser_initialize(&p))
		return scn_nomem(ld);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!rc && !done) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = scn_syntax_error(&b, &p);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = scn_build_event(&b, &ev, &docs);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc) {
		scn_node_free(b.root);
		return rc;
	}
	if (b.root)
		rc = scn_add_root(ld, b.root);
	if (!rc)
		*root = b.root;
	return rc;
}

/*
 * Pass 1b: include: fragments merged beneath the file's tree.
 *
 * `include: NAME` or `include: [A, B]` at the top of a scenario (or of a
 * fragment) names files whose trees are merged beneath the including one
 * before the walk, so that everything after this pass (like:, '*',
 * --set, sweeps, the stored parameters) sees one tree: a key the
 * including mapping lacks is moved in (the included keys first, in
 * include order), a key both have with a mapping on each side is merged
 * the same way one level down, and otherwise the including file's value
 * stays. Includes merge last to first, so a later one overrides an
 * earlier one. An entry with a '/' or ending in ".yaml" is a path
 * relative to the including file; a bare name is a bundled profile
 * (scn_profile_path). A fragment may not set what belongs to a study
 * (name, sweep, expect, figures); its `profile:` block (about:, sources:)
 * is checked and dropped: every value the fragment itself sets needs a
 * sources: entry (its dotted path as written, '*' for "*"), and every
 * entry a value. Nodes keep the number of their file (scn_node.inc), so
 * that messages name the included file and the chain of entries.
 */
#define SCN_INCLUDE_MAX 64

static int scn_read(const char *path, char **buf, size_t *len, char *err,
		    size_t errlen);
static int scn_includes(struct scn_ld *ld, struct scn_node *root, int self);

/* The index of the pair whose key is key in mapping m, or -1. */
static long scn_map_find(const struct scn_node *m, const char *key)
{
	for (size_t i = 0; i + 1 < m->n; i += 2)
		if (m->kid[i]->kind == SCN_SCALAR &&
		    !strcmp(m->kid[i]->text, key))
			return (long)i;
	return -1;
}

/* Takes pair i out of mapping m; its nodes live on with the load's roots. */
static int scn_map_detach(struct scn_ld *ld, struct scn_node *m, size_t i)
{
	struct scn_node *k = m->kid[i], *v = m->kid[i + 1];
	int rc;

	memmove(&m->kid[i], &m->kid[i + 2], (m->n - i - 2) * sizeof(*m->kid));
	m->n -= 2;
	rc = scn_add_root(ld, k);
	if (rc) {
		scn_node_free(v);
		return rc;
	}
	return scn_add_root(ld, v);
}

/* Merges mapping src beneath mapping dst, moving src's nodes (their
 * slots in src become NULL). The nested merges run first, so that a
 * failure (memory only) leaves both trees whole. */
static int scn_merge(struct scn_ld *ld, struct scn_node *dst,
		     struct scn_node *src)
{
	struct scn_node **kid, *t;
	size_t n = 0, cap;
	long j;
	int rc;

	for (size_t i = 0; i + 1 < src->n; i += 2) {
		j = src->kid[i]->kind == SCN_SCALAR
			    ? scn_map_find(dst, src->kid[i]->text)
			    : -1;
		if (j < 0)
			continue;
		if (dst->kid[j + 1]->null) {
			/* `key:` with nothing: the included value */
			t = dst->kid[j + 1];
			dst->kid[j + 1] = src->kid[i + 1];
			src->kid[i + 1] = t;
		} else if (dst->kid[j + 1]->kind == SCN_MAP &&
			   src->kid[i + 1]->kind == SCN_MAP) {
			rc = scn_merge(ld, dst->kid[j + 1], src->kid[i + 1]);
			if (rc)
				return rc;
		}
	}
	cap = src->n + dst->n + 1;
	kid = malloc(cap * sizeof(*kid));
	if (!kid)
		return scn_nomem(ld);
	for (size_t i = 0; i + 1 < src->n; i += 2) {
		if (src->kid[i]->kind == SCN_SCALAR &&
		    scn_map_find(dst, src->kid[i]->text) >= 0)
			continue;
		kid[n++] = src->kid[i];
		kid[n++] = src->kid[i + 1];
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < src->n; k++)
			if (src->kid[k] == kid[i])
				src->kid[k] = NULL;
	memcpy(kid + n, dst->kid, dst->n * sizeof(*kid));
	free(dst->kid);
	dst->kid = kid;
	dst->n += n;
	dst->cap = cap;
	return 0;
}

/* Records the sources: entry of every value under mapping m (at prefix)
 * that a profile sets; fails at a value without one. */
static int scn_profile_leaves(struct scn_ld *ld, const struct scn_node *m,
			      const char *prefix, const struct scn_node *srcs)
{
	int rc = 0;

	for (size_t i = 0; !rc && i + 1 < m->n; i += 2) {
		const struct scn_node *key = m->kid[i], *val = m->kid[i + 1];
		char *path;
		long j;

		if (key->kind != SCN_SCALAR || !strcmp(key->text, "like") ||
		    (!*prefix && (!strcmp(key->text, "profile") ||
				  !strcmp(key->text, "include"))))
			continue; /* the walk reports a bad key */
		path = scn_join(prefix, key->text);
		if (!path)
			return scn_nomem(ld);
		j = scn_map_find(srcs, path);
		if (val->kind == SCN_MAP)
			rc = scn_profile_leaves(ld, val, path, srcs);
		else if (j < 0)
			rc = scn_failn(
				ld, val,
				"%s: a profile cites the source of every value it sets; add \"%s\" to profile.sources",
				path, path);
		else if (strbuf_grow_array(&ld->psrc, &ld->cappsrc, ld->npsrc,
					   sizeof(*ld->psrc)))
			rc = scn_nomem(ld);
		else
			ld->psrc[ld->npsrc++] =
				(struct scn_psrc){ .val = val,
						   .source = srcs->kid[j + 1] };
		free(path);
	}
	return rc;
}

/* The profile: block of a fragment: about: and sources:, checked. */
static int scn_profile_block(struct scn_ld *ld, const struct scn_node *key,
			     const struct scn_node *prof,
			     const struct scn_node **srcs)
{
	const struct scn_node *about = NULL;
	char f[64];

	*srcs = NULL;
	if (prof->kind != SCN_MAP)
		return scn_failn(
			ld, prof,
			"profile: expected a mapping with about: and sources:, found %s",
			scn_node_found(prof, f, sizeof(f)));
	for (size_t i = 0; i + 1 < prof->n; i += 2) {
		const struct scn_node *k = prof->kid[i], *v = prof->kid[i + 1];

		if (k->kind == SCN_SCALAR && !strcmp(k->text, "about"))
			about = v;
		else if (k->kind == SCN_SCALAR && !strcmp(k->text, "sources"))
			*srcs = v;
		else
			return scn_failn(
				ld, k,
				"unknown key '%s' in profile; valid keys: about, sources",
				scn_node_found(k, f, sizeof(f)));
	}
	if (!about || about->kind != SCN_SCALAR || !*about->text)
		return scn_failn(
			ld, about ? about : key,
			"profile.about: expected one paragraph on the platform or data path whose costs the profile describes");
	if (!*srcs || (*srcs)->kind != SCN_MAP)
		return scn_failn(
			ld, *srcs ? *srcs : key,
			"profile.sources: expected a mapping from each value's path to its published source");
	for (size_t i = 0; i + 1 < (*srcs)->n; i += 2) {
		const struct scn_node *v = (*srcs)->kid[i + 1];

		if (v->kind != SCN_SCALAR || !*v->text)
			return scn_failn(
				ld, v,
				"profile.sources.%s: expected the source as text (author, title, venue year, section), found %s",
				(*srcs)->kid[i]->text,
				scn_node_found(v, f, sizeof(f)));
	}
	return 0;
}

/* Refuses what a fragment may not hold and checks (then drops) its
 * profile: block. */
static int scn_fragment(struct scn_ld *ld, struct scn_node *root)
{
	static const char *const study[] = { "name", "sweep", "expect",
					     "figures" };
	const struct scn_node *srcs;
	size_t first = ld->npsrc;
	long j;
	int rc;

	for (size_t i = 0; i + 1 < root->n; i += 2)
		for (size_t b = 0; b < 4; b++)
			if (root->kid[i]->kind == SCN_SCALAR &&
			    !strcmp(root->kid[i]->text, study[b]))
				return scn_failn(
					ld, root->kid[i],
					"%s: belongs to the study, not to an included fragment",
					study[b]);
	j = scn_map_find(root, "profile");
	if (j < 0)
		return 0;
	rc = scn_profile_block(ld, root->kid[j], root->kid[j + 1], &srcs);
	if (!rc)
		rc = scn_profile_leaves(ld, root, "", srcs);
	for (size_t i = 0; !rc && i + 1 < srcs->n; i += 2) {
		bool used = false;

		for (size_t k = first; k < ld->npsrc; k++)
			used |= ld->psrc[k].source == srcs->kid[i + 1];
		if (!used)
			rc = scn_failn(
				ld, srcs->kid[i],
				"profile.sources: '%s' is not a value this fragment sets",
				srcs->kid[i]->text);
	}
	return rc ? rc : scn_map_detach(ld, root, (size_t)j);
}

static bool scn_is_file_ref(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n >= 5 && !strcmp(s + n - 5, ".yaml"));
}

static bool scn_is_profile_name(const char *s)
{
	if (!*s || *s == '.' || *s == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

/* True if dir/NAME.yaml is readable; its path is left in buf. */
static bool scn_try_profile(const char *dir, const char *name, char *buf,
			    size_t n)
{
	int len = snprintf(buf, n, "%s/%s.yaml", dir, name);

	return len > 0 && (size_t)len < n && access(buf, R_OK) == 0;
}

/* The k-th directory bundled profiles are looked for in, into buf:
 * $USNSIM_PROFILES, scenarios/profiles, then beside the binary (the
 * build's ../scenarios/profiles, or PREFIX/share/usnsim/profiles as
 * installed). Returns false past the last. */
static bool scn_profile_dir(int k, char *buf, size_t n)
{
	static const char *const rel[] = { "/../scenarios/profiles",
					   "/../share/usnsim/profiles" };
	const char *env = getenv("USNSIM_PROFILES");
	char exe[PATH_MAX];
	ssize_t len;
	char *slash;

	if (k == 0) {
		snprintf(buf, n, "%s",
			 env && *env ? env : "scenarios/profiles");
		return true;
	}
	if (k == 1) {
		snprintf(buf, n, "scenarios/profiles");
		return true;
	}
	if (k > 3)
		return false;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 32);
	if (len <= 0)
		return false;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return false;
	strcpy(slash, rel[k - 2]);
	snprintf(buf, n, "%s", exe);
	return true;
}

int scn_profile_path(const char *name, char *buf, size_t n)
{
	char dir[PATH_MAX];

	if (!scn_is_profile_name(name))
		return -EINVAL;
	for (int k = 0; scn_profile_dir(k, dir, sizeof(dir)); k++)
		if (scn_try_profile(dir, name, buf, n))
			return 0;
	return -ENOENT;
}

/* The bundled profiles' names, sorted, into buf ("" if none is found). */
static const char *scn_profile_names(char *buf, size_t n)
{
	char dir[PATH_MAX];
	glob_t g;
	size_t off = 0;

	buf[0] = '\0';
	for (int k = 0; scn_profile_dir(k, dir, sizeof(dir)); k++) {
		if (strlen(dir) + 8 > sizeof(dir))
			continue;
		strcat(dir, "/*.yaml");
		if (glob(dir, 0, NULL, &g))
			continue;
		for (size_t i = 0; i < g.gl_pathc && off < n; i++) {
			const char *b = strrchr(g.gl_pathv[i], '/') + 1;

			off += (size_t)snprintf(buf + off, n - off, "%s%.*s",
						i ? ", " : "",
						(int)(strlen(b) - 5), b);
		}
		globfree(&g);
		break;
	}
	return buf;
}

/* The file an include: entry names, into buf. */
static int scn_include_path(struct scn_ld *ld, const struct scn_node *at,
			    int from, char *buf, size_t n)
{
	const char *name = at->text, *inc = scn_file(ld, from);
	const char *slash = strrchr(inc, '/');
	char q[256];
	int len;

	if (scn_is_file_ref(name)) {
		len = name[0] == '/' || !slash
			      ? snprintf(buf, n, "%s", name)
			      : snprintf(buf, n, "%.*s%s",
					 (int)(slash - inc + 1), inc, name);
		if (len > 0 && (size_t)len < n)
			return 0;
		return scn_failn(ld, at, "include: the path is too long");
	}
	if (!scn_is_profile_name(name))
		return scn_failn(
			ld, at,
			"include: '%s' is neither a bundled profile's name (letters, digits, '-', '_') nor a path to a .yaml file",
			scn_text_quote(name, q, sizeof(q)));
	if (!scn_profile_path(name, buf, n))
		return 0;
	return scn_failn(
		ld, at,
		"include: no bundled profile '%s' (bundled: %s); a path with '/' or ending in .yaml names a file",
		name, *scn_profile_names(q, sizeof(q)) ? q : "none found");
}

/* Reads the fragment entry `at` of file `from` names into *root. */
static int scn_include_one(struct scn_ld *ld, const struct scn_node *at,
			   int from, struct scn_node **root)
{
	char path[PATH_MAX], msg[512], f[64], *buf = NULL, *real;
	struct scn_incl *c;
	size_t len;
	int rc, k;

	if (at->kind != SCN_SCALAR || at->null)
		return scn_failn(
			ld, at,
			"include: expected a bundled profile's name or the path of a .yaml file, found %s",
			scn_node_found(at, f, sizeof(f)));
	rc = scn_include_path(ld, at, from, path, sizeof(path));
	if (rc)
		return rc;
	real = realpath(path, NULL);
	if (!real)
		return scn_failn(ld, at, "include: %s: %s", path,
				 strerror(errno));
	for (k = from;; k = ld->s->incl[k - 1].from) {
		const char *r = k ? ld->s->incl[k - 1].real : ld->real;

		if (r && !strcmp(r, real)) {
			free(real);
			return scn_failn(
				ld, at,
				"include: %s includes itself through this entry (a cycle)",
				path);
		}
		if (!k)
			break;
	}
	if (ld->s->nincl == SCN_INCLUDE_MAX ||
	    strbuf_grow_array(&ld->s->incl, &ld->s->capincl, ld->s->nincl,
			      sizeof(*ld->s->incl))) {
		free(real);
		return ld->s->nincl == SCN_INCLUDE_MAX
			       ? scn_failn(
					 ld, at,
					 "include: more than %d included files",
					 SCN_INCLUDE_MAX)
			       : scn_nomem(ld);
	}
	c = &ld->s->incl[ld->s->nincl];
	*c = (struct scn_incl){ .path = strdup(path),
				.real = real,
				.from = from,
				.line = at->line,
				.col = at->col };
	if (!c->path) {
		free(real);
		return scn_nomem(ld);
	}
	k = (int)++ld->s->nincl;
	rc = scn_read(path, &buf, &len, msg, sizeof(msg));
	if (rc)
		return scn_failn(ld, at, "include: %s", msg);
	rc = scn_build(ld, buf, len, 0, k, 1, root);
	free(buf);
	if (rc)
		return rc;
	if (!*root || (*root)->null)
		return scn_failn(
			ld, at,
			"include: %s is empty; a fragment is a mapping of scenario keys",
			path);
	if ((*root)->kind != SCN_MAP)
		return scn_failn(
			ld, *root,
			"expected a mapping of scenario keys at the top level of a fragment, found %s",
			scn_node_found(*root, f, sizeof(f)));
	rc = scn_fragment(ld, *root);
	return rc ? rc : scn_includes(ld, *root, k);
}

/* Merges the fragments root's include: key names (root is file self). */
static int scn_includes(struct scn_ld *ld, struct scn_node *root, int self)
{
	struct scn_node *val, *kids[SCN_INCLUDE_MAX];
	long j = scn_map_find(root, "include");
	size_t ne;
	int rc;

	if (j < 0)
		return 0;
	val = root->kid[j + 1];
	rc = scn_map_detach(ld, root, (size_t)j); /* val lives on */
	if (rc)
		return rc;
	if (val->kind == SCN_MAP || val->null)
		return scn_failn(
			ld, val,
			"include: expected a profile's name or a file's path, or a list of them, such as [kernel-socket, ./costs.yaml]");
	ne = val->kind == SCN_SEQ ? val->n : 1;
	if (ne > SCN_INCLUDE_MAX)
		return scn_failn(ld, val, "include: more than %d entries",
				 SCN_INCLUDE_MAX);
	for (size_t i = 0; i < ne; i++) {
		rc = scn_include_one(ld,
				     val->kind == SCN_SEQ ? val->kid[i] : val,
				     self, &kids[i]);
		if (rc)
			return rc;
	}
	for (size_t i = ne; i-- > 0;) {
		rc = scn_merge(ld, root, kids[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Pass 2: the walk over the file's tree.
 */

/* Keys valid at one level of the scenario. */
struct scn_keys {
	size_t n;
	const char *k[256];
	char buf[256][32];
};

/* What follows prefix in the declared path decl ("rate" for "apps.rpc" in
 * "apps.*.rate"), or NULL if prefix is not a proper prefix of it. */
static const char *scn_decl_rest(const char *decl, const char *prefix)
{
	if (!*prefix)
		return decl;
	for (;;) {
		size_t dl = strcspn(decl, "."), pl = strcspn(prefix, ".");

		if (!pl || (!(dl == 1 && *decl == '*') &&
			    (dl != pl || memcmp(decl, prefix, pl))))
			return NULL;
		decl += dl;
		prefix += pl;
		if (!*decl)
			return NULL;
		decl++;
		if (!*prefix)
			return decl;
		prefix++;
	}
}

/* Collects the next segments after prefix among the declarations (the
 * keys valid at that level) in declaration order; "like" is added at an
 * instance. Returns the count. */
static size_t scn_level_keys(const char *prefix, bool instance,
			     struct scn_keys *ks)
{
	ks->n = 0;
	for (size_t i = 0, np = param_count(); i < np; i++) {
		const char *rest = scn_decl_rest(param_at(i)->path, prefix);
		size_t len, j;

		if (!rest)
			continue;
		len = strcspn(rest, ".");
		if ((len == 1 && *rest == '*') || len >= sizeof(ks->buf[0]))
			continue;
		for (j = 0; j < ks->n; j++)
			if (strlen(ks->k[j]) == len &&
			    !memcmp(ks->k[j], rest, len))
				break;
		if (j < ks->n || ks->n == 256)
			continue;
		memcpy(ks->buf[ks->n], rest, len);
		ks->buf[ks->n][len] = '\0';
		ks->k[ks->n] = ks->buf[ks->n];
		ks->n++;
	}
	if (instance && ks->n < 256)
		ks->k[ks->n++] = "like";
	return ks->n;
}

/* "; did you mean 'x'?" for the nearest of keys (printed between lead and
 * tail), or "; LABEL: a, b, c" (or nothing when there are no keys). */
static void scn_suggest(const char *word, const char *const *keys, size_t n,
			const char *lead, const char *tail, const char *label,
			char *buf, size_t len)
{
	size_t best = (size_t)-1, bi = 0, limit = strlen(word) / 3, off;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t d = param_distance(word, keys[i]);

		if (d < best) {
			best = d;
			bi = i;
		}
	}
	if (!n)
		return;
	if (best <= (limit > 2 ? limit : 2)) {
		snprintf(buf, len, "; did you mean '%s%s%s'?", lead, keys[bi],
			 tail);
		return;
	}
	off = (size_t)snprintf(buf, len, "; %s: ", label);
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i ? ", " : "", keys[i]);
}

static bool scn_is_ident(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* True if path is a mapping of parameters (a proper prefix of a
 * declaration that is not a group). */
static bool scn_is_branch(const char *prefix)
{
	for (size_t i = 0, np = param_count(); i < np; i++)
		if (scn_decl_rest(param_at(i)->path, prefix))
			return true;
	return false;
}

static const char *scn_article(const char *word)
{
	return strchr("aeiou", word[0]) ? "an" : "a";
}

/*
 * Look-up structures of a load (see the top of the file).
 */

#define SCN_FNV_BASIS 0xcbf29ce484222325ULL

static uint64_t scn_fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The hash of instance "GROUP.NAME" and of a path prefix that reads so. */
static uint64_t scn_inst_hash(const char *group, const char *name)
{
	uint64_t h = scn_fnv(SCN_FNV_BASIS, group, strlen(group));

	return scn_fnv(scn_fnv(h, ".", 1), name, strlen(name));
}

typedef uint64_t (*scn_key_fn)(const struct scn_ld *ld, size_t i);

static uint64_t scn_src_key(const struct scn_ld *ld, size_t i);
static uint64_t scn_inst_key(const struct scn_ld *ld, size_t i);
static uint64_t scn_grp_key(const struct scn_ld *ld, size_t i);

static void scn_index_slot(struct scn_index *x, uint64_t h, size_t i)
{
	size_t k = (size_t)h & (x->cap - 1);

	while (x->slot[k].i)
		k = (k + 1) & (x->cap - 1);
	x->slot[k] = (struct scn_slot){ h, i + 1 };
	x->n++;
}

/* Adds index i (of n indices, 0..n-1 already in) to x; past half full,
 * rebuilds x twice as large from indices 0..i in order, so that of equal
 * keys the first added is found first. Returns 0 or -ENOMEM. */
static int scn_index_put(const struct scn_ld *ld, struct scn_index *x,
			 scn_key_fn key, size_t i)
{
	struct scn_slot *slot;
	size_t cap = x->cap ? x->cap : 64;

	if ((x->n + 1) * 2 <= x->cap) {
		scn_index_slot(x, key(ld, i), i);
		return 0;
	}
	while ((x->n + 1) * 2 > cap)
		cap *= 2;
	slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	free(x->slot);
	*x = (struct scn_index){ slot, cap, 0 };
	for (size_t k = 0; k <= i; k++)
		scn_index_slot(x, key(ld, k), k);
	return 0;
}

static void scn_index_free(struct scn_index *x)
{
	free(x->slot);
	*x = (struct scn_index){ 0 };
}

/* Appends index i to list l. Returns 0 or -ENOMEM. */
static int scn_list_add(struct scn_ld *ld, struct scn_list *l, size_t i)
{
	if (strbuf_grow_array(&ld->link, &ld->caplink, ld->nlink,
			      sizeof(*ld->link)))
		return -ENOMEM;
	ld->link[ld->nlink++] = (struct scn_link){ i, 0 };
	if (l->tail)
		ld->link[l->tail - 1].next = ld->nlink;
	else
		l->head = ld->nlink;
	l->tail = ld->nlink;
	return 0;
}

/* Walks list l: for (size_t k = l.head, i; k && (i = SCN_AT(ld, k), 1);
 * k = SCN_NEXT(ld, k)). */
#define SCN_AT(ld, k) ((ld)->link[(k)-1].i)
#define SCN_NEXT(ld, k) ((ld)->link[(k)-1].next)

static uint64_t scn_src_key(const struct scn_ld *ld, size_t i)
{
	return scn_fnv(SCN_FNV_BASIS, ld->v[i].path, strlen(ld->v[i].path));
}

static uint64_t scn_inst_key(const struct scn_ld *ld, size_t i)
{
	return scn_inst_hash(ld->inst[i].group, ld->inst[i].name);
}

static uint64_t scn_grp_key(const struct scn_ld *ld, size_t i)
{
	const char *g = ld->inst[ld->grp[i].first].group;

	return scn_fnv(SCN_FNV_BASIS, g, strlen(g));
}

static long scn_find_inst(const struct scn_ld *ld, const char *group,
			  const char *name)
{
	const struct scn_index *x = &ld->iix;
	uint64_t h = scn_inst_hash(group, name);

	for (size_t k = (size_t)h & (x->cap - 1); x->cap && x->slot[k].i;
	     k = (k + 1) & (x->cap - 1)) {
		const struct scn_inst *in = &ld->inst[x->slot[k].i - 1];

		if (x->slot[k].h == h && !strcmp(in->group, group) &&
		    !strcmp(in->name, name))
			return (long)(x->slot[k].i - 1);
	}
	return -1;
}

/* The instance whose "GROUP.NAME" is the first len characters of key. */
static long scn_find_inst_at(const struct scn_ld *ld, const char *key,
			     size_t len)
{
	const struct scn_index *x = &ld->iix;
	uint64_t h = scn_fnv(SCN_FNV_BASIS, key, len);

	for (size_t k = (size_t)h & (x->cap - 1); x->cap && x->slot[k].i;
	     k = (k + 1) & (x->cap - 1)) {
		const struct scn_inst *in = &ld->inst[x->slot[k].i - 1];
		size_t lg = strlen(in->group);

		if (x->slot[k].h == h && lg < len && key[lg] == '.' &&
		    !strncmp(key, in->group, lg) &&
		    strlen(in->name) == len - lg - 1 &&
		    !strncmp(key + lg + 1, in->name, len - lg - 1))
			return (long)(x->slot[k].i - 1);
	}
	return -1;
}

/* The group's entry in ld->grp, or -1. */
static long scn_find_grp(const struct scn_ld *ld, const char *group)
{
	const struct scn_index *x = &ld->gix;
	uint64_t h = scn_fnv(SCN_FNV_BASIS, group, strlen(group));

	for (size_t k = (size_t)h & (x->cap - 1); x->cap && x->slot[k].i;
	     k = (k + 1) & (x->cap - 1)) {
		size_t g = x->slot[k].i - 1;

		if (x->slot[k].h == h &&
		    !strcmp(ld->inst[ld->grp[g].first].group, group))
			return (long)g;
	}
	return -1;
}

/* The first instance of a group, + 1 (0: none); then inst[i].gnext. */
static size_t scn_grp_first(const struct scn_ld *ld, const char *group)
{
	long g = scn_find_grp(ld, group);

	return g < 0 ? 0 : ld->grp[g].first + 1;
}

/* Files index i (a value when vals, else an instance) in the list of
 * every instance it lies under: those whose "GROUP.NAME." starts s. */
static int scn_file_under(struct scn_ld *ld, const char *s, size_t i, bool vals)
{
	for (const char *dot = strchr(s, '.'); dot;
	     dot = strchr(dot + 1, '.')) {
		long in = scn_find_inst_at(ld, s, (size_t)(dot - s));

		if (in >= 0 && scn_list_add(ld,
					    vals ? &ld->inst[in].vals
						 : &ld->inst[in].nested,
					    i))
			return scn_nomem(ld);
	}
	return 0;
}

/* Indexes instance i, just added. */
static int scn_index_inst(struct scn_ld *ld, size_t i)
{
	struct scn_inst *in = &ld->inst[i];
	long g = scn_find_grp(ld, in->group);

	if (scn_index_put(ld, &ld->iix, scn_inst_key, i))
		return scn_nomem(ld);
	if (g >= 0) {
		ld->inst[ld->grp[g].last].gnext = i + 1;
		ld->grp[g].last = i;
	} else {
		if (strbuf_grow_array(&ld->grp, &ld->capgrp, ld->ngrp,
				      sizeof(*ld->grp)))
			return scn_nomem(ld);
		ld->grp[ld->ngrp] = (struct scn_grp){ i, i };
		if (scn_index_put(ld, &ld->gix, scn_grp_key, ld->ngrp++))
			return scn_nomem(ld);
	}
	return scn_file_under(ld, in->group, i, false);
}

/* Once like: is resolved: files every instance with like: in the list
 * of the sibling it names. */
static int scn_index_likers(struct scn_ld *ld)
{
	for (size_t i = 0; i < ld->ninst; i++) {
		long from;

		if (!ld->inst[i].like)
			continue;
		from = scn_find_inst(ld, ld->inst[i].group,
				     ld->inst[i].like->text);
		if (from >= 0 && scn_list_add(ld, &ld->inst[from].likers, i))
			return scn_nomem(ld);
	}
	return 0;
}

static int scn_add_src(struct scn_ld *ld, char *path,
		       const struct param_def *def, const struct scn_node *node)
{
	if (strbuf_grow_array(&ld->v, &ld->capv, ld->nv, sizeof(*ld->v))) {
		free(path);
		return scn_nomem(ld);
	}
	ld->v[ld->nv++] = (struct scn_src){ path, def, node, false };
	if (scn_index_put(ld, &ld->vix, scn_src_key, ld->nv - 1))
		return scn_nomem(ld);
	return scn_file_under(ld, path, ld->nv - 1, true);
}

static struct scn_src *scn_find_src(struct scn_ld *ld, const char *path)
{
	const struct scn_index *x = &ld->vix;
	uint64_t h = scn_fnv(SCN_FNV_BASIS, path, strlen(path));

	for (size_t k = (size_t)h & (x->cap - 1); x->cap && x->slot[k].i;
	     k = (k + 1) & (x->cap - 1))
		if (x->slot[k].h == h &&
		    !strcmp(ld->v[x->slot[k].i - 1].path, path))
			return &ld->v[x->slot[k].i - 1];
	return NULL;
}

/* A pretend declaration for the sizes and weights of a size table. */
static const struct param_def scn_row_size = { "size", PT_SIZE, NULL, NULL,
					       1,      1e18,	NULL, NULL };
static const struct param_def scn_row_weight = {
	"weight", PT_FLOAT, NULL, NULL, 0, 0, NULL, NULL
};

/* A size table given as a scalar: "[]", or the name of a published
 * workload (workload.h), whose table fills *out if out. */
static int scn_named_table(struct scn_ld *ld, const char *path,
			   const struct param_def *def,
			   const struct scn_node *nd, struct param_table *out)
{
	const struct workload *w = workload_find(nd->text);
	char msg[512], names[256], q[64];
	struct param_val v;

	if (w)
		return out && workload_table(w, out) ? scn_nomem(ld) : 0;
	if (!param_parse(def, nd->text, &v, msg, sizeof(msg)))
		return 0;
	return scn_failn(
		ld, nd,
		"%s: expected a list of [size, weight] pairs such as [[64B, 7], [1500B, 1]] or a published workload's name (%s), not '%s'",
		path, workload_names(names, sizeof(names)),
		scn_text_quote(nd->text, q, sizeof(q)));
}

/* Checks a size table node; fills *out (arrays allocated) if out. */
static int scn_table(struct scn_ld *ld, const char *path,
		     const struct param_def *def, const struct scn_node *nd,
		     struct param_table *out)
{
	char msg[512], f[64];
	struct param_val v;
	double sum = 0;
	int rc;

	if (nd->kind == SCN_SCALAR)
		return scn_named_table(ld, path, def, nd, out);
	if (nd->kind == SCN_MAP)
		return scn_failn(
			ld, nd,
			"%s: expected a list of [size, weight] pairs such as [[64B, 7], [1500B, 1]], found a mapping",
			path);
	if (out) {
		out->value = calloc(nd->n ? nd->n : 1, sizeof(double));
		out->weight = calloc(nd->n ? nd->n : 1, sizeof(double));
		if (!out->value || !out->weight)
			return scn_nomem(ld);
	}
	for (size_t i = 0; i < nd->n; i++) {
		const struct scn_node *row = nd->kid[i], *c;

		if (row->kind != SCN_SEQ || row->n != 2)
			return scn_failn(
				ld, row,
				"%s row %zu: expected a [size, weight] pair such as [1500B, 1], found %s",
				path, i + 1, scn_node_found(row, f, sizeof(f)));
		for (int k = 0; k < 2; k++) {
			const struct param_def *cd =
				k ? &scn_row_weight : &scn_row_size;

			c = row->kid[k];
			if (c->kind != SCN_SCALAR)
				return scn_failn(
					ld, c,
					"%s row %zu: expected %s, found %s",
					path, i + 1, k ? "a weight" : "a size",
					scn_node_found(c, f, sizeof(f)));
			rc = param_parse(cd, c->text, &v, msg, sizeof(msg));
			if (rc)
				return scn_failn(ld, c, "%s row %zu, %s: %s",
						 path, i + 1, cd->path, msg);
			if (k && v.u.d < 0)
				return scn_failn(
					ld, c,
					"%s row %zu: weight %s is negative; expected a number >= 0",
					path, i + 1, c->text);
			if (out && k)
				out->weight[i] = v.u.d;
			else if (out)
				out->value[i] = (double)v.u.size;
			sum += k ? v.u.d : 0;
		}
	}
	if (nd->n && !(sum > 0))
		return scn_failn(ld, nd,
				 "%s: the weights sum to 0; expected some > 0",
				 path);
	if (out)
		out->n = nd->n;
	return 0;
}

static bool scn_numeric(enum param_type t)
{
	return t >= PT_INT && t <= PT_FRACTION;
}

/* Checks a derived value "= EXPR" (nd's text, EXPR at off): a numeric
 * parameter, and an expression that parses. Its names and kind are
 * checked once every parameter has its value (scn_derive). */
static int scn_check_expr(struct scn_ld *ld, const struct param_def *def,
			  const char *path, const struct scn_node *nd, long off)
{
	struct expr *e = NULL;
	char msg[512];
	size_t col = 0;
	int rc;

	if (!scn_numeric(def->type))
		return scn_failn(
			ld, nd,
			"%s: '= ...' derives a number from an expression, but %s is %s %s; give its value",
			path, path, scn_article(param_type_name(def->type)),
			param_type_name(def->type));
	rc = expr_parse(nd->text + off, &e, &col, msg, sizeof(msg));
	expr_destroy(e);
	if (rc == -ENOMEM)
		return scn_nomem(ld);
	if (rc)
		return scn_fail_in(ld, nd, (size_t)off + col, "%s: %s", path,
				   msg);
	return 0;
}

/* Checks one value of the file against its declaration and records it. */
static int scn_walk_value(struct scn_ld *ld, const struct param_def *def,
			  char *path, const struct scn_node *val)
{
	char msg[512], f[64];
	struct param_val v;
	int rc;

	if (def->type == PT_SIZE_TABLE)
		rc = scn_table(ld, path, def, val, NULL);
	else if (val->kind != SCN_SCALAR)
		rc = scn_failn(ld, val, "%s: expected %s %s value, found %s",
			       path, scn_article(param_type_name(def->type)),
			       param_type_name(def->type),
			       scn_node_found(val, f, sizeof(f)));
	else if (scn_expr_at(val->text) >= 0)
		rc = scn_check_expr(ld, def, path, val, scn_expr_at(val->text));
	else if (param_parse(def, val->text, &v, msg, sizeof(msg)))
		rc = scn_failn(ld, val, "%s: %s", path, msg);
	else
		rc = 0;
	if (rc) {
		free(path);
		return rc;
	}
	return scn_add_src(ld, path, def, val);
}

static int scn_walk_map(struct scn_ld *ld, const struct scn_node *m,
			const char *prefix, long inst);

/* Mappings with more keys than this have their duplicates found by
 * sorting (scn_first_keys), not by comparing each key with those before. */
#define SCN_KEYS_LINEAR 32

struct scn_key_at {
	const char *text;
	size_t i;
};

static int scn_key_at_cmp(const void *a, const void *b)
{
	const struct scn_key_at *x = a, *y = b;
	int c = strcmp(x->text, y->text);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* For a large mapping m: first[i / 2] is the index in m->kid of the
 * first key with the text of key i (i itself if none before); NULL for a
 * small mapping. Returns 0 or -ENOMEM. */
static int scn_first_keys(const struct scn_node *m, size_t **first)
{
	size_t nk = m->n / 2, nt = 0;
	struct scn_key_at *k;

	*first = NULL;
	if (nk <= SCN_KEYS_LINEAR)
		return 0;
	k = malloc(nk * sizeof(*k));
	*first = malloc(nk * sizeof(**first));
	if (!k || !*first) {
		free(k);
		free(*first);
		*first = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->n; i += 2) {
		(*first)[i / 2] = i;
		if (m->kid[i]->kind == SCN_SCALAR && !m->kid[i]->null)
			k[nt++] = (struct scn_key_at){ m->kid[i]->text, i };
	}
	qsort(k, nt, sizeof(*k), scn_key_at_cmp);
	for (size_t i = 1; i < nt; i++)
		if (!strcmp(k[i].text, k[i - 1].text))
			(*first)[k[i].i / 2] = (*first)[k[i - 1].i / 2];
	free(k);
	return 0;
}

/* Checks a key: a scalar, not seen before in the same mapping (first:
 * from scn_first_keys, or NULL to compare with the keys before). */
static int scn_check_key(struct scn_ld *ld, const struct scn_node *m, size_t i,
			 const size_t *first)
{
	const struct scn_node *key = m->kid[i];
	char f[64], q[64];
	size_t j = i;

	if (key->kind != SCN_SCALAR || key->null)
		return scn_failn(ld, key, "expected a key name, found %s",
				 scn_node_found(key, f, sizeof(f)));
	if (first)
		j = first[i / 2];
	else
		for (j = 0; j < i && strcmp(m->kid[j]->text, key->text);)
			j += 2;
	if (j < i)
		return scn_failn(ld, key,
				 "duplicate key '%s' (first at line %d)",
				 scn_text_quote(key->text, q, sizeof(q)),
				 m->kid[j]->line);
	return 0;
}

static int scn_add_inst(struct scn_ld *ld, const char *group, const char *name,
			const struct scn_node *key, const struct scn_node *like)
{
	struct scn_inst *in;

	if (strbuf_grow_array(&ld->inst, &ld->capinst, ld->ninst,
			      sizeof(*ld->inst)))
		return scn_nomem(ld);
	in = &ld->inst[ld->ninst];
	memset(in, 0, sizeof(*in));
	in->group = strdup(group);
	in->name = strdup(name);
	if (!in->group || !in->name) {
		free(in->group);
		free(in->name);
		return scn_nomem(ld);
	}
	in->key = key;
	in->like = like;
	ld->ninst++;
	return scn_index_inst(ld, ld->ninst - 1);
}

/* vars: { NAME: VALUE } for vars: { NAME: { value: VALUE } }. */
static int scn_var_value(struct scn_ld *ld, const char *name,
			 const struct scn_node *val)
{
	char *path = malloc(strlen(name) + 12);

	if (!path)
		return scn_nomem(ld);
	sprintf(path, "vars.%s.value", name);
	return scn_walk_value(ld, param_lookup(path), path, val);
}

/* Whether a segment of path is '*' (a '*' entry or under one). */
static bool scn_has_star(const char *path)
{
	for (const char *p = path; (p = strchr(p, '*')); p++)
		if ((p == path || p[-1] == '.') && (!p[1] || p[1] == '.'))
			return true;
	return false;
}

/* The group of the first '*' entry in path ("hosts" for "hosts.*.nic"). */
static const char *scn_star_group(const char *path, char *buf, size_t n)
{
	const char *p = path;

	while ((p = strchr(p, '*')) &&
	       !((p == path || p[-1] == '.') && (!p[1] || p[1] == '.')))
		p++;
	snprintf(buf, n, "%.*s", p && p > path ? (int)(p - path - 1) : 0, path);
	return buf;
}

/* The '*' entry of a group: its values are walked as an instance's
 * ("hosts.*.driver.ipc_cost"), and given to every instance in pass 3. */
static int scn_walk_star(struct scn_ld *ld, const char *group,
			 const struct scn_node *key, const struct scn_node *val)
{
	char one[32], f[64], *prefix;
	int rc;

	scn_singular(group, one, sizeof(one));
	if (strbuf_grow_array(&ld->star, &ld->capstar, ld->nstar,
			      sizeof(*ld->star)))
		return scn_nomem(ld);
	ld->star[ld->nstar].group = strdup(group);
	if (!ld->star[ld->nstar].group)
		return scn_nomem(ld);
	ld->star[ld->nstar++].key = key;
	if (!strcmp(group, "vars") && val->kind == SCN_SCALAR && !val->null)
		return scn_var_value(ld, "*", val);
	if (val->null)
		return 0;
	if (val->kind != SCN_MAP)
		return scn_failn(
			ld, val,
			"%s.*: expected a mapping of the parameters every %s takes, found %s",
			group, one, scn_node_found(val, f, sizeof(f)));
	prefix = scn_join(group, "*");
	if (!prefix)
		return scn_nomem(ld);
	rc = scn_walk_map(ld, val, prefix, -1);
	free(prefix);
	return rc;
}

static int scn_walk_insts(struct scn_ld *ld, const char *group,
			  const struct scn_node *m, const size_t *first);

/* The instances of a group: a mapping from names to mappings; a '*'
 * entry gives defaults to all of them. */
static int scn_walk_group(struct scn_ld *ld, const char *group,
			  const struct scn_node *m)
{
	char one[32], f[64];
	size_t *first;
	int rc;

	scn_singular(group, one, sizeof(one));
	if (m->null)
		return 0;
	if (m->kind != SCN_MAP)
		return scn_failn(
			ld, m,
			"%s: expected a mapping from %s names to their parameters, found %s",
			group, one, scn_node_found(m, f, sizeof(f)));
	if (scn_first_keys(m, &first))
		return scn_nomem(ld);
	rc = scn_walk_insts(ld, group, m, first);
	free(first);
	return rc;
}

/* The entries of group mapping m, for scn_walk_group. */
static int scn_walk_insts(struct scn_ld *ld, const char *group,
			  const struct scn_node *m, const size_t *first)
{
	char one[32], f[64], q[64];
	int rc;

	scn_singular(group, one, sizeof(one));
	for (size_t i = 0; i < m->n; i += 2) {
		const struct scn_node *key = m->kid[i], *val = m->kid[i + 1];
		char *prefix;

		rc = scn_check_key(ld, m, i, first);
		if (rc)
			return rc;
		if (!strcmp(key->text, "*")) {
			rc = scn_walk_star(ld, group, key, val);
			if (rc)
				return rc;
			continue;
		}
		if (!scn_is_ident(key->text))
			return scn_failn(
				ld, key,
				"bad %s name '%s': expected a letter or '_', then letters, digits, '_' or '-'",
				one, scn_text_quote(key->text, q, sizeof(q)));
		if (strlen(key->text) > SCN_NAME_MAX)
			return scn_failn(
				ld, key,
				"%s name '%s' is longer than %d characters; use a shorter name",
				one, scn_text_quote(key->text, q, sizeof(q)),
				SCN_NAME_MAX);
		if (!strcmp(group, "vars") && val->kind == SCN_SCALAR &&
		    !val->null) {
			rc = scn_add_inst(ld, group, key->text, key, NULL);
			if (!rc)
				rc = scn_var_value(ld, key->text, val);
			if (rc)
				return rc;
			continue;
		}
		if (!val->null && val->kind != SCN_MAP)
			return scn_failn(
				ld, val,
				"%s.%s: expected a mapping of the %s's parameters, found %s",
				group, key->text, one,
				scn_node_found(val, f, sizeof(f)));
		rc = scn_add_inst(ld, group, key->text, key, NULL);
		if (rc)
			return rc;
		if (val->null)
			continue;
		prefix = scn_join(group, key->text);
		if (!prefix)
			return scn_nomem(ld);
		rc = scn_walk_map(ld, val, prefix, (long)ld->ninst - 1);
		free(prefix);
		if (rc)
			return rc;
	}
	return 0;
}

static int scn_unknown_key(struct scn_ld *ld, const struct scn_node *key,
			   const char *prefix, bool instance)
{
	struct scn_keys ks;
	char hint[1024], q[64];

	scn_level_keys(prefix, instance, &ks);
	for (size_t i = 0; !*prefix && i < SCN_NBLOCKS && ks.n < 256; i++)
		ks.k[ks.n++] = scn_blocks[i].key;
	scn_suggest(key->text, ks.k, ks.n, "", "", "valid keys", hint,
		    sizeof(hint));
	if (*prefix)
		return scn_failn(ld, key, "unknown key '%s' in %s%s",
				 scn_text_quote(key->text, q, sizeof(q)),
				 prefix, hint);
	return scn_failn(ld, key, "unknown key '%s'%s",
			 scn_text_quote(key->text, q, sizeof(q)), hint);
}

/* Top-level blocks read by other modules through scn_block(): `sweep:`
 * (sweep.c), `expect:` (expect.c), `figures:` (analysis/plot_study.c).
 * Here a block only has to be of the right kind (or empty); its keys are
 * not parameters, so it is not walked. */
static int scn_walk_block(struct scn_ld *ld, const struct scn_node *key,
			  const struct scn_node *val, size_t b)
{
	char f[64];

	if (val->kind == scn_blocks[b].kind || val->null)
		return 0;
	return scn_failn(ld, key, "%s: expected %s, found %s",
			 scn_blocks[b].key, scn_blocks[b].what,
			 scn_node_found(val, f, sizeof(f)));
}

/* One key of a mapping at prefix; inst is the instance the mapping
 * belongs to directly (like: is allowed there), or -1. */
static int scn_walk_key(struct scn_ld *ld, const struct scn_node *key,
			const struct scn_node *val, const char *prefix,
			long inst)
{
	const struct param_def *def;
	char *path, f[64], grp[256], one[32];
	bool star;
	int rc;

	/* a '*' entry's mapping: prefix is "GROUP.*" */
	star = strlen(prefix) > 2 && !strcmp(prefix + strlen(prefix) - 2, ".*");
	if (star && !strcmp(key->text, "like")) {
		scn_singular(scn_star_group(prefix, grp, sizeof(grp)), one,
			     sizeof(one));
		return scn_failn(
			ld, key,
			"%s.like: like: belongs to %s %s; the '*' entry gives defaults to every %s of %s",
			prefix, scn_article(one), one, one, grp);
	}
	if (inst >= 0 && !strcmp(key->text, "like")) {
		if (val->kind != SCN_SCALAR || val->null)
			return scn_failn(
				ld, val,
				"%s.like: expected the name of a sibling, found %s",
				prefix, scn_node_found(val, f, sizeof(f)));
		ld->inst[inst].like = val;
		return 0;
	}
	for (size_t b = 0; !*prefix && b < SCN_NBLOCKS; b++)
		if (!strcmp(key->text, scn_blocks[b].key))
			return scn_walk_block(ld, key, val, b);
	path = scn_join(prefix, key->text);
	if (!path)
		return scn_nomem(ld);
	if (strchr(key->text, '.') || !*key->text) {
		if (*key->text && param_lookup(path))
			rc = scn_failn(
				ld, key,
				"unknown key '%s': dotted paths are for --set; nest the keys in mappings instead",
				scn_text_quote(key->text, f, sizeof(f)));
		else
			rc = scn_unknown_key(ld, key, prefix, inst >= 0);
		free(path);
		return rc;
	}
	def = param_lookup(path);
	if (def)
		return scn_walk_value(ld, def, path, val);
	if (param_is_group(path) && scn_has_star(prefix)) {
		scn_singular(scn_star_group(prefix, grp, sizeof(grp)), one,
			     sizeof(one));
		rc = scn_failn(
			ld, key,
			"%s: a '*' entry gives defaults of parameters, not instances; declare %s under each %s",
			path, key->text, one);
	} else if (param_is_group(path)) {
		rc = scn_walk_group(ld, path, val);
	} else if (scn_is_branch(path)) {
		if (val->null)
			rc = 0;
		else if (val->kind != SCN_MAP)
			rc = scn_failn(
				ld, val,
				"%s: expected a mapping of parameters, found %s",
				path, scn_node_found(val, f, sizeof(f)));
		else
			rc = scn_walk_map(ld, val, path, -1);
	} else {
		rc = scn_unknown_key(ld, key, prefix, inst >= 0);
	}
	free(path);
	return rc;
}

static int scn_walk_map(struct scn_ld *ld, const struct scn_node *m,
			const char *prefix, long inst)
{
	int rc;

	for (size_t i = 0; i < m->n; i += 2) {
		rc = scn_check_key(ld, m, i, NULL);
		if (!rc)
			rc = scn_walk_key(ld, m->kid[i], m->kid[i + 1], prefix,
					  inst);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * '*' for every instance of a group.
 */

/* A new string: a, the first nb characters of b, c and, if c is not
 * empty, a '.'; NULL if memory ran out. Each expanded declaration builds
 * its paths so, about 200,000 of them for a thousand hosts, where
 * sprintf's parsing of its format cost more than all else that loading
 * does with a path. */
static char *scn_cat(const char *a, const char *b, size_t nb, const char *c)
{
	size_t la = strlen(a), lc = strlen(c);
	char *p = malloc(la + nb + lc + 2);

	if (!p)
		return NULL;
	memcpy(p, a, la);
	memcpy(p + la, b, nb);
	memcpy(p + la + nb, c, lc);
	if (lc)
		p[la + nb + lc++] = '.';
	p[la + nb + lc] = '\0';
	return p;
}

/* Called with each concrete path (the callee owns it). */
typedef int (*scn_path_fn)(struct scn_ld *ld, char *path, void *ctx);

/* Calls fn with every concrete path of built + rest, whose segments may
 * be '*' in place of an instance name ("hosts.*.driver.ipc_cost"): one per
 * declared instance of the group, in file order (the '*' entries of the
 * file are not instances). Returns fn's error, or -EDOM, with nothing
 * reported, for a '*' that ends the path or (with strict, for paths from
 * the user) does not follow a group. Used by the '*' entries of the file
 * (pass 3), by --set (pass 4) and by the expansion of the declarations
 * (pass 5), whose paths are known good: the registry is not searched for
 * them, which would make loading several times slower. */
static int scn_each_path(struct scn_ld *ld, const char *built, const char *rest,
			 bool strict, scn_path_fn fn, void *ctx)
{
	const char *star = rest;
	char *group, *b;
	size_t n = 0;
	int rc = 0;

	while (*star && !(star[0] == '*' && (star[1] == '.' || !star[1]) &&
			  (star == rest || star[-1] == '.')))
		star++;
	if (!*star) {
		b = scn_cat(built, rest, strlen(rest), "");
		return b ? fn(ld, b, ctx) : scn_nomem(ld);
	}
	if (star == rest || !star[1])
		return -EDOM;
	group = scn_cat(built, rest, (size_t)(star - rest - 1), "");
	if (!group)
		return scn_nomem(ld);
	for (size_t k = scn_grp_first(ld, group), i; k && !rc;
	     k = ld->inst[i].gnext) {
		i = k - 1;
		n++;
		b = scn_cat(group, ".", 1, ld->inst[i].name);
		if (!b) {
			rc = scn_nomem(ld);
			break;
		}
		rc = scn_each_path(ld, b, star + 2, strict, fn, ctx);
		free(b);
	}
	if (strict && !n && !param_is_group(group))
		rc = -EDOM;
	free(group);
	return rc;
}

/*
 * Pass 3: like: inheritance, then the '*' entries.
 */

/* The names of a group's instances, for suggestions. */
static size_t scn_inst_names(const struct scn_ld *ld, const char *group,
			     const char **names, size_t max)
{
	size_t n = 0;

	for (size_t k = scn_grp_first(ld, group); k && n < max;
	     k = ld->inst[k - 1].gnext)
		names[n++] = ld->inst[k - 1].name;
	return n;
}

/* A swept vars.NAME (or vars.NAME.value) declares NAME, so a study can
 * sweep a variable without a vars: block; keys of the sweep: block and
 * of its zip: groups are looked at. Outside the sweep (the scenario
 * itself, which derived values must suit too) its value is the first
 * swept one: the list's first, or a range's from. */
static int scn_sweep_var(struct scn_ld *ld, const struct scn_node *key,
			 const struct scn_node *val)
{
	const struct scn_node *first = NULL;
	char name[SCN_NAME_MAX + 1];
	size_t len;
	int rc;

	if (key->kind != SCN_SCALAR || strncmp(key->text, "vars.", 5))
		return 0;
	len = strcspn(key->text + 5, ".");
	if (len > SCN_NAME_MAX)
		return 0;
	memcpy(name, key->text + 5, len);
	name[len] = '\0';
	if (!scn_is_ident(name) || scn_find_inst(ld, "vars", name) >= 0 ||
	    (key->text[5 + len] && strcmp(key->text + 5 + len, ".value")))
		return 0; /* sweep.c reports what is wrong with the key */
	rc = scn_add_inst(ld, "vars", name, key, NULL);
	if (val->kind == SCN_SEQ && val->n)
		first = val->kid[0];
	for (size_t i = 0; val->kind == SCN_MAP && i + 1 < val->n; i += 2)
		if (!strcmp(val->kid[i]->text, "from"))
			first = val->kid[i + 1];
	if (!rc && first && first->kind == SCN_SCALAR)
		rc = scn_var_value(ld, name, first);
	return rc;
}

static int scn_sweep_vars(struct scn_ld *ld, const struct scn_node *root)
{
	const struct scn_node *m = NULL, *z;
	int rc = 0;

	for (size_t i = 0; i + 1 < root->n && !m; i += 2)
		if (!strcmp(root->kid[i]->text, "sweep") &&
		    root->kid[i + 1]->kind == SCN_MAP)
			m = root->kid[i + 1];
	for (size_t i = 0; m && i + 1 < m->n && !rc; i += 2) {
		z = m->kid[i + 1];
		if (strcmp(m->kid[i]->text, "zip")) {
			rc = scn_sweep_var(ld, m->kid[i], z);
			continue;
		}
		for (size_t g = 0; z->kind == SCN_SEQ && g < z->n && !rc; g++)
			for (size_t k = 0; z->kid[g]->kind == SCN_MAP &&
					   k + 1 < z->kid[g]->n && !rc;
			     k += 2)
				rc = scn_sweep_var(ld, z->kid[g]->kid[k],
						   z->kid[g]->kid[k + 1]);
	}
	return rc;
}

/* Reports the cycle through instance j at its first like: in the file. */
static int scn_cycle(struct scn_ld *ld, long j)
{
	const struct scn_node *at = ld->inst[j].like;
	char chain[512];
	size_t off;
	long k = j;

	off = (size_t)snprintf(chain, sizeof(chain), "%s", ld->inst[j].name);
	do {
		const struct scn_node *l = ld->inst[k].like;

		if (l->line < at->line ||
		    (l->line == at->line && l->col < at->col))
			at = l;
		k = scn_find_inst(ld, ld->inst[k].group, l->text);
		if (off < sizeof(chain))
			off += (size_t)snprintf(chain + off,
						sizeof(chain) - off, " -> %s",
						ld->inst[k].name);
	} while (k != j);
	return scn_failn(ld, at, "like: cycle %s", chain);
}

/* Copies the values (and nested instances) of instance from to to: the
 * nested instances first, so that the values copied next are filed under
 * their copies. */
static int scn_copy_inst(struct scn_ld *ld, long from, long to)
{
	char *pf, *pt;
	size_t nv = ld->nv, ni = ld->ninst, lf, i;
	int rc = 0;

	pf = scn_join(ld->inst[from].group, ld->inst[from].name);
	pt = scn_join(ld->inst[to].group, ld->inst[to].name);
	if (!pf || !pt) {
		rc = scn_nomem(ld);
		goto out_free;
	}
	lf = strlen(pf);
	for (size_t k = ld->inst[from].nested.head;
	     k && (i = SCN_AT(ld, k)) < ni && !rc; k = SCN_NEXT(ld, k)) {
		struct scn_inst in = ld->inst[i];
		char *group = scn_join(pt, in.group + lf + 1);

		if (!group)
			rc = scn_nomem(ld);
		else if (scn_find_inst(ld, group, in.name) < 0)
			rc = scn_add_inst(ld, group, in.name, in.key, in.like);
		free(group);
	}
	for (size_t k = ld->inst[from].vals.head;
	     k && (i = SCN_AT(ld, k)) < nv && !rc; k = SCN_NEXT(ld, k)) {
		char *path = scn_join(pt, ld->v[i].path + lf + 1);

		if (!path)
			rc = scn_nomem(ld);
		else if (scn_find_src(ld, path))
			free(path);
		else if (!(rc = scn_add_src(ld, path, ld->v[i].def,
					    ld->v[i].node)))
			ld->v[ld->nv - 1].inherited = true;
	}
out_free:
	free(pf);
	free(pt);
	return rc;
}

static int scn_resolve(struct scn_ld *ld, long i)
{
	const struct scn_node *like = ld->inst[i].like;
	const char *names[256];
	char hint[1024], one[32], q[64];
	size_t nn;
	long j;
	int rc;

	if (ld->inst[i].state == SCN_DONE)
		return 0;
	if (!like) {
		ld->inst[i].state = SCN_DONE;
		return 0;
	}
	ld->inst[i].state = SCN_BUSY;
	scn_singular(ld->inst[i].group, one, sizeof(one));
	if (!strcmp(like->text, "*"))
		return scn_failn(
			ld, like,
			"like: '*' is not %s %s but the defaults of every %s of %s, which this %s takes already; name %s %s",
			scn_article(one), one, one, ld->inst[i].group, one,
			scn_article(one), one);
	j = scn_find_inst(ld, ld->inst[i].group, like->text);
	if (j < 0) {
		nn = scn_inst_names(ld, ld->inst[i].group, names, 256);
		scn_suggest(like->text, names, nn, "", "", ld->inst[i].group,
			    hint, sizeof(hint));
		return scn_failn(ld, like, "like: no %s '%s' in %s%s", one,
				 scn_text_quote(like->text, q, sizeof(q)),
				 ld->inst[i].group, hint);
	}
	if (ld->inst[j].state == SCN_BUSY)
		return scn_cycle(ld, j);
	rc = scn_resolve(ld, j);
	if (!rc)
		rc = scn_copy_inst(ld, j, i);
	if (!rc)
		ld->inst[i].state = SCN_DONE;
	return rc;
}

/* The value of a '*' entry (ctx) for one concrete path, unless it has a
 * value of its own or from like:. It counts as inherited: a --set on a
 * like: source reaches it as it would reach a value copied by like:. */
static int scn_star_one(struct scn_ld *ld, char *path, void *ctx)
{
	const struct scn_src *from = ctx;
	int rc;

	if (scn_find_src(ld, path)) {
		free(path);
		return 0;
	}
	rc = scn_add_src(ld, path, from->def, from->node);
	if (!rc)
		ld->v[ld->nv - 1].inherited = true;
	return rc;
}

/* Gives the values of the '*' entries to the instances of their groups,
 * once like: is resolved: an instance's own value and what it copies
 * through like: come first, the registry's default after. */
static int scn_apply_stars(struct scn_ld *ld)
{
	size_t nv = ld->nv;
	char one[32];
	int rc = 0;

	for (size_t i = 0; i < ld->nstar; i++) {
		const struct scn_star *st = &ld->star[i];
		const char *name;

		if (scn_inst_names(ld, st->group, &name, 1))
			continue;
		scn_singular(st->group, one, sizeof(one));
		return scn_failn(
			ld, st->key,
			"%s.*: the '*' entry gives defaults to every %s, but the scenario declares no %s; declare one or remove the entry",
			st->group, one, one);
	}
	for (size_t i = 0; i < nv && !rc; i++) {
		struct scn_src from = ld->v[i];

		if (scn_has_star(from.path))
			rc = scn_each_path(ld, "", from.path, false,
					   scn_star_one, &from);
	}
	return rc;
}

/*
 * Pass 4: --set overrides.
 */

/* Checks the path of override n; path errors point at column 1. */
static int scn_set_path(struct scn_ld *ld, int n, const char *path,
			const struct param_def **def)
{
	char level[512] = "", lead[520], hint[1024], one[32], q[64], name[64];
	const char *seg = path;
	struct scn_keys ks;

	for (;;) {
		size_t len = strcspn(seg, "."), i;

		snprintf(name, sizeof(name), "%.*s", (int)len, seg);
		if (*level && param_is_group(level)) {
			if (scn_find_inst(ld, level, name) < 0) {
				scn_singular(level, one, sizeof(one));
				ks.n = scn_inst_names(ld, level, ks.k, 256);
				scn_suggest(name, ks.k, ks.n, "", "", level,
					    hint, sizeof(hint));
				return scn_fail(
					ld, n, n, 1, "no %s '%s'%s", one,
					scn_text_quote(name, q, sizeof(q)),
					hint);
			}
		} else {
			scn_level_keys(level, false, &ks);
			for (i = 0; i < ks.n; i++)
				if (!strcmp(ks.k[i], name))
					break;
			if (i == ks.n) {
				snprintf(lead, sizeof(lead), "%s%s", level,
					 *level ? "." : "");
				scn_suggest(name, ks.k, ks.n, lead, seg + len,
					    "valid keys", hint, sizeof(hint));
				return scn_fail(
					ld, n, n, 1, "unknown parameter '%s'%s",
					scn_text_quote(path, q, sizeof(q)),
					hint);
			}
		}
		snprintf(level + strlen(level), sizeof(level) - strlen(level),
			 "%s%s", *level ? "." : "", name);
		if (!seg[len])
			break;
		seg += len + 1;
	}
	*def = param_lookup(path);
	if (!*def)
		return scn_fail(
			ld, n, n, 1,
			"'%s' is a group of parameters, not a parameter",
			scn_text_quote(path, q, sizeof(q)));
	return 0;
}

static int scn_set_inherit(struct scn_ld *ld, const char *path,
			   const struct param_def *def,
			   const struct scn_node *nd);

/* Override nd of path reaches instance j, which inherits through like:
 * the instance path lies under (path continues at rest after it). */
static int scn_inherit_one(struct scn_ld *ld, size_t j, const char *rest,
			   const struct param_def *def,
			   const struct scn_node *nd)
{
	const struct scn_inst *in = &ld->inst[j];
	struct scn_src *old;
	char *to;
	int rc;

	to = malloc(strlen(in->group) + strlen(in->name) + strlen(rest) + 3);
	if (!to)
		return scn_nomem(ld);
	sprintf(to, "%s.%s.%s", in->group, in->name, rest);
	old = scn_find_src(ld, to);
	if (old && !old->inherited) {
		free(to);
		return 0;
	}
	if (old) {
		old->node = nd;
	} else {
		rc = scn_add_src(ld, to, def, nd);
		if (rc)
			return rc;
		ld->v[ld->nv - 1].inherited = true;
		to = ld->v[ld->nv - 1].path;
	}
	rc = scn_set_inherit(ld, old ? old->path : to, def, nd);
	if (old)
		free(to);
	return rc;
}

/* An override of path reaches the instances that inherit it through
 * like: (transitively), except those with a value of their own: the
 * inheritors of each instance path lies under ("apps.b" for
 * "apps.b.rate"). */
static int scn_set_inherit(struct scn_ld *ld, const char *path,
			   const struct param_def *def,
			   const struct scn_node *nd)
{
	for (const char *dot = strchr(path, '.'); dot;
	     dot = strchr(dot + 1, '.')) {
		long from = scn_find_inst_at(ld, path, (size_t)(dot - path));

		if (from < 0)
			continue;
		for (size_t k = ld->inst[from].likers.head; k;
		     k = SCN_NEXT(ld, k)) {
			int rc = scn_inherit_one(ld, SCN_AT(ld, k), dot + 1,
						 def, nd);

			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Applies override n to one concrete path (taken). */
static int scn_set_one(struct scn_ld *ld, int n, char *path, const char *val,
		       int col)
{
	const struct param_def *def;
	struct scn_node *nd = NULL;
	struct scn_src *old;
	char msg[512];
	struct param_val v;
	int rc;

	rc = scn_set_path(ld, n, path, &def);
	if (rc)
		goto out_free;
	if (def->type == PT_SIZE_TABLE) {
		rc = scn_build(ld, val, strlen(val), n, 0, col, &nd);
		if (!rc && !nd)
			rc = scn_fail(ld, n, n, col, "%s: missing value", path);
		if (!rc)
			rc = scn_table(ld, path, def, nd, NULL);
		if (rc)
			goto out_free;
	} else {
		nd = calloc(1, sizeof(*nd));
		if (nd)
			nd->text = strdup(val);
		if (!nd || !nd->text) {
			free(nd);
			rc = scn_nomem(ld);
			goto out_free;
		}
		nd->kind = SCN_SCALAR;
		nd->src = n;
		nd->line = n;
		nd->col = col;
		rc = scn_add_root(ld, nd);
		if (rc)
			goto out_free;
		if (scn_expr_at(nd->text) >= 0) {
			rc = scn_check_expr(ld, def, path, nd,
					    scn_expr_at(nd->text));
			if (rc)
				goto out_free;
		} else if (param_parse(def, nd->text, &v, msg, sizeof(msg))) {
			rc = scn_failn(ld, nd, "%s: %s", path, msg);
			goto out_free;
		}
	}
	old = scn_find_src(ld, path);
	if (old) {
		old->node = nd;
		old->inherited = false;
		free(path);
		path = old->path;
	} else {
		rc = scn_add_src(ld, path, def, nd);
		if (rc)
			return rc;
		path = ld->v[ld->nv - 1].path;
	}
	return (size_t)n <= ld->ninherit ? scn_set_inherit(ld, path, def, nd)
					 : 0;
out_free:
	free(path);
	return rc;
}

/* One concrete path of a --set with '*'. */
struct scn_set_star {
	int n, col;
	const char *val;
	size_t count;
};

static int scn_set_star_one(struct scn_ld *ld, char *path, void *ctx)
{
	struct scn_set_star *c = ctx;

	c->count++;
	return scn_set_one(ld, c->n, path, c->val, c->col);
}

static int scn_apply_set(struct scn_ld *ld, int n, const char *set)
{
	const char *eq = strchr(set, '='), *star;
	char *path, grp[256], one[32], q[64];
	struct scn_set_star c = { .n = n };
	int rc;

	if (!eq || eq == set)
		return scn_fail(ld, n, n, 1,
				"expected path=value, such as duration=10ms");
	path = scn_strndup(set, (size_t)(eq - set));
	if (path && scn_alias(path, grp, sizeof(grp)) != path) {
		free(path);
		path = strdup(grp);
	}
	if (!path)
		return scn_nomem(ld);
	c.val = eq + 1;
	c.col = (int)(c.val - set) + 1;
	if (strcmp(path, "*") && !strstr(path, ".*") && !strstr(path, "*."))
		return scn_set_one(ld, n, path, c.val, c.col);
	rc = scn_each_path(ld, "", path, true, scn_set_star_one, &c);
	star = strstr(path, ".*");
	snprintf(grp, sizeof(grp), "%.*s", star ? (int)(star - path) : 0, path);
	if (rc == -EDOM)
		rc = scn_fail(
			ld, n, n, 1,
			"'*' in '%s' stands for every instance of a group, as in hosts.*.driver.ipc_cost or apps.*.rate, and must be followed by a parameter",
			scn_text_quote(*grp ? grp : "*", q, sizeof(q)));
	else if (!rc && !c.count) {
		scn_singular(grp, one, sizeof(one));
		rc = scn_fail(
			ld, n, n, 1,
			"'%s' matches nothing: the scenario declares no %s",
			scn_text_quote(path, q, sizeof(q)), one);
	}
	free(path);
	return rc;
}

/*
 * Pass 5: effective parameters.
 */

static int scn_src_cmp(const void *a, const void *b)
{
	return strcmp(((const struct scn_src *)a)->path,
		      ((const struct scn_src *)b)->path);
}

static int scn_param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct scn_param *)a)->path,
		      ((const struct scn_param *)b)->path);
}

/* Parses the value of p from node (NULL: the default). */
/* The memo slot of def's values. */
static struct scn_memo *scn_memo_of(struct scn_ld *ld,
				    const struct param_def *def)
{
	uintptr_t h = (uintptr_t)def / sizeof(*def);

	return &ld->memo[(h ^ h >> 8) & (SCN_MEMO - 1)];
}

static int scn_value(struct scn_ld *ld, struct scn_param *p,
		     const struct param_def *def, const struct scn_node *nd)
{
	const char *text = nd ? nd->text : def->def;
	char msg[512];

	p->src = nd ? nd->src : -1;
	p->inc = nd ? nd->inc : 0;
	p->line = nd ? nd->line : 0;
	p->col = nd ? nd->col : 0;
	if (nd && nd->kind == SCN_SCALAR && def->type != PT_SIZE_TABLE &&
	    scn_expr_at(text) >= 0) {
		p->d = calloc(1, sizeof(*p->d));
		if (!p->d)
			return scn_nomem(ld);
		p->d->expr = strdup(text + scn_expr_at(text));
		p->d->node = nd;
		p->val.type = def->type;
		return p->d->expr ? 0
				  : scn_nomem(ld); /* scn_derive: the rest */
	}
	if (def->type == PT_SIZE_TABLE) {
		struct param_table *t = calloc(1, sizeof(*t));

		if (!t)
			return scn_nomem(ld);
		p->val.type = PT_SIZE_TABLE;
		p->val.u.table = t;
		if (nd && scn_table(ld, p->path, def, nd, t))
			return -EINVAL;
	} else {
		struct scn_memo *m = scn_memo_of(ld, def);

		if (m->def == def && !strcmp(m->text, text)) {
			p->val = m->val;
			p->text = m->canon;
			return 0;
		}
		p->raw = strdup(text);
		if (!p->raw)
			return scn_nomem(ld);
		if (param_parse(def, p->raw, &p->val, msg, sizeof(msg)))
			return scn_fail(ld, 0, 1, 1,
					"%s: the default '%s' is invalid: %s",
					p->path, text, msg);
		scn_drop_raw(p);
		if (p->val.type != PT_STRING && p->val.type != PT_ENUM) {
			const char *kept = scn_text_store(ld->s, text);

			if (!kept || scn_format_text(ld->s, p))
				return scn_nomem(ld);
			*m = (struct scn_memo){ .def = def,
						.text = kept,
						.val = p->val,
						.canon = p->text };
			return 0;
		}
	}
	if (nd && def->type == PT_SIZE_TABLE && nd->kind == SCN_SCALAR &&
	    workload_find(nd->text)) {
		/* a published workload is stored by its name */
		p->text = scn_text_store(ld->s, nd->text);
		return p->text ? 0 : scn_nomem(ld);
	}
	return scn_format_text(ld->s, p) ? scn_nomem(ld) : 0;
}

static int scn_missing(struct scn_ld *ld, const char *path)
{
	const struct scn_inst *at = NULL;

	for (size_t i = 0; i < ld->ninst; i++) {
		const struct scn_inst *in = &ld->inst[i];
		size_t lg = strlen(in->group), ln = strlen(in->name);

		if (!strncmp(path, in->group, lg) && path[lg] == '.' &&
		    !strncmp(path + lg + 1, in->name, ln) &&
		    path[lg + 1 + ln] == '.')
			at = in;
	}
	if (at)
		return scn_failn(ld, at->key, "missing required parameter %s",
				 path);
	return scn_fail(ld, 0, 1, 1, "missing required parameter %s", path);
}

/* Adds the parameter at path, of declaration def; valued: whether any
 * explicit value is of def (else none is searched for). */
static int scn_add_param(struct scn_ld *ld, const struct param_def *def,
			 char *path, bool valued)
{
	struct scn *s = ld->s;
	struct scn_src key = { .path = path }, *src;
	struct scn_param *p;
	char *stored;

	src = valued ? bsearch(&key, ld->v, ld->nv, sizeof(*ld->v), scn_src_cmp)
		     : NULL;
	if (!src && !def->def) {
		int rc = scn_missing(ld, path);

		free(path);
		return rc;
	}
	if (strbuf_grow_array(&s->p, &ld->capp, s->np, sizeof(*s->p)) ||
	    !(stored = scn_text_room(&s->texts, strlen(path)))) {
		free(path);
		return scn_nomem(ld);
	}
	strcpy(stored, path); /* with the texts: no allocation per path */
	free(path);
	p = &s->p[s->np++];
	memset(p, 0, sizeof(*p));
	p->path = stored;
	return scn_value(ld, p, def, src ? src->node : NULL);
}

struct scn_expand_ctx {
	const struct param_def *def;
	bool valued;
};

static int scn_expand_one(struct scn_ld *ld, char *path, void *ctx)
{
	const struct scn_expand_ctx *c = ctx;

	return scn_add_param(ld, c->def, path, c->valued);
}

/* Adds def for every instance of the groups in its path. Most of a large
 * scenario's declarations have no explicit value at all: a pass over the
 * values (a few thousand, of a few hundred declarations, each value's
 * declaration that of its path) spares each of their paths a binary
 * search of the values, which read lines all over the values' paths. */
static int scn_expand(struct scn_ld *ld, const struct param_def *def)
{
	struct scn_expand_ctx c = { def, false };
	int rc;

	for (size_t i = 0; i < ld->nv && !c.valued; i++)
		c.valued = ld->v[i].def == def;
	rc = scn_each_path(ld, "", def->path, false, scn_expand_one, &c);
	return rc == -EDOM ? 0 : rc; /* not a declaration we expand */
}

/*
 * Pass 6: derived parameters.
 *
 * A value written "= EXPR" is computed from the other effective values
 * (after like:, --set and a sweep point's values): the expression of
 * expr.h, its names parameter paths (vars.NAME for vars.NAME.value). A
 * derived parameter used by another is computed first; a cycle is an
 * error. The result must be of the parameter's kind (a rate from a rate
 * over a size, and so on), is rounded to the parameter's resolution (ps,
 * B, whole numbers for integers), and is checked against its range as a
 * value from the file would be. Then it is an effective value like any
 * other: in the hash, the database and the models.
 */

struct scn_dctx {
	struct scn_ld *ld;
	char hint[300];
};

static struct scn_param *scn_find_param(struct scn *s, const char *path)
{
	struct scn_param key = { .path = (char *)path };

	return s->np ? bsearch(&key, s->p, s->np, sizeof(*s->p), scn_param_cmp)
		     : NULL;
}

const char *scn_alias(const char *path, char *buf, size_t n)
{
	const char *dot;

	if (strncmp(path, "vars.", 5) || !path[5])
		return path;
	dot = strchr(path + 5, '.');
	if (dot)
		return path;
	snprintf(buf, n, "%s.value", path);
	return buf;
}

static struct scn_param *scn_lookup(struct scn *s, const char *name)
{
	char buf[300];

	return scn_find_param(s, scn_alias(name, buf, sizeof(buf)));
}

/* expr_resolve_fn over the effective parameters. */
static int scn_derive_resolve(void *ctx, const char *name,
			      struct expr_value *out, const char **hint)
{
	struct scn_dctx *c = ctx;
	struct scn *s = c->ld->s;
	const struct scn_param *q = scn_lookup(s, name);
	size_t best = (size_t)-1, d, blen = 0;
	const char *bp = NULL;

	if (q && q->d && q->d->state != SCN_DONE)
		return -EINVAL; /* scn_derive_one orders them: not reached */
	if (q) {
		if (!param_quantity(&q->val, &out->kind, &out->num, &out->str))
			return 0;
		*hint = "it is a size table";
		return -EDOM;
	}
	for (size_t i = 0; i < s->np; i++) {
		const char *path = s->p[i].path;
		size_t len = strlen(path);

		d = param_distance(name, path);
		if (!strncmp(path, "vars.", 5) && len > 11 &&
		    !strcmp(path + len - 6, ".value")) {
			/* vars.NAME, as a study writes it */
			snprintf(c->hint, sizeof(c->hint), "%.*s",
				 (int)(len - 6), path);
			if (param_distance(name, c->hint) < d) {
				d = param_distance(name, c->hint);
				len = 0;
			}
		}
		if (d < best) {
			best = d;
			bp = path;
			blen = len ? strlen(path) : strlen(path) - 6;
		}
	}
	if (bp && best <= (strlen(name) / 3 > 3 ? strlen(name) / 3 : 3)) {
		snprintf(c->hint, sizeof(c->hint), "did you mean '%.*s'?",
			 (int)blen, bp);
		*hint = c->hint;
	}
	return -ENOENT;
}

/* The kind a parameter of type t takes, or -1 for a plain number. */
static int scn_want_kind(const struct param_def *def, enum unit_kind got)
{
	switch (def->type) {
	case PT_TIME:
		return UNIT_TIME;
	case PT_SIZE:
		return UNIT_SIZE;
	case PT_BITRATE:
		return UNIT_BITRATE;
	case PT_PKTRATE:
		return UNIT_PKTRATE;
	case PT_RATE:
		return got == UNIT_PKTRATE ? UNIT_PKTRATE : UNIT_BITRATE;
	default:
		return UNIT_NONE;
	}
}

/* The text of x in the canonical unit of kind, for param_parse. */
static int scn_derived_text(enum unit_kind kind, double x, char *buf, size_t n)
{
	switch (kind) {
	case UNIT_TIME: /* to the nearest ps, halves up as units.c */
		return snprintf(buf, n, "%.0fps", round(x));
	case UNIT_SIZE:
		return snprintf(buf, n, "%.0fB", round(x));
	case UNIT_BITRATE:
		return snprintf(buf, n, "%.17gbps", x);
	case UNIT_PKTRATE:
		return snprintf(buf, n, "%.17gpps", x);
	default:
		return snprintf(buf, n, "%.17g", x);
	}
}

static int scn_derive_one(struct scn_ld *ld, struct scn_param *p);

/* Derives the parameters e uses before p (their values are needed). */
static int scn_derive_uses(struct scn_ld *ld, struct scn_param *p,
			   const struct expr *e)
{
	const char *const *names;
	size_t nn = expr_names(e, &names);
	struct scn_param *q;
	int rc;

	for (size_t i = 0; i < nn; i++) {
		q = scn_lookup(ld->s, names[i]);
		if (!q || !q->d || q->d->state == SCN_DONE)
			continue;
		if (q == p)
			return scn_failn(ld, p->d->node,
					 "%s: the expression uses %s itself",
					 p->path, p->path);
		if (q->d->state == SCN_BUSY)
			return scn_failn(
				ld, p->d->node,
				"%s: derived parameters form a cycle: %s uses %s, which needs %s",
				p->path, p->path, q->path, p->path);
		rc = scn_derive_one(ld, q);
		if (rc)
			return rc;
	}
	return 0;
}

/* The expression gives got, which p does not take. */
static int scn_derive_kind_fail(struct scn_ld *ld, const struct scn_param *p,
				const char *got)
{
	const struct param_def *def = param_lookup(p->path);
	int want = scn_want_kind(def, UNIT_BITRATE);

	return scn_failn(
		ld, p->d->node, "%s: the expression gives %s, but %s is %s%s",
		p->path, got, p->path,
		want == UNIT_NONE ? "a plain number"
				  : units_kind_name((enum unit_kind)want),
		def->type == PT_RATE ? " or a packet rate" : "");
}

/* Checks the value v computed for p and makes it p's value. */
static int scn_derive_set(struct scn_ld *ld, struct scn_param *p,
			  const struct param_def *def, struct expr_value *v)
{
	const char *got = units_kind_name(v->kind);
	int want = scn_want_kind(def, v->kind);
	char text[64], msg[512];

	if (v->str)
		return scn_failn(ld, p->d->node,
				 "%s: the expression gives a string; %s is %s",
				 p->path, p->path,
				 units_kind_name((enum unit_kind)want));
	if (v->kind == UNIT_FRACTION)
		v->kind = UNIT_NONE;
	if ((int)v->kind != want)
		return scn_derive_kind_fail(ld, p, got);
	if (!isfinite(v->num))
		return scn_failn(ld, p->d->node, "%s: the expression gives %g",
				 p->path, v->num);
	if (def->type == PT_INT && v->num != floor(v->num))
		return scn_failn(
			ld, p->d->node,
			"%s: the expression gives %.15g, but %s is a whole number",
			p->path, v->num, p->path);
	scn_derived_text(v->kind, v->num, text, sizeof(text));
	p->raw = strdup(text);
	if (!p->raw)
		return scn_nomem(ld);
	if (param_parse(def, p->raw, &p->val, msg, sizeof(msg)))
		return scn_failn(ld, p->d->node,
				 "%s: the expression gives %s: %s", p->path,
				 text, msg);
	scn_drop_raw(p);
	return scn_format_text(ld->s, p) ? scn_nomem(ld) : 0;
}

static int scn_derive_one(struct scn_ld *ld, struct scn_param *p)
{
	struct scn_dctx c = { .ld = ld };
	long off = scn_expr_at(p->d->node->text);
	struct expr_value v;
	struct expr *e = NULL;
	char msg[512], dims[64];
	size_t col = 0;
	int rc;

	if (p->d->state == SCN_DONE)
		return 0;
	p->d->state = SCN_BUSY;
	rc = expr_parse(p->d->expr, &e, &col, msg, sizeof(msg));
	if (rc == -ENOMEM)
		return scn_nomem(ld);
	if (rc) /* checked when read: not reached */
		return scn_fail_in(ld, p->d->node, (size_t)off + col, "%s: %s",
				   p->path, msg);
	if (!rc)
		rc = scn_derive_uses(ld, p, e);
	if (!rc && expr_bind(e, scn_derive_resolve, &c, &col, msg, sizeof(msg)))
		rc = scn_fail_in(ld, p->d->node, (size_t)off + col, "%s: %s",
				 p->path, msg);
	if (!rc) {
		rc = expr_eval_kind(e, scn_derive_resolve, &c, &v, dims,
				    sizeof(dims));
		if (rc == -EDOM)
			rc = scn_derive_kind_fail(ld, p, dims);
		else if (!rc)
			rc = scn_derive_set(ld, p, param_lookup(p->path), &v);
	}
	expr_destroy(e);
	p->d->state = SCN_DONE;
	return rc;
}

static int scn_derive(struct scn_ld *ld)
{
	int rc;

	for (size_t i = 0; i < ld->s->np; i++) {
		if (!ld->s->p[i].d)
			continue;
		rc = scn_derive_one(ld, &ld->s->p[i]);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < ld->s->np; i++)
		if (ld->s->p[i].d) /* the --set nodes go with ld */
			ld->s->p[i].d->node = NULL;
	return 0;
}

static int scn_groups(struct scn_ld *ld)
{
	struct scn *s = ld->s;

	s->g = calloc(ld->ngrp ? ld->ngrp : 1, sizeof(*s->g));
	if (!s->g)
		return scn_nomem(ld);
	for (size_t i = 0; i < ld->ngrp; i++) {
		struct scn_group *g = &s->g[i];
		size_t n = 0;

		s->ng = i + 1;
		for (size_t k = ld->grp[i].first + 1; k;
		     k = ld->inst[k - 1].gnext)
			n++;
		g->group = strdup(ld->inst[ld->grp[i].first].group);
		g->names = calloc(n, sizeof(*g->names));
		if (!g->group || !g->names)
			return scn_nomem(ld);
		for (size_t k = ld->grp[i].first + 1; k;
		     k = ld->inst[k - 1].gnext, g->n++) {
			g->names[g->n] = strdup(ld->inst[k - 1].name);
			if (!g->names[g->n])
				return scn_nomem(ld);
		}
	}
	return 0;
}

static int scn_effective(struct scn_ld *ld)
{
	int rc;

	scn_index_free(&ld->vix); /* from here, v is searched by bsearch */
	if (ld->nv)
		qsort(ld->v, ld->nv, sizeof(*ld->v), scn_src_cmp);
	for (size_t i = 0, n = param_count(); i < n; i++) {
		rc = scn_expand(ld, param_at(i));
		if (rc)
			return rc;
	}
	if (ld->s->np)
		qsort(ld->s->p, ld->s->np, sizeof(*ld->s->p), scn_param_cmp);
	rc = scn_derive(ld);
	return rc ? rc : scn_groups(ld);
}

/*
 * Loading.
 */

static int scn_read(const char *path, char **buf, size_t *len, char *err,
		    size_t errlen)
{
	size_t cap = 4096, n = 0;
	struct stat sb;
	FILE *f;
	char *b = NULL, *nb;
	int rc = 0;

	if (!*path) {
		if (err && errlen)
			snprintf(
				err, errlen,
				"'': an empty path; give the path of a scenario file, e.g. scenarios/md1.yaml");
		return -ENOENT;
	}
	/* a FIFO or socket would block until someone writes to it */
	if (!stat(path, &sb) &&
	    (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode))) {
		if (err && errlen)
			snprintf(err, errlen,
				 "%s: is a %s, not a scenario file", path,
				 S_ISFIFO(sb.st_mode) ? "FIFO" : "socket");
		return -EINVAL;
	}
	f = fopen(path, "rb");
	if (!f) {
		rc = -errno;
		goto out_err;
	}
	for (;;) {
		nb = realloc(b, cap + 1);
		if (!nb) {
			rc = -ENOMEM;
			break;
		}
		b = nb;
		n += fread(b + n, 1, cap - n, f);
		if (n < cap)
			break;
		if (cap > SCN_FILE_MAX) {
			fclose(f);
			free(b);
			if (err && errlen)
				snprintf(
					err, errlen,
					"%s: larger than %u MiB; a scenario is a YAML file of a few KiB (is this the right file?)",
					path, SCN_FILE_MAX >> 20);
			return -EFBIG;
		}
		cap *= 2;
	}
	if (!rc && ferror(f))
		rc = errno ? -errno : -EIO;
	fclose(f);
	if (rc) {
		free(b);
		goto out_err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
out_err:
	if (err && errlen)
		snprintf(
			err, errlen, "%s: %s%s", path, strerror(-rc),
			rc == -ENOENT
				? " (give the path of a scenario file, e.g. scenarios/md1.yaml)"
				: "");
	return rc;
}

static void scn_hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 0x100000001b3ULL;
	}
}

/* The tree of the file: a mapping at the top. */
static int scn_load_tree(struct scn_ld *ld, const char *buf, size_t len,
			 struct scn_node **root)
{
	char f[64];
	int rc;

	rc = scn_build(ld, buf, len, 0, 0, 1, root);
	if (rc)
		return rc;
	if (!*root || (*root)->null) {
		if (*root)
			return scn_failn(
				ld, *root,
				"empty scenario; expected a mapping of parameters such as 'duration: 1s'");
		return scn_fail(
			ld, 0, 1, 1,
			"empty scenario; expected a mapping of parameters such as 'duration: 1s'");
	}
	if ((*root)->kind != SCN_MAP)
		return scn_failn(
			ld, *root,
			"expected a mapping of parameters at the top level, found %s",
			scn_node_found(*root, f, sizeof(f)));
	return 0;
}

/* The fragments the file includes, merged beneath its tree; a profile:
 * block belongs to a fragment. */
static int scn_load_includes(struct scn_ld *ld, struct scn_node *root)
{
	long j = scn_map_find(root, "profile");

	if (j >= 0)
		return scn_failn(
			ld, root->kid[j],
			"profile: describes a fragment that scenarios include (include: NAME); a scenario has none");
	ld->real = realpath(ld->file, NULL); /* NULL: no cycle through it */
	return scn_includes(ld, root, 0);
}

/* Fills in the study name: the `name` parameter, or the file's base name
 * without extension. */
static int scn_finish(struct scn *s)
{
	const struct param_val *name;
	const char *base, *dot;
	char *nm;

	if (s->np) { /* the array grew by doubling: give back what is spare */
		struct scn_param *p = realloc(s->p, s->np * sizeof(*s->p));

		if (p)
			s->p = p;
	}
	name = scn_get(s, "name");
	if (name && name->type == PT_STRING && name->u.s && *name->u.s) {
		s->name = name->u.s;
		return 0;
	}
	base = strrchr(s->path, '/');
	base = base ? base + 1 : s->path;
	dot = strrchr(base, '.');
	for (size_t i = 0; i < s->np; i++) {
		struct scn_param *p = &s->p[i];

		if (strcmp(p->path, "name"))
			continue;
		nm = scn_strndup(base, dot && dot > base ? (size_t)(dot - base)
							 : strlen(base));
		if (!nm)
			return -ENOMEM;
		p->text = scn_text_store(s, nm);
		if (!p->text) {
			free(nm);
			return -ENOMEM;
		}
		free(p->raw);
		p->raw = nm;
		p->val.u.s = nm;
		s->name = nm;
		return 0;
	}
	s->name = "";
	return 0;
}

static void scn_hash_node(uint64_t *h, const struct scn_node *nd)
{
	static const char kind[] = {
		[SCN_SCALAR] = 'S', [SCN_MAP] = 'M', [SCN_SEQ] = 'Q'
	};

	scn_hash_bytes(h, &kind[nd->kind], 1);
	if (nd->kind == SCN_SCALAR)
		scn_hash_bytes(h, nd->text, strlen(nd->text) + 1);
	for (size_t i = 0; i < nd->n; i++)
		scn_hash_node(h, nd->kid[i]);
	scn_hash_bytes(h, "", 1);
}

/*
 * The scenario hash names what is simulated: FNV-1a 64 over every
 * effective parameter in path order ("path=text" and a NUL each), then the
 * sweep: block as a tree. Comments, layout, the order of keys, values equal
 * to their defaults written out, and the blocks that do not change results
 * (expect:, figures:) leave it as it is, so editing them does not make a
 * study run again; any change of a value does.
 */
static void scn_set_hash(struct scn *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const struct scn_node *sweep = scn_block(s, "sweep");

	for (size_t i = 0; i < s->np; i++) {
		scn_hash_bytes(&h, s->p[i].path, strlen(s->p[i].path));
		scn_hash_bytes(&h, "=", 1);
		scn_hash_bytes(&h, s->p[i].text, strlen(s->p[i].text) + 1);
	}
	if (sweep)
		scn_hash_node(&h, sweep);
	snprintf(s->hash, sizeof(s->hash), "%016llx", (unsigned long long)h);
}

/* Moves the file's tree from the load state to the scenario. */
static void scn_keep_tree(struct scn_ld *ld, struct scn_node *root)
{
	for (size_t i = 0; i < ld->nroots; i++) {
		if (ld->roots[i] == root) {
			ld->roots[i] = NULL;
			ld->s->tree = root;
			return;
		}
	}
}

static void scn_ld_fini(struct scn_ld *ld)
{
	for (size_t i = 0; i < ld->nroots; i++)
		scn_node_free(ld->roots[i]);
	free(ld->roots);
	for (size_t i = 0; i < ld->nv; i++)
		free(ld->v[i].path);
	free(ld->v);
	for (size_t i = 0; i < ld->ninst; i++) {
		free(ld->inst[i].group);
		free(ld->inst[i].name);
	}
	free(ld->inst);
	for (size_t i = 0; i < ld->nstar; i++)
		free(ld->star[i].group);
	free(ld->star);
	free(ld->psrc);
	free(ld->real);
	scn_index_free(&ld->vix);
	scn_index_free(&ld->iix);
	scn_index_free(&ld->gix);
	free(ld->grp);
	free(ld->link);
}

int scn_load(const char *path, const char *const *sets, size_t nsets,
	     struct scn **out, char *err, size_t errlen)
{
	return scn_load_point(path, sets, nsets, nsets, out, err, errlen);
}

int scn_load_point(const char *path, const char *const *sets, size_t nsets,
		   size_t ninherit, struct scn **out, char *err, size_t errlen)
{
	struct scn_ld ld = {
		.file = path, .err = err, .errlen = errlen, .ninherit = ninherit
	};
	struct scn_node *root;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	rc = scn_read(path, &buf, &len, err, errlen);
	if (rc)
		return rc;
	ld.s = calloc(1, sizeof(*ld.s));
	if (!ld.s || !(ld.s->path = strdup(path))) {
		rc = scn_nomem(&ld);
		goto out_fail;
	}
	rc = scn_load_tree(&ld, buf, len, &root);
	if (!rc)
		rc = scn_load_includes(&ld, root);
	if (!rc)
		rc = scn_walk_map(&ld, root, "", -1);
	if (!rc)
		rc = scn_sweep_vars(&ld, root);
	for (size_t i = 0; !rc && i < ld.ninst; i++)
		rc = scn_resolve(&ld, (long)i);
	if (!rc)
		rc = scn_index_likers(&ld);
	if (!rc)
		rc = scn_apply_stars(&ld);
	for (size_t i = 0; !rc && i < nsets; i++)
		rc = scn_apply_set(&ld, (int)i + 1, sets[i]);
	if (!rc)
		rc = scn_effective(&ld);
	if (!rc && scn_finish(ld.s))
		rc = scn_nomem(&ld);
	if (rc)
		goto out_fail;
	scn_keep_tree(&ld, root);
	scn_set_hash(ld.s);
	scn_ld_fini(&ld);
	free(buf);
	*out = ld.s;
	return 0;
out_fail:
	scn_ld_fini(&ld);
	scn_destroy(ld.s);
	free(buf);
	return rc;
}

void scn_destroy(struct scn *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->np; i++) {
		free(s->p[i].raw);
		if (s->p[i].d) {
			free(s->p[i].d->expr);
			free(s->p[i].d);
		}
		if (s->p[i].val.type == PT_SIZE_TABLE && s->p[i].val.u.table) {
			struct param_table *t =
				(struct param_table *)s->p[i].val.u.table;

			free(t->value);
			free(t->weight);
			free(t);
		}
	}
	free(s->p);
	scn_texts_fini(&s->texts);
	for (size_t i = 0; i < s->ng; i++) {
		for (size_t k = 0; k < s->g[i].n; k++)
			free(s->g[i].names[k]);
		free(s->g[i].names);
		free(s->g[i].group);
	}
	free(s->g);
	scn_node_free(s->tree);
	for (size_t i = 0; i < s->nincl; i++) {
		free(s->incl[i].path);
		free(s->incl[i].real);
	}
	free(s->incl);
	free(s->path);
	free(s);
}

const char *scn_path(const struct scn *s)
{
	return s->path;
}

const struct scn_node *scn_block(const struct scn *s, const char *key)
{
	const struct scn_node *m = s->tree;

	for (size_t i = 0; m && m->kind == SCN_MAP && i + 1 < m->n; i += 2)
		if (m->kid[i]->kind == SCN_SCALAR &&
		    !strcmp(m->kid[i]->text, key))
			return m->kid[i + 1];
	return NULL;
}

const char *scn_name(const struct scn *s)
{
	return s->name;
}

const char *scn_hash(const struct scn *s)
{
	return s->hash;
}

size_t scn_instances(const struct scn *s, const char *group,
		     const char *const **names)
{
	for (size_t i = 0; i < s->ng; i++) {
		if (!strcmp(s->g[i].group, group)) {
			if (names)
				*names = (const char *const *)s->g[i].names;
			return s->g[i].n;
		}
	}
	if (names)
		*names = NULL;
	return 0;
}

static const struct scn_param *scn_find(const struct scn *s, const char *path)
{
	struct scn_param key = { .path = (char *)path };

	if (!s->np)
		return NULL;
	return bsearch(&key, s->p, s->np, sizeof(*s->p), scn_param_cmp);
}

const struct param_val *scn_get(const struct scn *s, const char *path)
{
	const struct scn_param *p = scn_find(s, path);

	return p ? &p->val : NULL;
}

/* The value at path if its type is one of the mask's; aborts otherwise. */
static const struct param_val *scn_typed(const struct scn *s, const char *path,
					 unsigned mask)
{
	const struct param_val *v = scn_get(s, path);

	if (!v || !(mask & (1u << v->type)))
		abort();
	return v;
}

sim_time scn_time(const struct scn *s, const char *path)
{
	return scn_typed(s, path, 1u << PT_TIME)->u.t;
}

double scn_double(const struct scn *s, const char *path)
{
	return scn_typed(s, path,
			 1u << PT_FLOAT | 1u << PT_FRACTION | 1u << PT_BITRATE |
				 1u << PT_PKTRATE | 1u << PT_RATE)
		->u.d;
}

uint64_t scn_size(const struct scn *s, const char *path)
{
	return scn_typed(s, path, 1u << PT_SIZE)->u.size;
}

int64_t scn_int(const struct scn *s, const char *path)
{
	return scn_typed(s, path, 1u << PT_INT | 1u << PT_BOOL)->u.i;
}

const char *scn_str(const struct scn *s, const char *path)
{
	return scn_typed(s, path, 1u << PT_STRING | 1u << PT_ENUM)->u.s;
}

const char *scn_text(const struct scn *s, const char *path)
{
	const struct scn_param *p = scn_find(s, path);

	return p ? p->text : NULL;
}

const char *scn_expr(const struct scn *s, const char *path)
{
	const struct scn_param *p = scn_find(s, path);

	return p && p->d ? p->d->expr : NULL;
}

int scn_where(const struct scn *s, const char *path, char *buf, size_t n)
{
	const struct scn_param *p = scn_find(s, path);

	if (!p) {
		if (n)
			buf[0] = '\0';
		return -ENOENT;
	}
	if (p->src > 0)
		return snprintf(buf, n, "--set:%d:%d", p->src, p->col);
	if (p->src == 0)
		return snprintf(buf, n, "%s:%d:%d",
				p->inc ? s->incl[p->inc - 1].path : s->path,
				p->line, p->col);
	return snprintf(buf, n, "%s", s->path);
}

size_t scn_param_count(const struct scn *s)
{
	return s->np;
}

void scn_param_at(const struct scn *s, size_t i, const char **path,
		  const char **text)
{
	*path = s->p[i].path;
	*text = s->p[i].text;
}

static const struct param_val *scn_src_get(const void *ctx, const char *path)
{
	return scn_get(ctx, path);
}

static int scn_src_where(const void *ctx, const char *path, char *buf, size_t n)
{
	return scn_where(ctx, path, buf, n);
}

static bool scn_src_given(const void *ctx, const char *path)
{
	const struct scn_param *p = scn_find(ctx, path);

	return p && p->src >= 0;
}

static size_t scn_src_instances(const void *ctx, const char *group,
				const char *const **names)
{
	return scn_instances(ctx, group, names);
}

struct param_src scn_source(const struct scn *s)
{
	return (struct param_src){ .ctx = s,
				   .get = scn_src_get,
				   .where = scn_src_where,
				   .instances = scn_src_instances,
				   .given = scn_src_given };
}

/*
 * A profile on its own, for `usnsim params --profile`: the fragment and
 * what it includes, merged and checked as a scenario's include: would,
 * and every value it sets with its source.
 */
struct scn_pval {
	char *path, *value, *source;
};

struct scn_profile {
	char *file, *about;
	struct scn_pval *v;
	size_t n, cap;
};

static const char *scn_psource(const struct scn_ld *ld,
			       const struct scn_node *val)
{
	for (size_t i = 0; i < ld->npsrc; i++)
		if (ld->psrc[i].val == val)
			return ld->psrc[i].source->text;
	return "";
}

/* Every value under mapping m (at prefix) into p. */
static int scn_profile_values(struct scn_ld *ld, const struct scn_node *m,
			      const char *prefix, struct scn_profile *p)
{
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct scn_node *key = m->kid[i], *val = m->kid[i + 1];
		struct scn_pval *pv;
		char rows[32];
		char *path;
		int rc;

		if (!strcmp(key->text, "like"))
			continue;
		path = scn_join(prefix, key->text);
		if (!path)
			return scn_nomem(ld);
		if (val->kind == SCN_MAP) {
			rc = scn_profile_values(ld, val, path, p);
			free(path);
			if (rc)
				return rc;
			continue;
		}
		if (strbuf_grow_array(&p->v, &p->cap, p->n, sizeof(*p->v))) {
			free(path);
			return scn_nomem(ld);
		}
		snprintf(rows, sizeof(rows), "[%zu rows]", val->n);
		pv = &p->v[p->n++];
		*pv = (struct scn_pval){
			.path = path,
			.value =
				strdup(val->kind == SCN_SEQ ? rows : val->text),
			.source = strdup(scn_psource(ld, val))
		};
		if (!pv->value || !pv->source)
			return scn_nomem(ld);
	}
	return 0;
}

/* The profile: block's about: text, or "". */
static char *scn_profile_about(const struct scn_node *root)
{
	long j = scn_map_find(root, "profile"), k;
	const struct scn_node *prof;

	if (j < 0 || (prof = root->kid[j + 1])->kind != SCN_MAP)
		return strdup("");
	k = scn_map_find(prof, "about");
	return strdup(k >= 0 && prof->kid[k + 1]->kind == SCN_SCALAR
			      ? prof->kid[k + 1]->text
			      : "");
}

int scn_profile_load(const char *name, struct scn_profile **out, char *err,
		     size_t errlen)
{
	struct scn_ld ld = { .err = err, .errlen = errlen };
	struct scn_profile *p = calloc(1, sizeof(*p));
	char path[PATH_MAX], *buf = NULL;
	struct scn_node *root;
	size_t len;
	int rc;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	if (scn_is_file_ref(name) ||
	    (scn_profile_path(name, path, sizeof(path)) && !access(name, F_OK)))
		snprintf(path, sizeof(path), "%s", name);
	else if (scn_profile_path(name, path, sizeof(path))) {
		snprintf(
			err, errlen,
			"%s: no bundled profile of that name (scenarios/profiles/%s.yaml); give a bundled profile's name or a file's path",
			name, name);
		free(p);
		return -ENOENT;
	}
	ld.file = p->file = strdup(path);
	ld.s = calloc(1, sizeof(*ld.s));
	if (!p->file || !ld.s) {
		rc = -ENOMEM;
		goto out;
	}
	rc = scn_read(path, &buf, &len, err, errlen);
	if (!rc)
		rc = scn_load_tree(&ld, buf, len, &root);
	if (!rc && !(p->about = scn_profile_about(root)))
		rc = scn_nomem(&ld);
	if (!rc)
		rc = scn_fragment(&ld, root);
	if (!rc) {
		ld.real = realpath(path, NULL);
		rc = scn_includes(&ld, root, 0);
	}
	if (!rc)
		rc = scn_walk_map(&ld, root, "", -1);
	if (!rc)
		rc = scn_profile_values(&ld, root, "", p);
out:
	free(buf);
	scn_ld_fini(&ld);
	scn_destroy(ld.s);
	if (rc) {
		scn_profile_destroy(p);
		return rc;
	}
	*out = p;
	return 0;
}

void scn_profile_destroy(struct scn_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].value);
		free(p->v[i].source);
	}
	free(p->v);
	free(p->file);
	free(p->about);
	free(p);
}

const char *scn_profile_file(const struct scn_profile *p)
{
	return p->file;
}

const char *scn_profile_text(const struct scn_profile *p)
{
	return p->about;
}

size_t scn_profile_count(const struct scn_profile *p)
{
	return p->n;
}

void scn_profile_at(const struct scn_profile *p, size_t i, const char **path,
		    const char **value, const char **source)
{
	*path = p->v[i].path;
	*value = p->v[i].value;
	*source = p->v[i].source;
}
