/*
 * expect.c - parsing, binding and evaluating a scenario's expect: block.
 *
 * Parsing copies each item's text and position out of the scenario's YAML
 * tree, so an expect set outlives the scenario it came from; the
 * expressions are parsed by expr.c. Binding and evaluation resolve names
 * through one function (expect_lookup) against a finished run: special
 * names first, then statistics, then parameters (see expect.h). Unknown
 * names get the nearest known name as a hint, by edit distance over every
 * name the run offers.
 *
 * Assumptions: a run has at most a few hundred statistics and parameters,
 * so lookups and suggestions scan them linearly. Error columns inside an
 * item are exact for single-line plain and quoted scalars (escapes other
 * than '' and \" \\ are not accounted for), as for sweep: where:.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "expect.h"
#include "param.h"
#include "registry.h"
#include "scenario.h"
#include "scn_node.h"
#include "stats.h"
#include "units.h"

#define EXPECT_MSG_MAX 1024
#define EXPECT_NAME_MAX 256
#define EXPECT_DIGITS 6

/* Most '*' one item may use (each stands for the same instance). */
#define EXPECT_STARS_MAX 16

struct expect_item {
	char *text;
	int line, col; /* of the scalar's first character */
	char quote;    /* the scalar's quote character, or 0 */
	struct expr *e;
	/* An item written with GROUP.*.: the text as written, where its '*'
	 * were, and how much longer the instance's name is than '*' (text
	 * has the name in their place), so that columns stay the file's. */
	char *orig;
	size_t star[EXPECT_STARS_MAX], nstar, grow;
};

struct expect {
	char *path; /* the scenario file, for messages */
	struct expect_item *it;
	size_t n;
};

static const char *const expect_hist_stats[] = { "count", "mean", "stddev",
						 "min",	  "p50",  "p90",
						 "p99",	  "p999", "max" };
static const char *const expect_gauge_stats[] = { "mean", "min", "max" };

#define EXPECT_NHIST (sizeof(expect_hist_stats) / sizeof(expect_hist_stats[0]))
#define EXPECT_NGAUGE \
	(sizeof(expect_gauge_stats) / sizeof(expect_gauge_stats[0]))

/*
 * Messages.
 */

/* "FILE:LINE:COL: expect: ..." on one line, for a position at byte off of
 * item it's text. Returns -EINVAL. */
static int expect_fail(const struct expect *x, const struct expect_item *it,
		       size_t off, char *err, size_t errlen, const char *fmt,
		       ...)
{
	const char *t = it->orig ? it->orig : it->text;
	int col = it->col + (it->quote ? 1 : 0);
	va_list ap;

	/* an offset in the text with instance names back to the file's */
	for (size_t k = it->nstar, at; k-- > 0;) {
		at = it->star[k] + k * it->grow; /* the name's offset */
		if (off > at + it->grow) {
			off -= it->grow * (k + 1);
			break;
		}
		if (off >= at) {
			off = it->star[k];
			break;
		}
	}
	for (size_t i = 0; i < off && t[i]; i++) {
		if (((unsigned char)t[i] & 0xc0) != 0x80)
			col++;
		if ((it->quote == '\'' && t[i] == '\'') ||
		    (it->quote == '"' && (t[i] == '"' || t[i] == '\\')))
			col++; /* written as '' or \" \\ in the file */
	}
	if (!err || !errlen)
		return -EINVAL;
	errmsg(err, errlen, "%s:%d:%d: expect: ", x->path, it->line, col);
	va_start(ap, fmt);
	errmsg_vappend(err, errlen, fmt, ap);
	va_end(ap);
	errmsg_one_line(err);
	return -EINVAL;
}

/*
 * Parsing.
 */

/* Finds the '*' of a GROUP.*. path in text: their offsets into it->star
 * and the group into group; returns 0 (nstar 0 without any), or an error
 * at the '*' of a second group. */
static int expect_stars(const struct expect *x, struct expect_item *it,
			char *group, size_t glen, char *err, size_t errlen)
{
	const char *t = it->text;

	group[0] = '\0';
	it->nstar = 0;
	for (size_t i = 1; t[i]; i++) {
		size_t b = i - 1;
		char g[EXPECT_NAME_MAX];

		if (t[i] != '*' || t[i - 1] != '.' || t[i + 1] != '.')
			continue;
		while (b > 0 && (isalnum((unsigned char)t[b - 1]) ||
				 t[b - 1] == '_' || t[b - 1] == '.'))
			b--;
		if (i - 1 - b == 0 || i - 1 - b >= sizeof(g))
			continue;
		snprintf(g, sizeof(g), "%.*s", (int)(i - 1 - b), t + b);
		if (!param_is_group(g))
			continue;
		if (group[0] && strcmp(group, g))
			return expect_fail(
				x, it, i, err, errlen,
				"'*' of two groups (%s and %s) in one assertion; write one assertion per group",
				group, g);
		if (it->nstar == EXPECT_STARS_MAX)
			return expect_fail(x, it, i, err, errlen,
					   "more than %d '*' in one assertion",
					   EXPECT_STARS_MAX);
		snprintf(group, glen, "%s", g);
		it->star[it->nstar++] = i;
	}
	return 0;
}

