/*
 * The classifier through its real inputs and outputs: Filed, order and
 * logistics events into the test Kafka; Classified, OutOfScope and
 * ProactiveOpened out of it, and order snapshots in the test Redis. The
 * last test runs intake beside it: a complaint filed over HTTP shows its
 * classification in GET.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/order.pb-c.h"
#include "intake_harness.h"
#include "log.h"
#include "meta.h"
#include "pb.h"
#include "testenv.h"
#include "testproc.h"
#include "xmalloc.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x

static pid_t	classifier_pid;

static int
setup(void **state)
{
	char	*listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d",
	    testproc_free_port());
	char	*admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d",
	    testproc_free_port());
	const char *env[] = { listen, admin, "LOG_LEVEL=warn",
	    "PROACTIVE_SHIP_GRACE_MS=0", "PROACTIVE_NO_SCAN_MS=3000", NULL };
	int	port = atoi(strrchr(admin, ':') + 1);

	classifier_pid = testproc_spawn("classifier", env);
	assert_true(testproc_wait_http(port, "/readyz", 200, 60000));
	free(listen);
	free(admin);
	return 0;
}

static int
teardown(void **state)
{
	assert_int_equal(testproc_stop(classifier_pid, 15000), 0);
	return 0;
}

/* Produces a Filed event for a new complaint; returns its event id. */
static char *
produce_filed(const char *complaint_id, const char *order_id,
    const char *sku, const char *description, int64_t amount_fen)
{
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	Cdp__V1__Filed		 f = CDP__V1__FILED__INIT;
	Cdp__V1__Complainant	 who = CDP__V1__COMPLAINANT__INIT;
	Cdp__V1__Respondent	 resp = CDP__V1__RESPONDENT__INIT;
	Cdp__V1__OrderRef	 ref = CDP__V1__ORDER_REF__INIT;

	meta_fill(&meta, &ids, "intake", NULL, NULL);
	who.user_id = "U1";
	who.member_tier = CDP__V1__MEMBER_TIER__MEMBER_TIER_REGULAR;
	resp.merchant_id = (char *)complaint_id;	/* a merchant of its own */
	ref.order_id = (char *)order_id;
	ref.sku = (char *)sku;
	ref.amount_fen = amount_fen;
	f.channel = CDP__V1__CHANNEL__CHANNEL_APP;
	f.complainant = &who;
	f.respondent = &resp;
	f.order = &ref;
	f.description = (char *)description;
	f.demand = CDP__V1__DEMAND__DEMAND_REFUND;
	ev.meta = &meta;
	ev.complaint_id = (char *)complaint_id;
	ev.merchant_id = (char *)complaint_id;
	ev.body_case = BODY(FILED);
	ev.filed = &f;
	testenv_produce_event(&ev);
	return xstrdup(ids.event_id);
}

static size_t
wait_events(const char *key, int body, size_t want,
    Cdp__V1__ComplaintEvent **out, size_t max)
{
	return testenv_wait_events(key, body, want, 20000, out, max);
}

static void
test_filed_gets_one_classification_with_reasons(void **state)
{
	Cdp__V1__ComplaintEvent	*evs[4];
	char			*id = testenv_unique("CT");
	char			*filed_id, want[META_ID_LEN + 1];
	size_t			 n;

	filed_id = produce_filed(id, "O-CL-1", "SKU-MILK",
	    "买的奶粉已经过期了，孩子喝了以后呕吐", 19900);
	n = wait_events(id, BODY(CLASSIFIED), 1, evs, 4);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0]->classified->category,
	    CDP__V1__CATEGORY__CATEGORY_PRODUCT);
	assert_int_equal(evs[0]->classified->severity,
	    CDP__V1__SEVERITY__SEVERITY_URGENT);
	assert_true(evs[0]->classified->n_reasons > 0);
	assert_true(evs[0]->classified->n_teams > 0);
	assert_string_equal(evs[0]->meta->cause_id, filed_id);
	meta_derive_id(filed_id, "classified", want);
	assert_string_equal(evs[0]->meta->event_id, want);
	assert_string_equal(evs[0]->meta->producer, "classifier");
	testenv_free_events(evs, n);
	free(filed_id);
	free(id);
}

