/*
 * driver.c - the device driver: kernel or user placement, crash and restart.
 *
 * Each direction (TX: kernel side -> NIC, RX: NIC -> kernel side) is a lane
 * built like the shared-memory interface of a user-space network driver
 * (DriverKit: a packet pool and four queues). Packets live in a buffer
 * table of the shared pool; a submission queue (SQ) carries descriptors
 * that name a buffer by index + offset, never by pointer; a completion
 * queue (CQ) returns the buffer indices the driver has finished with, and
 * the kernel side puts them back on the pool's free ring. For RX, the SQ
 * stands for the buffers the kernel posted that the NIC has filled. An
 * arrival that finds the SQ (or the pool) full is dropped ("sq_full").
 *
 *   kernel side                  shared memory                 driver
 *   free ring --buf idx-->  SQ [ {buf, off, len} ... ]  --batch-->  core
 *   free ring <--reap----   CQ [ buf idx ... ]          <--post---  core
 *
 * A core serves the lanes one batch at a time: it takes
 * n = min(batch, queued, cq_slots) descriptors, spends
 * ipc_cost + n * per_packet (+ len / copy_bw per packet in copy mode) on
 * them, then hands the n packets on and posts their completions, which the
 * kernel reaps at once (the completion notice is part of the batch's IPC
 * cost). One event per batch: packets that arrive while a batch is in
 * service wait for the next one, and their wait counts as queueing.
 *
 * User placement: one core of the driver's own domain serves both lanes,
 * alternating between them, with the configured batch, IPC cost and copy
 * mode. Kernel placement: the driver runs in the context that calls it,
 * one context per direction, a packet at a time (batch 1), with no IPC
 * and no copy; the per-packet cost is the same in both placements, so the
 * difference between them is the IPC and copy cost.
 *
 * Faults: the driver crashes at crash_at and/or at exponential times of
 * rate crash_rate (drawn from each start). Packets in the driver at the
 * crash (queued or in service) are lost ("lost.crash"). A user driver's
 * crash leaves the kernel side running: the interface is down until the
 * driver has restarted, restart_delay later, and the kernel side drops
 * what arrives meanwhile ("lost.outage"); the restarted driver starts with
 * empty queues and a full pool. A kernel driver's crash takes the host
 * down: it is recorded (host_down, host_down_at), the hook of
 * drv_on_host_down() runs, and everything arriving afterwards is dropped
 * ("lost.host_down"); the simulation itself goes on. A crash due while
 * the driver is restarting, or after the host went down, does nothing.
 * Crashes and restarts are folded into the run's fingerprint as a drop
 * and a start of length 0 under the driver's own name. A packet leaving
 * the TX lane is stamped PKT_ST_DRV_TX_END, so that the sink can split
 * its latency at the driver (stage.driver_tx).
 *
 * The driver is created from a struct drv_cfg (driver_params.c reads it)
 * and a model_env; the topology keeps it with drv_ops, which records its
 * end-of-run scalars and counts the packets its lanes hold.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu.h"
#include "driver.h"
#include "errmsg.h"
#include "ring.h"
#include "rng.h"
#include "stats.h"
#include "tcp.h"
#include "units.h"

/* A submission descriptor: a buffer of the shared pool by index, the
 * offset of the frame in it (0: no headroom is modelled) and its length. */
struct drv_desc {
	uint32_t buf;
	uint32_t off;
	uint32_t len;
};

struct drv_core;

/* A lane's fields in the order a packet's submission touches them, so
 * that it reads as few cache lines as it can (its counters among them,
 * registered with stats_counter_at()); completion's follow. A lane starts
 * on a line of its own. */
#define DRV_FIRST 4u /* entries of each first array of a lane */

