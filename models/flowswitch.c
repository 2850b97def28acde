/*
 * flowswitch.c - a host's kernel flow switch (see flowswitch.h).
 *
 * The TX path runs inside the sync of the user-space stack that calls it,
 * so it has no queue and no event of its own: the stack charges the flow
 * switch's per-packet work to its sync job (fsw_tx_charge) and, when the
 * job is done, has each packet copied into a device packet (fsw_tx_copy,
 * which takes its device buffers then, not when the job is built) and
 * calls fsw_tx() for it. The check looks the
 * packet up by its own 5-tuple, as the kernel parses it: a forged source
 * address, source port or protocol finds no flow; the right 5-tuple with
 * another token (a replay of a flow the app does not own) fails the token
 * check. The RX path has a FIFO queue per kernel core (a struct
 * pkt_fifo) and one job per batch; the packets of the batch in service
 * are held apart, in a FIFO of their own, until the job ends, so that what
 * the switch holds can be walked at the end of the run. The configuration
 * comes from fsw_cfg_load() (flowswitch_params.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "errmsg.h"
#include "flowswitch.h"
#include "mux.h"
#include "pool.h"
#include "rng.h"
#include "stats.h"
#include "tcp.h"

static const char *const fsw_forge_names[PKT_NFORGERIES] = { "none", "saddr",
							     "sport", "proto",
							     "replay" };

/* A kernel core's RX queue and the batch it is serving: two lines (the
 * array is line-aligned), the first what a packet from the driver
 * reads, with copies of the switch's sim and trace id, the second what
 * its batch reads, with the flow the queue's last packet found: the next
 * packet with the same key hash tries it first (flowtab_lookup_hint()),
 * which reads that flow's line and not the table's. */
struct fsw_rxq {
	_Alignas(64) struct fsw *f;
	struct cpu_core *core;
	uint32_t core_index;	 /* cpu_core_index(core), read per packet */
	uint32_t trace_id;	 /* the switch's */
	struct sim *sim;	 /* the switch's */
	struct pkt_fifo wait;	 /* waiting */
	struct pkt_fifo batch;	 /* in service; empty: idle */
	const struct flow *hint; /* NULL: none (reset by fsw_register()) */
	uint64_t hint_hash;	 /* its key's flowtab_hash() */
};

#define FSW_NO_CHECK ((sim_time)-1) /* check_ps without the spoofing check */

/* Laid out for runs whose hosts outgrow the caches, where each distinct
 * 64-byte line an event touches is a miss: the fields sit by the events
 * that read them (the struct lives in a stats_block(), line-aligned, since
 * results are read after the flow switch is destroyed; its counters are
 * registered with stats_counter_at()):
 *
 *   line 0  TX, the end of a sync: the check and the hand-off
 *   line 1  TX, a sync being built: its per-packet charge, the advisory
 *   line 2  RX: a packet from the driver, a batch, their delivery
 *   line 3  the end of a TX sync, besides line 0
 *
 * so that building a sync touches line 1, its end lines 0 and 3, and RX
 * line 2 (with its queue's, struct fsw_rxq). What both directions read
 * (the flow table, the CPU, the classify cost) is kept once in line 2 and
 * once where TX reads it: copies set at creation and never changed.
 * chan_adv_admissible() reads the advisory table's two counts, its last
 * 16 bytes, in line 1. */
