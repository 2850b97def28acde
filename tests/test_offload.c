/*
 * test_offload.c - TSO/GSO, GRO and TLS records over TCP, and message
 * sources over TCP (models/stack.c, models/flowswitch.c, models/app.c).
 *
 *   - TSO: one 64 KiB message (46 segments: 45 of 1448 B and one of
 *     376 B) sent at once through the sender's stack. With tso on (the
 *     default, tso_max 64 KiB) the 46 segments are one large send: 45 of
 *     them ride it (tx.tso_segments), so protocol processing is charged
 *     ceil(65536 / 65536) = 1 time for the data instead of 46, the flow
 *     switch's classify and check once instead of 46 times, and the user
 *     stack's two syncs (a batch of 32) one trap instead of two. The
 *     sender's accounts differ by exactly 45 x proto, 45 x (classify +
 *     check) and one trap, and its copies not at all (per-byte work
 *     stays); with tso_max 16 KiB the burst is cut into ceil(65536 /
 *     16384) = 5 sends (11 full segments fit in 16 KiB). Every charge of
 *     protocol processing is accounted for: proto x (received packets +
 *     sent packets - segments that rode a send), for both stacks.
 *   - GRO: at the receiver, the flow switch's classify is charged once
 *     per received packet that was not merged (rx.gro_merged), and
 *     protocol processing once per packet not merged plus once per sent
 *     packet, exactly; with gro off nothing is merged and the difference
 *     in the flow switch account is classify x merged.
 *   - TLS records over TCP: a record starts with each write and every
 *     tls_record_size bytes of it, wherever the segments cut: 5 messages
 *     of 40000 B with records of 10000 B are 20 records (not the 140
 *     segments' worth of a record per packet); 64 B messages are one
 *     record each; on the sender and on the receiver, for both stacks
 *     (with tls_bw 1 GB/s a byte costs exactly 1 ns).
 *   - Message completion: 5000 messages written at once fill the ring of
 *     4096: 4096 completion times are recorded, 904 messages counted
 *     untimed, and the server reads all 5000 x 64 B; 20 messages written
 *     apart are 20 completion times, none untimed.
 *   - The same message source gives identical results on the native and
 *     the ns-3 engine.
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

/* One message source over TCP from client to server: `count` messages of
 * `size` at `rate` (messages per second), `burst` per arrival. */
static const char msg_yaml[] =
	"name: offload\n"
	"duration: 10ms\n"
	"seed: 3\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false } }\n"
	"    tcp: { initial_window: 64 }\n"
	"  server: { like: client }\n"
	"network: { kind: link, rate: 10Gbps, delay: 2us, overhead: 20B }\n"
	"apps:\n"
	"  m: { host: client, peer: server, transport: tcp, pattern: cbr, "
	"stack: %s, rate: %s, burst: %s, count: %s, size: %s }\n";

static int run_msgs(const char *stack, const char *rate, const char *burst,
		    const char *count, const char *size,
		    const char *const *sets, size_t n, struct run_result *r,
		    struct scn **s)
{
	char text[1024];

	snprintf(text, sizeof(text), msg_yaml, stack, rate, burst, count, size);
	return tr_run_text(text, sets, n, r, s);
}

static double M(const struct run_result *r, const char *comp, const char *name)
{
	return tr_metric(r, comp, name);
}

/* ---- TSO ---- */

/* Protocol processing is charged once per packet the stack received
 * (not merged by GRO) and once per packet it sent that did not ride a
 * TSO send: the whole of account proto on host h. */
static void check_proto_identity(const struct run_result *r,
				 const struct scn *s, const char *h,
				 const char *stack)
{
	char cpu[64], stk[64], fsw[64], path[64];
	double proto, charges;

	snprintf(cpu, sizeof(cpu), "hosts.%s.cpu", h);
	snprintf(stk, sizeof(stk), "hosts.%s.stack.m", h);
	snprintf(fsw, sizeof(fsw), "hosts.%s.flowswitch", h);
	snprintf(path, sizeof(path), "hosts.%s.stack.proto", h);
	proto = (double)scn_time(s, path);
	charges = M(r, fsw, "rx.packets") - M(r, fsw, "rx.gro_merged") +
		  M(r, stk, "tx.packets") - M(r, stk, "tx.tso_segments");
	CHECKF(M(r, cpu, "time.proto") == proto * charges,
	       "%s %s: proto %.0f ps, want %.0f x %.0f", stack, h,
	       M(r, cpu, "time.proto"), proto, charges);
	/* classify once per packet not merged, both ways; the check on
	 * TX of a user stack's packets */
	snprintf(path, sizeof(path), "hosts.%s.flowswitch.classify", h);
	{
		double cls = (double)scn_time(s, path), chk;
		double tx =
			M(r, stk, "tx.packets") - M(r, stk, "tx.tso_segments");

		snprintf(path, sizeof(path), "hosts.%s.flowswitch.check", h);
		chk = strcmp(stack, "user") ? 0 : (double)scn_time(s, path);
		CHECKF(M(r, cpu, "time.flowswitch") ==
			       cls * (M(r, fsw, "rx.packets") -
				      M(r, fsw, "rx.gro_merged")) +
				       (cls + chk) * tx,
		       "%s %s: flowswitch %.0f ps", stack, h,
		       M(r, cpu, "time.flowswitch"));
	}
}

