/*
 * app_params.c - parameters of traffic sources (`apps:`).
 *
 * An app emits packets with Poisson or constant (CBR) inter-arrival times at
 * a packet rate, or at a bit rate converted with the mean packet size.
 * Sizes are fixed, exponential (rounded to whole bytes, at least 1 B),
 * uniform between size_min and size_max, or drawn from a table. A replay
 * app sends the packets of a pcap trace instead (trace, time_scale; the
 * trace is read when the app is created, app.c). An app with a host
 * sends through that host's NIC to the NIC of its peer.
 * app_cfg_load() is the one place they are read, and refuses the
 * combinations that do not fit (the topology then checks the host names
 * and forge_victim, which name other instances).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "errmsg.h"
#include "models.h"
#include "strbuf.h"

/* "file:line:col: key: msg" in err; returns -EINVAL. */
static int app_bad(const struct param_src *src, const char *prefix,
		   const char *key, const char *msg, char *err, size_t errlen)
{
	char where[256];

	param_where(src, prefix, key, where, sizeof(where));
	errmsg(err, errlen, "%s: %s: %s", where, key, msg);
	return -EINVAL;
}

/* Whether t can be drawn from: rows, none of negative or non-finite
 * weight, and a positive finite total (as rng_empirical_create() needs). */
static int app_table_ok(const struct param_table *t)
{
	double sum = 0;

	if (!t || !t->n || !t->value || !t->weight)
		return 0;
	for (size_t i = 0; i < t->n; i++) {
		if (!(t->weight[i] >= 0) || !isfinite(t->weight[i]))
			return 0;
		sum += t->weight[i];
	}
	return sum > 0 && isfinite(sum);
}

static int app_load_sizes(struct app_cfg *cfg, const struct param_src *src,
			  const char *prefix, char *err, size_t errlen)
{
	const char *dist = param_str(src, prefix, "size_dist");
	char where[256];

	cfg->size_dist = !strcmp(dist, "exponential") ? APP_SIZE_EXP
			 : !strcmp(dist, "uniform")   ? APP_SIZE_UNIFORM
			 : !strcmp(dist, "empirical") ? APP_SIZE_EMPIRICAL
						      : APP_SIZE_FIXED;
	cfg->size_bytes = param_size(src, prefix, "size");
	cfg->size_min_bytes = param_size(src, prefix, "size_min");
	cfg->size_max_bytes = param_size(src, prefix, "size_max");
	cfg->size_table = param_get(src, prefix, "size_table")->u.table;
	if (cfg->size_dist == APP_SIZE_UNIFORM &&
	    cfg->size_min_bytes > cfg->size_max_bytes) {
		param_where(src, prefix, "size_max", where, sizeof(where));
		errmsg(err, errlen,
		       "%s: size_max must not be below size_min for uniform sizes",
		       where);
		return -EINVAL;
	}
	if (cfg->size_dist != APP_SIZE_EMPIRICAL ||
	    app_table_ok(cfg->size_table))
		return 0;
	param_where(src, prefix, "size_dist", where, sizeof(where));
	errmsg(err, errlen,
	       "%s: empirical sizes need a size_table of [size, weight] pairs with a positive total weight",
	       where);
	return -EINVAL;
}

static int app_forge_kind(const char *v)
{
	static const char *const names[] = { "none", "saddr", "sport", "proto",
					     "replay" };

	for (int i = 0; i < PKT_NFORGERIES; i++)
		if (!strcmp(v, names[i]))
			return i;
	return -1; /* mix */
}

