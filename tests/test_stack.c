/*
 * test_stack.c - the host software path: protocol stacks (kernel and
 * user), channels, the flow switch and the CPU accounting, end to end.
 *
 * Scenario checks, run from the repository root through run_scenario():
 *   - scenarios/stack_compare.yaml (its four sweep points: kernel, user
 *     with batch 1, 8 and 32): the CPU a delivered packet costs, measured
 *     from the cores' busy counters, is lower on the user path with
 *     batching, and the difference is what the configured costs of the
 *     syscalls, copies, wakeups and context switches the user path saves
 *     make; protocol processing and flow switch work per packet are the
 *     same on both paths; TX syncs and copies per packet are what the
 *     path's design says.
 *   - scenarios/spoof.yaml: every forgery is dropped with its reason,
 *     no benign packet is, and the check's CPU time is classify x packets
 *     seen, exactly (also against a run without the spoofers).
 *   - conservation of packets per app in both scenarios.
 *   - the stage breakdown adds up, and an RPC's rtt is the sum of the
 *     one-way latencies of its request and response.
 *   - an unloaded user-path RPC (scenario written here) whose stack
 *     stages are exactly the configured costs.
 *   - the channel's RX low-water mark, a torn-down flow, and errors for
 *     bad stack settings.
 *   - device buffers taken at the flow switch's copy (scenario written
 *     here): the buffers each pool holds mid-job and after it, exactly,
 *     and the drops when the copy finds no device buffer.
 * Expected values come from the scenario's parameters (scn_time() etc.)
 * rather than from constants where possible.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "run.h"
#include "scenario.h"
#include "stats.h"
#include "sweep.h"
#include "runs.h"
#include "util.h"

#define COMPARE "scenarios/stack_compare.yaml"
#define SPOOF "scenarios/spoof.yaml"
#define MAXSETS 16

/* Sum of counter `name` over every component that starts with prefix and
 * contains mid (mid NULL: any). */
static double sum_counters(const struct run_result *r, const char *prefix,
			   const char *mid, const char *name)
{
	double sum = 0;

	for (size_t i = 0; i < stats_count(r->stats); i++) {
		struct stat_info si;

		stats_get(r->stats, i, &si);
		if (si.kind != STAT_COUNTER || strcmp(si.metric, name) ||
		    strncmp(si.component, prefix, strlen(prefix)) ||
		    (mid && !strstr(si.component, mid)))
			continue;
		sum += (double)*si.u.counter;
	}
	return sum;
}

/* Busy time of every core of every host (ps). */
static double busy_ps(const struct run_result *r)
{
	return sum_counters(r, "hosts.", ".cpu.", "busy");
}

/* Packets delivered: received over every app. */
static double delivered(const struct run_result *r)
{
	return sum_counters(r, "apps.", NULL, "received");
}

/* A CPU counter (syscalls, copied_bytes...) summed over the hosts. */
static double cpu_count(const struct run_result *r, const char *name)
{
	return tr_metric(r, "hosts.client.cpu", name) +
	       tr_metric(r, "hosts.server.cpu", name);
}

/* hosts.HOST.flowswitch.KEY */
static const char *fsw_path(char *buf, size_t n, const char *host,
			    const char *key)
{
	snprintf(buf, n, "hosts.%s.flowswitch.%s", host, key);
	return buf;
}

static sim_time fsw_time_param(const struct scn *s, const char *host,
			       const char *key)
{
	char path[128];

	return scn_time(s, fsw_path(path, sizeof(path), host, key));
}

/* The spoofing check's cost per checked TX packet: 0 if it is off. */
static sim_time fsw_check_ps(const struct scn *s, const char *host)
{
	char path[128];

	if (!scn_int(s, fsw_path(path, sizeof(path), host, "spoof_check")))
		return 0;
	return scn_time(s, fsw_path(path, sizeof(path), host, "check"));
}

static sim_time ctxsw_param(const struct scn *s, const char *host)
{
	char path[128];

	snprintf(path, sizeof(path), "hosts.%s.cpu.context_switch", host);
	return scn_time(s, path);
}

/* The flow switch's statistics component of host. */
static const char *fsw_comp(const struct run_result *r, char *buf, size_t n,
			    const char *host)
{
	(void)r;
	snprintf(buf, n, "hosts.%s.flowswitch", host);
	return buf;
}

/* sent == received + dropped + in_flight for every app, and the pool's
 * packets in use are the apps' in flight. */
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

		CHECKF(sent == recv + drop + fl,
		       "%s: app %s: sent %.0f received %.0f dropped %.0f in flight %.0f",
		       what, apps[i], sent, recv, drop, fl);
		in_flight += fl;
	}
	CHECKF(tr_metric(r, "sim", "packets_in_use") == in_flight,
	       "%s: packets in use %.0f, in flight %.0f", what,
	       tr_metric(r, "sim", "packets_in_use"), in_flight);
}

/* ---- 1. stack_compare ---- */