static void check_tso(const char *stack)
{
	static const char *const off[] = { "hosts.client.stack.tso=false" };
	static const char *const small[] = {
		"hosts.client.stack.tso_max=16KiB"
	};
	struct run_result on, no, sm;
	struct scn *s = NULL;
	double proto, cls, chk, trap;

	if (run_msgs(stack, "1kpps", "1", "1", "64KiB", NULL, 0, &on, &s))
		return;
	if (run_msgs(stack, "1kpps", "1", "1", "64KiB", off, 1, &no, NULL) ||
	    run_msgs(stack, "1kpps", "1", "1", "64KiB", small, 1, &sm, NULL))
		goto out;
	proto = (double)scn_time(s, "hosts.client.stack.proto");
	cls = (double)scn_time(s, "hosts.client.flowswitch.classify");
	chk = strcmp(stack, "user")
		      ? 0
		      : (double)scn_time(s, "hosts.client.flowswitch.check");
	trap = (double)scn_time(s, "hosts.client.cpu.syscall");
	SAY("%s: tso on %.0f segments rode, off %.0f, 16 KiB %.0f; proto "
	    "%.0f / %.0f ps\n",
	    stack, M(&on, "hosts.client.stack.m", "tx.tso_segments"),
	    M(&no, "hosts.client.stack.m", "tx.tso_segments"),
	    M(&sm, "hosts.client.stack.m", "tx.tso_segments"),
	    M(&on, "hosts.client.cpu", "time.proto"),
	    M(&no, "hosts.client.cpu", "time.proto"));
	/* 64 KiB in segments of 1448 B: 46, of which 45 ride with TSO;
	 * tso_max 16 KiB holds 11 segments: sends of 11, 11, 11, 11, 2 */
	CHECK_EQ(M(&on, "hosts.client.tcp.m", "segments_sent"), 46);
	CHECK_EQ(M(&no, "hosts.client.tcp.m", "segments_sent"), 46);
	CHECK_EQ(M(&on, "hosts.client.stack.m", "tx.tso_segments"), 45);
	CHECK_EQ(M(&no, "hosts.client.stack.m", "tx.tso_segments"), 0);
	CHECK_EQ(M(&sm, "hosts.client.stack.m", "tx.tso_segments"), 46 - 5);
	CHECK_EQ(M(&on, "apps.m", "mct_untimed"), 0);
	CHECK_EQ(tr_histo(&on, "apps.m", "mct")->count, 1);
	/* the receiver sends as many ACKs either way */
	CHECK_EQ_FATAL(M(&on, "hosts.client.stack.m", "rx.packets"),
		       M(&no, "hosts.client.stack.m", "rx.packets"));
	CHECK_EQ(M(&no, "hosts.client.cpu", "time.proto") -
			 M(&on, "hosts.client.cpu", "time.proto"),
		 45 * proto);
	CHECK_EQ(M(&sm, "hosts.client.cpu", "time.proto") -
			 M(&on, "hosts.client.cpu", "time.proto"),
		 4 * proto);
	CHECK_EQ(M(&no, "hosts.client.cpu", "time.flowswitch") -
			 M(&on, "hosts.client.cpu", "time.flowswitch"),
		 45 * (cls + chk));
	CHECK_EQ(M(&no, "hosts.client.cpu", "time.copy"),
		 M(&on, "hosts.client.cpu", "time.copy"));
	if (!strcmp(stack, "user")) {
		/* the pure ACK of the handshake and 31 segments, then 15:
		 * two syncs either way (the queues see the same batches),
		 * but with TSO the second holds only segments riding the
		 * send of the first: no trap */
		CHECK_EQ(M(&no, "hosts.client.stack.m", "tx.syncs"),
			 M(&on, "hosts.client.stack.m", "tx.syncs"));
		CHECK_EQ(M(&no, "hosts.client.cpu", "time.syscall") -
				 M(&on, "hosts.client.cpu", "time.syscall"),
			 trap + (M(&no, "hosts.client.stack.m", "rx.syncs") -
				 M(&on, "hosts.client.stack.m", "rx.syncs")) *
					 trap);
	} else {
		/* one write, one send() trap, with or without TSO */
		CHECK_EQ(M(&on, "hosts.client.cpu", "time.syscall"), trap);
		CHECK_EQ(M(&no, "hosts.client.cpu", "time.syscall"), trap);
	}
	check_proto_identity(&on, s, "client", stack);
	check_proto_identity(&no, s, "client", stack);
	check_proto_identity(&on, s, "server", stack);
	run_result_fini(&no);
	run_result_fini(&sm);
out:
	run_result_fini(&on);
	scn_destroy(s);
}

