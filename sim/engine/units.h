/*
 * units.h - every unit conversion in usnsim, in one place.
 *
 * Scenario files, `usnsim params`, the database and the figures all read and
 * write quantities through these functions, so a value means the same thing
 * everywhere. Canonical units: time in picoseconds (sim_time), data rates in
 * bits per second, packet rates in packets per second, sizes in bytes,
 * fractions as a number in [0, 1] (percent accepted on input).
 *
 * Input syntax: a decimal number (optional fraction and exponent, e.g. 1.5,
 * 2e3) followed directly or after spaces by a unit. Units are case-sensitive
 * where SI needs it (ms vs Ms is not an issue: M is only a rate prefix).
 *   time:     ps ns us µs ms s   (a bare 0 is allowed)
 *   bitrate:  bps kbps Mbps Gbps Tbps, also b/s kb/s Mb/s Gb/s Tb/s, and
 *             byte rates B/s KB/s MB/s GB/s TB/s KiB/s MiB/s GiB/s (x8)
 *   pktrate:  pps kpps Mpps Gpps
 *   size:     B KB MB GB TB (powers of 1000), KiB MiB GiB TiB (powers of
 *             1024); a bare integer means bytes
 *   fraction: 0.25 or 25%
 * Parsing is exact for decimal input: 1.5us is 1500000 ps; a time that is
 * not a whole number of picoseconds, or a size that is not a whole number of
 * bytes, is rounded to nearest (halves up: 2.5ps is 3 ps). Rates above 1e21
 * per second are out of range.
 *
 * Parse functions return 0, -EINVAL (not a number, or an unknown unit),
 * -EDOM (a unit of another kind, e.g. "10Gbps" where a time is wanted),
 * or -ERANGE (negative, or too large for the canonical type).
 */
#ifndef USNSIM_UNITS_H
#define USNSIM_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

enum unit_kind {
	UNIT_NONE,     /* a plain number */
	UNIT_TIME,     /* ps */
	UNIT_BITRATE,  /* bit/s */
	UNIT_PKTRATE,  /* packets/s */
	UNIT_SIZE,     /* bytes */
	UNIT_FRACTION, /* [0, 1] */
};

int units_parse_time(const char *s, sim_time *ps);
int units_parse_bitrate(const char *s, double *bps);
int units_parse_pktrate(const char *s, double *pps);
int units_parse_size(const char *s, uint64_t *bytes);
/* Accepts 0.3 or 30%; values outside [0, 1] give -ERANGE. */
int units_parse_fraction(const char *s, double *f);

/* Which kind of quantity s is, judged by its unit suffix (UNIT_NONE for a
 * bare number, -1 cast to enum for garbage). Lets a parameter that accepts
 * either a bit rate or a packet rate dispatch. */
enum unit_kind units_kind_of(const char *s);

/* Print in the largest unit that keeps the value readable and, where the
 * value allows, exact ("1.5us", "10Gbps", "200kpps", "64KiB", "1500B");
 * fractions print as plain numbers ("0.25"). Output parses back to the same
 * value. Return snprintf's count. */
int units_fmt_time(char *buf, size_t n, sim_time ps);
int units_fmt_bitrate(char *buf, size_t n, double bps);
int units_fmt_pktrate(char *buf, size_t n, double pps);
int units_fmt_size(char *buf, size_t n, uint64_t bytes);
int units_fmt_fraction(char *buf, size_t n, double f);

/* For people, not for parsing back: a time with `digits` significant
 * digits in the unit that suits its magnitude ("20.6us", "1.28ns"). */
int units_fmt_time_approx(char *buf, size_t n, double ps, int digits);

/* The kind of a quantity for messages: "a time", "a bit rate",
 * "a packet rate", "a size", "a fraction" or "a plain number". */
const char *units_kind_name(enum unit_kind kind);

/* Name of the canonical unit stored in the database: "ps", "bps", "pps",
 * "B", "" (fraction, none). */
const char *units_canonical(enum unit_kind kind);
/* The units accepted for a kind, for error hints: "ps, ns, us, ms, s". */
const char *units_accepted(enum unit_kind kind);

/* Serialization time of len_bytes at rate_bps, rounded to nearest ps. */
sim_time units_tx_time(uint64_t len_bytes, double rate_bps);

/* What a frame of len_bytes occupies on an Ethernet-like wire: padded to
 * min_frame_bytes (Ethernet: 64 B from destination address to FCS, IEEE
 * 802.3 4.4.2), then framing_bytes added after the padding (preamble,
 * start delimiter and inter-frame gap: 20 B). The one place the rule is
 * written; the NIC, the multiplexer, the network's ports and the ns-3
 * wired devices all size frames with it. */
static inline uint64_t units_wire_bytes(uint64_t len_bytes,
					uint64_t min_frame_bytes,
					uint64_t framing_bytes)
{
	return (len_bytes > min_frame_bytes ? len_bytes : min_frame_bytes) +
	       framing_bytes;
}

#endif
