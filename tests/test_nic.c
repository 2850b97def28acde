/*
 * test_nic.c - the NIC model and the host topology.
 *
 * Unit checks against definitions: the DMA cost formula (affine in size,
 * one more transaction header at every multiple of the maximum payload),
 * the IOTLB against a hand-worked LRU sequence and against a naive
 * move-to-front list driven by the same random pattern. Model checks on
 * scenarios/nic_linerate.yaml (run from the repository root): 64 B frames
 * at 10 Gb/s leave at 14.88 Mpps and no faster; interrupt moderation caps
 * the interrupt rate at 1 / irq_time under saturation and costs latency
 * growing with irq_time at light load; the stages add up to the latency,
 * the drivers' stages being their per-packet (and IPC) cost at light load;
 * the IOTLB counts of a cyclic ring; conservation of packets through the
 * NICs; errors for apps that name hosts wrongly.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "nic.h"
#include "rng.h"
#include "run.h"
#include "scenario.h"
#include "stats.h"
#include "util.h"

#define LINERATE "scenarios/nic_linerate.yaml"

static double metric(const struct run_result *r, const char *comp,
		     const char *name)
{
	struct stat_info si;

	if (stats_find(r->stats, comp, name, &si))
		return NAN;
	switch (si.kind) {
	case STAT_COUNTER:
		return (double)*si.u.counter;
	case STAT_SCALAR:
		return si.u.scalar;
	case STAT_HIST:
		return hist_mean(&si.u.hist->hist);
	default:
		return NAN;
	}
}

static const struct hist *histo(const struct run_result *r, const char *comp,
				const char *name)
{
	struct stat_info si;

	if (stats_find(r->stats, comp, name, &si) || si.kind != STAT_HIST)
		return NULL;
	return &si.u.hist->hist;
}

/* Runs the line-rate scenario with overrides; returns 0 or -errno. */
static int run_sets(const char *const *sets, size_t n, struct run_result *r)
{
	struct scn *s = NULL;
	char err[512];
	int rc = scn_load(LINERATE, sets, n, &s, err, sizeof(err));

	if (!rc)
		rc = run_scenario(s, 0, r, err, sizeof(err));
	CHECKF(rc == 0, "%s", err);
	scn_destroy(s);
	return rc;
}

/* 1 byte per ns makes the formula easy to state: 550 ns + (len + 24 per
 * started 256 B) ns. */
static void test_dma_formula(void)
{
	const struct nic_pcie p = { 550 * SIM_NS, 8e9, 256, 24 };

	CHECK_EQ(nic_dma_tlps(&p, 1), 1);
	CHECK_EQ(nic_dma_tlps(&p, 256), 1);
	CHECK_EQ(nic_dma_tlps(&p, 257), 2);
	CHECK_EQ(nic_dma_tlps(&p, 1500), 6);
	CHECK_EQ(nic_dma_time(&p, 64), 638 * SIM_NS);
	CHECK_EQ(nic_dma_time(&p, 256), 830 * SIM_NS);
	CHECK_EQ(nic_dma_time(&p, 257), 855 * SIM_NS);
	CHECK_EQ(nic_dma_time(&p, 1500), 2194 * SIM_NS);
	for (uint64_t n = 1; n <= 4096; n++) {
		sim_time want = 550 * SIM_NS +
				(sim_time)(n + (n + 255) / 256 * 24) * SIM_NS;
		sim_time step = nic_dma_time(&p, n + 1) - nic_dma_time(&p, n);

		CHECKF(nic_dma_time(&p, n) == want, "dma_time(%llu)",
		       (unsigned long long)n);
		/* affine within a transaction count, one header more past it */
		CHECKF(step == (n % 256 ? 1 : 25) * SIM_NS, "step at %llu",
		       (unsigned long long)n);
	}
}

/* 3 entries, pages 1 2 3 1 4 2 5 1 2 3 4 5: worked by hand. */
static void test_iotlb_sequence(void)
{
	static const uint64_t pages[] = { 1, 2, 3, 1, 4, 2, 5, 1, 2, 3, 4, 5 };
	static const bool hit[] = { 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0 };
	struct nic_iotlb *t;

	CHECK_EQ(nic_iotlb_create(0, &t), -EINVAL);
	CHECK_EQ_FATAL(nic_iotlb_create(3, &t), 0);
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		CHECKF(nic_iotlb_access(t, pages[i]) == hit[i],
		       "access %zu (page %llu)", i,
		       (unsigned long long)pages[i]);
	nic_iotlb_destroy(t);
}

