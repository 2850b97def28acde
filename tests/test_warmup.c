/*
 * test_warmup.c - `warmup: auto` (sim/run/warmup.c): MSER-5.
 *
 *   - warmup_mser() against a naive O(k^2) evaluation of the MSER
 *     statistic on random series of every length up to 60 and on one of
 *     2000 batches, and on a step series whose answer is known: 20 batches
 *     of a high level, then batches alternating 4 and 6, is cut exactly
 *     after the step (past it each cut only loses batches);
 *   - warmup_pilots 0 (the pilot is the run itself): the cut is MSER-5 on
 *     the series of a plain run with the same seed, collected here through
 *     the histogram's tap, and the run keeps exactly the values of that
 *     series minus 5 x the truncated batches;
 *   - warmup_pilots 3: the 3 pilot seeds are distinct, none is the run's,
 *     and the cut is MSER-5 on the batch-by-batch mean of the series of 3
 *     plain runs (repetition 0) with those seeds (its time the mean of
 *     theirs); another repetition has the same cut and its own trajectory;
 *   - either way the run with warmup: auto equals a run with the chosen
 *     warm-up given as a time (same fingerprint, same summaries);
 *   - the ns3 engine chooses the same warm-up and runs the same
 *     trajectory;
 *   - an M/M/1 queue at rho = 0.9 (S = 10 us, Wq = rho S / (1 - rho) =
 *     90 us) whose run starts with a backlog of 200 packets (2 ms of work,
 *     which at 1 - rho = 10% spare capacity drains in about 20 ms): over 40
 *     repetitions of 1 s, the mean wait with no warm-up is biased high by
 *     more than 10%, with warmup: auto it is within 2% of theory, and no
 *     run truncates before the 2 ms the backlog alone takes to serve;
 *   - the same queue started empty, in 10,000 runs of 2000 customers on
 *     average: the customer-average wait with no warm-up is more than 2%
 *     below theory (by more than 4 standard errors), and with warmup: auto
 *     on 1000 shared pilots it is within 2% of theory (by more than 2
 *     standard errors);
 *   - a warmup_series naming no histogram, and warmup_pilots without
 *     warmup: auto, are refused at file:line:col;
 *   - the selection bias, on Lindley's recursion for an M/M/1 queue at
 *     rho = 0.9 started empty (no simulator): over 2000 runs of 2000
 *     customers, the mean wait after MSER-5 on each run's own series is
 *     lower than after MSER-5 on the mean of 5 independent pilots by more
 *     than 4 standard errors, and the pilots' bias is smaller than that of
 *     no warm-up at all.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "rng.h"
#include "run.h"
#include "runs.h"
#include "scenario.h"
#include "stats.h"
#include "util.h"
#include "warmup.h"

/* MSER(d) for every d, by its definition; the first minimiser over
 * [0, k / 2]. */
static size_t naive_mser(const double *z, size_t k)
{
	double best = INFINITY;
	size_t arg = 0;

	if (k < 2)
		return 0;
	for (size_t d = 0; d <= k / 2; d++) {
		double mean = 0, ss = 0, stat;

		for (size_t j = d; j < k; j++)
			mean += z[j];
		mean /= (double)(k - d);
		for (size_t j = d; j < k; j++)
			ss += (z[j] - mean) * (z[j] - mean);
		stat = ss / ((double)(k - d) * (double)(k - d));
		/* the same minimiser up to rounding: a relative margin */
		if (stat < best * (1 - 1e-12)) {
			best = stat;
			arg = d;
		}
	}
	return arg;
}

