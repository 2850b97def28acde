/*
 * test_driverrt.c - drivers on the host's cores, background load, and the
 * conservation of CPU time (models/driver.c, models/cpubg.c,
 * models/cpu.c, sim/run/topo_host.c).
 *
 * - Conservation: on every bundled scenario (scenarios/NAME.yaml, the
 *   first point of each study in scenarios/studies/, every file of
 *   scenarios/regress/), for
 *   every host's cpu, the time charged to its accounts equals its cores'
 *   busy time plus its pending work (what is left of the jobs queued or
 *   in service and of a context switch under way at the end), exactly,
 *   in ps.
 * - A kernel driver's work is on its kernel core: per_packet per packet
 *   in each direction and a doorbell per TX packet, exactly.
 * - Background load takes its share of its core; a real-time driver
 *   thread never waits behind it for more than a switch and an idle
 *   exit, a normal-class one waits behind whole background jobs.
 * - Refusals: combinations that make no sense, with file:line:col.
 */
#include <CUnit/CUnit.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runs.h"
#include "stats.h"
#include "sweep.h"
#include "util.h"

#define CONS_DURATION (20 * SIM_MS)

/* For every cpu of the run: time == sum of its cores' busy + pending.
 * Returns the number of cpus checked. */
static size_t check_conservation(const char *file, const struct run_result *r)
{
	size_t n = stats_count(r->stats), checked = 0;

	for (size_t i = 0; i < n; i++) {
		struct stat_info cpu, si, pend;
		const char *c;
		double busy = 0, time;
		size_t lc;

		stats_get(r->stats, i, &cpu);
		if (cpu.kind != STAT_COUNTER || strcmp(cpu.metric, "time") ||
		    stats_find(r->stats, cpu.component, "pending", &pend) ||
		    pend.kind != STAT_SCALAR)
			continue;
		c = cpu.component;
		lc = strlen(c);
		for (size_t k = 0; k < n; k++) {
			stats_get(r->stats, k, &si);
			if (si.kind == STAT_COUNTER &&
			    !strcmp(si.metric, "busy") &&
			    !strncmp(si.component, c, lc) &&
			    si.component[lc] == '.')
				busy += (double)*si.u.counter;
		}
		time = (double)*cpu.u.counter;
		CHECKF(time == busy + pend.u.scalar,
		       "%s: %s: time %.0f ps, busy %.0f + pending %.0f ps",
		       file, c, time, busy, pend.u.scalar);
		SAY("%s: %s: time %.0f = busy %.0f + pending %.0f\n", file, c,
		    time, busy, pend.u.scalar);
		checked++;
	}
	return checked;
}

/* Runs the first point of file, at most CONS_DURATION long, and checks
 * its cpus; returns how many it checked. */
static size_t conserve(const char *file)
{
	struct scn *base = NULL, *s = NULL;
	struct sweep *sw = NULL;
	const char *const *ps;
	const char *sets[48];
	char dur[48], warm[48], err[512];
	struct run_result r;
	sim_time d, w;
	size_t n, checked = 0;

	if (tr_expand(file, &base, &sw))
		return 0;
	n = sweep_point_sets(sw, 0, &ps);
	if (n > 40)
		n = 40;
	memcpy(sets, ps, n * sizeof(*sets));
	d = scn_time(base, "duration");
	w = scn_time(base, "warmup");
	if (d > CONS_DURATION) {
		w = (sim_time)((double)w * CONS_DURATION / (double)d);
		d = CONS_DURATION;
	}
	snprintf(dur, sizeof(dur), "duration=%lldps", (long long)d);
	snprintf(warm, sizeof(warm), "warmup=%lldps", (long long)w);
	sets[n++] = dur;
	sets[n++] = warm;
	if (scn_load(file, sets, n, &s, err, sizeof(err)) == 0) {
		if (run_scenario(s, 0, &r, err, sizeof(err)) == 0) {
			checked = check_conservation(file, &r);
			run_result_fini(&r);
		} else {
			CHECKF(0, "%s: %s", file, err);
		}
		scn_destroy(s);
	} else {
		CHECKF(0, "%s: %s", file, err);
	}
	sweep_destroy(sw);
	scn_destroy(base);
	return checked;
}

