/*
 * plot.c - `usnsim plot`: figures from a results database, through gnuplot.
 *
 * A figure is one plot KIND (cdf, percentile, scalar, breakdown, memory,
 * drops, cpu). Each kind is a pair of files under analysis/: KIND.sql,
 * the query that yields the figure's data, and KIND.gp, the gnuplot
 * template that draws it. Both are meant to be copied and edited, so this file knows
 * them only by a small contract: the query reads runs through the
 * temporary view `selected_runs` (the runs that pass --where), takes the
 * named parameters :metric, :stat, :x, :group and :component, and names
 * its columns by role (grp, series, x or xval, xunit, yunit, n, npoints;
 * every other column is a y value). The template reads the variables set
 * here (datafile, nlines, titles[], labels, theory, logx, logy).
 *
 * For each figure the database is opened read only; the query's rows are
 * checked (one sweep point behind every plotted value, one unit per
 * axis), sorted (groups by the numeric value of their parameter, so
 * 100kpps comes after 20kpps), scaled to an axis unit chosen from the data
 * (or fixed with --xunit/--yunit), written as a tab-separated data file in
 * a temporary directory, and gnuplot renders the template into that
 * directory. The figure is then moved into place, so a failed plot never
 * leaves a partial file. Output format follows the extension of -o: .pdf
 * (pdfcairo, 3.5 x 2.4 in, Helvetica 9 pt: one column of a two-column
 * paper), .png (pngcairo, 1050 x 720 px: the same figure at 300 dpi) or
 * .svg (336 x 230 px at 96 px/in, the same size).
 *
 * Determinism: every query orders its rows and ties are broken by the
 * rows' order, the data file has a fixed number format, and the only
 * varying bytes gnuplot writes, the PDF's /CreationDate, are replaced by
 * SOURCE_DATE_EPOCH when set, else by the start of the newest selected
 * run. The same database and options give byte-identical files.
 *
 * `usnsim plot --study FILE` renders every item of the study's figures:
 * block, each a mapping of the same options, into DIR/OUTPUT.pdf and
 * DIR/OUTPUT.png, from the runs of that study only.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analysis.h"
#include "strbuf.h"
#include "scenario.h"
#include "scn_node.h"
#include "units.h"

#define PLOT_EXIT_INPUT 2
#define PLOT_ERR 1024
#define PLOT_PATH 4096
#define PLOT_MAXY 4
#define PLOT_LABEL 512

extern char **environ;

struct plot_opts {
	const char *kind, *db, *out, *data;
	const char *metric, *stat, *x, *group, *component, *where;
	const char *theory, *theory_title, *label, *key_title, *title;
	const char *xlabel, *ylabel;
	const char *xunit, *yunit;
	bool logx, logy;
	const char *filter; /* --study: SQL selecting the study's runs */
};

/*
 * The options, by name: the long options of the command line and the keys
 * of a figures: item (with '_' for '-'). kind and output are positional
 * or -o on the command line.
 */
struct plot_field {
	const char *name;
	size_t off;
	bool flag;
	const char *arg;
	const char *help;
};

#define PLOT_F(name, member, flag, arg, help)                             \
	{                                                                 \
		name, offsetof(struct plot_opts, member), flag, arg, help \
	}

static const struct plot_field plot_fields[] = {
	PLOT_F("kind", kind, false, NULL, NULL),
	PLOT_F("output", out, false, NULL, NULL),
	PLOT_F("metric", metric, false, "SPEC",
	       "METRIC or COMPONENT.METRIC, e.g. latency or\n"
	       "network.queue_delay (cdf, percentile;\n"
	       "default latency); for scalar a counter,\n"
	       "scalar or gauge statistic, e.g.\n"
	       "network.utilization.mean (required)"),
	PLOT_F("stat", stat, false, "S",
	       "mean, p50, p90, p99 or p999 (percentile;\n"
	       "default p99)"),
	PLOT_F("x", x, false, "PATH",
	       "parameter on the x axis, e.g. apps.src.rate\n"
	       "(percentile, scalar, drops; default: the\n"
	       "only swept parameter)"),
	PLOT_F("group", group, false, "G",
	       "one line (or bar) per value of G: a parameter\n"
	       "path, component, scenario or point"),
	PLOT_F("component", component, false, "GLOB",
	       "components to include (breakdown, memory,\n"
	       "drops, cpu), e.g. 'apps.*'; default all"),
	PLOT_F("where", where, false, "SQL",
	       "only the runs for which SQL holds, the runs\n"
	       "table being r, e.g. \"r.repetition < 3\""),
	PLOT_F("theory", theory, false, "EXPR",
	       "gnuplot expression in x drawn as a line, in\n"
	       "the plotted units (cdf, percentile, scalar,\n"
	       "drops); fix them with --xunit and --yunit"),
	PLOT_F("theory-title", theory_title, false, "T",
	       "key entry of the theory line (default theory)"),
	PLOT_F("label", label, false, "T",
	       "key entry of the data when it is one line"),
	PLOT_F("key-title", key_title, false, "T",
	       "title of the key (default: the --group path)"),
	PLOT_F("title", title, false, "T",
	       "title above the plot (default none)"),
	PLOT_F("xlabel", xlabel, false, "T",
	       "x axis label (replaces the default)"),
	PLOT_F("ylabel", ylabel, false, "T",
	       "y axis label (replaces the default)"),
	PLOT_F("xunit", xunit, false, "U",
	       "x axis unit, e.g. kpps, us, ms, Gbps, MiB\n"
	       "(default: chosen from the data)"),
	PLOT_F("yunit", yunit, false, "U",
	       "y axis unit (default: chosen from the data)"),
	PLOT_F("logx", logx, true, NULL, "logarithmic x axis"),
	PLOT_F("logy", logy, true, NULL, "logarithmic y axis"),
};

#define PLOT_NFIELDS (sizeof(plot_fields) / sizeof(plot_fields[0]))

enum plot_layout { PLOT_LINES, PLOT_BARS };

struct plot_kind {
	const char *name;
	const char *summary;
	const char *metric_table; /* checked for --metric; NULL: no metric */
	const char *def_metric, *def_stat, *def_group;
	bool uses_x; /* the x axis is a parameter */
	bool theory; /* --theory allowed */
	enum plot_layout layout;
	const char *xlabel, *ylabel; /* defaults; NULL: derived */
	const char *hint; /* what the kind needs when it finds nothing */
};

static const struct plot_kind plot_kinds[] = {
	{ "cdf", "cumulative distribution of a histogram metric per group",
	  "histograms", "latency", NULL, "component", false, true, PLOT_LINES,
	  NULL, "Fraction of samples",
	  "histogram buckets of the metric (table histograms)" },
	{ "percentile", "a statistic with its 95% CI against a swept parameter",
	  "summaries", "latency", "p99", "component", true, true, PLOT_LINES,
	  NULL, NULL, "summaries of the metric with samples" },
	{ "scalar", "a scalar metric with its 95% CI against a swept parameter",
	  "scalars", NULL, NULL, "component", true, true, PLOT_LINES, NULL,
	  NULL, "rows of the metric in table scalars with a value" },
	{ "breakdown", "mean latency per stage, stacked, per group", NULL, NULL,
	  NULL, "component", false, false, PLOT_BARS, NULL,
	  "Mean time per stage",
	  "summaries with metric 'stage.NAME' and samples" },
	{ "memory", "memory reserved and in use over time", NULL, NULL, NULL,
	  "component", false, false, PLOT_LINES, "Time", "Memory",
	  "time series with metric 'mem.in_use' or 'mem.reserved'" },
	{ "drops", "drops by reason against a swept parameter", NULL, NULL,
	  NULL, "", true, true, PLOT_LINES, NULL, "Drops",
	  "scalars with metric 'drops.REASON'" },
	{ "cpu", "CPU time per packet by domain, stacked, per group", NULL,
	  NULL, NULL, "scenario", false, false, PLOT_BARS, NULL,
	  "CPU time per packet",
	  "scalars with metric 'cpu.per_packet' of components 'cpu.DOMAIN'" },
};

#define PLOT_NKINDS (sizeof(plot_kinds) / sizeof(plot_kinds[0]))

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

/* An axis: the kind of quantity, the database unit name if it is not one
 * of ours (e.g. "packets"), and the unit chosen for plotting. */
struct plot_axis {
	enum unit_kind kind;
	char dbunit[32];
	const struct plot_unit *u; /* NULL: plain numbers */
	bool set;
};

struct plot_row {
	char *grp, *series, *xval;
	double x;
	double y[PLOT_MAXY];
	long long n, npoints;
	size_t line, idx;
};

struct plot_line {
	const char *series, *grp;
	char *label;
};

