/*
 * pool.h - packet buffer pools carved from segments, static or dynamic,
 * and the host memory they draw from.
 *
 * A pool hands out buflets (buffers of `buffer_bytes`); a packet takes
 * ceil(len / buffer_bytes) of them, at most buflets_max, chained. Buflets
 * are carved from segments of `segment_bytes` (a multiple of the buffer):
 * segment slot s holds buflets s * per_seg .. (s + 1) * per_seg - 1
 * (per_seg = segment_bytes / buffer_bytes), at I/O addresses
 * iova_base + s * stride + k * buffer_bytes, where stride is
 * segment_bytes rounded up to whole pages (page_bytes): a segment's memory
 * is wired in whole pages, and what its last page holds beyond the
 * segment is wasted (mem.page_waste). A buflet is named by its index,
 * never by a pointer.
 *
 *   static   every segment (max_bytes) is reserved and mapped at creation
 *            and stays until the end.
 *   dynamic  min_bytes is reserved at creation; an allocation that finds
 *            no free buflet adds a segment (if max_bytes and the host's
 *            memory allow; otherwise it fails); a reaper, every reap_ps,
 *            returns segments whose buflets have all been free for
 *            idle_ps or longer, never below min_bytes. When the host's
 *            memory is short (memory pressure), the host's reaper takes
 *            back its dynamic pools' free segments as its pressure rule
 *            says (enum pool_pressure).
 *
 * A device-visible pool maps each segment into the IOMMU when it adds it
 * (one mapping per segment, map_ps) and unmaps it when it returns it
 * (unmap_ps); a kernel-only pool maps nothing. Mapping looks the
 * segment's I/O address up (translate_ps each): once for a segment that
 * is a whole number of pages, once per page (ceil(segment / page)) for
 * one that is not. Per-CPU magazines
 * (magazine > 0) keep up to `magazine` free buflets per CPU: an
 * allocation served from its CPU's magazine costs magazine_ps, one that
 * goes to the depot costs alloc_ps (and refills the magazine with half of
 * it); frees go to the magazine and spill half of a full one back.
 * Buflets in magazines are free (not in use) but their segment is not
 * reaped until the reaper has drained the magazines.
 *
 * Regions (enum pool_region): beside its buffers a pool holds one
 * metadata object (md_bytes) per buffer in a kernel metadata region and,
 * for a channel pool (user), a user metadata region; with buflets_max >
 * 1, a buflet table object (bft_bytes) per buffer in a kernel (and user)
 * buflet table. Their segments (md_segment_bytes, wired in whole pages)
 * come and go with the buffer segments: n buffer segments need exactly
 * the metadata segments that hold their buffers' objects. Each region
 * lives in a domain (enum pool_domain): buffers in the device's (a
 * device pool) or the process's (a channel pool); kernel metadata and
 * buflet tables kernel-only, or, in a device pool that does not split
 * its allocations (split false), device-mapped, each segment an IOMMU
 * mapping like a buffer segment's; user metadata in the process's. The
 * host's memory counts each domain.
 *
 * Statistics under COMPONENT (e.g. "hosts.client.pool.device"): gauges
 * (and time series) mem.reserved (all regions) and mem.in_use (B) and
 * mem.segments (buffer segments); mem.metadata and mem.page_waste (B);
 * counters allocs, frees, alloc_failures, grows, shrinks, maps, unmaps
 * (IOMMU), process_maps, process_unmaps (user-domain segments mapped into
 * the app's process and out: pmap_ps, punmap_ps each), magazine_hits,
 * translations, translate_time (ps); histogram alloc_latency (ps); scalars from pool_finish():
 * high_water (B, the most ever reserved), in_use_high (B), reserved_mean
 * and in_use_mean (B, time-weighted after warm-up), held_at_end (buflets
 * still allocated at the end: held by packets in flight).
 *
 * A pool's configuration, struct pool_cfg, comes from pool_cfg_load()
 * (pool_params.c) or is written by hand (tests). Pools are not models the
 * topology keeps: a host's pools belong to its memory (hostmem.h), which
 * creates, finishes and destroys them.
 */
