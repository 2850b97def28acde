/*
 * mux.c - a host's transmit multiplexer: the link server between the flow
 * switch and the driver, under one of two disciplines (or none).
 *
 * Queues are packet FIFOs (struct pkt_fifo; the multiplexer owns a packet
 * while it waits); a "flow" is one such FIFO with its CoDel state and DRR
 * deficit, its packets counted also in its lane or class and in the
 * multiplexer. reserved_share has two flows, one per lane (ll, be);
 * fq_codel has one flow per (class, app): napps + 1 per class, the last
 * one shared by packets whose src is not below napps (they are best
 * effort, class be). A packet keeps the lane or class it was classified
 * into at enqueue even if mux_set_app() changes its app afterwards.
 * Arrays are sized at creation; nothing is allocated per packet.
 *
 * The server does not serialize: the device does (the NIC, or the ns-3
 * device behind it), once per frame. The multiplexer hands the driver
 * packets while the bytes it has handed and the device has not completed
 * are at most the device's queue limit (dql.h: Linux's dynamic queue
 * limits), so packets wait here, under the discipline, and the device
 * holds only what keeps it busy. A handed packet carries its frame bytes
 * (max(len, min_frame) + framing) in pkt->dq_bytes until the topology
 * reports its completion (mux_completed(): the NIC's TX completion on the
 * native network; an ns-3 device's end of transmission, or for Wi-Fi the
 * start of the transmission that took it; or a drop on the way). The
 * completions of one instant are judged together, in one event, as a
 * driver's TX completion handler takes a batch, and then packets are
 * released. The waiting time (release - enq_ps) is added to
 * pkt->queued_ps and is C.delay. C.enqueued counts packets accepted into
 * a queue (an arrival is counted either there or in C.drops.limit);
 * C.sent counts packets handed on. mux_backlog() and the in_flight scalar
 * count the packets waiting here (not those in the device).
 *
 * The capacity the device shows is measured from its completions: bytes
 * completed over the time between completions when packets were held
 * back by the device's limit, over capacity_window of such time (the
 * NIC's line rate until then).
 *
 * reserved_share: a token bucket of depth ll_burst bytes (in the device,
 * plus two channel accesses: tok_set_depth()) refilled at
 * share x the measured capacity (rounded to a whole bit/s). Tokens are kept exactly in
 * integers, in units of 1e-12 bit, so that a rate in bit/s adds exactly
 * `rate` units per ps; they are brought up to date lazily from the
 * elapsed time. The bucket starts full. A packet costs its frame bytes
 * (padding and framing included). The server serves, in order: the ll
 * head if the bucket holds its cost (or is full, for a frame larger than
 * the bucket: the bucket then goes negative by the excess, so the lane's
 * long-term rate stays exactly its share); else the be lane (CoDel);
 * else, with borrow, the ll head anyway, which takes whatever positive
 * tokens the bucket holds (the bucket goes to zero, never negative by
 * borrowing: a lane using idle capacity neither runs into debt nor saves
 * credit for when best effort comes back); else it sleeps until the
 * tokens suffice (one wake-up event, replaced or cancelled when an
 * arrival changes the decision). The ll lane has no AQM.
 *
 * fq_codel: the highest-priority class with an active flow is served; in
 * it, deficit round robin over its active flows with the new-flows list
 * of RFC 8290 (section 4.1) and Linux fq_codel: a flow becomes active with
 * a deficit of one quantum at the tail of its class's new list; the head
 * flow of the new list, or if that is empty of the old list, sends while
 * its deficit is positive (a packet may take it negative), otherwise it
 * gets another quantum and goes to the tail of the old list. A flow found
 * empty at the head of the new list goes to the tail of the old list if
 * that holds a flow (so that a flow cannot starve the others by emptying
 * and refilling), and otherwise, like one found empty at the head of the
 * old list, leaves. So a sparse flow, one that sends less than a quantum
 * between its idle periods, waits for at most the packet on the wire
 * instead of a round of every backlogged flow. Deficits count len_bytes.
 * Quanta: quantum for be and the unlisted classes, x2 for vi, rv and av,
 * x0.4 for vo and ctl (rounded, at least 1 B). The drop limit is over
 * all queues: an arrival beyond it first makes room by dropping the head
 * of the flow holding the most bytes (counted in that flow's class), as
 * Linux fq_codel does.
 *
 * CoDel (RFC 8289, per flow queue): at dequeue, a packet whose sojourn is
 * >= target with more than one maximal packet (the largest len_bytes seen)
 * still queued starts (or continues) an "above target" period; once that
 * has lasted interval the queue enters the dropping state and drops a
 * packet, then one at every dequeue after drop_next, which advances by
 * interval / sqrt(count) (rounded to the ps; count resumes from the last
 * episode if it ended less than 16 intervals ago). Drops are counted in
 * C.drops.aqm and go to the drop port. With ecn on, a packet that is ECT
 * (or CE) is marked CE and sent where it would be dropped (C.ecn_marks),
 * and in the dropping state the control law moves on after a mark as after
 * a drop, as Linux's codel_dequeue does; Not-ECT packets are still dropped.
 *
 * Deadlines are checked on the packet chosen for service (after CoDel):
 * past its deadline, the expiry hook is called once; under PKT_EXP_DROP it
 * is dropped (drops.expired, without spending tokens or DRR deficit) and
 * the server chooses again; otherwise it is sent.
 *
 * The values that must go together are checked by mux_cfg_load()
 * (mux_params.c): share in (0, 1] (the registry's range is [0, 1];
 * checked only under reserved_share, where it is used) and share x line
 * rate at least 1 bit/s; CoDel's target not above its interval (fq_codel
 * and reserved_share); a line rate of at least 1 bit/s. Under none
 * nothing is queued, timed or counted but drops.expired (always 0 there:
 * deadlines are left to the driver).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dql.h"
#include "errmsg.h"
#include "mux.h"
#include "stats.h"
#include "units.h"

/* The user priority of the device's low-latency queue (placement
 * device): IEEE 802.1D 6, voice. */
