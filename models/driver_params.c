/*
 * driver_params.c - parameters of the driver model (hosts.*.driver.*).
 *
 * The driver sits between a host's kernel side (netif) and its NIC, either
 * in the kernel domain or in a user (non-kernel) domain of its own, reached
 * through shared-memory submission/completion queues and paying an IPC /
 * notification cost per batch (models/driver.c describes the model). The
 * fault parameters let a researcher crash the driver at a given time or at
 * a rate, and compare what that costs in each placement. drv_cfg_load()
 * is the one place they are read.
 */
#include <errno.h>
#include <string.h>

#include "driver.h"
#include "errmsg.h"
#include "models.h"

/* What makes no sense: a real-time class or a priority for a kernel
 * driver (it runs in kernel context; class normal, the default, is
 * accepted so that a sweep may zip placement with class), a priority for
 * a normal-class thread. */
static int drv_check(const struct drv_cfg *cfg, const struct param_src *src,
		     const char *prefix, char *err, size_t errlen)
{
	const char *key = NULL, *why = NULL;
	char where[256];

	if (!cfg->user && cfg->rt) {
		key = "class";
		why = "a kernel driver runs in kernel context on its kernel core; class rt is a user driver's (placement: user)";
	} else if (!cfg->user && param_given(src, prefix, "priority")) {
		key = "priority";
		why = "a kernel driver runs in kernel context on its kernel core; priority is a user driver's (placement: user, class: rt)";
	} else if (!cfg->rt && param_given(src, prefix, "priority")) {
		key = "priority";
		why = "a normal-class driver thread has no priority; set class: rt to give one";
	}
	if (!key)
		return 0;
	param_where(src, prefix, key, where, sizeof(where));
	errmsg(err, errlen, "%s: %s: %s", where, key, why);
	return -EINVAL;
}

int drv_cfg_load(struct drv_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen)
{
	cfg->user = !strcmp(param_str(src, prefix, "placement"), "user");
	cfg->batch_pkts = (uint32_t)param_int(src, prefix, "batch");
	cfg->ipc_ps = param_time(src, prefix, "ipc_cost");
	cfg->per_packet_ps = param_time(src, prefix, "per_packet");
	cfg->copy = param_int(src, prefix, "copy") != 0;
	cfg->copy_bps = param_double(src, prefix, "copy_bw");
	cfg->sq_slots = (uint32_t)param_int(src, prefix, "sq_slots");
	cfg->cq_slots = (uint32_t)param_int(src, prefix, "cq_slots");
	cfg->crash_at_ps = param_time(src, prefix, "crash_at");
	cfg->crash_rate_hz = param_double(src, prefix, "crash_rate");
	cfg->restart_ps = param_time(src, prefix, "restart_delay");
	cfg->core = param_str(src, prefix, "core");
	cfg->rt = !strcmp(param_str(src, prefix, "class"), "rt");
	cfg->prio = cfg->rt ? (unsigned)param_int(src, prefix, "priority") : 0;
	return drv_check(cfg, src, prefix, err, errlen);
}

