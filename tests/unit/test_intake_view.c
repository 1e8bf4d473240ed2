/*
 * Unit tests for services/intake/view.c: the complaint document built from
 * complaints.events, its replays, and what each reader is shown.
 */
/* cdp-test-sources: services/intake/view.c services/intake/view_json.c services/intake/view_sla.c services/intake/view_bound.c services/intake/view_render.c services/intake/lifecycle.c services/intake/action_json.c services/intake/complaint_json.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake/intake.h"
#include "nitems.h"

#define T0		1764057600000LL		/* 2025-11-25T08:00:00Z */
#define MINUTE		60000LL
#define STATUS(name)	CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_##name
#define ACTION(name)	CDP__V1__ACTION__ACTION_##name
#define BODY(name)	CDP__V1__COMPLAINT_EVENT__BODY_##name
#define DETAIL(name)	CDP__V1__ACTION_RECORDED__DETAIL_##name

/* ------------------------------------------------------------------ */
/* Building events. Each holder owns the messages its event points to. */

struct ev {
	Cdp__V1__ComplaintEvent	 ev;
	Cdp__V1__EventMeta	 meta;
	char			 id[40];
};

static void
ev_init(struct ev *e, int n, int64_t at)
{
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__EventMeta	 meta = CDP__V1__EVENT_META__INIT;

	e->ev = ev;
	e->meta = meta;
	snprintf(e->id, sizeof(e->id), "00000000-0000-4000-8000-%012d", n);
	e->meta.event_id = e->id;
	e->meta.occurred_at_ms = at;
	e->meta.producer = "test";
	e->ev.meta = &e->meta;
	e->ev.complaint_id = "C1";
	e->ev.merchant_id = "M1";
}

struct filing {
	struct ev		 e;
	Cdp__V1__Filed		 f;
	Cdp__V1__Complainant	 c;
	Cdp__V1__Respondent	 r;
	Cdp__V1__OrderRef	 o;
	Cdp__V1__Actor		 by;
	char			*evidence[2];
	char			*auto_filled[1];
};

static void
filing_init(struct filing *x, int n, int64_t at)
{
	Cdp__V1__Filed		f = CDP__V1__FILED__INIT;
	Cdp__V1__Complainant	c = CDP__V1__COMPLAINANT__INIT;
	Cdp__V1__Respondent	r = CDP__V1__RESPONDENT__INIT;
	Cdp__V1__OrderRef	o = CDP__V1__ORDER_REF__INIT;
	Cdp__V1__Actor		by = CDP__V1__ACTOR__INIT;

	ev_init(&x->e, n, at);
	x->f = f, x->c = c, x->r = r, x->o = o, x->by = by;
	x->c.user_id = "U1";
	x->c.name = "张三";
	x->c.phone = "13812345678";
	x->c.email = "zhang.san@example.com";
	x->c.member_tier = CDP__V1__MEMBER_TIER__MEMBER_TIER_GOLD;
	x->r.merchant_id = "M1";
	x->r.shop_id = "S1";
	x->r.shop_name = "好家电旗舰店";
	x->o.order_id = "O1";
	x->o.ordered_at_ms = T0 - 24 * 60 * MINUTE;
	x->o.sku = "SKU-KETTLE";
	x->o.product_title = "电水壶";
	x->o.quantity = 1;
	x->o.amount_fen = 89900;
	x->o.order_total_fen = 99900;
	x->o.delivery_address = "北京市朝阳区某路1号";
	x->by.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_CUSTOMER;
	x->by.actor_id = "U1";
	x->by.api_key_id = "dev-app";
	x->evidence[0] = "https://img.example.com/1.jpg";
	x->evidence[1] = "https://img.example.com/2.jpg";
	x->auto_filled[0] = "order.sku";
	x->f.channel = CDP__V1__CHANNEL__CHANNEL_APP;
	x->f.complainant = &x->c;
	x->f.respondent = &x->r;
	x->f.order = &x->o;
	x->f.problem_type = "quality_not_as_described";
	x->f.description = "壶底漏水, call me at 13812345678";
	x->f.demand = CDP__V1__DEMAND__DEMAND_RETURN;
	x->f.demand_amount_fen = 89900;
	x->f.n_evidence_urls = 2;
	x->f.evidence_urls = x->evidence;
	x->f.filed_by = &x->by;
	x->f.first_contact_due_ms = T0 + 15 * MINUTE;
	x->f.n_auto_filled_fields = 1;
	x->f.auto_filled_fields = x->auto_filled;
	x->f.initial_priority = 3;
	x->e.ev.body_case = BODY(FILED);
	x->e.ev.filed = &x->f;
}

struct classified {
	struct ev			 e;
	Cdp__V1__Classified		 c;
	Cdp__V1__Team			 teams[2];
	Cdp__V1__ClassificationReason	 reason;
	Cdp__V1__ClassificationReason	*reasons[1];
};

static void
classified_init(struct classified *x, int n, int64_t at)
{
	Cdp__V1__Classified		c = CDP__V1__CLASSIFIED__INIT;
	Cdp__V1__ClassificationReason	r = CDP__V1__CLASSIFICATION_REASON__INIT;

	ev_init(&x->e, n, at);
	x->c = c, x->reason = r;
	x->teams[0] = CDP__V1__TEAM__TEAM_QUALITY_INSPECTION;
	x->teams[1] = CDP__V1__TEAM__TEAM_SUPPLIER;
	x->reason.rule_id = "product.leak";
	x->reason.matched = "漏水";
	x->reason.source = "description";
	x->reasons[0] = &x->reason;
	x->c.category = CDP__V1__CATEGORY__CATEGORY_PRODUCT;
	x->c.subcategory = "quality_not_as_described";
	x->c.severity = CDP__V1__SEVERITY__SEVERITY_HIGH;
	x->c.n_teams = 2;
	x->c.teams = x->teams;
	x->c.responsible_party = CDP__V1__PARTY__PARTY_MERCHANT;
	x->c.priority = 50;
	x->c.sla_policy = "default";
	x->c.confidence_permille = 870;
	x->c.n_reasons = 1;
	x->c.reasons = x->reasons;
	x->e.ev.body_case = BODY(CLASSIFIED);
	x->e.ev.classified = &x->c;
}

struct clk {
	struct ev		e;
	Cdp__V1__SlaClockChange	ch;
};

