/*
 * param.c - parameter declarations and values: parsing, printing, ranges.
 *
 * Turns scenario text into typed values with messages that say what was
 * expected, in which units, and within which bounds. The registry of every
 * declaration (lookup by path) is sim/scenario/registry.c.
 *
 * Assumptions: a range
 * with min == max == 0 means "no range". Bounds are checked in canonical
 * units and printed in the parameter's own units.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errmsg.h"
#include "param.h"
#include "strbuf.h"
#include "units.h"

/* Longest piece of user text quoted in a message. */
#define PARAM_QUOTE_MAX 40

/* Longest dotted path a model asks for. */
#define PARAM_PATH_MAX 256

size_t param_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), *row, d;

	row = malloc((lb + 1) * sizeof(*row));
	if (!row)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

/* Copies text for a message: trimmed, one line, at most
 * PARAM_QUOTE_MAX characters. */
static const char *param_quote(const char *text, char *buf, size_t n)
{
	size_t len, o = 0;

	while (isspace((unsigned char)*text))
		text++;
	len = strlen(text);
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	for (size_t i = 0; i < len && o + 4 < n; i++) {
		if (i == PARAM_QUOTE_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		buf[o++] = iscntrl((unsigned char)text[i]) ? '?' : text[i];
	}
	buf[o] = '\0';
	return buf;
}

static bool param_blank(const char *text)
{
	while (isspace((unsigned char)*text))
		text++;
	return !*text;
}

/* Shortest text that reads back to v; plain notation unless tiny or huge
 * (units_fmt_fraction prints any number that way). */
static int param_fmt_double(char *buf, size_t n, double v)
{
	return units_fmt_fraction(buf, n, v);
}

static enum unit_kind param_kind(enum param_type type)
{
	switch (type) {
	case PT_TIME:
		return UNIT_TIME;
	case PT_BITRATE:
		return UNIT_BITRATE;
	case PT_PKTRATE:
		return UNIT_PKTRATE;
	case PT_SIZE:
	case PT_SIZE_TABLE:
		return UNIT_SIZE;
	case PT_FRACTION:
		return UNIT_FRACTION;
	default:
		return UNIT_NONE;
	}
}

/* Input such as '30%' reads as a percentage; other kinds as units.c names
 * them. */
static const char *param_kind_name(enum unit_kind kind)
{
	return kind == UNIT_FRACTION ? "a percentage" : units_kind_name(kind);
}

/* "expected a time such as 450ns (units: ps, ns, us, ms, s)" */
static void param_expected(const struct param_def *def, char *buf, size_t n)
{
	switch (def->type) {
	case PT_TIME:
	case PT_BITRATE:
	case PT_PKTRATE:
		snprintf(buf, n, "expected %s such as %s (units: %s)",
			 param_kind_name(param_kind(def->type)),
			 def->type == PT_TIME	   ? "450ns"
			 : def->type == PT_BITRATE ? "10Gbps"
						   : "200kpps",
			 units_accepted(param_kind(def->type)));
		if (def->type == PT_TIME && def->choices)
			snprintf(buf + strlen(buf), n - strlen(buf), ", or %s",
				 def->choices);
		break;
	case PT_RATE:
		snprintf(
			buf, n,
			"expected a bit rate such as 10Gbps (units: %s) or a packet rate such as 200kpps (units: %s)",
			units_accepted(UNIT_BITRATE),
			units_accepted(UNIT_PKTRATE));
		break;
	case PT_SIZE:
		snprintf(
			buf, n,
			"expected a size such as 1500B (units: %s; a bare integer is bytes)",
			units_accepted(UNIT_SIZE));
		break;
	case PT_FRACTION:
		snprintf(
			buf, n,
			"expected a fraction between 0 and 1 such as 0.2 or 20%%");
		break;
	case PT_INT:
		snprintf(buf, n, "expected an integer such as 1000");
		break;
	case PT_FLOAT:
		snprintf(buf, n, "expected a number such as 0.5");
		break;
	case PT_BOOL:
		snprintf(buf, n, "expected true or false (or yes/no, on/off)");
		break;
	case PT_ENUM:
		snprintf(buf, n, "expected one of ");
		for (const char *c = def->choices; c && *c;) {
			size_t l = strcspn(c, "|"), o = strlen(buf);

			snprintf(buf + o, n - o, "%s%.*s",
				 c == def->choices ? "" : ", ", (int)l, c);
			c += l + (c[l] == '|');
		}
		break;
	case PT_SIZE_TABLE:
		snprintf(
			buf, n,
			"expected a list of [size, weight] pairs such as [[64B, 7], [1500B, 1]]");
		break;
	default:
		snprintf(buf, n, "expected text");
		break;
	}
}

/* The unit suffix of a text that starts with a number, or NULL. */
static const char *param_unit_suffix(const char *text)
{
	const char *p = text;
	bool digit = false;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		p++;
	for (; isdigit((unsigned char)*p) || *p == '.'; p++)
		digit |= isdigit((unsigned char)*p) != 0;
	if (!digit)
		return NULL;
	if ((*p == 'e' || *p == 'E') &&
	    (isdigit((unsigned char)p[1]) ||
	     ((p[1] == '+' || p[1] == '-') && isdigit((unsigned char)p[2])))) {
		for (p += 2; isdigit((unsigned char)*p); p++)
			;
	}
	while (isspace((unsigned char)*p))
		p++;
	return *p ? p : NULL;
}

static int param_fmt_bound(const struct param_def *def, bool per_packet,
			   double v, char *buf, size_t n);

/* "'TEXT' is too large[ for an integer]", and the maximum where def has
 * one, so that the message says what to write instead. */
static void param_too_large(const struct param_def *def, const char *q,
			    const char *what, bool per_packet, char *err,
			    size_t errlen)
{
	char hi[64];

	if (def->min == 0 && def->max == 0) {
		errmsg(err, errlen, "'%s' is too large%s", q, what);
		return;
	}
	param_fmt_bound(def, per_packet, def->max, hi, sizeof(hi));
	errmsg(err, errlen, "'%s' is too large%s: the maximum is %s", q, what,
	       hi);
}

/* Message for a units_parse_* error rc on text. */
static int param_unit_error(const struct param_def *def, const char *text,
			    int rc, char *err, size_t errlen)
{
	char exp[512], q[64], uq[64];
	enum unit_kind kind = units_kind_of(text);
	const char *unit;

	param_expected(def, exp, sizeof(exp));
	param_quote(text, q, sizeof(q));
	if (param_blank(text)) {
		errmsg(err, errlen, "missing value; %s", exp);
	} else if (rc == -EDOM) {
		errmsg(err, errlen, "'%s' is %s; %s", q, param_kind_name(kind),
		       exp);
	} else if (rc == -ERANGE) {
		if (q[0] == '-')
			errmsg(err, errlen, "'%s' is negative; %s", q, exp);
		else if (def->type == PT_FRACTION)
			errmsg(err, errlen, "%s is above the maximum 1", q);
		else
			param_too_large(def, q, "", kind == UNIT_PKTRATE, err,
					errlen);
	} else if (kind == UNIT_NONE) {
		errmsg(err, errlen, "'%s' has no unit; %s", q, exp);
	} else if ((unit = param_unit_suffix(text)) != NULL) {
		errmsg(err, errlen, "unknown unit '%s' in '%s'; %s",
		       param_quote(unit, uq, sizeof(uq)), q, exp);
	} else {
		errmsg(err, errlen, "%s, not '%s'", exp, q);
	}
	return rc == -ERANGE ? -ERANGE : -EINVAL;
}

/* Prints a value of def's kind, in canonical units, in its own units. */
static int param_fmt_bound(const struct param_def *def, bool per_packet,
			   double v, char *buf, size_t n)
{
	switch (def->type) {
	case PT_TIME: /* 2^63 ps and beyond do not fit: say the largest */
		return units_fmt_time(buf, n,
				      v >= 0x1p63 ? SIM_TIME_MAX : (sim_time)v);
	case PT_BITRATE:
		return units_fmt_bitrate(buf, n, v);
	case PT_PKTRATE:
		return units_fmt_pktrate(buf, n, v);
	case PT_RATE:
		return per_packet ? units_fmt_pktrate(buf, n, v)
				  : units_fmt_bitrate(buf, n, v);
	case PT_SIZE:
		return units_fmt_size(buf, n,
				      v >= 0x1p64 ? UINT64_MAX : (uint64_t)v);
	case PT_INT:
		return snprintf(buf, n, "%.0f", v);
	default:
		return param_fmt_double(buf, n, v);
	}
}

/* Checks v (canonical units) against def's range. */
static int param_check_range(const struct param_def *def, bool per_packet,
			     long double v, char *err, size_t errlen)
{
	char val[64], bound[64];
	bool low;

	if (def->min == 0 && def->max == 0)
		return 0;
	if (v >= (long double)def->min && v <= (long double)def->max)
		return 0;
	low = v < (long double)def->min;
	param_fmt_bound(def, per_packet, (double)v, val, sizeof(val));
	param_fmt_bound(def, per_packet, low ? def->min : def->max, bound,
			sizeof(bound));
	errmsg(err, errlen, "%s is %s the %s %s", val, low ? "below" : "above",
	       low ? "minimum" : "maximum", bound);
	return -ERANGE;
}

static int param_parse_int(const struct param_def *def, const char *text,
			   struct param_val *out, char *err, size_t errlen)
{
	char q[64], exp[64];
	long long v;
	char *end;

	param_expected(def, exp, sizeof(exp));
	param_quote(text, q, sizeof(q));
	if (param_blank(text)) {
		errmsg(err, errlen, "missing value; %s", exp);
		return -EINVAL;
	}
	errno = 0;
	v = strtoll(text, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (*end || end == text) {
		if (units_kind_of(text) == UNIT_NONE)
			errmsg(err, errlen, "'%s' is not an integer; %s", q,
			       exp);
		else
			errmsg(err, errlen, "%s, not '%s'", exp, q);
		return -EINVAL;
	}
	if (errno == ERANGE) {
		param_too_large(def, q, " for an integer", false, err, errlen);
		return -ERANGE;
	}
	out->u.i = v;
	return param_check_range(def, false, (long double)v, err, errlen);
}

static int param_parse_float(const struct param_def *def, const char *text,
			     struct param_val *out, char *err, size_t errlen)
{
	char q[64], exp[64];
	double v;

	param_expected(def, exp, sizeof(exp));
	param_quote(text, q, sizeof(q));
	if (param_blank(text)) {
		errmsg(err, errlen, "missing value; %s", exp);
		return -EINVAL;
	}
	if (units_kind_of(text) != UNIT_NONE) {
		errmsg(err, errlen, "%s, not '%s'", exp, q);
		return -EINVAL;
	}
	v = strtod(text, NULL);
	if (!isfinite(v)) {
		param_too_large(def, q, "", false, err, errlen);
		return -ERANGE;
	}
	out->u.d = v;
	return param_check_range(def, false, v, err, errlen);
}

static int param_parse_bool(const struct param_def *def, const char *text,
			    struct param_val *out, char *err, size_t errlen)
{
	static const char *const words[] = { "false", "true", "no",
					     "yes",   "off",  "on" };
	char q[64], exp[64];

	param_quote(text, q, sizeof(q));
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(q, words[i]) == 0) {
			out->u.i = (int64_t)(i % 2);
			return 0;
		}
	}
	param_expected(def, exp, sizeof(exp));
	errmsg(err, errlen, "%s, not '%s'", exp, q);
	return -EINVAL;
}

