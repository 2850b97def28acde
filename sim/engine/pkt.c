/*
 * pkt.c - the packet free list.
 *
 * Packets are carved from chunks of PKT_CHUNK records; freed packets go on
 * a free list threaded through their `next` field and are reused first.
 * Chunks are kept until the pool is destroyed, so the steady state of a run
 * allocates nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

#define PKT_CHUNK 1024

/* Line-aligned, so that a packet spans as few lines as its size allows. */
struct pkt_chunk {
	struct pkt_chunk *next;
	_Alignas(64) struct sim_pkt pkt[PKT_CHUNK];
};

struct pkt_pool {
	struct pkt_chunk *chunks;
	struct sim_pkt *free;
	uint64_t next_id;
	uint64_t in_use;
};

struct pkt_pool *pkt_pool_create(void)
{
	struct pkt_pool *pool = calloc(1, sizeof(*pool));

	if (pool)
		pool->next_id = 1;
	return pool;
}

void pkt_pool_destroy(struct pkt_pool *pool)
{
	if (!pool)
		return;
	while (pool->chunks) {
		struct pkt_chunk *c = pool->chunks;

		pool->chunks = c->next;
		free(c);
	}
	free(pool);
}

static int pkt_grow(struct pkt_pool *pool)
{
	struct pkt_chunk *c = aligned_alloc(64, sizeof(*c));

	if (!c)
		return -1;
	c->next = pool->chunks;
	pool->chunks = c;
	for (int i = PKT_CHUNK - 1; i >= 0; i--) {
		c->pkt[i].next = pool->free;
		pool->free = &c->pkt[i];
	}
	return 0;
}

struct sim_pkt *pkt_alloc(struct pkt_pool *pool)
{
	struct sim_pkt *pkt;

	if (!pool->free && pkt_grow(pool))
		return NULL;
	pkt = pool->free;
	pool->free = pkt->next;
	memset(pkt, 0, sizeof(*pkt));
	pkt->id = pool->next_id++;
	pool->in_use++;
	return pkt;
}

void pkt_free(struct pkt_pool *pool, struct sim_pkt *pkt)
{
	pkt->next = pool->free;
	pool->free = pkt;
	pool->in_use--;
}

uint64_t pkt_in_use(const struct pkt_pool *pool)
{
	return pool->in_use;
}

uint64_t pkt_fifo_count_src(const struct pkt_fifo *f, uint32_t src)
{
	uint64_t n = 0;

	for (const struct sim_pkt *p = f->head; p; p = p->next)
		n += p->src == src;
	return n;
}

void pkt_fifo_held_add(const struct pkt_fifo *f, uint64_t *held, size_t napps)
{
	for (const struct sim_pkt *p = f->head; p; p = p->next)
		pkt_held_add(p, held, napps);
}
