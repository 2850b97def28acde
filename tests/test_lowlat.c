/*
 * test_lowlat.c - the low-latency features end to end: the multiplexer's
 * reserved share against no multiplexer (scenarios/ll_share.yaml), the
 * agent's admission of rpc (tests/test_agent.c tests the agent), packet deadlines with
 * transmit expired events (at the multiplexer, the driver and the NIC),
 * interface advisories with a link rate step and adaptive apps, the
 * Wi-Fi access category of bulk next to the low-latency lane in the
 * device, packet conservation in every run, and cross-engine identity.
 *
 * Scenarios other than ll_share are written here to temporary files and
 * loaded with --set style overrides; every run goes through
 * run_scenario(). Expected counts are worked out from the scenarios'
 * parameters (rates, counts, start times, windows). Set
 * USNSIM_TEST_VERBOSE=1 to print the numbers the tests observe.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "hist.h"
#include "run.h"
#include "scenario.h"
#include "stats.h"
#include "sweep.h"
#include "runs.h"
#include "util.h"

#define LL_SHARE "scenarios/ll_share.yaml"
#define MAXSETS 16

/* ---- reading results ---- */

/* Quantile q (0..1) of a histogram; NAN if absent or empty. */
static double quant(const struct run_result *r, const char *comp,
		    const char *name, double q)
{
	const struct hist *h = tr_histo(r, comp, name);

	return h && h->count ? hist_quantile(h, q) : NAN;
}

/* ---- running ---- */

/* sent == received + dropped + in_flight for every app, and the packets
 * in use are the apps' in flight. */
static void check_conservation(const struct run_result *r, const struct scn *s,
			       const char *what)
{
	const char *const *apps;
	size_t na = scn_instances(s, "apps", &apps);
	double in_flight = 0;

	for (size_t i = 0; i < na; i++) {
		double sent = tr_metricf(r, "sent", "apps.%s", apps[i]);
		double recv = tr_metricf(r, "received", "apps.%s", apps[i]);
		double drop = tr_metricf(r, "dropped", "apps.%s", apps[i]);
		double fl = tr_metricf(r, "in_flight", "apps.%s", apps[i]);

		CHECKF(sent > 0 && sent == recv + drop + fl,
		       "%s: app %s: sent %.0f received %.0f dropped %.0f in flight %.0f",
		       what, apps[i], sent, recv, drop, fl);
		in_flight += fl;
	}
	CHECKF(tr_metric(r, "sim", "packets_in_use") == in_flight,
	       "%s: packets in use %.0f, in flight %.0f", what,
	       tr_metric(r, "sim", "packets_in_use"), in_flight);
}

/* ---- 1. ll_share: the reserved share against no multiplexer ---- */

#define LL_POINTS 10

struct ll_point {
	bool reserved; /* discipline reserved_share (else none) */
	double rate;   /* apps.bulk.rate, bit/s */
	double line;   /* network.rate */
	double rtt_p99, bulk_mean;
	double requests, admissions, refusals, revocations;
};

static void test_ll_share(void)
{
	struct scn *base = NULL;
	struct sweep *sw = NULL;
	struct ll_point pt[LL_POINTS];
	size_t np, nres = 0, nnone = 0;
	const struct ll_point *res[LL_POINTS], *none[LL_POINTS];

	if (tr_expand(LL_SHARE, &base, &sw))
		return;
	np = sweep_count(sw);
	CHECKF(np == LL_POINTS, "ll_share has %zu points", np);
	if (np > LL_POINTS)
		np = LL_POINTS;
	for (size_t i = 0; i < np; i++) {
		struct ll_point *p = &pt[i];
		struct run_result r;
		struct scn *s = NULL;

		if (tr_run_point(LL_SHARE, sw, i, NULL, 0, &r, &s))
			goto out;
		p->reserved = !strcmp(scn_str(s, "hosts.client.mux.discipline"),
				      "reserved_share");
		p->rate = scn_double(s, "apps.bulk.rate");
		p->line = scn_double(s, "network.rate");
		p->rtt_p99 = quant(&r, "apps.rpc", "rtt", 0.99);
		p->bulk_mean = tr_metric(&r, "apps.bulk", "latency");
		p->requests = tr_metric(&r, "hosts.client.agent", "requests");
		p->admissions =
			tr_metric(&r, "hosts.client.agent", "admissions");
		p->refusals = tr_metric(&r, "hosts.client.agent", "refusals");
		p->revocations =
			tr_metric(&r, "hosts.client.agent", "revocations");
		SAY("ll_share %s %.0f Gb/s: rpc rtt p99 %.0f ps, bulk latency mean %.0f ps; "
		    "agent requests %.0f admissions %.0f refusals %.0f revocations %.0f\n",
		    p->reserved ? "reserved_share" : "none", p->rate / 1e9,
		    p->rtt_p99, p->bulk_mean, p->requests, p->admissions,
		    p->refusals, p->revocations);
		if (p->reserved) {
			/* rpc asks once for 50 Mb/s out of 2 Gb/s */
			CHECKF(p->requests == 1 && p->admissions == 1 &&
				       p->refusals == 0 && p->revocations == 0,
			       "%.0f Gb/s: requests %.0f admissions %.0f refusals %.0f revocations %.0f",
			       p->rate / 1e9, p->requests, p->admissions,
			       p->refusals, p->revocations);
			res[nres++] = p;
		} else {
			CHECKF(isnan(p->admissions),
			       "none: the client has an agent");
			none[nnone++] = p;
		}
		CHECKF(!isnan(p->rtt_p99) && !isnan(p->bulk_mean),
		       "point %zu: no rtt or latency", i);
		check_conservation(&r, s, "ll_share");
		scn_destroy(s);
		run_result_fini(&r);
	}
	CHECKF(nres == 5 && nnone == 5, "%zu reserved_share, %zu none points",
	       nres, nnone);
	if (nres < 2 || nnone < 2)
		goto out;
	{
		const struct ll_point *lo = res[0];

		for (size_t i = 0; i < nres; i++) {
			const struct ll_point *p = res[i];

			if (p->rate < lo->rate)
				lo = p;
		}
		for (size_t i = 0; i < nres; i++) {
			const struct ll_point *p = res[i];

			if (p->rate > 1.2 * p->line * (1 + 1e-9))
				continue;
			CHECKF(p->rtt_p99 <= 2 * lo->rtt_p99,
			       "reserved_share %.0f Gb/s: rpc p99 %.0f ps, %.2fx its %.0f ps at %.0f Gb/s",
			       p->rate / 1e9, p->rtt_p99,
			       p->rtt_p99 / lo->rtt_p99, lo->rtt_p99,
			       lo->rate / 1e9);
		}
		/* bulk's latency grows strictly with its load from 4 Gb/s */
		for (size_t i = 0; i < nres; i++)
			for (size_t j = 0; j < nres; j++) {
				const struct ll_point *a = res[i], *b = res[j];

				if (a->rate < 4e9 || b->rate > 12e9 ||
				    !(a->rate < b->rate))
					continue;
				CHECKF(a->bulk_mean < b->bulk_mean,
				       "reserved_share: bulk latency %.0f ps at %.0f Gb/s, %.0f ps at %.0f Gb/s",
				       a->bulk_mean, a->rate / 1e9,
				       b->bulk_mean, b->rate / 1e9);
			}
	}
	{
		const struct ll_point *lo = none[0], *hi = NULL;

		for (size_t i = 0; i < nnone; i++) {
			if (none[i]->rate < lo->rate)
				lo = none[i];
			if (fabs(none[i]->rate - 12e9) < 1)
				hi = none[i];
		}
		CHECKF(hi != NULL, "none: no 12 Gb/s point");
		if (hi)
			CHECKF(hi->rtt_p99 > 2 * lo->rtt_p99,
			       "none: rpc p99 %.0f ps at 12 Gb/s, only %.2fx its %.0f ps at %.0f Gb/s",
			       hi->rtt_p99, hi->rtt_p99 / lo->rtt_p99,
			       lo->rtt_p99, lo->rate / 1e9);
	}
out:
	sweep_destroy(sw);
	scn_destroy(base);
}

