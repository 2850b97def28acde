/*
 * pkt.h - simulated packets and the ports that hand them between models.
 *
 * A packet is a small record: who sent it, how long it is, and stamps taken
 * along its path. Packets come from a free list that grows in chunks and is
 * never shrunk during a run, so the hot path never calls malloc once the
 * number of packets in flight has peaked. Memory is O(packets in flight).
 */
#ifndef USNSIM_PKT_H
#define USNSIM_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* Stamps taken by host models on the way (models/driver.c, models/nic.c);
 * 0 where a packet did not pass. A bare queue uses none of them. */
enum pkt_stamp {
	PKT_ST_STACK_TX,   /* its stack has built it (models/stack.c) */
	PKT_ST_SYNC,	   /* the sync trap handed it to the flow switch or
			      the low-latency netif path */
	PKT_ST_FSW_TX,	   /* the flow switch's work on it was done */
	PKT_ST_DOORBELL,   /* the doorbell write has handed it to the NIC */
	PKT_ST_DMA_START,  /* its TX descriptor fetch began */
	PKT_ST_DMA_END,	   /* its payload is in the NIC */
	PKT_ST_WIRE_START, /* its first bit went on the wire */
	PKT_ST_WIRE_END,   /* its last bit (and framing) left the NIC */
	PKT_ST_RX_ARRIVE,  /* it reached the receiving NIC */
	PKT_ST_RX_DMA_END, /* its payload and descriptor are in host memory */
	PKT_ST_DRV_TX_END, /* the sender's driver handed it to the NIC */
	PKT_ST_RX_NOTIFY,  /* the receiving NIC handed it to the host */
	PKT_ST_DRV_RX_END, /* the receiving driver handed it on */
	PKT_ST_FSW_RX,	   /* it is in its channel or socket buffer */
	PKT_ST_WAKEUP,	   /* the receiving app thread runs again */
	PKT_ST_QDISC_TX,   /* the queueing discipline's work on it was done */
	PKT_ST_NETIF_TX,   /* the low-latency netif path handed it on */
	PKT_NSTAMPS
};

/* SACK blocks an ACK carries at most: 3 fit in TCP's 40 option bytes
 * beside the timestamps (RFC 2018 3). */
#define PKT_TCP_SACK_BLOCKS 3

/* What a packet is to its app (models/app.c). */
enum pkt_kind { PKT_DATA, PKT_REQUEST, PKT_RESPONSE };

/* Forgeries of a spoofing app: the ground truth the run knows. */
enum pkt_forgery {
	PKT_FORGE_NONE,
	PKT_FORGE_SADDR,  /* a source address that is not the host's */
	PKT_FORGE_SPORT,  /* a source port the app did not reserve */
	PKT_FORGE_PROTO,  /* another protocol than its flow's */
	PKT_FORGE_REPLAY, /* another flow's 5-tuple, without its token */
	PKT_NFORGERIES
};

/* What happens to a packet found past its deadline (models/mux.c,
 * driver.c; the device does not check): nothing, dropped, or kept with
 * an event. */
enum pkt_expiry { PKT_EXP_NONE, PKT_EXP_DROP, PKT_EXP_NOTIFY };

/* The two ECN bits of the IP header (RFC 3168 5), as their values. */
enum pkt_ecn { PKT_NOT_ECT, PKT_ECT1, PKT_ECT0, PKT_CE };

/* Where a packet's deadline was found passed (the origin of a transmit
 * expired event): before it is handed to the device. */
enum pkt_origin { PKT_ORIG_MUX = 1, PKT_ORIG_DRIVER };

/*
 * A simulated packet. Each field says which model writes it (W) and who
 * reads it (R); a model never writes a field it is not listed for.
 *
 *   app ─▶ stack ─▶ flow switch ─▶ mux ─▶ driver ─▶ NIC ─▶ network
 *       ─▶ NIC ─▶ driver ─▶ flow switch ─▶ stack ─▶ sink (and app)
 */
