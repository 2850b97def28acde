/*
 * export.c - `usnsim export`: a results database as CSV, TSV or JSON.
 *
 * For users of pandas, R or a spreadsheet who would rather not write SQL.
 * A query is either one of the built-in names (runs, params, scalars,
 * summaries, summary_ci) or the name of a query file analysis/NAME.sql,
 * looked up like the plot templates ($USNSIM_ANALYSIS, ./analysis, then
 * ../analysis next to the executable), whose named parameters are given
 * with --param NAME=VALUE. The database is opened read only; runs are read
 * through the temporary view `selected_runs`, the runs for which --where
 * holds (all of them by default, whatever their status).
 *
 * The built-in queries that list statistics (scalars, summaries,
 * summary_ci) have one column per swept parameter, named by its path,
 * holding its value as a number in the canonical unit (pps, bps, ps, B)
 * so that it can be plotted or sorted directly; a value that is not a
 * number (an enum) stays text. The sweep point is also there as JSON.
 *
 * Formats:
 *   csv   RFC 4180: comma-separated, CRLF line ends, a header line; a
 *         field is quoted ("...", with "" for a quote) when it holds a
 *         comma, a quote, CR or LF, and an empty string is "" while NULL
 *         is an empty field.
 *   tsv   tab-separated, LF line ends, a header line; tab, LF, CR and
 *         backslash in text are written \t, \n, \r and \\; NULL is empty.
 *   json  an array of objects, one per row, keys in column order; SQL
 *         integers and reals are JSON numbers, NULL is null.
 * Reals are written with the fewest digits that read back to the same
 * double; infinities as inf and -inf (null in JSON). Every query orders
 * its rows, so the same database gives the same bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analysis.h"
#include "errmsg.h"
#include "outfile.h"
#include "strbuf.h"
#include "units.h"

#define EXPORT_EXIT_INPUT 2
#define EXPORT_ERR 1024
#define EXPORT_PATH 4096
#define EXPORT_MAXPARAMS 64

enum export_format { EXPORT_CSV, EXPORT_TSV, EXPORT_JSON };

struct export_opts {
	const char *db, *query, *out, *where;
	enum export_format format;
	const char *params[EXPORT_MAXPARAMS]; /* NAME=VALUE */
	size_t nparams;
	bool force; /* replace an -o file of another kind */
};

/*
 * Built-in queries. "%s" is where the columns of the swept parameters go
 * (each "usnsim_number(json_extract(POINT, '$."PATH"')) AS "PATH", ").
 */
struct export_query {
	const char *name, *help, *point, *sql;
};

static const struct export_query export_queries[] = {
	{ "runs", "one row per run (every column of the runs table)", NULL,
	  "SELECT * FROM selected_runs ORDER BY id" },
	{ "params", "every effective parameter of every run", NULL,
	  "SELECT p.run_id, r.scenario, r.point, r.repetition, p.path,"
	  " p.value FROM params AS p JOIN selected_runs AS r"
	  " ON r.id = p.run_id ORDER BY p.run_id, p.path" },
	{ "scalars", "counters and end-of-run values, with the run's point",
	  "r.point",
	  "SELECT r.id AS run_id, r.scenario, r.point, r.repetition,"
	  " r.status, %s s.component, s.metric, s.unit, s.value"
	  " FROM scalars AS s JOIN selected_runs AS r ON r.id = s.run_id"
	  " ORDER BY r.id, s.component, s.metric" },
	{ "summaries",
	  "histogram summaries (count, mean, quantiles) per run (default)",
	  "r.point",
	  "SELECT r.id AS run_id, r.scenario, r.point, r.repetition,"
	  " r.status, %s s.component, s.metric, s.unit, s.count, s.mean,"
	  " s.stddev, s.min, s.p50, s.p90, s.p99, s.p999, s.max"
	  " FROM summaries AS s JOIN selected_runs AS r ON r.id = s.run_id"
	  " ORDER BY r.id, s.component, s.metric" },
	{ "summary_ci",
	  "per point: means over repetitions with 95% CI half-widths",
	  "c.point",
	  "SELECT c.scenario, c.hash, c.point, %s c.component, c.metric,"
	  " c.unit, c.n, c.mean, c.mean_ci, c.p50, c.p50_ci, c.p90, c.p90_ci,"
	  " c.p99, c.p99_ci, c.p999, c.p999_ci FROM summary_ci AS c"
	  " WHERE EXISTS (SELECT 1 FROM selected_runs AS r"
	  " WHERE r.hash = c.hash AND r.point = c.point)"
	  " ORDER BY c.scenario, c.hash, c.point, c.component, c.metric" },
	{ "paired",
	  "per pair of points differing in one parameter: mean\n"
	  "               difference b - a over common repetitions, 95% CI",
	  NULL,
	  "SELECT c.scenario, c.hash, c.param, c.a, c.b, c.point_a,"
	  " c.point_b, c.component, c.metric, c.unit, c.n, c.mean, c.mean_ci,"
	  " c.p50, c.p50_ci, c.p90, c.p90_ci, c.p99, c.p99_ci, c.p999,"
	  " c.p999_ci FROM paired AS c"
	  " WHERE EXISTS (SELECT 1 FROM selected_runs AS r"
	  " WHERE r.hash = c.hash AND r.point = c.point_a)"
	  " AND EXISTS (SELECT 1 FROM selected_runs AS r"
	  " WHERE r.hash = c.hash AND r.point = c.point_b)"
	  " ORDER BY c.scenario, c.hash, c.param, c.point_a, c.point_b,"
	  " c.component, c.metric" },
};

