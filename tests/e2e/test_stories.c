/*
 * End-to-end stories (issue 13) against one shared stack of the six real
 * daemons (stack.c), each a process on free ports, over the test Kafka and
 * Redis that ./dev test starts. A story files and acts through intake's
 * HTTP API, publishes what other systems would (orders, logistics), and
 * checks the outcome through the API, the complaints.events topic, the
 * webhook receivers and analytics. docs/e2e.md says what each asserts.
 */
/* cdp-test-sources: tests/lib/testrecv.c services/notifier/sign.c tests/e2e/stack.c tests/e2e/feeds.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdp/v1/complaint.pb-c.h"
#include "complaint_id.h"
#include "feeds.h"
#include "log.h"
#include "meta.h"
#include "stack.h"
#include "testenv.h"
#include "xmalloc.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define CLK(x)		CDP__V1__SLA_CLOCK__SLA_CLOCK_##x
#define VIEW_MS		20000	/* filed to a classified view, busy machine */
#define FIRE_MS		20000	/* a clock's due to its events */
#define HOOK_MS		30000	/* an event to its webhook */
#define AGENT		"dev-agent"
#define APP		"dev-app"
#define MERCHANT_KEY	"dev-merchant-" STACK_M_PRODUCT

static const char *
str(json_t *o, const char *field)
{
	return json_string_value(json_object_get(o, field));
}

/* Files a complaint from the app (phone: the customer is texted). */
static char *
file_from_app(const char *merchant, const char *user, const char *sku,
    const char *description, const char *demand)
{
	char	*order = testenv_unique("OE"), *body, *id;

	body = xasprintf("{\"order_id\": \"%s\", \"merchant_id\": \"%s\", "
	    "\"sku\": \"%s\", \"user\": {\"id\": \"%s\", "
	    "\"phone\": \"13812345678\"}, \"description\": \"%s\", "
	    "\"demand\": \"%s\"}", order, merchant, sku, user, description,
	    demand);
	id = intake_file(&stack.intake, APP, body);
	free(body);
	free(order);
	return id;
}

/*
 * An action with key that must be accepted (202). A 409 conflict (an
 * action accepted a moment before, not yet in the view) is retried, as
 * docs/api.md tells clients to.
 */
static void
act(const char *key, const char *id, const char *body)
{
	struct testhttp_response	 r;
	char				*path;
	int				 tries;

	path = xasprintf("/v1/complaints/%s/actions", id);
	for (tries = 0; intake_call(&stack.intake, "POST", path, key, NULL,
	    body, &r) != 202; tries++) {
		if (r.status != 409 || strcmp(str(r.json, "error"),
		    "conflict") != 0 || tries == 20)
			fail_msg("%s %s: %d %s", id, body, r.status, r.body);
		testhttp_free(&r);
		usleep(100000);
	}
	testhttp_free(&r);
	free(path);
}

/* Waits for the complaint's view in status; fails the story without. */
static json_t *
view_in(const char *id, const char *status)
{
	json_t	*view;

	if ((view = intake_wait_view(&stack.intake, AGENT, id, status,
	    VIEW_MS)) == NULL)
		fail_msg("%s: no view in status %s", id, status);
	return view;
}

/* An action, then the view in the status it leads to. */
static void
act_to(const char *key, const char *id, const char *body, const char *status)
{
	act(key, id, body);
	json_decref(view_in(id, status));
}

/* The view's latest run of clock ("first_contact"), or NULL. */
static json_t *
view_clock(json_t *view, const char *clock)
{
	json_t	*c, *last = NULL;
	size_t	 i;

	json_array_foreach(json_object_get(view, "sla_clocks"), i, c)
		if (strcmp(str(c, "clock"), clock) == 0)
			last = c;
	return last;
}

/*
 * Waits until the view's latest run of clock is in state; returns the
 * view (decref it), the run in *run.
 */
