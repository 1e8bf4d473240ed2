/*
 * Unit tests for services/penalty/cause.c: which complaint events are a
 * merchant's violations under the shipped rules, and which are not.
 */
/* cdp-test-sources: services/penalty/rules.c services/penalty/cause.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "penalty/penalty.h"

#define CLK(x)		CDP__V1__SLA_CLOCK__SLA_CLOCK_##x
#define PARTY(x)	CDP__V1__PARTY__PARTY_##x
#define OUTCOME(x)	CDP__V1__OUTCOME__OUTCOME_##x
#define ACT(x)		CDP__V1__ACTION__ACTION_##x

static struct pen_rules	*rules;

static int
setup(void **state)
{
	const char	*root = getenv("CDP_SOURCE_DIR");
	char		 path[1024], err[512];

	snprintf(path, sizeof(path), "%s/config/penalty-rules.conf",
	    root != NULL ? root : ".");
	if ((rules = rules_load(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return 0;
}

static int
teardown(void **state)
{
	rules_free(rules);
	return 0;
}

/* The violation's name for a breach of clock by party, or "-". */
static const char *
breach(Cdp__V1__SlaClock clock, Cdp__V1__Party party, const char *merchant)
{
	Cdp__V1__ComplaintEvent		ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__SlaBreached		b = CDP__V1__SLA_BREACHED__INIT;
	const struct pen_violation_rule	*v;

	ev.merchant_id = (char *)merchant;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_SLA_BREACHED;
	ev.sla_breached = &b;
	b.clock = clock;
	b.responsible_party = party;
	v = cause_violation(rules, &ev);
	return v != NULL ? v->name : "-";
}

/* The violation's name for a decision, or "-". */
static const char *
decision(Cdp__V1__Action action, Cdp__V1__Party party,
    Cdp__V1__Outcome outcome, const char *rule)
{
	Cdp__V1__ComplaintEvent		ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__ActionRecorded		a = CDP__V1__ACTION_RECORDED__INIT;
	Cdp__V1__Resolution		res = CDP__V1__RESOLUTION__INIT;
	const struct pen_violation_rule	*v;

	ev.merchant_id = "M1";
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_ACTION_RECORDED;
	ev.action_recorded = &a;
	a.action = action;
	a.detail_case = CDP__V1__ACTION_RECORDED__DETAIL_RESOLUTION;
	a.resolution = &res;
	res.responsible_party = party;
	res.outcome = outcome;
	res.rule_cited = (char *)rule;
	v = cause_violation(rules, &ev);
	return v != NULL ? v->name : "-";
}

static void
test_breaches(void **state)
{
	assert_string_equal(breach(CLK(MERCHANT_RESPONSE), PARTY(MERCHANT),
	    "M1"), "merchant_response_overdue");
	assert_string_equal(breach(CLK(EXECUTION), PARTY(MERCHANT), "M1"),
	    "decision_not_executed");
	/* The platform's own clocks, or someone else's obligation: none. */
	assert_string_equal(breach(CLK(FIRST_CONTACT), PARTY(PLATFORM), "M1"),
	    "-");
	assert_string_equal(breach(CLK(EXECUTION), PARTY(PLATFORM), "M1"),
	    "-");
	assert_string_equal(breach(CLK(RETURN_INSPECTION), PARTY(MERCHANT),
	    "M1"), "-");
	/* No merchant to charge. */
	assert_string_equal(breach(CLK(EXECUTION), PARTY(MERCHANT), ""), "-");
}

static void
test_decisions(void **state)
{
	assert_string_equal(decision(ACT(DECIDED), PARTY(MERCHANT),
	    OUTCOME(REFUND_WITH_RETURN), "counterfeit"), "counterfeit_upheld");
	assert_string_equal(decision(ACT(DECIDED), PARTY(MERCHANT),
	    OUTCOME(REFUND_WITH_RETURN), "return.unjustified_rejection"),
	    "unjustified_return_rejection");
	assert_string_equal(decision(ACT(DECIDED), PARTY(MERCHANT),
	    OUTCOME(COMPENSATION), "false_advertising"),
	    "false_advertising_upheld");
	/* Rejected complaints, other parties, proposals, other rules: none. */
	assert_string_equal(decision(ACT(DECIDED), PARTY(MERCHANT),
	    OUTCOME(REJECTED), "counterfeit"), "-");
	assert_string_equal(decision(ACT(DECIDED), PARTY(CARRIER),
	    OUTCOME(REFUND_WITH_RETURN), "counterfeit"), "-");
	assert_string_equal(decision(ACT(RESOLUTION_PROPOSED), PARTY(MERCHANT),
	    OUTCOME(REFUND_WITH_RETURN), "counterfeit"), "-");
	assert_string_equal(decision(ACT(DECIDED), PARTY(MERCHANT),
	    OUTCOME(REFUND_WITH_RETURN), "quality"), "-");
	assert_string_equal(decision(ACT(DECIDED), PARTY(MERCHANT),
	    OUTCOME(REFUND_WITH_RETURN), ""), "-");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_breaches),
		cmocka_unit_test(test_decisions),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