/* Deadlines and how the app reacts to events and advisories. */
static void app_load_reactions(struct app_cfg *cfg, const struct param_src *src,
			       const char *prefix)
{
	const char *expiry = param_str(src, prefix, "expiry");
	const char *reaction = param_str(src, prefix, "reaction");

	cfg->deadline_ps = param_time(src, prefix, "deadline");
	cfg->expiry = !strcmp(expiry, "drop")	  ? PKT_EXP_DROP
		      : !strcmp(expiry, "notify") ? PKT_EXP_NOTIFY
						  : PKT_EXP_NONE;
	cfg->reaction = !strcmp(reaction, "aimd")	  ? APP_REACT_AIMD
			: !strcmp(reaction, "drop_stale") ? APP_REACT_DROP_STALE
							  : APP_REACT_NONE;
	cfg->aimd_decrease = param_double(src, prefix, "aimd_decrease");
	cfg->aimd_increase = param_double(src, prefix, "aimd_increase");
	cfg->aimd_interval_ps = param_time(src, prefix, "aimd_interval");
	cfg->adaptive = param_int(src, prefix, "adaptive") != 0;
	cfg->adapt_share = param_double(src, prefix, "adapt_share");
	cfg->tx_status = param_int(src, prefix, "tx_status") != 0;
}

/* A reaction needs the events it reacts to, and must not fight another
 * controller of the rate. */
static int app_check_reaction(const struct app_cfg *cfg,
			      const struct param_src *src, const char *prefix,
			      char *err, size_t errlen)
{
	const char *msg = NULL;

	if (cfg->reaction == APP_REACT_NONE)
		return 0;
	if (!cfg->deadline_ps || cfg->expiry == PKT_EXP_NONE)
		msg = "needs deadline: and expiry: drop or notify (the transmit expired events it reacts to)";
	else if (cfg->reaction == APP_REACT_AIMD && cfg->pattern == APP_RPC)
		msg = "aimd sets the sending rate of an open-loop source (cbr or poisson), not of rpc";
	else if (cfg->reaction == APP_REACT_AIMD && cfg->adaptive)
		msg = "aimd and adaptive: true would both set the rate; choose one";
	else if (cfg->reaction == APP_REACT_DROP_STALE &&
		 strcmp(cfg->stack, "user"))
		msg = "drop_stale drops frames from the app's channel TX ring: needs stack: user";
	return msg ? app_bad(src, prefix, "reaction", msg, err, errlen) : 0;
}

/* Where the app runs: hosts, stack, classes, forgeries, flow teardown. */
static void app_load_place(struct app_cfg *cfg, const struct param_src *src,
			   const char *prefix)
{
	cfg->host = param_str(src, prefix, "host");
	cfg->peer = param_str(src, prefix, "peer");
	cfg->stack = param_str(src, prefix, "stack");
	cfg->profile = param_str(src, prefix, "profile");
	cfg->tcp = !strcmp(param_str(src, prefix, "transport"), "tcp");
	cfg->bulk_bytes = param_size(src, prefix, "bytes");
	cfg->low_latency =
		!strcmp(param_str(src, prefix, "class"), "low_latency");
	cfg->ll_rate_bps = param_double(src, prefix, "ll_rate");
	cfg->service_class = param_str(src, prefix, "service_class");
	cfg->forge = app_forge_kind(param_str(src, prefix, "forge"));
	cfg->forge_victim = param_str(src, prefix, "forge_victim");
	cfg->close_at_ps = param_time(src, prefix, "close_at");
	cfg->ll_entitled = param_int(src, prefix, "ll_entitled") != 0;
	cfg->stop_ps = param_time(src, prefix, "stop_at");
	cfg->surge = param_double(src, prefix, "surge");
	cfg->surge_at_ps = param_time(src, prefix, "surge_at");
	cfg->surge_until_ps = param_time(src, prefix, "surge_until");
}

/* Entitlement goes with class low_latency; a surge needs an open-loop
 * source and a period that ends after it starts. */
static int app_check_ll(const struct app_cfg *cfg, const struct param_src *src,
			const char *prefix, char *err, size_t errlen)
{
	bool surge = cfg->surge != 1;

	if (!cfg->ll_entitled && !cfg->low_latency)
		return app_bad(
			src, prefix, "ll_entitled",
			"only an app with class: low_latency asks for the low-latency privilege",
			err, errlen);
	if (!surge && (cfg->surge_at_ps || cfg->surge_until_ps))
		return app_bad(
			src, prefix,
			cfg->surge_at_ps ? "surge_at" : "surge_until",
			"has no effect without surge (a rate factor other than 1)",
			err, errlen);
	if (surge && cfg->pattern == APP_RPC)
		return app_bad(
			src, prefix, "surge",
			"an rpc app sends in a closed loop: it has no rate to multiply",
			err, errlen);
	if (surge && cfg->surge_until_ps <= cfg->surge_at_ps)
		return app_bad(
			src, prefix, "surge_until",
			"must be after surge_at (the surge is the time between them)",
			err, errlen);
	return 0;
}