static json_t *
clock_in(const char *id, const char *clock, const char *state, json_t **run)
{
	int64_t	 deadline = meta_now_ms() + VIEW_MS;
	json_t	*view;

	while (meta_now_ms() < deadline) {
		view = intake_wait_view(&stack.intake, AGENT, id, NULL,
		    VIEW_MS);
		if (view != NULL && (*run = view_clock(view, clock)) != NULL &&
		    strcmp(str(*run, "state"), state) == 0)
			return view;
		json_decref(view);
		usleep(200000);
	}
	fail_msg("%s: %s never %s", id, clock, state);
	return NULL;
}

/* The complaint's first event of a body, waited for; free it. */
static Cdp__V1__ComplaintEvent *
event_of(const char *id, int body, int timeout_ms)
{
	Cdp__V1__ComplaintEvent	*evs[8];
	size_t			 n;

	n = testenv_wait_events(id, body, 1, timeout_ms, evs, 8);
	if (n == 0)
		fail_msg("%s: no event of body %d", id, body);
	testenv_free_events(evs + 1, n - 1);
	return evs[0];
}

/* How many events of a body the complaint has now. */
static size_t
events_now(const char *id, int body)
{
	Cdp__V1__ComplaintEvent	*evs[8];
	size_t			 n;

	n = testenv_events_now(id, body, evs, 8);
	testenv_free_events(evs, n);
	return n;
}

/* The merchant webhook or provider message, waited for; decref it. */
static json_t *
hook(struct testrecv *recv, const char *id, const char *tmpl)
{
	json_t	*body;

	if ((body = stack_hook_wait(recv, id, tmpl, HOOK_MS)) == NULL)
		fail_msg("%s: no %s delivered", id, tmpl);
	return body;
}

/* GET /v1/merchants/{id} as an agent until it shows standing and points. */
static json_t *
merchant_in(const char *merchant, const char *standing, int points)
{
	struct testhttp_response	 r;
	char				*path;
	int64_t				 deadline = meta_now_ms() + HOOK_MS;
	json_t				*view = NULL;

	path = xasprintf("/v1/merchants/%s", merchant);
	while (view == NULL && meta_now_ms() < deadline) {
		if (intake_call(&stack.intake, "GET", path, AGENT, NULL, NULL,
		    &r) == 200 && strcmp(str(r.json, "standing"),
		    standing) == 0 && json_integer_value(json_object_get(
		    r.json, "points")) == points)
			view = json_incref(r.json);
		testhttp_free(&r);
		if (view == NULL)
			usleep(200000);
	}
	free(path);
	if (view == NULL)
		fail_msg("%s: not %s with %d points", merchant, standing,
		    points);
	return view;
}

/*
 * Story 1, its first half: a product-quality complaint from the app is
 * acknowledged (202, a view), classified product/normal by the
 * classifier, with its reasons on the topic and in the view.
 */
static void
test_story1_product_complaint_is_classified(void **state)
{
	Cdp__V1__ComplaintEvent	*ev;
	char			*id;
	json_t			*view;

	id = file_from_app(STACK_M_PRODUCT, "U-E2E-1", "SKU-EARBUDS",
	    "收到的蓝牙耳机左耳没有声音，做工也很粗糙，和描述的不一样",
	    "refund");
	view = view_in(id, "classified");
	assert_string_equal(str(view, "category"), "product");
	assert_string_equal(str(view, "severity"), "normal");
	assert_true(json_array_size(json_object_get(json_object_get(view,
	    "classification"), "reasons")) > 0);
	json_decref(view);
	ev = event_of(id, BODY(CLASSIFIED), VIEW_MS);
	assert_int_equal(ev->classified->category,
	    CDP__V1__CATEGORY__CATEGORY_PRODUCT);
	testenv_free_events(&ev, 1);
	free(id);
}