static void
clk_init(struct clk *x, int n, int64_t at,
    Cdp__V1__ComplaintEvent__BodyCase which, Cdp__V1__SlaClock clock,
    int64_t due)
{
	Cdp__V1__SlaClockChange	ch = CDP__V1__SLA_CLOCK_CHANGE__INIT;

	ev_init(&x->e, n, at);
	x->ch = ch;
	x->ch.clock = clock;
	x->ch.cycle = 1;
	x->ch.due_ms = due;
	x->ch.policy = "default";
	x->ch.responsible_party = CDP__V1__PARTY__PARTY_PLATFORM;
	x->e.ev.body_case = which;
	/* Every member of the body union is a pointer to its message. */
	switch (which) {
	case BODY(SLA_CLOCK_STARTED):
		x->e.ev.sla_clock_started = &x->ch;
		break;
	case BODY(SLA_CLOCK_PAUSED):
		x->e.ev.sla_clock_paused = &x->ch;
		break;
	case BODY(SLA_CLOCK_RESUMED):
		x->e.ev.sla_clock_resumed = &x->ch;
		break;
	default:
		x->e.ev.sla_clock_stopped = &x->ch;
		break;
	}
}

struct act {
	struct ev			e;
	Cdp__V1__ActionRecorded		rec;
	Cdp__V1__Actor			actor;
	Cdp__V1__Resolution		resolution;
	Cdp__V1__Execution		execution;
	Cdp__V1__Satisfaction		satisfaction;
	Cdp__V1__Closure		closure;
	Cdp__V1__Escalation		escalation;
};

static void
act_init(struct act *x, int n, int64_t at, Cdp__V1__Action action,
    Cdp__V1__ActorRole role, const char *actor_id,
    Cdp__V1__ComplaintStatus next)
{
	Cdp__V1__ActionRecorded	rec = CDP__V1__ACTION_RECORDED__INIT;
	Cdp__V1__Actor		actor = CDP__V1__ACTOR__INIT;
	Cdp__V1__Resolution	res = CDP__V1__RESOLUTION__INIT;
	Cdp__V1__Execution	exe = CDP__V1__EXECUTION__INIT;
	Cdp__V1__Satisfaction	sat = CDP__V1__SATISFACTION__INIT;
	Cdp__V1__Closure	clo = CDP__V1__CLOSURE__INIT;
	Cdp__V1__Escalation	esc = CDP__V1__ESCALATION__INIT;

	ev_init(&x->e, n, at);
	x->rec = rec, x->actor = actor, x->resolution = res;
	x->execution = exe, x->satisfaction = sat, x->closure = clo;
	x->escalation = esc;
	x->actor.role = role;
	x->actor.actor_id = (char *)actor_id;
	x->rec.action = action;
	x->rec.actor = &x->actor;
	x->rec.resulting_status = next;
	x->e.ev.body_case = BODY(ACTION_RECORDED);
	x->e.ev.action_recorded = &x->rec;
}

/* The happy path of a return: filed to closed, with its first-contact clock. */
struct story {
	struct filing		 filed;
	struct classified	 classified;
	struct clk		 started, stopped;
	struct act		 contact, decided, executed, rated, closed;
	Cdp__V1__ComplaintEvent	*evs[9];
};

static void
story_init(struct story *s)
{
	filing_init(&s->filed, 1, T0);
	classified_init(&s->classified, 2, T0 + 1000);
	clk_init(&s->started, 3, T0 + 2000, BODY(SLA_CLOCK_STARTED),
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT, T0 + 15 * MINUTE);
	s->started.ch.warn_at_ms = T0 + 12 * MINUTE;
	act_init(&s->contact, 4, T0 + 10 * MINUTE, ACTION(FIRST_CONTACT),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT, "A7", STATUS(UNSPECIFIED));
	s->contact.rec.comment = "已致电客户";
	clk_init(&s->stopped, 5, T0 + 10 * MINUTE, BODY(SLA_CLOCK_STOPPED),
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT, T0 + 15 * MINUTE);
	s->stopped.ch.result = CDP__V1__SLA_RESULT__SLA_RESULT_MET;
	s->stopped.ch.elapsed_ms = 10 * MINUTE;
	act_init(&s->decided, 6, T0 + 60 * MINUTE, ACTION(DECIDED),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT, "A7", STATUS(DECIDED));
	s->decided.resolution.outcome =
	    CDP__V1__OUTCOME__OUTCOME_REFUND_WITH_RETURN;
	s->decided.resolution.amount_fen = 89900;
	s->decided.resolution.rule_cited = "seven_day_return";
	s->decided.resolution.responsible_party = CDP__V1__PARTY__PARTY_MERCHANT;
	s->decided.rec.detail_case = DETAIL(RESOLUTION);
	s->decided.rec.resolution = &s->decided.resolution;
	act_init(&s->executed, 7, T0 + 120 * MINUTE, ACTION(EXECUTION_DONE),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_MERCHANT, "M1", STATUS(RESOLVED));
	s->executed.execution.outcome =
	    CDP__V1__OUTCOME__OUTCOME_REFUND_WITH_RETURN;
	s->executed.execution.amount_fen = 89900;
	s->executed.execution.reference = "RF-1";
	s->executed.rec.detail_case = DETAIL(EXECUTION);
	s->executed.rec.execution = &s->executed.execution;
	act_init(&s->rated, 8, T0 + 180 * MINUTE, ACTION(SATISFACTION_RATED),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_CUSTOMER, "U1", STATUS(UNSPECIFIED));
	s->rated.rec.comment = "处理很快";
	s->rated.satisfaction.rating = 5;
	s->rated.rec.detail_case = DETAIL(SATISFACTION);
	s->rated.rec.satisfaction = &s->rated.satisfaction;
	act_init(&s->closed, 9, T0 + 181 * MINUTE, ACTION(CLOSED),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_SYSTEM, "intake", STATUS(CLOSED));
	s->closed.closure.reason = CDP__V1__CLOSE_REASON__CLOSE_REASON_RESOLVED;
	s->closed.rec.detail_case = DETAIL(CLOSURE);
	s->closed.rec.closure = &s->closed.closure;
	s->evs[0] = &s->filed.e.ev;
	s->evs[1] = &s->classified.e.ev;
	s->evs[2] = &s->started.e.ev;
	s->evs[3] = &s->contact.e.ev;
	s->evs[4] = &s->stopped.e.ev;
	s->evs[5] = &s->decided.e.ev;
	s->evs[6] = &s->executed.e.ev;
	s->evs[7] = &s->rated.e.ev;
	s->evs[8] = &s->closed.e.ev;
}

static void
apply_ok(json_t *view, const Cdp__V1__ComplaintEvent *ev, int64_t offset)
{
	assert_int_equal(view_apply(view, ev, offset), VIEW_APPLIED);
}

/* ------------------------------------------------------------------ */
/* Reading documents. */

