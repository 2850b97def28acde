/*
 * trace.h - packet traces (pcap files) loaded for replay.
 *
 * A trace is read once, at set-up, into arrays: for each packet its time
 * after the first packet (scaled), its length on the wire and its flow.
 * A flow is a distinct 5-tuple (addresses, protocol, ports), numbered
 * from 0 in order of first appearance. Frames that are not IPv4 or IPv6
 * (ARP, LLDP, ...) and IP packets captured too short to show their
 * 5-tuple belong to one flow of their own, the all-zero 5-tuple, and are
 * counted in nonip. Nothing is read from the file after trace_load().
 */
#ifndef USNSIM_TRACE_H
#define USNSIM_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* A flow's 5-tuple as packet headers carry it (struct sim_pkt): IPv4
 * addresses as they are, IPv6 ones folded to 32 bits (the XOR of their
 * four words), host byte order. */
struct trace_tuple {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t proto;
};

struct trace {
	size_t n;	 /* packets */
	sim_time *at_ps; /* after the first packet, x time_scale */
	uint32_t *len;	 /* wire length (pcap's len, not caplen) */
	uint32_t *flow;	 /* index into tuple */
	struct trace_tuple *tuple;
	size_t nflows;
	uint64_t nonip; /* packets of the all-zero 5-tuple */
	uint64_t bytes; /* sum of len */
};

/* Reads the pcap file path (microsecond or nanosecond timestamps;
 * Ethernet with up to two VLAN tags, raw IP, Linux cooked or BSD
 * loopback link types), its gaps multiplied by time_scale. Returns 0,
 * or -EINVAL with "path: ..." in err (not a pcap file, a link type not
 * read, a truncated or malformed packet record with its number and byte
 * offset, timestamps going backwards, no packets), or -ENOMEM. */
int trace_load(struct trace *t, const char *path, double time_scale, char *err,
	       size_t errlen);
void trace_free(struct trace *t); /* a zeroed trace is a no-op */

#endif
