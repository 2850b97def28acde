/*
 * stats.c - the registry of named statistics of one run.
 *
 * Each entry (its kind and names) is carved, in registration order, from
 * chunks of STATS_ENTRY_CHUNK bytes of their own and never moves; the
 * storage models update on the hot path (a counter's uint64_t, a gauge, a
 * histogram's header) is carved, in registration order, from chunks of
 * STATS_CHUNK bytes that never move either, so the pointers handed to
 * models stay valid until stats_destroy() and only the array of entry
 * pointers grows. A thousand hosts register some 160,000 entries: one
 * allocation each, scattered over the heap, made registering them and
 * walking them at the end of a run a cache miss per entry. Carving keeps what one model registers together: the
 * counters it bumps for one packet share a cache line or two instead of
 * each sitting in its own entry among the names, which matters once a
 * run's hosts outgrow the caches and every packet finds its host's state
 * cold. A histogram's buckets are its own (hist.c). A model may go
 * further and hold counters and histograms in its own hot state
 * (stats_counter_at, stats_hist_at), which it then allocates with
 * stats_block(): line-aligned storage from the same chunks, so that it
 * outlives the model until stats_destroy() as results require.
 *
 * Look-ups: a datacenter-sized run registers hundreds of thousands of
 * entries, so names are found through an open-addressing hash table over
 * (component, metric, series or not) with linear probing, whose slots keep
 * each entry's hash beside its index so that a probe past another name
 * reads no entry; and the storage a time series samples through a second
 * table keyed by its address, built at the first series (most runs have
 * none). Both hold entry indices, stay at most half full and double only
 * while entries are registered, so every registration and look-up costs
 * O(1) expected, independent of the number of entries; nothing here runs
 * per event. The array of entries keeps
 * registration order, which is the order results are reported in.
 *
 * Names: (component, metric) is unique among counters, scalars, histograms
 * and gauges, and separately among time series, so that a series may carry
 * the name of the gauge or counter it samples (the two go to different
 * tables of the results database).
 *
 * Gauges are piecewise constant: a value set at time t is in force from t
 * until the next set. The area counts only the part of each interval after
 * the warm-up; min and max count every value in force at some time in
 * [warmup, end] (the one in force at warmup included). Until the first such
 * value they hold +inf / -inf; stats_finish() sets both to 0 if the run
 * ended before the warm-up.
 *
 * The sampler is one event that reschedules itself every sample interval,
 * first at the warm-up time; it appends (now, value) to every series, whose
 * arrays double when full. A series holds at most series_max samples: when
 * they reach it, every series keeps every other sample and the interval
 * doubles, so the series still span the whole run and memory is bounded by
 * series_max x series x 16 bytes, however long the run. Because it is always pending, run the engine to
 * a finite end time. stats_finish() cancels it; stats_destroy() does not
 * touch the engine, so the engine may be destroyed first, but it must not
 * run again after stats_destroy() unless stats_finish() was called.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define STATS_SERIES_MIN 64
#define STATS_CHUNK 16384	/* bytes of each chunk of storage */
#define STATS_ENTRY_CHUNK 65536 /* bytes of each chunk of entries */
#define STATS_LINE 64		/* a cache line: stats_block() aligns to it */

_Static_assert(_Alignof(struct stat_gauge) <= 8 &&
		       _Alignof(struct stat_hist) <= 8 &&
		       _Alignof(uint64_t) <= 8,
	       "carved storage is 8-byte aligned");
#define STATS_HASH_MIN 64 /* slots of each table at the first entry */
#define STATS_EMPTY UINT32_MAX

struct stats_entry {
	enum stat_kind kind;
	uint32_t name_hash; /* stats_hash_name(component, metric, series) */
	const char *component, *metric, *unit; /* point into names[] */
	struct stats_entry *next_series;
	union {
		uint64_t *counter; /* carved, or the model's (_at) */
		double scalar;
		struct stat_hist *hist;
		struct stat_gauge *gauge;
		struct {
			struct stat_series s;
			const struct stat_gauge *gauge; /* one source is set */
			const uint64_t *counter;
		} series;
	} u;
	char names[];
};

