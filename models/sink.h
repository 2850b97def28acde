/*
 * sink.h - the far end of every path: records what each app's packets
 * went through, then frees them.
 *
 * The sink has no parameters of its own: its configuration, struct
 * sink_cfg, is the list of apps it serves and the path each one takes,
 * which the topology fills from the apps' configurations.
 */
#ifndef USNSIM_SINK_H
#define USNSIM_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "pkt.h"

struct sink;

/* The path an app's packets take: a bare queue, hosts (driver and NIC),
 * or hosts with stacks (stack, channel, flow switch, driver, NIC). */
enum sink_path { SINK_BARE, SINK_HOST, SINK_STACK };

/* The apps a sink serves: their names, indexed by their packets' src,
 * and the path of each (enum sink_path; paths NULL: all bare). Both
 * arrays must outlive the sink's creation. */
struct sink_cfg {
	size_t napps;
	const char *const *names;
	const uint8_t *paths;
	const uint8_t *goodput; /* apps whose goodput is measured (NULL:
				   none) */
};

/* Creates a sink that frees packets into pool. Registers per app, under
 * "<env->component>.NAME" ("apps.NAME"): received, received_bytes,
 * dropped (counters), latency and queue_delay, and stage histograms (ps):
 * stage.queueing and stage.transmission for a bare queue, or the host
 * stages of sink.c for the app's path; for an app with goodput[i], a time
 * series received_bytes (cumulative, B) and, at the end (sink_ops'
 * finish), the scalar goodput: bits delivered after the warm-up over the
 * time since (bit/s). Returns 0, or -ENOMEM with a message in err. */
int sink_create(const struct sink_cfg *cfg, const struct model_env *env,
		struct pkt_pool *pool, struct sink **out, char *err,
		size_t errlen);
/* destroy and finish for the topology's loops (a sink holds no
 * packet). */
extern const struct model_ops sink_ops;
/* Records p as delivered (counters, latency, stages) without freeing it:
 * for an app that goes on with the packet (an RPC server answering). */
void sink_record(struct sink *k, const struct sim_pkt *p);
void sink_destroy(struct sink *k); /* NULL is a no-op */
/* Port for delivered packets, and port for packets dropped on the way. */
struct sim_port sink_input(struct sink *k);
struct sim_port sink_drop_input(struct sink *k);
/* fn(arg, p) for every packet that reaches the drop port, before it is
 * counted and freed (the topology gives a multiplexer back the bytes a
 * frame dropped on its way held in the device's queue). */
void sink_on_drop(struct sink *k, void (*fn)(void *arg, struct sim_pkt *p),
		  void *arg);
uint64_t sink_received(const struct sink *k, size_t app);
uint64_t sink_dropped(const struct sink *k, size_t app);

#endif
