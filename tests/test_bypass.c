/*
 * test_bypass.c - the low-latency netif path (models/netif.c) end to end:
 * what the low-latency lane saves is the work of the stages it skips, and
 * its outbound validation refuses what it can see.
 *
 *   - An unloaded RPC, once in the low-latency lane and once best effort:
 *     every stage but the three of the transmit path is the same in both
 *     runs, and the saving in mean latency is exactly the best-effort
 *     stages the low-latency path skips (flowswitch_tx and qdisc_tx) less
 *     its own (netif_tx); in closed form, the flow switch's
 *     classification and check plus the queueing discipline's cost, less
 *     the validation's when it is on, per direction. Moving one of those
 *     costs moves the saving by as much, and the round trip's by twice.
 *   - scenarios/spoof.yaml's spoofers in the low-latency lane: with the
 *     validation off every forgery passes; with it on the forged source
 *     address is refused (exact counts) while the forged port, protocol
 *     and replay pass, as they do in the reference, whose low-latency
 *     flows are address pairs.
 *
 * Set USNSIM_TEST_VERBOSE=1 to print the numbers the tests observe.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "run.h"
#include "runs.h"
#include "scenario.h"
#include "util.h"

#define SPOOF "scenarios/spoof.yaml"

/* ---- 1. the saving is the skipped stages ---- */

static const char rpc_yaml[] =
	"name: bypass-rpc\n"
	"duration: 20ms\n"
	"warmup: 2ms\n"
	"seed: 1\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false }, rx_mode: poll }\n"
	"    mux: { discipline: reserved_share, share: 0.2 }\n"
	"  server: { like: client }\n"
	"network: { kind: link, rate: 10Gbps, overhead: 20B }\n"
	"apps:\n"
	"  rpc: { host: client, peer: server, pattern: rpc, size: 64B, stack: user, class: low_latency, ll_rate: 50Mbps }\n";

/* The stages of a stacked app, the transmit path's three last. */
static const char *const stages[] = {
	"stage.stack_tx", "stage.channel_sync", "stage.driver_tx",
	"stage.doorbell", "stage.nic_tx_dma",	"stage.nic_tx_queue",
	"stage.wire",	  "stage.network",	"stage.nic_rx_dma",
	"stage.notify",	  "stage.driver_rx",	"stage.flowswitch_rx",
	"stage.wakeup",	  "stage.stack_rx",	"stage.flowswitch_tx",
	"stage.qdisc_tx", "stage.netif_tx",
};
#define NSTAGES (sizeof(stages) / sizeof(stages[0]))
#define NSAME (NSTAGES - 3)

struct bp_run {
	double stage[NSTAGES];
	double latency, rtt;
	double netif_tx, fsw_tx, stack_tx; /* packets, client */
	double time_netif, time_mux;	   /* ps, client */
};

/* Runs the RPC with sets and apps.rpc.class=cls into *b; the scenario's
 * parameters in *keep. */
static int bp_run(const char *const *sets, size_t n, const char *cls,
		  struct bp_run *b, struct scn **keep)
{
	const char *all[8];
	char c[64];
	struct run_result r;

	snprintf(c, sizeof(c), "apps.rpc.class=%s", cls);
	for (size_t i = 0; i < n; i++)
		all[i] = sets[i];
	all[n] = c;
	if (tr_run_text(rpc_yaml, all, n + 1, &r, keep))
		return -1;
	for (size_t i = 0; i < NSTAGES; i++)
		b->stage[i] = tr_metric(&r, "apps.rpc", stages[i]);
	b->latency = tr_metric(&r, "apps.rpc", "latency");
	b->rtt = tr_metric(&r, "apps.rpc", "rtt");
	b->netif_tx = tr_metric(&r, "hosts.client.netif", "tx.packets");
	b->fsw_tx = tr_metric(&r, "hosts.client.flowswitch", "tx.packets");
	b->stack_tx = tr_metric(&r, "hosts.client.stack.rpc", "tx.packets");
	b->time_netif = tr_metric(&r, "hosts.client.cpu", "time.netif");
	b->time_mux = tr_metric(&r, "hosts.client.cpu", "time.mux");
	run_result_fini(&r);
	return 0;
}

/* What the scenario's parameters say the low-latency path saves a packet
 * on each host: the flow switch's classification and check (if on) and
 * the queueing discipline's cost, less the outbound validation (if on). */
