/*
 * export.c - `usnsim export` (being written).
 */
#include <stdio.h>

#include "cli.h"

int export_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "usnsim: export: not in this build yet\n");
	return 2;
}
