/*
 * bench.c - `make bench`: usnsim's speed and memory against ns-3's, in one
 * table, measured side by side in one process on one machine.
 *
 *   usnsim-bench [-r REPS] [-n EVENTS] [SCENARIO]
 *
 * What it measures (each speed is the best of REPS runs, 5 by default):
 *
 * - The hold model: N events pending (N = 1e3, 1e4, 1e5); every event
 *   that runs schedules one successor an exponential delay later (mean
 *   1 us), EVENTS events in all (2e6 by default). On the native engine
 *   through the public engine API (sim_create, sim_schedule, sim_run),
 *   and on ns3::Simulator with each of its schedulers (ns3c_bench_hold).
 *   Both draw their delays from the same function over the same
 *   project stream (rng_exponential), so they run the same events in the
 *   same order; only the set-up of the N first events is left out. The
 *   time of the draws alone is shown too: both sides pay it per event.
 * - The pipeline: SCENARIO (bench/pipeline.yaml by default), two hosts
 *   with user-space stacks, a multiplexer and busy-polling NICs, run
 *   through the library (scn_load, run_scenario) for PIPE_DURATION of
 *   simulated time: packets received by the apps per wall second, events
 *   per packet and wall nanoseconds per event, from the run_result.
 * - The reference: ns-3's own two-node UDP client and server over a
 *   point-to-point link with 64-byte payloads (ns3c_bench_udp_p2p).
 * - Peak memory (ru_maxrss) of the pipeline for MEM_SHORT and ten times
 *   as long, and of its set-up alone, each run in a child process of its
 *   own (forked before anything else is measured) so peaks do not mix.
 *
 * - Set-up against the number of hosts (SCALE_HOSTS: 64, 256, 1024 by
 *   default, -H to change): a generated scenario of N identical hosts on
 *   one switch and one app per host pair (user-space stacks, Poisson
 *   10 kpps), each size in a child process of its own, timed in CPU
 *   seconds phase by phase: scn_load, run_prepare (the topology built
 *   and checked, as run_validate does, and kept), and run_ready_run for
 *   SCALE_DURATION (the same topology barely run, finished); with the
 *   number of statistics and the peak resident memory. The exponent of
 *   set-up CPU against hosts from SCALE_EXP_FROM hosts to the largest
 *   size is printed too: 1 is linear. Then, in another child, the same
 *   three phases for long enough that the apps receive about 1e6 packets
 *   (-P): CPU per packet past set-up (the run's CPU less the set-up
 *   child's), events per packet and peak memory. The largest size's
 *   set-up share of that run, its CPU per packet against the smallest
 *   size's, and peak memory per host added from the smallest to the
 *   largest size get a PASS or FAIL line each. Each size's set-up child
 *   and packet run go SCALE_REPS times (-R) and the least CPU of each is
 *   kept, as is ns-3's least CPU per packet below: others running on the
 *   machine only ever add to a time.
 * - ns-3's own reference for that table (ns3c_bench_udp_pairs): as many
 *   independent UdpClient -> UdpServer pairs as the smallest and the
 *   largest size have app pairs, each over a point-to-point link of its
 *   own at 10 kpps of 64-byte payloads, about as many packets in all
 *   (-P), each size in a child process of its own: CPU per packet of
 *   Simulator::Run past its first millisecond (set-up and each pair's
 *   start left out), at both sizes and their ratio, with an INFO line
 *   (no verdict: it is what ns-3 does, not a target).
 *
 * Then one PASS or FAIL line per required ratio. A FAIL never changes the
 * exit status, which is 1 only when something could not be measured.
 * Progress goes to stderr, the table and verdicts to stdout.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "heap.h"
#include "ns3c.h"
#include "rng.h"
#include "run.h"
#include "scenario.h"
#include "sim.h"
#include "stats.h"
#include "study_bench.h"
#include "version.h"

#define HOLD_EVENTS 2000000ULL
#define HOLD_MEAN_PS ((double)SIM_US)
#define HOLD_SEED 1
#define PIPE_DURATION "200ms"
#define MEM_SETUP "1us"
#define MEM_SHORT "100ms"
#define MEM_LONG "1s"
#define UDP_PACKETS 200000ULL
#define DEFAULT_SCENARIO "bench/pipeline.yaml"
#define SCALE_HOSTS "2,8,32,128,512,1024"
#define SCALE_PACKETS 1000000ULL
#define SCALE_EXP_FROM 64 /* the set-up exponent leaves smaller sizes out */
#define SCALE_DURATION "1us"
#define SCALE_MAX_SIZES 8
#define SCALE_REPS 3 /* runs per size of the scale table, least CPU kept */
/* ns-3's set-up of the largest size above this (CPU s) is said to be too
 * long for the table (docs/dev/benchmarks.md). */
#define NS3_SETUP_LONG_S 60.0

