/*
 * pool.c - packet buffer pools carved from segments, and host memory.
 *
 * A pool has room for max_bytes / segment_bytes segment slots; every
 * per-buflet and per-segment array is sized for that at creation, so
 * nothing is allocated afterwards. Per buflet: the chain link (next) and
 * a state (free, in a magazine, allocated as the head or the body of a
 * chain); its segment is idx / per_seg. Per segment slot: mapped or not,
 * buflets allocated, buflets in magazines, and since when it has had no
 * buflet allocated. The depot is a stack of free buflet indices: LIFO
 * takes the top; random (cfg->random) picks a position from the pool's
 * stream, swaps it with the top and pops. A segment is added at the
 * lowest unmapped slot and its buflets pushed highest first, so LIFO
 * hands out the lowest address first. Returning segments marks their
 * slots unmapped and compacts the depot (O(free), only when segments go).
 * Segments are returned highest slot first.
 *
 * An allocation takes its buflets one at a time: from its CPU's magazine
 * (magazine_ps, counted in magazine_hits), else from the depot (alloc_ps,
 * which includes refilling the magazine with half of it from the depot).
 * An empty depot first grows (dynamic, below max_bytes: one segment at
 * the lowest unmapped slot, map_ps more for a device pool); if it cannot
 * grow it drains the magazines of every CPU into the depot; if that gives
 * nothing the allocation fails, is rolled back (its buflets go back to
 * the depot) and counted in alloc_failures; a failed allocation adds
 * nothing to *cost_ps and records no latency. A free puts each buflet in
 * its CPU's magazine (when full, half of it spills to the depot first),
 * or in the depot for a CPU without magazine.
 *
 * Host memory: a pool_mem sums the bytes reserved by its pools. A grow
 * that would exceed the limit is memory pressure: counted once in
 * pressure_events, every dynamic pool of the host (the requester too)
 * runs pool_shrink(), then the grow is retried once (or not needed, if
 * the requester's drained magazines gave its depot free buflets). The
 * initial reservation of pool_create() does not cause pressure: it fails
 * with -ENOSPC if it does not fit.
 *
 * Reaper (dynamic pools, reap_ps > 0): an event every reap_ps from time
 * 0 (first at reap_ps), for the pool's whole life. Each tick drains all
 * magazines into the depot, then returns, highest slot first while more
 * than the minimum is held, each segment with no buflet allocated or in a
 * magazine whose last allocated buflet was freed (or which was added) at
 * least idle_ps ago. A buflet parked in a magazine counts as free (as the
 * header says), so its time there counts towards idle_ps; the segment is
 * simply not returned before a tick has drained it. pool_shrink() does the
 * same without the idle condition.
 *
 * Pages: a segment's memory is wired in whole pages (page_bytes, the
 * IOMMU's 4 KiB), so a segment takes stride = segment_bytes rounded up to
 * the page, of which stride - segment_bytes at its end is wasted (gauge
 * mem.page_waste); reserved counts the whole stride. Segment slot s sits
 * at I/O address iova_base + s * stride: from a 1 GiB aligned base, a
 * segment whose size is a power of two is aligned to its size. Wiring
 * and mapping a device segment looks its I/O address up: once when it is
 * a whole number of pages (one contiguous mapping), once per page
 * otherwise (mapped page by page); each lookup costs translate_ps, added
 * to the mapping's cost (counters translations and translate_time).
 *
 * Regions: the metadata regions hold no state but their segment count,
 * kept at what the buffer segments need (pool_regions_sync() after every
 * buffer segment added or returned): the objects of nsegs * per_seg
 * buffers, packed whole into segments. Their memory goes to and from the
 * host with the buffer segment that changed the need, held the same way
 * by a reaper pass. pool_mem keeps a sum per domain beside the total;
 * every change of either goes through pool_mem_add(), so that the
 * domains sum to the total at every moment.
 *
 * Counters: allocs and frees count calls (packets), not buflets; grows
 * and shrinks count segments added after creation and segments returned;
 * maps and unmaps count IOMMU mappings of a device pool (initial segments
 * included), and map_time / unmap_time their cost (ps), which is not
 * part of any allocation's latency except for a grow's map_ps.
 *
 * Choices where the header is silent or contradicts the project:
 * - "half" of a magazine is magazine / 2, at least 1.
 * - Freeing a buflet that is not the head of an allocated chain (or an
 *   index out of range) is counted in bad_frees and ignored, in every
 *   build: the project builds without NDEBUG, and an abort would take
 *   down a whole sweep, so the header's "aborts in debug builds" is not
 *   followed.
 * - pool_iova() of an index out of range returns UINT64_MAX.
 * - A pool must be destroyed before its engine; pool_mem_destroy()
 *   detaches the pools still registered (they become unlimited).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "errmsg.h"
#include "pool.h"
#include "rng.h"
#include "stats.h"
#include "units.h"

enum pool_bstate {
	POOL_B_FREE, /* in the depot, or in an unmapped slot */
	POOL_B_MAG,  /* in a CPU's magazine */
	POOL_B_HEAD, /* allocated, first of its chain */
	POOL_B_BODY, /* allocated, not first */
};

struct pool_mem {
	struct sim *sim;
	uint64_t limit, reserved;
	struct pool *pools;	 /* linked through pool->mem_next */
	uint64_t dom[POOL_NDOM]; /* held per domain; sum: reserved */
	uint64_t rec[POOL_NDOM]; /* of which being returned by the reaper */
	struct stat_gauge *g_reserved, *g_reclaiming, *g_dom[POOL_NDOM];
	uint64_t *pressure_events, *reaper_runs;
	struct stat_hist *reclaim_latency;
	/* the host's reaper (pool_mem_reaper(); reap_ps 0: none) */
	enum pool_pressure pressure;
	sim_time reap_ps;
	sim_event_id tick;
	const struct cpu *cpu;
	struct cpu_core *core; /* where it runs; NULL: on no core */
	bool low;	       /* pressure seen since the last purge */
	bool busy;	       /* a pass is returning segments */
	bool woken;	       /* a wake-up pass is scheduled */
	sim_time low_since;    /* the pressure that set low */
	uint64_t reclaiming;   /* bytes of segments being returned */
};

