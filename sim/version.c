/*
 * version.c - the usnsim version string, stamped by the Makefile.
 */
#include "version.h"

#ifndef USNSIM_VERSION
#define USNSIM_VERSION "unknown"
#endif

const char *usnsim_version(void)
{
	return USNSIM_VERSION;
}
