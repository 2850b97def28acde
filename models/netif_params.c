/*
 * netif_params.c - parameters of a host's low-latency netif path
 * (`hosts.NAME.netif`): the outbound validation of the packets its
 * channels send and its cost (models/netif.c describes the model).
 *
 * They matter only for apps in the multiplexer's low-latency lane
 * (hosts.*.mux.discipline reserved_share, admitted by the agent). The
 * default follows the reference implementation: validate_packet in XNU
 * bsd/skywalk/nexus/netif/nx_netif_vp.c skips the check on a low-latency
 * netif unless outbound_check is set to OUTBOUND_CHECK_FORCED.
 */
#include "models.h"
#include "netif.h"

int netif_cfg_load(struct netif_cfg *cfg, const struct param_src *src,
		   const char *prefix, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	cfg->outbound_check = param_int(src, prefix, "outbound_check") != 0;
	cfg->check_ps = param_time(src, prefix, "check");
	return 0;
}

const struct param_def netif_params[] = {
	{ "hosts.*.netif.outbound_check", PT_BOOL, "false", NULL, 0, 0,
	  "validate every packet a low-latency channel sends: its source MAC and its (source, destination) address pair must be its port's flow's; a mismatch is dropped (drops.flow_mismatch). Ports and protocol are not checked",
	  "XNU nx_netif_vp.c validate_packet: skipped on a low-latency netif unless outbound_check is OUTBOUND_CHECK_FORCED; nx_netif_flow.c netif_flow_ipv6_ula_match compares the address pair only" },
	{ "hosts.*.netif.check", PT_TIME, "20ns", NULL, 0, 1e9,
	  "work per validated packet on the low-latency netif path (with outbound_check): a MAC compare and an address-pair compare against the port's one flow",
	  "usnsim: a 6-byte and a 32-byte compare with no lookup, about 60 cycles; less than half the flow switch's check (hosts.*.flowswitch.check, a hash lookup and a token compare, 50ns)" },
	{ NULL },
};
