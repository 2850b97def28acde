/*
 * tcp.c - a TCP endpoint (tcp.h; docs/models/tcp.md cites the RFCs).
 *
 * Sequence numbers count bytes of the stream from 0; the SYN is a flag,
 * not a byte. The sender keeps its segments in flight, in the order of
 * the stream, in a ring of records: where each starts, its length, when
 * it was last sent and whether it was ever sent again (Karn's
 * algorithm). A retransmission resends a record's cut; after a timeout
 * the records are dropped and the stream is cut again from snd_una.
 * The receiver keeps the segments it holds beyond rcv_nxt in a ring
 * indexed by seq / mss (start and length; one per slot).
 *
 * ECN and DCTCP live in the endpoint alone: the codepoint a data segment
 * leaves with, the receiver's echo, the sender's reaction; the queues of
 * the path (models/link.c, models/mux.c) do the marking.
 *
 * With SACK (RFC 2018) the receiver also keeps the blocks it reported
 * last, most recent first, and the sender marks the records the blocks
 * cover: its scoreboard for RFC 6675's loss recovery.
 *
 * Timers (retransmission, delayed ACK) are lazy: one engine event each,
 * which on firing before its deadline moves to the deadline, so that
 * restarting a timer on every ACK costs no cancellation.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "errmsg.h"
#include "pool.h"
#include "stats.h"
#include "tcp.h"

/* RFC 9438 4.1: C and beta_cubic. */
#define CUBIC_C 0.4
#define CUBIC_BETA 0.7

enum tcp_state { TCP_CLOSED, TCP_SYN_SENT, TCP_SYN_RCVD, TCP_ESTABLISHED };

/* A one-shot timer: off when deadline is SIM_TIME_MAX. */
struct tcp_timer {
	sim_time deadline_ps;
	sim_time event_ps; /* when its event runs, if pending */
	sim_event_id ev;   /* 0: no event pending */
	void (*fire)(struct tcp *t);
};

struct tcp_seg {
	uint64_t seq;
	uint32_t len;
	uint32_t buf;	  /* its send buffer's chain (POOL_NONE: none) */
	uint8_t again;	  /* it was sent more than once */
	uint8_t sacked;	  /* a SACK block of the peer covered it */
	uint8_t rxt;	  /* SACK: a retransmission of it is in flight */
	sim_time sent_ps; /* its last transmission */
};

/* A SACK block, [start, end) of the stream. */
struct tcp_blk {
	uint64_t start, end;
};

/* A segment held beyond rcv_nxt (len 0: none). */
struct tcp_held {
	uint64_t seq;
	uint32_t len;
};

struct tcp {
	struct sim *sim;
	struct stats *st;
	const char *name;
	uint32_t trace_id, src;
	struct tcp_cfg cfg;
	struct pkt_pool *pkts;
	struct sim_port out;
	enum tcp_state state;
	sim_time syn_ps; /* when the SYN (SYN-ACK) was sent */
	bool syn_again;	 /* ... and it was sent again */

	/* sender */
	uint64_t app_end;     /* bytes written (TCP_ENDLESS) */
	bool closed;	      /* nothing more will be written */
	bool burst;	      /* tcp_output sent a segment of this call */
	bool write_unsent;    /* a write's first byte is not sent yet ... */
	uint64_t write_start; /* ... this one */
	uint64_t snd_una, snd_nxt, snd_max, snd_wnd;
	uint64_t cwnd, ssthresh, ca_bytes;
	int64_t recover; /* RFC 6582; -1: the ISS */
	uint32_t dupacks;
	bool in_recovery, partial_seen;
	struct tcp_rtt rtt;
	struct tcp_timer rto;
	/* CUBIC (RFC 9438), in segments; no epoch until congestion
	 * avoidance begins */
	bool epoch;
	sim_time epoch_ps;
	double w_max, w_est, cwnd_prior, cub_cwnd, cwnd_epoch;
	/* cubic_arithmetic linux or ns3 (whole segments): the curve's
	 * origin and K; ns3: segments acknowledged towards the next one,
	 * as TcpCubic's m_cWndCnt */
	double cub_origin, cub_k, cub_cnt;
	sim_time cub_rtt_min; /* least RTT sample since a timeout; 0: none */
	/* ECN (RFC 3168): negotiated; no reaction to ECE until an ACK
	 * passes ecn_recover, the highest byte sent at the last reduction
	 * (once per window); CWR on the next new data. DCTCP (RFC 8257
	 * 3.3): alpha, and the bytes acknowledged and marked in the window
	 * that ends when an ACK passes dc_end. */
	bool ecn_ok, cwr_pending;
	uint64_t ecn_recover;
	double alpha;
	uint64_t dc_end, dc_acked, dc_marked;
	struct tcp_seg *sent; /* ring of snd_mask + 1 records ... */
	uint64_t snd_mask;
	uint64_t seg_head, seg_n; /* ... the first at seg_head, seg_n of them */
	sim_time established_ps, done_ps;
	/* SACK: both ends permit it (RFC 2018 2); RFC 6675's RescueRxt
	 * (-1: none yet), and of the last scoreboard scan, the index of the
	 * highest record IsLost() holds (-1: none) and pipe */
	bool sack;
	int64_t rescue_rxt, lost_idx;
	sim_time sacked_sent_ps; /* the latest a SACKed record sent once
				    was sent */
	uint64_t pipe, sack_top; /* ... and past the highest SACKed record */

	/* receiver */
	uint64_t rcv_nxt, rcv_edge; /* the right edge never moves left */
	uint64_t ooo_bytes;
	uint64_t fin_end;      /* the peer's stream ends here (0: no FIN yet) */
	uint32_t unacked;      /* in-order segments not yet acknowledged */
	struct tcp_held *held; /* ring of rcv_mask + 1 */
	uint64_t rcv_mask;
	struct tcp_timer delack;
	void (*on_read)(void *arg, uint64_t rcv_nxt);
	void *on_read_arg;
	bool (*gate)(void *arg); /* room for a new segment */
	void *gate_arg;
	bool resend_pending; /* a retransmission waits behind the gate ... */
	uint64_t resend_seq; /* ... of the segment at this byte */
	struct tcp_blk blk[PKT_TCP_SACK_BLOCKS]; /* reported, latest first */
	uint32_t nblk;
	/* the send buffer: a chain of pool per segment in flight */
	struct pool *pool;
	uint32_t pool_cpu;
	void (*mem_charge)(void *arg, sim_time ps);
	void *mem_arg;
	/* or a socket send buffer counted in bytes (tcp_set_send_account) */
	int (*sb_take)(void *arg, uint32_t bytes);
	void (*sb_give)(void *arg, uint32_t bytes);
	void *sb_arg;
	struct tcp_timer mem_retry; /* no buffer and nothing in flight */
	uint64_t *no_buffer;
	/* ECN: DCTCP's CE state (RFC 8257 3.2), or RFC 3168's ECE that
	 * lasts until a CWR comes (6.1.3) */
	bool ce_state, ece_latched;

	uint64_t *segs_out, *acks_out, *retrans, *fast_retrans, *timeouts;
	uint64_t *dupacks_in, *bytes_acked, *bytes_read, *ooo_in, *sacked;
	uint64_t *ecn_cuts, *ce_in;
	struct stat_hist *rtt_hist;
	struct stat_gauge *cwnd_g;
};

/* ---- timers ---- */

static void tcp_timer_ev(struct sim *sim, void *a, void *b)
{
	struct tcp *t = a;
	struct tcp_timer *tm = b;

	tm->ev = 0;
	if (tm->deadline_ps == SIM_TIME_MAX)
		return;
	if (sim_now(sim) < tm->deadline_ps) {
		tm->event_ps = tm->deadline_ps;
		tm->ev = sim_schedule_at(sim, tm->deadline_ps, tcp_timer_ev, t,
					 tm);
		return;
	}
	tm->deadline_ps = SIM_TIME_MAX;
	tm->fire(t);
}

static void tcp_timer_set(struct tcp *t, struct tcp_timer *tm, sim_time at)
{
	tm->deadline_ps = at;
	if (tm->ev && tm->event_ps <= at)
		return;
	if (tm->ev)
		sim_cancel(t->sim, tm->ev);
	tm->event_ps = at;
	tm->ev = sim_schedule_at(t->sim, at, tcp_timer_ev, t, tm);
}

