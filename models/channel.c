/*
 * channel.c - the shared-memory channel between a user-space stack and the
 * kernel: TX and RX rings of buffer indices, the channel's packet pool, an
 * event ring, RX wakeups with a low-water mark and the flow advisory table.
 *
 * Every ring is an array of 2^k slots with free-running uint32_t producer
 * and consumer counters, masked on access: count = prod - cons holds
 * across the wrap of the counters. The arrays grow as they fill
 * (models/ring.h: doubling up to the ring's size), so that a channel
 * costs memory for the depth it is used at, not for its capacity; each
 * starts as the few entries kept in struct chan right behind the ring
 * (its first array, CHAN_RING_FIRST; CHAN_BUF_FIRST for the buffer
 * table), on the line of the ring's counters, so that a packet's put or
 * take at a small depth touches two lines of the channel, not five. The
 * pool is a buffer table of nbufs = tx_slots + rx_slots entries (struct
 * sim_pkt pointers) and a free ring of the indices not in use, sized to
 * the next power of two >= nbufs; indices never used since the reset
 * ([fresh, nbufs)) are free too, and are taken only when the free ring is
 * empty. Putting a packet takes a free index, stores the pointer in the
 * table and pushes the index into the TX or RX ring; taking it pops the
 * slot, clears the table entry and returns the index to the free ring.
 * Which index a packet gets is not observable: only the counts are.
 * chan_ring_move() moves indices between rings without touching the
 * table: the buffers stay held wherever the indices go.
 *
 * The RX low-water mark: chan_rx_wait() sets waiting only while the RX
 * ring holds fewer than lowat slots, so the chan_rx_put() that finds
 * waiting set and the count at lowat afterwards is the one that crosses
 * the mark; it clears waiting, counts a wakeup and returns 1.
 *
 * Nothing here schedules events or charges time; the callers do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "ring.h"

#define CHAN_MIN_SLOTS 2u
#define CHAN_MAX_SLOTS 16384u

static bool chan_size_ok(uint32_t n)
{
	return n >= CHAN_MIN_SLOTS && n <= CHAN_MAX_SLOTS && !(n & (n - 1));
}

static uint32_t chan_pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* The first array of a ring of struct chan: the storage right behind the
 * ring (tx_first behind tx, and so on). A ring built by hand has none:
 * its array is never there. */
static uint32_t *chan_ring_first(struct chan_ring *r)
{
	return (uint32_t *)(r + 1);
}

_Static_assert(offsetof(struct chan, tx_first) ==
			       offsetof(struct chan, tx) +
				       sizeof(struct chan_ring) &&
		       offsetof(struct chan, free_first) ==
			       offsetof(struct chan, free) +
				       sizeof(struct chan_ring) &&
		       offsetof(struct chan, rx_first) ==
			       offsetof(struct chan, rx) +
				       sizeof(struct chan_ring),
	       "a ring's first array is right behind it");
_Static_assert(offsetof(struct chan, free) == 64 &&
		       offsetof(struct chan, rx) == 128 &&
		       offsetof(struct chan, waiting) < 192,
	       "TX, the pool and RX have a line each");

/* A ring of size slots (a power of two) on its first array. */
static void chan_ring_init(struct chan_ring *r, uint32_t size)
{
	r->slot = chan_ring_first(r);
	r->size = size;
	r->mask = (size < CHAN_RING_FIRST ? size : CHAN_RING_FIRST) - 1;
	r->prod = r->cons = 0;
}

/* Doubles r's array (leaving its first array, which is not the heap's);
 * false if out of memory or at its size. */
static bool chan_ring_grow(struct chan_ring *r)
{
	uint32_t *to =
		ring_regrow(r->slot, r->slot != chan_ring_first(r), &r->mask,
			    r->cons, r->prod, sizeof(*r->slot), r->size);

	if (!to)
		return false;
	r->slot = to;
	return true;
}

/* Room for one more index in r (below its size); false if out of
 * memory. */
static bool chan_ring_room(struct chan_ring *r)
{
	return r->prod - r->cons < ring_alloc(r->slot, r->mask) ||
	       chan_ring_grow(r);
}

static void chan_ring_fini(struct chan_ring *r)
{
	if (r->slot != chan_ring_first(r))
		free(r->slot);
	memset(r, 0, sizeof(*r));
}

/* The buffer table holds index idx: past its first entries (in struct
 * chan) it moves to an array of its own, doubling (ring.h). False if out
 * of memory. */
