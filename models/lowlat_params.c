/*
 * lowlat_params.c - parameters of a host's negotiation agent
 * (hosts.*.agent.*) and interface advisories (hosts.*.advisory.*); the
 * multiplexer's are in mux_params.c. models/agent.c and advisory.c
 * describe the models.
 */
#include "models.h"

const struct param_def lowlat_params[] = {
	{ "hosts.*.agent.window", PT_TIME, "10ms", NULL, 1, 1e15,
	  "agent: policing window; an admitted app that sends more than its rate allows over a window is revoked",
	  "usnsim: the advisory period of the reference virtual driver, 10 ms (reference/skywalk-facts.md)" },
	{ "hosts.*.agent.tolerance", PT_FLOAT, "0.1", NULL, 0, 100,
	  "agent: how far above its admitted rate an app may go within a window before it is revoked",
	  "usnsim: 10% for bursts and measurement granularity" },
	{ "hosts.*.advisory.interval", PT_TIME, "10ms", NULL, 1, 1e15,
	  "period of interface advisory reports (mode periodic)",
	  "the reference virtual driver reports every >= 10 ms when enabled (reference/skywalk-facts.md)" },
	{ "hosts.*.advisory.mode", PT_ENUM, "periodic", "periodic|change", 0, 0,
	  "report every interval, or only when the interface's capacity changes",
	  "usnsim: periodic, like the reference virtual driver" },
	{ "hosts.*.advisory.delay", PT_TIME, "50us", NULL, 0, 1e12,
	  "time from a report to its delivery to the subscribed channels",
	  "usnsim: a kqueue notification and a wakeup, tens of us (reference/calibration.md)" },
	{ "hosts.*.advisory.busy", PT_TIME, "5us", NULL, 0, 1e12,
	  "time a report holds the publisher's lock (copy into the shared region); a report due meanwhile is dropped",
	  "usnsim: copying a small versioned struct with its checksum; a busy lock drops the update (reference/skywalk-facts.md)" },
	{ NULL },
};
