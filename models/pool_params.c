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
 */
#include "models.h"

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
	  "segment size of the device pool, a multiple of hosts.*.nic.iommu.page: one IOMMU mapping each",
	  "device buffer segments 64 KiB (reference/skywalk-facts.md)" },
	{ "hosts.*.pool.user_segment", PT_SIZE, "16KiB", NULL, 4096, 1073741824,
	  "segment size of a channel's pool, a multiple of hosts.*.nic.iommu.page",
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
	{ "hosts.*.memory", PT_SIZE, "0", NULL, 0, 1e15,
	  "memory the host's pools may reserve in all (0: unlimited); when short, dynamic pools return their free segments first, then allocations fail",
	  "usnsim: unlimited unless a study is about memory pressure" },
	{ NULL },
};
