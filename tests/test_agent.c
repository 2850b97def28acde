/*
 * test_agent.c - the negotiation agent as a protocol (models/agent.c):
 * admission against share x capacity with entitlement, message latency
 * and the agent's CPU in the time to the first low-latency packet,
 * denial, retry and release, renegotiation after a capacity step, and
 * revocation then re-admission of an app that surges and conforms again;
 * the same numbers on both engines.
 *
 * The scenarios are written here; their apps have no stack, so a packet
 * reaches the multiplexer (and the agent's accounting) when it is made,
 * and every expected time is worked out from the scenario's parameters:
 * message latency L, agent cost c, rates, periods and windows. Set
 * USNSIM_TEST_VERBOSE=1 to print what the tests observe.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "runs.h"
#include "scenario.h"
#include "util.h"

#define AG "hosts.client.agent"

/* Two hosts on a 10 Gb/s switch, 10% of it reserved (1 Gb/s), an agent
 * with 20 us messages and 5 us of CPU per message. */
#define AGENT_HOSTS                                               \
	"hosts:\n"                                                \
	"  client:\n"                                             \
	"    nic: { iommu: { enabled: false }, rx_mode: poll }\n" \
	"    mux: { discipline: reserved_share, share: 0.1 }\n"   \
	"    agent: { latency: 20us, cost: 5us, window: 1ms }\n"  \
	"  server: { like: client }\n"                            \
	"network: { kind: link, rate: 10Gbps, overhead: 20B }\n"

static double ps_of(const struct scn *s, const char *path)
{
	return (double)scn_time(s, path);
}

/* The period of app NAME's packets (ps), from its rate and size. */
static double period_of(const struct scn *s, const char *app)
{
	char rate[64], size[64];

	snprintf(rate, sizeof(rate), "apps.%s.rate", app);
	snprintf(size, sizeof(size), "apps.%s.size", app);
	return 1e12 * 8 * (double)scn_size(s, size) / scn_double(s, rate);
}

/* ---- 1. admission: entitlement and room, one request after another ---- */

static const char admit_yaml[] =
	"name: agent-admit\n"
	"duration: 5ms\n" AGENT_HOSTS "apps:\n"
	"  a1: { host: client, peer: server, pattern: cbr, rate: 300Mbps, size: 1000B, class: low_latency }\n"
	"  a2: { like: a1 }\n"
	"  a3: { like: a1 }\n"
	"  a4: { like: a1 }\n"
	"  e: { like: a1, rate: 100Mbps, ll_entitled: false }\n"
	"  b: { host: client, peer: server, pattern: cbr, rate: 1Gbps, size: 1000B }\n";

