/*
 * test_pool.c - buffer pools: carving, reservation, pressure, costs, reaper.
 *
 * The pool is driven through its API only and compared with what can be
 * known from outside: the set of buflets it hands out (indices and I/O
 * addresses, checked against the carving the header promises), the bytes
 * in use (the buflets the test holds), the bytes reserved (whole
 * segments, between min and max, never below what is in use, and the
 * host's sum never above its limit) and the counters and times of maps,
 * grows and returns. Whether a held buflet's segment is still mapped is
 * not visible directly; the random script checks it in two ways: after
 * pool_shrink() the pool must hold exactly max(min, segments with a held
 * buflet), and at checkpoints the test takes every free buflet, which
 * must give exactly segments x per_seg buflets in all, none held already
 * (a segment returned under a held buflet would be handed out again, or
 * the count would not match). Costs and reaper times are exact values
 * computed by hand from the configuration. Random numbers come from a
 * local splitmix64 generator with fixed seeds.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "cpu.h"
#include "pool.h"
#include "stats.h"
#include "util.h"

#define KiB 1024ULL
#define NBUF_MAX 4096

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

struct fx {
	struct sim *sim;
	struct stats *st;
	struct pool_mem *mem;
};

static int fx_init(struct fx *f, sim_time sample_ps, uint64_t limit)
{
	memset(f, 0, sizeof(*f));
	f->sim = sim_create("native");
	f->st = f->sim ? stats_create(f->sim, 0, sample_ps) : NULL;
	if (!f->st)
		return -1;
	return pool_mem_create(f->sim, f->st, "hosts.h", limit, &f->mem);
}

static void fx_fini(struct fx *f)
{
	pool_mem_destroy(f->mem);
	stats_destroy(f->st);
	sim_destroy(f->sim);
}

/* pool_create() on the fixture's engine and memory, under component comp,
 * random stream (seed, rep). */
static int fx_pool(const struct fx *f, const char *comp,
		   const struct pool_cfg *c, uint64_t seed, uint32_t rep,
		   struct pool **out)
{
	struct model_env env = {
		.sim = f->sim, .st = f->st, .component = comp, .rep = rep
	};
	struct pool_cfg cs = *c;
	char err[256];

	cs.seed = seed;
	return pool_create(&cs, &env, f->mem, out, err, sizeof(err));
}

/* A dynamic kernel pool: buffer 2KiB, segment 8KiB, no magazine. */
static struct pool_cfg base_cfg(void)
{
	struct pool_cfg c = {
		.mode = POOL_DYNAMIC,
		.buffer_bytes = 2048,
		.buflets_max = 4,
		.segment_bytes = 8 * KiB,
		.page_bytes = 4 * KiB,
		.min_bytes = 0,
		.max_bytes = 32 * KiB,
		.alloc_ps = 100,
		.magazine_ps = 7,
		.map_ps = 5000,
		.unmap_ps = 3000,
		.iova_base = 0x10000000,
	};
	return c;
}

static uint64_t counter(const struct stats *st, const char *comp,
			const char *metric)
{
	struct stat_info si;

	if (stats_find(st, comp, metric, &si) || si.kind != STAT_COUNTER)
		return UINT64_MAX;
	return *si.u.counter;
}

static double scalar(const struct stats *st, const char *comp,
		     const char *metric)
{
	struct stat_info si;

	if (stats_find(st, comp, metric, &si) || si.kind != STAT_SCALAR)
		return NAN;
	return si.u.scalar;
}

static double gauge(const struct stats *st, const char *comp,
		    const char *metric)
{
	struct stat_info si;

	if (stats_find(st, comp, metric, &si) || si.kind != STAT_GAUGE)
		return NAN;
	return si.u.gauge->value;
}

static const struct stat_series *series(const struct stats *st,
					const char *comp, const char *metric)
{
	struct stat_info si;

	for (size_t i = 0; i < stats_count(st); i++) {
		stats_get(st, i, &si);
		if (si.kind == STAT_SERIES && !strcmp(si.component, comp) &&
		    !strcmp(si.metric, metric))
			return si.u.series;
	}
	return NULL;
}

static const struct stat_hist *hist(const struct stats *st, const char *comp,
				    const char *metric)
{
	struct stat_info si;

	if (stats_find(st, comp, metric, &si) || si.kind != STAT_HIST)
		return NULL;
	return si.u.hist;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- 1. carving ---- */

struct carve_case {
	uint32_t buffer;
	uint64_t segment, page, max;
};

/* Allocates every buflet of a fresh pool one at a time and checks the
 * set of indices and addresses exactly. */
static void carve_one(const struct carve_case *k, enum pool_mode mode,
		      bool random)
{
	static uint32_t got[NBUF_MAX];
	static uint64_t iova[NBUF_MAX];
	struct pool_cfg c = base_cfg();
	uint32_t per_seg = (uint32_t)(k->segment / k->buffer);
	uint32_t n = (uint32_t)(k->max / k->buffer), i;
	struct pool *p;
	struct fx f;
	bool in_order = true;

	c.mode = mode;
	c.random = random;
	c.buffer_bytes = k->buffer;
	c.segment_bytes = k->segment;
	c.page_bytes = k->page;
	c.max_bytes = k->max;
	c.iova_base = 0x7f0000001000ULL + k->buffer; /* any base */
	CHECK_LE_FATAL(n, NBUF_MAX);
	CU_ASSERT_FATAL(fx_init(&f, 0, 0) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "p", &c, 1, 0, &p) == 0);
	for (i = 0; i < n; i++) {
		got[i] = pool_alloc(p, 0, k->buffer, NULL);
		if (got[i] >= n)
			break;
		iova[i] = pool_iova(p, got[i]);
		in_order = in_order && got[i] == i;
		if (mode == POOL_DYNAMIC && pool_segments(p) != i / per_seg + 1)
			break;
	}
	CHECKF(i == n, "buffer %u segment %llu: stopped at %u of %u", k->buffer,
	       (unsigned long long)k->segment, i, n);
	CHECK_EQ(pool_alloc(p, 0, 1, NULL), POOL_NONE);
	CHECK_EQ(pool_reserved(p), k->max);
	CHECK_EQ(pool_in_use(p), k->max);
	/* LIFO hands out the lowest address first; a random static pool
	 * (all buflets free at once) does not */
	if (!random || mode == POOL_STATIC)
		CHECKF(in_order == !random, "buffer %u random %d: in order %d",
		       k->buffer, random, in_order);
	for (i = 0; i < n; i++) {
		uint64_t off = iova[i] - c.iova_base;
		uint32_t s = got[i] / per_seg;

		/* each buflet lies inside its own segment, buffer-aligned */
		if (off % k->buffer || off / k->segment != s ||
		    off + k->buffer > (s + 1) * k->segment)
			break;
	}
	CHECKF(i == n, "buffer %u: buflet %u at offset %llu", k->buffer,
	       i < n ? got[i] : 0,
	       i < n ? (unsigned long long)(iova[i] - c.iova_base) : 0ULL);
	/* the addresses are exactly base + j * buffer, j < n: no overlap */
	qsort(iova, n, sizeof(iova[0]), cmp_u64);
	for (i = 0; i < n; i++)
		if (iova[i] != c.iova_base + (uint64_t)i * k->buffer)
			break;
	CHECKF(i == n, "buffer %u segment %llu: address %u wrong", k->buffer,
	       (unsigned long long)k->segment, i);
	pool_destroy(p);
	fx_fini(&f);
}

