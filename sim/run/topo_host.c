/*
 * topo_host.c - what runs on a host above its driver: the cores, the
 * stacks of the apps' ends and their channels, the flow switch, the
 * packet pools, the multiplexer and its agent, and interface advisories
 * (models/cpu.c, stack.c, channel.c, flowswitch.c, netif.c, pool.c,
 * mux.c, agent.c, advisory.c describe the models; this file wires them).
 *
 * Each app with a stack has an end on its host and one on its peer, each
 * on a core of its own; a host with such an end gets kernel cores, a flow
 * switch and an in-kernel stack. Flows are 5-tuples from the hosts'
 * addresses (10.0.0.h+1) and the app's index (ports 10000 + i on its
 * host, 20000 + i on its peer, UDP). A host with a multiplexer also has
 * a low-latency netif path, which its user-space stacks take while their
 * app is in the low-latency lane. What leaves the software path (the flow
 * switch or the netif path) goes through the agent's policing and the
 * multiplexer (if the host has them) to the driver.
 *
 * The cores, flow switch and in-kernel stack of a host and every end's
 * stack are created from their configs (cpu_cfg_load(), fsw_cfg_load(),
 * stk_cfg_load() and, for a user-space stack, chan_cfg_load()) and kept
 * by the topology (topo_keep()), which finishes and destroys them. An
 * end's stack, channel and TCP settings are its host's (hosts.HOST), or
 * the stack profile its app names (stacks.PROFILE, apps.*.profile).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advisory.h"
#include "agent.h"
#include "app.h"
#include "cpu.h"
#include "cpubg.h"
#include "driver.h"
#include "errmsg.h"
#include "flowswitch.h"
#include "hostmem.h"
#include "link.h"
#include "mux.h"
#include "netif.h"
#include "nic.h"
#include "ns3net.h"
#include "pkt.h"
#include "scenario.h"
#include "sink.h"
#include "stack.h"
#include "stats.h"
#include "tcp.h"
#include "topo.h"

/* The real-time priority of kernel context: the work of the kernel cores
 * (flow switch, in-kernel stack, kernel driver, reaper) runs above every
 * user thread that shares a kernel core, as softirq processing runs on
 * interrupt exit before the interrupted thread resumes (Linux
 * Documentation/networking/napi.rst; kernel/softirq.c); 99 is the top of
 * Linux's real-time priorities (sched(7): 1 to 99). */
#define TOPO_KERNEL_PRIO 99u

/* The drivers and NICs of the hosts, and the route of each app's packets
 * out of the network: the peer's NIC RX, or the sink. */
char *topo_strf(const char *fmt, const char *a, const char *b)
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
void topo_dev_tx(void *owner, struct sim_pkt *p)
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
	struct stk_events one = { .expired = 1,
				  .expired_dropped = dropped,
				  .latest_created_ps = p->created_ps };

	if (!e || stk_post_expired(e, p, origin, dropped) == -ENOTSUP)
		app_on_events(t->apps[p->src], &one);
}

/* p, which its host's multiplexer counted in the device's queue, has
 * left that device or was dropped on its way: the multiplexer is told. */
void topo_device_done(void *arg, struct sim_pkt *p)
{
	struct topo *t = arg;
	long h;

	if (!p->dq_bytes || p->src >= t->napps)
		return;
	h = p->kind == PKT_RESPONSE ? t->app_peer[p->src] : t->app_host[p->src];
	if (h >= 0 && t->sw[h].mux)
		mux_completed(t->sw[h].mux, p);
}

/* A frame has left host w's NIC: its TX completion for the multiplexer
 * (when the NIC is the device: the native network), and a transmit
 * status event for its sender's channel if it asked for one. */
static void topo_sent(void *arg, struct sim_pkt *p)
{
	struct topo_sw *w = arg;
	struct stk *e;

	if (!w->t->ns3net)
		topo_device_done(w->t, p);
	if (!p->want_status) /* the ends' array is not read per packet */
		return;
	e = w->t->ends[2 * p->src + (p->kind == PKT_RESPONSE)];
	if (e)
		stk_post_status(e, p);
}

static void topo_app_events(void *arg, const struct stk_events *ev)
{
	app_on_events(arg, ev);
}

/* A message with a new grant reached app src: it scales its rate. */
static void topo_agent_grant(void *arg, uint32_t src, double grant_bps,
			     double asked_bps)
{
	struct topo *t = arg;

	app_on_grant(t->apps[src], grant_bps, asked_bps);
}

/* Host i's agent, for its multiplexer w->mux (reserved_share), whose
 * share is of the NIC's rate. */
static int topo_agent(struct topo *t, size_t i, const char *pre, char *err,
		      size_t errlen)
{
	struct topo_sw *w = &t->sw[i];
	struct model_env env;
	struct agent_cfg cfg;
	int rc = agent_cfg_load(&cfg, &t->src, pre, err, errlen);

	if (rc)
		return rc;
	w->agent_name = topo_strf("hosts.%s.agent%s", t->hosts[i], "");
	if (!w->agent_name)
		return -ENOMEM;
	env = topo_env(t, w->agent_name);
	rc = agent_create(&cfg, &env, w->mux, nic_rate(t->nics[i]),
			  (uint32_t)t->napps, (const char *const *)t->app_names,
			  &w->agent, err, errlen);
	if (rc)
		return rc;
	agent_on_grant(w->agent, topo_agent_grant, t);
	return topo_keep(t, &agent_ops, w->agent);
}

/* Host i's multiplexer (and agent), and the deadline hooks of its driver
 * and NIC. The multiplexer paces to the NIC's line, which its
 * configuration reads. */
