/*
 * native.c - the native engine backend: a radix heap keyed on time.
 *
 * Event times never go backwards (nothing is scheduled before now), so the
 * queue is a monotone priority queue: a radix heap with 2^RADIX_BITS-ary
 * digits. It remembers `last`, the time of the latest minimum taken out,
 * and keeps every pending entry with time t >= last in one bucket: bucket 0
 * holds the entries at exactly `last`; the others are indexed by the
 * highest digit in which t differs from `last` (its level) and by t's value
 * of that digit, so a bucket's index grows with its times. Invariants:
 *
 * - every entry of a bucket is earlier than every entry of a higher one;
 * - within a bucket, entries are in scheduling order (the order in which
 *   sim_schedule was called for them).
 *
 * Scheduling appends to the tail of its bucket: the newest entry is the
 * latest in scheduling order, so the second invariant holds. The next
 * event is the head of bucket 0: it has the smallest time and, among equal
 * times, was scheduled first, which is the (time, sequence) order with no
 * sequence number stored. When bucket 0 is empty, the lowest non-empty
 * bucket k holds the minimum m; `last` becomes m and the entries of bucket
 * k move, in their order, to the (empty) buckets below k (they agree with m
 * down to k's level); higher buckets keep their place, since m agrees with
 * the old `last` on every digit above k's level and on their own digit's
 * position. Both invariants survive, and an entry only ever moves down, at
 * most once per level.
 *
 * `last` is at most now whenever a handler can schedule: it is the time of
 * the event being run, or of a dead entry at most `until` when sim_run
 * returns early, and it is reset when the queue is empty. Looking at the
 * minimum beyond `until` moves nothing.
 *
 * Entries carry the whole event (time, handler and its two words, record
 * index) and live in blocks of BLK_ENTS, chained per bucket and recycled
 * through a free list; scheduling keeps enough blocks in reserve for the
 * worst case of a move, so running never allocates and nothing allocates
 * per event once the pools have grown.
 *
 * Each event also has a small record in a slab, found by its id (generation
 * << 32 | index): the generation changes when the event runs or is
 * cancelled, so a stale id is recognised and refused. Cancel is O(1) and
 * lazy: the record is marked dead and its entry is skipped (and the record
 * freed) when it reaches the head of bucket 0. When dead entries outnumber
 * live ones (plus PURGE_SLACK) every bucket is compacted in order, so memory
 * stays within a constant factor of the pending events (amortised O(1)).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend.h"

#define RADIX_BITS 8
#define RADIX (1u << RADIX_BITS)
#define NBUCKETS (1 + (63 / RADIX_BITS + 1) * RADIX)
#define MASK_WORDS ((NBUCKETS + 63) / 64)
_Static_assert(MASK_WORDS <= 64, "one summary word covers the mask");
#define BLK_ENTS 16
/* Blocks in use never exceed entries / BLK_ENTS + BLK_SPARE (one partial
 * block per bucket, bucket 0's consumed head, the block being moved). */
#define BLK_SPARE (NBUCKETS + 4)
#define PURGE_SLACK 64

/* Record states, in the free list link's place. */
#define EV_NONE UINT32_MAX	    /* end of the free list */
#define EV_LIVE (UINT32_MAX - 1)    /* pending */
#define EV_DEAD (UINT32_MAX - 2)    /* cancelled, entry still queued */
#define EV_MAX (UINT32_MAX / 2 + 1) /* records at most */

struct ev {
	uint32_t gen;  /* changes when the event runs or is cancelled; != 0 */
	uint32_t next; /* free list link, or EV_LIVE / EV_DEAD */
};

struct qent {
	uint64_t t;
	sim_fn fn;
	void *a, *b;
	uint32_t ev;
};

struct blk {
	struct qent e[BLK_ENTS];
	struct blk *next;
};

/* A FIFO of entries; empty when head is NULL. */
struct bucket {
	struct blk *head, *tail;
	uint32_t hpos; /* next entry to read in head (only bucket 0 reads) */
	uint32_t tpos; /* entries written in tail */
};

struct native {
	struct sim *sim;
	uint64_t last;
	uint64_t mask[MASK_WORDS]; /* bit j set when bucket j is not empty */
	uint64_t words;		   /* bit w set when mask[w] is not 0 */
	struct bucket bk[NBUCKETS];
	struct blk *pool;  /* free blocks */
	struct blk *carve; /* never used blocks of the newest chunk */
	uint64_t ncarve;
	struct blk **chunk; /* block allocations, for destroy */
	uint32_t nchunks;
	uint64_t nblk; /* blocks allocated */
	struct ev *ev;
	uint32_t nev;	    /* records allocated */
	uint32_t free_head; /* EV_NONE when empty */
	uint64_t nlive, ndead;
};

static inline unsigned bucket_of(uint64_t t, uint64_t last)
{
	uint64_t x = t ^ last;
	unsigned level;

	if (!x)
		return 0;
	level = (63 - (unsigned)__builtin_clzll(x)) / RADIX_BITS;
	return 1 + level * RADIX +
	       (unsigned)(t >> (level * RADIX_BITS) & (RADIX - 1));
}

