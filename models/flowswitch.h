/*
 * flowswitch.h - a host's kernel flow switch: flow registration, the TX
 * check against spoofing, and the RX demultiplexer.
 *
 * TX: a user-space stack's sync hands its batch to the flow switch in the
 * syncing thread's context (the trap), which pays, per packet, one copy
 * from the channel's pool into a device packet and the classification
 * (parse, classify, stamp, enqueue) and the spoofing check (flow lookup
 * by the packet's own 5-tuple, token check), then the enqueue into the
 * queueing discipline of the multiplexer behind it (mux_cost()):
 * fsw_tx_charge() adds that to the sync's job, fsw_tx() then decides. The
 * in-kernel stack's packets enter through the host port (fsw_tx_host()):
 * the same copy and classification, no check. A channel whose app is in
 * the multiplexer's low-latency lane does not come here: its packets take
 * the low-latency netif path (models/netif.h). The stamps inside the sync
 * job (PKT_ST_FSW_TX, the end of the switch's own work, and
 * PKT_ST_QDISC_TX, the end of the queueing discipline's) are the
 * stack's, which knows the job's parts.
 *
 * RX: packets from the driver wait in a queue per kernel core (the core is
 * chosen by the packet's app, like RSS) and are served in batches of up to
 * rx_batch, one CPU job per batch on that core: per packet the
 * classification and one copy into the endpoint (the channel's pool, or
 * an mbuf for the in-kernel stack), plus the endpoint's own extra cost.
 * At the end of the job each packet goes to the endpoint of its flow, or
 * to the host endpoint (the in-kernel stack) if no flow matches.
 *
 * Drops, counted under COMPONENT (e.g. "hosts.client.flowswitch") as
 * drops.no_flow, drops.bad_token, drops.torn_down (TX check),
 * drops.ring_full (RX ring or socket buffer full), drops.no_memory (no
 * buffer), drops.no_socket (no flow and no socket); the packet then goes to
 * the drop port. Ground truth of spoofing apps: forged.KIND.sent and
 * forged.KIND.dropped (dropped by the check with the reason the forgery
 * must get: no_flow for saddr, sport and proto, bad_token for replay),
 * forged.passed (a forged packet that passed), forged.wrong_reason, and
 * benign.dropped (a packet that was not forged dropped as no_flow or
 * bad_token: a false positive). Flow advisories: advisory.suspends and
 * advisory.resumes.
 *
 * The configuration is struct fsw_cfg, read from hosts.NAME.flowswitch.*
 * by fsw_cfg_load() (models/flowswitch_params.c); the topology keeps the
 * switch with fsw_ops.
 */
#ifndef USNSIM_FLOWSWITCH_H
#define USNSIM_FLOWSWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "flowtab.h"
#include "model.h"
#include "param.h"
#include "pkt.h"

struct fsw;

/* The configuration of a flow switch: the parameters under
 * hosts.NAME.flowswitch (see flowswitch_params.c for their meaning and
 * sources), and the run's seed. */
struct fsw_cfg {
	sim_time classify_ps;	   /* per packet, either direction */
	sim_time check_ps;	   /* per checked TX packet */
	bool spoof_check;	   /* check TX packets against their flow */
	uint32_t rx_batch_pkts;	   /* most packets one RX job handles */
	double advisory_frac;	   /* the mark, a fraction of the NIC's TX
				      ring; 0: flows are never suspended */
	uint32_t advisory_entries; /* of the flow advisory table */
	uint64_t seed;		   /* the run's `seed`, for the tokens */
};

/* Where the flow switch delivers RX packets: an app's channel, or the
 * in-kernel stack. */
struct fsw_endpoint {
	/* Called at the end of the RX job (on kernel core `core`) with p,
	 * stamped PKT_ST_FSW_RX. Returns 0 if taken; -ENOSPC (ring or socket
	 * buffer full), -ENOMEM (no buffer) or -ENOENT (no socket) and p is
	 * not taken (the flow switch drops it). */
	int (*rx)(struct fsw_endpoint *ep, struct cpu_core *core,
		  struct sim_pkt *p);
	/* Extra CPU time per received packet in the RX job (e.g. in-kernel
	 * protocol processing), 0 if none. */
	sim_time rx_extra_ps;
	/* The flow's advisory changed (suspended or resumed); NULL: not
	 * told. */
	void (*advisory)(struct fsw_endpoint *ep, uint32_t flow,
			 bool suspended);
	/* The channel's pool the switch copies received packets into (NULL:
	 * memory not modelled, or the in-kernel stack's mbufs). */
	struct pool *pool;
	/* GRO: a TCP segment that follows, in the same RX batch, the
	 * in-order segment of its flow before it is merged with it: no
	 * classify and no rx_extra_ps of its own; it is marked
	 * TCP_GRO_MERGED (models/tcp.h) and counted in rx.gro_merged. */
	bool gro;
};