/* One sweep point's numbers. */
struct point {
	char stack[16];
	int64_t batch;
	double pkts, busy, per_packet, syscalls_pp, copies_pp;
	double syscalls, copied, wakeups, cross, ctxsw;
	double proto, fsw; /* time.proto, time.flowswitch (ps), all hosts */
	double checked;	   /* TX packets the spoofing check saw */
	double check_ps;   /* its cost per packet */
	double tx_syncs, tx_packets;
	double in_flight; /* packets of the apps still in flight at the end */
	int64_t burst;
};

static int run_compare_point(const struct sweep *sw, size_t i, struct point *pt,
			     struct scn **keep, struct run_result *r)
{
	const char *const *psets;
	size_t np = sweep_point_sets(sw, i, &psets);
	const char *sets[MAXSETS];
	struct scn *s = NULL;
	size_t n = 0;

	for (size_t k = 0; k < np && n < MAXSETS - 1; k++)
		sets[n++] = psets[k];
	sets[n++] = "duration=50ms";
	if (tr_run_sets(COMPARE, sets, n, r, &s))
		return -1;
	memset(pt, 0, sizeof(*pt));
	snprintf(pt->stack, sizeof(pt->stack), "%s",
		 scn_str(s, "apps.bulk.stack"));
	pt->batch = scn_int(s, "hosts.client.stack.batch");
	pt->burst = scn_int(s, "apps.bulk.burst");
	pt->pkts = delivered(r);
	pt->busy = busy_ps(r);
	pt->per_packet = tr_metric(r, "cpu", "per_packet");
	pt->syscalls_pp = tr_metric(r, "cpu", "syscalls_per_packet");
	pt->copies_pp = tr_metric(r, "cpu", "copies_per_packet");
	pt->in_flight = tr_metric(r, "apps.rpc", "in_flight") +
			tr_metric(r, "apps.bulk", "in_flight");
	pt->syscalls = cpu_count(r, "syscalls");
	pt->copied = cpu_count(r, "copied_bytes");
	pt->wakeups = cpu_count(r, "wakeups");
	pt->cross = cpu_count(r, "wakeups_cross");
	pt->ctxsw = cpu_count(r, "context_switches");
	pt->proto = cpu_count(r, "time.proto");
	pt->fsw = cpu_count(r, "time.flowswitch");
	{
		char fc[64], fs[64];

		pt->checked =
			tr_metric(r, fsw_comp(r, fc, sizeof(fc), "client"),
				  "tx.packets") +
			tr_metric(r, fsw_comp(r, fs, sizeof(fs), "server"),
				  "tx.packets");
	}
	pt->check_ps = (double)fsw_check_ps(s, "client");
	pt->fsw -= pt->check_ps * pt->checked; /* the classify part */
	pt->tx_syncs = tr_metric(r, "hosts.client.stack.bulk", "tx.syncs");
	pt->tx_packets = tr_metric(r, "hosts.client.stack.bulk", "tx.packets");
	SAY("point %zu: %s batch %lld: %.0f pkts, busy/pkt %.1f ps, "
	    "cpu.per_packet %.1f, syscalls/pkt %.4f, copies/pkt %.5f, "
	    "bytes/pkt %.1f, wakeups/pkt %.4f (cross %.4f), ctxsw/pkt %.4f, "
	    "proto/pkt %.2f, fsw (classify)/pkt %.2f, checked/pkt %.4f, "
	    "bulk tx syncs %.0f packets %.0f\n",
	    i, pt->stack, (long long)pt->batch, pt->pkts, pt->busy / pt->pkts,
	    pt->per_packet, pt->syscalls_pp, pt->copies_pp,
	    pt->copied / pt->pkts, pt->wakeups / pt->pkts, pt->cross / pt->pkts,
	    pt->ctxsw / pt->pkts, pt->proto / pt->pkts, pt->fsw / pt->pkts,
	    pt->checked / pt->pkts, pt->tx_syncs, pt->tx_packets);
	*keep = s;
	return 0;
}

/* The expected saving per packet, from the configured costs. */
static double expected_saving(const struct scn *s, const struct point *k,
			      const struct point *u)
{
	double sys = (double)scn_time(s, "hosts.client.cpu.syscall");
	double ctx = (double)ctxsw_param(s, "client");
	double wc = (double)scn_time(s, "hosts.client.cpu.wakeup_cross");
	double ws = (double)scn_time(s, "hosts.client.cpu.wakeup_same");
	double Bps = scn_double(s, "hosts.client.cpu.copy_bw") / 8;
	double d_sys = k->syscalls / k->pkts - u->syscalls / u->pkts;
	double d_bytes = k->copied / k->pkts - u->copied / u->pkts;
	double d_cross = k->cross / k->pkts - u->cross / u->pkts;
	double d_same = (k->wakeups - k->cross) / k->pkts -
			(u->wakeups - u->cross) / u->pkts;
	double d_ctx = k->ctxsw / k->pkts - u->ctxsw / u->pkts;

	/* what the user path pays on top: the spoofing check of its TX */
	double d_check = k->checked / k->pkts - u->checked / u->pkts;

	return d_sys * sys + d_bytes / Bps * 1e12 + d_cross * wc + d_same * ws +
	       d_ctx * ctx + d_check * u->check_ps;
}

