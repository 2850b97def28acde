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

#include "advisory.h"
#include "agent.h"
#include "app.h"
#include "cpu.h"
#include "driver.h"
#include "flowswitch.h"
#include "hostmem.h"
#include "link.h"
#include "mux.h"
#include "nic.h"
#include "ns3net.h"
#include "pkt.h"
#include "run.h"
#include "scenario.h"
#include "sink.h"
#include "stack.h"
#include "stats.h"
#include "units.h"

struct topo;

/* A host's software path, for hosts where an app's end has a stack: its
 * cores, flow switch and in-kernel stack. */
struct topo_sw {
	struct topo *t;
	size_t host;
	struct cpu *cpu;
	struct fsw *fsw;
	struct stk_host *kh;
	struct cpu_core **kcores;
	unsigned nk;
	char *cpu_name, *fsw_name;
	struct sim_port fsw_in, sink_in;
	struct hostmem *mem; /* NULL: memory not modelled */
	struct sim_port drv_in;
	struct mux *mux;	/* NULL: discipline none */
	struct agent *agent;	/* with reserved_share */
	struct adv *adv;	/* with adaptive apps */
	struct sim_port mux_in; /* the multiplexer, or the driver */
	uint64_t *no_memory;	/* driver: drops.no_memory (no device buffer) */
	char *mux_name, *agent_name, *adv_name;
};

struct topo {
	struct sim *sim;
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
	struct sim_port *route;	     /* network output per app */
	struct sim_port *route_back; /* ... of its responses (rpc) */
	uint8_t *stack;		     /* enum stk_kind per app */
	uint8_t *paths;		     /* enum sink_path per app */
	struct topo_sw *sw;	     /* per host */
	/* [2i]: app i's end on its host, [2i+1]: on its peer */
	struct stk **ends;
	char **end_names;
	/* native network with hosts: the switch port to each host */
	struct link **ports;
	char **port_names;
	sim_time rate_changed_ps; /* last rate step reported, + 1 */
};

