/*
 * calibrate.c - `usnsim calibrate`: profiles measured on this machine or
 * fitted to a user's measurements.
 *
 *   usnsim calibrate measure [-o FILE] [--repeat N]
 *   usnsim calibrate fit --model NAME --csv FILE [--hold PARAM]... [-o FILE]
 *
 * measure runs the microbenchmarks of analysis/calib_measure.c and maps
 * each onto the registry parameter that models the same cost:
 *   syscall(SYS_getppid)               -> hosts.*.cpu.syscall
 *   half a pipe ping-pong on one core  -> hosts.*.cpu.context_switch
 *   the waker's write() across cores   -> hosts.*.cpu.wakeup_cross
 *   a warm 1500 B memcpy, bytes / time -> hosts.*.cpu.copy_bw,
 *                                         hosts.*.driver.copy_bw
 * memcpy bandwidth by size and the cold copy model no parameter: they go
 * into the profile's about:. DMA, the IOMMU and the NIC cannot be measured
 * from user space and keep their sourced defaults.
 *
 * fit fits a model's parameters to a CSV by nonlinear least squares
 * (analysis/calib_fit.c) through the very function the model computes
 * with:
 *   dma     DMA latency against size: nic_dma_time() -> hosts.*.nic.
 *           pcie_latency, pcie_bw, pcie_overhead (pcie_mps held at its
 *           default);
 *   sendto  per-packet time of the in-kernel send path against size:
 *           cpu.syscall + flowswitch.classify + stack.proto + two copies
 *           of cpu_bytes_time() -> hosts.*.stack.proto, hosts.*.cpu.copy_bw
 *           (syscall and classify held at their defaults).
 * Both write a profile (the format of scenarios/profiles/) with a source
 * for every value. Exit status: 0 written, 2 bad input or usage, 1 a
 * measurement or a fit that failed.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "cli.h"
#include "cpu.h"
#include "errmsg.h"
#include "nic.h"
#include "param.h"
#include "registry.h"
#include "units.h"

#define CAL_EXIT_FAILED 1
#define CAL_EXIT_INPUT 2
#define CAL_MAX_VALUES 8
#define CAL_ERR_MAX 512

static const char cal_usage[] =
	"usage: usnsim calibrate measure|fit [OPTIONS]\n"
	"\n"
	"Writes a profile (a scenario fragment, as in scenarios/profiles/)\n"
	"whose values come from this machine or from your measurements.\n"
	"\n"
	"  usnsim calibrate measure [-o FILE] [--repeat N]\n"
	"      microbenchmarks (syscall, pipe ping-pong context switch, cross-\n"
	"      core wakeup, memcpy by size, cold and warm copies), median and\n"
	"      MAD of N runs each (default 31, well under a minute); sets\n"
	"      hosts.*.cpu.syscall, context_switch, wakeup_cross, copy_bw and\n"
	"      hosts.*.driver.copy_bw. DMA, IOMMU and NIC costs cannot be\n"
	"      measured from user space and keep their sourced defaults.\n"
	"  usnsim calibrate fit --model NAME --csv FILE [--hold PARAM]... [-o FILE]\n"
	"      nonlinear least squares of a model to measurements; prints each\n"
	"      value with its standard error and 95% interval, the residuals\n"
	"      and R^2. Models:\n"
	"        dma     CSV size_B,latency_ns of single DMA reads ->\n"
	"                hosts.*.nic.pcie_latency, pcie_bw, pcie_overhead\n"
	"        sendto  CSV size_B,time_ns per packet of the in-kernel send\n"
	"                path -> hosts.*.stack.proto, hosts.*.cpu.copy_bw\n"
	"\n"
	"options:\n"
	"  -o, --output FILE   write the profile to FILE (default: stdout)\n"
	"  -r, --repeat N      measure: runs of each benchmark (3 .. 1001)\n"
	"  -m, --model NAME    fit: dma or sendto\n"
	"  -c, --csv FILE      fit: the measurements\n"
	"  -H, --hold PARAM    fit: keep PARAM (e.g. pcie_overhead) at its\n"
	"                      default instead of fitting it (repeatable)\n"
	"  -h, --help          this text\n";

/* One value of a profile: a registry path with "*", its text, its source. */
struct cal_value {
	const char *path;
	char text[64];
	char source[512];
};

static int cal_usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "usnsim calibrate: ");
	fprintf(stderr, msg, arg);
	fprintf(stderr, " (`usnsim calibrate --help` for more)\n");
	return CAL_EXIT_INPUT;
}

