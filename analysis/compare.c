/*
 * compare.c - `usnsim compare`: the metrics that moved between two results
 * databases.
 *
 *   usnsim compare BASE.db NEW.db [--tolerance 2%] [--metric GLOB]...
 *                  [--stat mean,p99,...] [--fingerprints] [-q]
 *                  [--format text|csv|json]
 *
 * Runs are matched by (scenario name, sweep point, repetition); the
 * scenario hash and the usnsim version are ignored, since telling what a
 * change of either did is the point. When a database holds several ok runs
 * with one key (e.g. of two versions), the latest written is used. For
 * every (scenario, point, component, metric) present on both sides, each
 * statistic is averaged over the matched repetitions on each side; it
 * moved if |new - base| > tolerance * |base| and, when there are at least
 * two repetitions, the difference also lies outside the 95% confidence
 * interval of a difference of means (Welch's t), so that noise between
 * repetitions is not reported as a change. Histogram statistics come from
 * `summaries` (a repetition whose histogram is empty on either side is left
 * out, except for `count`), counters, scalars and gauges from `scalars`.
 *
 * Both databases are opened read-only (the new one ATTACHed to the
 * connection of the base), so comparing never changes them (SQLite may
 * leave an empty -wal and a -shm file next to a WAL database it read);
 * matching and ordering are done in SQL, the statistics in one pass over
 * the rows, one (scenario, point, component, metric) group at a time.
 *
 * Each statistic that moved is one row, which names what differs between
 * the two sides' runs of its point: the parameters (the `params` rows of
 * the lowest matched repetition) whose values differ, or else the usnsim
 * versions. Rows are ordered by scenario, then by point in the order of
 * its parameters' values (numbers with units compare as quantities, so
 * 411.2kpps comes before 1.488Mpps), then as read. Text output shows a
 * point as path=value pairs; csv and json give the point's JSON and
 * numbers in the database's canonical units, and send the notes to
 * stderr so that stdout parses.
 *
 * With --exact (or --tolerance 0) nothing is averaged away and no
 * interval excuses a change: a statistic differs if any matched
 * repetition has another value, bit for bit, or has it on one side only;
 * every table of results is read: all nine statistics of every
 * histogram's summary, its buckets (histograms), every time-series
 * point, every counter, scalar and gauge, each run's event count and
 * simulated time, and its fingerprint. The rows list what differs, with
 * the two sides' means over the repetitions and how many of them differ.
 *
 * Exit status: 0 nothing moved, 1 some metric moved (or, with
 * --fingerprints, some matched run has another fingerprint), 2 bad input:
 * a file that is not a usnsim database, no run in common, an option that
 * does not parse, a --metric that matches nothing.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <sqlite3.h>

#include "analysis.h"
#include "db.h"
#include "errmsg.h"
#include "expect.h"
#include "units.h"

#define CMP_EXIT_MOVED 1
#define CMP_EXIT_INPUT 2
#define CMP_MAX_GLOBS 64
#define CMP_NSTATS 9
#define CMP_COUNT 0 /* cmp_stats[]'s count */
#define CMP_CONFIDENCE 0.95
#define CMP_ERR_MAX 1024

static const char cmp_usage[] =
	"usage: usnsim compare BASE.db NEW.db [OPTIONS]\n"
	"\n"
	"Matches the runs of two databases by scenario, sweep point and\n"
	"repetition, and lists the metrics whose mean over the matched\n"
	"repetitions moved by more than the tolerance (and, with two or more\n"
	"repetitions, beyond the 95% confidence interval of the difference).\n"
	"\n"
	"options:\n"
	"  -t, --tolerance T      relative change allowed, e.g. 2% or 0.02\n"
	"                         (default 2%); 0 is --exact\n"
	"  -x, --exact            any difference in any table is a change:\n"
	"                         every statistic of every repetition, bit\n"
	"                         for bit, histogram buckets, time series,\n"
	"                         event counts, fingerprints, and a run\n"
	"                         only one side has; no interval\n"
	"  -m, --metric GLOB      compare only metrics whose name matches GLOB,\n"
	"                         e.g. 'network.*' or '*.latency' (repeatable)\n"
	"      --stat LIST        histogram statistics to compare, from count,\n"
	"                         mean, stddev, min, p50, p90, p99, p999, max,\n"
	"                         or all (default mean,p50,p90,p99)\n"
	"      --fingerprints     a matched run with another fingerprint is a\n"
	"                         failure even when no metric moved\n"
	"  -f, --format FMT       text (default), csv or json: one row per\n"
	"                         statistic that moved, values in the database's\n"
	"                         units (notes go to stderr)\n"
	"  -q, --quiet            print only what moved and the notes\n"
	"  -h, --help             this text\n"
	"\n"
	"Each row names the parameters whose values differ between the two\n"
	"databases' runs of its point (or the usnsim versions, if no parameter\n"
	"does). Points are listed in the order of their parameters' values.\n"
	"\n"
	"Exit status: 0 nothing moved, 1 something moved, 2 bad input.\n";

static const char *const cmp_stats[CMP_NSTATS] = { "count", "mean", "stddev",
						   "min",   "p50",  "p90",
						   "p99",   "p999", "max" };

struct cmp_opts {
	const char *base, *new;
	double tol;
	const char *glob[CMP_MAX_GLOBS];
	bool glob_used[CMP_MAX_GLOBS];
	size_t nglob;
	bool stat[CMP_NSTATS];
	bool stat_set; /* --stat given */
	bool exact;
	bool fingerprints, quiet;
	enum { CMP_TEXT, CMP_CSV, CMP_JSON } format;
};

/* Running mean and sum of squared deviations (Welford). */
struct cmp_acc {
	uint32_t n;
	double mean, m2;
};

/* One (scenario, point, component, metric) being read. */
struct cmp_group {
	char *scenario, *point, *component, *metric, *unit;
	bool summary; /* a histogram's summary; else one scalar */
	struct cmp_acc b[CMP_NSTATS], n[CMP_NSTATS];
	uint32_t ndiff[CMP_NSTATS]; /* --exact: repetitions that differ */
};

/* A statistic that moved. */
struct cmp_moved {
	char *scenario, *point, *name, *unit;
	double base, new, half; /* half: NAN without an interval */
	uint32_t n;
	int absent; /* --exact: -1 missing from base in some run, 1 from new */
	size_t order; /* as read, for a stable sort */
};

/* A parameter whose value differs between the two sides of a point. */
struct cmp_diff {
	char *path, *base, *new; /* base/new NULL: absent on that side */
};

/* What differs at one (scenario, point). */
struct cmp_diffs {
	struct cmp_diff *d;
	size_t n;
	char *bver, *nver; /* usnsim versions, when they differ */
};

struct cmp {
	struct cmp_opts *o;
	sqlite3 *h;
	struct cmp_group g;
	struct cmp_moved *mv;
	size_t nmv, capmv;
	size_t compared;
	size_t nchanged_fp; /* (scenario, point)s with other fingerprints */
	int64_t nunmatched; /* runs of one side the other lacks */
	char err[CMP_ERR_MAX];
};

/*
 * Options.
 */