static void test_conservation(void)
{
	static const char *const patterns[] = { "scenarios/*.yaml",
						"scenarios/studies/*.yaml",
						"scenarios/regress/*.yaml" };
	size_t files = 0, cpus = 0;

	for (size_t p = 0; p < 3; p++) {
		glob_t g;

		if (glob(patterns[p], 0, NULL, &g))
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			cpus += conserve(g.gl_pathv[i]);
			files++;
		}
		globfree(&g);
	}
	SAY("conservation: %zu cpus in %zu files\n", cpus, files);
	/* the test cannot pass empty: dozens of files, most with cores */
	CHECKF(files >= 40 && cpus >= 40, "%zu cpus in %zu files", cpus, files);
}

/* One-way light traffic through kernel stacks; the hosts' drivers and
 * cores as the caller sets them. */
static const char pair_yaml[] =
	"name: driverrt-pair\n"
	"duration: 50ms\n"
	"seed: 1\n"
	"hosts:\n"
	"  client: { nic: { iommu: { enabled: false } } }\n"
	"  server: { like: client }\n"
	"network: { kind: link, rate: 10Gbps }\n"
	"apps:\n"
	"  a: { host: client, peer: server, pattern: poisson, rate: 100kpps,\n"
	"       size: 64B, stack: kernel }\n";

/* A kernel driver's work, on kernel0 of each host: per_packet for every
 * packet in each direction, and a doorbell for every TX packet; the NIC
 * adds no doorbell delay of its own then. */
static void test_kernel_driver_charged(void)
{
	struct run_result r;
	struct scn *s = NULL;
	double tx, rx, pp, bell;
	const struct hist *h;

	if (tr_run_text(pair_yaml, NULL, 0, &r, &s))
		return;
	pp = (double)scn_time(s, "hosts.client.driver.per_packet");
	bell = (double)scn_time(s, "hosts.client.nic.doorbell");
	tx = tr_metric(&r, "hosts.client.driver", "tx.packets");
	rx = tr_metric(&r, "hosts.server.driver", "rx.packets");
	SAY("kernel driver: tx %.0f rx %.0f\n", tx, rx);
	CHECKF(tx > 4000 && rx > 4000, "tx %.0f rx %.0f", tx, rx);
	CHECK_EQ(pp, 20000);
	CHECK_EQ(bell, 150000);
	/* the client's driver had every packet it handed on as a job; the
	 * last may be in service at the end */
	CHECKF(tr_metric(&r, "hosts.client.cpu", "time.driver") >= tx * pp &&
		       tr_metric(&r, "hosts.client.cpu", "time.driver") <=
			       (tx + 1) * pp,
	       "client time.driver %.0f for %.0f packets",
	       tr_metric(&r, "hosts.client.cpu", "time.driver"), tx);
	CHECK_EQ(tr_metric(&r, "hosts.client.cpu", "time.doorbell"),
		 tr_metric(&r, "hosts.client.cpu", "time.driver") / pp * bell);
	CHECKF(tr_metric(&r, "hosts.server.cpu", "time.driver") >= rx * pp &&
		       tr_metric(&r, "hosts.server.cpu", "time.driver") <=
			       (rx + 1) * pp,
	       "server time.driver %.0f for %.0f packets",
	       tr_metric(&r, "hosts.server.cpu", "time.driver"), rx);
	CHECK_EQ(tr_metric(&r, "hosts.server.cpu", "time.doorbell"), 0);
	/* the doorbell is CPU time, no longer a delay at the NIC */
	h = tr_histo(&r, "apps.a", "stage.doorbell");
	CHECKF(h && h->count > 4000 && h->max == 0, "stage.doorbell max %lld",
	       h ? (long long)h->max : -1LL);
	/* a packet alone on the client's driver stage: per_packet and the
	 * doorbell, behind nothing on kernel0 at least once */
	h = tr_histo(&r, "apps.a", "stage.driver_tx");
	CHECKF(h && h->min == (int64_t)(pp + bell),
	       "stage.driver_tx min %lld, want %.0f",
	       h ? (long long)h->min : -1LL, pp + bell);
	run_result_fini(&r);
	scn_destroy(s);
}

