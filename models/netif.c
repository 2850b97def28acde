/*
 * netif.c - a host's low-latency netif path (see netif.h).
 *
 * Like the flow switch's TX, the path runs inside the sync of the stack
 * that calls it: it has no queue and no event of its own. The validation
 * compares the packet's address pair with the port's flow, as the
 * reference's netif flow of a low-latency interface is keyed on the
 * (local, remote) address pair alone (nx_netif_flow.c,
 * netif_flow_ipv6_ula_match): a forged source address is refused, while
 * a forged port or protocol, or another flow's 5-tuple between the same
 * two addresses, passes. The MAC check has nothing to refuse here (a
 * stack never forges its MAC) and is part of the validation's cost. A
 * refused packet is freed before the copy, as validate_packet runs in
 * netif_vp_na_txsync before netif_vp_send_pkt_chain, so it pays the
 * validation only. The configuration comes from netif_cfg_load()
 * (netif_params.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "errmsg.h"
#include "mux.h"
#include "netif.h"
#include "pool.h"
#include "stats.h"

static const char *const netif_forge_names[PKT_NFORGERIES] = { "none", "saddr",
							       "sport", "proto",
							       "replay" };

struct netif {
	struct sim *sim;
	const char *name;
	uint32_t trace_id;
	struct cpu *cpu;
	struct mux *mux;
	struct pool *dev;
	struct sim_port out, drop;
	struct netif_cfg cfg;

	uint64_t *tx_packets, *mismatch, *no_memory, *forged_passed;
	uint64_t *forged_sent[PKT_NFORGERIES], *forged_dropped[PKT_NFORGERIES];
};

static int netif_stats(struct netif *n, struct stats *st)
{
	char m[64];

	n->tx_packets = stats_counter(st, n->name, "tx.packets", "packets");
	n->mismatch =
		stats_counter(st, n->name, "drops.flow_mismatch", "packets");
	n->no_memory = stats_counter(st, n->name, "drops.no_memory", "packets");
	n->forged_passed =
		stats_counter(st, n->name, "forged.passed", "packets");
	if (!n->tx_packets || !n->mismatch || !n->no_memory ||
	    !n->forged_passed)
		return -ENOMEM;
	for (int k = 1; k < PKT_NFORGERIES; k++) {
		snprintf(m, sizeof(m), "forged.%s.sent", netif_forge_names[k]);
		n->forged_sent[k] = stats_counter(st, n->name, m, "packets");
		snprintf(m, sizeof(m), "forged.%s.dropped",
			 netif_forge_names[k]);
		n->forged_dropped[k] = stats_counter(st, n->name, m, "packets");
		if (!n->forged_sent[k] || !n->forged_dropped[k])
			return -ENOMEM;
	}
	return 0;
}

int netif_create(const struct netif_cfg *cfg, const struct model_env *env,
		 struct cpu *cpu, struct netif **out, char *err, size_t errlen)
{
	struct netif *n = calloc(1, sizeof(*n));

	if (!n)
		goto out_nomem;
	n->sim = env->sim;
	n->name = env->component;
	n->trace_id = sim_trace_id(env->component);
	n->cpu = cpu;
	n->cfg = *cfg;
	if (netif_stats(n, env->st)) {
		netif_destroy(n);
		goto out_nomem;
	}
	*out = n;
	return 0;
out_nomem:
	errmsg(err, errlen, "%s: out of memory", env->component);
	return -ENOMEM;
}

void netif_destroy(struct netif *n)
{
	free(n);
}

void netif_connect(struct netif *n, struct sim_port out, struct sim_port drop)
{
	n->out = out;
	n->drop = drop;
}

void netif_set_mux(struct netif *n, struct mux *mux)
{
	n->mux = mux;
}

void netif_set_pool(struct netif *n, struct pool *dev)
{
	n->dev = dev;
}

bool netif_takes(const struct netif *n, uint32_t src)
{
	return n->mux && mux_is_low_latency(n->mux, src);
}

/* Whether the outbound validation lets p through: off, or p's address
 * pair is its port's. */
static bool netif_valid(const struct netif *n, const struct flow_key *vp,
			const struct sim_pkt *p)
{
	return !n->cfg.outbound_check ||
	       (p->saddr == vp->laddr && p->daddr == vp->raddr);
}

void netif_tx_charge(const struct netif *n, struct cpu_job *j,
		     const struct flow_key *vp, struct sim_pkt *p, uint32_t cpu)
{
	sim_time mem = 0;

	if (n->cfg.outbound_check)
		cpu_job_add(j, CPU_A_NETIF, n->cfg.check_ps);
	if (!netif_valid(n, vp, p))
		return; /* freed before the copy */
	if (n->dev && !pool_attach_dev(n->dev, p, cpu, &mem))
		cpu_job_add(j, CPU_A_MEM, mem);
	cpu_job_copy(j, n->cpu, p->len_bytes);
}

static void netif_drop(struct netif *n, struct sim_pkt *p, uint64_t *why)
{
	(*why)++;
	sim_trace(n->sim, n->trace_id, SIM_TR_DROP, p->len_bytes);
	sim_port_send(&n->drop, p);
}

void netif_tx(struct netif *n, const struct flow_key *vp, struct sim_pkt *p)
{
	bool forged = p->forged && p->forged < PKT_NFORGERIES;

	(*n->tx_packets)++;
	if (forged)
		(*n->forged_sent[p->forged])++;
	if (!netif_valid(n, vp, p)) {
		if (forged)
			(*n->forged_dropped[p->forged])++;
		netif_drop(n, p, n->mismatch);
		return;
	}
	if (n->dev && !p->dpool) { /* no device buffer for the copy */
		netif_drop(n, p, n->no_memory);
		return;
	}
	if (forged)
		(*n->forged_passed)++;
	sim_trace(n->sim, n->trace_id, SIM_TR_DELIVER, p->len_bytes);
	sim_port_send(&n->out, p);
}

static void netif_ops_destroy(void *m)
{
	netif_destroy(m);
}

const struct model_ops netif_ops = {
	.name = "netif",
	.destroy = netif_ops_destroy,
};
