/*
 * test_events.c - channel events that drive the app, and advisories as a
 * shared slot (models/stack.c, models/app.c, models/channel.c,
 * models/advisory.c; the NIC's rate step, models/nic.c; Wi-Fi link
 * quality, models/ns3net.c).
 *
 * Exact counts where the mechanism fixes them: a burst of 40 expiries into
 * a 32-slot ring loses 8 and wakes the app once; the AIMD rate after k
 * cuts and m quiet intervals is R d^k + m s R (capped at R), and the
 * packets sent at it follow; a slow subscriber to the advisory slot reads
 * the third report and counts two skipped; the stale frames of a TX ring
 * are exactly those past their deadline; a Poisson app's departures are
 * its arrivals stream's draws, bit for bit, through a surge.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "advisory.h"
#include "app.h"
#include "channel.h"
#include "rng.h"
#include "runs.h"
#include "sim.h"
#include "stack.h"
#include "stats.h"
#include "util.h"

/* ---- a burst of expiries into the event ring ---- */

/* 40 packets in one write, each past its 1 ns deadline when the driver
 * sees it: 40 transmit expired events at once. The waker's wakeup is 1 ms
 * long, so the 40 are posted before the woken thread reads. The kernel
 * driver has a kernel core of its own (kernel1), so that its packets do
 * not wait behind that wakeup on kernel0. */
static const char burst_yaml[] =
	"name: events-burst\n"
	"duration: 5ms\n"
	"seed: 1\n"
	"hosts:\n"
	"  client: { cpu: { wakeup_cross: 1ms, kernel_cores: 2 },\n"
	"            driver: { core: kernel1 }, stack: { batch: 64 } }\n"
	"  server: {}\n"
	"network: { kind: link, rate: 10Gbps }\n"
	"apps:\n"
	"  a: { host: client, peer: server, pattern: cbr, rate: 1kpps,\n"
	"       burst: 40, count: 40, size: 1500B, stack: user,\n"
	"       deadline: 1ns, expiry: drop }\n";

#define EV "hosts.client.stack.a"
#define CPU "hosts.client.cpu"

static void test_burst_ring(void)
{
	static const char *const big[] = {
		"hosts.client.channel.event_slots=64"
	};
	/* (no doorbell: the driver hands each packet on, and finds it
	 * expired, 20 ns after the previous one, within the second sync) */
	static const char *const busy[] = { "hosts.client.stack.batch=32",
					    "hosts.client.nic.doorbell=0ns" };
	struct run_result r;

	/* 32 slots: 32 posted and read in one read, 8 lost; one wakeup
	 * (the first post into the empty ring), paid by the kernel core at
	 * the cross-core cost, one context switch and two syscalls (the TX
	 * sync, the read) on the app's core */
	if (tr_run_text(burst_yaml, NULL, 0, &r, NULL))
		return;
	CHECK_EQ(tr_metric(&r, "hosts.client.driver", "drops.expired"), 40);
	CHECK_EQ(tr_metric(&r, EV, "events.posted"), 32);
	CHECK_EQ(tr_metric(&r, EV, "events.lost"), 8);
	CHECK_EQ(tr_metric(&r, EV, "events.read"), 32);
	CHECK_EQ(tr_metric(&r, EV, "events.reads"), 1);
	CHECK_EQ(tr_metric(&r, EV, "events.wakeups"), 1);
	CHECK_EQ(tr_metric(&r, "apps.a", "expired"), 32);
	CHECK_EQ(tr_metric(&r, CPU, "wakeups"), 1);
	CHECK_EQ(tr_metric(&r, CPU, "time.wakeup"), 1e9);
	CHECK_EQ(tr_metric(&r, CPU, "context_switches"), 1);
	CHECK_EQ(tr_metric(&r, CPU, "syscalls"), 2);
	run_result_fini(&r);

	/* 64 slots: nothing lost, still one wakeup and one read */
	if (tr_run_text(burst_yaml, big, 1, &r, NULL))
		return;
	CHECK_EQ(tr_metric(&r, EV, "events.posted"), 40);
	CHECK_EQ(tr_metric(&r, EV, "events.lost"), 0);
	CHECK_EQ(tr_metric(&r, EV, "events.read"), 40);
	CHECK_EQ(tr_metric(&r, EV, "events.reads"), 1);
	CHECK_EQ(tr_metric(&r, EV, "events.wakeups"), 1);
	CHECK_EQ(tr_metric(&r, "apps.a", "expired"), 40);
	run_result_fini(&r);

	/* two syncs of 32 and 8: the events come while the thread runs its
	 * second sync, so it reads after it, without a wakeup or a context
	 * switch; the read is the third syscall */
	if (tr_run_text(burst_yaml, busy, 2, &r, NULL))
		return;
	CHECK_EQ(tr_metric(&r, EV, "tx.syncs"), 2);
	CHECK_EQ(tr_metric(&r, EV, "events.wakeups"), 0);
	CHECK_EQ(tr_metric(&r, EV, "events.reads"), 1);
	CHECK_EQ(tr_metric(&r, EV, "events.lost"), 8);
	CHECK_EQ(tr_metric(&r, CPU, "context_switches"), 0);
	CHECK_EQ(tr_metric(&r, CPU, "syscalls"), 3);
	run_result_fini(&r);
}

