/*
 * Closed complaints leave Redis after the retention (INTAKE_RETENTION_S,
 * here two seconds): the view and its index entries go, a small tombstone
 * stays and GET answers 410 "archived" with where the history is. A reopen
 * before the retention ends keeps the complaint.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intake_harness.h"
#include "log.h"
#include "meta.h"
#include "testenv.h"
#include "testenv_redis.h"
#include "testhttp.h"
#include "xmalloc.h"

static struct intake_proc	intake;

/* How many members of an index name the complaint. */
static const char index_count_lua[] =
    "local n = 0 for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) "
    "do if m:sub(-#ARGV[1]) == ARGV[1] then n = n + 1 end end return n";

static int
setup(void **state)
{
	setenv("INTAKE_RETENTION_S", "2", 1);
	intake_start(&intake, "5000");
	return 0;
}

static int
teardown(void **state)
{
	intake_stop(&intake);
	unlink(intake.keys_file);
	return 0;
}

static char *
file_one(const char *order)
{
	char	*body, *id;

	body = xasprintf("{\"order_id\": \"%s\", \"merchant_id\": \"M1001\", "
	    "\"user\": {\"id\": \"U9\"}, \"description\": \"少发一件\", "
	    "\"demand\": \"reship\"}", order);
	id = intake_file_received(&intake, "dev-app", body);
	free(body);
	return id;
}

/* Polls GET until it answers want; the last answer stays in r. */
static bool
wait_status(const char *id, const char *key, int want, int timeout_ms,
    struct testhttp_response *r)
{
	char	*path = xasprintf("/v1/complaints/%s", id);
	int64_t	 deadline = meta_now_ms() + timeout_ms;

	for (;;) {
		if (intake_call(&intake, "GET", path, key, NULL, NULL, r) ==
		    want || meta_now_ms() >= deadline)
			break;
		testhttp_free(r);
		usleep(100000);
	}
	free(path);
	return r->status == want;
}

/*
 * Waits until the complaint's tombstone (rm:t:<id>) is written, on the
 * entry of its partition, where everything of the complaint is.
 */
static bool
wait_tombstone(const char *id, int timeout_ms)
{
	int64_t	deadline = meta_now_ms() + timeout_ms;
	size_t	e = testenv_entry_of_complaint(id);

	while (testenv_redis_int(e, "EXISTS rm:t:%s", id) != 1) {
		if (meta_now_ms() >= deadline)
			return false;
		usleep(100000);
	}
	return true;
}

static void
test_closed_complaint_is_archived(void **state)
{
	struct testhttp_response	 r;
	char				*id = file_one("O-RET-1"), *path;
	char				*suffix = xasprintf(":%s", id);
	char				*tomb = xasprintf("rm:t:%s", id);
	size_t				 e = testenv_entry_of_complaint(id);
	long long			 view_bytes, tomb_bytes;

	intake_act(&intake, id, "{\"action\": \"close\", \"reason\": "
	    "\"resolved\"}", "closed");
	/* The tombstone follows the view's write (retention.c), shortly. */
	assert_true(wait_tombstone(id, 10000));
	testenv_redis_only_on(e, tomb);
	view_bytes = testenv_redis_int(e, "STRLEN rm:c:%s", id);
	assert_true(wait_status(id, "dev-agent", 410, 15000, &r));
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "error")), "archived");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "status")), "closed");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    r.json, "archive"), "topic")), "complaints.events");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    r.json, "archive"), "key")), id);
	assert_non_null(json_string_value(json_object_get(r.json,
	    "closed_at")));
	testhttp_free(&r);

	assert_int_equal(testenv_redis_int(e, "EXISTS rm:c:%s", id), 0);
	assert_int_equal(testenv_redis_int(e, "EXISTS rm:s:%s", id), 0);
	assert_int_equal(testenv_redis_int(e, "ZSCORE rm:expiring %s", id),
	    -1);
	assert_int_equal(testenv_redis_int(e, "EVAL %s 1 rm:idx:all %s",
	    index_count_lua, suffix), 0);
	assert_int_equal(testenv_redis_int(e, "EVAL %s 1 rm:idx:m:M1001 %s",
	    index_count_lua, suffix), 0);
	assert_int_equal(testenv_redis_int(e, "EVAL %s 1 rm:idx:s:closed %s",
	    index_count_lua, suffix), 0);
	tomb_bytes = testenv_redis_int(e, "STRLEN %s", tomb);
	assert_true(tomb_bytes > 0 && tomb_bytes * 4 < view_bytes);
	assert_true(testenv_redis_int(e, "PTTL %s", tomb) > 0);

	/* Who could not see it still cannot learn that it existed. */
	assert_true(wait_status(id, "dev-merchant-M1002", 404, 1000, &r));
	testhttp_free(&r);
	assert_true(wait_status(id, "dev-merchant-M1001", 410, 1000, &r));
	testhttp_free(&r);
	path = xasprintf("/v1/complaints/%s/actions", id);
	assert_int_equal(intake_call(&intake, "POST", path, "dev-agent", NULL,
	    "{\"action\": \"reopen\", \"comment\": \"again\"}", &r), 410);
	testhttp_free(&r);
	free(path);
	free(tomb);
	free(suffix);
	free(id);
}

static void
test_reopen_before_the_retention_keeps_it(void **state)
{
	struct testhttp_response	 r;
	char				*id = file_one("O-RET-2");
	size_t				 e = testenv_entry_of_complaint(id);

	intake_act(&intake, id, "{\"action\": \"close\", \"reason\": "
	    "\"resolved\"}", "closed");
	intake_act(&intake, id, "{\"action\": \"reopen\", \"comment\": "
	    "\"问题没有解决\"}",
	    "reopened");
	sleep(4);
	assert_true(wait_status(id, "dev-agent", 200, 1000, &r));
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "status")), "reopened");
	testhttp_free(&r);
	assert_int_equal(testenv_redis_int(e, "EXISTS rm:t:%s", id), 0);
	assert_int_equal(testenv_redis_int(e, "ZSCORE rm:expiring %s", id),
	    -1);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_complaint_is_archived),
		cmocka_unit_test(test_reopen_before_the_retention_keeps_it),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