static void
test_out_of_scope_gets_guidance(void **state)
{
	Cdp__V1__ComplaintEvent	*evs[2];
	char			*id = testenv_unique("CT");
	size_t			 n;

	/* No platform order: a case an agent typed from a hotline call. */
	free(produce_filed(id, "", "", "我是在微信上私下转账给卖家"
	    "的，没有走平台交易，现在卖家联系不上了", 50000));
	n = wait_events(id, BODY(OUT_OF_SCOPE), 1, evs, 2);
	assert_int_equal(n, 1);
	assert_true(strlen(evs[0]->out_of_scope->guidance_zh) > 0);
	assert_true(strlen(evs[0]->out_of_scope->reason_code) > 0);
	testenv_free_events(evs, n);
	free(id);
}

static void
produce_order(const char *order_id, int64_t promised_ship_by)
{
	Cdp__V1__OrderEvent	 ev = CDP__V1__ORDER_EVENT__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	Cdp__V1__Order		 o = CDP__V1__ORDER__INIT;
	Cdp__V1__SkuLine	 line = CDP__V1__SKU_LINE__INIT, *lines[1];
	Cdp__V1__OrderPaid	 paid = CDP__V1__ORDER_PAID__INIT;
	uint8_t			*buf;
	size_t			 len;

	meta_fill(&meta, &ids, "orders", NULL, NULL);
	line.sku = "SKU-RICE";
	line.title = "东北大米 5kg";
	line.quantity = 1;
	line.unit_price_fen = 5900;
	lines[0] = &line;
	o.merchant_id = "M1001";
	o.buyer_id = "U9";
	o.member_tier = CDP__V1__MEMBER_TIER__MEMBER_TIER_SILVER;
	o.n_lines = 1;
	o.lines = lines;
	o.total_fen = 5900;
	o.status = CDP__V1__ORDER_STATUS__ORDER_STATUS_PAID;
	o.ordered_at_ms = meta_now_ms() - 3600000;
	o.paid_at_ms = meta_now_ms() - 3500000;
	o.promised_ship_by_ms = promised_ship_by;
	ev.meta = &meta;
	ev.order_id = (char *)order_id;
	ev.order = &o;
	ev.body_case = CDP__V1__ORDER_EVENT__BODY_PAID;
	ev.paid = &paid;
	buf = pb_pack(&ev.base, &len);
	testenv_produce("orders.events", order_id, buf, len);
	free(buf);
}

static void
produce_scan(const char *order_id, Cdp__V1__LogisticsStatus status)
{
	Cdp__V1__LogisticsEvent	 ev = CDP__V1__LOGISTICS_EVENT__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	uint8_t			*buf;
	size_t			 len;

	meta_fill(&meta, &ids, "logistics", NULL, NULL);
	ev.meta = &meta;
	ev.order_id = (char *)order_id;
	ev.carrier = "ZTO";
	ev.tracking_number = "ZT1234567890";
	ev.status = status;
	ev.location = "杭州转运中心";
	ev.scan_at_ms = meta_now_ms();
	buf = pb_pack(&ev.base, &len);
	testenv_produce("logistics.events", order_id, buf, len);
	free(buf);
}

/* The stored snapshot of an order, once it satisfies ready(). */
static Cdp__V1__OrderSnapshot *
wait_snapshot(const char *order_id, Cdp__V1__LogisticsStatus want)
{
	char			*host;
	int			 port;
	redisContext		*rc;
	redisReply		*r;
	Cdp__V1__OrderSnapshot	*snap = NULL;
	int64_t			 deadline = meta_now_ms() + 20000;

	testenv_redis(&host, &port);
	rc = redisConnect(host, port);
	assert_true(rc != NULL && rc->err == 0);
	while (meta_now_ms() < deadline) {
		r = redisCommand(rc, "GET order:%s", order_id);
		if (r->type == REDIS_REPLY_STRING)
			snap = cdp__v1__order_snapshot__unpack(NULL, r->len,
			    (const uint8_t *)r->str);
		freeReplyObject(r);
		if (snap != NULL && snap->order != NULL &&
		    snap->logistics_status == want)
			break;
		if (snap != NULL)
			cdp__v1__order_snapshot__free_unpacked(snap, NULL);
		snap = NULL;
		usleep(100000);
	}
	redisFree(rc);
	free(host);
	return snap;
}

static void
test_order_and_logistics_events_keep_a_snapshot(void **state)
{
	char			*order = testenv_unique("O");
	Cdp__V1__OrderSnapshot	*snap;

	produce_order(order, meta_now_ms() + 86400000);
	produce_scan(order, CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_IN_TRANSIT);
	snap = wait_snapshot(order,
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_IN_TRANSIT);
	assert_non_null(snap);
	assert_string_equal(snap->order->merchant_id, "M1001");
	assert_string_equal(snap->carrier, "ZTO");
	assert_string_equal(snap->last_location, "杭州转运中心");
	cdp__v1__order_snapshot__free_unpacked(snap, NULL);
	free(order);
}

