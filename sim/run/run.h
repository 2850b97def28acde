/*
 * run.h - one run of a scenario: build the topology, simulate, collect.
 *
 * The topology builder reads the effective parameters of a loaded scenario,
 * creates the models, wires their ports and registers their statistics.
 * A bare queue (no `hosts:`) is every app feeding the `network` link, whose
 * far end is a sink that records each app's end-to-end latency. With
 * hosts, an app with `host:` and `peer:` goes app -> NIC TX of its host ->
 * network -> NIC RX of its peer -> sink (models/nic.h).
 */
#ifndef USNSIM_RUN_H
#define USNSIM_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim.h"

struct scn;
struct stats;

struct run_result {
	uint32_t repetition;
	uint64_t seed;	    /* scenario seed (streams derive from it) */
	const char *engine; /* backend name ("native", "ns3"; static) */
	char started[32];   /* ISO 8601 UTC */
	double wall_s;
	uint64_t events;
	sim_time end_ps;
	char fingerprint[17]; /* trajectory hash, 16 hex digits */
	uint32_t hosts_down;  /* hosts a kernel driver crash took down */
	struct stats *stats;  /* owned; freed by run_result_fini() */
	struct sim *sim;      /* owned; the stats refer to it */
};

/* Runs repetition rep of s on its engine (the ns3 engine when the network
 * is an ns-3 one and the scenario leaves `engine` alone). Returns 0;
 * -EINVAL with "file:line:col: ..." in err if the parameters are
 * inconsistent (e.g. warmup >= duration, engine: native with an ns-3
 * network); -EBUSY if the run needs ns-3 and another run of this process
 * holds it; -ENOMEM. Afterwards the engine is frozen (sim_freeze): its
 * clock, events and fingerprint stay readable, ns-3 is free again. */
int run_scenario(const struct scn *s, uint32_t rep, struct run_result *out,
		 char *err, size_t errlen);
void run_result_fini(struct run_result *r);

/* Where run_scenario() says how far a long run is (a line rewritten in
 * place, once a run has taken 2 s; on the native engine), or NULL for
 * nowhere (the default). The results are the same either way. */
void run_progress(FILE *f);

/* Checks what the scenario's parameters cannot check one by one (warm-up
 * shorter than duration, distributions that fit together, apps' host: and
 * peer: naming two different declared hosts, an engine that
 * can run the network, a Wi-Fi station that can associate) by building
 * the topology without running it. When it picks the ns3 engine for an
 * ns-3 network by itself, it keeps a note saying so for run_say_engine().
 * Returns 0, -EINVAL with err filled, -EBUSY (ns-3 in use) or -ENOMEM. */
int run_validate(const struct scn *s, char *err, size_t errlen);
/* A run built and checked but not yet run: what run_validate() builds,
 * kept for the run, so that checking a scenario and running it build the
 * topology once. */
struct run_ready;
/* As run_validate() (same checks, errors and note), building repetition
 * rep and keeping it in *out (NULL on error) for run_ready_run() or
 * run_ready_free(); s must outlive it. An ns3 engine holds ns-3 until
 * then. */
int run_prepare(const struct scn *s, uint32_t rep, struct run_ready **out,
		char *err, size_t errlen);
/* Runs a prepared run and frees it: the results are those of
 * run_scenario(s, rep, out, ...). Returns 0 or -ENOMEM. */
int run_ready_run(struct run_ready *rr, struct run_result *out, char *err,
		  size_t errlen);
void run_ready_free(struct run_ready *rr); /* NULL is a no-op */
/* The statistics and the engine of a prepared run without warmup: auto
 * (which makes passes of its own), for a caller that taps a histogram
 * (stats_hist_tap()) before running it. */
struct stats *run_ready_stats(struct run_ready *rr);
const struct sim *run_ready_sim(const struct run_ready *rr);
/* Says on stderr, once per process, the note of the first scenario whose
 * ns-3 network made run_validate() pick the ns3 engine by itself
 * ("FILE: network.kind ns3-wifi runs on the ns3 engine"). Called once all
 * the input is known to be good, so that bad input is one line on stderr;
 * run_scenario() says it too, for callers that did not validate. */
void run_say_engine(void);

/* Whether a run of s has the statistic name as the results database
 * names it ("component.metric" of a counter or end-of-run scalar,
 * "component.metric.STAT" of a histogram, STAT one of count mean stddev
 * min p50 p90 p99 p999 max, "component.metric.mean|min|max" of a gauge),
 * found by building the topology and finishing it without running.
 * Returns 0, -ENOENT, or an error as run_validate. */
int run_find_metric(const struct scn *s, const char *name, char *err,
		    size_t errlen);

#endif
