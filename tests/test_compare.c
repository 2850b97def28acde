/*
 * test_compare.c - `usnsim compare`, end to end.
 *
 * Two kinds of databases: ones written by `usnsim run` (a database against
 * itself moves nothing; a faster link moves the queueing delay, and the
 * numbers listed are the means of the two databases), and ones built row
 * by row here, whose statistics are chosen so that the answer is known:
 * a change inside the confidence interval of three repetitions (Welch's t
 * with 4 degrees of freedom) is noise, a larger one is not; one repetition
 * has only the tolerance; empty histograms, superseded runs, unmatched
 * runs and fingerprints that differ while the summaries do not. Run from
 * the repository root after building build/usnsim.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <sqlite3.h>

#include "db.h"
#include "units.h"
#include "util.h"

#define USNSIM tu_usnsim()

static char dir[64];

/* dir/name into buf. */
static const char *tpath(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
	return buf;
}

/* compare BASE NEW [extra...]: exit status, output in *out. */
static int compare(const char *base, const char *new, const char *x1,
		   const char *x2, const char *x3, char **out)
{
	const char *argv[] = { USNSIM, "compare", base, new, x1, x2, x3, NULL };
	struct tu_proc cmd;
	int rc = tu_run(&cmd, argv, 0);

	*out = cmd.out;
	cmd.out = NULL;
	tu_proc_free(&cmd);
	return rc;
}

/* The line of out whose metric column is name (malloc'ed), or NULL. */
static char *row_of(const char *out, const char *name)
{
	char pat[256];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "  %s  ", name);
	p = strstr(out, pat);
	if (!p)
		return NULL;
	while (p > out && p[-1] != '\n')
		p--;
	e = strchr(p, '\n');
	return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

/*
 * Databases from runs.
 */

static void write_scenario(const char *path)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("name: cmp\n"
	      "duration: 50ms\n"
	      "repetitions: 3\n"
	      "network: { rate: 1Gbps, queue_packets: 100000 }\n"
	      "apps:\n"
	      "  src: { pattern: poisson, rate: 80kpps, size: 1250B }\n",
	      f);
	fclose(f);
}

static int usnsim_run(const char *file, const char *db, const char *set)
{
	const char *argv[] = {
		USNSIM, "run", file, "--db", db, "-q", set ? "--set" : NULL,
		set,	NULL
	};
	struct tu_proc cmd;
	int rc = tu_run(&cmd, argv, 0);

	CHECKF(rc == 0, "usnsim run: %s%s", cmd.out, cmd.err);
	tu_proc_free(&cmd);
	return rc;
}

/* Parses "    5.0161us" style columns of a row: base and new values. */
static int row_values(const char *row, const char *name, double *b, double *n)
{
	char vb[64], vn[64];
	sim_time tb, tn;
	const char *p = strstr(row, name);

	if (!p || sscanf(p + strlen(name), " %63s %63s", vb, vn) != 2)
		return -1;
	if (units_parse_time(vb, &tb) || units_parse_time(vn, &tn))
		return -1;
	*b = (double)tb;
	*n = (double)tn;
	return 0;
}

