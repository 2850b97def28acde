/*
 * app.c - traffic sources: Poisson or CBR arrivals, sizes from a
 * distribution.
 *
 * Each app owns its random streams, one for inter-arrival times, one for
 * sizes and one for on/off periods, so changing the size distribution does
 * not change the arrival instants (and vice versa). A rate given in bit/s
 * is turned into packets/s with the mean packet size of the distribution.
 * CBR departures are placed at start + k * period, rounded to the
 * picosecond per packet, so they do not drift however long the run.
 *
 * A replay app (pattern: replay) sends the packets of a pcap trace
 * instead, read at creation into arrays (models/trace.h): its gaps times
 * time_scale, its wire lengths and its flows' 5-tuples; the event loop
 * only walks the arrays.
 *
 * The app is created from a struct app_cfg (app_params.c reads and checks
 * it) and a model_env; it hands every packet on at once, so it holds none,
 * and the topology keeps it with app_ops for its destruction.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "errmsg.h"
#include "pool.h"
#include "rng.h"
#include "sink.h"
#include "stack.h"
#include "stats.h"
#include "tcp.h"
#include "trace.h"

/* Poisson gaps drawn at a time (app_gap()). */
#define APP_GAPS 8

struct app {
	struct sim *sim;
	struct pkt_pool *pool;
	uint32_t index;
	uint32_t trace_id;
	uint64_t emissions; /* arrivals so far (each sends burst packets) */
	uint64_t requests;  /* rpc: requests made */
	uint64_t sent, sent_bytes; /* counters (stats_counter_at()) */
	uint64_t *requests_read;   /* tcp: requests the server read */
	sim_time on_end_ps;	   /* end of the current on period */
	sim_time shift_ps;	   /* CBR: off time skipped so far */
	sim_time anchor_ps;    /* CBR: departures at anchor + k period ... */
	uint64_t anchor_n;     /* ... counting k from this emission */
	sim_time next_ps;      /* the next arrival scheduled */
	sim_event_id emit_ev;  /* its event (0: none) */
	double mean_bits;      /* mean packet size in bits */
	double base_period_ps; /* configured mean inter-arrival time */
	double aimd_f;	       /* aimd: rate / configured rate */
	struct rng *onoff;
	uint64_t last_id; /* id of the last packet made */
	uint64_t forged_n;
	double period_ps; /* mean inter-arrival time */
	struct rng *arrivals, *sizes;
	struct rng_empirical *table;
	struct sim_port out;
	double ll_scale; /* grant / asked (1 before any grant) */
	bool surging;
	uint32_t ngap;	       /* poisson: gap1[] used so far */
	double gap1[APP_GAPS]; /* poisson: the next gaps, of mean 1 */
	/* after the state an emission touches, with its own per-packet
	 * fields first */
	struct app_cfg cfg; /* size_table and strings: not used after
				creation */
	sim_time cut_ps;    /* aimd: the last cut (-1: none) */
	sim_event_id aimd_timer;
	uint64_t *expired, *rate_changes, *advisories;
	uint64_t *cuts, *increases, *stale_dropped;
	struct rng *thinks; /* rpc: exponential think times */
	uint64_t req_id;    /* rpc: the request waited for, 0: none */
	sim_event_id timer; /* rpc: its timeout */
	uint64_t *timeouts;
	struct sink *sink;	   /* rpc: records delivered packets */
	struct sim_port reply_out; /* rpc: the peer end's stack */
	struct stat_hist *rtt;
	/* transport tcp: the client's end (0) and the server's (1), each
	 * with its writes not yet acknowledged, in a ring: write k (an
	 * absolute count) at w[k % APP_TCP_WRITES], first .. first + n - 1 */
	struct app_tcp_end {
		struct app *a;
		struct tcp *t;
		struct sim_port out; /* the end's stack */
		struct app_write {
			uint64_t end;	  /* the stream's end after it */
			uint64_t msg_end; /* ... and after its message */
			sim_time at;	  /* when it was written */
		} * w;
		uint64_t first, n;
		uint64_t base;	       /* where write first starts */
		uint64_t written;      /* bytes written */
		uint32_t record_bytes; /* TLS record size; 0: per write */
	} end[2];
	uint64_t read[2];      /* bytes each end has read */
	uint64_t mct_next;     /* the next message to complete */
	struct stat_hist *mct; /* message completion times */
	uint64_t *mct_untimed; /* messages written into a full ring */
	uint64_t req_end;      /* rpc: the server's stream holds the request
			      when it reaches this ... */
	uint64_t resp_end;     /* ... the client's the response */
	bool req_open;	       /* the server waits for a request */
	bool resp_open;	       /* the client waits for a response */
	sim_time req_ps;       /* when the request was written */
	struct trace trace;    /* replay: the packets to send */
	uint64_t replay_i;     /* replay: the next of them */
	sim_time pass_ps;      /* replay: the current pass's start - start */
	sim_time repeat_ps;    /* replay, repeat: the time between passes */
	uint64_t *flows, *nonip;
};

