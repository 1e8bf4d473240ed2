/*
 * A redis-server of a test's own: on loopback, nothing kept on disk,
 * warnings only, with the test's extra arguments (an ACL, users) after
 * those. Killed, never stopped: the tests that use it want it gone at once.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "testredis.h"
#include "xmalloc.h"

#define TESTREDIS_ARGS_MAX	32
#define TESTREDIS_TRIES		100	/* of 50 ms: five seconds */

/* Starts it; extra is NULL-terminated, or NULL. Returns its pid, or -1. */
pid_t
testredis_start(int port, const char *const *extra)
{
	const char	*argv[TESTREDIS_ARGS_MAX] = { "redis-server", "--port",
	    NULL, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
	    "--loglevel", "warning" };
	char		 portstr[16];
	size_t		 n = 11;
	pid_t		 pid;

	snprintf(portstr, sizeof(portstr), "%d", port);
	argv[2] = portstr;
	while (extra != NULL && *extra != NULL && n < TESTREDIS_ARGS_MAX - 1)
		argv[n++] = *extra++;
	argv[n] = NULL;
	if ((pid = fork()) == 0) {
		execvp("redis-server", (char *const *)argv);
		_exit(127);
	}
	return pid;
}

void
testredis_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A synchronous connection once the server answers, or NULL after 5 s. */
redisContext *
testredis_connect(const struct redis_endpoint *ep)
{
	redisContext	*rc = NULL;
	char		 err[256];
	int		 i;

	for (i = 0; i < TESTREDIS_TRIES && rc == NULL; i++)
		if ((rc = redis_connect_sync(ep, err, sizeof(err))) == NULL)
			usleep(50000);
	return rc;
}

/*
 * A connection to the redis-server of a test's own on port of loopback;
 * the test fails when it does not answer within 5 s.
 */
redisContext *
testredis_connect_port(int port)
{
	struct redis_endpoint	 ep = { "127.0.0.1", port, NULL, NULL };
	redisContext		*rc;

	if ((rc = testredis_connect(&ep)) == NULL)
		fail_msg("the redis-server on port %d does not answer", port);
	return rc;
}

/* One command's answer; an error answer or none fails the test. */
static redisReply *
testredis_ask(redisContext *rc, const char *fmt, va_list ap)
{
	redisReply	*r = redisvCommand(rc, fmt, ap);

	if (r == NULL)
		fail_msg("redis: no answer (%s)", rc->errstr);
	if (r->type == REDIS_REPLY_ERROR)
		fail_msg("redis: %s", r->str);
	return r;
}

/*
 * The integer answer of a command (EXISTS, STRLEN, PTTL, EVAL ...), the
 * value of a string answer (ZSCORE, GET of a counter), -1 for nil or any
 * other answer: the tests compare it with what they expect.
 */
long long
testredis_vint(redisContext *rc, const char *fmt, va_list ap)
{
	redisReply	*r = testredis_ask(rc, fmt, ap);
	long long	 n = -1;

	if (r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	else if (r->type == REDIS_REPLY_STRING)
		n = strtoll(r->str, NULL, 10);
	freeReplyObject(r);
	return n;
}

long long
testredis_int(redisContext *rc, const char *fmt, ...)
{
	va_list		ap;
	long long	n;

	va_start(ap, fmt);
	n = testredis_vint(rc, fmt, ap);
	va_end(ap);
	return n;
}

/* A string answer (GET ...), allocated, or NULL for nil. */
char *
testredis_vstring(redisContext *rc, const char *fmt, va_list ap)
{
	redisReply	*r = testredis_ask(rc, fmt, ap);
	char		*s = NULL;

	if (r->type == REDIS_REPLY_STRING)
		s = xstrndup(r->str, r->len);
	freeReplyObject(r);
	return s;
}

char *
testredis_string(redisContext *rc, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = testredis_vstring(rc, fmt, ap);
	va_end(ap);
	return s;
}

/* How many keys match pattern (KEYS: test data sets are small). */
size_t
testredis_count(redisContext *rc, const char *pattern)
{
	redisReply	*r = redisCommand(rc, "KEYS %s", pattern);
	size_t		 n;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		fail_msg("redis: KEYS %s: no list", pattern);
	n = r->elements;
	freeReplyObject(r);
	return n;
}
