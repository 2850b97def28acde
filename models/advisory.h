/*
 * advisory.h - interface advisories of a host: reports on its interface
 * (capacity, average throughput, queue, average delay, rate trend)
 * published periodically or when something changes, and delivered
 * asynchronously to the channels that subscribed.
 *
 * The publisher starts with its first subscriber. Each report takes the
 * publisher's lock for `busy` (copying it into the shared region); a
 * report due while the lock is held is dropped and counted. Subscribers
 * get the report `delay` after it was published (one event per report).
 * mode periodic: a report every `interval`; mode change: a report only
 * when the source says its capacity changed (adv_changed()).
 *
 * Statistics under COMPONENT (e.g. "hosts.client.advisory"): counters
 * published, dropped (busy lock), delivered (one per subscriber per
 * report); gauge capacity (bit/s, as last reported).
 *
 * Its configuration, struct adv_cfg, comes from adv_cfg_load()
 * (advisory_params.c); the topology keeps it with adv_ops.
 */
#ifndef USNSIM_ADVISORY_H
#define USNSIM_ADVISORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "param.h"
#include "sim.h"

struct adv;

enum adv_trend { ADV_DOWN = -1, ADV_NEUTRAL = 0, ADV_UP = 1 };

struct adv_report {
	double capacity_bps;   /* what the interface can send now */
	double throughput_bps; /* sent since the previous report */
	uint64_t queue_pkts;   /* waiting to leave the host and on the link */
	sim_time delay_ps;     /* mean time those packets wait, estimated */
	int trend;	       /* enum adv_trend: capacity against the last */
	sim_time at_ps;	       /* when it was published */
};

/* What the source tells the publisher: capacity, bytes and packets sent
 * so far (for the throughput and mean size) and packets queued. */
struct adv_sample {
	double capacity_bps;
	uint64_t tx_bytes, tx_pkts;
	uint64_t queue_pkts;
};

/* The configuration of a host's advisories: the parameters under
 * HOST.advisory (see advisory_params.c for their meaning, units and
 * sources). */
struct adv_cfg {
	sim_time interval_ps; /* between reports, mode periodic */
	sim_time delay_ps;    /* from a report to its delivery */
	sim_time busy_ps;     /* a report holds the publisher's lock */
	bool periodic;	      /* mode periodic, else change */
};

/* Fills cfg from the parameters of host prefix ("hosts.client"):
 * prefix.advisory.*. Returns 0 (they have no combination to refuse). */
int adv_cfg_load(struct adv_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen);

/* Creates the publisher, sampling its source with sample(arg, out) and
 * registering its statistics under env->component
 * ("hosts.client.advisory"). Returns 0, or -ENOMEM with a message in
 * err. */
int adv_create(const struct adv_cfg *cfg, const struct model_env *env,
	       void (*sample)(void *arg, struct adv_sample *out), void *arg,
	       struct adv **out, char *err, size_t errlen);
void adv_destroy(struct adv *a); /* NULL is a no-op */
/* destroy for the topology's loops (it has no scalars and holds no
 * packets). */
extern const struct model_ops adv_ops;
/* Subscribes deliver(arg, report); the first subscription starts the
 * publisher (its first report at once). Returns 0 or -ENOMEM. */
int adv_subscribe(struct adv *a,
		  void (*deliver)(void *arg, const struct adv_report *r),
		  void *arg);
/* The source's capacity changed: a report now (either mode). */
void adv_changed(struct adv *a);

#endif
