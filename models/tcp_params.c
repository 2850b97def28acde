/*
 * tcp_params.c - parameters of a host's TCP (`hosts.HOST.tcp`).
 *
 * Segment size, initial window, delayed ACKs, the retransmission timer,
 * the receive buffer, the congestion control, ECN and SACK, each defaulting to the RFC or the Linux value
 * named in its source. tcp_cfg_load() is the one place TCP reads them;
 * the topology loads them for each TCP endpoint of an app over TCP on
 * the host.
 */
#include <errno.h>
#include <string.h>

#include "errmsg.h"
#include "models.h"
#include "tcp.h"

int tcp_cfg_load(struct tcp_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen)
{
	const char *cc, *ecn, *arith;

	cfg->mss_bytes = (uint32_t)param_size(src, prefix, "mss");
	cfg->hdr_bytes = (uint32_t)param_size(src, prefix, "header");
	cfg->iw_segs = (uint32_t)param_int(src, prefix, "initial_window");
	cfg->ack_every_segs = (uint32_t)param_int(src, prefix, "ack_every");
	cfg->delack_ps = param_time(src, prefix, "delayed_ack");
	cfg->rto_init_ps = param_time(src, prefix, "rto_initial");
	cfg->rto_min_ps = param_time(src, prefix, "rto_min");
	cfg->rto_max_ps = param_time(src, prefix, "rto_max");
	cfg->clock_g_ps = param_time(src, prefix, "clock_granularity");
	cfg->rcv_buf_bytes = param_size(src, prefix, "receive_buffer");
	cc = param_str(src, prefix, "congestion_control");
	cfg->cc = !strcmp(cc, "cubic")	 ? TCP_CC_CUBIC
		  : !strcmp(cc, "dctcp") ? TCP_CC_DCTCP
					 : TCP_CC_NEWRENO;
	cfg->sack = param_int(src, prefix, "sack") != 0;
	ecn = param_str(src, prefix, "ecn");
	cfg->ecn = cfg->cc == TCP_CC_DCTCP || !strcmp(ecn, "true");
	if (cfg->cc == TCP_CC_DCTCP && !strcmp(ecn, "false")) {
		char where[256];

		param_where(src, prefix, "ecn", where, sizeof(where));
		errmsg(err, errlen,
		       "%s: ecn: DCTCP needs ECN (its marks are its only congestion signal short of loss); leave ecn at auto or true, or choose another congestion_control",
		       where);
		return -EINVAL;
	}
	cfg->cubic_no_reno_friendly =
		param_int(src, prefix, "cubic_reno_friendly") == 0;
	arith = param_str(src, prefix, "cubic_arithmetic");
	cfg->cubic_arith = !strcmp(arith, "linux") ? TCP_CUBIC_LINUX
			   : !strcmp(arith, "ns3") ? TCP_CUBIC_NS3
						   : TCP_CUBIC_RFC;
	if (cfg->cubic_arith != TCP_CUBIC_RFC && cfg->cc != TCP_CC_CUBIC) {
		char where[256];

		param_where(src, prefix, "cubic_arithmetic", where,
			    sizeof(where));
		errmsg(err, errlen,
		       "%s: cubic_arithmetic: has no effect without congestion_control: cubic",
		       where);
		return -EINVAL;
	}
	cfg->rtt_karn = !strcmp(param_str(src, prefix, "rtt_samples"), "karn");
	cfg->ca_per_ack =
		!strcmp(param_str(src, prefix, "ca_counting"), "acks");
	if (cfg->ca_per_ack && cfg->cc == TCP_CC_CUBIC) {
		char where[256];

		param_where(src, prefix, "ca_counting", where, sizeof(where));
		errmsg(err, errlen,
		       "%s: ca_counting: applies to newreno and dctcp; CUBIC's growth is its curve (cubic_arithmetic)",
		       where);
		return -EINVAL;
	}
	if (cfg->rcv_buf_bytes < 2 * (uint64_t)cfg->mss_bytes) {
		char where[256];

		param_where(src, prefix, "receive_buffer", where,
			    sizeof(where));
		errmsg(err, errlen,
		       "%s: receive_buffer: holds fewer than two segments of mss bytes (a window that small stalls on delayed ACKs)",
		       where);
		return -EINVAL;
	}
	if (cfg->cubic_no_reno_friendly && cfg->cc != TCP_CC_CUBIC) {
		char where[256];

		param_where(src, prefix, "cubic_reno_friendly", where,
			    sizeof(where));
		errmsg(err, errlen,
		       "%s: cubic_reno_friendly: has no effect without congestion_control: cubic",
		       where);
		return -EINVAL;
	}
	if (cfg->rto_min_ps > cfg->rto_max_ps) {
		char where[256];

		param_where(src, prefix, "rto_min", where, sizeof(where));
		errmsg(err, errlen, "%s: rto_min: is above rto_max", where);
		return -EINVAL;
	}
	return 0;
}

