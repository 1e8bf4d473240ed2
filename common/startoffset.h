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

#endif
