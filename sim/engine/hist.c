/*
 * hist.c - log-linear (HDR-style) histograms of non-negative integers.
 *
 * Bucket layout (SUB = HIST_SUB = 128):
 *
 *   values [0, 2*SUB)        one bucket each        buckets [0, 2*SUB)
 *   values [2^k, 2^(k+1))    SUB buckets of width   buckets from
 *   for k = 8 .. 62          2^(k - SUB_BITS)       (k - SUB_BITS + 1) * SUB
 *
 * Writing shift = max(0, msb(v) - SUB_BITS), the index is
 * shift * SUB + (v >> shift): the top SUB_BITS + 1 bits of v, offset by one
 * block of SUB per octave. INT64_MAX falls in the last bucket, whose upper
 * bound 2^63 does not fit in an int64_t and is reported as INT64_MAX.
 *
 * Recording is a count-leading-zeros, a shift and an increment plus two
 * running sums (no division), inline in hist.h. Quantiles walk the
 * buckets, so they are for reporting, not the hot path.
 *
 * The buckets: a histogram holds only the window [lo, lo + n) of bucket
 * indices, every bucket outside it being empty; the first value recorded
 * allocates the HIST_ALIGN buckets (one 64-byte line) around its own, and
 * a value outside the window widens it to cover that value and to at
 * least twice its size (hist_widen: a new array, the counts copied at
 * their offset), its ends kept on multiples of HIST_ALIGN. So a
 * histogram allocates at most log2(HIST_BUCKETS / HIST_ALIGN) + 1 = 11
 * times in all, each when a value lands beyond every earlier one's
 * bucket; in a steady state nothing allocates. The counts, and so every
 * quantile, equal those of a full array of HIST_BUCKETS buckets; memory
 * is the span of the buckets used, rounded up, instead of 57 KiB. A bucket holds the integers [lower, upper - 1]; a quantile
 * whose rank falls in it is interpolated: the k-th of its c samples is
 * read at lower + (upper - 1 - lower) (k - 1/2) / c, as if they were
 * spread evenly (a single sample at the middle), the bucket first cut to
 * [min, max] of the histogram. Buckets of width 1 so
 * report their value exactly and wider ones are off by less than their
 * width, 2 HIST_REL_ERROR; and two runs whose quantiles fall in one bucket
 * still report different values when their samples differ there, so an
 * interval across runs is not collapsed to 0 by the bucketing.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

#define HIST_ALIGN 8 /* buckets: a window's ends are multiples of it */
_Static_assert(HIST_BUCKETS % HIST_ALIGN == 0, "whole lines");

/* Bucket i holds the integers [*lower, *last]. */
static void hist_range(size_t i, int64_t *lower, int64_t *last)
{
	unsigned shift;
	uint64_t mant;

	if (i < 2 * HIST_SUB) {
		*lower = (int64_t)i;
		*last = (int64_t)i;
		return;
	}
	shift = (unsigned)(i / HIST_SUB) - 1;
	mant = HIST_SUB + i % HIST_SUB;
	*lower = (int64_t)(mant << shift);
	/* ((mant + 1) << shift) - 1 without overflowing at the top. */
	*last = (int64_t)((mant << shift) + ((UINT64_C(1) << shift) - 1));
}

void hist_bounds(size_t i, int64_t *lower, int64_t *upper)
{
	int64_t last;

	if (i >= HIST_BUCKETS)
		i = HIST_BUCKETS - 1;
	hist_range(i, lower, &last);
	*upper = last == INT64_MAX ? INT64_MAX : last + 1;
}

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

void hist_fini(struct hist *h)
{
	free(h->bucket);
	hist_init(h);
}

/* Makes the window [lo, hi) (ends multiples of HIST_ALIGN, containing the
 * current one); returns 0 or -ENOMEM (h unchanged). */
static int hist_resize(struct hist *h, size_t lo, size_t hi)
{
	uint64_t *b;

	if (h->n && lo == h->lo && hi == h->lo + h->n)
		return 0;
	b = calloc(hi - lo, sizeof(*b));
	if (!b)
		return -ENOMEM;
	if (h->n)
		memcpy(b + (h->lo - lo), h->bucket, h->n * sizeof(*b));
	free(h->bucket);
	h->bucket = b;
	h->lo = (uint32_t)lo;
	h->n = (uint32_t)(hi - lo);
	return 0;
}

/* The window that covers the current one and [lo, hi): the current one
 * if it covers [lo, hi), else one at least twice as wide (grown on the
 * side of [lo, hi)), its ends multiples of HIST_ALIGN within
 * [0, HIST_BUCKETS). */
static void hist_span(const struct hist *h, size_t *lo, size_t *hi)
{
	size_t olo = h->lo, ohi = (size_t)h->lo + h->n;

	if (h->n) {
		if (olo < *lo)
			*lo = olo;
		if (ohi > *hi)
			*hi = ohi;
		if (*lo == olo && *hi == ohi) /* inside: nothing to widen */
			return;
		if (*hi - *lo < 2 * (size_t)h->n) {
			if (*lo < olo) /* grow downwards */
				*lo = ohi > 2 * (size_t)h->n
					      ? ohi - 2 * (size_t)h->n
					      : 0;
			else
				*hi = olo + 2 * (size_t)h->n;
		}
	}
	*lo -= *lo % HIST_ALIGN;
	*hi += (HIST_ALIGN - *hi % HIST_ALIGN) % HIST_ALIGN;
	if (*hi > HIST_BUCKETS)
		*hi = HIST_BUCKETS;
	if (*hi - *lo<2 * (size_t)h->n && * lo> 0) /* clipped at the top */
		*lo = *hi > 2 * (size_t)h->n ? *hi - 2 * (size_t)h->n : 0;
}