/* An unmap's invalidation drops the entries of its pages and no others;
 * a dropped page misses again, and its slot is free: nothing is evicted
 * for it. */
static void test_iotlb_flush(void)
{
	struct nic_iotlb *t;

	CHECK_EQ_FATAL(nic_iotlb_create(4, &t), 0);
	for (uint64_t pg = 10; pg < 14; pg++)
		CHECK_EQ(nic_iotlb_access(t, pg), false);
	CHECK_EQ(nic_iotlb_flush(t, 11, 13), 2);
	CHECK_EQ(nic_iotlb_flush(t, 11, 13), 0);
	CHECK_EQ(nic_iotlb_access(t, 10), true);
	CHECK_EQ(nic_iotlb_access(t, 13), true);
	CHECK_EQ(nic_iotlb_access(t, 12),
		 false); /* refilled into a free slot */
	CHECK_EQ(nic_iotlb_access(t, 20), false);
	CHECK_EQ(nic_iotlb_access(t, 10),
		 true); /* so 10 and 13 are still there */
	CHECK_EQ(nic_iotlb_access(t, 13), true);
	CHECK_EQ(nic_iotlb_access(t, 12), true);
	CHECK_EQ(nic_iotlb_access(t, 11), false); /* full: evicts 20, the LRU */
	CHECK_EQ(nic_iotlb_access(t, 20), false);
	nic_iotlb_destroy(t);
}

/* Against a move-to-front list: hit if the page is among the first n. */
static void test_iotlb_reference(void)
{
	enum { N = 16, PAGES = 40, STEPS = 50000 };
	uint64_t list[PAGES];
	size_t len = 0, hits = 0;
	struct nic_iotlb *t;
	struct rng *r = rng_create(7, 0, "test.iotlb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CHECK_EQ_FATAL(nic_iotlb_create(N, &t), 0);
	for (int i = 0; i < STEPS; i++) {
		uint64_t pg = rng_u64(r, PAGES);
		size_t at = 0;
		bool want;

		while (at < len && list[at] != pg)
			at++;
		want = at < len && at < N;
		if (at == len)
			len++;
		memmove(list + 1, list, at * sizeof(list[0]));
		list[0] = pg;
		hits += want;
		if (nic_iotlb_access(t, pg) != want) {
			CHECKF(0, "step %d page %llu", i,
			       (unsigned long long)pg);
			break;
		}
	}
	CHECKF(hits > STEPS / 4 && hits < STEPS * 3 / 4, "%zu hits", hits);
	nic_iotlb_destroy(t);
	rng_destroy(r);
}

/* The reference: a table of pages with the step of their last use,
 * scanned whole; a miss fills a free entry or replaces the one used
 * longest ago, and a flush empties the entries of its range. */
struct ref_lru {
	uint32_t n, used;
	uint64_t clock, page[256], last[256];
};

static bool ref_access(struct ref_lru *r, uint64_t pg)
{
	uint32_t victim = 0;

	r->clock++;
	for (uint32_t i = 0; i < r->used; i++)
		if (r->page[i] == pg) {
			r->last[i] = r->clock;
			return true;
		}
	if (r->used < r->n) {
		victim = r->used++;
	} else {
		for (uint32_t i = 1; i < r->used; i++)
			if (r->last[i] < r->last[victim])
				victim = i;
	}
	r->page[victim] = pg;
	r->last[victim] = r->clock;
	return false;
}

static uint32_t ref_flush(struct ref_lru *r, uint64_t lo, uint64_t hi)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < r->used;)
		if (r->page[i] >= lo && r->page[i] < hi) {
			r->used--;
			r->page[i] = r->page[r->used];
			r->last[i] = r->last[r->used];
			k++;
		} else {
			i++;
		}
	return k;
}

/* 100,000 random accesses over pages 0 .. 3n - 1, one in 50 steps a
 * flush of a random range (short ones looked up page by page, long ones
 * by a walk of the entries): every hit, miss and flush count as the
 * reference's, for IOTLBs of 1, 7 and 64 entries (arrays) and of 65 and
 * 256 (lists and tables). */