/* ---- 6. the first ll_share point on both engines ---- */

static void test_engines(void)
{
	static const char *const engines[] = { "engine=native", "engine=ns3" };
	struct scn *base = NULL;
	struct sweep *sw = NULL;
	struct run_result r[2];
	struct scn *s[2] = { NULL, NULL };
	bool ok[2] = { false, false };

	if (tr_expand(LL_SHARE, &base, &sw))
		return;
	for (size_t e = 0; e < 2; e++) {
		const char *sets[] = { engines[e] };

		ok[e] = !tr_run_point(LL_SHARE, sw, 0, sets, 1, &r[e], &s[e]);
		if (!ok[e])
			continue;
		SAY("ll_share point 0 on %s: %llu events, end %lld ps, fingerprint %s, rtt count %.0f\n",
		    r[e].engine, (unsigned long long)r[e].events,
		    (long long)r[e].end_ps, r[e].fingerprint,
		    tr_metric(&r[e], "apps.rpc", "received"));
		check_conservation(&r[e], s[e], engines[e]);
	}
	if (ok[0] && ok[1]) {
		CHECKF(!strcmp(r[0].engine, "native") &&
			       !strcmp(r[1].engine, "ns3"),
		       "engines %s and %s", r[0].engine, r[1].engine);
		CHECKF(r[0].events == r[1].events && r[0].events > 0,
		       "events: native %llu, ns3 %llu",
		       (unsigned long long)r[0].events,
		       (unsigned long long)r[1].events);
		CHECKF(!strcmp(r[0].fingerprint, r[1].fingerprint),
		       "fingerprints: native %s, ns3 %s", r[0].fingerprint,
		       r[1].fingerprint);
		CHECKF(r[0].end_ps == r[1].end_ps, "end: native %lld, ns3 %lld",
		       (long long)r[0].end_ps, (long long)r[1].end_ps);
		CHECKF(quant(&r[0], "apps.rpc", "rtt", 0.99) ==
			       quant(&r[1], "apps.rpc", "rtt", 0.99),
		       "rpc p99: native %.0f, ns3 %.0f",
		       quant(&r[0], "apps.rpc", "rtt", 0.99),
		       quant(&r[1], "apps.rpc", "rtt", 0.99));
	}
	for (size_t e = 0; e < 2; e++) {
		if (ok[e])
			run_result_fini(&r[e]);
		scn_destroy(s[e]);
	}
	sweep_destroy(sw);
	scn_destroy(base);
}

/* ---- 2. the agent: tests/test_agent.c ---- */

/* ---- 3. deadlines ---- */

/* (a) A bulk app without a stack floods the client's multiplexer (20
 * Gb/s into a 10 Gb/s line) with 3000 packets; `late` (user stack, best
 * effort like bulk) sends a 200 B packet every 200 us from 1 ms on. The
 * best-effort FIFO serves bulk's frames back to back until it has sent
 * them all; a late packet made at T waits behind every bulk packet made
 * before it, so it leaves at about the time bulk's backlog is done and is
 * late if that is more than its 200 us deadline after T. After that the
 * line is idle and late's packets go through on time; the app keeps
 * sending (and reading its channel's events) to the end. */
