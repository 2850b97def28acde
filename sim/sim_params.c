/*
 * sim_params.c - top-level scenario parameters (run control).
 */
#include "param.h"

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
	{ "engine", PT_ENUM, "native", "native", 0, 0, "event engine backend",
	  "usnsim: the native engine is the fastest" },
	{ "sample_interval", PT_TIME, "1ms", NULL, 0, 9e18,
	  "period of time-series samples; 0 disables them",
	  "usnsim: 1000 points per simulated second" },
	{ NULL },
};
