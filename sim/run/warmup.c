/*
 * warmup.c - `warmup: auto`: MSER-5 truncation of each run's initial
 * transient.
 *
 * MSER (White 1997, "An effective truncation heuristic for bias reduction
 * in simulation output", Simulation 69(6); MSER-5 in White, Cobb and Spratt
 * 2000, "A comparison of five steady-state truncation heuristics for
 * simulation", WSC): the values y_1 .. y_n of one run are grouped into
 * k = floor(n / 5) batches of 5 consecutive values with means z_1 .. z_k
 * (a partial last batch is left out), and the truncation is the d in
 * [0, k / 2] that minimises
 *
 *     MSER(d) = sum_{j > d} (z_j - zbar_d)^2 / (k - d)^2,
 *
 * zbar_d the mean of the batches after d: the standard error of the mean
 * of what is kept, which falls while the transient is cut and rises again
 * when cutting only loses data. Restricting d to the first half is
 * White's guard against a choice that keeps too little. The sums are
 * accumulated from the last batch backwards (Welford's update), one pass.
 *
 * The values are those recorded into one histogram (warmup_series), in the
 * order a pass of the run records them; a pilot pass collects them
 * through the histogram's tap (stats_hist_tap()), one sum and one time
 * per 5 values, in an array that doubles when full (O(log n) allocations
 * a run, never one per packet).
 *
 * The series MSER-5 is given (warmup_pilots = K): with K >= 1, the mean,
 * batch by batch, of K pilot passes made with seeds of their own
 * (warmup_pilot_seed()), so independent of the run and of each other,
 * and the same for every repetition of the scenario: one warm-up for all
 * of them, as in the replication/deletion approach (Law, "Simulation
 * Modeling and Analysis", 5th ed., 2015, sec. 9.5) and AutoWU, which
 * choose the warm-up of a model once, on pilot replications, and delete
 * it from every production run; with K = 0, the run's own series (the
 * pilot has the run's seed). A cut
 * chosen on the very values it then averages is biased: MSER-5 cuts where
 * the rest of the run varies least, which at high load is also where the
 * queue happened to be high, so the mean of what is kept is biased low
 * (measured in docs/guide/running.md#warm-up). A cut chosen on independent
 * trajectories has no such selection, and averaging K of them before
 * MSER-5 (Hoad, Robinson and Davies 2010, "Automating warm-up length
 * estimation", J. Oper. Res. Soc. 61(9): MSER-5 on the mean of 5
 * replications) shows the transient with less noise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "scenario.h"
#include "stats.h"
#include "warmup.h"

bool warmup_is_auto(const struct scn *s)
{
	return scn_time(s, "warmup") == PARAM_TIME_AUTO;
}

/* The histogram warmup_series names, into comp (its component) and
 * *metric; -EINVAL with a message if it is not "component.metric" of one
 * of st's histograms. */
static int warmup_series(const struct scn *s, struct stats *st, char *comp,
			 size_t n, const char **metric, char *err,
			 size_t errlen)
{
	const char *v = scn_str(s, "warmup_series");
	const char *dot = strrchr(v, '.');
	const char *const *apps;
	struct stat_info si;
	char where[256];

	if (!*v) {
		if (!scn_instances(s, "apps", &apps)) {
			scn_where(s, "warmup", where, sizeof(where));
			snprintf(
				err, errlen,
				"%s: warmup: auto reads the latency of the first app, and the scenario has no apps: name a histogram with warmup_series",
				where);
			return -EINVAL;
		}
		snprintf(comp, n, "apps.%s", apps[0]);
		*metric = "latency";
		return 0;
	}
	if (dot && dot != v && (size_t)(dot - v) < n) {
		memcpy(comp, v, (size_t)(dot - v));
		comp[dot - v] = '\0';
		*metric = dot + 1;
		if (!stats_find(st, comp, *metric, &si) && si.kind == STAT_HIST)
			return 0;
	}
	scn_where(s, "warmup_series", where, sizeof(where));
	snprintf(
		err, errlen,
		"%s: warmup_series: '%.80s' is no histogram of this scenario (component.metric, e.g. apps.NAME.latency or network.queue_delay)",
		where, v);
	return -EINVAL;
}

int warmup_check(const struct scn *s, struct stats *st, char *err,
		 size_t errlen)
{
	char comp[200];
	const char *metric;

	return warmup_series(s, st, comp, sizeof(comp), &metric, err, errlen);
}