static int param_parse_enum(const struct param_def *def, const char *text,
			    struct param_val *out, char *err, size_t errlen)
{
	char q[64], exp[512], best[64] = "";
	size_t bestd = (size_t)-1, limit = strlen(text) / 3;

	for (const char *c = def->choices; c && *c;) {
		size_t l = strcspn(c, "|");

		if (strlen(text) == l && memcmp(c, text, l) == 0) {
			out->u.s = text;
			return 0;
		}
		if (l < sizeof(best)) {
			char cand[64];
			size_t d;

			memcpy(cand, c, l);
			cand[l] = '\0';
			d = strcasecmp(text, cand) ? param_distance(text, cand)
						   : 0;
			if (d < bestd) {
				bestd = d;
				memcpy(best, cand, l + 1);
			}
		}
		c += l + (c[l] == '|');
	}
	param_expected(def, exp, sizeof(exp));
	param_quote(text, q, sizeof(q));
	if (bestd <= (limit > 2 ? limit : 2))
		errmsg(err, errlen, "%s, not '%s'; did you mean '%s'?", exp, q,
		       best);
	else
		errmsg(err, errlen, "%s, not '%s'", exp, q);
	return -EINVAL;
}

static int param_parse_table(const struct param_def *def, const char *text,
			     struct param_val *out, char *err, size_t errlen)
{
	static const struct param_table empty = { 0, NULL, NULL };
	char q[64], exp[128];