/* The ProactiveOpened events (any key) for an order. */
static size_t
proactive_for(const char *order_id, char *complaint_id, size_t size)
{
	struct testenv_record	*recs;
	Cdp__V1__ComplaintEvent	*ev;
	size_t			 n, i, found = 0;

	n = testenv_read_key("complaints.events", NULL, 15000, &recs);
	for (i = 0; i < n; i++) {
		ev = cdp__v1__complaint_event__unpack(NULL, recs[i].len,
		    recs[i].payload);
		if (ev != NULL && ev->body_case == BODY(PROACTIVE_OPENED) &&
		    strcmp(ev->proactive_opened->filed->order->order_id,
		    order_id) == 0) {
			snprintf(complaint_id, size, "%s", ev->complaint_id);
			found++;
		}
		cdp__v1__complaint_event__free_unpacked(ev, NULL);
	}
	testenv_records_free(recs, n);
	return found;
}

static void
test_lost_parcel_opens_one_complaint_that_is_classified(void **state)
{
	char			*order = testenv_unique("O");
	char			 id[64] = "";
	Cdp__V1__ComplaintEvent	*evs[2];
	int64_t			 deadline = meta_now_ms() + 20000;
	size_t			 n = 0;

	produce_order(order, meta_now_ms() + 86400000);
	produce_scan(order, CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_LOST);
	produce_scan(order, CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_LOST);
	while (n == 0 && meta_now_ms() < deadline)
		n = proactive_for(order, id, sizeof(id));
	assert_int_equal(n, 1);
	assert_int_equal(id[0], 'P');
	n = wait_events(id, BODY(CLASSIFIED), 1, evs, 2);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0]->classified->category,
	    CDP__V1__CATEGORY__CATEGORY_LOGISTICS);
	testenv_free_events(evs, n);
	sleep(3);	/* a second check must not open it again */
	assert_int_equal(proactive_for(order, id, sizeof(id)), 1);
	free(order);
}

static void
test_order_not_shipped_in_time_opens_a_complaint(void **state)
{
	char	*order = testenv_unique("O");
	char	 id[64] = "";
	int64_t	 deadline = meta_now_ms() + 20000;
	size_t	 n = 0;

	produce_order(order, meta_now_ms() + 1500);
	while (n == 0 && meta_now_ms() < deadline)
		n = proactive_for(order, id, sizeof(id));
	assert_int_equal(n, 1);
	free(order);
}

static bool
has_flag(const Cdp__V1__Classified *cl, Cdp__V1__UrgencyFlag flag)
{
	size_t	i;

	for (i = 0; i < cl->n_urgency_flags; i++)
		if (cl->urgency_flags[i] == flag)
			return true;
	return false;
}

/*
 * Five complaints on one SKU within the window: the fifth is urgent, and
 * the four before it are classified again as urgent, all linked.
 */
static void
test_group_of_five_on_one_sku_makes_all_urgent_and_linked(void **state)
{
	Cdp__V1__ComplaintEvent	*evs[3];
	char			*sku = testenv_unique("SKU");
	char			*ids[5];
	size_t			 i, n;

	for (i = 0; i < 5; i++) {
		ids[i] = testenv_unique("CT");
		free(produce_filed(ids[i], ids[i], sku, "收到的杯子有裂纹",
		    2900));
	}
	n = wait_events(ids[4], BODY(CLASSIFIED), 1, evs, 3);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0]->classified->severity,
	    CDP__V1__SEVERITY__SEVERITY_URGENT);
	assert_non_null(strstr(evs[0]->classified->group_key, sku));
	assert_int_equal(evs[0]->classified->n_group_complaint_ids, 4);
	testenv_free_events(evs, n);
	for (i = 0; i < 4; i++) {
		n = wait_events(ids[i], BODY(CLASSIFIED), 2, evs, 3);
		assert_int_equal(n, 2);
		assert_int_not_equal(evs[0]->classified->severity,
		    CDP__V1__SEVERITY__SEVERITY_URGENT);
		assert_int_equal(evs[1]->classified->severity,
		    CDP__V1__SEVERITY__SEVERITY_URGENT);
		assert_true(has_flag(evs[1]->classified,
		    CDP__V1__URGENCY_FLAG__URGENCY_FLAG_GROUP_COMPLAINT));
		assert_int_equal(evs[1]->classified->n_group_complaint_ids, 4);
		testenv_free_events(evs, n);
	}
	for (i = 0; i < 5; i++)
		free(ids[i]);
	free(sku);
}

