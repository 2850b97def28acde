/*
 * cli.h - subcommands implemented outside main.c (the commands that read
 * a results database are in analysis/, declared in analysis.h). Each takes the command
 * line from the subcommand's name on (argv[0] is "plot", "check", ...),
 * prints its own --help, and returns the exit status: 0 ok, 1 a check
 * failed or a metric regressed, 2 bad input or usage.
 */
#ifndef USNSIM_CLI_H
#define USNSIM_CLI_H

#include "analysis.h" /* plot_main, export_main, compare_main */

int check_main(int argc, char **argv);	   /* sim/cli/check.c */
int calibrate_main(int argc, char **argv); /* sim/cli/calibrate.c */

struct calib_model;
/* The model `usnsim calibrate fit --model name` fits (dma, sendto): *m,
 * its starting values (the registry defaults, in the model's units) in
 * theta0 and the unit of each parameter in *units. Returns 0 or -ENOENT. */
int calibrate_model(const char *name, struct calib_model *m, double *theta0,
		    const char *const **units);

#endif