enum plot_role {
	ROLE_GRP,
	ROLE_SERIES,
	ROLE_X,
	ROLE_XVAL,
	ROLE_XUNIT,
	ROLE_YUNIT,
	ROLE_N,
	ROLE_NPOINTS,
	ROLE_Y,
};

struct plot_ctx {
	const struct plot_opts *o;
	const struct plot_kind *k;
	sqlite3 *db;
	const char *metric, *stat, *x, *group, *component;
	char xdefault[256];
	char sqlpath[PLOT_PATH], gppath[PLOT_PATH];

	/* the query's columns */
	int ncols;
	enum plot_role role[32];
	int yidx[32];
	int ny;
	char yname[PLOT_MAXY][64];
	bool has_series, has_x, has_n;

	struct plot_row *rows;
	size_t nrows, cap;
	struct plot_line *lines; /* lines, or for bars the bars (rows) */
	size_t nlines;
	const char **series; /* for bars: the stacked series, sorted */
	size_t nseries;

	struct plot_axis xa, ya;
	char xlabel[PLOT_LABEL], ylabel[PLOT_LABEL], keytitle[PLOT_LABEL];
	char date[16];	 /* YYYYMMDDhhmmss for the PDF */
	long long epoch; /* the same, in seconds since 1970 */
	char tmpdir[PLOT_PATH];
};

/* A growable string. */
static const char plot_usage[] =
	"usage: usnsim plot KIND --db DB -o FIG.{pdf,svg,png} [OPTIONS]\n"
	"       usnsim plot --study FILE --db DB [-o DIR]\n"
	"\n"
	"Draws a figure from a results database with gnuplot, from the query\n"
	"analysis/KIND.sql and the template analysis/KIND.gp (looked up in\n"
	"$USNSIM_ANALYSIS, then ./analysis, then ../analysis next to the\n"
	"executable; copy them into ./analysis to edit them).\n"
	"\n"
	"kinds:\n"
	"%s"
	"\n"
	"options:\n"
	"  -d, --db DB            results database (default results.db)\n"
	"  -o, --output FILE      the figure: .pdf (3.5 x 2.4 in, 9 pt),\n"
	"                         .png (1050 x 720 px), .svg; with --study\n"
	"                         the directory of the figures (default\n"
	"                         figures)\n"
	"      --data FILE        also write the data handed to gnuplot\n"
	"                         (tab-separated); alone, only that\n"
	"      --study FILE       render every item of FILE's figures: block\n"
	"                         into DIR/OUTPUT.pdf and DIR/OUTPUT.png\n"
	"%s"
	"  -q, --quiet            with --study, do not list the files written\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 ok, 2 bad input, no data, or gnuplot missing or\n"
	"failing.\n";

/* snprintf for text that may be cut to fit (messages, labels, paths that
 * were checked on the way in). */
__attribute__((format(printf, 3, 4))) static int plot_fmt(char *buf, size_t n,
							  const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return len;
}

/* Appends s as a gnuplot single-quoted string: no escapes but '' for a
 * quote; control characters (which a label cannot hold) become spaces. */
static void plot_buf_quote(struct strbuf *b, const char *s)
{
	strbuf_add(b, "'");
	for (; s && *s; s++) {
		if (*s == '\'')
			strbuf_add(b, "''");
		else if ((unsigned char)*s < 0x20)
			strbuf_add(b, " ");
		else
			strbuf_add(b, "%c", *s);
	}
	strbuf_add(b, "'");
}

static void plot_help(FILE *f)
{
	struct strbuf kinds = { 0 }, opts = { 0 };

	for (size_t i = 0; i < PLOT_NKINDS; i++)
		strbuf_add(&kinds, "  %-11s %s\n", plot_kinds[i].name,
			   plot_kinds[i].summary);
	for (size_t i = 0; i < PLOT_NFIELDS; i++) {
		const struct plot_field *fd = &plot_fields[i];
		char head[48];

		if (!fd->help)
			continue;
		plot_fmt(head, sizeof(head), "--%s%s%s", fd->name,
			 fd->arg ? " " : "", fd->arg ? fd->arg : "");
		strbuf_add(&opts, "      %-19s", head);
		for (const char *h = fd->help; *h; h++) {
			strbuf_add(&opts, "%c", *h);
			if (*h == '\n')
				strbuf_add(&opts, "%25s", "");
		}
		strbuf_add(&opts, "\n");
	}
	fprintf(f, plot_usage, kinds.p ? kinds.p : "", opts.p ? opts.p : "");
	free(kinds.p);
	free(opts.p);
}

static const struct plot_kind *plot_kind_find(const char *name)
{
	for (size_t i = 0; i < PLOT_NKINDS; i++)
		if (strcmp(plot_kinds[i].name, name) == 0)
			return &plot_kinds[i];
	return NULL;
}

static void plot_kind_list(char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < PLOT_NKINDS && len < n; i++)
		len += (size_t)plot_fmt(buf + len, n - len, "%s%s",
					i ? ", " : "", plot_kinds[i].name);
}

/* ---- values with units ------------------------------------------------ */

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
static void plot_axis_from_db(struct plot_axis *a, const char *unit)
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
	plot_fmt(a->dbunit, sizeof(a->dbunit), "%s", unit ? unit : "");
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
			plot_fmt(err, errlen,
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
				len += (size_t)plot_fmt(
					list + len, sizeof(list) - len, "%s%s",
					len ? ", " : "", plot_units[i].name);
		plot_fmt(err, errlen, "--%s %s: expected one of %s", which,
			 want, list);
		return -EINVAL;
	}
	return 0;
}

static double plot_scale(const struct plot_axis *a, double v)
{
	return a->u ? v / a->u->scale : v;
}

/* " (µs)", " (packets)" or "". */
static const char *plot_unit_suffix(const struct plot_axis *a, char *buf,
				    size_t n)
{
	const char *name = a->u ? a->u->label : a->dbunit;

	if (!name[0])
		return "";
	plot_fmt(buf, n, " (%s)", name);
	return buf;
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

/* Compares two parameter values: by number when both are numbers of the
 * same kind, else as text. */
static int plot_cmp_value(const char *a, const char *b)
{
	double va, vb;
	enum unit_kind ka, kb;

	if (plot_value(a, &va, &ka) == 0 && plot_value(b, &vb, &kb) == 0 &&
	    ka == kb && va != vb)
		return va < vb ? -1 : 1;
	return strcmp(a, b);
}

/* Compares two group values; sweep points compare value by value. */
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
			len += (size_t)plot_fmt(buf + len, n - len, "%s%s",
						len ? ", " : "", v);
		else
			len += (size_t)plot_fmt(buf + len, n - len, "%s%s=%s",
						len ? ", " : "", k, v);
	}
	if (!buf[0])
		plot_fmt(buf, n, "(no sweep)");
}

/* The keys of a sweep point, joined by ", ". */
static void plot_point_keys(const char *json, char *buf, size_t n)
{
	char k[256], v[256];
	size_t len = 0;

	buf[0] = '\0';
	while (plot_json_next(&json, k, sizeof(k), v, sizeof(v)) && len < n)
		len += (size_t)plot_fmt(buf + len, n - len, "%s%s",
					len ? ", " : "", k);
}

/* ---- files ------------------------------------------------------------ */

/* Finds analysis file NAME: in $USNSIM_ANALYSIS, ./analysis, then
 * ../analysis next to the executable. Returns 0 with the path in buf, or
 * -ENOENT with a message in err. */
static int plot_find(const char *name, char *buf, size_t n, char *err,
		     size_t errlen)
{
	if (analysis_find(name, buf, n) == 0)
		return 0;
	plot_fmt(err, errlen,
		 "cannot find analysis/%s (looked in $USNSIM_ANALYSIS, "
		 "./analysis and ../analysis next to the executable)",
		 name);
	return -ENOENT;
}

/* Writes len bytes to path through a temporary file in the same
 * directory, renamed into place. Returns 0 or -errno. */
static int plot_write_file(const char *path, const char *data, size_t len,
			   char *err, size_t errlen)
{
	char tmp[PLOT_PATH];
	mode_t mask = umask(0);
	int fd, rc = 0;

	umask(mask);
	plot_fmt(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		plot_fmt(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fchmod(fd, 0666 & ~mask) || write(fd, data, len) != (ssize_t)len ||
	    close(fd)) {
		rc = errno ? -errno : -EIO;
		plot_fmt(err, errlen, "%s: %s", path, strerror(-rc));
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, path)) {
		rc = -errno;
		plot_fmt(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

static int plot_mkdirs(const char *dir, char *err, size_t errlen)
{
	char buf[PLOT_PATH];

	plot_fmt(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, 0777) && errno != EEXIST) {
				plot_fmt(err, errlen, "%s: %s", buf,
					 strerror(errno));
				return -errno;
			}
			*p = c;
			if (!c)
				return 0;
		}
	}
}

/* ---- database --------------------------------------------------------- */