/* Host and peer: both or neither, and not the same. */
static int app_check_hosts(const struct app_cfg *cfg,
			   const struct param_src *src, const char *prefix,
			   char *err, size_t errlen)
{
	bool h = *cfg->host, p = *cfg->peer;
	char where[256];

	if (h == p && (!h || strcmp(cfg->host, cfg->peer)))
		return 0;
	param_where(src, prefix, h && !p ? "host" : "peer", where,
		    sizeof(where));
	errmsg(err, errlen, "%s: %s", where,
	       !h   ? "peer: needs host: too (the host the app runs on)"
	       : !p ? "host: needs peer: too (the host that receives)"
		    : "peer: must be another host than host:");
	return -EINVAL;
}

/* What goes with the stack: hosts, rpc, forgeries, teardown. */
static int app_check_stack(const struct app_cfg *cfg,
			   const struct param_src *src, const char *prefix,
			   char *err, size_t errlen)
{
	bool none = !strcmp(cfg->stack, "none");
	bool user = !strcmp(cfg->stack, "user");
	bool replay = cfg->forge == PKT_FORGE_REPLAY || cfg->forge < 0;

	if (!none && !*cfg->host)
		return app_bad(
			src, prefix, "stack",
			"a stack needs host: and peer: (the hosts it runs on)",
			err, errlen);
	if (cfg->pattern == APP_RPC && none)
		return app_bad(
			src, prefix, "pattern",
			"rpc needs stack: kernel or user (the peer answers through its stack)",
			err, errlen);
	if (cfg->forge != PKT_FORGE_NONE && !user)
		return app_bad(
			src, prefix, "forge",
			"only an app with its own stack (stack: user) writes its headers",
			err, errlen);
	if (*cfg->forge_victim && !replay)
		return app_bad(src, prefix, "forge_victim",
			       "only forge: replay or mix uses a victim", err,
			       errlen);
	if (cfg->close_at_ps && !user)
		return app_bad(
			src, prefix, "close_at",
			"only a flow of a user-space stack (stack: user) is torn down",
			err, errlen);
	return 0;
}

/* A profile names a declared stacks: instance, for an app with a
 * user-space stack (the in-kernel stack is the host's, one per host, so
 * its settings are the host's hosts.HOST.stack and .tcp). */
static int app_check_profile(const struct app_cfg *cfg,
			     const struct param_src *src, const char *prefix,
			     char *err, size_t errlen)
{
	const char *const *names;
	size_t n = src->instances(src->ctx, "stacks", &names), o = 0;
	char where[256], list[256] = "";

	if (!*cfg->profile)
		return 0;
	if (strcmp(cfg->stack, "user"))
		return app_bad(
			src, prefix, "profile",
			"a stack profile sets a user-space stack: needs stack: user (the in-kernel stack takes its host's settings)",
			err, errlen);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(names[i], cfg->profile))
			return 0;
		o = strbuf_at(list, sizeof(list), o, "%s%s", i ? ", " : "",
			      names[i]);
	}
	param_where(src, prefix, "profile", where, sizeof(where));
	if (!n)
		errmsg(err, errlen,
		       "%s: profile: unknown stack profile '%.40s'; the scenario declares no stacks:",
		       where, cfg->profile);
	else
		errmsg(err, errlen,
		       "%s: profile: unknown stack profile '%.40s'; profiles are %s",
		       where, cfg->profile, list);
	return -EINVAL;
}

/* Over tcp: a stack at both ends, bulk or rpc, and nothing that only a
 * datagram source has. */