int topo_mux(struct topo *t, size_t i, char *err, size_t errlen)
{
	struct topo_sw *w = &t->sw[i];
	char pre[160];
	struct model_env env;
	struct mux_cfg cfg;
	int rc;

	drv_on_expired(t->drvs[i], topo_expired, w);
	nic_on_sent(t->nics[i], topo_sent, w);
	w->mux_in = w->drv_in;
	snprintf(pre, sizeof(pre), "hosts.%s", t->hosts[i]);
	rc = mux_cfg_load(&cfg, &t->src, pre, err, errlen);
	if (rc || cfg.disc == MUX_NONE)
		return rc;
	w->mux_name = topo_strf("hosts.%s.mux%s", t->hosts[i], "");
	if (!w->mux_name)
		return -ENOMEM;
	env = topo_env(t, w->mux_name);
	rc = mux_create(&cfg, &env, (uint32_t)t->napps, &w->mux, err, errlen);
	if (!rc)
		rc = topo_keep(t, &mux_ops, w->mux);
	if (rc)
		return rc;
	mux_connect(w->mux, w->drv_in, sink_drop_input(t->sink));
	mux_on_expired(w->mux, topo_expired, w);
	w->mux_in = mux_input(w->mux);
	if (cfg.disc != MUX_RESERVED_SHARE)
		return 0;
	return topo_agent(t, i, pre, err, errlen);
}

static bool topo_host_needs_sw(const struct topo *t, size_t h)
{
	for (size_t i = 0; i < t->napps; i++)
		if (t->stack[i] != STK_NONE &&
		    (t->app_host[i] == (long)h || t->app_peer[i] == (long)h))
			return true;
	return false;
}

/* The cores host h will have (topo_software(), topo_end()): its kernel
 * cores and one per app end on it; none without a software path. */
static uint32_t topo_host_cores(const struct topo *t, const struct scn *s,
				size_t h)
{
	char path[192];
	uint32_t n;

	if (!topo_host_needs_sw(t, h))
		return 0;
	snprintf(path, sizeof(path), "hosts.%s.cpu.kernel_cores", t->hosts[h]);
	n = (uint32_t)scn_int(s, path);
	for (size_t i = 0; i < t->napps; i++)
		if (t->stack[i] != STK_NONE)
			n += (t->app_host[i] == (long)h) +
			     (t->app_peer[i] == (long)h);
	return n;
}

/* Host i's memory and pools; its NIC takes buffers from the device pool.
 * The pools have a magazine for each of the host's cores. */
int topo_memory(struct topo *t, const struct scn *s, size_t i, char *err,
		size_t errlen)
{
	struct topo_sw *w = &t->sw[i];
	struct hostmem_cfg cfg;
	struct model_env env;
	char pre[160];
	int rc;

	w->drv_in = drv_tx_input(t->drvs[i]);
	snprintf(pre, sizeof(pre), "hosts.%s", t->hosts[i]);
	rc = hostmem_cfg_load(&cfg, &t->src, pre, err, errlen);
	if (rc || !cfg.modelled)
		return rc;
	env = topo_env(t, pre); /* hostmem copies it */
	rc = hostmem_create(&cfg, &env, topo_host_cores(t, s, i), &w->mem, err,
			    errlen);
	if (!rc)
		rc = topo_keep(t, &hostmem_ops, w->mem);
	if (rc)
		return rc;
	w->no_memory = stats_counter(t->st, t->drv_names[i], "drops.no_memory",
				     "packets");
	if (!w->no_memory)
		return -ENOMEM;
	nic_set_pool(t->nics[i], hostmem_device(w->mem));
	return 0;
}

/* The address of host h (10.0.0.h+1) and the ports of app i's flow. */
#define TOPO_ADDR(h) (0x0a000001u + (uint32_t)(h))
#define TOPO_CPORT(i) ((uint16_t)(10000u + (i)))
#define TOPO_SPORT(i) ((uint16_t)(20000u + (i)))

/* "file:line:col: key: msg" in err, for apps.NAME.key; returns -EINVAL. */
static int topo_app_error(const struct topo *t, size_t i, const char *key,
			  const char *msg, char *err, size_t errlen)
{
	char where[256];

	param_where(&t->src, t->app_names[i], key, where, sizeof(where));
	errmsg(err, errlen, "%s: %s: %s", where, key, msg);
	return -EINVAL;
}

static long topo_find_app(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->napps; i++)
		if (!strcmp(t->names[i], name))
			return (long)i;
	return -1;
}

/* Every app's stack and path (app_cfg_load() has checked what goes with
 * the stack), and the victim of a replaying app: another app with a
 * user-space stack on the same host, declared before it. */
int topo_apps_stacks(struct topo *t, char *err, size_t errlen)
{
	for (size_t i = 0; i < t->napps; i++) {
		const struct app_cfg *c = &t->app_cfgs[i];
		const char *victim = c->forge_victim;
		long v;

		t->stack[i] = (uint8_t)stk_kind_of(c->stack);
		t->paths[i] = t->stack[i] != STK_NONE ? SINK_STACK
			      : t->hosted[i]	      ? SINK_HOST
						      : SINK_BARE;
		if (c->forge != PKT_FORGE_REPLAY && c->forge >= 0)
			continue; /* neither replay nor mix */
		v = topo_find_app(t, victim);
		if (v < 0 || (size_t)v == i || t->stack[v] != STK_USER ||
		    t->app_host[v] != t->app_host[i])
			return topo_app_error(
				t, i, *victim ? "forge_victim" : "forge",
				"replay and mix need forge_victim: another app with stack: user on the same host",
				err, errlen);
	}
	return 0;
}

