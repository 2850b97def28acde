/*
 * ns3net.c - the network between hosts as ns-3 devices (network.kind
 * ns3-p2p, ns3-csma or ns3-wifi), with the ports of the native link.
 *
 * Two ns-3 nodes: the sending side (the Wi-Fi station) and the receiving
 * side (the access point), and a device on each. A packet given to the
 * input port is handed to the sending device (one given to the reverse
 * input, to the receiving device, which sends it the other way) as a
 * frame whose 64-bit id names a slot of this model's table; the device
 * reports the frame back by id when it starts its first transmission,
 * when it arrives at the other device (the packet leaves through the
 * output port) or when it is dropped (the drop port). An id is
 * (generation << 32 | slot), so a report about a frame already settled
 * (ns-3.37's Wi-Fi reports some drops more than once) is recognised,
 * counted as stale_reports and ignored, never applied to a reused slot.
 * The table is what is in flight: in_flight and the per-app counts walk
 * it, which keeps conservation (sent = received + dropped + in flight) a
 * real check.
 *
 * Frame sizes: a packet's len_bytes is its frame length on the wire. For
 * the wired kinds the payload given to ns-3 is max(len, network.min_frame)
 * + network.overhead minus the bytes the device adds (PPP header: 2;
 * Ethernet header and FCS: 18, and for CSMA the 12 B inter-frame gap it
 * leaves after each frame), so a frame occupies the wire for (max(len,
 * min_frame) + overhead) * 8 / rate as on the native link
 * (units_wire_bytes()). ns-3's CsmaNetDevice pads its payload to 46 B, a
 * 64 B frame (CsmaNetDevice::AddHeader, DIX encapsulation), and waits 96
 * bit times after each frame (CsmaNetDevice::Attach) but sends no
 * preamble: with overhead >= 12 and min_frame + overhead >= 76, which
 * ns3net_cfg_load() requires, its padding never applies and the gap is
 * the overhead's, so a CSMA device and a native port carry short frames
 * at the same rate. One difference remains: the native port serializes
 * the overhead before delivering the frame, ns-3 waits the gap after
 * delivering it, so over CSMA each frame arrives 12 B of time (96 ns at
 * 1 Gb/s) sooner, with the same spacing. Wi-Fi frames carry len
 * bytes as their MSDU; 802.11 framing, preambles and acknowledgements are
 * ns-3's.
 *
 * Queue delay is measured from a packet's arrival at the device to the
 * start of its first transmission on the medium (ns-3's PhyTxBegin /
 * PhyTxPsduBegin traces): waiting behind other frames in the device's
 * queue and, on shared media (CSMA, Wi-Fi), for channel access (deferral,
 * backoff). On a point-to-point link that is exactly the native link's
 * measure. Wi-Fi retransmissions are not queueing; they are in the
 * latency. queue_len counts packets waiting for their first transmission.
 *
 * Randomness: ns-3's own models (Wi-Fi and CSMA backoff, Minstrel's
 * sampling) draw from ns-3's streams, seeded from (seed, repetition,
 * component) like usnsim's streams; nothing of usnsim draws from them.
 *
 * The network is created from a struct ns3net_cfg (ns3net_params.c reads
 * and checks it) and a model_env. The topology keeps it with ns3net_ops:
 * it is finished while the ns-3 session is open, and destroyed before the
 * engine closes the session (topo_destroy() runs before sim_destroy()).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "ns3c.h"
#include "ns3net.h"
#include "rng.h"
#include "stats.h"
#include "units.h"

#define NS3NET_NO_SLOT UINT32_MAX

struct ns3net_slot {
	struct sim_pkt *pkt; /* NULL when free */
	uint32_t gen;	     /* changes each time the slot is freed */
	uint32_t next;	     /* free list */
	bool started;	     /* first transmission began */
};

struct ns3net {
	struct sim *sim;
	struct stats *st;
	const char *name;
	uint32_t trace_id;
	bool wifi;
	/* wired: payload = max(len, min_frame) + overhead - framing, the
	 * device's own framing and gap (Wi-Fi: len) */
	uint64_t min_frame_bytes, overhead_bytes, framing_bytes;
	struct ns3c_dev *tx, *rx;

	struct ns3net_slot *slot;
	uint32_t nslots, free_head;
	uint64_t held, waiting;