static int app_check_tcp(const struct app_cfg *cfg, const struct param_src *src,
			 const char *prefix, char *err, size_t errlen)
{
	static const char *const open_loop[] = { "rate",    "burst",
						 "on_time", "deadline",
						 "surge",   "tx_status" };
	size_t open_loop_n = sizeof(open_loop) / sizeof(*open_loop);

	if (!cfg->tcp) {
		if (cfg->pattern == APP_BULK)
			return app_bad(
				src, prefix, "pattern",
				"bulk writes a byte stream: needs transport: tcp",
				err, errlen);
		return param_given(src, prefix, "bytes")
			       ? app_bad(src, prefix, "bytes",
					 "is the size of a bulk transfer over tcp (pattern: bulk, transport: tcp)",
					 err, errlen)
			       : 0;
	}
	if (!strcmp(cfg->stack, "none"))
		return app_bad(
			src, prefix, "transport",
			"tcp runs in a stack: needs stack: kernel or user", err,
			errlen);
	if (cfg->pattern != APP_BULK && cfg->pattern != APP_RPC) {
		static const char *const not_msgs[] = {
			"on_time",   "deadline", "surge",
			"tx_status", "adaptive", "reaction"
		};

		/* a message source: arrivals write messages */
		for (size_t i = 0; i < sizeof(not_msgs) / sizeof(*not_msgs);
		     i++)
			if (param_given(src, prefix, not_msgs[i]))
				return app_bad(
					src, prefix, not_msgs[i],
					"belongs to a datagram source; a message source over tcp has rate, burst, count and sizes",
					err, errlen);
		open_loop_n = 0; /* rate and burst are its own */
	}
	if (cfg->pattern == APP_RPC && param_given(src, prefix, "timeout"))
		return app_bad(
			src, prefix, "timeout",
			"over tcp a request is never given up (TCP retransmits what is lost)",
			err, errlen);
	if (cfg->pattern == APP_BULK && param_given(src, prefix, "size"))
		return app_bad(
			src, prefix, "size",
			"a bulk transfer's size is bytes (size is an rpc's request)",
			err, errlen);
	if (cfg->pattern == APP_RPC && param_given(src, prefix, "bytes"))
		return app_bad(
			src, prefix, "bytes",
			"is the size of a bulk transfer; an rpc's request size is size",
			err, errlen);
	for (size_t i = 0; i < open_loop_n; i++)
		if (param_given(src, prefix, open_loop[i]))
			return app_bad(
				src, prefix, open_loop[i],
				"belongs to an open-loop source; over tcp the window sets the pace",
				err, errlen);
	if (cfg->forge != PKT_FORGE_NONE)
		return app_bad(
			src, prefix, "forge",
			"a spoofing app sends datagrams (transport: udp)", err,
			errlen);
	return 0;
}

/* replay: the trace's path, relative to the file that names it (to the
 * working directory when --set names it), and what a replay refuses. */