struct fsw {
	/* line 0: TX, the end of a sync */
	_Alignas(64) struct sim *sim;
	struct pool *dev;
	uint64_t tx_packets;
	struct sim_port out;
	uint32_t (*backlog)(const void *arg);
	const void *backlog_arg;
	uint32_t trace_id;
	uint32_t adv_high; /* suspend at adv_high */
	/* line 1: TX, a sync being built */
	_Alignas(64) struct cpu *cpu;
	sim_time classify_ps; /* cfg.classify_ps */
	sim_time check_ps;    /* cfg.check_ps, or FSW_NO_CHECK */
	struct mux *mux;
	struct chan_advisory adv;
	/* line 2: RX, a packet from the driver, a batch, its delivery */
	_Alignas(64) struct fsw_rxq *rxq;
	struct flowtab *rx_flows; /* flows */
	struct cpu *rx_cpu;	  /* cpu */
	sim_time rx_classify_ps;  /* cfg.classify_ps */
	struct fsw_endpoint *host;
	uint64_t rx_batches, rx_packets;
	unsigned nq;
	uint32_t rx_batch_pkts; /* cfg.rx_batch_pkts */
	/* line 3: the end of a TX sync */
	_Alignas(64) struct flowtab *flows;
	/* flows' array of flows and their number: a channel's packets are
	 * checked against their own flow first (flowtab_check_tx_hint());
	 * set by fsw_register(), the only change to flows that moves it */
	const struct flow *flow_arr;
	uint32_t nflows;
	uint64_t rx_host, tx_host, gro_merged;
	uint32_t adv_low; /* resume at adv_low */
	bool spoof_check; /* cfg.spoof_check */

	struct stats *st;
	const char *name;
	struct rng *tokens;
	struct sim_port drop;
	struct fsw_cfg cfg;

	uint64_t no_flow, bad_token, torn_down, ring_full, no_memory, no_socket;
	uint64_t forged_sent[PKT_NFORGERIES], forged_dropped[PKT_NFORGERIES];
	uint64_t forged_passed, forged_wrong, benign_dropped;
	uint64_t suspends, resumes;
};
_Static_assert(offsetof(struct fsw, adv_high) < 64 &&
		       offsetof(struct fsw, adv) +
				       sizeof(struct chan_advisory) <=
			       2 * 64 &&
		       offsetof(struct fsw, rx_batch_pkts) < 3 * 64 &&
		       offsetof(struct fsw_rxq, wait) +
				       sizeof(struct pkt_fifo) <=
			       64 &&
		       offsetof(struct fsw, spoof_check) < 4 * 64 &&
		       offsetof(struct fsw, nflows) < 4 * 64 &&
		       sizeof(struct fsw_rxq) == 2 * 64,
	       "each group of fields fits its line");

/* Registers the counter held at at; false if out of memory. */
static bool fsw_counter(struct fsw *f, const char *metric, const char *unit,
			uint64_t *at)
{
	return stats_counter_at(f->st, f->name, metric, unit, at) != NULL;
}

static int fsw_stats(struct fsw *f)
{
	char m[64];

	if (!fsw_counter(f, "tx.packets", "packets", &f->tx_packets) ||
	    !fsw_counter(f, "tx.host", "packets", &f->tx_host) ||
	    !fsw_counter(f, "rx.packets", "packets", &f->rx_packets) ||
	    !fsw_counter(f, "rx.host", "packets", &f->rx_host) ||
	    !fsw_counter(f, "rx.batches", "", &f->rx_batches) ||
	    !fsw_counter(f, "rx.gro_merged", "packets", &f->gro_merged) ||
	    !fsw_counter(f, "drops.no_flow", "packets", &f->no_flow) ||
	    !fsw_counter(f, "drops.bad_token", "packets", &f->bad_token) ||
	    !fsw_counter(f, "drops.torn_down", "packets", &f->torn_down) ||
	    !fsw_counter(f, "drops.ring_full", "packets", &f->ring_full) ||
	    !fsw_counter(f, "drops.no_memory", "packets", &f->no_memory) ||
	    !fsw_counter(f, "drops.no_socket", "packets", &f->no_socket) ||
	    !fsw_counter(f, "forged.passed", "packets", &f->forged_passed) ||
	    !fsw_counter(f, "forged.wrong_reason", "packets",
			 &f->forged_wrong) ||
	    !fsw_counter(f, "benign.dropped", "packets", &f->benign_dropped) ||
	    !fsw_counter(f, "advisory.suspends", "", &f->suspends) ||
	    !fsw_counter(f, "advisory.resumes", "", &f->resumes))
		return -ENOMEM;
	for (int k = 1; k < PKT_NFORGERIES; k++) {
		snprintf(m, sizeof(m), "forged.%s.sent", fsw_forge_names[k]);
		if (!fsw_counter(f, m, "packets", &f->forged_sent[k]))
			return -ENOMEM;
		snprintf(m, sizeof(m), "forged.%s.dropped", fsw_forge_names[k]);
		if (!fsw_counter(f, m, "packets", &f->forged_dropped[k]))
			return -ENOMEM;
	}
	return 0;
}