static void tcp_timer_stop(struct tcp_timer *tm)
{
	tm->deadline_ps = SIM_TIME_MAX;
}

/* ---- RFC 6298 ---- */

static sim_time tcp_rto_bound(const struct tcp_cfg *cfg, sim_time rto)
{
	if (rto < cfg->rto_min_ps)
		rto = cfg->rto_min_ps;
	return rto > cfg->rto_max_ps ? cfg->rto_max_ps : rto;
}

void tcp_rtt_sample(struct tcp_rtt *r, const struct tcp_cfg *cfg,
		    sim_time sample_ps)
{
	sim_time var;

	if (!r->measured) { /* 2.2 */
		r->measured = true;
		r->srtt_ps = sample_ps;
		r->rttvar_ps = sample_ps / 2;
	} else { /* 2.3: beta = 1/4, alpha = 1/8, RTTVAR first */
		sim_time d = r->srtt_ps - sample_ps;

		r->rttvar_ps = (3 * r->rttvar_ps + (d < 0 ? -d : d)) / 4;
		r->srtt_ps = (7 * r->srtt_ps + sample_ps) / 8;
	}
	var = 4 * r->rttvar_ps; /* K = 4 */
	r->rto_ps = tcp_rto_bound(
		cfg,
		r->srtt_ps + (var > cfg->clock_g_ps ? var : cfg->clock_g_ps));
}

/* 5.5: the timer backs off, up to the maximum. */
static void tcp_backoff(struct tcp *t)
{
	t->rtt.rto_ps = tcp_rto_bound(&t->cfg, 2 * t->rtt.rto_ps);
}

/* ---- sending ---- */

static uint64_t tcp_wnd_adv(struct tcp *t)
{
	uint64_t edge = t->rcv_nxt + t->cfg.rcv_buf_bytes - t->ooo_bytes;

	if (edge > t->rcv_edge) /* RFC 9293 3.8.6.2.2: no shrinking */
		t->rcv_edge = edge;
	return t->rcv_edge - t->rcv_nxt;
}

static struct tcp_seg *tcp_seg_find(struct tcp *t, uint64_t seq);

/* ---- ECN (RFC 3168 6.1) ---- */

/* The codepoint of a data segment, and CWR: ECT(0) on a negotiated
 * connection, for new data only (6.1.5) but for every segment under DCTCP
 * (Linux sets ECT on all of a DCTCP socket's packets, INET_ECN_xmit); CWR
 * on the first new data after a reduction (6.1.2). */
static uint8_t tcp_ecn_data(struct tcp *t, uint64_t seq, struct sim_pkt *p)
{
	const struct tcp_seg *s = tcp_seg_find(t, seq);
	bool fresh = !s || !s->again;

	if (!t->ecn_ok)
		return 0;
	if (fresh || t->cfg.cc == TCP_CC_DCTCP)
		p->ecn = PKT_ECT0;
	if (!fresh || !t->cwr_pending)
		return 0;
	t->cwr_pending = false;
	return TCP_CWR;
}

/* ECE on an ACK: DCTCP's CE state (RFC 8257 3.2), else set from a CE
 * until a CWR (RFC 3168 6.1.3). */
static bool tcp_ecn_echo(const struct tcp *t)
{
	if (!t->ecn_ok || t->state != TCP_ESTABLISHED)
		return false;
	return t->cfg.cc == TCP_CC_DCTCP ? t->ce_state : t->ece_latched;
}

/* The flags of a SYN (SYN-ACK): an ECN-setup SYN asks with ECE and CWR,
 * an ECN-setup SYN-ACK agrees with ECE alone (RFC 3168 6.1.1). Either
 * carries SACK-permitted if this end allows SACK and, on a SYN-ACK, the
 * peer's SYN asked for it (RFC 2018 2). */
static uint8_t tcp_syn_flags(const struct tcp *t, uint8_t flags)
{
	if ((flags & TCP_ACK) ? t->sack : t->cfg.sack)
		flags |= TCP_SACK_OK;
	if (!(flags & TCP_ACK))
		return t->cfg.ecn ? flags | TCP_ECE | TCP_CWR : flags;
	return t->ecn_ok ? flags | TCP_ECE : flags;
}

static void tcp_emit(struct tcp *t, uint8_t flags, uint64_t seq, uint32_t len)
{
	struct sim_pkt *p = pkt_alloc(t->pkts);

	if (!p)
		return; /* out of memory: as if lost; the timer recovers */
	p->src = t->src;
	p->kind = PKT_DATA;
	p->created_ps = sim_now(t->sim);
	p->len_bytes = t->cfg.hdr_bytes + len;
	if (len)
		flags |= tcp_ecn_data(t, seq, p);
	if ((flags & (TCP_SYN | TCP_ACK)) == TCP_ACK && tcp_ecn_echo(t))
		flags |= TCP_ECE;
	p->tcp_flags = flags;
	p->tcp_seq = seq;
	p->tcp_len = len;
	if (t->burst && len) /* after another of this output call */
		p->tcp_offload = TCP_TSO_CONT;
	if (flags & TCP_ACK) {
		uint64_t w = tcp_wnd_adv(t);

		p->tcp_ack = t->rcv_nxt;
		p->tcp_wnd = w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
		for (uint32_t i = 0; t->sack && i < t->nblk; i++) {
			p->tcp_sack[2 * i] =
				(uint32_t)(t->blk[i].start - t->rcv_nxt);
			p->tcp_sack[2 * i + 1] =
				(uint32_t)(t->blk[i].end - t->rcv_nxt);
			p->tcp_nsack++;
		}
		/* any segment acknowledges what has come */
		t->unacked = 0;
		tcp_timer_stop(&t->delack);
	}
	if (len)
		(*t->segs_out)++;
	else if (!(flags & TCP_SYN))
		(*t->acks_out)++;
	sim_trace(t->sim, t->trace_id, SIM_TR_SEND, p->len_bytes);
	sim_port_send(&t->out, p);
}

static struct tcp_seg *tcp_seg_at(struct tcp *t, uint64_t i)
{
	return &t->sent[(t->seg_head + i) & t->snd_mask];
}

/* The index of the first record that ends after seq (seg_n: none);
 * the records are in stream order. */