/* What waits to leave host w: its driver's TX queue and NIC TX ring (the
 * flow switch's measure for flow advisories). */
static uint32_t topo_tx_backlog(const void *arg)
{
	const struct topo_sw *w = arg;

	return drv_tx_backlog(w->drv) + nic_tx_backlog(w->nic);
}

/* Host h's low-latency netif path (with a multiplexer, whose low-latency
 * lane it feeds), kept by the topology: its packets leave the software
 * path as the flow switch's do. */
static int topo_netif(struct topo *t, size_t h, char *err, size_t errlen)
{
	struct topo_sw *w = &t->sw[h];
	struct model_env env;
	struct netif_cfg cfg;
	int rc;

	if (!w->mux)
		return 0;
	w->netif_name = topo_strf("hosts.%s.netif%s", t->hosts[h], "");
	if (!w->netif_name)
		return -ENOMEM;
	rc = netif_cfg_load(&cfg, &t->src, w->netif_name, err, errlen);
	if (rc)
		return rc;
	env = topo_env(t, w->netif_name);
	rc = netif_create(&cfg, &env, w->cpu, &w->netif, err, errlen);
	if (!rc)
		rc = topo_keep(t, &netif_ops, w->netif);
	if (rc)
		return rc;
	netif_connect(w->netif,
		      (struct sim_port){ .recv = topo_tx, .owner = w },
		      sink_drop_input(t->sink));
	netif_set_mux(w->netif, w->mux);
	if (w->mem)
		netif_set_pool(w->netif, hostmem_device(w->mem));
	return 0;
}

/* Host h's cores, flow switch, low-latency netif path and in-kernel
 * stack, each kept by the topology. */
static int topo_software(struct topo *t, size_t h, char *err, size_t errlen)
{
	struct topo_sw *w = &t->sw[h];
	char pre[160], core[32];
	struct model_env env;
	struct cpu_cfg cc;
	struct fsw_cfg fc;
	struct stk_cfg sc;
	int rc;

	w->cpu_name = topo_strf("hosts.%s.cpu%s", t->hosts[h], "");
	w->fsw_name = topo_strf("hosts.%s.flowswitch%s", t->hosts[h], "");
	if (!w->cpu_name || !w->fsw_name)
		return -ENOMEM;
	snprintf(pre, sizeof(pre), "hosts.%s.stack", t->hosts[h]);
	rc = cpu_cfg_load(&cc, &t->src, w->cpu_name, err, errlen);
	if (!rc)
		rc = fsw_cfg_load(&fc, &t->src, w->fsw_name, err, errlen);
	if (!rc)
		rc = stk_cfg_load(&sc, &t->src, pre, err, errlen);
	if (rc)
		return rc;
	w->nk = cc.kernel_cores;
	w->kcores = calloc(w->nk, sizeof(*w->kcores));
	if (!w->kcores)
		return -ENOMEM;
	env = topo_env(t, w->cpu_name);
	rc = cpu_create(&cc, &env, &w->cpu, err, errlen);
	if (!rc)
		rc = topo_keep(t, &cpu_ops, w->cpu);
	if (rc)
		return rc;
	for (unsigned k = 0; k < w->nk; k++) {
		snprintf(core, sizeof(core), "kernel%u", k);
		w->kcores[k] = cpu_add_core(w->cpu, CPU_DOM_KERNEL, core);
		if (!w->kcores[k] ||
		    cpu_core_default_class(w->kcores[k], CPU_CLASS_RT,
					   TOPO_KERNEL_PRIO))
			return -ENOMEM;
	}
	env = topo_env(t, w->fsw_name);
	rc = fsw_create(&fc, &env, w->cpu, w->kcores, w->nk, &w->fsw, err,
			errlen);
	if (!rc)
		rc = topo_keep(t, &fsw_ops, w->fsw);
	if (!rc)
		rc = stk_host_create(&sc, &w->kh, err, errlen);
	if (!rc)
		rc = topo_keep(t, &stk_host_ops, w->kh);
	if (rc)
		return rc;
	fsw_connect(w->fsw, (struct sim_port){ .recv = topo_tx, .owner = w },
		    sink_drop_input(t->sink));
	fsw_set_mux(w->fsw, w->mux);
	fsw_set_host(w->fsw, stk_host_endpoint(w->kh));
	if (w->mem) {
		fsw_set_pool(w->fsw, hostmem_device(w->mem));
		/* the pool reaper is a kernel thread of the host */
		if (w->nk)
			hostmem_set_core(w->mem, w->cpu, w->kcores[0]);
	}
	fsw_set_backlog(w->fsw, topo_tx_backlog, w, nic_tx_slots(w->nic));
	w->fsw_in = fsw_rx_input(w->fsw);
	return topo_netif(t, h, err, errlen);
}

/* Where the settings of app i's ends on host h are read, prefix of
 * .stack, .channel and .tcp: its profile's (stacks.PROFILE), or the
 * host's (hosts.HOST) without one (app_cfg_load() has checked the profile
 * is declared). */
static void topo_end_settings(const struct topo *t, size_t i, size_t h,
			      char *pre, size_t n)
{
	const char *profile = t->app_cfgs[i].profile;

	if (*profile)
		snprintf(pre, n, "stacks.%s", profile);
	else
		snprintf(pre, n, "hosts.%s", t->hosts[h]);
}

