/*
 * pool_params.c - parameters of a host's packet buffer pools
 * (hosts.*.pool.*) and of its memory (hosts.*.memory).
 *
 * With pool.mode static or dynamic, the host's driver owns a device pool
 * (device-visible: every segment mapped in the IOMMU) that holds each
 * packet from the flow switch (or the driver, without a stack) until its
 * frame has left the NIC, and each received frame until the host has
 * taken it; every app end with a user-space stack owns a channel pool.
 * models/pool.c describes the model. Defaults come from the reference
 * implementation (reference/skywalk-facts.md, memory).
 *
 * The pools of a host share its settings (mode, buffer size, buflets per
 * packet, costs, reaper); the device pool and the channel pools differ in
 * segment size, limits and visibility. Segments are wired and mapped in
 * whole 4 KiB pages (POOL_PAGE_BYTES); one that is not a multiple of the
 * page wastes the rest of its last page and costs one I/O address lookup
 * (hosts.*.nic.iommu.translate) per page instead of one. The device
 * pool's buffers sit at I/O addresses from 4 GiB up (channel pools
 * are not device-visible). pool_cfg_load() reads one pool's configuration
 * and hostmem_cfg_load() the host's: both pools' and its memory's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "errmsg.h"
#include "hostmem.h"
#include "models.h"
#include "pool.h"

#define POOL_DEV_IOVA (1ull << 32)

int pool_cfg_load(struct pool_cfg *cfg, const struct param_src *src,
		  const char *prefix, bool device, char *err, size_t errlen)
{
	const char *kind = device ? "device" : "user";
	char key[64], where[256], why[256];

#define K(what) (snprintf(key, sizeof(key), "pool.%s_" what, kind), key)
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = strcmp(param_str(src, prefix, "pool.mode"), "static")
			    ? POOL_DYNAMIC
			    : POOL_STATIC;
	cfg->buffer_bytes = (uint32_t)param_size(src, prefix, "pool.buffer");
	cfg->buflets_max = (uint32_t)param_int(src, prefix, "pool.buflets");
	cfg->page_bytes = POOL_PAGE_BYTES;
	cfg->translate_ps = param_time(src, prefix, "nic.iommu.translate");
	cfg->segment_bytes = param_size(src, prefix, K("segment"));
	cfg->min_bytes = param_size(src, prefix, K("min"));
	cfg->max_bytes = param_size(src, prefix, K("max"));
	cfg->device = device;
	cfg->user = !device;
	cfg->split = param_int(src, prefix, "pool.split") != 0;
	cfg->md_bytes = (uint32_t)param_size(src, prefix, "pool.metadata");
	cfg->bft_bytes = (uint32_t)param_size(src, prefix, "pool.buflet_table");
	cfg->md_segment_bytes =
		param_size(src, prefix, "pool.metadata_segment");
	cfg->random = param_int(src, prefix, "pool.random") != 0;
	cfg->magazine = (uint32_t)param_int(src, prefix, "pool.magazine");
	cfg->alloc_ps = param_time(src, prefix, "pool.alloc");
	cfg->magazine_ps = param_time(src, prefix, "pool.alloc_magazine");
	cfg->map_ps = param_time(src, prefix, "pool.map");
	cfg->unmap_ps = param_time(src, prefix, "pool.unmap");
	cfg->pmap_ps = param_time(src, prefix, "pool.process_map");
	cfg->punmap_ps = param_time(src, prefix, "pool.process_unmap");
	cfg->reap_ps = param_time(src, prefix, "pool.reap");
	cfg->idle_ps = param_time(src, prefix, "pool.idle");
	cfg->iova_base = device ? POOL_DEV_IOVA : 0;
	cfg->seed = (uint64_t)param_int(src, NULL, "seed");
	if (!pool_cfg_check(cfg, why, sizeof(why)))
		return 0;
	/* The value the message starts with, else the first of the others
	 * at odds that the scenario wrote (a default has no line: its
	 * position is the file name alone). */
	where[0] = '\0';
	if (!strncmp(why, "metadata", 8)) {
		param_where(src, prefix,
			    cfg->md_bytes > cfg->md_segment_bytes
				    ? "pool.metadata"
				    : "pool.buflet_table",
			    where, sizeof(where));
		if (!strchr(where, ':'))
			param_where(src, prefix, "pool.metadata_segment", where,
				    sizeof(where));
	} else if (!strncmp(why, "segment", 7))
		param_where(src, prefix, K("segment"), where, sizeof(where));
	else if (!strncmp(why, "min", 3))
		param_where(src, prefix, K("min"), where, sizeof(where));
	else if (!strncmp(why, "buffer", 6))
		param_where(src, prefix, "pool.buffer", where, sizeof(where));
	if (!strchr(where, ':'))
		param_where(src, prefix, K("max"), where, sizeof(where));
	if (!strchr(where, ':'))
		param_where(src, prefix, K("min"), where, sizeof(where));
	if (!strchr(where, ':'))
		param_where(src, prefix, K("segment"), where, sizeof(where));
