/*
 * test_irq.c - interrupts and polling on the host's cores (models/cpu.c:
 * the irq class and busy-polling cores; models/nic.c: interrupts and
 * timed polls as jobs; sim/run/topo_host.c: where they land).
 *
 * - The irq class on a core: an interrupt preempts a real-time job at
 *   once and without a context switch, and the job resumes without one
 *   (preemptive resume): a 10 us job interrupted at 3 us by a 2 us
 *   interrupt ends at exactly 12 us, with no switch charged.
 * - A busy-polling core is busy for the whole run: its idle time is
 *   charged to the account poll as it passes, so that time == busy.
 * - On a host: every interrupt costs irq_cost on its core (time.irq ==
 *   interrupts x irq_cost, counted on the core it lands on); with one
 *   interrupt per frame and constant spacing, every packet's latency
 *   grows by exactly irq_cost over irq_cost 0 (min, max and mean); busy
 *   polling keeps kernel0 busy for exactly the run's length; a timed
 *   poll is a job each interval (polls == duration / interval,
 *   time.poll == polls x poll_cost).
 * - Refusals: an irq_core no core has, an irq_core with busy polling, an
 *   irq_core on a host without cores.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"
#include "runs.h"
#include "scenario.h"
#include "stats.h"
#include "util.h"

#define COMP "hosts.h.cpu"

static const struct cpu_cfg irq_costs = {
	.syscall_ps = 250000,
	.ctxsw_ps = 1500000,
	.wakeup_same_ps = 400000,
	.wakeup_cross_ps = 2000000,
	.copy_Bps = 10e9,
};

struct ifx {
	struct sim *sim;
	struct stats *st;
	struct cpu *cpu;
	struct cpu_core *core;
	struct cpu_thread *t[2];
	sim_time done[2];
	sim_time cost[2];
};

static int ifx_init(struct ifx *f)
{
	struct model_env env;
	char err[128];

	memset(f, 0, sizeof(*f));
	f->sim = sim_create("native");
	f->st = f->sim ? stats_create(f->sim, 0, 0) : NULL;
	if (!f->st)
		return -1;
	env = (struct model_env){ .sim = f->sim,
				  .st = f->st,
				  .component = COMP };
	if (cpu_create(&irq_costs, &env, &f->cpu, err, sizeof(err)))
		return -1;
	f->core = cpu_add_core(f->cpu, CPU_DOM_KERNEL, "kernel0");
	return f->core ? 0 : -1;
}

static void ifx_fini(struct ifx *f)
{
	cpu_destroy(f->cpu);
	stats_destroy(f->st);
	sim_destroy(f->sim);
}

static uint64_t icounter(const struct ifx *f, const char *comp,
			 const char *metric)
{
	struct stat_info si;

	if (stats_find(f->st, comp, metric, &si) || si.kind != STAT_COUNTER)
		return UINT64_MAX;
	return *si.u.counter;
}

static double iscalar(const struct ifx *f, const char *comp, const char *metric)
{
	struct stat_info si;

	if (stats_find(f->st, comp, metric, &si) || si.kind != STAT_SCALAR)
		return NAN;
	return si.u.scalar;
}

static void idone(struct sim *sim, void *a, void *b)
{
	struct ifx *f = a;

	f->done[(uintptr_t)b] = sim_now(sim);
}

/* Job k of f->cost[k] on thread t[k], account irq for the interrupt. */
static void iarrive(struct sim *sim, void *a, void *b)
{
	struct ifx *f = a;
	uintptr_t k = (uintptr_t)b;
	struct cpu_job j = { 0 };

	(void)sim;
	cpu_job_add(&j, k ? CPU_A_IRQ : CPU_A_PROTO, f->cost[k]);
	CU_ASSERT(cpu_thread_submit(f->t[k], &j, idone, f, b) == 0);
}

/* A real-time job of 10 us from 0, an interrupt of 2 us at 3 us: the
 * interrupt runs at once (no switch), the job resumes at 5 us and ends
 * at 12 us; no context switch is charged, the core has been busy 12 us,
 * and the interrupt is counted on the core. */
