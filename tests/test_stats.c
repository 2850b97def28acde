/*
 * test_stats.c - the statistics registry on the native engine.
 *
 * Gauges, histograms and counters are driven by hand-made schedules of
 * events whose time-weighted means, counts and sample points are worked
 * out by hand in the comments; warm-up boundaries are hit exactly.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "rng.h"
#include "run.h"
#include "scenario.h"
#include "stats.h"
#include "util.h"

struct step {
	sim_time t_ps;
	double value;
};

static void ev_set(struct sim *sim, void *a, void *b)
{
	(void)sim;
	stats_gauge_set(a, ((const struct step *)b)->value);
}

static void ev_add(struct sim *sim, void *a, void *b)
{
	(void)sim;
	stats_gauge_add(a, *(const double *)b);
}

static void ev_count(struct sim *sim, void *a, void *b)
{
	(void)sim;
	(void)b;
	(*(uint64_t *)a)++;
}

static void ev_record(struct sim *sim, void *a, void *b)
{
	(void)b;
	stats_hist_record(a, sim->now);
}

static void schedule_steps(struct sim *sim, struct stat_gauge *g,
			   const struct step *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK_NE_FATAL(sim_schedule_at(sim, s[i].t_ps, ev_set, g,
					       (void *)&s[i]),
			       0);
}

/* 2 for 3us, then 5 for 1us: mean over [0, 4us] = (6 + 5) / 4 = 2.75. */
static void test_gauge_mean(void)
{
	static const struct step s[] = { { 0, 2 }, { 3 * SIM_US, 5 } };
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 0, 0) : NULL;
	struct stat_gauge *g;

	CU_ASSERT_FATAL(st != NULL);
	g = stats_gauge(st, "q", "len", "packets");
	CU_ASSERT_FATAL(g != NULL);
	schedule_steps(sim, g, s, 2);
	CHECK_EQ(stats_gauge_mean(g), 0); /* empty interval */
	sim_run(sim, 2 * SIM_US);
	CHECK_NEAR(stats_gauge_mean(g), 2, 1e-12);
	sim_run(sim, 3500 * SIM_NS);
	CHECK_NEAR(stats_gauge_mean(g), (6 + 2.5) / 3.5, 1e-12);
	sim_run(sim, 4 * SIM_US);
	CHECK_NEAR(stats_gauge_mean(g), 2.75, 1e-12);
	CHECK_EQ(g->last_ps, 3 * SIM_US); /* mean did not modify it */
	stats_finish(st);
	CHECK_EQ(g->last_ps, 4 * SIM_US);
	CHECK_NEAR(g->area, 11e6, 1e-6);
	CHECK_NEAR(stats_gauge_mean(g), 2.75, 1e-12);
	/* The initial 0 lasted no time: not part of min/max. */
	CHECK_EQ(g->min, 2);
	CHECK_EQ(g->max, 5);
	stats_destroy(st);
	sim_destroy(sim);
}

/*
 * Warm-up 1us. 7 on [0, 0.5us), 2 on [0.5us, 3us), 5 on [3us, 4us]:
 * over [1us, 4us] the mean is (2 * 2 + 5 * 1) / 3 = 3, min 2 (in force at
 * warm-up), max 5; the 7 is excluded. A second gauge is replaced exactly
 * at warm-up, so its earlier 9 never counts: 1 on [1us, 4us].
 */
static void test_gauge_warmup(void)
{
	static const struct step s[] = { { 0, 7 },
					 { 500 * SIM_NS, 2 },
					 { 3 * SIM_US, 5 } };
	static const struct step r[] = { { 200 * SIM_NS, 9 }, { SIM_US, 1 } };
	static const double plus3 = 3, minus1 = -1;
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, SIM_US, 0) : NULL;
	struct stat_gauge *g, *h, *idle, *added;

	CU_ASSERT_FATAL(st != NULL);
	g = stats_gauge(st, "a", "g", "");
	h = stats_gauge(st, "a", "h", "");
	idle = stats_gauge(st, "a", "idle", "");
	added = stats_gauge(st, "a", "added", "");
	CU_ASSERT_FATAL(g && h && idle && added);
	schedule_steps(sim, g, s, 3);
	schedule_steps(sim, h, r, 2);
	/* added: +3 at 0.5us, -1 at 2us: 3 on [1, 2], 2 on [2, 4] -> 7/3 */
	sim_schedule_at(sim, 500 * SIM_NS, ev_add, added, (void *)&plus3);
	sim_schedule_at(sim, 2 * SIM_US, ev_add, added, (void *)&minus1);

	sim_run(sim, 800 * SIM_NS);
	CHECK_EQ(stats_gauge_mean(g), 0);
	CHECK_EQ(g->area, 0);
	sim_run(sim, 2 * SIM_US);
	CHECK_NEAR(stats_gauge_mean(g), 2, 1e-12);
	sim_run(sim, 4 * SIM_US);
	stats_finish(st);
	CHECK_NEAR(stats_gauge_mean(g), 3, 1e-12);
	CHECK_NEAR(g->area, 9e6, 1e-6);
	CHECK_EQ(g->min, 2);
	CHECK_EQ(g->max, 5);
	CHECK_NEAR(stats_gauge_mean(h), 1, 1e-12);
	CHECK_EQ(h->min, 1);
	CHECK_EQ(h->max, 1);
	CHECK_EQ(stats_gauge_mean(idle), 0);
	CHECK_EQ(idle->min, 0);
	CHECK_EQ(idle->max, 0);
	CHECK_NEAR(stats_gauge_mean(added), 7.0 / 3, 1e-12);
	CHECK_EQ(added->min, 2);
	CHECK_EQ(added->max, 3);
	stats_destroy(st);
	sim_destroy(sim);
}