static void test_compare(void)
{
	struct scn *base = NULL, *s[4] = { 0 };
	struct sweep *sw = NULL;
	struct point pt[4];
	struct run_result r;
	char err[512];
	size_t np;

	if (tr_load(COMPARE, NULL, 0, &base))
		return;
	if (sweep_expand(base, &sw, err, sizeof(err))) {
		CHECKF(0, "%s", err);
		scn_destroy(base);
		return;
	}
	np = sweep_count(sw);
	CHECK_EQ_FATAL(np, 4);
	for (size_t i = 0; i < np; i++) {
		if (run_compare_point(sw, i, &pt[i], &s[i], &r))
			goto out;
		check_conservation(&r, s[i], "stack_compare");
		run_result_fini(&r);
	}
	CHECKF(!strcmp(pt[0].stack, "kernel"), "point 0 is %s", pt[0].stack);
	for (size_t i = 1; i < np; i++) {
		const struct point *k = &pt[0], *u = &pt[i];
		double c = ceil((double)u->burst / (double)u->batch);
		double want, got;

		CHECKF(!strcmp(u->stack, "user"), "point %zu is %s", i,
		       u->stack);
		/* 1c: TX syncs of the bulk app: ceil(burst / batch) per
		 * burst; at most one partial burst at the end */
		CHECKF(fabs(u->tx_syncs -
			    c * u->tx_packets / (double)u->burst) <= c,
		       "batch %lld: %.0f syncs for %.0f packets, want %.0f/%lld per packet",
		       (long long)u->batch, u->tx_syncs, u->tx_packets, c,
		       (long long)u->burst);
		/* 1c: copies per delivered packet: one on each host, and
		 * at most that for each packet still in flight at the end */
		CHECKF(u->copies_pp >= 2 &&
			       (u->copies_pp - 2) * u->pkts <= 2 * u->in_flight,
		       "batch %lld: %.5f copies per packet, %.0f in flight of %.0f",
		       (long long)u->batch, u->copies_pp, u->in_flight,
		       u->pkts);
		/* 1b: the same protocol and flow switch work per packet */
		CHECKF(fabs(u->proto / u->pkts / (k->proto / k->pkts) - 1) <
			       5e-3,
		       "batch %lld: proto per packet %.2f ps, kernel %.2f ps",
		       (long long)u->batch, u->proto / u->pkts,
		       k->proto / k->pkts);
		CHECKF(fabs(u->fsw / u->pkts / (k->fsw / k->pkts) - 1) < 5e-3,
		       "batch %lld: flow switch per packet %.2f ps, kernel %.2f ps",
		       (long long)u->batch, u->fsw / u->pkts, k->fsw / k->pkts);
		/* 1b: the saving is the costs of what the user path does
		 * not do */
		want = expected_saving(s[i], k, u);
		got = k->busy / k->pkts - u->busy / u->pkts;
		SAY("batch %lld: saving %.1f ps/pkt measured, %.1f expected\n",
		    (long long)u->batch, got, want);
		CHECKF(want > 0 && fabs(got - want) <= 0.05 * want,
		       "batch %lld: busy saving %.1f ps per packet, costs say %.1f",
		       (long long)u->batch, got, want);
		if (u->batch <= 1)
			continue;
		/* 1a */
		CHECKF(u->per_packet < k->per_packet,
		       "batch %lld: cpu.per_packet %.1f, kernel %.1f",
		       (long long)u->batch, u->per_packet, k->per_packet);
		CHECKF(u->busy / u->pkts < k->busy / k->pkts,
		       "batch %lld: busy per packet %.1f, kernel %.1f",
		       (long long)u->batch, u->busy / u->pkts,
		       k->busy / k->pkts);
		CHECKF(u->syscalls_pp < k->syscalls_pp,
		       "batch %lld: syscalls per packet %.4f, kernel %.4f",
		       (long long)u->batch, u->syscalls_pp, k->syscalls_pp);
	}
	/* 1c, kernel: one send() per packet (the last may be in service) */
	CHECKF(pt[0].tx_syncs - pt[0].tx_packets >= 0 &&
		       pt[0].tx_syncs - pt[0].tx_packets <= 1 &&
		       pt[0].tx_packets > 0,
	       "kernel: %.0f sends for %.0f packets", pt[0].tx_syncs,
	       pt[0].tx_packets);
	CHECKF(fabs(pt[0].copies_pp - 4) < 4e-3,
	       "kernel: %.5f copies per packet", pt[0].copies_pp);
out:
	for (size_t i = 0; i < 4; i++)
		scn_destroy(s[i]);
	sweep_destroy(sw);
	scn_destroy(base);
}

/* ---- 2. spoof ---- */

static const char *const forgeries[] = { "saddr", "sport", "proto", "replay" };
#define NFORGERIES (sizeof(forgeries) / sizeof(forgeries[0]))