static void test_iotlb_reference_flush(void)
{
	static const uint32_t sizes[] = { 1, 7, 64, 65, 256 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t n = sizes[s];
		struct ref_lru ref = { .n = n };
		struct rng *r = rng_create(11, s, "test.iotlb_flush");
		struct nic_iotlb *t;
		uint64_t hits = 0, flushed = 0, flushes = 0;
		bool ok = true;

		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CHECK_EQ_FATAL(nic_iotlb_create(n, &t), 0);
		for (int i = 0; i < 100000 && ok; i++) {
			if (!rng_u64(r, 50)) {
				uint64_t lo = rng_u64(r, 3 * n),
					 hi = lo + rng_u64(r, 2 * n + 1);
				uint32_t want = ref_flush(&ref, lo, hi),
					 got = nic_iotlb_flush(t, lo, hi);

				flushes++;
				flushed += want;
				ok = got == want;
				CHECKF(ok,
				       "n %u step %d flush [%llu, %llu): %u, not %u",
				       n, i, (unsigned long long)lo,
				       (unsigned long long)hi, got, want);
			} else {
				uint64_t pg = rng_u64(r, 3 * n);
				bool want = ref_access(&ref, pg);

				hits += want;
				ok = nic_iotlb_access(t, pg) == want;
				CHECKF(ok,
				       "n %u step %d page %llu: %s expected", n,
				       i, (unsigned long long)pg,
				       want ? "hit" : "miss");
			}
		}
		/* both outcomes and flushes that drop entries occurred */
		CHECKF(hits > 10000 && hits < 90000 && flushed > flushes / 10,
		       "n %u: %llu hits, %llu dropped by %llu flushes", n,
		       (unsigned long long)hits, (unsigned long long)flushed,
		       (unsigned long long)flushes);
		nic_iotlb_destroy(t);
		rng_destroy(r);
	}
}

/* 64 B frames: 84 B on the wire at 10 Gb/s, 67.2 ns each. Offered 20
 * Mpps, the wire carries 1e12 / 67200 pps; offered 14 Mpps, all of it. */
static void test_linerate(void)
{
	const char *slow[] = { "apps.flood.rate=14Mpps" };
	const double cap = 1e12 / 67200;
	struct run_result r;
	double sent, rate;

	if (run_sets(NULL, 0, &r))
		return;
	rate = metric(&r, "hosts.client.nic", "wire_rate");
	CHECKF(fabs(rate / cap - 1) < 0.005, "wire rate %.0f pps", rate);
	CHECK_GT(metric(&r, "hosts.client.nic", "drops.ring_full"), 0);
	CHECK_EQ(metric(&r, "apps.flood", "stage.wire"), 67200);
	sent = metric(&r, "apps.flood", "sent");
	CHECK_EQ(sent, metric(&r, "apps.flood", "received") +
			       metric(&r, "apps.flood", "dropped") +
			       metric(&r, "apps.flood", "in_flight"));
	CHECK_EQ(metric(&r, "apps.flood", "dropped"),
		 metric(&r, "hosts.client.nic", "drops.ring_full"));
	/* descriptor and payload per packet the NIC accepted (not those
	 * still in the driver), exactly */
	CHECK_EQ(metric(&r, "hosts.client.nic", "dma_bytes"),
		 (64 + 16) *
			 (sent -
			  metric(&r, "hosts.client.nic", "drops.ring_full") -
			  metric(&r, "hosts.client.driver", "in_flight")));
	run_result_fini(&r);
	if (run_sets(slow, 1, &r))
		return;
	rate = metric(&r, "hosts.client.nic", "wire_rate");
	CHECKF(fabs(rate / 14e6 - 1) < 0.005, "wire rate %.0f pps", rate);
	CHECK_EQ(metric(&r, "hosts.client.nic", "drops.ring_full"), 0);
	run_result_fini(&r);
}

static const char *const nic_stages[] = {
	"stage.driver_tx",    "stage.doorbell", "stage.nic_tx_dma",
	"stage.nic_tx_queue", "stage.wire",	"stage.network",
	"stage.nic_rx_dma",   "stage.notify",	"stage.driver_rx",
};

static double stage_sum(struct run_result *r)
{
	double sum = 0;

	for (size_t i = 0; i < sizeof(nic_stages) / sizeof(nic_stages[0]); i++)
		sum += metric(r, "apps.flood", nic_stages[i]);
	return sum;
}

