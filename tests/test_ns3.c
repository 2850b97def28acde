/*
 * test_ns3.c - the ns-3 engine backend and the ns-3 networks.
 *
 * Identical results across engines: every bundled scenario whose network
 * is native (every scenarios/NAME.yaml, and the first point of each study
 * in scenarios/studies/) runs, shortened, once on each engine; the two runs
 * must agree in every statistic, bit for bit, in their trajectory
 * fingerprint and in their event count. New scenarios join the check by
 * being there. The same through the command line and the database.
 *
 * ns-3 networks: the binding's point-to-point and CSMA devices against
 * hand-computed frame times; M/D/1 over an ns-3 point-to-point link
 * against the closed form, as the native link is; a point-to-point link
 * equal to the native link packet for packet; Wi-Fi latency growing with
 * distance, conservation of packets under overload, reproducibility (the
 * same run in this process and in a fresh one); the choice of engine and
 * its errors. And the rule that C reaches ns-3 only through ns3c.h.
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_cdf.h>
#include <sqlite3.h>

#include "ns3c.h"
#include "run.h"
#include "runs.h"
#include "scenario.h"
#include "stats.h"
#include "sweep.h"
#include "util.h"

#define USNSIM tu_usnsim()
/* Simulated time per scenario in the cross-engine check. */
#define CROSS_DURATION (100 * SIM_MS)

static char dir[64];

static struct scn *load(const char *file, const char *const *sets, size_t n)
{
	struct scn *s = NULL;
	char err[512];

	if (scn_load(file, sets, n, &s, err, sizeof(err)))
		fprintf(stderr, "\n%s\n", err);
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
	case STAT_GAUGE:
		return stats_gauge_mean(si.u.gauge);
	default:
		return NAN;
	}
}

/* Compares entry by entry; names the first difference in why. */
static int stats_equal(const struct stats *a, const struct stats *b, char *why,
		       size_t n)
{
	size_t count = stats_count(a);
	struct stat_info x, y;

	if (count != stats_count(b))
		return snprintf(why, n, "%zu vs %zu statistics", count,
				stats_count(b)),
		       0;
	for (size_t i = 0; i < count; i++) {
		int same;

		stats_get(a, i, &x);
		stats_get(b, i, &y);
		if (x.kind != y.kind || strcmp(x.component, y.component) ||
		    strcmp(x.metric, y.metric) || strcmp(x.unit, y.unit))
			return snprintf(why, n, "entry %zu: %s.%s vs %s.%s", i,
					x.component, x.metric, y.component,
					y.metric),
			       0;
		switch (x.kind) {
		case STAT_COUNTER:
			same = *x.u.counter == *y.u.counter;
			break;
		case STAT_SCALAR:
			same = !memcmp(&x.u.scalar, &y.u.scalar,
				       sizeof(double));
			break;
		case STAT_HIST:
			same = hist_same(&x.u.hist->hist, &y.u.hist->hist);
			break;
		case STAT_GAUGE:
			same = x.u.gauge->value == y.u.gauge->value &&
			       x.u.gauge->area == y.u.gauge->area &&
			       x.u.gauge->min == y.u.gauge->min &&
			       x.u.gauge->max == y.u.gauge->max;
			break;
		default:
			same = x.u.series->n == y.u.series->n &&
			       !memcmp(x.u.series->t_ps, y.u.series->t_ps,
				       x.u.series->n * sizeof(sim_time)) &&
			       !memcmp(x.u.series->value, y.u.series->value,
				       x.u.series->n * sizeof(double));
		}
		if (!same)
			return snprintf(why, n, "%s.%s differs", x.component,
					x.metric),
			       0;
	}
	return 1;
}

/*
 * Cross-engine identity.
 */

