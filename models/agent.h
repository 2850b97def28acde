/*
 * agent.h - the negotiation agent of a host: apps ask it for low-latency
 * access at a rate; it admits them while the multiplexer's reserved share
 * has room, refuses them otherwise (they stay best effort), and polices
 * the admitted: an app that sends above its admitted rate over a window
 * loses its access (revoked: back to best effort, for the rest of the
 * run).
 *
 * Statistics under COMPONENT (e.g. "hosts.client.agent"): counters
 * requests, admissions, refusals, revocations; scalar admitted_rate (bit/s
 * admitted and not revoked at the end) and reserved_rate (the share's
 * rate).
 *
 * Its configuration, struct agent_cfg, comes from agent_cfg_load()
 * (agent_params.c); the topology keeps it with agent_ops.
 */
#ifndef USNSIM_AGENT_H
#define USNSIM_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "param.h"
#include "sim.h"

struct agent;
struct mux;

/* The configuration of a host's agent: the parameters under HOST.agent
 * (see agent_params.c for their meaning, units and sources). */
struct agent_cfg {
	sim_time window_ps; /* policing window */
	double tolerance;   /* how far above its rate an app may go */
};

/* Fills cfg from the parameters of host prefix ("hosts.client"):
 * prefix.agent.*. Returns 0 (they have no combination to refuse). */
int agent_cfg_load(struct agent_cfg *cfg, const struct param_src *src,
		   const char *prefix, char *err, size_t errlen);

/* Creates the agent for mux (whose mux_ll_rate() is the capacity it hands
 * out; it must outlive the agent), registering its statistics under
 * env->component ("hosts.client.agent"). napps: apps of the run (src <
 * napps). Returns 0, or -ENOMEM with a message in err. */
int agent_create(const struct agent_cfg *cfg, const struct model_env *env,
		 struct mux *mux, uint32_t napps, struct agent **out, char *err,
		 size_t errlen);
void agent_destroy(struct agent *a); /* NULL is a no-op */
/* destroy and finish for the topology's loops. */
extern const struct model_ops agent_ops;
/* App src asks for rate_bps of low-latency access. Returns true if
 * admitted (the multiplexer then puts src in its low-latency lane); false
 * if refused (the sum of admitted rates would exceed the share). */
bool agent_request(struct agent *a, uint32_t src, double rate_bps);
/* Policing: len bytes of app src entered the multiplexer. */
void agent_account(struct agent *a, uint32_t src, uint32_t len);
/* Admitted rate of src (0: not admitted or revoked). */
double agent_admitted(const struct agent *a, uint32_t src);
/* Sum of the admitted rates. */
double agent_admitted_total(const struct agent *a);
void agent_finish(struct agent *a);

#endif
