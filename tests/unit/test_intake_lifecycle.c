/*
 * Unit tests for services/intake/lifecycle.c. The table below is the one
 * docs/api.md publishes, written out again independently; every action is
 * checked against it for every role in every status, so each row's OK,
 * CONFLICT (right role, wrong status) and FORBIDDEN (wrong role) answers
 * are all exercised.
 */
/* cdp-test-sources: services/intake/lifecycle.c services/intake/action_json.c services/intake/complaint_json.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "intake/intake.h"
#include "nitems.h"

#define A(x)		CDP__V1__ACTION__ACTION_##x
#define ST(x)		CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_##x
#define DETAIL(x)	CDP__V1__ACTION_RECORDED__DETAIL_##x

/* Who, as in docs/api.md: customer (channel key), merchant, agent. */
#define CU		0x1
#define ME		0x2
#define AG		0x4	/* and admin */

/* The detail a row needs. */
enum detail {
	ANY_DETAIL,
	PASSED,
	FAILED,
	WITHDRAWN,
	RESOLVED,	/* a close reason other than withdrawn */
};

#define ALL	"received classified out_of_scope awaiting_merchant " \
	"awaiting_customer investigating resolution_proposed decided " \
	"executing return_in_transit inspecting resolved closed reopened"
#define OPEN	"received classified awaiting_merchant awaiting_customer " \
	"investigating resolution_proposed decided executing " \
	"return_in_transit inspecting resolved reopened"

static const struct spec {
	Cdp__V1__Action	 action;
	unsigned	 who;
	enum detail	 detail;
	const char	*from;
	const char	*next;		/* "-": unchanged */
} spec[] = {
	{ A(FIRST_CONTACT), AG, ANY_DETAIL,
	    "received classified reopened investigating", "investigating" },
	{ A(MERCHANT_RESPONSE_REQUESTED), AG, ANY_DETAIL,
	    "classified investigating reopened awaiting_customer",
	    "awaiting_merchant" },
	{ A(MERCHANT_RESPONSE_RECEIVED), ME | AG, ANY_DETAIL,
	    "awaiting_merchant", "investigating" },
	{ A(CUSTOMER_INFO_REQUESTED), AG, ANY_DETAIL,
	    "classified investigating awaiting_merchant resolution_proposed",
	    "awaiting_customer" },
	{ A(CUSTOMER_INFO_PROVIDED), CU | AG, ANY_DETAIL,
	    "awaiting_customer", "investigating" },
	{ A(INVESTIGATION_STARTED), AG, ANY_DETAIL,
	    "classified investigating awaiting_merchant reopened",
	    "investigating" },
	{ A(INVESTIGATION_RECORDED), AG, ANY_DETAIL,
	    "classified investigating reopened", "investigating" },
	{ A(INVESTIGATION_RECORDED), AG, ANY_DETAIL,
	    "awaiting_merchant awaiting_customer", "-" },
	{ A(QC_REQUESTED), AG, ANY_DETAIL, "investigating", "investigating" },
	{ A(QC_RESULT), AG, ANY_DETAIL, "investigating", "investigating" },
	{ A(QC_RESULT), AG, ANY_DETAIL, "awaiting_merchant awaiting_customer",
	    "-" },
	{ A(RESOLUTION_PROPOSED), AG, ANY_DETAIL,
	    "investigating awaiting_merchant resolution_proposed",
	    "resolution_proposed" },
	{ A(RESOLUTION_ACCEPTED), CU | ME | AG, ANY_DETAIL,
	    "resolution_proposed", "decided" },
	{ A(RESOLUTION_REJECTED), CU | ME | AG, ANY_DETAIL,
	    "resolution_proposed", "investigating" },
	{ A(DECIDED), AG, ANY_DETAIL,
	    "investigating resolution_proposed awaiting_merchant", "decided" },
	{ A(RETURN_SHIPPED), CU | AG, ANY_DETAIL, "decided",
	    "return_in_transit" },
	{ A(RETURN_RECEIVED), ME | AG, ANY_DETAIL, "return_in_transit",
	    "inspecting" },
	{ A(INSPECTED), ME | AG, PASSED, "inspecting", "executing" },
	{ A(INSPECTED), ME | AG, FAILED, "inspecting", "investigating" },
	{ A(EXECUTION_DONE), ME | AG, ANY_DETAIL, "decided executing",
	    "resolved" },
	{ A(RESOLUTION_CONFIRMED), CU | AG, ANY_DETAIL, "resolved",
	    "resolved" },
	{ A(REOPENED), CU | AG, ANY_DETAIL, "resolved closed", "reopened" },
	{ A(SATISFACTION_RATED), CU, ANY_DETAIL, "resolved closed", "-" },
	{ A(ESCALATED), AG, ANY_DETAIL, OPEN, "-" },
	{ A(CLOSED), AG, ANY_DETAIL,
	    "received classified out_of_scope awaiting_merchant "
	    "awaiting_customer investigating resolution_proposed decided "
	    "executing return_in_transit inspecting resolved reopened",
	    "closed" },
	{ A(CLOSED), CU, WITHDRAWN, OPEN, "closed" },
	{ A(NOTE), ME | AG, ANY_DETAIL, ALL, "-" },
};