static void test_mser_reference(void)
{
	struct rng *r = rng_create(7, 0, "warmup.test");
	static double z[2000];
	int bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (size_t k = 0; k <= 60; k++)
		for (int rep = 0; rep < 20; rep++) {
			/* a decaying transient of random size, then noise */
			double lvl = rng_exponential(r, 50);

			for (size_t j = 0; j < k; j++)
				z[j] = lvl * exp(-(double)j / 5) +
				       rng_exponential(r, 10);
			bad += warmup_mser(z, k) != naive_mser(z, k);
		}
	for (size_t j = 0; j < 2000; j++)
		z[j] = 300 * exp(-(double)j / 100) + rng_exponential(r, 10);
	CHECK_EQ(warmup_mser(z, 2000), naive_mser(z, 2000));
	CHECK_GT(warmup_mser(z, 2000), 0);
	CHECK_EQ(bad, 0);
	/* the step: 20 batches at 1000, then 4, 6, 4, 6 ... */
	for (size_t j = 0; j < 200; j++)
		z[j] = j < 20 ? 1000 : j % 2 ? 6 : 4;
	CHECK_EQ(warmup_mser(z, 200), 20);
	CHECK_EQ(naive_mser(z, 200), 20);
	rng_destroy(r);
}

#define MM1                                                                                     \
	"duration: 1s\n"                                                                        \
	"network: { kind: link, rate: 1Gbps, delay: 0, queue_packets: 100000, min_frame: 0 }\n" \
	"apps:\n"                                                                               \
	"  src: { pattern: poisson, rate: 90kpps, size_dist: exponential, size: 1250B }\n"

/* The backlog: 200 packets of 1250 B (10 us each) at time 0. */
#define BACKLOG \
	"  backlog: { pattern: cbr, rate: 1kpps, burst: 200, count: 200, size: 1250B }\n"

static int same_summaries(const struct run_result *a,
			  const struct run_result *b)
{
	size_t n = stats_count(a->stats), diff = 0;
	struct stat_info x, y;
	struct stat_summary sx, sy;

	for (size_t i = 0; i < n; i++) {
		stats_get(a->stats, i, &x);
		if (!strcmp(x.component, "warmup") || x.kind == STAT_SERIES)
			continue; /* the choice (only a has it); series sample what is compared here */
		if (stats_find(b->stats, x.component, x.metric, &y) ||
		    x.kind != y.kind) {
			diff++;
			continue;
		}
		if (x.kind == STAT_COUNTER)
			diff += *x.u.counter != *y.u.counter;
		if (x.kind == STAT_GAUGE)
			diff += stats_gauge_mean(x.u.gauge) !=
					stats_gauge_mean(y.u.gauge) ||
				x.u.gauge->max != y.u.gauge->max;
		if (x.kind == STAT_HIST) {
			hist_summary(&x.u.hist->hist, &sx);
			hist_summary(&y.u.hist->hist, &sy);
			diff += memcmp(&sx, &sy, sizeof(sx)) != 0;
		}
	}
	return diff == 0;
}

/* The series a plain run records into apps.src.latency, collected as
 * warmup.c does: per batch of 5 values, their sum and when the first
 * came. */
struct series {
	const struct sim *sim;
	double sum[40000];
	sim_time t[40000];
	uint64_t n;
};

static void series_value(void *arg, int64_t v)
{
	struct series *x = arg;
	size_t b = (size_t)(x->n / WARMUP_BATCH);

	if (b >= sizeof(x->sum) / sizeof(x->sum[0]))
		return; /* the count stops: the checks of n see it */
	if (x->n % WARMUP_BATCH == 0) {
		x->sum[b] = 0;
		x->t[b] = sim_now(x->sim);
	}
	x->sum[b] += (double)v;
	x->n++;
}

/* Runs repetition rep of text with sets into out; with x, collects the
 * series of apps.src.latency into it first (a run without warmup: auto).
 * 0 or -1. */
static int run_rep(const char *text, const char *const *sets, size_t n,
		   uint32_t rep, struct series *x, struct run_result *out)
{
	char path[64], err[512];
	struct scn *s = NULL;
	struct run_ready *rr = NULL;
	int rc = -1;

	if (tu_write_tmp(path, sizeof(path), text))
		return -1;
	if (!tr_load(path, sets, n, &s) &&
	    !run_prepare(s, rep, &rr, err, sizeof(err))) {
		if (x) {
			memset(x, 0, sizeof(*x));
			x->sim = run_ready_sim(rr);
		}
		if (!x || !stats_hist_tap(run_ready_stats(rr), "apps.src",
					  "latency", series_value, x)) {
			rc = run_ready_run(rr, out, err, sizeof(err));
			rr = NULL; /* freed by run_ready_run() */
		}
	}
	CHECKF(!rc, "%s", rc ? err : "");
	run_ready_free(rr);
	scn_destroy(s);
	unlink(path);
	return rc ? -1 : 0;
}

