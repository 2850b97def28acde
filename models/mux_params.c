/*
 * mux_params.c - parameters of a host's transmit multiplexer
 * (hosts.*.mux.*), between the flow switch and the driver.
 *
 * The discipline chooses between no multiplexer (packets go straight to
 * the driver), the fixed-share multiplexer of the low-latency patent (a
 * low-latency lane guaranteed a share of the line rate, best effort in a
 * CoDel queue) and the reference implementation's FQ-CoDel (ten service
 * classes in strict priority, DRR over flows within a class, CoDel on
 * every flow queue). models/mux.c describes the model. CoDel and FQ-CoDel
 * defaults come from reference/skywalk-facts.md ("Queueing and low
 * latency").
 *
 * The device sets the pace (models/dql.c); the host's NIC gives the line:
 * mux_cfg_load() reads hosts.*.nic.rate (the capacity until measured),
 * min_frame and framing (a frame's bytes; declared in nic_params.c), and
 * refuses values that do not go together, at the position of the value to
 * change.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "errmsg.h"
#include "models.h"
#include "mux.h"
#include "units.h"

/* "file:line:col: PREFIX.mux.KEY: msg" in err; returns -EINVAL. */
static int mux_bad(const struct param_src *src, const char *prefix,
		   const char *key, const char *msg, char *err, size_t errlen)
{
	char where[256], k[32];

	snprintf(k, sizeof(k), "mux.%s", key);
	param_where(src, prefix, k, where, sizeof(where));
	errmsg(err, errlen, "%s: %s.%s: %s", where, prefix, k, msg);
	return -EINVAL;
}

static int mux_cfg_check(const struct mux_cfg *c, const struct param_src *src,
			 const char *prefix, char *err, size_t errlen)
{
	char msg[160];

	if (c->disc == MUX_NONE)
		return 0;
	if (!(c->line.rate_bps >= 1 && c->line.rate_bps < 1e18))
		return mux_bad(
			src, prefix, "discipline",
			"the multiplexer needs a line rate of at least 1 bit/s",
			err, errlen);
	if (c->target_ps > c->interval_ps) {
		char t[32], i[32];

		units_fmt_time(t, sizeof(t), c->target_ps);
		units_fmt_time(i, sizeof(i), c->interval_ps);
		snprintf(msg, sizeof(msg),
			 "CoDel target %s is above the interval %s", t, i);
		return mux_bad(src, prefix, "target", msg, err, errlen);
	}
	if (c->disc != MUX_RESERVED_SHARE)
		return 0;
	if (!(c->share > 0 && c->share <= 1)) {
		snprintf(msg, sizeof(msg),
			 "the low-latency share must be in (0, 1], not %g",
			 c->share);
		return mux_bad(src, prefix, "share", msg, err, errlen);
	}
	if (llround(c->share * c->line.rate_bps) < 1)
		return mux_bad(src, prefix, "share",
			       "share x line rate is below 1 bit/s", err,
			       errlen);
	return 0;
}

static int mux_cfg_check_limits(const struct mux_cfg *cfg,
				const struct param_src *src, const char *prefix,
				char *err, size_t errlen)
{
	char msg[160];

	if (cfg->disc == MUX_NONE ||
	    cfg->limit_min_bytes <= cfg->limit_max_bytes)
		return 0;
	snprintf(msg, sizeof(msg),
		 "device_limit_min %llu B is above device_limit_max %llu B",
		 (unsigned long long)cfg->limit_min_bytes,
		 (unsigned long long)cfg->limit_max_bytes);
	return mux_bad(src, prefix, "device_limit_min", msg, err, errlen);
}