static int cmp_parse_tol(const char *s, double *tol)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !(v >= 0) || isinf(v))
		return -EINVAL;
	if (*end == '%') {
		v /= 100;
		end++;
	}
	if (*end)
		return -EINVAL;
	*tol = v;
	return 0;
}

static int cmp_parse_stats(const char *s, bool *on)
{
	char buf[256], *tok, *save;
	bool any = false;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	memset(on, 0, CMP_NSTATS * sizeof(*on));
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i = 0;

		if (!strcmp(tok, "all")) {
			for (i = 0; i < CMP_NSTATS; i++)
				on[i] = true;
			any = true;
			continue;
		}
		while (i < CMP_NSTATS && strcmp(tok, cmp_stats[i]))
			i++;
		if (i == CMP_NSTATS)
			return -EINVAL;
		on[i] = any = true;
	}
	return any ? 0 : -EINVAL;
}

static int cmp_usage_error(const char *fmt, const char *arg)
{
	return analysis_usage_error("compare", fmt, arg);
}

/* Returns -1 to go on, or an exit status. */
static int cmp_parse_opts(int argc, char **argv, struct cmp_opts *o)
{
	static const struct option longopts[] = {
		{ "tolerance", required_argument, NULL, 't' },
		{ "exact", no_argument, NULL, 'x' },
		{ "metric", required_argument, NULL, 'm' },
		{ "stat", required_argument, NULL, 'S' },
		{ "fingerprints", no_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->tol = 0.02;
	o->format = CMP_TEXT;
	cmp_parse_stats("mean,p50,p90,p99", o->stat);
	optind = 1;
	opterr = 0; /* one line, from analysis_bad_option() */
	while ((c = getopt_long(argc, argv, ":t:m:f:xqh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 't':
			if (cmp_parse_tol(optarg, &o->tol))
				return cmp_usage_error(
					"--tolerance wants a fraction such as 2%% or 0.02, not '%s'",
					optarg);
			break;
		case 'x':
			o->exact = true;
			break;
		case 'm':
			if (o->nglob == CMP_MAX_GLOBS)
				return cmp_usage_error(
					"too many --metric (at most %s)", "64");
			o->glob[o->nglob++] = optarg;
			break;
		case 'S':
			if (cmp_parse_stats(optarg, o->stat))
				return cmp_usage_error(
					"--stat wants a list of count, mean, stddev, min, p50, p90, p99, p999, max or all, not '%s'",
					optarg);
			o->stat_set = true;
			break;
		case 'F':
			o->fingerprints = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'f':
			if (!strcmp(optarg, "text"))
				o->format = CMP_TEXT;
			else if (!strcmp(optarg, "csv"))
				o->format = CMP_CSV;
			else if (!strcmp(optarg, "json"))
				o->format = CMP_JSON;
			else
				return cmp_usage_error(
					"--format wants text, csv or json, not '%s'",
					optarg);
			break;
		case 'h':
			fputs(cmp_usage, stdout);
			return 0;
		default:
			return analysis_bad_option("compare", c, argv);
		}
	}
	if (argc - optind != 2)
		return cmp_usage_error("%s", "expected BASE.db and NEW.db");
	o->base = argv[optind];
	o->new = argv[optind + 1];
	/* a tolerance of 0 asks for equality: no interval may excuse a
	 * difference either */
	if (o->tol == 0)
		o->exact = true;
	if (o->exact) {
		o->tol = 0;
		o->fingerprints = true;
		if (!o->stat_set)
			cmp_parse_stats("all", o->stat);
	}
	return -1;
}

/*
 * Opening.
 */

static int cmp_fail(struct cmp *c, const char *what, const char *path)
{
	snprintf(c->err, sizeof(c->err), "%s: %s: %s", path, what,
		 sqlite3_errmsg(c->h));
	return -EINVAL;
}

/* Checks that schema (main or n) of c->h is a usnsim database. */
static int cmp_check_schema(struct cmp *c, const char *schema, const char *path)
{
	char sql[256];
	sqlite3_stmt *q;
	int v = -1;

	snprintf(sql, sizeof(sql), "PRAGMA %s.user_version", schema);
	if (sqlite3_prepare_v2(c->h, sql, -1, &q, NULL) != SQLITE_OK)
		return cmp_fail(c, "not a usnsim database", path);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	/* the columns the comparison reads, so that a database of another
	 * shape is named here rather than in a later query */
	snprintf(sql, sizeof(sql),
		 "SELECT r.id, r.scenario, r.point, r.repetition, "
		 "r.fingerprint, r.status, s.run_id, s.component, s.metric, "
		 "c.value FROM %s.runs r, %s.summaries s, %s.scalars c LIMIT 0",
		 schema, schema, schema);
	if (v < DB_SCHEMA_OLDEST || v > DB_SCHEMA_VERSION ||
	    sqlite3_prepare_v2(c->h, sql, -1, &q, NULL) != SQLITE_OK) {
		snprintf(
			c->err, sizeof(c->err),
			"%s: not a usnsim results database of schema version %d to %d",
			path, DB_SCHEMA_OLDEST, DB_SCHEMA_VERSION);
		return -EINVAL;
	}
	sqlite3_finalize(q);
	return 0;
}

static int cmp_open(struct cmp *c)
{
	const struct cmp_opts *o = c->o;
	sqlite3_stmt *q;
	int rc;

	for (int i = 0; i < 2; i++) {
		const char *p = i ? o->new : o->base;

		if (analysis_not_a_file(p, c->err, sizeof(c->err)))
			return -EINVAL;
		if (access(p, R_OK)) {
			snprintf(c->err, sizeof(c->err), "%s: %s", p,
				 strerror(errno));
			return -ENOENT;
		}
	}
	if (analysis_db_open(o->base, &c->h) != SQLITE_OK)
		return cmp_fail(c, "cannot open", o->base);
	sqlite3_busy_timeout(c->h, 10000);
	rc = cmp_check_schema(c, "main", o->base);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(c->h, "ATTACH DATABASE ?1 AS n", -1, &q, NULL) !=
	    SQLITE_OK)
		return cmp_fail(c, "cannot open", o->new);
	sqlite3_bind_text(q, 1, o->new, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return cmp_fail(c, "cannot open", o->new);
	return cmp_check_schema(c, "n", o->new);
}

/*
 * Statistics.
 */

/* The latest ok run of each key on each side, and the matched pairs. */
#define CMP_PAIRS                                                          \
	"WITH b AS (SELECT id, scenario, point, repetition, fingerprint"   \
	" FROM main.runs WHERE id IN (SELECT max(id) FROM main.runs"       \
	" WHERE status = 'ok' GROUP BY scenario, point, repetition)),"     \
	" m AS (SELECT id, scenario, point, repetition, fingerprint"       \
	" FROM n.runs WHERE id IN (SELECT max(id) FROM n.runs"             \
	" WHERE status = 'ok' GROUP BY scenario, point, repetition)),"     \
	" pair AS (SELECT b.scenario, b.point, b.repetition, b.id AS bid," \
	" m.id AS nid, b.fingerprint AS bf, m.fingerprint AS nf FROM b"    \
	" JOIN m ON m.scenario = b.scenario AND m.point = b.point"         \
	" AND m.repetition = b.repetition) "

static const char cmp_sql_summaries[] = CMP_PAIRS
	"SELECT p.scenario, p.point, x.component, x.metric, x.unit,"
	" x.count, x.mean, x.stddev, x.min, x.p50, x.p90, x.p99, x.p999, x.max,"
	" y.count, y.mean, y.stddev, y.min, y.p50, y.p90, y.p99, y.p999, y.max"
	" FROM pair AS p JOIN main.summaries AS x ON x.run_id = p.bid"
	" JOIN n.summaries AS y ON y.run_id = p.nid"
	" AND y.component = x.component AND y.metric = x.metric"
	" ORDER BY p.scenario, p.point, x.component, x.metric, p.repetition";

static const char cmp_sql_scalars[] = CMP_PAIRS
	"SELECT p.scenario, p.point, x.component, x.metric, x.unit,"
	" x.value, y.value"
	" FROM pair AS p JOIN main.scalars AS x ON x.run_id = p.bid"
	" JOIN n.scalars AS y ON y.run_id = p.nid"
	" AND y.component = x.component AND y.metric = x.metric"
	" WHERE x.value IS NOT NULL AND y.value IS NOT NULL"
	" ORDER BY p.scenario, p.point, x.component, x.metric, p.repetition";

/*
 * --exact: every row of each side, matched by its key or alone (its
 * other side's columns NULL), so that a metric on one side only differs.
 */
#define CMP_SUM_COLS(t)                                                    \
	" " t ".count, " t ".mean, " t ".stddev, " t ".min, " t ".p50, " t \
	".p90, " t ".p99, " t ".p999, " t ".max"
#define CMP_NULLS9 " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"

static const char cmp_sql_summaries_exact[] = CMP_PAIRS
	", r (scenario, point, repetition, component, metric, unit,"
	" b0, b1, b2, b3, b4, b5, b6, b7, b8,"
	" n0, n1, n2, n3, n4, n5, n6, n7, n8)"
	" AS (SELECT p.scenario, p.point, p.repetition, x.component,"
	" x.metric, x.unit," CMP_SUM_COLS("x") "," CMP_SUM_COLS(
		"y") " FROM pair AS p JOIN main.summaries AS x ON x.run_id = p.bid"
		     " LEFT JOIN n.summaries AS y ON y.run_id = p.nid"
		     " AND y.component = x.component AND y.metric = x.metric"
		     " UNION ALL SELECT p.scenario, p.point, p.repetition, y.component,"
		     " y.metric, y.unit," CMP_NULLS9 "," CMP_SUM_COLS(
			     "y") " FROM pair AS p JOIN n.summaries AS y ON y.run_id = p.nid"
				  " WHERE NOT EXISTS (SELECT 1 FROM main.summaries AS x"
				  " WHERE x.run_id = p.bid AND x.component = y.component"
				  " AND x.metric = y.metric))"
				  " SELECT scenario, point, component, metric, unit,"
				  " b0, b1, b2, b3, b4, b5, b6, b7, b8,"
				  " n0, n1, n2, n3, n4, n5, n6, n7, n8 FROM r ORDER BY scenario, point, component, metric,"
				  " repetition";

/* Counters, scalars and gauges, and each run's event count and simulated
 * time as the statistics run.events and run.sim_s. */
static const char cmp_sql_scalars_exact[] = CMP_PAIRS
	", r AS (SELECT p.scenario, p.point, p.repetition, x.component,"
	" x.metric, x.unit, x.value AS bv, y.value AS nv"
	" FROM pair AS p JOIN main.scalars AS x ON x.run_id = p.bid"
	" LEFT JOIN n.scalars AS y ON y.run_id = p.nid"
	" AND y.component = x.component AND y.metric = x.metric"
	" UNION ALL SELECT p.scenario, p.point, p.repetition, y.component,"
	" y.metric, y.unit, NULL, y.value"
	" FROM pair AS p JOIN n.scalars AS y ON y.run_id = p.nid"
	" WHERE NOT EXISTS (SELECT 1 FROM main.scalars AS x"
	" WHERE x.run_id = p.bid AND x.component = y.component"
	" AND x.metric = y.metric)"
	" UNION ALL SELECT p.scenario, p.point, p.repetition, 'run', 'events',"
	" 'events', rb.events, rn.events FROM pair AS p"
	" JOIN main.runs AS rb ON rb.id = p.bid JOIN n.runs AS rn ON rn.id = p.nid"
	" UNION ALL SELECT p.scenario, p.point, p.repetition, 'run', 'sim_s',"
	" '', rb.sim_s, rn.sim_s FROM pair AS p"
	" JOIN main.runs AS rb ON rb.id = p.bid JOIN n.runs AS rn ON rn.id = p.nid)"
	" SELECT scenario, point, component, metric, unit, bv, nv FROM r"
	" ORDER BY scenario, point, component, metric, repetition";

/* Rows keyed by (component, metric, KEY) with one value VAL (histogram
 * buckets: lower and the count, with upper; time series: t_ps and the
 * value), per (scenario, point, component, metric, key): how many
 * repetitions differ and each side's mean; a bucket absent on one side
 * holds 0, a time-series point absent has no value. */
#define CMP_KEYED_EXACT(table, key, val, other, absent)                      \
	CMP_PAIRS                                                            \
	", r AS (SELECT p.scenario, p.point, x.component, x.metric, x.unit," \
	" x." key " AS k, x." val " AS bv, x." other " AS bo,"               \
	" y." val " AS nv, y." other " AS nt"                                \
	" FROM pair AS p JOIN main." table " AS x ON x.run_id = p.bid"       \
	" LEFT JOIN n." table " AS y ON y.run_id = p.nid"                    \
	" AND y.component = x.component AND y.metric = x.metric"             \
	" AND y." key " = x." key                                            \
	" UNION ALL SELECT p.scenario, p.point, y.component, y.metric,"      \
	" y.unit, y." key ", NULL, NULL, y." val ", y." other                \
	" FROM pair AS p JOIN n." table " AS y ON y.run_id = p.nid"          \
	" WHERE NOT EXISTS (SELECT 1 FROM main." table " AS x"               \
	" WHERE x.run_id = p.bid AND x.component = y.component"              \
	" AND x.metric = y.metric AND x." key " = y." key "))"               \
	" SELECT scenario, point, component, metric, unit, k,"               \
	" sum(bv IS NOT nv OR bo IS NOT nt), avg(coalesce(bv, " absent       \
	")), avg(coalesce(nv, " absent ")), max(coalesce(bo, nt))"           \
	" FROM r GROUP BY scenario, point, component, metric, unit, k"       \
	" ORDER BY scenario, point, component, metric, k"

static const char cmp_sql_buckets_exact[] =
	CMP_KEYED_EXACT("histograms", "lower", "count", "upper", "0");
static const char cmp_sql_timeseries_exact[] =
	CMP_KEYED_EXACT("timeseries", "t_ps", "value", "t_ps", "NULL");

static void cmp_acc_add(struct cmp_acc *a, double x)
{
	double d = x - a->mean;

	a->n++;
	a->mean += d / a->n;
	a->m2 += d * (x - a->mean);
}

static char *cmp_col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return strdup(t ? (const char *)t : "");
}

static bool cmp_same_group(const struct cmp_group *g, sqlite3_stmt *q)
{
	for (int i = 0; i < 4; i++) {
		const char *have = i == 0   ? g->scenario
				   : i == 1 ? g->point
				   : i == 2 ? g->component
					    : g->metric;
		const unsigned char *t = sqlite3_column_text(q, i);

		if (!have || !t || strcmp(have, (const char *)t))
			return false;
	}
	return true;
}

static void cmp_group_clear(struct cmp_group *g)
{
	free(g->scenario);
	free(g->point);
	free(g->component);
	free(g->metric);
	free(g->unit);
	memset(g, 0, sizeof(*g));
}

static int cmp_group_start(struct cmp_group *g, sqlite3_stmt *q, bool summary)
{
	cmp_group_clear(g);
	g->summary = summary;
	g->scenario = cmp_col(q, 0);
	g->point = cmp_col(q, 1);
	g->component = cmp_col(q, 2);
	g->metric = cmp_col(q, 3);
	g->unit = cmp_col(q, 4);
	if (!g->scenario || !g->point || !g->component || !g->metric ||
	    !g->unit)
		return -ENOMEM;
	return 0;
}

/* Whether the statistic name (and its metric) passes the --metric globs;
 * marks the globs that matched. */
static bool cmp_selected(struct cmp *c, const char *metric, const char *name)
{
	bool any = false;

	if (!c->o->nglob)
		return true;
	for (size_t i = 0; i < c->o->nglob; i++) {
		if (fnmatch(c->o->glob[i], metric, 0) &&
		    fnmatch(c->o->glob[i], name, 0))
			continue;
		c->o->glob_used[i] = true;
		any = true;
	}
	return any;
}

/* Half-width of the confidence interval of mean(new) - mean(base), each
 * over n values (Welch's t); NAN with fewer than two. */
static double cmp_half_width(const struct cmp_acc *b, const struct cmp_acc *n)
{
	double vb, vn, se2, df;

	if (b->n < 2 || n->n < 2)
		return NAN;
	vb = b->m2 / (b->n - 1) / b->n;
	vn = n->m2 / (n->n - 1) / n->n;
	se2 = vb + vn;
	if (!(se2 > 0))
		return 0;
	df = se2 * se2 / (vb * vb / (b->n - 1) + vn * vn / (n->n - 1));
	return gsl_cdf_tdist_Pinv(1 - (1 - CMP_CONFIDENCE) / 2, df) * sqrt(se2);
}

static int cmp_add_moved(struct cmp *c, const char *scenario, const char *point,
			 const char *name, const char *unit, double base,
			 double new, double half, uint32_t n, int absent)
{
	struct cmp_moved *m;

	if (c->nmv == c->capmv) {
		size_t cap = c->capmv ? 2 * c->capmv : 16;

		m = realloc(c->mv, cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		c->mv = m;
		c->capmv = cap;
	}
	m = &c->mv[c->nmv];
	*m = (struct cmp_moved){ strdup(scenario),
				 strdup(point),
				 strdup(name),
				 strdup(unit),
				 base,
				 new,
				 half,
				 n,
				 absent,
				 c->nmv };
	if (!m->scenario || !m->point || !m->name || !m->unit) {
		free(m->scenario);
		free(m->point);
		free(m->name);
		free(m->unit);
		return -ENOMEM;
	}
	c->nmv++;
	return 0;
}

/* Decides, for every statistic of the group read so far, whether it
 * moved. */
static int cmp_group_end(struct cmp *c)
{
	struct cmp_group *g = &c->g;
	char name[1024], metric[768];
	double d, half;

	if (!g->scenario)
		return 0;
	snprintf(metric, sizeof(metric), "%s.%s", g->component, g->metric);
	for (size_t k = 0; k < (g->summary ? CMP_NSTATS : 1); k++) {
		/* a histogram's count is a number of values, not a value */
		const char *unit = g->summary && k == CMP_COUNT ? "" : g->unit;

		if (g->summary && !c->o->stat[k])
			continue;
		if (!g->b[k].n && !g->ndiff[k])
			continue;
		if (g->summary)
			snprintf(name, sizeof(name), "%s.%s", metric,
				 cmp_stats[k]);
		else
			snprintf(name, sizeof(name), "%s", metric);
		if (!cmp_selected(c, metric, name))
			continue;
		c->compared++;
		if (c->o->exact) {
			if (g->ndiff[k] &&
			    cmp_add_moved(c, g->scenario, g->point, name, unit,
					  g->b[k].n ? g->b[k].mean : NAN,
					  g->n[k].n ? g->n[k].mean : NAN, NAN,
					  g->ndiff[k],
					  g->b[k].n < g->n[k].n	  ? -1
					  : g->b[k].n > g->n[k].n ? 1
								  : 0))
				return -ENOMEM;
			continue;
		}
		d = g->n[k].mean - g->b[k].mean;
		if (!(fabs(d) > c->o->tol * fabs(g->b[k].mean)))
			continue;
		half = cmp_half_width(&g->b[k], &g->n[k]);
		if (!isnan(half) && !(fabs(d) > half))
			continue;
		if (cmp_add_moved(c, g->scenario, g->point, name, unit,
				  g->b[k].mean, g->n[k].mean, half, g->b[k].n,
				  0))
			return -ENOMEM;
	}
	return 0;
}

/* Whether columns i and j of the row hold other values: NULL and a
 * value, or numbers that are not the same (integers as integers). */
static bool cmp_cell_differs(sqlite3_stmt *q, int i, int j)
{
	int ti = sqlite3_column_type(q, i), tj = sqlite3_column_type(q, j);

	if (ti == SQLITE_NULL || tj == SQLITE_NULL)
		return ti != tj;
	if (ti == SQLITE_INTEGER && tj == SQLITE_INTEGER)
		return sqlite3_column_int64(q, i) != sqlite3_column_int64(q, j);
	return sqlite3_column_double(q, i) != sqlite3_column_double(q, j);
}

/* Adds column i to a unless it is NULL (--exact reads rows of one side
 * only). */
static void cmp_acc_col(struct cmp_acc *a, sqlite3_stmt *q, int i)
{
	if (sqlite3_column_type(q, i) != SQLITE_NULL)
		cmp_acc_add(a, sqlite3_column_double(q, i));
}

/* --exact: one row of a group, every statistic compared as stored. */
static void cmp_row_exact(struct cmp_group *g, sqlite3_stmt *q)
{
	int n = g->summary ? CMP_NSTATS : 1;

	for (int k = 0; k < n; k++) {
		cmp_acc_col(&g->b[k], q, 5 + k);
		cmp_acc_col(&g->n[k], q, 5 + n + k);
		g->ndiff[k] += cmp_cell_differs(q, 5 + k, 5 + n + k);
	}
}

/* One row: a matched repetition of a group. */
static void cmp_row(struct cmp_group *g, sqlite3_stmt *q)
{
	double bc, nc;

	if (!g->summary) {
		cmp_acc_add(&g->b[0], sqlite3_column_double(q, 5));
		cmp_acc_add(&g->n[0], sqlite3_column_double(q, 6));
		return;
	}
	bc = sqlite3_column_double(q, 5);
	nc = sqlite3_column_double(q, 5 + CMP_NSTATS);
	for (int k = 0; k < CMP_NSTATS; k++) {
		/* an empty histogram's statistics are placeholders */
		if (k && (bc <= 0 || nc <= 0))
			continue;
		cmp_acc_add(&g->b[k], sqlite3_column_double(q, 5 + k));
		cmp_acc_add(&g->n[k],
			    sqlite3_column_double(q, 5 + CMP_NSTATS + k));
	}
}

static int cmp_table(struct cmp *c, const char *sql, bool summary)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(c->h, sql, -1, &q, NULL);

	if (rc != SQLITE_OK)
		return cmp_fail(c, "cannot read", c->o->base);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (!cmp_same_group(&c->g, q) &&
		    (cmp_group_end(c) || cmp_group_start(&c->g, q, summary)))
			break;
		if (c->o->exact)
			cmp_row_exact(&c->g, q);
		else
			cmp_row(&c->g, q);
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_ROW) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -ENOMEM;
	}
	if (rc != SQLITE_DONE)
		return cmp_fail(c, "cannot read", c->o->base);
	rc = cmp_group_end(c);
	cmp_group_clear(&c->g);
	return rc;
}

