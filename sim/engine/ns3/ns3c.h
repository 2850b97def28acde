/*
 * ns3c.h - a plain C API over libns3: the only way usnsim's C code reaches
 * ns-3. No ns-3 (or C++) type appears here; ns3c.cc implements it.
 *
 * ns-3's simulator is a process-wide singleton, and so is this binding: at
 * most one session is open at a time (ns3c_open .. ns3c_close). Sessions
 * may follow each other in one process; closing one destroys the ns-3
 * simulator with every node and device, and the next starts from scratch.
 *
 * Time is usnsim's: signed 64-bit picoseconds (ns-3 runs with picosecond
 * resolution, set once per process before any ns-3 time exists). A
 * session's time 0 is where usnsim's run starts; setting up a Wi-Fi
 * network runs ns-3 for a while first (association), and that happens
 * before time 0, so results are as if the stations had been associated
 * when the run began.
 *
 * Events: C callbacks scheduled at absolute times. Events at equal times run
 * in the order they were scheduled (ns-3's scheduler orders by time, then
 * by the uid it gives each event in scheduling order). Devices call back
 * into C when a frame starts its first transmission, arrives at the far
 * end, or is dropped. Before and after each call from ns-3 into C (an event
 * or a device callback) the session's hooks run, so that the engine above
 * can keep its clock.
 *
 * Random numbers: ns-3's own models (Wi-Fi backoff, CSMA backoff, rate
 * control sampling) draw from ns-3's streams, seeded with ns3c_seed() and
 * numbered per session, so a session's draws depend on nothing but that
 * seed. Nothing else in usnsim uses them.
 *
 * Errors: functions return 0 or a negative errno; nothing here exits. Bad
 * configurations that ns-3 would abort on are refused with -EINVAL instead.
 */
#ifndef USNSIM_NS3C_H
#define USNSIM_NS3C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An event handler: the argument given to ns3c_schedule_at(). */
typedef void (*ns3c_fn)(void *arg);

/* Called (with ctx) before and after every call from ns-3 into C. */
struct ns3c_hooks {
	void (*enter)(void *ctx);
	void (*leave)(void *ctx);
	void *ctx;
};

/* Opens the session. Returns 0; -EBUSY if a session is open already (the
 * ns-3 simulator is a singleton); -ENOMEM. hooks may be NULL. */
int ns3c_open(const struct ns3c_hooks *hooks);
/* Destroys the simulator and everything made in the session (nodes,
 * devices, pending events). Without an open session: a no-op. */
void ns3c_close(void);
bool ns3c_is_open(void);

/* Seeds ns-3's random streams for what is created afterwards (seed: any
 * 64-bit value; it is folded into ns-3's seed and run numbers). */
void ns3c_seed(uint64_t seed);

/* Schedules fn(arg) at time at_ps (>= ns3c_now()). Returns an id (never 0),
 * or 0 if no session is open, at_ps is in the past or too far ahead. */
uint64_t ns3c_schedule_at(int64_t at_ps, ns3c_fn fn, void *arg);
/* Removes a pending event; its argument goes to *arg (if arg is not NULL).
 * Returns 0, or -ENOENT if it already ran or was cancelled. */
int ns3c_cancel(uint64_t id, void **arg);
/* Runs events with time <= until_ps, or until ns3c_stop(). With until_ps <
 * INT64_MAX the clock stands at until_ps afterwards unless stopped early;
 * with INT64_MAX it runs until no event is left (never, with a Wi-Fi
 * network: access points beacon for ever). Events of ns-3's own models
 * at exactly until_ps may be left for the next call. */
void ns3c_run(int64_t until_ps);
/* Makes ns3c_run() return after the current event. */
void ns3c_stop(void);
int64_t ns3c_now(void);
/* Events scheduled with ns3c_schedule_at() and still pending. */
uint64_t ns3c_pending(void);
/* Events executed since time 0: the C events and those of ns-3's models
 * (devices, channels, MACs), not the binding's own bookkeeping. */
