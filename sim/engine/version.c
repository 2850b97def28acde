/*
 * version.c - the usnsim version string, from `git describe` at build time
 * (the Makefile writes usnsim_version.h, and rewrites it only when the
 * description changes).
 */
#include "usnsim_version.h"
#include "version.h"

const char *usnsim_version(void)
{
	return USNSIM_VERSION;
}
