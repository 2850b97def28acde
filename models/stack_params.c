/*
 * stack_params.c - parameters of a host's protocol stacks
 * (`hosts.NAME.stack`): the protocol processing every stack does per
 * packet, a user-space stack's TX batch and backoff, and the in-kernel
 * stack's socket buffers (models/stack.c describes the model).
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
	cfg->backoff_ps = param_time(src, prefix, "backoff");
	cfg->chan = (struct chan_cfg){ 0 };
	return 0;
}

const struct param_def stack_params[] = {
	{ "hosts.*.stack.proto", PT_TIME, "300ns", NULL, 0, 1e9,
	  "protocol processing per packet (headers, checksums, socket or flow state), the same code in a user-space or the in-kernel stack",
	  "FreeBSD sendto() ~950 ns per packet minus its trap and copy (netmap paper, USENIX ATC 2012; reference/calibration.md)" },
	{ "hosts.*.stack.batch", PT_INT, "32", NULL, 1, 16384,
	  "user-space stack: most packets one TX sync hands to the flow switch",
	  "flow switch RX batch 32 (TX takes up to 64) in the reference implementation (reference/skywalk-facts.md)" },
	{ "hosts.*.stack.sockbuf", PT_INT, "256", NULL, 1, 1e6,
	  "in-kernel stack: packets a socket's send queue or receive buffer holds; more are dropped; at most 1e6, since a queued packet takes 240 B of memory",
	  "usnsim: a 384 KB UDP buffer of 1500 B datagrams" },
	{ "hosts.*.stack.backoff", PT_TIME, "10us", NULL, 1, 1e12,
	  "user-space stack: how long a suspended flow waits before it asks again",
	  "usnsim: about one interrupt moderation interval (reference/calibration.md)" },
	{ NULL },
};
