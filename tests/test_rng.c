/*
 * test_rng.c - random streams: derivation, independence, distributions.
 *
 * Seeds are checked against values worked out by an independent
 * implementation of FNV-1a and splitmix64 (whose standard test vectors it
 * reproduces), and a stream against a bare gsl_rng_mt19937 given the folded
 * seed. Sample means of 10^6 draws must lie within 4 standard errors of the
 * closed-form mean: with fixed seeds the outcome is deterministic, and a
 * wrong parameterisation (rate for mean, variance for sigma) is off by far
 * more than that.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>

#include "rng.h"
#include "util.h"

#define NDRAWS 1000000

/* The mean of NDRAWS evaluations of draw against mu, given its sd. */
#define CHECK_MEAN(draw, mu, sd)                                             \
	do {                                                                 \
		double sum_ = 0;                                             \
		for (int i_ = 0; i_ < NDRAWS; i_++)                          \
			sum_ += (draw);                                      \
		CHECKF(fabs(sum_ / NDRAWS - (mu)) < 4 * (sd) / sqrt(NDRAWS), \
		       "mean %.6g, want %.6g within %.3g", sum_ / NDRAWS,    \
		       (double)(mu), 4 * (sd) / sqrt(NDRAWS));               \
	} while (0)

static void test_derive_seed(void)
{
	CHECK_EQ(rng_derive_seed(42, 3, "hosts.client.nic"),
		 0x2ea3986d04c930f3ULL);
	CHECK_EQ(rng_derive_seed(0, 0, ""), 0x7dc2c42b173ebf65ULL);
	CHECK_EQ(rng_derive_seed(1, 0, "apps.rpc"), 0xbfd3ce5793d9b143ULL);
	/* Each input matters. */
	CHECK_NE(rng_derive_seed(1, 0, "apps.rpc"),
		 rng_derive_seed(2, 0, "apps.rpc"));
	CHECK_NE(rng_derive_seed(1, 0, "apps.rpc"),
		 rng_derive_seed(1, 1, "apps.rpc"));
	CHECK_NE(rng_derive_seed(1, 0, "apps.rpc"),
		 rng_derive_seed(1, 0, "apps.rpd"));
	/* Seed and repetition are not interchangeable. */
	CHECK_NE(rng_derive_seed(1, 2, "x"), rng_derive_seed(2, 1, "x"));
}

/* The stream is GSL's mt19937 seeded with the 64-bit seed folded to 32. */
static void test_stream_is_mt19937(void)
{
	struct rng *r = rng_create(42, 3, "hosts.client.nic");
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	int same = 1;

	CU_ASSERT_FATAL(r != NULL && g != NULL);
	gsl_rng_set(g, 0x2a6aa89eUL);
	for (int i = 0; i < 1000; i++)
		same &= rng_uniform01(r) == gsl_rng_uniform_pos(g);
	CU_ASSERT(same);
	gsl_rng_free(g);
	rng_destroy(r);
	rng_destroy(NULL);
}

static int streams_equal(struct rng *a, struct rng *b, int n)
{
	int same = 1;

	for (int i = 0; i < n; i++)
		same &= rng_u64(a, UINT64_MAX) == rng_u64(b, UINT64_MAX);
	return same;
}

static void test_reproducible_and_distinct(void)
{
	struct rng *a = rng_create(7, 1, "apps.bulk");
	struct rng *b = rng_create(7, 1, "apps.bulk");
	struct rng *c = rng_create(7, 1, "apps.bulk2");
	struct rng *d = rng_create(7, 2, "apps.bulk");
	struct rng *e = rng_create(8, 1, "apps.bulk");

	CU_ASSERT_FATAL(a && b && c && d && e);
	CU_ASSERT(streams_equal(a, b, 1000));
	rng_destroy(b);
	b = rng_create(7, 1, "apps.bulk");
	CU_ASSERT(!streams_equal(b, c, 4));
	rng_destroy(b);
	b = rng_create(7, 1, "apps.bulk");
	CU_ASSERT(!streams_equal(b, d, 4));
	rng_destroy(b);
	b = rng_create(7, 1, "apps.bulk");
	CU_ASSERT(!streams_equal(b, e, 4));
	rng_destroy(a);
	rng_destroy(b);
	rng_destroy(c);
	rng_destroy(d);
	rng_destroy(e);
}