static struct api_key
key_make(enum key_role role, const char *name, const char *merchant_id)
{
	struct api_key	k;

	memset(&k, 0, sizeof(k));
	snprintf(k.name, sizeof(k.name), "%s", name);
	snprintf(k.merchant_id, sizeof(k.merchant_id), "%s", merchant_id);
	k.role = role;
	if (role == KEY_ROLE_CHANNEL)
		k.channel = CDP__V1__CHANNEL__CHANNEL_APP;
	return k;
}

static json_t *
rendered(const json_t *view, const struct api_key *key)
{
	char	*s = view_render(view, key);
	json_t	*doc;

	assert_non_null(s);
	doc = json_loads(s, 0, NULL);
	assert_non_null(doc);
	free(s);
	return doc;
}

/* The value at a dotted path ("history.3.actor.role"), or NULL. */
static json_t *
at(json_t *doc, const char *path)
{
	char	 buf[256], *tok, *save = NULL;
	json_t	*v = doc;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL && v != NULL;
	    tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, strtoul(tok, NULL, 10));
		else
			v = json_object_get(v, tok);
	}
	return v;
}

static void
assert_str_at(json_t *doc, const char *path, const char *want)
{
	const char	*got = json_string_value(at(doc, path));

	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", path,
		    got != NULL ? got : "(none)", want);
}

static void
assert_int_at(json_t *doc, const char *path, json_int_t want)
{
	json_t	*v = at(doc, path);

	if (!json_is_integer(v) || json_integer_value(v) != want)
		fail_msg("%s: want %lld", path, (long long)want);
}

static void
assert_real_at(json_t *doc, const char *path, double want)
{
	json_t	*v = at(doc, path);

	if (!json_is_real(v) || json_real_value(v) != want)
		fail_msg("%s: want %g", path, want);
}

static void
assert_null_at(json_t *doc, const char *path)
{
	if (!json_is_null(at(doc, path)))
		fail_msg("%s: want null", path);
}

static void
assert_bool_at(json_t *doc, const char *path, bool want)
{
	json_t	*v = at(doc, path);

	if (!json_is_boolean(v) || json_is_true(v) != want)
		fail_msg("%s: want %s", path, want ? "true" : "false");
}

/* ------------------------------------------------------------------ */

static void
test_new_view_is_empty(void **state)
{
	json_t	*view = view_new("C1");
	json_t	*doc;

	(void)state;
	assert_int_equal(view_status(view), STATUS(UNSPECIFIED));
	assert_null(view_merchant_id(view));
	assert_null(view_filed_by_key(view));
	assert_null(view_severity(view));
	assert_int_equal(view_filed_at_ms(view), 0);
	doc = rendered(view, NULL);
	assert_str_at(doc, "complaint_id", "C1");
	assert_null_at(doc, "status");
	assert_int_equal(json_array_size(at(doc, "history")), 0);
	assert_int_at(doc, "history_truncated", 0);
	assert_null(json_object_get(doc, "_offset"));
	json_decref(doc);
	json_decref(view);
}

/* Filed to closed: every part of the story shows in the document. */
static void
test_story_renders(void **state)
{
	struct story	 s;
	struct api_key	 agent = key_make(KEY_ROLE_AGENT, "desk", "");
	json_t		*view = view_new("C1"), *doc;
	char		*text;
	size_t		 i;

	(void)state;
	story_init(&s);
	for (i = 0; i < 9; i++)
		apply_ok(view, s.evs[i], 100 + (int64_t)i);
	assert_int_equal(view_status(view), STATUS(CLOSED));
	assert_string_equal(view_merchant_id(view), "M1");
	assert_string_equal(view_filed_by_key(view), "dev-app");
	assert_string_equal(view_severity(view), "high");
	assert_int_equal(view_filed_at_ms(view), T0);

	text = view_render(view, &agent);
	assert_non_null(strstr(text, "{\"complaint_id\":\"C1\",\"status\":"
	    "\"closed\",\"category\":\"product\","));
	assert_non_null(strstr(text, "\"amount\":899.0,"));
	assert_non_null(strstr(text, "张三"));	/* UTF-8, not \u escapes */
	assert_null(strstr(text, "\": "));	/* compact */
	assert_null(strstr(text, "\"_"));	/* no internal members */
	free(text);

	doc = rendered(view, &agent);
	assert_str_at(doc, "subcategory", "quality_not_as_described");
	assert_str_at(doc, "severity", "high");
	assert_str_at(doc, "team", "quality_inspection");
	assert_str_at(doc, "teams.1", "supplier");
	assert_int_at(doc, "priority", 50);
	assert_str_at(doc, "channel", "app");
	assert_str_at(doc, "filed_at", "2025-11-25T08:00:00Z");
	assert_str_at(doc, "first_contact_due", "2025-11-25T08:15:00Z");
	assert_str_at(doc, "updated_at", "2025-11-25T11:01:00Z");
	assert_null_at(doc, "out_of_scope");
	assert_str_at(doc, "complainant.member_tier", "gold");
	assert_str_at(doc, "complainant.phone", "13812345678");
	assert_str_at(doc, "merchant.shop_id", "S1");
	assert_str_at(doc, "order.order_id", "O1");
	assert_real_at(doc, "order.amount", 899.0);
	assert_real_at(doc, "order.order_total", 999.0);
	assert_str_at(doc, "demand", "return");
	assert_real_at(doc, "demand_amount", 899.0);
	assert_str_at(doc, "evidence.1", "https://img.example.com/2.jpg");
	assert_str_at(doc, "auto_filled_fields.0", "order.sku");
	assert_str_at(doc, "filed_by.role", "customer");
	assert_str_at(doc, "classification.responsible_party", "merchant");
	assert_int_at(doc, "classification.confidence_permille", 870);
	assert_str_at(doc, "classification.reasons.0.matched", "漏水");

	assert_int_equal(json_array_size(at(doc, "sla_clocks")), 1);
	assert_str_at(doc, "sla_clocks.0.clock", "first_contact");
	assert_int_at(doc, "sla_clocks.0.cycle", 1);
	assert_str_at(doc, "sla_clocks.0.state", "stopped");
	assert_str_at(doc, "sla_clocks.0.due", "2025-11-25T08:15:00Z");
	assert_str_at(doc, "sla_clocks.0.warn_at", "2025-11-25T08:12:00Z");
	assert_str_at(doc, "sla_clocks.0.result", "met");
	assert_int_at(doc, "sla_clocks.0.elapsed_ms", 10 * MINUTE);
	assert_bool_at(doc, "sla_clocks.0.breached", false);

	assert_str_at(doc, "decision.outcome", "refund_with_return");
	assert_real_at(doc, "decision.amount", 899.0);
	assert_str_at(doc, "decision.rule_cited", "seven_day_return");
	assert_str_at(doc, "decision.responsible_party", "merchant");
	assert_str_at(doc, "decision.decided_at", "2025-11-25T09:00:00Z");
	assert_str_at(doc, "execution.reference", "RF-1");
	assert_int_at(doc, "satisfaction.rating", 5);
	assert_str_at(doc, "satisfaction.comment", "处理很快");
	assert_str_at(doc, "closure.reason", "resolved");
	assert_null_at(doc, "escalation");

	assert_int_equal(json_array_size(at(doc, "history")), 9);
	assert_str_at(doc, "history.0.event", "filed");
	assert_str_at(doc, "history.0.at", "2025-11-25T08:00:00Z");
	assert_str_at(doc, "history.0.event_id",
	    "00000000-0000-4000-8000-000000000001");
	assert_str_at(doc, "history.1.event", "classified");
	assert_str_at(doc, "history.2.event", "sla_clock_started");
	assert_str_at(doc, "history.3.event", "action.first_contact");
	assert_str_at(doc, "history.3.actor.role", "agent");
	assert_str_at(doc, "history.3.actor.id", "A7");
	assert_str_at(doc, "history.3.comment", "已致电客户");
	assert_str_at(doc, "history.4.event", "sla_clock_stopped");
	assert_str_at(doc, "history.4.detail", "first_contact #1 met");
	assert_str_at(doc, "history.5.event", "action.decided");
	assert_str_at(doc, "history.5.detail", "refund_with_return 899.00 CNY");
	assert_str_at(doc, "history.6.event", "action.execution_done");
	assert_str_at(doc, "history.7.detail", "rating 5");
	assert_str_at(doc, "history.8.event", "action.closed");
	assert_str_at(doc, "history.8.detail", "status closed");
	json_decref(doc);
	json_decref(view);
}

