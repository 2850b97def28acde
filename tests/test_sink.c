/*
 * test_sink.c - the sink's held rows record what recording at delivery
 * would.
 *
 *   1. Two sinks get the same 1,003 deliveries per app (not a multiple of
 *      the rows an app holds), for a bare app, a hosted one and one with
 *      a stack, at times that start before the warm-up, with random
 *      stamps, some of them 0 (a stage the packet skipped). The first
 *      sink holds its rows and records them later; the second records at
 *      delivery (a tap on one histogram of each app makes it). After the
 *      finish every histogram of the two is the same bit for bit (counts,
 *      sums, min, max, every bucket), and holds exactly the deliveries
 *      made after the warm-up. Before the finish the first sink's
 *      histograms lack only the rows it still holds.
 */
#include <CUnit/CUnit.h>

#include "util.h"

#include "pkt.h"
#include "rng.h"
#include "sim.h"
#include "sink.h"
#include "stats.h"

#define NAPPS 3
#define PER_APP 1003
#define WARMUP_PS (200 * SIM_NS)

static const char *const names[NAPPS] = { "bare", "host", "stack" };
static const uint8_t paths[NAPPS] = { SINK_BARE, SINK_HOST, SINK_STACK };

/* The metrics every app's sink registers, then those of each path. */
static const char *const common[] = { "latency", "queue_delay" };
static const char *const bare_stages[] = { "stage.queueing",
					   "stage.transmission" };
static const char *const host_stages[] = {
	"stage.driver_tx",    "stage.doorbell", "stage.nic_tx_dma",
	"stage.nic_tx_queue", "stage.wire",	"stage.network",
	"stage.nic_rx_dma",   "stage.notify",	"stage.driver_rx",
};
static const char *const stack_stages[] = {
	"stage.stack_tx", "stage.channel_sync", "stage.flowswitch_tx",
	"stage.qdisc_tx", "stage.netif_tx",	"stage.flowswitch_rx",
	"stage.wakeup",	  "stage.stack_rx",
};

struct feed {
	struct sim *sim;
	struct pkt_pool *pool;
	struct sink *held, *direct;
	struct rng *rng;
	unsigned sent;
};

/* One delivery per event, the apps in turn; the stamps lie between the
 * packet's creation and now, in path order, about one in four 0. */
static void deliver(struct sim *sim, void *a, void *b)
{
	struct feed *f = a;
	struct sim_pkt *p = pkt_alloc(f->pool);
	sim_time now = sim_now(sim), t;

	(void)b;
	p->src = f->sent % NAPPS;
	p->len_bytes = 64 + f->sent % 1400;
	p->created_ps = now - 1000 - (sim_time)rng_u64(f->rng, 50000);
	p->queued_ps = (sim_time)rng_u64(f->rng, 1000);
	t = p->created_ps;
	for (int i = 0; i < PKT_NSTAMPS; i++) {
		t += (sim_time)rng_u64(f->rng, (uint64_t)(now - t) / 4 + 1);
		p->stamp_ps[i] = rng_u64(f->rng, 4) ? t : 0;
	}
	sink_record(f->held, p);
	sink_record(f->direct, p);
	pkt_free(f->pool, p);
	if (++f->sent < NAPPS * PER_APP)
		sim_schedule(sim, 100 + rng_u64(f->rng, 100), deliver, f, NULL);
}

static struct sink *make_sink(struct sim *sim, struct stats *st,
			      struct pkt_pool *pool)
{
	struct sink_cfg cfg = { .napps = NAPPS,
				.names = names,
				.paths = paths };
	struct model_env env = { .sim = sim,
				 .st = st,
				 .component = "apps",
				 .warmup_ps = WARMUP_PS };
	struct sink *k = NULL;
	char err[128];

	CHECK_EQ(sink_create(&cfg, &env, pool, &k, err, sizeof(err)), 0);
	return k;
}

static void no_tap(void *arg, int64_t v)
{
	(void)arg;
	(void)v;
}

