/*
 * tcp.h - a TCP endpoint: handshake, segmentation by MSS, cumulative and
 * delayed ACKs, NewReno, CUBIC or DCTCP congestion control, ECN (RFC
 * 3168), SACK with RFC 6675 loss recovery, RFC 6298 timer and a receive
 * window from the receiver's buffer (docs/models/tcp.md).
 *
 * A connection is two endpoints that hand each other segments (struct
 * sim_pkt with its tcp_* fields) through ports: whatever lies between
 * (links, queues, a harness that drops a chosen segment) is the path. One
 * endpoint opens (tcp_open), the other answers the SYN. Data written with
 * tcp_write is a byte stream that the endpoint cuts into segments of MSS
 * bytes; the peer's application reads what arrives in order at once, so
 * the receive window is the buffer less the out-of-order data it holds.
 *
 * An app with `transport: tcp` (models/app.h) has two endpoints, one on
 * each host, whose segments go through the app's stacks, which charge
 * their costs as for any packet of the app.
 * Memory is fixed at creation: a ring of segment records for the send
 * window and one for out-of-order data, both as long as the receive
 * buffer in segments; nothing is allocated per segment or per event
 * except the packets themselves, from the run's packet pool.
 */
#ifndef USNSIM_TCP_H
#define USNSIM_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "param.h"
#include "pkt.h"

/* Flags of a segment (sim_pkt.tcp_flags). */
#define TCP_SYN 0x01
#define TCP_ACK 0x02
#define TCP_ECE 0x04 /* ECN-Echo (RFC 3168 6.1) */
#define TCP_CWR 0x08 /* Congestion Window Reduced (RFC 3168 6.1) */
/* The last segment of a closed stream (tcp_close): it carries the FIN,
 * which the receiver acknowledges at once. */
#define TCP_FIN 0x10
/* Not a TCP flag: the segment's bytes sit in its sender's send buffer
 * (tcp_set_send_pool()), a chain of the stack's pool, from which the stack
 * sends it: the stack attaches no buffer of its own. */
#define TCP_BUFFERED 0x40
/* On a SYN or SYN-ACK: the SACK-permitted option (RFC 2018 2). */
#define TCP_SACK_OK 0x20
/* Not a TCP flag: the segment carries the first byte of an application
 * write, so that a stack charges the write's system call with it. */
#define TCP_WRITE 0x80
/* Marks of a segment's host offloads (sim_pkt.tcp_offload). TSO_CONT:
 * the segment follows another that the same output call sent back to
 * back, so that a stack with TSO/GSO may send it as part of one large
 * send (models/stack.h, stack.tso); a stack that does not clears it.
 * GRO_MERGED: the receiving flow switch merged the segment with the
 * in-order one before it in its RX batch (GRO; stack.gro): it pays no
 * per-packet receive work of its own. */
#define TCP_TSO_CONT 0x01
#define TCP_GRO_MERGED 0x02

/* Congestion control: NewReno (RFC 5681, RFC 6582), CUBIC (RFC 9438) or
 * DCTCP (RFC 8257, always with ECN). */
enum tcp_cc { TCP_CC_NEWRENO, TCP_CC_CUBIC, TCP_CC_DCTCP };

/* DCTCP's gain g (RFC 8257 4.2: 1/16), as Linux's dctcp_shift_g = 4. */
#define TCP_DCTCP_G (1.0 / 16)

/* An endless stream for tcp_write. */
#define TCP_ENDLESS UINT64_MAX

/* How CUBIC computes its window: RFC 9438's curve in real numbers;
 * Linux's whole segments (net/ipv4/tcp_cubic.c, bictcp_update); or
 * ns-3.37's TcpCubic, Linux's with the count of acknowledged segments
 * carried across cuts and credited with the ACK that ends recovery. */
enum tcp_cubic_arith { TCP_CUBIC_RFC, TCP_CUBIC_LINUX, TCP_CUBIC_NS3 };

/* The parameters under `hosts.HOST.tcp` (tcp_params.c gives their
 * meaning, units and sources). */
struct tcp_cfg {
	uint32_t mss_bytes;	 /* payload of a full segment */
	uint32_t hdr_bytes;	 /* frame bytes besides the payload */
	uint32_t iw_segs;	 /* initial window in segments */
	uint32_t ack_every_segs; /* a delayed ACK goes at this many segments */
	sim_time delack_ps;	 /* ... or this long after the first */
	sim_time rto_init_ps;	 /* before the first RTT sample */
	sim_time rto_min_ps, rto_max_ps;
	sim_time clock_g_ps; /* G, the clock granularity of RFC 6298 */
	uint64_t rcv_buf_bytes;
	enum tcp_cc cc;
	bool ecn;  /* ask for ECN on the active open (DCTCP always does) */
	bool sack; /* SACK (RFC 2018) and its loss recovery (RFC 6675) */
	/* CUBIC follows the cubic curve alone, without RFC 9438 4.3's
	 * Reno-friendly region (parameter cubic_reno_friendly false); a
	 * zeroed cfg keeps the region */
	bool cubic_no_reno_friendly;
	/* CUBIC's arithmetic (parameter cubic_arithmetic); a zeroed cfg
	 * has RFC 9438's curve */
	enum tcp_cubic_arith cubic_arith;
	/* NewReno's and DCTCP's growth in congestion avoidance per ACK of
	 * new data, SMSS * SMSS / cwnd (RFC 5681 (3); parameter
	 * ca_counting acks), instead of one SMSS per cwnd of bytes
	 * acknowledged (bytes, RFC 3465); a zeroed cfg counts bytes */
	bool ca_per_ack;
	/* RTT samples by Karn's algorithm only (parameter rtt_samples
	 * karn); a zeroed cfg samples every ACK of new data from the
	 * timestamps' echo */
	bool rtt_karn;
};