static const char expiry_yaml[] =
	"name: lowlat-expiry\n"
	"duration: 10ms\n"
	"seed: 1\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false }, rx_mode: poll }\n"
	"    mux: { discipline: reserved_share, limit: 100000 }\n"
	"  server: { like: client }\n"
	"network: { kind: link, rate: 10Gbps, overhead: 20B, queue_packets: 100000 }\n"
	"apps:\n"
	"  bulk: { host: client, peer: server, pattern: cbr, rate: 20Gbps, size: 1500B, count: 3000 }\n"
	"  late: { host: client, peer: server, pattern: cbr, rate: 5kpps, size: 200B, start: 1ms, stack: user, deadline: 200us, expiry: drop }\n";

struct expiry_counts {
	double events, read, evdrop, expired, sent, received, dropped, flight;
	double mux, drv; /* drops.expired */
	double drv_tx;	 /* driver tx.packets */
};

static void expiry_read(const struct run_result *r, struct expiry_counts *c)
{
	c->events = tr_metric(r, "hosts.client.stack.late", "events.posted");
	c->read = tr_metric(r, "hosts.client.stack.late", "events.read");
	c->evdrop = tr_metric(r, "hosts.client.stack.late", "events.lost");
	c->expired = tr_metric(r, "apps.late", "expired");
	c->sent = tr_metric(r, "apps.late", "sent");
	c->received = tr_metric(r, "apps.late", "received");
	c->dropped = tr_metric(r, "apps.late", "dropped");
	c->flight = tr_metric(r, "apps.late", "in_flight");
	c->mux = tr_metric(r, "hosts.client.mux", "drops.expired");
	c->drv = tr_metric(r, "hosts.client.driver", "drops.expired");
	c->drv_tx = tr_metric(r, "hosts.client.driver", "tx.packets");
}

static void expiry_say(const char *what, const struct expiry_counts *c)
{
	SAY("%s: events posted %.0f read %.0f lost %.0f, app expired %.0f; "
	    "sent %.0f received %.0f dropped %.0f in flight %.0f; "
	    "drops.expired mux %.0f driver %.0f; driver tx %.0f\n",
	    what, c->events, c->read, c->evdrop, c->expired, c->sent,
	    c->received, c->dropped, c->flight, c->mux, c->drv, c->drv_tx);
}

/* late's packets that miss their deadline in the multiplexer of
 * expiry_yaml, worked out from its parameters; -1 if one of them is too
 * close to the deadline to tell. */
static double expiry_expected(const struct scn *s, double *sent)
{
	double line = scn_double(s, "hosts.client.nic.rate");
	double frame = (double)(scn_size(s, "apps.bulk.size") +
				scn_size(s, "hosts.client.nic.framing"));
	double done = (double)scn_int(s, "apps.bulk.count") * frame * 8 / line *
		      1e12; /* bulk's backlog served, ps */
	double start = (double)scn_time(s, "apps.late.start");
	double period = 1e12 / scn_double(s, "apps.late.rate");
	double deadline = (double)scn_time(s, "apps.late.deadline");
	double end = (double)scn_time(s, "duration"), n = 0;

	CHECK_GT_FATAL(scn_double(s, "apps.bulk.rate"), line);
	*sent = 0;
	/* CBR departures at start + k period, the end included */
	for (double k = 0, t = start; t <= end; t = start + ++k * period) {
		/* 20 us of margin for the stack's path and the late packets
		 * ahead */
		if (fabs(done - t - deadline) < 20e6)
			return -1;
		n += done - t > deadline;
		(*sent)++;
	}
	return n;
}

/* One run of expiry_yaml with expiry action k (drop, notify, none) and
 * the multiplexer's settings disc. */
static void expiry_mux_run(const char *const *disc, size_t nd, size_t k)
{
	static const char *const actions[] = { "drop", "notify", "none" };
	char set[64], what[96];
	const char *sets[MAXSETS];
	struct run_result r;
	struct scn *s = NULL;
	struct expiry_counts c;
	double want, want_sent;
	size_t n = 0;

	for (size_t i = 0; i < nd && n < MAXSETS - 1; i++)
		sets[n++] = disc[i];
	snprintf(set, sizeof(set), "apps.late.expiry=%s", actions[k]);
	sets[n++] = set;
	if (tr_run_text(expiry_yaml, sets, n, &r, &s))
		return;
	snprintf(what, sizeof(what), "%s, %s",
		 scn_str(s, "hosts.client.mux.discipline"), actions[k]);
	expiry_read(&r, &c);
	want = expiry_expected(s, &want_sent);
	expiry_say(what, &c);
	SAY("  %.0f of %.0f packets late by the model\n", want, want_sent);
	CHECKF(want > 5 && want < want_sent - 5,
	       "expected late packets %.0f of %.0f", want, want_sent);
	CHECKF(c.sent == want_sent, "%s: late sent %.0f, want %.0f", what,
	       c.sent, want_sent);
	CHECKF(c.evdrop == 0, "%s: %.0f events lost (ring full)", what,
	       c.evdrop);
	/* only the packet made at the very end is left */
	CHECKF(c.flight <= 1, "%s: %.0f in flight", what, c.flight);
	/* the app reads every event at its next send */
	CHECKF(c.expired == c.read && c.read == c.events,
	       "%s: app expired %.0f, events read %.0f, posted %.0f", what,
	       c.expired, c.read, c.events);
	if (k == 0) {
		/* every late packet found at the multiplexer, dropped
		 * there with one event */
		CHECKF(c.mux == want && c.drv == 0,
		       "%s: drops.expired mux %.0f (want %.0f) driver %.0f",
		       what, c.mux, want, c.drv);
		CHECKF(c.events == c.mux,
		       "%s: %.0f events for %.0f expired at the mux", what,
		       c.events, c.mux);
		CHECKF(c.dropped == c.mux &&
			       c.received == c.sent - c.flight - c.mux,
		       "%s: dropped %.0f received %.0f", what, c.dropped,
		       c.received);
	} else if (k == 1) {
		/* the same packets are late, reported once each
		 * (although they are late at the driver too), none
		 * dropped */
		CHECKF(c.mux + c.drv == 0,
		       "%s: drops.expired mux %.0f driver %.0f", what, c.mux,
		       c.drv);
		CHECKF(c.events + c.evdrop == want,
		       "%s: %.0f events (+%.0f lost) for %.0f late packets",
		       what, c.events, c.evdrop, want);
		CHECKF(c.received == c.sent - c.flight && c.dropped == 0,
		       "%s: received %.0f dropped %.0f", what, c.received,
		       c.dropped);
	} else {
		/* late but neither reported nor dropped */
		CHECKF(c.events + c.evdrop == 0 && c.expired == 0,
		       "%s: %.0f events (+%.0f lost), app expired %.0f", what,
		       c.events, c.evdrop, c.expired);
		CHECKF(c.mux + c.drv == 0, "%s: drops.expired %.0f", what,
		       c.mux + c.drv);
		CHECKF(c.received == c.sent - c.flight && c.dropped == 0,
		       "%s: received %.0f dropped %.0f", what, c.received,
		       c.dropped);
	}
	check_conservation(&r, s, what);
	scn_destroy(s);
	run_result_fini(&r);
}

