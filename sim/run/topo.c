/*
 * topo.c - the topology of a run: network, hosts, apps and sink.
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
 * A native network between hosts is a switch with one output port per
 * host (`network.HOST`); an ns-3 network's output is routed by the
 * packet's app. Apps without a host still go straight through the link
 * named `network` to the sink, as in a bare queue; that link exists only
 * when such an app does, so a run whose apps all have hosts records no
 * idle `network` component.
 * What is in flight then includes what the NICs' rings and the drivers
 * hold. A kernel driver crash takes its host down (the driver drops all
 * that reaches it afterwards); the run records it as the scalar
 * sim.host_down (the number of hosts down at the end).
 *
 * Each model is configured by its X_cfg_load() from the scenario (the
 * apps' configurations first, since their hosts and stacks shape the
 * rest), created from that configuration and topo_env(), and kept with
 * its ops (topo_keep()): topo_finish() finishes them in creation order and
 * counts what they hold, topo_destroy() destroys them in reverse order.
 * The ns-3 network is kept like the others: its destroy only silences its
 * devices while the engine's ns-3 session is open, and the run destroys
 * the topology before the engine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advisory.h"
#include "agent.h"
#include "app.h"
#include "cpu.h"
#include "driver.h"
#include "errmsg.h"
#include "flowswitch.h"
#include "hostmem.h"
#include "link.h"
#include "mux.h"
#include "nic.h"
#include "ns3net.h"
#include "pkt.h"
#include "scenario.h"
#include "sink.h"
#include "stack.h"
#include "stats.h"
#include "topo.h"

/* What the topology made for host w by hand: its models (cpu, flow
 * switch, in-kernel stack, memory, multiplexer ...) are kept
 * (topo_keep()) and destroyed after this, in the reverse order of their
 * making. No model's destroy touches another's memory: the packets and
 * buffers they hold belong to the packet pool and the sink. */
void topo_sw_destroy(struct topo_sw *w)
{
	free(w->kcores);
	free(w->cpu_name);
	free(w->fsw_name);
	free(w->netif_name);
}

struct model_env topo_env(const struct topo *t, const char *component)
{
	return (struct model_env){ .sim = t->sim,
				   .st = t->st,
				   .component = component,
				   .seed = t->seed,
				   .rep = t->rep,
				   .warmup_ps = t->warmup_ps };
}

/* Frees names[0..n) and names (NULL: nothing). */
static void topo_free_names(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

int topo_keep(struct topo *t, const struct model_ops *ops, void *m)
{
	if (t->nmodels == t->models_cap) {
		size_t cap = t->models_cap ? 2 * t->models_cap : 16;
		struct topo_model *v = realloc(t->models, cap * sizeof(*v));

		if (!v) {
			ops->destroy(m);
			return -ENOMEM;
		}
		t->models = v;
		t->models_cap = cap;
	}
	t->models[t->nmodels++] = (struct topo_model){ .ops = ops, .m = m };
	return 0;
}

void topo_destroy(struct topo *t)
{
	free(t->app_host);
	free(t->app_peer);
	free(t->hosted);
	free(t->route);
	free(t->route_back);
	for (size_t i = 0; t->end_names && i < 2 * t->napps; i++)
		free(t->end_names[i]);
	for (size_t i = 0; t->tcp_names && i < 2 * t->napps; i++)
		free(t->tcp_names[i]);
	free(t->tcp_names);
	free(t->ends);
	free(t->end_names);
	for (size_t i = 0; t->sw && i < t->nhosts; i++)
		topo_sw_destroy(&t->sw[i]);
	free(t->stack);
	free(t->paths);
	for (size_t i = t->nmodels; i-- > 0;)
		t->models[i].ops->destroy(t->models[i].m);
	free(t->models);
	for (size_t i = 0; t->sw && i < t->nhosts; i++) {
		free(t->sw[i].mux_name);
		free(t->sw[i].agent_name);
		free(t->sw[i].adv_name);
	}
	free(t->sw);
	free(t->apps);
	free(t->app_cfgs);
	free(t->nics);
	free(t->nic_cfgs);
	free(t->drvs);
	free(t->ports);
	free(t->dest_port);
	topo_free_names(t->app_names, t->napps);
	topo_free_names(t->nic_names, t->nhosts);
	topo_free_names(t->drv_names, t->nhosts);
	topo_free_names(t->port_names, t->nhosts);
	pkt_pool_destroy(t->pool);
}

/* Whether some app has (want) or has not (!want) a host. */
static bool topo_some_hosted(const struct topo *t, bool want)
{
	for (size_t i = 0; i < t->napps; i++)
		if (t->hosted[i] == want)
			return true;
	return false;
}

static void topo_route(void *owner, struct sim_pkt *p)
{
	struct topo *t = owner;

	sim_port_send(p->kind == PKT_RESPONSE ? &t->route_back[p->src]
					      : &t->route[p->src],
		      p);
}

static long topo_find_host(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->nhosts; i++)
		if (!strcmp(t->hosts[i], name))
			return (long)i;
	return -1;
}