static void test_from_runs(void)
{
	char file[128], base[128], new[128], *out, *row, *db0, *db1;
	size_t l0, l1;
	double b = 0, n = 0, qb, qn;

	tpath(file, sizeof(file), "cmp.yaml");
	tpath(base, sizeof(base), "base.db");
	tpath(new, sizeof(new), "new.db");
	write_scenario(file);
	if (usnsim_run(file, base, NULL) ||
	    usnsim_run(file, new, "network.rate=1.1Gbps"))
		return;
	/* a database against itself: nothing moved, nothing written */
	db0 = tu_slurp(base, &l0);
	CHECK_EQ(compare(base, base, NULL, NULL, NULL, &out), 0);
	CHECKF(strstr(out, "3 matched runs") != NULL, "%s", out);
	CHECKF(strstr(out, "nothing moved") != NULL, "%s", out);
	CHECKF(!strstr(out, "%  "), "a row listed:\n%s", out);
	free(out);
	/* a faster link: the queueing delay falls */
	CHECK_EQ(compare(base, new, NULL, NULL, NULL, &out), 1);
	db1 = tu_slurp(base, &l1);
	CHECKF(l0 == l1 && !memcmp(db0, db1, l0), "%zu bytes, then %zu", l0,
	       l1);
	free(db0);
	free(db1);
	row = row_of(out, "network.queue_delay.mean");
	CHECKF(row != NULL, "no network.queue_delay.mean row:\n%s", out);
	if (row) {
		const char *sql = "SELECT avg(mean) FROM summaries"
				  " WHERE component = 'network'"
				  " AND metric = 'queue_delay'";

		qb = tu_db_double(base, sql);
		qn = tu_db_double(new, sql);
		CHECK_EQ(row_values(row, "network.queue_delay.mean", &b, &n),
			 0);
		CHECKF(fabs(b - qb) <= 1e-5 * qb && fabs(n - qn) <= 1e-5 * qn,
		       "row '%s'; databases %g -> %g ps", row, qb, qn);
		CHECK_LT(qn, 0.8 * qb);
		{
			char pct[32];

			snprintf(pct, sizeof(pct), "%+.1f%%",
				 100 * (qn - qb) / qb);
			CHECKF(strstr(row, pct) != NULL, "'%s' lacks %s", row,
			       pct);
		}
		CU_ASSERT_PTR_NOT_NULL(strstr(row, "(3 runs)"));
	}
	free(row);
	CHECKF(strstr(out, "statistics moved") != NULL, "%s", out);
	free(out);
	/* one metric, one statistic */
	CHECK_EQ(compare(base, new, "--metric", "network.queue_delay",
			 "--stat=mean", &out),
		 1);
	CHECKF(tu_count(out, "network.queue_delay.") == 1, "%s", out);
	CHECKF(strstr(out, "1 statistics compared") != NULL, "%s", out);
	free(out);
	/* a tolerance wider than the change */
	CHECK_EQ(compare(base, new, "--metric", "network.queue_delay",
			 "--tolerance=100%", &out),
		 0);
	free(out);
	/* a glob that matches nothing is a mistake */
	CHECK_EQ(compare(base, new, "--metric", "nosuch.*", NULL, &out), 2);
	free(out);
}

/*
 * Databases built row by row.
 */

struct mk {
	sqlite3 *h;
	int64_t run;
};

static void mk_open(struct mk *m, const char *path)
{
	struct db *db;
	char err[512];

	unlink(path);
	CHECK_EQ_FATAL(db_open(path, &db, err, sizeof(err)), 0);
	db_close(db);
	CHECK_EQ_FATAL(sqlite3_open(path, &m->h), SQLITE_OK);
}

static void mk_exec(struct mk *m, const char *sql)
{
	char *e = NULL;

	CHECKF(sqlite3_exec(m->h, sql, NULL, NULL, &e) == SQLITE_OK, "%s: %s",
	       sql, e ? e : "");
	sqlite3_free(e);
}

/* A run; each has a version of its own, so that two runs may share a
 * (scenario, point, repetition), as runs of two versions do. */
static void mk_run(struct mk *m, const char *scenario, const char *point,
		   int rep, const char *fp)
{
	static int version;
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO runs (scenario, path, hash, point, repetition,"
		 " seed, engine, version, started, wall_s, events, sim_s,"
		 " fingerprint, status) VALUES ('%s', 'x.yaml', 'h', '%s', %d,"
		 " 1, 'native', 'v%d', '2026-01-01T00:00:00Z', 0.1, 10, 1.0,"
		 " '%s', 'ok')",
		 scenario, point, rep, ++version, fp);
	mk_exec(m, sql);
	m->run = sqlite3_last_insert_rowid(m->h);
}

