/*
 * test_profiles.c - stack profiles (stacks.NAME, chosen by apps.*.profile):
 * one host running user-space stacks of different settings next to its
 * in-kernel stack.
 *
 *   - The declarations of a profile are the host's: every
 *     hosts.*.stack.*, hosts.*.channel.* and hosts.*.tcp.* has a twin
 *     stacks.*.X with the same type, default, choices, range, meaning and
 *     source, and the profiles have no other parameter.
 *   - Three 64 B CBR apps on one host: the in-kernel stack, a user-space
 *     stack with the host's settings (stack.proto 640 ns by default) and
 *     one with a profile of stack.proto 300 ns. The stack stage of each
 *     packet is exactly its stack's proto (plus the trap and copy in of a
 *     send() for the in-kernel stack); the sending host's CPU account
 *     proto is exactly sends x proto summed over the three apps, and the
 *     receiving host's is received x proto of each app's profile or host
 *     (a receive job still in service at the end counted once more).
 *   - Two bulk TCP flows from one host through a 1 Gb/s bottleneck, one
 *     with a profile of NewReno, the other with the host's CUBIC: the run
 *     is the same trajectory (fingerprint and every TCP count) as the one
 *     where the host runs NewReno and the other app has a CUBIC profile,
 *     and differs from the one where both run the host's CUBIC.
 *   - A profile that sets nothing is the host's defaults: the same
 *     trajectory as no profile.
 *
 * Set USNSIM_TEST_VERBOSE=1 to print the numbers the tests observe.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "registry.h"
#include "run.h"
#include "runs.h"
#include "scenario.h"
#include "util.h"

/* ---- the declarations are the host's ---- */

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void test_declarations(void)
{
	static const char *const parts[] = { "stack.", "channel.", "tcp." };
	size_t host = 0, profile = 0;

	for (size_t i = 0; i < param_count(); i++) {
		const struct param_def *d = param_at(i), *twin;
		char path[256], concrete[256];
		bool part = false;

		if (!strncmp(d->path, "stacks.*.", 9)) {
			profile++;
			continue;
		}
		if (strncmp(d->path, "hosts.*.", 8))
			continue;
		for (size_t k = 0; k < 3; k++)
			part |= !strncmp(d->path + 8, parts[k],
					 strlen(parts[k]));
		if (!part)
			continue;
		host++;
		snprintf(path, sizeof(path), "stacks.*.%s", d->path + 8);
		snprintf(concrete, sizeof(concrete), "stacks.p.%s",
			 d->path + 8);
		twin = param_lookup(concrete);
		CHECKF(twin != NULL, "no %s", path);
		if (!twin)
			continue;
		CHECKF(!strcmp(twin->path, path), "%s: found %s", path,
		       twin->path);
		CHECKF(twin->type == d->type && same_text(twin->def, d->def) &&
			       same_text(twin->choices, d->choices) &&
			       twin->min == d->min && twin->max == d->max &&
			       same_text(twin->help, d->help) &&
			       same_text(twin->source, d->source),
		       "%s differs from %s", path, d->path);
	}
	SAY("%zu host stack parameters, %zu profile parameters\n", host,
	    profile);
	/* 13 stack, 4 channel and at least the 14 tcp parameters of today */
	CHECK_GE(host, 31);
	CHECK_EQ(profile, host);
	CU_ASSERT_FATAL(param_lookup("stacks.lean.stack.proto") != NULL);
	CU_ASSERT_PTR_NULL(param_lookup("stacks.lean.nic.rate"));
	CU_ASSERT_PTR_NULL(param_lookup("stacks.lean.cpu.syscall"));
	CU_ASSERT(param_is_group("stacks"));
}

/* ---- each app pays its own stack's proto ---- */

static const char proto_yaml[] =
	"name: profiles-proto\n"
	"duration: 20ms\n"
	"warmup: 1ms\n"
	"seed: 7\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false } }\n"
	"  server: { like: client }\n"
	"stacks:\n"
	"  lean:\n"
	"    stack: { proto: 300ns }\n"
	"network: { kind: link, rate: 10Gbps, overhead: 20B }\n"
	"apps:\n"
	"  k: { host: client, peer: server, pattern: cbr, rate: 100kpps, size: 64B, stack: kernel }\n"
	"  u: { host: client, peer: server, pattern: cbr, rate: 100kpps, size: 64B, stack: user }\n"
	"  p: { host: client, peer: server, pattern: cbr, rate: 100kpps, size: 64B, stack: user, profile: lean }\n";