/* Checks that v names a registry parameter and that its text parses as
 * one; 0, or -EINVAL with a message. */
static int cal_value_check(const struct cal_value *v, char *err, size_t errlen)
{
	const struct param_def *def = param_lookup(v->path);
	struct param_val pv;
	char e[256];

	if (!def) {
		errmsg(err, errlen, "%s: no such parameter", v->path);
		return -EINVAL;
	}
	if (param_parse(def, v->text, &pv, e, sizeof(e))) {
		errmsg(err, errlen, "%s: %s: %s", v->path, v->text, e);
		return -EINVAL;
	}
	return 0;
}

/* "hosts.*.cpu.syscall" -> "cpu", "syscall" (after "hosts.*."). */
static void cal_split(const char *path, char *group, size_t n, const char **key)
{
	const char *g = path + strlen("hosts.*.");
	const char *dot = strrchr(g, '.');

	snprintf(group, n, "%.*s", (int)(dot - g), g);
	*key = dot + 1;
}

/* s as a double-quoted YAML scalar. */
static void cal_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fputc(' ', f);
		else
			fputc(*s, f);
	fputc('"', f);
}

/* Writes the profile: about, a source per value, then hosts."*" with the
 * values grouped by model (every value here is under hosts.*). */
static int cal_write(const char *out, const char *about,
		     const struct cal_value *v, size_t nv, char *err,
		     size_t errlen)
{
	FILE *f = out ? fopen(out, "w") : stdout;
	char group[64], prev[64] = "";

	for (size_t i = 0; i < nv; i++)
		if (cal_value_check(&v[i], err, errlen)) {
			if (out && f)
				fclose(f), remove(out);
			return -EINVAL;
		}
	if (!f) {
		errmsg(err, errlen, "%s: %s", out, strerror(errno));
		return -EIO;
	}
	fprintf(f,
		"# A usnsim profile written by `usnsim calibrate`: include it in a\n"
		"# scenario with `include: FILE`.\n"
		"profile:\n  about: ");
	cal_quoted(f, about);
	fprintf(f, "\n  sources:\n");
	for (size_t i = 0; i < nv; i++) {
		fprintf(f, "    %s: ", v[i].path);
		cal_quoted(f, v[i].source);
		fputc('\n', f);
	}
	fprintf(f, "hosts:\n  \"*\":\n");
	for (size_t i = 0; i < nv; i++) {
		const char *key;

		cal_split(v[i].path, group, sizeof(group), &key);
		if (strcmp(group, prev))
			fprintf(f, "    %s:\n", group);
		snprintf(prev, sizeof(prev), "%s", group);
		fprintf(f, "      %s: %s\n", key, v[i].text);
	}
	if (out && fclose(f)) {
		errmsg(err, errlen, "%s: %s", out, strerror(errno));
		remove(out);
		return -EIO;
	}
	return 0;
}

/* ---- measure ---- */

static void cal_time_value(struct cal_value *v, const char *path, double ns,
			   const struct calib_stat *s, const char *how)
{
	v->path = path;
	units_fmt_time(v->text, sizeof(v->text), (sim_time)llround(ns) * 1000);
	snprintf(
		v->source, sizeof(v->source),
		"measured by usnsim calibrate measure: %s, median of %u runs, MAD %.1f%%",
		how, s->runs, 100 * s->mad / s->median);
}

static void cal_rate_value(struct cal_value *v, const char *path, double Bps,
			   const struct calib_stat *s, const char *how)
{
	v->path = path;
	/* to 1 MB/s: more digits than the measurement holds */
	units_fmt_bitrate(v->text, sizeof(v->text), 8e6 * llround(Bps / 1e6));
	snprintf(
		v->source, sizeof(v->source),
		"measured by usnsim calibrate measure: %s, median of %u runs, MAD %.1f%%",
		how, s->runs, 100 * s->mad / s->median);
}

/* memcpy bandwidth at cache-level sizes and the cold copy against the
 * warm one, for about:. */
