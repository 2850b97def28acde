/*
 * hostmem.h - a host's memory and its packet buffer pools, built from
 * hosts.NAME.pool.* and hosts.NAME.memory: the device pool its driver owns
 * and a channel pool for each app end with a user-space stack, all drawing
 * from one host memory (models/pool.h).
 */
#ifndef USNSIM_HOSTMEM_H
#define USNSIM_HOSTMEM_H

#include <stddef.h>
#include <stdint.h>

#include "pool.h"

struct hostmem;
struct scn;
struct stats;

/* Creates the memory of host `host` (its name under hosts:). With
 * pool.mode none, *out is NULL and 0 is returned (memory not modelled).
 * Otherwise creates the host memory (component "hosts.HOST.memory") and
 * the device pool ("hosts.HOST.pool.device"). Returns 0; -EINVAL with
 * "file:line:col: ..." in err if the pool parameters do not fit together
 * (a segment not a multiple of the page, max below min ...) or the
 * host's memory cannot hold the static reservations; -ENOMEM. */
int hostmem_create(struct sim *sim, struct stats *st, const struct scn *s,
		   const char *host, uint32_t rep, struct hostmem **out,
		   char *err, size_t errlen);
void hostmem_destroy(struct hostmem *m); /* NULL is a no-op */
struct pool *hostmem_device(const struct hostmem *m);
/* Segment size of the device pool (for the NIC's IOTLB). */
uint64_t hostmem_device_segment(const struct hostmem *m);
/* Creates the channel pool of app `app`'s end on this host
 * ("hosts.HOST.pool.app.APP"). Returns 0, -EINVAL (message in err) or
 * -ENOMEM. */
int hostmem_channel_pool(struct hostmem *m, const char *app, struct pool **out,
			 char *err, size_t errlen);
/* The pools' accounting invariants (reserved >= in use, no bad free):
 * 0, or -1 with what is wrong in msg. */
int hostmem_check(const struct hostmem *m, char *msg, size_t n);
/* Records every pool's end-of-run scalars. */
void hostmem_finish(struct hostmem *m);

#endif