static void test_expiry_mux(void)
{
	/* reserved_share: late waits in the best-effort FIFO behind bulk;
	 * fq_codel: late in class bk, below bulk's be, waits until be is
	 * empty: the same instant */
	static const char *const rs[] = {
		"hosts.client.mux.discipline=reserved_share"
	};
	static const char *const fq[] = {
		"hosts.client.mux.discipline=fq_codel",
		"apps.late.service_class=bk"
	};

	for (size_t k = 0; k < 3; k++) {
		expiry_mux_run(rs, 1, k);
		expiry_mux_run(fq, 2, k);
	}
}

/* (b) No multiplexer; the client's driver is a user-space one whose
 * every batch costs 300 us of IPC, so every TX packet leaves the driver
 * more than its 100 us deadline after it was made: all are late at the
 * driver, which checks before it hands a packet to the NIC. */
static const char driver_yaml[] =
	"name: lowlat-driver\n"
	"duration: 10ms\n"
	"seed: 1\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false }, rx_mode: poll }\n"
	"    driver: { placement: user, ipc_cost: 300us }\n"
	"  server:\n"
	"    nic: { iommu: { enabled: false }, rx_mode: poll }\n"
	"network: { kind: link, rate: 10Gbps, overhead: 20B }\n"
	"apps:\n"
	"  late: { host: client, peer: server, pattern: cbr, rate: 5kpps, size: 1000B, stack: user, deadline: 100us, expiry: drop }\n";

static void test_expiry_driver(void)
{
	static const char *const actions[] = { "drop", "notify", "none" };

	for (size_t k = 0; k < 3; k++) {
		char set[64];
		const char *sets[] = { set };
		struct run_result r;
		struct scn *s = NULL;
		struct expiry_counts c;

		snprintf(set, sizeof(set), "apps.late.expiry=%s", actions[k]);
		if (tr_run_text(driver_yaml, sets, 1, &r, &s))
			continue;
		expiry_read(&r, &c);
		expiry_say(actions[k], &c);
		CHECKF(c.drv_tx > 10 && c.evdrop == 0,
		       "%s: driver tx %.0f, %.0f events lost", actions[k],
		       c.drv_tx, c.evdrop);
		/* no multiplexer; the NIC does not check */
		CHECKF(isnan(c.mux) && isnan(tr_metric(&r, "hosts.client.nic",
						       "drops.expired")),
		       "%s: drops.expired mux %.0f", actions[k], c.mux);
		/* the app has read all but those posted since its last send */
		CHECKF(c.expired == c.read && c.read <= c.events &&
			       c.read >= c.events - 2,
		       "%s: app expired %.0f, events read %.0f, posted %.0f",
		       actions[k], c.expired, c.read, c.events);
		if (k == 0) {
			/* every packet the driver handled, once */
			CHECKF(c.drv == c.drv_tx && c.events == c.drv,
			       "drop: driver drops.expired %.0f of %.0f, events %.0f",
			       c.drv, c.drv_tx, c.events);
			CHECKF(c.dropped == c.drv && c.received == 0,
			       "drop: dropped %.0f received %.0f", c.dropped,
			       c.received);
		} else if (k == 1) {
			CHECKF(c.drv == 0 && c.events == c.drv_tx,
			       "notify: driver drops.expired %.0f, events %.0f for %.0f late packets",
			       c.drv, c.events, c.drv_tx);
			CHECKF(c.dropped == 0 && c.received > 0,
			       "notify: dropped %.0f received %.0f", c.dropped,
			       c.received);
		} else {
			CHECKF(c.drv == 0 && c.events == 0 && c.expired == 0,
			       "none: driver drops.expired %.0f, events %.0f, expired %.0f",
			       c.drv, c.events, c.expired);
		}
		check_conservation(&r, s, actions[k]);
		scn_destroy(s);
		run_result_fini(&r);
	}
}

/* (c) Handed to the device, sent: a 100 Mb/s NIC with a deep TX ring,
 * fed at 200 Mb/s with a 1 ms deadline by an app without a stack through
 * a kernel driver. The driver checks the deadline when it hands a packet
 * to the NIC; the NIC does not check, so without a multiplexer packets
 * wait in its ring far past their deadline and are sent all the same.
 * With one (fq_codel), packets wait there, the device's queue holds a
 * few frames, and a packet found late when the multiplexer takes it is
 * dropped: every packet delivered is within its deadline plus the frames
 * ahead of it in the device; and the wire stays busy: goodput >= 95% of
 * the line, its busy time exactly the sum of the frames' times (each
 * frame serialized once, by the NIC). */
