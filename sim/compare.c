/*
 * compare.c - `usnsim compare` (being written).
 */
#include <stdio.h>

#include "cli.h"

int compare_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "usnsim: compare: not in this build yet\n");
	return 2;
}