static const enum key_role roles[] = {
	KEY_ROLE_CHANNEL, KEY_ROLE_MERCHANT, KEY_ROLE_AGENT, KEY_ROLE_ADMIN,
};

static unsigned
who(enum key_role role)
{
	switch (role) {
	case KEY_ROLE_CHANNEL:
		return (CU);
	case KEY_ROLE_MERCHANT:
		return (ME);
	default:
		return (AG);
	}
}

/* Whether the status named name is in the space-separated list. */
static bool
listed(const char *list, Cdp__V1__ComplaintStatus status)
{
	const char	*name = lifecycle_status_name(status);
	size_t		 len = strlen(name);
	const char	*p = list;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\0'))
			return (true);
		p += len;
	}
	return (false);
}

/* An ActionRecorded for action with the detail the row needs. */
struct rec {
	Cdp__V1__ActionRecorded	rec;
	Cdp__V1__Inspection	inspection;
	Cdp__V1__Closure	closure;
};

static void
rec_init(struct rec *r, Cdp__V1__Action action, enum detail detail)
{
	Cdp__V1__ActionRecorded	rec = CDP__V1__ACTION_RECORDED__INIT;
	Cdp__V1__Inspection	in = CDP__V1__INSPECTION__INIT;
	Cdp__V1__Closure	cl = CDP__V1__CLOSURE__INIT;

	r->rec = rec;
	r->inspection = in;
	r->closure = cl;
	r->rec.action = action;
	switch (detail) {
	case PASSED:
	case FAILED:
		r->inspection.result = detail == PASSED ?
		    CDP__V1__INSPECTION_RESULT__INSPECTION_RESULT_PASSED :
		    CDP__V1__INSPECTION_RESULT__INSPECTION_RESULT_FAILED;
		r->rec.detail_case = DETAIL(INSPECTION);
		r->rec.inspection = &r->inspection;
		break;
	case WITHDRAWN:
	case RESOLVED:
		r->closure.reason = detail == WITHDRAWN ?
		    CDP__V1__CLOSE_REASON__CLOSE_REASON_WITHDRAWN :
		    CDP__V1__CLOSE_REASON__CLOSE_REASON_RESOLVED;
		r->rec.detail_case = DETAIL(CLOSURE);
		r->rec.closure = &r->closure;
		break;
	case ANY_DETAIL:
		if (action == A(CLOSED))
			rec_init(r, action, RESOLVED);
		break;
	}
}