/* A replayed log (same offsets) or a re-published event changes nothing. */
static void
test_duplicates_are_noops(void **state)
{
	struct story	 s;
	json_t		*view = view_new("C1"), *before;
	size_t		 i;

	(void)state;
	story_init(&s);
	for (i = 0; i < 5; i++)
		apply_ok(view, s.evs[i], 10 + (int64_t)i);
	before = json_deep_copy(view);
	for (i = 0; i < 5; i++)
		assert_int_equal(view_apply(view, s.evs[i], 10 + (int64_t)i),
		    VIEW_DUPLICATE);
	assert_int_equal(view_apply(view, s.evs[0], 3), VIEW_DUPLICATE);
	assert_true(json_equal(view, before));

	/* The same event id again at a later offset: a producer's retry. */
	assert_int_equal(view_apply(view, s.evs[3], 20), VIEW_DUPLICATE);
	assert_true(json_equal(view, before));

	/* The next real event still applies. */
	apply_ok(view, s.evs[5], 21);
	assert_int_equal(view_status(view), STATUS(DECIDED));
	json_decref(before);
	json_decref(view);
}

static void
test_out_of_scope(void **state)
{
	struct filing		 f;
	struct ev		 e;
	Cdp__V1__OutOfScope	 oos = CDP__V1__OUT_OF_SCOPE__INIT;
	json_t			*view = view_new("C1"), *doc;

	(void)state;
	filing_init(&f, 1, T0);
	ev_init(&e, 2, T0 + 1000);
	oos.reason_code = "offline_transaction";
	oos.guidance_zh = "线下交易不属于平台受理范围，请向当地市场监管部门投诉。";
	e.ev.body_case = BODY(OUT_OF_SCOPE);
	e.ev.out_of_scope = &oos;
	apply_ok(view, &f.e.ev, 1);
	apply_ok(view, &e.ev, 2);
	assert_int_equal(view_status(view), STATUS(OUT_OF_SCOPE));
	assert_null(view_severity(view));
	doc = rendered(view, NULL);
	assert_str_at(doc, "status", "out_of_scope");
	assert_str_at(doc, "out_of_scope.reason_code", "offline_transaction");
	assert_str_at(doc, "out_of_scope.guidance", oos.guidance_zh);
	assert_null_at(doc, "category");
	assert_str_at(doc, "history.1.event", "out_of_scope");
	json_decref(doc);
	json_decref(view);
}