static uint64_t tcp_seg_index(struct tcp *t, uint64_t seq)
{
	uint64_t lo = 0, hi = t->seg_n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		struct tcp_seg *s = tcp_seg_at(t, mid);

		if (s->seq + s->len <= seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The record of the segment that starts at seq, or NULL: none past the
 * last record (new data). */
static struct tcp_seg *tcp_seg_find(struct tcp *t, uint64_t seq)
{
	uint64_t i;

	if (!t->seg_n || seq > tcp_seg_at(t, t->seg_n - 1)->seq)
		return NULL;
	i = tcp_seg_index(t, seq);
	if (i < t->seg_n && tcp_seg_at(t, i)->seq == seq)
		return tcp_seg_at(t, i);
	return NULL;
}

static uint32_t tcp_seg_len(const struct tcp *t, uint64_t seq)
{
	uint64_t left = t->app_end - seq;

	return left < t->cfg.mss_bytes ? (uint32_t)left : t->cfg.mss_bytes;
}

/* A send buffer for a new segment of len bytes from the pool, if there
 * is one (its allocation's time charged to the stack): false if the pool
 * has none, in which case the endpoint tries again at the next ACK or,
 * with nothing in flight, after the clock granularity. */
static bool tcp_buffer(struct tcp *t, uint32_t len, uint32_t *buf)
{
	sim_time cost = 0;

	if (t->sb_take) {
		if (!t->sb_take(t->sb_arg, len))
			return true;
	} else {
		if (!t->pool)
			return true;
		*buf = pool_alloc(t->pool, t->pool_cpu, len, &cost);
		if (t->mem_charge && cost)
			t->mem_charge(t->mem_arg, cost);
		if (*buf != POOL_NONE)
			return true;
	}
	(*t->no_buffer)++;
	if (!t->seg_n)
		tcp_timer_set(t, &t->mem_retry,
			      sim_now(t->sim) + t->cfg.clock_g_ps);
	return false;
}

/* Frees the send buffers of records [from, seg_n). */
static void tcp_free_bufs(struct tcp *t, uint64_t from)
{
	for (uint64_t i = from; t->sb_give && i < t->seg_n; i++)
		t->sb_give(t->sb_arg, tcp_seg_at(t, i)->len);
	for (uint64_t i = from; t->pool && i < t->seg_n; i++) {
		pool_free(t->pool, t->pool_cpu, tcp_seg_at(t, i)->buf);
		tcp_seg_at(t, i)->buf = POOL_NONE;
	}
}

/* Sends the segment at seq (new or again: a segment in flight keeps its
 * cut, one past the records is cut now), and starts the timer if it is
 * off (RFC 6298 5.1). Returns its length, 0 if the ring is full. */
static uint32_t tcp_send_seg(struct tcp *t, uint64_t seq)
{
	struct tcp_seg *s = tcp_seg_find(t, seq);
	uint8_t flags = TCP_ACK;
	uint32_t len;

	if (!s) {
		uint32_t buf = POOL_NONE;

		if (t->seg_n > t->snd_mask ||
		    !tcp_buffer(t, tcp_seg_len(t, seq), &buf))
			return 0;
		s = tcp_seg_at(t, t->seg_n++);
		s->seq = seq;
		s->len = tcp_seg_len(t, seq);
		s->sacked = 0;
		s->buf = buf;
	}
	len = s->len;
	if (t->closed && seq + len == t->app_end)
		flags |= TCP_FIN;
	if (s->buf != POOL_NONE)
		flags |= TCP_BUFFERED;
	if (t->write_unsent && seq <= t->write_start &&
	    t->write_start < seq + len) {
		flags |= TCP_WRITE;
		t->write_unsent = false;
	}
	s->again = seq < t->snd_max;
	s->rxt = s->again;
	if (s->again)
		(*t->retrans)++;
	s->sent_ps = sim_now(t->sim);
	if (seq + len > t->snd_max)
		t->snd_max = seq + len;
	if (t->rto.deadline_ps == SIM_TIME_MAX)
		tcp_timer_set(t, &t->rto, sim_now(t->sim) + t->rtt.rto_ps);
	tcp_emit(t, flags, seq, len);
	return len;
}

static void tcp_sack_send(struct tcp *t);

/* Sends what the windows allow: full segments (or a shorter one at the
 * end of what was written) that fit below snd_una + min(cwnd, snd_wnd),
 * while the ring has room. In SACK recovery pipe decides instead
 * (tcp_sack_send). */
static void tcp_output(struct tcp *t)
{
	uint64_t wnd = t->cwnd < t->snd_wnd ? t->cwnd : t->snd_wnd;

	if (t->state != TCP_ESTABLISHED)
		return;
	if (t->sack && t->in_recovery) {
		tcp_sack_send(t);
		return;
	}
	while (t->snd_nxt < t->app_end) {
		uint32_t len = tcp_seg_len(t, t->snd_nxt);

		if (t->snd_nxt + len > t->snd_una + wnd ||
		    (t->gate && !t->gate(t->gate_arg)))
			break;
		len = tcp_send_seg(t, t->snd_nxt);
		if (!len)
			break;
		t->snd_nxt += len;
		t->burst = true; /* the next one follows back to back */
	}
	t->burst = false;
}

/* Sends the segment at seq again, or, if the stack has no room for it,
 * once it has (tcp_kick): a retransmission is not dropped at a full
 * queue of the sender's own stack. */
static void tcp_resend(struct tcp *t, uint64_t seq)
{
	if (t->gate && !t->gate(t->gate_arg)) {
		t->resend_pending = true;
		t->resend_seq = seq;
		return;
	}
	tcp_send_seg(t, seq);
}

static void tcp_set_cwnd(struct tcp *t, uint64_t cwnd)
{
	t->cwnd = cwnd;
	stats_gauge_set(t->cwnd_g, (double)cwnd);
}

/* A congestion event: the new ssthresh, max(FlightSize x beta, 2 SMSS)
 * with beta 1/2 (RFC 5681 (4)) or beta_cubic (RFC 9438 4.6); CUBIC
 * also notes W_max, with fast convergence (4.7), and ends its epoch. */
static uint64_t tcp_reduce(struct tcp *t)
{
	uint64_t flight = t->snd_max - t->snd_una;
	uint64_t min = 2ull * t->cfg.mss_bytes, s = flight / 2;

	if (t->cfg.cc == TCP_CC_CUBIC && t->cfg.cubic_arith != TCP_CUBIC_RFC) {
		/* Linux's bictcp_recalc_ssthresh: whole segments, from cwnd */
		double cw = floor((double)t->cwnd / t->cfg.mss_bytes);

		t->w_max =
			cw < t->w_max ? floor(cw * (1 + CUBIC_BETA) / 2) : cw;
		t->cwnd_prior = cw;
		t->epoch = false;
		s = (uint64_t)(cw * CUBIC_BETA) * t->cfg.mss_bytes;
	} else if (t->cfg.cc == TCP_CC_CUBIC) {
		double cw = (double)t->cwnd / t->cfg.mss_bytes;

		/* whole segments: a window a fraction of a segment below
		 * W_max is the same window, not a loss of bandwidth */
		t->w_max = floor(cw) < floor(t->w_max)
				   ? cw * (1 + CUBIC_BETA) / 2
				   : cw;
		t->cwnd_prior = cw;
		t->epoch = false;
		s = (uint64_t)((double)flight * CUBIC_BETA);
	}
	return s > min ? s : min;
}

/* ---- the retransmission timer ---- */

static void tcp_rto_fire(struct tcp *t)
{
	if (t->state == TCP_SYN_SENT || t->state == TCP_SYN_RCVD) {
		t->syn_again = true;
		tcp_backoff(t);
		t->syn_ps = sim_now(t->sim);
		tcp_timer_set(t, &t->rto, sim_now(t->sim) + t->rtt.rto_ps);
		tcp_emit(t,
			 tcp_syn_flags(t, t->state == TCP_SYN_SENT
						  ? TCP_SYN
						  : TCP_SYN | TCP_ACK),
			 0, 0);
		return;
	}
	if (t->snd_una >= t->snd_max)
		return;
	(*t->timeouts)++;
	t->ssthresh = tcp_reduce(t); /* RFC 5681 (4) */
	/* RFC 9438 4.8: CUBIC's next epoch has K = 0, W_max = cwnd at
	 * its start */
	t->w_max = 0;
	t->cub_rtt_min = 0;
	tcp_set_cwnd(t, t->cfg.mss_bytes); /* loss window */
	t->ca_bytes = 0;
	t->recover = (int64_t)t->snd_max; /* RFC 6582 4 */
	t->ecn_recover = t->snd_max;
	t->in_recovery = false;
	t->dupacks = 0;
	tcp_backoff(t);
	tcp_free_bufs(t, 0);
	t->seg_n = 0;		 /* the stream is cut again ... */
	t->snd_nxt = t->snd_una; /* ... go back N: resend from the hole */
	tcp_output(t);
	if (t->rto.deadline_ps == SIM_TIME_MAX)
		tcp_timer_set(t, &t->rto, sim_now(t->sim) + t->rtt.rto_ps);
}

/* ---- the receiver ---- */

static void tcp_mem_retry_fire(struct tcp *t)
{
	tcp_output(t);
}

static void tcp_delack_fire(struct tcp *t)
{
	if (t->unacked)
		tcp_emit(t, TCP_ACK, t->snd_nxt, 0);
}

static void tcp_ack_now(struct tcp *t)
{
	tcp_emit(t, TCP_ACK, t->snd_nxt, 0);
}

/* A held segment that starts at or before rcv_nxt, in rcv_nxt's slot or
 * the one before (a segment cut elsewhere than at a multiple of the MSS
 * may straddle them), or NULL. */
static struct tcp_held *tcp_held_next(struct tcp *t)
{
	uint64_t slot = t->rcv_nxt / t->cfg.mss_bytes;

	for (int back = 0; back < 2 && slot >= (uint64_t)back; back++) {
		struct tcp_held *h = &t->held[(slot - back) & t->rcv_mask];

		if (h->len && h->seq <= t->rcv_nxt)
			return h;
	}
	return NULL;
}

/* The held segment that holds byte x, or NULL (x at or past rcv_nxt). */
static struct tcp_held *tcp_held_at(struct tcp *t, uint64_t x)
{
	uint64_t slot = x / t->cfg.mss_bytes;

	for (int back = 0; back < 2 && slot >= (uint64_t)back; back++) {
		struct tcp_held *h = &t->held[(slot - back) & t->rcv_mask];

		if (h->len && h->seq <= x && x < h->seq + h->len)
			return h;
	}
	return NULL;
}

/* The reported block that holds byte x, or NULL. */
static struct tcp_blk *tcp_blk_at(struct tcp *t, uint64_t x)
{
	for (uint32_t i = 0; i < t->nblk; i++)
		if (t->blk[i].start <= x && x < t->blk[i].end)
			return &t->blk[i];
	return NULL;
}

/* RFC 2018 4: the segment [seq, end) is held; the block of held data
 * around it goes first, then the blocks reported most recently that it
 * does not take in, up to PKT_TCP_SACK_BLOCKS. The block is found from
 * the segment outwards, a reported block at a time where there is one. */
static void tcp_sack_note(struct tcp *t, uint64_t seq, uint64_t end)
{
	struct tcp_blk b = { seq, end };
	uint32_t n = 1;

	while (b.start > t->rcv_nxt) {
		struct tcp_blk *r = tcp_blk_at(t, b.start - 1);
		struct tcp_held *h = r ? NULL : tcp_held_at(t, b.start - 1);

		if (!r && !h)
			break;
		b.start = r ? r->start : h->seq;
	}
	for (;;) {
		struct tcp_blk *r = tcp_blk_at(t, b.end);
		struct tcp_held *h = r ? NULL : tcp_held_at(t, b.end);

		if (!r && !h)
			break;
		b.end = r ? r->end : h->seq + h->len;
	}
	struct tcp_blk old[PKT_TCP_SACK_BLOCKS];

	for (uint32_t i = 0; i < t->nblk; i++)
		old[i] = t->blk[i];
	for (uint32_t i = 0; i < t->nblk && n < PKT_TCP_SACK_BLOCKS; i++)
		if (old[i].start < b.start || old[i].end > b.end) /* not in b */
			t->blk[n++] = old[i];
	t->blk[0] = b;
	t->nblk = n;
}

/* Drops the reported blocks that rcv_nxt has reached. */
static void tcp_sack_prune(struct tcp *t)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->nblk; i++)
		if (t->blk[i].end > t->rcv_nxt)
			t->blk[n++] = t->blk[i];
	t->nblk = n;
}

