/*
 * hostmem.c - a host's memory and pools (see hostmem.h).
 *
 * The host memory (a pool_mem) sums what the host's pools reserve. The
 * device pool is created with it, a channel pool for each app end with a
 * user-space stack afterwards (hostmem_channel_pool()), all before the run
 * starts; they live until the topology is torn down. Their configurations
 * come loaded and checked (pool_params.c); what is left to fail here is a
 * pool's initial reservation, which depends on what the pools created
 * before it hold.
 *
 * Every pool keeps a magazine for each core of the host (ncpus, counted by
 * the topology: the kernel cores and one per app end), as the reference
 * implementation's caches keep one for each CPU of the machine: in XNU,
 * bsd/skywalk/mem/skmem_cache.c, skmem_cache_pre_init() sets
 * ncpu = ml_wait_max_cpus() and skmem_cache_create() sets up the CPU
 * cache of every cpuid < ncpu. Who allocates without a core (the NIC, the
 * driver: POOL_NONE) goes to the depot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "hostmem.h"

#define HOSTMEM_MAX_POOLS 1024

struct hostmem {
	struct sim *sim;
	struct stats *st;
	uint32_t rep;
	char *comp; /* the host's component, "hosts.NAME" */
	struct hostmem_cfg cfg;
	uint32_t ncpus;
	struct pool_mem *mem;
	struct pool *dev;
	size_t n;
	struct pool *pools[HOSTMEM_MAX_POOLS]; /* channel pools */
	char *names[HOSTMEM_MAX_POOLS + 2];    /* components, freed last */
	size_t nnames;
};

/* A component under the host's: fmt % (comp, a), freed with the memory. */
static char *hostmem_name(struct hostmem *m, const char *fmt, const char *a)
{
	size_t len = strlen(fmt) + strlen(m->comp) + strlen(a) + 1;
	char *v = malloc(len);

	if (!v)
		return NULL;
	snprintf(v, len, fmt, m->comp, a);
	m->names[m->nnames++] = v;
	return v;
}

/* Creates a pool of kind ("device" or "user") from cfg under component;
 * an initial reservation that does not fit is reported at the host's
 * memory. */
static int hostmem_pool(struct hostmem *m, const struct pool_cfg *cfg,
			const char *kind, const char *component,
			struct pool **out, char *err, size_t errlen)
{
	struct model_env env = { .sim = m->sim,
				 .st = m->st,
				 .component = component,
				 .rep = m->rep };
	struct pool_cfg c = *cfg;
	char why[256];
	int rc;

	c.ncpus = m->ncpus;
	rc = pool_create(&c, &env, m->mem, out, why, sizeof(why));
	if (rc == -ENOSPC) {
		errmsg(err, errlen, "%s: %s pool: %s", m->cfg.memory_at, kind,
		       why);
		return -EINVAL;
	}
	if (rc)
		errmsg(err, errlen, "%s", why);
	return rc;
}

int hostmem_create(const struct hostmem_cfg *cfg, const struct model_env *env,
		   uint32_t ncpus, struct hostmem **out, char *err,
		   size_t errlen)
{
	struct hostmem *m = calloc(1, sizeof(*m));
	const char *name;
	int rc;

	if (!m)
		goto out_nomem;
	m->sim = env->sim;
	m->st = env->st;
	m->rep = env->rep;
	m->cfg = *cfg;
	m->ncpus = ncpus;
	m->comp = strdup(env->component);
	name = m->comp ? hostmem_name(m, "%s.memory%s", "") : NULL;
	if (!name ||
	    pool_mem_create(env->sim, env->st, name, cfg->memory_bytes,
			    &m->mem) ||
	    pool_mem_reaper(m->mem, cfg->pressure, cfg->device.reap_ps))
		goto out_free_nomem;
	name = hostmem_name(m, "%s.pool.device%s", "");
	if (!name)
		goto out_free_nomem;
	rc = hostmem_pool(m, &cfg->device, "device", name, &m->dev, err,
			  errlen);
	if (rc) {
		hostmem_destroy(m);
		return rc;
	}
	*out = m;
	return 0;
out_free_nomem:
	hostmem_destroy(m);
out_nomem:
	errmsg(err, errlen, "%s: out of memory", env->component);
	return -ENOMEM;
}