/* The tap: one more value of the series. */
static void warmup_value(void *arg, int64_t v)
{
	struct warmup_pilot *p = arg;
	size_t b = (size_t)(p->n / WARMUP_BATCH);

	if (b == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 1024;
		double *sum = realloc(p->sum, cap * sizeof(*sum));
		sim_time *t;

		if (sum)
			p->sum = sum;
		t = sum ? realloc(p->first_ps, cap * sizeof(*t)) : NULL;
		if (!t) {
			p->nomem = true;
			return;
		}
		p->first_ps = t;
		p->cap = cap;
	}
	if (p->n % WARMUP_BATCH == 0) {
		p->sum[b] = 0;
		p->first_ps[b] = sim_now(p->sim);
		p->nb = b + 1;
	}
	p->sum[b] += (double)v;
	p->n++;
}

int warmup_attach(struct warmup_pilot *p, const struct scn *s, struct stats *st,
		  const struct sim *sim, char *err, size_t errlen)
{
	char comp[200];
	const char *metric;
	int rc = warmup_series(s, st, comp, sizeof(comp), &metric, err, errlen);

	memset(p, 0, sizeof(*p));
	p->sim = sim;
	if (rc)
		return rc;
	return stats_hist_tap(st, comp, metric, warmup_value, p);
}

size_t warmup_mser(const double *z, size_t k)
{
	double mean = 0, m2 = 0, best = 0;
	size_t d = 0;

	if (k < 2)
		return 0;
	/* from the last batch back to the first: the mean and the sum of
	 * squared deviations of z_j .. z_{k-1}, Welford's update */
	for (size_t j = k; j-- > 0;) {
		double c = (double)(k - j), delta = z[j] - mean, stat;

		mean += delta / c;
		m2 += delta * (z[j] - mean);
		stat = m2 / (c * c);
		if (j <= k / 2 && (j == k / 2 || stat <= best)) {
			best = stat;
			d = j;
		}
	}
	return d;
}

uint64_t warmup_pilot_seed(uint64_t seed, unsigned i)
{
	char path[32];

	snprintf(path, sizeof(path), "warmup.pilot.%u", i);
	return rng_derive_seed(seed, 0, path) & ((1ULL << 53) - 1);
}

int warmup_mean_add(struct warmup_mean *m, const struct warmup_pilot *p)
{
	size_t k = (size_t)(p->n / WARMUP_BATCH);
	sim_time n = (sim_time)m->np;

	if (p->nomem)
		return -ENOMEM;
	if (!m->added) {
		/* the first pilot sizes the mean: later ones can only
		 * shorten it */
		m->sum = calloc(k ? k : 1, sizeof(*m->sum));
		m->q = calloc(k ? k : 1, sizeof(*m->q));
		m->r = calloc(k ? k : 1, sizeof(*m->r));
		if (!m->sum || !m->q || !m->r)
			return -ENOMEM;
		m->k = k;
		m->values = p->n;
	}
	if (k < m->k)
		m->k = k;
	if (p->n < m->values)
		m->values = p->n;
	/* the times as sum_i (t / np) plus the remainders, which cannot
	 * overflow as a plain sum of np times can */
	for (size_t j = 0; j < m->k; j++) {
		m->sum[j] += p->sum[j];
		m->q[j] += p->first_ps[j] / n;
		m->r[j] += p->first_ps[j] % n;
	}
	m->added++;
	return 0;
}

int warmup_choose(const struct warmup_mean *m, struct warmup_choice *c)
{
	sim_time n = (sim_time)m->np;
	double *z;

	c->values = m->added ? m->values : 0;
	c->k = (size_t)(c->values / WARMUP_BATCH);
	c->d = 0;
	c->at_ps = 0;
	if (c->k < 2)
		return 0;
	z = malloc(c->k * sizeof(*z));
	if (!z)
		return -ENOMEM;
	for (size_t j = 0; j < c->k; j++)
		z[j] = m->sum[j] / (WARMUP_BATCH * (double)m->np);
	c->d = warmup_mser(z, c->k);
	free(z);
	c->at_ps = c->d ? m->q[c->d] + m->r[c->d] / n : 0;
	return 0;
}

void warmup_mean_fini(struct warmup_mean *m)
{
	free(m->sum);
	free(m->q);
	free(m->r);
	m->sum = NULL;
	m->q = m->r = NULL;
}

int warmup_record(const struct warmup_choice *c, struct stats *st)
{
	if (stats_scalar(st, "warmup", "auto_ps", "ps", (double)c->at_ps) ||
	    stats_scalar(st, "warmup", "auto_batch", "", (double)c->d) ||
	    stats_scalar(st, "warmup", "auto_batches", "", (double)c->k) ||
	    stats_scalar(st, "warmup", "auto_values", "", (double)c->values) ||
	    stats_scalar(st, "warmup", "pilots", "", (double)c->pilots))
		return -ENOMEM;
	return 0;
}

void warmup_fini(struct warmup_pilot *p)
{
	free(p->sum);
	free(p->first_ps);
	p->sum = NULL;
	p->first_ps = NULL;
}