#define EXPORT_NQUERIES (sizeof(export_queries) / sizeof(export_queries[0]))

static const char export_usage[] =
	"usage: usnsim export [--db DB] [--format csv|tsv|json]\n"
	"                     [--query NAME] [-o FILE] [OPTIONS]\n"
	"\n"
	"Writes the rows of a query on a results database as CSV (RFC 4180),\n"
	"TSV or JSON (an array of objects), for pandas, R or a spreadsheet.\n"
	"\n"
	"queries (NAME):\n"
	"%s"
	"  NAME         the query in analysis/NAME.sql (looked up in\n"
	"               $USNSIM_ANALYSIS, ./analysis, then ../analysis next\n"
	"               to the executable), e.g. md1-load or percentile\n"
	"Statistics come with one column per swept parameter, its value a\n"
	"number in the canonical unit (pps, bps, ps, B).\n"
	"\n"
	"options:\n"
	"  -d, --db DB            results database (default results.db)\n"
	"  -f, --format F         csv (default), tsv or json\n"
	"  -Q, --query NAME       what to export (default summaries)\n"
	"  -o, --output FILE      write to FILE (default standard output); an\n"
	"                         existing FILE is replaced only if it holds\n"
	"                         text (an earlier export)\n"
	"      --force            replace FILE whatever regular file it is\n"
	"  -w, --where SQL        only the runs for which SQL holds, the runs\n"
	"                         table being r, e.g. \"r.scenario = 'md1'\"\n"
	"  -p, --param NAME=VALUE bind :NAME of an analysis query (repeatable)\n"
	"  -h, --help             this text\n";

static void export_help(FILE *f)
{
	struct strbuf q = { 0 };

	for (size_t i = 0; i < EXPORT_NQUERIES; i++)
		strbuf_add(&q, "  %-12s %s\n", export_queries[i].name,
			   export_queries[i].help);
	fprintf(f, export_usage, q.p ? q.p : "");
	free(q.p);
}

/* ---- the SQL function usnsim_number ---------------------------------- */

/* usnsim_number(TEXT): a parameter value with its unit as a number in the
 * canonical unit ("20kpps" -> 20000, "1.5us" -> 1500000); the argument
 * unchanged if it is not a number with a unit. */
static void export_number(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
	const char *s = (const char *)sqlite3_value_text(v[0]);
	enum unit_kind k;
	double d = 0;
	sim_time t;
	uint64_t b;
	int rc = -EINVAL;

	(void)argc;
	if (!s || sqlite3_value_type(v[0]) != SQLITE_TEXT) {
		sqlite3_result_value(ctx, v[0]);
		return;
	}
	k = units_kind_of(s);
	switch ((int)k) {
	case UNIT_TIME:
		if ((rc = units_parse_time(s, &t)) == 0)
			d = (double)t;
		break;
	case UNIT_BITRATE:
		rc = units_parse_bitrate(s, &d);
		break;
	case UNIT_PKTRATE:
		rc = units_parse_pktrate(s, &d);
		break;
	case UNIT_SIZE:
		if ((rc = units_parse_size(s, &b)) == 0)
			d = (double)b;
		break;
	case UNIT_FRACTION:
		rc = units_parse_fraction(s, &d);
		break;
	default:
		break;
	}
	if (rc) {
		sqlite3_result_value(ctx, v[0]);
		return;
	}
	if (d == floor(d) && fabs(d) < 9e15)
		sqlite3_result_int64(ctx, (sqlite3_int64)d);
	else
		sqlite3_result_double(ctx, d);
}