/* A histogram whose every statistic but count is v. */
static void mk_hist(struct mk *m, const char *metric, int64_t count, double v)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO summaries VALUES (%lld, 'c', '%s', '', %lld,"
		 " %.17g, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g)",
		 (long long)m->run, metric, (long long)count, v, v, v, v, v, v,
		 v, v);
	mk_exec(m, sql);
}

static void mk_scalar(struct mk *m, const char *metric, double v)
{
	char sql[256];

	snprintf(
		sql, sizeof(sql),
		"INSERT INTO scalars VALUES (%lld, 'c', '%s', 'packets', %.17g)",
		(long long)m->run, metric, v);
	mk_exec(m, sql);
}

/* A database of scenario s at point {}: reps of metric m with means v. */
static void mk_db(const char *path, const double *v, int reps, const char *fp)
{
	struct mk m;

	mk_open(&m, path);
	for (int r = 0; r < reps; r++) {
		mk_run(&m, "s", "{}", r, fp);
		mk_hist(&m, "m", 100, v[r]);
	}
	sqlite3_close(m.h);
}

/* Three repetitions: var 4 on each side, so the 95% interval of the
 * difference of means is t(0.975, 4) * sqrt(4/3 + 4/3) = 4.53392. */
static void test_noise(void)
{
	static const double b3[] = { 10, 12, 14 }, n3[] = { 11, 13, 15 },
			    f3[] = { 20, 22, 24 };
	char base[128], new[128], *out, *row;

	tpath(base, sizeof(base), "b3.db");
	tpath(new, sizeof(new), "n3.db");
	mk_db(base, b3, 3, "f");
	mk_db(new, n3, 3, "f");
	/* +8.3% is beyond 2% but inside the interval: noise */
	CHECK_EQ(compare(base, new, "--stat=mean", NULL, NULL, &out), 0);
	CHECKF(strstr(out, "nothing moved") != NULL, "%s", out);
	free(out);
	/* a single repetition has no interval: only the tolerance, here 1%,
	 * against its +10% */
	mk_db(base, b3, 1, "f");
	mk_db(new, n3, 1, "f");
	CHECK_EQ(compare(base, new, "--stat=mean", "-t", "1%", &out), 1);
	row = row_of(out, "c.m.mean");
	CHECKF(row && strstr(row, "+10.0%") && strstr(row, "- (1 run)"), "%s",
	       out);
	free(row);
	free(out);
	CHECK_EQ(compare(base, new, "--stat=mean", "-t", "0.11", &out), 0);
	free(out);
	/* +83% is beyond both */
	mk_db(base, b3, 3, "f");
	mk_db(new, f3, 3, "f");
	CHECK_EQ(compare(base, new, "--stat=mean", NULL, NULL, &out), 1);
	row = row_of(out, "c.m.mean");
	CHECKF(row != NULL, "%s", out);
	if (row) {
		double b, n;

		CHECKF(sscanf(strstr(row, "c.m.mean") + 8, "%lf %lf", &b, &n) ==
				       2 &&
			       b == 12 && n == 22,
		       "%s", row);
		CHECKF(strstr(row, "+83.3%") != NULL, "%s", row);
		CHECKF(strstr(row, "+-4.53392 (3 runs)") != NULL, "%s", row);
	}
	free(row);
	free(out);
	/* all nine statistics were equal to the mean: all moved */
	CHECK_EQ(compare(base, new, "--stat=all", NULL, NULL, &out), 1);
	CHECKF(tu_count(out, "c.m.") == 8, "%s", out);
	CHECKF(strstr(out, "8 of 9 statistics moved") != NULL, "%s", out);
	free(out);
}