/* Data of the peer: in order it is read at once, with what it joins
 * (a FIN, or a segment that fills a hole, is acknowledged at once);
 * beyond a hole it is held and a duplicate ACK goes at once (RFC 5681
 * 4.2), as it does when a hole is filled. */
static void tcp_rcv_data(struct tcp *t, uint64_t seq, uint32_t len, bool fin)
{
	uint64_t mss = t->cfg.mss_bytes;
	bool had_hole = t->ooo_bytes > 0;

	if (fin)
		t->fin_end = seq + len;

	if (seq + len <= t->rcv_nxt) { /* a duplicate */
		tcp_ack_now(t);
		return;
	}
	if (seq > t->rcv_nxt) {
		struct tcp_held *h = &t->held[(seq / mss) & t->rcv_mask];

		(*t->ooo_in)++;
		if (seq + len <= t->rcv_edge &&
		    seq / mss - t->rcv_nxt / mss <= t->rcv_mask && !h->len) {
			*h = (struct tcp_held){ seq, len };
			t->ooo_bytes += len;
		}
		if (t->sack && h->len && h->seq == seq && h->len >= len)
			tcp_sack_note(t, seq, seq + len);
		tcp_ack_now(t);
		return;
	}
	len -= (uint32_t)(t->rcv_nxt - seq); /* a part already here */
	t->rcv_nxt += len;
	*t->bytes_read += len;
	while (t->ooo_bytes) {
		struct tcp_held *h = tcp_held_next(t);
		uint64_t end;

		if (!h)
			break;
		end = h->seq + h->len;
		if (end > t->rcv_nxt) {
			*t->bytes_read += end - t->rcv_nxt;
			t->rcv_nxt = end;
		}
		t->ooo_bytes -= h->len;
		h->len = 0;
	}
	if (t->nblk)
		tcp_sack_prune(t);
	if (had_hole || fin || ++t->unacked >= t->cfg.ack_every_segs ||
	    !t->cfg.delack_ps)
		tcp_ack_now(t);
	else if (t->unacked == 1)
		tcp_timer_set(t, &t->delack,
			      sim_now(t->sim) + t->cfg.delack_ps);
	if (t->fin_end && t->rcv_nxt >= t->fin_end && !t->done_ps)
		t->done_ps = sim_now(t->sim); /* the receiver read it all */
	if (t->on_read)
		t->on_read(t->on_read_arg, t->rcv_nxt);
}

/* The CE mark of a data segment, before its data is taken. DCTCP (RFC
 * 8257 3.2): when the mark differs from the CE state, a delayed ACK that
 * is pending goes at once with the old state's ECE (Linux's
 * dctcp_ece_ack_update: none when nothing waits, which would be a
 * duplicate), then the state follows the mark. RFC 3168 6.1.3: a CWR
 * ends the echo, a CE starts it. */
static void tcp_ecn_rcv(struct tcp *t, const struct sim_pkt *p)
{
	bool ce = p->ecn == PKT_CE;

	if (!t->ecn_ok)
		return;
	if (ce)
		(*t->ce_in)++;
	if (t->cfg.cc == TCP_CC_DCTCP) {
		if (ce != t->ce_state && t->unacked)
			tcp_ack_now(t);
		t->ce_state = ce;
		return;
	}
	if (p->tcp_flags & TCP_CWR)
		t->ece_latched = false;
	if (ce)
		t->ece_latched = true;
}

/* ---- congestion control on ACKs ---- */

double tcp_cubic_window(double w_max_segs, double cwnd_epoch_segs, double t_s)
{
	double k = cbrt((w_max_segs - cwnd_epoch_segs) / CUBIC_C);

	return CUBIC_C * (t_s - k) * (t_s - k) * (t_s - k) + w_max_segs;
}

/* RFC 9438 4.2-4.5 on an ACK of acked bytes in congestion avoidance:
 * the Reno-friendly estimate W_est (4.3) where the cubic window is
 * below it (unless cubic_no_reno_friendly), else growth towards
 * W_cubic(t + RTT), at most 1.5 cwnd, by (target - cwnd) / cwnd per
 * segment acknowledged. */
static void tcp_cubic_ack(struct tcp *t, uint64_t acked)
{
	double mss = t->cfg.mss_bytes, segs = (double)acked / mss;
	double alpha, tt, target;

	if (!t->epoch) {
		t->epoch = true;
		t->epoch_ps = sim_now(t->sim);
		t->cub_cwnd = (double)t->cwnd / mss;
		/* no reduction yet, or a timeout (4.8): K = 0 */
		if (t->w_max < t->cub_cwnd)
			t->w_max = t->cub_cwnd;
		t->cwnd_epoch = t->cub_cwnd;
		t->w_est = t->cub_cwnd;
	}
	tt = (double)(sim_now(t->sim) - t->epoch_ps) / SIM_S;
	alpha = t->w_est >= t->cwnd_prior
			? 1
			: 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);
	t->w_est += alpha * segs / t->cub_cwnd;
	if (!t->cfg.cubic_no_reno_friendly &&
	    tcp_cubic_window(t->w_max, t->cwnd_epoch, tt) < t->w_est) {
		t->cub_cwnd = t->w_est;
	} else {
		target = tcp_cubic_window(t->w_max, t->cwnd_epoch,
					  tt + (double)t->rtt.srtt_ps / SIM_S);
		if (target > 1.5 * t->cub_cwnd)
			target = 1.5 * t->cub_cwnd;
		if (target > t->cub_cwnd)
			t->cub_cwnd +=
				(target - t->cub_cwnd) / t->cub_cwnd * segs;
	}
	tcp_set_cwnd(t, (uint64_t)(t->cub_cwnd * mss));
}

/* CUBIC as Linux's bictcp_update (net/ipv4/tcp_cubic.c) computes it, in
 * whole segments: the target is the origin (W_max) plus or minus
 * C |t + RTT - K|^3 rounded down, RTT the least sample since the last
 * timeout (Linux's delay_min), so the target stays at W_max while that
 * distance is under one segment (|t - K| < cbrt(1 / C)); cwnd grows by
 * one segment per cnt = cwnd / (target - cwnd) segments acknowledged
 * (100 cwnd at or above the target, at most 20 after a timeout, at
 * least 2), and the Reno-friendly estimate (unless
 * cubic_no_reno_friendly) lowers cnt to cwnd / (W_est - cwnd). */
