/*
 * cpu.h - a host's cores: each a server with a FIFO run queue, running
 * jobs whose cost is the sum of charges by account (protocol processing,
 * syscalls, copies, flow switch work, wakeups, context switches,
 * checksums and TLS records).
 *
 * Cores belong to domains: the kernel, the user domain of an app, or a
 * user-space driver. A model builds a job on the stack (struct cpu_job),
 * charges it, and submits it to a thread (cpu_thread_submit) or to a
 * core (cpu_submit: the core's default thread); a thread runs its jobs one
 * after the other and calls the job's function when the job's work is
 * done. A job that finds its thread busy waits in the thread's queue, so
 * contention for a core is part of the latency. One engine event per job
 * while nothing preempts it: models charge a batch of packets as one job.
 *
 * Threads (cpu_thread_create, set-up time) sit on a core and have a
 * class: real-time (FIFO, with a priority) above normal (Linux's CFS by
 * virtual runtime with wakeup preemption, or round robin with a quantum). The core runs the first ready thread of the highest class;
 * a thread that becomes ready and outranks the running one preempts it
 * (preemptive resume); switching between threads costs a context switch;
 * a core that has been idle wakes after an idle state's exit latency.
 * models/cpu.c says how, and docs/models/cpu.md with which sources. A core
 * used only through cpu_submit() never switches nor sleeps: it serves its
 * jobs FIFO exactly as a core without threads.
 *
 * The configuration is struct cpu_cfg, read from hosts.NAME.cpu.* by
 * cpu_cfg_load() (models/cpu_params.c, where the parameters are declared).
 *
 * What a run learns (component COMP given at creation, e.g.
 * "hosts.client.cpu"):
 *   COMP            counters syscalls, context_switches, wakeups,
 *                   wakeups_cross, copies, copied_bytes (B), jobs
 *                   counters time.ACCT (ps) for every account, and time
 *                   (ps) for all of them
 *   COMP.CORE       counter busy (ps); scalar utilization (busy / run
 *                   time) recorded by cpu_finish()
 *   COMP            scalars util.kernel, util.user, util.driver: mean
 *                   utilization of the domain's cores (cpu_finish(), the
 *                   finish of cpu_ops)
 * and, for a core with threads of its own (and each such thread T):
 *   COMP.CORE       counters switches (context switches by the
 *                   scheduler, also in context_switches and time.ctxsw),
 *                   preemptions, idle_exits, pulls (threads it pulled
 *                   from another core, cpu.migration), interrupts (jobs of its irq
 *                   thread); scalars util.rt, util.normal, util.irq (time
 *                   running jobs of the class / run time), and util.poll
 *                   for a busy-polling core (time spent polling)
 *   COMP.CORE.T     counters run, wait (ps: running; ready or being
 *                   switched to), wakeups, preempted, jobs, migrations
 *                   (with cpu.migration: times it was pulled to another
 *                   core; its statistics stay under its first core's
 *                   name); histogram
 *                   sched_latency (ps: from a wakeup to running)
 * Counters count the whole run (no warm-up), like every counter.
 */
#ifndef USNSIM_CPU_H
#define USNSIM_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "param.h"
#include "sim.h"

struct cpu;
struct cpu_core;

enum cpu_domain { CPU_DOM_KERNEL, CPU_DOM_USER, CPU_DOM_DRIVER, CPU_NDOMS };

/* Scheduling classes, lowest first; the names are cpu_class_name(). */
enum cpu_class {
	CPU_CLASS_NORMAL, /* "normal": time-sharing, round robin */
	CPU_CLASS_RT,	  /* "rt": real-time FIFO, by priority */
	CPU_CLASS_IRQ,	  /* "irq": interrupt context, above every thread:
			     entered and left without a context switch */
	CPU_NCLASSES
};

struct cpu_thread;