/* Histograms empty on one side, scalars, superseded and unmatched runs. */
static void test_rows(void)
{
	char base[128], new[128], *out, *row;
	struct mk m;

	tpath(base, sizeof(base), "rb.db");
	tpath(new, sizeof(new), "rn.db");
	mk_open(&m, base);
	mk_run(&m, "s", "{}", 0, "a");
	mk_hist(&m, "m", 100, 50); /* superseded by the next run */
	mk_run(&m, "s", "{}", 0, "a");
	mk_hist(&m, "m", 5, 10);
	mk_hist(&m, "e", 5, 10);
	mk_scalar(&m, "drops", 0);
	mk_run(&m, "s", "{\"x\":\"1\"}", 0, "a");
	mk_hist(&m, "m", 5, 10);
	sqlite3_close(m.h);
	mk_open(&m, new);
	mk_run(&m, "s", "{}", 0, "a");
	mk_hist(&m, "m", 5, 10);
	mk_hist(&m, "e", 0, 0); /* empty now: its mean is no value */
	mk_scalar(&m, "drops", 3);
	mk_run(&m, "t", "{}", 0, "a");
	mk_hist(&m, "m", 5, 10);
	sqlite3_close(m.h);
	CHECK_EQ(compare(base, new, "--stat=mean", NULL, NULL, &out), 1);
	CHECKF(!row_of(out, "c.m.mean"), "superseded run used:\n%s", out);
	CHECKF(!row_of(out, "c.e.mean"), "empty histogram compared:\n%s", out);
	row = row_of(out, "c.drops");
	CHECKF(row && strstr(row, " new "), "%s", out);
	free(row);
	CHECKF(strstr(out, "note: only in") && strstr(out, "s x=1, 1 run"),
	       "%s", out);
	CHECKF(strstr(out, "rn.db: t {}, 1 run") != NULL, "%s", out);
	free(out);
	/* the empty histogram's count did move */
	CHECK_EQ(compare(base, new, "--stat=count", "--metric", "c.e", &out),
		 1);
	row = row_of(out, "c.e.count");
	CHECKF(row && strstr(row, "-100.0%"), "%s", out);
	free(row);
	free(out);
}

static void mk_param(struct mk *m, const char *path, const char *value)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO params VALUES (%lld, '%s', '%s')",
		 (long long)m->run, path, value);
	mk_exec(m, sql);
}

/* compare with stdout and stderr apart: exit status. */
static int compare2(const char *base, const char *new, const char *x1,
		    const char *x2, char **out, char **err)
{
	const char *argv[] = { USNSIM, "compare", base, new, x1, x2, NULL };
	struct tu_proc cmd;
	int rc = tu_run(&cmd, argv, 0);

	*out = cmd.out;
	*err = cmd.err;
	cmd.out = cmd.err = NULL;
	tu_proc_free(&cmd);
	return rc;
}

/* Points written in text order come out in the order of their values;
 * each row names the parameters that differ (or the versions); csv and
 * json carry the same rows in canonical numbers, notes on stderr. */
