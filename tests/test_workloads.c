/*
 * test_workloads.c - the bundled published flow and message size
 * distributions (models/workload.c) and apps.*.size_table naming them.
 *
 *   - Each table's mean is the mean its source states: the Homa
 *     simulator's distribution files open with their mean (1622.94
 *     packets of 1460 B for web search, 194330.9 B for Hadoop, 718204.9 B
 *     for the cache followers, 440.7907 B and 1001.269 B for Google's
 *     search and all RPCs), the sizes read as points; the PIAS and MQ-ECN
 *     simulations of VL2's data mining read their CDF linearly and give
 *     meanFlowSize = 5117 packets of 1460 B. The oracles are written here
 *     apart from the tables. Tolerance: the stated means' last digit
 *     (5117 is 5116.6 rounded, 8e-5), so 1e-4; the table an app draws
 *     from (sizes rounded to whole bytes, the linear steps written as 32
 *     points each) has the same mean within it.
 *   - The table keeps the published CDF: at every point of the source the
 *     table's cumulative weight is the CDF's value (to 1e-12).
 *   - 200000 draws from each table (rng_empirical) fall at or below the
 *     source's median point with the CDF's probability, within 5 standard
 *     errors of a binomial count.
 *   - A scenario naming a workload loads its table and stores the name;
 *     an unknown name is refused with the list of names.
 *   - A TCP message source drawing 50 web search flows completes all 50,
 *     and the server receives a whole number of 1460 B packets.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "hist.h"
#include "rng.h"
#include "runs.h"
#include "scenario.h"
#include "util.h"
#include "workload.h"

/* The means the sources state, in bytes. */
static const struct {
	const char *name;
	double mean;
} stated[] = {
	{ "websearch", 1622.94 * 1460 }, { "datamining", 5117.0 * 1460 },
	{ "hadoop", 194330.9 },		 { "cache", 718204.9 },
	{ "google_search", 440.7907 },	 { "google_all", 1001.269 },
};

#define NSTATED (sizeof(stated) / sizeof(stated[0]))

static double table_mean(const struct param_table *t)
{
	double sum = 0, w = 0;

	for (size_t i = 0; i < t->n; i++) {
		sum += t->value[i] * t->weight[i];
		w += t->weight[i];
	}
	return sum / w;
}

static void test_means(void)
{
	CHECK_GE(workload_count(), 4);
	CHECK_EQ(workload_count(), NSTATED);
	for (size_t i = 0; i < NSTATED; i++) {
		const struct workload *w = workload_find(stated[i].name);
		struct param_table t;
		double m;

		CHECKF(w != NULL, "no workload %s", stated[i].name);
		if (!w)
			continue;
		CHECKF(strstr(w->source, "SIGCOMM 20") != NULL, "%s: %s",
		       w->name, w->source);
		m = workload_cdf_mean(w);
		SAY("%s: CDF mean %.1f B, stated %.1f B\n", w->name, m,
		    stated[i].mean);
		CHECK_REL(m, stated[i].mean, 1e-4);
		CHECK_EQ_FATAL(workload_table(w, &t), 0);
		CHECK_REL(table_mean(&t), stated[i].mean, 1e-4);
		free(t.value);
		free(t.weight);
	}
}

static void test_cdf_kept(void)
{
	for (size_t k = 0; k < workload_count(); k++) {
		const struct workload *w = workload_at(k);
		struct param_table t;
		size_t j = 0;
		double cum = 0;

		CHECK_EQ_FATAL(workload_table(w, &t), 0);
		for (size_t i = 0; i < w->n; i++) {
			double x = w->cdf[i][0] * w->unit_bytes;

			/* a jump: the CDF's value after it, at its last row */
			if (i + 1 < w->n && w->cdf[i + 1][0] == w->cdf[i][0])
				continue;

			while (j < t.n && t.value[j] <= x + 0.5)
				cum += t.weight[j++];
			CHECKF(fabs(cum - w->cdf[i][1]) < 1e-12,
			       "%s: P(size <= %.0f) = %.15g, the CDF says %.15g",
			       w->name, x, cum, w->cdf[i][1]);
		}
		CHECK_EQ(j, t.n);
		free(t.value);
		free(t.weight);
	}
}

