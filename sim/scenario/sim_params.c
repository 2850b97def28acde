/*
 * sim_params.c - top-level scenario parameters (run control).
 */
#include "param.h"
#include "registry.h"

const struct param_def sim_params[] = {
	{ "name", PT_STRING, "", NULL, 0, 0,
	  "study name stored with every run; empty means the file name",
	  "usnsim: the scenario file's base name" },
	{ "duration", PT_TIME, "1s", NULL, 1, 9e18, "simulated time of one run",
	  "usnsim: long enough for microsecond queues to converge" },
	{ "warmup", PT_TIME, "0", NULL, 0, 9e18,
	  "samples before this time are not recorded (counters still count)",
	  "usnsim: no warm-up unless the study asks for one" },
	{ "seed", PT_INT, "1", NULL, 0, 9007199254740991.0,
	  "base seed; every random stream derives from it",
	  "usnsim convention" },
	{ "repetitions", PT_INT, "1", NULL, 1, 1e6,
	  "independent runs of the scenario (seeds derived per repetition)",
	  "usnsim: one run unless confidence intervals are wanted" },
	{ "engine", PT_ENUM, "auto", "auto|native|ns3", 0, 0,
	  "event engine backend: native, ns3 (ns3::Simulator), or auto: native unless the network is an ns-3 device",
	  "usnsim: the native engine is the fastest; ns-3 networks need ns3" },
	{ "sample_interval", PT_TIME, "1ms", NULL, 0, 9e18,
	  "period of time-series samples; 0 disables them",
	  "usnsim: 1000 points per simulated second" },
	{ "common_random_numbers", PT_BOOL, "true", NULL, 0, 0,
	  "the same repetition draws the same random numbers at every sweep point (paired comparisons); false derives seeds per point",
	  "usnsim: common random numbers reduce the variance of differences between points" },
	{ "stopping.metric", PT_STRING, "", NULL, 0, 0,
	  "sequential stopping: add repetitions until the CI of this metric (component.metric.stat, e.g. network.queue_delay.mean) is narrow enough; empty: off",
	  "usnsim: a fixed number of repetitions unless asked" },
	{ "stopping.half_width", PT_FRACTION, "2%", NULL, 1e-6, 1,
	  "target half-width of the confidence interval, relative to its mean",
	  "usnsim: 2%, the tolerance of the validation tests" },
	{ "stopping.confidence", PT_FRACTION, "0.95", NULL, 0.5, 0.9999,
	  "confidence level of that interval (Student t over repetitions)",
	  "the customary 95%" },
	{ "stopping.max_repetitions", PT_INT, "100", NULL, 2, 1e6,
	  "most repetitions per point when stopping sequentially",
	  "usnsim: bounds the cost of a point whose metric does not settle" },
	{ NULL },
};