struct sim_pkt {
	/* Unique per run, from 1. W: pkt_alloc(). R: app (which response
	 * answers which request), stack (transmit status events). */
	uint64_t id;
	/* Frame length as the link serializes it. W: app. R: every model
	 * that queues, serializes, copies or accounts bytes. */
	uint32_t len_bytes;
	/* Index of the sending app. W: app. R: every model (statistics
	 * per app, held_add() for the conservation check), the topology's
	 * routing. */
	uint32_t src;
	/* When the app made it. W: app. R: app (round trips), sink
	 * (latency). */
	sim_time created_ps;
	/* When it joined the queue it waits in now (for link and ns3net
	 * propagation: when it arrives). W and R: whichever of link, mux,
	 * driver, ns3net holds it. */
	sim_time enq_ps;
	/* Total time spent waiting in queues. W: app (zero for a
	 * response), link, mux, driver, NIC, ns3net (each adds its wait).
	 * R: sink (queue_delay per app). */
	sim_time queued_ps;
	/* Link for the queue that holds it (struct pkt_fifo). W and R: the
	 * model holding it; free while nobody queues it. */
	struct sim_pkt *next;
	/* Stage stamps (enum pkt_stamp, which names the writer of each).
	 * W: stack, flow switch, driver, NIC. R: sink (latency breakdown),
	 * app, the NIC and driver (their own stages). */
	sim_time stamp_ps[PKT_NSTAMPS];
	/* Headers, for hosts with stacks. W: stack (from its flow; a
	 * spoofing app's stack forges them). R: flow switch (TX check, RX
	 * demultiplexing), stack. */
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t proto;
	/* enum pkt_kind. W: app (a response is turned around by the app).
	 * R: app, stack, the topology's routing (a response goes back
	 * to its app's host). */
	uint8_t kind;
	/* enum pkt_forgery, the ground truth of a spoofing app. W: app.
	 * R: flow switch (drops by reason against the truth), stack. */
	uint8_t forged;
	/* The flow's secret as the sender wrote it. W: stack (from flowtab
	 * at registration). R: flow switch (the replay check). */
	uint64_t token;
	/* A response: when its request was made. W and R: app. */
	sim_time req_ps;
	/* Buffers it holds (models/pool.h): a device pool's (dpool, dbuf)
	 * and a channel pool's (upool, ubuf); NULL pool: none. W: pool,
	 * through poolpkt.c only. R: NIC (the buffer's IOMMU address),
	 * flow switch (which pool to copy between). */
	struct pool *dpool, *upool;
	uint32_t dbuf, ubuf;
	/* Deadline (0: none). W: app (set), mux, driver (cleared once
	 * its expiry is reported). R: mux, driver (the device does not
	 * check: a frame handed to it is sent). */
	sim_time deadline_ps;
	/* enum pkt_expiry: what to do past the deadline. W: app. R: mux,
	 * driver. */
	uint8_t expiry;
	/* Post a transmit status event once sent. W: app. R: NIC. */
	uint8_t want_status;
	/* Bytes its host's multiplexer counts in the device's queue until
	 * the device completes it (0: not counted). W: mux (when it hands
	 * it on; cleared by mux_completed()). R: the topology, which tells
	 * the multiplexer when the frame leaves its host's device or is
	 * dropped on the way. */
	uint32_t dq_bytes;
	/* IEEE 802.1D user priority of the device queue it goes to (0:
	 * the device's default queue). W: mux (the low-latency lane placed
	 * in the device; app clears it on a response). R: ns3net (Wi-Fi's
	 * access category). */
	uint8_t dev_prio;
	/* A TCP segment (models/tcp.h): the sequence number of its first
	 * byte (of the SYN on a SYN), the cumulative acknowledgment (next
	 * byte expected; valid with TCP_ACK), the receive window in bytes,
	 * the payload bytes and the flags (TCP_SYN, TCP_ACK). W: tcp (the
	 * sending endpoint). R: tcp (the receiving endpoint). */
	uint64_t tcp_seq, tcp_ack;
	uint32_t tcp_wnd, tcp_len;
	uint8_t tcp_flags;
	/* The ECN codepoint of its IP header (enum pkt_ecn, RFC 3168 5).
	 * W: tcp (ECT(0) on the data of an ECN-capable connection), link
	 * and mux (CE in place of ECT when their queue marks). R: link,
	 * mux (only ECT or CE packets are marked), tcp (the receiver
	 * echoes CE). 0, Not-ECT, for every other packet. */
	uint8_t ecn;
	/* TLS records that start in a TCP segment's payload (a write starts
	 * one, and one starts every tls_record_size bytes of a write). W:
	 * app (from the writes it made). R: stack (TLS per record). */
	uint16_t tcp_records;
	/* Host offload marks of a TCP segment (not TCP flags; models/tcp.h):
	 * TCP_TSO_CONT (W: tcp, cleared by the sending stack where a TSO
	 * send starts; R: stack, flowswitch, driver) and TCP_GRO_MERGED (W:
	 * flowswitch on RX; R: stack). */
	uint8_t tcp_offload;
	/* SACK blocks (RFC 2018) of an ACK: tcp_nsack of them, block i
	 * from tcp_ack + tcp_sack[2i] to tcp_ack + tcp_sack[2i + 1]
	 * (offsets, since a block lies within the receive window; 24 bytes
	 * rather than 48 for sequence numbers). W: tcp (the receiving
	 * endpoint, from the data it holds). R: tcp (the sender). */
	uint8_t tcp_nsack;
	uint32_t tcp_sack[2 * PKT_TCP_SACK_BLOCKS];
};

