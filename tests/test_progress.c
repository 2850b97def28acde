/*
 * test_progress.c - the remaining time of a study and its progress lines,
 * on a deterministic clock: closed forms on synthetic sweeps, a recorded
 * trace of a mixed-cost study replayed on two workers, the spread order,
 * the printer's lines and the sweep's end-of-run summary of drops.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "progress.h"
#include "util.h"

#define TRACE "tests/fixtures/progress-ll_wifi.tsv"
#define SWEEP12 "tests/fixtures/sweep-12.yaml"

static char dir[256];

/* Two points, one worker: A (1 simulated s) and B (3 s), two runs each.
 * After A's first run took 0.5 s, the rate is 0.5 wall s per simulated
 * s: A's other run costs 0.5 s (its own mean), B's two 1.5 s each. */
static void test_eta_closed_form(void)
{
	struct progress_point pt[2] = {
		{ .sim_s = 1,
		  .prior_s = -1,
		  .todo = 1,
		  .done = 1,
		  .wall_s = 0.5 },
		{ .sim_s = 3, .prior_s = -1, .todo = 2 },
	};
	struct progress_busy busy = { .point = 1, .elapsed_s = 1.0 };
	struct progress_estimate e;

	e = progress_eta(pt, 2, NULL, 0, 1);
	CHECK_NEAR(e.rate_s_per_s, 0.5, 1e-12);
	CHECK_NEAR(progress_run_cost(pt, 2, 1), 1.5, 1e-12);
	CHECK_NEAR(e.eta_s, 0.5 + 2 * 1.5, 1e-12);
	/* done 0.5 of 0.5 + 3.5 */
	CHECK_NEAR(e.work_done, 0.5 / 4.0, 1e-12);
	/* one of B's runs in flight for 1 s: 0.5 s of it left */
	pt[1].todo = 1;
	e = progress_eta(pt, 2, &busy, 1, 1);
	CHECK_NEAR(e.eta_s, 0.5 + 1.5 + 0.5, 1e-12);
	CHECK_NEAR(e.work_done, 1.5 / 4.0, 1e-12);
	/* two workers share 2.5 s (1.25 s each), but B's run not started
	 * takes 1.5 s on its own */
	e = progress_eta(pt, 2, &busy, 1, 2);
	CHECK_NEAR(e.eta_s, 1.5, 1e-12);
	/* without it, the share: (0.5 + 0.5) / 2 */
	pt[1].todo = 0;
	e = progress_eta(pt, 2, &busy, 1, 2);
	CHECK_NEAR(e.eta_s, 0.5, 1e-12);
	pt[1].todo = 1;
	/* B's run finished in 2.4 s: B's own mean replaces the rate (the
	 * rate is now (0.5 + 2.4) / 4 = 0.725 per simulated s) */
	pt[1].done = 1;
	pt[1].wall_s = 2.4;
	e = progress_eta(pt, 2, NULL, 0, 1);
	CHECK_NEAR(e.rate_s_per_s, 2.9 / 4.0, 1e-12);
	CHECK_NEAR(e.eta_s, 0.5 + 2.4, 1e-12);
	/* eight workers: never less than the longest run left (2.4 s) */
	e = progress_eta(pt, 2, NULL, 0, 8);
	CHECK_NEAR(e.eta_s, 2.4, 1e-12);
	/* a run past its estimate counts as (nearly) done */
	busy.elapsed_s = 9;
	pt[1].todo = 0;
	pt[0].todo = 0;
	e = progress_eta(pt, 2, &busy, 1, 1);
	CHECK_NEAR(e.eta_s, 0, 1e-12);
}

/* Few runs left: a run waits for the first worker to be free. Two
 * workers with 0.2 s and 0.5 s left, one run of 1 s to start: it starts
 * at 0.2 s and ends at 1.2 s (the share, 1.7 / 2, and the longest run,
 * 1 s, both say less). */
