/*
 * plot_data.c - `usnsim plot`: from the rows of a query to lines and axes.
 *
 * The rows are checked (the x values are numbers of one unit, and no
 * plotted value mixes sweep points), gathered into lines (or bars), sorted
 * (groups by the numeric value of their parameter, so 100kpps comes after
 * 20kpps; sweep points and groups of several parameters value by value)
 * and labelled. Each axis then gets a unit, the one --xunit/--yunit names
 * or else the largest not above the largest magnitude plotted, and a
 * default label. Values stay in database units here (picoseconds, bytes,
 * b/s, packets/s); plot_scale() converts them when they are written.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "plot_int.h"
#include "registry.h"
#include "units.h"

/* ---- values with units ------------------------------------------------ */

/* Axis units; the first of each kind is the canonical (database) unit. */
struct plot_unit {
	enum unit_kind kind;
	const char *name, *label;
	double scale;
	bool alias; /* accepted by --xunit/--yunit, never chosen */
};

static const struct plot_unit plot_units[] = {
	{ UNIT_TIME, "ps", "ps", 1, false },
	{ UNIT_TIME, "ns", "ns", 1e3, false },
	{ UNIT_TIME, "us", "µs", 1e6, false },
	{ UNIT_TIME, "µs", "µs", 1e6, true },
	{ UNIT_TIME, "ms", "ms", 1e9, false },
	{ UNIT_TIME, "s", "s", 1e12, false },
	{ UNIT_BITRATE, "bps", "b/s", 1, false },
	{ UNIT_BITRATE, "kbps", "kb/s", 1e3, false },
	{ UNIT_BITRATE, "Mbps", "Mb/s", 1e6, false },
	{ UNIT_BITRATE, "Gbps", "Gb/s", 1e9, false },
	{ UNIT_BITRATE, "Tbps", "Tb/s", 1e12, false },
	{ UNIT_PKTRATE, "pps", "pps", 1, false },
	{ UNIT_PKTRATE, "kpps", "kpps", 1e3, false },
	{ UNIT_PKTRATE, "Mpps", "Mpps", 1e6, false },
	{ UNIT_PKTRATE, "Gpps", "Gpps", 1e9, false },
	{ UNIT_SIZE, "B", "B", 1, false },
	{ UNIT_SIZE, "KiB", "KiB", 1024.0, false },
	{ UNIT_SIZE, "MiB", "MiB", 1048576.0, false },
	{ UNIT_SIZE, "GiB", "GiB", 1073741824.0, false },
	{ UNIT_SIZE, "TiB", "TiB", 1099511627776.0, false },
};

#define PLOT_NUNITS (sizeof(plot_units) / sizeof(plot_units[0]))

/* The canonical number of a parameter value with its unit ("20kpps" is
 * 20000, "1.5us" is 1500000); returns 0, or -EINVAL if s is not a number
 * (an enum or a boolean). */
static int plot_value(const char *s, double *v, enum unit_kind *kind)
{
	enum unit_kind k = units_kind_of(s);
	sim_time t;
	uint64_t b;
	char *end;
	int rc = 0;

	switch ((int)k) {
	case UNIT_TIME:
		rc = units_parse_time(s, &t);
		*v = (double)t;
		break;
	case UNIT_BITRATE:
		rc = units_parse_bitrate(s, v);
		break;
	case UNIT_PKTRATE:
		rc = units_parse_pktrate(s, v);
		break;
	case UNIT_SIZE:
		rc = units_parse_size(s, &b);
		*v = (double)b;
		break;
	case UNIT_FRACTION:
		rc = units_parse_fraction(s, v);
		break;
	default:
		k = UNIT_NONE;
		errno = 0;
		*v = strtod(s, &end);
		if (end == s || *end || errno || !isfinite(*v))
			rc = -EINVAL;
		break;
	}
	*kind = k;
	return rc ? -EINVAL : 0;
}

/* The axis kind of a unit stored in the database. */
void plot_axis_from_db(struct plot_axis *a, const char *unit)
{
	static const struct {
		const char *name;
		enum unit_kind kind;
	} db_units[] = {
		{ "ps", UNIT_TIME },
		{ "B", UNIT_SIZE },
		{ "bps", UNIT_BITRATE },
		{ "pps", UNIT_PKTRATE },
	};

	a->kind = UNIT_NONE;
	errmsg(a->dbunit, sizeof(a->dbunit), "%s", unit ? unit : "");
	for (size_t i = 0; i < sizeof(db_units) / sizeof(db_units[0]); i++)
		if (unit && strcmp(unit, db_units[i].name) == 0) {
			a->kind = db_units[i].kind;
			a->dbunit[0] = '\0';
		}
	a->set = true;
}

