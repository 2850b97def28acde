/*
 * stack.c - user-space stacks with channels, and the in-kernel stack with
 * sockets (see stack.h).
 *
 * Each endpoint has one app thread, which runs on the app's core: its TX
 * work (building packets and syncing, or send() calls) and its RX work
 * (a sync of the RX ring, or recv() calls) are CPU jobs on that core, so
 * they queue behind each other there. One job per sync on the user path,
 * one per send or recv on the kernel path: that is where the two paths
 * differ in events as they do in syscalls.
 *
 * A job's parts are known when it is queued, and its end is when the core
 * has done all of it, so the stamps inside a job are placed backwards from
 * its end: a user TX batch of n packets ends with the queueing
 * discipline's work for them (none on the low-latency path), before which
 * came the flow switch's work (or the low-latency netif path's), before
 * which came the sync trap, before which came the protocol processing of
 * the n packets.
 *
 * The RX thread sleeps when it has nothing to do (the channel's kqueue
 * low-water mark, or an empty socket buffer); the flow switch's RX job
 * that makes it runnable pays the wakeup (same-core or cross-core), and
 * the woken thread pays a context switch before its work.
 *
 * Channel events (transmit status, transmit expired) wake the same app
 * thread: the first event posted into the channel's empty event ring
 * signals it; asleep, it is woken by a job of the posting kernel core
 * (which pays the wakeup) and pays a context switch; running, it reads
 * after its current job. The read is one syscall and takes the whole
 * ring; a full ring loses events and counts them, nothing more.
 *
 * Per-byte work (stk_bytes_charge()): without checksum offload the stack
 * checksums every byte it sends and verifies every byte it receives, and
 * with TLS it seals each packet's bytes into records on TX and opens them
 * on RX. It is charged where the packet's protocol processing is, on the
 * core where that stack runs it: the user stack's sync and RX jobs on the
 * app's core; the in-kernel stack's send() job, and its recv() job, which
 * is where a kernel verifies a checksum left to software (it folds it
 * into the copy out) and where kernel TLS decrypts a record: both in the
 * receiving thread's syscall on its core, not in the flow switch's RX job.
 *
 * The kernel path's send queue and socket buffer are packet FIFOs (struct
 * pkt_fifo), bounded in packets (stack.sockbuf) and in bytes
 * (stack.sndbuf, stack.rcvbuf: the socket buffers' bytes, which count
 * in the host's memory when it is modelled); the user path's packets sit in the channel's rings. The
 * configuration comes from stk_cfg_load() (stack_params.c) and, for the
 * channel, chan_cfg_load() (channel_params.c), which refuses ring sizes
 * that are not powers of two.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "errmsg.h"
#include "netif.h"
#include "pool.h"
#include "ring.h"
#include "stack.h"
#include "stats.h"
#include "tcp.h"

struct stk_sock {
	uint8_t proto;
	uint16_t port;
	struct stk *e;
};

struct stk_host {
	struct fsw_endpoint ep; /* first: the flow switch hands it back */
	size_t n, cap;
	struct stk_sock *socks;
};

/* The event ring's reader, the app thread: idle (waits for the next
 * event that finds the ring empty), being woken (the poster's wakeup job
 * is queued), due to read after the work it is doing (it was running),
 * or reading (its read job is queued on its core). */
enum stk_ev_state {
	STK_EV_IDLE,
	STK_EV_WAKING,
	STK_EV_PENDING,
	STK_EV_READING
};

/* Laid out for runs whose hosts outgrow the caches, where each distinct
 * 64-byte line an event touches is a miss: a user endpoint's fields sit
 * by the events that read them, five lines ahead of the channel's four
 * (the struct lives in a stats_block(), which is line-aligned, so that it
 * outlives the endpoint for the results; its counters are registered with
 * stats_counter_at()):
 *
 *   line 0  the end of a TX sync (and the sync)
 *   line 1  every TX event: the app's send, the sync, its end
 *   line 2  the app's send and the sync
 *   line 3  RX: the flow switch's batch and delivery (the endpoint it
 *           reads), the app thread's sync
 *   line 4  the app thread's RX sync and its end
 *
 * so that a sync of the app's send touches lines 0-2, its end lines 0-1,
 * the flow switch's RX work line 3, the app thread's RX sync lines 3-4
 * and its end line 4 (with the channel's lines and the packet's). What events of both directions read (the core, the CPU, the
 * protocol processing cost, the trace id) is kept once in each
 * direction's lines: copies set at creation and never changed. A sync of
 * one packet, the common case, holds it in tx_first or rx_first, in its
 * direction's lines; a larger one in tx_cur or rx_cur (grown to the
 * batches, ring.h). The kernel endpoint's fields, and what set-up,
 * events and drops use, come after the channel. */
struct stk {
	/* line 0: TX, the end of a sync */
	_Alignas(64) sim_time tx_tail_ps[3]; /* the job's last three parts */
	struct fsw *fsw;
	sim_time tx_mem_ps; /* buffer allocations not yet charged */
	uint64_t tx_packets;
	void (*on_room)(void *arg); /* room freed for the app's packets */
	uint32_t tx_n;		    /* packets of the sync in service */
	int flow_id;		    /* user: registered flow; -1: none */
	/* line 1: TX, every event */
	_Alignas(64) struct sim *sim;
	struct cpu *cpu;
	struct cpu_core *core;
	uint64_t tx_syncs;
	struct sim_pkt *tx_first; /* the packet of a sync of one */
	uint32_t core_index;	  /* cpu_core_index(core) */
	uint32_t trace_id;
	uint32_t batch_pkts; /* cfg.batch_pkts */
	uint8_t kind;	     /* enum stk_kind */
	bool tx_busy, tx_kick;
	bool tx_ll;	/* the sync in service takes the netif path */
	bool tx_ev_due; /* see stk_events_after_job() */
	bool per_byte;	/* !cfg.csum_offload || cfg.tls: stk_bytes_charge */
	/* line 2: TX, the app's send and the sync */
	_Alignas(64) struct flow_key key;
	uint64_t token;
	struct pool *pool;   /* the channel's pool, or NULL */
	struct netif *netif; /* user: the low-latency path, or NULL */
	sim_time proto_ps;   /* cfg.proto_ps */
	uint64_t tso_run;    /* payload of the TSO send being built */
	uint32_t owner;
	/* line 3: RX, the flow switch's batch and delivery (ep is what it
	 * reads of the endpoint) and the app thread's sync */
	_Alignas(64) struct fsw_endpoint ep;
	struct cpu_core *rx_core; /* core */
	struct cpu *rx_cpu;	  /* cpu */
	sim_time rx_proto_ps;	  /* cfg.proto_ps */
	/* line 4: RX, the app thread's sync and its end */
	_Alignas(64) uint32_t rx_n; /* packets of the sync in service */
	bool rx_busy;
	bool rx_ev_due;		  /* see stk_events_after_job() */
	bool rx_per_byte;	  /* per_byte */
	struct sim_pkt *rx_first; /* the packet of a sync of one */
	uint32_t rx_core_index;	  /* core_index */
	uint32_t rx_trace_id;	  /* trace_id */
	uint64_t rx_packets;
	struct sim_port deliver;
	uint64_t rx_syncs, rx_wakeups;