/*
 * Story 2: spoiled milk making a child ill is classified urgent and
 * routed to a team; nobody calls within the urgent first-contact target
 * (3 s here, 30 minutes in production), so the clock breaches, the
 * customer gets a coupon and the case is escalated.
 */
static void
test_story2_spoiled_milk_breaches_first_contact(void **state)
{
	Cdp__V1__ComplaintEvent	*ev;
	char			*id;
	json_t			*view, *clock;

	id = file_from_app(STACK_M_FOOD, "U-E2E-2", "SKU-MILK",
	    "买的牛奶变质了，孩子喝了以后呕吐发烧，已经去医院了", "refund");
	view = view_in(id, "classified");
	assert_string_equal(str(view, "severity"), "urgent");
	json_decref(view);
	ev = event_of(id, BODY(CLASSIFIED), VIEW_MS);
	assert_int_equal(ev->classified->severity,
	    CDP__V1__SEVERITY__SEVERITY_URGENT);
	assert_true(ev->classified->n_teams > 0);
	testenv_free_events(&ev, 1);
	ev = event_of(id, BODY(SLA_BREACHED), FIRE_MS);
	assert_int_equal(ev->sla_breached->clock, CLK(FIRST_CONTACT));
	testenv_free_events(&ev, 1);
	ev = event_of(id, BODY(COMPENSATION_ISSUED), FIRE_MS);
	assert_int_equal(ev->compensation_issued->amount_fen, 1000);
	testenv_free_events(&ev, 1);
	ev = event_of(id, BODY(ESCALATED), FIRE_MS);
	testenv_free_events(&ev, 1);
	json_decref(hook(stack.provider, id, "customer_coupon"));
	view = view_in(id, "classified");
	clock = view_clock(view, "first_contact");
	assert_non_null(clock);
	assert_true(json_is_true(json_object_get(clock, "breached")));
	assert_int_equal(json_array_size(json_object_get(view,
	    "compensation")), 1);
	assert_string_equal(str(json_object_get(view, "escalation"), "level"),
	    "senior_service");
	json_decref(view);
	free(id);
}

/*
 * One complaint against the silent merchant: first contact made, the
 * merchant asked and never answering, so its response clock breaches and
 * penalty applies a penalty, of which the merchant's webhook tells it.
 * Returns the complaint id.
 */
static char *
silent_merchant_breach(const char *user)
{
	Cdp__V1__ComplaintEvent	*ev;
	char			*id;
	json_t			*note;

	id = file_from_app(STACK_M_SILENT, user, "SKU-KETTLE",
	    "电水壶用了两天就不加热了，联系商家一直没人回复", "return");
	json_decref(view_in(id, "classified"));
	act_to(AGENT, id, "{\"action\": \"first_contact\"}", "investigating");
	act_to(AGENT, id, "{\"action\": \"request_merchant_response\"}",
	    "awaiting_merchant");
	json_decref(hook(stack.hooks, id, "merchant_evidence_request"));
	ev = event_of(id, BODY(SLA_BREACHED), FIRE_MS);
	assert_int_equal(ev->sla_breached->clock, CLK(MERCHANT_RESPONSE));
	assert_int_equal(ev->sla_breached->responsible_party,
	    CDP__V1__PARTY__PARTY_MERCHANT);
	testenv_free_events(&ev, 1);
	json_decref(hook(stack.hooks, id, "merchant_sla_breached"));
	note = hook(stack.hooks, id, "merchant_penalty");
	assert_string_equal(str(note, "recipient_id"), STACK_M_SILENT);
	json_decref(note);
	return id;
}

/* The merchant's penalty for complaint id, as its view lists it. */
static char *
penalty_of(json_t *merchant, const char *id)
{
	json_t	*p;
	size_t	 i;

	json_array_foreach(json_object_get(merchant, "penalties"), i, p)
		if (strcmp(str(p, "complaint_id"), id) == 0)
			return xstrdup(str(p, "penalty_id"));
	fail_msg("%s: no penalty listed", id);
	return NULL;
}