/* A chunk of storage or of entries; what follows it is carved up. */
struct stats_chunk {
	struct stats_chunk *next;
	uint64_t pad;
};

/* A slot of the table of names: an index into ent[] (STATS_EMPTY: none)
 * and that entry's name_hash. */
struct stats_slot {
	uint32_t i, h;
};

struct stats {
	struct sim *sim;
	struct stats_chunk *chunks; /* newest first */
	char *carve;		    /* the newest chunk's free part */
	size_t carve_left;
	struct stats_chunk *echunks; /* of entries, newest first */
	char *ecarve;		     /* the newest one's free part */
	size_t ecarve_left;
	sim_time warmup_ps;
	struct stat_hist_ctx hist_ctx; /* of the histograms without a tap */
	sim_time sample_ps;	       /* 0: no time series */
	size_t series_max;	       /* samples a series keeps, even, >= 2 */
	struct stats_entry **ent;
	size_t n, cap;
	/* Open addressing, linear probing; slots hold indices into ent[] or
	 * STATS_EMPTY. by_name: every entry; by_addr: counters and gauges,
	 * by the address of their storage, NULL until a series asks for it.
	 * Both have hcap slots (a power of two, at least twice n). */
	struct stats_slot *by_name;
	uint32_t *by_addr;
	size_t hcap;
	struct stats_entry *series, **series_tail;
	sim_event_id sampler;
	uint64_t lost_samples; /* series points dropped for lack of memory */
};

sim_time stats_warmup(const struct stats *st)
{
	return st->warmup_ps;
}

struct stats *stats_create(struct sim *sim, sim_time warmup_ps,
			   sim_time sample_ps)
{
	struct stats *st;

	if (!sim)
		return NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->sim = sim;
	st->warmup_ps = warmup_ps;
	st->hist_ctx.sim = sim;
	st->hist_ctx.warmup_ps = warmup_ps;
	st->sample_ps = sample_ps > 0 ? sample_ps : 0;
	st->series_max = SIZE_MAX;
	st->series_tail = &st->series;
	return st;
}

static void stats_chunks_free(struct stats_chunk *c)
{
	while (c) {
		struct stats_chunk *next = c->next;

		free(c);
		c = next;
	}
}

void stats_destroy(struct stats *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++) {
		struct stats_entry *e = st->ent[i];

		if (e->kind == STAT_HIST) {
			hist_fini(&e->u.hist->hist);
		} else if (e->kind == STAT_SERIES) {
			free(e->u.series.s.t_ps);
			free(e->u.series.s.value);
		}
	}
	stats_chunks_free(st->chunks);
	stats_chunks_free(st->echunks);
	free(st->ent);
	free(st->by_name);
	free(st->by_addr);
	free(st);
}

/* Starts a new chunk with at least need free bytes; 0 or -ENOMEM. */
static int stats_chunk_new(struct stats *st, size_t need)
{
	size_t n = sizeof(struct stats_chunk) + need > STATS_CHUNK
			   ? sizeof(struct stats_chunk) + need
			   : STATS_CHUNK;
	struct stats_chunk *c = calloc(1, n);

	if (!c)
		return -ENOMEM;
	c->next = st->chunks;
	st->chunks = c;
	st->carve = (char *)(c + 1);
	st->carve_left = n - sizeof(*c);
	return 0;
}

/* size zeroed bytes of storage that never move, next to the previous
 * ones; NULL if memory ran out. */
static void *stats_carve(struct stats *st, size_t size)
{
	void *p;

	/* 8-byte aligned (no stored type needs more), so that counters
	 * registered in a row are 8 bytes apart */
	size = (size + 7) & ~(size_t)7;
	if (size > st->carve_left && stats_chunk_new(st, size))
		return NULL;
	p = st->carve;
	st->carve += size;
	st->carve_left -= size;
	return p;
}

/* An entry with names of n bytes in all, from the chunks of entries,
 * 8-byte aligned; NULL if memory ran out. Not zeroed. */
