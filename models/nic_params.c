/*
 * nic_params.c - parameters of the NIC model (hosts.*.nic.*).
 *
 * The NIC of a host: TX and RX descriptor rings, a doorbell write per
 * packet, descriptor and payload DMA over PCIe (fixed latency, a bandwidth,
 * a maximum payload per transaction and a header per transaction), an
 * IOMMU whose IOTLB is consulted per page a DMA touches, serialization at
 * the line rate with Ethernet framing, and RX notification by moderated
 * interrupts or by polling. Defaults come from reference/calibration.md
 * and reference/skywalk-facts.md. nic_cfg_load() is the one place they
 * are read.
 */
#include <errno.h>
#include <string.h>

#include "errmsg.h"
#include "models.h"
#include "nic.h"

/* The rate step: a step down (or up) at rate_step_at, and back at
 * rate_step_until if set. */
static int nic_load_step(struct nic_cfg *cfg, const struct param_src *src,
			 const char *prefix, char *err, size_t errlen)
{
	const char *key = NULL, *msg = NULL;
	char where[256];

	cfg->step_bps = param_double(src, prefix, "rate_step");
	cfg->step_at_ps = param_time(src, prefix, "rate_step_at");
	cfg->step_until_ps = param_time(src, prefix, "rate_step_until");
	if (!cfg->step_bps && (cfg->step_at_ps || cfg->step_until_ps)) {
		key = cfg->step_at_ps ? "rate_step_at" : "rate_step_until";
		msg = "has no effect without rate_step (the rate during the step)";
	} else if (cfg->step_bps && !cfg->step_at_ps) {
		key = "rate_step";
		msg = "needs rate_step_at after 0 (from the start it would just be the rate)";
	} else if (cfg->step_bps && cfg->step_bps == cfg->rate_bps) {
		key = "rate_step";
		msg = "equals rate: the step would change nothing";
	} else if (cfg->step_until_ps &&
		   cfg->step_until_ps <= cfg->step_at_ps) {
		key = "rate_step_until";
		msg = "must be after rate_step_at (the rate comes back after it stepped)";
	}
	if (!key)
		return 0;
	param_where(src, prefix, key, where, sizeof(where));
	errmsg(err, errlen, "%s: %s: %s", where, key, msg);
	return -EINVAL;
}

/* The IOMMU: its largest page must be one the hardware has, and
 * iommu.reach is gone (what an IOTLB entry covers is a page, whose size
 * follows from the mapping). */
static int nic_load_iommu(struct nic_cfg *cfg, const struct param_src *src,
			  const char *prefix, char *err, size_t errlen)
{
	char where[256];

	cfg->iommu = param_int(src, prefix, "iommu.enabled") != 0;
	cfg->iotlb_entries[NIC_PG_4K] =
		(uint32_t)param_int(src, prefix, "iommu.iotlb_entries");
	cfg->iotlb_entries[NIC_PG_2M] =
		(uint32_t)param_int(src, prefix, "iommu.iotlb_entries_2m");
	cfg->iotlb_entries[NIC_PG_1G] =
		(uint32_t)param_int(src, prefix, "iommu.iotlb_entries_1g");
	cfg->page_bytes = param_size(src, prefix, "iommu.page");
	cfg->miss_ps = param_time(src, prefix, "iommu.miss");
	if (param_given(src, prefix, "iommu.reach")) {
		param_where(src, prefix, "iommu.reach", where, sizeof(where));
		errmsg(err, errlen,
		       "%s: iommu.reach: removed: an IOTLB entry maps one IOMMU page (4 KiB, or 2 MiB and 1 GiB up to iommu.page) wherever a mapping is a multiple of it and aligned, so a segment's reach follows from its size; set iommu.page instead",
		       where);
		return -EINVAL;
	}
	if (cfg->page_bytes != NIC_PAGE_4K && cfg->page_bytes != NIC_PAGE_2M &&
	    cfg->page_bytes != NIC_PAGE_1G) {
		param_where(src, prefix, "iommu.page", where, sizeof(where));
		errmsg(err, errlen,
		       "%s: iommu.page: %llu B is not a page size of the IOMMU; expected 4KiB, 2MiB or 1GiB (the largest page it may use)",
		       where, (unsigned long long)cfg->page_bytes);
		return -EINVAL;
	}
	return 0;
}

