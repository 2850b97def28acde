/*
 * native.c - the native engine backend: a radix heap keyed on time, with a
 * sorted "bottom" for the nearest events.
 *
 * Event times never go backwards (nothing is scheduled before now), so the
 * queue is a monotone priority queue: a radix heap with 2^RADIX_BITS-ary
 * digits. It remembers `last`, a lower bound of every pending time, and
 * keeps every pending entry that is not in the bottom in one bucket:
 * bucket 0 holds the entries at exactly `last`; the others are indexed by
 * the highest digit in which t differs from `last` (its level) and by t's
 * value of that digit, so a bucket's index grows with its times.
 *
 * The bottom is a slice bot[bh..be) of an array of BOT_CAP entries, sorted
 * by (time, sequence) and read from its head; a refill puts it in the
 * middle of the array, so that an insertion can move whichever side of its
 * place is shorter. With it goes `blim`: every entry scheduled with a
 * time before blim goes into the bottom (after the entries at its time),
 * every other one into its bucket. Invariants:
 *
 * - every entry of the bottom precedes, by (time, sequence), every entry
 *   of a bucket, and every bucket entry has a time >= blim while the
 *   bottom is not empty;
 * - every entry of a bucket is earlier than every entry of a higher one;
 * - within a bucket, entries are in scheduling order (the order in which
 *   sim_schedule was called for them).
 *
 * Scheduling appends to the tail of its bucket, or inserts into the bottom
 * after every entry at most as late: either way the newest entry is the
 * latest in scheduling order among those of its time. The next event is
 * the head of the bottom. When the bottom is empty, the lowest non-empty
 * bucket k holds the minimum m:
 *
 * - if it holds at most BOT_LOAD entries, they all move to the bottom,
 *   stably sorted by time (dead ones dropped), and so do those of the next
 *   buckets of k's level while they fit in BOT_LOAD; blim becomes one past
 *   the latest of them; `last` stays, as nothing after blim goes below k;
 * - else, if k's level is not 0 and it holds at most SORT_LOAD entries of
 *   which at most SORT_RUN share each value of the bits below k's digit
 *   that it sorts on (about log2 of its size, at most SORT_BITS), all its
 *   entries (dead ones too, which the run skips) move to the bottom by a
 *   stable counting sort on those bits and an insertion sort (which only
 *   moves entries within a run of one value), and blim becomes one past
 *   the latest; `last` stays, as above. With 2^RADIX_BITS-ary digits a
 *   bucket one level up holds about 2^RADIX_BITS times as many entries
 *   as one below, so this is what spares a queue of about 10^4 events a
 *   second move of every entry;
 * - else, if k is bucket 0 (all its times equal `last`), its first
 *   BOT_LOAD entries move to the bottom and blim becomes `last`, so that
 *   new entries at `last` queue behind the rest of bucket 0;
 * - else `last` becomes m and the entries of bucket k move, in their
 *   order, to the (empty) buckets below k (they agree with m down to k's
 *   level); higher buckets keep their place, since m agrees with the old
 *   `last` on every digit above k's level and on their own digit's
 *   position; then the lowest bucket is looked at again.
 *
 * When an insertion finds the bottom full, the bottom spills: its entries
 * go, in order, to their buckets (they are all earlier than every bucket
 * entry, so both bucket invariants hold) and the bottom empties.
 *
 * `last` is at most now whenever a handler can schedule: it only changes
 * to the minimum of the queue when that is at most `until`, and it is
 * reset when the queue is empty. Looking at the minimum beyond `until`
 * moves nothing but entries of one bucket into the bottom.
 *
 * Queue entries are 16 bytes (time and record index); the handler and its
 * two words live in the record. Bucket entries live in blocks of BLK_ENTS,
 * chained per bucket and recycled through a free list; scheduling keeps
 * enough blocks in reserve for the worst case of a move or a spill, so
 * running never allocates and nothing allocates per event once the pools
 * have grown.
 *
 * Each event has its record in a slab, found by its id (generation << 32 |
 * index): the generation changes when the event runs or is cancelled, so a
 * stale id is recognised and refused. Cancel is O(1) and lazy: the record
 * is marked dead and its entry is skipped (and the record freed) when it
 * reaches the bottom or its head. When dead entries outnumber live ones
 * (plus PURGE_SLACK) every bucket and the bottom are compacted in order, so
 * memory stays within a constant factor of the pending events (amortised
 * O(1)).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#define BOT_CAP 1024	     /* bottom entries at most */