/* it's text with name in place of each '*' (a new string), or NULL. */
static char *expect_subst(const struct expect_item *it, const char *name)
{
	size_t len = strlen(it->orig), ln = strlen(name), off = 0, from = 0;
	char *t = malloc(len + it->nstar * ln + 1);

	if (!t)
		return NULL;
	for (size_t k = 0; k < it->nstar; k++) {
		memcpy(t + off, it->orig + from, it->star[k] - from);
		off += it->star[k] - from;
		memcpy(t + off, name, ln);
		off += ln;
		from = it->star[k] + 1;
	}
	strcpy(t + off, it->orig + from);
	return t;
}

/* Parses item it (its text set). */
static int expect_parse_item(struct expect *x, struct expect_item *it,
			     char *err, size_t errlen)
{
	char msg[EXPECT_MSG_MAX];
	size_t col = 0;
	int rc = expr_parse(it->text, &it->e, &col, msg, sizeof(msg));

	if (rc == -ENOMEM) {
		snprintf(err, errlen, "%s: out of memory", x->path);
		return -ENOMEM;
	}
	if (!rc)
		rc = expr_check_condition(it->e, &col, msg, sizeof(msg));
	if (rc)
		return expect_fail(x, it, col, err, errlen, "%s", msg);
	return 0;
}

