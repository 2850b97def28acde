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

enum app_pattern { APP_POISSON, APP_CBR, APP_RPC, APP_BULK, APP_REPLAY };
/* What an app does when it reads transmit expired events. */
enum app_reaction { APP_REACT_NONE, APP_REACT_AIMD, APP_REACT_DROP_STALE };
enum app_size_dist {
	APP_SIZE_FIXED,
	APP_SIZE_EXP,
	APP_SIZE_UNIFORM,
	APP_SIZE_EMPIRICAL
};

/* The configuration of an app: the parameters under apps.NAME (see
 * app_params.c for their meaning, units and sources). Strings and the
 * size table belong to the scenario. The fields an emission reads come
 * first, together. */
struct app_cfg {
	enum app_pattern pattern;
	enum app_size_dist size_dist;
	uint64_t size_bytes; /* fixed, or the exponential mean */
	uint64_t size_min_bytes, size_max_bytes; /* uniform */
	uint64_t count_pkts;			 /* 0: no limit */
	uint32_t burst_pkts;
	bool tcp;	/* transport tcp (else each packet stands alone) */
	bool onoff_exp; /* exponential periods (else fixed) */
	bool tx_status;
	uint8_t expiry;		/* enum pkt_expiry */
	int forge;		/* enum pkt_forgery; -1: mix */
	sim_time stop_ps;	/* sends nothing from then on; 0: never */
	sim_time deadline_ps;	/* relative to creation; 0: none */
	sim_time on_ps, off_ps; /* mean periods; on 0: always on */
	sim_time start_ps;
	const char *stack; /* none, kernel, user: see stk_kind_of() */
	double rate_pps;   /* the load as a packet rate, or 0 ... */
	double rate_bps;   /* ... as a bit rate, or 0 */
	const struct param_table *size_table; /* empirical */
	const char *host, *peer;	      /* host names; "": none */
	const char *profile; /* stacks.PROFILE of its ends; "": the host's */
	uint64_t bulk_bytes; /* bulk: bytes to send; 0: without end */
	uint32_t response_bytes; /* rpc */
	sim_time think_ps, timeout_ps;
	bool think_exp;	  /* rpc: exponential think times of mean think */
	bool low_latency; /* class */
	double ll_rate_bps;
	bool ll_entitled;     /* holds the low-latency privilege */
	double surge;	      /* rate factor between surge_at and */
	sim_time surge_at_ps; /* surge_until (1: none) */
	sim_time surge_until_ps;
	const char *service_class;  /* see mux_class_of() */
	enum app_reaction reaction; /* to transmit expired events */
	double aimd_decrease;	    /* factor of the rate at a cut */
	double aimd_increase;	    /* of the configured rate, per interval */
	sim_time aimd_interval_ps;  /* quiet time before each increase */
	bool adaptive;
	double adapt_share;
	const char *forge_victim;
	sim_time close_at_ps;
	/* replay: the pcap trace (resolved against the file that names it),
	 * where it is named (for errors), and the factor on its gaps */
	char trace[512];
	char trace_where[256];
	double time_scale;
	bool repeat; /* start over at the end */
};

/* Fills cfg from the parameters under prefix ("apps.NAME"). Returns 0, or
 * -EINVAL with "file:line:col: key: ..." in err if they do not fit
 * together: host without peer (or the reverse, or the same host), a stack
 * without hosts, rpc without a stack, forgeries or close_at without a
 * user-space stack, forge_victim without replay, size_min above size_max
 * for uniform sizes, empirical sizes without a usable table, a reaction
 * without deadline and expiry (no event would come), aimd with rpc or
 * adaptive, drop_stale without a user-space stack. */
int app_cfg_load(struct app_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen);

/* Creates an app whose packets come from pool and carry src = index,
 * registering its statistics under env->component ("apps.NAME"), with
 * random streams derived from (env->seed, env->rep,
 * "<component>.arrivals" / ".sizes" / ".onoff"). A replay app reads its
 * trace here (models/trace.h). Returns 0, -EINVAL with
 * "file:line:col: trace: PATH: ..." in err if the trace cannot be
 * replayed, or -ENOMEM with a message in err. */
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