/* Runs repetition 0 of file (with sets, shortened) on engine. */
static int run_on(const char *file, const char *const *sets, size_t nsets,
		  const char *engine, struct run_result *r)
{
	const char *all[64];
	char eng[32], err[1024];
	struct scn *s;
	int rc;

	if (nsets + 1 > sizeof(all) / sizeof(all[0]))
		return -E2BIG;
	memcpy(all, sets, nsets * sizeof(*all));
	snprintf(eng, sizeof(eng), "engine=%s", engine);
	all[nsets++] = eng;
	s = load(file, all, nsets);
	if (!s)
		return -EINVAL;
	rc = run_scenario(s, 0, r, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\n%s\n", err);
	scn_destroy(s);
	return rc;
}

/* Compares the two engines on one scenario file; returns 1 if it was
 * compared, 0 if skipped (its network needs ns-3). */
static int cross_check(const char *file)
{
	struct scn *base = load(file, NULL, 0);
	struct sweep *sw = NULL;
	const char *const *ps;
	const char *sets[48];
	char dur[48], warm[48], err[512], why[256];
	struct run_result a, b;
	sim_time d, w;
	size_t n;
	int ok;

	CHECKF(base != NULL, "%s does not load", file);
	if (!base)
		return 0;
	if (strcmp(scn_str(base, "network.kind"), "link")) {
		scn_destroy(base);
		return 0;
	}
	ok = sweep_expand(base, &sw, err, sizeof(err)) == 0;
	CHECKF(ok, "%s: %s", file, err);
	n = ok ? sweep_point_sets(sw, 0, &ps) : 0;
	if (n > 40)
		n = 40;
	memcpy(sets, ps, n * sizeof(*sets));
	/* shorter, keeping the warm-up's share of the run */
	d = scn_time(base, "duration");
	w = scn_time(base, "warmup");
	if (d > CROSS_DURATION) {
		w = (sim_time)((double)w * CROSS_DURATION / (double)d);
		d = CROSS_DURATION;
	}
	snprintf(dur, sizeof(dur), "duration=%lldps", (long long)d);
	snprintf(warm, sizeof(warm), "warmup=%lldps", (long long)w);
	sets[n++] = dur;
	sets[n++] = warm;
	ok = ok && run_on(file, sets, n, "native", &a) == 0;
	CHECKF(ok, "%s does not run on the native engine", file);
	if (ok) {
		ok = run_on(file, sets, n, "ns3", &b) == 0;
		CHECKF(ok, "%s does not run on the ns3 engine", file);
		if (ok) {
			CHECKF(a.events > 1000, "%s: only %llu events", file,
			       (unsigned long long)a.events);
			CHECKF(a.events == b.events,
			       "%s: %llu events native, %llu ns3", file,
			       (unsigned long long)a.events,
			       (unsigned long long)b.events);
			CHECKF(!strcmp(a.fingerprint, b.fingerprint),
			       "%s: fingerprint %s native, %s ns3", file,
			       a.fingerprint, b.fingerprint);
			CHECKF(a.end_ps == b.end_ps, "%s: end time differs",
			       file);
			CHECKF(!strcmp(b.engine, "ns3"), "%s: ran on %s", file,
			       b.engine);
			why[0] = 0;
			CHECKF(stats_equal(a.stats, b.stats, why, sizeof(why)),
			       "%s: %s", file, why);
			run_result_fini(&b);
		}
		run_result_fini(&a);
	}
	sweep_destroy(sw);
	scn_destroy(base);
	return 1;
}

static void test_cross_engine_scenarios(void)
{
	static const char *const patterns[] = { "scenarios/*.yaml",
						"scenarios/studies/*.yaml" };
	size_t compared = 0;

	for (size_t p = 0; p < 2; p++) {
		glob_t g;

		if (glob(patterns[p], 0, NULL, &g))
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++)
			compared += (size_t)cross_check(g.gl_pathv[i]);
		globfree(&g);
	}
	/* md1, mm1 and md1_load at least: the test cannot pass empty */
	CHECKF(compared >= 3, "only %zu scenarios compared", compared);
}

/*
 * The binding, used directly.
 */

struct seen {
	int n;
	uint64_t id[8];
	int64_t t[8];
	uint32_t len[8];
};

static void seen_add(struct seen *s, uint64_t id, uint32_t len)
{
	if (s->n < 8) {
		s->id[s->n] = id;
		s->t[s->n] = ns3c_now();
		s->len[s->n] = len;
	}
	s->n++;
}

static void on_start(void *ctx, uint64_t id)
{
	seen_add((struct seen *)ctx, id, 0);
}

static void on_rx(void *ctx, uint64_t id, uint32_t len)
{
	seen_add((struct seen *)ctx, id, len);
}

/* 1248 B of payload + 2 B of PPP header at 1 Gb/s: 10 us on the wire,
 * then 1 us of propagation; a queue of 2 frames behind the one on the
 * wire. CSMA pads a 1-byte payload to a 64-byte frame: 512 ns. */
static void test_binding_wired(void)
{
	struct ns3c_wire_cfg cfg = { 1e9, SIM_US, 2 };
	struct seen tx = { 0 }, rx = { 0 }, crx = { 0 };
	struct ns3c_dev *da, *db, *cd[2];
	struct ns3c_node *a, *b, *c[2];
	struct ns3c_dev_cb cb = { 0 };
	struct ns3c_dev_state st;

	CHECK_EQ_FATAL(ns3c_open(NULL), 0);
	CHECK_EQ(ns3c_open(NULL), -EBUSY);
	a = ns3c_node_create(0, 0, 0);
	b = ns3c_node_create(0, 0, 0);
	c[0] = ns3c_node_create(0, 0, 0);
	c[1] = ns3c_node_create(0, 0, 0);
	CHECK_EQ_FATAL(ns3c_p2p_create(a, b, &cfg, &da, &db), 0);
	CHECK_EQ_FATAL(ns3c_csma_create(c, 2, &cfg, cd), 0);
	CHECK_EQ(ns3c_p2p_create(a, a, &cfg, &da, &db), -EINVAL);
	CHECK_EQ(ns3c_dev_framing(da), 2);
	CHECK_EQ(ns3c_dev_framing(cd[0]), 18);
	cb.tx_start = on_start;
	cb.ctx = &tx;
	ns3c_dev_set_cb(da, &cb);
	cb = (struct ns3c_dev_cb){ .rx = on_rx, .ctx = &rx };
	ns3c_dev_set_cb(db, &cb);
	cb.ctx = &crx;
	ns3c_dev_set_cb(cd[1], &cb);
	for (uint64_t id = 11; id <= 13; id++)
		CHECK_EQ(ns3c_dev_send(da, db, id, 1248), 0);
	CHECK_EQ(ns3c_dev_send(da, db, 14, 1248), -ENOBUFS);
	CHECK_EQ(ns3c_dev_send(da, cd[1], 15, 1248), -EINVAL);
	CHECK_EQ(ns3c_dev_send(cd[0], cd[1], 99, 1), 0);
	ns3c_dev_query(da, &st);
	CHECK_EQ(st.queue_packets, 2);
	CHECK_EQ(st.rate_bps, 1e9);
	ns3c_run(SIM_MS);
	CHECK_EQ(ns3c_now(), SIM_MS);
	CHECK_EQ_FATAL(tx.n, 3);
	CHECK_EQ_FATAL(rx.n, 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(tx.id[i], (uint64_t)(11 + i));
		CHECK_EQ(tx.t[i], i * 10 * SIM_US);
		CHECK_EQ(rx.id[i], (uint64_t)(11 + i));
		CHECK_EQ(rx.len[i], 1248);
		CHECK_EQ(rx.t[i], (i + 1) * 10 * SIM_US + SIM_US);
	}
	CHECK_EQ_FATAL(crx.n, 1);
	CHECK_EQ(crx.id[0], 99);
	CHECK_EQ(crx.len[0], 1);
	CHECK_EQ(crx.t[0], 512 * SIM_NS + SIM_US);
	ns3c_dev_query(da, &st);
	CHECK_EQ(st.queue_packets, 0);
	CHECK_EQ(st.tx_frames, 3);
	ns3c_close();
	CU_ASSERT(!ns3c_is_open());
	/* the next session starts from scratch */
	CHECK_EQ_FATAL(ns3c_open(NULL), 0);
	CHECK_EQ(ns3c_now(), 0);
	CHECK_EQ(ns3c_events(), 0);
	ns3c_close();
}