#define MUX_LL_PRIO 6

/* Placement device: the IEEE 802.1D user priority a best-effort-lane
 * packet is given by its app's service class, as the reference's
 * driver-managed scheduler maps service classes to Wi-Fi's four access
 * categories (XNU pktsched_fq_codel.c, fq_if_service_to_priority(),
 * FQS_DRIVER_MANAGED: bk_sys and bk to BK; be, rd and oam to BE; av, rv
 * and vi to VI; vo and ctl to VO), each category as its user priority
 * (IEEE 802.11-2020 Table 10-1: 1 BK, 0 BE, 5 VI, 6 VO). */
static const uint8_t mux_class_up[MUX_NCLASSES] = {
	6, 6, 5, 5, 5, 0, 0, 0, 1, 1,
};

/* Tokens per byte: 8 bits of SIM_S units (1e-12 bit) each. */
#define MUX_TOK_PER_BYTE (8 * SIM_S)

static const char *const mux_class_names[MUX_NCLASSES] = {
	"ctl", "vo", "vi", "rv", "av", "oam", "rd", "be", "bk", "bk_sys",
};

/* Quantum of each class, in tenths of the be quantum. */
static const unsigned mux_quantum_x10[MUX_NCLASSES] = {
	4, 4, 20, 20, 20, 10, 10, 10, 10, 10,
};

struct mux_codel {
	sim_time first_above_ps; /* 0: not above target */
	sim_time drop_next_ps;
	uint32_t count, lastcount;
	bool dropping;
};

struct mux_cls;

struct mux_flow {
	struct pkt_fifo q;
	struct mux_codel cd;
	int64_t deficit;
	struct mux_flow *next_active;
	bool active;
	struct mux_cls *cls;
};

/* A lane (reserved_share) or a service class (fq_codel). */
struct mux_cls {
	struct mux_flow *flows; /* into mux.flows */
	uint32_t nflows;
	uint32_t waiting;
	int64_t quantum;
	struct fq_list {
		struct mux_flow *head, *tail;
	} fresh, old; /* fq_codel's new and old flows */
	uint64_t *enqueued, *sent, *drops_limit, *drops_aqm, *marks_aqm;
	struct stat_hist *delay;
};

struct mux {
	struct sim *sim;
	struct stats *st;
	const char *name;
	uint32_t trace_id;
	struct mux_cfg cfg;
	uint32_t napps;
	bool *ll;    /* [napps] */
	uint8_t *sc; /* [napps] enum mux_class */
	/* token bucket, in units of 1e-12 bit */
	int64_t ll_rate; /* bit/s, units per ps */
	int64_t tokens, tok_cap;
	sim_time tok_ps;
	sim_event_id wake_ev;
	sim_time wake_ps;
	struct mux_cls cls[MUX_NCLASSES];
	unsigned ncls;
	struct mux_flow *flows;
	uint32_t waiting, maxpacket;
	bool kicking; /* in mux_kick(): a completion only counts */
	/* the device's queue: its byte limit, and the capacity it shows */
	struct dql dq;
	double capacity_bps;
	uint64_t busy_bytes;
	sim_time busy_ps, last_done_ps;
	bool dev_held; /* packets wait for the device's limit (not tokens) */
	bool was_held; /* ... at the last completion */
	uint64_t batch_bytes; /* completed at this instant, not yet counted */
	bool batch_ev;	      /* their processing is scheduled */
	uint64_t *drops_expired, *completions;
	struct stat_gauge *limit_gauge, *capacity_gauge;
	void (*hook)(void *arg, struct sim_pkt *p, int origin);
	void *hook_arg;
	struct sim_port out, drop;
};

