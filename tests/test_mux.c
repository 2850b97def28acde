/*
 * test_mux.c - the transmit multiplexer on its own, fed by a hand-made
 * harness.
 *
 * Each test writes a one-host scenario (hosts.h.mux.*) to a temporary
 * file, overrides a few parameters with --set style strings, loads the
 * multiplexer's configuration with mux_cfg_load() from the scenario seen
 * through a source that answers hosts.h.nic.rate, min_frame and framing
 * with a line of the test's choice, creates the multiplexer on an engine
 * with its statistics, sends packets into its input from scheduled
 * events and records what
 * reaches the driver port (time, source, size, queued_ps) and the drop
 * port. Expected numbers are worked out from the model in closed form:
 * serialization times of max(len, min_frame) + framing bytes at the line
 * rate; the token bucket's share of the line and its pacing (cost / rate);
 * CoDel's first drop after the sojourn has stayed above target for an
 * interval and the following ones interval / sqrt(count) apart (on the
 * grid of dequeue instants); strict priority and DRR order; tail drops
 * beyond the limit; deadline hooks. Conservation (sent = delivered +
 * dropped + held) is checked wherever packets are left.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "model.h"
#include "mux.h"
#include "param.h"
#include "scenario.h"
#include "stats.h"
#include "units.h"
#include "util.h"

#define COMP "hosts.h.mux"
#define MAXSPEC 40000
#define MAXREC 40000
#define MAXDROP 4096

static const char base_yaml[] = "# the multiplexer suite's host\n"
				"name: mux-host\n"
				"duration: 1s\n"
				"seed: 1\n"
				"hosts:\n"
				"  h:\n"
				"    mux:\n"
				"      discipline: none\n"
				"      device_limit_max: 0B\n";

/* A packet to send: what the test wants in it. */
struct spec {
	uint32_t src, len;
	sim_time deadline;
	uint8_t expiry;
	uint8_t ecn; /* enum pkt_ecn */
};

struct rec {
	uint64_t id;
	uint32_t src, len;
	sim_time at, created, queued;
	uint8_t prio; /* the device queue it was handed to */
};

struct fx {
	struct mux_line line; /* the device's */
	struct pkt_fifo dev;  /* frames in the device, the head on the wire */
	sim_time dev_lat;     /* from hand-off until a frame may go out */
	sim_time wire_free, wire_busy;
	struct sim *sim;
	struct stats *st;
	struct pkt_pool *pool;
	struct scn *s;
	struct mux *m;
	char path[64];
	struct spec *spec;
	size_t nspec;
	struct rec *out;
	size_t nout;
	uint64_t sent, dropped, hooks, hook_bad;
	sim_time drop_at[MAXDROP];
	uint64_t drop_id[MAXDROP];
	sim_time mark_at[MAXDROP]; /* when a CE packet was handed on */
	uint64_t marked;
	uint64_t hook_id[16];
};

static void fx_record(struct fx *f, struct sim_pkt *p)
{
	if (f->nout < MAXREC)
		f->out[f->nout] = (struct rec){
			.id = p->id,
			.src = p->src,
			.len = p->len_bytes,
			.at = sim_now(f->sim),
			.created = p->created_ps,
			.queued = p->queued_ps,
			.prio = p->dev_prio,
		};
	f->nout++;
	pkt_free(f->pool, p);
}

static sim_time fx_frame_ps(const struct fx *f, const struct sim_pkt *p)
{
	uint32_t len = p->len_bytes < f->line.min_frame_bytes
			       ? f->line.min_frame_bytes
			       : p->len_bytes;

	return units_tx_time(len + f->line.framing_bytes, f->line.rate_bps);
}

/* The device: a frame it is given may go out dev_lat later (its DMA);
 * it serializes them one after the other at the line rate, and completes
 * each at its last bit (pkt->enq_ps holds that time while the device has
 * it); the record is taken then. */
static void fx_dev_done(struct sim *sim, void *a, void *b)
{
	struct fx *f = a;
	struct sim_pkt *p = pkt_fifo_pop(&f->dev);

	(void)b;
	mux_completed(f->m, p);
	if (f->dev.head)
		sim_schedule_at(sim, f->dev.head->enq_ps, fx_dev_done, f, NULL);
	fx_record(f, p);
}

/* What the multiplexer hands on: through the device; under discipline
 * none (nothing counted in the device's queue) straight to the record. */
static void fx_out(void *owner, struct sim_pkt *p)
{
	struct fx *f = owner;
	sim_time start;

	if (p->ecn == PKT_CE && f->marked++ < MAXDROP)
		f->mark_at[f->marked - 1] = sim_now(f->sim);
	if (!p->dq_bytes) {
		fx_record(f, p);
		return;
	}
	start = sim_now(f->sim) + f->dev_lat;

	if (start < f->wire_free)
		start = f->wire_free;
	p->enq_ps = f->wire_free = start + fx_frame_ps(f, p);
	f->wire_busy += fx_frame_ps(f, p);
	pkt_fifo_push(&f->dev, p);
	if (f->dev.n == 1)
		sim_schedule_at(f->sim, p->enq_ps, fx_dev_done, f, NULL);
}

static void fx_drop(void *owner, struct sim_pkt *p)
{
	struct fx *f = owner;

	if (f->dropped < MAXDROP) {
		f->drop_at[f->dropped] = sim_now(f->sim);
		f->drop_id[f->dropped] = p->id;
	}
	f->dropped++;
	pkt_free(f->pool, p);
}

static void fx_hook(void *arg, struct sim_pkt *p, int origin)
{
	struct fx *f = arg;

	if (origin != PKT_ORIG_MUX)
		f->hook_bad++;
	if (f->hooks < 16)
		f->hook_id[f->hooks] = p->id;
	f->hooks++;
}

/* Writes text to a fresh temporary .yaml file named in path. */
static int write_yaml(const char *text, char *path, size_t n)
{
	return tu_write_tmp(path, n, text);
}

/* The scenario's values, except the line of host h's NIC: the test's. */
struct line_src {
	struct param_src scn;
	struct param_val rate, min_frame, framing;
};

static const struct param_val *line_get(const void *ctx, const char *path)
{
	const struct line_src *l = ctx;

	if (!strcmp(path, "hosts.h.nic.rate"))
		return &l->rate;
	if (!strcmp(path, "hosts.h.nic.min_frame"))
		return &l->min_frame;
	if (!strcmp(path, "hosts.h.nic.framing"))
		return &l->framing;
	return l->scn.get(l->scn.ctx, path);
}

static int line_where(const void *ctx, const char *path, char *buf, size_t n)
{
	const struct line_src *l = ctx;

	return l->scn.where(l->scn.ctx, path, buf, n);
}

static size_t line_instances(const void *ctx, const char *group,
			     const char *const **names)
{
	const struct line_src *l = ctx;

	return l->scn.instances(l->scn.ctx, group, names);
}

