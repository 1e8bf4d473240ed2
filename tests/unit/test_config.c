/*
 * Unit tests of common/config.c: every rule of config.h, driven through
 * config_load_from with a fake environment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "nitems.h"

struct fake_env {
	const char	*pairs[16][2];
};

static const char *
fake_getenv(const char *name, void *arg)
{
	struct fake_env	*env = arg;
	size_t		 i;

	for (i = 0; i < 16 && env->pairs[i][0] != NULL; i++)
		if (strcmp(env->pairs[i][0], name) == 0)
			return env->pairs[i][1];
	return NULL;
}

/* Loads one setting from a one-variable environment (value NULL: unset). */
static int
load_one(struct config_setting *s, const char *value, char *err,
    size_t errsz)
{
	struct fake_env	env;

	memset(&env, 0, sizeof(env));
	if (value != NULL) {
		env.pairs[0][0] = s->name;
		env.pairs[0][1] = value;
	}
	return config_load_from(s, 1, fake_getenv, &env, err, errsz);
}

static void
test_int(void **state)
{
	long long		 v = -1;
	struct config_setting	 s = { "HTTP_TIMEOUT", CONFIG_INT, "10", 1, 600,
				     NULL, NULL, &v };
	char			 err[256];

	assert_int_equal(load_one(&s, NULL, err, sizeof(err)), 0);
	assert_int_equal(v, 10);
	assert_int_equal(load_one(&s, "600", err, sizeof(err)), 0);
	assert_int_equal(v, 600);
	assert_int_equal(load_one(&s, "601", err, sizeof(err)), -1);
	assert_string_equal(err, "HTTP_TIMEOUT: expected an integer from 1 to "
	    "600, got \"601\"");
	assert_int_equal(v, 600);	/* untouched on error */
	assert_int_equal(load_one(&s, "0", err, sizeof(err)), -1);
	assert_int_equal(load_one(&s, "12abc", err, sizeof(err)), -1);
	assert_int_equal(load_one(&s, " 12", err, sizeof(err)), -1);
	assert_int_equal(load_one(&s, "", err, sizeof(err)), -1);
	assert_int_equal(load_one(&s, "99999999999999999999", err,
	    sizeof(err)), -1);
	assert_int_equal(load_one(&s, "+5", err, sizeof(err)), 0);
	assert_int_equal(v, 5);
}

static void
test_int_unbounded(void **state)
{
	long long		 v = 0;
	struct config_setting	 s = { "OFFSET", CONFIG_INT, NULL, 0, 0,
				     NULL, NULL, &v };
	char			 err[256];

	assert_int_equal(load_one(&s, "-42", err, sizeof(err)), 0);
	assert_int_equal(v, -42);
	assert_int_equal(load_one(&s, "-", err, sizeof(err)), -1);
	assert_string_equal(err, "OFFSET: expected an integer, got \"-\"");
}

static void
test_bool(void **state)
{
	bool			 v = false;
	struct config_setting	 s = { "DEBUG_HTTP", CONFIG_BOOL, "false", 0, 0,
				     NULL, NULL, &v };
	const char		*yes[] = { "true", "TRUE", "1", "yes", "Yes" };
	const char		*no[] = { "false", "0", "no", "NO" };
	char			 err[256];
	size_t			 i;

	for (i = 0; i < nitems(yes); i++) {
		v = false;
		assert_int_equal(load_one(&s, yes[i], err, sizeof(err)), 0);
		assert_true(v);
	}
	for (i = 0; i < nitems(no); i++) {
		v = true;
		assert_int_equal(load_one(&s, no[i], err, sizeof(err)), 0);
		assert_false(v);
	}
	assert_int_equal(load_one(&s, "on", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "DEBUG_HTTP: expected true or false"));
	v = true;
	assert_int_equal(load_one(&s, NULL, err, sizeof(err)), 0);
	assert_false(v);
}