const char *mux_class_name(enum mux_class c)
{
	if ((unsigned)c >= MUX_NCLASSES)
		return NULL;
	return mux_class_names[c];
}

int mux_class_of(const char *name)
{
	for (int c = 0; c < MUX_NCLASSES; c++)
		if (name && !strcmp(name, mux_class_names[c]))
			return c;
	return -1;
}

static uint32_t mux_frame(const struct mux *m, const struct sim_pkt *p)
{
	return (uint32_t)units_wire_bytes(p->len_bytes,
					  m->cfg.line.min_frame_bytes,
					  m->cfg.line.framing_bytes);
}

/* ---- queues ---- */

/* A flow's FIFO, counted in its lane or class and in the multiplexer. */
static void flow_push(struct mux *m, struct mux_flow *f, struct sim_pkt *p)
{
	pkt_fifo_push(&f->q, p);
	f->cls->waiting++;
	m->waiting++;
}

static struct sim_pkt *flow_pop(struct mux *m, struct mux_flow *f)
{
	struct sim_pkt *p = pkt_fifo_pop(&f->q);

	if (!p)
		return NULL;
	f->cls->waiting--;
	m->waiting--;
	return p;
}

static void mux_drop(struct mux *m, struct sim_pkt *p, uint64_t *why)
{
	(*why)++;
	sim_trace(m->sim, m->trace_id, SIM_TR_DROP, p->len_bytes);
	sim_port_send(&m->drop, p);
}

/* fq_codel over its limit: the head of the flow holding the most bytes
 * is dropped (as Linux fq_codel does), so that a flow that fills the
 * queues pays for it, not the arrivals of other classes. */
static void fq_drop_fattest(struct mux *m)
{
	struct mux_flow *fat = NULL;
	size_t n = (size_t)m->ncls * m->cls[0].nflows;

	for (size_t i = 0; i < n; i++)
		if (m->flows[i].q.n &&
		    (!fat || m->flows[i].q.bytes > fat->q.bytes))
			fat = &m->flows[i];
	if (fat)
		mux_drop(m, flow_pop(m, fat), fat->cls->drops_limit);
}

/* ---- CoDel (RFC 8289) ---- */

static sim_time codel_law(const struct mux *m, sim_time t, uint32_t count)
{
	return t + (sim_time)llround((double)m->cfg.interval_ps / sqrt(count));
}

/* Pops the head; *ok: it may be dropped (above target for an interval). */
static struct sim_pkt *codel_pop(struct mux *m, struct mux_flow *f,
				 sim_time now, bool *ok)
{
	struct sim_pkt *p = flow_pop(m, f);
	struct mux_codel *cd = &f->cd;

	*ok = false;
	if (!p) {
		cd->first_above_ps = 0;
		return NULL;
	}
	p->queued_ps += now - p->enq_ps;
	if (now - p->enq_ps < m->cfg.target_ps || f->q.bytes <= m->maxpacket) {
		cd->first_above_ps = 0;
	} else if (!cd->first_above_ps) {
		cd->first_above_ps = now + m->cfg.interval_ps;
	} else if (now >= cd->first_above_ps) {
		*ok = true;
	}
	return p;
}

/* With ecn on, an ECT (or CE) packet CoDel would drop is marked CE and
 * sent instead (RFC 8289 5.4 and RFC 8290 5.1: codel_dequeue of Linux's
 * include/net/codel_impl.h); returns false for a Not-ECT packet, which
 * is dropped as before. */
static bool codel_mark(struct mux *m, struct mux_flow *f, struct sim_pkt *p)
{
	if (!m->cfg.ecn || p->ecn == PKT_NOT_ECT)
		return false;
	p->ecn = PKT_CE;
	(*f->cls->marks_aqm)++;
	return true;
}

static struct sim_pkt *codel_dequeue(struct mux *m, struct mux_flow *f)
{
	struct mux_codel *cd = &f->cd;
	sim_time now = sim_now(m->sim);
	struct sim_pkt *p;
	uint32_t delta;
	bool ok;

