/*
 * test_hostpool.c - packet buffer pools in whole runs: the hosts' device
 * and channel pools (models/hostmem.c, pool.c) as the flow switch, the
 * stacks and the NIC use them, and the host memory they share.
 *
 * Scenario checks, run from the repository root through run_scenario():
 *   1. scenarios/pool_dynamic.yaml, both points (100 ms): a dynamic pool
 *      reserves less than the static one (whose mean reservation is its
 *      maximum, exactly), never less than it uses; it pays for it in maps
 *      (initial segments + grows, exactly) and in the latency of the
 *      allocations that grow it; no allocation fails; the apps' latency
 *      is the same within 5 %.
 *   2. scenarios/pool_segments.yaml, all 8 points: I/O address lookups
 *      (one per page-multiple segment, one per page otherwise, exactly),
 *      wasted partial pages, IOTLB misses per page size (4 in all where
 *      2 MiB pages map 2 MiB segments; the same count wherever 4 KiB
 *      pages map the same addresses) and the TX DMA time they cost.
 *   3. memory pressure (scenario written here): a host whose memory
 *      cannot hold what its dynamic pools want: pressure events, failed
 *      allocations, and every packet they cost dropped and counted.
 *   4. no buffer is lost: allocs - frees == held_at_end for every pool,
 *      no bad free, the device buffers held at the end lie between the
 *      NIC's ring occupancy and the packets in flight, and nothing is
 *      held once every packet has arrived.
 *   5. bad pool settings fail validation at the parameter's position.
 *   6. a static pool reserves all of its memory at time 0.
 * Set USNSIM_TEST_VERBOSE=1 to print the numbers observed.
 */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "nic.h"
#include "run.h"
#include "scenario.h"
#include "stats.h"
#include "sweep.h"
#include "runs.h"
#include "util.h"

#define DYNAMIC "scenarios/pool_dynamic.yaml"
#define SEGMENTS "scenarios/pool_segments.yaml"
#define MAXSETS 16

/* tr_metric() of component fmt % (a, b). */
static double metricf2(const struct run_result *r, const char *name,
		       const char *fmt, const char *a, const char *b)
{
	char comp[192];

	snprintf(comp, sizeof(comp), fmt, a, b);
	return tr_metric(r, comp, name);
}

/* What a pool whose buffer region holds buf_bytes reserves in all, by
 * hand: per buffer one metadata object (pool.metadata) in its kernel
 * metadata region and, for a channel pool, one in its user metadata
 * region, objects packed whole into pool.metadata_segment segments
 * (pool.buflets 1: no buflet tables). */
static double with_md(const struct scn *s, const char *host, bool user,
		      double buf_bytes)
{
	char k[128];
	double buf, md, seg, per, nseg;

	snprintf(k, sizeof(k), "hosts.%s.pool.buffer", host);
	buf = (double)scn_size(s, k);
	snprintf(k, sizeof(k), "hosts.%s.pool.metadata", host);
	md = (double)scn_size(s, k);
	snprintf(k, sizeof(k), "hosts.%s.pool.metadata_segment", host);
	seg = (double)scn_size(s, k);
	if (!md)
		return buf_bytes;
	per = floor(seg / md);
	nseg = ceil(buf_bytes / buf / per);
	return buf_bytes + (user ? 2 : 1) * nseg * seg;
}

/* ---- reading results ---- */

static const struct stat_gauge *gauge(const struct run_result *r,
				      const char *comp, const char *name)
{
	struct stat_info si;

	if (stats_find(r->stats, comp, name, &si) || si.kind != STAT_GAUGE)
		return NULL;
	return si.u.gauge;
}

/* The time series of (comp, name), or NULL. */
static const struct stat_series *series(const struct run_result *r,
					const char *comp, const char *name)
{
	for (size_t i = 0; i < stats_count(r->stats); i++) {
		struct stat_info si;

		stats_get(r->stats, i, &si);
		if (si.kind == STAT_SERIES && !strcmp(si.component, comp) &&
		    !strcmp(si.metric, name))
			return si.u.series;
	}
	return NULL;
}

/* Whether a sampled series ever rises (after warm-up, where it is
 * sampled): then the pool grew after warm-up. */
static bool series_rises(const struct stat_series *ts)
{
	for (size_t i = 1; ts && i < ts->n; i++)
		if (ts->value[i] > ts->value[i - 1])
			return true;
	return false;
}

/* Sum of the counters whose metric starts with prefix, over every
 * component that starts with comp. */
static double sum_counters(const struct run_result *r, const char *comp,
			   const char *prefix)
{
	double sum = 0;

	for (size_t i = 0; i < stats_count(r->stats); i++) {
		struct stat_info si;

		stats_get(r->stats, i, &si);
		if (si.kind != STAT_COUNTER ||
		    strncmp(si.metric, prefix, strlen(prefix)) ||
		    strncmp(si.component, comp, strlen(comp)))
			continue;
		sum += (double)*si.u.counter;
	}
	return sum;
}

/* ---- loading and running ---- */

/* ---- checks shared by the tests ---- */

/* sent == received + dropped + in_flight for every app; returns the
 * packets in flight over all apps. */
static double check_conservation(const struct run_result *r,
				 const struct scn *s, const char *what)
{
	const char *const *apps;
	size_t na = scn_instances(s, "apps", &apps);
	double in_flight = 0;

	for (size_t i = 0; i < na; i++) {
		double sent = metricf2(r, "sent", "apps.%s%s", apps[i], "");
		double recv = metricf2(r, "received", "apps.%s%s", apps[i], "");
		double drop = metricf2(r, "dropped", "apps.%s%s", apps[i], "");
		double fl = metricf2(r, "in_flight", "apps.%s%s", apps[i], "");

		CHECKF(sent > 0 && sent == recv + drop + fl,
		       "%s: app %s: sent %.0f received %.0f dropped %.0f in flight %.0f",
		       what, apps[i], sent, recv, drop, fl);
		in_flight += fl;
	}
	CHECKF(tr_metric(r, "sim", "packets_in_use") == in_flight,
	       "%s: packets in use %.0f, in flight %.0f", what,
	       tr_metric(r, "sim", "packets_in_use"), in_flight);
	return in_flight;
}

/* The pools of a run: every component with an "allocs" counter under
 * hosts.*.pool. (device and channel pools). */
static size_t pool_names(const struct run_result *r, const char **out,
			 size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < stats_count(r->stats) && n < max; i++) {
		struct stat_info si;

		stats_get(r->stats, i, &si);
		if (si.kind == STAT_COUNTER && !strcmp(si.metric, "allocs") &&
		    strstr(si.component, ".pool."))
			out[n++] = si.component;
	}
	return n;
}

/* Test 4 for one run: no buffer lost or freed twice, per pool; the device
 * buffers held at the end against the NIC rings and the packets in
 * flight. Returns the buflets held at the end over all pools. */