/* Item nd; one item per instance of its group if it has GROUP.*. */
static int expect_add(struct expect *x, const struct scn *s,
		      const struct scn_node *nd, size_t *cap, char *err,
		      size_t errlen)
{
	struct expect_item it0 = { .line = nd->line, .col = nd->col }, *it;
	char f[SCN_QUOTE_MAX + 8], group[EXPECT_NAME_MAX], one[EXPECT_NAME_MAX];
	const char *const *names;
	size_t ni;
	int rc;

	if (nd->kind != SCN_SCALAR || nd->null || !nd->text[0]) {
		it0.text = ""; /* the error points at the item itself */
		return expect_fail(
			x, &it0, 0, err, errlen,
			"expected an assertion such as 'apps.src.latency.p99 < 20us', found %s",
			nd->kind == SCN_SCALAR && !nd->null
				? "an empty string"
				: scn_node_found(nd, f, sizeof(f)));
	}
	it0.quote = nd->quote;
	it0.text = nd->text;
	rc = expect_stars(x, &it0, group, sizeof(group), err, errlen);
	if (rc)
		return rc;
	ni = it0.nstar ? scn_instances(s, group, &names) : 1;
	if (it0.nstar && !ni) {
		const char *last = strrchr(group, '.');
		size_t l;

		snprintf(one, sizeof(one), "%s", last ? last + 1 : group);
		l = strlen(one);
		if (l > 1 && one[l - 1] == 's')
			one[l - 1] = '\0';
		return expect_fail(
			x, &it0, it0.star[0], err, errlen,
			"'%s.*' matches nothing: the scenario declares no %s",
			group, one);
	}
	if (x->n + ni > *cap) {
		size_t nc = 2 * *cap + ni;
		struct expect_item *n2 = realloc(x->it, nc * sizeof(*n2));

		if (!n2)
			goto out_nomem;
		x->it = n2;
		*cap = nc;
	}
	for (size_t k = 0; k < ni; k++) {
		it = &x->it[x->n];
		*it = it0;
		it->text = NULL;
		if (it0.nstar) {
			it->orig = strdup(nd->text);
			if (!it->orig)
				goto out_nomem;
			it->grow = strlen(names[k]) - 1;
			it->text = expect_subst(it, names[k]);
		} else {
			it->text = strdup(nd->text);
		}
		if (!it->text) {
			free(it->orig);
			goto out_nomem;
		}
		x->n++; /* owned now, freed by expect_destroy */
		rc = expect_parse_item(x, it, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
out_nomem:
	snprintf(err, errlen, "%s: out of memory", x->path);
	return -ENOMEM;
}

int expect_parse(const struct scn *s, struct expect **out, char *err,
		 size_t errlen)
{
	const struct scn_node *b = scn_block(s, "expect");
	size_t n = b && b->kind == SCN_SEQ ? b->n : 0, cap = n ? n : 1;
	struct expect *x = calloc(1, sizeof(*x));
	int rc = 0;

	*out = NULL;
	if (x) {
		x->path = strdup(scn_path(s));
		x->it = calloc(cap, sizeof(*x->it));
	}
	if (!x || !x->path || !x->it) {
		expect_destroy(x);
		snprintf(err, errlen, "%s: out of memory", scn_path(s));
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = expect_add(x, s, b->kid[i], &cap, err, errlen);
	if (rc) {
		expect_destroy(x);
		return rc;
	}
	*out = x;
	return 0;
}

void expect_destroy(struct expect *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++) {
		expr_destroy(x->it[i].e);
		free(x->it[i].text);
		free(x->it[i].orig);
	}
	free(x->it);
	free(x->path);
	free(x);
}

size_t expect_count(const struct expect *x)
{
	return x->n;
}

const char *expect_text(const struct expect *x, size_t i)
{
	return x->it[i].text;
}

int expect_where(const struct expect *x, size_t i, char *buf, size_t n)
{
	return snprintf(buf, n, "%s:%d:%d", x->path, x->it[i].line,
			x->it[i].col);
}

/*
 * Names.
 */

enum unit_kind expect_unit_kind(const char *unit)
{
	if (!unit)
		return UNIT_NONE;
	if (!strcmp(unit, "ps"))
		return UNIT_TIME;
	if (!strcmp(unit, "B"))
		return UNIT_SIZE;
	if (!strcmp(unit, "bps"))
		return UNIT_BITRATE;
	if (!strcmp(unit, "pps"))
		return UNIT_PKTRATE;
	return UNIT_NONE; /* "packets", "": counts and pure numbers */
}

static int expect_hist_value(const struct stat_info *si, const char *stat,
			     struct expr_value *out)
{
	struct stat_summary sm;
	double v[EXPECT_NHIST];

	hist_summary(&si->u.hist->hist, &sm);
	v[0] = (double)sm.count;
	v[1] = sm.mean;
	v[2] = sm.stddev;
	v[3] = sm.min;
	v[4] = sm.p50;
	v[5] = sm.p90;
	v[6] = sm.p99;
	v[7] = sm.p999;
	v[8] = sm.max;
	for (size_t i = 0; i < EXPECT_NHIST; i++) {
		if (strcmp(stat, expect_hist_stats[i]))
			continue;
		out->kind = i == 0 ? UNIT_NONE : expect_unit_kind(si->unit);
		out->num = v[i];
		return 0;
	}
	return -ENOENT;
}

static int expect_gauge_value(const struct stat_info *si, const char *stat,
			      struct expr_value *out)
{
	const struct stat_gauge *g = si->u.gauge;

	if (!strcmp(stat, "mean"))
		out->num = stats_gauge_mean(g);
	else if (!strcmp(stat, "min"))
		out->num = g->min;
	else if (!strcmp(stat, "max"))
		out->num = g->max;
	else
		return -ENOENT;
	out->kind = expect_unit_kind(si->unit);
	return 0;
}

/* The value of statistic si read as a whole name (no STAT suffix). */
static int expect_whole(const struct stat_info *si, const char *name,
			struct expr_value *out, char *hint, size_t hintlen)
{
	switch (si->kind) {
	case STAT_COUNTER:
		out->kind = expect_unit_kind(si->unit);
		out->num = (double)*si->u.counter;
		return 0;
	case STAT_SCALAR:
		out->kind = expect_unit_kind(si->unit);
		out->num = si->u.scalar;
		return 0;
	case STAT_HIST:
		snprintf(
			hint, hintlen,
			"it is a histogram: add a statistic, e.g. '%s.p99' (count, mean, stddev, min, p50, p90, p99, p999, max)",
			name);
		return -EDOM;
	case STAT_GAUGE:
		snprintf(
			hint, hintlen,
			"it is a gauge: add a statistic, '%s.mean', .min or .max",
			name);
		return -EDOM;
	default:
		return -ENOENT;
	}
}

/* comp.metric or comp.metric.STAT for the split with comp of length clen;
 * 1 if the split names no statistic. */
static int expect_split(const struct stats *st, const char *name, size_t clen,
			struct expr_value *out, char *hint, size_t hintlen)
{
	char comp[EXPECT_NAME_MAX], metric[EXPECT_NAME_MAX];
	const char *rest = name + clen + 1, *dot;
	struct stat_info si;

	memcpy(comp, name, clen);
	comp[clen] = '\0';
	if (!stats_find(st, comp, rest, &si) && si.kind != STAT_SERIES)
		return expect_whole(&si, name, out, hint, hintlen);
	dot = strrchr(rest, '.');
	if (!dot)
		return 1;
	memcpy(metric, rest, (size_t)(dot - rest));
	metric[dot - rest] = '\0';
	if (stats_find(st, comp, metric, &si))
		return 1;
	if (si.kind == STAT_HIST && !expect_hist_value(&si, dot + 1, out))
		return 0;
	if (si.kind == STAT_GAUGE && !expect_gauge_value(&si, dot + 1, out))
		return 0;
	if (si.kind == STAT_HIST && !hint[0])
		snprintf(
			hint, hintlen,
			"'%.*s' is a histogram, whose statistics are count, mean, stddev, min, p50, p90, p99, p999 and max",
			(int)(dot - name), name);
	if (si.kind == STAT_GAUGE && !hint[0])
		snprintf(
			hint, hintlen,
			"'%.*s' is a gauge, whose statistics are mean, min and max",
			(int)(dot - name), name);
	return 1;
}

static int expect_stat(const struct stats *st, const char *name,
		       struct expr_value *out, char *hint, size_t hintlen)
{
	size_t len = strlen(name);
	int rc;

	if (!st || len >= EXPECT_NAME_MAX)
		return -ENOENT;
	for (size_t i = len; i-- > 1;) {
		if (name[i] != '.' || i + 1 == len)
			continue;
		rc = expect_split(st, name, i, out, hint, hintlen);
		if (rc <= 0)
			return rc;
	}
	return -ENOENT;
}

static int expect_param(const struct scn *s, const char *name,
			struct expr_value *out, char *hint, size_t hintlen)
{
	char alias[EXPECT_NAME_MAX + 8];
	const struct param_val *pv =
		s ? scn_get(s, scn_alias(name, alias, sizeof(alias))) : NULL;

	*out = (struct expr_value){ .kind = UNIT_NONE };
	if (!pv)
		return -ENOENT;
	if (param_quantity(pv, &out->kind, &out->num, &out->str)) {
		snprintf(hint, hintlen, "it is a size table");
		return -EDOM;
	}
	return 0;
}

/* Keeps cand in *best if it is nearer to name than what is there. */
static void expect_near(const char *name, const char *cand, char *best,
			size_t n, size_t *dist)
{
	size_t d = param_distance(name, cand);

	if (d < *dist) {
		*dist = d;
		snprintf(best, n, "%s", cand);
	}
}

/* The nearest name env offers, or "" if none is near enough. */
static void expect_nearest(const struct expect_env *env, const char *name,
			   char *best, size_t n)
{
	size_t dist = (size_t)-1, limit = strlen(name) / 3;
	char cand[2 * EXPECT_NAME_MAX + 16];
	const char *p, *t;
	struct stat_info si;

	best[0] = '\0';
	expect_near(name, "fingerprint", best, n, &dist);
	expect_near(name, "repetition", best, n, &dist);
	for (size_t i = 0; env->st && i < stats_count(env->st); i++) {
		stats_get(env->st, i, &si);
		if (si.kind == STAT_SERIES)
			continue;
		if (si.kind == STAT_HIST || si.kind == STAT_GAUGE) {
			const char *const *sv = si.kind == STAT_HIST
							? expect_hist_stats
							: expect_gauge_stats;
			size_t ns = si.kind == STAT_HIST ? EXPECT_NHIST
							 : EXPECT_NGAUGE;

			for (size_t j = 0; j < ns; j++) {
				snprintf(cand, sizeof(cand), "%s.%s.%s",
					 si.component, si.metric, sv[j]);
				expect_near(name, cand, best, n, &dist);
			}
			continue;
		}
		snprintf(cand, sizeof(cand), "%s.%s", si.component, si.metric);
		expect_near(name, cand, best, n, &dist);
	}
	for (size_t i = 0; env->s && i < scn_param_count(env->s); i++) {
		scn_param_at(env->s, i, &p, &t);
		expect_near(name, p, best, n, &dist);
	}
	if (dist > (limit > 3 ? limit : 3))
		best[0] = '\0';
}

int expect_lookup(const struct expect_env *env, const char *name,
		  struct expr_value *out, char *hint, size_t hintlen)
{
	char best[2 * EXPECT_NAME_MAX + 16], none[1];
	int rc;

	*out = (struct expr_value){ .kind = UNIT_NONE };
	if (!hint || !hintlen) {
		hint = none;
		hintlen = sizeof(none);
	}
	hint[0] = '\0';
	if (!strcmp(name, "fingerprint")) {
		out->str = env->fingerprint ? env->fingerprint : "";
		return 0;
	}
	if (!strcmp(name, "repetition")) {
		out->num = env->repetition;
		return 0;
	}
	rc = expect_stat(env->st, name, out, hint, hintlen);
	if (rc == -ENOENT)
		rc = expect_param(env->s, name, out, hint, hintlen);
	if (rc != -ENOENT)
		return rc;
	if (hint[0])
		return -ENOENT; /* a statistic that its metric does not have */
	expect_nearest(env, name, best, sizeof(best));
	if (best[0])
		snprintf(hint, hintlen, "did you mean '%s'?", best);
	return -ENOENT;
}

/*
 * Binding and evaluation.
 */

struct expect_ctx {
	const struct expect_env *env;
	char hint[EXPECT_MSG_MAX];
};

static int expect_resolve(void *arg, const char *name, struct expr_value *out,
			  const char **hint)
{
	struct expect_ctx *c = arg;
	int rc = expect_lookup(c->env, name, out, c->hint, sizeof(c->hint));

	if (rc && hint && c->hint[0])
		*hint = c->hint;
	return rc;
}

int expect_bind(struct expect *x, const struct expect_env *env, char *err,
		size_t errlen)
{
	struct expect_ctx c = { .env = env };
	char msg[EXPECT_MSG_MAX];
	size_t col = 0;

	for (size_t i = 0; i < x->n; i++)
		if (expr_bind(x->it[i].e, expect_resolve, &c, &col, msg,
			      sizeof(msg)))
			return expect_fail(x, &x->it[i], col, err, errlen, "%s",
					   msg);
	return 0;
}

int expect_eval(const struct expect *x, size_t i, const struct expect_env *env,
		bool *pass)
{
	struct expect_ctx c = { .env = env };
	struct expr_value v;
	int rc = expr_eval(x->it[i].e, expect_resolve, &c, &v);

	*pass = !rc && expr_truthy(&v);
	return rc;
}

/* v with 6 significant digits in the unit of the table that suits it. */
static int expect_scaled(char *buf, size_t n, double v,
			 const char *const *names, size_t nn)
{
	double m = fabs(v), scale = 1;
	size_t i = 0;

	while (i + 1 < nn && m >= scale * 1000) {
		scale *= 1000;
		i++;
	}
	return snprintf(buf, n, "%.*g%s", EXPECT_DIGITS, v / scale, names[i]);
}

int expect_format(const struct expr_value *v, char *buf, size_t n)
{
	static const char *const bps[] = { "bps", "kbps", "Mbps", "Gbps",
					   "Tbps" };
	static const char *const pps[] = { "pps", "kpps", "Mpps", "Gpps" };
	double x = v->num;
	bool whole = x == floor(x) && fabs(x) < 1e15;

	if (v->str)
		return snprintf(buf, n, "\"%s\"", v->str);
	if (isnan(x) || isinf(x))
		return snprintf(buf, n, "%g", x);
	switch (v->kind) {
	case UNIT_TIME:
		return units_fmt_time_approx(buf, n, x, EXPECT_DIGITS);
	case UNIT_SIZE:
		if (whole && x >= 0)
			return units_fmt_size(buf, n, (uint64_t)x);
		return snprintf(buf, n, "%.*gB", EXPECT_DIGITS, x);
	case UNIT_BITRATE:
		return expect_scaled(buf, n, x, bps, 5);
	case UNIT_PKTRATE:
		return expect_scaled(buf, n, x, pps, 4);
	default:
		if (whole)
			return snprintf(buf, n, "%.0f", x);
		return snprintf(buf, n, "%.*g", EXPECT_DIGITS, x);
	}
}

int expect_explain(const struct expect *x, size_t i,
		   const struct expect_env *env, char *buf, size_t n)
{
	const char *const *names;
	size_t nn = expr_names(x->it[i].e, &names), off = 0;
	char val[128], hint[8];
	struct expr_value v;
	int len;

	if (n)
		buf[0] = '\0';
	for (size_t k = 0; k < nn; k++) {
		if (expect_lookup(env, names[k], &v, hint, sizeof(hint)))
			snprintf(val, sizeof(val), "?");
		else
			expect_format(&v, val, sizeof(val));
		len = snprintf(off < n ? buf + off : NULL,
			       off < n ? n - off : 0, "%s%s = %s",
			       k ? ", " : "", names[k], val);
		if (len > 0)
			off += (size_t)len;
	}
	return (int)off;
}