/* A region of a pool: its segments (the buffer region's are the pool's
 * segment slots, nsegs of them), each wired in whole pages (stride), its
 * objects per segment, its domain, and whether its segments are mapped
 * in the IOMMU. */
struct pool_reg {
	bool present;
	bool io;
	enum pool_domain dom;
	uint32_t per_seg; /* objects per segment */
	uint32_t segs;	  /* metadata regions: segments held */
	uint32_t xlate;	  /* I/O address lookups to map a segment */
	uint64_t stride;
};

struct pool {
	struct sim *sim;
	struct stats *st;
	const char *comp;
	struct pool_cfg cfg;
	struct pool_mem *mem;
	struct pool *mem_next;
	struct rng *rng; /* cfg.random only */

	uint32_t per_seg, nseg_max, nbuf, min_segs, nsegs;
	uint64_t stride;    /* a segment's wired bytes: whole pages */
	uint32_t seg_xlate; /* I/O address lookups to map a segment */
	struct pool_reg reg[POOL_NREG];
	/* per buflet */
	uint32_t *next;
	uint8_t *state;
	/* per segment slot */
	uint8_t *mapped;
	uint32_t *seg_used, *seg_mag;
	sim_time *seg_free_ps; /* no buflet allocated since */
	/* the depot: a stack of free buflets */
	uint32_t *depot, ndepot;
	/* magazines: CPU c owns mag[c * magazine ...], mag_n[c] of them */
	uint32_t *mag, *mag_n, half;

	uint64_t allocated; /* buflets */
	uint64_t high_water, in_use_high;
	sim_event_id reaper;

	struct stat_gauge *g_reserved, *g_in_use, *g_segments, *g_waste;
	struct stat_gauge *g_metadata;
	uint64_t *allocs, *frees, *failures, *grows, *shrinks, *maps, *unmaps;
	uint64_t *hits, *bad_frees, *map_time, *unmap_time;
	uint64_t *pmaps, *punmaps;
	void (*unmap_hook)(void *arg, uint64_t iova, uint64_t len);
	void *unmap_arg;
	uint64_t *translations, *translate_time;
	struct stat_hist *latency;
};

/* ---- host memory ---- */

static const char *const pool_dom_metric[POOL_NDOM] = {
	[POOL_DOM_KERNEL] = "mem.kernel",
	[POOL_DOM_USER] = "mem.user",
	[POOL_DOM_DEVICE] = "mem.device",
	[POOL_DOM_SOCKBUF] = "mem.sockbuf",
};

int pool_mem_create(struct sim *sim, struct stats *st, const char *component,
		    uint64_t limit_bytes, struct pool_mem **out)
{
	struct pool_mem *m;

	if (!sim || !st || !component || !out)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->sim = sim;
	m->limit = limit_bytes;
	m->g_reserved = stats_gauge(st, component, "mem.reserved", "B");
	m->g_reclaiming = stats_gauge(st, component, "mem.reclaiming", "B");
	m->pressure_events =
		stats_counter(st, component, "pressure_events", "");
	m->reaper_runs = stats_counter(st, component, "reaper_runs", "");
	m->reclaim_latency = stats_hist(st, component, "reclaim_latency", "ps");
	m->pressure = POOL_PRESSURE_INSTANT;
	if (!m->g_reserved || !m->g_reclaiming || !m->pressure_events ||
	    !m->reaper_runs || !m->reclaim_latency ||
	    stats_series_gauge(st, component, "mem.reserved", m->g_reserved))
		goto out_free;
	for (int d = 0; d < POOL_NDOM; d++) {
		m->g_dom[d] =
			stats_gauge(st, component, pool_dom_metric[d], "B");
		if (!m->g_dom[d] ||
		    stats_series_gauge(st, component, pool_dom_metric[d],
				       m->g_dom[d]))
			goto out_free;
	}
	*out = m;
	return 0;
out_free:
	free(m);
	return -ENOMEM;
}

void pool_mem_destroy(struct pool_mem *m)
{
	if (!m)
		return;
	if (m->tick)
		sim_cancel(m->sim, m->tick);
	for (struct pool *p = m->pools, *nx; p; p = nx) {
		nx = p->mem_next;
		p->mem = NULL;
		p->mem_next = NULL;
	}
	free(m);
}

static bool pool_mem_fits(const struct pool_mem *m, uint64_t bytes)
{
	return !m || !m->limit ||
	       (m->reserved <= m->limit && bytes <= m->limit - m->reserved);
}

static void pool_mem_add(struct pool_mem *m, enum pool_domain d, int64_t delta)
{
	if (!m)
		return;
	m->reserved += (uint64_t)delta;
	m->dom[d] += (uint64_t)delta;
	stats_gauge_set(m->g_dom[d], (double)m->dom[d]);
	stats_gauge_set(m->g_reserved, (double)m->reserved);
}

uint64_t pool_mem_domain(const struct pool_mem *m, enum pool_domain d)
{
	return m && d < POOL_NDOM ? m->dom[d] : 0;
}

uint64_t pool_mem_reserved(const struct pool_mem *m)
{
	return m ? m->reserved : 0;
}

static void pool_mem_unlink(struct pool *p)
{
	struct pool **pp;

	if (!p->mem)
		return;
	for (pp = &p->mem->pools; *pp; pp = &(*pp)->mem_next)
		if (*pp == p) {
			*pp = p->mem_next;
			break;
		}
	p->mem_next = NULL;
}

static void pool_mem_pressure(struct pool_mem *m);

/* ---- configuration ---- */