const struct param_def tcp_params[] = {
	{ "hosts.*.tcp.mss", PT_SIZE, "1448B", NULL, 64, 65495,
	  "maximum segment size: payload bytes of a full segment",
	  "1500 B Ethernet MTU less 20 B IPv4, 20 B TCP and 12 B timestamp option (RFC 9293 3.7.1, RFC 7323 3)" },
	{ "hosts.*.tcp.header", PT_SIZE, "66B", NULL, 20, 1024,
	  "bytes a segment's frame carries besides its payload (a pure ACK is this long)",
	  "14 B Ethernet + 20 B IPv4 + 20 B TCP + 12 B timestamps (IEEE 802.3, RFC 791, RFC 9293, RFC 7323)" },
	{ "hosts.*.tcp.initial_window", PT_INT, "10", NULL, 1, 1000,
	  "congestion window at the start, in segments",
	  "RFC 6928: an initial window of 10 segments" },
	{ "hosts.*.tcp.ack_every", PT_INT, "2", NULL, 1, 64,
	  "the receiver acknowledges at the latest every this many in-order segments",
	  "RFC 1122 4.2.3.2 and RFC 5681 4.2: an ACK for at least every second full-sized segment" },
	{ "hosts.*.tcp.delayed_ack", PT_TIME, "40ms", NULL, 0, 5e11,
	  "longest an ACK of in-order data waits for a second segment (0: every segment acknowledged at once)",
	  "Linux TCP_DELACK_MIN, 40 ms (include/net/tcp.h); RFC 1122 4.2.3.2 and RFC 9293 3.8.6.3 require less than 0.5 s" },
	{ "hosts.*.tcp.rto_initial", PT_TIME, "1s", NULL, 1e9, 1e14,
	  "retransmission timeout before the first RTT sample (the SYN's)",
	  "RFC 6298 2.1: 1 second" },
	{ "hosts.*.tcp.rto_min", PT_TIME, "200ms", NULL, 0, 1e14,
	  "lower bound of the retransmission timeout",
	  "Linux TCP_RTO_MIN, 200 ms (include/net/tcp.h); RFC 6298 2.4 says 1 s" },
	{ "hosts.*.tcp.rto_max", PT_TIME, "120s", NULL, 1e9, 1e15,
	  "upper bound of the retransmission timeout under backoff",
	  "Linux TCP_RTO_MAX, 120 s; RFC 6298 2.5 allows any maximum of at least 60 s" },
	{ "hosts.*.tcp.clock_granularity", PT_TIME, "1ms", NULL, 1, 1e12,
	  "G of RFC 6298: the least variation term of the timeout",
	  "one jiffy of Linux at HZ=1000; RFC 6298 2.2 and 4" },
	{ "hosts.*.tcp.receive_buffer", PT_SIZE, "6MiB", NULL, 128, 1e9,
	  "receive buffer per connection; the window is what it has free (with window scaling)",
	  "Linux net.ipv4.tcp_rmem maximum, 6 MiB (Documentation/networking/ip-sysctl.rst); RFC 7323 window scaling" },
	{ "hosts.*.tcp.congestion_control", PT_ENUM, "cubic",
	  "newreno|cubic|dctcp", 0, 0,
	  "congestion control: NewReno (RFC 5681, RFC 6582), CUBIC (RFC 9438, with NewReno's fast recovery) or DCTCP (RFC 8257: cwnd x (1 - alpha / 2) once per window with ECN marks, alpha the marked fraction averaged with g = 1/16; losses as NewReno; always with ECN)",
	  "Linux's default net.ipv4.tcp_congestion_control, cubic (Documentation/networking/ip-sysctl.rst)" },
	{ "hosts.*.tcp.ecn", PT_ENUM, "auto", "auto|true|false", 0, 0,
	  "ECN (RFC 3168): true asks for it in the SYN (the passive side always agrees), and a negotiated connection sends its data ECT(0) and takes an echoed CE as a congestion event once per window, with CWR; auto is true for dctcp and false otherwise; false with dctcp is refused",
	  "Linux net.ipv4.tcp_ecn default 2 (accept ECN when the peer asks, do not ask: Documentation/networking/ip-sysctl.rst); DCTCP asks whatever the sysctl (TCP_CONG_NEEDS_ECN, net/ipv4/tcp_dctcp.c)" },
	{ "hosts.*.tcp.cubic_reno_friendly", PT_BOOL, "true", NULL, 0, 0,
	  "CUBIC uses the Reno-friendly estimate W_est where the cubic window is below it (false: the cubic curve alone)",
	  "RFC 9438 4.3 (the Reno-friendly region); false is ns-3.37's TcpCubic, which has no such region (src/internet/model/tcp-cubic.cc, TcpCubic::Update)" },
	{ "hosts.*.tcp.cubic_arithmetic", PT_ENUM, "rfc", "rfc|linux|ns3", 0, 0,
	  "CUBIC's window: RFC 9438's curve (rfc), Linux's whole segments (linux) or ns-3.37's (ns3; docs/models/tcp.md)",
	  "RFC 9438 4.2; Linux bictcp_update (net/ipv4/tcp_cubic.c); ns-3.37 TcpCubic::Update" },
	{ "hosts.*.tcp.rtt_samples", PT_ENUM, "echo", "echo|karn", 0, 0,
	  "RTT samples: every ACK of new data, from the timestamps' echo, retransmissions included (echo), or Karn's algorithm (karn, as ns-3.37)",
	  "Linux tcp_ack_update_rtt() with net.ipv4.tcp_timestamps = 1; RFC 7323 4.1, 4.3; ns-3.37 TcpSocketBase::EstimateRtt is karn" },
	{ "hosts.*.tcp.ca_counting", PT_ENUM, "bytes", "bytes|acks", 0, 0,
	  "NewReno's congestion avoidance: one SMSS per cwnd of bytes acked (bytes) or SMSS*SMSS/cwnd per ACK (acks)",
	  "RFC 5681 3.1 recommends byte counting (RFC 3465); acks is its equation (3), ns-3.37's TcpNewReno" },
	{ "hosts.*.tcp.sack", PT_BOOL, "true", NULL, 0, 0,
	  "selective acknowledgments and SACK-based loss recovery (used when both ends permit them; false: NewReno's recovery)",
	  "Linux net.ipv4.tcp_sack = 1 (Documentation/networking/ip-sysctl.rst); RFC 2018, RFC 6675" },
	{ NULL },
};
