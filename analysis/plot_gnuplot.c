/*
 * plot_gnuplot.c - `usnsim plot`: drawing a figure with gnuplot.
 *
 * The arranged data is written, scaled to the axis units, as a
 * tab-separated data file in a temporary directory (and to --data), and
 * gnuplot renders the kind's template (analysis/KIND.gp) into that
 * directory, the template's variables set with -e on its command line.
 * The figure is then moved into place, so a failed plot never leaves a
 * partial file. The output format follows the extension of -o: .pdf
 * (pdfcairo, 3.5 x 2.4 in, Helvetica 9 pt: one column of a two-column
 * paper), .png (pngcairo, 1050 x 720 px: the same figure at 300 dpi) or
 * .svg (336 x 230 px at 96 px/in, the same size).
 *
 * Determinism: every query orders its rows and ties are broken by the
 * rows' order, the data file has a fixed number format, and the only
 * varying bytes gnuplot writes, the PDF's /CreationDate, are replaced by
 * SOURCE_DATE_EPOCH when set, else by the start of the newest selected
 * run. The same database and options give byte-identical files.
 */
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "errmsg.h"
#include "plot_int.h"
#include "strbuf.h"

extern char **environ;

/* ---- writing a file --------------------------------------------------- */

/* Writes len bytes to path through a temporary file in the same
 * directory, renamed into place. Returns 0 or -errno. */