static void test_eta_tail(void)
{
	struct progress_point pt[2] = {
		{ .sim_s = 1,
		  .prior_s = -1,
		  .todo = 1,
		  .done = 1,
		  .wall_s = 1 },
		{ .sim_s = 1, .prior_s = -1, .done = 1, .wall_s = 0.6 },
	};
	struct progress_busy busy[2] = { { 0, 0.8 }, { 1, 0.1 } };
	struct progress_estimate e = progress_eta(pt, 2, busy, 2, 2);

	CHECK_NEAR(e.eta_s, 1.2, 1e-12);
	/* three of them: 0.2 + 1, 0.5 + 1, then 1.2 + 1 */
	pt[0].todo = 3;
	e = progress_eta(pt, 2, busy, 2, 2);
	CHECK_NEAR(e.eta_s, 2.2, 1e-12);
}

/* Nothing finished: the priors of earlier sweeps, else unknown. */
static void test_eta_priors(void)
{
	struct progress_point pt[2] = {
		{ .sim_s = 2, .prior_s = 4, .todo = 3 },
		{ .sim_s = 1, .prior_s = -1, .todo = 2 },
	};
	struct progress_estimate e = progress_eta(pt, 2, NULL, 0, 1);

	/* rate 4 / 2 = 2 s per simulated s: A 3 x 4, B 2 x 2 */
	CHECK_NEAR(e.rate_s_per_s, 2, 1e-12);
	CHECK_NEAR(e.eta_s, 12 + 4, 1e-12);
	CHECK_NEAR(e.work_done, 0, 1e-12);
	pt[0].prior_s = -1;
	e = progress_eta(pt, 2, NULL, 0, 1);
	CU_ASSERT(e.eta_s < 0);
	CU_ASSERT(e.work_done < 0);
}

static void test_spread_order(void)
{
	size_t rank[5], r64[64], seen[64] = { 0 };
	const size_t want[5] = { 0, 3, 2, 4, 1 };

	/* 0 4 2 6 1 5 3 7 without the indexes >= 5: 0 4 2 1 3 */
	progress_spread(5, rank);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(rank[i], want[i]);
	progress_spread(64, r64);
	for (int i = 0; i < 64; i++)
		seen[r64[i]]++;
	for (int i = 0; i < 64; i++)
		CHECK_EQ(seen[i], 1);
	/* the first 8 started are every 8th point */
	for (int i = 0; i < 64; i++)
		CHECK_EQ(r64[i] < 8, i % 8 == 0);
	progress_spread(1, rank);
	CHECK_EQ(rank[0], 0);
}

/*
 * The recorded trace: every run of a study of 43 points x 3 repetitions
 * whose runs cost from 0.1 ms to 0.5 s (a native 10 Gb/s link and an ns-3
 * Wi-Fi cell, bulk loads from 1 kb/s to 15 Gb/s), as one worker ran them.
 */
struct trun {
	unsigned point, rep;
	double sim_s, wall_s;
	double start, end; /* in the replay */
};

static size_t load_trace(struct trun **out, unsigned *np)
{
	FILE *f = fopen(TRACE, "r");
	char line[256];
	size_t n = 0, cap = 256;
	struct trun *t = malloc(cap * sizeof(*t));

	*np = 0;
	if (!f || !t) {
		if (f)
			fclose(f);
		free(t);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		struct trun r = { 0 };

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%u %u %lf %lf", &r.point, &r.rep, &r.sim_s,
			   &r.wall_s) != 4)
			continue;
		if (n == cap) {
			cap *= 2;
			t = realloc(t, cap * sizeof(*t));
			if (!t)
				break;
		}
		t[n++] = r;
		if (r.point + 1 > *np)
			*np = r.point + 1;
	}
	fclose(f);
	*out = t;
	return t ? n : 0;
}

static size_t *order_rank;

static int by_start_order(const void *a, const void *b)
{
	const struct trun *x = a, *y = b;

	if (x->rep != y->rep)
		return x->rep < y->rep ? -1 : 1;
	return order_rank[x->point] < order_rank[y->point] ? -1 : 1;
}

/* Replays the trace on `workers` workers, runs started as a sweep starts
 * them; returns the makespan. */