/* ---- AIMD arithmetic ---- */

struct aimd_fx {
	struct sim *sim;
	struct stats *st;
	struct pkt_pool *pool;
	struct app *app;
	uint64_t *sent;
	uint64_t sent_at[4];
	double rate_at[4];
};

static void aimd_free_pkt(void *owner, struct sim_pkt *p)
{
	pkt_free(owner, p);
}

/* A batch read at now: n expired events, the latest made at `created`. */
static void aimd_batch(struct sim *sim, void *a, void *b)
{
	struct aimd_fx *f = a;
	sim_time created = (sim_time)(intptr_t)b;
	struct stk_events ev = { .expired = 2, .latest_created_ps = created };

	(void)sim;
	app_on_events(f->app, &ev);
}

static void aimd_probe(struct sim *sim, void *a, void *b)
{
	struct aimd_fx *f = a;
	size_t i = (size_t)(intptr_t)b;

	(void)sim;
	f->rate_at[i] = app_rate_bps(f->app);
	f->sent_at[i] = app_sent(f->app);
}

/* An app of one pattern and fixed-size packets, one per arrival, with a
 * 1 ms deadline and no host: the rest is left to the test. */
static struct app_cfg bare_app(enum app_pattern pattern, uint64_t size_bytes)
{
	return (struct app_cfg){ .pattern = pattern,
				 .size_dist = APP_SIZE_FIXED,
				 .size_bytes = size_bytes,
				 .burst_pkts = 1,
				 .host = "",
				 .peer = "",
				 .stack = "user",
				 .service_class = "be",
				 .forge_victim = "",
				 .deadline_ps = SIM_MS,
				 .expiry = PKT_EXP_DROP };
}

