/*
 * nic.c - a host's NIC: rings, doorbell, PCIe DMA, IOMMU, wire, RX notify.
 *
 * TX. A packet from the host takes a TX ring slot (a full ring drops it,
 * reason ring_full) and holds it until its frame has left. The doorbell
 * write costs `doorbell` of CPU time: on a host with cores the driver's
 * job pays it (nic_set_doorbell_paid(), drv_set_cpu()); otherwise it is
 * charged to the packet, uncontended. The DMA engine then fetches the descriptor and the
 * payload, two reads one after the other: each costs the PCIe latency plus
 * its transfer, (len + ceil(len / mps) * overhead) * 8 / bw, and each page
 * the payload buffer touches is looked up in the IOTLB, a miss adding
 * `iommu.miss`. The engine serves packets in order and is busy for the
 * transfers and misses only (latencies overlap: reads are pipelined).
 * The IOMMU keeps an IOTLB per page size (4 KiB, and 2 MiB and 1 GiB up
 * to iommu.page); a page is looked up in the IOTLB of its size, and
 * which page holds an address follows from the mapping it lies in
 * (nic_iommu_page(): the largest page, up to iommu.page, that is aligned
 * and lies inside a mapping that is a whole number of 4 KiB pages; 4 KiB
 * pages in one that is not).
 * Then the frame is serialized at the line rate, padded to min_frame and
 * followed by `framing` bytes (preamble and inter-frame gap), and handed
 * to the network at its last bit. With hosts the network is a store-and-
 * forward hop behind the NIC (a switch port or an ns-3 device), so it
 * serializes again at its own rate.
 *
 * RX. A frame from the network takes an RX ring slot (full: dropped,
 * ring_full) until the host takes it. The payload and then the descriptor
 * are written to host memory: posted writes, so one latency plus both
 * transfers plus IOTLB misses, the RX engine serving frames in order.
 * The host learns of completed frames by interrupt or by polling. An
 * interrupt fires irq_time after the first frame it reports, or as soon
 * as irq_packets frames wait, but never sooner than irq_time after the
 * previous interrupt, so the interrupt rate is at most 1 / irq_time. In
 * adaptive mode the hold-off becomes irq_time x min(1, frames reported by
 * the last interrupt / irq_packets). Polling checks every poll_interval
 * (0: at once). Each notification hands every completed frame to the host.
 * On a host with cores (nic_set_cpu()) an interrupt is a job of irq_cost
 * on the interrupt context of its core: the frames it reports ("claimed")
 * reach the host when that job is done, and no other interrupt fires
 * until then (the line is masked while its handler runs); a timed poll
 * is a job of poll_cost every poll_interval, frames or not.
 *
 * Buffers: ring slot i uses the buffer at i * buffer bytes; TX buffers come
 * first, from I/O address 0, then RX buffers from the next boundary of
 * the largest page (iommu.page); each ring's buffers are one mapping. A
 * packet that holds buffers of the host's device pool is DMAed from
 * those, each in the mapping of its segment (pool_iova_segment()). The
 * IOTLBs are consulted when a DMA is scheduled, in each engine's order.
 *
 * Events per packet: one at the end of TX serialization, one at the end of
 * RX DMA, plus one per interrupt or poll. The rest is arithmetic.
 *
 * The NIC is created from a struct nic_cfg (nic_params.c reads it) and a
 * model_env; the topology keeps it with nic_ops, which records its
 * end-of-run scalars and counts the packets its rings hold.
 */
#include <errno.h>
#include <stdlib.h>

#include "cpu.h"
#include "errmsg.h"
#include "nic.h"
#include "pool.h"
#include "ring.h"
#include "stats.h"
#include "units.h"

/*
 * IOTLB: a fully associative LRU. A hit moves the page to the front (the
 * most recently used); a miss inserts it there, evicting the page at the
 * back (the least recently used) if the IOTLB is full; an invalidation
 * drops pages, and a dropped page's place is free: the next miss evicts
 * nothing for it. Two layouts keep the same order, so they give the same
 * hits and misses:
 *
 * - a short IOTLB (at most IOTLB_SHORT entries, as every default is) is
 *   an array of its pages from the front to the back, the front also in
 *   the header. A hit at the front reads the header alone; any other
 *   access scans the array (IOTLB_SHORT pages are 8 adjacent lines,
 *   fetched together) and moves the pages before the one it found, or
 *   all of them on a miss, one place back. With a streaming pattern (a
 *   ring's buffers, page after page) every miss would evict along a
 *   linked list and a hash table: about eight lines, each found through
 *   the one before; the array's eight lines are found at once.
 * - a longer one is a doubly linked list of entries from the most to the
 *   least recently used, in O(1) per access, and a table open-addressed
 *   by page (linear probing, twice the entries, deletion by backward
 *   shift, no tombstones) that finds a page's entry. Each table slot
 *   holds the page with its entry's index, so that a probe, and the shift
 *   after a deletion, read the table alone. A miss fills a free entry
 *   (never used, or dropped by an invalidation) or else takes the one at
 *   the back.
 *
 * The array, or the table and the entries, are allocated at set-up, in
 * one block; the header (32 bytes) is a NIC's (struct nic holds one per
 * page size, beside its counters) or nic_iotlb_create()'s.
 */
#define IOTLB_SHORT 64
#define IOTLB_NONE UINT32_MAX

struct nic_iotlb_slot {
	uint64_t page;
	uint32_t ent; /* entry index, or IOTLB_NONE: empty */
};

struct nic_iotlb_ent {
	uint64_t page;
	uint32_t prev, next; /* towards the front and the back; next also
				links the free entries */
};

struct nic_iotlb {
	uint32_t n;    /* entries (0: no IOTLB) */
	uint32_t used; /* how many ever filled; short: how many hold a page */
	uint32_t mask; /* of the table; 0: a short IOTLB */
	uint32_t free; /* dropped entries, or IOTLB_NONE */
	union {
		struct {
			uint32_t front, back; /* most and least recently used */
		};
		uint64_t first; /* short, used > 0: the page at the front */
	};
	union {
		/* the table, mask + 1 slots, then the n entries (iotlb_ent()) */
		struct nic_iotlb_slot *slot;
		uint64_t *page; /* short: used pages, the front first */
	};
};
_Static_assert(sizeof(struct nic_iotlb) == 32, "a header is half a line");

static struct nic_iotlb_ent *iotlb_ent(const struct nic_iotlb *t)
{
	return (struct nic_iotlb_ent *)(t->slot + t->mask + 1);
}