/*
 * ns-3 networks in scenarios.
 */

/* M/D/1 over ns3-p2p: Wq = rho S / (2 (1 - rho)) with S = 10 us. The
 * closed form must be within 2% of the mean over REPS repetitions and
 * inside its 95% confidence interval. */
#define REPS 8
static void test_p2p_md1(void)
{
	const char *sets[] = { "network.kind=ns3-p2p", "duration=5s",
			       "warmup=200ms" };
	struct scn *s = load("scenarios/md1.yaml", sets, 3);
	const double wq = 0.8 * 10e6 / (2 * 0.2);
	double m[REPS], sum = 0, var = 0, mean, half;
	char err[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (int i = 0; i < REPS; i++) {
		struct run_result r;

		CHECK_EQ_FATAL(run_scenario(s, i, &r, err, sizeof(err)), 0);
		CU_ASSERT_STRING_EQUAL(r.engine, "ns3");
		m[i] = metric(&r, "network", "queue_delay");
		CHECK_EQ(metric(&r, "network", "drops.queue_full"), 0);
		sum += m[i];
		run_result_fini(&r);
	}
	mean = sum / REPS;
	for (int i = 0; i < REPS; i++)
		var += (m[i] - mean) * (m[i] - mean);
	half = gsl_cdf_tdist_Pinv(0.975, REPS - 1) * sqrt(var / (REPS - 1)) /
	       sqrt(REPS);
	printf("\n    ns3-p2p M/D/1: Wq %.4f us (theory %.4f us, CI +-%.4f us) ",
	       mean / 1e6, wq / 1e6, half / 1e6);
	CHECKF(fabs(mean - wq) / wq < 0.02, "mean %.6g, theory %.6g within 2%%",
	       mean, wq);
	CHECK_NEAR(mean, wq, half);
	scn_destroy(s);
}

/* With a propagation delay and framing overhead, the ns-3 point-to-point
 * link delays every packet exactly as the native link. */
static void test_p2p_equals_link(void)
{
	const char *common[] = { "duration=300ms", "network.delay=2us",
				 "network.overhead=20B",
				 "apps.src.size_dist=uniform" };
	const char *sets[5];
	struct run_result a, b;

	memcpy(sets, common, sizeof(common));
	sets[4] = "network.kind=link";
	CHECK_EQ_FATAL(run_on("scenarios/md1.yaml", sets, 5, "native", &a), 0);
	sets[4] = "network.kind=ns3-p2p";
	CHECK_EQ_FATAL(run_on("scenarios/md1.yaml", sets, 5, "ns3", &b), 0);
	CHECK_GT(metric(&a, "apps.src", "received"), 10000);
	CHECK_EQ(metric(&a, "apps.src", "received"),
		 metric(&b, "apps.src", "received"));
	{
		struct stat_info x, y;

		CHECK_EQ_FATAL(stats_find(a.stats, "apps.src", "latency", &x),
			       0);
		CHECK_EQ_FATAL(stats_find(b.stats, "apps.src", "latency", &y),
			       0);
		CU_ASSERT(hist_same(&x.u.hist->hist, &y.u.hist->hist));
		CHECK_EQ_FATAL(
			stats_find(a.stats, "network", "queue_delay", &x), 0);
		CHECK_EQ_FATAL(
			stats_find(b.stats, "network", "queue_delay", &y), 0);
		CU_ASSERT(hist_same(&x.u.hist->hist, &y.u.hist->hist));
	}
	/* but not the same trajectory: ns-3's device has events of its own */
	CHECK_GT(b.events, a.events);
	run_result_fini(&a);
	run_result_fini(&b);
}

/* Hosts over ns-3's point-to-point link: the two directions have their
 * own device queues, as the native switch's ports are, so an RPC beside a
 * bulk stream (tests/fixtures/rpc-bulk.yaml) sees the same latency and
 * round trips, packet for packet, on both. Were the responses queued
 * behind the bulk frames, their round trips would grow. */
static void test_p2p_hosts_equal_switch(void)
{
	static const char *const what[][2] = { { "apps.rpc", "latency" },
					       { "apps.rpc", "rtt" },
					       { "apps.bulk", "latency" } };
	const char *sets[1];
	struct run_result a, b;

	sets[0] = "network.kind=link";
	CHECK_EQ_FATAL(
		run_on("tests/fixtures/rpc-bulk.yaml", sets, 1, "native", &a),
		0);
	sets[0] = "network.kind=ns3-p2p";
	CHECK_EQ_FATAL(
		run_on("tests/fixtures/rpc-bulk.yaml", sets, 1, "ns3", &b), 0);
	CHECK_GT(metric(&a, "apps.rpc", "received"), 300);
	CHECK_GT(metric(&a, "apps.bulk", "received"), 10000);
	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		struct stat_info x, y;

		CHECK_EQ_FATAL(stats_find(a.stats, what[i][0], what[i][1], &x),
			       0);
		CHECK_EQ_FATAL(stats_find(b.stats, what[i][0], what[i][1], &y),
			       0);
		CHECKF(hist_same(&x.u.hist->hist, &y.u.hist->hist),
		       "%s.%s: native switch mean %.0f ps, ns3-p2p %.0f ps",
		       what[i][0], what[i][1], hist_mean(&x.u.hist->hist),
		       hist_mean(&y.u.hist->hist));
	}
	run_result_fini(&a);
	run_result_fini(&b);
}

