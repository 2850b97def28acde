/*
 * agent.h - the negotiation agent of a host: a user-space daemon, on a
 * core of its own, that hands out the multiplexer's low-latency share to
 * the apps that ask for it, by messages.
 *
 * An app with class low_latency sends a request when it starts; the
 * request reaches the agent `latency` later, waits for the agent's core
 * and costs it `cost`; the agent then grants (the app's rate fits in
 * what is left of share x capacity) or denies (no entitlement, or no
 * room), and the answer reaches the app `latency` later. Until a grant
 * arrives the app sends best effort; from then on its packets go to the
 * low-latency lane. Grants never sum past share x capacity, capacity
 * being the host interface's as its advisories report it (the NIC's rate
 * before the first report). When a report lowers the capacity the grants
 * are scaled down pro rata to fit (and back up to what was asked when it
 * rises), and every app whose grant changed is told by a notice (cost on
 * the agent's core, then latency); a conforming app scales its sending
 * rate with its grant. An app that stops sends a release: its grant
 * returns to the pool. A denied app asks again `retry` after the denial
 * reached it (no room only; 0: never). Every `window` the agent compares
 * what each app in the low-latency lane put into the multiplexer with
 * its grant x (1 + tolerance); above it the app is revoked (back to best
 * effort at once, its grant returned). A revoked app is still watched:
 * after `readmit` windows in a row within its former grant it is granted
 * again if that fits (a grant message, as for a request).
 *
 * Statistics under COMPONENT (e.g. "hosts.client.agent"): counters
 * requests, admissions, refusals (= refusals.entitlement +
 * refusals.no_room), revocations, readmissions, renegotiations (capacity
 * changes that changed grants), notices (messages telling an app of a new
 * grant), releases, messages (every message the agent handled or sent);
 * scalars granted_max (the highest sum of grants over the run, bit/s),
 * admitted_rate (the sum at the end), reserved_rate (share x line rate),
 * budget (share x capacity at the end), last_notice (ps: when the last
 * notice reached its app; absent without one), last_readmit (ps: when
 * the last re-admission was decided; absent without one). Per app that asked, on its
 * own host's agent (APPCOMP "apps.NAME"): scalars ll_wait (ps from its
 * first request to its first grant reaching it) and ll_first (ps from
 * its start to its first packet entering the low-latency lane); absent
 * if it never got there.
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
struct cpu_core;
struct mux;

/* The configuration of a host's agent: the parameters under HOST.agent
 * (see agent_params.c for their meaning, units and sources). */
struct agent_cfg {
	sim_time window_ps;  /* policing window */
	double tolerance;    /* how far above its grant an app may go */
	sim_time latency_ps; /* one way, app <-> agent */
	sim_time cost_ps;    /* agent CPU per message */
	sim_time retry_ps;   /* a denied app asks again after; 0: never */
	uint32_t readmit;    /* conforming windows before re-admission;
				0: never */
	bool advisories;     /* follow the host's interface advisories */
};

/* Fills cfg from the parameters of host prefix ("hosts.client"):
 * prefix.agent.*. Returns 0 (they have no combination to refuse). */
int agent_cfg_load(struct agent_cfg *cfg, const struct param_src *src,
		   const char *prefix, char *err, size_t errlen);

/* Creates the agent for mux (whose mux_ll_rate() over line_bps, the
 * NIC's rate, is the share it hands out; mux must outlive the agent),
 * registering its statistics under env->component ("hosts.client.agent").
 * napps: apps of the run (src < napps); app_comps[src]: their components
 * ("apps.NAME"), for the per-app scalars. Returns 0, or -ENOMEM with a
 * message in err. */
int agent_create(const struct agent_cfg *cfg, const struct model_env *env,
		 struct mux *mux, double line_bps, uint32_t napps,
		 const char *const *app_comps, struct agent **out, char *err,
		 size_t errlen);
void agent_destroy(struct agent *a); /* NULL is a no-op */
/* destroy and finish for the topology's loops. */
extern const struct model_ops agent_ops;
/* The agent's core, where its messages are handled. Set before
 * the run starts, if the agent has any app (agent_ask). */
void agent_set_core(struct agent *a, struct cpu_core *core);
/* App src will ask, at at_ps, for rate_bps of low-latency access
 * (entitled: whether it holds the privilege), and stop at stop_ps
 * (sending a release; 0: never). own: src runs on this host (its
 * per-app scalars are recorded here). Returns 0 or -ENOMEM. */
int agent_ask(struct agent *a, uint32_t src, double rate_bps, bool entitled,
	      bool own, sim_time at_ps, sim_time stop_ps);
/* Whether some app asks this agent (agent_ask). */
bool agent_has_apps(const struct agent *a);
/* Whether it follows the host's interface advisories (cfg.advisories):
 * the topology then subscribes agent_capacity() to them. */
bool agent_wants_advisories(const struct agent *a);
/* The hook told when a message with a new grant reaches app src:
 * fn(arg, src, grant_bps, asked_bps) (a grant, a re-admission or a
 * notice). */
void agent_on_grant(struct agent *a,
		    void (*fn)(void *arg, uint32_t src, double grant_bps,
			       double asked_bps),
		    void *arg);
/* The interface's capacity as an advisory reports it (bit/s). */
void agent_capacity(struct agent *a, double capacity_bps);
/* Policing: len bytes of app src entered the multiplexer. */
void agent_account(struct agent *a, uint32_t src, uint32_t len);
/* Granted rate of src (0: none). */
double agent_admitted(const struct agent *a, uint32_t src);
/* Sum of the grants. */
double agent_admitted_total(const struct agent *a);
void agent_finish(struct agent *a);

#endif