static void cmp_fmt(const char *unit, double v, char *buf, size_t n);

/* --exact: histogram buckets or time-series points (sql one of
 * cmp_sql_*_exact); each (point, metric, key) is one statistic, named
 * component.metric[lower,upper) or component.metric@t. */
static int cmp_keyed(struct cmp *c, const char *sql, bool buckets)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(c->h, sql, -1, &q, NULL);

	if (rc != SQLITE_OK)
		return cmp_fail(c, "cannot read", c->o->base);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *scenario = (const char *)sqlite3_column_text(q, 0);
		const char *point = (const char *)sqlite3_column_text(q, 1);
		const char *unit = (const char *)sqlite3_column_text(q, 4);
		int64_t key = sqlite3_column_int64(q, 5);
		int64_t ndiff = sqlite3_column_int64(q, 6);
		char metric[768], name[1024], t[64];

		snprintf(metric, sizeof(metric), "%s.%s",
			 (const char *)sqlite3_column_text(q, 2),
			 (const char *)sqlite3_column_text(q, 3));
		if (buckets) {
			snprintf(name, sizeof(name), "%s[%lld,%lld)", metric,
				 (long long)key,
				 (long long)sqlite3_column_int64(q, 9));
		} else {
			cmp_fmt("ps", (double)key, t, sizeof(t));
			snprintf(name, sizeof(name), "%s@%s", metric, t);
		}
		if (!cmp_selected(c, metric, name))
			continue;
		c->compared++;
		if (!ndiff)
			continue;
		if (cmp_add_moved(c, scenario ? scenario : "",
				  point ? point : "", name,
				  buckets ? "" : (unit ? unit : ""),
				  sqlite3_column_type(q, 7) == SQLITE_NULL
					  ? NAN
					  : sqlite3_column_double(q, 7),
				  sqlite3_column_type(q, 8) == SQLITE_NULL
					  ? NAN
					  : sqlite3_column_double(q, 8),
				  NAN, (uint32_t)ndiff, 0)) {
			sqlite3_finalize(q);
			snprintf(c->err, sizeof(c->err), "out of memory");
			return -ENOMEM;
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : cmp_fail(c, "cannot read", c->o->base);
}

