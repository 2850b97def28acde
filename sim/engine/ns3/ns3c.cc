/*
 * ns3c.cc - the C binding to libns3 declared in ns3c.h; the only C++ file
 * of usnsim.
 *
 * One session at a time, because ns3::Simulator is a process-wide
 * singleton: the session's state is this file's `g`, reset by
 * ns3c_close(), which also calls Simulator::Destroy() so that the next
 * session starts from an empty simulator, node list and clock.
 *
 * Events. A C event is a slot in a vector (handler, argument, time,
 * generation) and an ns-3 event that calls Fire() with the slot's id; an
 * id is (generation << 32 | slot), so a stale id is recognised. ns-3's
 * default scheduler orders events by (time, uid) and gives uids in
 * scheduling order, so C events at equal times run in the order they were
 * scheduled, as on the native engine.
 *
 * Running until a time. ns3c_run(until) schedules a sentinel event at
 * `until`; when it runs while C events due at `until` are still pending
 * (they were scheduled after the sentinel, so they come after it), it
 * reschedules itself behind them; otherwise it stops the simulator. So
 * every C event with time <= until runs, like on the native engine, and
 * the clock ends at `until`. Sentinels are not counted as events.
 *
 * Time 0. Setting up Wi-Fi runs ns-3 until the stations are associated;
 * the ns-3 time at which that ends becomes usnsim's time 0 (`offset`),
 * and the events it took are not counted.
 *
 * Frames carry their id in a packet tag, which ns-3 keeps through queues,
 * headers, channels and Wi-Fi (re)transmissions, and which frames of
 * ns-3's own (beacons, acknowledgements) do not have. Every stream of
 * ns-3's random variables used by a device is assigned explicitly,
 * numbered from 0 in each session, so a session's draws depend only on
 * ns3c_seed() and not on what ran before in the process.
 *
 * Benchmarks (ns3c_bench_*) and the TCP cross-check (ns3c_tcp_p2p) use
 * the simulator between sessions: they set its scheduler or build their
 * own nodes, run, and destroy it, so a session that follows starts from
 * scratch as after ns3c_close(). ns3c_tcp_p2p's attribute defaults are
 * put back before it returns.
 */
#include "ns3c.h"

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <ctime>
#include <set>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <ns3/ap-wifi-mac.h>
#include <ns3/boolean.h>
#include <ns3/bulk-send-helper.h>
#include <ns3/bulk-send-application.h>
#include <ns3/config.h>
#include <ns3/constant-position-mobility-model.h>
#include <ns3/csma-helper.h>
#include <ns3/csma-net-device.h>
#include <ns3/data-rate.h>
#include <ns3/internet-stack-helper.h>
#include <ns3/ipv4-address-helper.h>
#include <ns3/node.h>
#include <ns3/nstime.h>
#include <ns3/object-factory.h>
#include <ns3/packet.h>
#include <ns3/packet-sink.h>
#include <ns3/packet-sink-helper.h>
#include <ns3/point-to-point-helper.h>
#include <ns3/point-to-point-net-device.h>
#include <ns3/rng-seed-manager.h>
#include <ns3/scheduler.h>
#include <ns3/qos-utils.h>
#include <ns3/random-variable-stream.h>
#include <ns3/simulator.h>
#include <ns3/socket.h>
#include <ns3/ssid.h>
#include <ns3/sta-wifi-mac.h>
#include <ns3/string.h>
#include <ns3/tcp-congestion-ops.h>
#include <ns3/tcp-recovery-ops.h>
#include <ns3/tcp-socket-base.h>
#include <ns3/tcp-socket-state.h>
#include <ns3/traffic-control-helper.h>
#include <ns3/tag.h>
#include <ns3/udp-client-server-helper.h>
#include <ns3/udp-server.h>
#include <ns3/uinteger.h>
#include <ns3/wifi-helper.h>
#include <ns3/wifi-mac-queue.h>
#include <ns3/wifi-mac.h>
#include <ns3/wifi-net-device.h>
#include <ns3/wifi-phy.h>
#include <ns3/wifi-psdu.h>
#include <ns3/wifi-remote-station-manager.h>
#include <ns3/yans-wifi-helper.h>

using namespace ns3;

/* Ethertypes of usnsim frames: IEEE 802 local experimental; IPv4 on
 * point-to-point links, whose PPP framing knows only IP. */
#define NS3C_PROTO 0x88b5
#define NS3C_PROTO_PPP 0x0800
#define NS3C_PPP_HEADER 2
#define NS3C_ETH_FRAMING 18 /* 14 B header + 4 B FCS */
/* CsmaNetDevice::Attach() sets its interframe gap to 96 bit times (12 B at
 * the channel's rate), which it waits after each frame. */
#define NS3C_ETH_GAP 12
/* How long stations may take to associate before it counts as failure. */
#define NS3C_ASSOC_WAIT_S 1.0
/* ns3c_bench_udp_p2p: the server's port and the client's interval. */
#define NS3C_BENCH_PORT 9
#define NS3C_BENCH_INTERVAL_NS 500
/* ns3c_bench_udp_pairs: each client's interval (10,000 packets per
 * second), the span its start offset is drawn from, the seed, run and
 * stream of that draw, and the time left after the last packet is sent. */
#define NS3C_PAIRS_INTERVAL_US 100
#define NS3C_PAIRS_OFFSET_NS 100000.0
#define NS3C_PAIRS_SEED 1
#define NS3C_PAIRS_RUN 1
#define NS3C_PAIRS_STREAM 0
#define NS3C_PAIRS_TAIL_MS 1
/* ns3c_tcp_p2p: the first sink's port (flow i listens on this + i). */
#define NS3C_TCP_PORT 5000

namespace
{

/* The id (and length as sent) of a usnsim frame. */
class IdTag : public Tag
{
      public:
	uint64_t id = 0;
	uint32_t len = 0;

	static TypeId GetTypeId()
	{
		static TypeId tid = TypeId("usnsim::Ns3cIdTag")
					    .SetParent<Tag>()
					    .SetGroupName("usnsim")
					    .AddConstructor<IdTag>();
		return tid;
	}
	TypeId GetInstanceTypeId() const override
	{
		return GetTypeId();
	}
	uint32_t GetSerializedSize() const override
	{
		return 12;
	}
	void Serialize(TagBuffer b) const override
	{
		b.WriteU64(id);
		b.WriteU32(len);
	}
	void Deserialize(TagBuffer b) override
	{
		id = b.ReadU64();
		len = b.ReadU32();
	}
	void Print(std::ostream &os) const override
	{
		os << "usnsim id=" << id << " len=" << len;
	}
};

struct Slot {
	EventId ev;
	ns3c_fn fn = nullptr;
	void *arg = nullptr;
	int64_t at = 0; /* usnsim time */
	uint32_t gen = 1;
	uint32_t next = UINT32_MAX; /* free list */
	bool live = false;
};

} // namespace

enum ns3c_kind { KIND_P2P, KIND_CSMA, KIND_WIFI };

struct ns3c_node {
	Ptr<Node> node;
};