static struct stats_entry *stats_entry_new(struct stats *st, size_t n)
{
	size_t size = (sizeof(struct stats_entry) + n + 7) & ~(size_t)7;
	struct stats_entry *e;

	if (size > st->ecarve_left) {
		size_t cn =
			sizeof(struct stats_chunk) + size > STATS_ENTRY_CHUNK
				? sizeof(struct stats_chunk) + size
				: STATS_ENTRY_CHUNK;
		struct stats_chunk *c = malloc(cn);

		if (!c)
			return NULL;
		c->next = st->echunks;
		st->echunks = c;
		st->ecarve = (char *)(c + 1);
		st->ecarve_left = cn - sizeof(*c);
	}
	e = (struct stats_entry *)st->ecarve;
	st->ecarve += size;
	st->ecarve_left -= size;
	return e;
}

/* Bytes from the carving point to the next line boundary. */
static size_t stats_to_line(const struct stats *st)
{
	return (STATS_LINE - ((uintptr_t)st->carve & (STATS_LINE - 1))) &
	       (STATS_LINE - 1);
}

void *stats_block(struct stats *st, size_t size)
{
	char *p;

	if (!st)
		return NULL;
	size = (size + STATS_LINE - 1) & ~(size_t)(STATS_LINE - 1);
	if (stats_to_line(st) + size > st->carve_left &&
	    stats_chunk_new(st, size + STATS_LINE))
		return NULL;
	p = st->carve + stats_to_line(st);
	st->carve_left -= (size_t)(p + size - st->carve);
	st->carve = p + size;
	return p;
}

/* FNV-1a over component, a NUL, metric and the series flag. */
static uint32_t stats_hash_name(const char *component, const char *metric,
				bool series)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)component; *p; p++)
		h = (h ^ *p) * 16777619u;
	h *= 16777619u;
	for (const unsigned char *p = (const unsigned char *)metric; *p; p++)
		h = (h ^ *p) * 16777619u;
	h = (h ^ (series ? 1u : 2u)) * 16777619u;
	return h;
}