static bool chan_buf_hold(struct chan *ch, uint32_t idx)
{
	struct sim_pkt **t = ring_table_hold_kept(ch->buf, &ch->buf_alloc, idx,
						  sizeof(*ch->buf), ch->nbufs,
						  ch->buf_first);

	if (t)
		ch->buf = t;
	return t != NULL;
}

/* Callers check count or space first, and room (chan_ring_room()) on a
 * ring that may not have reached its count yet. */
static void chan_ring_push(struct chan_ring *r, uint32_t idx)
{
	r->slot[r->prod & r->mask] = idx;
	r->prod++;
}

static uint32_t chan_ring_pop(struct chan_ring *r)
{
	return r->slot[r->cons++ & r->mask];
}

static int chan_check(uint32_t tx_slots, uint32_t rx_slots, uint32_t ev_slots,
		      uint32_t lowat)
{
	if (!chan_size_ok(tx_slots) || !chan_size_ok(rx_slots) ||
	    !chan_size_ok(ev_slots))
		return -EINVAL;
	if (lowat < 1 || lowat > rx_slots)
		return -EINVAL;
	return 0;
}

int chan_init(struct chan *ch, uint32_t tx_slots, uint32_t rx_slots,
	      uint32_t ev_slots, uint32_t lowat)
{
	int rc;

	memset(ch, 0, sizeof(*ch));
	rc = chan_check(tx_slots, rx_slots, ev_slots, lowat);
	if (rc)
		return rc;
	ch->nbufs = tx_slots + rx_slots;
	ch->buf = ch->buf_first;
	ch->buf_alloc = CHAN_BUF_FIRST;
	ch->lowat = lowat;
	ch->ev_size = ev_slots;
	ch->ev_mask = 0;
	chan_ring_init(&ch->tx, tx_slots);
	chan_ring_init(&ch->rx, rx_slots);
	chan_ring_init(&ch->free, chan_pow2_at_least(ch->nbufs));
	chan_reset_at(ch, 0);
	return 0;
}

void chan_fini(struct chan *ch)
{
	chan_ring_fini(&ch->tx);
	chan_ring_fini(&ch->rx);
	chan_ring_fini(&ch->free);
	free(ch->ev);
	if (ch->buf != ch->buf_first)
		free(ch->buf);
	memset(ch, 0, sizeof(*ch));
}

void chan_reset_at(struct chan *ch, uint32_t start)
{
	ch->tx.prod = ch->tx.cons = start;
	ch->rx.prod = ch->rx.cons = start;
	ch->free.prod = ch->free.cons = start;
	ch->fresh = 0;
	for (uint32_t i = 0; i < ch->buf_alloc; i++)
		ch->buf[i] = NULL;
	ch->ev_prod = ch->ev_cons = start;
}

/* A free buffer holding p into ring r. */
static int chan_put(struct chan *ch, struct chan_ring *r, struct sim_pkt *p)
{
	uint32_t idx;

	if (!chan_ring_space(r))
		return -ENOSPC;
	/* the free ring first: nbufs and fresh (a line of their own) are
	 * read only when it is empty */
	if ((!chan_ring_count(&ch->free) && ch->fresh == ch->nbufs) ||
	    !chan_ring_room(r))
		return -ENOMEM;
	if (chan_ring_count(&ch->free)) {
		idx = chan_ring_pop(&ch->free);
	} else {
		/* a buffer never used: the table, and the free ring that it
		 * will go back to, must hold one more */
		if (!chan_buf_hold(ch, ch->fresh))
			return -ENOMEM;
		if (ring_alloc(ch->free.slot, ch->free.mask) <= ch->fresh &&
		    !chan_ring_grow(&ch->free))
			return -ENOMEM;
		idx = ch->fresh++;
	}
	ch->buf[idx] = p;
	chan_ring_push(r, idx);
	return 0;
}

static uint32_t chan_take(struct chan *ch, struct chan_ring *r,
			  struct sim_pkt **out, uint32_t max)
{
	uint32_t n = chan_ring_count(r), idx;

	if (n > max)
		n = max;
	for (uint32_t i = 0; i < n; i++) {
		idx = chan_ring_pop(r);
		out[i] = ch->buf[idx];
		ch->buf[idx] = NULL;
		chan_ring_push(&ch->free, idx);
	}
	return n;
}

int chan_tx_put(struct chan *ch, struct sim_pkt *p)
{
	return chan_put(ch, &ch->tx, p);
}

