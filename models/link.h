/*
 * link.h - the native wire: a FIFO output queue, serialization at the line
 * rate, and a propagation delay.
 */
#ifndef USNSIM_LINK_H
#define USNSIM_LINK_H

#include <stddef.h>

#include "pkt.h"

struct link;
struct scn;
struct stats;

/* Creates the link configured by the parameters under prefix ("network"),
 * registering its statistics under component (e.g. "network", or
 * "network.server" for a switch port; it must outlive the link). Returns
 * 0, or -ENOMEM. */
int link_create(struct sim *sim, struct stats *st, const struct scn *s,
		const char *prefix, const char *component, struct link **out);
/* NULL is a no-op. Packets still held belong to the packet pool, which
 * reclaims them when it is destroyed. */
void link_destroy(struct link *l);
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