static inline void mask_set(struct native *nt, unsigned j)
{
	nt->mask[j / 64] |= 1ull << j % 64;
	nt->words |= 1ull << j / 64;
}

static inline void mask_clear(struct native *nt, unsigned j)
{
	nt->mask[j / 64] &= ~(1ull << j % 64);
	if (!nt->mask[j / 64])
		nt->words &= ~(1ull << j / 64);
}

/* The lowest non-empty bucket, or NBUCKETS if there is none. */
static inline unsigned lowest_bucket(const struct native *nt)
{
	unsigned w;

	if (!nt->words)
		return NBUCKETS;
	w = (unsigned)__builtin_ctzll(nt->words);
	return w * 64 + (unsigned)__builtin_ctzll(nt->mask[w]);
}

static inline struct blk *blk_take(struct native *nt)
{
	struct blk *b = nt->pool;

	if (!b) {
		nt->ncarve--;
		return nt->carve++;
	}
	nt->pool = b->next;
	return b;
}

static inline void blk_put(struct native *nt, struct blk *b)
{
	b->next = nt->pool;
	nt->pool = b;
}

/* Appends e to bucket j; a block is always in reserve. */
static inline void bucket_append(struct native *nt, unsigned j,
				 const struct qent *e)
{
	struct bucket *bk = &nt->bk[j];

	if (!bk->head || bk->tpos == BLK_ENTS) {
		struct blk *b = blk_take(nt);

		b->next = NULL;
		if (bk->head) {
			bk->tail->next = b;
		} else {
			bk->head = b;
			bk->hpos = 0;
			mask_set(nt, j);
		}
		bk->tail = b;
		bk->tpos = 0;
	}
	bk->tail->e[bk->tpos++] = *e;
}

/* Takes the head of bucket 0, which is not empty. */
static inline void pop0(struct native *nt, struct qent *e)
{
	struct bucket *bk = &nt->bk[0];
	struct blk *h = bk->head;

	*e = h->e[bk->hpos++];
	if (h == bk->tail) {
		if (bk->hpos == bk->tpos) {
			blk_put(nt, h);
			bk->head = bk->tail = NULL;
			mask_clear(nt, 0);
		}
	} else if (bk->hpos == BLK_ENTS) {
		bk->head = h->next;
		bk->hpos = 0;
		blk_put(nt, h);
	}
}

static inline void ev_free(struct native *nt, uint32_t i)
{
	nt->ev[i].next = nt->free_head;
	nt->free_head = i;
}

static inline uint32_t gen_next(uint32_t gen)
{
	return gen == UINT32_MAX ? 1 : gen + 1;
}

/*
 * Empties bucket k (not empty) and hands its entries on, in order, to the
 * bucket of their time under `last` (always below k after a new minimum),
 * or, when purging, back to bucket k itself, dropping the dead ones. Blocks
 * go back to the pool as they are read, so the move needs at most two more
 * than it frees.
 */
static void bucket_move(struct native *nt, unsigned k, bool purging)
{
	struct bucket src = nt->bk[k];
	uint32_t p = src.hpos;

	nt->bk[k].head = nt->bk[k].tail = NULL;
	mask_clear(nt, k);
	for (struct blk *b = src.head, *next; b; b = next) {
		uint32_t end = b == src.tail ? src.tpos : BLK_ENTS;

		next = b->next;
		for (; p < end; p++) {
			const struct qent *e = &b->e[p];

			if (!purging) {
				bucket_append(nt, bucket_of(e->t, nt->last), e);
			} else if (nt->ev[e->ev].next == EV_DEAD) {
				ev_free(nt, e->ev);
				nt->ndead--;
			} else {
				bucket_append(nt, k, e);
			}
		}
		p = 0;
		blk_put(nt, b);
	}
}

/*
 * Bucket 0 is empty: finds the minimum and, if it is at most until, makes
 * it `last` and moves the lowest bucket down. Returns false (changing
 * nothing) if the queue is empty or its minimum is later than until.
 */
static bool refill(struct native *nt, uint64_t until)
{
	uint64_t m = UINT64_MAX;
	unsigned k = lowest_bucket(nt);

	if (k == NBUCKETS)
		return false;
	for (struct blk *b = nt->bk[k].head; b; b = b->next) {
		uint32_t end = b == nt->bk[k].tail ? nt->bk[k].tpos : BLK_ENTS;

		for (uint32_t p = 0; p < end; p++)
			if (b->e[p].t < m)
				m = b->e[p].t;
	}
	if (m > until)
		return false;
	nt->last = m;
	bucket_move(nt, k, false);
	return true;
}

/* Drops every dead entry, keeping the order of the others. */
static void purge(struct native *nt)
{
	for (unsigned k = 0; k < NBUCKETS; k++)
		if (nt->bk[k].head)
			bucket_move(nt, k, true);
}

