/*
 * ns3net.h - the network between hosts as ns-3 devices: a point-to-point
 * link, a CSMA bus or a Wi-Fi station and access point, behind the same
 * ports as the native link (link.h). Needs the ns3 engine.
 *
 * Its configuration, struct ns3net_cfg, is filled by ns3net_cfg_load()
 * from `network` (ns3net_params.c): the kind, the wired parameters it
 * shares with the native link (link_params.c) and network.wifi.*.
 */
#ifndef USNSIM_NS3NET_H
#define USNSIM_NS3NET_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "param.h"
#include "pkt.h"

struct ns3net;

/* True if network kind `kind` ("ns3-wifi") is one of this model's. */
int ns3net_handles(const char *kind);

enum ns3net_kind { NS3NET_P2P, NS3NET_CSMA, NS3NET_WIFI };
enum ns3net_rc { NS3NET_RC_IDEAL, NS3NET_RC_MINSTREL, NS3NET_RC_CONSTANT };

/* The configuration of an ns-3 network: the parameters under `network`
 * (see link_params.c and ns3net_params.c for their meaning, units and
 * sources). */
struct ns3net_cfg {
	enum ns3net_kind kind;
	const char *kind_name; /* "ns3-wifi" (the scenario's) */
	/* wired kinds */
	double rate_bps;
	sim_time delay_ps;
	uint32_t queue_pkts; /* device queue; Wi-Fi: MAC queue */
	uint64_t overhead_bytes;
	uint64_t min_frame_bytes; /* 0 for Wi-Fi */
	/* ns3-wifi */
	bool wifi_ac; /* 802.11ac (else ax) */
	uint32_t channel_width_mhz;
	enum ns3net_rc rate_control;
	uint32_t mcs; /* constant rate control */
	double distance_m;
	uint32_t max_ampdu_bytes; /* longest best-effort A-MPDU; 0: none */
	sim_time vo_bound_ps, vo_hold_ps; /* the voice bound; 0: none */
	/* "file:line:col: network.kind" and "...: network.wifi.distance",
	 * to begin a message about what only creating the network can
	 * refuse */
	char kind_at[256], distance_at[256];
};

/* Fills cfg from the parameters under prefix ("network"), whose kind must
 * be one of ns3net_handles(). Returns 0, or -EINVAL with "file:line:col:
 * network.KEY: ..." in err for parameters that do not fit: a byte limit
 * on a device queue, an overhead or a minimum frame with Wi-Fi, a minimum
 * frame below what ns-3's CSMA device pads to, an MCS above 9 with
 * 802.11ac constant rate control. */
int ns3net_cfg_load(struct ns3net_cfg *cfg, const struct param_src *src,
		    const char *prefix, char *err, size_t errlen);

/* Creates the network on env->sim, which must be an ns3 engine with
 * nothing scheduled yet, seeding ns-3's own random streams from
 * (env->seed, env->rep, env->component). Registers its statistics under
 * env->component ("network"). Returns 0; -EINVAL with "file:line:col:
 * ..." in err for what only ns-3 can refuse (another engine, a Wi-Fi
 * station too far to associate); -ENOMEM. */
int ns3net_create(const struct ns3net_cfg *cfg, const struct model_env *env,
		  struct ns3net **out, char *err, size_t errlen);
/* NULL is a no-op. Packets still held belong to the packet pool. Needs the
 * ns-3 session still open to silence the devices (else they are gone
 * already, and so is the need). */
void ns3net_destroy(struct ns3net *n);
/* destroy, finish and held_add for the topology's loops. */
extern const struct model_ops ns3net_ops;
/* What the sending side (the Wi-Fi station) sends to the receiving side
 * (the access point), and what the receiving side sends back: each
 * direction has its own device queue, as on a real full-duplex link or a
 * Wi-Fi cell. */
struct sim_port ns3net_input(struct ns3net *n);
struct sim_port ns3net_input_reverse(struct ns3net *n);
/* Where delivered packets go, and where dropped ones go. */
void ns3net_connect(struct ns3net *n, struct sim_port out,
		    struct sim_port drop);
/* Records end-of-run scalars: in_flight and the devices' state (Wi-Fi:
 * snr, the last signal over noise in dB, and retry_ratio, failed over all
 * data transmissions). */
void ns3net_finish(struct ns3net *n);
/* Packets handed to ns-3 and not yet delivered or dropped. */
uint64_t ns3net_in_flight(const struct ns3net *n);
/* Of those, the packets of app src (walks the table: end of run only). */
uint64_t ns3net_held_by(const struct ns3net *n, uint32_t src);
/* The network's rate now: the configured rate, or for Wi-Fi the data rate
 * of the last frame sent (it changes with rate control); packets waiting;
 * and a hook called when Wi-Fi's data rate changes (an interface
 * advisory source). */
double ns3net_rate(const struct ns3net *n);
uint64_t ns3net_backlog(const struct ns3net *n);
void ns3net_on_rate(struct ns3net *n, void (*fn)(void *arg), void *arg);
/* fn(arg, p) when the sending device is done with p as a queued frame:
 * its last bit has been sent (wired devices: their TX completion), or
 * Wi-Fi has taken it into a transmission (an A-MPDU takes every frame
 * waiting, up to its limits, at the start of its PPDU; retransmissions
 * are part of that transmission). It may be called again for p (when it
 * is received): fn must look at what it cleared (the multiplexer does).
 * Frames dropped before go to the drop port instead. */
void ns3net_on_done(struct ns3net *n, void (*fn)(void *arg, struct sim_pkt *p),
		    void *arg);
/* Wi-Fi link quality seen by the sending side (the station): the signal
 * over noise of the last frame it received (the access point's
 * acknowledgements; 0 before any), and its data transmissions and failed
 * ones so far (a retry ratio over an interval is the difference of two
 * samples). Returns false (and fills nothing) for a wired network. */
struct ns3net_quality {
	double snr_db;
	uint64_t tx_frames, retries;
};
bool ns3net_quality(const struct ns3net *n, struct ns3net_quality *out);

#endif