static double bp_closed_form(const struct scn *s, double *check_out)
{
	double save = 0;

	for (int h = 0; h < 2; h++) {
		const char *host = h ? "server" : "client";
		char p[128];
		double v;

		snprintf(p, sizeof(p), "hosts.%s.flowswitch.classify", host);
		v = (double)scn_time(s, p);
		snprintf(p, sizeof(p), "hosts.%s.flowswitch.spoof_check", host);
		if (scn_int(s, p)) {
			snprintf(p, sizeof(p), "hosts.%s.flowswitch.check",
				 host);
			v += (double)scn_time(s, p);
		}
		snprintf(p, sizeof(p), "hosts.%s.mux.qdisc_cost", host);
		v += (double)scn_time(s, p);
		snprintf(p, sizeof(p), "hosts.%s.netif.outbound_check", host);
		if (scn_int(s, p)) {
			snprintf(p, sizeof(p), "hosts.%s.netif.check", host);
			v -= (double)scn_time(s, p);
			if (h == 0)
				*check_out = (double)scn_time(s, p);
		}
		if (h == 0)
			save = v;
		else
			CHECKF(v == save,
			       "the hosts' savings differ: %.0f and %.0f ps",
			       save, v);
	}
	return save;
}

/* One case: a change to both hosts, and how much it moves the saving of
 * the base case (ps per packet). */
struct bp_case {
	const char *what;
	const char *sets[2];
	double moves_ps;
};

static const struct bp_case bp_cases[] = {
	{ "base", { NULL, NULL }, 0 },
	{ "classify +300ns",
	  { "hosts.client.flowswitch.classify=400ns",
	    "hosts.server.flowswitch.classify=400ns" },
	  300e3 },
	{ "check +200ns",
	  { "hosts.client.flowswitch.check=250ns",
	    "hosts.server.flowswitch.check=250ns" },
	  200e3 },
	{ "qdisc_cost +700ns",
	  { "hosts.client.mux.qdisc_cost=1200ns",
	    "hosts.server.mux.qdisc_cost=1200ns" },
	  700e3 },
	{ "spoof_check off",
	  { "hosts.client.flowswitch.spoof_check=false",
	    "hosts.server.flowswitch.spoof_check=false" },
	  -50e3 },
	{ "outbound_check on",
	  { "hosts.client.netif.outbound_check=true",
	    "hosts.server.netif.outbound_check=true" },
	  -20e3 },
};
#define NCASES (sizeof(bp_cases) / sizeof(bp_cases[0]))

/* The low-latency run against the best-effort one of one case; returns
 * the saving per packet (NAN if a run failed). */
static double bp_case_run(const struct bp_case *c)
{
	size_t n = c->sets[0] ? 2 : 0;
	struct bp_run ll, be;
	struct scn *s = NULL;
	double save, skipped, want, vcheck = 0, qdisc;

	if (bp_run(c->sets, n, "best_effort", &be, NULL) ||
	    bp_run(c->sets, n, "low_latency", &ll, &s)) {
		scn_destroy(s);
		return NAN;
	}
	want = bp_closed_form(s, &vcheck);
	qdisc = (double)scn_time(s, "hosts.client.mux.qdisc_cost");
	scn_destroy(s);
	/* every stage off the transmit path is the same */
	for (size_t i = 0; i < NSAME; i++)
		CHECKF(fabs(ll.stage[i] - be.stage[i]) <= 0.5,
		       "%s: %s %.1f ps low latency, %.1f ps best effort",
		       c->what, stages[i], ll.stage[i], be.stage[i]);
	/* each path's own stages only */
	CHECKF(ll.stage[NSAME] == 0 && ll.stage[NSAME + 1] == 0 &&
		       ll.stage[NSAME + 2] > 0,
	       "%s: low latency flowswitch_tx %.1f qdisc_tx %.1f netif_tx %.1f",
	       c->what, ll.stage[NSAME], ll.stage[NSAME + 1],
	       ll.stage[NSAME + 2]);
	CHECKF(be.stage[NSAME] > 0 && be.stage[NSAME + 2] == 0,
	       "%s: best effort flowswitch_tx %.1f netif_tx %.1f", c->what,
	       be.stage[NSAME], be.stage[NSAME + 2]);
	save = be.latency - ll.latency;
	skipped = be.stage[NSAME] + be.stage[NSAME + 1] - ll.stage[NSAME + 2];
	SAY("bypass %s: latency %.1f (ll) %.1f (be) ps, saving %.1f, "
	    "skipped stages %.1f, closed form %.1f; rtt saving %.1f\n",
	    c->what, ll.latency, be.latency, save, skipped, want,
	    be.rtt - ll.rtt);
	CHECKF(fabs(save - skipped) <= 0.5,
	       "%s: saving %.1f ps, skipped stages %.1f ps", c->what, save,
	       skipped);
	CHECKF(fabs(save - want) <= 0.5,
	       "%s: saving %.1f ps, classify + check + qdisc - validation = %.1f ps",
	       c->what, save, want);
	CHECKF(fabs((be.rtt - ll.rtt) - 2 * want) <= 1,
	       "%s: rtt saving %.1f ps, twice %.1f", c->what, be.rtt - ll.rtt,
	       want);
	/* who carried the packets, and the CPU accounts they paid: the
	 * lane's app sends best effort until its grant arrives (2 x 10 us
	 * of messages and 5 us of the agent's core against a 13.9 us round
	 * trip: its first two requests) */
	CHECKF(ll.netif_tx + ll.fsw_tx == ll.stack_tx && ll.stack_tx > 0 &&
		       ll.fsw_tx == 2,
	       "%s: low latency: netif %.0f, flow switch %.0f, synced %.0f",
	       c->what, ll.netif_tx, ll.fsw_tx, ll.stack_tx);
	CHECKF(be.fsw_tx == be.stack_tx && be.stack_tx > 0 && be.netif_tx == 0,
	       "%s: best effort: netif %.0f, flow switch %.0f, synced %.0f",
	       c->what, be.netif_tx, be.fsw_tx, be.stack_tx);
	CHECKF(ll.time_mux == qdisc * ll.fsw_tx &&
		       ll.time_netif == vcheck * ll.netif_tx,
	       "%s: low latency time.mux %.0f, time.netif %.0f (%.0f x %.0f)",
	       c->what, ll.time_mux, ll.time_netif, vcheck, ll.netif_tx);
	CHECKF(be.time_netif == 0, "%s: best effort time.netif %.0f", c->what,
	       be.time_netif);
	return save;
}