/* fmt with the sizes a and b as text ("16 KiB"); returns -EINVAL. */
static int pool_err(char *err, size_t errlen, const char *fmt, uint64_t a,
		    uint64_t b)
{
	char sa[48], sb[48];

	units_fmt_size(sa, sizeof(sa), a);
	units_fmt_size(sb, sizeof(sb), b);
	errmsg(err, errlen, fmt, sa, sb);
	return -EINVAL;
}

static int pool_msg(char *err, size_t errlen, const char *msg)
{
	errmsg(err, errlen, "%s", msg);
	return -EINVAL;
}

static int pool_cfg_check_sizes(const struct pool_cfg *c, char *err,
				size_t errlen)
{
	if (c->mode != POOL_STATIC && c->mode != POOL_DYNAMIC)
		return pool_msg(err, errlen, "unknown pool mode");
	if (!c->buffer_bytes)
		return pool_msg(err, errlen, "buffer size is 0");
	if (!c->buflets_max)
		return pool_msg(err, errlen, "buflets per packet is 0");
	if (!c->segment_bytes)
		return pool_msg(err, errlen, "segment size is 0");
	if (!c->page_bytes)
		return pool_msg(err, errlen, "page size is 0");
	if (c->alloc_ps < 0 || c->magazine_ps < 0 || c->map_ps < 0 ||
	    c->pmap_ps < 0 || c->punmap_ps < 0 || c->unmap_ps < 0 ||
	    c->reap_ps < 0 || c->idle_ps < 0 || c->translate_ps < 0)
		return pool_msg(err, errlen, "negative cost or interval");
	return 0;
}

int pool_cfg_check(const struct pool_cfg *c, char *err, size_t errlen)
{
	int rc;

	if (!c)
		return pool_msg(err, errlen, "no configuration");
	rc = pool_cfg_check_sizes(c, err, errlen);
	if (rc)
		return rc;
	if (c->segment_bytes % c->buffer_bytes)
		return pool_err(
			err, errlen,
			"segment (%s) is not a multiple of the buffer (%s)",
			c->segment_bytes, c->buffer_bytes);
	if (c->max_bytes < c->segment_bytes)
		return pool_err(err, errlen,
				"max (%s) is less than one segment (%s)",
				c->max_bytes, c->segment_bytes);
	if (c->max_bytes % c->segment_bytes)
		return pool_err(err, errlen,
				"max (%s) is not a whole number of segments "
				"(%s)",
				c->max_bytes, c->segment_bytes);
	if (c->max_bytes < c->min_bytes)
		return pool_err(err, errlen, "max (%s) is below min (%s)",
				c->max_bytes, c->min_bytes);
	if ((c->md_bytes || (c->bft_bytes && c->buflets_max > 1)) &&
	    (c->md_bytes > c->md_segment_bytes ||
	     c->bft_bytes > c->md_segment_bytes))
		return pool_err(err, errlen,
				c->md_bytes > c->md_segment_bytes
					? "metadata segment (%s) cannot hold "
					  "a metadata object (%s)"
					: "metadata segment (%s) cannot hold "
					  "a buflet table object (%s)",
				c->md_segment_bytes,
				c->md_bytes > c->md_segment_bytes
					? c->md_bytes
					: c->bft_bytes);
	if (c->max_bytes / c->buffer_bytes >= UINT32_MAX)
		return pool_err(err, errlen,
				"max (%s) holds too many buffers of %s",
				c->max_bytes, c->buffer_bytes);
	return 0;
}

/* ---- segments and the depot ---- */

static uint32_t pool_seg_of(const struct pool *p, uint32_t b)
{
	return b / p->per_seg;
}

static void pool_depot_push(struct pool *p, uint32_t b)
{
	p->state[b] = POOL_B_FREE;
	p->next[b] = POOL_NONE;
	p->depot[p->ndepot++] = b;
}

static uint32_t pool_depot_pop(struct pool *p)
{
	uint32_t top = p->ndepot - 1;

	if (p->rng && p->ndepot > 1) {
		uint32_t i = (uint32_t)rng_u64(p->rng, p->ndepot);
		uint32_t b = p->depot[i];

		p->depot[i] = p->depot[top];
		p->depot[top] = b;
	}
	p->ndepot--;
	return p->depot[top];
}

/* Segments metadata region r needs for n buffer segments: one object
 * per buffer, objects never straddling a segment. */
static uint32_t pool_reg_need(const struct pool *p, const struct pool_reg *r,
			      uint32_t n)
{
	uint64_t objs = (uint64_t)n * p->per_seg;

	return r->present ? (uint32_t)((objs + r->per_seg - 1) / r->per_seg)
			  : 0;
}

/* Bytes the metadata regions take for n buffer segments. */
static uint64_t pool_md_bytes(const struct pool *p, uint32_t n)
{
	uint64_t b = 0;

	for (int i = POOL_R_BUF + 1; i < POOL_NREG; i++)
		b += (uint64_t)pool_reg_need(p, &p->reg[i], n) *
		     p->reg[i].stride;
	return b;
}

/* What adding one buffer segment takes from the host: the segment and
 * the metadata segments it brings. */
static uint64_t pool_grow_bytes(const struct pool *p)
{
	return p->stride + pool_md_bytes(p, p->nsegs + 1) -
	       pool_md_bytes(p, p->nsegs);
}

/* Mapping a segment of domain d into the app's process (a user-domain
 * segment: a channel pool's buffers, user metadata), and out of it. */
static sim_time pool_pmap(struct pool *p, enum pool_domain d)
{
	if (d != POOL_DOM_USER)
		return 0;
	(*p->pmaps)++;
	return p->cfg.pmap_ps;
}

static sim_time pool_punmap(struct pool *p, enum pool_domain d)
{
	if (d != POOL_DOM_USER)
		return 0;
	(*p->punmaps)++;
	return p->cfg.punmap_ps;
}

/* Brings the metadata regions to what nsegs buffer segments need:
 * segments added are reserved (and, in a device-mapped region, mapped:
 * map_ps and the lookups); segments removed are returned (held: as
 * pool_seg_unmap()) and unmapped. Returns the (un)mapping cost. */