static void test_spoof(void)
{
	static const char *const benign[] = { "web", "rpc", "legacy" };
	const char *late[] = { "apps.evil_saddr.start=1s",
			       "apps.evil_sport.start=1s",
			       "apps.evil_proto.start=1s",
			       "apps.evil_replay.start=1s" };
	char F[64];
	struct run_result r, q;
	struct scn *s = NULL;
	double no_flow = 0, forged = 0, classify, check, fsw_time, seen, want;
	double extra;

	if (tr_run_sets(SPOOF, NULL, 0, &r, &s))
		return;
	fsw_comp(&r, F, sizeof(F), "client");
	for (size_t k = 0; k < 4; k++) {
		char m[64];
		double sent, dropped;

		snprintf(m, sizeof(m), "forged.%s.sent", forgeries[k]);
		sent = tr_metric(&r, F, m);
		snprintf(m, sizeof(m), "forged.%s.dropped", forgeries[k]);
		dropped = tr_metric(&r, F, m);
		SAY("spoof: %s sent %.0f dropped %.0f\n", forgeries[k], sent,
		    dropped);
		CHECKF(sent > 0 && dropped == sent,
		       "forgery %s: sent %.0f, dropped %.0f", forgeries[k],
		       sent, dropped);
		if (k < 3)
			no_flow += sent;
		forged += sent;
	}
	CHECK_EQ(tr_metric(&r, F, "forged.passed"), 0);
	CHECK_EQ(tr_metric(&r, F, "forged.wrong_reason"), 0);
	CHECK_EQ(tr_metric(&r, F, "benign.dropped"), 0);
	for (size_t i = 0; i < 3; i++)
		CHECKF(tr_metricf(&r, "dropped", "apps.%s", benign[i]) == 0 &&
			       tr_metricf(&r, "received", "apps.%s",
					  benign[i]) > 0,
		       "benign app %s: dropped %.0f received %.0f", benign[i],
		       tr_metricf(&r, "dropped", "apps.%s", benign[i]),
		       tr_metricf(&r, "received", "apps.%s", benign[i]));
	CHECKF(tr_metric(&r, F, "drops.no_flow") == no_flow,
	       "drops.no_flow %.0f, forged saddr+sport+proto %.0f",
	       tr_metric(&r, F, "drops.no_flow"), no_flow);
	CHECKF(tr_metric(&r, F, "drops.bad_token") ==
		       tr_metric(&r, F, "forged.replay.sent"),
	       "drops.bad_token %.0f, forged replay %.0f",
	       tr_metric(&r, F, "drops.bad_token"),
	       tr_metric(&r, F, "forged.replay.sent"));
	/* the check's CPU time: classify per packet the switch saw */
	classify = (double)fsw_time_param(s, "client", "classify");
	check = (double)fsw_check_ps(s, "client");
	fsw_time = tr_metric(&r, "hosts.client.cpu", "time.flowswitch");
	seen = tr_metric(&r, F, "tx.packets") + tr_metric(&r, F, "tx.host") +
	       tr_metric(&r, F, "rx.packets");
	/* and the spoofing check per packet synced from a channel */
	want = classify * seen + check * tr_metric(&r, F, "tx.packets");
	SAY("spoof: time.flowswitch %.0f ps, classify %.0f x seen %.0f + "
	    "check %.0f x %.0f = %.0f (tx %.0f host %.0f rx %.0f)\n",
	    fsw_time, classify, seen, check, tr_metric(&r, F, "tx.packets"),
	    want, tr_metric(&r, F, "tx.packets"), tr_metric(&r, F, "tx.host"),
	    tr_metric(&r, F, "rx.packets"));
	/* exactly, but for the packets of syncs still in service at the
	 * end (charged when queued, counted when done): a whole number of
	 * classify + check, at most a batch per user app */
	extra = fsw_time - want;
	CHECKF(extra >= 0 && fmod(extra, classify + check) == 0 &&
		       extra / (classify + check) <=
			       (double)scn_int(s, "hosts.client.stack.batch") *
				       (double)(sizeof(benign) /
							sizeof(*benign) +
						NFORGERIES),
	       "time.flowswitch %.0f ps, classify %.0f x %.0f packets + check %.0f x %.0f = %.0f",
	       fsw_time, classify, seen, check, tr_metric(&r, F, "tx.packets"),
	       want);
	CHECKF(tr_metric(&r, F, "tx.packets") >=
		       forged + tr_metricf(&r, "sent", "apps.%s", "web"),
	       "tx.packets %.0f does not include the %.0f forged ones",
	       tr_metric(&r, F, "tx.packets"), forged);
	check_conservation(&r, s, "spoof");
	/* without the spoofers (they start after the end): the switch's
	 * time is the forged packets' classify less */
	if (!tr_run_sets(SPOOF, late, 4, &q, NULL)) {
		double d = fsw_time -
			   tr_metric(&q, "hosts.client.cpu", "time.flowswitch");

		SAY("spoof: without spoofers time.flowswitch %.0f ps less\n",
		    d);
		CHECKF(d == (classify + check) * forged,
		       "time.flowswitch grew by %.0f ps with %.0f forged packets, want %.0f",
		       d, forged, (classify + check) * forged);
		CHECK_EQ(tr_metric(&q, F, "drops.no_flow"), 0);
		CHECK_EQ(tr_metric(&q, "apps.web", "received"),
			 tr_metric(&r, "apps.web", "received"));
		check_conservation(&q, s, "spoof without spoofers");
		run_result_fini(&q);
	}
	run_result_fini(&r);
	scn_destroy(s);
}

