/*
 * Redis with ACL users: the client sends AUTH on every (re)connection and
 * counts as connected only once Redis accepts it; refused credentials keep
 * it out (readiness says why, a counter counts it) and it retries, so an
 * ACL fixed by an operator is picked up without a restart; a daemon takes
 * its credentials from REDIS_USERNAME and REDIS_PASSWORD_FILE and never
 * logs the password. The test runs its own redis-server whose default user
 * is off, so nothing gets in without a password.
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
#include "testhttp.h"
#include "testproc.h"
#include "testredis.h"
#include "xmalloc.h"

#define USER		"cdp-test"
#define PASSWORD	"sk-t3st-redis-pw-7f3a"
#define WRONG		"sk-t3st-redis-wrong-91c2"
#define LOG_PATH	"test_redis_auth.log"

static int	redis_port;
static pid_t	redis_pid;

static int
redis_up(void **state)
{
	redis_port = testproc_free_port();
	redis_pid = testredis_start(redis_port, (const char *const []){
	    "--user", "default", "off", "--user", USER, "on", ">" PASSWORD,
	    "~*", "&*", "+@all", NULL });
	return redis_pid > 0 ? 0 : -1;
}

static int
redis_down(void **state)
{
	testredis_kill(redis_pid);
	return 0;
}

static struct redis_endpoint
endpoint(const char *user, const char *password)
{
	return (struct redis_endpoint){ "127.0.0.1", redis_port, user,
	    password };
}

/* A blocking connection as USER, once the server answers. */
static redisContext *
admin_connect(const char *password)
{
	struct redis_endpoint	 ep = endpoint(USER, password);
	redisContext		*rc = testredis_connect(&ep);

	if (rc == NULL)
		fail_msg("redis with ACL did not start or refused %s", USER);
	return rc;
}

static void
set_password(const char *from, const char *password)
{
	redisContext	*rc = admin_connect(from);
	redisReply	*r;

	r = redisCommand(rc, "ACL SETUSER %s resetpass >%s", USER, password);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STATUS);
	freeReplyObject(r);
	redisFree(rc);
}

static bool
connected(void *arg)
{
	return redis_connected(arg);
}

static void
test_sync_connection_authenticates(void **state)
{
	struct redis_endpoint	 none = endpoint(NULL, NULL);
	struct redis_endpoint	 wrong = endpoint(USER, WRONG);
	redisContext		*rc = admin_connect(PASSWORD);
	redisReply		*r;
	char			 err[256];

	r = redisCommand(rc, "PING");
	assert_string_equal(r->str, "PONG");
	freeReplyObject(r);
	redisFree(rc);

	/* Without credentials the server refuses every command. */
	assert_non_null(rc = redis_connect_sync(&none, err, sizeof(err)));
	r = redisCommand(rc, "PING");
	assert_int_equal(r->type, REDIS_REPLY_ERROR);
	assert_non_null(strstr(r->str, "NOAUTH"));
	freeReplyObject(r);
	redisFree(rc);

	assert_null(redis_connect_sync(&wrong, err, sizeof(err)));
	assert_non_null(strstr(err, "refused AUTH"));
	assert_null(strstr(err, WRONG));
}

/*
 * Refused, the client stays out and says why; once the operator gives the
 * user that password, the next retry gets in without a restart.
 */
static void
test_refused_then_fixed_without_restart(void **state)
{
	struct event_base	*base = event_base_new();
	struct redis_endpoint	 ep = endpoint(USER, WRONG);
	struct redis		*r;
	char			 why[256];

	redisFree(admin_connect(PASSWORD));	/* the server is up */
	r = redis_new(base, &ep);
	assert_false(testenv_run_until(base, connected, r, 1500));
	assert_int_equal(redis_ready(r, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "refuses our credentials"));

	set_password(PASSWORD, WRONG);
	assert_true(testenv_run_until(base, connected, r, 10000));
	assert_int_equal(redis_ready(r, why, sizeof(why)), 1);
	redis_free(r);
	event_base_free(base);
	set_password(WRONG, PASSWORD);
}

