/*
 * agent.c - the low-latency negotiation agent: requests, grants and
 * denials as messages, admission against share x capacity, renegotiation
 * on a capacity change, release, policing and re-admission (see agent.h).
 *
 * Messages. Each is an engine event `latency` after it is sent; one
 * reaching the agent is a job of `cost` on the agent's core (FIFO, so
 * requests that arrive together are answered one after the other), and
 * the answer leaves when that job is done. A notice or a re-admission the
 * agent sends on its own initiative is a job of `cost` too. The payload
 * of a message to an app (its new grant) is the app's latest: a second
 * message in flight to the same app carries the same value (latest
 * wins). Apps and kinds are packed into the event's argument, so a
 * message allocates nothing.
 *
 * Two views of a grant. The agent's: grant_bps, held from the moment it
 * decides until a revocation or release, and summed into total_bps, the
 * quantity admission keeps within the budget (share x capacity). The
 * app's: `on` from the moment the grant message reaches it, which is when
 * its packets start entering the low-latency lane; policing counts its
 * bytes from then.
 *
 * Renegotiation. On a capacity change every grant is set to
 * asked x min(1, budget / sum asked by the granted apps): pro rata to
 * what each asked, never above it, so the sum fits the new budget at
 * once (the agent stops counting the old grants when it reads the
 * report; the apps learn it a notice later).
 *
 * Policing runs at multiples of `window` from time 0 while some app is
 * in the lane, granted or watched after a revocation; an app's part of a
 * window starts when its grant reached it (or at its last notice), and
 * it is judged against the grant it has been told of: between a
 * renegotiation and its notice the app may still use its old grant, so
 * the lane may carry up to the old sum for that long.
 * Policing itself costs no agent CPU: it reads counters the multiplexer
 * keeps.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "agent.h"
#include "cpu.h"
#include "errmsg.h"
#include "mux.h"
#include "stats.h"

enum agent_msg {
	AM_REQUEST, /* app -> agent */
	AM_RELEASE, /* app -> agent */
	AM_GRANT,   /* agent -> app: a grant (or re-admission) */
	AM_DENY,    /* agent -> app */
	AM_NOTICE,  /* agent -> app: a new grant after renegotiation */
	AM_ASK,	    /* the app sends its request (start or retry) */
	AM_STOP,    /* the app stops: it sends its release */
};

#define AM_BITS 3

enum agent_state { AS_IDLE, AS_GRANTED, AS_DENIED, AS_REVOKED, AS_GONE };

struct agent_app {
	double want_bps;   /* asked */
	double grant_bps;  /* held, the agent's view; 0: none */
	double sent_bps;   /* in the latest grant or notice sent */
	double known_bps;  /* in the latest one that reached the app */
	double former_bps; /* revoked: the grant it is judged against */
	sim_time start_ps, stop_ps;
	sim_time asked_ps; /* its first request left; -1: not yet */
	sim_time wait_ps;  /* first request to first grant; -1: none */
	sim_time first_ps; /* first packet in the lane; -1: none */
	uint64_t bytes;	   /* into the mux in its part of the window */
	sim_time since;	   /* start of that part */
	uint32_t good;	   /* revoked: conforming windows in a row */
	uint8_t state;	   /* enum agent_state */
	bool asks, entitled, own;
	bool on;      /* in the low-latency lane (the app's view) */
	bool stopped; /* the app has stopped (its view) */
};

struct agent {
	struct sim *sim;
	struct mux *mux;
	struct cpu_core *core;
	struct agent_cfg cfg;
	double share;	     /* of the capacity */
	double line_bps;     /* the NIC's rate */
	double capacity_bps; /* as last advised */
	double total_bps, granted_max_bps;
	sim_time last_notice_ps;  /* -1: none */
	sim_time last_readmit_ps; /* -1: none */
	uint32_t napps;
	sim_event_id tick;
	struct agent_app *app;
	const char *const *app_comps;
	void (*on_grant)(void *arg, uint32_t src, double grant, double asked);
	void *on_grant_arg;
	struct stats *st;
	const char *name;
	uint64_t *requests, *admissions, *refusals, *ref_entitled, *ref_room;
	uint64_t *revocations, *readmissions, *renegotiations, *notices;
	uint64_t *releases, *messages;
};