#undef K
	errmsg(err, errlen, "%s: %s pool: %s", where, kind, why);
	return -EINVAL;
}

static enum pool_pressure pool_pressure_parse(const char *v)
{
	if (!strcmp(v, "wake"))
		return POOL_PRESSURE_WAKE;
	if (!strcmp(v, "instant"))
		return POOL_PRESSURE_INSTANT;
	return POOL_PRESSURE_REAPER;
}

int hostmem_cfg_load(struct hostmem_cfg *cfg, const struct param_src *src,
		     const char *prefix, char *err, size_t errlen)
{
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->modelled = strcmp(param_str(src, prefix, "pool.mode"), "none");
	if (!cfg->modelled)
		return 0;
	cfg->memory_bytes = param_size(src, prefix, "memory");
	cfg->pressure =
		pool_pressure_parse(param_str(src, prefix, "pool.pressure"));
	param_where(src, prefix, "memory", cfg->memory_at,
		    sizeof(cfg->memory_at));
	rc = pool_cfg_load(&cfg->device, src, prefix, true, err, errlen);
	return rc ? rc
		  : pool_cfg_load(&cfg->user, src, prefix, false, err, errlen);
}

const struct param_def pool_params[] = {
	{ "hosts.*.pool.mode", PT_ENUM, "none", "none|static|dynamic", 0, 0,
	  "packet buffer pools: none (memory not modelled: NIC ring and channel slots), static (all reserved at start) or dynamic (grow by segments on demand, shrink when idle or under pressure)",
	  "usnsim: none keeps scenarios about other models free of memory effects; static is the monolithic preallocation the memory patent improves on" },
	{ "hosts.*.pool.buffer", PT_SIZE, "2KiB", NULL, 64, 65536,
	  "size of one buffer (buflet)",
	  "buffers 2 KiB (large 16 KiB); channel limits 64 B-64 KiB (reference/skywalk-facts.md)" },
	{ "hosts.*.pool.buflets", PT_INT, "1", NULL, 1, 64,
	  "most buflets one packet may take (larger packets fail to allocate)",
	  "1-64 buflets per packet (reference/skywalk-facts.md)" },
	{ "hosts.*.pool.device_segment", PT_SIZE, "64KiB", NULL, 4096,
	  1073741824,
	  "segment size of the device pool, a multiple of pool.buffer: one IOMMU mapping each; a multiple of 4 KiB takes one I/O address lookup, any other size one per page and wastes the rest of its last page",
	  "device buffer segments 64 KiB, multiples of the page (reference/skywalk-facts.md; XNU iokit/bsddev/skywalk/IOSkywalkSupport.cpp, IOSK_SIZE_OK)" },
	{ "hosts.*.pool.user_segment", PT_SIZE, "16KiB", NULL, 4096, 1073741824,
	  "segment size of a channel's pool, a multiple of pool.buffer (memory is wired in whole 4 KiB pages)",
	  "user buffer segments 16 KiB (reference/skywalk-facts.md)" },
	{ "hosts.*.pool.device_min", PT_SIZE, "0", NULL, 0, 1e12,
	  "dynamic: device pool memory always kept (rounded up to segments)",
	  "usnsim: a dynamic pool may return all it does not use" },
	{ "hosts.*.pool.device_max", PT_SIZE, "8MiB", NULL, 4096, 1e12,
	  "device pool memory at most (static: reserved at start)",
	  "driver TX pools hold at least 4096 packets of 2 KiB (reference/skywalk-facts.md)" },
	{ "hosts.*.pool.user_min", PT_SIZE, "0", NULL, 0, 1e12,
	  "dynamic: a channel pool's memory always kept (rounded up to segments)",
	  "usnsim: a dynamic pool may return all it does not use" },
	{ "hosts.*.pool.user_max", PT_SIZE, "2560KiB", NULL, 4096, 1e12,
	  "a channel pool's memory at most (static: reserved at start)",
	  "rx_slots + tx_slots buffers (1280 x 2 KiB with the default rings; reference/skywalk-facts.md)" },
	{ "hosts.*.pool.random", PT_BOOL, "false", NULL, 0, 0,
	  "allocate a random free buffer instead of the last freed one (spreads DMA addresses, as after long uptime)",
	  "usnsim: LIFO reuse is what a slab allocator does" },
	{ "hosts.*.pool.magazine", PT_INT, "0", NULL, 0, 4096,
	  "buffers in each CPU's magazine (0: no per-CPU caching)",
	  "the reference implementation caches per CPU in magazines (reference/skywalk-facts.md)" },
	{ "hosts.*.pool.alloc", PT_TIME, "50ns", NULL, 0, 1e9,
	  "CPU time of taking one buffer from the pool's depot",
	  "usnsim: a locked slab allocation, ~150 cycles" },
	{ "hosts.*.pool.alloc_magazine", PT_TIME, "10ns", NULL, 0, 1e9,
	  "CPU time of taking one buffer from the CPU's magazine",
	  "usnsim: a lock-free per-CPU pop, ~30 cycles" },
	{ "hosts.*.pool.map", PT_TIME, "2us", NULL, 0, 1e12,
	  "time to wire a new device segment and insert it in the IOMMU (one mapping), added to the allocation that grows the pool",
	  "usnsim: an IOMMU map with page-table update and IOTLB invalidation, a few us" },
	{ "hosts.*.pool.unmap", PT_TIME, "2us", NULL, 0, 1e12,
	  "time to remove a device segment from the IOMMU when the pool returns it (counter unmap_time)",
	  "usnsim: same as a map" },
	{ "hosts.*.pool.reap", PT_TIME, "1s", NULL, 0, 1e15,
	  "dynamic: interval of the reaper that returns idle segments (0: never)",
	  "a reaper every 1 s (reference/skywalk-facts.md)" },
	{ "hosts.*.pool.idle", PT_TIME, "32s", NULL, 0, 1e15,
	  "dynamic: how long a segment must have been wholly free before the reaper returns it",
	  "channels below 1000 B/s drained every 32 s (reference/skywalk-facts.md)" },
	{ "hosts.*.pool.pressure", PT_ENUM, "reaper", "reaper|wake|instant", 0,
	  0,
	  "when the host's memory is short a grow fails and: reaper (its next pass takes back all free segments), wake (the reaper runs at once) or instant (free segments return at once, for free)",
	  "XNU fsw_reap_thread_cont() checks skmem_lowmem_check() each run; data path allocations are SKMEM_NOSLEEP" },
	{ "hosts.*.memory", PT_SIZE, "0", NULL, 0, 1e15,
	  "memory the host's pools may reserve in all (0: unlimited); when short, allocations fail and the reaper takes back free segments (pool.pressure)",
	  "usnsim: unlimited unless a study is about memory pressure" },
	{ "hosts.*.pool.metadata", PT_SIZE, "512B", NULL, 0, 65536,
	  "kernel metadata per buffer (a packet object, kernel-only; a channel pool mirrors it in user metadata mapped into the process); 0: no metadata regions",
	  "XNU bsd/skywalk/packet/pbufpool.c pp_regions_params_adjust(): KMD objects of METADATA_PREAMBLE_SZ + max(__kern_packet, __user_packet), UMD the same size; at most NX_METADATA_OBJ_MAX_SZ = 512 B (bsd/skywalk/core/skywalk_var.h), taken here" },
	{ "hosts.*.pool.buflet_table", PT_SIZE, "64B", NULL, 0, 65536,
	  "buflet table object per buffer, kernel (and, for a channel pool, user) when pool.buflets > 1",
	  "XNU pbufpool.c: KBFT objects of max(__kern_buflet_ext, __user_buflet), one per buffer; the 64 B is usnsim's estimate of that size (a buflet's address, index, offset, length, limit, flags and link)" },
	{ "hosts.*.pool.metadata_segment", PT_SIZE, "16KiB", NULL, 4096,
	  1073741824,
	  "segment size of the metadata and buflet table regions (objects never straddle a segment)",
	  "metadata segments 16 KiB (reference/skywalk-facts.md; XNU bsd/skywalk/mem/skmem_var.h SKMEM_MD_SEG_SIZE)" },
	{ "hosts.*.pool.split", PT_BOOL, "true",
	  NULL, 0, 0, "device pool: split each allocation into a device-mapped buffer and kernel-only metadata; false puts the metadata in device-mapped segments too (more device-mapped memory, more IOMMU mappings)", "dynamic packet pool patent: splitting a memory allocation into device accessible and kernel accessible portions (reference/patent-abstracts.txt); XNU's KMD region is kernel-only, its buffer region device-visible (skmem_arena.c)" },
	{ "hosts.*.pool.process_map", PT_TIME, "2us", NULL, 0, 1e12,
	  "time to map a new user-domain segment (a channel pool's buffers, user metadata) into the app's process, added to the allocation that grows the pool (counter process_maps)",
	  "usnsim: a page-table update, as pool.map; XNU maps a channel's arena into the task (skmem_arena_mmap(), bsd/skywalk/mem/skmem_arena.c)" },
	{ "hosts.*.pool.process_unmap", PT_TIME, "2us", NULL, 0, 1e12,
	  "time to remove a user-domain segment from the app's process when the pool returns it (the reaper's work; counter process_unmaps)",
	  "usnsim: as pool.unmap" },
	{ NULL },
};