/* Creates host h's multiplexer from s on line, for napps apps, as the
 * topology does: the configuration's loader first. Returns what the
 * loader or mux_create() returns, with the message in err. */
static int fx_create(struct sim *sim, struct stats *st, const struct scn *s,
		     const struct mux_line *line, uint32_t napps,
		     struct mux **out, char *err, size_t errlen)
{
	struct line_src ls = {
		.scn = scn_source(s),
		.rate = { .type = PT_BITRATE, .u.d = line->rate_bps },
		.min_frame = { .type = PT_SIZE,
			       .u.size = line->min_frame_bytes },
		.framing = { .type = PT_SIZE, .u.size = line->framing_bytes },
	};
	struct param_src src = { .ctx = &ls,
				 .get = line_get,
				 .where = line_where,
				 .instances = line_instances };
	struct model_env env = { .sim = sim, .st = st, .component = COMP };
	struct mux_cfg cfg;
	int rc = mux_cfg_load(&cfg, &src, "hosts.h", err, errlen);

	return rc ? rc : mux_create(&cfg, &env, napps, out, err, errlen);
}

/* Loads the scenario with overrides and creates the multiplexer for napps
 * apps on line. Returns 0, or -1 (the reason on stderr). */
static int fx_init(struct fx *f, const char *const *sets, size_t nsets,
		   const struct mux_line *line, uint32_t napps)
{
	char err[512];
	int rc;

	memset(f, 0, sizeof(*f));
	f->line = *line;
	if (write_yaml(base_yaml, f->path, sizeof(f->path)))
		return -1;
	rc = scn_load(f->path, sets, nsets, &f->s, err, sizeof(err));
	unlink(f->path);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->sim = sim_create("native");
	f->st = f->sim ? stats_create(f->sim, 0, 0) : NULL;
	f->pool = pkt_pool_create();
	f->spec = calloc(MAXSPEC, sizeof(*f->spec));
	f->out = calloc(MAXREC, sizeof(*f->out));
	if (!f->st || !f->pool || !f->spec || !f->out)
		return -1;
	rc = fx_create(f->sim, f->st, f->s, line, napps, &f->m, err,
		       sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	mux_connect(f->m, (struct sim_port){ fx_out, f },
		    (struct sim_port){ fx_drop, f });
	mux_on_expired(f->m, fx_hook, f);
	return 0;
}

static void fx_fini(struct fx *f)
{
	mux_destroy(f->m);
	pkt_pool_destroy(f->pool);
	stats_destroy(f->st);
	sim_destroy(f->sim);
	scn_destroy(f->s);
	free(f->spec);
	free(f->out);
}

static void fx_send(struct sim *sim, void *a, void *b)
{
	struct fx *f = a;
	const struct spec *sp = b;
	struct sim_pkt *p = pkt_alloc(f->pool);
	struct sim_port in = mux_input(f->m);

	p->src = sp->src;
	p->len_bytes = sp->len;
	p->created_ps = sim_now(sim);
	p->deadline_ps = sp->deadline;
	p->expiry = sp->expiry;
	p->ecn = sp->ecn;
	f->sent++;
	sim_port_send(&in, p);
}

/* Schedules a packet of app src and len bytes at time t. */
static struct spec *fx_at(struct fx *f, sim_time t, uint32_t src, uint32_t len)
{
	struct spec *sp = &f->spec[f->nspec++];

	CU_ASSERT_FATAL(f->nspec <= MAXSPEC);
	*sp = (struct spec){ .src = src, .len = len };
	sim_schedule_at(f->sim, t, fx_send, f, sp);
	return sp;
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
	case STAT_GAUGE: /* its value now */
		return si.u.gauge->value;
	case STAT_HIST:
		return (double)si.u.hist->hist.count;
	default:
		return NAN;
	}
}

static const struct hist *fx_hist(const struct fx *f, const char *metric)
{
	struct stat_info si;

	if (stats_find(f->st, COMP, metric, &si) || si.kind != STAT_HIST)
		return NULL;
	return &si.u.hist->hist;
}

/* sent = delivered + dropped + held, with held as the mux counts it. */
static void fx_conserved(struct fx *f, uint32_t napps)
{
	uint64_t held = 0;

	for (uint32_t i = 0; i < napps; i++)
		held += mux_held_by(f->m, i);
	CHECK_EQ(held, mux_backlog(f->m));
	held += f->dev.n;
	CHECKF(f->sent == f->nout + f->dropped + held,
	       "sent %llu delivered %zu dropped %llu held %llu",
	       (unsigned long long)f->sent, f->nout,
	       (unsigned long long)f->dropped, (unsigned long long)held);
	CHECK_EQ(pkt_in_use(f->pool), held);
}

/* Bytes of the line rate in ps: the exact serialization time. */
static sim_time tx_ps(uint64_t bytes, double rate_bps)
{
	return (sim_time)bytes * 8 * (sim_time)(1e12 / rate_bps);
}

static const struct mux_line gig = { 1e9, 64, 0 }; /* 8000 ps per byte */
static const struct mux_line framed = { 1e9, 64, 20 };

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(mux_class_name(MUX_SC_CTL), "ctl");
	CU_ASSERT_STRING_EQUAL(mux_class_name(MUX_SC_BE), "be");
	CU_ASSERT_STRING_EQUAL(mux_class_name(MUX_SC_BK_SYS), "bk_sys");
	CU_ASSERT_PTR_NULL(mux_class_name(MUX_NCLASSES));
	CU_ASSERT_PTR_NULL(mux_class_name((enum mux_class) - 1));
	for (int c = 0; c < MUX_NCLASSES; c++)
		CHECK_EQ(mux_class_of(mux_class_name(c)), c);
	CHECK_EQ(mux_class_of("video"), -1);
	CHECK_EQ(mux_class_of(NULL), -1);
}

/* 1. none: straight through, at once, in order, no event of its own. */
static void test_none(void)
{
	static struct fx f;
	static const sim_time t[] = { 0, 100, 100, 250, 1000000 };

	CU_ASSERT_FATAL(fx_init(&f, NULL, 0, &gig, 2) == 0);
	CHECK_EQ(mux_discipline(f.m), MUX_NONE);
	CHECK_EQ(mux_cost(f.m, 0), 0);
	CHECK_EQ(mux_ll_rate(f.m), 0);
	mux_set_app(f.m, 1, true, MUX_SC_VO);
	for (size_t i = 0; i < 5; i++)
		fx_at(&f, t[i], (uint32_t)i % 2, 1500);
	sim_run(f.sim, SIM_S);
	CHECK_EQ(f.nout, 5);
	for (size_t i = 0; i < f.nout; i++) {
		CHECKF(f.out[i].at == t[i], "packet %zu at %lld, not %lld", i,
		       (long long)f.out[i].at, (long long)t[i]);
		CHECK_EQ(f.out[i].id, i + 1);
		CHECK_EQ(f.out[i].queued, 0);
	}
	CHECK_EQ(sim_events(f.sim), 5); /* the five sends only */
	CHECK_EQ(mux_backlog(f.m), 0);
	mux_finish(f.m);
	CHECK_EQ(fx_stat(&f, "in_flight"), 0);
	fx_conserved(&f, 2);
	fx_fini(&f);
}