#ifndef USNSIM_POOL_H
#define USNSIM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "param.h"
#include "sim.h"

struct stats;
struct pool;
struct pool_mem;

#define POOL_NONE UINT32_MAX /* no buflet */
/* The page memory is wired and mapped in: the IOMMU's smallest, 4 KiB
 * (x86 VT-d and AMD-Vi). */
#define POOL_PAGE_BYTES ((uint64_t)4096)

enum pool_mode { POOL_STATIC, POOL_DYNAMIC };

/* Where memory lives (its domain): kernel-only (mapped nowhere else),
 * mapped into a process (a channel's buffers and user metadata), mapped
 * for the device (in the IOMMU), or the in-kernel stack's socket buffers
 * (kernel memory too, counted apart so that the stacks compare). */
enum pool_domain {
	POOL_DOM_KERNEL,
	POOL_DOM_USER,
	POOL_DOM_DEVICE,
	POOL_DOM_SOCKBUF,
	POOL_NDOM
};

/* The regions of a pool (XNU's arena of a nexus, skmem_arena.c): the
 * buffers, kernel metadata (a packet object per buffer), user metadata
 * (its mirror in the process, channel pools only), and the kernel and
 * user buflet tables (pools whose packets chain buflets, buflets_max >
 * 1). The metadata regions grow and shrink with the buffer region: they
 * hold one object per buffer of the buffer region's segments. */
enum pool_region {
	POOL_R_BUF,
	POOL_R_KMD,
	POOL_R_UMD,
	POOL_R_KBFT,
	POOL_R_UBFT,
	POOL_NREG
};

struct pool_cfg {
	enum pool_mode mode;
	uint32_t buffer_bytes;	/* buflet size, >= 1 */
	uint32_t buflets_max;	/* per packet, >= 1 */
	uint64_t segment_bytes; /* a multiple of buffer_bytes */
	uint64_t page_bytes;	/* memory is wired and mapped in these */
	uint64_t min_bytes; /* dynamic: reserved at least (whole segments) */
	uint64_t max_bytes; /* reserved at most; static: all of it */
	bool device;	    /* device-visible: IOMMU-mapped segments */
	bool user;	    /* a channel's: buffers mapped into the process,
			       user metadata and buflet table */
	bool split;	    /* device pool: metadata in kernel-only memory (else
		       device-mapped with the buffers) */
	uint32_t md_bytes;  /* metadata object per buffer, 0: none */
	uint32_t bft_bytes; /* buflet table object (buflets_max > 1) */
	uint64_t md_segment_bytes; /* segment of the metadata regions */
	bool random;	   /* take a random free buflet (else the last freed) */
	uint32_t magazine; /* buflets per CPU magazine, 0: none */
	uint32_t ncpus;	   /* CPUs with a magazine (cpu index < ncpus) */
	sim_time alloc_ps, magazine_ps, map_ps, unmap_ps;
	/* mapping a user-domain segment into the process, and out again */
	sim_time pmap_ps, punmap_ps;
	sim_time translate_ps; /* one I/O address lookup */
	sim_time reap_ps;      /* reaper interval, 0: never */
	sim_time idle_ps;      /* a segment free this long is returned */
	uint64_t iova_base;
	uint64_t seed; /* the run's seed: with the repetition, the stream of
			  random (see pool_create()) */
};

/* Fills cfg from the parameters of host prefix ("hosts.client") for its
 * device pool (device: prefix.pool.device_*, device-visible, I/O
 * addresses from 4 GiB up) or for a channel pool (prefix.pool.user_*):
 * the settings every pool of the host shares (prefix.pool.*), the cost of
 * an I/O address lookup (prefix.nic.iommu.translate), the page
 * (POOL_PAGE_BYTES) and the run's seed. cfg->ncpus is
 * left 0: the CPUs are the host's, which its creator knows. Returns 0, or
 * -EINVAL with "file:line:col: KIND pool: ..." in err (at
 * prefix.pool.KIND_segment) if pool_cfg_check() refuses the result. */
int pool_cfg_load(struct pool_cfg *cfg, const struct param_src *src,
		  const char *prefix, bool device, char *err, size_t errlen);