static int plot_sql_err(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	plot_fmt(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -EIO;
}

/* Opens the database read only and makes the view selected_runs of the
 * runs passing filter and where. Returns 0, -ENOENT, -EILSEQ (not a usnsim
 * database) or -EINVAL (where does not compile). */
static int plot_open(const char *path, const char *filter, const char *where,
		     sqlite3 **out, char *err, size_t errlen)
{
	struct strbuf sql = { 0 };
	sqlite3_stmt *st = NULL;
	const char *tail = "";
	sqlite3 *db = NULL;
	int rc = 0;

	*out = NULL;
	if (access(path, R_OK)) {
		plot_fmt(err, errlen, "%s: %s", path, strerror(errno));
		return -ENOENT;
	}
	/* the busy timeout before the first read: a sweep may be writing */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
		    SQLITE_OK ||
	    sqlite3_busy_timeout(db, 10000) != SQLITE_OK ||
	    sqlite3_exec(db, "SELECT id, point FROM runs LIMIT 0", NULL, NULL,
			 NULL) != SQLITE_OK) {
		plot_fmt(err, errlen, "%s: not a usnsim results database (%s)",
			 path, db ? sqlite3_errmsg(db) : "out of memory");
		rc = -EILSEQ;
		goto out;
	}
	strbuf_add(&sql,
		   "CREATE TEMP VIEW selected_runs AS SELECT * FROM main.runs"
		   " AS r WHERE (%s) AND (%s\n)",
		   filter ? filter : "1", where && *where ? where : "1");
	if (sql.oom) {
		rc = -ENOMEM;
		plot_fmt(err, errlen, "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(db, sql.p, -1, &st, &tail) != SQLITE_OK ||
	    *tail || sqlite3_step(st) != SQLITE_DONE ||
	    sqlite3_exec(db, "SELECT * FROM selected_runs LIMIT 0", NULL, NULL,
			 NULL) != SQLITE_OK) {
		plot_fmt(err, errlen, "--where '%s': %s", where ? where : "",
			 *tail ? "expected one SQL condition"
			       : sqlite3_errmsg(db));
		rc = -EINVAL;
	}
out:
	sqlite3_finalize(st);
	free(sql.p);
	if (rc)
		sqlite3_close(db);
	else
		*out = db;
	return rc;
}

/* Runs sql with text parameters ?1, ?2; returns the first column of the
 * first row as a new string (NULL if no row) in *out. Returns 0 or -EIO. */
static int plot_sql_text(sqlite3 *db, const char *sql, const char *a,
			 const char *b, char **out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return plot_sql_err(db, "query", err, errlen);
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		*out = strdup((const char *)sqlite3_column_text(st, 0));
		if (!*out)
			rc = SQLITE_NOMEM;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		plot_sql_err(db, "query", err, errlen);
		sqlite3_finalize(st);
		return -EIO;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Checks that a parameter path exists among the selected runs. */
static int plot_check_param(struct plot_ctx *c, const char *path,
			    const char *opt, char *err, size_t errlen)
{
	char *v, *keys;
	int rc;

	rc = plot_sql_text(c->db,
			   "SELECT p.path FROM params AS p JOIN selected_runs"
			   " AS r ON r.id = p.run_id WHERE p.path = ?1 LIMIT 1",
			   path, NULL, &v, err, errlen);
	if (rc)
		return rc;
	if (v) {
		free(v);
		return 0;
	}
	rc = plot_sql_text(
		c->db,
		"SELECT group_concat(key, ', ') FROM (SELECT DISTINCT"
		" j.key FROM selected_runs AS r, json_each(r.point)"
		" AS j ORDER BY j.key)",
		NULL, NULL, &keys, err, errlen);
	if (rc)
		return rc;
	plot_fmt(err, errlen,
		 "%s %s: no such parameter in the selected runs%s%s%s", opt,
		 path, keys ? " (swept: " : "", keys ? keys : "",
		 keys ? ")" : "");
	free(keys);
	return -EINVAL;
}

/* Checks the parameters of --group. Several, as "P1,P2", make one group
 * per combination of their values: a temporary view `params` (which
 * hides the table of that name from the queries of analysis/) adds to
 * every run the row (run, "P1,P2", "V1 V2"); plot_cmp_group() sorts such
 * groups by each value in turn. */
#define PLOT_MAX_GROUP 4 /* parameters in one --group */

static int plot_group_params(struct plot_ctx *c, char *err, size_t errlen)
{
	char paths[PLOT_MAX_GROUP][256];
	struct strbuf sql = { 0 };
	const char *p = c->group;
	int rc = 0, n;

	for (n = 0; *p; n++) {
		size_t len = strcspn(p, ",");

		if (n == PLOT_MAX_GROUP || len >= sizeof(paths[0])) {
			plot_fmt(err, errlen,
				 "--group %s: at most %d parameters", c->group,
				 PLOT_MAX_GROUP);
			return -EINVAL;
		}
		snprintf(paths[n], sizeof(paths[n]), "%.*s", (int)len, p);
		p += len + (p[len] == ',');
		rc = plot_check_param(c, paths[n], "--group", err, errlen);
		if (rc)
			return rc;
	}
	if (n == 1)
		return 0;
	strbuf_add(&sql,
		   "CREATE TEMP VIEW params AS SELECT run_id, path,"
		   " value FROM main.params UNION ALL SELECT p0.run_id,"
		   " '%s', ",
		   c->group); /* its paths are in params: no quote in them */
	for (int i = 0; i < n; i++)
		strbuf_add(&sql, "%sp%d.value", i ? " || ' ' || " : "", i);
	strbuf_add(&sql, " FROM main.params AS p0");
	for (int i = 1; i < n; i++)
		strbuf_add(&sql,
			   " JOIN main.params AS p%d ON p%d.run_id = p0.run_id",
			   i, i);
	for (int i = 0; i < n; i++)
		strbuf_add(&sql, " %s p%d.path = '%s'", i ? "AND" : "WHERE", i,
			   paths[i]);
	if (sql.oom)
		rc = -ENOMEM;
	else if (sqlite3_exec(c->db, sql.p, NULL, NULL, NULL) != SQLITE_OK)
		rc = -EIO;
	if (rc)
		plot_fmt(err, errlen, "--group %s: %s", c->group,
			 rc == -ENOMEM ? "out of memory"
				       : sqlite3_errmsg(c->db));
	free(sql.p);
	return rc;
}

/* Whether table holds metric spec (METRIC or COMPONENT.METRIC) in the
 * selected runs: 1, 0, or a negative errno with a message in err. */
static int plot_has_metric(struct plot_ctx *c, const char *table,
			   const char *spec, char *err, size_t errlen)
{
	struct strbuf sql = { 0 };
	char *v = NULL;
	int rc;

	strbuf_add(&sql,
		   "SELECT t.metric FROM %s AS t JOIN selected_runs AS r"
		   " ON r.id = t.run_id WHERE ?1 IN (t.metric, t.component"
		   " || '.' || t.metric) LIMIT 1",
		   table);
	rc = plot_sql_text(c->db, sql.p, spec, NULL, &v, err, errlen);
	if (rc == 0 && v)
		rc = 1;
	free(sql.p);
	free(v);
	return rc;
}

/* A metric asked of the wrong kind is mostly in the other table, or a
 * gauge named without its statistic (the scalars hold METRIC.mean, .min
 * and .max): say what to do. Returns -EINVAL with the message in err, 0
 * when there is nothing to say, or another negative errno. */
static int plot_metric_hint(struct plot_ctx *c, char *err, size_t errlen)
{
	bool scalar = strcmp(c->k->metric_table, "scalars") == 0;
	const char *m = c->metric;
	char gauge[256];
	int rc;

	rc = plot_has_metric(c, scalar ? "summaries" : "scalars", m, err,
			     errlen);
	if (rc > 0) {
		plot_fmt(err, errlen,
			 "--metric %s: a %s metric, not in the %s of the "
			 "selected runs; draw it with `usnsim plot %s`",
			 m, scalar ? "histogram" : "scalar", c->k->metric_table,
			 scalar ? "percentile" : "scalar");
		return -EINVAL;
	}
	if (rc < 0 || !scalar)
		return rc;
	plot_fmt(gauge, sizeof(gauge), "%s.mean", m);
	rc = plot_has_metric(c, "scalars", gauge, err, errlen);
	if (rc > 0) {
		plot_fmt(err, errlen,
			 "--metric %s: a gauge; name one of its statistics, "
			 "%s.mean, %s.min or %s.max",
			 m, m, m, m);
		return -EINVAL;
	}
	return rc;
}

/* Checks --metric against the kind's table (histograms, summaries or
 * scalars). */
static int plot_check_metric(struct plot_ctx *c, char *err, size_t errlen)
{
	struct strbuf sql = { 0 };
	char *list = NULL;
	int rc;

	if (!c->metric) {
		plot_fmt(err, errlen,
			 "a %s figure needs --metric METRIC or "
			 "COMPONENT.METRIC, a row of table %s",
			 c->k->name, c->k->metric_table);
		return -EINVAL;
	}
	rc = plot_has_metric(c, c->k->metric_table, c->metric, err, errlen);
	if (rc > 0)
		return 0;
	if (rc < 0 || (rc = plot_metric_hint(c, err, errlen)))
		return rc;
	strbuf_add(&sql,
		   "SELECT group_concat(m, ', ') FROM (SELECT DISTINCT"
		   " t.component || '.' || t.metric AS m FROM %s AS t"
		   " JOIN selected_runs AS r ON r.id = t.run_id ORDER BY m"
		   " LIMIT 12)",
		   c->k->metric_table);
	rc = plot_sql_text(c->db, sql.p, NULL, NULL, &list, err, errlen);
	if (rc)
		goto out;
	plot_fmt(err, errlen,
		 "--metric %s: no such metric in the %s of the"
		 " selected runs%s%s%s",
		 c->metric, c->k->metric_table, list ? " (there: " : "",
		 list ? list : "", list ? ")" : "");
	rc = -EINVAL;
out:
	free(sql.p);
	free(list);
	return rc;
}

/* Options a kind does not use are refused rather than ignored. */
static int plot_check_applies(const struct plot_opts *o,
			      const struct plot_kind *k, char *err,
			      size_t errlen)
{
	const struct {
		const char *name;
		bool given, used;
	} opts[] = {
		{ "metric", o->metric, k->metric_table },
		{ "stat", o->stat, k->def_stat },
		{ "x", o->x, k->uses_x },
		{ "theory", o->theory, k->theory },
		{ "component", o->component, !k->metric_table },
	};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].given && !opts[i].used) {
			plot_fmt(err, errlen,
				 "--%s does not apply to %s figures",
				 opts[i].name, k->name);
			return -EINVAL;
		}
	return 0;
}