static void tcp_cubic_ack_integer(struct tcp *t, uint64_t acked)
{
	double mss = t->cfg.mss_bytes, segs = (double)acked / mss;
	double cw = floor((double)t->cwnd / mss), tt, offs, delta, target;
	double cnt, alpha;
	uint64_t step;

	if (!t->epoch) {
		t->epoch = true;
		t->epoch_ps = sim_now(t->sim);
		t->ca_bytes = 0;
		if (t->w_max <= cw) {
			t->cub_k = 0;
			t->cub_origin = cw;
		} else {
			t->cub_k = cbrt((t->w_max - cw) / CUBIC_C);
			t->cub_origin = t->w_max;
		}
		t->w_est = cw;
	}
	tt = (double)(sim_now(t->sim) - t->epoch_ps + t->cub_rtt_min) / SIM_S;
	offs = fabs(tt - t->cub_k);
	delta = floor(CUBIC_C * offs * offs * offs);
	target = tt < t->cub_k ? t->cub_origin - delta : t->cub_origin + delta;
	cnt = target > cw ? floor(cw / (target - cw)) : 100 * cw;
	if (t->w_max == 0 && cnt > 20)
		cnt = 20;
	alpha = t->w_est >= t->cwnd_prior
			? 1
			: 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);
	t->w_est += alpha * segs / (cw > 1 ? cw : 1);
	if (!t->cfg.cubic_no_reno_friendly && t->w_est > cw + 1) {
		double max_cnt = floor(cw / floor(t->w_est - cw));

		if (cnt > max_cnt)
			cnt = max_cnt;
	}
	if (cnt < 2)
		cnt = 2;
	if (t->cfg.cubic_arith == TCP_CUBIC_NS3) {
		/* TcpCubic::IncreaseWindow: one segment once the count,
		 * never reset, reaches cnt */
		t->cub_cnt += segs;
		if (t->cub_cnt >= cnt) {
			t->cub_cnt -= cnt;
			tcp_set_cwnd(t, ((uint64_t)cw + 1) * t->cfg.mss_bytes);
		}
		return;
	}
	/* as Linux's tcp_cong_avoid_ai: a count left from a larger cnt
	 * gives one segment, not a burst */
	step = (uint64_t)(cnt * mss);
	if (t->ca_bytes >= step) {
		t->ca_bytes = 0;
		tcp_set_cwnd(t, ((uint64_t)cw + 1) * t->cfg.mss_bytes);
		cw += 1;
	}
	t->ca_bytes += acked;
	if (t->ca_bytes >= step) {
		uint64_t n = t->ca_bytes / step;

		t->ca_bytes -= n * step;
		tcp_set_cwnd(t, ((uint64_t)cw + n) * t->cfg.mss_bytes);
	}
}

/* RFC 5681 3.1: slow start adds min(N, SMSS) per ACK; NewReno's
 * congestion avoidance adds one SMSS per cwnd of bytes acknowledged
 * (byte counting, RFC 5681 3.1 and RFC 3465), or with ca_per_ack
 * SMSS * SMSS / cwnd (at least one byte) per ACK of new data (RFC 5681
 * (3), as ns-3.37's TcpNewReno::CongestionAvoidance). */
static void tcp_cc_ack(struct tcp *t, uint64_t acked)
{
	uint64_t mss = t->cfg.mss_bytes;

	if (t->cwnd < t->ssthresh) {
		tcp_set_cwnd(t, t->cwnd + (acked < mss ? acked : mss));
		return;
	}
	if (t->cfg.cc == TCP_CC_CUBIC && t->cfg.cubic_arith != TCP_CUBIC_RFC) {
		tcp_cubic_ack_integer(t, acked);
		return;
	}
	if (t->cfg.cc == TCP_CC_CUBIC) {
		tcp_cubic_ack(t, acked);
		return;
	}
	if (t->cfg.ca_per_ack) {
		uint64_t add = mss * mss / t->cwnd;

		tcp_set_cwnd(t, t->cwnd + (add ? add : 1));
		return;
	}
	t->ca_bytes += acked;
	if (t->ca_bytes >= t->cwnd) {
		t->ca_bytes -= t->cwnd;
		tcp_set_cwnd(t, t->cwnd + mss);
	}
}

/* Drops the records the ACK covers (trimming one it covers in part) and
 * takes an RTT sample. With timestamps (RFC 7323 4.3), from the earliest
 * segment it covers, when that was last sent: the receiver echoes the
 * TSval of the earliest segment not yet acknowledged (or of the one that
 * filled a hole, a retransmission), so retransmitted segments give
 * samples too (RFC 7323 4.1; Linux tcp_ack_update_rtt() takes the echo
 * where Karn forbids the sequence sample, and a valid sample clears the
 * timer's backoff, RFC 6298 5.7). With rtt_karn, from the last segment it
 * covers whole, unless any segment it covers was sent twice (Karn's
 * algorithm, RFC 6298 3). */
static void tcp_rtt_on_ack(struct tcp *t, uint64_t ack)
{
	bool again = false;
	sim_time sent = -1, first = -1;

	while (t->seg_n) {
		struct tcp_seg *s = tcp_seg_at(t, 0);

		if (s->seq >= ack)
			break;
		if (first < 0)
			first = s->sent_ps;
		again |= s->again;
		if (s->seq + s->len > ack) { /* in part */
			if (t->sb_give)
				t->sb_give(t->sb_arg, (uint32_t)(ack - s->seq));
			s->len -= (uint32_t)(ack - s->seq);
			s->seq = ack;
			break;
		}
		sent = s->sent_ps;
		if (t->pool)
			pool_free(t->pool, t->pool_cpu, s->buf);
		if (t->sb_give)
			t->sb_give(t->sb_arg, s->len);
		t->seg_head = (t->seg_head + 1) & t->snd_mask;
		t->seg_n--;
	}
	if (!t->cfg.rtt_karn && first >= 0)
		sent = first; /* the echoed TSval: RFC 7323 4.3 */
	else if (again || sent < 0)
		return;
	tcp_rtt_sample(&t->rtt, &t->cfg, sim_now(t->sim) - sent);
	if (!t->cub_rtt_min || sim_now(t->sim) - sent < t->cub_rtt_min)
		t->cub_rtt_min = sim_now(t->sim) - sent;
	stats_hist_record(t->rtt_hist, sim_now(t->sim) - sent);
}

/* RFC 8257 3.3: the bytes acknowledged, and of those the bytes an ECE
 * acknowledges; once an ACK passes the window's end (the highest byte
 * sent when it began), alpha = (1 - g) alpha + g x marked / acknowledged
 * and a new window begins. */
static void tcp_dctcp_alpha(struct tcp *t, uint64_t acked, uint64_t ack,
			    bool ece)
{
	t->dc_acked += acked;
	if (ece)
		t->dc_marked += acked;
	if (ack <= t->dc_end)
		return;
	t->alpha = (1 - TCP_DCTCP_G) * t->alpha +
		   TCP_DCTCP_G * (double)t->dc_marked / (double)t->dc_acked;
	t->dc_end = t->snd_max;
	t->dc_acked = t->dc_marked = 0;
}

/* An ECN-Echo: a congestion event once per window of data, not in fast
 * recovery (RFC 3168 6.1.2): only an ACK beyond the highest byte sent at
 * the last reduction (ecn_recover), so of data sent after it, counts
 * (the ACK of exactly that byte still echoes the marks before the CWR).
 * It is taken before the ACK's own bytes (FlightSize is what was out
 * when the echo came, and the window does not grow on it). ssthresh and
 * cwnd go to NewReno's or CUBIC's reduction (as for a loss, without a
 * retransmission), or to DCTCP's cwnd x (1 - alpha / 2) (RFC 8257 3.3,
 * in whole segments and at least two, as Linux's dctcp_ssthresh); CWR
 * goes on the next new data. */
static void tcp_ecn_cut(struct tcp *t, uint64_t ack)
{
	uint64_t mss = t->cfg.mss_bytes;

	if (t->in_recovery || ack <= t->ecn_recover ||
	    t->state != TCP_ESTABLISHED)
		return;
	if (t->cfg.cc == TCP_CC_DCTCP) {
		uint64_t w = t->cwnd / mss;

		w -= (uint64_t)((double)w * t->alpha / 2);
		t->ssthresh = (w > 2 ? w : 2) * mss;
	} else {
		t->ssthresh = tcp_reduce(t);
	}
	tcp_set_cwnd(t, t->ssthresh);
	t->ca_bytes = 0;
	t->ecn_recover = t->snd_max;
	t->cwr_pending = true;
	(*t->ecn_cuts)++;
}