static void test_draws(void)
{
	const size_t n = 200000;

	for (size_t k = 0; k < workload_count(); k++) {
		const struct workload *w = workload_at(k);
		struct rng *r = rng_create(42, 0, w->name);
		struct rng_empirical *e;
		struct param_table t;
		size_t below = 0, mid = w->n / 2;
		double x, p, sd;

		CHECK_EQ_FATAL(workload_table(w, &t), 0);
		e = rng_empirical_create(t.value, t.weight, t.n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		x = w->cdf[mid][0] * w->unit_bytes;
		p = w->cdf[mid][1];
		for (size_t i = 0; i < n; i++)
			below += rng_empirical(r, e) <= x + 0.5;
		sd = sqrt((double)n * p * (1 - p));
		SAY("%s: %zu of %zu draws <= %.0f B, expected %.0f\n", w->name,
		    below, n, x, p * (double)n);
		CHECKF(fabs((double)below - p * (double)n) <= 5 * sd,
		       "%s: %zu draws <= %.0f B, expected %.0f +- %.0f",
		       w->name, below, x, p * (double)n, 5 * sd);
		rng_empirical_destroy(e);
		rng_destroy(r);
		free(t.value);
		free(t.weight);
	}
}

static void test_scenario(void)
{
	static const char text[] =
		"duration: 1ms\n"
		"apps:\n"
		"  a: { size_dist: empirical, size_table: %s }\n";
	const struct workload *w = workload_find("google_search");
	struct param_table t;
	const struct param_val *v;
	struct scn *s = NULL;
	char path[64], buf[256], err[512];

	snprintf(buf, sizeof(buf), text, "google_search");
	CHECK_EQ_FATAL(tu_write_tmp(path, sizeof(path), buf), 0);
	if (tr_load(path, NULL, 0, &s))
		goto out;
	CHECKF(!strcmp(scn_text(s, "apps.a.size_table"), "google_search"),
	       "stored as %s", scn_text(s, "apps.a.size_table"));
	v = scn_get(s, "apps.a.size_table");
	CHECK_EQ_FATAL(workload_table(w, &t), 0);
	CHECKF(v && v->u.table->n == t.n &&
		       !memcmp(v->u.table->value, t.value,
			       t.n * sizeof(double)) &&
		       !memcmp(v->u.table->weight, t.weight,
			       t.n * sizeof(double)),
	       "the loaded table is not google_search's");
	free(t.value);
	free(t.weight);
	scn_destroy(s);
	s = NULL;
	unlink(path);
	snprintf(buf, sizeof(buf), text, "web_search");
	CHECK_EQ_FATAL(tu_write_tmp(path, sizeof(path), buf), 0);
	CHECK_EQ(scn_load(path, NULL, 0, &s, err, sizeof(err)), -EINVAL);
	CHECKF(strstr(err, ":3:42: apps.a.size_table: expected a list") &&
		       strstr(err, "name (websearch, datamining, hadoop, "
				   "cache, google_search, google_all), not "
				   "'web_search'"),
	       "%s", err);
out:
	unlink(path);
	scn_destroy(s);
}

/* A TCP message source drawing web search flows: every flow completes
 * and the server receives a whole number of 1460 B packets (every size
 * of the table is one; the app's default, 1500 B, is not). */
static void test_tcp_flows(void)
{
	static const char text[] =
		"duration: 2s\n"
		"hosts:\n"
		"  client: { nic: { iommu: { enabled: false } } }\n"
		"  server: { like: client }\n"
		"network: { kind: link, rate: 10Gbps }\n"
		"apps:\n"
		"  flows: { host: client, peer: server, transport: tcp, stack: user,\n"
		"           pattern: poisson, rate: 100pps, count: 50,\n"
		"           size_dist: empirical, size_table: websearch }\n";
	struct run_result r;
	double bytes, flows;

	if (tr_run_text(text, NULL, 0, &r, NULL))
		return;
	bytes = tr_metric(&r, "hosts.server.tcp.flows", "bytes_received");
	flows = tr_histo(&r, "apps.flows", "mct")
			? (double)tr_histo(&r, "apps.flows", "mct")->count
			: NAN;
	SAY("50 web search flows: %.0f B, %.0f completed\n", bytes, flows);
	CHECK_EQ(flows, 50);
	CHECK_GT(bytes, 0);
	CHECK_EQ(fmod(bytes, 1460), 0);
	run_result_fini(&r);
}

int suite_workloads(void)
{
	CU_pSuite s = CU_add_suite("workloads", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "each table's mean is its source's", test_means) ||
	    !CU_add_test(s, "the table keeps the published CDF",
			 test_cdf_kept) ||
	    !CU_add_test(s, "draws follow the CDF", test_draws) ||
	    !CU_add_test(s, "size_table: NAME in a scenario", test_scenario) ||
	    !CU_add_test(s, "web search flows over TCP", test_tcp_flows))
		return CU_get_error();
	return 0;
}
