/*
 * intake's start-up outside dev mode, through the real binary: without
 * API_KEYS_FILE, or with a file that holds a public development key, it
 * stops with one clear line; with keys of its own it starts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "testproc.h"
#include "xmalloc.h"

#define LOG_PATH	"/tmp/cdp-intake-startup.log"
/* SHA-256 of "dev-admin", as config/api-keys.conf has it. */
#define DEV_ADMIN_HASH	"de72d648e29b247c1875138a7140256d" \
			"be5df3e6c9f37d592b07d9de509d2878"
/* SHA-256 of "ops-key", a key that is its own name. */
#define OWN_HASH	"2c69bc9111c27110a9b9a7974ba3f8ac" \
			"0c053c16b23a0738115ee829fbc4d57b"
/* The hash of some secret key, not of its name. */
#define PROD_HASH	"2a7b1c0f8d0b3f7bfc2f83c4b0ad6ac3" \
			"1cbb4a0e0ba3e5d9b6cc0eb7c06a4cf3"

/* Writes a key file of one line; returns its path (caller frees). */
static char *
keys_file(const char *name, const char *hash)
{
	char	*path = xstrdup("/tmp/cdp-startup-keys-XXXXXX");
	FILE	*f;
	int	 fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	fprintf(f, "%s admin %s 10 10\n", name, hash);
	fclose(f);
	return path;
}

/* Checks that the log's "error" line says want. */
static void
assert_refused(const char *want)
{
	FILE	*f;
	char	 line[4096] = "";
	bool	 found = false;

	assert_non_null(f = fopen(LOG_PATH, "r"));
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, "\"error\"") != NULL;
	fclose(f);
	if (!found || strstr(line, want) == NULL)
		fail_msg("want a line with \"%s\", got %s", want, line);
	unlink(LOG_PATH);
}

/* Runs intake in production mode with extra ("NAME=value" or NULL). */
static int
run_intake(const char *extra)
{
	char		*listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d",
	    testproc_free_port());
	const char	*env[] = { "CDP_DEV_MODE=0", listen, extra, NULL };
	int		 rc;

	rc = testproc_run("intake", env, LOG_PATH, 10000);
	free(listen);
	return rc;
}

static void
test_no_key_file_outside_dev_mode_stops(void **state)
{
	assert_int_equal(run_intake(NULL), 1);
	assert_refused("API_KEYS_FILE is required outside dev mode");
}

static void
test_dev_keys_outside_dev_mode_stop(void **state)
{
	char	*path = keys_file("ops-admin", DEV_ADMIN_HASH);
	char	*env = xasprintf("API_KEYS_FILE=%s", path);

	assert_int_equal(run_intake(env), 1);
	assert_refused("key ops-admin is a public development key");
	unlink(path);
	free(path);
	free(env);

	/* A key that is its own name is as public. */
	path = keys_file("ops-key", OWN_HASH);
	env = xasprintf("API_KEYS_FILE=%s", path);
	assert_int_equal(run_intake(env), 1);
	assert_refused("key ops-key is a public development key");
	unlink(path);
	free(path);
	free(env);
}

/* With a key of its own, production mode starts and serves. */
static void
test_own_keys_outside_dev_mode_start(void **state)
{
	char		*path = keys_file("ops-admin", PROD_HASH);
	char		*keys = xasprintf("API_KEYS_FILE=%s", path);
	int		 port = testproc_free_port();
	char		*listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d", port);
	const char	*env[] = { "CDP_DEV_MODE=0", listen, keys,
	    "LOG_LEVEL=warn", NULL };
	pid_t		 pid;

	pid = testproc_spawn("intake", env);
	assert_true(testproc_wait_http(port, "/healthz", 200, 30000));
	assert_int_equal(testproc_stop(pid, 15000), 0);
	unlink(path);
	free(path);
	free(keys);
	free(listen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_key_file_outside_dev_mode_stops),
		cmocka_unit_test(test_dev_keys_outside_dev_mode_stop),
		cmocka_unit_test(test_own_keys_outside_dev_mode_start),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