/* Picks the unit of an axis: the one asked for, else the largest unit not
 * above the largest magnitude plotted. Returns 0 or -EINVAL. */
static int plot_axis_unit(struct plot_axis *a, const char *want, double max,
			  const char *which, char *err, size_t errlen)
{
	a->u = NULL;
	if (a->kind == UNIT_NONE || a->kind == UNIT_FRACTION) {
		if (want) {
			errmsg(err, errlen,
			       "--%s %s: the %c axis has no unit to choose",
			       which, want, which[0]);
			return -EINVAL;
		}
		return 0;
	}
	for (size_t i = 0; i < PLOT_NUNITS; i++) {
		const struct plot_unit *u = &plot_units[i];

		if (u->kind != a->kind)
			continue;
		if (want) {
			if (strcmp(want, u->name) == 0)
				a->u = u;
		} else if (!u->alias && (!a->u || u->scale <= max)) {
			a->u = u;
		}
	}
	if (!a->u) {
		char list[160];
		size_t len = 0;

		for (size_t i = 0; i < PLOT_NUNITS && len < sizeof(list); i++)
			if (plot_units[i].kind == a->kind &&
			    !plot_units[i].alias)
				len += (size_t)errmsg(
					list + len, sizeof(list) - len, "%s%s",
					len ? ", " : "", plot_units[i].name);
		errmsg(err, errlen, "--%s %s: expected one of %s", which, want,
		       list);
		return -EINVAL;
	}
	return 0;
}

double plot_scale(const struct plot_axis *a, double v)
{
	return a->u ? v / a->u->scale : v;
}

/* " (µs)", " (packets)" or "". */
const char *plot_unit_suffix(const struct plot_axis *a, char *buf, size_t n)
{
	const char *name = a->u ? a->u->label : a->dbunit;

	if (!name[0])
		return "";
	errmsg(buf, n, " (%s)", name);
	return buf;
}

/* ---- names of parameters ---------------------------------------------- */

/* The short name of a parameter for a key or a panel: the components of
 * its path after the instance ("hosts.*.driver.placement" -> "driver
 * placement"), or the whole path ("network.kind" -> "network kind"),
 * '_' and '.' read as spaces. Several paths "P1,P2" are named in turn. */
void plot_param_name(const char *path, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	while (*path && len + 1 < n) {
		size_t pl = strcspn(path, ",");
		char one[256];
		const struct param_def *d;
		const char *from;
		int skip = 0;

		errmsg(one, sizeof(one), "%.*s", (int)pl, path);
		d = param_lookup(one);
		/* the components up to the pattern's '*' are dropped */
		if (d && strchr(d->path, '*'))
			for (const char *q = d->path; *q && *q != '*'; q++)
				skip += *q == '.';
		from = one;
		for (int i = 0; i <= skip && d && strchr(d->path, '*'); i++)
			from = strchr(from, '.') ? strchr(from, '.') + 1 : from;
		len += (size_t)errmsg(buf + len, n - len, "%s%s",
				      len ? ", " : "", from);
		path += pl + (path[pl] == ',');
	}
	for (char *q = buf; *q; q++)
		if (*q == '_' || *q == '.')
			*q = ' ';
}

/* The meaning of a parameter for an axis, from the registry's line
 * ("offered load as a packet rate (pps) or ..." -> "Offered load"): its
 * first clause, a qualifier before an early ':' left out; else the short
 * name. */
static void plot_param_meaning(const char *path, char *buf, size_t n)
{
	const struct param_def *d = param_lookup(path);
	static const char *const cuts[] = { ";", " (", ",", ":", " as a " };
	const char *h = d && d->help ? d->help : NULL;
	const char *colon = h ? strchr(h, ':') : NULL;
	size_t len;

	if (!h) {
		plot_param_name(path, buf, n);
	} else {
		if (colon && colon - h < 16 && colon[1])
			h = colon + 1 + strspn(colon + 1, " ");
		len = strlen(h);
		for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
			const char *c = strstr(h, cuts[i]);

			if (c && (size_t)(c - h) < len && c > h)
				len = (size_t)(c - h);
		}
		/* at most 40 characters, at a word's end */
		while (len > 40 && memchr(h, ' ', len))
			while (len > 0 && h[--len] != ' ')
				;
		errmsg(buf, n, "%.*s", (int)len, h);
	}
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
}

/* A parameter value for a key, a bar or a panel: a number with a unit
 * gets a space before the unit and "us" reads "µs" ("10kpps" -> "10
 * kpps", "1us" -> "1 µs"); anything else as it is. */
