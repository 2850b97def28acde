/*
 * run.c - one run: build the topology from a scenario, simulate, collect.
 *
 * The bare-queue topology (no hosts) is: every app -> the `network` ->
 * a sink that records per-app latency. The network is the native link or,
 * for the ns-3 kinds, ns-3 devices (models/ns3net.c) with the same ports.
 * Packets dropped anywhere go to the sink's drop port. At the end, what is
 * still in flight is counted by walking the network's queues or table (not
 * derived from the counters), so that sent = received + dropped +
 * in_flight is a real check of the models.
 *
 * With `hosts:`, every host gets a driver (models/driver.c) and a NIC
 * (models/nic.c), and an app that names a `host:` and a `peer:` sends
 * through the host's driver and NIC TX onto the network, which hands its
 * frames to the peer's NIC RX, whose driver hands them to the sink:
 * app -> driver TX -> NIC TX -> network -> NIC RX -> driver RX -> sink.
 * The network's output is routed by the packet's app; apps without a host
 * still go straight from the network to the sink, as in a bare queue.
 * What is in flight then includes what the NICs' rings and the drivers
 * hold. A kernel driver crash takes its host down (the driver drops all
 * that reaches it afterwards); the run records it as the scalar
 * sim.host_down (the number of hosts down at the end).
 *
 * The engine: the scenario's `engine`, except that an ns-3 network needs
 * the ns3 engine, which is then chosen when `engine` was left at its
 * default (said once per process on stderr) and is an error when the
 * scenario asks for native explicitly. After the run the engine is frozen
 * (sim_freeze), so results can be kept while the next run uses ns-3.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "driver.h"
#include "link.h"
#include "nic.h"
#include "ns3net.h"
#include "pkt.h"
#include "run.h"
#include "scenario.h"
#include "sink.h"
#include "stats.h"

struct topo {
	struct pkt_pool *pool;
	struct link *link;     /* network.kind link, or */
	struct ns3net *ns3net; /* an ns-3 network */
	struct sink *sink;
	size_t napps;
	const char *const *names;
	struct app **apps;
	size_t nhosts;
	const char *const *hosts;
	struct nic **nics;
	struct drv **drvs;
	char **drv_names; /* "hosts.NAME.driver", prefix and component */
	long *app_host, *app_peer; /* index into hosts per app, -1: none */
	bool *hosted;
	struct sim_port *route; /* network output per app */
};

static void topo_destroy(struct topo *t)
{
	for (size_t i = 0; t->apps && i < t->napps; i++)
		app_destroy(t->apps[i]);
	free(t->apps);
	for (size_t i = 0; t->nics && i < t->nhosts; i++)
		nic_destroy(t->nics[i]);
	free(t->nics);
	for (size_t i = 0; t->drvs && i < t->nhosts; i++)
		drv_destroy(t->drvs[i]);
	free(t->drvs);
	for (size_t i = 0; t->drv_names && i < t->nhosts; i++)
		free(t->drv_names[i]);
	free(t->drv_names);
	free(t->app_host);
	free(t->app_peer);
	free(t->hosted);
	free(t->route);
	sink_destroy(t->sink);
	link_destroy(t->link);
	ns3net_destroy(t->ns3net);
	pkt_pool_destroy(t->pool);
}

static bool topo_any_hosted(const struct topo *t)
{
	for (size_t i = 0; i < t->napps; i++)
		if (t->hosted[i])
			return true;
	return false;
}

static void topo_route(void *owner, struct sim_pkt *p)
{
	struct topo *t = owner;

	sim_port_send(&t->route[p->src], p);
}

static long topo_find_host(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->nhosts; i++)
		if (!strcmp(t->hosts[i], name))
			return (long)i;
	return -1;
}

/* Checks apps.NAME.host or .peer (key) of app i and returns the host's
 * index in *out (-1 for ""); -EINVAL with "file:line:col: ..." if it
 * names no declared host. */