static double stage(const struct run_result *r, const char *app, bool *same)
{
	char comp[32];
	const struct hist *h;

	snprintf(comp, sizeof(comp), "apps.%s", app);
	h = tr_histo(r, comp, "stage.stack_tx");
	*same = h && h->count > 1000 && h->min == h->max;
	return h ? (double)h->min : NAN;
}

static void test_proto(void)
{
	static const char *const apps[] = { "k", "u", "p" };
	struct run_result r;
	struct scn *s = NULL;
	double proto[3], want_tx = 0, rx_base = 0, got, extra, st;
	sim_time copy;
	bool same, ok = false;

	if (tr_run_text(proto_yaml, NULL, 0, &r, &s))
		return;
	proto[0] = proto[1] = (double)scn_time(s, "hosts.client.stack.proto");
	proto[2] = (double)scn_time(s, "stacks.lean.stack.proto");
	CHECK_EQ(proto[1], 640000);
	CHECK_EQ(scn_time(s, "hosts.server.stack.proto"), 640000);
	CHECK_EQ(proto[2], 300000);
	/* the stack stage: proto alone for a user-space stack */
	copy = (sim_time)llround(
		64 * 1e12 / (scn_double(s, "hosts.client.cpu.copy_bw") / 8));
	st = stage(&r, "k", &same);
	CHECKF(same && st == (double)scn_time(s, "hosts.client.cpu.syscall") +
				       (double)copy + proto[0],
	       "k: stack_tx %.0f ps", st);
	st = stage(&r, "u", &same);
	CHECKF(same && st == proto[1], "u: stack_tx %.0f ps, want %.0f", st,
	       proto[1]);
	st = stage(&r, "p", &same);
	CHECKF(same && st == proto[2], "p: stack_tx %.0f ps, want %.0f", st,
	       proto[2]);
	/* the hosts' proto accounts */
	for (size_t a = 0; a < 3; a++) {
		want_tx +=
			proto[a] * tr_metricf(&r, "tx.syncs",
					      "hosts.client.stack.%s", apps[a]);
		rx_base +=
			proto[a] * tr_metricf(&r, "rx.packets",
					      "hosts.server.stack.%s", apps[a]);
	}
	got = tr_metric(&r, "hosts.client.cpu", "time.proto");
	SAY("client proto %.0f ps, want %.0f; server %.0f over %.0f\n", got,
	    want_tx, tr_metric(&r, "hosts.server.cpu", "time.proto"), rx_base);
	CHECKF(tr_metric(&r, "hosts.client.stack.p", "tx.syncs") > 1000 &&
		       got == want_tx,
	       "client proto %.0f ps, want %.0f", got, want_tx);
	/* each app's receive job in service at the end: 0 or 1 more */
	extra = tr_metric(&r, "hosts.server.cpu", "time.proto") - rx_base;
	for (unsigned m = 0; m < 8; m++)
		ok |= extra == ((m & 1) ? proto[0] : 0) +
				       ((m & 2) ? proto[1] : 0) +
				       ((m & 4) ? proto[2] : 0);
	CHECKF(ok, "server proto %.0f ps beyond received x proto", extra);
	run_result_fini(&r);
	scn_destroy(s);
}

/* ---- each app runs its own congestion control ---- */

static const char tcp_yaml[] =
	"name: profiles-tcp\n"
	"duration: 300ms\n"
	"seed: 1\n"
	"hosts:\n"
	"  client: { nic: { iommu: { enabled: false }, rx_mode: poll } }\n"
	"  server: { like: client }\n"
	"stacks:\n"
	"  reno: { tcp: { congestion_control: newreno } }\n"
	"  cub: { tcp: { congestion_control: cubic } }\n"
	"  plain: {}\n"
	"network: { kind: link, rate: 1Gbps, delay: 50us, overhead: 20B, queue_packets: 100 }\n"
	"apps:\n"
	"  a: { host: client, peer: server, pattern: bulk, transport: tcp, stack: user, profile: reno }\n"
	"  b: { host: client, peer: server, pattern: bulk, transport: tcp, stack: user }\n";

