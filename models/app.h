/*
 * app.h - traffic sources.
 */
#ifndef USNSIM_APP_H
#define USNSIM_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

struct app;
struct scn;
struct stats;

/* Creates app `name` (the index is stamped into its packets' src) from the
 * parameters under apps.NAME, with random streams derived from (seed, rep,
 * "apps.NAME.arrivals" / ".sizes"). Returns 0; -EINVAL with a
 * "file:line:col: ..." message in err if the parameters do not fit together
 * (e.g. size_min > size_max, empirical sizes without a table); -ENOMEM. */
int app_create(struct sim *sim, struct stats *st, struct pkt_pool *pool,
	       const struct scn *s, const char *name, uint32_t index,
	       uint32_t rep, struct app **out, char *err, size_t errlen);
void app_destroy(struct app *a); /* NULL is a no-op */
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
/* The app's offered load in bit/s (mean size x packet rate). */
double app_rate_bps(const struct app *a);

#endif