static int topo_app_host(struct topo *t, const struct scn *s, size_t i,
			 const char *key, long *out, char *err, size_t errlen)
{
	char path[192], where[256], list[256];
	const char *v;

	snprintf(path, sizeof(path), "apps.%s.%s", t->names[i], key);
	v = scn_str(s, path);
	*out = *v ? topo_find_host(t, v) : -1;
	if (!*v || *out >= 0)
		return 0;
	scn_where(s, path, where, sizeof(where));
	if (!t->nhosts) {
		snprintf(
			err, errlen,
			"%s: %s: unknown host '%.40s'; the scenario declares no hosts:",
			where, key, v);
		return -EINVAL;
	}
	list[0] = '\0';
	for (size_t h = 0; h < t->nhosts; h++) {
		size_t l = strlen(list);

		snprintf(list + l, sizeof(list) - l, "%s%s", h ? ", " : "",
			 t->hosts[h]);
	}
	snprintf(err, errlen, "%s: %s: unknown host '%.40s'; hosts are %s",
		 where, key, v, list);
	return -EINVAL;
}

/* Resolves every app's host and peer; both or neither, and different. */
static int topo_apps_hosts(struct topo *t, const struct scn *s, char *err,
			   size_t errlen)
{
	char path[192], where[256];

	for (size_t i = 0; i < t->napps; i++) {
		long *h = &t->app_host[i], *p = &t->app_peer[i];
		int rc = topo_app_host(t, s, i, "host", h, err, errlen);

		if (!rc)
			rc = topo_app_host(t, s, i, "peer", p, err, errlen);
		if (rc)
			return rc;
		t->hosted[i] = *h >= 0;
		if ((*h < 0) == (*p < 0) && (*h < 0 || *h != *p))
			continue;
		snprintf(path, sizeof(path), "apps.%s.%s", t->names[i],
			 *h >= 0 && *p < 0 ? "host" : "peer");
		scn_where(s, path, where, sizeof(where));
		snprintf(
			err, errlen, "%s: %s", where,
			*h < 0 ? "peer: needs host: too (the host the app runs on)"
			: *p < 0
				? "host: needs peer: too (the host that receives)"
				: "peer: must be another host than host:");
		return -EINVAL;
	}
	return 0;
}

static int topo_network(struct topo *t, struct sim *sim, struct stats *st,
			const struct scn *s, uint32_t rep, char *err,
			size_t errlen)
{
	struct sim_port in, drop;

	if (ns3net_handles(scn_str(s, "network.kind"))) {
		int rc = ns3net_create(sim, st, s, "network", rep, &t->ns3net,
				       err, errlen);

		if (rc)
			return rc;
	} else if (link_create(sim, st, s, "network", &t->link)) {
		return -ENOMEM;
	}
	if (sink_create(sim, st, t->pool, t->napps, t->names, t->hosted,
			&t->sink))
		return -ENOMEM;
	in = sink_input(t->sink);
	drop = sink_drop_input(t->sink);
	if (topo_any_hosted(t))
		in = (struct sim_port){ .recv = topo_route, .owner = t };
	if (t->link)
		link_connect(t->link, in, drop);
	else
		ns3net_connect(t->ns3net, in, drop);
	return 0;
}

static struct sim_port topo_net_input(struct topo *t)
{
	return t->link ? link_input(t->link) : ns3net_input(t->ns3net);
}

/* The driver of host i: TX to its NIC, RX to the sink. */
static int topo_driver(struct topo *t, struct sim *sim, struct stats *st,
		       const struct scn *s, uint32_t rep, size_t i)
{
	size_t len = strlen(t->hosts[i]) + sizeof("hosts..driver");
	struct sim_port drop = sink_drop_input(t->sink);

	t->drv_names[i] = malloc(len);
	if (!t->drv_names[i])
		return -ENOMEM;
	snprintf(t->drv_names[i], len, "hosts.%s.driver", t->hosts[i]);
	if (drv_create(sim, st, s, t->drv_names[i], t->drv_names[i], rep,
		       &t->drvs[i]))
		return -ENOMEM;
	drv_connect(t->drvs[i], nic_tx_input(t->nics[i]), drop);
	drv_connect_rx(t->drvs[i], sink_input(t->sink), drop);
	return 0;
}

/* The drivers and NICs of the hosts, and the route of each app's packets
 * out of the network: the peer's NIC RX, or the sink. */