static double check_held(const struct run_result *r, const struct scn *s,
			 const char *what, size_t want_pools)
{
	const char *pools[64];
	size_t np = pool_names(r, pools, 64);
	double held = 0, dev_held = 0, in_flight, rings = 0;
	const char *const *hosts;
	size_t nh = scn_instances(s, "hosts", &hosts);

	CHECKF(np == want_pools, "%s: %zu pools, want %zu", what, np,
	       want_pools);
	for (size_t i = 0; i < np; i++) {
		double allocs = tr_metric(r, pools[i], "allocs");
		double frees = tr_metric(r, pools[i], "frees");
		double h = tr_metric(r, pools[i], "held_at_end");
		double bad = tr_metric(r, pools[i], "bad_frees");
		double inuse = gauge(r, pools[i], "mem.in_use")
				       ? gauge(r, pools[i], "mem.in_use")->value
				       : NAN;
		double buf = scn_size(s, "hosts.client.pool.buffer");

		SAY("%s: %s allocs %.0f frees %.0f held_at_end %.0f bad_frees %.0f\n",
		    what, pools[i], allocs, frees, h, bad);
		/* one buflet per packet here (1500 B in 2 KiB buffers):
		 * allocs and frees count packets, held_at_end buflets */
		CHECKF(allocs - frees == h,
		       "%s: %s: allocs %.0f - frees %.0f != held_at_end %.0f",
		       what, pools[i], allocs, frees, h);
		CHECKF(bad == 0, "%s: %s: %.0f bad frees", what, pools[i], bad);
		CHECKF(inuse == h * buf, "%s: %s: mem.in_use %.0f B, held %.0f",
		       what, pools[i], inuse, h);
		held += h;
		if (strstr(pools[i], ".pool.device"))
			dev_held += h;
	}
	for (size_t i = 0; i < nh; i++)
		rings += metricf2(r, "in_flight", "hosts.%s.nic%s", hosts[i],
				  "");
	in_flight = check_conservation(r, s, what);
	/* every frame in a NIC ring holds a device buffer; every device
	 * buffer is held by a packet in flight, which holds at most one
	 * device and one channel chain */
	SAY("%s: device buffers held %.0f, NIC rings %.0f, in flight %.0f, "
	    "all buffers held %.0f\n",
	    what, dev_held, rings, in_flight, held);
	CHECKF(rings <= dev_held && dev_held <= in_flight &&
		       held <= 2 * in_flight,
	       "%s: device buffers held %.0f, NIC rings %.0f, in flight %.0f, all held %.0f",
	       what, dev_held, rings, in_flight, held);
	return held;
}

/* Without a stack (apps.*.stack none) a packet holds a device buffer
 * from its host's driver to its frame leaving the NIC, and from the
 * peer's NIC RX to the sink: every packet in flight holds one, except
 * those in the network. So, exactly, a host's device buffers held at the
 * end are the packets in its driver and NIC, and all of them the packets
 * in flight less the network's. */
static void check_exact_held(const struct run_result *r, const struct scn *s,
			     const char *what)
{
	const char *const *hosts;
	size_t nh = scn_instances(s, "hosts", &hosts);
	double all = 0, in_flight, net = 0;

	check_held(r, s, what, nh); /* device pools only */
	in_flight = check_conservation(r, s, what);

	for (size_t h = 0; h < nh; h++) /* the switch's ports */
		net += metricf2(r, "in_flight", "network.%s%s", hosts[h], "");
	/* every app has a host: no idle link named network */
	CHECKF(isnan(tr_metric(r, "network", "in_flight")),
	       "%s: a network component beside the switch's ports", what);
	for (size_t h = 0; h < nh; h++) {
		double held = metricf2(r, "held_at_end",
				       "hosts.%s.pool.device%s", hosts[h], "");
		double drv = metricf2(r, "in_flight", "hosts.%s.driver%s",
				      hosts[h], "");
		double nic = metricf2(r, "in_flight", "hosts.%s.nic%s",
				      hosts[h], "");

		CHECKF(held == drv + nic,
		       "%s: %s device buffers held %.0f, driver %.0f + NIC %.0f in flight",
		       what, hosts[h], held, drv, nic);
		all += held;
	}
	SAY("%s: device buffers held %.0f, in flight %.0f, network %.0f\n",
	    what, all, in_flight, net);
	CHECKF(all == in_flight - net && all > 0,
	       "%s: device buffers held %.0f, in flight %.0f - network %.0f",
	       what, all, in_flight, net);
}

/* ---- 1. pool_dynamic ---- */

static const char *const dyn_pools[] = { "pool.device", "pool.app.a",
					 "pool.app.b", "pool.app.c" };
static const char *const dyn_hosts[] = { "client", "server" };
static const char *const dyn_apps[] = { "a", "b", "c" };