/* A run that ends before the warm-up: nothing measured, all zero. */
static void test_gauge_before_warmup(void)
{
	static const struct step s[] = { { 0, 4 } };
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 10 * SIM_US, 0) : NULL;
	struct stat_gauge *g;

	CU_ASSERT_FATAL(st != NULL);
	g = stats_gauge(st, "a", "g", "");
	CU_ASSERT_FATAL(g != NULL);
	schedule_steps(sim, g, s, 1);
	sim_run(sim, 5 * SIM_US);
	stats_finish(st);
	CHECK_EQ(stats_gauge_mean(g), 0);
	CHECK_EQ(g->area, 0);
	CHECK_EQ(g->min, 0);
	CHECK_EQ(g->max, 0);
	stats_destroy(st);
	sim_destroy(sim);
}

/* Events every 100ns from 0 to 1us, warm-up 450ns: the histogram sees
 * 500..1000ns (6 samples), the counter all 11. A sample exactly at the
 * warm-up is kept. */
static void test_hist_and_counter_warmup(void)
{
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 450 * SIM_NS, 0) : NULL;
	struct stats *st2 = sim ? stats_create(sim, 500 * SIM_NS, 0) : NULL;
	struct stat_hist *h, *h2;
	uint64_t *c;

	CU_ASSERT_FATAL(st && st2);
	h = stats_hist(st, "sink", "latency", "ps");
	h2 = stats_hist(st2, "sink", "latency", "ps");
	c = stats_counter(st, "sink", "received", "packets");
	CU_ASSERT_FATAL(h && h2 && c);
	CHECK_EQ(*c, 0);
	CHECK_EQ(h->hist.count, 0);
	for (sim_time t = 0; t <= SIM_US; t += 100 * SIM_NS) {
		sim_schedule_at(sim, t, ev_record, h, NULL);
		sim_schedule_at(sim, t, ev_record, h2, NULL);
		sim_schedule_at(sim, t, ev_count, c, NULL);
	}
	sim_run(sim, 2 * SIM_US);
	stats_finish(st);
	CHECK_EQ(*c, 11);
	CHECK_EQ(h->hist.count, 6);
	CHECK_EQ(h->hist.min, 500 * SIM_NS);
	CHECK_EQ(h->hist.max, SIM_US);
	CHECK_NEAR(hist_mean(&h->hist), 750 * SIM_NS, 1e-6);
	CHECK_EQ(h2->hist.count, 6);
	CHECK_EQ(h2->hist.min, 500 * SIM_NS);
	stats_destroy(st);
	stats_destroy(st2);
	sim_destroy(sim);
}

static void test_registry(void)
{
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 0, SIM_US) : NULL;
	char comp[16] = "apps.rpc", metric[16] = "sent";
	struct stat_info si;
	struct stat_gauge *g;
	uint64_t *c;

	CU_ASSERT_FATAL(st != NULL);
	CHECK_EQ(stats_count(st), 0);
	c = stats_counter(st, comp, metric, "packets");
	CU_ASSERT_FATAL(c != NULL);
	/* Names are copied. */
	strcpy(comp, "xxx");
	strcpy(metric, "yyy");
	CU_ASSERT_PTR_NULL(stats_counter(st, "apps.rpc", "sent", "packets"));
	CU_ASSERT_PTR_NULL(stats_hist(st, "apps.rpc", "sent", "ps"));
	CU_ASSERT_PTR_NULL(stats_gauge(st, "apps.rpc", "sent", ""));
	CHECK_EQ(stats_scalar(st, "apps.rpc", "sent", "", 1), -EEXIST);
	CU_ASSERT_PTR_NOT_NULL(stats_hist(st, "apps.rpc", "latency", NULL));
	g = stats_gauge(st, "link", "queue_len", "packets");
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_PTR_NULL(stats_gauge(st, "link", "queue_len", "packets"));
	/* A series may carry its source's name, but only once. */
	CHECK_EQ(stats_series_gauge(st, "link", "queue_len", g), 0);
	CHECK_EQ(stats_series_gauge(st, "link", "queue_len", g), -EEXIST);
	CHECK_EQ(stats_series_counter(st, "link", "queue_len", c), -EEXIST);
	CHECK_EQ(stats_series_counter(st, "apps.rpc", "sent", c), 0);
	CHECK_EQ(stats_series_gauge(st, "x", "y", NULL), -EINVAL);
	CHECK_EQ(stats_scalar(st, "run", "in_flight", "packets", 3), 0);
	CHECK_EQ(stats_scalar(st, "run", "in_flight", "packets", 4), 0);
	CHECK_EQ_FATAL(stats_count(st), 6);

	/* Registration order, kinds, names, units, storage. */
	stats_get(st, 0, &si);
	CHECK_EQ(si.kind, STAT_COUNTER);
	CU_ASSERT_STRING_EQUAL(si.component, "apps.rpc");
	CU_ASSERT_STRING_EQUAL(si.metric, "sent");
	CU_ASSERT_STRING_EQUAL(si.unit, "packets");
	CU_ASSERT_PTR_EQUAL(si.u.counter, c);
	stats_get(st, 1, &si);
	CHECK_EQ(si.kind, STAT_HIST);
	CU_ASSERT_STRING_EQUAL(si.unit, "");
	stats_get(st, 2, &si);
	CHECK_EQ(si.kind, STAT_GAUGE);
	CU_ASSERT_PTR_EQUAL(si.u.gauge, g);
	stats_get(st, 3, &si);
	CHECK_EQ(si.kind, STAT_SERIES);
	CU_ASSERT_STRING_EQUAL(si.metric, "queue_len");
	CU_ASSERT_STRING_EQUAL(si.unit, "packets"); /* the gauge's */
	CHECK_EQ(si.u.series->n, 0);
	stats_get(st, 5, &si);
	CHECK_EQ(si.kind, STAT_SCALAR);
	CHECK_EQ(si.u.scalar, 4);

	CHECK_EQ(stats_find(st, "link", "queue_len", &si), 0);
	CHECK_EQ(si.kind, STAT_GAUGE);
	CHECK_EQ(stats_find(st, "apps.rpc", "latency", &si), 0);
	CHECK_EQ(si.kind, STAT_HIST);
	CHECK_EQ(stats_find(st, "apps.rpc", "nope", &si), -ENOENT);
	CHECK_EQ(stats_find(st, "xxx", "yyy", &si), -ENOENT);
	stats_destroy(st);
	stats_destroy(NULL);
	sim_destroy(sim);
}