/* ---- opening and querying -------------------------------------------- */

/* Opens the database read only, with usnsim_number() and the view
 * selected_runs. Returns 0, -ENOENT, -EILSEQ or -EINVAL (bad --where). */
static int export_open(const struct export_opts *o, sqlite3 **out, char *err,
		       size_t errlen)
{
	int rc = analysis_open_runs(o->db, NULL, o->where, out, err, errlen);

	if (!rc)
		sqlite3_create_function(*out, "usnsim_number", 1,
					SQLITE_UTF8 | SQLITE_DETERMINISTIC,
					NULL, export_number, NULL, NULL);
	return rc;
}

/* The columns of the swept parameters for a built-in query: one per key
 * of the selected runs' points, in key order. */
static int export_point_cols(sqlite3 *db, const char *point,
			     struct strbuf *cols, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT DISTINCT j.key FROM selected_runs AS r,"
			       " json_each(r.point) AS j ORDER BY j.key",
			       -1, &st, NULL) != SQLITE_OK) {
		errmsg(err, errlen, "%s", sqlite3_errmsg(db));
		return -EIO;
	}
	strbuf_add(cols, "%s", "");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);

		/* The key goes into a string literal (the JSON path) and an
		 * identifier: double ' in one and " in the other. */
		strbuf_add(cols, "usnsim_number(json_extract(%s, '$.\"", point);
		for (const char *p = key; p && *p; p++)
			strbuf_add(cols, "%s%c",
				   *p == '\''  ? "'"
				   : *p == '"' ? "\\"
					       : "",
				   *p);
		strbuf_add(cols, "\"')) AS \"");
		for (const char *p = key; p && *p; p++)
			strbuf_add(cols, "%s%c", *p == '"' ? "\"" : "", *p);
		strbuf_add(cols, "\", ");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		errmsg(err, errlen, "%s", sqlite3_errmsg(db));
		return -EIO;
	}
	return cols->oom ? -ENOMEM : 0;
}

/* Finds analysis/NAME.sql; returns 0 with its path in buf, or -ENOENT. */
static int export_find(const char *name, char *buf, size_t n)
{
	char file[EXPORT_PATH];

	errmsg(file, sizeof(file), "%s.sql", name);
	return analysis_find(file, buf, n);
}

/* The SQL of the query NAME, malloc'ed; *src says where it came from. */
static char *export_sql(sqlite3 *db, const char *name, char *src, size_t n,
			char *err, size_t errlen)
{
	struct strbuf cols = { 0 }, sql = { 0 };

	for (size_t i = 0; i < EXPORT_NQUERIES; i++) {
		const struct export_query *q = &export_queries[i];

		if (strcmp(q->name, name))
			continue;
		errmsg(src, n, "query %s", name);
		if (q->point &&
		    export_point_cols(db, q->point, &cols, err, errlen)) {
			free(cols.p);
			return NULL;
		}
		strbuf_add(&sql, q->sql, cols.p ? cols.p : "");
		free(cols.p);
		if (sql.oom) {
			free(sql.p);
			errmsg(err, errlen, "out of memory");
			return NULL;
		}
		return sql.p;
	}
	if (!name[0] || strchr(name, '/') || export_find(name, src, n)) {
		struct strbuf names = { 0 };

		for (size_t i = 0; i < EXPORT_NQUERIES; i++)
			strbuf_add(&names, "%s, ", export_queries[i].name);
		errmsg(err, errlen,
		       "--query %s: expected %sor the name of a file "
		       "analysis/NAME.sql",
		       name, names.p ? names.p : "");
		free(names.p);
		return NULL;
	}
	return analysis_slurp(src, err, errlen);
}

/* Binds --param NAME=VALUE to :NAME, as an integer or a real when VALUE
 * is one, else as text. Every parameter of the query must be given. */
