/*
 * topo.h - the topology of a run (internal to sim/: run.c, topo.c and
 * topo_host.c).
 *
 * topo.c builds the network, the hosts' drivers and NICs, the sink and the
 * apps, and collects what is in flight at the end; topo_host.c builds what
 * runs on a host above its driver: cores, stacks and their channels, the
 * flow switch, pools, the multiplexer and its agent, and advisories.
 */
#ifndef USNSIM_TOPO_H
#define USNSIM_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "param.h"
#include "pkt.h"

struct adv;
struct agent;
struct app;
struct app_cfg;
struct cpu;
struct cpu_core;
struct drv;
struct fsw;
struct hostmem;
struct link;
struct mux;
struct netif;
struct nic;
struct nic_cfg;
struct ns3net;
struct scn;
struct sink;
struct stats;
struct stk;
struct stk_host;

struct topo;

/* A model the topology keeps, with what it does with every model. */
struct topo_model {
	const struct model_ops *ops;
	void *m;
};

/* A host's software path, for hosts where an app's end has a stack: its
 * cores, flow switch and in-kernel stack (kept models: the topology's
 * loops finish and destroy them, topo_sw_destroy() does not). */
struct topo_sw {
	struct topo *t;
	size_t host;
	/* t->drvs[host] and t->nics[host], beside what reads them per
	 * packet (topo_tx_backlog()) */
	struct drv *drv;
	struct nic *nic;
	struct cpu *cpu;
	struct fsw *fsw;
	struct netif *netif; /* with a multiplexer: the low-latency path */
	struct stk_host *kh;
	struct cpu_core **kcores;
	unsigned nk;
	char *cpu_name, *fsw_name, *netif_name;
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
	struct stats *st;
	uint64_t seed;
	uint32_t rep;
	sim_time warmup_ps;
	struct param_src src; /* the scenario, for the models' cfg loaders */
	/* every model made so far, in the order made: finished in that
	 * order, destroyed in the reverse */
	struct topo_model *models;
	size_t nmodels, models_cap;
	struct pkt_pool *pool;
	bool native;	   /* a native network: the link and/or ports */
	struct link *link; /* network.kind link (if an app has no host), or */
	struct ns3net *ns3net; /* an ns-3 network */
	long ns3_near;	       /* the host at its sending side (-1: none) */
	struct sink *sink;
	size_t napps;
	const char *const *names;
	char **app_names;	  /* "apps.NAME", prefix and component */
	struct app_cfg *app_cfgs; /* every app's, loaded first */
	struct app **apps;
	size_t nhosts;
	const char *const *hosts;
	struct nic **nics;
	struct nic_cfg *nic_cfgs;
	char **nic_names; /* "hosts.NAME.nic", prefix and component */
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
	char **tcp_names; /* [2i], [2i+1]: app i's TCP endpoints (tcp) */
	/* native network with hosts: the switch port to each host, and per
	 * app i the one towards its peer ([2i]) and its host ([2i + 1]) */
	struct link **ports;
	struct link **dest_port;
	char **port_names;
	sim_time rate_changed_ps; /* last rate step reported, + 1 */
};

/* Builds repetition rep of s into t (zeroed by the caller), its random
 * streams derived from seed (the scenario's seed, or a pilot's) and its
 * warm-up that of st: returns 0; -EINVAL with "file:line:col: ..." in err;
 * -ENOMEM. topo_destroy() undoes whatever was built, also after a
 * failure. */
int topo_build(struct topo *t, struct sim *sim, struct stats *st,
	       const struct scn *s, uint32_t rep, uint64_t seed, char *err,
	       size_t errlen);
/* Schedules the apps' first packets: 0 or -ENOMEM. */
int topo_start(struct topo *t);
/* Records the end-of-run scalars; returns the number of hosts down. */
unsigned topo_finish(struct topo *t, struct stats *st);
void topo_destroy(struct topo *t);

/* topo.c and topo_host.c, for each other. */
/* The environment of a model whose statistics go under component (which
 * must outlive the topology). */
struct model_env topo_env(const struct topo *t, const char *component);
/* Keeps model m for topo_finish() and topo_destroy(): 0, or -ENOMEM after
 * destroying m. */
int topo_keep(struct topo *t, const struct model_ops *ops, void *m);
char *topo_strf(const char *fmt, const char *a, const char *b);
void topo_sw_destroy(struct topo_sw *w);
void topo_dev_tx(void *owner, struct sim_pkt *p);
/* A frame counted in its host multiplexer's device queue (pkt->dq_bytes)
 * has left the device or was dropped: the multiplexer is told. arg: the
 * topology. */
void topo_device_done(void *arg, struct sim_pkt *p);
int topo_memory(struct topo *t, const struct scn *s, size_t i, char *err,
		size_t errlen);
int topo_mux(struct topo *t, size_t i, char *err, size_t errlen);
int topo_apps_stacks(struct topo *t, char *err, size_t errlen);
int topo_stacks(struct topo *t, const struct scn *s, char *err, size_t errlen);
int topo_lowlat(struct topo *t, char *err, size_t errlen);
void topo_finish_cpu(struct topo *t, struct stats *st);

#endif