static void test_carving(void)
{
	static const struct carve_case cases[] = {
		{ 2048, 16 * KiB, 4 * KiB, 64 * KiB },
		{ 1536, 12 * KiB, 4 * KiB, 48 * KiB },
		{ 4096, 4 * KiB, 4 * KiB, 40 * KiB },
		{ 512, 64 * KiB, 16 * KiB, 192 * KiB },
		{ 9216, 36 * KiB, 4 * KiB, 108 * KiB },
		{ 100, 4000, 400, 20000 },
		{ 1, 16, 8, 64 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		carve_one(&cases[i], POOL_STATIC, false);
		carve_one(&cases[i], POOL_DYNAMIC, false);
		carve_one(&cases[i], POOL_DYNAMIC, true);
	}
}

/* ---- 2. random script against a reference ---- */

struct ref {
	struct pool *p;
	const char *comp;
	struct pool_cfg c;
	uint32_t per_seg, nbuf, min_segs;
	uint8_t held[NBUF_MAX];
	uint32_t nheld;
	uint32_t chain[NBUF_MAX]; /* heads of the chains held */
	uint32_t nchains;
};

static int ref_init(struct ref *r, struct fx *f, const char *comp,
		    const struct pool_cfg *c, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	r->comp = comp;
	r->c = *c;
	r->per_seg = (uint32_t)(c->segment_bytes / c->buffer_bytes);
	r->nbuf = (uint32_t)(c->max_bytes / c->buffer_bytes);
	r->min_segs = (uint32_t)((c->min_bytes + c->segment_bytes - 1) /
				 c->segment_bytes);
	return fx_pool(f, comp, c, seed, 0, &r->p);
}

static uint32_t ref_held_segments(const struct ref *r)
{
	uint32_t n = 0;

	for (uint32_t s = 0; s < r->nbuf / r->per_seg; s++)
		for (uint32_t k = 0; k < r->per_seg; k++)
			if (r->held[s * r->per_seg + k]) {
				n++;
				break;
			}
	return n;
}

/* Records a chain the pool handed out; 0 if it is not what was asked. */
static int ref_take(struct ref *r, uint32_t head, uint32_t n)
{
	uint32_t k = 0, b;

	for (b = head; b != POOL_NONE && k <= n; b = pool_next(r->p, b), k++) {
		if (b >= r->nbuf || r->held[b])
			return 0;
		r->held[b] = 1;
	}
	if (k != n)
		return 0;
	r->nheld += n;
	r->chain[r->nchains++] = head;
	return 1;
}

static void ref_free(struct ref *r, uint32_t i, uint32_t cpu)
{
	uint32_t head = r->chain[i];

	for (uint32_t b = head; b != POOL_NONE; b = pool_next(r->p, b)) {
		r->held[b] = 0;
		r->nheld--;
	}
	r->chain[i] = r->chain[--r->nchains];
	pool_free(r->p, cpu, head);
}

/* The invariants after every step; returns 0 (and reports) on the first
 * one broken. */
static int ref_check(const struct ref *r, const struct fx *f, int step)
{
	const struct pool_cfg *c = &r->c;
	uint64_t res = pool_reserved(r->p), use = pool_in_use(r->p);
	uint32_t segs = pool_segments(r->p);
	uint64_t maps = counter(f->st, r->comp, "maps");
	uint64_t unmaps = counter(f->st, r->comp, "unmaps");
	uint64_t grows = counter(f->st, r->comp, "grows");
	uint64_t shrinks = counter(f->st, r->comp, "shrinks");
	int ok = use == (uint64_t)r->nheld * c->buffer_bytes &&
		 res == (uint64_t)segs * c->segment_bytes && res >= use &&
		 res <= c->max_bytes && segs >= r->min_segs &&
		 res >= c->min_bytes && segs >= ref_held_segments(r) &&
		 gauge(f->st, r->comp, "mem.reserved") == (double)res &&
		 gauge(f->st, r->comp, "mem.in_use") == (double)use &&
		 gauge(f->st, r->comp, "mem.segments") == (double)segs &&
		 r->min_segs + grows - shrinks == segs &&
		 (c->device ? maps - unmaps == segs : maps + unmaps == 0) &&
		 counter(f->st, r->comp, "allocs") -
				 counter(f->st, r->comp, "frees") ==
			 r->nchains &&
		 counter(f->st, r->comp, "bad_frees") == 0;

	CHECKF(ok,
	       "%s step %d: in use %llu (held %u), reserved %llu, segments "
	       "%u (held in %u), grows %llu shrinks %llu maps %llu unmaps "
	       "%llu",
	       r->comp, step, (unsigned long long)use, r->nheld,
	       (unsigned long long)res, segs, ref_held_segments(r),
	       (unsigned long long)grows, (unsigned long long)shrinks,
	       (unsigned long long)maps, (unsigned long long)unmaps);
	return ok;
}

static int script_alloc(struct ref *r, struct fx *f, uint64_t limit, int step)
{
	uint32_t bmax = r->c.buflets_max, buf = r->c.buffer_bytes;
	uint32_t len = next_below(bmax * buf + buf), cpu = next_below(3);
	uint32_t n = len ? (len + buf - 1) / buf : 1;
	uint64_t fails = counter(f->st, r->comp, "alloc_failures");
	uint32_t head = pool_alloc(r->p, cpu, len, NULL);
	double host = gauge(f->st, "hosts.h", "mem.reserved");
	int ok;

	if (head != POOL_NONE) {
		ok = n <= bmax && ref_take(r, head, n);
	} else {
		/* a failure: too long, or no free buflet left after growing
		 * to max or to the host's limit, and nothing kept */
		uint64_t free_bufs =
			pool_reserved(r->p) / buf - (uint64_t)r->nheld;

		ok = counter(f->st, r->comp, "alloc_failures") == fails + 1 &&
		     (n > bmax ||
		      (free_bufs < n &&
		       (pool_reserved(r->p) == r->c.max_bytes ||
			host + (double)r->c.segment_bytes > (double)limit)));
	}
	CHECKF(ok, "%s step %d: alloc of %u bytes (%u buflets) gave %u",
	       r->comp, step, len, n, head);
	return ok;
}

/* Takes every free buflet (no magazine): all must be new and together
 * with those held fill the mapped segments exactly; then gives them
 * back. */
static int script_fill(struct ref *r, struct fx *f, int step)
{
	static uint32_t got[NBUF_MAX];
	uint32_t n = 0, b;
	uint64_t fails = counter(f->st, r->comp, "alloc_failures");
	int ok = 1;

	while ((b = pool_alloc(r->p, 2, 1, NULL)) != POOL_NONE && ok) {
		ok = b < r->nbuf && !r->held[b] && n < NBUF_MAX;
		if (ok) {
			r->held[b] = 1;
			got[n++] = b;
		}
	}
	ok = ok && (uint64_t)(r->nheld + n) * r->c.buffer_bytes ==
			   pool_reserved(r->p);
	CHECKF(ok, "%s step %d: fill gave %u more, %u held, reserved %llu",
	       r->comp, step, n, r->nheld,
	       (unsigned long long)pool_reserved(r->p));
	for (uint32_t i = 0; i < n; i++) {
		r->held[got[i]] = 0;
		pool_free(r->p, 2, got[i]);
	}
	(void)fails;
	return ok;
}

static int script_shrink(struct ref *r, int step)
{
	uint64_t before = pool_reserved(r->p), freed = pool_shrink(r->p);
	uint32_t want = ref_held_segments(r);
	int ok;

	if (want < r->min_segs)
		want = r->min_segs;
	ok = pool_segments(r->p) == want &&
	     before - freed == pool_reserved(r->p);
	CHECKF(ok,
	       "%s step %d: shrink freed %llu of %llu, %u segments, want %u",
	       r->comp, step, (unsigned long long)freed,
	       (unsigned long long)before, pool_segments(r->p), want);
	return ok;
}

#define SCRIPT_STEPS 20000

static void test_script(void)
{
	static struct ref ra, rb;
	struct ref *rs[2] = { &ra, &rb };
	const uint64_t limit = 56 * KiB;
	struct pool_cfg a = base_cfg(), b = base_cfg();
	struct fx f;
	int ok = 1, step;

	/* A: device, LIFO, magazines on CPUs 0 and 1, min 2 segments. */
	a.buffer_bytes = 1024;
	a.segment_bytes = 4 * KiB;
	a.min_bytes = 6 * KiB; /* rounds up to 2 segments */
	a.max_bytes = 64 * KiB;
	a.device = true;
	a.magazine = 4;
	a.ncpus = 2;
	a.reap_ps = 1000000;
	a.idle_ps = 3000000;
	/* B: kernel, random, a magazine on CPU 0, min 0. */
	b.buffer_bytes = 512;
	b.buflets_max = 3;
	b.segment_bytes = 8 * KiB;
	b.max_bytes = 64 * KiB;
	b.random = true;
	b.magazine = 8;
	b.ncpus = 1;
	b.reap_ps = 2000000;
	b.idle_ps = 1000000;
	test_state = 0x5eed0001;
	CU_ASSERT_FATAL(fx_init(&f, 0, limit) == 0);
	CU_ASSERT_FATAL(ref_init(&ra, &f, "pa", &a, 7) == 0);
	CU_ASSERT_FATAL(ref_init(&rb, &f, "pb", &b, 7) == 0);
	CHECK_EQ(pool_reserved(ra.p), 8 * KiB);
	CHECK_EQ(pool_reserved(rb.p), 0);
	for (step = 0; ok && step < SCRIPT_STEPS; step++) {
		struct ref *r = rs[next_below(2)];
		uint32_t op = next_below(100);
		/* phases that fill the host and drain it */
		bool filling = (step / 500) % 2 == 0;

		if (op < (filling ? 50u : 30u)) {
			ok = script_alloc(r, &f, limit, step);
		} else if (op < 85) {
			if (r->nchains)
				ref_free(r, next_below(r->nchains),
					 next_below(3));
		} else if (op < 97) {
			sim_run(f.sim, sim_now(f.sim) + next_below(3000000));
		} else {
			ok = script_shrink(r, step);
		}
		if (ok && step % 997 == 0)
			ok = script_fill(r, &f, step);
		ok = ok && ref_check(&ra, &f, step) && ref_check(&rb, &f, step);
		double host = gauge(f.st, "hosts.h", "mem.reserved");
		ok = ok &&
		     host == (double)(pool_reserved(ra.p) +
				      pool_reserved(rb.p)) &&
		     host <= (double)limit;
		CHECKF(ok, "step %d: host reserved %.0f", step, host);
	}
	/* the script went through growth, reaping and pressure */
	CHECKF(counter(f.st, "hosts.h", "pressure_events") > 10 &&
		       counter(f.st, "pa", "shrinks") > 10 &&
		       counter(f.st, "pb", "shrinks") > 10 &&
		       counter(f.st, "pa", "alloc_failures") > 0 &&
		       counter(f.st, "pa", "magazine_hits") > 0,
	       "pressure %llu, shrinks %llu/%llu, failures %llu",
	       (unsigned long long)counter(f.st, "hosts.h", "pressure_events"),
	       (unsigned long long)counter(f.st, "pa", "shrinks"),
	       (unsigned long long)counter(f.st, "pb", "shrinks"),
	       (unsigned long long)counter(f.st, "pa", "alloc_failures"));
	while (ra.nchains)
		ref_free(&ra, 0, 0);
	while (rb.nchains)
		ref_free(&rb, 0, 1);
	CHECK_EQ(pool_in_use(ra.p) + pool_in_use(rb.p), 0);
	pool_destroy(ra.p);
	pool_destroy(rb.p);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reserved"), 0);
	fx_fini(&f);
}

/* ---- 3. reserved >= in use at every sample ---- */

struct load {
	struct pool *p;
	uint32_t held[NBUF_MAX];
	uint32_t n;
};

/* Bursts of allocations in even 100 us periods, frees in odd ones. */
static void load_step(struct sim *sim, void *a, void *b)
{
	struct load *l = a;
	bool busy = (sim_now(sim) / (100 * SIM_US)) % 2 == 0;

	(void)b;
	if (next_below(100) < (busy ? 65u : 10u)) {
		uint32_t h = pool_alloc(l->p, next_below(3),
					next_below(3 * 2048), NULL);

		if (h != POOL_NONE)
			l->held[l->n++] = h;
	} else if (l->n) {
		uint32_t i = next_below(l->n);

		pool_free(l->p, next_below(3), l->held[i]);
		l->held[i] = l->held[--l->n];
	}
	sim_schedule(sim, 100 + next_below(SIM_US), load_step, l, NULL);
}

static void test_series(void)
{
	static struct load l;
	struct pool_cfg c = base_cfg();
	const struct stat_series *res, *use, *host;
	double max_use = 0, min_res = INFINITY, max_res = 0;
	struct fx f;
	size_t i;

	c.max_bytes = 256 * KiB;
	c.min_bytes = 16 * KiB;
	c.magazine = 8;
	c.ncpus = 2;
	c.reap_ps = 5 * SIM_US;
	c.idle_ps = 20 * SIM_US;
	c.device = true;
	test_state = 0x5eed0003;
	memset(&l, 0, sizeof(l));
	CU_ASSERT_FATAL(fx_init(&f, 500 * SIM_NS, 0) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "p", &c, 3, 0, &l.p) == 0);
	CHECK_EQ_FATAL(stats_start(f.st), 0);
	sim_schedule(f.sim, 0, load_step, &l, NULL);
	sim_run(f.sim, 2050 * SIM_US); /* ends in a busy period */
	stats_finish(f.st);
	pool_finish(l.p);
	res = series(f.st, "p", "mem.reserved");
	use = series(f.st, "p", "mem.in_use");
	host = series(f.st, "hosts.h", "mem.reserved");
	CU_ASSERT_FATAL(res && use && host);
	CHECK_EQ(res->n, 4101);
	CHECK_EQ(use->n, res->n);
	CHECK_EQ(host->n, res->n);
	for (i = 0; i < res->n && i < use->n && i < host->n; i++) {
		if (res->t_ps[i] != use->t_ps[i] ||
		    res->t_ps[i] != (sim_time)i * 500 * SIM_NS ||
		    res->value[i] < use->value[i] ||
		    host->value[i] != res->value[i] ||
		    fmod(res->value[i], 8 * KiB) != 0 ||
		    fmod(use->value[i], 2 * KiB) != 0 ||
		    res->value[i] < 16 * KiB || res->value[i] > 256 * KiB)
			break;
		if (use->value[i] > max_use)
			max_use = use->value[i];
		if (res->value[i] > max_res)
			max_res = res->value[i];
		if (res->value[i] < min_res)
			min_res = res->value[i];
	}
	CHECKF(i == res->n, "sample %zu: reserved %.0f in use %.0f host %.0f",
	       i, i < res->n ? res->value[i] : 0,
	       i < use->n ? use->value[i] : 0,
	       i < host->n ? host->value[i] : 0);
	/* the load grew and shrank the pool */
	CHECKF(max_use >= 64 * KiB && min_res == 16 * KiB &&
		       max_res >= max_use && max_res > 64 * KiB,
	       "in use up to %.0f, reserved %.0f .. %.0f", max_use, min_res,
	       max_res);
	CHECK_GE(scalar(f.st, "p", "high_water"), max_res);
	CHECK_GE(scalar(f.st, "p", "in_use_high"), max_use);
	CHECK_GE(scalar(f.st, "p", "high_water"),
		 scalar(f.st, "p", "in_use_high"));
	CHECK_GT(scalar(f.st, "p", "reserved_mean"),
		 scalar(f.st, "p", "in_use_mean"));
	CHECK_GT(scalar(f.st, "p", "in_use_mean"), 0);
	CHECK_EQ(scalar(f.st, "p", "held_at_end"),
		 (double)pool_in_use(l.p) / 2048);
	CHECK_GT(l.n, 0);
	pool_destroy(l.p);
	fx_fini(&f);
}