static int cal_copies(unsigned runs, const struct calib_stat *warm, char *about,
		      size_t n, char *err, size_t errlen)
{
	static const struct {
		size_t bytes;
		const char *name;
	} sizes[] = { { 16u << 10, "16 KiB (L1)" },
		      { 256u << 10, "256 KiB (L2)" },
		      { 4u << 20, "4 MiB (LLC)" },
		      { 64u << 20, "64 MiB (DRAM)" } };
	struct calib_stat s, cold;
	unsigned r = runs / 4 > 3 ? runs / 4 : 3; /* large copies are slow */

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (calib_memcpy_Bps(sizes[i].bytes, r, &s, err, errlen))
			return -ENOMEM;
		fprintf(stderr, "  memcpy %-14s %8.2f GB/s (MAD %.1f%%)\n",
			sizes[i].name, s.median / 1e9, 100 * s.mad / s.median);
		errmsg_append(about, n, "%s memcpy %s %.2f GB/s", i ? ";" : "",
			      sizes[i].name, s.median / 1e9);
	}
	if (calib_copy_ns(1500, true, runs, &cold, err, errlen))
		return -ENOMEM;
	fprintf(stderr, "  1500 B copy warm %.1f ns, cold %.1f ns\n",
		warm->median, cold.median);
	errmsg_append(
		about, n,
		"; a 1500 B copy from a cache-cold source %.0f ns against %.0f ns warm (no parameter models a cold copy)",
		cold.median, warm->median);
	return 0;
}

static int cal_measure(const char *out, unsigned runs)
{
	struct cal_value v[CAL_MAX_VALUES];
	struct calib_stat sys, pp, wk, warm;
	char err[CAL_ERR_MAX] = "", about[2048], machine[512];
	size_t nv = 0;
	int wk_rc;

	calib_machine(machine, sizeof(machine));
	fprintf(stderr, "usnsim calibrate measure: %s\n", machine);
	if (calib_syscall_ns(runs, &sys, err, sizeof(err)) ||
	    calib_pingpong_ns(runs, &pp, err, sizeof(err)))
		goto out_failed;
	fprintf(stderr, "  syscall %.1f ns, context switch %.1f ns\n",
		sys.median, pp.median);
	wk_rc = calib_wakeup_cross_ns(runs, &wk, err, sizeof(err));
	if (wk_rc && wk_rc != -ENODEV)
		goto out_failed;
	if (!wk_rc)
		fprintf(stderr, "  cross-core wakeup %.1f ns\n", wk.median);
	if (calib_copy_ns(1500, false, runs, &warm, err, sizeof(err)))
		goto out_failed;
	errmsg(about, sizeof(about),
	       "This machine as usnsim calibrate measure found it: %s. Also measured:",
	       machine);
	if (cal_copies(runs, &warm, about, sizeof(about), err, sizeof(err)))
		goto out_failed;
	errmsg_append(
		about, sizeof(about),
		". Not measurable from user space, left at their sourced defaults: DMA and PCIe (hosts.*.nic.pcie_*), the IOMMU (hosts.*.nic.iommu.*), the NIC and its interrupts%s.",
		wk_rc ? "; the cross-core wakeup too, with one CPU to run on"
		      : "");
	cal_time_value(&v[nv++], "hosts.*.cpu.syscall", sys.median, &sys,
		       "raw syscall(SYS_getppid) loop");
	cal_time_value(
		&v[nv++], "hosts.*.cpu.context_switch", pp.median, &pp,
		"half a pipe ping-pong round trip, two processes pinned to one core");
	if (!wk_rc)
		cal_time_value(
			&v[nv++], "hosts.*.cpu.wakeup_cross", wk.median, &wk,
			"the waker's write() to a pipe whose reader sleeps on another core");
	cal_rate_value(&v[nv++], "hosts.*.cpu.copy_bw",
		       1500 / warm.median * 1e9, &warm,
		       "1500 B memcpy of a cache-warm buffer");
	cal_rate_value(&v[nv++], "hosts.*.driver.copy_bw",
		       1500 / warm.median * 1e9, &warm,
		       "1500 B memcpy of a cache-warm buffer");
	if (cal_write(out, about, v, nv, err, sizeof(err)))
		goto out_failed;
	fprintf(stderr,
		"  DMA and PCIe, the IOMMU and the NIC cannot be measured from user space:\n"
		"  hosts.*.nic.* keeps its sourced defaults\n");
	fprintf(stderr, "usnsim calibrate measure: wrote %s\n",
		out ? out : "the profile to stdout");
	return 0;
out_failed:
	fprintf(stderr, "usnsim calibrate measure: %s\n", err);
	return CAL_EXIT_FAILED;
}

/* ---- fit: the models ---- */

/* A registry default in canonical units (ps, bit/s, bytes). */
static double cal_default(const char *path)
{
	const struct param_def *def = param_lookup(path);
	struct param_val pv;
	enum unit_kind kind;
	double num = 0;
	const char *str;

	if (def && !param_parse(def, def->def, &pv, NULL, 0))
		param_quantity(&pv, &kind, &num, &str);
	return num;
}

