/*
 * stats.h - the named statistics of one run.
 *
 * Models register what they measure under (component, metric), e.g.
 * ("apps.rpc", "latency") or ("network", "drops"), and get back storage they
 * update directly on the hot path: a counter is a uint64_t, a histogram and
 * a gauge are small structs with inline record functions. Nothing here
 * allocates after registration except the sampled time series, which grow
 * by one point per sample interval (O(duration / interval), never
 * O(packets)).
 *
 * Warm-up: histograms, gauges and time series ignore what happens before
 * the warm-up time. Counters count the whole run, so that conservation of
 * packets (sent = received + dropped + in flight) holds exactly.
 */
#ifndef USNSIM_STATS_H
#define USNSIM_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "sim.h"

struct stats;

/* What a histogram records against: the clock, the warm-up, and a tap
 * that sees every value recorded, warm-up or not (NULL: none; how a pilot
 * run collects a series, sim/run/warmup.c). Histograms without a tap
 * share their statistics' one, so a histogram is its counts and a
 * pointer: those recorded together (registered in a row, or held in a
 * row by a model) pack into few cache lines. */
struct stat_hist_ctx {
	const struct sim *sim;
	sim_time warmup_ps;
	void (*tap)(void *arg, int64_t v);
	void *tap_arg;
};

struct stat_hist {
	const struct stat_hist_ctx *ctx;
	struct hist hist;
};

/* A time-weighted gauge: its mean is the integral of the value over
 * [warmup, end] divided by the length of that interval. */
struct stat_gauge {
	const struct sim *sim;
	sim_time warmup_ps;
	double value;	  /* current value */
	sim_time last_ps; /* when area was last brought up to date */
	double area;	  /* integral of value dt, value x ps, after warm-up */
	double min, max;  /* over [warmup, end] */
};

struct stat_series {
	size_t n, cap;
	sim_time *t_ps;
	double *value;
};

enum stat_kind {
	STAT_COUNTER,
	STAT_SCALAR,
	STAT_HIST,
	STAT_GAUGE,
	STAT_SERIES
};

struct stat_info {
	enum stat_kind kind;
	const char *component;
	const char *metric;
	const char *unit; /* canonical unit: "ps", "B", "bps", "" ... */
	union {
		const uint64_t *counter;
		double scalar;
		const struct stat_hist *hist;
		const struct stat_gauge *gauge;
		const struct stat_series *series;
	} u;
};

/* Returns NULL on allocation failure. sample_ps = 0 disables time series. */
struct stats *stats_create(struct sim *sim, sim_time warmup_ps,
			   sim_time sample_ps);
void stats_destroy(struct stats *st); /* NULL is a no-op */
/* The warm-up st was created with. */
sim_time stats_warmup(const struct stats *st);

/* The most samples a time series keeps (made even, at least 2; no limit
 * until set, a run sets the scenario's sample_max): past it, every other
 * sample goes and the sampling interval doubles, so a series spans the
 * run in bounded memory. */
void stats_set_series_max(struct stats *st, size_t max);

/* Registration (set-up time only). Each returns stable storage, or NULL on
 * allocation failure or if (component, metric) is already registered.
 * Names are unique among counters, scalars, histograms and gauges, and
 * separately among time series (a series may share its source's name). */
uint64_t *stats_counter(struct stats *st, const char *component,
			const char *metric, const char *unit);
/* A counter like stats_counter()'s, held in storage the caller provides
 * (zeroed here), so that a model can keep the counters it bumps beside
 * the state the same code touches. Results are read after the models are
 * gone, so storage must stay valid until stats_destroy(): inside a
 * stats_block(). Every reader sees it as any other counter. NULL as
 * stats_counter(), or if storage is NULL. */
/* A histogram like stats_hist()'s, held in storage the caller provides
 * (set up here), under the terms of stats_counter_at(). */
struct stat_hist *stats_hist_at(struct stats *st, const char *component,
				const char *metric, const char *unit,
				struct stat_hist *storage);
/* size zeroed bytes, aligned to a 64-byte cache line, that live until
 * stats_destroy() (set-up time; NULL if memory ran out): where a model
 * keeps its hot state with the counters registered in it
 * (stats_counter_at), which outlive the model. */
void *stats_block(struct stats *st, size_t size);
uint64_t *stats_counter_at(struct stats *st, const char *component,
			   const char *metric, const char *unit,
			   uint64_t *storage);
struct stat_hist *stats_hist(struct stats *st, const char *component,
			     const char *metric, const char *unit);
struct stat_gauge *stats_gauge(struct stats *st, const char *component,
			       const char *metric, const char *unit);
