/*
 * warmup.h - `warmup: auto`: each run's warm-up chosen by MSER-5.
 *
 * A run with warmup: auto is made twice with the same seed, hence the same
 * trajectory: a pilot pass with no warm-up collects the values recorded
 * into one histogram (warmup_series) in the order they are recorded, and
 * MSER-5 on them chooses the truncation point; the run is then made again
 * with `warmup` set to the time its first kept value was recorded, so that
 * every statistic (histograms, gauges, series) starts there.
 */
#ifndef USNSIM_WARMUP_H
#define USNSIM_WARMUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

struct scn;
struct stats;

/* A pilot pass: the batch means of 5 consecutive values and when each
 * batch's first value was recorded. */
struct warmup_pilot {
	const struct sim *sim;
	double *sum;	    /* per batch: the sum of its values */
	sim_time *first_ps; /* per batch: when its first value came */
	size_t nb, cap;	    /* whole and partial batches; room */
	uint64_t n;	    /* values seen */
	size_t d;	    /* the batches truncated (chosen) */
	sim_time at_ps;	    /* the warm-up chosen */
	bool nomem;
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
/* Chooses the truncation point of the collected series (p->d, p->at_ps);
 * returns 0 or -ENOMEM if the pilot ran out of memory. */
int warmup_choose(struct warmup_pilot *p);
/* Records the choice as end-of-run scalars warmup.auto_ps, auto_batch,
 * auto_batches and auto_values of st; 0 or -ENOMEM. */
int warmup_record(const struct warmup_pilot *p, struct stats *st);
void warmup_fini(struct warmup_pilot *p);

/* MSER-5's choice over k batch means z: the d in [0, k / 2] that
 * minimises sum_{j >= d} (z_j - mean_d)^2 / (k - d)^2 (the first such d);
 * 0 for k < 2. */
size_t warmup_mser(const double *z, size_t k);

#endif
