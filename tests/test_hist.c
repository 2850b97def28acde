/*
 * test_hist.c - log-linear histograms against exact references.
 *
 * Every distribution is recorded into a histogram and kept in an array; the
 * sorted array gives the exact sample quantile (the ceil(q * n)-th smallest
 * value) and a two-pass computation gives the exact moments. The samples
 * come from a local splitmix64 generator so this suite does not depend on
 * the rng module.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "hist.h"
#include "util.h"

#define NSAMPLES 200000
#define TWO_PI 6.283185307179586

static uint64_t test_state;

static uint64_t next_u64(void)
{
	uint64_t z = (test_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double next_unit(void)
{
	return ((double)(next_u64() >> 11) + 0.5) / 9007199254740992.0;
}

static double next_normal(void)
{
	return sqrt(-2 * log(next_unit())) * cos(TWO_PI * next_unit());
}

static int64_t gen_uniform_wide(void)
{
	return (int64_t)(next_u64() % 1000000000000ULL);
}

static int64_t gen_exponential(void)
{
	return (int64_t)(-1e6 * log(next_unit()));
}

static int64_t gen_lognormal(void)
{
	return (int64_t)exp(10 + 2.5 * next_normal());
}

/* Log-uniform over 0 .. 1e15: every magnitude equally represented. */
static int64_t gen_span(void)
{
	return (int64_t)(pow(10, 15 * next_unit()) - 1);
}