static void test_aimd_arithmetic(void)
{
	/* 1 Gb/s of 1250 B frames: one every 10 us */
	struct app_cfg cfg = bare_app(APP_CBR, 1250);
	struct aimd_fx f = { 0 };
	struct model_env env;
	char err[256];
	struct stat_info si;

	cfg.rate_bps = 1e9;
	cfg.reaction = APP_REACT_AIMD;
	cfg.aimd_decrease = 0.5;
	cfg.aimd_increase = 0.1;
	cfg.aimd_interval_ps = SIM_MS;
	f.sim = sim_create("native");
	f.st = f.sim ? stats_create(f.sim, 0, 0) : NULL;
	f.pool = pkt_pool_create();
	CU_ASSERT_FATAL(f.sim && f.st && f.pool);
	env = (struct model_env){
		.sim = f.sim, .st = f.st, .component = "apps.a", .seed = 1
	};
	CHECK_EQ_FATAL(
		app_create(&cfg, &env, f.pool, 0, &f.app, err, sizeof(err)), 0);
	app_connect(f.app, (struct sim_port){ .recv = aimd_free_pkt,
					      .owner = f.pool });
	CHECK_EQ_FATAL(app_start(f.app), 0);
	/* 2 ms: a first batch cuts (k = 1); 2.2 ms: packets made before
	 * that cut, no cut, but the quiet interval starts again; 2.5 ms: a
	 * packet made after the cut, second cut (k = 2); then quiet from
	 * 2.5 ms: increases at 3.5, 4.5, 5.5 ms ... */
	sim_schedule_at(f.sim, 2 * SIM_MS, aimd_batch, &f,
			(void *)(intptr_t)(SIM_MS + SIM_MS / 2));
	sim_schedule_at(f.sim, 2 * SIM_MS + 200 * SIM_US, aimd_batch, &f,
			(void *)(intptr_t)(SIM_MS + 900 * SIM_US));
	sim_schedule_at(f.sim, 2 * SIM_MS + 500 * SIM_US, aimd_batch, &f,
			(void *)(intptr_t)(2 * SIM_MS + 100 * SIM_US));
	sim_schedule_at(f.sim, 3 * SIM_MS, aimd_probe, &f, (void *)0);
	sim_schedule_at(f.sim, 5 * SIM_MS + 600 * SIM_US, aimd_probe, &f,
			(void *)1);
	sim_schedule_at(f.sim, 12 * SIM_MS, aimd_probe, &f, (void *)2);
	sim_schedule_at(f.sim, 20 * SIM_MS, aimd_probe, &f, (void *)3);
	sim_run(f.sim, 20 * SIM_MS);

	/* k = 2 cuts: R 0.5^2; m = 3 quiet intervals: + 3 x 0.1 R */
	CHECK_REL(f.rate_at[0], 1e9 * 0.25, 1e-12);
	CHECK_REL(f.rate_at[1], 1e9 * (0.25 + 3 * 0.1), 1e-12);
	/* 0.25 + 8 x 0.1 > 1: back at R after the 8th increase (10.5 ms),
	 * and no increase after it */
	CHECK_REL(f.rate_at[2], 1e9, 1e-12);
	CHECK_EQ(stats_find(f.st, "apps.a", "cuts", &si), 0);
	CHECK_EQ(*si.u.counter, 2);
	CHECK_EQ(stats_find(f.st, "apps.a", "increases", &si), 0);
	CHECK_EQ(*si.u.counter, 8);
	CHECK_EQ(stats_find(f.st, "apps.a", "expired", &si), 0);
	CHECK_EQ(*si.u.counter, 6);
	/* the sending follows: one frame every 10 us from 12 ms to 20 ms */
	CHECK_EQ(f.sent_at[3] - f.sent_at[2], 800);
	app_destroy(f.app);
	stats_destroy(f.st);
	sim_destroy(f.sim);
	pkt_pool_destroy(f.pool);
}

/* ---- Poisson departures are the arrivals stream's draws ---- */

#define GAP_MAX 8000

struct gap_fx {
	struct sim *sim;
	struct pkt_pool *pool;
	sim_time at[GAP_MAX];
	size_t n;
};

static void gap_take(void *owner, struct sim_pkt *p)
{
	struct gap_fx *f = owner;

	if (f->n < GAP_MAX)
		f->at[f->n++] = sim_now(f->sim);
	pkt_free(f->pool, p);
}

/* A Poisson app of 1 Mpps that surges to 3 Mpps from 1 to 2 ms: its
 * departures are 0 and then each the last plus the rounded draw of mean
 * period (1 us, a third of it while surging) from the stream
 * "apps.p.arrivals", one draw per departure in order, drawn here with
 * rng_exponential() as a reference. The app draws its gaps eight at a
 * time, of mean 1, and scales them: the times must match bit for bit. */
