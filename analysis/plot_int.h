/*
 * plot_int.h - what the parts of `usnsim plot` share (internal to
 * analysis/plot*.c).
 *
 * A figure is one struct plot_ctx, filled in by one file after another:
 * plot.c reads the options (struct plot_opts), finds the kind (struct
 * plot_kind) and its two files, and calls the others in turn; plot_query.c
 * opens the database, checks the options against it and keeps the query's
 * rows; plot_data.c gathers the rows into lines and chooses the axes; and
 * plot_gnuplot.c writes the data file and has gnuplot draw the figure.
 * plot_study.c fills one struct plot_opts per item of a figures: block.
 *
 * Unless said otherwise, a function returns 0 or a negative errno with a
 * one-line message in err (errlen bytes).
 */
#ifndef USNSIM_PLOT_INT_H
#define USNSIM_PLOT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#include "units.h"

#define PLOT_EXIT_INPUT 2 /* exit status: bad input, no data, no gnuplot */
#define PLOT_ERR 1024	  /* a message */
#define PLOT_PATH 4096	  /* a path */
#define PLOT_MAXY 4	  /* value columns of a query */
#define PLOT_LABEL 512	  /* a label or a key entry */

/* The options of one figure, from the command line or a figures: item. */
struct plot_opts {
	const char *kind, *db, *out, *data;
	const char *metric, *stat, *x, *group, *component, *where;
	const char *theory, *theory_title, *label, *key_title, *title;
	const char *xlabel, *ylabel;
	const char *xunit, *yunit;
	const char *facet; /* one panel per value of this parameter */
	const char *paired, *baseline; /* paired: the parameter, its value a */
	const char *xmetric, *xstat;   /* xy: the metric of the x axis */
	const char *order;	       /* xy: the parameter along a line */
	const char *key_names;	       /* "VALUE=NAME;...": key entries */
	const char *ymin, *ymax;       /* the y range, in the plotted unit */
	bool point_labels;	       /* xy: each point labelled by --order */
	bool logx, logy;
	const char *filter; /* --study: SQL selecting the study's runs */
	bool force;	    /* replace an -o or --data file of another kind */
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
	bool facets;	  /* --facet allowed: the template draws panels */
};

struct plot_unit; /* an axis unit (plot_data.c) */

/* An axis: the kind of quantity, the database unit name if it is not one
 * of ours (e.g. "packets"), and the unit chosen for plotting. */
struct plot_axis {
	enum unit_kind kind;
	char dbunit[32];
	const struct plot_unit *u; /* NULL: plain numbers */
	bool set;
};

/* A row of the query, in database units. */
struct plot_row {
	char *grp, *series, *xval;
	char *ord; /* xy: the --order value */
	double x, xci;
	double y[PLOT_MAXY];
	long long n, npoints;
	size_t line, idx; /* its line (or bar); its place in the query */
	size_t facet;	  /* its panel (0 without --facet) */
};

/* A line of one panel; style: its colour and point type, the same for
 * one (series, grp) in every panel. */
struct plot_line {
	const char *series, *grp;
	char *label; /* in the data file */
	char *key;   /* in the key: values read "10 kpps" */
	size_t facet, style;
};

/* What a column of the query is, by its name; any other name is a y
 * value. */
enum plot_role {
	ROLE_GRP,
	ROLE_SERIES,
	ROLE_X,
	ROLE_XVAL,
	ROLE_XUNIT,
	ROLE_YUNIT,
	ROLE_N,
	ROLE_NPOINTS,
	ROLE_XCI, /* xy: the x value's half-width, in x units */
	ROLE_ORD, /* xy: the value of --order */
	ROLE_Y,
};

struct plot_ctx {
	const struct plot_opts *o;
	const struct plot_kind *k;
	sqlite3 *db;
	const char *metric, *stat, *x, *group, *component;
	const char *xmetric, *xstat, *order; /* xy */
	char xdefault[256];
	char sqlpath[PLOT_PATH], gppath[PLOT_PATH];

	/* the query's columns */
	int ncols;
	enum plot_role role[32];
	int yidx[32];
	int ny;
	char yname[PLOT_MAXY][64];
	bool has_series, has_x, has_n, has_xci, has_ord;

	struct plot_row *rows;
	size_t nrows, cap;
	struct plot_line *lines; /* lines, or for bars the bars (rows) */
	size_t nlines;
	const char **series; /* for bars: the stacked series, in the order
				the query first returns them */
	size_t nseries;