/* The answer the spec gives for action with detail, by role in status. */
static enum lifecycle_verdict
expected(Cdp__V1__Action action, enum detail detail, enum key_role role,
    Cdp__V1__ComplaintStatus status, Cdp__V1__ComplaintStatus *next)
{
	bool	may = false;
	size_t	i;

	*next = ST(UNSPECIFIED);
	for (i = 0; i < nitems(spec); i++) {
		if (spec[i].action != action || (spec[i].who & who(role)) == 0)
			continue;
		if (spec[i].detail != ANY_DETAIL && spec[i].detail != detail)
			continue;
		may = true;
		if (status != ST(UNSPECIFIED) && listed(spec[i].from, status)) {
			if (strcmp(spec[i].next, "-") != 0)
				assert_int_equal(lifecycle_status_parse(
				    spec[i].next, next), 0);
			return (LIFECYCLE_OK);
		}
	}
	return (may ? LIFECYCLE_CONFLICT : LIFECYCLE_FORBIDDEN);
}

static void
check_all(Cdp__V1__Action action, enum detail detail, size_t *checked)
{
	Cdp__V1__ComplaintStatus	 want_next, next;
	enum lifecycle_verdict		 want, got;
	struct rec			 r;
	size_t				 i;
	int				 s;

	rec_init(&r, action, detail);
	for (i = 0; i < nitems(roles); i++) {
		for (s = ST(UNSPECIFIED); s <= ST(REOPENED) + 1; s++) {
			want = expected(action, detail, roles[i], s,
			    &want_next);
			next = (Cdp__V1__ComplaintStatus)-1;
			got = lifecycle_check(s, roles[i], &r.rec, &next);
			if (got != want || next != want_next)
				fail_msg("%s by role %d in %s: got %d -> %d, "
				    "want %d -> %d", action_json_name(action),
				    roles[i], lifecycle_status_name(s), got,
				    next, want, want_next);
			(*checked)++;
		}
	}
}

/* Every row, for every role and every status (and two unknown ones). */
static void
test_whole_table(void **state)
{
	size_t	i, checked = 0;
	int	a;

	for (i = 0; i < nitems(spec); i++)
		check_all(spec[i].action, spec[i].detail, &checked);
	/* A channel closing for a reason other than withdrawal. */
	check_all(A(CLOSED), RESOLVED, &checked);
	/* Every action exists in the table. */
	for (a = A(FIRST_CONTACT); a <= A(NOTE); a++) {
		for (i = 0; i < nitems(spec); i++)
			if (spec[i].action == (Cdp__V1__Action)a)
				break;
		assert_true(i < nitems(spec));
	}
	assert_true(checked > 1500);
}

/* Checks one case by hand, as docs/api.md reads. */
static void
expect(Cdp__V1__Action action, enum detail detail, enum key_role role,
    Cdp__V1__ComplaintStatus status, enum lifecycle_verdict want,
    Cdp__V1__ComplaintStatus want_next)
{
	Cdp__V1__ComplaintStatus	next;
	struct rec			r;

	rec_init(&r, action, detail);
	assert_int_equal(lifecycle_check(status, role, &r.rec, &next), want);
	assert_int_equal(next, want_next);
}