static uint32_t stats_hash_addr(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* The storage a series may sample, or NULL for other kinds. */
static const void *stats_storage(const struct stats_entry *e)
{
	if (e->kind == STAT_COUNTER)
		return e->u.counter;
	if (e->kind == STAT_GAUGE)
		return e->u.gauge;
	return NULL;
}

static void stats_slot_put(uint32_t *tab, size_t cap, uint32_t h, size_t i)
{
	size_t mask = cap - 1, k = h & mask;

	while (tab[k] != STATS_EMPTY)
		k = (k + 1) & mask;
	tab[k] = (uint32_t)i;
}

/* The table of addresses of entries 0..n-1 in cap slots, or NULL. */
static uint32_t *stats_addr_table(const struct stats *st, size_t cap)
{
	uint32_t *by_addr = malloc(cap * sizeof(*by_addr));

	if (!by_addr)
		return NULL;
	memset(by_addr, 0xff, cap * sizeof(*by_addr));
	for (size_t i = 0; i < st->n; i++) {
		const void *p = stats_storage(st->ent[i]);

		if (p)
			stats_slot_put(by_addr, cap, stats_hash_addr(p), i);
	}
	return by_addr;
}

/* Makes room for one more entry (tables at most half full); 0 or -ENOMEM.
 * The names are placed again from their slots' hashes: no entry is read. */
static int stats_hash_reserve(struct stats *st)
{
	size_t cap = st->hcap ? st->hcap : STATS_HASH_MIN, mask;
	struct stats_slot *by_name;
	uint32_t *by_addr = NULL;

	while (2 * (st->n + 1) > cap)
		cap *= 2;
	if (cap == st->hcap)
		return 0;
	if (st->n >= STATS_EMPTY)
		return -ENOMEM;
	by_name = malloc(cap * sizeof(*by_name));
	if (st->by_addr)
		by_addr = stats_addr_table(st, cap);
	if (!by_name || (st->by_addr && !by_addr)) {
		free(by_name);
		free(by_addr);
		return -ENOMEM;
	}
	memset(by_name, 0xff, cap * sizeof(*by_name));
	mask = cap - 1;
	for (size_t j = 0; j < st->hcap; j++) {
		struct stats_slot sl = st->by_name[j];
		size_t k = sl.h & mask;

		if (sl.i == STATS_EMPTY)
			continue;
		while (by_name[k].i != STATS_EMPTY)
			k = (k + 1) & mask;
		by_name[k] = sl;
	}
	free(st->by_name);
	st->by_name = by_name;
	if (by_addr) {
		free(st->by_addr);
		st->by_addr = by_addr;
	}
	st->hcap = cap;
	return 0;
}

/* The entry of that name and hash h, or NULL; *slot is then the free slot
 * where it would go. */
static struct stats_entry *stats_probe(const struct stats *st,
				       const char *component,
				       const char *metric, bool series,
				       uint32_t h, size_t *slot)
{
	size_t mask = st->hcap - 1, k;

	if (!st->hcap)
		return NULL;
	for (k = h & mask; st->by_name[k].i != STATS_EMPTY;
	     k = (k + 1) & mask) {
		struct stats_entry *e;

		if (st->by_name[k].h != h)
			continue;
		e = st->ent[st->by_name[k].i];
		if ((e->kind == STAT_SERIES) == series &&
		    strcmp(e->metric, metric) == 0 &&
		    strcmp(e->component, component) == 0)
			return e;
	}
	*slot = k;
	return NULL;
}

static struct stats_entry *stats_lookup(const struct stats *st,
					const char *component,
					const char *metric, bool series)
{
	size_t slot;

	return stats_probe(st, component, metric, series,
			   stats_hash_name(component, metric, series), &slot);
}

/* Appends a zeroed entry; returns 0, -EINVAL, -EEXIST or -ENOMEM. A
 * counter or a histogram lives in storage if that is given, else in a
 * chunk. */
static int stats_add(struct stats *st, enum stat_kind kind,
		     const char *component, const char *metric,
		     const char *unit, void *storage, struct stats_entry **out)
{
	size_t lc, lm, lu, slot;
	struct stats_entry *e;
	uint32_t h;

	if (!st || !component || !metric)
		return -EINVAL;
	if (!unit)
		unit = "";
	h = stats_hash_name(component, metric, kind == STAT_SERIES);
	if (stats_probe(st, component, metric, kind == STAT_SERIES, h, &slot))
		return -EEXIST;
	if (2 * (st->n + 1) > st->hcap) {
		if (stats_hash_reserve(st))
			return -ENOMEM;
		stats_probe(st, component, metric, kind == STAT_SERIES, h,
			    &slot);
	}
	if (st->n == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 32;
		struct stats_entry **ent = realloc(st->ent, cap * sizeof(*ent));

		if (!ent)
			return -ENOMEM;
		st->ent = ent;
		st->cap = cap;
	}
	/* a model names its entries after itself: its component is stored
	 * once, with the first of them */
	lc = st->n && !strcmp(st->ent[st->n - 1]->component, component)
		     ? 0
		     : strlen(component) + 1;
	lm = strlen(metric) + 1;
	lu = strlen(unit) + 1;
	e = stats_entry_new(st, lc + lm + lu);
	if (!e)
		return -ENOMEM;
	memset(e, 0, sizeof(*e));
	if (kind == STAT_COUNTER && storage) {
		e->u.counter = storage;
		*e->u.counter = 0;
	} else if (kind == STAT_COUNTER) {
		e->u.counter = stats_carve(st, sizeof(*e->u.counter));
	} else if (kind == STAT_GAUGE) {
		e->u.gauge = stats_carve(st, sizeof(*e->u.gauge));
	} else if (kind == STAT_HIST) {
		e->u.hist =
			storage ? storage : stats_carve(st, sizeof(*e->u.hist));
	}
	if ((kind == STAT_COUNTER && !e->u.counter) ||
	    (kind == STAT_GAUGE && !e->u.gauge) ||
	    (kind == STAT_HIST && !e->u.hist))
		return -ENOMEM; /* the entry's bytes stay carved, unused */
	e->kind = kind;
	e->component = lc ? memcpy(e->names, component, lc)
			  : st->ent[st->n - 1]->component;
	e->metric = memcpy(e->names + lc, metric, lm);
	e->unit = memcpy(e->names + lc + lm, unit, lu);
	e->name_hash = h;
	st->by_name[slot] = (struct stats_slot){ (uint32_t)st->n, h };
	if (st->by_addr && stats_storage(e))
		stats_slot_put(st->by_addr, st->hcap,
			       stats_hash_addr(stats_storage(e)), st->n);
	st->ent[st->n++] = e;
	*out = e;
	return 0;
}

uint64_t *stats_counter(struct stats *st, const char *component,
			const char *metric, const char *unit)
{
	struct stats_entry *e;

	if (stats_add(st, STAT_COUNTER, component, metric, unit, NULL, &e))
		return NULL;
	return e->u.counter;
}

uint64_t *stats_counter_at(struct stats *st, const char *component,
			   const char *metric, const char *unit,
			   uint64_t *storage)
{
	struct stats_entry *e;

	if (!storage ||
	    stats_add(st, STAT_COUNTER, component, metric, unit, storage, &e))
		return NULL;
	return e->u.counter;
}

static struct stat_hist *stats_hist_in(struct stats *st, const char *component,
				       const char *metric, const char *unit,
				       struct stat_hist *storage)
{
	struct stats_entry *e;
	struct stat_hist *h;

	if (stats_add(st, STAT_HIST, component, metric, unit, storage, &e))
		return NULL;
	h = e->u.hist;
	h->ctx = &st->hist_ctx;
	hist_init(&h->hist);
	return h;
}

struct stat_hist *stats_hist(struct stats *st, const char *component,
			     const char *metric, const char *unit)
{
	return stats_hist_in(st, component, metric, unit, NULL);
}

struct stat_hist *stats_hist_at(struct stats *st, const char *component,
				const char *metric, const char *unit,
				struct stat_hist *storage)
{
	return storage ? stats_hist_in(st, component, metric, unit, storage)
		       : NULL;
}

int stats_hist_tap(struct stats *st, const char *component, const char *metric,
		   void (*tap)(void *arg, int64_t v), void *arg)
{
	struct stats_entry *e =
		st ? stats_lookup(st, component, metric, false) : NULL;
	struct stat_hist_ctx *x;

	if (!e || e->kind != STAT_HIST)
		return -ENOENT;
	if (e->u.hist->ctx == &st->hist_ctx) { /* one of its own */
		x = stats_carve(st, sizeof(*x));
		if (!x)
			return -ENOMEM;
		*x = st->hist_ctx;
		e->u.hist->ctx = x;
	}
	x = (struct stat_hist_ctx *)e->u.hist->ctx; /* carved: not const */
	x->tap = tap;
	x->tap_arg = arg;
	return 0;
}

void stats_hold_init(struct stat_hold *b, const struct stats *st)
{
	*b = (struct stat_hold){ .warmup_ps = stats_warmup(st) };
}

void stats_hold_flush(struct stat_hold *b, struct stat_hist *h)
{
	for (uint8_t i = 0; i < b->n; i++)
		hist_record(&h->hist, b->v[i]);
	b->n = 0;
}

bool stats_hold_direct(struct stat_hold *b, const struct stat_hist *h)
{
	if (b->mode == STAT_HOLD_UNSET)
		b->mode = stats_hist_tapped(h) ? STAT_HOLD_DIRECT
					       : STAT_HOLD_HELD;
	return b->mode == STAT_HOLD_DIRECT;
}

struct stat_gauge *stats_gauge(struct stats *st, const char *component,
			       const char *metric, const char *unit)
{
	struct stats_entry *e;
	struct stat_gauge *g;

	if (stats_add(st, STAT_GAUGE, component, metric, unit, NULL, &e))
		return NULL;
	g = e->u.gauge;
	g->sim = st->sim;
	g->warmup_ps = st->warmup_ps;
	g->value = 0;
	g->last_ps = st->sim->now;
	g->area = 0;
	g->min = INFINITY;
	g->max = -INFINITY;
	return g;
}

/* The unit of the registered entry whose storage is src, or ""; NULL if
 * memory ran out for the table of addresses, built at the first call. */
static const char *stats_unit_of(struct stats *st, const void *src)
{
	size_t mask = st->hcap - 1;

	if (!st->hcap)
		return "";
	if (!st->by_addr && !(st->by_addr = stats_addr_table(st, st->hcap)))
		return NULL;
	for (size_t k = stats_hash_addr(src) & mask;
	     st->by_addr[k] != STATS_EMPTY; k = (k + 1) & mask) {
		const struct stats_entry *e = st->ent[st->by_addr[k]];

		if (stats_storage(e) == src)
			return e->unit;
	}
	return "";
}

static int stats_series_add(struct stats *st, const char *component,
			    const char *metric, const void *src,
			    struct stats_entry **out)
{
	struct stats_entry *e;
	const char *unit;
	int rc;

	if (!st || !src)
		return -EINVAL;
	unit = stats_unit_of(st, src);
	if (!unit)
		return -ENOMEM;
	rc = stats_add(st, STAT_SERIES, component, metric, unit, NULL, &e);
	if (rc)
		return rc;
	*st->series_tail = e;
	st->series_tail = &e->next_series;
	*out = e;
	return 0;
}

int stats_series_gauge(struct stats *st, const char *component,
		       const char *metric, const struct stat_gauge *src)
{
	struct stats_entry *e;
	int rc = stats_series_add(st, component, metric, src, &e);

	if (!rc)
		e->u.series.gauge = src;
	return rc;
}

int stats_series_counter(struct stats *st, const char *component,
			 const char *metric, const uint64_t *src)
{
	struct stats_entry *e;
	int rc = stats_series_add(st, component, metric, src, &e);

	if (!rc)
		e->u.series.counter = src;
	return rc;
}

int stats_scalar(struct stats *st, const char *component, const char *metric,
		 const char *unit, double value)
{
	struct stats_entry *e;
	int rc;

	if (!st || !component || !metric)
		return -EINVAL;
	e = stats_lookup(st, component, metric, false);
	if (e) {
		if (e->kind != STAT_SCALAR)
			return -EEXIST;
		e->u.scalar = value;
		return 0;
	}
	rc = stats_add(st, STAT_SCALAR, component, metric, unit, NULL, &e);
	if (!rc)
		e->u.scalar = value;
	return rc;
}

static void stats_series_append(struct stats *st, struct stat_series *s,
				sim_time t, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : STATS_SERIES_MIN;
		sim_time *tp = realloc(s->t_ps, cap * sizeof(*tp));
		double *vp;

		if (!tp) {
			st->lost_samples++;
			return;
		}
		s->t_ps = tp;
		vp = realloc(s->value, cap * sizeof(*vp));
		if (!vp) {
			st->lost_samples++;
			return;
		}
		s->value = vp;
		s->cap = cap;
	}
	s->t_ps[s->n] = t;
	s->value[s->n] = v;
	s->n++;
}

