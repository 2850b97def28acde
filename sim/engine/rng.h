/*
 * rng.h - independent random streams, one per component.
 *
 * A stream's seed is derived from (scenario seed, repetition, component
 * path) by hashing, so adding a component does not shift the draws of
 * another, and the same repetition index gives the same draws at every
 * sweep point (common random numbers). The generator and the distributions
 * are GSL's (gsl_rng_mt19937 and gsl_ran_*); never ns-3's, so results do not
 * depend on the engine backend.
 */
#ifndef USNSIM_RNG_H
#define USNSIM_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng;
struct rng_empirical;

/* The 64-bit seed a stream gets (exposed for tests and the database). */
uint64_t rng_derive_seed(uint64_t seed, uint32_t repetition, const char *path);

/* Returns a stream, or NULL on allocation failure. */
struct rng *rng_create(uint64_t seed, uint32_t repetition, const char *path);
void rng_destroy(struct rng *r); /* NULL is a no-op */

double rng_uniform01(struct rng *r);		       /* in (0, 1) */
double rng_uniform(struct rng *r, double a, double b); /* in [a, b) */
double rng_exponential(struct rng *r, double mean);
double rng_normal(struct rng *r, double mu, double sigma);
/* Lognormal with parameters of the underlying normal (zeta, sigma). */
double rng_lognormal(struct rng *r, double zeta, double sigma);
/* Pareto with shape a > 0 and scale (minimum) b > 0. */
double rng_pareto(struct rng *r, double a, double b);
uint64_t rng_u64(struct rng *r, uint64_t n); /* uniform in [0, n), n > 0 */

/* Empirical: value[i] drawn with probability weight[i] / sum(weight).
 * Returns NULL if n == 0, a weight is negative, all are 0, or no memory. */
struct rng_empirical *rng_empirical_create(const double *value,
					   const double *weight, size_t n);
void rng_empirical_destroy(struct rng_empirical *e); /* NULL is a no-op */
double rng_empirical(struct rng *r, const struct rng_empirical *e);
/* The mean of the table (for converting a bit rate to a packet rate). */
double rng_empirical_mean(const struct rng_empirical *e);

#endif