static const char nic_yaml[] =
	"name: lowlat-nic\n"
	"duration: 10ms\n"
	"seed: 1\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false }, rx_mode: poll, rate: 100Mbps, tx_ring: 4096, framing: 20B }\n"
	"  server:\n"
	"    nic: { iommu: { enabled: false }, rx_mode: poll }\n"
	"network: { kind: link, rate: 10Gbps, overhead: 20B }\n"
	"apps:\n"
	"  late: { host: client, peer: server, pattern: cbr, rate: 200Mbps, size: 1000B, deadline: 1ms, expiry: drop }\n";

/* The highest value gauge comp.name took (NAN: no such gauge). */
static double gauge_max(const struct run_result *r, const char *comp,
			const char *name)
{
	struct stat_info si;

	if (stats_find(r->stats, comp, name, &si) || si.kind != STAT_GAUGE)
		return NAN;
	return si.u.gauge->max;
}

static void test_expiry_device(void)
{
	static const char *const mux[] = {
		"hosts.client.mux.discipline=fq_codel"
	};
	const double frame_ps = 1020.0 * 8 / 100e6 * 1e12; /* 81.6 us */
	struct run_result r;
	struct scn *s = NULL;
	struct expiry_counts c;
	double deadline, frames, busy, dur, bytes;

	/* no multiplexer: late in the ring, sent anyway */
	if (tr_run_text(nic_yaml, NULL, 0, &r, &s))
		return;
	expiry_read(&r, &c);
	expiry_say("no mux", &c);
	deadline = (double)scn_time(s, "apps.late.deadline");
	CHECKF(quant(&r, "apps.late", "latency", 1.0) > 2 * deadline,
	       "latency max %.0f ps, deadline %.0f ps",
	       quant(&r, "apps.late", "latency", 1.0), deadline);
	CHECKF(isnan(tr_metric(&r, "hosts.client.nic", "drops.expired")) &&
		       c.drv == 0 && c.expired == 0 && c.dropped == 0,
	       "drops.expired driver %.0f, expired %.0f, dropped %.0f", c.drv,
	       c.expired, c.dropped);
	check_conservation(&r, s, "no mux");
	scn_destroy(s);
	run_result_fini(&r);

	/* the multiplexer: late dropped before the device */
	if (tr_run_text(nic_yaml, mux, 1, &r, &s))
		return;
	expiry_read(&r, &c);
	expiry_say("fq_codel", &c);
	dur = (double)scn_time(s, "duration");
	CHECKF(c.mux > 0 && c.expired == c.mux && c.dropped == c.mux,
	       "drops.expired mux %.0f, expired %.0f, dropped %.0f", c.mux,
	       c.expired, c.dropped);
	/* the deadline, the frames the device holds (its limit, one more
	 * handed on top, the one on the wire) and a few us of path */
	CHECKF(quant(&r, "apps.late", "latency", 1.0) <=
		       deadline +
			       (gauge_max(&r, "hosts.client.mux",
					  "device_limit") /
					1020.0 +
				2) * frame_ps +
			       20e6,
	       "latency max %.0f ps, deadline %.0f ps, device limit %.0f B",
	       quant(&r, "apps.late", "latency", 1.0), deadline,
	       gauge_max(&r, "hosts.client.mux", "device_limit"));
	frames = tr_metric(&r, "hosts.client.nic", "tx_frames");
	busy = tr_metric(&r, "hosts.client.nic", "wire_busy");
	bytes = c.received * 1000 * 8;
	CHECKF(fabs(busy - frames * frame_ps) < 1,
	       "wire busy %.0f ps for %.0f frames of %.0f ps", busy, frames,
	       frame_ps);
	CHECKF(busy >= 0.95 * dur, "wire busy %.0f ps of %.0f", busy, dur);
	CHECKF(bytes / (dur / 1e12) >= 0.95 * 100e6 * 1000 / 1020,
	       "goodput %.0f bit/s", bytes / (dur / 1e12));
	check_conservation(&r, s, "fq_codel");
	scn_destroy(s);
	run_result_fini(&r);
}

/* Transmit status: an app that asks for it gets one event per packet that
 * has left its host's NIC, in its channel's event ring, read by its stack
 * before its next sync; the receiving end posts none. */
static const char status_yaml[] =
	"name: lowlat-status\n"
	"duration: 10ms\n"
	"seed: 1\n"
	"hosts:\n"
	"  client: { nic: { iommu: { enabled: false } } }\n"
	"  server: { like: client }\n"
	"network: { kind: link, rate: 10Gbps, overhead: 20B }\n"
	"apps:\n"
	"  a: { host: client, peer: server, pattern: cbr, rate: 100kpps, size: 512B, stack: user, tx_status: true }\n";

static void test_tx_status(void)
{
	struct run_result r;
	struct scn *s = NULL;
	double frames, posted, read, status;

	if (tr_run_text(status_yaml, NULL, 0, &r, &s))
		return;
	frames = tr_metric(&r, "hosts.client.nic", "tx_frames");
	posted = tr_metric(&r, "hosts.client.stack.a", "events.posted");
	read = tr_metric(&r, "hosts.client.stack.a", "events.read");
	status = tr_metric(&r, "hosts.client.stack.a", "events.tx_status");
	SAY("  tx status: frames %.0f posted %.0f read %.0f status %.0f\n",
	    frames, posted, read, status);
	CHECKF(frames > 900 && posted == frames, "frames %.0f posted %.0f",
	       frames, posted);
	CHECKF(status == read && read <= posted && posted - read <= 1,
	       "read %.0f status %.0f posted %.0f", read, status, posted);
	CHECKF(tr_metric(&r, "hosts.server.stack.a", "events.posted") == 0,
	       "the receiving end posted %.0f events",
	       tr_metric(&r, "hosts.server.stack.a", "events.posted"));
	check_conservation(&r, s, "status");
	scn_destroy(s);
	run_result_fini(&r);
}