static void test_admission(void)
{
	struct run_result r;
	struct scn *s = NULL;
	static const char *const ll[] = { "a1", "a2", "a3" };
	double L, c, share;

	if (tr_run_text(admit_yaml, NULL, 0, &r, &s))
		return;
	L = ps_of(s, "hosts.client.agent.latency");
	c = ps_of(s, "hosts.client.agent.cost");
	share = scn_double(s, "hosts.client.mux.share") *
		scn_double(s, "network.rate");
	SAY("admission: requests %.0f admissions %.0f refusals %.0f (entitlement %.0f, no room %.0f), granted max %.0f of %.0f\n",
	    tr_metric(&r, AG, "requests"), tr_metric(&r, AG, "admissions"),
	    tr_metric(&r, AG, "refusals"),
	    tr_metric(&r, AG, "refusals.entitlement"),
	    tr_metric(&r, AG, "refusals.no_room"),
	    tr_metric(&r, AG, "granted_max"), share);
	/* five requests: three of 300 Mb/s fit in 1 Gb/s, the fourth does
	 * not, e has no entitlement; b (best effort) asks nothing */
	CHECK_EQ(tr_metric(&r, AG, "requests"), 5);
	CHECK_EQ(tr_metric(&r, AG, "admissions"), 3);
	CHECK_EQ(tr_metric(&r, AG, "refusals"), 2);
	CHECK_EQ(tr_metric(&r, AG, "refusals.entitlement"), 1);
	CHECK_EQ(tr_metric(&r, AG, "refusals.no_room"), 1);
	CHECK_EQ(tr_metric(&r, AG, "revocations"), 0);
	/* every request is read and answered: five messages on its core */
	CHECK_EQ(tr_metric(&r, AG, "messages"), 5);
	CHECK_EQ(tr_metric(&r, AG, "granted_max"), 3 * 300e6);
	CHECK_LE(tr_metric(&r, AG, "granted_max"), tr_metric(&r, AG, "budget"));
	CHECK_EQ(tr_metric(&r, AG, "budget"), share);
	CHECK_EQ(tr_metric(&r, AG, "admitted_rate"), 3 * 300e6);
	/* the requests reach the agent together (L) and wait for its core
	 * one after the other: the k-th grant reaches its app at
	 * L + k c + L */
	for (int k = 0; k < 3; k++) {
		double wait = tr_metricf(&r, "ll_wait", "apps.%s", ll[k]);
		double P = period_of(s, ll[k]);
		double first = tr_metricf(&r, "ll_first", "apps.%s", ll[k]);

		CHECKF(wait == 2 * L + (k + 1) * c,
		       "%s: ll_wait %.0f, want %.0f", ll[k], wait,
		       2 * L + (k + 1) * c);
		/* its first packet in the lane: the first CBR departure
		 * after the grant arrived (rounded to the ps per packet) */
		CHECKF(first == llround(ceil(wait / P) * P),
		       "%s: ll_first %.0f, want %.0f", ll[k], first,
		       (double)llround(ceil(wait / P) * P));
	}
	/* the refused and the entitlement-less stay best effort */
	CU_ASSERT(isnan(tr_metric(&r, "apps.a4", "ll_first")));
	CU_ASSERT(isnan(tr_metric(&r, "apps.e", "ll_first")));
	CU_ASSERT(isnan(tr_metric(&r, "apps.e", "ll_wait")));
	/* the mux's low-latency lane got a1..a3's packets after their
	 * grants, nothing else */
	{
		double ll_pkts = 0;

		for (int k = 0; k < 3; k++) {
			double P = period_of(s, ll[k]);
			double before = ceil(
				tr_metricf(&r, "ll_wait", "apps.%s", ll[k]) /
				P);

			ll_pkts += tr_metricf(&r, "sent", "apps.%s", ll[k]) -
				   before;
		}
		CHECKF(tr_metric(&r, "hosts.client.mux", "ll.enqueued") ==
			       ll_pkts,
		       "ll.enqueued %.0f, want %.0f",
		       tr_metric(&r, "hosts.client.mux", "ll.enqueued"),
		       ll_pkts);
	}
	scn_destroy(s);
	run_result_fini(&r);
}

/* ---- 2. one app, unloaded: request latency + agent CPU + answer ---- */

static void test_first_packet(void)
{
	static const char yaml[] =
		"name: agent-first\n"
		"duration: 2ms\n" AGENT_HOSTS "apps:\n"
		"  a: { host: client, peer: server, pattern: cbr, rate: 700Mbps, size: 1000B, start: 100us, class: low_latency }\n";
	static const char *const sets[] = { "hosts.client.agent.latency=7us",
					    "hosts.client.agent.cost=3us" };
	struct run_result r;
	struct scn *s = NULL;
	double L, c, P, wait, first;

	if (tr_run_text(yaml, sets, 2, &r, &s))
		return;
	L = ps_of(s, "hosts.client.agent.latency");
	c = ps_of(s, "hosts.client.agent.cost");
	P = period_of(s, "a");
	wait = tr_metric(&r, "apps.a", "ll_wait");
	first = tr_metric(&r, "apps.a", "ll_first");
	SAY("first packet: ll_wait %.0f ll_first %.0f (L %.0f c %.0f P %.0f)\n",
	    wait, first, L, c, P);
	CHECK_EQ(wait, L + c + L);
	/* from its start: the departures are start + k P */
	CHECK_EQ(first, (double)llround(ceil((L + c + L) / P) * P));
	CHECK_EQ(tr_metric(&r, "hosts.client.cpu", "time.proto"), c);
	scn_destroy(s);
	run_result_fini(&r);
}

/* ---- 3. denial, retry, release ---- */

static const char release_yaml[] =
	"name: agent-release\n"
	"duration: 8ms\n" AGENT_HOSTS "apps:\n"
	"  a1: { host: client, peer: server, pattern: cbr, rate: 600Mbps, size: 1000B, class: low_latency, stop_at: 5ms }\n"
	"  a2: { like: a1, stop_at: 0 }\n";