/* Every packet sent is received, dropped or still in the network, and
 * the network's table agrees with the packet pool. */
static void check_conservation(const struct run_result *r, const char *what)
{
	double sent = metric(r, "apps.src", "sent");
	double recv = metric(r, "apps.src", "received");
	double drop = metric(r, "apps.src", "dropped");
	double fly = metric(r, "apps.src", "in_flight");

	CHECKF(sent > 100, "%s: %g sent", what, sent);
	CHECKF(sent == recv + drop + fly, "%s: %g sent, %g + %g + %g", what,
	       sent, recv, drop, fly);
	CHECKF(fly == metric(r, "network", "in_flight"),
	       "%s: %g in flight, the network says %g", what, fly,
	       metric(r, "network", "in_flight"));
	CHECKF(fly == metric(r, "sim", "packets_in_use"),
	       "%s: %g in flight, %g packets in use", what, fly,
	       metric(r, "sim", "packets_in_use"));
	CHECKF(metric(r, "network", "arrived") ==
		       metric(r, "network", "delivered") + drop + fly,
	       "%s: network arrived %g, delivered %g + dropped %g + in flight %g",
	       what, metric(r, "network", "arrived"),
	       metric(r, "network", "delivered"), drop, fly);
}

static void test_csma(void)
{
	const char *sets[] = { "network.kind=ns3-csma", "duration=200ms",
			       "network.delay=1us", "network.overhead=20B" };
	struct scn *s = load("scenarios/md1.yaml", sets, 4);
	struct run_result r;
	char err[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ_FATAL(run_scenario(s, 0, &r, err, sizeof(err)), 0);
	check_conservation(&r, "csma");
	/* each packet: at least 10 us on the wire and 1 us of propagation */
	CHECK_GE(metric(&r, "apps.src", "stage.transmission"), 11e6);
	CHECK_GT(metric(&r, "network", "queue_delay"), 0);
	run_result_fini(&r);
	scn_destroy(s);
}

static void wifi_run(const char *const *extra, size_t n, uint32_t rep,
		     struct run_result *r)
{
	const char *sets[16] = { "duration=500ms" };
	struct scn *s;
	char err[512];

	memcpy(sets + 1, extra, n * sizeof(*sets));
	s = load("scenarios/wifi.yaml", sets, n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ_FATAL(run_scenario(s, rep, r, err, sizeof(err)), 0);
	scn_destroy(s);
}

/* With ideal rate control the MCS falls with the signal, so the rate
 * falls and the latency grows as the station moves away. */
static void test_wifi_distance(void)
{
	static const char *const dist[] = { "network.wifi.distance=5",
					    "network.wifi.distance=25",
					    "network.wifi.distance=45" };
	double lat[3], rate[3];

	for (int i = 0; i < 3; i++) {
		struct run_result r;

		wifi_run(&dist[i], 1, 0, &r);
		CU_ASSERT_STRING_EQUAL(r.engine, "ns3");
		check_conservation(&r, dist[i]);
		CHECK_EQ(metric(&r, "network", "stale_reports"), 0);
		lat[i] = metric(&r, "apps.src", "latency");
		rate[i] = metric(&r, "network", "tx_rate");
		printf("\n    wifi %s m: latency %.1f us, rate %.1f Mb/s ",
		       dist[i] + strlen("network.wifi.distance="), lat[i] / 1e6,
		       rate[i] / 1e6);
		run_result_fini(&r);
	}
	CHECK_LT(lat[0], lat[1]);
	CHECK_LT(lat[1], lat[2]);
	CHECK_GT(rate[0], rate[1]);
	CHECK_GT(rate[1], rate[2]);
	/* a 1250 B frame needs tens of microseconds at the best rates */
	CHECK_GT(lat[0], 20e6);
}

/* An overloaded station with a short MAC queue drops, and every packet is
 * still accounted for; the table holds no more than the MAC queue. */
static void test_wifi_overload(void)
{
	const char *sets[] = { "network.wifi.distance=45",
			       "network.queue_packets=8",
			       "apps.src.rate=30kpps" };
	struct run_result r;

	wifi_run(sets, 3, 0, &r);
	check_conservation(&r, "overload");
	CHECK_GT(metric(&r, "network", "drops.queue_full"), 1000);
	CHECK_LE(metric(&r, "network", "in_flight"), 8);
	CHECK_EQ(metric(&r, "network", "in_flight"),
		 metric(&r, "network", "device_queue"));
	{
		struct stat_info si;

		CHECK_EQ_FATAL(stats_find(r.stats, "network", "queue_len", &si),
			       0);
		CHECK_LE(si.u.gauge->max, 8);
		CHECK_GE(si.u.gauge->max, 1);
	}
	run_result_fini(&r);
}

/* The same run gives the same trajectory again in this process (after
 * other ns-3 sessions) and in a fresh process; another repetition does
 * not. ns-3's own random streams are seeded from the scenario. */
static void test_wifi_reproducible(void)
{
	const char *sets[] = { "network.wifi.rate_control=minstrel" };
	const char *argv[] = { USNSIM,
			       "run",
			       "scenarios/wifi.yaml",
			       "--db",
			       NULL,
			       "-q",
			       "--set",
			       "duration=500ms",
			       "--set",
			       "network.wifi.rate_control=minstrel",
			       "--set",
			       "repetitions=1",
			       NULL };
	struct run_result a, b, c;
	const char *sql = "SELECT fingerprint, events, engine FROM runs";
	struct tu_proc cmd;
	char db[128];
	sqlite3 *h;
	sqlite3_stmt *st;
	char why[256] = "";

	wifi_run(sets, 1, 0, &a);
	wifi_run(sets, 1, 1, &b);
	wifi_run(sets, 1, 0, &c);
	CU_ASSERT_STRING_EQUAL(a.fingerprint, c.fingerprint);
	CHECKF(stats_equal(a.stats, c.stats, why, sizeof(why)), "%s", why);
	CU_ASSERT_STRING_NOT_EQUAL(a.fingerprint, b.fingerprint);
	snprintf(db, sizeof(db), "%s/wifi.db", dir);
	argv[4] = db;
	CHECK_EQ(tu_run(&cmd, argv, TU_MERGE), 0);
	tu_proc_free(&cmd);
	CHECK_EQ_FATAL(sqlite3_open(db, &h), SQLITE_OK);
	CHECK_EQ_FATAL(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	CHECK_EQ_FATAL(sqlite3_step(st), SQLITE_ROW);
	CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 0),
			       a.fingerprint);
	CHECK_EQ((uint64_t)sqlite3_column_int64(st, 1), a.events);
	CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 2), "ns3");
	sqlite3_finalize(st);
	sqlite3_close(h);
	run_result_fini(&a);
	run_result_fini(&b);
	run_result_fini(&c);
}