/* 2. Pacing: back-to-back arrivals leave one serialization time apart
 * (padded frame plus framing), spaced arrivals after one. */
static void test_pacing(void)
{
	static struct fx f;
	static const char *const sets[] = { "hosts.h.mux.discipline=fq_codel" };
	const struct mux_line line = { 10e9, 64, 20 }; /* 800 ps per byte */
	const sim_time small = tx_ps(64 + 20, 10e9);   /* 67.2 ns */
	const sim_time big = tx_ps(1500 + 20, 10e9);   /* 1.216 us */
	sim_time end = 0;
	const struct hist *h;

	CU_ASSERT_FATAL(fx_init(&f, sets, 1, &line, 1) == 0);
	CHECK_EQ(small, 67200);
	CHECK_EQ(big, 1216000);
	for (int i = 0; i < 10; i++)
		fx_at(&f, 0, 0, 40);
	for (int i = 0; i < 10; i++)
		fx_at(&f, 0, 0, 1500);
	for (int i = 0; i < 10; i++) /* alone: 2 us apart, from 100 us */
		fx_at(&f, 100 * SIM_US + i * 2 * SIM_US, 0, 1500);
	sim_run(f.sim, SIM_MS);
	CHECK_EQ_FATAL(f.nout, 30);
	for (size_t i = 0; i < 20; i++) {
		sim_time start = end;

		end += i < 10 ? small : big;
		CHECKF(f.out[i].at == end, "packet %zu left at %lld, not %lld",
		       i, (long long)f.out[i].at, (long long)end);
		CHECKF(f.out[i].queued == start, "packet %zu queued %lld ps", i,
		       (long long)f.out[i].queued);
	}
	for (size_t i = 20; i < 30; i++) {
		CHECK_EQ(f.out[i].at, f.out[i].created + big);
		CHECK_EQ(f.out[i].queued, 0);
	}
	CHECK_EQ(fx_stat(&f, "be.enqueued"), 30);
	CHECK_EQ(fx_stat(&f, "be.sent"), 30);
	h = fx_hist(&f, "be.delay");
	CU_ASSERT_FATAL(h != NULL);
	CHECK_EQ(h->count, 30);
	/* the wait until the device takes it: none for the first, ten
	 * small and nine big frames for the last of the burst */
	CHECK_EQ(h->min, 0);
	CHECK_EQ(h->max, 10 * small + 9 * big);
	/* 30 sends, 30 ends of service in the device, and 30 completions
	 * (one batch each: no two frames end at the same time) */
	CHECK_EQ(sim_events(f.sim), 90);
	CHECK_EQ(mux_cost(f.m, 0), 500 * SIM_NS);
	fx_conserved(&f, 1);
	fx_fini(&f);
}

static size_t count_src(const struct fx *f, uint32_t src, sim_time until)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nout && i < MAXREC; i++)
		n += f->out[i].src == src && f->out[i].at <= until;
	return n;
}

/* 3. Reserved share: both lanes saturated, ll gets its share; alone with
 * borrow it gets the line; without borrow exactly its share. */
static void test_share(void)
{
	static struct fx f;
	const char *sets[] = { "hosts.h.mux.discipline=reserved_share",
			       "hosts.h.mux.limit=5000",
			       "hosts.h.mux.borrow=true" };
	const sim_time T = tx_ps(1514, 1e9); /* 12.112 us */
	const sim_time W = 2000 * T;
	size_t ll, be;

	/* both saturated, share 0.2, 2000 services in [0, W] */
	CU_ASSERT_FATAL(fx_init(&f, sets, 3, &gig, 2) == 0);
	CHECK_EQ(mux_ll_rate(f.m), 2e8);
	mux_set_app(f.m, 0, true, MUX_SC_BE);
	CU_ASSERT(mux_is_low_latency(f.m, 0));
	CU_ASSERT(!mux_is_low_latency(f.m, 1));
	CU_ASSERT(!mux_is_low_latency(f.m, 7));
	CHECK_EQ(mux_cost(f.m, 0), 0); /* the ll lane skips the qdisc */
	CHECK_EQ(mux_cost(f.m, 1), 500 * SIM_NS);
	for (int i = 0; i < 3000; i++) {
		fx_at(&f, 0, 0, 1514);
		fx_at(&f, 0, 1, 1514);
	}
	sim_run(f.sim, W);
	ll = count_src(&f, 0, W);
	be = count_src(&f, 1, W);
	/* share x 2000 services, plus the bucket's two frames at most */
	CHECKF(ll >= 399 && ll <= 402, "ll got %zu of 2000", ll);
	CHECK_EQ(ll + be, 2000);
	CHECK_EQ(fx_stat(&f, "be.drops.aqm"), 0);
	/* sent counts what the device holds too: the frame begun at W */
	CHECK_EQ_FATAL(f.dev.n, 1);
	CHECK_EQ(fx_stat(&f, "ll.sent"), ll + (f.dev.head->src == 0));
	CHECK_EQ(fx_stat(&f, "be.sent"), be + (f.dev.head->src == 1));
	fx_conserved(&f, 2);
	fx_fini(&f);

	/* ll alone, borrow: the whole line */
	CU_ASSERT_FATAL(fx_init(&f, sets, 3, &gig, 2) == 0);
	mux_set_app(f.m, 0, true, MUX_SC_BE);
	for (int i = 0; i < 3000; i++)
		fx_at(&f, 0, 0, 1514);
	sim_run(f.sim, W);
	CHECK_EQ(count_src(&f, 0, W), 2000);
	for (size_t i = 0; i < 2000; i++)
		CHECKF(f.out[i].at == (sim_time)(i + 1) * T, "ll %zu at %lld",
		       i, (long long)f.out[i].at);
	fx_conserved(&f, 2);
	fx_fini(&f);

	/* ll borrows the line, then be comes back at 102.5 T: borrowing
	 * leaves the bucket empty (it holds 0.2 frame at each dequeue), so
	 * output 102 (dequeued at 102 T) is ll, then be goes until the
	 * bucket has refilled a frame at 107 T, and so on every 5 T (a
	 * bucket kept while borrowing would have a frame at 105 T) */
	CU_ASSERT_FATAL(fx_init(&f, sets, 3, &gig, 2) == 0);
	mux_set_app(f.m, 0, true, MUX_SC_BE);
	for (int i = 0; i < 3000; i++)
		fx_at(&f, 0, 0, 1514);
	for (int i = 0; i < 100; i++)
		fx_at(&f, 102 * T + T / 2, 1, 1514);
	sim_run(f.sim, 120 * T);
	CHECK_EQ_FATAL(f.nout, 120);
	for (size_t i = 95; i < 120; i++)
		CHECKF(f.out[i].src ==
			       (i <= 102 || (i >= 107 && (i - 107) % 5 == 0)
					? 0u
					: 1u),
		       "output %zu from app %u", i, f.out[i].src);
	fx_fini(&f);

	/* ll alone, no borrow: two frames from the full bucket (at T, 2T),
	 * then one per frame / (share x rate) = 5T, from 6T on; the frame
	 * counts its framing (1494 + 20 B) */
	sets[2] = "hosts.h.mux.borrow=false";
	CU_ASSERT_FATAL(fx_init(&f, sets, 3, &framed, 2) == 0);
	mux_set_app(f.m, 0, true, MUX_SC_BE);
	for (int i = 0; i < 3000; i++)
		fx_at(&f, 0, 0, 1494);
	sim_run(f.sim, W);
	ll = count_src(&f, 0, W);
	CHECK_EQ(ll, 2 + (2000 - 6) / 5 + 1);
	CHECK_GE_FATAL(f.nout, 3);
	CHECK_EQ(f.out[0].at, T);
	CHECK_EQ(f.out[1].at, 2 * T);
	for (size_t i = 2; i < f.nout; i++)
		CHECKF(f.out[i].at == 6 * T + (sim_time)(i - 2) * 5 * T,
		       "paced ll %zu at %lld", i, (long long)f.out[i].at);
	fx_conserved(&f, 2);
	fx_fini(&f);

	/* a frame larger than the bucket (1000 B): it goes on a full bucket,
	 * which goes 514 B negative, so the rate is still the share: at T,
	 * then every 5T */
	sets[1] = "hosts.h.mux.ll_burst=1000B";
	CU_ASSERT_FATAL(fx_init(&f, sets, 3, &gig, 2) == 0);
	mux_set_app(f.m, 0, true, MUX_SC_BE);
	for (int i = 0; i < 100; i++)
		fx_at(&f, 0, 0, 1514);
	sim_run(f.sim, 200 * T);
	CHECK_EQ(f.nout, 40);
	for (size_t i = 0; i < f.nout; i++)
		CHECKF(f.out[i].at == T + (sim_time)i * 5 * T,
		       "big ll %zu at %lld", i, (long long)f.out[i].at);
	fx_fini(&f);
}