struct drv_lane {
	/* line 0: what a submission and a completion count */
	struct drv *d;
	uint64_t arrived;
	uint32_t slots; /* SQ (and pool) limit */
	uint32_t sq_mask;
	uint32_t sq_prod, sq_cons; /* [sq_cons, sq_cons + batch_n) in service */
	uint32_t fresh; /* buffers [fresh, slots) never used since reset */
	uint32_t free_mask, free_prod, free_cons;
	uint32_t nbuf;
	uint32_t batch_n;
	uint32_t trace_id;
	uint32_t cq_mask;
	/* line 1: the arrays, which allocate as they fill (ring.h) from
	 * the first ones below: the buffer table holds nbuf entries, each
	 * ring mask + 1 */
	struct sim_pkt **buf; /* buffer table of the shared pool */
	uint32_t *free_ring;  /* indices of used buffers freed since */
	struct drv_desc *sq;
	uint32_t *cq;
	struct drv_core *core;
	uint32_t cq_prod, cq_cons;
	uint32_t cq_slots; /* CQ limit */
	uint64_t packets;
	/* lines 2 and 3: the first arrays, so that a lane holding a few
	 * packets (as most do) reads two lines of its own for its rings and
	 * table rather than four lines of four allocations, and the way out */
	struct drv_desc sq_first[DRV_FIRST];
	uint32_t free_first[DRV_FIRST];
	struct sim_pkt *buf_first[DRV_FIRST];
	uint32_t cq_first[DRV_FIRST];
	struct sim_port out;
	struct sim_port drop;
} __attribute__((aligned(64)));
_Static_assert(offsetof(struct drv_lane, buf) == 64 &&
		       offsetof(struct drv_lane, sq_first) == 128 &&
		       offsetof(struct drv_lane, buf_first) == 192 &&
		       offsetof(struct drv_lane, drop) == 256,
	       "a lane's counters, arrays, first arrays and way out have "
	       "lines of their own");

/* What a packet's job reads first (cc, doorbell, stale), on the core's
 * first line. */
struct drv_core {
	struct drv *d;
	/* on the host's cores (drv_set_cpu()): the batch is a job of thread
	 * ct, or of core cc's default thread; NULL both: the driver serves
	 * its lanes itself, a batch taking its cost */
	struct cpu_core *cc;
	struct cpu_thread *ct;
	sim_time doorbell_ps;  /* per TX batch, on the cores only */
	uint32_t stale;	       /* jobs of batches lost in a crash, queued */
	unsigned nlanes, next; /* next: lane to try first (round robin) */
	struct drv_lane *lane[2];
	struct drv_lane *serving; /* NULL: idle */
	sim_event_id ev;
	sim_time started_ps;
	sim_time ipc_ps;
	uint32_t batch;
	bool copy;
	sim_time cost_ps; /* of the batch in service */
} __attribute__((aligned(64)));

/* What every packet reads first (with the counters it bumps, registered
 * with stats_counter_at(), and copies of the configuration it reads), the
 * stage histogram, the lanes and cores (each on lines of its own), then
 * the configuration and what only set-up, faults and the end of the run
 * use. The struct lives in a stats_block(): results are read after the
 * driver is destroyed. */
struct drv {
	struct sim *sim;
	bool down, host_down;
	bool user;		/* cfg.user */
	sim_time per_packet_ps; /* cfg.per_packet_ps */
	uint64_t batches, busy_ps, ipc, copies, copied_bytes;
	struct stat_hold stage_hold; /* stage's values */
	struct stat_hist stage;
	struct drv_lane tx, rx;
	struct drv_core core[2]; /* user: core[0] only; kernel: one per lane */
	struct drv_cfg cfg;
	struct stats *st;
	const char *name;
	uint32_t trace_id;
	struct rng *rng;
	sim_event_id rate_ev; /* next random crash, 0 if none */
	sim_time down_since_ps, downtime_ps, host_down_ps;
	void (*hook)(void *arg, sim_time at);
	void *hook_arg;
	void (*expired)(void *arg, struct sim_pkt *p, int origin);
	void *expired_arg;

	uint64_t drops_full, lost_crash, lost_outage, lost_host_down;
	uint64_t drops_expired;
	uint64_t crashes, restarts;
};