/* Pointers handed out stay put while many more entries are added. */
static void test_stable_storage(void)
{
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 0, 0) : NULL;
	static uint64_t *c[2000];
	struct stat_info si;
	char name[32];
	int ok = 1;

	CU_ASSERT_FATAL(st != NULL);
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		c[i] = stats_counter(st, "many", name, "");
		CU_ASSERT_FATAL(c[i] != NULL);
		*c[i] = (uint64_t)i * 3;
	}
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		stats_get(st, (size_t)i, &si);
		ok &= si.u.counter == c[i] && *si.u.counter == (uint64_t)i * 3;
		ok &= strcmp(si.metric, name) == 0;
	}
	CU_ASSERT(ok);
	stats_destroy(st);
	sim_destroy(sim);
}

/*
 * The registry's look-ups against a linear reference (the rules of
 * stats.h, checked by a plain scan), driven by one script of 6,000
 * registrations drawn from 40 x 30 names, so that most names are tried
 * several times, by every kind, while the tables double from 64 slots to
 * 8,192. Names include "x" + "y.z" and "x.y" + "z", which spell the same
 * "x.y.z" yet are different entries. Every call must succeed or be refused
 * exactly as the reference says; then every entry must come back in
 * registration order with its kind, names, unit and storage, a series
 * with the unit of the counter or gauge it samples ("" for storage the
 * registry does not own), and stats_find() must agree with the reference
 * on all 2 x 1,200 names.
 */
#define REF_MAX 6000
#define REF_COMPS 40
#define REF_METRICS 30

struct ref_entry {
	enum stat_kind kind;
	char comp[8], metric[8], unit[8];
	const void *storage; /* counter, hist, gauge; NULL otherwise */
	double scalar;
};

static struct ref_entry ref[REF_MAX];
static size_t nref;

static void ref_name(uint32_t k, char *comp, char *metric)
{
	uint32_t c = k % REF_COMPS, m = k / REF_COMPS % REF_METRICS;

	if (c < 2)
		strcpy(comp, c ? "x.y" : "x");
	else
		snprintf(comp, 8, "c%u", c);
	if (m < 2)
		strcpy(metric, m ? "y.z" : "z");
	else
		snprintf(metric, 8, "m%u", m);
}

static struct ref_entry *ref_find(const char *comp, const char *metric,
				  bool series)
{
	for (size_t i = 0; i < nref; i++)
		if ((ref[i].kind == STAT_SERIES) == series &&
		    !strcmp(ref[i].comp, comp) &&
		    !strcmp(ref[i].metric, metric))
			return &ref[i];
	return NULL;
}

static const char *ref_unit_of(const void *src)
{
	for (size_t i = 0; i < nref; i++)
		if ((ref[i].kind == STAT_COUNTER ||
		     ref[i].kind == STAT_GAUGE) &&
		    ref[i].storage == src)
			return ref[i].unit;
	return "";
}

static struct ref_entry *ref_add(enum stat_kind kind, const char *comp,
				 const char *metric, const char *unit,
				 const void *storage)
{
	struct ref_entry *r = &ref[nref++];

	r->kind = kind;
	strcpy(r->comp, comp);
	strcpy(r->metric, metric);
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	r->storage = storage;
	return r;
}

/* A registered counter or gauge picked by x (NULL if none yet). */
static const struct ref_entry *ref_source(uint32_t x, enum stat_kind kind)
{
	size_t n = 0, pick;

	for (size_t i = 0; i < nref; i++)
		n += ref[i].kind == kind;
	if (!n)
		return NULL;
	pick = x % n;
	for (size_t i = 0; i < nref; i++)
		if (ref[i].kind == kind && pick-- == 0)
			return &ref[i];
	return NULL;
}