static sim_time pool_regions_sync(struct pool *p, bool held)
{
	sim_time cost = 0;

	for (int i = POOL_R_BUF + 1; i < POOL_NREG; i++) {
		struct pool_reg *r = &p->reg[i];
		uint32_t need = pool_reg_need(p, r, p->nsegs);
		sim_time xlate = (sim_time)r->xlate * p->cfg.translate_ps;

		for (; r->segs < need; r->segs++) {
			pool_mem_add(p->mem, r->dom, (int64_t)r->stride);
			cost += pool_pmap(p, r->dom);
			if (!r->io)
				continue;
			(*p->maps)++;
			*p->map_time += (uint64_t)p->cfg.map_ps;
			*p->translations += r->xlate;
			*p->translate_time += (uint64_t)xlate;
			cost += p->cfg.map_ps + xlate;
		}
		for (; r->segs > need; r->segs--) {
			if (held) {
				p->mem->reclaiming += r->stride;
				p->mem->rec[r->dom] += r->stride;
			} else {
				pool_mem_add(p->mem, r->dom,
					     -(int64_t)r->stride);
			}
			cost += pool_punmap(p, r->dom);
			if (!r->io)
				continue;
			(*p->unmaps)++;
			*p->unmap_time += (uint64_t)p->cfg.unmap_ps;
			cost += p->cfg.unmap_ps;
		}
	}
	return cost;
}

static void pool_gauges(struct pool *p)
{
	uint64_t reserved = pool_reserved(p);

	stats_gauge_set(p->g_reserved, (double)reserved);
	stats_gauge_set(p->g_metadata,
			(double)(reserved - (uint64_t)p->nsegs * p->stride));
	stats_gauge_set(p->g_segments, p->nsegs);
	stats_gauge_set(p->g_waste,
			(double)((uint64_t)p->nsegs *
				 (p->stride - p->cfg.segment_bytes)));
	if (reserved > p->high_water)
		p->high_water = reserved;
}

/* Marks slot s mapped (reserving its memory); returns the mapping cost:
 * the map and the I/O address lookups of a device segment. */
static sim_time pool_seg_map(struct pool *p, uint32_t s)
{
	sim_time xlate = (sim_time)p->seg_xlate * p->cfg.translate_ps;

	p->mapped[s] = 1;
	p->seg_used[s] = 0;
	p->seg_mag[s] = 0;
	p->seg_free_ps[s] = sim_now(p->sim);
	p->nsegs++;
	pool_mem_add(p->mem, p->reg[POOL_R_BUF].dom, (int64_t)p->stride);
	if (!p->cfg.device)
		return pool_pmap(p, p->reg[POOL_R_BUF].dom) +
		       pool_regions_sync(p, false);
	(*p->maps)++;
	*p->map_time += (uint64_t)p->cfg.map_ps;
	*p->translations += p->seg_xlate;
	*p->translate_time += (uint64_t)xlate;
	return p->cfg.map_ps + xlate + pool_regions_sync(p, false);
}

/* Pushes slot s's buflets, highest first (LIFO gives the lowest first). */
static void pool_seg_push(struct pool *p, uint32_t s)
{
	for (uint32_t k = p->per_seg; k-- > 0;)
		pool_depot_push(p, s * p->per_seg + k);
}

/* Marks slot s unmapped; returns the unmapping cost. Its memory goes
 * back to the host at once, or (held) stays counted there as being
 * reclaimed until the host's reaper has done the work (pool_mem_done()). */
static sim_time pool_seg_unmap(struct pool *p, uint32_t s, bool held)
{
	enum pool_domain d = p->reg[POOL_R_BUF].dom;
	sim_time cost;

	p->mapped[s] = 0;
	p->nsegs--;
	(*p->shrinks)++;
	if (held) {
		p->mem->reclaiming += p->stride;
		p->mem->rec[d] += p->stride;
	} else {
		pool_mem_add(p->mem, d, -(int64_t)p->stride);
	}
	cost = pool_regions_sync(p, held);
	if (!p->cfg.device)
		return cost + pool_punmap(p, d);
	if (p->unmap_hook)
		p->unmap_hook(p->unmap_arg,
			      p->cfg.iova_base + (uint64_t)s * p->stride,
			      p->stride);
	(*p->unmaps)++;
	*p->unmap_time += (uint64_t)p->cfg.unmap_ps;
	return cost + p->cfg.unmap_ps;
}

/* Drops the buflets of unmapped slots from the depot, keeping the order. */
static void pool_depot_compact(struct pool *p)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < p->ndepot; i++)
		if (p->mapped[pool_seg_of(p, p->depot[i])])
			p->depot[j++] = p->depot[i];
	p->ndepot = j;
}

static bool pool_has_mag(const struct pool *p, uint32_t cpu)
{
	return p->cfg.magazine && cpu < p->cfg.ncpus;
}

/* Moves the top n buflets of CPU cpu's magazine to the depot. */
static void pool_mag_spill(struct pool *p, uint32_t cpu, uint32_t n)
{
	uint32_t *m = p->mag + (size_t)cpu * p->cfg.magazine;

	while (n-- && p->mag_n[cpu]) {
		uint32_t b = m[--p->mag_n[cpu]];

		p->seg_mag[pool_seg_of(p, b)]--;
		pool_depot_push(p, b);
	}
}

static void pool_drain(struct pool *p)
{
	for (uint32_t c = 0; p->cfg.magazine && c < p->cfg.ncpus; c++)
		pool_mag_spill(p, c, p->cfg.magazine);
}

/* Returns free segments (idle ones only if idle), highest slot first,
 * keeping min_segs; returns the bytes freed and adds the unmapping work
 * to *work. held: as pool_seg_unmap(). */
