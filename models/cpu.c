/*
 * cpu.c - a host's cores: threads on cores, a scheduler with three
 * classes (normal threads by CFS or round robin), optional migration,
 * idle states, and jobs charged by account.
 *
 * A core runs threads; a thread runs its own jobs in FIFO order. Each
 * thread keeps its jobs in a power-of-two ring (function, its two words,
 * the cost) indexed by free-running 32-bit counters: [head, tail) are its
 * jobs, the one at head being served (rem is the work it has left). A
 * full ring doubles in place (realloc, then the entries that wrapped move
 * to the new half), so a thread allocates only until its ring has reached
 * its peak, never per job. Every core has a default thread (normal class,
 * no statistics of its own): cpu_submit() queues on it.
 *
 * The scheduler (one pending engine event per core, cancelled and
 * rescheduled on preemption):
 *   - a core is in one phase: idle, waking (leaving an idle state),
 *     switching (a context switch to cur), or running cur's head job;
 *   - ready threads wait in two lists: real-time (by priority, FIFO
 *     within one; interrupt threads above every priority) and normal
 *     (round robin under rr, by virtual runtime under cfs); the core runs
 *     the first real-time thread, else the first normal one;
 *   - a thread that becomes ready and outranks the running one (real-time
 *     over normal; a higher real-time priority) preempts it at once: the
 *     preempted job keeps its remaining work, and its thread goes back to
 *     the head of its list with what was left of its quantum (XNU
 *     thread_dispatch(): SCHED_HEADQ after a preemption; Linux sched(7):
 *     a preempted SCHED_FIFO thread stays at the head of its priority);
 *   - rr: a normal thread runs for a quantum (cfg.slice_ps) while other
 *     normal threads are ready; when it expires the thread goes to the
 *     tail of the normal list with a fresh quantum (SCHED_TAILQ after
 *     AST_QUANTUM in XNU); a thread that blocks starts its next run with a
 *     fresh quantum; real-time threads have none (SCHED_FIFO);
 *   - cfs (Linux kernel/sched/fair.c, v6.5, nice 0): a normal thread's
 *     virtual runtime grows with its run time; a waking one is placed at
 *     no less than min_vruntime - latency / 2 and preempts the running
 *     normal thread if that one is more than the wakeup granularity
 *     ahead; the running one yields when its slice (latency over the
 *     runnable normal threads) is over, or after min_granularity once it
 *     is a slice ahead of the first waiting one (the tick's checks, made
 *     at the instant they hold); the first waiting is the least virtual
 *     runtime;
 *   - migration idle_pull: a core about to idle pulls a waiting unpinned
 *     normal thread of its domain that is not cache-hot, and a thread
 *     left waiting while a core of its domain is idle moves there; the
 *     move costs a context switch on the new core;
 *   - switching from one thread to another costs cfg.ctxsw_ps of busy
 *     time, charged to account ctxsw (counted in context_switches); the
 *     next job of the same thread, or the same thread after an idle
 *     period, costs nothing. A switch is not preemptible (the kernel
 *     switches with preemption off): a thread that becomes ready during it
 *     preempts at its end;
 *   - a core whose threads all block goes idle; the first wakeup then
 *     waits for the exit latency of the deepest idle state whose target
 *     residency the idle period reached (a governor that knew the idle
 *     length, like Linux's menu governor at best), not busy and charged to
 *     no account. Only cores with threads of their own
 *     (cpu_thread_create) sleep: a core used only through cpu_submit()
 *     never does, and since its default thread is alone on it, it never
 *     switches either; so cpu_submit() schedules exactly the events it
 *     always did (one per job, at start of service + cost, the next job
 *     started before the finished job's function is called) and charges
 *     nothing new.
 *
 * At a job's completion the core pops it, picks what runs next (starting
 * it) and only then calls the job's function, so the function sees the
 * core already moved on: a job it submits goes behind those queued. The
 * exception is the last job of a thread that shares its core: its
 * function runs first, so that work it hands to the same thread
 * continues it without a switch, and the core picks after it. A job
 * of cost 0 still completes through an event (at now). A job's function
 * may be NULL: the job only takes its time.
 *
 * Busy time: a core credits its counter busy with the time it ran jobs
 * or switched, up to "mark" (the start of the phase or the last
 * cpu_finish()), at the end of each phase and at cpu_finish(). Charges go
 * into the counters when a job is queued, a switch's when it starts; so
 * once the cores are idle, busy time equals the charges. Charges are
 * expected to be >= 0.
 *
 * The configuration comes from cpu_cfg_load() (cpu_params.c); the
 * topology keeps the cpu with cpu_ops, whose finish is cpu_finish().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "errmsg.h"
#include "stats.h"

#define CPU_RQ_INIT 2 /* initial ring slots of a thread (power of 2) */

/* A job in a thread's ring. */
struct cpu_rq_job {
	sim_fn fn;
	void *a, *b;
	sim_time cost;
};
_Static_assert(CPU_RQ_INIT * sizeof(struct cpu_rq_job) == 64,
	       "a thread's first ring is one cache line");

enum cpu_tstate {
	CPU_T_BLOCKED, /* no job */
	CPU_T_READY,   /* in its core's ready list */
	CPU_T_CUR,     /* its core's cur: switched to, or running */
};

/* Laid out by use, on 64-byte lines: a thread, a core and a cpu are
 * allocated from the statistics (stats_block: aligned to a line, living
 * until the statistics go, since results are read after the models are
 * destroyed) and hold their counters (stats_counter_at), so that bumping
 * one reads no pointer and no line elsewhere. Once a run's hosts outgrow
 * the caches, every line a job touches is a miss: a job's submission and
 * service touch a thread's first line, and its second only for what a
 * named thread reports (wait, wakeups, jobs, sched_latency) and for CFS
 * (which a thread alone on its core does not need: cpu_cfs()). So the
 * default threads, which report nothing, queue and run their jobs on
 * one line of their own. */
struct cpu_thread {
	/* line 0: queueing a job, waking, the ready list, starting, running */
	struct cpu_core *core;
	struct cpu_rq_job *q;
	uint32_t mask, head, tail; /* free-running */
	uint8_t state;		   /* enum cpu_tstate */
	uint8_t cls;		   /* enum cpu_class */
	bool unpinned : 1;	   /* may migrate (cpu_thread_unpin) */
	bool cold : 1;		   /* migrated: its next start switches */
	bool named : 1;		   /* has statistics (cpu_thread_create) */
	sim_time rem;		   /* work left of the job at head */
	uint64_t run;		 /* counter (ps; a default thread's unnamed) */
	sim_time slice_left;	 /* rr: of its quantum; 0: a fresh one */
	struct cpu_thread *next; /* in a ready list */
	/* line 1: a named thread's statistics (left alone for a default
	 * thread), CFS */
	sim_time ready_at; /* when it last became ready */
	sim_time woke_at;  /* when it woke; -1 once it ran */
	uint64_t wait;	   /* counter (ps) */
	uint64_t wakeups;  /* counters */
	uint64_t jobs;
	sim_time since_pick;   /* cfs: run since it was picked */
	sim_time vr;	       /* cfs: virtual runtime (ps, nice 0) */
	struct stat_hist *lat; /* wakeup to running (ps) */
	/* the rest */
	sim_time ran_at;	/* cpu.migration: when it last stopped
				   running; -1 */
	struct cpu_thread *sib; /* in its core's list of threads */
	char *comp; /* "CORE_COMPONENT.NAME"; NULL for a default thread */
	unsigned prio;
	uint64_t preempted;	   /* counter, if counted */
	uint64_t migrations;	   /* counter, if counted and cpu.migration */
	struct stat_hold lat_hold; /* lat's values (a named thread's) */
};

