/*
 * warmup.h - `warmup: auto`: each run's warm-up chosen by MSER-5.
 *
 * A run with warmup: auto is preceded by warmup_pilots pilot passes with
 * no warm-up, each with a seed of its own derived from the run's seed and
 * repetition (warmup_pilot_seed()), that collect the values recorded into
 * one histogram (warmup_series) in the order they are recorded; MSER-5 on
 * the pilots' series, averaged batch by batch, chooses the truncation
 * point, and the run (with its own seed) is made with `warmup` set to
 * when that batch began, so that every statistic (histograms, gauges,
 * series) starts there. With warmup_pilots 0 the one pilot is the run
 * itself (the same seed, the same trajectory): MSER-5 on the run's own
 * series, as published.
 */
#ifndef USNSIM_WARMUP_H
#define USNSIM_WARMUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

struct scn;
struct stats;

/* A pilot pass: the batch sums of 5 consecutive values and when each
 * batch's first value was recorded. */
struct warmup_pilot {
	const struct sim *sim;
	double *sum;	    /* per batch: the sum of its values */
	sim_time *first_ps; /* per batch: when its first value came */
	size_t nb, cap;	    /* whole and partial batches; room */
	uint64_t n;	    /* values seen */
	bool nomem;
};

/* What MSER-5 chose, and on what. */
struct warmup_choice {
	size_t d;	 /* the batches truncated */
	size_t k;	 /* the batches of the series MSER-5 was given */
	uint64_t values; /* that series' values (pilots: the shortest's) */
	sim_time at_ps;	 /* the warm-up chosen */
	unsigned pilots; /* warmup_pilots (0: the run's own series) */
};

#define WARMUP_BATCH 5 /* MSER-5: batches of 5 values */

/* Whether s asks for warmup: auto. */
bool warmup_is_auto(const struct scn *s);
/* Checks that warmup_series names a histogram of st (after the topology
 * is built); returns 0 or -EINVAL with "file:line:col: ..." in err. */
int warmup_check(const struct scn *s, struct stats *st, char *err,
		 size_t errlen);
/* Starts collecting the series into p; 0, or -EINVAL as warmup_check. */
int warmup_attach(struct warmup_pilot *p, const struct scn *s, struct stats *st,
		  const struct sim *sim, char *err, size_t errlen);
/* The seed of pilot i (0-based) of repetition rep of a run seeded seed:
 * the project's stream derivation (rng_derive_seed()) of (seed, rep,
 * "warmup.pilot.I"), cut to 53 bits as a scenario's `seed` is, so that a
 * pilot is the run of the scenario with `seed` set to it. */
uint64_t warmup_pilot_seed(uint64_t seed, uint32_t rep, unsigned i);
/* Chooses the truncation point over the np >= 1 pilots p: MSER-5 on the
 * mean, batch by batch, of their batch means over the whole batches all
 * of them have, z_j = (sum_i sum_ij) / (5 np) (summed in pilot order);
 * batch j began at the mean of the pilots' times of its first value
 * (rounded down to the picosecond). Fills c (c->pilots is the caller's);
 * returns 0 or -ENOMEM if a pilot ran out of memory or the average does. */
int warmup_choose(const struct warmup_pilot *p, size_t np,
		  struct warmup_choice *c);
/* Records the choice as end-of-run scalars warmup.auto_ps, auto_batch,
 * auto_batches, auto_values and pilots of st; 0 or -ENOMEM. */
int warmup_record(const struct warmup_choice *c, struct stats *st);
void warmup_fini(struct warmup_pilot *p);

/* MSER-5's choice over k batch means z: the d in [0, k / 2] that
 * minimises sum_{j >= d} (z_j - mean_d)^2 / (k - d)^2 (the first such d);
 * 0 for k < 2. */
size_t warmup_mser(const double *z, size_t k);

#endif