static bool
log_holds(const char *needle)
{
	char	 line[4096];
	bool	 found = false;
	FILE	*f;

	if ((f = fopen(LOG_PATH, "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* The daemon's log on standard error, to tell why a step failed. */
static void
log_show(void)
{
	char	 line[4096];
	FILE	*f;

	if ((f = fopen(LOG_PATH, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		fputs(line, stderr);
	fclose(f);
}

static bool
log_waits_for(const char *needle)
{
	int	i;

	for (i = 0; i < 200; i++) {
		if (log_holds(needle))
			return true;
		usleep(50000);
	}
	return false;
}

static char *
password_file(const char *password)
{
	char	*path = xstrdup("/tmp/cdp-redis-pw-XXXXXX");
	int	 fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_true(write(fd, password, strlen(password)) > 0);
	assert_int_equal(write(fd, "\n", 1), 1);
	close(fd);
	return path;
}

/* intake with credentials from a file: ready with the right password,
 * not ready (and saying why, without the password) with a wrong one. */
static void
run_intake(const char *password, int want_ready)
{
	char			*file = password_file(password);
	int			 port = testproc_free_port();
	int			 admin = testproc_free_port();
	char			*listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d",
				    port);
	char			*admin_listen = xasprintf(
				    "ADMIN_LISTEN=127.0.0.1:%d", admin);
	char			*addr = xasprintf("REDIS_ADDR=127.0.0.1:%d",
				    redis_port);
	char			*pwfile = xasprintf("REDIS_PASSWORD_FILE=%s",
				    file);
	const char		*env[] = { "CDP_DEV_MODE=1", listen,
				    admin_listen, addr, pwfile,
				    "REDIS_USERNAME=" USER, NULL };
	struct testhttp_response res;
	pid_t			 pid;
	int			 status;

	unlink(LOG_PATH);
	pid = testproc_spawn_logged("intake", env, LOG_PATH);
	assert_true(testproc_wait_http(admin, "/readyz", want_ready, 30000));
	if (want_ready == 503) {
		assert_int_equal(testhttp_request(admin, "GET", "/metrics",
		    NULL, NULL, &res), 0);
		assert_non_null(strstr(res.body, "redis_auth_refusals_total"));
		testhttp_free(&res);
	}
	if (want_ready == 503)
		assert_true(log_waits_for("refused AUTH as " USER));
	if ((status = testproc_stop(pid, 15000)) != 0)
		log_show();
	assert_int_equal(status, 0);
	assert_false(log_holds(password));
	unlink(LOG_PATH);
	unlink(file);
	free(file);
	free(listen);
	free(admin_listen);
	free(addr);
	free(pwfile);
}

static void
test_daemon_reads_password_file(void **state)
{
	run_intake(PASSWORD, 200);
	run_intake(WRONG, 503);
}

/* A user without a password is a deployment mistake: stop at start-up. */
static void
test_username_without_password_stops(void **state)
{
	const char	*env[] = { "CDP_DEV_MODE=1", "REDIS_USERNAME=" USER,
	    NULL };

	assert_int_equal(testproc_run("intake", env, LOG_PATH, 10000), 1);
	assert_true(log_holds("REDIS_USERNAME needs REDIS_PASSWORD"));
	unlink(LOG_PATH);
}

/*
 * docker-compose's Redis users (deploy/docker/redis-users.acl) with its dev
 * password file: "cdp" gets in and works, the default user may PING (the
 * health check) and nothing else.
 */
static void
test_compose_acl_file(void **state)
{
	const char		*src = getenv("CDP_SOURCE_DIR");
	char			*acl, *pwpath, pw[128], err[256];
	struct redis_endpoint	 ep;
	redisContext		*rc;
	redisReply		*r;
	FILE			*f;
	pid_t			 pid;
	int			 p = testproc_free_port();

	assert_non_null(src);
	acl = xasprintf("%s/deploy/docker/redis-users.acl", src);
	pwpath = xasprintf("%s/deploy/docker/redis-dev-password", src);
	assert_non_null(f = fopen(pwpath, "r"));
	assert_non_null(fgets(pw, sizeof(pw), f));
	fclose(f);
	pw[strcspn(pw, "\n")] = '\0';
	pid = testredis_start(p, (const char *const []){ "--aclfile", acl,
	    NULL });
	assert_true(pid > 0);
	ep = (struct redis_endpoint){ "127.0.0.1", p, "cdp", pw };
	assert_non_null(rc = testredis_connect(&ep));
	r = redisCommand(rc, "SET k v");
	assert_int_equal(r->type, REDIS_REPLY_STATUS);
	freeReplyObject(r);
	redisFree(rc);

	ep = (struct redis_endpoint){ "127.0.0.1", p, NULL, NULL };
	assert_non_null(rc = redis_connect_sync(&ep, err, sizeof(err)));
	r = redisCommand(rc, "PING");
	assert_string_equal(r->str, "PONG");
	freeReplyObject(r);
	r = redisCommand(rc, "GET k");
	assert_int_equal(r->type, REDIS_REPLY_ERROR);
	assert_non_null(strstr(r->str, "NOPERM"));
	freeReplyObject(r);
	redisFree(rc);
	testredis_kill(pid);
	free(acl);
	free(pwpath);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_connection_authenticates),
		cmocka_unit_test(test_refused_then_fixed_without_restart),
		cmocka_unit_test(test_daemon_reads_password_file),
		cmocka_unit_test(test_username_without_password_stops),
		cmocka_unit_test(test_compose_acl_file),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, redis_up, redis_down);
}