enum cpu_phase { CPU_P_IDLE, CPU_P_WAKE, CPU_P_SWITCH, CPU_P_RUN };

/* Laid out by use like struct cpu_thread, its counters in it. */
struct cpu_core {
	/* line 0: every job and phase */
	struct cpu *cpu;
	struct cpu_thread *cur;	  /* switched to or running */
	struct cpu_thread *last;  /* the last one switched to */
	struct cpu_thread *deflt; /* cpu_submit()'s thread */
	sim_event_id ev;	  /* the phase's end, unless idle */
	sim_time ev_at;
	sim_time mark_ps; /* busy is credited up to here */
	uint8_t phase;	  /* enum cpu_phase */
	bool spin : 1;	  /* busy polls: idle time is busy, account poll */
	bool sleeps : 1;  /* has threads of a class other than irq: sleeps */
	bool shared : 1;  /* has more than one thread */
	bool cfs : 1;	  /* keeps CFS's state: cpu_cfs() */
	bool pull : 1;	  /* cpu.migration is idle_pull (the
			     configuration's line left alone) */
	uint16_t nready;  /* threads in rt and ts (their line left alone
			     while there are none) */
	uint32_t njobs;	  /* on all its threads */
	/* line 1: crediting, picking */
	uint64_t busy;	       /* counter (ps) */
	struct cpu_thread *rt; /* ready real-time, by priority */
	struct cpu_thread *ts; /* ready normal: round robin (rr),
				       by virtual runtime (cfs) */
	struct cpu_thread *ts_tail;
	sim_time min_vr;     /* cfs: min_vruntime */
	sim_time qend;	     /* end of cur's quantum (normal class) */
	sim_time idle_since; /* when it last went idle */
	uint32_t nts;	     /* threads in ts */
	enum cpu_domain dom;
	/* the rest */
	/* time running each class's jobs: of unpinned threads as it
	 * passes, of the others their run time (cpu_core_class_util) */
	uint64_t busy_cls[CPU_NCLASSES];
	struct cpu_thread *threads; /* all of them, by sib */
	bool sched;		    /* has threads of its own: reports */
	bool has_irqs;		    /* has irq threads: counter irqs */
	uint32_t index;		    /* in its cpu's array */
	uint64_t spin_ps;	    /* time spent polling */
	uint64_t irqs;		    /* counter: jobs of its irq threads */
	/* counters, if sched (pulls: and cpu.migration) */
	uint64_t switches, preemptions, idle_exits, pulls;
	char *comp;	  /* "COMPONENT.NAME" */
	const char *name; /* points into comp */
};

/* Where an account's time (counter time.ACCT, ps) and charges are kept
 * in cpu.acct[], eight slots a line: the accounts one job charges
 * together share a line (a user-space stack's send: proto, syscall, copy,
 * flowswitch, memory; a driver's batch: driver, doorbell; an interrupt:
 * irq; a wakeup: wakeup and ctxsw), so that a job's accounting touches one
 * line of them, not one per four accounts. The charges of syscall, copy,
 * wakeup and ctxsw are the counters syscalls, copies, wakeups and
 * context_switches (count CPU_ACCT_NONE): counting them twice would take
 * the room. */
#define CPU_ACCT_NONE 0 /* slot 0 holds a time, never a count */
#define CPU_ACCT_SLOTS 28
static const struct {
	uint8_t time, count;
} cpu_acct_at[CPU_NACCTS] = {
	[CPU_A_PROTO] = { 0, 1 },
	[CPU_A_SYSCALL] = { 2, CPU_ACCT_NONE },
	[CPU_A_COPY] = { 3, CPU_ACCT_NONE },
	[CPU_A_FSW] = { 4, 5 },
	[CPU_A_MEM] = { 6, 7 },
	/* line 1 */
	[CPU_A_WAKEUP] = { 8, CPU_ACCT_NONE },
	[CPU_A_CTXSW] = { 9, CPU_ACCT_NONE },
	[CPU_A_DRIVER] = { 10, 11 },
	[CPU_A_DOORBELL] = { 12, 13 },
	[CPU_A_IRQ] = { 14, 15 },
	/* line 2 */
	[CPU_A_MUX] = { 16, 17 },
	[CPU_A_NETIF] = { 18, 19 },
	[CPU_A_CSUM] = { 20, 21 },
	[CPU_A_TLS] = { 22, 23 },
	/* line 3 */
	[CPU_A_BG] = { 24, 25 },
	[CPU_A_POLL] = { 26, 27 },
};

/* Laid out by use like struct cpu_thread: what every job touches
 * first, with the counters it bumps (stats_counter_at); then the
 * configuration, whose first line holds what charges and scheduling read;
 * then the accounts (cpu_acct_at). */
struct cpu {
	struct sim *sim;
	size_t ncores;	/* (CFS scales by it) */
	uint64_t total; /* counters: time (ps, all accounts) ... */
	uint64_t jobs, syscalls, wakeups, copies, copied_bytes;
	struct cpu_cfg cfg;
	_Alignas(64) uint64_t acct[CPU_ACCT_SLOTS]; /* at cpu_acct_at */
	uint64_t ctxsw, wakeups_cross; /* counters, bumped by few jobs */
	struct stats *st;
	const char *comp;
	struct cpu_core **core;
	size_t cap;
};

_Static_assert(CPU_NACCTS <= 32, "accounts fit cpu_job.charged");
_Static_assert(offsetof(struct cpu_thread, ready_at) == 64 &&
		       offsetof(struct cpu_thread, ran_at) == 128 &&
		       offsetof(struct cpu_core, busy) == 64 &&
		       offsetof(struct cpu_core, busy_cls) == 128 &&
		       offsetof(struct cpu, cfg.deep_residency_ps) / 64 ==
			       offsetof(struct cpu, cfg.cfs_latency_ps) / 64 &&
		       offsetof(struct cpu, cfg) == 64 &&
		       offsetof(struct cpu, acct) % 64 == 0,
	       "the hot fields fill whole cache lines");

static const char *const cpu_acct_names[CPU_NACCTS] = {
	[CPU_A_PROTO] = "proto",       [CPU_A_SYSCALL] = "syscall",
	[CPU_A_COPY] = "copy",	       [CPU_A_FSW] = "flowswitch",
	[CPU_A_WAKEUP] = "wakeup",     [CPU_A_CTXSW] = "ctxsw",
	[CPU_A_MEM] = "memory",	       [CPU_A_MUX] = "mux",
	[CPU_A_NETIF] = "netif",       [CPU_A_CSUM] = "checksum",
	[CPU_A_TLS] = "tls",	       [CPU_A_DRIVER] = "driver",
	[CPU_A_DOORBELL] = "doorbell", [CPU_A_BG] = "background",
	[CPU_A_IRQ] = "irq",	       [CPU_A_POLL] = "poll",
};

static const char *const cpu_dom_names[CPU_NDOMS] = {
	[CPU_DOM_KERNEL] = "kernel",
	[CPU_DOM_USER] = "user",
	[CPU_DOM_DRIVER] = "driver",
};

static const char *const cpu_class_names[CPU_NCLASSES] = {
	[CPU_CLASS_NORMAL] = "normal",
	[CPU_CLASS_RT] = "rt",
	[CPU_CLASS_IRQ] = "irq",
};

const char *cpu_acct_name(enum cpu_acct a)
{
	return (unsigned)a < CPU_NACCTS ? cpu_acct_names[a] : "?";
}

const char *cpu_domain_name(enum cpu_domain d)
{
	return (unsigned)d < CPU_NDOMS ? cpu_dom_names[d] : "?";
}

