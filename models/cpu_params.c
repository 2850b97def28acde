/*
 * cpu_params.c - parameters of a host's cores (`hosts.NAME.cpu`): how
 * many serve the kernel, what a syscall, a context switch, a wakeup and a
 * copy cost, the scheduler's policy for normal threads (CFS or round
 * robin), migration, and its idle states (models/cpu.c
 * describes the model, docs/models/cpu.md the sources).
 *
 * The costs matter only for apps that choose a stack (apps.*.stack:
 * kernel or user); the quantum and the idle states only for cores with
 * threads of their own. Defaults come from the public figures in
 * reference/calibration.md, Linux's CFS (kernel/sched/fair.c), XNU's
 * scheduler and Linux's intel_idle tables.
 */
#include <errno.h>
#include <string.h>

#include "cpu.h"
#include "errmsg.h"
#include "models.h"

/* A deep idle state must be deeper than the shallow one. */
static int cpu_idle_check(const struct cpu_cfg *cfg,
			  const struct param_src *src, const char *prefix,
			  char *err, size_t errlen)
{
	char where[256];
	const char *key;

	if (cfg->deep_exit_ps <= 0)
		return 0;
	if (cfg->deep_exit_ps <= cfg->idle_exit_ps)
		key = "idle_deep_exit";
	else if (cfg->deep_residency_ps <= cfg->idle_residency_ps)
		key = "idle_deep_residency";
	else
		return 0;
	param_where(src, prefix, key, where, sizeof(where));
	errmsg(err, errlen,
	       "%s: %s: the deep idle state (exit %lld ps, residency %lld ps) is not deeper than the shallow one (exit %lld ps, residency %lld ps); set idle_deep_exit: 0 for none",
	       where, key, (long long)cfg->deep_exit_ps,
	       (long long)cfg->deep_residency_ps, (long long)cfg->idle_exit_ps,
	       (long long)cfg->idle_residency_ps);
	return -EINVAL;
}

/* A normal-class thread has no priority. */
static int cpu_bg_check(const struct cpu_cfg *cfg, const struct param_src *src,
			const char *prefix, char *err, size_t errlen)
{
	char where[256];

	if (cfg->bg_class != CPU_CLASS_NORMAL ||
	    !param_given(src, prefix, "background.priority"))
		return 0;
	param_where(src, prefix, "background.priority", where, sizeof(where));
	errmsg(err, errlen,
	       "%s: background.priority: a normal-class background has no priority; set background.class: rt to give one",
	       where);
	return -EINVAL;
}

/* time_slice is round robin's, cfs.* are CFS's: given with the other
 * policy they would do nothing. */
static int cpu_policy_check(const struct cpu_cfg *cfg,
			    const struct param_src *src, const char *prefix,
			    char *err, size_t errlen)
{
	static const char *const cfs_keys[] = { "cfs.latency",
						"cfs.min_granularity",
						"cfs.wakeup_granularity" };
	char where[256];
	const char *key = NULL;

	if (cfg->normal_policy == CPU_NORMAL_CFS) {
		if (param_given(src, prefix, "time_slice"))
			key = "time_slice";
	} else {
		for (size_t i = 0; i < 3 && !key; i++)
			if (param_given(src, prefix, cfs_keys[i]))
				key = cfs_keys[i];
	}
	if (!key && cfg->migration == CPU_MIGRATE_NONE &&
	    param_given(src, prefix, "migration_cost")) {
		param_where(src, prefix, "migration_cost", where,
			    sizeof(where));
		errmsg(err, errlen,
		       "%s: migration_cost: threads do not migrate (migration: none); set migration: idle_pull to use it",
		       where);
		return -EINVAL;
	}
	if (!key)
		return 0;
	param_where(src, prefix, key, where, sizeof(where));
	errmsg(err, errlen,
	       "%s: %s: a parameter of normal_policy %s, which is not the policy here (normal_policy: %s)",
	       where, key, cfg->normal_policy == CPU_NORMAL_CFS ? "rr" : "cfs",
	       cfg->normal_policy == CPU_NORMAL_CFS ? "cfs" : "rr");
	return -EINVAL;
}