struct ns3c_dev {
	ns3c_kind kind;
	uint32_t net; /* devices of one network share it */
	Ptr<NetDevice> dev;
	ns3c_dev_cb cb = {};
	double line_rate_bps = 0;
	double last_rate_bps = 0;
	uint64_t tx_frames = 0, retries = 0, final_failures = 0;
	uint64_t rate_changes = 0;
	double snr_db = 0;
	uint64_t rx_frames = 0;
	/* The voice bound (ns3c_wifi_cfg.vo_bound_ps): */
	uint32_t ampdu_bytes = 0; /* the configured A-MPDU bound */
	int64_t vo_bound_ps = 0, vo_hold_ps = 0;
	int64_t vo_last = 0;   /* ns-3 time of the last voice frame */
	int64_t vo_since = -1; /* when the bound began; -1: off */
	uint32_t vo_bytes = 0; /* the bound in force, in bytes */
	uint64_t vo_bounds = 0;
	int64_t vo_bound_total = 0; /* time it held, ps */
	uint32_t vo_psdu_max = 0;   /* longest BE/BK PSDU under the bound */
	uint32_t vo_psdu_bound = 0; /* the bound it was sent under */

	void VoiceSent();
	void VoiceApply();
	void VoiceCheck();
	void SetBulkAmpdu(uint32_t b);

	bool OnRx(Ptr<NetDevice>, Ptr<const Packet> p, uint16_t,
		  const Address &);
	void OnTxBegin(Ptr<const Packet> p);
	void OnTxEnd(Ptr<const Packet> p);
	void OnCsmaGiveUp(Ptr<const Packet> p);
	void OnPsduBegin(WifiConstPsduMap psdus, WifiTxVector txv, double);
	void OnDroppedMpdu(WifiMacDropReason why, Ptr<const WifiMpdu> mpdu);
	void OnMacTxDrop(Ptr<const Packet> p);
	void OnDataFailed(Mac48Address)
	{
		retries++;
	}
	void OnFinalDataFailed(Mac48Address)
	{
		final_failures++;
	}
	void OnSnifferRx(Ptr<const Packet>, uint16_t, WifiTxVector, MpduInfo,
			 SignalNoiseDbm sn, uint16_t)
	{
		snr_db = sn.signal - sn.noise;
		rx_frames++;
	}
	void OnAssoc(Mac48Address);
};

namespace
{

struct Session {
	bool open = false;
	ns3c_hooks hooks = {};
	std::vector<Slot> slots;
	uint32_t free_head = UINT32_MAX;
	uint64_t live = 0;
	int64_t offset = 0;	  /* ns-3 ps at usnsim time 0 */
	uint64_t events_base = 0; /* ns-3's event count at time 0 */
	uint64_t bookkeeping = 0; /* sentinels run since time 0 */
	bool running = false;	  /* in an ns3c_run() with a sentinel */
	int64_t until = 0;	  /* of the current ns3c_run() */
	uint64_t at_until = 0;	  /* C events pending at exactly `until` */
	EventId sentinel;
	int64_t next_stream = 0;
	uint32_t nets = 0;
	size_t assoc_pending = 0;
	std::vector<std::unique_ptr<ns3c_node>> nodes;
	std::vector<std::unique_ptr<ns3c_dev>> devs;
};

Session g;
bool resolution_set;

int64_t NowNs3()
{
	return Simulator::Now().GetPicoSeconds();
}

Time Ps(int64_t ps)
{
	return Time::FromInteger(static_cast<uint64_t>(ps), Time::PS);
}

/* ns-3's time resolution is set once per process, before it is used. */
void UsePicoseconds()
{
	if (!resolution_set) {
		Time::SetResolution(Time::PS);
		resolution_set = true;
	}
}

void Enter()
{
	if (g.hooks.enter)
		g.hooks.enter(g.hooks.ctx);
}

void Leave()
{
	if (g.hooks.leave)
		g.hooks.leave(g.hooks.ctx);
}

bool PeekId(Ptr<const Packet> p, IdTag &t)
{
	return p && p->PeekPacketTag(t);
}

uint32_t SlotAlloc()
{
	uint32_t i = g.free_head;

	if (i == UINT32_MAX) {
		g.slots.emplace_back();
		return static_cast<uint32_t>(g.slots.size() - 1);
	}
	g.free_head = g.slots[i].next;
	return i;
}

void SlotFree(uint32_t i)
{
	Slot &s = g.slots[i];

	s.live = false;
	s.ev = EventId();
	s.gen = s.gen == UINT32_MAX ? 1 : s.gen + 1;
	s.next = g.free_head;
	g.free_head = i;
	g.live--;
}

/* The slot of a live id, or nullptr. */
Slot *SlotOf(uint64_t id)
{
	uint32_t i = static_cast<uint32_t>(id);

	if (i >= g.slots.size())
		return nullptr;
	Slot &s = g.slots[i];
	if (!s.live || s.gen != static_cast<uint32_t>(id >> 32))
		return nullptr;
	return &s;
}

void Fire(uint64_t id)
{
	Slot *s = SlotOf(id);

	if (!s)
		return;
	ns3c_fn fn = s->fn;
	void *arg = s->arg;
	if (g.running && s->at == g.until)
		g.at_until--;
	SlotFree(static_cast<uint32_t>(id));
	Enter();
	fn(arg);
	Leave();
}

void Sentinel()
{
	g.bookkeeping++;
	if (g.at_until > 0) {
		g.sentinel = Simulator::ScheduleNow(&Sentinel);
		return;
	}
	g.sentinel = EventId();
	Simulator::Stop();
}

void StopNow()
{
	Simulator::Stop();
}

ns3c_dev *AddDev(ns3c_kind kind, uint32_t net, Ptr<NetDevice> d)
{
	auto dev = std::make_unique<ns3c_dev>();

	dev->kind = kind;
	dev->net = net;
	dev->dev = d;
	g.devs.push_back(std::move(dev));
	return g.devs.back().get();
}

bool WireOk(const ns3c_wire_cfg *cfg)
{
	return cfg && cfg->rate_bps >= 1 && cfg->rate_bps < 1.8e19 &&
	       cfg->delay_ps >= 0 && cfg->queue_packets >= 1;
}

QueueSizeValue Packets(uint32_t n)
{
	return QueueSizeValue(QueueSize(QueueSizeUnit::PACKETS, n));
}

} // namespace

bool ns3c_dev::OnRx(Ptr<NetDevice>, Ptr<const Packet> p, uint16_t,
		    const Address &)
{
	IdTag t;

	if (cb.rx && PeekId(p, t)) {
		Enter();
		cb.rx(cb.ctx, t.id, t.len);
		Leave();
	}
	return true;
}

void ns3c_dev::OnTxBegin(Ptr<const Packet> p)
{
	IdTag t;

	if (!PeekId(p, t))
		return;
	tx_frames++;
	if (cb.tx_start) {
		Enter();
		cb.tx_start(cb.ctx, t.id);
		Leave();
	}
}

void ns3c_dev::OnTxEnd(Ptr<const Packet> p)
{
	IdTag t;

	if (cb.tx_done && PeekId(p, t)) {
		Enter();
		cb.tx_done(cb.ctx, t.id);
		Leave();
	}
}

/* CSMA aborts a frame after too many backoffs on a busy bus. */
void ns3c_dev::OnCsmaGiveUp(Ptr<const Packet> p)
{
	IdTag t;

	if (cb.drop && PeekId(p, t)) {
		Enter();
		cb.drop(cb.ctx, t.id, NS3C_DROP_RETRIES);
		Leave();
	}
}

