/*
 * link.c - the native wire: FIFO output queue, serialization, propagation.
 *
 * A packet that finds the wire idle starts serializing at once; otherwise
 * it waits in a FIFO queue bounded in packets and (optionally) bytes, and a
 * packet that does not fit is dropped (reason "queue_full"). A packet's len
 * is its frame (Ethernet: destination address to FCS), padded to
 * min_frame as Ethernet pads short frames to 64 B (IEEE 802.3 4.4.2);
 * overhead (preamble, start delimiter, inter-frame gap) comes after the
 * padding. Serialization takes (max(len, min_frame) + overhead) * 8 /
 * rate (units_wire_bytes()): at 1 Gb/s a 40 B frame with 20 B of overhead
 * takes 672 ns, so a port carries at most 1.488 Mpps. Then the packet
 * propagates for `delay` and leaves through the output port. Propagation
 * preserves order, so packets on the wire wait in a second FIFO with one
 * timer for its head.
 *
 * ECN (RFC 3168 5, RFC 8257 3.1): with a threshold K set (packets or
 * bytes), a packet that arrives while the port holds more than K (those
 * waiting and the one being serialized) is marked CE if it is ECT or CE
 * already (counted in ecn_marks); a Not-ECT packet is queued as before, and
 * dropped only by the limit. A packet that finds the wire idle is not
 * marked. This is the DCTCP paper's switch: "mark arriving packets if the
 * queue occupancy is greater than K" (Alizadeh et al., SIGCOMM 2010, 3.1).
 *
 * Events per packet: one at the end of serialization and, if the delay is
 * not zero, one at delivery. Queueing delay (arrival to start of
 * serialization) is recorded per packet, and added to the packet's own
 * queueing total.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "errmsg.h"
#include "link.h"
#include "stats.h"
#include "units.h"

/* What a packet touches first: the counters it bumps (registered with
 * stats_counter_at()), the queues, the histogram; then the configuration
 * and what only set-up and the rate step use. The struct lives in a
 * stats_block(), since results are read after the link is destroyed. */
struct link {
	struct sim *sim;
	uint32_t trace_id;
	uint64_t arrived, sent, sent_bytes, delivered, drops_full;
	uint64_t ecn_marks;

	struct pkt_fifo queue; /* waiting to be serialized */
	struct sim_pkt *tx;    /* being serialized, or NULL */
	struct pkt_fifo wire; /* propagating; pkt->enq_ps is the arrival time */
	struct sim_port out, drop;
	struct stat_gauge *queue_len, *busy;
	struct stat_hold queue_delay_hold; /* queue_delay's values */
	struct stat_hist queue_delay;

	struct link_cfg cfg; /* cfg.rate_bps changes at the rate step */
	struct stats *st;
	const char *name;
	void (*on_rate)(void *arg);
	void *on_rate_arg;
};

static void link_tx_done(struct sim *sim, void *a, void *b);

static void link_start_tx(struct link *l, struct sim_pkt *p)
{
	sim_time now = sim_now(l->sim);
	sim_time wait = now - p->enq_ps;

	p->queued_ps += wait;
	sim_trace(l->sim, l->trace_id, SIM_TR_START, p->len_bytes);
	stats_hold_record(&l->queue_delay_hold, &l->queue_delay, now, wait);
	l->tx = p;
	sim_schedule(l->sim,
		     units_tx_time(units_wire_bytes(p->len_bytes,
						    l->cfg.min_frame_bytes,
						    l->cfg.overhead_bytes),
				   l->cfg.rate_bps),
		     link_tx_done, l, p);
}

static void link_deliver(struct sim *sim, void *a, void *b)
{
	struct link *l = a;
	struct sim_pkt *p = pkt_fifo_pop(&l->wire);

	(void)b;
	l->delivered++;
	sim_trace(sim, l->trace_id, SIM_TR_DELIVER, p->len_bytes);
	if (l->wire.head)
		sim_schedule_at(sim, l->wire.head->enq_ps, link_deliver, l,
				NULL);
	sim_port_send(&l->out, p);
}

static void link_tx_done(struct sim *sim, void *a, void *b)
{
	struct link *l = a;
	struct sim_pkt *p = b;

	l->tx = NULL;
	l->sent++;
	l->sent_bytes += p->len_bytes;
	if (l->queue.head) {
		struct sim_pkt *next = pkt_fifo_pop(&l->queue);

		stats_gauge_set(l->queue_len, (double)l->queue.n);
		link_start_tx(l, next);
	} else {
		stats_gauge_set(l->busy, 0);
	}
	if (l->cfg.delay_ps == 0) {
		l->delivered++;
		sim_trace(sim, l->trace_id, SIM_TR_DELIVER, p->len_bytes);
		sim_port_send(&l->out, p);
		return;
	}
	p->enq_ps = sim_now(sim) + l->cfg.delay_ps;
	if (!l->wire.head)
		sim_schedule_at(sim, p->enq_ps, link_deliver, l, NULL);
	pkt_fifo_push(&l->wire, p);
}

/* Step marking at the threshold: p arrives to the queue and the packet
 * being serialized. */
static void link_mark(struct link *l, struct sim_pkt *p)
{
	const struct link_cfg *c = &l->cfg;
	bool over = (c->ecn_k_pkts && l->queue.n + 1 > c->ecn_k_pkts) ||
		    (c->ecn_k_bytes &&
		     l->queue.bytes + l->tx->len_bytes > c->ecn_k_bytes);

	if (!over || p->ecn == PKT_NOT_ECT)
		return;
	p->ecn = PKT_CE;
	l->ecn_marks++;
}

