/*
 * test_channel.c - the shared-memory channel against naive references.
 *
 * The rings are driven from random starting counters (some a few slots
 * below UINT32_MAX, so the free-running counters wrap during the run) by
 * random sequences of puts, takes, holds and sleeps, and every step is
 * compared with a plain FIFO model kept in arrays indexed from 0: the same
 * packets in the same order, the same counts, the same -ENOSPC / -ENOMEM
 * outcomes and the same wakeups. The random numbers come from a local
 * splitmix64 generator with fixed seeds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "channel.h"
#include "util.h"

static uint64_t test_state;

static uint64_t next_u64(void)
{
	uint64_t z = (test_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint32_t next_below(uint32_t n)
{
	return (uint32_t)(next_u64() % n);
}

/* A power of two in [2, 2^max_log]. */
static uint32_t next_pow2(unsigned max_log)
{
	return 1u << (1 + next_below(max_log));
}

static uint32_t min2(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t min3(uint32_t a, uint32_t b, uint32_t c)
{
	return min2(min2(a, b), c);
}

/* Starting counters: zero, the top of the range (the counters wrap within
 * a few operations) and random values. */
static uint32_t pick_start(int round)
{
	static const uint32_t fixed[] = { 0,
					  UINT32_MAX,
					  UINT32_MAX - 1,
					  UINT32_MAX - 3,
					  UINT32_MAX - 17,
					  UINT32_MAX - 200,
					  0x7fffffffu,
					  0x80000000u - 5 };
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);

	if ((size_t)round < nfixed)
		return fixed[round];
	if (round % 2)
		return UINT32_MAX - next_below(5000);
	return (uint32_t)next_u64();
}

/* A naive FIFO: an array that only grows at the tail, never wrapping. */
struct fifo {
	uintptr_t *v;
	size_t head, tail, cap;
};

static void fifo_init(struct fifo *f, size_t cap)
{
	f->v = calloc(cap, sizeof(*f->v));
	CU_ASSERT_FATAL(f->v != NULL);
	f->head = f->tail = 0;
	f->cap = cap;
}

static size_t fifo_count(const struct fifo *f)
{
	return f->tail - f->head;
}

static void fifo_push(struct fifo *f, uintptr_t x)
{
	CHECK_LT_FATAL(f->tail, f->cap);
	f->v[f->tail++] = x;
}

static uintptr_t fifo_pop(struct fifo *f)
{
	CHECK_LT_FATAL(f->head, f->tail);
	return f->v[f->head++];
}

/* A ring built by hand (for chan_ring_move and for buffers held outside
 * the channel). */
static void ring_make(struct chan_ring *r, uint32_t size, uint32_t start)
{
	r->size = size;
	r->mask = size - 1;
	r->prod = r->cons = start;
	r->slot = calloc(size, sizeof(*r->slot));
	CU_ASSERT_FATAL(r->slot != NULL);
}

/* Every buffer index used since the reset (below fresh) is in exactly one
 * of the free ring, TX, RX and held rings, and the buffer table names a
 * packet exactly for those not on the free ring; the others are free. */
static int pool_consistent(const struct chan *ch, const struct chan_ring *held)
{
	const struct chan_ring *rings[] = { &ch->free, &ch->tx, &ch->rx, held };
	uint8_t *seen = calloc(ch->nbufs, 1);
	uint32_t total = 0;
	int ok = seen != NULL;

	for (int k = 0; ok && k < 4; k++) {
		const struct chan_ring *r = rings[k];

		for (uint32_t i = r->cons; ok && i != r->prod; i++) {
			uint32_t idx = r->slot[i & r->mask];

			ok = idx < ch->fresh && !seen[idx] &&
			     (k == 0) == (ch->buf[idx] == NULL);
			if (ok)
				seen[idx] = 1;
			total++;
		}
	}
	free(seen);
	return ok && ch->fresh <= ch->nbufs &&
	       total + (ch->nbufs - ch->fresh) == ch->nbufs;
}

/*
 * TX and RX from random offsets against the FIFO model. Besides puts and
 * takes, "hold" moves RX slots into a ring outside the channel (the app
 * keeps the buffers) and "unhold" moves them back, so that the pool can
 * run dry (-ENOMEM) while the rings have room; "wait" puts the app to
 * sleep on RX.
 */