static void
test_string(void **state)
{
	char			*v = NULL;
	struct config_setting	 req = { "SERVICE_NAME", CONFIG_STRING, NULL, 0,
				     0, NULL, "the daemon's name", &v };
	struct config_setting	 opt = { "REDIS_PASSWORD", CONFIG_STRING, "",
				     0, 0, NULL, NULL, &v };
	char			 err[256];

	assert_int_equal(load_one(&req, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "SERVICE_NAME: not set; expected a non-empty "
	    "string (the daemon's name)");
	assert_null(v);
	assert_int_equal(load_one(&req, "", err, sizeof(err)), -1);
	assert_string_equal(err, "SERVICE_NAME: expected a non-empty string "
	    "(the daemon's name), got \"\"");
	assert_int_equal(load_one(&req, "intake", err, sizeof(err)), 0);
	assert_string_equal(v, "intake");
	config_free(&req, 1);
	assert_null(v);

	/* An empty default makes a string optional; empty in the env is not. */
	assert_int_equal(load_one(&opt, NULL, err, sizeof(err)), 0);
	assert_string_equal(v, "");
	config_free(&opt, 1);
	assert_int_equal(load_one(&opt, "", err, sizeof(err)), -1);
}

static void
test_hostport_setting(void **state)
{
	char			*v = NULL;
	struct config_setting	 s = { "REDIS_ADDR", CONFIG_HOSTPORT, NULL, 0,
				     0, NULL, NULL, &v };
	const char		*good[] = { "127.0.0.1:6380", "redis:6379",
				    "[::1]:6379", "redis-0.redis.svc:1",
				    "h:65535" };
	const char		*bad[] = { "foo", "127.0.0.1", ":6379",
				    "redis:", "redis:0", "redis:65536",
				    "redis:63a9", "::1:6379", "[::1]6379",
				    "[::1]:", "[nothost]:80", "[]:80",
				    "red is:6379", "redis:+80", "a:1,b:2" };
	char			 err[256];
	size_t			 i;

	for (i = 0; i < nitems(good); i++) {
		assert_int_equal(load_one(&s, good[i], err, sizeof(err)), 0);
		assert_string_equal(v, good[i]);
		config_free(&s, 1);
	}
	for (i = 0; i < nitems(bad); i++) {
		if (load_one(&s, bad[i], err, sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_null(v);
	}
	load_one(&s, "foo", err, sizeof(err));
	assert_string_equal(err, "REDIS_ADDR: expected host:port with a port "
	    "from 1 to 65535, got \"foo\"");
}

static void
test_hostport_parse(void **state)
{
	char	*host = NULL;
	int	 port = 0;

	assert_int_equal(config_hostport("127.0.0.1:6380", &host, &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 6380);
	free(host);
	assert_int_equal(config_hostport("[2001:db8::1]:9092", &host, &port),
	    0);
	assert_string_equal(host, "2001:db8::1");
	assert_int_equal(port, 9092);
	free(host);
	host = NULL;
	assert_int_equal(config_hostport("localhost:0", &host, &port), -1);
	assert_null(host);
	assert_int_equal(config_listen("localhost:0", &host, &port), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 0);
	free(host);
}

static void
test_hostport_list(void **state)
{
	char			*v = NULL;
	struct config_setting	 s = { "KAFKA_BROKERS", CONFIG_HOSTPORT_LIST,
				     NULL, 0, 0, NULL, NULL, &v };
	struct config_hostport	*list;
	size_t			 n;
	char			 err[256];

	assert_int_equal(load_one(&s, "k1:9092, k2:9092 ,[::1]:9093", err,
	    sizeof(err)), 0);
	assert_string_equal(v, "k1:9092,k2:9092,[::1]:9093");
	config_free(&s, 1);
	assert_int_equal(load_one(&s, "foo", err, sizeof(err)), -1);
	assert_string_equal(err, "KAFKA_BROKERS: expected a comma-separated "
	    "list of host:port, got \"foo\"");
	assert_int_equal(load_one(&s, "k1:9092,", err, sizeof(err)), -1);
	assert_int_equal(load_one(&s, "k1:9092,,k2:9092", err, sizeof(err)),
	    -1);
	assert_int_equal(load_one(&s, "k1:9092,k2", err, sizeof(err)), -1);
	assert_int_equal(load_one(&s, " ", err, sizeof(err)), -1);
	assert_null(v);

	assert_int_equal(config_hostport_list("r0:6379, r1:6380", &list, &n),
	    0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].host, "r0");
	assert_int_equal(list[0].port, 6379);
	assert_string_equal(list[1].host, "r1");
	assert_int_equal(list[1].port, 6380);
	config_hostport_list_free(list, n);
	assert_int_equal(config_hostport_list("r0:6379,r1", &list, &n), -1);
}

static void
test_enum(void **state)
{
	char			*v = NULL;
	struct config_setting	 s = { "LOG_LEVEL", CONFIG_ENUM, "info", 0, 0,
				     "error|warn|info|debug", NULL, &v };
	char			 err[256];

	assert_int_equal(load_one(&s, NULL, err, sizeof(err)), 0);
	assert_string_equal(v, "info");
	config_free(&s, 1);
	assert_int_equal(load_one(&s, "DEBUG", err, sizeof(err)), 0);
	assert_string_equal(v, "debug");
	config_free(&s, 1);
	assert_int_equal(load_one(&s, "verbose", err, sizeof(err)), -1);
	assert_string_equal(err, "LOG_LEVEL: expected one of error, warn, "
	    "info, debug, got \"verbose\"");
	assert_int_equal(load_one(&s, "inf", err, sizeof(err)), -1);
	assert_int_equal(load_one(&s, "infos", err, sizeof(err)), -1);
}

/* A bad value is quoted back bounded and on one line. */
static void
test_error_quoting(void **state)
{
	long long		 v;
	struct config_setting	 s = { "N", CONFIG_INT, NULL, 0, 10, NULL,
				     NULL, &v };
	char			 err[512], big[200];

	assert_int_equal(load_one(&s, "1\n\"2", err, sizeof(err)), -1);
	assert_string_equal(err, "N: expected an integer from 0 to 10, got "
	    "\"1\\x0a\\x222\"");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(load_one(&s, big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "xxx...\""));
	assert_true(strlen(err) < 150);
	/* A small buffer truncates, never overflows. */
	assert_int_equal(load_one(&s, "x", err, 8), -1);
	assert_string_equal(err, "N: expe");
}

/* A table loads all or nothing, and the first bad setting is named. */
static void
test_table(void **state)
{
	char			*brokers = NULL, *level = NULL;
	long long		 port = 0;
	bool			 dbg = false;
	struct config_setting	 table[] = {
		{ "KAFKA_BROKERS", CONFIG_HOSTPORT_LIST, NULL, 0, 0, NULL,
		    "Kafka bootstrap servers", &brokers },
		{ "LOG_LEVEL", CONFIG_ENUM, "info", 0, 0,
		    "error|warn|info|debug", NULL, &level },
		{ "PORT", CONFIG_INT, "8080", 1, 65535, NULL, NULL, &port },
		{ "DEBUG", CONFIG_BOOL, "no", 0, 0, NULL, NULL, &dbg },
	};
	struct fake_env		 env = { {
		{ "KAFKA_BROKERS", "k:9092" },
		{ "DEBUG", "yes" },
		{ "PORT", "0" },
	} };
	char			 err[256];

	assert_int_equal(config_load_from(table, 4, fake_getenv, &env, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "PORT: expected an integer from 1 to 65535, "
	    "got \"0\"");
	assert_null(brokers);
	assert_null(level);
	assert_false(dbg);

	env.pairs[2][1] = "9000";
	env.pairs[0][1] = "nope";
	assert_int_equal(config_load_from(table, 4, fake_getenv, &env, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "KAFKA_BROKERS: expected a comma-separated "
	    "list of host:port (Kafka bootstrap servers), got \"nope\"");

	env.pairs[0][1] = "k:9092";
	assert_int_equal(config_load_from(table, 4, fake_getenv, &env, err,
	    sizeof(err)), 0);
	assert_string_equal(brokers, "k:9092");
	assert_string_equal(level, "info");
	assert_int_equal(port, 9000);
	assert_true(dbg);
	config_free(table, 4);
	assert_null(brokers);
	assert_null(level);
}

/* A default that does not parse is reported as such. */
static void
test_bad_default(void **state)
{
	long long		 v;
	struct config_setting	 s = { "WORKERS", CONFIG_INT, "many", 1, 8,
				     NULL, NULL, &v };
	char			 err[256];

	assert_int_equal(load_one(&s, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "WORKERS: expected an integer from 1 to 8, "
	    "got default \"many\"");
}

/* Writes len bytes of s to a new temporary file; returns its path. */
static char *
temp_file(const char *s, size_t len)
{
	static char	path[64];
	int		fd;

	snprintf(path, sizeof(path), "/tmp/cdp-secret-XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, s, len), (ssize_t)len);
	close(fd);
	return path;
}

/* A secret file: a final newline (or CRLF) is not part of the secret; an
 * empty file, one with a NUL or one too long is refused without echoing
 * the secret. */
static void
test_read_secret(void **state)
{
	char	*secret, err[256], *path, big[5000];

	path = temp_file("s3cret-pw\r\n", 11);
	assert_int_equal(config_read_secret(path, &secret, err, sizeof(err)),
	    0);
	assert_string_equal(secret, "s3cret-pw");
	free(secret);
	unlink(path);

	path = temp_file("\n", 1);
	assert_int_equal(config_read_secret(path, &secret, err, sizeof(err)),
	    -1);
	assert_null(secret);
	assert_non_null(strstr(err, "holds no secret"));
	unlink(path);

	path = temp_file("ab\0cd", 5);
	assert_int_equal(config_read_secret(path, &secret, err, sizeof(err)),
	    -1);
	unlink(path);

	memset(big, 'x', sizeof(big));
	path = temp_file(big, sizeof(big));
	assert_int_equal(config_read_secret(path, &secret, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "over 4096 bytes"));
	assert_null(strstr(err, "xxxx"));
	unlink(path);

	assert_int_equal(config_read_secret("/nonexistent/pw", &secret, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open /nonexistent/pw"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_int_unbounded),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_hostport_setting),
		cmocka_unit_test(test_hostport_parse),
		cmocka_unit_test(test_hostport_list),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_error_quoting),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_bad_default),
		cmocka_unit_test(test_read_secret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