/* POST path with key until it is answered 202 (the view may lag). */
static json_t *
post_until_accepted(const char *key, const char *path, const char *body)
{
	struct testhttp_response	 r;
	int64_t				 deadline = meta_now_ms() + HOOK_MS;
	json_t				*answer;

	for (;;) {
		if (intake_call(&stack.intake, "POST", path, key, NULL, body,
		    &r) == 202)
			break;
		if (r.status != 404 || meta_now_ms() > deadline)
			fail_msg("POST %s: %d %s", path, r.status, r.body);
		testhttp_free(&r);
		usleep(200000);
	}
	answer = json_incref(r.json);
	testhttp_free(&r);
	return answer;
}

/* The merchant appeals the penalty, an agent upholds the appeal. */
static void
appeal_upheld(const char *merchant, const char *key, const char *penalty)
{
	char	*path, *body;
	json_t	*answer;

	path = xasprintf("/v1/merchants/%s/appeals", merchant);
	body = xasprintf("{\"penalty_id\": \"%s\", \"reason\": "
	    "\"系统故障导致未收到平台通知，附工单截图\"}", penalty);
	answer = post_until_accepted(key, path, body);
	free(path);
	path = xasprintf("/v1/merchants/%s/appeals/%s/decision", merchant,
	    str(answer, "appeal_id"));
	json_decref(answer);
	json_decref(post_until_accepted(AGENT, path, "{\"verdict\": "
	    "\"upheld\", \"reason\": \"平台通知确有延误，撤销本次处罚\"}"));
	free(path);
	free(body);
}

/*
 * Story 3: a merchant that never answers. Its first overdue response is
 * a warning (6 points), the second a repeat (12 more) that restricts the
 * shop; each penalty reaches its webhook. An appeal upheld on the second
 * reverses it and brings the merchant back to a warning.
 */
static void
test_story3_silent_merchant_is_restricted_then_appeals(void **state)
{
	char	*first, *second, *penalty;
	json_t	*m;

	first = silent_merchant_breach("U-E2E-3a");
	json_decref(merchant_in(STACK_M_SILENT, "warned", 6));
	second = silent_merchant_breach("U-E2E-3b");
	m = merchant_in(STACK_M_SILENT, "restricted", 18);
	assert_string_equal(str(m, "level"), "restricted");
	assert_int_equal(json_array_size(json_object_get(m, "restrictions")),
	    2);
	penalty = penalty_of(m, second);
	json_decref(m);
	appeal_upheld(STACK_M_SILENT, STACK_M_KEY_SILENT, penalty);
	m = merchant_in(STACK_M_SILENT, "warned", 6);
	assert_int_equal(json_array_size(json_object_get(m, "restrictions")),
	    0);
	json_decref(m);
	json_decref(hook(stack.hooks, second, "merchant_appeal_decided"));
	free(penalty);
	free(first);
	free(second);
}

/*
 * Story 4: a parcel signed for by someone else (代签), with no scan after
 * it, becomes a case the platform opens itself once the grace (2 s here)
 * has passed, before the customer says a word: a system complaint on the
 * buyer's order, classified logistics, whose id is derived from the order
 * and the cause.
 */
static void
test_story4_proxy_signed_parcel_opens_a_case(void **state)
{
	char	*order = testenv_unique("OE4"), *seed;
	char	 id[COMPLAINT_ID_LEN + 1];
	json_t	*view;

	feeds_order(order, STACK_M_LOGISTICS, "U-E2E-4");
	feeds_scan(order, CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_IN_TRANSIT);
	feeds_scan(order,
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_SIGNED_BY_PROXY);
	seed = xasprintf("%s/signed_by_proxy", order);
	complaint_id_derive(COMPLAINT_ID_PROACTIVE, seed, id);
	view = view_in(id, "classified");
	assert_string_equal(str(view, "channel"), "system");
	assert_string_equal(str(view, "category"), "logistics");
	assert_string_equal(str(json_object_get(view, "proactive"), "cause"),
	    "signed_by_proxy");
	assert_string_equal(str(json_object_get(view, "order"), "order_id"),
	    order);
	assert_string_equal(str(json_object_get(view, "complainant"),
	    "user_id"), "U-E2E-4");
	json_decref(view);
	assert_int_equal(events_now(id, BODY(PROACTIVE_OPENED)), 1);
	free(seed);
	free(order);
}

