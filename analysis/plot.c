/*
 * plot.c - `usnsim plot`: figures from a results database, through gnuplot.
 *
 * A figure is one plot KIND (cdf, percentile, scalar, paired, xy, breakdown,
 * memory, rate, drops, cpu). Each kind is a pair of files under analysis/: KIND.sql,
 * the query that yields the figure's data, and KIND.gp, the gnuplot
 * template that draws it. Both are meant to be copied and edited, so
 * usnsim knows them only by a small contract: the query reads runs through
 * the temporary view `selected_runs` (the runs that pass --where), takes
 * the named parameters :metric, :stat, :x, :group and :component, and
 * names its columns by role (grp, series, x or xval, xunit, yunit, n,
 * npoints; every other column is a y value). The template reads the
 * variables that plot_gnuplot.c sets (datafile, nlines, titles[], labels,
 * theory, logx, logy).
 *
 * This file is the command: its options (which are also the keys of a
 * figures: item), the kinds and what each needs, --help, and the steps of
 * one figure, plot_figure(). The steps are the other plot_*.c files
 * (plot_int.h): plot_query.c checks the options against the database and
 * runs the query, plot_data.c arranges the rows into lines and axes,
 * plot_gnuplot.c writes the data file and runs gnuplot, and plot_study.c
 * renders the figures: block of a study file.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analysis.h"
#include "errmsg.h"
#include "outfile.h"
#include "plot_int.h"
#include "strbuf.h"

/* The options (struct plot_field), with their --help text. */
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
	       "mean, p50, p90, p99 or p999 (percentile,\n"
	       "paired, xy with a histogram metric; default\n"
	       "p99)"),
	PLOT_F("xmetric", xmetric, false, "SPEC",
	       "xy: the metric of the x axis, a histogram\n"
	       "metric (with --xstat) or a scalar, named as\n"
	       "--metric (required)"),
	PLOT_F("xstat", xstat, false, "S",
	       "xy: the statistic of a histogram --xmetric\n"
	       "(default p99); a scalar has none"),
	PLOT_F("order", order, false, "PATH",
	       "xy: the parameter whose values are the\n"
	       "points of a line, joined in its order, e.g.\n"
	       "apps.src.rate (default: one point a line)"),
	PLOT_F("point-labels", point_labels, true, NULL,
	       "xy: label each point with its --order value"),
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
	PLOT_F("facet", facet, false, "PATH",
	       "one panel per value of the parameter PATH,\n"
	       "the panels sharing their axes (percentile,\n"
	       "scalar, paired, xy)"),
	PLOT_F("paired", paired, false, "PATH",
	       "paired: the parameter compared; one line per\n"
	       "value other than --baseline"),
	PLOT_F("baseline", baseline, false, "V",
	       "paired: the value of --paired that the\n"
	       "others are compared with (b - baseline)"),
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
	PLOT_F("key-names", key_names, false, "V=N;...",
	       "key entries for values of --group, e.g.\n"
	       "'poll 0 0 false=busy polling;interrupt 8us 0\n"
	       "false=interrupts, 8 µs' (lines, not bars)"),
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
	PLOT_F("ymin", ymin, false, "Q",
	       "bottom of the y axis, a quantity in the\n"
	       "axis's kind, e.g. 1us (a plain number on an\n"
	       "axis without unit); default 0 on a linear\n"
	       "axis of values >= 0 (percentile, scalar, xy)"),
	PLOT_F("ymax", ymax, false, "Q", "top of the y axis, the same way"),
	PLOT_F("logx", logx, true, NULL, "logarithmic x axis"),
	PLOT_F("logy", logy, true, NULL, "logarithmic y axis"),
};

#define PLOT_NFIELDS (sizeof(plot_fields) / sizeof(plot_fields[0]))

