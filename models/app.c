/*
 * app.c - traffic sources: Poisson or CBR arrivals, sizes from a
 * distribution.
 *
 * Each app owns two random streams, one for inter-arrival times and one for
 * sizes, so changing the size distribution does not change the arrival
 * instants (and vice versa). A rate given in bit/s is turned into packets/s
 * with the mean packet size of the distribution. CBR departures are placed
 * at start + k * period, rounded to the picosecond per packet, so they do
 * not drift however long the run.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "rng.h"
#include "scenario.h"
#include "stats.h"

enum app_size { SIZE_FIXED, SIZE_EXP, SIZE_UNIFORM, SIZE_EMPIRICAL };

struct app {
	struct sim *sim;
	struct pkt_pool *pool;
	uint32_t index;
	uint32_t trace_id;
	bool poisson;
	double period_ps; /* mean inter-arrival time */
	sim_time start_ps;
	uint64_t limit; /* 0: no limit */
	enum app_size size_kind;
	uint64_t size, size_min, size_max;
	struct rng *arrivals, *sizes;
	struct rng_empirical *table;
	struct sim_port out;
	uint64_t *sent, *sent_bytes;
};

static uint32_t app_draw_size(struct app *a)
{
	double v;

	switch (a->size_kind) {
	case SIZE_EXP:
		v = round(rng_exponential(a->sizes, (double)a->size));
		return v < 1 ? 1 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	case SIZE_UNIFORM:
		return (uint32_t)(a->size_min +
				  rng_u64(a->sizes,
					  a->size_max - a->size_min + 1));
	case SIZE_EMPIRICAL:
		return (uint32_t)rng_empirical(a->sizes, a->table);
	case SIZE_FIXED:
	default:
		return (uint32_t)a->size;
	}
}

static sim_time app_next_time(struct app *a)
{
	if (a->poisson)
		return sim_now(a->sim) + (sim_time)llround(rng_exponential(
						 a->arrivals, a->period_ps));
	return a->start_ps + (sim_time)llround((double)*a->sent * a->period_ps);
}

static void app_emit(struct sim *sim, void *arg, void *unused)
{
	struct app *a = arg;
	struct sim_pkt *p = pkt_alloc(a->pool);

	(void)unused;
	if (!p) {
		sim_stop(sim); /* out of memory: end the run, it is reported */
		return;
	}
	p->len_bytes = app_draw_size(a);
	p->src = a->index;
	p->created_ps = sim_now(sim);
	(*a->sent)++;
	*a->sent_bytes += p->len_bytes;
	sim_trace(sim, a->trace_id, SIM_TR_SEND, p->len_bytes);
	if (!a->limit || *a->sent < a->limit)
		sim_schedule_at(sim, app_next_time(a), app_emit, a, NULL);
	sim_port_send(&a->out, p);
}

static double app_mean_size(const struct app *a)
{
	switch (a->size_kind) {
	case SIZE_UNIFORM:
		return ((double)a->size_min + (double)a->size_max) / 2;
	case SIZE_EMPIRICAL:
		return rng_empirical_mean(a->table);
	default:
		return (double)a->size;
	}
}

