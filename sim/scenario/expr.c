/*
 * expr.c - parsing, binding and evaluating the small expressions of expr.h.
 *
 * A scanner turns the text into tokens, each with its byte offset; a
 * recursive-descent parser, one function per precedence level, builds a
 * tree whose every node keeps the offset of the token it comes from, so an
 * error can point at the operand or operator at fault. Binding walks the
 * tree once with the caller's resolver and checks unit kinds, reporting
 * the first problem; evaluation walks it again with the same checks, no
 * messages and no allocation.
 *
 * Assumptions: expressions are short (one line of a scenario). Nesting is
 * bounded by EXPR_DEPTH_MAX, in the parser and in the tree, which bounds
 * every recursion here. A quantity has its unit attached ("20us", not
 * "20 us"); a percentage is a fraction and may exceed 100%. Strings
 * returned by a resolver stay valid for the whole of one evaluation.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "expr.h"
#include "strbuf.h"

#define EXPR_DEPTH_MAX 200
#define EXPR_QUOTE_MAX 40
#define EXPR_NUM_MAX 120

/* Tokens and nodes share one set of codes. */
enum expr_op {
	EX_END,
	EX_NUM,
	EX_STR,
	EX_NAME,
	EX_LP,
	EX_RP,
	EX_OR,
	EX_AND,
	EX_NOT,
	EX_NEG,
	EX_LT,
	EX_LE,
	EX_GT,
	EX_GE,
	EX_EQ,
	EX_NE,
	EX_ADD,
	EX_SUB,
	EX_MUL,
	EX_DIV,
};

static const char *const expr_op_text[] = {
	[EX_END] = "",	  [EX_NUM] = "",  [EX_STR] = "",  [EX_NAME] = "",
	[EX_LP] = "(",	  [EX_RP] = ")",  [EX_OR] = "or", [EX_AND] = "and",
	[EX_NOT] = "not", [EX_NEG] = "-", [EX_LT] = "<",  [EX_LE] = "<=",
	[EX_GT] = ">",	  [EX_GE] = ">=", [EX_EQ] = "==", [EX_NE] = "!=",
	[EX_ADD] = "+",	  [EX_SUB] = "-", [EX_MUL] = "*", [EX_DIV] = "/",
};

struct expr_node {
	enum expr_op op;
	size_t pos;	     /* byte offset of the token */
	int depth;	     /* height of the subtree */
	enum unit_kind kind; /* EX_NUM */
	double num;	     /* EX_NUM, canonical units */
	char *str;	     /* EX_STR: the text between the quotes */
	size_t name;	     /* EX_NAME: index in expr.names */
	struct expr_node *l, *r;
};

struct expr {
	struct expr_node *root;
	char **names; /* distinct, in order of first use */
	size_t nnames, capnames;
};

struct expr_tok {
	enum expr_op op;
	size_t pos, len;
	enum unit_kind kind;
	double num;
};

struct expr_parser {
	const char *text;
	size_t at; /* next byte to scan */
	struct expr_tok tok;
	struct expr *e;
	int depth;
	size_t *errcol;
	char *err;
	size_t errlen;
};

static int expr_vfail(size_t *errcol, char *err, size_t errlen, size_t pos,
		      const char *fmt, va_list ap)
{
	if (errcol)
		*errcol = pos;
	if (err && errlen) {
		err[0] = '\0';
		errmsg_vappend(err, errlen, fmt, ap);
	}
	return -EINVAL;
}

static int expr_fail(struct expr_parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = expr_vfail(p->errcol, p->err, p->errlen, pos, fmt, ap);
	va_end(ap);
	return rc;
}

static int expr_nomem(struct expr_parser *p)
{
	expr_fail(p, 0, "out of memory");
	return -ENOMEM;
}

/* "the end" or the token's text quoted, for "found ..." in messages. */
static const char *expr_found(const struct expr_parser *p,
			      const struct expr_tok *t, char *buf, size_t n)
{
	int len = t->len > EXPR_QUOTE_MAX ? EXPR_QUOTE_MAX : (int)t->len;

	if (t->op == EX_END)
		return "the end";
	snprintf(buf, n, "'%.*s%s'", len, p->text + t->pos,
		 t->len > EXPR_QUOTE_MAX ? "..." : "");
	return buf;
}

/*
 * Scanning.
 */

/* Length of a unit character at s (a letter, '%' or a micro sign), or 0. */
static size_t expr_unit_char(const char *s)
{
	unsigned char c = (unsigned char)s[0], d;

	if (isalpha(c) || c == '%')
		return 1;
	if (c != 0xc2 && c != 0xce)
		return 0;
	d = (unsigned char)s[1];
	return (c == 0xc2 && d == 0xb5) || (c == 0xce && d == 0xbc) ? 2 : 0;
}

static bool expr_name_char(char c, bool dashes)
{
	return isalnum((unsigned char)c) || c == '_' || (dashes && c == '-');
}

