/*
 * app.h - traffic sources.
 *
 * An app's configuration, struct app_cfg, is filled by app_cfg_load()
 * from apps.NAME.* (app_params.c): what the source sends, and where the
 * topology places it (host, peer, stack, classes).
 */
#ifndef USNSIM_APP_H
#define USNSIM_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "param.h"
#include "pkt.h"

struct app;

enum app_pattern { APP_POISSON, APP_CBR, APP_RPC };
enum app_size_dist {
	APP_SIZE_FIXED,
	APP_SIZE_EXP,
	APP_SIZE_UNIFORM,
	APP_SIZE_EMPIRICAL
};

/* The configuration of an app: the parameters under apps.NAME (see
 * app_params.c for their meaning, units and sources). Strings and the
 * size table belong to the scenario. */
struct app_cfg {
	enum app_pattern pattern;
	double rate_pps; /* the load as a packet rate, or 0 ... */
	double rate_bps; /* ... as a bit rate, or 0 */
	enum app_size_dist size_dist;
	uint64_t size_bytes; /* fixed, or the exponential mean */
	uint64_t size_min_bytes, size_max_bytes; /* uniform */
	const struct param_table *size_table;	 /* empirical */
	sim_time start_ps;
	const char *host, *peer; /* host names; "": none */
	uint64_t count_pkts;	 /* 0: no limit */
	uint32_t burst_pkts;
	sim_time on_ps, off_ps;	 /* mean periods; on 0: always on */
	bool onoff_exp;		 /* exponential periods (else fixed) */
	const char *stack;	 /* none, kernel, user: see stk_kind_of() */
	uint32_t response_bytes; /* rpc */
	sim_time think_ps, timeout_ps;
	bool low_latency; /* class */
	double ll_rate_bps;
	bool ll_entitled;     /* holds the low-latency privilege */
	sim_time stop_ps;     /* sends nothing from then on; 0: never */
	double surge;	      /* rate factor between surge_at and */
	sim_time surge_at_ps; /* surge_until (1: none) */
	sim_time surge_until_ps;
	const char *service_class; /* see mux_class_of() */
	sim_time deadline_ps;	   /* relative to creation; 0: none */
	uint8_t expiry;		   /* enum pkt_expiry */
	bool tx_status;
	uint32_t expiry_backoff; /* expired events before slowing down */
	double backoff_factor;
	bool adaptive;
	double adapt_share;
	int forge; /* enum pkt_forgery; -1: mix */
	const char *forge_victim;
	sim_time close_at_ps;
};

/* Fills cfg from the parameters under prefix ("apps.NAME"). Returns 0, or
 * -EINVAL with "file:line:col: key: ..." in err if they do not fit
 * together: host without peer (or the reverse, or the same host), a stack
 * without hosts, rpc without a stack, forgeries or close_at without a
 * user-space stack, forge_victim without replay, size_min above size_max
 * for uniform sizes, empirical sizes without a usable table. */
int app_cfg_load(struct app_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen);

/* Creates an app whose packets come from pool and carry src = index,
 * registering its statistics under env->component ("apps.NAME"), with
 * random streams derived from (env->seed, env->rep,
 * "<component>.arrivals" / ".sizes" / ".onoff"). Returns 0, or -ENOMEM
 * with a message in err. */
int app_create(const struct app_cfg *cfg, const struct model_env *env,
	       struct pkt_pool *pool, uint32_t index, struct app **out,
	       char *err, size_t errlen);
void app_destroy(struct app *a); /* NULL is a no-op */
/* destroy for the topology's loops (an app holds no packet). */
extern const struct model_ops app_ops;
void app_connect(struct app *a, struct sim_port out);
/* Schedules the first packet; returns 0 or -ENOMEM. */
int app_start(struct app *a);
uint64_t app_sent(const struct app *a);

/* rpc apps (pattern: rpc): a closed loop of requests, each answered by
 * the peer end with a response of response_size; the app's rtt histogram
 * is the time from a request's creation to its response's delivery.
 * A request unanswered after the timeout is given up (counter timeouts)
 * and the next one sent. Requests and responses both count as sent and, through sink_record(),
 * as received (with their one-way latency and stages), so conservation
 * holds per app. The topology builder connects where responses leave the
 * peer end (its stack), and routes delivered requests to
 * app_request_input() and delivered responses to app_response_input(). */
struct sink;
bool app_is_rpc(const struct app *a);
void app_connect_rpc(struct app *a, struct sim_port reply_out,
		     struct sink *sink);
struct sim_port app_request_input(struct app *a);
struct sim_port app_response_input(struct app *a);

/* Reactions (apps.*.deadline, expiry, expiry_backoff, adaptive): the
 * app's stack read a transmit expired event of one of its packets (dropped
 * or not); after every expiry_backoff of them the app multiplies its rate
 * by backoff_factor. An interface advisory reached the app: an adaptive
 * app sends from then on at adapt_share of the advised capacity. Counters
 * expired, rate_changes, advisories (for apps with a deadline or
 * adaptive). */
void app_on_expired(struct app *a, bool dropped);
void app_on_advisory(struct app *a, double capacity_bps);
bool app_wants_advisories(const struct app *a);
/* The host's agent granted the app grant_bps of the asked_bps it asked
 * for (a grant, a re-admission, or a notice after renegotiation): the
 * app scales its rate by grant / asked from then on (x its surge while
 * it surges), a conforming app's answer to a smaller grant. */
void app_on_grant(struct app *a, double grant_bps, double asked_bps);
/* The app's offered load in bit/s (mean size x packet rate). */
double app_rate_bps(const struct app *a);

#endif