/* The memory of a host, shared by its pools (and its in-kernel stack's
 * socket buffers): limit_bytes (0: unlimited). Statistics under
 * component: gauges (and series) mem.reserved, the host's total, and
 * mem.kernel, mem.user, mem.device, mem.sockbuf, what each domain holds
 * (their sum is mem.reserved at every moment); counter
 * pressure_events (counted once per episode, until the pass that
 * purges, except with POOL_PRESSURE_INSTANT: once per grow that found
 * the memory full). Returns 0 or -ENOMEM. */
int pool_mem_create(struct sim *sim, struct stats *st, const char *component,
		    uint64_t limit_bytes, struct pool_mem **out);
void pool_mem_destroy(struct pool_mem *m); /* NULL is a no-op */

/* How a host's memory answers a grow that does not fit (memory
 * pressure): the grow fails, and
 *   POOL_PRESSURE_REAPER  the reaper's next pass purges every dynamic
 *                         pool's free segments (XNU's reaper looks at the
 *                         VM pressure level when it runs);
 *   POOL_PRESSURE_WAKE    the reaper is woken for such a pass at once;
 *   POOL_PRESSURE_INSTANT every dynamic pool returns its free segments
 *                         then and there, for free, and the grow is
 *                         retried (an idealization; each pool then runs
 *                         its own reaper, at no cost).
 * With the first two the reaper is the host's: one pass every reap_ps
 * returns the idle segments of all its pools (or, after pressure, all
 * free ones) as one job of a kernel thread (a context switch, then each
 * device segment's unmap), and the memory is free for any pool only when
 * that job is done; one pass at a time. */
enum pool_pressure {
	POOL_PRESSURE_REAPER,
	POOL_PRESSURE_WAKE,
	POOL_PRESSURE_INSTANT
};

/* What domain d holds (B): the regions of that domain of the host's
 * pools (segments being reclaimed included) or, for POOL_DOM_SOCKBUF,
 * socket buffer bytes; and the host's total, their sum. */
uint64_t pool_mem_domain(const struct pool_mem *m, enum pool_domain d);
uint64_t pool_mem_reserved(const struct pool_mem *m);
/* Socket buffers: takes bytes into POOL_DOM_SOCKBUF if the host's memory
 * holds them; one that does not fit is memory pressure, as a pool's grow
 * (with POOL_PRESSURE_INSTANT the pools give back their free segments
 * and the take is retried). Returns 0, or -ENOSPC (nothing taken). NULL
 * m: 0 (memory not modelled). Giving back never fails. */
int pool_mem_take(struct pool_mem *m, uint64_t bytes);
void pool_mem_give(struct pool_mem *m, uint64_t bytes);

/* Gives the host's memory its pressure rule and reaper interval (0: no
 * periodic pass). Call after pool_mem_create(), before any pool is
 * created from it. Returns 0, -EINVAL or -ENOMEM. Without it the rule is
 * POOL_PRESSURE_INSTANT. The memory's statistics for the reaper: gauge
 * mem.reclaiming (B, being returned), counter reaper_runs (passes),
 * histogram reclaim_latency (ps, from the pressure to the pass that
 * purges). */
int pool_mem_reaper(struct pool_mem *m, enum pool_pressure how,
		    sim_time reap_ps);
/* The kernel core the reaper's thread runs on, and its cpu (for the
 * context switch); without one a pass takes its time on no core. */
struct cpu;
struct cpu_core;
void pool_mem_set_core(struct pool_mem *m, const struct cpu *cpu,
		       struct cpu_core *core);

/* Checks cfg; returns 0, or -EINVAL with the reason in err (e.g. "segment
 * (24 KiB) is not a multiple of the buffer (16 KiB)"): segment not a
 * multiple of the buffer, max below min, max not whole segments, zero
 * sizes. A segment need not be a multiple of the page. */
int pool_cfg_check(const struct pool_cfg *cfg, char *err, size_t errlen);

