/*
 * run.h - one run of a scenario: build the topology, simulate, collect.
 *
 * The topology builder reads the effective parameters of a loaded scenario,
 * creates the models, wires their ports and registers their statistics.
 * A bare queue (no `hosts:`) is every app feeding the `network` link, whose
 * far end is a sink that records each app's end-to-end latency.
 */
#ifndef USNSIM_RUN_H
#define USNSIM_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

struct scn;
struct stats;

struct run_result {
	uint32_t repetition;
	uint64_t seed;	    /* scenario seed (streams derive from it) */
	const char *engine; /* backend name */
	char started[32];   /* ISO 8601 UTC */
	double wall_s;
	uint64_t events;
	sim_time end_ps;
	char fingerprint[17]; /* trajectory hash, 16 hex digits */
	struct stats *stats;  /* owned; freed by run_result_fini() */
	struct sim *sim;      /* owned; the stats refer to it */
};

/* Runs repetition rep of s. Returns 0; -EINVAL with "file:line:col: ..." in
 * err if the parameters are inconsistent (e.g. warmup >= duration);
 * -ENOMEM. */
int run_scenario(const struct scn *s, uint32_t rep, struct run_result *out,
		 char *err, size_t errlen);
void run_result_fini(struct run_result *r);

/* Checks what the scenario's parameters cannot check one by one (warm-up
 * shorter than duration, distributions that fit together) by building the
 * topology without running it. Returns 0, -EINVAL with err filled, or
 * -ENOMEM. */
int run_validate(const struct scn *s, char *err, size_t errlen);

#endif