/* The series of repetition rep of text with sets and seed (a plain run,
 * no warm-up) into x; 0 or -1. */
static int plain_series(const char *text, const char *set, uint64_t seed,
			uint32_t rep, struct series *x)
{
	char sd[64];
	const char *sets[] = { set, sd };
	struct run_result r;

	snprintf(sd, sizeof(sd), "seed=%llu", (unsigned long long)seed);
	if (run_rep(text, sets, 2, rep, x, &r))
		return -1;
	run_result_fini(&r);
	return 0;
}

/* Repetition rep of sets, with the warm-up a chose as a time, equals a. */
static void same_as_fixed(const struct run_result *a, const char *const *sets,
			  size_t n, uint32_t rep)
{
	char fixed[64];
	const char *all[8];
	struct run_result b;

	snprintf(fixed, sizeof(fixed), "warmup=%.0fps",
		 tr_metric(a, "warmup", "auto_ps"));
	all[0] = fixed;
	for (size_t i = 0; i < n; i++)
		all[i + 1] = sets[i];
	CHECK_EQ_FATAL(run_rep(MM1 BACKLOG, all, n + 1, rep, NULL, &b), 0);
	CU_ASSERT_STRING_EQUAL(a->fingerprint, b.fingerprint);
	CU_ASSERT(same_summaries(a, &b));
	CU_ASSERT(isnan(tr_metric(&b, "warmup", "auto_ps")));
	run_result_fini(&b);
}

/* warmup_pilots 0: the cut is MSER-5's on the run's own series. */
static void test_rerun(void)
{
	const char *sets[] = { "warmup=auto", "warmup_pilots=0",
			       "duration=100ms" };
	static struct series own;
	static double z[40000];
	struct run_result a;
	const struct hist *lat;
	double at, d, values;
	size_t k;

	CHECK_EQ_FATAL(tr_run_text(MM1 BACKLOG, sets, 3, &a, NULL), 0);
	at = tr_metric(&a, "warmup", "auto_ps");
	d = tr_metric(&a, "warmup", "auto_batch");
	values = tr_metric(&a, "warmup", "auto_values");
	CHECK_EQ(tr_metric(&a, "warmup", "pilots"), 0);
	CHECK_GT(d, 0);
	CHECK_EQ(tr_metric(&a, "warmup", "auto_batches"), floor(values / 5));
	/* the run's own series: a plain run with the scenario's seed */
	CHECK_EQ_FATAL(plain_series(MM1 BACKLOG, sets[2], 1, 0, &own), 0);
	CHECK_EQ(own.n, values);
	k = (size_t)(own.n / WARMUP_BATCH);
	CU_ASSERT_FATAL(k <= sizeof(z) / sizeof(z[0]));
	for (size_t j = 0; j < k; j++)
		z[j] = own.sum[j] / WARMUP_BATCH;
	CHECK_EQ(d, warmup_mser(z, k));
	CHECK_EQ(at, own.t[(size_t)d]);
	lat = tr_histo(&a, "apps.src", "latency");
	CU_ASSERT_PTR_NOT_NULL_FATAL(lat);
	/* what is kept: every value from the first kept batch on */
	CHECK_EQ((double)lat->count, values - 5 * d);
	same_as_fixed(&a, sets + 2, 1, 0);
	run_result_fini(&a);
}

/* warmup_pilots 3: MSER-5 on the mean of 3 independent pilots' series,
 * the same for every repetition. */