/* Empty queues and every buffer free (at creation and after a restart).
 * The pool's free buffers are the indices on the free ring and those not
 * used since the reset; a buffer is taken from the free ring first, so
 * the buffer table grows only to the most buffers ever held at once. */
static void lane_reset(struct drv_lane *l)
{
	l->sq_prod = l->sq_cons = 0;
	l->cq_prod = l->cq_cons = 0;
	l->free_prod = l->free_cons = 0;
	l->fresh = 0;
	l->batch_n = 0;
}

/* The mask of a ring of capacity cap on its first array. */
static uint32_t lane_first_mask(uint32_t cap)
{
	uint32_t n = ring_pow2(cap);

	return (n < DRV_FIRST ? n : DRV_FIRST) - 1;
}

static int lane_init(struct drv_lane *l, struct drv *d, uint32_t slots,
		     uint32_t cq_slots, const char *dir)
{
	char name[160];

	l->d = d;
	l->slots = slots;
	l->cq_slots = cq_slots;
	l->buf = l->buf_first;
	l->nbuf = DRV_FIRST;
	l->free_ring = l->free_first;
	l->free_mask = lane_first_mask(slots);
	l->sq = l->sq_first;
	l->sq_mask = lane_first_mask(slots);
	l->cq = l->cq_first;
	l->cq_mask = lane_first_mask(cq_slots);
	snprintf(name, sizeof(name), "%s.%s", d->name, dir);
	l->trace_id = sim_trace_id(name);
	snprintf(name, sizeof(name), "%s.arrived", dir);
	if (!stats_counter_at(d->st, d->name, name, "packets", &l->arrived))
		return -ENOMEM;
	snprintf(name, sizeof(name), "%s.packets", dir);
	if (!stats_counter_at(d->st, d->name, name, "packets", &l->packets))
		return -ENOMEM;
	lane_reset(l);
	return 0;
}

static void lane_fini(struct drv_lane *l)
{
	if (l->buf != l->buf_first)
		free(l->buf);
	if (l->free_ring != l->free_first)
		free(l->free_ring);
	if (l->sq != l->sq_first)
		free(l->sq);
	if (l->cq != l->cq_first)
		free(l->cq);
}

static uint32_t lane_queued(const struct drv_lane *l)
{
	return l->sq_prod - l->sq_cons;
}

static void drv_lose(struct drv_lane *l, struct sim_pkt *p, uint64_t *why)
{
	(*why)++;
	sim_trace(l->d->sim, l->trace_id, SIM_TR_DROP, p->len_bytes);
	sim_port_send(&l->drop, p);
}

static void core_done(struct sim *sim, void *a, void *b);

/* The batch in service becomes a job on the host's cores: its cost in
 * the account driver, the doorbell write that hands a TX batch to the
 * NIC in the account doorbell. If the job cannot be queued, the batch
 * takes its time off the cores (as without them). */
static void core_submit(struct drv_core *c, struct drv_lane *l)
{
	struct cpu_job j = { 0 };
	sim_time cost = c->cost_ps;
	int rc;

	cpu_job_add(&j, CPU_A_DRIVER, cost);
	if (l == &c->d->tx && c->doorbell_ps) {
		cpu_job_add(&j, CPU_A_DOORBELL, c->doorbell_ps);
		c->cost_ps += c->doorbell_ps;
	}
	rc = c->ct ? cpu_thread_submit(c->ct, &j, core_done, c, l)
		   : cpu_submit(c->cc, &j, core_done, c, l);
	if (rc)
		c->ev = sim_schedule(c->d->sim, c->cost_ps, core_done, c, l);
}

/* A TX packet past its deadline is reported (once: its deadline is
 * cleared) and, under the drop action, dropped (counted in
 * drops.expired). Returns true if it was dropped. */
static bool drv_past_deadline(struct drv *d, struct drv_lane *l,
			      struct sim_pkt *p)
{
	uint8_t action = p->expiry;

	if (!p->deadline_ps || action == PKT_EXP_NONE ||
	    sim_now(d->sim) <= p->deadline_ps)
		return false;
	p->deadline_ps = 0;
	if (d->expired)
		d->expired(d->expired_arg, p, PKT_ORIG_DRIVER);
	if (action != PKT_EXP_DROP)
		return false;
	drv_lose(l, p, &d->drops_expired);
	return true;
}