/* Reads the size distribution; returns 0 or -EINVAL with err filled. */
static int app_load_sizes(struct app *a, const struct scn *s, const char *pre,
			  char *err, size_t errlen)
{
	char path[160], where[160];
	const char *dist;
	const struct param_table *t;

	snprintf(path, sizeof(path), "%s.size_dist", pre);
	dist = scn_str(s, path);
	a->size_kind = !strcmp(dist, "exponential") ? SIZE_EXP
		       : !strcmp(dist, "uniform")   ? SIZE_UNIFORM
		       : !strcmp(dist, "empirical") ? SIZE_EMPIRICAL
						    : SIZE_FIXED;
	snprintf(path, sizeof(path), "%s.size", pre);
	a->size = scn_size(s, path);
	snprintf(path, sizeof(path), "%s.size_min", pre);
	a->size_min = scn_size(s, path);
	snprintf(path, sizeof(path), "%s.size_max", pre);
	a->size_max = scn_size(s, path);
	if (a->size_kind == SIZE_UNIFORM && a->size_min > a->size_max) {
		scn_where(s, path, where, sizeof(where));
		snprintf(
			err, errlen,
			"%s: size_max must not be below size_min for uniform sizes",
			where);
		return -EINVAL;
	}
	if (a->size_kind != SIZE_EMPIRICAL)
		return 0;
	snprintf(path, sizeof(path), "%s.size_table", pre);
	t = scn_get(s, path)->u.table;
	a->table = t ? rng_empirical_create(t->value, t->weight, t->n) : NULL;
	if (!a->table) {
		snprintf(path, sizeof(path), "%s.size_dist", pre);
		scn_where(s, path, where, sizeof(where));
		snprintf(
			err, errlen,
			"%s: empirical sizes need a size_table of [size, weight] pairs with a positive total weight",
			where);
		return -EINVAL;
	}
	return 0;
}

static int app_load(struct app *a, const struct scn *s, const char *name,
		    uint32_t rep, char *err, size_t errlen)
{
	char pre[128], path[160];
	const struct param_val *rate;
	uint64_t seed = (uint64_t)scn_int(s, "seed");
	int rc;

	snprintf(pre, sizeof(pre), "apps.%s", name);
	rc = app_load_sizes(a, s, pre, err, errlen);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s.pattern", pre);
	a->poisson = !strcmp(scn_str(s, path), "poisson");
	snprintf(path, sizeof(path), "%s.rate", pre);
	rate = scn_get(s, path);
	a->period_ps = rate->per_packet
			       ? 1e12 / rate->u.d
			       : 1e12 * 8 * app_mean_size(a) / rate->u.d;
	snprintf(path, sizeof(path), "%s.start", pre);
	a->start_ps = scn_time(s, path);
	snprintf(path, sizeof(path), "%s.count", pre);
	a->limit = (uint64_t)scn_int(s, path);
	snprintf(path, sizeof(path), "%s.arrivals", pre);
	a->arrivals = rng_create(seed, rep, path);
	snprintf(path, sizeof(path), "%s.sizes", pre);
	a->sizes = rng_create(seed, rep, path);
	return a->arrivals && a->sizes ? 0 : -ENOMEM;
}

int app_create(struct sim *sim, struct stats *st, struct pkt_pool *pool,
	       const struct scn *s, const char *name, uint32_t index,
	       uint32_t rep, struct app **out, char *err, size_t errlen)
{
	struct app *a = calloc(1, sizeof(*a));
	char comp[128];
	int rc;

	if (!a)
		return -ENOMEM;
	a->sim = sim;
	a->pool = pool;
	a->index = index;
	rc = app_load(a, s, name, rep, err, errlen);
	if (rc)
		goto out_free;
	snprintf(comp, sizeof(comp), "apps.%s", name);
	a->trace_id = sim_trace_id(comp);
	a->sent = stats_counter(st, comp, "sent", "packets");
	a->sent_bytes = stats_counter(st, comp, "sent_bytes", "B");
	rc = -ENOMEM;
	if (!a->sent || !a->sent_bytes)
		goto out_free;
	*out = a;
	return 0;
out_free:
	app_destroy(a);
	return rc;
}

void app_destroy(struct app *a)
{
	if (!a)
		return;
	rng_destroy(a->arrivals);
	rng_destroy(a->sizes);
	rng_empirical_destroy(a->table);
	free(a);
}

void app_connect(struct app *a, struct sim_port out)
{
	a->out = out;
}

int app_start(struct app *a)
{
	return sim_schedule_at(a->sim, a->start_ps, app_emit, a, NULL)
		       ? 0
		       : -ENOMEM;
}

uint64_t app_sent(const struct app *a)
{
	return *a->sent;
}