/* ---- 4. stage breakdown and rtt ---- */

static const char *const stack_stages[] = {
	"stage.stack_tx", "stage.channel_sync", "stage.flowswitch_tx",
	"stage.qdisc_tx", "stage.netif_tx",	"stage.driver_tx",
	"stage.doorbell", "stage.nic_tx_dma",	"stage.nic_tx_queue",
	"stage.wire",	  "stage.network",	"stage.nic_rx_dma",
	"stage.notify",	  "stage.driver_rx",	"stage.flowswitch_rx",
	"stage.wakeup",	  "stage.stack_rx",
};
#define NSTAGES (sizeof(stack_stages) / sizeof(stack_stages[0]))

static void check_stages(const struct run_result *r, const char *app,
			 const char *what)
{
	char comp[64];
	double sum = 0, lat;

	snprintf(comp, sizeof(comp), "apps.%s", app);
	for (size_t i = 0; i < NSTAGES; i++) {
		double v = tr_metric(r, comp, stack_stages[i]);

		CHECKF(!isnan(v), "%s: %s has no %s", what, app,
		       stack_stages[i]);
		sum += v;
	}
	lat = tr_metric(r, comp, "latency");
	SAY("%s: %s latency %.1f ps, stages add up to %.1f\n", what, app, lat,
	    sum);
	CHECKF(lat > 0 && fabs(sum - lat) <= (double)NSTAGES,
	       "%s: %s stages add up to %.3f ps, latency %.3f ps", what, app,
	       sum, lat);
}

static void test_stages(void)
{
	const char *kern[] = { "warmup=0", "duration=20ms" };
	const char *user[] = { "warmup=0", "duration=20ms",
			       "apps.rpc.stack=user", "apps.bulk.stack=user" };
	const char *const *sets[] = { kern, user };
	const size_t nsets[] = { 2, 4 };

	for (size_t v = 0; v < 2; v++) {
		struct run_result r;
		const struct hist *rtt, *lat;
		double rtt_sum, lat_sum, left;

		if (tr_run_sets(COMPARE, sets[v], nsets[v], &r, NULL))
			return;
		check_stages(&r, "rpc", v ? "user" : "kernel");
		check_stages(&r, "bulk", v ? "user" : "kernel");
		rtt = tr_histo(&r, "apps.rpc", "rtt");
		lat = tr_histo(&r, "apps.rpc", "latency");
		CU_ASSERT_PTR_NOT_NULL_FATAL(rtt);
		CU_ASSERT_PTR_NOT_NULL_FATAL(lat);
		rtt_sum = (double)rtt->count * hist_mean(rtt);
		lat_sum = (double)lat->count * hist_mean(lat);
		/* a delivered request whose response is not: its latency is
		 * part of lat_sum, and less than an RTT */
		left = lat_sum - rtt_sum;
		SAY("%s: rpc %llu rtts sum %.0f ps, %llu latencies sum %.0f ps\n",
		    v ? "user" : "kernel", (unsigned long long)rtt->count,
		    rtt_sum, (unsigned long long)lat->count, lat_sum);
		CHECKF(lat->count == 2 * rtt->count ||
			       lat->count == 2 * rtt->count + 1,
		       "%llu latencies for %llu rtts",
		       (unsigned long long)lat->count,
		       (unsigned long long)rtt->count);
		if (lat->count == 2 * rtt->count)
			CHECKF(fabs(left) <= 1e-6 * lat_sum,
			       "rtt sum %.0f, latency sum %.0f", rtt_sum,
			       lat_sum);
		else
			CHECKF(left >= -1e-6 * lat_sum &&
				       left <= (double)rtt->max,
			       "rtt sum %.0f, latency sum %.0f (one request unanswered)",
			       rtt_sum, lat_sum);
		run_result_fini(&r);
	}
}

/* ---- 5. an unloaded user-path RPC with known costs ---- */

static const char rpc_yaml[] =
	"name: stack_rpc\n"
	"duration: 20ms\n"
	"warmup: 1ms\n"
	"seed: 3\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false }, rx_mode: poll, poll_interval: 0 }\n"
	"    cpu: { syscall: 170ns, %s: 1300ns, wakeup_cross: 2500ns, wakeup_same: 700ns, copy_bw: 8GB/s }\n"
	"    stack: { proto: 250ns }\n"
	"    %s: { classify: 90ns }\n"
	"  server: { like: client }\n"
	"network: { kind: link, rate: 10Gbps, overhead: 20B }\n"
	"apps:\n"
	"  rpc: { host: client, peer: server, pattern: rpc, size: 64B, response_size: 64B, stack: user, think: 5us }\n";

static void check_exact(const struct run_result *r, const char *stage,
			sim_time want)
{
	const struct hist *h = tr_histo(r, "apps.rpc", stage);

	CHECKF(h && h->count > 100 && h->min == want && h->max == want,
	       "%s: min %lld max %lld over %llu, want %lld", stage,
	       h ? (long long)h->min : -1LL, h ? (long long)h->max : -1LL,
	       h ? (unsigned long long)h->count : 0ULL, (long long)want);
}

