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
	PKT_ST_SYNC,	   /* the sync trap handed it to the flow switch */
	PKT_ST_FSW_TX,	   /* the flow switch handed it to the driver */
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
	PKT_NSTAMPS
};

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
 * driver.c, nic.c): nothing, dropped, or kept with an event. */
enum pkt_expiry { PKT_EXP_NONE, PKT_EXP_DROP, PKT_EXP_NOTIFY };

/* Where a packet's deadline was found passed (the origin of a transmit
 * expired event). */
enum pkt_origin { PKT_ORIG_MUX = 1, PKT_ORIG_DRIVER, PKT_ORIG_HW };

struct sim_pkt {
	uint64_t id;	      /* unique per run, from 1 */
	uint32_t len_bytes;   /* frame length as the link serializes it */
	uint32_t src;	      /* index of the sending app */
	sim_time created_ps;  /* when the app made it */
	sim_time enq_ps;      /* when it joined the queue it waits in now */
	sim_time queued_ps;   /* total time spent waiting in queues */
	struct sim_pkt *next; /* link for the queue that holds it */
	sim_time stamp_ps[PKT_NSTAMPS];
	/* headers, for hosts with stacks (models/stack.c, flowswitch.c) */
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t kind;	 /* enum pkt_kind */
	uint8_t forged;	 /* enum pkt_forgery */
	uint64_t token;	 /* the flow's secret as the sender wrote it */
	sim_time req_ps; /* a response: when its request was made */
	/* buffers it holds (models/pool.h): a device pool's, a channel
	 * pool's; NULL pool: none */
	struct pool *dpool, *upool;
	uint32_t dbuf, ubuf;
	/* deadline (0: none) and what to do once it has passed */
	sim_time deadline_ps;
	uint8_t expiry;	     /* enum pkt_expiry */
	uint8_t want_status; /* post a transmit status event once sent */
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

#endif