const char *cpu_class_name(enum cpu_class k)
{
	return (unsigned)k < CPU_NCLASSES ? cpu_class_names[k] : "?";
}

static int cpu_stats(struct cpu *c)
{
	struct stats *st = c->st;
	const char *n = c->comp;
	char metric[32];

	if (!stats_counter_at(st, n, "syscalls", "", &c->syscalls) ||
	    !stats_counter_at(st, n, "context_switches", "", &c->ctxsw) ||
	    !stats_counter_at(st, n, "wakeups", "", &c->wakeups) ||
	    !stats_counter_at(st, n, "wakeups_cross", "", &c->wakeups_cross) ||
	    !stats_counter_at(st, n, "copies", "", &c->copies) ||
	    !stats_counter_at(st, n, "copied_bytes", "B", &c->copied_bytes) ||
	    !stats_counter_at(st, n, "jobs", "", &c->jobs) ||
	    !stats_counter_at(st, n, "time", "ps", &c->total))
		return -ENOMEM;
	for (unsigned a = 0; a < CPU_NACCTS; a++) {
		snprintf(metric, sizeof(metric), "time.%s", cpu_acct_names[a]);
		if (!stats_counter_at(st, n, metric, "ps",
				      &c->acct[cpu_acct_at[a].time]))
			return -ENOMEM;
	}
	return 0;
}

int cpu_create(const struct cpu_cfg *cfg, const struct model_env *env,
	       struct cpu **out, char *err, size_t errlen)
{
	struct cpu *c;

	if (!cfg || !env->component) {
		errmsg(err, errlen, "cpu: needs a config and a component");
		return -EINVAL;
	}
	if (!(cfg->copy_Bps > 0)) {
		errmsg(err, errlen, "%s: copy bandwidth %g B/s is not above 0",
		       env->component, cfg->copy_Bps);
		return -EINVAL;
	}
	c = stats_block(env->st, sizeof(*c));
	if (!c)
		goto out_nomem;
	c->sim = env->sim;
	c->st = env->st;
	c->comp = env->component;
	c->cfg = *cfg;
	if (cpu_stats(c)) {
		cpu_destroy(c);
		goto out_nomem;
	}
	*out = c;
	return 0;
out_nomem:
	errmsg(err, errlen, "%s: out of memory", env->component);
	return -ENOMEM;
}

static void cpu_thread_free(struct cpu_thread *t)
{
	if (!t)
		return;
	free(t->q);
	free(t->comp); /* t is the statistics' (stats_block) */
}

static void cpu_core_free(struct cpu_core *core)
{
	if (!core)
		return;
	while (core->threads) {
		struct cpu_thread *t = core->threads;

		core->threads = t->sib;
		cpu_thread_free(t);
	}
	free(core->comp); /* core is the statistics' (stats_block) */
}

void cpu_destroy(struct cpu *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ncores; i++)
		cpu_core_free(c->core[i]);
	free(c->core); /* c is the statistics' (stats_block) */
}

struct cpu_core *cpu_core_find(const struct cpu *c, const char *name)
{
	for (size_t i = 0; i < c->ncores; i++)
		if (!strcmp(c->core[i]->name, name))
			return c->core[i];
	return NULL;
}