/* The stage means add up to the latency mean. */
static void test_stages_add_up(void)
{
	const char *sets[] = { "apps.flood.pattern=poisson",
			       "apps.flood.rate=5Mpps" };
	struct run_result r;
	double sum = 0, lat;

	if (run_sets(sets, 2, &r))
		return;
	sum = stage_sum(&r);
	lat = metric(&r, "apps.flood", "latency");
	CHECKF(fabs(sum - lat) < 1e-6 * lat, "stages %.3f, latency %.3f", sum,
	       lat);
	/* alone on PCIe: 150 ns doorbell; two reads of 550 ns plus
	 * (16 + 24) and (64 + 24) B at 62.96 Gb/s */
	CHECK_EQ(metric(&r, "apps.flood", "stage.doorbell"), 150000);
	CHECK_EQ(histo(&r, "apps.flood", "stage.nic_tx_dma")->min,
		 2 * 550000 + 5083 + 11182);
	run_result_fini(&r);
}

/* The drivers' stages: a kernel driver adds its per-packet cost (20 ns)
 * in each direction, a user driver at light load the IPC cost (2.4 us) on
 * top; the stages still add up to the latency, and the drivers hold what
 * they have not handed on. */
static void test_driver_stages(void)
{
	const char *user[] = { "apps.flood.pattern=cbr",
			       "apps.flood.rate=100kpps",
			       "hosts.client.driver.placement=user",
			       "hosts.server.driver.placement=user" };
	struct run_result r;
	double lat;

	if (run_sets(user, 2, &r))
		return;
	CHECK_EQ(histo(&r, "apps.flood", "stage.driver_tx")->min, 20000);
	CHECK_EQ(histo(&r, "apps.flood", "stage.driver_tx")->max, 20000);
	/* an interrupt hands two frames on: the second waits for the first */
	CHECK_EQ(histo(&r, "apps.flood", "stage.driver_rx")->min, 20000);
	CHECK_EQ(histo(&r, "apps.flood", "stage.driver_rx")->max, 40000);
	CHECK_EQ(metric(&r, "sim", "host_down"), 0);
	run_result_fini(&r);
	if (run_sets(user, 4, &r))
		return;
	CHECK_EQ(histo(&r, "apps.flood", "stage.driver_tx")->min, 2420000);
	CHECK_EQ(histo(&r, "apps.flood", "stage.driver_tx")->max, 2420000);
	CHECK_EQ(histo(&r, "apps.flood", "stage.driver_rx")->min, 2420000);
	lat = metric(&r, "apps.flood", "latency");
	CHECKF(fabs(stage_sum(&r) - lat) < 1e-6 * lat,
	       "stages %.3f, latency %.3f", stage_sum(&r), lat);
	CHECK_EQ(metric(&r, "apps.flood", "sent"),
		 metric(&r, "apps.flood", "received") +
			 metric(&r, "apps.flood", "dropped") +
			 metric(&r, "apps.flood", "in_flight"));
	run_result_fini(&r);
}

/* Saturating load: interrupts at least irq_time apart, so no more than
 * duration / irq_time of them, with fixed and adaptive moderation. */
static void test_moderation_cap(void)
{
	static const char *const times[] = { "4us", "16us", "64us" };

	for (int adaptive = 0; adaptive < 2; adaptive++) {
		for (size_t i = 0; i < 3; i++) {
			char t[64], a[64];
			const char *sets[] = { t, a };
			struct run_result r;
			sim_time irq = (sim_time)(atoi(times[i])) * SIM_US;
			const struct hist *gap;
			double n;

			snprintf(t, sizeof(t), "hosts.server.nic.irq_time=%s",
				 times[i]);
			snprintf(a, sizeof(a),
				 "hosts.server.nic.irq_adaptive=%s",
				 adaptive ? "true" : "false");
			if (run_sets(sets, 2, &r))
				return;
			gap = histo(&r, "hosts.server.nic", "irq_gap");
			n = metric(&r, "hosts.server.nic", "interrupts");
			CHECKF(gap && gap->count > 10 && gap->min >= irq,
			       "%s: smallest gap %lld", times[i],
			       gap ? (long long)gap->min : -1LL);
			CHECKF(n <= 5.0 * SIM_MS / (double)irq + 1,
			       "%s: %.0f interrupts in 5 ms", times[i], n);
			run_result_fini(&r);
		}
	}
}