	p = codel_pop(m, f, now, &ok);
	if (!p) {
		cd->dropping = false;
		return NULL;
	}
	if (cd->dropping) {
		if (!ok)
			cd->dropping = false;
		while (cd->dropping && now >= cd->drop_next_ps) {
			if (codel_mark(m, f, p)) { /* it goes; so does CoDel */
				cd->count++;
				cd->drop_next_ps = codel_law(
					m, cd->drop_next_ps, cd->count);
				break;
			}
			mux_drop(m, p, f->cls->drops_aqm);
			cd->count++;
			p = codel_pop(m, f, now, &ok);
			if (!ok)
				cd->dropping = false;
			else
				cd->drop_next_ps = codel_law(
					m, cd->drop_next_ps, cd->count);
		}
	} else if (ok) {
		if (!codel_mark(m, f, p)) {
			mux_drop(m, p, f->cls->drops_aqm);
			p = codel_pop(m, f, now, &ok);
		}
		cd->dropping = true;
		delta = cd->count - cd->lastcount;
		cd->count = 1;
		if (delta > 1 &&
		    now - cd->drop_next_ps < 16 * m->cfg.interval_ps)
			cd->count = delta;
		cd->drop_next_ps = codel_law(m, now, cd->count);
		cd->lastcount = cd->count;
	}
	return p;
}

/* A plain pop (the ll lane): only the waiting time is accounted. */
static struct sim_pkt *plain_dequeue(struct mux *m, struct mux_flow *f)
{
	struct sim_pkt *p = flow_pop(m, f);

	if (p)
		p->queued_ps += sim_now(m->sim) - p->enq_ps;
	return p;
}

/* A packet chosen for service past its deadline: the hook, then dropped
 * (returns true) under PKT_EXP_DROP. */
static bool mux_expired(struct mux *m, struct sim_pkt *p)
{
	if (!p->deadline_ps || p->expiry == PKT_EXP_NONE ||
	    sim_now(m->sim) <= p->deadline_ps)
		return false;
	p->deadline_ps = 0; /* reported once, wherever it is late next */
	if (m->hook)
		m->hook(m->hook_arg, p, PKT_ORIG_MUX);
	if (p->expiry != PKT_EXP_DROP)
		return false;
	mux_drop(m, p, m->drops_expired);
	return true;
}

/* ---- reserved_share ---- */

/* ceil(a / b) for a >= 0, b > 0, without overflow. */
static int64_t div_up(int64_t a, int64_t b)
{
	return a / b + (a % b != 0);
}

static void tok_refill(struct mux *m)
{
	sim_time now = sim_now(m->sim), dt = now - m->tok_ps;
	int64_t room = m->tok_cap - m->tokens;

	m->tok_ps = now;
	if (room <= 0 || dt <= 0)
		return;
	if (dt >= div_up(room, m->ll_rate))
		m->tokens = m->tok_cap;
	else
		m->tokens += dt * m->ll_rate;
}

/* In the device (placement device), the airtime of a channel access
 * (device_access) at the capacity the device shows, in tokens; 0 on the
 * host. */
static int64_t tok_access(const struct mux *m)
{
	double access = (double)m->cfg.access_ps * m->capacity_bps;

	if (!m->cfg.on_device)
		return 0;
	return access < 1e18 ? (int64_t)llround(access) : (int64_t)1e18;
}

/* What a low-latency packet costs the bucket: its frame bytes and, in
 * the device, a channel access of its own, so that the share is of
 * airtime. */
static int64_t tok_cost(const struct mux *m, const struct sim_pkt *p)
{
	return (int64_t)mux_frame(m, p) * MUX_TOK_PER_BYTE + tok_access(m);
}

/* The bucket's depth: ll_burst and, in the device, two channel
 * accesses, so that it holds the pair of frames ll_burst is sized for
 * with the accesses they cost (a bucket shallower than one frame's cost
 * would make a second frame wait however long the lane was idle).
 * Tokens above a depth that shrank are dropped. */
static void tok_set_depth(struct mux *m)
{
	int64_t cap = (int64_t)m->cfg.ll_burst_bytes * MUX_TOK_PER_BYTE;
	int64_t room = (int64_t)8e18 - cap, access2 = 2 * tok_access(m);

	/* saturated at 8e18 tokens (8e6 bits), far from overflow */
	m->tok_cap = cap + (access2 < room ? access2 : (room > 0 ? room : 0));
	if (m->tokens > m->tok_cap)
		m->tokens = m->tok_cap;
}

