/*
 * The window of one partition's messages in a handler's hands at once
 * (kafka_consumer.c, max_in_flight): started in offset order, ended in any
 * order. The offset that may be committed is the one after the contiguous
 * prefix of ended messages, so a crash redelivers every message not ended
 * and some that were. Messages with the same key never run side by side.
 * No I/O: tests/unit/test_kafka_inflight.c.
 */
#ifndef CDP_KAFKA_INFLIGHT_H
#define CDP_KAFKA_INFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kafka_inflight;

struct kafka_inflight *kafka_inflight_new(size_t max);
void		 kafka_inflight_free(struct kafka_inflight *w);
bool		 kafka_inflight_full(const struct kafka_inflight *w);
size_t		 kafka_inflight_pending(const struct kafka_inflight *w);
bool		 kafka_inflight_key_busy(const struct kafka_inflight *w,
		    const void *key, size_t len);
int		 kafka_inflight_start(struct kafka_inflight *w,
		    int64_t offset, const void *key, size_t len);
int		 kafka_inflight_end(struct kafka_inflight *w, int64_t offset,
		    int64_t *commit);
int64_t		 kafka_inflight_committable(const struct kafka_inflight *w);
void		 kafka_inflight_reset(struct kafka_inflight *w);

#endif