int fsw_create(const struct fsw_cfg *cfg, const struct model_env *env,
	       struct cpu *cpu, struct cpu_core *const *kcores, unsigned nk,
	       struct fsw **out, char *err, size_t errlen)
{
	/* the statistics' (stats_block): never freed here */
	struct fsw *f = stats_block(env->st, sizeof(*f));
	char path[160];

	if (!f)
		goto out_nomem;
	f->sim = env->sim;
	f->st = env->st;
	f->name = env->component;
	f->trace_id = sim_trace_id(env->component);
	f->cpu = f->rx_cpu = cpu;
	f->cfg = *cfg;
	f->classify_ps = f->rx_classify_ps = cfg->classify_ps;
	f->check_ps = cfg->spoof_check ? cfg->check_ps : FSW_NO_CHECK;
	f->spoof_check = cfg->spoof_check;
	f->rx_batch_pkts = cfg->rx_batch_pkts;
	if (chan_adv_init(&f->adv, cfg->advisory_entries))
		goto out_free;
	snprintf(path, sizeof(path), "%s.tokens", env->component);
	f->tokens = rng_create(cfg->seed, env->rep, path);
	f->flows = f->rx_flows = flowtab_create();
	f->nq = nk;
	f->rxq = aligned_alloc(_Alignof(struct fsw_rxq),
			       (nk ? nk : 1) * sizeof(*f->rxq));
	if (f->rxq)
		memset(f->rxq, 0, (nk ? nk : 1) * sizeof(*f->rxq));
	if (!f->tokens || !f->flows || !f->rxq || fsw_stats(f))
		goto out_free;
	for (unsigned i = 0; i < nk; i++) {
		f->rxq[i].f = f;
		f->rxq[i].core = kcores[i];
		f->rxq[i].core_index = cpu_core_index(kcores[i]);
		f->rxq[i].trace_id = f->trace_id;
		f->rxq[i].sim = f->sim;
	}
	*out = f;
	return 0;
out_free:
	fsw_destroy(f);
out_nomem:
	errmsg(err, errlen, "%s: out of memory", env->component);
	return -ENOMEM;
}

void fsw_destroy(struct fsw *f)
{
	if (!f)
		return;
	flowtab_destroy(f->flows);
	chan_adv_fini(&f->adv);
	rng_destroy(f->tokens);
	free(f->rxq);
	/* f is the statistics' (stats_block) */
}

void fsw_connect(struct fsw *f, struct sim_port to_driver, struct sim_port drop)
{
	f->out = to_driver;
	f->drop = drop;
}

void fsw_set_host(struct fsw *f, struct fsw_endpoint *host)
{
	f->host = host;
}

int fsw_reserve(struct fsw *f, uint8_t proto, uint16_t port, uint32_t owner)
{
	return flowtab_reserve(f->flows, proto, port, owner);
}

int fsw_register(struct fsw *f, const struct flow_key *k, uint32_t owner,
		 struct fsw_endpoint *ep, uint64_t *token)
{
	int id;

	*token = rng_u64(f->tokens, UINT64_MAX) + 1; /* 0 is nobody's */
	id = flowtab_register(f->flows, k, owner, *token, ep);
	f->flow_arr = flowtab_flow(f->flows, 0);
	f->nflows = flowtab_count(f->flows);
	for (unsigned i = 0; i < f->nq; i++) /* the array may have moved */
		f->rxq[i].hint = NULL;
	return id;
}

int fsw_teardown(struct fsw *f, uint32_t id)
{
	return flowtab_teardown(f->flows, id);
}

static void fsw_drop(struct fsw *f, struct sim_pkt *p, uint64_t *why)
{
	(*why)++;
	sim_trace(f->sim, f->trace_id, SIM_TR_DROP, p->len_bytes);
	sim_port_send(&f->drop, p);
}