/* The histogram metric of app i in st (NULL if none). */
static const struct hist *hist_of(struct stats *st, size_t i, const char *m)
{
	char comp[64];
	struct stat_info si;

	snprintf(comp, sizeof(comp), "apps.%s", names[i]);
	if (stats_find(st, comp, m, &si) || si.kind != STAT_HIST)
		return NULL;
	return &si.u.hist->hist;
}

/* Checks metrics m[0..n) of app i: the same in both, count each. */
static void check_same(struct stats *a, struct stats *b, size_t i,
		       const char *const *m, size_t n, uint64_t count)
{
	for (size_t j = 0; j < n; j++) {
		const struct hist *ha = hist_of(a, i, m[j]);
		const struct hist *hb = hist_of(b, i, m[j]);

		CHECKF(ha && hb, "%s %s registered", names[i], m[j]);
		if (!ha || !hb)
			continue;
		CHECKF(hist_same(ha, hb), "%s %s: held rows == at delivery",
		       names[i], m[j]);
		CHECKF(ha->count == count, "%s %s: %llu recorded, %llu due",
		       names[i], m[j], (unsigned long long)ha->count,
		       (unsigned long long)count);
	}
}

static void test_rows_exact(void)
{
	struct sim *sim = sim_create("native");
	struct stats *sa = stats_create(sim, WARMUP_PS, 0);
	struct stats *sb = stats_create(sim, WARMUP_PS, 0);
	struct feed f = { .sim = sim, .pool = pkt_pool_create() };
	uint64_t due[NAPPS] = { 0 }, before;

	f.rng = rng_create(7, 0, "test.sink");
	CU_ASSERT_FATAL(sim && sa && sb && f.pool && f.rng);
	f.held = make_sink(sim, sa, f.pool);
	f.direct = make_sink(sim, sb, f.pool);
	CU_ASSERT_FATAL(f.held && f.direct);
	for (size_t i = 0; i < NAPPS; i++) {
		char comp[64];

		snprintf(comp, sizeof(comp), "apps.%s", names[i]);
		CHECK_EQ_FATAL(
			stats_hist_tap(sb, comp, "latency", no_tap, NULL), 0);
	}
	sim_schedule(sim, 1000, deliver, &f, NULL);
	sim_run(sim, SIM_S);
	CHECK_EQ_FATAL(f.sent, NAPPS * PER_APP);
	/* deliveries after the warm-up, per app: what the direct sink has */
	for (size_t i = 0; i < NAPPS; i++)
		due[i] = hist_of(sb, i, "latency")->count;
	CHECK_GT(due[0], 0);
	CHECK_LT(due[0], PER_APP); /* some came before the warm-up */
	before = hist_of(sa, 2, "latency")->count;
	CHECK_EQ(due[2] - before, due[2] % 8); /* held: the last rows */
	sink_ops.finish(f.held);
	sink_ops.finish(f.direct);
	for (size_t i = 0; i < NAPPS; i++) {
		check_same(sa, sb, i, common, 2, due[i]);
		if (paths[i] == SINK_BARE)
			check_same(sa, sb, i, bare_stages, 2, due[i]);
		else
			check_same(sa, sb, i, host_stages, 9, due[i]);
		if (paths[i] == SINK_STACK)
			check_same(sa, sb, i, stack_stages, 8, due[i]);
		CHECKF(paths[i] == SINK_STACK ||
			       !hist_of(sa, i, "stage.stack_tx"),
		       "%s has no stack stage", names[i]);
	}
	sink_destroy(f.held);
	sink_destroy(f.direct);
	rng_destroy(f.rng);
	pkt_pool_destroy(f.pool);
	stats_destroy(sa);
	stats_destroy(sb);
	sim_destroy(sim);
}

int suite_sink(void)
{
	CU_pSuite s = CU_add_suite("sink", NULL, NULL);

	if (!s || !CU_add_test(s, "held rows record what delivery would",
			       test_rows_exact))
		return -1;
	return 0;
}