/* Finds the host that apps.NAME.host or .peer (key) of app i names
 * (value v) and returns its index in *out (-1 for ""); -EINVAL with
 * "file:line:col: ..." if it names no declared host. */
static int topo_app_host(struct topo *t, size_t i, const char *key,
			 const char *v, long *out, char *err, size_t errlen)
{
	char where[256], list[256];

	*out = *v ? topo_find_host(t, v) : -1;
	if (!*v || *out >= 0)
		return 0;
	param_where(&t->src, t->app_names[i], key, where, sizeof(where));
	if (!t->nhosts) {
		errmsg(err, errlen,
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
	errmsg(err, errlen, "%s: %s: unknown host '%.40s'; hosts are %s", where,
	       key, v, list);
	return -EINVAL;
}

/* Loads every app's configuration (app_cfg_load() checks that host and
 * peer come together and differ) and resolves its host and peer. */
static int topo_apps_hosts(struct topo *t, char *err, size_t errlen)
{
	for (size_t i = 0; i < t->napps; i++) {
		struct app_cfg *c = &t->app_cfgs[i];
		int rc;

		t->app_names[i] = topo_strf("apps.%s%s", t->names[i], "");
		if (!t->app_names[i])
			return -ENOMEM;
		rc = app_cfg_load(c, &t->src, t->app_names[i], err, errlen);
		if (!rc)
			rc = topo_app_host(t, i, "host", c->host,
					   &t->app_host[i], err, errlen);
		if (!rc)
			rc = topo_app_host(t, i, "peer", c->peer,
					   &t->app_peer[i], err, errlen);
		if (rc)
			return rc;
		t->hosted[i] = t->app_host[i] >= 0;
	}
	return 0;
}

/* A link configured by `network`, kept by the topology. */
static int topo_link(struct topo *t, const char *component, struct link **out,
		     char *err, size_t errlen)
{
	struct model_env env = topo_env(t, component);
	struct link_cfg cfg;
	int rc = link_cfg_load(&cfg, &t->src, "network", err, errlen);

	if (!rc)
		rc = link_create(&cfg, &env, out, err, errlen);
	return rc ? rc : topo_keep(t, &link_ops, *out);
}

/* The ns-3 network (network.kind ns3-*), kept by the topology. */
static int topo_ns3net(struct topo *t, char *err, size_t errlen)
{
	struct model_env env = topo_env(t, "network");
	struct ns3net_cfg cfg;
	int rc = ns3net_cfg_load(&cfg, &t->src, "network", err, errlen);

	if (!rc)
		rc = ns3net_create(&cfg, &env, &t->ns3net, err, errlen);
	if (!rc)
		rc = topo_keep(t, &ns3net_ops, t->ns3net);
	if (rc)
		t->ns3net = NULL;
	return rc;
}

/* The sink of every app's packets (statistics under apps.NAME). */
static int topo_sink(struct topo *t, char *err, size_t errlen)
{
	struct model_env env = topo_env(t, "apps");
	struct sink_cfg cfg = { .napps = t->napps,
				.names = t->names,
				.paths = t->paths };
	uint8_t *goodput = calloc(t->napps + 1, 1);
	int rc;

	if (!goodput)
		return -ENOMEM;
	/* the goodput of the apps whose packets carry a deadline */
	for (size_t i = 0; i < t->napps; i++)
		goodput[i] = t->app_cfgs[i].deadline_ps != 0;
	cfg.goodput = goodput;
	rc = sink_create(&cfg, &env, t->pool, &t->sink, err, errlen);
	free(goodput);
	return rc ? rc : topo_keep(t, &sink_ops, t->sink);
}

static int topo_network(struct topo *t, const struct scn *s, char *err,
			size_t errlen)
{
	struct sim_port in, drop;
	int rc;

	if (ns3net_handles(scn_str(s, "network.kind"))) {
		rc = topo_ns3net(t, err, errlen);
		if (rc)
			return rc;
		t->ns3_near = -1; /* see topo_ns3_wire() */
		for (size_t i = 0; i < t->napps && t->ns3_near < 0; i++)
			if (t->hosted[i])
				t->ns3_near = t->app_host[i];
	} else {
		/* With hosts, the network is the switch's ports; the link
		 * named network carries only the apps without a host. */
		t->native = true;
		if (topo_some_hosted(t, false)) {
			rc = topo_link(t, "network", &t->link, err, errlen);
			if (rc)
				return rc;
		}
	}
	rc = topo_sink(t, err, errlen);
	if (rc)
		return rc;
	in = sink_input(t->sink);
	drop = sink_drop_input(t->sink);
	sink_on_drop(t->sink, topo_device_done, t);
	if (t->ns3net)
		ns3net_on_done(t->ns3net, topo_device_done, t);
	if (topo_some_hosted(t, true))
		in = (struct sim_port){ .recv = topo_route, .owner = t };
	if (t->link)
		link_connect(t->link, in, drop);
	else if (t->ns3net)
		ns3net_connect(t->ns3net, in, drop);
	return 0;
}

static struct sim_port topo_net_input(struct topo *t)
{
	return t->link ? link_input(t->link) : ns3net_input(t->ns3net);
}

/* The host a hosted packet is going to: its app's peer, or for a
 * response its app's host. */
static long topo_dest(const struct topo *t, const struct sim_pkt *p)
{
	return p->kind == PKT_RESPONSE ? t->app_host[p->src]
				       : t->app_peer[p->src];
}

/* The native network between hosts is a store-and-forward switch: a frame
 * from a NIC waits in the output port towards its destination host. */
static void topo_switch(void *owner, struct sim_pkt *p)
{
	struct topo *t = owner;
	struct sim_port in = link_input(
		t->dest_port[2 * (size_t)p->src + (p->kind == PKT_RESPONSE)]);

	sim_port_send(&in, p);
}

/* An ns-3 network between hosts has a node at each end: the host of the
 * first hosted app sits at the sending one (the Wi-Fi station), every
 * other host at the receiving one (the access point). A frame towards
 * the near host goes the reverse way, so the two directions of an RPC
 * between two hosts never share a device queue. */
static void topo_ns3_wire(void *owner, struct sim_pkt *p)
{
	struct topo *t = owner;
	struct sim_port in = topo_dest(t, p) == t->ns3_near
				     ? ns3net_input_reverse(t->ns3net)
				     : ns3net_input(t->ns3net);

	sim_port_send(&in, p);
}

/* What the hosts' NICs send into: the switch, or the ns-3 network. */
static struct sim_port topo_wire(struct topo *t)
{
	if (t->native && t->nhosts)
		return (struct sim_port){ .recv = topo_switch, .owner = t };
	if (t->nhosts)
		return (struct sim_port){ .recv = topo_ns3_wire, .owner = t };
	return topo_net_input(t);
}

/* The switch ports of a native network with hosts ("network.HOST"), each
 * configured like the network and delivering to its host's NIC. */
static int topo_ports(struct topo *t, char *err, size_t errlen)
{
	int rc;

	if (!t->native || !t->nhosts)
		return 0;
	t->ports = calloc(t->nhosts, sizeof(*t->ports));
	t->port_names = calloc(t->nhosts, sizeof(*t->port_names));
	if (!t->ports || !t->port_names)
		return -ENOMEM;
	for (size_t h = 0; h < t->nhosts; h++) {
		size_t len = strlen(t->hosts[h]) + sizeof("network.");

		t->port_names[h] = malloc(len);
		if (!t->port_names[h])
			return -ENOMEM;
		snprintf(t->port_names[h], len, "network.%s", t->hosts[h]);
		rc = topo_link(t, t->port_names[h], &t->ports[h], err, errlen);
		if (rc)
			return rc;
		link_connect(t->ports[h], nic_rx_input(t->nics[h]),
			     sink_drop_input(t->sink));
	}
	/* topo_dest() per app, looked up once: one array read per frame */
	t->dest_port = calloc(2 * t->napps + 1, sizeof(*t->dest_port));
	if (!t->dest_port)
		return -ENOMEM;
	for (size_t i = 0; i < t->napps; i++) {
		if (t->app_peer[i] >= 0)
			t->dest_port[2 * i] = t->ports[t->app_peer[i]];
		if (t->app_host[i] >= 0)
			t->dest_port[2 * i + 1] = t->ports[t->app_host[i]];
	}
	return 0;
}

/* What host w's driver receives: to the flow switch if the packet's app
 * has a stack, else to the sink. */
static void topo_host_rx(void *owner, struct sim_pkt *p)
{
	struct topo_sw *w = owner;

	sim_port_send(w->fsw && w->t->stack[p->src] != STK_NONE ? &w->fsw_in
								: &w->sink_in,
		      p);
}

/* The NIC of host i, kept by the topology. */
static int topo_nic(struct topo *t, size_t i, char *err, size_t errlen)
{
	struct model_env env;
	int rc;

	t->nic_names[i] = topo_strf("hosts.%s.nic%s", t->hosts[i], "");
	if (!t->nic_names[i])
		return -ENOMEM;
	env = topo_env(t, t->nic_names[i]);
	rc = nic_cfg_load(&t->nic_cfgs[i], &t->src, t->nic_names[i], err,
			  errlen);
	if (!rc)
		rc = nic_create(&t->nic_cfgs[i], &env, &t->nics[i], err,
				errlen);
	return rc ? rc : topo_keep(t, &nic_ops, t->nics[i]);
}

/* The driver of host i, kept by the topology: TX to its NIC, RX to its
 * stacks or the sink. */
static int topo_driver(struct topo *t, size_t i, char *err, size_t errlen)
{
	struct sim_port drop = sink_drop_input(t->sink);
	struct model_env env;
	struct drv_cfg cfg;
	int rc;

	t->drv_names[i] = topo_strf("hosts.%s.driver%s", t->hosts[i], "");
	if (!t->drv_names[i])
		return -ENOMEM;
	env = topo_env(t, t->drv_names[i]);
	rc = drv_cfg_load(&cfg, &t->src, t->drv_names[i], err, errlen);
	if (!rc)
		rc = drv_create(&cfg, &env, &t->drvs[i], err, errlen);
	if (!rc)
		rc = topo_keep(t, &drv_ops, t->drvs[i]);
	if (rc)
		return rc;
	drv_connect(t->drvs[i], nic_tx_input(t->nics[i]), drop);
	drv_connect_rx(
		t->drvs[i],
		(struct sim_port){ .recv = topo_host_rx, .owner = &t->sw[i] },
		drop);
	return 0;
}

static int topo_hosts(struct topo *t, const struct scn *s, char *err,
		      size_t errlen)
{
	int rc;

	struct sim_port host = sink_input(t->sink);
	struct sim_port drop = sink_drop_input(t->sink);
	size_t nh = t->nhosts ? t->nhosts : 1;

	for (size_t i = 0; i < t->nhosts; i++) {
		t->sw[i].t = t;
		t->sw[i].host = i;
		t->sw[i].sink_in = host;
	}
	t->nics = calloc(nh, sizeof(*t->nics));
	t->nic_cfgs = calloc(nh, sizeof(*t->nic_cfgs));
	t->nic_names = calloc(nh, sizeof(*t->nic_names));
	t->drvs = calloc(nh, sizeof(*t->drvs));
	t->drv_names = calloc(nh, sizeof(*t->drv_names));
	t->route = calloc(t->napps ? t->napps : 1, sizeof(*t->route));
	t->route_back = calloc(t->napps ? t->napps : 1, sizeof(*t->route));
	if (!t->nics || !t->nic_cfgs || !t->nic_names || !t->drvs ||
	    !t->drv_names || !t->route || !t->route_back)
		return -ENOMEM;
	for (size_t i = 0; i < t->nhosts; i++) {
		rc = topo_nic(t, i, err, errlen);
		if (!rc)
			rc = topo_driver(t, i, err, errlen);
		if (rc)
			return rc;
		t->sw[i].drv = t->drvs[i];
		t->sw[i].nic = t->nics[i];
		nic_connect(t->nics[i], topo_wire(t), drv_rx_input(t->drvs[i]),
			    drop);
		rc = topo_memory(t, s, i, err, errlen);
		if (!rc)
			rc = topo_mux(t, i, err, errlen);
		if (rc)
			return rc;
	}
	rc = topo_ports(t, err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < t->napps; i++) {
		t->route[i] = t->app_peer[i] < 0
				      ? host
				      : nic_rx_input(t->nics[t->app_peer[i]]);
		t->route_back[i] =
			t->app_host[i] < 0
				? host
				: nic_rx_input(t->nics[t->app_host[i]]);
	}
	return 0;
}

/* App i, kept by the topology, sending into its host's driver or the
 * network. */
static int topo_app(struct topo *t, size_t i, char *err, size_t errlen)
{
	struct model_env env = topo_env(t, t->app_names[i]);
	int rc = app_create(&t->app_cfgs[i], &env, t->pool, (uint32_t)i,
			    &t->apps[i], err, errlen);

	if (!rc)
		rc = topo_keep(t, &app_ops, t->apps[i]);
	if (rc)
		return rc;
	app_connect(
		t->apps[i],
		t->hosted[i]
			? (struct sim_port){ .recv = topo_dev_tx,
					     .owner = &t->sw[t->app_host[i]] }
			: topo_net_input(t));
	return 0;
}

int topo_build(struct topo *t, struct sim *sim, struct stats *st,
	       const struct scn *s, uint32_t rep, uint64_t seed, char *err,
	       size_t errlen)
{
	size_t na, nh;
	int rc;

	t->sim = sim;
	t->st = st;
	t->seed = seed;
	t->rep = rep;
	t->src = scn_source(s);
	t->warmup_ps = stats_warmup(st);
	t->napps = scn_instances(s, "apps", &t->names);
	t->nhosts = scn_instances(s, "hosts", &t->hosts);
	na = t->napps ? t->napps : 1;
	nh = t->nhosts ? t->nhosts : 1;
	t->pool = pkt_pool_create();
	t->apps = calloc(na, sizeof(*t->apps));
	t->app_cfgs = calloc(na, sizeof(*t->app_cfgs));
	t->app_names = calloc(na, sizeof(*t->app_names));
	t->app_host = calloc(na, sizeof(*t->app_host));
	t->app_peer = calloc(na, sizeof(*t->app_peer));
	t->hosted = calloc(na, sizeof(*t->hosted));
	t->stack = calloc(na, sizeof(*t->stack));
	t->paths = calloc(na, sizeof(*t->paths));
	t->ends = calloc(2 * na, sizeof(*t->ends));
	t->end_names = calloc(2 * na, sizeof(*t->end_names));
	t->tcp_names = calloc(2 * na, sizeof(*t->tcp_names));
	t->sw = calloc(nh, sizeof(*t->sw));
	if (!t->pool || !t->apps || !t->app_cfgs || !t->app_names ||
	    !t->app_host || !t->app_peer || !t->hosted || !t->stack ||
	    !t->paths || !t->ends || !t->end_names || !t->tcp_names || !t->sw)
		return -ENOMEM;
	rc = topo_apps_hosts(t, err, errlen);
	if (!rc)
		rc = topo_apps_stacks(t, err, errlen);
	if (!rc)
		rc = topo_network(t, s, err, errlen);
	if (!rc)
		rc = topo_hosts(t, s, err, errlen);
	for (size_t i = 0; !rc && i < t->napps; i++)
		rc = topo_app(t, i, err, errlen);
	if (!rc)
		rc = topo_stacks(t, s, err, errlen);
	return rc ? rc : topo_lowlat(t, err, errlen);
}

int topo_start(struct topo *t)
{
	for (size_t i = 0; i < t->napps; i++)
		if (app_start(t->apps[i]))
			return -ENOMEM;
	return 0;
}

/* Records the end-of-run scalars; returns the number of hosts down. */
/* A counter of the run, 0 if it has none of that name. */
static uint64_t topo_counter(const struct stats *st, const char *comp,
			     const char *metric)
{
	struct stat_info si;

	if (stats_find(st, comp, metric, &si) || si.kind != STAT_COUNTER)
		return 0;
	return *si.u.counter;
}

/* The end-of-run invariants: every packet of every app is received,
 * dropped or held somewhere (walked, not derived), the packets held are
 * the packets allocated, and every pool holds at least what is in use
 * and saw no bad free. Checked in debug builds (USNSIM_CHECKS, as the
 * sanitizer build of `make test-asan`): a broken one stops the process
 * with a message, since a model is wrong. */
static void topo_check(const struct topo *t, const struct stats *st,
		       const uint64_t *held)
{
#ifdef USNSIM_CHECKS
	uint64_t all = 0;
	char comp[128];

	for (size_t i = 0; i < t->napps; i++) {
		uint64_t sent, got;

		snprintf(comp, sizeof(comp), "apps.%s", t->names[i]);
		sent = topo_counter(st, comp, "sent");
		got = topo_counter(st, comp, "received") +
		      topo_counter(st, comp, "dropped") + held[i];
		if (sent != got) {
			fprintf(stderr,
				"usnsim: invariant broken: %s sent %llu packets, received + dropped + in flight %llu\n",
				comp, (unsigned long long)sent,
				(unsigned long long)got);
			abort();
		}
		all += held[i];
	}
	if (all != pkt_in_use(t->pool)) {
		fprintf(stderr,
			"usnsim: invariant broken: %llu packets in flight, %llu allocated\n",
			(unsigned long long)all,
			(unsigned long long)pkt_in_use(t->pool));
		abort();
	}
	for (size_t h = 0; h < t->nhosts; h++)
		if (t->sw[h].mem &&
		    hostmem_check(t->sw[h].mem, comp, sizeof(comp))) {
			fprintf(stderr, "usnsim: invariant broken: %s\n", comp);
			abort();
		}
#else
	(void)t;
	(void)st;
	(void)held;
	(void)topo_counter;
#endif
}

unsigned topo_finish(struct topo *t, struct stats *st)
{
	char comp[128];
	unsigned down = 0;
	uint64_t *held = calloc(t->napps ? t->napps : 1, sizeof(*held));

	for (size_t i = 0; i < t->nmodels; i++)
		if (t->models[i].ops->finish)
			t->models[i].ops->finish(t->models[i].m);
	for (size_t i = 0; i < t->nhosts; i++)
		down += drv_host_down(t->drvs[i]);
	/* one walk of every model's queues counts each packet for its app */
	for (size_t m = 0; held && m < t->nmodels; m++)
		if (t->models[m].ops->held_add)
			t->models[m].ops->held_add(t->models[m].m, held,
						   t->napps);
	for (size_t i = 0; held && i < t->napps; i++) {
		snprintf(comp, sizeof(comp), "apps.%s", t->names[i]);
		stats_scalar(st, comp, "in_flight", "packets", (double)held[i]);
	}
	stats_scalar(st, "sim", "packets_in_use", "packets",
		     (double)pkt_in_use(t->pool));
	topo_finish_cpu(t, st);
	stats_scalar(st, "sim", "host_down", "hosts", (double)down);
	if (held)
		topo_check(t, st, held);
	free(held);
	return down;
}