void plot_pretty_value(const char *v, char *buf, size_t n)
{
	enum unit_kind kind;
	double x;
	size_t num = strspn(v, "0123456789.+-eE");

	/* the exponent letters belong to the number only before a digit */
	while (num > 0 && (v[num - 1] == 'e' || v[num - 1] == 'E'))
		num--;
	if (plot_value(v, &x, &kind) || kind == UNIT_NONE ||
	    kind == UNIT_FRACTION || !num || !v[num] || v[num] == ' ') {
		errmsg(buf, n, "%s", v);
		return;
	}
	errmsg(buf, n, "%.*s %s", (int)num, v,
	       !strcmp(v + num, "us") ? "µs" : v + num);
}

/* The values of several parameters, "64B kernel", each read as
 * plot_pretty_value() reads one ("64 B kernel"). */
static void plot_pretty_words(const char *v, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	while (*v && len + 1 < n) {
		size_t wl = strcspn(v, " ");
		char w[PLOT_LABEL / 2], pw[PLOT_LABEL / 2];

		errmsg(w, sizeof(w), "%.*s", (int)wl, v);
		plot_pretty_value(w, pw, sizeof(pw));
		len += (size_t)errmsg(buf + len, n - len, "%s%s",
				      len ? " " : "", pw);
		v += wl;
		v += strspn(v, " ");
	}
}

/* ---- sweep points ----------------------------------------------------- */

/* The next "key":"value" pair of a flat JSON object of strings, as usnsim
 * writes sweep points. Returns 1 with the pair copied (truncated to fit),
 * 0 at the end or on anything it does not understand. */
static int plot_json_next(const char **pp, char *key, size_t kn, char *val,
			  size_t vn)
{
	const char *p = *pp;
	char *dst[2] = { key, val };
	size_t cap[2] = { kn, vn };

	for (int f = 0; f < 2; f++) {
		size_t len = 0;
		bool quoted;

		while (*p == '{' || *p == ',' || *p == ':' || *p == ' ')
			p++;
		quoted = *p == '"';
		if (!quoted && (f == 0 || !*p || *p == '}'))
			return 0;
		p += quoted;
		while (*p && (quoted ? *p != '"' : (*p != ',' && *p != '}'))) {
			if (quoted && *p == '\\' && p[1])
				p++;
			if (len + 1 < cap[f])
				dst[f][len++] = *p;
			p++;
		}
		if (quoted && *p != '"')
			return 0;
		p += quoted;
		dst[f][len] = '\0';
	}
	*pp = p;
	return 1;
}

int plot_cmp_value(const char *a, const char *b)
{
	double va, vb;
	enum unit_kind ka, kb;

	if (plot_value(a, &va, &ka) == 0 && plot_value(b, &vb, &kb) == 0 &&
	    ka == kb && va != vb)
		return va < vb ? -1 : 1;
	return strcmp(a, b);
}

/* Compares "V1 V2 ..." (the values of a group of several parameters)
 * value by value. */
static int plot_cmp_words(const char *a, const char *b)
{
	char va[256], vb[256];
	int c;

	while (*a || *b) {
		size_t la = strcspn(a, " "), lb = strcspn(b, " ");

		if (!*a || !*b)
			return *a ? 1 : -1;
		snprintf(va, sizeof(va), "%.*s", (int)la, a);
		snprintf(vb, sizeof(vb), "%.*s", (int)lb, b);
		if ((c = plot_cmp_value(va, vb)) != 0)
			return c;
		a += la + (a[la] == ' ');
		b += lb + (b[lb] == ' ');
	}
	return 0;
}

/* Compares two group values: numbers by value, a sweep point (--group
 * point) or the values of several parameters value by value. */
static int plot_cmp_group(const char *group, const char *a, const char *b)
{
	char ka[256], kb[256], va[256], vb[256];
	int c;

	if (strchr(group, ','))
		return plot_cmp_words(a, b);
	if (strcmp(group, "point") != 0)
		return plot_cmp_value(a, b);
	for (;;) {
		int ha = plot_json_next(&a, ka, sizeof(ka), va, sizeof(va));
		int hb = plot_json_next(&b, kb, sizeof(kb), vb, sizeof(vb));

		if (!ha || !hb)
			return ha - hb;
		if ((c = strcmp(ka, kb)) != 0)
			return c;
		if ((c = plot_cmp_value(va, vb)) != 0)
			return c;
	}
}

/* Label of a sweep point: its values ("10kpps, 1Gbps") when keys_shared,
 * else "key=value, ...". */
static void plot_point_label(const char *json, bool keys_shared, char *buf,
			     size_t n)
{
	char k[256], v[256];
	size_t len = 0;

	buf[0] = '\0';
	while (plot_json_next(&json, k, sizeof(k), v, sizeof(v)) && len < n) {
		if (keys_shared)
			len += (size_t)errmsg(buf + len, n - len, "%s%s",
					      len ? ", " : "", v);
		else
			len += (size_t)errmsg(buf + len, n - len, "%s%s=%s",
					      len ? ", " : "", k, v);
	}
	if (!buf[0])
		errmsg(buf, n, "(no sweep)");
}

