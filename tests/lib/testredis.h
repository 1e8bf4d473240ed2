/*
 * A redis-server of a test's own, beside the test environment's: for tests
 * that kill it, or run it with an ACL of their own; and the few questions
 * tests ask any Redis connection (a string, an integer, how many keys).
 */
#ifndef CDP_TESTREDIS_H
#define CDP_TESTREDIS_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#include "redis.h"

pid_t		 testredis_start(int port, const char *const *extra);
void		 testredis_kill(pid_t pid);
redisContext	*testredis_connect(const struct redis_endpoint *ep);
redisContext	*testredis_connect_port(int port);
long long	 testredis_int(redisContext *rc, const char *fmt, ...);
long long	 testredis_vint(redisContext *rc, const char *fmt, va_list ap);
char		*testredis_string(redisContext *rc, const char *fmt, ...);
char		*testredis_vstring(redisContext *rc, const char *fmt,
		    va_list ap);
size_t		 testredis_count(redisContext *rc, const char *pattern);

#endif
