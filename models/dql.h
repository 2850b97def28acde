/*
 * dql.h - a dynamic limit on the bytes a sender keeps in a device's queue,
 * in the manner of Linux's byte queue limits (BQL, lib/dynamic_queue_limits.c):
 * the sender hands the device frames while the bytes handed and not yet
 * completed are below the limit; the device reports each frame's
 * completion; the limit grows when the device ran dry while the sender
 * was held back by it (it was too small to keep the device busy), and
 * shrinks by the smallest slack seen over a hold time when it was larger
 * than needed.
 *
 * All quantities are bytes since creation (never wrapping in a run).
 * Completions must come in the order the bytes were queued, as a device's
 * transmit completions do. ns-3 has the same algorithm
 * (ns3::DynamicQueueLimits) but reads ns-3's own clock, which the native
 * engine does not run, so this one takes the time from its caller.
 */
#ifndef USNSIM_DQL_H
#define USNSIM_DQL_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

struct dql {
	uint64_t limit, min_limit, max_limit;
	uint64_t queued, completed;	  /* bytes ever handed, completed */
	uint64_t prev_queued;		  /* queued at the last completion */
	uint64_t prev_ovlimit;		  /* how far over the limit then */
	uint64_t last_obj, prev_last_obj; /* size of the last frame queued */
	uint64_t lowest_slack;
	sim_time slack_start_ps, hold_ps;
	uint64_t grows, shrinks; /* limit changes, for statistics */
};

/* A limit starting at min_limit, kept in [min_limit, max_limit], that
 * shrinks at most once per hold_ps. */
void dql_init(struct dql *q, uint64_t min_limit, uint64_t max_limit,
	      sim_time hold_ps);
/* bytes handed to the device. */
void dql_queued(struct dql *q, uint64_t bytes);
/* The device completed bytes (the oldest ones outstanding) at now. */
void dql_completed(struct dql *q, uint64_t bytes, sim_time now);
/* Bytes handed and not completed. */
uint64_t dql_inflight(const struct dql *q);
/* True if the sender may hand another frame: fewer bytes outstanding
 * than the limit (the frame may take it past the limit, as in Linux,
 * where the queue stops once it is over). */
bool dql_open(const struct dql *q);

#endif