/* Makes room for one more core pointer. */
static int cpu_grow_cores(struct cpu *c)
{
	struct cpu_core **p;
	size_t cap = c->cap ? 2 * c->cap : 4;

	if (c->ncores < c->cap)
		return 0;
	p = realloc(c->core, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->core = p;
	c->cap = cap;
	return 0;
}

/* A thread with an empty ring, in core's list (no statistics yet). */
static struct cpu_thread *cpu_thread_new(struct cpu_core *core,
					 enum cpu_class cls, unsigned prio)
{
	struct cpu_thread *t = stats_block(core->cpu->st, sizeof(*t));

	if (!t)
		return NULL;
	/* one cache line: the jobs of a thread's usual backlog share it
	 * (the ring doubles when it fills) */
	t->q = aligned_alloc(64, CPU_RQ_INIT * sizeof(*t->q));
	if (!t->q)
		return NULL; /* t is the statistics' (stats_block) */
	t->core = core;
	t->cls = cls;
	t->prio = prio;
	t->mask = CPU_RQ_INIT - 1;
	t->woke_at = -1;
	t->ran_at = -1;
	if (core->threads) {
		core->shared = true;
		core->cfs = core->cpu->cfg.normal_policy == CPU_NORMAL_CFS;
	}
	t->sib = core->threads;
	core->threads = t;
	return t;
}

static struct cpu_core *cpu_core_new(struct cpu *c, enum cpu_domain dom,
				     const char *name)
{
	struct cpu_core *core = stats_block(c->st, sizeof(*core));
	size_t lc = strlen(c->comp), ln = strlen(name);

	if (!core)
		return NULL;
	core->cpu = c;
	core->pull = c->cfg.migration == CPU_MIGRATE_IDLE_PULL;
	/* until it has a second thread (cpu_thread_new), only a migrating
	 * one could share it */
	core->cfs = c->cfg.normal_policy == CPU_NORMAL_CFS && core->pull;
	core->dom = dom;
	core->comp = malloc(lc + 1 + ln + 1);
	core->deflt = cpu_thread_new(core, CPU_CLASS_NORMAL, 0);
	if (!core->comp || !core->deflt) {
		cpu_core_free(core);
		return NULL;
	}
	memcpy(core->comp, c->comp, lc);
	core->comp[lc] = '.';
	memcpy(core->comp + lc + 1, name, ln + 1);
	core->name = core->comp + lc + 1;
	if (!stats_counter_at(c->st, core->comp, "busy", "ps", &core->busy)) {
		cpu_core_free(core);
		return NULL;
	}
	return core;
}

static int cpu_core_sched_stats(struct cpu_core *core);

struct cpu_core *cpu_add_core(struct cpu *c, enum cpu_domain dom,
			      const char *name)
{
	struct cpu_core *core;

	if (!c || !name || (unsigned)dom >= CPU_NDOMS ||
	    cpu_core_find(c, name) || cpu_grow_cores(c))
		return NULL;
	core = cpu_core_new(c, dom, name);
	if (core && c->cfg.migration != CPU_MIGRATE_NONE &&
	    cpu_core_sched_stats(core)) {
		cpu_core_free(core);
		return NULL;
	}
	if (core) {
		core->index = (uint32_t)c->ncores;
		c->core[c->ncores++] = core;
	}
	return core;
}

/* The scheduler's statistics of a core, at its first thread. */
static int cpu_core_sched_stats(struct cpu_core *core)
{
	struct stats *st = core->cpu->st;

	if (core->sched)
		return 0;
	if (!stats_counter_at(st, core->comp, "switches", "",
			      &core->switches) ||
	    !stats_counter_at(st, core->comp, "preemptions", "",
			      &core->preemptions) ||
	    !stats_counter_at(st, core->comp, "idle_exits", "",
			      &core->idle_exits))
		return -ENOMEM;
	if (core->cpu->cfg.migration != CPU_MIGRATE_NONE &&
	    !stats_counter_at(st, core->comp, "pulls", "", &core->pulls))
		return -ENOMEM;
	core->sched = true;
	return 0;
}

static int cpu_thread_stats(struct cpu_thread *t)
{
	struct stats *st = t->core->cpu->st;

	if (!stats_counter_at(st, t->comp, "run", "ps", &t->run) ||
	    !stats_counter_at(st, t->comp, "wait", "ps", &t->wait) ||
	    !stats_counter_at(st, t->comp, "wakeups", "", &t->wakeups) ||
	    !stats_counter_at(st, t->comp, "preempted", "", &t->preempted) ||
	    !stats_counter_at(st, t->comp, "jobs", "", &t->jobs))
		return -ENOMEM;
	t->lat = stats_hist(st, t->comp, "sched_latency", "ps");
	if (!t->lat)
		return -ENOMEM;
	stats_hold_init(&t->lat_hold, st);
	if (t->core->cpu->cfg.migration != CPU_MIGRATE_NONE &&
	    !stats_counter_at(st, t->comp, "migrations", "", &t->migrations))
		return -ENOMEM;
	return 0;
}

struct cpu_thread *cpu_thread_create(struct cpu_core *core, const char *name,
				     enum cpu_class cls, unsigned prio)
{
	struct cpu_thread *t;
	size_t lc, ln;

	if (!core || !name || !name[0] || (unsigned)cls >= CPU_NCLASSES ||
	    (cls != CPU_CLASS_RT && prio))
		return NULL;
	for (t = core->threads; t; t = t->sib)
		if (t->comp && !strcmp(t->comp + strlen(core->comp) + 1, name))
			return NULL;
	if (cpu_core_sched_stats(core))
		return NULL;
	if (cls == CPU_CLASS_IRQ && !core->has_irqs) {
		if (!stats_counter_at(core->cpu->st, core->comp, "interrupts",
				      "", &core->irqs))
			return NULL;
		core->has_irqs = true;
	}
	t = cpu_thread_new(core, cls, prio);
	if (!t)
		return NULL;
	if (cls != CPU_CLASS_IRQ && !core->spin)
		core->sleeps = true;
	lc = strlen(core->comp);
	ln = strlen(name);
	t->comp = malloc(lc + 1 + ln + 1);
	if (!t->comp)
		return NULL; /* freed with its core */
	memcpy(t->comp, core->comp, lc);
	t->comp[lc] = '.';
	memcpy(t->comp + lc + 1, name, ln + 1);
	if (cpu_thread_stats(t))
		return NULL;
	t->named = true;
	return t;
}

void cpu_core_spin(struct cpu_core *core)
{
	core->spin = true;
	core->sleeps = false;
}

int cpu_core_default_class(struct cpu_core *core, enum cpu_class cls,
			   unsigned prio)
{
	if ((unsigned)cls >= CPU_NCLASSES || (cls != CPU_CLASS_RT && prio))
		return -EINVAL;
	core->deflt->cls = cls;
	core->deflt->prio = prio;
	return 0;
}

struct cpu_core *cpu_thread_core(const struct cpu_thread *t)
{
	return t->core;
}

enum cpu_class cpu_thread_class(const struct cpu_thread *t)
{
	return t->cls;
}

int cpu_thread_unpin(struct cpu_thread *t)
{
	if (!t || !t->comp || t->cls != CPU_CLASS_NORMAL)
		return -EINVAL;
	t->unpinned = true;
	return 0;
}

uint32_t cpu_thread_backlog(const struct cpu_thread *t)
{
	return t->tail - t->head;
}

uint32_t cpu_core_index(const struct cpu_core *core)
{
	return core->index;
}

const struct cpu_cfg *cpu_config(const struct cpu *c)
{
	return &c->cfg;
}

enum cpu_domain cpu_core_domain(const struct cpu_core *core)
{
	return core->dom;
}

void cpu_job_add(struct cpu_job *j, enum cpu_acct a, sim_time ps)
{
	j->ps[a] += ps;
	j->n[a]++;
	j->charged |= 1u << a;
}

void cpu_job_syscall(struct cpu_job *j, const struct cpu *c)
{
	cpu_job_add(j, CPU_A_SYSCALL, c->cfg.syscall_ps);
}

sim_time cpu_bytes_time(uint64_t bytes, double Bps)
{
	return (sim_time)llround((double)bytes * (double)SIM_S / Bps);
}

void cpu_job_copy(struct cpu_job *j, const struct cpu *c, uint64_t bytes)
{
	cpu_job_add(j, CPU_A_COPY, cpu_bytes_time(bytes, c->cfg.copy_Bps));
	j->copied_bytes += bytes;
}

/* waker may be NULL (an interrupt, no core): that counts as cross-core. */
void cpu_job_wakeup(struct cpu_job *j, const struct cpu_core *waker,
		    const struct cpu_core *wakee)
{
	const struct cpu_cfg *k = &wakee->cpu->cfg;

	if (waker == wakee) {
		cpu_job_add(j, CPU_A_WAKEUP, k->wakeup_same_ps);
		return;
	}
	cpu_job_add(j, CPU_A_WAKEUP, k->wakeup_cross_ps);
	j->wakeups_cross++;
}

void cpu_job_ctxsw(struct cpu_job *j, const struct cpu *c)
{
	cpu_job_add(j, CPU_A_CTXSW, c->cfg.ctxsw_ps);
}

sim_time cpu_job_cost(const struct cpu_job *j)
{
	sim_time t = 0;

	for (uint32_t m = j->charged; m; m &= m - 1)
		t += j->ps[__builtin_ctz(m)];
	return t;
}

uint32_t cpu_core_backlog(const struct cpu_core *core)
{
	return core->njobs;
}

/* Doubles a full ring, keeping every job at its counter's slot. */
static int cpu_rq_grow(struct cpu_thread *t)
{
	uint32_t cap = t->mask + 1, nmask;
	struct cpu_rq_job *q;

	if (cap > UINT32_MAX / 2)
		return -ENOMEM;
	q = realloc(t->q, (size_t)cap * 2 * sizeof(*q));
	if (!q)
		return -ENOMEM;
	nmask = 2 * cap - 1;
	for (uint32_t i = t->head; i != t->tail; i++)
		if ((i & nmask) != (i & t->mask))
			q[i & nmask] = q[i & t->mask];
	t->q = q;
	t->mask = nmask;
	return 0;
}

/* --- CFS ------------------------------------------------------------ */

/* Linux's CFS as of v6.5 (kernel/sched/fair.c, before EEVDF), for
 * threads of weight nice 0: see docs/models/cpu.md for each function. */

/* Whether core keeps CFS's state (virtual runtimes, min_vruntime, the
 * slices' clock): under cfs, once it has a second thread or may take a
 * migrating one. A thread alone on its core never waits behind another
 * normal thread and every CFS decision compares it with one, so its
 * virtual runtime decides nothing: not keeping it spares a line of the
 * thread and of the configuration per job. */
static bool cpu_cfs(const struct cpu_core *core)
{
	return core->cfs;
}

/* Whether core has one thread for good: no other, and none may migrate
 * in. Then no thread waits behind it: its quantum (rr), like its virtual
 * runtime (cfs), decides nothing and is not kept. */
static bool cpu_core_alone(const struct cpu_core *core)
{
	return !core->shared && !core->pull;
}

/* get_update_sysctl_factor(), SCHED_TUNABLESCALING_LOG: the tunables
 * are multiplied by 1 + ilog2(cores), the cores counted up to 8. */
static sim_time cpu_cfs_factor(const struct cpu *c)
{
	size_t n = c->ncores < 8 ? c->ncores : 8;
	sim_time f = 1;

	while (n > 1) {
		n >>= 1;
		f++;
	}
	return f;
}

/* update_min_vruntime(): the least virtual runtime of the running normal
 * thread and the first waiting one, never decreasing. */
static void cpu_cfs_min(struct cpu_core *core)
{
	const struct cpu_thread *cur = core->cur;
	bool have = cur && cur->cls == CPU_CLASS_NORMAL;
	sim_time v = have ? cur->vr : 0;

	if (core->ts && (!have || core->ts->vr < v)) {
		v = core->ts->vr;
		have = true;
	}
	if (have && v > core->min_vr)
		core->min_vr = v;
}

/* sched_slice(): the period, sched_latency (or nr x min_granularity past
 * sched_nr_latency = 8 threads), shared equally by the nr runnable
 * normal threads (the running one and those waiting). */
static sim_time cpu_cfs_slice(const struct cpu_core *core)
{
	const struct cpu_cfg *k = &core->cpu->cfg;
	sim_time f = cpu_cfs_factor(core->cpu), nr = (sim_time)core->nts + 1;
	sim_time period =
		nr > 8 ? nr * k->cfs_min_gran_ps * f : k->cfs_latency_ps * f;

	return period / nr;
}

/* check_preempt_tick() at every instant: when cur (normal, running,
 * credited up to now) must yield to the first waiting normal thread:
 * once it has run its slice since it was picked, or once it has run
 * min_granularity and its virtual runtime is a slice ahead of the
 * first's. */
static sim_time cpu_cfs_tick_end(const struct cpu_core *core, sim_time now)
{
	const struct cpu_thread *t = core->cur;
	sim_time ideal = cpu_cfs_slice(core);
	sim_time gran =
		core->cpu->cfg.cfs_min_gran_ps * cpu_cfs_factor(core->cpu);
	sim_time e1 = ideal - t->since_pick;
	sim_time e2 = core->ts->vr + ideal - t->vr;

	if (e2 < gran - t->since_pick)
		e2 = gran - t->since_pick;
	if (e2 < e1)
		e1 = e2;
	return e1 > 0 ? now + e1 : now;
}

/* Whether cur's tick would preempt it now (cpu_cfs_tick_end reached). */
static bool cpu_cfs_due(const struct cpu_core *core, const struct cpu_thread *t)
{
	sim_time ideal, gran;

	if (!core->ts)
		return false;
	ideal = cpu_cfs_slice(core);
	gran = core->cpu->cfg.cfs_min_gran_ps * cpu_cfs_factor(core->cpu);
	return t->since_pick >= ideal ||
	       (t->since_pick >= gran && t->vr - core->ts->vr >= ideal);
}

/* place_entity() for a wakeup: a thread that slept keeps its virtual
 * runtime, but not less than min_vruntime - sched_latency / 2
 * (GENTLE_FAIR_SLEEPERS). */
static void cpu_cfs_place(struct cpu_thread *t)
{
	struct cpu_core *core = t->core;
	sim_time thresh =
		core->cpu->cfg.cfs_latency_ps * cpu_cfs_factor(core->cpu) / 2;

	cpu_cfs_min(core);
	if (t->vr < core->min_vr - thresh)
		t->vr = core->min_vr - thresh;
}

/* check_preempt_wakeup() / wakeup_preempt_entity(): a normal thread that
 * becomes ready preempts the running normal one whose virtual runtime
 * exceeds its own by more than wakeup_granularity. */
static bool cpu_cfs_preempts(const struct cpu_thread *t,
			     const struct cpu_thread *cur)
{
	const struct cpu *c = t->core->cpu;

	return c->cfg.normal_policy == CPU_NORMAL_CFS &&
	       t->cls == CPU_CLASS_NORMAL && cur->cls == CPU_CLASS_NORMAL &&
	       cur->vr - t->vr > c->cfg.cfs_wakeup_gran_ps * cpu_cfs_factor(c);
}

/* --- ready lists --------------------------------------------------- */

/* Where a ready thread goes in its list. */
enum cpu_q {
	CPU_Q_TAIL,  /* woken, or its quantum or slice over: the tail (rr),
			by virtual runtime (cfs) */
	CPU_Q_HEAD,  /* preempted: the head of its priority (rr), by
			virtual runtime (cfs) */
	CPU_Q_FIRST, /* continuing (its next job, or a failed pick): the
			head, whatever the policy */
};

/* Whether a should run rather than b. */
static bool cpu_outranks(const struct cpu_thread *a, const struct cpu_thread *b)
{
	if (a->cls != b->cls)
		return a->cls > b->cls;
	return a->cls == CPU_CLASS_RT && a->prio > b->prio;
}

/* The order of the real-time list, which also holds interrupt threads:
 * above every real-time priority. */
static unsigned cpu_rank(const struct cpu_thread *t)
{
	return t->cls == CPU_CLASS_IRQ ? UINT32_MAX : t->prio;
}

/* Puts t in its ready list (see enum cpu_q). */
static void cpu_ready_insert(struct cpu_thread *t, enum cpu_q where)
{
	struct cpu_core *core = t->core;
	struct cpu_thread **pp = &core->rt;
	bool head = where != CPU_Q_TAIL;

	t->state = CPU_T_READY;
	core->nready++;
	if (t->cls == CPU_CLASS_NORMAL) {
		core->nts++;
		if (cpu_cfs(core) && where != CPU_Q_FIRST && core->ts) {
			/* after those of equal virtual runtime */
			for (pp = &core->ts; *pp && (*pp)->vr <= t->vr;
			     pp = &(*pp)->next)
				;
			t->next = *pp;
			*pp = t;
			if (!t->next)
				core->ts_tail = t;
			return;
		}
		if (!core->ts) {
			t->next = NULL;
			core->ts = core->ts_tail = t;
		} else if (head) {
			t->next = core->ts;
			core->ts = t;
		} else {
			t->next = NULL;
			core->ts_tail->next = t;
			core->ts_tail = t;
		}
		return;
	}
	while (*pp && (cpu_rank(*pp) > cpu_rank(t) ||
		       (!head && cpu_rank(*pp) == cpu_rank(t))))
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
}

static struct cpu_thread *cpu_ready_first(const struct cpu_core *core)
{
	return core->rt ? core->rt : core->ts;
}

static struct cpu_thread *cpu_ready_pop(struct cpu_core *core)
{
	struct cpu_thread *t = core->rt;

	if (t) {
		core->rt = t->next;
	} else if ((t = core->ts)) {
		core->ts = t->next;
		core->nts--;
		if (!core->ts)
			core->ts_tail = NULL;
	}
	if (t) {
		t->next = NULL;
		core->nready--;
	}
	return t;
}

/* Takes t (ready) out of its list. */
static void cpu_ready_remove(struct cpu_thread *t)
{
	struct cpu_core *core = t->core;
	struct cpu_thread **pp =
		t->cls != CPU_CLASS_NORMAL ? &core->rt : &core->ts;
	struct cpu_thread *prev = NULL;

	while (*pp && *pp != t) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = t->next;
	core->nready--;
	if (t->cls == CPU_CLASS_NORMAL)
		core->nts--;
	if (core->ts_tail == t)
		core->ts_tail = prev;
	t->next = NULL;
}

/* --- the core's phases --------------------------------------------- */

static void cpu_core_ev(struct sim *sim, void *a, void *b);

/* Schedules the end of the phase at `at`; 0 or -ENOMEM. */
static int cpu_core_at(struct cpu_core *core, sim_time at)
{
	core->ev = sim_schedule_at(core->cpu->sim, at, cpu_core_ev, core, NULL);
	core->ev_at = at;
	return core->ev ? 0 : -ENOMEM;
}

/* When the running job's segment ends: its completion, or the end of the
 * quantum (rr; renewed while cur ran alone) or of the slice (cfs) if
 * other normal threads are ready. Under cfs, cur is credited up to
 * now. */
static sim_time cpu_run_end(struct cpu_core *core, sim_time now)
{
	const struct cpu_thread *t = core->cur;
	sim_time slice, end = core->mark_ps + t->rem;

	if (t->cls != CPU_CLASS_NORMAL || cpu_core_alone(core) || !core->ts)
		return end; /* (a thread alone never has ts to check) */
	if (cpu_cfs(core)) {
		slice = cpu_cfs_tick_end(core, now);
		return slice < end ? slice : end;
	}
	slice = core->cpu->cfg.slice_ps;
	if (slice <= 0)
		return end;
	if (core->qend <= now)
		core->qend += ((now - core->qend) / slice + 1) * slice;
	return core->qend < end ? core->qend : end;
}

/* Credits the time since mark: busy, and if running, cur's run time and
 * the work done on its job. */
static void cpu_core_credit(struct cpu_core *core, sim_time now)
{
	sim_time el = now - core->mark_ps;
	struct cpu *c = core->cpu;

	if (core->phase == CPU_P_IDLE && core->spin) {
		/* polling while no job runs */
		core->busy += (uint64_t)el;
		core->spin_ps += (uint64_t)el;
		c->acct[cpu_acct_at[CPU_A_POLL].time] += (uint64_t)el;
		c->total += (uint64_t)el;
		core->mark_ps = now;
		return;
	}
	if (core->phase != CPU_P_RUN && core->phase != CPU_P_SWITCH)
		return;
	core->busy += (uint64_t)el;
	if (core->phase == CPU_P_RUN) {
		struct cpu_thread *t = core->cur;

		if (t->unpinned) /* it may move: credit its core now */
			core->busy_cls[t->cls] += (uint64_t)el;
		t->run += (uint64_t)el;
		t->rem -= el;
		if (t->cls == CPU_CLASS_NORMAL && cpu_cfs(core)) {
			/* update_curr() */
			t->vr += el;
			t->since_pick += el;
			cpu_cfs_min(core);
		}
	}
	core->mark_ps = now;
}

/* t stops running at now: what cpu.migration's cache-hotness reads of a
 * thread that may move (nothing else reads it, so a pinned thread's line
 * is left alone). */
static void cpu_ran(struct cpu_thread *t, sim_time now)
{
	if (t->unpinned) /* only those are looked at */
		t->ran_at = now;
}

/* Starts cur's head job (its thread has been switched to). */
static int cpu_run_start(struct cpu_core *core)
{
	struct cpu_thread *t = core->cur;
	sim_time now = sim_now(core->cpu->sim);

	core->phase = CPU_P_RUN;
	core->mark_ps = now;
	if (t->cls == CPU_CLASS_NORMAL && !cpu_core_alone(core)) {
		if (t->slice_left <= 0)
			t->slice_left = core->cpu->cfg.slice_ps;
		core->qend = now + t->slice_left;
	}
	if (cpu_core_at(core, cpu_run_end(core, now)))
		return -ENOMEM;
	if (t->named) { /* a default thread reports neither */
		t->wait += (uint64_t)(now - t->ready_at);
		if (t->woke_at >= 0)
			stats_hold_record(&t->lat_hold, t->lat, now,
					  now - t->woke_at);
		t->woke_at = -1;
	}
	return 0;
}

/* --- migration (cpu.migration: idle_pull) ------------------------- */

/* The last thread of core's normal ready list that may migrate, or
 * NULL: unpinned, and not cache-hot (can_migrate_task() and task_hot():
 * it has not run in the last migration_cost). */
static struct cpu_thread *cpu_movable(const struct cpu_core *core)
{
	sim_time now = sim_now(core->cpu->sim);
	sim_time hot = core->cpu->cfg.migration_cost_ps;
	struct cpu_thread *m = NULL;

	for (struct cpu_thread *t = core->ts; t; t = t->next)
		if (t->unpinned && (t->ran_at < 0 || now - t->ran_at >= hot))
			m = t;
	return m;
}

/* Moves t (ready, waiting on its core) to dst, keeping its virtual
 * runtime relative to min_vruntime (migrate_task_rq_fair() and
 * enqueue_entity()'s renormalisation); its next start there costs a
 * context switch (the migration's cost: no cache is modelled). */
static void cpu_migrate(struct cpu_thread *t, struct cpu_core *dst)
{
	struct cpu_core *src = t->core;
	uint32_t n = t->tail - t->head;

	cpu_ready_remove(t);
	src->njobs -= n;
	dst->njobs += n;
	t->vr = t->vr - src->min_vr + dst->min_vr;
	t->core = dst;
	t->cold = true;
	t->migrations++;
	dst->pulls++;
	cpu_ready_insert(t, CPU_Q_TAIL);
}

/* newidle_balance(): core, about to go idle, pulls a waiting thread that
 * may migrate from the core of its domain with the most normal threads
 * waiting (the first such core on a tie). */
static void cpu_pull(struct cpu_core *core)
{
	struct cpu *c = core->cpu;
	struct cpu_core *busiest = NULL;
	struct cpu_thread *m = NULL;

	for (size_t i = 0; i < c->ncores; i++) {
		struct cpu_core *o = c->core[i];
		struct cpu_thread *t;

		if (o == core || o->dom != core->dom ||
		    (busiest && o->nts <= busiest->nts))
			continue;
		t = cpu_movable(o);
		if (t) {
			busiest = o;
			m = t;
		}
	}
	if (m)
		cpu_migrate(m, core);
}

/* Whether core is idle and may take a thread: not busy polling (a poll
 * loop holds it), nothing ready or running. */
static bool cpu_core_takes(const struct cpu_core *core)
{
	return core->phase == CPU_P_IDLE && !core->cur && !core->spin &&
	       !core->rt && !core->ts;
}

static int cpu_core_wake(struct cpu_core *core, sim_time now);

/* nohz_balancer_kick() and the idle core's balance, at once: while core
 * has a thread waiting that may migrate and an idle core of its domain
 * exists, that core (the first) takes it and wakes. */
static void cpu_kick(struct cpu_core *core)
{
	struct cpu *c = core->cpu;
	struct cpu_thread *m;

	while ((m = cpu_movable(core))) {
		struct cpu_core *dst = NULL;

		for (size_t i = 0; i < c->ncores && !dst; i++)
			if (c->core[i] != core &&
			    c->core[i]->dom == core->dom &&
			    cpu_core_takes(c->core[i]))
				dst = c->core[i];
		if (!dst)
			return;
		cpu_migrate(m, dst);
		cpu_core_wake(dst, sim_now(c->sim));
	}
}

static int cpu_core_run(struct cpu_core *core, struct cpu_thread *t,
			sim_time now);

/* The core is idle: runs the first ready thread, after a context switch
 * if it is not the last one switched to (or the thread has just
 * migrated). Returns 0, or -ENOMEM if the engine could not schedule (the
 * thread stays ready, the core idle). */
static int cpu_core_pick(struct cpu_core *core)
{
	sim_time now = sim_now(core->cpu->sim);
	struct cpu_thread *t;

	if (core->pull && !core->spin && !core->rt && !core->ts)
		cpu_pull(core);
	t = cpu_ready_pop(core);
	if (!t) {
		core->cur = NULL;
		core->phase = CPU_P_IDLE;
		core->idle_since = now;
		return 0;
	}
	return cpu_core_run(core, t, now);
}

/* The idle core runs t (out of its ready list), after a context switch
 * if need be (cpu_core_pick()); 0, or -ENOMEM as cpu_core_pick(). */
static int cpu_core_run(struct cpu_core *core, struct cpu_thread *t,
			sim_time now)
{
	struct cpu *c = core->cpu;

	core->cur = t;
	core->phase = CPU_P_IDLE;
	t->state = CPU_T_CUR;
	if (t->cls == CPU_CLASS_IRQ ||
	    (!t->cold && (!core->last || core->last == t))) {
		/* an interrupt enters without a switch, and leaves last on
		 * the thread it interrupted */
		if (t->cls != CPU_CLASS_IRQ)
			core->last = t;
		if (!cpu_run_start(core))
			return 0;
	} else if (!cpu_core_at(core, now + c->cfg.ctxsw_ps)) {
		core->phase = CPU_P_SWITCH;
		core->mark_ps = now;
		core->last = t;
		t->cold = false;
		c->acct[cpu_acct_at[CPU_A_CTXSW].time] +=
			(uint64_t)c->cfg.ctxsw_ps;
		c->total += (uint64_t)c->cfg.ctxsw_ps;
		c->ctxsw++;
		core->switches++;
		return 0;
	}
	core->cur = NULL;
	core->phase = CPU_P_IDLE;
	core->idle_since = now;
	cpu_ready_insert(t, CPU_Q_FIRST);
	return -ENOMEM;
}

/* The exit latency of the idle state an idle period of length idle
 * reached: the deepest whose target residency it covers. */
static sim_time cpu_idle_exit(const struct cpu_cfg *k, sim_time idle)
{
	if (idle <= 0)
		return 0;
	if (k->deep_exit_ps > 0 && idle >= k->deep_residency_ps)
		return k->deep_exit_ps;
	if (idle >= k->idle_residency_ps)
		return k->idle_exit_ps;
	return 0;
}

/* Stops cur (running) for by, a thread that outranks it. An interrupt
 * only suspends it: it resumes first, its CFS slice going on (the kernel
 * returns from the interrupt to the task it interrupted, which stays the
 * run queue's curr); a thread puts it back in its list (a CFS thread by
 * its virtual runtime, with a new slice at its next pick:
 * put_prev_entity(), set_next_entity()). */
static int cpu_core_preempt(struct cpu_core *core, sim_time now,
			    const struct cpu_thread *by)
{
	struct cpu_thread *t = core->cur;
	bool irq = by->cls == CPU_CLASS_IRQ;

	sim_cancel(core->cpu->sim, core->ev);
	cpu_core_credit(core, now);
	cpu_ran(t, now);
	if (t->cls == CPU_CLASS_NORMAL) {
		t->slice_left = core->qend > now ? core->qend - now : 0;
		if (!irq)
			t->since_pick = 0;
	}
	core->preemptions++;
	t->preempted++; /* a default thread's is not reported */
	if (t->named)
		t->ready_at = now;
	cpu_ready_insert(t, irq ? CPU_Q_FIRST : CPU_Q_HEAD);
	core->cur = NULL;
	core->phase = CPU_P_IDLE;
	return cpu_core_pick(core);
}

/* An idle core with a thread ready: it runs it at once, or after its
 * idle state's exit latency. */
static int cpu_core_wake(struct cpu_core *core, sim_time now)
{
	sim_time exit;

	cpu_core_credit(core, now); /* a busy-polling core's idle */
	exit = core->sleeps
		       ? cpu_idle_exit(&core->cpu->cfg, now - core->idle_since)
		       : 0;
	if (!exit)
		return cpu_core_pick(core);
	if (cpu_core_at(core, now + exit))
		return -ENOMEM;
	core->phase = CPU_P_WAKE;
	core->idle_exits++;
	return 0;
}

/* t (blocked) has a job: it becomes ready, and runs at once, after the
 * core wakes, after what runs, or preempts it. */
static int cpu_thread_wake(struct cpu_thread *t)
{
	struct cpu_core *core = t->core;
	sim_time now = sim_now(core->cpu->sim), at;

	if (t->named) {
		t->woke_at = now;
		t->ready_at = now;
	}
	if (t->cls == CPU_CLASS_NORMAL && cpu_cfs(core)) {
		cpu_core_credit(core, now); /* update_curr() */
		cpu_cfs_place(t);
	}
	if (core->phase == CPU_P_IDLE && !core->cur && !core->nready &&
	    !core->sleeps) {
		/* an idle core that does not sleep, with nothing else ready:
		 * t runs at once, without passing through the ready list
		 * (whose line is left alone) */
		cpu_core_credit(core, now); /* a busy-polling core's idle */
		return cpu_core_run(core, t, now);
	}
	cpu_ready_insert(t, CPU_Q_TAIL);
	switch (core->phase) {
	case CPU_P_IDLE:
		return cpu_core_wake(core, now);
	case CPU_P_RUN:
		if (cpu_outranks(t, core->cur) ||
		    cpu_cfs_preempts(t, core->cur))
			return cpu_core_preempt(core, now, t);
		at = cpu_run_end(core, now);
		if (at == core->ev_at)
			return 0;
		sim_cancel(core->cpu->sim, core->ev);
		return cpu_core_at(core, at);
	default: /* waking or switching: decided at its end */
		return 0;
	}
}

/* cur's segment ended: its job is done, or its quantum. */
static void cpu_run_done(struct cpu_core *core, sim_time now)
{
	struct cpu_thread *t = core->cur;
	struct cpu_rq_job j;
	bool expired;

	cpu_core_credit(core, now);
	cpu_ran(t, now);
	if (cpu_cfs(core))
		expired = t->cls == CPU_CLASS_NORMAL && cpu_cfs_due(core, t);
	else
		expired = t->cls == CPU_CLASS_NORMAL && core->ts &&
			  core->cpu->cfg.slice_ps > 0 && core->qend <= now;
	if (t->cls == CPU_CLASS_NORMAL) {
		t->slice_left = expired ? 0 : core->qend - now;
		if (expired)
			t->since_pick = 0;
	}
	core->cur = NULL;
	core->phase = CPU_P_IDLE;
	if (t->rem > 0) { /* the quantum or the slice ran out */
		if (t->named)
			t->ready_at = now;
		cpu_ready_insert(t, cpu_cfs(core) && !expired ? CPU_Q_FIRST
							      : CPU_Q_TAIL);
		cpu_core_pick(core);
		return;
	}
	j = t->q[t->head & t->mask];
	t->head++;
	core->njobs--;
	if (t->named) {
		t->jobs++;
		t->ready_at = now;
	}
	if (t->head != t->tail) {
		t->rem = t->q[t->head & t->mask].cost;
		cpu_ready_insert(t, expired ? CPU_Q_TAIL : CPU_Q_FIRST);
	} else {
		t->state = CPU_T_BLOCKED;
		t->slice_left = 0;
		if (cpu_cfs(core)) {
			if (t->cls == CPU_CLASS_NORMAL)
				t->since_pick = 0;
			cpu_cfs_min(core); /* dequeue_entity() */
		}
		if (core->shared && j.fn) {
			/* the last job of a thread sharing its core: its
			 * function runs before the core moves on, so work it
			 * hands to the same thread continues it without a
			 * switch (the next stage called from the same
			 * context) */
			if (t->cls != CPU_CLASS_IRQ)
				core->last = t;
			core->idle_since = now;
			j.fn(core->cpu->sim, j.a, j.b);
			if (core->phase == CPU_P_IDLE && !core->cur)
				cpu_core_pick(core);
			return;
		}
	}
	/* If the engine cannot schedule, the core waits for the next
	 * wakeup to pick again. */
	cpu_core_pick(core);
	if (j.fn)
		j.fn(core->cpu->sim, j.a, j.b);
}

/* The end of the core's phase. */
static void cpu_core_ev(struct sim *sim, void *a, void *b)
{
	struct cpu_core *core = a;
	sim_time now = sim_now(sim);
	struct cpu_thread *t = core->cur, *first;

	(void)b;
	core->ev = 0;
	switch (core->phase) {
	case CPU_P_WAKE:
		core->phase = CPU_P_IDLE;
		cpu_core_pick(core);
		break;
	case CPU_P_SWITCH:
		cpu_core_credit(core, now);
		first = cpu_ready_first(core);
		if (!first ||
		    !(cpu_outranks(first, t) || cpu_cfs_preempts(first, t))) {
			if (cpu_run_start(core)) {
				core->cur = NULL;
				core->phase = CPU_P_IDLE;
				cpu_ready_insert(t, CPU_Q_FIRST);
			}
			break;
		}
		core->preemptions++;
		if (t->cls == CPU_CLASS_NORMAL)
			t->since_pick = 0;
		cpu_ready_insert(t, CPU_Q_HEAD);
		core->cur = NULL;
		core->phase = CPU_P_IDLE;
		cpu_core_pick(core);
		break;
	case CPU_P_RUN:
		cpu_run_done(core, now);
		break;
	default:
		break;
	}
	if (core->pull)
		cpu_kick(core);
}

/* Adds the charges of a queued job to the statistics. A job charges a
 * few of the accounts (job->charged): only those are visited, and the
 * counters of the others are not touched. */
static void cpu_account(struct cpu *c, const struct cpu_job *job)
{
	uint64_t total = 0;

	for (uint32_t m = job->charged; m; m &= m - 1) {
		unsigned a = (unsigned)__builtin_ctz(m);

		c->acct[cpu_acct_at[a].time] += (uint64_t)job->ps[a];
		total += (uint64_t)job->ps[a];
		if (cpu_acct_at[a].count != CPU_ACCT_NONE)
			c->acct[cpu_acct_at[a].count] += job->n[a];
	}
	c->total += total;
	c->syscalls += job->n[CPU_A_SYSCALL];
	if (job->n[CPU_A_CTXSW]) /* its line is cold */
		c->ctxsw += job->n[CPU_A_CTXSW];
	c->wakeups += job->n[CPU_A_WAKEUP];
	if (job->wakeups_cross) /* its line is cold */
		c->wakeups_cross += job->wakeups_cross;
	c->copies += job->n[CPU_A_COPY];
	c->copied_bytes += job->copied_bytes;
	c->jobs++;
}

int cpu_thread_submit(struct cpu_thread *t, const struct cpu_job *job,
		      sim_fn fn, void *a, void *b)
{
	sim_time cost = cpu_job_cost(job);

	if (cpu_thread_backlog(t) > t->mask && cpu_rq_grow(t))
		return -ENOMEM;
	t->q[t->tail & t->mask] =
		(struct cpu_rq_job){ .fn = fn, .a = a, .b = b, .cost = cost };
	t->tail++;
	t->core->njobs++;
	if (t->cls == CPU_CLASS_IRQ)
		t->core->irqs++;
	if (t->state == CPU_T_BLOCKED) {
		t->rem = cost;
		if (t->named)
			t->wakeups++;
		if (cpu_thread_wake(t)) {
			if (t->state == CPU_T_READY)
				cpu_ready_remove(t);
			t->state = CPU_T_BLOCKED;
			t->woke_at = -1;
			t->tail--;
			t->core->njobs--;
			if (t->cls == CPU_CLASS_IRQ)
				t->core->irqs--;
			return -ENOMEM;
		}
		if (t->core->pull)
			cpu_kick(t->core);
	}
	cpu_account(t->core->cpu, job);
	return 0;
}

int cpu_submit(struct cpu_core *core, const struct cpu_job *job, sim_fn fn,
	       void *a, void *b)
{
	return cpu_thread_submit(core->deflt, job, fn, a, b);
}

sim_time cpu_acct_time(const struct cpu *c, enum cpu_acct a)
{
	return (sim_time)c->acct[cpu_acct_at[a].time];
}

uint64_t cpu_acct_count(const struct cpu *c, enum cpu_acct a)
{
	switch (a) { /* those counted by a counter of their own */
	case CPU_A_SYSCALL:
		return c->syscalls;
	case CPU_A_COPY:
		return c->copies;
	case CPU_A_WAKEUP:
		return c->wakeups;
	case CPU_A_CTXSW:
		return c->ctxsw;
	default:
		return c->acct[cpu_acct_at[a].count];
	}
}

/* Credits the elapsed part of the phase; returns busy / now. */
static double cpu_core_util(struct cpu_core *core, sim_time now)
{
	cpu_core_credit(core, now);
	return now > 0 ? (double)core->busy / (double)now : 0;
}

/* A core with threads of its own: its utilization by class. */
static void cpu_core_class_util(struct cpu_core *core, sim_time now)
{
	uint64_t busy[CPU_NCLASSES];
	char metric[32];

	/* a pinned thread runs on its core alone, in its class (set before
	 * its first job): its run time is its core's time in that class */
	memcpy(busy, core->busy_cls, sizeof(busy));
	for (const struct cpu_thread *t = core->threads; t; t = t->sib)
		if (!t->unpinned)
			busy[t->cls] += t->run;
	if (core->spin)
		stats_scalar(core->cpu->st, core->comp, "util.poll", "",
			     now > 0 ? (double)core->spin_ps / (double)now : 0);
	if (!core->sched)
		return;
	for (unsigned k = 0; k < CPU_NCLASSES; k++) {
		snprintf(metric, sizeof(metric), "util.%s", cpu_class_names[k]);
		stats_scalar(core->cpu->st, core->comp, metric, "",
			     now > 0 ? (double)busy[k] / (double)now : 0);
	}
}

const char *cpu_thread_component(const struct cpu_thread *t)
{
	return t->comp;
}

uint64_t cpu_thread_run(struct cpu_thread *t)
{
	cpu_core_credit(t->core, sim_now(t->core->cpu->sim));
	return t->run;
}

sim_time cpu_pending(struct cpu *c)
{
	sim_time now = sim_now(c->sim), left = 0;

	for (size_t i = 0; i < c->ncores; i++) {
		struct cpu_core *core = c->core[i];

		cpu_core_credit(core, now);
		if (core->phase == CPU_P_SWITCH)
			left += core->ev_at - now;
		for (struct cpu_thread *t = core->threads; t; t = t->sib)
			for (uint32_t k = t->head; k != t->tail; k++)
				left += k == t->head ? t->rem
						     : t->q[k & t->mask].cost;
	}
	return left;
}

uint64_t cpu_domain_busy(struct cpu *c, enum cpu_domain d)
{
	sim_time now = sim_now(c->sim);
	uint64_t busy = 0;

	for (size_t i = 0; i < c->ncores; i++) {
		if (c->core[i]->dom != d)
			continue;
		cpu_core_credit(c->core[i], now);
		busy += c->core[i]->busy;
	}
	return busy;
}

void cpu_finish(struct cpu *c)
{
	sim_time now = sim_now(c->sim);
	double sum[CPU_NDOMS] = { 0 };
	unsigned n[CPU_NDOMS] = { 0 };

	for (size_t i = 0; i < c->ncores; i++) {
		struct cpu_core *core = c->core[i];
		double u = cpu_core_util(core, now);

		for (struct cpu_thread *t = core->threads; t; t = t->sib)
			if (t->named)
				stats_hold_flush(&t->lat_hold, t->lat);

		stats_scalar(c->st, core->comp, "utilization", "", u);
		cpu_core_class_util(core, now);
		sum[core->dom] += u;
		n[core->dom]++;
	}
	for (unsigned d = 0; d < CPU_NDOMS; d++) {
		char metric[32];

		if (!n[d])
			continue;
		snprintf(metric, sizeof(metric), "util.%s", cpu_dom_names[d]);
		stats_scalar(c->st, c->comp, metric, "", sum[d] / n[d]);
	}
	stats_scalar(c->st, c->comp, "pending", "ps", (double)cpu_pending(c));
}

static void cpu_ops_destroy(void *m)
{
	cpu_destroy(m);
}

static void cpu_ops_finish(void *m)
{
	cpu_finish(m);
}

const struct model_ops cpu_ops = {
	.name = "cpu",
	.destroy = cpu_ops_destroy,
	.finish = cpu_ops_finish,
};
