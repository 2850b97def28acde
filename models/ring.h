/*
 * ring.h - rings and tables that allocate as they fill.
 *
 * A ring with free-running uint32_t counters (live entries [cons, prod),
 * entry i at slot[i & mask]) starts with no array and doubles its array
 * when a push finds it full, up to the power of two that holds its
 * capacity: at most log2(capacity) + 1 allocations per ring, none once
 * it has reached the depth it is used at. Growing keeps every live entry
 * at the position its counter names under the new mask, so that order and
 * contents are those of a ring allocated whole at the start; the capacity
 * (what a full ring refuses) is the caller's and does not change. A
 * ring may also start on a small array of the caller's own, inside its
 * struct beside the ring's counters (one line for both), and leave it
 * when it outgrows it (ring_room_kept(), ring_table_hold_kept()).
 */
#ifndef USNSIM_RING_H
#define USNSIM_RING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RING_FIRST 8u /* entries of a ring's first array */

/* The power of two >= n (1 for 0). */
static inline uint32_t ring_pow2(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* Entries the ring's array holds: mask + 1, or 0 with no array yet. */
static inline uint32_t ring_alloc(const void *slot, uint32_t mask)
{
	return slot ? mask + 1 : 0;
}

/*
 * Doubles the array slot of elem-byte entries whose mask is *mask
 * (RING_FIRST entries at first), capped at ring_pow2(cap), moving the live
 * entries [cons, prod) to their positions under the new mask, and frees
 * the old array if it is owned (not a first array of the caller's, e.g.
 * one kept inside the ring's struct). Returns the new array and sets
 * *mask; NULL if out of memory or already at the cap (slot and *mask
 * unchanged).
 */
static inline void *ring_regrow(void *slot, bool owned, uint32_t *mask,
				uint32_t cons, uint32_t prod, size_t elem,
				uint32_t cap)
{
	uint32_t old = ring_alloc(slot, *mask), top = ring_pow2(cap);
	uint32_t n = old ? old * 2 : (RING_FIRST < top ? RING_FIRST : top);
	unsigned char *to, *from = slot;

	if (n > top)
		n = top;
	if (n <= old)
		return NULL;
	to = calloc(n, elem);
	if (!to)
		return NULL;
	for (uint32_t i = cons; i != prod; i++)
		memcpy(to + (size_t)(i & (n - 1)) * elem,
		       from + (size_t)(i & (old - 1)) * elem, elem);
	if (owned)
		free(from);
	*mask = n - 1;
	return to;
}

/*
 * Grows a table indexed from 0 (tab, *n entries) so that it holds index
 * idx: doubles it (RING_FIRST entries at first) up to ring_pow2(cap),
 * zeroing the new entries. Returns the table (tab itself if it already
 * held idx) and sets *n; NULL if out of memory or idx >= ring_pow2(cap)
 * (tab and *n unchanged).
 */
static inline void *ring_table_hold(void *tab, uint32_t *n, uint32_t idx,
				    size_t elem, uint32_t cap)
{
	uint32_t top = ring_pow2(cap), m = *n ? *n : RING_FIRST;
	unsigned char *t;

	if (idx < *n)
		return tab;
	while (m <= idx)
		m *= 2;
	if (m > top)
		m = top;
	if (m <= idx)
		return NULL;
	t = realloc(tab, (size_t)m * elem);
	if (!t)
		return NULL;
	memset(t + (size_t)*n * elem, 0, (size_t)(m - *n) * elem);
	*n = m;
	return t;
}

/*
 * Makes room for one more entry in a ring: arrp points to the ring's array
 * pointer (of elem-byte entries; NULL: none yet), *mask is its mask and
 * [cons, prod) its live entries, cap its capacity. Grows the array if it
 * is full (ring_regrow()), keeping the caller's own first array (NULL for
 * none) while it is the ring's, freeing any other. Returns true if
 * there is room; false if out of memory or the array is at ring_pow2(cap)
 * entries and full (the ring is unchanged).
 */
static inline bool ring_room_kept(void *arrp, uint32_t *mask, uint32_t cons,
				  uint32_t prod, size_t elem, uint32_t cap,
				  const void *first)
{
	void *arr, *to;

	memcpy(&arr, arrp, sizeof(arr));
	if (prod - cons < ring_alloc(arr, *mask))
		return true;
	to = ring_regrow(arr, !first || arr != first, mask, cons, prod, elem,
			 cap);
	if (!to)
		return false;
	memcpy(arrp, &to, sizeof(to));
	return true;
}

/* ring_room_kept() for a ring without a first array of the caller's. */
static inline bool ring_room(void *arrp, uint32_t *mask, uint32_t cons,
			     uint32_t prod, size_t elem, uint32_t cap)
{
	return ring_room_kept(arrp, mask, cons, prod, elem, cap, NULL);
}

/*
 * ring_table_hold() for a table that may still be on a first array of the
 * caller's (first, *n entries while tab == first): past it, the table
 * moves to an array of its own holding idx, the first entries copied.
 */
static inline void *ring_table_hold_kept(void *tab, uint32_t *n, uint32_t idx,
					 size_t elem, uint32_t cap,
					 const void *first)
{
	uint32_t m = 0;
	void *t;

	if (idx < *n || tab != first)
		return ring_table_hold(tab, n, idx, elem, cap);
	t = ring_table_hold(NULL, &m, idx, elem, cap);
	if (!t)
		return NULL;
	memcpy(t, first, (size_t)*n * elem);
	*n = m;
	return t;
}

#endif