static void
test_undecodable_order_event_goes_to_dead_letters(void **state)
{
	struct testenv_record	*recs;
	char			*key = testenv_unique("O-BAD");
	char			 reason[256] = "", topic[64] = "";
	int64_t			 deadline = meta_now_ms() + 20000;
	size_t			 n, i;

	testenv_produce("orders.events", key, "\x08\xff\xff not an order",
	    16);
	while (reason[0] == '\0' && meta_now_ms() < deadline) {
		n = testenv_read_key("dlq.classifier", key, 15000, &recs);
		for (i = 0; i < n; i++) {
			snprintf(reason, sizeof(reason), "%s",
			    testenv_header(&recs[i], "dlq.reason"));
			snprintf(topic, sizeof(topic), "%s",
			    testenv_header(&recs[i], "dlq.topic"));
		}
		testenv_records_free(recs, n);
	}
	assert_non_null(strstr(reason, "OrderEvent"));
	assert_string_equal(topic, "orders.events");
	free(key);
}

static void
test_bad_rules_file_stops_start_up_naming_the_line(void **state)
{
	const char	*rules = "/tmp/cdp-bad-rules.conf";
	const char	*log = "/tmp/cdp-bad-rules.log";
	FILE		*f = fopen(rules, "w");
	char		 line[4096] = "";
	char		*listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d",
	    testproc_free_port());
	const char	*env[] = { "CLASSIFIER_RULES_FILE=/tmp/cdp-bad-rules.conf",
	    listen, NULL };

	assert_non_null(f);
	fprintf(f, "[settings]\ngroup_threshold = 5\n\n[rule r1]\n"
	    "keywords = 坏了\ncategory = no-such-category\n");
	fclose(f);
	assert_int_equal(testproc_run("classifier", env, log, 10000), 1);
	assert_non_null(f = fopen(log, "r"));
	while (fgets(line, sizeof(line), f) != NULL &&
	    strstr(line, "\"error\"") == NULL)
		;
	fclose(f);
	assert_non_null(strstr(line, "/tmp/cdp-bad-rules.conf:"));
	unlink(rules);
	unlink(log);
	free(listen);
}

static void
test_intake_shows_the_classification(void **state)
{
	struct intake_proc	 p = { 0 };
	json_t			*view;
	char			*id;
	int64_t			 start;

	intake_start(&p, "5000");
	start = meta_now_ms();
	id = intake_file(&p, "dev-app", "{\"order_id\": \"O-CL-9\", "
	    "\"merchant_id\": \"M1001\", \"user\": {\"id\": \"U9\"}, "
	    "\"description\": \"快递显示已签收但我根本没有收到包裹\", "
	    "\"demand\": \"reship\"}");
	view = intake_wait_view(&p, "dev-agent", id, "classified", 10000);
	assert_non_null(view);
	print_message("filed to classified view: %lld ms\n",
	    (long long)(meta_now_ms() - start));
	assert_string_equal(json_string_value(json_object_get(view,
	    "category")), "logistics");
	assert_non_null(json_string_value(json_object_get(view,
	    "severity")));
	assert_true(json_array_size(json_object_get(json_object_get(view,
	    "classification"), "reasons")) > 0);
	json_decref(view);
	intake_stop(&p);
	unlink(p.keys_file);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_filed_gets_one_classification_with_reasons),
		cmocka_unit_test(test_out_of_scope_gets_guidance),
		cmocka_unit_test(
		    test_order_and_logistics_events_keep_a_snapshot),
		cmocka_unit_test(
		    test_lost_parcel_opens_one_complaint_that_is_classified),
		cmocka_unit_test(
		    test_order_not_shipped_in_time_opens_a_complaint),
		cmocka_unit_test(
		    test_group_of_five_on_one_sku_makes_all_urgent_and_linked),
		cmocka_unit_test(
		    test_undecodable_order_event_goes_to_dead_letters),
		cmocka_unit_test(
		    test_bad_rules_file_stops_start_up_naming_the_line),
		cmocka_unit_test(test_intake_shows_the_classification),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
