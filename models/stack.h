/*
 * stack.h - protocol stacks: an app's user-space stack with its channel,
 * and the host's legacy in-kernel stack with its sockets.
 *
 * An endpoint (struct stk) is one app's end of a flow on one host: the
 * sending end on the app's host, the receiving end on its peer (which
 * sends the responses of an RPC app). Its kind says how it moves packets:
 *
 *   user    the app's own stack builds packets into the TX slots of its
 *           channel (protocol processing per packet), and one sync trap
 *           hands up to `batch` of them to the flow switch, which copies
 *           and checks them in the trap and enqueues them into the
 *           multiplexer's queueing discipline; while the app is in the
 *           multiplexer's low-latency lane, the trap hands them to the
 *           low-latency netif path instead (models/netif.h: a copy and
 *           the optional outbound validation, no flow switch, no
 *           queueing discipline). On RX the flow switch copies
 *           packets into the RX ring; a kqueue wakeup (low-water mark)
 *           wakes the app thread, which takes all the ring holds in one
 *           sync and processes them.
 *   kernel  the legacy socket path: one syscall and one copy into the
 *           kernel per send, in-kernel protocol processing, then the flow
 *           switch's host port (another copy into a device packet). On RX
 *           the flow switch finds no flow and hands the packet to the
 *           in-kernel stack (copy into an mbuf, protocol processing in the
 *           flow switch's RX job), which appends it to the socket buffer
 *           and wakes the app thread if it sleeps in recv(); each recv()
 *           is a syscall and a copy out.
 *
 * All of an endpoint's work runs on its app's core (struct cpu_core),
 * except what the flow switch does in its RX job on a kernel core and the
 * wakeups, which the waker pays. Stamps: PKT_ST_STACK_TX (built),
 * PKT_ST_SYNC (the sync trap is over), PKT_ST_FSW_TX and PKT_ST_QDISC_TX
 * (the flow switch's and the queueing discipline's work is done) or
 * PKT_ST_NETIF_TX (the low-latency path's), PKT_ST_WAKEUP (the app thread
 * started the work that takes the packet); delivery is the end of that
 * work.
 *
 * Statistics under COMPONENT (e.g. "hosts.client.stack.rpc"): counters
 * tx.syncs (TX syncs, or send() calls), tx.packets, rx.syncs (RX syncs, or
 * recv() calls), rx.packets, rx.wakeups, drops.tx_full (the app found no
 * TX slot or no room in the send queue: the packet is dropped),
 * tx.backoffs (a sync put off because the flow advisory suspended the
 * flow; the stack asks again hosts.*.stack.backoff later), and for the
 * channel's event ring (transmit status and transmit expired events):
 * events.posted, events.lost (posted into a full ring: only counted),
 * events.wakeups (the app thread woken by an event), events.reads (reads
 * of the ring), events.read (events read), events.tx_status (transmit
 * status events read) and drops.stale (frames of the TX ring dropped as
 * past their deadline, for an app that drops stale frames); for an
 * in-kernel end, gauges sockbuf.snd and sockbuf.rcv (B): the bytes in
 * its socket's send buffer (a datagram until its send hands it to the
 * flow switch; a TCP segment's payload until it is acknowledged, counted
 * through tcp_set_send_account()) and receive buffer (until the app's
 * recv() has copied it out), bounded by stack.sndbuf and stack.rcvbuf
 * and counted in the host's memory (stk_set_memory(), mem.sockbuf).
 *
 * Events wake the app. An event posted into an empty ring signals the app
 * thread (one into a ring that holds events does not signal again): if
 * the thread sleeps, the poster pays a wakeup on its core (the host's
 * kernel core given by stk_set_waker()) and the thread a context switch;
 * if it is running (a TX or RX job of it is queued), it reads after that
 * job. A read is a job on the app's core of one syscall (the kevent that
 * syncs the ring) that takes, at its end, every event the ring holds, and
 * hands them to the app as one batch (stk_on_events()).
 *
 * The configuration is struct stk_cfg: hosts.NAME.stack.* read by
 * stk_cfg_load() (models/stack_params.c), and a user endpoint's channel,
 * hosts.NAME.channel.* read by chan_cfg_load() (channel_params.c). The
 * topology keeps endpoints with stk_ops and the in-kernel stack with
 * stk_host_ops.
 */
#ifndef USNSIM_STACK_H
#define USNSIM_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "cpu.h"
#include "flowswitch.h"
#include "flowtab.h"
#include "model.h"
#include "param.h"
#include "pkt.h"

struct stk;
struct stk_host;

/* The configuration of a host's stacks: the parameters under
 * hosts.NAME.stack (see stack_params.c for their meaning and sources),
 * and a user endpoint's channel. */
