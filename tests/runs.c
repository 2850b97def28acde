/*
 * runs.c - scenarios run in the suite's own process, and their statistics
 * read by name (runs.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "runs.h"
#include "stats.h"
#include "util.h"

#define MAXSETS 16

int tr_verbose(void)
{
	const char *v = getenv("USNSIM_TEST_VERBOSE");

	return v && *v && strcmp(v, "0");
}

/* A counter, scalar or histogram mean; NAN if absent. */
double tr_metric(const struct run_result *r, const char *comp, const char *name)
{
	struct stat_info si;

	if (stats_find(r->stats, comp, name, &si))
		return NAN;
	switch (si.kind) {
	case STAT_COUNTER:
		return (double)*si.u.counter;
	case STAT_SCALAR:
		return si.u.scalar;
	case STAT_HIST:
		return hist_mean(&si.u.hist->hist);
	case STAT_GAUGE:
		return stats_gauge_mean(si.u.gauge);
	default:
		return NAN;
	}
}

/* tr_metric() of component fmt % arg. */
double tr_metricf(const struct run_result *r, const char *name, const char *fmt,
		  const char *arg)
{
	char comp[192];

	snprintf(comp, sizeof(comp), fmt, arg);
	return tr_metric(r, comp, name);
}

const struct hist *tr_histo(const struct run_result *r, const char *comp,
			    const char *name)
{
	struct stat_info si;

	if (stats_find(r->stats, comp, name, &si) || si.kind != STAT_HIST)
		return NULL;
	return &si.u.hist->hist;
}

int tr_load(const char *path, const char *const *sets, size_t n, struct scn **s)
{
	char err[512];
	int rc = scn_load(path, sets, n, s, err, sizeof(err));

	CHECKF(rc == 0, "%s", err);
	return rc;
}

int tr_run_sets(const char *path, const char *const *sets, size_t n,
		struct run_result *r, struct scn **keep)
{
	struct scn *s = NULL;
	char err[512];
	int rc = tr_load(path, sets, n, &s);

	if (rc)
		return rc;
	rc = run_scenario(s, 0, r, err, sizeof(err));
	CHECKF(rc == 0, "%s: %s", path, err);
	if (!rc)
		CHECKF(r->hosts_down == 0, "%s: %u hosts down", path,
		       r->hosts_down);
	if (keep && !rc)
		*keep = s;
	else
		scn_destroy(s);
	return rc;
}

/* Runs a scenario given as text with overrides; keep gets the scenario. */
int tr_run_text(const char *text, const char *const *sets, size_t n,
		struct run_result *r, struct scn **keep)
{
	char path[64];
	int rc;

	if (tu_write_tmp(path, sizeof(path), text)) {
		CHECKF(0, "cannot write a temporary scenario");
		return -1;
	}
	rc = tr_run_sets(path, sets, n, r, keep);
	unlink(path);
	return rc;
}

/* Runs sweep point i of path with extra sets after the point's. */
int tr_run_point(const char *path, const struct sweep *sw, size_t i,
		 const char *const *extra, size_t nextra, struct run_result *r,
		 struct scn **keep)
{
	const char *const *psets;
	size_t np = sweep_point_sets(sw, i, &psets);
	const char *sets[MAXSETS];
	size_t n = 0;

	for (size_t k = 0; k < np && n < MAXSETS; k++)
		sets[n++] = psets[k];
	for (size_t k = 0; k < nextra && n < MAXSETS; k++)
		sets[n++] = extra[k];
	return tr_run_sets(path, sets, n, r, keep);
}

/* Loads path and expands its sweep; 0 or -1 (reported). */
int tr_expand(const char *path, struct scn **base, struct sweep **sw)
{
	char err[512];

	if (tr_load(path, NULL, 0, base))
		return -1;
	if (sweep_expand(*base, sw, err, sizeof(err))) {
		CHECKF(0, "%s: %s", path, err);
		scn_destroy(*base);
		*base = NULL;
		return -1;
	}
	return 0;
}
