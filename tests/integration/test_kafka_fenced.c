/*
 * A consumer daemon whose static group membership is taken over (a second
 * member with its group.instance.id, as when a supervisor starts a
 * replacement while the old one still runs, or after a broker restart)
 * gets a fatal error from librdkafka. It must stop with a clear log line
 * and a non-zero status, so its supervisor starts it again, rather than
 * run on holding no partitions.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testenv.h"
#include "testproc.h"
#include "xmalloc.h"

/* A classifier with the given instance id, its stderr in log. */
static pid_t
start(const char *id, const char *log, int *admin_port)
{
	char	*listen, *admin, *inst;
	pid_t	 pid;

	*admin_port = testproc_free_port();
	listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d", testproc_free_port());
	admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", *admin_port);
	inst = xasprintf("INSTANCE_ID=%s", id);
	{
		const char *env[] = { listen, admin, inst, "LOG_LEVEL=warn",
		    NULL };

		pid = testproc_spawn_logged("classifier", env, log);
	}
	free(listen);
	free(admin);
	free(inst);
	return pid;
}

/* The exit status of pid within timeout_ms, or -1 if it still runs. */
static int
exit_within(pid_t pid, int timeout_ms)
{
	int	status, waited;

	for (waited = 0; waited < timeout_ms; waited += 100) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(100000);
	}
	return -1;
}

static bool
file_has(const char *path, const char *needle)
{
	FILE	*fp;
	char	 line[4096];
	bool	 found = false;

	if ((fp = fopen(path, "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(fp);
	return found;
}

static void
test_fenced_member_exits(void **state)
{
	char	*id = testenv_unique("fenced"), log1[] = "/tmp/fenced1-XXXXXX";
	char	 log2[] = "/tmp/fenced2-XXXXXX";
	pid_t	 first, second;
	int	 port1, port2, rc;

	close(mkstemp(log1));
	close(mkstemp(log2));
	first = start(id, log1, &port1);
	assert_true(testproc_wait_http(port1, "/readyz", 200, 60000));
	second = start(id, log2, &port2);
	rc = exit_within(first, 60000);
	if (rc == -1)
		testproc_kill(first);
	assert_int_not_equal(rc, -1);
	assert_int_not_equal(rc, 0);
	assert_true(file_has(log1, "stops on a fatal error"));
	assert_true(file_has(log1, "FENCED_INSTANCE_ID"));
	/* The newcomer holds the membership and serves. */
	assert_true(testproc_wait_http(port2, "/readyz", 200, 60000));
	assert_int_equal(testproc_stop(second, 15000), 0);
	unlink(log1);
	unlink(log2);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fenced_member_exits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