/* A user driver's thread on core "shared" of the server, with background
 * jobs of 50 us at load there; the driver real-time or normal, normal
 * threads shared by policy (cfs or rr). */
static int run_shared_policy(const char *cls, double load, const char *policy,
			     struct run_result *r, struct scn **s)
{
	char l[64], c[64], p[64];
	const char *sets[] = {
		"hosts.server.driver.placement=user",
		"hosts.server.driver.core=shared",
		c,
		"hosts.server.cpu.background.core=shared",
		l,
		p,
	};

	snprintf(c, sizeof(c), "hosts.server.driver.class=%s", cls);
	snprintf(l, sizeof(l), "hosts.server.cpu.background.load=%g", load);
	snprintf(p, sizeof(p), "hosts.server.cpu.normal_policy=%s", policy);
	return tr_run_text(pair_yaml, sets, 6, r, s);
}

static int run_shared(const char *cls, double load, struct run_result *r,
		      struct scn **s)
{
	return run_shared_policy(cls, load, "cfs", r, s);
}

static void test_background_share(void)
{
	struct run_result r;
	struct scn *s = NULL;
	const char *bg = "hosts.server.cpu.shared.background";
	double u, jobs, run_s;

	if (run_shared("normal", 0.5, &r, &s))
		return;
	u = tr_metric(&r, bg, "utilization");
	jobs = tr_metric(&r, bg, "jobs");
	run_s = (double)scn_time(s, "duration") / 1e12;
	SAY("background: utilization %.4f, %.0f jobs\n", u, jobs);
	/* Poisson arrivals at 0.5 / 50 us = 10^4 per second: 500 expected
	 * in 50 ms (sd 22); each job exactly 50 us */
	CHECKF(fabs(jobs - 0.5 / 50e-6 * run_s) <= 4 * sqrt(500),
	       "%.0f background jobs", jobs);
	CHECKF(tr_metric(&r, "hosts.server.cpu", "time.background") >=
			       jobs * 50e6 &&
		       tr_metric(&r, "hosts.server.cpu", "time.background") <=
			       (jobs + 3) * 50e6,
	       "time.background %.0f ps for %.0f jobs",
	       tr_metric(&r, "hosts.server.cpu", "time.background"), jobs);
	CHECKF(fabs(u - 0.5) <= 0.1, "utilization %.4f", u);
	/* the driver's thread shares the core: its class shows there */
	CHECKF(tr_metric(&r, "hosts.server.cpu.shared", "util.normal") >= u,
	       "util.normal %.4f below the background's %.4f",
	       tr_metric(&r, "hosts.server.cpu.shared", "util.normal"), u);
	run_result_fini(&r);
	scn_destroy(s);
}

/* A duty cycle (background.pattern periodic): one 50 us job every 100 us
 * from a random phase, so a 50 ms run holds 500 arrivals, give or take
 * the one the phase moves across either end: no Poisson spread. */
static void test_background_periodic(void)
{
	struct run_result r;
	struct scn *s = NULL;
	const char *bg = "hosts.server.cpu.shared.background";
	const char *sets[] = {
		"hosts.server.driver.placement=user",
		"hosts.server.driver.core=shared",
		"hosts.server.cpu.background.core=shared",
		"hosts.server.cpu.background.load=0.5",
		"hosts.server.cpu.background.pattern=periodic",
	};
	double jobs, run_s;

	if (tr_run_text(pair_yaml, sets, 5, &r, &s))
		return;
	jobs = tr_metric(&r, bg, "jobs");
	run_s = (double)scn_time(s, "duration") / 1e12;
	CHECKF(fabs(jobs - run_s / 100e-6) <= 1, "%.0f periodic jobs in %.3f s",
	       jobs, run_s);
	CHECKF(fabs(tr_metric(&r, bg, "utilization") - 0.5) <= 50e-6 / run_s,
	       "utilization %.6f", tr_metric(&r, bg, "utilization"));
	run_result_fini(&r);
	scn_destroy(s);
}