	/* lines 5-8: the channel (user) */
	struct chan ch;
	struct sim_pkt **tx_cur, **rx_cur; /* tx_cap, rx_cap entries */
	uint32_t tx_cap, rx_cap;
	uint64_t tso_rides, gro_merged;
	/* user: the event ring's reader (see "Events" below) */
	struct cpu_core *waker; /* where the poster runs; NULL: no wakeup */
	enum stk_ev_state ev_state;
	bool drop_stale; /* drop stale TX frames on an expiry */
	void *on_room_arg;

	/* kernel: send calls waiting, the socket buffer, and in service */
	struct pkt_fifo txq, sock;
	struct sim_pkt *tx_one, *rx_one;
	bool rx_sleeping;
	/* kernel: the socket buffers' bytes, counted in the host's memory */
	struct pool_mem *mem; /* NULL: memory not modelled */
	uint64_t sb_snd, sb_rcv;
	struct stat_gauge *g_snd, *g_rcv;
	bool fc_suspended; /* kernel: the socket is flow-controlled ... */
	bool room_retry;   /* ... and asks again after the backoff */

	struct stk_cfg cfg;
	const char *name;
	const struct stk *victim;
	struct sim_port drop;
	struct sim_pkt **stale; /* room for them (stale_cap, grown) */
	uint32_t stale_cap;
	void (*on_events)(void *arg, const struct stk_events *ev);
	void *on_events_arg;
	uint64_t tx_full, backoffs, ev_posted, ev_lost, ev_read;
	uint64_t no_memory, ev_status, ev_wakeups, ev_reads, stale_drops;
};
_Static_assert(offsetof(struct stk, ch) == 5 * 64 &&
		       offsetof(struct stk, rx_wakeups) < 5 * 64 &&
		       offsetof(struct stk, rx_proto_ps) < 4 * 64 &&
		       offsetof(struct stk, owner) < 3 * 64 &&
		       offsetof(struct stk, per_byte) < 2 * 64 &&
		       offsetof(struct stk, flow_id) < 64,
	       "each group of fields fits its line");

/* The endpoint whose ep the flow switch hands back. */
static struct stk *stk_of(struct fsw_endpoint *ep)
{
	return (struct stk *)((char *)ep - offsetof(struct stk, ep));
}

enum stk_kind stk_kind_of(const char *name)
{
	return !strcmp(name, "user")	 ? STK_USER
	       : !strcmp(name, "kernel") ? STK_KERNEL
					 : STK_NONE;
}

static void stk_fail(struct stk *e)
{
	sim_stop(e->sim); /* out of memory: end the run, it is reported */
}

static void stk_deliver(struct sim *sim, struct stk *e, struct sim_pkt *p)
{
	e->rx_packets++;
	sim_trace(sim, e->rx_trace_id, SIM_TR_DELIVER, p->len_bytes);
	sim_port_send(&e->deliver, p);
}

void stk_bytes_charge(const struct stk_cfg *cfg, struct cpu_job *j,
		      const struct sim_pkt *p)
{
	uint64_t len = p->len_bytes, records;

	if (!cfg->csum_offload)
		cpu_job_add(j, CPU_A_CSUM, cpu_bytes_time(len, cfg->csum_Bps));
	if (!cfg->tls)
		return;
	if (p->tcp_flags) { /* a TCP segment: its payload's records */
		len = p->tcp_len;
		records = p->tcp_records;
	} else {
		records = (len + cfg->tls_record_bytes - 1) /
			  cfg->tls_record_bytes;
	}
	if (len || records)
		cpu_job_add(j, CPU_A_TLS,
			    (sim_time)records * cfg->tls_record_ps +
				    cpu_bytes_time(len, cfg->tls_Bps));
}

bool stk_tso_rides(const struct stk_cfg *cfg, struct sim_pkt *p, uint64_t *run)
{
	if (!p->tcp_len)
		return false; /* a pure ACK is a send of its own */
	if (cfg->tso && (p->tcp_offload & TCP_TSO_CONT) &&
	    *run + p->tcp_len <= cfg->tso_max_bytes) {
		*run += p->tcp_len;
		return true;
	}
	p->tcp_offload &= (uint8_t)~TCP_TSO_CONT;
	*run = p->tcp_len;
	return false;
}

/* ---- kernel: socket buffers ---- */

/* The bytes a packet takes in a socket buffer: a TCP segment's payload,
 * a datagram's length. */
static uint32_t stk_sb_len(const struct sim_pkt *p)
{
	return p->tcp_flags ? p->tcp_len : p->len_bytes;
}

/* Takes n bytes into the receive (rcv) or send buffer: 0; -ENOSPC if
 * the buffer would exceed its size (stack.rcvbuf, stack.sndbuf); -ENOMEM
 * if the host's memory cannot hold them. */
static int stk_sb_take(struct stk *e, bool rcv, uint32_t n)
{
	uint64_t *b = rcv ? &e->sb_rcv : &e->sb_snd;
	uint64_t cap = rcv ? e->cfg.rcvbuf_bytes : e->cfg.sndbuf_bytes;

	if (n > cap - *b)
		return -ENOSPC;
	if (pool_mem_take(e->mem, n))
		return -ENOMEM;
	*b += n;
	stats_gauge_set(rcv ? e->g_rcv : e->g_snd, (double)*b);
	return 0;
}

