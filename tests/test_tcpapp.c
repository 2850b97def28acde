/*
 * test_tcpapp.c - apps over TCP (transport: tcp) end to end: the TCP model
 * of models/tcp.c inside the hosts, its segments through the app's stacks.
 *
 *   - An RPC over TCP costs the path what a datagram RPC of the same
 *     frames costs: a 64 B request and response over TCP are 130 B frames
 *     (66 B of headers) and the ACKs ride on them, so every round trip but
 *     the first (which also waits for the handshake) is exactly that of a
 *     datagram RPC of 130 B requests and responses through user-space
 *     stacks; through the in-kernel stack it is shorter by the copy of the
 *     headers, which a send() of TCP data does not copy (2 x 66 B at the
 *     copy bandwidth).
 *   - A sender that waits for its stack: a bulk flow from one user-space
 *     stack core onto an idle 10 Gb/s link is bound by its core, and
 *     neither drops a segment at its own TX ring nor retransmits one.
 *   - A bulk flow through a 1 Gb/s link with a buffer of a few times the
 *     bandwidth-delay product, CUBIC and NewReno: its goodput is at most,
 *     and within 5% of, the link's rate times 1448 / (1514 + 20) (payload
 *     over frame and framing), without a timeout.
 *   - The in-kernel stack's TCP: ACKs are consumed in the kernel (the
 *     bulk sender's socket never sees a recv()), a sized transfer is one
 *     write, so the sender's core makes exactly one system call, every
 *     data segment is one recv() at the receiver, and the transfer
 *     completes in about the time its bytes take on the wire (its last
 *     segment carries the FIN, acknowledged at once).
 *   - A user-space stack's send buffer is its channel's pool: with a
 *     static pool of 128 buffers on a path of 10 ms round trip, goodput
 *     is at most 128 segments per round trip (far below the 1 Gb/s
 *     link), no segment is dropped by the stack for want of a buffer,
 *     and the segments in flight at the end still hold theirs.
 *   - A bulk flow of each stack on one 10 Gb/s NIC without a
 *     multiplexer: the flow advisory holds back the in-kernel stack's
 *     socket as it does the user-space stack's flow, so neither starves
 *     (each above 10% of the link, together at least 95%), and neither
 *     times out or drops at its own stack.
 *   - An RPC's think times, fixed or exponential of the same mean: the
 *     same round trips, as many cycles as fit the run (fixed), and a
 *     count within four standard deviations of it (exponential).
 *   - Conservation per app (sent = received + dropped + in flight) holds
 *     in every run (the run checks it; a broken invariant fails it).
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

static const char hosts_yaml[] =
	"seed: 1\n"
	"hosts:\n"
	"  client: { nic: { iommu: { enabled: false }, rx_mode: poll } }\n"
	"  server: { like: client }\n";

/* Runs hosts_yaml with head (name, duration, network) and apps. */
static int ta_run(const char *head, const char *apps, const char *const *sets,
		  size_t n, struct run_result *r)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s%s%s", head, hosts_yaml, apps);
	return tr_run_text(text, sets, n, r, NULL);
}

/* ---- an RPC over TCP is a datagram RPC of the same frames ---- */

static void test_rpc_frames(void)
{
	static const char head[] =
		"name: tcpapp-rpc\nduration: 5ms\n"
		"network: { kind: link, rate: 10Gbps, delay: 2us, overhead: 20B }\n";
	static const char tcp[] =
		"apps:\n  rpc: { host: client, peer: server, pattern: rpc, "
		"transport: tcp, stack: user, size: 64B, response_size: 64B }\n";
	static const char udp[] =
		"apps:\n  rpc: { host: client, peer: server, pattern: rpc, "
		"stack: user, size: 130B, response_size: 130B }\n";
	const char *kern[] = { "apps.rpc.stack=kernel" };

	for (int k = 0; k < 2; k++) {
		struct run_result rt, ru;
		const struct hist *ht, *hu;
		double rest, hdr_copy = k ? 2 * 66 / 10e9 * 1e12 : 0;

		if (ta_run(head, tcp, kern, (size_t)k, &rt))
			return;
		if (ta_run(head, udp, kern, (size_t)k, &ru)) {
			run_result_fini(&rt);
			return;
		}
		ht = tr_histo(&rt, "apps.rpc", "rtt");
		hu = tr_histo(&ru, "apps.rpc", "rtt");
		CU_ASSERT_FATAL(ht && hu);
		SAY("%s stack: tcp rtt min %lld p50 %.0f max %lld n %llu; "
		    "udp min %lld p50 %.0f n %llu\n",
		    k ? "kernel" : "user", (long long)ht->min,
		    hist_quantile(ht, 0.5), (long long)ht->max,
		    (unsigned long long)ht->count, (long long)hu->min,
		    hist_quantile(hu, 0.5), (unsigned long long)hu->count);
		CU_ASSERT_FATAL(ht->count > 100 && hu->min == hu->max);
		/* the mean of every round trip but the longest (the first) */
		rest = (hist_mean(ht) * (double)ht->count - (double)ht->max) /
		       (double)(ht->count - 1);
		SAY("  tcp's rest %.1f ps, udp's %lld less %.0f\n", rest,
		    (long long)hu->min, hdr_copy);
		CHECK_EQ(ht->min, hu->min - hdr_copy);
		CHECK_LT(fabs(rest - ((double)hu->min - hdr_copy)), 1);
		CHECK_GT(ht->max, hu->max + 2 * 2e6); /* the handshake */
		/* two segments per round trip, no pure ACK but the client's
		 * last of the handshake */
		CHECK_EQ(tr_metric(&rt, "hosts.client.tcp.rpc", "acks_sent"),
			 1);
		CHECK_EQ(tr_metric(&rt, "hosts.server.tcp.rpc", "acks_sent"),
			 0);
		run_result_fini(&rt);
		run_result_fini(&ru);
	}
}