static void test_rpc_costs(void)
{
	struct run_result r;
	struct scn *s = NULL;
	sim_time proto, sys, ctx, wc, classify, check, copy64;
	double Bps;
	char text[2048];

	snprintf(text, sizeof(text), rpc_yaml, "context_switch", "flowswitch");
	if (tr_run_text(text, NULL, 0, &r, &s))
		return;
	proto = scn_time(s, "hosts.client.stack.proto");
	sys = scn_time(s, "hosts.client.cpu.syscall");
	ctx = ctxsw_param(s, "client");
	wc = scn_time(s, "hosts.client.cpu.wakeup_cross");
	classify = fsw_time_param(s, "client", "classify");
	check = fsw_check_ps(s, "client");
	Bps = scn_double(s, "hosts.client.cpu.copy_bw") / 8;
	copy64 = (sim_time)llround(64 * 1e12 / Bps);
	SAY("rpc: proto %lld syscall %lld ctxsw %lld wakeup %lld classify "
	    "%lld check %lld copy64 %lld; rtt %.0f ps over %.0f\n",
	    (long long)proto, (long long)sys, (long long)ctx, (long long)wc,
	    (long long)classify, (long long)check, (long long)copy64,
	    tr_metric(&r, "apps.rpc", "rtt"),
	    tr_metric(&r, "apps.rpc", "received"));
	check_exact(&r, "stage.stack_tx", proto);
	check_exact(&r, "stage.channel_sync", sys);
	/* the copy, classification and spoofing check, in the trap */
	check_exact(&r, "stage.flowswitch_tx", copy64 + classify + check);
	check_exact(&r, "stage.flowswitch_rx", classify + copy64);
	check_exact(&r, "stage.wakeup", wc);
	check_exact(&r, "stage.stack_rx", ctx + sys + proto);
	check_exact(&r, "stage.notify", 0);
	check_stages(&r, "rpc", "unloaded rpc");
	check_conservation(&r, s, "unloaded rpc");
	run_result_fini(&r);
	scn_destroy(s);
}

/* ---- 6. the RX low-water mark ----
 *
 * Bursts of 8 frames of 1500 B at 2.5 Gb/s arrive 4.86 us apart, longer
 * than the receiving thread takes to be woken and to take a packet: with
 * lowat 1 each frame wakes it, with lowat 4 every fourth does. */

static const char cbr_yaml[] =
	"name: stack_cbr\n"
	"duration: 50ms\n"
	"warmup: 1ms\n"
	"seed: 5\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false }, rx_mode: poll, poll_interval: 0 }\n"
	"  server: { like: client }\n"
	"network: { kind: link, rate: 2500Mbps, overhead: 20B }\n"
	"apps:\n"
	"  flow: { host: client, peer: server, pattern: cbr, rate: 100kpps, burst: 8, size: 1500B, stack: user, start: 10us }\n";

static void test_lowat(void)
{
	static const char *const lowats[] = { "1", "4" };
	double wakeups[2], pkts[2];

	for (size_t i = 0; i < 2; i++) {
		char set[64];
		const char *sets[] = { set };
		struct run_result r;
		struct scn *s = NULL;
		double held, lowat;

		snprintf(set, sizeof(set), "hosts.server.channel.lowat=%s",
			 lowats[i]);
		if (tr_run_text(cbr_yaml, sets, 1, &r, &s))
			return;
		lowat = (double)scn_int(s, "hosts.server.channel.lowat");
		wakeups[i] =
			tr_metric(&r, "hosts.server.stack.flow", "rx.wakeups");
		pkts[i] =
			tr_metric(&r, "hosts.server.stack.flow", "rx.packets");
		held = tr_metric(&r, "apps.flow", "in_flight");
		SAY("lowat %s: %.0f wakeups, %.0f rx syncs for %.0f packets, "
		    "%.0f in flight at the end\n",
		    lowats[i], wakeups[i],
		    tr_metric(&r, "hosts.server.stack.flow", "rx.syncs"),
		    pkts[i], held);
		/* the last burst left long before the end: what is still in
		 * flight waits in the RX ring below the low-water mark */
		CHECKF(held < lowat, "lowat %s: %.0f packets in flight",
		       lowats[i], held);
		CHECK_EQ(tr_metric(&r, "apps.flow", "dropped"), 0);
		CHECKF(pkts[i] + held == tr_metric(&r, "apps.flow", "sent"),
		       "lowat %s: %.0f delivered + %.0f held of %.0f sent",
		       lowats[i], pkts[i], held,
		       tr_metric(&r, "apps.flow", "sent"));
		check_conservation(&r, s, "lowat");
		run_result_fini(&r);
		scn_destroy(s);
	}
	CHECKF(wakeups[1] < wakeups[0] && wakeups[1] > 0,
	       "wakeups: lowat 1 %.0f, lowat 4 %.0f", wakeups[0], wakeups[1]);
}

/* ---- 7. a torn-down flow ---- */

static const char close_yaml[] =
	"name: stack_close\n"
	"duration: 50ms\n"
	"warmup: 1ms\n"
	"seed: 7\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false } }\n"
	"  server: { like: client }\n"
	"network: { kind: link, rate: 10Gbps, overhead: 20B }\n"
	"apps:\n"
	"  flow: { host: client, peer: server, pattern: cbr, rate: 100kpps, size: 1000B, stack: user, close_at: 25005us }\n";