static void stk_sb_give(struct stk *e, bool rcv, uint32_t n)
{
	uint64_t *b = rcv ? &e->sb_rcv : &e->sb_snd;

	*b -= n;
	pool_mem_give(e->mem, n);
	stats_gauge_set(rcv ? e->g_rcv : e->g_snd, (double)*b);
}

int stk_sndbuf_take(struct stk *e, uint32_t bytes)
{
	return stk_sb_take(e, false, bytes);
}

void stk_sndbuf_give(struct stk *e, uint32_t bytes)
{
	stk_sb_give(e, false, bytes);
}

/* ---- RX: the app thread ---- */

static void stk_events_after_job(struct stk *e, bool *due);

static void stk_user_rx_done(struct sim *sim, void *a, void *b);
static void stk_kernel_rx_done(struct sim *sim, void *a, void *b);

/* Makes the array *arr (*have entries) hold need packets, growing it by
 * doubling up to cap (ring.h); false, and the run stopped, if out of
 * memory. */
static bool stk_hold(struct stk *e, struct sim_pkt ***arr, uint32_t *have,
		     uint32_t need, uint32_t cap)
{
	void *t;

	if (need <= *have)
		return true;
	t = ring_table_hold(*arr, have, need - 1, sizeof(**arr), cap);
	if (!t) {
		sim_stop(e->sim); /* out of memory */
		return false;
	}
	*arr = t;
	return true;
}

/* The array that holds n packets of a sync from ring r: first (in the
 * endpoint's lines) for one, else *cur grown to n (tx_cur or rx_cur, *cap
 * entries, up to r's size); NULL, and the run stopped, if out of
 * memory. */
static struct sim_pkt **stk_cur(struct stk *e, struct sim_pkt **first,
				struct sim_pkt ***cur, uint32_t *cap,
				uint32_t n, const struct chan_ring *r)
{
	if (n <= 1)
		return first;
	return stk_hold(e, cur, cap, n, r->size) ? *cur : NULL;
}

/* The packets of the RX sync in service (rx_n). */
static struct sim_pkt *const *stk_rx_held(const struct stk *e)
{
	return e->rx_n <= 1 ? &e->rx_first : e->rx_cur;
}

/* Queues the app thread's RX work: a sync of everything in the RX ring,
 * at now. woken: it was asleep, and pays a context switch. */
static void stk_user_rx_work(struct stk *e, sim_time now, bool woken)
{
	struct cpu_job j = { 0 };
	uint32_t count = chan_ring_count(&e->ch.rx);
	struct sim_pkt **cur = stk_cur(e, &e->rx_first, &e->rx_cur, &e->rx_cap,
				       count, &e->ch.rx);

	if (!cur)
		return;
	if (woken)
		cpu_job_ctxsw(&j, e->rx_cpu);
	cpu_job_syscall(&j, e->rx_cpu);
	e->rx_n = chan_rx_take(&e->ch, cur, count); /* all of them */
	for (uint32_t i = 0; i < e->rx_n; i++) {
		struct sim_pkt *p = cur[i];

		p->stamp_ps[PKT_ST_WAKEUP] = now;
		if (p->tcp_offload & TCP_GRO_MERGED) /* GRO: one packet */
			e->gro_merged++;
		else
			cpu_job_add(&j, CPU_A_PROTO, e->rx_proto_ps);
		if (e->rx_per_byte)
			stk_bytes_charge(&e->cfg, &j, p);
	}
	e->rx_syncs++;
	e->rx_busy = true;
	if (cpu_submit(e->rx_core, &j, stk_user_rx_done, e, NULL))
		stk_fail(e);
}

/* Queues one recv() of the in-kernel socket, at now. */
static void stk_kernel_rx_work(struct stk *e, sim_time now, bool woken)
{
	struct cpu_job j = { 0 };

	if (woken)
		cpu_job_ctxsw(&j, e->cpu);
	cpu_job_syscall(&j, e->cpu);
	e->rx_one = pkt_fifo_pop(&e->sock);
	e->rx_one->stamp_ps[PKT_ST_WAKEUP] = now;
	cpu_job_copy(&j, e->cpu, e->rx_one->len_bytes);
	stk_bytes_charge(&e->cfg, &j, e->rx_one);
	e->rx_syncs++;
	e->rx_busy = true;
	if (cpu_submit(e->core, &j, stk_kernel_rx_done, e, NULL))
		stk_fail(e);
}

static void stk_user_rx_done(struct sim *sim, void *a, void *b)
{
	struct stk *e = a;
	uint32_t n = e->rx_n;
	struct sim_pkt *const *cur = stk_rx_held(e);

	(void)b;
	e->rx_n = 0;
	e->rx_busy = false;
	stk_events_after_job(e, &e->rx_ev_due);
	for (uint32_t i = 0; i < n; i++) {
		pool_release_user(cur[i], e->rx_core_index);
		stk_deliver(sim, e, cur[i]);
	}
	if (!chan_rx_wait(&e->ch))
		stk_user_rx_work(e, sim_now(sim), false);
}

static void stk_kernel_rx_done(struct sim *sim, void *a, void *b)
{
	struct stk *e = a;
	struct sim_pkt *p = e->rx_one;

	(void)b;
	e->rx_one = NULL;
	e->rx_busy = false;
	stk_sb_give(e, true, stk_sb_len(p)); /* copied out */
	stk_deliver(sim, e, p);
	if (e->sock.n)
		stk_kernel_rx_work(e, sim_now(sim), false);
	else
		e->rx_sleeping = true;
}

static void stk_user_woken(struct sim *sim, void *a, void *b)
{
	struct stk *e = a;

	(void)b;
	e->rx_wakeups++;
	stk_user_rx_work(e, sim_now(sim), true);
}

static void stk_kernel_woken(struct sim *sim, void *a, void *b)
{
	struct stk *e = a;

	(void)b;
	e->rx_wakeups++;
	stk_kernel_rx_work(e, sim_now(sim), true);
}

/* The waker (a flow switch RX job on core) wakes the thread, which then
 * runs woken. */
static void stk_wake(struct stk *e, struct cpu_core *core, sim_fn woken)
{
	struct cpu_job j = { 0 };

	cpu_job_wakeup(&j, core, e->rx_core);
	if (cpu_submit(core, &j, woken, e, NULL))
		stk_fail(e);
}

