/*
 * test_driver.c - the driver model on its own, fed by a hand-made harness.
 *
 * A fixture host (tests/fixtures/driver-host.yaml) declares the driver's
 * parameters; each test overrides a few, creates the driver on an engine
 * with its statistics, sends packets at chosen times into its TX (or RX)
 * input and records what comes out and what is dropped. The expected
 * numbers are worked out by hand from the model: a kernel driver adds its
 * per-packet cost; a user driver at light load adds the IPC cost on top;
 * under load the IPC cost is shared by a batch; copy mode adds
 * size / copy_bw. Faults: a user driver crash loses the packets in the
 * driver and those arriving until the restart, then delivers again; a
 * kernel driver crash takes the host down. Every test checks conservation
 * (sent = delivered + dropped + held by the driver) exactly.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "driver.h"
#include "scenario.h"
#include "stats.h"
#include "util.h"

#define FIX "tests/fixtures/driver-host.yaml"
#define COMP "hosts.h.driver"
#define MAXREC 4096

struct fx {
	struct sim *sim;
	struct stats *st;
	struct pkt_pool *pool;
	struct scn *s;
	struct drv *d;
	uint32_t len_bytes; /* size of the packets sent */
	uint64_t sent, delivered, dropped, down_calls;
	sim_time down_at;
	size_t n; /* delivered packets recorded in lat/at/dir */
	sim_time lat[MAXREC], at[MAXREC];
	int dir[MAXREC]; /* 0: came out of TX, 1: out of RX */
};

static void fx_out(struct fx *f, struct sim_pkt *p, int dir)
{
	if (f->n < MAXREC) {
		f->lat[f->n] = sim_now(f->sim) - p->created_ps;
		f->at[f->n] = sim_now(f->sim);
		f->dir[f->n] = dir;
		f->n++;
	}
	f->delivered++;
	pkt_free(f->pool, p);
}

static void fx_tx_out(void *owner, struct sim_pkt *p)
{
	fx_out(owner, p, 0);
}

static void fx_rx_out(void *owner, struct sim_pkt *p)
{
	fx_out(owner, p, 1);
}

static void fx_drop(void *owner, struct sim_pkt *p)
{
	struct fx *f = owner;

	f->dropped++;
	pkt_free(f->pool, p);
}

static void fx_host_down(void *arg, sim_time at)
{
	struct fx *f = arg;

	f->down_calls++;
	f->down_at = at;
}

/* Loads the driver's configuration from the fixture and creates it
 * (repetition rep) as the topology does. Returns 0 or -1. */