static void test_dynamic(void)
{
	static const char *const extra[] = { "duration=100ms" };
	struct scn *base = NULL, *s[2] = { 0 };
	struct run_result r[2];
	struct sweep *sw = NULL;
	int ok[2] = { 0, 0 };

	if (tr_expand(DYNAMIC, &base, &sw))
		return;
	CHECK_EQ_FATAL(sweep_count(sw), 2);
	for (size_t i = 0; i < 2; i++)
		ok[i] = !tr_run_point(DYNAMIC, sw, i, extra, 1, &r[i], &s[i]);
	if (!ok[0] || !ok[1])
		goto out;
	CHECKF(!strcmp(scn_str(s[0], "hosts.client.pool.mode"), "static") &&
		       !strcmp(scn_str(s[1], "hosts.server.pool.mode"),
			       "dynamic"),
	       "points: %s, %s", scn_str(s[0], "hosts.client.pool.mode"),
	       scn_str(s[1], "hosts.server.pool.mode"));
	for (size_t h = 0; h < 2; h++) {
		for (size_t k = 0; k < 4; k++) {
			char c[128], key[128];
			double st_max, sres, shw, dhw, dres, duse, suse, shigh,
				dhigh;

			snprintf(c, sizeof(c), "hosts.%s.%s", dyn_hosts[h],
				 dyn_pools[k]);
			snprintf(key, sizeof(key), "hosts.%s.pool.%s",
				 dyn_hosts[h], k ? "user_max" : "device_max");
			st_max = with_md(s[0], dyn_hosts[h], k != 0,
					 (double)scn_size(s[0], key));
			sres = tr_metric(&r[0], c, "reserved_mean");
			shw = tr_metric(&r[0], c, "high_water");
			suse = tr_metric(&r[0], c, "in_use_mean");
			shigh = tr_metric(&r[0], c, "in_use_high");
			dres = tr_metric(&r[1], c, "reserved_mean");
			dhw = tr_metric(&r[1], c, "high_water");
			duse = tr_metric(&r[1], c, "in_use_mean");
			dhigh = tr_metric(&r[1], c, "in_use_high");
			SAY("dynamic: %s: static reserved_mean %.0f high_water "
			    "%.0f in_use_mean %.1f in_use_high %.0f | dynamic "
			    "reserved_mean %.1f high_water %.0f in_use_mean "
			    "%.1f in_use_high %.0f | grows %.0f shrinks %.0f "
			    "maps %.0f\n",
			    c, sres, shw, suse, shigh, dres, dhw, duse, dhigh,
			    tr_metric(&r[1], c, "grows"),
			    tr_metric(&r[1], c, "shrinks"),
			    tr_metric(&r[1], c, "maps"));
			/* the static pool holds its maximum all along */
			CHECKF(sres == st_max && shw == st_max,
			       "%s static: reserved_mean %.1f high_water %.0f, %s %.0f",
			       c, sres, shw, key, st_max);
			CHECKF(dhw < st_max && dres < st_max && dres > 0,
			       "%s dynamic: high_water %.0f reserved_mean %.1f, static %.0f",
			       c, dhw, dres, st_max);
			CHECKF(dres >= duse && sres >= suse && dhw >= dhigh,
			       "%s: reserved_mean %.1f < in_use_mean %.1f (static %.1f < %.1f) or high_water %.0f < in_use_high %.0f",
			       c, dres, duse, sres, suse, dhw, dhigh);
			CHECKF(shigh > 0 && dhigh > 0 && dhigh < 10 * shigh &&
				       shigh < 10 * dhigh,
			       "%s: in_use_high static %.0f, dynamic %.0f", c,
			       shigh, dhigh);
			for (size_t i = 0; i < 2; i++)
				CHECKF(tr_metric(&r[i], c, "alloc_failures") ==
					       0,
				       "%s point %zu: %.0f allocation failures",
				       c, i,
				       tr_metric(&r[i], c, "alloc_failures"));
			/* static: nothing grows or shrinks */
			CHECKF(tr_metric(&r[0], c, "grows") == 0 &&
				       tr_metric(&r[0], c, "shrinks") == 0,
			       "%s static: grows %.0f shrinks %.0f", c,
			       tr_metric(&r[0], c, "grows"),
			       tr_metric(&r[0], c, "shrinks"));
			CHECKF(tr_metric(&r[1], c, "grows") > 0,
			       "%s dynamic: never grew", c);
		}
		/* the device pool's maps: initial segments + grows */
		{
			char c[128], key[128];
			double seg, init[2], maps[2], grows[2], unmaps, shrinks;
			const struct hist *lat, *lat0;
			sim_time map, alloc;
			bool rises;

			snprintf(c, sizeof(c), "hosts.%s.pool.device",
				 dyn_hosts[h]);
			snprintf(key, sizeof(key),
				 "hosts.%s.pool.device_segment", dyn_hosts[h]);
			seg = (double)scn_size(s[1], key);
			snprintf(key, sizeof(key), "hosts.%s.pool.device_max",
				 dyn_hosts[h]);
			init[0] = (double)scn_size(s[0], key) / seg;
			snprintf(key, sizeof(key), "hosts.%s.pool.device_min",
				 dyn_hosts[h]);
			init[1] = ceil((double)scn_size(s[1], key) / seg);
			for (size_t i = 0; i < 2; i++) {
				maps[i] = tr_metric(&r[i], c, "maps");
				grows[i] = tr_metric(&r[i], c, "grows");
				CHECKF(maps[i] == init[i] + grows[i],
				       "%s point %zu: maps %.0f, initial %.0f + grows %.0f",
				       c, i, maps[i], init[i], grows[i]);
			}
			unmaps = tr_metric(&r[1], c, "unmaps");
			shrinks = tr_metric(&r[1], c, "shrinks");
			CHECKF(unmaps == shrinks && unmaps <= maps[1],
			       "%s: unmaps %.0f shrinks %.0f maps %.0f", c,
			       unmaps, shrinks, maps[1]);
			snprintf(key, sizeof(key), "hosts.%s.pool.map",
				 dyn_hosts[h]);
			map = scn_time(s[1], key);
			snprintf(key, sizeof(key), "hosts.%s.pool.alloc",
				 dyn_hosts[h]);
			alloc = scn_time(s[1], key);
			CHECKF(tr_metric(&r[1], c, "map_time") ==
				       maps[1] * (double)map,
			       "%s: map_time %.0f, maps %.0f x %lld", c,
			       tr_metric(&r[1], c, "map_time"), maps[1],
			       (long long)map);
			lat = tr_histo(&r[1], c, "alloc_latency");
			CU_ASSERT_PTR_NOT_NULL_FATAL(lat);
			SAY("dynamic: %s alloc_latency max %lld mean %.1f, map "
			    "%lld, alloc %lld\n",
			    c, (long long)lat->max, hist_mean(lat),
			    (long long)map, (long long)alloc);
			/* the allocation that grows the device pool pays a
			 * map; the histogram only sees what follows the
			 * warm-up, where the sampled segments show whether
			 * the pool grew (test 6 checks the start, from time
			 * 0) */
			rises = series_rises(series(&r[1], c, "mem.segments"));
			SAY("dynamic: %s grows after warm-up: %s\n", c,
			    rises ? "yes" : "not seen");
			CHECKF(!rises || lat->max >= map + alloc,
			       "%s: alloc_latency max %lld < map %lld + alloc %lld, and the pool grew after warm-up",
			       c, (long long)lat->max, (long long)map,
			       (long long)alloc);
			CHECKF(lat->max < map || grows[1] > 0,
			       "%s: alloc_latency max %lld with no grow", c,
			       (long long)lat->max);
			/* static: never a map in an allocation; no magazine
			 * here, so every allocation costs alloc exactly */
			lat0 = tr_histo(&r[0], c, "alloc_latency");
			CHECKF(lat0 && lat0->count > 0 && lat0->min == alloc &&
				       lat0->max == alloc,
			       "%s static: alloc_latency %lld..%lld, alloc %lld",
			       c, lat0 ? (long long)lat0->min : -1LL,
			       lat0 ? (long long)lat0->max : -1LL,
			       (long long)alloc);
		}
	}
	for (size_t a = 0; a < 3; a++) {
		double l0 = metricf2(&r[0], "latency", "apps.%s%s", dyn_apps[a],
				     "");
		double l1 = metricf2(&r[1], "latency", "apps.%s%s", dyn_apps[a],
				     "");

		SAY("dynamic: app %s latency static %.1f ps, dynamic %.1f ps "
		    "(%+.2f %%)\n",
		    dyn_apps[a], l0, l1, 100 * (l1 / l0 - 1));
		CHECKF(l0 > 0 && fabs(l1 / l0 - 1) < 0.05,
		       "app %s: latency static %.1f ps, dynamic %.1f ps",
		       dyn_apps[a], l0, l1);
	}
	/* the static host's memory holds every static pool all along; the
	 * pools' teardown after the run must not show in its gauge */
	for (size_t h = 0; h < 2; h++) {
		char c[64], k1[96], k2[96];
		const struct stat_gauge *m;
		double want;

		snprintf(c, sizeof(c), "hosts.%s.memory", dyn_hosts[h]);
		snprintf(k1, sizeof(k1), "hosts.%s.pool.device_max",
			 dyn_hosts[h]);
		snprintf(k2, sizeof(k2), "hosts.%s.pool.user_max",
			 dyn_hosts[h]);
		want = with_md(s[0], dyn_hosts[h], false,
			       (double)scn_size(s[0], k1)) +
		       3 * with_md(s[0], dyn_hosts[h], true,
				   (double)scn_size(s[0], k2));
		m = gauge(&r[0], c, "mem.reserved");
		CHECKF(m && m->min == want && m->max == want &&
			       m->value == want,
		       "%s static: mem.reserved min %.0f max %.0f value at the end %.0f, want %.0f",
		       c, m ? m->min : -1, m ? m->max : -1, m ? m->value : -1,
		       want);
	}
	/* test 4 on both points: 4 pools per host */
	for (size_t i = 0; i < 2; i++)
		check_held(&r[i], s[i],
			   i ? "pool_dynamic dynamic" : "pool_dynamic static",
			   8);
out:
	for (size_t i = 0; i < 2; i++) {
		if (ok[i])
			run_result_fini(&r[i]);
		scn_destroy(s[i]);
	}
	sweep_destroy(sw);
	scn_destroy(base);
}