static void test_pilots(void)
{
	const char *sets[] = { "warmup=auto", "warmup_pilots=3",
			       "duration=100ms", "seed=7" };
	const uint32_t rep = 2;
	static struct series p[3];
	static double z[40000];
	uint64_t seed[3], n = UINT64_MAX;
	struct run_result a, b;
	sim_time at = 0;
	size_t k, d;

	for (unsigned i = 0; i < 3; i++) {
		seed[i] = warmup_pilot_seed(7, i);
		CHECK_NE(seed[i], 7);
		CHECK_LT(seed[i], 1ULL << 53);
		/* pilot i: repetition 0 of the scenario seeded seed[i] */
		CHECK_EQ_FATAL(
			plain_series(MM1 BACKLOG, sets[2], seed[i], 0, &p[i]),
			0);
		if (p[i].n < n)
			n = p[i].n;
	}
	CHECK_NE(seed[0], seed[1]);
	CHECK_NE(seed[0], seed[2]);
	CHECK_NE(seed[1], seed[2]);
	CHECK_NE(seed[0], warmup_pilot_seed(8, 0));
	/* independent trajectories: not one series thrice */
	CHECK_NE(p[0].sum[0] + p[0].sum[100], p[1].sum[0] + p[1].sum[100]);
	k = (size_t)(n / WARMUP_BATCH);
	CU_ASSERT_FATAL(k >= 2 && k <= sizeof(z) / sizeof(z[0]));
	for (size_t j = 0; j < k; j++)
		z[j] = (p[0].sum[j] + p[1].sum[j] + p[2].sum[j]) /
		       (WARMUP_BATCH * 3.0);
	d = warmup_mser(z, k);
	if (d)
		at = (p[0].t[d] + p[1].t[d] + p[2].t[d]) / 3;

	/* the run: repetition rep of the same scenario with warmup: auto */
	CHECK_EQ_FATAL(run_rep(MM1 BACKLOG, sets, 4, rep, NULL, &a), 0);
	printf("\n    3 pilots: cut after %zu of %zu batches, at %.3f ms ", d,
	       k, (double)at / 1e9);
	CHECK_GT(d, 0);
	CHECK_EQ(tr_metric(&a, "warmup", "pilots"), 3);
	CHECK_EQ(tr_metric(&a, "warmup", "auto_batch"), d);
	CHECK_EQ(tr_metric(&a, "warmup", "auto_batches"), k);
	CHECK_EQ(tr_metric(&a, "warmup", "auto_values"), n);
	CHECK_EQ(tr_metric(&a, "warmup", "auto_ps"), at);
	CHECK_EQ(a.seed, 7);
	CHECK_EQ(a.repetition, rep);
	/* the run itself: its own seed and repetition, with that warm-up */
	same_as_fixed(&a, sets + 2, 2, rep);
	/* another repetition: the same warm-up, its own trajectory */
	CHECK_EQ_FATAL(run_rep(MM1 BACKLOG, sets, 4, rep + 1, NULL, &b), 0);
	CHECK_EQ(tr_metric(&b, "warmup", "auto_ps"), at);
	CHECK_EQ(tr_metric(&b, "warmup", "auto_batch"), d);
	CU_ASSERT_STRING_NOT_EQUAL(a.fingerprint, b.fingerprint);
	same_as_fixed(&b, sets + 2, 2, rep + 1);
	run_result_fini(&a);
	run_result_fini(&b);
}

/* The pilot and the run again on the ns3 engine: the same choice and the
 * same trajectory as on the native one. */
static void test_engines(void)
{
	const char *nat[] = { "warmup=auto", "duration=100ms",
			      "engine=native" };
	const char *ns[] = { "warmup=auto", "duration=100ms", "engine=ns3" };
	struct run_result a, b;

	CHECK_EQ_FATAL(tr_run_text(MM1 BACKLOG, nat, 3, &a, NULL), 0);
	CHECK_EQ_FATAL(tr_run_text(MM1 BACKLOG, ns, 3, &b, NULL), 0);
	CHECK_GT(tr_metric(&a, "warmup", "auto_ps"), 0);
	CHECK_EQ(tr_metric(&a, "warmup", "auto_ps"),
		 tr_metric(&b, "warmup", "auto_ps"));
	CU_ASSERT_STRING_EQUAL(a.fingerprint, b.fingerprint);
	CU_ASSERT(same_summaries(&a, &b));
	run_result_fini(&a);
	run_result_fini(&b);
}