static const char *const tcp_counts[] = {
	"segments_sent", "retransmits", "fast_retransmits", "timeouts",
	"bytes_acked",	 "dupacks",	"acks_sent",	    "goodput",
};

#define NCOUNTS (sizeof(tcp_counts) / sizeof(tcp_counts[0]))

/* Whether the client's TCP counts of both apps are the same in x and y. */
static bool same_counts(const struct run_result *x, const struct run_result *y,
			bool report)
{
	static const char *const apps[] = { "hosts.client.tcp.a",
					    "hosts.client.tcp.b" };
	bool same = true;

	for (size_t a = 0; a < 2; a++)
		for (size_t k = 0; k < NCOUNTS; k++) {
			double vx = tr_metric(x, apps[a], tcp_counts[k]);
			double vy = tr_metric(y, apps[a], tcp_counts[k]);

			same &= vx == vy;
			if (report)
				CHECKF(vx == vy, "%s %s: %.17g and %.17g",
				       apps[a], tcp_counts[k], vx, vy);
		}
	return same;
}

static void test_tcp(void)
{
	static const char *const swapped[] = {
		"apps.a.profile=",
		"apps.b.profile=cub",
		"hosts.client.tcp.congestion_control=newreno",
		"hosts.server.tcp.congestion_control=newreno",
	};
	static const char *const cubic[] = { "apps.a.profile=" };
	static const char *const plain[] = { "apps.a.profile=plain" };
	struct run_result x, y, z, w;

	if (tr_run_text(tcp_yaml, NULL, 0, &x, NULL))
		return;
	if (tr_run_text(tcp_yaml, swapped, 4, &y, NULL) ||
	    tr_run_text(tcp_yaml, cubic, 1, &z, NULL) ||
	    tr_run_text(tcp_yaml, plain, 1, &w, NULL)) {
		CU_FAIL("a run failed");
		return;
	}
	SAY("a newreno by profile: %s, %.0f segments; by host: %s, %.0f; "
	    "cubic: %s, %.0f; plain profile: %s\n",
	    x.fingerprint, tr_metric(&x, "hosts.client.tcp.a", "segments_sent"),
	    y.fingerprint, tr_metric(&y, "hosts.client.tcp.a", "segments_sent"),
	    z.fingerprint, tr_metric(&z, "hosts.client.tcp.a", "segments_sent"),
	    w.fingerprint);
	/* both flows lose segments at the bottleneck and recover */
	CHECK_GT(tr_metric(&x, "hosts.client.tcp.a", "fast_retransmits"), 0);
	CHECK_GT(tr_metric(&x, "hosts.client.tcp.b", "fast_retransmits"), 0);
	/* a NewReno and b CUBIC, whichever way they are set */
	CU_ASSERT_STRING_EQUAL(x.fingerprint, y.fingerprint);
	same_counts(&x, &y, true);
	/* ... and not what both on CUBIC do */
	CU_ASSERT_STRING_NOT_EQUAL(x.fingerprint, z.fingerprint);
	CU_ASSERT(!same_counts(&x, &z, false));
	CHECK_NE(tr_metric(&x, "hosts.client.tcp.a", "segments_sent"),
		 tr_metric(&z, "hosts.client.tcp.a", "segments_sent"));
	/* a profile that sets nothing: the host's defaults */
	CU_ASSERT_STRING_EQUAL(w.fingerprint, z.fingerprint);
	same_counts(&w, &z, true);
	run_result_fini(&x);
	run_result_fini(&y);
	run_result_fini(&z);
	run_result_fini(&w);
}

int suite_profiles(void)
{
	CU_pSuite s = CU_add_suite("profiles", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "profile parameters are the host's",
			 test_declarations) ||
	    !CU_add_test(s, "each app pays its stack's proto", test_proto) ||
	    !CU_add_test(s, "NewReno by profile next to CUBIC", test_tcp))
		return CU_get_error();
	return 0;
}