static void test_order_and_formats(void)
{
	static const char *const pts[] = { "{\"r\":\"1.488Mpps\"}",
					   "{\"r\":\"13.39Mpps\"}",
					   "{\"r\":\"411.2kpps\"}" };
	char base[128], new[128], *out, *err, *a, *b, *c, *row;
	struct mk m;

	tpath(base, sizeof(base), "ob.db");
	tpath(new, sizeof(new), "on.db");
	for (int side = 0; side < 2; side++) {
		mk_open(&m, side ? new : base);
		for (int i = 0; i < 3; i++) {
			mk_run(&m, "s", pts[i], 0, "f");
			mk_hist(&m, "m", 100, side ? 20 : 10);
			if (i == 2)
				continue; /* no params: the versions differ */
			mk_param(&m, "seed", "1");
			mk_param(&m, "network.rate", side ? "10Gbps" : "1Gbps");
			if (side)
				mk_param(&m, "extra.p", "5");
		}
		if (side)
			mk_run(&m, "s", "{\"r\":\"1kpps\"}", 0, "f");
		sqlite3_close(m.h);
	}
	CHECK_EQ(compare(base, new, "--stat=mean", NULL, NULL, &out), 1);
	a = strstr(out, "r=411.2kpps");
	b = strstr(out, "r=1.488Mpps");
	c = strstr(out, "r=13.39Mpps");
	CHECKF(a && b && c && a < b && b < c, "points out of order:\n%s", out);
	row = b ? row_of(b, "c.m.mean") : NULL;
	CHECKF(row && strstr(row, "+100.0%") &&
		       strstr(row,
			      "extra.p (none) -> 5, network.rate 1Gbps -> 10Gbps"),
	       "%s", out);
	free(row);
	row = a ? row_of(a, "c.m.mean") : NULL;
	CHECKF(row && strstr(row, "usnsim v") && strstr(row, " -> v"), "%s",
	       out);
	free(row);
	CHECKF(strstr(out, "note: only in") && strstr(out, "s r=1kpps, 1 run"),
	       "%s", out);
	free(out);

	CHECK_EQ(compare2(base, new, "--stat=mean", "--format=csv", &out, &err),
		 1);
	{
		static const char head[] =
			"scenario,point,metric,unit,base,new,change,ci95,runs,differs\n"
			"s,\"{\"\"r\"\":\"\"411.2kpps\"\"}\",c.m.mean,\"\",10,20,1,,1,";

		CHECKF(!strncmp(out, head, strlen(head)), "%s", out);
	}
	CHECKF(strstr(out,
		      "s,\"{\"\"r\"\":\"\"1.488Mpps\"\"}\",c.m.mean,\"\",10,20,1,,1,\"extra.p (none) -> 5, network.rate 1Gbps -> 10Gbps\"\n") !=
		       NULL,
	       "%s", out);
	CHECK_EQ(tu_count(out, "\n"), 4);
	CHECKF(!strstr(out, "note") && strstr(err, "note: only in"), "%s|%s",
	       out, err);
	free(out);
	free(err);

	CHECK_EQ(
		compare2(base, new, "--stat=mean", "--format=json", &out, &err),
		1);
	CHECKF(out[0] == '[' && tu_count(out, "{\"scenario\": \"s\"") == 3,
	       "%s", out);
	CHECKF(strstr(out,
		      "\"point\": {\"r\":\"1.488Mpps\"}, \"metric\": \"c.m.mean\", \"unit\": \"\", \"base\": 10, \"new\": 20, \"change\": 1, \"ci95\": null, \"runs\": 1, \"differs\": [{\"path\": \"extra.p\", \"base\": null, \"new\": \"5\"}, {\"path\": \"network.rate\", \"base\": \"1Gbps\", \"new\": \"10Gbps\"}]}") !=
		       NULL,
	       "%s", out);
	free(out);
	free(err);
	CHECK_EQ(compare2(base, new, "--format", "xml", &out, &err), 2);
	CHECKF(strstr(err, "--format wants text, csv or json, not 'xml'") !=
		       NULL,
	       "%s", err);
	free(out);
	free(err);
}

static void test_fingerprints(void)
{
	static const double v[] = { 10, 12, 14 };
	char base[128], new[128], *out;
	struct mk m;

	tpath(base, sizeof(base), "fb.db");
	tpath(new, sizeof(new), "fn.db");
	mk_db(base, v, 3, "0123456789abcdef");
	mk_open(&m, new);
	for (int r = 0; r < 3; r++) {
		mk_run(&m, "s", "{}", r,
		       r == 1 ? "fedcba9876543210" : "0123456789abcdef");
		mk_hist(&m, "m", 100, v[r]);
	}
	sqlite3_close(m.h);
	CHECK_EQ(compare(base, new, NULL, NULL, NULL, &out), 0);
	CHECKF(strstr(out,
		      "note: s {}: behaviour changed, summaries equal (1 of 3 matched runs have another fingerprint)") !=
		       NULL,
	       "%s", out);
	free(out);
	CHECK_EQ(compare(base, new, "--fingerprints", NULL, NULL, &out), 1);
	CHECKF(strstr(out, "changed: s {}: behaviour changed") != NULL, "%s",
	       out);
	free(out);
	CHECK_EQ(compare(base, base, "--fingerprints", NULL, NULL, &out), 0);
	CHECKF(!strstr(out, "behaviour changed"), "%s", out);
	free(out);
}