	param_quote(text, q, sizeof(q));
	if (strcmp(q, "[]") == 0) {
		out->u.table = &empty;
		return 0;
	}
	param_expected(def, exp, sizeof(exp));
	errmsg(err, errlen, "%s, not '%s'", exp, q);
	return -EINVAL;
}

static int param_parse_unit(const struct param_def *def, const char *text,
			    struct param_val *out, char *err, size_t errlen)
{
	enum unit_kind kind = param_kind(def->type);
	long double v;
	int rc;

	if (def->type == PT_RATE) {
		kind = units_kind_of(text);
		if (kind != UNIT_PKTRATE)
			kind = UNIT_BITRATE;
		out->per_packet = kind == UNIT_PKTRATE;
	}
	switch (kind) {
	case UNIT_TIME:
		rc = units_parse_time(text, &out->u.t);
		v = (long double)out->u.t;
		break;
	case UNIT_BITRATE:
		rc = units_parse_bitrate(text, &out->u.d);
		v = out->u.d;
		break;
	case UNIT_PKTRATE:
		rc = units_parse_pktrate(text, &out->u.d);
		v = out->u.d;
		break;
	case UNIT_SIZE:
		rc = units_parse_size(text, &out->u.size);
		v = (long double)out->u.size;
		break;
	default:
		rc = units_parse_fraction(text, &out->u.d);
		v = out->u.d;
		break;
	}
	if (rc)
		return param_unit_error(def, text, rc, err, errlen);
	return param_check_range(def, out->per_packet, v, err, errlen);
}