static int topo_hosts(struct topo *t, struct sim *sim, struct stats *st,
		      const struct scn *s, uint32_t rep)
{
	struct sim_port host = sink_input(t->sink);
	struct sim_port drop = sink_drop_input(t->sink);
	size_t nh = t->nhosts ? t->nhosts : 1;

	t->nics = calloc(nh, sizeof(*t->nics));
	t->drvs = calloc(nh, sizeof(*t->drvs));
	t->drv_names = calloc(nh, sizeof(*t->drv_names));
	t->route = calloc(t->napps ? t->napps : 1, sizeof(*t->route));
	if (!t->nics || !t->drvs || !t->drv_names || !t->route)
		return -ENOMEM;
	for (size_t i = 0; i < t->nhosts; i++) {
		if (nic_create(sim, st, s, t->hosts[i], &t->nics[i]) ||
		    topo_driver(t, sim, st, s, rep, i))
			return -ENOMEM;
		nic_connect(t->nics[i], topo_net_input(t),
			    drv_rx_input(t->drvs[i]), drop);
	}
	for (size_t i = 0; i < t->napps; i++)
		t->route[i] = t->app_peer[i] < 0
				      ? host
				      : nic_rx_input(t->nics[t->app_peer[i]]);
	return 0;
}

static int topo_build(struct topo *t, struct sim *sim, struct stats *st,
		      const struct scn *s, uint32_t rep, char *err,
		      size_t errlen)
{
	int rc;

	size_t na;

	t->napps = scn_instances(s, "apps", &t->names);
	t->nhosts = scn_instances(s, "hosts", &t->hosts);
	na = t->napps ? t->napps : 1;
	t->pool = pkt_pool_create();
	t->apps = calloc(na, sizeof(*t->apps));
	t->app_host = calloc(na, sizeof(*t->app_host));
	t->app_peer = calloc(na, sizeof(*t->app_peer));
	t->hosted = calloc(na, sizeof(*t->hosted));
	if (!t->pool || !t->apps || !t->app_host || !t->app_peer || !t->hosted)
		return -ENOMEM;
	rc = topo_apps_hosts(t, s, err, errlen);
	if (!rc)
		rc = topo_network(t, sim, st, s, rep, err, errlen);
	if (!rc)
		rc = topo_hosts(t, sim, st, s, rep);
	if (rc)
		return rc;
	for (size_t i = 0; i < t->napps; i++) {
		rc = app_create(sim, st, t->pool, s, t->names[i], (uint32_t)i,
				rep, &t->apps[i], err, errlen);
		if (rc)
			return rc;
		app_connect(t->apps[i],
			    t->hosted[i] ? drv_tx_input(t->drvs[t->app_host[i]])
					 : topo_net_input(t));
	}
	return 0;
}

static int topo_start(struct topo *t)
{
	for (size_t i = 0; i < t->napps; i++)
		if (app_start(t->apps[i]))
			return -ENOMEM;
	return 0;
}

/* Records the end-of-run scalars; returns the number of hosts down. */
static unsigned topo_finish(struct topo *t, struct stats *st)
{
	char comp[128];
	unsigned down = 0;

	if (t->link)
		link_finish(t->link);
	else
		ns3net_finish(t->ns3net);
	for (size_t i = 0; i < t->nhosts; i++) {
		nic_finish(t->nics[i]);
		drv_finish(t->drvs[i]);
		down += drv_host_down(t->drvs[i]);
	}
	for (size_t i = 0; i < t->napps; i++) {
		uint32_t src = (uint32_t)i;
		uint64_t held = t->link ? link_held_by(t->link, src)
					: ns3net_held_by(t->ns3net, src);

		for (size_t h = 0; h < t->nhosts; h++)
			held += nic_held_by(t->nics[h], src) +
				drv_held_by(t->drvs[h], src);
		snprintf(comp, sizeof(comp), "apps.%s", t->names[i]);
		stats_scalar(st, comp, "in_flight", "packets", (double)held);
	}
	stats_scalar(st, "sim", "packets_in_use", "packets",
		     (double)pkt_in_use(t->pool));
	stats_scalar(st, "sim", "host_down", "hosts", (double)down);
	return down;
}

static int run_check(const struct scn *s, char *err, size_t errlen)
{
	char where[256];

	if (scn_time(s, "warmup") < scn_time(s, "duration"))
		return 0;
	scn_where(s, "warmup", where, sizeof(where));
	snprintf(err, errlen, "%s: warmup must be shorter than duration",
		 where);
	return -EINVAL;
}

/*
 * The engine a run of s uses. `engine: auto` (the default) is native, or
 * ns3 when the network is an ns-3 device (*automatic is then true).
 * Returns 0; -EINVAL with "file:line:col: ..." in err when the scenario or
 * an override asks for native with an ns-3 network.
 */
