/*
 * test_plot.c - `usnsim plot` and `usnsim export`, end to end.
 *
 * A fixture database is built in a fresh directory under $TMPDIR or /tmp:
 * the schema from db_open() and the rows of tests/fixtures/plot-fixture.sql
 * (a study 'fix' sweeping apps.a.rate over 50kpps, 100kpps and 1Mpps,
 * three repetitions each, plus a failed run and a run of another scenario
 * that must not be plotted). build/usnsim is then run as a user would,
 * from the repository root, with the templates of ./analysis.
 *
 * Every plot kind must render a PDF (starting with %PDF) and a PNG whose
 * IHDR says 1050 x 720; the data file handed to gnuplot (--data) must
 * hold, for percentile, cdf and drops, the numbers that separate SQL
 * queries written here compute from the raw tables (and a few worked out
 * by hand), in numeric order of the swept rate; for scalar, the mean and
 * 95% half-width (t s / sqrt(n)) that the test works out from the
 * fixture's formulas, per component and per parameter value, with units
 * scaled; the bar and memory kinds are compared with hand-computed
 * tables. Two renders of a figure must be byte-identical, the PDF dated
 * by the newest run. Bad input (unknown kind, metric or key, a histogram
 * or gauge asked of scalar, no data, mixed sweep points, gnuplot missing)
 * must exit with status 2 and say why in one line; --study renders every
 * figure of a study file. Export is checked byte for byte in the three
 * formats, including quoting and escaping.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "util.h"
#include <sqlite3.h>

#include "db.h"

#define USNSIM tu_usnsim()
#define FIXTURE "tests/fixtures/plot-fixture.sql"
#define FIX "r.scenario = 'fix'"
#define T975_2 4.302652729749464 /* Student t, 0.975 quantile, 2 df */

static char dir[64];
static char dbpath[128];

/* ---- helpers ---------------------------------------------------------- */

static const char *const analysis_env[] = { "USNSIM_ANALYSIS=analysis", NULL };

/* Runs argv with the templates of ./analysis, or with the environment
 * entries of env instead ("PATH=..." replaces PATH): the exit status,
 * stdout and stderr both in p->out. */
static int run(struct tu_proc *p, const char *const *argv,
	       const char *const *env)
{
	tu_start(p, argv, TU_MERGE, env ? env : analysis_env);
	return tu_wait(p);
}

/* Runs argv, which must exit with status want; prints the output if not. */
static bool run_expect(const char *const *argv, int want, const char *needle)
{
	struct tu_proc cmd;
	int rc = run(&cmd, argv, NULL);
	bool ok = rc == want && (!needle || strstr(cmd.out, needle));

	if (!ok)
		fprintf(stderr, "\n%s %s: status %d, output:\n%s", argv[1],
			argv[2] ? argv[2] : "", rc, cmd.out);
	tu_proc_free(&cmd);
	return ok;
}

static void path_in(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* A PNG of the documented size: 1050 x 720 pixels. */
static bool png_ok(const char *path)
{
	static const unsigned char magic[8] = { 0x89, 'P',  'N',  'G',
						'\r', '\n', 0x1a, '\n' };
	size_t len = 0;
	unsigned char *p = (unsigned char *)tu_slurp(path, &len);
	bool ok = p && len > 1000 && memcmp(p, magic, 8) == 0 &&
		  memcmp(p + 12, "IHDR", 4) == 0 && be32(p + 16) == 1050 &&
		  be32(p + 20) == 720;

	free(p);
	return ok;
}

static bool pdf_ok(const char *path)
{
	size_t len = 0;
	char *p = tu_slurp(path, &len);
	bool ok = p && len > 1000 && memcmp(p, "%PDF-", 5) == 0 &&
		  strstr(p + len - 32, "%%EOF");

	free(p);
	return ok;
}

/* The data lines of a --data file (no comments, no blank lines), split
 * into tab-separated fields. */
struct table {
	size_t rows, cols[64];
	char *cell[64][8];
	char *text;
};

static void table_read(struct table *t, const char *path)
{
	char *line, *save = NULL;

	memset(t, 0, sizeof(*t));
	t->text = tu_slurp(path, NULL);
	if (!t->text)
		return;
	for (line = strtok_r(t->text, "\n", &save); line && t->rows < 64;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f, *fs = NULL;

		if (line[0] == '#')
			continue;
		for (f = strtok_r(line, "\t", &fs); f && t->cols[t->rows] < 8;
		     f = strtok_r(NULL, "\t", &fs))
			t->cell[t->rows][t->cols[t->rows]++] = f;
		t->rows++;
	}
}

static double num(const struct table *t, size_t r, size_t c)
{
	return r < t->rows && c < t->cols[r] ? strtod(t->cell[r][c], NULL)
					     : NAN;
}

static const char *str(const struct table *t, size_t r, size_t c)
{
	return r < t->rows && c < t->cols[r] ? t->cell[r][c] : "";
}

static bool has_bytes(const char *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(p + i, s, n) == 0)
			return true;
	return false;
}

/* The numbers of a data file: equal within 1e-9, relative above 1. */
#define CHECK_NUM(a, b) CHECK_CLOSE(a, b, 1e-9, 1e-9)

static sqlite3 *open_db(void)
{
	sqlite3 *db = tu_sql_open(dbpath, SQLITE_OPEN_READONLY);

	CU_ASSERT_PTR_NOT_NULL_FATAL(db);
	return db;
}

/* The rate of the fixture's points in Mpps, the unit the x axis gets. */
static double rate_mpps(const char *text)
{
	return strcmp(text, "50kpps") == 0    ? 0.05
	       : strcmp(text, "100kpps") == 0 ? 0.1
	       : strcmp(text, "1Mpps") == 0   ? 1
					      : NAN;
}

/* ---- fixture ---------------------------------------------------------- */

