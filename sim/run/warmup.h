/*
 * warmup.h - `warmup: auto`: each run's warm-up chosen by MSER-5.
 *
 * A run with warmup: auto is preceded by warmup_pilots pilot passes with
 * no warm-up, each with a seed of its own derived from the scenario's
 * seed alone (warmup_pilot_seed()), so that every repetition of a
 * scenario has the same pilots and the same warm-up; they collect the
 * values recorded into one histogram (warmup_series) in the order they
 * are recorded; MSER-5 on the pilots' series, averaged batch by batch
 * (struct warmup_mean), chooses the truncation point, and the run (with
 * its own seed) is made with `warmup` set to when that batch began, so
 * that every statistic (histograms, gauges, series) starts there. With
 * warmup_pilots 0 the one pilot is the run itself (the same seed, the same
 * trajectory): MSER-5 on the run's own series, as published.
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

/* The series of np pilots averaged batch by batch, a pilot at a time as
 * each ends (warmup_mean_add()), over the whole batches all of them have:
 * one pilot's series in memory at a time. */
struct warmup_mean {
	double *sum;	  /* per batch: the pilots' sums, in pilot order */
	sim_time *q, *r;  /* per batch: sum over pilots of t / np, t % np */
	size_t k;	  /* the whole batches every pilot so far has */
	uint64_t values;  /* the values of the shortest pilot so far */
	size_t np, added; /* the pilots in all (set by the caller); so far */
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
/* The seed of pilot i (0-based) of a scenario seeded seed: the project's
 * stream derivation (rng_derive_seed()) of (seed, repetition 0,
 * "warmup.pilot.I"), cut to 53 bits as a scenario's `seed` is, so that
 * pilot i is repetition 0 of the scenario with `seed` set to it, whatever
 * the repetition it chooses the warm-up for. */
uint64_t warmup_pilot_seed(uint64_t seed, unsigned i);
/* Adds the series of pilot p (the next one, in pilot order) to m, whose
 * np the caller has set; 0, or -ENOMEM if the pilot ran out of memory or
 * the mean does. */
int warmup_mean_add(struct warmup_mean *m, const struct warmup_pilot *p);
/* Chooses the truncation point over the m->np pilots added to m: MSER-5
 * on the mean, batch by batch, of their batch means, z_j = (sum_i sum_ij)
 * / (5 np) (summed in pilot order); batch j began at the mean of the
 * pilots' times of its first value (rounded down to the picosecond).
 * Fills c (c->pilots is the caller's); 0 or -ENOMEM. */
int warmup_choose(const struct warmup_mean *m, struct warmup_choice *c);
void warmup_mean_fini(struct warmup_mean *m);
/* Records the choice as end-of-run scalars warmup.auto_ps, auto_batch,
 * auto_batches, auto_values and pilots of st; 0 or -ENOMEM. */
int warmup_record(const struct warmup_choice *c, struct stats *st);
void warmup_fini(struct warmup_pilot *p);

/* MSER-5's choice over k batch means z: the d in [0, k / 2] that
 * minimises sum_{j >= d} (z_j - mean_d)^2 / (k - d)^2 (the first such d);
 * 0 for k < 2. */
size_t warmup_mser(const double *z, size_t k);

#endif
