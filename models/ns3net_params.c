/*
 * ns3net_params.c - parameters of the ns-3 networks (network.kind ns3-p2p,
 * ns3-csma, ns3-wifi): network.wifi.*, which configure an 802.11 station
 * and access point (5 GHz band, one spatial stream, ns-3's default
 * transmit power and log-distance path loss).
 *
 * The wired kinds reuse the native link's rate, delay, queue_packets,
 * min_frame and overhead (link_params.c); Wi-Fi reuses queue_packets for its MAC queue.
 * ns3net_cfg_load() is the one place an ns-3 network reads them, and
 * refuses what the devices cannot do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "models.h"
#include "ns3net.h"

/* The frame ns-3's CsmaNetDevice pads to: 46 B of payload, 14 B of
 * Ethernet header and 4 B of FCS (CsmaNetDevice::AddHeader, DIX). */
#define NS3NET_CSMA_MIN_FRAME 64
/* The inter-frame gap it leaves after each frame: 96 bit times
 * (CsmaNetDevice::Attach). */
#define NS3NET_CSMA_GAP 12

/* "file:line:col: prefix.key: msg" in err; returns -EINVAL. */
static int ns3net_bad(const struct param_src *src, const char *prefix,
		      const char *key, const char *msg, char *err,
		      size_t errlen)
{
	char where[256];

	param_where(src, prefix, key, where, sizeof(where));
	errmsg(err, errlen, "%s: %s.%s: %s", where, prefix, key, msg);
	return -EINVAL;
}

/* "file:line:col: prefix.key" into buf. */
static void ns3net_at(const struct param_src *src, const char *prefix,
		      const char *key, char *buf, size_t n)
{
	char where[192];

	param_where(src, prefix, key, where, sizeof(where));
	snprintf(buf, n, "%s: %s.%s", where, prefix, key);
}

static int ns3net_load_wifi(struct ns3net_cfg *cfg, const struct param_src *src,
			    const char *prefix, char *err, size_t errlen)
{
	const char *rc = param_str(src, prefix, "wifi.rate_control");

	if (cfg->overhead_bytes)
		return ns3net_bad(
			src, prefix, "overhead",
			"does not apply to ns3-wifi, whose framing is 802.11's",
			err, errlen);
	if (param_given(src, prefix, "min_frame"))
		return ns3net_bad(
			src, prefix, "min_frame",
			"does not apply to ns3-wifi, whose frames are not padded",
			err, errlen);
	cfg->min_frame_bytes = 0;
	if (param_size(src, prefix, "queue_bytes"))
		return ns3net_bad(
			src, prefix, "queue_bytes",
			"the Wi-Fi MAC queue is limited in packets only (use queue_packets)",
			err, errlen);
	cfg->wifi_ac = !strcmp(param_str(src, prefix, "wifi.standard"), "ac");
	cfg->channel_width_mhz =
		(uint32_t)atoi(param_str(src, prefix, "wifi.channel_width"));
	cfg->rate_control = !strcmp(rc, "ideal")      ? NS3NET_RC_IDEAL
			    : !strcmp(rc, "constant") ? NS3NET_RC_CONSTANT
						      : NS3NET_RC_MINSTREL;
	cfg->mcs = (uint32_t)param_int(src, prefix, "wifi.mcs");
	cfg->distance_m = param_double(src, prefix, "wifi.distance");
	cfg->max_ampdu_bytes =
		(uint32_t)param_size(src, prefix, "wifi.max_ampdu");
	cfg->vo_bound_ps = param_time(src, prefix, "wifi.vo_bound");
	cfg->vo_hold_ps = param_time(src, prefix, "wifi.vo_hold");
	ns3net_at(src, prefix, "wifi.distance", cfg->distance_at,
		  sizeof(cfg->distance_at));
	if (cfg->rate_control == NS3NET_RC_CONSTANT && cfg->wifi_ac &&
	    cfg->mcs > 9)
		return ns3net_bad(src, prefix, "wifi.mcs",
				  "802.11ac defines MCS 0 to 9", err, errlen);
	return 0;
}