static int plot_write_file(const char *path, const char *data, size_t len,
			   char *err, size_t errlen)
{
	char tmp[PLOT_PATH];
	mode_t mask = umask(0);
	int fd, rc = 0;

	umask(mask);
	errmsg(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		errmsg(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fchmod(fd, 0666 & ~mask) || write(fd, data, len) != (ssize_t)len ||
	    close(fd)) {
		rc = errno ? -errno : -EIO;
		errmsg(err, errlen, "%s: %s", path, strerror(-rc));
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, path)) {
		rc = -errno;
		errmsg(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
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
	if (c->has_xci)
		strbuf_add(b, "\txci%s",
			   plot_unit_suffix(&c->xa, suffix, sizeof(suffix)));
	if (c->has_n)
		strbuf_add(b, "\tn");
	if (c->has_ord)
		strbuf_add(b, "\t%s",
			   c->order && c->order[0] ? c->order : "order");
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
		if (c->has_xci) {
			strbuf_add(b, "\t");
			plot_num(b, plot_scale(&c->xa, r->xci));
		}
		if (c->has_n)
			strbuf_add(b, "\t%lld", r->n);
		if (c->has_ord) {
			char v[PLOT_LABEL];

			plot_pretty_value(r->ord ? r->ord : "", v, sizeof(v));
			strbuf_add(b, "\t");
			plot_field(b, v);
		}
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
					v += c->rows[j].y[0];
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
	if (c->xmetric)
		strbuf_add(&b, " --xmetric %s", c->xmetric);
	if (c->xstat)
		strbuf_add(&b, " --xstat %s", c->xstat);
	if (c->metric)
		strbuf_add(&b, " --metric %s", c->metric);
	if (c->stat)
		strbuf_add(&b, " --stat %s", c->stat);
	if (c->x)
		strbuf_add(&b, " --x %s", c->x);
	if (c->group[0])
		strbuf_add(&b, " --group %s", c->group);
	if (c->order)
		strbuf_add(&b, " --order %s", c->order);
	strbuf_add(&b, "\n");
	if (c->k->layout == PLOT_BARS)
		plot_data_bars(c, &b);
	else
		plot_data_lines(c, &b);
	if (b.oom) {
		free(b.p);
		errmsg(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = plot_write_file(path, b.p, b.len, err, errlen);
	free(b.p);
	return rc;
}

/* ---- gnuplot ---------------------------------------------------------- */

int plot_format_of(const char *path, enum plot_format *f)
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

#define PLOT_FACET_CHARS 40 /* panel titles across the grid, at most */

/* The panels of lines: nfacets, facettitles[f] (and facethead, the
 * parameter's name when the titles hold only values), the lines ffirst[f] ..
 * flast[f] of panel f, linestyle[i] of line i, and the nstyles entries
 * of a key common to the panels, styletitles[s]. Without --facet, one
 * panel of every line, each its own style. */
static void plot_script_facets(struct plot_ctx *c, struct strbuf *b)
{
	size_t nf = c->nfacets ? c->nfacets : 1, ns = c->nstyles;
	char name[PLOT_LABEL / 2] = "";

	if (c->o->facet)
		plot_param_name(c->o->facet, name, sizeof(name));
	size_t ncol = nf <= 3 ? nf : (size_t)ceil(sqrt((double)nf)),
	       longest = 0;
	bool head;

	/* "name = value" above each panel if it fits the panel's width (about
	 * 40 characters for the grid), else the value alone and the name
	 * once above the grid */
	for (size_t f = 0; f < c->nfacets; f++) {
		char v[PLOT_LABEL / 2];

		plot_pretty_value(c->facets[f], v, sizeof(v));
		longest = strlen(v) > longest ? strlen(v) : longest;
	}
	head = c->nfacets &&
	       (strlen(name) + 3 + longest) * ncol > PLOT_FACET_CHARS;
	strbuf_add(b, "; facethead = ");
	plot_buf_quote(b, head ? name : "");
	strbuf_add(b, "; nfacets = %zu; array facettitles[%zu]", nf, nf);
	strbuf_add(b, "; array ffirst[%zu]; array flast[%zu]", nf, nf);
	for (size_t f = 0; f < nf; f++) {
		size_t first = 0, last = 0;
		char t[PLOT_LABEL];

		for (size_t i = 0; i < c->nlines; i++)
			if (c->lines[i].facet == f) {
				first = first ? first : i + 1;
				last = i + 1;
			}
		if (c->nfacets) {
			char v[PLOT_LABEL / 2];

			plot_pretty_value(c->facets[f], v, sizeof(v));
			errmsg(t, sizeof(t), "%s%s%s", head ? "" : name,
			       head ? "" : " = ", v);
		} else {
			t[0] = '\0';
		}
		strbuf_add(b, "; facettitles[%zu] = ", f + 1);
		plot_buf_quote(b, t);
		strbuf_add(b, "; ffirst[%zu] = %zu; flast[%zu] = %zu", f + 1,
			   first, f + 1, last);
	}
	strbuf_add(b, "; array linestyle[%zu]", c->nlines ? c->nlines : 1);
	for (size_t i = 0; i < c->nlines; i++)
		strbuf_add(b, "; linestyle[%zu] = %zu", i + 1,
			   c->lines[i].style + 1);
	strbuf_add(b, "; nstyles = %zu; array styletitles[%zu]", ns,
		   ns ? ns : 1);
	for (size_t s = 0; s < ns; s++)
		for (size_t i = 0; i < c->nlines; i++)
			if (c->lines[i].style == s) {
				strbuf_add(b, "; styletitles[%zu] = ", s + 1);
				plot_buf_quote(b, c->lines[i].key);
				break;
			}
}

/* A stacked series for the key: "driver_tx" -> "driver tx". */
static void plot_series_name(const char *series, char *buf, size_t n)
{
	errmsg(buf, n, "%s", series);
	for (char *p = buf; *p; p++)
		if (*p == '_')
			*p = ' ';
}

/* An axis label: the default def, or the user's, which keeps the axis
 * unit unless it names one itself (holds a '('). */
static const char *plot_user_label(const char *user, const struct plot_axis *a,
				   bool numeric, char *buf, size_t n,
				   const char *def)
{
	char suffix[64];

	if (!user)
		return def;
	if (!numeric || strchr(user, '('))
		return user;
	errmsg(buf, n, "%s%s", user,
	       plot_unit_suffix(a, suffix, sizeof(suffix)));
	return buf;
}

#define PLOT_KEY_COLS 24 /* a key title's lines, at most (characters) */

/* Appends s as a gnuplot string expression broken into lines of at most
 * cols characters at spaces ('a b' . "\n" . 'c d'), so that a long key
 * title does not widen the key beyond its entries. */
static void plot_quote_wrapped(struct strbuf *b, const char *s, size_t cols)
{
	char line[PLOT_LABEL];
	size_t n = s ? strlen(s) : 0;

	if (n <= cols) {
		plot_buf_quote(b, s);
		return;
	}
	while (n > 0) {
		size_t take = n;

		if (take > cols) {
			take = cols;
			while (take > 0 && s[take] != ' ')
				take--;
			if (!take) /* one long word: cut at the next space */
				take = strcspn(s, " ");
		}
		errmsg(line, sizeof(line), "%.*s", (int)take, s);
		plot_buf_quote(b, line);
		s += take;
		n -= take;
		while (*s == ' ') {
			s++;
			n--;
		}
		if (n)
			strbuf_add(b, " . \"\\n\" . ");
	}
}

/* The -e settings: terminal, output, and the template's variables. */
static void plot_script(struct plot_ctx *c, struct strbuf *b,
			enum plot_format fmt, const char *data, const char *out)
{
	const struct plot_opts *o = c->o;
	bool bars = c->k->layout == PLOT_BARS;
	size_t n = bars ? c->nseries : c->nlines;
	char xl[PLOT_LABEL], yl[PLOT_LABEL];

	strbuf_add(b, "set encoding utf8; set terminal %s; set output ",
		   plot_terminals[fmt]);
	plot_buf_quote(b, out);
	strbuf_add(b, "; datafile = ");
	plot_buf_quote(b, data);
	strbuf_add(b, "; nlines = %zu; nbars = %zu; array titles[%zu]", n,
		   bars ? c->nlines : 0, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		char name[PLOT_LABEL];

		strbuf_add(b, "; titles[%zu] = ", i + 1);
		if (bars)
			plot_series_name(c->series[i], name, sizeof(name));
		plot_buf_quote(b, bars ? name : c->lines[i].key);
	}
	if (!bars)
		plot_script_facets(c, b);
	strbuf_add(b, "; xlabel = ");
	plot_buf_quote(b, plot_user_label(o->xlabel, &c->xa, c->has_x, xl,
					  sizeof(xl), c->xlabel));
	strbuf_add(b, "; ylabel = ");
	plot_buf_quote(b, plot_user_label(o->ylabel, &c->ya, true, yl,
					  sizeof(yl), c->ylabel));
	strbuf_add(b, "; plottitle = ");
	plot_buf_quote(b, o->title);
	strbuf_add(b, "; keytitle = ");
	plot_quote_wrapped(b, o->key_title ? o->key_title : c->keytitle,
			   PLOT_KEY_COLS);
	strbuf_add(b, "; theory = ");
	plot_buf_quote(b, o->theory);
	strbuf_add(b, "; theory_title = ");
	plot_buf_quote(b, o->theory_title ? o->theory_title : "theory");
	strbuf_add(b, "; logx = %d; logy = %d", o->logx, o->logy);
	strbuf_add(b,
		   "; hasymin = %d; ymin = %.12g; hasymax = %d; ymax = %.12g",
		   isfinite(c->ymin), isfinite(c->ymin) ? c->ymin : 0.0,
		   isfinite(c->ymax), isfinite(c->ymax) ? c->ymax : 0.0);
	strbuf_add(b, "; pointlabels = %d", o->point_labels);
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
	errmsg(epoch, sizeof(epoch), "SOURCE_DATE_EPOCH=%lld", c->epoch);
	env = plot_env(epoch);
	if (b.oom || !env) {
		free(b.p);
		free(env);
		errmsg(err, errlen, "out of memory");
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
		errmsg(err, errlen,
		       "gnuplot is not installed; run `make deps` (or "
		       "install gnuplot-nox)");
		return -ENOENT;
	}
	if (rc) {
		errmsg(err, errlen, "cannot run gnuplot: %s", strerror(rc));
		return -rc;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			errmsg(err, errlen, "gnuplot: %s", strerror(errno));
			return -errno;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    access(out, R_OK)) {
		errmsg(err, errlen,
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
	errmsg(c->date, sizeof(c->date), "%04d%02d%02d%02d%02d%02d",
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
		errmsg(err, errlen, "gnuplot wrote no figure");
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

/* ---- rendering -------------------------------------------------------- */

/* Writes the data file into a new temporary directory (and to --data);
 * with -o, gnuplot then draws the figure there and plot_install() moves
 * it into place. plot_ctx_free() removes the directory. */
int plot_render(struct plot_ctx *c, char *err, size_t errlen)
{
	static const char *const ext[] = { "pdf", "png", "svg" };
	const struct plot_opts *o = c->o;
	const char *tmpenv = getenv("TMPDIR");
	char data[PLOT_PATH + 32], fig[PLOT_PATH + 32], name[64];
	enum plot_format fmt = FMT_PDF;
	int rc;

	if (o->out)
		plot_format_of(o->out, &fmt); /* checked by plot_figure() */
	errmsg(c->tmpdir, sizeof(c->tmpdir), "%s/usnsim-plot-XXXXXX",
	       tmpenv && *tmpenv ? tmpenv : "/tmp");
	if (!mkdtemp(c->tmpdir)) {
		errmsg(err, errlen, "%s: %s", c->tmpdir, strerror(errno));
		c->tmpdir[0] = '\0';
		return -EIO;
	}
	errmsg(data, sizeof(data), "%s/data.tsv", c->tmpdir);
	errmsg(name, sizeof(name), "figure.%s", ext[fmt]);
	errmsg(fig, sizeof(fig), "%s/%s", c->tmpdir, name);
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