/*
 * Choosing the engine.
 */

static void test_engine_choice(void)
{
	const char *native[] = { "engine=native" };
	const char *far[] = { "network.wifi.distance=300" };
	const char *ac10[] = { "network.wifi.standard=ac",
			       "network.wifi.rate_control=constant",
			       "network.wifi.mcs=10" };
	struct scn *s;
	char err[512];

	s = load("scenarios/wifi.yaml", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(run_validate(s, err, sizeof(err)), 0);
	scn_destroy(s);

	s = load("scenarios/wifi.yaml", native, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(run_validate(s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(
		err,
		"--set:1:8: engine: native cannot run network.kind ns3-wifi, which is an ns-3 device; use engine: ns3 or auto");
	scn_destroy(s);

	s = load("tests/fixtures/wifi-native.yaml", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(run_validate(s, err, sizeof(err)), -EINVAL);
	CU_ASSERT(!strncmp(err, "tests/fixtures/wifi-native.yaml:4:9: engine",
			   strlen("tests/fixtures/wifi-native.yaml:4:9: e")));
	scn_destroy(s);

	s = load("scenarios/wifi.yaml", far, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(run_validate(s, err, sizeof(err)), -EINVAL);
	CHECKF(!strncmp(err, "--set:1:23: network.wifi.distance: ", 35) &&
		       strstr(err, "cannot associate"),
	       "%s", err);
	scn_destroy(s);

	s = load("scenarios/wifi.yaml", ac10, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(run_validate(s, err, sizeof(err)), -EINVAL);
	CHECKF(!strncmp(err, "--set:3:18: network.wifi.mcs:", 29), "%s", err);
	scn_destroy(s);
}

/*
 * The command line.
 */

/* `usnsim run scenarios/md1.yaml --engine ns3` writes the same summary
 * rows as the native engine. */
static void test_cli_md1_both_engines(void)
{
	struct tu_proc cmd;
	char db[128];
	const char *argv[] = { USNSIM,
			       "run",
			       "scenarios/md1.yaml",
			       "--db",
			       NULL,
			       "--set",
			       "duration=300ms",
			       "--set",
			       "repetitions=2",
			       "-q",
			       "--engine",
			       NULL,
			       NULL };
	sqlite3 *h;

	snprintf(db, sizeof(db), "%s/md1.db", dir);
	argv[4] = db;
	argv[11] = "native";
	CHECK_EQ(tu_run(&cmd, argv, TU_MERGE), 0);
	tu_proc_free(&cmd);
	argv[11] = "ns3";
	CHECK_EQ(tu_run(&cmd, argv, TU_MERGE), 0);
	tu_proc_free(&cmd);
	CHECK_EQ_FATAL(sqlite3_open(db, &h), SQLITE_OK);
	CHECK_EQ(tu_sql_double(h, "SELECT count(*) FROM runs"), 4);
	CHECK_EQ(tu_sql_double(h, "SELECT count(*) FROM runs"
				  " WHERE engine = 'ns3'"),
		 2);
	/* every summary row of an ns3 run has its twin in the native run of
	 * the same repetition, and the other way round */
	CHECK_GE(tu_sql_double(h,
			       "SELECT count(*) FROM summaries WHERE run_id IN"
			       " (SELECT id FROM runs WHERE engine = 'ns3')"),
		 10);
	CHECK_EQ(tu_sql_double(
			 h,
			 "SELECT count(*) FROM ("
			 " SELECT r.repetition, s.component, s.metric, s.unit,"
			 "  s.count, s.mean, s.stddev, s.min, s.p50, s.p90,"
			 "  s.p99, s.p999, s.max"
			 " FROM summaries s JOIN runs r ON r.id = s.run_id"
			 " WHERE r.engine = 'native' EXCEPT"
			 " SELECT r.repetition, s.component, s.metric, s.unit,"
			 "  s.count, s.mean, s.stddev, s.min, s.p50, s.p90,"
			 "  s.p99, s.p999, s.max"
			 " FROM summaries s JOIN runs r ON r.id = s.run_id"
			 " WHERE r.engine = 'ns3')"),
		 0);
	CHECK_EQ(
		tu_sql_double(
			h,
			"SELECT count(*) FROM summaries a JOIN runs ra"
			" ON ra.id = a.run_id AND ra.engine = 'ns3'"
			" WHERE NOT EXISTS (SELECT 1 FROM summaries b JOIN runs"
			" rb ON rb.id = b.run_id AND rb.engine = 'native'"
			" AND rb.repetition = ra.repetition"
			" WHERE b.component = a.component AND b.metric ="
			" a.metric AND b.count = a.count AND b.mean = a.mean"
			" AND b.p99 = a.p99 AND b.max = a.max)"),
		0);
	CHECK_EQ(tu_sql_double(h,
			       "SELECT count(DISTINCT fingerprint) FROM runs"),
		 2);
	CHECK_EQ(tu_sql_double(h, "SELECT count(*) FROM runs a JOIN runs b"
				  " ON a.repetition = b.repetition"
				  " AND a.engine = 'native'"
				  " AND b.engine = 'ns3'"
				  " AND a.fingerprint = b.fingerprint"
				  " AND a.events = b.events"),
		 2);
	/* every run's row has its speed, events over wall seconds */
	CHECK_EQ(tu_sql_double(h, "SELECT count(*) FROM runs WHERE wall_s > 0"
				  " AND events_per_s = events / wall_s"),
		 4);
	sqlite3_close(h);
}

/* The automatic choice is said once per process, for a run and for a
 * study of three points; an explicit native engine is an error. */
static void test_cli_engine_messages(void)
{
	struct tu_proc cmd;
	char db[128];
	const char *val[] = { USNSIM, "validate", "scenarios/wifi.yaml", NULL };
	const char *nat[] = { USNSIM,	  "validate", "scenarios/wifi.yaml",
			      "--engine", "native",   NULL };
	const char *sweep[] = {
		USNSIM, "sweep", "tests/fixtures/wifi-sweep.yaml",
		"-j",	"2",	 "--db",
		NULL,	"-q",	 NULL
	};
	const char *note = "network.kind ns3-wifi runs on the ns3 engine";
	sqlite3 *h;

	CHECK_EQ(tu_run(&cmd, val, TU_MERGE), 0);
	CHECKF(tu_count(cmd.out, note) == 1, "%s", cmd.out);
	tu_proc_free(&cmd);
	CHECK_EQ(tu_run(&cmd, nat, TU_MERGE), 2);
	CHECKF(strstr(cmd.out, "--set:1:8: engine: native cannot run") != NULL,
	       "%s", cmd.out);
	tu_proc_free(&cmd);
	snprintf(db, sizeof(db), "%s/sweep.db", dir);
	sweep[6] = db;
	CHECK_EQ(tu_run(&cmd, sweep, TU_MERGE), 0);
	CHECKF(tu_count(cmd.out, "tests/fixtures/wifi-sweep.yaml: network.kind "
				 "ns3-wifi runs on the ns3 engine") == 1,
	       "%s", cmd.out);
	tu_proc_free(&cmd);
	CHECK_EQ_FATAL(sqlite3_open(db, &h), SQLITE_OK);
	CHECK_EQ(tu_sql_double(h, "SELECT count(*) FROM runs"
				  " WHERE engine = 'ns3' AND status = 'ok'"),
		 3);
	sqlite3_close(h);
}

/* The automatic choice is said on stderr, once per command whatever the
 * workers, and only once the input is known good: a bad point after a
 * good ns3-wifi one leaves the error alone on stderr. (-q: no progress
 * lines, which a slow machine could print on stderr.) */
static void test_cli_engine_note_once(void)
{
	static const char bad_yaml[] =
		"duration: 20ms\n"
		"network: { kind: ns3-wifi, wifi: { rate_control: ideal } }\n"
		"apps: { src: { rate: 1kpps, size: 500B } }\n"
		"sweep:\n"
		"  network.overhead: [0B, 24B]\n";
	const char *note = "tests/fixtures/wifi-sweep.yaml: network.kind "
			   "ns3-wifi runs on the ns3 engine\n";
	char db[128], bad[160], want[512];
	const char *sweep[] = {
		USNSIM, "sweep", "tests/fixtures/wifi-sweep.yaml",
		"-j",	"2",	 "-q",
		"--db", NULL,	 NULL
	};
	const char *check[] = { USNSIM, "check",
				"tests/fixtures/wifi-sweep.yaml", NULL };
	const char *cmds[3][7] = {
		{ USNSIM, "validate", bad, NULL },
		{ USNSIM, "check", bad, NULL },
		{ USNSIM, "sweep", bad, "-q", "--db", db, NULL },
	};
	struct tu_proc cmd;

	snprintf(db, sizeof(db), "%s/note.db", dir);
	sweep[7] = db;
	CHECK_EQ(tu_run(&cmd, sweep, 0), 0);
	CU_ASSERT_STRING_EQUAL(cmd.err, note);
	CHECKF(!strstr(cmd.out, "ns3 engine\n"), "%s", cmd.out);
	tu_proc_free(&cmd);
	CHECK_EQ(tu_run(&cmd, check, 0), 0);
	CU_ASSERT_STRING_EQUAL(cmd.err, note);
	tu_proc_free(&cmd);

	snprintf(bad, sizeof(bad), "%s/note-bad.yaml", dir);
	CHECK_EQ_FATAL(tu_write_file(bad, bad_yaml, sizeof(bad_yaml) - 1), 0);
	snprintf(db, sizeof(db), "%s/note-bad.db", dir);
	snprintf(
		want, sizeof(want),
		"%s:5:3: network.overhead: does not apply to ns3-wifi, whose framing is 802.11's (at sweep point {\"network.overhead\":\"24B\"})\n",
		bad);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(tu_run(&cmd, cmds[i], 0), 2);
		CHECKF(!strcmp(cmd.err, want), "%s: stderr '%s', want '%s'",
		       cmds[i][1], cmd.err, want);
		tu_proc_free(&cmd);
	}
	CHECK_EQ(access(db, F_OK), -1);
}

/*
 * C reaches ns-3 only through ns3c.h: no C source or header includes an
 * ns-3 header, and sim/engine/ns3/ns3c.cc is the only C++ file.
 */
static int includes_ns3(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int bad = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '#')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "include", 7))
			continue;
		bad |= strstr(p, "ns3/") != NULL || strstr(p, "<ns3") != NULL;
	}
	fclose(f);
	return bad;
}

static void test_no_ns3_in_c(void)
{
	static const char *const dirs[] = {
		"sim/engine", "sim/engine/ns3", "sim/scenario", "sim/results",
		"sim/run",    "sim/cli",	"models",	"analysis",
		"tests",      "bench",
	};
	size_t files = 0;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		while ((e = readdir(d))) {
			const char *dot = strrchr(e->d_name, '.');
			char path[512];

			if (!dot)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i],
				 e->d_name);
			if (!strcmp(dot, ".c") || !strcmp(dot, ".h")) {
				files++;
				CHECKF(!includes_ns3(path),
				       "%s includes an ns-3 header; use ns3c.h",
				       path);
			} else if (!strcmp(dot, ".cc") ||
				   !strcmp(dot, ".cpp") ||
				   !strcmp(dot, ".cxx")) {
				CHECKF(!strcmp(path, "sim/engine/ns3/ns3c.cc"),
				       "%s: the binding is the only C++ file",
				       path);
			}
		}
		closedir(d);
	}
	CHECK_GT(files, 20);
	/* and the check itself sees an ns-3 include where there is one */
	CU_ASSERT(includes_ns3("sim/engine/ns3/ns3c.cc"));
}