/* The RFC 6298 estimator: smoothed RTT, its variation and the timeout. */
struct tcp_rtt {
	bool measured; /* a sample has been taken */
	sim_time srtt_ps, rttvar_ps, rto_ps;
};

/* What the endpoint knows now (for tests and the apps of the next step). */
struct tcp_info {
	bool established, in_recovery;
	uint64_t snd_una, snd_nxt, snd_max; /* bytes of the stream */
	uint64_t cwnd_bytes, ssthresh_bytes, snd_wnd_bytes;
	uint64_t rcv_nxt;     /* bytes received in order (read by the app) */
	uint64_t retransmits; /* segments sent again */
	uint64_t fast_retransmits, timeouts;
	bool sack;	 /* both ends permit SACK */
	uint64_t sacked; /* segments the peer's SACK blocks covered */
	struct tcp_rtt rtt;
	double w_max_segs;	 /* CUBIC: the window at the last reduction */
	sim_time established_ps; /* when the handshake completed */
	sim_time done_ps;   /* a sender's: when every byte of its closed stream
			     was acknowledged; a receiver's: when it read the
			     last (FIN) byte; 0: not yet */
	bool ecn;	    /* ECN was negotiated in the handshake */
	double dctcp_alpha; /* DCTCP's estimate of the marked fraction */
	uint64_t ecn_cuts;  /* window reductions on ECN-Echo */
	uint64_t ce_received; /* data segments that arrived marked CE */
};

struct tcp;

/* Fills cfg from the parameters under prefix ("hosts.client.tcp").
 * Returns 0, or -EINVAL with "file:line:col: ..." in err when the
 * receive buffer holds fewer than two segments. */
int tcp_cfg_load(struct tcp_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen);

/* Creates an endpoint whose segments are packets of app src from pkts,
 * registering its statistics under env->component. Returns 0, or -ENOMEM
 * or -EINVAL (a buffer of fewer than two segments) with a message. */
int tcp_create(const struct tcp_cfg *cfg, const struct model_env *env,
	       struct pkt_pool *pkts, uint32_t src, struct tcp **out, char *err,
	       size_t errlen);
/* NULL is a no-op. */
void tcp_destroy(struct tcp *t);
/* destroy and finish for the topology's loops (it holds no packet). */
extern const struct model_ops tcp_ops;
/* Where the peer's segments arrive, and where this endpoint's go. */
struct sim_port tcp_input(struct tcp *t);
void tcp_connect(struct tcp *t, struct sim_port out);
/* Sends the SYN now (the active open). Returns 0, or -EALREADY. */
int tcp_open(struct tcp *t);
/* Appends bytes (TCP_ENDLESS: without end) to the stream to send; sent
 * once the connection is established. */
void tcp_write(struct tcp *t, uint64_t bytes);
/* A gate on new data: the endpoint sends a new segment only while
 * fn(arg) is true (its stack has room for it), and looks again at
 * tcp_kick(). ACKs are not held back, nor are retransmissions except
 * in SACK recovery (where many may go at once). */
void tcp_set_gate(struct tcp *t, bool (*fn)(void *arg), void *arg);
void tcp_kick(struct tcp *t);
/* The send buffer in pool (models/pool.h): each new segment takes a
 * chain of pool's buffers for its bytes, on behalf of CPU cpu, held
 * until the segment is acknowledged (or dropped at a timeout, when the
 * stream is cut again); fn(arg, ps) is told each allocation's time. A
 * segment that finds no buffer is not sent (counter no_buffer) until an
 * ACK frees some, or, with nothing in flight, until the clock
 * granularity has passed. NULL pool (the default): no send buffer. */
struct pool;
void tcp_set_send_pool(struct tcp *t, struct pool *pool, uint32_t cpu,
		       void (*fn)(void *arg, sim_time ps), void *arg);
/* The send buffer counted in bytes instead (an in-kernel stack's socket
 * send buffer): each new segment takes its bytes with take(arg, len),
 * which returns 0 or, if the buffer or the host's memory has no room,
 * non-zero (the segment waits as for a missing pool buffer, counter
 * no_buffer); give(arg, len) returns bytes as they are acknowledged (a
 * partial ACK returns its part) or dropped at a timeout. Exclusive with
 * tcp_set_send_pool(), which it overrides. */
void tcp_set_send_account(struct tcp *t, int (*take)(void *arg, uint32_t bytes),
			  void (*give)(void *arg, uint32_t bytes), void *arg);
/* Nothing more will be written: the transfer is done (done_ps, scalar
 * fct) when its last byte is acknowledged. No-op for an endless stream. */
void tcp_close(struct tcp *t);
void tcp_get_info(const struct tcp *t, struct tcp_info *out);
/* fn(arg, rcv_nxt) each time in-order data arrives: the application has
 * read the stream up to rcv_nxt bytes. */
void tcp_on_read(struct tcp *t, void (*fn)(void *arg, uint64_t rcv_nxt),
		 void *arg);
/* Records goodput, completion time and the estimator's end values. */
void tcp_finish(struct tcp *t);

/* RFC 6298 (2.2, 2.3): folds one RTT sample into r and sets r->rto_ps,
 * bounded by cfg's minimum and maximum. */
void tcp_rtt_sample(struct tcp_rtt *r, const struct tcp_cfg *cfg,
		    sim_time sample_ps);

/* RFC 9438 (1) and (2): CUBIC's window in segments t_s seconds into a
 * congestion avoidance epoch that began at cwnd_epoch_segs, with
 * W_max = w_max_segs, C = 0.4. */
double tcp_cubic_window(double w_max_segs, double cwnd_epoch_segs, double t_s);

#endif