static int64_t gen_small(void)
{
	return (int64_t)(next_u64() % 301);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static const double quantiles[] = { 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0 };

static void check_distribution(int64_t (*gen)(void), uint64_t seed)
{
	static struct hist h;
	int64_t *v = malloc(NSAMPLES * sizeof(*v));
	long double sum = 0, ss = 0, mean;
	struct stat_summary s;

	CU_ASSERT_FATAL(v != NULL);
	test_state = seed;
	hist_init(&h);
	for (size_t i = 0; i < NSAMPLES; i++) {
		v[i] = gen();
		hist_record(&h, v[i]);
		sum += v[i];
	}
	qsort(v, NSAMPLES, sizeof(*v), cmp_i64);
	mean = sum / NSAMPLES;
	for (size_t i = 0; i < NSAMPLES; i++)
		ss += (v[i] - mean) * (v[i] - mean);

	CHECK_EQ(h.count, NSAMPLES);
	CHECK_EQ(h.min, v[0]);
	CHECK_EQ(h.max, v[NSAMPLES - 1]);
	hist_summary(&h, &s);
	CHECK_EQ(s.count, NSAMPLES);
	CHECK_NEAR(s.mean, (double)mean, 1e-9 * (double)mean);
	CHECK_NEAR(s.stddev, sqrt((double)(ss / (NSAMPLES - 1))),
		   1e-9 * sqrt((double)(ss / (NSAMPLES - 1))));
	CHECK_EQ(s.min, (double)v[0]);
	CHECK_EQ(s.max, (double)v[NSAMPLES - 1]);

	for (size_t k = 0; k < sizeof(quantiles) / sizeof(quantiles[0]); k++) {
		double q = quantiles[k];
		uint64_t rank = (uint64_t)ceil(q * NSAMPLES);
		double exact = (double)v[(rank < 1 ? 1 : rank) - 1];
		double est = hist_quantile(&h, q);
		double err = fabs(est - exact);

		CHECK_LE(err, 0.01 * exact);
		CHECK_LE(err, 2 * HIST_REL_ERROR * exact * (1 + 1e-12));
		if (exact < 2 * HIST_SUB)
			CHECK_EQ(est, exact);
	}
	CHECK_EQ(s.p50, hist_quantile(&h, 0.5));
	CHECK_EQ(s.p90, hist_quantile(&h, 0.9));
	CHECK_EQ(s.p99, hist_quantile(&h, 0.99));
	CHECK_EQ(s.p999, hist_quantile(&h, 0.999));
	hist_fini(&h);
	free(v);
}

static void test_uniform_wide(void)
{
	check_distribution(gen_uniform_wide, 1);
}

static void test_exponential(void)
{
	check_distribution(gen_exponential, 2);
}

static void test_lognormal(void)
{
	check_distribution(gen_lognormal, 3);
}

static void test_span(void)
{
	check_distribution(gen_span, 4);
}

static void test_small_integers(void)
{
	check_distribution(gen_small, 5);
}

/* The rank rule on a case small enough to work out by hand. */
static void test_rank_rule(void)
{
	static struct hist h;

	hist_init(&h);
	for (int64_t v = 100; v >= 1; v--)
		hist_record(&h, v);
	CHECK_EQ(hist_quantile(&h, 0), 1);
	CHECK_EQ(hist_quantile(&h, 0.001), 1);
	CHECK_EQ(hist_quantile(&h, 0.5), 50);
	CHECK_EQ(hist_quantile(&h, 0.505), 51);
	CHECK_EQ(hist_quantile(&h, 0.99), 99);
	CHECK_EQ(hist_quantile(&h, 1), 100);
	CHECK_EQ(hist_quantile(&h, 7), 100);
	CHECK_EQ(hist_quantile(&h, -1), 1);
	/* A single large value: clamped to [min, max], so exact. */
	hist_fini(&h);
	hist_record(&h, 1000000007);
	CHECK_EQ(hist_quantile(&h, 0.5), 1000000007);
	/* Two values in one wide bucket [2^20, 2^20 + 2^13): the first at a
	 * quarter of it, the second at three quarters, ... */
	hist_fini(&h);
	hist_record(&h, 1048576);
	hist_record(&h, 1048576 + 8191);
	CHECK_EQ(hist_quantile(&h, 0.5), 1048576 + 8191 * 0.25);
	CHECK_EQ(hist_quantile(&h, 1), 1048576 + 8191 * 0.75);
	hist_fini(&h);
	hist_record(&h, 1048576 + 1);
	hist_record(&h, 1048576 + 2);
	hist_record(&h, 1048576 + 3);
	/* ... cut to [min, max]: the middle one exactly */
	CHECK_EQ(hist_quantile(&h, 0.6), 1048576 + 2);
	hist_fini(&h);
}

static void test_empty_and_negative(void)
{
	static struct hist h;
	struct stat_summary s;

	hist_init(&h);
	CHECK_EQ(hist_quantile(&h, 0.5), 0);
	memset(&s, 0xff, sizeof(s));
	hist_summary(&h, &s);
	CHECK_EQ(s.count, 0);
	CHECK_EQ(s.mean, 0);
	CHECK_EQ(s.stddev, 0);
	CHECK_EQ(s.p999, 0);
	CHECK_EQ(s.max, 0);

	hist_record(&h, 7);
	hist_summary(&h, &s);
	CHECK_EQ(s.stddev, 0); /* n < 2 */
	hist_record(&h, -5);
	hist_record(&h, INT64_MIN);
	CHECK_EQ(h.count, 3);
	CHECK_EQ(h.negative, 2);
	CHECK_EQ(h.min, 0);
	CHECK_EQ(h.max, 7);
	CHECK_EQ(hist_bucket(&h, 0), 2);
	hist_summary(&h, &s);
	CHECK_NEAR(s.mean, 7.0 / 3, 1e-15);
	/* sample variance of {7, 0, 0}: (2 * (7/3)^2 + (14/3)^2) / 2 */
	CHECK_NEAR(s.stddev, sqrt(49.0 / 3), 1e-12);
	hist_fini(&h);
}

static void check_value(int64_t v)
{
	size_t i = hist_index(v);
	int64_t lo, up;

	CHECK_LT_FATAL(i, HIST_BUCKETS);
	hist_bounds(i, &lo, &up);
	CHECK_LE(lo, v);
	CHECKF(v < up || (v == INT64_MAX && up == INT64_MAX),
	       "value %lld, bucket [%lld, %lld)", (long long)v, (long long)lo,
	       (long long)up);
}

static void test_index_bounds(void)
{
	int64_t lo, up, next_lo, next_up;

	check_value(0);
	check_value(INT64_MAX);
	check_value(INT64_MAX - 1);
	for (int k = 0; k < 63; k++) {
		int64_t p = (int64_t)1 << k;

		check_value(p - 1);
		check_value(p);
		check_value(p + 1);
	}
	test_state = 6;
	for (int n = 0; n < 1000000; n++)
		check_value((int64_t)(next_u64() >> (1 + next_u64() % 63)));
	CHECK_EQ(hist_index(INT64_MAX), HIST_BUCKETS - 1);
	CHECK_EQ(hist_index(-1), 0);
	CHECK_EQ(hist_index(255), 255);
	CHECK_EQ(hist_index(256), 256);
	CHECK_EQ(hist_index(257), 256);
	CHECK_EQ(hist_index(258), 257);

	/* Every bucket: non-empty, contiguous with the next, inverse of
	 * hist_index at both ends, and at most 1/SUB of its lower bound wide
	 * (width 1 below 2 * SUB). */
	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		hist_bounds(i, &lo, &up);
		CHECK_LT_FATAL(lo, up);
		CHECK_EQ(hist_index(lo), i);
		CHECK_EQ(hist_index(up - 1), i);
		if (i < 2 * HIST_SUB) {
			CHECK_EQ(up - lo, 1);
		} else {
			CHECK_LE((up - lo) * HIST_SUB, lo);
		}
		if (i + 1 < HIST_BUCKETS) {
			hist_bounds(i + 1, &next_lo, &next_up);
			CHECK_EQ_FATAL(up, next_lo);
		} else {
			CHECK_EQ(up, INT64_MAX);
			CHECK_EQ(hist_index(up), i);
		}
	}
	hist_bounds(0, &lo, &up);
	CHECK_EQ(lo, 0);
}