static void agent_police(struct sim *sim, void *arg, void *unused);
static void agent_event(struct sim *sim, void *arg, void *msg);

static void *agent_pack(uint32_t src, enum agent_msg m)
{
	return (void *)(((uintptr_t)src << AM_BITS) | (uintptr_t)m);
}

static double agent_budget(const struct agent *a)
{
	return a->share * a->capacity_bps;
}

/* Whether rate_bps more fits in the budget (up to rounding). */
static bool agent_fits(const struct agent *a, double rate_bps)
{
	return a->total_bps + rate_bps <= agent_budget(a) * (1 + 1e-12);
}

static void agent_hold(struct agent *a, struct agent_app *p, double bps)
{
	a->total_bps += bps - p->grant_bps;
	p->grant_bps = bps;
	if (a->total_bps > a->granted_max_bps)
		a->granted_max_bps = a->total_bps;
}

/* A message m about src, delivered after delay (0: now, in order). */
static void agent_post(struct agent *a, uint32_t src, enum agent_msg m,
		       sim_time delay)
{
	if (!sim_schedule(a->sim, delay, agent_event, a, agent_pack(src, m)))
		sim_stop(a->sim); /* out of memory: end the run, it shows */
}

/* A job of cost on the agent's core; then message m about src. */
static void agent_work(struct agent *a, uint32_t src, enum agent_msg m);

static bool agent_watching(const struct agent *a)
{
	for (uint32_t i = 0; i < a->napps; i++) {
		const struct agent_app *p = &a->app[i];

		if (p->on || (p->state == AS_REVOKED && a->cfg.readmit))
			return true;
	}
	return false;
}

static void agent_arm(struct agent *a)
{
	sim_time now = sim_now(a->sim);
	sim_time window = a->cfg.window_ps;
	sim_time next = (now / window + 1) * window;

	if (a->tick || !agent_watching(a))
		return;
	a->tick = sim_schedule_at(a->sim, next, agent_police, a, NULL);
	if (!a->tick)
		sim_stop(a->sim);
}

static void agent_tell_app(struct agent *a, uint32_t src)
{
	struct agent_app *p = &a->app[src];

	if (a->on_grant)
		a->on_grant(a->on_grant_arg, src, p->sent_bps, p->want_bps);
}

/* The agent decides on src's request (its job done). */
static void agent_decide(struct agent *a, uint32_t src)
{
	struct agent_app *p = &a->app[src];

	(*a->requests)++;
	if (p->state == AS_GONE || p->grant_bps > 0)
		return; /* released meanwhile, or already granted */
	if (!p->entitled || !agent_fits(a, p->want_bps)) {
		(*a->refusals)++;
		(*(p->entitled ? a->ref_room : a->ref_entitled))++;
		p->state = AS_DENIED;
		agent_post(a, src, AM_DENY, a->cfg.latency_ps);
		return;
	}
	agent_hold(a, p, p->want_bps);
	p->sent_bps = p->want_bps;
	p->state = AS_GRANTED;
	(*a->admissions)++;
	agent_post(a, src, AM_GRANT, a->cfg.latency_ps);
}

/* The agent reads src's release (its job done): the grant returns. */
static void agent_release(struct agent *a, uint32_t src)
{
	struct agent_app *p = &a->app[src];

	if (p->grant_bps > 0)
		(*a->releases)++;
	agent_hold(a, p, 0);
	if (p->on)
		mux_set_app(a->mux, src, false, MUX_SC_BE);
	p->on = false;
	p->state = AS_GONE;
}