static void topo_sw_destroy(struct topo_sw *w)
{
	fsw_destroy(w->fsw);
	stk_host_destroy(w->kh);
	hostmem_destroy(w->mem);
	mux_destroy(w->mux);
	agent_destroy(w->agent);
	adv_destroy(w->adv);
	free(w->mux_name);
	free(w->agent_name);
	free(w->adv_name);
	cpu_destroy(w->cpu);
	free(w->kcores);
	free(w->cpu_name);
	free(w->fsw_name);
}

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
	free(t->route_back);
	for (size_t i = 0; t->ends && i < 2 * t->napps; i++)
		stk_destroy(t->ends[i]);
	for (size_t i = 0; t->end_names && i < 2 * t->napps; i++)
		free(t->end_names[i]);
	free(t->ends);
	free(t->end_names);
	for (size_t i = 0; t->sw && i < t->nhosts; i++)
		topo_sw_destroy(&t->sw[i]);
	free(t->sw);
	free(t->stack);
	free(t->paths);
	for (size_t i = 0; t->ports && i < t->nhosts; i++) {
		link_destroy(t->ports[i]);
		free(t->port_names[i]);
	}
	free(t->ports);
	free(t->port_names);
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
	} else if (link_create(sim, st, s, "network", "network", &t->link)) {
		return -ENOMEM;
	}
	if (sink_create(sim, st, t->pool, t->napps, t->names, t->paths,
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
	struct sim_port in = link_input(t->ports[topo_dest(t, p)]);

	sim_port_send(&in, p);
}

/* What the hosts' NICs send into: the switch, or the ns-3 network. */
static struct sim_port topo_wire(struct topo *t)
{
	if (t->link && t->nhosts)
		return (struct sim_port){ .recv = topo_switch, .owner = t };
	return topo_net_input(t);
}

/* The switch ports of a native network with hosts ("network.HOST"), each
 * configured like the network and delivering to its host's NIC. */
static int topo_ports(struct topo *t, struct sim *sim, struct stats *st,
		      const struct scn *s)
{
	if (!t->link || !t->nhosts)
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
		if (link_create(sim, st, s, "network", t->port_names[h],
				&t->ports[h]))
			return -ENOMEM;
		link_connect(t->ports[h], nic_rx_input(t->nics[h]),
			     sink_drop_input(t->sink));
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

/* The driver of host i: TX to its NIC, RX to its stacks or the sink. */
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
	drv_connect_rx(
		t->drvs[i],
		(struct sim_port){ .recv = topo_host_rx, .owner = &t->sw[i] },
		drop);
	return 0;
}

/* The drivers and NICs of the hosts, and the route of each app's packets
 * out of the network: the peer's NIC RX, or the sink. */
static char *topo_strf(const char *fmt, const char *a, const char *b)
{
	size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
	char *v = malloc(n);

	if (v)
		snprintf(v, n, fmt, a, b);
	return v;
}

/* What leaves host w's software path towards its driver: through the
 * agent's policing and the multiplexer, if the host has them. */
static void topo_tx(void *owner, struct sim_pkt *p)
{
	struct topo_sw *w = owner;

	if (w->agent)
		agent_account(w->agent, p->src, p->len_bytes);
	sim_port_send(&w->mux_in, p);
}

/* What a host's driver gets from an app without a stack: with pools, the
 * packet first takes its device buffers (none free: dropped). */
static void topo_dev_tx(void *owner, struct sim_pkt *p)
{
	struct topo_sw *w = owner;

	if (w->mem &&
	    pool_attach_dev(hostmem_device(w->mem), p, POOL_NONE, NULL)) {
		struct sim_port drop = sink_drop_input(w->t->sink);

		(*w->no_memory)++;
		sim_port_send(&drop, p);
		return;
	}
	topo_tx(w, p);
}

/* A packet of host w found past its deadline at origin: a transmit
 * expired event for its sender's channel, or (no channel) the app is told
 * directly. */
static void topo_expired(void *arg, struct sim_pkt *p, int origin)
{
	struct topo_sw *w = arg;
	struct topo *t = w->t;
	struct stk *e = t->ends[2 * p->src + (p->kind == PKT_RESPONSE)];
	bool dropped = p->expiry == PKT_EXP_DROP;

	if (!e || stk_post_expired(e, p, origin, dropped) == -ENOTSUP)
		app_on_expired(t->apps[p->src], dropped);
}

static void topo_app_expired(void *arg, bool dropped)
{
	app_on_expired(arg, dropped);
}

/* Host i's multiplexer (and agent), and the deadline hooks of its driver
 * and NIC. */
static int topo_mux(struct topo *t, struct sim *sim, struct stats *st,
		    const struct scn *s, size_t i, char *err, size_t errlen)
{
	struct topo_sw *w = &t->sw[i];
	char path[192];
	struct mux_line line;
	int rc;

	drv_on_expired(t->drvs[i], topo_expired, w);
	nic_on_expired(t->nics[i], topo_expired, w);
	w->mux_in = w->drv_in;
	snprintf(path, sizeof(path), "hosts.%s.mux.discipline", t->hosts[i]);
	if (!strcmp(scn_str(s, path), "none"))
		return 0;
	snprintf(path, sizeof(path), "hosts.%s.nic.rate", t->hosts[i]);
	line.rate_bps = scn_double(s, path);
	snprintf(path, sizeof(path), "hosts.%s.nic.min_frame", t->hosts[i]);
	line.min_frame = (uint32_t)scn_size(s, path);
	snprintf(path, sizeof(path), "hosts.%s.nic.framing", t->hosts[i]);
	line.framing = (uint32_t)scn_size(s, path);
	snprintf(path, sizeof(path), "hosts.%s", t->hosts[i]);
	w->mux_name = topo_strf("hosts.%s.mux%s", t->hosts[i], "");
	if (!w->mux_name)
		return -ENOMEM;
	rc = mux_create(sim, st, s, path, w->mux_name, &line,
			(uint32_t)t->napps, &w->mux, err, errlen);
	if (rc)
		return rc;
	mux_connect(w->mux, w->drv_in, sink_drop_input(t->sink));
	mux_on_expired(w->mux, topo_expired, w);
	w->mux_in = mux_input(w->mux);
	if (mux_discipline(w->mux) != MUX_RESERVED_SHARE)
		return 0;
	w->agent_name = topo_strf("hosts.%s.agent%s", t->hosts[i], "");
	if (!w->agent_name ||
	    agent_create(sim, st, s, path, w->agent_name, w->mux,
			 (uint32_t)t->napps, &w->agent))
		return -ENOMEM;
	return 0;
}

/* Host i's memory and pools; its NIC takes buffers from the device pool. */
static int topo_memory(struct topo *t, struct sim *sim, struct stats *st,
		       const struct scn *s, uint32_t rep, size_t i, char *err,
		       size_t errlen)
{
	struct topo_sw *w = &t->sw[i];
	int rc = hostmem_create(sim, st, s, t->hosts[i], rep, &w->mem, err,
				errlen);

	w->drv_in = drv_tx_input(t->drvs[i]);
	if (rc || !w->mem)
		return rc;
	w->no_memory = stats_counter(st, t->drv_names[i], "drops.no_memory",
				     "packets");
	if (!w->no_memory)
		return -ENOMEM;
	nic_set_pool(t->nics[i], hostmem_device(w->mem),
		     hostmem_device_segment(w->mem));
	return 0;
}

static int topo_hosts(struct topo *t, struct sim *sim, struct stats *st,
		      const struct scn *s, uint32_t rep, char *err,
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
	t->drvs = calloc(nh, sizeof(*t->drvs));
	t->drv_names = calloc(nh, sizeof(*t->drv_names));
	t->route = calloc(t->napps ? t->napps : 1, sizeof(*t->route));
	t->route_back = calloc(t->napps ? t->napps : 1, sizeof(*t->route));
	if (!t->nics || !t->drvs || !t->drv_names || !t->route ||
	    !t->route_back)
		return -ENOMEM;
	for (size_t i = 0; i < t->nhosts; i++) {
		if (nic_create(sim, st, s, t->hosts[i], &t->nics[i]) ||
		    topo_driver(t, sim, st, s, rep, i))
			return -ENOMEM;
		nic_connect(t->nics[i], topo_wire(t), drv_rx_input(t->drvs[i]),
			    drop);
		rc = topo_memory(t, sim, st, s, rep, i, err, errlen);
		if (!rc)
			rc = topo_mux(t, sim, st, s, i, err, errlen);
		if (rc)
			return rc;
	}
	if (topo_ports(t, sim, st, s))
		return -ENOMEM;
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

/* The address of host h (10.0.0.h+1) and the ports of app i's flow. */
#define TOPO_ADDR(h) (0x0a000001u + (uint32_t)(h))
#define TOPO_CPORT(i) ((uint16_t)(10000u + (i)))
#define TOPO_SPORT(i) ((uint16_t)(20000u + (i)))

/* "file:line:col: apps.NAME.key: msg" in err; returns -EINVAL. */
static int topo_app_error(const struct topo *t, const struct scn *s, size_t i,
			  const char *key, const char *msg, char *err,
			  size_t errlen)
{
	char path[192], where[256];

	snprintf(path, sizeof(path), "apps.%s.%s", t->names[i], key);
	scn_where(s, path, where, sizeof(where));
	snprintf(err, errlen, "%s: %s: %s", where, key, msg);
	return -EINVAL;
}

static const char *topo_app_str(const struct topo *t, const struct scn *s,
				size_t i, const char *key)
{
	char path[192];

	snprintf(path, sizeof(path), "apps.%s.%s", t->names[i], key);
	return scn_str(s, path);
}

static sim_time topo_time(const struct scn *s, const struct topo *t, size_t i,
			  const char *key)
{
	char path[192];

	snprintf(path, sizeof(path), "apps.%s.%s", t->names[i], key);
	return scn_time(s, path);
}

static double topo_double(const struct scn *s, const struct topo *t, size_t i,
			  const char *key)
{
	char path[192];

	snprintf(path, sizeof(path), "apps.%s.%s", t->names[i], key);
	return scn_double(s, path);
}

static long topo_find_app(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->napps; i++)
		if (!strcmp(t->names[i], name))
			return (long)i;
	return -1;
}

/* Reads every app's stack and checks what goes with it. */
static int topo_apps_stacks(struct topo *t, const struct scn *s, char *err,
			    size_t errlen)
{
	for (size_t i = 0; i < t->napps; i++) {
		const char *forge = topo_app_str(t, s, i, "forge");
		const char *victim = topo_app_str(t, s, i, "forge_victim");
		bool replay = !strcmp(forge, "replay") || !strcmp(forge, "mix");
		long v;

		t->stack[i] =
			(uint8_t)stk_kind_of(topo_app_str(t, s, i, "stack"));
		t->paths[i] = t->stack[i] != STK_NONE ? SINK_STACK
			      : t->hosted[i]	      ? SINK_HOST
						      : SINK_BARE;
		if (t->stack[i] != STK_NONE && !t->hosted[i])
			return topo_app_error(
				t, s, i, "stack",
				"a stack needs host: and peer: (the hosts it runs on)",
				err, errlen);
		if (!strcmp(topo_app_str(t, s, i, "pattern"), "rpc") &&
		    t->stack[i] == STK_NONE)
			return topo_app_error(
				t, s, i, "pattern",
				"rpc needs stack: kernel or user (the peer answers through its stack)",
				err, errlen);
		if (strcmp(forge, "none") && t->stack[i] != STK_USER)
			return topo_app_error(
				t, s, i, "forge",
				"only an app with its own stack (stack: user) writes its headers",
				err, errlen);
		if (*victim && !replay)
			return topo_app_error(
				t, s, i, "forge_victim",
				"only forge: replay or mix uses a victim", err,
				errlen);
		if (topo_time(s, t, i, "close_at") && t->stack[i] != STK_USER)
			return topo_app_error(
				t, s, i, "close_at",
				"only a flow of a user-space stack (stack: user) is torn down",
				err, errlen);
		if (!replay)
			continue;
		v = topo_find_app(t, victim);
		if (v < 0 || (size_t)v == i || t->stack[v] != STK_USER ||
		    t->app_host[v] != t->app_host[i])
			return topo_app_error(
				t, s, i, *victim ? "forge_victim" : "forge",
				"replay and mix need forge_victim: another app with stack: user on the same host",
				err, errlen);
	}
	return 0;
}

static bool topo_host_needs_sw(const struct topo *t, size_t h)
{
	for (size_t i = 0; i < t->napps; i++)
		if (t->stack[i] != STK_NONE &&
		    (t->app_host[i] == (long)h || t->app_peer[i] == (long)h))
			return true;
	return false;
}

/* What waits to leave host w: its driver's TX queue and NIC TX ring (the
 * flow switch's measure for flow advisories). */
static uint32_t topo_tx_backlog(const void *arg)
{
	const struct topo_sw *w = arg;

	return drv_tx_backlog(w->t->drvs[w->host]) +
	       nic_tx_backlog(w->t->nics[w->host]);
}

/* Host h's cores, flow switch and in-kernel stack. */
static int topo_software(struct topo *t, struct sim *sim, struct stats *st,
			 const struct scn *s, uint32_t rep, size_t h)
{
	struct topo_sw *w = &t->sw[h];
	char pre[160], path[192], core[32];
	struct cpu_costs c;

	snprintf(pre, sizeof(pre), "hosts.%s", t->hosts[h]);
#define TOPO_COST(field, key)                                     \
	do {                                                      \
		snprintf(path, sizeof(path), "%s.cpu." key, pre); \
		c.field = scn_time(s, path);                      \
	} while (0)
	TOPO_COST(syscall_ps, "syscall");
	TOPO_COST(ctxsw_ps, "context_switch");
	TOPO_COST(wakeup_same_ps, "wakeup_same");
	TOPO_COST(wakeup_cross_ps, "wakeup_cross");
#undef TOPO_COST
	snprintf(path, sizeof(path), "%s.cpu.copy_bw", pre);
	c.copy_Bps = scn_double(s, path) / 8;
	snprintf(path, sizeof(path), "%s.cpu.kernel_cores", pre);
	w->nk = (unsigned)scn_int(s, path);
	w->cpu_name = topo_strf("hosts.%s.cpu%s", t->hosts[h], "");
	w->fsw_name = topo_strf("hosts.%s.flowswitch%s", t->hosts[h], "");
	w->kcores = calloc(w->nk, sizeof(*w->kcores));
	if (!w->cpu_name || !w->fsw_name || !w->kcores ||
	    cpu_create(sim, st, w->cpu_name, &c, &w->cpu))
		return -ENOMEM;
	for (unsigned k = 0; k < w->nk; k++) {
		snprintf(core, sizeof(core), "kernel%u", k);
		w->kcores[k] = cpu_add_core(w->cpu, CPU_DOM_KERNEL, core);
		if (!w->kcores[k])
			return -ENOMEM;
	}
	if (fsw_create(sim, st, s, pre, w->fsw_name, w->cpu, w->kcores, w->nk,
		       rep, &w->fsw) ||
	    stk_host_create(s, pre, &w->kh))
		return -ENOMEM;
	fsw_connect(w->fsw, (struct sim_port){ .recv = topo_tx, .owner = w },
		    sink_drop_input(t->sink));
	fsw_set_mux(w->fsw, w->mux);
	fsw_set_host(w->fsw, stk_host_endpoint(w->kh));
	if (w->mem)
		fsw_set_pool(w->fsw, hostmem_device(w->mem));
	fsw_set_backlog(w->fsw, topo_tx_backlog, w, nic_tx_slots(t->nics[h]));
	w->fsw_in = fsw_rx_input(w->fsw);
	return 0;
}

/* App i's end on host h (its own host if peer is false). */
static int topo_end(struct topo *t, struct sim *sim, struct stats *st,
		    const struct scn *s, size_t i, bool peer, char *err,
		    size_t errlen)
{
	size_t h = (size_t)(peer ? t->app_peer[i] : t->app_host[i]);
	size_t o = (size_t)(peer ? t->app_host[i] : t->app_peer[i]);
	struct topo_sw *w = &t->sw[h];
	struct flow_key k = { .laddr = TOPO_ADDR(h),
			      .raddr = TOPO_ADDR(o),
			      .lport = peer ? TOPO_SPORT(i) : TOPO_CPORT(i),
			      .rport = peer ? TOPO_CPORT(i) : TOPO_SPORT(i),
			      .proto = FLOW_PROTO_UDP };
	char pre[160], core[160];
	struct cpu_core *c;
	struct pool *pool;
	size_t e = 2 * i + peer;
	int rc;

	snprintf(pre, sizeof(pre), "hosts.%s", t->hosts[h]);
	snprintf(core, sizeof(core), "app.%s", t->names[i]);
	t->end_names[e] =
		topo_strf("hosts.%s.stack.%s", t->hosts[h], t->names[i]);
	c = cpu_add_core(w->cpu, CPU_DOM_USER, core);
	if (!t->end_names[e] || !c)
		return -ENOMEM;
	rc = stk_create(sim, st, s, pre, t->end_names[e],
			(enum stk_kind)t->stack[i], w->cpu, c, w->fsw, w->kh,
			&k, (uint32_t)i, &t->ends[e], err, errlen);
	if (rc && rc != -ENOMEM && rc != -EINVAL)
		snprintf(err, errlen,
			 "%s: app %s: cannot register its flow (%s)",
			 scn_path(s), t->names[i], strerror(-rc));
	if (rc || !w->mem || t->stack[i] != STK_USER)
		return rc;
	rc = hostmem_channel_pool(w->mem, t->names[i], &pool, err, errlen);
	if (!rc)
		stk_set_pool(t->ends[e], pool);
	return rc;
}

/* Connects app i through its ends (if it has a stack). */
static int topo_app_ends(struct topo *t, struct sim *sim, struct stats *st,
			 const struct scn *s, size_t i, char *err,
			 size_t errlen)
{
	struct app *a = t->apps[i];
	struct stk *me, *peer;
	bool rpc = app_is_rpc(a);
	char path[192];
	int rc;

	rc = topo_end(t, sim, st, s, i, false, err, errlen);
	if (!rc)
		rc = topo_end(t, sim, st, s, i, true, err, errlen);
	if (rc)
		return rc;
	me = t->ends[2 * i];
	peer = t->ends[2 * i + 1];
	stk_connect(me, rpc ? app_response_input(a) : sink_input(t->sink),
		    sink_drop_input(t->sink));
	stk_connect(peer, rpc ? app_request_input(a) : sink_input(t->sink),
		    sink_drop_input(t->sink));
	app_connect(a, stk_tx_input(me));
	stk_on_expired(me, topo_app_expired, a);
	stk_on_expired(peer, topo_app_expired, a);
	if (rpc)
		app_connect_rpc(a, stk_tx_input(peer), t->sink);
	snprintf(path, sizeof(path), "apps.%s.close_at", t->names[i]);
	return stk_close_at(me, scn_time(s, path));
}

/* App i's packets at host h's multiplexer: their service class, and for
 * a low-latency app the agent's answer to its request. */
static void topo_app_class(struct topo *t, const struct scn *s, size_t i,
			   long h)
{
	struct topo_sw *w;
	double rate;
	int sc;

	if (h < 0 || !t->sw[h].mux)
		return;
	w = &t->sw[h];
	sc = mux_class_of(topo_app_str(t, s, i, "service_class"));
	mux_set_app(w->mux, (uint32_t)i, false,
		    sc < 0 ? MUX_SC_BE : (enum mux_class)sc);
	if (!w->agent || strcmp(topo_app_str(t, s, i, "class"), "low_latency"))
		return;
	rate = topo_double(s, t, i, "ll_rate");
	agent_request(w->agent, (uint32_t)i,
		      rate > 0 ? rate : app_rate_bps(t->apps[i]));
}

/* Frames waiting in the switch ports other than host h's own. */
static uint64_t topo_port_backlog(const struct topo *t, size_t h)
{
	uint64_t n = 0;

	for (size_t i = 0; t->ports && i < t->nhosts; i++)
		n += i != h ? link_backlog(t->ports[i]) : 0;
	return n;
}

static void topo_adv_sample(void *arg, struct adv_sample *out)
{
	struct topo_sw *w = arg;
	struct topo *t = w->t;
	double cap = nic_rate(t->nics[w->host]);

	for (size_t h = 0; t->ports && h < t->nhosts; h++)
		if (h != w->host && link_rate(t->ports[h]) < cap)
			cap = link_rate(t->ports[h]);
	out->capacity_bps = cap;
	nic_tx_sent(t->nics[w->host], &out->tx_bytes, &out->tx_pkts);
	out->queue_pkts = nic_tx_backlog(t->nics[w->host]) +
			  drv_tx_backlog(t->drvs[w->host]) +
			  (w->mux ? mux_backlog(w->mux) : 0) +
			  topo_port_backlog(t, w->host);
}

static void topo_adv_deliver(void *arg, const struct adv_report *r)
{
	app_on_advisory(arg, r->capacity_bps);
}

static void topo_rate_changed(void *arg)
{
	struct topo *t = arg;
	sim_time now = sim_now(t->sim);

	if (t->rate_changed_ps == now + 1)
		return; /* every port steps at once: one report */
	t->rate_changed_ps = now + 1;
	for (size_t h = 0; h < t->nhosts; h++)
		if (t->sw[h].adv)
			adv_changed(t->sw[h].adv);
}

/* Classes at the multiplexers, and advisories for adaptive apps. */
static int topo_lowlat(struct topo *t, struct sim *sim, struct stats *st,
		       const struct scn *s)
{
	char pre[160];

	for (size_t i = 0; i < t->napps; i++) {
		struct topo_sw *w;

		topo_app_class(t, s, i, t->app_host[i]);
		if (app_is_rpc(t->apps[i]))
			topo_app_class(t, s, i, t->app_peer[i]);
		if (!app_wants_advisories(t->apps[i]) || t->app_host[i] < 0)
			continue;
		w = &t->sw[t->app_host[i]];
		snprintf(pre, sizeof(pre), "hosts.%s",
			 t->hosts[t->app_host[i]]);
		if (!w->adv &&
		    (!(w->adv_name = topo_strf("%s.advisory%s", pre, "")) ||
		     adv_create(sim, st, s, pre, w->adv_name, topo_adv_sample,
				w, &w->adv)))
			return -ENOMEM;
		if (adv_subscribe(w->adv, topo_adv_deliver, t->apps[i]))
			return -ENOMEM;
	}
	for (size_t h = 0; t->ports && h < t->nhosts; h++)
		link_on_rate(t->ports[h], topo_rate_changed, t);
	return 0;
}

/* The software paths of the hosts, and every stacked app's ends. */
static int topo_stacks(struct topo *t, struct sim *sim, struct stats *st,
		       const struct scn *s, uint32_t rep, char *err,
		       size_t errlen)
{
	int rc;

	for (size_t h = 0; h < t->nhosts; h++)
		if (topo_host_needs_sw(t, h) &&
		    topo_software(t, sim, st, s, rep, h))
			return -ENOMEM;
	for (size_t i = 0; i < t->napps; i++) {
		if (t->stack[i] == STK_NONE)
			continue;
		rc = topo_app_ends(t, sim, st, s, i, err, errlen);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < t->napps; i++) {
		const char *v = topo_app_str(t, s, i, "forge_victim");
		long victim = *v ? topo_find_app(t, v) : -1;

		if (victim >= 0 && t->ends[2 * i] && t->ends[2 * victim])
			stk_set_victim(t->ends[2 * i], t->ends[2 * victim]);
	}
	return 0;
}

static int topo_build(struct topo *t, struct sim *sim, struct stats *st,
		      const struct scn *s, uint32_t rep, char *err,
		      size_t errlen)
{
	size_t na, nh;
	int rc;

	t->sim = sim;
	t->napps = scn_instances(s, "apps", &t->names);
	t->nhosts = scn_instances(s, "hosts", &t->hosts);
	na = t->napps ? t->napps : 1;
	nh = t->nhosts ? t->nhosts : 1;
	t->pool = pkt_pool_create();
	t->apps = calloc(na, sizeof(*t->apps));
	t->app_host = calloc(na, sizeof(*t->app_host));
	t->app_peer = calloc(na, sizeof(*t->app_peer));
	t->hosted = calloc(na, sizeof(*t->hosted));
	t->stack = calloc(na, sizeof(*t->stack));
	t->paths = calloc(na, sizeof(*t->paths));
	t->ends = calloc(2 * na, sizeof(*t->ends));
	t->end_names = calloc(2 * na, sizeof(*t->end_names));
	t->sw = calloc(nh, sizeof(*t->sw));
	if (!t->pool || !t->apps || !t->app_host || !t->app_peer ||
	    !t->hosted || !t->stack || !t->paths || !t->ends || !t->end_names ||
	    !t->sw)
		return -ENOMEM;
	rc = topo_apps_hosts(t, s, err, errlen);
	if (!rc)
		rc = topo_apps_stacks(t, s, err, errlen);
	if (!rc)
		rc = topo_network(t, sim, st, s, rep, err, errlen);
	if (!rc)
		rc = topo_hosts(t, sim, st, s, rep, err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < t->napps; i++) {
		rc = app_create(sim, st, t->pool, s, t->names[i], (uint32_t)i,
				rep, &t->apps[i], err, errlen);
		if (rc)
			return rc;
		app_connect(
			t->apps[i],
			t->hosted[i]
				? (struct
				   sim_port){ .recv = topo_dev_tx,
					      .owner = &t->sw[t->app_host[i]] }
				: topo_net_input(t));
	}
	rc = topo_stacks(t, sim, st, s, rep, err, errlen);
	return rc ? rc : topo_lowlat(t, sim, st, s);
}

static int topo_start(struct topo *t)
{
	for (size_t i = 0; i < t->napps; i++)
		if (app_start(t->apps[i]))
			return -ENOMEM;
	return 0;
}

/* The CPU per packet delivered, over the hosts with stacks: cpu.ACCT
 * cpu.per_packet for each account and cpu.driver for their drivers (which
 * model their own cores), and under cpu: per_packet (all of them),
 * syscalls_per_packet, copies_per_packet, wakeups_per_packet and
 * ctxsw_per_packet. */
static void topo_finish_cpu(struct topo *t, struct stats *st)
{
	static const struct {
		enum cpu_acct a;
		const char *metric;
	} counts[] = { { CPU_A_SYSCALL, "syscalls_per_packet" },
		       { CPU_A_COPY, "copies_per_packet" },
		       { CPU_A_WAKEUP, "wakeups_per_packet" },
		       { CPU_A_CTXSW, "ctxsw_per_packet" } };
	double pkts = 0, total = 0, drv = 0;
	char comp[64];
	bool any = false;

	for (size_t i = 0; i < t->napps; i++)
		if (t->stack[i] != STK_NONE)
			pkts += (double)sink_received(t->sink, i);
	for (size_t h = 0; h < t->nhosts; h++)
		if (t->sw[h].cpu) {
			cpu_finish(t->sw[h].cpu);
			any = true;
		}
	if (!any || pkts == 0)
		return;
	for (int a = 0; a < CPU_NACCTS; a++) {
		double ps = 0;

		for (size_t h = 0; h < t->nhosts; h++)
			if (t->sw[h].cpu)
				ps += (double)cpu_acct_time(t->sw[h].cpu, a);
		total += ps;
		snprintf(comp, sizeof(comp), "cpu.%s", cpu_acct_name(a));
		stats_scalar(st, comp, "cpu.per_packet", "ps", ps / pkts);
	}
	for (size_t h = 0; h < t->nhosts; h++)
		if (t->sw[h].cpu)
			drv += (double)drv_busy(t->drvs[h]);
	stats_scalar(st, "cpu.driver", "cpu.per_packet", "ps", drv / pkts);
	stats_scalar(st, "cpu", "per_packet", "ps", (total + drv) / pkts);
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		double n = 0;

		for (size_t h = 0; h < t->nhosts; h++)
			if (t->sw[h].cpu)
				n += (double)cpu_acct_count(t->sw[h].cpu,
							    counts[k].a);
		stats_scalar(st, "cpu", counts[k].metric, "", n / pkts);
	}
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
	for (size_t h = 0; t->ports && h < t->nhosts; h++)
		link_finish(t->ports[h]);
	for (size_t i = 0; i < t->nhosts; i++) {
		if (t->sw[i].mem)
			hostmem_finish(t->sw[i].mem);
		if (t->sw[i].mux)
			mux_finish(t->sw[i].mux);
		if (t->sw[i].agent)
			agent_finish(t->sw[i].agent);
		nic_finish(t->nics[i]);
		drv_finish(t->drvs[i]);
		down += drv_host_down(t->drvs[i]);
	}
	for (size_t i = 0; i < t->napps; i++) {
		uint32_t src = (uint32_t)i;
		uint64_t held = t->link ? link_held_by(t->link, src)
					: ns3net_held_by(t->ns3net, src);

		for (size_t h = 0; t->ports && h < t->nhosts; h++)
			held += link_held_by(t->ports[h], src);
		for (size_t h = 0; h < t->nhosts; h++)
			held += nic_held_by(t->nics[h], src) +
				drv_held_by(t->drvs[h], src) +
				(t->sw[h].fsw ? fsw_held_by(t->sw[h].fsw, src)
					      : 0) +
				(t->sw[h].mux ? mux_held_by(t->sw[h].mux, src)
					      : 0);
		for (size_t e = 2 * i; e < 2 * i + 2; e++)
			held += t->ends[e] ? stk_held_by(t->ends[e], src) : 0;
		snprintf(comp, sizeof(comp), "apps.%s", t->names[i]);
		stats_scalar(st, comp, "in_flight", "packets", (double)held);
	}
	stats_scalar(st, "sim", "packets_in_use", "packets",
		     (double)pkt_in_use(t->pool));
	topo_finish_cpu(t, st);
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