/* Creates a pool drawing from m (may be NULL: unlimited), registering its
 * statistics under env->component (must outlive it); reserves (and maps)
 * its initial segments and schedules its reaper. Random choices
 * (cfg->random) come from the stream (cfg->seed, env->rep,
 * "<component>.alloc"). Returns 0, or with the reason in err: -EINVAL
 * (pool_cfg_check() failed); -ENOSPC (the host's memory cannot hold the
 * initial reservation); -ENOMEM. Call before sim_run. */
int pool_create(const struct pool_cfg *cfg, const struct model_env *env,
		struct pool_mem *m, struct pool **out, char *err,
		size_t errlen);
void pool_destroy(struct pool *p); /* NULL is a no-op */

/* Allocates the buflets for len bytes, on behalf of CPU cpu (its magazine;
 * any value >= ncpus: no magazine). Returns the first buflet's index (the
 * others follow with pool_next()) and adds the allocation's latency to
 * *cost_ps (if not NULL); POOL_NONE if it failed (no memory, or len needs
 * more than buflets_max): counted in alloc_failures, never fatal. */
uint32_t pool_alloc(struct pool *p, uint32_t cpu, uint32_t len,
		    sim_time *cost_ps);
/* Frees the chain that starts at buf (from pool_alloc), on behalf of CPU
 * cpu. Freeing POOL_NONE is a no-op; freeing a buflet that is not the
 * head of an allocated chain is a bug of the caller: it is counted in
 * bad_frees and ignored. */
void pool_free(struct pool *p, uint32_t cpu, uint32_t buf);
/* The next buflet of a chain, or POOL_NONE. */
uint32_t pool_next(const struct pool *p, uint32_t buf);
/* The I/O (device) address of buflet buf. */
uint64_t pool_iova(const struct pool *p, uint32_t buf);
/* The mapping buflet buf lies in: its segment's I/O address (UINT64_MAX
 * for an index out of range) and size (segment_bytes). */
void pool_iova_segment(const struct pool *p, uint32_t buf, uint64_t *start,
		       uint64_t *len);
uint32_t pool_buffer_bytes(const struct pool *p);

/* Bytes reserved (segments held, in whole pages) and in use (buflets allocated x
 * buffer_bytes); segments mapped. reserved >= in use at every moment. */
uint64_t pool_reserved(const struct pool *p);
/* Bytes region r reserves (whole segments of whole pages); 0 for a
 * region the pool does not have. pool_reserved() is their sum. */
uint64_t pool_region_bytes(const struct pool *p, enum pool_region r);
uint64_t pool_in_use(const struct pool *p);
uint32_t pool_segments(const struct pool *p);
/* Called with the I/O address range of every device segment the pool
 * unmaps, when it unmaps it (the NIC flushes its IOTLB entries there). */
void pool_set_unmap_hook(struct pool *p,
			 void (*fn)(void *arg, uint64_t iova, uint64_t len),
			 void *arg);
/* Frees of buflets that were not allocated heads (a bug of a caller). */
uint64_t pool_bad_frees(const struct pool *p);

/* Memory pressure: returns the pool's free segments (a dynamic pool's,
 * down to min_bytes; magazines drained first); returns the bytes freed. */
uint64_t pool_shrink(struct pool *p);

/* Records the end-of-run scalars. */
void pool_finish(struct pool *p);

/* Packets and their buffers (models/poolpkt.c). A packet holds at most
 * one chain of a device pool (pkt->dpool, dbuf) and one of a channel pool
 * (upool, ubuf). Attaching allocates for pkt->len_bytes and adds the
 * latency to *cost_ps; returns 0, or -ENOMEM (nothing attached), or
 * -EBUSY if the packet already holds a chain of that kind. */
struct sim_pkt;
int pool_attach_dev(struct pool *p, struct sim_pkt *pkt, uint32_t cpu,
		    sim_time *cost_ps);
int pool_attach_user(struct pool *p, struct sim_pkt *pkt, uint32_t cpu,
		     sim_time *cost_ps);
/* Frees the packet's device chain, its channel chain, or both (no-ops
 * where it holds none). */
void pool_release_dev(struct sim_pkt *pkt, uint32_t cpu);
void pool_release_user(struct sim_pkt *pkt, uint32_t cpu);
void pool_release(struct sim_pkt *pkt);

#endif
