/*
 * version.h - the usnsim version, from `git describe` at build time.
 */
#ifndef USNSIM_VERSION_H
#define USNSIM_VERSION_H

const char *usnsim_version(void);

#endif
