/*
 * Which Redis entry holds what, with Redis sharded by partition
 * (REDIS_ADDRS; docs/operations.md, "Redis sharded by partition"). A
 * complaint's read model (its view, summary record, tombstone, index
 * entries, reservation, retention) lives on the entry of its
 * complaints.events partition p, entry p mod N, with that partition's
 * offset and epoch. The consumer knows the partition of every message; a
 * request knows only the complaint id, and computes the partition the
 * producers put it on (murmur2 of the id over the topic's partition count,
 * common/murmur2.c). The count comes from the brokers' metadata, asked
 * once at start and again every second until they answer; until then a
 * request that needs a complaint's entry is answered 503 and /readyz says
 * why. What is not kept per complaint (merchants' standing, Idempotency-Keys,
 * appeals' reservations, order snapshots) stays on entry 0 (in->redis).
 * With one entry (REDIS_ADDR) everything is on it and nothing is asked.
 */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "intake.h"
#include "kafka.h"
#include "log.h"
#include "murmur2.h"
#include "redis_shards.h"

#define SHARD_RETRY_MS		1000
#define SHARD_METADATA_MS	500

static struct event	*learn_ev;

/* Asks the brokers for complaints.events' partition count until known. */
static void
shard_learn(evutil_socket_t fd, short what, void *arg)
{
	struct intake	*in = arg;
	struct timeval	 tv = { SHARD_RETRY_MS / 1000,
			    (SHARD_RETRY_MS % 1000) * 1000 };
	int		 n;

	if ((n = kafka_producer_partitions(in->producer, in->topic,
	    SHARD_METADATA_MS)) <= 0) {
		evtimer_add(learn_ev, &tv);
		return;
	}
	in->partitions = n;
	log_info("read model: %s has %d partitions over %zu Redis entries",
	    in->topic, n, shard_count(in));
}

void
shard_start(struct intake *in)
{
	if (shard_count(in) == 1)
		return;
	learn_ev = evtimer_new(in->base, shard_learn, in);
	shard_learn(-1, 0, in);
}

void
shard_stop(void)
{
	if (learn_ev != NULL)
		event_free(learn_ev);
	learn_ev = NULL;
}

size_t
shard_count(const struct intake *in)
{
	return redis_shards_count(in->shards);
}

struct redis *
shard_at(const struct intake *in, size_t i)
{
	return redis_shards_at(in->shards, i);
}

/*
 * The entry of a partition of a topic the read model consumes: a
 * complaints.events partition's own, merchants.state's entry 0.
 */
struct redis *
shard_for_partition(const struct intake *in, const char *topic,
    int32_t partition)
{
	if (strcmp(topic, in->topic) != 0)
		return in->redis;
	return redis_for_partition(in->shards, partition);
}

/* A complaint's entry, or NULL while the partition count is unknown. */
struct redis *
shard_for_complaint(const struct intake *in, const char *complaint_id)
{
	if (shard_count(in) == 1)
		return in->redis;
	if (in->partitions <= 0)
		return NULL;
	return redis_for_partition(in->shards, murmur2_partition(complaint_id,
	    strlen(complaint_id), in->partitions));
}

/* A readiness check: with several entries, the partition count known. */
int
shard_ready(void *arg, char *why, size_t whysz)
{
	struct intake	*in = arg;

	if (shard_count(in) == 1 || in->partitions > 0)
		return 1;
	snprintf(why, whysz, "partition count of %s not yet known", in->topic);
	return 0;
}