/* The DMA model: theta = { latency ns, bw Gbit/s, overhead B }. The NIC
 * model's nic_dma_time() takes a whole number of picoseconds and of bytes;
 * it is affine in both, so between whole values it is interpolated
 * exactly, from two calls. */
struct cal_dma {
	uint64_t mps_bytes;
};

static double dma_at(const double *th, double x, const struct cal_dma *a,
		     double dlat, double dovh)
{
	double lat = th[0] * 1e3 + dlat, ovh = th[2] + dovh;
	double bw = th[1] > 1e-3 ? th[1] : 1e-3;
	double lb = lat > 0 ? floor(lat) : 0, ob = ovh > 0 ? floor(ovh) : 0;
	struct nic_pcie p = { (sim_time)lb, bw * 1e9, a->mps_bytes,
			      (uint64_t)ob };
	double t0 = (double)nic_dma_time(&p, (uint64_t)x), t1;

	p.overhead_bytes++;
	t1 = (double)nic_dma_time(&p, (uint64_t)x);
	return (t0 + (lat - lb) + (ovh - ob) * (t1 - t0)) / 1e3;
}

static double dma_f(const double *th, double x, void *arg)
{
	return dma_at(th, x, arg, 0, 0);
}

static void dma_df(const double *th, double x, double *g, void *arg)
{
	const struct cal_dma *a = arg;
	double bw = th[1] > 1e-3 ? th[1] : 1e-3;
	struct nic_pcie p = { 0, bw * 1e9, a->mps_bytes,
			      th[2] > 0 ? (uint64_t)floor(th[2]) : 0 };
	double x0 = (double)nic_dma_xfer(&p, (uint64_t)x), x1;

	/* affine in latency: 1 ns per ns */
	g[0] = dma_at(th, x, a, 1e3, 0) - dma_at(th, x, a, 0, 0);
	/* the transfer is (bytes on the link) / bw */
	p.overhead_bytes++;
	x1 = (double)nic_dma_xfer(&p, (uint64_t)x);
	g[1] = -(x0 + (th[2] - floor(th[2] > 0 ? th[2] : 0)) * (x1 - x0)) /
	       1e3 / bw;
	/* affine in the overhead: one more byte per transaction */
	g[2] = dma_at(th, x, a, 0, 1) - dma_at(th, x, a, 0, 0);
}

static const char *const dma_names[] = { "hosts.*.nic.pcie_latency",
					 "hosts.*.nic.pcie_bw",
					 "hosts.*.nic.pcie_overhead" };
static const char *const dma_units[] = { "ns", "Gbps", "B" };

/* The send path: theta = { proto ns, copy GB/s }; the path charges the
 * syscall, the classify, proto and two copies of the packet (stack.proto's
 * source, models/stack_params.c). */
struct cal_sendto {
	double fixed_ps; /* cpu.syscall + flowswitch.classify */
};

static double sendto_f(const double *th, double x, void *arg)
{
	const struct cal_sendto *a = arg;
	double Bps = th[1] > 1e-6 ? th[1] * 1e9 : 1e3;

	return (a->fixed_ps + th[0] * 1e3 +
		2 * (double)cpu_bytes_time((uint64_t)x, Bps)) /
	       1e3;
}

static void sendto_df(const double *th, double x, double *g, void *arg)
{
	double Bps = th[1] > 1e-6 ? th[1] * 1e9 : 1e3;

	(void)arg;
	g[0] = 1;
	/* a copy takes bytes / bandwidth */
	g[1] = -2 * (double)cpu_bytes_time((uint64_t)x, Bps) / 1e3 /
	       (Bps / 1e9);
}

static const char *const sendto_names[] = { "hosts.*.stack.proto",
					    "hosts.*.cpu.copy_bw" };
static const char *const sendto_units[] = { "ns", "GB/s" };

static struct cal_dma cal_dma_arg;
static struct cal_sendto cal_sendto_arg;