static int stk_user_rx(struct fsw_endpoint *ep, struct cpu_core *core,
		       struct sim_pkt *p)
{
	struct stk *e = stk_of(ep);
	int rc = chan_rx_put(&e->ch, p);

	if (rc < 0)
		return rc;
	if (rc == 1)
		stk_wake(e, core, stk_user_woken);
	return 0;
}

static int stk_kernel_rx(struct stk *e, struct cpu_core *core,
			 struct sim_pkt *p)
{
	if (p->tcp_flags && !p->tcp_len) { /* the in-kernel TCP's own */
		p->stamp_ps[PKT_ST_WAKEUP] = sim_now(e->sim);
		stk_deliver(e->sim, e, p);
		return 0;
	}
	int rc;

	if (e->sock.n >= e->cfg.sockbuf_pkts)
		return -ENOSPC;
	rc = stk_sb_take(e, true, stk_sb_len(p));
	if (rc)
		return rc;
	pkt_fifo_push(&e->sock, p);
	if (e->rx_sleeping) {
		e->rx_sleeping = false;
		stk_wake(e, core, stk_kernel_woken);
	}
	return 0;
}

/* The in-kernel stack's demultiplexer: the socket bound to the port. */
static int stk_host_rx(struct fsw_endpoint *ep, struct cpu_core *core,
		       struct sim_pkt *p)
{
	struct stk_host *h = (struct stk_host *)ep;

	for (size_t i = 0; i < h->n; i++)
		if (h->socks[i].port == p->dport &&
		    h->socks[i].proto == p->proto)
			return stk_kernel_rx(h->socks[i].e, core, p);
	return -ENOENT;
}

/* ---- Events: the event ring wakes the app thread ---- */

static void stk_ev_read_done(struct sim *sim, void *a, void *b);

/* Queues the read of the event ring on the app's core: one syscall (the
 * kevent that returns the note and syncs the ring), after a context
 * switch if the thread was asleep; no cost per event, which is read from
 * shared memory. */
static void stk_ev_read(struct stk *e, bool woken)
{
	struct cpu_job j = { 0 };

	if (woken)
		cpu_job_ctxsw(&j, e->cpu);
	cpu_job_syscall(&j, e->cpu);
	e->ev_state = STK_EV_READING;
	if (cpu_submit(e->core, &j, stk_ev_read_done, e, NULL))
		stk_fail(e);
}

/* The poster's wakeup job is done: the thread is runnable. */
static void stk_ev_woken(struct sim *sim, void *a, void *b)
{
	(void)sim;
	(void)b;
	stk_ev_read(a, true);
}

/* An event found the ring empty: wake the thread if it sleeps (the poster
 * pays the wakeup on its core), or have it read after its current work. */
static void stk_ev_signal(struct stk *e)
{
	struct cpu_job j = { 0 };

	if (e->ev_state != STK_EV_IDLE)
		return; /* a read to come takes this event too */
	if (e->tx_busy || e->rx_busy) {
		e->ev_state = STK_EV_PENDING;
		e->tx_ev_due = e->rx_ev_due = true;
		return;
	}
	e->ev_wakeups++;
	if (!e->waker) {
		stk_ev_read(e, true);
		return;
	}
	cpu_job_wakeup(&j, e->waker, e->core);
	e->ev_state = STK_EV_WAKING;
	if (cpu_submit(e->waker, &j, stk_ev_woken, e, NULL))
		stk_fail(e);
}

/* The app thread ends a TX or RX job: events posted meanwhile are read
 * next. due is that direction's tx_ev_due or rx_ev_due, set with every
 * change to STK_EV_PENDING, so that a job end reads ev_state (a line of
 * its own) only after one: while due is clear, ev_state has not been
 * STK_EV_PENDING since that direction's last job end. */
static void stk_events_after_job(struct stk *e, bool *due)
{
	if (!*due)
		return;
	*due = false;
	if (e->ev_state == STK_EV_PENDING)
		stk_ev_read(e, false);
}

static int stk_post(struct stk *e, const struct chan_event *ev)
{
	int rc = chan_event_post(&e->ch, ev);

	if (rc < 0) {
		e->ev_lost++;
		return rc;
	}
	e->ev_posted++;
	if (rc == 1)
		stk_ev_signal(e);
	return 0;
}

/* Drops the frames of the TX ring already past their deadline (not those
 * of a sync in service); returns how many. */
static uint32_t stk_drop_stale(struct stk *e)
{
	uint32_t n;

	if (!stk_hold(e, &e->stale, &e->stale_cap, chan_ring_count(&e->ch.tx),
		      e->ch.tx.size))
		return 0;
	n = chan_tx_drop_stale(&e->ch, e->tx_busy ? e->tx_n : 0,
			       sim_now(e->sim), e->stale);

	for (uint32_t i = 0; i < n; i++) {
		struct sim_pkt *p = e->stale[i];

		e->stale_drops++;
		pool_release_user(p, e->core_index);
		sim_trace(e->sim, e->trace_id, SIM_TR_DROP, p->len_bytes);
		sim_port_send(&e->drop, p);
	}
	return n;
}

/* The read is done: every event the ring holds now, as one batch. */
static void stk_ev_read_done(struct sim *sim, void *a, void *b)
{
	struct stk *e = a;
	struct stk_events batch = { 0 };
	struct chan_event ev;

	(void)sim;
	(void)b;
	e->ev_state = STK_EV_IDLE;
	e->ev_reads++;
	while (chan_event_get(&e->ch, &ev)) {
		e->ev_read++;
		if (ev.type == CHAN_EV_TX_STATUS) {
			e->ev_status++;
			batch.tx_status++;
			continue;
		}
		batch.expired++;
		batch.expired_dropped += ev.status != 0;
		if (ev.created_ps > batch.latest_created_ps)
			batch.latest_created_ps = ev.created_ps;
	}
	if (e->drop_stale && batch.expired)
		batch.stale_dropped = stk_drop_stale(e);
	if (e->on_events && (batch.expired || batch.tx_status))
		e->on_events(e->on_events_arg, &batch);
}

/* ---- TX ---- */

static void stk_user_tx_done(struct sim *sim, void *a, void *b);
static void stk_kernel_tx_done(struct sim *sim, void *a, void *b);