static int export_bind(const struct export_opts *o, sqlite3_stmt *st,
		       const char *src, char *err, size_t errlen)
{
	for (size_t i = 0; i < o->nparams; i++) {
		const char *eq = strchr(o->params[i], '=');
		char name[128], *end;
		long long v;
		double d;
		int idx;

		errmsg(name, sizeof(name), ":%.*s", (int)(eq - o->params[i]),
		       o->params[i]);
		idx = sqlite3_bind_parameter_index(st, name);
		if (!idx) {
			errmsg(err, errlen,
			       "--param %s: %s has no parameter %s",
			       o->params[i], src, name);
			return -EINVAL;
		}
		errno = 0;
		v = strtoll(eq + 1, &end, 10);
		if (eq[1] && !*end && !errno) {
			sqlite3_bind_int64(st, idx, v);
			continue;
		}
		d = strtod(eq + 1, &end);
		if (eq[1] && !*end && !errno && isfinite(d))
			sqlite3_bind_double(st, idx, d);
		else
			sqlite3_bind_text(st, idx, eq + 1, -1, SQLITE_STATIC);
	}
	for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		size_t j;

		for (j = 0; name && j < o->nparams; j++)
			if (strncmp(o->params[j], name + 1, strlen(name + 1)) ==
				    0 &&
			    o->params[j][strlen(name + 1)] == '=')
				break;
		if (!name || j == o->nparams) {
			errmsg(err, errlen,
			       "%s uses %s; give it with --param %s=VALUE", src,
			       name ? name : "?", name ? name + 1 : "NAME");
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- writing ---------------------------------------------------------- */

/* The shortest decimal that reads back as v. */
static void export_real(FILE *f, double v, bool json)
{
	char buf[40];

	if (!isfinite(v)) {
		fputs(json ? "null" : (v > 0 ? "inf" : "-inf"), f);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		errmsg(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, f);
}

static void export_csv_text(FILE *f, const char *s)
{
	if (!s[0] || strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

static void export_tsv_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\t':
			fputs("\\t", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void export_json_text(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch == '\r')
			fputs("\\r", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void export_text(FILE *f, enum export_format fmt, const char *s)
{
	if (fmt == EXPORT_CSV)
		export_csv_text(f, s);
	else if (fmt == EXPORT_TSV)
		export_tsv_text(f, s);
	else
		export_json_text(f, s);
}

static void export_value(FILE *f, enum export_format fmt, sqlite3_stmt *st,
			 int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		if (fmt == EXPORT_JSON)
			fputs("null", f);
		break;
	case SQLITE_INTEGER:
		fprintf(f, "%lld", (long long)sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT:
		export_real(f, sqlite3_column_double(st, i),
			    fmt == EXPORT_JSON);
		break;
	default: {
		const unsigned char *s = sqlite3_column_text(st, i);

		export_text(f, fmt, s ? (const char *)s : "");
	}
	}
}

/* Writes every row of st to f. Returns 0 or -EIO with err filled. */
static int export_rows(sqlite3 *db, sqlite3_stmt *st, enum export_format fmt,
		       FILE *f, char *err, size_t errlen)
{
	const char *sep = fmt == EXPORT_CSV ? "," : "\t";
	const char *eol = fmt == EXPORT_CSV ? "\r\n" : "\n";
	int n = sqlite3_column_count(st), rc;
	size_t rows = 0;

	if (fmt != EXPORT_JSON) {
		for (int i = 0; i < n; i++) {
			fputs(i ? sep : "", f);
			export_text(f, fmt, sqlite3_column_name(st, i));
		}
		fputs(eol, f);
	} else {
		fputs("[", f);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fmt == EXPORT_JSON)
			fputs(rows ? ",\n{" : "\n{", f);
		for (int i = 0; i < n; i++) {
			if (fmt == EXPORT_JSON) {
				fputs(i ? ", " : "", f);
				export_json_text(f, sqlite3_column_name(st, i));
				fputs(": ", f);
			} else {
				fputs(i ? sep : "", f);
			}
			export_value(f, fmt, st, i);
		}
		fputs(fmt == EXPORT_JSON ? "}" : eol, f);
		rows++;
	}
	if (fmt == EXPORT_JSON)
		fputs(rows ? "\n]\n" : "]\n", f);
	if (rc != SQLITE_DONE) {
		errmsg(err, errlen, "%s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

/* Runs the export into f. Returns 0 or a negative errno with err set. */
static int export_run(const struct export_opts *o, FILE *f, char *err,
		      size_t errlen)
{
	char src[EXPORT_PATH];
	sqlite3_stmt *st = NULL;
	const char *tail;
	sqlite3 *db;
	char *sql;
	int rc;

	rc = export_open(o, &db, err, errlen);
	if (rc)
		return rc;
	sql = export_sql(db, o->query, src, sizeof(src), err, errlen);
	if (!sql) {
		rc = -EINVAL;
		goto out;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK) {
		errmsg(err, errlen, "%s: %s", src, sqlite3_errmsg(db));
		rc = -EINVAL;
		goto out;
	}
	tail += strspn(tail, " \t\r\n;");
	if (!st || *tail || !sqlite3_stmt_readonly(st)) {
		errmsg(err, errlen, "%s: expected exactly one SELECT statement",
		       src);
		rc = -EINVAL;
		goto out;
	}
	rc = export_bind(o, st, src, err, errlen);
	if (!rc)
		rc = export_rows(db, st, o->format, f, err, errlen);
out:
	sqlite3_finalize(st);
	free(sql);
	sqlite3_close(db);
	return rc;
}

/* Exports into o->out through a temporary file renamed into place; an
 * existing file of another kind (the database itself, a figure, a device)
 * is never replaced (outfile.h). */
static int export_to_file(const struct export_opts *o, char *err, size_t errlen)
{
	struct outfile f;
	int rc = outfile_check(o->out, OUTFILE_TEXT, o->force, err, errlen);

	if (!rc)
		rc = outfile_open(&f, o->out, err, errlen);
	if (rc)
		return rc;
	rc = export_run(o, f.f, err, errlen);
	if (outfile_close(&f, rc == 0, err, errlen) && !rc)
		rc = -EIO;
	return rc;
}

int export_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "query", required_argument, NULL, 'Q' },
		{ "output", required_argument, NULL, 'o' },
		{ "where", required_argument, NULL, 'w' },
		{ "param", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct export_opts o = { .db = "results.db", .query = "summaries" };
	char err[EXPORT_ERR];
	int c, rc;

	optind = 1;
	opterr = 0; /* one line, from analysis_bad_option() */
	while ((c = getopt_long(argc, argv, ":d:f:Q:o:w:p:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			o.db = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				o.format = EXPORT_CSV;
			else if (strcmp(optarg, "tsv") == 0)
				o.format = EXPORT_TSV;
			else if (strcmp(optarg, "json") == 0)
				o.format = EXPORT_JSON;
			else {
				fprintf(stderr,
					"usnsim: export: --format %s: expected "
					"csv, tsv or json\n",
					optarg);
				return EXPORT_EXIT_INPUT;
			}
			break;
		case 'Q':
			o.query = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'w':
			o.where = optarg;
			break;
		case 'p':
			if (!strchr(optarg, '=') || optarg[0] == '=' ||
			    strchr(optarg, '=') - optarg > 100 ||
			    o.nparams == EXPORT_MAXPARAMS) {
				fprintf(stderr,
					"usnsim: export: --param %s: expected "
					"NAME=VALUE (at most %d)\n",
					optarg, EXPORT_MAXPARAMS);
				return EXPORT_EXIT_INPUT;
			}
			o.params[o.nparams++] = optarg;
			break;
		case 'F':
			o.force = true;
			break;
		case 'h':
			export_help(stdout);
			return 0;
		default:
			return analysis_bad_option("export", c, argv);
		}
	}
	if (optind != argc) {
		return analysis_usage_error(
			"export", "unexpected argument '%s'", argv[optind]);
	}
	rc = o.out ? export_to_file(&o, err, sizeof(err))
		   : export_run(&o, stdout, err, sizeof(err));
	if (!o.out && fflush(stdout) && !rc) {
		errmsg(err, sizeof(err), "standard output: %s",
		       strerror(errno));
		rc = -EIO;
	}
	if (rc) {
		fprintf(stderr, "usnsim: export: %s\n", err);
		return EXPORT_EXIT_INPUT;
	}
	return 0;
}