/* Whether a and b hold the same samples: every field and every bucket. */
static void check_same(const struct hist *a, const struct hist *b)
{
	size_t differ = 0;

	CHECK_EQ(a->count, b->count);
	CHECK_EQ(a->negative, b->negative);
	CHECK_EQ(a->min, b->min);
	CHECK_EQ(a->max, b->max);
	CHECK_EQ(a->ref, b->ref);
	CHECK_EQ(a->s1, b->s1);
	CHECK_EQ(a->s2, b->s2);
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		differ += hist_bucket(a, i) != hist_bucket(b, i);
	CHECK_EQ(differ, 0);
	CU_ASSERT(hist_same(a, b));
}

static void test_merge(void)
{
	static struct hist a, b, all, empty, copy;
	struct stat_summary sa, sall;
	int64_t v;

	hist_init(&a);
	hist_init(&b);
	hist_init(&all);
	test_state = 7;
	for (int i = 0; i < NSAMPLES; i++) {
		v = i % 3 ? gen_lognormal() : gen_exponential() - 500000;
		hist_record(i % 2 ? &a : &b, v);
		hist_record(&all, v);
	}
	hist_init(&empty);
	hist_init(&copy);
	CHECK_EQ(hist_merge(&copy, &a), 0); /* into an empty one: a copy */
	check_same(&copy, &a);
	CHECK_EQ(hist_merge(&copy, &empty), 0); /* nothing added */
	check_same(&copy, &a);
	CHECK_EQ(empty.n, 0);
	hist_record(&copy, 3); /* one more sample: not the same */
	CU_ASSERT(!hist_same(&copy, &a));
	hist_fini(&copy);
	CHECK_EQ(hist_merge(&copy, &a), 0);

	hist_merge(&a, &b);
	CHECK_EQ(a.count, all.count);

	CHECK_EQ(a.negative, all.negative);
	CHECK_GT(a.negative, 0);
	CHECK_EQ(a.min, all.min);
	CHECK_EQ(a.max, all.max);
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		CHECK_EQ_FATAL(hist_bucket(&a, i), hist_bucket(&all, i));
	hist_summary(&a, &sa);
	hist_summary(&all, &sall);
	CHECK_NEAR(sa.mean, sall.mean, 1e-12 * sall.mean);
	CHECK_NEAR(sa.stddev, sall.stddev, 1e-9 * sall.stddev);
	CHECK_EQ(hist_quantile(&a, 0.99), hist_quantile(&all, 0.99));
	/* a merge of values within the window widens nothing */
	{
		uint32_t lo = a.lo, n = a.n;

		hist_fini(&b);
		hist_record(&b, a.min);
		hist_record(&b, a.max);
		CHECK_EQ(hist_merge(&a, &b), 0);
		CHECK_EQ(a.lo, lo);
		CHECK_EQ(a.n, n);
		CHECK_EQ(a.count, all.count + 2);
	}
	hist_fini(&a);
	hist_fini(&b);
	hist_fini(&all);
	hist_fini(&copy);
}

/* A million values change nothing but the counts: the buckets still add
 * up to the count and the window never passes the HIST_BUCKETS buckets. */
static void test_constant_memory(void)
{
	static struct hist h;
	uint64_t sum = 0;

	hist_init(&h);
	test_state = 8;
	for (int i = 0; i < 1000000; i++)
		hist_record(&h, (int64_t)(next_u64() >> (next_u64() % 64)));
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		sum += hist_bucket(&h, i);
	CHECK_EQ(sum, 1000000);
	CHECK_EQ(h.count, 1000000);
	/* from 0 to near 2^64: every bucket */
	CHECK_EQ(h.lo, 0);
	CHECK_EQ(h.n, HIST_BUCKETS);
	CHECK_EQ(HIST_BUCKETS, 7296);
	hist_fini(&h);
	CHECK_EQ(h.n, 0);
	CHECK_EQ(h.count, 0);
}

/*
 * The reference: a full array of HIST_BUCKETS counts and the quantile
 * rule of hist.h worked on it directly (the ceil(q n)-th sample's bucket,
 * cut to [min, max], the sample read at its place among the bucket's).
 */
struct dense {
	uint64_t n;
	int64_t min, max;
	uint64_t bucket[HIST_BUCKETS];
};

static void dense_record(struct dense *d, int64_t v)
{
	if (v < 0)
		v = 0;
	if (d->n == 0 || v < d->min)
		d->min = v;
	if (d->n == 0 || v > d->max)
		d->max = v;
	d->n++;
	d->bucket[hist_index(v)]++;
}