static void test_close(void)
{
	char F[64];
	struct run_result r;
	struct scn *s = NULL;
	double period, before, torn, tx, sent;
	sim_time close_at;

	if (tr_run_text(close_yaml, NULL, 0, &r, &s))
		return;
	fsw_comp(&r, F, sizeof(F), "client");
	close_at = scn_time(s, "apps.flow.close_at");
	period = 1e12 / scn_double(s, "apps.flow.rate");
	/* CBR from 0: packets made at k x period, k = 0 .. floor(close /
	 * period), before the close; each passes the switch within a few
	 * hundred ns, well before the next */
	before = floor((double)close_at / period) + 1;
	torn = tr_metric(&r, F, "drops.torn_down");
	tx = tr_metric(&r, F, "tx.packets");
	sent = tr_metric(&r, "apps.flow", "sent");
	SAY("close: %.0f sent, %.0f before the close, %.0f seen by the switch, "
	    "%.0f torn down, %.0f received\n",
	    sent, before, tx, torn, tr_metric(&r, "apps.flow", "received"));
	CHECKF(torn >= 1 && torn == tx - before,
	       "torn down %.0f, switch saw %.0f, %.0f before the close", torn,
	       tx, before);
	/* before the close nothing was dropped: all of them arrived */
	CHECKF(tr_metric(&r, "apps.flow", "received") == before,
	       "received %.0f, sent before the close %.0f",
	       tr_metric(&r, "apps.flow", "received"), before);
	CHECK_EQ(tr_metric(&r, "apps.flow", "dropped"), torn);
	CHECK_EQ(tr_metric(&r, F, "drops.no_flow"), 0);
	CHECK_EQ(tr_metric(&r, F, "benign.dropped"), 0);
	check_conservation(&r, s, "close");
	run_result_fini(&r);
	scn_destroy(s);
}

/* ---- 8. bad input ---- */

static const char bad_head[] = "name: bad\n"
			       "duration: 1ms\n"
			       "hosts:\n"
			       "  client: {}\n"
			       "  server: {}\n"
			       "apps:\n";

/* The app lines (after bad_head) and what the error must say. */
static const struct {
	const char *apps;
	const char *frag; /* in the message */
	int line;	  /* of the offending key */
} bad_cases[] = {
	{ "  a: { pattern: cbr, stack: user }\n", "stack", 7 },
	{ "  a: { host: client, peer: server, pattern: rpc }\n", "pattern", 7 },
	{ "  a: { host: client, peer: server, stack: kernel, forge: saddr }\n",
	  "forge", 7 },
	{ "  a: { host: client, peer: server, stack: user, forge: replay }\n",
	  "forge_victim", 7 },
	{ "  a: { host: client, peer: server, stack: kernel, close_at: 1ms }\n",
	  "close_at", 7 },
	{ "  a: { host: client, peer: server, stack: user, forge: sport,\n"
	  "       forge_victim: a }\n",
	  "forge_victim", 8 },
	{ "  a: { host: client, peer: server, stack: user, forge: replay,\n"
	  "       forge_victim: nosuch }\n",
	  "forge_victim", 8 },
	{ "  v: { host: client, peer: server, stack: kernel }\n"
	  "  a: { host: client, peer: server, stack: user, forge: replay,\n"
	  "       forge_victim: v }\n",
	  "forge_victim", 9 },
};

static void expect_bad(const char *text, const char *const *sets, size_t n,
		       const char *frag, int line)
{
	char path[64], want[96], err[512] = "";
	struct scn *s = NULL;
	int rc, status;

	if (tu_write_tmp(path, sizeof(path), text)) {
		CHECKF(0, "cannot write a temporary scenario");
		return;
	}
	rc = scn_load(path, sets, n, &s, err, sizeof(err));
	CHECKF(rc == 0, "%s", err);
	if (!rc) {
		struct run_result r;

		rc = run_validate(s, err, sizeof(err));
		SAY("bad input: %s\n", err);
		if (n)
			snprintf(want, sizeof(want), "--set:1:");
		else
			snprintf(want, sizeof(want), "%s:%d:", path, line);
		CHECKF(rc == -EINVAL && strstr(err, frag) &&
			       !strncmp(err, want, strlen(want)),
		       "validate: %d '%s', want '%s...%s'", rc, err, want,
		       frag);
		err[0] = '\0';
		rc = run_scenario(s, 0, &r, err, sizeof(err));
		CHECKF(rc == -EINVAL && strstr(err, frag) &&
			       !strncmp(err, want, strlen(want)),
		       "run: %d '%s', want '%s...%s'", rc, err, want, frag);
		if (!rc)
			run_result_fini(&r);
		scn_destroy(s);
		/* the CLI: exit status 2, the message on stderr */
		{
			const char *argv[] = {
				tu_usnsim(),	    "validate",		path,
				n ? "--set" : NULL, n ? sets[0] : NULL, NULL
			};
			struct tu_proc cmd;

			status = tu_run(&cmd, argv, TU_MERGE);
			CHECKF(status == 2 && strstr(cmd.out, frag) &&
				       strstr(cmd.out, want),
			       "usnsim validate %s%s%s: status %d, '%s'", path,
			       n ? " --set " : "", n ? sets[0] : "", status,
			       cmd.out);
			tu_proc_free(&cmd);
		}
	}
	unlink(path);
}