static void test_release(void)
{
	static const char *const sets[] = { "hosts.client.agent.retry=1ms" };
	struct run_result r;
	struct scn *s = NULL;
	double L, c, retry, stop, t, free_at, asks = 1, wait;

	if (tr_run_text(release_yaml, sets, 1, &r, &s))
		return;
	L = ps_of(s, "hosts.client.agent.latency");
	c = ps_of(s, "hosts.client.agent.cost");
	retry = ps_of(s, "hosts.client.agent.retry");
	stop = ps_of(s, "apps.a1.stop_at");
	/* a1 is granted, a2 (read second) denied; a2 asks again `retry`
	 * after each denial reaches it, until a request is read after a1's
	 * release (sent at stop) has been read */
	free_at = stop + L + c;
	for (t = 0;;) {
		double read = t + L + c; /* a2's request read (core idle) */

		if (t == 0)
			read += c; /* behind a1's at the start */
		if (read > free_at) {
			wait = read + L;
			break;
		}
		asks++;
		t = read + L + retry; /* the denial arrives; it waits */
	}
	SAY("release: requests %.0f admissions %.0f refusals %.0f releases %.0f, a2 ll_wait %.0f (want %.0f)\n",
	    tr_metric(&r, AG, "requests"), tr_metric(&r, AG, "admissions"),
	    tr_metric(&r, AG, "refusals"), tr_metric(&r, AG, "releases"),
	    tr_metric(&r, "apps.a2", "ll_wait"), wait);
	CHECK_EQ(tr_metric(&r, AG, "requests"), 1 + asks);
	CHECK_EQ(tr_metric(&r, AG, "admissions"), 2);
	CHECK_EQ(tr_metric(&r, AG, "refusals.no_room"), asks - 1);
	CHECK_EQ(tr_metric(&r, AG, "releases"), 1);
	CHECK_EQ(tr_metric(&r, "apps.a2", "ll_wait"), wait);
	/* never both at once: 600 + 600 > 1000 */
	CHECK_EQ(tr_metric(&r, AG, "granted_max"), 600e6);
	CHECK_EQ(tr_metric(&r, AG, "admitted_rate"), 600e6);
	/* every request, the release: messages read on the agent's core */
	CHECK_EQ(tr_metric(&r, AG, "messages"), 1 + asks + 1);
	scn_destroy(s);
	run_result_fini(&r);
}

/* ---- 4. a capacity step: grants shrink pro rata ---- */

static const char step_yaml[] =
	"name: agent-step\n"
	"duration: 10ms\n" AGENT_HOSTS "apps:\n"
	"  a1: { host: client, peer: server, pattern: cbr, rate: 400Mbps, size: 1000B, class: low_latency }\n"
	"  a2: { like: a1, rate: 200Mbps }\n";

/* slow: 1 ms per message, so the notices reach the apps 1 and 2 ms
 * after the agent shrank its grants: until then they are judged against
 * the grants they know, and nobody is revoked. */
static void capacity_step(bool slow)
{
	static const char *const sets[] = { "network.rate_step=4Gbps",
					    "network.rate_step_at=3ms",
					    "hosts.client.agent.cost=1ms" };
	struct run_result r;
	struct scn *s = NULL;
	double L, c, delay, interval, at, budget, notice;

	if (tr_run_text(step_yaml, sets, slow ? 3 : 2, &r, &s))
		return;
	L = ps_of(s, "hosts.client.agent.latency");
	c = ps_of(s, "hosts.client.agent.cost");
	delay = ps_of(s, "hosts.client.advisory.delay");
	interval = ps_of(s, "hosts.client.advisory.interval");
	at = ps_of(s, "network.rate_step_at");
	budget = scn_double(s, "hosts.client.mux.share") *
		 scn_double(s, "network.rate_step");
	notice = tr_metric(&r, AG, "last_notice");
	SAY("step: granted max %.0f, admitted %.0f of budget %.0f, renegotiations %.0f notices %.0f, last notice %.0f (step %.0f)\n",
	    tr_metric(&r, AG, "granted_max"),
	    tr_metric(&r, AG, "admitted_rate"), tr_metric(&r, AG, "budget"),
	    tr_metric(&r, AG, "renegotiations"), tr_metric(&r, AG, "notices"),
	    notice, at);
	CHECK_EQ(tr_metric(&r, AG, "granted_max"), 600e6);
	CHECK_EQ(tr_metric(&r, AG, "budget"), budget);
	/* 600 Mb/s asked, 400 Mb/s left: each grant x 2/3 */
	CHECK_REL(tr_metric(&r, AG, "admitted_rate"), budget, 1e-12);
	CHECK_LE(tr_metric(&r, AG, "admitted_rate"), budget * (1 + 1e-12));
	CHECK_EQ(tr_metric(&r, AG, "renegotiations"), 1);
	CHECK_EQ(tr_metric(&r, AG, "notices"), 2);
	/* the report leaves at the step, reaches the agent `delay` later;
	 * two notices on its core, the second reaches a2 L later */
	CHECK_EQ(notice - at, delay + 2 * c + L);
	if (!slow)
		CHECK_LE(notice - at, interval + L);
	/* both apps scaled their rate with their grant: nobody revoked */
	CHECK_EQ(tr_metric(&r, AG, "revocations"), 0);
	scn_destroy(s);
	run_result_fini(&r);
}