static void
test_forbidden_versus_conflict(void **state)
{
	/* A merchant never makes first contact; an agent not once resolved. */
	expect(A(FIRST_CONTACT), ANY_DETAIL, KEY_ROLE_MERCHANT, ST(RECEIVED),
	    LIFECYCLE_FORBIDDEN, ST(UNSPECIFIED));
	expect(A(FIRST_CONTACT), ANY_DETAIL, KEY_ROLE_AGENT, ST(RECEIVED),
	    LIFECYCLE_OK, ST(INVESTIGATING));
	expect(A(FIRST_CONTACT), ANY_DETAIL, KEY_ROLE_AGENT, ST(RESOLVED),
	    LIFECYCLE_CONFLICT, ST(UNSPECIFIED));
	/* After the customer's reply to a request for information. */
	expect(A(FIRST_CONTACT), ANY_DETAIL, KEY_ROLE_AGENT, ST(INVESTIGATING),
	    LIFECYCLE_OK, ST(INVESTIGATING));
	/* Only the customer rates; not even an admin. */
	expect(A(SATISFACTION_RATED), ANY_DETAIL, KEY_ROLE_AGENT, ST(CLOSED),
	    LIFECYCLE_FORBIDDEN, ST(UNSPECIFIED));
	expect(A(SATISFACTION_RATED), ANY_DETAIL, KEY_ROLE_ADMIN, ST(CLOSED),
	    LIFECYCLE_FORBIDDEN, ST(UNSPECIFIED));
	expect(A(SATISFACTION_RATED), ANY_DETAIL, KEY_ROLE_CHANNEL,
	    ST(CLOSED), LIFECYCLE_OK, ST(UNSPECIFIED));
	expect(A(SATISFACTION_RATED), ANY_DETAIL, KEY_ROLE_CHANNEL,
	    ST(INVESTIGATING), LIFECYCLE_CONFLICT, ST(UNSPECIFIED));
	/* An admin may do what an agent may. */
	expect(A(DECIDED), ANY_DETAIL, KEY_ROLE_ADMIN, ST(AWAITING_MERCHANT),
	    LIFECYCLE_OK, ST(DECIDED));
	expect(A(DECIDED), ANY_DETAIL, KEY_ROLE_MERCHANT, ST(INVESTIGATING),
	    LIFECYCLE_FORBIDDEN, ST(UNSPECIFIED));
	/* A merchant answers only when asked. */
	expect(A(MERCHANT_RESPONSE_RECEIVED), ANY_DETAIL, KEY_ROLE_MERCHANT,
	    ST(INVESTIGATING), LIFECYCLE_CONFLICT, ST(UNSPECIFIED));
	expect(A(MERCHANT_RESPONSE_RECEIVED), ANY_DETAIL, KEY_ROLE_CHANNEL,
	    ST(AWAITING_MERCHANT), LIFECYCLE_FORBIDDEN, ST(UNSPECIFIED));
}

static void
test_detail_decides(void **state)
{
	expect(A(INSPECTED), PASSED, KEY_ROLE_MERCHANT, ST(INSPECTING),
	    LIFECYCLE_OK, ST(EXECUTING));
	expect(A(INSPECTED), FAILED, KEY_ROLE_AGENT, ST(INSPECTING),
	    LIFECYCLE_OK, ST(INVESTIGATING));
	expect(A(INSPECTED), PASSED, KEY_ROLE_MERCHANT, ST(DECIDED),
	    LIFECYCLE_CONFLICT, ST(UNSPECIFIED));
	expect(A(INSPECTED), PASSED, KEY_ROLE_CHANNEL, ST(INSPECTING),
	    LIFECYCLE_FORBIDDEN, ST(UNSPECIFIED));
	/* Without its result, an inspection matches no row. */
	expect(A(INSPECTED), ANY_DETAIL, KEY_ROLE_MERCHANT, ST(INSPECTING),
	    LIFECYCLE_FORBIDDEN, ST(UNSPECIFIED));

	/* The complainant may withdraw, and only withdraw. */
	expect(A(CLOSED), WITHDRAWN, KEY_ROLE_CHANNEL, ST(INVESTIGATING),
	    LIFECYCLE_OK, ST(CLOSED));
	expect(A(CLOSED), RESOLVED, KEY_ROLE_CHANNEL, ST(INVESTIGATING),
	    LIFECYCLE_FORBIDDEN, ST(UNSPECIFIED));
	expect(A(CLOSED), WITHDRAWN, KEY_ROLE_CHANNEL, ST(OUT_OF_SCOPE),
	    LIFECYCLE_CONFLICT, ST(UNSPECIFIED));
	expect(A(CLOSED), WITHDRAWN, KEY_ROLE_CHANNEL, ST(CLOSED),
	    LIFECYCLE_CONFLICT, ST(UNSPECIFIED));
	expect(A(CLOSED), RESOLVED, KEY_ROLE_AGENT, ST(OUT_OF_SCOPE),
	    LIFECYCLE_OK, ST(CLOSED));
	expect(A(CLOSED), WITHDRAWN, KEY_ROLE_AGENT, ST(CLOSED),
	    LIFECYCLE_CONFLICT, ST(UNSPECIFIED));
	expect(A(CLOSED), WITHDRAWN, KEY_ROLE_MERCHANT, ST(INVESTIGATING),
	    LIFECYCLE_FORBIDDEN, ST(UNSPECIFIED));
}