int mux_cfg_load(struct mux_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen)
{
	const char *disc = param_str(src, prefix, "mux.discipline");

	cfg->disc = !strcmp(disc, "reserved_share") ? MUX_RESERVED_SHARE
		    : !strcmp(disc, "fq_codel")	    ? MUX_FQ_CODEL
						    : MUX_NONE;
	cfg->on_device =
		!strcmp(param_str(src, prefix, "mux.placement"), "device");
	cfg->access_ps = param_time(src, prefix, "mux.device_access");
	cfg->share = param_double(src, prefix, "mux.share");
	cfg->ll_burst_bytes = param_size(src, prefix, "mux.ll_burst");
	cfg->borrow = param_int(src, prefix, "mux.borrow") != 0;
	cfg->qdisc_cost_ps = param_time(src, prefix, "mux.qdisc_cost");
	cfg->target_ps = param_time(src, prefix, "mux.target");
	cfg->interval_ps = param_time(src, prefix, "mux.interval");
	cfg->ecn = param_int(src, prefix, "mux.ecn") != 0;
	cfg->limit_pkts = (uint32_t)param_int(src, prefix, "mux.limit");
	cfg->quantum_bytes = param_size(src, prefix, "mux.quantum");
	cfg->limit_min_bytes = param_size(src, prefix, "mux.device_limit_min");
	cfg->limit_max_bytes = param_size(src, prefix, "mux.device_limit_max");
	cfg->hold_ps = param_time(src, prefix, "mux.device_hold");
	cfg->capacity_window_ps =
		param_time(src, prefix, "mux.capacity_window");
	cfg->line.rate_bps = param_double(src, prefix, "nic.rate");
	cfg->line.min_frame_bytes =
		(uint32_t)param_size(src, prefix, "nic.min_frame");
	cfg->line.framing_bytes =
		(uint32_t)param_size(src, prefix, "nic.framing");
	if (mux_cfg_check_limits(cfg, src, prefix, err, errlen))
		return -EINVAL;
	if (cfg->on_device &&
	    (cfg->disc != MUX_RESERVED_SHARE ||
	     strcmp(param_str(src, "network", "kind"), "ns3-wifi")))
		return mux_bad(
			src, prefix, "placement",
			"placement device needs discipline reserved_share and a device with a queue of its own for the low-latency lane: network.kind ns3-wifi (its voice access category); other devices have one queue, so place the multiplexer on the host",
			err, errlen);
	return mux_cfg_check(cfg, src, prefix, err, errlen);
}

