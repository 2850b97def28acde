/*
 * sink.h - the far end of a bare queue: records what each app's packets
 * went through, then frees them.
 */
#ifndef USNSIM_SINK_H
#define USNSIM_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

struct sink;
struct stats;

/* One sink serving napps apps, whose names index their packets' src.
 * Registers per app: received, received_bytes, dropped (counters), latency
 * and queue_delay, and stage histograms (ps): stage.queueing and
 * stage.transmission, or for an app with hosted[i] true (hosted may be
 * NULL: none) the NIC stages of sink.c. Returns 0 or -ENOMEM. */
int sink_create(struct sim *sim, struct stats *st, struct pkt_pool *pool,
		size_t napps, const char *const *names, const bool *hosted,
		struct sink **out);
void sink_destroy(struct sink *k); /* NULL is a no-op */
/* Port for delivered packets, and port for packets dropped on the way. */
struct sim_port sink_input(struct sink *k);
struct sim_port sink_drop_input(struct sink *k);
uint64_t sink_received(const struct sink *k, size_t app);
uint64_t sink_dropped(const struct sink *k, size_t app);

#endif