/* Light load (a packet every 100 us, alone): each waits irq_time for its
 * interrupt, so the latency grows with irq_time by exactly the
 * difference. */
static void test_moderation_light(void)
{
	static const char *const times[] = { "2us", "8us", "32us" };
	double lat[3];

	for (size_t i = 0; i < 3; i++) {
		char t[64];
		const char *sets[] = { t, "apps.flood.rate=10kpps" };
		struct run_result r;

		snprintf(t, sizeof(t), "hosts.server.nic.irq_time=%s",
			 times[i]);
		if (run_sets(sets, 2, &r))
			return;
		lat[i] = metric(&r, "apps.flood", "latency");
		CHECK_EQ(metric(&r, "apps.flood", "stage.notify"),
			 atoi(times[i]) * 1e6);
		CHECK_EQ(metric(&r, "apps.flood", "dropped"), 0);
		run_result_fini(&r);
	}
	CHECKF(lat[0] < lat[1] && lat[1] < lat[2], "%.0f %.0f %.0f", lat[0],
	       lat[1], lat[2]);
	CHECK_NEAR(lat[2] - lat[1], 24e6, 1e-3);
	CHECK_NEAR(lat[1] - lat[0], 6e6, 1e-3);
}

/* Adaptive moderation at light load: the first frame waits the full
 * 16 us (before the warm-up, not recorded); every later interrupt reported
 * one frame, so the wait shrinks to 16 us x 1 / 32 = 500 ns. */
static void test_moderation_adaptive(void)
{
	const char *sets[] = { "hosts.server.nic.irq_adaptive=true",
			       "apps.flood.rate=10kpps" };
	const struct hist *h;
	struct run_result r;

	if (run_sets(sets, 2, &r))
		return;
	h = histo(&r, "apps.flood", "stage.notify");
	CHECK_EQ(h->max, 500 * SIM_NS);
	CHECK_EQ(h->min, 500 * SIM_NS);
	CHECK_EQ(metric(&r, "hosts.server.nic", "interrupts"),
		 metric(&r, "hosts.server.nic", "rx_delivered"));
	run_result_fini(&r);
}

/* 1500 B frames: the payload DMA splits into 6 transactions of at most
 * 256 B, the descriptor is 1 more: 7 per packet at each NIC. */
static void test_dma_split(void)
{
	const char *sets[] = { "apps.flood.rate=100kpps",
			       "apps.flood.size=1500B" };
	struct run_result r;
	double rx;

	if (run_sets(sets, 2, &r))
		return;
	rx = metric(&r, "hosts.server.nic", "rx_frames");
	CHECK_EQ(metric(&r, "hosts.server.nic", "dma_tlps"), 7 * rx);
	CHECK_EQ(metric(&r, "hosts.server.nic", "dma_bytes"), 1516 * rx);
	CHECK_EQ(metric(&r, "hosts.client.nic", "dma_tlps"),
		 7 * metric(&r, "hosts.client.nic", "tx_packets"));
	/* 1500 + 6 x 24 B and 16 + 24 B at 62.96 Gb/s, two 550 ns reads */
	CHECK_EQ(histo(&r, "apps.flood", "stage.nic_tx_dma")->min,
		 2 * 550000 + 208895 + 5083);
	run_result_fini(&r);
}

/* Polling: busy polling delivers at the end of RX DMA; with an interval,
 * at the next multiple of it. */
static void test_polling(void)
{
	const char *busy[] = { "hosts.server.nic.rx_mode=poll",
			       "apps.flood.rate=10kpps" };
	const char *tick[] = { "hosts.server.nic.rx_mode=poll",
			       "apps.flood.rate=10kpps",
			       "hosts.server.nic.poll_interval=1us" };
	struct run_result r;

	if (run_sets(busy, 2, &r))
		return;
	CHECK_EQ(histo(&r, "apps.flood", "stage.notify")->max, 0);
	CHECK_EQ(metric(&r, "hosts.server.nic", "interrupts"), 0);
	CHECK_EQ(metric(&r, "hosts.server.nic", "polls"),
		 metric(&r, "hosts.server.nic", "rx_delivered"));
	run_result_fini(&r);
	if (run_sets(tick, 3, &r))
		return;
	CHECK_LT(histo(&r, "apps.flood", "stage.notify")->max, SIM_US);
	CHECK_GT(histo(&r, "apps.flood", "stage.notify")->max, 0);
	run_result_fini(&r);
}