/* Copies the file src to dst (dropping the -wal and -shm a reader of the
 * last dst left): 0 or -1. */
static int copy_file(const char *src, const char *dst)
{
	FILE *in, *out;
	char buf[65536];
	size_t n;
	int rc;

	for (int i = 0; i < 2; i++) {
		snprintf(buf, sizeof(buf), "%s%s", dst, i ? "-shm" : "-wal");
		unlink(buf);
	}
	in = fopen(src, "rb");
	out = fopen(dst, "wb");
	rc = in && out ? 0 : -1;
	while (!rc && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in && ferror(in))
		rc = -1;
	if (in)
		fclose(in);
	if (out && fclose(out))
		rc = -1;
	return rc;
}

/* Applies sql to a copy of src at dst. */
static void copy_and_change(const char *src, const char *dst, const char *sql)
{
	sqlite3 *h;
	char *e = NULL;

	CHECK_EQ_FATAL(copy_file(src, dst), 0);
	CHECK_EQ_FATAL(sqlite3_open(dst, &h), SQLITE_OK);
	CHECKF(sqlite3_exec(h, sql, NULL, NULL, &e) == SQLITE_OK, "%s: %s", sql,
	       e ? e : "");
	CHECK_EQ(sqlite3_changes(h), 1);
	sqlite3_free(e);
	sqlite3_close(h);
}

/* The csv row of metric name: base and new. */
static int csv_values(const char *out, const char *name, double *b, double *n)
{
	char pat[256];
	const char *p;

	snprintf(pat, sizeof(pat), ",%s,", name);
	p = strstr(out, pat);
	if (!p)
		return -1;
	p = strchr(p + strlen(pat), ','); /* past the unit */
	return p && sscanf(p + 1, "%lf,%lf", b, n) == 2 ? 0 : -1;
}

/* --exact (and --tolerance 0): a database of three repetitions of a run
 * against copies of itself with one value changed in one repetition;
 * the default comparison lets each change through, --exact names it
 * alone. */