void ns3c_dev::OnPsduBegin(WifiConstPsduMap psdus, WifiTxVector txv, double)
{
	for (const auto &sp : psdus) {
		bool ours = false;

		for (const auto &mpdu : *sp.second) {
			IdTag t;

			if (!PeekId(mpdu->GetPacket(), t))
				continue;
			ours = true;
			tx_frames++;
			if (cb.tx_start) {
				Enter();
				cb.tx_start(cb.ctx, t.id);
				Leave();
			}
		}
		if (!ours)
			continue;
		std::set<uint8_t> tids = sp.second->GetTids();
		if (vo_since >= 0 && !tids.empty() && *tids.rbegin() < 4 &&
		    sp.second->GetSize() > vo_psdu_max) {
			vo_psdu_max = sp.second->GetSize();
			vo_psdu_bound = vo_bytes;
		}
		double rate = static_cast<double>(
			txv.GetMode(sp.first).GetDataRate(txv, sp.first));
		if (rate == last_rate_bps)
			continue;
		if (last_rate_bps != 0)
			rate_changes++;
		last_rate_bps = rate;
		if (vo_since >= 0)
			VoiceApply();
		if (cb.rate) {
			Enter();
			cb.rate(cb.ctx, rate);
			Leave();
		}
	}
}

/* The voice bound: a frame of user priority 6 or 7 (Wi-Fi's voice access
 * category) starts it or extends it; while it holds, the best-effort and
 * background A-MPDU limit is the airtime vo_bound_ps at the rate of the
 * last data frame (the PHY preamble aside), never above the configured
 * limit, and no aggregation (single MPDUs) before the device has sent a
 * data frame and so knows no rate; vo_hold_ps after the last voice frame
 * the configured limit returns. */
void ns3c_dev::VoiceApply()
{
	double bytes = last_rate_bps * (double)vo_bound_ps / 8e12;
	uint32_t b =
		bytes < (double)ampdu_bytes ? (uint32_t)bytes : ampdu_bytes;

	if (b == vo_bytes)
		return;
	SetBulkAmpdu(b);
}

/* The best-effort and background A-MPDU limit in force: b bytes. */
void ns3c_dev::SetBulkAmpdu(uint32_t b)
{
	Ptr<WifiMac> mac = DynamicCast<WifiNetDevice>(dev)->GetMac();

	vo_bytes = b;
	mac->SetAttribute("BE_MaxAmpduSize", UintegerValue(b));
	mac->SetAttribute("BK_MaxAmpduSize", UintegerValue(b));
}

void ns3c_dev::VoiceSent()
{
	vo_last = NowNs3();
	if (vo_since >= 0)
		return;
	vo_since = vo_last;
	vo_bounds++;
	VoiceApply();
	Simulator::Schedule(Ps(vo_hold_ps), &ns3c_dev::VoiceCheck, this);
}

void ns3c_dev::VoiceCheck()
{
	int64_t now = NowNs3();

	if (now < vo_last + vo_hold_ps) {
		Simulator::Schedule(Ps(vo_last + vo_hold_ps - now),
				    &ns3c_dev::VoiceCheck, this);
		return;
	}
	vo_bound_total += now - vo_since;
	vo_since = -1;
	SetBulkAmpdu(ampdu_bytes);
}

/* ns-3.37 reports some drops twice (an expired MPDU as expired, twice, and
 * as an old packet); the receiver of the callbacks keeps the first. */
void ns3c_dev::OnDroppedMpdu(WifiMacDropReason why, Ptr<const WifiMpdu> mpdu)
{
	ns3c_drop d = NS3C_DROP_RETRIES;
	IdTag t;

	if (!cb.drop || !mpdu || !PeekId(mpdu->GetPacket(), t))
		return;
	if (why == WIFI_MAC_DROP_FAILED_ENQUEUE)
		d = NS3C_DROP_QUEUE_FULL;
	else if (why == WIFI_MAC_DROP_EXPIRED_LIFETIME)
		d = NS3C_DROP_LIFETIME;
	Enter();
	cb.drop(cb.ctx, t.id, d);
	Leave();
}

/* A station that lost its association drops what it is given. */
void ns3c_dev::OnMacTxDrop(Ptr<const Packet> p)
{
	IdTag t;

	if (cb.drop && PeekId(p, t)) {
		Enter();
		cb.drop(cb.ctx, t.id, NS3C_DROP_RETRIES);
		Leave();
	}
}

void ns3c_dev::OnAssoc(Mac48Address)
{
	if (g.assoc_pending > 0 && --g.assoc_pending == 0)
		Simulator::Stop();
}

extern "C" {

int ns3c_open(const struct ns3c_hooks *hooks)
{
	if (g.open)
		return -EBUSY;
	try {
		UsePicoseconds();
		g = Session();
		if (hooks)
			g.hooks = *hooks;
		g.open = true;
		g.events_base = Simulator::GetEventCount();
		g.offset = NowNs3();
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	}
	return 0;
}

void ns3c_close(void)
{
	if (!g.open)
		return;
	Simulator::Destroy();
	g = Session();
}

bool ns3c_is_open(void)
{
	return g.open;
}

void ns3c_seed(uint64_t seed)
{
	/* ns-3's MRG32k3a takes a seed in [1, 2^31 - 1) here and a run
	 * number that selects a substream. */
	RngSeedManager::SetSeed(static_cast<uint32_t>(1 + seed % 2147483646u));
	RngSeedManager::SetRun(seed >> 31);
}

uint64_t ns3c_schedule_at(int64_t at_ps, ns3c_fn fn, void *arg)
{
	if (!g.open || !fn || at_ps < 0 || at_ps > INT64_MAX - g.offset)
		return 0;
	int64_t now = NowNs3();
	if (at_ps + g.offset < now)
		return 0;
	try {
		uint32_t i = SlotAlloc();
		Slot &s = g.slots[i];
		uint64_t id = static_cast<uint64_t>(s.gen) << 32 | i;

		s.fn = fn;
		s.arg = arg;
		s.at = at_ps;
		s.live = true;
		g.live++;
		s.ev = Simulator::Schedule(Ps(at_ps + g.offset - now), &Fire,
					   id);
		if (g.running && at_ps == g.until)
			g.at_until++;
		return id;
	} catch (const std::bad_alloc &) {
		return 0;
	}
}

int ns3c_cancel(uint64_t id, void **arg)
{
	Slot *s = g.open ? SlotOf(id) : nullptr;

	if (!s)
		return -ENOENT;
	if (arg)
		*arg = s->arg;
	Simulator::Remove(s->ev);
	if (g.running && s->at == g.until)
		g.at_until--;
	SlotFree(static_cast<uint32_t>(id));
	return 0;
}

void ns3c_run(int64_t until_ps)
{
	if (!g.open)
		return;
	g.until = until_ps;
	g.at_until = 0;
	if (until_ps != INT64_MAX) {
		int64_t now = NowNs3();

		if (until_ps > INT64_MAX - g.offset ||
		    until_ps + g.offset < now)
			return;
		for (const Slot &s : g.slots)
			g.at_until += s.live && s.at == until_ps;
		g.sentinel = Simulator::Schedule(Ps(until_ps + g.offset - now),
						 &Sentinel);
		g.running = true;
	}
	Simulator::Run();
	if (g.sentinel.GetUid() != 0 && !Simulator::IsExpired(g.sentinel))
		Simulator::Remove(g.sentinel);
	g.sentinel = EventId();
	g.running = false;
}

void ns3c_stop(void)
{
	if (g.open)
		Simulator::Stop();
}

int64_t ns3c_now(void)
{
	return g.open ? NowNs3() - g.offset : 0;
}

uint64_t ns3c_pending(void)
{
	return g.live;
}

uint64_t ns3c_events(void)
{
	if (!g.open)
		return 0;
	return Simulator::GetEventCount() - g.events_base - g.bookkeeping;
}

struct ns3c_node *ns3c_node_create(double x_m, double y_m, double z_m)
{
	if (!g.open)
		return nullptr;
	try {
		auto n = std::make_unique<ns3c_node>();
		Ptr<ConstantPositionMobilityModel> m =
			CreateObject<ConstantPositionMobilityModel>();

		n->node = CreateObject<Node>();
		m->SetPosition(Vector(x_m, y_m, z_m));
		n->node->AggregateObject(m);
		g.nodes.push_back(std::move(n));
		return g.nodes.back().get();
	} catch (const std::bad_alloc &) {
		return nullptr;
	}
}

int ns3c_p2p_create(struct ns3c_node *a, struct ns3c_node *b,
		    const struct ns3c_wire_cfg *cfg, struct ns3c_dev **da,
		    struct ns3c_dev **db)
{
	if (!g.open || !a || !b || a == b || !WireOk(cfg))
		return -EINVAL;
	try {
		PointToPointHelper h;
		uint32_t net = ++g.nets;

		h.SetDeviceAttribute(
			"DataRate",
			DataRateValue(DataRate(
				static_cast<uint64_t>(cfg->rate_bps))));
		h.SetChannelAttribute("Delay", TimeValue(Ps(cfg->delay_ps)));
		h.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize",
			   Packets(cfg->queue_packets));
		NetDeviceContainer c = h.Install(a->node, b->node);
		ns3c_dev *d[2];
		for (uint32_t i = 0; i < 2; i++) {
			d[i] = AddDev(KIND_P2P, net, c.Get(i));
			d[i]->line_rate_bps = cfg->rate_bps;
			c.Get(i)->SetReceiveCallback(
				MakeCallback(&ns3c_dev::OnRx, d[i]));
			c.Get(i)->TraceConnectWithoutContext(
				"PhyTxBegin",
				MakeCallback(&ns3c_dev::OnTxBegin, d[i]));
			c.Get(i)->TraceConnectWithoutContext(
				"PhyTxEnd",
				MakeCallback(&ns3c_dev::OnTxEnd, d[i]));
		}
		*da = d[0];
		*db = d[1];
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	}
	return 0;
}

