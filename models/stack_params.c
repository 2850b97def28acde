/*
 * stack_params.c - parameters of a host's protocol stacks
 * (`hosts.NAME.stack`): the protocol processing every stack does per
 * packet, a user-space stack's TX batch and backoff, the in-kernel
 * stack's socket buffers, and the per-byte work of either stack:
 * checksums (or their offload to the NIC) and TLS records (models/stack.c
 * describes the model).
 *
 * They matter only for apps that choose a stack (apps.*.stack: kernel or
 * user). Defaults come from the public figures in
 * reference/calibration.md and the reference implementation's facts in
 * reference/skywalk-facts.md.
 */
#include "models.h"
#include "stack.h"

int stk_cfg_load(struct stk_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	cfg->proto_ps = param_time(src, prefix, "proto");
	cfg->batch_pkts = (uint32_t)param_int(src, prefix, "batch");
	cfg->sockbuf_pkts = (uint32_t)param_int(src, prefix, "sockbuf");
	cfg->sndbuf_bytes = param_size(src, prefix, "sndbuf");
	cfg->rcvbuf_bytes = param_size(src, prefix, "rcvbuf");
	cfg->backoff_ps = param_time(src, prefix, "backoff");
	cfg->csum_offload = param_int(src, prefix, "csum_offload") != 0;
	cfg->csum_Bps = param_double(src, prefix, "csum_bw") / 8;
	cfg->tls = param_int(src, prefix, "tls") != 0;
	cfg->tls_Bps = param_double(src, prefix, "tls_bw") / 8;
	cfg->tls_record_ps = param_time(src, prefix, "tls_record");
	cfg->tls_record_bytes =
		(uint32_t)param_size(src, prefix, "tls_record_size");
	cfg->tso = param_int(src, prefix, "tso") != 0;
	cfg->tso_max_bytes = (uint32_t)param_size(src, prefix, "tso_max");
	cfg->gro = param_int(src, prefix, "gro") != 0;
	cfg->chan = (struct chan_cfg){ 0 };
	return 0;
}