static void test_exact(void)
{
	static const struct {
		const char *sql, *name, *change;
	} cases[] = {
		/* a counter, one unit more in one repetition: the mean of
		 * three moves by exactly 1/3 */
		{ "UPDATE scalars SET value = value + 1 WHERE run_id = 2"
		  " AND component = 'network' AND metric = 'sent'",
		  "network.sent", "+" },
		/* a histogram's mean, relative 1e-7 */
		{ "UPDATE summaries SET mean = mean * 1.0000001"
		  " WHERE run_id = 3 AND component = 'network'"
		  " AND metric = 'queue_delay'",
		  "network.queue_delay.mean", "+" },
		/* a statistic the defaults do not compare */
		{ "UPDATE summaries SET max = max + 1 WHERE run_id = 1"
		  " AND component = 'network' AND metric = 'queue_delay'",
		  "network.queue_delay.max", "+" },
		/* one histogram bucket */
		{ "UPDATE histograms SET count = count + 1 WHERE run_id = 1"
		  " AND component = 'network' AND metric = 'queue_delay'"
		  " AND lower = (SELECT min(lower) FROM histograms"
		  " WHERE run_id = 1 AND component = 'network'"
		  " AND metric = 'queue_delay')",
		  "network.queue_delay[", "+" },
		/* a time-series point */
		{ "UPDATE timeseries SET value = value + 1 WHERE run_id = 2"
		  " AND component = 'network' AND metric = 'queue_len'"
		  " AND t_ps = (SELECT max(t_ps) FROM timeseries"
		  " WHERE run_id = 2 AND metric = 'queue_len')",
		  "network.queue_len@", "" },
		/* a counter on one side only */
		{ "DELETE FROM scalars WHERE run_id = 1"
		  " AND component = 'network' AND metric = 'ecn_marks'",
		  "network.ecn_marks", "removed" },
		/* the event count of a run */
		{ "UPDATE runs SET events = events + 1 WHERE id = 3",
		  "run.events", "+" },
	};
	char file[128], base[128], new[128], *out, *row;
	double b, n;

	tpath(file, sizeof(file), "x.yaml");
	tpath(base, sizeof(base), "xb.db");
	tpath(new, sizeof(new), "xn.db");
	write_scenario(file);
	if (usnsim_run(file, base, NULL))
		return;
	CHECK_EQ_FATAL(copy_file(base, new), 0);
	CHECK_EQ(compare(base, new, "--exact", NULL, NULL, &out), 0);
	CHECKF(strstr(out, "3 matched runs") && strstr(out, "exact\n") &&
		       strstr(out, "nothing differs"),
	       "%s", out);
	free(out);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		copy_and_change(base, new, cases[i].sql);
		/* within the default tolerance: nothing moved */
		CHECK_EQ(compare(base, new, "--stat=all", NULL, NULL, &out), 0);
		CHECKF(strstr(out, "nothing moved") != NULL, "%s: %s",
		       cases[i].name, out);
		free(out);
		for (int t = 0; t < 2; t++) {
			CHECK_EQ(compare(base, new, t ? "--tolerance" : "-x",
					 t ? "0" : NULL, NULL, &out),
				 1);
			row = strstr(out, cases[i].name);
			CHECKF(row && strstr(out, "1 of ") &&
				       strstr(out, " statistics differ\n") &&
				       strstr(row, "exact (1 run differs)") &&
				       strstr(row, cases[i].change),
			       "%s:\n%s", cases[i].name, out);
			free(out);
		}
	}
	/* the numbers: a counter one unit up in one of three repetitions */
	copy_and_change(base, new, cases[0].sql);
	CHECK_EQ(compare(base, new, "--exact", "--format=csv", NULL, &out), 1);
	CHECKF(!csv_values(out, "network.sent", &b, &n) &&
		       fabs(n - b - 1.0 / 3) < 1e-9,
	       "%s", out);
	free(out);
	/* a mean up by 1e-7 of itself in one of three repetitions */
	copy_and_change(base, new, cases[1].sql);
	CHECK_EQ(compare(base, new, "--exact", "--format=csv", NULL, &out), 1);
	{
		sqlite3 *h;
		sqlite3_stmt *q;
		double m3 = 0;

		CHECK_EQ_FATAL(sqlite3_open(base, &h), SQLITE_OK);
		CHECK_EQ(sqlite3_prepare_v2(
				 h,
				 "SELECT mean FROM summaries WHERE run_id = 3"
				 " AND component = 'network'"
				 " AND metric = 'queue_delay'",
				 -1, &q, NULL),
			 SQLITE_OK);
		if (sqlite3_step(q) == SQLITE_ROW)
			m3 = sqlite3_column_double(q, 0);
		sqlite3_finalize(q);
		sqlite3_close(h);
		CHECKF(m3 > 0 &&
			       !csv_values(out, "network.queue_delay.mean", &b,
					   &n) &&
			       fabs((n - b) - m3 * 1e-7 / 3) < 1e-6 * m3 * 1e-7,
		       "%s", out);
	}
	free(out);
	/* a histogram's count has no unit, its mean the histogram's */
	copy_and_change(
		base, new,
		"UPDATE summaries SET count = count + 1, mean = mean * 2"
		" WHERE run_id = 1 AND component = 'network'"
		" AND metric = 'queue_delay'");
	CHECK_EQ(compare(base, new, "--exact", "--format=csv", NULL, &out), 1);
	CHECKF(strstr(out, ",network.queue_delay.count,\"\",") &&
		       strstr(out, ",network.queue_delay.mean,ps,"),
	       "%s", out);
	free(out);
	CHECK_EQ(compare(base, new, "--exact", NULL, NULL, &out), 1);
	row = row_of(out, "network.queue_delay.count");
	CHECKF(row && !strstr(row, "ps"), "%s", out);
	free(row);
	free(out);
	/* --metric keeps its meaning: another metric differs in nothing */
	CHECK_EQ(compare(base, new, "--exact", "--metric", "apps.*", &out), 0);
	CHECKF(strstr(out, "nothing differs") != NULL, "%s", out);
	free(out);
	/* a repetition one side lacks (a shard not merged): a note by
	 * default, a difference with --exact */
	copy_and_change(base, new, "DELETE FROM runs WHERE id = 3");
	CHECK_EQ(compare(base, new, NULL, NULL, NULL, &out), 0);
	CHECKF(strstr(out, "2 matched runs") &&
		       strstr(out, "nothing moved beyond the tolerance"),
	       "%s", out);
	free(out);
	CHECK_EQ(compare(base, new, "--exact", NULL, NULL, &out), 1);
	CHECKF(strstr(out, "2 matched runs") &&
		       strstr(out, "1 run is only on one side\n") &&
		       !strstr(out, "nothing differs"),
	       "%s", out);
	free(out);
}