int cpu_cfg_load(struct cpu_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen)
{
	cfg->kernel_cores = (unsigned)param_int(src, prefix, "kernel_cores");
	cfg->syscall_ps = param_time(src, prefix, "syscall");
	cfg->ctxsw_ps = param_time(src, prefix, "context_switch");
	cfg->wakeup_same_ps = param_time(src, prefix, "wakeup_same");
	cfg->wakeup_cross_ps = param_time(src, prefix, "wakeup_cross");
	cfg->copy_Bps = param_double(src, prefix, "copy_bw") / 8;
	cfg->normal_policy =
		!strcmp(param_str(src, prefix, "normal_policy"), "rr")
			? CPU_NORMAL_RR
			: CPU_NORMAL_CFS;
	cfg->slice_ps = param_time(src, prefix, "time_slice");
	cfg->cfs_latency_ps = param_time(src, prefix, "cfs.latency");
	cfg->cfs_min_gran_ps = param_time(src, prefix, "cfs.min_granularity");
	cfg->cfs_wakeup_gran_ps =
		param_time(src, prefix, "cfs.wakeup_granularity");
	cfg->migration =
		!strcmp(param_str(src, prefix, "migration"), "idle_pull")
			? CPU_MIGRATE_IDLE_PULL
			: CPU_MIGRATE_NONE;
	cfg->migration_cost_ps = param_time(src, prefix, "migration_cost");
	cfg->idle_exit_ps = param_time(src, prefix, "idle_exit");
	cfg->idle_residency_ps = param_time(src, prefix, "idle_residency");
	cfg->deep_exit_ps = param_time(src, prefix, "idle_deep_exit");
	cfg->deep_residency_ps = param_time(src, prefix, "idle_deep_residency");
	cfg->bg_core = param_str(src, prefix, "background.core");
	cfg->bg_class =
		!strcmp(param_str(src, prefix, "background.class"), "rt")
			? CPU_CLASS_RT
			: CPU_CLASS_NORMAL;
	cfg->bg_prio = cfg->bg_class == CPU_CLASS_RT
			       ? (unsigned)param_int(src, prefix,
						     "background.priority")
			       : 0;
	cfg->bg_load = param_double(src, prefix, "background.load");
	cfg->bg_cost_ps = param_time(src, prefix, "background.cost");
	cfg->bg_periodic = !strcmp(param_str(src, prefix, "background.pattern"),
				   "periodic");
	if (cpu_bg_check(cfg, src, prefix, err, errlen) ||
	    cpu_policy_check(cfg, src, prefix, err, errlen))
		return -EINVAL;
	return cpu_idle_check(cfg, src, prefix, err, errlen);
}