/* A grant (or notice) reaches app src. */
static void agent_granted(struct agent *a, uint32_t src, bool notice)
{
	struct agent_app *p = &a->app[src];
	sim_time now = sim_now(a->sim);

	if (p->stopped || p->state != AS_GRANTED)
		return; /* revoked or released since it was sent */
	if (notice)
		a->last_notice_ps = now;
	p->known_bps = p->sent_bps;
	if (!p->on) {
		p->on = true;
		mux_set_app(a->mux, src, true, MUX_SC_VO);
		if (p->wait_ps < 0)
			p->wait_ps = now - p->asked_ps;
	}
	p->bytes = 0;
	p->since = now;
	agent_tell_app(a, src);
	agent_arm(a);
}

/* App src sends its request (at its start, or on a retry). */
static void agent_send_request(struct agent *a, uint32_t src)
{
	struct agent_app *p = &a->app[src];

	if (p->stopped)
		return;
	if (p->asked_ps < 0)
		p->asked_ps = sim_now(a->sim);
	agent_post(a, src, AM_REQUEST, a->cfg.latency_ps);
}

/* App src stops: it will send nothing more and releases its grant. */
static void agent_stop(struct agent *a, uint32_t src)
{
	struct agent_app *p = &a->app[src];

	p->stopped = true;
	agent_post(a, src, AM_RELEASE, a->cfg.latency_ps);
}

static void agent_event(struct sim *sim, void *arg, void *msg)
{
	struct agent *a = arg;
	uintptr_t v = (uintptr_t)msg;
	uint32_t src = (uint32_t)(v >> AM_BITS);
	enum agent_msg m = (enum agent_msg)(v & ((1u << AM_BITS) - 1));

	(void)sim;
	switch (m) {
	case AM_REQUEST:
	case AM_RELEASE:
		agent_work(a, src, m); /* reached the agent: its core */
		break;
	case AM_GRANT:
	case AM_NOTICE:
		agent_granted(a, src, m == AM_NOTICE);
		break;
	case AM_DENY:
		if (a->app[src].entitled && a->cfg.retry_ps &&
		    !a->app[src].stopped)
			agent_post(a, src, AM_ASK, a->cfg.retry_ps);
		break;
	case AM_ASK:
		agent_send_request(a, src);
		break;
	case AM_STOP:
		agent_stop(a, src);
		break;
	}
}

/* The agent's job for message m about src is done. */
static void agent_done(struct sim *sim, void *arg, void *msg)
{
	struct agent *a = arg;
	uintptr_t v = (uintptr_t)msg;
	uint32_t src = (uint32_t)(v >> AM_BITS);
	enum agent_msg m = (enum agent_msg)(v & ((1u << AM_BITS) - 1));

	(void)sim;
	(*a->messages)++;
	if (m == AM_REQUEST)
		agent_decide(a, src);
	else if (m == AM_RELEASE)
		agent_release(a, src);
	else /* a grant or notice of the agent's own: it leaves now */
		agent_post(a, src, m, a->cfg.latency_ps);
}

static void agent_work(struct agent *a, uint32_t src, enum agent_msg m)
{
	struct cpu_job j = { 0 };

	if (!a->core) { /* no core (never asked): at once */
		agent_done(a->sim, a, agent_pack(src, m));
		return;
	}
	cpu_job_add(&j, CPU_A_PROTO, a->cfg.cost_ps);
	if (cpu_submit(a->core, &j, agent_done, a, agent_pack(src, m)))
		sim_stop(a->sim);
}

static void agent_revoke(struct agent *a, uint32_t src)
{
	struct agent_app *p = &a->app[src];

	p->former_bps = p->grant_bps;
	agent_hold(a, p, 0);
	p->on = false;
	p->state = AS_REVOKED;
	p->good = 0;
	(*a->revocations)++;
	mux_set_app(a->mux, src, false, MUX_SC_BE);
}