/* The x parameter when --x is not given: the only swept parameter. */
static int plot_default_x(struct plot_ctx *c, char *err, size_t errlen)
{
	char *v;
	int rc;

	rc = plot_sql_text(c->db,
			   "SELECT group_concat(key, ', ') FROM (SELECT"
			   " DISTINCT j.key FROM selected_runs AS r,"
			   " json_each(r.point) AS j ORDER BY j.key)",
			   NULL, NULL, &v, err, errlen);
	if (rc)
		return rc;
	if (!v || strchr(v, ',')) {
		plot_fmt(err, errlen,
			 "name the parameter of the x axis with --x PATH "
			 "(%s%s)",
			 v ? "the runs sweep " : "the runs are not swept",
			 v ? v : "");
		free(v);
		return -EINVAL;
	}
	plot_fmt(c->xdefault, sizeof(c->xdefault), "%s", v);
	free(v);
	c->x = c->xdefault;
	return 0;
}

/* Resolves defaults and checks the options against the database. */
static int plot_resolve(struct plot_ctx *c, char *err, size_t errlen)
{
	static const char *const stats[] = { "mean", "p50", "p90", "p99",
					     "p999" };
	const struct plot_opts *o = c->o;
	const struct plot_kind *k = c->k;
	bool ok = false;
	int rc;

	if ((rc = plot_check_applies(o, k, err, errlen)))
		return rc;
	c->metric = o->metric ? o->metric : k->def_metric;
	c->stat = o->stat ? o->stat : k->def_stat;
	c->group = o->group ? o->group : k->def_group;
	c->component = o->component ? o->component : "*";
	for (size_t i = 0; c->stat && i < sizeof(stats) / sizeof(stats[0]); i++)
		ok |= strcmp(c->stat, stats[i]) == 0;
	if (c->stat && !ok) {
		plot_fmt(err, errlen,
			 "--stat %s: expected mean, p50, p90, p99 or p999",
			 c->stat);
		return -EINVAL;
	}
	if (k->metric_table && (rc = plot_check_metric(c, err, errlen)))
		return rc;
	if (c->group[0] && strcmp(c->group, "component") &&
	    strcmp(c->group, "scenario") && strcmp(c->group, "point") &&
	    (rc = plot_group_params(c, err, errlen)))
		return rc;
	if (!k->uses_x)
		return 0;
	c->x = o->x;
	if (!c->x && (rc = plot_default_x(c, err, errlen)))
		return rc;
	return plot_check_param(c, c->x, "--x", err, errlen);
}

/* ---- the query -------------------------------------------------------- */

static int plot_bind(struct plot_ctx *c, sqlite3_stmt *st, char *err,
		     size_t errlen)
{
	const struct {
		const char *name, *value;
	} params[] = {
		{ ":metric", c->metric },
		{ ":stat", c->stat },
		{ ":x", c->x },
		{ ":group", c->group },
		{ ":component", c->component },
	};

	for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		size_t j;

		for (j = 0; name && j < sizeof(params) / sizeof(params[0]); j++)
			if (strcmp(name, params[j].name) == 0)
				break;
		if (!name || j == sizeof(params) / sizeof(params[0])) {
			plot_fmt(err, errlen,
				 "%s: parameter %s is not one usnsim sets "
				 "(:metric, :stat, :x, :group, :component)",
				 c->sqlpath, name ? name : "?");
			return -EINVAL;
		}
		sqlite3_bind_text(st, i, params[j].value ? params[j].value : "",
				  -1, SQLITE_STATIC);
	}
	return 0;
}

static int plot_columns(struct plot_ctx *c, sqlite3_stmt *st, char *err,
			size_t errlen)
{
	static const struct {
		const char *name;
		enum plot_role role;
	} roles[] = {
		{ "grp", ROLE_GRP },	 { "series", ROLE_SERIES },
		{ "x", ROLE_X },	 { "xval", ROLE_XVAL },
		{ "xunit", ROLE_XUNIT }, { "yunit", ROLE_YUNIT },
		{ "n", ROLE_N },	 { "npoints", ROLE_NPOINTS },
	};
	bool grp = false;

	c->ncols = sqlite3_column_count(st);
	if (c->ncols > 32) {
		plot_fmt(err, errlen, "%s: too many columns", c->sqlpath);
		return -EINVAL;
	}
	for (int i = 0; i < c->ncols; i++) {
		const char *name = sqlite3_column_name(st, i);

		c->role[i] = ROLE_Y;
		for (size_t j = 0; j < sizeof(roles) / sizeof(roles[0]); j++)
			if (strcmp(name, roles[j].name) == 0)
				c->role[i] = roles[j].role;
		grp |= c->role[i] == ROLE_GRP;
		c->has_series |= c->role[i] == ROLE_SERIES;
		c->has_x |= c->role[i] == ROLE_X || c->role[i] == ROLE_XVAL;
		c->has_n |= c->role[i] == ROLE_N;
		if (c->role[i] != ROLE_Y)
			continue;
		if (c->ny == PLOT_MAXY) {
			plot_fmt(err, errlen, "%s: more than %d value columns",
				 c->sqlpath, PLOT_MAXY);
			return -EINVAL;
		}
		c->yidx[i] = c->ny;
		plot_fmt(c->yname[c->ny++], sizeof(c->yname[0]), "%s", name);
	}
	if (!grp || !c->ny || (c->k->layout == PLOT_BARS && !c->has_series)) {
		plot_fmt(err, errlen,
			 "%s: the query needs a column grp, %sa value column",
			 c->sqlpath,
			 c->k->layout == PLOT_BARS ? "a column series and "
						   : "");
		return -EINVAL;
	}
	return 0;
}

static char *plot_strdup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return strdup(s ? (const char *)s : "");
}

/* Checks that a unit column holds one unit in every row. */
static int plot_unit_col(struct plot_axis *a, sqlite3_stmt *st, int i,
			 const char *axis, char *err, size_t errlen)
{
	const char *u = (const char *)sqlite3_column_text(st, i);
	struct plot_axis now;

	plot_axis_from_db(&now, u ? u : "");
	if (!a->set) {
		*a = now;
		return 0;
	}
	if (a->kind == now.kind && strcmp(a->dbunit, now.dbunit) == 0)
		return 0;
	plot_fmt(err, errlen,
		 "the %s values have different units (%s and %s); choose one "
		 "metric with --metric COMPONENT.METRIC or --component",
		 axis, a->dbunit[0] ? a->dbunit : units_canonical(a->kind),
		 u ? u : "");
	return -EINVAL;
}