/* ---- 4. advisories, a rate step and adaptive apps ---- */

/* One app of 1500 B CBR at 6 Gb/s through 10 Gb/s switch ports that step
 * down to 2 Gb/s at 50 ms. Statistics (histograms) from the step on. */
static const char adv_yaml[] =
	"name: lowlat-advisory\n"
	"duration: 70ms\n"
	"warmup: 50ms\n"
	"seed: 1\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false }, rx_mode: poll }\n"
	"  server: { like: client }\n"
	"network: { kind: link, rate: 10Gbps, overhead: 20B, rate_step: 2Gbps, rate_step_at: 50ms }\n"
	"apps:\n"
	"  video: { host: client, peer: server, pattern: cbr, rate: 6Gbps, size: 1500B, adaptive: true }\n";

struct adv_counts {
	double p99, qd99, sent, dropped, port_drops;
	double published, adv_dropped, delivered, rate_changes, advisories;
	double skipped;
	double capacity; /* the last report's */
	double attempts; /* reports due: periodic ticks and the step */
};

static int adv_run(const char *const *sets, size_t n, struct adv_counts *c,
		   const char *what)
{
	const char *adv = "hosts.client.advisory";
	struct run_result r;
	struct scn *s = NULL;
	struct stat_info si;

	if (tr_run_text(adv_yaml, sets, n, &r, &s))
		return -1;
	c->p99 = quant(&r, "apps.video", "latency", 0.99);
	c->qd99 = quant(&r, "apps.video", "queue_delay", 0.99);
	c->sent = tr_metric(&r, "apps.video", "sent");
	c->dropped = tr_metric(&r, "apps.video", "dropped");
	c->port_drops = tr_metric(&r, "network.server", "drops.queue_full");
	c->published = tr_metric(&r, adv, "published");
	c->adv_dropped = tr_metric(&r, adv, "dropped");
	c->delivered = tr_metric(&r, adv, "delivered");
	c->skipped = tr_metric(&r, adv, "skipped");
	c->rate_changes = tr_metric(&r, "apps.video", "rate_changes");
	c->advisories = tr_metric(&r, "apps.video", "advisories");
	c->capacity = !stats_find(r.stats, adv, "capacity", &si) &&
				      si.kind == STAT_GAUGE
			      ? si.u.gauge->value
			      : NAN;
	/* periodic: ticks at 0, interval, ... up to the end included */
	c->attempts =
		1 +
		(strcmp(scn_str(s, "hosts.client.advisory.mode"), "periodic")
			 ? 1
			 : floor((double)scn_time(s, "duration") /
				 (double)scn_time(
					 s, "hosts.client.advisory.interval")) +
				   1);
	SAY("%s: latency p99 %.0f ps, queue_delay p99 %.0f ps; sent %.0f dropped %.0f "
	    "(switch port %.0f); advisory published %.0f dropped %.0f delivered %.0f "
	    "(due %.0f), last capacity %.0f; app advisories %.0f rate_changes %.0f\n",
	    what, c->p99, c->qd99, c->sent, c->dropped, c->port_drops,
	    c->published, c->adv_dropped, c->delivered, c->attempts,
	    c->capacity, c->advisories, c->rate_changes);
	check_conservation(&r, s, what);
	scn_destroy(s);
	run_result_fini(&r);
	return 0;
}

