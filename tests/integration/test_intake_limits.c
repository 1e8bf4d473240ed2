/*
 * A complaint is bounded: a note beyond INTAKE_NOTES_MAX is answered 422,
 * text that would take the view past INTAKE_VIEW_BYTES_MAX 413, each with
 * the field and the reason, and neither is recorded. A list page reads
 * small summary records, not views, and ends early rather than pass
 * INTAKE_RESPONSE_BYTES_MAX.
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
#include "testenv.h"
#include "testenv_redis.h"
#include "testhttp.h"
#include "xmalloc.h"

static struct intake_proc	intake;

static int
setup(void **state)
{
	setenv("INTAKE_NOTES_MAX", "3", 1);
	setenv("INTAKE_VIEW_BYTES_MAX", "16384", 1);
	setenv("INTAKE_RESPONSE_BYTES_MAX", "1024", 1);
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
	    "\"user\": {\"id\": \"U8\"}, \"description\": \"商家一直不回复\", "
	    "\"demand\": \"explanation\"}", order);
	id = intake_file_received(&intake, "dev-app", body);
	free(body);
	return id;
}

/*
 * One action, as a client does it: an action answered 409 conflict
 * because the previous one is still on its way to the view (one action at
 * a time per complaint, docs/read-model.md) is sent again shortly after.
 */
static int
act(const char *id, const char *key, const char *body,
    struct testhttp_response *r)
{
	char		*path = xasprintf("/v1/complaints/%s/actions", id);
	const char	*error;
	int		 status, tries;

	for (tries = 0;; tries++) {
		status = intake_call(&intake, "POST", path, key, NULL, body,
		    r);
		error = json_string_value(json_object_get(r->json, "error"));
		if (status != 409 || error == NULL ||
		    strcmp(error, "conflict") != 0 || tries == 50)
			break;
		testhttp_free(r);
		usleep(100000);
	}
	free(path);
	return status;
}

/* Entries of the view's history whose event is name. */
static size_t
history_count(const json_t *view, const char *name)
{
	const json_t	*e;
	size_t		 i, n = 0;

	json_array_foreach(json_object_get(view, "history"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "event")),
		    name) == 0)
			n++;
	return n;
}

/* A last action that must land, so everything before it has landed too. */
static json_t *
settle(const char *id)
{
	struct testhttp_response	r;

	assert_int_equal(act(id, "dev-agent", "{\"action\": "
	    "\"first_contact\"}", &r), 202);
	testhttp_free(&r);
	return intake_wait_view(&intake, "dev-agent", id, "investigating",
	    10000);
}

static void
test_notes_beyond_the_limit_are_refused(void **state)
{
	struct testhttp_response	 r;
	char				*id = file_one("O-LIM-1");
	json_t				*view;
	int				 i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(act(id, "dev-merchant-M1001", "{\"action\": "
		    "\"note\", \"comment\": \"已发货\"}", &r), 202);
		testhttp_free(&r);
	}
	assert_non_null(view = settle(id));
	assert_int_equal(history_count(view, "action.note"), 3);
	json_decref(view);
	assert_int_equal(act(id, "dev-merchant-M1001", "{\"action\": "
	    "\"note\", \"comment\": \"再补充一句\"}", &r), 422);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "error")), "too_many_notes");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "field")), "action");
	assert_non_null(strstr(json_string_value(json_object_get(r.json,
	    "reason")), "at most 3 notes"));
	testhttp_free(&r);
	sleep(1);
	assert_non_null(view = intake_wait_view(&intake, "dev-agent", id,
	    NULL, 1000));
	assert_int_equal(history_count(view, "action.note"), 3);
	json_decref(view);
	free(id);
}

