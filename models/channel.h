/*
 * channel.h - the shared-memory channel between an app's user-space stack
 * and the kernel: TX and RX rings of slots, the channel's packet pool,
 * an event ring, kqueue-style wakeups with a low-water mark, and the flow
 * advisory table.
 *
 *   user (stack)                 shared memory               kernel (fsw)
 *   builds pkt in buf[i] --> TX [ i j k . . . ] --sync--> takes a batch
 *   takes pkt, frees buf <-- RX [ . . x y . . ] <-------- copies in, posts
 *   reads events         <-- EV [ ev ev . . . ] <-------- posts events
 *   asks admissible(f)   <-- advisory table     <-------- suspends flows
 *
 * Slots hold buffer indices into the channel's pool (buf[]), never
 * pointers; a buffer is taken from the pool's free ring when a packet is
 * put in a slot (user builds a TX packet, kernel copies an RX packet in)
 * and returned when its slot is consumed. The pool holds tx_slots +
 * rx_slots buffers, like a flow switch channel's pool in the reference
 * implementation. Ring sizes are powers of two in [2, 16384]; producer and
 * consumer indices are free-running uint32_t counters, masked on access,
 * so wrap-around of the counters is harmless.
 *
 * Pure data structures: nothing here schedules events or charges CPU time;
 * models/stack.c and models/flowswitch.c do, and decide when to call what.
 * A user-space stack's channel is sized by struct chan_cfg, read from
 * hosts.NAME.channel.* by chan_cfg_load() (models/channel_params.c).
 */
#ifndef USNSIM_CHANNEL_H
#define USNSIM_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "param.h"
#include "pkt.h"

/* The sizes of a channel: the parameters under hosts.NAME.channel (see
 * channel_params.c for their meaning and sources). */
struct chan_cfg {
	uint32_t tx_slots, rx_slots, event_slots; /* powers of two */
	uint32_t lowat_slots; /* RX low-water mark, <= rx_slots */
};

/* Fills cfg from the parameters under prefix ("hosts.client.channel").
 * Returns 0, or -EINVAL with "WHERE: KEY: message" in err if a ring's
 * slots are not a power of two or lowat is above rx_slots. */
int chan_cfg_load(struct chan_cfg *cfg, const struct param_src *src,
		  const char *prefix, char *err, size_t errlen);

/* A ring of slots; each slot holds a buffer index. */
struct chan_ring {
	/* size: the capacity; mask + 1: the entries of slot, which a ring of
	 * the channel allocates as it fills (its first array in struct chan
	 * at first, then doubling up to size: models/ring.h) */
	uint32_t size, mask;
	uint32_t prod, cons; /* free-running; count = prod - cons */
	uint32_t *slot;
};

/* Events the kernel posts to the app: transmit status and transmit
 * expired, the only two of the reference implementation (flow advisories
 * have their own table, struct chan_advisory, not the event ring). */
enum chan_ev_type {
	CHAN_EV_TX_STATUS = 1,
	CHAN_EV_TX_EXPIRED,
};

struct chan_event {
	uint8_t type;
	uint8_t status; /* TX_EXPIRED: 1 if dropped */
	uint8_t origin; /* TX_EXPIRED: enum pkt_origin */
	uint32_t flow;
	uint64_t pkt_id;
	sim_time created_ps; /* TX_EXPIRED: when the packet was made (XNU
			      * carries its deadline, creation + the app's
			      * deadline) */
	sim_time at_ps;
};

/* The first entries of each ring (and of the buffer table) are kept in
 * struct chan itself, right behind the ring's counters, until the ring
 * outgrows them (then it moves to an array of its own, doubling: ring.h):
 * a channel used at a small depth touches no line but its own. */
#define CHAN_RING_FIRST 4u
#define CHAN_BUF_FIRST 2u

/* Laid out on 64-byte lines by use: a TX put or take touches the TX line
 * and the pool's, an RX put or take the RX line and the pool's (at the
 * depth of the first arrays), once a run's hosts outgrow the caches. */
struct chan {
	/* line 0: TX, the event ring */
	_Alignas(64) struct chan_ring tx;
	uint32_t tx_first[CHAN_RING_FIRST]; /* tx.slot at first */
	/* event ring: its own array of events, same free-running scheme */
	uint32_t ev_size, ev_mask, ev_prod, ev_cons;
	struct chan_event *ev;
	/* line 1: the channel's pool: buffer table and its free ring. The
	 * free buffers are those on the free ring and [fresh, nbufs), never
	 * used since the reset; a put takes from the free ring first, so the
	 * table (buf_alloc entries) grows only to the most buffers ever held
	 * at once. */
	struct chan_ring free;
	uint32_t free_first[CHAN_RING_FIRST]; /* free.slot at first */
	struct sim_pkt **buf;
	struct sim_pkt *buf_first[CHAN_BUF_FIRST]; /* buf at first */
	/* line 2: RX and its wakeups */
	struct chan_ring rx;
	uint32_t rx_first[CHAN_RING_FIRST]; /* rx.slot at first */
	uint32_t lowat;			    /* slots, >= 1 */
	bool waiting; /* the app thread sleeps until RX reaches lowat */
	/* the rest */
	uint32_t nbufs, fresh, buf_alloc;
	/* counts */
	uint64_t ev_posted, ev_lost, wakeups;
};