/* Warning, breach, coupon and escalation of a merchant's clock. */
static void
test_sla_breach_and_compensation(void **state)
{
	struct filing			 f;
	struct clk			 start, pause, resume;
	struct ev			 warn, breach, coupon, esc;
	Cdp__V1__SlaWarning		 w = CDP__V1__SLA_WARNING__INIT;
	Cdp__V1__SlaBreached		 b = CDP__V1__SLA_BREACHED__INIT;
	Cdp__V1__CompensationIssued	 ci = CDP__V1__COMPENSATION_ISSUED__INIT;
	Cdp__V1__Escalation		 es = CDP__V1__ESCALATION__INIT;
	struct api_key			 agent = key_make(KEY_ROLE_AGENT, "a", "");
	json_t				*view = view_new("C1"), *doc, *sum;
	const Cdp__V1__SlaClock		 mr =
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_MERCHANT_RESPONSE;

	(void)state;
	filing_init(&f, 1, T0);
	clk_init(&start, 2, T0, BODY(SLA_CLOCK_STARTED), mr, T0 + 1440 * MINUTE);
	start.ch.responsible_party = CDP__V1__PARTY__PARTY_MERCHANT;
	ev_init(&warn, 3, T0 + 1152 * MINUTE);
	w.clock = mr, w.cycle = 1, w.elapsed_percent = 80;
	warn.ev.body_case = BODY(SLA_WARNING), warn.ev.sla_warning = &w;
	ev_init(&breach, 4, T0 + 1440 * MINUTE);
	b.clock = mr, b.cycle = 1, b.due_ms = T0 + 1440 * MINUTE;
	b.responsible_party = CDP__V1__PARTY__PARTY_MERCHANT;
	breach.ev.body_case = BODY(SLA_BREACHED), breach.ev.sla_breached = &b;
	ev_init(&coupon, 5, T0 + 1441 * MINUTE);
	ci.coupon_id = "CP-1", ci.amount_fen = 500, ci.new_priority = 90;
	ci.apology_text = "抱歉让您久等了", ci.clock = mr, ci.cycle = 1;
	coupon.ev.body_case = BODY(COMPENSATION_ISSUED);
	coupon.ev.compensation_issued = &ci;
	ev_init(&esc, 6, T0 + 1441 * MINUTE);
	es.level = CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_SENIOR_SERVICE;
	es.team = CDP__V1__TEAM__TEAM_SENIOR_CUSTOMER_SERVICE;
	es.reason = "merchant_response breached";
	es.clock = mr, es.cycle = 1;
	esc.ev.body_case = BODY(ESCALATED), esc.ev.escalated = &es;
	clk_init(&pause, 7, T0 + 1500 * MINUTE, BODY(SLA_CLOCK_PAUSED),
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_INVESTIGATION, T0 + 2000 * MINUTE);
	pause.ch.remaining_ms = 60 * MINUTE;
	pause.ch.reason = "awaiting_customer";
	clk_init(&resume, 8, T0 + 1600 * MINUTE, BODY(SLA_CLOCK_RESUMED),
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_INVESTIGATION, T0 + 1660 * MINUTE);

	apply_ok(view, &f.e.ev, 1);
	apply_ok(view, &start.e.ev, 2);
	apply_ok(view, &warn.ev, 3);
	apply_ok(view, &breach.ev, 4);
	apply_ok(view, &coupon.ev, 5);
	apply_ok(view, &esc.ev, 6);
	apply_ok(view, &pause.e.ev, 7);
	doc = rendered(view, &agent);
	assert_str_at(doc, "sla_clocks.0.clock", "merchant_response");
	assert_str_at(doc, "sla_clocks.0.state", "running");
	assert_str_at(doc, "sla_clocks.0.responsible_party", "merchant");
	assert_bool_at(doc, "sla_clocks.0.warned", true);
	assert_bool_at(doc, "sla_clocks.0.breached", true);
	assert_str_at(doc, "sla_clocks.0.breached_at", "2025-11-26T08:00:00Z");
	assert_str_at(doc, "sla_clocks.1.clock", "investigation");
	assert_str_at(doc, "sla_clocks.1.state", "paused");
	assert_int_at(doc, "sla_clocks.1.remaining_ms", 60 * MINUTE);
	assert_str_at(doc, "compensation.0.coupon_id", "CP-1");
	assert_real_at(doc, "compensation.0.amount", 5.0);
	assert_str_at(doc, "compensation.0.apology", "抱歉让您久等了");
	assert_str_at(doc, "compensation.0.issued_at", "2025-11-26T08:01:00Z");
	assert_int_at(doc, "priority", 90);
	assert_str_at(doc, "escalation.level", "senior_service");
	assert_str_at(doc, "escalation.team", "senior_customer_service");
	assert_str_at(doc, "history.2.event", "sla_warning");
	assert_str_at(doc, "history.2.detail", "merchant_response #1 at 80%");
	assert_str_at(doc, "history.3.event", "sla_breached");
	assert_str_at(doc, "history.4.detail", "coupon 5.00 CNY");
	json_decref(doc);

	apply_ok(view, &resume.e.ev, 8);
	doc = rendered(view, &agent);
	assert_str_at(doc, "sla_clocks.1.state", "running");
	assert_null_at(doc, "sla_clocks.1.remaining_ms");
	assert_str_at(doc, "sla_clocks.1.due", "2025-11-26T11:40:00Z");
	json_decref(doc);

	sum = view_summary(view, &agent);
	assert_bool_at(sum, "breached", true);
	json_decref(sum);
	json_decref(view);
}

/* A merchant sees the customer masked; staff and the channel in full. */
static void
test_masking_for_merchants(void **state)
{
	struct filing	 f;
	struct act	 note;
	struct api_key	 merchant = key_make(KEY_ROLE_MERCHANT, "m1", "M1");
	struct api_key	 agent = key_make(KEY_ROLE_AGENT, "desk", "");
	struct api_key	 channel = key_make(KEY_ROLE_CHANNEL, "dev-app", "");
	json_t		*view = view_new("C1"), *doc;

	(void)state;
	filing_init(&f, 1, T0);
	f.f.channel_ref = "call-77";
	act_init(&note, 2, T0 + MINUTE, ACTION(NOTE),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_CUSTOMER, "U1", STATUS(UNSPECIFIED));
	note.rec.comment = "my email is zhang.san@example.com";
	apply_ok(view, &f.e.ev, 1);
	apply_ok(view, &note.e.ev, 2);

	doc = rendered(view, &merchant);
	assert_str_at(doc, "complainant.name", "张*");
	assert_str_at(doc, "complainant.phone", "138****5678");
	assert_str_at(doc, "complainant.email", "z***@example.com");
	assert_str_at(doc, "complainant.user_id", "U1");
	assert_null_at(doc, "order.delivery_address");
	assert_null_at(doc, "channel_ref");
	assert_str_at(doc, "description", "壶底漏水, call me at 138****5678");
	assert_str_at(doc, "history.1.comment", "my email is z***@example.com");
	json_decref(doc);

	doc = rendered(view, &agent);
	assert_str_at(doc, "complainant.name", "张三");
	assert_str_at(doc, "complainant.phone", "13812345678");
	assert_str_at(doc, "complainant.email", "zhang.san@example.com");
	assert_str_at(doc, "order.delivery_address", "北京市朝阳区某路1号");
	assert_str_at(doc, "channel_ref", "call-77");
	assert_str_at(doc, "history.1.comment",
	    "my email is zhang.san@example.com");
	json_decref(doc);

	doc = rendered(view, &channel);
	assert_str_at(doc, "complainant.phone", "13812345678");
	assert_str_at(doc, "complainant.name", "张三");
	json_decref(doc);

	/* Rendering never changes the stored document. */
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(view, "complainant"), "phone")), "13812345678");
	json_decref(view);
}

/*
 * Every free-text member a merchant sees is masked, wherever it sits: the
 * inspection and QC notes, the escalation's reason, the classifier's
 * matched words, the coupon's apology, and so on. Identifiers stay.
 */