static void stk_user_tx_event(struct sim *sim, void *a, void *b);

/* A suspended flow asks again after the backoff. */
static void stk_backoff(struct stk *e)
{
	e->backoffs++;
	e->tx_kick = true;
	if (!sim_schedule(e->sim, e->cfg.backoff_ps, stk_user_tx_event, e,
			  NULL))
		stk_fail(e);
}

/* The work of one synced packet in the trap: the low-latency netif
 * path's, or the flow switch's (and the queueing discipline's). */
static void stk_user_tx_charge(struct stk *e, struct cpu_job *j,
			       struct sim_pkt *p)
{
	if (e->tx_ll)
		netif_tx_charge(e->netif, j, &e->key, p, e->core_index);
	else
		fsw_tx_charge(e->fsw, j, p, false);
}

/* A sync of up to batch built packets: their protocol processing, the
 * trap, and in the trap the work of the path they take: the low-latency
 * netif path while the app is in the multiplexer's low-latency lane (no
 * flow advisory to ask), else the flow switch and the queueing
 * discipline. With TSO a TCP segment that rides the large send before it
 * (stk_tso_rides) is part of that send: no protocol processing and no
 * per-packet work of the flow switch (fsw_tx_charge). The segments still
 * go down in syncs of batch packets, so that the queues below see what
 * they saw without TSO; a sync that holds only segments riding a send
 * begun in an earlier one pays no trap (that send was handed over in
 * one). The job's last three parts, from which the stamps are placed
 * back from its end: the trap, the path's work, the queueing
 * discipline's. */
static void stk_user_tx_kick(struct stk *e)
{
	struct cpu_job j = { 0 };
	uint32_t avail = chan_ring_count(&e->ch.tx), n, heads = 0;
	sim_time proto, trap, qdisc;

	if (e->tx_busy || !avail)
		return;
	e->tx_ll = e->netif && netif_takes(e->netif, e->owner);
	if (!e->tx_ll && !fsw_admissible(e->fsw, (uint32_t)e->flow_id)) {
		stk_backoff(e);
		return;
	}
	n = avail < e->batch_pkts ? avail : e->batch_pkts;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t slot =
			e->ch.tx.slot[(e->ch.tx.cons + i) & e->ch.tx.mask];
		struct sim_pkt *p = e->ch.buf[slot];

		if (stk_tso_rides(&e->cfg, p, &e->tso_run)) {
			e->tso_rides++;
		} else {
			heads++;
			cpu_job_add(&j, CPU_A_PROTO, e->proto_ps);
		}
		if (e->per_byte)
			stk_bytes_charge(&e->cfg, &j, p);
		stk_user_tx_charge(e, &j, p);
	}
	cpu_job_add(&j, CPU_A_MEM, e->tx_mem_ps);
	e->tx_mem_ps = 0;
	proto = j.ps[CPU_A_PROTO] + j.ps[CPU_A_CSUM] + j.ps[CPU_A_TLS];
	qdisc = j.ps[CPU_A_MUX];
	if (heads) /* else the rest of a send handed over in a trap before */
		cpu_job_syscall(&j, e->cpu);
	trap = j.ps[CPU_A_SYSCALL];
	e->tx_tail_ps[0] = trap;
	e->tx_tail_ps[1] = cpu_job_cost(&j) - proto - trap - qdisc;
	e->tx_tail_ps[2] = qdisc;
	e->tx_n = n;
	e->tx_busy = true;
	e->tx_syncs++;
	if (cpu_submit(e->core, &j, stk_user_tx_done, e, NULL))
		stk_fail(e);
}

/* The stamps of the path's and the queueing discipline's work in a job
 * that ends now: the path's ends tail[2] before the end. */
static void stk_stamp_path(const struct stk *e, struct sim_pkt *p, bool ll,
			   sim_time end)
{
	if (ll) {
		p->stamp_ps[PKT_ST_NETIF_TX] = end;
		return;
	}
	p->stamp_ps[PKT_ST_FSW_TX] = end - e->tx_tail_ps[2];
	if (e->tx_tail_ps[2])
		p->stamp_ps[PKT_ST_QDISC_TX] = end;
}

static void stk_user_tx_done(struct sim *sim, void *a, void *b)
{
	struct stk *e = a;
	sim_time end = sim_now(sim);
	sim_time synced = end - e->tx_tail_ps[2] - e->tx_tail_ps[1];
	sim_time built = synced - e->tx_tail_ps[0];
	struct sim_pkt **cur = stk_cur(e, &e->tx_first, &e->tx_cur, &e->tx_cap,
				       e->tx_n, &e->ch.tx);
	uint32_t n = cur ? chan_tx_take(&e->ch, cur, e->tx_n) : 0;

	(void)b;
	e->tx_busy = false;
	stk_events_after_job(e, &e->tx_ev_due);
	if (!e->tx_ll) /* the batch's device packets, for the copies */
		for (uint32_t i = 0; i < n; i++)
			fsw_tx_copy(e->fsw, cur[i], e->core_index,
				    &e->tx_mem_ps);
	for (uint32_t i = 0; i < n; i++) {
		struct sim_pkt *p = cur[i];

		p->stamp_ps[PKT_ST_STACK_TX] = built;
		p->stamp_ps[PKT_ST_SYNC] = synced;
		stk_stamp_path(e, p, e->tx_ll, end);
		e->tx_packets++;
		pool_release_user(p, e->core_index); /* copied out */
		if (e->tx_ll)
			netif_tx(e->netif, &e->key, p);
		else
			fsw_tx(e->fsw, (uint32_t)e->flow_id, p);
	}
	stk_user_tx_kick(e);
	if (e->on_room && n)
		e->on_room(e->on_room_arg);
}

static void stk_user_tx_event(struct sim *sim, void *a, void *b)
{
	struct stk *e = a;

	(void)sim;
	(void)b;
	e->tx_kick = false;
	stk_user_tx_kick(e);
}

/* The app thread syncs once it has built what it sends at this instant
 * (a burst is one write of several packets), so the first sync waits for
 * the end of the current event: an event at the same time. */
static void stk_user_tx_later(struct stk *e)
{
	if (e->tx_busy || e->tx_kick)
		return;
	e->tx_kick = true;
	if (!sim_schedule(e->sim, 0, stk_user_tx_event, e, NULL))
		stk_fail(e);
}