/* The kinds; plot_int.h says what each field means. */
static const struct plot_kind plot_kinds[] = {
	{ "cdf", "cumulative distribution of a histogram metric per group",
	  "histograms", "latency", NULL, "component", false, true, PLOT_LINES,
	  NULL, "Fraction of samples",
	  "histogram buckets of the metric (table histograms)", false },
	{ "percentile", "a statistic with its 95% CI against a swept parameter",
	  "summaries", "latency", "p99", "component", true, true, PLOT_LINES,
	  NULL, NULL, "summaries of the metric with samples", true },
	{ "scalar", "a scalar metric with its 95% CI against a swept parameter",
	  "scalars", NULL, NULL, "component", true, true, PLOT_LINES, NULL,
	  NULL, "rows of the metric in table scalars with a value", true },
	{ "paired",
	  "difference from a baseline over common repetitions, 95% CI",
	  "summaries", "latency", "p99", "", true, false, PLOT_LINES, NULL,
	  NULL,
	  "pairs of points that differ only in --paired, one of them at "
	  "--baseline (view paired)",
	  true },
	{ "xy", "one metric against another, a point per --order value",
	  "scalars", NULL, NULL, "", false, false, PLOT_LINES, NULL, NULL,
	  "a value of both metrics in every run (a summary with samples, or "
	  "a row of table scalars)",
	  true },
	{ "breakdown", "mean latency per stage, stacked, per group", NULL, NULL,
	  NULL, "component", false, false, PLOT_BARS, NULL,
	  "Mean time per stage",
	  "summaries with metric 'stage.NAME' and samples", false },
	{ "memory", "memory reserved and in use over time", NULL, NULL, NULL,
	  "component", false, false, PLOT_LINES, "Time", "Memory",
	  "time series with metric 'mem.in_use' or 'mem.reserved'", false },
	{ "domains", "a host's memory by domain over time, per group", NULL,
	  NULL, NULL, "component", false, false, PLOT_LINES, "Time", "Memory",
	  "time series with metric 'mem.device', 'mem.kernel', 'mem.user' or "
	  "'mem.sockbuf'",
	  false },
	{ "rate", "the rate of a counter's time series over time, per group",
	  "timeseries", NULL, NULL, "component", false, false, PLOT_LINES,
	  "Time", NULL,
	  "a time series of a counter (e.g. apps.NAME.received_bytes)", false },
	{ "drops", "drops by reason against a swept parameter", NULL, NULL,
	  NULL, "", true, true, PLOT_LINES, NULL, "Drops",
	  "scalars with metric 'drops.REASON'", false },
	{ "cpu", "CPU time per packet by domain, stacked, per group", NULL,
	  NULL, NULL, "scenario", false, false, PLOT_BARS, NULL,
	  "CPU time per packet",
	  "scalars with metric 'cpu.per_packet' of components 'cpu.DOMAIN'",
	  false },
};

#define PLOT_NKINDS (sizeof(plot_kinds) / sizeof(plot_kinds[0]))

/* The --help text; plot_help() fills in the kinds and the options. */
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
	"      --force            replace an existing -o or --data file even\n"
	"                         if it is not a figure or data (never a\n"
	"                         symlink, FIFO, device or directory)\n"
	"      --study FILE       render every item of FILE's figures: block\n"
	"                         into DIR/OUTPUT.pdf and DIR/OUTPUT.png\n"
	"%s"
	"  -q, --quiet            with --study, do not list the files written\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 ok, 2 bad input, no data, or gnuplot missing or\n"
	"failing.\n";

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
		errmsg(head, sizeof(head), "--%s%s%s", fd->name,
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

const struct plot_field *plot_field_at(size_t i)
{
	return i < PLOT_NFIELDS ? &plot_fields[i] : NULL;
}

void plot_set_field(struct plot_opts *o, const struct plot_field *fd,
		    const char *value)
{
	char *p = (char *)o + fd->off;

	if (fd->flag)
		*(bool *)p = true;
	else
		*(const char **)p = value;
}

const struct plot_kind *plot_kind_find(const char *name)
{
	for (size_t i = 0; i < PLOT_NKINDS; i++)
		if (strcmp(plot_kinds[i].name, name) == 0)
			return &plot_kinds[i];
	return NULL;
}

void plot_kind_list(char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < PLOT_NKINDS && len < n; i++)
		len += (size_t)errmsg(buf + len, n - len, "%s%s", i ? ", " : "",
				      plot_kinds[i].name);
}