/* An ACK of new data. RFC 6582 3.2 steps 3 (full) and 4 (partial). */
static void tcp_new_ack(struct tcp *t, uint64_t ack)
{
	uint64_t acked = ack - t->snd_una;
	uint64_t mss = t->cfg.mss_bytes;
	bool restart = true;

	tcp_rtt_on_ack(t, ack);
	t->snd_una = ack;
	if (t->snd_nxt < ack)
		t->snd_nxt = ack;
	*t->bytes_acked += acked;
	t->dupacks = 0;
	if (t->in_recovery && (int64_t)ack >= t->recover) {
		t->in_recovery = false; /* full ACK: option (2) */
		tcp_set_cwnd(t, t->ssthresh);
		t->ca_bytes = 0;
		/* ns-3.37 passes the segments this ACK covers, a window's
		 * worth, to TcpCubic::IncreaseWindow (ProcessAck, its
		 * CA_RECOVERY branch); Linux grows nothing on it */
		if (t->cfg.cc == TCP_CC_CUBIC &&
		    t->cfg.cubic_arith == TCP_CUBIC_NS3)
			tcp_cc_ack(t, acked);
	} else if (t->in_recovery && t->sack) {
		/* RFC 6675 5 (B): the scoreboard and pipe decide what goes
		 * (tcp_output); the timer restarts (RFC 6298 5.3) */
	} else if (t->in_recovery) {
		uint64_t c = t->cwnd > acked ? t->cwnd - acked : 0;

		tcp_resend(t, ack); /* the next hole */
		if (acked >= mss)
			c += mss;
		tcp_set_cwnd(t, c > mss ? c : mss);
		restart = !t->partial_seen; /* the first partial ACK only */
		t->partial_seen = true;
	} else {
		tcp_cc_ack(t, acked);
	}
	if (t->snd_una == t->snd_max)
		tcp_timer_stop(&t->rto); /* 5.2 */
	else if (restart)
		tcp_timer_set(t, &t->rto, sim_now(t->sim) + t->rtt.rto_ps);
	if (t->closed && ack == t->app_end && !t->done_ps)
		t->done_ps = sim_now(t->sim);
}

/* Fast retransmit, with or without SACK: ssthresh from the congestion
 * control (once per window with ECN's reductions, RFC 3168 6.1.2) and
 * the recovery point at the highest byte sent (RFC 6582 3.2 step 2; RFC
 * 6675 5 (4)). */
static void tcp_enter_recovery(struct tcp *t)
{
	(*t->fast_retrans)++;
	if (t->snd_una >= t->ecn_recover)
		t->ssthresh = tcp_reduce(t);
	t->recover = (int64_t)t->snd_max;
	t->ecn_recover = t->snd_max;
	t->in_recovery = true;
}

/* A duplicate ACK (RFC 5681 2): fast retransmit at the third, window
 * inflation after (RFC 6582 3.2 steps 2 and 3). */
static void tcp_dup_ack(struct tcp *t)
{
	uint64_t mss = t->cfg.mss_bytes;

	(*t->dupacks_in)++;
	if (t->in_recovery) {
		tcp_set_cwnd(t, t->cwnd + mss);
		return;
	}
	if (++t->dupacks != 3 || (int64_t)t->snd_una < t->recover)
		return;
	tcp_enter_recovery(t);
	t->partial_seen = false;
	tcp_resend(t, t->snd_una);
	tcp_set_cwnd(t, t->ssthresh + 3 * mss);
}

/* ---- SACK-based loss recovery (RFC 6675) ---- */

/* RFC 6675 Update(): marks the records the ACK's blocks cover whole.
 * Returns whether any was not marked before (the ACK is a DupAck in
 * RFC 6675 2's sense). */
static bool tcp_sack_mark(struct tcp *t, const struct sim_pkt *p)
{
	bool news = false;

	for (uint8_t b = 0; b < p->tcp_nsack; b++) {
		uint64_t start = p->tcp_ack + p->tcp_sack[2 * b];
		uint64_t end = p->tcp_ack + p->tcp_sack[2 * b + 1];

		for (uint64_t i = tcp_seg_index(t, start); i < t->seg_n; i++) {
			struct tcp_seg *s = tcp_seg_at(t, i);

			if (s->seq + s->len > end)
				break;
			if (s->seq >= start && !s->sacked) {
				s->sacked = 1;
				if (!s->again && s->sent_ps > t->sacked_sent_ps)
					t->sacked_sent_ps = s->sent_ps;
				(*t->sacked)++;
				news = true;
			}
		}
	}
	return news;
}

/* The scoreboard scan: IsLost() holds for a record when more than
 * (DupThresh - 1) SMSS bytes, or DupThresh discontiguous runs, above it
 * are SACKed, so the records it holds for are the ones not SACKed up to
 * the highest such, lost_idx; then SetPipe(): each record not SACKed
 * counts once if not lost, and once more if a retransmission of it is
 * in flight (the record's `rxt`, which outlives a recovery where RFC
 * 6675's HighRxt would not). A retransmission is lost when a segment
 * sent after it has been SACKed (the path keeps order: as RFC 8985 6.2
 * and Linux detect a lost retransmission); its record is then lost
 * again, to be sent again. Only segments sent once tell when they were
 * sent (which of two transmissions a SACK covers is not known). sack_top
 * is the index past the highest SACKed record (0: none). */
static void tcp_sack_scan(struct tcp *t)
{
	uint64_t above = 0, runs = 0, dup_bytes = 2ull * t->cfg.mss_bytes;
	bool in_run = false;

	t->lost_idx = -1;
	t->pipe = 0;
	t->sack_top = 0;
	for (uint64_t i = t->seg_n; i-- > 0;) {
		struct tcp_seg *s = tcp_seg_at(t, i);

		if (s->sacked) {
			if (!t->sack_top)
				t->sack_top = i + 1;
			above += s->len;
			runs += !in_run;
			in_run = true;
			continue;
		}
		in_run = false;
		if (above > dup_bytes || runs >= 3) {
			t->lost_idx = (int64_t)i;
			break;
		}
	}
	for (uint64_t i = 0; i < t->seg_n; i++) {
		struct tcp_seg *s = tcp_seg_at(t, i);

		if (s->sacked)
			continue;
		if ((int64_t)i > t->lost_idx)
			t->pipe += s->len;
		if (s->rxt && s->sent_ps < t->sacked_sent_ps)
			s->rxt = 0;
		if (s->rxt)
			t->pipe += s->len;
	}
}

/* NextSeg() rule (2): whether there is new data the peer's window has
 * room for (0: no), and whether it can go now (1) or waits for room in
 * the ring or behind the gate (2: the sender waits too, rather than
 * falling to rules (3) and (4), for tcp_kick or the next ACK). */
static int tcp_sack_new_ok(struct tcp *t)
{
	uint32_t len = tcp_seg_len(t, t->snd_nxt);

	if (t->snd_nxt >= t->app_end ||
	    t->snd_nxt + len > t->snd_una + t->snd_wnd)
		return 0;
	if (t->seg_n > t->snd_mask ||
	    (t->snd_nxt >= t->snd_max && t->gate && !t->gate(t->gate_arg)))
		return 2;
	return 1;
}

/* RFC 6675 NextSeg() rules (1) to (4): the index of the record to
 * send again, seg_n for new data (rule (2)) and seg_n + 1 for nothing;
 * *rescue is set for rule (4). "Above HighRxt" is taken as without a
 * retransmission in flight. */
static uint64_t tcp_sack_next(struct tcp *t, bool *rescue)
{
	uint64_t i = 0, top = t->sack_top;
	int64_t last = -1; /* the highest record not SACKed */

	*rescue = false;
	for (; i < top; i++) {
		struct tcp_seg *s = tcp_seg_at(t, i);

		if (!s->sacked && !s->rxt)
			break;
	}
	if (i < top && (int64_t)i <= t->lost_idx)
		return i; /* (1) */
	switch (tcp_sack_new_ok(t)) {
	case 1:
		return t->seg_n; /* (2) */
	case 2:
		return t->seg_n + 1;
	}
	if (i < top)
		return i; /* (3) */
	for (uint64_t j = t->seg_n; j-- > 0;)
		if (!tcp_seg_at(t, j)->sacked) {
			last = (int64_t)j;
			break;
		}
	if (last >= 0 &&
	    (t->rescue_rxt < 0 || (int64_t)t->snd_una > t->rescue_rxt)) {
		*rescue = true;
		return (uint64_t)last; /* (4) */
	}
	return t->seg_n + 1;
}