/* Converts the quantity text (number and unit) to canonical units. */
static int expr_quantity(struct expr_parser *p, const char *q, size_t unit)
{
	struct expr_tok *t = &p->tok;
	uint64_t bytes;
	sim_time ps;
	int rc = 0;

	t->kind = units_kind_of(q);
	switch ((int)t->kind) {
	case UNIT_TIME:
		rc = units_parse_time(q, &ps);
		t->num = (double)ps;
		break;
	case UNIT_SIZE:
		rc = units_parse_size(q, &bytes);
		t->num = (double)bytes;
		break;
	case UNIT_BITRATE:
		rc = units_parse_bitrate(q, &t->num);
		break;
	case UNIT_PKTRATE:
		rc = units_parse_pktrate(q, &t->num);
		break;
	case UNIT_FRACTION: /* a percentage: 150% is allowed here */
		t->num = strtod(q, NULL) / 100;
		break;
	default:
		return expr_fail(p, t->pos + unit, "unknown unit '%s' in '%s'",
				 q + unit, q);
	}
	if (rc || !isfinite(t->num))
		return expr_fail(p, t->pos, "'%s' is too large", q);
	return 0;
}

static int expr_scan_number(struct expr_parser *p)
{
	const char *s = p->text + p->at;
	struct expr_tok *t = &p->tok;
	char q[EXPR_NUM_MAX + 1];
	size_t i = 0, unit, ul;

	while (isdigit((unsigned char)s[i]))
		i++;
	if (s[i] == '.')
		for (i++; isdigit((unsigned char)s[i]); i++)
			;
	if ((s[i] == 'e' || s[i] == 'E') &&
	    (isdigit((unsigned char)s[i + 1]) ||
	     ((s[i + 1] == '+' || s[i + 1] == '-') &&
	      isdigit((unsigned char)s[i + 2]))))
		for (i += 2; isdigit((unsigned char)s[i]); i++)
			;
	unit = i;
	while ((ul = expr_unit_char(s + i)) != 0)
		i += ul;
	if (i > unit && s[i] == '/' && s[i + 1] == 's' &&
	    !expr_name_char(s[i + 2], false))
		i += 2;
	*t = (struct expr_tok){ EX_NUM, p->at, i, UNIT_NONE, 0 };
	p->at += i;
	if (i > EXPR_NUM_MAX)
		return expr_fail(p, t->pos, "number too long");
	memcpy(q, s, i);
	q[i] = '\0';
	if (unit < i)
		return expr_quantity(p, q, unit);
	t->num = strtod(q, NULL);
	if (!isfinite(t->num))
		return expr_fail(p, t->pos, "'%s' is too large", q);
	return 0;
}

static void expr_scan_name(struct expr_parser *p)
{
	const char *s = p->text + p->at;
	struct expr_tok *t = &p->tok;
	size_t i = 1;

	while (expr_name_char(s[i], false))
		i++;
	t->op = EX_NAME;
	if (i == 3 && !memcmp(s, "and", 3))
		t->op = EX_AND;
	else if (i == 2 && !memcmp(s, "or", 2))
		t->op = EX_OR;
	else if (i == 3 && !memcmp(s, "not", 3))
		t->op = EX_NOT;
	while (t->op == EX_NAME && s[i] == '.' &&
	       expr_name_char(s[i + 1], true))
		for (i++; expr_name_char(s[i], true); i++)
			;
	t->pos = p->at;
	t->len = i;
	p->at += i;
}

static int expr_scan_string(struct expr_parser *p)
{
	const char *s = p->text + p->at;
	const char *end = strchr(s + 1, s[0]);

	if (!end)
		return expr_fail(p, p->at,
				 "unterminated string; expected a closing %c",
				 s[0]);
	p->tok = (struct expr_tok){ EX_STR, p->at, (size_t)(end - s) + 1,
				    UNIT_NONE, 0 };
	p->at += p->tok.len;
	return 0;
}

/* Operators; returns -EINVAL for a character that starts no token. */
static int expr_scan_op(struct expr_parser *p)
{
	static const struct {
		const char *text;
		enum expr_op op;
	} ops[] = {
		{ "<=", EX_LE }, { ">=", EX_GE }, { "==", EX_EQ },
		{ "!=", EX_NE }, { "<", EX_LT },  { ">", EX_GT },
		{ "(", EX_LP },	 { ")", EX_RP },  { "+", EX_ADD },
		{ "-", EX_SUB }, { "*", EX_MUL }, { "/", EX_DIV },
	};
	const char *s = p->text + p->at;
	unsigned char c = (unsigned char)*s;
	size_t len = 1;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t l = strlen(ops[i].text);

		if (!strncmp(s, ops[i].text, l)) {
			p->tok = (struct expr_tok){ ops[i].op, p->at, l,
						    UNIT_NONE, 0 };
			p->at += l;
			return 0;
		}
	}
	if (c == '=')
		return expr_fail(
			p, p->at,
			"'=' is not an operator; write '==' to compare");
	if (c == '!')
		return expr_fail(p, p->at,
				 "'!' is not an operator; write '!=' or 'not'");
	if (c == '&')
		return expr_fail(p, p->at,
				 "'&' is not an operator; write 'and'");
	if (c == '|')
		return expr_fail(p, p->at,
				 "'|' is not an operator; write 'or'");
	if (c < 0x20 || c == 0x7f)
		return expr_fail(p, p->at, "unexpected control character");
	while (c >= 0xc0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len++;
	return expr_fail(p, p->at, "unexpected character '%.*s'", (int)len, s);
}

