/*
 * flowswitch_params.c - parameters of a host's kernel flow switch
 * (`hosts.NAME.flowswitch`): its work per packet, the TX check against
 * spoofing, the RX batch and the flow advisory (models/flowswitch.c
 * describes the model).
 *
 * They matter only for apps that choose a stack (apps.*.stack: kernel or
 * user). Defaults come from the reference implementation's facts in
 * reference/skywalk-facts.md.
 */
#include "flowswitch.h"
#include "models.h"

int fsw_cfg_load(struct fsw_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	cfg->classify_ps = param_time(src, prefix, "classify");
	cfg->check_ps = param_time(src, prefix, "check");
	cfg->spoof_check = param_int(src, prefix, "spoof_check") != 0;
	cfg->rx_batch_pkts = (uint32_t)param_int(src, prefix, "rx_batch");
	cfg->advisory_frac = param_double(src, prefix, "advisory");
	cfg->advisory_entries =
		(uint32_t)param_int(src, prefix, "advisory_entries");
	cfg->seed = (uint64_t)param_int(src, NULL, "seed");
	return 0;
}

const struct param_def flowswitch_params[] = {
	{ "hosts.*.flowswitch.classify", PT_TIME, "100ns", NULL, 0, 1e9,
	  "flow switch work per packet in either direction: parse, classify (the RX demultiplexing lookup), stamp and enqueue",
	  "usnsim: a cuckoo-hash lookup and header parse of a few hundred cycles (reference/skywalk-facts.md describes the steps)" },
	{ "hosts.*.flowswitch.spoof_check", PT_BOOL, "true", NULL, 0, 0,
	  "check every packet synced from a channel against its flow: look it up by its own 5-tuple and compare its token (off: trust the channel, as low-latency virtual ports do)",
	  "flow switch TX checks in fsw_dp.c; low-latency netif ports skip them by default (reference/skywalk-facts.md)" },
	{ "hosts.*.flowswitch.check", PT_TIME, "50ns", NULL, 0, 1e9,
	  "flow switch work per checked TX packet: the lookup by the packet's own 5-tuple and the token comparison",
	  "usnsim: one hash lookup and a 128-bit compare, about 150 cycles; a parameter to sweep (reference/skywalk-facts.md)" },
	{ "hosts.*.flowswitch.rx_batch", PT_INT, "32", NULL, 1, 65536,
	  "most received packets one flow switch RX job handles",
	  "flow switch RX batch 32 (reference/skywalk-facts.md)" },
	{ "hosts.*.flowswitch.advisory", PT_FRACTION, "0.75", NULL, 0, 1,
	  "flow advisory mark, a fraction of the NIC's TX ring: a flow whose packet finds that many packets waiting to leave the host (driver queue and NIC ring) is suspended until they have drained to half the mark; 0: never",
	  "usnsim: the reference implementation suspends flows on AQM feedback (flow advisory table; reference/skywalk-facts.md); here the backlog towards the wire stands for it" },
	{ "hosts.*.flowswitch.advisory_entries", PT_INT, "512", NULL, 1, 1e6,
	  "entries of the flow advisory table (flows beyond it are never suspended)",
	  "flow advisory table 512 entries by default (reference/skywalk-facts.md)" },
	{ NULL },
};