/* Starts the next batch if the core is idle and a lane has work. */
static void core_kick(struct drv_core *c)
{
	struct drv *d = c->d;
	struct drv_lane *l = NULL;
	sim_time now = sim_now(d->sim), cost, pp;
	uint32_t n;

	if (c->serving)
		return;
	for (unsigned i = 0; i < c->nlanes && !l; i++) {
		unsigned k = (c->next + i) % c->nlanes;

		if (lane_queued(c->lane[k])) {
			l = c->lane[k];
			c->next = (k + 1) % c->nlanes;
		}
	}
	if (!l)
		return;
	n = lane_queued(l);
	if (n > c->batch)
		n = c->batch;
	if (n > l->cq_slots)
		n = l->cq_slots;
	cost = c->ipc_ps;
	pp = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct drv_desc *x =
			&l->sq[(l->sq_cons + i) & l->sq_mask];
		struct sim_pkt *p = l->buf[x->buf];

		/* a TSO send is one descriptor chain: the segments that ride
		 * it (models/stack.h) add no per-packet cost on TX */
		if (l != &d->tx || !(p->tcp_offload & TCP_TSO_CONT))
			pp += d->per_packet_ps;

		p->queued_ps += now - p->enq_ps;
		sim_trace(d->sim, l->trace_id, SIM_TR_START, x->len);
		if (c->copy)
			cost += units_tx_time(x->len, d->cfg.copy_bps);
	}
	d->batches++;
	if (d->user)
		d->ipc++;
	cost += pp;
	l->batch_n = n;
	c->serving = l;
	c->started_ps = now;
	c->cost_ps = cost;
	if (c->cc)
		core_submit(c, l);
	else
		c->ev = sim_schedule(d->sim, cost, core_done, c, l);
}

/* The n packets at the head of lane l are done: they leave, their
 * completions are posted and reaped. */
static void lane_done(struct drv *d, struct drv_lane *l, uint32_t n, bool copy)
{
	sim_time now = sim_now(d->sim);

	for (uint32_t i = 0; i < n; i++) {
		struct drv_desc x = l->sq[l->sq_cons & l->sq_mask];
		struct sim_pkt *p = l->buf[x.buf];

		l->buf[x.buf] = NULL;
		l->sq_cons++;
		if (!ring_room_kept(&l->cq, &l->cq_mask, l->cq_cons, l->cq_prod,
				    sizeof(*l->cq), l->cq_slots, l->cq_first)) {
			sim_stop(d->sim); /* out of memory */
			return;
		}
		l->cq[l->cq_prod++ & l->cq_mask] = x.buf;
		if (copy) {
			d->copies++;
			d->copied_bytes += x.len;
		}
		l->packets++;
		stats_hold_record(&d->stage_hold, &d->stage, now,
				  now - p->enq_ps);
		p->stamp_ps[l == &d->tx ? PKT_ST_DRV_TX_END
					: PKT_ST_DRV_RX_END] = now;
		if (l == &d->tx && drv_past_deadline(d, l, p))
			continue;
		sim_trace(d->sim, l->trace_id, SIM_TR_DELIVER, x.len);
		sim_port_send(&l->out, p);
	}
	while (l->cq_cons != l->cq_prod) {
		if (!ring_room_kept(&l->free_ring, &l->free_mask, l->free_cons,
				    l->free_prod, sizeof(*l->free_ring),
				    l->slots, l->free_first)) {
			sim_stop(d->sim); /* out of memory */
			return;
		}
		l->free_ring[l->free_prod++ & l->free_mask] =
			l->cq[l->cq_cons++ & l->cq_mask];
	}
}