static void test_bad_input(void)
{
	static const double v[] = { 1 };
	char base[128], other[128], text[128], *out;
	struct tu_proc cmd;
	const char *help[] = { USNSIM, "compare", "--help", NULL };
	const char *one[] = { USNSIM, "compare", "a.db", NULL };
	FILE *f;
	struct mk m;

	tpath(base, sizeof(base), "x.db");
	tpath(other, sizeof(other), "y.db");
	tpath(text, sizeof(text), "z.txt");
	mk_db(base, v, 1, "f");
	mk_open(&m, other);
	mk_run(&m, "other", "{}", 0, "f");
	sqlite3_close(m.h);
	f = fopen(text, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("not a database, not at all, just some text\n", f);
	fclose(f);
	CHECK_EQ(compare(base, "no/such.db", NULL, NULL, NULL, &out), 2);
	free(out);
	CHECK_EQ(compare(base, text, NULL, NULL, NULL, &out), 2);
	free(out);
	CHECK_EQ(compare(text, base, NULL, NULL, NULL, &out), 2);
	free(out);
	CHECK_EQ(compare(base, other, NULL, NULL, NULL, &out), 2);
	free(out);
	CHECK_EQ(compare(base, base, "--tolerance", "lots", NULL, &out), 2);
	free(out);
	CHECK_EQ(compare(base, base, "--stat", "p95", NULL, &out), 2);
	free(out);
	CHECK_EQ(tu_run(&cmd, one, 0), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(cmd.err, "expected BASE.db and NEW.db"));
	tu_proc_free(&cmd);
	CHECK_EQ(tu_run(&cmd, help, 0), 0);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(cmd.out, "usage: usnsim compare BASE.db"));
	tu_proc_free(&cmd);
}

static int suite_init(void)
{
	return tu_mkdtemp(dir, sizeof(dir), "compare");
}

static int suite_clean(void)
{
	return tu_rmtree(dir);
}

int suite_compare(void)
{
	CU_pSuite s = CU_add_suite("compare", suite_init, suite_clean);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "databases of runs: same, faster link",
			 test_from_runs) ||
	    !CU_add_test(s, "noise within the interval is not a change",
			 test_noise) ||
	    !CU_add_test(s, "empty, scalar, superseded, unmatched",
			 test_rows) ||
	    !CU_add_test(s, "points by value, what differs, csv and json",
			 test_order_and_formats) ||
	    !CU_add_test(s, "fingerprints: a note, or a failure",
			 test_fingerprints) ||
	    !CU_add_test(s, "--exact: any difference in any table",
			 test_exact) ||
	    !CU_add_test(s, "bad input", test_bad_input))
		return CU_get_error();
	return 0;
}