/* A time series sampling *src every sample interval after warm-up. Each
 * returns 0, -EEXIST (a series of that name exists), -EINVAL or -ENOMEM. */
int stats_series_gauge(struct stats *st, const char *component,
		       const char *metric, const struct stat_gauge *src);
int stats_series_counter(struct stats *st, const char *component,
			 const char *metric, const uint64_t *src);
/* An end-of-run value; returns 0 or -ENOMEM (-EEXIST if the name belongs
 * to a counter, histogram or gauge). Setting it again replaces. */
int stats_scalar(struct stats *st, const char *component, const char *metric,
		 const char *unit, double value);

/* Hands every value later recorded into histogram (component, metric) to
 * tap(arg, v) as well, warm-up or not. Returns 0, -ENOENT if there is no
 * such histogram, or -ENOMEM. */
int stats_hist_tap(struct stats *st, const char *component, const char *metric,
		   void (*tap)(void *arg, int64_t v), void *arg);

/* Schedules the sampler (call once, at time 0, before sim_run). Returns 0
 * or -ENOMEM. */
int stats_start(struct stats *st);
/* Brings gauges up to now and stops the sampler (call once after
 * sim_run). */
void stats_finish(struct stats *st);

size_t stats_count(const struct stats *st);
/* Fills out for entry i < stats_count(), in registration order. */
void stats_get(const struct stats *st, size_t i, struct stat_info *out);
/* Looks an entry up by name (a non-series entry before a series of the
 * same name); returns 0 or -ENOENT. */
int stats_find(const struct stats *st, const char *component,
	       const char *metric, struct stat_info *out);

static inline void stats_hist_record(struct stat_hist *h, int64_t v)
{
	const struct stat_hist_ctx *x = h->ctx;

	if (x->tap)
		x->tap(x->tap_arg, v);
	if (x->sim->now >= x->warmup_ps)
		hist_record(&h->hist, v);
}

/* Whether h has a tap (stats_hist_tap()): a model that holds values back
 * to record them later must then record each at its time. */
static inline bool stats_hist_tapped(const struct stat_hist *h)
{
	return h->ctx->tap != NULL;
}

/* Values of one histogram held back to be recorded later. Once a run's
 * hosts outgrow the caches, recording a value misses a histogram's
 * header lines and a bucket line. A model that records per packet keeps
 * a hold (one line) and records through it: the values wait there and go
 * into the histogram STAT_HOLD_N at a time, in the order they came, so
 * that after stats_hold_flush() (the model's finish, before results are
 * read) the histogram holds what recording each at its time would have
 * given, bit for bit. A histogram with a tap (stats_hist_tap()) gets
 * each value at its time instead, decided at the first value, once the
 * run's taps are in place. */
#define STAT_HOLD_N 6
enum stat_hold_mode { STAT_HOLD_UNSET, STAT_HOLD_HELD, STAT_HOLD_DIRECT };
struct stat_hold {
	int64_t v[STAT_HOLD_N];
	sim_time warmup_ps; /* the statistics' (stats_warmup()) */
	uint8_t n;	    /* values held */
	uint8_t mode;	    /* enum stat_hold_mode */
};
_Static_assert(sizeof(struct stat_hold) == 64, "a hold is one line");

/* An empty hold for a histogram of st's. */
void stats_hold_init(struct stat_hold *b, const struct stats *st);
/* Records b's values into h, in order, and empties b. */
void stats_hold_flush(struct stat_hold *b, struct stat_hist *h);
/* Sets b's mode from h: direct if h has a tap; returns whether direct. */
bool stats_hold_direct(struct stat_hold *b, const struct stat_hist *h);

/* Records v, measured at now, into h through b; a value before the
 * warm-up is dropped, as stats_hist_record() drops it. */
static inline void stats_hold_record(struct stat_hold *b, struct stat_hist *h,
				     sim_time now, int64_t v)
{
	if (__builtin_expect(b->mode != STAT_HOLD_HELD, 0) &&
	    stats_hold_direct(b, h)) {
		stats_hist_record(h, v);
		return;
	}
	if (now < b->warmup_ps)
		return;
	b->v[b->n++] = v;
	if (b->n == STAT_HOLD_N)
		stats_hold_flush(b, h);
}

/* Gauge updates: defined in stats.c (they integrate the elapsed interval). */
void stats_gauge_set(struct stat_gauge *g, double value);
static inline void stats_gauge_add(struct stat_gauge *g, double delta)
{
	stats_gauge_set(g, g->value + delta);
}
/* Time-weighted mean over [warmup, now]; 0 if that interval is empty. */
double stats_gauge_mean(const struct stat_gauge *g);

#endif