static void cmp_point_text(const char *json, char *buf, size_t n);

/* Where notes go: stdout with the text table, stderr when stdout is csv
 * or json. */
static FILE *cmp_notes(const struct cmp *c)
{
	return c->o->format == CMP_TEXT ? stdout : stderr;
}

/*
 * Runs: how many matched, which did not, fingerprints.
 */

static int cmp_count(struct cmp *c, const char *sql, int64_t *out)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(c->h, sql, -1, &q, NULL);

	if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	else
		rc = SQLITE_ERROR;
	sqlite3_finalize(q);
	return rc == SQLITE_OK ? 0 : cmp_fail(c, "cannot read", c->o->base);
}

/* Runs of one side that the other side lacks, per point. */
static int cmp_unmatched(struct cmp *c, bool base_side)
{
	static const char sql[] =
		CMP_PAIRS "SELECT scenario, point, count(*) FROM %s AS r"
			  " WHERE NOT EXISTS (SELECT 1 FROM pair AS p"
			  " WHERE p.%s = r.id)"
			  " GROUP BY scenario, point ORDER BY scenario, point";
	char buf[sizeof(sql) + 16];
	sqlite3_stmt *q;
	int rc;

	snprintf(buf, sizeof(buf), sql, base_side ? "b" : "m",
		 base_side ? "bid" : "nid");
	if (sqlite3_prepare_v2(c->h, buf, -1, &q, NULL) != SQLITE_OK)
		return cmp_fail(c, "cannot read", c->o->base);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const unsigned char *pt = sqlite3_column_text(q, 1);
		char pbuf[1024];

		c->nunmatched += sqlite3_column_int64(q, 2);
		cmp_point_text(pt ? (const char *)pt : "{}", pbuf,
			       sizeof(pbuf));
		fprintf(cmp_notes(c), "note: only in %s: %s %s, %lld run%s\n",
			base_side ? c->o->base : c->o->new,
			(const char *)sqlite3_column_text(q, 0), pbuf,
			(long long)sqlite3_column_int64(q, 2),
			sqlite3_column_int64(q, 2) == 1 ? "" : "s");
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : cmp_fail(c, "cannot read", c->o->base);
}