/* Tokens the ll head needs before it may go: its cost, or a full bucket
 * for a frame larger than the bucket. */
static int64_t tok_need(const struct mux *m, const struct sim_pkt *p)
{
	int64_t need = tok_cost(m, p);

	return need < m->tok_cap ? need : m->tok_cap;
}

static struct sim_pkt *rs_pick(struct mux *m, struct mux_cls **lane,
			       sim_time *wake)
{
	struct mux_flow *ll = &m->flows[0], *be = &m->flows[1];
	struct sim_pkt *p;
	bool spend;

	for (;;) {
		tok_refill(m);
		spend = false;
		*lane = ll->cls;
		if (ll->q.head && m->tokens >= tok_need(m, ll->q.head)) {
			p = plain_dequeue(m, ll);
			spend = true;
		} else if (be->q.head) {
			p = codel_dequeue(m, be);
			*lane = be->cls;
			if (!p)
				continue;
		} else if (ll->q.head && m->cfg.borrow) {
			p = plain_dequeue(m, ll);
		} else {
			if (ll->q.head) {
				int64_t d = tok_need(m, ll->q.head) - m->tokens;

				*wake = sim_now(m->sim) + div_up(d, m->ll_rate);
			}
			return NULL;
		}
		if (mux_expired(m, p))
			continue;
		if (spend)
			m->tokens -= tok_cost(m, p);
		else if (*lane == ll->cls && m->tokens > 0)
			m->tokens = 0; /* borrowed: takes what is there */
		return p;
	}
}

/* ---- fq_codel ---- */

/* Appends f to list l. */
static void fq_append(struct fq_list *l, struct mux_flow *f)
{
	f->active = true;
	f->next_active = NULL;
	if (l->tail)
		l->tail->next_active = f;
	else
		l->head = f;
	l->tail = f;
}

static struct mux_flow *fq_unlink_head(struct fq_list *l)
{
	struct mux_flow *f = l->head;

	l->head = f->next_active;
	if (!l->head)
		l->tail = NULL;
	f->next_active = NULL;
	return f;
}

static struct sim_pkt *fq_pick(struct mux *m, struct mux_cls **cls)
{
	for (unsigned i = 0; i < m->ncls; i++) {
		struct mux_cls *c = &m->cls[i];

		while (c->fresh.head || c->old.head) {
			struct fq_list *l = c->fresh.head ? &c->fresh : &c->old;
			struct mux_flow *f = l->head;
			struct sim_pkt *p;

			if (f->deficit <= 0) {
				f->deficit += c->quantum;
				fq_append(&c->old, fq_unlink_head(l));
				continue;
			}
			p = codel_dequeue(m, f);
			if (!p) {
				if (l == &c->fresh && c->old.head)
					fq_append(&c->old, fq_unlink_head(l));
				else
					fq_unlink_head(l)->active = false;
				continue;
			}
			if (mux_expired(m, p))
				continue;
			f->deficit -= p->len_bytes;
			*cls = c;
			return p;
		}
	}
	return NULL;
}

/* ---- the server: releases driven by the device ---- */

static void mux_wake(struct sim *sim, void *a, void *b);

/* Keeps one wake-up at time at (0: none), replacing another. */
static void mux_set_wake(struct mux *m, sim_time at)
{
	if (m->wake_ev && m->wake_ps == at)
		return;
	if (m->wake_ev)
		sim_cancel(m->sim, m->wake_ev);
	m->wake_ev = 0;
	m->wake_ps = at;
	if (at)
		m->wake_ev = sim_schedule_at(m->sim, at, mux_wake, m, NULL);
}

/* Hands p to the driver, counted in the device's queue until the device
 * completes it (mux_completed()). */
static void mux_release(struct mux *m, struct mux_cls *c, struct sim_pkt *p)
{
	uint32_t frame = mux_frame(m, p);

	(*c->sent)++;
	stats_hist_record(c->delay, sim_now(m->sim) - p->enq_ps);
	sim_trace(m->sim, m->trace_id, SIM_TR_DELIVER, p->len_bytes);
	dql_queued(&m->dq, frame);
	p->dq_bytes = frame;
	if (m->cfg.on_device && c == m->flows[1].cls)
		p->dev_prio = mux_class_up[p->src < m->napps ? m->sc[p->src]
							     : MUX_SC_BE];
	sim_port_send(&m->out, p);
}

/* Placement device: the low-latency packets the bucket pays for go to the
 * device's own queue for them (user priority 6: Wi-Fi's voice access
 * category), outside the limit of its default queue. */