/* Reads the next token into p->tok. */
static int expr_next(struct expr_parser *p)
{
	const char *s;

	while (isspace((unsigned char)p->text[p->at]))
		p->at++;
	s = p->text + p->at;
	if (!*s) {
		p->tok = (struct expr_tok){ EX_END, p->at, 0, UNIT_NONE, 0 };
		return 0;
	}
	if (isdigit((unsigned char)s[0]) ||
	    (s[0] == '.' && isdigit((unsigned char)s[1])))
		return expr_scan_number(p);
	if (isalpha((unsigned char)s[0]) || s[0] == '_') {
		expr_scan_name(p);
		return 0;
	}
	if (s[0] == '\'' || s[0] == '"')
		return expr_scan_string(p);
	return expr_scan_op(p);
}

/*
 * Parsing.
 */

static void expr_node_free(struct expr_node *n)
{
	if (!n)
		return;
	expr_node_free(n->l);
	expr_node_free(n->r);
	free(n->str);
	free(n);
}

static int expr_add_name(struct expr_parser *p, const char *name, size_t len,
			 size_t *index)
{
	struct expr *e = p->e;
	char **names;

	for (size_t i = 0; i < e->nnames; i++) {
		if (strlen(e->names[i]) == len &&
		    !memcmp(e->names[i], name, len)) {
			*index = i;
			return 0;
		}
	}
	if (e->nnames == e->capnames) {
		size_t cap = e->capnames ? 2 * e->capnames : 4;

		names = realloc(e->names, cap * sizeof(*names));
		if (!names)
			return expr_nomem(p);
		e->names = names;
		e->capnames = cap;
	}
	e->names[e->nnames] = malloc(len + 1);
	if (!e->names[e->nnames])
		return expr_nomem(p);
	memcpy(e->names[e->nnames], name, len);
	e->names[e->nnames][len] = '\0';
	*index = e->nnames++;
	return 0;
}

/* A node for the operator op at pos over l and r (either may be NULL);
 * frees l and r on failure. */
static int expr_node_new(struct expr_parser *p, enum expr_op op, size_t pos,
			 struct expr_node *l, struct expr_node *r,
			 struct expr_node **out)
{
	struct expr_node *n;
	int dl = l ? l->depth : 0, dr = r ? r->depth : 0;

	*out = NULL;
	if ((dl > dr ? dl : dr) >= EXPR_DEPTH_MAX) {
		expr_node_free(l);
		expr_node_free(r);
		return expr_fail(
			p, pos,
			"expression too deeply nested (more than %d levels)",
			EXPR_DEPTH_MAX);
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		expr_node_free(l);
		expr_node_free(r);
		return expr_nomem(p);
	}
	n->op = op;
	n->pos = pos;
	n->depth = 1 + (dl > dr ? dl : dr);
	n->l = l;
	n->r = r;
	*out = n;
	return 0;
}

/* A number, string or name from the current token. */
static int expr_leaf(struct expr_parser *p, struct expr_node **out)
{
	const struct expr_tok *t = &p->tok;
	struct expr_node *n;
	int rc;

	rc = expr_node_new(p, t->op, t->pos, NULL, NULL, &n);
	if (rc)
		return rc;
	n->kind = t->kind;
	n->num = t->num;
	if (t->op == EX_STR) {
		n->str = malloc(t->len - 1);
		if (n->str) {
			memcpy(n->str, p->text + t->pos + 1, t->len - 2);
			n->str[t->len - 2] = '\0';
		} else {
			rc = expr_nomem(p);
		}
	} else if (t->op == EX_NAME) {
		rc = expr_add_name(p, p->text + t->pos, t->len, &n->name);
	}
	if (!rc)
		rc = expr_next(p);
	if (rc) {
		expr_node_free(n);
		return rc;
	}
	*out = n;
	return 0;
}

static int expr_or(struct expr_parser *p, const char *after,
		   struct expr_node **out);

/* Enters one level of nesting ('(', unary '-', 'not'). */
static int expr_enter(struct expr_parser *p)
{
	if (++p->depth > EXPR_DEPTH_MAX)
		return expr_fail(
			p, p->tok.pos,
			"expression too deeply nested (more than %d levels)",
			EXPR_DEPTH_MAX);
	return 0;
}

static int expr_paren(struct expr_parser *p, struct expr_node **out)
{
	char f[EXPR_QUOTE_MAX + 8];
	int rc;

	rc = expr_enter(p);
	if (!rc)
		rc = expr_next(p);
	if (!rc)
		rc = expr_or(p, "(", out);
	if (rc)
		return rc;
	p->depth--;
	if (p->tok.op != EX_RP) {
		rc = expr_fail(p, p->tok.pos,
			       "expected ')' to close '(', found %s",
			       expr_found(p, &p->tok, f, sizeof(f)));
		expr_node_free(*out);
		*out = NULL;
		return rc;
	}
	rc = expr_next(p);
	if (rc) {
		expr_node_free(*out);
		*out = NULL;
	}
	return rc;
}