/* Returns 0, -EINVAL (entries == 0) or -ENOMEM. */
static int iotlb_init(struct nic_iotlb *t, uint32_t entries)
{
	uint32_t size = 2;

	if (!entries)
		return -EINVAL;
	if (entries <= IOTLB_SHORT) {
		t->page = aligned_alloc(64, (entries * sizeof(uint64_t) + 63) /
						    64 * 64);
		if (!t->page)
			return -ENOMEM;
		t->n = entries;
		t->used = t->mask = 0;
		t->free = IOTLB_NONE;
		t->first = 0;
		return 0;
	}
	while (size < 2 * (uint64_t)entries)
		size *= 2;
	t->slot = malloc((size_t)size * sizeof(*t->slot) +
			 (size_t)entries * sizeof(struct nic_iotlb_ent));
	if (!t->slot)
		return -ENOMEM;
	t->n = entries;
	t->used = 0;
	t->front = t->back = t->free = IOTLB_NONE;
	t->mask = size - 1;
	for (uint32_t i = 0; i < size; i++)
		t->slot[i] = (struct nic_iotlb_slot){ 0, IOTLB_NONE };
	return 0;
}

int nic_iotlb_create(uint32_t entries, struct nic_iotlb **out)
{
	struct nic_iotlb *t = malloc(sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	rc = iotlb_init(t, entries);
	if (rc) {
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void nic_iotlb_destroy(struct nic_iotlb *t)
{
	if (t)
		free(t->slot);
	free(t);
}

static uint32_t iotlb_home(const struct nic_iotlb *t, uint64_t page)
{
	return (uint32_t)((page * 0x9e3779b97f4a7c15ull) >> 32) & t->mask;
}

/* The table slot holding page, or the empty slot ending its probe. */
static uint32_t iotlb_probe(const struct nic_iotlb *t, uint64_t page)
{
	uint32_t h = iotlb_home(t, page);

	while (t->slot[h].ent != IOTLB_NONE && t->slot[h].page != page)
		h = (h + 1) & t->mask;
	return h;
}

/* Empties slot h, shifting back the entries whose probe passed it. */
static void iotlb_unslot(struct nic_iotlb *t, uint32_t h)
{
	for (uint32_t j = (h + 1) & t->mask; t->slot[j].ent != IOTLB_NONE;
	     j = (j + 1) & t->mask) {
		uint32_t k = iotlb_home(t, t->slot[j].page);

		/* j's entry may move to h if h lies on its probe, k .. j */
		if (((j - k) & t->mask) >= ((j - h) & t->mask)) {
			t->slot[h] = t->slot[j];
			h = j;
		}
	}
	t->slot[h].ent = IOTLB_NONE;
}

static void iotlb_unlink(struct nic_iotlb *t, struct nic_iotlb_ent *e,
			 uint32_t i)
{
	struct nic_iotlb_ent *x = &e[i];

	if (x->prev != IOTLB_NONE)
		e[x->prev].next = x->next;
	else
		t->front = x->next;
	if (x->next != IOTLB_NONE)
		e[x->next].prev = x->prev;
	else
		t->back = x->prev;
}

static void iotlb_push_front(struct nic_iotlb *t, struct nic_iotlb_ent *e,
			     uint32_t i)
{
	e[i].prev = IOTLB_NONE;
	e[i].next = t->front;
	if (t->front != IOTLB_NONE)
		e[t->front].prev = i;
	else
		t->back = i;
	t->front = i;
}

/* nic_iotlb_access() of a short IOTLB. */
static bool iotlb_short_access(struct nic_iotlb *t, uint64_t page)
{
	uint32_t i = 1;
	bool hit;

	if (t->used && t->first == page)
		return true;
	while (i < t->used && t->page[i] != page)
		i++;
	hit = i < t->used;
	if (!hit) {
		if (t->used < t->n)
			t->used++;
		i = t->used - 1; /* the back's place, free or evicted */
	}
	memmove(&t->page[1], &t->page[0], i * sizeof(*t->page));
	t->page[0] = t->first = page;
	return hit;
}

/* nic_iotlb_flush() of a short IOTLB: keeps the others in their order. */
static uint32_t iotlb_short_flush(struct nic_iotlb *t, uint64_t lo, uint64_t hi)
{
	uint32_t kept = 0, was = t->used;

	for (uint32_t i = 0; i < was; i++)
		if (t->page[i] < lo || t->page[i] >= hi)
			t->page[kept++] = t->page[i];
	t->used = kept;
	if (kept)
		t->first = t->page[0];
	return was - kept;
}

bool nic_iotlb_access(struct nic_iotlb *t, uint64_t page)
{
	struct nic_iotlb_ent *e;
	uint32_t h, i;

	if (!t->mask)
		return iotlb_short_access(t, page);
	e = iotlb_ent(t);
	h = iotlb_probe(t, page);
	i = t->slot[h].ent;

	if (i != IOTLB_NONE) {
		if (i != t->front) {
			iotlb_unlink(t, e, i);
			iotlb_push_front(t, e, i);
		}
		return true;
	}
	if (t->free != IOTLB_NONE) {
		i = t->free;
		t->free = e[i].next;
	} else if (t->used < t->n) {
		i = t->used++;
	} else { /* full: the least recently used goes */
		i = t->back;
		iotlb_unlink(t, e, i);
		iotlb_unslot(t, iotlb_probe(t, e[i].page));
		h = iotlb_probe(t, page);
	}
	e[i].page = page;
	t->slot[h] = (struct nic_iotlb_slot){ page, i };
	iotlb_push_front(t, e, i);
	return false;
}

static void iotlb_drop(struct nic_iotlb *t, uint32_t h)
{
	struct nic_iotlb_ent *e = iotlb_ent(t);
	uint32_t i = t->slot[h].ent;

	iotlb_unlink(t, e, i);
	iotlb_unslot(t, h);
	e[i].next = t->free;
	t->free = i;
}

uint32_t nic_iotlb_flush(struct nic_iotlb *t, uint64_t lo, uint64_t hi)
{
	struct nic_iotlb_ent *e = iotlb_ent(t);
	uint32_t n = 0;

	if (hi <= lo)
		return 0;
	if (!t->mask)
		return iotlb_short_flush(t, lo, hi);
	if (hi - lo <= t->n) { /* a short range: look its pages up */
		for (uint64_t pg = lo; pg < hi; pg++) {
			uint32_t h = iotlb_probe(t, pg);

			if (t->slot[h].ent != IOTLB_NONE) {
				iotlb_drop(t, h);
				n++;
			}
		}
		return n;
	}
	for (uint32_t i = t->front, next; i != IOTLB_NONE; i = next) {
		next = e[i].next;
		if (e[i].page >= lo && e[i].page < hi) {
			iotlb_drop(t, iotlb_probe(t, e[i].page));
			n++;
		}
	}
	return n;
}

uint64_t nic_iommu_page(uint64_t start, uint64_t len, uint64_t addr,
			uint64_t max_page)
{
	static const uint64_t large[] = { NIC_PAGE_1G, NIC_PAGE_2M };

	if (len % NIC_PAGE_4K)
		return NIC_PAGE_4K;
	for (size_t i = 0; i < sizeof(large) / sizeof(large[0]); i++) {
		uint64_t pg = large[i], at = addr / pg * pg;

		if (pg <= max_page && at >= start && at + pg <= start + len)
			return pg;
	}
	return NIC_PAGE_4K;
}

static int nic_page_index(uint64_t page)
{
	return page == NIC_PAGE_1G   ? NIC_PG_1G
	       : page == NIC_PAGE_2M ? NIC_PG_2M
				     : NIC_PG_4K;
}

/* The formulas, on the values a NIC keeps (struct nic's DMA line). */
static uint64_t dma_tlps(uint64_t mps_bytes, uint64_t len_bytes)
{
	uint64_t n = (len_bytes + mps_bytes - 1) / mps_bytes;

	return n ? n : 1;
}

static sim_time dma_xfer(uint64_t mps_bytes, uint64_t overhead_bytes,
			 double bw_bps, uint64_t len_bytes)
{
	return units_tx_time(len_bytes + dma_tlps(mps_bytes, len_bytes) *
						 overhead_bytes,
			     bw_bps);
}

uint64_t nic_dma_tlps(const struct nic_pcie *p, uint64_t len_bytes)
{
	return dma_tlps(p->mps_bytes, len_bytes);
}

sim_time nic_dma_xfer(const struct nic_pcie *p, uint64_t len_bytes)
{
	return dma_xfer(p->mps_bytes, p->overhead_bytes, p->bw_bps, len_bytes);
}

sim_time nic_dma_time(const struct nic_pcie *p, uint64_t len_bytes)
{
	return p->latency_ps + nic_dma_xfer(p, len_bytes);
}

/* A ring of packets: a power-of-two array that allocates as it fills
 * (ring.h; NULL until the first packet), free-running counters, and a
 * limit of `slots` packets. Ring slot i uses the buffer at i * buffer
 * bytes from the ring's base; its buffers are one mapping of slots *
 * buffer bytes. RX also keeps rx_done (struct nic): [head, rx_done)
 * finished their DMA and wait for the host, [rx_done, tail) are still in
 * DMA. */
struct nic_ring {
	struct sim_pkt **slot;
	uint32_t mask, slots;
	uint32_t head, tail;
};

/*
 * Histograms a packet or an interrupt records into are held back
 * (struct stat_hold, stats.h): tx_dma and rx_dma each through a hold of
 * its own; an interrupt's gap and batch as pairs in a row of NIC_ROWS (two
 * lines), recorded when it is full and at the end of the run, one
 * histogram at a time, or each at its time if either has a tap. Each
 * histogram gets its values in the order they came, so it ends as
 * recording each at its time would have left it, bit for bit.
 */
#define NIC_ROWS 8

/*
 * The fields are grouped by the handler that touches them, one cache line
 * a group (at 1,024 hosts each handler finds the NIC's lines evicted, so
 * every distinct line it touches costs a miss): TX's three lines (both TX
 * handlers', the completion's, the send's), the DMA and IOMMU lines both
 * directions share, then RX's (every RX handler's, the DMA's and
 * delivery's, the completion's, the interrupt's), and the rows of held
 * histogram values. A value both directions read sits in both, so that
 * neither touches the other's lines (tx_sim and sim, trace_id and
 * rx_trace_id). Configuration a packet reads is copied into the groups
 * at creation, in the narrowest type its range allows (the registry
 * bounds it); the whole struct nic_cfg stays, cold, for set-up. The counters sit among them (registered with
 * stats_counter_at()), the histograms after them (stats_hist_at()); the
 * struct lives in a stats_block(), line aligned, since results are read
 * after the NIC is destroyed.
 */
struct nic {
	/* TX, every handler: the ring and what a frame's send and its
	 * completion both read */
	_Alignas(64) struct nic_ring tx;
	uint32_t min_frame_bytes, framing_bytes; /* cfg's (<= 1e6) */
	uint32_t trace_id;
	uint32_t buffer_bytes; /* cfg's (<= 1e9) */
	void (*sent)(void *arg, struct sim_pkt *p);
	void *sent_arg;
	sim_time doorbell_ps; /* cfg's, or 0 if the driver pays it */

	/* TX completion (nic_tx_done) */
	_Alignas(64) struct sim_port wire;
	sim_time wire_busy; /* serialization of the frames that left */
	uint64_t tx_wire_bytes;
	uint64_t wire_measured; /* frames whose last bit left after warm-up */
	sim_time warmup_ps;
	uint64_t tx_frames;

	/* TX DMA and serialization (nic_tx_recv); TX buffers start at I/O
	 * address 0 */
	_Alignas(64) struct sim *tx_sim; /* sim's */
	uint64_t tx_packets;
	uint64_t tx_produced; /* packets ever placed: picks the buffer */
	double rate_bps;      /* line rate now (cfg's, or the step's) */
	sim_time tx_dma_free, wire_free;

	/* the DMA engines, both directions */
	/* cfg's pcie, mps and overhead narrowed (<= 4096) */
	_Alignas(64) sim_time pcie_latency_ps;
	double pcie_bw_bps;
	uint32_t pcie_mps_bytes, pcie_overhead_bytes;
	uint64_t dma_bytes, dma_tlps;
	uint32_t miss_ps;    /* cfg's IOTLB miss penalty (<= 1e9) */
	uint32_t desc_bytes; /* cfg's (<= 4096) */
	uint32_t iommu_page; /* largest IOMMU page (<= 1 GiB); 0: no IOMMU */
	uint64_t hits;	     /* the IOMMU's, which this line has room for */

	/* the IOMMU, both directions: the 4 KiB pages' IOTLB (n == 0: no
	 * IOMMU) and the misses; the larger pages' IOTLBs after them */
	_Alignas(64) struct nic_iotlb iotlb_4k;
	uint64_t misses, misses_pg[NIC_PG_N];
	struct nic_iotlb iotlb_large[NIC_PG_N - 1]; /* n == 0: unused */

	/* RX, every handler: the ring, and whether frames wait */
	_Alignas(64) struct nic_ring rx;
	uint32_t rx_done;
	uint32_t rx_trace_id; /* trace_id's */
	uint64_t claimed;     /* frames reported by jobs not yet done */
	struct sim *sim;
	uint64_t rx_delivered;
	bool poll, irq_adaptive; /* cfg's */
	bool irq_seen;
	uint8_t irq_mode; /* enum stat_hold_mode */
	uint8_t irq_rows; /* of irq_row[] */

	/* RX DMA (nic_rx_recv) and delivery (nic_deliver_n) */
	_Alignas(64) uint64_t rx_produced; /* as tx_produced */
	uint64_t rx_base;
	struct pool *pool; /* the host's device pool, or NULL */
	sim_time rx_dma_free;
	struct sim_port host;
	uint32_t rx_buffer_bytes; /* buffer_bytes' */

	/* RX completion (nic_rx_dma_done, nic_rx_completed, nic_arm) */
	_Alignas(64) uint64_t rx_frames;
	uint64_t irq_pkts; /* cfg's */
	sim_time hold_ps, last_irq;
	sim_event_id notify_ev; /* armed interrupt or poll, or 0 */
	sim_time notify_at;
	struct cpu_thread *irq_thread; /* interrupts and polls: jobs, or NULL */
	sim_time hist_warmup_ps;       /* the histograms' (stats_warmup()) */

	/* interrupts and polls (nic_notify, nic_report, nic_poll_tick) */
	_Alignas(64) uint64_t interrupts;
	uint64_t polls;
	sim_time irq_ps, irq_cost_ps, poll_ps, poll_cost_ps; /* cfg's */

	/* the held values, then their histograms; an interrupt's gap and
	 * batch side by side (one line written), the gap -1 for the first
	 * interrupt (none is recorded) */
	_Alignas(64) struct stat_hold tx_dma_hold;
	struct stat_hold rx_dma_hold;
	int64_t irq_row[2 * NIC_ROWS]; /* (gap, batch) pairs */
	struct stat_hist tx_dma, rx_dma, irq_gap, irq_batch;

	/* set-up, drops, invalidations, end of run */
	_Alignas(64) struct nic_cfg cfg;
	struct stats *st;
	const char *name;
	void (*on_rate)(void *arg);
	void *on_rate_arg;
	double base_rate_bps; /* the configured rate, restored at the end of
				 a step */
	struct sim_port drop;
	uint64_t drops, no_memory, invalidations, iotlb_flushed;
};

/* Each group fits its line. */
#define NIC_SAME_LINE(a, b)                                         \
	_Static_assert(offsetof(struct nic, a) / 64 ==              \
			       (offsetof(struct nic, b) +           \
				sizeof(((struct nic *)0)->b) - 1) / \
				       64,                          \
		       #a " .. " #b " share a cache line")
NIC_SAME_LINE(tx, doorbell_ps);
NIC_SAME_LINE(wire, tx_frames);
NIC_SAME_LINE(tx_sim, wire_free);
NIC_SAME_LINE(pcie_latency_ps, hits);
NIC_SAME_LINE(iotlb_4k, misses_pg);
NIC_SAME_LINE(rx, irq_rows);
NIC_SAME_LINE(rx_produced, rx_buffer_bytes);
NIC_SAME_LINE(rx_frames, hist_warmup_ps);
NIC_SAME_LINE(interrupts, poll_cost_ps);

static int nic_ring_init(struct nic_ring *r, uint32_t slots)
{
	r->slot = NULL;
	r->mask = 0;
	r->slots = slots;
	return 0;
}

/* True if r holds its limit of packets, or (the run stopped) its array
 * cannot grow to take one more. */
static bool nic_ring_full(struct nic *n, struct nic_ring *r)
{
	if (r->tail - r->head >= r->slots)
		return true;
	if (ring_room(&r->slot, &r->mask, r->head, r->tail, sizeof(*r->slot),
		      r->slots))
		return false;
	sim_stop(n->sim); /* out of memory */
	return true;
}

/* Places p (produced: the ring's count of packets ever placed, base: its
 * first buffer's address); returns the address of the buffer p was
 * given. */
static uint64_t nic_ring_put(struct nic_ring *r, uint64_t *produced,
			     uint64_t base, uint64_t buffer, struct sim_pkt *p)
{
	uint64_t addr = base + ((*produced)++ % r->slots) * buffer;

	r->slot[r->tail++ & r->mask] = p;
	return addr;
}

/* The IOTLB of page size k. */
static struct nic_iotlb *nic_tlb(struct nic *n, int k)
{
	return k == NIC_PG_4K ? &n->iotlb_4k : &n->iotlb_large[k - 1];
}

/* IOTLB lookups of the pages that [addr, addr + len) touches inside the
 * mapping of map_len bytes at map_start, each in the IOTLB of its size;
 * returns the penalty of the misses. */
static sim_time nic_translate(struct nic *n, uint64_t addr, uint64_t len,
			      uint64_t map_start, uint64_t map_len)
{
	uint64_t end = addr + (len ? len : 1);
	sim_time pen = 0;

	if (!n->iommu_page)
		return 0;
	for (uint64_t at = addr; at < end;) {
		uint64_t size =
			nic_iommu_page(map_start, map_len, at, n->iommu_page);
		int k = nic_page_index(size);

		if (nic_iotlb_access(nic_tlb(n, k), at / size)) {
			n->hits++;
		} else {
			n->misses++;
			n->misses_pg[k]++;
			pen += n->miss_ps;
		}
		at = (at / size + 1) * size;
	}
	return pen;
}

/* The IOTLB penalty of p's payload: in the buffers of the device pool it
 * holds, else in its ring buffer at addr, in the ring's mapping of
 * map_len bytes at map_start. */
static sim_time nic_translate_pkt(struct nic *n, const struct sim_pkt *p,
				  uint64_t addr, uint64_t map_start,
				  uint64_t map_len)
{
	uint64_t left = p->len_bytes ? p->len_bytes : 1, bsz;
	sim_time pen = 0;

	if (!p->dpool)
		return nic_translate(n, addr, p->len_bytes, map_start, map_len);
	bsz = pool_buffer_bytes(p->dpool);
	for (uint32_t b = p->dbuf; b != POOL_NONE && left;
	     b = pool_next(p->dpool, b)) {
		uint64_t l = left < bsz ? left : bsz, start, len;

		pool_iova_segment(p->dpool, b, &start, &len);
		pen += nic_translate(n, pool_iova(p->dpool, b), l, start, len);
		left -= l;
	}
	return pen;
}

/* nic_dma_xfer() of len bytes on n's PCIe. */
static sim_time nic_xfer(const struct nic *n, uint64_t len)
{
	return dma_xfer(n->pcie_mps_bytes, n->pcie_overhead_bytes,
			n->pcie_bw_bps, len);
}

static void nic_count_dma(struct nic *n, uint64_t len)
{
	n->dma_bytes += len + n->desc_bytes;
	n->dma_tlps += dma_tlps(n->pcie_mps_bytes, len) +
		       dma_tlps(n->pcie_mps_bytes, n->desc_bytes);
}

static sim_time max_t(sim_time a, sim_time b)
{
	return a > b ? a : b;
}

static void nic_drop(struct nic *n, struct sim_pkt *p)
{
	n->drops++;
	sim_trace(n->sim, n->trace_id, SIM_TR_DROP, p->len_bytes);
	sim_port_send(&n->drop, p);
}

/*
 * TX
 */

/* The frame at the head of the TX ring (b, the event carrying it, so
 * that the ring's array is read only when another frame follows) has
 * left. */
static void nic_tx_done(struct sim *sim, void *a, void *b)
{
	struct nic *n = a;
	struct sim_pkt *p = b;

	n->tx.head++;
	n->tx_frames++;
	n->wire_busy +=
		p->stamp_ps[PKT_ST_WIRE_END] - p->stamp_ps[PKT_ST_WIRE_START];
	n->tx_wire_bytes += units_wire_bytes(p->len_bytes, n->min_frame_bytes,
					     n->framing_bytes);
	if (sim_now(sim) > n->warmup_ps)
		n->wire_measured++;
	sim_trace(sim, n->trace_id, SIM_TR_DELIVER, p->len_bytes);
	pool_release_dev(p, POOL_NONE); /* the frame has left */
	if (n->sent)
		n->sent(n->sent_arg, p);
	if (n->tx.head != n->tx.tail) {
		struct sim_pkt *next = n->tx.slot[n->tx.head & n->tx.mask];

		sim_schedule_at(sim, next->stamp_ps[PKT_ST_WIRE_END],
				nic_tx_done, n, next);
	}
	sim_port_send(&n->wire, p);
}

static void nic_tx_recv(void *owner, struct sim_pkt *p)
{
	struct nic *n = owner;
	sim_time now = sim_now(n->tx_sim), *st = p->stamp_ps, busy;
	uint64_t addr, frame;

	n->tx_packets++;
	if (nic_ring_full(n, &n->tx)) {
		nic_drop(n, p);
		return;
	}
	sim_trace(n->tx_sim, n->trace_id, SIM_TR_ENQUEUE, p->len_bytes);
	addr = nic_ring_put(&n->tx, &n->tx_produced, 0, n->buffer_bytes, p);
	st[PKT_ST_DOORBELL] = now + n->doorbell_ps;
	st[PKT_ST_DMA_START] = max_t(st[PKT_ST_DOORBELL], n->tx_dma_free);
	busy = nic_xfer(n, n->desc_bytes) + nic_xfer(n, p->len_bytes) +
	       nic_translate_pkt(n, p, addr, 0,
				 (uint64_t)n->tx.slots * n->buffer_bytes);
	n->tx_dma_free = st[PKT_ST_DMA_START] + busy;
	st[PKT_ST_DMA_END] =
		st[PKT_ST_DMA_START] + 2 * n->pcie_latency_ps + busy;
	nic_count_dma(n, p->len_bytes);
	stats_hold_record(&n->tx_dma_hold, &n->tx_dma, now,
			  st[PKT_ST_DMA_END] - st[PKT_ST_DMA_START]);
	frame = units_wire_bytes(p->len_bytes, n->min_frame_bytes,
				 n->framing_bytes);
	st[PKT_ST_WIRE_START] = max_t(st[PKT_ST_DMA_END], n->wire_free);
	st[PKT_ST_WIRE_END] =
		st[PKT_ST_WIRE_START] + units_tx_time(frame, n->rate_bps);
	n->wire_free = st[PKT_ST_WIRE_END];
	p->queued_ps += st[PKT_ST_DMA_START] - st[PKT_ST_DOORBELL] +
			st[PKT_ST_WIRE_START] - st[PKT_ST_DMA_END];
	if (n->tx.tail - n->tx.head == 1)
		sim_schedule_at(n->tx_sim, st[PKT_ST_WIRE_END], nic_tx_done, n,
				p);
}

/*
 * RX
 */

static void nic_rx_completed(struct nic *n, const struct sim_pkt *last);

/* Frames done and not yet reported to the host. */
static uint64_t nic_rx_waiting(const struct nic *n)
{
	return n->rx_done - n->rx.head - n->claimed;
}

/* Hands the first count frames of the RX ring to the host. */
static void nic_deliver_n(struct nic *n, uint64_t count)
{
	for (; count; count--) {
		struct sim_pkt *p = n->rx.slot[n->rx.head++ & n->rx.mask];

		n->rx_delivered++;
		p->stamp_ps[PKT_ST_RX_NOTIFY] = sim_now(n->sim);
		sim_trace(n->sim, n->rx_trace_id, SIM_TR_RECEIVE, p->len_bytes);
		sim_port_send(&n->host, p);
	}
}

static void nic_deliver(struct nic *n)
{
	nic_deliver_n(n, nic_rx_waiting(n));
}

/* An interrupt's or a timed poll's job is done: the frames it reported
 * (b) reach the host. */
static void nic_irq_done(struct sim *sim, void *a, void *b)
{
	struct nic *n = a;
	uint64_t batch = (uint64_t)(uintptr_t)b;

	(void)sim;
	n->claimed -= batch;
	nic_deliver_n(n, batch);
	if (!n->poll && nic_rx_waiting(n))
		nic_rx_completed(n, NULL); /* unmasked: frames that came
					      meanwhile */
}

/* Reports the waiting frames to the host: at once without cores,
 * otherwise once a job of cost ps (account acct) on the interrupt
 * context's core is done. */
static void nic_report(struct nic *n, enum cpu_acct acct, sim_time ps)
{
	uint64_t batch = nic_rx_waiting(n);
	struct cpu_job j = { 0 };

	if (!n->irq_thread) {
		nic_deliver(n);
		return;
	}
	cpu_job_add(&j, acct, ps);
	n->claimed += batch;
	if (cpu_thread_submit(n->irq_thread, &j, nic_irq_done, n,
			      (void *)(uintptr_t)batch)) {
		n->claimed -= batch; /* could not queue: at once */
		nic_deliver_n(n, batch);
	}
}

/* A timed poll on a host with cores: one every poll_interval, a job
 * whether frames wait or not. */
static void nic_poll_tick(struct sim *sim, void *a, void *b)
{
	struct nic *n = a;

	(void)b;
	n->polls++;
	nic_report(n, CPU_A_POLL, n->poll_cost_ps);
	if (!sim_schedule(sim, n->poll_ps, nic_poll_tick, n, NULL))
		sim_stop(sim);
}

/* Records the held interrupts' values, one histogram at a time, and
 * empties them. */
static void nic_irq_fold(struct nic *n)
{
	for (uint32_t i = 0; i < n->irq_rows; i++)
		if (n->irq_row[2 * i] >= 0)
			hist_record(&n->irq_gap.hist, n->irq_row[2 * i]);
	for (uint32_t i = 0; i < n->irq_rows; i++)
		hist_record(&n->irq_batch.hist, n->irq_row[2 * i + 1]);
	n->irq_rows = 0;
}

/* An interrupt at now reporting batch frames: its gap (if one came
 * before) and its batch go to the histograms, or are held. */
static void nic_irq_record(struct nic *n, sim_time now, int64_t batch)
{
	if (__builtin_expect(n->irq_mode == STAT_HOLD_UNSET, 0))
		n->irq_mode = stats_hist_tapped(&n->irq_gap) ||
					      stats_hist_tapped(&n->irq_batch)
				      ? STAT_HOLD_DIRECT
				      : STAT_HOLD_HELD;
	if (n->irq_mode == STAT_HOLD_DIRECT) {
		if (n->irq_seen)
			stats_hist_record(&n->irq_gap, now - n->last_irq);
		stats_hist_record(&n->irq_batch, batch);
		return;
	}
	if (now < n->hist_warmup_ps) /* what stats_hist_record skips */
		return;
	n->irq_row[2 * n->irq_rows] = n->irq_seen ? now - n->last_irq : -1;
	n->irq_row[2 * n->irq_rows + 1] = batch;
	if (++n->irq_rows == NIC_ROWS)
		nic_irq_fold(n);
}

static void nic_notify(struct sim *sim, void *a, void *b)
{
	struct nic *n = a;
	uint64_t batch = nic_rx_waiting(n);
	sim_time now = sim_now(sim);

	(void)b;
	n->notify_ev = 0;
	if (n->poll) {
		n->polls++;
		nic_deliver(n);
		return;
	}
	n->interrupts++;
	nic_irq_record(n, now, (int64_t)batch);
	n->irq_seen = true;
	n->last_irq = now;
	if (n->irq_adaptive)
		n->hold_ps =
			batch >= n->irq_pkts
				? n->irq_ps
				: (sim_time)((double)n->irq_ps * (double)batch /
					     (double)n->irq_pkts);
	nic_report(n, CPU_A_IRQ, n->irq_cost_ps);
}

static void nic_arm(struct nic *n, sim_time at)
{
	if (n->notify_ev) {
		if (n->notify_at <= at)
			return;
		sim_cancel(n->sim, n->notify_ev);
	}
	n->notify_at = at;
	n->notify_ev = sim_schedule_at(n->sim, at, nic_notify, n, NULL);
}

/* The first frame waiting: last (the frame that finished its DMA last,
 * or NULL if not known) if it is the only one, so that the ring's array
 * is then not read. */
static const struct sim_pkt *nic_rx_first(const struct nic *n,
					  const struct sim_pkt *last)
{
	if (last && nic_rx_waiting(n) == 1)
		return last;
	return n->rx.slot[(n->rx.head + n->claimed) & n->rx.mask];
}

/* A frame has finished its RX DMA: decide when the host hears of it
 * (last: that frame, or NULL if not known). */
static void nic_rx_completed(struct nic *n, const struct sim_pkt *last)
{
	sim_time now = sim_now(n->sim), at;

	if (n->poll) {
		if (!n->poll_ps) {
			n->polls++;
			nic_deliver(n);
			return;
		}
		if (n->irq_thread)
			return; /* the next timed poll finds it */
		at = (now + n->poll_ps - 1) / n->poll_ps * n->poll_ps;
		nic_arm(n, at);
		return;
	}
	if (n->claimed)
		return; /* masked while its handler runs */
	if (nic_rx_waiting(n) >= n->irq_pkts)
		at = now;
	else if (n->notify_ev)
		return; /* armed for the first waiting frame */
	else
		at = max_t(now,
			   nic_rx_first(n, last)->stamp_ps[PKT_ST_RX_DMA_END] +
				   n->hold_ps); /* hold_ps after it came */
	if (n->irq_seen)
		at = max_t(at, n->last_irq + n->hold_ps);
	nic_arm(n, at);
}

/* The first frame in RX DMA (b, the event carrying it, so that the
 * ring's array is read only when another frame follows) is done. */
static void nic_rx_dma_done(struct sim *sim, void *a, void *b)
{
	struct nic *n = a;
	struct sim_pkt *p = b;

	n->rx_done++;
	n->rx_frames++;
	stats_hold_record(&n->rx_dma_hold, &n->rx_dma, sim_now(sim),
			  p->stamp_ps[PKT_ST_RX_DMA_END] -
				  p->stamp_ps[PKT_ST_RX_ARRIVE]);
	if (n->rx_done != n->rx.tail) {
		struct sim_pkt *next = n->rx.slot[n->rx_done & n->rx.mask];

		sim_schedule_at(sim, next->stamp_ps[PKT_ST_RX_DMA_END],
				nic_rx_dma_done, n, next);
	}
	nic_rx_completed(n, p);
}

static void nic_rx_recv(void *owner, struct sim_pkt *p)
{
	struct nic *n = owner;
	sim_time now = sim_now(n->sim), start, busy;
	uint64_t addr;

	if (nic_ring_full(n, &n->rx)) {
		nic_drop(n, p);
		return;
	}
	if (n->pool && pool_attach_dev(n->pool, p, POOL_NONE, NULL)) {
		n->no_memory++;
		sim_trace(n->sim, n->rx_trace_id, SIM_TR_DROP, p->len_bytes);
		sim_port_send(&n->drop, p);
		return;
	}
	sim_trace(n->sim, n->rx_trace_id, SIM_TR_ENQUEUE, p->len_bytes);
	addr = nic_ring_put(&n->rx, &n->rx_produced, n->rx_base,
			    n->rx_buffer_bytes, p);
	p->stamp_ps[PKT_ST_RX_ARRIVE] = now;
	start = max_t(now, n->rx_dma_free);
	busy = nic_xfer(n, p->len_bytes) + nic_xfer(n, n->desc_bytes) +
	       nic_translate_pkt(n, p, addr, n->rx_base,
				 (uint64_t)n->rx.slots * n->rx_buffer_bytes);
	n->rx_dma_free = start + busy;
	p->stamp_ps[PKT_ST_RX_DMA_END] = start + n->pcie_latency_ps + busy;
	p->queued_ps += start - now;
	nic_count_dma(n, p->len_bytes);
	if (n->rx.tail - n->rx_done == 1)
		sim_schedule_at(n->sim, p->stamp_ps[PKT_ST_RX_DMA_END],
				nic_rx_dma_done, n, p);
}

/*
 * Set-up
 */

static int nic_stats(struct nic *n)
{
	struct stats *st = n->st;
	const char *c = n->name;

	if (!stats_counter_at(st, c, "tx_packets", "packets", &n->tx_packets) ||
	    !stats_counter_at(st, c, "tx_frames", "packets", &n->tx_frames) ||
	    !stats_counter_at(st, c, "tx_wire_bytes", "B", &n->tx_wire_bytes) ||
	    !stats_counter_at(st, c, "rx_frames", "packets", &n->rx_frames) ||
	    !stats_counter_at(st, c, "rx_delivered", "packets",
			      &n->rx_delivered) ||
	    !stats_counter_at(st, c, "dma_bytes", "B", &n->dma_bytes) ||
	    !stats_counter_at(st, c, "dma_tlps", "", &n->dma_tlps) ||
	    !stats_counter_at(st, c, "iotlb_hits", "", &n->hits) ||
	    !stats_counter_at(st, c, "iotlb_misses", "", &n->misses) ||
	    !stats_counter_at(st, c, "iotlb_misses_4k", "",
			      &n->misses_pg[NIC_PG_4K]) ||
	    !stats_counter_at(st, c, "iotlb_misses_2m", "",
			      &n->misses_pg[NIC_PG_2M]) ||
	    !stats_counter_at(st, c, "iotlb_misses_1g", "",
			      &n->misses_pg[NIC_PG_1G]) ||
	    !stats_counter_at(st, c, "iotlb_invalidations", "",
			      &n->invalidations) ||
	    !stats_counter_at(st, c, "iotlb_flushed", "", &n->iotlb_flushed) ||
	    !stats_counter_at(st, c, "interrupts", "", &n->interrupts) ||
	    !stats_counter_at(st, c, "polls", "", &n->polls) ||
	    !stats_counter_at(st, c, "drops.ring_full", "packets", &n->drops) ||
	    !stats_counter_at(st, c, "drops.no_memory", "packets",
			      &n->no_memory) ||
	    !stats_hist_at(st, c, "tx_dma", "ps", &n->tx_dma) ||
	    !stats_hist_at(st, c, "rx_dma", "ps", &n->rx_dma) ||
	    !stats_hist_at(st, c, "irq_gap", "ps", &n->irq_gap) ||
	    !stats_hist_at(st, c, "irq_batch", "packets", &n->irq_batch))
		return -ENOMEM;
	return 0;
}

/* The IOTLBs (one per page size up to iommu.page) and the rings: TX
 * buffers first, then RX buffers from the next boundary of the largest
 * page. */
/* Whether the values nic_setup() narrows to 32 bits fit them (the
 * registry's ranges make it so; this keeps a wider range from wrapping). */
static bool nic_narrow_fits(const struct nic_cfg *c)
{
	const uint64_t v[] = { c->min_frame_bytes,     c->framing_bytes,
			       c->buffer_bytes,	       c->pcie.mps_bytes,
			       c->pcie.overhead_bytes, (uint64_t)c->miss_ps,
			       c->desc_bytes,	       c->page_bytes };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i] > UINT32_MAX)
			return false;
	return true;
}

static int nic_setup(struct nic *n)
{
	static const uint64_t size[NIC_PG_N] = { NIC_PAGE_4K, NIC_PAGE_2M,
						 NIC_PAGE_1G };
	const struct nic_cfg *c = &n->cfg;
	uint64_t tx_bytes = (uint64_t)c->tx_ring_slots * c->buffer_bytes;

	/* the groups' copies (the registry bounds the narrowed ones) */
	n->min_frame_bytes = (uint32_t)c->min_frame_bytes;
	n->framing_bytes = (uint32_t)c->framing_bytes;
	n->buffer_bytes = n->rx_buffer_bytes = (uint32_t)c->buffer_bytes;
	n->doorbell_ps = c->doorbell_ps;
	n->rate_bps = c->rate_bps;
	n->pcie_latency_ps = c->pcie.latency_ps;
	n->pcie_bw_bps = c->pcie.bw_bps;
	n->pcie_mps_bytes = (uint32_t)c->pcie.mps_bytes;
	n->pcie_overhead_bytes = (uint32_t)c->pcie.overhead_bytes;
	n->miss_ps = (uint32_t)c->miss_ps;
	n->desc_bytes = (uint32_t)c->desc_bytes;
	n->iommu_page = c->iommu ? (uint32_t)c->page_bytes : 0;
	n->poll = c->poll;
	n->irq_adaptive = c->irq_adaptive;
	n->irq_pkts = c->irq_pkts;
	n->irq_ps = c->irq_ps;
	n->irq_cost_ps = c->irq_cost_ps;
	n->poll_ps = c->poll_ps;
	n->poll_cost_ps = c->poll_cost_ps;
	n->hold_ps = c->irq_ps;
	for (int k = 0; c->iommu && k < NIC_PG_N; k++)
		if (size[k] <= c->page_bytes &&
		    iotlb_init(nic_tlb(n, k), c->iotlb_entries[k]))
			return -ENOMEM;
	n->rx_base =
		(tx_bytes + c->page_bytes - 1) / c->page_bytes * c->page_bytes;
	if (nic_ring_init(&n->tx, c->tx_ring_slots) ||
	    nic_ring_init(&n->rx, c->rx_ring_slots))
		return -ENOMEM;
	return 0;
}

/* A rate step (b: the new rate's place, NULL for the step down). */
static void nic_step(struct sim *sim, void *a, void *b)
{
	struct nic *n = a;

	(void)sim;
	n->rate_bps = b ? n->base_rate_bps : n->cfg.step_bps;
	if (n->on_rate)
		n->on_rate(n->on_rate_arg);
}

static int nic_schedule_steps(struct nic *n)
{
	const struct nic_cfg *c = &n->cfg;

	if (!c->step_bps)
		return 0;
	if (!sim_schedule_at(n->sim, c->step_at_ps, nic_step, n, NULL))
		return -ENOMEM;
	if (c->step_until_ps &&
	    !sim_schedule_at(n->sim, c->step_until_ps, nic_step, n, n))
		return -ENOMEM;
	return 0;
}

void nic_on_rate(struct nic *n, void (*fn)(void *arg), void *arg)
{
	n->on_rate = fn;
	n->on_rate_arg = arg;
}

int nic_create(const struct nic_cfg *cfg, const struct model_env *env,
	       struct nic **out, char *err, size_t errlen)
{
	/* the statistics' (stats_block): never freed here */
	struct nic *n = stats_block(env->st, sizeof(*n));

	if (!n)
		goto out_nomem;
	n->sim = n->tx_sim = env->sim;
	n->st = env->st;
	n->warmup_ps = env->warmup_ps;
	n->hist_warmup_ps = stats_warmup(env->st);
	stats_hold_init(&n->tx_dma_hold, env->st);
	stats_hold_init(&n->rx_dma_hold, env->st);
	n->name = env->component;
	n->trace_id = n->rx_trace_id = sim_trace_id(env->component);
	n->cfg = *cfg;
	n->base_rate_bps = cfg->rate_bps;
	if (!nic_narrow_fits(cfg)) { /* the registry's bounds keep them in */
		errmsg(err, errlen,
		       "%s: a frame, buffer, PCIe, descriptor, miss or page "
		       "size beyond what the NIC's 32-bit copies hold",
		       env->component);
		nic_destroy(n);
		return -EINVAL;
	}
	if (nic_setup(n) || nic_stats(n) || nic_schedule_steps(n)) {
		nic_destroy(n);
		goto out_nomem;
	}
	*out = n;
	return 0;
out_nomem:
	errmsg(err, errlen, "%s: out of memory", env->component);
	return -ENOMEM;
}

void nic_destroy(struct nic *n)
{
	if (!n)
		return;
	for (int k = 0; k < NIC_PG_N; k++)
		free(nic_tlb(n, k)->slot);
	free(n->tx.slot);
	free(n->rx.slot);
	/* n is the statistics' (stats_block) */
}

struct sim_port nic_tx_input(struct nic *n)
{
	return (struct sim_port){ .recv = nic_tx_recv, .owner = n };
}

struct sim_port nic_rx_input(struct nic *n)
{
	return (struct sim_port){ .recv = nic_rx_recv, .owner = n };
}

void nic_connect(struct nic *n, struct sim_port wire, struct sim_port host,
		 struct sim_port drop)
{
	n->wire = wire;
	n->host = host;
	n->drop = drop;
}

static uint64_t nic_ring_held(const struct nic_ring *r, uint32_t src)
{
	uint64_t k = 0;

	for (uint32_t i = r->head; i != r->tail; i++)
		k += r->slot[i & r->mask]->src == src;
	return k;
}

double nic_rate(const struct nic *n)
{
	return n->rate_bps;
}

void nic_tx_sent(const struct nic *n, uint64_t *bytes, uint64_t *frames)
{
	*bytes = n->tx_wire_bytes;
	*frames = n->tx_frames;
}

void nic_on_sent(struct nic *n, void (*fn)(void *arg, struct sim_pkt *p),
		 void *arg)
{
	n->sent = fn;
	n->sent_arg = arg;
}

/* The device pool unmapped [iova, iova + len): the IOMMU's invalidation
 * drops the IOTLB entries of its pages, of every size (the unmap's time is
 * the pool's, pool.unmap). */
static void nic_unmapped(void *arg, uint64_t iova, uint64_t len)
{
	static const uint64_t size[NIC_PG_N] = { NIC_PAGE_4K, NIC_PAGE_2M,
						 NIC_PAGE_1G };
	struct nic *n = arg;

	if (!n->cfg.iommu || !len)
		return;
	n->invalidations++;
	for (int k = 0; k < NIC_PG_N; k++)
		if (nic_tlb(n, k)->n)
			n->iotlb_flushed += nic_iotlb_flush(
				nic_tlb(n, k), iova / size[k],
				(iova + len + size[k] - 1) / size[k]);
}

void nic_set_pool(struct nic *n, struct pool *pool)
{
	n->pool = pool;
	if (pool)
		pool_set_unmap_hook(pool, nic_unmapped, n);
}

uint32_t nic_tx_backlog(const struct nic *n)
{
	return n->tx.tail - n->tx.head;
}

uint64_t nic_rx_delivered(const struct nic *n)
{
	return n->rx_delivered;
}

int nic_set_cpu(struct nic *n, struct cpu_thread *t)
{
	n->irq_thread = t;
	if (!t || !n->cfg.poll || !n->cfg.poll_ps)
		return 0;
	return sim_schedule_at(n->sim, n->cfg.poll_ps, nic_poll_tick, n, NULL)
		       ? 0
		       : -ENOMEM;
}

void nic_set_doorbell_paid(struct nic *n, bool paid)
{
	n->doorbell_ps = paid ? 0 : n->cfg.doorbell_ps;
}

uint32_t nic_tx_slots(const struct nic *n)
{
	return n->tx.slots;
}

uint64_t nic_held_by(const struct nic *n, uint32_t src)
{
	return nic_ring_held(&n->tx, src) + nic_ring_held(&n->rx, src);
}

void nic_finish(struct nic *n)
{
	sim_time span = sim_now(n->sim) - n->warmup_ps;
	/* a payload DMA for every packet a ring took */
	uint64_t dmas = n->tx_produced + n->rx_produced;

	stats_hold_flush(&n->tx_dma_hold, &n->tx_dma);
	stats_hold_flush(&n->rx_dma_hold, &n->rx_dma);
	nic_irq_fold(n);
	stats_scalar(
		n->st, n->name, "in_flight", "packets",
		(double)(n->tx.tail - n->tx.head + n->rx.tail - n->rx.head));
	stats_scalar(n->st, n->name, "wire_busy", "ps", (double)n->wire_busy);
	stats_scalar(n->st, n->name, "iotlb_misses_per_dma", "",
		     dmas ? (double)n->misses / (double)dmas : 0);
	stats_scalar(n->st, n->name, "wire_rate", "pps",
		     span > 0 ? (double)n->wire_measured * (double)SIM_S /
					(double)span
			      : 0);
}

static void nic_ops_destroy(void *m)
{
	nic_destroy(m);
}

static void nic_ops_finish(void *m)
{
	nic_finish(m);
}

static void nic_ring_held_add(const struct nic_ring *r, uint64_t *held,
			      size_t napps)
{
	for (uint32_t i = r->head; i != r->tail; i++)
		pkt_held_add(r->slot[i & r->mask], held, napps);
}

static void nic_ops_held_add(const void *m, uint64_t *held, size_t napps)
{
	const struct nic *n = m;

	nic_ring_held_add(&n->tx, held, napps);
	nic_ring_held_add(&n->rx, held, napps);
}

const struct model_ops nic_ops = {
	.name = "nic",
	.destroy = nic_ops_destroy,
	.finish = nic_ops_finish,
	.held_add = nic_ops_held_add,
};