#define FUZZ_ROUNDS 60
#define FUZZ_STEPS 4000
#define FUZZ_PHASE 400

/* Cumulative percentages of TX put, TX take, RX put, RX take, hold and
 * unhold (the rest: wait), in phases that fill the rings (takes of at
 * most 2) and drain them, so that every round sees full rings and
 * wakeups. */
static const uint8_t phase_cut[2][6] = {
	{ 35, 42, 80, 85, 90, 93 },
	{ 15, 40, 55, 85, 88, 95 },
};

struct model {
	struct fifo tx, rx, held;
	uint32_t nbufs, lowat;
	bool waiting;
	uint64_t wakeups;
};

static size_t model_free(const struct model *m)
{
	return m->nbufs - fifo_count(&m->tx) - fifo_count(&m->rx) -
	       fifo_count(&m->held);
}

/* The outcome chan_tx_put / chan_rx_put must have on ring f of size n. */
static int model_put(struct model *m, struct fifo *f, uint32_t n, uintptr_t p)
{
	if (fifo_count(f) == n)
		return -ENOSPC;
	if (model_free(m) == 0)
		return -ENOMEM;
	fifo_push(f, p);
	return 0;
}

/* Outcomes counted over all rounds. */
struct tally {
	uint64_t enospc, enomem, wakes;
};

static void fuzz_round(int round, struct sim_pkt *pk, size_t npk,
		       struct tally *all)
{
	uint32_t tx_n = next_pow2(6), rx_n = next_pow2(6);
	uint32_t start = pick_start(round), lowat = 1 + next_below(rx_n);
	struct sim_pkt *out[64 + 8];
	struct chan_ring held;
	struct model m = { .nbufs = tx_n + rx_n, .lowat = lowat };
	uint64_t enospc = 0, enomem = 0, wakes = 0;
	size_t next_pk = 0;
	struct chan ch;
	bool wrapped = false;
	unsigned failures0 = CU_get_number_of_failures();

	CU_ASSERT_FATAL(chan_init(&ch, tx_n, rx_n, 2, lowat) == 0);
	chan_reset_at(&ch, start);
	ring_make(&held, 2 * (tx_n > rx_n ? tx_n : rx_n), start);
	/* a step pushes at most 64 entries into a model FIFO */
	fifo_init(&m.tx, FUZZ_STEPS * 65);
	fifo_init(&m.rx, FUZZ_STEPS * 65);
	fifo_init(&m.held, FUZZ_STEPS * 65);