/* One send(): trap, copy in, protocol processing and the packet's
 * per-byte work (in the kernel: kernel TLS, the stack's checksum), the
 * host port. A TCP segment is the in-kernel TCP's: the trap only with the
 * first byte of an application write (TCP_WRITE), the copy of its
 * payload only (none for an ACK), and with TSO no protocol processing nor
 * per-packet flow switch work for a segment that rides the large send
 * before it (stk_tso_rides). */
static void stk_kernel_tx_kick(struct stk *e)
{
	struct cpu_job j = { 0 };
	struct sim_pkt *p;
	sim_time before;

	if (e->tx_busy || !e->txq.n)
		return;
	p = e->tx_one = pkt_fifo_pop(&e->txq);
	if (!p->tcp_flags || (p->tcp_flags & TCP_WRITE))
		cpu_job_syscall(&j, e->cpu);
	if (!p->tcp_flags || p->tcp_len)
		cpu_job_copy(&j, e->cpu,
			     p->tcp_flags ? p->tcp_len : p->len_bytes);
	if (stk_tso_rides(&e->cfg, p, &e->tso_run))
		e->tso_rides++;
	else
		cpu_job_add(&j, CPU_A_PROTO, e->cfg.proto_ps);
	stk_bytes_charge(&e->cfg, &j, p);
	cpu_job_add(&j, CPU_A_MEM, e->tx_mem_ps); /* earlier allocations */
	e->tx_mem_ps = 0;
	before = cpu_job_cost(&j);
	fsw_tx_charge(e->fsw, &j, p, true);
	e->tx_tail_ps[0] = 0;
	e->tx_tail_ps[2] = j.ps[CPU_A_MUX];
	e->tx_tail_ps[1] = cpu_job_cost(&j) - before - e->tx_tail_ps[2];
	e->tx_busy = true;
	e->tx_syncs++;
	if (cpu_submit(e->core, &j, stk_kernel_tx_done, e, NULL))
		stk_fail(e);
}

static void stk_kernel_tx_done(struct sim *sim, void *a, void *b)
{
	struct stk *e = a;
	struct sim_pkt *p = e->tx_one;
	sim_time end = sim_now(sim);
	sim_time built = end - e->tx_tail_ps[2] - e->tx_tail_ps[1];

	(void)b;
	e->tx_one = NULL;
	e->tx_busy = false;
	if (!p->tcp_flags) /* a TCP segment's bytes are the TCP's */
		stk_sb_give(e, false, p->len_bytes);
	p->stamp_ps[PKT_ST_STACK_TX] = built;
	p->stamp_ps[PKT_ST_SYNC] = built;
	stk_stamp_path(e, p, false, end);
	e->tx_packets++;
	fsw_tx_copy(e->fsw, p, e->core_index, &e->tx_mem_ps);
	fsw_tx_host(e->fsw, p);
	stk_kernel_tx_kick(e);
	if (e->on_room)
		e->on_room(e->on_room_arg);
}

/* Writes the headers the stack puts on p: its flow's, or the forgery the
 * (spoofing) app asked for. */
static void stk_headers(const struct stk *e, struct sim_pkt *p)
{
	const struct flow_key *k = &e->key;

	p->saddr = k->laddr;
	p->daddr = k->raddr;
	p->sport = k->lport;
	p->dport = k->rport;
	p->proto = k->proto;
	p->token = e->token;
	switch (p->forged) {
	case PKT_FORGE_SADDR:
		p->saddr ^= 0x00ff0000u; /* another subnet's address */
		break;
	case PKT_FORGE_SPORT:
		p->sport = (uint16_t)(p->sport + 30000u); /* never reserved */
		break;
	case PKT_FORGE_PROTO:
		p->proto = k->proto == FLOW_PROTO_UDP ? FLOW_PROTO_TCP
						      : FLOW_PROTO_UDP;
		break;
	case PKT_FORGE_REPLAY:
		if (e->victim) {
			p->saddr = e->victim->key.laddr;
			p->daddr = e->victim->key.raddr;
			p->sport = e->victim->key.lport;
			p->dport = e->victim->key.rport;
			p->proto = e->victim->key.proto;
		}
		break;
	default:
		break;
	}
}

static void stk_tx(void *owner, struct sim_pkt *p)
{
	struct stk *e = owner;
	bool full;
	int rc;

	stk_headers(e, p);
	if (e->pool && !(p->tcp_flags & TCP_BUFFERED) &&
	    pool_attach_user(e->pool, p, e->core_index, &e->tx_mem_ps)) {
		e->no_memory++;
		sim_trace(e->sim, e->trace_id, SIM_TR_DROP, p->len_bytes);
		sim_port_send(&e->drop, p);
		return;
	}
	if (e->kind == STK_USER)
		full = chan_tx_put(&e->ch, p) != 0;
	else
		full = e->txq.n >= e->cfg.sockbuf_pkts;
	/* a datagram takes its bytes in the socket's send buffer until the
	 * send hands it on; a TCP segment's are its TCP's already */
	rc = full || e->kind != STK_KERNEL || p->tcp_flags
		     ? 0
		     : stk_sb_take(e, false, p->len_bytes);
	if (rc == -ENOMEM) {
		e->no_memory++;
		sim_trace(e->sim, e->trace_id, SIM_TR_DROP, p->len_bytes);
		sim_port_send(&e->drop, p);
		return;
	}
	if (full || rc) {
		e->tx_full++;
		sim_trace(e->sim, e->trace_id, SIM_TR_DROP, p->len_bytes);
		sim_port_send(&e->drop, p);
		return;
	}
	sim_trace(e->sim, e->trace_id, SIM_TR_ENQUEUE, p->len_bytes);
	if (e->kind == STK_USER) {
		stk_user_tx_later(e);
	} else {
		pkt_fifo_push(&e->txq, p);
		stk_kernel_tx_kick(e);
	}
}

/* ---- set-up ---- */

int stk_host_create(const struct stk_cfg *cfg, struct stk_host **out, char *err,
		    size_t errlen)
{
	struct stk_host *h = calloc(1, sizeof(*h));

	if (!h) {
		errmsg(err, errlen, "in-kernel stack: out of memory");
		return -ENOMEM;
	}
	h->ep.rx = stk_host_rx;
	h->ep.rx_extra_ps = cfg->proto_ps;
	h->ep.gro = cfg->gro;
	*out = h;
	return 0;
}