static int setup(void)
{
	struct db *d;
	sqlite3 *db;
	char err[256], *sql;
	int rc;

	if (tu_mkdtemp(dir, sizeof(dir), "plot"))
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/fixture.db", dir);
	if (db_open(dbpath, &d, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	db_close(d);
	sql = tu_slurp(FIXTURE, NULL);
	if (!sql || sqlite3_open(dbpath, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", FIXTURE, sqlite3_errmsg(db));
	sqlite3_close(db);
	free(sql);
	return rc == SQLITE_OK ? 0 : -1;
}

static int teardown(void)
{
	return tu_rmtree(dir);
}

/* ---- rendering -------------------------------------------------------- */

struct kind_case {
	const char *kind;
	const char *args[12];
};

static const struct kind_case kind_cases[] = {
	{ "cdf", { "--group", "apps.a.rate", "--where", FIX, NULL } },
	{ "percentile",
	  { "--metric", "network.queue_delay", "--where", FIX, NULL } },
	{ "breakdown", { "--group", "apps.a.rate", "--where", FIX, NULL } },
	{ "memory",
	  { "--group", "apps.a.rate", "--component", "pool.a", "--where", FIX,
	    NULL } },
	{ "drops", { "--where", FIX, NULL } },
	{ "cpu", { "--group", "apps.a.rate", "--where", FIX, NULL } },
	{ "scalar", { "--metric", "utilization.mean", "--where", FIX, NULL } },
	{ "paired",
	  { "--metric", "network.queue_delay", "--paired", "apps.a.rate",
	    "--baseline", "50kpps", "--where", FIX, NULL } },
	{ "xy",
	  { "--xmetric", "network.utilization.mean", "--metric",
	    "network.queue_delay", "--order", "apps.a.rate", "--where", FIX,
	    NULL } },
};

/* Renders kind into OUT with the case's options (and extra ones). */
static bool render(const struct kind_case *k, const char *out, const char *data,
		   const char *const *extra)
{
	const char *argv[32] = { USNSIM, "plot", k->kind, "--db", dbpath };
	size_t n = 5;

	for (size_t i = 0; k->args[i]; i++)
		argv[n++] = k->args[i];
	for (size_t i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	if (out) {
		argv[n++] = "-o";
		argv[n++] = out;
	}
	if (data) {
		argv[n++] = "--data";
		argv[n++] = data;
	}
	argv[n] = NULL;
	return run_expect(argv, 0, NULL);
}

static void test_every_kind_renders(void)
{
	char pdf[160], png[160], svg[160];

	for (size_t i = 0; i < sizeof(kind_cases) / sizeof(kind_cases[0]);
	     i++) {
		const struct kind_case *k = &kind_cases[i];

		snprintf(pdf, sizeof(pdf), "%s/%s.pdf", dir, k->kind);
		snprintf(png, sizeof(png), "%s/%s.png", dir, k->kind);
		CU_ASSERT(render(k, pdf, NULL, NULL));
		CU_ASSERT(render(k, png, NULL, NULL));
		CU_ASSERT(pdf_ok(pdf));
		CU_ASSERT(png_ok(png));
	}
	/* every kind with an x axis, on a log x axis too */
	for (size_t i = 0; i < sizeof(kind_cases) / sizeof(kind_cases[0]);
	     i++) {
		static const char *const logx[] = { "--logx", NULL };
		const char *k = kind_cases[i].kind;

		if (strcmp(k, "breakdown") && strcmp(k, "cpu") &&
		    strcmp(k, "memory")) {
			snprintf(png, sizeof(png), "%s/%s-logx.png", dir, k);
			CU_ASSERT(render(&kind_cases[i], png, NULL, logx));
			CU_ASSERT(png_ok(png));
		}
	}
	path_in(svg, sizeof(svg), "cdf.svg");
	CU_ASSERT(render(&kind_cases[0], svg, NULL, NULL));
	{
		char *s = tu_slurp(svg, NULL);

		CU_ASSERT(s && strncmp(s, "<?xml", 5) == 0 &&
			  strstr(s, "width=\"336\" height=\"230\""));
		free(s);
	}
}

/* ---- data files ------------------------------------------------------- */

static void test_percentile_data(void)
{
	static const char *const stats[] = { "mean", "p99" };
	const char *extra[] = { "--stat", NULL, NULL };
	char data[160];
	struct table t;

	path_in(data, sizeof(data), "percentile.tsv");
	for (size_t s = 0; s < 2; s++) {
		sqlite3 *db = open_db();
		sqlite3_stmt *st;
		char sql[512];
		size_t row = 0;

		extra[1] = stats[s];
		CU_ASSERT_FATAL(render(&kind_cases[1], NULL, data, extra));
		table_read(&t, data);
		/* The summary_ci view, read independently; rows in numeric
		 * order of the rate, which is not the text order. */
		snprintf(
			sql, sizeof(sql),
			"SELECT json_extract(point, '$.\"apps.a.rate\"'), "
			"%s / 1e6, %s_ci / 1e6, n FROM summary_ci "
			"WHERE scenario = 'fix' AND component = 'network' "
			"AND metric = 'queue_delay' "
			"ORDER BY CASE json_extract(point, '$.\"apps.a.rate\"')"
			" WHEN '50kpps' THEN 1 WHEN '100kpps' THEN 2 ELSE 3 END",
			stats[s], stats[s]);
		CHECK_EQ_FATAL(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
			       SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *rate =
				(const char *)sqlite3_column_text(st, 0);

			CU_ASSERT_STRING_EQUAL(str(&t, row, 0), "network");
			CHECK_NUM(num(&t, row, 1), rate_mpps(rate));
			CHECK_NUM(num(&t, row, 2),
				  sqlite3_column_double(st, 1));
			CHECK_NUM(num(&t, row, 3),
				  sqlite3_column_double(st, 2));
			CHECK_NUM(num(&t, row, 4),
				  sqlite3_column_double(st, 3));
			row++;
		}
		sqlite3_finalize(st);
		sqlite3_close(db);
		CHECK_EQ(row, 3);
		CHECK_EQ(t.rows, 3);
		/* By hand: means 1.0, 1.1, 1.2 us at 50kpps (sd 0.1); p99
		 * 2.0, 2.1, 2.4 us (sd 0.2082). Run 10 (failed) and run 11
		 * (another scenario) would move them. */
		if (s == 0) {
			CHECK_NUM(num(&t, 0, 2), 1.1);
			CHECK_NUM(num(&t, 0, 3), T975_2 * 0.1 / sqrt(3));
			CHECK_NUM(num(&t, 2, 2), 3.1);
		} else {
			CHECK_NUM(num(&t, 0, 2), 6.5 / 3);
			CHECK_NUM(num(&t, 0, 3),
				  T975_2 * sqrt(0.26 / 3 / 2) / sqrt(3));
		}
		free(t.text);
	}
}

static void test_cdf_data(void)
{
	const char *sql =
		"SELECT p.value, h.lower, h.upper, sum(h.count) "
		"FROM histograms AS h JOIN runs AS r ON r.id = h.run_id "
		"JOIN params AS p ON p.run_id = r.id AND p.path = 'apps.a.rate' "
		"WHERE r.status = 'ok' AND r.scenario = 'fix' "
		"AND h.component = 'apps.a' AND h.metric = 'latency' "
		"GROUP BY p.value, h.lower, h.upper "
		"ORDER BY CASE p.value WHEN '50kpps' THEN 1 "
		"WHEN '100kpps' THEN 2 ELSE 3 END, h.lower";
	char data[160], prev[32] = "";
	double count[16], lower[16], upper[16], total = 0;
	sqlite3_stmt *st;
	sqlite3 *db;
	struct table t;
	size_t row = 0, nb = 0;
	int rc;

	path_in(data, sizeof(data), "cdf.tsv");
	CU_ASSERT_FATAL(render(&kind_cases[0], NULL, data, NULL));
	table_read(&t, data);
	/* Buckets summed over the runs of each rate; each line starts at 0
	 * at the first lower bound, then the fraction below each upper
	 * bound. The x axis is in ns (the largest bound is 121.2 ns). */
	db = open_db();
	CHECK_EQ_FATAL(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	do {
		rc = sqlite3_step(st);
		const char *g =
			rc == SQLITE_ROW
				? (const char *)sqlite3_column_text(st, 0)
				: "";

		if (nb && strcmp(g, prev)) {
			double cum = 0;

			CU_ASSERT_STRING_EQUAL(str(&t, row, 0), prev);
			CHECK_NUM(num(&t, row, 1), lower[0] / 1e3);
			CHECK_NUM(num(&t, row, 2), 0);
			row++;
			for (size_t b = 0; b < nb; b++, row++) {
				cum += count[b];
				CU_ASSERT_STRING_EQUAL(str(&t, row, 0), prev);
				CHECK_NUM(num(&t, row, 1), upper[b] / 1e3);
				CHECK_NUM(num(&t, row, 2), cum / total);
			}
			nb = 0;
			total = 0;
		}
		if (rc == SQLITE_ROW && nb < 16) {
			snprintf(prev, sizeof(prev), "%s", g);
			lower[nb] = sqlite3_column_double(st, 1);
			upper[nb] = sqlite3_column_double(st, 2);
			count[nb] = sqlite3_column_double(st, 3);
			total += count[nb++];
		}
	} while (rc == SQLITE_ROW);
	sqlite3_finalize(st);
	sqlite3_close(db);
	CHECK_EQ(row, 12);
	CHECK_EQ(t.rows, 12);
	/* By hand, 50kpps: 2+3+4 = 9, 9 and 3 samples in the buckets. */
	CU_ASSERT_STRING_EQUAL(str(&t, 1, 0), "50kpps");
	CHECK_NUM(num(&t, 1, 1), 10.1);
	CHECK_NUM(num(&t, 1, 2), 9.0 / 21);
	CHECK_NUM(num(&t, 2, 2), 18.0 / 21);
	CHECK_NUM(num(&t, 3, 2), 1);
	CU_ASSERT_STRING_EQUAL(str(&t, 8, 0), "1Mpps");
	free(t.text);
}

static void test_drops_data(void)
{
	const char *sql =
		"SELECT reason, rate, avg(v), count(*), group_concat(v) FROM ("
		" SELECT substr(s.metric, 7) AS reason, p.value AS rate,"
		" sum(s.value) AS v"
		" FROM scalars AS s JOIN runs AS r ON r.id = s.run_id"
		" JOIN params AS p ON p.run_id = r.id AND p.path = 'apps.a.rate'"
		" WHERE r.status = 'ok' AND r.scenario = 'fix'"
		" AND s.metric LIKE 'drops.%'"
		" GROUP BY r.id, reason) "
		"GROUP BY reason, rate "
		"ORDER BY reason, CASE rate WHEN '50kpps' THEN 1"
		" WHEN '100kpps' THEN 2 ELSE 3 END";
	char data[160];
	sqlite3_stmt *st;
	sqlite3 *db;
	struct table t;
	size_t row = 0;

	path_in(data, sizeof(data), "drops.tsv");
	CU_ASSERT_FATAL(render(&kind_cases[4], NULL, data, NULL));
	table_read(&t, data);
	db = open_db();
	CHECK_EQ_FATAL(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		double mean = sqlite3_column_double(st, 2), ss = 0, v;
		int n = sqlite3_column_int(st, 3);
		const char *vals = (const char *)sqlite3_column_text(st, 4);
		char *end;

		/* the 95% half-width from the per-run values */
		for (const char *p = vals; *p; p = *end ? end + 1 : end) {
			v = strtod(p, &end);
			ss += (v - mean) * (v - mean);
		}
		CHECK_EQ(n, 3);
		CU_ASSERT_STRING_EQUAL(
			str(&t, row, 0),
			(const char *)sqlite3_column_text(st, 0));
		CHECK_NUM(num(&t, row, 1),
			  rate_mpps((const char *)sqlite3_column_text(st, 1)));
		CHECK_NUM(num(&t, row, 2), mean);
		CHECK_NUM(num(&t, row, 3),
			  T975_2 * sqrt(ss / (n - 1)) / sqrt(n));
		row++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	CHECK_EQ(row, 6);
	CHECK_EQ(t.rows, 6);
	/* By hand: queue_full at 50kpps is 10 + k on the network and 1 on
	 * the nic: 11, 12, 13 packets. */
	CU_ASSERT_STRING_EQUAL(str(&t, 0, 0), "queue_full");
	CHECK_NUM(num(&t, 0, 2), 12);
	CHECK_NUM(num(&t, 0, 3), T975_2 / sqrt(3));
	CU_ASSERT_STRING_EQUAL(str(&t, 3, 0), "spoofed");
	free(t.text);
}

/* The fixture's gauge utilization, mean row, of run (p, k) on the network
 * (c = 0) or the nic (c = 1), as plot-fixture.sql writes it. */
static double util_mean(int c, int p, int k)
{
	return c == 0 ? (10 * p + k * k) / 100.0 : (5 * p + 2 * k) / 100.0;
}

/* Mean and 95% half-width of three values, t(2) s / sqrt(3). */
static void mean_ci3(const double v[3], double *mean, double *ci)
{
	double ss = 0;

	*mean = (v[0] + v[1] + v[2]) / 3;
	for (int i = 0; i < 3; i++)
		ss += (v[i] - *mean) * (v[i] - *mean);
	*ci = T975_2 * sqrt(ss / 2) / sqrt(3);
}

static void test_scalar_data(void)
{
	static const char *const rates[] = { "50kpps", "100kpps", "1Mpps" };
	static const char *const comps[] = { "network", "nic" };
	static const char *const ns[] = { "--metric",
					  "cpu.kernel.cpu.per_packet", NULL };
	static const char *const pk[] = {
		"--metric", "network.drops.queue_full",
		"--group",  "network.rate",
		"--x",	    "apps.a.rate",
		NULL
	};
	char data[160], *s;
	struct table t;
	size_t row = 0;

	path_in(data, sizeof(data), "scalar.tsv");
	/* A gauge statistic with no unit, one line per component (the
	 * default group), rows by component, then rate by value. */
	CU_ASSERT_FATAL(render(&kind_cases[6], NULL, data, NULL));
	s = tu_slurp(data, NULL);
	CU_ASSERT(s &&
		  strstr(s, "# usnsim plot scalar --metric "
			    "utilization.mean --x apps.a.rate --group "
			    "component\n# line\tx (Mpps)\ty\tci\tn\n") == s);
	free(s);
	table_read(&t, data);
	CHECK_EQ(t.rows, 6);
	for (int c = 0; c < 2; c++) {
		for (int p = 1; p <= 3; p++, row++) {
			double v[3], mean, ci;

			for (int k = 0; k < 3; k++)
				v[k] = util_mean(c, p, k);
			mean_ci3(v, &mean, &ci);
			CU_ASSERT_STRING_EQUAL(str(&t, row, 0), comps[c]);
			CHECK_NUM(num(&t, row, 1), rate_mpps(rates[p - 1]));
			CHECK_NUM(num(&t, row, 2), mean);
			CHECK_NUM(num(&t, row, 3), ci);
			CU_ASSERT_STRING_EQUAL(str(&t, row, 4), "3");
		}
	}
	/* By hand: the nic at 50kpps is 0.05, 0.07, 0.09 (s = 0.02); the
	 * network at 1Mpps 0.30, 0.31, 0.34. Run 10 (failed, 99) and run
	 * 11 (another scenario) would move them. */
	CHECK_NUM(num(&t, 3, 2), 0.07);
	CHECK_NUM(num(&t, 3, 3), T975_2 * 0.02 / sqrt(3));
	CHECK_NUM(num(&t, 2, 2), 0.95 / 3);
	free(t.text);

	/* ps scaled to ns: the kernel's 500, 501, 502 ns (s = 1 ns). */
	CU_ASSERT_FATAL(render(&kind_cases[6], NULL, data, ns));
	s = tu_slurp(data, NULL);
	CU_ASSERT(s && strstr(s, "\tx (Mpps)\ty (ns)\tci (ns)\tn\n"));
	free(s);
	table_read(&t, data);
	CHECK_EQ(t.rows, 3);
	for (row = 0; row < 3; row++) {
		CU_ASSERT_STRING_EQUAL(str(&t, row, 0), "cpu.kernel");
		CHECK_NUM(num(&t, row, 2), 501);
		CHECK_NUM(num(&t, row, 3), T975_2 / sqrt(3));
	}
	free(t.text);

	/* A counter in packets, one line per value of a parameter: the
	 * network's queue_full drops, 10p + k. */
	CU_ASSERT_FATAL(render(&kind_cases[6], NULL, data, pk));
	s = tu_slurp(data, NULL);
	table_read(&t, data);
	CU_ASSERT(s && strstr(s, "\ty (packets)\tci (packets)\tn\n"));
	CHECK_EQ(t.rows, 3);
	for (row = 0; row < 3; row++) {
		double v[3], mean, ci;

		for (int k = 0; k < 3; k++)
			v[k] = 10.0 * (double)(row + 1) + k;
		mean_ci3(v, &mean, &ci);
		CU_ASSERT_STRING_EQUAL(str(&t, row, 0), "1Gbps");
		CHECK_NUM(num(&t, row, 2), mean);
		CHECK_NUM(num(&t, row, 3), ci);
	}
	free(t.text);
	free(s);
}

/* xy: the network's utilization (a gauge's mean, no unit) on x against
 * its queue delay's p99 on y, a point per rate in numeric order; each
 * the mean and t(2) s / sqrt(3) of the three repetitions, worked out from
 * the fixture's formulas: utilization (10p + k^2) / 100, p99 2p + 0.1 k^2
 * us. Then the options it refuses. */
static void test_xy_data(void)
{
	static const char *const rates[] = { "50 kpps", "100 kpps", "1 Mpps" };
	const char *yunit[] = { "--yunit", "us", NULL };
	char data[160], *s;
	struct table t;

	path_in(data, sizeof(data), "xy.tsv");
	CU_ASSERT_FATAL(render(&kind_cases[8], NULL, data, yunit));
	s = tu_slurp(data, NULL);
	CU_ASSERT(s && strstr(s, "# usnsim plot xy --xmetric "
				 "network.utilization.mean --metric "
				 "network.queue_delay --stat p99 --order "
				 "apps.a.rate\n# line\tx\ty (µs)\tci "
				 "(µs)\txci\tn\tapps.a.rate\n") == s);
	free(s);
	table_read(&t, data);
	CHECK_EQ(t.rows, 3);
	for (int p = 1; p <= 3; p++) {
		double u[3], d[3], um, uci, dm, dci;

		for (int k = 0; k < 3; k++) {
			u[k] = util_mean(0, p, k);
			d[k] = 2.0 * p + 0.1 * k * k;
		}
		mean_ci3(u, &um, &uci);
		mean_ci3(d, &dm, &dci);
		/* one line with no group: its label is empty, and
		 * table_read() starts at the x column */
		CHECK_NUM(num(&t, (size_t)p - 1, 0), um);
		CHECK_NUM(num(&t, (size_t)p - 1, 1), dm);
		CHECK_NUM(num(&t, (size_t)p - 1, 2), dci);
		CHECK_NUM(num(&t, (size_t)p - 1, 3), uci);
		CU_ASSERT_STRING_EQUAL(str(&t, (size_t)p - 1, 4), "3");
		CU_ASSERT_STRING_EQUAL(str(&t, (size_t)p - 1, 5), rates[p - 1]);
	}
	/* by hand: at 50kpps utilization 0.10, 0.11, 0.14; p99 2.0, 2.1,
	 * 2.4 us */
	CHECK_NUM(num(&t, 0, 0), 0.35 / 3);
	CHECK_NUM(num(&t, 0, 1), 6.5 / 3);
	free(t.text);
	/* the same points labelled, and in a panel per rate */
	{
		static const char *const lab[] = { "--point-labels", NULL };
		static const char *const fac[] = { "--facet", "apps.a.rate",
						   "--point-labels", NULL };
		char png[160];

		path_in(png, sizeof(png), "xy-labels.png");
		CU_ASSERT(render(&kind_cases[8], png, NULL, lab));
		CU_ASSERT(png_ok(png));
		path_in(png, sizeof(png), "xy-facets.png");
		CU_ASSERT(render(&kind_cases[8], png, NULL, fac));
		CU_ASSERT(png_ok(png));
	}
}

static void test_xy_errors(void)
{
	static const struct {
		const char *args[12], *msg;
	} cases[] = {
		{ { "--metric", "network.queue_delay", NULL },
		  "usnsim: plot: an xy figure needs --xmetric and --metric" },
		{ { "--xmetric", "network.utilization.mean", "--xstat", "p99",
		    "--metric", "network.queue_delay", NULL },
		  "usnsim: plot: --xstat p99: network.utilization.mean is a "
		  "scalar, which has no statistic; leave --xstat out\n" },
		{ { "--xmetric", "network.utilization", "--metric",
		    "network.queue_delay", NULL },
		  "usnsim: plot: --xmetric network.utilization: a gauge; name "
		  "one of its statistics" },
		{ { "--xmetric", "network.nope", "--metric",
		    "network.queue_delay", NULL },
		  "usnsim: plot: --xmetric network.nope: no such metric in the "
		  "scalars or summaries of the selected runs" },
		{ { "--xmetric", "network.utilization.mean", "--metric",
		    "network.queue_delay", "--order", "apps.a.nope", NULL },
		  "usnsim: plot: --order apps.a.nope: no such parameter" },
		{ { "--xmetric", "network.utilization.mean", "--metric",
		    "network.queue_delay", NULL },
		  "usnsim: plot: point (all) of line (all) mixes 3 sweep points" },
		{ { "--xmetric", "network.utilization.mean", "--metric",
		    "network.queue_delay", "--order", "apps.a.rate", "--x",
		    "apps.a.rate", NULL },
		  "usnsim: plot: --x does not apply to xy figures\n" },
		{ { "--xmetric", "network.utilization.mean", "--metric",
		    "network.queue_delay", "--order", "apps.a.rate", "--ymin",
		    "2", NULL },
		  "usnsim: plot: --ymin 2: a bare number on an axis in µs; give "
		  "its unit (2us?)\n" },
		{ { "--xmetric", "network.utilization.mean", "--metric",
		    "network.queue_delay", "--order", "apps.a.rate", "--ymin",
		    "2kpps", NULL },
		  "usnsim: plot: --ymin 2kpps: not a quantity of the y axis" },
		{ { "--xmetric", "network.utilization.mean", "--metric",
		    "network.queue_delay", "--order", "apps.a.rate", "--logy",
		    "--ymin", "0us", NULL },
		  "usnsim: plot: --ymin 0us: a log y axis holds values above 0 "
		  "only\n" },
		{ { "--xmetric", "network.utilization.mean", "--metric",
		    "network.queue_delay", "--order", "apps.a.rate", "--ymin",
		    "3us", "--ymax", "2us", NULL },
		  "usnsim: plot: --ymin 3us is not below --ymax 2us\n" },
		{ { "--xmetric", "network.utilization.mean", "--metric",
		    "network.queue_delay", "--order", "apps.a.rate", "--group",
		    "network.rate", "--key-names", "2Gbps=two", NULL },
		  "usnsim: plot: --key-names: '2Gbps=two' names no value of the "
		  "group (values of --group network.rate: '1Gbps')\n" },
	};
	char fig[160];
	struct tu_proc cmd;
	struct stat sb;

	path_in(fig, sizeof(fig), "xy-error.pdf");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[24] = { USNSIM, "plot", "xy",
					 "--db", dbpath, "--where",
					 FIX,	 "-o",	 fig };
		size_t n = 9;

		for (size_t j = 0; cases[i].args[j]; j++)
			argv[n++] = cases[i].args[j];
		argv[n] = NULL;
		CHECK_EQ(run(&cmd, argv, NULL), 2);
		CU_ASSERT(strncmp(cmd.out, cases[i].msg,
				  strlen(cases[i].msg)) == 0);
		if (strncmp(cmd.out, cases[i].msg, strlen(cases[i].msg)))
			fprintf(stderr, "\ncase %zu: %s", i, cmd.out);
		tu_proc_free(&cmd);
		CHECK_NE(stat(fig, &sb), 0);
	}
}

static void test_bars_and_memory_data(void)
{
	char data[160], *s;

	path_in(data, sizeof(data), "bars.tsv");
	/* Stages of apps.a: queueing 2p us, transmission 10 us; the empty
	 * stage has no samples and no column. A bar's label reads its value
	 * as the key would ("50 kpps"). */
	CU_ASSERT_FATAL(render(&kind_cases[2], NULL, data, NULL));
	s = tu_slurp(data, NULL);
	CU_ASSERT(s && strstr(s, "# bar\tqueueing (µs)\ttransmission (µs)\n"
				 "50 kpps\t2\t10\n100 kpps\t4\t10\n"
				 "1 Mpps\t6\t10\n"));
	free(s);
	/* CPU per packet: kernel 500 + k ns (mean 501), user 200p ns. */
	CU_ASSERT_FATAL(render(&kind_cases[5], NULL, data, NULL));
	s = tu_slurp(data, NULL);
	CU_ASSERT(s && strstr(s, "# bar\tkernel (ns)\tuser (ns)\n"
				 "50 kpps\t501\t200\n100 kpps\t501\t400\n"
				 "1 Mpps\t501\t600\n"));
	free(s);
	/* Grouped by two parameters: one bar per pair of values, sorted by
	 * each value in turn (1Mpps after 100kpps). */
	{
		static const char *const two[] = { "--group",
						   "network.rate,apps.a.rate",
						   NULL };
		const struct kind_case k = { "cpu", { "--where", FIX, NULL } };

		CU_ASSERT_FATAL(render(&k, NULL, data, two));
		s = tu_slurp(data, NULL);
		CU_ASSERT(s && strstr(s, "# bar\tkernel (ns)\tuser (ns)\n"
					 "1 Gbps 50 kpps\t501\t200\n"
					 "1 Gbps 100 kpps\t501\t400\n"
					 "1 Gbps 1 Mpps\t501\t600\n"));
		free(s);
	}
	/* Memory of pool.a at 100kpps: (1 + t / 1 ms) 2 MiB + k KiB in use
	 * (k averages to 1), 4 MiB reserved; time in ms. */
	CU_ASSERT_FATAL(render(&kind_cases[3], NULL, data, NULL));
	s = tu_slurp(data, NULL);
	CU_ASSERT(s && strstr(s, "\n\n\n100kpps\t0\t2.0009765625\t4\n"
				 "100kpps\t1\t4.0009765625\t4\n"
				 "100kpps\t2\t6.0009765625\t4\n"));
	CU_ASSERT(s &&
		  strstr(s, "# line\tx (ms)\tin_use (MiB)\t"
			    "reserved (MiB)\n50kpps\t0\t1.0009765625\t4\n"));
	free(s);
}

/* ---- determinism ------------------------------------------------------ */

/*
 * paired: against 50kpps, one line per other rate, its point the mean of
 * the per-repetition differences of network.queue_delay and their 95%
 * half-width, computed here from the summaries rows.
 */
static void test_paired_data(void)
{
	static const char *const other[] = { "100kpps", "1Mpps" };
	const char *extra[] = { "--stat", "p99", "--x", "apps.a.rate", NULL };
	char data[160];
	struct table t;
	sqlite3 *db = open_db();

	path_in(data, sizeof(data), "paired.tsv");
	CU_ASSERT_FATAL(render(&kind_cases[7], NULL, data, extra));
	table_read(&t, data);
	CHECK_EQ(t.rows, 2);
	for (size_t b = 0; b < 2; b++) {
		double d[3], mean = 0, ss = 0;

		for (int r = 0; r < 3; r++) {
			d[r] = tu_sql_double(
				       db,
				       "SELECT s.p99 FROM summaries AS s JOIN"
				       " runs AS r ON r.id = s.run_id WHERE"
				       " r.scenario = 'fix' AND r.status = 'ok'"
				       " AND r.repetition = %d AND"
				       " s.component = 'network' AND"
				       " s.metric = 'queue_delay' AND"
				       " json_extract(r.point,"
				       " '$.\"apps.a.rate\"') = %Q",
				       r, other[b]) -
			       tu_sql_double(
				       db,
				       "SELECT s.p99 FROM summaries AS s JOIN"
				       " runs AS r ON r.id = s.run_id WHERE"
				       " r.scenario = 'fix' AND r.status = 'ok'"
				       " AND r.repetition = %d AND"
				       " s.component = 'network' AND"
				       " s.metric = 'queue_delay' AND"
				       " json_extract(r.point,"
				       " '$.\"apps.a.rate\"') = '50kpps'",
				       r);
			mean += d[r] / 3;
		}
		for (int r = 0; r < 3; r++)
			ss += (d[r] - mean) * (d[r] - mean);
		CU_ASSERT_STRING_EQUAL(str(&t, b, 0), other[b]);
		CHECK_NUM(num(&t, b, 1), 50); /* the baseline's rate, kpps */
		CHECK_NUM(num(&t, b, 2) * 1e6, mean);
		CHECK_NUM(num(&t, b, 3) * 1e6, T975_2 * sqrt(ss / 2) / sqrt(3));
		CHECK_EQ(num(&t, b, 4), 3);
	}
	free(t.text);
	sqlite3_close(db);
	/* a baseline that is no value of the parameter */
	{
		const char *argv[] = { USNSIM,
				       "plot",
				       "paired",
				       "--db",
				       dbpath,
				       "--metric",
				       "network.queue_delay",
				       "--paired",
				       "apps.a.rate",
				       "--baseline",
				       "7kpps",
				       "--data",
				       data,
				       NULL };

		CU_ASSERT(run_expect(argv, 2, "--baseline 7kpps: not a value"));
	}
}

/*
 * --facet: one panel per rate, the rows of panel f those of the figure
 * without --facet at that rate; kinds without panels refuse it.
 */
static void test_facet_data(void)
{
	const char *extra[] = { "--facet", "apps.a.rate", NULL };
	char data[160], png[160], plain[160];
	struct table t, u;

	path_in(data, sizeof(data), "facet.tsv");
	path_in(plain, sizeof(plain), "nofacet.tsv");
	path_in(png, sizeof(png), "facet.png");
	CU_ASSERT_FATAL(render(&kind_cases[1], png, data, extra));
	CU_ASSERT(png_ok(png));
	CU_ASSERT_FATAL(render(&kind_cases[1], NULL, plain, NULL));
	table_read(&t, data);
	table_read(&u, plain);
	CHECK_EQ(t.rows, 3);
	CHECK_EQ(u.rows, 3);
	for (size_t r = 0; r < 3; r++)
		for (size_t c = 1; c < 5; c++)
			CHECK_NUM(num(&t, r, c), num(&u, r, c));
	/* three blocks, one per panel */
	{
		char *s = tu_slurp(data, NULL);
		size_t blocks = 1;

		for (char *p = s; p && (p = strstr(p, "\n\n\n")); p += 3)
			blocks++;
		CHECK_EQ(blocks, 3);
		free(s);
	}
	free(t.text);
	free(u.text);
	{
		const char *argv[] = { USNSIM,	      "plot",	"breakdown",
				       "--db",	      dbpath,	"--facet",
				       "apps.a.rate", "--data", data,
				       NULL };

		CU_ASSERT(run_expect(argv, 2,
				     "--facet does not apply to breakdown"));
	}
}

/* Labels: the x axis named from the parameter registry with its unit; a
 * --xlabel keeps the unit unless it names one; the key title a short
 * parameter name. Read from the SVG's text. */
static bool svg_has(const char *path, const char *needle)
{
	char *s = tu_slurp(path, NULL);
	bool ok = s && strstr(s, needle);

	free(s);
	return ok;
}

static void test_labels(void)
{
	const char *own[] = { "--xlabel", "Load", NULL };
	const char *unit[] = { "--xlabel", "Load (kpps, 64 B)", "--group",
			       "apps.a.rate", NULL };
	char svg[160];

	path_in(svg, sizeof(svg), "labels.svg");
	CU_ASSERT_FATAL(render(&kind_cases[1], svg, NULL, NULL));
	CU_ASSERT(svg_has(svg, "Offered load (Mpps)"));
	CU_ASSERT(svg_has(svg, "p99 queue delay of network (µs)"));
	CU_ASSERT_FATAL(render(&kind_cases[1], svg, NULL, own));
	CU_ASSERT(svg_has(svg, "Load (Mpps)"));
	CU_ASSERT_FATAL(render(&kind_cases[1], svg, NULL, unit));
	CU_ASSERT(svg_has(svg, "Load (kpps, 64 B)"));
	CU_ASSERT(!svg_has(svg, "Load (kpps, 64 B) ("));
	/* the key: a short name over values with a space before the unit */
	CU_ASSERT(svg_has(svg, ">rate<") || svg_has(svg, "rate</text>"));
	CU_ASSERT(svg_has(svg, "50 kpps"));
}

/*
 * Stacked bars with eight stages, two of them under 3% of the bar: those
 * two become one segment "other", their sum, stacked last; the six others
 * keep their names and values.
 */
static void test_bars_other(void)
{
	static const char *const sql =
		"INSERT INTO runs (id, scenario, path, hash, point, repetition,"
		" seed, engine, version, started, wall_s, events, sim_s,"
		" status) VALUES (900, 'stg', 'stg.yaml', 'h9', '{}', 0, 1,"
		" 'native', 'v', '2026-01-01T00:00:00Z', 1, 1, 1, 'ok');"
		"INSERT INTO summaries (run_id, component, metric, unit, count,"
		" mean, stddev, min, p50, p90, p99, p999, max) SELECT 900,"
		" 'apps.s', 'stage.' || name, 'ps', 10, v, 0, v, v, v, v, v, v"
		" FROM (SELECT 'a_one' AS name, 20000 AS v UNION ALL"
		" SELECT 'b', 20000 UNION ALL SELECT 'c', 20000 UNION ALL"
		" SELECT 'd', 20000 UNION ALL SELECT 'e', 10000 UNION ALL"
		" SELECT 'f', 10000 UNION ALL SELECT 'tiny_1', 1000 UNION ALL"
		" SELECT 'tiny_2', 500)";
	const char *extra[] = { "--where", "r.scenario = 'stg'", "--group",
				"scenario", NULL };
	struct kind_case k = { "breakdown", { NULL } };
	char data[160], *s;
	sqlite3 *db;

	CU_ASSERT_FATAL(sqlite3_open(dbpath, &db) == SQLITE_OK);
	CHECK_EQ(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	path_in(data, sizeof(data), "other.tsv");
	CU_ASSERT_FATAL(render(&k, NULL, data, extra));
	s = tu_slurp(data, NULL);
	CU_ASSERT(s && strstr(s, "# bar\ta_one (ns)\tb (ns)\tc (ns)\td (ns)\t"
				 "e (ns)\tf (ns)\tother (ns)\n"
				 "stg\t20\t20\t20\t20\t10\t10\t1.5\n"));
	free(s);
	/* cleanup: the other tests do not see scenario stg */
	CU_ASSERT_FATAL(sqlite3_open(dbpath, &db) == SQLITE_OK);
	CHECK_EQ(sqlite3_exec(db,
			      "PRAGMA foreign_keys = ON;"
			      " DELETE FROM runs WHERE id = 900",
			      NULL, NULL, NULL),
		 SQLITE_OK);
	sqlite3_close(db);
}

static void test_deterministic(void)
{
	static const char *const fmts[] = { "pdf", "png" };
	char a[160], b[160];

	for (size_t i = 0; i < 2; i++) {
		size_t la = 0, lb = 0;
		char *pa, *pb;

		snprintf(a, sizeof(a), "%s/det1.%s", dir, fmts[i]);
		snprintf(b, sizeof(b), "%s/det2.%s", dir, fmts[i]);
		CU_ASSERT(render(&kind_cases[1], a, NULL, NULL));
		sleep(1); /* a clock-based date would now differ */
		CU_ASSERT(render(&kind_cases[1], b, NULL, NULL));
		pa = tu_slurp(a, &la);
		pb = tu_slurp(b, &lb);
		CHECKF(pa && pb && la == lb && memcmp(pa, pb, la) == 0,
		       "%s: %zu bytes, then %zu", fmts[i], la, lb);
		/* The newest selected run (run 10) started 03:04:10. */
		if (i == 0)
			CU_ASSERT(pa && has_bytes(pa, la, "D:20240102030410"));
		free(pa);
		free(pb);
	}
}

/* ---- errors ----------------------------------------------------------- */

static void test_errors(void)
{
	char out[160], empty[160];
	const char *bogus[] = { USNSIM, "plot", "pie", "--db",
				dbpath, "-o",	out,   NULL };
	const char *none[] = { USNSIM, "plot", NULL };
	const char *metric[] = { USNSIM, "plot",     "percentile",   "--db",
				 dbpath, "--metric", "network.nope", "-o",
				 out,	 NULL };
	const char *mixed[] = {
		USNSIM, "plot",	    "percentile",	   "--db",
		dbpath, "--metric", "network.queue_delay", "-o",
		out,	NULL
	};
	const char *nodata[] = { USNSIM, "plot",	"memory",  "--db",
				 dbpath, "--component", "no.such", "-o",
				 out,	 NULL };
	const char *where[] = { USNSIM,
				"plot",
				"drops",
				"--db",
				dbpath,
				"--where",
				"1); DROP TABLE runs; --",
				"-o",
				out,
				NULL };
	const char *ext[] = { USNSIM,	 "plot", "drops", "--db",	dbpath,
			      "--where", FIX,	 "-o",	  "figure.jpg", NULL };
	const char *nodb[] = { USNSIM,	       "plot", "cdf", "--db",
			       "/nonexistent", "-o",   out,   NULL };
	const char *badstat[] = { USNSIM, "plot",   "percentile", "--db",
				  dbpath, "--stat", "p42",	  "-o",
				  out,	  NULL };
	const char *xnum[] = { USNSIM, "plot",	  "drops", "--db",
			       dbpath, "--where", FIX,	   "--x",
			       "name", "-o",	  out,	   NULL };
	const char *nognuplot[] = { USNSIM,    "plot", "drops", "--db", dbpath,
				    "--where", FIX,    "-o",	out,	NULL };
	char path_env[200];
	struct tu_proc cmd;
	const char *env[] = { path_env, "USNSIM_ANALYSIS=analysis", NULL };
	struct stat sb;

	path_in(out, sizeof(out), "error.pdf");
	CU_ASSERT(run_expect(bogus, 2, "unknown plot kind 'pie'"));
	CU_ASSERT(run_expect(none, 2, "missing KIND"));
	CU_ASSERT(run_expect(metric, 2, "no such metric"));
	CU_ASSERT(run_expect(mixed, 2, "mixes 2 sweep points"));
	CU_ASSERT(run_expect(nodata, 2, "no data for a memory figure"));
	CU_ASSERT(run_expect(where, 2, "--where"));
	CU_ASSERT(run_expect(ext, 2, "expected a file name ending in .pdf"));
	CU_ASSERT(run_expect(nodb, 2, "/nonexistent"));
	CU_ASSERT(run_expect(badstat, 2, "--stat p42"));
	CU_ASSERT(run_expect(xnum, 2, "not a number"));
	CHECK_NE(stat(out, &sb), 0); /* no partial figure */
	/* gnuplot missing: PATH is an empty directory */
	path_in(empty, sizeof(empty), "empty-bin");
	mkdir(empty, 0700);
	snprintf(path_env, sizeof(path_env), "PATH=%s", empty);
	CHECK_EQ(run(&cmd, nognuplot, env), 2);
	CU_ASSERT(strstr(cmd.out, "make deps") != NULL);
	tu_proc_free(&cmd);
	CHECK_NE(stat(out, &sb), 0);
}

/* Bad input to scalar: exit 2, one line naming the metric or option, and
 * no figure. */
static void test_scalar_errors(void)
{
	static const struct {
		const char *kind, *args[5], *msg;
	} cases[] = {
		{ "scalar",
		  { "--metric", "network.nope", NULL },
		  "usnsim: plot: --metric network.nope: no such metric in the "
		  "scalars of the selected runs (there: " },
		{ "scalar",
		  { "--metric", "network.queue_delay", NULL },
		  "usnsim: plot: --metric network.queue_delay: a histogram "
		  "metric, not in the scalars of the selected runs; draw it "
		  "with `usnsim plot percentile`\n" },
		{ "scalar",
		  { "--metric", "network.utilization", NULL },
		  "usnsim: plot: --metric network.utilization: a gauge; name "
		  "one of its statistics, network.utilization.mean, "
		  "network.utilization.min or network.utilization.max\n" },
		{ "scalar",
		  { "--metric", "utilization.mean", "--stat", "mean", NULL },
		  "usnsim: plot: --stat does not apply to scalar figures\n" },
		{ "scalar",
		  { NULL },
		  "usnsim: plot: a scalar figure needs --metric METRIC or "
		  "COMPONENT.METRIC, a row of table scalars\n" },
		{ "percentile",
		  { "--metric", "network.sent", NULL },
		  "usnsim: plot: --metric network.sent: a scalar metric, not "
		  "in the summaries of the selected runs; draw it with "
		  "`usnsim plot scalar`\n" },
	};
	const char *mixed[] = { USNSIM, "plot",	    "scalar",		"--db",
				dbpath, "--metric", "utilization.mean", "-o",
				NULL,	NULL };
	char fig[160];
	struct tu_proc cmd;
	struct stat sb;

	path_in(fig, sizeof(fig), "scalar-error.pdf");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[16] = { USNSIM, "plot", cases[i].kind,
					 "--db", dbpath, "--where",
					 FIX,	 "-o",	 fig };
		size_t n = 9;

		for (size_t j = 0; cases[i].args[j]; j++)
			argv[n++] = cases[i].args[j];
		argv[n] = NULL;
		CHECK_EQ(run(&cmd, argv, NULL), 2);
		CU_ASSERT(strncmp(cmd.out, cases[i].msg,
				  strlen(cases[i].msg)) == 0);
		CU_ASSERT(strchr(cmd.out, '\n') ==
			  cmd.out + strlen(cmd.out) - 1);
		if (strncmp(cmd.out, cases[i].msg, strlen(cases[i].msg)))
			fprintf(stderr, "\ncase %zu: %s", i, cmd.out);
		tu_proc_free(&cmd);
		CHECK_NE(stat(fig, &sb), 0);
	}
	/* Without --where, run 11 of another scenario joins the network's
	 * line at 50kpps. */
	mixed[8] = fig;
	CU_ASSERT(run_expect(mixed, 2, "mixes 2 sweep points"));
	CHECK_NE(stat(fig, &sb), 0);
}

/* ---- --study ---------------------------------------------------------- */

static void test_study(void)
{
	static const char *const files[] = { "fix_p99.pdf",  "fix_p99.png",
					     "fix_cpu.pdf",  "fix_cpu.png",
					     "fix_util.pdf", "fix_util.png" };
	char figs[160], path[200];
	const char *argv[] = { USNSIM,	  "plot",
			       "--study", "tests/fixtures/plot-study.yaml",
			       "--db",	  dbpath,
			       "-o",	  figs,
			       NULL };
	const char *bad[] = { USNSIM,	 "plot",
			      "--study", "tests/fixtures/plot-study-bad.yaml",
			      "--db",	 dbpath,
			      "-o",	 figs,
			      NULL };
	struct tu_proc cmd;

	path_in(figs, sizeof(figs), "figures");
	CU_ASSERT(run_expect(argv, 0, "fix_util.png"));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", figs, files[i]);
		CU_ASSERT(i % 2 ? png_ok(path) : pdf_ok(path));
	}
	CHECK_EQ(run(&cmd, bad, NULL), 2);
	CU_ASSERT(strstr(cmd.out, "plot-study-bad.yaml:6:5: unknown figure key "
				  "'metrc'; did you mean 'metric'?") != NULL);
	CU_ASSERT(strstr(cmd.out,
			 "plot-study-bad.yaml:7:24: kind: unknown plot "
			 "kind 'pie'") != NULL);
	tu_proc_free(&cmd);
}

/* ---- export ----------------------------------------------------------- */

static void test_export(void)
{
	const char *csv[] = { USNSIM,	 "export",  "--db",
			      dbpath,	 "--where", "r.id = 4",
			      "--query", "scalars", NULL };
	const char *json[] = {
		USNSIM, "export",  "--db", dbpath,    "--format",
		"json", "--query", "runs", "--where", "r.id IN (1, 11)",
		NULL
	};
	const char *ci[] = { USNSIM,	 "export", "--db",    dbpath,
			     "--format", "tsv",	   "--query", "summary_ci",
			     "--where",	 FIX,	   NULL };
	struct tu_proc cmd;

	CHECK_EQ(run(&cmd, csv, NULL), 0);
	CU_ASSERT_STRING_EQUAL(
		cmd.out,
		"run_id,scenario,point,repetition,status,apps.a.rate,"
		"component,metric,unit,value\r\n"
		"4,fix,\"{\"\"apps.a.rate\"\":\"\"100kpps\"\"}\",0,ok,100000,"
		"cpu.kernel,cpu.per_packet,ps,500000\r\n"
		"4,fix,\"{\"\"apps.a.rate\"\":\"\"100kpps\"\"}\",0,ok,100000,"
		"cpu.user,cpu.per_packet,ps,400000\r\n"
		"4,fix,\"{\"\"apps.a.rate\"\":\"\"100kpps\"\"}\",0,ok,100000,"
		"fsw,drops.spoofed,packets,0\r\n"
		"4,fix,\"{\"\"apps.a.rate\"\":\"\"100kpps\"\"}\",0,ok,100000,"
		"network,drops.queue_full,packets,20\r\n"
		"4,fix,\"{\"\"apps.a.rate\"\":\"\"100kpps\"\"}\",0,ok,100000,"
		"network,sent,packets,1000\r\n"
		"4,fix,\"{\"\"apps.a.rate\"\":\"\"100kpps\"\"}\",0,ok,100000,"
		"network,utilization.max,\"\",1\r\n"
		"4,fix,\"{\"\"apps.a.rate\"\":\"\"100kpps\"\"}\",0,ok,100000,"
		"network,utilization.mean,\"\",0.2\r\n"
		"4,fix,\"{\"\"apps.a.rate\"\":\"\"100kpps\"\"}\",0,ok,100000,"
		"network,utilization.min,\"\",0\r\n"
		"4,fix,\"{\"\"apps.a.rate\"\":\"\"100kpps\"\"}\",0,ok,100000,"
		"nic,drops.queue_full,packets,1\r\n"
		"4,fix,\"{\"\"apps.a.rate\"\":\"\"100kpps\"\"}\",0,ok,100000,"
		"nic,utilization.max,\"\",1\r\n"
		"4,fix,\"{\"\"apps.a.rate\"\":\"\"100kpps\"\"}\",0,ok,100000,"
		"nic,utilization.mean,\"\",0.1\r\n"
		"4,fix,\"{\"\"apps.a.rate\"\":\"\"100kpps\"\"}\",0,ok,100000,"
		"nic,utilization.min,\"\",0\r\n");
	tu_proc_free(&cmd);

	CHECK_EQ(run(&cmd, json, NULL), 0);
	CU_ASSERT_STRING_EQUAL(
		cmd.out,
		"[\n{\"id\": 1, \"scenario\": \"fix\", \"path\": \"fix.yaml\", "
		"\"hash\": \"00000000000000aa\", \"point\": "
		"\"{\\\"apps.a.rate\\\":\\\"50kpps\\\"}\", \"repetition\": 0, "
		"\"seed\": 1, \"engine\": \"native\", \"version\": \"v1\", "
		"\"started\": \"2024-01-02T03:04:01Z\", \"wall_s\": 0.5, "
		"\"events\": 1000, \"sim_s\": 1, \"fingerprint\": null, "
		"\"status\": \"ok\", \"events_per_s\": 2000},\n"
		"{\"id\": 11, \"scenario\": \"other\", \"path\": \"other.yaml\", "
		"\"hash\": \"00000000000000bb\", \"point\": \"{}\", "
		"\"repetition\": 0, \"seed\": 1, \"engine\": \"native\", "
		"\"version\": \"v1\", \"started\": \"2024-01-02T03:04:11Z\", "
		"\"wall_s\": 0.5, \"events\": 1000, \"sim_s\": 1, "
		"\"fingerprint\": null, \"status\": \"ok\", "
		"\"events_per_s\": 2000}\n]\n");
	tu_proc_free(&cmd);

	/* summary_ci: the mean at 50kpps of network.queue_delay is 1.1 us
	 * with half-width t(2) 0.1 / sqrt(3) us, in ps. */
	CHECK_EQ(run(&cmd, ci, NULL), 0);
	{
		char want[256];

		snprintf(want, sizeof(want),
			 "\nfix\t00000000000000aa\t{\"apps.a.rate\":\"50kpps\"}"
			 "\t50000\tnetwork\tqueue_delay\tps\t3\t1100000\t");
		CU_ASSERT(strstr(cmd.out, want) != NULL);
		CU_ASSERT(strncmp(cmd.out,
				  "scenario\thash\tpoint\tapps.a.rate\t"
				  "component\tmetric\tunit\tn\tmean\t"
				  "mean_ci\t",
				  50) == 0);
		if (strstr(cmd.out, want))
			CHECK_NUM(strtod(strstr(cmd.out, want) + strlen(want),
					 NULL),
				  T975_2 * 1e5 / sqrt(3));
	}
	tu_proc_free(&cmd);
}

/* Quoting and escaping, with a query file of the test's own found
 * through $USNSIM_ANALYSIS, and a bound parameter. */
/* export --query paired: the view's columns, one row per pair and
 * histogram of the selected scenario, as many as the view has. */
static void test_export_paired(void)
{
	const char *argv[] = { USNSIM,	   "export", "--db",	dbpath,
			       "--format", "tsv",    "--query", "paired",
			       "--where",  FIX,	     NULL };
	struct tu_proc cmd;
	sqlite3 *db = open_db();
	long long want = tu_sql_int(db, "SELECT count(*) FROM paired"
					" WHERE scenario = 'fix'");
	const char *head = "scenario\thash\tparam\ta\tb\tpoint_a\tpoint_b\t"
			   "component\tmetric\tunit\tn\tmean\tmean_ci\t";
	size_t lines = 0;

	sqlite3_close(db);
	CU_ASSERT(want >= 6); /* 3 rates: 6 ordered pairs, per histogram */
	CHECK_EQ(run(&cmd, argv, NULL), 0);
	CU_ASSERT(!strncmp(cmd.out, head, strlen(head)));
	for (const char *p = cmd.out; *p; p++)
		lines += *p == '\n';
	CHECK_EQ((long long)lines, want + 1);
	CU_ASSERT(strstr(cmd.out, "\tapps.a.rate\t50kpps\t100kpps\t") != NULL);
	tu_proc_free(&cmd);
}

static void test_export_escaping(void)
{
	char adir[160], qpath[200], env_dir[200];
	const char *env[] = { env_dir, NULL };
	const char *csv[] = { USNSIM, "export",	 "--db", dbpath, "--query",
			      "esc",  "--param", "v=41", NULL };
	const char *tsv[] = { USNSIM,	 "export", "--db",    dbpath,
			      "--query", "esc",	   "--param", "v=41",
			      "-f",	 "tsv",	   NULL };
	const char *json[] = { USNSIM,	  "export", "--db",    dbpath,
			       "--query", "esc",    "--param", "v=41",
			       "-f",	  "json",   NULL };
	const char *missing[] = { USNSIM,    "export", "--db", dbpath,
				  "--query", "esc",    NULL };
	FILE *f;
	struct tu_proc cmd;

	path_in(adir, sizeof(adir), "analysis");
	mkdir(adir, 0700);
	snprintf(qpath, sizeof(qpath), "%s/esc.sql", adir);
	f = fopen(qpath, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("-- every kind of value\n"
	      "SELECT 'a\tb' AS \"x,y\", NULL AS n, '' AS e, 1.5 AS r,\n"
	      "       :v + 1 AS i, 'q\"u\\o' || char(10) || 'te' AS q,\n"
	      "       0.1 AS d;\n",
	      f);
	fclose(f);
	snprintf(env_dir, sizeof(env_dir), "USNSIM_ANALYSIS=%s", adir);
	CHECK_EQ(run(&cmd, csv, env), 0);
	CU_ASSERT_STRING_EQUAL(cmd.out,
			       "\"x,y\",n,e,r,i,q,d\r\n"
			       "a\tb,,\"\",1.5,42,\"q\"\"u\\o\nte\",0.1\r\n");
	tu_proc_free(&cmd);
	CHECK_EQ(run(&cmd, tsv, env), 0);
	CU_ASSERT_STRING_EQUAL(cmd.out,
			       "x,y\tn\te\tr\ti\tq\td\n"
			       "a\\tb\t\t\t1.5\t42\tq\"u\\\\o\\nte\t0.1\n");
	tu_proc_free(&cmd);
	CHECK_EQ(run(&cmd, json, env), 0);
	CU_ASSERT_STRING_EQUAL(cmd.out,
			       "[\n{\"x,y\": \"a\\tb\", \"n\": null, "
			       "\"e\": \"\", \"r\": 1.5, \"i\": 42, "
			       "\"q\": \"q\\\"u\\\\o\\nte\", \"d\": 0.1}"
			       "\n]\n");
	tu_proc_free(&cmd);
	CHECK_EQ(run(&cmd, missing, env), 2);
	CU_ASSERT(strstr(cmd.out, "--param v=VALUE") != NULL);
	tu_proc_free(&cmd);
}

int suite_plot(void)
{
	CU_pSuite s = CU_add_suite("plot", setup, teardown);

	if (!s ||
	    !CU_add_test(s, "every kind renders PDF and PNG",
			 test_every_kind_renders) ||
	    !CU_add_test(s, "percentile data", test_percentile_data) ||
	    !CU_add_test(s, "paired data", test_paired_data) ||
	    !CU_add_test(s, "facet data", test_facet_data) ||
	    !CU_add_test(s, "labels", test_labels) ||
	    !CU_add_test(s, "small stages as other", test_bars_other) ||
	    !CU_add_test(s, "export paired", test_export_paired) ||
	    !CU_add_test(s, "cdf data", test_cdf_data) ||
	    !CU_add_test(s, "drops data", test_drops_data) ||
	    !CU_add_test(s, "scalar data", test_scalar_data) ||
	    !CU_add_test(s, "xy data", test_xy_data) ||
	    !CU_add_test(s, "xy errors", test_xy_errors) ||
	    !CU_add_test(s, "bars and memory data",
			 test_bars_and_memory_data) ||
	    !CU_add_test(s, "deterministic output", test_deterministic) ||
	    !CU_add_test(s, "errors", test_errors) ||
	    !CU_add_test(s, "scalar errors", test_scalar_errors) ||
	    !CU_add_test(s, "study figures", test_study) ||
	    !CU_add_test(s, "export", test_export) ||
	    !CU_add_test(s, "export quoting and escaping",
			 test_export_escaping))
		return CU_get_error();
	return 0;
}