static double replay(struct trun *t, size_t n, unsigned np, unsigned workers)
{
	double free_at[8] = { 0 }, end = 0;

	order_rank = calloc(np, sizeof(*order_rank));
	progress_spread(np, order_rank);
	qsort(t, n, sizeof(*t), by_start_order);
	free(order_rank);
	for (size_t i = 0; i < n; i++) {
		unsigned w = 0;

		for (unsigned k = 1; k < workers; k++)
			if (free_at[k] < free_at[w])
				w = k;
		t[i].start = free_at[w];
		t[i].end = free_at[w] = t[i].start + t[i].wall_s;
		if (t[i].end > end)
			end = t[i].end;
	}
	return end;
}

/* What the sweep knows at time now. */
static size_t state_at(const struct trun *t, size_t n, unsigned np, double now,
		       struct progress_point *pp, struct progress_busy *busy,
		       double *work)
{
	size_t nb = 0;

	*work = 0;
	for (unsigned i = 0; i < np; i++)
		pp[i] = (struct progress_point){ .prior_s = -1 };
	for (size_t i = 0; i < n; i++) {
		struct progress_point *q = &pp[t[i].point];

		q->sim_s = t[i].sim_s;
		if (t[i].end <= now) {
			q->done++;
			q->wall_s += t[i].wall_s;
			*work += t[i].wall_s;
		} else if (t[i].start <= now) {
			busy[nb++] = (struct progress_busy){ t[i].point,
							     now - t[i].start };
			*work += now - t[i].start;
		} else {
			q->todo++;
		}
	}
	return nb;
}

/* Once 20% of the work is done and while runs wait to start, the
 * estimate is within 50% of the time that is left, at every instant
 * (sampled 4000 times) of a replay on two workers. Once every run has
 * started, what is left is how long the runs in flight really take, which
 * the machine's load varies (this trace has runs of one point at 0.07 and
 * 0.16 s): the estimate is then within the longest run of the trace.
 * Counting runs instead (elapsed x runs left / runs done) is checked to
 * fail the same test, so the trace tells the two apart. */
static void test_eta_recorded_trace(void)
{
	struct trun *t = NULL;
	unsigned np;
	size_t n = load_trace(&t, &np);
	struct progress_point *pp;
	struct progress_busy busy[2];
	double total = 0, T, worst = 0, worst_count = 0, longest = 0;
	double worst_tail = 0;
	unsigned checked = 0, bad = 0, bad_count = 0, tail = 0;

	CHECK_EQ_FATAL(n, 129);
	CHECK_EQ_FATAL(np, 43);
	for (size_t i = 0; i < n; i++) {
		total += t[i].wall_s;
		if (t[i].wall_s > longest)
			longest = t[i].wall_s;
	}
	T = replay(t, n, np, 2);
	pp = calloc(np, sizeof(*pp));
	CU_ASSERT_FATAL(pp != NULL);
	for (int k = 1; k < 4000; k++) {
		double now = T * k / 4000, work, left = T - now, err;
		size_t nb = state_at(t, n, np, now, pp, busy, &work), done = 0;
		size_t todo = 0;
		struct progress_estimate e = progress_eta(pp, np, busy, nb, 2);

		if (work < 0.2 * total)
			continue;
		for (unsigned i = 0; i < np; i++) {
			done += pp[i].done;
			todo += pp[i].todo;
		}
		if (!todo) {
			tail++;
			err = fabs(e.eta_s - left);
			if (err > worst_tail)
				worst_tail = err;
			continue;
		}
		checked++;
		err = fabs(e.eta_s - left) / left;
		if (e.eta_s < 0 || err > 0.5)
			bad++;
		if (err > worst)
			worst = err;
		err = done ? fabs(now * (double)(n - done) / (double)done -
				  left) /
				      left
			   : INFINITY;
		if (err > 0.5)
			bad_count++;
		if (err > worst_count)
			worst_count = err;
	}
	CHECK_GT(checked, 3000);
	CHECK_GT(tail, 0);
	CHECK_EQ(bad, 0);
	CHECK_LT(worst, 0.5);
	CHECK_LE(worst_tail, longest);
	CHECK_GT(bad_count, 0);
	CHECK_GT(worst_count, 0.5);
	free(pp);
	free(t);
}

static double fake_now;