uint64_t ns3c_events(void);

/*
 * Nodes and devices. Handles belong to the session and are freed by
 * ns3c_close(). A frame is sent with a 64-bit id chosen by the caller,
 * which comes back in the callbacks of the devices involved; frames of
 * ns-3's own (beacons, acknowledgements) never reach C.
 */
struct ns3c_node;
struct ns3c_dev;

/* A node at a position in metres (it matters to Wi-Fi only). Returns NULL
 * without a session or on allocation failure. */
struct ns3c_node *ns3c_node_create(double x_m, double y_m, double z_m);

/* Wired links: point-to-point between two nodes, or a CSMA bus (shared
 * medium, Ethernet framing) over n nodes. rate_bps and delay_ps configure
 * the wire (for CSMA the channel); each device has a drop-tail transmit
 * queue of queue_packets frames, not counting the one being sent. */
struct ns3c_wire_cfg {
	double rate_bps;
	int64_t delay_ps;
	uint32_t queue_packets;
};

/* Returns 0 and the devices on a and b; -EINVAL (bad configuration, a and
 * b the same node, no session); -ENOMEM. */
int ns3c_p2p_create(struct ns3c_node *a, struct ns3c_node *b,
		    const struct ns3c_wire_cfg *cfg, struct ns3c_dev **da,
		    struct ns3c_dev **db);
/* Returns 0 and devs[0..n); -EINVAL (n < 2, bad configuration); -ENOMEM. */
int ns3c_csma_create(struct ns3c_node *const *nodes, size_t n,
		     const struct ns3c_wire_cfg *cfg, struct ns3c_dev **devs);

enum ns3c_wifi_standard {
	NS3C_WIFI_AC, /* 802.11ac (VHT), 5 GHz */
	NS3C_WIFI_AX, /* 802.11ax (HE), 5 GHz */
};

enum ns3c_rate_control {
	NS3C_RC_IDEAL,	  /* ns-3 IdealWifiManager: best MCS for the SNR */
	NS3C_RC_MINSTREL, /* ns-3 MinstrelHtWifiManager (Linux minstrel_ht) */
	NS3C_RC_CONSTANT, /* one MCS for every data frame */
};

struct ns3c_wifi_cfg {
	enum ns3c_wifi_standard standard;
	uint32_t channel_width_mhz; /* 20, 40, 80 or 160 */
	enum ns3c_rate_control rate_control;
	uint32_t mcs;		/* NS3C_RC_CONSTANT only */
	uint32_t queue_packets; /* MAC queue of each device */
	uint32_t
		max_ampdu_bytes; /* longest best-effort and background A-MPDU; 0: none */
	/* While the device sends voice (user priority 6 or 7), and for
	 * vo_hold_ps after its last voice frame, its best-effort and
	 * background A-MPDUs carry at most vo_bound_ps of airtime at the rate
	 * of its last data frame; 0: no bound. */
	uint64_t vo_bound_ps, vo_hold_ps;
};

/*
 * A Wi-Fi network: an access point on node ap and one station on each of
 * stas[0..n), one channel with log-distance path loss between them. When
 * it returns, every station is associated: that part of the simulation
 * runs before time 0. Returns 0 and the devices; -EINVAL (bad
 * configuration, or n == 0); -EBUSY if C events are pending or the clock
 * has left 0 (association must come first); -ETIMEDOUT if some station
 * cannot associate within a second (too far for the channel width);
 * -ENOMEM.
 */
int ns3c_wifi_create(struct ns3c_node *ap, struct ns3c_node *const *stas,
		     size_t n, const struct ns3c_wifi_cfg *cfg,
		     struct ns3c_dev **ap_dev, struct ns3c_dev **sta_devs);

enum ns3c_drop {
	NS3C_DROP_QUEUE_FULL, /* the transmit queue was full */
	NS3C_DROP_RETRIES,    /* Wi-Fi gave up: retry limit reached */
	NS3C_DROP_LIFETIME,   /* Wi-Fi gave up: queued for too long */
};

