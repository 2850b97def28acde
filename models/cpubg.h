/*
 * cpubg.h - background work on a core: a thread of a given class whose
 * jobs of fixed cost arrive as a Poisson process at a given load, the
 * interference other processes put on a core that a driver or a kernel
 * shares (issue 21).
 *
 * Its configuration is the host's cpu_cfg (bg_core, bg_class, bg_prio,
 * bg_load, bg_cost_ps; cpu_params.c reads them). The thread is named
 * "background" on its core, so its statistics are the scheduler's
 * (COMP.CORE.background: run, wait, jobs, sched_latency); at the end it
 * records the scalar utilization (its run time over the run's length)
 * there. Its jobs are charged to the account background.
 */
#ifndef USNSIM_CPUBG_H
#define USNSIM_CPUBG_H

#include <stddef.h>

#include "cpu.h"
#include "model.h"

struct cpubg;

/* Creates the background of cfg (cfg->bg_load > 0) on core, its arrivals
 * from the stream (env->seed, env->rep, "<component>.background"), and
 * schedules its first arrival. Returns 0, or -ENOMEM with a message in
 * err (e.g. the core already has a thread named "background"). */
int cpubg_create(const struct cpu_cfg *cfg, const struct model_env *env,
		 struct cpu_core *core, struct cpubg **out, char *err,
		 size_t errlen);
void cpubg_destroy(struct cpubg *b); /* NULL is a no-op */
/* destroy and finish for the topology's loops. */
extern const struct model_ops cpubg_ops;

#endif