static void
test_masking_every_free_text(void **state)
{
	static const char	*masked[] = {
		"inspection.note", "qc_result.note", "escalation.reason",
		"merchant_response.explanation", "merchant_response.rule_cited",
		"classification.reasons.0.matched", "compensation.0.apology",
		"compensation.0.reason", "history.2.comment",
		"history.3.comment",
	};
	struct filing			 f;
	struct classified		 c;
	struct act			 insp, qc, esc, resp;
	struct ev			 coupon;
	Cdp__V1__Inspection		 in = CDP__V1__INSPECTION__INIT;
	Cdp__V1__MerchantResponse	 mr = CDP__V1__MERCHANT_RESPONSE__INIT;
	Cdp__V1__CompensationIssued	 ci = CDP__V1__COMPENSATION_ISSUED__INIT;
	struct api_key			 merchant = key_make(KEY_ROLE_MERCHANT,
					    "m1", "M1");
	const char			*phone = "tel１３８１２３４５６７８";
	json_t				*view = view_new("C1"), *doc;
	char				 want[128];
	size_t				 i;

	(void)state;
	filing_init(&f, 1, T0);
	f.o.order_id = "13812345678";
	classified_init(&c, 2, T0 + 1000);
	c.reason.matched = "(138)1234-5678";
	act_init(&insp, 3, T0 + 2000, ACTION(INSPECTED),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_MERCHANT, "M1", STATUS(UNSPECIFIED));
	insp.rec.comment = (char *)phone;
	insp.rec.detail_case = DETAIL(INSPECTION);
	insp.rec.inspection = &in;
	act_init(&qc, 4, T0 + 3000, ACTION(QC_RESULT),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT, "A7", STATUS(UNSPECIFIED));
	qc.rec.comment = "138.1234.5678";
	qc.rec.detail_case = DETAIL(INSPECTION);
	qc.rec.inspection = &in;
	act_init(&esc, 5, T0 + 4000, ACTION(ESCALATED),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT, "A7", STATUS(UNSPECIFIED));
	esc.escalation.reason = "customer 138 1234 5678 angry";
	esc.escalation.level = CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_SENIOR_SERVICE;
	esc.rec.detail_case = DETAIL(ESCALATION);
	esc.rec.escalation = &esc.escalation;
	act_init(&resp, 6, T0 + 5000, ACTION(MERCHANT_RESPONSE_RECEIVED),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_MERCHANT, "M1", STATUS(UNSPECIFIED));
	resp.rec.comment = "reach a@example.com";
	mr.rule_cited = "per call with 13812345678";
	resp.rec.detail_case = DETAIL(MERCHANT_RESPONSE);
	resp.rec.merchant_response = &mr;
	ev_init(&coupon, 7, T0 + 6000);
	ci.coupon_id = "13812345678";
	ci.amount_fen = 500;
	ci.apology_text = "致电13812345678";
	ci.reason = "13812345678";
	coupon.ev.body_case = BODY(COMPENSATION_ISSUED);
	coupon.ev.compensation_issued = &ci;
	apply_ok(view, &f.e.ev, 1);
	apply_ok(view, &c.e.ev, 2);
	apply_ok(view, &insp.e.ev, 3);
	apply_ok(view, &qc.e.ev, 4);
	apply_ok(view, &esc.e.ev, 5);
	apply_ok(view, &resp.e.ev, 6);
	apply_ok(view, &coupon.ev, 7);

	doc = rendered(view, &merchant);
	for (i = 0; i < nitems(masked); i++) {
		snprintf(want, sizeof(want), "%s", json_string_value(at(doc,
		    masked[i])));
		if (strstr(want, "1234") != NULL || strstr(want, "１２３４") !=
		    NULL || strstr(want, "a@") != NULL)
			fail_msg("%s not masked: %s", masked[i], want);
	}
	assert_str_at(doc, "inspection.note", "tel１３８****５６７８");
	assert_str_at(doc, "escalation.reason", "customer 138 **** 5678 angry");
	assert_str_at(doc, "order.order_id", "13812345678");
	assert_str_at(doc, "compensation.0.coupon_id", "13812345678");
	json_decref(doc);
	json_decref(view);
}

/*
 * Event text that is not UTF-8 (other services publish onto the topic, and
 * protobuf-c does not check) keeps the view: each bad part is one U+FFFD,
 * the characters around it stay.
 */
static void
test_invalid_utf8_in_event_text(void **state)
{
	struct filing	 f;
	struct act	 esc;
	struct api_key	 merchant = key_make(KEY_ROLE_MERCHANT, "m1", "M1");
	json_t		*view = view_new("C1"), *doc;
	char		*s;

	(void)state;
	filing_init(&f, 1, T0);
	act_init(&esc, 2, T0 + 1000, ACTION(ESCALATED),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT, "A7", STATUS(UNSPECIFIED));
	esc.escalation.reason = "退款\xe6\xac 未处理 \xff";
	esc.escalation.level = CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_SENIOR_SERVICE;
	esc.rec.detail_case = DETAIL(ESCALATION);
	esc.rec.escalation = &esc.escalation;
	apply_ok(view, &f.e.ev, 1);
	apply_ok(view, &esc.e.ev, 2);
	doc = rendered(view, &merchant);
	assert_str_at(doc, "escalation.reason",
	    "退款\xef\xbf\xbd 未处理 \xef\xbf\xbd");
	assert_non_null(s = json_dumps(doc, JSON_COMPACT));
	free(s);
	json_decref(doc);
	json_decref(view);
}

/*
 * A final complaint remembers when it became final, a reopen forgets it,
 * and its tombstone is small and keeps who may see it.
 */
static void
test_closed_at_and_tombstone(void **state)
{
	struct story	 s;
	struct act	 reopen;
	struct api_key	 m1 = key_make(KEY_ROLE_MERCHANT, "m1", "M1");
	struct api_key	 m2 = key_make(KEY_ROLE_MERCHANT, "m2", "M2");
	json_t		*view = view_new("C1"), *tomb;
	char		*text, *full;
	size_t		 i;

	(void)state;
	story_init(&s);
	for (i = 0; i < 8; i++)
		apply_ok(view, s.evs[i], (int64_t)i);
	assert_false(view_final(view));
	assert_int_equal(view_closed_at_ms(view), 0);
	apply_ok(view, s.evs[8], 8);
	assert_true(view_final(view));
	assert_int_equal(view_closed_at_ms(view), T0 + 181 * MINUTE);

	tomb = view_tombstone(view);
	assert_str_at(tomb, "complaint_id", "C1");
	assert_str_at(tomb, "status", "closed");
	assert_str_at(tomb, "closed_at", "2025-11-25T11:01:00Z");
	assert_true(view_visible(tomb, &m1));
	assert_false(view_visible(tomb, &m2));
	assert_int_equal(view_filed_at_ms(tomb), T0);
	text = json_dumps(tomb, JSON_COMPACT);
	full = json_dumps(view, JSON_COMPACT);
	assert_true(strlen(text) * 5 < strlen(full));
	free(text);
	free(full);
	json_decref(tomb);

	act_init(&reopen, 20, T0 + 300 * MINUTE, ACTION(REOPENED),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_CUSTOMER, "U1", STATUS(REOPENED));
	apply_ok(view, &reopen.e.ev, 20);
	assert_false(view_final(view));
	assert_int_equal(view_closed_at_ms(view), 0);
	json_decref(view);
}