#define BOT_LOAD 32	     /* a bucket this small moves to the bottom whole */
#define SORT_LOAD BOT_CAP    /* a bucket this small may be sorted into it */
#define SORT_BITS RADIX_BITS /* the digit of the counting sort */
#define SORT_RUN 16	     /* entries per digit value at most */
#define BOT_SCAN 8	     /* entries an insertion scans before it bisects */

/* Record states, in the free list link's place. */
#define EV_NONE UINT32_MAX	    /* end of the free list */
#define EV_LIVE (UINT32_MAX - 1)    /* pending */
#define EV_DEAD (UINT32_MAX - 2)    /* cancelled, entry still queued */
#define EV_MAX (UINT32_MAX / 2 + 1) /* records at most */

struct ev {
	uint32_t gen;  /* changes when the event runs or is cancelled; != 0 */
	uint32_t next; /* free list link, or EV_LIVE / EV_DEAD */
	sim_fn fn;
	void *a, *b;
};
_Static_assert(64 % sizeof(struct ev) == 0, "a record sits in one line");

struct qent {
	uint64_t t;
	uint64_t ev;
};

struct blk {
	struct qent e[BLK_ENTS];
	struct blk *next;
};

/* A FIFO of entries; empty when head is NULL. */
struct bucket {
	struct blk *head, *tail;
	uint32_t hpos; /* next entry to read in head */
	uint32_t tpos; /* entries written in tail */
	uint64_t n;    /* entries */
};