static int plot_add_row(struct plot_ctx *c, sqlite3_stmt *st, char *err,
			size_t errlen)
{
	struct plot_row *r;
	int rc;

	if (c->nrows == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct plot_row *p = realloc(c->rows, cap * sizeof(*p));

		if (!p)
			goto oom;
		c->rows = p;
		c->cap = cap;
	}
	r = &c->rows[c->nrows++];
	memset(r, 0, sizeof(*r));
	r->idx = c->nrows - 1;
	r->npoints = 1;
	for (int i = 0; i < c->ncols; i++) {
		switch (c->role[i]) {
		case ROLE_GRP:
			if (!(r->grp = plot_strdup_col(st, i)))
				goto oom;
			break;
		case ROLE_SERIES:
			if (!(r->series = plot_strdup_col(st, i)))
				goto oom;
			break;
		case ROLE_XVAL:
			if (!(r->xval = plot_strdup_col(st, i)))
				goto oom;
			break;
		case ROLE_X:
			r->x = sqlite3_column_double(st, i);
			break;
		case ROLE_XUNIT:
			rc = plot_unit_col(&c->xa, st, i, "x", err, errlen);
			if (rc)
				return rc;
			break;
		case ROLE_YUNIT:
			rc = plot_unit_col(&c->ya, st, i, "y", err, errlen);
			if (rc)
				return rc;
			break;
		case ROLE_N:
			r->n = sqlite3_column_int64(st, i);
			break;
		case ROLE_NPOINTS:
			r->npoints = sqlite3_column_int64(st, i);
			break;
		case ROLE_Y:
			r->y[c->yidx[i]] =
				sqlite3_column_type(st, i) == SQLITE_NULL
					? NAN
					: sqlite3_column_double(st, i);
			break;
		}
	}
	return 0;
oom:
	plot_fmt(err, errlen, "out of memory");
	return -ENOMEM;
}