/* ---- the sender waits for its stack ---- */

static void test_waits_for_stack(void)
{
	static const char head[] =
		"name: tcpapp-cpu\nduration: 20ms\n"
		"network: { kind: link, rate: 10Gbps, delay: 10us, overhead: 20B }\n";
	static const char apps[] =
		"apps:\n  bulk: { host: client, peer: server, pattern: bulk, "
		"transport: tcp, stack: user }\n";
	/* without TSO and GRO, which would take most of the per-packet
	 * work off the sender's core (test_offload.c) */
	static const char *const sets[] = {
		"hosts.client.stack.tso=false",
		"hosts.client.stack.gro=false",
		"hosts.server.stack.tso=false",
		"hosts.server.stack.gro=false",
	};
	struct run_result r;
	double gp;

	if (ta_run(head, apps, sets, 4, &r))
		return;
	gp = tr_metric(&r, "hosts.server.tcp.bulk", "goodput");
	SAY("cpu-bound bulk: goodput %.3f Gb/s, tx_full %.0f\n", gp / 1e9,
	    tr_metric(&r, "hosts.client.stack.bulk", "drops.tx_full"));
	CHECK_EQ(tr_metric(&r, "hosts.client.stack.bulk", "drops.tx_full"), 0);
	CHECK_EQ(tr_metric(&r, "hosts.client.tcp.bulk", "retransmits"), 0);
	CHECK_EQ(tr_metric(&r, "apps.bulk", "dropped"), 0);
	/* bound by the core, below the link's goodput */
	CHECK_LT(gp, 10e9 * 1448 / 1534);
	CHECK_GT(gp, 5e9);
	run_result_fini(&r);
}

/* ---- link-bound goodput ---- */

static void test_link_goodput(void)
{
	static const char head[] =
		"name: tcpapp-link\nduration: 1s\nwarmup: 100ms\n"
		"network: { kind: link, rate: 1Gbps, delay: 50us, overhead: 20B, queue_packets: 100 }\n";
	static const char apps[] =
		"apps:\n  bulk: { host: client, peer: server, pattern: bulk, "
		"transport: tcp, stack: user }\n";
	const char *cc[] = { "hosts.client.tcp.congestion_control=newreno" };

	for (int k = 0; k < 2; k++) {
		struct run_result r;
		double gp, line = 1e9 * 1448 / 1534;

		if (ta_run(head, apps, cc, (size_t)k, &r))
			return;
		gp = tr_metric(&r, "hosts.server.tcp.bulk", "goodput");
		SAY("%s: goodput %.4f Gb/s (line %.4f), retransmits %.0f, "
		    "timeouts %.0f\n",
		    k ? "newreno" : "cubic", gp / 1e9, line / 1e9,
		    tr_metric(&r, "hosts.client.tcp.bulk", "retransmits"),
		    tr_metric(&r, "hosts.client.tcp.bulk", "timeouts"));
		CHECK_LE(gp, line);
		CHECK_GE(gp, 0.95 * line);
		CHECK_EQ(tr_metric(&r, "hosts.client.tcp.bulk", "timeouts"), 0);
		run_result_fini(&r);
	}
}

/* ---- the in-kernel stack's TCP ---- */

