/*
 * test_engine.c - the event engine against a naive reference.
 *
 * The differential test drives the engine and a sorted array with the same
 * random script of schedule / cancel / pop operations (many at equal
 * timestamps, zero delays, rare times far ahead, cancels of the minimum and
 * storms of cancels, cancels of ids already run or cancelled, runs up to a
 * time short of the next event) and checks that every popped event is the
 * reference's minimum by (time, sequence).
 * Every test runs on each backend, native and ns3 (ns3::Simulator), which
 * must agree with the reference, and so with each other, event for event.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "sim.h"
#include "util.h"

struct ref_ev {
	sim_time t;
	uint64_t seq;
	uint64_t tag;
	sim_event_id id;
};

struct ref {
	struct ref_ev *v;
	size_t n, cap;
};

/* Inserts keeping v sorted by (t, seq); seq only grows, so a binary search
 * on t followed by a scan past equal times finds the place. */
static void ref_insert(struct ref *r, struct ref_ev e)
{
	size_t lo = 0, hi = r->n;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1024;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->v[mid].t <= e.t)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&r->v[lo + 1], &r->v[lo], (r->n - lo) * sizeof(*r->v));
	r->v[lo] = e;
	r->n++;
}

static void ref_remove(struct ref *r, size_t i)
{
	memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(*r->v));
	r->n--;
}

static uint64_t popped_tag;