static void test_poisson_gaps(void)
{
	struct app_cfg cfg = bare_app(APP_POISSON, 100);
	struct gap_fx *f = calloc(1, sizeof(*f));
	struct stats *st;
	struct app *a = NULL;
	struct rng *r = rng_create(7, 2, "apps.p.arrivals");
	struct model_env env;
	sim_time t = 0;
	size_t k, wrong = 0;
	char err[256];

	CU_ASSERT_FATAL(f && r);
	cfg.rate_pps = 1e6;
	cfg.surge = 3;
	cfg.surge_at_ps = SIM_MS;
	cfg.surge_until_ps = 2 * SIM_MS;
	f->sim = sim_create("native");
	st = f->sim ? stats_create(f->sim, 0, 0) : NULL;
	f->pool = pkt_pool_create();
	CU_ASSERT_FATAL(f->sim && st && f->pool);
	env = (struct model_env){ .sim = f->sim,
				  .st = st,
				  .component = "apps.p",
				  .seed = 7,
				  .rep = 2 };
	CHECK_EQ_FATAL(app_create(&cfg, &env, f->pool, 0, &a, err, sizeof(err)),
		       0);
	app_connect(a, (struct sim_port){ .recv = gap_take, .owner = f });
	CHECK_EQ_FATAL(app_start(a), 0);
	sim_run(f->sim, 3 * SIM_MS);
	/* about 1,000 + 3,000 + 1,000 departures */
	CHECK_GT(f->n, 4500);
	CHECK_LT(f->n, GAP_MAX);
	for (k = 0; k < f->n; k++) {
		double period = t >= SIM_MS && t < 2 * SIM_MS ? 1e6 / 3 : 1e6;

		wrong += f->at[k] != t;
		t += (sim_time)llround(rng_exponential(r, period));
	}
	CHECK_EQ(wrong, 0);
	CHECK_GE(t, 3 * SIM_MS); /* the next one falls past the end */
	app_destroy(a);
	stats_destroy(st);
	sim_destroy(f->sim);
	pkt_pool_destroy(f->pool);
	rng_destroy(r);
	free(f);
}

/* ---- stale frames of the TX ring ---- */

static void test_drop_stale_ring(void)
{
	static const uint32_t starts[] = { 0, UINT32_MAX - 3 };
	struct sim_pkt pk[8], *out[8], *got[8];

	for (size_t s = 0; s < 2; s++) {
		struct chan ch;
		uint32_t n;

		CU_ASSERT_FATAL(chan_init(&ch, 8, 2, 2, 1) == 0);
		chan_reset_at(&ch, starts[s]);
		/* deadlines 10, 20, .. 80 (the fourth has none) */
		for (int i = 0; i < 8; i++) {
			memset(&pk[i], 0, sizeof(pk[i]));
			pk[i].id = (uint64_t)i;
			pk[i].deadline_ps = i == 3 ? 0 : 10 * (i + 1);
			CHECK_EQ(chan_tx_put(&ch, &pk[i]), 0);
		}
		/* at 50, skipping the first two (a sync holds them): the
		 * third and fifth are stale (the fourth has no deadline) */
		n = chan_tx_drop_stale(&ch, 2, 50, out);
		CHECK_EQ(n, 2);
		CHECK_EQ(out[0]->id, 2);
		CHECK_EQ(out[1]->id, 4);
		CHECK_EQ(chan_ring_count(&ch.tx), 6);
		CHECK_EQ(chan_free_count(&ch), ch.nbufs - 6);
		/* the others keep their order */
		n = chan_tx_take(&ch, got, 8);
		CHECK_EQ(n, 6);
		for (uint32_t i = 0, want[] = { 0, 1, 3, 5, 6, 7 }; i < n; i++)
			CHECKF(got[i]->id == want[i],
			       "start %zu: slot %u: %llu", s, i,
			       (unsigned long long)got[i]->id);
		chan_fini(&ch);
	}
}