/* What a device reports, each with the callbacks' ctx. Any may be NULL. */
struct ns3c_dev_cb {
	/* On the sender: the frame id starts its first transmission on the
	 * medium (it may be reported again for retransmissions). */
	void (*tx_start)(void *ctx, uint64_t id);
	/* On the sender: the last bit of frame id was sent (wired devices;
	 * Wi-Fi reports none: its frames are done when received). */
	void (*tx_done)(void *ctx, uint64_t id);
	/* On the receiver: frame id arrived, len_bytes as sent. */
	void (*rx)(void *ctx, uint64_t id, uint32_t len_bytes);
	/* On the sender: frame id was dropped after ns3c_dev_send()
	 * accepted it. */
	void (*drop)(void *ctx, uint64_t id, enum ns3c_drop why);
	/* On the sender: the data rate of its data frames changed. */
	void (*rate)(void *ctx, double rate_bps);
	void *ctx;
};

void ns3c_dev_set_cb(struct ns3c_dev *d, const struct ns3c_dev_cb *cb);

/* Bytes a wired device adds to each frame (PPP header; Ethernet header
 * and FCS), so a caller can size frames to a given length on the wire;
 * 0 for Wi-Fi, whose MAC framing is part of its timing. CSMA also pads
 * frames to Ethernet's 64-byte minimum. */
uint32_t ns3c_dev_framing(const struct ns3c_dev *d);
/* The idle time a device leaves after each frame, in bytes at its rate:
 * 12 for CSMA (Ethernet's 96-bit inter-frame gap, which ns-3's
 * CsmaNetDevice sets when attached), 0 for the others. */
uint32_t ns3c_dev_gap(const struct ns3c_dev *d);

/* Sends a frame of len_bytes bytes (payload, before the device's framing)
 * carrying id from device `from` to device `to`. Returns 0 (the frame is
 * the device's now: expect rx or drop); -ENOBUFS if the transmit queue
 * refused it at once (no drop callback then); -EINVAL (not the same
 * network, or not a session's device). */
int ns3c_dev_send(struct ns3c_dev *from, const struct ns3c_dev *to, uint64_t id,
		  uint32_t len_bytes);
/* The same with an IEEE 802.1D user priority, 0..7 (-EINVAL above): a
 * Wi-Fi device queues the frame in the access category of that priority
 * (EDCA: 6 and 7 voice, 4 and 5 video, 0 and 3 best effort, 1 and 2
 * background) and serves the categories by their contention parameters;
 * wired devices have one queue and ignore it. ns3c_dev_send() is priority
 * 0. */
int ns3c_dev_send_prio(struct ns3c_dev *from, const struct ns3c_dev *to,
		       uint64_t id, uint32_t len_bytes, uint8_t prio);

/* Device state, for models that watch the network. */
struct ns3c_dev_state {
	double rate_bps;	 /* configured line rate; Wi-Fi: rate of
				     the last data frame sent (0: none) */
	uint32_t queue_packets;	 /* frames in the device's queue (Wi-Fi:
				     the MAC queues of the four access
				     categories, including frames sent but
				     not yet acknowledged) */
	uint64_t tx_frames;	 /* data transmissions begun (with
				     retransmissions) */
	uint64_t retries;	 /* Wi-Fi: data transmissions that failed */
	uint64_t final_failures; /* Wi-Fi: frames given up after retries */
	uint64_t rate_changes;	 /* Wi-Fi: changes of the data rate */
	double snr_db;		 /* Wi-Fi: signal over noise of the last
				     frame the device received (its peer's
				     acknowledgements, for a sender); 0:
				     none yet */
	uint64_t vo_bounds;	 /* Wi-Fi: times the voice bound began */
	int64_t vo_bound_ps;	 /* Wi-Fi: time the voice bound held */
	uint32_t vo_psdu_max;	 /* Wi-Fi: longest best-effort or background
				     PSDU begun under the voice bound, B */
	uint32_t vo_psdu_bound;	 /* Wi-Fi: the bound in force then, B */
	uint64_t rx_frames;	 /* Wi-Fi: frames the device's PHY received
				     (those snr_db is measured on) */
};