static uint32_t app_draw_size(struct app *a)
{
	double v;

	if (a->cfg.pattern == APP_REPLAY)
		return a->trace.len[a->replay_i];
	switch (a->cfg.size_dist) {
	case APP_SIZE_EXP:
		v = round(rng_exponential(a->sizes, (double)a->cfg.size_bytes));
		return v < 1 ? 1 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	case APP_SIZE_UNIFORM:
		return (uint32_t)(a->cfg.size_min_bytes +
				  rng_u64(a->sizes,
					  a->cfg.size_max_bytes -
						  a->cfg.size_min_bytes + 1));
	case APP_SIZE_EMPIRICAL:
		return (uint32_t)rng_empirical(a->sizes, a->table);
	case APP_SIZE_FIXED:
	default:
		return (uint32_t)a->cfg.size_bytes;
	}
}

/* The length of the next on or off period (mean mean_ps). */
static sim_time app_period(struct app *a, sim_time mean_ps)
{
	double d;

	if (!a->cfg.onoff_exp)
		return mean_ps;
	d = rng_exponential(a->onoff, (double)mean_ps);
	return d >= 0x1p63 ? SIM_TIME_MAX : (sim_time)llround(d);
}

/* now + d picoseconds, SIM_TIME_MAX past what fits. */
static sim_time app_after(sim_time now, double d)
{
	return d >= 0x1p63 ? SIM_TIME_MAX
			   : sim_time_add(now, (sim_time)llround(d));
}

/* Moves t out of the off periods: every off period it falls into (or
 * past) pushes it, and the CBR schedule, back by that period. */
static sim_time app_skip_off(struct app *a, sim_time t)
{
	while (a->cfg.on_ps && t >= a->on_end_ps && t < SIM_TIME_MAX) {
		sim_time gap = app_period(a, a->cfg.off_ps);

		/* past 2^63 ps (106 days) the source is simply done */
		t = sim_time_add(t, gap);
		a->shift_ps = sim_time_add(a->shift_ps, gap);
		a->on_end_ps = sim_time_add(sim_time_add(a->on_end_ps, gap),
					    app_period(a, a->cfg.on_ps));
	}
	return t;
}

/* The next Poisson gap, of mean period_ps. The arrivals stream serves
 * nothing else; its gaps are drawn APP_GAPS at a time, of mean 1, and
 * scaled by the period when used: GSL's exponential of mean m is
 * -m log1p(-u), exactly m times the one of mean 1, so the values are those
 * of one draw of mean period_ps each, bit for bit, in the same order,
 * whatever the period does in between. The stream's state (GSL's
 * generator, then its 5 KB Mersenne Twister state, read one after
 * another) is touched once every APP_GAPS packets, not per packet. */
static double app_gap(struct app *a)
{
	if (a->ngap == APP_GAPS) {
		for (unsigned i = 0; i < APP_GAPS; i++)
			a->gap1[i] = rng_exponential(a->arrivals, 1.0);
		a->ngap = 0;
	}
	return a->period_ps * a->gap1[a->ngap++];
}

static sim_time app_next_time(struct app *a)
{
	sim_time t;

	if (a->cfg.pattern == APP_POISSON)
		t = app_after(sim_now(a->sim), app_gap(a));
	else {
		double d = (double)(a->emissions - a->anchor_n) * a->period_ps;

		t = d >= 0x1p63 ? SIM_TIME_MAX
				: sim_time_add(sim_time_add(a->anchor_ps,
							    a->shift_ps),
					       (sim_time)llround(d));
	}
	return app_skip_off(a, t);
}

/* The forgery of the next packet of a spoofing app. */
static uint8_t app_forgery(struct app *a)
{
	if (a->cfg.forge >= 0)
		return (uint8_t)a->cfg.forge;
	return (uint8_t)(PKT_FORGE_SADDR +
			 a->forged_n++ % (PKT_NFORGERIES - 1));
}

/* Makes and sends one packet; returns false if memory ran out. */
static bool app_send_one(struct app *a, enum pkt_kind kind)
{
	struct sim *sim = a->sim;
	struct sim_pkt *p = pkt_alloc(a->pool);

	if (!p) {
		sim_stop(sim); /* out of memory: end the run, it is reported */
		return false;
	}
	p->len_bytes = app_draw_size(a);
	p->src = a->index;
	p->created_ps = sim_now(sim);
	p->kind = (uint8_t)kind;
	p->forged = app_forgery(a);
	if (a->cfg.deadline_ps) {
		p->deadline_ps = p->created_ps + a->cfg.deadline_ps;
		p->expiry = a->cfg.expiry;
	}
	p->want_status = a->cfg.tx_status;
	if (a->cfg.pattern == APP_REPLAY && !strcmp(a->cfg.stack, "none")) {
		const struct trace_tuple *tu =
			&a->trace.tuple[a->trace.flow[a->replay_i]];

		p->saddr = tu->saddr;
		p->daddr = tu->daddr;
		p->sport = tu->sport;
		p->dport = tu->dport;
		p->proto = tu->proto;
	}
	a->last_id = p->id;
	a->sent++;
	a->sent_bytes += p->len_bytes;
	sim_trace(sim, a->trace_id, SIM_TR_SEND, p->len_bytes);
	sim_port_send(&a->out, p);
	return true;
}

