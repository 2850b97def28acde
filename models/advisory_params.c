/*
 * advisory_params.c - parameters of a host's interface advisories
 * (hosts.*.advisory.*): reports on its interface delivered to the
 * channels of adaptive apps. models/advisory.c describes the model.
 */
#include <string.h>

#include "advisory.h"
#include "models.h"

int adv_cfg_load(struct adv_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	cfg->interval_ps = param_time(src, prefix, "advisory.interval");
	cfg->delay_ps = param_time(src, prefix, "advisory.delay");
	cfg->busy_ps = param_time(src, prefix, "advisory.busy");
	cfg->periodic =
		!strcmp(param_str(src, prefix, "advisory.mode"), "periodic");
	return 0;
}

const struct param_def advisory_params[] = {
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