/* ---- 4. memory pressure ---- */

static void test_pressure(void)
{
	struct pool_cfg c = base_cfg();
	uint32_t a[8], b[4], x, y;
	struct pool *pa, *pb, *ps;
	struct fx f;
	sim_time cost = 0;

	/* 4 KiB segments of two 2 KiB buflets; the host holds 4 segments */
	c.segment_bytes = 4 * KiB;
	c.max_bytes = 16 * KiB;
	c.device = true;
	CU_ASSERT_FATAL(fx_init(&f, 0, 16 * KiB) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "pa", &c, 1, 0, &pa) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "pb", &c, 1, 0, &pb) == 0);
	for (int i = 0; i < 8; i++)
		a[i] = pool_alloc(pa, 0, 2048, NULL);
	CHECK_EQ(a[7], 7);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reserved"), 16 * KiB);
	/* A's segments 2 and 3 become free; B can grow only by taking them */
	for (int i = 4; i < 8; i++)
		pool_free(pa, 0, a[i]);
	CHECK_EQ(pool_reserved(pa), 16 * KiB);
	b[0] = pool_alloc(pb, 0, 2048, &cost);
	CHECK_EQ(b[0], 0);
	CHECK_EQ(cost, 100 + 5000);
	CHECK_EQ(counter(f.st, "hosts.h", "pressure_events"), 1);
	CHECK_EQ(pool_reserved(pa), 8 * KiB);
	CHECK_EQ(counter(f.st, "pa", "shrinks"), 2);
	CHECK_EQ(counter(f.st, "pa", "unmaps"), 2);
	CHECK_EQ(pool_reserved(pb), 4 * KiB);
	for (int i = 1; i < 4; i++)
		b[i] = pool_alloc(pb, 0, 2048, NULL);
	CHECK_EQ(b[3], 3);
	CHECK_EQ(counter(f.st, "hosts.h", "pressure_events"), 1);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reserved"), 16 * KiB);
	/* nothing free anywhere: a clean failure */
	cost = 0;
	CHECK_EQ(pool_alloc(pb, 0, 2048, &cost), POOL_NONE);
	CHECK_EQ(cost, 0);
	CHECK_EQ(counter(f.st, "hosts.h", "pressure_events"), 2);
	CHECK_EQ(counter(f.st, "pb", "alloc_failures"), 1);
	CHECK_EQ(pool_in_use(pb), 8 * KiB);
	CHECK_EQ(pool_in_use(pa), 8 * KiB);
	CHECK_EQ(pool_reserved(pb), 8 * KiB);
	/* a half-free segment of A does not help; B's partial allocation
	 * (one buflet of its own, then no memory) is rolled back */
	pool_free(pa, 0, a[3]);
	pool_free(pb, 0, b[3]);
	CHECK_EQ(pool_alloc(pb, 0, 2 * 2048, NULL), POOL_NONE);
	CHECK_EQ(counter(f.st, "pb", "alloc_failures"), 2);
	CHECK_EQ(counter(f.st, "hosts.h", "pressure_events"), 3);
	CHECK_EQ(pool_in_use(pb), 6 * KiB);
	CHECK_EQ(pool_reserved(pa), 8 * KiB);
	CHECK_EQ(pool_reserved(pb), 8 * KiB);
	CHECK_EQ(counter(f.st, "pb", "allocs"), 4);
	/* the rolled-back buflet is free again, without growing */
	x = pool_alloc(pb, 0, 2048, NULL);
	CHECK_EQ(x, 3);
	CHECK_EQ(counter(f.st, "pb", "grows"), 2);
	CHECK_EQ(pool_alloc(pb, 0, 1, NULL), POOL_NONE);
	/* once A frees its segment, B's next allocation gets it */
	pool_free(pa, 0, a[2]);
	y = pool_alloc(pb, 0, 2 * 2048, NULL);
	CHECK_EQ(y, 4);
	CHECK_EQ(pool_next(pb, y), 5);
	CHECK_EQ(pool_reserved(pa), 4 * KiB);
	CHECK_EQ(pool_reserved(pb), 12 * KiB);
	CHECK_EQ(counter(f.st, "hosts.h", "pressure_events"), 5);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reserved"), 16 * KiB);
	/* a static pool that the host cannot hold is refused */
	c.mode = POOL_STATIC;
	CHECK_EQ(fx_pool(&f, "ps", &c, 1, 0, &ps), -ENOSPC);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reserved"), 16 * KiB);
	pool_destroy(pa);
	pool_destroy(pb);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reserved"), 0);
	fx_fini(&f);
}