static void mux_release_device_ll(struct mux *m)
{
	struct mux_flow *ll = &m->flows[0];

	tok_refill(m);
	while (ll->q.head && m->tokens >= tok_need(m, ll->q.head)) {
		struct sim_pkt *p = plain_dequeue(m, ll);

		if (mux_expired(m, p))
			continue;
		m->tokens -= tok_cost(m, p);
		(*ll->cls->sent)++;
		stats_hist_record(ll->cls->delay, sim_now(m->sim) - p->enq_ps);
		sim_trace(m->sim, m->trace_id, SIM_TR_DELIVER, p->len_bytes);
		p->dev_prio = MUX_LL_PRIO;
		sim_port_send(&m->out, p);
	}
}

/* Releases packets while the device's queue is below its limit and the
 * discipline has one that may go. A completion during a release (a drop
 * on the way) only counts: this loop goes on. */
static void mux_kick(struct mux *m)
{
	if (m->kicking)
		return;
	m->kicking = true;
	if (m->cfg.on_device)
		mux_release_device_ll(m);
	m->dev_held = false;
	while (!(m->dev_held = !dql_open(&m->dq))) {
		struct mux_cls *c = NULL;
		struct sim_pkt *p;
		sim_time wake = 0;

		if (m->cfg.disc == MUX_RESERVED_SHARE)
			p = rs_pick(m, &c, &wake);
		else
			p = fq_pick(m, &c);
		mux_set_wake(m, wake);
		if (!p)
			break;
		mux_release(m, c, p);
	}
	m->dev_held = m->dev_held && m->waiting > 0;
	m->kicking = false;
}

static void mux_wake(struct sim *sim, void *a, void *b)
{
	struct mux *m = a;

	(void)sim;
	(void)b;
	m->wake_ev = 0;
	m->wake_ps = 0;
	mux_kick(m);
}

/* The low-latency lane's rate: share x the capacity the device shows. */
static void mux_set_ll_rate(struct mux *m)
{
	double r = m->cfg.share * m->capacity_bps;

	if (m->cfg.disc != MUX_RESERVED_SHARE)
		return;
	tok_refill(m); /* tokens up to now at the old rate and depth */
	m->ll_rate = r < 1 ? 1 : (r > 1e15 ? (int64_t)1e15 : llround(r));
	tok_set_depth(m);
}

/* The capacity the device shows: bytes it completed over the time between
 * completions when packets were held back here by the device's limit
 * (so the device, not the offered load or the tokens, set the pace),
 * measured over capacity_window of such time. */
static void mux_measure(struct mux *m, uint64_t bytes, sim_time now)
{
	if (m->was_held && now > m->last_done_ps) {
		m->busy_bytes += bytes;
		m->busy_ps += now - m->last_done_ps;
	}
	m->last_done_ps = now;
	if (m->busy_ps < m->cfg.capacity_window_ps || !m->busy_ps)
		return;
	m->capacity_bps =
		(double)m->busy_bytes * 8 * SIM_S / (double)m->busy_ps;
	stats_gauge_set(m->capacity_gauge, m->capacity_bps);
	m->busy_bytes = 0;
	m->busy_ps = 0;
	mux_set_ll_rate(m);
}

/* The completions of one instant, together (as a driver's TX completion
 * handler takes every frame the device reports done, then wakes the
 * queue): the limit judges the batch, then packets are released. */
static void mux_batch(struct sim *sim, void *a, void *b)
{
	struct mux *m = a;
	uint64_t bytes = m->batch_bytes;
	sim_time now = sim_now(sim);

	(void)b;
	m->batch_ev = false;
	m->batch_bytes = 0;
	mux_measure(m, bytes, now);
	dql_completed(&m->dq, bytes, now);
	stats_gauge_set(m->limit_gauge, (double)m->dq.limit);
	mux_kick(m);
	m->was_held = m->dev_held;
}

void mux_completed(struct mux *m, struct sim_pkt *p)
{
	if (!p->dq_bytes)
		return;
	m->batch_bytes += p->dq_bytes;
	p->dq_bytes = 0;
	(*m->completions)++;
	if (m->batch_ev)
		return;
	m->batch_ev = true;
	if (!sim_schedule(m->sim, 0, mux_batch, m, NULL))
		m->batch_ev = false; /* no memory: counted at the next one */
}

static struct mux_flow *mux_classify(struct mux *m, const struct sim_pkt *p)
{
	uint32_t src = p->src < m->napps ? p->src : m->napps;
	enum mux_class sc = src < m->napps ? m->sc[src] : MUX_SC_BE;

