/*
 * A redis-server of a test's own, beside the test environment's: for tests
 * that kill it, or run it with an ACL of their own.
 */
#ifndef CDP_TESTREDIS_H
#define CDP_TESTREDIS_H

#include <sys/types.h>

#include <hiredis/hiredis.h>

#include "redis.h"

pid_t		 testredis_start(int port, const char *const *extra);
void		 testredis_kill(pid_t pid);
redisContext	*testredis_connect(const struct redis_endpoint *ep);

#endif