/* Another stream created and drawn from in between changes nothing. */
static void test_independent_streams(void)
{
	double alone[1000];
	struct rng *a = rng_create(99, 0, "hosts.server.cpu");
	struct rng *b, *other;
	int same = 1;

	CU_ASSERT_FATAL(a != NULL);
	for (int i = 0; i < 1000; i++)
		alone[i] = rng_exponential(a, 5);
	rng_destroy(a);

	b = rng_create(99, 0, "hosts.server.cpu");
	other = rng_create(99, 0, "hosts.server.nic");
	CU_ASSERT_FATAL(b && other);
	for (int i = 0; i < 1000; i++) {
		rng_normal(other, 0, 1);
		rng_u64(other, 1000);
		same &= rng_exponential(b, 5) == alone[i];
	}
	CU_ASSERT(same);
	rng_destroy(b);
	rng_destroy(other);
}

static void test_continuous_means(void)
{
	struct rng *r = rng_create(2024, 0, "test.continuous");
	double lvar = (exp(0.25) - 1) * exp(0.25);
	double pa = 3.5, pb = 2;
	double lo = 1, hi = 0, plo = INFINITY;
	double sum = 0, ss = 0;

	CU_ASSERT_FATAL(r != NULL);
	CHECK_MEAN(rng_uniform01(r), 0.5, sqrt(1.0 / 12));
	CHECK_MEAN(rng_uniform(r, 2, 5), 3.5, 3 / sqrt(12));
	CHECK_MEAN(rng_exponential(r, 3), 3, 3);
	CHECK_MEAN(rng_normal(r, 1, 2), 1, 2);
	CHECK_MEAN(rng_lognormal(r, 0, 0.5), exp(0.125), sqrt(lvar));
	CHECK_MEAN(rng_pareto(r, pa, pb), pa * pb / (pa - 1),
		   pb / (pa - 1) * sqrt(pa / (pa - 2)));

	/* Supports and the normal's spread. */
	for (int i = 0; i < NDRAWS; i++) {
		double u = rng_uniform01(r), p = rng_pareto(r, pa, pb);
		double x = rng_normal(r, 1, 2);

		lo = fmin(lo, u);
		hi = fmax(hi, u);
		plo = fmin(plo, p);
		sum += x;
		ss += x * x;
	}
	CHECK_GT(lo, 0);
	CHECK_LT(hi, 1);
	CHECK_GE(plo, pb);
	CHECK_LT(plo, pb * 1.001);
	/* sample variance of N(1, 4): standard error 4 * sqrt(2 / n) */
	CHECKF(fabs((ss - sum * sum / NDRAWS) / (NDRAWS - 1) - 4) <
		       4 * 4 * sqrt(2.0 / NDRAWS),
	       "variance %.6g, want 4 within %.3g",
	       (ss - sum * sum / NDRAWS) / (NDRAWS - 1),
	       4 * 4 * sqrt(2.0 / NDRAWS));
	rng_destroy(r);
}

static void check_u64(struct rng *r, uint64_t n)
{
	double sum = 0, mu = ((double)n - 1) / 2, sd = (double)n / sqrt(12);
	int below = 1;

	for (int i = 0; i < NDRAWS; i++) {
		uint64_t x = rng_u64(r, n);

		below &= x < n;
		sum += (double)x;
	}
	CU_ASSERT(below);
	CHECKF(fabs(sum / NDRAWS - mu) < 4 * sd / sqrt(NDRAWS),
	       "mean %.6g, want %.6g within %.3g", sum / NDRAWS, mu,
	       4 * sd / sqrt(NDRAWS));
}