/* Required ratios (the targets). */
#define NEED_HOLD_SMALL 3.0 /* N = 1e3 and 1e4 */
#define NEED_HOLD_LARGE 2.0 /* N = 1e5 */
#define NEED_PIPE 5.0
#define AIM_PIPE 10.0
#define NEED_MEM 1.10
#define NEED_SETUP_EXP 1.2   /* set-up CPU ~ hosts^x: linear, with slack */
#define NEED_SETUP_FRAC 0.10 /* largest size: set-up / the packet run */
#define NEED_PKT_RATIO 1.5   /* CPU per packet, largest / smallest size */
#define NEED_KB_PER_HOST 100.0

static const uint32_t hold_n[] = { 1000, 10000, 100000 };
#define NHOLD (sizeof(hold_n) / sizeof(hold_n[0]))

static const char *const schedulers[] = {
	"ns3::MapScheduler",
	"ns3::HeapScheduler",
	"ns3::PriorityQueueScheduler",
	"ns3::CalendarScheduler",
};
#define NSCHED (sizeof(schedulers) / sizeof(schedulers[0]))

/* The table, printed at the end. */
struct row {
	char what[40];
	char which[36];
	char value[16];
	char unit[32];
};

#define MAX_ROWS 160
static struct row rows[MAX_ROWS];
static size_t nrows;

static void add_row(const char *what, const char *which, const char *unit,
		    const char *fmt, ...)
{
	struct row *r;
	va_list ap;

	if (nrows == MAX_ROWS)
		return;
	r = &rows[nrows++];
	snprintf(r->what, sizeof(r->what), "%s", what);
	snprintf(r->which, sizeof(r->which), "%s", which);
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	va_start(ap, fmt);
	vsnprintf(r->value, sizeof(r->value), fmt, ap);
	va_end(ap);
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --- the hold model ---------------------------------------------------- */

struct hold {
	struct rng *rng;
	uint64_t left; /* events still to run */
};

static int64_t hold_delay(void *ctx)
{
	struct hold *h = ctx;

	return (int64_t)rng_exponential(h->rng, HOLD_MEAN_PS);
}

static void hold_event(struct sim *sim, void *a, void *b)
{
	struct hold *h = a;

	(void)b;
	if (--h->left == 0)
		sim_stop(sim);
	sim_schedule(sim, hold_delay(h), hold_event, h, NULL);
}

/* Events per second of the hold model on scheduler sched (NULL: the native
 * engine); 0 on failure. */
static double hold_rate(const char *sched, uint32_t n, uint64_t events)
{
	struct hold h = { 0 };
	double wall = 0;
	int rc = 0;

	h.rng = rng_create(HOLD_SEED, 0, "bench.hold");
	if (!h.rng)
		return 0;
	if (sched) {
		rc = ns3c_bench_hold(sched, n, events, hold_delay, &h, &wall);
	} else {
		struct sim *sim = sim_create("native");
		uint64_t ran;
		double t0;

		if (!sim) {
			rng_destroy(h.rng);
			return 0;
		}
		h.left = events;
		for (uint32_t i = 0; i < n && !rc; i++)
			if (!sim_schedule(sim, hold_delay(&h), hold_event, &h,
					  NULL))
				rc = -ENOMEM;
		t0 = wall_now();
		ran = rc ? 0 : sim_run(sim, SIM_TIME_MAX);
		wall = wall_now() - t0;
		if (!rc && ran != events)
			rc = -EIO;
		sim_destroy(sim);
	}
	rng_destroy(h.rng);
	if (rc || wall <= 0) {
		fprintf(stderr, "usnsim-bench: hold on %s, N=%u: %s\n",
			sched ? sched : "native", n, strerror(-rc));
		return 0;
	}
	return (double)events / wall;
}

/* Delays drawn per second by hold_delay() alone: the part of every hold
 * model event, on every engine, that is not the engine's. */
static double draw_rate(uint64_t events)
{
	struct hold h = { 0 };
	volatile int64_t sink = 0;
	double t0, wall;

	h.rng = rng_create(HOLD_SEED, 0, "bench.hold");
	if (!h.rng)
		return 0;
	t0 = wall_now();
	for (uint64_t i = 0; i < events; i++)
		sink += hold_delay(&h);
	wall = wall_now() - t0;
	rng_destroy(h.rng);
	(void)sink;
	return wall > 0 ? (double)events / wall : 0;
}

/* The best of reps runs at N = n on the native engine (best[0]) and on
 * each ns-3 scheduler (best[1 + j]), taken in turn so that whatever else
 * loads the machine meanwhile falls on all of them alike. Returns 0, or
 * -1 if a run failed. */
static int best_hold(uint32_t n, uint64_t events, unsigned reps,
		     double best[1 + NSCHED])
{
	for (size_t k = 0; k <= NSCHED; k++)
		best[k] = 0;
	for (unsigned i = 0; i < reps; i++) {
		for (size_t k = 0; k <= NSCHED; k++) {
			const char *sched = k ? schedulers[k - 1] : NULL;
			double r;

			fprintf(stderr, "usnsim-bench: hold N=%u: %s (%u/%u)\n",
				n, sched ? sched : "native", i + 1, reps);
			r = hold_rate(sched, n, events);
			if (r == 0)
				return -1;
			if (r > best[k])
				best[k] = r;
		}
	}
	return 0;
}

/* --- the pipeline ------------------------------------------------------ */

struct pipe_result {
	double wall_s;
	uint64_t events;
	uint64_t packets; /* received by the apps */
};

/* Runs the scenario at path for `duration` of simulated time. */
static int pipe_run(const char *path, const char *duration,
		    struct pipe_result *out)
{
	char set[64], err[512];
	const char *sets[] = { set };
	const char *const *apps;
	struct run_result r;
	struct scn *s;
	size_t napps;
	int rc;

	snprintf(set, sizeof(set), "duration=%s", duration);
	rc = scn_load(path, sets, 1, &s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "usnsim-bench: %s\n", err);
		return rc;
	}
	rc = run_scenario(s, 0, &r, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "usnsim-bench: %s\n", err);
		scn_destroy(s);
		return rc;
	}
	memset(out, 0, sizeof(*out));
	out->wall_s = r.wall_s;
	out->events = r.events;
	napps = scn_instances(s, "apps", &apps);
	for (size_t i = 0; i < napps; i++) {
		char comp[128];
		struct stat_info si;

		snprintf(comp, sizeof(comp), "apps.%s", apps[i]);
		if (!stats_find(r.stats, comp, "received", &si) &&
		    si.kind == STAT_COUNTER)
			out->packets += *si.u.counter;
	}
	if (strcmp(r.engine, "native"))
		fprintf(stderr, "usnsim-bench: warning: %s ran on %s\n", path,
			r.engine);
	run_result_fini(&r);
	scn_destroy(s);
	return 0;
}