/* ---- 2. pool_segments ---- */

struct segpt {
	uint64_t page, seg, max;
	double miss, miss4, miss2, miss_srv, sent, xlate, waste;
	int64_t dma_min, dma_max;
};

static int seg_index(const struct segpt *pt, size_t n, uint64_t page,
		     uint64_t seg)
{
	for (size_t i = 0; i < n; i++)
		if (pt[i].page == page && pt[i].seg == seg)
			return (int)i;
	return -1;
}

/* Reads point i of the pool_segments sweep into *pt (and the DMA time
 * without a miss into *dma_base, the miss cost into *miss_ps). */
static int seg_point(struct sweep *sw, size_t i, struct segpt *pt,
		     int64_t *dma_base, sim_time *miss_ps)
{
	struct run_result r;
	struct scn *s = NULL;
	const struct hist *h;
	const struct stat_gauge *w;

	if (tr_run_point(SEGMENTS, sw, i, NULL, 0, &r, &s))
		return -1;
	pt->page = scn_size(s, "hosts.client.nic.iommu.page");
	pt->seg = scn_size(s, "hosts.client.pool.device_segment");
	pt->max = scn_size(s, "hosts.client.pool.device_max");
	pt->miss = tr_metric(&r, "hosts.client.nic", "iotlb_misses");
	pt->miss4 = tr_metric(&r, "hosts.client.nic", "iotlb_misses_4k");
	pt->miss2 = tr_metric(&r, "hosts.client.nic", "iotlb_misses_2m");
	pt->miss_srv = tr_metric(&r, "hosts.server.nic", "iotlb_misses");
	pt->sent = tr_metric(&r, "apps.s", "sent");
	pt->xlate = tr_metric(&r, "hosts.client.pool.device", "translations");
	w = gauge(&r, "hosts.client.pool.device", "mem.page_waste");
	pt->waste = w ? w->max : -1;
	h = tr_histo(&r, "hosts.client.nic", "tx_dma");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	pt->dma_min = h->min;
	pt->dma_max = h->max;
	if (!i) {
		struct nic_pcie pc = {
			scn_time(s, "hosts.client.nic.pcie_latency"),
			scn_double(s, "hosts.client.nic.pcie_bw"),
			scn_size(s, "hosts.client.nic.pcie_mps"),
			scn_size(s, "hosts.client.nic.pcie_overhead")
		};

		*miss_ps = scn_time(s, "hosts.client.nic.iommu.miss");
		*dma_base = 2 * pc.latency_ps +
			    nic_dma_xfer(&pc, scn_size(s, "hosts.client."
							  "nic.desc_size")) +
			    nic_dma_xfer(&pc, scn_size(s, "apps.s.size"));
	}
	SAY("segments: page %8llu segment %8llu: misses %.0f (4k %.0f, 2m "
	    "%.0f; server %.0f) / sent %.0f; lookups %.0f, waste %.0f B; "
	    "tx_dma %lld..%lld ps\n",
	    (unsigned long long)pt->page, (unsigned long long)pt->seg, pt->miss,
	    pt->miss4, pt->miss2, pt->miss_srv, pt->sent, pt->xlate, pt->waste,
	    (long long)pt->dma_min, (long long)pt->dma_max);
	CHECKF(tr_metric(&r, "apps.s", "dropped") == 0,
	       "point %zu: %.0f dropped", i,
	       tr_metric(&r, "apps.s", "dropped"));
	check_exact_held(&r, s, "pool_segments");
	run_result_fini(&r);
	scn_destroy(s);
	return 0;
}

/* Lookups: one per segment that is a whole number of 4 KiB pages,
 * ceil(segment / 4 KiB) per other segment; the rest of the last page
 * wasted. IOTLB: a 2 MiB page maps only the 2 MiB segments (4 entries,
 * 4 misses in all, none once warm); every other point keeps 4 KiB pages,
 * and where the buffers sit at the same addresses (64 KiB and 2 MiB
 * segments: buflet b at b x 2 KiB; the same segment with either largest
 * page) the same random choices give the same misses, exactly. */
static void test_segments(void)
{
	const uint64_t K = 1024, M = 1024 * K;
	struct sweep *sw = NULL;
	struct scn *base = NULL;
	struct segpt pt[8];
	sim_time miss_ps = 0;
	int64_t dma_base = 0;
	size_t np;

	if (tr_expand(SEGMENTS, &base, &sw))
		return;
	np = sweep_count(sw);
	CHECK_EQ_FATAL(np, 8);
	for (size_t i = 0; i < np; i++)
		if (seg_point(sw, i, &pt[i], &dma_base, &miss_ps))
			goto out;
	for (size_t i = 0; i < np; i++) {
		uint64_t nseg = pt[i].max / pt[i].seg;
		uint64_t pages = (pt[i].seg + 4 * K - 1) / (4 * K);
		uint64_t per = pt[i].seg % (4 * K) ? pages : 1;
		bool large = pt[i].page == 2 * M && pt[i].seg == 2 * M;

		CHECKF(pt[i].xlate == (double)(nseg * per),
		       "page %llu segment %llu: %.0f lookups, want %llu x %llu",
		       (unsigned long long)pt[i].page,
		       (unsigned long long)pt[i].seg, pt[i].xlate,
		       (unsigned long long)nseg, (unsigned long long)per);
		CHECKF(pt[i].waste ==
			       (double)(nseg * (pages * 4 * K - pt[i].seg)),
		       "segment %llu: %.0f B wasted",
		       (unsigned long long)pt[i].seg, pt[i].waste);
		CHECKF(pt[i].miss == pt[i].miss4 + pt[i].miss2 &&
			       pt[i].miss2 == (large ? 4 : 0),
		       "page %llu segment %llu: misses %.0f = 4k %.0f + 2m %.0f",
		       (unsigned long long)pt[i].page,
		       (unsigned long long)pt[i].seg, pt[i].miss, pt[i].miss4,
		       pt[i].miss2);
		if (large) {
			/* one miss per 2 MiB segment the NIC touches, TX
			 * and RX, none after; every DMA at the base time */
			CHECKF(pt[i].miss == 4 && pt[i].miss_srv == 4 &&
				       pt[i].dma_min == dma_base &&
				       pt[i].dma_max == dma_base,
			       "2 MiB pages: %.0f misses (server %.0f), tx_dma %lld..%lld, want 4 and %lld",
			       pt[i].miss, pt[i].miss_srv,
			       (long long)pt[i].dma_min,
			       (long long)pt[i].dma_max, (long long)dma_base);
			continue;
		}
		/* some 2048 pages for 64 entries: nearly every DMA misses;
		 * a 2 KiB buffer lies in one page: one lookup a DMA */
		CHECKF(pt[i].miss > 0.9 * pt[i].sent &&
			       pt[i].miss <= pt[i].sent &&
			       pt[i].dma_min == dma_base &&
			       pt[i].dma_max == dma_base + miss_ps,
		       "page %llu segment %llu: %.0f misses for %.0f packets, tx_dma %lld..%lld",
		       (unsigned long long)pt[i].page,
		       (unsigned long long)pt[i].seg, pt[i].miss, pt[i].sent,
		       (long long)pt[i].dma_min, (long long)pt[i].dma_max);
	}
	{
		int a = seg_index(pt, np, 4 * K, 64 * K);
		int b = seg_index(pt, np, 4 * K, 2 * M);
		int c = seg_index(pt, np, 2 * M, 64 * K);
		int d = seg_index(pt, np, 4 * K, 62 * K);
		int e = seg_index(pt, np, 2 * M, 62 * K);
		int f = seg_index(pt, np, 4 * K, 2046 * K);
		int g = seg_index(pt, np, 2 * M, 2046 * K);

		CU_ASSERT_FATAL(a >= 0 && b >= 0 && c >= 0 && d >= 0 &&
				e >= 0 && f >= 0 && g >= 0);
		CHECKF(pt[a].miss == pt[b].miss && pt[a].miss == pt[c].miss,
		       "4 KiB pages at the same addresses: %.0f, %.0f, %.0f misses",
		       pt[a].miss, pt[b].miss, pt[c].miss);
		CHECKF(pt[d].miss == pt[e].miss && pt[f].miss == pt[g].miss,
		       "not page multiples, 4 KiB pages either way: 62 KiB %.0f / %.0f, 2046 KiB %.0f / %.0f",
		       pt[d].miss, pt[e].miss, pt[f].miss, pt[g].miss);
	}
out:
	sweep_destroy(sw);
	scn_destroy(base);
}