/* RFC 6675 5 (C): while cwnd - pipe >= 1 SMSS, the segment NextSeg()
 * names goes, and pipe grows by what went. Retransmissions too wait for
 * the gate here (as Linux's TCP Small Queues holds back its retransmit
 * queue, tcp_xmit_retransmit_queue): a recovery may resend many segments
 * at once, which would otherwise overrun the stack's queue. */
static void tcp_sack_send(struct tcp *t)
{
	tcp_sack_scan(t);
	while (t->pipe + t->cfg.mss_bytes <= t->cwnd) {
		bool rescue;
		uint64_t i;
		uint32_t len;

		if (t->gate && !t->gate(t->gate_arg))
			return; /* room in the stack first, for all */
		i = tcp_sack_next(t, &rescue);
		if (i > t->seg_n)
			return;
		if (i == t->seg_n) {
			len = tcp_send_seg(t, t->snd_nxt);
			if (!len)
				return;
			t->snd_nxt += len;
		} else {
			struct tcp_seg *s = tcp_seg_at(t, i);

			len = tcp_send_seg(t, s->seq);
			if (rescue)
				t->rescue_rxt = t->recover;
		}
		t->pipe += len;
	}
}

/* RFC 6675 5 (4): fast retransmit and the start of recovery:
 * RecoveryPoint = HighData, ssthresh from the congestion control (once
 * per window with ECN's reductions, as without SACK) and cwnd =
 * ssthresh, the first segment not acknowledged sent again unless a
 * retransmission of it is in flight already (one of the previous
 * recovery's, which ended with it not yet acknowledged). */
static void tcp_sack_enter(struct tcp *t)
{
	struct tcp_seg *s = tcp_seg_at(t, 0);

	tcp_enter_recovery(t);
	t->rescue_rxt = -1;
	tcp_set_cwnd(t, t->ssthresh);
	if (!s->rxt)
		tcp_resend(t, s->seq);
}

/* An ACK with SACK in use (RFC 6675 5): a cumulative ACK resets
 * DupAcks (1); an ACK that SACKs new data is a DupAck, and outside
 * recovery the third, or IsLost(HighACK + 1), starts recovery (2), (4);
 * in recovery (and after its start) pipe decides what goes (C). */
static void tcp_sack_ack(struct tcp *t, const struct sim_pkt *p)
{
	uint64_t ack = p->tcp_ack;
	bool dup = p->tcp_nsack && tcp_sack_mark(t, p);

	if (ack > t->snd_una) {
		t->snd_wnd = p->tcp_wnd;
		tcp_new_ack(t, ack);
	} else if (ack == t->snd_una) {
		t->snd_wnd = p->tcp_wnd;
	}
	if (dup)
		(*t->dupacks_in)++;
	if (dup && !t->in_recovery && (int64_t)t->snd_una >= t->recover &&
	    t->snd_una < t->snd_max) {
		bool lost = ++t->dupacks >= 3;

		if (!lost) {
			tcp_sack_scan(t);
			lost = t->lost_idx >= 0;
		}
		if (lost)
			tcp_sack_enter(t);
	}
	tcp_output(t);
}

static void tcp_rcv_ack(struct tcp *t, const struct sim_pkt *p)
{
	uint64_t ack = p->tcp_ack;

	if (ack > t->snd_max)
		return; /* acknowledges what was never sent */
	if (ack > t->snd_una && t->cfg.cc == TCP_CC_DCTCP && t->ecn_ok)
		tcp_dctcp_alpha(t, ack - t->snd_una, ack,
				p->tcp_flags & TCP_ECE);
	if ((p->tcp_flags & TCP_ECE) && t->ecn_ok)
		tcp_ecn_cut(t, ack);
	if (t->sack) {
		tcp_sack_ack(t, p);
		return;
	}
	if (ack > t->snd_una) {
		t->snd_wnd = p->tcp_wnd;
		tcp_new_ack(t, ack);
	} else if (ack == t->snd_una && !p->tcp_len &&
		   t->snd_max > t->snd_una && p->tcp_wnd == t->snd_wnd) {
		tcp_dup_ack(t);
	} else if (ack == t->snd_una) {
		t->snd_wnd = p->tcp_wnd; /* a window update */
	}
	tcp_output(t);
}

/* ---- the handshake ---- */

static void tcp_established(struct tcp *t, const struct sim_pkt *p)
{
	t->state = TCP_ESTABLISHED;
	t->established_ps = sim_now(t->sim);
	t->snd_wnd = p->tcp_wnd;
	tcp_timer_stop(&t->rto);
	if (!t->syn_again) {
		sim_time r = sim_now(t->sim) - t->syn_ps;

		tcp_rtt_sample(&t->rtt, &t->cfg, r);
		stats_hist_record(t->rtt_hist, r);
	} else if (!t->rtt.measured) {
		/* RFC 6298 5.7: 3 s once the SYN was lost */
		t->rtt.rto_ps = tcp_rto_bound(&t->cfg, 3 * SIM_S);
	}
}

static void tcp_recv(void *owner, struct sim_pkt *p)
{
	struct tcp *t = owner;
	uint8_t f = p->tcp_flags;

	sim_trace(t->sim, t->trace_id, SIM_TR_RECEIVE, p->len_bytes);
	if (f & TCP_SYN) {
		if (t->state == TCP_CLOSED && !(f & TCP_ACK)) {
			t->state = TCP_SYN_RCVD;
			t->sack = t->cfg.sack && (f & TCP_SACK_OK);
			t->syn_ps = sim_now(t->sim);
			/* Linux's tcp_ecn 2: agree when asked */
			t->ecn_ok = (f & (TCP_ECE | TCP_CWR)) ==
				    (TCP_ECE | TCP_CWR);
			tcp_timer_set(t, &t->rto,
				      sim_now(t->sim) + t->rtt.rto_ps);
			tcp_emit(t, tcp_syn_flags(t, TCP_SYN | TCP_ACK), 0, 0);
		} else if (t->state == TCP_SYN_SENT && (f & TCP_ACK)) {
			t->sack = t->cfg.sack && (f & TCP_SACK_OK);
			t->ecn_ok = t->cfg.ecn &&
				    (f & (TCP_ECE | TCP_CWR)) == TCP_ECE;
			tcp_established(t, p);
			tcp_ack_now(t);
			tcp_output(t);
		} else if (t->state == TCP_ESTABLISHED && (f & TCP_ACK)) {
			tcp_ack_now(t); /* our ACK was lost */
		} else if (t->state != TCP_CLOSED) {
			tcp_emit(t, tcp_syn_flags(t, TCP_SYN | TCP_ACK), 0,
				 0); /* again */
		}
		goto out;
	}
	if (t->state == TCP_SYN_RCVD && (f & TCP_ACK))
		tcp_established(t, p);
	if (t->state != TCP_ESTABLISHED)
		goto out;
	if (f & TCP_ACK)
		tcp_rcv_ack(t, p);
	if (p->tcp_len) {
		tcp_ecn_rcv(t, p);
		tcp_rcv_data(t, p->tcp_seq, p->tcp_len, f & TCP_FIN);
	}
out:
	pkt_free(t->pkts, p);
}

/* ---- set-up ---- */

