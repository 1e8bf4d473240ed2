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

#include <stdbool.h>
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
#include "testenv_redis.h"
#include "testproc.h"
#include "xmalloc.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define DAY_MS		86400000LL
#define AFTER_SALES_MS	(7 * DAY_MS)	/* produce_order()'s window */
#define ORDER_KEEP_MS	(30 * DAY_MS)	/* CLASSIFIER_ORDER_KEEP_MS */

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

/* What a test Filed says; unset parts take produce_filed()'s defaults. */
struct filing {
	const char	*complaint_id;
	const char	*merchant_id;
	const char	*user_id;
	const char	*order_id;
	const char	*sku;
	const char	*description;
	int64_t		 amount_fen;
	int64_t		 after_sales_until_ms;
	int64_t		 filed_at_ms;	/* 0: now */
};

/* Produces the Filed event of a new complaint; returns its event id. */
static char *
produce_filing(const struct filing *fl)
{
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	Cdp__V1__Filed		 f = CDP__V1__FILED__INIT;
	Cdp__V1__Complainant	 who = CDP__V1__COMPLAINANT__INIT;
	Cdp__V1__Respondent	 resp = CDP__V1__RESPONDENT__INIT;
	Cdp__V1__OrderRef	 ref = CDP__V1__ORDER_REF__INIT;

	meta_fill(&meta, &ids, "intake", NULL, NULL);
	if (fl->filed_at_ms != 0)
		meta.occurred_at_ms = fl->filed_at_ms;
	who.user_id = (char *)fl->user_id;
	who.member_tier = CDP__V1__MEMBER_TIER__MEMBER_TIER_REGULAR;
	resp.merchant_id = (char *)fl->merchant_id;
	ref.order_id = (char *)fl->order_id;
	ref.sku = (char *)fl->sku;
	ref.amount_fen = fl->amount_fen;
	ref.after_sales_until_ms = fl->after_sales_until_ms;
	f.channel = CDP__V1__CHANNEL__CHANNEL_APP;
	f.complainant = &who;
	f.respondent = &resp;
	f.order = &ref;
	f.description = (char *)fl->description;
	f.demand = CDP__V1__DEMAND__DEMAND_REFUND;
	ev.meta = &meta;
	ev.complaint_id = (char *)fl->complaint_id;
	ev.merchant_id = (char *)fl->merchant_id;
	ev.body_case = BODY(FILED);
	ev.filed = &f;
	testenv_produce_event(&ev);
	return xstrdup(ids.event_id);
}

/*
 * Produces a Filed event for a new complaint of customer U1 against a
 * merchant of its own; returns its event id.
 */
static char *
produce_filed(const char *complaint_id, const char *order_id,
    const char *sku, const char *description, int64_t amount_fen)
{
	struct filing	fl = { complaint_id, complaint_id, "U1", order_id,
	    sku, description, amount_fen, 0, 0 };

	return produce_filing(&fl);
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
	o.after_sales_until_ms = meta_now_ms() + AFTER_SALES_MS;
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
produce_scan_at(const char *order_id, Cdp__V1__LogisticsStatus status,
    int64_t at_ms)
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
	ev.scan_at_ms = at_ms;
	buf = pb_pack(&ev.base, &len);
	testenv_produce("logistics.events", order_id, buf, len);
	free(buf);
}

static void
produce_scan(const char *order_id, Cdp__V1__LogisticsStatus status)
{
	produce_scan_at(order_id, status, meta_now_ms());
}

/*
 * One command to the test Redis, on entry 0 where the classifier keeps
 * all its keys, sharded or not; the caller frees the reply.
 */
