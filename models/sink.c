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
 * add up to the mean latency. An app with a stack has, before those,
 * stage.stack_tx (built by its stack), stage.channel_sync (the sync
 * trap), then either stage.flowswitch_tx (the flow switch's copy,
 * classification and check) and stage.qdisc_tx (the queueing
 * discipline's processing), or stage.netif_tx (the low-latency netif
 * path's copy and validation), and after them stage.flowswitch_rx,
 * stage.wakeup and stage.stack_rx. A packet dropped anywhere is handed
 * to the drop port so that every packet ends here, once: this is what makes
 * conservation (sent = received + dropped + in flight) checkable per app.
 * The sink frees every packet it gets, so it holds none at the end; the
 * topology keeps it with sink_ops, for its destruction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "pool.h"
#include "sim.h"
#include "sink.h"
#include "stats.h"

/* Stages of a hosted packet, in path order: each runs from the previous
 * stamp the packet carries (or its creation) to its own stamp (the last:
 * to its arrival here). A stamp of 0 means the packet did not pass there;
 * its stage is then 0 and the next one starts where the last present stamp
 * was, so the stages always add up to the latency. The first five and the
 * last three exist only for apps that send through a stack. */
struct sink_stage {
	const char *name;
	int to; /* stamp that ends it, -1: arrival here */
	bool stack;
};

static const struct sink_stage sink_stages_all[] = {
	{ "stage.stack_tx", PKT_ST_STACK_TX, true },
	{ "stage.channel_sync", PKT_ST_SYNC, true },
	{ "stage.flowswitch_tx", PKT_ST_FSW_TX, true },
	{ "stage.qdisc_tx", PKT_ST_QDISC_TX, true },
	{ "stage.netif_tx", PKT_ST_NETIF_TX, true },
	{ "stage.driver_tx", PKT_ST_DRV_TX_END, false },
	{ "stage.doorbell", PKT_ST_DOORBELL, false },
	{ "stage.nic_tx_dma", PKT_ST_DMA_END, false },
	{ "stage.nic_tx_queue", PKT_ST_WIRE_START, false },
	{ "stage.wire", PKT_ST_WIRE_END, false },
	{ "stage.network", PKT_ST_RX_ARRIVE, false },
	{ "stage.nic_rx_dma", PKT_ST_RX_DMA_END, false },
	{ "stage.notify", PKT_ST_RX_NOTIFY, false },
	{ "stage.driver_rx", PKT_ST_DRV_RX_END, false },
	{ "stage.flowswitch_rx", PKT_ST_FSW_RX, true },
	{ "stage.wakeup", PKT_ST_WAKEUP, true },
	{ "stage.stack_rx", -1, true },
};
#define SINK_NSTAGES (sizeof(sink_stages_all) / sizeof(sink_stages_all[0]))

/* Values a delivery records: latency, queue_delay, then the stages
 * (stage.queueing and stage.transmission for a bare app; the registered
 * host stages, in path order, for a hosted one). */
#define SINK_NVALS (2 + SINK_NSTAGES)
/* Deliveries an app keeps before it records them (a power of two). */
#define SINK_ROWS 8

/* An app's statistics are held in it (stats_counter_at, stats_hist_at).
 * A delivery touches its first line and appends its values to row[]
 * (nvals of them); every SINK_ROWS deliveries, and at the end of the run,
 * the rows go into the histograms one histogram at a time (sink_fold()).
 * Each histogram gets its values in the order they came, so it holds what
 * recording each at delivery would have given, bit for bit, while a
 * delivery touches a few lines of rows instead of a header and a bucket
 * line per histogram. An app whose histograms have a tap (which wants
 * each value at its time) records at delivery instead. */
struct sink_app {
	uint64_t received, received_bytes; /* counters */
	uint64_t measured_bytes;	   /* delivered after the warm-up */
	enum sink_path path;
	uint32_t trace_id;
	uint32_t stages;  /* bit i: stage[i] registered (hosted apps) */
	uint8_t mode;	  /* enum stat_hold_mode: decided at the first
			     delivery, once the run's taps are in place */
	uint8_t nvals;	  /* values per delivery */
	uint8_t nrows;	  /* rows held */
	bool goodput;	  /* measured */
	uint64_t dropped; /* counter */
	const char *comp; /* goodput: its component, for finish */
	int64_t row[SINK_ROWS * SINK_NVALS];
	struct stat_hist latency, queue_delay;
	struct stat_hist stage_queueing, stage_transmission; /* bare apps */
	struct stat_hist stage[SINK_NSTAGES];		     /* hosted apps */
};
_Static_assert(SINK_NSTAGES <= 32, "stages fit sink_app.stages");
_Static_assert(SINK_NVALS <= 255 && SINK_ROWS <= 255, "fit uint8_t");

/* Allocated from the statistics (stats_block), which outlive it: results
 * are read after the models are destroyed. */
struct sink {
	struct sim *sim;
	struct pkt_pool *pool;
	struct stats *st;
	sim_time warmup_ps;	 /* goodput's */
	sim_time hist_warmup_ps; /* the histograms' (stats_warmup()) */
	size_t napps;
	void (*on_drop)(void *arg, struct sim_pkt *p);
	void *on_drop_arg;
	struct sink_app app[];
};

/* The values of a delivery of a's at now into v: latency, queue delay,
 * then the stages a registered; returns how many (a->nvals). Each stage
 * runs from the previous stamp the packet carries (or its creation) to
 * its own stamp (the last: to now); a stamp of 0 means the packet did not
 * pass there, so its stage is 0 and the next starts where the last
 * present stamp was: the stages add up to the latency. */
static size_t sink_values(const struct sink_app *a, const struct sim_pkt *p,
			  sim_time now, int64_t *v)
{
	sim_time from = p->created_ps;
	size_t n = 0;

	v[n++] = now - p->created_ps;
	v[n++] = p->queued_ps;
	if (a->path == SINK_BARE) {
		v[n++] = p->queued_ps;
		v[n++] = now - p->created_ps - p->queued_ps;
		return n;
	}
	for (size_t i = 0; i < SINK_NSTAGES; i++) {
		const struct sink_stage *g = &sink_stages_all[i];
		sim_time to = g->to < 0 ? now : p->stamp_ps[g->to];

		if (!to)
			to = from;
		if (a->stages & 1u << i)
			v[n++] = to - from;
		from = to;
	}
	return n;
}

/* The histogram of a's j-th value (the order of sink_values()). */
static struct stat_hist *sink_hist(struct sink_app *a, size_t j)
{
	if (j < 2)
		return j == 0 ? &a->latency : &a->queue_delay;
	if (a->path == SINK_BARE)
		return j == 2 ? &a->stage_queueing : &a->stage_transmission;
	for (size_t i = 0; i < SINK_NSTAGES; i++)
		if (a->stages & 1u << i && j-- == 2)
			return &a->stage[i];
	return NULL; /* not reached: j < a->nvals */
}

/* Records a's rows, one histogram at a time, and empties them. The
 * histograms' headers, then the bucket lines the rows will count in, are
 * asked for before any is written: a fold's thirty-odd cold lines then
 * arrive together rather than one after another. */
static void sink_fold(struct sink_app *a)
{
	struct hist *h[SINK_NVALS];
	size_t n = a->nvals;

	if (!a->nrows)
		return;
	for (size_t j = 0; j < n; j++) {
		h[j] = &sink_hist(a, j)->hist;
		__builtin_prefetch(h[j], 1);
		__builtin_prefetch(&h[j]->negative, 1);
	}
	for (size_t j = 0; j < n; j++)
		for (size_t r = 0; r < a->nrows; r++)
			hist_prefetch(h[j], a->row[r * n + j]);
	for (size_t j = 0; j < n; j++)
		for (size_t r = 0; r < a->nrows; r++)
			hist_record(h[j], a->row[r * n + j]);
	a->nrows = 0;
}

/* Rows only if no histogram of a's has a tap. */
static enum stat_hold_mode sink_mode_of(struct sink_app *a)
{
	for (size_t j = 0; j < a->nvals; j++)
		if (stats_hist_tapped(sink_hist(a, j)))
			return STAT_HOLD_DIRECT;
	return STAT_HOLD_HELD;
}

void sink_record(struct sink *k, const struct sim_pkt *p)
{
	struct sink_app *a = &k->app[p->src];
	struct sim *sim = k->sim;
	sim_time now = sim_now(sim);
	int64_t v[SINK_NVALS];

	a->received++;
	a->received_bytes += p->len_bytes;
	if (now >= k->warmup_ps)
		a->measured_bytes += p->len_bytes;
	sim_trace(sim, a->trace_id, SIM_TR_RECEIVE, p->len_bytes);
	if (__builtin_expect(a->mode == STAT_HOLD_UNSET, 0))
		a->mode = (uint8_t)sink_mode_of(a);
	if (a->mode == STAT_HOLD_HELD) {
		if (now < k->hist_warmup_ps) /* what stats_hist_record skips */
			return;
		sink_values(a, p, now, &a->row[a->nrows * a->nvals]);
		if (++a->nrows == SINK_ROWS)
			sink_fold(a);
		return;
	}
	sink_values(a, p, now, v);
	for (size_t j = 0; j < a->nvals; j++)
		stats_hist_record(sink_hist(a, j), v[j]);
}

static void sink_recv(void *owner, struct sim_pkt *p)
{
	struct sink *k = owner;

	sink_record(k, p);
	pool_release(p);
	pkt_free(k->pool, p);
}

static void sink_drop(void *owner, struct sim_pkt *p)
{
	struct sink *k = owner;

	if (k->on_drop)
		k->on_drop(k->on_drop_arg, p);
	k->app[p->src].dropped++;
	pool_release(p);
	pkt_free(k->pool, p);
}

static int sink_stages(struct sink_app *a, struct stats *st, const char *comp)
{
	if (a->path == SINK_BARE) {
		if (!stats_hist_at(st, comp, "stage.queueing", "ps",
				   &a->stage_queueing) ||
		    !stats_hist_at(st, comp, "stage.transmission", "ps",
				   &a->stage_transmission))
			return -ENOMEM;
		a->nvals = 4;
		return 0;
	}
	for (size_t i = 0; i < SINK_NSTAGES; i++) {
		const struct sink_stage *g = &sink_stages_all[i];

		if (g->stack && a->path != SINK_STACK)
			continue;
		if (!stats_hist_at(st, comp, g->name, "ps", &a->stage[i]))
			return -ENOMEM;
		a->stages |= 1u << i;
	}
	a->nvals = (uint8_t)(2 + __builtin_popcount(a->stages));
	return 0;
}

/* Goodput of app a: the series of its delivered bytes. */
static int sink_goodput(struct sink_app *a, struct stats *st, const char *comp)
{
	a->goodput = true;
	a->comp = strdup(comp);
	if (!a->comp)
		return -ENOMEM;
	return stats_series_counter(st, comp, "received_bytes",
				    &a->received_bytes);
}

int sink_create(const struct sink_cfg *cfg, const struct model_env *env,
		struct pkt_pool *pool, struct sink **out, char *err,
		size_t errlen)
{
	size_t napps = cfg->napps;
	struct sink *k =
		stats_block(env->st, sizeof(*k) + napps * sizeof(k->app[0]));
	char comp[128];

	if (!k)
		goto out_nomem;
	k->sim = env->sim;
	k->pool = pool;
	k->st = env->st;
	k->warmup_ps = env->warmup_ps;
	k->hist_warmup_ps = stats_warmup(env->st);
	k->napps = napps;
	for (size_t i = 0; i < napps; i++) {
		struct sink_app *a = &k->app[i];
		struct stats *st = env->st;

		snprintf(comp, sizeof(comp), "%s.%s", env->component,
			 cfg->names[i]);
		a->path =
			cfg->paths ? (enum sink_path)cfg->paths[i] : SINK_BARE;
		a->trace_id = sim_trace_id(comp);
		if (!stats_counter_at(st, comp, "received", "packets",
				      &a->received) ||
		    !stats_counter_at(st, comp, "received_bytes", "B",
				      &a->received_bytes) ||
		    !stats_counter_at(st, comp, "dropped", "packets",
				      &a->dropped) ||
		    !stats_hist_at(st, comp, "latency", "ps", &a->latency) ||
		    !stats_hist_at(st, comp, "queue_delay", "ps",
				   &a->queue_delay) ||
		    sink_stages(a, st, comp) ||
		    (cfg->goodput && cfg->goodput[i] &&
		     sink_goodput(a, st, comp))) {
			sink_destroy(k);
			goto out_nomem;
		}
	}
	*out = k;
	return 0;
out_nomem:
	errmsg(err, errlen, "%s: out of memory", env->component);
	return -ENOMEM;
}

void sink_destroy(struct sink *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->napps; i++)
		free((char *)k->app[i].comp);
	/* k is the statistics' (stats_block) */
}

