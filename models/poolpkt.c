/*
 * poolpkt.c - the buffers a packet holds, from a device pool and from a
 * channel's pool (see pool.h).
 *
 * The models that own a step of the data path decide when a packet takes
 * or gives back its buffers: the flow switch copies it from the channel's
 * pool into a device packet (TX) and back (RX), the NIC frees a TX
 * device buffer when the frame has left and takes one for each frame it
 * receives. Wherever a packet ends (delivered or dropped), the sink gives
 * back what it still holds, so no buffer outlives its packet.
 */
#include <errno.h>

#include "pkt.h"
#include "pool.h"

static int pool_attach(struct pool *p, struct sim_pkt *pkt, uint32_t cpu,
		       sim_time *cost_ps, struct pool **slot, uint32_t *buf)
{
	uint32_t b;

	if (*slot)
		return -EBUSY;
	b = pool_alloc(p, cpu, pkt->len_bytes, cost_ps);
	if (b == POOL_NONE)
		return -ENOMEM;
	*slot = p;
	*buf = b;
	return 0;
}

int pool_attach_dev(struct pool *p, struct sim_pkt *pkt, uint32_t cpu,
		    sim_time *cost_ps)
{
	return pool_attach(p, pkt, cpu, cost_ps, &pkt->dpool, &pkt->dbuf);
}

int pool_attach_user(struct pool *p, struct sim_pkt *pkt, uint32_t cpu,
		     sim_time *cost_ps)
{
	return pool_attach(p, pkt, cpu, cost_ps, &pkt->upool, &pkt->ubuf);
}

void pool_release_dev(struct sim_pkt *pkt, uint32_t cpu)
{
	if (!pkt->dpool)
		return;
	pool_free(pkt->dpool, cpu, pkt->dbuf);
	pkt->dpool = NULL;
}

void pool_release_user(struct sim_pkt *pkt, uint32_t cpu)
{
	if (!pkt->upool)
		return;
	pool_free(pkt->upool, cpu, pkt->ubuf);
	pkt->upool = NULL;
}

void pool_release(struct sim_pkt *pkt)
{
	pool_release_dev(pkt, POOL_NONE);
	pool_release_user(pkt, POOL_NONE);
}
