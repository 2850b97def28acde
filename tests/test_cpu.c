/*
 * test_cpu.c - the cores of a host: FIFO service, charges and statistics.
 *
 * Jobs of known costs are submitted at known times (from scheduled events,
 * or before the run) and each records when its function ran. A core is a
 * FIFO server, so job i completes at max(arrival_i, completion_{i-1}) +
 * cost_i; the tests compare every completion with that closed form, check
 * that a core spends exactly one engine event per job, and that busy time
 * and utilization are the sum of the costs served (with the elapsed part
 * of a job still in service at the end). The charges are checked against
 * the counters they feed, and a copy's cost against bytes / bandwidth
 * rounded to the picosecond.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "cpu.h"
#include "rng.h"
#include "scenario.h"
#include "stats.h"
#include "util.h"

#define COMP "hosts.h.cpu"
#define MAXJOBS 20000

struct fx {
	struct sim *sim;
	struct stats *st;
	struct cpu *cpu;
	struct cpu_core *core[4];
	/* The jobs: core, arrival and cost; what happened to them. */
	int on[MAXJOBS];
	sim_time arrive[MAXJOBS], cost[MAXJOBS];
	sim_time done[MAXJOBS];
	size_t order[MAXJOBS]; /* job ids in completion order */
	size_t ndone;
	int resubmit; /* job id whose function submits job resub_id */
	size_t resub_id;
	int failed; /* a submission failed */
};

static const struct cpu_cfg test_costs = {
	.syscall_ps = 250000,
	.ctxsw_ps = 1500000,
	.wakeup_same_ps = 400000,
	.wakeup_cross_ps = 2000000,
	.copy_Bps = 10e9,
};

/* cpu_create() of a cpu whose statistics go under comp. */
static int cpu_new(struct sim *sim, struct stats *st, const char *comp,
		   const struct cpu_cfg *cfg, struct cpu **out)
{
	struct model_env env = { .sim = sim, .st = st, .component = comp };
	char err[128] = "";
	int rc = cpu_create(cfg, &env, out, err, sizeof(err));

	CU_ASSERT(rc == 0 || err[0]); /* an error comes with its message */
	return rc;
}

static int fx_init_cfg(struct fx *f, unsigned ncores, const struct cpu_cfg *cfg)
{
	static const char *const names[] = { "kernel0", "kernel1", "app.rpc",
					     "drv" };
	static const enum cpu_domain doms[] = { CPU_DOM_KERNEL, CPU_DOM_KERNEL,
						CPU_DOM_USER, CPU_DOM_DRIVER };

	memset(f, 0, sizeof(*f));
	f->resubmit = -1;
	f->sim = sim_create("native");
	f->st = f->sim ? stats_create(f->sim, 0, 0) : NULL;
	if (!f->st || cpu_new(f->sim, f->st, COMP, cfg, &f->cpu))
		return -1;
	for (unsigned i = 0; i < ncores; i++) {
		f->core[i] = cpu_add_core(f->cpu, doms[i], names[i]);
		if (!f->core[i])
			return -1;
	}
	return 0;
}

static int fx_init(struct fx *f, unsigned ncores)
{
	return fx_init_cfg(f, ncores, &test_costs);
}

static void fx_fini(struct fx *f)
{
	cpu_destroy(f->cpu);
	stats_destroy(f->st);
	sim_destroy(f->sim);
}

static uint64_t counter(const struct fx *f, const char *comp,
			const char *metric)
{
	struct stat_info si;

	if (stats_find(f->st, comp, metric, &si) || si.kind != STAT_COUNTER)
		return UINT64_MAX;
	return *si.u.counter;
}

static double scalar(const struct fx *f, const char *comp, const char *metric)
{
	struct stat_info si;

	if (stats_find(f->st, comp, metric, &si) || si.kind != STAT_SCALAR)
		return NAN;
	return si.u.scalar;
}

static void submit_job(struct fx *f, size_t id);

/* A job's function: records its completion (and may submit another). */
static void job_done(struct sim *sim, void *a, void *b)
{
	struct fx *f = a;
	size_t id = (size_t)(uintptr_t)b;

	f->done[id] = sim_now(sim);
	f->order[f->ndone++] = id;
	if (f->resubmit >= 0 && (size_t)f->resubmit == id) {
		f->arrive[f->resub_id] = sim_now(sim);
		submit_job(f, f->resub_id);
	}
}

static void submit_job(struct fx *f, size_t id)
{
	struct cpu_job j = { 0 };

	cpu_job_add(&j, CPU_A_PROTO, f->cost[id]);
	if (cpu_submit(f->core[f->on[id]], &j, job_done, f,
		       (void *)(uintptr_t)id))
		f->failed++;
}

static void arrival(struct sim *sim, void *a, void *b)
{
	(void)sim;
	submit_job(a, (size_t)(uintptr_t)b);
}

/* Schedules the arrival of jobs 0 .. n-1 at their times. */
static int schedule_arrivals(struct fx *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sim_schedule_at(f->sim, f->arrive[i], arrival, f,
				     (void *)(uintptr_t)i))
			return -1;
	return 0;
}

/* Expected completions of the jobs on core k, in id order (FIFO); returns
 * the sum of their costs. */
static sim_time expect_fifo(const struct fx *f, size_t n, int k, sim_time *want)
{
	sim_time free_at = 0, sum = 0;

	for (size_t i = 0; i < n; i++) {
		if (f->on[i] != k)
			continue;
		if (f->arrive[i] > free_at)
			free_at = f->arrive[i];
		free_at += f->cost[i];
		want[i] = free_at;
		sum += f->cost[i];
	}
	return sum;
}

static void test_fifo_one_core(void)
{
	static const sim_time arr[] = { 0,    100,  150,  150,	2000, 2500,
					2500, 2600, 9000, 9000, 9001, 9500 };
	static const sim_time cost[] = { 500, 300, 0,	200, 400, 1000,
					 0,   7,   333, 1,   0,	  50 };
	const size_t n = sizeof(arr) / sizeof(arr[0]);
	const sim_time end = 20000;
	sim_time want[16], busy;
	static struct fx f;

	CU_ASSERT_FATAL(fx_init(&f, 1) == 0);
	for (size_t i = 0; i < n; i++) {
		f.arrive[i] = arr[i];
		f.cost[i] = cost[i];
	}
	CHECK_EQ_FATAL(schedule_arrivals(&f, n), 0);
	sim_run(f.sim, end);
	busy = expect_fifo(&f, n, 0, want);
	CHECK_EQ(f.failed, 0);
	CHECK_EQ(f.ndone, n);
	for (size_t i = 0; i < n; i++) {
		CHECKF(f.order[i] == i, "completion %zu is job %zu", i,
		       f.order[i]);
		CHECKF(f.done[i] == want[i], "job %zu done at %lld, want %lld",
		       i, (long long)f.done[i], (long long)want[i]);
	}
	/* One event per arrival and one per job. */
	CHECK_EQ(sim_events(f.sim), 2 * n);
	CHECK_EQ(cpu_core_backlog(f.core[0]), 0);
	cpu_finish(f.cpu);
	CHECK_EQ(counter(&f, COMP ".kernel0", "busy"), (uint64_t)busy);
	CHECK_EQ(scalar(&f, COMP ".kernel0", "utilization"),
		 (double)busy / (double)end);
	CHECK_EQ(scalar(&f, COMP, "util.kernel"), (double)busy / (double)end);
	CHECK_EQ(counter(&f, COMP, "jobs"), n);
	CHECK_EQ(cpu_acct_time(f.cpu, CPU_A_PROTO), busy);
	CHECK_EQ(cpu_acct_count(f.cpu, CPU_A_PROTO), n);
	CHECK_EQ(counter(&f, COMP, "time.proto"), (uint64_t)busy);
	fx_fini(&f);
}

/* Backlog seen by arrivals: jobs queued or in service. */
static void test_backlog(void)
{
	static struct fx f;
	struct cpu_job j = { 0 };

	CU_ASSERT_FATAL(fx_init(&f, 1) == 0);
	cpu_job_add(&j, CPU_A_FSW, 1000);
	for (size_t i = 0; i < 3; i++)
		CHECK_EQ(cpu_submit(f.core[0], &j, job_done, &f,
				    (void *)(uintptr_t)i),
			 0);
	CHECK_EQ(cpu_core_backlog(f.core[0]), 3);
	sim_run(f.sim, 999);
	CHECK_EQ(cpu_core_backlog(f.core[0]), 3);
	sim_run(f.sim, 1000);
	CHECK_EQ(cpu_core_backlog(f.core[0]), 2);
	sim_run(f.sim, 2999);
	CHECK_EQ(cpu_core_backlog(f.core[0]), 1);
	sim_run(f.sim, 3000);
	CHECK_EQ(cpu_core_backlog(f.core[0]), 0);
	CHECK_EQ(f.ndone, 3);
	CHECK_EQ(f.done[2], 3000);
	CHECK_EQ(sim_events(f.sim), 3);
	fx_fini(&f);
}

static void test_two_cores(void)
{
	const size_t n = 40;
	const sim_time end = 1000000;
	sim_time want[40], busy[2];
	static struct fx f;

	CU_ASSERT_FATAL(fx_init(&f, 2) == 0);
	/* Bursts that overload one core: alternate cores by a pattern that
	 * is not periodic in 2, so the two queues differ. */
	for (size_t i = 0; i < n; i++) {
		f.on[i] = (i * i + i / 3) % 2;
		f.arrive[i] = (sim_time)(i / 4) * 3000;
		f.cost[i] = 500 + (sim_time)((i * 7919) % 1300);
	}
	CHECK_EQ_FATAL(schedule_arrivals(&f, n), 0);
	sim_run(f.sim, end);
	busy[0] = expect_fifo(&f, n, 0, want);
	busy[1] = expect_fifo(&f, n, 1, want);
	CHECK_EQ(f.ndone, n);
	for (size_t i = 0; i < n; i++)
		CHECKF(f.done[i] == want[i],
		       "job %zu (core %d) done at %lld, want %lld", i, f.on[i],
		       (long long)f.done[i], (long long)want[i]);
	CHECK_EQ(sim_events(f.sim), 2 * n);
	cpu_finish(f.cpu);
	CHECK_EQ(counter(&f, COMP ".kernel0", "busy"), (uint64_t)busy[0]);
	CHECK_EQ(counter(&f, COMP ".kernel1", "busy"), (uint64_t)busy[1]);
	CHECK_EQ(scalar(&f, COMP ".kernel1", "utilization"),
		 (double)busy[1] / (double)end);
	CHECK_EQ(scalar(&f, COMP, "util.kernel"),
		 ((double)busy[0] / (double)end +
		  (double)busy[1] / (double)end) /
			 2);
	CU_ASSERT(isnan(scalar(&f, COMP, "util.user")));
	CU_ASSERT(isnan(scalar(&f, COMP, "util.driver")));
	fx_fini(&f);
}

