/*
 * mux.h - a host's transmit multiplexer, between the flow switch and the
 * driver: one of two disciplines, or none.
 *
 *   none            packets go straight on to the driver (no queue here).
 *   reserved_share  two lanes. The low-latency lane is guaranteed `share`
 *                   of the device's capacity by a token bucket (rate share
 *                   x measured capacity, depth ll_burst bytes) and is served ahead of
 *                   best effort while it has tokens; with `borrow` it may
 *                   also use capacity best effort leaves idle. Its packets
 *                   skip the queueing discipline's processing (no
 *                   classification, filters or AQM) and cost nothing here
 *                   (a user-space stack's come by the low-latency netif
 *                   path, models/netif.h, which skips the flow switch
 *                   too); best-effort packets cost qdisc_cost each and
 *                   wait in a CoDel queue.
 *   fq_codel        service classes in strict priority (ctl, vo, vi, rv,
 *                   av, oam, rd, be, bk, bk_sys, highest first), each a
 *                   deficit round robin over per-flow queues (a flow is an
 *                   app) with the class's quantum and RFC 8290's list of
 *                   new flows served first, CoDel on every flow
 *                   queue, and a drop limit over all queues; every packet
 *                   costs qdisc_cost.
 *
 * The device sets the pace: the multiplexer hands the driver packets
 * while the bytes the device has not completed are within its queue's
 * dynamic limit (dql.h, as Linux's byte queue limits), so packets wait
 * here, under the discipline, and the device (NIC or ns-3 device, which
 * serializes each frame once) holds what keeps it busy. The topology
 * reports each frame's completion (mux_completed()). The low-latency
 * lane's share is of the capacity the device shows (its completions while
 * it was the bottleneck), not of a configured rate. The per-packet processing cost is CPU time of
 * whoever hands the packet in (the flow switch's TX, in the syncing
 * thread): mux_cost() says how much; the stack's breakdown shows it as
 * stage.qdisc_tx.
 *
 * Deadlines: a packet whose deadline (pkt->deadline_ps, 0: none) has
 * passed when it is dequeued is reported through the expiry hook with
 * origin PKT_ORIG_MUX; under PKT_EXP_DROP it is then dropped
 * (drops.expired), otherwise sent on.
 *
 * Statistics under COMPONENT (e.g. "hosts.client.mux"): per lane or class
 * C (ll, be; or the ten class names): counters C.enqueued, C.sent,
 * C.drops.limit (queue full), C.drops.aqm (CoDel), drops.expired;
 * histogram C.delay (time from enqueue to leaving the mux); scalars from
 * mux_finish(): in_flight. The class names are mux_class_name().
 *
 * Its configuration, struct mux_cfg, comes from mux_cfg_load()
 * (mux_params.c); the topology keeps it with mux_ops.
 */
#ifndef USNSIM_MUX_H
#define USNSIM_MUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "param.h"
#include "pkt.h"

struct mux;

enum mux_discipline { MUX_NONE, MUX_RESERVED_SHARE, MUX_FQ_CODEL };

/* fq_codel service classes, highest priority first. */
enum mux_class {
	MUX_SC_CTL,
	MUX_SC_VO,
	MUX_SC_VI,
	MUX_SC_RV,
	MUX_SC_AV,
	MUX_SC_OAM,
	MUX_SC_RD,
	MUX_SC_BE,
	MUX_SC_BK,
	MUX_SC_BK_SYS,
	MUX_NCLASSES
};

/* "ctl", "vo", ... "bk_sys"; NULL if out of range. */
const char *mux_class_name(enum mux_class c);
/* The class named name, or -1. */
int mux_class_of(const char *name);

/* The host's NIC's line: its frames' bytes on the wire (what the device's
 * queue and the token bucket count) and the rate the capacity is taken to
 * be until the device's completions have measured it. */
struct mux_line {
	double rate_bps;
	uint32_t min_frame_bytes; /* shorter frames are padded to it */
	uint32_t framing_bytes;	  /* added to every frame on the wire */
};

/* The configuration of a host's multiplexer: the parameters under
 * HOST.mux and the line of HOST.nic (see mux_params.c for their meaning,
 * units and sources). */