int param_parse(const struct param_def *def, const char *text,
		struct param_val *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->type = def->type;
	if (err && errlen)
		err[0] = '\0';
	if (def->type == PT_TIME && def->choices && !strcmp(text, "auto") &&
	    !strcmp(def->choices, "auto")) {
		out->u.t = PARAM_TIME_AUTO;
		return 0;
	}
	switch (def->type) {
	case PT_STRING:
		out->u.s = text;
		return 0;
	case PT_ENUM:
		return param_parse_enum(def, text, out, err, errlen);
	case PT_BOOL:
		return param_parse_bool(def, text, out, err, errlen);
	case PT_INT:
		return param_parse_int(def, text, out, err, errlen);
	case PT_FLOAT:
		return param_parse_float(def, text, out, err, errlen);
	case PT_SIZE_TABLE:
		return param_parse_table(def, text, out, err, errlen);
	default:
		return param_parse_unit(def, text, out, err, errlen);
	}
}

static int param_format_table(const struct param_table *t, char *buf, size_t n)
{
	size_t off = 0;
	char sz[32], w[32];

	if (n)
		buf[0] = '\0';
	off = strbuf_at(buf, n, off, "[");
	for (size_t i = 0; t && i < t->n; i++) {
		units_fmt_size(sz, sizeof(sz), (uint64_t)t->value[i]);
		param_fmt_double(w, sizeof(w), t->weight[i]);
		off = strbuf_at(buf, n, off, "%s[%s, %s]", i ? ", " : "", sz,
				w);
	}
	off = strbuf_at(buf, n, off, "]");
	return (int)off;
}