uint32_t chan_tx_take(struct chan *ch, struct sim_pkt **out, uint32_t max)
{
	return chan_take(ch, &ch->tx, out, max);
}

uint32_t chan_tx_drop_stale(struct chan *ch, uint32_t skip, sim_time now,
			    struct sim_pkt **out)
{
	struct chan_ring *r = &ch->tx;
	uint32_t n = 0, keep = r->cons + skip;

	if (skip >= chan_ring_count(r))
		return 0;
	/* compact in place: the kept slots move up over the stale ones */
	for (uint32_t i = r->cons + skip; i != r->prod; i++) {
		uint32_t idx = r->slot[i & r->mask];
		struct sim_pkt *p = ch->buf[idx];

		if (p->deadline_ps && p->deadline_ps <= now) {
			out[n++] = p;
			ch->buf[idx] = NULL;
			chan_ring_push(&ch->free, idx);
		} else {
			r->slot[keep++ & r->mask] = idx;
		}
	}
	r->prod = keep;
	return n;
}

int chan_rx_put(struct chan *ch, struct sim_pkt *p)
{
	int rc = chan_put(ch, &ch->rx, p);

	if (rc)
		return rc;
	if (!ch->waiting || chan_ring_count(&ch->rx) < ch->lowat)
		return 0;
	ch->waiting = false;
	ch->wakeups++;
	return 1;
}

uint32_t chan_rx_take(struct chan *ch, struct sim_pkt **out, uint32_t max)
{
	return chan_take(ch, &ch->rx, out, max);
}

bool chan_rx_wait(struct chan *ch)
{
	if (chan_ring_count(&ch->rx) >= ch->lowat)
		return false;
	ch->waiting = true;
	return true;
}

uint32_t chan_ring_move(struct chan_ring *dst, struct chan_ring *src,
			uint32_t max)
{
	uint32_t n = chan_ring_count(src);

	if (n > max)
		n = max;
	if (n > chan_ring_space(dst))
		n = chan_ring_space(dst);
	for (uint32_t i = 0; i < n; i++) {
		if (!chan_ring_room(dst))
			return i; /* out of memory */
		chan_ring_push(dst, chan_ring_pop(src));
	}
	return n;
}

int chan_event_post(struct chan *ch, const struct chan_event *e)
{
	bool was_empty = ch->ev_prod == ch->ev_cons;

	if (ch->ev_prod - ch->ev_cons >= ch->ev_size ||
	    !ring_room(&ch->ev, &ch->ev_mask, ch->ev_cons, ch->ev_prod,
		       sizeof(*ch->ev), ch->ev_size)) {
		ch->ev_lost++;
		return -ENOSPC;
	}
	ch->ev[ch->ev_prod & ch->ev_mask] = *e;
	ch->ev_prod++;
	ch->ev_posted++;
	return was_empty;
}

int chan_event_get(struct chan *ch, struct chan_event *e)
{
	if (ch->ev_prod == ch->ev_cons)
		return 0;
	*e = ch->ev[ch->ev_cons & ch->ev_mask];
	ch->ev_cons++;
	return 1;
}

int chan_adv_init(struct chan_advisory *t, uint32_t n)
{
	memset(t, 0, sizeof(*t));
	if (n == 0)
		return -EINVAL;
	t->suspended = calloc(n, sizeof(*t->suspended));
	if (!t->suspended)
		return -ENOMEM;
	t->n = n;
	return 0;
}

void chan_adv_fini(struct chan_advisory *t)
{
	free(t->suspended);
	memset(t, 0, sizeof(*t));
}

/* Sets entry idx to v; counts the change in *count. */
static int chan_adv_set(struct chan_advisory *t, uint32_t idx, uint8_t v,
			uint64_t *count)
{
	if (idx >= t->n)
		return -ERANGE;
	if (t->suspended[idx] == v)
		return 0;
	t->suspended[idx] = v;
	(*count)++;
	return 1;
}

int chan_adv_suspend(struct chan_advisory *t, uint32_t idx)
{
	return chan_adv_set(t, idx, 1, &t->suspends);
}

int chan_adv_resume(struct chan_advisory *t, uint32_t idx)
{
	return chan_adv_set(t, idx, 0, &t->resumes);
}

/* suspends - resumes entries are suspended (each counts a change): with
 * none, the table itself, a line of its own, is not read. */
bool chan_adv_admissible(const struct chan_advisory *t, uint32_t idx)
{
	return t->suspends == t->resumes || idx >= t->n || !t->suspended[idx];
}