/* The complaint's view once its severity is urgent, or NULL. */
static json_t *
view_urgent(const char *id)
{
	int64_t	 deadline = meta_now_ms() + VIEW_MS;
	json_t	*view;

	while (meta_now_ms() < deadline) {
		view = intake_wait_view(&stack.intake, AGENT, id, "classified",
		    VIEW_MS);
		if (view != NULL && strcmp(str(view, "severity"),
		    "urgent") == 0)
			return view;
		json_decref(view);
		usleep(200000);
	}
	return NULL;
}

/* Whether the summary's last closed minute holds a spike of the SKU. */
static bool
sku_spiked(const char *sku)
{
	json_t	*doc = stack_analytics("1m"), *spikes, *spike;
	size_t	 i;
	bool	 found = false;

	spikes = json_object_get(json_object_get(json_object_get(doc,
	    "previous"), "hot_spots"), "spikes");
	json_array_foreach(spikes, i, spike)
		if (strcmp(str(spike, "dimension"), "sku") == 0 &&
		    strcmp(str(spike, "key"), sku) == 0 &&
		    json_integer_value(json_object_get(spike, "count")) == 5)
			found = true;
	json_decref(doc);
	return found;
}

/*
 * Waits for the minute of the group's filings to close in analytics
 * (its end plus the 2 s grace, once an event after it is seen): an
 * agent's note on a complaint of the group every 3 s moves the
 * watermark on.
 */
static bool
wait_spike(const char *sku, const char *noted)
{
	int64_t	deadline = meta_now_ms() + 90000;

	while (meta_now_ms() < deadline) {
		if (sku_spiked(sku))
			return true;
		act(AGENT, noted, "{\"action\": \"note\", \"comment\": "
		    "\"同批次商品已下架排查\"}");
		sleep(3);
	}
	return false;
}

/*
 * Story 5: five customers complain about the same SKU of one merchant
 * within seconds. The classifier makes them one group: every one urgent,
 * flagged a group complaint and linked to the four others; analytics
 * raises a spike of the SKU when the minute closes.
 */
static void
test_story5_five_on_one_sku_are_a_group_and_a_spike(void **state)
{
	char	*sku = testenv_unique("SKU-E2E5"), *ids[5], *user, *key;
	json_t	*view, *cl;
	size_t	 i;

	/* All five in one analytics minute. */
	while ((meta_now_ms() / 1000) % 60 > 50)
		sleep(1);
	for (i = 0; i < 5; i++) {
		user = xasprintf("U-E2E-5%zu", i);
		ids[i] = file_from_app(STACK_M_GROUP, user, sku,
		    "收到的保温杯有裂纹，倒热水会漏", "exchange");
		free(user);
	}
	key = xasprintf("merchant:%s/sku:%s", STACK_M_GROUP, sku);
	for (i = 0; i < 5; i++) {
		if ((view = view_urgent(ids[i])) == NULL)
			fail_msg("%s: never urgent", ids[i]);
		cl = json_object_get(view, "classification");
		assert_string_equal(str(cl, "group_key"), key);
		assert_int_equal(json_array_size(json_object_get(cl,
		    "group_complaint_ids")), 4);
		json_decref(view);
	}
	assert_true(wait_spike(sku, ids[0]));
	for (i = 0; i < 5; i++)
		free(ids[i]);
	free(key);
	free(sku);
}