int ns3c_csma_create(struct ns3c_node *const *nodes, size_t n,
		     const struct ns3c_wire_cfg *cfg, struct ns3c_dev **devs)
{
	if (!g.open || n < 2 || !WireOk(cfg))
		return -EINVAL;
	try {
		CsmaHelper h;
		NodeContainer nc;
		uint32_t net = ++g.nets;

		for (size_t i = 0; i < n; i++) {
			if (!nodes[i])
				return -EINVAL;
			nc.Add(nodes[i]->node);
		}
		h.SetChannelAttribute(
			"DataRate",
			DataRateValue(DataRate(
				static_cast<uint64_t>(cfg->rate_bps))));
		h.SetChannelAttribute("Delay", TimeValue(Ps(cfg->delay_ps)));
		h.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize",
			   Packets(cfg->queue_packets));
		NetDeviceContainer c = h.Install(nc);
		g.next_stream += h.AssignStreams(c, g.next_stream);
		for (size_t i = 0; i < n; i++) {
			ns3c_dev *d = AddDev(KIND_CSMA, net, c.Get(i));

			d->line_rate_bps = cfg->rate_bps;
			c.Get(i)->SetReceiveCallback(
				MakeCallback(&ns3c_dev::OnRx, d));
			c.Get(i)->TraceConnectWithoutContext(
				"PhyTxBegin",
				MakeCallback(&ns3c_dev::OnTxBegin, d));
			c.Get(i)->TraceConnectWithoutContext(
				"PhyTxEnd",
				MakeCallback(&ns3c_dev::OnTxEnd, d));
			c.Get(i)->TraceConnectWithoutContext(
				"PhyTxDrop",
				MakeCallback(&ns3c_dev::OnCsmaGiveUp, d));
			devs[i] = d;
		}
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	}
	return 0;
}

namespace
{

bool WifiOk(const ns3c_wifi_cfg *cfg)
{
	uint32_t w = cfg ? cfg->channel_width_mhz : 0;

	if (!cfg || (w != 20 && w != 40 && w != 80 && w != 160) ||
	    cfg->queue_packets < 1)
		return false;
	if (cfg->standard != NS3C_WIFI_AC && cfg->standard != NS3C_WIFI_AX)
		return false;
	if (cfg->rate_control == NS3C_RC_CONSTANT)
		return cfg->mcs <= (cfg->standard == NS3C_WIFI_AX ? 11u : 9u);
	return cfg->rate_control == NS3C_RC_IDEAL ||
	       cfg->rate_control == NS3C_RC_MINSTREL;
}

void WifiRateControl(WifiHelper &w, const ns3c_wifi_cfg *cfg)
{
	char mode[32];

	switch (cfg->rate_control) {
	case NS3C_RC_IDEAL:
		w.SetRemoteStationManager("ns3::IdealWifiManager");
		break;
	case NS3C_RC_MINSTREL:
		w.SetRemoteStationManager("ns3::MinstrelHtWifiManager");
		break;
	case NS3C_RC_CONSTANT:
		snprintf(mode, sizeof(mode), "%sMcs%u",
			 cfg->standard == NS3C_WIFI_AX ? "He" : "Vht",
			 cfg->mcs);
		w.SetRemoteStationManager("ns3::ConstantRateWifiManager",
					  "DataMode", StringValue(mode),
					  "ControlMode", StringValue(mode));
		break;
	}
}

ns3c_dev *WifiDev(uint32_t net, Ptr<NetDevice> nd, const ns3c_wifi_cfg *cfg)
{
	uint32_t queue_packets = cfg->queue_packets;
	uint32_t max_ampdu_bytes = cfg->max_ampdu_bytes;
	Ptr<WifiNetDevice> w = DynamicCast<WifiNetDevice>(nd);
	ns3c_dev *d = AddDev(KIND_WIFI, net, nd);
	Ptr<WifiMac> mac = w->GetMac();

	for (AcIndex ac : { AC_BE, AC_BK, AC_VI, AC_VO })
		if (mac->GetTxopQueue(ac))
			mac->GetTxopQueue(ac)->SetMaxSize(QueueSize(
				QueueSizeUnit::PACKETS, queue_packets));
	nd->SetReceiveCallback(MakeCallback(&ns3c_dev::OnRx, d));
	mac->SetAttribute("BE_MaxAmpduSize", UintegerValue(max_ampdu_bytes));
	mac->SetAttribute("BK_MaxAmpduSize", UintegerValue(max_ampdu_bytes));
	d->ampdu_bytes = d->vo_bytes = max_ampdu_bytes;
	d->vo_bound_ps = (int64_t)cfg->vo_bound_ps;
	d->vo_hold_ps = (int64_t)cfg->vo_hold_ps;
	w->GetPhy()->TraceConnectWithoutContext(
		"PhyTxPsduBegin", MakeCallback(&ns3c_dev::OnPsduBegin, d));
	mac->TraceConnectWithoutContext(
		"DroppedMpdu", MakeCallback(&ns3c_dev::OnDroppedMpdu, d));
	mac->TraceConnectWithoutContext(
		"MacTxDrop", MakeCallback(&ns3c_dev::OnMacTxDrop, d));
	w->GetRemoteStationManager()->TraceConnectWithoutContext(
		"MacTxDataFailed", MakeCallback(&ns3c_dev::OnDataFailed, d));
	w->GetRemoteStationManager()->TraceConnectWithoutContext(
		"MacTxFinalDataFailed",
		MakeCallback(&ns3c_dev::OnFinalDataFailed, d));
	w->GetPhy()->TraceConnectWithoutContext(
		"MonitorSnifferRx", MakeCallback(&ns3c_dev::OnSnifferRx, d));
	return d;
}

/* Runs ns-3 until every station is associated (or a deadline), then makes
 * that instant usnsim's time 0. */
int WifiAssociate(size_t n)
{
	g.assoc_pending = n;
	EventId deadline =
		Simulator::Schedule(Seconds(NS3C_ASSOC_WAIT_S), &StopNow);
	Simulator::Run();
	if (!Simulator::IsExpired(deadline))
		Simulator::Remove(deadline);
	if (g.assoc_pending > 0) {
		g.assoc_pending = 0;
		return -ETIMEDOUT;
	}
	g.offset = NowNs3();
	g.events_base = Simulator::GetEventCount();
	g.bookkeeping = 0;
	return 0;
}

} // namespace

