/*
 * plot.c - `usnsim plot` (being written).
 */
#include <stdio.h>

#include "cli.h"

int plot_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "usnsim: plot: not in this build yet\n");
	return 2;
}