/* Real-time: the driver preempts the background at once, so its
 * scheduling latency is at most a context switch after the deepest idle
 * exit; normal under rr: it waits behind the background thread while
 * that has jobs (round robin by 10 ms quanta: a busy period of several
 * 50 us jobs at load 0.5), up to a quantum. */
static void test_driver_class(void)
{
	struct run_result r;
	struct scn *s = NULL;
	const char *thr = "hosts.server.cpu.shared.driver";
	const struct hist *h;
	double bound, rt_p99, mean_rt;

	if (run_shared("rt", 0.5, &r, &s))
		return;
	bound = (double)(scn_time(s, "hosts.server.cpu.context_switch") +
			 scn_time(s, "hosts.server.cpu.idle_deep_exit"));
	h = tr_histo(&r, thr, "sched_latency");
	CHECKF(h && h->count > 2000 && (double)h->max <= bound,
	       "rt: sched_latency max %lld ps over %.0f",
	       h ? (long long)h->max : -1LL, bound);
	CHECKF(tr_metric(&r, "hosts.server.cpu.shared", "preemptions") > 0,
	       "rt: no preemption");
	mean_rt = tr_metric(&r, thr, "sched_latency");
	rt_p99 = h ? (double)hist_quantile(h, 0.99) : -1;
	SAY("rt: %llu wakeups\n", h ? (unsigned long long)h->count : 0ULL);
	run_result_fini(&r);

	if (run_shared_policy("normal", 0.5, "rr", &r, NULL)) {
		scn_destroy(s);
		return;
	}
	h = tr_histo(&r, thr, "sched_latency");
	SAY("sched latency: rt mean %.0f p99 %.0f; normal mean %.0f max %lld\n",
	    mean_rt, rt_p99, tr_metric(&r, thr, "sched_latency"),
	    h ? (long long)h->max : -1LL);
	/* a wakeup that finds the background running waits for the end of
	 * its busy period: longer than one job at least once, never longer
	 * than a quantum, a switch and a wake-up of the core */
	CHECKF(h && h->max > 50000000 &&
		       (double)h->max <=
			       (double)scn_time(s,
						"hosts.server.cpu.time_slice") +
				       bound,
	       "normal: sched_latency max %lld", h ? (long long)h->max : -1LL);
	CHECKF(tr_metric(&r, thr, "sched_latency") > 2 * mean_rt,
	       "normal mean %.0f not above twice rt's %.0f",
	       tr_metric(&r, thr, "sched_latency"), mean_rt);
	CHECK_EQ(tr_metric(&r, "hosts.server.cpu.shared", "preemptions"), 0);
	run_result_fini(&r);
	scn_destroy(s);
}

/* A normal-class driver under CFS (the default): at a background load of
 * 0.9 the background thread runs 0.9 of the core, the driver a few
 * percent, so the driver's virtual runtime trails by more than the
 * wakeup granularity (2 ms: 1 ms x (1 + log2(3 cores))) once the
 * background has run a few ms: from then on every wakeup of the driver
 * that finds the background running preempts it, and 99% of its
 * scheduling latencies are within a switch and the deepest idle exit, as
 * a real-time driver's; only the start of the run, before the lag builds
 * up, waits behind background jobs. At 0.05 both threads sleep most of
 * the time and a waking sleeper is placed at most sched_latency / 2
 * behind min_vruntime: their lags stay within the granularity, so the
 * driver does wait behind whole 50 us jobs. */
