/*
 * intake through its real inputs and outputs: HTTP requests in, events on
 * the test Kafka's complaints.events and views from the test Redis out.
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
#include "cdp/v1/order.pb-c.h"
#include "intake_harness.h"
#include "log.h"
#include "meta.h"
#include "pb.h"
#include "testenv.h"
#include "testenv_redis.h"
#include "testhttp.h"
#include "xmalloc.h"

static struct intake_proc	intake;

static int
setup(void **state)
{
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

/* The one Filed event of a complaint on complaints.events. */
static Cdp__V1__ComplaintEvent *
filed_event(const char *id)
{
	struct testenv_record	*recs;
	Cdp__V1__ComplaintEvent	*ev;
	size_t			 n;

	n = testenv_read_key("complaints.events", id, 15000, &recs);
	assert_int_equal(n, 1);
	ev = cdp__v1__complaint_event__unpack(NULL, recs[0].len,
	    recs[0].payload);
	assert_non_null(ev);
	assert_int_equal(ev->body_case, CDP__V1__COMPLAINT_EVENT__BODY_FILED);
	testenv_records_free(recs, n);
	return ev;
}

static void
test_filing_publishes_one_complete_event(void **state)
{
	struct testhttp_response	 r;
	Cdp__V1__ComplaintEvent		*ev;
	Cdp__V1__Filed			*f;
	const char			*id;
	int64_t				 before = meta_now_ms();

	assert_int_equal(intake_call(&intake, "POST", "/v1/complaints",
	    "dev-app", NULL, "{\"order_id\": \"O-FULL-1\", \"merchant_id\": "
	    "\"M1001\", \"user\": {\"id\": \"U1\", \"name\": \"张三\", "
	    "\"phone\": \"13812345678\", \"email\": \"zs@example.com\", "
	    "\"member_tier\": \"gold\"}, \"problem_type\": \"product.quality\","
	    " \"description\": \"收到的耳机左耳没有声音\", \"demand\": "
	    "\"return\", \"amount\": 899.00, \"evidence\": "
	    "[\"https://img.example.com/1.jpg\", "
	    "\"https://img.example.com/2.jpg\"]}", &r), 202);
	id = json_string_value(json_object_get(r.json, "complaint_id"));
	assert_non_null(id);
	assert_int_equal(id[0], 'C');
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "status")), "received");
	assert_non_null(json_string_value(json_object_get(r.json,
	    "first_contact_due")));
	assert_non_null(strstr(json_string_value(json_object_get(r.json,
	    "message")), id));

	ev = filed_event(id);
	f = ev->filed;
	assert_string_equal(ev->meta->producer, "intake");
	assert_string_equal(ev->merchant_id, "M1001");
	assert_int_equal(f->channel, CDP__V1__CHANNEL__CHANNEL_APP);
	assert_string_equal(f->complainant->user_id, "U1");
	assert_string_equal(f->complainant->phone, "13812345678");
	assert_int_equal(f->complainant->member_tier,
	    CDP__V1__MEMBER_TIER__MEMBER_TIER_GOLD);
	assert_string_equal(f->respondent->merchant_id, "M1001");
	assert_string_equal(f->order->order_id, "O-FULL-1");
	assert_int_equal(f->order->amount_fen, 89900);
	assert_int_equal(f->demand, CDP__V1__DEMAND__DEMAND_RETURN);
	assert_string_equal(f->problem_type, "product.quality");
	assert_int_equal(f->n_evidence_urls, 2);
	assert_string_equal(f->filed_by->api_key_id, "dev-app");
	assert_true(f->first_contact_due_ms > before);
	cdp__v1__complaint_event__free_unpacked(ev, NULL);
	testhttp_free(&r);
}

static void
test_same_idempotency_key_files_once(void **state)
{
	struct testhttp_response	 a, b, c;
	struct testenv_record		*recs;
	char				*idem = testenv_unique("idem");
	const char			*body = "{\"order_id\": \"O-IDEM-1\", "
	    "\"merchant_id\": \"M1001\", \"user\": {\"id\": \"U2\"}, "
	    "\"description\": \"迟迟不发货\", \"demand\": \"refund\"}";

	assert_int_equal(intake_call(&intake, "POST", "/v1/complaints",
	    "dev-app", idem, body, &a), 202);
	assert_int_equal(intake_call(&intake, "POST", "/v1/complaints",
	    "dev-app", idem, body, &b), 202);
	assert_string_equal(a.body, b.body);
	assert_string_equal(testhttp_header(&b, "Idempotent-Replayed"),
	    "true");
	assert_int_equal(testenv_read_key("complaints.events",
	    json_string_value(json_object_get(a.json, "complaint_id")), 15000,
	    &recs), 1);
	testenv_records_free(recs, 1);
	assert_int_equal(intake_call(&intake, "POST", "/v1/complaints",
	    "dev-app", idem, "{\"order_id\": \"O-IDEM-2\", \"merchant_id\": "
	    "\"M1001\", \"user\": {\"id\": \"U2\"}, \"description\": \"x\", "
	    "\"demand\": \"refund\"}", &c), 422);
	testhttp_free(&a);
	testhttp_free(&b);
	testhttp_free(&c);
	free(idem);
}