/* The batch is done: packets leave, completions are posted and reaped. */
static void core_done(struct sim *sim, void *a, void *b)
{
	struct drv_core *c = a;
	struct drv_lane *l = b;
	struct drv *d = c->d;
	sim_time now = sim_now(sim);
	uint32_t n = l->batch_n;

	if (c->cc && c->stale) { /* a batch a crash took: its work is done */
		c->stale--;
		return;
	}
	d->busy_ps += (uint64_t)(c->cc ? c->cost_ps : now - c->started_ps);
	c->ev = 0;
	l->batch_n = 0;
	lane_done(d, l, n, c->copy);
	c->serving = NULL;
	core_kick(c);
}

/* A kernel driver on the host's cores: a packet's work is done. */
static void kern_done(struct sim *sim, void *a, void *b)
{
	struct drv_core *c = a;
	struct drv_lane *l = b;

	(void)sim;
	if (c->stale) { /* its packet was lost in the crash */
		c->stale--;
		return;
	}
	l->batch_n--;
	lane_done(c->d, l, 1, false);
}

/* A kernel driver on the host's cores works in the context that hands it
 * a packet: each packet becomes a job of its kernel core at once (per
 * packet, and a TX packet's doorbell write; a segment riding a TSO send
 * neither), done in the order queued. The lane's packets in jobs are
 * [sq_cons, sq_cons + batch_n). If a job cannot be queued, the packet
 * takes its time off the cores. */
static void kern_kick(struct drv_lane *l)
{
	struct drv_core *c = l->core;
	struct drv *d = l->d;

	while (l->batch_n < lane_queued(l)) {
		const struct drv_desc *x =
			&l->sq[(l->sq_cons + l->batch_n) & l->sq_mask];
		struct sim_pkt *p = l->buf[x->buf];
		struct cpu_job j = { 0 };

		if (l != &d->tx || !(p->tcp_offload & TCP_TSO_CONT)) {
			cpu_job_add(&j, CPU_A_DRIVER, d->per_packet_ps);
			if (l == &d->tx && c->doorbell_ps)
				cpu_job_add(&j, CPU_A_DOORBELL, c->doorbell_ps);
		}
		p->queued_ps += sim_now(d->sim) - p->enq_ps;
		sim_trace(d->sim, l->trace_id, SIM_TR_START, x->len);
		d->batches++;
		d->busy_ps += (uint64_t)cpu_job_cost(&j);
		l->batch_n++;
		if (cpu_submit(c->cc, &j, kern_done, c, l) &&
		    !sim_schedule(d->sim, cpu_job_cost(&j), kern_done, c, l))
			sim_stop(d->sim);
	}
}

/* Makes the buffer table hold index b; false if out of memory. */
static bool lane_hold(struct drv_lane *l, uint32_t b)
{
	void *t = ring_table_hold_kept(l->buf, &l->nbuf, b, sizeof(*l->buf),
				       l->slots, l->buf_first);

	if (!t)
		return false;
	l->buf = t;
	return true;
}

static void drv_submit(struct drv_lane *l, struct sim_pkt *p)
{
	struct drv *d = l->d;
	uint32_t b;

	l->arrived++;
	if (d->host_down || d->down || lane_queued(l) >= l->slots ||
	    (l->free_cons == l->free_prod && l->fresh == l->slots)) {
		drv_lose(l, p,
			 d->host_down ? &d->lost_host_down
			 : d->down    ? &d->lost_outage
				      : &d->drops_full);
		return;
	}
	if (!ring_room_kept(&l->sq, &l->sq_mask, l->sq_cons, l->sq_prod,
			    sizeof(*l->sq), l->slots, l->sq_first) ||
	    !lane_hold(l, l->free_cons == l->free_prod ? l->fresh : 0)) {
		sim_stop(d->sim); /* out of memory */
		drv_lose(l, p, &d->drops_full);
		return;
	}
	if (l->free_cons != l->free_prod)
		b = l->free_ring[l->free_cons++ & l->free_mask];
	else
		b = l->fresh++;
	l->buf[b] = p;
	l->sq[l->sq_prod++ & l->sq_mask] =
		(struct drv_desc){ .buf = b, .off = 0, .len = p->len_bytes };
	p->enq_ps = sim_now(d->sim);
	sim_trace(d->sim, l->trace_id, SIM_TR_ENQUEUE, p->len_bytes);
	if (!d->user && l->core->cc)
		kern_kick(l);
	else
		core_kick(l->core);
}