/* The keys of a sweep point, joined by ", ". */
static void plot_point_keys(const char *json, char *buf, size_t n)
{
	char k[256], v[256];
	size_t len = 0;

	buf[0] = '\0';
	while (plot_json_next(&json, k, sizeof(k), v, sizeof(v)) && len < n)
		len += (size_t)errmsg(buf + len, n - len, "%s%s",
				      len ? ", " : "", k);
}

/* ---- arranging the rows ----------------------------------------------- */

/* Lines by series, then group value (panels aside). */
static int plot_cmp_key(const char *group, const struct plot_line *a,
			const struct plot_line *b)
{
	int cmp =
		strcmp(a->series ? a->series : "", b->series ? b->series : "");

	return cmp ? cmp : plot_cmp_group(group, a->grp, b->grp);
}

static int plot_cmp_line(const char *group, const struct plot_line *a,
			 const struct plot_line *b)
{
	if (a->facet != b->facet)
		return a->facet < b->facet ? -1 : 1;
	return plot_cmp_key(group, a, b);
}

/* Insertion sort of the lines (a few dozen at most): stable, and the
 * comparison needs the figure's --group. */
static void plot_sort_lines(struct plot_line *l, size_t n, const char *group)
{
	for (size_t i = 1; i < n; i++) {
		struct plot_line t = l[i];
		size_t j = i;

		for (; j > 0 && plot_cmp_line(group, &l[j - 1], &t) > 0; j--)
			l[j] = l[j - 1];
		l[j] = t;
	}
}

/* Numbers the styles: one per (series, grp), in the order of the lines'
 * keys, so a group keeps its colour and point type in every panel. */
static void plot_styles(struct plot_ctx *c)
{
	c->nstyles = 0;
	for (size_t i = 0; i < c->nlines; i++) {
		size_t rank = 0;
		bool seen = false;

		/* the distinct keys ordered before line i's, and whether
		 * line i's own appeared in an earlier line */
		for (size_t j = 0; j < c->nlines; j++) {
			int cmp = plot_cmp_key(c->group, &c->lines[j],
					       &c->lines[i]);
			bool first = true;

			for (size_t k = 0; k < j && first; k++)
				first = plot_cmp_key(c->group, &c->lines[k],
						     &c->lines[j]) != 0;
			if (first && cmp < 0)
				rank++;
			seen |= j < i && cmp == 0;
		}
		c->lines[i].style = rank;
		if (!seen)
			c->nstyles++;
	}
}