/* One registration of kind op (0..6) of name k; returns whether the
 * registry did what the reference says. */
static bool ref_step(struct stats *st, uint32_t op, uint32_t k, uint32_t x)
{
	static uint64_t foreign; /* storage the registry does not own */
	static const char *const units[] = { "", "ps", "B", "packets" };
	char comp[8], metric[8];
	const char *unit = units[x % 4];
	const struct ref_entry *src;
	struct ref_entry *r;
	bool taken;
	void *p;
	int rc;

	ref_name(k, comp, metric);
	taken = ref_find(comp, metric, op >= 4) != NULL;
	switch (op) {
	case 0:
		p = stats_counter(st, comp, metric, unit);
		break;
	case 1:
		p = stats_gauge(st, comp, metric, unit);
		break;
	case 2:
		p = x % 8 ? NULL : stats_hist(st, comp, metric, unit);
		if (x % 8)
			return true; /* histograms are large: one in eight */
		break;
	case 3:
		rc = stats_scalar(st, comp, metric, unit, x);
		r = ref_find(comp, metric, false);
		if (r && r->kind != STAT_SCALAR)
			return rc == -EEXIST;
		if (!r)
			r = ref_add(STAT_SCALAR, comp, metric, unit, NULL);
		r->scalar = x;
		return rc == 0;
	default:
		src = ref_source(x, op == 4 ? STAT_COUNTER : STAT_GAUGE);
		p = src && x % 16 ? (void *)src->storage : &foreign;
		rc = op == 4 ? stats_series_counter(st, comp, metric, p)
			     : stats_series_gauge(st, comp, metric, p);
		if (taken)
			return rc == -EEXIST;
		ref_add(STAT_SERIES, comp, metric, ref_unit_of(p), NULL);
		return rc == 0;
	}
	if (taken)
		return p == NULL;
	if (!p)
		return false;
	ref_add(op == 0	  ? STAT_COUNTER
		: op == 1 ? STAT_GAUGE
			  : STAT_HIST,
		comp, metric, unit, p);
	return true;
}

static bool ref_same(const struct stat_info *si, const struct ref_entry *r)
{
	bool ok = si->kind == r->kind && !strcmp(si->component, r->comp) &&
		  !strcmp(si->metric, r->metric) && !strcmp(si->unit, r->unit);

	switch (r->kind) {
	case STAT_COUNTER:
		return ok && (const void *)si->u.counter == r->storage;
	case STAT_GAUGE:
		return ok && (const void *)si->u.gauge == r->storage;
	case STAT_HIST:
		return ok && (const void *)si->u.hist == r->storage;
	case STAT_SCALAR:
		return ok && si->u.scalar == r->scalar;
	default:
		return ok;
	}
}

static void test_lookup_reference(void)
{
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 0, 0) : NULL;
	uint64_t lcg = 12345;
	size_t wrong = 0, refused = 0, kinds[5] = { 0 };
	struct stat_info si;

	CU_ASSERT_FATAL(st != NULL);
	nref = 0;
	for (int i = 0; i < REF_MAX; i++) {
		uint32_t op, k, x;
		size_t before = nref;

		lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
		op = (uint32_t)(lcg >> 33) % 6;
		k = (uint32_t)(lcg >> 17) % (REF_COMPS * REF_METRICS);
		x = (uint32_t)(lcg >> 45);
		if (!ref_step(st, op, k, x))
			wrong++;
		refused += nref == before;
	}
	CHECK_EQ(wrong, 0);
	/* The script tried taken names many times, and grew the tables. */
	CHECK_GT(refused, 1000);
	CHECK_GT(nref, 1024);
	CHECK_EQ_FATAL(stats_count(st), nref);
	for (size_t i = 0; i < nref; i++) {
		stats_get(st, i, &si);
		wrong += !ref_same(&si, &ref[i]);
		kinds[ref[i].kind]++;
	}
	CHECK_EQ(wrong, 0);
	for (int k = 0; k < 5; k++)
		CHECK_GT(kinds[k], 0);
	for (uint32_t k = 0; k < REF_COMPS * REF_METRICS; k++) {
		char comp[8], metric[8];
		const struct ref_entry *r;
		int rc;

		ref_name(k, comp, metric);
		r = ref_find(comp, metric, false);
		if (!r)
			r = ref_find(comp, metric, true);
		rc = stats_find(st, comp, metric, &si);
		wrong += r ? rc != 0 || !ref_same(&si, r) : rc != -ENOENT;
	}
	CHECK_EQ(wrong, 0);
	stats_destroy(st);
	sim_destroy(sim);
}

/*
 * Warm-up 2us, sample every 1us, run to 10us: samples at 2, 3, ..., 10us.
 * The gauge is set to k at (k + 0.5)us for k = 0..9 and the counter counts
 * those events, so the sample at t = m us reads m - 1 and m.
 */
