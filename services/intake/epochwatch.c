/*
 * Watches the epochs of the read model's partitions (readmodel.c): every
 * few seconds, for each partition this instance reads, whether its epoch
 * is still in Redis. A write notices a lost epoch only when an event comes
 * for that partition; a quiet partition whose state was emptied (FLUSHALL)
 * would keep answering 404 for its complaints until then. Here it is read
 * again from the beginning within one period. With Redis sharded by
 * partition each partition's epoch is asked of its own entry (shard.c), so
 * an entry emptied alone rebuilds just its partitions.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "intake.h"
#include "kafka.h"
#include "redis.h"
#include "xmalloc.h"

#define EPOCHWATCH_PERIOD_MS	3000

struct epochcheck {
	struct intake	*in;
	char		*topic;
	int32_t		 partition;
};

static struct event	*watch_ev;

static void
epochwatch_on_reply(struct redis *r, redisReply *reply, void *arg)
{
	struct epochcheck	*c = arg;

	if (!redis_reply_error(reply, "read model epoch") &&
	    reply->type == REDIS_REPLY_INTEGER && reply->integer == 0 &&
	    c->in->consumer != NULL)
		readmodel_lost(c->in, c->topic, c->partition);
	free(c->topic);
	free(c);
}

static void
epochwatch_check(void *arg, const char *topic, int32_t partition)
{
	struct intake		*in = arg;
	struct redis		*r = shard_for_partition(in, topic, partition);
	struct epochcheck	*c;

	if (!redis_connected(r))
		return;
	c = xmalloc(sizeof(*c));
	c->in = in;
	c->topic = xstrdup(topic);
	c->partition = partition;
	if (redis_command(r, epochwatch_on_reply, c,
	    "EXISTS rm:epoch:%s:%d", topic, (int)partition) == -1) {
		free(c->topic);
		free(c);
	}
}

static void
epochwatch_tick(evutil_socket_t fd, short what, void *arg)
{
	struct intake	*in = arg;
	struct timeval	 tv = { EPOCHWATCH_PERIOD_MS / 1000,
			    (EPOCHWATCH_PERIOD_MS % 1000) * 1000 };

	evtimer_add(watch_ev, &tv);
	if (in->consumer != NULL)
		kafka_consumer_each_started(in->consumer, epochwatch_check,
		    in);
}

void
epochwatch_start(struct intake *in)
{
	struct timeval	 tv = { EPOCHWATCH_PERIOD_MS / 1000,
			    (EPOCHWATCH_PERIOD_MS % 1000) * 1000 };

	watch_ev = evtimer_new(in->base, epochwatch_tick, in);
	evtimer_add(watch_ev, &tv);
}

void
epochwatch_stop(void)
{
	if (watch_ev != NULL)
		event_free(watch_ev);
	watch_ev = NULL;
}