/* 4. An ll packet with tokens waits at most for the be packet in
 * service, however long the be backlog. */
static void test_ll_priority(void)
{
	static struct fx f;
	static const char *const sets[] = {
		"hosts.h.mux.discipline=reserved_share"
	};
	static const char *const nob[] = {
		"hosts.h.mux.discipline=reserved_share",
		"hosts.h.mux.borrow=false"
	};
	const sim_time T = tx_ps(1514, 1e9);
	sim_time worst = 0;
	size_t n = 0, waited = 0;

	CU_ASSERT_FATAL(fx_init(&f, sets, 1, &gig, 2) == 0);
	mux_set_app(f.m, 0, true, MUX_SC_BE);
	for (int i = 0; i < 500; i++)
		fx_at(&f, 0, 1, 1514);
	/* 100 us apart: the bucket refills a frame in 60.56 us */
	for (int k = 0; k < 20; k++)
		fx_at(&f, SIM_MS + k * 100 * SIM_US + 3777, 0, 1514);
	sim_run(f.sim, 10 * SIM_MS);
	for (size_t i = 0; i < f.nout; i++) {
		const struct rec *r = &f.out[i];

		if (r->src != 0)
			continue;
		n++;
		waited += r->queued > 0;
		if (r->queued > worst)
			worst = r->queued;
		CHECKF(r->at - r->created <= 2 * T,
		       "ll packet %zu took %lld ps", i,
		       (long long)(r->at - r->created));
	}
	CHECK_EQ(n, 20);
	CHECKF(worst > 0 && worst <= T, "worst ll wait %lld", (long long)worst);
	CHECK_GT(waited, 10); /* most arrived during a be service */
	CHECK_EQ(fx_stat(&f, "ll.sent"), 20);
	fx_conserved(&f, 2);
	fx_fini(&f);

	/* no borrow: the server waits for tokens from 2T to 5T; a be packet
	 * arriving meanwhile goes at once, and the wait is kept */
	CU_ASSERT_FATAL(fx_init(&f, nob, 2, &gig, 2) == 0);
	mux_set_app(f.m, 0, true, MUX_SC_BE);
	for (int i = 0; i < 4; i++)
		fx_at(&f, 0, 0, 1514);
	fx_at(&f, 3 * T + T / 2, 1, 1514);
	sim_run(f.sim, SIM_MS);
	CHECK_EQ_FATAL(f.nout, 5);
	CHECK_EQ(f.out[2].src, 1);
	CHECK_EQ(f.out[2].at, 4 * T + T / 2);
	CHECK_EQ(f.out[2].queued, 0);
	CHECK_EQ(f.out[3].at, 6 * T);
	CHECK_EQ(f.out[4].at, 11 * T);
	/* 5 sends, 5 ends of service, 5 completions, 2 wake-ups (at 5T,
	 * 10T) */
	CHECK_EQ(sim_events(f.sim), 17);
	fx_conserved(&f, 2);
	fx_fini(&f);
}

/* 5. CoDel under a constant overload: the first drop once the sojourn
 * has stayed >= target for interval, then interval / sqrt(count) apart,
 * on the grid of dequeue instants (multiples of T). With mux.ecn on, ECT
 * packets are marked CE at those instants instead, and sent (RFC 8290
 * 5.1, Linux's codel_dequeue); Not-ECT ones, or marking off, drop. */