/* Fills cfg from the parameters under prefix ("hosts.client.flowswitch")
 * and the top-level seed. Returns 0 (a flow switch's parameters have no
 * combination to refuse). */
int fsw_cfg_load(struct fsw_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen);

/* Creates a flow switch, registering its statistics under env->component
 * (e.g. "hosts.client.flowswitch"), with its RX served by the nk kernel
 * cores kcores (copied) of cpu. Tokens come from the random stream
 * (cfg->seed, env->rep, "COMPONENT.tokens"). Returns 0, or -ENOMEM with a
 * message in err. */
int fsw_create(const struct fsw_cfg *cfg, const struct model_env *env,
	       struct cpu *cpu, struct cpu_core *const *kcores, unsigned nk,
	       struct fsw **out, char *err, size_t errlen);
void fsw_destroy(struct fsw *f); /* NULL is a no-op */
/* destroy and held_add for the topology's loops. */
extern const struct model_ops fsw_ops;
/* TX output (the driver) and where dropped packets go. */
void fsw_connect(struct fsw *f, struct sim_port to_driver,
		 struct sim_port drop);
/* The endpoint of packets that match no flow (the in-kernel stack). */
void fsw_set_host(struct fsw *f, struct fsw_endpoint *host);
/* Where the driver hands received packets. */
struct sim_port fsw_rx_input(struct fsw *f);
/* The flow advisory's measure of congestion: backlog(arg), the packets
 * waiting to leave the host (driver TX queue and NIC TX ring), against
 * the NIC TX ring's `slots`. A flow whose packet
 * finds the backlog at or above the advisory mark (hosts.*.flowswitch.advisory
 * of the slots) is suspended; it is resumed when its stack asks and the
 * backlog has fallen to half the mark or below. Without a backlog
 * function (or with the mark at 0) flows are never suspended. */
void fsw_set_backlog(struct fsw *f, uint32_t (*backlog)(const void *arg),
		     const void *arg, uint32_t slots);
/* The host's device pool (NULL: memory not modelled). The TX copy
 * (fsw_tx_copy()) then takes the packet's device buffers (a failure drops
 * it in fsw_tx() or fsw_tx_host(), drops.no_memory), and RX copies into
 * the endpoint's pool and gives the device buffers back. */
struct pool;
void fsw_set_pool(struct fsw *f, struct pool *dev);
/* The multiplexer behind the switch: the per-packet processing of its
 * queueing discipline (mux_cost()) is charged with the TX work, account
 * mux. */
struct mux;
void fsw_set_mux(struct fsw *f, struct mux *mux);
/* Whether flow id may send now (the stack asks before each sync). */
bool fsw_admissible(struct fsw *f, uint32_t id);
/* The same advisory for a socket of the in-kernel stack, which has no flow
 * of its own here: a socket that finds the backlog at the mark is
 * suspended (*suspended set, counted in suspends) until it has drained to
 * half of it (resumes). Returns whether the socket may send now. */
bool fsw_host_admissible(struct fsw *f, bool *suspended);

/* Flow set-up (flowtab.h): reserve the local port, then register. Register
 * returns the flow id (>= 0) and its token in *token, or the errors of
 * flowtab_register(). */
int fsw_reserve(struct fsw *f, uint8_t proto, uint16_t port, uint32_t owner);
int fsw_register(struct fsw *f, const struct flow_key *k, uint32_t owner,
		 struct fsw_endpoint *ep, uint64_t *token);
int fsw_teardown(struct fsw *f, uint32_t id);

/* TX: the per-packet cost of the flow switch added to a job: the copy and
 * classification, and the spoofing check unless the packet comes through
 * the host port (host), and the queueing discipline's (account mux). When
 * that job is done, fsw_tx_copy() takes the packet's device buffers for
 * the copy (with a device pool; none free: p keeps none), on behalf of
 * the core with index cpu (its pool magazine), adding what the allocation
 * costs to *cost_ps, which the caller charges to a later job of that core
 * (the job that did the copy is already over). Then fsw_tx(), the check
 * and hand-off of one packet synced from the channel of flow `flow`. With
 * hosts.*.flowswitch.spoof_check off, the switch trusts the channel: the
 * packet goes out as its flow's, whatever its headers say (only a
 * torn-down flow is refused). */
void fsw_tx_charge(const struct fsw *f, struct cpu_job *j, struct sim_pkt *p,
		   bool host);
void fsw_tx_copy(const struct fsw *f, struct sim_pkt *p, uint32_t cpu,
		 sim_time *cost_ps);
void fsw_tx(struct fsw *f, uint32_t flow, struct sim_pkt *p);
/* TX of the in-kernel stack (host port): no flow check. */
void fsw_tx_host(struct fsw *f, struct sim_pkt *p);

/* Packets of app src the flow switch holds (RX queues, in service). */
uint64_t fsw_held_by(const struct fsw *f, uint32_t src);

#endif