/* A function that submits to its own core: behind what is queued, and
 * started by itself when the core is idle. */
static void test_resubmit(void)
{
	static struct fx f;

	CU_ASSERT_FATAL(fx_init(&f, 1) == 0);
	/* Jobs 0..2 at time 0 (costs 100, 200, 300); job 0's function
	 * submits job 3 (cost 50) at 100: it runs after job 2, at 650. */
	f.cost[0] = 100;
	f.cost[1] = 200;
	f.cost[2] = 300;
	f.cost[3] = 50;
	f.resubmit = 0;
	f.resub_id = 3;
	for (size_t i = 0; i < 3; i++)
		submit_job(&f, i);
	sim_run(f.sim, 10000);
	CHECK_EQ(f.failed, 0);
	CHECK_EQ_FATAL(f.ndone, 4);
	for (size_t i = 0; i < 4; i++)
		CHECKF(f.order[i] == i, "completion %zu is job %zu", i,
		       f.order[i]);
	CHECK_EQ(f.done[0], 100);
	CHECK_EQ(f.done[1], 300);
	CHECK_EQ(f.done[2], 600);
	CHECK_EQ(f.done[3], 650);
	CHECK_EQ(sim_events(f.sim), 4);
	fx_fini(&f);

	/* The last job's function submits to the idle core: it starts at
	 * once (no double scheduling: one event each). Then a zero-cost
	 * one from that one's function. */
	CU_ASSERT_FATAL(fx_init(&f, 1) == 0);
	f.cost[0] = 100;
	f.cost[1] = 40;
	f.resubmit = 0;
	f.resub_id = 1;
	submit_job(&f, 0);
	sim_run(f.sim, 10000);
	CHECK_EQ(f.ndone, 2);
	CHECK_EQ(f.done[1], 140);
	CHECK_EQ(sim_events(f.sim), 2);
	cpu_finish(f.cpu);
	CHECK_EQ(counter(&f, COMP ".kernel0", "busy"), 140);
	fx_fini(&f);
}

/* A function that keeps resubmitting itself with cost 0 runs a chain of
 * events at one time, in order. */
static void self_chain(struct sim *sim, void *a, void *b)
{
	struct fx *f = a;
	size_t id = (size_t)(uintptr_t)b;
	struct cpu_job j = { 0 };

	f->done[id] = sim_now(sim);
	f->order[f->ndone++] = id;
	if (id + 1 < 100 && cpu_submit(f->core[0], &j, self_chain, f,
				       (void *)(uintptr_t)(id + 1)))
		f->failed++;
}

static void test_zero_cost(void)
{
	static struct fx f;
	struct cpu_job j = { 0 };

	CU_ASSERT_FATAL(fx_init(&f, 1) == 0);
	CHECK_EQ(cpu_job_cost(&j), 0);
	CHECK_EQ(cpu_submit(f.core[0], &j, self_chain, &f, NULL), 0);
	/* Not called from cpu_submit: through an event. */
	CHECK_EQ(f.ndone, 0);
	CHECK_EQ(cpu_core_backlog(f.core[0]), 1);
	sim_run(f.sim, 0);
	CHECK_EQ(f.failed, 0);
	CHECK_EQ_FATAL(f.ndone, 100);
	for (size_t i = 0; i < 100; i++)
		CHECKF(f.order[i] == i && f.done[i] == 0,
		       "completion %zu: job %zu at %lld", i, f.order[i],
		       (long long)f.done[i]);
	CHECK_EQ(sim_events(f.sim), 100);
	fx_fini(&f);

	/* A zero-cost job behind a busy core waits for its turn. */
	CU_ASSERT_FATAL(fx_init(&f, 1) == 0);
	f.cost[0] = 700;
	f.cost[1] = 0;
	f.cost[2] = 5;
	f.arrive[1] = 10;
	f.arrive[2] = 10;
	CHECK_EQ_FATAL(schedule_arrivals(&f, 3), 0);
	sim_run(f.sim, 1000);
	CHECK_EQ_FATAL(f.ndone, 3);
	CHECK_EQ(f.order[1], 1);
	CHECK_EQ(f.done[1], 700);
	CHECK_EQ(f.done[2], 705);
	fx_fini(&f);
}

/* Every charge ends up in its counter when the job is queued. */
static void test_charges(void)
{
	static struct fx f;
	struct cpu_job j = { 0 }, k = { 0 };
	sim_time cost;

	CU_ASSERT_FATAL(fx_init(&f, 3) == 0);
	cpu_job_syscall(&j, f.cpu);
	cpu_job_syscall(&j, f.cpu);
	cpu_job_copy(&j, f.cpu, 1500); /* 1500 B at 10 GB/s: 150 ns */
	CHECK_EQ(j.ps[CPU_A_COPY], 150000);
	cpu_job_copy(&j, f.cpu, 64); /* 6.4 ns */
	CHECK_EQ(j.ps[CPU_A_COPY], 156400);
	cpu_job_copy(&j, f.cpu, 0);
	cpu_job_wakeup(&j, f.core[0], f.core[0]);
	cpu_job_wakeup(&j, f.core[0], f.core[2]);
	cpu_job_wakeup(&j, NULL, f.core[1]); /* from an interrupt */
	cpu_job_ctxsw(&j, f.cpu);
	cpu_job_add(&j, CPU_A_PROTO, 1234);
	cpu_job_add(&j, CPU_A_FSW, 55);
	cpu_job_add(&j, CPU_A_FSW, 45);
	CHECK_EQ(j.n[CPU_A_WAKEUP], 3);
	CHECK_EQ(j.wakeups_cross, 2);
	CHECK_EQ(j.copied_bytes, 1564);
	cost = 2 * 250000 + 156400 + 400000 + 2 * 2000000 + 1500000 + 1234 +
	       100;
	CHECK_EQ(cpu_job_cost(&j), cost);

	CHECK_EQ(cpu_submit(f.core[1], &j, NULL, NULL, NULL), 0);
	/* Counted at submission, before the job runs. */
	CHECK_EQ(counter(&f, COMP, "syscalls"), 2);
	CHECK_EQ(counter(&f, COMP, "copies"), 3);
	CHECK_EQ(counter(&f, COMP, "copied_bytes"), 1564);
	CHECK_EQ(counter(&f, COMP, "wakeups"), 3);
	CHECK_EQ(counter(&f, COMP, "wakeups_cross"), 2);
	CHECK_EQ(counter(&f, COMP, "context_switches"), 1);
	CHECK_EQ(counter(&f, COMP, "jobs"), 1);
	CHECK_EQ(counter(&f, COMP, "time.syscall"), 500000);
	CHECK_EQ(counter(&f, COMP, "time.copy"), 156400);
	CHECK_EQ(counter(&f, COMP, "time.wakeup"), 4400000);
	CHECK_EQ(counter(&f, COMP, "time.ctxsw"), 1500000);
	CHECK_EQ(counter(&f, COMP, "time.proto"), 1234);
	CHECK_EQ(counter(&f, COMP, "time.flowswitch"), 100);
	CHECK_EQ(cpu_acct_count(f.cpu, CPU_A_FSW), 2);
	CHECK_EQ(cpu_acct_count(f.cpu, CPU_A_PROTO), 1);
	CHECK_EQ(cpu_acct_time(f.cpu, CPU_A_WAKEUP), 4400000);

	/* A second job adds to the first. */
	cpu_job_syscall(&k, f.cpu);
	cpu_job_copy(&k, f.cpu, 9000);
	CHECK_EQ(cpu_submit(f.core[1], &k, NULL, NULL, NULL), 0);
	CHECK_EQ(counter(&f, COMP, "syscalls"), 3);
	CHECK_EQ(counter(&f, COMP, "copied_bytes"), 10564);
	CHECK_EQ(counter(&f, COMP, "time.copy"), 156400 + 900000);
	CHECK_EQ(counter(&f, COMP, "jobs"), 2);
	CHECK_EQ(cpu_acct_count(f.cpu, CPU_A_COPY), 4);

	/* The first job ends at cost, the second 1.15 us later. */
	sim_run(f.sim, cost - 1);
	CHECK_EQ(cpu_core_backlog(f.core[1]), 2);
	sim_run(f.sim, cost);
	CHECK_EQ(cpu_core_backlog(f.core[1]), 1);
	sim_run(f.sim, cost + 1149999);
	CHECK_EQ(cpu_core_backlog(f.core[1]), 1);
	sim_run(f.sim, cost + 1150000);
	CHECK_EQ(cpu_core_backlog(f.core[1]), 0);
	sim_run(f.sim, 10 * SIM_US);
	CHECK_EQ(cpu_core_backlog(f.core[1]), 0);
	cpu_finish(f.cpu);
	CHECK_EQ(counter(&f, COMP ".kernel1", "busy"),
		 (uint64_t)(cost + 250000 + 900000));
	CHECK_EQ(counter(&f, COMP ".kernel0", "busy"), 0);
	CHECK_EQ(scalar(&f, COMP ".app.rpc", "utilization"), 0);
	CHECK_EQ(scalar(&f, COMP, "util.user"), 0);
	CHECK_EQ(scalar(&f, COMP, "util.kernel"),
		 (double)(cost + 1150000) / (double)(10 * SIM_US) / 2);
	fx_fini(&f);
}