static void codel_overload(uint8_t ecn, bool mark)
{
	static struct fx f;
	const char *const sets[] = { "hosts.h.mux.discipline=reserved_share",
				     "hosts.h.mux.target=1ms",
				     "hosts.h.mux.interval=10ms",
				     "hosts.h.mux.limit=100000",
				     mark ? "hosts.h.mux.ecn=true"
					  : "hosts.h.mux.ecn=false" };
	const sim_time T = tx_ps(1000, 1e9); /* 8 us */
	const sim_time G = 6400 * SIM_NS;    /* arrivals: 1.25 x the line */
	const sim_time target = SIM_MS, I = 10 * SIM_MS;
	sim_time k0, t1, next, want;

	CU_ASSERT_FATAL(fx_init(&f, sets, 5, &gig, 1) == 0);
	for (int i = 0; i < 45 * SIM_MS / G; i++)
		fx_at(&f, i * G, 0, 1000)->ecn = ecn;
	sim_run(f.sim, 45 * SIM_MS);
	/* packet k leaves the queue at kT with sojourn k(T - G); packet
	 * 625 has exactly target, which counts as above it */
	k0 = (target + (T - G) - 1) / (T - G);
	t1 = (k0 * T + I + T - 1) / T * T;
	CHECK_EQ(k0, 625);
	CHECK_EQ(t1, 15 * SIM_MS);
	/* with ecn on, an ECT packet is marked and sent where it would be
	 * dropped: the same schedule, every packet delivered */
	const sim_time *at = mark && ecn ? f.mark_at : f.drop_at;

	CHECK_GE_FATAL(mark && ecn ? f.marked : f.dropped, 5);
	CHECK_EQ(mark && ecn ? f.dropped : f.marked, 0);
	next = t1;
	for (uint64_t n = 0; n < 5; n++) {
		if (n)
			next += (sim_time)llround((double)I / sqrt((double)n));
		want = (next + T - 1) / T * T;
		CHECKF(at[n] == want, "drop or mark %llu at %lld, not %lld",
		       (unsigned long long)n + 1, (long long)at[n],
		       (long long)want);
	}
	CHECK_EQ(fx_stat(&f, "be.drops.aqm"), f.dropped);
	CHECK_EQ(fx_stat(&f, "be.ecn_marks"), f.marked);
	CHECK_EQ(fx_stat(&f, "be.drops.limit"), 0);
	/* the server never idled: one departure per T */
	CHECK_EQ(f.out[f.nout - 1].at, (sim_time)f.nout * T);
	fx_conserved(&f, 1);
	fx_fini(&f);
}

static void test_codel_overload(void)
{
	codel_overload(PKT_NOT_ECT, true); /* Not-ECT: dropped all the same */
	codel_overload(PKT_ECT0, false);   /* marking off: dropped */
	codel_overload(PKT_ECT0, true);	   /* marked instead */
}

/* 5b. Bursts above target, but never for an interval: no drop. */
static void test_codel_underload(void)
{
	static struct fx f;
	static const char *const sets[] = { "hosts.h.mux.discipline=fq_codel",
					    "hosts.h.mux.target=1ms",
					    "hosts.h.mux.interval=10ms",
					    "hosts.h.mux.limit=100000" };
	const struct hist *h;

	CU_ASSERT_FATAL(fx_init(&f, sets, 4, &gig, 1) == 0);
	/* 200 x 8 us = 1.6 ms of work every 5 ms: load 0.32 */
	for (int b = 0; b < 40; b++)
		for (int i = 0; i < 200; i++)
			fx_at(&f, b * 5 * SIM_MS, 0, 1000);
	sim_run(f.sim, 300 * SIM_MS);
	CHECK_EQ(f.dropped, 0);
	CHECK_EQ(f.nout, 8000);
	h = fx_hist(&f, "be.delay");
	CU_ASSERT_FATAL(h != NULL);
	/* the last of a burst waits for the 199 before it: above target */
	CHECK_EQ(h->max, 199 * 8 * SIM_US);
	fx_conserved(&f, 1);
	fx_fini(&f);
}

/* 6a. fq_codel: strict priority, vo before be whenever both wait. */
static void test_fq_priority(void)
{
	static struct fx f;
	static const char *const sets[] = { "hosts.h.mux.discipline=fq_codel" };
	const sim_time T = tx_ps(1000, 1e9);

	CU_ASSERT_FATAL(fx_init(&f, sets, 1, &gig, 2) == 0);
	mux_set_app(f.m, 0, false, MUX_SC_VO);
	for (int i = 0; i < 50; i++)
		fx_at(&f, 0, 1, 1000);
	for (int i = 0; i < 20; i++)
		fx_at(&f, SIM_US, 0, 1000);
	/* during the service of output 37, [37T, 38T) */
	for (int i = 0; i < 5; i++)
		fx_at(&f, 37 * T + T / 2, 0, 1000);
	sim_run(f.sim, SIM_MS);
	CHECK_EQ_FATAL(f.nout, 75);
	for (size_t i = 0; i < f.nout; i++) {
		bool vo = (i >= 1 && i <= 20) || (i >= 38 && i <= 42);

		CHECKF(f.out[i].src == (vo ? 0u : 1u), "output %zu from app %u",
		       i, f.out[i].src);
		CHECK_EQ(f.out[i].at, (sim_time)(i + 1) * T);
	}
	CHECK_EQ(fx_stat(&f, "vo.sent"), 25);
	CHECK_EQ(fx_stat(&f, "be.sent"), 50);
	fx_conserved(&f, 2);
	fx_fini(&f);
}

/* 6b. DRR between two saturated flows of one class with different
 * packet sizes: equal bytes within the DRR bound, quantum + a packet. */
static void check_drr(enum mux_class sc, int64_t quantum)
{
	static struct fx f;
	static const char *const sets[] = { "hosts.h.mux.discipline=fq_codel",
					    "hosts.h.mux.limit=100000" };
	const sim_time W = 10 * SIM_MS;
	uint64_t bytes[2] = { 0, 0 }, total = 0;
	int64_t diff;

	CU_ASSERT_FATAL(fx_init(&f, sets, 2, &gig, 2) == 0);
	mux_set_app(f.m, 0, false, sc);
	mux_set_app(f.m, 1, false, sc);
	for (int i = 0; i < 2000; i++)
		fx_at(&f, 0, 0, 1514);
	for (int i = 0; i < 15000; i++)
		fx_at(&f, 0, 1, 200);
	sim_run(f.sim, W);
	for (size_t i = 0; i < f.nout; i++) {
		bytes[f.out[i].src] += f.out[i].len;
		total += f.out[i].len;
		/* checked at every departure, not only at the end */
		diff = (int64_t)bytes[0] - (int64_t)bytes[1];
		CHECKF(llabs(diff) <= quantum + 1514,
		       "class %s at %lld: %llu B vs %llu B", mux_class_name(sc),
		       (long long)f.out[i].at, (unsigned long long)bytes[0],
		       (unsigned long long)bytes[1]);
	}
	/* the line was busy all along: 1.25 MB in 10 ms, less a frame */
	CHECKF(total <= 1250000 && total > 1250000 - 1514, "total %llu B",
	       (unsigned long long)total);
	CHECK_EQ(fx_stat(&f, "be.drops.aqm") + fx_stat(&f, "vi.drops.aqm"), 0);
	fx_conserved(&f, 2);
	fx_fini(&f);
}

static void test_fq_drr(void)
{
	check_drr(MUX_SC_BE, 1514);
	check_drr(MUX_SC_VI, 3028);
}

/* 6c. The new-flows list (RFC 8290): a sparse flow sharing its class with
 * eight backlogged bulk flows waits for at most the frame on the wire,
 * not for a round of the bulk flows (eight quanta, about 97 us). */