static void test_irq_preempts(void)
{
	static struct ifx x;
	struct ifx *f = &x;
	const char *r = COMP ".kernel0.r";

	CU_ASSERT_FATAL(ifx_init(f) == 0);
	f->t[0] = cpu_thread_create(f->core, "r", CPU_CLASS_RT, 99);
	f->t[1] = cpu_thread_create(f->core, "irq", CPU_CLASS_IRQ, 0);
	CU_ASSERT_FATAL(f->t[0] && f->t[1]);
	/* an interrupt thread has no priority */
	CU_ASSERT(cpu_thread_create(f->core, "irq2", CPU_CLASS_IRQ, 5) == NULL);
	f->cost[0] = 10 * SIM_US;
	f->cost[1] = 2 * SIM_US;
	CU_ASSERT_FATAL(sim_schedule_at(f->sim, 0, iarrive, f, (void *)0) != 0);
	CU_ASSERT_FATAL(sim_schedule_at(f->sim, 3 * SIM_US, iarrive, f,
					(void *)1) != 0);
	sim_run(f->sim, 100 * SIM_US);
	CHECK_EQ(f->done[1], 5 * SIM_US);
	CHECK_EQ(f->done[0], 12 * SIM_US);
	CHECK_EQ(icounter(f, COMP ".kernel0", "switches"), 0);
	CHECK_EQ(icounter(f, COMP, "time.ctxsw"), 0);
	CHECK_EQ(icounter(f, COMP ".kernel0", "preemptions"), 1);
	CHECK_EQ(icounter(f, r, "preempted"), 1);
	CHECK_EQ(icounter(f, r, "run"), 10 * SIM_US);
	CHECK_EQ(icounter(f, r, "wait"), 2 * SIM_US);
	CHECK_EQ(icounter(f, COMP ".kernel0", "interrupts"), 1);
	CHECK_EQ(icounter(f, COMP, "time.irq"), 2 * SIM_US);
	cpu_finish(f->cpu);
	CHECK_EQ(icounter(f, COMP ".kernel0", "busy"), 12 * SIM_US);
	CHECK_EQ(icounter(f, COMP, "time"), 12 * SIM_US);
	CHECK_EQ(iscalar(f, COMP ".kernel0", "util.irq"), 0.02);
	CHECK_EQ(iscalar(f, COMP ".kernel0", "util.rt"), 0.1);
	ifx_fini(f);
}

/* A core whose only threads of their own are interrupt threads does not
 * sleep (idle exit set to 2 us after 2 us idle): an interrupt 50 us into
 * an idle period starts at once. */
static void test_irq_no_sleep(void)
{
	static struct ifx x;
	struct ifx *f = &x;
	struct cpu_cfg k = irq_costs;

	CU_ASSERT_FATAL(ifx_init(f) == 0);
	cpu_destroy(f->cpu);
	k.idle_exit_ps = 2 * SIM_US;
	k.idle_residency_ps = 2 * SIM_US;
	{
		struct model_env env = { .sim = f->sim,
					 .st = NULL,
					 .component = COMP ".b" };
		char err[128];

		env.st = f->st;
		CU_ASSERT_FATAL(
			cpu_create(&k, &env, &f->cpu, err, sizeof(err)) == 0);
	}
	f->core = cpu_add_core(f->cpu, CPU_DOM_KERNEL, "kernel0");
	CU_ASSERT_FATAL(f->core != NULL);
	f->t[0] = cpu_thread_create(f->core, "irq0", CPU_CLASS_IRQ, 0);
	f->t[1] = cpu_thread_create(f->core, "irq", CPU_CLASS_IRQ, 0);
	CU_ASSERT_FATAL(f->t[0] && f->t[1]);
	f->cost[0] = 1 * SIM_US;
	f->cost[1] = 1 * SIM_US;
	CU_ASSERT_FATAL(sim_schedule_at(f->sim, 50 * SIM_US, iarrive, f,
					(void *)1) != 0);
	sim_run(f->sim, 100 * SIM_US);
	CHECK_EQ(f->done[1], 51 * SIM_US);
	CHECK_EQ(icounter(f, COMP ".b.kernel0", "idle_exits"), 0);
	ifx_fini(f);
}

/* A busy-polling core with one job of 1 us at 5 us: by 20 us it has
 * been busy 20 us, 19 of them polling, and time == busy. */