static void drv_tx_recv(void *owner, struct sim_pkt *p)
{
	struct drv *d = owner;

	drv_submit(&d->tx, p);
}

static void drv_rx_recv(void *owner, struct sim_pkt *p)
{
	struct drv *d = owner;

	drv_submit(&d->rx, p);
}

static void drv_rate_crash(struct sim *sim, void *a, void *b);

static void drv_arm_rate(struct drv *d)
{
	double gap_s;

	if (d->cfg.crash_rate_hz <= 0)
		return;
	gap_s = rng_exponential(d->rng, 1.0 / d->cfg.crash_rate_hz);
	if (gap_s * (double)SIM_S >= (double)(SIM_TIME_MAX - sim_now(d->sim)))
		return;
	d->rate_ev = sim_schedule(d->sim, (sim_time)(gap_s * (double)SIM_S),
				  drv_rate_crash, d, NULL);
}

static void drv_restart(struct sim *sim, void *a, void *b)
{
	struct drv *d = a;

	(void)b;
	d->down = false;
	d->downtime_ps += sim_now(sim) - d->down_since_ps;
	d->restarts++;
	sim_trace(sim, d->trace_id, SIM_TR_START, 0);
	lane_reset(&d->tx);
	lane_reset(&d->rx);
	drv_arm_rate(d);
}

/* Loses everything the lane holds: the packets queued and in service. */
static void lane_crash(struct drv_lane *l)
{
	while (l->sq_cons != l->sq_prod) {
		struct drv_desc x = l->sq[l->sq_cons++ & l->sq_mask];
		struct sim_pkt *p = l->buf[x.buf];

		l->buf[x.buf] = NULL;
		drv_lose(l, p, &l->d->lost_crash);
	}
	l->batch_n = 0;
}

static void drv_crash(struct drv *d)
{
	sim_time now = sim_now(d->sim);

	if (d->down || d->host_down)
		return;
	d->crashes++;
	sim_trace(d->sim, d->trace_id, SIM_TR_DROP, 0);
	if (d->rate_ev) {
		sim_cancel(d->sim, d->rate_ev);
		d->rate_ev = 0;
	}
	for (unsigned i = 0; i < 2; i++) {
		struct drv_core *c = &d->core[i];

		if (!d->cfg.user && c->cc) /* its packets' jobs run on */
			c->stale += c->lane[0]->batch_n;
		if (!c->serving)
			continue;
		if (c->ev) { /* serving itself */
			sim_cancel(d->sim, c->ev);
			d->busy_ps += (uint64_t)(now - c->started_ps);
			c->ev = 0;
		} else { /* the job runs to its end on its core */
			d->busy_ps += (uint64_t)c->cost_ps;
			c->stale++;
		}
		c->serving = NULL;
	}
	if (d->cfg.user) {
		d->down = true;
		d->down_since_ps = now;
	} else {
		d->host_down = true;
		d->host_down_ps = now;
	}
	lane_crash(&d->tx);
	lane_crash(&d->rx);
	if (d->cfg.user) {
		sim_schedule(d->sim, d->cfg.restart_ps, drv_restart, d, NULL);
		return;
	}
	if (d->hook)
		d->hook(d->hook_arg, now);
}

static void drv_rate_crash(struct sim *sim, void *a, void *b)
{
	struct drv *d = a;

	(void)sim;
	(void)b;
	d->rate_ev = 0;
	drv_crash(d);
}

static void drv_scheduled_crash(struct sim *sim, void *a, void *b)
{
	(void)sim;
	(void)b;
	drv_crash(a);
}