static uint64_t pool_reap(struct pool *p, bool idle, bool held, sim_time *work)
{
	sim_time now = sim_now(p->sim);
	uint64_t before = pool_reserved(p);
	uint32_t freed = 0;

	pool_drain(p);
	for (uint32_t s = p->nseg_max; s-- > 0 && p->nsegs > p->min_segs;) {
		if (!p->mapped[s] || p->seg_used[s] || p->seg_mag[s])
			continue;
		if (idle && now - p->seg_free_ps[s] < p->cfg.idle_ps)
			continue;
		*work += pool_seg_unmap(p, s, held);
		freed++;
	}
	if (!freed)
		return 0;
	pool_depot_compact(p);
	pool_gauges(p);
	return before - pool_reserved(p);
}

uint64_t pool_shrink(struct pool *p)
{
	sim_time work = 0;

	if (!p || p->cfg.mode != POOL_DYNAMIC)
		return 0;
	return pool_reap(p, false, false, &work);
}

static void pool_reaper(struct sim *sim, void *a, void *b)
{
	struct pool *p = a;
	sim_time work = 0;

	(void)b;
	pool_reap(p, true, false, &work);
	p->reaper = sim_schedule(sim, p->cfg.reap_ps, pool_reaper, p, NULL);
}

/* ---- the host's reaper ---- */

static void pool_mem_pass(struct pool_mem *m);

/* The work of a pass is done: the segments it returned are free for
 * any pool of the host. */
static void pool_mem_done(struct sim *sim, void *a, void *b)
{
	struct pool_mem *m = a;

	(void)sim;
	(void)b;
	m->busy = false;
	for (int d = 0; d < POOL_NDOM; d++) {
		pool_mem_add(m, (enum pool_domain)d, -(int64_t)m->rec[d]);
		m->rec[d] = 0;
	}
	m->reclaiming = 0;
	stats_gauge_set(m->g_reclaiming, 0);
	if (m->low && m->pressure == POOL_PRESSURE_WAKE)
		pool_mem_pass(m);
}

/* One pass of the reaper: under pressure (low) every dynamic pool
 * returns all its free segments, otherwise those idle long enough. The
 * pass is a job of the reaper's thread on its core: switching to it,
 * then unmapping each segment; the memory is the host's again when the
 * job is done. One pass at a time, as skmem_cache_reap() allows one
 * reaping episode at a time. */
static void pool_mem_pass(struct pool_mem *m)
{
	struct cpu_job j = { 0 };
	sim_time work = 0;
	bool purge = m->low;

	if (m->busy)
		return;
	(*m->reaper_runs)++;
	for (struct pool *q = m->pools; q; q = q->mem_next)
		if (q->cfg.mode == POOL_DYNAMIC)
			pool_reap(q, !purge, true, &work);
	if (purge) {
		m->low = false;
		stats_hist_record(m->reclaim_latency,
				  sim_now(m->sim) - m->low_since);
	}
	m->busy = true;
	stats_gauge_set(m->g_reclaiming, (double)m->reclaiming);
	if (!m->core) {
		sim_schedule(m->sim, work, pool_mem_done, m, NULL);
		return;
	}
	cpu_job_ctxsw(&j, m->cpu);
	cpu_job_add(&j, CPU_A_MEM, work);
	if (cpu_submit(m->core, &j, pool_mem_done, m, NULL))
		sim_schedule(m->sim, cpu_job_cost(&j), pool_mem_done, m, NULL);
}

static void pool_mem_tick(struct sim *sim, void *a, void *b)
{
	struct pool_mem *m = a;

	(void)b;
	m->tick = sim_schedule(sim, m->reap_ps, pool_mem_tick, m, NULL);
	pool_mem_pass(m);
}

static void pool_mem_wake(struct sim *sim, void *a, void *b)
{
	struct pool_mem *m = a;

	(void)sim;
	(void)b;
	m->woken = false;
	pool_mem_pass(m);
}

/* A grow found the host's memory full. */
static void pool_mem_pressure(struct pool_mem *m)
{
	if (m->pressure == POOL_PRESSURE_INSTANT) {
		(*m->pressure_events)++;
		for (struct pool *q = m->pools; q; q = q->mem_next)
			pool_shrink(q);
		return;
	}
	if (!m->low) {
		(*m->pressure_events)++;
		m->low = true;
		m->low_since = sim_now(m->sim);
	}
	if (m->pressure == POOL_PRESSURE_WAKE && !m->woken && !m->busy) {
		m->woken = true;
		sim_schedule(m->sim, 0, pool_mem_wake, m, NULL);
	}
}

int pool_mem_take(struct pool_mem *m, uint64_t bytes)
{
	if (!m)
		return 0;
	if (!pool_mem_fits(m, bytes)) {
		pool_mem_pressure(m);
		if (!pool_mem_fits(m, bytes))
			return -ENOSPC;
	}
	pool_mem_add(m, POOL_DOM_SOCKBUF, (int64_t)bytes);
	return 0;
}

void pool_mem_give(struct pool_mem *m, uint64_t bytes)
{
	pool_mem_add(m, POOL_DOM_SOCKBUF, -(int64_t)bytes);
}

int pool_mem_reaper(struct pool_mem *m, enum pool_pressure how,
		    sim_time reap_ps)
{
	if (!m || reap_ps < 0 || m->pools || m->tick)
		return -EINVAL;
	m->pressure = how;
	if (how == POOL_PRESSURE_INSTANT || !reap_ps)
		return 0;
	m->reap_ps = reap_ps;
	m->tick = sim_schedule(m->sim, reap_ps, pool_mem_tick, m, NULL);
	return m->tick ? 0 : -ENOMEM;
}

void pool_mem_set_core(struct pool_mem *m, const struct cpu *cpu,
		       struct cpu_core *core)
{
	if (!m)
		return;
	m->cpu = cpu;
	m->core = cpu ? core : NULL;
}

/* Adds one segment if the pool may grow and the host has the memory
 * (after pressure if needed); adds the mapping cost to *cost. */