static double fake_clock(void *ctx)
{
	return *(double *)ctx;
}

/* Off a terminal: a line every interval (10 s) of a deterministic clock
 * ticked every second, none when final, nothing with interval 0. */
static void test_printer_lines(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct progress p;
	struct progress_estimate e = { .eta_s = 125, .work_done = 0.25 };
	int lines;

	CU_ASSERT_FATAL(f != NULL);
	fake_now = 100;
	progress_init(&p, f, false, 10, fake_clock, &fake_now);
	for (int s = 1; s <= 65; s++) {
		fake_now = 100 + s;
		progress_tick(&p, (size_t)s, 200, &e, false);
	}
	CU_ASSERT(!progress_tick(&p, 65, 200, &e, true));
	fclose(f);
	lines = tu_count(buf, "\n");
	CHECK_EQ(lines, 6);
	CHECK_EQ(tu_count(buf, "progress: "), 6);
	CU_ASSERT(
		strstr(buf,
		       "progress: 10/200 runs, 25% of the work, elapsed 0:10, ETA 2:05\n") ==
		buf);
	CU_ASSERT(
		strstr(buf,
		       "progress: 60/200 runs, 25% of the work, elapsed 1:00, ETA 2:05\n") !=
		NULL);
	free(buf);

	/* interval 0: silent */
	buf = NULL;
	f = open_memstream(&buf, &len);
	progress_init(&p, f, false, 0, fake_clock, &fake_now);
	fake_now += 1000;
	CU_ASSERT(!progress_tick(&p, 1, 2, &e, false));
	fclose(f);
	CHECK_EQ(len, 0);
	free(buf);

	/* a terminal: redrawn in place, ended by the final one */
	buf = NULL;
	f = open_memstream(&buf, &len);
	progress_init(&p, f, true, 10, fake_clock, &fake_now);
	fake_now += 0.1;
	CU_ASSERT(!progress_tick(&p, 1, 2, &e, false));
	fake_now += 0.2;
	CU_ASSERT(progress_tick(&p, 1, 2, &e, false));
	e.eta_s = -1;
	e.work_done = -1;
	CU_ASSERT(progress_tick(&p, 2, 2, &e, true));
	fclose(f);
	CHECK_EQ(tu_count(buf, "\r"), 2);
	CHECK_EQ(tu_count(buf, "\n"), 1);
	CU_ASSERT(
		strstr(buf,
		       "2/2 runs, elapsed 0:00, ETA ? (no run finished yet)") !=
		NULL);
	free(buf);

	/* an hour and more */
	{
		char line[128];
		struct progress_estimate h = { .eta_s = 3725,
					       .work_done = 0.5 };

		progress_format(line, sizeof(line), 3, 4, 7322.4, &h);
		CU_ASSERT_STRING_EQUAL(
			line,
			"3/4 runs, 50% of the work, elapsed 2:02:02, ETA 1:02:05");
	}
}

/* The sweep's summary lists exactly the points whose apps dropped more
 * than --warn-drops of what they sent, with the counts of the database;
 * the progress lines go to stderr off a terminal (none with --progress 0);
 * the summary says how many runs ran. */