/* A thread alone on its core (the default thread, no other) is a FIFO
 * server whatever the normal policy: under round robin with a quantum far
 * shorter than its jobs, and under CFS, no job is cut (nothing waits
 * behind it), each completes at the closed form and costs one event. */
static void test_alone(void)
{
	static const sim_time arr[] = { 0, 100, 150, 150, 2000, 2500, 9000 };
	static const sim_time cost[] = { 5000, 300, 0, 2000, 400, 10000, 7 };
	const size_t n = sizeof(arr) / sizeof(arr[0]);
	static struct fx f;
	struct cpu_cfg k[2];
	sim_time want[8];

	k[0] = test_costs; /* rr */
	k[0].slice_ps = 150;
	k[1] = test_costs;
	k[1].normal_policy = CPU_NORMAL_CFS;
	k[1].cfs_latency_ps = 200;
	k[1].cfs_min_gran_ps = 50;
	k[1].cfs_wakeup_gran_ps = 10;
	for (int p = 0; p < 2; p++) {
		CU_ASSERT_FATAL(fx_init_cfg(&f, 1, &k[p]) == 0);
		for (size_t i = 0; i < n; i++) {
			f.arrive[i] = arr[i];
			f.cost[i] = cost[i];
		}
		CHECK_EQ_FATAL(schedule_arrivals(&f, n), 0);
		sim_run(f.sim, 100000);
		expect_fifo(&f, n, 0, want);
		CHECK_EQ(f.ndone, n);
		for (size_t i = 0; i < n; i++)
			CHECKF(f.done[i] == want[i],
			       "policy %d: job %zu done at %lld, want %lld", p,
			       i, (long long)f.done[i], (long long)want[i]);
		CHECK_EQ(sim_events(f.sim), 2 * n);
		fx_fini(&f);
	}
}

/* Every account keeps its own time and charges, whatever line it is kept
 * on: jobs charging all the accounts, each a different number of times at
 * a different cost, add up to exact sums per account; the charges of
 * syscall, copy, wakeup and ctxsw are the counters of the same name, and
 * busy time is the total once the jobs are done. */
static void test_every_account(void)
{
	static struct fx f;
	uint64_t want_ps[CPU_NACCTS] = { 0 }, want_n[CPU_NACCTS] = { 0 };
	uint64_t total = 0;
	char metric[32];

	CU_ASSERT_FATAL(fx_init(&f, 1) == 0);
	for (unsigned k = 1; k <= 3; k++) {
		struct cpu_job j = { 0 };

		for (unsigned a = 0; a < CPU_NACCTS; a++)
			for (unsigned i = 0; i < k + a % 3; i++) {
				sim_time ps = 1000 * (a + 1) + 10 * k + i;

				cpu_job_add(&j, (enum cpu_acct)a, ps);
				want_ps[a] += (uint64_t)ps;
				want_n[a]++;
				total += (uint64_t)ps;
			}
		CHECK_EQ(cpu_submit(f.core[0], &j, NULL, NULL, NULL), 0);
	}
	for (unsigned a = 0; a < CPU_NACCTS; a++) {
		snprintf(metric, sizeof(metric), "time.%s",
			 cpu_acct_name((enum cpu_acct)a));
		CHECKF(counter(&f, COMP, metric) == want_ps[a], "%s", metric);
		CHECK_EQ((uint64_t)cpu_acct_time(f.cpu, (enum cpu_acct)a),
			 want_ps[a]);
		CHECK_EQ(cpu_acct_count(f.cpu, (enum cpu_acct)a), want_n[a]);
	}
	CHECK_EQ(counter(&f, COMP, "syscalls"), want_n[CPU_A_SYSCALL]);
	CHECK_EQ(counter(&f, COMP, "copies"), want_n[CPU_A_COPY]);
	CHECK_EQ(counter(&f, COMP, "wakeups"), want_n[CPU_A_WAKEUP]);
	CHECK_EQ(counter(&f, COMP, "context_switches"), want_n[CPU_A_CTXSW]);
	CHECK_EQ(counter(&f, COMP, "time"), total);
	CHECK_EQ(counter(&f, COMP, "jobs"), 3);
	sim_run(f.sim, SIM_S);
	cpu_finish(f.cpu);
	CHECK_EQ(counter(&f, COMP ".kernel0", "busy"), total);
	fx_fini(&f);
}

/* Copy costs are bytes / bandwidth rounded to the nearest ps. */
static void test_copy_rounding(void)
{
	static const struct {
		double Bps;
		uint64_t bytes;
		sim_time ps;
	} cases[] = {
		{ 10e9, 1500, 150000 }, { 3e9, 1, 333 },
		{ 3e9, 2, 667 },	{ 3e9, 3, 1000 },
		{ 1e12, 7, 7 },		{ 4e12, 2, 1 }, /* 0.5 rounds up */
		{ 4e12, 1, 0 },		{ 1, 1, SIM_S },
	};
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 0, 0) : NULL;

	CU_ASSERT_FATAL(st != NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cpu_cfg k = test_costs;
		struct cpu_job j = { 0 };
		struct cpu *c;
		char comp[32];

		k.copy_Bps = cases[i].Bps;
		snprintf(comp, sizeof(comp), "cpu%zu", i);
		CU_ASSERT_FATAL(cpu_new(sim, st, comp, &k, &c) == 0);
		cpu_job_copy(&j, c, cases[i].bytes);
		CHECKF(j.ps[CPU_A_COPY] == cases[i].ps,
		       "%llu B at %g B/s: %lld ps, want %lld",
		       (unsigned long long)cases[i].bytes, cases[i].Bps,
		       (long long)j.ps[CPU_A_COPY], (long long)cases[i].ps);
		CHECK_EQ(j.n[CPU_A_COPY], 1);
		cpu_destroy(c);
	}
	stats_destroy(st);
	sim_destroy(sim);
}

/* Many jobs at once: the run queue grows (also while wrapped) and keeps
 * the order; still one event per job. */
static void test_growth(void)
{
	const size_t first = 12, n = 10000;
	sim_time t = 0;
	static struct fx f;

	CU_ASSERT_FATAL(fx_init(&f, 1) == 0);
	/* 12 jobs of 10 ps; after 5 are done the ring's head is at 5. */
	for (size_t i = 0; i < first; i++) {
		f.cost[i] = 10;
		submit_job(&f, i);
	}
	sim_run(f.sim, 55);
	CHECK_EQ(f.ndone, 5);
	CHECK_EQ(cpu_core_backlog(f.core[0]), first - 5);
	for (size_t i = first; i < n; i++) {
		f.cost[i] = (sim_time)(i % 7);
		f.arrive[i] = 55;
		submit_job(&f, i);
	}
	CHECK_EQ(f.failed, 0);
	CHECK_EQ(cpu_core_backlog(f.core[0]), n - 5);
	sim_run(f.sim, SIM_MS);
	CHECK_EQ_FATAL(f.ndone, n);
	for (size_t i = 0; i < n; i++) {
		t += f.cost[i];
		if (f.order[i] != i || f.done[i] != t) {
			CHECKF(0, "completion %zu: job %zu at %lld, want %lld",
			       i, f.order[i], (long long)f.done[i],
			       (long long)t);
			break;
		}
	}
	CHECK_EQ(sim_events(f.sim), n);
	cpu_finish(f.cpu);
	CHECK_EQ(counter(&f, COMP ".kernel0", "busy"), (uint64_t)t);
	CHECK_EQ(counter(&f, COMP, "jobs"), n);

	/* Another burst of the same size reuses the grown ring. */
	f.ndone = 0;
	for (size_t i = 0; i < n; i++) {
		f.cost[i] = 1;
		submit_job(&f, i);
	}
	sim_run(f.sim, 2 * SIM_MS);
	CHECK_EQ(f.failed, 0);
	CHECK_EQ(f.ndone, n);
	CHECK_EQ(f.done[n - 1], SIM_MS + (sim_time)n);
	CHECK_EQ(sim_events(f.sim), 2 * n);
	fx_fini(&f);
}

/* cpu_finish counts the elapsed part of the job in service, once. */
static void test_finish_in_service(void)
{
	static struct fx f;

	CU_ASSERT_FATAL(fx_init(&f, 4) == 0);
	/* Core 0: 100 ps at 0, then 1000 ps at 300; the run ends at 500
	 * with 200 ps of the second done. */
	f.cost[0] = 100;
	f.arrive[1] = 300;
	f.cost[1] = 1000;
	/* Core 2 (user): 2000 ps at 0, in service all along. */
	f.on[2] = 2;
	f.cost[2] = 2000;
	CHECK_EQ_FATAL(schedule_arrivals(&f, 3), 0);
	sim_run(f.sim, 500);
	cpu_finish(f.cpu);
	CHECK_EQ(counter(&f, COMP ".kernel0", "busy"), 300);
	CHECK_EQ(scalar(&f, COMP ".kernel0", "utilization"), 0.6);
	CHECK_EQ(scalar(&f, COMP ".kernel1", "utilization"), 0);
	CHECK_EQ(scalar(&f, COMP, "util.kernel"), 0.3);
	CHECK_EQ(counter(&f, COMP ".app.rpc", "busy"), 500);
	CHECK_EQ(scalar(&f, COMP, "util.user"), 1.0);
	CHECK_EQ(scalar(&f, COMP, "util.driver"), 0);
	/* Going on: the jobs finish and are not counted twice. */
	sim_run(f.sim, 4000);
	CHECK_EQ(f.done[1], 1300);
	CHECK_EQ(f.done[2], 2000);
	cpu_finish(f.cpu);
	CHECK_EQ(counter(&f, COMP ".kernel0", "busy"), 1100);
	CHECK_EQ(counter(&f, COMP ".app.rpc", "busy"), 2000);
	CHECK_EQ(scalar(&f, COMP ".kernel0", "utilization"), 1100.0 / 4000.0);
	CHECK_EQ(scalar(&f, COMP, "util.user"), 0.5);
	fx_fini(&f);

	/* At time 0 the utilization is 0. */
	CU_ASSERT_FATAL(fx_init(&f, 1) == 0);
	f.cost[0] = 100;
	submit_job(&f, 0);
	cpu_finish(f.cpu);
	CHECK_EQ(scalar(&f, COMP ".kernel0", "utilization"), 0);
	CHECK_EQ(scalar(&f, COMP, "util.kernel"), 0);
	fx_fini(&f);
}

