/*
 * Where a partition starts, for a daemon that keeps its progress in Redis
 * with its state: asked of Redis on the event loop (never blocking it),
 * answered to the consumer (kafka_consumer_start_at). Shared by intake's
 * read model and the sla-timer.
 */
#ifndef CDP_STARTOFFSET_H
#define CDP_STARTOFFSET_H

#include <stdint.h>

#include "kafka.h"
#include "redis.h"

struct startoffset;

struct startoffset	*startoffset_new(struct kafka_consumer *const *c,
			    const char *topic, int32_t partition,
			    uint64_t ticket);
void			 startoffset_on_reply(struct redis *r,
			    redisReply *reply, void *arg);
void			 startoffset_refused(struct startoffset *s);

/*
 * The script that takes up a partition (KEYS[1] its stored offset,
 * KEYS[2] its epoch, ARGV[1] now): writes the epoch unless it is there,
 * and answers the offset for startoffset_on_reply(). A daemon's state
 * writes refuse to run without the epoch, so a Redis emptied under it
 * (FLUSHALL, a replica promoted without the data) is noticed at the next
 * write instead of being taken for a partition without state, and the
 * partition is read again from the beginning.
 */
extern const char	 startoffset_take_lua[];

#endif