void fsw_set_pool(struct fsw *f, struct pool *dev)
{
	f->dev = dev;
}

void fsw_set_mux(struct fsw *f, struct mux *mux)
{
	f->mux = mux;
}

void fsw_tx_charge(const struct fsw *f, struct cpu_job *j, struct sim_pkt *p,
		   bool host)
{
	cpu_job_copy(j, f->cpu, p->len_bytes);
	if (p->tcp_offload & TCP_TSO_CONT)
		return; /* part of the TSO send before it: its bytes only */
	cpu_job_add(j, CPU_A_FSW, f->classify_ps);
	if (f->check_ps != FSW_NO_CHECK && !host)
		cpu_job_add(j, CPU_A_FSW, f->check_ps);
	if (f->mux && mux_discipline(f->mux) != MUX_NONE)
		cpu_job_add(j, CPU_A_MUX, mux_cost(f->mux, p->src));
}

void fsw_tx_copy(const struct fsw *f, struct sim_pkt *p, uint32_t cpu,
		 sim_time *cost_ps)
{
	if (f->dev)
		pool_attach_dev(f->dev, p, cpu,
				cost_ps); /* else fsw_tx drops */
}

void fsw_set_backlog(struct fsw *f, uint32_t (*backlog)(const void *arg),
		     const void *arg, uint32_t slots)
{
	double high = f->cfg.advisory_frac * slots;

	f->backlog = backlog;
	f->backlog_arg = arg;
	f->adv_high = high < 1 ? 0 : (uint32_t)high;
	f->adv_low = f->adv_high / 2;
}

/* Tells flow fl's endpoint that its advisory changed. */
static void fsw_advise(struct fsw *f, const struct flow *fl, bool suspended)
{
	struct fsw_endpoint *ep = fl->endpoint;

	(*(suspended ? &f->suspends : &f->resumes))++;
	if (ep && ep->advisory)
		ep->advisory(ep, fl->id, suspended);
}

/* After p of flow fl went to the driver: suspend fl if the driver's queue
 * has reached the mark. */
static void fsw_check_backlog(struct fsw *f, const struct flow *fl)
{
	if (!f->backlog || !f->adv_high ||
	    f->backlog(f->backlog_arg) < f->adv_high)
		return;
	if (chan_adv_suspend(&f->adv, fl->id) == 1)
		fsw_advise(f, fl, true);
}

bool fsw_admissible(struct fsw *f, uint32_t id)
{
	const struct flow *fl;

	if (chan_adv_admissible(&f->adv, id))
		return true;
	if (f->backlog(f->backlog_arg) > f->adv_low)
		return false;
	fl = flowtab_flow(f->flows, id);
	if (chan_adv_resume(&f->adv, id) == 1 && fl)
		fsw_advise(f, fl, false);
	return true;
}

bool fsw_host_admissible(struct fsw *f, bool *suspended)
{
	uint32_t b;

	if (!f->backlog || !f->adv_high)
		return true;
	b = f->backlog(f->backlog_arg);
	if (*suspended && b > f->adv_low)
		return false;
	if (*suspended) {
		*suspended = false;
		f->resumes++;
		return true;
	}
	if (b < f->adv_high)
		return true;
	*suspended = true;
	f->suspends++;
	return false;
}

static void fsw_send(struct fsw *f, struct sim_pkt *p)
{
	sim_trace(f->sim, f->trace_id, SIM_TR_DELIVER, p->len_bytes);
	sim_port_send(&f->out, p);
}

/* The ground truth of a dropped packet against the reason it got. */
static void fsw_score_drop(struct fsw *f, const struct sim_pkt *p,
			   enum flow_verdict v)
{
	enum flow_verdict want;

	if (!p->forged) {
		if (v == FLOW_NO_FLOW || v == FLOW_BAD_TOKEN)
			f->benign_dropped++;
		return;
	}
	want = p->forged == PKT_FORGE_REPLAY ? FLOW_BAD_TOKEN : FLOW_NO_FLOW;
	if (v == want)
		f->forged_dropped[p->forged]++;
	else
		f->forged_wrong++;
}

