/*
 * test_ring.c - rings and tables that allocate as they fill (models/ring.h)
 * and the channel built on them: the same order as a FIFO from any start
 * of the counters (wrap-around included), arrays that double exactly to
 * the depth used (no further), a full ring at its capacity refused, and a
 * channel whose buffer table and rings stay at their first size when a
 * packet at a time goes through it.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>

#include "channel.h"
#include "ring.h"
#include "util.h"

/* A ring of uint64_t with free-running counters, as the models keep it. */
struct tring {
	uint64_t *slot;
	uint32_t mask, prod, cons, cap;
	unsigned grows;
};

static bool tring_push(struct tring *r, uint64_t v)
{
	uint32_t had = ring_alloc(r->slot, r->mask);

	if (r->prod - r->cons >= r->cap)
		return false; /* the caller's capacity check */
	if (!ring_room(&r->slot, &r->mask, r->cons, r->prod, sizeof(*r->slot),
		       r->cap))
		return false;
	r->grows += ring_alloc(r->slot, r->mask) != had;
	r->slot[r->prod++ & r->mask] = v;
	return true;
}

static unsigned log2u(uint32_t n)
{
	unsigned k = 0;

	while (n > 1) {
		n >>= 1;
		k++;
	}
	return k;
}

/* Random pushes and pops against a FIFO, from a start near the wrap of
 * the counters: every pop is the FIFO's, and the array ends at the power
 * of two that holds the deepest the ring got (RING_FIRST at least), after
 * exactly log2(that / RING_FIRST) + 1 allocations. */
static void test_fifo_order(void)
{
	const uint32_t caps[] = { 1, 5, 8, 100, 512 };
	const uint32_t starts[] = { 0, 7, UINT32_MAX - 3, UINT32_MAX - 300 };

	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++)
		for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]);
		     s++) {
			struct tring r = { .cap = caps[c],
					   .prod = starts[s],
					   .cons = starts[s] };
			uint64_t *fifo = malloc(20000 * sizeof(*fifo));
			size_t head = 0, tail = 0;
			uint32_t deepest = 0, want;
			uint64_t next = 1;
			unsigned seed = (unsigned)(c * 31 + s + 1);

			CU_ASSERT_FATAL(fifo != NULL);
			for (int step = 0; step < 20000; step++) {
				/* more pushes than pops for the first half,
				 * then more pops: the depth rises, then falls */
				int push = (int)(rand_r(&seed) % 100) <
					   (step < 10000 ? 60 : 40);

				if (push) {
					bool ok = tring_push(&r, next);

					CHECKF(ok == (tail - head < caps[c]),
					       "cap %u start %u step %d: push %d",
					       caps[c], starts[s], step, ok);
					if (ok)
						fifo[tail++] = next++;
				} else if (tail > head) {
					uint64_t v = r.slot[r.cons++ & r.mask];

					CHECKF(v == fifo[head],
					       "cap %u start %u step %d: %llu, want %llu",
					       caps[c], starts[s], step,
					       (unsigned long long)v,
					       (unsigned long long)fifo[head]);
					head++;
				}
				if (tail - head > deepest)
					deepest = (uint32_t)(tail - head);
			}
			want = ring_pow2(deepest);
			if (want < RING_FIRST)
				want = RING_FIRST;
			if (want > ring_pow2(caps[c]))
				want = ring_pow2(caps[c]);
			CHECK_EQ(deepest, caps[c] < 200 ? caps[c] : deepest);
			CHECK_EQ(ring_alloc(r.slot, r.mask), want);
			CHECK_EQ(r.grows,
				 want <= RING_FIRST
					 ? 1
					 : log2u(want / RING_FIRST) + 1);
			CU_ASSERT(r.grows <= log2u(ring_pow2(caps[c])) + 1);
			free(r.slot);
			free(fifo);
		}
}

/* A ring full at its power of two has no room; the table holds exactly
 * the indices asked for, doubled, zeroed, and refuses past the cap. */
static void test_limits(void)
{
	uint32_t *slot = NULL, mask = 0, n = 0;
	uint64_t *tab = NULL, *t;

	for (uint32_t i = 0; i < 8; i++) {
		CU_ASSERT_FATAL(
			ring_room(&slot, &mask, 0, i, sizeof(*slot), 5));
		slot[i & mask] = i;
	}
	CHECK_EQ(mask, 7);
	CU_ASSERT(!ring_room(&slot, &mask, 0, 8, sizeof(*slot), 5));
	CHECK_EQ(mask, 7);
	free(slot);

	t = ring_table_hold(tab, &n, 0, sizeof(*tab), 100);
	CU_ASSERT_FATAL(t != NULL);
	tab = t;
	CHECK_EQ(n, RING_FIRST);
	tab[3] = 42;
	t = ring_table_hold(tab, &n, 20, sizeof(*tab), 100);
	CU_ASSERT_FATAL(t != NULL);
	tab = t;
	CHECK_EQ(n, 32);
	CHECK_EQ(tab[3], 42);
	for (uint32_t i = RING_FIRST; i < n; i++)
		CHECKF(tab[i] == 0, "entry %u is %llu", i,
		       (unsigned long long)tab[i]);
	t = ring_table_hold(tab, &n, 127, sizeof(*tab), 100);
	CU_ASSERT_FATAL(t != NULL);
	tab = t;
	CHECK_EQ(n, 128);
	CU_ASSERT(ring_table_hold(tab, &n, 128, sizeof(*tab), 100) == NULL);
	CHECK_EQ(n, 128);
	free(tab);
}

/* A packet at a time through a channel of 1024 RX and 256 TX slots: one
 * buffer is ever used, and every array stays the first one, in the chan.
 * With 20 held at once (from counters about to wrap), the table and the
 * RX ring move to arrays of their own, grown to 32 and no further, the
 * packets in order; TX stays on its first array. */