/* Peak resident memory in KiB of a child process that runs the pipeline
 * for `duration`; -1 on failure. */
static long pipe_peak_kib(const char *path, const char *duration)
{
	struct rusage ru;
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct pipe_result pr;

		_exit(pipe_run(path, duration, &pr) ? 1 : 0);
	}
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return ru.ru_maxrss; /* KiB on Linux */
}

/* --- set-up against the number of hosts ------------------------------- */

struct scale_result {
	unsigned hosts;
	double load_s, validate_s, run_s; /* CPU seconds of each phase */
	size_t stats;			  /* statistics registered */
	long peak_kib;
	/* the packet run: CPU of all of it, packets the apps received,
	 * events, and its peak resident memory */
	double pkt_cpu_s;
	uint64_t packets, events;
	long pkt_peak_kib;
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Apps of the scenario of `hosts` hosts: one per host pair. */
static unsigned scale_apps(unsigned hosts)
{
	return hosts / 2;
}

/* Writes a scenario of `hosts` hosts (one app per pair) that runs for
 * `us` microseconds of simulated time to f. */
static void scale_write(FILE *f, unsigned hosts, uint64_t us)
{
	fprintf(f,
		"name: bench_scale_%u\nduration: %lluus\n"
		"warmup: 0\nseed: 1\nsample_interval: 0\nhosts:\n"
		"  h0: { cpu: { kernel_cores: 1 } }\n",
		hosts, (unsigned long long)us);
	for (unsigned i = 1; i < hosts; i++)
		fprintf(f, "  h%u: { like: h0 }\n", i);
	fprintf(f, "network: { kind: link, rate: 10Gbps }\napps:\n"
		   "  a0: { host: h0, peer: h1, pattern: poisson, rate: 10kpps,"
		   " size: 64B, stack: user }\n");
	for (unsigned i = 2; i + 1 < hosts; i += 2)
		fprintf(f, "  a%u: { like: a0, host: h%u, peer: h%u }\n", i, i,
			i + 1);
}

/* Packets the apps of s received in run r. */
static uint64_t scale_received(const struct scn *s, const struct run_result *r)
{
	const char *const *apps;
	size_t napps = scn_instances(s, "apps", &apps);
	uint64_t packets = 0;

	for (size_t i = 0; i < napps; i++) {
		char comp[128];
		struct stat_info si;

		snprintf(comp, sizeof(comp), "apps.%s", apps[i]);
		if (!stats_find(r->stats, comp, "received", &si) &&
		    si.kind == STAT_COUNTER)
			packets += *si.u.counter;
	}
	return packets;
}

/* In the child: the three phases of `usnsim run` on path; with packets,
 * the CPU of all three, the packets and the events in the pkt_ fields. */
static int scale_phases(const char *path, bool packets,
			struct scale_result *out)
{
	char err[512];
	struct run_result r;
	struct scn *s;
	struct run_ready *rr;
	double t0 = cpu_now(), t1, t2;
	int rc = scn_load(path, NULL, 0, &s, err, sizeof(err));