static void link_recv(void *owner, struct sim_pkt *p)
{
	struct link *l = owner;

	l->arrived++;
	p->enq_ps = sim_now(l->sim);
	if (!l->tx) {
		stats_gauge_set(l->busy, 1);
		link_start_tx(l, p);
		return;
	}
	if (l->queue.n + 1 > l->cfg.limit_pkts ||
	    (l->cfg.limit_bytes &&
	     l->queue.bytes + p->len_bytes > l->cfg.limit_bytes)) {
		l->drops_full++;
		sim_trace(l->sim, l->trace_id, SIM_TR_DROP, p->len_bytes);
		sim_port_send(&l->drop, p);
		return;
	}
	sim_trace(l->sim, l->trace_id, SIM_TR_ENQUEUE, p->len_bytes);
	link_mark(l, p);
	pkt_fifo_push(&l->queue, p);
	stats_gauge_set(l->queue_len, (double)l->queue.n);
}

static int link_stats(struct link *l)
{
	const char *c = l->name;

	if (!stats_counter_at(l->st, c, "arrived", "packets", &l->arrived) ||
	    !stats_counter_at(l->st, c, "sent", "packets", &l->sent) ||
	    !stats_counter_at(l->st, c, "sent_bytes", "B", &l->sent_bytes) ||
	    !stats_counter_at(l->st, c, "delivered", "packets",
			      &l->delivered) ||
	    !stats_counter_at(l->st, c, "drops.queue_full", "packets",
			      &l->drops_full) ||
	    !stats_counter_at(l->st, c, "ecn_marks", "packets",
			      &l->ecn_marks) ||
	    !stats_hist_at(l->st, c, "queue_delay", "ps", &l->queue_delay))
		return -ENOMEM;
	stats_hold_init(&l->queue_delay_hold, l->st);
	l->queue_len = stats_gauge(l->st, c, "queue_len", "packets");
	l->busy = stats_gauge(l->st, c, "utilization", "");
	if (!l->queue_len || !l->busy)
		return -ENOMEM;
	if (stats_series_gauge(l->st, c, "queue_len", l->queue_len))
		return -ENOMEM;
	return 0;
}

/* The rate step: packets serialized from now on take the new rate (the
 * one being serialized finishes at the old one). */
static void link_step(struct sim *sim, void *a, void *b)
{
	struct link *l = a;

	(void)sim;
	(void)b;
	l->cfg.rate_bps = l->cfg.step_bps;
	if (l->on_rate)
		l->on_rate(l->on_rate_arg);
}

void link_on_rate(struct link *l, void (*fn)(void *arg), void *arg)
{
	l->on_rate = fn;
	l->on_rate_arg = arg;
}

double link_rate(const struct link *l)
{
	return l->cfg.rate_bps;
}

uint64_t link_backlog(const struct link *l)
{
	return l->queue.n;
}

int link_create(const struct link_cfg *cfg, const struct model_env *env,
		struct link **out, char *err, size_t errlen)
{
	/* the statistics' (stats_block): never freed here */
	struct link *l = stats_block(env->st, sizeof(*l));

	if (!l)
		goto out_nomem;
	l->sim = env->sim;
	l->st = env->st;
	l->name = env->component;
	l->trace_id = sim_trace_id(env->component);
	l->cfg = *cfg;
	if (link_stats(l) ||
	    (cfg->step_bps > 0 &&
	     !sim_schedule_at(env->sim, cfg->step_at_ps, link_step, l, NULL)))
		goto out_free;
	*out = l;
	return 0;
out_free: /* l is the statistics' (stats_block) */
out_nomem:
	errmsg(err, errlen, "%s: out of memory", env->component);
	return -ENOMEM;
}

void link_destroy(struct link *l)
{
	(void)l; /* the statistics' (stats_block) */
}

struct sim_port link_input(struct link *l)
{
	return (struct sim_port){ .recv = link_recv, .owner = l };
}

void link_connect(struct link *l, struct sim_port out, struct sim_port drop)
{
	l->out = out;
	l->drop = drop;
}

uint64_t link_in_flight(const struct link *l)
{
	return l->queue.n + (l->tx ? 1 : 0) + l->wire.n;
}

uint64_t link_held_by(const struct link *l, uint32_t src)
{
	return pkt_fifo_count_src(&l->queue, src) +
	       pkt_fifo_count_src(&l->wire, src) + (l->tx && l->tx->src == src);
}

void link_finish(struct link *l)
{
	stats_hold_flush(&l->queue_delay_hold, &l->queue_delay);
	stats_scalar(l->st, l->name, "in_flight", "packets",
		     (double)link_in_flight(l));
}

static void link_ops_destroy(void *m)
{
	link_destroy(m);
}

static void link_ops_finish(void *m)
{
	link_finish(m);
}

static void link_ops_held_add(const void *m, uint64_t *held, size_t napps)
{
	const struct link *l = m;

	pkt_fifo_held_add(&l->queue, held, napps);
	pkt_fifo_held_add(&l->wire, held, napps);
	pkt_held_add(l->tx, held, napps);
}

const struct model_ops link_ops = {
	.name = "link",
	.destroy = link_ops_destroy,
	.finish = link_ops_finish,
	.held_add = link_ops_held_add,
};