	for (int step = 0; step < FUZZ_STEPS; step++) {
		bool fill = (step / FUZZ_PHASE) % 2 == 0;
		const uint8_t *cut = phase_cut[!fill];
		uint32_t op = next_below(100), max, n, want;
		struct sim_pkt *p = &pk[next_pk % npk];
		int rc, mrc;

		if (op < cut[0]) { /* TX put */
			mrc = model_put(&m, &m.tx, tx_n, (uintptr_t)p);
			rc = chan_tx_put(&ch, p);
			CHECKF(rc == mrc,
			       "round %d step %d: tx put %d, want %d", round,
			       step, rc, mrc);
			next_pk += rc == 0;
			enospc += rc == -ENOSPC;
			enomem += rc == -ENOMEM;
		} else if (op < cut[1]) { /* TX take */
			max = next_below(fill ? 3 : tx_n + 3);
			want = min2(max, fifo_count(&m.tx));
			n = chan_tx_take(&ch, out, max);
			CHECKF(n == want,
			       "round %d step %d: tx take %u, want %u", round,
			       step, n, want);
			for (uint32_t i = 0; i < n && i < want; i++)
				CHECKF((uintptr_t)out[i] == fifo_pop(&m.tx),
				       "round %d step %d: tx order", round,
				       step);
		} else if (op < cut[2]) { /* RX put */
			mrc = model_put(&m, &m.rx, rx_n, (uintptr_t)p);
			if (mrc == 0 && m.waiting &&
			    fifo_count(&m.rx) >= m.lowat) {
				m.waiting = false;
				m.wakeups++;
				mrc = 1;
			}
			rc = chan_rx_put(&ch, p);
			CHECKF(rc == mrc,
			       "round %d step %d: rx put %d, want %d", round,
			       step, rc, mrc);
			next_pk += rc >= 0;
			enospc += rc == -ENOSPC;
			enomem += rc == -ENOMEM;
			wakes += rc == 1;
		} else if (op < cut[3]) { /* RX take */
			max = next_below(fill ? 3 : rx_n + 3);
			want = min2(max, fifo_count(&m.rx));
			n = chan_rx_take(&ch, out, max);
			CHECKF(n == want,
			       "round %d step %d: rx take %u, want %u", round,
			       step, n, want);
			for (uint32_t i = 0; i < n && i < want; i++)
				CHECKF((uintptr_t)out[i] == fifo_pop(&m.rx),
				       "round %d step %d: rx order", round,
				       step);
		} else if (op < cut[4]) { /* hold RX buffers outside */
			max = next_below(rx_n + 1);
			want = min3(max, fifo_count(&m.rx),
				    held.size - fifo_count(&m.held));
			n = chan_ring_move(&held, &ch.rx, max);
			CHECKF(n == want, "round %d step %d: hold %u, want %u",
			       round, step, n, want);
			for (uint32_t i = 0; i < want; i++)
				fifo_push(&m.held, fifo_pop(&m.rx));
		} else if (op < cut[5]) { /* give them back to RX */
			max = next_below(rx_n + 1);
			want = min3(max, fifo_count(&m.held),
				    rx_n - fifo_count(&m.rx));
			n = chan_ring_move(&ch.rx, &held, max);
			CHECKF(n == want,
			       "round %d step %d: unhold %u, want %u", round,
			       step, n, want);
			for (uint32_t i = 0; i < want; i++)
				fifo_push(&m.rx, fifo_pop(&m.held));
		} else { /* the app sleeps on RX */
			bool w = chan_rx_wait(&ch);
			bool mw = fifo_count(&m.rx) < m.lowat;

			if (mw)
				m.waiting = true;
			CHECKF(w == mw, "round %d step %d: wait %d, want %d",
			       round, step, w, mw);
		}
		CHECKF(chan_ring_count(&ch.tx) == fifo_count(&m.tx) &&
			       chan_ring_count(&ch.rx) == fifo_count(&m.rx) &&
			       chan_ring_count(&held) == fifo_count(&m.held) &&
			       chan_free_count(&ch) == model_free(&m),
		       "round %d step %d: counts tx %u rx %u held %u free %u",
		       round, step, chan_ring_count(&ch.tx),
		       chan_ring_count(&ch.rx), chan_ring_count(&held),
		       chan_free_count(&ch));
		CHECKF(ch.waiting == m.waiting && ch.wakeups == m.wakeups,
		       "round %d step %d: waiting %d wakeups %llu", round, step,
		       ch.waiting, (unsigned long long)ch.wakeups);
		if (step % 97 == 0)
			CHECKF(pool_consistent(&ch, &held),
			       "round %d step %d: pool", round, step);
		wrapped |= ch.rx.prod < start || ch.free.cons < start;
		if (CU_get_number_of_failures() != failures0)
			break; /* the first divergence says it all */
	}
	if (CU_get_number_of_failures() != failures0)
		goto out;
	/* Held slots refer to RX packets, still in the table, in order. */
	while (fifo_count(&m.held)) {
		uint32_t idx = held.slot[held.cons++ & held.mask];

		CHECKF((uintptr_t)ch.buf[idx] == fifo_pop(&m.held),
		       "round %d: held packet", round);
	}
	/* Puts were refused and wakeups happened in every round. */
	CHECKF(enospc + enomem > 0 && wakes > 0,
	       "round %d: enospc %llu enomem %llu wakes %llu", round,
	       (unsigned long long)enospc, (unsigned long long)enomem,
	       (unsigned long long)wakes);
	all->enospc += enospc;
	all->enomem += enomem;
	all->wakes += wakes;
	if (start >= UINT32_MAX - 200)
		CHECKF(wrapped, "round %d: start %u did not wrap", round,
		       start);
out:
	free(held.slot);
	free(m.tx.v);
	free(m.rx.v);
	free(m.held.v);
	chan_fini(&ch);
}