static bool cmp_point_moved(const struct cmp *c, const char *scenario,
			    const char *point)
{
	for (size_t i = 0; i < c->nmv; i++)
		if (!strcmp(c->mv[i].scenario, scenario) &&
		    !strcmp(c->mv[i].point, point))
			return true;
	return false;
}

/* Points whose matched runs have other fingerprints although none of
 * their metrics moved. */
static int cmp_fingerprints(struct cmp *c)
{
	static const char sql[] =
		CMP_PAIRS "SELECT scenario, point, count(*),"
			  " sum(bf IS NOT NULL AND nf IS NOT NULL AND bf != nf)"
			  " FROM pair GROUP BY scenario, point"
			  " ORDER BY scenario, point";
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(c->h, sql, -1, &q, NULL) != SQLITE_OK)
		return cmp_fail(c, "cannot read", c->o->base);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(q, 0);
		const char *p = (const char *)sqlite3_column_text(q, 1);
		int64_t n = sqlite3_column_int64(q, 2);
		int64_t k = sqlite3_column_int64(q, 3);

		char pbuf[1024];

		if (!k || cmp_point_moved(c, s, p))
			continue;
		c->nchanged_fp++;
		cmp_point_text(p, pbuf, sizeof(pbuf));
		fprintf(cmp_notes(c),
			"%s: %s %s: behaviour changed, summaries equal (%lld of %lld matched runs have another fingerprint)\n",
			c->o->fingerprints ? "changed" : "note", s, pbuf,
			(long long)k, (long long)n);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : cmp_fail(c, "cannot read", c->o->base);
}