/* A topology of 64 hosts: both engines run the same events (fingerprint,
 * event count, every app's counts and latency), and every app's packets
 * are conserved (sent = received + dropped + in flight). */
#define BIG_HOSTS 64

static void test_big_topology(void)
{
	static const char *const engines[] = { "engine=native", "engine=ns3" };
	size_t len = 0, cap = 16384;
	char *text = malloc(cap);
	struct run_result r[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	len += (size_t)snprintf(text + len, cap - len,
				"name: big\nduration: 2ms\nseed: 3\nhosts:\n"
				"  h0: { cpu: { kernel_cores: 1 } }\n");
	for (int i = 1; i < BIG_HOSTS; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"  h%d: { like: h0 }\n", i);
	len += (size_t)snprintf(
		text + len, cap - len,
		"network: { kind: link, rate: 10Gbps }\napps:\n"
		"  a0: { host: h0, peer: h1, pattern: poisson, rate: 50kpps,"
		" size: 64B, stack: user }\n");
	for (int i = 2; i < BIG_HOSTS; i += 2)
		len += (size_t)snprintf(
			text + len, cap - len,
			"  a%d: { like: a0, host: h%d, peer: h%d }\n", i, i,
			i + 1);
	CU_ASSERT_FATAL(len < cap);
	for (int e = 0; e < 2; e++)
		CHECK_EQ_FATAL(tr_run_text(text, &engines[e], 1, &r[e], NULL),
			       0);
	CU_ASSERT_STRING_EQUAL(r[0].fingerprint, r[1].fingerprint);
	CHECK_EQ(r[0].events, r[1].events);
	for (int i = 0; i < BIG_HOSTS; i += 2) {
		char comp[32];
		double sent, recv;

		snprintf(comp, sizeof(comp), "apps.a%d", i);
		sent = tr_metric(&r[0], comp, "sent");
		recv = tr_metric(&r[0], comp, "received");
		CHECKF(sent > 0 && recv > 0, "%s sent %g received %g", comp,
		       sent, recv);
		CHECK_EQ(sent, recv + tr_metric(&r[0], comp, "dropped") +
				       tr_metric(&r[0], comp, "in_flight"));
		CHECK_EQ(recv, tr_metric(&r[1], comp, "received"));
		CHECK_EQ(tr_metric(&r[0], comp, "latency"),
			 tr_metric(&r[1], comp, "latency"));
	}
	run_result_fini(&r[0]);
	run_result_fini(&r[1]);
	free(text);
}

/* The scale benchmark's ns-3 reference (ns3c_bench_udp_pairs): every
 * client sends ceil(packets / pairs) datagrams over an idle 10 Gb/s link,
 * so the servers receive exactly pairs times that; a second call in the
 * same process works (ns-3 is left destroyed), the first millisecond
 * is left out of the timed part, and bad arguments are refused. */
static void test_bench_udp_pairs(void)
{
	static const struct {
		unsigned pairs;
		uint64_t packets, expect;
	} c[] = { { 1, 50, 50 }, { 7, 100, 105 }, { 64, 1000, 1024 } };
	double setup_s, run_s;
	uint64_t rx, timed;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		CHECK_EQ_FATAL(ns3c_bench_udp_pairs(c[i].pairs, c[i].packets,
						    &setup_s, &run_s, &rx,
						    &timed),
			       0);
		CHECKF(rx == c[i].expect,
		       "%u pairs, %llu packets: %llu received", c[i].pairs,
		       (unsigned long long)c[i].packets,
		       (unsigned long long)rx);
		CU_ASSERT(setup_s >= 0 && run_s >= 0);
		/* each client sends at most 10 datagrams in the first
		 * millisecond (one every 100 us from an offset below 100 us),
		 * and at least 9 arrive in it: the rest is timed */
		CHECKF(rx - timed <= 10 * c[i].pairs &&
			       rx - timed >= 9 * c[i].pairs,
		       "%u pairs: %llu of %llu received in the start-up",
		       c[i].pairs, (unsigned long long)(rx - timed),
		       (unsigned long long)rx);
	}
	CHECK_EQ(ns3c_bench_udp_pairs(0, 10, &setup_s, &run_s, &rx, &timed),
		 -EINVAL);
	CHECK_EQ(ns3c_bench_udp_pairs(2, 0, &setup_s, &run_s, &rx, &timed),
		 -EINVAL);
	CHECK_EQ(ns3c_bench_udp_pairs(NS3C_PAIRS_MAX + 1, 10, &setup_s, &run_s,
				      &rx, &timed),
		 -EINVAL);
}

