/*
 * hist.h - log-linear (HDR-style) histograms of non-negative integers.
 *
 * Values below 2^(HIST_SUB_BITS+1) get a bucket each; above, every power of
 * two is split into 2^HIST_SUB_BITS equal buckets, so a bucket is at most
 * 1/128 of its lower bound wide and a quantile reported at the bucket's
 * midpoint is within 0.4% of the exact sample quantile (<= 1% promised).
 * Buckets are held for the range of indices recorded so far only (a
 * window that grows at least twofold when a value falls outside it, see
 * hist.c), so an empty histogram holds none and one of a few nearby
 * values a cache line; memory never grows with the number of values.
 * Count, mean,
 * standard deviation, min and max are exact (two running sums taken
 * about the first sample, so no division per sample);
 * the standard deviation is the sample one (divisor n - 1, 0 when n < 2).
 * Negative values are recorded as 0 and counted in `negative`.
 */
#ifndef USNSIM_HIST_H
#define USNSIM_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB (1 << HIST_SUB_BITS)
/* Buckets covering [0, 2^63): 2*SUB exact ones, then SUB per octave. */
#define HIST_BUCKETS ((64 - HIST_SUB_BITS - 1) * HIST_SUB + HIST_SUB)

/* Largest relative error of a reported quantile (a bound, for tests). */
#define HIST_REL_ERROR (1.0 / (2 * HIST_SUB))

/* Laid out for hist_record(): what it touches fills the first 64 bytes
 * (one cache line); negative, rarely written, after them. */
struct hist {
	uint64_t count;
	int64_t min, max;
	/* Moments shifted by the first sample, ref: s1 and s2 sum v - ref and
	 * (v - ref)^2, so that recording divides nothing and a mean far from
	 * 0 loses no precision (the first sample is near the mean's scale). */
	int64_t ref;
	double s1, s2;
	/* bucket[i - lo] counts the values of bucket i for lo <= i < lo + n;
	 * every other bucket is empty. n == 0 (bucket NULL) until a value is
	 * recorded. */
	uint64_t *bucket;
	uint32_t lo, n;
	uint64_t negative;
};

struct stat_summary {
	uint64_t count;
	double mean, stddev, min, p50, p90, p99, p999, max;
};

void hist_init(struct hist *h);
/* Frees the buckets; the histogram is then empty, as after hist_init. */
void hist_fini(struct hist *h);
static inline void hist_record(struct hist *h, int64_t v);
/* The count of bucket i (0 for i >= HIST_BUCKETS). */
static inline uint64_t hist_bucket(const struct hist *h, size_t i)
{
	size_t k = i - h->lo; /* wraps below lo */

	return k < h->n ? h->bucket[k] : 0;
}
/* The mean of the samples (0 if none). */
double hist_mean(const struct hist *h);
/* Adds src's samples to dst. Returns 0, or -ENOMEM (dst unchanged). */
int hist_merge(struct hist *dst, const struct hist *src);
/* The value at quantile q in [0, 1]: the midpoint of the bucket holding the
 * ceil(q * count)-th smallest sample, clamped to [min, max]. 0 if empty. */
double hist_quantile(const struct hist *h, double q);
/* Whether a and b hold the same state: count, negatives, min, max, the
 * running sums bit for bit and every bucket's count (however wide their
 * windows), as a memcmp of two full arrays would say. */
bool hist_same(const struct hist *a, const struct hist *b);
/* Fills s (all zero when the histogram is empty). */
void hist_summary(const struct hist *h, struct stat_summary *s);
/* Bucket index of v, and the value range [lower, upper) of bucket i. The
 * last bucket's upper bound, 2^63, is reported as INT64_MAX (which that
 * bucket also holds). A bucket's midpoint is the middle of the integers it
 * holds, so buckets of width 1 report their value exactly. */
void hist_bounds(size_t i, int64_t *lower, int64_t *upper);

/* Index of the most significant set bit of v > 0. */
static inline unsigned hist_msb(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);
}

static inline size_t hist_index(int64_t v)
{
	unsigned shift;

	if (v < 2 * HIST_SUB)
		return v < 0 ? 0 : (size_t)v;
	shift = hist_msb((uint64_t)v) - HIST_SUB_BITS;
	return (size_t)shift * HIST_SUB + (size_t)((uint64_t)v >> shift);
}

/* Makes the window hold bucket i (outside it); aborts with a message if
 * memory runs out (a histogram has no way to report it from a handler). */
void hist_widen(struct hist *h, size_t i);

/* Asks for the line of the bucket that recording v would count in, if h
 * has it, without waiting for it: a caller about to record into several
 * histograms whose lines are cold asks for all of them first, so that
 * their misses overlap instead of following one another. */
static inline void hist_prefetch(const struct hist *h, int64_t v)
{
	size_t k = hist_index(v < 0 ? 0 : v) - h->lo; /* wraps below lo */

	if (k < h->n)
		__builtin_prefetch(&h->bucket[k], 1);
}

static inline void hist_record(struct hist *h, int64_t v)
{
	size_t k;
	double d;

	if (v < 0) {
		h->negative++;
		v = 0;
	}
	if (h->count == 0) {
		h->min = v;
		h->max = v;
		h->ref = v;
	} else if (v < h->min) {
		h->min = v;
	} else if (v > h->max) {
		h->max = v;
	}
	h->count++;
	d = (double)(v - h->ref);
	h->s1 += d;
	h->s2 += d * d;
	k = hist_index(v) - h->lo; /* wraps below lo */
	if (__builtin_expect(k >= h->n, 0)) {
		hist_widen(h, hist_index(v));
		k = hist_index(v) - h->lo;
	}
	h->bucket[k]++;
}

#endif