static void test_spin(void)
{
	static struct ifx x;
	struct ifx *f = &x;

	CU_ASSERT_FATAL(ifx_init(f) == 0);
	cpu_core_spin(f->core);
	f->cost[0] = 1 * SIM_US;
	f->t[0] = cpu_thread_create(f->core, "r", CPU_CLASS_RT, 10);
	CU_ASSERT_FATAL(f->t[0] != NULL);
	CU_ASSERT_FATAL(sim_schedule_at(f->sim, 5 * SIM_US, iarrive, f,
					(void *)0) != 0);
	sim_run(f->sim, 20 * SIM_US);
	CHECK_EQ(f->done[0], 6 * SIM_US); /* no idle exit: it never slept */
	cpu_finish(f->cpu);
	CHECK_EQ(icounter(f, COMP ".kernel0", "busy"), 20 * SIM_US);
	CHECK_EQ(icounter(f, COMP, "time.poll"), 19 * SIM_US);
	CHECK_EQ(icounter(f, COMP, "time"), 20 * SIM_US);
	CHECK_EQ(iscalar(f, COMP ".kernel0", "utilization"), 1.0);
	CHECK_EQ(iscalar(f, COMP ".kernel0", "util.poll"), 0.95);
	CHECK_EQ(icounter(f, COMP ".kernel0", "idle_exits"), 0);
	ifx_fini(f);
}

/* One-way traffic through user-space stacks; the server's NIC as the
 * caller sets it. */
static const char irq_yaml[] =
	"name: irq-pair\n"
	"duration: 20ms\n"
	"warmup: 1ms\n"
	"seed: 1\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false }, rx_mode: poll, poll_interval: 0 }\n"
	"    cpu: { idle_exit: 0, idle_deep_exit: 0 }\n"
	"  server:\n"
	"    nic: { iommu: { enabled: false }, irq_packets: 1, irq_time: 0 }\n"
	"    cpu: { idle_exit: 0, idle_deep_exit: 0 }\n"
	"network: { kind: link, rate: 10Gbps }\n"
	"apps:\n"
	"  a: { host: client, peer: server, pattern: cbr, rate: 10kpps,\n"
	"       size: 64B, stack: user }\n";

/* An interrupt per frame: time.irq == interrupts x irq_cost, all on
 * kernel0; with constant spacing every packet's latency is exactly
 * irq_cost longer than with a free interrupt. */
static void test_irq_closed_form(void)
{
	static const char *const free_irq[] = { "hosts.server.nic.irq_cost=0" };
	struct run_result r, r0;
	struct scn *s = NULL;
	const struct hist *h, *h0;
	double irqs, cost;

	if (tr_run_text(irq_yaml, NULL, 0, &r, &s))
		return;
	if (tr_run_text(irq_yaml, free_irq, 1, &r0, NULL)) {
		run_result_fini(&r);
		scn_destroy(s);
		return;
	}
	cost = (double)scn_time(s, "hosts.server.nic.irq_cost");
	irqs = tr_metric(&r, "hosts.server.nic", "interrupts");
	SAY("irq: %.0f interrupts of %.0f ps\n", irqs, cost);
	CHECK_EQ(cost, 1500000);
	/* 10 kpps for 20 ms: 200 frames, each its own interrupt (the last
	 * may still be on its way) */
	CHECKF(irqs >= 199 && irqs <= 200, "%.0f interrupts", irqs);
	CHECK_EQ(irqs, tr_metric(&r, "hosts.server.nic", "rx_delivered"));
	CHECK_EQ(tr_metric(&r, "hosts.server.cpu", "time.irq"), irqs * cost);
	CHECK_EQ(tr_metric(&r, "hosts.server.cpu.kernel0", "interrupts"), irqs);
	CHECK_EQ(tr_metric(&r0, "hosts.server.cpu", "time.irq"), 0);
	h = tr_histo(&r, "apps.a", "latency");
	h0 = tr_histo(&r0, "apps.a", "latency");
	CU_ASSERT_FATAL(h && h0);
	CHECK_EQ(h->count, h0->count);
	CHECKF(h->count >= 180, "%llu packets", (unsigned long long)h->count);
	CHECK_EQ(h->min - h0->min, (int64_t)cost);
	CHECK_EQ(h->max - h0->max, (int64_t)cost);
	CHECKF(fabs(tr_metric(&r, "apps.a", "latency") -
		    tr_metric(&r0, "apps.a", "latency") - cost) < 1,
	       "mean latency %.1f vs %.1f ps",
	       tr_metric(&r, "apps.a", "latency"),
	       tr_metric(&r0, "apps.a", "latency"));
	run_result_fini(&r);
	run_result_fini(&r0);
	scn_destroy(s);
}