int ns3net_cfg_load(struct ns3net_cfg *cfg, const struct param_src *src,
		    const char *prefix, char *err, size_t errlen)
{
	cfg->kind_name = param_str(src, prefix, "kind");
	cfg->kind = !strcmp(cfg->kind_name, "ns3-wifi")	  ? NS3NET_WIFI
		    : !strcmp(cfg->kind_name, "ns3-csma") ? NS3NET_CSMA
							  : NS3NET_P2P;
	ns3net_at(src, prefix, "kind", cfg->kind_at, sizeof(cfg->kind_at));
	cfg->rate_bps = param_double(src, prefix, "rate");
	cfg->delay_ps = param_time(src, prefix, "delay");
	cfg->queue_pkts = (uint32_t)param_int(src, prefix, "queue_packets");
	cfg->overhead_bytes = param_size(src, prefix, "overhead");
	cfg->min_frame_bytes = param_size(src, prefix, "min_frame");
	if (param_int(src, prefix, "ecn_threshold") ||
	    param_size(src, prefix, "ecn_threshold_bytes"))
		return ns3net_bad(
			src, prefix,
			param_int(src, prefix, "ecn_threshold")
				? "ecn_threshold"
				: "ecn_threshold_bytes",
			"ECN marking is modelled in the native link's queue only (network.kind link), not in ns-3's devices",
			err, errlen);
	if (cfg->kind == NS3NET_WIFI)
		return ns3net_load_wifi(cfg, src, prefix, err, errlen);
	if (param_size(src, prefix, "queue_bytes"))
		return ns3net_bad(
			src, prefix, "queue_bytes",
			"ns-3 device queues are limited in packets only (use queue_packets)",
			err, errlen);
	if (cfg->kind != NS3NET_CSMA)
		return 0;
	if (cfg->overhead_bytes < NS3NET_CSMA_GAP)
		return ns3net_bad(
			src, prefix, "overhead",
			"must be at least 12 B with ns3-csma: ns-3's CSMA device leaves Ethernet's 12 B inter-frame gap after every frame, which is part of the overhead (use 20B: preamble, start delimiter and gap)",
			err, errlen);
	if (cfg->min_frame_bytes + cfg->overhead_bytes <
	    NS3NET_CSMA_MIN_FRAME + NS3NET_CSMA_GAP)
		return ns3net_bad(
			src, prefix, "min_frame",
			"min_frame + overhead must be at least 76 B with ns3-csma: ns-3's CSMA device pads every frame to 64 B and leaves a 12 B gap after it, so shorter frames would not take the time the native link gives them",
			err, errlen);
	return 0;
}

const struct param_def ns3net_params[] = {
	{ "network.wifi.standard", PT_ENUM, "ax", "ax|ac", 0, 0,
	  "ns3-wifi: 802.11ax (HE) or 802.11ac (VHT), in the 5 GHz band",
	  "IEEE 802.11ax-2021 (Wi-Fi 6), the generation of current access points" },
	{ "network.wifi.distance", PT_FLOAT, "10", NULL, 0, 1e5,
	  "ns3-wifi: distance between station and access point, in metres",
	  "usnsim: a station in the same room as its access point" },
	{ "network.wifi.channel_width", PT_ENUM, "80", "20|40|80|160", 0, 0,
	  "ns3-wifi: channel width in MHz",
	  "80 MHz, the width every 802.11ac/ax device must support (IEEE 802.11ac-2013)" },
	{ "network.wifi.rate_control", PT_ENUM, "minstrel",
	  "ideal|minstrel|constant", 0, 0,
	  "ns3-wifi: rate control: ideal (best MCS for the measured SNR), minstrel (Minstrel-HT) or constant (network.wifi.mcs)",
	  "Minstrel-HT, the default rate control of Linux mac80211" },
	{ "network.wifi.max_ampdu", PT_SIZE, "65535B", NULL, 0, 6500631,
	  "ns3-wifi: longest A-MPDU of the best-effort and background access categories (0: no aggregation); with the airtime of the data rate it bounds how long such a transmission holds the channel, and so how long a low-latency frame waits for it",
	  "ns-3.37 WifiMac BE_MaxAmpduSize and BK_MaxAmpduSize default 65535 B (2^(13+3) - 1, the HT maximum A-MPDU length exponent 3); HE allows up to 6500631 B (IEEE 802.11ax-2021, 9.4.2.248)" },
	{ "network.wifi.vo_bound", PT_TIME, "0", NULL, 0, 5484e6,
	  "ns3-wifi: while a device sends voice (the low-latency lane in the device, or service class vo), each of its best-effort and background A-MPDUs carries at most this airtime at its current data rate, so a voice frame waits for at most that much of its own device's traffic in the air (0: no bound, ns-3's behaviour)",
	  "off by default, as in ns-3.37; the bound plays the role of an EDCA TXOP limit on the other access categories (IEEE 802.11-2020, TXOP limits of EDCA), raised and lowered by the device itself while voice is active" },
	{ "network.wifi.vo_hold", PT_TIME, "102400us", NULL, 1e6, 1e13,
	  "ns3-wifi: how long after a device's last voice frame its voice bound (network.wifi.vo_bound) stays",
	  "one beacon interval (100 TU = 102.4 ms, ns-3.37 ApWifiMac BeaconInterval), the interval at which an access point can change the EDCA parameters it advertises (IEEE 802.11-2020: the EDCA Parameter Set element of beacons)" },
	{ "network.wifi.mcs", PT_INT, "7", NULL, 0, 11,
	  "ns3-wifi: MCS of every data frame with constant rate control (at most 9 for ac)",
	  "MCS 7 (64-QAM, rate 5/6), valid in 802.11ac and ax at every width" },
	{ NULL },
};