static int plot_query(struct plot_ctx *c, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	const char *tail;
	char *sql;
	int rc;

	sql = analysis_slurp(c->sqlpath, err, errlen);
	if (!sql)
		return -EIO;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, &tail) != SQLITE_OK) {
		rc = plot_sql_err(c->db, c->sqlpath, err, errlen);
		goto out;
	}
	tail += strspn(tail, " \t\r\n;");
	if (!st || *tail) {
		plot_fmt(err, errlen, "%s: expected exactly one SQL statement",
			 c->sqlpath);
		rc = -EINVAL;
		goto out;
	}
	if ((rc = plot_bind(c, st, err, errlen)) ||
	    (rc = plot_columns(c, st, err, errlen)))
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = plot_add_row(c, st, err, errlen)))
			goto out;
	if (rc != SQLITE_DONE) {
		rc = plot_sql_err(c->db, c->sqlpath, err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	free(sql);
	return rc;
}

/* ---- arranging the rows ----------------------------------------------- */

static int plot_cmp_line(const char *group, const struct plot_line *a,
			 const struct plot_line *b)
{
	int cmp =
		strcmp(a->series ? a->series : "", b->series ? b->series : "");

	return cmp ? cmp : plot_cmp_group(group, a->grp, b->grp);
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

static int plot_cmp_row(const void *pa, const void *pb)
{
	const struct plot_row *a = pa, *b = pb;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Finds or adds the line (series, grp); for bars only grp counts. */
static long plot_line_of(struct plot_ctx *c, const char *series,
			 const char *grp)
{
	for (size_t i = c->nlines; i-- > 0;)
		if (strcmp(c->lines[i].grp, grp) == 0 &&
		    (!series || strcmp(c->lines[i].series, series) == 0))
			return (long)i;
	if (c->nlines % 64 == 0) {
		struct plot_line *p =
			realloc(c->lines, (c->nlines + 64) * sizeof(*p));

		if (!p)
			return -1;
		c->lines = p;
	}
	c->lines[c->nlines] = (struct plot_line){ series, grp, NULL };
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
		plot_fmt(c->keytitle, sizeof(c->keytitle), "%s", first);
	else if (strcmp(c->group, "component") &&
		 strcmp(c->group, "scenario") && !point)
		plot_fmt(c->keytitle, sizeof(c->keytitle), "%s", c->group);
	for (size_t i = 0; i < c->nlines; i++) {
		struct plot_line *l = &c->lines[i];
		char g[PLOT_LABEL];

		if (point)
			plot_point_label(l->grp, shared, g, sizeof(g));
		else
			plot_fmt(g, sizeof(g), "%s", l->grp);
		if (c->k->layout == PLOT_LINES && c->has_series)
			plot_fmt(lab, sizeof(lab), "%s%s%s", l->series,
				 one_grp ? "" : ", ", one_grp ? "" : g);
		else
			plot_fmt(lab, sizeof(lab), "%s", g);
		if (c->o->label && c->nlines == 1 && c->k->layout == PLOT_LINES)
			plot_fmt(lab, sizeof(lab), "%s", c->o->label);
		if (!(l->label = strdup(lab)))
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
		plot_fmt(err, errlen,
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
			plot_fmt(err, errlen,
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
				plot_fmt(g, sizeof(g), "%s", r->grp);
			plot_fmt(err, errlen,
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

/* Orders lines and rows: lines by series, then group value (numbers by
 * value); rows by line, then x, then query order. The stacked series of
 * bars keep the order in which the query first returns them (the path
 * order of stages in breakdown.sql). */
static int plot_arrange(struct plot_ctx *c, char *err, size_t errlen)
{
	bool bars = c->k->layout == PLOT_BARS;
	int rc = plot_check_rows(c, err, errlen);

	if (rc)
		return rc;
	for (size_t i = 0; i < c->nrows; i++) {
		struct plot_row *r = &c->rows[i];
		long l = plot_line_of(c, bars ? NULL : r->series, r->grp);

		if (l < 0 ||
		    (bars && r->series && plot_add_series(c, r->series)))
			return -ENOMEM;
	}
	plot_sort_lines(c->lines, c->nlines, c->group);
	for (size_t i = 0; i < c->nrows; i++) {
		struct plot_row *r = &c->rows[i];

		for (size_t l = 0; l < c->nlines; l++)
			if (strcmp(c->lines[l].grp, r->grp) == 0 &&
			    (bars || !r->series ||
			     strcmp(c->lines[l].series, r->series) == 0))
				r->line = l;
	}
	if (c->nrows)
		qsort(c->rows, c->nrows, sizeof(*c->rows), plot_cmp_row);
	return plot_labels(c) ? -ENOMEM : 0;
}

/* snprintf into buf from arguments that may overlap buf. */
static void plot_buf_str(char *buf, size_t n, const char *fmt, const char *a,
			 const char *b)
{
	char tmp[PLOT_LABEL];

	plot_fmt(tmp, sizeof(tmp), fmt, a, b);
	plot_fmt(buf, n, "%s", tmp);
}

/* A metric for a label: a bare name reads as words ("queue_delay" ->
 * "queue delay", capitalized if cap); COMPONENT.METRIC stays as it is. */
static void plot_words(const char *metric, bool cap, char *buf, size_t n)
{
	plot_fmt(buf, n, "%s", metric ? metric : "");
	if (strchr(buf, '.'))
		return;
	for (char *p = buf; *p; p++)
		if (*p == '_')
			*p = ' ';
	if (cap && buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
}

/* Chooses the axis units and the default labels. */
static int plot_axes(struct plot_ctx *c, char *err, size_t errlen)
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
		plot_fmt(err, errlen, "--xunit does not apply to %s figures",
			 k->name);
		return -EINVAL;
	}
	plot_words(c->metric, true, what, sizeof(what));
	if (k->uses_x)
		plot_fmt(c->xlabel, sizeof(c->xlabel), "%s%s", c->x,
			 plot_unit_suffix(&c->xa, suffix, sizeof(suffix)));
	else if (k->xlabel || c->has_x)
		plot_fmt(c->xlabel, sizeof(c->xlabel), "%s%s",
			 k->xlabel ? k->xlabel : what,
			 plot_unit_suffix(&c->xa, suffix, sizeof(suffix)));
	else
		plot_fmt(c->xlabel, sizeof(c->xlabel), "%s", c->keytitle);
	if (!k->ylabel && c->stat) {
		plot_words(c->metric, false, what, sizeof(what));
		plot_fmt(c->ylabel, sizeof(c->ylabel), "%s %s",
			 strcmp(c->stat, "mean") ? c->stat : "Mean", what);
	} else if (!k->ylabel) {
		/* scalar: no statistic, the metric's own name */
		plot_fmt(c->ylabel, sizeof(c->ylabel), "%s", what);
	}
	plot_buf_str(c->ylabel, sizeof(c->ylabel), "%s%s",
		     k->ylabel ? k->ylabel : c->ylabel,
		     plot_unit_suffix(&c->ya, suffix, sizeof(suffix)));
	if (k->layout == PLOT_BARS)
		c->keytitle[0] = '\0';
	return 0;
}

/* ---- the data file ---------------------------------------------------- */

static void plot_num(struct strbuf *b, double v)
{
	if (isfinite(v))
		strbuf_add(b, "%.12g", v);
	else
		strbuf_add(b, "NaN");
}

/* Tabs and newlines would split a field: they become spaces. */
static void plot_field(struct strbuf *b, const char *s)
{
	for (; *s; s++)
		strbuf_add(b, "%c", (unsigned char)*s < 0x20 ? ' ' : *s);
}

static void plot_data_lines(struct plot_ctx *c, struct strbuf *b)
{
	char suffix[64];

	strbuf_add(b, "# line");
	if (c->has_x)
		strbuf_add(b, "\tx%s",
			   plot_unit_suffix(&c->xa, suffix, sizeof(suffix)));
	for (int j = 0; j < c->ny; j++)
		strbuf_add(b, "\t%s%s", c->yname[j],
			   plot_unit_suffix(&c->ya, suffix, sizeof(suffix)));
	if (c->has_n)
		strbuf_add(b, "\tn");
	strbuf_add(b, "\n");
	for (size_t i = 0; i < c->nrows; i++) {
		const struct plot_row *r = &c->rows[i];

		if (i && r->line != c->rows[i - 1].line)
			strbuf_add(b, "\n\n");
		plot_field(b, c->lines[r->line].label);
		if (c->has_x) {
			strbuf_add(b, "\t");
			plot_num(b, plot_scale(&c->xa, r->x));
		}
		for (int j = 0; j < c->ny; j++) {
			strbuf_add(b, "\t");
			plot_num(b, plot_scale(&c->ya, r->y[j]));
		}
		if (c->has_n)
			strbuf_add(b, "\t%lld", r->n);
		strbuf_add(b, "\n");
	}
}

/* Bars: one row per bar, one column per stacked series (0 if absent). */
static void plot_data_bars(struct plot_ctx *c, struct strbuf *b)
{
	char suffix[64];

	strbuf_add(b, "# bar");
	for (size_t s = 0; s < c->nseries; s++) {
		strbuf_add(b, "\t");
		plot_field(b, c->series[s]);
		strbuf_add(b, "%s",
			   plot_unit_suffix(&c->ya, suffix, sizeof(suffix)));
	}
	strbuf_add(b, "\n");
	for (size_t l = 0; l < c->nlines; l++) {
		plot_field(b, c->lines[l].label);
		for (size_t s = 0; s < c->nseries; s++) {
			double v = 0;

			for (size_t j = 0; j < c->nrows; j++)
				if (c->rows[j].line == l && c->rows[j].series &&
				    strcmp(c->rows[j].series, c->series[s]) ==
					    0)
					v = c->rows[j].y[0];
			strbuf_add(b, "\t");
			plot_num(b, plot_scale(&c->ya, v));
		}
		strbuf_add(b, "\n");
	}
}

static int plot_write_data(struct plot_ctx *c, const char *path, char *err,
			   size_t errlen)
{
	struct strbuf b = { 0 };
	int rc;

	strbuf_add(&b, "# usnsim plot %s", c->k->name);
	if (c->metric)
		strbuf_add(&b, " --metric %s", c->metric);
	if (c->stat)
		strbuf_add(&b, " --stat %s", c->stat);
	if (c->x)
		strbuf_add(&b, " --x %s", c->x);
	if (c->group[0])
		strbuf_add(&b, " --group %s", c->group);
	strbuf_add(&b, "\n");
	if (c->k->layout == PLOT_BARS)
		plot_data_bars(c, &b);
	else
		plot_data_lines(c, &b);
	if (b.oom) {
		free(b.p);
		plot_fmt(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = plot_write_file(path, b.p, b.len, err, errlen);
	free(b.p);
	return rc;
}

/* ---- gnuplot ---------------------------------------------------------- */

enum plot_format { FMT_PDF, FMT_PNG, FMT_SVG };

static int plot_format_of(const char *path, enum plot_format *f)
{
	const char *dot = strrchr(path, '.');

	if (dot && strcmp(dot, ".pdf") == 0)
		*f = FMT_PDF;
	else if (dot && strcmp(dot, ".png") == 0)
		*f = FMT_PNG;
	else if (dot && strcmp(dot, ".svg") == 0)
		*f = FMT_SVG;
	else
		return -EINVAL;
	return 0;
}

static const char *const plot_terminals[] = {
	[FMT_PDF] = "pdfcairo noenhanced color size 3.5in,2.4in "
		    "font 'Helvetica,9' linewidth 1 dashlength 1",
	[FMT_PNG] = "pngcairo noenhanced color size 1050,720 "
		    "font 'Helvetica,9' fontscale 2.3 linewidth 3.5 "
		    "pointscale 3.5 dashlength 1",
	[FMT_SVG] = "svg noenhanced size 336,230 font 'Helvetica,9' "
		    "linewidth 1",
};

/* The -e settings: terminal, output, and the template's variables. */
static void plot_script(struct plot_ctx *c, struct strbuf *b,
			enum plot_format fmt, const char *data, const char *out)
{
	const struct plot_opts *o = c->o;
	bool bars = c->k->layout == PLOT_BARS;
	size_t n = bars ? c->nseries : c->nlines;

	strbuf_add(b, "set encoding utf8; set terminal %s; set output ",
		   plot_terminals[fmt]);
	plot_buf_quote(b, out);
	strbuf_add(b, "; datafile = ");
	plot_buf_quote(b, data);
	strbuf_add(b, "; nlines = %zu; nbars = %zu; array titles[%zu]", n,
		   bars ? c->nlines : 0, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		strbuf_add(b, "; titles[%zu] = ", i + 1);
		plot_buf_quote(b, bars ? c->series[i] : c->lines[i].label);
	}
	strbuf_add(b, "; xlabel = ");
	plot_buf_quote(b, o->xlabel ? o->xlabel : c->xlabel);
	strbuf_add(b, "; ylabel = ");
	plot_buf_quote(b, o->ylabel ? o->ylabel : c->ylabel);
	strbuf_add(b, "; plottitle = ");
	plot_buf_quote(b, o->title);
	strbuf_add(b, "; keytitle = ");
	plot_buf_quote(b, o->key_title ? o->key_title : c->keytitle);
	strbuf_add(b, "; theory = ");
	plot_buf_quote(b, o->theory);
	strbuf_add(b, "; theory_title = ");
	plot_buf_quote(b, o->theory_title ? o->theory_title : "theory");
	strbuf_add(b, "; logx = %d; logy = %d", o->logx, o->logy);
}

/* A copy of the environment with TZ=UTC0 (so the PDF date has one
 * format) and SOURCE_DATE_EPOCH set, for cairo versions that honour it. */
static char **plot_env(const char *epoch)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 3, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "TZ=", 3) &&
		    strncmp(environ[i], "SOURCE_DATE_EPOCH=", 18))
			env[k++] = environ[i];
	env[k++] = "TZ=UTC0";
	env[k++] = (char *)epoch;
	return env;
}

static int plot_gnuplot(struct plot_ctx *c, enum plot_format fmt,
			const char *data, const char *out, char *err,
			size_t errlen)
{
	struct strbuf b = { 0 };
	char epoch[64], **env;
	char *argv[5];
	pid_t pid;
	int status, rc;

	plot_script(c, &b, fmt, data, out);
	plot_fmt(epoch, sizeof(epoch), "SOURCE_DATE_EPOCH=%lld", c->epoch);
	env = plot_env(epoch);
	if (b.oom || !env) {
		free(b.p);
		free(env);
		plot_fmt(err, errlen, "out of memory");
		return -ENOMEM;
	}
	argv[0] = "gnuplot";
	argv[1] = "-e";
	argv[2] = b.p;
	argv[3] = c->gppath;
	argv[4] = NULL;
	rc = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, env);
	free(env);
	free(b.p);
	if (rc == ENOENT) {
		plot_fmt(err, errlen,
			 "gnuplot is not installed; run `make deps` (or "
			 "install gnuplot-nox)");
		return -ENOENT;
	}
	if (rc) {
		plot_fmt(err, errlen, "cannot run gnuplot: %s", strerror(rc));
		return -rc;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			plot_fmt(err, errlen, "gnuplot: %s", strerror(errno));
			return -errno;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    access(out, R_OK)) {
		plot_fmt(err, errlen,
			 "gnuplot failed on %s (its message is above)",
			 c->gppath);
		return -EIO;
	}
	return 0;
}

/* The PDF's creation date: from SOURCE_DATE_EPOCH, else the start of the
 * newest selected run, else the epoch. */
static void plot_date(struct plot_ctx *c)
{
	const char *env = getenv("SOURCE_DATE_EPOCH");
	char *started = NULL, err[64];
	struct tm tm;
	time_t t = 0;

	if (env && *env) {
		t = (time_t)strtoll(env, NULL, 10);
	} else if (plot_sql_text(c->db,
				 "SELECT max(started) FROM selected_runs", NULL,
				 NULL, &started, err, sizeof(err)) == 0 &&
		   started) {
		memset(&tm, 0, sizeof(tm));
		if (sscanf(started, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year,
			   &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
			   &tm.tm_sec) == 6) {
			tm.tm_year -= 1900;
			tm.tm_mon -= 1;
			t = timegm(&tm);
		}
	}
	free(started);
	c->epoch = (long long)t;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	plot_fmt(c->date, sizeof(c->date), "%04d%02d%02d%02d%02d%02d",
		 (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
		 tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
		 tm.tm_sec % 100);
}

/* Overwrites the 14 digits of every "/CreationDate (D:" and "/ModDate
 * (D:" with date, in place, so no offset in the PDF moves. */
static void plot_fix_pdf(char *pdf, size_t len, const char *date)
{
	static const char *const keys[] = { "/CreationDate (D:",
					    "/ModDate (D:" };

	for (size_t k = 0; k < 2; k++) {
		size_t kl = strlen(keys[k]);

		for (size_t i = 0; i + kl + 14 <= len; i++) {
			if (memcmp(pdf + i, keys[k], kl))
				continue;
			for (size_t j = 0; j < 14; j++)
				if (pdf[i + kl + j] >= '0' &&
				    pdf[i + kl + j] <= '9')
					pdf[i + kl + j] = date[j];
		}
	}
}

/* Moves the figure gnuplot wrote in the temporary directory into place. */
static int plot_install(struct plot_ctx *c, enum plot_format fmt,
			const char *tmp, const char *out, char *err,
			size_t errlen)
{
	struct stat sb;
	char *buf;
	int rc;

	if (stat(tmp, &sb) || sb.st_size <= 0) {
		plot_fmt(err, errlen, "gnuplot wrote no figure");
		return -EIO;
	}
	buf = analysis_slurp(tmp, err, errlen);
	if (!buf)
		return -EIO;
	if (fmt == FMT_PDF)
		plot_fix_pdf(buf, (size_t)sb.st_size, c->date);
	rc = plot_write_file(out, buf, (size_t)sb.st_size, err, errlen);
	free(buf);
	return rc;
}

/* ---- one figure ------------------------------------------------------- */

static void plot_ctx_free(struct plot_ctx *c)
{
	char path[PLOT_PATH + 32];
	static const char *const files[] = { "data.tsv", "figure.pdf",
					     "figure.png", "figure.svg" };

	for (size_t i = 0; i < c->nrows; i++) {
		free(c->rows[i].grp);
		free(c->rows[i].series);
		free(c->rows[i].xval);
	}
	for (size_t i = 0; i < c->nlines; i++)
		free(c->lines[i].label);
	free(c->rows);
	free(c->lines);
	free(c->series);
	if (c->tmpdir[0]) {
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			plot_fmt(path, sizeof(path), "%s/%s", c->tmpdir,
				 files[i]);
			unlink(path);
		}
		rmdir(c->tmpdir);
	}
	sqlite3_close(c->db);
}

static int plot_render(struct plot_ctx *c, char *err, size_t errlen)
{
	static const char *const ext[] = { "pdf", "png", "svg" };
	const struct plot_opts *o = c->o;
	const char *tmpenv = getenv("TMPDIR");
	char data[PLOT_PATH + 32], fig[PLOT_PATH + 32], name[64];
	enum plot_format fmt = FMT_PDF;
	int rc;

	if (o->out && plot_format_of(o->out, &fmt)) {
		plot_fmt(err, errlen,
			 "-o %s: expected a file name ending in .pdf, .png "
			 "or .svg",
			 o->out);
		return -EINVAL;
	}
	plot_fmt(c->tmpdir, sizeof(c->tmpdir), "%s/usnsim-plot-XXXXXX",
		 tmpenv && *tmpenv ? tmpenv : "/tmp");
	if (!mkdtemp(c->tmpdir)) {
		plot_fmt(err, errlen, "%s: %s", c->tmpdir, strerror(errno));
		c->tmpdir[0] = '\0';
		return -EIO;
	}
	plot_fmt(data, sizeof(data), "%s/data.tsv", c->tmpdir);
	plot_fmt(name, sizeof(name), "figure.%s", ext[fmt]);
	plot_fmt(fig, sizeof(fig), "%s/%s", c->tmpdir, name);
	if ((rc = plot_write_data(c, data, err, errlen)))
		return rc;
	if (o->data && (rc = plot_write_data(c, o->data, err, errlen)))
		return rc;
	if (!o->out)
		return 0;
	plot_date(c);
	if ((rc = plot_gnuplot(c, fmt, data, fig, err, errlen)))
		return rc;
	return plot_install(c, fmt, fig, o->out, err, errlen);
}

/* Draws one figure. Returns 0, or a negative errno with a one-line
 * message in err. */
static int plot_figure(const struct plot_opts *o, char *err, size_t errlen)
{
	struct plot_ctx c;
	char name[64];
	int rc;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.k = plot_kind_find(o->kind);
	if (!c.k) {
		char list[128];

		plot_kind_list(list, sizeof(list));
		plot_fmt(err, errlen, "unknown plot kind '%s'; expected %s",
			 o->kind, list);
		return -EINVAL;
	}
	if (!o->out && !o->data) {
		plot_fmt(err, errlen, "missing -o FIG.{pdf,png,svg}");
		return -EINVAL;
	}
	plot_fmt(name, sizeof(name), "%s.sql", c.k->name);
	if ((rc = plot_find(name, c.sqlpath, sizeof(c.sqlpath), err, errlen)))
		return rc;
	plot_fmt(name, sizeof(name), "%s.gp", c.k->name);
	if (o->out &&
	    (rc = plot_find(name, c.gppath, sizeof(c.gppath), err, errlen)))
		return rc;
	rc = plot_open(o->db, o->filter, o->where, &c.db, err, errlen);
	if (rc == 0)
		rc = plot_resolve(&c, err, errlen);
	if (rc == 0)
		rc = plot_query(&c, err, errlen);
	if (rc == 0)
		rc = plot_arrange(&c, err, errlen);
	if (rc == 0)
		rc = plot_axes(&c, err, errlen);
	if (rc == 0)
		rc = plot_render(&c, err, errlen);
	plot_ctx_free(&c);
	return rc;
}

/* ---- --study ---------------------------------------------------------- */

/* Edit distance, for "did you mean" hints. */
static size_t plot_distance(const char *a, const char *b)
{
	size_t lb = strlen(b), row[64], diag, up;

	if (lb >= 64)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; a[i - 1]; i++) {
		diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = a[i - 1] == b[j - 1] ? diag : diag + 1;
			if (row[j] > up + 1)
				row[j] = up + 1;
			if (row[j] > row[j - 1] + 1)
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lb];
}

static const struct plot_field *plot_field_find(const char *key)
{
	char name[64];

	plot_fmt(name, sizeof(name), "%s", key);
	for (char *p = name; *p; p++)
		if (*p == '_')
			*p = '-';
	for (size_t i = 0; i < PLOT_NFIELDS; i++)
		if (strcmp(plot_fields[i].name, name) == 0)
			return &plot_fields[i];
	return NULL;
}

static void plot_set_field(struct plot_opts *o, const struct plot_field *fd,
			   const char *value)
{
	char *p = (char *)o + fd->off;

	if (fd->flag)
		*(bool *)p = true;
	else
		*(const char **)p = value;
}

/* Reads one figures: item into o. Returns 0, or -EINVAL with
 * "FILE:LINE:COL: message" in err. */
static int plot_study_item(const char *file, const struct scn_node *item,
			   struct plot_opts *o, char *err, size_t errlen)
{
	const struct scn_node *bad = item;

	if (item->kind != SCN_MAP) {
		plot_fmt(err, errlen,
			 "%s:%d:%d: expected a figure, a mapping such as "
			 "{output: NAME, kind: percentile, metric: latency}",
			 file, item->line, item->col);
		return -EINVAL;
	}
	for (size_t i = 0; i + 1 < item->n; i += 2) {
		const struct scn_node *key = item->kid[i],
				      *val = item->kid[i + 1];
		const struct plot_field *fd = plot_field_find(key->text);

		if (!fd) {
			const char *best = NULL;
			size_t bd = 4;

			for (size_t j = 0; j < PLOT_NFIELDS; j++) {
				size_t d = plot_distance(key->text,
							 plot_fields[j].name);
				if (d < bd) {
					bd = d;
					best = plot_fields[j].name;
				}
			}
			plot_fmt(err, errlen,
				 "%s:%d:%d: unknown figure key '%s'%s%s%s",
				 file, key->line, key->col, key->text,
				 best ? "; did you mean '" : "",
				 best ? best : "", best ? "'?" : "");
			return -EINVAL;
		}
		if (val->kind != SCN_SCALAR || val->null) {
			plot_fmt(err, errlen, "%s:%d:%d: %s: expected %s", file,
				 val->line, val->col, key->text,
				 fd->flag ? "true or false" : "a value");
			return -EINVAL;
		}
		if (fd->flag && strcmp(val->text, "true") &&
		    strcmp(val->text, "false")) {
			plot_fmt(err, errlen,
				 "%s:%d:%d: %s: expected true or false, found "
				 "'%s'",
				 file, val->line, val->col, key->text,
				 val->text);
			return -EINVAL;
		}
		if (!fd->flag || strcmp(val->text, "true") == 0)
			plot_set_field(o, fd, val->text);
		if (strcmp(fd->name, "kind") == 0 && !plot_kind_find(val->text))
			bad = val;
		if (strcmp(fd->name, "output") == 0 &&
		    (!val->text[0] || strchr(val->text, '/') ||
		     strchr(val->text, '.'))) {
			plot_fmt(err, errlen,
				 "%s:%d:%d: output: expected a file name "
				 "without directory or extension, such as "
				 "md1_load_wq",
				 file, val->line, val->col);
			return -EINVAL;
		}
	}
	if (!o->kind || !o->out) {
		plot_fmt(err, errlen, "%s:%d:%d: a figure needs %s", file,
			 item->line, item->col,
			 !o->out ? "output: NAME" : "kind: KIND");
		return -EINVAL;
	}
	if (bad != item) {
		char list[128];

		plot_kind_list(list, sizeof(list));
		plot_fmt(err, errlen,
			 "%s:%d:%d: kind: unknown plot kind '%s'; expected %s",
			 file, bad->line, bad->col, bad->text, list);
		return -EINVAL;
	}
	return 0;
}

/* The SQL condition selecting the study's runs: the file's current hash
 * if the database has runs of it, else the newest runs of its name. */
static int plot_study_filter(const struct scn *s, const char *dbpath,
			     struct strbuf *f, char *err, size_t errlen)
{
	char *hash = NULL;
	sqlite3 *db;
	int rc;

	rc = plot_open(dbpath, NULL, NULL, &db, err, errlen);
	if (rc)
		return rc;
	rc = plot_sql_text(db,
			   "SELECT hash FROM runs WHERE hash = ?1 UNION ALL"
			   " SELECT * FROM (SELECT hash FROM runs WHERE"
			   " scenario = ?2 ORDER BY id DESC LIMIT 1)",
			   scn_hash(s), scn_name(s), &hash, err, errlen);
	sqlite3_close(db);
	if (rc)
		return rc;
	if (!hash) {
		plot_fmt(err, errlen,
			 "%s: no runs of scenario '%s' in %s; run `usnsim "
			 "sweep %s --db %s` first",
			 scn_path(s), scn_name(s), dbpath, scn_path(s), dbpath);
		return -ENODATA;
	}
	if (strspn(hash, "0123456789abcdef") != strlen(hash)) {
		plot_fmt(err, errlen, "%s: run hash '%s' is not hex digits",
			 dbpath, hash);
		free(hash);
		return -EILSEQ;
	}
	if (strcmp(hash, scn_hash(s)))
		fprintf(stderr,
			"usnsim: plot: %s: using the runs of an earlier "
			"version of the file (hash %s)\n",
			scn_path(s), hash);
	strbuf_add(f, "r.hash = '%s'", hash);
	free(hash);
	return f->oom ? -ENOMEM : 0;
}

static int plot_study(const struct plot_opts *base, const char *file,
		      const char *dir, bool quiet)
{
	static const char *const ext[] = { "pdf", "png" };
	struct strbuf filter = { 0 };
	const struct scn_node *figs;
	struct plot_opts *opts = NULL;
	struct scn *s = NULL;
	char err[PLOT_ERR], out[PLOT_PATH];
	int failed = 0;

	if (scn_load(file, NULL, 0, &s, err, sizeof(err))) {
		fprintf(stderr, "usnsim: plot: %s\n", err);
		return PLOT_EXIT_INPUT;
	}
	figs = scn_block(s, "figures");
	if (!figs || figs->kind != SCN_SEQ || !figs->n) {
		fprintf(stderr,
			"usnsim: plot: %s: no figures: block; add a list such "
			"as\nfigures:\n  - { output: NAME, kind: percentile, "
			"metric: latency }\n",
			file);
		failed = 1;
		goto out;
	}
	opts = calloc(figs->n, sizeof(*opts));
	if (!opts) {
		failed = 1;
		goto out;
	}
	for (size_t i = 0; i < figs->n; i++) {
		opts[i] = *base;
		if (plot_study_item(file, figs->kid[i], &opts[i], err,
				    sizeof(err))) {
			fprintf(stderr, "usnsim: plot: %s\n", err);
			failed = 1;
		}
		for (size_t j = 0; !failed && j < i; j++)
			if (strcmp(opts[i].out, opts[j].out) == 0) {
				fprintf(stderr,
					"usnsim: plot: %s:%d:%d: output %s is "
					"already the output of figure %zu\n",
					file, figs->kid[i]->line,
					figs->kid[i]->col, opts[i].out, j + 1);
				failed = 1;
			}
	}
	if (failed)
		goto out;
	if (plot_study_filter(s, base->db, &filter, err, sizeof(err)) ||
	    plot_mkdirs(dir, err, sizeof(err))) {
		fprintf(stderr, "usnsim: plot: %s\n", err);
		failed = 1;
		goto out;
	}
	for (size_t i = 0; i < figs->n; i++) {
		const char *name = opts[i].out;

		opts[i].filter = filter.p;
		for (size_t e = 0; e < 2; e++) {
			plot_fmt(out, sizeof(out), "%s/%s.%s", dir, name,
				 ext[e]);
			opts[i].out = out;
			if (plot_figure(&opts[i], err, sizeof(err))) {
				fprintf(stderr,
					"usnsim: plot: %s:%d:%d: figure %s: "
					"%s\n",
					file, figs->kid[i]->line,
					figs->kid[i]->col, name, err);
				failed = 1;
				break;
			}
			if (!quiet)
				printf("%s\n", out);
		}
	}
out:
	free(opts);
	free(filter.p);
	scn_destroy(s);
	return failed ? PLOT_EXIT_INPUT : 0;
}

/* ---- main ------------------------------------------------------------- */

int plot_main(int argc, char **argv)
{
	enum { OPT_DATA = 256, OPT_STUDY, OPT_FIELD };
	struct option longopts[PLOT_NFIELDS + 8];
	struct plot_opts o = { .db = "results.db" };
	const char *study = NULL;
	char err[PLOT_ERR];
	size_t n = 0;
	bool quiet = false;
	int c;

	for (size_t i = 0; i < PLOT_NFIELDS; i++)
		if (plot_fields[i].help)
			longopts[n++] =
				(struct option){ plot_fields[i].name,
						 plot_fields[i].flag
							 ? no_argument
							 : required_argument,
						 NULL, OPT_FIELD + (int)i };
	longopts[n++] = (struct option){ "db", required_argument, NULL, 'd' };
	longopts[n++] =
		(struct option){ "output", required_argument, NULL, 'o' };
	longopts[n++] =
		(struct option){ "data", required_argument, NULL, OPT_DATA };
	longopts[n++] =
		(struct option){ "study", required_argument, NULL, OPT_STUDY };
	longopts[n++] = (struct option){ "quiet", no_argument, NULL, 'q' };
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.db = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case OPT_DATA:
			o.data = optarg;
			break;
		case OPT_STUDY:
			study = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			plot_help(stdout);
			return 0;
		default:
			if (c >= OPT_FIELD &&
			    c < OPT_FIELD + (int)PLOT_NFIELDS) {
				plot_set_field(&o, &plot_fields[c - OPT_FIELD],
					       optarg);
				break;
			}
			fprintf(stderr, "Run `usnsim plot --help` for the "
					"options.\n");
			return PLOT_EXIT_INPUT;
		}
	}
	if (study) {
		if (optind != argc || o.data) {
			fprintf(stderr, "usnsim: plot: --study takes no KIND "
					"and no --data; the figures come from "
					"the study file\n");
			return PLOT_EXIT_INPUT;
		}
		return plot_study(&o, study, o.out ? o.out : "figures", quiet);
	}
	if (optind != argc - 1) {
		fprintf(stderr,
			"usnsim: plot: %s\nRun `usnsim plot --help` for the "
			"kinds and options.\n",
			optind >= argc ? "missing KIND (cdf, percentile, "
					 "scalar, breakdown, memory, drops, "
					 "cpu)"
				       : "expected one KIND");
		return PLOT_EXIT_INPUT;
	}
	o.kind = argv[optind];
	if (plot_figure(&o, err, sizeof(err))) {
		fprintf(stderr, "usnsim: plot: %s\n", err);
		return PLOT_EXIT_INPUT;
	}
	return 0;
}