static void app_emit(struct sim *sim, void *arg, void *unused);
static void app_tcp_request(struct app *a);

/* rpc: the think time before the next request, fixed or drawn from an
 * exponential distribution of mean think (from the app's own stream, so
 * that it moves neither its sizes nor its arrivals). */
static sim_time app_think(struct app *a)
{
	double d;

	if (!a->cfg.think_exp || !a->cfg.think_ps)
		return a->cfg.think_ps;
	d = rng_exponential(a->thinks, (double)a->cfg.think_ps);
	return d >= 0x1p62 ? (sim_time)0x1p62 : (sim_time)llround(d);
}
static void app_tcp_messages(struct app *a);

/* rpc: the request waited for was not answered in time: the next one. */
static void app_timeout(struct sim *sim, void *arg, void *unused)
{
	struct app *a = arg;

	(void)unused;
	a->timer = 0;
	a->req_id = 0;
	(*a->timeouts)++;
	if (!a->cfg.count_pkts || a->requests < a->cfg.count_pkts)
		sim_schedule(sim, app_think(a), app_emit, a, NULL);
}

/* rpc: sends the next request and waits for its response (or the
 * timeout). */
static void app_request_next(struct app *a)
{
	a->requests++;
	if (!app_send_one(a, PKT_REQUEST))
		return;
	a->req_id = a->last_id;
	if (a->cfg.timeout_ps)
		a->timer = sim_schedule(a->sim, a->cfg.timeout_ps, app_timeout,
					a, NULL);
}

/* Schedules the next arrival (never in the past). */
static void app_schedule_next(struct app *a)
{
	sim_time t = app_next_time(a);

	if (t < sim_now(a->sim))
		t = sim_now(a->sim);
	a->next_ps = t;
	a->emit_ev = sim_schedule_at(a->sim, t, app_emit, a, NULL);
	if (!a->emit_ev)
		sim_stop(a->sim); /* out of memory: end the run, it shows */
}

/* replay: sends the trace's packets due now (those of the same
 * picosecond back to back) and schedules the next; with repeat, the trace
 * starts over a period after its previous start (app_setup()). */
static void app_replay(struct app *a)
{
	const struct trace *t = &a->trace;
	sim_time at = t->at_ps[a->replay_i];

	while (a->replay_i < t->n && t->at_ps[a->replay_i] == at) {
		if (a->cfg.count_pkts && a->sent >= a->cfg.count_pkts)
			return;
		if (!app_send_one(a, PKT_DATA))
			return;
		a->replay_i++;
	}
	if (a->replay_i == t->n && a->cfg.repeat) {
		a->replay_i = 0;
		a->pass_ps = sim_time_add(a->pass_ps, a->repeat_ps);
	}
	if (a->replay_i == t->n ||
	    (a->cfg.count_pkts && a->sent >= a->cfg.count_pkts))
		return;
	a->next_ps = sim_time_add(sim_time_add(a->cfg.start_ps, a->pass_ps),
				  t->at_ps[a->replay_i]);
	a->emit_ev = sim_schedule_at(a->sim, a->next_ps, app_emit, a, NULL);
	if (!a->emit_ev)
		sim_stop(a->sim); /* out of memory: end the run, it shows */
}

static void app_emit(struct sim *sim, void *arg, void *unused)
{
	struct app *a = arg;

	(void)sim;
	(void)unused;
	a->emit_ev = 0;
	if (a->cfg.stop_ps && sim_now(sim) >= a->cfg.stop_ps)
		return; /* stopped: no more packets */
	if (a->cfg.pattern == APP_RPC && a->cfg.tcp) {
		app_tcp_request(a);
		return;
	}
	if (a->cfg.tcp) {
		app_tcp_messages(a);
		return;
	}
	if (a->cfg.pattern == APP_RPC) {
		app_request_next(a);
		return;
	}
	if (a->cfg.pattern == APP_REPLAY) {
		app_replay(a);
		return;
	}
	a->emissions++;
	for (uint32_t i = 0; i < a->cfg.burst_pkts; i++) {
		if (a->cfg.count_pkts && a->sent >= a->cfg.count_pkts)
			return;
		if (i + 1 == a->cfg.burst_pkts &&
		    (!a->cfg.count_pkts || a->sent + 1 < a->cfg.count_pkts))
			app_schedule_next(a);
		if (!app_send_one(a, PKT_DATA))
			return;
	}
}