/* How normal threads share a core (hosts.NAME.cpu.normal_policy). */
enum cpu_normal_policy {
	CPU_NORMAL_RR,	/* "rr": round robin by quanta of slice_ps */
	CPU_NORMAL_CFS, /* "cfs": Linux's CFS, virtual runtime, wakeup
			   preemption */
};

/* Load balancing between the cores of a domain (cpu.migration). */
enum cpu_migration {
	CPU_MIGRATE_NONE,      /* "none": a thread stays where it was made */
	CPU_MIGRATE_IDLE_PULL, /* "idle_pull": an idle core pulls a waiting
				  normal thread of its domain */
};

/* What CPU time is spent on; the names are cpu_acct_name(). */
enum cpu_acct {
	CPU_A_PROTO,	/* "proto": protocol processing, building packets */
	CPU_A_SYSCALL,	/* "syscall": trap and return */
	CPU_A_COPY,	/* "copy": copying payload bytes */
	CPU_A_FSW,	/* "flowswitch": classify, look up, check, enqueue */
	CPU_A_WAKEUP,	/* "wakeup": waking a thread (paid by the waker) */
	CPU_A_CTXSW,	/* "ctxsw": switching to the woken thread */
	CPU_A_MEM,	/* "memory": allocating packet buffers (pool.h) */
	CPU_A_MUX,	/* "mux": the multiplexer's per-packet processing */
	CPU_A_NETIF,	/* "netif": the low-latency netif path's validation */
	CPU_A_CSUM,	/* "checksum": software checksums, per byte */
	CPU_A_TLS,	/* "tls": TLS record encryption and decryption */
	CPU_A_DRIVER,	/* "driver": the driver's batches (driver.h) */
	CPU_A_DOORBELL, /* "doorbell": the MMIO write that hands work to
			   the NIC */
	CPU_A_BG,	/* "background": other work on the host's cores */
	CPU_A_IRQ,	/* "irq": hard interrupt handling (entry, handler,
			   exit) */
	CPU_A_POLL,	/* "poll": polling the NIC: a timed poll's work, and
			   the idle time of a busy-polling core */
	CPU_NACCTS
};

/* The configuration of a host's CPU: the parameters under
 * hosts.NAME.cpu (see cpu_params.c for their meaning and sources). */
struct cpu_cfg {
	/* cores of the kernel domain; the topology adds them
	 * (cpu_add_core) */
	unsigned kernel_cores;
	/* read per job, with the costs below (one cache line) */
	enum cpu_normal_policy normal_policy; /* (0: rr) */
	enum cpu_migration migration;	      /* (0: none) */
	sim_time syscall_ps;		      /* one trap and return */
	sim_time ctxsw_ps;		      /* switching to a woken thread */
	sim_time wakeup_same_ps;	      /* waker and wakee on one core */
	sim_time wakeup_cross_ps;	      /* on different cores */
	double copy_Bps;   /* copy bandwidth, bytes per second, > 0 */
	sim_time slice_ps; /* rr: quantum of a normal thread; 0: none */
	/* read by the scheduler (CFS) and on waking (idle states): one
	 * cache line */
	/* cfs: sched_latency, sched_min_granularity and
	 * sched_wakeup_granularity before scaling by 1 + log2(cores), the
	 * cores counted up to 8 (Linux's SCHED_TUNABLESCALING_LOG) */
	sim_time cfs_latency_ps;
	sim_time cfs_min_gran_ps;
	sim_time cfs_wakeup_gran_ps;
	sim_time idle_exit_ps;	    /* exit latency of the shallow idle state */
	sim_time idle_residency_ps; /* idle time that reaches it */
	sim_time deep_exit_ps;	    /* of the deep idle state; 0: none */
	sim_time deep_residency_ps; /* idle time that reaches it */
	/* a thread that ran within it is cache-hot and not pulled */
	sim_time migration_cost_ps;
	/* background work: a thread on core bg_core (a name; "" for the
	 * first kernel core) with arrivals of jobs of bg_cost_ps at load
	 * bg_load (0: none), Poisson or, with bg_periodic, one every
	 * bg_cost_ps / bg_load (a duty cycle) from a random phase; cpubg.h
	 * runs it */
	bool bg_periodic;
	const char *bg_core;
	enum cpu_class bg_class;
	unsigned bg_prio;
	double bg_load;
	sim_time bg_cost_ps;
};

