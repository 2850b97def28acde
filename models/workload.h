/*
 * workload.h - published flow and message size distributions, by name.
 *
 * Datacenter studies publish the sizes of their flows or messages as a
 * CDF of a few dozen points; transport papers' simulators (pFabric, PIAS,
 * Homa) ship them as files, which later papers reuse so that results
 * compare. usnsim bundles the best known of them: an app draws from one
 * with `size_dist: empirical, size_table: NAME` (a scenario may still give
 * its own table inline). Each keeps its CDF as published, its size unit,
 * how its simulator reads it (the points only, or linear between them)
 * and the mean the source states, which the tests check the table
 * against (tests/test_workloads.c).
 */
#ifndef USNSIM_WORKLOAD_H
#define USNSIM_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "param.h"

struct workload {
	const char *name;   /* as a scenario writes it: websearch */
	const char *about;  /* what was measured */
	const char *source; /* the study, and the file the CDF comes from */
	double unit_bytes;  /* size unit of the CDF (1460: packets of 1460 B) */
	bool linear;	    /* sizes between points (true) or the points only */
	double mean;	    /* the mean the source states, in unit_bytes */
	const double (*cdf)[2]; /* (size, cumulative probability), rising */
	size_t n;
};

size_t workload_count(void);
const struct workload *workload_at(size_t i);
/* The workload of that name, or NULL. */
const struct workload *workload_find(const char *name);
/* "websearch, datamining, ..." into buf, for messages; returns buf. */
const char *workload_names(char *buf, size_t n);
/* The table an app draws from: whole-byte sizes and their probabilities.
 * The points of a CDF read as points weigh their CDF step; a CDF read
 * linearly is uniform between its points, written as WORKLOAD_SPLIT
 * sizes at the centres of equal parts of each step (the same mean), and
 * a point where the CDF jumps keeps its jump. Fills out (arrays
 * malloc'ed, the caller frees them). Returns 0 or -ENOMEM. */
#define WORKLOAD_SPLIT 32
int workload_table(const struct workload *w, struct param_table *out);
/* The mean of the distribution as its source reads it, in bytes. */
double workload_cdf_mean(const struct workload *w);

#endif