static void
test_unchanged_and_odd_input(void **state)
{
	Cdp__V1__ComplaintStatus	next = ST(CLOSED);

	/* A finding while waiting on the merchant keeps the wait. */
	expect(A(INVESTIGATION_RECORDED), ANY_DETAIL, KEY_ROLE_AGENT,
	    ST(AWAITING_MERCHANT), LIFECYCLE_OK, ST(UNSPECIFIED));
	expect(A(INVESTIGATION_RECORDED), ANY_DETAIL, KEY_ROLE_AGENT,
	    ST(CLASSIFIED), LIFECYCLE_OK, ST(INVESTIGATING));
	expect(A(NOTE), ANY_DETAIL, KEY_ROLE_MERCHANT, ST(CLOSED),
	    LIFECYCLE_OK, ST(UNSPECIFIED));
	expect(A(ESCALATED), ANY_DETAIL, KEY_ROLE_AGENT, ST(OUT_OF_SCOPE),
	    LIFECYCLE_CONFLICT, ST(UNSPECIFIED));
	/* Statuses the table does not know are conflicts, never OK. */
	expect(A(NOTE), ANY_DETAIL, KEY_ROLE_AGENT, ST(UNSPECIFIED),
	    LIFECYCLE_CONFLICT, ST(UNSPECIFIED));
	expect(A(NOTE), ANY_DETAIL, KEY_ROLE_AGENT, 99, LIFECYCLE_CONFLICT,
	    ST(UNSPECIFIED));
	expect(A(NOTE), ANY_DETAIL, KEY_ROLE_AGENT, -1, LIFECYCLE_CONFLICT,
	    ST(UNSPECIFIED));
	/* Actions the table does not know are forbidden. */
	expect(A(UNSPECIFIED), ANY_DETAIL, KEY_ROLE_ADMIN, ST(INVESTIGATING),
	    LIFECYCLE_FORBIDDEN, ST(UNSPECIFIED));
	expect(99, ANY_DETAIL, KEY_ROLE_ADMIN, ST(INVESTIGATING),
	    LIFECYCLE_FORBIDDEN, ST(UNSPECIFIED));
	assert_int_equal(lifecycle_check(ST(INVESTIGATING), KEY_ROLE_AGENT,
	    NULL, &next), LIFECYCLE_FORBIDDEN);
	assert_int_equal(next, ST(UNSPECIFIED));
}

/* The parsed body of an action, checked as the API would. */
static void
test_parsed_action(void **state)
{
	static const struct api_key	 merchant = {
		.name = "m", .role = KEY_ROLE_MERCHANT, .merchant_id = "M1",
	};
	const char			*body = "{\"action\": "
	    "\"inspection_result\", \"result\": \"failed\"}";
	Cdp__V1__ComplaintStatus	 next;
	struct action_req		 req;
	struct api_error		 err;

	assert_int_equal(action_json_parse(body, strlen(body), &merchant,
	    &req, &err), 0);
	assert_int_equal(lifecycle_check(ST(INSPECTING), KEY_ROLE_MERCHANT,
	    &req.rec, &next), LIFECYCLE_OK);
	assert_int_equal(next, ST(INVESTIGATING));
	action_json_free(&req);
}