void fsw_tx(struct fsw *f, uint32_t flow, struct sim_pkt *p)
{
	struct flow_key k = { .laddr = p->saddr,
			      .raddr = p->daddr,
			      .lport = p->sport,
			      .rport = p->dport,
			      .proto = p->proto };
	/* the channel's flow: flowtab_flow(f->flows, flow) */
	const struct flow *fl = flow < f->nflows ? &f->flow_arr[flow] : NULL;
	enum flow_verdict v;

	if (f->spoof_check) {
		v = flowtab_check_tx_hint(f->flows, fl, &k, p->token, &fl);
	} else { /* trust the channel: its own flow, whatever the headers */
		v = fl && fl->state == FLOW_ST_TORN_DOWN ? FLOW_TORN_DOWN
							 : FLOW_OK;
	}
	f->tx_packets++;
	if (p->forged && p->forged < PKT_NFORGERIES)
		f->forged_sent[p->forged]++;
	if (f->dev && !p->dpool) { /* no device buffer for the copy */
		fsw_drop(f, p, &f->no_memory);
		return;
	}
	if (v == FLOW_OK) {
		if (p->forged)
			f->forged_passed++;
		fsw_send(f, p);
		fsw_check_backlog(f, fl);
		return;
	}
	fsw_score_drop(f, p, v);
	fsw_drop(f, p,
		 v == FLOW_NO_FLOW     ? &f->no_flow
		 : v == FLOW_TORN_DOWN ? &f->torn_down
				       : &f->bad_token);
}

void fsw_tx_host(struct fsw *f, struct sim_pkt *p)
{
	f->tx_host++;
	if (f->dev && !p->dpool) {
		fsw_drop(f, p, &f->no_memory);
		return;
	}
	fsw_send(f, p);
}

/* The endpoint of a received packet on queue q: its flow's, or the
 * host's. Sets *torn if its flow was torn down. */
static struct fsw_endpoint *fsw_demux(const struct fsw *f, struct fsw_rxq *q,
				      const struct sim_pkt *p, bool *torn)
{
	struct flow_key k = { .laddr = p->daddr,
			      .raddr = p->saddr,
			      .lport = p->dport,
			      .rport = p->sport,
			      .proto = p->proto };
	uint64_t h = flowtab_hash(&k);
	const struct flow *fl = flowtab_lookup_hint(
		f->rx_flows, h == q->hint_hash ? q->hint : NULL, &k, h);

	if (fl && fl->state == FLOW_ST_ACTIVE) {
		q->hint = fl;
		q->hint_hash = h;
	}
	*torn = fl && fl->state == FLOW_ST_TORN_DOWN;
	return fl ? fl->endpoint : f->host;
}

static void fsw_rx_done(struct sim *sim, void *a, void *b);

/* The buffer of the endpoint's pool that p is copied into. */
static void fsw_rx_buffer(struct fsw_rxq *q, struct fsw_endpoint *ep,
			  struct sim_pkt *p, struct cpu_job *j)
{
	sim_time mem = 0;

	if (!pool_attach_user(ep->pool, p, q->core_index, &mem))
		cpu_job_add(j, CPU_A_MEM, mem);
}

/* GRO: whether TCP segment p continues, in order, segment prev of the
 * same flow (both carry data). */
static bool fsw_gro_follows(const struct sim_pkt *prev, const struct sim_pkt *p)
{
	return prev && p->tcp_len && prev->tcp_len && p->saddr == prev->saddr &&
	       p->daddr == prev->daddr && p->sport == prev->sport &&
	       p->dport == prev->dport && p->proto == prev->proto &&
	       p->tcp_seq == prev->tcp_seq + prev->tcp_len;
}

/* Starts a batch on q's core if it is idle and packets wait. With GRO
 * (the endpoint's gro), a segment that continues the one before it in
 * the batch is merged with it: it pays its copy, not the classify nor the
 * endpoint's extra work. */