/* 1000 packets of 64 B, 2 KiB buffers, 4 KiB pages, 64 entries: a ring
 * of 512 slots cycles through 256 pages, more than the IOTLB holds, so
 * every page misses once per visit (500 misses, 500 hits); a ring of 32
 * slots spans 16 pages, which stay (16 misses). */
static void test_iotlb_ring(void)
{
	static const struct {
		const char *ring;
		double misses;
	} c[] = { { "512", 500 }, { "32", 16 } };

	for (size_t i = 0; i < 2; i++) {
		char ring[64];
		const char *sets[] = { "hosts.client.nic.iommu.enabled=true",
				       "apps.flood.rate=1Mpps",
				       "apps.flood.count=1000", ring };
		struct run_result r;

		snprintf(ring, sizeof(ring), "hosts.client.nic.tx_ring=%s",
			 c[i].ring);
		if (run_sets(sets, 4, &r))
			return;
		CHECKF(metric(&r, "hosts.client.nic", "iotlb_misses") ==
			       c[i].misses,
		       "ring %s: %.0f misses", c[i].ring,
		       metric(&r, "hosts.client.nic", "iotlb_misses"));
		CHECK_EQ(metric(&r, "hosts.client.nic", "iotlb_hits"),
			 1000 - c[i].misses);
		run_result_fini(&r);
	}
}

/* The page that maps an address, by hand: a mapping that is a whole
 * number of 4 KiB pages takes the largest page (up to the largest
 * allowed) that is aligned and lies inside it; one that is not takes
 * 4 KiB pages only. */
static void test_iommu_page(void)
{
	const uint64_t K = 1024, M = 1024 * K, G = 1024 * M;
	static const struct {
		uint64_t start, len, addr, max, want;
	} c[] = {
		{ 0, 2 * 1024 * 1024, 0, 2 * 1024 * 1024, 2 * 1024 * 1024 },
		{ 0, 2 * 1024 * 1024, 0, 4096, 4096 },
		{ 0, 2 * 1024 * 1024, 2 * 1024 * 1024 - 1, 1 << 30,
		  2 * 1024 * 1024 },
		{ 4ull << 30, 64 * 1024, (4ull << 30) + 5000, 1 << 30, 4096 },
	};
	/* [1 MiB, 5 MiB): one 2 MiB page at [2, 4) MiB, 4 KiB around it */
	static const uint64_t at[] = { 2, 3, 4, 7, 8, 9 }; /* x 512 KiB */
	static const int big[] = { 0, 0, 1, 1, 0, 0 };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		CHECKF(nic_iommu_page(c[i].start, c[i].len, c[i].addr,
				      c[i].max) == c[i].want,
		       "case %zu: %llu", i,
		       (unsigned long long)nic_iommu_page(c[i].start, c[i].len,
							  c[i].addr, c[i].max));
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		CHECKF(nic_iommu_page(M, 4 * M, at[i] * 512 * K, 2 * M) ==
			       (big[i] ? 2 * M : 4 * K),
		       "[1, 5) MiB at %llu x 512 KiB",
		       (unsigned long long)at[i]);
	/* 3 MiB from 0: a 2 MiB page, then 4 KiB pages */
	CHECK_EQ(nic_iommu_page(0, 3 * M, M, G), 2 * M);
	CHECK_EQ(nic_iommu_page(0, 3 * M, 2 * M + 5, G), 4 * K);
	/* 1 GiB: a 1 GiB page where allowed, 2 MiB pages otherwise */
	CHECK_EQ(nic_iommu_page(G, G, G + 12345, G), G);
	CHECK_EQ(nic_iommu_page(G, G, G + 12345, 2 * M), 2 * M);
	/* not a multiple of 4 KiB: 4 KiB pages, even where a 2 MiB page
	 * would fit (2046 KiB is not a multiple of 2 MiB either; 2 MiB +
	 * 2 KiB is) */
	CHECK_EQ(nic_iommu_page(0, 2046 * K, 0, 2 * M), 4 * K);
	CHECK_EQ(nic_iommu_page(0, 2 * M + 2 * K, 0, 2 * M), 4 * K);
}

