/*
 * advisory.h - interface advisories of a host: reports on its interface
 * (capacity, average throughput, queue, average delay, rate trend and,
 * on Wi-Fi, the link's quality) written into one shared slot,
 * periodically or when something changes, and notified asynchronously to
 * the channels that subscribed.
 *
 * The publisher starts with its first subscriber. Each report overwrites
 * the slot (latest wins, as the reference implementation's
 * __kern_netif_intf_advisory) and increments its sequence number (seq:
 * not in the reference implementation, where only the timestamp tells a
 * report from the previous one). Its notification takes the publisher's
 * lock for `busy`; one due while the lock is held is dropped and counted,
 * and the slot still holds the report (as XNU's
 * nx_interface_advisory_notify drops the notification on a busy lock).
 * A notification reaches the subscribers `delay` later; each reads the
 * slot then, getting the latest report, and counts the reports it missed
 * (skipped). mode periodic: a report every `interval`; mode change: a
 * report only when the source says its capacity changed (adv_changed()).
 *
 * Statistics under COMPONENT (e.g. "hosts.client.advisory"): counters
 * published (reports written), dropped (notifications lost on the busy
 * lock), delivered (reads that found a new report, one per subscriber),
 * skipped (reports overwritten before a subscriber read them); gauges
 * capacity (bit/s, as last reported) and link_quality (Wi-Fi, 1..5).
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

/* The shared slot: the latest report. */
struct adv_report {
	uint64_t seq;	       /* 1 for the first report, +1 for each */
	double capacity_bps;   /* what the interface can send now */
	double throughput_bps; /* sent since the previous report */
	uint64_t queue_pkts;   /* waiting to leave the host and on the link */
	sim_time delay_ps;     /* mean time those packets wait, estimated */
	int trend;	       /* enum adv_trend: capacity against the last */
	sim_time at_ps;	       /* when it was published */
	/* Wi-Fi (wifi true): the link's quality */
	bool wifi;
	int link_quality;   /* 1 (bad) .. 5 (good): adv_quality_score() */
	double retry_ratio; /* failed / data transmissions since the last */
	double snr_db;	    /* signal over noise of the last frame received */
};

/* What the source tells the publisher: capacity, bytes and packets sent
 * so far (for the throughput and mean size), packets queued and, on
 * Wi-Fi, the link's counters so far and its last SNR. */
struct adv_sample {
	double capacity_bps;
	uint64_t tx_bytes, tx_pkts;
	uint64_t queue_pkts;
	bool wifi;
	uint64_t tx_frames, retries;
	double snr_db;
};

/* The link quality score of a report, on the reference implementation's
 * scale of 1 to 5 (quality_score_loss): 5 - floor(5 x retries / frames),
 * kept in [1, 5]; 5 without frames. */
int adv_quality_score(uint64_t retries, uint64_t frames);

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
/* Subscribes deliver(arg, report): called when a notification reaches
 * the subscriber and the slot holds a report it has not read (r is the
 * slot: copy what outlives the call). The first subscription starts the
 * publisher (its first report at once). Returns 0 or -ENOMEM. */
int adv_subscribe(struct adv *a,
		  void (*deliver)(void *arg, const struct adv_report *r),
		  void *arg);
/* The source's capacity changed: a report now (either mode). */
void adv_changed(struct adv *a);
/* The slot as it is now (seq 0: nothing published yet). */
const struct adv_report *adv_read(const struct adv *a);

#endif