/* ---- 3. memory pressure ---- */

static const char pressure_yaml[] =
	"name: hostpool_pressure\n"
	"duration: 40ms\n"
	"warmup: 1ms\n"
	"seed: 3\n"
	"sample_interval: 1ms\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: true } }\n"
	"    pool: { mode: dynamic, reap: 1ms, idle: 2ms }\n"
	"    memory: %s\n"
	"  server:\n"
	"    nic: { iommu: { enabled: true } }\n"
	"    pool: { mode: dynamic, reap: 1ms, idle: 2ms }\n"
	"network: { kind: link, rate: 10Gbps, overhead: 20B }\n"
	"apps:\n"
	"  a: { host: client, peer: server, pattern: poisson, rate: %s, size: 1500B, stack: user, on_time: 1ms, off_time: 3ms, burst: 32 }\n"
	"  b: { like: a }\n";

static void test_pressure(void)
{
	static const char *const apps[] = { "a", "b" };
	struct run_result r;
	struct scn *s = NULL;
	char text[2048];
	const struct stat_gauge *g;
	double limit, events, fails = 0, dropped = 0, drops, lost, held;
	double chan_fails = 0;
	const char *pools[64];
	size_t np;

	/* 176 KiB: a channel pool's first segment takes 48 KiB (16 KiB of
	 * buffers and a 16 KiB segment each of kernel and user metadata),
	 * the device pool's 80 KiB (64 KiB of buffers, 16 KiB of kernel
	 * metadata): both kinds of pool grow and both fail (with 96 KiB,
	 * the figure before metadata was counted, the device pool could
	 * never grow) */
	snprintf(text, sizeof(text), pressure_yaml, "176KiB", "80kpps");
	if (tr_run_text(text, NULL, 0, &r, &s))
		return;
	limit = (double)scn_size(s, "hosts.client.memory");
	events = tr_metric(&r, "hosts.client.memory", "pressure_events");
	g = gauge(&r, "hosts.client.memory", "mem.reserved");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	np = pool_names(&r, pools, 64);
	for (size_t i = 0; i < np; i++) {
		SAY("pressure: %s allocs %.0f failures %.0f grows %.0f shrinks "
		    "%.0f high_water %.0f\n",
		    pools[i], tr_metric(&r, pools[i], "allocs"),
		    tr_metric(&r, pools[i], "alloc_failures"),
		    tr_metric(&r, pools[i], "grows"),
		    tr_metric(&r, pools[i], "shrinks"),
		    tr_metric(&r, pools[i], "high_water"));
		if (!strncmp(pools[i], "hosts.client.", 13))
			fails += tr_metric(&r, pools[i], "alloc_failures");
		else
			CHECKF(tr_metric(&r, pools[i], "alloc_failures") == 0,
			       "%s (unlimited memory): %.0f failures", pools[i],
			       tr_metric(&r, pools[i], "alloc_failures"));
	}
	for (size_t a = 0; a < 2; a++)
		dropped += metricf2(&r, "dropped", "apps.%s%s", apps[a], "");
	/* every drop is counted by the component that dropped it, with its
	 * reason: drops.* of stacks, flow switches, drivers, NICs, link */
	drops = sum_counters(&r, "", "drops.");
	lost = sum_counters(&r, "hosts.", "lost_");
	SAY("pressure: limit %.0f B, reserved max %.0f mean %.1f; %.0f "
	    "pressure events, %.0f failures; dropped %.0f, drops.* %.0f "
	    "(no_memory: stacks %.0f flowswitch %.0f nic %.0f), lost %.0f\n",
	    limit, g->max, stats_gauge_mean(g), events, fails, dropped, drops,
	    sum_counters(&r, "hosts.client.stack.", "drops.no_memory"),
	    tr_metric(&r, "hosts.client.flowswitch", "drops.no_memory"),
	    tr_metric(&r, "hosts.client.nic", "drops.no_memory"), lost);
	CHECKF(events > 0, "no pressure event with %.0f B", limit);
	CHECKF(fails > 0, "no allocation failed with %.0f B", limit);
	CHECKF(g->max <= limit && g->max > 0,
	       "hosts.client.memory mem.reserved max %.0f, limit %.0f", g->max,
	       limit);
	/* the failures of the client's pools are its no_memory drops: a
	 * channel buffer at the stack's TX (drops.no_memory of the app's
	 * stack), a device buffer for the copy in the flow switch (its
	 * drops.no_memory); nothing is received on the client, so neither
	 * the NIC nor the switch's RX fails to allocate */
	for (size_t a = 0; a < 2; a++) {
		double f = metricf2(&r, "alloc_failures",
				    "hosts.client.pool.app.%s%s", apps[a], "");
		double d = metricf2(&r, "drops.no_memory",
				    "hosts.client.stack.%s%s", apps[a], "");

		CHECKF(f == d,
		       "app %s: channel pool failures %.0f, stack drops.no_memory %.0f",
		       apps[a], f, d);
		chan_fails += f;
	}
	CHECKF(tr_metric(&r, "hosts.client.flowswitch", "drops.no_memory") ==
		       tr_metric(&r, "hosts.client.pool.device",
				 "alloc_failures"),
	       "client flow switch drops.no_memory %.0f, device pool failures %.0f",
	       tr_metric(&r, "hosts.client.flowswitch", "drops.no_memory"),
	       tr_metric(&r, "hosts.client.pool.device", "alloc_failures"));
	CHECKF(tr_metric(&r, "hosts.client.nic", "drops.no_memory") == 0,
	       "client NIC drops.no_memory %.0f",
	       tr_metric(&r, "hosts.client.nic", "drops.no_memory"));
	CHECKF(sum_counters(&r, "hosts.client.", "drops.no_memory") == fails,
	       "client drops.no_memory %.0f, allocation failures %.0f",
	       sum_counters(&r, "hosts.client.", "drops.no_memory"), fails);
	CHECKF(chan_fails > 0 && tr_metric(&r, "hosts.client.pool.device",
					   "alloc_failures") > 0,
	       "want failures of both kinds: channel %.0f, device %.0f",
	       chan_fails,
	       tr_metric(&r, "hosts.client.pool.device", "alloc_failures"));
	CHECKF(dropped == drops + lost && dropped >= fails,
	       "apps dropped %.0f, drops.* %.0f + lost %.0f (failures %.0f)",
	       dropped, drops, lost, fails);
	held = check_held(&r, s, "pressure", 6);
	(void)held;
	run_result_fini(&r);
	scn_destroy(s);
}