static int setup(void)
{
	return tu_mkdtemp(dir, sizeof(dir), "ns3");
}

static int teardown(void)
{
	return tu_rmtree(dir);
}

int suite_ns3(void)
{
	CU_pSuite s = CU_add_suite("ns3", setup, teardown);

	if (!s ||
	    !CU_add_test(s, "C includes no ns-3 header", test_no_ns3_in_c) ||
	    !CU_add_test(s, "scale benchmark: ns-3 UDP pairs, exact counts",
			 test_bench_udp_pairs) ||
	    !CU_add_test(s, "binding: wired frame times", test_binding_wired) ||
	    !CU_add_test(s, "bundled scenarios: identical on both engines",
			 test_cross_engine_scenarios) ||
	    !CU_add_test(s, "64 hosts: identical on both engines",
			 test_big_topology) ||
	    !CU_add_test(s, "cli: md1 --engine ns3 = native",
			 test_cli_md1_both_engines) ||
	    !CU_add_test(s, "ns3-p2p: M/D/1 closed form", test_p2p_md1) ||
	    !CU_add_test(s, "ns3-p2p: same delays as the native link",
			 test_p2p_equals_link) ||
	    !CU_add_test(s, "ns3-p2p between hosts: same as the native switch",
			 test_p2p_hosts_equal_switch) ||
	    !CU_add_test(s, "ns3-csma: runs, conserves packets", test_csma) ||
	    !CU_add_test(s, "ns3-wifi: latency grows with distance",
			 test_wifi_distance) ||
	    !CU_add_test(s, "ns3-wifi: overload", test_wifi_overload) ||
	    !CU_add_test(s, "ns3-wifi: reproducible", test_wifi_reproducible) ||
	    !CU_add_test(s, "engine choice and its errors",
			 test_engine_choice) ||
	    !CU_add_test(s, "cli: engine messages", test_cli_engine_messages) ||
	    !CU_add_test(s, "cli: the engine note once, never with an error",
			 test_cli_engine_note_once))
		return CU_get_error();
	return 0;
}