/* Busy polling: kernel0 of the server is busy for exactly the run;
 * timed polls: one job every poll_interval, frames or not. */
static void test_polling(void)
{
	static const char *const busy[] = {
		"hosts.server.nic.rx_mode=poll",
		"hosts.server.nic.poll_interval=0"
	};
	static const char *const timed[] = {
		"hosts.server.nic.rx_mode=poll",
		"hosts.server.nic.poll_interval=10us"
	};
	struct run_result r;
	struct scn *s = NULL;
	double dur, polls, pc;

	if (tr_run_text(irq_yaml, busy, 2, &r, &s))
		return;
	dur = (double)scn_time(s, "duration");
	CHECK_EQ(tr_metric(&r, "hosts.server.cpu.kernel0", "busy"), dur);
	CHECK_EQ(tr_metric(&r, "hosts.server.cpu.kernel0", "utilization"), 1);
	CHECKF(tr_metric(&r, "hosts.server.cpu", "time.poll") > 0.9 * dur,
	       "time.poll %.0f",
	       tr_metric(&r, "hosts.server.cpu", "time.poll"));
	CHECK_EQ(tr_metric(&r, "hosts.server.nic", "interrupts"), 0);
	run_result_fini(&r);
	scn_destroy(s);

	if (tr_run_text(irq_yaml, timed, 2, &r, &s))
		return;
	polls = tr_metric(&r, "hosts.server.nic", "polls");
	pc = (double)scn_time(s, "hosts.server.nic.poll_cost");
	/* polls at 10, 20, ... 20000 us */
	CHECK_EQ(polls, 2000);
	CHECK_EQ(tr_metric(&r, "hosts.server.cpu", "time.poll"), polls * pc);
	CHECK_EQ(tr_metric(&r, "hosts.server.cpu.kernel0", "interrupts"),
		 polls);
	CHECK_EQ(tr_metric(&r, "hosts.server.nic", "interrupts"), 0);
	run_result_fini(&r);
	scn_destroy(s);
}

/* Loads the pair with sets and runs it: refused, saying want at the
 * last set's place. */
static void irq_refused(const char *const *sets, size_t n, const char *want)
{
	char path[64], err[512], where[32];
	struct scn *s = NULL;
	struct run_result r;
	int rc;

	CHECK_EQ_FATAL(tu_write_tmp(path, sizeof(path), irq_yaml), 0);
	rc = scn_load(path, sets, n, &s, err, sizeof(err));
	if (!rc) {
		rc = run_scenario(s, 0, &r, err, sizeof(err));
		if (!rc)
			run_result_fini(&r);
	}
	CHECKF(rc != 0, "accepted: %s", want);
	CHECKF(rc == 0 || strstr(err, want), "'%s' does not say '%s'", err,
	       want);
	snprintf(where, sizeof(where), "--set:%zu:", n);
	CHECKF(rc == 0 || strstr(err, where) == err,
	       "'%s' does not start with %s", err, where);
	scn_destroy(s);
	unlink(path);
}

static void test_irq_refusals(void)
{
	static const char *const nocore[] = {
		"hosts.server.nic.irq_core=kernel7"
	};
	static const char *const busy[] = {
		"hosts.server.nic.rx_mode=poll",
		"hosts.server.nic.irq_core=kernel0"
	};
	static const char *const nocpu[] = {
		"apps.a.stack=none", "hosts.server.nic.irq_core=kernel0"
	};

	irq_refused(nocore, 1, "irq_core: no core of that name");
	irq_refused(nocpu, 2, "irq_core: the host has no cores");
	irq_refused(busy, 2, "irq_core: a busy-polling NIC");
}

int suite_irq(void)
{
	CU_pSuite s = CU_add_suite("irq", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "an interrupt preempts without a switch",
			 test_irq_preempts) ||
	    !CU_add_test(s, "interrupt threads do not make a core sleep",
			 test_irq_no_sleep) ||
	    !CU_add_test(s, "a busy-polling core is busy all the time",
			 test_spin) ||
	    !CU_add_test(s, "interrupt cost: exact count and closed form",
			 test_irq_closed_form) ||
	    !CU_add_test(s, "busy and timed polling", test_polling) ||
	    !CU_add_test(s, "refused combinations", test_irq_refusals))
		return CU_get_error();
	return 0;
}