/*
 * Story 6: money paid to the seller over WeChat, off the platform, with
 * an order id the platform does not know (the customer typed the
 * transfer number): out of scope with the guidance, which the customer
 * is texted, and closed by an agent.
 */
static void
test_story6_off_platform_deal_is_out_of_scope(void **state)
{
	Cdp__V1__ComplaintEvent	*ev;
	char			*id;
	json_t			*view, *oos;

	id = file_from_app(STACK_M_FOOD, "U-E2E-6", "SKU-TEA",
	    "我是在微信上私下转账给卖家的，没有走平台交易，现在卖家联系不上了",
	    "refund");
	view = view_in(id, "out_of_scope");
	oos = json_object_get(view, "out_of_scope");
	assert_string_equal(str(oos, "reason_code"), "offline_transaction");
	assert_true(strlen(str(oos, "guidance")) > 0);
	json_decref(view);
	ev = event_of(id, BODY(OUT_OF_SCOPE), VIEW_MS);
	assert_true(strlen(ev->out_of_scope->guidance_zh) > 0);
	testenv_free_events(&ev, 1);
	json_decref(hook(stack.provider, id, "customer_out_of_scope"));
	act_to(AGENT, id, "{\"action\": \"close\", \"reason\": "
	    "\"out_of_scope\"}", "closed");
	free(id);
}

/*
 * Story 7: the agent asks the customer for photos and the customer takes
 * longer than the whole first-contact target (8 s) to send them. The
 * clock is paused meanwhile, resumes on the reply, and stops met at the
 * first contact: no breach, no coupon.
 */
static void
test_story7_quiet_customer_pauses_the_clock(void **state)
{
	char	*id;
	json_t	*view, *clock;

	id = file_from_app(STACK_M_PRODUCT, "U-E2E-7", "SKU-LAMP",
	    "台灯开关接触不良，时亮时不亮", "exchange");
	json_decref(view_in(id, "classified"));
	act_to(AGENT, id, "{\"action\": \"request_customer_info\", "
	    "\"comment\": \"请上传台灯开关处的照片或视频\"}",
	    "awaiting_customer");
	sleep(STACK_FC_NORMAL_S + 2);
	view = clock_in(id, "first_contact", "paused", &clock);
	assert_false(json_is_true(json_object_get(clock, "breached")));
	json_decref(view);
	act_to(APP, id, "{\"action\": \"customer_info\", \"comment\": "
	    "\"视频已上传\", \"evidence\": "
	    "[\"https://img.example.com/lamp.mp4\"]}", "investigating");
	json_decref(clock_in(id, "first_contact", "running", &clock));
	act(AGENT, id, "{\"action\": \"first_contact\"}");
	view = clock_in(id, "first_contact", "stopped", &clock);
	assert_string_equal(str(clock, "result"), "met");
	json_decref(view);
	/* Both paused and resumed: first contact and solution. */
	assert_int_equal(events_now(id, BODY(SLA_CLOCK_PAUSED)), 2);
	assert_int_equal(events_now(id, BODY(SLA_CLOCK_RESUMED)), 2);
	sleep(2);
	assert_int_equal(events_now(id, BODY(SLA_BREACHED)), 0);
	assert_int_equal(events_now(id, BODY(COMPENSATION_ISSUED)), 0);
	free(id);
}

/* Whether analytics counts at least n closed complaints in all. */
static bool
analytics_closed_at_least(long long n)
{
	int64_t	 deadline = meta_now_ms() + HOOK_MS;
	json_t	*doc;
	bool	 ok = false;

	while (!ok && meta_now_ms() < deadline) {
		doc = stack_analytics("1m");
		ok = json_integer_value(json_object_get(json_object_get(
		    json_object_get(doc, "totals"), "volume"), "closed")) >= n &&
		    json_integer_value(json_object_get(json_object_get(
		    json_object_get(doc, "totals"), "satisfaction"), "count")) >=
		    n;
		json_decref(doc);
		if (!ok)
			usleep(500000);
	}
	return ok;
}