static double app_mean_size(const struct app *a)
{
	switch (a->cfg.size_dist) {
	case APP_SIZE_UNIFORM:
		return ((double)a->cfg.size_min_bytes +
			(double)a->cfg.size_max_bytes) /
		       2;
	case APP_SIZE_EMPIRICAL:
		return rng_empirical_mean(a->table);
	default:
		return a->cfg.pattern == APP_REPLAY
			       ? (double)a->trace.bytes / (double)a->trace.n
			       : (double)a->cfg.size_bytes;
	}
}

/* Creates the stream component.name in *r if used; -ENOMEM. */
static int app_stream(struct rng **r, bool used, const struct model_env *env,
		      const char *name)
{
	char path[160];

	if (!used)
		return 0;
	snprintf(path, sizeof(path), "%s.%s", env->component, name);
	*r = rng_create(env->seed, env->rep, path);
	return *r ? 0 : -ENOMEM;
}

/* The random streams, the size table, the mean inter-arrival time and the
 * first on period. */
static int app_setup(struct app *a, const struct model_env *env)
{
	const struct app_cfg *c = &a->cfg;

	if (c->size_dist == APP_SIZE_EMPIRICAL) {
		a->table = rng_empirical_create(c->size_table->value,
						c->size_table->weight,
						c->size_table->n);
		if (!a->table)
			return -ENOMEM;
	}
	a->period_ps = c->rate_pps > 0 ? (double)SIM_S / c->rate_pps
				       : (double)SIM_S * 8 * app_mean_size(a) /
						 c->rate_bps;
	a->period_ps *= c->burst_pkts; /* the rate is the load, in packets
					  or bits */
	if (c->pattern == APP_REPLAY && a->trace.n > 1 &&
	    a->trace.at_ps[a->trace.n - 1] > 0) /* the trace's mean rate */
		a->period_ps = (double)a->trace.at_ps[a->trace.n - 1] /
			       (double)(a->trace.n - 1);
	/* repeat: n mean gaps from one pass's start to the next's, as if the
	 * trace's mean gap followed its last packet */
	if (c->pattern == APP_REPLAY)
		a->repeat_ps =
			(sim_time)llround(a->period_ps * (double)a->trace.n);
	a->base_period_ps = a->period_ps;
	a->ngap = APP_GAPS; /* none drawn */
	a->ll_scale = 1;
	a->aimd_f = 1;
	a->cut_ps = -1;
	a->mean_bits = 8 * app_mean_size(a);
	a->anchor_ps = c->start_ps;
	/* Each stream exists only if the configuration draws from it (a
	 * stream holds 5 KB of generator state); its seed depends on its
	 * path alone, so creating or not creating the others moves nothing. */
	if (app_stream(&a->arrivals, c->pattern == APP_POISSON, env,
		       "arrivals") ||
	    app_stream(&a->sizes,
		       c->pattern != APP_REPLAY &&
			       (c->size_dist == APP_SIZE_EXP ||
				c->size_dist == APP_SIZE_UNIFORM ||
				c->size_dist == APP_SIZE_EMPIRICAL),
		       env, "sizes") ||
	    app_stream(&a->onoff, c->on_ps && c->onoff_exp, env, "onoff") ||
	    app_stream(&a->thinks, c->think_exp && c->think_ps, env, "think"))
		return -ENOMEM;
	if (c->on_ps)
		a->on_end_ps = c->start_ps + app_period(a, c->on_ps);
	return 0;
}

static int app_stats(struct app *a, struct stats *st, const char *comp)
{
	if (!stats_counter_at(st, comp, "sent", "packets", &a->sent) ||
	    !stats_counter_at(st, comp, "sent_bytes", "B", &a->sent_bytes))
		return -ENOMEM;
	if (a->cfg.pattern == APP_RPC) {
		a->rtt = stats_hist(st, comp, "rtt", "ps");
		a->timeouts = stats_counter(st, comp, "timeouts", "");
	}
	if (a->cfg.tcp) {
		a->requests_read = stats_counter(st, comp, "requests", "");
		if (!a->requests_read)
			return -ENOMEM;
		for (int i = 0; i < 2; i++) {
			a->end[i].w =
				calloc(APP_TCP_WRITES, sizeof(*a->end[i].w));
			if (!a->end[i].w)
				return -ENOMEM;
		}
	}
	if (a->cfg.tcp && a->cfg.pattern != APP_RPC &&
	    a->cfg.pattern != APP_BULK) {
		a->mct = stats_hist(st, comp, "mct", "ps");
		a->mct_untimed = stats_counter(st, comp, "mct_untimed", "");
		if (!a->mct || !a->mct_untimed)
			return -ENOMEM;
	}
	if (a->cfg.deadline_ps || a->cfg.adaptive) {
		a->expired = stats_counter(st, comp, "expired", "packets");
		a->rate_changes = stats_counter(st, comp, "rate_changes", "");
		a->advisories = stats_counter(st, comp, "advisories", "");
		if (!a->expired || !a->rate_changes || !a->advisories)
			return -ENOMEM;
	}
	if (a->cfg.reaction == APP_REACT_AIMD) {
		a->cuts = stats_counter(st, comp, "cuts", "");
		a->increases = stats_counter(st, comp, "increases", "");
		if (!a->cuts || !a->increases)
			return -ENOMEM;
	}
	if (a->cfg.reaction == APP_REACT_DROP_STALE) {
		a->stale_dropped =
			stats_counter(st, comp, "stale_dropped", "packets");
		if (!a->stale_dropped)
			return -ENOMEM;
	}
	if (a->cfg.pattern == APP_REPLAY) {
		a->flows = stats_counter(st, comp, "flows", "");
		a->nonip = stats_counter(st, comp, "nonip", "packets");
		if (!a->flows || !a->nonip)
			return -ENOMEM;
		*a->flows = a->trace.nflows;
		*a->nonip = a->trace.nonip;
	}
	if (a->cfg.pattern == APP_RPC && (!a->rtt || !a->timeouts))
		return -ENOMEM;
	return 0;
}

