/*
 * test_replay.c - pcap replay (apps.*.pattern: replay, models/trace.c).
 *
 * The suite writes its own traces with libpcap (pcap_open_dead and
 * pcap_dump_open, nanosecond timestamps): frames of known wire lengths
 * (some captured shorter than they were, as a snapshot length does),
 * gaps of 0 (two packets at once), 1, 2, 7, 13, 20, 250 and 999 ns,
 * 3 us and 1.5 ms, four flows (UDP from two sources and TCP over IPv4,
 * UDP over IPv6 behind an 802.1Q tag) and two ARP frames. Checked:
 *   - the loaded trace: times, lengths and flow ids (in order of first
 *     appearance) and 5-tuples, exactly;
 *   - the replay over an ideal bare queue (800 Gb/s, 1 B = 10 ps, no
 *     framing, no propagation): packets and bytes sent and received are
 *     the trace's, and the sink's latency min, max and mean equal those
 *     of a Lindley recursion over the trace's own gaps and sizes, exact
 *     integers in ps; with time_scale 2, over doubled gaps; with repeat,
 *     over two passes and 3 packets, each pass n mean gaps after the
 *     previous;
 *   - the native and ns3 engines give the same trajectory;
 *   - through two hosts, without a stack and with the in-kernel and a
 *     user-space one, every packet is delivered with its wire length;
 *   - a relative trace is found next to the scenario; a truncated copy, a
 *     cut file header, a missing file, repeat over one packet, replay
 *     without a trace, a trace without replay and a replay with a generated source's rate fail
 *     with exit 2, a message naming the trace (and the packet and byte
 *     offset), and no rows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <pcap/pcap.h>

#include "runs.h"
#include "stats.h"
#include "trace.h"
#include "util.h"

#define NPKT 14

/* The trace: per packet, its gap after the previous one (ns), its wire
 * length and captured length, and its kind. */
enum kind { UDP4_A, TCP4_B, UDP6_C, ARP, UDP4_D };
static const struct {
	long gap_ns;
	unsigned len, caplen;
	enum kind kind;
} pk[NPKT] = {
	{ 0, 1500, 1500, UDP4_A },     { 1, 64, 64, UDP4_A },
	{ 7, 1500, 96, TCP4_B },       { 0, 200, 200, UDP6_C },
	{ 250, 60, 42, ARP },	       { 13, 1000, 1000, UDP4_A },
	{ 3000, 9000, 128, TCP4_B },   { 1, 128, 128, UDP4_D },
	{ 1, 64, 64, UDP6_C },	       { 20, 1500, 1500, UDP4_A },
	{ 1500000, 700, 700, UDP4_D }, { 999, 64, 64, TCP4_B },
	{ 2, 1400, 1400, UDP4_A },     { 0, 64, 64, ARP },
};
/* flow ids in order of first appearance: A 0, B 1, C 2, ARP 3, D 4 */
static const unsigned flow_of[] = { 0, 1, 2, 3, 4 };

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* Frame i into buf (Ethernet; caplen bytes are what matters). */
static void frame(int i, unsigned char *buf)
{
	unsigned char *ip;

	memset(buf, 0, 9100);
	memset(buf, 0xaa, 12); /* MAC addresses */
	switch (pk[i].kind) {
	case ARP:
		put16(buf + 12, 0x0806);
		return;
	case UDP6_C: /* an 802.1Q tag, then IPv6 */
		put16(buf + 12, 0x8100);
		put16(buf + 14, 7);
		put16(buf + 16, 0x86dd);
		ip = buf + 18;
		ip[0] = 0x60;
		ip[6] = 17;
		for (int k = 0; k < 16; k++) {
			ip[8 + k] = (unsigned char)(k == 15 ? 1 : 0x20);
			ip[24 + k] = (unsigned char)(k == 15 ? 2 : 0x20);
		}
		put16(ip + 40, 5353);
		put16(ip + 42, 53);
		return;
	default:
		put16(buf + 12, 0x0800);
		ip = buf + 14;
		ip[0] = 0x45;
		ip[9] = pk[i].kind == TCP4_B ? 6 : 17;
		ip[12] = 10, ip[15] = pk[i].kind == UDP4_D ? 9 : 1;
		ip[16] = 10, ip[19] = 2;
		put16(ip + 20, pk[i].kind == TCP4_B ? 40000 : 5000);
		put16(ip + 22, pk[i].kind == TCP4_B ? 443 : 6000);
		return;
	}
}