void ns3c_dev_query(const struct ns3c_dev *d, struct ns3c_dev_state *out);

/*
 * Benchmarks (bench/bench.c): ns-3 on its own, as the reference usnsim is
 * measured against. Each runs ns3::Simulator outside any session and
 * destroys it before returning; -EBUSY while a session is open. Wall times
 * cover the simulation only (Simulator::Run), not the set-up.
 */

/* Draws the next delay of the hold model in picoseconds (>= 0). */
typedef int64_t (*ns3c_delay_fn)(void *ctx);

/* The hold model on ns3::Simulator with the scheduler named by its ns-3
 * type ("ns3::MapScheduler", "ns3::HeapScheduler",
 * "ns3::PriorityQueueScheduler", "ns3::CalendarScheduler"): n events are
 * scheduled delay(ctx) after time 0, then every event that runs schedules
 * one successor delay(ctx) later, until `events` events have run. Returns
 * 0 and the wall time of those events in *wall_s; -EINVAL (not a
 * scheduler type, n or events 0, delay NULL); -EBUSY; -ENOMEM. */
int ns3c_bench_hold(const char *scheduler, uint32_t n, uint64_t events,
		    ns3c_delay_fn delay, void *ctx, double *wall_s);

/* ns-3's own two-node UDP client and server (UdpClient to UdpServer, full
 * internet stacks) over a 10 Gb/s point-to-point link with 1 us of delay:
 * `packets` datagrams of 64 bytes (UDP payload), one every 500 ns. Returns
 * 0, the wall time in *wall_s, the events ns-3 ran in *events and the
 * datagrams the server received in *received; -EINVAL (packets 0 or above
 * UINT32_MAX); -EBUSY; -ENOMEM. */
int ns3c_bench_udp_p2p(uint64_t packets, double *wall_s, uint64_t *events,
		       uint64_t *received);

/* The most pairs ns3c_bench_udp_pairs takes: a /30 each in 10.64.0.0/14. */
#define NS3C_PAIRS_MAX 65536u

/* `pairs` independent copies of ns-3's two-node UDP client and server
 * (UdpClient to UdpServer, full internet stacks), each over a 10 Gb/s
 * point-to-point link of its own with 1 us of delay and a /30 of its own:
 * 2 * pairs nodes. Each client sends ceil(packets / pairs) datagrams of
 * 64 bytes (UDP payload), one every 100 us (10,000 per second), from a
 * start offset drawn uniformly in [0, 100 us) by ns-3's own generator
 * under a fixed seed, so that the pairs interleave; the run lasts until
 * 1 ms after the last client's last datagram. Returns 0, the CPU seconds
 * (CLOCK_PROCESS_CPUTIME_ID) of the set-up in *setup_cpu_s: nodes,
 * stacks, links, addresses, applications, and the first
 * NS3C_PAIRS_STARTUP_MS of simulated time (the applications started,
 * sockets opened, each pair's address resolution and first datagrams),
 * a cost per pair rather than per packet; of the rest of Simulator::Run
 * in *run_cpu_s; the datagrams all servers received in *received, and
 * those received in the rest in *timed. -EINVAL (pairs 0 or above
 * NS3C_PAIRS_MAX, packets 0 or above UINT32_MAX, an output NULL); -EBUSY;
 * -ENOMEM. */
#define NS3C_PAIRS_STARTUP_MS 1
int ns3c_bench_udp_pairs(unsigned pairs, uint64_t packets, double *setup_cpu_s,
			 double *run_cpu_s, uint64_t *received,
			 uint64_t *timed);

