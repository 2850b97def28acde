/*
 * test_warmup.c - `warmup: auto` (sim/run/warmup.c): MSER-5.
 *
 *   - warmup_mser() against a naive O(k^2) evaluation of the MSER
 *     statistic on random series of every length up to 60 and on one of
 *     2000 batches, and on a step series whose answer is known: 20 batches
 *     of a high level, then batches alternating 4 and 6, is cut exactly
 *     after the step (past it each cut only loses batches);
 *   - the run with warmup: auto equals a run with the chosen warm-up given
 *     as a time (same fingerprint, same summaries), and keeps exactly the
 *     values the pilot saw minus 5 x the truncated batches;
 *   - the ns3 engine chooses the same warm-up and runs the same
 *     trajectory;
 *   - an M/M/1 queue at rho = 0.9 (S = 10 us, Wq = rho S / (1 - rho) =
 *     90 us) whose run starts with a backlog of 200 packets (2 ms of work,
 *     which at 1 - rho = 10% spare capacity drains in about 20 ms): over 40
 *     repetitions of 1 s, the mean wait with no warm-up is biased high by
 *     more than 10%, with warmup: auto it is within 2% of theory, and no
 *     run truncates before the 2 ms the backlog alone takes to serve;
 *   - a warmup_series naming no histogram is refused at file:line:col.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "rng.h"
#include "runs.h"
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

static void test_rerun(void)
{
	const char *sets[] = { "warmup=auto", "duration=100ms" };
	char fixed[64];
	const char *sets2[] = { fixed, "duration=100ms" };
	struct run_result a, b;
	const struct hist *lat;
	double at, d, values;

	CHECK_EQ_FATAL(tr_run_text(MM1 BACKLOG, sets, 2, &a, NULL), 0);
	at = tr_metric(&a, "warmup", "auto_ps");
	d = tr_metric(&a, "warmup", "auto_batch");
	values = tr_metric(&a, "warmup", "auto_values");
	CHECK_GT(d, 0);
	CHECK_EQ(tr_metric(&a, "warmup", "auto_batches"), floor(values / 5));
	lat = tr_histo(&a, "apps.src", "latency");
	CU_ASSERT_PTR_NOT_NULL_FATAL(lat);
	/* what is kept: every value from the first kept batch on */
	CHECK_EQ((double)lat->count, values - 5 * d);
	snprintf(fixed, sizeof(fixed), "warmup=%.0fps", at);
	CHECK_EQ_FATAL(tr_run_text(MM1 BACKLOG, sets2, 2, &b, NULL), 0);
	CU_ASSERT_STRING_EQUAL(a.fingerprint, b.fingerprint);
	CU_ASSERT(same_summaries(&a, &b));
	CU_ASSERT(isnan(tr_metric(&b, "warmup", "auto_ps")));
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

#define REPS 40

/* The mean over REPS repetitions of apps.src's mean wait, and the
 * earliest truncation (auto). */
static double mean_wait(const char *warmup, double *first_cut)
{
	const char *sets[] = { warmup };
	char path[64], err[512];
	struct scn *s = NULL;
	double sum = 0;

	*first_cut = INFINITY;
	if (tu_write_tmp(path, sizeof(path), MM1 BACKLOG) ||
	    tr_load(path, sets, 1, &s)) {
		unlink(path);
		return NAN;
	}
	unlink(path);
	for (uint32_t i = 0; i < REPS; i++) {
		struct run_result r;
		double cut;

		if (run_scenario(s, i, &r, err, sizeof(err))) {
			CHECKF(0, "%s", err);
			sum = NAN;
			break;
		}
		sum += tr_metric(&r, "apps.src", "queue_delay");
		cut = tr_metric(&r, "warmup", "auto_ps");
		if (cut < *first_cut)
			*first_cut = cut;
		run_result_fini(&r);
	}
	scn_destroy(s);
	return sum / REPS;
}

static void test_mm1_backlog(void)
{
	const double wq = 0.9 * 10e6 / 0.1; /* ps */
	double cut, zero = mean_wait("warmup=0", &cut);
	double aut = mean_wait("warmup=auto", &cut);

	printf("\n    M/M/1 rho 0.9 with a backlog: Wq %.2f us with no warm-up, %.2f us with auto (theory %.2f us; earliest cut %.2f ms) ",
	       zero / 1e6, aut / 1e6, wq / 1e6, cut / 1e9);
	CHECK_GT(zero, 1.10 * wq);
	CHECK_REL(aut, wq, 0.02);
	CHECK_GT(cut, 2e9);
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

int suite_warmup(void)
{
	CU_pSuite s = CU_add_suite("warmup", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "MSER-5 against its definition",
			 test_mser_reference) ||
	    !CU_add_test(s, "auto equals its chosen warm-up", test_rerun) ||
	    !CU_add_test(s, "native and ns3 engines", test_engines) ||
	    !CU_add_test(s, "M/M/1 with a backlog", test_mm1_backlog) ||
	    !CU_add_test(s, "bad series", test_bad_series))
		return CU_get_error();
	return 0;
}