void stats_set_series_max(struct stats *st, size_t max)
{
	st->series_max = max < 2 ? 2 : max & ~(size_t)1;
}

/* Keeps samples 0, 2, 4 ... of every series. */
static void stats_decimate(struct stats *st)
{
	for (struct stats_entry *e = st->series; e; e = e->next_series) {
		struct stat_series *s = &e->u.series.s;
		size_t k = 0;

		for (size_t i = 0; i < s->n; i += 2, k++) {
			s->t_ps[k] = s->t_ps[i];
			s->value[k] = s->value[i];
		}
		s->n = k;
	}
}

static void stats_sample(struct sim *sim, void *a, void *b)
{
	struct stats *st = a;
	sim_time next = st->sample_ps;
	size_t n = 0;
	double v;

	(void)b;
	for (struct stats_entry *e = st->series; e; e = e->next_series) {
		if (e->u.series.gauge)
			v = e->u.series.gauge->value;
		else
			v = (double)*e->u.series.counter;
		stats_series_append(st, &e->u.series.s, sim->now, v);
		n = e->u.series.s.n;
	}
	/* Full: the samples of odd index go, and the interval doubles from
	 * the next sample on (which keeps its time: the last one kept is
	 * two intervals before it). */
	if (n >= st->series_max && st->sample_ps <= SIM_TIME_MAX / 2) {
		stats_decimate(st);
		st->sample_ps *= 2;
	}
	/* 0 past the end of time: sampling simply stops. */
	st->sampler = sim_schedule(sim, next, stats_sample, st, NULL);
}