static void test_errors_and_names(void)
{
	static const double bad[] = { 0, -1e9, NAN };
	struct sim *sim = sim_create("native");
	struct stats *st = sim ? stats_create(sim, 0, 0) : NULL;
	struct cpu *c = NULL, *c2 = NULL;
	struct cpu_core *k0, *u;

	CU_ASSERT_FATAL(st != NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cpu_cfg k = test_costs;

		k.copy_Bps = bad[i];
		CHECKF(cpu_new(sim, st, COMP, &k, &c) == -EINVAL,
		       "copy_Bps %g accepted", bad[i]);
		CU_ASSERT_PTR_NULL(c);
	}
	CU_ASSERT_FATAL(cpu_new(sim, st, COMP, &test_costs, &c) == 0);
	CHECK_EQ(cpu_config(c)->syscall_ps, test_costs.syscall_ps);
	CHECK_EQ(cpu_config(c)->copy_Bps, test_costs.copy_Bps);
	k0 = cpu_add_core(c, CPU_DOM_KERNEL, "kernel0");
	u = cpu_add_core(c, CPU_DOM_USER, "app.rpc");
	CU_ASSERT_PTR_NOT_NULL(k0);
	CU_ASSERT_PTR_NOT_NULL(u);
	CU_ASSERT_PTR_NULL(cpu_add_core(c, CPU_DOM_KERNEL, "kernel0"));
	CU_ASSERT_PTR_NULL(cpu_add_core(c, CPU_DOM_DRIVER, "app.rpc"));
	CU_ASSERT_PTR_NOT_NULL(cpu_add_core(c, CPU_DOM_DRIVER, "drv"));
	CHECK_EQ(cpu_core_domain(k0), CPU_DOM_KERNEL);
	CHECK_EQ(cpu_core_domain(u), CPU_DOM_USER);
	/* The same core names under another component are fine. */
	CU_ASSERT_FATAL(cpu_new(sim, st, "hosts.s.cpu", &test_costs, &c2) == 0);
	CU_ASSERT_PTR_NOT_NULL(cpu_add_core(c2, CPU_DOM_KERNEL, "kernel0"));
	/* A second cpu under the same component cannot register. */
	CHECK_EQ(cpu_new(sim, st, COMP, &test_costs, &c2), -ENOMEM);

	CU_ASSERT_STRING_EQUAL(cpu_acct_name(CPU_A_PROTO), "proto");
	CU_ASSERT_STRING_EQUAL(cpu_acct_name(CPU_A_SYSCALL), "syscall");
	CU_ASSERT_STRING_EQUAL(cpu_acct_name(CPU_A_COPY), "copy");
	CU_ASSERT_STRING_EQUAL(cpu_acct_name(CPU_A_FSW), "flowswitch");
	CU_ASSERT_STRING_EQUAL(cpu_acct_name(CPU_A_WAKEUP), "wakeup");
	CU_ASSERT_STRING_EQUAL(cpu_acct_name(CPU_A_CTXSW), "ctxsw");
	CU_ASSERT_STRING_EQUAL(cpu_domain_name(CPU_DOM_KERNEL), "kernel");
	CU_ASSERT_STRING_EQUAL(cpu_domain_name(CPU_DOM_USER), "user");
	CU_ASSERT_STRING_EQUAL(cpu_domain_name(CPU_DOM_DRIVER), "driver");
	cpu_destroy(NULL);
	cpu_destroy(c);
	cpu_destroy(c2); /* the failed create left c2 as it was */
	stats_destroy(st);
	sim_destroy(sim);
}

/* Destroying a cpu with jobs queued frees them (leaks show under ASan). */
static void test_destroy_busy(void)
{
	static struct fx f;

	CU_ASSERT_FATAL(fx_init(&f, 2) == 0);
	for (size_t i = 0; i < 100; i++) {
		f.on[i] = (int)(i % 2);
		f.cost[i] = 1000;
		submit_job(&f, i);
	}
	sim_run(f.sim, 2500);
	CHECK_EQ(f.ndone, 4);
	CHECK_EQ(cpu_core_backlog(f.core[0]), 48);
	sim_freeze(f.sim);
	fx_fini(&f);
}

/* --- threads and the scheduler -------------------------------------- */

/* A core of its own with threads: a cpu whose costs are cfg, one kernel
 * core, and up to four threads; jobs are recorded in f (f->core[0] is
 * the core). */
struct sfx {
	struct fx f;
	struct cpu_thread *t[4];
};

static int sfx_init(struct sfx *x, const struct cpu_cfg *cfg)
{
	struct fx *f = &x->f;

	memset(x, 0, sizeof(*x));
	f->resubmit = -1;
	f->sim = sim_create("native");
	f->st = f->sim ? stats_create(f->sim, 0, 0) : NULL;
	if (!f->st || cpu_new(f->sim, f->st, COMP, cfg, &f->cpu))
		return -1;
	f->core[0] = cpu_add_core(f->cpu, CPU_DOM_KERNEL, "kernel0");
	return f->core[0] ? 0 : -1;
}

/* Job id of cost f->cost[id] on thread t, recorded by job_done. */
static void thread_job(struct fx *f, struct cpu_thread *t, size_t id)
{
	struct cpu_job j = { 0 };

	cpu_job_add(&j, CPU_A_PROTO, f->cost[id]);
	if (cpu_thread_submit(t, &j, job_done, f, (void *)(uintptr_t)id))
		f->failed++;
}

/* Arrivals on threads: job id goes to thread x->t[f->on[id]] at
 * f->arrive[id]. */
static void thread_arrival(struct sim *sim, void *a, void *b)
{
	struct sfx *x = a;
	size_t id = (size_t)(uintptr_t)b;

	(void)sim;
	thread_job(&x->f, x->t[x->f.on[id]], id);
}

static int thread_arrivals(struct sfx *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sim_schedule_at(x->f.sim, x->f.arrive[i], thread_arrival,
				     x, (void *)(uintptr_t)i))
			return -1;
	return 0;
}

/* A histogram, read as results are: after the finish, which records the
 * values a thread holds back (struct stat_hold). */
static const struct stat_hist *hist_of(const struct fx *f, const char *comp,
				       const char *metric)
{
	struct stat_info si;

	cpu_finish(f->cpu);
	if (stats_find(f->st, comp, metric, &si) || si.kind != STAT_HIST)
		return NULL;
	return si.u.hist;
}

/* Busy time equals the time charged (jobs and the scheduler's context
 * switches) once the cores are idle. */
static void check_conservation(struct fx *f, size_t ncores)
{
	static const char *const cores[] = { COMP ".kernel0", COMP ".plain" };
	uint64_t busy = 0;

	cpu_finish(f->cpu);
	for (size_t i = 0; i < ncores; i++)
		busy += counter(f, cores[i], "busy");
	CHECK_EQ(busy, counter(f, COMP, "time"));
}

#define C_US SIM_US
#define C_NS SIM_NS

/* A normal job of 10 us preempted at 3 us by a real-time job of 2 us:
 * the RT job runs after one switch, the normal one resumes after a
 * second and finishes at 12 us + 2 switches. */
static void test_preemption(void)
{
	struct cpu_cfg k = test_costs;
	static struct sfx x;
	struct fx *f = &x.f;
	const sim_time c = k.ctxsw_ps; /* 1.5 us */
	const char *n = COMP ".kernel0.n", *r = COMP ".kernel0.r";
	const struct stat_hist *h;

	k.slice_ps = 10 * SIM_MS;
	CU_ASSERT_FATAL(sfx_init(&x, &k) == 0);
	x.t[0] = cpu_thread_create(f->core[0], "n", CPU_CLASS_NORMAL, 0);
	x.t[1] = cpu_thread_create(f->core[0], "r", CPU_CLASS_RT, 10);
	CU_ASSERT_FATAL(x.t[0] && x.t[1]);
	f->on[0] = 0, f->arrive[0] = 0, f->cost[0] = 10 * C_US;
	f->on[1] = 1, f->arrive[1] = 3 * C_US, f->cost[1] = 2 * C_US;
	CHECK_EQ_FATAL(thread_arrivals(&x, 2), 0);
	sim_run(f->sim, 100 * C_US);
	CHECK_EQ(f->failed, 0);
	CHECK_EQ(f->ndone, 2);
	CHECK_EQ(f->done[1], 3 * C_US + c + 2 * C_US);
	CHECK_EQ(f->done[0], 12 * C_US + 2 * c);
	CHECK_EQ(counter(f, COMP ".kernel0", "switches"), 2);
	CHECK_EQ(counter(f, COMP ".kernel0", "preemptions"), 1);
	CHECK_EQ(counter(f, COMP, "context_switches"), 2);
	CHECK_EQ(counter(f, COMP, "time.ctxsw"), (uint64_t)(2 * c));
	CHECK_EQ(counter(f, n, "preempted"), 1);
	CHECK_EQ(counter(f, n, "run"), 10 * C_US);
	CHECK_EQ(counter(f, r, "run"), 2 * C_US);
	/* n waits from 3 us while r is switched to and runs, and while it
	 * is switched back; r waits for its switch. */
	CHECK_EQ(counter(f, n, "wait"), (uint64_t)(2 * C_US + 2 * c));
	CHECK_EQ(counter(f, r, "wait"), (uint64_t)c);
	h = hist_of(f, r, "sched_latency");
	CU_ASSERT_FATAL(h != NULL);
	CHECK_EQ(h->hist.count, 1);
	CHECK_EQ(h->hist.max, c);
	h = hist_of(f, n, "sched_latency");
	CU_ASSERT_FATAL(h != NULL);
	CHECK_EQ(h->hist.count, 1);
	CHECK_EQ(h->hist.max, 0);
	check_conservation(f, 1);
	CHECK_EQ(counter(f, COMP ".kernel0", "busy"),
		 (uint64_t)(12 * C_US + 2 * c));
	CHECK_EQ(scalar(f, COMP ".kernel0", "util.rt"), 0.02);
	CHECK_EQ(scalar(f, COMP ".kernel0", "util.normal"), 0.1);
	/* Preempted, a job still took one engine event for its completion;
	 * the cancelled one does not run: arrivals 2, completions 2,
	 * switches 2. */
	CHECK_EQ(sim_events(f->sim), 6);
	fx_fini(f);
}