int param_format(const struct param_val *val, char *buf, size_t n)
{
	switch (val->type) {
	case PT_STRING:
	case PT_ENUM:
		return (int)strbuf_put(buf, n, 0, val->u.s ? val->u.s : "");
	case PT_BOOL:
		return (int)strbuf_put(buf, n, 0, val->u.i ? "true" : "false");
	case PT_INT:
		if (val->u.i < 0)
			return (int)strbuf_put_u64(buf, n,
						   strbuf_put(buf, n, 0, "-"),
						   0 - (uint64_t)val->u.i);
		return (int)strbuf_put_u64(buf, n, 0, (uint64_t)val->u.i);
	case PT_FLOAT:
		return param_fmt_double(buf, n, val->u.d);
	case PT_TIME:
		if (val->u.t == PARAM_TIME_AUTO)
			return snprintf(buf, n, "auto");
		return units_fmt_time(buf, n, val->u.t);
	case PT_BITRATE:
		return units_fmt_bitrate(buf, n, val->u.d);
	case PT_PKTRATE:
		return units_fmt_pktrate(buf, n, val->u.d);
	case PT_RATE:
		return val->per_packet ? units_fmt_pktrate(buf, n, val->u.d)
				       : units_fmt_bitrate(buf, n, val->u.d);
	case PT_SIZE:
		return units_fmt_size(buf, n, val->u.size);
	case PT_FRACTION:
		return units_fmt_fraction(buf, n, val->u.d);
	case PT_SIZE_TABLE:
		return param_format_table(val->u.table, buf, n);
	}
	return snprintf(buf, n, "?");
}

const char *param_type_name(enum param_type type)
{
	static const char *const names[] = {
		[PT_STRING] = "string",	    [PT_ENUM] = "enum",
		[PT_BOOL] = "bool",	    [PT_INT] = "int",
		[PT_FLOAT] = "float",	    [PT_TIME] = "time",
		[PT_BITRATE] = "bitrate",   [PT_PKTRATE] = "pktrate",
		[PT_RATE] = "rate",	    [PT_SIZE] = "size",
		[PT_FRACTION] = "fraction", [PT_SIZE_TABLE] = "size table",
	};

	if ((size_t)type >= sizeof(names) / sizeof(names[0]) || !names[type])
		return "?";
	return names[type];
}

const char *param_unit(enum param_type type)
{
	switch (type) {
	case PT_TIME:
		return "ps";
	case PT_BITRATE:
		return "bps";
	case PT_PKTRATE:
		return "pps";
	case PT_RATE:
		return "bps or pps";
	case PT_SIZE:
	case PT_SIZE_TABLE:
		return "B";
	default:
		return "";
	}
}

/* True when max is the largest value the type can hold anyway, so only
 * the lower bound is worth printing. */
static bool param_open_above(const struct param_def *def)
{
	switch (def->type) {
	case PT_TIME:
	case PT_INT:
		return def->max >= 9e18;
	case PT_SIZE:
		return def->max >= 1.8e19;
	case PT_BITRATE:
	case PT_PKTRATE:
	case PT_RATE:
		return def->max >= 1e21;
	default:
		return false;
	}
}

int param_range_text(const struct param_def *def, char *buf, size_t n)
{
	char lo[64], hi[64], plo[64], phi[64];

	if (n)
		buf[0] = '\0';
	if (def->min == 0 && def->max == 0)
		return 0;
	switch (def->type) {
	case PT_STRING:
	case PT_ENUM:
	case PT_BOOL:
	case PT_SIZE_TABLE:
		return 0;
	default:
		break;
	}
	param_fmt_bound(def, false, def->min, lo, sizeof(lo));
	param_fmt_bound(def, false, def->max, hi, sizeof(hi));
	if (def->type == PT_RATE) {
		param_fmt_bound(def, true, def->min, plo, sizeof(plo));
		param_fmt_bound(def, true, def->max, phi, sizeof(phi));
		if (param_open_above(def))
			return snprintf(buf, n, ">= %s or >= %s", lo, plo);
		return snprintf(buf, n, "%s .. %s or %s .. %s", lo, hi, plo,
				phi);
	}
	if (param_open_above(def))
		return snprintf(buf, n, ">= %s", lo);
	return snprintf(buf, n, "%s .. %s", lo, hi);
}