static void test_sweep_drop_summary(void)
{
	const char *db = tu_path(dir, "drops.db");
	const char *argv[] = {
		tu_usnsim(), "sweep",	     SWEEP12, "--db",	    db,	 "-j",
		"2",	     "--warn-drops", "0.5%",  "--progress", "0", NULL
	};
	struct tu_proc p = { 0 };
	sqlite3 *h;
	int listed = 0, want = 0;

	CHECK_EQ_FATAL(tu_run(&p, argv, 0), 0);
	CU_ASSERT(strstr(p.out, ": 12 points, 36 runs: ran 36 in ") != NULL);
	CHECK_EQ(tu_count(p.err, "progress:"), 0);
	h = tu_sql_open(db, SQLITE_OPEN_READONLY);
	CU_ASSERT_FATAL(h != NULL);
	for (int i = 0; i < 12; i++) {
		char point[512], line[700];
		long long sent = tu_sql_int(
			h,
			"SELECT sum(s.value) FROM scalars s JOIN runs r ON r.id = s.run_id"
			" WHERE s.component LIKE 'apps.%%' AND s.metric = 'sent'"
			" AND r.point = (SELECT DISTINCT point FROM runs ORDER BY point LIMIT 1 OFFSET %d)",
			i);
		long long dropped = tu_sql_int(
			h,
			"SELECT sum(s.value) FROM scalars s JOIN runs r ON r.id = s.run_id"
			" WHERE s.component LIKE 'apps.%%' AND s.metric = 'dropped'"
			" AND r.point = (SELECT DISTINCT point FROM runs ORDER BY point LIMIT 1 OFFSET %d)",
			i);

		tu_sql_text(
			h, point, sizeof(point),
			"SELECT DISTINCT point FROM runs ORDER BY point LIMIT 1 OFFSET %d",
			i);
		CHECK_GT(sent, 0);
		if ((double)dropped <= 0.005 * (double)sent)
			continue;
		want++;
		snprintf(line, sizeof(line), "%% (%lld of %lld)  ", dropped,
			 sent);
		if (strstr(p.out, line))
			listed++;
		(void)point;
	}
	CHECK_GT(want, 0);
	CHECK_LT(want, 12);
	CHECK_EQ(listed, want);
	CHECK_EQ(tu_count(p.out, " of the packets their apps sent"), 1);
	CHECK_EQ(tu_count(p.out, "\n  "), want);
	sqlite3_close(h);
	tu_proc_free(&p);

	/* off a terminal, with a short interval: lines on stderr, none on
	 * stdout; a resumed sweep that runs nothing lists no drops */
	{
		const char *again[] = { tu_usnsim(), "sweep", SWEEP12,
					"--db",	     db,      "--progress",
					"0.01",	     NULL };

		CHECK_EQ_FATAL(tu_run(&p, again, 0), 0);
		CU_ASSERT(strstr(p.out, "ran 0 in ") != NULL);
		CHECK_EQ(tu_count(p.out, "progress:"), 0);
		CHECK_EQ(tu_count(p.out, "dropped more than"), 0);
		tu_proc_free(&p);
	}
}

static void test_sweep_option_errors(void)
{
	const char *bad[][2] = { { "--progress", "-1" },
				 { "--progress", "ten" },
				 { "--warn-drops", "2" },
				 { "--warn-drops", "150%" } };

	for (int i = 0; i < 4; i++) {
		const char *argv[] = { tu_usnsim(), "sweep",   SWEEP12,
				       bad[i][0],   bad[i][1], NULL };
		struct tu_proc p = { 0 };

		CHECK_EQ(tu_run(&p, argv, 0), 2);
		CU_ASSERT(strstr(p.err, bad[i][0]) != NULL);
		tu_proc_free(&p);
	}
	{
		const char *argv[] = { tu_usnsim(),  "run", SWEEP12,
				       "--progress", "5",   NULL };
		struct tu_proc p = { 0 };

		CHECK_EQ(tu_run(&p, argv, 0), 2);
		CU_ASSERT(strstr(p.err,
				 "--progress is an option of usnsim sweep") !=
			  NULL);
		tu_proc_free(&p);
	}
}

static int setup(void)
{
	return tu_mkdtemp(dir, sizeof(dir), "progress");
}

static int teardown(void)
{
	return tu_rmtree(dir);
}

int suite_progress(void)
{
	CU_pSuite s = CU_add_suite("progress", setup, teardown);

	if (!s || !CU_add_test(s, "ETA closed forms", test_eta_closed_form) ||
	    !CU_add_test(s, "ETA with few runs left", test_eta_tail) ||
	    !CU_add_test(s, "ETA from earlier sweeps", test_eta_priors) ||
	    !CU_add_test(s, "spread order", test_spread_order) ||
	    !CU_add_test(s, "ETA on a recorded trace",
			 test_eta_recorded_trace) ||
	    !CU_add_test(s, "progress lines", test_printer_lines) ||
	    !CU_add_test(s, "sweep drop summary", test_sweep_drop_summary) ||
	    !CU_add_test(s, "sweep option errors", test_sweep_option_errors))
		return CU_get_error();
	return 0;
}