/*
 * Points: shown as path=value pairs, ordered by value.
 */

/* The next "key":"value" of a point's JSON (as sweep.c writes it: string
 * values, escapes \" \\ \uXXXX) from *p, unescaped into key and val.
 * Returns false at the end. */
static bool cmp_json_next(const char **p, char *key, size_t nk, char *val,
			  size_t nv)
{
	for (int k = 0; k < 2; k++) {
		char *out = k ? val : key;
		size_t n = k ? nv : nk, o = 0;

		while (**p && **p != '"' && **p != '}')
			(*p)++;
		if (**p != '"')
			return false;
		for ((*p)++; **p && **p != '"'; (*p)++) {
			char ch = **p;

			if (ch == '\\' && (*p)[1]) {
				(*p)++;
				ch = **p;
				if (ch == 'u' && strlen(*p) >= 5) {
					ch = (char)strtol(
						(char[]){ (*p)[3], (*p)[4], 0 },
						NULL, 16);
					*p += 4;
				}
			}
			if (o + 1 < n)
				out[o++] = ch;
		}
		out[o] = '\0';
		if (**p == '"')
			(*p)++;
	}
	return true;
}

/* A point as "path=value path=value", or "{}" for no parameters. */
static void cmp_point_text(const char *json, char *buf, size_t n)
{
	char key[256], val[256];
	const char *p = json;
	size_t off = 0;

	buf[0] = '\0';
	while (off < n && cmp_json_next(&p, key, sizeof(key), val, sizeof(val)))
		off += (size_t)snprintf(buf + off, n - off, "%s%s=%s",
					off ? " " : "", key, val);
	if (!off)
		snprintf(buf, n, "%s", json);
}

/* A value as a quantity: its unit kind and canonical number; false for
 * text that is not a number. */
static bool cmp_quantity(const char *s, int *kind, double *v)
{
	enum unit_kind k = units_kind_of(s);
	sim_time t;
	uint64_t b;
	char *end;

	*kind = (int)k;
	switch (k) {
	case UNIT_NONE:
		*v = strtod(s, &end);
		return end != s && !*end;
	case UNIT_TIME:
		if (units_parse_time(s, &t))
			return false;
		*v = (double)t;
		return true;
	case UNIT_BITRATE:
		return !units_parse_bitrate(s, v);
	case UNIT_PKTRATE:
		return !units_parse_pktrate(s, v);
	case UNIT_SIZE:
		if (units_parse_size(s, &b))
			return false;
		*v = (double)b;
		return true;
	case UNIT_FRACTION:
		return !units_parse_fraction(s, v);
	}
	return false;
}

/* Orders two values of one parameter: quantities of one kind by size,
 * quantities before text, text as text. */
static int cmp_value_order(const char *a, const char *b)
{
	int ka, kb;
	double va, vb;
	bool qa = cmp_quantity(a, &ka, &va), qb = cmp_quantity(b, &kb, &vb);

	if (qa && qb && ka == kb && va != vb)
		return va < vb ? -1 : 1;
	if (qa != qb)
		return qa ? -1 : 1;
	if (qa && ka != kb)
		return ka < kb ? -1 : 1;
	return strcmp(a, b);
}

/* Orders two points: parameter by parameter (keys are sorted), by value. */
static int cmp_point_order(const char *a, const char *b)
{
	char ka[256], va[256], kb[256], vb[256];
	const char *pa = a, *pb = b;

	for (;;) {
		bool ha = cmp_json_next(&pa, ka, sizeof(ka), va, sizeof(va));
		bool hb = cmp_json_next(&pb, kb, sizeof(kb), vb, sizeof(vb));
		int r;

		if (!ha || !hb)
			return ha - hb;
		r = strcmp(ka, kb);
		if (!r)
			r = cmp_value_order(va, vb);
		if (r)
			return r;
	}
}

static int cmp_moved_order(const void *x, const void *y)
{
	const struct cmp_moved *a = x, *b = y;
	int r = strcmp(a->scenario, b->scenario);

	if (!r)
		r = cmp_point_order(a->point, b->point);
	if (!r)
		r = a->order < b->order ? -1 : a->order > b->order;
	return r;
}

/*
 * What differs between the two sides of a point.
 */

static void cmp_diffs_free(struct cmp_diffs *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->d[i].path);
		free(d->d[i].base);
		free(d->d[i].new);
	}
	free(d->d);
	free(d->bver);
	free(d->nver);
	memset(d, 0, sizeof(*d));
}

static char *cmp_col_or_null(sqlite3_stmt *q, int i)
{
	return sqlite3_column_type(q, i) == SQLITE_NULL ? NULL : cmp_col(q, i);
}

/* The parameters that differ at (scenario, point), from the matched runs
 * of its lowest repetition; the versions when none does. */
static int cmp_diffs_of(struct cmp *c, const char *scenario, const char *point,
			struct cmp_diffs *d)
{
	static const char runs_sql[] = CMP_PAIRS
		"SELECT p.bid, p.nid, rb.version, rn.version"
		" FROM pair AS p JOIN main.runs AS rb ON rb.id = p.bid"
		" JOIN n.runs AS rn ON rn.id = p.nid"
		" WHERE p.scenario = ?1 AND p.point = ?2"
		" ORDER BY p.repetition LIMIT 1";
	static const char params_sql[] =
		"SELECT path, max(CASE WHEN side = 0 THEN value END),"
		" max(CASE WHEN side = 1 THEN value END) FROM"
		" (SELECT 0 AS side, path, value FROM main.params"
		" WHERE run_id = ?1 UNION ALL"
		" SELECT 1, path, value FROM n.params WHERE run_id = ?2)"
		" GROUP BY path HAVING count(*) < 2 OR min(value) != max(value)"
		" ORDER BY path";
	sqlite3_stmt *q;
	int64_t bid = -1, nid = -1;
	int rc;

	memset(d, 0, sizeof(*d));
	if (sqlite3_prepare_v2(c->h, runs_sql, -1, &q, NULL) != SQLITE_OK)
		return cmp_fail(c, "cannot read", c->o->base);
	sqlite3_bind_text(q, 1, scenario, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, point, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		bid = sqlite3_column_int64(q, 0);
		nid = sqlite3_column_int64(q, 1);
		d->bver = cmp_col(q, 2);
		d->nver = cmp_col(q, 3);
	}
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(c->h, params_sql, -1, &q, NULL) != SQLITE_OK)
		return cmp_fail(c, "cannot read", c->o->base);
	sqlite3_bind_int64(q, 1, bid);
	sqlite3_bind_int64(q, 2, nid);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct cmp_diff *nd = realloc(d->d, (d->n + 1) * sizeof(*nd));

		if (!nd)
			break;
		d->d = nd;
		d->d[d->n++] =
			(struct cmp_diff){ cmp_col(q, 0), cmp_col_or_null(q, 1),
					   cmp_col_or_null(q, 2) };
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -ENOMEM;
	}
	if (d->n || (d->bver && d->nver && !strcmp(d->bver, d->nver))) {
		free(d->bver);
		free(d->nver);
		d->bver = d->nver = NULL;
	}
	return 0;
}