static void
test_allowed(void **state)
{
	const char	*names[32];
	size_t		 n;

	n = lifecycle_allowed(ST(RESOLVED), KEY_ROLE_CHANNEL, names, 32);
	assert_int_equal(n, 4);
	assert_string_equal(names[0], "confirm_resolved");
	assert_string_equal(names[1], "reopen");
	assert_string_equal(names[2], "rate");
	assert_string_equal(names[3], "close");

	n = lifecycle_allowed(ST(AWAITING_MERCHANT), KEY_ROLE_MERCHANT,
	    names, 32);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "merchant_response");
	assert_string_equal(names[1], "note");

	n = lifecycle_allowed(ST(INSPECTING), KEY_ROLE_MERCHANT, names, 32);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "inspection_result");
	assert_string_equal(names[1], "note");

	n = lifecycle_allowed(ST(INVESTIGATING), KEY_ROLE_ADMIN, names, 32);
	assert_int_equal(n, 12);
	assert_string_equal(names[0], "first_contact");
	assert_string_equal(names[1], "request_merchant_response");
	assert_string_equal(names[11], "note");
	/* At most max names. */
	assert_int_equal(lifecycle_allowed(ST(INVESTIGATING), KEY_ROLE_AGENT,
	    names, 3), 3);
	assert_string_equal(names[2], "request_customer_info");

	assert_int_equal(lifecycle_allowed(ST(CLOSED), KEY_ROLE_MERCHANT,
	    names, 32), 1);
	assert_int_equal(lifecycle_allowed(ST(OUT_OF_SCOPE), KEY_ROLE_CHANNEL,
	    names, 32), 0);
	assert_int_equal(lifecycle_allowed(ST(UNSPECIFIED), KEY_ROLE_ADMIN,
	    names, 32), 0);
}

static void
test_status_names(void **state)
{
	static const char *const names[] = {
		"received", "classified", "out_of_scope", "awaiting_merchant",
		"awaiting_customer", "investigating", "resolution_proposed",
		"decided", "executing", "return_in_transit", "inspecting",
		"resolved", "closed", "reopened",
	};
	Cdp__V1__ComplaintStatus	s;
	size_t				i;

	for (i = 0; i < nitems(names); i++) {
		assert_string_equal(lifecycle_status_name(
		    (Cdp__V1__ComplaintStatus)(i + 1)), names[i]);
		assert_int_equal(lifecycle_status_parse(names[i], &s), 0);
		assert_int_equal(s, i + 1);
	}
	assert_string_equal(lifecycle_status_name(ST(UNSPECIFIED)),
	    "unspecified");
	assert_string_equal(lifecycle_status_name(42), "unspecified");
	assert_int_equal(lifecycle_status_parse("unspecified", &s), -1);
	assert_int_equal(lifecycle_status_parse("Received", &s), -1);
	assert_int_equal(lifecycle_status_parse("", &s), -1);
}

/*
 * The statuses events other than actions set: every status before a
 * filing, a classification and an out-of-scope answer, against the rule
 * written out again here.
 */
static void
test_after_event(void **state)
{
#define BODY(x)	CDP__V1__COMPLAINT_EVENT__BODY_##x
	Cdp__V1__ComplaintStatus	s, want;
	int				i;

	(void)state;
	for (i = ST(UNSPECIFIED); i <= ST(REOPENED); i++) {
		s = (Cdp__V1__ComplaintStatus)i;
		want = s == ST(UNSPECIFIED) ? ST(RECEIVED) : s;
		assert_int_equal(lifecycle_after_event(BODY(FILED), s), want);
		want = s == ST(UNSPECIFIED) || s == ST(RECEIVED) ||
		    s == ST(REOPENED) ? ST(CLASSIFIED) : s;
		assert_int_equal(lifecycle_after_event(BODY(CLASSIFIED), s),
		    want);
		assert_int_equal(lifecycle_after_event(BODY(OUT_OF_SCOPE), s),
		    ST(OUT_OF_SCOPE));
		assert_int_equal(lifecycle_after_event(BODY(SLA_BREACHED), s),
		    s);
	}
	/* A status this build does not know is left alone. */
	assert_int_equal(lifecycle_after_event(BODY(CLASSIFIED), 42), 42);
#undef BODY
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_table),
		cmocka_unit_test(test_forbidden_versus_conflict),
		cmocka_unit_test(test_detail_decides),
		cmocka_unit_test(test_unchanged_and_odd_input),
		cmocka_unit_test(test_parsed_action),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_after_event),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
