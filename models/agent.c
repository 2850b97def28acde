/*
 * agent.c - admission control and policing of low-latency access (see
 * agent.h).
 *
 * Admission: an app asking for r is admitted if the rates already
 * admitted (and not revoked) plus r fit in the reserved rate of the
 * multiplexer's low-latency lane; so the admitted total never exceeds it.
 * Policing: every window the agent compares the bytes each admitted app
 * put into the multiplexer with what its rate allows over the window,
 * times (1 + tolerance); above it, the app is revoked and its rate given
 * back. The window runs from the agent's creation (time 0), so a window
 * is the same for every app; an app admitted mid-window is judged on the
 * part of the window since its admission. The policing event runs only
 * while some app is admitted.
 */
#include <errno.h>
#include <stdlib.h>

#include "agent.h"
#include "errmsg.h"
#include "mux.h"
#include "stats.h"

struct agent_app {
	double rate_bps; /* admitted, 0: not */
	uint64_t bytes;	 /* put into the mux in the current window */
	sim_time since;	 /* start of its part of the current window */
};

struct agent {
	struct sim *sim;
	struct mux *mux;
	struct agent_cfg cfg;
	double total_bps;
	uint32_t napps, nadmitted;
	sim_event_id tick;
	struct agent_app *app;
	struct stats *st;
	const char *name;
	uint64_t *requests, *admissions, *refusals, *revocations;
};

static void agent_police(struct sim *sim, void *arg, void *unused);

static void agent_arm(struct agent *a)
{
	sim_time now = sim_now(a->sim);
	sim_time window = a->cfg.window_ps;
	sim_time next = (now / window + 1) * window;

	if (!a->tick && a->nadmitted)
		a->tick = sim_schedule_at(a->sim, next, agent_police, a, NULL);
}

static void agent_revoke(struct agent *a, uint32_t src)
{
	a->total_bps -= a->app[src].rate_bps;
	a->app[src].rate_bps = 0;
	a->nadmitted--;
	(*a->revocations)++;
	mux_set_app(a->mux, src, false, MUX_SC_BE);
}

static void agent_police(struct sim *sim, void *arg, void *unused)
{
	struct agent *a = arg;
	sim_time now = sim_now(sim);

	(void)unused;
	a->tick = 0;
	for (uint32_t i = 0; i < a->napps; i++) {
		struct agent_app *p = &a->app[i];
		double allowed = p->rate_bps / 8 * (double)(now - p->since) *
				 (1 / (double)SIM_S) * (1 + a->cfg.tolerance);

		if (p->rate_bps > 0 && (double)p->bytes > allowed)
			agent_revoke(a, i);
		p->bytes = 0;
		p->since = now;
	}
	agent_arm(a);
}

int agent_create(const struct agent_cfg *cfg, const struct model_env *env,
		 struct mux *mux, uint32_t napps, struct agent **out, char *err,
		 size_t errlen)
{
	struct agent *a = calloc(1, sizeof(*a));
	const char *comp = env->component;

	if (!a)
		goto out_nomem;
	a->sim = env->sim;
	a->mux = mux;
	a->st = env->st;
	a->name = comp;
	a->napps = napps;
	a->cfg = *cfg;
	a->app = calloc(napps ? napps : 1, sizeof(*a->app));
	a->requests = stats_counter(env->st, comp, "requests", "");
	a->admissions = stats_counter(env->st, comp, "admissions", "");
	a->refusals = stats_counter(env->st, comp, "refusals", "");
	a->revocations = stats_counter(env->st, comp, "revocations", "");
	if (!a->app || !a->requests || !a->admissions || !a->refusals ||
	    !a->revocations)
		goto out_free;
	*out = a;
	return 0;
out_free:
	agent_destroy(a);
out_nomem:
	errmsg(err, errlen, "%s: out of memory", comp);
	return -ENOMEM;
}

void agent_destroy(struct agent *a)
{
	if (!a)
		return;
	free(a->app);
	free(a);
}

bool agent_request(struct agent *a, uint32_t src, double rate_bps)
{
	struct agent_app *p = &a->app[src];

	(*a->requests)++;
	if (p->rate_bps > 0 || rate_bps <= 0 ||
	    a->total_bps + rate_bps > mux_ll_rate(a->mux) * (1 + 1e-12)) {
		(*a->refusals)++;
		return false;
	}
	p->rate_bps = rate_bps;
	p->bytes = 0;
	p->since = sim_now(a->sim);
	a->total_bps += rate_bps;
	a->nadmitted++;
	(*a->admissions)++;
	mux_set_app(a->mux, src, true, MUX_SC_VO);
	agent_arm(a);
	return true;
}

void agent_account(struct agent *a, uint32_t src, uint32_t len)
{
	if (src < a->napps && a->app[src].rate_bps > 0)
		a->app[src].bytes += len;
}

double agent_admitted(const struct agent *a, uint32_t src)
{
	return src < a->napps ? a->app[src].rate_bps : 0;
}

double agent_admitted_total(const struct agent *a)
{
	return a->total_bps;
}

void agent_finish(struct agent *a)
{
	stats_scalar(a->st, a->name, "admitted_rate", "bps", a->total_bps);
	stats_scalar(a->st, a->name, "reserved_rate", "bps",
		     mux_ll_rate(a->mux));
}

static void agent_ops_destroy(void *m)
{
	agent_destroy(m);
}

static void agent_ops_finish(void *m)
{
	agent_finish(m);
}

const struct model_ops agent_ops = {
	.name = "agent",
	.destroy = agent_ops_destroy,
	.finish = agent_ops_finish,
};