static void test_fq_sparse(void)
{
	static struct fx f;
	static const char *const sets[] = { "hosts.h.mux.discipline=fq_codel",
					    "hosts.h.mux.limit=100000",
					    "hosts.h.mux.qdisc_cost=0ps" };
	const uint32_t nbulk = 8, sparse = 8;
	const sim_time bound = tx_ps(1514, 1e9) + tx_ps(64, 1e9);
	size_t seen = 0;
	sim_time worst = 0;

	CU_ASSERT_FATAL(fx_init(&f, sets, 3, &gig, nbulk + 1) == 0);
	for (uint32_t a = 0; a <= nbulk; a++)
		mux_set_app(f.m, a, false, MUX_SC_BE);
	for (int i = 0; i < 300; i++)
		for (uint32_t a = 0; a < nbulk; a++)
			fx_at(&f, 0, a, 1514);
	for (int k = 0; k < 10; k++)
		fx_at(&f, SIM_MS / 2 + k * SIM_MS + k * 1234567, sparse, 64);
	sim_run(f.sim, 11 * SIM_MS);
	for (size_t i = 0; i < f.nout && i < MAXREC; i++) {
		sim_time d = f.out[i].at - f.out[i].created;

		if (f.out[i].src != sparse)
			continue;
		seen++;
		if (d > worst)
			worst = d;
	}
	CHECK_EQ(seen, 10);
	CHECKF(worst <= bound, "sparse flow waited %lld ps (bound %lld ps)",
	       (long long)worst, (long long)bound);
	/* the bulk flows were busy all along */
	CHECK_GT(mux_backlog(f.m), 0);
	fx_conserved(&f, nbulk + 1);
	fx_fini(&f);
}

/* 7. Tail drop beyond the limit, per lane (reserved_share) or over all
 * queues (fq_codel); dropped packets reach the drop port. */
static void test_limit(void)
{
	static struct fx f;
	const char *sets[] = { "hosts.h.mux.discipline=reserved_share",
			       "hosts.h.mux.limit=10" };
	const sim_time T = tx_ps(1000, 1e9);

	CU_ASSERT_FATAL(fx_init(&f, sets, 2, &gig, 2) == 0);
	mux_set_app(f.m, 0, true, MUX_SC_BE);
	for (int i = 0; i < 30; i++)
		fx_at(&f, 0, 1, 1000);
	for (int i = 0; i < 5; i++)
		fx_at(&f, 0, 0, 1000);
	sim_run(f.sim, 5 * T + T / 2);
	/* be: 1 in the device, 10 waiting, 19 dropped; ll: 5 accepted */
	CHECK_EQ(fx_stat(&f, "be.drops.limit"), 19);
	CHECK_EQ(fx_stat(&f, "ll.drops.limit"), 0);
	CHECK_EQ(fx_stat(&f, "be.enqueued"), 11);
	CHECK_EQ(fx_stat(&f, "ll.enqueued"), 5);
	CHECK_EQ(f.dropped, 19);
	CHECK_EQ(f.nout, 5);
	CHECK_EQ(mux_backlog(f.m), 35 - 19 - 5 - 1);
	CHECK_EQ(f.dev.n, 1);
	fx_conserved(&f, 2);
	mux_finish(f.m);
	CHECK_EQ(fx_stat(&f, "in_flight"), 10);
	sim_run(f.sim, SIM_MS);
	CHECK_EQ(f.nout, 16);
	fx_conserved(&f, 2);
	fx_fini(&f);

	sets[0] = "hosts.h.mux.discipline=fq_codel";
	CU_ASSERT_FATAL(fx_init(&f, sets, 2, &gig, 2) == 0);
	for (int i = 0; i < 30; i++)
		fx_at(&f, 0, (uint32_t)i % 2, 1000);
	sim_run(f.sim, 3 * T + T / 2);
	/* app 0's first is in the device; 5 + 5 wait; 19 dropped */
	CHECK_EQ(fx_stat(&f, "be.drops.limit"), 19);
	CHECK_EQ(f.dropped, 19);
	CHECK_EQ(mux_held_by(f.m, 0) + mux_held_by(f.m, 1), 11 - 3 - 1);
	fx_conserved(&f, 2);
	sim_run(f.sim, SIM_MS);
	CHECK_EQ(f.nout, 11);
	fx_conserved(&f, 2);
	fx_fini(&f);
}

/* 8. Deadlines: one hook call per packet found past its deadline at
 * dequeue; dropped under PKT_EXP_DROP, sent under PKT_EXP_NOTIFY. */
static void check_deadlines(const char *disc, bool ll)
{
	static struct fx f;
	const char *sets[] = { disc };
	const sim_time T = tx_ps(1000, 1e9); /* 8 us */
	struct spec *sp[5];

	CU_ASSERT_FATAL(fx_init(&f, sets, 1, &gig, 1) == 0);
	mux_set_app(f.m, 0, ll, MUX_SC_BE);
	for (int i = 0; i < 5; i++)
		sp[i] = fx_at(&f, 0, 0, 1000);
	/* p0 served at 0; p1 and p2 are dequeued at T, past deadline */
	sp[1]->deadline = SIM_US;
	sp[1]->expiry = PKT_EXP_DROP;
	sp[2]->deadline = 2 * SIM_US;
	sp[2]->expiry = PKT_EXP_NOTIFY;
	sp[3]->deadline = 100 * SIM_US; /* dequeued at 2T: in time */
	sp[3]->expiry = PKT_EXP_DROP;
	sp[4]->deadline = 3 * T; /* dequeued at exactly 3T: not past */
	sp[4]->expiry = PKT_EXP_DROP;
	sim_run(f.sim, SIM_MS);
	CHECK_EQ(f.hooks, 2);
	CHECK_EQ(f.hook_bad, 0);
	CHECK_EQ(f.hook_id[0], 2);
	CHECK_EQ(f.hook_id[1], 3);
	CHECK_EQ(f.dropped, 1);
	CHECK_EQ(f.drop_id[0], 2);
	CHECK_EQ(f.drop_at[0], T);
	CHECK_EQ(fx_stat(&f, "drops.expired"), 1);
	CHECK_EQ_FATAL(f.nout, 4);
	CHECK_EQ(f.out[1].id, 3);
	CHECK_EQ(f.out[1].at, 2 * T);
	CHECK_EQ(f.out[2].id, 4);
	CHECK_EQ(f.out[3].id, 5);
	CHECK_EQ(f.out[3].at, 4 * T);
	fx_conserved(&f, 1);
	fx_fini(&f);
}

static void test_deadlines(void)
{
	check_deadlines("hosts.h.mux.discipline=fq_codel", false);
	check_deadlines("hosts.h.mux.discipline=reserved_share", false);
	check_deadlines("hosts.h.mux.discipline=reserved_share", true);
}

/* Creates from yaml text on line; returns the code of the scenario's
 * loader, of mux_cfg_load() or of mux_create(), err set. */
