/*
 * link_params.c - parameters of the network between hosts (`network:`).
 *
 * The native link is a wire of a given rate and propagation delay behind a
 * FIFO output queue with a limit in packets and optionally in bytes. The
 * ns-3 kinds (models/ns3net.c) reuse rate, delay, queue_packets,
 * min_frame and overhead (the ECN thresholds are the native link's alone)
 * for their wired devices; network.wifi.* are theirs alone
 * (ns3net_params.c). link_cfg_load() is the one place the link reads them.
 */
#include <errno.h>

#include "errmsg.h"
#include "link.h"
#include "models.h"

int link_cfg_load(struct link_cfg *cfg, const struct param_src *src,
		  const char *prefix, char *err, size_t errlen)
{
	cfg->rate_bps = param_double(src, prefix, "rate");
	cfg->delay_ps = param_time(src, prefix, "delay");
	cfg->limit_pkts = (uint64_t)param_int(src, prefix, "queue_packets");
	cfg->limit_bytes = param_size(src, prefix, "queue_bytes");
	cfg->overhead_bytes = param_size(src, prefix, "overhead");
	cfg->min_frame_bytes = param_size(src, prefix, "min_frame");
	cfg->step_bps = param_double(src, prefix, "rate_step");
	cfg->step_at_ps = param_time(src, prefix, "rate_step_at");
	cfg->ecn_k_pkts = (uint64_t)param_int(src, prefix, "ecn_threshold");
	cfg->ecn_k_bytes = param_size(src, prefix, "ecn_threshold_bytes");
	/* a time for a change that does not come would be ignored */
	if (cfg->step_at_ps && !cfg->step_bps) {
		char where[256];

		param_where(src, prefix, "rate_step_at", where, sizeof(where));
		errmsg(err, errlen,
		       "%s: rate_step_at: has no effect without rate_step (the rate from then on)",
		       where);
		return -EINVAL;
	}
	return 0;
}

const struct param_def link_params[] = {
	{ "network.kind", PT_ENUM, "link", "link|ns3-p2p|ns3-csma|ns3-wifi", 0,
	  0,
	  "network between hosts: the native link, or an ns-3 point-to-point link, CSMA bus or Wi-Fi station and access point (these run on the ns3 engine)",
	  "usnsim: the native model is the default" },
	{ "network.rate", PT_BITRATE, "10Gbps", NULL, 1e3, 1.6e12,
	  "line rate at which frames are serialized (link, ns3-p2p, ns3-csma)",
	  "10GbE, IEEE 802.3ae (reference/calibration.md, NIC)" },
	{ "network.delay", PT_TIME, "0", NULL, 0, 1e15,
	  "one-way propagation delay of the wire (link, ns3-p2p, ns3-csma)",
	  "0: an ideal wire, so a bare queue matches queueing theory" },
	{ "network.queue_packets", PT_INT, "1000", NULL, 1, 1e6,
	  "output queue limit in packets (a full queue drops arrivals); for ns3-wifi the MAC queue; at most 1e6, since a queued packet takes 240 B of memory",
	  "Linux default txqueuelen of 1000 packets" },
	{ "network.queue_bytes", PT_SIZE, "0", NULL, 0, 1e15,
	  "output queue limit in bytes; 0 means no byte limit (native link only)",
	  "0: only the packet limit applies, as with txqueuelen" },
	{ "network.overhead", PT_SIZE, "0", NULL, 0, 1e6,
	  "bytes added to each frame on the wire after padding to min_frame (e.g. 20 for preamble, start delimiter and inter-frame gap); at least 12 with ns3-csma (its gap); not for ns3-wifi",
	  "0: framing belongs to the NIC model (reference/calibration.md)" },
	{ "network.min_frame", PT_SIZE, "64B", NULL, 0, 1e6,
	  "shortest frame on the wire (link, ns3-p2p, ns3-csma): a shorter packet is padded to it before overhead is added; 0: no padding; with ns3-csma, min_frame + overhead must be at least 76 B (its device pads to 64 B and leaves a 12 B gap)",
	  "Ethernet minimum frame, destination address to FCS, IEEE 802.3 4.4.2 (as hosts.*.nic.min_frame)" },
	{ "network.rate_step", PT_BITRATE, "0bps", NULL, 0, 1.6e12,
	  "link: the rate from rate_step_at on (a capacity change mid-run); 0: no change",
	  "usnsim: a constant rate unless a study changes it" },
	{ "network.rate_step_at", PT_TIME, "0", NULL, 0, 1e18,
	  "link: when the rate changes to rate_step",
	  "usnsim: a constant rate unless a study changes it" },
	{ "network.ecn_threshold", PT_INT, "0", NULL, 0, 1e6,
	  "link: ECN step marking: an ECT packet arriving while the port holds more than this many packets (the one being serialized included) is marked CE; Not-ECT packets are not affected; 0: off",
	  "RFC 8257 3.1 (marking at a queue threshold K); the DCTCP paper's K = 65 packets at 10 Gb/s (Alizadeh et al., SIGCOMM 2010, 4.1); 0: switches mark nothing unless configured" },
	{ "network.ecn_threshold_bytes", PT_SIZE, "0B", NULL, 0, 1e15,
	  "link: the same threshold in bytes held (waiting and being serialized); with both set, a packet over either is marked; 0: off",
	  "RFC 8257 3.1; the DCTCP paper's K = 65 packets of 1500 B, about 97.5 kB, at 10 Gb/s (Alizadeh et al., SIGCOMM 2010, 4.1)" },
	{ NULL },
};
