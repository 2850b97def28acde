/*
 * dql.c - dynamic device queue limits (dql.h).
 *
 * At each completion the limit is judged against what the device did
 * since the previous one:
 *
 * - Starved: the sender was held back by the limit (over it) and the
 *   device has now completed everything it had, or everything that was
 *   queued at the previous completion while the sender was over the limit
 *   then. The limit grows by what the device took beyond the previous
 *   completion's queue, plus how far over the limit the sender was: the
 *   bytes it would have needed to stay busy.
 * - Not starved, with bytes still in the device both now and at the
 *   previous completion: the slack is the limit (plus any excess) beyond
 *   twice what completed in this interval, or the last frame's part above
 *   the excess; the smallest slack over hold_ps is taken off the limit.
 *
 * This is the rule of Linux's lib/dynamic_queue_limits.c, written for
 * completions that arrive one frame at a time in order.
 */
#include "dql.h"

static uint64_t posdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

void dql_init(struct dql *q, uint64_t min_limit, uint64_t max_limit,
	      sim_time hold_ps)
{
	*q = (struct dql){ .limit = min_limit,
			   .min_limit = min_limit,
			   .max_limit = max_limit,
			   .lowest_slack = UINT64_MAX,
			   .hold_ps = hold_ps };
}

void dql_queued(struct dql *q, uint64_t bytes)
{
	q->last_obj = bytes;
	q->queued += bytes;
}

uint64_t dql_inflight(const struct dql *q)
{
	return q->queued - q->completed;
}

bool dql_open(const struct dql *q)
{
	return dql_inflight(q) <= q->limit;
}

void dql_completed(struct dql *q, uint64_t bytes, sim_time now)
{
	uint64_t queued = q->queued, completed = q->completed + bytes;
	uint64_t limit = q->limit, ovlimit, inprogress, prev_inprogress;
	bool all_prev;

	if (completed > queued)
		completed = queued; /* more than was handed: a caller's bug */
	ovlimit = posdiff(queued - q->completed, limit);
	inprogress = queued - completed;
	prev_inprogress = posdiff(q->prev_queued, q->completed);
	all_prev = completed >= q->prev_queued;
	if ((ovlimit && !inprogress) || (q->prev_ovlimit && all_prev)) {
		limit += posdiff(completed, q->prev_queued) + q->prev_ovlimit;
		q->slack_start_ps = now;
		q->lowest_slack = UINT64_MAX;
	} else if (inprogress && prev_inprogress && !all_prev) {
		uint64_t slack = posdiff(limit + q->prev_ovlimit,
					 2 * (completed - q->completed));
		uint64_t last = q->prev_ovlimit ? posdiff(q->prev_last_obj,
							  q->prev_ovlimit)
						: 0;

		if (last > slack)
			slack = last;
		if (slack < q->lowest_slack)
			q->lowest_slack = slack;
		if (now > q->slack_start_ps + q->hold_ps) {
			limit = posdiff(limit, q->lowest_slack);
			q->slack_start_ps = now;
			q->lowest_slack = UINT64_MAX;
		}
	}
	if (limit > q->max_limit)
		limit = q->max_limit;
	if (limit < q->min_limit)
		limit = q->min_limit;
	if (limit != q->limit) {
		if (limit > q->limit)
			q->grows++;
		else
			q->shrinks++;
		q->limit = limit;
		ovlimit = 0;
	}
	q->prev_ovlimit = ovlimit;
	q->prev_last_obj = q->last_obj;
	q->completed = completed;
	q->prev_queued = queued;
}
