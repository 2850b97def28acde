/*
 * native.c - the native engine backend: a 4-ary min-heap over a slab.
 *
 * Event records (handler and its two words) live in chunks of
 * EV_CHUNK records that are never moved or freed during a run; a free list
 * threads the unused ones, so scheduling never calls malloc once the number
 * of pending events has peaked. The heap holds small entries (time,
 * sequence, record index) so that sifting touches one contiguous array;
 * each record knows its heap position, which makes cancel O(log n).
 *
 * Order is (time, sequence): the sequence number grows with every
 * schedule, so events at equal time run in the order they were scheduled.
 * An event id is (generation << 32 | index); the generation of a record
 * changes each time it is freed, so a stale id is recognised and refused.
 */
#include <errno.h>
#include <stdlib.h>

#include "backend.h"

#define EV_CHUNK_BITS 12
#define EV_CHUNK (1u << EV_CHUNK_BITS)
#define HEAP_ARITY 4
#define POS_FREE UINT32_MAX

struct ev {
	sim_fn fn;
	void *a, *b;
	uint32_t pos;  /* index in the heap, or POS_FREE */
	uint32_t gen;  /* changes on every free; never 0 */
	uint32_t next; /* free list link (valid when pos == POS_FREE) */
};

struct hent {
	sim_time t;
	uint64_t seq;
	uint32_t ev;
};

struct native {
	struct sim *sim;
	struct hent *heap;
	uint32_t n, cap; /* heap entries in use, allocated */
	struct ev **chunk;
	uint32_t nchunks;
	uint32_t free_head; /* UINT32_MAX when empty */
	uint64_t seq;
};

static inline struct ev *ev_at(const struct native *nt, uint32_t i)
{
	return &nt->chunk[i >> EV_CHUNK_BITS][i & (EV_CHUNK - 1)];
}

static inline int before(const struct hent *x, const struct hent *y)
{
	return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static inline void heap_set(struct native *nt, uint32_t pos, struct hent e)
{
	nt->heap[pos] = e;
	ev_at(nt, e.ev)->pos = pos;
}

static void sift_up(struct native *nt, uint32_t pos, struct hent e)
{
	while (pos > 0) {
		uint32_t parent = (pos - 1) / HEAP_ARITY;

		if (!before(&e, &nt->heap[parent]))
			break;
		heap_set(nt, pos, nt->heap[parent]);
		pos = parent;
	}
	heap_set(nt, pos, e);
}

static void sift_down(struct native *nt, uint32_t pos, struct hent e)
{
	for (;;) {
		uint32_t first = pos * HEAP_ARITY + 1, best, last;

		if (first >= nt->n)
			break;
		last = first + HEAP_ARITY < nt->n ? first + HEAP_ARITY : nt->n;
		best = first;
		for (uint32_t c = first + 1; c < last; c++)
			if (before(&nt->heap[c], &nt->heap[best]))
				best = c;
		if (!before(&nt->heap[best], &e))
			break;
		heap_set(nt, pos, nt->heap[best]);
		pos = best;
	}
	heap_set(nt, pos, e);
}

/* Removes the entry at pos, refilling the hole with the last entry. */
static void heap_remove(struct native *nt, uint32_t pos)
{
	struct hent last = nt->heap[--nt->n];

	if (pos == nt->n)
		return;
	if (pos > 0 && before(&last, &nt->heap[(pos - 1) / HEAP_ARITY]))
		sift_up(nt, pos, last);
	else
		sift_down(nt, pos, last);
}

static int grow_slab(struct native *nt)
{
	struct ev **chunks, *c;
	uint32_t base = nt->nchunks * EV_CHUNK;

	if (nt->nchunks >= (UINT32_MAX >> EV_CHUNK_BITS) - 1)
		return -ENOMEM;
	chunks = realloc(nt->chunk, (nt->nchunks + 1) * sizeof(*chunks));
	if (!chunks)
		return -ENOMEM;
	nt->chunk = chunks;
	c = malloc(EV_CHUNK * sizeof(*c));
	if (!c)
		return -ENOMEM;
	nt->chunk[nt->nchunks++] = c;
	for (uint32_t i = 0; i < EV_CHUNK; i++) {
		c[i].pos = POS_FREE;
		c[i].gen = 1;
		c[i].next = i + 1 < EV_CHUNK ? base + i + 1 : nt->free_head;
	}
	nt->free_head = base;
	return 0;
}

static int grow_heap(struct native *nt)
{
	uint32_t cap = nt->cap ? nt->cap * 2 : 1024;
	struct hent *h;

	if (cap <= nt->cap)
		return -ENOMEM;
	h = realloc(nt->heap, (size_t)cap * sizeof(*h));
	if (!h)
		return -ENOMEM;
	nt->heap = h;
	nt->cap = cap;
	return 0;
}

static void ev_release(struct native *nt, uint32_t i)
{
	struct ev *ev = ev_at(nt, i);

	ev->pos = POS_FREE;
	ev->gen = ev->gen == UINT32_MAX ? 1 : ev->gen + 1;
	ev->next = nt->free_head;
	nt->free_head = i;
}

static sim_event_id native_schedule_at(void *impl, sim_time at, sim_fn fn,
				       void *a, void *b)
{
	struct native *nt = impl;
	struct hent e;
	struct ev *ev;
	uint32_t i;

	if (nt->free_head == UINT32_MAX && grow_slab(nt))
		return 0;
	if (nt->n == nt->cap && grow_heap(nt))
		return 0;
	i = nt->free_head;
	ev = ev_at(nt, i);
	nt->free_head = ev->next;
	ev->fn = fn;
	ev->a = a;
	ev->b = b;
	e.t = at;
	e.seq = nt->seq++;
	e.ev = i;
	sift_up(nt, nt->n++, e);
	return (uint64_t)ev->gen << 32 | i;
}

static int native_cancel(void *impl, sim_event_id id)
{
	struct native *nt = impl;
	uint32_t i = (uint32_t)id, gen = (uint32_t)(id >> 32);
	struct ev *ev;

	if (i >= nt->nchunks * EV_CHUNK)
		return -ENOENT;
	ev = ev_at(nt, i);
	if (ev->gen != gen || ev->pos == POS_FREE)
		return -ENOENT;
	heap_remove(nt, ev->pos);
	ev_release(nt, i);
	return 0;
}

static void native_run(void *impl, sim_time until)
{
	struct native *nt = impl;
	struct sim *sim = nt->sim;

	while (nt->n > 0 && !sim->stopping) {
		struct hent top = nt->heap[0];
		struct ev *ev = ev_at(nt, top.ev);
		sim_fn fn = ev->fn;
		void *a = ev->a, *b = ev->b;

		if (top.t > until)
			break;
		heap_remove(nt, 0);
		ev_release(nt, top.ev);
		sim->now = top.t;
		sim->events++;
		fn(sim, a, b);
	}
}

static uint64_t native_pending(const void *impl)
{
	const struct native *nt = impl;

	return nt->n;
}

static void *native_create(struct sim *sim)
{
	struct native *nt = calloc(1, sizeof(*nt));

	if (!nt)
		return NULL;
	nt->sim = sim;
	nt->free_head = UINT32_MAX;
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
	free(nt->heap);
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
