/*
 * stack_params.c - parameters of a host's software path: its CPU
 * (hosts.*.cpu.*), protocol stacks (hosts.*.stack.*), channels
 * (hosts.*.channel.*) and flow switch (hosts.*.fsw.*).
 *
 * They matter only for apps that choose a stack (apps.*.stack: kernel or
 * user); models/cpu.c, stack.c, channel.c and flowswitch.c describe the
 * models. Defaults come from the public figures in reference/calibration.md
 * and the reference implementation's facts in reference/skywalk-facts.md.
 */
#include "param.h"

const struct param_def stack_params[] = {
	{ "hosts.*.cpu.kernel_cores", PT_INT, "1", NULL, 1, 1024,
	  "cores of the kernel domain, serving the flow switch's RX (each app's end of a flow has a core of its own in its user domain)",
	  "usnsim: one kernel core keeps contention visible; raise it to spread RX like RSS" },
	{ "hosts.*.cpu.syscall", PT_TIME, "200ns", NULL, 0, 1e9,
	  "CPU time of one syscall or trap (entry and return)",
	  "real syscall 122-762 ns across Xeon hosts, ~170 ns on a KVM guest (gms.tf, reference/calibration.md)" },
	{ "hosts.*.cpu.ctxsw", PT_TIME, "1.1us", NULL, 0, 1e9,
	  "CPU time of switching to a woken thread",
	  "context switch between threads, pipe ping-pong ~1.1 us, Linux 6.x (reference/calibration.md)" },
	{ "hosts.*.cpu.wakeup_cross", PT_TIME, "2us", NULL, 0, 1e9,
	  "CPU time the waker pays to wake a thread on another core (IPI and run-queue insert)",
	  "cross-core wakeup: a few us on bare metal (reference/calibration.md)" },
	{ "hosts.*.cpu.wakeup_same", PT_TIME, "500ns", NULL, 0, 1e9,
	  "CPU time the waker pays to wake a thread on its own core (run-queue insert, no IPI)",
	  "usnsim: below the cross-core wakeup, which adds an inter-processor interrupt (reference/calibration.md)" },
	{ "hosts.*.cpu.copy_bw", PT_BITRATE, "10GB/s", NULL, 1e6, 1e15,
	  "memory copy bandwidth of one core (a copy costs its length over this)",
	  "single-core memcpy of cache-warm buffers, ~10 GB/s; same as hosts.*.driver.copy_bw" },
	{ "hosts.*.stack.proto", PT_TIME, "300ns", NULL, 0, 1e9,
	  "protocol processing per packet (headers, checksums, socket or flow state), the same code in a user-space or the in-kernel stack",
	  "FreeBSD sendto() ~950 ns per packet minus its trap and copy (netmap paper, USENIX ATC 2012; reference/calibration.md)" },
	{ "hosts.*.stack.batch", PT_INT, "32", NULL, 1, 16384,
	  "user-space stack: most packets one TX sync hands to the flow switch",
	  "flow switch RX batch 32 (TX takes up to 64) in the reference implementation (reference/skywalk-facts.md)" },
	{ "hosts.*.stack.sockbuf", PT_INT, "256", NULL, 1, 1e9,
	  "in-kernel stack: packets a socket's send queue or receive buffer holds; more are dropped",
	  "usnsim: a 384 KB UDP buffer of 1500 B datagrams" },
	{ "hosts.*.channel.tx_slots", PT_INT, "256", NULL, 2, 16384,
	  "slots of a channel's TX ring (a power of two)",
	  "flow switch port TX ring default 256 slots (reference/skywalk-facts.md)" },
	{ "hosts.*.channel.rx_slots", PT_INT, "1024", NULL, 2, 16384,
	  "slots of a channel's RX ring (a power of two)",
	  "flow switch port RX ring default 1024 slots (reference/skywalk-facts.md)" },
	{ "hosts.*.channel.event_slots", PT_INT, "32", NULL, 2, 16384,
	  "slots of a channel's event ring (a power of two)",
	  "event ring default 32 slots (reference/skywalk-facts.md)" },
	{ "hosts.*.channel.lowat", PT_INT, "1", NULL, 1, 16384,
	  "RX low-water mark in slots: the sleeping app thread is woken when its RX ring reaches it",
	  "kqueue read low-water mark, default 1 (reference/skywalk-facts.md)" },
	{ "hosts.*.fsw.classify", PT_TIME, "100ns", NULL, 0, 1e9,
	  "flow switch work per packet: parse, classify, flow lookup, token check, stamp and enqueue",
	  "usnsim: a cuckoo-hash lookup and header parse of a few hundred cycles (reference/skywalk-facts.md describes the steps)" },
	{ "hosts.*.fsw.rx_batch", PT_INT, "32", NULL, 1, 65536,
	  "most received packets one flow switch RX job handles",
	  "flow switch RX batch 32 (reference/skywalk-facts.md)" },
	{ NULL },
};