/* Without a stack the packet takes its device buffer in the topology
 * (sim/run/topo_host.c topo_dev_tx) before the driver: a failure there must be
 * counted as a drop with its reason like every other one. A static
 * device pool of one segment (32 buffers) and an offered load above the
 * line rate exhaust it. */
static void test_nostack_drops(void)
{
	static const char *const sets[] = {
		"hosts.client.pool.device_max=64KiB",
		"hosts.client.pool.device_segment=64KiB", "apps.s.rate=2Mpps"
	};
	struct run_result r;
	struct scn *s = NULL;
	double fails, dropped, drops;

	if (tr_run_sets(SEGMENTS, sets, 3, &r, &s))
		return;
	fails = tr_metric(&r, "hosts.client.pool.device", "alloc_failures");
	dropped = tr_metric(&r, "apps.s", "dropped");
	drops = sum_counters(&r, "", "drops.");
	SAY("no stack: sent %.0f dropped %.0f, drops.* %.0f, device pool "
	    "failures %.0f\n",
	    tr_metric(&r, "apps.s", "sent"), dropped, drops, fails);
	CHECKF(fails > 0, "the device pool never ran out (%.0f failures)",
	       fails);
	CHECKF(dropped == drops,
	       "apps.s dropped %.0f, drops.* counters %.0f (device pool failures %.0f have no drop counter)",
	       dropped, drops, fails);
	check_held(&r, s, "no stack", 2);
	run_result_fini(&r);
	scn_destroy(s);
}

/* ---- 4. nothing held once everything has arrived ---- */

static void check_drained(const char *what, const char *path, const char *text,
			  const char *const *sets, size_t n, size_t want_pools)
{
	struct run_result r;
	struct scn *s = NULL;
	int rc = text ? tr_run_text(text, sets, n, &r, &s)
		      : tr_run_sets(path, sets, n, &r, &s);
	const char *pools[64];
	size_t np;
	double in_flight;

	if (rc)
		return;
	in_flight = check_conservation(&r, s, what);
	CHECKF(in_flight == 0, "%s: %.0f packets still in flight", what,
	       in_flight);
	np = pool_names(&r, pools, 64);
	CHECKF(np == want_pools, "%s: %zu pools", what, np);
	for (size_t i = 0; i < np; i++) {
		double h = tr_metric(&r, pools[i], "held_at_end");

		CHECKF(h == 0 && tr_metric(&r, pools[i], "allocs") ==
					 tr_metric(&r, pools[i], "frees"),
		       "%s: %s: held_at_end %.0f, allocs %.0f frees %.0f", what,
		       pools[i], h, tr_metric(&r, pools[i], "allocs"),
		       tr_metric(&r, pools[i], "frees"));
		CHECKF(tr_metric(&r, pools[i], "bad_frees") == 0,
		       "%s: %s: %.0f bad frees", what, pools[i],
		       tr_metric(&r, pools[i], "bad_frees"));
	}
	check_held(&r, s, what, want_pools);
	SAY("%s: drained: %zu pools hold nothing\n", what, np);
	run_result_fini(&r);
	scn_destroy(s);
}

static void test_drained(void)
{
	static const char *const dyn[] = { "hosts.client.pool.mode=dynamic",
					   "hosts.server.pool.mode=dynamic",
					   "duration=60ms",
					   "apps.a.count=2000",
					   "apps.b.count=2000",
					   "apps.c.count=2000" };
	static const char *const pre[] = { "apps.a.count=300",
					   "apps.b.count=300" };
	char text[2048];

	check_drained("pool_dynamic drained", DYNAMIC, NULL, dyn, 6, 8);
	/* under pressure: some allocations fail, nothing leaks */
	snprintf(text, sizeof(text), pressure_yaml, "176KiB", "80kpps");
	check_drained("pressure drained", NULL, text, pre, 2, 6);
}

/* ---- 5. bad input ---- */

static const char bad_yaml[] =
	"name: bad_pool\n"
	"duration: 1ms\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: true, page: 4KiB } }\n"
	"    pool: { mode: %s, device_segment: %s,\n"
	"            device_max: %s }\n"
	"    memory: %s\n"
	"  server: {}\n"
	"apps:\n"
	"  a: { host: client, peer: server, stack: user }\n";

/* Validation must fail with a message that starts with the position of
 * one of the parameters at (file:line:col, from scn_where()) and says
 * every fragment of frags. */
static void expect_bad(const char *mode, const char *seg, const char *max,
		       const char *mem, const char *const *at,
		       const char *const *frags)
{
	char text[1024], path[64], want[256], err[512] = "";
	struct scn *s = NULL;
	int rc, placed = 0;

	snprintf(text, sizeof(text), bad_yaml, mode, seg, max, mem);
	if (tu_write_tmp(path, sizeof(path), text)) {
		CHECKF(0, "cannot write a temporary scenario");
		return;
	}
	if (!tr_load(path, NULL, 0, &s)) {
		rc = run_validate(s, err, sizeof(err));
		SAY("bad input: %s\n", err);
		CHECKF(rc == -EINVAL, "validate: %d '%s'", rc, err);
		for (size_t i = 0; at[i]; i++) {
			size_t n;

			scn_where(s, at[i], want, sizeof(want) - 2);
			n = strlen(want);
			want[n] = ':';
			want[n + 1] = '\0';
			CHECKF(!strncmp(want, path, strlen(path)) &&
				       strchr(want + strlen(path), ':') != NULL,
			       "%s has no position: '%s'", at[i], want);
			placed |= !strncmp(err, want, strlen(want));
		}
		CHECKF(placed,
		       "validate: '%s' does not start with the position of %s%s%s",
		       err, at[0], at[1] ? " or " : "", at[1] ? at[1] : "");
		for (size_t i = 0; frags[i]; i++)
			CHECKF(strstr(err, frags[i]) != NULL,
			       "validate: '%s' does not say '%s'", err,
			       frags[i]);
		scn_destroy(s);
	}
	unlink(path);
}

static void test_bad_input(void)
{
	static const char *const buffer[] = { "5KiB", "2KiB", "segment",
					      "buffer", NULL };
	static const char *const mem[] = { "memory", "initial reservation",
					   NULL };
	static const char *const whole[] = { "100KiB", "64KiB", "max",
					     "segment", NULL };
	static const char *const at_seg[] = {
		"hosts.client.pool.device_segment", NULL
	};
	static const char *const at_mem[] = { "hosts.client.memory", NULL };
	static const char *const at_max[] = {
		"hosts.client.pool.device_max",
		"hosts.client.pool.device_segment", NULL
	};

	expect_bad("dynamic", "5KiB", "5MiB", "0", at_seg, buffer);
	/* 8 MiB reserved at the start in 4 MiB of memory */
	expect_bad("static", "64KiB", "8MiB", "4MiB", at_mem, mem);
	/* the max is not whole segments (the model blames the segment;
	 * device_max would do as well) */
	expect_bad("dynamic", "64KiB", "100KiB", "0", at_max, whole);
}

/* ---- 6. static reservation at time 0 ---- */