static void pool_grow(struct pool *p, sim_time *cost)
{
	uint32_t s;

	if (p->cfg.mode != POOL_DYNAMIC || p->nsegs >= p->nseg_max)
		return;
	if (!pool_mem_fits(p->mem, pool_grow_bytes(p))) {
		pool_mem_pressure(p->mem);
		if (p->ndepot)
			return; /* our drained magazines gave some */
		if (!pool_mem_fits(p->mem, pool_grow_bytes(p)))
			return;
	}
	for (s = 0; p->mapped[s]; s++)
		;
	*cost += pool_seg_map(p, s);
	pool_seg_push(p, s);
	(*p->grows)++;
	pool_gauges(p);
}

/* Takes one free buflet for CPU cpu (marking it used in its segment), or
 * returns POOL_NONE; adds its cost to *cost. */
static uint32_t pool_take(struct pool *p, uint32_t cpu, sim_time *cost)
{
	uint32_t b, *m = NULL;

	if (pool_has_mag(p, cpu)) {
		m = p->mag + (size_t)cpu * p->cfg.magazine;
		if (p->mag_n[cpu]) {
			b = m[--p->mag_n[cpu]];
			p->seg_mag[pool_seg_of(p, b)]--;
			p->seg_used[pool_seg_of(p, b)]++;
			(*p->hits)++;
			*cost += p->cfg.magazine_ps;
			return b;
		}
	}
	if (!p->ndepot)
		pool_grow(p, cost);
	if (!p->ndepot)
		pool_drain(p);
	if (!p->ndepot)
		return POOL_NONE;
	b = pool_depot_pop(p);
	p->seg_used[pool_seg_of(p, b)]++;
	*cost += p->cfg.alloc_ps;
	while (m && p->mag_n[cpu] < p->half && p->ndepot) {
		uint32_t r = pool_depot_pop(p);

		p->state[r] = POOL_B_MAG;
		p->seg_mag[pool_seg_of(p, r)]++;
		m[p->mag_n[cpu]++] = r;
	}
	return b;
}

/* Gives back the buflets of a chain taken by a failed allocation; their
 * segments' free times stay what they were before the take. */
static void pool_rollback(struct pool *p, uint32_t b)
{
	while (b != POOL_NONE) {
		uint32_t nx = p->next[b];

		p->seg_used[pool_seg_of(p, b)]--;
		pool_depot_push(p, b);
		b = nx;
	}
}

static uint32_t pool_fail(struct pool *p)
{
	(*p->failures)++;
	return POOL_NONE;
}

uint32_t pool_alloc(struct pool *p, uint32_t cpu, uint32_t len,
		    sim_time *cost_ps)
{
	uint64_t n = len ? ((uint64_t)len + p->cfg.buffer_bytes - 1) /
				     p->cfg.buffer_bytes
			 : 1;
	uint32_t head = POOL_NONE, tail = POOL_NONE;
	sim_time cost = 0;

	if (n > p->cfg.buflets_max)
		return pool_fail(p);
	for (uint64_t i = 0; i < n; i++) {
		uint32_t b = pool_take(p, cpu, &cost);

		if (b == POOL_NONE) {
			pool_rollback(p, head);
			return pool_fail(p);
		}
		p->state[b] = i ? POOL_B_BODY : POOL_B_HEAD;
		p->next[b] = POOL_NONE;
		if (tail == POOL_NONE)
			head = b;
		else
			p->next[tail] = b;
		tail = b;
	}
	p->allocated += n;
	stats_gauge_set(p->g_in_use,
			(double)(p->allocated * p->cfg.buffer_bytes));
	if (p->allocated * p->cfg.buffer_bytes > p->in_use_high)
		p->in_use_high = p->allocated * p->cfg.buffer_bytes;
	(*p->allocs)++;
	stats_hist_record(p->latency, cost);
	if (cost_ps)
		*cost_ps += cost;
	return head;
}

/* Frees one buflet of a chain on behalf of CPU cpu. */
static void pool_put(struct pool *p, uint32_t cpu, uint32_t b)
{
	uint32_t s = pool_seg_of(p, b), *m;

	if (--p->seg_used[s] == 0)
		p->seg_free_ps[s] = sim_now(p->sim);
	if (!pool_has_mag(p, cpu)) {
		pool_depot_push(p, b);
		return;
	}
	if (p->mag_n[cpu] == p->cfg.magazine)
		pool_mag_spill(p, cpu, p->half);
	m = p->mag + (size_t)cpu * p->cfg.magazine;
	p->state[b] = POOL_B_MAG;
	p->next[b] = POOL_NONE;
	p->seg_mag[s]++;
	m[p->mag_n[cpu]++] = b;
}

void pool_free(struct pool *p, uint32_t cpu, uint32_t buf)
{
	uint64_t n = 0;

	if (buf == POOL_NONE)
		return;
	if (buf >= p->nbuf || p->state[buf] != POOL_B_HEAD) {
		(*p->bad_frees)++;
		return;
	}
	for (uint32_t b = buf, nx; b != POOL_NONE; b = nx, n++) {
		nx = p->next[b];
		pool_put(p, cpu, b);
	}
	p->allocated -= n;
	stats_gauge_set(p->g_in_use,
			(double)(p->allocated * p->cfg.buffer_bytes));
	(*p->frees)++;
}

uint32_t pool_next(const struct pool *p, uint32_t buf)
{
	return buf < p->nbuf ? p->next[buf] : POOL_NONE;
}

void pool_set_unmap_hook(struct pool *p,
			 void (*fn)(void *arg, uint64_t iova, uint64_t len),
			 void *arg)
{
	p->unmap_hook = fn;
	p->unmap_arg = arg;
}

uint64_t pool_iova(const struct pool *p, uint32_t buf)
{
	uint32_t s;

	if (buf >= p->nbuf)
		return UINT64_MAX;
	s = pool_seg_of(p, buf);
	return p->cfg.iova_base + (uint64_t)s * p->stride +
	       (uint64_t)(buf - s * p->per_seg) * p->cfg.buffer_bytes;
}

