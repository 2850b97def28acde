/*
 * test_queue.c - the link against queueing theory, and run invariants.
 *
 * Poisson arrivals into one link form an M/D/1 queue with fixed sizes and
 * an M/M/1 queue with exponential sizes. The mean queueing delay over
 * repetitions must be within 2% of the closed form, and the closed form
 * must lie inside the Student-t confidence interval of the repetition
 * means. The four configurations (two queues, two loads) are checked as a
 * family at 95%: each interval has level 1 - 0.05/4 (Bonferroni), so the
 * suite as a whole wrongly fails at most 5% of the seeds it could use.
 * (The configurations share random streams by design, common random
 * numbers, so their errors are correlated rather than independent.) Also: the same seed gives identical statistics, another seed
 * different ones, and every packet is accounted for at the end of a run
 * (sent = received + dropped + in flight, counted independently).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_cdf.h>

#include "run.h"
#include "runs.h"
#include "scenario.h"
#include "stats.h"
#include "util.h"

#define REPS 10
#define FAMILY 4 /* configurations checked by check_queue() */

static struct scn *load(const char *file, const char *const *sets, size_t n)
{
	struct scn *s = NULL;
	char err[512];

	if (scn_load(file, sets, n, &s, err, sizeof(err)))
		fprintf(stderr, "%s\n", err);
	return s;
}

static double metric(const struct run_result *r, const char *comp,
		     const char *name)
{
	struct stat_info si;

	if (stats_find(r->stats, comp, name, &si))
		return NAN;
	switch (si.kind) {
	case STAT_COUNTER:
		return (double)*si.u.counter;
	case STAT_SCALAR:
		return si.u.scalar;
	case STAT_HIST:
		return hist_mean(&si.u.hist->hist);
	default:
		return NAN;
	}
}