/* The configuration of app i's end on host h: its stack's, and a
 * user-space stack's channel. */
static int topo_end_cfg(const struct topo *t, size_t i, size_t h,
			enum stk_kind kind, struct stk_cfg *cfg, char *err,
			size_t errlen)
{
	char base[128], pre[160];
	int rc;

	topo_end_settings(t, i, h, base, sizeof(base));
	snprintf(pre, sizeof(pre), "%s.stack", base);
	rc = stk_cfg_load(cfg, &t->src, pre, err, errlen);
	if (rc || kind != STK_USER)
		return rc;
	snprintf(pre, sizeof(pre), "%s.channel", base);
	return chan_cfg_load(&cfg->chan, &t->src, pre, err, errlen);
}

/* App i's end on host h (its own host if peer is false), kept by the
 * topology. */
static int topo_end(struct topo *t, const struct scn *s, size_t i, bool peer,
		    char *err, size_t errlen)
{
	size_t h = (size_t)(peer ? t->app_peer[i] : t->app_host[i]);
	size_t o = (size_t)(peer ? t->app_host[i] : t->app_peer[i]);
	struct topo_sw *w = &t->sw[h];
	struct flow_key k = { .laddr = TOPO_ADDR(h),
			      .raddr = TOPO_ADDR(o),
			      .lport = peer ? TOPO_SPORT(i) : TOPO_CPORT(i),
			      .rport = peer ? TOPO_CPORT(i) : TOPO_SPORT(i),
			      .proto = t->app_cfgs[i].tcp ? FLOW_PROTO_TCP
							  : FLOW_PROTO_UDP };
	enum stk_kind kind = (enum stk_kind)t->stack[i];
	char core[160];
	struct model_env env;
	struct stk_cfg cfg;
	struct cpu_core *c;
	struct pool *pool;
	size_t e = 2 * i + peer;
	int rc;

	snprintf(core, sizeof(core), "app.%s", t->names[i]);
	t->end_names[e] =
		topo_strf("hosts.%s.stack.%s", t->hosts[h], t->names[i]);
	c = cpu_add_core(w->cpu, CPU_DOM_USER, core);
	if (!t->end_names[e] || !c)
		return -ENOMEM;
	rc = topo_end_cfg(t, i, h, kind, &cfg, err, errlen);
	if (rc)
		return rc;
	env = topo_env(t, t->end_names[e]);
	rc = stk_create(&cfg, &env, kind, w->cpu, c, w->fsw, w->kh, &k,
			(uint32_t)i, &t->ends[e], err, errlen);
	if (rc && rc != -ENOMEM && rc != -EINVAL)
		snprintf(err, errlen,
			 "%s: app %s: cannot register its flow (%s)",
			 scn_path(s), t->names[i], strerror(-rc));
	if (!rc)
		rc = topo_keep(t, &stk_ops, t->ends[e]);
	if (!rc)
		stk_set_netif(t->ends[e], w->netif);
	if (!rc && w->mem && t->stack[i] == STK_KERNEL)
		stk_set_memory(t->ends[e], hostmem_memory(w->mem));
	if (rc || !w->mem || t->stack[i] != STK_USER)
		return rc;
	rc = hostmem_channel_pool(w->mem, t->names[i], &pool, err, errlen);
	if (!rc)
		stk_set_pool(t->ends[e], pool);
	return rc;
}

/* App i's TCP endpoint on host h (its own host if server is false), with
 * the TCP parameters of its profile or else of that host, kept by the
 * topology. */
static int topo_tcp(struct topo *t, size_t i, bool server, struct tcp **out,
		    char *err, size_t errlen)
{
	size_t h = (size_t)(server ? t->app_peer[i] : t->app_host[i]);
	char base[128], pre[160];
	struct model_env env;
	struct tcp_cfg cfg;
	char **name = &t->tcp_names[2 * i + server];
	int rc;

	topo_end_settings(t, i, h, base, sizeof(base));
	snprintf(pre, sizeof(pre), "%s.tcp", base);
	rc = tcp_cfg_load(&cfg, &t->src, pre, err, errlen);
	if (rc)
		return rc;
	*name = topo_strf("hosts.%s.tcp.%s", t->hosts[h], t->names[i]);
	if (!*name)
		return -ENOMEM;
	env = topo_env(t, *name);
	rc = tcp_create(&cfg, &env, t->pool, (uint32_t)i, out, err, errlen);
	return rc ? rc : topo_keep(t, &tcp_ops, *out);
}

static bool topo_tcp_room(void *stk)
{
	return stk_tx_room(stk);
}

static void topo_tcp_kick(void *tcp)
{
	tcp_kick(tcp);
}

static void topo_tcp_mem(void *stk, sim_time ps)
{
	stk_add_mem_cost(stk, ps);
}

static int topo_tcp_sb_take(void *stk, uint32_t bytes)
{
	return stk_sndbuf_take(stk, bytes);
}

static void topo_tcp_sb_give(void *stk, uint32_t bytes)
{
	stk_sndbuf_give(stk, bytes);
}

/* App i over TCP: a client endpoint behind its stack end me, a server
 * behind peer; each sends new data only while its stack has room. */
static int topo_app_tcp(struct topo *t, size_t i, struct stk *me,
			struct stk *peer, char *err, size_t errlen)
{
	struct app *a = t->apps[i];
	struct tcp *client, *server;
	int rc;

