/*
 * hostmem.c - a host's memory and pools (see hostmem.h).
 *
 * The pools of a host share its settings (hosts.NAME.pool.*): mode,
 * buffer size, buflets per packet, costs, reaper; the device pool and the
 * channel pools differ in segment size, limits and visibility. The page a
 * segment must be a multiple of is the IOMMU's (hosts.NAME.nic.iommu.page).
 * The device pool's buffers sit at I/O addresses from 4 GiB up (channel
 * pools are not device-visible). Pools are created before the run starts
 * and live until the topology is torn down.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostmem.h"
#include "scenario.h"

#define HOSTMEM_MAX_POOLS 1024
#define HOSTMEM_DEV_IOVA (1ull << 32)

struct hostmem {
	struct sim *sim;
	struct stats *st;
	const struct scn *s;
	char host[64];
	uint32_t rep;
	struct pool_mem *mem;
	struct pool *dev;
	uint64_t dev_segment;
	size_t n;
	struct pool *pools[HOSTMEM_MAX_POOLS]; /* channel pools */
	char *names[HOSTMEM_MAX_POOLS + 2];    /* components, freed last */
	size_t nnames;
};

static char *hostmem_name(struct hostmem *m, const char *fmt, const char *a)
{
	size_t len = strlen(fmt) + strlen(m->host) + strlen(a) + 1;
	char *v = malloc(len);

	if (!v)
		return NULL;
	snprintf(v, len, fmt, m->host, a);
	m->names[m->nnames++] = v;
	return v;
}

static int64_t hostmem_int(const struct hostmem *m, const char *key)
{
	char path[192];

	snprintf(path, sizeof(path), "hosts.%s.%s", m->host, key);
	return scn_int(m->s, path);
}

static sim_time hostmem_time(const struct hostmem *m, const char *key)
{
	char path[192];

	snprintf(path, sizeof(path), "hosts.%s.%s", m->host, key);
	return scn_time(m->s, path);
}

static uint64_t hostmem_size(const struct hostmem *m, const char *key)
{
	char path[192];

	snprintf(path, sizeof(path), "hosts.%s.%s", m->host, key);
	return scn_size(m->s, path);
}

/* The settings shared by the host's pools; kind is "device" or "user". */
static void hostmem_cfg(const struct hostmem *m, const char *kind,
			struct pool_cfg *c)
{
	char key[64];
	char path[192];

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "hosts.%s.pool.mode", m->host);
	c->mode = strcmp(scn_str(m->s, path), "static") ? POOL_DYNAMIC
							: POOL_STATIC;
	c->buffer_bytes = (uint32_t)hostmem_size(m, "pool.buffer");
	c->buflets_max = (uint32_t)hostmem_int(m, "pool.buflets");
	c->page_bytes = hostmem_size(m, "nic.iommu.page");
	snprintf(key, sizeof(key), "pool.%s_segment", kind);
	c->segment_bytes = hostmem_size(m, key);
	snprintf(key, sizeof(key), "pool.%s_min", kind);
	c->min_bytes = hostmem_size(m, key);
	snprintf(key, sizeof(key), "pool.%s_max", kind);
	c->max_bytes = hostmem_size(m, key);
	c->device = !strcmp(kind, "device");
	c->random = hostmem_int(m, "pool.random") != 0;
	c->magazine = (uint32_t)hostmem_int(m, "pool.magazine");
	c->ncpus = 256;
	c->alloc_ps = hostmem_time(m, "pool.alloc");
	c->magazine_ps = hostmem_time(m, "pool.alloc_magazine");
	c->map_ps = hostmem_time(m, "pool.map");
	c->unmap_ps = hostmem_time(m, "pool.unmap");
	c->reap_ps = hostmem_time(m, "pool.reap");
	c->idle_ps = hostmem_time(m, "pool.idle");
	c->iova_base = c->device ? HOSTMEM_DEV_IOVA : 0;
}

/* Creates a pool of kind under component; an error is placed at the
 * kind's segment parameter. */
static int hostmem_pool(struct hostmem *m, const char *kind,
			const char *component, struct pool **out, char *err,
			size_t errlen)
{
	char path[192], where[256], why[256];
	struct pool_cfg c;
	int rc;

	hostmem_cfg(m, kind, &c);
	if (kind[0] == 'd')
		m->dev_segment = c.segment_bytes;
	rc = pool_cfg_check(&c, why, sizeof(why));
	if (!rc) {
		rc = pool_create(m->sim, m->st, component, &c,
				 (uint64_t)scn_int(m->s, "seed"), m->rep,
				 m->mem, out);
		snprintf(
			why, sizeof(why),
			"the host's memory cannot hold its initial reservation");
	}
	if (rc != -EINVAL && rc != -ENOSPC)
		return rc;
	if (rc == -EINVAL)
		snprintf(path, sizeof(path), "hosts.%s.pool.%s_segment",
			 m->host, kind);
	else
		snprintf(path, sizeof(path), "hosts.%s.memory", m->host);
	scn_where(m->s, path, where, sizeof(where));
	snprintf(err, errlen, "%s: %s pool: %s", where, kind, why);
	return -EINVAL;
}

int hostmem_create(struct sim *sim, struct stats *st, const struct scn *s,
		   const char *host, uint32_t rep, struct hostmem **out,
		   char *err, size_t errlen)
{
	char path[192];
	struct hostmem *m;
	const char *name;
	int rc = -ENOMEM;

	*out = NULL;
	snprintf(path, sizeof(path), "hosts.%s.pool.mode", host);
	if (!strcmp(scn_str(s, path), "none"))
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->sim = sim;
	m->st = st;
	m->s = s;
	m->rep = rep;
	snprintf(m->host, sizeof(m->host), "%s", host);
	name = hostmem_name(m, "hosts.%s.memory%s", "");
	if (!name ||
	    pool_mem_create(sim, st, name, hostmem_size(m, "memory"), &m->mem))
		goto out_free;
	name = hostmem_name(m, "hosts.%s.pool.device%s", "");
	rc = name ? hostmem_pool(m, "device", name, &m->dev, err, errlen)
		  : -ENOMEM;
	if (rc)
		goto out_free;
	*out = m;
	return 0;
out_free:
	hostmem_destroy(m);
	return rc;
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
	free(m);
}

struct pool *hostmem_device(const struct hostmem *m)
{
	return m->dev;
}

uint64_t hostmem_device_segment(const struct hostmem *m)
{
	return m->dev_segment;
}

int hostmem_channel_pool(struct hostmem *m, const char *app, struct pool **out,
			 char *err, size_t errlen)
{
	const char *name;
	int rc;

	if (m->n == HOSTMEM_MAX_POOLS)
		return -ENOMEM;
	name = hostmem_name(m, "hosts.%s.pool.app.%s", app);
	if (!name)
		return -ENOMEM;
	rc = hostmem_pool(m, "user", name, &m->pools[m->n], err, errlen);
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
	for (size_t i = 0; i < m->n; i++)
		if (hostmem_check_pool(m->pools[i], "a channel pool", msg, n))
			return -1;
	return 0;
}
