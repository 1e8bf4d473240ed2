/*
 * The Redis client survives a Redis restart: it notices the loss, refuses
 * commands while down, reconnects with backoff and loads its scripts again
 * on the new server. The test runs its own redis-server so that killing it
 * disturbs no other test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "redis.h"
#include "testenv.h"
#include "testproc.h"
#include "testredis.h"

struct run {
	struct redis	*r;
	int		 connects;
	long long	 script_result;
	int		 replies;
	bool		 reply_error;
};

static void
on_connect(void *arg)
{
	((struct run *)arg)->connects++;
}

static void
on_reply(struct redis *r, redisReply *reply, void *arg)
{
	struct run	*run = arg;

	run->replies++;
	if (redis_reply_error(reply, "test")) {
		run->reply_error = true;
		return;
	}
	if (reply->type == REDIS_REPLY_INTEGER)
		run->script_result = reply->integer;
}

static bool
connected(void *arg)
{
	return redis_connected(((struct run *)arg)->r);
}

static bool
disconnected(void *arg)
{
	return !redis_connected(((struct run *)arg)->r);
}

static bool
replied(void *arg)
{
	return ((struct run *)arg)->replies > 0;
}

static void
run_script(struct event_base *base, struct run *run, struct redis_script *s)
{
	const char	*args[] = { "k", "41" };

	run->replies = 0;
	run->script_result = 0;
	assert_int_equal(redis_script_run(run->r, s, on_reply, run, 1, 1, args,
	    NULL), 0);
	assert_true(testenv_run_until(base, replied, run, 5000));
	assert_false(run->reply_error);
	assert_int_equal(run->script_result, 42);
}

static void
test_reconnects_after_restart_and_reloads_scripts(void **state)
{
	struct event_base	*base = event_base_new();
	struct run		 run = { 0 };
	struct redis_script	*s;
	int			 port = testproc_free_port();
	pid_t			 pid = testredis_start(port, NULL);

	assert_true(pid > 0);
	run.r = redis_new(base, &(struct redis_endpoint){ "127.0.0.1", port,
	    NULL, NULL });
	redis_on_connect(run.r, on_connect, &run);
	s = redis_script_new(run.r,
	    "redis.call('SET', KEYS[1], ARGV[1]) "
	    "return tonumber(redis.call('GET', KEYS[1])) + 1");
	assert_true(testenv_run_until(base, connected, &run, 10000));
	run_script(base, &run, s);

	testredis_kill(pid);
	assert_true(testenv_run_until(base, disconnected, &run, 10000));
	assert_int_equal(redis_command(run.r, on_reply, &run, "PING"), -1);

	pid = testredis_start(port, NULL);
	assert_true(testenv_run_until(base, connected, &run, 15000));
	assert_int_equal(run.connects, 2);
	run_script(base, &run, s);

	redis_free(run.r);
	testredis_kill(pid);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_reconnects_after_restart_and_reloads_scripts),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