	rc = topo_tcp(t, i, false, &client, err, errlen);
	if (!rc)
		rc = topo_tcp(t, i, true, &server, err, errlen);
	if (rc)
		return rc;
	stk_connect(me, app_tcp_input(a, false), sink_drop_input(t->sink));
	stk_connect(peer, app_tcp_input(a, true), sink_drop_input(t->sink));
	app_connect_tcp(a, client, stk_tx_input(me), server, stk_tx_input(peer),
			t->sink);
	app_set_tls_records(a, stk_config(me)->tls_record_bytes,
			    stk_config(peer)->tls_record_bytes);
	tcp_set_gate(client, topo_tcp_room, me);
	tcp_set_gate(server, topo_tcp_room, peer);
	stk_on_tx_room(me, topo_tcp_kick, client);
	stk_on_tx_room(peer, topo_tcp_kick, server);
	/* the in-kernel stack counts its send buffer in its socket's */
	if (t->stack[i] == STK_KERNEL) {
		tcp_set_send_account(client, topo_tcp_sb_take, topo_tcp_sb_give,
				     me);
		tcp_set_send_account(server, topo_tcp_sb_take, topo_tcp_sb_give,
				     peer);
	}
	/* a user-space stack keeps its send buffer in the channel's pool */
	if (stk_pool(me))
		tcp_set_send_pool(client, stk_pool(me), stk_cpu_index(me),
				  topo_tcp_mem, me);
	if (stk_pool(peer))
		tcp_set_send_pool(server, stk_pool(peer), stk_cpu_index(peer),
				  topo_tcp_mem, peer);
	return 0;
}

/* Connects app i through its ends (if it has a stack). */
static int topo_app_ends(struct topo *t, const struct scn *s, size_t i,
			 char *err, size_t errlen)
{
	struct app *a = t->apps[i];
	struct stk *me, *peer;
	bool rpc = app_is_rpc(a);
	int rc;

	rc = topo_end(t, s, i, false, err, errlen);
	if (!rc)
		rc = topo_end(t, s, i, true, err, errlen);
	if (rc)
		return rc;
	me = t->ends[2 * i];
	peer = t->ends[2 * i + 1];
	if (app_is_tcp(a)) {
		rc = topo_app_tcp(t, i, me, peer, err, errlen);
		if (rc)
			return rc;
		rpc = false;
	} else {
		stk_connect(me,
			    rpc ? app_response_input(a) : sink_input(t->sink),
			    sink_drop_input(t->sink));
		stk_connect(peer,
			    rpc ? app_request_input(a) : sink_input(t->sink),
			    sink_drop_input(t->sink));
	}
	app_connect(a, stk_tx_input(me));
	/* events are posted by kernel work: the host's first kernel core
	 * pays the wakeups */
	stk_on_events(me, topo_app_events, a);
	stk_on_events(peer, topo_app_events, a);
	stk_set_waker(me, t->sw[t->app_host[i]].kcores[0]);
	stk_set_waker(peer, t->sw[t->app_peer[i]].kcores[0]);
	stk_set_drop_stale(me, app_reaction_of(a) == APP_REACT_DROP_STALE);
	if (rpc)
		app_connect_rpc(a, stk_tx_input(peer), t->sink);
	return stk_close_at(me, t->app_cfgs[i].close_at_ps);
}

/* App i's packets at host h's multiplexer: their service class, and for
 * a low-latency app its request to the agent, sent when it starts, and
 * its release when it stops (stop, or its flow's close_at). */
static int topo_app_class(struct topo *t, size_t i, long h)
{
	const struct app_cfg *c = &t->app_cfgs[i];
	struct topo_sw *w;
	sim_time stop = c->stop_ps;
	double rate;
	int sc;

	if (h < 0 || !t->sw[h].mux)
		return 0;
	w = &t->sw[h];
	sc = mux_class_of(c->service_class);
	mux_set_app(w->mux, (uint32_t)i, false,
		    sc < 0 ? MUX_SC_BE : (enum mux_class)sc);
	if (!w->agent || !c->low_latency)
		return 0;
	rate = c->ll_rate_bps;
	if (c->close_at_ps && (!stop || c->close_at_ps < stop))
		stop = c->close_at_ps;
	return agent_ask(w->agent, (uint32_t)i,
			 rate > 0 ? rate : app_rate_bps(t->apps[i]),
			 c->ll_entitled, t->app_host[i] == h, c->start_ps,
			 stop);
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
	struct ns3net_quality q;

	for (size_t h = 0; t->ports && h < t->nhosts; h++)
		if (h != w->host && link_rate(t->ports[h]) < cap)
			cap = link_rate(t->ports[h]);
	if (t->ns3net && ns3net_rate(t->ns3net) > 0 &&
	    ns3net_rate(t->ns3net) < cap)
		cap = ns3net_rate(t->ns3net); /* Wi-Fi: its data rate now */
	out->capacity_bps = cap;
	if (t->ns3net && ns3net_quality(t->ns3net, &q)) {
		out->wifi = true;
		out->snr_db = q.snr_db;
		out->tx_frames = q.tx_frames;
		out->retries = q.retries;
	}
	nic_tx_sent(t->nics[w->host], &out->tx_bytes, &out->tx_pkts);
	out->queue_pkts = nic_tx_backlog(t->nics[w->host]) +
			  drv_tx_backlog(t->drvs[w->host]) +
			  (w->mux ? mux_backlog(w->mux) : 0) +
			  topo_port_backlog(t, w->host) +
			  (t->ns3net ? ns3net_backlog(t->ns3net) : 0);
}

static void topo_adv_deliver(void *arg, const struct adv_report *r)
{
	app_on_advisory(arg, r->capacity_bps);
}