/* A static pool is never shrunk by pressure. */
static void test_pressure_static(void)
{
	struct pool_cfg c = base_cfg(), d = base_cfg();
	struct pool *ps, *pd;
	struct fx f;

	c.mode = POOL_STATIC;
	c.max_bytes = 16 * KiB;
	CU_ASSERT_FATAL(fx_init(&f, 0, 24 * KiB) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "ps", &c, 1, 0, &ps) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "pd", &d, 1, 0, &pd) == 0);
	CHECK_EQ(pool_reserved(ps), 16 * KiB);
	for (int i = 0; i < 4; i++)
		CHECK_NE(pool_alloc(pd, 0, 2048, NULL), POOL_NONE);
	CHECK_EQ(pool_alloc(pd, 0, 2048, NULL), POOL_NONE);
	CHECK_EQ(counter(f.st, "hosts.h", "pressure_events"), 1);
	CHECK_EQ(pool_reserved(ps), 16 * KiB);
	CHECK_EQ(pool_shrink(ps), 0);
	CHECK_EQ(counter(f.st, "ps", "shrinks"), 0);
	pool_destroy(ps);
	pool_destroy(pd);
	fx_fini(&f);
}

/* ---- 5. static and dynamic reservation ---- */

static void test_reservation(void)
{
	struct pool_cfg c = base_cfg();
	struct pool *ps, *pd, *pk;
	uint32_t h[16];
	struct fx f;

	c.mode = POOL_STATIC;
	c.device = true;
	c.segment_bytes = 8 * KiB; /* 4 buflets */
	c.max_bytes = 64 * KiB;
	CU_ASSERT_FATAL(fx_init(&f, 0, 0) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "ps", &c, 1, 0, &ps) == 0);
	CHECK_EQ(pool_reserved(ps), 64 * KiB);
	CHECK_EQ(pool_segments(ps), 8);
	CHECK_EQ(counter(f.st, "ps", "maps"), 8);
	CHECK_EQ(counter(f.st, "ps", "map_time"), 8 * 5000);
	CHECK_EQ(counter(f.st, "ps", "grows"), 0);
	for (int i = 0; i < 16; i++)
		h[i] = pool_alloc(ps, 0, 4096, NULL); /* 2 buflets each */
	CHECK_EQ(pool_in_use(ps), 64 * KiB);
	CHECK_EQ(pool_alloc(ps, 0, 1, NULL), POOL_NONE);
	for (int i = 0; i < 16; i++)
		pool_free(ps, 0, h[i]);
	CHECK_EQ(pool_shrink(ps), 0);
	CHECK_EQ(pool_reserved(ps), 64 * KiB);
	CHECK_EQ(counter(f.st, "ps", "unmaps"), 0);

	/* dynamic: one segment per depot miss, one mapping per segment */
	c.mode = POOL_DYNAMIC;
	c.min_bytes = 8 * KiB;
	CU_ASSERT_FATAL(fx_pool(&f, "pd", &c, 1, 0, &pd) == 0);
	CHECK_EQ(pool_reserved(pd), 8 * KiB);
	CHECK_EQ(counter(f.st, "pd", "maps"), 1);
	for (uint32_t k = 1; k <= 32; k++) {
		uint32_t b = pool_alloc(pd, 0, 1, NULL);
		uint32_t segs = (k + 3) / 4;

		CHECKF(b == k - 1 && pool_segments(pd) == segs &&
			       counter(f.st, "pd", "grows") == segs - 1 &&
			       counter(f.st, "pd", "maps") == segs &&
			       counter(f.st, "pd", "map_time") == segs * 5000,
		       "allocation %u: buflet %u, %u segments", k, b,
		       pool_segments(pd));
	}
	CHECK_EQ(pool_alloc(pd, 0, 1, NULL), POOL_NONE);
	CHECK_EQ(counter(f.st, "pd", "grows"), 7);
	for (uint32_t k = 0; k < 32; k++)
		pool_free(pd, 0, k);
	CHECK_EQ(counter(f.st, "pd", "frees"), 32);
	CHECK_EQ(pool_shrink(pd), 56 * KiB);
	CHECK_EQ(pool_reserved(pd), 8 * KiB);
	CHECK_EQ(counter(f.st, "pd", "shrinks"), 7);
	CHECK_EQ(counter(f.st, "pd", "unmaps"), 7);
	CHECK_EQ(counter(f.st, "pd", "unmap_time"), 7 * 3000);
	CHECK_EQ(pool_shrink(pd), 0);
	/* the slot kept is the lowest */
	CHECK_LT(pool_alloc(pd, 0, 1, NULL), 4);

	/* a kernel-only pool grows without mapping */
	c.device = false;
	c.min_bytes = 0;
	CU_ASSERT_FATAL(fx_pool(&f, "pk", &c, 1, 0, &pk) == 0);
	CHECK_EQ(pool_reserved(pk), 0);
	CHECK_EQ(pool_alloc(pk, 0, 1, NULL), 0);
	CHECK_EQ(pool_reserved(pk), 8 * KiB);
	CHECK_EQ(counter(f.st, "pk", "grows"), 1);
	CHECK_EQ(counter(f.st, "pk", "maps"), 0);
	pool_free(pk, 0, 0);
	CHECK_EQ(pool_shrink(pk), 8 * KiB);
	CHECK_EQ(counter(f.st, "pk", "unmaps"), 0);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reserved"), (64 + 8) * KiB);
	pool_destroy(ps);
	pool_destroy(pd);
	pool_destroy(pk);
	fx_fini(&f);
}

/* ---- 6. costs ---- */

static void test_costs(void)
{
	struct pool_cfg c = base_cfg();
	const struct stat_hist *h;
	struct pool *p;
	struct fx f;
	sim_time cost;
	uint32_t b[8];

	c.device = true;
	c.magazine = 4; /* refills 2 */
	c.ncpus = 1;
	CU_ASSERT_FATAL(fx_init(&f, 0, 0) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "p", &c, 1, 0, &p) == 0);
	CHECK_EQ(pool_reserved(p), 0);
	/* a depot miss: grow (map) + depot; the magazine gets 2 */
	cost = 1000;
	b[0] = pool_alloc(p, 0, 100, &cost);
	CHECK_EQ(cost, 1000 + 5000 + 100);
	/* two magazine hits */
	cost = 0;
	b[1] = pool_alloc(p, 0, 100, &cost);
	CHECK_EQ(cost, 7);
	b[2] = pool_alloc(p, 0, 100, &cost);
	CHECK_EQ(cost, 14);
	CHECK_EQ(counter(f.st, "p", "magazine_hits"), 2);
	/* the magazine is empty: depot (its last buflet) */
	cost = 0;
	b[3] = pool_alloc(p, 0, 100, &cost);
	CHECK_EQ(cost, 100);
	CHECK_EQ(b[0] + b[1] + b[2] + b[3], 0 + 1 + 2 + 3);
	/* a CPU without magazine: depot, grow */
	cost = 0;
	b[4] = pool_alloc(p, 1, 100, &cost);
	CHECK_EQ(cost, 100 + 5000);
	cost = 0;
	b[5] = pool_alloc(p, 1, 100, &cost);
	CHECK_EQ(cost, 100);
	CHECK_EQ(counter(f.st, "p", "magazine_hits"), 2);
	/* frees fill CPU 0's magazine; a 3-buflet packet then costs three
	 * magazine hits */
	pool_free(p, 0, b[0]);
	pool_free(p, 0, b[1]);
	pool_free(p, 0, b[2]);
	cost = 0;
	b[6] = pool_alloc(p, 0, 3 * 2048, &cost);
	CHECK_EQ(cost, 3 * 7);
	/* 2 buflets from an empty magazine: depot + refill, then a hit */
	cost = 0;
	b[7] = pool_alloc(p, 0, 2 * 2048, &cost);
	CHECK_EQ(cost, 100 + 7);
	/* NULL cost is fine; a failure adds nothing */
	CHECK_NE(pool_alloc(p, 1, 1, NULL), POOL_NONE);
	cost = 0;
	CHECK_EQ(pool_alloc(p, 1, 5 * 2048, &cost), POOL_NONE);
	CHECK_EQ(cost, 0);
	h = hist(f.st, "p", "alloc_latency");
	CU_ASSERT_FATAL(h != NULL);
	CHECK_EQ(h->hist.count, 9);
	CHECK_NEAR(hist_mean(&h->hist) * 9,
		   5100 + 7 + 7 + 100 + 5100 + 100 + 21 + 107 + 5100, 1e-6);
	/* a kernel pool's grow costs no mapping */
	pool_destroy(p);
	c.device = false;
	CU_ASSERT_FATAL(fx_pool(&f, "k", &c, 1, 0, &p) == 0);
	cost = 0;
	pool_alloc(p, 0, 1, &cost);
	CHECK_EQ(cost, 100);
	CHECK_EQ(counter(f.st, "k", "map_time"), 0);
	pool_destroy(p);
	fx_fini(&f);
}

/* Frees spill half of a full magazine to the depot. */
static void test_magazine_spill(void)
{
	struct pool_cfg c = base_cfg();
	struct pool *p;
	struct fx f;
	sim_time cost = 0;
	uint32_t b[6];

	c.mode = POOL_STATIC;
	c.magazine = 4;
	c.ncpus = 1;
	CU_ASSERT_FATAL(fx_init(&f, 0, 0) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "p", &c, 1, 0, &p) == 0);
	for (int i = 0; i < 6; i++)
		b[i] = pool_alloc(p, 1, 1, NULL); /* no magazine: 0 .. 5 */
	CHECK_EQ(b[5], 5);
	for (int i = 0; i < 5; i++)
		pool_free(p, 0, b[i]); /* 4 in, then 2 spill, 1 in */
	/* the magazine has 0 1 4 (top): three hits, LIFO */
	CHECK_EQ(pool_alloc(p, 0, 1, &cost), 4);
	CHECK_EQ(pool_alloc(p, 0, 1, &cost), 1);
	CHECK_EQ(pool_alloc(p, 0, 1, &cost), 0);
	CHECK_EQ(cost, 21);
	/* then the depot, whose top is the spilled 2 */
	CHECK_EQ(pool_alloc(p, 0, 1, &cost), 2);
	CHECK_EQ(cost, 121);
	pool_destroy(p);
	fx_fini(&f);
}