/* Keeps blocks for entries + 1 entries in reserve. */
static int reserve(struct native *nt)
{
	uint64_t need = (nt->nlive + nt->ndead + 1) / BLK_ENTS + BLK_SPARE;
	uint64_t n = nt->nblk > 64 ? nt->nblk : 64;
	struct blk **chunks, *c;

	if (nt->nblk >= need)
		return 0;
	chunks = realloc(nt->chunk, (nt->nchunks + 1) * sizeof(*chunks));
	if (!chunks)
		return -ENOMEM;
	nt->chunk = chunks;
	if (n < need - nt->nblk)
		n = need - nt->nblk;
	c = malloc(n * sizeof(*c));
	if (!c)
		return -ENOMEM;
	nt->chunk[nt->nchunks++] = c;
	while (nt->ncarve) {
		nt->ncarve--;
		blk_put(nt, nt->carve++);
	}
	/* handed out as needed, so that pages never used stay untouched */
	nt->carve = c;
	nt->ncarve = n;
	nt->nblk += n;
	return 0;
}

static int grow_slab(struct native *nt)
{
	uint32_t n = nt->nev ? nt->nev : 1024;
	struct ev *ev;

	if (nt->nev >= EV_MAX)
		return -ENOMEM;
	ev = realloc(nt->ev, (size_t)(nt->nev + n) * sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	nt->ev = ev;
	for (uint32_t i = nt->nev + n; i-- > nt->nev;) {
		ev[i].gen = 1;
		ev_free(nt, i);
	}
	nt->nev += n;
	return 0;
}

static sim_event_id native_schedule_at(void *impl, sim_time at, sim_fn fn,
				       void *a, void *b)
{
	struct native *nt = impl;
	struct qent e = { .t = (uint64_t)at, .fn = fn, .a = a, .b = b };
	struct ev *ev;

	if (nt->free_head == EV_NONE && grow_slab(nt))
		return 0;
	if (reserve(nt))
		return 0;
	e.ev = nt->free_head;
	ev = &nt->ev[e.ev];
	nt->free_head = ev->next;
	ev->next = EV_LIVE;
	if (nt->nlive + nt->ndead == 0)
		nt->last = (uint64_t)nt->sim->now; /* any last <= now will do */
	bucket_append(nt, bucket_of(e.t, nt->last), &e);
	nt->nlive++;
	return (uint64_t)ev->gen << 32 | e.ev;
}

static int native_cancel(void *impl, sim_event_id id)
{
	struct native *nt = impl;
	uint32_t i = (uint32_t)id, gen = (uint32_t)(id >> 32);
	struct ev *ev;

	if (i >= nt->nev)
		return -ENOENT;
	ev = &nt->ev[i];
	if (ev->gen != gen || ev->next != EV_LIVE)
		return -ENOENT;
	ev->gen = gen_next(gen);
	ev->next = EV_DEAD;
	nt->nlive--;
	nt->ndead++;
	if (nt->ndead > nt->nlive + PURGE_SLACK)
		purge(nt);
	return 0;
}

static void native_run(void *impl, sim_time until)
{
	struct native *nt = impl;
	struct sim *sim = nt->sim;

	while (!sim->stopping) {
		struct qent e;
		struct ev *ev;

		if (!(nt->mask[0] & 1) && !refill(nt, (uint64_t)until))
			break;
		pop0(nt, &e);
		ev = &nt->ev[e.ev];
		if (ev->next == EV_DEAD) {
			ev_free(nt, e.ev);
			nt->ndead--;
			continue;
		}
		ev->gen = gen_next(ev->gen);
		ev_free(nt, e.ev);
		nt->nlive--;
#ifdef USNSIM_CHECKS
		if ((sim_time)e.t < sim->now) { /* the clock never goes back */
			fprintf(stderr,
				"usnsim: invariant broken: event at %lld ps run at %lld ps\n",
				(long long)e.t, (long long)sim->now);
			abort();
		}
#endif
		sim->now = (sim_time)e.t;
		sim->events++;
		e.fn(sim, e.a, e.b);
	}
}

static uint64_t native_pending(const void *impl)
{
	const struct native *nt = impl;

	return nt->nlive;
}

static void *native_create(struct sim *sim)
{
	struct native *nt = calloc(1, sizeof(*nt));

	if (!nt)
		return NULL;
	nt->sim = sim;
	nt->free_head = EV_NONE;
	return nt;
}

static void native_destroy(void *impl)
{
	struct native *nt = impl;

	if (!nt)
		return;
	for (uint32_t c = 0; c < nt->nchunks; c++)
		free(nt->chunk[c]);
	free(nt->chunk);
	free(nt->ev);
	free(nt);
}

const struct sim_backend_ops sim_native_ops = {
	.name = "native",
	.create = native_create,
	.destroy = native_destroy,
	.schedule_at = native_schedule_at,
	.cancel = native_cancel,
	.run = native_run,
	.pending = native_pending,
};
