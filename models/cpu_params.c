/*
 * cpu_params.c - parameters of a host's cores (`hosts.NAME.cpu`): how
 * many serve the kernel, and what a syscall, a context switch, a wakeup
 * and a copy cost (models/cpu.c describes the model).
 *
 * They matter only for apps that choose a stack (apps.*.stack: kernel or
 * user). Defaults come from the public figures in reference/calibration.md.
 */
#include "cpu.h"
#include "models.h"

int cpu_cfg_load(struct cpu_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	cfg->kernel_cores = (unsigned)param_int(src, prefix, "kernel_cores");
	cfg->syscall_ps = param_time(src, prefix, "syscall");
	cfg->ctxsw_ps = param_time(src, prefix, "context_switch");
	cfg->wakeup_same_ps = param_time(src, prefix, "wakeup_same");
	cfg->wakeup_cross_ps = param_time(src, prefix, "wakeup_cross");
	cfg->copy_Bps = param_double(src, prefix, "copy_bw") / 8;
	return 0;
}

const struct param_def cpu_params[] = {
	{ "hosts.*.cpu.kernel_cores", PT_INT, "1", NULL, 1, 1024,
	  "cores of the kernel domain, serving the flow switch's RX (each app's end of a flow has a core of its own in its user domain)",
	  "usnsim: one kernel core keeps contention visible; raise it to spread RX like RSS" },
	{ "hosts.*.cpu.syscall", PT_TIME, "200ns", NULL, 0, 1e9,
	  "CPU time of one syscall or trap (entry and return)",
	  "real syscall 122-762 ns across Xeon hosts, ~170 ns on a KVM guest (gms.tf, reference/calibration.md)" },
	{ "hosts.*.cpu.context_switch", PT_TIME, "1.1us", NULL, 0, 1e9,
	  "CPU time of switching to a woken thread",
	  "context switch between threads, pipe ping-pong ~1.1 us, Linux 6.x (reference/calibration.md)" },
	{ "hosts.*.cpu.wakeup_cross", PT_TIME, "2us", NULL, 0, 1e9,
	  "CPU time the waker pays to wake a thread on another core (IPI and run-queue insert)",
	  "cross-core wakeup: a few us on bare metal (reference/calibration.md)" },
	{ "hosts.*.cpu.wakeup_same", PT_TIME, "500ns", NULL, 0, 1e9,
	  "CPU time the waker pays to wake a thread on its own core (run-queue insert, no IPI)",
	  "usnsim: below the cross-core wakeup, which adds an inter-processor interrupt (reference/calibration.md)" },
	{ "hosts.*.cpu.copy_bw", PT_BITRATE, "10GB/s", NULL, 1e6, 1e15,
	  "memory copy bandwidth of one core (a copy costs its length over this)",
	  "single-core memcpy of cache-warm buffers, ~10 GB/s; same as hosts.*.driver.copy_bw" },
	{ NULL },
};