int app_create(const struct app_cfg *cfg, const struct model_env *env,
	       struct pkt_pool *pool, uint32_t index, struct app **out,
	       char *err, size_t errlen)
{
	/* the statistics' (stats_block): never freed here */
	struct app *a = stats_block(env->st, sizeof(*a));

	if (!a)
		goto out_nomem;
	a->sim = env->sim;
	a->pool = pool;
	a->index = index;
	a->cfg = *cfg;
	if (cfg->pattern == APP_REPLAY) {
		char why[512];
		int rc = trace_load(&a->trace, cfg->trace, cfg->time_scale, why,
				    sizeof(why));

		if (rc) {
			app_destroy(a);
			if (rc == -ENOMEM)
				goto out_nomem;
			errmsg(err, errlen, "%s: trace: %s", cfg->trace_where,
			       why);
			return rc;
		}
		if (cfg->repeat && !a->trace.at_ps[a->trace.n - 1]) {
			errmsg(err, errlen,
			       "%s: trace: %s: repeat: the trace spans no time (its packets are all at one instant), so nothing says when it starts over",
			       cfg->trace_where, cfg->trace);
			app_destroy(a);
			return -EINVAL;
		}
	}
	if (app_setup(a, env))
		goto out_free;
	a->trace_id = sim_trace_id(env->component);
	if (app_stats(a, env->st, env->component))
		goto out_free;
	*out = a;
	return 0;
out_free:
	app_destroy(a);
out_nomem:
	errmsg(err, errlen, "%s: out of memory", env->component);
	return -ENOMEM;
}

void app_destroy(struct app *a)
{
	if (!a)
		return;
	rng_destroy(a->arrivals);
	rng_destroy(a->sizes);
	rng_destroy(a->onoff);
	rng_destroy(a->thinks);
	rng_empirical_destroy(a->table);
	free(a->end[0].w);
	free(a->end[1].w);
	trace_free(&a->trace);
	/* a is the statistics' (stats_block) */
}

void app_connect(struct app *a, struct sim_port out)
{
	a->out = out;
}

static void app_surge(struct sim *sim, void *arg, void *unused);
static void app_tcp_start(struct sim *sim, void *arg, void *unused);

int app_start(struct app *a)
{
	if (a->cfg.surge != 1 &&
	    (!sim_schedule_at(a->sim, a->cfg.surge_at_ps, app_surge, a, NULL) ||
	     !sim_schedule_at(a->sim, a->cfg.surge_until_ps, app_surge, a,
			      NULL)))
		return -ENOMEM;
	a->next_ps = a->cfg.start_ps;
	a->emit_ev =
		sim_schedule_at(a->sim, a->cfg.start_ps,
				a->cfg.tcp ? app_tcp_start : app_emit, a, NULL);
	return a->emit_ev ? 0 : -ENOMEM;
}

uint64_t app_sent(const struct app *a)
{
	return a->sent;
}

bool app_is_rpc(const struct app *a)
{
	return (a->cfg.pattern == APP_RPC);
}

bool app_is_tcp(const struct app *a)
{
	return a->cfg.tcp;
}

bool app_two_way(const struct app *a)
{
	return a->cfg.pattern == APP_RPC || a->cfg.tcp;
}

void app_connect_rpc(struct app *a, struct sim_port reply_out,
		     struct sink *sink)
{
	a->reply_out = reply_out;
	a->sink = sink;
}

/* The peer end: a request arrived; it is answered at once. */
static void app_request(void *owner, struct sim_pkt *p)
{
	struct app *a = owner;
	struct sim *sim = a->sim;

	sink_record(a->sink, p);
	pool_release(p);
	p->req_ps = p->created_ps;
	p->created_ps = sim_now(sim);
	p->kind = PKT_RESPONSE;
	p->len_bytes = a->cfg.response_bytes;
	p->queued_ps = 0;
	p->forged = PKT_FORGE_NONE;
	p->dev_prio = 0; /* the request's device queue was the sender's */
	memset(p->stamp_ps, 0, sizeof(p->stamp_ps));
	a->sent++;
	a->sent_bytes += p->len_bytes;
	sim_trace(sim, a->trace_id, SIM_TR_SEND, p->len_bytes);
	sim_port_send(&a->reply_out, p);
}

