/*
 * check.c - `usnsim check` (being written).
 */
#include <stdio.h>

#include "cli.h"

int check_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "usnsim: check: not in this build yet\n");
	return 2;
}