const struct param_def mux_params[] = {
	{ "hosts.*.mux.discipline", PT_ENUM, "none",
	  "none|reserved_share|fq_codel", 0, 0,
	  "transmit multiplexer: none (straight to the driver), reserved_share (a low-latency lane with a guaranteed share of the line rate, best effort under CoDel) or fq_codel (strict-priority service classes, DRR over flows, CoDel per flow)",
	  "usnsim: no multiplexer unless asked; the patent's fixed share and the implementation's FQ-CoDel are the two designs compared (reference/skywalk-facts.md)" },
	{ "hosts.*.mux.placement", PT_ENUM, "host", "host|device", 0, 0,
	  "reserved_share: where the low-latency lane is queued: host (both lanes wait in the host's multiplexer, released as the device's queue limit allows) or device (low-latency packets within the share go straight to a device queue of their own, served ahead of the rest by the device: Wi-Fi's voice access category under EDCA; best effort still waits on the host, and goes to the access category of its app's service class: bk and bk_sys to background, vo and ctl to voice, av, rv and vi to video, the rest to best effort)",
	  "usnsim: the reference implementation has no host-side share; low-latency traffic goes straight to a driver queue and any split happens in the driver or firmware (nx_netif_vp.c, netif_vp_send_pkt_chain_low_latency; docs/models/low-latency-reference.md); IEEE 802.11 EDCA maps user priority 6 to AC_VO; service classes to access categories as XNU's driver-managed scheduler maps them (pktsched_fq_codel.c, fq_if_service_to_priority)" },
	{ "hosts.*.mux.device_access", PT_TIME, "150us", NULL, 0, 1e9,
	  "placement device: airtime of the channel access a low-latency frame takes of its own (contention, preamble, acknowledgement), charged to the lane's token bucket on top of its bytes at the capacity the device shows, so that the share bounds the lane's airtime; 0 counts bytes only",
	  "IEEE 802.11ax EDCA voice: AIFS 34 us (SIFS 16 + 2 slots of 9) + mean backoff 13.5 us (CWmin 3) + HE SU preamble 44 us + SIFS 16 us + acknowledgement about 44 us, rounded to 150 us" },
	{ "hosts.*.mux.share", PT_FRACTION, "0.2", NULL, 0, 1,
	  "reserved_share: fraction of the device's capacity (measured from its completions; the NIC's rate until then) reserved for the low-latency lane, in (0, 1]",
	  "ll_share 0.2, the example low-latency share of the design (DESIGN.md)" },
	{ "hosts.*.mux.ll_burst", PT_SIZE, "3028B", NULL, 64, 1048576,
	  "reserved_share: depth of the low-latency lane's token bucket (frame bytes with framing)",
	  "usnsim: two full Ethernet frames (2 x 1514 B), so the lane may send a pair back to back" },
	{ "hosts.*.mux.borrow", PT_BOOL, "true", NULL, 0, 1,
	  "reserved_share: the low-latency lane may use capacity best effort leaves idle (work-conserving); false caps it at its share",
	  "usnsim: a work-conserving multiplexer wastes no line capacity" },
	{ "hosts.*.mux.qdisc_cost", PT_TIME, "500ns", NULL, 0, 1e12,
	  "processing time of a packet that goes through the queueing discipline (classification, filters, AQM enqueue), in the syncing thread: best effort under reserved_share, every packet under fq_codel; the low-latency lane's packets skip it (their netif path has no AQM)",
	  "usnsim: assumption to be swept; the flow switch enqueues into the interface's FQ-CoDel per packet (fsw_dp.c classq_enqueue_flow, reference/skywalk-facts.md), which the low-latency netif path bypasses (XNU nx_netif_vp.c netif_vp_send_pkt_chain_low_latency)" },
	{ "hosts.*.mux.target", PT_TIME, "10ms", NULL, 1, 1e13,
	  "CoDel target: the standing queue delay it tolerates (not above interval)",
	  "CoDel target 10 ms (reference/skywalk-facts.md, queueing and low latency)" },
	{ "hosts.*.mux.interval", PT_TIME, "100ms", NULL, 1, 1e13,
	  "CoDel interval: how long the delay must stay above target before dropping starts; drops then follow interval / sqrt(count)",
	  "CoDel interval 100 ms (reference/skywalk-facts.md, queueing and low latency)" },
	{ "hosts.*.mux.ecn", PT_BOOL, "false", NULL, 0, 1,
	  "CoDel (both disciplines) marks an ECT packet CE where it would drop it, and sends it on (true, as Linux fq_codel by default: net/sched/sch_fq_codel.c, RFC 8290 5.1); Not-ECT packets are dropped either way",
	  "the reference implementation's FQ-CoDel marks no classic traffic: CE only for L4S packets above their own target (XNU bsd/net/classq/classq_fq_codel.c, fq_getq_flow), and its classic-ECN switch fq_codel_enable_ecn is 0 (bsd/net/pktsched/pktsched_fq_codel.c)" },
	{ "hosts.*.mux.limit", PT_INT, "2048", NULL, 1, 1e6,
	  "packets the multiplexer may hold waiting: per lane for reserved_share (arrivals beyond are dropped), over all queues for fq_codel (the fattest flow then loses its head); at most 1e6, since a queued packet takes 240 B of memory",
	  "FQ-CoDel drop limit 2048 packets (reference/skywalk-facts.md, queueing and low latency)" },
	{ "hosts.*.mux.quantum", PT_SIZE, "1514B", NULL, 1, 1e9,
	  "fq_codel: DRR quantum of class be; vi, rv and av get x2, vo and ctl x0.4, the others x1",
	  "DRR quantum ~1514 B (Ethernet), video classes x2, voice/control x0.4 (reference/skywalk-facts.md, queueing and low latency)" },
	{ "hosts.*.mux.device_limit_min", PT_SIZE, "0B", NULL, 0, 1 << 30,
	  "lowest byte limit of the device's queue: the multiplexer hands the driver frames while the bytes handed and not yet completed by the device (the NIC, or the ns-3 device) are at most the limit, which grows when the device runs dry and shrinks by its slack (dynamic queue limits)",
	  "Linux BQL limit_min default 0 (lib/dynamic_queue_limits.c, dql_init)" },
	{ "hosts.*.mux.device_limit_max", PT_SIZE, "1GiB", NULL, 0, 1 << 30,
	  "highest byte limit of the device's queue (at least device_limit_min); 0 hands the device one frame at a time, the next when it has finished the last",
	  "Linux BQL limit_max default DQL_MAX_LIMIT, UINT_MAX / 2 - UINT_MAX / 16 (about 1.9 GB): in effect unbounded; usnsim caps it at 1 GiB" },
	{ "hosts.*.mux.device_hold", PT_TIME, "1s", NULL, 1, 1e15,
	  "time over which the smallest slack of the device's queue is watched before the limit shrinks by it",
	  "Linux BQL hold_time default HZ, 1 s (dql_init(&q->dql, HZ) in net/core/dev.c)" },
	{ "hosts.*.mux.capacity_window", PT_TIME, "1ms", NULL, 1, 1e15,
	  "reserved_share: busy time of the device (with packets held back in the multiplexer) over which its capacity is measured; the low-latency lane's rate is share x that capacity (the NIC's line rate until the first measurement)",
	  "usnsim: ten 100 us scheduling quanta, long enough to average a Wi-Fi TXOP and its block acknowledgement" },
	{ NULL },
};