/*
 * Writes the order part of the snapshot the classifier keeps
 * (docs/read-model.md), on entry 0 where the classifier keeps it and
 * intake reads it.
 */
static void
put_order(const char *order_id)
{
	Cdp__V1__OrderSnapshot	 snap = CDP__V1__ORDER_SNAPSHOT__INIT;
	Cdp__V1__Order		 o = CDP__V1__ORDER__INIT;
	Cdp__V1__SkuLine	 line = CDP__V1__SKU_LINE__INIT, *lines[1];
	char			*key = xasprintf("order:%s", order_id);
	uint8_t			*buf;
	size_t			 len;

	line.sku = "SKU-9";
	line.title = "蓝牙耳机";
	line.quantity = 2;
	line.unit_price_fen = 12900;
	lines[0] = &line;
	o.merchant_id = "M1002";
	o.shop_name = "数码旗舰店";
	o.buyer_id = "U3";
	o.member_tier = CDP__V1__MEMBER_TIER__MEMBER_TIER_PLATINUM;
	o.n_lines = 1;
	o.lines = lines;
	o.total_fen = 25800;
	o.delivery_address = "上海市浦东新区世纪大道1号";
	o.ordered_at_ms = meta_now_ms() - 86400000;
	snap.order_id = (char *)order_id;
	snap.order = &o;
	buf = pb_pack(&snap.base, &len);
	testenv_redis_do(0, "HSET %s order %b", key, buf, len);
	free(buf);
	free(key);
}

static void
test_missing_fields_are_filled_from_the_order(void **state)
{
	struct testhttp_response	 r;
	Cdp__V1__ComplaintEvent		*ev;
	char				*order = testenv_unique("O");
	char				*body, *id;
	size_t				 i;
	bool				 merchant_filled = false;

	body = xasprintf("{\"order_id\": \"%s\", \"user\": {\"id\": \"U3\"}, "
	    "\"problem_type\": \"product.damaged\", \"demand\": \"exchange\"}",
	    order);
	assert_int_equal(intake_call(&intake, "POST", "/v1/complaints",
	    "dev-app", NULL, body, &r), 400);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "field")), "merchant_id");
	testhttp_free(&r);

	put_order(order);
	id = intake_file(&intake, "dev-app", body);
	ev = filed_event(id);
	assert_string_equal(ev->filed->respondent->merchant_id, "M1002");
	assert_string_equal(ev->merchant_id, "M1002");
	assert_string_equal(ev->filed->order->sku, "SKU-9");
	assert_int_equal(ev->filed->complainant->member_tier,
	    CDP__V1__MEMBER_TIER__MEMBER_TIER_PLATINUM);
	for (i = 0; i < ev->filed->n_auto_filled_fields; i++)
		if (strcmp(ev->filed->auto_filled_fields[i],
		    "respondent.merchant_id") == 0)
			merchant_filled = true;
	assert_true(merchant_filled);
	cdp__v1__complaint_event__free_unpacked(ev, NULL);
	free(body);
	free(order);
	free(id);
}

/*
 * Files a complaint about order for user, naming no merchant; returns its
 * Filed event.
 */
static Cdp__V1__ComplaintEvent *
file_about(const char *key, const char *order, const char *user)
{
	Cdp__V1__ComplaintEvent	*ev;
	char			*body, *id;

	body = xasprintf("{\"order_id\": \"%s\", \"user\": {\"id\": "
	    "\"%s\"}, \"description\": \"耳机没有声音\", \"demand\": "
	    "\"refund\"%s}", order, user, strcmp(key, "dev-app") == 0 ? "" :
	    ", \"channel\": \"app\"");
	id = intake_file(&intake, key, body);
	ev = filed_event(id);
	free(body);
	free(id);
	return ev;
}

