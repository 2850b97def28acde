/*
 * plot_query.c - `usnsim plot`: a figure's database and its query.
 *
 * The database is opened read only (with a busy timeout: a sweep may be
 * writing it), with the temporary view selected_runs of the runs that pass
 * the study's filter and --where. The options are checked against those
 * runs before anything is drawn -- the metric is in the kind's table, the
 * --x and --group parameters exist, --stat is a statistic -- so that a
 * mistake is named in one line together with what is there instead. Then
 * the kind's query (analysis/KIND.sql) runs with its named parameters
 * bound; its columns are given their roles by name, and every row is kept
 * as a struct plot_row for plot_data.c.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analysis.h"
#include "errmsg.h"
#include "plot_int.h"
#include "strbuf.h"

/* ---- the database and the options ------------------------------------- */

static int plot_sql_err(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	errmsg(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -EIO;
}

/* Runs sql with text parameters ?1, ?2; returns the first column of the
 * first row as a new string (NULL if no row) in *out. Returns 0 or -EIO. */
int plot_sql_text(sqlite3 *db, const char *sql, const char *a, const char *b,
		  char **out, char *err, size_t errlen)
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
	errmsg(err, errlen,
	       "%s %s: no such parameter in the selected runs%s%s%s", opt, path,
	       keys ? " (swept: " : "", keys ? keys : "", keys ? ")" : "");
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
			errmsg(err, errlen, "--group %s: at most %d parameters",
			       c->group, PLOT_MAX_GROUP);
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
		errmsg(err, errlen, "--group %s: %s", c->group,
		       rc == -ENOMEM ? "out of memory" : sqlite3_errmsg(c->db));
	free(sql.p);
	return rc;
}

/* Whether table holds metric spec (METRIC or COMPONENT.METRIC, or a
 * pattern with '*' over COMPONENT.METRIC) in the selected runs: 1, 0, or
 * a negative errno with a message in err. */