static void
test_text_beyond_the_bytes_limit_is_refused(void **state)
{
	struct testhttp_response	 r;
	char				*id = file_one("O-LIM-2"), *body, *text;
	json_t				*view;
	size_t				 i;

	/* 4000 characters of three bytes each: 12000 bytes. */
	text = xcalloc(4000, 3 + 1);
	for (i = 0; i < 4000; i++)
		memcpy(text + 3 * i, "货", 3);
	body = xasprintf("{\"action\": \"note\", \"comment\": \"%s\"}", text);
	assert_int_equal(act(id, "dev-merchant-M1001", body, &r), 202);
	testhttp_free(&r);
	assert_non_null(view = settle(id));
	json_decref(view);
	assert_int_equal(act(id, "dev-merchant-M1001", body, &r), 413);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "error")), "complaint_too_large");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "field")), "comment");
	testhttp_free(&r);
	sleep(1);
	assert_non_null(view = intake_wait_view(&intake, "dev-agent", id,
	    NULL, 1000));
	assert_int_equal(history_count(view, "action.note"), 1);
	json_decref(view);
	/* Without text the complaint can still be closed. */
	assert_int_equal(act(id, "dev-agent", "{\"action\": \"close\", "
	    "\"reason\": \"resolved\"}", &r), 202);
	testhttp_free(&r);
	free(body);
	free(text);
	free(id);
}

static void
test_list_page_is_capped_in_bytes(void **state)
{
	struct testhttp_response	 r;
	char				*ids[8], *order;
	size_t				 i, n;

	for (i = 0; i < 8; i++) {
		order = xasprintf("O-LIM-P%zu", i);
		ids[i] = file_one(order);
		free(order);
	}
	assert_int_equal(intake_call(&intake, "GET",
	    "/v1/complaints?limit=20", "dev-agent", NULL, NULL, &r), 200);
	n = json_array_size(json_object_get(r.json, "items"));
	assert_true(n >= 1 && n < 8);
	assert_true(json_dumpb(json_object_get(r.json, "items"), NULL, 0,
	    JSON_COMPACT) <= 1024);
	assert_non_null(json_string_value(json_object_get(r.json,
	    "next_cursor")));
	testhttp_free(&r);
	for (i = 0; i < 8; i++)
		free(ids[i]);
}

/* The newest complaint's line on the first page, as a new reference. */
static json_t *
newest_item(void)
{
	struct testhttp_response	 r;
	json_t				*item;

	assert_int_equal(intake_call(&intake, "GET", "/v1/complaints?limit=1",
	    "dev-agent", NULL, NULL, &r), 200);
	item = json_incref(json_array_get(json_object_get(r.json, "items"),
	    0));
	testhttp_free(&r);
	assert_non_null(item);
	return item;
}

/*
 * A list page reads each complaint's small summary record, not its view;
 * a complaint without a record (an older intake wrote it) is summarised
 * from its view. Both are on the entry of the complaint's partition, and
 * on no other.
 */
static void
test_list_reads_summary_records(void **state)
{
	char		*id = file_one("O-LIM-S"), *rec, *key, *view;
	size_t		 e = testenv_entry_of_complaint(id);
	long long	 view_bytes, rec_bytes;
	json_t		*item;

	key = xasprintf("rm:s:%s", id);
	view = xasprintf("rm:c:%s", id);
	testenv_redis_only_on(e, view);
	testenv_redis_only_on(e, key);
	view_bytes = testenv_redis_int(e, "STRLEN %s", view);
	rec_bytes = testenv_redis_int(e, "STRLEN %s", key);
	assert_true(rec_bytes > 0 && rec_bytes * 4 < view_bytes);
	item = newest_item();
	assert_string_equal(json_string_value(json_object_get(item,
	    "complaint_id")), id);
	assert_string_equal(json_string_value(json_object_get(item,
	    "channel")), "app");
	assert_null(json_object_get(item, "_filed_by_key"));
	json_decref(item);

	rec = xasprintf("{\"complaint_id\":\"%s\",\"status\":\"received\","
	    "\"merchant_id\":\"M1001\",\"channel\":\"from-record\","
	    "\"_filed_by_key\":\"dev-app\"}", id);
	testenv_redis_do(e, "SET %s %s", key, rec);
	item = newest_item();
	assert_string_equal(json_string_value(json_object_get(item,
	    "channel")), "from-record");
	json_decref(item);

	testenv_redis_do(e, "DEL %s", key);
	item = newest_item();
	assert_string_equal(json_string_value(json_object_get(item,
	    "complaint_id")), id);
	assert_string_equal(json_string_value(json_object_get(item,
	    "channel")), "app");
	json_decref(item);
	free(view);
	free(key);
	free(rec);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notes_beyond_the_limit_are_refused),
		cmocka_unit_test(test_text_beyond_the_bytes_limit_is_refused),
		cmocka_unit_test(test_list_page_is_capped_in_bytes),
		cmocka_unit_test(test_list_reads_summary_records),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
