/*
 * nic.h - a host's NIC: descriptor rings, doorbell, DMA over PCIe through
 * an IOMMU, serialization at line rate, RX interrupts (moderated) or
 * polling.
 *
 * Its configuration, struct nic_cfg, is filled by nic_cfg_load() from
 * hosts.HOST.nic.* (nic_params.c). The topology creates one per host,
 * hands the host's app packets to nic_tx_input(), connects the wire side
 * to the network and the RX side to the host's driver, and feeds frames
 * from the network into nic_rx_input(). The PCIe cost formula and the
 * IOTLB are also usable on their own (tests check them against their
 * definitions).
 */
#ifndef USNSIM_NIC_H
#define USNSIM_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "param.h"
#include "pkt.h"

struct nic;

/* PCIe as the DMA engine sees it. */
struct nic_pcie {
	sim_time latency_ps;	 /* fixed latency of one DMA */
	double bw_bps;		 /* shared by payload and headers */
	uint64_t mps_bytes;	 /* maximum payload per transaction */
	uint64_t overhead_bytes; /* header bytes per transaction */
};

/* Transactions a DMA of len bytes takes: ceil(len / mps), at least 1. */
uint64_t nic_dma_tlps(const struct nic_pcie *p, uint64_t len_bytes);
/* Time the DMA occupies the link: (len + tlps * overhead) * 8 / bw. */
sim_time nic_dma_xfer(const struct nic_pcie *p, uint64_t len_bytes);
/* Time of one DMA alone: latency + nic_dma_xfer(). */
sim_time nic_dma_time(const struct nic_pcie *p, uint64_t len_bytes);

/*
 * The IOMMU's page sizes: 4 KiB always, 2 MiB and 1 GiB where the
 * configuration allows them (x86 VT-d second-level and AMD-Vi tables).
 */
#define NIC_PAGE_4K ((uint64_t)4096)
#define NIC_PAGE_2M ((uint64_t)2 << 20)
#define NIC_PAGE_1G ((uint64_t)1 << 30)
enum { NIC_PG_4K, NIC_PG_2M, NIC_PG_1G, NIC_PG_N };

/* The size of the IOMMU page that translates addr inside a mapping of
 * len bytes at I/O address start (4 KiB aligned). A mapping that is a
 * whole number of 4 KiB pages is mapped as one range: addr lies in the
 * largest page of at most max_page bytes that is aligned to its size and
 * lies wholly inside [start, start + len), as a greedy map from start
 * (largest page that fits the alignment and the rest) would place it. A
 * mapping that is not a whole number of pages is mapped page by page, so
 * with 4 KiB pages only. */
uint64_t nic_iommu_page(uint64_t start, uint64_t len, uint64_t addr,
			uint64_t max_page);

/* A fully associative IOTLB with least-recently-used replacement (the
 * IOMMU keeps one per page size). */
struct nic_iotlb;

/* Returns 0, -EINVAL (entries == 0) or -ENOMEM. */
int nic_iotlb_create(uint32_t entries, struct nic_iotlb **out);
void nic_iotlb_destroy(struct nic_iotlb *t); /* NULL is a no-op */
/* Looks page up: true on a hit (it becomes the most recently used); on a
 * miss the page is inserted, evicting the least recently used if full. */
bool nic_iotlb_access(struct nic_iotlb *t, uint64_t page);
/* Drops the entries of pages lo .. hi - 1 (an unmap's invalidation);
 * returns how many it dropped. */
uint32_t nic_iotlb_flush(struct nic_iotlb *t, uint64_t lo, uint64_t hi);

/* The configuration of a NIC: the parameters under hosts.HOST.nic (see
 * nic_params.c for their meaning, units and sources). */
struct nic_cfg {
	/* per packet (struct nic keeps copies of these beside the state of
	 * the handlers that read them) */
	double rate_bps;	  /* line rate */
	uint64_t framing_bytes;	  /* preamble, SFD and gap per frame */
	uint64_t min_frame_bytes; /* shorter frames are padded */
	sim_time doorbell_ps;
	uint64_t buffer_bytes; /* packet buffer per ring slot */
	uint64_t desc_bytes;
	struct nic_pcie pcie;
	uint64_t page_bytes; /* largest IOMMU page: 4 KiB, 2 MiB or 1 GiB */
	sim_time miss_ps;    /* IOTLB miss penalty */
	bool iommu;	     /* DMA addresses go through the IOTLB */
	bool poll;	     /* RX by polling (else interrupts) */
	bool irq_adaptive;
	sim_time irq_ps;   /* interrupt moderation time */
	uint64_t irq_pkts; /* ... and frame count */
	sim_time poll_ps;  /* 0: busy polling */
	/* on a host with cores (nic_set_cpu()): an interrupt's cost, a
	 * timed poll's, and the core interrupts land on ("": the kernel
	 * driver's core, kernel0 for a user driver) */
	sim_time irq_cost_ps;
	sim_time poll_cost_ps;
	/* set-up only */
	const char *irq_core;
	uint32_t tx_ring_slots, rx_ring_slots;
	uint32_t iotlb_entries[NIC_PG_N]; /* per page size */
	double step_bps; /* line rate from step_at_ps on; 0: no step */
	sim_time step_at_ps;
	sim_time step_until_ps; /* back to rate_bps then; 0: never */
};