static void topo_agent_adv(void *arg, const struct adv_report *r)
{
	agent_capacity(arg, r->capacity_bps);
}

static void topo_rate_report(struct sim *sim, void *a, void *b)
{
	struct topo *t = a;

	(void)sim;
	(void)b;
	for (size_t h = 0; h < t->nhosts; h++)
		if (t->sw[h].adv)
			adv_changed(t->sw[h].adv);
}

/* Every switch port steps at the same time: the advisories report once,
 * after all of them have (an event at the same time, after theirs). */
static void topo_rate_changed(void *arg)
{
	struct topo *t = arg;
	sim_time now = sim_now(t->sim);

	if (t->rate_changed_ps == now + 1)
		return;
	t->rate_changed_ps = now + 1;
	if (!sim_schedule(t->sim, 0, topo_rate_report, t, NULL))
		sim_stop(t->sim);
}

/* Host h's advisories (for its adaptive apps). */
static int topo_advisory(struct topo *t, size_t h, char *err, size_t errlen)
{
	struct topo_sw *w = &t->sw[h];
	struct model_env env;
	struct adv_cfg cfg;
	char pre[160];
	int rc;

	snprintf(pre, sizeof(pre), "hosts.%s", t->hosts[h]);
	rc = adv_cfg_load(&cfg, &t->src, pre, err, errlen);
	if (rc)
		return rc;
	w->adv_name = topo_strf("%s.advisory%s", pre, "");
	if (!w->adv_name)
		return -ENOMEM;
	env = topo_env(t, w->adv_name);
	rc = adv_create(&cfg, &env, topo_adv_sample, w, &w->adv, err, errlen);
	return rc ? rc : topo_keep(t, &adv_ops, w->adv);
}

/* Host h's cores for its agent alone (a host whose apps have no stack
 * has none otherwise). */
static int topo_agent_cpu(struct topo *t, size_t h, char *err, size_t errlen)
{
	struct topo_sw *w = &t->sw[h];
	struct model_env env;
	struct cpu_cfg cc;
	int rc;

	w->cpu_name = topo_strf("hosts.%s.cpu%s", t->hosts[h], "");
	if (!w->cpu_name)
		return -ENOMEM;
	rc = cpu_cfg_load(&cc, &t->src, w->cpu_name, err, errlen);
	if (rc)
		return rc;
	env = topo_env(t, w->cpu_name);
	rc = cpu_create(&cc, &env, &w->cpu, err, errlen);
	return rc ? rc : topo_keep(t, &cpu_ops, w->cpu);
}

/* Host h's agent, if some app asks it: its core (a user-space daemon's,
 * core "agent" of the host's cpu) and the host's advisories. */
static int topo_agent_start(struct topo *t, size_t h, char *err, size_t errlen)
{
	struct topo_sw *w = &t->sw[h];
	struct cpu_core *core;
	int rc = 0;

	if (!w->agent || !agent_has_apps(w->agent))
		return 0;
	if (!w->cpu && (rc = topo_agent_cpu(t, h, err, errlen)))
		return rc;
	core = cpu_add_core(w->cpu, CPU_DOM_USER, "agent");
	if (!core)
		return -ENOMEM;
	agent_set_core(w->agent, core);
	if (!agent_wants_advisories(w->agent))
		return 0;
	if (!w->adv && (rc = topo_advisory(t, h, err, errlen)))
		return rc;
	return adv_subscribe(w->adv, topo_agent_adv, w->agent) ? -ENOMEM : 0;
}

/* Classes at the multiplexers, the agents' apps, and advisories for
 * adaptive apps and agents. */
int topo_lowlat(struct topo *t, char *err, size_t errlen)
{
	int rc;

	for (size_t i = 0; i < t->napps; i++) {
		struct topo_sw *w;

		rc = topo_app_class(t, i, t->app_host[i]);
		if (!rc && app_two_way(t->apps[i]))
			rc = topo_app_class(t, i, t->app_peer[i]);
		if (rc)
			return rc;
		if (!app_wants_advisories(t->apps[i]) || t->app_host[i] < 0)
			continue;
		w = &t->sw[t->app_host[i]];
		rc = w->adv ? 0
			    : topo_advisory(t, (size_t)t->app_host[i], err,
					    errlen);
		if (rc)
			return rc;
		if (adv_subscribe(w->adv, topo_adv_deliver, t->apps[i]))
			return -ENOMEM;
	}
	for (size_t h = 0; h < t->nhosts; h++)
		if ((rc = topo_agent_start(t, h, err, errlen)))
			return rc;
	for (size_t h = 0; t->ports && h < t->nhosts; h++)
		link_on_rate(t->ports[h], topo_rate_changed, t);
	for (size_t h = 0; h < t->nhosts; h++)
		nic_on_rate(t->nics[h], topo_rate_changed, t);
	if (t->ns3net)
		ns3net_on_rate(t->ns3net, topo_rate_changed, t);
	return 0;
}

/* "file:line:col: key: msg" for hosts.HOST.what.key; -EINVAL. */
static int topo_host_error(const struct topo *t, size_t h, const char *what,
			   const char *key, const char *msg, char *err,
			   size_t errlen)
{
	char pre[160], where[256];

	snprintf(pre, sizeof(pre), "hosts.%s.%s", t->hosts[h], what);
	param_where(&t->src, pre, key, where, sizeof(where));
	errmsg(err, errlen, "%s: %s: %s", where, key, msg);
	return -EINVAL;
}

/* Host h's core named name, added to domain dom if no model made it. */
static struct cpu_core *topo_named_core(struct topo_sw *w, const char *name,
					enum cpu_domain dom)
{
	struct cpu_core *c = cpu_core_find(w->cpu, name);

