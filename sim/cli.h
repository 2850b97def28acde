/*
 * cli.h - subcommands implemented outside main.c. Each takes the command
 * line from the subcommand's name on (argv[0] is "plot", "check", ...),
 * prints its own --help, and returns the exit status: 0 ok, 1 a check
 * failed or a metric regressed, 2 bad input or usage.
 */
#ifndef USNSIM_CLI_H
#define USNSIM_CLI_H

int plot_main(int argc, char **argv);	 /* sim/plot.c */
int export_main(int argc, char **argv);	 /* sim/export.c */
int check_main(int argc, char **argv);	 /* sim/check.c */
int compare_main(int argc, char **argv); /* sim/compare.c */

#endif
