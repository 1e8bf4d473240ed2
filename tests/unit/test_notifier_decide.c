/*
 * Unit tests of services/notifier/decide.c and facts.c: which event tells
 * whom what, with which deadline, and the values its template may use.
 */
/* cdp-test-sources: services/notifier/decide.c services/notifier/facts.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "notifier/notifier.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define MERCHANT	CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_MERCHANT
#define CUSTOMER	CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_CUSTOMER
#define DUE		INT64_C(1764835200000)	/* 2025-12-04T08:00:00Z */

static size_t
started(Cdp__V1__SlaClock clock, struct decision *d)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__SlaClockChange	c = CDP__V1__SLA_CLOCK_CHANGE__INIT;

	c.clock = clock;
	c.due_ms = DUE;
	c.responsible_party = CDP__V1__PARTY__PARTY_MERCHANT;
	ev.body_case = BODY(SLA_CLOCK_STARTED);
	ev.sla_clock_started = &c;
	return decide_complaint(&ev, d, DECIDE_MAX);
}

static void
test_merchant_obligations_carry_their_deadline(void **state)
{
	struct decision	d[DECIDE_MAX];

	assert_int_equal(started(CDP__V1__SLA_CLOCK__SLA_CLOCK_MERCHANT_RESPONSE,
	    d), 1);
	assert_int_equal(d[0].kind, MERCHANT);
	assert_string_equal(d[0].template_name, "merchant_evidence_request");
	assert_int_equal(d[0].deadline_ms, DUE);
	assert_int_equal(started(CDP__V1__SLA_CLOCK__SLA_CLOCK_EXECUTION, d), 1);
	assert_string_equal(d[0].template_name, "merchant_decision");
	assert_int_equal(started(
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_RETURN_INSPECTION, d), 1);
	assert_string_equal(d[0].template_name, "merchant_return_inspection");
	/* The platform's own clocks tell no one. */
	assert_int_equal(started(CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT,
	    d), 0);
}

static size_t
breached(Cdp__V1__Party party, bool notify, struct decision *d)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__SlaBreached	b = CDP__V1__SLA_BREACHED__INIT;
	Cdp__V1__BreachActions	a = CDP__V1__BREACH_ACTIONS__INIT;

	a.notify = notify;
	b.actions = &a;
	b.responsible_party = party;
	b.due_ms = DUE;
	ev.body_case = BODY(SLA_BREACHED);
	ev.sla_breached = &b;
	return decide_complaint(&ev, d, DECIDE_MAX);
}

static void
test_breach_tells_the_merchant_only_on_its_own_clock(void **state)
{
	struct decision	d[DECIDE_MAX];

	assert_int_equal(breached(CDP__V1__PARTY__PARTY_MERCHANT, true, d), 1);
	assert_string_equal(d[0].template_name, "merchant_sla_breached");
	assert_int_equal(breached(CDP__V1__PARTY__PARTY_MERCHANT, false, d), 0);
	assert_int_equal(breached(CDP__V1__PARTY__PARTY_PLATFORM, true, d), 0);
}

static void
test_customer_messages(void **state)
{
	Cdp__V1__ComplaintEvent		ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__CompensationIssued	ci = CDP__V1__COMPENSATION_ISSUED__INIT;
	Cdp__V1__ActionRecorded		ar = CDP__V1__ACTION_RECORDED__INIT;
	struct decision			d[DECIDE_MAX];
	struct facts			f;

	ci.amount_fen = 1000;
	ci.coupon_id = "CP1";
	ev.complaint_id = "C1";
	ev.body_case = BODY(COMPENSATION_ISSUED);
	ev.compensation_issued = &ci;
	assert_int_equal(decide_complaint(&ev, d, DECIDE_MAX), 1);
	assert_int_equal(d[0].kind, CUSTOMER);
	assert_string_equal(d[0].template_name, "customer_coupon");
	assert_string_equal(decide_event_name(&ev), "compensation_issued");
	facts_complaint(&f, &ev, d[0].deadline_ms);
	assert_string_equal(facts_get(&f, "amount_yuan"), "10.00");
	assert_string_equal(facts_get(&f, "coupon_id"), "CP1");
	assert_string_equal(facts_get(&f, "complaint_id"), "C1");

	ar.action = CDP__V1__ACTION__ACTION_CLOSED;
	ev.body_case = BODY(ACTION_RECORDED);
	ev.action_recorded = &ar;
	assert_int_equal(decide_complaint(&ev, d, DECIDE_MAX), 1);
	assert_string_equal(d[0].template_name, "customer_survey");
	ar.action = CDP__V1__ACTION__ACTION_NOTE;
	assert_int_equal(decide_complaint(&ev, d, DECIDE_MAX), 0);
}

static void
test_merchant_events(void **state)
{
	Cdp__V1__MerchantEvent	ev = CDP__V1__MERCHANT_EVENT__INIT;
	Cdp__V1__PenaltyApplied	pa = CDP__V1__PENALTY_APPLIED__INIT;
	struct decision		d[DECIDE_MAX];
	struct facts		f;

	pa.appeal_deadline_ms = DUE;
	pa.points = 2;
	pa.step = CDP__V1__PENALTY_STEP__PENALTY_STEP_WARNING;
	pa.complaint_id = "C9";
	ev.merchant_id = "M1001";
	ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_PENALTY_APPLIED;
	ev.penalty_applied = &pa;
	assert_int_equal(decide_merchant(&ev, d, DECIDE_MAX), 1);
	assert_string_equal(d[0].template_name, "merchant_penalty");
	assert_int_equal(d[0].deadline_ms, DUE);
	facts_merchant(&f, &ev, d[0].deadline_ms);
	assert_string_equal(facts_get(&f, "points"), "2");
	assert_string_equal(facts_get(&f, "complaint_id"), "C9");
	assert_string_equal(facts_get(&f, "deadline"), "2025-12-04 16:00");
	assert_string_equal(facts_get(&f, "deadline_utc"),
	    "2025-12-04T08:00:00Z");
	assert_string_equal(facts_get(&f, "penalty_step"), "warning");
	assert_true(facts_known("deadline"));
	assert_false(facts_known("phone"));
}

static void
test_stale_events_tell_no_one(void **state)
{
	int64_t	week = INT64_C(604800000);

	assert_true(decide_fresh(DUE, DUE + week, week));
	assert_false(decide_fresh(DUE, DUE + week + 1, week));
	assert_true(decide_fresh(0, DUE, week));	/* no time: recent */
	assert_true(decide_fresh(DUE, DUE + 10 * week, 0));	/* no limit */
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_merchant_obligations_carry_their_deadline),
		cmocka_unit_test(
		    test_breach_tells_the_merchant_only_on_its_own_clock),
		cmocka_unit_test(test_customer_messages),
		cmocka_unit_test(test_merchant_events),
		cmocka_unit_test(test_stale_events_tell_no_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
