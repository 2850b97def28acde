/*
 * advisory.c - interface advisories (see advisory.h).
 *
 * A report is built from a sample of the source when it is published: the
 * throughput is the bytes sent since the previous report over the time
 * since, the delay an estimate of how long the queued packets wait (their
 * number x the mean size of the packets sent so far / the capacity, 0
 * when nothing was sent yet). Reports in flight to subscribers wait in a
 * small ring (a report whose delivery is still pending when a later one
 * is published keeps its place: deliveries are in order).
 */
#include <errno.h>
#include <stdlib.h>

#include "advisory.h"
#include "errmsg.h"
#include "stats.h"

#define ADV_INFLIGHT 64 /* reports published and not yet delivered */

struct adv_sub {
	void (*deliver)(void *arg, const struct adv_report *r);
	void *arg;
};

struct adv {
	struct sim *sim;
	void (*sample)(void *arg, struct adv_sample *out);
	void *arg;
	struct adv_cfg cfg;
	bool started;
	sim_time busy_until, last_ps;
	uint64_t last_bytes;
	double last_capacity;
	struct adv_sub *subs;
	size_t nsubs, cap;
	struct adv_report ring[ADV_INFLIGHT];
	uint32_t prod, cons;
	uint64_t *published, *dropped, *delivered;
	struct stat_gauge *capacity;
};

static void adv_deliver(struct sim *sim, void *a, void *b)
{
	struct adv *v = a;
	const struct adv_report *r = &v->ring[v->cons % ADV_INFLIGHT];

	(void)sim;
	(void)b;
	for (size_t i = 0; i < v->nsubs; i++) {
		v->subs[i].deliver(v->subs[i].arg, r);
		(*v->delivered)++;
	}
	v->cons++;
}

static void adv_publish(struct adv *v)
{
	sim_time now = sim_now(v->sim), dt = now - v->last_ps;
	struct adv_report *r;
	struct adv_sample smp;

	if (now < v->busy_until || v->prod - v->cons == ADV_INFLIGHT) {
		(*v->dropped)++;
		return;
	}
	v->busy_until = now + v->cfg.busy_ps;
	v->sample(v->arg, &smp);
	r = &v->ring[v->prod++ % ADV_INFLIGHT];
	r->capacity_bps = smp.capacity_bps;
	r->throughput_bps = dt > 0 ? (double)(smp.tx_bytes - v->last_bytes) *
					     (8 * (double)SIM_S) / (double)dt
				   : 0;
	r->queue_pkts = smp.queue_pkts;
	r->delay_ps =
		smp.capacity_bps > 0 && smp.tx_pkts
			? (sim_time)((double)smp.queue_pkts *
				     (double)smp.tx_bytes /
				     (double)smp.tx_pkts * (8 * (double)SIM_S) /
				     smp.capacity_bps)
			: 0;
	r->trend = smp.capacity_bps > v->last_capacity	 ? ADV_UP
		   : smp.capacity_bps < v->last_capacity ? ADV_DOWN
							 : ADV_NEUTRAL;
	if (!*v->published)
		r->trend = ADV_NEUTRAL;
	r->at_ps = now;
	v->last_ps = now;
	v->last_bytes = smp.tx_bytes;
	v->last_capacity = smp.capacity_bps;
	stats_gauge_set(v->capacity, smp.capacity_bps);
	(*v->published)++;
	if (!sim_schedule(v->sim, v->cfg.delay_ps, adv_deliver, v, NULL))
		sim_stop(v->sim); /* out of memory: end the run, it shows */
}

static void adv_tick(struct sim *sim, void *a, void *b)
{
	struct adv *v = a;

	(void)b;
	adv_publish(v);
	if (!sim_schedule(sim, v->cfg.interval_ps, adv_tick, v, NULL))
		sim_stop(sim);
}

/* mode change: the first report, when the first channel subscribes. */
static void adv_first(struct sim *sim, void *a, void *b)
{
	(void)sim;
	(void)b;
	adv_publish(a);
}

int adv_create(const struct adv_cfg *cfg, const struct model_env *env,
	       void (*sample)(void *arg, struct adv_sample *out), void *arg,
	       struct adv **out, char *err, size_t errlen)
{
	struct adv *v = calloc(1, sizeof(*v));
	const char *comp = env->component;

	if (!v)
		goto out_nomem;
	v->sim = env->sim;
	v->sample = sample;
	v->arg = arg;
	v->cfg = *cfg;
	v->published = stats_counter(env->st, comp, "published", "");
	v->dropped = stats_counter(env->st, comp, "dropped", "");
	v->delivered = stats_counter(env->st, comp, "delivered", "");
	v->capacity = stats_gauge(env->st, comp, "capacity", "bps");
	if (!v->published || !v->dropped || !v->delivered || !v->capacity)
		goto out_free;
	*out = v;
	return 0;
out_free:
	free(v);
out_nomem:
	errmsg(err, errlen, "%s: out of memory", comp);
	return -ENOMEM;
}

void adv_destroy(struct adv *a)
{
	if (!a)
		return;
	free(a->subs);
	free(a);
}

int adv_subscribe(struct adv *a,
		  void (*deliver)(void *arg, const struct adv_report *r),
		  void *arg)
{
	if (a->nsubs == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 4;
		struct adv_sub *v = realloc(a->subs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->subs = v;
		a->cap = cap;
	}
	a->subs[a->nsubs++] = (struct adv_sub){ deliver, arg };
	if (a->started)
		return 0;
	if (!sim_schedule(a->sim, 0, a->cfg.periodic ? adv_tick : adv_first, a,
			  NULL))
		return -ENOMEM;
	a->started = true;
	return 0;
}

void adv_changed(struct adv *a)
{
	if (a->started)
		adv_publish(a);
}

static void adv_ops_destroy(void *m)
{
	adv_destroy(m);
}

const struct model_ops adv_ops = {
	.name = "advisory",
	.destroy = adv_ops_destroy,
};