static double dense_quantile(const struct dense *d, double q)
{
	uint64_t rank = (uint64_t)ceil(q * (double)d->n), seen = 0;
	int64_t lower, upper, last;
	size_t i = 0;
	double v;

	if (rank < 1)
		rank = 1;
	while (seen + d->bucket[i] < rank)
		seen += d->bucket[i++];
	hist_bounds(i, &lower, &upper);
	last = upper == INT64_MAX && i == HIST_BUCKETS - 1 ? INT64_MAX
							   : upper - 1;
	if (lower < d->min)
		lower = d->min;
	if (last > d->max)
		last = d->max;
	v = (double)lower + (double)(last - lower) *
				    ((double)(rank - seen) - 0.5) /
				    (double)d->bucket[i];
	return v < (double)d->min ? (double)d->min
				  : (v > (double)d->max ? (double)d->max : v);
}

/* Records n values of gen in a histogram and the dense reference and
 * checks every bucket and a fine grid of quantiles equal; returns the
 * buckets the histogram holds. */
static uint32_t check_against_dense(int64_t (*gen)(uint64_t i), uint64_t n)
{
	static struct dense d;
	static struct hist h;
	size_t differ = 0;

	memset(&d, 0, sizeof(d));
	hist_init(&h);
	for (uint64_t i = 0; i < n; i++) {
		int64_t v = gen(i);

		hist_record(&h, v);
		dense_record(&d, v);
	}
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		differ += hist_bucket(&h, i) != d.bucket[i];
	CHECK_EQ(differ, 0);
	CHECK_LE((size_t)h.lo + h.n, HIST_BUCKETS);
	CHECK_EQ(h.lo % 8, 0);
	for (int k = 0; k <= 1000; k++) {
		double q = k / 1000.0;

		CHECKF(hist_quantile(&h, q) == dense_quantile(&d, q),
		       "q %g: %.17g, dense %.17g", q, hist_quantile(&h, q),
		       dense_quantile(&d, q));
	}
	CHECK_EQ(hist_quantile(&h, 0.999), dense_quantile(&d, 0.999));
	n = h.n;
	hist_fini(&h);
	return (uint32_t)n;
}

static int64_t lazy_random(uint64_t i)
{
	(void)i;
	return (int64_t)(next_u64() >> (next_u64() % 64)) - 1000;
}

static int64_t lazy_falling(uint64_t i) /* widens downwards only */
{
	return (int64_t)(UINT64_C(1) << 40) - (int64_t)(i * i * 977);
}

static int64_t lazy_rising(uint64_t i) /* widens upwards only */
{
	return (int64_t)(5000 + i * i * 131);
}

static int64_t lazy_narrow(uint64_t i) /* 1.500 us to 1.504 us in ps */
{
	(void)i;
	return 1500000 + (int64_t)(next_u64() % 4000);
}

static int64_t lazy_lognormal(uint64_t i)
{
	(void)i;
	return gen_lognormal();
}

static int64_t lazy_constant(uint64_t i)
{
	(void)i;
	return 123456789;
}

/* The window: the same counts and quantiles as a full array, bucket for
 * bucket, whichever way it widened; and a few buckets for few values. */
static void test_lazy_dense(void)
{
	test_state = 9;
	CHECK_EQ(check_against_dense(lazy_random, 200000), HIST_BUCKETS);
	check_against_dense(lazy_falling, 30000);
	check_against_dense(lazy_rising, 30000);
	check_against_dense(lazy_lognormal, 100000);
	/* [1.5e6, 1.504e6) ps: all in bucket 13 * 128 + 183 = 1847, which
	 * holds [183 * 2^13, 184 * 2^13); one aligned line of 8 buckets */
	CHECK_EQ(check_against_dense(lazy_narrow, 100000), 8);
	CHECK_EQ(check_against_dense(lazy_constant, 1000), 8);
}

int suite_hist(void)
{
	CU_pSuite s = CU_add_suite("hist", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "uniform 0..1e12", test_uniform_wide) ||
	    !CU_add_test(s, "exponential", test_exponential) ||
	    !CU_add_test(s, "lognormal heavy tail", test_lognormal) ||
	    !CU_add_test(s, "log-uniform 0..1e15", test_span) ||
	    !CU_add_test(s, "small integers", test_small_integers) ||
	    !CU_add_test(s, "rank rule", test_rank_rule) ||
	    !CU_add_test(s, "empty and negative", test_empty_and_negative) ||
	    !CU_add_test(s, "index/bounds inverse", test_index_bounds) ||
	    !CU_add_test(s, "merge", test_merge) ||
	    !CU_add_test(s, "constant memory", test_constant_memory) ||
	    !CU_add_test(s, "window equals a full array", test_lazy_dense))
		return CU_get_error();
	return 0;
}
