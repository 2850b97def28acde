/*
 * link_params.c - parameters of the network between hosts (`network:`).
 *
 * The native link is a wire of a given rate and propagation delay behind a
 * FIFO output queue with a limit in packets and optionally in bytes.
 */
#include "param.h"

const struct param_def link_params[] = {
	{ "network.kind", PT_ENUM, "link", "link", 0, 0,
	  "network between hosts: the native link model",
	  "usnsim: the native model is the default" },
	{ "network.rate", PT_BITRATE, "10Gbps", NULL, 1e3, 1.6e12,
	  "line rate at which frames are serialized",
	  "10GbE, IEEE 802.3ae (reference/calibration.md, NIC)" },
	{ "network.delay", PT_TIME, "0", NULL, 0, 1e15,
	  "one-way propagation delay of the wire",
	  "0: an ideal wire, so a bare queue matches queueing theory" },
	{ "network.queue_packets", PT_INT, "1000", NULL, 1, 1e9,
	  "output queue limit in packets (a full queue drops arrivals)",
	  "Linux default txqueuelen of 1000 packets" },
	{ "network.queue_bytes", PT_SIZE, "0", NULL, 0, 1e15,
	  "output queue limit in bytes; 0 means no byte limit",
	  "0: only the packet limit applies, as with txqueuelen" },
	{ "network.overhead", PT_SIZE, "0", NULL, 0, 1e6,
	  "bytes added to each frame on the wire (e.g. 20 for preamble + IFG)",
	  "0: framing belongs to the NIC model (reference/calibration.md)" },
	{ NULL },
};