/* Real-time priorities: a higher one preempts, a preempted thread stays
 * at the head of its priority (ahead of one of equal priority that woke
 * later), equal priorities do not preempt each other. */
static void test_rt_priorities(void)
{
	struct cpu_cfg k = test_costs;
	static struct sfx x;
	struct fx *f = &x.f;

	k.ctxsw_ps = 0;
	CU_ASSERT_FATAL(sfx_init(&x, &k) == 0);
	x.t[0] = cpu_thread_create(f->core[0], "r1", CPU_CLASS_RT, 1);
	x.t[1] = cpu_thread_create(f->core[0], "r2", CPU_CLASS_RT, 2);
	x.t[2] = cpu_thread_create(f->core[0], "r1b", CPU_CLASS_RT, 1);
	CU_ASSERT_FATAL(x.t[0] && x.t[1] && x.t[2]);
	f->on[0] = 0, f->arrive[0] = 0, f->cost[0] = 5 * C_US;
	f->on[1] = 1, f->arrive[1] = 1 * C_US, f->cost[1] = 1 * C_US;
	f->on[2] = 2, f->arrive[2] = 1500 * C_NS, f->cost[2] = 1 * C_US;
	CHECK_EQ_FATAL(thread_arrivals(&x, 3), 0);
	sim_run(f->sim, 100 * C_US);
	CHECK_EQ(f->ndone, 3);
	CHECK_EQ(f->done[1], 2 * C_US);
	CHECK_EQ(f->done[0], 6 * C_US);
	CHECK_EQ(f->done[2], 7 * C_US);
	CHECK_EQ(counter(f, COMP ".kernel0", "preemptions"), 1);
	CHECK_EQ(counter(f, COMP ".kernel0", "switches"), 3);
	check_conservation(f, 1);
	fx_fini(f);
}

/* Two normal threads share a core by quanta of 1 us with switches of
 * 100 ns: a (2.5 us) and b (1.5 us) from 0 run a 0-1, b 1.1-2.1,
 * a 2.2-3.2, b 3.3-3.8 (done), a 3.9-4.4 (done). */
static void test_round_robin(void)
{
	struct cpu_cfg k = test_costs;
	static struct sfx x;
	struct fx *f = &x.f;

	k.ctxsw_ps = 100 * C_NS;
	k.slice_ps = 1 * C_US;
	CU_ASSERT_FATAL(sfx_init(&x, &k) == 0);
	x.t[0] = cpu_thread_create(f->core[0], "a", CPU_CLASS_NORMAL, 0);
	x.t[1] = cpu_thread_create(f->core[0], "b", CPU_CLASS_NORMAL, 0);
	CU_ASSERT_FATAL(x.t[0] && x.t[1]);
	f->on[0] = 0, f->cost[0] = 2500 * C_NS;
	f->on[1] = 1, f->cost[1] = 1500 * C_NS;
	thread_job(f, x.t[0], 0);
	thread_job(f, x.t[1], 1);
	sim_run(f->sim, 100 * C_US);
	CHECK_EQ(f->ndone, 2);
	CHECK_EQ(f->done[1], 3800 * C_NS);
	CHECK_EQ(f->done[0], 4400 * C_NS);
	CHECK_EQ(counter(f, COMP ".kernel0", "switches"), 4);
	CHECK_EQ(counter(f, COMP ".kernel0", "preemptions"), 0);
	CHECK_EQ(counter(f, COMP ".kernel0.a", "run"), 2500 * C_NS);
	CHECK_EQ(counter(f, COMP ".kernel0.a", "wait"), 1900 * C_NS);
	CHECK_EQ(counter(f, COMP ".kernel0.b", "wait"), 2300 * C_NS);
	check_conservation(f, 1);
	CHECK_EQ(counter(f, COMP ".kernel0", "busy"), 4400 * C_NS);

	/* Without a quantum the first runs to completion. */
	fx_fini(f);
	k.slice_ps = 0;
	CU_ASSERT_FATAL(sfx_init(&x, &k) == 0);
	x.t[0] = cpu_thread_create(f->core[0], "a", CPU_CLASS_NORMAL, 0);
	x.t[1] = cpu_thread_create(f->core[0], "b", CPU_CLASS_NORMAL, 0);
	f->on[0] = 0, f->cost[0] = 2500 * C_NS;
	f->on[1] = 1, f->cost[1] = 1500 * C_NS;
	thread_job(f, x.t[0], 0);
	thread_job(f, x.t[1], 1);
	sim_run(f->sim, 100 * C_US);
	CHECK_EQ(f->done[0], 2500 * C_NS);
	CHECK_EQ(f->done[1], 4100 * C_NS);
	fx_fini(f);
}

/* Idle states: a wake after an idle period of at least the residency
 * waits for the exit latency (the deep one after a long idle), once
 * however many threads wake meanwhile; a core without threads of its
 * own never sleeps. */
static void test_idle_exit(void)
{
	struct cpu_cfg k = test_costs;
	static struct sfx x;
	struct fx *f = &x.f;
	const struct stat_hist *h;
	struct cpu_core *plain;

	k.ctxsw_ps = 500 * C_NS;
	k.idle_exit_ps = 2 * C_US;
	k.idle_residency_ps = 2 * C_US;
	k.deep_exit_ps = 133 * C_US;
	k.deep_residency_ps = 600 * C_US;
	CU_ASSERT_FATAL(sfx_init(&x, &k) == 0);
	plain = cpu_add_core(f->cpu, CPU_DOM_USER, "plain");
	x.t[0] = cpu_thread_create(f->core[0], "t", CPU_CLASS_NORMAL, 0);
	x.t[1] = cpu_thread_create(f->core[0], "u", CPU_CLASS_NORMAL, 0);
	CU_ASSERT_FATAL(plain && x.t[0] && x.t[1]);
	for (size_t i = 0; i < 6; i++)
		f->cost[i] = 1 * C_US;
	f->arrive[0] = 0;	       /* idle 0: at once, done 1 */
	f->arrive[1] = 10 * C_US;      /* idle 9: C1, done 13 */
	f->arrive[2] = 13500 * C_NS;   /* idle 0.5: done 14.5 */
	f->arrive[3] = 1000 * C_US;    /* idle 985.5: C6, done 1134 */
	f->arrive[4] = 2000 * C_US;    /* C6 again: t runs 2133-2134 */
	f->on[5] = 1;		       /* u wakes while the core does */
	f->arrive[5] = 2000500 * C_NS; /* switch, done 2135.5 */
	CHECK_EQ_FATAL(thread_arrivals(&x, 6), 0);
	/* The plain core, idle for 10 us, starts at once. */
	f->core[1] = plain;
	f->on[6] = 1, f->arrive[6] = 10 * C_US, f->cost[6] = 1 * C_US;
	CU_ASSERT_FATAL(sim_schedule_at(f->sim, f->arrive[6], arrival, f,
					(void *)(uintptr_t)6) != 0);
	sim_run(f->sim, 3000 * C_US);
	CHECK_EQ(f->failed, 0);
	CHECK_EQ(f->ndone, 7);
	CHECK_EQ(f->done[0], 1 * C_US);
	CHECK_EQ(f->done[1], 13 * C_US);
	CHECK_EQ(f->done[2], 14500 * C_NS);
	CHECK_EQ(f->done[3], 1134 * C_US);
	CHECK_EQ(f->done[4], 2134 * C_US);
	CHECK_EQ(f->done[5], 2135500 * C_NS);
	CHECK_EQ(f->done[6], 11 * C_US);
	CHECK_EQ(counter(f, COMP ".kernel0", "idle_exits"), 3);
	CHECK_EQ(counter(f, COMP ".kernel0", "switches"), 1);
	h = hist_of(f, COMP ".kernel0.t", "sched_latency");
	CU_ASSERT_FATAL(h != NULL);
	CHECK_EQ(h->hist.count, 5);
	CHECK_EQ(h->hist.max, 133 * C_US);
	CHECK_EQ(hist_mean(&h->hist) * 5, (double)(2 + 133 + 133) * C_US);
	/* Exit latency is not busy time: busy is the 7 jobs and 1 switch. */
	CHECK_EQ(counter(f, COMP ".kernel0", "busy"), 6500 * C_NS);
	CHECK_EQ(counter(f, COMP ".plain", "busy"), 1 * C_US);
	check_conservation(f, 2);
	/* A core without threads of its own reports nothing new. */
	CHECK_EQ(counter(f, COMP ".plain", "switches"), UINT64_MAX);
	CU_ASSERT(isnan(scalar(f, COMP ".plain", "util.rt")));
	CHECK_EQ(scalar(f, COMP ".kernel0", "util.normal"),
		 6e6 / (double)sim_now(f->sim));
	fx_fini(f);
}

/* --- CFS: wakeup preemption ----------------------------------------- */

/* The CFS tunables of Linux (v6.5), before scaling. */
static struct cpu_cfg cfs_costs(void)
{
	struct cpu_cfg k = test_costs;

	k.normal_policy = CPU_NORMAL_CFS;
	k.cfs_latency_ps = 6 * SIM_MS;
	k.cfs_min_gran_ps = 750 * SIM_US;
	k.cfs_wakeup_gran_ps = 1 * SIM_MS;
	return k;
}

/* A CPU-bound normal thread h (one job of h_ps from 0) and a sleeper s
 * (jobs of 100 us at f->arrive[1..n]) on one core (the tunables are
 * unscaled: 1 + log2(1) = 1). */