/* Finds analysis file NAME: in $USNSIM_ANALYSIS, ./analysis, then
 * ../analysis next to the executable. Returns 0 with the path in buf, or
 * -ENOENT with a message in err. */
static int plot_find(const char *name, char *buf, size_t n, char *err,
		     size_t errlen)
{
	if (analysis_find(name, buf, n) == 0)
		return 0;
	errmsg(err, errlen,
	       "cannot find analysis/%s (looked in $USNSIM_ANALYSIS, "
	       "./analysis and ../analysis next to the executable)",
	       name);
	return -ENOENT;
}

/* ---- one figure ------------------------------------------------------- */

/* Frees what the steps kept and removes plot_render()'s temporary
 * directory with the files it writes there. */
static void plot_ctx_free(struct plot_ctx *c)
{
	char path[PLOT_PATH + 32];
	static const char *const files[] = { "data.tsv", "figure.pdf",
					     "figure.png", "figure.svg" };

	for (size_t i = 0; i < c->nrows; i++) {
		free(c->rows[i].grp);
		free(c->rows[i].series);
		free(c->rows[i].xval);
		free(c->rows[i].ord);
	}
	for (size_t i = 0; i < c->nlines; i++) {
		free(c->lines[i].label);
		free(c->lines[i].key);
	}
	for (size_t i = 0; i < c->nfacets; i++)
		free(c->facets[i]);
	free(c->facets);
	free(c->rows);
	free(c->lines);
	free(c->series);
	if (c->tmpdir[0]) {
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			errmsg(path, sizeof(path), "%s/%s", c->tmpdir,
			       files[i]);
			unlink(path);
		}
		rmdir(c->tmpdir);
	}
	sqlite3_close(c->db);
}

/* The functions a theory: expression may call, and its variable x. */
static const char *const plot_theory_names[] = {
	"x",	 "pi",	   "exp",    "log",  "log10",	"sqrt",	 "abs",
	"sgn",	 "sin",	   "cos",    "tan",  "asin",	"acos",	 "atan",
	"atan2", "sinh",   "cosh",   "tanh", "erf",	"erfc",	 "inverf",
	"gamma", "lgamma", "igamma", "norm", "invnorm", "floor", "ceil",
	"int",	 "real",   "min",    "max",  "e",	"E",
};

int plot_check_theory(const char *expr, char *err, size_t errlen)
{
	for (const char *p = expr; *p;) {
		size_t n = 0;
		bool known = false;

		if (isalpha((unsigned char)*p) || *p == '_') {
			while (isalnum((unsigned char)p[n]) || p[n] == '_')
				n++;
			for (size_t i = 0;
			     i < sizeof(plot_theory_names) /
					 sizeof(plot_theory_names[0]);
			     i++)
				known |= strlen(plot_theory_names[i]) == n &&
					 !strncmp(plot_theory_names[i], p, n);
			if (!known) {
				errmsg(err, errlen,
				       "theory '%s': '%.*s' is not x, pi or a "
				       "function of gnuplot's math library",
				       expr, (int)n, p);
				return -EINVAL;
			}
			p += n;
			continue;
		}
		if (!strchr("0123456789. +-*/%()^,<>=!?:&|", *p)) {
			errmsg(err, errlen,
			       "theory '%s': '%c' has no place in an "
			       "expression in x",
			       expr, *p);
			return -EINVAL;
		}
		p++;
	}
	return 0;
}

/* -ENODATA with a message if --where (or the study) selects no run, before
 * any option is checked against runs that are not there. */