static int plot_has_metric(struct plot_ctx *c, const char *table,
			   const char *spec, char *err, size_t errlen)
{
	struct strbuf sql = { 0 };
	char *v = NULL;
	int rc;

	strbuf_add(&sql,
		   "SELECT t.metric FROM %s AS t JOIN selected_runs AS r"
		   " ON r.id = t.run_id WHERE ?1 IN (t.metric, t.component"
		   " || '.' || t.metric) OR (instr(?1, '*') > 0 AND"
		   " t.component || '.' || t.metric GLOB ?1) LIMIT 1",
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
		errmsg(err, errlen,
		       "--metric %s: a %s metric, not in the %s of the "
		       "selected runs; draw it with `usnsim plot %s`",
		       m, scalar ? "histogram" : "scalar", c->k->metric_table,
		       scalar ? "percentile" : "scalar");
		return -EINVAL;
	}
	if (rc < 0 || !scalar)
		return rc;
	errmsg(gauge, sizeof(gauge), "%s.mean", m);
	rc = plot_has_metric(c, "scalars", gauge, err, errlen);
	if (rc > 0) {
		errmsg(err, errlen,
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
		errmsg(err, errlen,
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
	errmsg(err, errlen,
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
	bool xy = !strcmp(k->name, "xy");
	bool yrange = xy || !strcmp(k->name, "percentile") ||
		      !strcmp(k->name, "scalar");
	const struct {
		const char *name;
		bool given, used;
	} opts[] = {
		{ "metric", o->metric, k->metric_table },
		{ "stat", o->stat, k->def_stat || xy },
		{ "xmetric", o->xmetric, xy },
		{ "xstat", o->xstat, xy },
		{ "order", o->order, xy },
		{ "point-labels", o->point_labels, xy },
		{ "key-names", o->key_names, k->layout == PLOT_LINES },
		{ "ymin", o->ymin, yrange },
		{ "ymax", o->ymax, yrange },
		{ "x", o->x, k->uses_x },
		{ "theory", o->theory, k->theory },
		{ "component", o->component, !k->metric_table },
		{ "facet", o->facet, k->facets },
		{ "paired", o->paired, !strcmp(k->name, "paired") },
		{ "baseline", o->baseline, !strcmp(k->name, "paired") },
	};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].given && !opts[i].used) {
			errmsg(err, errlen, "--%s does not apply to %s figures",
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
		errmsg(err, errlen,
		       "name the parameter of the x axis with --x PATH "
		       "(%s%s)",
		       v ? "the runs sweep " : "the runs are not swept",
		       v ? v : "");
		free(v);
		return -EINVAL;
	}
	errmsg(c->xdefault, sizeof(c->xdefault), "%s", v);
	free(v);
	c->x = c->xdefault;
	return 0;
}

/* paired: --paired names a parameter and --baseline one of its values. */
static int plot_check_paired(struct plot_ctx *c, char *err, size_t errlen)
{
	const struct plot_opts *o = c->o;
	char *v = NULL;
	int rc;

	if (!o->paired || !o->baseline) {
		errmsg(err, errlen,
		       "paired figures need --paired PATH and --baseline "
		       "VALUE, e.g. --paired "
		       "hosts.client.driver.placement --baseline kernel");
		return -EINVAL;
	}
	if ((rc = plot_check_param(c, o->paired, "--paired", err, errlen)))
		return rc;
	rc = plot_sql_text(c->db,
			   "SELECT group_concat(value, ', ') FROM (SELECT"
			   " DISTINCT p.value FROM params AS p JOIN"
			   " selected_runs AS r ON r.id = p.run_id WHERE"
			   " p.path = ?1 ORDER BY p.value)",
			   o->paired, NULL, &v, err, errlen);
	if (rc)
		return rc;
	for (const char *p = v; p && *p;) {
		size_t n = strcspn(p, ",");

		if (n == strlen(o->baseline) && !strncmp(p, o->baseline, n)) {
			free(v);
			return 0;
		}
		p += n + (p[n] == ',');
		p += strspn(p, " ");
	}
	errmsg(err, errlen, "--baseline %s: not a value of %s (%s)",
	       o->baseline, o->paired, v ? v : "none");
	free(v);
	return -EINVAL;
}

/* xy: which table holds spec, as plot_has_metric() answers for the
 * scalars and the summaries; its statistic stat (NULL: none given) is
 * checked against it, defaulting to p99 for a histogram metric. *out is
 * the statistic to bind, NULL for a scalar. */
static int plot_xy_metric(struct plot_ctx *c, const char *opt,
			  const char *statopt, const char *spec,
			  const char *stat, const char **out, char *err,
			  size_t errlen)
{
	char gauge[256], *list = NULL;
	int rc;

	if (!spec) {
		errmsg(err, errlen,
		       "an xy figure needs --xmetric and --metric, each a "
		       "histogram metric (with --xstat, --stat) or a scalar, "
		       "e.g. --xmetric hosts.server.cpu.per_packet.kernel "
		       "--metric apps.rx.latency --stat p99");
		return -EINVAL;
	}
	if ((rc = plot_has_metric(c, "scalars", spec, err, errlen)) < 0)
		return rc;
	if (rc > 0) {
		if (stat) {
			errmsg(err, errlen,
			       "--%s %s: %s is a scalar, which has no "
			       "statistic; leave --%s out",
			       statopt, stat, spec, statopt);
			return -EINVAL;
		}
		*out = NULL;
		return 0;
	}
	if ((rc = plot_has_metric(c, "summaries", spec, err, errlen)) < 0)
		return rc;
	if (rc > 0) {
		*out = stat ? stat : "p99";
		return 0;
	}
	errmsg(gauge, sizeof(gauge), "%s.mean", spec);
	if ((rc = plot_has_metric(c, "scalars", gauge, err, errlen)) < 0)
		return rc;
	if (rc > 0) {
		errmsg(err, errlen,
		       "--%s %s: a gauge; name one of its statistics, %s.mean, "
		       "%s.min or %s.max",
		       opt, spec, spec, spec, spec);
		return -EINVAL;
	}
	rc = plot_sql_text(c->db,
			   "SELECT group_concat(m, ', ') FROM (SELECT DISTINCT"
			   " t.component || '.' || t.metric AS m FROM summaries"
			   " AS t JOIN selected_runs AS r ON r.id = t.run_id"
			   " ORDER BY m LIMIT 12)",
			   NULL, NULL, &list, err, errlen);
	if (rc)
		return rc;
	errmsg(err, errlen,
	       "--%s %s: no such metric in the scalars or summaries of the "
	       "selected runs%s%s%s",
	       opt, spec, list ? " (histograms there: " : "", list ? list : "",
	       list ? ")" : "");
	free(list);
	return -EINVAL;
}

/* xy: the two metrics and --order. */
static int plot_resolve_xy(struct plot_ctx *c, char *err, size_t errlen)
{
	const struct plot_opts *o = c->o;
	int rc;

	if ((rc = plot_xy_metric(c, "xmetric", "xstat", o->xmetric, o->xstat,
				 &c->xstat, err, errlen)) ||
	    (rc = plot_xy_metric(c, "metric", "stat", o->metric, o->stat,
				 &c->stat, err, errlen)))
		return rc;
	c->xmetric = o->xmetric;
	c->order = o->order;
	if (o->point_labels && !o->order) {
		errmsg(err, errlen,
		       "--point-labels labels the points with their --order "
		       "value: name the parameter with --order PATH");
		return -EINVAL;
	}
	return o->order ? plot_check_param(c, o->order, "--order", err, errlen)
			: 0;
}

/* Resolves defaults and checks the options against the database. */
int plot_resolve(struct plot_ctx *c, char *err, size_t errlen)
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
	for (int a = 0; a < 2; a++) {
		const char *st = a ? o->xstat : c->stat;

		ok = false;
		for (size_t i = 0; st && i < sizeof(stats) / sizeof(stats[0]);
		     i++)
			ok |= strcmp(st, stats[i]) == 0;
		if (st && !ok) {
			errmsg(err, errlen,
			       "--%s %s: expected mean, p50, p90, p99 or p999",
			       a ? "xstat" : "stat", st);
			return -EINVAL;
		}
	}
	if (!strcmp(k->name, "xy")) {
		if ((rc = plot_resolve_xy(c, err, errlen)))
			return rc;
	} else if (k->metric_table && (rc = plot_check_metric(c, err, errlen)))
		return rc;
	if (c->group[0] && strcmp(c->group, "component") &&
	    strcmp(c->group, "scenario") && strcmp(c->group, "point") &&
	    (rc = plot_group_params(c, err, errlen)))
		return rc;
	if (!strcmp(k->name, "paired") &&
	    (rc = plot_check_paired(c, err, errlen)))
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
		{ ":paired", c->o->paired },
		{ ":baseline", c->o->baseline },
		{ ":xmetric", c->xmetric },
		{ ":xstat", c->xstat },
		{ ":order", c->order },
	};

	for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		size_t j;

		for (j = 0; name && j < sizeof(params) / sizeof(params[0]); j++)
			if (strcmp(name, params[j].name) == 0)
				break;
		if (!name || j == sizeof(params) / sizeof(params[0])) {
			errmsg(err, errlen,
			       "%s: parameter %s is not one usnsim sets "
			       "(:metric, :stat, :x, :group, :component, "
			       ":paired, :baseline, :xmetric, :xstat, "
			       ":order)",
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
		{ "xci", ROLE_XCI },	 { "ord", ROLE_ORD },
	};
	bool grp = false;

	c->ncols = sqlite3_column_count(st);
	if (c->ncols > 32) {
		errmsg(err, errlen, "%s: too many columns", c->sqlpath);
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
		c->has_xci |= c->role[i] == ROLE_XCI;
		c->has_ord |= c->role[i] == ROLE_ORD;
		if (c->role[i] != ROLE_Y)
			continue;
		if (c->ny == PLOT_MAXY) {
			errmsg(err, errlen, "%s: more than %d value columns",
			       c->sqlpath, PLOT_MAXY);
			return -EINVAL;
		}
		c->yidx[i] = c->ny;
		errmsg(c->yname[c->ny++], sizeof(c->yname[0]), "%s", name);
	}
	if (!grp || !c->ny || (c->k->layout == PLOT_BARS && !c->has_series)) {
		errmsg(err, errlen,
		       "%s: the query needs a column grp, %sa value column",
		       c->sqlpath,
		       c->k->layout == PLOT_BARS ? "a column series and " : "");
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
	errmsg(err, errlen,
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
		case ROLE_XCI:
			r->xci = sqlite3_column_type(st, i) == SQLITE_NULL
					 ? NAN
					 : sqlite3_column_double(st, i);
			break;
		case ROLE_ORD:
			if (!(r->ord = plot_strdup_col(st, i)))
				goto oom;
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
	errmsg(err, errlen, "out of memory");
	return -ENOMEM;
}

/* ---- facets ----------------------------------------------------------- */

#define PLOT_MAX_FACETS 16

/* Inserts v into the sorted list of facet values. */
static int plot_add_facet(struct plot_ctx *c, const char *v)
{
	size_t i = c->nfacets;
	char *d = strdup(v);

	if (!d)
		return -ENOMEM;
	while (i > 0 && plot_cmp_value(c->facets[i - 1], v) > 0) {
		c->facets[i] = c->facets[i - 1];
		i--;
	}
	c->facets[i] = d;
	c->nfacets++;
	return 0;
}

/*
 * The runs --where selected are copied into the temporary table
 * facet_runs, and selected_runs becomes the view of those whose --facet
 * parameter has the value in the one-row table facet_value: the queries
 * of analysis/ then run unchanged, once per panel.
 */
int plot_facet_setup(struct plot_ctx *c, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc;

	if ((rc = plot_check_param(c, c->o->facet, "--facet", err, errlen)))
		return rc;
	c->facets = calloc(PLOT_MAX_FACETS, sizeof(*c->facets));
	if (!c->facets) {
		errmsg(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (sqlite3_prepare_v2(c->db,
			       "SELECT DISTINCT p.value FROM params AS p"
			       " JOIN selected_runs AS r ON r.id = p.run_id"
			       " WHERE p.path = ?1 ORDER BY p.value",
			       -1, &st, NULL) != SQLITE_OK)
		return plot_sql_err(c->db, "--facet", err, errlen);
	sqlite3_bind_text(st, 1, c->o->facet, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (c->nfacets == PLOT_MAX_FACETS) {
			sqlite3_finalize(st);
			errmsg(err, errlen,
			       "--facet %s: more than %d values; keep fewer "
			       "with --where",
			       c->o->facet, PLOT_MAX_FACETS);
			return -EINVAL;
		}
		if (plot_add_facet(c,
				   (const char *)sqlite3_column_text(st, 0))) {
			sqlite3_finalize(st);
			errmsg(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return plot_sql_err(c->db, "--facet", err, errlen);
	sql = sqlite3_mprintf(
		"CREATE TEMP TABLE facet_runs AS SELECT * FROM selected_runs;"
		"DROP VIEW temp.selected_runs;"
		"CREATE TEMP TABLE facet_value (value TEXT);"
		"CREATE TEMP VIEW selected_runs AS SELECT r.* FROM"
		" temp.facet_runs AS r JOIN params AS p ON p.run_id = r.id"
		" AND p.path = %Q AND p.value = (SELECT value FROM"
		" temp.facet_value)",
		c->o->facet);
	if (!sql) {
		errmsg(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return plot_sql_err(c->db, "--facet", err, errlen);
	return 0;
}

/* Makes selected_runs the runs of panel f. */
static int plot_facet_select(struct plot_ctx *c, size_t f, char *err,
			     size_t errlen)
{
	char *sql = sqlite3_mprintf("DELETE FROM temp.facet_value;"
				    "INSERT INTO temp.facet_value VALUES (%Q)",
				    c->facets[f]);
	int rc;

	if (!sql) {
		errmsg(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	return rc == SQLITE_OK ? 0
			       : plot_sql_err(c->db, "--facet", err, errlen);
}

static int plot_query_once(struct plot_ctx *c, const char *sql, char *err,
			   size_t errlen)
{
	sqlite3_stmt *st = NULL;
	const char *tail;
	int rc;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, &tail) != SQLITE_OK)
		return plot_sql_err(c->db, c->sqlpath, err, errlen);
	tail += strspn(tail, " \t\r\n;");
	if (!st || *tail) {
		errmsg(err, errlen, "%s: expected exactly one SQL statement",
		       c->sqlpath);
		rc = -EINVAL;
		goto out;
	}
	c->ny = 0; /* plot_columns() counts them again */
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
	return rc;
}

int plot_query(struct plot_ctx *c, char *err, size_t errlen)
{
	size_t f = 0, from;
	char *sql;
	int rc;

	sql = analysis_slurp(c->sqlpath, err, errlen);
	if (!sql)
		return -EIO;
	if (!c->nfacets) {
		rc = plot_query_once(c, sql, err, errlen);
		free(sql);
		return rc;
	}
	for (rc = 0; f < c->nfacets && !rc; f++) {
		from = c->nrows;
		rc = plot_facet_select(c, f, err, errlen);
		if (!rc)
			rc = plot_query_once(c, sql, err, errlen);
		for (size_t i = from; i < c->nrows; i++)
			c->rows[i].facet = f;
	}
	free(sql);
	return rc;
}
