/*
 * agent_params.c - parameters of a host's negotiation agent
 * (hosts.*.agent.*), which admits apps to the multiplexer's low-latency
 * lane (mux_params.c) and polices them. models/agent.c describes the
 * model.
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
	return 0;
}

const struct param_def agent_params[] = {
	{ "hosts.*.agent.window", PT_TIME, "10ms", NULL, 1, 1e15,
	  "agent: policing window; an admitted app that sends more than its rate allows over a window is revoked",
	  "usnsim: the advisory period of the reference virtual driver, 10 ms (reference/skywalk-facts.md)" },
	{ "hosts.*.agent.tolerance", PT_FLOAT, "0.1", NULL, 0, 100,
	  "agent: how far above its admitted rate an app may go within a window before it is revoked",
	  "usnsim: 10% for bursts and measurement granularity" },
	{ NULL },
};