/*
 * ns-3's own TCP, as the reference usnsim's TCP model (models/tcp.c) is
 * cross-checked against (tests/test_tcp.c, docs/models/tcp.md). Runs
 * ns3::Simulator outside any session, like the benchmarks: two nodes with
 * ns-3's internet stack over one point-to-point link (full duplex, each
 * direction its own device queue), `flows` BulkSendApplications on the
 * first node writing without end to as many PacketSinks on the second.
 *
 * The settings that make ns-3's TCP the one usnsim models (each an ns-3
 * attribute, set as a default for the run and restored afterwards):
 * TcpL4Protocol::SocketType = cc; TcpL4Protocol::RecoveryType =
 * TcpClassicRecovery (RFC 5681/6582 fast recovery, not PRR);
 * TcpSocket::SegmentSize = mss; InitialCwnd 10; DelAckCount = ack_every;
 * DelAckTimeout 40 ms; SndBufSize and RcvBufSize = rcv_buf_bytes;
 * TcpSocketBase::MinRto 200 ms; ClockGranularity 1 ms; Sack false;
 * Timestamp true (the 12 bytes of options usnsim's header counts);
 * WindowScaling true; LimitedTransmit false (RFC 3042, which usnsim
 * does not model); TcpSocketState::EnablePacing false; TcpCubic::HyStart
 * false (usnsim's slow start is RFC 5681's); RttEstimator::
 * InitialEstimation 1 s. The bottleneck is the sending device's own
 * DropTailQueue of queue_pkts packets (the one being sent is not in it,
 * as in models/link.c): ns-3's traffic control is removed from both
 * devices (TrafficControlHelper::Uninstall), so no queue disc stands in
 * front of it.
 */

/* What one flow of ns3c_tcp_p2p did between warm_ps and end_ps. */
struct ns3c_tcp_flow {
	uint64_t rx_bytes;	   /* bytes its sink received */
	uint64_t reductions;	   /* window reductions: entries into fast
				recovery (CA_RECOVERY) or loss (CA_LOSS) */
	uint64_t timeouts;	   /* of which entries into CA_LOSS (RTO) */
	int64_t first_ps, last_ps; /* the first and last reduction */
	uint64_t ssthresh_sum;	   /* of the ssthresh each reduction set,
				      bytes */
};

struct ns3c_tcp_p2p_cfg {
	const char *cc;	  /* "ns3::TcpNewReno", "ns3::TcpCubic", or
			      "usnsim::TcpNewRenoBytes": TcpNewReno with
			      RFC 3465 byte counting in congestion
			      avoidance (none on the ACK that ends fast
			      recovery), as usnsim's model counts */
	double rate_bps;  /* the link's rate, each way */
	int64_t delay_ps; /* its one-way propagation delay */
	uint32_t queue_pkts;
	uint32_t flows;		 /* 1 .. NS3C_TCP_MAX_FLOWS */
	int64_t stagger_ps;	 /* flow i starts at i x stagger_ps */
	int64_t warm_ps, end_ps; /* the window measured */
	uint32_t mss_bytes;
	uint32_t rcv_buf_bytes; /* each socket's send and receive buffer */
	uint32_t ack_every;	/* TcpSocket::DelAckCount (usnsim's 2) */
};

#define NS3C_TCP_MAX_FLOWS 64

/* Runs cfg and fills flows[0 .. cfg->flows - 1]; *frame_bytes is the
 * largest frame the sending device put on the wire (a full segment with
 * its TCP, IP and PPP headers). Returns 0; -EINVAL (cc not a congestion
 * control type, flows out of range, a rate, MSS, queue, buffer or
 * ack_every of 0,
 * end_ps not after warm_ps); -EBUSY while a session is open; -ENOMEM. */
int ns3c_tcp_p2p(const struct ns3c_tcp_p2p_cfg *cfg,
		 struct ns3c_tcp_flow *flows, uint32_t *frame_bytes);

#ifdef __cplusplus
}
#endif

#endif