int stats_start(struct stats *st)
{
	sim_time at;

	if (!st)
		return -EINVAL;
	if (st->sample_ps == 0 || st->sampler)
		return 0;
	at = st->warmup_ps > st->sim->now ? st->warmup_ps : st->sim->now;
	st->sampler = sim_schedule_at(st->sim, at, stats_sample, st, NULL);
	return st->sampler ? 0 : -ENOMEM;
}

static void stats_gauge_include(struct stat_gauge *g, double v)
{
	if (v < g->min)
		g->min = v;
	if (v > g->max)
		g->max = v;
}

void stats_gauge_set(struct stat_gauge *g, double value)
{
	sim_time now = g->sim->now;
	sim_time from = g->last_ps > g->warmup_ps ? g->last_ps : g->warmup_ps;

	if (now > from) {
		g->area += g->value * (double)(now - from);
		stats_gauge_include(g, g->value);
	}
	if (now >= g->warmup_ps)
		stats_gauge_include(g, value);
	g->value = value;
	g->last_ps = now;
}

double stats_gauge_mean(const struct stat_gauge *g)
{
	sim_time now = g->sim->now;
	sim_time from = g->last_ps > g->warmup_ps ? g->last_ps : g->warmup_ps;
	double area = g->area;

	if (now <= g->warmup_ps)
		return 0;
	if (now > from)
		area += g->value * (double)(now - from);
	return area / (double)(now - g->warmup_ps);
}