struct pkt_pool;
struct pool;

/* Returns a pool, or NULL on allocation failure. */
struct pkt_pool *pkt_pool_create(void);
void pkt_pool_destroy(struct pkt_pool *pool); /* NULL is a no-op */
/* Returns a zeroed packet with a fresh id, or NULL if memory ran out. */
struct sim_pkt *pkt_alloc(struct pkt_pool *pool);
void pkt_free(struct pkt_pool *pool, struct sim_pkt *pkt);
/* Packets allocated and not freed. */
uint64_t pkt_in_use(const struct pkt_pool *pool);

/* A port: where a model hands a packet to the next one. */
struct sim_port {
	void (*recv)(void *owner, struct sim_pkt *pkt);
	void *owner;
};

static inline void sim_port_send(const struct sim_port *port,
				 struct sim_pkt *pkt)
{
	port->recv(port->owner, pkt);
}

/*
 * A FIFO of packets linked through their next field: every model's queue.
 * It counts its packets and bytes; a packet is in at most one FIFO.
 */
struct pkt_fifo {
	struct sim_pkt *head, *tail;
	uint32_t n;	/* packets */
	uint64_t bytes; /* sum of their len_bytes */
};

static inline void pkt_fifo_push(struct pkt_fifo *f, struct sim_pkt *p)
{
	p->next = NULL;
	if (f->tail)
		f->tail->next = p;
	else
		f->head = p;
	f->tail = p;
	f->n++;
	f->bytes += p->len_bytes;
}

/* The oldest packet, taken out; NULL if the FIFO is empty. */
static inline struct sim_pkt *pkt_fifo_pop(struct pkt_fifo *f)
{
	struct sim_pkt *p = f->head;

	if (!p)
		return NULL;
	f->head = p->next;
	if (!f->head)
		f->tail = NULL;
	p->next = NULL;
	f->n--;
	f->bytes -= p->len_bytes;
	return p;
}

/* Packets of app src in the FIFO (walks it: for end-of-run checks). */
uint64_t pkt_fifo_count_src(const struct pkt_fifo *f, uint32_t src);

/* Counts p (NULL: nothing) in held[p->src] if its app is one of napps. */
static inline void pkt_held_add(const struct sim_pkt *p, uint64_t *held,
				size_t napps)
{
	if (p && p->src < napps)
		held[p->src]++;
}

/* pkt_held_add() for every packet in the FIFO (end-of-run checks). */
void pkt_fifo_held_add(const struct pkt_fifo *f, uint64_t *held, size_t napps);

#endif