static void test_channel_depth(void)
{
	struct chan ch;
	struct sim_pkt pk[20], *out[32];

	CU_ASSERT_FATAL(chan_init(&ch, 256, 1024, 32, 1) == 0);
	CU_ASSERT(ch.buf == ch.buf_first && ch.rx.slot == ch.rx_first);
	for (int i = 0; i < 10000; i++) {
		CHECK_EQ(chan_rx_put(&ch, &pk[0]) >= 0, 1);
		CHECK_EQ(chan_rx_take(&ch, out, 1024), 1);
		CHECK_EQ(chan_tx_put(&ch, &pk[1]), 0);
		CHECK_EQ(chan_tx_take(&ch, out, 1024), 1);
	}
	CHECK_EQ(ch.fresh, 1);
	CU_ASSERT(ch.buf == ch.buf_first && ch.rx.slot == ch.rx_first &&
		  ch.tx.slot == ch.tx_first && ch.free.slot == ch.free_first);
	CHECK_EQ(ch.buf_alloc, CHAN_BUF_FIRST);
	CHECK_EQ(ch.rx.mask + 1, CHAN_RING_FIRST);
	CHECK_EQ(ch.tx.mask + 1, CHAN_RING_FIRST);
	CHECK_EQ(ch.free.mask + 1, CHAN_RING_FIRST);
	CHECK_EQ(chan_free_count(&ch), 1280);
	chan_reset_at(&ch, UINT32_MAX - 1);
	for (int i = 0; i < 20; i++)
		CHECK_EQ(chan_rx_put(&ch, &pk[i]) >= 0, 1);
	CHECK_EQ(ch.fresh, 20);
	CHECK_EQ(ch.buf_alloc, 32);
	CHECK_EQ(ch.rx.mask + 1, 32);
	CHECK_EQ(ch.free.mask + 1, 32);
	CU_ASSERT(ch.buf != ch.buf_first && ch.rx.slot != ch.rx_first &&
		  ch.tx.slot == ch.tx_first);
	CHECK_EQ(chan_free_count(&ch), 1260);
	CHECK_EQ(chan_rx_take(&ch, out, 32), 20);
	for (int i = 0; i < 20; i++)
		CU_ASSERT(out[i] == &pk[i]);
	CHECK_EQ(chan_free_count(&ch), 1280);
	chan_fini(&ch);
}

/* A ring and a table on first arrays of four entries (as a driver's lane
 * keeps them): random pushes and pops against a FIFO stay on the first
 * array while the ring holds at most four, then move to arrays of their
 * own, in order, leaving the first ones as they were (not freed: freeing
 * them would abort); the table keeps its first entries when it moves. */
static void test_kept_first(void)
{
	const uint32_t caps[] = { 2, 4, 5, 64 };

	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		uint64_t first[4], fifo[4096];
		uint64_t *slot = first, next = 1;
		uint32_t mask = (caps[c] < 4 ? ring_pow2(caps[c]) : 4) - 1;
		uint32_t prod = UINT32_MAX - 2, cons = prod, deepest = 0;
		size_t head = 0, tail = 0;
		unsigned seed = (unsigned)c + 3;

		for (int step = 0; step < 4000; step++) {
			int push = (int)(rand_r(&seed) % 100) <
				   (step < 2000 ? 55 : 45);

			if (push && tail - head < caps[c]) {
				CU_ASSERT_FATAL(ring_room_kept(
					&slot, &mask, cons, prod, sizeof(*slot),
					caps[c], first));
				slot[prod++ & mask] = next;
				fifo[tail++ % 4096] = next++;
			} else if (!push && tail > head) {
				uint64_t v = slot[cons++ & mask];

				CHECKF(v == fifo[head % 4096],
				       "cap %u step %d: %llu, want %llu",
				       caps[c], step, (unsigned long long)v,
				       (unsigned long long)fifo[head % 4096]);
				head++;
			}
			if (tail - head > deepest)
				deepest = (uint32_t)(tail - head);
		}
		CHECKF((slot == first) == (deepest <= 4),
		       "cap %u, deepest %u: %s the first array", caps[c],
		       deepest, slot == first ? "still on" : "off");
		if (slot != first)
			free(slot);
	}
	{
		uint64_t first[4] = { 11, 12, 13, 14 }, *tab = first, *t;
		uint32_t n = 4;

		t = ring_table_hold_kept(tab, &n, 3, sizeof(*tab), 100, first);
		CU_ASSERT(t == first && n == 4);
		t = ring_table_hold_kept(tab, &n, 9, sizeof(*tab), 100, first);
		CU_ASSERT_FATAL(t != NULL && t != first);
		tab = t;
		CHECK_EQ(n, 16);
		for (uint32_t i = 0; i < n; i++)
			CHECKF(tab[i] == (i < 4 ? 11 + i : 0),
			       "entry %u is %llu", i,
			       (unsigned long long)tab[i]);
		t = ring_table_hold_kept(tab, &n, 40, sizeof(*tab), 100, first);
		CU_ASSERT_FATAL(t != NULL);
		tab = t;
		CHECK_EQ(n, 64);
		CHECK_EQ(tab[3], 14);
		CHECK_EQ(first[0], 11);
		free(tab);
	}
}

int suite_ring(void)
{
	CU_pSuite s = CU_add_suite("ring", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "FIFO order, doubling to the depth used",
			 test_fifo_order) ||
	    !CU_add_test(s, "full ring, table limits", test_limits) ||
	    !CU_add_test(s, "channel arrays at the depth used",
			 test_channel_depth) ||
	    !CU_add_test(s, "rings and tables on first arrays",
			 test_kept_first))
		return CU_get_error();
	return 0;
}