static void test_capacity_step(void)
{
	capacity_step(false);
	capacity_step(true);
}

/* ---- 5. revocation and re-admission ---- */

static const char readmit_yaml[] =
	"name: agent-readmit\n"
	"duration: 12ms\n" AGENT_HOSTS "apps:\n"
	"  m: { host: client, peer: server, pattern: cbr, rate: 100Mbps, size: 1000B, class: low_latency, surge: 3, surge_at: 3.5ms, surge_until: 5.5ms }\n"
	"  ok: { like: m, surge: 1, surge_at: 0, surge_until: 0 }\n";

static void readmit_check(const struct run_result *r, const struct scn *s,
			  const char *engine)
{
	double w = ps_of(s, "hosts.client.agent.window");
	double n = (double)scn_int(s, "hosts.client.agent.readmit");
	double until = ps_of(s, "apps.m.surge_until");
	/* the first window wholly after the surge, then n of them */
	double want = ceil(until / w) * w + (n - 1) * w + w;

	SAY("%s: revocations %.0f readmissions %.0f at %.0f (want %.0f), admitted %.0f\n",
	    engine, tr_metric(r, AG, "revocations"),
	    tr_metric(r, AG, "readmissions"), tr_metric(r, AG, "last_readmit"),
	    want, tr_metric(r, AG, "admitted_rate"));
	CHECK_EQ(tr_metric(r, AG, "revocations"), 1);
	CHECK_EQ(tr_metric(r, AG, "readmissions"), 1);
	CHECK_EQ(tr_metric(r, AG, "last_readmit"), want);
	CHECK_EQ(tr_metric(r, AG, "admitted_rate"), 200e6);
	CHECK_EQ(tr_metric(r, AG, "admissions"), 2);
}

static void test_readmission(void)
{
	static const char *const ns3[] = { "engine=ns3" };
	static const char *const metrics[] = {
		"requests",	"admissions",	 "refusals",	"revocations",
		"readmissions", "messages",	 "granted_max", "admitted_rate",
		"last_readmit", "renegotiations"
	};
	struct run_result r, q;
	struct scn *s = NULL;

	if (tr_run_text(readmit_yaml, NULL, 0, &r, &s))
		return;
	readmit_check(&r, s, "native");
	/* a readmit of 1 re-admits at the end of the first clean window */
	if (!tr_run_text(readmit_yaml, ns3, 1, &q, NULL)) {
		for (size_t i = 0; i < sizeof(metrics) / sizeof(*metrics);
		     i++) {
			double a = tr_metric(&r, AG, metrics[i]);
			double b = tr_metric(&q, AG, metrics[i]);

			CHECKF(a == b, "%s: native %.0f ns3 %.0f", metrics[i],
			       a, b);
		}
		CHECK_EQ(tr_metric(&r, "apps.m", "ll_first"),
			 tr_metric(&q, "apps.m", "ll_first"));
		run_result_fini(&q);
	}
	scn_destroy(s);
	run_result_fini(&r);
	{
		static const char *const one[] = {
			"hosts.client.agent.readmit=1"
		};

		if (tr_run_text(readmit_yaml, one, 1, &r, &s))
			return;
		readmit_check(&r, s, "readmit 1");
		scn_destroy(s);
		run_result_fini(&r);
	}
	{
		static const char *const never[] = {
			"hosts.client.agent.readmit=0"
		};

		if (tr_run_text(readmit_yaml, never, 1, &r, NULL))
			return;
		CHECK_EQ(tr_metric(&r, AG, "revocations"), 1);
		CHECK_EQ(tr_metric(&r, AG, "readmissions"), 0);
		CHECK_EQ(tr_metric(&r, AG, "admitted_rate"), 100e6);
		run_result_fini(&r);
	}
}

int suite_agent(void)
{
	CU_pSuite s = CU_add_suite("agent", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "admission: entitlement, room, order",
			 test_admission) ||
	    !CU_add_test(s, "first low-latency packet: L + c + L",
			 test_first_packet) ||
	    !CU_add_test(s, "denial, retry, release", test_release) ||
	    !CU_add_test(s, "capacity step: pro rata shrink",
			 test_capacity_step) ||
	    !CU_add_test(s, "revocation and re-admission", test_readmission))
		return CU_get_error();
	return 0;
}