int ns3c_wifi_create(struct ns3c_node *ap, struct ns3c_node *const *stas,
		     size_t n, const struct ns3c_wifi_cfg *cfg,
		     struct ns3c_dev **ap_dev, struct ns3c_dev **sta_devs)
{
	if (!g.open || !ap || n == 0 || !WifiOk(cfg))
		return -EINVAL;
	if (g.live > 0 || NowNs3() != g.offset)
		return -EBUSY;
	try {
		YansWifiChannelHelper ch = YansWifiChannelHelper::Default();
		YansWifiPhyHelper phy;
		WifiHelper wifi;
		WifiMacHelper mac;
		Ssid ssid("usnsim");
		NodeContainer sn;
		char settings[64];
		uint32_t net = ++g.nets;

		for (size_t i = 0; i < n; i++) {
			if (!stas[i] || stas[i] == ap)
				return -EINVAL;
			sn.Add(stas[i]->node);
		}
		Ptr<YansWifiChannel> chan = ch.Create();
		g.next_stream += ch.AssignStreams(chan, g.next_stream);
		phy.SetChannel(chan);
		snprintf(settings, sizeof(settings), "{0, %u, BAND_5GHZ, 0}",
			 cfg->channel_width_mhz);
		phy.Set("ChannelSettings", StringValue(settings));
		wifi.SetStandard(cfg->standard == NS3C_WIFI_AX
					 ? WIFI_STANDARD_80211ax
					 : WIFI_STANDARD_80211ac);
		WifiRateControl(wifi, cfg);
		mac.SetType("ns3::StaWifiMac", "Ssid", SsidValue(ssid),
			    "ActiveProbing", BooleanValue(true));
		NetDeviceContainer sc = wifi.Install(phy, mac, sn);
		mac.SetType("ns3::ApWifiMac", "Ssid", SsidValue(ssid));
		NetDeviceContainer ac = wifi.Install(phy, mac, ap->node);
		g.next_stream += wifi.AssignStreams(sc, g.next_stream);
		g.next_stream += wifi.AssignStreams(ac, g.next_stream);

		*ap_dev = WifiDev(net, ac.Get(0), cfg);
		for (size_t i = 0; i < n; i++) {
			sta_devs[i] = WifiDev(net, sc.Get(i), cfg);
			DynamicCast<WifiNetDevice>(sc.Get(i))
				->GetMac()
				->TraceConnectWithoutContext(
					"Assoc",
					MakeCallback(&ns3c_dev::OnAssoc,
						     sta_devs[i]));
		}
		return WifiAssociate(n);
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	}
}

void ns3c_dev_set_cb(struct ns3c_dev *d, const struct ns3c_dev_cb *cb)
{
	d->cb = cb ? *cb : ns3c_dev_cb{};
}

uint32_t ns3c_dev_framing(const struct ns3c_dev *d)
{
	switch (d->kind) {
	case KIND_P2P:
		return NS3C_PPP_HEADER;
	case KIND_CSMA:
		return NS3C_ETH_FRAMING;
	case KIND_WIFI:
		break;
	}
	return 0;
}

uint32_t ns3c_dev_gap(const struct ns3c_dev *d)
{
	return d->kind == KIND_CSMA ? NS3C_ETH_GAP : 0;
}

namespace
{

/* A full Wi-Fi MAC queue drops what it is given without a trace in
 * ns-3.37, so the binding refuses the frame first, as a drop-tail queue
 * would. The queue counts frames sent but not yet acknowledged too. */
bool WifiQueueFull(const ns3c_dev *d, uint8_t prio)
{
	Ptr<WifiMacQueue> q =
		DynamicCast<WifiNetDevice>(d->dev)->GetMac()->GetTxopQueue(
			QosUtilsMapTidToAc(prio));

	return q->GetNPackets() >= q->GetMaxSize().GetValue();
}

} // namespace

int ns3c_dev_send(struct ns3c_dev *from, const struct ns3c_dev *to, uint64_t id,
		  uint32_t len_bytes)
{
	return ns3c_dev_send_prio(from, to, id, len_bytes, 0);
}

int ns3c_dev_send_prio(struct ns3c_dev *from, const struct ns3c_dev *to,
		       uint64_t id, uint32_t len_bytes, uint8_t prio)
{
	if (!g.open || !from || !to || from->net != to->net || from == to ||
	    prio > 7)
		return -EINVAL;
	if (from->kind == KIND_WIFI && WifiQueueFull(from, prio))
		return -ENOBUFS;
	try {
		Ptr<Packet> p = Create<Packet>(len_bytes);
		IdTag t;

		t.id = id;
		t.len = len_bytes;
		p->AddPacketTag(t);
		if (prio) { /* Wi-Fi's MAC maps it to an access category */
			SocketPriorityTag pt;

			pt.SetPriority(prio);
			p->AddPacketTag(pt);
		}
		if (!from->dev->Send(p, to->dev->GetAddress(),
				     from->kind == KIND_P2P ? NS3C_PROTO_PPP
							    : NS3C_PROTO))
			return -ENOBUFS;
		if (from->kind == KIND_WIFI && prio >= 6 &&
		    from->vo_bound_ps > 0)
			from->VoiceSent();
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	}
	return 0;
}

void ns3c_dev_query(const struct ns3c_dev *d, struct ns3c_dev_state *out)
{
	*out = ns3c_dev_state{};
	out->tx_frames = d->tx_frames;
	out->retries = d->retries;
	out->final_failures = d->final_failures;
	out->rate_changes = d->rate_changes;
	out->snr_db = d->snr_db;
	out->rx_frames = d->rx_frames;
	out->vo_bounds = d->vo_bounds;
	out->vo_psdu_max = d->vo_psdu_max;
	out->vo_psdu_bound = d->vo_psdu_bound;
	out->vo_bound_ps = d->vo_bound_total +
			   (d->vo_since >= 0 ? NowNs3() - d->vo_since : 0);
	switch (d->kind) {
	case KIND_P2P:
		out->rate_bps = d->line_rate_bps;
		out->queue_packets = DynamicCast<PointToPointNetDevice>(d->dev)
					     ->GetQueue()
					     ->GetNPackets();
		break;
	case KIND_CSMA:
		out->rate_bps = d->line_rate_bps;
		out->queue_packets = DynamicCast<CsmaNetDevice>(d->dev)
					     ->GetQueue()
					     ->GetNPackets();
		break;
	case KIND_WIFI: {
		Ptr<WifiMac> mac = DynamicCast<WifiNetDevice>(d->dev)->GetMac();

		out->rate_bps = d->last_rate_bps;
		for (AcIndex ac : { AC_BE, AC_BK, AC_VI, AC_VO })
			if (mac->GetTxopQueue(ac))
				out->queue_packets +=
					mac->GetTxopQueue(ac)->GetNPackets();
		break;
	}
	}
}