/* 1000 packets of 64 B from a ring of 2 KiB buffers (slot i at i x 2 KiB,
 * two per 4 KiB page), 64 entries for 4 KiB pages: the packets visit 500
 * pages, each missing on its first packet and hitting on its second. A
 * ring of 1024 slots is 2 MiB: with 2 MiB pages (or 1 GiB pages allowed)
 * it is one 2 MiB page, one miss in all. A ring of 512 slots (1 MiB) is
 * not a multiple of 2 MiB: 4 KiB pages whatever the largest page. */
static void test_iotlb_page_sizes(void)
{
	static const struct {
		const char *ring, *page;
		double m4k, m2m;
	} c[] = {
		{ "1024", "4KiB", 500, 0 },
		{ "1024", "2MiB", 0, 1 },
		{ "1024", "1GiB", 0, 1 },
		{ "512", "2MiB", 500, 0 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char ring[64], page[64];
		const char *sets[] = { "hosts.client.nic.iommu.enabled=true",
				       "apps.flood.rate=1Mpps",
				       "apps.flood.count=1000", ring, page };
		struct run_result r;

		snprintf(ring, sizeof(ring), "hosts.client.nic.tx_ring=%s",
			 c[i].ring);
		snprintf(page, sizeof(page), "hosts.client.nic.iommu.page=%s",
			 c[i].page);
		if (run_sets(sets, 5, &r))
			return;
		CHECKF(metric(&r, "hosts.client.nic", "iotlb_misses_4k") ==
				       c[i].m4k &&
			       metric(&r, "hosts.client.nic",
				      "iotlb_misses_2m") == c[i].m2m &&
			       metric(&r, "hosts.client.nic",
				      "iotlb_misses_1g") == 0,
		       "ring %s page %s: misses 4k %.0f 2m %.0f 1g %.0f",
		       c[i].ring, c[i].page,
		       metric(&r, "hosts.client.nic", "iotlb_misses_4k"),
		       metric(&r, "hosts.client.nic", "iotlb_misses_2m"),
		       metric(&r, "hosts.client.nic", "iotlb_misses_1g"));
		CHECK_EQ(metric(&r, "hosts.client.nic", "iotlb_misses"),
			 c[i].m4k + c[i].m2m);
		CHECK_EQ(metric(&r, "hosts.client.nic", "iotlb_hits"),
			 1000 - c[i].m4k - c[i].m2m);
		run_result_fini(&r);
	}
}

static void expect_error(const char *set, const char *frag)
{
	const char *sets[] = { set };
	struct scn *s = NULL;
	char err[512] = "";
	int rc = scn_load(LINERATE, sets, 1, &s, err, sizeof(err));

	if (!rc)
		rc = run_validate(s, err, sizeof(err));
	CHECKF(rc == -EINVAL && strstr(err, frag), "%s: %d '%s'", set, rc, err);
	scn_destroy(s);
}

static void test_host_errors(void)
{
	expect_error("apps.flood.host=nosuch", "host: unknown host 'nosuch'");
	expect_error("apps.flood.peer=client", "must be another host");
	expect_error("apps.flood.peer=", "host: needs peer: too");
	expect_error("hosts.client.nic.iommu.page=16KiB",
		     "--set:1:29: iommu.page: 16384 B is not a page size of "
		     "the IOMMU; expected 4KiB, 2MiB or 1GiB");
	expect_error("hosts.client.nic.iommu.reach=segment",
		     "iommu.reach: removed");
}

static void no_tap(void *arg, int64_t v)
{
	(void)arg;
	(void)v;
}

/* Without a tap the NIC holds the values of tx_dma, rx_dma, irq_gap and
 * irq_batch and records them eight at a time and at the end of the run;
 * a tap makes it record each at its time. Both give the same histograms,
 * bit for bit: the same values in the same order, those before the
 * warm-up left out, the last partial row included. */
static void test_held_hists(void)
{
	static const char *const comps[] = { "hosts.client.nic",
					     "hosts.server.nic" };
	static const char *const names[] = { "tx_dma", "rx_dma", "irq_gap",
					     "irq_batch" };
	const char *sets[] = { "duration=2ms",
			       "warmup=500us",
			       "apps.flood.rate=1.5Mpps",
			       "apps.flood.pattern=poisson",
			       "hosts.client.nic.iommu.enabled=true",
			       "hosts.server.nic.iommu.enabled=true" };
	struct run_result held, direct;
	struct run_ready *rr;
	struct scn *s = NULL;
	char err[512];
	uint64_t counts = 0;

	CHECK_EQ_FATAL(scn_load(LINERATE, sets, 6, &s, err, sizeof(err)), 0);
	CHECK_EQ_FATAL(run_scenario(s, 0, &held, err, sizeof(err)), 0);
	CHECK_EQ_FATAL(run_prepare(s, 0, &rr, err, sizeof(err)), 0);
	for (size_t c = 0; c < 2; c++)
		for (size_t m = 0; m < 4; m++)
			CHECK_EQ(stats_hist_tap(run_ready_stats(rr), comps[c],
						names[m], no_tap, NULL),
				 0);
	CHECK_EQ_FATAL(run_ready_run(rr, &direct, err, sizeof(err)), 0);
	for (size_t c = 0; c < 2; c++)
		for (size_t m = 0; m < 4; m++) {
			const struct hist *a = histo(&held, comps[c], names[m]);
			const struct hist *b =
				histo(&direct, comps[c], names[m]);

			CU_ASSERT_FATAL(a && b);
			CHECKF(hist_same(a, b), "%s.%s: held == at its time",
			       comps[c], names[m]);
			counts += a->count;
			/* a partial row is left for the end of the run */
			CHECKF(!a->count || a->count % 8,
			       "%s.%s: %llu values, a multiple of 8", comps[c],
			       names[m], (unsigned long long)a->count);
		}
	/* the client sends, the server receives and interrupts */
	CHECK_GT(histo(&held, "hosts.client.nic", "tx_dma")->count, 1000);
	CHECK_GT(histo(&held, "hosts.server.nic", "rx_dma")->count, 1000);
	CHECK_GT(histo(&held, "hosts.server.nic", "irq_batch")->count, 10);
	CHECK_EQ(histo(&held, "hosts.server.nic", "irq_gap")->count,
		 histo(&held, "hosts.server.nic", "irq_batch")->count);
	/* some interrupts came before the warm-up, and were not recorded */
	CHECK_LT(histo(&held, "hosts.server.nic", "irq_batch")->count,
		 metric(&held, "hosts.server.nic", "interrupts"));
	CHECK_GT(counts, 2000);
	run_result_fini(&held);
	run_result_fini(&direct);
	scn_destroy(s);
}

int suite_nic(void)
{
	CU_pSuite s = CU_add_suite("nic", NULL, NULL);

	if (!s || !CU_add_test(s, "DMA time formula", test_dma_formula) ||
	    !CU_add_test(s, "IOTLB LRU sequence", test_iotlb_sequence) ||
	    !CU_add_test(s, "IOTLB invalidation", test_iotlb_flush) ||
	    !CU_add_test(s, "IOTLB against a reference",
			 test_iotlb_reference) ||
	    !CU_add_test(s, "IOTLB with flushes against a reference",
			 test_iotlb_reference_flush) ||
	    !CU_add_test(s, "line rate of 64 B frames", test_linerate) ||
	    !CU_add_test(s, "stages add up", test_stages_add_up) ||
	    !CU_add_test(s, "driver stages", test_driver_stages) ||
	    !CU_add_test(s, "moderation caps interrupts",
			 test_moderation_cap) ||
	    !CU_add_test(s, "moderation latency at light load",
			 test_moderation_light) ||
	    !CU_add_test(s, "adaptive moderation", test_moderation_adaptive) ||
	    !CU_add_test(s, "DMA split at the maximum payload",
			 test_dma_split) ||
	    !CU_add_test(s, "polling", test_polling) ||
	    !CU_add_test(s, "IOTLB on a ring", test_iotlb_ring) ||
	    !CU_add_test(s, "IOMMU page of an address", test_iommu_page) ||
	    !CU_add_test(s, "IOTLB per page size", test_iotlb_page_sizes) ||
	    !CU_add_test(s, "host and peer errors", test_host_errors) ||
	    !CU_add_test(s, "held histogram values", test_held_hists))
		return CU_get_error();
	return 0;
}