/* A drop_stale sender whose frames wait in its TX ring: its stack's
 * protocol processing (10 us a frame) drains 1.2 Gb/s of the 2 Gb/s it
 * writes, so the 256-slot ring stays full and its frames wait there
 * longer than their 1 ms deadline; the driver finds them expired. With
 * drop_stale each read of those events drops the ring's stale frames at
 * its head, which makes room: fewer frames are refused at its tail. */
static const char stale_yaml[] =
	"name: events-stale\n"
	"duration: 20ms\n"
	"seed: 1\n"
	"hosts:\n"
	"  client: { stack: { proto: 10us } }\n"
	"  server: {}\n"
	"network: { kind: link, rate: 10Gbps }\n"
	"apps:\n"
	"  v: { host: client, peer: server, pattern: cbr, rate: 2Gbps,\n"
	"       size: 1500B, stack: user, deadline: 1ms, expiry: drop,\n"
	"       reaction: drop_stale }\n";

static double late_drops(const struct run_result *r)
{
	double mux = tr_metric(r, "hosts.client.mux", "drops.expired");

	return tr_metric(r, "hosts.client.driver", "drops.expired") +
	       (isnan(mux) ? 0 : mux);
}

static void test_drop_stale_run(void)
{
	static const char *const none[] = { "apps.v.reaction=none" };
	struct run_result r;
	double stale, late, full, sent, lost;

	if (tr_run_text(stale_yaml, NULL, 0, &r, NULL))
		return;
	stale = tr_metric(&r, "apps.v", "stale_dropped");
	late = late_drops(&r);
	sent = tr_metric(&r, "apps.v", "sent");
	lost = tr_metric(&r, "apps.v", "dropped");
	CHECKF(stale > 0 && stale == tr_metric(&r, "hosts.client.stack.v",
					       "drops.stale"),
	       "stale %.0f, stack %.0f", stale,
	       tr_metric(&r, "hosts.client.stack.v", "drops.stale"));
	CHECK_EQ(sent, tr_metric(&r, "apps.v", "received") + lost +
			       tr_metric(&r, "apps.v", "in_flight"));
	full = tr_metric(&r, "hosts.client.stack.v", "drops.tx_full");
	CHECK_EQ(lost, stale + late + full);
	CHECK_GT(late, 0);
	run_result_fini(&r);
	if (tr_run_text(stale_yaml, none, 1, &r, NULL))
		return;
	CHECK_EQ(tr_metric(&r, "hosts.client.stack.v", "drops.stale"), 0);
	CHECKF(full < tr_metric(&r, "hosts.client.stack.v", "drops.tx_full"),
	       "full TX ring: %.0f refused with drop_stale, %.0f without", full,
	       tr_metric(&r, "hosts.client.stack.v", "drops.tx_full"));
	run_result_fini(&r);
}

/* ---- advisories: the shared slot ---- */

struct adv_fx {
	struct adv *adv;
	double cap;	/* the source's capacity now */
	uint64_t seen;	/* calls of deliver */
	uint64_t seq;	/* the last seq delivered */
	double got_cap; /* ... and its capacity */
};

static void adv_src(void *arg, struct adv_sample *out)
{
	struct adv_fx *f = arg;

	memset(out, 0, sizeof(*out));
	out->capacity_bps = f->cap;
}

static void adv_got(void *arg, const struct adv_report *r)
{
	struct adv_fx *f = arg;

	f->seen++;
	f->seq = r->seq;
	f->got_cap = r->capacity_bps;
}

static void adv_step(struct sim *sim, void *a, void *b)
{
	struct adv_fx *f = a;

	(void)sim;
	(void)b;
	f->cap /= 2;
	adv_changed(f->adv);
}

static uint64_t adv_counter(struct stats *st, const char *m)
{
	struct stat_info si;

	return stats_find(st, "hosts.h.advisory", m, &si) ? UINT64_MAX
							  : *si.u.counter;
}

/* mode change, delay 10 ms: reports at 0 (subscription), 1 and 2 ms; the
 * subscriber reads at 10 ms and finds the third. busy: the lock of the
 * first notification is held past the others, which are dropped; the
 * slot has the third all the same. */
