/*
 * ns3net.h - the network between hosts as ns-3 devices: a point-to-point
 * link, a CSMA bus or a Wi-Fi station and access point, behind the same
 * ports as the native link (link.h). Needs the ns3 engine.
 */
#ifndef USNSIM_NS3NET_H
#define USNSIM_NS3NET_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

struct ns3net;
struct scn;
struct stats;

/* True if network kind `kind` ("ns3-wifi") is one of this model's. */
int ns3net_handles(const char *kind);

/* Creates the network configured under prefix ("network") on sim, which
 * must be an ns3 engine with nothing scheduled yet, seeding ns-3's own
 * random streams from (seed, rep, prefix). Registers its statistics under
 * the component prefix. Returns 0; -EINVAL with "file:line:col: ..." in
 * err for parameters that do not fit (e.g. a Wi-Fi station too far to
 * associate); -ENOMEM. */
int ns3net_create(struct sim *sim, struct stats *st, const struct scn *s,
		  const char *prefix, uint32_t rep, struct ns3net **out,
		  char *err, size_t errlen);
/* NULL is a no-op. Packets still held belong to the packet pool. */
void ns3net_destroy(struct ns3net *n);
/* What the sending side (the Wi-Fi station) sends to the receiving side
 * (the access point), and what the receiving side sends back: each
 * direction has its own device queue, as on a real full-duplex link or a
 * Wi-Fi cell. */
struct sim_port ns3net_input(struct ns3net *n);
struct sim_port ns3net_input_reverse(struct ns3net *n);
/* Where delivered packets go, and where dropped ones go. */
void ns3net_connect(struct ns3net *n, struct sim_port out,
		    struct sim_port drop);
/* Records end-of-run scalars: in_flight and the devices' state. */
void ns3net_finish(struct ns3net *n);
/* Packets handed to ns-3 and not yet delivered or dropped. */
uint64_t ns3net_in_flight(const struct ns3net *n);
/* Of those, the packets of app src (walks the table: end of run only). */
uint64_t ns3net_held_by(const struct ns3net *n, uint32_t src);
/* The network's rate now: the configured rate, or for Wi-Fi the data rate
 * of the last frame sent (it changes with rate control); packets waiting;
 * and a hook called when Wi-Fi's data rate changes (an interface
 * advisory source). */
double ns3net_rate(const struct ns3net *n);
uint64_t ns3net_backlog(const struct ns3net *n);
void ns3net_on_rate(struct ns3net *n, void (*fn)(void *arg), void *arg);

#endif