static void on_pop(struct sim *sim, void *a, void *b)
{
	(void)b;
	popped_tag = (uint64_t)(uintptr_t)a;
	sim_stop(sim);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void differential(const char *backend)
{
	struct sim *sim = sim_create(backend);
	struct ref r = { 0 };
	uint64_t rng = 0x9e3779b97f4a7c15ull, seq = 0, tag = 1;
	sim_event_id *stale = calloc(1024, sizeof(*stale));
	size_t nstale = 0, mismatches = 0, pops = 0, cancels = 0, peak = 0;
	const long ops = 1200000;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
	CU_ASSERT_STRING_EQUAL(sim->ops->name, backend);
	for (long op = 0; op < ops; op++) {
		/* phases that grow the queue, shrink it, and cancel most of it
		 * (so that cancelled events outnumber pending ones) */
		static const uint64_t grow_of[] = { 49, 43, 49, 30 };
		static const uint64_t cancel_of[] = { 20, 20, 20, 50 };
		uint64_t phase = (op / 20000) % 4;
		uint64_t grow = grow_of[phase], cancel = cancel_of[phase];
		uint64_t x = xorshift(&rng) % 100;

		if (x < grow || r.n == 0) {
			/* delays from a small set make many equal times */
			sim_time d = (sim_time)(xorshift(&rng) % 8) * 1000;
			struct ref_ev e = { sim_now(sim) + d, seq++, tag, 0 };
			uint64_t y = xorshift(&rng) % 4096;

			if (y < 1024)
				d = (sim_time)(xorshift(&rng) % 1000000);
			else if (y < 1026) /* far ahead: high bits differ */
				d = (sim_time)(xorshift(&rng) >> 12);
			e.t = sim_now(sim) + d;
			e.id = sim_schedule(sim, d, on_pop,
					    (void *)(uintptr_t)tag, NULL);
			CHECK_NE(e.id, 0);
			tag++;
			ref_insert(&r, e);
		} else if (x < grow + cancel) {
			/* now and then the minimum, otherwise any */
			size_t i =
				xorshift(&rng) % 8 ? xorshift(&rng) % r.n : 0;

			CHECK_EQ(sim_cancel(sim, r.v[i].id), 0);
			stale[nstale++ % 1024] = r.v[i].id;
			ref_remove(&r, i);
			cancels++;
		} else if (x < grow + cancel + 5 && nstale > 0) {
			sim_event_id id =
				stale[xorshift(&rng) %
				      (nstale < 1024 ? nstale : 1024)];

			CHECK_EQ(sim_cancel(sim, id), -ENOENT);
		} else if (x < grow + cancel + 8) {
			/* up to a time short of the next event: runs nothing */
			sim_time until = sim_now(sim) +
					 (sim_time)(xorshift(&rng) % 4000);

			if (until >= r.v[0].t)
				until = r.v[0].t - 1;
			if (until >= sim_now(sim) &&
			    (sim_run(sim, until) != 0 || sim_now(sim) != until))
				mismatches++;
		} else {
			popped_tag = 0;
			sim_run(sim, SIM_TIME_MAX);
			if (popped_tag != r.v[0].tag ||
			    sim_now(sim) != r.v[0].t)
				mismatches++;
			stale[nstale++ % 1024] = r.v[0].id;
			ref_remove(&r, 0);
			pops++;
		}
		if (sim_pending(sim) != r.n)
			mismatches++;
		if (r.n > peak)
			peak = r.n;
	}
	CHECK_EQ(mismatches, 0);
	CHECK_GT(pops, 200000);
	CHECK_GT(cancels, 100000);
	CHECK_GT(peak, 500); /* the heap was deep, not just a few entries */
	/* drain: the rest must come out in reference order */
	while (r.n > 0) {
		sim_run(sim, SIM_TIME_MAX);
		if (popped_tag != r.v[0].tag)
			mismatches++;
		ref_remove(&r, 0);
	}
	CHECK_EQ(mismatches, 0);
	CHECK_EQ(sim_pending(sim), 0);
	free(stale);
	free(r.v);
	sim_destroy(sim);
}

static int order[16], norder;

static void record(struct sim *sim, void *a, void *b)
{
	(void)sim;
	(void)b;
	order[norder++] = (int)(intptr_t)a;
}

static void equal_times_fifo_and_until(const char *backend)
{
	struct sim *sim = sim_create(backend);
	sim_event_id late;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
	norder = 0;
	sim_schedule(sim, 5 * SIM_NS, record, (void *)3, NULL);
	sim_schedule(sim, 2 * SIM_NS, record, (void *)1, NULL);
	sim_schedule(sim, 5 * SIM_NS, record, (void *)4, NULL);
	sim_schedule(sim, 2 * SIM_NS, record, (void *)2, NULL);
	late = sim_schedule(sim, 10 * SIM_NS, record, (void *)9, NULL);
	CHECK_EQ(sim_run(sim, 5 * SIM_NS), 4);
	CHECK_EQ(sim_now(sim), 5 * SIM_NS);
	CHECK_EQ(norder, 4);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(order[i], i + 1);
	/* run(until) with nothing due still advances time */
	CHECK_EQ(sim_run(sim, 7 * SIM_NS), 0);
	CHECK_EQ(sim_now(sim), 7 * SIM_NS);
	/* the past is refused; ids of run events are stale */
	CHECK_EQ(sim_schedule_at(sim, 6 * SIM_NS, record, NULL, NULL), 0);
	CHECK_EQ(sim_schedule(sim, -1, record, NULL, NULL), 0);
	CHECK_EQ(sim_cancel(sim, late), 0);
	CHECK_EQ(sim_cancel(sim, late), -ENOENT);
	CHECK_EQ(sim_cancel(sim, 0), -ENOENT);
	CHECK_EQ(sim_run(sim, 20 * SIM_NS), 0);
	CHECK_EQ(sim_events(sim), 4);
	CU_ASSERT_PTR_NULL(sim_create("no-such-backend"));
	sim_destroy(sim);
	sim_destroy(NULL);
}

/* An event at exactly `until` scheduled during the run (after the engine
 * was told where to stop) still runs, and one a picosecond later does not. */
static void chain(struct sim *sim, void *a, void *b)
{
	(void)b;
	order[norder++] = (int)(intptr_t)a;
	if ((intptr_t)a < 3)
		sim_schedule(sim, (intptr_t)a == 1 ? 0 : SIM_NS, chain,
			     (void *)((intptr_t)a + 1), NULL);
}

static void until_is_inclusive(const char *backend)
{
	struct sim *sim = sim_create(backend);

	CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
	norder = 0;
	sim_schedule(sim, 10 * SIM_NS, chain, (void *)1, NULL);
	CHECK_EQ(sim_run(sim, 10 * SIM_NS), 2);
	CHECK_EQ(norder, 2);
	CHECK_EQ(sim_pending(sim), 1);
	CHECK_EQ(sim_now(sim), 10 * SIM_NS);
	CHECK_EQ(sim_run(sim, 11 * SIM_NS), 1);
	CHECK_EQ(order[2], 3);
	CHECK_EQ(sim_events(sim), 3);
	sim_destroy(sim);
}

/* Events scheduled, in descending and repeated times, before the earliest
 * pending one after a run stopped short of it (the native engine's sorted
 * bottom: insertions at its head, inside it, compaction and spills) run in
 * (time, sequence) order. */
static uint64_t seen, seen_last;

static void in_order(struct sim *sim, void *a, void *b)
{
	uint64_t key = (uint64_t)sim_now(sim) << 20 | (uint64_t)(uintptr_t)a;

	(void)b;
	CHECKF(seen == 0 || key > seen_last,
	       "event %llu: key %#llx after %#llx", (unsigned long long)seen,
	       (unsigned long long)key, (unsigned long long)seen_last);
	seen_last = key;
	seen++;
}

static sim_event_id ids[600];
static unsigned nids;

static void sched_in_order(struct sim *sim, sim_time at)
{
	ids[nids] = sim_schedule_at(sim, at, in_order, (void *)(uintptr_t)nids,
				    NULL);
	CHECK_NE(ids[nids], 0);
	nids++;
}

static void bottom_inserts(const char *backend)
{
	struct sim *sim = sim_create(backend);
	uint64_t cancelled = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
	seen = nids = 0;
	for (int i = 1; i <= 3; i++)
		sched_in_order(sim, 1000 * i);
	CHECK_EQ(sim_run(sim, 1), 0);
	for (int i = 0; i < 300; i++)
		sched_in_order(sim, 3000 - 10 * (i % 150));
	for (unsigned i = 0; i < nids; i += 7)
		cancelled += sim_cancel(sim, ids[i]) == 0;
	CHECK_EQ(sim_run(sim, 1500), seen);
	for (int i = 0; i < 200; i++)
		sched_in_order(sim, 1500 + (i * 37) % 2000);
	sim_run(sim, SIM_TIME_MAX);
	CHECK_EQ(seen, nids - cancelled);
	CHECK_EQ(sim_pending(sim), 0);
	sim_destroy(sim);
}

/* ns-3's simulator is one per process: a second ns3 engine is refused
 * while the first lives, and works once it is gone. */
static void test_ns3_singleton(void)
{
	struct sim *a = sim_create("ns3"), *b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NULL(sim_create("ns3"));
	sim_schedule(a, 5 * SIM_NS, record, (void *)1, NULL);
	sim_destroy(a);
	b = sim_create("ns3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	/* a fresh simulator: time 0, nothing pending from the first */
	CHECK_EQ(sim_pending(b), 0);
	CHECK_EQ(sim_run(b, 20 * SIM_NS), 0);
	CHECK_EQ(sim_now(b), 20 * SIM_NS);
	/* a frozen engine keeps its clock and counts, runs nothing more and
	 * gives ns-3 back */
	norder = 0;
	sim_schedule(b, SIM_NS, record, (void *)1, NULL);
	sim_schedule(b, 2 * SIM_NS, record, (void *)2, NULL);
	CHECK_EQ(sim_run(b, 21 * SIM_NS), 1);
	sim_freeze(b);
	sim_freeze(b);
	CHECK_EQ(sim_now(b), 21 * SIM_NS);
	CHECK_EQ(sim_events(b), 1);
	CHECK_EQ(sim_pending(b), 0);
	CHECK_EQ(sim_schedule(b, 0, record, (void *)3, NULL), 0);
	CHECK_EQ(sim_run(b, 30 * SIM_NS), 0);
	CHECK_EQ(sim_now(b), 21 * SIM_NS);
	CHECK_EQ(norder, 1);
	a = sim_create("ns3");
	CU_ASSERT_PTR_NOT_NULL(a);
	sim_destroy(a);
	sim_destroy(b);
}

#define ON_BACKENDS(fn)                      \
	static void test_##fn##_native(void) \
	{                                    \
		fn("native");                \
	}                                    \
	static void test_##fn##_ns3(void)    \
	{                                    \
		fn("ns3");                   \
	}

ON_BACKENDS(differential)
ON_BACKENDS(equal_times_fifo_and_until)
ON_BACKENDS(until_is_inclusive)
ON_BACKENDS(bottom_inserts)

int suite_engine(void)
{
	CU_pSuite s = CU_add_suite("engine", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "native: differential vs sorted array",
			 test_differential_native) ||
	    !CU_add_test(s, "native: equal times, until, cancel",
			 test_equal_times_fifo_and_until_native) ||
	    !CU_add_test(s, "native: until is inclusive",
			 test_until_is_inclusive_native) ||
	    !CU_add_test(s, "native: inserts before the earliest",
			 test_bottom_inserts_native) ||
	    !CU_add_test(s, "ns3: differential vs sorted array",
			 test_differential_ns3) ||
	    !CU_add_test(s, "ns3: equal times, until, cancel",
			 test_equal_times_fifo_and_until_ns3) ||
	    !CU_add_test(s, "ns3: until is inclusive",
			 test_until_is_inclusive_ns3) ||
	    !CU_add_test(s, "ns3: inserts before the earliest",
			 test_bottom_inserts_ns3) ||
	    !CU_add_test(s, "ns3: one simulator per process",
			 test_ns3_singleton))
		return CU_get_error();
	return 0;
}