static void test_advisory(void)
{
	static const char *const fixed[] = { "apps.video.adaptive=false" };
	static const char *const change[] = {
		"hosts.client.advisory.mode=change"
	};
	static const char *const busy[] = {
		"hosts.client.advisory.interval=1ms",
		"hosts.client.advisory.busy=1.5ms"
	};
	struct adv_counts a, f, ch, b;

	if (adv_run(NULL, 0, &a, "adaptive") ||
	    adv_run(fixed, 1, &f, "fixed") ||
	    adv_run(change, 1, &ch, "adaptive, mode change") ||
	    adv_run(busy, 2, &b, "adaptive, busy lock"))
		return;
	/* the fixed-rate app overloads the 2 Gb/s port: a full queue and
	 * drops there; it does not subscribe, so there is no publisher */
	CHECKF(f.port_drops > 0 && f.dropped == f.port_drops,
	       "fixed: switch port drops %.0f, app dropped %.0f", f.port_drops,
	       f.dropped);
	CHECKF(isnan(f.published) && isnan(f.rate_changes),
	       "fixed: published %.0f, rate changes %.0f", f.published,
	       f.rate_changes);
	/* the report at the step advises the new capacity (the lowest of
	 * the other hosts' switch ports) */
	CHECKF(ch.capacity == 2e9 && a.capacity == 2e9,
	       "last advised capacity %.0f (mode change), %.0f (periodic), want 2e9",
	       ch.capacity, a.capacity);
	/* after the step the adaptive app sends below the new capacity:
	 * its queueing is far below the fixed app's, nothing is lost */
	CHECKF(a.p99 * 10 < f.p99 && a.qd99 * 10 < f.qd99,
	       "after the step: adaptive p99 %.0f ps (queue %.0f), fixed %.0f ps (queue %.0f)",
	       a.p99, a.qd99, f.p99, f.qd99);
	CHECKF(ch.p99 * 10 < f.p99, "change: p99 %.0f ps, fixed %.0f ps",
	       ch.p99, f.p99);
	CHECKF(a.dropped == 0 && ch.dropped == 0,
	       "adaptive apps dropped %.0f (periodic), %.0f (change)",
	       a.dropped, ch.dropped);
	/* periodic: every report due overwrites the slot; a notification
	 * due while the lock is held is dropped (at most the tick at the
	 * step's instant); each notified report is read 50 us later, so the
	 * one at the end is not; a report whose notification was dropped is
	 * skipped (the next read finds a later one) */
	CHECKF(a.published == a.attempts && a.adv_dropped <= 1,
	       "periodic: published %.0f dropped %.0f, %.0f due", a.published,
	       a.adv_dropped, a.attempts);
	CHECKF(a.delivered == a.published - a.adv_dropped - 1 &&
		       a.skipped == a.adv_dropped &&
		       a.advisories == a.delivered,
	       "periodic: delivered %.0f skipped %.0f of %.0f (%.0f notifications dropped), app advisories %.0f",
	       a.delivered, a.skipped, a.published, a.adv_dropped,
	       a.advisories);
	CHECKF(a.rate_changes >= 1, "adaptive: rate changes %.0f",
	       a.rate_changes);
	/* mode change: a report at the subscription and one at the step;
	 * the app changes its rate at each (10 -> 2 Gb/s advised) */
	CHECKF(ch.published == 2 && ch.adv_dropped == 0 && ch.delivered == 2,
	       "change: published %.0f dropped %.0f delivered %.0f",
	       ch.published, ch.adv_dropped, ch.delivered);
	CHECKF(ch.rate_changes == 2, "change: rate changes %.0f",
	       ch.rate_changes);
	/* a 1.5 ms lock every 1 ms: every other notification is dropped,
	 * and every report written; the reports not notified are skipped */
	CHECKF(b.published == b.attempts && b.adv_dropped > 0 &&
		       fabs(b.published - 2 * b.adv_dropped) <= 1,
	       "busy: published %.0f dropped %.0f, %.0f due", b.published,
	       b.adv_dropped, b.attempts);
	/* the reports alternate notified, not notified, and the last is
	 * not: each notified one but the last (still on its way at the end)
	 * is read, each other one skipped, but the last (no read after it) */
	CHECKF(b.delivered == b.published - b.adv_dropped - 1 &&
		       b.skipped == b.adv_dropped - 1,
	       "busy: delivered %.0f skipped %.0f of %.0f", b.delivered,
	       b.skipped, b.published);
}

/* ---- Wi-Fi: the low-latency lane in the device, bulk best effort or
 * background ---- */

/* An RPC (think 5 ms) in EDCA's voice access category next to bulk that
 * keeps the station's own queue full (600 Mb/s offered, 16 KiB
 * A-MPDUs). A request that arrives during a bulk PPDU waits for its end
 * (an 802.11 transmission is not interrupted) and then contends with
 * the station's bulk access category. In best effort (AIFSN 3, CWmin 15)
 * against voice (AIFSN 2, CWmin 3) bulk's backoff expires first in 3 of
 * 64 draws (b_be + 3 < b_vo + 2): the request then waits a second PPDU.
 * In background (AIFSN 7, service class bk) voice always counts down
 * first (2 + 3 < 7): at most one PPDU. The PPDU's airtime D is the
 * A-MPDU bound at the data rate ns-3 chose. */
static const char wifi_yaml[] =
	"name: lowlat-wifi\n"
	"duration: 1s\n"
	"warmup: 100ms\n"
	"seed: 1\n"
	"engine: ns3\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false }, rx_mode: poll }\n"
	"    mux: { discipline: reserved_share, share: 0.2, placement: device }\n"
	"  server: { like: client }\n"
	"network: { kind: ns3-wifi, wifi: { distance: 10, channel_width: 80, rate_control: ideal, max_ampdu: 16KiB } }\n"
	"apps:\n"
	"  rpc: { host: client, peer: server, pattern: rpc, size: 64B, stack: user, class: low_latency, ll_rate: 50Mbps, think: 5ms }\n"
	"  bulk: { host: client, peer: server, pattern: poisson, rate: 600Mbps, size: 1500B, stack: user }\n";

struct wifi_point {
	double p50, p99, max, bulk_bytes, rate;
};

static int wifi_run(const char *const *sets, size_t n, const char *what,
		    struct wifi_point *w)
{
	struct run_result r;
	struct scn *s = NULL;

	if (tr_run_text(wifi_yaml, sets, n, &r, &s))
		return -1;
	w->p50 = quant(&r, "apps.rpc", "rtt", 0.5);
	w->p99 = quant(&r, "apps.rpc", "rtt", 0.99);
	w->max = quant(&r, "apps.rpc", "rtt", 1.0);
	w->bulk_bytes = tr_metric(&r, "apps.bulk", "received_bytes");
	w->rate = tr_metric(&r, "network", "rate");
	SAY("%s: rtt p50 %.1f us p99 %.1f us max %.1f us; bulk %.1f Mb/s; rate %.0f\n",
	    what, w->p50 / 1e6, w->p99 / 1e6, w->max / 1e6,
	    w->bulk_bytes * 8 / 0.9 / 1e6, w->rate);
	check_conservation(&r, s, what);
	scn_destroy(s);
	run_result_fini(&r);
	return 0;
}