/* A job being built: time and number of charges per account. Zero it
 * (struct cpu_job j = { 0 };) before charging. */
struct cpu_job {
	sim_time ps[CPU_NACCTS];
	uint32_t n[CPU_NACCTS];
	uint64_t copied_bytes;
	uint32_t wakeups_cross;
	uint32_t charged; /* bit a: account a charged (so a job's cost and
			     accounting visit those accounts only) */
};

const char *cpu_acct_name(enum cpu_acct a);
const char *cpu_domain_name(enum cpu_domain d); /* "kernel", "user", "driver" */
const char *cpu_class_name(enum cpu_class k);	/* "normal", "rt", "irq" */

/* Fills cfg from the parameters under prefix ("hosts.client.cpu").
 * Returns 0, or -EINVAL (message in err) if a deep idle state is given
 * that is not deeper than the shallow one (exit latency and residency),
 * background.priority is given for a normal-class background, or a
 * parameter of one normal_policy is given with the other (time_slice with
 * cfs, cfs.* with rr). */
int cpu_cfg_load(struct cpu_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen);

/* Creates a cpu with no cores, registering its statistics under
 * env->component. Returns 0; -EINVAL if cfg->copy_Bps is not > 0; -ENOMEM
 * (e.g. the component already has a cpu's statistics); a message in err. */
int cpu_create(const struct cpu_cfg *cfg, const struct model_env *env,
	       struct cpu **out, char *err, size_t errlen);
void cpu_destroy(struct cpu *c); /* NULL is a no-op */
/* destroy and finish for the topology's loops (a cpu holds no packets). */
extern const struct model_ops cpu_ops;
/* Adds a core (set-up time only); name is e.g. "kernel0" or "app.rpc" and
 * is copied. Returns the core (owned by c), or NULL on allocation failure
 * or a duplicate name. */
struct cpu_core *cpu_add_core(struct cpu *c, enum cpu_domain dom,
			      const char *name);
const struct cpu_cfg *cpu_config(const struct cpu *c);
/* Creates a thread on core (set-up time only) of class cls; prio orders
 * real-time threads (higher runs first) and must be 0 for a normal one.
 * A thread of class irq (prio 0) is the core's interrupt context: it
 * preempts any thread, costs no context switch to enter or leave, and
 * the thread it interrupted resumes without one; its jobs are counted in
 * the core's counter interrupts. Only threads of the other classes make
 * a core sleep.
 * Its statistics go under "COMP.CORE.name". Returns the thread (owned by
 * the core), or NULL on a bad argument, a duplicate name on the core or
 * allocation failure. */
struct cpu_thread *cpu_thread_create(struct cpu_core *core, const char *name,
				     enum cpu_class cls, unsigned prio);
struct cpu_core *cpu_thread_core(const struct cpu_thread *t);
/* Its statistics' component ("COMP.CORE.name"; NULL for a default
 * thread), and the time it has run its jobs so far (ps, the job in
 * service counting for its elapsed part). */
const char *cpu_thread_component(const struct cpu_thread *t);
uint64_t cpu_thread_run(struct cpu_thread *t);
/* The core named name, or NULL. */
struct cpu_core *cpu_core_find(const struct cpu *c, const char *name);
/* The core busy polls (set-up time): it never sleeps, and the time it
 * runs no job is spent polling, busy and charged to the account poll as
 * it passes (a poll-mode driver spinning on its queues, or NAPI busy
 * polling); every job still runs as soon as the scheduler lets it. */
void cpu_core_spin(struct cpu_core *core);
/* Sets the class of core's default thread (set-up time, before its first
 * job): kernel cores run their work in kernel context, above the user
 * threads that share them. Alone on its core the class changes nothing.
 * Returns 0, or -EINVAL (a normal class with a priority). */