static void test_series(void)
{
	static struct step s[10];
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 2 * SIM_US, SIM_US) : NULL;
	const struct stat_series *gs, *cs;
	struct stat_gauge *g;
	struct stat_info si;
	uint64_t *c;
	int ok = 1;

	CU_ASSERT_FATAL(st != NULL);
	g = stats_gauge(st, "link", "queue_len", "packets");
	c = stats_counter(st, "link", "sent", "packets");
	CU_ASSERT_FATAL(g && c);
	CHECK_EQ_FATAL(stats_series_gauge(st, "link", "queue_len", g), 0);
	CHECK_EQ_FATAL(stats_series_counter(st, "link", "sent", c), 0);
	for (int k = 0; k < 10; k++) {
		s[k].t_ps = k * SIM_US + 500 * SIM_NS;
		s[k].value = k;
		sim_schedule_at(sim, s[k].t_ps, ev_count, c, NULL);
	}
	schedule_steps(sim, g, s, 10);
	CHECK_EQ_FATAL(stats_start(st), 0);
	sim_run(sim, 10 * SIM_US);
	stats_get(st, 2, &si);
	gs = si.u.series;
	stats_get(st, 3, &si);
	cs = si.u.series;
	CHECK_EQ_FATAL(gs->n, 9);
	CHECK_EQ_FATAL(cs->n, 9);
	for (size_t i = 0; i < 9; i++) {
		sim_time t = (sim_time)(i + 2) * SIM_US;

		ok &= gs->t_ps[i] == t && cs->t_ps[i] == t;
		ok &= gs->value[i] == (double)(i + 1);
		ok &= cs->value[i] == (double)(i + 2);
	}
	CU_ASSERT(ok);
	/* stats_finish stops sampling: no event left, no new point. */
	stats_finish(st);
	CHECK_EQ(sim_pending(sim), 0);
	sim_run(sim, 20 * SIM_US);
	CHECK_EQ(gs->n, 9);
	stats_destroy(st);
	sim_destroy(sim);
}

/* A million points: the arrays grow by doubling, every point in place. */
static void test_series_long(void)
{
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 5 * SIM_NS, SIM_NS) : NULL;
	struct stats *off = sim ? stats_create(sim, 0, 0) : NULL;
	struct stat_info si;
	uint64_t *c;
	int ok = 1;

	CU_ASSERT_FATAL(st && off);
	c = stats_counter(st, "x", "c", "");
	CU_ASSERT_FATAL(c != NULL);
	*c = 42;
	CHECK_EQ(stats_series_counter(st, "x", "c", c), 0);
	CHECK_EQ(stats_start(off), 0); /* sampling disabled */
	CHECK_EQ(sim_pending(sim), 0);
	CHECK_EQ(stats_start(st), 0);
	CHECK_EQ(sim_pending(sim), 1);
	sim_run(sim, SIM_MS);
	stats_finish(st);
	stats_get(st, 1, &si);
	CHECK_EQ_FATAL(si.u.series->n, 1000000 - 5 + 1);
	CHECK_LT(si.u.series->cap, 2 * si.u.series->n);
	for (size_t i = 0; i < si.u.series->n; i++) {
		ok &= si.u.series->t_ps[i] == (sim_time)(i + 5) * SIM_NS;
		ok &= si.u.series->value[i] == 42;
	}
	CU_ASSERT(ok);
	stats_destroy(st);
	stats_destroy(off);
	sim_destroy(sim);
}

/*
 * A series capped at 10 samples, sampled every 1 us for 100 us: at 10
 * samples every other one goes and the interval doubles (0 2 4 6 8 us,
 * then every 2 us; at 18 us: 0 4 8 12 16, every 4 us; at 36 us: every
 * 8 us; at 72 us: 0 16 32 48 64, every 16 us), so the run ends with the
 * seven samples 0, 16, ..., 96 us: the whole run, evenly spaced.
 */
static void test_series_capped(void)
{
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 0, SIM_US) : NULL;
	const struct stat_series *s;
	struct stat_info si;
	uint64_t *c;

	CU_ASSERT_FATAL(st != NULL);
	stats_set_series_max(st, 10);
	c = stats_counter(st, "x", "c", "");
	CU_ASSERT_FATAL(c != NULL);
	CHECK_EQ(stats_series_counter(st, "x", "c", c), 0);
	CHECK_EQ(stats_start(st), 0);
	sim_run(sim, 100 * SIM_US);
	stats_finish(st);
	stats_get(st, 1, &si);
	s = si.u.series;
	CHECK_EQ_FATAL(s->n, 7);
	for (size_t i = 0; i < s->n; i++)
		CHECK_EQ(s->t_ps[i], (sim_time)(16 * i) * SIM_US);
	CHECK_EQ(s->cap, 64); /* never grew past its first 64 */
	stats_destroy(st);
	sim_destroy(sim);
}

/* What one model registers in a row sits together: counters 8 bytes
 * apart, a gauge and a histogram header right after them, so that a
 * packet's updates share cache lines; thousands of entries later the
 * first ones have not moved. */
static void test_storage_together(void)
{
	struct sim *sim = sim_create("native");
	struct stats *st = stats_create(sim, 0, 0);
	uint64_t *c[3];
	struct stat_gauge *g;
	struct stat_hist *h;
	char name[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	c[0] = stats_counter(st, "m", "a", "");
	c[1] = stats_counter(st, "m", "b", "");
	c[2] = stats_counter(st, "m", "c", "");
	g = stats_gauge(st, "m", "g", "");
	h = stats_hist(st, "m", "h", "ps");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CHECK_EQ(c[1] - c[0], 1);
	CHECK_EQ(c[2] - c[1], 1);
	CHECK_EQ((char *)g - (char *)c[2], 8);
	CHECK_EQ((char *)h - (char *)g, sizeof(*g));
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(stats_counter(st, "n", name, ""));
	}
	*c[1] = 7;
	stats_hist_record(h, 5);
	CHECK_EQ(*c[1], 7);
	CHECK_EQ(h->hist.count, 1);
	CHECK_EQ(g->min, INFINITY);
	stats_destroy(st);
	sim_destroy(sim);
}

