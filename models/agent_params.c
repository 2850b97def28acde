/*
 * agent_params.c - parameters of a host's negotiation agent
 * (hosts.*.agent.*), which hands out the multiplexer's low-latency share
 * (mux_params.c) by messages and polices the apps it admitted.
 * models/agent.c describes the model; docs/models/low-latency.md says
 * which behaviour comes from the patent, which from the reference
 * implementation and which is usnsim's assumption.
 */
#include "agent.h"
#include "models.h"

int agent_cfg_load(struct agent_cfg *cfg, const struct param_src *src,
		   const char *prefix, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	cfg->window_ps = param_time(src, prefix, "agent.window");
	cfg->tolerance = param_double(src, prefix, "agent.tolerance");
	cfg->latency_ps = param_time(src, prefix, "agent.latency");
	cfg->cost_ps = param_time(src, prefix, "agent.cost");
	cfg->retry_ps = param_time(src, prefix, "agent.retry");
	cfg->readmit = (uint32_t)param_int(src, prefix, "agent.readmit");
	cfg->advisories = param_int(src, prefix, "agent.advisories") != 0;
	return 0;
}

const struct param_def agent_params[] = {
	{ "hosts.*.agent.window", PT_TIME, "10ms", NULL, 1, 1e15,
	  "agent: policing window; an admitted app that sends more than its grant allows over a window is revoked",
	  "usnsim: the advisory period of the reference virtual driver, 10 ms (reference/skywalk-facts.md)" },
	{ "hosts.*.agent.tolerance", PT_FLOAT, "0.1", NULL, 0, 100,
	  "agent: how far above its grant an app may go within a window before it is revoked",
	  "usnsim: 10% for bursts and measurement granularity" },
	{ "hosts.*.agent.latency", PT_TIME, "10us", NULL, 0, 1e12,
	  "agent: one-way latency of a message between an app and the agent (request, grant, denial, notice, release)",
	  "usnsim: a local IPC message to a user-space daemon and the wakeup of its thread, about a cross-core wakeup plus a context switch (hosts.*.cpu defaults, reference/calibration.md)" },
	{ "hosts.*.agent.cost", PT_TIME, "5us", NULL, 0, 1e12,
	  "agent: CPU time on the agent's core per message it handles (a request read and answered, a release) or sends on its own (a notice, a re-admission)",
	  "usnsim: a daemon's receive, policy look-up and reply, a few syscalls' worth (hosts.*.cpu.syscall)" },
	{ "hosts.*.agent.retry", PT_TIME, "0", NULL, 0, 1e15,
	  "agent: a denied app (no room) asks again this long after the denial reached it; 0: never",
	  "usnsim: an app that was refused does not insist unless told to" },
	{ "hosts.*.agent.readmit", PT_INT, "3", NULL, 0, 1e9,
	  "agent: a revoked app is granted again after this many policing windows in a row within its former grant (if it fits); 0: a revocation lasts the run",
	  "usnsim: three windows of good behaviour, a short probation" },
	{ "hosts.*.agent.advisories", PT_BOOL, "true", NULL, 0, 0,
	  "agent: follow the host's interface advisories (hosts.*.advisory), admitting against share x advised capacity and renegotiating when it changes; false: against share x the NIC's rate",
	  "the low-latency patent: interface advisories assist low-latency operation (reference/patent-abstracts.txt)" },
	{ NULL },
};