static void test_static_t0(void)
{
	static const char *const sets[] = { "duration=2ms", "warmup=0" };
	static const char *const dsets[] = { "duration=2ms", "warmup=0",
					     "hosts.client.pool.mode=dynamic",
					     "hosts.server.pool.mode=dynamic" };
	struct run_result r;
	struct scn *s = NULL, *s0 = NULL;
	const struct stat_gauge *g, *m;
	double dmax, umax, want;

	if (tr_run_sets(DYNAMIC, sets, 2, &r, &s))
		return;
	dmax = with_md(s, "client", false,
		       (double)scn_size(s, "hosts.client.pool.device_max"));
	umax = with_md(s, "client", true,
		       (double)scn_size(s, "hosts.client.pool.user_max"));
	g = gauge(&r, "hosts.client.pool.device", "mem.reserved");
	m = gauge(&r, "hosts.client.memory", "mem.reserved");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	want = dmax + 3 * umax;
	SAY("static t0: device mem.reserved min %.0f mean %.1f max %.0f "
	    "(device_max %.0f); memory min %.0f max %.0f (want %.0f)\n",
	    g->min, stats_gauge_mean(g), g->max, dmax, m->min, m->max, want);
	CHECKF(g->min == dmax && g->max == dmax && stats_gauge_mean(g) == dmax,
	       "static device pool: mem.reserved min %.0f mean %.1f max %.0f, device_max %.0f",
	       g->min, stats_gauge_mean(g), g->max, dmax);
	/* (min is not checked here: at time 0 with warmup 0 the gauge
	 * also counts the sums set while the pools were being created) */
	CHECKF(m->max == want && stats_gauge_mean(m) == want,
	       "host memory: mem.reserved mean %.1f max %.0f, want %.0f",
	       stats_gauge_mean(m), m->max, want);
	g = gauge(&r, "hosts.client.pool.app.a", "mem.reserved");
	CHECKF(g && g->min == umax && g->max == umax,
	       "static channel pool: mem.reserved min %.0f max %.0f, user_max %.0f",
	       g ? g->min : -1, g ? g->max : -1, umax);
	run_result_fini(&r);
	scn_destroy(s);
	/* dynamic, for contrast: nothing reserved at time 0 */
	if (tr_run_sets(DYNAMIC, dsets, 4, &r, &s0))
		return;
	g = gauge(&r, "hosts.client.pool.device", "mem.reserved");
	CHECKF(g && g->min == 0 && g->max > 0 && g->max < dmax,
	       "dynamic device pool: mem.reserved min %.0f max %.0f",
	       g ? g->min : -1, g ? g->max : -1);
	/* from time 0 the histogram sees the grows: the allocation that
	 * grows pays one map on top of its allocation, the others none */
	{
		const struct hist *h = tr_histo(&r, "hosts.client.pool.device",
						"alloc_latency");
		/* a 64 KiB segment: one I/O address lookup */
		sim_time map = scn_time(s0, "hosts.client.pool.map") +
			       scn_time(s0, "hosts.client.nic.iommu.translate");
		sim_time alloc = scn_time(s0, "hosts.client.pool.alloc");
		double grows =
			tr_metric(&r, "hosts.client.pool.device", "grows");

		SAY("dynamic t0: device pool grows %.0f, alloc_latency "
		    "%lld..%lld over %llu (map %lld alloc %lld)\n",
		    grows, h ? (long long)h->min : -1LL,
		    h ? (long long)h->max : -1LL,
		    h ? (unsigned long long)h->count : 0ULL, (long long)map,
		    (long long)alloc);
		CHECKF(grows > 0 && h && h->max == map + alloc &&
			       h->min == alloc,
		       "dynamic from 0: %.0f grows, alloc_latency %lld..%lld, map %lld + alloc %lld",
		       grows, h ? (long long)h->min : -1LL,
		       h ? (long long)h->max : -1LL, (long long)map,
		       (long long)alloc);
		CHECKF(tr_metric(&r, "hosts.client.pool.device", "maps") ==
			       grows,
		       "dynamic from 0: maps %.0f, grows %.0f",
		       tr_metric(&r, "hosts.client.pool.device", "maps"),
		       grows);
	}
	run_result_fini(&r);
	scn_destroy(s0);
}

/* ---- 7. memory domains ---- */

static const char *const dom_metric[] = { "mem.kernel", "mem.user",
					  "mem.device", "mem.sockbuf" };

/* Checks every hosts.*.memory of r: at every sample the four domains'
 * series sum to mem.reserved's, exactly (integer bytes). Returns the
 * hosts checked, -1 after a failure. */
static int domains_conserved(const struct run_result *r, const char *what)
{
	int hosts = 0;

	for (size_t i = 0; i < stats_count(r->stats); i++) {
		const struct stat_series *tot, *d[4];
		struct stat_info si;

		stats_get(r->stats, i, &si);
		if (si.kind != STAT_SERIES ||
		    strcmp(si.metric, "mem.reserved") ||
		    strncmp(si.component, "hosts.", 6) ||
		    strcmp(strrchr(si.component, '.'), ".memory"))
			continue;
		tot = si.u.series;
		for (int k = 0; k < 4; k++) {
			d[k] = series(r, si.component, dom_metric[k]);
			CHECKF(d[k] && d[k]->n == tot->n,
			       "%s: %s: %s has %zu samples, mem.reserved %zu",
			       what, si.component, dom_metric[k],
			       d[k] ? d[k]->n : 0, tot->n);
			if (!d[k] || d[k]->n != tot->n)
				return -1;
		}
		for (size_t j = 0; j < tot->n; j++) {
			double sum = d[0]->value[j] + d[1]->value[j] +
				     d[2]->value[j] + d[3]->value[j];

			if (sum == tot->value[j] && tot->n > 1)
				continue;
			CHECKF(0,
			       "%s: %s at sample %zu of %zu: kernel %.0f + user %.0f + device %.0f + sockbuf %.0f != reserved %.0f",
			       what, si.component, j, tot->n, d[0]->value[j],
			       d[1]->value[j], d[2]->value[j], d[3]->value[j],
			       tot->value[j]);
			return -1;
		}
		hosts++;
	}
	return hosts;
}

/* Every bundled scenario that models memory (its text sets pools or a
 * host's memory), run for 30 ms sampled every 100 us: at every sample of
 * every host the domains sum to the host's total. */
static void test_domains_sum(void)
{
	static const char *const dirs[] = { "scenarios/*.yaml",
					    "scenarios/studies/*.yaml",
					    "scenarios/regress/*.yaml" };
	static const char *const sets[] = { "duration=30ms", "warmup=0",
					    "sample_interval=100us" };
	int files = 0, hosts = 0;

	for (size_t g = 0; g < 3; g++) {
		glob_t gl;

		if (glob(dirs[g], 0, NULL, &gl))
			continue;
		for (size_t i = 0; i < gl.gl_pathc; i++) {
			struct run_result r;
			char text[1 << 16];
			FILE *f = fopen(gl.gl_pathv[i], "r");
			size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
			int h;

			if (f)
				fclose(f);
			text[n] = '\0';
			if (!strstr(text, "pool:") && !strstr(text, "memory:"))
				continue;
			if (tr_run_sets(gl.gl_pathv[i], sets, 3, &r, NULL))
				continue;
			h = domains_conserved(&r, gl.gl_pathv[i]);
			SAY("domains: %s: %d hosts\n", gl.gl_pathv[i], h);
			CHECKF(h > 0, "%s: no host's memory checked",
			       gl.gl_pathv[i]);
			hosts += h > 0 ? h : 0;
			files++;
			run_result_fini(&r);
		}
		globfree(&gl);
	}
	CHECKF(files >= 8 && hosts >= 16, "%d scenarios, %d hosts checked",
	       files, hosts);
}