/* A tap sees every value of its histogram, warm-up or not, and only its
 * own (histograms without one share a context, stats.h); a second tap
 * replaces the first; a histogram in a model's storage (stats_hist_at)
 * keeps the warm-up like any other. */
struct tap_sum {
	int64_t sum;
	int n;
};

static void tap_add(void *arg, int64_t v)
{
	struct tap_sum *t = arg;

	t->sum += v;
	t->n++;
}

static void test_hist_tap(void)
{
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 450 * SIM_NS, 0) : NULL;
	struct tap_sum a = { 0 }, b = { 0 };
	struct stat_hist *h, *h2, *mine;

	CU_ASSERT_FATAL(st != NULL);
	h = stats_hist(st, "m", "a", "ps");
	h2 = stats_hist(st, "m", "b", "ps");
	mine = stats_block(st, sizeof(*mine));
	CU_ASSERT_FATAL(h && h2 && mine);
	CU_ASSERT_PTR_EQUAL(stats_hist_at(st, "m", "c", "ps", mine), mine);
	CU_ASSERT_PTR_NULL(stats_hist_at(st, "m", "d", "ps", NULL));
	CU_ASSERT_PTR_NULL(stats_hist_at(st, "m", "a", "ps", mine));
	CHECK_EQ(stats_hist_tap(st, "m", "a", tap_add, &b), 0);
	CHECK_EQ(stats_hist_tap(st, "m", "a", tap_add, &a), 0);
	CHECK_EQ(stats_hist_tap(st, "m", "x", tap_add, &a), -ENOENT);
	/* values 0, 100, ..., 1000 ns at those times: 5 before the warm-up */
	for (sim_time t = 0; t <= SIM_US; t += 100 * SIM_NS) {
		sim_schedule_at(sim, t, ev_record, h, NULL);
		sim_schedule_at(sim, t, ev_record, h2, NULL);
		sim_schedule_at(sim, t, ev_record, mine, NULL);
	}
	sim_run(sim, 2 * SIM_US);
	stats_finish(st);
	CHECK_EQ(a.n, 11);
	CHECK_EQ(a.sum, 5500 * SIM_NS);
	CHECK_EQ(b.n, 0);
	CHECK_EQ(h->hist.count, 6);
	CHECK_EQ(h2->hist.count, 6);
	CHECK_EQ(mine->hist.count, 6);
	CHECK_EQ(mine->hist.min, 500 * SIM_NS);
	CHECK_EQ(mine->hist.max, SIM_US);
	CU_ASSERT(hist_same(&h->hist, &mine->hist));
	stats_destroy(st);
	sim_destroy(sim);
}

/* A counter in storage of a model's own (stats_counter_at, inside a
 * stats_block) is a counter like any other: found by name at its
 * address, sampled by a series, refused under a taken name; blocks are
 * zeroed, line-aligned, disjoint (across chunks too) and outlive the
 * code that filled them until stats_destroy. */
struct counted {
	uint64_t hot, ctr[3];
};

static void test_counter_at(void)
{
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 0, SIM_US) : NULL;
	struct counted *m;
	char *blk[200];
	const struct stat_series *cs;
	struct stat_info si;
	uint64_t *c;
	size_t zero = 0, aligned = 0, overlap = 0;

	CU_ASSERT_FATAL(st != NULL);
	m = stats_block(st, sizeof(*m));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CHECK_EQ((uintptr_t)m % 64, 0);
	m->ctr[1] = 99; /* zeroed at registration */
	c = stats_counter_at(st, "m", "b", "", &m->ctr[1]);
	CU_ASSERT_PTR_EQUAL(c, &m->ctr[1]);
	CHECK_EQ(m->ctr[1], 0);
	CU_ASSERT_PTR_NULL(stats_counter_at(st, "m", "b", "", &m->ctr[2]));
	CU_ASSERT_PTR_NULL(stats_counter(st, "m", "b", ""));
	CU_ASSERT_PTR_NULL(stats_counter_at(st, "m", "c", "", NULL));
	CHECK_EQ(stats_series_counter(st, "m", "b", &m->ctr[1]), 0);
	CHECK_EQ(stats_find(st, "m", "b", &si), 0);
	CHECK_EQ(si.kind, STAT_COUNTER);
	CU_ASSERT_PTR_EQUAL(si.u.counter, &m->ctr[1]);
	CU_ASSERT_STRING_EQUAL(si.unit, "");
	for (int k = 0; k < 5; k++)
		sim_schedule_at(sim, k * SIM_US + 500 * SIM_NS, ev_count,
				&m->ctr[1], NULL);
	CHECK_EQ_FATAL(stats_start(st), 0);
	sim_run(sim, 5 * SIM_US);
	stats_finish(st);
	CHECK_EQ(m->ctr[1], 5);
	CHECK_EQ(m->ctr[0] + m->ctr[2] + m->hot, 0);
	stats_get(st, 1, &si);
	CHECK_EQ_FATAL(si.kind, STAT_SERIES);
	cs = si.u.series;
	/* samples at 0, 1, ..., 5 us: 0, 1, 2, 3, 4, 5 bumps before them */
	CHECK_EQ_FATAL(cs->n, 6);
	for (size_t i = 0; i < cs->n; i++)
		CHECK_EQ(cs->value[i], (double)i);
	/* 200 blocks of 1000 bytes (rounded to 1024) span 13 chunks of
	 * 16 KB; one larger than a chunk gets one of its own */
	for (int i = 0; i < 200; i++) {
		size_t n = i == 100 ? 40000 : 1000;

		blk[i] = stats_block(st, n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(blk[i]);
		aligned += (uintptr_t)blk[i] % 64 == 0;
		for (size_t k = 0; k < n; k++)
			zero += blk[i][k] == 0;
		memset(blk[i], 0xa5, n);
	}
	CHECK_EQ(aligned, 200);
	CHECK_EQ(zero, 199 * 1000 + 40000);
	for (int i = 0; i < 200; i++)
		for (int j = 0; j < i; j++) {
			size_t ni = i == 100 ? 40000 : 1000;
			size_t nj = j == 100 ? 40000 : 1000;

			overlap += blk[i] < blk[j] + nj && blk[j] < blk[i] + ni;
		}
	CHECK_EQ(overlap, 0);
	CHECK_EQ(m->ctr[1], 5);
	stats_destroy(st);
	sim_destroy(sim);
}

