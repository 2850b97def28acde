/*
 * sink.c - where packets end: per-app latency, queueing delay and drops.
 *
 * Latency is the time from the packet's creation by its app to its
 * delivery here; queueing delay is the part of it spent waiting in queues
 * (stamped by the models on the way). The latency is also split into
 * stages, histograms named stage.NAME whose means add up to the mean
 * latency: stage.queueing (waiting) and stage.transmission (the rest:
 * serialization and propagation). The packets of an app that runs on a
 * host (models/driver.c and models/nic.c stamp them) are split instead
 * at their stamps: stage.driver_tx (the sending host's driver, waiting
 * included), stage.doorbell, stage.nic_tx_dma (waiting for PCIe included),
 * stage.nic_tx_queue (waiting for the wire), stage.wire (serialization by
 * the NIC), stage.network (from the sender's wire to the receiving NIC),
 * stage.nic_rx_dma (waiting included), stage.notify (until the
 * interrupt or poll hands it to the host) and stage.driver_rx (the
 * receiving host's driver); they telescope, so their means
 * add up to the mean latency. A packet dropped anywhere is handed
 * to the drop port so that every packet ends here, once: this is what makes
 * conservation (sent = received + dropped + in flight) checkable per app.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"
#include "sink.h"
#include "stats.h"

/* Stages of a hosted packet: from one stamp (or its creation) to the next
 * (or its arrival here). */
static const char *const sink_stage_names[] = {
	"stage.driver_tx",    "stage.doorbell", "stage.nic_tx_dma",
	"stage.nic_tx_queue", "stage.wire",	"stage.network",
	"stage.nic_rx_dma",   "stage.notify",	"stage.driver_rx",
};
static const int sink_stage_from[] = { -1,
				       PKT_ST_DRV_TX_END,
				       PKT_ST_DOORBELL,
				       PKT_ST_DMA_END,
				       PKT_ST_WIRE_START,
				       PKT_ST_WIRE_END,
				       PKT_ST_RX_ARRIVE,
				       PKT_ST_RX_DMA_END,
				       PKT_ST_RX_NOTIFY };
static const int sink_stage_to[] = {
	PKT_ST_DRV_TX_END, PKT_ST_DOORBELL,  PKT_ST_DMA_END,
	PKT_ST_WIRE_START, PKT_ST_WIRE_END,  PKT_ST_RX_ARRIVE,
	PKT_ST_RX_DMA_END, PKT_ST_RX_NOTIFY, -1
};
#define SINK_NSTAGES (sizeof(sink_stage_names) / sizeof(sink_stage_names[0]))

struct sink_app {
	uint64_t *received, *received_bytes, *dropped;
	struct stat_hist *latency, *queue_delay;
	struct stat_hist *stage_queueing, *stage_transmission;
	struct stat_hist *stage[SINK_NSTAGES]; /* hosted apps only */
	bool hosted;
	uint32_t trace_id;
};

struct sink {
	struct sim *sim;
	struct pkt_pool *pool;
	struct stats *st;
	size_t napps;
	struct sink_app app[];
};

static void sink_recv(void *owner, struct sim_pkt *p)
{
	struct sink *k = owner;
	struct sink_app *a = &k->app[p->src];
	struct sim *sim = k->sim;
	sim_time latency = sim_now(sim) - p->created_ps;

	(*a->received)++;
	*a->received_bytes += p->len_bytes;
	sim_trace(sim, a->trace_id, SIM_TR_RECEIVE, p->len_bytes);
	stats_hist_record(a->latency, latency);
	stats_hist_record(a->queue_delay, p->queued_ps);
	if (!a->hosted) {
		stats_hist_record(a->stage_queueing, p->queued_ps);
		stats_hist_record(a->stage_transmission,
				  latency - p->queued_ps);
	} else {
		for (size_t i = 0; i < SINK_NSTAGES; i++) {
			int f = sink_stage_from[i], t = sink_stage_to[i];
			sim_time from = f < 0 ? p->created_ps : p->stamp_ps[f];
			sim_time to = t < 0 ? sim_now(sim) : p->stamp_ps[t];

			stats_hist_record(a->stage[i], to - from);
		}
	}
	pkt_free(k->pool, p);
}

static void sink_drop(void *owner, struct sim_pkt *p)
{
	struct sink *k = owner;

	(*k->app[p->src].dropped)++;
	pkt_free(k->pool, p);
}

static int sink_stages(struct sink_app *a, struct stats *st, const char *comp)
{
	if (!a->hosted) {
		a->stage_queueing =
			stats_hist(st, comp, "stage.queueing", "ps");
		a->stage_transmission =
			stats_hist(st, comp, "stage.transmission", "ps");
		return a->stage_queueing && a->stage_transmission ? 0 : -ENOMEM;
	}
	for (size_t i = 0; i < SINK_NSTAGES; i++) {
		a->stage[i] = stats_hist(st, comp, sink_stage_names[i], "ps");
		if (!a->stage[i])
			return -ENOMEM;
	}
	return 0;
}

int sink_create(struct sim *sim, struct stats *st, struct pkt_pool *pool,
		size_t napps, const char *const *names, const bool *hosted,
		struct sink **out)
{
	struct sink *k = calloc(1, sizeof(*k) + napps * sizeof(k->app[0]));
	char comp[128];

	if (!k)
		return -ENOMEM;
	k->sim = sim;
	k->pool = pool;
	k->st = st;
	k->napps = napps;
	for (size_t i = 0; i < napps; i++) {
		struct sink_app *a = &k->app[i];

		snprintf(comp, sizeof(comp), "apps.%s", names[i]);
		a->received = stats_counter(st, comp, "received", "packets");
		a->received_bytes =
			stats_counter(st, comp, "received_bytes", "B");
		a->dropped = stats_counter(st, comp, "dropped", "packets");
		a->latency = stats_hist(st, comp, "latency", "ps");
		a->queue_delay = stats_hist(st, comp, "queue_delay", "ps");
		a->hosted = hosted && hosted[i];
		a->trace_id = sim_trace_id(comp);
		if (!a->received || !a->received_bytes || !a->dropped ||
		    !a->latency || !a->queue_delay ||
		    sink_stages(a, st, comp)) {
			free(k);
			return -ENOMEM;
		}
	}
	*out = k;
	return 0;
}

void sink_destroy(struct sink *k)
{
	free(k);
}

struct sim_port sink_input(struct sink *k)
{
	return (struct sim_port){ .recv = sink_recv, .owner = k };
}

struct sim_port sink_drop_input(struct sink *k)
{
	return (struct sim_port){ .recv = sink_drop, .owner = k };
}

uint64_t sink_received(const struct sink *k, size_t app)
{
	return *k->app[app].received;
}

uint64_t sink_dropped(const struct sink *k, size_t app)
{
	return *k->app[app].dropped;
}