/* The waits of apps.src over repetitions 0 .. reps - 1 of a scenario:
 * the mean of the runs' means, the mean over every packet of every run
 * (the customer average: runs of a fixed duration serve different counts,
 * and a run with more arrivals also waits longer, so the plain mean of
 * the runs' means is biased low by O(1 / count)), and the earliest cut. */
struct waits {
	double per_run, pooled, se, first_cut;
};

static int waits_of(const char *text, const char *const *sets, size_t n,
		    uint32_t reps, struct waits *w)
{
	char path[64], err[512];
	struct scn *s = NULL;
	double sum = 0, all = 0, count = 0, ww = 0, wc = 0, cc = 0, cbar;

	w->first_cut = INFINITY;
	if (tu_write_tmp(path, sizeof(path), text) ||
	    tr_load(path, sets, n, &s)) {
		unlink(path);
		return -1;
	}
	unlink(path);
	for (uint32_t i = 0; i < reps; i++) {
		struct run_result r;
		const struct hist *h;
		double mean, cut;

		if (run_scenario(s, i, &r, err, sizeof(err))) {
			CHECKF(0, "%s", err);
			scn_destroy(s);
			return -1;
		}
		mean = tr_metric(&r, "apps.src", "queue_delay");
		h = tr_histo(&r, "apps.src", "queue_delay");
		CU_ASSERT_PTR_NOT_NULL_FATAL(h);
		sum += mean;
		all += mean * (double)h->count;
		count += (double)h->count;
		ww += mean * (double)h->count * mean * (double)h->count;
		wc += mean * (double)h->count * (double)h->count;
		cc += (double)h->count * (double)h->count;
		cut = tr_metric(&r, "warmup", "auto_ps");
		if (cut < w->first_cut)
			w->first_cut = cut;
		run_result_fini(&r);
	}
	scn_destroy(s);
	w->per_run = sum / reps;
	w->pooled = all / count;
	/* the ratio estimator's standard error: the spread of the runs'
	 * sums W_r about pooled x count_r */
	cbar = count / reps;
	w->se = sqrt((ww - 2 * w->pooled * wc + w->pooled * w->pooled * cc) /
		     ((double)reps * (reps - 1))) /
		cbar;
	return 0;
}

static void test_mm1_backlog(void)
{
	const double wq = 0.9 * 10e6 / 0.1; /* ps */
	const char *zero[] = { "warmup=0" }, *aut[] = { "warmup=auto" };
	struct waits z, a;

	CHECK_EQ_FATAL(waits_of(MM1 BACKLOG, zero, 1, 40, &z), 0);
	CHECK_EQ_FATAL(waits_of(MM1 BACKLOG, aut, 1, 40, &a), 0);
	printf("\n    M/M/1 rho 0.9 with a backlog: Wq %.2f us with no warm-up, %.2f us with auto (theory %.2f us; cut %.2f ms) ",
	       z.per_run / 1e6, a.per_run / 1e6, wq / 1e6, a.first_cut / 1e9);
	CHECK_GT(z.per_run, 1.10 * wq);
	CHECK_REL(a.per_run, wq, 0.02);
	CHECK_GT(a.first_cut, 2e9);
}

/*
 * The same queue started empty, in runs of 2000 customers on average
 * (22.222 ms at 90 kpps), where the transient is a sizeable part of a run:
 * over RE repetitions the mean wait with no warm-up is biased low by more
 * than 2%; warmup: auto with RE_PILOTS pilots brings it within 2% of
 * theory. The pilots are shared by the repetitions, so they cost RE_PILOTS
 * runs in all. The standard error of either mean is about 0.4% of Wq;
 * the bias left after MSER-5's cut on 1000 pilots is about 0.2-1%
 * (docs/guide/running.md#warm-up).
 */
#define RE 10000
#define RE_PILOTS "warmup_pilots=1000"

