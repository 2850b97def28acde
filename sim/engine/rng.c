/*
 * rng.c - independent random streams on GSL's Mersenne Twister.
 *
 * A stream's seed is a pure function of (scenario seed, repetition,
 * component path): the path is hashed with 64-bit FNV-1a and the three
 * words are chained through the splitmix64 finalizer, so a change in any
 * of them changes every bit of the result. gsl_rng_mt19937 keeps only the
 * low 32 bits of its seed, so the 64-bit seed is folded to 32 bits before
 * gsl_rng_set(); two streams of a run collide with probability about
 * 2^-32 per pair, which is acceptable for the few hundred streams a
 * scenario has.
 *
 * Distributions are GSL's. GSL reports bad arguments through its error
 * handler, which aborts by default, so every argument GSL would reject is
 * checked here first. GSL also reports its own allocation failures that
 * way: a program that wants NULL back instead must turn the handler off
 * (gsl_set_error_handler_off()) at start-up; this file does not touch that
 * process-wide setting.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "rng.h"

struct rng {
	gsl_rng *g;
};

struct rng_empirical {
	gsl_ran_discrete_t *table;
	double mean;
	size_t n;
	double value[];
};

static uint64_t rng_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rng_fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t rng_derive_seed(uint64_t seed, uint32_t repetition, const char *path)
{
	uint64_t x;

	x = rng_mix(seed);
	x = rng_mix(x ^ repetition);
	x = rng_mix(x ^ rng_fnv1a(path));
	return x ? x : 0x9e3779b97f4a7c15ULL;
}

struct rng *rng_create(uint64_t seed, uint32_t repetition, const char *path)
{
	uint64_t x = rng_derive_seed(seed, repetition, path);
	unsigned long s = (unsigned long)((x ^ (x >> 32)) & 0xffffffffUL);
	struct rng *r = malloc(sizeof(*r));

	if (!r)
		return NULL;
	r->g = gsl_rng_alloc(gsl_rng_mt19937);
	if (!r->g) {
		free(r);
		return NULL;
	}
	/* GSL replaces a zero seed by its default one: keep streams apart. */
	gsl_rng_set(r->g, s ? s : 1);
	return r;
}

void rng_destroy(struct rng *r)
{
	if (!r)
		return;
	gsl_rng_free(r->g);
	free(r);
}

double rng_uniform01(struct rng *r)
{
	return gsl_rng_uniform_pos(r->g);
}

double rng_uniform(struct rng *r, double a, double b)
{
	return gsl_ran_flat(r->g, a, b);
}

double rng_exponential(struct rng *r, double mean)
{
	return gsl_ran_exponential(r->g, mean);
}

double rng_normal(struct rng *r, double mu, double sigma)
{
	return mu + gsl_ran_gaussian(r->g, sigma);
}

double rng_lognormal(struct rng *r, double zeta, double sigma)
{
	return gsl_ran_lognormal(r->g, zeta, sigma);
}

double rng_pareto(struct rng *r, double a, double b)
{
	return gsl_ran_pareto(r->g, a, b);
}

/*
 * gsl_rng_uniform_int() takes n up to max - min of the generator (2^32 - 1
 * for mt19937). Larger n: two 32-bit draws make a 64-bit word, and words
 * below 2^64 mod n are rejected so that every residue is equally likely.
 * n == 0 returns 0.
 */
uint64_t rng_u64(struct rng *r, uint64_t n)
{
	uint64_t range = (uint64_t)(gsl_rng_max(r->g) - gsl_rng_min(r->g));
	uint64_t threshold, x;

	if (n == 0)
		return 0;
	if (n <= range)
		return gsl_rng_uniform_int(r->g, (unsigned long)n);
	threshold = (0 - n) % n;
	do {
		x = (uint64_t)(gsl_rng_get(r->g) - gsl_rng_min(r->g)) << 32;
		x |= (uint64_t)(gsl_rng_get(r->g) - gsl_rng_min(r->g));
	} while (x < threshold);
	return x % n;
}

struct rng_empirical *rng_empirical_create(const double *value,
					   const double *weight, size_t n)
{
	struct rng_empirical *e;
	double sum = 0, wsum = 0;

	if (n == 0 || !value || !weight)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!(weight[i] >= 0) || !isfinite(weight[i]))
			return NULL;
		sum += weight[i];
		wsum += weight[i] * value[i];
	}
	if (!(sum > 0) || !isfinite(sum))
		return NULL;
	e = malloc(sizeof(*e) + n * sizeof(e->value[0]));
	if (!e)
		return NULL;
	e->table = gsl_ran_discrete_preproc(n, weight);
	if (!e->table) {
		free(e);
		return NULL;
	}
	memcpy(e->value, value, n * sizeof(e->value[0]));
	e->n = n;
	e->mean = wsum / sum;
	return e;
}

void rng_empirical_destroy(struct rng_empirical *e)
{
	if (!e)
		return;
	gsl_ran_discrete_free(e->table);
	free(e);
}

double rng_empirical(struct rng *r, const struct rng_empirical *e)
{
	return e->value[gsl_ran_discrete(r->g, e->table)];
}

double rng_empirical_mean(const struct rng_empirical *e)
{
	return e->mean;
}