namespace
{

/* The state of a hold model run (ns3c_bench_hold). */
struct Hold {
	ns3c_delay_fn delay = nullptr;
	void *ctx = nullptr;
	uint64_t left = 0; /* events still to run */
};

Hold hold;

void HoldEvent()
{
	if (--hold.left == 0)
		Simulator::Stop();
	Simulator::Schedule(Ps(hold.delay(hold.ctx)), &HoldEvent);
}

double WallNow()
{
	return std::chrono::duration<double>(
		       std::chrono::steady_clock::now().time_since_epoch())
		.count();
}

} // namespace

int ns3c_bench_hold(const char *scheduler, uint32_t n, uint64_t events,
		    ns3c_delay_fn delay, void *ctx, double *wall_s)
{
	TypeId tid;

	if (g.open)
		return -EBUSY;
	if (!scheduler || !delay || n == 0 || events == 0 ||
	    !TypeId::LookupByNameFailSafe(scheduler, &tid) ||
	    !tid.IsChildOf(Scheduler::GetTypeId()))
		return -EINVAL;
	try {
		ObjectFactory f;

		UsePicoseconds();
		f.SetTypeId(tid);
		Simulator::SetScheduler(f);
		hold = Hold();
		hold.delay = delay;
		hold.ctx = ctx;
		hold.left = events;
		for (uint32_t i = 0; i < n; i++)
			Simulator::Schedule(Ps(delay(ctx)), &HoldEvent);
		double t0 = WallNow();
		Simulator::Run();
		*wall_s = WallNow() - t0;
	} catch (const std::bad_alloc &) {
		Simulator::Destroy();
		return -ENOMEM;
	}
	Simulator::Destroy();
	return 0;
}

int ns3c_bench_udp_p2p(uint64_t packets, double *wall_s, uint64_t *events,
		       uint64_t *received)
{
	if (g.open)
		return -EBUSY;
	if (packets == 0 || packets > UINT32_MAX)
		return -EINVAL;
	try {
		UsePicoseconds();
		NodeContainer nodes;
		PointToPointHelper p2p;
		InternetStackHelper stack;
		Ipv4AddressHelper addr;
		Time end = NanoSeconds(static_cast<int64_t>(
				   packets * NS3C_BENCH_INTERVAL_NS)) +
			   MilliSeconds(1);

		nodes.Create(2);
		p2p.SetDeviceAttribute("DataRate", StringValue("10Gbps"));
		p2p.SetChannelAttribute("Delay", StringValue("1us"));
		NetDeviceContainer devs = p2p.Install(nodes);
		stack.Install(nodes);
		addr.SetBase("10.1.1.0", "255.255.255.0");
		Ipv4InterfaceContainer ifs = addr.Assign(devs);

		UdpServerHelper server(NS3C_BENCH_PORT);
		ApplicationContainer sa = server.Install(nodes.Get(1));
		UdpClientHelper client(ifs.GetAddress(1), NS3C_BENCH_PORT);
		client.SetAttribute("MaxPackets", UintegerValue(packets));
		client.SetAttribute(
			"Interval",
			TimeValue(NanoSeconds(NS3C_BENCH_INTERVAL_NS)));
		client.SetAttribute("PacketSize", UintegerValue(64));
		ApplicationContainer ca = client.Install(nodes.Get(0));
		sa.Start(Seconds(0));
		ca.Start(MicroSeconds(1));
		sa.Stop(end);
		ca.Stop(end);
		Simulator::Stop(end);

		double t0 = WallNow();
		Simulator::Run();
		*wall_s = WallNow() - t0;
		*events = Simulator::GetEventCount();
		*received = DynamicCast<UdpServer>(sa.Get(0))->GetReceived();
	} catch (const std::bad_alloc &) {
		Simulator::Destroy();
		return -ENOMEM;
	}
	Simulator::Destroy();
	return 0;
}

namespace
{

double CpuNow()
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return static_cast<double>(ts.tv_sec) +
	       static_cast<double>(ts.tv_nsec) * 1e-9;
}

/* The start offsets of ns3c_bench_udp_pairs, each uniform in
 * [0, NS3C_PAIRS_OFFSET_NS) ns, from ns-3's MRG32k3a under a fixed seed,
 * run and stream; the seed and run in force before are put back. */
std::vector<int64_t> PairOffsetsNs(unsigned pairs)
{
	uint32_t seed = RngSeedManager::GetSeed();
	uint64_t run = RngSeedManager::GetRun();
	std::vector<int64_t> out(pairs);

	RngSeedManager::SetSeed(NS3C_PAIRS_SEED);
	RngSeedManager::SetRun(NS3C_PAIRS_RUN);
	Ptr<UniformRandomVariable> u = CreateObject<UniformRandomVariable>();
	u->SetStream(NS3C_PAIRS_STREAM);
	RngSeedManager::SetSeed(seed);
	RngSeedManager::SetRun(run);
	for (unsigned i = 0; i < pairs; i++)
		out[i] = static_cast<int64_t>(
			u->GetValue(0, NS3C_PAIRS_OFFSET_NS));
	return out;
}

/* The datagrams the UdpServers in servers have received. */
uint64_t ServersReceived(const ApplicationContainer &servers)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < servers.GetN(); i++)
		n += DynamicCast<UdpServer>(servers.Get(i))->GetReceived();
	return n;
}

} // namespace

int ns3c_bench_udp_pairs(unsigned pairs, uint64_t packets, double *setup_cpu_s,
			 double *run_cpu_s, uint64_t *received, uint64_t *timed)
{
	if (g.open)
		return -EBUSY;
	if (pairs == 0 || pairs > NS3C_PAIRS_MAX || packets == 0 ||
	    packets > UINT32_MAX || !setup_cpu_s || !run_cpu_s || !received ||
	    !timed)
		return -EINVAL;
	try {
		double t0 = CpuNow();

		UsePicoseconds();
		uint64_t per = (packets + pairs - 1) / pairs;
		std::vector<int64_t> offs = PairOffsetsNs(pairs);
		ApplicationContainer servers;
		NodeContainer nodes;
		PointToPointHelper p2p;
		InternetStackHelper stack;
		Ipv4AddressHelper addr;
		Time end = NanoSeconds(
				   static_cast<int64_t>(NS3C_PAIRS_OFFSET_NS)) +
			   MicroSeconds(static_cast<int64_t>(
				   per * NS3C_PAIRS_INTERVAL_US)) +
			   MilliSeconds(NS3C_PAIRS_TAIL_MS);

		nodes.Create(2 * pairs);
		stack.Install(nodes);
		p2p.SetDeviceAttribute("DataRate", StringValue("10Gbps"));
		p2p.SetChannelAttribute("Delay", StringValue("1us"));
		/* a /30 per pair, from 10.64.0.0 (512 pairs: to 10.64.7.255;
		 * NS3C_PAIRS_MAX: to 10.67.255.255) */
		addr.SetBase("10.64.0.0", "255.255.255.252");
		for (unsigned i = 0; i < pairs; i++) {
			Ptr<Node> a = nodes.Get(2 * i),
				  b = nodes.Get(2 * i + 1);
			NetDeviceContainer devs = p2p.Install(a, b);
			Ipv4InterfaceContainer ifs = addr.Assign(devs);
			UdpServerHelper server(NS3C_BENCH_PORT);
			UdpClientHelper client(ifs.GetAddress(1),
					       NS3C_BENCH_PORT);

			addr.NewNetwork();
			client.SetAttribute("MaxPackets", UintegerValue(per));
			client.SetAttribute("Interval",
					    TimeValue(MicroSeconds(
						    NS3C_PAIRS_INTERVAL_US)));
			client.SetAttribute("PacketSize", UintegerValue(64));
			ApplicationContainer sa = server.Install(b);
			ApplicationContainer ca = client.Install(a);
			sa.Start(Seconds(0));
			ca.Start(NanoSeconds(offs[i]));
			sa.Stop(end);
			ca.Stop(end);
			servers.Add(sa);
		}
		/* Nodes initialise their stacks and applications in events
		 * at time 0 scheduled when they were created; a stop
		 * scheduled now runs after those and before the starts they
		 * schedule, so that initialisation counts as set-up. */
		Simulator::Stop(Seconds(0));
		Simulator::Run();
		/* then each pair's start: sockets, address resolution and
		 * its first datagrams, a cost per pair that stays set-up */
		Time startup = MilliSeconds(NS3C_PAIRS_STARTUP_MS);
		Simulator::Stop(startup);
		Simulator::Run();
		uint64_t early = ServersReceived(servers);
		Simulator::Stop(end - startup);

		double t1 = CpuNow();
		Simulator::Run();
		double t2 = CpuNow();
		*setup_cpu_s = t1 - t0;
		*run_cpu_s = t2 - t1;
		*received = ServersReceived(servers);
		*timed = *received - early;
	} catch (const std::bad_alloc &) {
		Simulator::Destroy();
		return -ENOMEM;
	}
	Simulator::Destroy();
	return 0;
}