/* A pool that cannot grow takes the buflets parked in other CPUs'
 * magazines before failing. */
static void test_magazine_drain(void)
{
	struct pool_cfg c = base_cfg();
	uint32_t b[16];
	struct pool *p;
	struct fx f;
	sim_time cost = 0;

	c.mode = POOL_STATIC;
	c.magazine = 4;
	c.ncpus = 2;
	CU_ASSERT_FATAL(fx_init(&f, 0, 0) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "p", &c, 1, 0, &p) == 0);
	for (int i = 0; i < 16; i++)
		b[i] = pool_alloc(p, 2, 1, NULL);
	CHECK_EQ(pool_in_use(p), 32 * KiB);
	pool_free(p, 1, b[3]);
	pool_free(p, 1, b[9]);
	CHECK_EQ(pool_in_use(p), 28 * KiB);
	/* CPU 0: empty magazine, empty depot: the drain moves 9 then 3 to
	 * the depot, which gives 3 (the refill takes 9); CPU 0's magazine
	 * then serves 9 */
	CHECK_EQ(pool_alloc(p, 0, 1, &cost), 3);
	CHECK_EQ(cost, 100);
	CHECK_EQ(pool_alloc(p, 0, 1, &cost), 9);
	CHECK_EQ(cost, 107);
	CHECK_EQ(pool_alloc(p, 0, 1, &cost), POOL_NONE);
	CHECK_EQ(counter(f.st, "p", "alloc_failures"), 1);
	pool_destroy(p);
	fx_fini(&f);
}

/* ---- 7. multi-buflet packets ---- */

static void test_chains(void)
{
	struct pool_cfg c = base_cfg();
	uint32_t head, b, seen[8], n = 0;
	struct pool *p;
	struct fx f;

	c.buflets_max = 5;
	c.max_bytes = 64 * KiB;
	CU_ASSERT_FATAL(fx_init(&f, 0, 0) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "p", &c, 1, 0, &p) == 0);
	CHECK_EQ(pool_buffer_bytes(p), 2048);
	head = pool_alloc(p, 0, 3 * 2048 + 1, NULL);
	CHECK_NE_FATAL(head, POOL_NONE);
	for (b = head; b != POOL_NONE && n < 8; b = pool_next(p, b))
		seen[n++] = b;
	CHECK_EQ(n, 4);
	CHECKF(seen[0] != seen[1] && seen[0] != seen[2] && seen[0] != seen[3] &&
		       seen[1] != seen[2] && seen[1] != seen[3] &&
		       seen[2] != seen[3],
	       "buflets %u %u %u %u", seen[0], seen[1], seen[2], seen[3]);
	CHECK_EQ(pool_in_use(p), 4 * 2048);
	pool_free(p, 0, head);
	CHECK_EQ(pool_in_use(p), 0);
	CHECK_EQ(counter(f.st, "p", "frees"), 1);
	/* exact multiples, len 0 */
	head = pool_alloc(p, 0, 5 * 2048, NULL);
	CHECK_EQ(pool_in_use(p), 5 * 2048);
	pool_free(p, 0, head);
	head = pool_alloc(p, 0, 0, NULL);
	CHECK_EQ(pool_in_use(p), 2048);
	CHECK_EQ(pool_next(p, head), POOL_NONE);
	pool_free(p, 0, head);
	/* too long: fails, nothing allocated */
	CHECK_EQ(pool_alloc(p, 0, 5 * 2048 + 1, NULL), POOL_NONE);
	CHECK_EQ(pool_alloc(p, 0, UINT32_MAX, NULL), POOL_NONE);
	CHECK_EQ(counter(f.st, "p", "alloc_failures"), 2);
	CHECK_EQ(pool_in_use(p), 0);
	CHECK_EQ(counter(f.st, "p", "allocs"), 3);
	/* bad frees: a body buflet, twice the same chain, out of range */
	head = pool_alloc(p, 0, 2 * 2048, NULL);
	pool_free(p, 0, pool_next(p, head));
	CHECK_EQ(pool_in_use(p), 2 * 2048);
	pool_free(p, 0, head);
	pool_free(p, 0, head);
	pool_free(p, 0, 1000000);
	pool_free(p, 0, POOL_NONE);
	CHECK_EQ(counter(f.st, "p", "bad_frees"), 3);
	CHECK_EQ(counter(f.st, "p", "frees"), 4);
	CHECK_EQ(pool_in_use(p), 0);
	CHECK_EQ(pool_iova(p, 1000000), UINT64_MAX);
	pool_finish(p);
	CHECK_EQ(scalar(f.st, "p", "held_at_end"), 0);
	CHECK_EQ(scalar(f.st, "p", "in_use_high"), 5 * 2048);
	pool_destroy(p);
	fx_fini(&f);
}

/* ---- 7b. the host's reaper: pressure and reclaim that take time ---- */

/* A host of 16 KiB and its reaper (every 10 us) with rule how; two device
 * pools of 4 KiB segments (unmap 3 ns each), idle 1 ms so that only
 * pressure takes segments back. A takes the whole memory and frees it at
 * time 0. */
static void reclaim_init(struct fx *f, enum pool_pressure how, struct pool **pa,
			 struct pool **pb)
{
	struct pool_cfg c = base_cfg();
	uint32_t a[8];

	c.segment_bytes = 4 * KiB;
	c.max_bytes = 16 * KiB;
	c.device = true;
	c.reap_ps = 10 * SIM_US;
	c.idle_ps = SIM_MS;
	CU_ASSERT_FATAL(fx_init(f, 0, 16 * KiB) == 0);
	CU_ASSERT_FATAL(pool_mem_reaper(f->mem, how, 10 * SIM_US) == 0);
	CU_ASSERT_FATAL(fx_pool(f, "pa", &c, 1, 0, pa) == 0);
	CU_ASSERT_FATAL(fx_pool(f, "pb", &c, 1, 0, pb) == 0);
	for (int i = 0; i < 8; i++)
		a[i] = pool_alloc(*pa, 0, 2048, NULL);
	for (int i = 0; i < 8; i++)
		pool_free(*pa, 0, a[i]);
}

/* B's first allocation at time t (after running to it) and its cost. */
static uint32_t reclaim_try(struct fx *f, struct pool *pb, sim_time t,
			    sim_time *cost)
{
	*cost = 0;
	sim_run(f->sim, t);
	return pool_alloc(pb, 0, 2048, cost);
}