	return c ? c : cpu_add_core(w->cpu, dom, name);
}

/* Host h's driver on its cores: a kernel driver in the kernel context of
 * a kernel core (kernel0 unless driver.core names another), a user driver
 * on a dedicated core of its own ("driver", served by its default thread:
 * it never sleeps) or as thread "driver" of its class on the core
 * driver.core names. The driver's TX jobs pay the doorbell. */
static int topo_driver_cpu(struct topo *t, size_t h, char *err, size_t errlen)
{
	struct topo_sw *w = &t->sw[h];
	const struct drv_cfg *c = drv_config(t->drvs[h]);
	struct cpu_core *core;
	struct cpu_thread *th = NULL;

	if (!c->user) {
		core = *c->core ? cpu_core_find(w->cpu, c->core) : w->kcores[0];
		if (!core || cpu_core_domain(core) != CPU_DOM_KERNEL)
			return topo_host_error(
				t, h, "driver", "core",
				"a kernel driver runs on a kernel core (kernel0 .. kernelN-1 of cpu.kernel_cores)",
				err, errlen);
	} else if (!*c->core) {
		core = topo_named_core(w, "driver", CPU_DOM_DRIVER);
	} else {
		core = topo_named_core(w, c->core, CPU_DOM_DRIVER);
		th = core ? cpu_thread_create(core, "driver",
					      c->rt ? CPU_CLASS_RT
						    : CPU_CLASS_NORMAL,
					      c->prio)
			  : NULL;
		if (!th)
			return -ENOMEM;
	}
	if (!core)
		return -ENOMEM;
	drv_set_cpu(t->drvs[h], core, th, t->nic_cfgs[h].doorbell_ps);
	nic_set_doorbell_paid(t->nics[h], true);
	return 0;
}

/* Where host h's NIC reports received frames on its cores. A user
 * driver with a core of its own polls it: that core spins. Busy polling
 * (rx_mode poll, poll_interval 0) spins the driver's core. Otherwise the
 * NIC's interrupts (or timed polls) are jobs of thread "irq", the
 * interrupt context, on the core nic.irq_core names (the kernel driver's
 * core, kernel0 for a user driver, if empty). */
static int topo_nic_cpu(struct topo *t, size_t h, char *err, size_t errlen)
{
	struct topo_sw *w = &t->sw[h];
	const struct nic_cfg *nc = &t->nic_cfgs[h];
	const struct drv_cfg *dc = drv_config(t->drvs[h]);
	bool busy_poll = nc->poll && !nc->poll_ps;
	struct cpu_core *dcore, *core;
	struct cpu_thread *th;

	if (dc->user)
		dcore = cpu_core_find(w->cpu, *dc->core ? dc->core : "driver");
	else
		dcore = *dc->core ? cpu_core_find(w->cpu, dc->core)
				  : w->kcores[0];
	if (!dcore)
		return -ENOMEM;
	if ((dc->user && !*dc->core) || busy_poll)
		cpu_core_spin(dcore);
	if (busy_poll) {
		if (*nc->irq_core)
			return topo_host_error(
				t, h, "nic", "irq_core",
				"a busy-polling NIC (rx_mode poll, poll_interval 0) raises no interrupts and makes no timed polls",
				err, errlen);
		return 0;
	}
	core = !*nc->irq_core ? (dc->user ? w->kcores[0] : dcore)
			      : cpu_core_find(w->cpu, nc->irq_core);
	if (!core)
		return topo_host_error(
			t, h, "nic", "irq_core",
			"no core of that name on the host (kernel0 .. kernelN-1 of cpu.kernel_cores, or the core a driver or background work names)",
			err, errlen);
	th = cpu_thread_create(core, "irq", CPU_CLASS_IRQ, 0);
	return th ? nic_set_cpu(t->nics[h], th) : -ENOMEM;
}

/* Host h's background work, if it has any (cpu.background.load > 0), on
 * the core cpu.background.core names (kernel0 if none; a name no model
 * used becomes a core of the user domain). */
static int topo_background(struct topo *t, size_t h, char *err, size_t errlen)
{
	struct topo_sw *w = &t->sw[h];
	struct model_env env;
	struct cpu_cfg cc;
	struct cpu_core *core;
	struct cpubg *bg;
	int rc = cpu_cfg_load(&cc, &t->src, w->cpu_name, err, errlen);

	if (rc || cc.bg_load <= 0)
		return rc;
	core = *cc.bg_core ? topo_named_core(w, cc.bg_core, CPU_DOM_USER)
			   : w->kcores[0];
	if (!core)
		return -ENOMEM;
	env = topo_env(t, w->cpu_name);
	rc = cpubg_create(&cc, &env, core, &bg, err, errlen);
	return rc ? rc : topo_keep(t, &cpubg_ops, bg);
}

/* A host without cores (no app with a stack on it) has nothing to place
 * its driver, background work or interrupts on. */
static int topo_no_cores(struct topo *t, size_t h, char *err, size_t errlen)
{
	char pre[160];
	static const char msg[] =
		"the host has no cores to run it on: only hosts with an app that has a stack (apps.*.stack) have cores";

	snprintf(pre, sizeof(pre), "hosts.%s.driver", t->hosts[h]);
	if (param_given(&t->src, pre, "core"))
		return topo_host_error(t, h, "driver", "core", msg, err,
				       errlen);
	snprintf(pre, sizeof(pre), "hosts.%s.cpu", t->hosts[h]);
	if (param_double(&t->src, pre, "background.load") > 0)
		return topo_host_error(t, h, "cpu", "background.load", msg, err,
				       errlen);
	snprintf(pre, sizeof(pre), "hosts.%s.nic", t->hosts[h]);
	if (param_given(&t->src, pre, "irq_core"))
		return topo_host_error(t, h, "nic", "irq_core", msg, err,
				       errlen);
	return 0;
}