static void test_saving(void)
{
	double base = NAN;

	for (size_t k = 0; k < NCASES; k++) {
		double save = bp_case_run(&bp_cases[k]);

		if (k == 0)
			base = save;
		CHECKF(!isnan(save) && save > 0, "%s: saving %.1f ps",
		       bp_cases[k].what, save);
		CHECKF(fabs(save - base - bp_cases[k].moves_ps) <= 0.5,
		       "%s: the saving moved by %.1f ps, not %.1f",
		       bp_cases[k].what, save - base, bp_cases[k].moves_ps);
	}
}

/* ---- 2. outbound validation on the low-latency path ---- */

static const char *const kinds[] = { "saddr", "sport", "proto", "replay" };

static double m2(const struct run_result *r, const char *fmt, const char *a,
		 const char *metric)
{
	char comp[96];

	snprintf(comp, sizeof(comp), fmt, a);
	return tr_metric(r, comp, metric);
}

/* Host host's spoofers prefix_KIND against its netif's ground truth.
 * Each app sends best effort until its grant arrives: those early packets
 * take the flow switch, whose check drops every forged one (its own
 * ground truth, forged.KIND.sent and .dropped); the rest take the netif
 * path. Returns, in early_fwd[k], spoofer k's early packets. */
static void check_ll_spoofers(const struct run_result *r, const struct scn *s,
			      const char *host, const char *prefix, bool on,
			      double *early_fwd)
{
	char nf[64], fs[64], app[64], stk[96], p[96];
	double passed = 0, sent_all = 0, early = 0, check, web_early;

	snprintf(nf, sizeof(nf), "hosts.%s.netif", host);
	snprintf(fs, sizeof(fs), "hosts.%s.flowswitch", host);
	snprintf(p, sizeof(p), "hosts.%s.netif.outbound_check", host);
	CHECKF(scn_int(s, p) == on, "%s: outbound_check %lld", host,
	       (long long)scn_int(s, p));
	snprintf(p, sizeof(p), "hosts.%s.netif.check", host);
	check = (double)scn_time(s, p);
	for (size_t k = 0; k < 4; k++) {
		char ms[48], md[48];
		double sent, dropped, synced, fsent, fdropped;
		bool refused = on && !strcmp(kinds[k], "saddr");

		snprintf(ms, sizeof(ms), "forged.%s.sent", kinds[k]);
		snprintf(md, sizeof(md), "forged.%s.dropped", kinds[k]);
		snprintf(app, sizeof(app), "%s_%s", prefix, kinds[k]);
		snprintf(stk, sizeof(stk), "hosts.%s.stack.%s", host, app);
		sent = tr_metric(r, nf, ms);
		dropped = tr_metric(r, nf, md);
		fsent = tr_metric(r, fs, ms);
		fdropped = tr_metric(r, fs, md);
		synced = tr_metric(r, stk, "tx.packets");
		SAY("%s: %s forged %.0f (synced %.0f, %.0f before its grant), "
		    "refused %.0f\n",
		    host, kinds[k], sent, synced, fsent, dropped);
		/* every packet synced took one of the two paths */
		CHECKF(sent > 0 && fsent + sent == synced && fsent >= 1,
		       "%s: %s: forged %.0f on the netif path, %.0f on the flow switch, synced %.0f",
		       host, kinds[k], sent, fsent, synced);
		CHECKF(fdropped == fsent,
		       "%s: %s: flow switch dropped %.0f of %.0f", host,
		       kinds[k], fdropped, fsent);
		CHECKF(dropped == (refused ? sent : 0),
		       "%s: %s: %.0f of %.0f refused", host, kinds[k], dropped,
		       sent);
		early += fsent;
		early_fwd[k] = fsent;
		if (refused) /* every packet of it ends at its own host */
			CHECKF(m2(r, "apps.%s", app, "dropped") ==
					       sent + fsent &&
				       m2(r, "apps.%s", app, "received") == 0,
			       "%s: %s dropped %.0f received %.0f", host, app,
			       m2(r, "apps.%s", app, "dropped"),
			       m2(r, "apps.%s", app, "received"));
		else
			passed += sent;
		sent_all += sent;
	}
	CHECKF(tr_metric(r, nf, "forged.passed") == passed,
	       "%s: forged.passed %.0f, want %.0f", host,
	       tr_metric(r, nf, "forged.passed"), passed);
	CHECKF(tr_metric(r, nf, "drops.flow_mismatch") == sent_all - passed,
	       "%s: drops.flow_mismatch %.0f, want %.0f", host,
	       tr_metric(r, nf, "drops.flow_mismatch"), sent_all - passed);
	/* the flow switch carried only what was synced before the grants:
	 * the spoofers' and the benign app's */
	snprintf(app, sizeof(app), "%s_web", prefix);
	snprintf(stk, sizeof(stk), "hosts.%s.stack.%s", host, app);
	web_early = tr_metric(r, stk, "tx.packets") -
		    (tr_metric(r, nf, "tx.packets") - sent_all);
	CHECKF(web_early >= 1 && m2(r, "hosts.%s.flowswitch", host,
				    "tx.packets") == early + web_early,
	       "%s: the flow switch sent %.0f packets, %.0f + %.0f before grants",
	       host, m2(r, "hosts.%s.flowswitch", host, "tx.packets"), early,
	       web_early);
	CHECKF(m2(r, "hosts.%s.cpu", host, "time.netif") ==
		       (on ? check * tr_metric(r, nf, "tx.packets") : 0),
	       "%s: time.netif %.0f ps for %.0f packets", host,
	       m2(r, "hosts.%s.cpu", host, "time.netif"),
	       tr_metric(r, nf, "tx.packets"));
	/* the benign app loses nothing; the replay lands in its flow (its
	 * early packets, without the flow's token, were dropped) */
	CHECKF(m2(r, "apps.%s_web", prefix, "dropped") == 0,
	       "%s: %s_web dropped %.0f", host, prefix,
	       m2(r, "apps.%s_web", prefix, "dropped"));
	snprintf(app, sizeof(app), "%s_replay", prefix);
	CHECKF(m2(r, "apps.%s", app, "received") > 0 &&
		       m2(r, "apps.%s", app, "dropped") == early_fwd[3],
	       "%s: %s received %.0f dropped %.0f", host, app,
	       m2(r, "apps.%s", app, "received"),
	       m2(r, "apps.%s", app, "dropped"));
}