static int fx_create(struct fx *f, uint32_t rep)
{
	struct param_src src = scn_source(f->s);
	struct model_env env = { .sim = f->sim,
				 .st = f->st,
				 .component = COMP,
				 .seed = (uint64_t)scn_int(f->s, "seed"),
				 .rep = rep };
	struct drv_cfg cfg;
	char err[512];

	if (drv_cfg_load(&cfg, &src, COMP, err, sizeof(err)) ||
	    drv_create(&cfg, &env, &f->d, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* Loads the fixture with overrides and creates the driver (repetition
 * rep) on engine backend. Returns 0 or -1. */
static int fx_init_on(struct fx *f, const char *const *sets, size_t nsets,
		      uint32_t rep, const char *backend)
{
	char err[512];

	memset(f, 0, sizeof(*f));
	f->len_bytes = 100;
	if (scn_load(FIX, sets, nsets, &f->s, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->sim = sim_create(backend);
	f->st = f->sim ? stats_create(f->sim, 0, 0) : NULL;
	f->pool = pkt_pool_create();
	if (!f->st || !f->pool || fx_create(f, rep))
		return -1;
	drv_connect(f->d, (struct sim_port){ fx_tx_out, f },
		    (struct sim_port){ fx_drop, f });
	drv_connect_rx(f->d, (struct sim_port){ fx_rx_out, f },
		       (struct sim_port){ fx_drop, f });
	drv_on_host_down(f->d, fx_host_down, f);
	return 0;
}

static int fx_init(struct fx *f, const char *const *sets, size_t nsets,
		   uint32_t rep)
{
	return fx_init_on(f, sets, nsets, rep, "native");
}

static void fx_fini(struct fx *f)
{
	drv_destroy(f->d);
	pkt_pool_destroy(f->pool);
	stats_destroy(f->st);
	sim_destroy(f->sim);
	scn_destroy(f->s);
}

/* Sends one packet into the TX (b == NULL) or RX (b != NULL) input. */
static void fx_send(struct sim *sim, void *a, void *b)
{
	struct fx *f = a;
	struct sim_pkt *p = pkt_alloc(f->pool);
	struct sim_port in = b ? drv_rx_input(f->d) : drv_tx_input(f->d);

	p->len_bytes = f->len_bytes;
	p->created_ps = sim_now(sim);
	f->sent++;
	sim_port_send(&in, p);
}

/* n packets into TX, the first at start, then one every gap. */
static void fx_cbr(struct fx *f, sim_time start, sim_time gap, int n)
{
	for (int i = 0; i < n; i++)
		sim_schedule_at(f->sim, start + i * gap, fx_send, f, NULL);
}

static double fx_stat(const struct fx *f, const char *metric)
{
	struct stat_info si;

	if (stats_find(f->st, COMP, metric, &si))
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

/* sent = delivered + dropped + held, and the driver's counters agree. */
static void fx_conserved(struct fx *f)
{
	uint64_t held = drv_held_by(f->d, 0);

	CHECKF(f->sent == f->delivered + f->dropped + held,
	       "sent %llu delivered %llu dropped %llu held %llu",
	       (unsigned long long)f->sent, (unsigned long long)f->delivered,
	       (unsigned long long)f->dropped, (unsigned long long)held);
	CHECK_EQ(held, drv_in_flight(f->d));
	CHECK_EQ(fx_stat(f, "tx.arrived") + fx_stat(f, "rx.arrived"),
		 (double)f->sent);
	CHECK_EQ(fx_stat(f, "tx.packets") + fx_stat(f, "rx.packets"),
		 (double)f->delivered);
	CHECK_EQ(fx_stat(f, "drops.sq_full") + fx_stat(f, "lost.crash") +
			 fx_stat(f, "lost.outage") +
			 fx_stat(f, "lost.host_down"),
		 (double)f->dropped);
	CHECK_EQ(pkt_in_use(f->pool), held);
}

/* Packets one at a time (10 us apart): every latency is exactly cost. */
static void check_light(struct fx *f, sim_time cost)
{
	fx_cbr(f, 0, 10 * SIM_US, 100);
	sim_run(f->sim, 2 * SIM_MS);
	drv_finish(f->d);
	CHECK_EQ(f->delivered, 100);
	for (size_t i = 0; i < f->n; i++)
		CHECKF(f->lat[i] == cost,
		       "packet %zu: latency %lld ps, not %lld", i,
		       (long long)f->lat[i], (long long)cost);
	CHECK_EQ(fx_stat(f, "stage.driver"), (double)cost);
	CHECK_EQ(fx_stat(f, "batches"), 100);
	fx_conserved(f);
}

static void test_kernel_per_packet(void)
{
	const char *sets[] = { "hosts.h.driver.placement=kernel" };
	struct fx f;

	CHECK_EQ_FATAL(fx_init(&f, sets, 1, 0), 0);
	check_light(&f, 100 * SIM_NS);
	CHECK_EQ(fx_stat(&f, "ipc"), 0);
	CHECK_EQ(fx_stat(&f, "busy"), 100 * 100 * SIM_NS);
	fx_fini(&f);
}

/* The same traffic through a kernel and a user driver: the user one adds
 * its per-batch IPC cost (one batch per packet at light load). */
static void test_user_adds_ipc(void)
{
	const char *kern[] = { "hosts.h.driver.placement=kernel" };
	const char *user[] = { "hosts.h.driver.placement=user" };
	const sim_time ipc = 2 * SIM_US;
	double mk, mu;
	struct fx f;

	CHECK_EQ_FATAL(fx_init(&f, kern, 1, 0), 0);
	check_light(&f, 100 * SIM_NS);
	mk = fx_stat(&f, "stage.driver");
	fx_fini(&f);
	CHECK_EQ_FATAL(fx_init(&f, user, 1, 0), 0);
	check_light(&f, ipc + 100 * SIM_NS);
	mu = fx_stat(&f, "stage.driver");
	CHECK_EQ(fx_stat(&f, "ipc"), 100);
	CHECK_EQ(fx_stat(&f, "copies"), 0);
	fx_fini(&f);
	CHECKF(fabs((mu - mk) - (double)ipc) <= 0.05 * (double)ipc,
	       "user - kernel = %.0f ps, ipc_cost %lld ps", mu - mk,
	       (long long)ipc);
}

/* 800 packets at once into a user driver with batch 8: the first packet
 * starts a batch alone, then 100 full batches follow back to back, so the
 * core is busy 101 ipc + 800 per_packet without a gap and the driver's CPU
 * time per packet is about ipc / 8 + per_packet. */
static void test_batching_amortizes_ipc(void)
{
	const char *sets[] = { "hosts.h.driver.placement=user",
			       "hosts.h.driver.batch=8",
			       "hosts.h.driver.sq_slots=1024" };
	const sim_time ipc = 2 * SIM_US, pp = 100 * SIM_NS;
	const sim_time busy = 101 * ipc + 800 * pp;
	double per_pkt, expect = (double)ipc / 8 + (double)pp;
	struct fx f;

	CHECK_EQ_FATAL(fx_init(&f, sets, 3, 0), 0);
	fx_cbr(&f, 0, 0, 800);
	sim_run(f.sim, 10 * SIM_MS);
	CHECK_EQ(f.delivered, 800);
	CHECK_EQ(fx_stat(&f, "batches"), 101);
	CHECK_EQ(fx_stat(&f, "ipc"), 101);
	CHECK_EQ(fx_stat(&f, "busy"), (double)busy);
	CHECK_EQ(f.at[f.n - 1], busy);
	/* the second batch: packets 2..9 leave together after ipc + 8 pp */
	CHECK_EQ(f.at[1], ipc + pp + ipc + 8 * pp);
	CHECK_EQ(f.at[8], f.at[1]);
	CHECK_EQ(f.at[9], f.at[1] + ipc + 8 * pp);
	per_pkt = fx_stat(&f, "busy") / 800;
	CHECKF(fabs(per_pkt - expect) / expect < 0.02,
	       "%.0f ps per packet, expected about %.0f", per_pkt, expect);
	fx_conserved(&f);
	fx_fini(&f);
}

/* Copy mode adds len / copy_bw per packet: 1500 B at 10 GB/s = 150 ns. */
static void test_copy_mode(void)
{
	const char *sets[] = { "hosts.h.driver.placement=user",
			       "hosts.h.driver.copy=true",
			       "hosts.h.driver.copy_bw=10GB/s" };
	struct fx f;

	CHECK_EQ_FATAL(fx_init(&f, sets, 3, 0), 0);
	f.len_bytes = 1500;
	check_light(&f, 2 * SIM_US + 100 * SIM_NS + 150 * SIM_NS);
	CHECK_EQ(fx_stat(&f, "copies"), 100);
	CHECK_EQ(fx_stat(&f, "copied_bytes"), 100 * 1500);
	fx_fini(&f);
}

/* One TX and one RX packet at the same time. A user driver has one core
 * for both, so the second waits for the first batch; a kernel driver runs
 * in the context of each direction, so both take per_packet. */
static void test_shared_core(void)
{
	const char *kern[] = { "hosts.h.driver.placement=kernel" };
	const char *user[] = { "hosts.h.driver.placement=user" };
	const sim_time ipc = 2 * SIM_US, pp = 100 * SIM_NS;
	struct fx f;

	CHECK_EQ_FATAL(fx_init(&f, user, 1, 0), 0);
	sim_schedule_at(f.sim, SIM_US, fx_send, &f, NULL);
	sim_schedule_at(f.sim, SIM_US, fx_send, &f, &f);
	sim_run(f.sim, SIM_MS);
	CHECK_EQ_FATAL(f.n, 2);
	CHECK_EQ(f.dir[0], 0);
	CHECK_EQ(f.lat[0], ipc + pp);
	CHECK_EQ(f.dir[1], 1);
	CHECK_EQ(f.lat[1], 2 * (ipc + pp));
	fx_conserved(&f);
	fx_fini(&f);

	CHECK_EQ_FATAL(fx_init(&f, kern, 1, 0), 0);
	sim_schedule_at(f.sim, SIM_US, fx_send, &f, NULL);
	sim_schedule_at(f.sim, SIM_US, fx_send, &f, &f);
	sim_run(f.sim, SIM_MS);
	CHECK_EQ_FATAL(f.n, 2);
	CHECK_EQ(f.lat[0], pp);
	CHECK_EQ(f.lat[1], pp);
	CHECK_NE(f.dir[0], f.dir[1]);
	fx_conserved(&f);
	fx_fini(&f);
}

/* A submission queue of 4 slots, batch 1: of 10 packets at once, the
 * first four fit (the one in service keeps its slot), six are dropped. */
static void test_sq_full(void)
{
	const char *sets[] = { "hosts.h.driver.placement=user",
			       "hosts.h.driver.batch=1",
			       "hosts.h.driver.sq_slots=4" };
	struct fx f;

	CHECK_EQ_FATAL(fx_init(&f, sets, 3, 0), 0);
	fx_cbr(&f, 0, 0, 10);
	sim_run(f.sim, SIM_MS);
	CHECK_EQ(f.delivered, 4);
	CHECK_EQ(fx_stat(&f, "drops.sq_full"), 6);
	CHECK_EQ(f.at[3], 4 * (2 * SIM_US + 100 * SIM_NS));
	fx_conserved(&f);
	fx_fini(&f);
}

struct snap {
	struct fx *f;
	uint64_t in_driver; /* sent - delivered - dropped just before */
};

static void fx_snapshot(struct sim *sim, void *a, void *b)
{
	struct snap *s = a;

	(void)sim;
	(void)b;
	s->in_driver = s->f->sent - s->f->delivered - s->f->dropped;
}

/* Packets every 1 us from 0.5 us, until 700 us; the run ends at 710 us with
 * a few packets still in the driver. The crash is at 100 us. */
#define CRASH_T (100 * SIM_US)
#define GAP (1 * SIM_US)
#define OFFSET (500 * SIM_NS)

static void crash_run(struct fx *f, struct snap *sn)
{
	sn->f = f;
	fx_cbr(f, OFFSET, GAP, 700);
	sim_schedule_at(f->sim, CRASH_T - 1, fx_snapshot, sn, NULL);
	sim_run(f->sim, 700 * SIM_US + OFFSET + 2 * SIM_US);
	drv_finish(f->d);
}

/* A user driver crash at T: what was in the driver is lost, what arrives
 * before T + restart_delay is lost, and delivery resumes with the first
 * packet after the restart, which takes ipc + per_packet as before. */
static void test_user_crash_recovers(void)
{
	const char *sets[] = { "hosts.h.driver.placement=user",
			       "hosts.h.driver.crash_at=100us",
			       "hosts.h.driver.per_packet=500ns" };
	const sim_time restart = 200 * SIM_US, back = CRASH_T + restart;
	const sim_time ipc = 2 * SIM_US, pp = 500 * SIM_NS;
	/* arrivals at 100.5 .. 299.5 us fall in the outage */
	const double outage = 200;
	sim_time first_after = 0;
	struct snap sn;
	struct fx f;

	CHECK_EQ_FATAL(fx_init(&f, sets, 3, 0), 0);
	crash_run(&f, &sn);
	CHECK_GE(sn.in_driver, 2);
	CHECK_EQ(fx_stat(&f, "lost.crash"), (double)sn.in_driver);
	CHECK_EQ(fx_stat(&f, "lost.outage"), outage);
	CHECK_EQ(fx_stat(&f, "crashes"), 1);
	CHECK_EQ(fx_stat(&f, "restarts"), 1);
	CHECK_EQ(fx_stat(&f, "host_down"), 0);
	CHECK_EQ(fx_stat(&f, "downtime"), (double)restart);
	CU_ASSERT_FALSE(drv_host_down(f.d));
	for (size_t i = 0; i < f.n; i++) {
		CHECKF(f.at[i] < CRASH_T || f.at[i] > back,
		       "delivery at %lld ps during the outage",
		       (long long)f.at[i]);
		if (!first_after && f.at[i] > back)
			first_after = f.at[i];
	}
	/* the first packet after the restart arrives at 300.5 us */
	CHECK_EQ(first_after, back + OFFSET + ipc + pp);
	CHECK_GT(drv_held_by(f.d, 0), 0);
	CHECK_EQ(f.delivered + f.dropped + drv_held_by(f.d, 0), 700);
	fx_conserved(&f);
	fx_fini(&f);
}

/* The same fault in a kernel driver takes the host down for good: it is
 * recorded, the hook runs once, nothing is delivered afterwards, and the
 * simulation itself runs to its end. */
static void test_kernel_crash_host_down(void)
{
	const char *sets[] = { "hosts.h.driver.placement=kernel",
			       "hosts.h.driver.crash_at=100us",
			       "hosts.h.driver.per_packet=800ns" };
	struct snap sn;
	struct fx f;

	CHECK_EQ_FATAL(fx_init(&f, sets, 3, 0), 0);
	crash_run(&f, &sn);
	/* the packet of 99.5 us is in service until 100.3 us */
	CHECK_EQ(sn.in_driver, 1);
	CHECK_EQ(fx_stat(&f, "lost.crash"), 1);
	CHECK_EQ(fx_stat(&f, "lost.host_down"), 600);
	CHECK_EQ(f.delivered, 99);
	CHECK_EQ(f.at[f.n - 1], 98 * SIM_US + OFFSET + 800 * SIM_NS);
	CU_ASSERT(drv_host_down(f.d));
	CHECK_EQ(f.down_calls, 1);
	CHECK_EQ(f.down_at, CRASH_T);
	CHECK_EQ(fx_stat(&f, "host_down"), 1);
	CHECK_EQ(fx_stat(&f, "host_down_at"), (double)CRASH_T);
	CHECK_EQ(fx_stat(&f, "restarts"), 0);
	CHECK_EQ(sim_now(f.sim), 700 * SIM_US + OFFSET + 2 * SIM_US);
	CHECK_EQ(drv_held_by(f.d, 0), 0);
	fx_conserved(&f);
	fx_fini(&f);
}

/* Crashes at 2000 per second with a 100 us restart: a cycle lasts 600 us
 * on average, so about 333 crashes in 200 ms; the count is reproducible
 * for a repetition and changes with it. */
static uint64_t rate_crashes(uint32_t rep, double *downtime, double *restarts,
			     uint64_t *trace)
{
	const char *sets[] = { "hosts.h.driver.placement=user",
			       "hosts.h.driver.crash_rate=2000",
			       "hosts.h.driver.restart_delay=100us" };
	uint64_t n = 0;
	struct fx f;

	if (fx_init(&f, sets, 3, rep))
		return 0;
	fx_cbr(&f, 0, 10 * SIM_US, 20000);
	sim_run(f.sim, 200 * SIM_MS);
	drv_finish(f.d);
	n = (uint64_t)fx_stat(&f, "crashes");
	*downtime = fx_stat(&f, "downtime");
	*restarts = fx_stat(&f, "restarts");
	*trace = f.sim->trace;
	fx_conserved(&f);
	CHECK_GT(fx_stat(&f, "lost.outage"), 0);
	fx_fini(&f);
	return n;
}

static void test_crash_rate(void)
{
	double down, restarts, d2, r2;
	uint64_t ta, tb, tc;
	uint64_t a = rate_crashes(0, &down, &restarts, &ta);
	uint64_t b = rate_crashes(0, &d2, &r2, &tb);
	uint64_t c = rate_crashes(1, &d2, &r2, &tc);

	printf("\n    crashes in 200 ms at 2000/s: %llu, %llu (expected ~333) ",
	       (unsigned long long)a, (unsigned long long)c);
	CHECK_EQ(a, b);
	CHECK_EQ(ta, tb); /* the same fingerprint */
	CHECK_NE(a, c);
	CHECK_NE(ta, tc);
	/* Poisson-like count: within 5 sigma of 333 */
	CHECKF(fabs((double)a - 333.3) < 5 * sqrt(333.3),
	       "%llu crashes, want 333.3 within %g", (unsigned long long)a,
	       5 * sqrt(333.3));
	CHECKF(restarts == (double)a || restarts == (double)a - 1,
	       "%g restarts after %llu crashes", restarts,
	       (unsigned long long)a);
	CHECK_GT(down, (double)(restarts * 100 * SIM_US) - 1);
	CHECK_LE(down, (double)(a * 100 * SIM_US));
}

/* The user crash run on both engines: the same deliveries at the same
 * picoseconds, hence the same fingerprint. */
static void test_engines_agree(void)
{
	const char *sets[] = { "hosts.h.driver.placement=user",
			       "hosts.h.driver.crash_at=100us" };
	const char *engines[] = { "native", "ns3" };
	uint64_t trace[2], delivered[2];
	sim_time last[2];
	struct snap sn;
	struct fx f;

	for (int i = 0; i < 2; i++) {
		CHECK_EQ_FATAL(fx_init_on(&f, sets, 2, 0, engines[i]), 0);
		crash_run(&f, &sn);
		trace[i] = f.sim->trace;
		delivered[i] = f.delivered;
		last[i] = f.at[f.n - 1];
		fx_conserved(&f);
		fx_fini(&f);
	}
	CHECK_EQ(trace[0], trace[1]);
	CHECK_EQ(delivered[0], delivered[1]);
	CHECK_EQ(last[0], last[1]);
}

int suite_driver(void)
{
	CU_pSuite s = CU_add_suite("driver", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "kernel adds per_packet", test_kernel_per_packet) ||
	    !CU_add_test(s, "user adds ipc_cost", test_user_adds_ipc) ||
	    !CU_add_test(s, "batching amortizes ipc",
			 test_batching_amortizes_ipc) ||
	    !CU_add_test(s, "copy mode", test_copy_mode) ||
	    !CU_add_test(s, "shared user core", test_shared_core) ||
	    !CU_add_test(s, "sq full", test_sq_full) ||
	    !CU_add_test(s, "user crash recovers", test_user_crash_recovers) ||
	    !CU_add_test(s, "kernel crash: host down",
			 test_kernel_crash_host_down) ||
	    !CU_add_test(s, "crash rate", test_crash_rate) ||
	    !CU_add_test(s, "native and ns3 agree", test_engines_agree))
		return CU_get_error();
	return 0;
}