static int app_load_replay(struct app_cfg *cfg, const struct param_src *src,
			   const char *prefix, char *err, size_t errlen)
{
	static const char *const own[] = {
		"rate",	    "size",	    "size_dist", "size_min",
		"size_max", "size_table",   "burst",	 "on_time",
		"off_time", "surge",	    "adaptive",	 "reaction",
		"think",    "response_size"
	};
	const char *trace = param_str(src, prefix, "trace");
	char *colon;
	size_t dir;

	cfg->time_scale = param_double(src, prefix, "time_scale");
	cfg->repeat = param_int(src, prefix, "repeat") != 0;
	if (cfg->pattern != APP_REPLAY) {
		if (cfg->repeat)
			return app_bad(
				src, prefix, "repeat",
				"starts the trace of pattern: replay over", err,
				errlen);
		if (*trace)
			return app_bad(src, prefix, "trace",
				       "is the packet trace of pattern: replay",
				       err, errlen);
		if (param_given(src, prefix, "time_scale"))
			return app_bad(src, prefix, "time_scale",
				       "scales the trace of pattern: replay",
				       err, errlen);
		return 0;
	}
	if (!*trace)
		return app_bad(src, prefix, "pattern",
			       "replay needs trace: (a pcap file)", err,
			       errlen);
	if (cfg->tcp)
		return app_bad(
			src, prefix, "transport",
			"a replay sends the trace's packets as datagrams (transport: udp)",
			err, errlen);
	for (size_t i = 0; i < sizeof(own) / sizeof(*own); i++)
		if (param_given(src, prefix, own[i]))
			return app_bad(
				src, prefix, own[i],
				"belongs to a generated source; a replay's times and sizes are the trace's",
				err, errlen);
	param_where(src, prefix, "trace", cfg->trace_where,
		    sizeof(cfg->trace_where));
	/* "file:line:col": the directory of file */
	dir = 0;
	if (trace[0] != '/' && strncmp(cfg->trace_where, "--set:", 6)) {
		char file[256];

		snprintf(file, sizeof(file), "%s", cfg->trace_where);
		for (int i = 0; i < 2 && (colon = strrchr(file, ':')); i++)
			*colon = '\0';
		colon = strrchr(file, '/');
		dir = colon ? (size_t)(colon - file) + 1 : 0;
		if ((size_t)snprintf(cfg->trace, sizeof(cfg->trace), "%.*s%s",
				     (int)dir, file,
				     trace) < sizeof(cfg->trace))
			return 0;
	} else if ((size_t)snprintf(cfg->trace, sizeof(cfg->trace), "%s",
				    trace) < sizeof(cfg->trace))
		return 0;
	return app_bad(src, prefix, "trace", "path too long", err, errlen);
}

int app_cfg_load(struct app_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen)
{
	const char *pattern = param_str(src, prefix, "pattern");
	const struct param_val *rate = param_get(src, prefix, "rate");
	int rc;

	cfg->pattern = !strcmp(pattern, "poisson")  ? APP_POISSON
		       : !strcmp(pattern, "rpc")    ? APP_RPC
		       : !strcmp(pattern, "bulk")   ? APP_BULK
		       : !strcmp(pattern, "replay") ? APP_REPLAY
						    : APP_CBR;
	cfg->rate_pps = rate->per_packet ? rate->u.d : 0;
	cfg->rate_bps = rate->per_packet ? 0 : rate->u.d;
	cfg->burst_pkts = (uint32_t)param_int(src, prefix, "burst");
	cfg->response_bytes =
		(uint32_t)param_size(src, prefix, "response_size");
	cfg->think_ps = param_time(src, prefix, "think");
	cfg->think_exp =
		!strcmp(param_str(src, prefix, "think_dist"), "exponential");
	cfg->timeout_ps = param_time(src, prefix, "timeout");
	cfg->on_ps = param_time(src, prefix, "on_time");
	cfg->off_ps = param_time(src, prefix, "off_time");
	cfg->onoff_exp =
		!strcmp(param_str(src, prefix, "onoff_dist"), "exponential");
	cfg->start_ps = param_time(src, prefix, "start");
	cfg->count_pkts = (uint64_t)param_int(src, prefix, "count");
	app_load_reactions(cfg, src, prefix);
	app_load_place(cfg, src, prefix);
	/* an off period with no on period would be ignored */
	if (cfg->off_ps && !cfg->on_ps)
		return app_bad(src, prefix, "off_time",
			       "has no effect without on_time (an on/off "
			       "source needs both)",
			       err, errlen);
	rc = app_check_hosts(cfg, src, prefix, err, errlen);
	if (!rc)
		rc = app_check_stack(cfg, src, prefix, err, errlen);
	if (!rc)
		rc = app_check_profile(cfg, src, prefix, err, errlen);
	if (!rc)
		rc = app_check_tcp(cfg, src, prefix, err, errlen);
	if (!rc)
		rc = app_check_ll(cfg, src, prefix, err, errlen);
	if (!rc)
		rc = app_check_reaction(cfg, src, prefix, err, errlen);
	if (!rc)
		rc = app_load_replay(cfg, src, prefix, err, errlen);
	if (!rc)
		rc = app_load_sizes(cfg, src, prefix, err, errlen);
	return rc;
}