static void test_mm1_empty(void)
{
	const double wq = 0.9 * 10e6 / 0.1; /* ps */
	const char *zero[] = { "warmup=0", "duration=22222us" };
	const char *aut[] = { "warmup=auto", RE_PILOTS, "duration=22222us" };
	struct waits z, a;

	CHECK_EQ_FATAL(waits_of(MM1, zero, 2, RE, &z), 0);
	CHECK_EQ_FATAL(waits_of(MM1, aut, 3, RE, &a), 0);
	printf("\n    M/M/1 rho 0.9 from empty, %d runs of 22.2 ms: Wq %+.2f%% (SE %.2f%%) with no warm-up, %+.2f%% (SE %.2f%%) with auto, " RE_PILOTS
	       " (cut at %.3f ms); the means of the runs' means %+.2f%% and %+.2f%% ",
	       RE, 100 * (z.pooled / wq - 1), 100 * z.se / wq,
	       100 * (a.pooled / wq - 1), 100 * a.se / wq, a.first_cut / 1e9,
	       100 * (z.per_run / wq - 1), 100 * (a.per_run / wq - 1));
	/* biased low beyond 2%, by more than 4 standard errors */
	CHECK_LT(z.pooled + 4 * z.se, 0.98 * wq);
	/* within 2%, by more than 2 standard errors */
	CHECK_LT(fabs(a.pooled - wq) + 2 * a.se, 0.02 * wq);
	CHECK_GT(a.first_cut, 0);
}

static void test_bad_series(void)
{
	const char *sets[] = { "warmup=auto", "warmup_series=network.nothing" };
	char path[64], err[512];
	struct scn *s = NULL;

	CHECK_EQ_FATAL(tu_write_tmp(path, sizeof(path), MM1), 0);
	CHECK_EQ_FATAL(tr_load(path, sets, 2, &s), 0);
	CHECK_EQ(run_validate(s, err, sizeof(err)), -EINVAL);
	CHECKF(strstr(err, "--set:2:") && strstr(err, "network.nothing"),
	       "message: %s", err);
	scn_destroy(s);
	unlink(path);
}

static void test_pilots_refused(void)
{
	const char *sets[] = { "warmup_pilots=3" };
	char path[64], err[512], at[80];
	struct scn *s = NULL;

	/* in the file: line 6, at its value */
	CHECK_EQ_FATAL(tu_write_tmp(path, sizeof(path),
				    MM1 BACKLOG "warmup_pilots: 3\n"),
		       0);
	CHECK_EQ_FATAL(tr_load(path, NULL, 0, &s), 0);
	CHECK_EQ(run_validate(s, err, sizeof(err)), -EINVAL);
	snprintf(at, sizeof(at), "%s:6:", path);
	CHECKF(strstr(err, at) && strstr(err, "warmup_pilots"), "message: %s",
	       err);
	scn_destroy(s);
	unlink(path);
	/* and from --set, with warmup left at its default */
	CHECK_EQ_FATAL(tu_write_tmp(path, sizeof(path), MM1), 0);
	CHECK_EQ_FATAL(tr_load(path, sets, 1, &s), 0);
	CHECK_EQ(run_validate(s, err, sizeof(err)), -EINVAL);
	CHECKF(strstr(err, "--set:1:") && strstr(err, "warmup: auto"),
	       "message: %s", err);
	scn_destroy(s);
	unlink(path);
}

/*
 * The selection bias, without the simulator: Lindley's recursion for an
 * M/M/1 queue, rho = 0.9, mean service 1, so Wq = rho / (1 - rho) = 9.
 * Customer 0 arrives at time 0 to an empty queue; customer i > 0 after an
 * exponential gap a_i of mean 1 / rho, and waits
 * W_i = max(0, W_{i-1} + S_{i-1} - a_i).
 */
#define LN 2000 /* customers a run */
#define LR 2000 /* runs */
#define LK 5	/* pilots */

static void lindley(struct rng *r, double *w, double *t)
{
	double wait = 0, at = 0, serve = 0;

	for (size_t i = 0; i < LN; i++) {
		if (i) {
			double gap = rng_exponential(r, 1 / 0.9);

			wait = fmax(0, wait + serve - gap);
			at += gap;
		}
		serve = rng_exponential(r, 1);
		w[i] = wait;
		t[i] = at;
	}
}

/* Adds f times the batch means of a run's waits to z, and f times the
 * arrival time of each batch's first customer to bt. */