static void sleeper_run(struct sfx *x, const struct cpu_cfg *k, sim_time h_ps,
			const sim_time *at, size_t n)
{
	struct fx *f = &x->f;

	CU_ASSERT_FATAL(sfx_init(x, k) == 0);
	x->t[0] = cpu_thread_create(f->core[0], "h", CPU_CLASS_NORMAL, 0);
	x->t[1] = cpu_thread_create(f->core[0], "s", CPU_CLASS_NORMAL, 0);
	CU_ASSERT_FATAL(x->t[0] && x->t[1]);
	f->on[0] = 0, f->arrive[0] = 0, f->cost[0] = h_ps;
	for (size_t i = 1; i <= n; i++)
		f->on[i] = 1, f->arrive[i] = at[i - 1], f->cost[i] = 100 * C_US;
	CHECK_EQ_FATAL(thread_arrivals(x, n + 1), 0);
	sim_run(f->sim, 1 * SIM_S);
	CHECK_EQ(f->failed, 0);
	CHECK_EQ(f->ndone, n + 1);
}

/* Hand traces of CFS (switch c = 1.5 us, sched_latency 6 ms, wakeup
 * granularity 1 ms, sleeper credit 3 ms):
 * 1. s wakes every 5 ms while h runs: h's virtual runtime is min_vruntime
 *    and s is placed 3 ms below it (place_entity), 3 ms > 1 ms, so s
 *    preempts at once: its scheduling latency is one switch, each time.
 *    h, preempted 20 times (wakes at 5 .. 100 ms), ends at
 *    100 ms + 20 (100 us + 2 c); the 21st wake (105 ms) finds the core
 *    idle and costs one switch.
 * 2. s's first wake at 0.5 ms: h has 0.5 ms of virtual runtime, s 0
 *    (placed at max(0, 0.5 - 3 ms)): 0.5 ms is not above the
 *    granularity, no preemption. h runs its slice, 6 ms / 2 threads,
 *    to 3 ms; then s (least virtual runtime) runs after a switch: done
 *    at 3.1 ms + c, latency 2.5 ms + c; h resumes after another switch
 *    and ends at 10.1 ms + 2 c.
 * 3. The same wake at 1.5 ms: 1.5 ms > 1 ms, s preempts: done at
 *    1.6 ms + c; h ends at 10.1 ms + 2 c.
 * 4. Case 2 under rr with the 10 ms quantum: s waits for h's job: done
 *    at 10.1 ms + c. */
static void test_cfs_wakeup(void)
{
	static struct sfx x;
	struct fx *f = &x.f;
	struct cpu_cfg k = cfs_costs();
	const sim_time c = k.ctxsw_ps;
	const char *s = COMP ".kernel0.s", *h = COMP ".kernel0.h";
	const struct stat_hist *lat;
	sim_time at[21];

	for (size_t i = 0; i < 21; i++)
		at[i] = (sim_time)(i + 1) * 5 * SIM_MS;
	sleeper_run(&x, &k, 100 * SIM_MS, at, 21);
	for (size_t i = 1; i <= 20; i++)
		CHECK_EQ(f->done[i], at[i - 1] + c + 100 * C_US);
	CHECK_EQ(f->done[0], 100 * SIM_MS + 20 * (100 * C_US + 2 * c));
	CHECK_EQ(f->done[21], 105 * SIM_MS + c + 100 * C_US);
	CHECK_EQ(counter(f, COMP ".kernel0", "preemptions"), 20);
	CHECK_EQ(counter(f, h, "preempted"), 20);
	CHECK_EQ(counter(f, COMP ".kernel0", "switches"), 41);
	CHECK_EQ(counter(f, h, "wait"), (uint64_t)(20 * (100 * C_US + 2 * c)));
	lat = hist_of(f, s, "sched_latency");
	CU_ASSERT_FATAL(lat != NULL);
	CHECK_EQ(lat->hist.count, 21);
	CHECK_EQ(lat->hist.max, c);
	CHECK_EQ(lat->hist.min, c);
	check_conservation(f, 1);
	CHECK_EQ(counter(f, COMP ".kernel0", "busy"),
		 (uint64_t)(100 * SIM_MS + 21 * (100 * C_US) + 41 * c));
	fx_fini(f);

	at[0] = 500 * C_US;
	sleeper_run(&x, &k, 10 * SIM_MS, at, 1);
	CHECK_EQ(f->done[1], 3100 * C_US + c);
	CHECK_EQ(f->done[0], 10100 * C_US + 2 * c);
	CHECK_EQ(counter(f, COMP ".kernel0", "preemptions"), 0);
	lat = hist_of(f, s, "sched_latency");
	CU_ASSERT_FATAL(lat != NULL);
	CHECK_EQ(lat->hist.max, 2500 * C_US + c);
	check_conservation(f, 1);
	fx_fini(f);

	at[0] = 1500 * C_US;
	sleeper_run(&x, &k, 10 * SIM_MS, at, 1);
	CHECK_EQ(f->done[1], 1600 * C_US + c);
	CHECK_EQ(f->done[0], 10100 * C_US + 2 * c);
	CHECK_EQ(counter(f, COMP ".kernel0", "preemptions"), 1);
	check_conservation(f, 1);
	fx_fini(f);

	k = test_costs;
	k.slice_ps = 10 * SIM_MS;
	at[0] = 500 * C_US;
	sleeper_run(&x, &k, 10 * SIM_MS, at, 1);
	CHECK_EQ(f->done[0], 10 * SIM_MS);
	CHECK_EQ(f->done[1], 10100 * C_US + c);
	check_conservation(f, 1);
	fx_fini(f);
}

/* CFS between two CPU-bound threads shares the core by slices of
 * sched_latency / 2 = 3 ms: a (7 ms) and b (4 ms) from 0 run a 0-3,
 * b 3-6 (+ c), a 6-9 (+ 2c), b 9-10 (+ 3c, done), a 10-11 (+ 4c,
 * done). */
static void test_cfs_slices(void)
{
	static struct sfx x;
	struct fx *f = &x.f;
	struct cpu_cfg k = cfs_costs();
	const sim_time c = k.ctxsw_ps;

	CU_ASSERT_FATAL(sfx_init(&x, &k) == 0);
	x.t[0] = cpu_thread_create(f->core[0], "a", CPU_CLASS_NORMAL, 0);
	x.t[1] = cpu_thread_create(f->core[0], "b", CPU_CLASS_NORMAL, 0);
	CU_ASSERT_FATAL(x.t[0] && x.t[1]);
	f->on[0] = 0, f->cost[0] = 7 * SIM_MS;
	f->on[1] = 1, f->cost[1] = 4 * SIM_MS;
	thread_job(f, x.t[0], 0);
	thread_job(f, x.t[1], 1);
	sim_run(f->sim, 1 * SIM_S);
	CHECK_EQ(f->ndone, 2);
	CHECK_EQ(f->done[1], 10 * SIM_MS + 3 * c);
	CHECK_EQ(f->done[0], 11 * SIM_MS + 4 * c);
	CHECK_EQ(counter(f, COMP ".kernel0", "switches"), 4);
	CHECK_EQ(counter(f, COMP ".kernel0", "preemptions"), 0);
	check_conservation(f, 1);
	fx_fini(f);
}

/* An interrupt only suspends the CFS thread it hits: a (10 ms) runs from
 * 0 with b (1 ms) waiting; an interrupt of 10 us at 1 ms; a resumes
 * without a switch and its 3 ms slice goes on, to 3.01 ms; b runs after a
 * switch (done 4.01 ms + c), a after another (done 11.01 ms + 2c). */
static void test_cfs_irq(void)
{
	static struct sfx x;
	struct fx *f = &x.f;
	struct cpu_cfg k = cfs_costs();
	const sim_time c = k.ctxsw_ps;

	CU_ASSERT_FATAL(sfx_init(&x, &k) == 0);
	x.t[0] = cpu_thread_create(f->core[0], "a", CPU_CLASS_NORMAL, 0);
	x.t[1] = cpu_thread_create(f->core[0], "b", CPU_CLASS_NORMAL, 0);
	x.t[2] = cpu_thread_create(f->core[0], "irq", CPU_CLASS_IRQ, 0);
	CU_ASSERT_FATAL(x.t[0] && x.t[1] && x.t[2]);
	f->on[0] = 0, f->arrive[0] = 0, f->cost[0] = 10 * SIM_MS;
	f->on[1] = 1, f->arrive[1] = 0, f->cost[1] = 1 * SIM_MS;
	f->on[2] = 2, f->arrive[2] = 1 * SIM_MS, f->cost[2] = 10 * C_US;
	CHECK_EQ_FATAL(thread_arrivals(&x, 3), 0);
	sim_run(f->sim, 1 * SIM_S);
	CHECK_EQ(f->ndone, 3);
	CHECK_EQ(f->done[2], 1010 * C_US);
	CHECK_EQ(f->done[1], 4010 * C_US + c);
	CHECK_EQ(f->done[0], 11010 * C_US + 2 * c);
	CHECK_EQ(counter(f, COMP ".kernel0", "preemptions"), 1);
	CHECK_EQ(counter(f, COMP ".kernel0", "switches"), 2);
	check_conservation(f, 1);
	fx_fini(f);
}

/* --- migration --------------------------------------------------------- */

/* Three CPU-bound threads a, b, c (10 ms each, from 0, in that order)
 * on kernel0 and an idle kernel1 of the same domain, CFS scaled by
 * 1 + log2(2) = 2 (slice 12 ms / 2 = 6 ms), switches of 1.5 us.
 * With idle_pull: b has to wait, kernel1 is idle and takes it (a switch:
 * the migration's cost), runs it 1.5 us to 10.0015 ms; kernel0 runs a
 * to 6 ms (its slice next to c), c from 6.0015 ms; kernel1, done with b,
 * pulls a (waiting) and runs its 4 ms left from 10.003 to 14.003 ms; c,
 * alone, ends at 16.0015 ms. Busy: kernel0 16.0015 ms, kernel1
 * 14.003 ms. Pinned, or with migration none, nothing moves. With a
 * migration cost (cache-hot time) of 5 ms, a, which ran until 6 ms, is
 * still hot when kernel1 goes idle at 10.0015 ms and stays; at
 * 12.0015 ms c's slice ends, a runs its 4 ms on kernel0 (c, just
 * stopped, is hot), then c its 4 ms: a done at 16.003 ms, c at
 * 20.0045 ms. */