static void
test_order_fill_checks_ownership(void **state)
{
	struct testhttp_response	 r;
	Cdp__V1__ComplaintEvent		*ev;
	char				*order = testenv_unique("O");
	char				*body;

	put_order(order);
	body = xasprintf("{\"order_id\": \"%s\", \"merchant_id\": "
	    "\"M1001\", \"user\": {\"id\": \"U3\"}, \"description\": "
	    "\"x\", \"demand\": \"refund\"}", order);
	assert_int_equal(intake_call(&intake, "POST", "/v1/complaints",
	    "dev-app", NULL, body, &r), 422);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "error")), "order_mismatch");
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "field")), "merchant_id");
	testhttp_free(&r);

	/* Another buyer's order through a customer's channel. */
	ev = file_about("dev-app", order, "U-OTHER");
	assert_string_equal(ev->filed->respondent->merchant_id, "M1002");
	assert_string_equal(ev->filed->order->delivery_address, "");
	assert_string_equal(ev->filed->order->sku, "");
	assert_int_equal(ev->filed->order->amount_fen, 0);
	assert_int_equal(ev->filed->order->order_total_fen, 0);
	assert_int_equal(ev->filed->complainant->member_tier,
	    CDP__V1__MEMBER_TIER__MEMBER_TIER_UNSPECIFIED);
	cdp__v1__complaint_event__free_unpacked(ev, NULL);

	/* The buyer, and an agent filing for whoever calls. */
	ev = file_about("dev-app", order, "U3");
	assert_string_equal(ev->filed->order->delivery_address,
	    "上海市浦东新区世纪大道1号");
	assert_string_equal(ev->filed->order->sku, "SKU-9");
	assert_int_equal(ev->filed->order->amount_fen, 25800);
	cdp__v1__complaint_event__free_unpacked(ev, NULL);
	ev = file_about("dev-agent", order, "U-CALLER");
	assert_string_equal(ev->filed->order->delivery_address,
	    "上海市浦东新区世纪大道1号");
	cdp__v1__complaint_event__free_unpacked(ev, NULL);
	free(body);
	free(order);
}

static void
expect_error(const char *key, const char *body, int status,
    const char *error, const char *field)
{
	struct testhttp_response	r;

	intake_call(&intake, "POST", "/v1/complaints", key, NULL, body, &r);
	if (r.status != status)
		fail_msg("%s: want %d, got %d %s", body, status, r.status,
		    r.body);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "error")), error);
	if (field != NULL)
		assert_string_equal(json_string_value(json_object_get(r.json,
		    "field")), field);
	assert_non_null(json_string_value(json_object_get(r.json, "reason")));
	testhttp_free(&r);
}

#define VALID_PREFIX	"{\"order_id\": \"O-ERR\", \"merchant_id\": \"M1001\", " \
			"\"user\": {\"id\": \"U4\"}, \"description\": \"坏了\""

static void
test_bad_requests_name_the_problem(void **state)
{
	expect_error("dev-app", "{\"order_id\": ", 400, "invalid_json", NULL);
	expect_error("dev-app", "[1, 2]", 400, "invalid_json", NULL);
	expect_error("dev-app", "{\"order_id\": 5, \"merchant_id\": \"M1\", "
	    "\"user\": {\"id\": \"U4\"}, \"description\": \"d\", \"demand\": "
	    "\"refund\"}", 400, "invalid_field", "order_id");
	expect_error("dev-app", VALID_PREFIX "}", 400, "missing_field",
	    "demand");
	expect_error("dev-app", VALID_PREFIX ", \"demand\": \"money\"}", 400,
	    "invalid_field", "demand");
	expect_error("dev-app", "{\"order_id\": \"O 1\", \"merchant_id\": "
	    "\"M1\", \"user\": {\"id\": \"U4\"}, \"description\": \"d\", "
	    "\"demand\": \"refund\"}", 400, "invalid_field", "order_id");
	expect_error("dev-app", VALID_PREFIX ", \"demand\": \"refund\", "
	    "\"evidence\": [\"https://a.cn/1\", \"https://a.cn/2\", "
	    "\"https://a.cn/3\", \"https://a.cn/4\"]}", 400, "invalid_field",
	    "evidence");
	expect_error("dev-merchant-M1001", VALID_PREFIX ", \"demand\": "
	    "\"refund\"}", 403, "forbidden", NULL);
	expect_error(NULL, VALID_PREFIX ", \"demand\": \"refund\"}", 401,
	    "unauthorized", NULL);
	expect_error("not-a-key", VALID_PREFIX ", \"demand\": \"refund\"}",
	    401, "unauthorized", NULL);
}

