/*
 * The test environment's Redis, entry by entry, and on which entry a
 * daemon's key must be. ./dev test starts one Redis (REDIS_ADDR) or, with
 * CDP_TEST_REDIS_SHARDS=N, N of them (CDP_TEST_REDIS_ADDRS), which the
 * daemons that tests start get as REDIS_ADDRS: partition p's state on
 * entry p mod N (docs/operations.md, "Redis sharded by partition"). On one
 * Redis every entry number is 0, so a test written against these runs
 * unchanged on both layouts.
 */
#ifndef CDP_TESTENV_REDIS_H
#define CDP_TESTENV_REDIS_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

size_t		 testenv_redis_entries(void);
void		 testenv_redis_entry(size_t i, char **host, int *port);
void		 testenv_redis_use(const char *addrs);
char		*testenv_redis_addrs(void);
redisContext	*testenv_redis_connect(size_t entry);
size_t		 testenv_entry_of_partition(int32_t partition);
int32_t		 testenv_partition_of_complaint(const char *id);
size_t		 testenv_entry_of_complaint(const char *id);
size_t		 testenv_entry_of_key(const char *key);
void		 testenv_redis_do(size_t entry, const char *fmt, ...);
long long	 testenv_redis_int(size_t entry, const char *fmt, ...);
char		*testenv_redis_string(size_t entry, const char *fmt, ...);
size_t		 testenv_redis_count(size_t entry, const char *pattern);
void		 testenv_redis_flushall(void);
void		 testenv_redis_only_on(size_t entry, const char *key);
char		*testenv_redis_find(const char *pattern);
size_t		 testenv_redis_delete(const char *pattern);

#endif