static int plot_some_runs(struct plot_ctx *c, char *err, size_t errlen)
{
	char *one = NULL;
	int rc = plot_sql_text(c->db, "SELECT 1 FROM selected_runs LIMIT 1",
			       NULL, NULL, &one, err, errlen);

	if (rc)
		return rc;
	if (one) {
		free(one);
		return 0;
	}
	if (c->o->where && *c->o->where)
		errmsg(err, errlen, "--where '%s': no run of %s is selected",
		       c->o->where, c->o->db);
	else
		errmsg(err, errlen, "%s: no runs to plot", c->o->db);
	return -ENODATA;
}

/* Draws one figure: its files, then each step in turn. Returns 0, or a
 * negative errno with a one-line message in err. */
int plot_figure(const struct plot_opts *o, char *err, size_t errlen)
{
	enum plot_format fmt;
	struct plot_ctx c;
	char name[64];
	int rc;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.k = plot_kind_find(o->kind);
	if (!c.k) {
		char list[128];

		plot_kind_list(list, sizeof(list));
		errmsg(err, errlen, "unknown plot kind '%s'; expected %s",
		       o->kind, list);
		return -EINVAL;
	}
	if (!o->out && !o->data) {
		errmsg(err, errlen, "missing -o FIG.{pdf,png,svg}");
		return -EINVAL;
	}
	if (o->out && plot_format_of(o->out, &fmt)) {
		errmsg(err, errlen,
		       "-o %s: expected a file name ending in .pdf, .png "
		       "or .svg",
		       o->out);
		return -EINVAL;
	}
	/* the template evaluates the theory as gnuplot code */
	if (o->theory && (rc = plot_check_theory(o->theory, err, errlen)))
		return rc;
	/* Nothing is drawn over a database, a device or another kind of
	 * file (outfile.h). */
	if (o->out &&
	    (rc = outfile_check(o->out, OUTFILE_FIGURE, o->force, err, errlen)))
		return rc;
	if (o->data &&
	    (rc = outfile_check(o->data, OUTFILE_TEXT, o->force, err, errlen)))
		return rc;
	errmsg(name, sizeof(name), "%s.sql", c.k->name);
	if ((rc = plot_find(name, c.sqlpath, sizeof(c.sqlpath), err, errlen)))
		return rc;
	errmsg(name, sizeof(name), "%s.gp", c.k->name);
	if (o->out &&
	    (rc = plot_find(name, c.gppath, sizeof(c.gppath), err, errlen)))
		return rc;
	rc = analysis_open_runs(o->db, o->filter, o->where, &c.db, err, errlen);
	if (rc == 0)
		rc = plot_some_runs(&c, err, errlen);
	if (rc == 0)
		rc = plot_resolve(&c, err, errlen);
	if (rc == 0 && o->facet)
		rc = plot_facet_setup(&c, err, errlen);
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

/* ---- main ------------------------------------------------------------- */

int plot_main(int argc, char **argv)
{
	enum { OPT_DATA = 256, OPT_STUDY, OPT_FORCE, OPT_FIELD };
	struct option longopts[PLOT_NFIELDS + 9];
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
	longopts[n++] =
		(struct option){ "force", no_argument, NULL, OPT_FORCE };
	longopts[n++] = (struct option){ "quiet", no_argument, NULL, 'q' };
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };

	optind = 1;
	opterr = 0; /* one line, from analysis_bad_option() */
	while ((c = getopt_long(argc, argv, ":d:o:qh", longopts, NULL)) != -1) {
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
		case OPT_FORCE:
			o.force = true;
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
			return analysis_bad_option("plot", c, argv);
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
		return analysis_usage_error(
			"plot", "%s",
			optind >= argc
				? "missing KIND (cdf, percentile, "
				  "scalar, paired, xy, breakdown, memory, rate, "
				  "drops, cpu)"
				: "expected one KIND");
	}
	o.kind = argv[optind];
	if (plot_figure(&o, err, sizeof(err))) {
		fprintf(stderr, "usnsim: plot: %s\n", err);
		return PLOT_EXIT_INPUT;
	}
	return 0;
}