/* replay apps (pattern: replay): the trace's packets, in its order, at
 * start + (their time - the first packet's) x time_scale, each of its
 * wire length; several at the same picosecond go back to back in one
 * event. count, if set, stops after that many. With repeat the trace
 * starts over, pass p at start + p x n x (the trace's mean gap), n its
 * packets: as if its mean gap followed its last packet. Without a stack (stack:
 * none) each packet carries its flow's 5-tuple in its headers (saddr,
 * daddr, sport, dport, proto; struct trace_tuple); with a stack the app
 * is one socket or channel and the stack writes its flow's. Counters
 * flows (distinct 5-tuples of the trace) and nonip (its frames that are
 * not IP, replayed as one flow of the all-zero 5-tuple). */

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

/* Reactions (apps.*.deadline, expiry, reaction, adaptive). The app read
 * a batch of channel events (struct stk_events, models/stack.h: expired
 * events, the latest creation time among their packets, stale frames its stack dropped):
 *   aimd        one cut per batch: the rate is multiplied by aimd_decrease
 *               if the batch reports a packet created at or after the
 *               last cut (the expiries of packets already sent when the
 *               app cut are the same congestion, as in RFC 6582's
 *               recovery point); every aimd_interval without any expired
 *               event the rate grows by aimd_increase x the configured
 *               rate, up to the configured rate;
 *   drop_stale  the stack dropped the stale frames of its TX ring (it
 *               does, stk_set_drop_stale()); the app counts them;
 *   none        the app only counts.
 * An interface advisory reached the app: an adaptive app sends from then
 * on at adapt_share of the advised capacity. Counters expired,
 * rate_changes, advisories (apps with a deadline or adaptive); cuts,
 * increases (aimd); stale_dropped (drop_stale). */
struct stk_events;
void app_on_events(struct app *a, const struct stk_events *ev);
void app_on_advisory(struct app *a, double capacity_bps);
bool app_wants_advisories(const struct app *a);
/* The host's agent granted the app grant_bps of the asked_bps it asked
 * for (a grant, a re-admission, or a notice after renegotiation): the
 * app scales its rate by grant / asked from then on (x its surge while
 * it surges), a conforming app's answer to a smaller grant. */
void app_on_grant(struct app *a, double grant_bps, double asked_bps);
/* The app's offered load in bit/s (mean size x packet rate): the
 * configured one until a reaction changes it. */
double app_rate_bps(const struct app *a);
enum app_reaction app_reaction_of(const struct app *a);

/* Apps over TCP (transport: tcp; pattern bulk, rpc, cbr or poisson). The app's bytes
 * go over one connection of two TCP endpoints (models/tcp.h), the
 * client on the app's host and the server on its peer, which the
 * topology creates and hands over with the ports of the app's two
 * stack ends. Every segment (data, ACK, SYN) either end sends counts in
 * the app's sent and sent_bytes, and every segment an end receives is
 * recorded by the sink (sink_record()), so conservation holds per app.
 *   bulk  the client opens the connection at start and writes bulk_bytes
 *         (or an endless stream); the server only reads;
 *   rpc   the client writes a request of a size drawn from the app's
 *         size distribution and waits until the whole response
 *         (response_size) has been read; the server answers once the
 *         whole request has been read; rtt is the time from writing a
 *         request to reading the last byte of its response; the next
 *         request follows after think. No timeout: TCP retransmits.
 *   cbr, poisson  message sources: each arrival writes burst messages
 *         (sizes from the size distribution; the rate counts messages,
 *         or bits of message bytes; count: messages); when the server's
 *         stream reaches a message's last byte its completion time, from
 *         its write, goes to histogram mct (ps). The app keeps its
 *         outstanding messages in a ring of APP_TCP_WRITES made at
 *         creation: a message written while it is full is counted in
 *         mct_untimed and not timed.
 * Each end remembers its writes (the same ring) to mark the TLS records
 * that start in each segment it sends (sim_pkt.tcp_records): one where a
 * write starts and one every record_bytes of it (app_set_tls_records()).
 * app_tcp_input(a, server) is where the stack of that end delivers. */
#define APP_TCP_WRITES 4096
struct tcp;
bool app_is_tcp(const struct app *a);
/* True for apps whose peer end sends too (rpc, tcp). */
bool app_two_way(const struct app *a);
void app_connect_tcp(struct app *a, struct tcp *client,
		     struct sim_port client_out, struct tcp *server,
		     struct sim_port server_out, struct sink *sink);
struct sim_port app_tcp_input(struct app *a, bool server);
/* The application bytes both ends have read so far. */
uint64_t app_tcp_bytes_read(const struct app *a);
/* The most plaintext bytes of a TLS record at the client's and the
 * server's end (their stacks' tls_record_size; 0: a record per write). */
void app_set_tls_records(struct app *a, uint32_t client_bytes,
			 uint32_t server_bytes);

#endif