int calibrate_model(const char *name, struct calib_model *m, double *theta0,
		    const char *const **units)
{
	if (!strcmp(name, "dma")) {
		cal_dma_arg.mps_bytes =
			(uint64_t)cal_default("hosts.*.nic.pcie_mps");
		*m = (struct calib_model){ "dma", 3,	  dma_names,
					   dma_f, dma_df, &cal_dma_arg,
					   0 };
		theta0[0] = cal_default(dma_names[0]) / 1e3;
		theta0[1] = cal_default(dma_names[1]) / 1e9;
		theta0[2] = cal_default(dma_names[2]);
		*units = dma_units;
		return 0;
	}
	if (!strcmp(name, "sendto")) {
		cal_sendto_arg.fixed_ps =
			cal_default("hosts.*.cpu.syscall") +
			cal_default("hosts.*.flowswitch.classify");
		*m = (struct calib_model){ "sendto", 2,		sendto_names,
					   sendto_f, sendto_df, &cal_sendto_arg,
					   0 };
		theta0[0] = cal_default(sendto_names[0]) / 1e3;
		theta0[1] = cal_default(sendto_names[1]) / 8e9;
		*units = sendto_units;
		return 0;
	}
	return -ENOENT;
}

/* ---- fit: the command ---- */

/* Marks the parameters named in hold[] (a full path or its last part)
 * as held in m; 0, or -ENOENT with the name that is none of m's. */
static int cal_hold(struct calib_model *m, char **hold, size_t nhold,
		    const char **bad)
{
	for (size_t i = 0; i < nhold; i++) {
		size_t k;

		for (k = 0; k < m->p; k++) {
			const char *last = strrchr(m->names[k], '.') + 1;

			if (!strcmp(hold[i], m->names[k]) ||
			    !strcmp(hold[i], last))
				break;
		}
		if (k == m->p) {
			*bad = hold[i];
			return -ENOENT;
		}
		m->held |= 1u << k;
	}
	return 0;
}

/* A fitted value as the profile's text: times to the ps, rates to the
 * kbit/s, sizes to the byte. */
static void cal_fit_text(const char *unit, double v, char *buf, size_t n)
{
	if (!strcmp(unit, "ns"))
		units_fmt_time(buf, n, (sim_time)llround(v * 1e3));
	else if (!strcmp(unit, "Gbps"))
		units_fmt_bitrate(buf, n, 1e6 * llround(v * 1e3));
	else if (!strcmp(unit, "GB/s"))
		units_fmt_bitrate(buf, n, 8e6 * llround(v * 1e3));
	else
		snprintf(buf, n, "%lldB", llround(v));
}

static void cal_fit_print(FILE *o, const struct calib_model *m,
			  const char *const *units, const struct calib_fit *r,
			  const double *x, const double *y, const double *res,
			  size_t n)
{
	fprintf(o,
		"model %s: %zu measurements, %zu degrees of freedom, %zu iterations\n",
		m->name, n, r->dof, r->iterations);
	fprintf(o, "%-28s %14s %14s %s\n", "parameter", "estimate", "std error",
		"95% interval");
	for (size_t k = 0; k < m->p; k++)
		if (m->held >> k & 1)
			fprintf(o, "%-28s %9.3f %-4s held at its default\n",
				m->names[k], r->theta[k], units[k]);
		else
			fprintf(o,
				"%-28s %9.3f %-4s %9.3f %-4s [%.3f, %.3f] %s\n",
				m->names[k], r->theta[k], units[k], r->se[k],
				units[k], r->lo[k], r->hi[k], units[k]);
	fprintf(o, "residual sd %.3f ns, R^2 %.5f\n", r->sigma, r->r2);
	fprintf(o, "%10s %14s %14s %12s\n", "size_B", "measured_ns",
		"fitted_ns", "residual_ns");
	for (size_t i = 0; i < n; i++)
		fprintf(o, "%10.0f %14.3f %14.3f %12.3f\n", x[i], y[i],
			y[i] - res[i], res[i]);
}