static void test_adv_slot(void)
{
	for (int busy = 0; busy < 2; busy++) {
		struct adv_cfg cfg = { .interval_ps = SIM_S,
				       .delay_ps = 10 * SIM_MS,
				       .busy_ps = busy ? 5 * SIM_MS : 0,
				       .periodic = false };
		struct sim *sim = sim_create("native");
		struct stats *st = sim ? stats_create(sim, 0, 0) : NULL;
		struct adv_fx f = { .cap = 8e9 };
		struct model_env env = { .sim = sim,
					 .st = st,
					 .component = "hosts.h.advisory" };
		char err[128];

		CU_ASSERT_FATAL(sim && st);
		CHECK_EQ_FATAL(adv_create(&cfg, &env, adv_src, &f, &f.adv, err,
					  sizeof(err)),
			       0);
		CHECK_EQ(adv_subscribe(f.adv, adv_got, &f), 0);
		sim_schedule_at(sim, SIM_MS, adv_step, &f, NULL);
		sim_schedule_at(sim, 2 * SIM_MS, adv_step, &f, NULL);
		sim_run(sim, 9 * SIM_MS);
		CHECK_EQ(f.seen, 0);
		CHECK_EQ(adv_read(f.adv)->seq, 3);
		CHECK_EQ(adv_read(f.adv)->trend, ADV_DOWN);
		sim_run(sim, 20 * SIM_MS);
		CHECKF(f.seen == 1 && f.seq == 3 && f.got_cap == 2e9,
		       "busy %d: %llu reads, seq %llu, capacity %g", busy,
		       (unsigned long long)f.seen, (unsigned long long)f.seq,
		       f.got_cap);
		CHECK_EQ(adv_counter(st, "published"), 3);
		CHECK_EQ(adv_counter(st, "skipped"), 2);
		CHECK_EQ(adv_counter(st, "delivered"), 1);
		CHECK_EQ(adv_counter(st, "dropped"), busy ? 2 : 0);
		adv_destroy(f.adv);
		stats_destroy(st);
		sim_destroy(sim);
	}
}

static void test_quality_score(void)
{
	CHECK_EQ(adv_quality_score(0, 0), 5);
	CHECK_EQ(adv_quality_score(0, 100), 5);
	CHECK_EQ(adv_quality_score(19, 100), 5);
	CHECK_EQ(adv_quality_score(20, 100), 4);
	CHECK_EQ(adv_quality_score(79, 100), 2);
	CHECK_EQ(adv_quality_score(80, 100), 1);
	CHECK_EQ(adv_quality_score(300, 100), 1);
}

/* ---- the NIC's rate step, as the advisories see it ---- */

/* A gauge's minimum (max 0) or maximum (max 1) over the run; NAN if
 * absent. */
static double gauge_stat(const struct run_result *r, const char *comp,
			 const char *name, int max)
{
	struct stat_info si;

	if (stats_find(r->stats, comp, name, &si) || si.kind != STAT_GAUGE)
		return NAN;
	return max ? si.u.gauge->max : si.u.gauge->min;
}

static const char step_yaml[] =
	"name: events-step\n"
	"duration: 30ms\n"
	"seed: 1\n"
	"hosts:\n"
	"  client: { nic: { rate_step: 3Gbps, rate_step_at: 10ms,\n"
	"                   rate_step_until: 20ms },\n"
	"            advisory: { mode: change } }\n"
	"  server: {}\n"
	"network: { kind: link, rate: 10Gbps }\n"
	"apps:\n"
	"  v: { host: client, peer: server, pattern: cbr, rate: 1Gbps,\n"
	"       size: 1500B, stack: user, adaptive: true }\n";

/* Reports at the subscription (10 Gb/s), the step down (3) and back (10):
 * three, each read; the app sets its rate at each. */