static void test_fuzz_vs_fifo(void)
{
	static struct sim_pkt pk[FUZZ_STEPS];
	struct tally all = { 0 };

	test_state = 1;
	for (int round = 0; round < FUZZ_ROUNDS; round++)
		fuzz_round(round, pk, FUZZ_STEPS, &all);
	/* Full rings, and an empty pool (held RX buffers), both happened. */
	CHECKF(all.enospc > 1000 && all.enomem > 100,
	       "enospc %llu enomem %llu wakes %llu",
	       (unsigned long long)all.enospc, (unsigned long long)all.enomem,
	       (unsigned long long)all.wakes);
}

static void test_init_shape(void)
{
	struct chan ch;

	CU_ASSERT_FATAL(chan_init(&ch, 8, 4, 32, 3) == 0);
	CHECK_EQ(ch.nbufs, 12);
	CHECK_EQ(ch.tx.size, 8);
	CHECK_EQ(ch.rx.size, 4);
	CHECK_EQ(ch.free.size, 16);
	CHECK_EQ(chan_ring_count(&ch.free), 0);
	CHECK_EQ(chan_free_count(&ch), 12); /* none used yet: all free */
	CHECK_EQ(ch.fresh, 0);
	CHECK_EQ(chan_ring_count(&ch.tx), 0);
	CHECK_EQ(chan_ring_space(&ch.tx), 8);
	CHECK_EQ(chan_ring_space(&ch.rx), 4);
	CHECK_EQ(ch.ev_size, 32);
	CHECK_EQ(ch.lowat, 3);
	CU_ASSERT(!ch.waiting);
	/* nothing allocated before the first put: every ring and the buffer
	 * table start on their first arrays, in the chan */
	CU_ASSERT(ch.tx.slot == ch.tx_first && ch.rx.slot == ch.rx_first &&
		  ch.free.slot == ch.free_first && ch.buf == ch.buf_first &&
		  ch.ev == NULL);
	CHECK_EQ(ch.tx.mask + 1, CHAN_RING_FIRST);
	CHECK_EQ(ch.rx.mask + 1, 4); /* its size */
	CHECK_EQ(ch.free.mask + 1, CHAN_RING_FIRST);
	CHECK_EQ(ch.buf_alloc, CHAN_BUF_FIRST);

	/* reset_at: counters at start, every buffer free */
	chan_reset_at(&ch, UINT32_MAX - 2);
	CHECK_EQ(ch.tx.prod, UINT32_MAX - 2);
	CHECK_EQ(ch.rx.cons, UINT32_MAX - 2);
	CHECK_EQ(ch.free.cons, UINT32_MAX - 2);
	CHECK_EQ(ch.free.prod, UINT32_MAX - 2);
	CHECK_EQ(chan_free_count(&ch), 12);
	CHECK_EQ(ch.ev_prod, UINT32_MAX - 2);
	CHECK_EQ(ch.ev_cons, UINT32_MAX - 2);
	chan_fini(&ch);
	CU_ASSERT(ch.tx.slot == NULL && ch.buf == NULL && ch.ev == NULL);
	chan_fini(&ch); /* twice: a no-op */
}

static void test_einval(void)
{
	static const uint32_t bad[] = { 0,     1,     3,     6,		100,
					16385, 32768, 65536, UINT32_MAX };
	static const uint32_t good[] = { 2, 4, 1024, 16384 };
	struct chan ch;

	memset(&ch, 0, sizeof(ch));
	chan_fini(&ch); /* zeroed: safe */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t b = bad[i];

		CHECKF(chan_init(&ch, b, 8, 8, 1) == -EINVAL, "tx %u", b);
		chan_fini(&ch);
		CHECKF(chan_init(&ch, 8, b, 8, 1) == -EINVAL, "rx %u", b);
		chan_fini(&ch);
		CHECKF(chan_init(&ch, 8, 8, b, 1) == -EINVAL, "ev %u", b);
		CHECKF(ch.tx.slot == NULL && ch.buf == NULL && ch.ev == NULL,
		       "ev %u: left allocated", b);
		chan_fini(&ch);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint32_t g = good[i];

		CHECKF(chan_init(&ch, g, g, g, g) == 0, "size %u", g);
		CHECKF(ch.nbufs == 2 * g && chan_free_count(&ch) == 2 * g,
		       "size %u: nbufs %u", g, ch.nbufs);
		chan_fini(&ch);
	}
	CHECK_EQ(chan_init(&ch, 8, 8, 8, 0), -EINVAL);
	chan_fini(&ch);
	CHECK_EQ(chan_init(&ch, 8, 8, 8, 9), -EINVAL);
	chan_fini(&ch);
	CHECK_EQ(chan_init(&ch, 16, 8, 8, 9), -EINVAL);
	chan_fini(&ch);
	CHECK_EQ(chan_init(&ch, 8, 16, 8, 16), 0);
	chan_fini(&ch);
}