void stk_host_destroy(struct stk_host *h)
{
	if (!h)
		return;
	free(h->socks);
	free(h);
}

struct fsw_endpoint *stk_host_endpoint(struct stk_host *h)
{
	return &h->ep;
}

static int stk_bind(struct stk_host *h, struct stk *e)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->socks[i].port == e->key.lport &&
		    h->socks[i].proto == e->key.proto)
			return -EADDRINUSE;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 8;
		struct stk_sock *v = realloc(h->socks, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->socks = v;
		h->cap = cap;
	}
	h->socks[h->n++] = (struct stk_sock){ e->key.proto, e->key.lport, e };
	return 0;
}

static int stk_stats(struct stk *e, struct stats *st)
{
	static const struct {
		const char *metric, *unit;
		size_t at;
	} ctr[] = {
		{ "tx.syncs", "", offsetof(struct stk, tx_syncs) },
		{ "tx.packets", "packets", offsetof(struct stk, tx_packets) },
		{ "rx.syncs", "", offsetof(struct stk, rx_syncs) },
		{ "rx.packets", "packets", offsetof(struct stk, rx_packets) },
		{ "rx.wakeups", "", offsetof(struct stk, rx_wakeups) },
		{ "drops.tx_full", "packets", offsetof(struct stk, tx_full) },
		{ "tx.backoffs", "", offsetof(struct stk, backoffs) },
		{ "events.posted", "", offsetof(struct stk, ev_posted) },
		{ "events.lost", "", offsetof(struct stk, ev_lost) },
		{ "events.read", "", offsetof(struct stk, ev_read) },
		{ "drops.no_memory", "packets",
		  offsetof(struct stk, no_memory) },
		{ "events.tx_status", "", offsetof(struct stk, ev_status) },
		{ "events.wakeups", "", offsetof(struct stk, ev_wakeups) },
		{ "events.reads", "", offsetof(struct stk, ev_reads) },
		{ "drops.stale", "packets", offsetof(struct stk, stale_drops) },
		{ "tx.tso_segments", "packets",
		  offsetof(struct stk, tso_rides) },
		{ "rx.gro_segments", "packets",
		  offsetof(struct stk, gro_merged) },
	};

	for (size_t i = 0; i < sizeof(ctr) / sizeof(ctr[0]); i++)
		if (!stats_counter_at(st, e->name, ctr[i].metric, ctr[i].unit,
				      (uint64_t *)((char *)e + ctr[i].at)))
			return -ENOMEM;
	if (e->kind == STK_KERNEL) {
		e->g_snd = stats_gauge(st, e->name, "sockbuf.snd", "B");
		e->g_rcv = stats_gauge(st, e->name, "sockbuf.rcv", "B");
		if (!e->g_snd || !e->g_rcv)
			return -ENOMEM;
	}
	return 0;
}

/* The channel of a user endpoint, from cfg->chan. */
static int stk_channel(struct stk *e)
{
	const struct chan_cfg *c = &e->cfg.chan;
	int rc = chan_init(&e->ch, c->tx_slots, c->rx_slots, c->event_slots,
			   c->lowat_slots);

	if (rc)
		return rc;
	chan_rx_wait(&e->ch); /* the app thread starts asleep on RX */
	return 0;
}

/* Reserves the port and registers the flow (user), or binds a socket. */
static int stk_attach(struct stk *e, struct stk_host *kh)
{
	int rc;

	if (e->kind == STK_KERNEL) {
		e->rx_sleeping = true;
		return stk_bind(kh, e);
	}
	rc = fsw_reserve(e->fsw, e->key.proto, e->key.lport, e->owner);
	if (rc)
		return rc;
	rc = fsw_register(e->fsw, &e->key, e->owner, &e->ep, &e->token);
	if (rc < 0)
		return rc;
	e->flow_id = rc;
	return 0;
}

int stk_create(const struct stk_cfg *cfg, const struct model_env *env,
	       enum stk_kind kind, struct cpu *cpu, struct cpu_core *core,
	       struct fsw *fsw, struct stk_host *kh, const struct flow_key *key,
	       uint32_t owner, struct stk **out, char *err, size_t errlen)
{
	/* the statistics' (stats_block): never freed here */
	struct stk *e = stats_block(env->st, sizeof(*e));
	int rc = -ENOMEM;

	if (!e)
		goto out_err;
	e->sim = env->sim;
	e->name = env->component;
	e->trace_id = sim_trace_id(env->component);
	e->kind = kind;
	e->cpu = cpu;
	e->core = core;
	e->core_index = core ? cpu_core_index(core) : 0;
	e->fsw = fsw;
	e->key = *key;
	e->owner = owner;
	e->flow_id = -1;
	e->ep.rx = stk_user_rx;
	e->ep.gro = cfg->gro;
	e->cfg = *cfg;
	e->batch_pkts = cfg->batch_pkts;
	e->proto_ps = e->rx_proto_ps = cfg->proto_ps;
	e->per_byte = e->rx_per_byte = !cfg->csum_offload || cfg->tls;
	e->rx_cpu = cpu;
	e->rx_core = core;
	e->rx_core_index = e->core_index;
	e->rx_trace_id = e->trace_id;
	if (stk_stats(e, env->st))
		goto out_free;
	if (kind == STK_USER) {
		rc = stk_channel(e);
		if (rc)
			goto out_free;
	}
	rc = stk_attach(e, kh);
	if (rc)
		goto out_free;
	*out = e;
	return 0;
out_free:
	stk_destroy(e);
out_err:
	if (rc == -ENOMEM)
		errmsg(err, errlen, "%s: out of memory", env->component);
	else if (rc == -EINVAL)
		errmsg(err, errlen, "%s: the channel's sizes do not fit",
		       env->component);
	else
		errmsg(err, errlen, "%s: cannot register its flow (%s)",
		       env->component, strerror(-rc));
	return rc;
}

void stk_destroy(struct stk *e)
{
	if (!e)
		return;
	chan_fini(&e->ch);
	free(e->tx_cur);
	free(e->rx_cur);
	free(e->stale);
	/* e is the statistics' (stats_block) */
}