namespace
{

/* Attribute defaults set for one run of ns3c_tcp_p2p and put back when it
 * ends, so that nothing else in the process sees them. */
class Defaults
{
      public:
	void Set(const std::string &name, const AttributeValue &v)
	{
		size_t cut = name.rfind("::");
		TypeId tid = TypeId::LookupByName(name.substr(0, cut));
		TypeId::AttributeInformation info;

		if (!tid.LookupAttributeByName(name.substr(cut + 2), &info))
			throw std::invalid_argument(name);
		saved.emplace_back(name, info.initialValue);
		Config::SetDefault(name, v);
	}
	~Defaults()
	{
		for (auto i = saved.rbegin(); i != saved.rend(); ++i)
			Config::SetDefault(i->first, *i->second);
	}

      private:
	std::vector<std::pair<std::string, Ptr<const AttributeValue>>> saved;
};

/* ns-3's TcpNewReno with byte counting in congestion avoidance: cwnd
 * grows by one segment per cwnd of bytes acknowledged (RFC 5681 3.1's
 * recommended byte counting, RFC 3465, as models/tcp.c does) rather than
 * by SMSS * SMSS / cwnd per ACK whatever it acknowledges (RFC 5681's
 * equation (3), TcpNewReno::CongestionAvoidance), which with delayed
 * ACKs grows half a segment per round trip.
 *
 * The bytes counted are those of ACKs that arrive in congestion
 * avoidance. The ACK that ends fast recovery sets cwnd to ssthresh (RFC
 * 5681 3.2 step 6, RFC 6582 3.2 step 3) and grows nothing: ns-3.37's
 * TcpSocketBase::ProcessAck (tcp-socket-base.cc, the CA_RECOVERY branch
 * and the IncreaseWindow after it) passes every segment that ACK covers
 * to IncreaseWindow, those the duplicate ACKs already reported included,
 * which under TcpNewReno's rule adds SMSS * SMSS / cwnd once, but counted
 * as bytes would add about a window's worth (a segment at once, and the
 * next one cwnd - SMSS bytes early). So the variant leaves that call out,
 * as Linux's byte counting left out ACKs outside Open and Disorder.
 * Everything else (slow start, ssthresh, recovery, timers) is
 * TcpNewReno's. */
class TcpNewRenoBytes : public TcpNewReno
{
      public:
	static TypeId GetTypeId()
	{
		static TypeId tid = TypeId("usnsim::TcpNewRenoBytes")
					    .SetParent<TcpNewReno>()
					    .SetGroupName("usnsim")
					    .AddConstructor<TcpNewRenoBytes>();
		return tid;
	}
	std::string GetName() const override
	{
		return "TcpNewRenoBytes";
	}
	uint32_t GetSsThresh(Ptr<const TcpSocketState> tcb,
			     uint32_t bytesInFlight) override
	{
		acked = 0;
		return TcpNewReno::GetSsThresh(tcb, bytesInFlight);
	}
	/* ProcessAck reports the end of fast recovery (CA_RECOVERY to
	 * CA_OPEN) right before it calls IncreaseWindow for that ACK. */
	void
	CongestionStateSet(Ptr<TcpSocketState> tcb,
			   const TcpSocketState::TcpCongState_t state) override
	{
		if (tcb->m_congState == TcpSocketState::CA_RECOVERY &&
		    state == TcpSocketState::CA_OPEN)
			recovered = true;
		TcpNewReno::CongestionStateSet(tcb, state);
	}
	void IncreaseWindow(Ptr<TcpSocketState> tcb,
			    uint32_t segmentsAcked) override
	{
		if (recovered) {
			recovered = false; /* the ACK that ended recovery */
			return;
		}
		TcpNewReno::IncreaseWindow(tcb, segmentsAcked);
	}
	Ptr<TcpCongestionOps> Fork() override
	{
		return CopyObject<TcpNewRenoBytes>(this);
	}

      protected:
	void CongestionAvoidance(Ptr<TcpSocketState> tcb,
				 uint32_t segmentsAcked) override
	{
		acked += static_cast<uint64_t>(segmentsAcked) *
			 tcb->m_segmentSize;
		while (acked >= tcb->m_cWnd.Get()) {
			acked -= tcb->m_cWnd.Get();
			tcb->m_cWnd += tcb->m_segmentSize;
		}
	}

      private:
	uint64_t acked = 0;	/* bytes acknowledged towards the next SMSS */
	bool recovered = false; /* the next IncreaseWindow ends recovery */
};

NS_OBJECT_ENSURE_REGISTERED(TcpNewRenoBytes);

/* The state of one ns3c_tcp_p2p run. */
struct TcpRun {
	int64_t warm_ps = 0, end_ps = 0;
	ns3c_tcp_flow *flows = nullptr;
	std::vector<uint64_t> rx_warm;	/* each sink's bytes at warm_ps */
	std::vector<uint32_t> ssthresh; /* each flow's, now */
	uint32_t frame = 0;
};

TcpRun tcprun;

bool InWindow()
{
	int64_t now = Simulator::Now().GetPicoSeconds();

	return now >= tcprun.warm_ps && now <= tcprun.end_ps;
}

/* Each flow's ssthresh now (the trace reports changes only). */
void TcpSsthresh(uint32_t i, uint32_t, uint32_t to)
{
	tcprun.ssthresh[i] = to;
}

/* Run right after a cut, once ns-3 has set the new ssthresh (it enters
 * the state before it computes the threshold). */
void TcpCutSsthresh(uint32_t i)
{
	tcprun.flows[i].ssthresh_sum += tcprun.ssthresh[i];
}

/* A window reduction is an entry into fast recovery or into loss (the
 * retransmission timer expired). */
void TcpCongState(uint32_t i, TcpSocketState::TcpCongState_t from,
		  TcpSocketState::TcpCongState_t to)
{
	ns3c_tcp_flow *f = &tcprun.flows[i];
	bool cut = (to == TcpSocketState::CA_RECOVERY &&
		    from != TcpSocketState::CA_LOSS) ||
		   to == TcpSocketState::CA_LOSS;

	if (!cut || !InWindow())
		return;
	int64_t now = Simulator::Now().GetPicoSeconds();

	if (f->reductions++ == 0)
		f->first_ps = now;
	f->last_ps = now;
	Simulator::ScheduleNow(&TcpCutSsthresh, i);
	if (to == TcpSocketState::CA_LOSS)
		f->timeouts++;
}

void TcpFrame(Ptr<const Packet> p)
{
	if (p->GetSize() > tcprun.frame)
		tcprun.frame = p->GetSize();
}

/* Once the application has started, its socket exists. */
void TcpWatch(Ptr<BulkSendApplication> app, uint32_t i)
{
	app->GetSocket()->TraceConnectWithoutContext(
		"CongState", MakeBoundCallback(&TcpCongState, i));
	app->GetSocket()->TraceConnectWithoutContext(
		"SlowStartThreshold", MakeBoundCallback(&TcpSsthresh, i));
}

void TcpWarm(ApplicationContainer sinks)
{
	for (uint32_t i = 0; i < sinks.GetN(); i++)
		tcprun.rx_warm[i] =
			DynamicCast<PacketSink>(sinks.Get(i))->GetTotalRx();
}

/* Whether tid makes a TcpCongestionOps. Tried by making one: ns-3.37
 * gives ns3::TcpCubic the parent ns3::TcpSocketBase in its TypeId
 * (tcp-cubic.cc, TcpCubic::GetTypeId), so TypeId::IsChildOf says no. */
bool IsCongestionOps(TypeId tid)
{
	if (!tid.HasConstructor())
		return false;
	ObjectFactory f;

	f.SetTypeId(tid);
	return DynamicCast<TcpCongestionOps>(f.Create()) != nullptr;
}

} // namespace