/* chan_tx_take(max) returns min(max, count), in order, from any offset. */
static void test_tx_take_max(void)
{
	static struct sim_pkt pk[16];
	static const uint32_t maxes[] = { 0, 1, 2, 5, 6, 7, 16, 1000 };
	struct sim_pkt *out[16];
	struct chan ch;

	CU_ASSERT_FATAL(chan_init(&ch, 16, 2, 2, 1) == 0);
	test_state = 3;
	for (int round = 0; round < 40; round++) {
		uint32_t k = next_below(17);
		uint32_t max = maxes[next_below(8)], want = k < max ? k : max;
		uint32_t n;

		chan_reset_at(&ch, pick_start(round));
		for (uint32_t i = 0; i < k; i++)
			CHECK_EQ(chan_tx_put(&ch, &pk[i]), 0);
		n = chan_tx_take(&ch, out, max);
		CHECKF(n == want, "k %u max %u: took %u", k, max, n);
		for (uint32_t i = 0; i < n; i++)
			CHECKF(out[i] == &pk[i], "k %u max %u: order at %u", k,
			       max, i);
		CHECKF(chan_ring_count(&ch.tx) == k - want &&
			       chan_free_count(&ch) == 18 - (k - want),
		       "k %u max %u: tx %u free %u", k, max,
		       chan_ring_count(&ch.tx), chan_free_count(&ch));
		n = chan_tx_take(&ch, out, 16);
		CHECKF(n == k - want, "k %u max %u: rest %u", k, max, n);
		for (uint32_t i = 0; i < n; i++)
			CHECKF(out[i] == &pk[want + i], "rest order at %u", i);
		CHECK_EQ(chan_tx_take(&ch, out, 16), 0);
	}
	chan_fini(&ch);
}

/*
 * chan_ring_move moves exactly min(max, count(src), space(dst)) indices,
 * appended to dst in src's order, from random fills at random offsets.
 */
static void test_ring_move(void)
{
	test_state = 4;
	for (int round = 0; round < 2000; round++) {
		struct chan_ring src, dst;
		uint32_t ss = next_pow2(6), ds = next_pow2(6);
		uint32_t a = next_below(ss + 1), b = next_below(ds + 1);
		uint32_t max = next_below(2 * (ss > ds ? ss : ds) + 2);
		uint32_t want = min3(max, a, ds - b), n;

		ring_make(&src, ss, pick_start(round));
		ring_make(&dst, ds, pick_start(round + 1));
		for (uint32_t i = 0; i < a; i++)
			src.slot[src.prod++ & src.mask] = 1000 + i;
		for (uint32_t i = 0; i < b; i++)
			dst.slot[dst.prod++ & dst.mask] = 5000 + i;
		n = chan_ring_move(&dst, &src, max);
		CHECKF(n == want, "round %d: size %u/%u fill %u/%u max %u: %u",
		       round, ss, ds, a, b, max, n);
		CHECKF(chan_ring_count(&src) == a - want &&
			       chan_ring_count(&dst) == b + want,
		       "round %d: counts %u %u", round, chan_ring_count(&src),
		       chan_ring_count(&dst));
		for (uint32_t i = 0; i < b + want; i++) {
			uint32_t v = dst.slot[(dst.cons + i) & dst.mask];
			uint32_t e = i < b ? 5000 + i : 1000 + (i - b);

			CHECKF(v == e, "round %d: dst[%u] %u, want %u", round,
			       i, v, e);
		}
		for (uint32_t i = 0; i < a - want; i++) {
			uint32_t v = src.slot[(src.cons + i) & src.mask];

			CHECKF(v == 1000 + want + i, "round %d: src[%u] %u",
			       round, i, v);
		}
		free(src.slot);
		free(dst.slot);
	}
}