static void sink_ops_destroy(void *m)
{
	sink_destroy(m);
}

/* The rows the apps still hold go into their histograms; then the
 * goodput scalars: bits delivered after the warm-up over the time
 * since. */
static void sink_ops_finish(void *m)
{
	struct sink *k = m;
	sim_time span = sim_now(k->sim) - k->warmup_ps;

	for (size_t i = 0; i < k->napps; i++) {
		struct sink_app *a = &k->app[i];

		sink_fold(a);
		if (a->goodput)
			stats_scalar(k->st, a->comp, "goodput", "bps",
				     span > 0 ? (double)a->measured_bytes * 8 *
							(double)SIM_S /
							(double)span
					      : 0);
	}
}

const struct model_ops sink_ops = {
	.name = "sink",
	.destroy = sink_ops_destroy,
	.finish = sink_ops_finish,
};

struct sim_port sink_input(struct sink *k)
{
	return (struct sim_port){ .recv = sink_recv, .owner = k };
}

void sink_on_drop(struct sink *k, void (*fn)(void *arg, struct sim_pkt *p),
		  void *arg)
{
	k->on_drop = fn;
	k->on_drop_arg = arg;
}

struct sim_port sink_drop_input(struct sink *k)
{
	return (struct sim_port){ .recv = sink_drop, .owner = k };
}

uint64_t sink_received(const struct sink *k, size_t app)
{
	return k->app[app].received;
}

uint64_t sink_dropped(const struct sink *k, size_t app)
{
	return k->app[app].dropped;
}