/* after: the operator before this operand, or NULL at the start. */
static int expr_atom(struct expr_parser *p, const char *after,
		     struct expr_node **out)
{
	char f[EXPR_QUOTE_MAX + 8];

	*out = NULL;
	switch (p->tok.op) {
	case EX_NUM:
	case EX_STR:
	case EX_NAME:
		return expr_leaf(p, out);
	case EX_LP:
		return expr_paren(p, out);
	default:
		break;
	}
	expr_found(p, &p->tok, f, sizeof(f));
	if (!after)
		return expr_fail(
			p, p->tok.pos,
			"expected an operand such as a number, a name or '(', found %s",
			f);
	if (p->tok.op == EX_END)
		return expr_fail(p, p->tok.pos,
				 "expected an operand after '%s'", after);
	return expr_fail(p, p->tok.pos,
			 "expected an operand after '%s', found %s", after, f);
}

/* A prefix operator (unary '-' or 'not') applied to what sub parses. */
static int expr_prefix(struct expr_parser *p, enum expr_op op,
		       int (*sub)(struct expr_parser *, const char *,
				  struct expr_node **),
		       struct expr_node **out)
{
	size_t pos = p->tok.pos;
	struct expr_node *a;
	int rc;

	*out = NULL;
	rc = expr_enter(p);
	if (!rc)
		rc = expr_next(p);
	if (!rc)
		rc = sub(p, expr_op_text[op], &a);
	if (rc)
		return rc;
	p->depth--;
	return expr_node_new(p, op, pos, a, NULL, out);
}

static int expr_unary(struct expr_parser *p, const char *after,
		      struct expr_node **out)
{
	if (p->tok.op == EX_SUB)
		return expr_prefix(p, EX_NEG, expr_unary, out);
	return expr_atom(p, after, out);
}

/* Left-associative levels: operands parsed by sub, joined by the
 * operators in ops (a list ending with EX_END). */
static int expr_level(struct expr_parser *p, const char *after,
		      int (*sub)(struct expr_parser *, const char *,
				 struct expr_node **),
		      const enum expr_op *ops, struct expr_node **out)
{
	struct expr_node *l, *r;
	int rc = sub(p, after, &l);

	while (!rc) {
		enum expr_op op = p->tok.op;
		size_t pos = p->tok.pos, i;

		for (i = 0; ops[i] != EX_END && ops[i] != op; i++)
			;
		if (ops[i] == EX_END)
			break;
		rc = expr_next(p);
		if (!rc)
			rc = sub(p, expr_op_text[op], &r);
		if (rc) {
			expr_node_free(l);
			return rc;
		}
		rc = expr_node_new(p, op, pos, l, r, &l);
	}
	*out = rc ? NULL : l;
	return rc;
}

static int expr_product(struct expr_parser *p, const char *after,
			struct expr_node **out)
{
	static const enum expr_op ops[] = { EX_MUL, EX_DIV, EX_END };

	return expr_level(p, after, expr_unary, ops, out);
}

static int expr_sum(struct expr_parser *p, const char *after,
		    struct expr_node **out)
{
	static const enum expr_op ops[] = { EX_ADD, EX_SUB, EX_END };

	return expr_level(p, after, expr_product, ops, out);
}

static bool expr_is_cmp(enum expr_op op)
{
	return op >= EX_LT && op <= EX_NE;
}

static int expr_cmp(struct expr_parser *p, const char *after,
		    struct expr_node **out)
{
	struct expr_node *l, *r;
	enum expr_op op;
	size_t pos;
	int rc;

	rc = expr_sum(p, after, &l);
	if (rc || !expr_is_cmp(p->tok.op)) {
		*out = rc ? NULL : l;
		return rc;
	}
	op = p->tok.op;
	pos = p->tok.pos;
	rc = expr_next(p);
	if (!rc)
		rc = expr_sum(p, expr_op_text[op], &r);
	if (!rc && expr_is_cmp(p->tok.op)) {
		expr_node_free(r);
		rc = expr_fail(
			p, p->tok.pos,
			"comparisons do not chain; write 'a < b and b < c'");
	}
	if (rc) {
		expr_node_free(l);
		*out = NULL;
		return rc;
	}
	return expr_node_new(p, op, pos, l, r, out);
}

static int expr_not(struct expr_parser *p, const char *after,
		    struct expr_node **out)
{
	if (p->tok.op == EX_NOT)
		return expr_prefix(p, EX_NOT, expr_not, out);
	return expr_cmp(p, after, out);
}

static int expr_and(struct expr_parser *p, const char *after,
		    struct expr_node **out)
{
	static const enum expr_op ops[] = { EX_AND, EX_END };

	return expr_level(p, after, expr_not, ops, out);
}