static void test_reclaim(void)
{
	struct pool *pa, *pb;
	struct cpu_cfg cc = { .ctxsw_ps = 1000, .copy_Bps = 1e9 };
	struct model_env env;
	struct cpu_job busy = { 0 };
	struct cpu_core *k;
	struct cpu *cpu;
	sim_time cost, done;
	const struct stat_hist *h;
	struct fx f;
	char err[128];

	/* reaper: the grow fails; the next pass (10 us) purges A, whose 4
	 * segments (4 x 3 ns of unmapping) are the host's again at 10.012 us */
	reclaim_init(&f, POOL_PRESSURE_REAPER, &pa, &pb);
	CHECK_EQ(reclaim_try(&f, pb, 2 * SIM_US, &cost), POOL_NONE);
	CHECK_EQ(reclaim_try(&f, pb, 3 * SIM_US, &cost), POOL_NONE);
	CHECK_EQ(counter(f.st, "hosts.h", "pressure_events"), 1);
	CHECK_EQ(counter(f.st, "pb", "alloc_failures"), 2);
	CHECK_EQ(pool_reserved(pa), 16 * KiB);
	sim_run(f.sim, 10 * SIM_US);
	CHECK_EQ(pool_reserved(pa), 0);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reserved"), 16 * KiB);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reclaiming"), 16 * KiB);
	CHECK_EQ(counter(f.st, "pa", "unmap_time"), 4 * 3000);
	done = 10 * SIM_US + 4 * 3000;
	CHECK_EQ(reclaim_try(&f, pb, done - 1, &cost), POOL_NONE);
	CHECK_EQ(counter(f.st, "hosts.h", "pressure_events"), 2);
	CHECK_EQ(reclaim_try(&f, pb, done, &cost), 0);
	CHECK_EQ(cost, 100 + 5000);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reserved"), 4 * KiB);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reclaiming"), 0);
	CHECK_EQ(counter(f.st, "hosts.h", "reaper_runs"), 1);
	h = hist(f.st, "hosts.h", "reclaim_latency");
	CU_ASSERT_FATAL(h != NULL);
	CHECK_EQ(h->hist.count, 1);
	CHECK_EQ(h->hist.min, 8 * SIM_US);
	/* the second episode (at done - 1) is purged by the 20 us pass */
	sim_run(f.sim, 20 * SIM_US);
	CHECK_EQ(counter(f.st, "hosts.h", "reaper_runs"), 2);
	CHECK_EQ(h->hist.count, 2);
	CHECK_EQ(pool_reserved(pb), 4 * KiB);
	pool_destroy(pa);
	pool_destroy(pb);
	fx_fini(&f);

	/* wake: the pass runs at the pressure, done 12 ns later */
	reclaim_init(&f, POOL_PRESSURE_WAKE, &pa, &pb);
	CHECK_EQ(reclaim_try(&f, pb, 2 * SIM_US, &cost), POOL_NONE);
	done = 2 * SIM_US + 4 * 3000;
	CHECK_EQ(reclaim_try(&f, pb, done - 1, &cost), POOL_NONE);
	CHECK_EQ(reclaim_try(&f, pb, done, &cost), 0);
	/* the failure at done - 1 found the pass busy: the pass that
	 * follows it purges (nothing), 1 ps after that pressure */
	CHECK_EQ(counter(f.st, "hosts.h", "reaper_runs"), 2);
	CHECK_EQ(hist(f.st, "hosts.h", "reclaim_latency")->hist.min, 0);
	CHECK_EQ(hist(f.st, "hosts.h", "reclaim_latency")->hist.max, 1);
	pool_destroy(pa);
	pool_destroy(pb);
	fx_fini(&f);

	/* wake, on a kernel core busy for 5 us from 1 us: the pass waits for
	 * it, then costs a context switch (1 ns) and the unmapping */
	reclaim_init(&f, POOL_PRESSURE_WAKE, &pa, &pb);
	env = (struct model_env){ .sim = f.sim, .st = f.st, .component = "c" };
	CU_ASSERT_FATAL(cpu_create(&cc, &env, &cpu, err, sizeof(err)) == 0);
	k = cpu_add_core(cpu, CPU_DOM_KERNEL, "kernel0");
	CU_ASSERT_FATAL(k != NULL);
	pool_mem_set_core(f.mem, cpu, k);
	sim_run(f.sim, SIM_US);
	cpu_job_add(&busy, CPU_A_PROTO, 5 * SIM_US);
	CHECK_EQ(cpu_submit(k, &busy, NULL, NULL, NULL), 0);
	CHECK_EQ(reclaim_try(&f, pb, 2 * SIM_US, &cost), POOL_NONE);
	done = 6 * SIM_US + 1000 + 4 * 3000;
	CHECK_EQ(reclaim_try(&f, pb, done - 1, &cost), POOL_NONE);
	CHECK_EQ(reclaim_try(&f, pb, done, &cost), 0);
	CHECK_EQ(cpu_acct_time(cpu, CPU_A_MEM), 4 * 3000);
	/* two passes ran (the second for the failure at done - 1), each
	 * switching to the reaper's thread */
	CHECK_EQ(cpu_acct_time(cpu, CPU_A_CTXSW), 2 * 1000);
	pool_destroy(pa);
	pool_destroy(pb);
	cpu_destroy(cpu);
	fx_fini(&f);

	/* without pressure, the periodic pass returns idle segments (1 ms)
	 * as the same job */
	reclaim_init(&f, POOL_PRESSURE_REAPER, &pa, &pb);
	sim_run(f.sim, SIM_MS);
	CHECK_EQ(pool_reserved(pa), 0);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reclaiming"), 16 * KiB);
	sim_run(f.sim, SIM_MS + 4 * 3000);
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reserved"), 0);
	CHECK_EQ(counter(f.st, "hosts.h", "pressure_events"), 0);
	CHECK_EQ(counter(f.st, "hosts.h", "reaper_runs"), 100);
	pool_destroy(pa);
	pool_destroy(pb);
	fx_fini(&f);
}

/* ---- 8. reaper timing ---- */

struct reap_fx {
	struct fx f;
	struct pool *p;
};

/* Reaper every 10 us, idle 25 us; segments of 4 buflets of 2 KiB. */
static void reap_init(struct reap_fx *r, uint64_t min_bytes, uint32_t mag)
{
	struct pool_cfg c = base_cfg();

	c.min_bytes = min_bytes;
	c.reap_ps = 10 * SIM_US;
	c.idle_ps = 25 * SIM_US;
	c.magazine = mag;
	c.ncpus = mag ? 1 : 0;
	c.device = true;
	CU_ASSERT_FATAL(fx_init(&r->f, 0, 0) == 0);
	CU_ASSERT_FATAL(fx_pool(&r->f, "p", &c, 1, 0, &r->p) == 0);
}

static void reap_fini(struct reap_fx *r)
{
	pool_destroy(r->p);
	fx_fini(&r->f);
}

/* The segment is held until just before `gone` and returned at it. */
static void reap_expect(struct reap_fx *r, uint32_t segs, sim_time gone,
			const char *what)
{
	sim_run(r->f.sim, gone - 1);
	CHECKF(pool_segments(r->p) == segs, "%s: %u segments at %lld ps", what,
	       pool_segments(r->p), (long long)(gone - 1));
	sim_run(r->f.sim, gone);
	CHECKF(pool_segments(r->p) == segs - 1, "%s: %u segments at %lld ps",
	       what, pool_segments(r->p), (long long)gone);
}

static void test_reaper(void)
{
	struct reap_fx r;
	uint32_t b, bs[5];

	/* freed at 7 us: idle from 32 us, returned at the 40 us tick */
	reap_init(&r, 0, 0);
	sim_run(r.f.sim, 3 * SIM_US);
	b = pool_alloc(r.p, 0, 1, NULL);
	CHECK_EQ(pool_segments(r.p), 1);
	sim_run(r.f.sim, 7 * SIM_US);
	pool_free(r.p, 0, b);
	reap_expect(&r, 1, 40 * SIM_US, "free at 7us");
	CHECK_EQ(counter(r.f.st, "p", "shrinks"), 1);
	CHECK_EQ(counter(r.f.st, "p", "unmaps"), 1);
	CHECK_EQ(counter(r.f.st, "p", "unmap_time"), 3000);
	reap_fini(&r);

	/* freed at 15 us: idle for exactly 25 us at the 40 us tick */
	reap_init(&r, 0, 0);
	sim_run(r.f.sim, 15 * SIM_US);
	pool_free(r.p, 0, pool_alloc(r.p, 0, 1, NULL));
	reap_expect(&r, 1, 40 * SIM_US, "free at 15us");
	reap_fini(&r);

	/* freed at 15 us + 1 ps: one tick later */
	reap_init(&r, 0, 0);
	sim_run(r.f.sim, 15 * SIM_US + 1);
	pool_free(r.p, 0, pool_alloc(r.p, 0, 1, NULL));
	reap_expect(&r, 1, 50 * SIM_US, "free at 15us + 1ps");
	reap_fini(&r);

	/* the wait counts from the last free */
	reap_init(&r, 0, 0);
	sim_run(r.f.sim, 4 * SIM_US);
	b = pool_alloc(r.p, 0, 1, NULL);
	sim_run(r.f.sim, 33 * SIM_US);
	pool_free(r.p, 0, b);
	reap_expect(&r, 1, 60 * SIM_US, "used until 33us");
	reap_fini(&r);

	/* reuse restarts the wait: freed at 7 us, used 30 .. 31 us */
	reap_init(&r, 0, 0);
	sim_run(r.f.sim, 3 * SIM_US);
	b = pool_alloc(r.p, 0, 1, NULL);
	sim_run(r.f.sim, 7 * SIM_US);
	pool_free(r.p, 0, b);
	sim_run(r.f.sim, 30 * SIM_US);
	b = pool_alloc(r.p, 0, 1, NULL);
	sim_run(r.f.sim, 31 * SIM_US);
	pool_free(r.p, 0, b);
	reap_expect(&r, 1, 60 * SIM_US, "reused at 30us");
	CHECK_EQ(counter(r.f.st, "p", "grows"), 1);
	reap_fini(&r);

	/* a magazine keeps the buflets but their time there counts: freed
	 * into CPU 0's magazine at 7 us, drained by the ticks, returned at
	 * 40 us */
	reap_init(&r, 0, 4);
	sim_run(r.f.sim, 3 * SIM_US);
	b = pool_alloc(r.p, 0, 1, NULL);
	sim_run(r.f.sim, 7 * SIM_US);
	pool_free(r.p, 0, b);
	reap_expect(&r, 1, 40 * SIM_US, "magazine, free at 7us");
	reap_fini(&r);

	/* min 1 segment: of two free segments only the higher goes */
	reap_init(&r, 6 * KiB, 0);
	CHECK_EQ(pool_segments(r.p), 1);
	sim_run(r.f.sim, 2 * SIM_US);
	for (int i = 0; i < 5; i++)
		bs[i] = pool_alloc(r.p, 0, 1, NULL);
	CHECK_EQ(bs[4], 4);
	CHECK_EQ(pool_segments(r.p), 2);
	sim_run(r.f.sim, 12 * SIM_US);
	for (int i = 0; i < 5; i++)
		pool_free(r.p, 0, bs[i]);
	reap_expect(&r, 2, 40 * SIM_US, "min 1");
	sim_run(r.f.sim, 200 * SIM_US);
	CHECK_EQ(pool_segments(r.p), 1);
	CHECK_LT(pool_alloc(r.p, 0, 1, NULL), 4);
	reap_fini(&r);
}

/* ---- 9. configuration errors ---- */

