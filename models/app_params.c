/*
 * app_params.c - parameters of traffic sources (`apps:`).
 *
 * An app emits packets with Poisson or constant (CBR) inter-arrival times at
 * a packet rate, or at a bit rate converted with the mean packet size.
 * Sizes are fixed, exponential (rounded to whole bytes, at least 1 B),
 * uniform between size_min and size_max, or drawn from a table. An app
 * with a host sends through that host's NIC to the NIC of its peer.
 */
#include "param.h"

const struct param_def app_params[] = {
	{ "apps.*.pattern", PT_ENUM, "poisson", "poisson|cbr", 0, 0,
	  "arrival process: Poisson or constant bit rate",
	  "usnsim: Poisson is the textbook open-loop source" },
	{ "apps.*.rate", PT_RATE, "100kpps", NULL, 1e-3, 1e13,
	  "offered load as a packet rate (pps) or a bit rate (bps)",
	  "usnsim: a light load (1.2 Gb/s of 1500 B frames)" },
	{ "apps.*.size", PT_SIZE, "1500B", NULL, 1, 1e9,
	  "packet size; the mean for exponential sizes",
	  "Ethernet MTU, IEEE 802.3" },
	{ "apps.*.size_dist", PT_ENUM, "fixed",
	  "fixed|exponential|uniform|empirical", 0, 0,
	  "distribution of packet sizes",
	  "usnsim: fixed sizes are the common benchmark" },
	{ "apps.*.size_min", PT_SIZE, "64B", NULL, 1, 1e9,
	  "smallest size of the uniform distribution",
	  "Ethernet minimum frame, IEEE 802.3" },
	{ "apps.*.size_max", PT_SIZE, "1500B", NULL, 1, 1e9,
	  "largest size of the uniform distribution",
	  "Ethernet MTU, IEEE 802.3" },
	{ "apps.*.size_table", PT_SIZE_TABLE, "[]", NULL, 0, 0,
	  "[size, weight] pairs for the empirical distribution",
	  "none: a study brings its own measured table" },
	{ "apps.*.start", PT_TIME, "0", NULL, 0, 1e18,
	  "time of the first packet", "usnsim: sources start with the run" },
	{ "apps.*.host", PT_STRING, "", NULL, 0, 0,
	  "host the app runs on (its packets leave through that host's NIC); empty: a bare queue into the network",
	  "usnsim: a bare queue unless the scenario declares hosts" },
	{ "apps.*.peer", PT_STRING, "", NULL, 0, 0,
	  "host whose NIC receives the app's packets (needed with host, and different from it)",
	  "usnsim: a bare queue unless the scenario declares hosts" },
	{ "apps.*.count", PT_INT, "0", NULL, 0, 1e15,
	  "packets to send before stopping; 0 means no limit",
	  "usnsim: sources run for the whole duration" },
	{ NULL },
};