/* "network.rate 1Gbps -> 1.1Gbps, ..." (the first few), "usnsim v1 -> v2"
 * or "-". */
static void cmp_diffs_text(const struct cmp_diffs *d, char *buf, size_t n)
{
	enum { SHOWN = 3 };
	size_t off = 0;

	buf[0] = '\0';
	if (d->bver) {
		snprintf(buf, n, "usnsim %s -> %s", d->bver, d->nver);
		return;
	}
	for (size_t i = 0; i < d->n && i < SHOWN && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%s %s -> %s",
					i ? ", " : "", d->d[i].path,
					d->d[i].base ? d->d[i].base : "(none)",
					d->d[i].new ? d->d[i].new : "(none)");
	if (d->n > SHOWN && off < n)
		snprintf(buf + off, n - off, " and %zu more", d->n - SHOWN);
	if (!d->n)
		snprintf(buf, n, "-");
}

/*
 * Output.
 */

static void cmp_fmt(const char *unit, double v, char *buf, size_t n)
{
	struct expr_value ev = { expect_unit_kind(unit), v, NULL };

	if (isnan(v)) { /* --exact: absent on that side */
		snprintf(buf, n, "(none)");
		return;
	}
	expect_format(&ev, buf, n);
}

/* The shortest decimal that reads back as v. */
static void cmp_shortest(double v, char *buf, size_t n)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
}

/* A row's base and new values for the text table; when they differ by
 * less than the rounding of the units shows (a difference --exact
 * found), as the shortest decimals that read back, in the database's
 * unit. */
static void cmp_fmt_pair(const struct cmp_moved *m, char *b, char *n,
			 size_t len)
{
	cmp_fmt(m->unit, m->base, b, len);
	cmp_fmt(m->unit, m->new, n, len);
	if (strcmp(b, n) || m->base == m->new || isnan(m->base) ||
	    isnan(m->new))
		return;
	cmp_shortest(m->base, b, len / 2);
	cmp_shortest(m->new, n, len / 2);
	if (m->unit[0]) {
		size_t lb = strlen(b), ln = strlen(n);

		snprintf(b + lb, len - lb, "%s", m->unit);
		snprintf(n + ln, len - ln, "%s", m->unit);
	}
}

static int cmp_w(int w, const char *s)
{
	int n = (int)strlen(s);

	return n > w ? n : w;
}

/* The shortest decimal that reads back as v; "" (csv) or null (json) for
 * no value. */
static void cmp_real(double v, bool json)
{
	char buf[40];

	if (isnan(v)) {
		fputs(json ? "null" : "", stdout);
		return;
	}
	if (!isfinite(v)) {
		fputs(json ? "null" : (v > 0 ? "inf" : "-inf"), stdout);
		return;
	}
	cmp_shortest(v, buf, sizeof(buf));
	fputs(buf, stdout);
}