/* Fills cfg from the parameters under prefix ("hosts.client.nic").
 * Returns 0, or -EINVAL with "file:line:col: key: ..." in err for an
 * IOMMU page that is not 4 KiB, 2 MiB or 1 GiB, for iommu.reach (removed:
 * the pages a mapping uses follow from its size and alignment), and for a
 * rate step that cannot happen: rate_step_at or rate_step_until without
 * rate_step, rate_step without a time after 0, rate_step equal to rate,
 * rate_step_until not after rate_step_at. */
int nic_cfg_load(struct nic_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen);

/* Creates a NIC, registering its statistics under env->component
 * ("hosts.client.nic"). Returns 0, or -ENOMEM with a message in err. */
int nic_create(const struct nic_cfg *cfg, const struct model_env *env,
	       struct nic **out, char *err, size_t errlen);
/* NULL is a no-op. Packets still held belong to the packet pool, which
 * reclaims them when it is destroyed. */
void nic_destroy(struct nic *n);
/* destroy, finish and held_add for the topology's loops. */
extern const struct model_ops nic_ops;
/* Where the host hands packets to send, and where frames arrive from
 * the network. */
struct sim_port nic_tx_input(struct nic *n);
struct sim_port nic_rx_input(struct nic *n);
/* wire: frames leaving onto the network; host: received frames handed to
 * the host; drop: frames dropped because a ring was full. */
void nic_connect(struct nic *n, struct sim_port wire, struct sim_port host,
		 struct sim_port drop);
/* Records end-of-run scalars (in_flight, wire_rate). */
void nic_finish(struct nic *n);
/* Packets of app src held in the NIC's rings (walks them: end of run). */
uint64_t nic_held_by(const struct nic *n, uint32_t src);
/* The host's device pool (models/pool.h): frames received take their
 * buffers from it (none free: dropped, drops.no_memory); a sent frame
 * gives back the device buffers its packet holds once it has left. The
 * DMA of a packet holding device buffers reads or writes them, each
 * page they touch looked up in the IOTLB of its size; the pages are
 * those of the buffer's segment's mapping (nic_iommu_page()). */
struct pool;
void nic_set_pool(struct nic *n, struct pool *pool);
/* The driver pays the doorbell write on a core (drv_set_cpu()): the NIC
 * starts a packet's DMA at once instead of doorbell later. */
void nic_set_doorbell_paid(struct nic *n, bool paid);
/* The host has cores: every interrupt, and every timed poll
 * (poll_interval > 0), is a job of thread t (the interrupt context of
 * its core, class irq), of irq_cost (account irq) or poll_cost (account
 * poll); the frames it reports reach the host when the job is done.
 * Timed polls then happen every poll_interval whether frames wait or
 * not. Set-up time; returns 0 or -ENOMEM. */
struct cpu_thread;
int nic_set_cpu(struct nic *n, struct cpu_thread *t);
/* A frame has left (its TX completion): fn(arg, p), for every frame,
 * just before it goes to the network. */
void nic_on_sent(struct nic *n, void (*fn)(void *arg, struct sim_pkt *p),
		 void *arg);
/* Line rate now (it steps to rate_step at rate_step_at, and back at
 * rate_step_until: frames given to the wire from then on serialize at the
 * new rate, those already scheduled keep theirs), a hook fn(arg) called
 * at each step, and what has left so far (wire bytes, framing included,
 * and frames). */
double nic_rate(const struct nic *n);
void nic_on_rate(struct nic *n, void (*fn)(void *arg), void *arg);
void nic_tx_sent(const struct nic *n, uint64_t *bytes, uint64_t *frames);
/* Frames handed to the host so far. */
uint64_t nic_rx_delivered(const struct nic *n);
/* Frames in the TX ring (waiting or being sent), and the ring's slots. */
uint32_t nic_tx_backlog(const struct nic *n);
uint32_t nic_tx_slots(const struct nic *n);

#endif