int cpu_core_default_class(struct cpu_core *core, enum cpu_class cls,
			   unsigned prio);
enum cpu_class cpu_thread_class(const struct cpu_thread *t);
enum cpu_domain cpu_core_domain(const struct cpu_core *core);
/* Lets t (a normal-class thread from cpu_thread_create) move to another
 * core of its domain under cpu.migration idle_pull (set-up time). Threads
 * are pinned to their core otherwise: those placed on a named core, the
 * default threads (kernel context and cpu_submit), interrupt and
 * real-time threads. Returns 0, or -EINVAL for a thread of another
 * class or a default thread. */
int cpu_thread_unpin(struct cpu_thread *t);

/* Charges: add time ps to account a (and count one charge). */
void cpu_job_add(struct cpu_job *j, enum cpu_acct a, sim_time ps);
/* One syscall (trap + return) at the host's cost. */
void cpu_job_syscall(struct cpu_job *j, const struct cpu *c);
/* One copy of bytes at the host's copy bandwidth (rounded to the ps). */
void cpu_job_copy(struct cpu_job *j, const struct cpu *c, uint64_t bytes);
/* The time bytes take at Bps bytes per second, rounded to the ps (how a
 * per-byte cost is charged: copies, checksums, ciphers). */
sim_time cpu_bytes_time(uint64_t bytes, double Bps);
/* One wakeup of a thread on core wakee, paid by the job (running on core
 * waker): the same-core or cross-core cost. */
void cpu_job_wakeup(struct cpu_job *j, const struct cpu_core *waker,
		    const struct cpu_core *wakee);
/* One context switch at the host's cost. */
void cpu_job_ctxsw(struct cpu_job *j, const struct cpu *c);
/* The core's index in its cpu (order of cpu_add_core, from 0): the CPU
 * number of per-CPU caches. */
uint32_t cpu_core_index(const struct cpu_core *core);
/* Total time of the job. */
sim_time cpu_job_cost(const struct cpu_job *j);

/* Queues the job on core (its default thread); fn(sim, a, b) runs when
 * its work is done. The job's charges are added to the statistics when it
 * is queued (so that counters and time agree at any moment up to the jobs
 * in service).
 * Returns 0 or -ENOMEM (the run queue could not grow; nothing is queued
 * then). Does not allocate once the run queue has reached its peak. */
int cpu_submit(struct cpu_core *core, const struct cpu_job *job, sim_fn fn,
	       void *a, void *b);
/* Queues the job on thread t, like cpu_submit(); t wakes if it had no
 * job (and may preempt what runs on its core). Returns 0 or -ENOMEM
 * (nothing is queued then). Does not allocate once t's queue has reached
 * its peak. */
int cpu_thread_submit(struct cpu_thread *t, const struct cpu_job *job,
		      sim_fn fn, void *a, void *b);
/* Jobs queued or in service on core (all its threads), on thread t. */
uint32_t cpu_core_backlog(const struct cpu_core *core);
uint32_t cpu_thread_backlog(const struct cpu_thread *t);
/* Total time charged to account a so far, and the number of charges. */
sim_time cpu_acct_time(const struct cpu *c, enum cpu_acct a);
uint64_t cpu_acct_count(const struct cpu *c, enum cpu_acct a);

/* Work charged but not yet done (ps): what is left of the jobs queued
 * or in service on every core and of a context switch under way. At any
 * moment, time (all accounts) = the cores' busy time + this. */
sim_time cpu_pending(struct cpu *c);

/* Busy time so far (ps) of the cores of domain d, polling included. */
uint64_t cpu_domain_busy(struct cpu *c, enum cpu_domain d);

/* Records the end-of-run scalars (utilization of every core and domain,
 * over the run's length sim_now(); pending, cpu_pending()). Busy time
 * counts work done up to now: a job still in service counts for its
 * elapsed part. */
void cpu_finish(struct cpu *c);

#endif
