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

int check_main(int argc, char **argv); /* sim/cli/check.c */

#endif
