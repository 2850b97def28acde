/*
 * netif.h - a host's low-latency netif path: the transmit path of a
 * user-space stack's channel while its app is in the multiplexer's
 * low-latency lane, which skips the flow switch and the queueing
 * discipline.
 *
 * The reference system gives low-latency traffic an interface of its own
 * whose channels are virtual ports of the netif, not of a flow switch
 * (XNU bsd/skywalk/nexus/netif/nx_netif_vp.c). Their sync, in the syncing
 * thread, validates each packet only if outbound validation is forced
 * (validate_packet: a check of the source MAC and of the packet's address
 * pair against the port's flow), copies it once from the port's pool into
 * a device packet (nx_netif_pkt_to_pkt) and pushes the chain to the
 * driver's TX queue 0 (netif_vp_send_pkt_chain_low_latency): no flow
 * lookup, no classification, no flow token, no flow advisory, no AQM.
 *
 * Here the stack's sync asks netif_takes() whether its app's packets take
 * this path; if so, netif_tx_charge() adds the path's per-packet work to
 * the sync's job (the validation, when on, then the copy and the device
 * buffers of the packets that pass it) and netif_tx() hands each packet
 * on, at the end of the job, to the multiplexer's low-latency lane (or the
 * driver, on a host without one), or drops it.
 *
 * Statistics under COMPONENT (e.g. "hosts.client.netif"): tx.packets
 * (packets synced onto the path), drops.flow_mismatch (refused by the
 * outbound validation: the address pair is not the port's flow's),
 * drops.no_memory (no device buffer for the copy); ground truth of
 * spoofing apps: forged.KIND.sent, forged.KIND.dropped and forged.passed
 * (forged packets the validation let through, or all of them with it
 * off). The validation's CPU time is the cores' account "netif".
 *
 * The configuration is struct netif_cfg, read from hosts.NAME.netif.* by
 * netif_cfg_load() (models/netif_params.c); the topology keeps the path
 * with netif_ops.
 */
#ifndef USNSIM_NETIF_H
#define USNSIM_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "flowtab.h"
#include "model.h"
#include "param.h"
#include "pkt.h"

struct netif;
struct mux;
struct pool;

/* The configuration of a host's low-latency netif path: the parameters
 * under hosts.NAME.netif (see netif_params.c for their meaning and
 * sources). */
struct netif_cfg {
	bool outbound_check; /* validate each packet against its port */
	sim_time check_ps;   /* per validated packet */
};

/* Fills cfg from the parameters under prefix ("hosts.client.netif").
 * Returns 0 (nothing to refuse). */
int netif_cfg_load(struct netif_cfg *cfg, const struct param_src *src,
		   const char *prefix, char *err, size_t errlen);

/* Creates the path, registering its statistics under env->component
 * (e.g. "hosts.client.netif"); copies are charged at the rate of cpu.
 * Returns 0, or -ENOMEM with a message in err. */
int netif_create(const struct netif_cfg *cfg, const struct model_env *env,
		 struct cpu *cpu, struct netif **out, char *err, size_t errlen);
void netif_destroy(struct netif *n); /* NULL is a no-op */
/* destroy for the topology's loops (the path holds no packet). */
extern const struct model_ops netif_ops;
/* Where packets go on (the multiplexer or the driver), and where dropped
 * ones go. */
void netif_connect(struct netif *n, struct sim_port out, struct sim_port drop);
/* The host's multiplexer, whose low-latency lane decides who takes the
 * path (NULL: nobody does). */
void netif_set_mux(struct netif *n, struct mux *mux);
/* The host's device pool (NULL: memory not modelled): the copy takes the
 * packet's device buffers (none free: drops.no_memory). */
void netif_set_pool(struct netif *n, struct pool *dev);

/* Whether app src's packets take the path now: it is in the
 * multiplexer's low-latency lane. */
bool netif_takes(const struct netif *n, uint32_t src);
/* The path's work for packet p of the port whose flow is vp (seen from
 * this host), added to job j: the validation if it is on, then, unless it
 * refuses p, the copy into a device packet (and its device buffers, on
 * core index cpu's magazine). */
void netif_tx_charge(const struct netif *n, struct cpu_job *j,
		     const struct flow_key *vp, struct sim_pkt *p,
		     uint32_t cpu);
/* Hands p on, or drops it (refused by the validation, or no device
 * buffer), at the end of the job that was charged for it. */
void netif_tx(struct netif *n, const struct flow_key *vp, struct sim_pkt *p);

#endif