	if (m->cfg.disc == MUX_RESERVED_SHARE)
		return &m->flows[mux_is_low_latency(m, p->src) ? 0 : 1];
	return &m->cls[sc].flows[src];
}

static void mux_recv(void *owner, struct sim_pkt *p)
{
	struct mux *m = owner;
	struct mux_flow *f;
	struct mux_cls *c;

	if (m->cfg.disc == MUX_NONE) {
		sim_port_send(&m->out, p);
		return;
	}
	f = mux_classify(m, p);
	c = f->cls;
	if (m->cfg.disc == MUX_RESERVED_SHARE &&
	    c->waiting >= m->cfg.limit_pkts) {
		mux_drop(m, p, c->drops_limit);
		return;
	}
	if (m->cfg.disc == MUX_FQ_CODEL && m->waiting >= m->cfg.limit_pkts)
		fq_drop_fattest(m);
	if (p->len_bytes > m->maxpacket)
		m->maxpacket = p->len_bytes;
	p->enq_ps = sim_now(m->sim);
	flow_push(m, f, p);
	(*c->enqueued)++;
	sim_trace(m->sim, m->trace_id, SIM_TR_ENQUEUE, p->len_bytes);
	if (m->cfg.disc == MUX_FQ_CODEL && !f->active) {
		f->deficit = c->quantum;
		fq_append(&c->fresh, f);
	}
	mux_kick(m);
}

/* ---- set-up ---- */

static int mux_cls_stats(struct mux *m, struct mux_cls *c, const char *cname)
{
	char metric[64];

#define M(key) (snprintf(metric, sizeof(metric), "%s." key, cname), metric)
	c->enqueued = stats_counter(m->st, m->name, M("enqueued"), "packets");
	c->sent = stats_counter(m->st, m->name, M("sent"), "packets");
	c->drops_limit =
		stats_counter(m->st, m->name, M("drops.limit"), "packets");
	c->drops_aqm = stats_counter(m->st, m->name, M("drops.aqm"), "packets");
	c->marks_aqm = stats_counter(m->st, m->name, M("ecn_marks"), "packets");
	c->delay = stats_hist(m->st, m->name, M("delay"), "ps");
#undef M
	if (!c->enqueued || !c->sent || !c->drops_limit || !c->drops_aqm ||
	    !c->marks_aqm || !c->delay)
		return -ENOMEM;
	return 0;
}

/* Lanes or classes, their flows and statistics. */
static int mux_queues(struct mux *m)
{
	static const char *const lanes[] = { "ll", "be" };
	uint64_t quantum = m->cfg.quantum_bytes;
	uint32_t per = m->cfg.disc == MUX_RESERVED_SHARE ? 1 : m->napps + 1;

	m->ncls = m->cfg.disc == MUX_RESERVED_SHARE ? 2 : MUX_NCLASSES;
	m->flows = calloc((size_t)m->ncls * per, sizeof(*m->flows));
	if (!m->flows)
		return -ENOMEM;
	for (unsigned i = 0; i < m->ncls; i++) {
		struct mux_cls *c = &m->cls[i];
		double q = (double)quantum * mux_quantum_x10[i] / 10;

		c->flows = &m->flows[(size_t)i * per];
		c->nflows = per;
		c->quantum = q < 1 ? 1 : (int64_t)llround(q);
		for (uint32_t k = 0; k < per; k++)
			c->flows[k].cls = c;
		if (mux_cls_stats(m, c,
				  m->ncls == 2 ? lanes[i] : mux_class_names[i]))
			return -ENOMEM;
	}
	return 0;
}

/* The token bucket (reserved_share), the queues and the counters. */
static int mux_setup(struct mux *m)
{
	const struct mux_cfg *c = &m->cfg;

	m->capacity_bps = c->line.rate_bps;
	mux_set_ll_rate(m);
	m->tokens = m->tok_cap; /* the bucket starts full */
	dql_init(&m->dq, c->limit_min_bytes, c->limit_max_bytes, c->hold_ps);
	m->drops_expired =
		stats_counter(m->st, m->name, "drops.expired", "packets");
	if (!m->drops_expired)
		return -ENOMEM;
	if (c->disc == MUX_NONE)
		return 0;
	m->completions =
		stats_counter(m->st, m->name, "completions", "packets");
	m->limit_gauge = stats_gauge(m->st, m->name, "device_limit", "bytes");
	m->capacity_gauge = stats_gauge(m->st, m->name, "capacity", "bit/s");
	if (!m->completions || !m->limit_gauge || !m->capacity_gauge)
		return -ENOMEM;
	stats_gauge_set(m->limit_gauge, (double)m->dq.limit);
	stats_gauge_set(m->capacity_gauge, m->capacity_bps);
	return mux_queues(m);
}