static int drv_stats(struct drv *d)
{
	struct stats *st = d->st;
	const char *c = d->name;

	if (!stats_counter_at(st, c, "batches", "", &d->batches) ||
	    !stats_counter_at(st, c, "ipc", "", &d->ipc) ||
	    !stats_counter_at(st, c, "copies", "packets", &d->copies) ||
	    !stats_counter_at(st, c, "copied_bytes", "B", &d->copied_bytes) ||
	    !stats_counter_at(st, c, "busy", "ps", &d->busy_ps) ||
	    !stats_counter_at(st, c, "drops.sq_full", "packets",
			      &d->drops_full) ||
	    !stats_counter_at(st, c, "drops.expired", "packets",
			      &d->drops_expired) ||
	    !stats_counter_at(st, c, "lost.crash", "packets", &d->lost_crash) ||
	    !stats_counter_at(st, c, "lost.outage", "packets",
			      &d->lost_outage) ||
	    !stats_counter_at(st, c, "lost.host_down", "packets",
			      &d->lost_host_down) ||
	    !stats_counter_at(st, c, "crashes", "", &d->crashes) ||
	    !stats_counter_at(st, c, "restarts", "", &d->restarts) ||
	    !stats_hist_at(st, c, "stage.driver", "ps", &d->stage))
		return -ENOMEM;
	stats_hold_init(&d->stage_hold, st);
	return 0;
}

static void drv_cores(struct drv *d)
{
	if (!d->cfg.user) {
		for (unsigned i = 0; i < 2; i++) {
			struct drv_lane *l = i ? &d->rx : &d->tx;

			d->core[i] = (struct drv_core){ .d = d, .batch = 1 };
			d->core[i].lane[0] = l;
			d->core[i].nlanes = 1;
			l->core = &d->core[i];
		}
		return;
	}
	d->core[0] = (struct drv_core){
		.d = d,
		.lane = { &d->tx, &d->rx },
		.nlanes = 2,
		.ipc_ps = d->cfg.ipc_ps,
		.batch = d->cfg.batch_pkts,
		.copy = d->cfg.copy,
	};
	d->tx.core = d->rx.core = &d->core[0];
}

static int drv_setup(struct drv *d, const struct model_env *env)
{
	const struct drv_cfg *c = &d->cfg;
	char path[160];

	/* the stream of random crashes, only if there are any (its seed
	 * depends on its path alone) */
	snprintf(path, sizeof(path), "%s.crash", env->component);
	if (c->crash_rate_hz > 0) {
		d->rng = rng_create(env->seed, env->rep, path);
		if (!d->rng)
			return -ENOMEM;
	}
	if (drv_stats(d) ||
	    lane_init(&d->tx, d, c->sq_slots, c->cq_slots, "tx") ||
	    lane_init(&d->rx, d, c->sq_slots, c->cq_slots, "rx"))
		return -ENOMEM;
	drv_cores(d);
	if (c->crash_at_ps > 0 &&
	    !sim_schedule_at(d->sim, c->crash_at_ps, drv_scheduled_crash, d,
			     NULL))
		return -ENOMEM;
	drv_arm_rate(d);
	return 0;
}

int drv_create(const struct drv_cfg *cfg, const struct model_env *env,
	       struct drv **out, char *err, size_t errlen)
{
	/* the statistics' (stats_block): never freed here */
	struct drv *d = stats_block(env->st, sizeof(*d));

	if (!d)
		goto out_nomem;
	d->sim = env->sim;
	d->st = env->st;
	d->name = env->component;
	d->trace_id = sim_trace_id(env->component);
	d->cfg = *cfg;
	d->user = cfg->user;
	d->per_packet_ps = cfg->per_packet_ps;
	if (drv_setup(d, env)) {
		drv_destroy(d);
		goto out_nomem;
	}
	*out = d;
	return 0;
out_nomem:
	errmsg(err, errlen, "%s: out of memory", env->component);
	return -ENOMEM;
}

void drv_destroy(struct drv *d)
{
	if (!d)
		return;
	lane_fini(&d->tx);
	lane_fini(&d->rx);
	rng_destroy(d->rng);
	/* d is the statistics' (stats_block) */
}