/* Returns 0; -EINVAL if a ring size is not a power of two in [2, 16384],
 * ev_slots likewise, or lowat is 0 or above rx_slots; -ENOMEM. */
int chan_init(struct chan *ch, uint32_t tx_slots, uint32_t rx_slots,
	      uint32_t ev_slots, uint32_t lowat);
void chan_fini(struct chan *ch); /* on a zeroed or initialized chan */
/* Sets every ring's (and the free ring's) counters to start, as if start
 * slots had gone through each, without changing their contents' meaning:
 * the rings are empty afterwards and the pool full. Tests use it to start
 * at random offsets (wrap-around). Only on a channel holding no packet. */
void chan_reset_at(struct chan *ch, uint32_t start);

static inline uint32_t chan_ring_count(const struct chan_ring *r)
{
	return r->prod - r->cons;
}

static inline uint32_t chan_ring_space(const struct chan_ring *r)
{
	return r->size - (r->prod - r->cons);
}

/* The pool's free buffers. */
static inline uint32_t chan_free_count(const struct chan *ch)
{
	return chan_ring_count(&ch->free) + (ch->nbufs - ch->fresh);
}

/* TX, user side: puts p into a free buffer and the next TX slot. Returns 0;
 * -ENOSPC if the TX ring is full; -ENOMEM if the pool has no free buffer. */
int chan_tx_put(struct chan *ch, struct sim_pkt *p);
/* TX, kernel side (a sync): takes up to max packets from the TX ring in
 * order into out[], frees their buffers; returns how many: min(max,
 * count). */
uint32_t chan_tx_take(struct chan *ch, struct sim_pkt **out, uint32_t max);

/* TX, user side: removes from the TX ring every packet past its deadline
 * (deadline_ps set and <= now), except the first skip slots (a sync in
 * service holds them), into out[] in ring order, and frees their
 * buffers; the others keep their order. Returns how many (out must hold
 * the ring's count). */
uint32_t chan_tx_drop_stale(struct chan *ch, uint32_t skip, sim_time now,
			    struct sim_pkt **out);

/* RX, kernel side: copies p in (a buffer and the next RX slot). Returns 1
 * if this put must wake the app (it was waiting and the RX ring has just
 * reached lowat; waiting is then cleared and wakeups counted), 0 if not;
 * -ENOSPC if the RX ring is full, -ENOMEM if the pool has no free buffer
 * (p is not taken then). */
int chan_rx_put(struct chan *ch, struct sim_pkt *p);
/* RX, user side: takes up to max packets in order; returns how many. */
uint32_t chan_rx_take(struct chan *ch, struct sim_pkt **out, uint32_t max);
/* The app thread goes to sleep on RX: returns false (and does not sleep)
 * if the RX ring already holds lowat slots or more; true otherwise, and
 * the next chan_rx_put() that brings the count to lowat wakes it. */
bool chan_rx_wait(struct chan *ch);

/* Moves min(max, count(src), space(dst)) slots from src to dst in order
 * (buffer indices only); returns how many. The primitive of a sync. */
uint32_t chan_ring_move(struct chan_ring *dst, struct chan_ring *src,
			uint32_t max);

/* Event ring: returns 1 if the ring was empty (this event must wake the
 * reader: a post into a ring that already holds events does not wake it
 * again), 0 if it was not, or -ENOSPC if full (the event is lost and only
 * counted, in ev_lost, as the reference implementation does). */
int chan_event_post(struct chan *ch, const struct chan_event *e);
/* Returns 1 and fills *e with the oldest event, or 0 if none. */
int chan_event_get(struct chan *ch, struct chan_event *e);

/* The flow advisory table: one entry per flow index in [0, n). */
struct chan_advisory {
	uint32_t n;
	uint8_t *suspended;
	uint64_t suspends, resumes;
};

/* Returns 0, -EINVAL if n is 0, or -ENOMEM. */
int chan_adv_init(struct chan_advisory *t, uint32_t n);
void chan_adv_fini(struct chan_advisory *t);
/* Each returns 1 if the entry changed, 0 if it already was so, -ERANGE if
 * idx >= n. */
int chan_adv_suspend(struct chan_advisory *t, uint32_t idx);
int chan_adv_resume(struct chan_advisory *t, uint32_t idx);
/* True if the flow may send (idx out of range: true). */
bool chan_adv_admissible(const struct chan_advisory *t, uint32_t idx);

#endif