void pool_iova_segment(const struct pool *p, uint32_t buf, uint64_t *start,
		       uint64_t *len)
{
	*start = buf < p->nbuf
			 ? p->cfg.iova_base +
				   (uint64_t)pool_seg_of(p, buf) * p->stride
			 : UINT64_MAX;
	*len = p->cfg.segment_bytes;
}

uint32_t pool_buffer_bytes(const struct pool *p)
{
	return p->cfg.buffer_bytes;
}

uint64_t pool_reserved(const struct pool *p)
{
	return (uint64_t)p->nsegs * p->stride + pool_md_bytes(p, p->nsegs);
}

uint64_t pool_region_bytes(const struct pool *p, enum pool_region r)
{
	if (r == POOL_R_BUF)
		return (uint64_t)p->nsegs * p->stride;
	return r < POOL_NREG ? (uint64_t)p->reg[r].segs * p->reg[r].stride : 0;
}

uint64_t pool_in_use(const struct pool *p)
{
	return p->allocated * p->cfg.buffer_bytes;
}

uint64_t pool_bad_frees(const struct pool *p)
{
	return *p->bad_frees;
}

uint32_t pool_segments(const struct pool *p)
{
	return p->nsegs;
}

/* ---- creation ---- */

static int pool_stats(struct pool *p)
{
	struct stats *st = p->st;
	const char *n = p->comp;

	p->g_reserved = stats_gauge(st, n, "mem.reserved", "B");
	p->g_in_use = stats_gauge(st, n, "mem.in_use", "B");
	p->g_segments = stats_gauge(st, n, "mem.segments", "");
	p->g_waste = stats_gauge(st, n, "mem.page_waste", "B");
	p->g_metadata = stats_gauge(st, n, "mem.metadata", "B");
	p->translations = stats_counter(st, n, "translations", "");
	p->translate_time = stats_counter(st, n, "translate_time", "ps");
	p->allocs = stats_counter(st, n, "allocs", "");
	p->frees = stats_counter(st, n, "frees", "");
	p->failures = stats_counter(st, n, "alloc_failures", "");
	p->grows = stats_counter(st, n, "grows", "");
	p->shrinks = stats_counter(st, n, "shrinks", "");
	p->maps = stats_counter(st, n, "maps", "");
	p->unmaps = stats_counter(st, n, "unmaps", "");
	p->hits = stats_counter(st, n, "magazine_hits", "");
	p->bad_frees = stats_counter(st, n, "bad_frees", "");
	p->map_time = stats_counter(st, n, "map_time", "ps");
	p->unmap_time = stats_counter(st, n, "unmap_time", "ps");
	p->pmaps = stats_counter(st, n, "process_maps", "");
	p->punmaps = stats_counter(st, n, "process_unmaps", "");
	p->latency = stats_hist(st, n, "alloc_latency", "ps");
	if (!p->g_reserved || !p->g_in_use || !p->g_segments || !p->allocs ||
	    !p->frees || !p->failures || !p->grows || !p->shrinks || !p->maps ||
	    !p->unmaps || !p->hits || !p->bad_frees || !p->map_time ||
	    !p->unmap_time || !p->latency || !p->g_waste || !p->translations ||
	    !p->translate_time || !p->g_metadata || !p->pmaps || !p->punmaps)
		return -ENOMEM;
	if (stats_series_gauge(st, n, "mem.reserved", p->g_reserved) ||
	    stats_series_gauge(st, n, "mem.in_use", p->g_in_use) ||
	    stats_series_gauge(st, n, "mem.segments", p->g_segments))
		return -ENOMEM;
	return 0;
}

static int pool_arrays(struct pool *p)
{
	size_t nmag = (size_t)p->cfg.magazine * p->cfg.ncpus;

	p->next = malloc(p->nbuf * sizeof(*p->next));
	p->state = calloc(p->nbuf, sizeof(*p->state));
	p->depot = malloc(p->nbuf * sizeof(*p->depot));
	p->mapped = calloc(p->nseg_max, sizeof(*p->mapped));
	p->seg_used = calloc(p->nseg_max, sizeof(*p->seg_used));
	p->seg_mag = calloc(p->nseg_max, sizeof(*p->seg_mag));
	p->seg_free_ps = calloc(p->nseg_max, sizeof(*p->seg_free_ps));
	p->mag = calloc(nmag ? nmag : 1, sizeof(*p->mag));
	p->mag_n = calloc(p->cfg.ncpus ? p->cfg.ncpus : 1, sizeof(*p->mag_n));
	if (!p->next || !p->state || !p->depot || !p->mapped || !p->seg_used ||
	    !p->seg_mag || !p->seg_free_ps || !p->mag || !p->mag_n)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nbuf; i++)
		p->next[i] = POOL_NONE;
	return 0;
}

/* Reserves and maps the initial segments, slots 0 .. n - 1. */
static int pool_init_segments(struct pool *p)
{
	uint32_t n = p->cfg.mode == POOL_STATIC ? p->nseg_max : p->min_segs;

	if (!pool_mem_fits(p->mem,
			   (uint64_t)n * p->stride + pool_md_bytes(p, n)))
		return -ENOSPC;
	for (uint32_t s = 0; s < n; s++)
		pool_seg_map(p, s);
	for (uint32_t s = n; s-- > 0;)
		pool_seg_push(p, s);
	pool_gauges(p);
	return 0;
}

/* A metadata region of objects of obj bytes in domain d. */
static void pool_setup_md(struct pool *p, enum pool_region i, uint32_t obj,
			  enum pool_domain d)
{
	const struct pool_cfg *c = &p->cfg;
	struct pool_reg *r = &p->reg[i];
	uint64_t seg = c->md_segment_bytes;

	r->present = true;
	r->dom = d;
	r->io = d == POOL_DOM_DEVICE;
	r->per_seg = (uint32_t)(seg / obj);
	r->stride = (seg + c->page_bytes - 1) / c->page_bytes * c->page_bytes;
	r->xlate =
		seg % c->page_bytes ? (uint32_t)(r->stride / c->page_bytes) : 1;
}