void drv_set_cpu(struct drv *d, struct cpu_core *core, struct cpu_thread *t,
		 sim_time doorbell_ps)
{
	for (unsigned i = 0; i < (d->cfg.user ? 1u : 2u); i++) {
		d->core[i].cc = core;
		d->core[i].ct = d->cfg.user ? t : NULL;
		d->core[i].doorbell_ps = doorbell_ps;
	}
}

struct sim_port drv_tx_input(struct drv *d)
{
	return (struct sim_port){ .recv = drv_tx_recv, .owner = d };
}

struct sim_port drv_rx_input(struct drv *d)
{
	return (struct sim_port){ .recv = drv_rx_recv, .owner = d };
}

void drv_connect(struct drv *d, struct sim_port to_nic, struct sim_port drop)
{
	d->tx.out = to_nic;
	d->tx.drop = drop;
}

void drv_connect_rx(struct drv *d, struct sim_port to_kernel,
		    struct sim_port drop)
{
	d->rx.out = to_kernel;
	d->rx.drop = drop;
}

void drv_on_expired(struct drv *d,
		    void (*fn)(void *arg, struct sim_pkt *p, int origin),
		    void *arg)
{
	d->expired = fn;
	d->expired_arg = arg;
}

void drv_on_host_down(struct drv *d, void (*fn)(void *arg, sim_time at),
		      void *arg)
{
	d->hook = fn;
	d->hook_arg = arg;
}

const struct drv_cfg *drv_config(const struct drv *d)
{
	return &d->cfg;
}

bool drv_host_down(const struct drv *d)
{
	return d->host_down;
}

uint32_t drv_tx_backlog(const struct drv *d)
{
	return lane_queued(&d->tx);
}

uint64_t drv_busy(const struct drv *d)
{
	return d->busy_ps;
}

uint32_t drv_tx_slots(const struct drv *d)
{
	return d->tx.slots;
}

uint64_t drv_in_flight(const struct drv *d)
{
	return lane_queued(&d->tx) + lane_queued(&d->rx);
}

static uint64_t lane_held_by(const struct drv_lane *l, uint32_t src)
{
	uint64_t n = 0;

	for (uint32_t i = l->sq_cons; i != l->sq_prod; i++)
		n += l->buf[l->sq[i & l->sq_mask].buf]->src == src;
	return n;
}

uint64_t drv_held_by(const struct drv *d, uint32_t src)
{
	return lane_held_by(&d->tx, src) + lane_held_by(&d->rx, src);
}

void drv_finish(struct drv *d)
{
	sim_time now = sim_now(d->sim);
	sim_time downtime = d->downtime_ps;

	stats_hold_flush(&d->stage_hold, &d->stage);
	if (d->down)
		downtime += now - d->down_since_ps;
	stats_scalar(d->st, d->name, "host_down", "", d->host_down ? 1 : 0);
	stats_scalar(d->st, d->name, "host_down_at", "ps",
		     d->host_down ? (double)d->host_down_ps : 0);
	stats_scalar(d->st, d->name, "in_flight", "packets",
		     (double)drv_in_flight(d));
	stats_scalar(d->st, d->name, "down", "", d->down ? 1 : 0);
	stats_scalar(d->st, d->name, "downtime", "ps", (double)downtime);
}

static void drv_ops_destroy(void *m)
{
	drv_destroy(m);
}

static void drv_ops_finish(void *m)
{
	drv_finish(m);
}

static void lane_held_add(const struct drv_lane *l, uint64_t *held,
			  size_t napps)
{
	for (uint32_t i = l->sq_cons; i != l->sq_prod; i++)
		pkt_held_add(l->buf[l->sq[i & l->sq_mask].buf], held, napps);
}

static void drv_ops_held_add(const void *m, uint64_t *held, size_t napps)
{
	const struct drv *d = m;

	lane_held_add(&d->tx, held, napps);
	lane_held_add(&d->rx, held, napps);
}

const struct model_ops drv_ops = {
	.name = "driver",
	.destroy = drv_ops_destroy,
	.finish = drv_ops_finish,
	.held_add = drv_ops_held_add,
};
