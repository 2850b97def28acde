/*
 * link.h - the native wire: a FIFO output queue, serialization at the line
 * rate, and a propagation delay; optionally ECN marking at a threshold.
 */
#ifndef USNSIM_LINK_H
#define USNSIM_LINK_H

#include <stddef.h>

#include "model.h"
#include "param.h"
#include "pkt.h"

/* The configuration of a link: the parameters under `network` (see
 * link_params.c for their meaning, units and sources). */
struct link_cfg {
	double rate_bps;
	sim_time delay_ps;	  /* propagation */
	uint64_t limit_pkts;	  /* queue limit in packets */
	uint64_t limit_bytes;	  /* ... in bytes; 0: none */
	uint64_t min_frame_bytes; /* shorter frames are padded to it */
	uint64_t overhead_bytes;  /* added to every frame, after padding */
	double step_bps;	  /* rate from step_at_ps on; 0: no change */
	sim_time step_at_ps;
	/* ECN step marking: an ECT packet that arrives to more than this
	 * many packets (bytes) in the port, the one on the wire's
	 * transmitter included, is marked CE; 0: off */
	uint64_t ecn_k_pkts, ecn_k_bytes;
};

struct link;

/* Fills cfg from the parameters under prefix ("network"). Returns 0, or
 * -EINVAL with "file:line:col: ..." in err for rate_step_at without
 * rate_step. */
int link_cfg_load(struct link_cfg *cfg, const struct param_src *src,
		  const char *prefix, char *err, size_t errlen);

/* Creates a link, registering its statistics under env->component (e.g.
 * "network", or "network.server" for a switch port). Returns 0, or
 * -ENOMEM with a message in err. */
int link_create(const struct link_cfg *cfg, const struct model_env *env,
		struct link **out, char *err, size_t errlen);
/* NULL is a no-op. Packets still held belong to the packet pool, which
 * reclaims them when it is destroyed. */
void link_destroy(struct link *l);
/* destroy, finish and held_add for the topology's loops. */
extern const struct model_ops link_ops;
/* Where to hand packets to the link. */
struct sim_port link_input(struct link *l);
/* Where transmitted packets go, and where dropped ones go. */
void link_connect(struct link *l, struct sim_port out, struct sim_port drop);
/* Records end-of-run scalars (packets still in the queue or on the wire). */
void link_finish(struct link *l);
/* Packets held by the link: queued, being serialized or propagating. */
uint64_t link_in_flight(const struct link *l);
/* Of those, the packets of app src (walks the queues: end of run only). */
uint64_t link_held_by(const struct link *l, uint32_t src);
/* The rate now (it changes at prefix.rate_step_at to prefix.rate_step if
 * that is not 0), packets waiting, and a hook called at the change. */
double link_rate(const struct link *l);
uint64_t link_backlog(const struct link *l);
void link_on_rate(struct link *l, void (*fn)(void *arg), void *arg);

#endif