struct native {
	struct sim *sim;
	uint64_t last;
	struct qent bot[BOT_CAP]; /* the bottom: bot[bh..be) */
	uint32_t bh, be;
	uint64_t blim;
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
	bk->n++;
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

/* Frees the record of e and returns true if it was cancelled. */
static inline bool drop_dead(struct native *nt, const struct qent *e)
{
	if (nt->ev[e->ev].next != EV_DEAD)
		return false;
	ev_free(nt, (uint32_t)e->ev);
	nt->ndead--;
	return true;
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
	nt->bk[k].n = 0;
	mask_clear(nt, k);
	for (struct blk *b = src.head, *next; b; b = next) {
		uint32_t end = b == src.tail ? src.tpos : BLK_ENTS;

		next = b->next;
		for (; p < end; p++) {
			const struct qent *e = &b->e[p];

			if (!purging)
				bucket_append(nt, bucket_of(e->t, nt->last), e);
			else if (!drop_dead(nt, e))
				bucket_append(nt, k, e);
		}
		p = 0;
		blk_put(nt, b);
	}
}

/*
 * Moves the first max entries of bucket k (or all, if fewer) to the end of
 * the bottom, dropping the dead ones; with sort, each is inserted after
 * every bottom entry at most as late (a stable insertion sort).
 */
static void bucket_load(struct native *nt, unsigned k, uint64_t max, bool sort)
{
	struct bucket *bk = &nt->bk[k];

	for (; max && bk->head; max--) {
		struct blk *h = bk->head;
		struct qent e = h->e[bk->hpos++];

		if (h == bk->tail && bk->hpos == bk->tpos) {
			blk_put(nt, h);
			bk->head = bk->tail = NULL;
			mask_clear(nt, k);
		} else if (bk->hpos == BLK_ENTS) {
			bk->head = h->next;
			bk->hpos = 0;
			blk_put(nt, h);
		}
		bk->n--;
		if (drop_dead(nt, &e))
			continue;
		if (sort) {
			uint32_t i = nt->be;

			while (i > nt->bh && nt->bot[i - 1].t > e.t) {
				nt->bot[i] = nt->bot[i - 1];
				i--;
			}
			nt->bot[i] = e;
		} else {
			nt->bot[nt->be] = e;
		}
		nt->be++;
	}
}

/*
 * The bottom is empty and bucket k (of level >= 1, at most SORT_LOAD
 * entries) is the lowest: moves its entries to the bottom, sorted by
 * (time, order in the bucket), with a stable counting sort on the bits
 * below its level's digit (about log2 of its size, at most SORT_BITS)
 * followed by an insertion sort. The bottom is placed mid-array.
 * Dead entries move too (the run skips them), so that sorting never reads
 * the records. Returns false, changing nothing, if more than SORT_RUN
 * entries share a value of that digit (the insertion sort could then take
 * long).
 */
static bool bucket_sort_load(struct native *nt, unsigned k)
{
	struct bucket src = nt->bk[k];
	/* about one value per entry, at most one digit's worth */
	unsigned bits = 64 - (unsigned)__builtin_clzll(src.n);
	unsigned shift, vals;
	uint32_t cnt[1u << SORT_BITS], n, p;

	if (bits > SORT_BITS)
		bits = SORT_BITS;
	shift = (k - 1) / RADIX * RADIX_BITS - bits;
	vals = 1u << bits;
	memset(cnt, 0, vals * sizeof(*cnt));

	p = src.hpos;
	for (struct blk *b = src.head; b; b = b->next, p = 0) {
		uint32_t end = b == src.tail ? src.tpos : BLK_ENTS;

		for (; p < end; p++)
			if (++cnt[b->e[p].t >> shift & (vals - 1)] > SORT_RUN)
				return false;
	}
	n = (BOT_CAP - (uint32_t)src.n) / 2; /* room on both sides */
	nt->bh = n;
	for (unsigned d = 0; d < vals; d++) {
		uint32_t c = cnt[d];

		cnt[d] = n;
		n += c;
	}
	nt->bk[k].head = nt->bk[k].tail = NULL;
	nt->bk[k].n = 0;
	mask_clear(nt, k);
	p = src.hpos;
	for (struct blk *b = src.head, *next; b; b = next, p = 0) {
		uint32_t end = b == src.tail ? src.tpos : BLK_ENTS;

		next = b->next;
		for (; p < end; p++) {
			const struct qent *e = &b->e[p];

			nt->bot[cnt[e->t >> shift & (vals - 1)]++] = *e;
		}
		blk_put(nt, b);
	}
	for (uint32_t i = nt->bh + 1; i < n; i++) {
		struct qent e = nt->bot[i];
		uint32_t j = i;

		for (; j > nt->bh && nt->bot[j - 1].t > e.t; j--)
			nt->bot[j] = nt->bot[j - 1];
		nt->bot[j] = e;
	}
	nt->be = n;
	return true;
}

/*
 * The bottom is empty: refills it from the lowest bucket, moving buckets
 * down as needed. Returns false (changing nothing but the bottom) if the
 * queue is empty or its minimum is later than until.
 */
static bool refill(struct native *nt, uint64_t until)
{
	for (;;) {
		unsigned k = lowest_bucket(nt);
		uint64_t m = UINT64_MAX;

		if (k == NBUCKETS)
			return false;
		nt->bh = nt->be = (BOT_CAP - BOT_LOAD) / 2;
		if (nt->bk[k].n <= BOT_LOAD) {
			unsigned level = k ? (k - 1) / RADIX : 0;

			do {
				bucket_load(nt, k, BOT_LOAD, true);
				k = lowest_bucket(nt);
			} while (k < NBUCKETS && (k - 1) / RADIX == level &&
				 nt->bk[k].n <= BOT_LOAD - (nt->be - nt->bh));
			if (nt->bh == nt->be)
				continue;
			nt->blim = nt->bot[nt->be - 1].t + 1;
			return true;
		}
		if (k && nt->bk[k].n <= SORT_LOAD && (k - 1) / RADIX &&
		    bucket_sort_load(nt, k)) {
			nt->blim = nt->bot[nt->be - 1].t + 1;
			return true;
		}
		if (k == 0) {
			bucket_load(nt, 0, BOT_LOAD, false);
			if (nt->bh == nt->be)
				continue;
			nt->blim = nt->last;
			return true;
		}
		for (struct blk *b = nt->bk[k].head; b; b = b->next) {
			uint32_t p = b == nt->bk[k].head ? nt->bk[k].hpos : 0;
			uint32_t end =
				b == nt->bk[k].tail ? nt->bk[k].tpos : BLK_ENTS;

			for (; p < end; p++)
				if (b->e[p].t < m)
					m = b->e[p].t;
		}
		if (m > until)
			return false;
		nt->last = m;
		bucket_move(nt, k, false);
	}
}

/* Empties the bottom into the buckets, in order. */
static void spill(struct native *nt)
{
	for (uint32_t i = nt->bh; i < nt->be; i++)
		bucket_append(nt, bucket_of(nt->bot[i].t, nt->last),
			      &nt->bot[i]);
	nt->bh = nt->be = 0;
}

/* Inserts e into the bottom (not empty, e.t < blim) after every entry at
 * most as late. Its place comes from a short scan from the tail, then a
 * bisection; the shorter side moves (the bottom keeps room before its head
 * and after its tail), so that a large bottom costs O(log n) comparisons
 * and an early insertion only moves the entries before it. */
static inline void bot_insert(struct native *nt, const struct qent *e)
{
	uint32_t i;

	if (nt->bh && e->t < nt->bot[nt->bh].t) {
		nt->bot[--nt->bh] = *e;
		return;
	}
	if (nt->be - nt->bh == BOT_CAP) {
		spill(nt);
		bucket_append(nt, bucket_of(e->t, nt->last), e);
		return;
	}
	for (i = nt->be; i > nt->bh; i--) {
		const struct qent *at = &nt->bot[nt->bh];
		uint32_t n = i - nt->bh;

		if (nt->bot[i - 1].t <= e->t)
			break;
		if (nt->be - i < BOT_SCAN)
			continue;
		/* the first entry later than e, among n: each step keeps the
		 * half that holds it by a select, not a branch, as where e
		 * goes among a large bottom's entries is not predictable */
		while (n > 1) {
			uint32_t half = n / 2;

			at = at[half].t <= e->t ? at + half : at;
			n -= half;
		}
		i = (uint32_t)(at - nt->bot) + (at->t <= e->t);
		break;
	}
	if (nt->bh && (i - nt->bh < nt->be - i || nt->be == BOT_CAP)) {
		memmove(&nt->bot[nt->bh - 1], &nt->bot[nt->bh],
			(i - nt->bh) * sizeof(*nt->bot));
		nt->bh--;
		nt->bot[i - 1] = *e;
		return;
	}
	memmove(&nt->bot[i + 1], &nt->bot[i], (nt->be - i) * sizeof(*nt->bot));
	nt->bot[i] = *e;
	nt->be++;
}

/* Drops every dead entry, keeping the order of the others. */
static void purge(struct native *nt)
{
	uint32_t j = nt->bh;

	for (unsigned k = 0; k < NBUCKETS; k++)
		if (nt->bk[k].head)
			bucket_move(nt, k, true);
	for (uint32_t i = nt->bh; i < nt->be; i++)
		if (!drop_dead(nt, &nt->bot[i]))
			nt->bot[j++] = nt->bot[i];
	nt->be = j;
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
	/* line-aligned, so that no record straddles two lines (realloc
	 * would keep only malloc's 16 bytes) */
	ev = aligned_alloc(64, (size_t)(nt->nev + n) * sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	if (nt->nev)
		memcpy(ev, nt->ev, (size_t)nt->nev * sizeof(*ev));
	free(nt->ev);
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
	struct qent e = { .t = (uint64_t)at };
	struct ev *ev;

	if (nt->free_head == EV_NONE && grow_slab(nt))
		return 0;
	if (reserve(nt))
		return 0;
	e.ev = nt->free_head;
	ev = &nt->ev[e.ev];
	nt->free_head = ev->next;
	ev->next = EV_LIVE;
	ev->fn = fn;
	ev->a = a;
	ev->b = b;
	if (nt->nlive + nt->ndead == 0)
		nt->last = (uint64_t)nt->sim->now; /* any last <= now will do */
	if (nt->bh != nt->be && e.t < nt->blim)
		bot_insert(nt, &e);
	else
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
		sim_fn fn;
		void *a, *b;

		if (nt->bh == nt->be && !refill(nt, (uint64_t)until))
			break;
		e = nt->bot[nt->bh];
		if (e.t > (uint64_t)until)
			break;
		nt->bh++;
		if (nt->bh != nt->be)
			__builtin_prefetch(&nt->ev[nt->bot[nt->bh].ev]);
		ev = &nt->ev[e.ev];
		if (ev->next == EV_DEAD) {
			ev_free(nt, (uint32_t)e.ev);
			nt->ndead--;
			continue;
		}
		ev->gen = gen_next(ev->gen);
		fn = ev->fn;
		a = ev->a;
		b = ev->b;
		ev_free(nt, (uint32_t)e.ev);
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
		fn(sim, a, b);
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