const struct stk_cfg *stk_config(const struct stk *e)
{
	return &e->cfg;
}

struct sim_port stk_tx_input(struct stk *e)
{
	return (struct sim_port){ .recv = stk_tx, .owner = e };
}

void stk_connect(struct stk *e, struct sim_port deliver, struct sim_port drop)
{
	e->deliver = deliver;
	e->drop = drop;
}

void stk_set_memory(struct stk *e, struct pool_mem *mem)
{
	e->mem = mem;
}

void stk_set_pool(struct stk *e, struct pool *pool)
{
	e->pool = pool;
	e->ep.pool = pool;
}

int stk_post_status(struct stk *e, const struct sim_pkt *p)
{
	struct chan_event ev = { .type = CHAN_EV_TX_STATUS,
				 .status = 0, /* success */
				 .flow = (uint32_t)e->flow_id,
				 .pkt_id = p->id,
				 .at_ps = sim_now(e->sim) };

	if (e->kind != STK_USER)
		return -ENOTSUP;
	return stk_post(e, &ev);
}

int stk_post_expired(struct stk *e, const struct sim_pkt *p, int origin,
		     bool dropped)
{
	struct chan_event ev = { .type = CHAN_EV_TX_EXPIRED,
				 .status = dropped,
				 .origin = (uint8_t)origin,
				 .flow = (uint32_t)e->flow_id,
				 .pkt_id = p->id,
				 .created_ps = p->created_ps,
				 .at_ps = sim_now(e->sim) };

	if (e->kind != STK_USER)
		return -ENOTSUP;
	return stk_post(e, &ev);
}

void stk_on_events(struct stk *e,
		   void (*fn)(void *arg, const struct stk_events *ev),
		   void *arg)
{
	e->on_events = fn;
	e->on_events_arg = arg;
}

static void stk_room_event(struct sim *sim, void *a, void *b)
{
	struct stk *e = a;

	(void)sim;
	(void)b;
	e->room_retry = false;
	if (e->on_room)
		e->on_room(e->on_room_arg);
}

bool stk_tx_room(struct stk *e)
{
	if (e->kind == STK_USER)
		return chan_ring_space(&e->ch.tx) && chan_free_count(&e->ch);
	if (!fsw_host_admissible(e->fsw, &e->fc_suspended)) {
		/* flow-controlled: ask again after the backoff */
		if (!e->room_retry && sim_schedule(e->sim, e->cfg.backoff_ps,
						   stk_room_event, e, NULL)) {
			e->room_retry = true;
			e->backoffs++;
		}
		return false;
	}
	return e->txq.n < e->cfg.sockbuf_pkts;
}

struct pool *stk_pool(const struct stk *e)
{
	return e->pool;
}

uint32_t stk_cpu_index(const struct stk *e)
{
	return e->core_index;
}

void stk_add_mem_cost(struct stk *e, sim_time ps)
{
	e->tx_mem_ps += ps;
}

void stk_on_tx_room(struct stk *e, void (*fn)(void *arg), void *arg)
{
	e->on_room = fn;
	e->on_room_arg = arg;
}

void stk_set_waker(struct stk *e, struct cpu_core *waker)
{
	e->waker = waker;
}

void stk_set_drop_stale(struct stk *e, bool on)
{
	e->drop_stale = on;
}

void stk_set_netif(struct stk *e, struct netif *netif)
{
	if (e->kind == STK_USER)
		e->netif = netif;
}

void stk_set_victim(struct stk *e, const struct stk *victim)
{
	e->victim = victim;
}

static void stk_close(struct sim *sim, void *a, void *b)
{
	struct stk *e = a;

	(void)sim;
	(void)b;
	if (e->flow_id >= 0)
		fsw_teardown(e->fsw, (uint32_t)e->flow_id);
}

int stk_close_at(struct stk *e, sim_time at)
{
	if (!at || e->kind != STK_USER)
		return 0;
	return sim_schedule_at(e->sim, at, stk_close, e, NULL) ? 0 : -ENOMEM;
}

static uint64_t ring_count(const struct chan *ch, const struct chan_ring *r,
			   uint32_t src)
{
	uint64_t n = 0;

	for (uint32_t i = r->cons; i != r->prod; i++)
		n += ch->buf[r->slot[i & r->mask]]->src == src;
	return n;
}

uint64_t stk_held_by(const struct stk *e, uint32_t src)
{
	uint64_t n = pkt_fifo_count_src(&e->txq, src) +
		     pkt_fifo_count_src(&e->sock, src);

	n += e->tx_one && e->tx_one->src == src;
	n += e->rx_one && e->rx_one->src == src;
	if (e->kind != STK_USER)
		return n;
	n += ring_count(&e->ch, &e->ch.tx, src);
	n += ring_count(&e->ch, &e->ch.rx, src);
	for (uint32_t i = 0; i < e->rx_n; i++)
		n += stk_rx_held(e)[i]->src == src;
	return n;
}

static void stk_ops_destroy(void *m)
{
	stk_destroy(m);
}

static void ring_held_add(const struct chan *ch, const struct chan_ring *r,
			  uint64_t *held, size_t napps)
{
	for (uint32_t i = r->cons; i != r->prod; i++)
		pkt_held_add(ch->buf[r->slot[i & r->mask]], held, napps);
}

static void stk_ops_held_add(const void *m, uint64_t *held, size_t napps)
{
	const struct stk *e = m;

	pkt_fifo_held_add(&e->txq, held, napps);
	pkt_fifo_held_add(&e->sock, held, napps);
	pkt_held_add(e->tx_one, held, napps);
	pkt_held_add(e->rx_one, held, napps);
	if (e->kind != STK_USER)
		return;
	ring_held_add(&e->ch, &e->ch.tx, held, napps);
	ring_held_add(&e->ch, &e->ch.rx, held, napps);
	for (uint32_t i = 0; i < e->rx_n; i++)
		pkt_held_add(stk_rx_held(e)[i], held, napps);
}

const struct model_ops stk_ops = {
	.name = "stack",
	.destroy = stk_ops_destroy,
	.held_add = stk_ops_held_add,
};

static void stk_host_ops_destroy(void *m)
{
	stk_host_destroy(m);
}

const struct model_ops stk_host_ops = {
	.name = "stack.host",
	.destroy = stk_host_ops_destroy,
};