static void test_tso(void)
{
	check_tso("user");
	check_tso("kernel");
}

/* ---- GRO ---- */

static void check_gro(const char *stack)
{
	static const char *const off[] = { "hosts.server.stack.gro=false" };
	struct run_result on, no;
	struct scn *s = NULL;
	double cls, merged;

	/* 20 messages of 64 KiB, 1 ms apart */
	if (run_msgs(stack, "2kpps", "1", "20", "64KiB", NULL, 0, &on, &s))
		return;
	if (run_msgs(stack, "2kpps", "1", "20", "64KiB", off, 1, &no, NULL))
		goto out;
	cls = (double)scn_time(s, "hosts.server.flowswitch.classify");
	merged = M(&on, "hosts.server.flowswitch", "rx.gro_merged");
	SAY("%s: GRO merged %.0f of %.0f received segments\n", stack, merged,
	    M(&on, "hosts.server.flowswitch", "rx.packets"));
	CHECKF(merged > 0 &&
		       merged < M(&on, "hosts.server.flowswitch", "rx.packets"),
	       "%s: %.0f merged", stack, merged);
	CHECK_EQ(M(&no, "hosts.server.flowswitch", "rx.gro_merged"), 0);
	if (!strcmp(stack, "user"))
		CHECK_EQ(M(&on, "hosts.server.stack.m", "rx.gro_segments"),
			 merged);
	CHECK_EQ(tr_histo(&on, "apps.m", "mct")->count, 20);
	CHECK_EQ(tr_histo(&no, "apps.m", "mct")->count, 20);
	/* the same segments and ACKs either way */
	CHECK_EQ_FATAL(M(&on, "hosts.server.flowswitch", "rx.packets"),
		       M(&no, "hosts.server.flowswitch", "rx.packets"));
	CHECK_EQ_FATAL(M(&on, "hosts.server.stack.m", "tx.packets"),
		       M(&no, "hosts.server.stack.m", "tx.packets"));
	CHECK_EQ(M(&no, "hosts.server.cpu", "time.flowswitch") -
			 M(&on, "hosts.server.cpu", "time.flowswitch"),
		 merged * cls);
	CHECK_EQ(M(&no, "hosts.server.cpu", "time.proto") -
			 M(&on, "hosts.server.cpu", "time.proto"),
		 merged * (double)scn_time(s, "hosts.server.stack.proto"));
	check_proto_identity(&on, s, "server", stack);
	check_proto_identity(&no, s, "server", stack);
	run_result_fini(&no);
out:
	run_result_fini(&on);
	scn_destroy(s);
}

static void test_gro(void)
{
	check_gro("user");
	check_gro("kernel");
}

/* ---- TLS records ---- */

static void check_records(const char *stack, const char *size, double bytes,
			  double records_each)
{
	static const char *const sets[] = {
		"hosts.client.stack.tls=true",
		"hosts.client.stack.tls_record_size=10000B",
		"hosts.client.stack.tls_record=40ns",
		"hosts.client.stack.tls_bw=1GB/s",
		"hosts.server.stack.tls=true",
		"hosts.server.stack.tls_record_size=10000B",
		"hosts.server.stack.tls_record=40ns",
		"hosts.server.stack.tls_bw=1GB/s",
	};
	struct run_result r;
	double want;

	if (run_msgs(stack, "1kpps", "1", "5", size, sets, 8, &r, NULL))
		return;
	/* 5 messages: records x 40 ns + 1 ns per byte */
	want = 5 * (records_each * 40000 + bytes * 1000);
	SAY("%s %s: tls %.0f / %.0f ps, want %.0f\n", stack, size,
	    M(&r, "hosts.client.cpu", "time.tls"),
	    M(&r, "hosts.server.cpu", "time.tls"), want);
	CHECK_EQ(M(&r, "hosts.client.cpu", "time.tls"), want);
	CHECK_EQ(M(&r, "hosts.server.cpu", "time.tls"), want);
	CHECK_EQ(M(&r, "hosts.client.tcp.m", "retransmits"), 0);
	CHECK_EQ(tr_histo(&r, "apps.m", "mct")->count, 5);
	run_result_fini(&r);
}