static int cal_fit(const char *model, const char *csv, const char *out,
		   char **hold, size_t nhold)
{
	struct calib_model m;
	struct calib_fit r;
	struct cal_value v[CALIB_MAX_PARAMS];
	const char *const *units;
	double th0[CALIB_MAX_PARAMS], *x = NULL, *y = NULL, *res = NULL;
	char err[CAL_ERR_MAX], about[1024];
	const char *bad;
	size_t n = 0, nv = 0;
	int rc = CAL_EXIT_INPUT;

	if (calibrate_model(model, &m, th0, &units))
		return cal_usage_error("unknown model '%s' (dma or sendto)",
				       model);
	if (cal_hold(&m, hold, nhold, &bad))
		return cal_usage_error(
			"--hold %s: not a parameter of this model", bad);
	if (m.held == (1u << m.p) - 1)
		return cal_usage_error("%s", "--hold leaves nothing to fit");
	if (calib_csv_read(csv, "B", &x, &y, &n, err, sizeof(err)))
		goto out_err;
	nv = m.p - (size_t)__builtin_popcount(m.held);
	if (n <= nv) {
		errmsg(err, sizeof(err),
		       "%s: %zu measurements for %zu parameters to fit: need more measurements than parameters",
		       csv, n, nv);
		goto out_err;
	}
	nv = 0;
	res = malloc(n * sizeof(*res));
	if (!res) {
		errmsg(err, sizeof(err), "out of memory");
		goto out_err;
	}
	rc = CAL_EXIT_FAILED;
	if (calib_fit_run(&m, x, y, n, th0, &r, res, err, sizeof(err)))
		goto out_err;
	/* the report goes where the profile does not */
	cal_fit_print(out ? stdout : stderr, &m, units, &r, x, y, res, n);
	errmsg(about, sizeof(about),
	       "Parameters of model %s fitted by nonlinear least squares to the %zu measurements of %s (residual sd %.3f ns)",
	       m.name, n, csv, r.sigma);
	for (size_t k = 0; k < m.p; k++) {
		if (m.held >> k & 1) {
			errmsg_append(about, sizeof(about),
				      "; %s held at its default", m.names[k]);
			continue;
		}
		v[nv].path = m.names[k];
		cal_fit_text(units[k], r.theta[k], v[nv].text,
			     sizeof(v[nv].text));
		snprintf(
			v[nv++].source, sizeof(v[0].source),
			"fitted by usnsim calibrate fit --model %s to %zu measurements: %.3f %s, standard error %.3f %s, 95%% interval [%.3f, %.3f] %s, R^2 %.4f",
			m.name, n, r.theta[k], units[k], r.se[k], units[k],
			r.lo[k], r.hi[k], units[k], r.r2);
	}
	errmsg_append(about, sizeof(about), ".");
	for (size_t i = 0; i < nv; i++)
		if (cal_value_check(&v[i], err, sizeof(err))) {
			errmsg_append(
				err, sizeof(err),
				" (no valid value of it explains these measurements; --hold %s keeps its default and fits the others)",
				strrchr(v[i].path, '.') + 1);
			goto out_err;
		}
	if (cal_write(out, about, v, nv, err, sizeof(err)))
		goto out_err;
	rc = 0;
	goto out_free;
out_err:
	fprintf(stderr, "usnsim calibrate fit: %s\n", err);
out_free:
	free(res);
	free(x);
	free(y);
	return rc;
}

int calibrate_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "model", required_argument, NULL, 'm' },
		{ "csv", required_argument, NULL, 'c' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *model = NULL, *csv = NULL, *sub;
	char **av = argv + 1, *hold[CALIB_MAX_PARAMS];
	size_t nhold = 0;
	long runs = 31;
	char *end;
	int c;

	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(cal_usage, stdout);
		return 0;
	}
	if (argc < 2)
		return cal_usage_error("%s", "missing measure or fit");
	sub = argv[1];
	if (strcmp(sub, "measure") && strcmp(sub, "fit"))
		return cal_usage_error("unknown subcommand '%s'", sub);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, av, ":o:r:m:c:H:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'r':
			runs = strtol(optarg, &end, 10);
			if (*end || runs < 3 || runs > 1001)
				return cal_usage_error(
					"--repeat %s: expected a whole number from 3 to 1001",
					optarg);
			break;
		case 'm':
			model = optarg;
			break;
		case 'c':
			csv = optarg;
			break;
		case 'H':
			if (nhold == CALIB_MAX_PARAMS)
				return cal_usage_error("%s", "too many --hold");
			hold[nhold++] = optarg;
			break;
		case 'h':
			fputs(cal_usage, stdout);
			return 0;
		case ':':
			return cal_usage_error("option '%s' wants a value",
					       av[optind - 1]);
		default:
			return cal_usage_error("unknown option '%s'",
					       av[optind - 1]);
		}
	}
	if (optind < argc - 1)
		return cal_usage_error("unexpected argument '%s'", av[optind]);
	if (!strcmp(sub, "measure")) {
		if (model || csv || nhold)
			return cal_usage_error(
				"%s",
				"measure takes no --model, --csv or --hold");
		return cal_measure(out, (unsigned)runs);
	}
	if (!model || !csv)
		return cal_usage_error("%s", "fit needs --model and --csv");
	return cal_fit(model, csv, out, hold, nhold);
}