/* The app's end: the response to its request; the next request follows
 * after the think time. */
static void app_response(void *owner, struct sim_pkt *p)
{
	struct app *a = owner;
	struct sim *sim = a->sim;

	bool awaited = p->id == a->req_id;

	sink_record(a->sink, p);
	stats_hist_record(a->rtt, sim_now(sim) - p->req_ps);
	pool_release(p);
	pkt_free(a->pool, p);
	if (!awaited)
		return; /* a late answer to a request given up */
	a->req_id = 0;
	if (a->timer)
		sim_cancel(sim, a->timer);
	a->timer = 0;
	if (!a->cfg.count_pkts || a->requests < a->cfg.count_pkts)
		sim_schedule(sim, app_think(a), app_emit, a, NULL);
}

struct sim_port app_request_input(struct app *a)
{
	return (struct sim_port){ .recv = app_request, .owner = a };
}

struct sim_port app_response_input(struct app *a)
{
	return (struct sim_port){ .recv = app_response, .owner = a };
}

/* ---- transport tcp ---- */

static struct app_write *app_write_at(struct app_tcp_end *e, uint64_t k)
{
	return &e->w[k % APP_TCP_WRITES];
}

/* Forgets the writes the peer has acknowledged (never sent again) and
 * whose message has completed. */
static void app_writes_prune(struct app_tcp_end *e, uint64_t done)
{
	struct tcp_info ti;

	tcp_get_info(e->t, &ti);
	while (e->n && e->first < done &&
	       app_write_at(e, e->first)->end <= ti.snd_una) {
		e->base = app_write_at(e, e->first)->end;
		e->first++;
		e->n--;
	}
}

/* Writes bytes (a message of the app's when msg) to end e's stream and
 * remembers the write; into a full ring, it extends the last write. */
static void app_tcp_write(struct app *a, struct app_tcp_end *e, uint64_t bytes,
			  bool msg)
{
	uint64_t end = bytes == TCP_ENDLESS || e->written > TCP_ENDLESS - bytes
			       ? TCP_ENDLESS
			       : e->written + bytes;
	uint64_t done = msg ? a->mct_next : UINT64_MAX;

	if (!bytes)
		return;
	if (e->n == APP_TCP_WRITES)
		app_writes_prune(e, done);
	if (e->n < APP_TCP_WRITES) {
		*app_write_at(e, e->first + e->n) = (struct app_write){
			.end = end, .msg_end = end, .at = sim_now(a->sim)
		};
		e->n++;
	} else {
		app_write_at(e, e->first + e->n - 1)->end = end;
		if (msg)
			(*a->mct_untimed)++;
	}
	e->written = end;
	tcp_write(e->t, bytes);
}

/* The TLS records that start in [seq, seq + len) of end e's stream: one
 * at each write's start, one every record_bytes after it within it. */