static void test_validation(void)
{
	struct run_result r;
	struct scn *s = NULL;
	double eo[4], ec[4];

	if (tr_run_sets(SPOOF, NULL, 0, &r, &s))
		return;
	check_ll_spoofers(&r, s, "llopen", "ll", false, eo);
	check_ll_spoofers(&r, s, "llcheck", "chk", true, ec);
	/* what passed unchecked finds no flow at the peer, but the replay
	 * (each app's early packets were dropped at its own host) */
	CHECKF(tr_metric(&r, "hosts.llpeer.flowswitch", "drops.no_socket") ==
		       tr_metric(&r, "apps.ll_saddr", "dropped") - eo[0] +
			       tr_metric(&r, "apps.ll_sport", "dropped") -
			       eo[1] +
			       tr_metric(&r, "apps.ll_proto", "dropped") -
			       eo[2],
	       "llpeer: no_socket %.0f",
	       tr_metric(&r, "hosts.llpeer.flowswitch", "drops.no_socket"));
	CHECKF(tr_metric(&r, "hosts.llcpeer.flowswitch", "drops.no_socket") ==
		       tr_metric(&r, "apps.chk_sport", "dropped") - ec[1] +
			       tr_metric(&r, "apps.chk_proto", "dropped") -
			       ec[2],
	       "llcpeer: no_socket %.0f",
	       tr_metric(&r, "hosts.llcpeer.flowswitch", "drops.no_socket"));
	run_result_fini(&r);
	scn_destroy(s);
}

int suite_bypass(void)
{
	CU_pSuite s = CU_add_suite("bypass", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "the saving is the skipped stages", test_saving) ||
	    !CU_add_test(s, "outbound validation on the low-latency path",
			 test_validation))
		return CU_get_error();
	return 0;
}