/* With lowat L, after a wait at count c < L, the put that brings RX to L
 * returns 1 and no other does. */
static void check_lowat(uint32_t size, uint32_t lowat, uint32_t start)
{
	static struct sim_pkt pk[64];
	struct sim_pkt *out[64];
	struct chan ch;
	uint64_t wakes = 0;

	CU_ASSERT_FATAL(chan_init(&ch, 2, size, 2, lowat) == 0);
	chan_reset_at(&ch, start);

	/* no sleeper: no put wakes */
	for (uint32_t i = 0; i < size; i++)
		CHECKF(chan_rx_put(&ch, &pk[i]) == 0, "lowat %u: put %u", lowat,
		       i);
	CHECKF(chan_rx_put(&ch, &pk[size]) == -ENOSPC, "lowat %u: full", lowat);
	CHECK_EQ(ch.wakeups, 0);
	CU_ASSERT_FALSE(chan_rx_wait(&ch)); /* full: at/above lowat */
	CU_ASSERT_FALSE(ch.waiting);
	CHECK_EQ(chan_rx_take(&ch, out, 64), size);

	/* sleep at every count c below lowat, then fill to the top */
	for (uint32_t c = 0; c < lowat; c++) {
		for (uint32_t i = 0; i < c; i++)
			CHECK_EQ(chan_rx_put(&ch, &pk[i]), 0);
		CHECKF(chan_rx_wait(&ch), "lowat %u c %u: wait", lowat, c);
		CU_ASSERT(ch.waiting);
		for (uint32_t i = c; i < size; i++) {
			int rc = chan_rx_put(&ch, &pk[i]),
			    want = i + 1 == lowat;

			CHECKF(rc == want, "lowat %u c %u: put to %u gave %d",
			       lowat, c, i + 1, rc);
			wakes += rc == 1;
		}
		CHECKF(!ch.waiting, "lowat %u c %u: still waiting", lowat, c);
		CHECKF(ch.wakeups == wakes, "lowat %u c %u: wakeups %llu",
		       lowat, c, (unsigned long long)ch.wakeups);
		/* full ring and a sleeper? cannot be: wait says no */
		CHECKF(chan_rx_put(&ch, &pk[0]) == -ENOSPC, "lowat %u: full",
		       lowat);
		CHECKF(!chan_rx_wait(&ch), "lowat %u: wait when full", lowat);
		/* take down to exactly lowat: still no sleep */
		CHECK_EQ(chan_rx_take(&ch, out, size - lowat), size - lowat);
		CHECKF(!chan_rx_wait(&ch) && !ch.waiting,
		       "lowat %u: wait at lowat", lowat);
		CHECK_EQ(chan_rx_take(&ch, out, 64), lowat);
	}
	CHECKF(wakes == lowat, "lowat %u: %llu wakeups", lowat,
	       (unsigned long long)wakes);
	chan_fini(&ch);
}

static void test_lowat(void)
{
	static const uint32_t starts[] = { 0, UINT32_MAX - 3, 12345 };

	for (size_t s = 0; s < 3; s++) {
		check_lowat(8, 1, starts[s]);
		check_lowat(8, 4, starts[s]);
		check_lowat(8, 7, starts[s]);
		check_lowat(8, 8, starts[s]);
		check_lowat(16, 16, starts[s]);
	}
}

static struct chan_event make_event(uint32_t i)
{
	struct chan_event e = {
		.type = (uint8_t)(CHAN_EV_TX_STATUS + i % 3),
		.status = (uint8_t)(i * 7),
		.flow = 100 + i,
		.pkt_id = 1000000007ULL * i,
		.at_ps = (sim_time)i * 1000 + 1,
	};

	return e;
}

static int event_eq(const struct chan_event *a, const struct chan_event *b)
{
	return a->type == b->type && a->status == b->status &&
	       a->flow == b->flow && a->pkt_id == b->pkt_id &&
	       a->at_ps == b->at_ps;
}