int nic_cfg_load(struct nic_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen)
{
	int rc;

	cfg->rate_bps = param_double(src, prefix, "rate");
	cfg->framing_bytes = param_size(src, prefix, "framing");
	cfg->min_frame_bytes = param_size(src, prefix, "min_frame");
	cfg->tx_ring_slots = (uint32_t)param_int(src, prefix, "tx_ring");
	cfg->rx_ring_slots = (uint32_t)param_int(src, prefix, "rx_ring");
	cfg->buffer_bytes = param_size(src, prefix, "buffer");
	cfg->doorbell_ps = param_time(src, prefix, "doorbell");
	cfg->desc_bytes = param_size(src, prefix, "desc_size");
	cfg->pcie.latency_ps = param_time(src, prefix, "pcie_latency");
	cfg->pcie.bw_bps = param_double(src, prefix, "pcie_bw");
	cfg->pcie.mps_bytes = param_size(src, prefix, "pcie_mps");
	cfg->pcie.overhead_bytes = param_size(src, prefix, "pcie_overhead");
	cfg->poll = !strcmp(param_str(src, prefix, "rx_mode"), "poll");
	cfg->irq_ps = param_time(src, prefix, "irq_time");
	cfg->irq_pkts = (uint64_t)param_int(src, prefix, "irq_packets");
	cfg->irq_adaptive = param_int(src, prefix, "irq_adaptive") != 0;
	cfg->poll_ps = param_time(src, prefix, "poll_interval");
	cfg->irq_cost_ps = param_time(src, prefix, "irq_cost");
	cfg->poll_cost_ps = param_time(src, prefix, "poll_cost");
	cfg->irq_core = param_str(src, prefix, "irq_core");
	rc = nic_load_iommu(cfg, src, prefix, err, errlen);
	return rc ? rc : nic_load_step(cfg, src, prefix, err, errlen);
}