static void test_kernel_tcp(void)
{
	static const char head[] =
		"name: tcpapp-kernel\nduration: 100ms\n"
		"network: { kind: link, rate: 10Gbps, delay: 10us, overhead: 20B }\n";
	static const char apps[] =
		"apps:\n  bulk: { host: client, peer: server, pattern: bulk, "
		"transport: tcp, stack: kernel, bytes: 1MiB }\n";
	struct run_result r;
	double acks;

	if (ta_run(head, apps, NULL, 0, &r))
		return;
	acks = tr_metric(&r, "hosts.server.tcp.bulk", "acks_sent");
	SAY("kernel bulk: fct %.0f ps, acks %.0f, sender recv() %.0f, "
	    "syscalls %.0f, receiver recv() %.0f of %.0f segments\n",
	    tr_metric(&r, "hosts.client.tcp.bulk", "fct"), acks,
	    tr_metric(&r, "hosts.client.stack.bulk", "rx.syncs"),
	    tr_metric(&r, "hosts.client.cpu", "syscalls"),
	    tr_metric(&r, "hosts.server.stack.bulk", "rx.syncs"),
	    tr_metric(&r, "hosts.client.tcp.bulk", "segments_sent"));
	/* 1 MiB at 10 Gb/s is under 1 ms; the last segment carries the FIN,
	 * acknowledged at once rather than after the 40 ms delayed ACK */
	CHECK_GT(tr_metric(&r, "hosts.client.tcp.bulk", "fct"), 0.8e9);
	CHECK_LT(tr_metric(&r, "hosts.client.tcp.bulk", "fct"), 2e9);
	CHECK_EQ(tr_metric(&r, "hosts.server.tcp.bulk", "bytes_received"),
		 1048576);
	CHECK_GT(acks, 0);
	/* ACKs (and the SYN-ACK) never wake the sender's app */
	CHECK_EQ(tr_metric(&r, "hosts.client.stack.bulk", "rx.syncs"), 0);
	/* one write: one system call on the sender's host */
	CHECK_EQ(tr_metric(&r, "hosts.client.cpu", "syscalls"), 1);
	/* every data segment is one recv() at the receiver */
	CHECK_EQ(tr_metric(&r, "hosts.server.stack.bulk", "rx.syncs"),
		 tr_metric(&r, "hosts.client.tcp.bulk", "segments_sent"));
	run_result_fini(&r);
}

/* ---- think times ---- */

static void test_think_dist(void)
{
	static const char head[] =
		"name: tcpapp-think\nduration: 100ms\n"
		"network: { kind: link, rate: 10Gbps, delay: 2us, overhead: 20B }\n";
	static const char apps[] =
		"apps:\n  rpc: { host: client, peer: server, pattern: rpc, "
		"transport: tcp, stack: user, size: 64B, think: 100us }\n";
	const char *exp_set[] = { "apps.rpc.think_dist=exponential" };
	double n[2], rtt[2];

	for (int k = 0; k < 2; k++) {
		struct run_result r;
		const struct hist *h;

		if (ta_run(head, apps, exp_set, (size_t)k, &r))
			return;
		h = tr_histo(&r, "apps.rpc", "rtt");
		CU_ASSERT_FATAL(h != NULL);
		n[k] = (double)h->count;
		rtt[k] = (double)h->min;
		run_result_fini(&r);
	}
	SAY("think 100 us: fixed %.0f round trips, exponential %.0f; rtt min "
	    "%.0f and %.0f ps\n",
	    n[0], n[1], rtt[0], rtt[1]);
	/* the path is the same, only the pauses differ */
	CHECK_EQ(rtt[0], rtt[1]);
	/* fixed: the cycles that fit the run (the first has no think
	 * before it, and waits for the handshake) */
	CHECK_LE(n[0], 100e9 / (100e6 + rtt[0]) + 1);
	CHECK_GE(n[0], 100e9 / (100e6 + rtt[0]) - 2);
	/* exponential of the same mean: a renewal process whose count over
	 * the run has a standard deviation of about sqrt(T / m^3) x 100 us
	 * (m the mean cycle), 26 cycles here: within 4 of them */
	CHECK_LT(fabs(n[1] - n[0]), 4 * 26);
	CHECKF(n[1] != n[0], "exponential gave exactly the fixed count %.0f",
	       n[0]);
}

/* ---- both stacks on one NIC ---- */

