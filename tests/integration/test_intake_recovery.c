/*
 * intake loses nothing and invents nothing: its views come back from the
 * log after Redis (every entry, when it is sharded) is emptied, and while
 * Kafka is down it answers 503 and no event of those requests appears once
 * Kafka is back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdp/v1/complaint.pb-c.h"
#include "intake_harness.h"
#include "log.h"
#include "testenv.h"
#include "testenv_redis.h"
#include "testhttp.h"
#include "testproc.h"
#include "xmalloc.h"

/* The complaint's view is on the entry of its partition, and no other. */
static void
view_on_its_entry(const char *id)
{
	char	*key = xasprintf("rm:c:%s", id);

	testenv_redis_only_on(testenv_entry_of_complaint(id), key);
	free(key);
}

static void
test_views_are_rebuilt_after_flushall(void **state)
{
	struct intake_proc	 p = { 0 };
	char			*id;
	json_t			*view;

	intake_start(&p, "5000");
	id = intake_file(&p, "dev-app", "{\"order_id\": \"O-RB-1\", "
	    "\"merchant_id\": \"M1001\", \"user\": {\"id\": \"U7\"}, "
	    "\"description\": \"发票开错了\", \"demand\": \"explanation\"}");
	assert_non_null(view = intake_wait_view(&p, "dev-agent", id,
	    "received", 10000));
	json_decref(view);
	intake_stop(&p);

	testenv_redis_flushall();
	intake_start(&p, "5000");
	view = intake_wait_view(&p, "dev-agent", id, "received", 30000);
	assert_non_null(view);
	assert_string_equal(json_string_value(json_object_get(view,
	    "complaint_id")), id);
	json_decref(view);
	view_on_its_entry(id);
	intake_stop(&p);
	unlink(p.keys_file);
	free(id);
}

/*
 * Redis emptied under a running intake: the partition's epoch is gone, so
 * the instance reads the partition again from the beginning without a
 * restart, even when no new event comes to it, and the view is back.
 */
static void
test_views_come_back_after_flushall_under_a_running_intake(void **state)
{
	struct intake_proc	 p = { 0 };
	char			*id;
	json_t			*view;

	intake_start(&p, "5000");
	id = intake_file(&p, "dev-app", "{\"order_id\": \"O-RB-2\", "
	    "\"merchant_id\": \"M1001\", \"user\": {\"id\": \"U9\"}, "
	    "\"description\": \"快递三天没动\", \"demand\": \"explanation\"}");
	assert_non_null(view = intake_wait_view(&p, "dev-agent", id,
	    "received", 10000));
	json_decref(view);

	testenv_redis_flushall();
	view = intake_wait_view(&p, "dev-agent", id, "received", 30000);
	assert_non_null(view);
	assert_string_equal(json_string_value(json_object_get(view,
	    "complaint_id")), id);
	json_decref(view);
	view_on_its_entry(id);
	intake_stop(&p);
	unlink(p.keys_file);
	free(id);
}

/* Filed events on the topic whose description holds marker. */
static size_t
events_with(const char *marker)
{
	struct testenv_record	*recs;
	Cdp__V1__ComplaintEvent	*ev;
	size_t			 n, i, found = 0;

	n = testenv_read_key("complaints.events", NULL, 15000, &recs);
	for (i = 0; i < n; i++) {
		ev = cdp__v1__complaint_event__unpack(NULL, recs[i].len,
		    recs[i].payload);
		if (ev != NULL && ev->body_case ==
		    CDP__V1__COMPLAINT_EVENT__BODY_FILED &&
		    strstr(ev->filed->description, marker) != NULL)
			found++;
		cdp__v1__complaint_event__free_unpacked(ev, NULL);
	}
	testenv_records_free(recs, n);
	return found;
}

static void
test_kafka_down_answers_503_and_writes_nothing_later(void **state)
{
	struct intake_proc		 p = { 0 };
	struct testhttp_response	 r;
	char				*marker = testenv_unique("outage");
	char				*body;

	body = xasprintf("{\"order_id\": \"O-DOWN-1\", \"merchant_id\": "
	    "\"M1001\", \"user\": {\"id\": \"U8\"}, \"description\": \"%s\", "
	    "\"demand\": \"refund\"}", marker);
	intake_start(&p, "2000");
	assert_int_equal(testenv_dev("kafka stop test"), 0);
	assert_int_equal(intake_call(&p, "POST", "/v1/complaints", "dev-app",
	    "outage-key", body, &r), 503);
	assert_non_null(testhttp_header(&r, "Retry-After"));
	testhttp_free(&r);
	assert_int_equal(testenv_dev("kafka start test"), 0);
	assert_true(testproc_wait_http(p.admin_port, "/readyz", 200, 60000));
	sleep(3);	/* time for anything left behind to be sent */
	assert_int_equal(events_with(marker), 0);

	/* The client's retry with the same key files it, once. */
	assert_int_equal(intake_call(&p, "POST", "/v1/complaints", "dev-app",
	    "outage-key", body, &r), 202);
	testhttp_free(&r);
	assert_int_equal(events_with(marker), 1);
	intake_stop(&p);
	unlink(p.keys_file);
	free(body);
	free(marker);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_views_are_rebuilt_after_flushall),
		cmocka_unit_test(
		    test_views_come_back_after_flushall_under_a_running_intake),
		cmocka_unit_test(
		    test_kafka_down_answers_503_and_writes_nothing_later),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