const struct param_def stack_params[] = {
	{ "hosts.*.stack.proto", PT_TIME, "640ns", NULL, 0, 1e9,
	  "protocol processing per packet (socket or flow state, headers, route and link-layer lookups), the same code in a user-space or the in-kernel stack; checksums and TLS are charged per byte apart (csum_bw, tls_bw)",
	  "FreeBSD sendto() of a 64 B UDP packet ~950 ns per packet on one core, ~1.05 Mpps (netmap paper, USENIX ATC 2012, Table 1 and Fig. 5) minus what the in-kernel path charges apart on that core: its trap (cpu.syscall 200 ns), its copy in and the flow switch's copy (2 x 64 B at cpu.copy_bw 10 GB/s, 12.8 ns) and the flow switch's classify (100 ns); 637.2 ns, rounded to 640 ns: the default path then costs 952.8 ns, 1.0495 Mpps" },
	{ "hosts.*.stack.batch", PT_INT, "32", NULL, 1, 16384,
	  "user-space stack: most packets one TX sync hands to the flow switch",
	  "flow switch RX batch 32 (TX takes up to 64) in the reference implementation (reference/skywalk-facts.md)" },
	{ "hosts.*.stack.sockbuf", PT_INT, "256", NULL, 1, 1e6,
	  "in-kernel stack: packets a socket's send queue or receive buffer holds; more are dropped; at most 1e6, since a queued packet takes 240 B of memory",
	  "usnsim: a 384 KB UDP buffer of 1500 B datagrams" },
	{ "hosts.*.stack.backoff", PT_TIME, "10us", NULL, 1, 1e12,
	  "how long a flow the flow advisory suspended waits before it asks again (a user-space stack's sync, an in-kernel TCP socket's send)",
	  "usnsim: about one interrupt moderation interval (reference/calibration.md)" },
	{ "hosts.*.stack.csum_offload", PT_BOOL, "true", NULL, 0, 0,
	  "the NIC computes the TX checksums and verifies the RX ones (no CPU time); false: the stack does, over every byte (csum_bw)",
	  "ixgbe, the driver of the 82599 NIC behind stack.proto's sendto() figure, enables TX and RX checksum offload by default (FreeBSD ixgbe(4): IFCAP_TXCSUM, IFCAP_RXCSUM), so that figure holds no software checksum" },
	{ "hosts.*.stack.csum_bw", PT_BITRATE, "10GB/s", NULL, 1e6, 1e15,
	  "software checksum bandwidth of one core (without csum_offload a packet costs its length over this, on TX and on RX)",
	  "usnsim: the Internet checksum (RFC 1071) reads each byte once, as a copy does; the single-core copy bandwidth of hosts.*.cpu.copy_bw" },
	{ "hosts.*.stack.tls", PT_BOOL, "false", NULL, 0, 0,
	  "TLS on every stacked app of the host: each packet's payload is sealed into records on TX and opened on RX (AEAD: tls_bw per byte, tls_record per record)",
	  "usnsim: off unless asked (plain UDP, as stack.proto's sendto() figure)" },
	{ "hosts.*.stack.tls_bw", PT_BITRATE, "2.8GB/s", NULL, 1e6, 1e15,
	  "AEAD cipher bandwidth of one core (AES-GCM, either direction)",
	  "openssl speed -evp AES-256-GCM, OpenSSL 3.0.8 on x86_64 with AES-NI (asecuritysite.com, 2023): 513050 16384 B blocks in 3.00 s and 96160410 16 B blocks in 2.99 s; the line through both, t = 25 ns + n / 2.81 GB/s" },
	{ "hosts.*.stack.tls_record", PT_TIME, "25ns", NULL, 0, 1e9,
	  "CPU time per TLS record besides its bytes (cipher call, nonce, tag)",
	  "the same openssl speed line: its intercept, 25.4 ns per call" },
	{ "hosts.*.stack.tls_record_size", PT_SIZE, "16KiB", NULL, 1, 16384,
	  "most plaintext bytes of one TLS record: a packet's payload is ceil(len / this) records",
	  "RFC 8446 section 5.1: a record's plaintext is at most 2^14 bytes" },
	{ "hosts.*.stack.tso", PT_BOOL, "true", NULL, 0, 0,
	  "TSO/GSO: the TCP segments one output call sends back to back go down the stack as one large send of at most tso_max payload bytes: its later segments pay no protocol processing, flow switch classify and check, queueing discipline or driver per-packet cost, and no trap; their bytes still cost copies, checksums and ciphers; the wire still carries MSS-sized frames", "Linux: register_netdevice() turns on NETIF_F_SOFT_FEATURES (NETIF_F_GSO | NETIF_F_GRO, include/linux/netdev_features.h) for every device, and TSO where the NIC offers it (Documentation/networking/segmentation-offloads.rst); the 82599 behind stack.proto offers TSO (ixgbe)" },
	{ "hosts.*.stack.tso_max", PT_SIZE, "64KiB", NULL, 1, 16777216,
	  "most payload bytes of one TSO/GSO send",
	  "Linux GSO_MAX_SIZE (GSO_LEGACY_MAX_SIZE since 5.19), 65536 B (include/linux/netdevice.h): the default largest GSO/TSO send" },
	{ "hosts.*.stack.gro", PT_BOOL, "true", NULL, 0, 0,
	  "GRO: a TCP segment that follows, in the same flow switch RX batch, the in-order segment of the same flow before it is merged with it: no classify and no protocol processing of its own (its bytes still cost copies, checksums and ciphers)",
	  "Linux GRO, on by default (NETIF_F_GRO in NETIF_F_SOFT_FEATURES), merges the segments of a flow that arrive within one NAPI poll (napi_gro_receive(), flushed at the end of the poll; Documentation/networking/segmentation-offloads.rst)" },
	{ "hosts.*.stack.sndbuf", PT_SIZE, "4MiB", NULL, 1, 1e12,
	  "in-kernel stack: bytes a socket's send buffer holds (a datagram until the send hands it to the flow switch, a TCP segment's payload until it is acknowledged); a datagram beyond it is dropped (drops.tx_full), a TCP writer waits for ACKs; counted in the host's memory (mem.sockbuf)",
	  "the maximum macOS's send buffer autotuning grows to on hosts of 4 GB or more (XNU bsd/netinet/tcp_subr.c, tcp_autosndbuf_max = 4 MiB); the buffer holds what is queued, the growth itself is not modelled" },
	{ "hosts.*.stack.rcvbuf", PT_SIZE, "4MiB", NULL, 1, 1e12,
	  "in-kernel stack: bytes a socket's receive buffer holds until the app reads them (a datagram's length, a TCP segment's payload); a packet beyond it is dropped (the flow switch's drops.ring_full); counted in the host's memory (mem.sockbuf)",
	  "the maximum macOS's receive buffer autotuning grows to on hosts of 4 GB or more (XNU bsd/netinet/tcp_subr.c, tcp_autorcvbuf_max = 4 MiB)" },
	{ NULL },
};
