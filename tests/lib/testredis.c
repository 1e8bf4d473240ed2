/*
 * A redis-server of a test's own: on loopback, nothing kept on disk,
 * warnings only, with the test's extra arguments (an ACL, users) after
 * those. Killed, never stopped: the tests that use it want it gone at once.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

#include "testredis.h"

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