struct stk_cfg {
	sim_time proto_ps;	/* protocol processing per packet */
	uint32_t batch_pkts;	/* user: most packets one TX sync hands over */
	uint32_t sockbuf_pkts;	/* kernel: send queue and socket buffer */
	uint64_t sndbuf_bytes;	/* kernel: socket send buffer, bytes */
	uint64_t rcvbuf_bytes;	/* kernel: socket receive buffer, bytes */
	sim_time backoff_ps;	/* user: a suspended flow asks again after */
	bool csum_offload;	/* the NIC checksums: no CPU time for it */
	double csum_Bps;	/* else the stack's, bytes per second, > 0 */
	bool tls;		/* TLS records: encrypt on TX, decrypt on RX */
	double tls_Bps;		/* AEAD cipher bandwidth, bytes per second */
	sim_time tls_record_ps; /* per record (set-up, nonce, tag) */
	uint32_t tls_record_bytes; /* most plaintext bytes of a record */
	bool tso;		   /* TSO/GSO: a TCP burst is one large send */
	uint32_t tso_max_bytes;	   /* most payload bytes of one such send */
	bool gro;		   /* GRO: in-order segments merged on RX */
	struct chan_cfg chan;	   /* user: the channel, from chan_cfg_load() */
};

/* The per-byte work of one packet p, charged to job j: its length over
 * csum_Bps in account checksum (unless csum_offload), and with tls, in
 * account tls, its records x tls_record_ps + its TLS bytes / tls_Bps: a
 * datagram's bytes are ceil(len / tls_record_bytes) records; a TCP
 * segment's payload (tcp_len) holds the records that start in it
 * (p->tcp_records, marked by the app from its writes). Either direction
 * costs the same (AES-GCM decrypts at the rate it encrypts; a received
 * checksum is verified over every byte). */
void stk_bytes_charge(const struct stk_cfg *cfg, struct cpu_job *j,
		      const struct sim_pkt *p);

enum stk_kind { STK_NONE, STK_KERNEL, STK_USER };

/* TSO/GSO (cfg->tso): whether TCP segment p, which the stack is about to
 * send, rides the large send of the burst before it: it follows back to
 * back (TCP_TSO_CONT) and the burst's payload, *run bytes so far, stays
 * within tso_max_bytes with it. Updates *run, and clears TCP_TSO_CONT
 * from a segment that starts a send of its own, so that the flow switch,
 * the queueing discipline and the driver skip their per-packet work for
 * the segments that keep it. */
bool stk_tso_rides(const struct stk_cfg *cfg, struct sim_pkt *p, uint64_t *run);

/* Returns the kind named by apps.*.stack ("none", "kernel", "user"). */
enum stk_kind stk_kind_of(const char *name);

/* Fills cfg from the parameters under prefix ("hosts.client.stack"),
 * with cfg->chan zeroed: a user endpoint's channel is loaded into it by
 * chan_cfg_load(). Returns 0 (a stack's parameters have no combination to
 * refuse; the ranges keep a TLS record within the 16 KiB TLS allows). */
int stk_cfg_load(struct stk_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen);

/* The in-kernel stack of a host: a socket table by local port, reached as
 * the flow switch's host endpoint (its protocol processing is
 * cfg->proto_ps). Returns 0, or -ENOMEM with a message in err. */
int stk_host_create(const struct stk_cfg *cfg, struct stk_host **out, char *err,
		    size_t errlen);
void stk_host_destroy(struct stk_host *h); /* NULL is a no-op */
/* destroy for the topology's loops. */
extern const struct model_ops stk_host_ops;
struct fsw_endpoint *stk_host_endpoint(struct stk_host *h);

/* Creates an endpoint of kind, registering its statistics under
 * env->component (e.g. "hosts.client.stack.rpc"), for the flow key (seen
 * from this host) of app owner, running on core of cpu, with flow switch
 * fsw and in-kernel stack kh of the host. A user endpoint reserves its
 * local port and registers its flow; a kernel endpoint binds a socket.
 * Returns 0; -EADDRINUSE, -EPERM or -EEXIST from the registration;
 * -EINVAL if a user endpoint's cfg->chan does not make a channel;
 * -ENOMEM; a message in err. */
int stk_create(const struct stk_cfg *cfg, const struct model_env *env,
	       enum stk_kind kind, struct cpu *cpu, struct cpu_core *core,
	       struct fsw *fsw, struct stk_host *kh, const struct flow_key *key,
	       uint32_t owner, struct stk **out, char *err, size_t errlen);
void stk_destroy(struct stk *e); /* NULL is a no-op */
/* The endpoint's configuration (its host's hosts.NAME.stack). */
const struct stk_cfg *stk_config(const struct stk *e);
/* destroy and held_add for the topology's loops. */
extern const struct model_ops stk_ops;
/* Where the app hands the packets it sends; where delivered packets go;
 * where the ones the stack drops go. */
