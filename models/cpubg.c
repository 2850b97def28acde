/*
 * cpubg.c - background work on a core (cpubg.h).
 *
 * Arrivals are Poisson at rate load / cost, or periodic with period
 * cost / load from a phase drawn uniformly in [0, period) (a duty cycle:
 * on for cost, off for the rest), each a job of exactly cost,
 * submitted to the thread "background" of the configured class (free to
 * migrate unless background.core names its core); one
 * engine event per arrival, none allocated (the thread's ring grows to
 * its peak). Over a run long against the cost, the thread's run time
 * over the run's length tends to load, whatever else the core does,
 * since the offered work does not depend on it (an open source).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpubg.h"
#include "errmsg.h"
#include "rng.h"
#include "stats.h"

struct cpubg {
	struct sim *sim;
	struct stats *st;
	struct cpu_thread *t;
	struct rng *rng;
	double mean_gap_s;
	sim_time cost_ps;
	bool periodic;
};

static void cpubg_arrive(struct sim *sim, void *a, void *b);

static void cpubg_arm(struct cpubg *g, bool first)
{
	double gap = (double)SIM_S *
		     (!g->periodic ? rng_exponential(g->rng, g->mean_gap_s)
		      : first	   ? rng_uniform(g->rng, 0, g->mean_gap_s)
				   : g->mean_gap_s);

	if (gap >= (double)(SIM_TIME_MAX - sim_now(g->sim)))
		return;
	if (!sim_schedule(g->sim, (sim_time)gap, cpubg_arrive, g, NULL))
		sim_stop(g->sim);
}

static void cpubg_arrive(struct sim *sim, void *a, void *b)
{
	struct cpubg *g = a;
	struct cpu_job j = { 0 };

	(void)b;
	cpu_job_add(&j, CPU_A_BG, g->cost_ps);
	if (cpu_thread_submit(g->t, &j, NULL, NULL, NULL))
		sim_stop(sim);
	cpubg_arm(g, false);
}

int cpubg_create(const struct cpu_cfg *cfg, const struct model_env *env,
		 struct cpu_core *core, struct cpubg **out, char *err,
		 size_t errlen)
{
	struct cpubg *g = calloc(1, sizeof(*g));
	char path[224];

	if (!g)
		goto out_nomem;
	g->sim = env->sim;
	g->st = env->st;
	g->cost_ps = cfg->bg_cost_ps;
	g->periodic = cfg->bg_periodic;
	g->mean_gap_s = (double)cfg->bg_cost_ps / (double)SIM_S / cfg->bg_load;
	snprintf(path, sizeof(path), "%s.background", env->component);
	g->rng = rng_create(env->seed, env->rep, path);
	g->t = cpu_thread_create(core, "background", cfg->bg_class,
				 cfg->bg_prio);
	if (!g->rng || !g->t) {
		cpubg_destroy(g);
		goto out_nomem;
	}
	/* On a core named by background.core it is pinned; on the default
	 * kernel0 it may migrate to another kernel core (cpu.migration). */
	if (!cfg->bg_core[0] && cfg->bg_class == CPU_CLASS_NORMAL)
		cpu_thread_unpin(g->t);
	cpubg_arm(g, true);
	*out = g;
	return 0;
out_nomem:
	errmsg(err, errlen, "%s: background: out of memory", env->component);
	return -ENOMEM;
}

void cpubg_destroy(struct cpubg *b)
{
	if (!b)
		return;
	rng_destroy(b->rng);
	free(b); /* the thread belongs to its core */
}

static void cpubg_ops_destroy(void *m)
{
	cpubg_destroy(m);
}

static void cpubg_ops_finish(void *m)
{
	struct cpubg *g = m;
	sim_time now = sim_now(g->sim);

	stats_scalar(g->st, cpu_thread_component(g->t), "utilization", "",
		     now > 0 ? (double)cpu_thread_run(g->t) / (double)now : 0);
}

const struct model_ops cpubg_ops = {
	.name = "cpubg",
	.destroy = cpubg_ops_destroy,
	.finish = cpubg_ops_finish,
};
