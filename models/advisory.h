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
 */
#ifndef USNSIM_ADVISORY_H
#define USNSIM_ADVISORY_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

struct adv;
struct scn;
struct stats;

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

/* Creates the publisher of host prefix ("hosts.client") from
 * prefix.advisory.*, sampling its source with sample(arg, out). Returns 0
 * or -ENOMEM. */
int adv_create(struct sim *sim, struct stats *st, const struct scn *s,
	       const char *prefix, const char *component,
	       void (*sample)(void *arg, struct adv_sample *out), void *arg,
	       struct adv **out);
void adv_destroy(struct adv *a); /* NULL is a no-op */
/* Subscribes deliver(arg, report); the first subscription starts the
 * publisher (its first report at once). Returns 0 or -ENOMEM. */
int adv_subscribe(struct adv *a,
		  void (*deliver)(void *arg, const struct adv_report *r),
		  void *arg);
/* The source's capacity changed: a report now (either mode). */
void adv_changed(struct adv *a);

#endif