static void test_both_stacks(void)
{
	static const char head[] =
		"name: tcpapp-both\nduration: 200ms\nwarmup: 50ms\n"
		"network: { kind: link, rate: 10Gbps, delay: 100us, overhead: 20B }\n";
	static const char apps[] =
		"apps:\n  u: { host: client, peer: server, pattern: bulk, "
		"transport: tcp, stack: user }\n"
		"  k: { host: client, peer: server, pattern: bulk, "
		"transport: tcp, stack: kernel }\n";
	struct run_result r;
	double gu, gk, line = 10e9 * 1448 / 1534;

	if (ta_run(head, apps, NULL, 0, &r))
		return;
	gu = tr_metric(&r, "hosts.server.tcp.u", "goodput");
	gk = tr_metric(&r, "hosts.server.tcp.k", "goodput");
	SAY("user %.3f Gb/s, kernel %.3f Gb/s (line %.3f); timeouts %.0f "
	    "%.0f; NIC ring drops %.0f\n",
	    gu / 1e9, gk / 1e9, line / 1e9,
	    tr_metric(&r, "hosts.client.tcp.u", "timeouts"),
	    tr_metric(&r, "hosts.client.tcp.k", "timeouts"),
	    tr_metric(&r, "hosts.client.nic", "drops.ring_full"));
	/* the flow advisory holds back both stacks' flows: neither starves
	 * the other through the NIC's ring, nothing times out */
	CHECK_GT(gu, 0.1 * line);
	CHECK_GT(gk, 0.1 * line);
	CHECK_GE(gu + gk, 0.95 * line);
	CHECK_EQ(tr_metric(&r, "hosts.client.tcp.u", "timeouts"), 0);
	CHECK_EQ(tr_metric(&r, "hosts.client.tcp.k", "timeouts"), 0);
	CHECK_EQ(tr_metric(&r, "hosts.client.stack.u", "drops.tx_full"), 0);
	CHECK_EQ(tr_metric(&r, "hosts.client.stack.k", "drops.tx_full"), 0);
	run_result_fini(&r);
}

/* ---- the send buffer holds the channel's pool ---- */

static void test_send_buffer(void)
{
	static const char head[] =
		"name: tcpapp-pool\nduration: 1s\nwarmup: 100ms\n"
		"network: { kind: link, rate: 1Gbps, delay: 5ms, overhead: 20B }\n";
	static const char apps[] =
		"apps:\n  bulk: { host: client, peer: server, pattern: bulk, "
		"transport: tcp, stack: user }\n";
	const char *sets[] = { "hosts.client.pool.mode=static",
			       "hosts.server.pool.mode=static",
			       "hosts.client.pool.user_max=256KiB" };
	struct run_result r;
	double gp, srtt, bound;

	if (ta_run(head, apps, sets, 3, &r))
		return;
	gp = tr_metric(&r, "hosts.server.tcp.bulk", "goodput");
	srtt = tr_metric(&r, "hosts.client.tcp.bulk", "srtt");
	/* 256 KiB of 2 KiB buffers: at most 128 segments in flight */
	bound = 128.0 * 1448 * 8 / (srtt / 1e12);
	SAY("pool-bound bulk: goodput %.1f Mb/s, bound %.1f Mb/s, cwnd max "
	    "%.0f B, held at end %.0f, channel drops %.0f\n",
	    gp / 1e6, bound / 1e6,
	    tr_metric(&r, "hosts.client.tcp.bulk", "cwnd.max"),
	    tr_metric(&r, "hosts.client.pool.app.bulk", "held_at_end"),
	    tr_metric(&r, "hosts.client.flowswitch", "drops.no_memory"));
	CHECK_LE(gp, bound);
	CHECK_GT(gp, 0.25 * bound);
	/* a link of 1 Gb/s with 10 ms of RTT would take 830 segments */
	CHECK_LT(gp, 0.2e9);
	/* the stack never drops a segment for want of a buffer: the send
	 * buffer holds its bytes */
	CHECK_EQ(tr_metric(&r, "hosts.client.stack.bulk", "drops.no_memory"),
		 0);
	CHECK_GT(tr_metric(&r, "hosts.client.pool.app.bulk", "held_at_end"),
		 64);
	run_result_fini(&r);
}

int suite_tcpapp(void)
{
	CU_pSuite s = CU_add_suite("tcpapp", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "an rpc over tcp is a datagram rpc of its frames",
			 test_rpc_frames) ||
	    !CU_add_test(s, "a sender waits for its stack",
			 test_waits_for_stack) ||
	    !CU_add_test(s, "goodput at the link's rate", test_link_goodput) ||
	    !CU_add_test(s, "the in-kernel stack's tcp", test_kernel_tcp) ||
	    !CU_add_test(s, "the send buffer holds the channel's pool",
			 test_send_buffer) ||
	    !CU_add_test(s, "both stacks on one NIC", test_both_stacks) ||
	    !CU_add_test(s, "rpc think times, fixed and exponential",
			 test_think_dist))
		return CU_get_error();
	return 0;
}