static void test_nic_step(void)
{
	const char *adv = "hosts.client.advisory";
	struct run_result r;

	if (tr_run_text(step_yaml, NULL, 0, &r, NULL))
		return;
	CHECK_EQ(tr_metric(&r, adv, "published"), 3);
	CHECK_EQ(tr_metric(&r, adv, "delivered"), 3);
	CHECK_EQ(tr_metric(&r, adv, "skipped"), 0);
	CHECK_EQ(gauge_stat(&r, adv, "capacity", 0), 3e9);
	CHECK_EQ(gauge_stat(&r, adv, "capacity", 1), 1e10);
	CHECK_EQ(tr_metric(&r, "apps.v", "rate_changes"), 3);
	CHECK_EQ(tr_metric(&r, "apps.v", "dropped"), 0);
	run_result_fini(&r);
}

/* ---- Wi-Fi link quality from the ns-3 device ---- */

static const char wifi_yaml[] =
	"name: events-wifi\n"
	"duration: 50ms\n"
	"seed: 1\n"
	"engine: ns3\n"
	"hosts:\n"
	"  sta: { advisory: { interval: 5ms } }\n"
	"  ap: {}\n"
	"network: { kind: ns3-wifi, wifi: { standard: ax, distance: 10,\n"
	"           channel_width: 80, rate_control: ideal } }\n"
	"apps:\n"
	"  v: { host: sta, peer: ap, pattern: poisson, rate: 2kpps,\n"
	"       size: 1250B, stack: user, adaptive: true }\n";

static void test_wifi_quality(void)
{
	static const char *const far[] = { "network.wifi.distance=45" };
	struct run_result r;
	double snr, ratio, q;

	if (tr_run_text(wifi_yaml, NULL, 0, &r, NULL))
		return;
	snr = tr_metric(&r, "network", "snr");
	ratio = tr_metric(&r, "network", "retry_ratio");
	q = gauge_stat(&r, "hosts.sta.advisory", "link_quality", 0);
	/* 10 m in the open: a strong signal, few retries, a good score */
	CHECKF(snr > 10 && snr < 100, "snr %g dB", snr);
	CHECKF(ratio >= 0 && ratio < 0.2, "retry ratio %g", ratio);
	CHECKF(q >= 4 && gauge_stat(&r, "hosts.sta.advisory", "link_quality",
				    1) <= 5,
	       "link quality %g", q);
	CHECKF(tr_metric(&r, "hosts.sta.advisory", "published") >= 9,
	       "published %g",
	       tr_metric(&r, "hosts.sta.advisory", "published"));
	run_result_fini(&r);
	/* 45 m away the signal is weaker (log-distance path loss) */
	if (tr_run_text(wifi_yaml, far, 1, &r, NULL))
		return;
	CHECKF(tr_metric(&r, "network", "snr") < snr - 10,
	       "snr %g dB at 45 m, %g dB at 10 m",
	       tr_metric(&r, "network", "snr"), snr);
	run_result_fini(&r);
}

int suite_events(void)
{
	CU_pSuite s = CU_add_suite("events", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "a burst into the event ring: 8 lost, 1 wakeup",
			 test_burst_ring) ||
	    !CU_add_test(s, "aimd: rate after k cuts and m quiet intervals",
			 test_aimd_arithmetic) ||
	    !CU_add_test(s, "Poisson departures: the stream's draws, surging",
			 test_poisson_gaps) ||
	    !CU_add_test(s, "stale frames of the TX ring",
			 test_drop_stale_ring) ||
	    !CU_add_test(s, "drop_stale sender", test_drop_stale_run) ||
	    !CU_add_test(s, "advisory slot: latest wins, skipped seqs",
			 test_adv_slot) ||
	    !CU_add_test(s, "link quality score", test_quality_score) ||
	    !CU_add_test(s, "NIC rate step down and back: advisories",
			 test_nic_step) ||
	    !CU_add_test(s, "Wi-Fi link quality from ns-3", test_wifi_quality))
		return CU_get_error();
	return 0;
}