static void test_cfg_check(void)
{
	static const struct {
		int field;
		uint64_t value;
		const char *msg;
	} cases[] = {
		{ 1, 3000,
		  "segment (32KiB) is not a multiple of the buffer "
		  "(3000B)" },
		{ 2, 96 * KiB + 1,
		  "max (98305B) is not a whole number of "
		  "segments (32KiB)" },
		{ 2, 16 * KiB, "max (16KiB) is less than one segment (32KiB)" },
		{ 3, 160 * KiB, "max (128KiB) is below min (160KiB)" },
		{ 4, 0, "buffer size is 0" },
		{ 5, 0, "segment size is 0" },
		{ 6, 0, "page size is 0" },
		{ 7, 0, "buflets per packet is 0" },
		{ 8, 0, "negative cost or interval" },
		{ 9, 0, "unknown pool mode" },
		{ 10, 1ULL << 42, "max (4TiB) holds too many buffers of 1KiB" },
	};
	struct pool_cfg ok = base_cfg();
	char err[128];
	struct pool *p;
	struct fx f;

	ok.page_bytes = 16 * KiB;
	ok.segment_bytes = 32 * KiB;
	ok.max_bytes = 128 * KiB;
	ok.min_bytes = 128 * KiB;
	CHECK_EQ(pool_cfg_check(&ok, err, sizeof(err)), 0);
	CU_ASSERT_FATAL(fx_init(&f, 0, 0) == 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pool_cfg c = ok;
		int rc;

		switch (cases[i].field) {
		case 1:
			c.buffer_bytes = (uint32_t)cases[i].value;
			break;
		case 2:
			c.max_bytes = cases[i].value;
			c.min_bytes = 0;
			break;
		case 3:
			c.min_bytes = cases[i].value;
			break;
		case 4:
			c.buffer_bytes = 0;
			break;
		case 5:
			c.segment_bytes = 0;
			break;
		case 6:
			c.page_bytes = 0;
			break;
		case 7:
			c.buflets_max = 0;
			break;
		case 8:
			c.idle_ps = -1;
			break;
		case 9:
			c.mode = (enum pool_mode)7;
			break;
		case 10:
			c.buffer_bytes = 1024;
			c.max_bytes = cases[i].value;
			break;
		}
		memset(err, 0, sizeof(err));
		rc = pool_cfg_check(&c, err, sizeof(err));
		CHECKF(rc == -EINVAL && !strcmp(err, cases[i].msg),
		       "case %zu: %d \"%s\"", i, rc, err);
		CHECKF(fx_pool(&f, "p", &c, 1, 0, &p) == -EINVAL,
		       "case %zu: created", i);
	}
	/* a short buffer truncates, NULL is allowed */
	{
		struct pool_cfg c = ok;

		c.page_bytes = 0;
		CHECK_EQ(pool_cfg_check(&c, err, 8), -EINVAL);
		CHECK_EQ(strlen(err), 7);
		CHECK_EQ(pool_cfg_check(&c, NULL, 0), -EINVAL);
	}
	fx_fini(&f);
}

/* ---- 10. pages: I/O address lookups and wasted partial pages ---- */

/* A static device pool of four segments of seg bytes (2 KiB buffers,
 * 4 KiB pages, a lookup costs 150 ns): mapping them looks up one I/O
 * address per segment when seg is a whole number of pages, ceil(seg /
 * page) otherwise; each segment takes whole pages, the rest of its last
 * one wasted; segment s sits at base + s x stride. */
static void check_pages(uint64_t seg, uint64_t lookups, uint64_t stride)
{
	struct pool_cfg c = base_cfg();
	uint32_t per_seg = (uint32_t)(seg / 2048);
	uint64_t start, len;
	struct pool *p;
	struct fx f;

	c.mode = POOL_STATIC;
	c.device = true;
	c.segment_bytes = seg;
	c.max_bytes = 4 * seg;
	c.translate_ps = 150 * SIM_NS;
	CU_ASSERT_FATAL(fx_init(&f, 0, 0) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "p", &c, 1, 0, &p) == 0);
	CHECKF(counter(f.st, "p", "translations") == 4 * lookups,
	       "segment %llu: %llu lookups, want %llu", (unsigned long long)seg,
	       (unsigned long long)counter(f.st, "p", "translations"),
	       (unsigned long long)(4 * lookups));
	CHECK_EQ(counter(f.st, "p", "translate_time"),
		 4 * lookups * 150 * SIM_NS);
	CHECK_EQ(counter(f.st, "p", "maps"), 4);
	CHECK_EQ(pool_reserved(p), 4 * stride);
	CHECK_EQ(gauge(f.st, "p", "mem.page_waste"),
		 (double)(4 * (stride - seg)));
	CHECK_EQ(gauge(f.st, "hosts.h", "mem.reserved"), (double)(4 * stride));
	/* the first buflet of segment 2 */
	CHECK_EQ(pool_iova(p, 2 * per_seg), c.iova_base + 2 * stride);
	pool_iova_segment(p, 2 * per_seg + 1, &start, &len);
	CHECK_EQ(start, c.iova_base + 2 * stride);
	CHECK_EQ(len, seg);
	pool_destroy(p);
	fx_fini(&f);
}

static void test_pages(void)
{
	check_pages(64 * KiB, 1, 64 * KiB);  /* 16 pages, one mapping */
	check_pages(62 * KiB, 16, 64 * KiB); /* 15.5 pages: 16 lookups */
	check_pages(6 * KiB, 2, 8 * KiB);    /* 1.5 pages: 2 */
	check_pages(2 * 1024 * KiB, 1, 2 * 1024 * KiB);
	check_pages(2046 * KiB, 512, 2 * 1024 * KiB);
}

/* A dynamic device pool grows by a segment of 6 KiB: the allocation that
 * grows it pays alloc + map + 2 lookups; a kernel-only pool pays no map
 * and no lookup. */
static void test_grow_lookups(void)
{
	struct pool_cfg c = base_cfg();
	sim_time cost = 0;
	struct pool *p, *q;
	struct fx f;

	c.segment_bytes = 6 * KiB;
	c.max_bytes = 24 * KiB;
	c.translate_ps = 150 * SIM_NS;
	CU_ASSERT_FATAL(fx_init(&f, 0, 0) == 0);
	c.device = true;
	CU_ASSERT_FATAL(fx_pool(&f, "dev", &c, 1, 0, &p) == 0);
	c.device = false;
	CU_ASSERT_FATAL(fx_pool(&f, "k", &c, 1, 0, &q) == 0);
	CHECK_LT(pool_alloc(p, 0, 2048, &cost), 3);
	CHECK_EQ(cost, c.alloc_ps + c.map_ps + 2 * 150 * SIM_NS);
	CHECK_EQ(counter(f.st, "dev", "translations"), 2);
	cost = 0;
	CHECK_LT(pool_alloc(q, 0, 2048, &cost), 3);
	CHECK_EQ(cost, c.alloc_ps);
	CHECK_EQ(counter(f.st, "k", "translations"), 0);
	/* both wire two whole pages for their segment */
	CHECK_EQ(pool_reserved(p), 8 * KiB);
	CHECK_EQ(pool_reserved(q), 8 * KiB);
	pool_destroy(p);
	pool_destroy(q);
	fx_fini(&f);
}

/* The random pick is reproducible from (seed, rep) and differs across
 * repetitions. */
static void test_random_stream(void)
{
	static const char *const names[] = { "r0", "r1", "r0", "r0" };
	static const uint32_t reps[] = { 0, 0, 1, 0 };
	static const int run[] = { 0, 0, 1, 2 }; /* a name once per stats */
	struct pool_cfg c = base_cfg();
	uint32_t seq[4][16];
	struct fx f[3];

	c.mode = POOL_STATIC;
	c.random = true;
	for (int i = 0; i < 3; i++)
		CU_ASSERT_FATAL(fx_init(&f[i], 0, 0) == 0);
	for (int k = 0; k < 4; k++) {
		struct fx *e = &f[run[k]];
		struct pool *p;

		CU_ASSERT_FATAL(fx_pool(e, names[k], &c, 42, reps[k], &p) == 0);
		for (int i = 0; i < 16; i++)
			seq[k][i] = pool_alloc(p, 0, 1, NULL);
		pool_destroy(p);
	}
	/* the same (seed, rep, component) in another run: the same picks */
	CU_ASSERT(memcmp(seq[0], seq[3], sizeof(seq[0])) == 0);
	CU_ASSERT(memcmp(seq[0], seq[1], sizeof(seq[0])) != 0);
	CU_ASSERT(memcmp(seq[0], seq[2], sizeof(seq[0])) != 0);
	for (int i = 0; i < 3; i++)
		fx_fini(&f[i]);
}

/* The domains' sum is the host's total. */
static uint64_t dom_sum(const struct pool_mem *m)
{
	uint64_t b = 0;

	for (int d = 0; d < POOL_NDOM; d++)
		b += pool_mem_domain(m, (enum pool_domain)d);
	return b;
}

/* A hand-sized channel pool's regions: buffers of 2 KiB in 16 KiB
 * segments (8 a segment); metadata objects of 512 B in 6 KiB segments
 * (12 a segment, each wired as 8 KiB: two pages); buflet table objects
 * of 100 B in the same segments (61 a segment). With n buffer segments
 * (8n buffers) each metadata region needs ceil(8n / 12) segments and
 * each buflet table ceil(8n / 61). Kernel metadata and the kernel
 * buflet table are kernel-only; buffers, user metadata and the user
 * buflet table are mapped into the process. */