static void test_bad_input(void)
{
	char text[1024];

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", bad_head,
			 bad_cases[i].apps);
		expect_bad(text, NULL, 0, bad_cases[i].frag, bad_cases[i].line);
	}
	/* a channel ring that is not a power of two, in the file... */
	snprintf(text, sizeof(text),
		 "name: bad\n"
		 "duration: 1ms\n"
		 "hosts:\n"
		 "  client: { channel: { tx_slots: 100 } }\n"
		 "  server: {}\n"
		 "apps:\n"
		 "  a: { host: client, peer: server, stack: user }\n");
	expect_bad(text, NULL, 0, "tx_slots", 4);
	/* ... and as an override */
	snprintf(text, sizeof(text), "%s%s", bad_head,
		 "  a: { host: client, peer: server, stack: user }\n");
	{
		const char *sets[] = { "hosts.server.channel.rx_slots=1000" };

		expect_bad(text, sets, 1, "rx_slots", 1);
	}
}

/* Device buffers are taken at the flow switch's copy, when the sync job
 * that does it ends, not when the job is built (XNU takes the driver's
 * packets for a batch in dp_tx_pktq(), inside the trap, right before it
 * copies). One burst of 8 packets of 1500 B (one 2 KiB buffer each) in
 * one sync whose job takes more than 8 x stack.proto = 80 us, into a NIC
 * of 10 Mb/s on which no frame leaves before 1.2 ms. At 40 us, mid-job:
 * the channel pool holds 8 buffers, the device pool none (none taken
 * yet). At 200 us, after the job: the device pool holds 8, the channel
 * pool none (copied out). With a device pool of 2 buffers, the copy of
 * the other 6 finds none: the flow switch drops them (drops.no_memory)
 * and 2 go out. */
static const char take_yaml[] =
	"name: stack_copy_take\n"
	"warmup: 0\n"
	"seed: 1\n"
	"hosts:\n"
	"  client: { pool: { mode: static }, stack: { proto: 10us, batch: 8 }, nic: { rate: 10Mbps } }\n"
	"  server: { pool: { mode: static } }\n"
	"network: { kind: link, rate: 10Gbps, overhead: 20B }\n"
	"apps:\n"
	"  a: { host: client, peer: server, pattern: cbr, rate: 1kpps, burst: 8, count: 8, size: 1500B, stack: user }\n";

static void take_run(const char *duration, bool small, double want_dev,
		     double want_chan, double want_drops)
{
	char dur[64];
	const char *sets[] = { dur, "hosts.client.pool.device_segment=4KiB",
			       "hosts.client.pool.device_max=4KiB" };
	struct run_result r;
	double dev, chan, drops;

	snprintf(dur, sizeof(dur), "duration=%s", duration);
	if (tr_run_text(take_yaml, sets, small ? 3 : 1, &r, NULL))
		return;
	dev = tr_metric(&r, "hosts.client.pool.device", "held_at_end");
	chan = tr_metric(&r, "hosts.client.pool.app.a", "held_at_end");
	drops = tr_metric(&r, "hosts.client.flowswitch", "drops.no_memory");
	SAY("take %s%s: device %.0f channel %.0f drops %.0f\n", duration,
	    small ? " (2 buffers)" : "", dev, chan, drops);
	CHECKF(dev == want_dev && chan == want_chan && drops == want_drops,
	       "%s%s: device pool holds %.0f (want %.0f), channel pool %.0f "
	       "(want %.0f), drops.no_memory %.0f (want %.0f)",
	       duration, small ? " (2 buffers)" : "", dev, want_dev, chan,
	       want_chan, drops, want_drops);
	CHECK_EQ(tr_metric(&r, "hosts.client.pool.device", "alloc_failures"),
		 want_drops);
	run_result_fini(&r);
}

static void test_take_at_copy(void)
{
	take_run("40us", false, 0, 8, 0);
	take_run("200us", false, 8, 0, 0);
	take_run("40us", true, 0, 8, 0);
	take_run("200us", true, 2, 0, 6);
}

int suite_stack(void)
{
	CU_pSuite s = CU_add_suite("stack", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "stack_compare: kernel vs user paths",
			 test_compare) ||
	    !CU_add_test(s, "spoof: forgeries dropped, check's cost",
			 test_spoof) ||
	    !CU_add_test(s, "stages add up, rtt is the sum of latencies",
			 test_stages) ||
	    !CU_add_test(s, "unloaded user-path rpc: exact stage costs",
			 test_rpc_costs) ||
	    !CU_add_test(s, "channel RX low-water mark", test_lowat) ||
	    !CU_add_test(s, "torn-down flow", test_close) ||
	    !CU_add_test(s, "device buffers taken at the copy",
			 test_take_at_copy) ||
	    !CU_add_test(s, "bad stack settings", test_bad_input))
		return CU_get_error();
	return 0;
}