const struct param_def
	cpu_params[] = {
		{ "hosts.*.cpu.kernel_cores", PT_INT, "1", NULL, 1, 1024,
		  "cores of the kernel domain, serving the flow switch's RX (each app's end of a flow has a core of its own in its user domain)",
		  "usnsim: one kernel core keeps contention visible; raise it to spread RX like RSS" },
		{ "hosts.*.cpu.syscall", PT_TIME, "200ns", NULL, 0, 1e9,
		  "CPU time of one syscall or trap (entry and return)",
		  "real syscall 122-762 ns across Xeon hosts, ~170 ns on a KVM guest (gms.tf, reference/calibration.md)" },
		{ "hosts.*.cpu.context_switch", PT_TIME, "1.1us", NULL, 0, 1e9,
		  "CPU time of switching to a woken thread (and of the scheduler's switch between two threads on a core)",
		  "context switch between threads, pipe ping-pong ~1.1 us, Linux 6.x (reference/calibration.md)" },
		{ "hosts.*.cpu.wakeup_cross", PT_TIME, "2us", NULL, 0, 1e9,
		  "CPU time the waker pays to wake a thread on another core (IPI and run-queue insert)",
		  "cross-core wakeup: a few us on bare metal (reference/calibration.md)" },
		{ "hosts.*.cpu.wakeup_same", PT_TIME, "500ns", NULL, 0, 1e9,
		  "CPU time the waker pays to wake a thread on its own core (run-queue insert, no IPI)",
		  "usnsim: below the cross-core wakeup, which adds an inter-processor interrupt (reference/calibration.md)" },
		{ "hosts.*.cpu.copy_bw", PT_BITRATE, "10GB/s", NULL, 1e6, 1e15,
		  "memory copy bandwidth of one core (a copy costs its length over this)",
		  "single-core memcpy of cache-warm buffers, ~10 GB/s; same as hosts.*.driver.copy_bw" },
		{ "hosts.*.cpu.normal_policy", PT_ENUM, "cfs", "cfs|rr", 0, 0,
		  "how normal-class threads share a core: cfs (Linux's CFS: virtual runtime, a waking sleeper preempts, slices of cfs.latency) or rr (round robin by quanta of time_slice, no wakeup preemption)",
		  "Linux kernel/sched/fair.c (v6.5, the last CFS before EEVDF): SCHED_OTHER threads are CFS's; rr keeps usnsim's earlier round robin (XNU's timeshare quantum)" },
		{ "hosts.*.cpu.time_slice", PT_TIME, "10ms", NULL, 0, 1e13,
		  "normal_policy rr: quantum of a normal-class thread while other normal threads wait on its core (0: none, a thread runs until it blocks)",
		  "XNU osfmk/kern/sched_prim.c: DEFAULT_PREEMPTION_RATE 100/s, std_quantum_us = 1e6 / rate = 10 ms" },
		{ "hosts.*.cpu.cfs.latency", PT_TIME, "6ms", NULL, 1e6, 1e13,
		  "normal_policy cfs: the period in which every runnable normal thread of a core runs once (sched_latency; the slice is this over their number), and twice the credit of a waking sleeper; multiplied by 1 + log2(cores), cores counted up to 8",
		  "Linux kernel/sched/fair.c (v6.5): sysctl_sched_latency = 6000000ULL, scaled by get_update_sysctl_factor() (SCHED_TUNABLESCALING_LOG); place_entity() credits thresh = sysctl_sched_latency >> 1 (GENTLE_FAIR_SLEEPERS)" },
		{ "hosts.*.cpu.cfs.min_granularity", PT_TIME, "750us", NULL,
		  1e6, 1e13,
		  "normal_policy cfs: least run before a normal thread can be preempted by the tick for fairness, and each thread's share of the period beyond 8 runnable threads; scaled like cfs.latency",
		  "Linux kernel/sched/fair.c (v6.5): sysctl_sched_min_granularity = 750000ULL, sched_nr_latency = 8, __sched_period(), check_preempt_tick()" },
		{ "hosts.*.cpu.cfs.wakeup_granularity", PT_TIME, "1ms", NULL, 0,
		  1e13,
		  "normal_policy cfs: a waking normal thread preempts the running normal one if that one's virtual runtime exceeds its own by more than this; scaled like cfs.latency",
		  "Linux kernel/sched/fair.c (v6.5): sysctl_sched_wakeup_granularity = 1000000UL, wakeup_preempt_entity() called from check_preempt_wakeup()" },
		{ "hosts.*.cpu.migration", PT_ENUM, "none", "none|idle_pull", 0,
		  0,
		  "idle_pull: a core with nothing to run takes a waiting normal thread that may migrate from the core of its domain with most waiting (and one that has to wait while such a core is idle goes there), paying a context switch; pinned threads never move (the driver's, kernel context, interrupts, a background on a named core); none: threads stay put", "Linux kernel/sched/fair.c: newidle_balance() and nohz_balancer_kick(); none by default since every thread usnsim places is pinned by affinity except a background on an unnamed core" },
		{ "hosts.*.cpu.migration_cost", PT_TIME, "500us", NULL, 0, 1e12,
		  "migration idle_pull: a thread that ran within this is cache-hot and is not pulled to another core",
		  "Linux kernel/sched/fair.c: sysctl_sched_migration_cost = 500000UL, task_hot() called from can_migrate_task()" },
		{ "hosts.*.cpu.idle_exit", PT_TIME, "2us", NULL, 0, 1e10,
		  "exit latency of the shallow idle state: a thread waking on a core idle for idle_residency or longer starts this much later",
		  "Linux drivers/idle/intel_idle.c, skx_cstates C1: exit_latency 2 us (Skylake server)" },
		{ "hosts.*.cpu.idle_residency", PT_TIME, "2us", NULL, 0, 1e10,
		  "idle time after which a core is in the shallow idle state",
		  "Linux drivers/idle/intel_idle.c, skx_cstates C1: target_residency 2 us (Skylake server)" },
		{ "hosts.*.cpu.idle_deep_exit", PT_TIME, "133us", NULL, 0, 1e10,
		  "exit latency of the deep idle state, reached after idle_deep_residency of idle time (0: no deep state)",
		  "Linux drivers/idle/intel_idle.c, skx_cstates C6: exit_latency 133 us (Skylake server)" },
		{ "hosts.*.cpu.idle_deep_residency", PT_TIME, "600us", NULL, 0,
		  1e12,
		  "idle time after which a core is in the deep idle state",
		  "Linux drivers/idle/intel_idle.c, skx_cstates C6: target_residency 600 us (Skylake server)" },
		{ "hosts.*.cpu.background.load", PT_FLOAT, "0", NULL, 0, 0.99,
		  "background work on background.core: the fraction of the core its jobs take (load / cost arrivals per second, background.pattern); 0: none",
		  "usnsim: no interference unless asked; other processes sharing a core (the interference of issue 21), swept 0 to 0.9 in scenarios/studies/driver_rt.yaml" },
		{ "hosts.*.cpu.background.cost", PT_TIME, "50us", NULL, 1e3,
		  1e12, "CPU time of each background job (fixed)",
		  "usnsim: a round figure between a syscall-sized burst and the 10 ms quantum; meant to be swept (a job longer than the driver's deadline is what hurts a normal-class driver)" },
		{ "hosts.*.cpu.background.pattern", PT_ENUM, "poisson",
		  "poisson|periodic", 0, 0,
		  "arrivals of background jobs: poisson (an open source of independent jobs) or periodic (a duty cycle: one job of background.cost every background.cost / background.load, from a random phase, as a periodic timer or a frame-paced task does)",
		  "usnsim: Poisson unless asked; issue 21's background threads with a duty cycle are the periodic pattern" },
		{ "hosts.*.cpu.background.core", PT_STRING, "", NULL, 0, 0,
		  "the core the background thread runs on: a core name of the host (kernel0, app.NAME, or the name given in driver.core); empty: kernel0; a name no model uses becomes a core of its own",
		  "usnsim: interference where the driver runs (driver.core), as in issue 21" },
		{ "hosts.*.cpu.background.class", PT_ENUM, "normal",
		  "normal|rt", 0, 0,
		  "scheduling class of the background thread",
		  "Linux sched(7): a process runs SCHED_OTHER (time-sharing) unless given a real-time policy" },
		{ "hosts.*.cpu.background.priority", PT_INT, "50", NULL, 1, 98,
		  "real-time priority of an rt background thread (higher runs first; refused with class normal)",
		  "Linux kernel/sched/core.c sched_set_fifo(): MAX_RT_PRIO / 2 = 50, the priority the kernel gives real-time threads that need one" },
		{ NULL },
	};