/* Every statistic of a and b equal: counters, scalars, histograms to the
 * bucket, gauges; returns the number compared. */
static size_t check_same_stats(const struct stats *a, const struct stats *b)
{
	size_t n = stats_count(a);

	CHECK_EQ_FATAL(stats_count(b), n);
	for (size_t i = 0; i < n; i++) {
		struct stat_info x, y;
		size_t differ = 0;

		stats_get(a, i, &x);
		stats_get(b, i, &y);
		CU_ASSERT_STRING_EQUAL_FATAL(x.component, y.component);
		CU_ASSERT_STRING_EQUAL_FATAL(x.metric, y.metric);
		CHECK_EQ_FATAL(x.kind, y.kind);
		switch (x.kind) {
		case STAT_COUNTER:
			CHECKF(*x.u.counter == *y.u.counter, "%s.%s",
			       x.component, x.metric);
			break;
		case STAT_SCALAR:
			CHECKF(x.u.scalar == y.u.scalar ||
				       (x.u.scalar != x.u.scalar &&
					y.u.scalar != y.u.scalar),
			       "%s.%s", x.component, x.metric);
			break;
		case STAT_HIST:
			CHECK_EQ(x.u.hist->hist.count, y.u.hist->hist.count);
			CHECK_EQ(x.u.hist->hist.s1, y.u.hist->hist.s1);
			CHECK_EQ(x.u.hist->hist.s2, y.u.hist->hist.s2);
			for (size_t k = 0; k < HIST_BUCKETS; k++)
				differ += hist_bucket(&x.u.hist->hist, k) !=
					  hist_bucket(&y.u.hist->hist, k);
			CHECKF(differ == 0, "%s.%s", x.component, x.metric);
			break;
		case STAT_GAUGE:
			CHECK_EQ(x.u.gauge->area, y.u.gauge->area);
			CHECK_EQ(x.u.gauge->max, y.u.gauge->max);
			break;
		case STAT_SERIES:
			CHECK_EQ(x.u.series->n, y.u.series->n);
			break;
		}
	}
	return n;
}

/* A run prepared (built and checked once, as run_validate does) and then
 * run gives what run_scenario gives, statistic for statistic, for any
 * repetition; a scenario that does not validate is refused with
 * run_validate's message and nothing kept. */
static void test_prepared_run(void)
{
	const char *sets[] = { "duration=20ms", "apps.rpc.stack=user",
			       "apps.bulk.stack=user" };
	char err[1024], verr[1024], path[256];
	struct run_result a, b;
	struct run_ready *rr;
	struct scn *s;

	CHECK_EQ_FATAL(scn_load("scenarios/stack_compare.yaml", sets, 3, &s,
				err, sizeof(err)),
		       0);
	for (uint32_t rep = 0; rep < 3; rep += 2) {
		CHECK_EQ_FATAL(run_scenario(s, rep, &a, err, sizeof(err)), 0);
		CHECK_EQ_FATAL(run_prepare(s, rep, &rr, err, sizeof(err)), 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rr);
		CHECK_EQ_FATAL(run_ready_run(rr, &b, err, sizeof(err)), 0);
		CU_ASSERT_STRING_EQUAL(a.fingerprint, b.fingerprint);
		CHECK_EQ(a.events, b.events);
		CHECK_GT(a.events, 10000);
		CHECK_EQ(a.end_ps, b.end_ps);
		CHECK_EQ(a.repetition, rep);
		CHECK_EQ(b.repetition, rep);
		CHECK_GT(check_same_stats(a.stats, b.stats), 100);
		run_result_fini(&a);
		run_result_fini(&b);
	}
	/* prepared and dropped unrun */
	CHECK_EQ_FATAL(run_prepare(s, 0, &rr, err, sizeof(err)), 0);
	run_ready_free(rr);
	scn_destroy(s);

	CHECK_EQ_FATAL(tu_write_tmp(path, sizeof(path),
				    "duration: 1ms\nwarmup: 2ms\n"
				    "network: { kind: link, rate: 1Gbps }\n"
				    "apps:\n  a: { rate: 1kpps, size: 64B }\n"),
		       0);
	CHECK_EQ_FATAL(scn_load(path, NULL, 0, &s, err, sizeof(err)), 0);
	CHECK_EQ(run_validate(s, verr, sizeof(verr)), -EINVAL);
	rr = (struct run_ready *)&rr; /* anything but NULL */
	CHECK_EQ(run_prepare(s, 0, &rr, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(rr);
	CU_ASSERT_STRING_EQUAL(err, verr);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "warmup must be shorter"));
	scn_destroy(s);
	unlink(path);
}