static void fsw_rx_kick(struct fsw_rxq *q)
{
	struct fsw *f = q->f;
	struct cpu_job j = { 0 };
	const struct sim_pkt *prev = NULL;
	bool torn;

	if (q->batch.n || !q->wait.n)
		return;
	while (q->wait.n && q->batch.n < f->rx_batch_pkts) {
		struct sim_pkt *p = pkt_fifo_pop(&q->wait);
		struct fsw_endpoint *ep = fsw_demux(f, q, p, &torn);
		bool merged =
			ep && !torn && ep->gro && fsw_gro_follows(prev, p);

		prev = p;
		cpu_job_copy(&j, f->rx_cpu, p->len_bytes);
		if (merged) {
			p->tcp_offload |= TCP_GRO_MERGED;
			f->gro_merged++;
		} else {
			cpu_job_add(&j, CPU_A_FSW, f->rx_classify_ps);
			if (ep && !torn && ep->rx_extra_ps)
				cpu_job_add(&j, CPU_A_PROTO, ep->rx_extra_ps);
		}
		if (ep && !torn && ep->pool)
			fsw_rx_buffer(q, ep, p, &j);
		pkt_fifo_push(&q->batch, p);
	}
	f->rx_batches++;
	if (cpu_submit(q->core, &j, fsw_rx_done, q, NULL))
		sim_stop(q->sim); /* out of memory: end the run, it shows */
}

static void fsw_rx_deliver(struct sim *sim, struct fsw_rxq *q,
			   struct sim_pkt *p)
{
	struct fsw *f = q->f;
	bool torn;
	struct fsw_endpoint *ep = fsw_demux(f, q, p, &torn);
	int rc;

	f->rx_packets++;
	pool_release_dev(p, q->core_index); /* copied out */
	if (torn) {
		fsw_drop(f, p, &f->torn_down);
		return;
	}
	if (ep && ep->pool && !p->upool) { /* the channel had no buffer */
		fsw_drop(f, p, &f->no_memory);
		return;
	}
	if (!ep) {
		fsw_drop(f, p, &f->no_socket);
		return;
	}
	if (ep == f->host)
		f->rx_host++;
	p->stamp_ps[PKT_ST_FSW_RX] = sim_now(sim);
	rc = ep->rx(ep, q->core, p);
	if (rc)
		fsw_drop(f, p,
			 rc == -ENOSPC	 ? &f->ring_full
			 : rc == -ENOMEM ? &f->no_memory
					 : &f->no_socket);
}

static void fsw_rx_done(struct sim *sim, void *a, void *b)
{
	struct fsw_rxq *q = a;
	struct pkt_fifo done = q->batch;
	struct sim_pkt *p;

	(void)b;
	q->batch = (struct pkt_fifo){ 0 };
	while ((p = pkt_fifo_pop(&done)))
		fsw_rx_deliver(sim, q, p);
	fsw_rx_kick(q);
}

static void fsw_rx(void *owner, struct sim_pkt *p)
{
	struct fsw *f = owner;
	struct fsw_rxq *q = &f->rxq[p->src % f->nq];

	pkt_fifo_push(&q->wait, p);
	sim_trace(q->sim, q->trace_id, SIM_TR_ENQUEUE, p->len_bytes);
	fsw_rx_kick(q);
}

struct sim_port fsw_rx_input(struct fsw *f)
{
	return (struct sim_port){ .recv = fsw_rx, .owner = f };
}

uint64_t fsw_held_by(const struct fsw *f, uint32_t src)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < f->nq; i++)
		n += pkt_fifo_count_src(&f->rxq[i].wait, src) +
		     pkt_fifo_count_src(&f->rxq[i].batch, src);
	return n;
}

static void fsw_ops_destroy(void *m)
{
	fsw_destroy(m);
}

static void fsw_ops_held_add(const void *m, uint64_t *held, size_t napps)
{
	const struct fsw *f = m;

	for (unsigned i = 0; i < f->nq; i++) {
		pkt_fifo_held_add(&f->rxq[i].wait, held, napps);
		pkt_fifo_held_add(&f->rxq[i].batch, held, napps);
	}
}

const struct model_ops fsw_ops = {
	.name = "flowswitch",
	.destroy = fsw_ops_destroy,
	.held_add = fsw_ops_held_add,
};