struct sim_port stk_tx_input(struct stk *e);
void stk_connect(struct stk *e, struct sim_port deliver, struct sim_port drop);
/* The channel's pool of a user endpoint (models/pool.h; NULL: memory not
 * modelled): the stack builds each packet into its buffers (none free:
 * dropped, drops.no_memory), the flow switch copies received packets into
 * them. */
struct pool;
void stk_set_pool(struct stk *e, struct pool *pool);
/* A transmit expired event for packet p (found past its deadline at
 * origin, enum pkt_origin; dropped or not) posted to the endpoint's event
 * ring (counted in events.posted, or events.lost if the ring is full); it
 * wakes the app thread if the ring was empty. Returns 0, -ENOSPC (ring
 * full) or -ENOTSUP (no channel: kernel stack). */
int stk_post_expired(struct stk *e, const struct sim_pkt *p, int origin,
		     bool dropped);
/* What one read of the event ring found. */
struct stk_events {
	uint32_t expired;	    /* transmit expired events */
	uint32_t expired_dropped;   /* ... of packets dropped */
	uint32_t tx_status;	    /* transmit status events */
	sim_time latest_created_ps; /* latest creation of an expired one */
	uint32_t stale_dropped;	    /* TX frames dropped as stale after it */
};
/* fn(arg, batch) after each read that found events. */
void stk_on_events(struct stk *e,
		   void (*fn)(void *arg, const struct stk_events *ev),
		   void *arg);
/* Whether the endpoint takes another packet from its app now: a free TX
 * slot of the channel (user; a flow the flow advisory suspended stops
 * syncing, so its ring fills), or room in the send queue of a socket the
 * flow advisory has not suspended (kernel: fsw_host_admissible(); a
 * suspended socket asks again after stack.backoff, counted in
 * tx.backoffs). A sender that waits for room (TCP) asks before it sends,
 * and is called back with fn(arg) each time a sync or send has freed
 * some, or the backoff has passed. */
bool stk_tx_room(struct stk *e);
/* The channel's pool of a user endpoint (NULL: none), the index of the
 * app's core for its magazines, and memory time (an allocation on the
 * app's behalf) to charge with the endpoint's next TX sync. */
struct pool *stk_pool(const struct stk *e);
uint32_t stk_cpu_index(const struct stk *e);
void stk_add_mem_cost(struct stk *e, sim_time ps);
void stk_on_tx_room(struct stk *e, void (*fn)(void *arg), void *arg);
/* The core whose jobs post the endpoint's events (the host's kernel
 * core): it pays their wakeups. NULL (the default): no wakeup cost. */
void stk_set_waker(struct stk *e, struct cpu_core *waker);
/* With on, a read that finds a transmit expired event drops every frame
 * of the TX ring already past its deadline (drops.stale), before the app
 * hears of the batch. */
void stk_set_drop_stale(struct stk *e, bool on);
/* A transmit status event (success) for packet p, which has left the
 * host's NIC; the stack counts those it reads in events.tx_status.
 * Returns 0, -ENOSPC or -ENOTSUP like stk_post_expired(). */
int stk_post_status(struct stk *e, const struct sim_pkt *p);
/* The host's low-latency netif path (models/netif.h; NULL: none): a user
 * endpoint's sync takes it, instead of the flow switch and the queueing
 * discipline, while netif_takes() says its app is in the low-latency
 * lane. Kernel endpoints ignore it. */
struct netif;
void stk_set_netif(struct stk *e, struct netif *netif);
/* In-kernel endpoint: the host memory its socket buffers count in
 * (mem.sockbuf), from hostmem_memory(); NULL (the default): memory not
 * modelled, the buffers bounded by their sizes alone. */
struct pool_mem;
void stk_set_memory(struct stk *e, struct pool_mem *mem);
/* In-kernel endpoint: its TCP's send buffer (tcp_set_send_account()):
 * takes bytes into the socket's send buffer, 0 or -ENOSPC (beyond
 * stack.sndbuf) or -ENOMEM (the host's memory is short); gives them
 * back. */
int stk_sndbuf_take(struct stk *e, uint32_t bytes);
void stk_sndbuf_give(struct stk *e, uint32_t bytes);
/* A spoofing app's endpoint: the flow whose 5-tuple a replay uses (NULL:
 * none). */
void stk_set_victim(struct stk *e, const struct stk *victim);
/* Tears the endpoint's flow down at time at (user endpoints; 0: never).
 * Returns 0 or -ENOMEM. */
int stk_close_at(struct stk *e, sim_time at);
/* Packets of app src the endpoint holds (rings, buffers, in service). */
uint64_t stk_held_by(const struct stk *e, uint32_t src);

#endif