static void lindley_batches(const double *w, const double *t, double f,
			    double *z, double *bt)
{
	for (size_t j = 0; j < LN / WARMUP_BATCH; j++) {
		double sum = 0;

		for (size_t i = 0; i < WARMUP_BATCH; i++)
			sum += w[WARMUP_BATCH * j + i];
		z[j] += f * sum / WARMUP_BATCH;
		bt[j] += f * t[WARMUP_BATCH * j];
	}
}

static void test_selection_bias(void)
{
	struct rng *r = rng_create(11, 0, "warmup.lindley");
	static double w[LN], t[LN], pw[LN], pt[LN];
	static double z[LN / WARMUP_BATCH], bt[LN / WARMUP_BATCH];
	const size_t k = LN / WARMUP_BATCH;
	const double wq = 0.9 / (1 - 0.9);
	double zero = 0, own = 0, pil = 0, dsum = 0, dsq = 0, se;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (int rep = 0; rep < LR; rep++) {
		double e0 = 0, e1 = 0, e2 = 0, cut;
		size_t d, kept = 0;

		lindley(r, w, t);
		for (size_t i = 0; i < LN; i++)
			e0 += w[i];
		e0 /= LN;
		/* MSER-5 on the run's own series */
		memset(z, 0, sizeof(z));
		memset(bt, 0, sizeof(bt));
		lindley_batches(w, t, 1, z, bt);
		d = warmup_mser(z, k);
		for (size_t i = WARMUP_BATCH * d; i < LN; i++)
			e1 += w[i];
		e1 /= (double)(LN - WARMUP_BATCH * d);
		/* MSER-5 on the mean of LK independent pilots; the run keeps
		 * the customers from the mean time the pilots' batch d began */
		memset(z, 0, sizeof(z));
		memset(bt, 0, sizeof(bt));
		for (int p = 0; p < LK; p++) {
			lindley(r, pw, pt);
			lindley_batches(pw, pt, 1.0 / LK, z, bt);
		}
		d = warmup_mser(z, k);
		cut = d ? bt[d] : 0;
		for (size_t i = 0; i < LN; i++)
			if (t[i] >= cut) {
				e2 += w[i];
				kept++;
			}
		e2 /= (double)kept;
		zero += e0;
		own += e1;
		pil += e2;
		dsum += e2 - e1;
		dsq += (e2 - e1) * (e2 - e1);
	}
	zero /= LR;
	own /= LR;
	pil /= LR;
	/* the standard error of the mean paired difference */
	se = sqrt((dsq / LR - (dsum / LR) * (dsum / LR)) / (LR - 1));
	printf("\n    M/M/1 rho 0.9 from empty, %d customers, %d runs: bias of the mean wait %+.2f%% with no warm-up, %+.2f%% with MSER-5 on the own series, %+.2f%% on the mean of %d independent pilots (their difference %.2f%% of Wq, SE %.2f%%) ",
	       LN, LR, 100 * (zero / wq - 1), 100 * (own / wq - 1),
	       100 * (pil / wq - 1), LK, 100 * (pil - own) / wq, 100 * se / wq);
	CHECK_GT(pil - own, 4 * se);
	CHECK_LT(fabs(pil - wq), fabs(zero - wq));
	rng_destroy(r);
}

int suite_warmup(void)
{
	CU_pSuite s = CU_add_suite("warmup", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "MSER-5 against its definition",
			 test_mser_reference) ||
	    !CU_add_test(s, "own series (warmup_pilots 0)", test_rerun) ||
	    !CU_add_test(s, "3 independent pilots", test_pilots) ||
	    !CU_add_test(s, "native and ns3 engines", test_engines) ||
	    !CU_add_test(s, "M/M/1 with a backlog", test_mm1_backlog) ||
	    !CU_add_test(s, "M/M/1 started empty", test_mm1_empty) ||
	    !CU_add_test(s, "bad series", test_bad_series) ||
	    !CU_add_test(s, "warmup_pilots without auto",
			 test_pilots_refused) ||
	    !CU_add_test(s, "selection bias (Lindley)", test_selection_bias))
		return CU_get_error();
	return 0;
}