void hist_widen(struct hist *h, size_t i)
{
	size_t lo = i, hi = i + 1;

	hist_span(h, &lo, &hi);
	if (hist_resize(h, lo, hi)) {
		fprintf(stderr,
			"usnsim: out of memory for the buckets of a histogram\n");
		abort();
	}
}

/* The mean and the sum of squared deviations from it (h not empty). */
static void hist_moments(const struct hist *h, double *mean, double *m2)
{
	double n = (double)h->count;

	*mean = (double)h->ref + h->s1 / n;
	*m2 = h->s2 - h->s1 * h->s1 / n;
	if (*m2 < 0) /* rounding */
		*m2 = 0;
}

double hist_mean(const struct hist *h)
{
	double mean, m2;

	if (h->count == 0)
		return 0;
	hist_moments(h, &mean, &m2);
	return mean;
}

int hist_merge(struct hist *dst, const struct hist *src)
{
	double na, nb, n, delta, ma, mb, m2a, m2b;
	size_t lo = src->lo, hi = (size_t)src->lo + src->n;

	if (src->count == 0)
		return 0;
	hist_span(dst, &lo, &hi);
	if (hist_resize(dst, lo, hi))
		return -ENOMEM;
	for (size_t i = 0; i < src->n; i++)
		dst->bucket[src->lo - dst->lo + i] += src->bucket[i];
	if (dst->count == 0) {
		dst->count = src->count;
		dst->negative = src->negative;
		dst->min = src->min;
		dst->max = src->max;
		dst->ref = src->ref;
		dst->s1 = src->s1;
		dst->s2 = src->s2;
		return 0;
	}
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	/* Chan et al.: combine two (count, mean, M2) triples, then shift the
	 * result back to dst's reference. */
	hist_moments(dst, &ma, &m2a);
	hist_moments(src, &mb, &m2b);
	na = (double)dst->count;
	nb = (double)src->count;
	n = na + nb;
	delta = mb - ma;
	ma += delta * nb / n;
	m2a += m2b + delta * delta * na * nb / n;
	dst->s1 = (ma - (double)dst->ref) * n;
	dst->s2 = m2a + dst->s1 * dst->s1 / n;
	dst->count += src->count;
	dst->negative += src->negative;
	return 0;
}

bool hist_same(const struct hist *a, const struct hist *b)
{
	size_t lo = a->lo < b->lo ? a->lo : b->lo;
	size_t hi = (size_t)a->lo + a->n > (size_t)b->lo + b->n
			    ? (size_t)a->lo + a->n
			    : (size_t)b->lo + b->n;

	if (a->count != b->count || a->negative != b->negative ||
	    a->min != b->min || a->max != b->max || a->ref != b->ref ||
	    memcmp(&a->s1, &b->s1, sizeof(a->s1)) ||
	    memcmp(&a->s2, &b->s2, sizeof(a->s2)))
		return false;
	for (size_t i = lo; i < hi; i++)
		if (hist_bucket(a, i) != hist_bucket(b, i))
			return false;
	return true;
}

double hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;
	int64_t lower, last;
	double mid;
	size_t i;

	if (h->count == 0)
		return 0;
	if (!(q > 0))
		q = 0;
	if (q > 1)
		q = 1;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	/* No bucket below the minimum's holds a sample. */
	for (i = hist_index(h->min); i < HIST_BUCKETS - 1; i++) {
		if (seen + hist_bucket(h, i) >= rank)
			break;
		seen += hist_bucket(h, i);
	}
	hist_range(i, &lower, &last);
	/* the (rank - seen)-th of the bucket's samples, spread evenly over
	 * the part of it between the minimum and the maximum */
	if (lower < h->min)
		lower = h->min;
	if (last > h->max)
		last = h->max;
	mid = (double)lower +
	      (double)(last - lower) * ((double)(rank - seen) - 0.5) /
		      (double)(hist_bucket(h, i) ? hist_bucket(h, i) : 1);
	if (mid < (double)h->min)
		return (double)h->min;
	if (mid > (double)h->max)
		return (double)h->max;
	return mid;
}

void hist_summary(const struct hist *h, struct stat_summary *s)
{
	double mean, m2;

	memset(s, 0, sizeof(*s));
	if (h->count == 0)
		return;
	hist_moments(h, &mean, &m2);
	s->count = h->count;
	s->mean = mean;
	s->stddev = h->count > 1 ? sqrt(m2 / (double)(h->count - 1)) : 0;
	s->min = (double)h->min;
	s->max = (double)h->max;
	s->p50 = hist_quantile(h, 0.5);
	s->p90 = hist_quantile(h, 0.9);
	s->p99 = hist_quantile(h, 0.99);
	s->p999 = hist_quantile(h, 0.999);
}