int mux_create(const struct mux_cfg *cfg, const struct model_env *env,
	       uint32_t napps, struct mux **out, char *err, size_t errlen)
{
	struct mux *m = calloc(1, sizeof(*m));
	uint32_t n = napps ? napps : 1;

	if (!m)
		goto out_nomem;
	m->sim = env->sim;
	m->st = env->st;
	m->name = env->component;
	m->trace_id = sim_trace_id(env->component);
	m->cfg = *cfg;
	m->napps = napps;
	m->ll = calloc(n, sizeof(*m->ll));
	m->sc = malloc(n * sizeof(*m->sc));
	if (!m->ll || !m->sc)
		goto out_free;
	memset(m->sc, MUX_SC_BE, n * sizeof(*m->sc));
	if (mux_setup(m))
		goto out_free;
	*out = m;
	return 0;
out_free:
	mux_destroy(m);
out_nomem:
	errmsg(err, errlen, "%s: out of memory", env->component);
	return -ENOMEM;
}

void mux_destroy(struct mux *m)
{
	if (!m)
		return;
	free(m->flows);
	free(m->ll);
	free(m->sc);
	free(m);
}

enum mux_discipline mux_discipline(const struct mux *m)
{
	return m->cfg.disc;
}

struct sim_port mux_input(struct mux *m)
{
	return (struct sim_port){ .recv = mux_recv, .owner = m };
}

void mux_connect(struct mux *m, struct sim_port to_driver, struct sim_port drop)
{
	m->out = to_driver;
	m->drop = drop;
}

void mux_set_app(struct mux *m, uint32_t src, bool low_latency,
		 enum mux_class sc)
{
	if (src >= m->napps)
		return;
	m->ll[src] = low_latency;
	m->sc[src] = (unsigned)sc < MUX_NCLASSES ? (uint8_t)sc : MUX_SC_BE;
}

bool mux_is_low_latency(const struct mux *m, uint32_t src)
{
	return src < m->napps && m->ll[src];
}

sim_time mux_cost(const struct mux *m, uint32_t src)
{
	switch (m->cfg.disc) {
	case MUX_RESERVED_SHARE:
		return mux_is_low_latency(m, src) ? 0 : m->cfg.qdisc_cost_ps;
	case MUX_FQ_CODEL:
		return m->cfg.qdisc_cost_ps;
	default:
		return 0;
	}
}

double mux_ll_rate(const struct mux *m)
{
	return m->cfg.disc == MUX_RESERVED_SHARE ? (double)m->ll_rate : 0;
}

void mux_on_expired(struct mux *m,
		    void (*fn)(void *arg, struct sim_pkt *p, int origin),
		    void *arg)
{
	m->hook = fn;
	m->hook_arg = arg;
}

uint32_t mux_backlog(const struct mux *m)
{
	return m->waiting;
}

uint64_t mux_device_bytes(const struct mux *m)
{
	return dql_inflight(&m->dq);
}

uint64_t mux_held_by(const struct mux *m, uint32_t src)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < m->ncls; i++) {
		const struct mux_cls *c = &m->cls[i];

		for (uint32_t k = 0; k < c->nflows; k++)
			n += pkt_fifo_count_src(&c->flows[k].q, src);
	}
	return n;
}

void mux_finish(struct mux *m)
{
	stats_scalar(m->st, m->name, "in_flight", "packets",
		     (double)mux_backlog(m));
	if (m->cfg.disc == MUX_NONE)
		return;
	stats_scalar(m->st, m->name, "device_limit_grows", "",
		     (double)m->dq.grows);
	stats_scalar(m->st, m->name, "device_limit_shrinks", "",
		     (double)m->dq.shrinks);
}

static void mux_ops_destroy(void *m)
{
	mux_destroy(m);
}

static void mux_ops_finish(void *m)
{
	mux_finish(m);
}

static void mux_ops_held_add(const void *m, uint64_t *held, size_t napps)
{
	const struct mux *x = m;

	for (unsigned i = 0; i < x->ncls; i++)
		for (uint32_t k = 0; k < x->cls[i].nflows; k++)
			pkt_fifo_held_add(&x->cls[i].flows[k].q, held, napps);
}

const struct model_ops mux_ops = {
	.name = "mux",
	.destroy = mux_ops_destroy,
	.finish = mux_ops_finish,
	.held_add = mux_ops_held_add,
};