static void test_records(void)
{
	for (int k = 0; k < 2; k++) {
		const char *stack = k ? "kernel" : "user";

		/* 40000 B: 4 records of 10000 B (28 segments) */
		check_records(stack, "40000B", 40000, 4);
		/* 64 B: one record */
		check_records(stack, "64B", 64, 1);
		/* 25000 B: records of 10000, 10000 and 5000 B */
		check_records(stack, "25000B", 25000, 3);
	}
}

/* ---- message completion ---- */

static void test_mct(void)
{
	struct run_result r;
	const struct hist *h;

	/* 5000 messages in one arrival: the ring holds 4096 */
	if (run_msgs("user", "1kpps", "5000", "5000", "64B", NULL, 0, &r, NULL))
		return;
	h = tr_histo(&r, "apps.m", "mct");
	SAY("5000 at once: %llu timed, %.0f untimed, %.0f B read\n",
	    h ? (unsigned long long)h->count : 0ULL,
	    M(&r, "apps.m", "mct_untimed"),
	    M(&r, "hosts.server.tcp.m", "bytes_received"));
	CHECK_EQ(h->count, 4096);
	CHECK_EQ(M(&r, "apps.m", "mct_untimed"), 5000 - 4096);
	CHECK_EQ(M(&r, "hosts.server.tcp.m", "bytes_received"), 5000 * 64);
	run_result_fini(&r);

	/* 20 messages 0.5 ms apart: each timed */
	if (run_msgs("kernel", "2kpps", "1", "20", "1500B", NULL, 0, &r, NULL))
		return;
	h = tr_histo(&r, "apps.m", "mct");
	CHECK_EQ(h->count, 20);
	CHECK_EQ(M(&r, "apps.m", "mct_untimed"), 0);
	CHECK_EQ(M(&r, "hosts.server.tcp.m", "bytes_received"), 20 * 1500);
	/* a message takes at least its two frames' (1448 B and 52 B of
	 * payload, 66 B of headers and 20 B of framing each) time on the
	 * 10 Gb/s wire, 100 ps a bit, and the link's 2 us */
	CHECKF(h->min >= (1500 + 2 * (66 + 20)) * 8 * 100 + 2000000,
	       "mct min %lld ps", (long long)h->min);
	run_result_fini(&r);
}

/* ---- both engines ---- */

static void test_engines(void)
{
	static const char *const engines[] = { "engine=native", "engine=ns3" };
	static const char *const comps[][2] = {
		{ "hosts.client.cpu", "time" },
		{ "hosts.server.cpu", "time" },
		{ "hosts.server.flowswitch", "rx.gro_merged" },
		{ "hosts.client.stack.m", "tx.tso_segments" },
		{ "apps.m", "mct" },
	};
	struct run_result r[2];
	const struct hist *h[2];

	for (int e = 0; e < 2; e++)
		if (run_msgs("user", "3kpps", "1", "0", "20000B", engines + e,
			     1, &r[e], NULL)) {
			if (e)
				run_result_fini(&r[0]);
			return;
		}
	for (size_t i = 0; i < sizeof(comps) / sizeof(*comps); i++)
		CHECKF(M(&r[0], comps[i][0], comps[i][1]) ==
			       M(&r[1], comps[i][0], comps[i][1]),
		       "%s %s: native %.17g, ns3 %.17g", comps[i][0],
		       comps[i][1], M(&r[0], comps[i][0], comps[i][1]),
		       M(&r[1], comps[i][0], comps[i][1]));
	h[0] = tr_histo(&r[0], "apps.m", "mct");
	h[1] = tr_histo(&r[1], "apps.m", "mct");
	CHECK_EQ(h[0]->count, h[1]->count);
	CHECK_EQ(h[0]->max, h[1]->max);
	CHECK_GT(h[0]->count, 20);
	run_result_fini(&r[0]);
	run_result_fini(&r[1]);
}

int suite_offload(void)
{
	CU_pSuite s = CU_add_suite("offload", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "TSO: one send per tso_max, both stacks",
			 test_tso) ||
	    !CU_add_test(s, "GRO: merged segments pay no classify or proto",
			 test_gro) ||
	    !CU_add_test(s, "TLS records start with writes", test_records) ||
	    !CU_add_test(s, "message completion times", test_mct) ||
	    !CU_add_test(s, "native and ns3 identical", test_engines))
		return CU_get_error();
	return 0;
}