static double gauge_max(const struct run_result *r, const char *comp,
			const char *name)
{
	const struct stat_gauge *g = gauge(r, comp, name);

	return g ? g->max : NAN;
}

/* In-kernel TCP: the send buffer holds each segment's payload until it
 * is acknowledged, at most stack.sndbuf: with 10000 B and 1448 B
 * segments a bulk transfer keeps floor(10000 / 1448) = 6 segments,
 * 8688 B, in flight and no more; the receiver's buffer holds what the
 * app has not read. Both count in their host's mem.sockbuf, alone there
 * (no user-space stack). */
static const char ktcp_yaml[] =
	"name: ksock\n"
	"duration: 20ms\n"
	"warmup: 0\n"
	"seed: 1\n"
	"sample_interval: 1ms\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false } }\n"
	"    pool: { mode: dynamic }\n"
	"    stack: { sndbuf: 10000B }\n"
	"  server: { like: client }\n"
	"network: { kind: link, rate: 10Gbps, delay: 20us, overhead: 20B }\n"
	"apps:\n"
	"  copy: { host: client, peer: server, pattern: bulk, transport: tcp, "
	"stack: kernel, bytes: 500KB }\n";

static void test_sockbuf_tcp(void)
{
	struct run_result r;
	double snd, rcv, ms, mr;

	if (tr_run_text(ktcp_yaml, NULL, 0, &r, NULL))
		return;
	snd = gauge_max(&r, "hosts.client.stack.copy", "sockbuf.snd");
	rcv = gauge_max(&r, "hosts.server.stack.copy", "sockbuf.rcv");
	ms = gauge_max(&r, "hosts.client.memory", "mem.sockbuf");
	mr = gauge_max(&r, "hosts.server.memory", "mem.sockbuf");
	SAY("sockbuf tcp: snd max %.0f rcv max %.0f; memory %.0f %.0f\n", snd,
	    rcv, ms, mr);
	CHECKF(snd == 6 * 1448, "send buffer max %.0f, want %d", snd, 6 * 1448);
	CHECKF(ms == snd && mr == rcv && rcv > 0 && rcv <= 6 * 1448,
	       "mem.sockbuf max %.0f / %.0f, buffers %.0f / %.0f", ms, mr, snd,
	       rcv);
	/* the transfer completed: every byte acknowledged and read */
	CHECKF(gauge(&r, "hosts.client.memory", "mem.sockbuf")->value == 0 &&
		       gauge(&r, "hosts.server.memory", "mem.sockbuf")->value ==
			       0,
	       "socket buffers not empty at the end");
	CHECKF(tr_metric(&r, "hosts.client.tcp.copy", "fct") > 0,
	       "transfer not complete");
	CHECKF(domains_conserved(&r, "ksock") == 2, "domains");
	run_result_fini(&r);
}

/* In-kernel UDP: a writer hands bursts of 32 datagrams of 1000 B, which
 * wait in the send buffer until each send has handed them on: 32000 B at
 * most. The flow switch delivers a received batch at once, faster than
 * the app reads: with a 3000 B receive buffer three datagrams fit and
 * the rest are dropped (drops.ring_full); with a large buffer but only
 * 2000 B of the server's memory left beyond its pools, two fit and the
 * rest are dropped for want of memory (drops.no_memory). */
static const char kudp_yaml[] =
	"name: kudp\n"
	"duration: 5ms\n"
	"warmup: 0\n"
	"seed: 1\n"
	"hosts:\n"
	"  client:\n"
	"    nic: { iommu: { enabled: false } }\n"
	"    pool: { mode: static }\n"
	"  server: { like: client, stack: { rcvbuf: 3000B } }\n"
	"network: { kind: link, rate: 40Gbps, overhead: 20B }\n"
	"apps:\n"
	"  u: { host: client, peer: server, pattern: cbr, rate: 100kpps, "
	"burst: 32, size: 1000B, stack: kernel }\n";

static void test_sockbuf_udp(void)
{
	static const char *const lim[] = { "hosts.server.stack.rcvbuf=4MiB",
					   "hosts.server.memory=10487760B" };
	struct run_result r;
	double snd, rcv, full, nomem;

	if (tr_run_text(kudp_yaml, NULL, 0, &r, NULL))
		return;
	snd = gauge_max(&r, "hosts.client.stack.u", "sockbuf.snd");
	rcv = gauge_max(&r, "hosts.server.stack.u", "sockbuf.rcv");
	full = tr_metric(&r, "hosts.server.flowswitch", "drops.ring_full");
	SAY("sockbuf udp: snd max %.0f rcv max %.0f ring_full %.0f\n", snd, rcv,
	    full);
	CHECKF(snd == 32 * 1000, "send buffer max %.0f, want 32000", snd);
	CHECKF(rcv == 3000 && full > 0, "receive buffer max %.0f, drops %.0f",
	       rcv, full);
	run_result_fini(&r);
	/* the host's limit: its static pools take 8 MiB of device buffers
	 * and 2 MiB of their metadata; 2000 B are left */
	if (tr_run_text(kudp_yaml, lim, 2, &r, NULL))
		return;
	rcv = gauge_max(&r, "hosts.server.stack.u", "sockbuf.rcv");
	nomem = tr_metric(&r, "hosts.server.flowswitch", "drops.no_memory");
	SAY("sockbuf udp, 2000 B of memory: rcv max %.0f no_memory %.0f; "
	    "host max %.0f\n",
	    rcv, nomem, gauge_max(&r, "hosts.server.memory", "mem.reserved"));
	CHECKF(rcv == 2000 && nomem > 0, "receive buffer max %.0f, drops %.0f",
	       rcv, nomem);
	CHECKF(gauge_max(&r, "hosts.server.memory", "mem.reserved") == 10487760,
	       "host memory max %.0f",
	       gauge_max(&r, "hosts.server.memory", "mem.reserved"));
	run_result_fini(&r);
}

int suite_hostpool(void)
{
	CU_pSuite s = CU_add_suite("hostpool", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "pool_dynamic: static vs dynamic pools",
			 test_dynamic) ||
	    !CU_add_test(s, "pool_segments: IOTLB misses vs segment size",
			 test_segments) ||
	    !CU_add_test(s, "memory pressure: failures dropped and counted",
			 test_pressure) ||
	    !CU_add_test(s, "no stack: device pool failures counted",
			 test_nostack_drops) ||
	    !CU_add_test(s, "no buffer held once everything has arrived",
			 test_drained) ||
	    !CU_add_test(s, "bad pool settings", test_bad_input) ||
	    !CU_add_test(s, "static pools reserve at time 0", test_static_t0) ||
	    !CU_add_test(s, "domains sum to the host's memory",
			 test_domains_sum) ||
	    !CU_add_test(s, "in-kernel TCP socket buffers", test_sockbuf_tcp) ||
	    !CU_add_test(s, "in-kernel UDP socket buffers and the limit",
			 test_sockbuf_udp))
		return CU_get_error();
	return 0;
}
