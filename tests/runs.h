/*
 * runs.h - scenarios run in the suite's own process (the end-to-end model
 * suites: test_stack.c, test_hostpool.c, test_lowlat.c): load with
 * overrides, run, read statistics by name. The rest of the test library
 * (checks that print values, child processes, temporary files, SQL) is
 * util.h.
 */
#ifndef USNSIM_TEST_RUNS_H
#define USNSIM_TEST_RUNS_H

#include <stddef.h>
#include <stdio.h>

#include "hist.h"
#include "run.h"
#include "scenario.h"
#include "sweep.h"

/* USNSIM_TEST_VERBOSE=1 prints what the tests observe. */
int tr_verbose(void);
#define SAY(...)                                      \
	do {                                          \
		if (tr_verbose())                     \
			fprintf(stderr, __VA_ARGS__); \
	} while (0)

/* A counter, scalar, histogram mean or gauge mean; NAN if absent. */
double tr_metric(const struct run_result *r, const char *comp,
		 const char *name);
/* tr_metric() of component fmt % arg. */
double tr_metricf(const struct run_result *r, const char *name, const char *fmt,
		  const char *arg);
/* A histogram, or NULL. */
const struct hist *tr_histo(const struct run_result *r, const char *comp,
			    const char *name);
/* Loads path with overrides (a CUnit failure says why); 0 or -errno. */
int tr_load(const char *path, const char *const *sets, size_t n,
	    struct scn **s);
/* Loads and runs path with sets (no host may end down); fills r and, if
 * keep, keeps the scenario. */
int tr_run_sets(const char *path, const char *const *sets, size_t n,
		struct run_result *r, struct scn **keep);
/* Runs a scenario given as text with overrides. */
int tr_run_text(const char *text, const char *const *sets, size_t n,
		struct run_result *r, struct scn **keep);
/* Runs sweep point i of path with extra sets after the point's. */
int tr_run_point(const char *path, const struct sweep *sw, size_t i,
		 const char *const *extra, size_t nextra, struct run_result *r,
		 struct scn **keep);
/* Loads path and expands its sweep. */
int tr_expand(const char *path, struct scn **base, struct sweep **sw);

#endif