/* The regions: buffers in the device's, the process's or the kernel's
 * domain; kernel metadata (and buflet table) kernel-only, or, in a device
 * pool that does not split its allocations, device-mapped with the
 * buffers; a channel pool's user metadata (and buflet table) mapped into
 * the process. */
static void pool_setup_regions(struct pool *p)
{
	const struct pool_cfg *c = &p->cfg;
	struct pool_reg *b = &p->reg[POOL_R_BUF];
	enum pool_domain kd =
		c->device && !c->split ? POOL_DOM_DEVICE : POOL_DOM_KERNEL;
	bool bft = c->bft_bytes && c->buflets_max > 1;

	b->present = true;
	b->dom = c->device ? POOL_DOM_DEVICE
		 : c->user ? POOL_DOM_USER
			   : POOL_DOM_KERNEL;
	b->io = c->device;
	b->per_seg = p->per_seg;
	b->stride = p->stride;
	b->xlate = p->seg_xlate;
	if (c->md_bytes)
		pool_setup_md(p, POOL_R_KMD, c->md_bytes, kd);
	if (c->md_bytes && c->user)
		pool_setup_md(p, POOL_R_UMD, c->md_bytes, POOL_DOM_USER);
	if (bft)
		pool_setup_md(p, POOL_R_KBFT, c->bft_bytes, kd);
	if (bft && c->user)
		pool_setup_md(p, POOL_R_UBFT, c->bft_bytes, POOL_DOM_USER);
}

static int pool_setup(struct pool *p, uint64_t seed, uint32_t rep)
{
	const struct pool_cfg *c = &p->cfg;
	int rc;

	p->per_seg = (uint32_t)(c->segment_bytes / c->buffer_bytes);
	p->nseg_max = (uint32_t)(c->max_bytes / c->segment_bytes);
	p->nbuf = p->nseg_max * p->per_seg;
	p->stride = (c->segment_bytes + c->page_bytes - 1) / c->page_bytes *
		    c->page_bytes;
	p->seg_xlate = c->segment_bytes % c->page_bytes
			       ? (uint32_t)(p->stride / c->page_bytes)
			       : 1;
	pool_setup_regions(p);
	p->min_segs = (uint32_t)((c->min_bytes + c->segment_bytes - 1) /
				 c->segment_bytes);
	if (c->mode == POOL_STATIC)
		p->min_segs = p->nseg_max;
	p->half = c->magazine > 1 ? c->magazine / 2 : 1;
	rc = pool_stats(p);
	if (!rc)
		rc = pool_arrays(p);
	if (rc)
		return rc;
	if (c->random) {
		size_t len = strlen(p->comp) + sizeof(".alloc");
		char *path = malloc(len);

		if (!path)
			return -ENOMEM;
		snprintf(path, len, "%s.alloc", p->comp);
		p->rng = rng_create(seed, rep, path);
		free(path);
		if (!p->rng)
			return -ENOMEM;
	}
	return pool_init_segments(p);
}

int pool_create(const struct pool_cfg *cfg, const struct model_env *env,
		struct pool_mem *m, struct pool **out, char *err, size_t errlen)
{
	struct pool *p;
	int rc;

	rc = pool_cfg_check(cfg, err, errlen);
	if (rc)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto out_nomem;
	p->sim = env->sim;
	p->st = env->st;
	p->comp = env->component;
	p->cfg = *cfg;
	p->mem = m;
	rc = pool_setup(p, cfg->seed, env->rep);
	if (!rc && cfg->mode == POOL_DYNAMIC && cfg->reap_ps > 0 &&
	    !(m && m->pressure != POOL_PRESSURE_INSTANT)) {
		p->reaper = sim_schedule(env->sim, cfg->reap_ps, pool_reaper, p,
					 NULL);
		if (!p->reaper)
			rc = -ENOMEM;
	}
	if (rc) {
		pool_destroy(p);
		if (rc == -ENOSPC) {
			errmsg(err, errlen,
			       "the host's memory cannot hold its initial reservation");
			return rc;
		}
		goto out_nomem;
	}
	if (m) {
		p->mem_next = m->pools;
		m->pools = p;
	}
	*out = p;
	return 0;
out_nomem:
	errmsg(err, errlen, "%s: out of memory", env->component);
	return -ENOMEM;
}

void pool_destroy(struct pool *p)
{
	if (!p)
		return;
	if (p->reaper)
		sim_cancel(p->sim, p->reaper);
	pool_mem_unlink(p);
	pool_mem_add(p->mem, p->reg[POOL_R_BUF].dom,
		     -(int64_t)((uint64_t)p->nsegs * p->stride));
	for (int i = POOL_R_BUF + 1; i < POOL_NREG; i++)
		pool_mem_add(p->mem, p->reg[i].dom,
			     -(int64_t)((uint64_t)p->reg[i].segs *
					p->reg[i].stride));
	rng_destroy(p->rng);
	free(p->next);
	free(p->state);
	free(p->depot);
	free(p->mapped);
	free(p->seg_used);
	free(p->seg_mag);
	free(p->seg_free_ps);
	free(p->mag);
	free(p->mag_n);
	free(p);
}

void pool_finish(struct pool *p)
{
	if (!p)
		return;
	stats_scalar(p->st, p->comp, "high_water", "B", (double)p->high_water);
	stats_scalar(p->st, p->comp, "in_use_high", "B",
		     (double)p->in_use_high);
	stats_scalar(p->st, p->comp, "reserved_mean", "B",
		     stats_gauge_mean(p->g_reserved));
	stats_scalar(p->st, p->comp, "in_use_mean", "B",
		     stats_gauge_mean(p->g_in_use));
	stats_scalar(p->st, p->comp, "held_at_end", "", (double)p->allocated);
	stats_scalar(p->st, p->comp, "translations_per_alloc", "",
		     *p->allocs ? (double)*p->translations / (double)*p->allocs
				: 0);
}