	if (rc)
		goto out_err;
	t1 = cpu_now();
	rc = run_prepare(s, 0, &rr, err, sizeof(err));
	if (rc)
		goto out_scn;
	t2 = cpu_now();
	rc = run_ready_run(rr, &r, err, sizeof(err));
	if (rc)
		goto out_scn;
	if (packets) {
		out->pkt_cpu_s = cpu_now() - t0;
		out->packets = scale_received(s, &r);
		out->events = r.events;
	} else {
		out->load_s = t1 - t0;
		out->validate_s = t2 - t1;
		out->run_s = cpu_now() - t2;
		out->stats = stats_count(r.stats);
	}
	run_result_fini(&r);
	scn_destroy(s);
	return 0;
out_scn:
	scn_destroy(s);
out_err:
	fprintf(stderr, "usnsim-bench: %s\n", err);
	return rc;
}

/* Runs one size in a child process: its set-up alone (SCALE_DURATION of
 * simulated time), or with packets, long enough for the apps to send
 * about `packets` packets in all; 0 or -1. */
static int scale_child(unsigned hosts, uint64_t packets,
		       struct scale_result *out)
{
	/* 10 kpps per app: a packet per app every 100 us */
	uint64_t us = packets ? packets * 100 / scale_apps(hosts) : 1;
	char path[] = "/tmp/usnsim-bench-XXXXXX.yaml";
	int fd = mkstemps(path, 5), p[2], status;
	struct rusage ru;
	FILE *f;
	pid_t pid;
	ssize_t n;

	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return -1;
	}
	scale_write(f, hosts, us);
	if (fclose(f) || pipe(p)) {
		unlink(path);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		struct scale_result r = *out;

		close(p[0]);
		if (scale_phases(path, packets > 0, &r) ||
		    write(p[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	n = pid > 0 ? read(p[0], out, sizeof(*out)) : -1;
	close(p[0]);
	unlink(path);
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    n != (ssize_t)sizeof(*out))
		return -1;
	if (packets)
		out->pkt_peak_kib = ru.ru_maxrss;
	else
		out->peak_kib = ru.ru_maxrss;
	return 0;
}

/* Set-up CPU of r: the three phases of a 1 us run. */
static double scale_setup(const struct scale_result *r)
{
	return r->load_s + r->validate_s + r->run_s;
}

/* Measures one size: its set-up, then a run of about `packets` packets
 * (none: no packet run), each in a child process, `reps` times each; the
 * set-up and the packet run of least CPU are kept (others running on the
 * machine only ever add to a time). 0 or -1. */
static int scale_one(unsigned hosts, uint64_t packets, unsigned reps,
		     struct scale_result *out)
{
	memset(out, 0, sizeof(*out));
	out->hosts = hosts;
	for (unsigned i = 0; i < reps; i++) {
		struct scale_result r = { .hosts = hosts };

		if (scale_child(hosts, 0, &r))
			return -1;
		if (i == 0 || scale_setup(&r) < scale_setup(out)) {
			out->load_s = r.load_s;
			out->validate_s = r.validate_s;
			out->run_s = r.run_s;
			out->stats = r.stats;
			out->peak_kib = r.peak_kib;
		}
	}
	for (unsigned i = 0; packets && i < reps; i++) {
		struct scale_result r = { .hosts = hosts };

		if (scale_child(hosts, packets, &r))
			return -1;
		if (i == 0 || r.pkt_cpu_s < out->pkt_cpu_s) {
			out->pkt_cpu_s = r.pkt_cpu_s;
			out->packets = r.packets;
			out->events = r.events;
			out->pkt_peak_kib = r.pkt_peak_kib;
		}
	}
	return 0;
}

/* Parses "64,256,1024" into hosts[] (each >= 2); returns the count or 0. */
static size_t scale_parse(const char *list, unsigned *hosts)
{
	size_t n = 0;
	char *end;

	while (*list && n < SCALE_MAX_SIZES) {
		unsigned long v = strtoul(list, &end, 10);

		if (end == list || v < 2 || v > 100000 || (*end && *end != ','))
			return 0;
		hosts[n++] = (unsigned)v;
		list = *end ? end + 1 : end;
	}
	return *list ? 0 : n;
}

/* ns-3's reference at one size: ns3c_bench_udp_pairs in a child. */
struct ns3_scale {
	int rc;		       /* what ns3c_bench_udp_pairs returned */
	double setup_s, run_s; /* CPU seconds */
	uint64_t received;     /* datagrams, all of them */
	uint64_t timed;	       /* those received past the start-up */
};

/* Runs ns-3's `pairs` UDP pairs for about `packets` packets in all in a
 * child process (ns-3's global state and memory stay there); 0 or -1. */
static int ns3_scale_one(unsigned pairs, uint64_t packets,
			 struct ns3_scale *out)
{
	uint64_t sent = (packets + pairs - 1) / pairs * pairs;
	int p[2], status;
	pid_t pid;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if (pipe(p))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		struct ns3_scale r = { 0 };

		close(p[0]);
		r.rc = ns3c_bench_udp_pairs(pairs, packets, &r.setup_s,
					    &r.run_s, &r.received, &r.timed);
		_exit(write(p[1], &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	n = pid > 0 ? read(p[0], out, sizeof(*out)) : -1;
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || n != (ssize_t)sizeof(*out))
		return -1;
	if (out->rc) {
		fprintf(stderr, "usnsim-bench: ns-3 %u pairs: %s\n", pairs,
			strerror(-out->rc));
		return -1;
	}
	/* an idle 10 Gb/s link loses nothing: every datagram sent arrives */
	if (out->received != sent) {
		fprintf(stderr,
			"usnsim-bench: ns-3 %u pairs: %llu of %llu "
			"datagrams received\n",
			pairs, (unsigned long long)out->received,
			(unsigned long long)sent);
		return -1;
	}
	return 0;
}

/* CPU per packet of r's Simulator::Run (seconds). */
static double ns3_per_packet(const struct ns3_scale *r)
{
	return r->timed ? r->run_s / (double)r->timed : 0;
}

/* What the scale table concludes, for the verdicts. */
struct scale_sum {
	int measured;	   /* sizes compared: 0 (one size) or 1 */
	double expo;	   /* set-up CPU ~ hosts^expo, from SCALE_EXP_FROM up */
	unsigned lo, hi;   /* smallest and largest size */
	double setup_frac; /* largest: set-up / CPU of the packet run */
	double pkt_ratio;  /* CPU per packet, largest / smallest */
	double kb_per_host; /* peak memory of the packet runs, per host added */
	uint64_t hi_packets;
	/* ns-3's reference: nodes at each end, CPU per packet ratio (0: not
	 * measured), and whether its largest set-up was too long */
	unsigned ns3_lo, ns3_hi;
	double ns3_ratio;
	bool ns3_long;
};

/* CPU per packet of r's packet run, set-up left out (seconds). */
static double scale_per_packet(const struct scale_result *r)
{
	double loop = r->pkt_cpu_s - scale_setup(r);

	return r->packets ? (loop > 0 ? loop : 0) / (double)r->packets : 0;
}

/* ns-3's reference at the smallest and largest sizes (lo and hi hosts, an
 * app pair each two): adds its rows and sum's ns3_ figures; 0 or -1. */
static int ns3_scale_table(unsigned lo, unsigned hi, uint64_t packets,
			   unsigned reps, struct scale_sum *sum)
{
	unsigned nodes[2] = { lo / 2 * 2, hi / 2 * 2 };
	struct ns3_scale r[2];
	char which[64];

	for (int i = 0; i < 2; i++) {
		fprintf(stderr, "usnsim-bench: ns-3 reference, %u nodes ...\n",
			nodes[i]);
		/* the run of least CPU per packet is kept, as for usnsim */
		for (unsigned k = 0; k < reps; k++) {
			struct ns3_scale one;

			if (ns3_scale_one(nodes[i] / 2, packets, &one))
				return -1;
			if (k == 0 ||
			    ns3_per_packet(&one) < ns3_per_packet(&r[i]))
				r[i] = one;
		}
		snprintf(which, sizeof(which), "%u nodes, %llu packets",
			 nodes[i], (unsigned long long)r[i].received);
		add_row("ns-3 reference, CPU per packet", which,
			"CPU us per packet", "%.3f",
			ns3_per_packet(&r[i]) * 1e6);
		add_row("ns-3 reference, set-up", "", "CPU ms per node", "%.3f",
			r[i].setup_s * 1e3 / nodes[i]);
	}
	sum->ns3_lo = nodes[0];
	sum->ns3_hi = nodes[1];
	sum->ns3_long = r[1].setup_s > NS3_SETUP_LONG_S;
	sum->ns3_ratio = ns3_per_packet(&r[0]) > 0
				 ? ns3_per_packet(&r[1]) / ns3_per_packet(&r[0])
				 : 0;
	snprintf(which, sizeof(which), "%u / %u nodes", nodes[1], nodes[0]);
	add_row("ns-3 reference, ratio", which, "", "%.2fx", sum->ns3_ratio);
	return 0;
}

/* Measures every size (a packet run of about `packets` packets each, none
 * when 0) and adds its rows and sum's figures. Returns 0 or -1. */
static int scale_table(const char *list, uint64_t packets, unsigned reps,
		       struct scale_sum *sum)
{
	unsigned hosts[SCALE_MAX_SIZES];
	struct scale_result r[SCALE_MAX_SIZES];
	size_t n = scale_parse(list, hosts), from = 0;

	memset(sum, 0, sizeof(*sum));
	if (n == 0) {
		fprintf(stderr,
			"usnsim-bench: -H %s: expected sizes >= 2, "
			"comma-separated\n",
			list);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char which[64];
		double setup;

		fprintf(stderr, "usnsim-bench: %u hosts ...\n", hosts[i]);
		if (scale_one(hosts[i], packets, reps, &r[i])) {
			fprintf(stderr, "usnsim-bench: %u hosts failed\n",
				hosts[i]);
			return -1;
		}
		snprintf(which, sizeof(which), "%u hosts, %zu statistics",
			 hosts[i], r[i].stats);
		add_row("set-up, scn_load", which, "CPU s", "%.3f",
			r[i].load_s);
		add_row("set-up, run_prepare", "", "CPU s", "%.3f",
			r[i].validate_s);
		add_row("set-up, run_ready_run (" SCALE_DURATION ")", "",
			"CPU s", "%.3f", r[i].run_s);
		setup = scale_setup(&r[i]);
		add_row("set-up, all three", "", "CPU ms per host", "%.3f",
			setup * 1e3 / hosts[i]);
		add_row("set-up, peak RSS", "", "KiB per host", "%.0f",
			(double)r[i].peak_kib / hosts[i]);
		if (!packets)
			continue;
		snprintf(which, sizeof(which), "%llu packets",
			 (unsigned long long)r[i].packets);
		add_row("packet run, all of it", which, "CPU s", "%.3f",
			r[i].pkt_cpu_s);
		add_row("packet run, set-up share", "", "", "%.1f%%",
			r[i].pkt_cpu_s > 0 ? 100 * setup / r[i].pkt_cpu_s : 0);
		add_row("packet run, past set-up", "", "CPU us per packet",
			"%.3f", scale_per_packet(&r[i]) * 1e6);
		add_row("packet run, events", "", "per packet", "%.2f",
			r[i].packets
				? (double)r[i].events / (double)r[i].packets
				: 0);
		add_row("packet run, peak RSS", "", "KiB", "%ld",
			r[i].pkt_peak_kib);
	}
	sum->lo = hosts[0];
	sum->hi = hosts[n - 1];
	while (from + 1 < n && hosts[from] < SCALE_EXP_FROM)
		from++;
	if (n > 1 && from + 1 < n) {
		double a = scale_setup(&r[from]), b = scale_setup(&r[n - 1]);
		char which[64];

		sum->expo =
			log(b / a) / log((double)hosts[n - 1] / hosts[from]);
		sum->measured = 1;
		snprintf(which, sizeof(which), "%u to %u hosts", hosts[from],
			 hosts[n - 1]);
		add_row("set-up CPU ~ hosts^x", which, "x", "%.2f", sum->expo);
	}
	if (!packets || n < 2)
		return 0;
	sum->hi_packets = r[n - 1].packets;
	sum->setup_frac = r[n - 1].pkt_cpu_s > 0
				  ? scale_setup(&r[n - 1]) / r[n - 1].pkt_cpu_s
				  : 1;
	sum->pkt_ratio =
		scale_per_packet(&r[0]) > 0
			? scale_per_packet(&r[n - 1]) / scale_per_packet(&r[0])
			: 0;
	/* the smallest run's peak is the fixed start-up */
	sum->kb_per_host = (double)(r[n - 1].pkt_peak_kib - r[0].pkt_peak_kib) *
			   1.024 / (double)(hosts[n - 1] - hosts[0]);
	{
		char which[64];

		snprintf(which, sizeof(which), "%u / %u hosts", hosts[n - 1],
			 hosts[0]);
		add_row("CPU per packet, ratio", which, "", "%.2fx",
			sum->pkt_ratio);
		snprintf(which, sizeof(which), "%u to %u hosts", hosts[0],
			 hosts[n - 1]);
		add_row("peak RSS per host added", which, "KB", "%.1f",
			sum->kb_per_host);
	}
	return ns3_scale_table(hosts[0], hosts[n - 1], packets, reps, sum);
}

/* --- output ------------------------------------------------------------ */

static void cpu_model(char *buf, size_t n)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, n, "unknown CPU");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 1 + strspn(colon + 1, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, n, "%s", colon);
		break;
	}
	fclose(f);
}

static void print_table(unsigned reps, uint64_t events)
{
	char cpu[128];
	int w[3] = { 0, 0, 0 };

	cpu_model(cpu, sizeof(cpu));
	for (size_t i = 0; i < nrows; i++) {
		int l[3] = { (int)strlen(rows[i].what),
			     (int)strlen(rows[i].which),
			     (int)strlen(rows[i].value) };

		for (int j = 0; j < 3; j++)
			if (l[j] > w[j])
				w[j] = l[j];
	}
	printf("usnsim %s bench: %s, %ld CPUs online; speeds are the best of "
	       "%u; hold: %llu events per run\n",
	       usnsim_version(), cpu, sysconf(_SC_NPROCESSORS_ONLN), reps,
	       (unsigned long long)events);
	printf("%-*s  %-*s  %*s  %s\n", w[0], "measure", w[1], "case", w[2],
	       "value", "unit");
	for (size_t i = 0; i < nrows; i++)
		printf("%-*s  %-*s  %*s  %s\n", w[0], rows[i].what, w[1],
		       rows[i].which, w[2], rows[i].value, rows[i].unit);
}

void bench_verdict(bool pass, const char *fmt, ...)
{
	va_list ap;

	printf("%s  ", pass ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void scale_verdict(const struct scale_sum *sum)
{
	if (sum->measured > 0)
		bench_verdict(sum->expo <= NEED_SETUP_EXP,
			      "set-up: CPU grows as hosts^%.2f (need <= %.1f: "
			      "linear in hosts, apps and statistics)",
			      sum->expo, NEED_SETUP_EXP);
	if (!sum->hi_packets)
		return;
	bench_verdict(
		sum->setup_frac < NEED_SETUP_FRAC,
		"scale: set-up is %.1f%% of a %u-host run of %llu packets "
		"(need < %.0f%%)",
		100 * sum->setup_frac, sum->hi,
		(unsigned long long)sum->hi_packets, 100 * NEED_SETUP_FRAC);
	bench_verdict(sum->pkt_ratio > 0 && sum->pkt_ratio <= NEED_PKT_RATIO,
		      "scale: CPU per packet at %u hosts is %.2fx that at %u "
		      "(need <= %.1fx)",
		      sum->hi, sum->pkt_ratio, sum->lo, NEED_PKT_RATIO);
	bench_verdict(
		sum->kb_per_host < NEED_KB_PER_HOST,
		"scale: %.1f KB of peak memory per host beyond the %u-host "
		"run (need < %.0f KB)",
		sum->kb_per_host, sum->lo, NEED_KB_PER_HOST);
	if (sum->ns3_ratio <= 0)
		return;
	printf("INFO  ns-3 (UdpClient over point-to-point): CPU per packet at "
	       "%u nodes is %.2fx that at %u\n",
	       sum->ns3_hi, sum->ns3_ratio, sum->ns3_lo);
	if (sum->ns3_long)
		printf("INFO  ns-3's set-up of %u nodes took over %.0f CPU s: "
		       "too long for this table; give -H a largest size of "
		       "256\n",
		       sum->ns3_hi, NS3_SETUP_LONG_S);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: usnsim-bench [-r REPS] [-R SCALE_REPS] [-n EVENTS] "
		"[-H HOSTS] [-P PACKETS] [-s | -S] [SCENARIO]\n"
		"  -r REPS    runs per speed measurement, best kept "
		"(default 5)\n"
		"  -R SCALE_REPS runs per size of the scale table (set-up and "
		"packet run), least CPU kept (default 3)\n"
		"  -n EVENTS  events per hold model run (default 2000000)\n"
		"  -H HOSTS   sizes of the set-up table, comma-separated "
		"(default " SCALE_HOSTS ")\n"
		"  -P PACKETS packets of each size's packet run, 0 for none "
		"(default 1000000)\n"
		"  -s         the scale table alone\n"
		"  -S         the study lines alone (validation, import, "
		"workers)\n"
		"  SCENARIO   the pipeline (default " DEFAULT_SCENARIO ")\n");
}

int main(int argc, char **argv)
{
	const char *path = DEFAULT_SCENARIO;
	uint64_t events = HOLD_EVENTS;
	unsigned reps = 5, scale_reps = SCALE_REPS;
	double native[NHOLD], fastest[NHOLD], best[1 + NSCHED];
	const char *fastest_name[NHOLD];
	struct pipe_result pipe = { 0 };
	double pipe_pps = 0, udp_pps = 0, udp_wall = 0, draws = 0;
	uint64_t udp_events = 0, udp_received = 0;
	long mem_setup, mem_short, mem_long;
	const char *scale_hosts = SCALE_HOSTS;
	bool scale_only = false, study_only = false;
	uint64_t scale_packets = SCALE_PACKETS;
	struct scale_sum scale;
	int opt;
	char which[64];

	heap_use_huge_pages(); /* as usnsim does */
	while ((opt = getopt(argc, argv, "r:R:n:H:P:sSh")) != -1) {
		switch (opt) {
		case 'H':
			scale_hosts = optarg;
			break;
		case 's':
			scale_only = true;
			break;
		case 'S':
			study_only = true;
			break;
		case 'P':
			scale_packets = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			reps = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'R':
			scale_reps = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			events = strtoull(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		path = argv[optind];
	if (reps == 0 || scale_reps == 0 || events == 0) {
		usage(stderr);
		return 2;
	}

	if (study_only)
		return bench_study();
	/* Memory and set-up first, while this process is small: children
	 * inherit its resident pages. */
	if (scale_table(scale_hosts, scale_packets, scale_reps, &scale))
		return 1;
	if (scale_only) {
		print_table(reps, events);
		scale_verdict(&scale);
		return 0;
	}
	fprintf(stderr, "usnsim-bench: peak memory of %s ...\n", path);
	mem_setup = pipe_peak_kib(path, MEM_SETUP);
	mem_short = pipe_peak_kib(path, MEM_SHORT);
	mem_long = pipe_peak_kib(path, MEM_LONG);
	if (mem_setup < 0 || mem_short < 0 || mem_long < 0) {
		fprintf(stderr, "usnsim-bench: a memory run failed\n");
		return 1;
	}

	/* The pipeline and ns-3's reference in turn, as for the hold model,
	 * so that a change in the machine's load falls on both alike. */
	for (unsigned i = 0; i < reps; i++) {
		struct pipe_result pr;
		double wall;
		uint64_t ev, rx;
		int rc;

		fprintf(stderr, "usnsim-bench: pipeline (%u/%u)\n", i + 1,
			reps);
		if (pipe_run(path, PIPE_DURATION, &pr))
			return 1;
		if (pr.packets == 0 || pr.events == 0 || pr.wall_s <= 0) {
			fprintf(stderr, "usnsim-bench: %s: no packet arrived\n",
				path);
			return 1;
		}
		if ((double)pr.packets / pr.wall_s > pipe_pps) {
			pipe = pr;
			pipe_pps = (double)pr.packets / pr.wall_s;
		}
		fprintf(stderr,
			"usnsim-bench: ns-3 UDP point-to-point (%u/%u)\n",
			i + 1, reps);
		rc = ns3c_bench_udp_p2p(UDP_PACKETS, &wall, &ev, &rx);
		if (rc || rx == 0 || wall <= 0) {
			fprintf(stderr, "usnsim-bench: ns-3 UDP: %s\n",
				rc ? strerror(-rc) : "nothing received");
			return 1;
		}
		if ((double)rx / wall > udp_pps) {
			udp_pps = (double)rx / wall;
			udp_wall = wall;
			udp_events = ev;
			udp_received = rx;
		}
	}

	fprintf(stderr, "usnsim-bench: delay draws ...\n");
	for (unsigned i = 0; i < reps; i++) {
		double r = draw_rate(events);

		if (r > draws)
			draws = r;
	}
	if (draws == 0)
		return 1;
	add_row("hold, delay draws alone", "rng_exponential", "ns/draw", "%.1f",
		1e9 / draws);
	for (size_t i = 0; i < NHOLD; i++) {
		char nlabel[32];

		snprintf(nlabel, sizeof(nlabel), "N=%u", hold_n[i]);
		if (best_hold(hold_n[i], events, reps, best))
			return 1;
		native[i] = best[0];
		add_row("hold, native engine", nlabel, "M events/s", "%.2f",
			native[i] / 1e6);
		fastest[i] = 0;
		fastest_name[i] = "";
		for (size_t j = 0; j < NSCHED; j++) {
			double r = best[1 + j];

			snprintf(which, sizeof(which), "hold, %s",
				 schedulers[j]);
			add_row(which, nlabel, "M events/s", "%.2f", r / 1e6);
			if (r > fastest[i]) {
				fastest[i] = r;
				fastest_name[i] = schedulers[j];
			}
		}
		snprintf(which, sizeof(which), "vs %s", fastest_name[i] + 5);
		add_row("hold, native / fastest ns-3", nlabel, which, "%.2fx",
			native[i] / fastest[i]);
	}

	snprintf(which, sizeof(which), "64 B, %s simulated", PIPE_DURATION);
	add_row("pipeline, usnsim", which, "M packets/wall s", "%.3f",
		pipe_pps / 1e6);
	add_row("pipeline, usnsim", "", "events/packet", "%.2f",
		(double)pipe.events / (double)pipe.packets);
	add_row("pipeline, usnsim", "", "ns/event", "%.1f",
		pipe.wall_s * 1e9 / (double)pipe.events);
	add_row("pipeline, usnsim", "", "M events/s", "%.2f",
		(double)pipe.events / pipe.wall_s / 1e6);
	snprintf(which, sizeof(which), "64 B payload, %llu packets",
		 (unsigned long long)UDP_PACKETS);
	add_row("ns-3 UDP client/server, p2p", which, "M packets/wall s",
		"%.3f", udp_pps / 1e6);
	add_row("ns-3 UDP client/server, p2p", "", "events/packet", "%.2f",
		(double)udp_events / (double)udp_received);
	add_row("ns-3 UDP client/server, p2p", "", "ns/event", "%.1f",
		udp_wall * 1e9 / (double)udp_events);
	add_row("pipeline / ns-3 UDP", "packets per wall second", "", "%.2fx",
		pipe_pps / udp_pps);
	add_row("peak RSS, pipeline", "set-up only (" MEM_SETUP ")", "MiB",
		"%.1f", mem_setup / 1024.0);
	add_row("peak RSS, pipeline", "short (" MEM_SHORT ")", "MiB", "%.1f",
		mem_short / 1024.0);
	add_row("peak RSS, pipeline", "10x (" MEM_LONG ")", "MiB", "%.1f",
		mem_long / 1024.0);
	add_row("peak RSS, 10x / short", "", "", "%.3fx",
		(double)mem_long / (double)mem_short);
	add_row("peak RSS above set-up", "short / 10x", "KiB", "%ld / %ld",
		mem_short - mem_setup, mem_long - mem_setup);

	print_table(reps, events);
	for (size_t i = 0; i < NHOLD; i++) {
		double need =
			hold_n[i] >= 100000 ? NEED_HOLD_LARGE : NEED_HOLD_SMALL;
		double ratio = native[i] / fastest[i];

		bench_verdict(
			ratio >= need,
			"hold N=%u: native %.2fx the fastest ns-3 scheduler "
			"(%s; need >= %.0fx)",
			hold_n[i], ratio, fastest_name[i], need);
	}
	bench_verdict(pipe_pps >= NEED_PIPE * udp_pps,
		      "pipeline: %.2fx ns-3's UDP p2p packets per wall second "
		      "(need >= %.0fx, aim %.0fx: %s)",
		      pipe_pps / udp_pps, NEED_PIPE, AIM_PIPE,
		      pipe_pps >= AIM_PIPE * udp_pps ? "met" : "not met");
	bench_verdict((double)mem_long <= NEED_MEM * (double)mem_short,
		      "memory: the 10x run peaks at %.3fx the short run "
		      "(need <= %.2fx)",
		      (double)mem_long / (double)mem_short, NEED_MEM);
	scale_verdict(&scale);
	return bench_study();
}