static int plot_cmp_row(const void *pa, const void *pb)
{
	const struct plot_row *a = pa, *b = pb;

	int cmp;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	/* xy: along a line in the order of --order's values */
	if (a->ord && b->ord && (cmp = plot_cmp_value(a->ord, b->ord)) != 0)
		return cmp;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Finds or adds the line (series, grp); for bars only grp counts. */
static long plot_line_of(struct plot_ctx *c, size_t facet, const char *series,
			 const char *grp)
{
	for (size_t i = c->nlines; i-- > 0;)
		if (c->lines[i].facet == facet &&
		    strcmp(c->lines[i].grp, grp) == 0 &&
		    (!series || strcmp(c->lines[i].series, series) == 0))
			return (long)i;
	if (c->nlines % 64 == 0) {
		struct plot_line *p =
			realloc(c->lines, (c->nlines + 64) * sizeof(*p));

		if (!p)
			return -1;
		c->lines = p;
	}
	c->lines[c->nlines] =
		(struct plot_line){ series, grp, NULL, NULL, facet, 0 };
	return (long)c->nlines++;
}

static int plot_add_series(struct plot_ctx *c, const char *s)
{
	for (size_t i = 0; i < c->nseries; i++)
		if (strcmp(c->series[i], s) == 0)
			return 0;
	if (c->nseries % 16 == 0) {
		const char **p =
			realloc(c->series, (c->nseries + 16) * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->series = p;
	}
	c->series[c->nseries++] = s;
	return 0;
}

/* The label of line l whose group reads g. */
static void plot_line_label(struct plot_ctx *c, const struct plot_line *l,
			    const char *g, bool one_grp, char *lab, size_t n)
{
	if (c->k->layout == PLOT_LINES && c->has_series)
		errmsg(lab, n, "%s%s%s", l->series, one_grp ? "" : ", ",
		       one_grp ? "" : g);
	else
		errmsg(lab, n, "%s", g);
	if (c->o->label && c->nlines == 1 && c->k->layout == PLOT_LINES)
		errmsg(lab, n, "%s", c->o->label);
}

/* --key-names "VALUE=NAME;...": the name given to group value v, copied
 * into buf; false if v has none. */
static bool plot_key_name(const char *names, const char *v, char *buf, size_t n)
{
	size_t vl = strlen(v);

	for (const char *p = names; p && *p;) {
		size_t len = strcspn(p, ";");
		const char *eq = memchr(p, '=', len);

		if (eq && (size_t)(eq - p) == vl && !strncmp(p, v, vl)) {
			errmsg(buf, n, "%.*s", (int)(len - vl - 1), eq + 1);
			return true;
		}
		p += len + (p[len] == ';');
	}
	return false;
}

/* --key-names: every entry is VALUE=NAME with VALUE a value of the
 * group among the lines; -EINVAL with the values in err if not. */
static int plot_check_key_names(struct plot_ctx *c, char *err, size_t errlen)
{
	const char *p = c->o->key_names;
	char vals[PLOT_LABEL];
	size_t len = 0;

	vals[0] = '\0';
	for (size_t i = 0; i < c->nlines && len < sizeof(vals); i++)
		if (!i || strcmp(c->lines[i].grp, c->lines[i - 1].grp))
			len += (size_t)errmsg(vals + len, sizeof(vals) - len,
					      "%s'%s'", len ? ", " : "",
					      c->lines[i].grp);
	while (p && *p) {
		size_t n = strcspn(p, ";");
		const char *eq = memchr(p, '=', n);
		bool found = false;

		for (size_t i = 0; eq && i < c->nlines && !found; i++)
			found = strlen(c->lines[i].grp) == (size_t)(eq - p) &&
				!strncmp(c->lines[i].grp, p, (size_t)(eq - p));
		if (!eq || !found) {
			errmsg(err, errlen,
			       "--key-names: '%.*s' %s (values of --group %s: "
			       "%s)",
			       (int)n, p,
			       eq ? "names no value of the group"
				  : "is not VALUE=NAME",
			       c->group, vals);
			return -EINVAL;
		}
		p += n + (p[n] == ';');
	}
	return 0;
}

/* Labels of the lines (or bars) and the key's title. */
static int plot_labels(struct plot_ctx *c)
{
	bool point = strcmp(c->group, "point") == 0;
	bool shared = point, one_grp = true;
	char first[PLOT_LABEL], keys[PLOT_LABEL], lab[PLOT_LABEL];

	if (point && c->nlines)
		plot_point_keys(c->lines[0].grp, first, sizeof(first));
	for (size_t i = 0; i < c->nlines; i++) {
		if (point) {
			plot_point_keys(c->lines[i].grp, keys, sizeof(keys));
			shared &= strcmp(keys, first) == 0 && first[0];
		}
		one_grp &= strcmp(c->lines[i].grp, c->lines[0].grp) == 0;
	}
	if (shared)
		errmsg(c->keytitle, sizeof(c->keytitle), "%s", first);
	else if (strcmp(c->group, "component") &&
		 strcmp(c->group, "scenario") && !point)
		plot_param_name(c->group, c->keytitle, sizeof(c->keytitle));
	for (size_t i = 0; i < c->nlines; i++) {
		struct plot_line *l = &c->lines[i];
		char g[PLOT_LABEL], pretty[PLOT_LABEL];

		if (point)
			plot_point_label(l->grp, shared, g, sizeof(g));
		else
			errmsg(g, sizeof(g), "%s", l->grp);
		plot_line_label(c, l, g, one_grp, lab, sizeof(lab));
		/* the key's entry: a value of one parameter as "10 kpps",
		 * of several as "64 B kernel" */
		if (!point && strchr(c->group, '.') && !strchr(c->group, ','))
			plot_pretty_value(l->grp, pretty, sizeof(pretty));
		else if (!point && strchr(c->group, ','))
			plot_pretty_words(l->grp, pretty, sizeof(pretty));
		else
			errmsg(pretty, sizeof(pretty), "%s", g);
		/* a bar's label, under it, reads as the key would */
		if (c->k->layout == PLOT_BARS)
			plot_line_label(c, l, pretty, one_grp, lab,
					sizeof(lab));
		if (!(l->label = strdup(lab)))
			return -ENOMEM;
		if (c->o->key_names)
			plot_key_name(c->o->key_names, l->grp, pretty,
				      sizeof(pretty));
		plot_line_label(c, l, pretty, one_grp, lab, sizeof(lab));
		if (!(l->key = strdup(lab)))
			return -ENOMEM;
	}
	if (c->has_series && one_grp && c->k->layout == PLOT_LINES)
		c->keytitle[0] = '\0';
	return 0;
}

/* Checks the rows: x values are numbers of one kind (converted into x),
 * and no plotted value mixes sweep points. */
static int plot_check_rows(struct plot_ctx *c, char *err, size_t errlen)
{
	enum unit_kind xk = UNIT_NONE;

	if (!c->nrows) {
		errmsg(err, errlen,
		       "no data for a %s figure in the selected runs "
		       "(it needs %s; see docs/guide/figures.md)",
		       c->k->name, c->k->hint);
		return -ENODATA;
	}
	for (size_t i = 0; i < c->nrows; i++) {
		struct plot_row *r = &c->rows[i];
		enum unit_kind k;

		if (!r->xval)
			break;
		if (plot_value(r->xval, &r->x, &k) || (i && k != xk)) {
			errmsg(err, errlen,
			       "--x %s: value '%s' is %s; the x axis needs "
			       "numbers in one unit (try --group %s)",
			       c->x, r->xval,
			       i && k != xk ? "in another unit"
					    : "not a number",
			       c->x);
			return -EINVAL;
		}
		xk = k;
		c->xa.kind = k;
		c->xa.set = true;
	}
	for (size_t i = 0; i < c->nrows; i++) {
		struct plot_row *r = &c->rows[i];

		if (r->npoints > 1) {
			char g[PLOT_LABEL];

			if (strcmp(c->group, "point") == 0)
				plot_point_label(r->grp, false, g, sizeof(g));
			else
				errmsg(g, sizeof(g), "%s", r->grp);
			if (c->has_ord) {
				errmsg(err, errlen,
				       "point %s%s%s of line %s mixes %lld sweep "
				       "points, scenario versions or components; "
				       "keep one with --where, give each its own "
				       "point with --order PATH or its own line "
				       "with --group PATH, or name the metrics "
				       "as COMPONENT.METRIC",
				       r->ord[0] ? "at " : "", r->ord,
				       r->ord[0] ? "" : "(all)",
				       g[0] ? g : "(all)", r->npoints);
				return -EINVAL;
			}
			errmsg(err, errlen,
			       "%s%s%s%s%s%s%s mixes %lld sweep points or "
			       "scenario versions; keep one with --where, or "
			       "give each its own %s with --group PATH (or "
			       "--group point)",
			       c->k->layout == PLOT_BARS ? "bar " : "line ",
			       r->series ? r->series : "",
			       r->series && g[0] ? ", " : "", g,
			       !r->series && !g[0] ? "(all)" : "",
			       r->xval ? " at " : "", r->xval ? r->xval : "",
			       r->npoints,
			       c->k->layout == PLOT_BARS ? "bar" : "line");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Bars: the stacked series that are under PLOT_OTHER of every bar's
 * height are one series "other" (when there are two or more of them, and
 * more than PLOT_FEW series in all): slivers a reader cannot see or tell
 * apart, summed where their total can be seen. "other" is stacked last.
 */
#define PLOT_OTHER 0.03
#define PLOT_FEW 6

static int plot_other(struct plot_ctx *c)
{
	static const char other[] = "other";
	size_t nsmall = 0, keep = 0;
	bool *small;

	if (c->nseries <= PLOT_FEW)
		return 0;
	small = calloc(c->nseries, sizeof(*small));
	if (!small)
		return -ENOMEM;
	for (size_t s = 0; s < c->nseries; s++) {
		small[s] = true;
		for (size_t l = 0; l < c->nlines && small[s]; l++) {
			double total = 0, mine = 0;

			for (size_t i = 0; i < c->nrows; i++) {
				const struct plot_row *r = &c->rows[i];

				if (r->line != l || !isfinite(r->y[0]))
					continue;
				total += fabs(r->y[0]);
				if (!strcmp(r->series, c->series[s]))
					mine += fabs(r->y[0]);
			}
			small[s] = mine <= PLOT_OTHER * total;
		}
		nsmall += small[s];
	}
	if (nsmall >= 2) {
		/* c->series[] point into the rows: marked first, then
		 * renamed */
		bool *rename = calloc(c->nrows ? c->nrows : 1, sizeof(*rename));

		if (!rename) {
			free(small);
			return -ENOMEM;
		}
		for (size_t i = 0; i < c->nrows; i++)
			for (size_t s = 0; s < c->nseries; s++)
				rename[i] |=
					small[s] && !strcmp(c->rows[i].series,
							    c->series[s]);
		for (size_t s = 0; s < c->nseries; s++)
			if (!small[s])
				c->series[keep++] = c->series[s];
		for (size_t i = 0; i < c->nrows; i++) {
			char *o = rename[i] ? strdup(other) : NULL;

			if (rename[i] && !o) {
				free(rename);
				free(small);
				return -ENOMEM;
			}
			if (o) {
				free(c->rows[i].series);
				c->rows[i].series = o;
			}
		}
		free(rename);
		c->nseries = keep;
		c->series[c->nseries++] = other;
	}
	free(small);
	return 0;
}

/* Orders lines and rows: lines by series, then group value (numbers by
 * value); rows by line, then x, then query order. The stacked series of
 * bars keep the order in which the query first returns them (the path
 * order of stages in breakdown.sql). */
int plot_arrange(struct plot_ctx *c, char *err, size_t errlen)
{
	bool bars = c->k->layout == PLOT_BARS;
	int rc = plot_check_rows(c, err, errlen);

	if (rc)
		return rc;
	for (size_t i = 0; i < c->nrows; i++) {
		struct plot_row *r = &c->rows[i];
		long l = plot_line_of(c, r->facet, bars ? NULL : r->series,
				      r->grp);

		if (l < 0 ||
		    (bars && r->series && plot_add_series(c, r->series)))
			return -ENOMEM;
	}
	plot_sort_lines(c->lines, c->nlines, c->group);
	for (size_t i = 0; i < c->nrows; i++) {
		struct plot_row *r = &c->rows[i];

		for (size_t l = 0; l < c->nlines; l++)
			if (c->lines[l].facet == r->facet &&
			    strcmp(c->lines[l].grp, r->grp) == 0 &&
			    (bars || !r->series ||
			     strcmp(c->lines[l].series, r->series) == 0))
				r->line = l;
	}
	if (c->nrows)
		qsort(c->rows, c->nrows, sizeof(*c->rows), plot_cmp_row);
	plot_styles(c);
	if (bars && plot_other(c))
		return -ENOMEM;
	if (c->o->key_names && (rc = plot_check_key_names(c, err, errlen)))
		return rc;
	return plot_labels(c) ? -ENOMEM : 0;
}

/* snprintf into buf from arguments that may overlap buf. */
static void plot_buf_str(char *buf, size_t n, const char *fmt, const char *a,
			 const char *b)
{
	char tmp[PLOT_LABEL];

	errmsg(tmp, sizeof(tmp), fmt, a, b);
	errmsg(buf, n, "%s", tmp);
}

/* A metric for a label: a bare name reads as words ("queue_delay" ->
 * "queue delay", capitalized if cap); COMPONENT.METRIC as "METRIC of
 * COMPONENT" ("latency of apps.rpc"). */
static void plot_words(const char *metric, bool cap, char *buf, size_t n)
{
	const char *dot = metric ? strrchr(metric, '.') : NULL;
	char *p;

	if (dot && dot[1])
		errmsg(buf, n, "%s of %.*s", dot + 1, (int)(dot - metric),
		       metric);
	else
		errmsg(buf, n, "%s", metric ? metric : "");
	for (p = buf; *p && strncmp(p, " of ", 4); p++)
		if (*p == '_')
			*p = ' ';
	if (cap && buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
}

/* --ymin, --ymax: a quantity of the y axis's kind ("1.1us"), a plain
 * number on an axis without unit; *out in the plotted unit, NaN when not
 * given. */
static int plot_yrange_value(struct plot_ctx *c, const char *opt, const char *v,
			     double *out, char *err, size_t errlen)
{
	bool unitless = c->ya.kind == UNIT_NONE || c->ya.kind == UNIT_FRACTION;
	enum unit_kind kind;
	double d;

	*out = NAN;
	if (!v)
		return 0;
	if (plot_value(v, &d, &kind)) {
		errmsg(err, errlen, "--%s %s: not a quantity", opt, v);
		return -EINVAL;
	}
	if (unitless && kind == UNIT_NONE) {
		*out = d;
		return 0;
	}
	if (kind == UNIT_NONE) {
		errmsg(err, errlen,
		       "--%s %s: a bare number on an axis in %s; give its "
		       "unit (%s%s?)",
		       opt, v, c->ya.u->label, v, c->ya.u->name);
		return -EINVAL;
	}
	if (kind != c->ya.kind || unitless) {
		errmsg(err, errlen,
		       "--%s %s: not a quantity of the y axis (%s)", opt, v,
		       unitless ? "a plain number"
				: units_canonical(c->ya.kind));
		return -EINVAL;
	}
	*out = plot_scale(&c->ya, d);
	return 0;
}

/* A statistic of a metric for a label: "p99 latency of apps.rx", "Mean
 * ...", or for a scalar (stat NULL) the metric's own words. */
static void plot_stat_words(const char *stat, const char *metric, char *buf,
			    size_t n)
{
	char what[PLOT_LABEL / 2];

	plot_words(metric, !stat, what, sizeof(what));
	if (stat)
		errmsg(buf, n, "%s %s", strcmp(stat, "mean") ? stat : "Mean",
		       what);
	else
		errmsg(buf, n, "%s", what);
}

/* Chooses the axis units and the default labels. */
int plot_axes(struct plot_ctx *c, char *err, size_t errlen)
{
	const struct plot_opts *o = c->o;
	const struct plot_kind *k = c->k;
	double xmax = 0, ymax = 0;
	char suffix[64], what[PLOT_LABEL / 2];
	int rc;

	for (size_t i = 0; i < c->nrows; i++) {
		xmax = fmax(xmax, fabs(c->rows[i].x));
		for (int j = 0; j < c->ny; j++)
			if (isfinite(c->rows[i].y[j]))
				ymax = fmax(ymax, fabs(c->rows[i].y[j]));
	}
	if ((c->has_x && (rc = plot_axis_unit(&c->xa, o->xunit, xmax, "xunit",
					      err, errlen))) ||
	    (rc = plot_axis_unit(&c->ya, o->yunit, ymax, "yunit", err, errlen)))
		return rc;
	if (o->xunit && !c->has_x) {
		errmsg(err, errlen, "--xunit does not apply to %s figures",
		       k->name);
		return -EINVAL;
	}
	if ((rc = plot_yrange_value(c, "ymin", o->ymin, &c->ymin, err,
				    errlen)) ||
	    (rc = plot_yrange_value(c, "ymax", o->ymax, &c->ymax, err, errlen)))
		return rc;
	if (o->logy && ((isfinite(c->ymin) && c->ymin <= 0) ||
			(isfinite(c->ymax) && c->ymax <= 0))) {
		errmsg(err, errlen,
		       "--%s %s: a log y axis holds values above 0 only",
		       c->ymin <= 0 ? "ymin" : "ymax",
		       c->ymin <= 0 ? o->ymin : o->ymax);
		return -EINVAL;
	}
	if (isfinite(c->ymin) && isfinite(c->ymax) && c->ymin >= c->ymax) {
		errmsg(err, errlen, "--ymin %s is not below --ymax %s", o->ymin,
		       o->ymax);
		return -EINVAL;
	}
	plot_words(c->metric, true, what, sizeof(what));
	if (c->xmetric) {
		char m[PLOT_LABEL / 2];

		plot_stat_words(c->xstat, c->xmetric, m, sizeof(m));
		errmsg(c->xlabel, sizeof(c->xlabel), "%s%s", m,
		       plot_unit_suffix(&c->xa, suffix, sizeof(suffix)));
	} else if (k->uses_x) {
		char m[PLOT_LABEL / 2];

		plot_param_meaning(c->x, m, sizeof(m));
		errmsg(c->xlabel, sizeof(c->xlabel), "%s%s", m,
		       plot_unit_suffix(&c->xa, suffix, sizeof(suffix)));
	} else if (k->xlabel || c->has_x)
		errmsg(c->xlabel, sizeof(c->xlabel), "%s%s",
		       k->xlabel ? k->xlabel : what,
		       plot_unit_suffix(&c->xa, suffix, sizeof(suffix)));
	else
		errmsg(c->xlabel, sizeof(c->xlabel), "%s", c->keytitle);
	if (!strcmp(k->name, "paired")) {
		plot_words(c->metric, false, what, sizeof(what));
		/* one compared value: named here, as there is no key */
		if (c->nstyles == 1 && c->nlines && !c->group[0])
			errmsg(c->ylabel, sizeof(c->ylabel), "%s %s, %s − %s",
			       strcmp(c->stat, "mean") ? c->stat : "Mean", what,
			       c->lines[0].grp, o->baseline);
		else
			errmsg(c->ylabel, sizeof(c->ylabel), "%s %s minus %s's",
			       strcmp(c->stat, "mean") ? c->stat : "Mean", what,
			       o->baseline);
		plot_param_name(o->paired, c->keytitle, sizeof(c->keytitle));
	} else if (!k->ylabel && c->stat) {
		plot_words(c->metric, false, what, sizeof(what));
		errmsg(c->ylabel, sizeof(c->ylabel), "%s %s",
		       strcmp(c->stat, "mean") ? c->stat : "Mean", what);
	} else if (!k->ylabel) {
		/* scalar: no statistic, the metric's own name */
		errmsg(c->ylabel, sizeof(c->ylabel), "%s", what);
	}
	plot_buf_str(c->ylabel, sizeof(c->ylabel), "%s%s",
		     k->ylabel ? k->ylabel : c->ylabel,
		     plot_unit_suffix(&c->ya, suffix, sizeof(suffix)));
	if (k->layout == PLOT_BARS)
		c->keytitle[0] = '\0';
	return 0;
}