int ns3c_tcp_p2p(const struct ns3c_tcp_p2p_cfg *cfg,
		 struct ns3c_tcp_flow *flows, uint32_t *frame_bytes)
{
	TypeId cc;

	if (g.open)
		return -EBUSY;
	if (!cfg || !flows || !frame_bytes || !cfg->cc || cfg->flows == 0 ||
	    cfg->ack_every == 0 || cfg->flows > NS3C_TCP_MAX_FLOWS ||
	    !(cfg->rate_bps > 0) || cfg->delay_ps < 0 || cfg->queue_pkts == 0 ||
	    cfg->mss_bytes == 0 || cfg->rcv_buf_bytes == 0 ||
	    cfg->warm_ps < 0 || cfg->end_ps <= cfg->warm_ps ||
	    cfg->stagger_ps < 0)
		return -EINVAL;
	UsePicoseconds();
	if (!TypeId::LookupByNameFailSafe(cfg->cc, &cc) || !IsCongestionOps(cc))
		return -EINVAL;
	try {
		Defaults d;

		d.Set("ns3::TcpL4Protocol::SocketType", TypeIdValue(cc));
		d.Set("ns3::TcpL4Protocol::RecoveryType",
		      TypeIdValue(TcpClassicRecovery::GetTypeId()));
		d.Set("ns3::TcpSocket::SegmentSize",
		      UintegerValue(cfg->mss_bytes));
		d.Set("ns3::TcpSocket::InitialCwnd", UintegerValue(10));
		d.Set("ns3::TcpSocket::DelAckCount",
		      UintegerValue(cfg->ack_every));
		d.Set("ns3::TcpSocket::DelAckTimeout",
		      TimeValue(MilliSeconds(40)));
		d.Set("ns3::TcpSocket::SndBufSize",
		      UintegerValue(cfg->rcv_buf_bytes));
		d.Set("ns3::TcpSocket::RcvBufSize",
		      UintegerValue(cfg->rcv_buf_bytes));
		d.Set("ns3::TcpSocketBase::MinRto",
		      TimeValue(MilliSeconds(200)));
		d.Set("ns3::TcpSocketBase::ClockGranularity",
		      TimeValue(MilliSeconds(1)));
		d.Set("ns3::TcpSocketBase::Sack", BooleanValue(false));
		d.Set("ns3::TcpSocketBase::Timestamp", BooleanValue(true));
		d.Set("ns3::TcpSocketBase::WindowScaling", BooleanValue(true));
		d.Set("ns3::TcpSocketBase::LimitedTransmit",
		      BooleanValue(false));
		d.Set("ns3::TcpSocketState::EnablePacing", BooleanValue(false));
		d.Set("ns3::TcpCubic::HyStart", BooleanValue(false));
		d.Set("ns3::RttEstimator::InitialEstimation",
		      TimeValue(Seconds(1)));

		NodeContainer nodes;
		PointToPointHelper p2p;
		InternetStackHelper stack;
		Ipv4AddressHelper addr;
		TrafficControlHelper tch;
		ApplicationContainer sinks, senders;
		Time end = PicoSeconds(cfg->end_ps);

		tcprun = TcpRun();
		tcprun.warm_ps = cfg->warm_ps;
		tcprun.end_ps = cfg->end_ps;
		tcprun.flows = flows;
		tcprun.rx_warm.assign(cfg->flows, 0);
		tcprun.ssthresh.assign(cfg->flows, 0);
		for (uint32_t i = 0; i < cfg->flows; i++)
			flows[i] = ns3c_tcp_flow();
		nodes.Create(2);
		p2p.SetDeviceAttribute(
			"DataRate",
			DataRateValue(DataRate(
				static_cast<uint64_t>(cfg->rate_bps))));
		p2p.SetChannelAttribute("Delay",
					TimeValue(PicoSeconds(cfg->delay_ps)));
		p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize",
			     QueueSizeValue(QueueSize(QueueSizeUnit::PACKETS,
						      cfg->queue_pkts)));
		NetDeviceContainer devs = p2p.Install(nodes);
		stack.Install(nodes);
		addr.SetBase("10.1.1.0", "255.255.255.0");
		Ipv4InterfaceContainer ifs = addr.Assign(devs);
		tch.Uninstall(devs);
		devs.Get(0)->TraceConnectWithoutContext(
			"PhyTxBegin", MakeCallback(&TcpFrame));

		for (uint32_t i = 0; i < cfg->flows; i++) {
			uint16_t port =
				static_cast<uint16_t>(NS3C_TCP_PORT + i);
			PacketSinkHelper sink(
				"ns3::TcpSocketFactory",
				InetSocketAddress(Ipv4Address::GetAny(), port));
			BulkSendHelper bulk(
				"ns3::TcpSocketFactory",
				InetSocketAddress(ifs.GetAddress(1), port));
			Time at = PicoSeconds(static_cast<int64_t>(i) *
					      cfg->stagger_ps);

			bulk.SetAttribute("SendSize",
					  UintegerValue(cfg->mss_bytes));
			bulk.SetAttribute("MaxBytes", UintegerValue(0));
			sinks.Add(sink.Install(nodes.Get(1)));
			ApplicationContainer a = bulk.Install(nodes.Get(0));
			a.Start(at);
			senders.Add(a);
			Simulator::Schedule(
				at + PicoSeconds(1), &TcpWatch,
				DynamicCast<BulkSendApplication>(a.Get(0)), i);
		}
		sinks.Start(Seconds(0));
		Simulator::Schedule(PicoSeconds(cfg->warm_ps), &TcpWarm, sinks);
		Simulator::Stop(end);
		Simulator::Run();
		for (uint32_t i = 0; i < cfg->flows; i++)
			flows[i].rx_bytes =
				DynamicCast<PacketSink>(sinks.Get(i))
					->GetTotalRx() -
				tcprun.rx_warm[i];
		*frame_bytes = tcprun.frame;
	} catch (const std::bad_alloc &) {
		Simulator::Destroy();
		return -ENOMEM;
	} catch (const std::invalid_argument &) {
		Simulator::Destroy();
		return -EINVAL;
	}
	Simulator::Destroy();
	return 0;
}

} /* extern "C" */