static void migrate_run(struct sfx *x, enum cpu_migration mig, bool unpin,
			sim_time hot)
{
	struct fx *f = &x->f;
	struct cpu_cfg k = cfs_costs();
	static const char *const names[] = { "a", "b", "c" };

	k.migration = mig;
	k.migration_cost_ps = hot;
	CU_ASSERT_FATAL(sfx_init(x, &k) == 0);
	f->core[1] = cpu_add_core(f->cpu, CPU_DOM_KERNEL, "kernel1");
	CU_ASSERT_FATAL(f->core[1] != NULL);
	for (size_t i = 0; i < 3; i++) {
		x->t[i] = cpu_thread_create(f->core[0], names[i],
					    CPU_CLASS_NORMAL, 0);
		CU_ASSERT_FATAL(x->t[i] != NULL);
		if (unpin)
			CHECK_EQ(cpu_thread_unpin(x->t[i]), 0);
		f->on[i] = (int)i, f->cost[i] = 10 * SIM_MS;
	}
	for (size_t i = 0; i < 3; i++)
		thread_job(f, x->t[i], i);
	sim_run(f->sim, 1 * SIM_S);
	CHECK_EQ(f->failed, 0);
	CHECK_EQ(f->ndone, 3);
}

static void test_migration(void)
{
	static struct sfx x;
	struct fx *f = &x.f;
	const sim_time c = test_costs.ctxsw_ps;
	const struct stat_hist *lat;
	uint64_t sw;

	migrate_run(&x, CPU_MIGRATE_IDLE_PULL, true, 500 * C_US);
	CHECK_EQ(f->done[1], 10 * SIM_MS + c);
	CHECK_EQ(f->done[0], 14 * SIM_MS + 2 * c);
	CHECK_EQ(f->done[2], 16 * SIM_MS + c);
	CHECK_EQ(counter(f, COMP ".kernel1", "pulls"), 2);
	CHECK_EQ(counter(f, COMP ".kernel0", "pulls"), 0);
	CHECK_EQ(counter(f, COMP ".kernel0.a", "migrations"), 1);
	CHECK_EQ(counter(f, COMP ".kernel0.b", "migrations"), 1);
	CHECK_EQ(counter(f, COMP ".kernel0.c", "migrations"), 0);
	CHECK_EQ(counter(f, COMP ".kernel0", "switches"), 1);
	CHECK_EQ(counter(f, COMP ".kernel1", "switches"), 2);
	lat = hist_of(f, COMP ".kernel0.b", "sched_latency");
	CU_ASSERT_FATAL(lat != NULL);
	CHECK_EQ(lat->hist.max, c);
	cpu_finish(f->cpu);
	CHECK_EQ(counter(f, COMP ".kernel0", "busy"),
		 (uint64_t)(16 * SIM_MS + c));
	CHECK_EQ(counter(f, COMP ".kernel1", "busy"),
		 (uint64_t)(14 * SIM_MS + 2 * c));
	CHECK_EQ(counter(f, COMP ".kernel0", "busy") +
			 counter(f, COMP ".kernel1", "busy"),
		 counter(f, COMP, "time"));
	/* the normal class's time, switches aside: 16 ms on kernel0 (a,
	 * c), 14 ms on kernel1 (b, then a), credited where they ran */
	CHECK_EQ(scalar(f, COMP ".kernel0", "util.normal"),
		 (double)(16 * SIM_MS) / (double)sim_now(f->sim));
	CHECK_EQ(scalar(f, COMP ".kernel1", "util.normal"),
		 (double)(14 * SIM_MS) / (double)sim_now(f->sim));
	fx_fini(f);

	migrate_run(&x, CPU_MIGRATE_IDLE_PULL, true, 5 * SIM_MS);
	CHECK_EQ(f->done[1], 10 * SIM_MS + c);
	CHECK_EQ(f->done[0], 16 * SIM_MS + 2 * c);
	CHECK_EQ(f->done[2], 20 * SIM_MS + 3 * c);
	CHECK_EQ(counter(f, COMP ".kernel1", "pulls"), 1);
	CHECK_EQ(counter(f, COMP ".kernel0.a", "migrations"), 0);
	cpu_finish(f->cpu);
	CHECK_EQ(counter(f, COMP ".kernel0", "busy"),
		 (uint64_t)(20 * SIM_MS + 3 * c));
	CHECK_EQ(counter(f, COMP ".kernel1", "busy"),
		 (uint64_t)(10 * SIM_MS + c));
	fx_fini(f);

	/* Pinned threads stay: kernel1 never runs, kernel0 never idles
	 * until all three are done. */
	for (int pass = 0; pass < 2; pass++) {
		migrate_run(&x, pass ? CPU_MIGRATE_NONE : CPU_MIGRATE_IDLE_PULL,
			    pass == 1, 500 * C_US);
		cpu_finish(f->cpu);
		sw = counter(f, COMP ".kernel0", "switches");
		CHECK_EQ(counter(f, COMP ".kernel1", "busy"), 0);
		CHECK_EQ(counter(f, COMP ".kernel0", "busy"),
			 (uint64_t)(30 * SIM_MS) + sw * (uint64_t)c);
		CHECK_EQ((uint64_t)f->done[f->order[2]],
			 (uint64_t)(30 * SIM_MS) + sw * (uint64_t)c);
		CHECK_EQ(counter(f, COMP, "time"),
			 counter(f, COMP ".kernel0", "busy"));
		/* pinned (pass 0) or not (pass 1), the same 30 ms */
		CHECK_EQ(scalar(f, COMP ".kernel0", "util.normal"),
			 (double)(30 * SIM_MS) / (double)sim_now(f->sim));
		fx_fini(f);
	}
}

/* --- queueing theory ------------------------------------------------ */

/* A Poisson source of jobs on a thread: exponential gaps of mean gap_ps,
 * costs of mean cost_ps (fixed, or exponential); it sums the response
 * times (submission to completion) of jobs submitted from warm_ps on. */
struct psrc {
	struct rng *rng;
	struct cpu_thread *t;
	double gap_ps, cost_ps;
	bool exp_cost;
	uint64_t left; /* arrivals still to make */
	sim_time warm_ps;
	uint64_t n;
	double sum_ps;
	int failed;
};

static void psrc_done(struct sim *sim, void *a, void *b)
{
	struct psrc *p = a;
	sim_time at = (sim_time)(uintptr_t)b;

	if (at < p->warm_ps)
		return;
	p->n++;
	p->sum_ps += (double)(sim_now(sim) - at);
}

static void psrc_arrive(struct sim *sim, void *a, void *b)
{
	struct psrc *p = a;
	struct cpu_job j = { 0 };
	sim_time now = sim_now(sim);
	double cost =
		p->exp_cost ? rng_exponential(p->rng, p->cost_ps) : p->cost_ps;

	(void)b;
	cpu_job_add(&j, CPU_A_PROTO, (sim_time)llround(cost));
	if (cpu_thread_submit(p->t, &j, psrc_done, p, (void *)(uintptr_t)now))
		p->failed++;
	if (--p->left &&
	    !sim_schedule(sim,
			  (sim_time)llround(rng_exponential(p->rng, p->gap_ps)),
			  psrc_arrive, p, NULL))
		p->failed++;
}

static int psrc_start(struct sim *sim, struct psrc *p, const char *path,
		      uint64_t n)
{
	p->rng = rng_create(20261206, 0, path);
	p->left = n;
	if (!p->rng)
		return -1;
	return sim_schedule(
		       sim,
		       (sim_time)llround(rng_exponential(p->rng, p->gap_ps)),
		       psrc_arrive, p, NULL)
		       ? 0
		       : -1;
}

/* Scheduler costs off: no switch, no idle exit. */
static const struct cpu_cfg free_sched = {
	.copy_Bps = 10e9,
	.slice_ps = 10 * SIM_MS,
};

/* One normal thread, Poisson arrivals of fixed-cost jobs: M/D/1, whose
 * mean wait is rho S / (2 (1 - rho)). */
static double md1_run(const struct cpu_cfg *k)
{
	static struct sfx x;
	struct fx *f = &x.f;
	struct psrc p = { .gap_ps = 1e6 / 0.7,
			  .cost_ps = 1e6,
			  .warm_ps = 10 * SIM_MS };
	const double rho = 0.7, S = 1e6;
	const double W = rho * S / (2 * (1 - rho));
	double sum;

	CU_ASSERT_FATAL(sfx_init(&x, k) == 0);
	p.t = cpu_thread_create(f->core[0], "app", CPU_CLASS_NORMAL, 0);
	CU_ASSERT_FATAL(p.t != NULL);
	CU_ASSERT_FATAL(psrc_start(f->sim, &p, "test.cpu.md1", 1000000) == 0);
	sim_run(f->sim, 3 * SIM_S);
	CHECK_EQ(p.failed, 0);
	CHECK_EQ(cpu_core_backlog(f->core[0]), 0);
	CHECK_GT(p.n, 900000);
	CHECK_REL(p.sum_ps / (double)p.n - S, W, 0.03);
	/* One thread: never a switch nor a preemption. */
	CHECK_EQ(counter(f, COMP ".kernel0", "switches"), 0);
	CHECK_EQ(counter(f, COMP ".kernel0", "preemptions"), 0);
	CHECK_EQ(counter(f, COMP ".kernel0.app", "jobs"), 1000000);
	check_conservation(f, 1);
	CHECK_EQ(counter(f, COMP ".kernel0", "busy"), (uint64_t)1000000 * S);
	sum = p.sum_ps;
	rng_destroy(p.rng);
	fx_fini(f);
	return sum;
}

/* M/D/1 under rr and under cfs: a thread alone on its core, so the
 * policy changes nothing, to the picosecond. */
static void test_md1(void)
{
	struct cpu_cfg k = cfs_costs();
	double rr = md1_run(&free_sched);

	k.ctxsw_ps = 0;
	CHECK_EQ(md1_run(&k), rr);
}