static void test_regions(void)
{
	struct pool_cfg c = base_cfg();
	struct fx f;
	struct pool *p;
	uint32_t b[32];
	sim_time cost = 0;

	CU_ASSERT_FATAL(fx_init(&f, 0, 0) == 0);
	c.user = true;
	c.segment_bytes = 16 * KiB;
	c.max_bytes = 64 * KiB;
	c.md_bytes = 512;
	c.bft_bytes = 100;
	c.md_segment_bytes = 6 * KiB;
	CU_ASSERT_FATAL(fx_pool(&f, "u", &c, 1, 0, &p) == 0);
	CHECK_EQ(pool_reserved(p), 0);
	/* one buffer segment: one segment of each metadata region */
	CHECK_LT(pool_alloc(p, 0, 2048, &cost), 8);
	CHECK_EQ(pool_region_bytes(p, POOL_R_BUF), 16 * KiB);
	CHECK_EQ(pool_region_bytes(p, POOL_R_KMD), 8 * KiB);
	CHECK_EQ(pool_region_bytes(p, POOL_R_UMD), 8 * KiB);
	CHECK_EQ(pool_region_bytes(p, POOL_R_KBFT), 8 * KiB);
	CHECK_EQ(pool_region_bytes(p, POOL_R_UBFT), 8 * KiB);
	CHECK_EQ(pool_reserved(p), 48 * KiB);
	CHECK_EQ(pool_mem_domain(f.mem, POOL_DOM_USER), 32 * KiB);
	CHECK_EQ(pool_mem_domain(f.mem, POOL_DOM_KERNEL), 16 * KiB);
	CHECK_EQ(pool_mem_domain(f.mem, POOL_DOM_DEVICE), 0);
	/* nothing mapped in the IOMMU: no map costs */
	CHECK_EQ(cost, c.alloc_ps);
	/* all four segments (32 buffers): ceil(32 / 12) = 3 metadata
	 * segments each, ceil(32 / 61) = 1 buflet table segment each */
	b[0] = 0;
	for (int i = 1; i < 32; i++)
		b[i] = pool_alloc(p, 0, 2048, NULL);
	CHECK_EQ(pool_region_bytes(p, POOL_R_BUF), 64 * KiB);
	CHECK_EQ(pool_region_bytes(p, POOL_R_KMD), 3 * 8 * KiB);
	CHECK_EQ(pool_region_bytes(p, POOL_R_UMD), 3 * 8 * KiB);
	CHECK_EQ(pool_region_bytes(p, POOL_R_KBFT), 8 * KiB);
	CHECK_EQ(pool_reserved(p), (64 + 24 + 24 + 8 + 8) * KiB);
	CHECK_EQ(pool_mem_domain(f.mem, POOL_DOM_USER), (64 + 24 + 8) * KiB);
	CHECK_EQ(pool_mem_domain(f.mem, POOL_DOM_KERNEL), (24 + 8) * KiB);
	CHECK_EQ(pool_mem_reserved(f.mem), pool_reserved(p));
	CHECK_EQ(dom_sum(f.mem), pool_mem_reserved(f.mem));
	/* give back all but the first segment's buffers: the metadata
	 * shrinks with the buffers, to ceil(8 / 12) = 1 segment */
	for (int i = 8; i < 32; i++)
		pool_free(p, 0, b[i]);
	pool_shrink(p);
	CHECK_EQ(pool_reserved(p), 48 * KiB);
	CHECK_EQ(pool_mem_domain(f.mem, POOL_DOM_USER), 32 * KiB);
	CHECK_EQ(pool_mem_domain(f.mem, POOL_DOM_KERNEL), 16 * KiB);
	pool_destroy(p);
	CHECK_EQ(pool_mem_reserved(f.mem), 0);
	CHECK_EQ(dom_sum(f.mem), 0);
	fx_fini(&f);
}

/* A device pool (64 KiB segments of 2 KiB buffers, 512 B metadata in 16
 * KiB segments: one metadata segment per buffer segment) that splits
 * its allocations keeps the metadata kernel-only and maps only its
 * buffers; one that does not maps the metadata into the IOMMU too: twice
 * the mappings and lookups, and all of it device-mapped. */
static void test_split(void)
{
	for (int split = 0; split < 2; split++) {
		struct pool_cfg c = base_cfg();
		struct fx f;
		struct pool *p;
		sim_time cost = 0;

		CU_ASSERT_FATAL(fx_init(&f, 0, 0) == 0);
		c.device = true;
		c.split = split;
		c.buflets_max = 1;
		c.segment_bytes = 64 * KiB;
		c.max_bytes = 256 * KiB;
		c.md_bytes = 512;
		c.bft_bytes = 100; /* no buflet table: one buflet a packet */
		c.md_segment_bytes = 16 * KiB;
		c.translate_ps = 150 * SIM_NS;
		CU_ASSERT_FATAL(fx_pool(&f, "dev", &c, 1, 0, &p) == 0);
		for (int i = 0; i < 33; i++) /* two buffer segments */
			CU_ASSERT(pool_alloc(p, 0, 2048, i ? NULL : &cost) !=
				  POOL_NONE);
		CHECK_EQ(pool_region_bytes(p, POOL_R_KMD), 2 * 16 * KiB);
		CHECK_EQ(pool_region_bytes(p, POOL_R_KBFT), 0);
		CHECK_EQ(pool_reserved(p), 2 * 80 * KiB);
		CHECK_EQ(counter(f.st, "dev", "maps"), split ? 2 : 4);
		CHECK_EQ(counter(f.st, "dev", "translations"), split ? 2 : 4);
		CHECK_EQ(pool_mem_domain(f.mem, POOL_DOM_DEVICE),
			 split ? 2 * 64 * KiB : 2 * 80 * KiB);
		CHECK_EQ(pool_mem_domain(f.mem, POOL_DOM_KERNEL),
			 split ? 2 * 16 * KiB : 0);
		/* the first grow maps the buffer segment (and, unsplit, its
		 * metadata segment): map and one lookup each */
		CHECK_EQ(cost, c.alloc_ps + (split ? 1 : 2) *
						    (c.map_ps + 150 * SIM_NS));
		CHECK_EQ(dom_sum(f.mem), pool_mem_reserved(f.mem));
		pool_destroy(p);
		fx_fini(&f);
	}
}

/* Socket buffer bytes count in their domain and in the host's limit. */
static void test_sockbuf_take(void)
{
	struct pool_cfg c = base_cfg();
	struct fx f;
	struct pool *p;

	CU_ASSERT_FATAL(fx_init(&f, 0, 40 * KiB) == 0);
	CU_ASSERT_FATAL(fx_pool(&f, "k", &c, 1, 0, &p) == 0);
	CU_ASSERT(pool_alloc(p, 0, 2048, NULL) != POOL_NONE); /* 8 KiB */
	CHECK_EQ(pool_mem_take(f.mem, 30 * KiB), 0);
	CHECK_EQ(pool_mem_domain(f.mem, POOL_DOM_SOCKBUF), 30 * KiB);
	CHECK_EQ(pool_mem_reserved(f.mem), 38 * KiB);
	/* 3 KiB more would pass the 40 KiB */
	CHECK_EQ(pool_mem_take(f.mem, 3 * KiB), -ENOSPC);
	CHECK_EQ(pool_mem_take(f.mem, 2 * KiB), 0);
	/* and the pool cannot grow into it */
	for (int i = 0; i < 3; i++)
		CU_ASSERT(pool_alloc(p, 0, 2048, NULL) != POOL_NONE);
	CHECK_EQ(pool_alloc(p, 0, 2048, NULL), POOL_NONE);
	pool_mem_give(f.mem, 32 * KiB);
	CHECK_EQ(pool_mem_domain(f.mem, POOL_DOM_SOCKBUF), 0);
	CU_ASSERT(pool_alloc(p, 0, 2048, NULL) != POOL_NONE);
	CHECK_EQ(dom_sum(f.mem), pool_mem_reserved(f.mem));
	pool_destroy(p);
	fx_fini(&f);
}

int suite_pool(void)
{
	CU_pSuite s = CU_add_suite("pool", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "segment carving", test_carving) ||
	    !CU_add_test(s, "random script against a reference", test_script) ||
	    !CU_add_test(s, "reserved >= in use at every sample",
			 test_series) ||
	    !CU_add_test(s, "memory pressure", test_pressure) ||
	    !CU_add_test(s, "pressure spares static pools",
			 test_pressure_static) ||
	    !CU_add_test(s, "static and dynamic reservation",
			 test_reservation) ||
	    !CU_add_test(s, "costs", test_costs) ||
	    !CU_add_test(s, "magazine spill", test_magazine_spill) ||
	    !CU_add_test(s, "magazines drained when out of buflets",
			 test_magazine_drain) ||
	    !CU_add_test(s, "multi-buflet packets", test_chains) ||
	    !CU_add_test(s, "reaper timing", test_reaper) ||
	    !CU_add_test(s, "reclaim takes time", test_reclaim) ||
	    !CU_add_test(s, "configuration errors", test_cfg_check) ||
	    !CU_add_test(s, "I/O address lookups and page waste", test_pages) ||
	    !CU_add_test(s, "lookups when a device pool grows",
			 test_grow_lookups) ||
	    !CU_add_test(s, "random stream", test_random_stream) ||
	    !CU_add_test(s, "regions and their domains", test_regions) ||
	    !CU_add_test(s, "split device allocations", test_split) ||
	    !CU_add_test(s, "socket buffers in the host's memory",
			 test_sockbuf_take))
		return CU_get_error();
	return 0;
}