/* The software paths of the hosts, and every stacked app's ends. */
int topo_stacks(struct topo *t, const struct scn *s, char *err, size_t errlen)
{
	int rc;

	for (size_t h = 0; h < t->nhosts; h++) {
		rc = topo_host_needs_sw(t, h) ? topo_software(t, h, err, errlen)
					      : 0;
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < t->napps; i++) {
		if (t->stack[i] == STK_NONE)
			continue;
		rc = topo_app_ends(t, s, i, err, errlen);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < t->napps; i++) {
		const char *v = t->app_cfgs[i].forge_victim;
		long victim = *v ? topo_find_app(t, v) : -1;

		if (victim >= 0 && t->ends[2 * i] && t->ends[2 * victim])
			stk_set_victim(t->ends[2 * i], t->ends[2 * victim]);
	}
	for (size_t h = 0; h < t->nhosts; h++) {
		rc = t->sw[h].cpu ? topo_driver_cpu(t, h, err, errlen)
				  : topo_no_cores(t, h, err, errlen);
		if (!rc && t->sw[h].cpu)
			rc = topo_background(t, h, err, errlen);
		if (!rc && t->sw[h].cpu)
			rc = topo_nic_cpu(t, h, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* Host h's cores per packet through its NIC: under hosts.H.cpu,
 * per_packet.DOMAIN (ps), the busy time of the domain's cores (polling
 * included) over the frames its NIC sent and handed to the host, for
 * the domains it has; the counters count the whole run, and so does
 * this. */
static void topo_host_per_packet(struct topo *t, size_t h, struct stats *st)
{
	struct cpu *c = t->sw[h].cpu;
	uint64_t bytes, sent;
	double pkts;
	char metric[32];

	nic_tx_sent(t->nics[h], &bytes, &sent);
	pkts = (double)(sent + nic_rx_delivered(t->nics[h]));
	if (pkts == 0)
		return;
	for (int d = 0; d < CPU_NDOMS; d++) {
		uint64_t busy = cpu_domain_busy(c, d);

		if (!busy)
			continue;
		snprintf(metric, sizeof(metric), "per_packet.%s",
			 cpu_domain_name(d));
		stats_scalar(st, t->sw[h].cpu_name, metric, "ps",
			     (double)busy / pkts);
	}
}

/* The CPU per packet delivered, over the hosts with stacks: cpu.ACCT
 * cpu.per_packet for each account the run used (their drivers run on
 * their cores: cpu.driver, cpu.doorbell; background work does
 * not count: it is not the packets'), and under cpu: per_packet (all of them), syscalls_per_packet, copies_per_packet, wakeups_per_packet
 * and ctxsw_per_packet, and when every stacked app is over TCP, per_byte:
 * the CPU time over the application bytes their ends read. Each cpu has
 * recorded its own scalars already
 * (cpu_ops' finish, in topo_finish()'s loop over the models). */
void topo_finish_cpu(struct topo *t, struct stats *st)
{
	static const struct {
		enum cpu_acct a;
		const char *metric;
	} counts[] = { { CPU_A_SYSCALL, "syscalls_per_packet" },
		       { CPU_A_COPY, "copies_per_packet" },
		       { CPU_A_WAKEUP, "wakeups_per_packet" },
		       { CPU_A_CTXSW, "ctxsw_per_packet" } };
	double pkts = 0, total = 0, tcp_bytes = 0;
	char comp[64];
	bool any = false, all_tcp = true;

	for (size_t i = 0; i < t->napps; i++) {
		if (t->stack[i] == STK_NONE)
			continue;
		pkts += (double)sink_received(t->sink, i);
		if (app_is_tcp(t->apps[i]))
			tcp_bytes += (double)app_tcp_bytes_read(t->apps[i]);
		else
			all_tcp = false;
	}
	for (size_t h = 0; h < t->nhosts; h++) {
		any = any || t->sw[h].cpu;
		if (t->sw[h].cpu)
			topo_host_per_packet(t, h, st);
	}
	if (!any || pkts == 0)
		return;
	for (int a = 0; a < CPU_NACCTS; a++) {
		double ps = 0;

		if (a == CPU_A_BG)
			continue; /* not the packets' work */
		for (size_t h = 0; h < t->nhosts; h++)
			if (t->sw[h].cpu)
				ps += (double)cpu_acct_time(t->sw[h].cpu, a);
		total += ps;
		if (ps == 0)
			continue; /* an account the run never used */
		snprintf(comp, sizeof(comp), "cpu.%s", cpu_acct_name(a));
		stats_scalar(st, comp, "cpu.per_packet", "ps", ps / pkts);
	}
	stats_scalar(st, "cpu", "per_packet", "ps", total / pkts);
	if (tcp_bytes > 0 && all_tcp)
		stats_scalar(st, "cpu", "per_byte", "ps", total / tcp_bytes);
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		double n = 0;

		for (size_t h = 0; h < t->nhosts; h++)
			if (t->sw[h].cpu)
				n += (double)cpu_acct_count(t->sw[h].cpu,
							    counts[k].a);
		stats_scalar(st, "cpu", counts[k].metric, "", n / pkts);
	}
}