static void cmp_csv_text(const char *s)
{
	if (!s[0] || strpbrk(s, ",\"\r\n")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
}

static void cmp_json_text(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static double cmp_change(const struct cmp_moved *m)
{
	return m->base != 0 && !isnan(m->base) && !isnan(m->new)
		       ? (m->new - m->base) / fabs(m->base)
		       : NAN;
}

/* One row of csv or json. */
static void cmp_print_row(const struct cmp *c, const struct cmp_moved *m,
			  const struct cmp_diffs *d, bool first)
{
	char diff[1024];

	if (c->o->format == CMP_CSV) {
		cmp_diffs_text(d, diff, sizeof(diff));
		cmp_csv_text(m->scenario);
		putchar(',');
		cmp_csv_text(m->point);
		putchar(',');
		cmp_csv_text(m->name);
		putchar(',');
		cmp_csv_text(m->unit);
		putchar(',');
		cmp_real(m->base, false);
		putchar(',');
		cmp_real(m->new, false);
		putchar(',');
		cmp_real(cmp_change(m), false);
		putchar(',');
		cmp_real(m->half, false);
		printf(",%u,", m->n);
		cmp_csv_text(diff);
		putchar('\n');
		return;
	}
	printf("%s\n  {\"scenario\": ", first ? "" : ",");
	cmp_json_text(m->scenario);
	printf(", \"point\": %s, \"metric\": ", m->point);
	cmp_json_text(m->name);
	printf(", \"unit\": ");
	cmp_json_text(m->unit);
	printf(", \"base\": ");
	cmp_real(m->base, true);
	printf(", \"new\": ");
	cmp_real(m->new, true);
	printf(", \"change\": ");
	cmp_real(cmp_change(m), true);
	printf(", \"ci95\": ");
	cmp_real(m->half, true);
	printf(", \"runs\": %u, \"differs\": [", m->n);
	for (size_t i = 0; i < d->n; i++) {
		printf("%s{\"path\": ", i ? ", " : "");
		cmp_json_text(d->d[i].path);
		printf(", \"base\": ");
		if (d->d[i].base)
			cmp_json_text(d->d[i].base);
		else
			fputs("null", stdout);
		printf(", \"new\": ");
		if (d->d[i].new)
			cmp_json_text(d->d[i].new);
		else
			fputs("null", stdout);
		putchar('}');
	}
	if (d->bver) {
		printf("{\"path\": \"version\", \"base\": ");
		cmp_json_text(d->bver);
		printf(", \"new\": ");
		cmp_json_text(d->nver);
		putchar('}');
	}
	printf("]}");
}

/* The rows (c->mv sorted), with what differs at each point: text as an
 * aligned table, or csv / json. */
static int cmp_print_moved(struct cmp *c)
{
	int ws = 8, wp = 5, wm = 6, wb = 4, wn = 3;
	struct cmp_diffs *d;
	bool *own; /* d[i] was read for row i, not shared with row i - 1 */
	char b[64], n[64], pt[1024], diff[1024];
	int rc = 0;

	if (c->nmv)
		qsort(c->mv, c->nmv, sizeof(*c->mv), cmp_moved_order);
	d = calloc(c->nmv ? c->nmv : 1, sizeof(*d));
	own = calloc(c->nmv ? c->nmv : 1, sizeof(*own));
	if (!d || !own) {
		free(d);
		free(own);
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->nmv && !rc; i++) {
		const struct cmp_moved *m = &c->mv[i];

		if (i && !strcmp(m->scenario, c->mv[i - 1].scenario) &&
		    !strcmp(m->point, c->mv[i - 1].point)) {
			d[i] = d[i - 1]; /* shared; freed once */
			continue;
		}
		own[i] = true;
		rc = cmp_diffs_of(c, m->scenario, m->point, &d[i]);
	}
	if (rc)
		goto out;
	if (c->o->format == CMP_CSV)
		printf("scenario,point,metric,unit,base,new,change,ci95,runs,differs\n");
	else if (c->o->format == CMP_JSON)
		putchar('[');
	for (size_t i = 0; i < c->nmv && c->o->format != CMP_TEXT; i++)
		cmp_print_row(c, &c->mv[i], &d[i], i == 0);
	if (c->o->format == CMP_JSON)
		printf("%s]\n", c->nmv ? "\n" : "");
	if (c->o->format != CMP_TEXT || !c->nmv)
		goto out;
	for (size_t i = 0; i < c->nmv; i++) {
		const struct cmp_moved *m = &c->mv[i];

		ws = cmp_w(ws, m->scenario);
		cmp_point_text(m->point, pt, sizeof(pt));
		wp = cmp_w(wp, pt);
		wm = cmp_w(wm, m->name);
		cmp_fmt_pair(m, b, n, sizeof(b));
		wb = cmp_w(wb, b);
		wn = cmp_w(wn, n);
	}
	printf("%-*s  %-*s  %-*s  %*s  %*s  %8s  %-24s  %s\n", ws, "scenario",
	       wp, "point", wm, "metric", wb, "base", wn, "new", "change",
	       "ci95 of the change", "differs");
	for (size_t i = 0; i < c->nmv; i++) {
		const struct cmp_moved *m = &c->mv[i];
		char pct[32], ci[128], h[64];

		cmp_fmt_pair(m, b, n, sizeof(b));
		cmp_point_text(m->point, pt, sizeof(pt));
		cmp_diffs_text(&d[i], diff, sizeof(diff));
		if (isnan(m->base) || m->absent < 0)
			snprintf(pct, sizeof(pct), "added");
		else if (isnan(m->new) || m->absent > 0)
			snprintf(pct, sizeof(pct), "removed");
		else if (m->base != 0 && c->o->exact &&
			 fabs(cmp_change(m)) < 0.0005)
			/* a difference --exact found but .1% would hide */
			snprintf(pct, sizeof(pct), "%+.2g%%",
				 100 * cmp_change(m));
		else if (m->base != 0)
			snprintf(pct, sizeof(pct), "%+.1f%%",
				 100 * cmp_change(m));
		else
			snprintf(pct, sizeof(pct), "new");
		if (c->o->exact) {
			snprintf(ci, sizeof(ci), "exact (%u run%s differ%s)",
				 m->n, m->n == 1 ? "" : "s",
				 m->n == 1 ? "s" : "");
		} else if (isnan(m->half)) {
			snprintf(ci, sizeof(ci), "- (%u run%s)", m->n,
				 m->n == 1 ? "" : "s");
		} else {
			cmp_fmt(m->unit, m->half, h, sizeof(h));
			snprintf(ci, sizeof(ci), "+-%s (%u runs)", h, m->n);
		}
		printf("%-*s  %-*s  %-*s  %*s  %*s  %8s  %-24s  %s\n", ws,
		       m->scenario, wp, pt, wm, m->name, wb, b, wn, n, pct, ci,
		       diff);
	}
out:
	for (size_t i = 0; i < c->nmv; i++)
		if (own[i])
			cmp_diffs_free(&d[i]);
	free(d);
	free(own);
	return rc;
}

static int cmp_report(struct cmp *c, int64_t pairs)
{
	bool text = c->o->format == CMP_TEXT;
	int rc = 0;

	if (!c->o->quiet && text && c->o->exact)
		printf("%s -> %s: %lld matched run%s, %zu statistics compared, exact\n",
		       c->o->base, c->o->new, (long long)pairs,
		       pairs == 1 ? "" : "s", c->compared);
	else if (!c->o->quiet && text)
		printf("%s -> %s: %lld matched run%s, %zu statistics compared, tolerance %g%%\n",
		       c->o->base, c->o->new, (long long)pairs,
		       pairs == 1 ? "" : "s", c->compared, 100 * c->o->tol);
	rc = cmp_print_moved(c);
	if (!rc)
		rc = cmp_unmatched(c, true);
	if (!rc)
		rc = cmp_unmatched(c, false);
	if (!rc)
		rc = cmp_fingerprints(c);
	if (rc || !text)
		return rc;
	if (c->o->quiet)
		return 0;
	if (c->nmv)
		printf("%zu of %zu statistics %s\n", c->nmv, c->compared,
		       c->o->exact ? "differ" : "moved");
	if (c->o->exact && c->nunmatched)
		printf("%lld run%s only on one side\n",
		       (long long)c->nunmatched,
		       c->nunmatched == 1 ? " is" : "s are");
	else if (!c->nmv)
		printf("%s\n", c->o->exact
				       ? "nothing differs"
				       : "nothing moved beyond the tolerance");
	return 0;
}

static int cmp_globs_used(struct cmp *c)
{
	for (size_t i = 0; i < c->o->nglob; i++) {
		if (c->o->glob_used[i])
			continue;
		snprintf(
			c->err, sizeof(c->err),
			"--metric '%s' matches no metric of the runs the two databases have in common",
			c->o->glob[i]);
		return -EINVAL;
	}
	return 0;
}

static int cmp_run(struct cmp *c)
{
	int64_t pairs = 0;
	int rc = cmp_open(c);

	if (!rc)
		rc = cmp_count(c, CMP_PAIRS "SELECT count(*) FROM pair",
			       &pairs);
	if (!rc && !pairs) {
		snprintf(
			c->err, sizeof(c->err),
			"%s and %s have no run in common (runs are matched by scenario name, sweep point and repetition)",
			c->o->base, c->o->new);
		rc = -EINVAL;
	}
	if (!rc)
		rc = cmp_table(c,
			       c->o->exact ? cmp_sql_summaries_exact
					   : cmp_sql_summaries,
			       true);
	if (!rc)
		rc = cmp_table(c,
			       c->o->exact ? cmp_sql_scalars_exact
					   : cmp_sql_scalars,
			       false);
	if (!rc && c->o->exact)
		rc = cmp_keyed(c, cmp_sql_buckets_exact, true);
	if (!rc && c->o->exact)
		rc = cmp_keyed(c, cmp_sql_timeseries_exact, false);
	if (!rc)
		rc = cmp_globs_used(c);
	if (!rc)
		rc = cmp_report(c, pairs);
	return rc;
}

int compare_main(int argc, char **argv)
{
	struct cmp_opts o = { 0 };
	struct cmp c = { .o = &o };
	int rc = cmp_parse_opts(argc, argv, &o);

	if (rc >= 0)
		return rc;
	rc = cmp_run(&c);
	fflush(stdout);
	if (rc) {
		errmsg_one_line(c.err);
		fprintf(stderr, "%s\n", c.err);
	} else if (c.nmv || (o.fingerprints && c.nchanged_fp) ||
		   (o.exact && c.nunmatched)) {
		rc = CMP_EXIT_MOVED;
	}
	for (size_t i = 0; i < c.nmv; i++) {
		free(c.mv[i].scenario);
		free(c.mv[i].point);
		free(c.mv[i].name);
		free(c.mv[i].unit);
	}
	free(c.mv);
	cmp_group_clear(&c.g);
	sqlite3_close(c.h);
	return rc < 0 ? CMP_EXIT_INPUT : rc;
}