/*
 * Story 1, to the end: the merchant is asked for its side with a
 * deadline (its webhook) and answers in time, the agent decides a refund
 * with return, the customer ships the goods back, the merchant receives
 * and inspects them, the refund is executed, the customer confirms and
 * rates it, the agent closes the complaint, the customer is sent the
 * survey, and analytics counts the closed complaint (and samples it for
 * audit, every one at the stack's rate).
 */
static void
test_story1_product_complaint_to_closed(void **state)
{
	Cdp__V1__ComplaintEvent	*ev;
	char			*id;
	json_t			*note, *view;

	id = file_from_app(STACK_M_PRODUCT, "U-E2E-1b", "SKU-EARBUDS",
	    "蓝牙耳机充电盒无法充电，指示灯不亮", "return");
	json_decref(view_in(id, "classified"));
	act_to(AGENT, id, "{\"action\": \"first_contact\"}", "investigating");
	act_to(AGENT, id, "{\"action\": \"request_merchant_response\"}",
	    "awaiting_merchant");
	note = hook(stack.hooks, id, "merchant_evidence_request");
	assert_true(json_integer_value(json_object_get(note, "deadline_ms")) >
	    meta_now_ms());
	json_decref(note);
	act_to(MERCHANT_KEY, id, "{\"action\": \"merchant_response\", "
	    "\"stance\": \"accept\", \"return_address\": "
	    "\"杭州市余杭区仓前街道1号 售后部\"}", "investigating");
	act_to(AGENT, id, "{\"action\": \"decide\", \"outcome\": "
	    "\"refund_with_return\", \"responsible_party\": \"merchant\"}",
	    "decided");
	act_to(APP, id, "{\"action\": \"return_shipped\", \"carrier\": "
	    "\"SF\", \"tracking_number\": \"SF1234567890\"}",
	    "return_in_transit");
	act_to(MERCHANT_KEY, id, "{\"action\": \"return_received\"}",
	    "inspecting");
	act_to(MERCHANT_KEY, id, "{\"action\": \"inspection_result\", "
	    "\"result\": \"passed\"}", "executing");
	act_to(MERCHANT_KEY, id, "{\"action\": \"execute\", \"outcome\": "
	    "\"refund_with_return\", \"reference\": \"RF-E2E-1\"}",
	    "resolved");
	act(APP, id, "{\"action\": \"confirm_resolved\"}");
	act(APP, id, "{\"action\": \"rate\", \"rating\": 5}");
	act_to(AGENT, id, "{\"action\": \"close\", \"reason\": "
	    "\"resolved\"}", "closed");
	json_decref(hook(stack.provider, id, "customer_survey"));
	ev = event_of(id, BODY(SAMPLED_FOR_AUDIT), HOOK_MS);
	testenv_free_events(&ev, 1);
	view = view_in(id, "closed");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    view, "satisfaction"), "rating")), 5);
	assert_string_equal(str(json_object_get(view, "execution"),
	    "reference"), "RF-E2E-1");
	json_decref(view);
	assert_int_equal(events_now(id, BODY(SLA_BREACHED)), 0);
	assert_true(analytics_closed_at_least(1));
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_story1_product_complaint_is_classified),
		cmocka_unit_test(
		    test_story2_spoiled_milk_breaches_first_contact),
		cmocka_unit_test(
		    test_story3_silent_merchant_is_restricted_then_appeals),
		cmocka_unit_test(test_story4_proxy_signed_parcel_opens_a_case),
		cmocka_unit_test(
		    test_story5_five_on_one_sku_are_a_group_and_a_spike),
		cmocka_unit_test(test_story6_off_platform_deal_is_out_of_scope),
		cmocka_unit_test(test_story7_quiet_customer_pauses_the_clock),
		cmocka_unit_test(test_story1_product_complaint_to_closed),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, stack_up, stack_down);
}