/* Bytes rate_bps allows over the part of the window since p->since. */
static double agent_allowed(const struct agent *a, const struct agent_app *p,
			    double rate_bps, sim_time now)
{
	return rate_bps / 8 * (double)(now - p->since) * (1 / (double)SIM_S) *
	       (1 + a->cfg.tolerance);
}

/* A revoked app's window: conforming ones in a row re-admit it. */
static void agent_judge_revoked(struct agent *a, uint32_t src, sim_time now)
{
	struct agent_app *p = &a->app[src];

	if (!a->cfg.readmit || p->stopped)
		return;
	if ((double)p->bytes <= agent_allowed(a, p, p->former_bps, now))
		p->good++;
	else
		p->good = 0;
	if (p->good < a->cfg.readmit || !agent_fits(a, p->former_bps))
		return;
	agent_hold(a, p, p->former_bps);
	p->sent_bps = p->former_bps;
	p->state = AS_GRANTED;
	(*a->readmissions)++;
	a->last_readmit_ps = now;
	agent_work(a, src, AM_GRANT);
}

static void agent_police(struct sim *sim, void *arg, void *unused)
{
	struct agent *a = arg;
	sim_time now = sim_now(sim);

	(void)unused;
	a->tick = 0;
	for (uint32_t i = 0; i < a->napps; i++) {
		struct agent_app *p = &a->app[i];

		if (p->on &&
		    (double)p->bytes > agent_allowed(a, p, p->known_bps, now))
			agent_revoke(a, i);
		else if (p->state == AS_REVOKED)
			agent_judge_revoked(a, i, now);
		p->bytes = 0;
		p->since = now;
	}
	agent_arm(a);
}

void agent_capacity(struct agent *a, double capacity_bps)
{
	double asked = 0, f;
	bool changed = false;

	if (capacity_bps <= 0 || capacity_bps == a->capacity_bps)
		return;
	a->capacity_bps = capacity_bps;
	for (uint32_t i = 0; i < a->napps; i++)
		asked += a->app[i].grant_bps > 0 ? a->app[i].want_bps : 0;
	if (asked <= 0)
		return;
	f = agent_budget(a) / asked;
	f = f < 1 ? f : 1;
	for (uint32_t i = 0; i < a->napps; i++) {
		struct agent_app *p = &a->app[i];
		double g = p->want_bps * f;

		if (p->grant_bps <= 0 || g == p->grant_bps)
			continue;
		p->grant_bps = g;
		changed = true;
	}
	a->total_bps = 0;
	for (uint32_t i = 0; i < a->napps; i++)
		a->total_bps += a->app[i].grant_bps;
	if (a->total_bps > a->granted_max_bps)
		a->granted_max_bps = a->total_bps;
	if (!changed)
		return;
	(*a->renegotiations)++;
	for (uint32_t i = 0; i < a->napps; i++) {
		struct agent_app *p = &a->app[i];

		if (p->grant_bps <= 0 || p->grant_bps == p->sent_bps)
			continue;
		p->sent_bps = p->grant_bps;
		(*a->notices)++;
		agent_work(a, i, AM_NOTICE);
	}
}

static int agent_stats(struct agent *a, struct stats *st, const char *c)
{
	a->requests = stats_counter(st, c, "requests", "");
	a->admissions = stats_counter(st, c, "admissions", "");
	a->refusals = stats_counter(st, c, "refusals", "");
	a->ref_entitled = stats_counter(st, c, "refusals.entitlement", "");
	a->ref_room = stats_counter(st, c, "refusals.no_room", "");
	a->revocations = stats_counter(st, c, "revocations", "");
	a->readmissions = stats_counter(st, c, "readmissions", "");
	a->renegotiations = stats_counter(st, c, "renegotiations", "");
	a->notices = stats_counter(st, c, "notices", "");
	a->releases = stats_counter(st, c, "releases", "");
	a->messages = stats_counter(st, c, "messages", "");
	return a->requests && a->admissions && a->refusals && a->ref_entitled &&
			       a->ref_room && a->revocations &&
			       a->readmissions && a->renegotiations &&
			       a->notices && a->releases && a->messages
		       ? 0
		       : -ENOMEM;
}

