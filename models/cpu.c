/*
 * cpu.c - a host's cores: FIFO servers of jobs charged by account.
 *
 * Each core keeps its run queue in a power-of-two ring of jobs (function,
 * its two words and the cost) indexed by free-running 32-bit counters:
 * [head, tail) are the jobs on the core, the one at head in service while
 * the core runs. A full ring doubles in place (realloc, then the entries
 * that wrapped move to the new half), so a core allocates only until its
 * run queue has reached its peak, never per job.
 *
 * One engine event per job: a job submitted to an idle core starts at
 * once and its completion is scheduled at now + cost; at the completion
 * the core pops the job, starts the next one (its service starts at this
 * completion time) and only then calls the finished job's function. So
 * the function sees the core already moved on: a job it submits to the
 * same core goes behind those already queued (FIFO), and is started by
 * the submission itself only if the core has nothing left to do; no
 * completion is ever scheduled twice. A job of cost 0 still completes
 * through an event (at now), in its place in the queue. A job's function
 * may be NULL: the job only takes its time.
 *
 * Busy time: a core credits its counter busy with the service time of the
 * job in service up to "mark" (the job's start, or the last cpu_finish()),
 * at the job's completion and at cpu_finish(); so busy is the work done
 * up to the last of those moments, and a job still in service at the end
 * of the run counts for its elapsed part. Charges go into the counters
 * when a job is queued. Charges are expected to be >= 0.
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

#define CPU_RQ_INIT 16 /* initial run queue slots of a core (power of 2) */

/* A job in a run queue. */
struct cpu_rq_job {
	sim_fn fn;
	void *a, *b;
	sim_time cost;
};

struct cpu_core {
	struct cpu *cpu;
	enum cpu_domain dom;
	char *comp;	  /* "COMPONENT.NAME" */
	const char *name; /* points into comp */
	struct cpu_rq_job *q;
	uint32_t mask;	     /* q has mask + 1 slots */
	uint32_t head, tail; /* free-running; head in service if running */
	bool running;	     /* a completion event is pending */
	sim_time mark_ps;    /* busy is credited up to here for the head */
	uint64_t *busy;
	uint32_t index; /* in its cpu's array */
};

struct cpu {
	struct sim *sim;
	struct stats *st;
	const char *comp;
	struct cpu_cfg cfg;
	struct cpu_core **core;
	size_t ncores, cap;

	uint64_t count[CPU_NACCTS]; /* charges per account */
	uint64_t *time[CPU_NACCTS]; /* time.ACCT counters (ps) */
	uint64_t *total;	    /* time: all accounts (ps) */
	uint64_t *syscalls, *ctxsw, *wakeups, *wakeups_cross;
	uint64_t *copies, *copied_bytes, *jobs;
};

static const char *const cpu_acct_names[CPU_NACCTS] = {
	[CPU_A_PROTO] = "proto",   [CPU_A_SYSCALL] = "syscall",
	[CPU_A_COPY] = "copy",	   [CPU_A_FSW] = "flowswitch",
	[CPU_A_WAKEUP] = "wakeup", [CPU_A_CTXSW] = "ctxsw",
	[CPU_A_MEM] = "memory",	   [CPU_A_MUX] = "mux",
	[CPU_A_NETIF] = "netif",   [CPU_A_CSUM] = "checksum",
	[CPU_A_TLS] = "tls",
};

static const char *const cpu_dom_names[CPU_NDOMS] = {
	[CPU_DOM_KERNEL] = "kernel",
	[CPU_DOM_USER] = "user",
	[CPU_DOM_DRIVER] = "driver",
};

const char *cpu_acct_name(enum cpu_acct a)
{
	return (unsigned)a < CPU_NACCTS ? cpu_acct_names[a] : "?";
}

const char *cpu_domain_name(enum cpu_domain d)
{
	return (unsigned)d < CPU_NDOMS ? cpu_dom_names[d] : "?";
}