const struct param_def driver_params[] = {
	{ "hosts.*.driver.placement", PT_ENUM, "kernel", "kernel|user", 0, 0,
	  "where the driver runs: in the kernel domain, or in a user domain with its own core behind shared-memory queues",
	  "usnsim: the in-kernel driver is the baseline the device driver patent (US20210097006A1) compares against" },
	{ "hosts.*.driver.batch", PT_INT, "32", NULL, 1, 65536,
	  "user placement: most descriptors the driver takes from a submission queue per batch (one IPC per batch)",
	  "burst of 32 packets of the DPDK sample applications (MAX_PKT_BURST); flow switch RX batch 32 (reference/skywalk-facts.md)" },
	{ "hosts.*.driver.ipc_cost", PT_TIME, "2.4us", NULL, 0, 1e12,
	  "user placement: notification/IPC cost paid once per batch (doorbell to the driver, completion notice to the kernel)",
	  "context switch between processes, pipe ping-pong ~2.4 us (reference/calibration.md, host CPU)" },
	{ "hosts.*.driver.per_packet", PT_TIME, "20ns", NULL, 0, 1e12,
	  "driver work per packet (descriptor handling), in either placement",
	  "netmap TX ~60 cycles per packet (USENIX ATC 2012; reference/calibration.md), about 20 ns at 3 GHz" },
	{ "hosts.*.driver.copy", PT_BOOL, "false", NULL, 0, 1,
	  "user placement: copy each payload across the kernel/driver boundary instead of passing index + offset (zero copy)",
	  "zero copy: packets cross as an index plus offset into the shared pool (DriverKit; reference/skywalk-facts.md)" },
	{ "hosts.*.driver.copy_bw", PT_BITRATE, "10GB/s", NULL, 1e6, 1e15,
	  "user placement with copy: memory copy bandwidth",
	  "copy_bw 10GB/s, the example host of the design (DESIGN.md, scenario files)" },
	{ "hosts.*.driver.sq_slots", PT_INT, "512", NULL, 1, 1048576,
	  "slots of each submission queue (TX and RX); a full queue drops arrivals",
	  "netif TX ring 512 slots (reference/skywalk-facts.md, channels)" },
	{ "hosts.*.driver.cq_slots", PT_INT, "512", NULL, 1, 1048576,
	  "slots of each completion queue; a batch never exceeds it",
	  "usnsim: one completion slot per submission slot (sq_slots)" },
	{ "hosts.*.driver.crash_at", PT_TIME, "0", NULL, 0, 1e18,
	  "time at which the driver crashes once; 0 means never",
	  "usnsim: no fault unless asked" },
	{ "hosts.*.driver.crash_rate", PT_FLOAT, "0", NULL, 0, 1e9,
	  "crashes per second while the driver runs (exponential times between a start and the next crash); 0 means never",
	  "usnsim: no fault unless asked" },
	{ "hosts.*.driver.restart_delay", PT_TIME, "100ms", NULL, 0, 1e15,
	  "user placement: time from a crash until the restarted driver serves its queues again",
	  "usnsim: a process relaunch plus device re-initialisation, tens to hundreds of ms; a round figure meant to be swept" },
	{ "hosts.*.driver.core", PT_STRING, "", NULL, 0, 0,
	  "the core the driver runs on (hosts with cores, i.e. with an app that has a stack): empty, a user driver's own dedicated core (never sleeps, as a polling driver's) and a kernel driver's kernel0; else a core name of the host (kernelN, app.NAME, or a new name: a core of the driver domain) that the driver's thread shares with what else runs there (cpu.background)",
	  "usnsim: today's dedicated driver core is the default; issue 21 asks what sharing it costs" },
	{ "hosts.*.driver.class", PT_ENUM, "normal", "normal|rt", 0, 0,
	  "user placement: scheduling class of the driver's thread on a named core (driver.core); a dedicated core has nothing to be scheduled against",
	  "Linux sched(7): a process runs SCHED_OTHER (time-sharing) unless given a real-time policy with sched_setscheduler(2); a DPDK or VFIO user-space driver is such a process. usnsim assumes the same of a DriverKit extension, a user process: timeshare unless it asks XNU for a real-time policy (THREAD_TIME_CONSTRAINT_POLICY, osfmk/kern/thread_policy.c)" },
	{ "hosts.*.driver.priority", PT_INT, "50", NULL, 1, 98,
	  "user placement, class rt: real-time priority of the driver's thread (higher runs first; below the kernel context, which runs at 99)",
	  "Linux kernel/sched/core.c sched_set_fifo(): MAX_RT_PRIO / 2 = 50, also the priority of threaded interrupt handlers (kernel/irq/manage.c setup_irq_thread())" },
	{ NULL },
};
