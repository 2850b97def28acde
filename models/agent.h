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
 */
#ifndef USNSIM_AGENT_H
#define USNSIM_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

struct agent;
struct mux;
struct scn;
struct stats;

/* Creates the agent of host prefix ("hosts.client") for mux (whose
 * mux_ll_rate() is the capacity it hands out), policing every window_ps
 * (prefix.agent.window) with tolerance prefix.agent.tolerance. napps: apps
 * of the run (src < napps). Returns 0 or -ENOMEM. */
int agent_create(struct sim *sim, struct stats *st, const struct scn *s,
		 const char *prefix, const char *component, struct mux *mux,
		 uint32_t napps, struct agent **out);
void agent_destroy(struct agent *a); /* NULL is a no-op */
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