/* Writes the trace to path; 0 or -1. */
static int write_trace(const char *path)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(
		DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d = p ? pcap_dump_open(p, path) : NULL;
	static unsigned char buf[9100];
	long long t = 1700000000LL * 1000000000LL + 123456789;

	if (!d) {
		if (p)
			pcap_close(p);
		return -1;
	}
	for (int i = 0; i < NPKT; i++) {
		struct pcap_pkthdr h;

		t += pk[i].gap_ns;
		h.ts.tv_sec = t / 1000000000LL;
		h.ts.tv_usec = t % 1000000000LL; /* ns in a nanosecond file */
		h.len = pk[i].len;
		h.caplen = pk[i].caplen;
		frame(i, buf);
		pcap_dump((u_char *)d, &h, buf);
	}
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}

static char dir[256];

static const char *trace_file(void)
{
	const char *path = tu_path(dir, "t.pcap");

	if (!dir[0] && tu_mkdtemp(dir, sizeof(dir), "replay"))
		return NULL;
	path = tu_path(dir, "t.pcap");
	if (access(path, R_OK) && write_trace(path))
		return NULL;
	return path;
}

static void test_load(void)
{
	const char *path = trace_file();
	struct trace t;
	char err[512];
	long long at = 0;
	int bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	CHECK_EQ_FATAL(trace_load(&t, path, 1.0, err, sizeof(err)), 0);
	CHECK_EQ(t.n, NPKT);
	CHECK_EQ(t.nflows, 5);
	CHECK_EQ(t.nonip, 2);
	for (int i = 0; i < NPKT && (size_t)i < t.n; i++) {
		at += pk[i].gap_ns * 1000;
		bad += t.at_ps[i] != at || t.len[i] != pk[i].len ||
		       t.flow[i] != flow_of[pk[i].kind];
	}
	CHECK_EQ(bad, 0);
	/* 5-tuples as headers carry them */
	CHECK_EQ(t.tuple[0].saddr, 0x0a000001u);
	CHECK_EQ(t.tuple[0].daddr, 0x0a000002u);
	CHECK_EQ(t.tuple[0].proto, 17);
	CHECK_EQ(t.tuple[0].sport, 5000);
	CHECK_EQ(t.tuple[1].proto, 6);
	CHECK_EQ(t.tuple[1].dport, 443);
	/* IPv6 folded: 0x20202020 ^ 0x20202020 ^ 0x20202020 ^ 0x20202001 */
	CHECK_EQ(t.tuple[2].saddr,
		 0x20202020u ^ 0x20202001u ^ 0x20202020u ^ 0x20202020u);
	CHECK_EQ(t.tuple[2].dport, 53);
	CHECK_EQ(t.tuple[3].proto, 0);
	CHECK_EQ(t.tuple[3].saddr, 0);
	CHECK_EQ(t.tuple[4].saddr, 0x0a000009u);
	trace_free(&t);
	/* time_scale stretches every gap */
	CHECK_EQ_FATAL(trace_load(&t, path, 2.5, err, sizeof(err)), 0);
	CHECK_EQ(t.at_ps[2], 20000); /* 8 ns x 2.5 */
	CHECK_EQ(t.at_ps[NPKT - 1], (long long)llround(2.5 * (double)at));
	trace_free(&t);
}

/* The sink's latency over the ideal queue, by Lindley's recursion: the
 * wait of packet m is max(0, w(m-1) + s(m-1) - (t(m) - t(m-1))), s = 10
 * ps per byte; its latency w + s. m packets of the trace at scale, passes
 * of the trace n mean gaps apart (repeat). */
static void lindley(double scale, int m, long long *min, long long *max,
		    double *mean)
{
	long long at[NPKT], w = 0, s_prev = 0, t_prev = 0, sum = 0, loop;

	for (int i = 0, t = 0; i < NPKT; i++) {
		t += (int)pk[i].gap_ns;
		at[i] = llround((double)t * 1000 * scale);
	}
	loop = llround((double)at[NPKT - 1] / (NPKT - 1) * NPKT);
	*min = -1;
	*max = 0;
	for (int k = 0; k < m; k++) {
		long long t = (long long)(k / NPKT) * loop + at[k % NPKT];
		long long s = 10LL * pk[k % NPKT].len, lat;

		w = k ? w + s_prev - (t - t_prev) : 0;
		if (w < 0)
			w = 0;
		lat = w + s;
		sum += lat;
		*min = *min < 0 || lat < *min ? lat : *min;
		*max = lat > *max ? lat : *max;
		s_prev = s;
		t_prev = t;
	}
	*mean = (double)sum / m;
}

static const char *scenario(const char *trace, const char *extra)
{
	static char text[1024];

	snprintf(
		text, sizeof(text),
		"duration: 10ms\n"
		"network: { rate: 800Gbps, delay: 0, min_frame: 0, overhead: 0, queue_packets: 1000 }\n"
		"apps:\n"
		"  r: { pattern: replay, trace: '%s'%s }\n",
		trace, extra);
	return text;
}

