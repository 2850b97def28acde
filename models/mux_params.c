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
 * The multiplexer owns the host's link, so it paces to the line of the
 * host's NIC: mux_cfg_load() reads hosts.*.nic.rate, min_frame and framing
 * (declared in nic_params.c) as its line, and refuses values that do not
 * go together, at the position of the value to change.
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

int mux_cfg_load(struct mux_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen)
{
	const char *disc = param_str(src, prefix, "mux.discipline");

	cfg->disc = !strcmp(disc, "reserved_share") ? MUX_RESERVED_SHARE
		    : !strcmp(disc, "fq_codel")	    ? MUX_FQ_CODEL
						    : MUX_NONE;
	cfg->share = param_double(src, prefix, "mux.share");
	cfg->ll_burst_bytes = param_size(src, prefix, "mux.ll_burst");
	cfg->borrow = param_int(src, prefix, "mux.borrow") != 0;
	cfg->qdisc_cost_ps = param_time(src, prefix, "mux.qdisc_cost");
	cfg->target_ps = param_time(src, prefix, "mux.target");
	cfg->interval_ps = param_time(src, prefix, "mux.interval");
	cfg->limit_pkts = (uint32_t)param_int(src, prefix, "mux.limit");
	cfg->quantum_bytes = param_size(src, prefix, "mux.quantum");
	cfg->line.rate_bps = param_double(src, prefix, "nic.rate");
	cfg->line.min_frame_bytes =
		(uint32_t)param_size(src, prefix, "nic.min_frame");
	cfg->line.framing_bytes =
		(uint32_t)param_size(src, prefix, "nic.framing");
	return mux_cfg_check(cfg, src, prefix, err, errlen);
}

const struct param_def mux_params[] = {
	{ "hosts.*.mux.discipline", PT_ENUM, "none",
	  "none|reserved_share|fq_codel", 0, 0,
	  "transmit multiplexer: none (straight to the driver), reserved_share (a low-latency lane with a guaranteed share of the line rate, best effort under CoDel) or fq_codel (strict-priority service classes, DRR over flows, CoDel per flow)",
	  "usnsim: no multiplexer unless asked; the patent's fixed share and the implementation's FQ-CoDel are the two designs compared (reference/skywalk-facts.md)" },
	{ "hosts.*.mux.share", PT_FRACTION, "0.2", NULL, 0, 1,
	  "reserved_share: fraction of the line rate reserved for the low-latency lane, in (0, 1]",
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
	{ "hosts.*.mux.limit", PT_INT, "2048", NULL, 1, 1e6,
	  "packets the multiplexer may hold waiting: per lane for reserved_share (arrivals beyond are dropped), over all queues for fq_codel (the fattest flow then loses its head); at most 1e6, since a queued packet takes 240 B of memory",
	  "FQ-CoDel drop limit 2048 packets (reference/skywalk-facts.md, queueing and low latency)" },
	{ "hosts.*.mux.quantum", PT_SIZE, "1514B", NULL, 1, 1e9,
	  "fq_codel: DRR quantum of class be; vi, rv and av get x2, vo and ctl x0.4, the others x1",
	  "DRR quantum ~1514 B (Ethernet), video classes x2, voice/control x0.4 (reference/skywalk-facts.md, queueing and low latency)" },
	{ NULL },
};