void stats_finish(struct stats *st)
{
	if (!st)
		return;
	if (st->sampler) {
		sim_cancel(st->sim, st->sampler);
		st->sampler = 0;
	}
	for (size_t i = 0; i < st->n; i++) {
		struct stat_gauge *g = st->ent[i]->u.gauge;

		if (st->ent[i]->kind != STAT_GAUGE)
			continue;
		/* Setting the same value integrates up to now. */
		stats_gauge_set(g, g->value);
		if (g->min > g->max)
			g->min = g->max = 0;
	}
	if (st->lost_samples)
		stats_scalar(st, "stats", "series_lost_samples", "",
			     (double)st->lost_samples);
}

size_t stats_count(const struct stats *st)
{
	return st ? st->n : 0;
}

static void stats_info(const struct stats_entry *e, struct stat_info *out)
{
	out->kind = e->kind;
	out->component = e->component;
	out->metric = e->metric;
	out->unit = e->unit;
	switch (e->kind) {
	case STAT_COUNTER:
		out->u.counter = e->u.counter;
		break;
	case STAT_SCALAR:
		out->u.scalar = e->u.scalar;
		break;
	case STAT_HIST:
		out->u.hist = e->u.hist;
		break;
	case STAT_GAUGE:
		out->u.gauge = e->u.gauge;
		break;
	case STAT_SERIES:
		out->u.series = &e->u.series.s;
		break;
	}
}

void stats_get(const struct stats *st, size_t i, struct stat_info *out)
{
	if (!st || i >= st->n) {
		memset(out, 0, sizeof(*out));
		return;
	}
	stats_info(st->ent[i], out);
}

int stats_find(const struct stats *st, const char *component,
	       const char *metric, struct stat_info *out)
{
	const struct stats_entry *e;

	if (!st || !component || !metric)
		return -ENOENT;
	e = stats_lookup(st, component, metric, false);
	if (!e)
		e = stats_lookup(st, component, metric, true);
	if (!e)
		return -ENOENT;
	stats_info(e, out);
	return 0;
}