	/* --facet: the values of the parameter, in order, one per panel */
	char **facets;
	size_t nfacets;
	size_t nstyles; /* distinct (series, grp) among the lines */

	struct plot_axis xa, ya;
	double ymin, ymax; /* --ymin, --ymax in the plotted unit, or NaN */
	char xlabel[PLOT_LABEL], ylabel[PLOT_LABEL], keytitle[PLOT_LABEL];
	char date[16];	 /* YYYYMMDDhhmmss for the PDF */
	long long epoch; /* the same, in seconds since 1970 */
	char tmpdir[PLOT_PATH];
};

/* plot.c: the command */

/* The i-th option; NULL past the last. (Text that may be cut to fit,
 * messages, labels and paths checked on the way in, is written with
 * errmsg() from sim/engine/errmsg.h.) */
const struct plot_field *plot_field_at(size_t i);
/* Sets option fd of o to value (a flag: to true). */
void plot_set_field(struct plot_opts *o, const struct plot_field *fd,
		    const char *value);
/* The kind called name, or NULL. */
const struct plot_kind *plot_kind_find(const char *name);
/* The names of the kinds, "cdf, percentile, ...", cut to fit n bytes. */
void plot_kind_list(char *buf, size_t n);
/* Draws one figure (or only its --data). */
int plot_figure(const struct plot_opts *o, char *err, size_t errlen);

/* plot_query.c: the database and the query */

/* Runs sql with text parameters ?1, ?2 (either may be NULL); *out is the
 * first column of the first row as a new string, NULL if no row. Returns
 * 0 or -EIO. */
int plot_sql_text(sqlite3 *db, const char *sql, const char *a, const char *b,
		  char **out, char *err, size_t errlen);
/* Resolves the kind's defaults and checks the options against the
 * selected runs. */
int plot_resolve(struct plot_ctx *c, char *err, size_t errlen);
/* --facet: checks the parameter, lists its values into c->facets and
 * makes selected_runs the runs of one panel at a time (plot_query). */
int plot_facet_setup(struct plot_ctx *c, char *err, size_t errlen);
/* Runs c->sqlpath (once per panel) and keeps its rows in c->rows. */
int plot_query(struct plot_ctx *c, char *err, size_t errlen);

/* plot_data.c: lines and axes */

/* The axis of a unit as the database stores it ("ps", "B", "packets"). */
void plot_axis_from_db(struct plot_axis *a, const char *unit);
/* v, in database units, in the unit of axis a. */
double plot_scale(const struct plot_axis *a, double v);
/* " (µs)", " (packets)" or "": the unit of a for a label, in buf. */
const char *plot_unit_suffix(const struct plot_axis *a, char *buf, size_t n);
/* Compares two parameter values: by number when both are numbers of the
 * same kind, else as text. */
int plot_cmp_value(const char *a, const char *b);
/* The short name of a parameter path (or "P1,P2") for a key or a panel
 * title, e.g. "driver placement", in buf. */
void plot_param_name(const char *path, char *buf, size_t n);
/* A parameter value for a label: "10kpps" -> "10 kpps", "1us" -> "1 µs". */
void plot_pretty_value(const char *v, char *buf, size_t n);
/* Checks the rows, gathers them into labelled lines (or bars) and sorts
 * both; -ENODATA if there are no rows. */
int plot_arrange(struct plot_ctx *c, char *err, size_t errlen);
/* Chooses the axis units and the default labels. */
int plot_axes(struct plot_ctx *c, char *err, size_t errlen);

/* plot_gnuplot.c: the figure */

/* Writes --data and, with -o, the figure. */
int plot_render(struct plot_ctx *c, char *err, size_t errlen);

/* plot.c: 0 if expr is an expression in x of numbers, operators and
 * gnuplot's math functions only (the templates eval it: nothing else,
 * such as system(), may reach gnuplot); -EINVAL with err set. */
int plot_check_theory(const char *expr, char *err, size_t errlen);

/* plot_gnuplot.c: the format of a figure file by its extension (.pdf,
 * .png, .svg): 0, or -EINVAL for another name. */
enum plot_format { FMT_PDF, FMT_PNG, FMT_SVG };
int plot_format_of(const char *path, enum plot_format *f);

/* plot_study.c: a study's figures */

/* Renders the figures: block of study file into dir, the options of base
 * under those of each item; prints what it writes unless quiet. Returns
 * the exit status, 0 or PLOT_EXIT_INPUT, its messages printed. */
int plot_study(const struct plot_opts *base, const char *file, const char *dir,
	       bool quiet);

#endif