static uint32_t app_tcp_records(struct app_tcp_end *e, uint64_t seq,
				uint32_t len)
{
	uint64_t lo = e->first, hi = e->first + e->n, r = 0;
	uint64_t R = e->record_bytes ? e->record_bytes : UINT64_MAX;

	while (lo < hi) { /* the first write that ends past seq */
		uint64_t mid = lo + (hi - lo) / 2;

		if (app_write_at(e, mid)->end <= seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint64_t k = lo; k < e->first + e->n; k++) {
		uint64_t start =
			k == e->first ? e->base : app_write_at(e, k - 1)->end;
		uint64_t end = app_write_at(e, k)->end;
		uint64_t from = seq > start ? seq : start;
		uint64_t to = seq + len < end ? seq + len : end;

		if (start >= seq + len)
			break;
		if (to > from) /* starts start + i R in [from, to) */
			r += (to - 1 - start) / R + 1 -
			     (from == start ? 0 : (from - start - 1) / R + 1);
	}
	return r > UINT16_MAX ? UINT16_MAX : (uint16_t)r;
}

/* A segment an end sends: its TLS records marked, counted as the app's,
 * then to its stack; the server's go back to the app's host as an rpc's
 * responses do. */
static void app_tcp_out(void *owner, struct sim_pkt *p)
{
	struct app_tcp_end *e = owner;
	struct app *a = e->a;

	if (p->tcp_len)
		p->tcp_records =
			(uint16_t)app_tcp_records(e, p->tcp_seq, p->tcp_len);
	if (e == &a->end[1])
		p->kind = PKT_RESPONSE;
	a->sent++;
	a->sent_bytes += p->len_bytes;
	sim_trace(a->sim, a->trace_id, SIM_TR_SEND, p->len_bytes);
	sim_port_send(&e->out, p);
}

/* A segment an end's stack delivered: recorded, then to its endpoint,
 * which frees it. */
static void app_tcp_in(void *owner, struct sim_pkt *p)
{
	struct app_tcp_end *e = owner;
	struct sim_port in = tcp_input(e->t);

	sink_record(e->a->sink, p);
	pool_release(p);
	sim_port_send(&in, p);
}

/* rpc: writes the next request; the server's stream must reach
 * req_end, then the client's resp_end. */
static void app_tcp_request(struct app *a)
{
	uint32_t n = app_draw_size(a);

	a->requests++;
	a->req_ps = sim_now(a->sim);
	a->req_end += n;
	a->req_open = true;
	a->resp_end += a->cfg.response_bytes;
	a->resp_open = true;
	app_tcp_write(a, &a->end[0], n, false);
}

/* A message source's arrival: burst messages of drawn sizes (count, if
 * set, counts messages). */
static void app_tcp_messages(struct app *a)
{
	a->emissions++;
	for (uint32_t i = 0; i < a->cfg.burst_pkts; i++) {
		if (a->cfg.count_pkts && a->requests >= a->cfg.count_pkts)
			return;
		if (i + 1 == a->cfg.burst_pkts &&
		    (!a->cfg.count_pkts || a->requests + 1 < a->cfg.count_pkts))
			app_schedule_next(a);
		a->requests++;
		app_tcp_write(a, &a->end[0], app_draw_size(a), true);
	}
}

/* The server read up to rcv_nxt: the messages it completes. */
static void app_tcp_completed(struct app *a, uint64_t rcv_nxt)
{
	struct app_tcp_end *e = &a->end[0];

	if (a->mct_next < e->first)
		a->mct_next = e->first;
	while (a->mct_next < e->first + e->n) {
		const struct app_write *w = app_write_at(e, a->mct_next);

		if (w->msg_end > rcv_nxt)
			break;
		stats_hist_record(a->mct, sim_now(a->sim) - w->at);
		a->mct_next++;
	}
}

/* The server read up to rcv_nxt: a whole request is answered. */
static void app_tcp_server_read(void *arg, uint64_t rcv_nxt)
{
	struct app *a = arg;

	a->read[1] = rcv_nxt;
	if (a->mct)
		app_tcp_completed(a, rcv_nxt);
	if (!a->req_open || rcv_nxt < a->req_end)
		return;
	a->req_open = false;
	(*a->requests_read)++;
	app_tcp_write(a, &a->end[1], a->cfg.response_bytes, false);
}

/* The client read up to rcv_nxt: a whole response ends the round trip,
 * and the next request follows after the think time. */
static void app_tcp_client_read(void *arg, uint64_t rcv_nxt)
{
	struct app *a = arg;

	a->read[0] = rcv_nxt;
	if (!a->resp_open || rcv_nxt < a->resp_end)
		return;
	a->resp_open = false;
	stats_hist_record(a->rtt, sim_now(a->sim) - a->req_ps);
	if (!a->cfg.count_pkts || a->requests < a->cfg.count_pkts)
		sim_schedule(a->sim, app_think(a), app_emit, a, NULL);
}

/* The client opens the connection; bulk writes its bytes, rpc its first
 * request (both sent once the handshake is over). */
static void app_tcp_start(struct sim *sim, void *arg, void *unused)
{
	struct app *a = arg;

	(void)sim;
	(void)unused;
	a->emit_ev = 0;
	tcp_open(a->end[0].t);
	if (a->cfg.pattern == APP_BULK) {
		app_tcp_write(a, &a->end[0],
			      a->cfg.bulk_bytes ? a->cfg.bulk_bytes
						: TCP_ENDLESS,
			      false);
		tcp_close(a->end[0].t);
	} else
		app_emit(sim, a, NULL);
}

void app_connect_tcp(struct app *a, struct tcp *client,
		     struct sim_port client_out, struct tcp *server,
		     struct sim_port server_out, struct sink *sink)
{
	a->sink = sink;
	for (int i = 0; i < 2; i++) {
		a->end[i].a = a;
		a->end[i].t = i ? server : client;
		a->end[i].out = i ? server_out : client_out;
	}
	for (int i = 0; i < 2; i++)
		tcp_connect(a->end[i].t,
			    (struct sim_port){ .recv = app_tcp_out,
					       .owner = &a->end[i] });
	tcp_on_read(client, app_tcp_client_read, a);
	tcp_on_read(server, app_tcp_server_read, a);
}

uint64_t app_tcp_bytes_read(const struct app *a)
{
	return a->read[0] + a->read[1];
}

void app_set_tls_records(struct app *a, uint32_t client_bytes,
			 uint32_t server_bytes)
{
	a->end[0].record_bytes = client_bytes;
	a->end[1].record_bytes = server_bytes;
}

struct sim_port app_tcp_input(struct app *a, bool server)
{
	return (struct sim_port){ .recv = app_tcp_in,
				  .owner = &a->end[server ? 1 : 0] };
}

/* A new sending rate from now on (packets per second x burst kept): the
 * next departure already scheduled stays; the ones after follow the new
 * period. */
static void app_set_period(struct app *a, double period_ps)
{
	if (period_ps <= 0 || period_ps == a->period_ps)
		return;
	/* the arrival already scheduled stays; the next ones are period
	 * apart from it */
	a->anchor_ps =
		a->next_ps > sim_now(a->sim) ? a->next_ps : sim_now(a->sim);
	a->anchor_n = a->emissions;
	a->shift_ps = 0;
	a->period_ps = period_ps;
	if (a->rate_changes)
		(*a->rate_changes)++;
}

/* The rate over the configured one: the grant's scale, the surge and the
 * aimd factor. */
static double app_factor(const struct app *a)
{
	return a->ll_scale * (a->surging ? a->cfg.surge : 1) * a->aimd_f;
}

/* The rate from the configured one, the grant, the surge and aimd. */
static void app_rescale(struct app *a)
{
	double f = app_factor(a);

	if (f > 0)
		app_set_period(a, a->base_period_ps / f);
}

/* The surge starts or ends. */
static void app_surge(struct sim *sim, void *arg, void *unused)
{
	struct app *a = arg;

	(void)sim;
	(void)unused;
	a->surging = !a->surging;
	app_rescale(a);
}

void app_on_grant(struct app *a, double grant_bps, double asked_bps)
{
	if (asked_bps <= 0 || a->cfg.pattern == APP_RPC)
		return;
	a->ll_scale = grant_bps / asked_bps;
	app_rescale(a);
}

/* aimd: the rate is aimd_f x the configured rate from now on. A higher
 * rate also brings the next departure forward if it was scheduled more
 * than one new period away (after deep cuts it can be far). */
static void app_aimd_apply(struct app *a)
{
	sim_time now = sim_now(a->sim), at;

	app_rescale(a);
	at = app_after(now, a->period_ps);
	if (!a->emit_ev || a->next_ps <= at)
		return;
	sim_cancel(a->sim, a->emit_ev);
	a->next_ps = at;
	a->anchor_ps = at;
	a->emit_ev = sim_schedule_at(a->sim, at, app_emit, a, NULL);
	if (!a->emit_ev)
		sim_stop(a->sim);
}

static void app_aimd_tick(struct sim *sim, void *arg, void *unused);

/* The next additive increase, a quiet interval from now. */
static void app_aimd_arm(struct app *a)
{
	if (a->aimd_timer)
		sim_cancel(a->sim, a->aimd_timer);
	a->aimd_timer = sim_schedule(a->sim, a->cfg.aimd_interval_ps,
				     app_aimd_tick, a, NULL);
	if (!a->aimd_timer)
		sim_stop(a->sim);
}

/* A quiet interval has passed: additive increase, up to the configured
 * rate. */
static void app_aimd_tick(struct sim *sim, void *arg, void *unused)
{
	struct app *a = arg;

	(void)sim;
	(void)unused;
	a->aimd_timer = 0;
	a->aimd_f += a->cfg.aimd_increase;
	if (a->aimd_f >= 1)
		a->aimd_f = 1;
	(*a->increases)++;
	app_aimd_apply(a);
	if (a->aimd_f < 1)
		app_aimd_arm(a);
}

/* aimd: one cut per batch, if the batch reports a packet created at or
 * after the last cut; any expiry restarts the quiet interval. */
static void app_aimd(struct app *a, const struct stk_events *ev)
{
	if (ev->latest_created_ps >= a->cut_ps) {
		a->cut_ps = sim_now(a->sim);
		a->aimd_f *= a->cfg.aimd_decrease;
		(*a->cuts)++;
		app_aimd_apply(a);
	}
	app_aimd_arm(a);
}

void app_on_events(struct app *a, const struct stk_events *ev)
{
	if (!a->expired || !ev->expired)
		return;
	*a->expired += ev->expired;
	if (a->cfg.reaction == APP_REACT_AIMD && a->cfg.pattern != APP_RPC)
		app_aimd(a, ev);
	if (a->stale_dropped)
		*a->stale_dropped += ev->stale_dropped;
}

enum app_reaction app_reaction_of(const struct app *a)
{
	return a->cfg.reaction;
}

void app_on_advisory(struct app *a, double capacity_bps)
{
	if (!a->advisories)
		return;
	(*a->advisories)++;
	if (a->cfg.adaptive && capacity_bps > 0 && !(a->cfg.pattern == APP_RPC))
		app_set_period(a, (double)SIM_S * a->mean_bits *
					  a->cfg.burst_pkts /
					  (a->cfg.adapt_share * capacity_bps));
}

double app_rate_bps(const struct app *a)
{
	return a->period_ps > 0 ? (double)SIM_S * a->mean_bits *
					  a->cfg.burst_pkts / a->period_ps
				: 0;
}

bool app_wants_advisories(const struct app *a)
{
	return a->cfg.adaptive;
}

static void app_ops_destroy(void *m)
{
	app_destroy(m);
}

const struct model_ops app_ops = {
	.name = "app",
	.destroy = app_ops_destroy,
};