static void
test_transport_errors(void **state)
{
	struct testhttp_response	 r;
	char				*big = xmalloc(70 * 1024 + 1);

	assert_int_equal(testhttp_request(intake.port, "POST",
	    "/v1/complaints", "Authorization: Bearer " INTAKE_KEY_PREFIX
	    "dev-app\r\n"
	    "Content-Type: text/plain\r\n", "{}", &r), 0);
	assert_int_equal(r.status, 415);
	testhttp_free(&r);

	memset(big, 'a', 70 * 1024);
	big[70 * 1024] = '\0';
	assert_int_equal(testhttp_request(intake.port, "POST",
	    "/v1/complaints", "Authorization: Bearer " INTAKE_KEY_PREFIX
	    "dev-app\r\n"
	    "Content-Type: application/json\r\n", big, &r), 0);
	assert_int_equal(r.status, 413);
	testhttp_free(&r);
	free(big);

	assert_int_equal(intake_call(&intake, "GET", "/v1/complaints/CNOSUCH",
	    "dev-agent", NULL, NULL, &r), 404);
	testhttp_free(&r);
	assert_int_equal(intake_call(&intake, "GET", "/v1/nowhere",
	    "dev-agent", NULL, NULL, &r), 404);
	testhttp_free(&r);
	assert_int_equal(intake_call(&intake, "DELETE", "/v1/complaints",
	    "dev-agent", NULL, NULL, &r), 405);
	testhttp_free(&r);
}

static void
test_rate_limit_answers_429_with_retry_after(void **state)
{
	struct testhttp_response	r;
	int				i, last = 0;

	for (i = 0; i < 3; i++) {
		last = intake_call(&intake, "GET", "/v1/complaints/CNOSUCH",
		    "slow-agent", NULL, NULL, &r);
		if (last == 429)
			assert_non_null(testhttp_header(&r, "Retry-After"));
		testhttp_free(&r);
	}
	assert_int_equal(last, 429);
}

static bool
list_has(const char *key, const char *id)
{
	struct testhttp_response	 r;
	json_t				*item;
	size_t				 i;
	bool				 found = false;

	assert_int_equal(intake_call(&intake, "GET",
	    "/v1/complaints?limit=100", key, NULL, NULL, &r), 200);
	json_array_foreach(json_object_get(r.json, "items"), i, item)
		if (strcmp(json_string_value(json_object_get(item,
		    "complaint_id")), id) == 0)
			found = true;
	testhttp_free(&r);
	return found;
}

static void
test_each_role_sees_what_it_may(void **state)
{
	struct testhttp_response	 r;
	char				*id, *path;
	json_t				*view;

	id = intake_file(&intake, "dev-app", "{\"order_id\": \"O-VIS-1\", "
	    "\"merchant_id\": \"M1001\", \"user\": {\"id\": \"U5\", "
	    "\"phone\": \"13912345678\"}, \"description\": \"少发了一件\", "
	    "\"demand\": \"reship\"}");
	path = xasprintf("/v1/complaints/%s", id);
	view = intake_wait_view(&intake, "dev-agent", id, NULL, 10000);
	assert_non_null(view);
	json_decref(view);

	assert_int_equal(intake_call(&intake, "GET", path,
	    "dev-merchant-M1001", NULL, NULL, &r), 200);
	assert_null(strstr(r.body, "13912345678"));
	testhttp_free(&r);
	assert_int_equal(intake_call(&intake, "GET", path,
	    "dev-merchant-M1002", NULL, NULL, &r), 404);
	testhttp_free(&r);
	assert_int_equal(intake_call(&intake, "GET", path, "dev-hotline",
	    NULL, NULL, &r), 404);
	testhttp_free(&r);
	assert_int_equal(intake_call(&intake, "GET", path, "dev-app", NULL,
	    NULL, &r), 200);
	assert_non_null(strstr(r.body, "13912345678"));
	testhttp_free(&r);

	assert_true(list_has("dev-agent", id));
	assert_true(list_has("dev-merchant-M1001", id));
	assert_false(list_has("dev-merchant-M1002", id));
	assert_true(list_has("dev-app", id));
	assert_false(list_has("dev-hotline", id));
	free(path);
	free(id);
}