static int create_from(const char *yaml, const struct mux_line *line,
		       char *path, size_t pathlen, char *err, size_t errlen)
{
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 0, 0) : NULL;
	struct scn *s = NULL;
	struct mux *m = NULL;
	int rc = -1;

	err[0] = 0;
	if (st && !write_yaml(yaml, path, pathlen)) {
		rc = scn_load(path, NULL, 0, &s, err, errlen);
		unlink(path);
		if (!rc)
			rc = fx_create(sim, st, s, line, 1, &m, err, errlen);
	}
	mux_destroy(m);
	scn_destroy(s);
	stats_destroy(st);
	sim_destroy(sim);
	return rc;
}

/* 9. Impossible settings: -EINVAL with the file position. */
/* 10. The device's queue: a device whose frames go out 12 us after it
 * gets them (1.5 frames of 8 us). Handed one frame at a time
 * (device_limit_max 0) it serializes one per 20 us; with the dynamic
 * limit the limit grows until the wire never waits, and no further than
 * the frames that cover the 12 us; the low-latency lane's rate follows
 * the capacity the device shows. (Completions one frame at a time only
 * show starvation of the device's queue: a latency inside the device
 * longer than the frames the limit lets in stays hidden, as in Linux.) */
static void test_device_limit(void)
{
	static struct fx f;
	const char *sets[] = { "hosts.h.mux.discipline=reserved_share",
			       "hosts.h.mux.limit=5000",
			       "hosts.h.mux.device_limit_max=0B" };
	const sim_time T = tx_ps(1000, 1e9), L = 12 * SIM_US;
	size_t settled = 0;

	CHECK_EQ(T, 8 * SIM_US);
	CU_ASSERT_FATAL(fx_init(&f, sets, 3, &gig, 2) == 0);
	f.dev_lat = L;
	for (int i = 0; i < 2000; i++)
		fx_at(&f, 0, 1, 1000);
	sim_run(f.sim, SIM_S);
	CHECK_EQ_FATAL(f.nout, 2000);
	for (size_t i = 0; i < f.nout; i++)
		CHECKF(f.out[i].at == (sim_time)(i + 1) * (L + T),
		       "stop and wait: frame %zu at %lld", i,
		       (long long)f.out[i].at);
	mux_finish(f.m);
	CHECK_EQ(fx_stat(&f, "device_limit_grows"), 0);
	/* the device set the pace: its capacity, 1000 B per 28 us */
	CHECK_REL(fx_stat(&f, "capacity"), 8000.0 * SIM_S / (double)(L + T),
		  1e-12);
	CHECK_REL(mux_ll_rate(f.m), 0.2 * 8000.0 * SIM_S / (double)(L + T),
		  1e-6);
	fx_conserved(&f, 2);
	fx_fini(&f);

	sets[2] = "hosts.h.mux.device_limit_max=1GiB";
	CU_ASSERT_FATAL(fx_init(&f, sets, 3, &gig, 2) == 0);
	f.dev_lat = L;
	for (int i = 0; i < 2000; i++)
		fx_at(&f, 0, 1, 1000);
	sim_run(f.sim, SIM_S);
	CHECK_EQ_FATAL(f.nout, 2000);
	for (size_t i = 1; i < f.nout; i++)
		if (f.out[i].at - f.out[i - 1].at != T)
			settled = i + 1;
	/* the wire waits only while the limit grows, a few frames */
	CHECKF(settled > 0 && settled < 20, "wire idle until frame %zu",
	       settled);
	mux_finish(f.m);
	CHECKF(fx_stat(&f, "device_limit") >= 1000 &&
		       fx_stat(&f, "device_limit") <= 3000,
	       "limit %g B for 1.5 frames in flight",
	       fx_stat(&f, "device_limit"));
	CHECK_GT(fx_stat(&f, "device_limit_grows"), 0);
	CHECK_EQ(fx_stat(&f, "device_limit_shrinks"), 0);
	/* backlogged at the line rate: the capacity is the line's */
	CHECK_REL(fx_stat(&f, "capacity"), 1e9, 1e-12);
	CHECK_REL(mux_ll_rate(f.m), 2e8, 1e-9);
	CHECK_EQ(f.wire_busy, 2000 * T);
	fx_conserved(&f, 2);
	fx_fini(&f);
}

/* 11. Placement device: the low-latency packets the bucket pays for go
 * at once to the device's own queue (user priority 6), outside the
 * device's queue limit; each costs its frame and a channel access of
 * device_access at the capacity, here 1514 B + 12.112 us at 1 Gb/s = 3028
 * B; the bucket's depth is ll_burst (3028 B) and two such accesses, 6056
 * B: two at once, then one every 3028 B / (0.2 x 1 Gb/s) = 10 T. Best
 * effort meanwhile waits on the host and goes through the device's limit
 * to its default queue. With device_access 0 the same lane costs bytes
 * only: a frame every 5 T. A channel access larger than ll_burst (64 B
 * frames, 150 us = 18750 B at 1 Gb/s: 18814 B each, depth 40528 B)
 * still lets two frames go at once after an idle lane; the third waits
 * for the 15914 B the bucket lacks (636.56 us at 0.2 Gb/s), the next
 * ones 18814 B (752.56 us) each. */
static void test_placement_device(void)
{
	static struct fx f;
	const char *sets[] = { "hosts.h.mux.discipline=reserved_share",
			       "hosts.h.mux.placement=device",
			       "network.kind=ns3-wifi",
			       "hosts.h.mux.device_access=12112ns",
			       "hosts.h.mux.borrow=false" };
	const sim_time T = tx_ps(1514, 1e9);
	size_t nll = 0, nbe = 0;

	CU_ASSERT_FATAL(fx_init(&f, sets, 5, &gig, 2) == 0);
	mux_set_app(f.m, 0, true, MUX_SC_BE);
	for (int i = 0; i < 20; i++) {
		fx_at(&f, 0, 0, 1514);
		fx_at(&f, 0, 1, 1514);
	}
	sim_run(f.sim, 200 * T);
	for (size_t i = 0; i < f.nout; i++) {
		if (f.out[i].src == 0) {
			sim_time want = nll ? (sim_time)(nll - 1) * 10 * T : 0;

			CHECKF(f.out[i].at == want && f.out[i].prio == 6,
			       "ll %zu at %lld prio %u", nll,
			       (long long)f.out[i].at, f.out[i].prio);
			nll++;
		} else {
			CHECKF(f.out[i].prio == 0, "be %zu prio %u", nbe,
			       f.out[i].prio);
			nbe++;
		}
	}
	CHECK_EQ(nll, 20);
	CHECK_EQ(nbe, 20); /* best effort: one frame per T from T on */
	fx_conserved(&f, 2);
	fx_fini(&f);

	sets[3] = "hosts.h.mux.device_access=0";
	CU_ASSERT_FATAL(fx_init(&f, sets, 5, &gig, 2) == 0);
	mux_set_app(f.m, 0, true, MUX_SC_BE);
	for (int i = 0; i < 20; i++)
		fx_at(&f, 0, 0, 1514);
	sim_run(f.sim, 200 * T);
	CHECK_EQ_FATAL(f.nout, 20);
	/* two from the full bucket at once, then one per 5 T */
	CHECK_EQ(f.out[0].at, 0);
	CHECK_EQ(f.out[1].at, 0);
	for (size_t i = 2; i < f.nout; i++)
		CHECKF(f.out[i].at == (sim_time)(i - 1) * 5 * T,
		       "bytes only: ll %zu at %lld", i, (long long)f.out[i].at);
	fx_conserved(&f, 2);
	fx_fini(&f);

	sets[3] = "hosts.h.mux.device_access=150us";
	CU_ASSERT_FATAL(fx_init(&f, sets, 5, &gig, 2) == 0);
	mux_set_app(f.m, 0, true, MUX_SC_BE);
	for (int i = 0; i < 4; i++)
		fx_at(&f, 0, 0, 64);
	sim_run(f.sim, 10 * SIM_MS);
	CHECK_EQ_FATAL(f.nout, 4);
	CHECK_EQ(f.out[0].at, 0);
	CHECK_EQ(f.out[1].at, 0);
	CHECK_EQ(f.out[2].at, 636560000);
	CHECK_EQ(f.out[3].at, 636560000 + 752560000);
	fx_conserved(&f, 2);
	fx_fini(&f);
}