/* Runs REPS repetitions and checks the mean queueing delay against wq_ps. */
static void check_queue(const char *file, const char *rate, double wq_ps)
{
	const char *sets[] = { rate, "duration=10s", "warmup=200ms" };
	struct scn *s = load(file, sets, 3);
	double m[REPS], sum = 0, var = 0, mean, half;
	char err[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (int i = 0; i < REPS; i++) {
		struct run_result r;

		CHECK_EQ_FATAL(run_scenario(s, i, &r, err, sizeof(err)), 0);
		m[i] = metric(&r, "network", "queue_delay");
		CHECK_EQ(metric(&r, "network", "drops.queue_full"), 0);
		sum += m[i];
		run_result_fini(&r);
	}
	mean = sum / REPS;
	for (int i = 0; i < REPS; i++)
		var += (m[i] - mean) * (m[i] - mean);
	half = gsl_cdf_tdist_Pinv(1 - 0.05 / FAMILY / 2, REPS - 1) *
	       sqrt(var / (REPS - 1)) / sqrt(REPS);
	printf("\n    %s %s: Wq %.4f us (theory %.4f us, CI +-%.4f us) ", file,
	       rate, mean / 1e6, wq_ps / 1e6, half / 1e6);
	CHECKF(fabs(mean - wq_ps) / wq_ps < 0.02,
	       "mean %.6g ps, theory %.6g ps within 2%%", mean, wq_ps);
	CHECK_NEAR(mean, wq_ps, half);
	scn_destroy(s);
}

/* S = 10 us (1250 B at 1 Gb/s): M/D/1 Wq = rho S / (2 (1 - rho)). */
static void test_md1(void)
{
	const double S = 10e6; /* ps */

	check_queue("scenarios/md1.yaml", "apps.src.rate=50kpps",
		    0.5 * S / (2 * 0.5));
	check_queue("scenarios/md1.yaml", "apps.src.rate=80kpps",
		    0.8 * S / (2 * 0.2));
}

/* M/M/1 Wq = rho / (mu - lambda) = rho S / (1 - rho). */
static void test_mm1(void)
{
	const double S = 10e6; /* ps */

	check_queue("scenarios/mm1.yaml", "apps.src.rate=50kpps",
		    0.5 * S / 0.5);
	check_queue("scenarios/mm1.yaml", "apps.src.rate=80kpps",
		    0.8 * S / 0.2);
}

static int same_stats(const struct run_result *a, const struct run_result *b)
{
	size_t n = stats_count(a->stats);
	struct stat_info x, y;
	struct stat_summary sx, sy;

	if (n != stats_count(b->stats))
		return 0;
	for (size_t i = 0; i < n; i++) {
		stats_get(a->stats, i, &x);
		stats_get(b->stats, i, &y);
		if (x.kind == STAT_COUNTER && *x.u.counter != *y.u.counter)
			return 0;
		if (x.kind == STAT_HIST) {
			hist_summary(&x.u.hist->hist, &sx);
			hist_summary(&y.u.hist->hist, &sy);
			if (memcmp(&sx, &sy, sizeof(sx)))
				return 0;
		}
	}
	return 1;
}

static void test_determinism(void)
{
	const char *sets[] = { "duration=200ms" };
	const char *sets2[] = { "duration=200ms", "seed=2" };
	struct scn *s = load("scenarios/md1.yaml", sets, 1);
	struct scn *s2 = load("scenarios/md1.yaml", sets2, 2);
	struct run_result a, b, c, d;
	char err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
	CHECK_EQ_FATAL(run_scenario(s, 0, &a, err, sizeof(err)), 0);
	CHECK_EQ_FATAL(run_scenario(s, 0, &b, err, sizeof(err)), 0);
	CHECK_EQ_FATAL(run_scenario(s2, 0, &c, err, sizeof(err)), 0);
	CHECK_EQ_FATAL(run_scenario(s, 1, &d, err, sizeof(err)), 0);
	CHECK_EQ(a.events, b.events);
	CU_ASSERT(same_stats(&a, &b));
	CU_ASSERT(!same_stats(&a, &c)); /* another seed */
	CU_ASSERT(!same_stats(&a, &d)); /* another repetition */
	run_result_fini(&a);
	run_result_fini(&b);
	run_result_fini(&c);
	run_result_fini(&d);
	scn_destroy(s);
	scn_destroy(s2);
}

/* Two apps overload a small queue on a long wire, so that at the end
 * packets have been dropped and some are still queued or propagating. */
static void test_conservation(void)
{
	const char *sets[] = {
		"duration=50ms",	  "network.rate=500Mbps",
		"network.delay=30us",	  "network.queue_packets=20",
		"apps.src.rate=70kpps",	  "apps.src.size_dist=uniform",
		"apps.src.size_min=200B", "apps.src.size_max=1500B",
	};
	struct scn *s = load("tests/fixtures/two-apps.yaml", sets, 8);
	const char *apps[] = { "apps.src", "apps.other" };
	double held = 0, dropped = 0;
	struct run_result r;
	char err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ_FATAL(run_scenario(s, 0, &r, err, sizeof(err)), 0);
	for (int i = 0; i < 2; i++) {
		double sent = metric(&r, apps[i], "sent");
		double recv = metric(&r, apps[i], "received");
		double drop = metric(&r, apps[i], "dropped");
		double fly = metric(&r, apps[i], "in_flight");

		CHECK_GT(sent, 1000);
		CHECK_EQ(sent, recv + drop + fly);
		held += fly;
		dropped += drop;
	}
	CHECK_GT(dropped, 0);
	CHECK_GT(held, 0);
	CHECK_EQ(held, metric(&r, "network", "in_flight"));
	CHECK_EQ(held, metric(&r, "sim", "packets_in_use"));
	CHECK_EQ(dropped, metric(&r, "network", "drops.queue_full"));
	CHECK_EQ(metric(&r, "network", "arrived"),
		 metric(&r, "network", "delivered") + dropped + held);
	CHECK_EQ(metric(&r, "network", "delivered"),
		 metric(&r, apps[0], "received") +
			 metric(&r, apps[1], "received"));
	/* serialized but still propagating: sent and in flight at once */
	CHECK_GT(metric(&r, "network", "sent"),
		 metric(&r, "network", "delivered"));
	run_result_fini(&r);
	scn_destroy(s);
}

/*
 * An on/off CBR source at 0.001 pps (one packet per 1000 s on period, then
 * 100000 s off) over 9e6 s: it sends at 0, 101000 s, ... 89 x 101000 s, so
 * 90 packets, and the schedule after the last one passes 2^63 ps, which
 * must end the source, not overflow (UBSan in make test-asan).
 */
static void test_far_future(void)
{
	static const char text[] =
		"name: far\nduration: 9000000s\nwarmup: 0\n"
		"sample_interval: 0\n"
		"apps:\n  a: { pattern: cbr, rate: 0.001pps, on_time: 1000s,"
		" off_time: 100000s, onoff_dist: fixed }\n";
	struct run_result r;

	CHECK_EQ_FATAL(tr_run_text(text, NULL, 0, &r, NULL), 0);
	CHECK_EQ(tr_metric(&r, "apps.a", "sent"), 90);
	CHECK_EQ(tr_metric(&r, "apps.a", "received"), 90);
	run_result_fini(&r);
}

/* A run watched by a progress line (the engine run in 100 slices) is the
 * run of one go: same events, same fingerprint, same statistics. */
static void test_progress_same_run(void)
{
	static const char text[] = "name: prog\nduration: 50ms\nwarmup: 0\n"
				   "apps:\n  a: { rate: 600kpps }\n";
	struct run_result a, b;
	FILE *devnull = fopen("/dev/null", "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(devnull);
	CHECK_EQ_FATAL(tr_run_text(text, NULL, 0, &a, NULL), 0);
	run_progress(devnull);
	CHECK_EQ_FATAL(tr_run_text(text, NULL, 0, &b, NULL), 0);
	run_progress(NULL);
	fclose(devnull);
	CHECK_EQ(a.events, b.events);
	CU_ASSERT_STRING_EQUAL(a.fingerprint, b.fingerprint);
	CHECK_EQ(a.end_ps, b.end_ps);
	CHECK_EQ(tr_metric(&a, "network", "queue_delay"),
		 tr_metric(&b, "network", "queue_delay"));
	CHECK_GT(a.events, 50000);
	run_result_fini(&a);
	run_result_fini(&b);
}

int suite_queue(void)
{
	CU_pSuite s = CU_add_suite("queue", NULL, NULL);

	if (!s || !CU_add_test(s, "M/D/1 mean queueing delay", test_md1) ||
	    !CU_add_test(s, "M/M/1 mean queueing delay", test_mm1) ||
	    !CU_add_test(s, "determinism", test_determinism) ||
	    !CU_add_test(s, "conservation of packets", test_conservation) ||
	    !CU_add_test(s, "a schedule past 2^63 ps", test_far_future) ||
	    !CU_add_test(s, "a watched run is the same run",
			 test_progress_same_run))
		return CU_get_error();
	return 0;
}
