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

/* The path an app's packets take: a bare queue, hosts (driver and NIC),
 * or hosts with stacks (stack, channel, flow switch, driver, NIC). */
enum sink_path { SINK_BARE, SINK_HOST, SINK_STACK };

/* One sink serving napps apps, whose names index their packets' src.
 * Registers per app: received, received_bytes, dropped (counters), latency
 * and queue_delay, and stage histograms (ps): stage.queueing and
 * stage.transmission for a bare queue, or the host stages of sink.c for
 * paths[i] (enum sink_path; paths may be NULL: all bare). Returns 0 or
 * -ENOMEM. */
int sink_create(struct sim *sim, struct stats *st, struct pkt_pool *pool,
		size_t napps, const char *const *names, const uint8_t *paths,
		struct sink **out);
/* Records p as delivered (counters, latency, stages) without freeing it:
 * for an app that goes on with the packet (an RPC server answering). */
void sink_record(struct sink *k, const struct sim_pkt *p);
void sink_destroy(struct sink *k); /* NULL is a no-op */
/* Port for delivered packets, and port for packets dropped on the way. */
struct sim_port sink_input(struct sink *k);
struct sim_port sink_drop_input(struct sink *k);
uint64_t sink_received(const struct sink *k, size_t app);
uint64_t sink_dropped(const struct sink *k, size_t app);

#endif