static void test_driver_cfs(void)
{
	struct run_result r;
	struct scn *s = NULL;
	const char *thr = "hosts.server.cpu.shared.driver";
	const struct hist *h;
	double bound, p99;

	if (run_shared("normal", 0.9, &r, &s))
		return;
	bound = (double)(scn_time(s, "hosts.server.cpu.context_switch") +
			 scn_time(s, "hosts.server.cpu.idle_deep_exit"));
	h = tr_histo(&r, thr, "sched_latency");
	p99 = h ? (double)hist_quantile(h, 0.99) : -1;
	SAY("cfs 0.9: %llu wakeups, p99 %.0f max %lld, preemptions %.0f\n",
	    h ? (unsigned long long)h->count : 0ULL, p99,
	    h ? (long long)h->max : -1LL,
	    tr_metric(&r, "hosts.server.cpu.shared", "preemptions"));
	CHECKF(h && h->count > 2000 && p99 <= bound,
	       "cfs 0.9: sched_latency p99 %.0f over %.0f", p99, bound);
	CHECKF(tr_metric(&r, "hosts.server.cpu.shared", "preemptions") > 1000,
	       "cfs 0.9: %.0f preemptions",
	       tr_metric(&r, "hosts.server.cpu.shared", "preemptions"));
	run_result_fini(&r);

	if (run_shared("normal", 0.05, &r, NULL)) {
		scn_destroy(s);
		return;
	}
	h = tr_histo(&r, thr, "sched_latency");
	SAY("cfs 0.05: max %lld, preemptions %.0f\n",
	    h ? (long long)h->max : -1LL,
	    tr_metric(&r, "hosts.server.cpu.shared", "preemptions"));
	CHECKF(h && h->max > 50000000, "cfs 0.05: sched_latency max %lld",
	       h ? (long long)h->max : -1LL);
	run_result_fini(&r);
	scn_destroy(s);
}

/* Loads the pair with sets and runs it: refused, the error locating the
 * last of the sets (the offending one) and saying want. */
static void refused(const char *const *sets, size_t n, const char *want)
{
	char path[64], err[512], where[32];
	struct scn *s = NULL;
	struct run_result r;
	int rc;

	CHECK_EQ_FATAL(tu_write_tmp(path, sizeof(path), pair_yaml), 0);
	rc = scn_load(path, sets, n, &s, err, sizeof(err));
	if (!rc) {
		rc = run_scenario(s, 0, &r, err, sizeof(err));
		if (!rc)
			run_result_fini(&r);
	}
	CHECKF(rc != 0, "accepted: %s", want);
	CHECKF(rc == 0 || strstr(err, want), "'%s' does not say '%s'", err,
	       want);
	/* an override is located as --set:INDEX:COL */
	snprintf(where, sizeof(where), "--set:%zu:", n);
	CHECKF(rc == 0 || strstr(err, where) == err,
	       "'%s' does not start with %s", err, where);
	scn_destroy(s);
	unlink(path);
}

static void test_refusals(void)
{
	static const char *const kclass[] = { "hosts.client.driver.class=rt" };
	static const char *const nprio[] = {
		"hosts.client.driver.placement=user",
		"hosts.client.driver.priority=10"
	};
	static const char *const bgprio[] = {
		"hosts.client.cpu.background.load=0.3",
		"hosts.client.cpu.background.priority=10"
	};
	static const char *const kcore[] = { "hosts.client.driver.core=app.a" };
	static const char *const nocore[] = { "apps.a.stack=none",
					      "hosts.client.driver.core=x" };
	static const char *const slice[] = {
		"hosts.server.cpu.time_slice=4ms"
	};
	static const char *const nobg[] = {
		"apps.a.stack=none", "hosts.server.cpu.background.load=0.5"
	};

	refused(kclass, 1, "class: a kernel driver runs in kernel context");
	refused(nprio, 2, "priority: a normal-class driver thread");
	refused(bgprio, 2, "background.priority: a normal-class background");
	refused(kcore, 1, "core: a kernel driver runs on a kernel core");
	refused(nocore, 2, "core: the host has no cores");
	refused(nobg, 2, "background.load: the host has no cores");
	refused(slice, 1, "time_slice: a parameter of normal_policy rr");
}

int suite_driverrt(void)
{
	CU_pSuite s = CU_add_suite("driverrt", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "kernel driver and doorbell on the kernel core",
			 test_kernel_driver_charged) ||
	    !CU_add_test(s, "background: a duty cycle",
			 test_background_periodic) ||
	    !CU_add_test(s, "background takes its share of its core",
			 test_background_share) ||
	    !CU_add_test(s, "rt driver preempts, normal waits",
			 test_driver_class) ||
	    !CU_add_test(s, "normal driver under CFS", test_driver_cfs) ||
	    !CU_add_test(s, "refused combinations", test_refusals) ||
	    !CU_add_test(s, "bundled scenarios: CPU charged = busy + pending",
			 test_conservation))
		return CU_get_error();
	return 0;
}