static int expr_or(struct expr_parser *p, const char *after,
		   struct expr_node **out)
{
	static const enum expr_op ops[] = { EX_OR, EX_END };

	return expr_level(p, after, expr_and, ops, out);
}

int expr_parse(const char *text, struct expr **out, size_t *errcol, char *err,
	       size_t errlen)
{
	struct expr_parser p = {
		.text = text, .errcol = errcol, .err = err, .errlen = errlen
	};
	char f[EXPR_QUOTE_MAX + 8];
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	p.e = calloc(1, sizeof(*p.e));
	if (!p.e)
		return expr_nomem(&p);
	rc = expr_next(&p);
	if (!rc && p.tok.op == EX_END)
		rc = expr_fail(&p, p.tok.pos, "empty expression");
	if (!rc)
		rc = expr_or(&p, NULL, &p.e->root);
	if (!rc && p.tok.op == EX_RP)
		rc = expr_fail(&p, p.tok.pos, "unmatched ')'");
	else if (!rc && p.tok.op != EX_END)
		rc = expr_fail(
			&p, p.tok.pos,
			"expected an operator such as '<', '+' or 'and', found %s",
			expr_found(&p, &p.tok, f, sizeof(f)));
	if (rc) {
		expr_destroy(p.e);
		return rc;
	}
	*out = p.e;
	return 0;
}

void expr_destroy(struct expr *e)
{
	if (!e)
		return;
	expr_node_free(e->root);
	for (size_t i = 0; i < e->nnames; i++)
		free(e->names[i]);
	free(e->names);
	free(e);
}

/*
 * Binding and evaluation: one walk, with messages when binding.
 */

struct expr_run {
	const struct expr *e;
	expr_resolve_fn fn;
	void *ctx;
	size_t *errcol; /* NULL when evaluating: no messages */
	char *err;
	size_t errlen;
};