static int tcp_stats(struct tcp *t)
{
	const char *c = t->name;

	t->segs_out = stats_counter(t->st, c, "segments_sent", "packets");
	t->acks_out = stats_counter(t->st, c, "acks_sent", "packets");
	t->retrans = stats_counter(t->st, c, "retransmits", "packets");
	t->fast_retrans = stats_counter(t->st, c, "fast_retransmits", "");
	t->timeouts = stats_counter(t->st, c, "timeouts", "");
	t->dupacks_in = stats_counter(t->st, c, "dupacks", "packets");
	t->bytes_acked = stats_counter(t->st, c, "bytes_acked", "B");
	t->bytes_read = stats_counter(t->st, c, "bytes_received", "B");
	t->ooo_in = stats_counter(t->st, c, "out_of_order", "packets");
	t->sacked = stats_counter(t->st, c, "sacked", "packets");
	t->ecn_cuts = stats_counter(t->st, c, "ecn_reductions", "");
	t->ce_in = stats_counter(t->st, c, "ce_received", "packets");
	t->rtt_hist = stats_hist(t->st, c, "rtt", "ps");
	t->cwnd_g = stats_gauge(t->st, c, "cwnd", "B");
	t->no_buffer = stats_counter(t->st, c, "no_buffer", "");
	if (!t->segs_out || !t->acks_out || !t->retrans || !t->fast_retrans ||
	    !t->timeouts || !t->dupacks_in || !t->bytes_acked ||
	    !t->bytes_read || !t->ooo_in || !t->sacked || !t->ecn_cuts ||
	    !t->ce_in || !t->rtt_hist || !t->cwnd_g || !t->no_buffer)
		return -ENOMEM;
	return stats_series_gauge(t->st, c, "cwnd", t->cwnd_g) ? -ENOMEM : 0;
}

static uint64_t tcp_pow2(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

int tcp_create(const struct tcp_cfg *cfg, const struct model_env *env,
	       struct pkt_pool *pkts, uint32_t src, struct tcp **out, char *err,
	       size_t errlen)
{
	struct tcp *t;
	uint64_t segs;

	if (cfg->mss_bytes == 0 || cfg->rcv_buf_bytes < 2ull * cfg->mss_bytes) {
		errmsg(err, errlen,
		       "%s: the receive buffer holds fewer than two segments",
		       env->component);
		return -EINVAL;
	}
	segs = tcp_pow2(cfg->rcv_buf_bytes / cfg->mss_bytes + 2);
	t = calloc(1, sizeof(*t));
	if (!t)
		goto out_nomem;
	t->sent = calloc(segs, sizeof(*t->sent));
	t->held = calloc(segs, sizeof(*t->held));
	if (!t->sent || !t->held)
		goto out_free;
	t->snd_mask = t->rcv_mask = segs - 1;
	t->sim = env->sim;
	t->st = env->st;
	t->name = env->component;
	t->trace_id = sim_trace_id(env->component);
	t->src = src;
	t->cfg = *cfg;
	t->pkts = pkts;
	t->recover = -1;
	t->rescue_rxt = t->lost_idx = -1;
	t->ssthresh = UINT64_MAX; /* RFC 5681 3.1: arbitrarily high */
	t->alpha = 1; /* RFC 8257 3.3; Linux's dctcp_alpha_on_init */
	t->rtt.rto_ps = tcp_rto_bound(cfg, cfg->rto_init_ps);
	t->rto = (struct tcp_timer){ SIM_TIME_MAX, 0, 0, tcp_rto_fire };
	t->delack = (struct tcp_timer){ SIM_TIME_MAX, 0, 0, tcp_delack_fire };
	t->mem_retry =
		(struct tcp_timer){ SIM_TIME_MAX, 0, 0, tcp_mem_retry_fire };
	if (tcp_stats(t))
		goto out_free;
	tcp_set_cwnd(t, (uint64_t)cfg->iw_segs * cfg->mss_bytes);
	*out = t;
	return 0;
out_free:
	free(t->sent);
	free(t->held);
	free(t);
out_nomem:
	errmsg(err, errlen, "%s: out of memory", env->component);
	return -ENOMEM;
}

void tcp_destroy(struct tcp *t)
{
	if (!t)
		return;
	free(t->sent);
	free(t->held);
	free(t);
}

struct sim_port tcp_input(struct tcp *t)
{
	return (struct sim_port){ .recv = tcp_recv, .owner = t };
}

void tcp_connect(struct tcp *t, struct sim_port out)
{
	t->out = out;
}

int tcp_open(struct tcp *t)
{
	if (t->state != TCP_CLOSED)
		return -EALREADY;
	t->state = TCP_SYN_SENT;
	t->syn_ps = sim_now(t->sim);
	tcp_timer_set(t, &t->rto, sim_now(t->sim) + t->rtt.rto_ps);
	tcp_emit(t, tcp_syn_flags(t, TCP_SYN), 0, 0);
	return 0;
}

void tcp_set_gate(struct tcp *t, bool (*fn)(void *arg), void *arg)
{
	t->gate = fn;
	t->gate_arg = arg;
}

void tcp_set_send_account(struct tcp *t, int (*take)(void *arg, uint32_t bytes),
			  void (*give)(void *arg, uint32_t bytes), void *arg)
{
	t->sb_take = take;
	t->sb_give = give;
	t->sb_arg = arg;
}

void tcp_set_send_pool(struct tcp *t, struct pool *pool, uint32_t cpu,
		       void (*charge)(void *arg, sim_time ps), void *arg)
{
	t->pool = pool;
	t->pool_cpu = cpu;
	t->mem_charge = charge;
	t->mem_arg = arg;
}

void tcp_kick(struct tcp *t)
{
	if (t->resend_pending && (!t->gate || t->gate(t->gate_arg))) {
		t->resend_pending = false;
		if (t->resend_seq >= t->snd_una && t->resend_seq < t->snd_max)
			tcp_send_seg(t, t->resend_seq);
	}
	tcp_output(t);
}

void tcp_close(struct tcp *t)
{
	if (t->app_end == TCP_ENDLESS)
		return;
	t->closed = true;
	if (t->state == TCP_ESTABLISHED && t->snd_una == t->app_end &&
	    !t->done_ps)
		t->done_ps = sim_now(t->sim);
}

void tcp_write(struct tcp *t, uint64_t bytes)
{
	if (!t->write_unsent && bytes) {
		t->write_unsent = true;
		t->write_start = t->app_end;
	}
	if (bytes == TCP_ENDLESS || t->app_end > TCP_ENDLESS - bytes)
		t->app_end = TCP_ENDLESS;
	else
		t->app_end += bytes;
	tcp_output(t);
}

void tcp_on_read(struct tcp *t, void (*fn)(void *arg, uint64_t rcv_nxt),
		 void *arg)
{
	t->on_read = fn;
	t->on_read_arg = arg;
}

void tcp_get_info(const struct tcp *t, struct tcp_info *o)
{
	*o = (struct tcp_info){
		.established = t->state == TCP_ESTABLISHED,
		.in_recovery = t->in_recovery,
		.snd_una = t->snd_una,
		.snd_nxt = t->snd_nxt,
		.snd_max = t->snd_max,
		.cwnd_bytes = t->cwnd,
		.ssthresh_bytes = t->ssthresh,
		.snd_wnd_bytes = t->snd_wnd,
		.rcv_nxt = t->rcv_nxt,
		.retransmits = *t->retrans,
		.fast_retransmits = *t->fast_retrans,
		.timeouts = *t->timeouts,
		.sack = t->sack,
		.sacked = *t->sacked,
		.rtt = t->rtt,
		.w_max_segs = t->w_max,
		.established_ps = t->established_ps,
		.done_ps = t->done_ps,
		.ecn = t->ecn_ok,
		.dctcp_alpha = t->alpha,
		.ecn_cuts = *t->ecn_cuts,
		.ce_received = *t->ce_in,
	};
}

void tcp_finish(struct tcp *t)
{
	sim_time end = t->done_ps ? t->done_ps : sim_now(t->sim);
	sim_time span = end - t->established_ps;

	/* a sender's bytes acknowledged, else a receiver's bytes read */
	uint64_t bytes = *t->bytes_acked ? *t->bytes_acked : *t->bytes_read;

	if (t->state == TCP_ESTABLISHED && span > 0)
		stats_scalar(t->st, t->name, "goodput", "bps",
			     (double)bytes * 8 * SIM_S / span);
	if (t->done_ps)
		stats_scalar(t->st, t->name, "fct", "ps", (double)t->done_ps);
	stats_scalar(t->st, t->name, "srtt", "ps", (double)t->rtt.srtt_ps);
	stats_scalar(t->st, t->name, "rto", "ps", (double)t->rtt.rto_ps);
	if (t->cfg.cc == TCP_CC_DCTCP)
		stats_scalar(t->st, t->name, "dctcp_alpha", "", t->alpha);
}

static void tcp_ops_destroy(void *m)
{
	tcp_destroy(m);
}

static void tcp_ops_finish(void *m)
{
	tcp_finish(m);
}

const struct model_ops tcp_ops = {
	.name = "tcp",
	.destroy = tcp_ops_destroy,
	.finish = tcp_ops_finish,
};