static void
test_visibility(void **state)
{
	struct filing	 f;
	struct api_key	 agent = key_make(KEY_ROLE_AGENT, "desk", "");
	struct api_key	 admin = key_make(KEY_ROLE_ADMIN, "root", "");
	struct api_key	 m1 = key_make(KEY_ROLE_MERCHANT, "m1", "M1");
	struct api_key	 m2 = key_make(KEY_ROLE_MERCHANT, "m2", "M2");
	struct api_key	 m_none = key_make(KEY_ROLE_MERCHANT, "m0", "");
	struct api_key	 own = key_make(KEY_ROLE_CHANNEL, "dev-app", "");
	struct api_key	 other = key_make(KEY_ROLE_CHANNEL, "hotline", "");
	json_t		*view = view_new("C1");

	(void)state;
	/* Not filed yet: staff only. */
	assert_true(view_visible(view, &agent));
	assert_false(view_visible(view, &m_none));
	assert_false(view_visible(view, &own));
	assert_false(view_visible(view, NULL));

	filing_init(&f, 1, T0);
	apply_ok(view, &f.e.ev, 1);
	assert_true(view_visible(view, &agent));
	assert_true(view_visible(view, &admin));
	assert_true(view_visible(view, &m1));
	assert_false(view_visible(view, &m2));
	assert_false(view_visible(view, &m_none));
	assert_true(view_visible(view, &own));
	assert_false(view_visible(view, &other));
	json_decref(view);
}

/* A proactive complaint: filed by the system, no channel key sees it. */
static void
test_proactive_opened(void **state)
{
	struct filing			 f;
	struct ev			 e;
	Cdp__V1__ProactiveOpened	 p = CDP__V1__PROACTIVE_OPENED__INIT;
	Cdp__V1__ProactiveOrderFacts	 facts =
	    CDP__V1__PROACTIVE_ORDER_FACTS__INIT;
	struct api_key			 own = key_make(KEY_ROLE_CHANNEL,
					    "dev-app", "");
	struct api_key			 m1 = key_make(KEY_ROLE_MERCHANT, "m1",
					    "M1");
	json_t				*view = view_new("C1"), *doc;

	(void)state;
	filing_init(&f, 1, T0);
	f.f.channel = CDP__V1__CHANNEL__CHANNEL_SYSTEM;
	f.by.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_SYSTEM;
	f.by.actor_id = "classifier";
	f.by.api_key_id = "";
	facts.promised_ship_by_ms = T0 - 60 * MINUTE;
	facts.note = "call 13812345678";
	p.cause = CDP__V1__PROACTIVE_CAUSE__PROACTIVE_CAUSE_NOT_DISPATCHED_IN_TIME;
	p.facts = &facts;
	p.filed = &f.f;
	ev_init(&e, 1, T0);
	e.ev.body_case = BODY(PROACTIVE_OPENED);
	e.ev.proactive_opened = &p;
	apply_ok(view, &e.ev, 1);
	assert_int_equal(view_status(view), STATUS(RECEIVED));
	assert_null(view_filed_by_key(view));
	assert_false(view_visible(view, &own));
	assert_true(view_visible(view, &m1));
	doc = rendered(view, NULL);
	assert_str_at(doc, "channel", "system");
	assert_str_at(doc, "proactive.cause", "not_dispatched_in_time");
	assert_str_at(doc, "proactive.facts.promised_ship_by",
	    "2025-11-25T07:00:00Z");
	assert_null_at(doc, "proactive.facts.note");	/* NULL key: masked */
	assert_str_at(doc, "history.0.event", "proactive_opened");
	json_decref(doc);
	json_decref(view);
}

/* Reopening, re-classification and escalations that only go up. */
static void
test_status_moves(void **state)
{
	struct story		 s;
	struct act		 reopen, manual;
	struct classified	 again;
	struct ev		 automatic;
	Cdp__V1__Escalation	 es = CDP__V1__ESCALATION__INIT;
	json_t			*view = view_new("C1"), *doc;
	size_t			 i;

	(void)state;
	story_init(&s);
	for (i = 0; i < 9; i++)
		apply_ok(view, s.evs[i], (int64_t)i);
	act_init(&reopen, 20, T0 + 300 * MINUTE, ACTION(REOPENED),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_CUSTOMER, "U1", STATUS(REOPENED));
	apply_ok(view, &reopen.e.ev, 20);
	assert_int_equal(view_status(view), STATUS(REOPENED));
	assert_true(json_is_null(json_object_get(view, "closure")));
	classified_init(&again, 21, T0 + 301 * MINUTE);
	apply_ok(view, &again.e.ev, 21);
	assert_int_equal(view_status(view), STATUS(CLASSIFIED));

	act_init(&manual, 22, T0 + 302 * MINUTE, ACTION(ESCALATED),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT, "A7", STATUS(INVESTIGATING));
	manual.escalation.level =
	    CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_MANAGEMENT;
	manual.rec.detail_case = DETAIL(ESCALATION);
	manual.rec.escalation = &manual.escalation;
	apply_ok(view, &manual.e.ev, 22);
	ev_init(&automatic, 23, T0 + 303 * MINUTE);
	es.level = CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_SENIOR_SERVICE;
	automatic.ev.body_case = BODY(ESCALATED);
	automatic.ev.escalated = &es;
	apply_ok(view, &automatic.ev, 23);

	/* A later classification does not pull it back from investigating. */
	classified_init(&again, 24, T0 + 304 * MINUTE);
	again.c.severity = CDP__V1__SEVERITY__SEVERITY_URGENT;
	apply_ok(view, &again.e.ev, 24);
	assert_int_equal(view_status(view), STATUS(INVESTIGATING));
	assert_string_equal(view_severity(view), "urgent");
	doc = rendered(view, NULL);
	assert_str_at(doc, "escalation.level", "management");
	assert_str_at(doc, "history.12.event", "escalated");
	json_decref(doc);
	json_decref(view);
}

/* A body this build does not know: offset advances, nothing is added. */
static void
test_unknown_body(void **state)
{
	struct filing	 f;
	struct ev	 e, newer;
	json_t		*view = view_new("C1"), *before;

	(void)state;
	filing_init(&f, 1, T0);
	apply_ok(view, &f.e.ev, 1);
	before = json_deep_copy(view);
	ev_init(&e, 2, T0 + MINUTE);	/* body_case NOT_SET */
	apply_ok(view, &e.ev, 2);
	ev_init(&newer, 3, T0 + 2 * MINUTE);
	newer.ev.body_case = (Cdp__V1__ComplaintEvent__BodyCase)99;
	apply_ok(view, &newer.ev, 3);
	assert_int_equal(json_integer_value(json_object_get(view, "_offset")),
	    3);
	assert_int_equal(view_apply(view, &newer.ev, 3), VIEW_DUPLICATE);
	json_object_set_new(before, "_offset", json_integer(3));
	assert_true(json_equal(view, before));
	json_decref(before);
	json_decref(view);
}

/*
 * A view bounds itself: beyond the notes limit the oldest notes go, beyond
 * the bytes limit the oldest entries, and both are counted.
 */