static void
test_actions_follow_the_lifecycle(void **state)
{
	struct testhttp_response	 r;
	char				*id, *path;
	json_t				*view, *allowed;
	const char			*name;
	size_t				 i;
	bool				 first_contact = false;

	id = intake_file(&intake, "dev-hotline", "{\"order_id\": "
	    "\"O-ACT-1\", \"merchant_id\": \"M1001\", \"user\": {\"id\": "
	    "\"U6\"}, \"description\": \"客服态度差\", \"demand\": "
	    "\"apology\"}");
	path = xasprintf("/v1/complaints/%s/actions", id);
	assert_non_null(view = intake_wait_view(&intake, "dev-agent", id,
	    "received", 10000));
	json_decref(view);

	assert_int_equal(intake_call(&intake, "POST", path, "dev-agent", NULL,
	    "{\"action\": \"execute\", \"outcome\": \"apology\"}", &r),
	    409);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "status")), "received");
	allowed = json_object_get(r.json, "allowed_actions");
	json_array_foreach(allowed, i, view) {
		name = json_string_value(view);
		if (strcmp(name, "first_contact") == 0)
			first_contact = true;
	}
	assert_true(first_contact);
	testhttp_free(&r);

	assert_int_equal(intake_call(&intake, "POST", path,
	    "dev-merchant-M1001", NULL, "{\"action\": \"first_contact\"}",
	    &r), 403);
	testhttp_free(&r);
	assert_int_equal(intake_call(&intake, "POST", path,
	    "dev-merchant-M1002", NULL, "{\"action\": \"note\", \"comment\": "
	    "\"hi\"}", &r), 404);
	testhttp_free(&r);
	assert_int_equal(intake_call(&intake, "POST", path, "dev-agent", NULL,
	    "{\"action\": \"first_contact\", \"comment\": \"已致电客户\"}",
	    &r), 202);
	testhttp_free(&r);
	assert_non_null(view = intake_wait_view(&intake, "dev-agent", id,
	    "investigating", 10000));
	json_decref(view);
	free(path);
	free(id);
}

/* Files a complaint through the hotline and waits for its view. */
static char *
file_received(void)
{
	return intake_file_received(&intake, "dev-hotline", "{\"order_id\": "
	    "\"O-SCOPE-1\", \"merchant_id\": \"M1001\", \"user\": "
	    "{\"id\": \"U7\"}, \"description\": \"发错颜色\", "
	    "\"demand\": \"exchange\"}");
}

static void
test_idempotency_key_is_scoped_by_complaint(void **state)
{
	struct testhttp_response	 r;
	char				*ids[2], *path, *idem;
	const char			*body = "{\"action\": \"first_contact\"}";
	json_t				*view;
	int				 i;

	idem = testenv_unique("idem");
	for (i = 0; i < 2; i++)
		ids[i] = file_received();
	for (i = 0; i < 2; i++) {
		path = xasprintf("/v1/complaints/%s/actions", ids[i]);
		assert_int_equal(intake_call(&intake, "POST", path,
		    "dev-agent", idem, body, &r), 202);
		assert_null(testhttp_header(&r, "Idempotent-Replayed"));
		assert_string_equal(json_string_value(json_object_get(r.json,
		    "complaint_id")), ids[i]);
		testhttp_free(&r);
		free(path);
	}
	for (i = 0; i < 2; i++) {
		assert_non_null(view = intake_wait_view(&intake, "dev-agent",
		    ids[i], "investigating", 10000));
		json_decref(view);
		free(ids[i]);
	}
	free(idem);
}

static int
get_status(int port, const char *path)
{
	struct testhttp_response	r;
	int				status;

	assert_int_equal(testhttp_request(port, "GET", path, "", NULL, &r), 0);
	status = r.status;
	testhttp_free(&r);
	return status;
}

/*
 * Readiness details and metrics are for operators: the public port keeps
 * only /healthz, the admin port (ADMIN_LISTEN) serves all three.
 */
static void
test_metrics_and_readiness_only_on_the_admin_port(void **state)
{
	assert_int_equal(get_status(intake.port, "/healthz"), 200);
	assert_int_equal(get_status(intake.port, "/metrics"), 404);
	assert_int_equal(get_status(intake.port, "/readyz"), 404);
	assert_int_equal(get_status(intake.admin_port, "/metrics"), 200);
	assert_int_equal(get_status(intake.admin_port, "/readyz"), 200);
	assert_int_equal(get_status(intake.admin_port, "/healthz"), 200);
	assert_int_equal(get_status(intake.admin_port, "/v1/complaints"), 404);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filing_publishes_one_complete_event),
		cmocka_unit_test(test_same_idempotency_key_files_once),
		cmocka_unit_test(test_missing_fields_are_filled_from_the_order),
		cmocka_unit_test(test_order_fill_checks_ownership),
		cmocka_unit_test(test_bad_requests_name_the_problem),
		cmocka_unit_test(test_transport_errors),
		cmocka_unit_test(test_rate_limit_answers_429_with_retry_after),
		cmocka_unit_test(test_each_role_sees_what_it_may),
		cmocka_unit_test(test_actions_follow_the_lifecycle),
		cmocka_unit_test(test_idempotency_key_is_scoped_by_complaint),
		cmocka_unit_test(test_metrics_and_readiness_only_on_the_admin_port),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