static redisReply *
redis_do(const char *fmt, ...)
{
	static redisContext	*rc;
	redisReply		*r;
	va_list			 ap;

	if (rc == NULL)
		rc = testenv_redis_connect(0);
	va_start(ap, fmt);
	r = redisvCommand(rc, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	return r;
}

/* The stored snapshot of an order: its two parts, one after the other. */
static Cdp__V1__OrderSnapshot *
read_snapshot(const char *order_id)
{
	redisReply		*r = redis_do("HMGET order:%s order scan",
	    order_id);
	Cdp__V1__OrderSnapshot	*snap = NULL;
	uint8_t			 buf[8192];
	size_t			 len = 0, i;

	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	for (i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    len + r->element[i]->len <= sizeof(buf)) {
			memcpy(buf + len, r->element[i]->str,
			    r->element[i]->len);
			len += r->element[i]->len;
		}
	if (len > 0)
		snap = cdp__v1__order_snapshot__unpack(NULL, len, buf);
	freeReplyObject(r);
	return snap;
}

/*
 * Waits until the classifier has turned an older classifier's snapshot
 * (one string) into the hash of parts: until then the hash reads of
 * read_snapshot() fail with WRONGTYPE.
 */
static void
wait_hash(const char *order_id)
{
	int64_t		 deadline = meta_now_ms() + 20000;
	redisReply	*r;
	bool		 hash = false;

	while (!hash && meta_now_ms() < deadline) {
		r = redis_do("TYPE order:%s", order_id);
		hash = r->type == REDIS_REPLY_STATUS &&
		    strcmp(r->str, "hash") == 0;
		freeReplyObject(r);
		if (!hash)
			usleep(100000);
	}
}

/* The stored snapshot of an order, once it has the order and status want. */
static Cdp__V1__OrderSnapshot *
wait_snapshot(const char *order_id, Cdp__V1__LogisticsStatus want)
{
	Cdp__V1__OrderSnapshot	*snap = NULL;
	int64_t			 deadline = meta_now_ms() + 20000;

	while (meta_now_ms() < deadline) {
		snap = read_snapshot(order_id);
		if (snap != NULL && snap->order != NULL &&
		    snap->logistics_status == want)
			break;
		if (snap != NULL)
			cdp__v1__order_snapshot__free_unpacked(snap, NULL);
		snap = NULL;
		usleep(100000);
	}
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

/*
 * Writes the logistics part of a snapshot as another classifier instance
 * would (docs/read-model.md): its own hash fields, never the order's.
 */
static void
put_scan_part(const char *order_id, int64_t at_ms, const char *location)
{
	Cdp__V1__OrderSnapshot	 part = CDP__V1__ORDER_SNAPSHOT__INIT;
	redisReply		*r;
	uint8_t			*buf;
	size_t			 len;

	part.order_id = (char *)order_id;
	part.logistics_status =
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_OUT_FOR_DELIVERY;
	part.last_scan_at_ms = at_ms;
	part.last_location = (char *)location;
	part.carrier = "SF";
	buf = pb_pack(&part.base, &len);
	r = redis_do("HSET order:%s scan %b scan_at %lld", order_id, buf, len,
	    (long long)at_ms);
	assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
	freeReplyObject(r);
	free(buf);
}

/*
 * Order events through the classifier while another writer keeps writing
 * the logistics part: neither part is lost, an older scan does not replace
 * a newer one, and the snapshot expires CLASSIFIER_ORDER_KEEP_MS after the
 * end of the after-sales window.
 */
static void
test_snapshot_parts_of_two_writers_both_survive_and_expire(void **state)
{
	char			*order = testenv_unique("O");
	Cdp__V1__OrderSnapshot	*snap;
	redisReply		*r;
	int64_t			 t0 = meta_now_ms(), ttl;
	int			 i;

	for (i = 0; i < 20; i++) {
		produce_order(order, t0 + DAY_MS);
		put_scan_part(order, t0 + i, "深圳南山");
	}
	snap = wait_snapshot(order,
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_OUT_FOR_DELIVERY);
	assert_non_null(snap);
	assert_string_equal(snap->order->merchant_id, "M1001");
	assert_string_equal(snap->carrier, "SF");
	assert_int_equal(snap->last_scan_at_ms, t0 + 19);
	cdp__v1__order_snapshot__free_unpacked(snap, NULL);
	/* An older scan through the classifier, then a newer one. */
	produce_scan_at(order,
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_IN_TRANSIT, t0 - 1000);
	produce_scan_at(order,
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_DELIVERED, t0 + 1000);
	snap = wait_snapshot(order,
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_DELIVERED);
	assert_non_null(snap);
	assert_string_equal(snap->carrier, "ZTO");
	assert_non_null(snap->order);
	cdp__v1__order_snapshot__free_unpacked(snap, NULL);
	r = redis_do("PTTL order:%s", order);
	ttl = r->integer;
	freeReplyObject(r);
	assert_true(ttl > AFTER_SALES_MS + ORDER_KEEP_MS - 60000);
	assert_true(ttl <= AFTER_SALES_MS + ORDER_KEEP_MS);
	free(order);
}

/*
 * A snapshot left by an older classifier, one string of the whole
 * OrderSnapshot, is taken over in place by the next scan: the order it
 * held is kept, the scan is added, and nothing fails with WRONGTYPE.
 */
static void
test_snapshot_from_an_older_classifier_is_kept(void **state)
{
	char			*order = testenv_unique("O");
	Cdp__V1__OrderSnapshot	 old = CDP__V1__ORDER_SNAPSHOT__INIT, *snap;
	Cdp__V1__Order		 o = CDP__V1__ORDER__INIT;
	redisReply		*r;
	uint8_t			*buf;
	size_t			 len;

	o.merchant_id = "M1001";
	o.buyer_id = "U-OLD";
	old.order_id = order;
	old.order = &o;
	buf = pb_pack(&old.base, &len);
	r = redis_do("SET order:%s %b", order, buf, len);
	freeReplyObject(r);
	free(buf);
	produce_scan(order, CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_LOST);
	wait_hash(order);
	snap = wait_snapshot(order,
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_LOST);
	assert_non_null(snap);
	assert_string_equal(snap->order->buyer_id, "U-OLD");
	assert_string_equal(snap->carrier, "ZTO");
	cdp__v1__order_snapshot__free_unpacked(snap, NULL);
	r = redis_do("TYPE order:%s", order);
	assert_string_equal(r->str, "hash");
	freeReplyObject(r);
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

/* How often a team appears on cl. */
static size_t
team_count(const Cdp__V1__Classified *cl, Cdp__V1__Team team)
{
	size_t	i, n = 0;

	for (i = 0; i < cl->n_teams; i++)
		n += cl->teams[i] == team;
	return n;
}

/* How often a flag appears on cl. */
static size_t
flag_count(const Cdp__V1__Classified *cl, Cdp__V1__UrgencyFlag flag)
{
	size_t	i, n = 0;

	for (i = 0; i < cl->n_urgency_flags; i++)
		n += cl->urgency_flags[i] == flag;
	return n;
}

/*
 * Files n complaints against merchant on sku (NULL: one SKU each), each
 * from its own customer (or all from user), with description; their ids
 * go to ids.
 */
static void
file_many(char **ids, size_t n, const char *merchant, const char *sku,
    const char *user, const char *description)
{
	struct filing	fl = { NULL, merchant, NULL, NULL, NULL, description,
	    2900, 0, 0 };
	char		*own_user, *own_sku;
	size_t		 i;

	for (i = 0; i < n; i++) {
		ids[i] = testenv_unique("CT");
		own_user = testenv_unique("U");
		own_sku = testenv_unique("SKU");
		fl.complaint_id = ids[i];
		fl.order_id = ids[i];
		fl.user_id = user != NULL ? user : own_user;
		fl.sku = sku != NULL ? sku : own_sku;
		free(produce_filing(&fl));
		free(own_user);
		free(own_sku);
	}
}

/* The complaint's only Classified so far (NULL: none in time). */
static Cdp__V1__ComplaintEvent *
only_classified(const char *id)
{
	Cdp__V1__ComplaintEvent	*evs[3];
	size_t			 n;

	n = wait_events(id, BODY(CLASSIFIED), 1, evs, 3);
	assert_int_equal(n, 1);
	return evs[0];
}

static void
free_ids(char **ids, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(ids[i]);
}

/*
 * Waits until the complaint's latest Classified is urgent; returns how
 * many it has then (0: none urgent in time) and the latest in *last.
 */
static size_t
wait_urgent(const char *id, Cdp__V1__ComplaintEvent **evs, size_t max)
{
	int64_t	deadline = meta_now_ms() + 20000;
	size_t	n = 0;

	while (meta_now_ms() < deadline) {
		n = testenv_wait_events(id, BODY(CLASSIFIED), 1, 500, evs,
		    max);
		if (n > 0 && evs[n - 1]->classified->severity ==
		    CDP__V1__SEVERITY__SEVERITY_URGENT)
			return n;
		testenv_free_events(evs, n);
		n = 0;
	}
	return 0;
}

/*
 * Checks the members of a group, whatever order the classifier met them
 * in (their complaints sit on different partitions): each one's latest
 * Classified is urgent, with the urgent SLA policy and priority, flagged
 * and routed to the emergency team once each, and linked to the other
 * links members. At most one, the member that completed the group, was
 * urgent at once; every other was classified first as not urgent, then
 * raised.
 */
static void
check_group(char **ids, size_t n, const char *group_key, size_t links)
{
	Cdp__V1__ComplaintEvent	*evs[3];
	Cdp__V1__Classified	*last;
	size_t			 i, k, completing = 0;

	for (i = 0; i < n; i++) {
		k = wait_urgent(ids[i], evs, 3);
		if (k == 0)
			fail_msg("%s: no urgent Classified", ids[i]);
		assert_true(k <= 2);
		last = evs[k - 1]->classified;
		if (k == 1)
			completing++;
		else
			assert_int_not_equal(evs[0]->classified->severity,
			    CDP__V1__SEVERITY__SEVERITY_URGENT);
		assert_string_equal(last->sla_policy, "urgent");
		assert_true(last->priority >= 1000);
		assert_int_equal(flag_count(last,
		    CDP__V1__URGENCY_FLAG__URGENCY_FLAG_GROUP_COMPLAINT), 1);
		assert_int_equal(team_count(last,
		    CDP__V1__TEAM__TEAM_EMERGENCY), 1);
		assert_string_equal(last->group_key, group_key);
		assert_int_equal(last->n_group_complaint_ids, links);
		testenv_free_events(evs, k);
	}
	assert_true(completing <= 1);
}

/*
 * Five customers on one SKU of one merchant within the window: the fifth
 * is urgent, and the four before it are classified again as urgent (with
 * the urgent SLA policy and priority), all linked.
 */
static void
test_group_of_five_on_one_sku_makes_all_urgent_and_linked(void **state)
{
	char			*merchant = testenv_unique("M");
	char			*sku = testenv_unique("SKU");
	char			*ids[5], *key;

	file_many(ids, 5, merchant, sku, NULL, "收到的杯子有裂纹");
	key = xasprintf("merchant:%s/sku:%s", merchant, sku);
	check_group(ids, 5, key, 4);
	free_ids(ids, 5);
	free(key);
	free(merchant);
	free(sku);
}

/*
 * One customer complaining five times about one SKU is no group, and
 * neither are four more customers of another merchant with the same SKU
 * id: a group is distinct customers of one merchant.
 */
static void
test_one_customer_or_two_merchants_make_no_group(void **state)
{
	Cdp__V1__ComplaintEvent	*ev;
	char			*m1 = testenv_unique("M"), *m2 = testenv_unique("M");
	char			*sku = testenv_unique("SKU");
	char			*ids[5], *others[4];

	file_many(ids, 5, m1, sku, "U-ONE", "收到的杯子有裂纹");
	file_many(others, 4, m2, sku, NULL, "收到的杯子有裂纹");
	ev = only_classified(ids[4]);
	assert_int_not_equal(ev->classified->severity,
	    CDP__V1__SEVERITY__SEVERITY_URGENT);
	assert_string_equal(ev->classified->group_key, "");
	assert_int_equal(ev->classified->n_group_complaint_ids, 0);
	testenv_free_events(&ev, 1);
	ev = only_classified(others[3]);
	assert_int_not_equal(ev->classified->severity,
	    CDP__V1__SEVERITY__SEVERITY_URGENT);
	assert_int_equal(ev->classified->n_group_complaint_ids, 0);
	testenv_free_events(&ev, 1);
	free_ids(ids, 5);
	free_ids(others, 4);
	free(m1);
	free(m2);
	free(sku);
}

#define CRACKED	"收到的杯子有裂纹，杯口还有缺口"	/* product.damaged */

/*
 * A busy merchant: ten customers on ten SKUs, five with a cracked cup and
 * five with a late parcel, is no group. Five more customers with a cracked
 * item bring that subcategory to the production threshold (10 in 1h), and
 * the tenth of them is urgent, linked to the other nine.
 */
static void
test_busy_merchant_is_no_group_until_one_problem_repeats(void **state)
{
	Cdp__V1__ComplaintEvent	*ev;
	char			*merchant = testenv_unique("M");
	char			*cracked[10], *late[5], *key;
	size_t			 i;

	for (i = 0; i < 5; i++) {
		file_many(&cracked[i], 1, merchant, NULL, NULL,
		    CRACKED);
		file_many(&late[i], 1, merchant, NULL, NULL,
		    "快递太慢了，下单一个星期了还没送到");
	}
	for (i = 0; i < 5; i++) {
		ev = only_classified(i < 4 ? late[i] : cracked[4]);
		assert_int_not_equal(ev->classified->severity,
		    CDP__V1__SEVERITY__SEVERITY_URGENT);
		assert_string_equal(ev->classified->group_key, "");
		testenv_free_events(&ev, 1);
	}
	ev = only_classified(late[4]);
	assert_int_not_equal(ev->classified->severity,
	    CDP__V1__SEVERITY__SEVERITY_URGENT);
	testenv_free_events(&ev, 1);
	ev = only_classified(cracked[0]);
	key = xasprintf("merchant:%s/subcategory:%s.%s", merchant, "product",
	    ev->classified->subcategory);
	testenv_free_events(&ev, 1);
	file_many(&cracked[5], 5, merchant, NULL, NULL, CRACKED);
	check_group(cracked, 10, key, 9);
	free_ids(cracked, 10);
	free_ids(late, 5);
	free(merchant);
	free(key);
}

/*
 * Across partitions the classifier meets complaints in no set order: the
 * last filed of five is met first, the four filed seconds before it
 * after, and they still make a group (every window of the rule's length
 * around a filing counts, not only the one ending at it).
 */
static void
test_group_forms_whatever_order_the_filings_are_met_in(void **state)
{
	Cdp__V1__ComplaintEvent	*ev;
	char			*merchant = testenv_unique("M");
	char			*sku = testenv_unique("SKU");
	char			*ids[5], *key, *users[5];
	struct filing		 fl = { NULL, merchant, NULL, NULL, sku,
	    "收到的杯子有裂纹", 2900, 0, 0 };
	int64_t			 last = meta_now_ms();
	size_t			 i;

	for (i = 0; i < 5; i++) {
		ids[i] = testenv_unique("CT");
		users[i] = testenv_unique("U");
	}
	for (i = 0; i < 5; i++) {
		fl.complaint_id = fl.order_id = ids[i];
		fl.user_id = users[i];
		fl.filed_at_ms = i == 0 ? last : last - 5000 + 1000 * (int64_t)i;
		free(produce_filing(&fl));
		if (i == 0) {	/* met, and counted alone, before the others */
			assert_non_null(ev = only_classified(ids[0]));
			assert_int_not_equal(ev->classified->severity,
			    CDP__V1__SEVERITY__SEVERITY_URGENT);
			testenv_free_events(&ev, 1);
		}
	}
	key = xasprintf("merchant:%s/sku:%s", merchant, sku);
	check_group(ids, 5, key, 4);
	free_ids(ids, 5);
	free_ids(users, 5);
	free(key);
	free(merchant);
	free(sku);
}

/*
 * A member remembered only after its group formed raises itself: its
 * Filed was being handled (on another partition or instance) when the
 * complaint that formed the group looked for it, so that one found
 * nothing to raise and left the group marked formed, naming it. Here
 * three members are real, and the fifth forming the group is played by
 * hand: its mark names the three, itself and the fourth, which is then
 * filed for real. The fourth counts four customers (no group yet), is
 * classified not urgent, then raised and linked to the four others.
 */
static void
test_member_remembered_after_the_group_formed_raises_itself(void **state)
{
	Cdp__V1__ComplaintEvent	*evs[3];
	char			*merchant = testenv_unique("M");
	char			*sku = testenv_unique("SKU");
	char			*ids[5], *key, *mark, *user = testenv_unique("U");
	struct filing		 fl = { NULL, merchant, user, NULL, sku,
	    "收到的杯子有裂纹", 2900, 0, 0 };
	size_t			 k;

	file_many(ids, 3, merchant, sku, NULL, "收到的杯子有裂纹");
	for (k = 0; k < 3; k++) {
		evs[0] = only_classified(ids[k]);
		assert_non_null(evs[0]);
		testenv_free_events(evs, 1);
	}
	key = xasprintf("merchant:%s/sku:%s", merchant, sku);
	ids[3] = testenv_unique("CT");
	ids[4] = testenv_unique("CT");
	mark = xasprintf("%s %s %s %s %s", ids[0], ids[1], ids[2], ids[3],
	    ids[4]);
	freeReplyObject(redis_do("SET cls:gf:%s %s PX 60000", key, mark));
	fl.complaint_id = ids[3];
	fl.order_id = ids[3];
	free(produce_filing(&fl));
	k = wait_urgent(ids[3], evs, 3);
	if (k == 0)
		fail_msg("%s: not raised", ids[3]);
	assert_int_equal(k, 2);
	assert_int_not_equal(evs[0]->classified->severity,
	    CDP__V1__SEVERITY__SEVERITY_URGENT);
	assert_string_equal(evs[0]->classified->group_key, "");
	assert_string_equal(evs[1]->classified->group_key, key);
	assert_int_equal(evs[1]->classified->n_group_complaint_ids, 4);
	assert_string_equal(evs[1]->classified->sla_policy, "urgent");
	testenv_free_events(evs, k);
	free(mark);
	free_ids(ids, 5);
	free(key);
	free(user);
	free(merchant);
	free(sku);
}

/*
 * Four customers on one SKU, then a fifth whose order is past its
 * after-sales window (out of scope): the group still formed, and the four
 * in-scope members are raised and linked.
 */
static void
test_group_completed_out_of_scope_raises_the_members(void **state)
{
	Cdp__V1__ComplaintEvent	*evs[2];
	char			*merchant = testenv_unique("M");
	char			*sku = testenv_unique("SKU");
	char			*ids[5], *key, *user = testenv_unique("U");
	struct filing		 fl = { NULL, merchant, user, NULL, sku,
	    "收到的杯子有裂纹", 2900, 0, 0 };

	file_many(ids, 4, merchant, sku, NULL, "收到的杯子有裂纹");
	ids[4] = testenv_unique("CT");
	fl.complaint_id = ids[4];
	fl.order_id = ids[4];
	fl.after_sales_until_ms = meta_now_ms() - 30 * DAY_MS;
	free(produce_filing(&fl));
	assert_int_equal(wait_events(ids[4], BODY(OUT_OF_SCOPE), 1, evs, 2),
	    1);
	testenv_free_events(evs, 1);
	key = xasprintf("merchant:%s/sku:%s", merchant, sku);
	check_group(ids, 4, key, 4);
	free_ids(ids, 5);
	free(key);
	free(user);
	free(merchant);
	free(sku);
}

/*
 * Every key the classifier keeps for a complaint or an order expires:
 * the snapshot and the order's complaints past the after-sales window,
 * the group and the remembered classification past the group window.
 * Each is on entry 0 and no other when Redis is sharded, the classifier's
 * documented layout (its keys gather complaints of every partition).
 * Prints each key's MEMORY USAGE.
 */
static void
test_every_key_of_a_complaint_and_an_order_expires(void **state)
{
	Cdp__V1__ComplaintEvent	*ev;
	Cdp__V1__OrderSnapshot	*snap;
	char			*order = testenv_unique("O");
	char			*merchant = testenv_unique("M");
	char			*sku = testenv_unique("SKU");
	char			*id = testenv_unique("CT"), *keys[5];
	struct filing		 fl = { id, merchant, "U7", order, sku,
	    "收到的杯子有裂纹，杯口还有缺口", 2900, 0, 0 };
	redisReply		*r;
	size_t			 i;

	produce_order(order, meta_now_ms() + DAY_MS);
	produce_scan(order,
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_DELIVERED);
	snap = wait_snapshot(order,
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_DELIVERED);
	assert_non_null(snap);
	cdp__v1__order_snapshot__free_unpacked(snap, NULL);
	free(produce_filing(&fl));
	ev = only_classified(id);
	keys[0] = xasprintf("order:%s", order);
	keys[1] = xasprintf("cls:ord:%s", order);
	keys[2] = xasprintf("cls:c:%s", id);
	keys[3] = xasprintf("cls:grp:merchant:%s/sku:%s", merchant, sku);
	keys[4] = xasprintf("cls:grp:merchant:%s/subcategory:product.%s",
	    merchant, ev->classified->subcategory);
	testenv_free_events(&ev, 1);
	for (i = 0; i < 5; i++) {
		testenv_redis_only_on(0, keys[i]);
		r = redis_do("PTTL %s", keys[i]);
		if (r->integer <= 0)
			fail_msg("%s: PTTL %lld", keys[i], r->integer);
		freeReplyObject(r);
		r = redis_do("MEMORY USAGE %s", keys[i]);
		print_message("%s: %lld bytes\n", keys[i], r->integer);
		freeReplyObject(r);
		free(keys[i]);
	}
	free(order);
	free(merchant);
	free(sku);
	free(id);
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
		    test_snapshot_parts_of_two_writers_both_survive_and_expire),
		cmocka_unit_test(test_snapshot_from_an_older_classifier_is_kept),
		cmocka_unit_test(
		    test_group_of_five_on_one_sku_makes_all_urgent_and_linked),
		cmocka_unit_test(
		    test_one_customer_or_two_merchants_make_no_group),
		cmocka_unit_test(
		    test_busy_merchant_is_no_group_until_one_problem_repeats),
		cmocka_unit_test(
		    test_group_completed_out_of_scope_raises_the_members),
		cmocka_unit_test(
		    test_group_forms_whatever_order_the_filings_are_met_in),
		cmocka_unit_test(
		    test_member_remembered_after_the_group_formed_raises_itself),
		cmocka_unit_test(
		    test_every_key_of_a_complaint_and_an_order_expires),
		cmocka_unit_test(
		    test_undecodable_order_event_goes_to_dead_letters),
		cmocka_unit_test(
		    test_bad_rules_file_stops_start_up_naming_the_line),
		cmocka_unit_test(test_intake_shows_the_classification),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
