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
#include "pool.h"
#include "rng.h"
#include "scenario.h"
#include "sink.h"
#include "stats.h"

enum app_size { SIZE_FIXED, SIZE_EXP, SIZE_UNIFORM, SIZE_EMPIRICAL };

struct app {
	struct sim *sim;
	struct pkt_pool *pool;
	uint32_t index;
	uint32_t trace_id;
	bool poisson, rpc;
	uint32_t burst;
	uint64_t emissions; /* arrivals so far (each sends burst packets) */
	uint64_t requests;  /* rpc: requests made */
	uint32_t response_size;
	sim_time think_ps, timeout_ps;
	sim_time on_ps, off_ps; /* mean on and off periods; on 0: always on */
	bool onoff_exp;		/* exponential periods (else fixed) */
	sim_time on_end_ps;	/* end of the current on period */
	sim_time shift_ps;	/* CBR: off time skipped so far */
	sim_time anchor_ps;	/* CBR: departures at anchor + k period ... */
	uint64_t anchor_n;	/* ... counting k from this emission */
	sim_time next_ps;	/* the next arrival scheduled */
	sim_time deadline_ps;	/* relative to creation, 0: none */
	uint8_t expiry;		/* enum pkt_expiry */
	uint32_t backoff_every; /* expired events before slowing down */
	double backoff_factor;
	uint64_t expired_seen;
	bool adaptive, tx_status;
	double adapt_share;
	double mean_bits; /* mean packet size in bits */
	uint64_t *expired, *rate_changes, *advisories, *deadline_misses;
	struct rng *onoff;
	uint64_t req_id;    /* rpc: the request waited for, 0: none */
	sim_event_id timer; /* rpc: its timeout */
	uint64_t *timeouts;
	uint64_t last_id; /* id of the last packet made */
	int forge;	  /* enum pkt_forgery; -1: mix */
	uint64_t forged_n;
	struct sink *sink;	   /* rpc: records delivered packets */
	struct sim_port reply_out; /* rpc: the peer end's stack */
	struct stat_hist *rtt;
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

/* The length of the next on or off period (mean mean_ps). */
static sim_time app_period(struct app *a, sim_time mean_ps)
{
	if (!a->onoff_exp)
		return mean_ps;
	return (sim_time)llround(rng_exponential(a->onoff, (double)mean_ps));
}

/* Moves t out of the off periods: every off period it falls into (or
 * past) pushes it, and the CBR schedule, back by that period. */
static sim_time app_skip_off(struct app *a, sim_time t)
{
	while (a->on_ps && t >= a->on_end_ps) {
		sim_time gap = app_period(a, a->off_ps);

		t += gap;
		a->shift_ps += gap;
		a->on_end_ps += gap + app_period(a, a->on_ps);
	}
	return t;
}

static sim_time app_next_time(struct app *a)
{
	sim_time t;

	if (a->poisson)
		t = sim_now(a->sim) + (sim_time)llround(rng_exponential(
					      a->arrivals, a->period_ps));
	else
		t = a->anchor_ps + a->shift_ps +
		    (sim_time)llround((double)(a->emissions - a->anchor_n) *
				      a->period_ps);
	return app_skip_off(a, t);
}

/* The forgery of the next packet of a spoofing app. */
static uint8_t app_forgery(struct app *a)
{
	if (a->forge >= 0)
		return (uint8_t)a->forge;
	return (uint8_t)(PKT_FORGE_SADDR +
			 a->forged_n++ % (PKT_NFORGERIES - 1));
}

/* Makes and sends one packet; returns false if memory ran out. */
static bool app_send_one(struct app *a, enum pkt_kind kind)
{
	struct sim *sim = a->sim;
	struct sim_pkt *p = pkt_alloc(a->pool);

	if (!p) {
		sim_stop(sim); /* out of memory: end the run, it is reported */
		return false;
	}
	p->len_bytes = app_draw_size(a);
	p->src = a->index;
	p->created_ps = sim_now(sim);
	p->kind = (uint8_t)kind;
	p->forged = app_forgery(a);
	if (a->deadline_ps) {
		p->deadline_ps = p->created_ps + a->deadline_ps;
		p->expiry = a->expiry;
	}
	p->want_status = a->tx_status;
	a->last_id = p->id;
	(*a->sent)++;
	*a->sent_bytes += p->len_bytes;
	sim_trace(sim, a->trace_id, SIM_TR_SEND, p->len_bytes);
	sim_port_send(&a->out, p);
	return true;
}

static void app_emit(struct sim *sim, void *arg, void *unused);

/* rpc: the request waited for was not answered in time: the next one. */
static void app_timeout(struct sim *sim, void *arg, void *unused)
{
	struct app *a = arg;

	(void)unused;
	a->timer = 0;
	a->req_id = 0;
	(*a->timeouts)++;
	if (!a->limit || a->requests < a->limit)
		sim_schedule(sim, a->think_ps, app_emit, a, NULL);
}

/* rpc: sends the next request and waits for its response (or the
 * timeout). */
static void app_request_next(struct app *a)
{
	a->requests++;
	if (!app_send_one(a, PKT_REQUEST))
		return;
	a->req_id = a->last_id;
	if (a->timeout_ps)
		a->timer = sim_schedule(a->sim, a->timeout_ps, app_timeout, a,
					NULL);
}

/* Schedules the next arrival (never in the past). */
static void app_schedule_next(struct app *a)
{
	sim_time t = app_next_time(a);

	if (t < sim_now(a->sim))
		t = sim_now(a->sim);
	a->next_ps = t;
	if (!sim_schedule_at(a->sim, t, app_emit, a, NULL))
		sim_stop(a->sim); /* out of memory: end the run, it shows */
}

static void app_emit(struct sim *sim, void *arg, void *unused)
{
	struct app *a = arg;

	(void)sim;
	(void)unused;
	if (a->rpc) {
		app_request_next(a);
		return;
	}
	a->emissions++;
	for (uint32_t i = 0; i < a->burst; i++) {
		if (a->limit && *a->sent >= a->limit)
			return;
		if (i + 1 == a->burst && (!a->limit || *a->sent + 1 < a->limit))
			app_schedule_next(a);
		if (!app_send_one(a, PKT_DATA))
			return;
	}
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

static int app_forge_kind(const char *v)
{
	static const char *const names[] = { "none", "saddr", "sport", "proto",
					     "replay" };

	for (int i = 0; i < PKT_NFORGERIES; i++)
		if (!strcmp(v, names[i]))
			return i;
	return -1; /* mix */
}

/* Deadlines and how the app reacts to events and advisories. */
static void app_load_reactions(struct app *a, const struct scn *s,
			       const char *pre)
{
	char path[160];

	snprintf(path, sizeof(path), "%s.deadline", pre);
	a->deadline_ps = scn_time(s, path);
	snprintf(path, sizeof(path), "%s.expiry", pre);
	a->expiry = !strcmp(scn_str(s, path), "drop")	  ? PKT_EXP_DROP
		    : !strcmp(scn_str(s, path), "notify") ? PKT_EXP_NOTIFY
							  : PKT_EXP_NONE;
	snprintf(path, sizeof(path), "%s.expiry_backoff", pre);
	a->backoff_every = (uint32_t)scn_int(s, path);
	snprintf(path, sizeof(path), "%s.backoff_factor", pre);
	a->backoff_factor = scn_double(s, path);
	snprintf(path, sizeof(path), "%s.adaptive", pre);
	a->adaptive = scn_int(s, path) != 0;
	snprintf(path, sizeof(path), "%s.adapt_share", pre);
	a->adapt_share = scn_double(s, path);
	snprintf(path, sizeof(path), "%s.tx_status", pre);
	a->tx_status = scn_int(s, path) != 0;
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
	a->rpc = !strcmp(scn_str(s, path), "rpc");
	snprintf(path, sizeof(path), "%s.burst", pre);
	a->burst = (uint32_t)scn_int(s, path);
	snprintf(path, sizeof(path), "%s.response_size", pre);
	a->response_size = (uint32_t)scn_size(s, path);
	snprintf(path, sizeof(path), "%s.think", pre);
	a->think_ps = scn_time(s, path);
	snprintf(path, sizeof(path), "%s.timeout", pre);
	a->timeout_ps = scn_time(s, path);
	snprintf(path, sizeof(path), "%s.on_time", pre);
	a->on_ps = scn_time(s, path);
	snprintf(path, sizeof(path), "%s.off_time", pre);
	a->off_ps = scn_time(s, path);
	snprintf(path, sizeof(path), "%s.onoff_dist", pre);
	a->onoff_exp = !strcmp(scn_str(s, path), "exponential");
	snprintf(path, sizeof(path), "%s.forge", pre);
	a->forge = app_forge_kind(scn_str(s, path));
	snprintf(path, sizeof(path), "%s.rate", pre);
	rate = scn_get(s, path);
	a->period_ps = rate->per_packet
			       ? 1e12 / rate->u.d
			       : 1e12 * 8 * app_mean_size(a) / rate->u.d;
	a->period_ps *= a->burst; /* the rate is the load, in packets or bits */
	a->mean_bits = 8 * app_mean_size(a);
	app_load_reactions(a, s, pre);
	snprintf(path, sizeof(path), "%s.start", pre);
	a->start_ps = scn_time(s, path);
	a->anchor_ps = a->start_ps;
	snprintf(path, sizeof(path), "%s.count", pre);
	a->limit = (uint64_t)scn_int(s, path);
	snprintf(path, sizeof(path), "%s.arrivals", pre);
	a->arrivals = rng_create(seed, rep, path);
	snprintf(path, sizeof(path), "%s.sizes", pre);
	a->sizes = rng_create(seed, rep, path);
	snprintf(path, sizeof(path), "%s.onoff", pre);
	a->onoff = rng_create(seed, rep, path);
	if (a->on_ps)
		a->on_end_ps = a->start_ps + app_period(a, a->on_ps);
	return a->arrivals && a->sizes && a->onoff ? 0 : -ENOMEM;
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
	if (a->rpc) {
		a->rtt = stats_hist(st, comp, "rtt", "ps");
		a->timeouts = stats_counter(st, comp, "timeouts", "");
	}
	if (a->deadline_ps || a->adaptive) {
		a->expired = stats_counter(st, comp, "expired", "packets");
		a->rate_changes = stats_counter(st, comp, "rate_changes", "");
		a->advisories = stats_counter(st, comp, "advisories", "");
		if (!a->expired || !a->rate_changes || !a->advisories)
			goto out_free;
	}
	rc = -ENOMEM;
	if (!a->sent || !a->sent_bytes || (a->rpc && (!a->rtt || !a->timeouts)))
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
	rng_destroy(a->onoff);
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

bool app_is_rpc(const struct app *a)
{
	return a->rpc;
}

void app_connect_rpc(struct app *a, struct sim_port reply_out,
		     struct sink *sink)
{
	a->reply_out = reply_out;
	a->sink = sink;
}

/* The peer end: a request arrived; it is answered at once. */
static void app_request(void *owner, struct sim_pkt *p)
{
	struct app *a = owner;
	struct sim *sim = a->sim;

	sink_record(a->sink, p);
	pool_release(p);
	p->req_ps = p->created_ps;
	p->created_ps = sim_now(sim);
	p->kind = PKT_RESPONSE;
	p->len_bytes = a->response_size;
	p->queued_ps = 0;
	p->forged = PKT_FORGE_NONE;
	memset(p->stamp_ps, 0, sizeof(p->stamp_ps));
	(*a->sent)++;
	*a->sent_bytes += p->len_bytes;
	sim_trace(sim, a->trace_id, SIM_TR_SEND, p->len_bytes);
	sim_port_send(&a->reply_out, p);
}

/* The app's end: the response to its request; the next request follows
 * after the think time. */
static void app_response(void *owner, struct sim_pkt *p)
{
	struct app *a = owner;
	struct sim *sim = a->sim;

	bool awaited = p->id == a->req_id;

	sink_record(a->sink, p);
	stats_hist_record(a->rtt, sim_now(sim) - p->req_ps);
	pool_release(p);
	pkt_free(a->pool, p);
	if (!awaited)
		return; /* a late answer to a request given up */
	a->req_id = 0;
	if (a->timer)
		sim_cancel(sim, a->timer);
	a->timer = 0;
	if (!a->limit || a->requests < a->limit)
		sim_schedule(sim, a->think_ps, app_emit, a, NULL);
}

struct sim_port app_request_input(struct app *a)
{
	return (struct sim_port){ .recv = app_request, .owner = a };
}

struct sim_port app_response_input(struct app *a)
{
	return (struct sim_port){ .recv = app_response, .owner = a };
}

/* A new sending rate from now on (packets per second x burst kept): the
 * next departure already scheduled stays; the ones after follow the new
 * period. */
static void app_set_period(struct app *a, double period_ps)
{
	if (period_ps <= 0 || period_ps == a->period_ps)
		return;
	/* the arrival already scheduled stays; the next ones are period
	 * apart from it */
	a->anchor_ps =
		a->next_ps > sim_now(a->sim) ? a->next_ps : sim_now(a->sim);
	a->anchor_n = a->emissions;
	a->shift_ps = 0;
	a->period_ps = period_ps;
	(*a->rate_changes)++;
}

void app_on_expired(struct app *a, bool dropped)
{
	(void)dropped;
	if (!a->expired)
		return;
	(*a->expired)++;
	if (a->backoff_every && ++a->expired_seen % a->backoff_every == 0)
		app_set_period(a, a->period_ps / a->backoff_factor);
}

void app_on_advisory(struct app *a, double capacity_bps)
{
	if (!a->advisories)
		return;
	(*a->advisories)++;
	if (a->adaptive && capacity_bps > 0 && !a->rpc)
		app_set_period(a, 1e12 * a->mean_bits * a->burst /
					  (a->adapt_share * capacity_bps));
}

double app_rate_bps(const struct app *a)
{
	return a->period_ps > 0 ? 1e12 * a->mean_bits * a->burst / a->period_ps
				: 0;
}

bool app_wants_advisories(const struct app *a)
{
	return a->adaptive;
}