struct mux_cfg {
	enum mux_discipline disc;
	bool on_device;		 /* reserved_share placed in the device */
	sim_time access_ps;	 /* device: airtime of a channel access */
	double share;		 /* reserved_share: the ll lane's fraction */
	uint64_t ll_burst_bytes; /* depth of the ll lane's token bucket */
	bool borrow;		 /* the ll lane may use idle capacity */
	sim_time qdisc_cost_ps;	 /* per packet through the qdisc */
	sim_time target_ps, interval_ps; /* CoDel */
	bool ecn; /* CoDel marks ECT packets CE instead of dropping them */
	uint32_t limit_pkts;	/* waiting per lane, or over all queues */
	uint64_t quantum_bytes; /* fq_codel: DRR quantum of class be */
	/* the device's queue: the dynamic byte limit's bounds and hold
	 * time, and the window of busy time the capacity is measured over */
	uint64_t limit_min_bytes, limit_max_bytes;
	sim_time hold_ps, capacity_window_ps;
	struct mux_line line;
};

/* Fills cfg from the parameters of host prefix ("hosts.client"): its mux.*
 * and the line rate, min_frame and framing of its nic. Returns 0, or
 * -EINVAL with "file:line:col: PREFIX.mux.KEY: ..." in err for values
 * that do not go together (reserved_share with a share outside (0, 1] or
 * below 1 bit/s of the line; a CoDel target above its interval; a line
 * below 1 bit/s). With discipline none nothing is refused. */
int mux_cfg_load(struct mux_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen);

/* Creates the multiplexer for napps apps (packets' src < napps),
 * registering its statistics under env->component ("hosts.client.mux").
 * Returns 0, or -ENOMEM with a message in err. */
int mux_create(const struct mux_cfg *cfg, const struct model_env *env,
	       uint32_t napps, struct mux **out, char *err, size_t errlen);
void mux_destroy(struct mux *m); /* NULL is a no-op */
/* destroy, finish and held_add for the topology's loops. */
extern const struct model_ops mux_ops;
enum mux_discipline mux_discipline(const struct mux *m);
/* Where the flow switch hands packets; where they go on (the driver);
 * where dropped ones go. */
struct sim_port mux_input(struct mux *m);
void mux_connect(struct mux *m, struct sim_port to_driver,
		 struct sim_port drop);
/* App src's packets: in the low-latency lane or not (reserved_share; the
 * agent changes it on admission and revocation), and their service class
 * (fq_codel). Default: best effort, class be. */
void mux_set_app(struct mux *m, uint32_t src, bool low_latency,
		 enum mux_class sc);
bool mux_is_low_latency(const struct mux *m, uint32_t src);
/* Processing time of one packet of app src in the queueing discipline:
 * qdisc_cost, or 0 for a packet of the low-latency lane (which skips it)
 * and under discipline none. */
sim_time mux_cost(const struct mux *m, uint32_t src);
/* The low-latency lane's guaranteed rate (bit/s) now: share x the capacity
 * the device shows (the NIC's line rate until measured); 0
 * unless reserved_share. */
double mux_ll_rate(const struct mux *m);
/* The expiry hook: fn(arg, p, PKT_ORIG_MUX) for a packet found past its
 * deadline, before it is dropped or sent on. */
void mux_on_expired(struct mux *m,
		    void (*fn)(void *arg, struct sim_pkt *p, int origin),
		    void *arg);
/* The device took p back from the host: it has left the device (or was
 * dropped on the way). Counts its bytes out of the device's queue (if it
 * held any: pkt->dq_bytes), adjusts the limit and releases what may go.
 * The topology calls it from the device's completion and from the drop
 * port. */
void mux_completed(struct mux *m, struct sim_pkt *p);
/* Packets waiting (all lanes or classes), and those of app src. */
uint32_t mux_backlog(const struct mux *m);
/* Bytes handed to the device and not yet completed. */
uint64_t mux_device_bytes(const struct mux *m);
uint64_t mux_held_by(const struct mux *m, uint32_t src);
/* Records the end-of-run scalars. */
void mux_finish(struct mux *m);

#endif