static int run_engine(const struct scn *s, const char **engine, bool *automatic,
		      char *err, size_t errlen)
{
	const char *kind = scn_str(s, "network.kind");
	bool needs_ns3 = ns3net_handles(kind);
	char where[256];

	*engine = scn_str(s, "engine");
	*automatic = false;
	if (!strcmp(*engine, "auto")) {
		*engine = needs_ns3 ? "ns3" : "native";
		*automatic = needs_ns3;
		return 0;
	}
	if (!needs_ns3 || !strcmp(*engine, "ns3"))
		return 0;
	scn_where(s, "engine", where, sizeof(where));
	snprintf(
		err, errlen,
		"%s: engine: %s cannot run network.kind %s, which is an ns-3 device; use engine: ns3 or auto",
		where, *engine, kind);
	return -EINVAL;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void stamp_started(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int run_scenario(const struct scn *s, uint32_t rep, struct run_result *out,
		 char *err, size_t errlen)
{
	struct topo t = { 0 };
	bool automatic;
	double t0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = run_check(s, err, errlen);
	if (!rc)
		rc = run_engine(s, &out->engine, &automatic, err, errlen);
	if (rc)
		return rc;
	err[0] = '\0';
	/* the backend's own name outlives the scenario */
	if (sim_backend(out->engine))
		out->engine = sim_backend(out->engine)->name;
	out->repetition = rep;
	out->seed = (uint64_t)scn_int(s, "seed");
	out->sim = sim_create(out->engine);
	if (!out->sim && !strcmp(out->engine, "ns3")) {
		rc = -EBUSY;
		goto out_fail;
	}
	if (!out->sim)
		goto out_nomem;
	out->stats = stats_create(out->sim, scn_time(s, "warmup"),
				  scn_time(s, "sample_interval"));
	if (!out->stats)
		goto out_nomem;
	rc = topo_build(&t, out->sim, out->stats, s, rep, err, errlen);
	if (!rc && (stats_start(out->stats) || topo_start(&t)))
		rc = -ENOMEM;
	if (rc)
		goto out_fail;
	stamp_started(out->started, sizeof(out->started));
	t0 = wall_now();
	sim_run(out->sim, scn_time(s, "duration"));
	out->wall_s = wall_now() - t0;
	out->events = sim_events(out->sim);
	out->end_ps = sim_now(out->sim);
	snprintf(out->fingerprint, sizeof(out->fingerprint), "%016llx",
		 (unsigned long long)out->sim->trace);
	stats_finish(out->stats);
	out->hosts_down = topo_finish(&t, out->stats);
	topo_destroy(&t);
	sim_freeze(out->sim);
	return 0;
out_nomem:
	rc = -ENOMEM;
out_fail:
	if (rc == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory setting up the run");
	else if (rc == -EBUSY)
		snprintf(
			err, errlen,
			"the ns-3 engine is in use by another run in this process");
	topo_destroy(&t);
	run_result_fini(out);
	return rc;
}

/* Set once this process has said that it picked the ns3 engine by itself,
 * so that a study of many points says it once. */
static bool run_told_engine;

int run_validate(const struct scn *s, char *err, size_t errlen)
{
	struct run_result r;
	struct topo t = { 0 };
	const char *engine;
	bool automatic;
	int rc = run_check(s, err, errlen);

	if (!rc)
		rc = run_engine(s, &engine, &automatic, err, errlen);
	if (rc)
		return rc;
	if (automatic && !run_told_engine) {
		fprintf(stderr, "%s: network.kind %s runs on the ns3 engine\n",
			scn_path(s), scn_str(s, "network.kind"));
		run_told_engine = true;
	}
	memset(&r, 0, sizeof(r));
	err[0] = '\0';
	r.sim = sim_create(engine);
	r.stats = r.sim ? stats_create(r.sim, 0, 0) : NULL;
	rc = r.stats ? topo_build(&t, r.sim, r.stats, s, 0, err, errlen)
		     : -ENOMEM;
	if (!r.sim && !strcmp(engine, "ns3")) {
		rc = -EBUSY;
		snprintf(
			err, errlen,
			"the ns-3 engine is in use by another run in this process");
	} else if (rc == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory setting up the run");
	topo_destroy(&t);
	run_result_fini(&r);
	return rc;
}

void run_result_fini(struct run_result *r)
{
	stats_destroy(r->stats);
	sim_destroy(r->sim);
	r->stats = NULL;
	r->sim = NULL;
}