const struct param_def nic_params[] = {
	{ "hosts.*.nic.rate", PT_BITRATE, "10Gbps", NULL, 1e3, 1.6e12,
	  "line rate at which the NIC serializes frames",
	  "10GbE, IEEE 802.3ae (reference/calibration.md, NIC)" },
	{ "hosts.*.nic.rate_step", PT_BITRATE, "0bps", NULL, 0, 1.6e12,
	  "the line rate from rate_step_at on (a capacity step the host sees: link renegotiation, a radio's rate); 0: no step",
	  "usnsim: a constant rate unless a study changes it" },
	{ "hosts.*.nic.rate_step_at", PT_TIME, "0", NULL, 0, 1e18,
	  "when the line rate steps to rate_step",
	  "usnsim: a constant rate unless a study changes it" },
	{ "hosts.*.nic.rate_step_until", PT_TIME, "0", NULL, 0, 1e18,
	  "when the line rate steps back to rate; 0: it stays at rate_step",
	  "usnsim: a constant rate unless a study changes it" },
	{ "hosts.*.nic.framing", PT_SIZE, "20B", NULL, 0, 1e6,
	  "bytes on the wire per frame besides the frame: preamble, start delimiter and inter-frame gap",
	  "Ethernet: 8 B preamble + SFD and 12 B IFG (reference/calibration.md, 10GbE min frame)" },
	{ "hosts.*.nic.min_frame", PT_SIZE, "64B", NULL, 1, 1e6,
	  "shorter frames are padded to this length on the wire",
	  "Ethernet minimum frame, IEEE 802.3" },
	{ "hosts.*.nic.tx_ring", PT_INT, "512", NULL, 1, 65536,
	  "TX descriptor ring size in slots (a packet holds a slot until its frame has left)",
	  "netif TX ring 512 slots (reference/skywalk-facts.md, Channels)" },
	{ "hosts.*.nic.rx_ring", PT_INT, "1024", NULL, 1, 65536,
	  "RX descriptor ring size in slots (a frame holds a slot until the host takes it)",
	  "netif RX ring 1024 slots (reference/skywalk-facts.md, Channels)" },
	{ "hosts.*.nic.buffer", PT_SIZE, "2KiB", NULL, 64, 1e9,
	  "packet buffer per ring slot; buffers of a ring are contiguous, which fixes the pages a DMA touches",
	  "2 KiB packet buffers (reference/skywalk-facts.md, Memory)" },
	{ "hosts.*.nic.doorbell", PT_TIME, "150ns", NULL, 0, 1e9,
	  "CPU cost of the doorbell MMIO write that hands a packet to the NIC",
	  "posted MMIO write 100-200 ns (reference/calibration.md, PCIe)" },
	{ "hosts.*.nic.desc_size", PT_SIZE, "16B", NULL, 1, 4096,
	  "descriptor size, fetched by DMA before a TX payload and written back after an RX payload",
	  "16 B descriptors of common 10GbE NICs (Intel 82599 datasheet, advanced descriptors)" },
	{ "hosts.*.nic.pcie_latency", PT_TIME, "550ns", NULL, 0, 1e9,
	  "fixed latency of one DMA over PCIe (request to completion)",
	  "64 B DMA read median ~550 ns, Neugebauer et al. SIGCOMM 2018 (reference/calibration.md)" },
	{ "hosts.*.nic.pcie_bw", PT_BITRATE, "62.96Gbps", NULL, 1e6, 1e13,
	  "PCIe bandwidth that DMA transactions (payload plus headers) share, per direction",
	  "PCIe Gen3 x8 raw 62.96 Gb/s, Neugebauer et al. SIGCOMM 2018 (reference/calibration.md)" },
	{ "hosts.*.nic.pcie_mps", PT_SIZE, "256B", NULL, 1, 4096,
	  "maximum payload per PCIe transaction (TLP); larger DMAs are split",
	  "MPS of 256 B on common server platforms, Neugebauer et al. SIGCOMM 2018" },
	{ "hosts.*.nic.pcie_overhead", PT_SIZE, "24B", NULL, 0, 4096,
	  "header and framing bytes per PCIe transaction (TLP header, sequence number, LCRC, framing)",
	  "24 B per TLP with 64-bit addresses, Neugebauer et al. SIGCOMM 2018" },
	{ "hosts.*.nic.iommu.enabled", PT_BOOL, "true", NULL, 0, 0,
	  "DMA addresses are translated by an IOMMU (each page a DMA touches is looked up in the IOTLB)",
	  "every device buffer segment is mapped in the IOMMU (reference/skywalk-facts.md, Memory)" },
	{ "hosts.*.nic.iommu.iotlb_entries", PT_INT, "64", NULL, 1, 65536,
	  "IOTLB entries for 4 KiB pages (fully associative, least recently used replaced)",
	  "64-entry IOTLB inferred by Neugebauer et al. SIGCOMM 2018 (4 KiB pages)" },
	{ "hosts.*.nic.iommu.iotlb_entries_2m", PT_INT, "32", NULL, 1, 65536,
	  "IOTLB entries for 2 MiB pages, a table of their own (used with iommu.page 2MiB or 1GiB)",
	  "usnsim: IOTLB sizes per page size are not published; 32, as the 2 MiB entries of Intel's first-level data TLB (Intel 64 and IA-32 Optimization Reference Manual, Skylake: 64 x 4 KiB, 32 x 2 MiB, 4 x 1 GiB)" },
	{ "hosts.*.nic.iommu.iotlb_entries_1g", PT_INT, "4", NULL, 1, 65536,
	  "IOTLB entries for 1 GiB pages, a table of their own (used with iommu.page 1GiB)",
	  "usnsim: as iotlb_entries_2m, the 1 GiB entries of Intel's first-level data TLB (Skylake: 4)" },
	{ "hosts.*.nic.iommu.page", PT_SIZE, "4KiB", NULL, 4096, 1073741824,
	  "the largest IOMMU page: 4KiB, 2MiB or 1GiB; a mapping that is a whole number of 4 KiB pages uses the largest page up to this one that is aligned and fits in it, one IOTLB entry per page",
	  "4 KiB, 2 MiB and 1 GiB pages of x86 IOMMUs (Intel VT-d specification, second-level paging; AMD I/O Virtualization Technology specification); Linux maps with the largest page the alignment allows (drivers/iommu/iommu.c, iommu_pgsize())" },
	{ "hosts.*.nic.iommu.reach", PT_ENUM, "page", "page|segment", 0, 0,
	  "removed: setting it is an error (an IOTLB entry maps one page; a segment's reach follows from its size, iommu.page)",
	  "usnsim: kept so that old scenarios get a message saying what replaces it" },
	{ "hosts.*.nic.iommu.translate", PT_TIME, "200ns", NULL, 0, 1e9,
	  "CPU time of one software lookup of an I/O address when a device pool segment is wired and mapped: one per segment that is a whole number of 4 KiB pages, one per page otherwise",
	  "usnsim: a page-list walk of the memory descriptor, a few hundred cycles (assumed; the reference implementation's cost is not published)" },
	{ "hosts.*.nic.iommu.miss", PT_TIME, "280ns", NULL, 0, 1e9,
	  "added to a DMA per IOTLB miss (page walk); it stalls the DMA engine",
	  "IOTLB miss +~280 ns, Neugebauer et al. SIGCOMM 2018 (reference/calibration.md)" },
	{ "hosts.*.nic.rx_mode", PT_ENUM, "interrupt", "interrupt|poll", 0, 0,
	  "how the host learns of received frames: moderated interrupts, or polling",
	  "interrupts are the kernel driver default (Linux NAPI starts on an interrupt)" },
	{ "hosts.*.nic.irq_time", PT_TIME, "16us", NULL, 0, 1e12,
	  "interrupt moderation: an interrupt waits this long after the first frame it reports, and interrupts are at least this far apart",
	  "mlx5 RX moderation 16 us (Linux mlx5/core/en.h; reference/calibration.md)" },
	{ "hosts.*.nic.irq_packets", PT_INT, "32", NULL, 1, 1e9,
	  "interrupt moderation: interrupt as soon as this many frames wait (no sooner than irq_time after the last one)",
	  "mlx5 RX moderation 32 packets (Linux mlx5/core/en.h; reference/calibration.md)" },
	{ "hosts.*.nic.irq_adaptive", PT_BOOL, "false", NULL, 0, 0,
	  "adaptive moderation: the wait shrinks to irq_time x (frames per interrupt / irq_packets) when interrupts report few frames",
	  "off, so that irq_time and irq_packets mean what they say (mlx5 enables adaptive moderation by default)" },
	{ "hosts.*.nic.poll_interval", PT_TIME, "0", NULL, 0, 1e12,
	  "polling: the host checks the RX ring every this long; 0 means busy polling that sees each frame at once",
	  "busy polling, as DPDK poll-mode drivers spin on the completion queue" },
	{ "hosts.*.nic.irq_core", PT_STRING, "", NULL, 0, 0,
	  "core the interrupts and timed polls land on (kernelN, or a core a driver or background work names); empty: the kernel driver's core, kernel0 for a user driver",
	  "Linux: /proc/irq/N/smp_affinity puts an interrupt on a CPU; NAPI polls where it hit (Documentation/networking/napi.rst)" },
	{ "hosts.*.nic.irq_cost", PT_TIME, "1.5us", NULL, 0, 1e12,
	  "CPU time of an interrupt on the core it lands on (entry, handler, exit) on a host with cores; it preempts every thread there",
	  "Tsafrir, ExpCS 2007: a 1000 Hz tick takes 0.5-1.5% of a core, 5-15 us an interrupt, up to 85% of it cache effects usnsim leaves out: the direct 15% of 10 us" },
	{ "hosts.*.nic.poll_cost", PT_TIME, "1.5us", NULL, 0, 1e12,
	  "CPU time of a timed poll (poll_interval > 0) on a host with cores, each interval, frames or not",
	  "a timed poll starts on a timer interrupt (Linux NAPI's gro_flush_timeout hrtimer): irq_cost's default" },
	{ NULL },
};