static void test_wifi_background(void)
{
	static const char *const idle[] = { "apps.bulk.rate=1kbps" };
	static const char *const bk[] = { "apps.bulk.service_class=bk" };
	struct wifi_point u, be, bg;
	double d;

	if (wifi_run(idle, 1, "unloaded", &u) || wifi_run(NULL, 0, "be", &be) ||
	    wifi_run(bk, 1, "bk", &bg))
		return;
	d = 16384.0 * 8 / bg.rate * 1e12; /* ps */
	CHECKF(bg.rate > 0 && bg.rate == be.rate, "rate be %.0f bk %.0f",
	       be.rate, bg.rate);
	/* best effort: some requests wait for two PPDUs */
	CHECKF(be.max > u.p50 + 2 * d, "be: max %.0f ps, unloaded %.0f, D %.0f",
	       be.max, u.p50, d);
	CHECKF(be.p99 > u.p99 + 1.5 * d,
	       "be: p99 %.0f ps, unloaded %.0f, D %.0f", be.p99, u.p99, d);
	/* background: at most one, with its block acknowledgement (SIFS 16
	 * us and about 50 us), voice's AIFS (34 us) and backoff (up to 27
	 * us) and a PPDU preamble (about 50 us) */
	CHECKF(bg.p99 < u.p99 + d + 200e6,
	       "bk: p99 %.0f ps, unloaded %.0f, D %.0f", bg.p99, u.p99, d);
	CHECKF(bg.p99 < be.p99 - 0.3 * d, "p99 bk %.0f ps, be %.0f", bg.p99,
	       be.p99);
	/* and bulk still has the cell, less the 4 slots longer AIFS */
	CHECKF(bg.bulk_bytes > 0.85 * be.bulk_bytes, "bulk bk %.0f B, be %.0f",
	       bg.bulk_bytes, be.bulk_bytes);
}

/* The voice bound (network.wifi.vo_bound D, 500 us): while the station
 * sends voice, each of its best-effort and background A-MPDUs carries at
 * most D of airtime at its data rate, so a request waits for at most one
 * such PPDU (bulk in background): p99 within unloaded + D + 200 us, where
 * 64 KiB A-MPDUs (about 1.3 ms) give more. The bound holds from the first
 * request to the end (one bound: requests come every 5 ms, within the
 * 102.4 ms hold); with a 1 ms hold each request starts a bound of its
 * own, as the response comes from the other device. */
static void test_wifi_vo_bound(void)
{
	static const char *const idle[] = { "apps.bulk.rate=1kbps",
					    "network.wifi.max_ampdu=65535B",
					    "apps.bulk.service_class=bk" };
	static const char *const open[] = { "network.wifi.max_ampdu=65535B",
					    "apps.bulk.service_class=bk" };
	static const char *const bound[] = { "network.wifi.max_ampdu=65535B",
					     "apps.bulk.service_class=bk",
					     "network.wifi.vo_bound=500us" };
	static const char *const hold[] = { "network.wifi.max_ampdu=65535B",
					    "apps.bulk.service_class=bk",
					    "network.wifi.vo_bound=500us",
					    "network.wifi.vo_hold=1ms",
					    "warmup=0" };
	struct wifi_point u, o, b;
	struct run_result r;
	double d = 500e6, lim, n, sent;

	if (wifi_run(idle, 3, "unloaded", &u) ||
	    wifi_run(open, 2, "bk, 64 KiB", &o) ||
	    wifi_run(bound, 3, "bk, 64 KiB, bound 500 us", &b))
		return;
	CHECKF(b.p99 < u.p99 + d + 200e6, "bound: p99 %.0f ps, unloaded %.0f",
	       b.p99, u.p99);
	CHECKF(o.p99 > b.p99 + 400e6, "p99 open %.0f ps, bound %.0f", o.p99,
	       b.p99);

	if (tr_run_text(wifi_yaml, bound, 3, &r, NULL))
		return;
	lim = floor(tr_metric(&r, "network", "rate") * 500e-6 / 8);
	n = tr_metric(&r, "network", "vo_psdu_max");
	CHECKF(tr_metric(&r, "network", "vo_psdu_bound") == lim,
	       "bound %.0f B, D x rate / 8 = %.0f B",
	       tr_metric(&r, "network", "vo_psdu_bound"), lim);
	CHECKF(n <= lim && n > 0.8 * lim, "longest PSDU %.0f B, bound %.0f B",
	       n, lim);
	CHECKF(tr_metric(&r, "network", "vo_bounds") == 1, "bounds %.0f",
	       tr_metric(&r, "network", "vo_bounds"));
	CHECKF(tr_metric(&r, "network", "vo_bound_time") > 0.99e12 &&
		       tr_metric(&r, "network", "vo_bound_time") <= 1e12,
	       "bound held %.0f ps of 1 s",
	       tr_metric(&r, "network", "vo_bound_time"));
	run_result_fini(&r);

	if (tr_run_text(wifi_yaml, hold, 5, &r, NULL))
		return;
	/* one bound per request: per round trip, and the last request may
	 * still be out */
	sent = (double)tr_histo(&r, "apps.rpc", "rtt")->count;
	n = tr_metric(&r, "network", "vo_bounds");
	CHECKF(sent > 100 && (n == sent || n == sent + 1),
	       "bounds %.0f, round trips %.0f", n, sent);
	run_result_fini(&r);
}

int suite_lowlat(void)
{
	CU_pSuite s = CU_add_suite("lowlat", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "ll_share: reserved share vs none",
			 test_ll_share) ||
	    !CU_add_test(s, "expiry at the multiplexer", test_expiry_mux) ||
	    !CU_add_test(s, "expiry at the driver", test_expiry_driver) ||
	    !CU_add_test(s, "transmit status events", test_tx_status) ||
	    !CU_add_test(
		    s,
		    "handed to the device, sent; the wire busy once per frame",
		    test_expiry_device) ||
	    !CU_add_test(s, "advisories, rate step, adaptive apps",
			 test_advisory) ||
	    !CU_add_test(s, "Wi-Fi: bulk in background waits less",
			 test_wifi_background) ||
	    !CU_add_test(s, "Wi-Fi: the voice bound", test_wifi_vo_bound) ||
	    !CU_add_test(s, "ll_share on both engines", test_engines))
		return CU_get_error();
	return 0;
}