/* A real-time and a normal thread on one core, Poisson arrivals and
 * exponential costs: the preemptive-resume priority M/G/1 (Kleinrock,
 * Queueing Systems vol. 2, 1976). Mean response of class k, with sigma_k
 * the load of classes 1..k and R_k = sum_{i<=k} lambda_i E[S_i^2] / 2:
 *   T_k = S_k / (1 - sigma_{k-1}) + R_k / ((1 - sigma_{k-1}) (1 - sigma_k))
 * so the high class sees W1 = S1 + lambda1 E[S1^2] / 2 / (1 - rho1) (the
 * low class does not exist for it) and the low one
 *   T2 = S2 / (1 - rho1) + R_2 / ((1 - rho1) (1 - rho1 - rho2)).
 * At rho1 = rho2 = 0.3 the second term alone is 64% of T2. */
static void test_priority_mg1(void)
{
	static struct sfx x;
	struct fx *f = &x.f;
	const double l1 = 0.3e-6, l2 = 0.4e-6, S1 = 1e6, S2 = 0.75e6;
	const double r1 = l1 * S1, r2 = l2 * S2;
	const double m1 = 2 * S1 * S1, m2 = 2 * S2 * S2; /* E[S^2], exp */
	const double W1 = l1 * m1 / 2 / (1 - r1) + S1;
	const double T2 = S2 / (1 - r1) + (l1 * m1 / 2 + l2 * m2 / 2) /
						  ((1 - r1) * (1 - r1 - r2));
	struct psrc hi = { .gap_ps = 1 / l1,
			   .cost_ps = S1,
			   .exp_cost = true,
			   .warm_ps = 10 * SIM_MS };
	struct psrc lo = { .gap_ps = 1 / l2,
			   .cost_ps = S2,
			   .exp_cost = true,
			   .warm_ps = 10 * SIM_MS };

	CU_ASSERT_FATAL(sfx_init(&x, &free_sched) == 0);
	hi.t = cpu_thread_create(f->core[0], "hi", CPU_CLASS_RT, 1);
	lo.t = cpu_thread_create(f->core[0], "lo", CPU_CLASS_NORMAL, 0);
	CU_ASSERT_FATAL(hi.t && lo.t);
	CU_ASSERT_FATAL(psrc_start(f->sim, &hi, "test.cpu.hi", 1200000) == 0);
	CU_ASSERT_FATAL(psrc_start(f->sim, &lo, "test.cpu.lo", 1600000) == 0);
	sim_run(f->sim, 10 * SIM_S);
	CHECK_EQ(hi.failed + lo.failed, 0);
	CHECK_EQ(cpu_core_backlog(f->core[0]), 0);
	CHECK_REL(hi.sum_ps / (double)hi.n, W1, 0.03);
	CHECK_REL(lo.sum_ps / (double)lo.n, T2, 0.03);
	CHECK_GT(counter(f, COMP ".kernel0", "preemptions"), 0);
	CHECK_EQ(counter(f, COMP ".kernel0.hi", "preempted"), 0);
	/* Switches of cost 0: busy is the jobs' work. */
	check_conservation(f, 1);
	CHECK_EQ(counter(f, COMP ".kernel0.hi", "run") +
			 counter(f, COMP ".kernel0.lo", "run"),
		 counter(f, COMP ".kernel0", "busy"));
	rng_destroy(hi.rng);
	rng_destroy(lo.rng);
	fx_fini(f);
}

/* cpu_cfg_load(): the scheduler's parameters from a scenario, and a deep
 * idle state that is not deeper than the shallow one refused with the
 * place of the value. */
static int load_cfg2(const char *set, const char *set2, struct cpu_cfg *cfg,
		     char *err, size_t errlen)
{
	const char *sets[] = { set, set2 };
	struct scn *s = NULL;
	struct param_src src;
	int rc;

	if (scn_load("tests/fixtures/driver-host.yaml", sets,
		     set2  ? 2
		     : set ? 1
			   : 0,
		     &s, err, errlen))
		return -100;
	src = scn_source(s);
	rc = cpu_cfg_load(cfg, &src, "hosts.h.cpu", err, errlen);
	scn_destroy(s);
	return rc;
}

static int load_cfg(const char *set, struct cpu_cfg *cfg, char *err,
		    size_t errlen)
{
	return load_cfg2(set, NULL, cfg, err, errlen);
}

static void test_cfg_load(void)
{
	struct cpu_cfg k;
	char err[512] = "";

	CHECK_EQ_FATAL(load_cfg(NULL, &k, err, sizeof(err)), 0);
	CHECK_EQ(k.normal_policy, CPU_NORMAL_CFS);
	CHECK_EQ(k.cfs_latency_ps, 6 * SIM_MS);
	CHECK_EQ(k.cfs_min_gran_ps, 750 * SIM_US);
	CHECK_EQ(k.cfs_wakeup_gran_ps, 1 * SIM_MS);
	CHECK_EQ(k.migration, CPU_MIGRATE_NONE);
	CHECK_EQ(k.slice_ps, 10 * SIM_MS);
	CHECK_EQ(k.idle_exit_ps, 2 * SIM_US);
	CHECK_EQ(k.idle_residency_ps, 2 * SIM_US);
	CHECK_EQ(k.deep_exit_ps, 133 * SIM_US);
	CHECK_EQ(k.deep_residency_ps, 600 * SIM_US);
	CHECK_EQ(load_cfg2("hosts.h.cpu.normal_policy=rr",
			   "hosts.h.cpu.time_slice=4ms", &k, err, sizeof(err)),
		 0);
	CHECK_EQ(k.normal_policy, CPU_NORMAL_RR);
	CHECK_EQ(k.slice_ps, 4 * SIM_MS);
	CHECK_EQ(load_cfg2("hosts.h.cpu.migration=idle_pull",
			   "hosts.h.cpu.cfs.wakeup_granularity=3ms", &k, err,
			   sizeof(err)),
		 0);
	CHECK_EQ(k.migration, CPU_MIGRATE_IDLE_PULL);
	CHECK_EQ(k.migration_cost_ps, 500 * SIM_US);
	CHECK_EQ(k.cfs_wakeup_gran_ps, 3 * SIM_MS);
	err[0] = 0;
	CHECK_EQ(load_cfg("hosts.h.cpu.migration_cost=1ms", &k, err,
			  sizeof(err)),
		 -EINVAL);
	CHECKF(strstr(err, "migration_cost") && strstr(err, "migration: none"),
	       "message: %s", err);
	/* A parameter of the other policy is refused, with its place. */
	err[0] = 0;
	CHECK_EQ(load_cfg("hosts.h.cpu.time_slice=4ms", &k, err, sizeof(err)),
		 -EINVAL);
	CHECKF(strstr(err, "time_slice") && strstr(err, "normal_policy rr"),
	       "message: %s", err);
	CHECKF(!strncmp(err, "--set:1:", 8), "no place in: %s", err);
	err[0] = 0;
	CHECK_EQ(load_cfg2("hosts.h.cpu.normal_policy=rr",
			   "hosts.h.cpu.cfs.latency=3ms", &k, err, sizeof(err)),
		 -EINVAL);
	CHECKF(strstr(err, "cfs.latency") && strstr(err, "normal_policy cfs"),
	       "message: %s", err);
	CHECKF(!strncmp(err, "--set:2:", 8), "no place in: %s", err);
	/* No deep state at all is fine. */
	CHECK_EQ(
		load_cfg("hosts.h.cpu.idle_deep_exit=0s", &k, err, sizeof(err)),
		0);
	CHECK_EQ(k.deep_exit_ps, 0);
	err[0] = 0;
	CHECK_EQ(load_cfg("hosts.h.cpu.idle_deep_exit=1us", &k, err,
			  sizeof(err)),
		 -EINVAL);
	CHECKF(strstr(err, "idle_deep_exit") && strstr(err, "not deeper"),
	       "message: %s", err);
	err[0] = 0;
	CHECK_EQ(load_cfg("hosts.h.cpu.idle_deep_residency=1us", &k, err,
			  sizeof(err)),
		 -EINVAL);
	CHECKF(strstr(err, "idle_deep_residency") != NULL, "message: %s", err);
	CHECKF(!strncmp(err, "--set:1:", 8), "no place in: %s", err);
}

int suite_cpu(void)
{
	CU_pSuite s = CU_add_suite("cpu", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "FIFO on one core", test_fifo_one_core) ||
	    !CU_add_test(s, "backlog", test_backlog) ||
	    !CU_add_test(s, "two cores in parallel", test_two_cores) ||
	    !CU_add_test(s, "resubmit from a callback", test_resubmit) ||
	    !CU_add_test(s, "zero-cost jobs", test_zero_cost) ||
	    !CU_add_test(s, "charges and counters", test_charges) ||
	    !CU_add_test(s, "every account", test_every_account) ||
	    !CU_add_test(s, "a thread alone on its core", test_alone) ||
	    !CU_add_test(s, "copy rounding", test_copy_rounding) ||
	    !CU_add_test(s, "run queue growth", test_growth) ||
	    !CU_add_test(s, "finish with a job in service",
			 test_finish_in_service) ||
	    !CU_add_test(s, "errors and names", test_errors_and_names) ||
	    !CU_add_test(s, "destroy with jobs queued", test_destroy_busy) ||
	    !CU_add_test(s, "preemption by a real-time thread",
			 test_preemption) ||
	    !CU_add_test(s, "real-time priorities", test_rt_priorities) ||
	    !CU_add_test(s, "round robin by quanta", test_round_robin) ||
	    !CU_add_test(s, "idle exit latency", test_idle_exit) ||
	    !CU_add_test(s, "CFS wakeup preemption", test_cfs_wakeup) ||
	    !CU_add_test(s, "CFS slices", test_cfs_slices) ||
	    !CU_add_test(s, "CFS and an interrupt", test_cfs_irq) ||
	    !CU_add_test(s, "migration by idle pull", test_migration) ||
	    !CU_add_test(s, "M/D/1 on a thread", test_md1) ||
	    !CU_add_test(s, "preemptive priority M/G/1", test_priority_mg1) ||
	    !CU_add_test(s, "scheduler parameters", test_cfg_load))
		return CU_get_error();
	return 0;
}