void hostmem_destroy(struct hostmem *m)
{
	if (!m)
		return;
	/* the memory first: it lets its pools go without touching its
	 * gauge, which the run's results have already read */
	pool_mem_destroy(m->mem);
	for (size_t i = 0; i < m->n; i++)
		pool_destroy(m->pools[i]);
	pool_destroy(m->dev);
	for (size_t i = 0; i < m->nnames; i++)
		free(m->names[i]);
	free(m->comp);
	free(m);
}

void hostmem_set_core(struct hostmem *m, const struct cpu *cpu,
		      struct cpu_core *core)
{
	if (m)
		pool_mem_set_core(m->mem, cpu, core);
}

struct pool *hostmem_device(const struct hostmem *m)
{
	return m->dev;
}

struct pool_mem *hostmem_memory(const struct hostmem *m)
{
	return m->mem;
}

int hostmem_channel_pool(struct hostmem *m, const char *app, struct pool **out,
			 char *err, size_t errlen)
{
	const char *name;
	int rc;

	if (m->n == HOSTMEM_MAX_POOLS) {
		errmsg(err, errlen, "%s: more than %d channel pools", m->comp,
		       HOSTMEM_MAX_POOLS);
		return -ENOMEM;
	}
	name = hostmem_name(m, "%s.pool.app.%s", app);
	if (!name) {
		errmsg(err, errlen, "%s: out of memory", m->comp);
		return -ENOMEM;
	}
	rc = hostmem_pool(m, &m->cfg.user, "user", name, &m->pools[m->n], err,
			  errlen);
	if (rc)
		return rc;
	*out = m->pools[m->n++];
	return 0;
}

void hostmem_finish(struct hostmem *m)
{
	pool_finish(m->dev);
	for (size_t i = 0; i < m->n; i++)
		pool_finish(m->pools[i]);
}

/* One pool's accounting: reserved >= in use, no bad free. */
static int hostmem_check_pool(const struct pool *p, const char *name, char *msg,
			      size_t n)
{
	if (pool_reserved(p) < pool_in_use(p)) {
		snprintf(msg, n, "%s reserves %llu B but has %llu B in use",
			 name, (unsigned long long)pool_reserved(p),
			 (unsigned long long)pool_in_use(p));
		return -1;
	}
	if (pool_bad_frees(p)) {
		snprintf(msg, n, "%s saw %llu bad frees", name,
			 (unsigned long long)pool_bad_frees(p));
		return -1;
	}
	return 0;
}

int hostmem_check(const struct hostmem *m, char *msg, size_t n)
{
	if (hostmem_check_pool(m->dev, "the device pool", msg, n))
		return -1;
	uint64_t sum = 0;

	for (size_t i = 0; i < m->n; i++)
		if (hostmem_check_pool(m->pools[i], "a channel pool", msg, n))
			return -1;
	for (int d = 0; d < POOL_NDOM; d++)
		sum += pool_mem_domain(m->mem, (enum pool_domain)d);
	if (sum != pool_mem_reserved(m->mem)) {
		snprintf(msg, n, "the domains hold %llu B, the host %llu B",
			 (unsigned long long)sum,
			 (unsigned long long)pool_mem_reserved(m->mem));
		return -1;
	}
	return 0;
}

static void hostmem_ops_destroy(void *m)
{
	hostmem_destroy(m);
}

static void hostmem_ops_finish(void *m)
{
	hostmem_finish(m);
}

const struct model_ops hostmem_ops = {
	.name = "hostmem",
	.destroy = hostmem_ops_destroy,
	.finish = hostmem_ops_finish,
};