	struct sim_port out, drop;

	uint64_t *arrived, *sent, *delivered;
	uint64_t *drops_full, *drops_retries, *drops_lifetime;
	uint64_t *stale;
	struct stat_hist *queue_delay;
	struct stat_gauge *queue_len, *tx_rate;
	double rate_bps; /* the configured rate, or Wi-Fi's last data rate */
	void (*on_rate)(void *arg);
	void *on_rate_arg;
	void (*on_done)(void *arg, struct sim_pkt *p);
	void *on_done_arg;
};

int ns3net_handles(const char *kind)
{
	return !strcmp(kind, "ns3-p2p") || !strcmp(kind, "ns3-csma") ||
	       !strcmp(kind, "ns3-wifi");
}

static int slot_grow(struct ns3net *n)
{
	uint32_t cap = n->nslots ? n->nslots * 2 : 1024;
	struct ns3net_slot *s;

	if (cap <= n->nslots)
		return -ENOMEM;
	s = realloc(n->slot, (size_t)cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (uint32_t i = cap; i-- > n->nslots;) {
		s[i] = (struct ns3net_slot){ .gen = 1, .next = n->free_head };
		n->free_head = i;
	}
	n->slot = s;
	n->nslots = cap;
	return 0;
}

/* The slot of a frame id still in flight, or NULL. */
static struct ns3net_slot *slot_of(struct ns3net *n, uint64_t id)
{
	uint32_t i = (uint32_t)id;

	if (i >= n->nslots || !n->slot[i].pkt ||
	    n->slot[i].gen != (uint32_t)(id >> 32)) {
		(*n->stale)++;
		return NULL;
	}
	return &n->slot[i];
}

/* Frees the slot and returns its packet. */
static struct sim_pkt *slot_settle(struct ns3net *n, struct ns3net_slot *s)
{
	struct sim_pkt *p = s->pkt;

	if (!s->started) {
		n->waiting--;
		stats_gauge_set(n->queue_len, (double)n->waiting);
	}
	s->pkt = NULL;
	s->gen = s->gen == UINT32_MAX ? 1 : s->gen + 1;
	s->next = n->free_head;
	n->free_head = (uint32_t)(s - n->slot);
	n->held--;
	return p;
}

static void ns3net_drop(struct ns3net *n, struct sim_pkt *p, uint64_t *why)
{
	(*why)++;
	sim_trace(n->sim, n->trace_id, SIM_TR_DROP, p->len_bytes);
	sim_port_send(&n->drop, p);
}

static void on_tx_start(void *ctx, uint64_t id)
{
	struct ns3net *n = ctx;
	struct ns3net_slot *s = slot_of(n, id);
	struct sim_pkt *p;
	sim_time wait;

	if (!s || s->started)
		return;
	p = s->pkt;
	s->started = true;
	n->waiting--;
	stats_gauge_set(n->queue_len, (double)n->waiting);
	wait = sim_now(n->sim) - p->enq_ps;
	p->queued_ps += wait;
	stats_hist_record(n->queue_delay, wait);
	(*n->sent)++;
	sim_trace(n->sim, n->trace_id, SIM_TR_START, p->len_bytes);
	if (n->wifi && n->on_done)
		n->on_done(n->on_done_arg, p); /* taken into a transmission */
}

static void on_tx_done(void *ctx, uint64_t id)
{
	struct ns3net *n = ctx;
	struct ns3net_slot *s = slot_of(n, id);

	if (s && n->on_done)
		n->on_done(n->on_done_arg, s->pkt);
}

static void on_rx(void *ctx, uint64_t id, uint32_t len_bytes)
{
	struct ns3net *n = ctx;
	struct ns3net_slot *s = slot_of(n, id);
	struct sim_pkt *p;

	(void)len_bytes;
	if (!s)
		return;
	p = slot_settle(n, s);
	if (n->on_done)
		n->on_done(n->on_done_arg, p);
	(*n->delivered)++;
	sim_trace(n->sim, n->trace_id, SIM_TR_DELIVER, p->len_bytes);
	sim_port_send(&n->out, p);
}

static void on_drop(void *ctx, uint64_t id, enum ns3c_drop why)
{
	struct ns3net *n = ctx;
	struct ns3net_slot *s = slot_of(n, id);

	if (!s)
		return;
	ns3net_drop(n, slot_settle(n, s),
		    why == NS3C_DROP_QUEUE_FULL ? n->drops_full
		    : why == NS3C_DROP_LIFETIME ? n->drops_lifetime
						: n->drops_retries);
}

static void on_rate(void *ctx, double rate_bps)
{
	struct ns3net *n = ctx;

	if (n->tx_rate)
		stats_gauge_set(n->tx_rate, rate_bps);
	n->rate_bps = rate_bps;
	if (n->on_rate)
		n->on_rate(n->on_rate_arg);
}

double ns3net_rate(const struct ns3net *n)
{
	return n->rate_bps;
}

uint64_t ns3net_backlog(const struct ns3net *n)
{
	return n->waiting;
}

void ns3net_on_done(struct ns3net *n, void (*fn)(void *arg, struct sim_pkt *p),
		    void *arg)
{
	n->on_done = fn;
	n->on_done_arg = arg;
}

void ns3net_on_rate(struct ns3net *n, void (*fn)(void *arg), void *arg)
{
	n->on_rate = fn;
	n->on_rate_arg = arg;
}

/* Hands p to the sending device (reverse: to the receiving one, which
 * sends it back the other way). */
static void ns3net_send(struct ns3net *n, struct sim_pkt *p, bool reverse)
{
	int64_t payload =
		(int64_t)units_wire_bytes(p->len_bytes, n->min_frame_bytes,
					  n->overhead_bytes) -
		(int64_t)n->framing_bytes;
	struct ns3net_slot *s;
	uint32_t i;
	uint64_t id;

	(*n->arrived)++;
	p->enq_ps = sim_now(n->sim);
	if (n->free_head == NS3NET_NO_SLOT && slot_grow(n)) {
		ns3net_drop(n, p, n->drops_full); /* no memory to hold it */
		return;
	}
	i = n->free_head;
	s = &n->slot[i];
	n->free_head = s->next;
	s->pkt = p;
	s->started = false;
	id = (uint64_t)s->gen << 32 | i;
	n->held++;
	n->waiting++;
	sim_trace(n->sim, n->trace_id, SIM_TR_ENQUEUE, p->len_bytes);
	if (payload < 0)
		payload = 0;
	/* The device may report the frame (start, even drop) before this
	 * returns; after it returns, p may be gone and the table moved. */
	if (ns3c_dev_send_prio(reverse ? n->rx : n->tx, reverse ? n->tx : n->rx,
			       id, (uint32_t)payload, p->dev_prio))
		ns3net_drop(n, slot_settle(n, &n->slot[i]), n->drops_full);
	else
		stats_gauge_set(n->queue_len, (double)n->waiting);
}

static void ns3net_recv(void *owner, struct sim_pkt *p)
{
	ns3net_send(owner, p, false);
}

static void ns3net_recv_reverse(void *owner, struct sim_pkt *p)
{
	ns3net_send(owner, p, true);
}

static int ns3net_stats(struct ns3net *n)
{
	const char *c = n->name;

	n->arrived = stats_counter(n->st, c, "arrived", "packets");
	n->sent = stats_counter(n->st, c, "sent", "packets");
	n->delivered = stats_counter(n->st, c, "delivered", "packets");
	n->drops_full = stats_counter(n->st, c, "drops.queue_full", "packets");
	n->drops_retries =
		stats_counter(n->st, c, "drops.retry_limit", "packets");
	n->drops_lifetime =
		stats_counter(n->st, c, "drops.lifetime", "packets");
	n->stale = stats_counter(n->st, c, "stale_reports", "");
	n->queue_delay = stats_hist(n->st, c, "queue_delay", "ps");
	n->queue_len = stats_gauge(n->st, c, "queue_len", "packets");
	if (!n->arrived || !n->sent || !n->delivered || !n->drops_full ||
	    !n->drops_retries || !n->drops_lifetime || !n->stale ||
	    !n->queue_delay || !n->queue_len)
		return -ENOMEM;
	if (stats_series_gauge(n->st, c, "queue_len", n->queue_len))
		return -ENOMEM;
	if (!n->wifi)
		return 0;
	n->tx_rate = stats_gauge(n->st, c, "tx_rate", "bps");
	if (!n->tx_rate || stats_series_gauge(n->st, c, "tx_rate", n->tx_rate))
		return -ENOMEM;
	return 0;
}

static int ns3net_wired(struct ns3net *n, const struct ns3net_cfg *c)
{
	struct ns3c_node *a = ns3c_node_create(0, 0, 0);
	struct ns3c_node *b = ns3c_node_create(0, 0, 0);
	struct ns3c_node *both[2] = { a, b };
	struct ns3c_dev *devs[2];
	struct ns3c_wire_cfg cfg;
	int rc;

	if (!a || !b)
		return -ENOMEM;
	cfg.rate_bps = c->rate_bps;
	n->rate_bps = cfg.rate_bps;
	cfg.delay_ps = c->delay_ps;
	cfg.queue_packets = c->queue_pkts;
	if (c->kind == NS3NET_CSMA)
		rc = ns3c_csma_create(both, 2, &cfg, devs);
	else
		rc = ns3c_p2p_create(a, b, &cfg, &devs[0], &devs[1]);
	if (rc)
		return rc;
	n->tx = devs[0];
	n->rx = devs[1];
	n->min_frame_bytes = c->min_frame_bytes;
	n->overhead_bytes = c->overhead_bytes;
	n->framing_bytes = ns3c_dev_framing(n->tx) + ns3c_dev_gap(n->tx);
	return 0;
}

static int ns3net_wifi(struct ns3net *n, const struct ns3net_cfg *c, char *err,
		       size_t errlen)
{
	struct ns3c_wifi_cfg cfg;
	struct ns3c_node *ap, *sta;
	int rc;

	cfg.standard = c->wifi_ac ? NS3C_WIFI_AC : NS3C_WIFI_AX;
	cfg.channel_width_mhz = c->channel_width_mhz;
	cfg.rate_control = c->rate_control == NS3NET_RC_IDEAL ? NS3C_RC_IDEAL
			   : c->rate_control == NS3NET_RC_CONSTANT
				   ? NS3C_RC_CONSTANT
				   : NS3C_RC_MINSTREL;
	cfg.mcs = c->mcs;
	cfg.queue_packets = c->queue_pkts;
	cfg.max_ampdu_bytes = c->max_ampdu_bytes;
	cfg.vo_bound_ps = (uint64_t)c->vo_bound_ps;
	cfg.vo_hold_ps = (uint64_t)c->vo_hold_ps;
	ap = ns3c_node_create(0, 0, 0);
	sta = ns3c_node_create(c->distance_m, 0, 0);
	if (!ap || !sta)
		return -ENOMEM;
	rc = ns3c_wifi_create(ap, &sta, 1, &cfg, &n->rx, &n->tx);
	if (rc == -ETIMEDOUT) {
		errmsg(err, errlen,
		       "%s: a station %g m away cannot associate with the access point at %u MHz (no association within 1 s); bring it closer or use a narrower channel",
		       c->distance_at, c->distance_m, cfg.channel_width_mhz);
		return -EINVAL;
	}
	n->wifi = true;
	return rc;
}

int ns3net_create(const struct ns3net_cfg *cfg, const struct model_env *env,
		  struct ns3net **out, char *err, size_t errlen)
{
	struct ns3net *n;
	struct ns3c_dev_cb cb;
	int rc;

	if (strcmp(env->sim->ops->name, "ns3") || !ns3c_is_open()) {
		errmsg(err, errlen,
		       "%s: this network runs on the ns3 engine only",
		       cfg->kind_at);
		return -EINVAL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		errmsg(err, errlen, "%s: out of memory", env->component);
		return -ENOMEM;
	}
	n->sim = env->sim;
	n->st = env->st;
	n->name = env->component;
	n->trace_id = sim_trace_id(env->component);
	n->free_head = NS3NET_NO_SLOT;
	ns3c_seed(rng_derive_seed(env->seed, env->rep, env->component));
	if (cfg->kind == NS3NET_WIFI)
		rc = ns3net_wifi(n, cfg, err, errlen);
	else
		rc = ns3net_wired(n, cfg);
	if (!rc)
		rc = ns3net_stats(n);
	if (rc) {
		free(n);
		if (rc != -EINVAL)
			errmsg(err, errlen, "%s: cannot set up the ns-3 %s",
			       cfg->kind_at, cfg->kind_name);
		return rc == -EINVAL ? rc : -ENOMEM;
	}
	/* Either device may send (the reverse input) and receive; the data
	 * rate followed is the sending side's. */
	cb = (struct ns3c_dev_cb){ .tx_start = on_tx_start,
				   .rx = on_rx,
				   .drop = on_drop,
				   .rate = on_rate,
				   .tx_done = on_tx_done,
				   .ctx = n };
	ns3c_dev_set_cb(n->tx, &cb);
	cb.rate = NULL;
	ns3c_dev_set_cb(n->rx, &cb);
	*out = n;
	return 0;
}

void ns3net_destroy(struct ns3net *n)
{
	if (!n)
		return;
	/* the devices belong to the engine's ns-3 session; silence them */
	if (ns3c_is_open()) {
		ns3c_dev_set_cb(n->tx, NULL);
		ns3c_dev_set_cb(n->rx, NULL);
	}
	free(n->slot);
	free(n);
}

struct sim_port ns3net_input(struct ns3net *n)
{
	return (struct sim_port){ .recv = ns3net_recv, .owner = n };
}

struct sim_port ns3net_input_reverse(struct ns3net *n)
{
	return (struct sim_port){ .recv = ns3net_recv_reverse, .owner = n };
}

void ns3net_connect(struct ns3net *n, struct sim_port out, struct sim_port drop)
{
	n->out = out;
	n->drop = drop;
}

uint64_t ns3net_in_flight(const struct ns3net *n)
{
	uint64_t k = 0;

	for (uint32_t i = 0; i < n->nslots; i++)
		k += n->slot[i].pkt != NULL;
	return k;
}

uint64_t ns3net_held_by(const struct ns3net *n, uint32_t src)
{
	uint64_t k = 0;

	for (uint32_t i = 0; i < n->nslots; i++)
		k += n->slot[i].pkt && n->slot[i].pkt->src == src;
	return k;
}

void ns3net_finish(struct ns3net *n)
{
	struct ns3c_dev_state ds;
	const char *c = n->name;

	ns3c_dev_query(n->tx, &ds);
	stats_scalar(n->st, c, "in_flight", "packets",
		     (double)ns3net_in_flight(n));
	stats_scalar(n->st, c, "device_queue", "packets",
		     (double)ds.queue_packets);
	stats_scalar(n->st, c, "tx_frames", "packets", (double)ds.tx_frames);
	stats_scalar(n->st, c, "rate", "bps", ds.rate_bps);
	if (!n->wifi)
		return;
	stats_scalar(n->st, c, "retries", "packets", (double)ds.retries);
	stats_scalar(n->st, c, "final_failures", "packets",
		     (double)ds.final_failures);
	stats_scalar(n->st, c, "rate_changes", "", (double)ds.rate_changes);
	stats_scalar(n->st, c, "snr", "dB", ds.snr_db);
	stats_scalar(n->st, c, "vo_bounds", "", (double)ds.vo_bounds);
	stats_scalar(n->st, c, "vo_bound_time", "ps", (double)ds.vo_bound_ps);
	stats_scalar(n->st, c, "vo_psdu_max", "B", (double)ds.vo_psdu_max);
	stats_scalar(n->st, c, "vo_psdu_bound", "B", (double)ds.vo_psdu_bound);
	stats_scalar(n->st, c, "retry_ratio", "",
		     ds.tx_frames ? (double)ds.retries / (double)ds.tx_frames
				  : 0);
}

bool ns3net_quality(const struct ns3net *n, struct ns3net_quality *out)
{
	struct ns3c_dev_state ds;

	if (!n->wifi)
		return false;
	ns3c_dev_query(n->tx, &ds);
	out->snr_db = ds.snr_db;
	out->tx_frames = ds.tx_frames;
	out->retries = ds.retries;
	return true;
}

static void ns3net_ops_destroy(void *m)
{
	ns3net_destroy(m);
}

static void ns3net_ops_finish(void *m)
{
	ns3net_finish(m);
}

static void ns3net_ops_held_add(const void *m, uint64_t *held, size_t napps)
{
	const struct ns3net *n = m;

	for (uint32_t i = 0; i < n->nslots; i++)
		pkt_held_add(n->slot[i].pkt, held, napps);
}

const struct model_ops ns3net_ops = {
	.name = "ns3net",
	.destroy = ns3net_ops_destroy,
	.finish = ns3net_ops_finish,
	.held_add = ns3net_ops_held_add,
};