static int cpu_stats(struct cpu *c)
{
	struct stats *st = c->st;
	const char *n = c->comp;
	char metric[32];

	c->syscalls = stats_counter(st, n, "syscalls", "");
	c->ctxsw = stats_counter(st, n, "context_switches", "");
	c->wakeups = stats_counter(st, n, "wakeups", "");
	c->wakeups_cross = stats_counter(st, n, "wakeups_cross", "");
	c->copies = stats_counter(st, n, "copies", "");
	c->copied_bytes = stats_counter(st, n, "copied_bytes", "B");
	c->jobs = stats_counter(st, n, "jobs", "");
	c->total = stats_counter(st, n, "time", "ps");
	if (!c->syscalls || !c->ctxsw || !c->wakeups || !c->wakeups_cross ||
	    !c->copies || !c->copied_bytes || !c->jobs || !c->total)
		return -ENOMEM;
	for (unsigned a = 0; a < CPU_NACCTS; a++) {
		snprintf(metric, sizeof(metric), "time.%s", cpu_acct_names[a]);
		c->time[a] = stats_counter(st, n, metric, "ps");
		if (!c->time[a])
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
	c = calloc(1, sizeof(*c));
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

static void cpu_core_free(struct cpu_core *core)
{
	if (!core)
		return;
	free(core->q);
	free(core->comp);
	free(core);
}

void cpu_destroy(struct cpu *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ncores; i++)
		cpu_core_free(c->core[i]);
	free(c->core);
	free(c);
}

static struct cpu_core *cpu_find_core(const struct cpu *c, const char *name)
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

static struct cpu_core *cpu_core_new(struct cpu *c, enum cpu_domain dom,
				     const char *name)
{
	struct cpu_core *core = calloc(1, sizeof(*core));
	size_t lc = strlen(c->comp), ln = strlen(name);

	if (!core)
		return NULL;
	core->cpu = c;
	core->dom = dom;
	core->comp = malloc(lc + 1 + ln + 1);
	core->q = calloc(CPU_RQ_INIT, sizeof(*core->q));
	core->mask = CPU_RQ_INIT - 1;
	if (!core->comp || !core->q) {
		cpu_core_free(core);
		return NULL;
	}
	memcpy(core->comp, c->comp, lc);
	core->comp[lc] = '.';
	memcpy(core->comp + lc + 1, name, ln + 1);
	core->name = core->comp + lc + 1;
	core->busy = stats_counter(c->st, core->comp, "busy", "ps");
	if (!core->busy) {
		cpu_core_free(core);
		return NULL;
	}
	return core;
}

struct cpu_core *cpu_add_core(struct cpu *c, enum cpu_domain dom,
			      const char *name)
{
	struct cpu_core *core;

	if (!c || !name || (unsigned)dom >= CPU_NDOMS ||
	    cpu_find_core(c, name) || cpu_grow_cores(c))
		return NULL;
	core = cpu_core_new(c, dom, name);
	if (core) {
		core->index = (uint32_t)c->ncores;
		c->core[c->ncores++] = core;
	}
	return core;
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

	for (unsigned a = 0; a < CPU_NACCTS; a++)
		t += j->ps[a];
	return t;
}

uint32_t cpu_core_backlog(const struct cpu_core *core)
{
	return core->tail - core->head;
}

/* Doubles a full run queue, keeping every job at its counter's slot. */
static int cpu_rq_grow(struct cpu_core *core)
{
	uint32_t cap = core->mask + 1, nmask;
	struct cpu_rq_job *q;

	if (cap > UINT32_MAX / 2)
		return -ENOMEM;
	q = realloc(core->q, (size_t)cap * 2 * sizeof(*q));
	if (!q)
		return -ENOMEM;
	nmask = 2 * cap - 1;
	for (uint32_t i = core->head; i != core->tail; i++)
		if ((i & nmask) != (i & core->mask))
			q[i & nmask] = q[i & core->mask];
	core->q = q;
	core->mask = nmask;
	return 0;
}

static void cpu_core_done(struct sim *sim, void *a, void *b);

/* Starts the job at head (the core is not running); returns 0 or
 * -ENOMEM if the engine could not schedule its completion. */
static int cpu_core_start(struct cpu_core *core)
{
	const struct cpu_rq_job *j = &core->q[core->head & core->mask];
	struct sim *sim = core->cpu->sim;

	if (!sim_schedule(sim, j->cost, cpu_core_done, core, NULL))
		return -ENOMEM;
	core->running = true;
	core->mark_ps = sim_now(sim);
	return 0;
}

/* The job at head is done: pop it, start the next, then call it back. */
static void cpu_core_done(struct sim *sim, void *a, void *b)
{
	struct cpu_core *core = a;
	struct cpu_rq_job j = core->q[core->head & core->mask];

	(void)b;
	*core->busy += (uint64_t)(sim_now(sim) - core->mark_ps);
	core->head++;
	core->running = false;
	/* If the engine cannot schedule, the queue waits for the next
	 * submission to start it again. */
	if (core->head != core->tail)
		cpu_core_start(core);
	if (j.fn)
		j.fn(sim, j.a, j.b);
}

/* Adds the charges of a queued job to the statistics. */
static void cpu_account(struct cpu *c, const struct cpu_job *job)
{
	for (unsigned a = 0; a < CPU_NACCTS; a++) {
		*c->time[a] += (uint64_t)job->ps[a];
		*c->total += (uint64_t)job->ps[a];
		c->count[a] += job->n[a];
	}
	*c->syscalls += job->n[CPU_A_SYSCALL];
	*c->ctxsw += job->n[CPU_A_CTXSW];
	*c->wakeups += job->n[CPU_A_WAKEUP];
	*c->wakeups_cross += job->wakeups_cross;
	*c->copies += job->n[CPU_A_COPY];
	*c->copied_bytes += job->copied_bytes;
	(*c->jobs)++;
}

int cpu_submit(struct cpu_core *core, const struct cpu_job *job, sim_fn fn,
	       void *a, void *b)
{
	if (cpu_core_backlog(core) > core->mask && cpu_rq_grow(core))
		return -ENOMEM;
	core->q[core->tail & core->mask] = (struct cpu_rq_job){
		.fn = fn, .a = a, .b = b, .cost = cpu_job_cost(job)
	};
	core->tail++;
	if (!core->running && cpu_core_start(core)) {
		core->tail--;
		return -ENOMEM;
	}
	cpu_account(core->cpu, job);
	return 0;
}

sim_time cpu_acct_time(const struct cpu *c, enum cpu_acct a)
{
	return (sim_time)*c->time[a];
}

uint64_t cpu_acct_count(const struct cpu *c, enum cpu_acct a)
{
	return c->count[a];
}

/* Credits the elapsed part of the job in service; returns busy / now. */
static double cpu_core_util(struct cpu_core *core, sim_time now)
{
	if (core->running) {
		*core->busy += (uint64_t)(now - core->mark_ps);
		core->mark_ps = now;
	}
	return now > 0 ? (double)*core->busy / (double)now : 0;
}

void cpu_finish(struct cpu *c)
{
	sim_time now = sim_now(c->sim);
	double sum[CPU_NDOMS] = { 0 };
	unsigned n[CPU_NDOMS] = { 0 };

	for (size_t i = 0; i < c->ncores; i++) {
		struct cpu_core *core = c->core[i];
		double u = cpu_core_util(core, now);

		stats_scalar(c->st, core->comp, "utilization", "", u);
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