static void
test_view_bound(void **state)
{
	struct filing		 f;
	struct act		 note;
	struct view_limits	 lim = { 5, 0 };
	char			 text[3001], *s;
	json_t			*view = view_new("C1"), *doc;
	int			 i;

	(void)state;
	filing_init(&f, 1, T0);
	apply_ok(view, &f.e.ev, 0);
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	for (i = 1; i <= 8; i++) {
		act_init(&note, 100 + i, T0 + i * MINUTE, ACTION(NOTE),
		    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_MERCHANT, "M1",
		    STATUS(UNSPECIFIED));
		note.rec.comment = text;
		apply_ok(view, &note.e.ev, i);
		view_bound(view, &lim);
	}
	assert_int_equal(view_notes(view), 8);
	doc = rendered(view, NULL);
	assert_int_equal(json_array_size(at(doc, "history")), 6);
	assert_str_at(doc, "history.0.event", "filed");
	assert_str_at(doc, "history.1.event_id",
	    "00000000-0000-4000-8000-000000000104");
	assert_int_at(doc, "notes_truncated", 3);
	assert_int_at(doc, "history_truncated", 3);
	json_decref(doc);

	lim.bytes_max = 10000;
	view_bound(view, &lim);
	s = json_dumps(view, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_true(strlen(s) <= 10000);
	free(s);
	assert_int_equal(view_notes(view), 8);
	doc = rendered(view, NULL);
	assert_int_equal(json_array_size(at(doc, "history")), 2);
	assert_int_at(doc, "history_truncated", 7);
	json_decref(doc);
	json_decref(view);
}

/* The API refuses a note beyond the limit, and text that does not fit. */
static void
test_view_admit(void **state)
{
	struct filing		 f;
	struct act		 note, close;
	struct view_limits	 lim = { 2, 16384 };
	struct api_error	 e;
	char			 big[12001];
	json_t			*view = view_new("C1");
	int			 i;

	(void)state;
	filing_init(&f, 1, T0);
	apply_ok(view, &f.e.ev, 0);
	act_init(&note, 100, T0 + MINUTE, ACTION(NOTE),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_MERCHANT, "M1", STATUS(UNSPECIFIED));
	note.rec.comment = "short";
	for (i = 1; i <= 2; i++) {
		assert_int_equal(view_admit(view, &note.rec, &lim, &e), 0);
		note.e.meta.event_id = i == 1 ? "n-1" : "n-2";
		apply_ok(view, &note.e.ev, i);
	}
	assert_int_equal(view_admit(view, &note.rec, &lim, &e), -1);
	assert_int_equal(e.status, 422);
	assert_string_equal(e.error, "too_many_notes");
	assert_string_equal(e.field, "action");

	act_init(&close, 200, T0 + 2 * MINUTE, ACTION(CLOSED),
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT, "A7", STATUS(CLOSED));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	close.rec.comment = big;
	assert_int_equal(view_admit(view, &close.rec, &lim, &e), 0);
	big[4000] = '\0';
	apply_ok(view, &close.e.ev, 3);
	big[4000] = 'x';
	close.rec.comment = big;
	assert_int_equal(view_admit(view, &close.rec, &lim, &e), -1);
	assert_int_equal(e.status, 413);
	assert_string_equal(e.field, "comment");
	close.rec.comment = "";
	assert_int_equal(view_admit(view, &close.rec, &lim, &e), 0);
	json_decref(view);
}

/* Only the newest 500 history entries are kept; the rest are counted. */
static void
test_history_cap(void **state)
{
	struct filing		 f;
	struct ev		 e;
	Cdp__V1__Notification	 n = CDP__V1__NOTIFICATION__INIT;
	json_t			*view = view_new("C1"), *doc;
	int			 i;

	(void)state;
	filing_init(&f, 1, T0);
	apply_ok(view, &f.e.ev, 0);
	n.recipient_kind = CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_MERCHANT;
	n.channel = CDP__V1__NOTIFY_CHANNEL__NOTIFY_CHANNEL_WEBHOOK;
	n.template_name = "merchant_response_requested";
	n.error = "HTTP 503";
	for (i = 1; i <= 520; i++) {
		ev_init(&e, 1000 + i, T0 + i * 1000);
		n.attempt = (uint32_t)i;
		e.ev.body_case = BODY(NOTIFICATION_FAILED);
		e.ev.notification_failed = &n;
		apply_ok(view, &e.ev, i);
	}
	doc = rendered(view, NULL);
	assert_int_equal(json_array_size(at(doc, "history")), 500);
	assert_int_at(doc, "history_truncated", 21);
	assert_str_at(doc, "history.0.event_id",
	    "00000000-0000-4000-8000-000000001021");
	assert_str_at(doc, "history.499.event_id",
	    "00000000-0000-4000-8000-000000001520");
	assert_str_at(doc, "history.499.event", "notification_failed");
	assert_str_at(doc, "history.499.detail",
	    "merchant webhook merchant_response_requested #520: HTTP 503");
	json_decref(doc);
	json_decref(view);
}

static void
test_summary(void **state)
{
	struct story	 s;
	struct api_key	 m1 = key_make(KEY_ROLE_MERCHANT, "m1", "M1");
	json_t		*view = view_new("C1"), *sum;
	char		*text;
	size_t		 i;

	(void)state;
	story_init(&s);
	for (i = 0; i < 3; i++)
		apply_ok(view, s.evs[i], (int64_t)i);
	sum = view_summary(view, &m1);
	text = json_dumps(sum, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(text, "{\"complaint_id\":\"C1\","
	    "\"status\":\"classified\",\"category\":\"product\","
	    "\"severity\":\"high\",\"merchant_id\":\"M1\",\"channel\":\"app\","
	    "\"filed_at\":\"2025-11-25T08:00:00Z\","
	    "\"first_contact_due\":\"2025-11-25T08:15:00Z\","
	    "\"breached\":false}");
	free(text);
	json_decref(sum);
	json_decref(view);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_view_is_empty),
		cmocka_unit_test(test_story_renders),
		cmocka_unit_test(test_duplicates_are_noops),
		cmocka_unit_test(test_out_of_scope),
		cmocka_unit_test(test_sla_breach_and_compensation),
		cmocka_unit_test(test_masking_for_merchants),
		cmocka_unit_test(test_masking_every_free_text),
		cmocka_unit_test(test_invalid_utf8_in_event_text),
		cmocka_unit_test(test_closed_at_and_tombstone),
		cmocka_unit_test(test_view_bound),
		cmocka_unit_test(test_view_admit),
		cmocka_unit_test(test_visibility),
		cmocka_unit_test(test_proactive_opened),
		cmocka_unit_test(test_status_moves),
		cmocka_unit_test(test_unknown_body),
		cmocka_unit_test(test_history_cap),
		cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