/* Replays m packets of the trace (repeating past NPKT) at scale on engine
 * and checks them against lindley(). */
static void check_replay(double scale, int m, const char *engine)
{
	char extra[96], eng[32];
	const char *sets[] = { eng };
	const struct hist *lat;
	struct run_result r;
	long long mn, mx, bytes = 0;
	double mean;

	snprintf(extra, sizeof(extra), ", time_scale: %g%s", scale,
		 m > NPKT ? ", repeat: true" : "");
	if (m > NPKT)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 ", count: %d", m);
	snprintf(eng, sizeof(eng), "engine=%s", engine);
	for (int i = 0; i < m; i++)
		bytes += pk[i % NPKT].len;
	CHECK_EQ_FATAL(
		tr_run_text(scenario(trace_file(), extra), sets, 1, &r, NULL),
		0);
	lindley(scale, m, &mn, &mx, &mean);
	CHECK_EQ(tr_metric(&r, "apps.r", "sent"), m);
	CHECK_EQ(tr_metric(&r, "apps.r", "received"), m);
	CHECK_EQ(tr_metric(&r, "apps.r", "sent_bytes"), bytes);
	CHECK_EQ(tr_metric(&r, "apps.r", "received_bytes"), bytes);
	CHECK_EQ(tr_metric(&r, "apps.r", "flows"), 5);
	CHECK_EQ(tr_metric(&r, "apps.r", "nonip"), 2);
	lat = tr_histo(&r, "apps.r", "latency");
	CU_ASSERT_PTR_NOT_NULL_FATAL(lat);
	CHECK_EQ(lat->count, m);
	CHECK_EQ(lat->min, mn);
	CHECK_EQ(lat->max, mx);
	CHECK_NEAR(hist_mean(lat), mean, 1e-6);
	SAY("\n    %s x%g, %d packets: latency min %lld max %lld mean %.3f ps ",
	    engine, scale, m, mn, mx, mean);
	run_result_fini(&r);
}

static void test_replay_exact(void)
{
	check_replay(1, NPKT, "native");
	check_replay(2, NPKT, "native");
	check_replay(1, 2 * NPKT + 3, "native"); /* repeat: two passes and 3 */
}

/* The same trajectory on both engines. */
static void test_engines(void)
{
	const char *ns = "engine=ns3", *nat = "engine=native";
	struct run_result a, b;

	CHECK_EQ_FATAL(
		tr_run_text(scenario(trace_file(), ""), &nat, 1, &a, NULL), 0);
	CHECK_EQ_FATAL(
		tr_run_text(scenario(trace_file(), ""), &ns, 1, &b, NULL), 0);
	CU_ASSERT_STRING_EQUAL(a.fingerprint, b.fingerprint);
	CHECK_EQ(tr_metric(&a, "apps.r", "latency"),
		 tr_metric(&b, "apps.r", "latency"));
	run_result_fini(&a);
	run_result_fini(&b);
	check_replay(1, NPKT, "ns3");
}

/* Through two hosts, with each stack: every packet of the trace is
 * delivered, with its wire length. */
static void test_hosts(void)
{
	static const char *const stacks[] = { "none", "kernel", "user" };
	long long bytes = 0;

	for (int i = 0; i < NPKT; i++)
		bytes += pk[i].len;
	for (int k = 0; k < 3; k++) {
		char text[1024];
		struct run_result r;

		snprintf(
			text, sizeof(text),
			"duration: 10ms\n"
			"hosts:\n"
			"  a: { nic: { iommu: { enabled: false } } }\n"
			"  b: { like: a }\n"
			"network: { kind: link, rate: 10Gbps }\n"
			"apps:\n"
			"  r: { host: a, peer: b, stack: %s, pattern: replay, trace: '%s' }\n",
			stacks[k], trace_file());
		CHECK_EQ_FATAL(tr_run_text(text, NULL, 0, &r, NULL), 0);
		CHECKF(tr_metric(&r, "apps.r", "sent") == NPKT &&
			       tr_metric(&r, "apps.r", "received") == NPKT &&
			       tr_metric(&r, "apps.r", "received_bytes") ==
				       bytes &&
			       tr_metric(&r, "apps.r", "flows") == 5,
		       "stack %s: sent %g received %g (%g B, of %lld)",
		       stacks[k], tr_metric(&r, "apps.r", "sent"),
		       tr_metric(&r, "apps.r", "received"),
		       tr_metric(&r, "apps.r", "received_bytes"), bytes);
		run_result_fini(&r);
	}
}

/* usnsim run on scenario text written next to the trace; returns the
 * exit status, stderr in why. */