static void test_events(void)
{
	static const uint32_t starts[] = { 0, UINT32_MAX - 10, UINT32_MAX };
	struct chan_event e, got;
	struct chan ch;

	for (size_t s = 0; s < 3; s++) {
		uint32_t next_get = 0, next_post = 0;

		CU_ASSERT_FATAL(chan_init(&ch, 2, 2, 32, 1) == 0);
		chan_reset_at(&ch, starts[s]);
		CHECK_EQ(chan_event_get(&ch, &got), 0);
		for (; next_post < 32; next_post++) {
			e = make_event(next_post);
			/* only the post into the empty ring wakes */
			CHECK_EQ(chan_event_post(&ch, &e), next_post == 0);
		}
		e = make_event(999);
		CHECK_EQ(chan_event_post(&ch, &e), -ENOSPC);
		CHECK_EQ(ch.ev_posted, 32);
		CHECK_EQ(ch.ev_lost, 1);
		/* half out, 16 more in (wrapping), then everything in order */
		for (; next_get < 16; next_get++) {
			e = make_event(next_get);
			CHECK_EQ(chan_event_get(&ch, &got), 1);
			CHECKF(event_eq(&got, &e), "start %zu: event %u", s,
			       next_get);
		}
		for (; next_post < 48; next_post++) {
			e = make_event(next_post);
			CHECK_EQ(chan_event_post(&ch, &e), 0);
		}
		CHECK_EQ(chan_event_post(&ch, &e), -ENOSPC);
		CHECK_EQ(ch.ev_posted, 48);
		CHECK_EQ(ch.ev_lost, 2);
		for (; next_get < 48; next_get++) {
			e = make_event(next_get);
			CHECK_EQ(chan_event_get(&ch, &got), 1);
			CHECKF(event_eq(&got, &e), "start %zu: event %u", s,
			       next_get);
		}
		CHECK_EQ(chan_event_get(&ch, &got), 0);
		chan_fini(&ch);
	}
}

/*
 * The pool runs dry when the app holds RX buffers: RX put then fails with
 * -ENOMEM although the RX ring has room, TX put with -ENOSPC (the ring is
 * checked first); afterwards every packet put comes back exactly once.
 */
static void test_pool_exhaustion(void)
{
	static const uint32_t starts[] = { 0, UINT32_MAX - 1, 0x9e3779b9u };
	struct sim_pkt pk[13];
	struct sim_pkt *out[16];
	uint32_t seen[13];
	struct chan_ring held;
	struct chan ch;
	uint32_t n;

	for (size_t s = 0; s < 3; s++) {
		memset(seen, 0, sizeof(seen));
		CU_ASSERT_FATAL(chan_init(&ch, 4, 4, 2, 1) == 0);
		chan_reset_at(&ch, starts[s]);
		ring_make(&held, 4, starts[s]);
		for (int i = 0; i < 4; i++)
			CHECK_EQ(chan_rx_put(&ch, &pk[i]), 0);
		CHECK_EQ(chan_rx_put(&ch, &pk[12]), -ENOSPC);
		/* the app holds the 4 RX packets (their buffers) */
		CHECK_EQ(chan_ring_move(&held, &ch.rx, 16), 4);
		CHECK_EQ(chan_free_count(&ch), 4);
		for (int i = 4; i < 8; i++)
			CHECK_EQ(chan_tx_put(&ch, &pk[i]), 0);
		CHECK_EQ(chan_free_count(&ch), 0);
		CHECK_EQ(chan_tx_put(&ch, &pk[12]), -ENOSPC);
		CHECK_EQ(chan_rx_put(&ch, &pk[12]), -ENOMEM);
		CHECK_EQ(chan_ring_count(&ch.rx), 0);
		/* one TX packet out frees one buffer: one RX put fits */
		CHECK_EQ(chan_tx_take(&ch, out, 1), 1);
		CU_ASSERT(out[0] == &pk[4]);
		seen[4]++;
		CHECK_EQ(chan_rx_put(&ch, &pk[8]), 0);
		CHECK_EQ(chan_rx_put(&ch, &pk[12]), -ENOMEM);
		CHECK_EQ(chan_tx_put(&ch, &pk[12]), -ENOMEM);
		CU_ASSERT(pool_consistent(&ch, &held));
		/* drain: TX, then RX, then the held ones given back */
		n = chan_tx_take(&ch, out, 16);
		CHECK_EQ(n, 3);
		for (uint32_t i = 0; i < n; i++) {
			CU_ASSERT(out[i] == &pk[5 + i]);
			seen[out[i] - pk]++;
		}
		CHECK_EQ(chan_ring_move(&ch.rx, &held, 16), 3);
		CHECK_EQ(chan_ring_count(&held), 1);
		n = chan_rx_take(&ch, out, 16);
		CHECK_EQ(n, 4);
		for (uint32_t i = 0; i < n; i++) {
			CU_ASSERT(out[i] == (i == 0 ? &pk[8] : &pk[i - 1]));
			seen[out[i] - pk]++;
		}
		CHECK_EQ(chan_ring_move(&ch.rx, &held, 16), 1);
		CHECK_EQ(chan_rx_take(&ch, out, 16), 1);
		CU_ASSERT(out[0] == &pk[3]);
		seen[3]++;
		for (int i = 0; i < 13; i++)
			CHECKF(seen[i] == (i < 9), "pkt %d seen %u times", i,
			       seen[i]);
		CHECK_EQ(chan_free_count(&ch), 8);
		CU_ASSERT(pool_consistent(&ch, &held));
		free(held.slot);
		chan_fini(&ch);
	}
}

