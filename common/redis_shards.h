/*
 * Redis sharded by Kafka partition (REDIS_ADDRS): N connections, one per
 * address, the state of partition p on entry p mod N. The set is the one
 * owner of its connections; a daemon whose state is keyed by partition
 * asks it for the connection of a partition and never keeps its own.
 * Scripts are registered on every entry. Ready when every entry is.
 *
 * The address list is parsed here too (pure, for the unit tests): a
 * comma-separated list of host:port, no entry empty, without a port, with
 * a port out of range or given twice.
 */
#ifndef CDP_REDIS_SHARDS_H
#define CDP_REDIS_SHARDS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "redis.h"

#define REDIS_SHARDS_MAX	64

struct redis_shards;

int		 redis_shards_parse(const char *s,
		    struct config_hostport **list, size_t *n, char *err,
		    size_t errsz);
size_t		 redis_shard_of(int32_t partition, size_t nshards);

struct redis_shards *redis_shards_new(struct event_base *base,
		    const struct redis_endpoint *eps, size_t n);
size_t		 redis_shards_count(const struct redis_shards *rs);
struct redis	*redis_shards_at(const struct redis_shards *rs, size_t i);
struct redis	*redis_for_partition(const struct redis_shards *rs,
		    int32_t partition);
struct redis_script *redis_shards_script(struct redis_shards *rs,
		    const char *lua);
int		 redis_shards_ready(void *rs, char *why, size_t whysz);
void		 redis_shards_free(struct redis_shards *rs);

#endif