int param_quantity(const struct param_val *pv, enum unit_kind *kind,
		   double *num, const char **str)
{
	*kind = UNIT_NONE;
	*num = 0;
	*str = NULL;
	switch (pv->type) {
	case PT_STRING:
	case PT_ENUM:
		*str = pv->u.s ? pv->u.s : "";
		return 0;
	case PT_SIZE_TABLE:
		return -EDOM;
	case PT_INT:
	case PT_BOOL:
		*num = (double)pv->u.i;
		return 0;
	case PT_TIME:
		if (pv->u.t == PARAM_TIME_AUTO) {
			*str = "auto";
			return 0;
		}
		*kind = UNIT_TIME;
		*num = (double)pv->u.t;
		return 0;
	case PT_SIZE:
		*kind = UNIT_SIZE;
		*num = (double)pv->u.size;
		return 0;
	case PT_RATE:
		*kind = pv->per_packet ? UNIT_PKTRATE : UNIT_BITRATE;
		break;
	default:
		*kind = param_kind(pv->type);
		break;
	}
	*num = pv->u.d;
	return 0;
}

/* prefix.key into buf (key alone without a prefix); aborts if too long.
 * A model's loader joins one path per parameter it reads, for every host. */
static const char *param_join(char *buf, size_t n, const char *prefix,
			      const char *key)
{
	size_t lp = prefix ? strlen(prefix) : 0, lk = strlen(key);

	if ((lp ? lp + 1 : 0) + lk >= n)
		abort();
	if (lp) {
		memcpy(buf, prefix, lp);
		buf[lp++] = '.';
	}
	memcpy(buf + lp, key, lk + 1);
	return buf;
}

/* The value at prefix.key if its type is one of the mask's; aborts
 * otherwise. */
static const struct param_val *param_typed(const struct param_src *src,
					   const char *prefix, const char *key,
					   unsigned mask)
{
	const struct param_val *v = param_get(src, prefix, key);

	if (!v || !(mask & (1u << v->type)))
		abort();
	return v;
}

const struct param_val *param_get(const struct param_src *src,
				  const char *prefix, const char *key)
{
	char path[PARAM_PATH_MAX];

	return src->get(src->ctx, param_join(path, sizeof(path), prefix, key));
}

sim_time param_time(const struct param_src *src, const char *prefix,
		    const char *key)
{
	return param_typed(src, prefix, key, 1u << PT_TIME)->u.t;
}

double param_double(const struct param_src *src, const char *prefix,
		    const char *key)
{
	return param_typed(src, prefix, key,
			   1u << PT_FLOAT | 1u << PT_FRACTION |
				   1u << PT_BITRATE | 1u << PT_PKTRATE |
				   1u << PT_RATE)
		->u.d;
}

uint64_t param_size(const struct param_src *src, const char *prefix,
		    const char *key)
{
	return param_typed(src, prefix, key, 1u << PT_SIZE)->u.size;
}

int64_t param_int(const struct param_src *src, const char *prefix,
		  const char *key)
{
	return param_typed(src, prefix, key, 1u << PT_INT | 1u << PT_BOOL)->u.i;
}

const char *param_str(const struct param_src *src, const char *prefix,
		      const char *key)
{
	return param_typed(src, prefix, key, 1u << PT_STRING | 1u << PT_ENUM)
		->u.s;
}

bool param_given(const struct param_src *src, const char *prefix,
		 const char *key)
{
	char path[PARAM_PATH_MAX];

	return src->given && src->given(src->ctx, param_join(path, sizeof(path),
							     prefix, key));
}

int param_where(const struct param_src *src, const char *prefix,
		const char *key, char *buf, size_t n)
{
	char path[PARAM_PATH_MAX];

	return src->where(src->ctx, param_join(path, sizeof(path), prefix, key),
			  buf, n);
}