int agent_create(const struct agent_cfg *cfg, const struct model_env *env,
		 struct mux *mux, double line_bps, uint32_t napps,
		 const char *const *app_comps, struct agent **out, char *err,
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
	a->app_comps = app_comps;
	a->cfg = *cfg;
	a->line_bps = line_bps;
	a->capacity_bps = line_bps;
	a->share = line_bps > 0 ? mux_ll_rate(mux) / line_bps : 0;
	a->last_notice_ps = a->last_readmit_ps = -1;
	a->app = calloc(napps ? napps : 1, sizeof(*a->app));
	if (!a->app || agent_stats(a, env->st, comp))
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

void agent_set_core(struct agent *a, struct cpu_core *core)
{
	a->core = core;
}

int agent_ask(struct agent *a, uint32_t src, double rate_bps, bool entitled,
	      bool own, sim_time at_ps, sim_time stop_ps)
{
	struct agent_app *p = &a->app[src];

	p->asks = true;
	p->want_bps = rate_bps;
	p->entitled = entitled && rate_bps > 0;
	p->own = own;
	p->start_ps = at_ps;
	p->stop_ps = stop_ps;
	p->asked_ps = p->wait_ps = p->first_ps = -1;
	if (!sim_schedule_at(a->sim, at_ps, agent_event, a,
			     agent_pack(src, AM_ASK)))
		return -ENOMEM;
	if (stop_ps && !sim_schedule_at(a->sim, stop_ps, agent_event, a,
					agent_pack(src, AM_STOP)))
		return -ENOMEM;
	return 0;
}

bool agent_has_apps(const struct agent *a)
{
	for (uint32_t i = 0; i < a->napps; i++)
		if (a->app[i].asks)
			return true;
	return false;
}

bool agent_wants_advisories(const struct agent *a)
{
	return a->cfg.advisories;
}

void agent_on_grant(struct agent *a,
		    void (*fn)(void *arg, uint32_t src, double grant_bps,
			       double asked_bps),
		    void *arg)
{
	a->on_grant = fn;
	a->on_grant_arg = arg;
}

void agent_account(struct agent *a, uint32_t src, uint32_t len)
{
	struct agent_app *p;

	if (src >= a->napps)
		return;
	p = &a->app[src];
	if (p->on && p->first_ps < 0)
		p->first_ps = sim_now(a->sim);
	if (p->on || p->state == AS_REVOKED)
		p->bytes += len;
}

double agent_admitted(const struct agent *a, uint32_t src)
{
	return src < a->napps ? a->app[src].grant_bps : 0;
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
	stats_scalar(a->st, a->name, "granted_max", "bps", a->granted_max_bps);
	stats_scalar(a->st, a->name, "budget", "bps", agent_budget(a));
	if (a->last_notice_ps >= 0)
		stats_scalar(a->st, a->name, "last_notice", "ps",
			     (double)a->last_notice_ps);
	if (a->last_readmit_ps >= 0)
		stats_scalar(a->st, a->name, "last_readmit", "ps",
			     (double)a->last_readmit_ps);
	for (uint32_t i = 0; a->app_comps && i < a->napps; i++) {
		const struct agent_app *p = &a->app[i];

		if (!p->asks || !p->own)
			continue;
		if (p->wait_ps >= 0)
			stats_scalar(a->st, a->app_comps[i], "ll_wait", "ps",
				     (double)p->wait_ps);
		if (p->first_ps >= 0)
			stats_scalar(a->st, a->app_comps[i], "ll_first", "ps",
				     (double)(p->first_ps - p->start_ps));
	}
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
