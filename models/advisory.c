/*
 * advisory.c - interface advisories as one shared slot (see advisory.h).
 *
 * A report is built from a sample of the source when it is published: the
 * throughput is the bytes sent since the previous report over the time
 * since, the delay an estimate of how long the queued packets wait (their
 * number x the mean size of the packets sent so far / the capacity, 0
 * when nothing was sent yet), and on Wi-Fi the link's quality from the
 * retries since the previous report. It overwrites the slot (latest wins)
 * with the next sequence number. Its notification then takes the
 * publisher's lock for `busy`: one due while the lock is held is dropped,
 * but the slot keeps the report. A notification reaches the subscribers
 * `delay` later (an engine event; several may be on their way); each
 * subscriber then reads the slot, which holds the latest report, not
 * necessarily the one that was notified: it skips the sequence numbers
 * between its previous read and this one, and a read that finds nothing
 * new (a later notification of a report it has read already) delivers
 * nothing.
 */
#include <errno.h>
#include <stdlib.h>

#include "advisory.h"
#include "errmsg.h"
#include "stats.h"

struct adv_sub {
	void (*deliver)(void *arg, const struct adv_report *r);
	void *arg;
	uint64_t seq; /* of the last report read, or the slot's when it
			 subscribed */
};

struct adv {
	struct sim *sim;
	void (*sample)(void *arg, struct adv_sample *out);
	void *arg;
	struct adv_cfg cfg;
	bool started;
	sim_time busy_until, last_ps;
	uint64_t last_bytes, last_retries, last_frames;
	double last_capacity;
	struct adv_report slot; /* the shared slot: the latest report */
	struct adv_sub *subs;
	size_t nsubs, cap;
	uint64_t *published, *dropped, *delivered, *skipped;
	struct stat_gauge *capacity, *quality;
};

int adv_quality_score(uint64_t retries, uint64_t frames)
{
	double ratio;
	int score;

	if (!frames)
		return 5;
	ratio = (double)retries / (double)frames;
	score = 5 - (int)(ratio * 5);
	return score < 1 ? 1 : score > 5 ? 5 : score;
}

/* Every subscriber reads the slot: the latest report, if it is new to
 * it. */
static void adv_notify(struct sim *sim, void *a, void *b)
{
	struct adv *v = a;
	const struct adv_report *r = &v->slot;

	(void)sim;
	(void)b;
	for (size_t i = 0; i < v->nsubs; i++) {
		struct adv_sub *s = &v->subs[i];

		if (s->seq >= r->seq)
			continue; /* read already */
		*v->skipped += r->seq - s->seq - 1;
		s->seq = r->seq;
		s->deliver(s->arg, r);
		(*v->delivered)++;
	}
}

/* The Wi-Fi fields of report r from sample smp (retries since the last
 * report). */
static void adv_link(struct adv *v, struct adv_report *r,
		     const struct adv_sample *smp)
{
	uint64_t frames = smp->tx_frames - v->last_frames;
	uint64_t retries = smp->retries - v->last_retries;

	r->wifi = smp->wifi;
	if (!smp->wifi)
		return;
	r->snr_db = smp->snr_db;
	r->retry_ratio = frames ? (double)retries / (double)frames : 0;
	r->link_quality = adv_quality_score(retries, frames);
	v->last_frames = smp->tx_frames;
	v->last_retries = smp->retries;
	stats_gauge_set(v->quality, r->link_quality);
}

/* Overwrites the slot with a new report. */
static void adv_write(struct adv *v, const struct adv_sample *smp)
{
	sim_time now = sim_now(v->sim), dt = now - v->last_ps;
	struct adv_report *r = &v->slot;
	uint64_t seq = r->seq + 1;

	*r = (struct adv_report){ 0 };
	r->seq = seq;
	r->capacity_bps = smp->capacity_bps;
	r->throughput_bps = dt > 0 ? (double)(smp->tx_bytes - v->last_bytes) *
					     (8 * (double)SIM_S) / (double)dt
				   : 0;
	r->queue_pkts = smp->queue_pkts;
	r->delay_ps =
		smp->capacity_bps > 0 && smp->tx_pkts
			? (sim_time)((double)smp->queue_pkts *
				     (double)smp->tx_bytes /
				     (double)smp->tx_pkts *
				     (8 * (double)SIM_S) / smp->capacity_bps)
			: 0;
	r->trend = seq == 1				  ? ADV_NEUTRAL
		   : smp->capacity_bps > v->last_capacity ? ADV_UP
		   : smp->capacity_bps < v->last_capacity ? ADV_DOWN
							  : ADV_NEUTRAL;
	r->at_ps = now;
	adv_link(v, r, smp);
	v->last_ps = now;
	v->last_bytes = smp->tx_bytes;
	v->last_capacity = smp->capacity_bps;
}

static void adv_publish(struct adv *v)
{
	sim_time now = sim_now(v->sim);
	struct adv_sample smp = { 0 };

	v->sample(v->arg, &smp);
	adv_write(v, &smp);
	stats_gauge_set(v->capacity, smp.capacity_bps);
	(*v->published)++;
	if (now < v->busy_until) {
		(*v->dropped)++; /* the slot has it; no notification */
		return;
	}
	v->busy_until = now + v->cfg.busy_ps;
	if (!sim_schedule(v->sim, v->cfg.delay_ps, adv_notify, v, NULL))
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
	v->skipped = stats_counter(env->st, comp, "skipped", "");
	v->capacity = stats_gauge(env->st, comp, "capacity", "bps");
	v->quality = stats_gauge(env->st, comp, "link_quality", "");
	if (!v->published || !v->dropped || !v->delivered || !v->skipped ||
	    !v->capacity || !v->quality)
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
	/* it has missed nothing yet: what is in the slot came before it */
	a->subs[a->nsubs++] = (struct adv_sub){ deliver, arg, a->slot.seq };
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

const struct adv_report *adv_read(const struct adv *a)
{
	return &a->slot;
}

static void adv_ops_destroy(void *m)
{
	adv_destroy(m);
}

const struct model_ops adv_ops = {
	.name = "advisory",
	.destroy = adv_ops_destroy,
};