/* Values held back (struct stat_hold) end in their histogram as recording
 * each at its time leaves it: 1,000 values (not a multiple of the hold's
 * size), some of them negative and a fifth before the warm-up, recorded
 * through a hold and directly; after the flush both histograms are the
 * same bit for bit. Before it the held one lacks exactly the values the
 * hold has. A histogram with a tap gets each value at its time. */
struct hold_fx {
	struct sim *sim;
	struct stat_hist *held, *direct, *tapped;
	struct stat_hold hold, hold_tapped;
	struct rng *rng;
	unsigned taps, left;
};

static void hold_tap(void *arg, int64_t v)
{
	(void)v;
	((struct hold_fx *)arg)->taps++;
}

static void ev_hold(struct sim *sim, void *a, void *b)
{
	struct hold_fx *f = a;
	int64_t v = (int64_t)rng_u64(f->rng, 2000000) - 1000;

	(void)b;
	stats_hold_record(&f->hold, f->held, sim_now(sim), v);
	stats_hold_record(&f->hold_tapped, f->tapped, sim_now(sim), v);
	stats_hist_record(f->direct, v);
	if (--f->left)
		sim_schedule(sim, 1 + (sim_time)rng_u64(f->rng, 20 * SIM_NS),
			     ev_hold, f, NULL);
}

static void test_hold(void)
{
	struct hold_fx f = { .sim = sim_create("native"), .left = 1000 };
	struct stats *st = f.sim ? stats_create(f.sim, 2 * SIM_US, 0) : NULL;

	CU_ASSERT_FATAL(st != NULL);
	f.rng = rng_create(3, 0, "test.hold");
	f.held = stats_hist(st, "m", "held", "ps");
	f.direct = stats_hist(st, "m", "direct", "ps");
	f.tapped = stats_hist(st, "m", "tapped", "ps");
	CU_ASSERT_FATAL(f.rng && f.held && f.direct && f.tapped);
	CHECK_EQ_FATAL(stats_hist_tap(st, "m", "tapped", hold_tap, &f), 0);
	stats_hold_init(&f.hold, st);
	stats_hold_init(&f.hold_tapped, st);
	sim_schedule(f.sim, 0, ev_hold, &f, NULL);
	sim_run(f.sim, SIM_S);
	CHECK_EQ_FATAL(f.left, 0);
	CHECK_EQ(f.taps, 1000); /* each at its time, before the warm-up too */
	CHECK_GT(f.direct->hist.count, 600);
	CHECK_LT(f.direct->hist.count, 900);
	CHECK_GT(f.direct->hist.negative, 0);
	CHECK_EQ(f.held->hist.count + f.hold.n, f.direct->hist.count);
	CHECK_EQ(f.hold.n, f.direct->hist.count % STAT_HOLD_N);
	CHECK_EQ(f.hold_tapped.n, 0);
	stats_hold_flush(&f.hold, f.held);
	CU_ASSERT(hist_same(&f.held->hist, &f.direct->hist));
	CU_ASSERT(hist_same(&f.tapped->hist, &f.direct->hist));
	rng_destroy(f.rng);
	stats_destroy(st);
	sim_destroy(f.sim);
}

int suite_stats(void)
{
	CU_pSuite s = CU_add_suite("stats", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "gauge time-weighted mean", test_gauge_mean) ||
	    !CU_add_test(s, "gauge warm-up", test_gauge_warmup) ||
	    !CU_add_test(s, "gauge before warm-up", test_gauge_before_warmup) ||
	    !CU_add_test(s, "hist and counter warm-up",
			 test_hist_and_counter_warmup) ||
	    !CU_add_test(s, "registry", test_registry) ||
	    !CU_add_test(s, "stable storage", test_stable_storage) ||
	    !CU_add_test(s, "look-ups against a linear reference",
			 test_lookup_reference) ||
	    !CU_add_test(s, "series sampling", test_series) ||
	    !CU_add_test(s, "counters in a model's own storage",
			 test_counter_at) ||
	    !CU_add_test(s, "histogram taps and model storage",
			 test_hist_tap) ||
	    !CU_add_test(s, "long series", test_series_long) ||
	    !CU_add_test(s, "series capped by halving", test_series_capped) ||
	    !CU_add_test(s, "a prepared run equals a run", test_prepared_run) ||
	    !CU_add_test(s, "storage registered together sits together",
			 test_storage_together) ||
	    !CU_add_test(s, "held values end as recorded ones", test_hold))
		return CU_get_error();
	return 0;
}