/* 12. Placement device: best effort goes to the device queue of its
 * app's service class, as the reference's driver-managed scheduler maps
 * classes to Wi-Fi's access categories (user priorities 1 BK, 0 BE, 5
 * VI, 6 VO); an app without a class set, or a packet of no app, is best
 * effort; on the host the device has one queue (priority 0 for all). */
static void test_placement_device_classes(void)
{
	static struct fx f;
	static const enum mux_class sc[] = {
		MUX_SC_BK_SYS, MUX_SC_BK, MUX_SC_BE, MUX_SC_RD, MUX_SC_OAM,
		MUX_SC_AV,     MUX_SC_RV, MUX_SC_VI, MUX_SC_VO, MUX_SC_CTL,
	};
	static const uint8_t up[] = { 1, 1, 0, 0, 0, 5, 5, 5, 6, 6, 0, 0 };
	const uint32_t napps = 11; /* app 10 keeps the default class */
	const char *sets[] = { "hosts.h.mux.discipline=reserved_share",
			       "hosts.h.mux.placement=device",
			       "network.kind=ns3-wifi" };
	const sim_time T = tx_ps(1514, 1e9);
	size_t seen[12] = { 0 };

	for (int dev = 1; dev >= 0; dev--) {
		memset(seen, 0, sizeof(seen));
		CU_ASSERT_FATAL(fx_init(&f, sets, dev ? 3 : 1, &gig, napps) ==
				0);
		for (uint32_t i = 0; i < 10; i++)
			mux_set_app(f.m, i, false, sc[i]);
		for (uint32_t i = 0; i < 12; i++) /* 11: no app */
			for (int k = 0; k < 3; k++)
				fx_at(&f, (sim_time)k * T, i, 1514);
		sim_run(f.sim, 100 * T);
		CHECK_EQ_FATAL(f.nout, 36);
		for (size_t i = 0; i < f.nout; i++) {
			uint32_t a = f.out[i].src < 12 ? f.out[i].src : 11;

			seen[a]++;
			CHECKF(f.out[i].prio == (dev ? up[a] : 0),
			       "%s: app %u prio %u", dev ? "device" : "host",
			       f.out[i].src, f.out[i].prio);
		}
		for (size_t a = 0; a < 12; a++)
			CHECK_EQ(seen[a], 3);
		fx_fini(&f);
	}
}

static void test_bad_params(void)
{
	static const char share0[] = "hosts:\n"
				     "  h:\n"
				     "    mux:\n"
				     "      discipline: reserved_share\n"
				     "      share: 0\n";
	static const char target[] = "hosts:\n"
				     "  h:\n"
				     "    mux:\n"
				     "      discipline: fq_codel\n"
				     "      interval: 5ms\n"
				     "      target: 6ms\n";
	static const char none0[] = "hosts:\n"
				    "  h:\n"
				    "    mux:\n"
				    "      share: 0\n";
	const struct mux_line dead = { 0, 64, 20 };
	char path[64], err[512], want[128];

	CHECK_EQ(
		create_from(share0, &gig, path, sizeof(path), err, sizeof(err)),
		-EINVAL);
	snprintf(want, sizeof(want), "%s:5:14: ", path);
	CHECKF(!strncmp(err, want, strlen(want)) && strstr(err, "share"),
	       "share 0: %s", err);

	CHECK_EQ(
		create_from(target, &gig, path, sizeof(path), err, sizeof(err)),
		-EINVAL);
	snprintf(want, sizeof(want), "%s:6:15: ", path);
	CHECKF(!strncmp(err, want, strlen(want)) && strstr(err, "target"),
	       "target: %s", err);

	CHECK_EQ(create_from(share0, &dead, path, sizeof(path), err,
			     sizeof(err)),
		 -EINVAL);
	CHECKF(strstr(err, "line rate") != NULL, "rate 0: %s", err);

	/* a share nobody uses is no error */
	CHECK_EQ(create_from(none0, &gig, path, sizeof(path), err, sizeof(err)),
		 0);
	/* and the loader itself refuses a share above 1 */
	CHECK_EQ(create_from("hosts:\n  h:\n    mux:\n      share: 1.5\n", &gig,
			     path, sizeof(path), err, sizeof(err)),
		 -EINVAL);
	CHECKF(!strncmp(err, path, strlen(path)), "share 1.5: %s", err);
}

int suite_mux(void)
{
	CU_pSuite s = CU_add_suite("mux", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "class names", test_names) ||
	    !CU_add_test(s, "none passes at once", test_none) ||
	    !CU_add_test(s, "pacing at the line rate", test_pacing) ||
	    !CU_add_test(s, "reserved share", test_share) ||
	    !CU_add_test(s, "ll priority within the share", test_ll_priority) ||
	    !CU_add_test(s, "CoDel drop schedule", test_codel_overload) ||
	    !CU_add_test(s, "CoDel spares bursts", test_codel_underload) ||
	    !CU_add_test(s, "fq_codel strict priority", test_fq_priority) ||
	    !CU_add_test(s, "fq_codel DRR", test_fq_drr) ||
	    !CU_add_test(s, "fq_codel new flows first", test_fq_sparse) ||
	    !CU_add_test(s, "drop limit", test_limit) ||
	    !CU_add_test(s, "deadlines", test_deadlines) ||
	    !CU_add_test(s, "the device's queue limit", test_device_limit) ||
	    !CU_add_test(s, "placement device", test_placement_device) ||
	    !CU_add_test(s, "placement device: access categories",
			 test_placement_device_classes) ||
	    !CU_add_test(s, "bad parameters", test_bad_params))
		return CU_get_error();
	return 0;
}