static void test_advisory(void)
{
	struct chan_advisory t;

	memset(&t, 0, sizeof(t));
	CU_ASSERT(chan_adv_admissible(&t, 0)); /* zeroed: all admissible */
	chan_adv_fini(&t);
	CHECK_EQ(chan_adv_init(&t, 0), -EINVAL);
	chan_adv_fini(&t);
	CU_ASSERT_FATAL(chan_adv_init(&t, 5) == 0);
	for (uint32_t i = 0; i < 5; i++)
		CU_ASSERT(chan_adv_admissible(&t, i));
	CHECK_EQ(chan_adv_suspend(&t, 2), 1);
	CHECK_EQ(chan_adv_suspend(&t, 2), 0);
	CHECK_EQ(chan_adv_suspend(&t, 4), 1);
	CHECK_EQ(t.suspends, 2);
	CU_ASSERT_FALSE(chan_adv_admissible(&t, 2));
	CU_ASSERT_FALSE(chan_adv_admissible(&t, 4));
	CU_ASSERT(chan_adv_admissible(&t, 0));
	CU_ASSERT(chan_adv_admissible(&t, 3));
	CU_ASSERT(chan_adv_admissible(&t, 5));
	CU_ASSERT(chan_adv_admissible(&t, UINT32_MAX));
	CHECK_EQ(chan_adv_suspend(&t, 5), -ERANGE);
	CHECK_EQ(chan_adv_resume(&t, 5), -ERANGE);
	CHECK_EQ(chan_adv_suspend(&t, UINT32_MAX), -ERANGE);
	CHECK_EQ(chan_adv_resume(&t, 3), 0); /* never suspended */
	CHECK_EQ(t.suspends, 2);
	CHECK_EQ(t.resumes, 0);
	CHECK_EQ(chan_adv_resume(&t, 2), 1);
	CHECK_EQ(chan_adv_resume(&t, 2), 0);
	CU_ASSERT(chan_adv_admissible(&t, 2));
	CU_ASSERT_FALSE(chan_adv_admissible(&t, 4));
	CHECK_EQ(chan_adv_suspend(&t, 2), 1);
	CHECK_EQ(t.suspends, 3);
	CHECK_EQ(t.resumes, 1);
	chan_adv_fini(&t);
	CU_ASSERT(t.suspended == NULL);
	CHECK_EQ(t.n, 0);
	chan_adv_fini(&t);
}

int suite_channel(void)
{
	CU_pSuite s = CU_add_suite("channel", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "init shape and reset_at", test_init_shape) ||
	    !CU_add_test(s, "EINVAL", test_einval) ||
	    !CU_add_test(s, "TX/RX vs FIFO from random offsets",
			 test_fuzz_vs_fifo) ||
	    !CU_add_test(s, "tx_take returns min(max, count)",
			 test_tx_take_max) ||
	    !CU_add_test(s, "ring_move min(max, count, space)",
			 test_ring_move) ||
	    !CU_add_test(s, "low-water wakeups", test_lowat) ||
	    !CU_add_test(s, "event ring full drops", test_events) ||
	    !CU_add_test(s, "pool exhaustion loses nothing",
			 test_pool_exhaustion) ||
	    !CU_add_test(s, "flow advisory table", test_advisory))
		return CU_get_error();
	return 0;
}