static int run_cli(const char *text, const char *db, char *why, size_t n)
{
	const char *scn = tu_path(dir, "s.yaml");
	const char *argv[] = { tu_usnsim(), "run", scn, "--db", db, NULL };
	struct tu_proc p;
	int st;

	if (tu_write_file(scn, text, strlen(text)))
		return -1;
	st = tu_run(&p, argv, 0);
	snprintf(why, n, "%s", p.err ? p.err : "");
	tu_proc_free(&p);
	return st;
}

static long long db_rows(const char *db)
{
	return access(db, F_OK) ? 0
				: tu_db_int(db, "SELECT count(*) FROM runs");
}

static void test_bad_traces(void)
{
	const char *path = trace_file();
	size_t len;
	char *bytes = path ? tu_slurp(path, &len) : NULL;
	const char *cut = tu_path(dir, "cut.pcap");
	const char *db = tu_path(dir, "r.db");
	char why[2048];

	CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
	/* a relative trace, found next to the scenario: it runs */
	CHECK_EQ(run_cli(scenario("t.pcap", ""), db, why, sizeof(why)), 0);
	CHECK_EQ(db_rows(db), 1);
	unlink(db);
	/* cut in the last record's data: exit 2, the packet named, no rows */
	CHECK_EQ_FATAL(tu_write_file(cut, bytes, len - 20), 0);
	CHECK_EQ(run_cli(scenario("cut.pcap", ""), db, why, sizeof(why)), 2);
	CHECKF(strstr(why, "cut.pcap") && strstr(why, "packet 14") &&
		       strstr(why, "byte offset") && strstr(why, "s.yaml:4:"),
	       "message: %s", why);
	CHECK_EQ(db_rows(db), 0);
	/* cut in the file header */
	CHECK_EQ_FATAL(tu_write_file(cut, bytes, 10), 0);
	CHECK_EQ(run_cli(scenario("cut.pcap", ""), db, why, sizeof(why)), 2);
	CHECKF(strstr(why, "cut.pcap") != NULL, "message: %s", why);
	CHECK_EQ(db_rows(db), 0);
	/* not there */
	CHECK_EQ(run_cli(scenario("none.pcap", ""), db, why, sizeof(why)), 2);
	CHECKF(strstr(why, "none.pcap") != NULL, "message: %s", why);
	/* a replay takes neither a rate nor sizes */
	CHECK_EQ(run_cli(scenario("t.pcap", ", rate: 1Mpps"), db, why,
			 sizeof(why)),
		 2);
	CHECKF(strstr(why, "rate") != NULL, "message: %s", why);
	CHECK_EQ(db_rows(db), 0);
	/* repeat a trace that spans no time: one packet */
	{
		pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
		pcap_dumper_t *d =
			p ? pcap_dump_open(p, tu_path(dir, "one.pcap")) : NULL;
		struct pcap_pkthdr h = { .len = 64, .caplen = 14 };
		static const u_char eth[14];

		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		pcap_dump((u_char *)d, &h, eth);
		pcap_dump_close(d);
		pcap_close(p);
	}
	CHECK_EQ(run_cli(scenario("one.pcap", ""), db, why, sizeof(why)), 0);
	unlink(db);
	CHECK_EQ(run_cli(scenario("one.pcap", ", repeat: true"), db, why,
			 sizeof(why)),
		 2);
	CHECKF(strstr(why, "one.pcap") && strstr(why, "repeat"), "message: %s",
	       why);
	CHECK_EQ(db_rows(db), 0);
	/* replay without a trace, a trace without replay */
	CHECK_EQ(run_cli("apps: { r: { pattern: replay } }\n", db, why,
			 sizeof(why)),
		 2);
	CHECKF(strstr(why, "s.yaml:1:") && strstr(why, "needs trace"),
	       "message: %s", why);
	CHECK_EQ(run_cli("apps: { r: { trace: t.pcap } }\n", db, why,
			 sizeof(why)),
		 2);
	CHECKF(strstr(why, "s.yaml:1:") && strstr(why, "pattern: replay"),
	       "message: %s", why);
	CHECK_EQ(db_rows(db), 0);
	free(bytes);
}

static int cleanup(void)
{
	if (dir[0])
		tu_rmtree(dir);
	return 0;
}

int suite_replay(void)
{
	CU_pSuite s = CU_add_suite("replay", NULL, cleanup);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "trace loaded exactly", test_load) ||
	    !CU_add_test(s, "replay over an ideal queue", test_replay_exact) ||
	    !CU_add_test(s, "native and ns3 engines", test_engines) ||
	    !CU_add_test(s, "through hosts and stacks", test_hosts) ||
	    !CU_add_test(s, "bad traces and settings", test_bad_traces))
		return CU_get_error();
	return 0;
}