static int expr_bad(struct expr_run *r, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (!r->errcol)
		return -EINVAL;
	va_start(ap, fmt);
	expr_vfail(r->errcol, r->err, r->errlen, pos, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Dimensions. A value's dimension is a pair of exponents, of time and of
 * information (bits): a time is (1, 0), a size (0, 1), a bit rate
 * (-1, 1), a packet rate (-1, 0): packets are counted, so a packet rate is
 * a number per second and a packet rate times a time is a plain number, a
 * count, as the counters of a run are. A value is held in the canonical
 * unit of its dimension: ps, B, bit/s, packets/s for the four kinds of
 * units.h, SI units (s, bit) for any other product. That unit is SI times
 * 2^e2 * 10^e10, both exact, so * and / rescale exactly: 1Gbps * 1us is
 * 1e9 * 1e6 * 2^-3 / 10^12 = 125 B, with no rounding.
 */

#define EXPR_NDIM 2 /* exponents of time and of information */

/* A value as evaluation holds it: expr_value's fields and a dimension. */
struct expr_q {
	enum unit_kind kind;
	double num;
	const char *str;
	signed char dim[EXPR_NDIM];
};

static void expr_dims_of(enum unit_kind kind, signed char dim[EXPR_NDIM])
{
	static const signed char d[][EXPR_NDIM] = {
		[UNIT_NONE] = { 0, 0 },	    [UNIT_TIME] = { 1, 0 },
		[UNIT_BITRATE] = { -1, 1 }, [UNIT_PKTRATE] = { -1, 0 },
		[UNIT_SIZE] = { 0, 1 },	    [UNIT_FRACTION] = { 0, 0 },
	};

	memcpy(dim, d[kind <= UNIT_FRACTION ? kind : UNIT_NONE], EXPR_NDIM);
}

/* The kind of dim, or -1 for a product that is no kind of units.h. */
static int expr_kind_of_dims(const signed char dim[EXPR_NDIM])
{
	static const enum unit_kind kinds[] = { UNIT_NONE, UNIT_TIME,
						UNIT_BITRATE, UNIT_PKTRATE,
						UNIT_SIZE };
	signed char d[EXPR_NDIM];

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		expr_dims_of(kinds[i], d);
		if (!memcmp(d, dim, EXPR_NDIM))
			return (int)kinds[i];
	}
	return -1;
}

/* The canonical unit of dim is SI * 2^e2 * 10^e10. */
static void expr_scale(const signed char dim[EXPR_NDIM], int *e2, int *e10)
{
	int k = expr_kind_of_dims(dim);

	*e2 = k == UNIT_SIZE ? 3 : 0;
	*e10 = k == UNIT_TIME ? -12 : 0;
}

/* x * 10^k, with one rounding when |k| <= 22 (10^k is exact then). */
static double expr_pow10(double x, int k)
{
	static const double p[] = { 1e0,  1e1,	1e2,  1e3,  1e4,  1e5,
				    1e6,  1e7,	1e8,  1e9,  1e10, 1e11,
				    1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
				    1e18, 1e19, 1e20, 1e21, 1e22 };

	for (; k > 22; k -= 22)
		x *= 1e22;
	for (; k < -22; k += 22)
		x /= 1e22;
	return k >= 0 ? x * p[k] : x / p[-k];
}

static int expr_q_truthy(const struct expr_q *v)
{
	if (v->str)
		return v->str[0] != '\0';
	return v->num != 0;
}

static bool expr_dimless(const struct expr_q *v)
{
	return !v->str && !v->dim[0] && !v->dim[1];
}

static bool expr_same_dims(const struct expr_q *a, const struct expr_q *b)
{
	return !a->str && !b->str && !memcmp(a->dim, b->dim, EXPR_NDIM);
}

static const char *expr_kind_text(const struct expr_q *v, char *buf, size_t n)
{
	static const char *const base[EXPR_NDIM] = { "s", "bit" };
	int k = expr_kind_of_dims(v->dim);
	size_t off = 0;

	if (v->str)
		return "a string";
	if (k >= 0)
		return units_kind_name(k == UNIT_NONE ? v->kind
						      : (enum unit_kind)k);
	off = strbuf_at(buf, n, off, "a quantity in ");
	for (int i = 0; i < EXPR_NDIM; i++) {
		if (!v->dim[i])
			continue;
		off = strbuf_at(buf, n, off, "%s%s", off > 14 ? "*" : "",
				base[i]);
		if (v->dim[i] != 1)
			off = strbuf_at(buf, n, off, "^%d", v->dim[i]);
	}
	return buf;
}

static const char *expr_kind_name(const struct expr_q *v, char *buf, size_t n)
{
	return expr_kind_text(v, buf, n);
}

/* A number written without a unit: "13", "-2.5", not "13us" or "2 * 3". */
static const struct expr_node *expr_bare(const struct expr_node *n)
{
	while (n->op == EX_NEG)
		n = n->l;
	return n->op == EX_NUM && n->kind == UNIT_NONE ? n : NULL;
}

/* Whether n is a bare 0, which means the same in every unit. */
static bool expr_bare_zero(const struct expr_node *n)
{
	const struct expr_node *b = expr_bare(n);

	return b && b->num == 0;
}

/* "did you mean 13us?": the unit the other side (other) reads in (the
 * largest not above it: 12.3us in us, 1500B in B), or a smaller one if
 * that makes x over 100 times the other side (18300 beside 18.3kpps:
 * 18300pps). The usual unit of the kind (us, B, Gbps, kpps) if other is
 * 0. */
static void expr_suggest(double x, int kind, double other, char *buf, size_t n)
{
	static const struct {
		int kind;
		const char *name;
		double scale;
		bool usual;
	} u[] = {
		{ UNIT_TIME, "ps", 1, false },
		{ UNIT_TIME, "ns", 1e3, false },
		{ UNIT_TIME, "us", 1e6, true },
		{ UNIT_TIME, "ms", 1e9, false },
		{ UNIT_TIME, "s", 1e12, false },
		{ UNIT_SIZE, "B", 1, true },
		{ UNIT_SIZE, "MB", 1e6, false },
		{ UNIT_SIZE, "GB", 1e9, false },
		{ UNIT_BITRATE, "bps", 1, false },
		{ UNIT_BITRATE, "kbps", 1e3, false },
		{ UNIT_BITRATE, "Mbps", 1e6, false },
		{ UNIT_BITRATE, "Gbps", 1e9, true },
		{ UNIT_PKTRATE, "pps", 1, false },
		{ UNIT_PKTRATE, "kpps", 1e3, true },
		{ UNIT_PKTRATE, "Mpps", 1e6, false },
	};
	size_t first = 0, i, at = (size_t)-1;
	double o = fabs(other);

	buf[0] = '\0';
	while (first < sizeof(u) / sizeof(u[0]) && u[first].kind != kind)
		first++;
	for (i = first; i < sizeof(u) / sizeof(u[0]) && u[i].kind == kind; i++)
		if ((o > 0 && isfinite(o)) ? (i == first || o >= u[i].scale)
					   : u[i].usual)
			at = i;
	if (at == (size_t)-1)
		return;
	while (at > first && o > 0 && fabs(x) * u[at].scale > 100 * o)
		at--;
	snprintf(buf, n, "; did you mean %.15g%s?", x, u[at].name);
}

/* The error for operands a, b of n whose dimensions differ: a bare
 * number beside a quantity gets a suggestion, at the number. */
static int expr_mismatch(struct expr_run *r, const struct expr_node *n,
			 const struct expr_q *a, const struct expr_q *b)
{
	const struct expr_node *bl = expr_bare(n->l), *br = expr_bare(n->r);
	char ka[64], kb[64], sug[64];
	const char *na, *nb;

	if ((bl || br) && !a->str && !b->str &&
	    !(expr_dimless(a) && expr_dimless(b))) {
		const struct expr_node *at = bl && expr_dimless(a) ? bl : br;
		const struct expr_q *num = at == bl ? a : b;
		const struct expr_q *q = at == bl ? b : a;
		int k = expr_kind_of_dims(q->dim);

		expr_suggest(num->num, k, q->num, sug, sizeof(sug));
		return expr_bad(r, at == bl ? n->l->pos : n->r->pos,
				"%.15g has no unit, but the other side of "
				"'%s' is %s%s",
				num->num, expr_op_text[n->op],
				expr_kind_name(q, ka, sizeof(ka)), sug);
	}
	na = expr_kind_name(a, ka, sizeof(ka));
	nb = expr_kind_name(b, kb, sizeof(kb));
	if (n->op == EX_ADD)
		return expr_bad(r, n->pos, "cannot add %s and %s", na, nb);
	if (n->op == EX_SUB)
		return expr_bad(r, n->pos, "cannot subtract %s from %s", nb,
				na);
	return expr_bad(r, n->pos, "cannot compare %s with %s", na, nb);
}

/* Whether a and b may be added or compared: the same dimension, or one
 * of them a bare 0. */
static bool expr_compatible(const struct expr_node *n, const struct expr_q *a,
			    const struct expr_q *b)
{
	if (a->str || b->str)
		return false;
	return expr_same_dims(a, b) || expr_bare_zero(n->l) ||
	       expr_bare_zero(n->r);
}

static int expr_name(struct expr_run *r, const struct expr_node *n,
		     struct expr_q *out)
{
	const char *name = r->e->names[n->name], *hint = NULL;
	struct expr_value v = { .kind = UNIT_NONE };
	int rc;

	*out = (struct expr_q){ .kind = UNIT_NONE };
	rc = r->fn(r->ctx, name, &v, &hint);
	out->kind = v.kind;
	out->num = v.num;
	out->str = v.str;
	if (rc == -ENOENT)
		return expr_bad(r, n->pos, "unknown name '%s'%s%s", name,
				hint ? "; " : "", hint ? hint : "");
	if (rc)
		return expr_bad(r, n->pos,
				"'%s' cannot be used in an expression%s%s",
				name, hint ? "; " : "", hint ? hint : "");
	expr_dims_of(out->kind, out->dim);
	return 0;
}

static int expr_compare(struct expr_run *r, const struct expr_node *n,
			const struct expr_q *a, const struct expr_q *b,
			double *res)
{
	char ka[64], kb[64];
	int c;

	if (a->str && b->str) {
		if (n->op != EX_EQ && n->op != EX_NE)
			return expr_bad(r, n->pos,
					"strings compare only with == and !=");
		c = strcmp(a->str, b->str);
		*res = n->op == EX_EQ ? c == 0 : c != 0;
		return 0;
	}
	if (a->str || b->str)
		return expr_bad(r, n->pos, "cannot compare %s with %s",
				expr_kind_name(a, ka, sizeof(ka)),
				expr_kind_name(b, kb, sizeof(kb)));
	if (!expr_compatible(n, a, b))
		return expr_mismatch(r, n, a, b);
	switch (n->op) {
	case EX_LT:
		*res = a->num < b->num;
		break;
	case EX_LE:
		*res = a->num <= b->num;
		break;
	case EX_GT:
		*res = a->num > b->num;
		break;
	case EX_GE:
		*res = a->num >= b->num;
		break;
	case EX_EQ:
		*res = a->num == b->num;
		break;
	default:
		*res = a->num != b->num;
		break;
	}
	return 0;
}

/* a * b or a / b, in the canonical unit of the product's dimension. */
static void expr_product_of(enum expr_op op, const struct expr_q *a,
			    const struct expr_q *b, struct expr_q *out)
{
	int sa2, sa10, sb2, sb10, so2, so10, e2, e10, k;
	int sign = op == EX_MUL ? 1 : -1;

	for (int i = 0; i < EXPR_NDIM; i++)
		out->dim[i] = (signed char)(a->dim[i] + sign * b->dim[i]);
	expr_scale(a->dim, &sa2, &sa10);
	expr_scale(b->dim, &sb2, &sb10);
	expr_scale(out->dim, &so2, &so10);
	e2 = sa2 + sign * sb2 - so2;
	e10 = sa10 + sign * sb10 - so10;
	/* Scaled up before a division and down after one, so that a result
	 * that is exact in decimal comes out exact: 64B / 80Gbps is
	 * 64 * 8 * 10^12 / (80 * 10^9) = 6400 ps. */
	if (op == EX_MUL)
		out->num = expr_pow10(ldexp(a->num * b->num, e2), e10);
	else if (e10 >= 0)
		out->num = expr_pow10(ldexp(a->num, e2), e10) / b->num;
	else
		out->num = expr_pow10(ldexp(a->num, e2) / b->num, e10);
	k = expr_kind_of_dims(out->dim);
	out->kind = k > 0 ? (enum unit_kind)k : UNIT_NONE;
}

/* The value of a binary node from the values of its operands. */
static int expr_apply(struct expr_run *r, const struct expr_node *n,
		      const struct expr_q *a, const struct expr_q *b,
		      struct expr_q *out)
{
	const struct expr_q *q;
	char ka[64], kb[64];

	*out = (struct expr_q){ .kind = UNIT_NONE };
	switch (n->op) {
	case EX_AND:
		out->num = expr_q_truthy(a) && expr_q_truthy(b);
		return 0;
	case EX_OR:
		out->num = expr_q_truthy(a) || expr_q_truthy(b);
		return 0;
	case EX_MUL:
	case EX_DIV:
		if (a->str || b->str)
			return expr_bad(r, n->pos, "cannot %s %s by %s",
					n->op == EX_MUL ? "multiply" : "divide",
					expr_kind_name(a, ka, sizeof(ka)),
					expr_kind_name(b, kb, sizeof(kb)));
		if (n->op == EX_DIV && b->num == 0)
			return expr_bad(r, n->pos, "division by zero");
		expr_product_of(n->op, a, b, out);
		return 0;
	case EX_ADD:
	case EX_SUB:
		if (!expr_compatible(n, a, b))
			return expr_mismatch(r, n, a, b);
		/* the quantity's kind, not a bare 0's; a fraction stays one */
		q = expr_bare_zero(n->l) && !expr_bare_zero(n->r) ? b : a;
		if (expr_dimless(a) && b->kind == UNIT_FRACTION)
			q = b;
		memcpy(out->dim, q->dim, EXPR_NDIM);
		out->kind = q->kind;
		out->num = n->op == EX_ADD ? a->num + b->num : a->num - b->num;
		return 0;
	default:
		return expr_compare(r, n, a, b, &out->num);
	}
}

static int expr_run(struct expr_run *r, const struct expr_node *n,
		    struct expr_q *out)
{
	struct expr_q a, b;
	int rc;

	switch (n->op) {
	case EX_NUM:
		*out = (struct expr_q){ .kind = n->kind, .num = n->num };
		expr_dims_of(n->kind, out->dim);
		return 0;
	case EX_STR:
		*out = (struct expr_q){ .kind = UNIT_NONE, .str = n->str };
		return 0;
	case EX_NAME:
		return expr_name(r, n, out);
	case EX_NEG:
		rc = expr_run(r, n->l, out);
		if (!rc && out->str)
			return expr_bad(r, n->pos, "cannot negate a string");
		out->num = -out->num;
		return rc;
	case EX_NOT:
		rc = expr_run(r, n->l, &a);
		*out = (struct expr_q){ .kind = UNIT_NONE,
					.num = !expr_q_truthy(&a) };
		return rc;
	default:
		rc = expr_run(r, n->l, &a);
		if (!rc)
			rc = expr_run(r, n->r, &b);
		return rc ? rc : expr_apply(r, n, &a, &b, out);
	}
}

int expr_bind(struct expr *e, expr_resolve_fn fn, void *ctx, size_t *errcol,
	      char *err, size_t errlen)
{
	size_t col = 0;
	struct expr_run r = { e, fn, ctx, errcol ? errcol : &col, err, errlen };
	struct expr_q v;

	if (err && errlen)
		err[0] = '\0';
	return expr_run(&r, e->root, &v);
}

int expr_eval_kind(const struct expr *e, expr_resolve_fn fn, void *ctx,
		   struct expr_value *out, char *dims, size_t dimslen)
{
	struct expr_run r = { e, fn, ctx, NULL, NULL, 0 };
	struct expr_q v;
	int rc = expr_run(&r, e->root, &v);

	*out = (struct expr_value){ .kind = v.kind,
				    .num = v.num,
				    .str = v.str };
	if (!rc && !v.str && expr_kind_of_dims(v.dim) < 0) {
		if (dims && dimslen)
			expr_kind_text(&v, dims, dimslen);
		return -EDOM;
	}
	return rc;
}

int expr_eval(const struct expr *e, expr_resolve_fn fn, void *ctx,
	      struct expr_value *out)
{
	int rc = expr_eval_kind(e, fn, ctx, out, NULL, 0);

	return rc == -EDOM ? 0 : rc;
}

int expr_truthy(const struct expr_value *v)
{
	if (v->str)
		return v->str[0] != '\0';
	return v->num != 0;
}

size_t expr_names(const struct expr *e, const char *const **names)
{
	if (names)
		*names = (const char *const *)e->names;
	return e->nnames;
}

/* The first part of n that is not a condition (a comparison, not of
 * anything, and/or of conditions), or NULL. */
static const struct expr_node *expr_not_condition(const struct expr_node *n)
{
	switch (n->op) {
	case EX_LT:
	case EX_LE:
	case EX_GT:
	case EX_GE:
	case EX_EQ:
	case EX_NE:
		return NULL;
	case EX_NOT: /* "not apps.a.dropped": none dropped */
		return NULL;
	case EX_AND:
	case EX_OR: {
		const struct expr_node *bad = expr_not_condition(n->l);

		return bad ? bad : expr_not_condition(n->r);
	}
	default:
		return n;
	}
}

int expr_check_condition(const struct expr *e, size_t *errcol, char *err,
			 size_t errlen)
{
	const struct expr_node *bad = expr_not_condition(e->root);

	if (!bad)
		return 0;
	if (errcol)
		*errcol = bad->pos;
	errmsg(err, errlen,
	       "expected a condition: a comparison such as a < 10us, or "
	       "and, or, not of comparisons");
	return -EINVAL;
}