static void test_u64(void)
{
	struct rng *r = rng_create(5, 0, "test.u64");
	uint64_t count[6] = { 0 };

	CU_ASSERT_FATAL(r != NULL);
	for (int i = 0; i < NDRAWS; i++)
		count[rng_u64(r, 6)]++;
	for (int k = 0; k < 6; k++)
		CHECKF(fabs(count[k] - NDRAWS / 6.0) <
			       4 * sqrt(NDRAWS * (1.0 / 6) * (5.0 / 6)),
		       "%d drawn %llu times, want %.0f within %.0f", k,
		       (unsigned long long)count[k], NDRAWS / 6.0,
		       4 * sqrt(NDRAWS * (1.0 / 6) * (5.0 / 6)));
	CHECK_EQ(rng_u64(r, 1), 0);
	CHECK_EQ(rng_u64(r, 0), 0);
	check_u64(r, 3000000000ULL);
	check_u64(r, 0xffffffffULL);	/* largest n GSL takes */
	check_u64(r, 0x100000000ULL);	/* smallest n built from 2 draws */
	check_u64(r, (1ULL << 40) + 7); /* rejection almost never */
	check_u64(r, 3ULL << 62); /* 2^64 mod n = n / 3: a quarter rejected */
	check_u64(r, UINT64_MAX);
	rng_destroy(r);
}

static void test_empirical(void)
{
	const double value[] = { 10, 20, 30, 40 };
	const double weight[] = { 1, 0, 3, 6 };
	struct rng *r = rng_create(11, 0, "test.empirical");
	struct rng_empirical *e = rng_empirical_create(value, weight, 4);
	uint64_t count[4] = { 0 };
	int known = 1;

	CU_ASSERT_FATAL(r && e);
	CHECK_NEAR(rng_empirical_mean(e), 34, 1e-12);
	for (int i = 0; i < NDRAWS; i++) {
		double x = rng_empirical(r, e);
		int k = (int)(x / 10) - 1;

		known &= k >= 0 && k < 4 && x == value[k];
		if (k >= 0 && k < 4)
			count[k]++;
	}
	CU_ASSERT(known);
	CHECK_EQ(count[1], 0);
	for (int k = 0; k < 4; k++) {
		double p = weight[k] / 10;

		CHECK_NEAR(count[k], NDRAWS * p,
			   4 * sqrt(NDRAWS * p * (1 - p)));
	}
	rng_empirical_destroy(e);
	rng_empirical_destroy(NULL);
	rng_destroy(r);
}

static void test_empirical_bad_input(void)
{
	const double value[] = { 1, 2, 3 };
	const double zero[] = { 0, 0, 0 };
	const double negative[] = { 1, -0.5, 1 };
	const double nan_w[] = { 1, NAN, 1 };
	const double inf_w[] = { 1, INFINITY, 1 };
	const double ok[] = { 0, 0, 2 };
	struct rng_empirical *e;

	CU_ASSERT_PTR_NULL(rng_empirical_create(value, ok, 0));
	CU_ASSERT_PTR_NULL(rng_empirical_create(value, zero, 3));
	CU_ASSERT_PTR_NULL(rng_empirical_create(value, negative, 3));
	CU_ASSERT_PTR_NULL(rng_empirical_create(value, nan_w, 3));
	CU_ASSERT_PTR_NULL(rng_empirical_create(value, inf_w, 3));
	e = rng_empirical_create(value, ok, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CHECK_EQ(rng_empirical_mean(e), 3);
	rng_empirical_destroy(e);
}

int suite_rng(void)
{
	CU_pSuite s = CU_add_suite("rng", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "derived seeds", test_derive_seed) ||
	    !CU_add_test(s, "stream is mt19937", test_stream_is_mt19937) ||
	    !CU_add_test(s, "reproducible, distinct",
			 test_reproducible_and_distinct) ||
	    !CU_add_test(s, "independent streams", test_independent_streams) ||
	    !CU_add_test(s, "continuous means", test_continuous_means) ||
	    !CU_add_test(s, "uniform integers", test_u64) ||
	    !CU_add_test(s, "empirical", test_empirical) ||
	    !CU_add_test(s, "empirical bad input", test_empirical_bad_input))
		return CU_get_error();
	return 0;
}