const struct param_def app_params[] = {
	{ "apps.*.pattern", PT_ENUM, "poisson", "poisson|cbr|rpc|bulk|replay",
	  0, 0,
	  "arrival process: Poisson or constant bit rate (open loop), rpc "
	  "(requests, each answered by the peer), bulk (a stream over tcp) "
	  "or replay (the packets of a pcap trace)",
	  "usnsim: Poisson is the textbook open-loop source" },
	{ "apps.*.rate", PT_RATE, "100kpps", NULL, 1e-3, 1e13,
	  "offered load as a packet rate (pps) or a bit rate (bps)",
	  "usnsim: a light load (1.2 Gb/s of 1500 B frames)" },
	{ "apps.*.size", PT_SIZE, "1500B", NULL, 1, 1e9,
	  "packet size; the mean for exponential sizes",
	  "Ethernet MTU, IEEE 802.3" },
	{ "apps.*.size_dist", PT_ENUM, "fixed",
	  "fixed|exponential|uniform|empirical", 0, 0,
	  "distribution of packet sizes",
	  "usnsim: fixed sizes are the common benchmark" },
	{ "apps.*.size_min", PT_SIZE, "64B", NULL, 1, 1e9,
	  "smallest size of the uniform distribution",
	  "Ethernet minimum frame, IEEE 802.3" },
	{ "apps.*.size_max", PT_SIZE, "1500B", NULL, 1, 1e9,
	  "largest size of the uniform distribution",
	  "Ethernet MTU, IEEE 802.3" },
	{ "apps.*.size_table", PT_SIZE_TABLE, "[]", NULL, 0, 0,
	  "[size, weight] pairs for the empirical distribution, or a workload name",
	  "none: a study brings its own table or names a published one" },
	{ "apps.*.start", PT_TIME, "0", NULL, 0, 1e18,
	  "time of the first packet", "usnsim: sources start with the run" },
	{ "apps.*.host", PT_STRING, "", NULL, 0, 0,
	  "host the app runs on (its packets leave through that host's NIC); empty: a bare queue into the network",
	  "usnsim: a bare queue unless the scenario declares hosts" },
	{ "apps.*.peer", PT_STRING, "", NULL, 0, 0,
	  "host whose NIC receives the app's packets (needed with host, and different from it)",
	  "usnsim: a bare queue unless the scenario declares hosts" },
	{ "apps.*.count", PT_INT, "0", NULL, 0, 1e15,
	  "packets to send before stopping; 0 means no limit",
	  "usnsim: sources run for the whole duration" },
	{ "apps.*.burst", PT_INT, "1", NULL, 1, 65536,
	  "packets sent back to back at each arrival (a bulk writer's burst)",
	  "usnsim: one packet per arrival, the textbook source" },
	{ "apps.*.on_time", PT_TIME, "0", NULL, 0, 1e18,
	  "on/off source: mean length of an on period, during which the app sends at its rate; 0: always on",
	  "usnsim: an on/off source is the textbook model of bursty traffic" },
	{ "apps.*.off_time", PT_TIME, "0", NULL, 0, 1e18,
	  "on/off source: mean length of an off period, when the app sends nothing",
	  "usnsim: an on/off source is the textbook model of bursty traffic" },
	{ "apps.*.onoff_dist", PT_ENUM, "exponential", "exponential|fixed", 0,
	  0,
	  "on/off source: period lengths exponential (mean on_time, off_time) or fixed",
	  "usnsim: exponential periods give the classic Markov-modulated source" },
	{ "apps.*.stack", PT_ENUM, "none", "none|kernel|user", 0, 0,
	  "protocol stack at both ends (needs host and peer): none (straight to the driver), the in-kernel stack with sockets, or a user-space stack with a channel through the flow switch",
	  "usnsim: none keeps a host scenario about the driver and NIC alone" },
	{ "apps.*.profile", PT_STRING, "", NULL, 0, 0,
	  "stack profile of both ends (stack: user): their settings are "
	  "stacks.PROFILE.stack.*, .channel.* and .tcp.*, not "
	  "hosts.HOST.*; empty: the hosts'",
	  "usnsim: each user-space app links and configures its own stack" },
	{ "apps.*.transport", PT_ENUM, "udp", "udp|tcp", 0, 0,
	  "udp: every packet stands alone; tcp: the app's bytes go over a connection of the TCP model (hosts.HOST.tcp.*) through its stacks (needs stack: kernel or user; pattern bulk, rpc, or cbr or poisson: messages)",
	  "usnsim: datagrams, the open-loop traffic of the bundled studies" },
	{ "apps.*.bytes", PT_SIZE, "0B", NULL, 0, 1e15,
	  "bulk over tcp: bytes to transfer (the flow completes when the last is acknowledged); 0: an endless stream",
	  "usnsim: an endless stream measures the steady state, as iperf's timed runs do" },
	{ "apps.*.response_size", PT_SIZE, "64B", NULL, 1, 1e9,
	  "rpc: size of the peer's response to each request",
	  "usnsim: a small RPC reply, one minimum-size frame (IEEE 802.3)" },
	{ "apps.*.think", PT_TIME, "0", NULL, 0, 1e15,
	  "rpc: time between a response and the next request",
	  "usnsim: back-to-back ping-pong measures the path alone" },
	{ "apps.*.think_dist", PT_ENUM, "fixed", "fixed|exponential", 0, 0,
	  "rpc: think times fixed, or exponential of mean think",
	  "usnsim: a periodic loop; exponential is independent users" },
	{ "apps.*.timeout", PT_TIME, "10ms", NULL, 0, 1e15,
	  "rpc: a request unanswered this long is given up and the next one sent (a late response still counts as received); 0: wait forever",
	  "usnsim: far above any round trip of the bundled hosts, so it fires only when a request or response was lost" },
	{ "apps.*.class", PT_ENUM, "best_effort", "best_effort|low_latency", 0,
	  0,
	  "low_latency: ask the host's agent for low-latency access at ll_rate (multiplexer reserved_share); refused, the app stays best effort",
	  "the low-latency patent's negotiation agent; best effort is the default path" },
	{ "apps.*.ll_rate", PT_BITRATE, "0bps", NULL, 0, 1e13,
	  "class low_latency: the rate asked for; 0: the app's own rate",
	  "usnsim: an app asks for what it sends" },
	{ "apps.*.ll_entitled", PT_BOOL, "true", NULL, 0, 0,
	  "class low_latency: the app holds the low-latency privilege; without it the agent denies its request and it stays best effort",
	  "the reference implementation's privilege check at channel open (PRIV_SKYWALK_LOW_LATENCY_CHANNEL, low-latency-reference.md section 5); true: the privileged case" },
	{ "apps.*.stop_at", PT_TIME, "0", NULL, 0, 1e18,
	  "the app sends nothing from this time on (a low-latency app releases its grant then); 0: never",
	  "usnsim: sources run for the whole duration" },
	{ "apps.*.surge", PT_FLOAT, "1", NULL, 1e-3, 1e6,
	  "factor the app's rate is multiplied by between surge_at and surge_until (a low-latency app that misbehaves for a while); 1: none",
	  "usnsim: apps keep their rate" },
	{ "apps.*.surge_at", PT_TIME, "0", NULL, 0, 1e18, "start of the surge",
	  "usnsim: apps keep their rate" },
	{ "apps.*.surge_until", PT_TIME, "0", NULL, 0, 1e18,
	  "end of the surge (after surge_at)", "usnsim: apps keep their rate" },
	{ "apps.*.service_class", PT_ENUM, "be",
	  "ctl|vo|vi|rv|av|oam|rd|be|bk|bk_sys", 0, 0,
	  "service class of the app's packets under the fq_codel multiplexer",
	  "the ten service classes of the reference implementation, best effort by default (reference/skywalk-facts.md)" },
	{ "apps.*.deadline", PT_TIME, "0", NULL, 0, 1e15,
	  "each packet must leave the host within this time of its creation; 0: no deadline",
	  "usnsim: packets carry no expiry time unless the app sets one" },
	{ "apps.*.expiry", PT_ENUM, "none", "none|drop|notify", 0, 0,
	  "what happens to a packet found past its deadline (in the multiplexer, driver or NIC): nothing, dropped with a transmit expired event, or kept with the event",
	  "expiry actions none, drop, notify (reference/skywalk-facts.md)" },
	{ "apps.*.tx_status", PT_BOOL, "false", NULL, 0, 0,
	  "post a transmit status event to the app's channel when each of its packets has left the NIC (stack: user)",
	  "transmit status events (packet id, status) of the channel event ring (reference/skywalk-facts.md)" },
	{ "apps.*.reaction", PT_ENUM, "none", "none|aimd|drop_stale", 0, 0,
	  "what the app does with the transmit expired events it reads (needs deadline and expiry): nothing, AIMD on its rate (cut once per read with a fresh expiry, additive increase after each quiet aimd_interval), or drop the frames of its channel TX ring already past their deadline (stack: user)",
	  "usnsim: apps react to nothing unless a study says how; AIMD after Chiu and Jain (1989) and RFC 5681" },
	{ "apps.*.aimd_decrease", PT_FRACTION, "0.5", NULL, 1e-6, 0.999,
	  "aimd: factor applied to the rate at a cut",
	  "RFC 5681 sec. 3.1: ssthresh = FlightSize / 2 at a loss, a multiplicative decrease by one half" },
	{ "apps.*.aimd_increase", PT_FRACTION, "0.05", NULL, 1e-6, 1,
	  "aimd: added to the rate after each quiet aimd_interval, as a fraction of the configured rate (never above it)",
	  "usnsim: TCP adds one segment per round trip (RFC 5681 sec. 3.1), a few percent of a window of tens of segments; 0.05 recovers from one cut in 10 intervals" },
	{ "apps.*.aimd_interval", PT_TIME, "1ms", NULL, 1, 1e15,
	  "aimd: time without any transmit expired event before each additive increase (TCP's round trip)",
	  "usnsim: of the order of the 1 ms deadlines of the bundled media senders, so a quiet interval outlasts an expiry's reporting" },
	{ "apps.*.adaptive", PT_BOOL, "false", NULL, 0, 0,
	  "subscribe to the host's interface advisories and send at adapt_share of the advised capacity",
	  "usnsim: an adaptive (video-like) sender" },
	{ "apps.*.adapt_share", PT_FRACTION, "0.8", NULL, 1e-6, 1,
	  "adaptive: fraction of the advised capacity the app sends at",
	  "usnsim: headroom of 20% below capacity" },
	{ "apps.*.forge", PT_ENUM, "none", "none|saddr|sport|proto|replay|mix",
	  0, 0,
	  "a spoofing app (stack: user): forge every packet's source address, source port or protocol, replay forge_victim's 5-tuple without its token, or mix (the four in turn)",
	  "flow switch spoofing checks (fsw_dp.c in the reference implementation; reference/skywalk-facts.md)" },
	{ "apps.*.forge_victim", PT_STRING, "", NULL, 0, 0,
	  "replay and mix: the app (stack: user, same host) whose 5-tuple the forgeries reuse",
	  "usnsim: replay needs a victim flow on the same flow switch" },
	{ "apps.*.close_at", PT_TIME, "0", NULL, 0, 1e18,
	  "tear the app's flow down at this time (stack: user; later packets are dropped as torn down); 0: never",
	  "usnsim: flows live for the whole run" },
	{ "apps.*.trace", PT_STRING, "", NULL, 0, 0,
	  "replay: the pcap trace whose packets the app sends (times, wire "
	  "lengths, 5-tuples as flows), relative to the scenario file that "
	  "names it (to the working directory when --set names it)",
	  "none: a study brings its own trace" },
	{ "apps.*.time_scale", PT_FLOAT, "1", NULL, 1e-6, 1e6,
	  "replay: factor on the trace's gaps (2: the trace at half its rate)",
	  "usnsim: the trace as it was captured" },
	{ "apps.*.repeat", PT_BOOL, "false", NULL, 0, 0,
	  "replay: start the trace over when it ends, n mean gaps after its "
	  "previous start (n its packets: its mean gap follows its last "
	  "packet)",
	  "usnsim: a trace is replayed once, as captured" },
	{ NULL },
};
