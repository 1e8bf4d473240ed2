/*
 * Unit tests for services/intake/appeal_json.c and merchant_view.c: the
 * bodies of an appeal and of its decision, every error with the field it
 * names, and a merchant's standing as the API renders it.
 */
/* cdp-test-sources: services/intake/appeal_json.c services/intake/complaint_json.c services/intake/merchant_view.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intake/intake.h"
#include "nitems.h"

static int
parse(const char *body, struct appeal_req *req, struct api_error *e)
{
	return appeal_json_parse(body, strlen(body), req, e);
}

static void
expect_error(const char *body, const char *error, const char *field)
{
	struct appeal_req	req;
	struct api_error	e;

	memset(&e, 0, sizeof(e));
	if (parse(body, &req, &e) != -1)
		fail_msg("accepted: %s", body);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.error, error);
	assert_string_equal(e.field, field);
	appeal_json_free(req.root);
}

static void
test_appeal_ok(void **state)
{
	struct appeal_req	req;
	struct api_error	e;

	assert_int_equal(parse("{\"penalty_id\": \"P-1\", \"reason\": "
	    "\"已按时回复\", \"evidence_urls\": [\"https://a.cn/1\", "
	    "\"https://a.cn/2\"]}", &req, &e), 0);
	assert_string_equal(req.penalty_id, "P-1");
	assert_string_equal(req.reason, "已按时回复");
	assert_int_equal(req.n_evidence, 2);
	assert_string_equal(req.evidence[1], "https://a.cn/2");
	appeal_json_free(req.root);
	assert_int_equal(parse("{\"penalty_id\": \"P-1\", \"reason\": \"r\"}",
	    &req, &e), 0);
	assert_int_equal(req.n_evidence, 0);
	appeal_json_free(req.root);
	(void)state;
}

static void
test_appeal_errors(void **state)
{
	expect_error("", "invalid_json", "");
	expect_error("[]", "invalid_json", "");
	expect_error("{\"reason\": \"r\"}", "missing_field", "penalty_id");
	expect_error("{\"penalty_id\": \"a b\", \"reason\": \"r\"}",
	    "invalid_field", "penalty_id");
	expect_error("{\"penalty_id\": 7, \"reason\": \"r\"}",
	    "invalid_field", "penalty_id");
	expect_error("{\"penalty_id\": \"P\"}", "missing_field", "reason");
	expect_error("{\"penalty_id\": \"P\", \"reason\": \"\"}",
	    "invalid_field", "reason");
	expect_error("{\"penalty_id\": \"P\", \"reason\": \" \\n\"}",
	    "invalid_field", "reason");
	expect_error("{\"penalty_id\": \"P\", \"reason\": 3}",
	    "invalid_field", "reason");
	expect_error("{\"penalty_id\": \"P\", \"reason\": \"r\", "
	    "\"evidence_urls\": \"https://a.cn\"}", "invalid_field",
	    "evidence_urls");
	expect_error("{\"penalty_id\": \"P\", \"reason\": \"r\", "
	    "\"evidence_urls\": [\"https://a.cn/1\", \"http://a.cn/2\"]}",
	    "invalid_field", "evidence_urls[1]");
	expect_error("{\"penalty_id\": \"P\", \"reason\": \"r\", "
	    "\"evidence_urls\": [\"ftp://a.cn/1\"]}", "invalid_field",
	    "evidence_urls[0]");
	expect_error("{\"penalty_id\": \"P\", \"reason\": \"r\", "
	    "\"evidence_urls\": [\"https://a/1\", \"https://a/2\", "
	    "\"https://a/3\", \"https://a/4\"]}", "invalid_field",
	    "evidence_urls");
	(void)state;
}

static int
decide(const char *body, struct appeal_decision_req *req,
    struct api_error *e)
{
	return appeal_json_parse_decision(body, strlen(body), req, e);
}

static void
test_decision(void **state)
{
	struct appeal_decision_req	req;
	struct api_error		e;
	const char			*bad[][2] = {
		{ "{\"reason\": \"r\"}", "verdict" },
		{ "{\"verdict\": \"overturned\", \"reason\": \"r\"}", "verdict" },
		{ "{\"verdict\": 1, \"reason\": \"r\"}", "verdict" },
		{ "{\"verdict\": \"upheld\"}", "reason" },
		{ "{\"verdict\": \"upheld\", \"reason\": \"\"}", "reason" },
	};
	size_t				i;

	assert_int_equal(decide("{\"verdict\": \"upheld\", \"reason\": "
	    "\"证据充分\"}", &req, &e), 0);
	assert_int_equal(req.verdict,
	    CDP__V1__APPEAL_VERDICT__APPEAL_VERDICT_OVERTURNED);
	assert_string_equal(req.reason, "证据充分");
	appeal_json_free(req.root);
	assert_int_equal(decide("{\"verdict\": \"rejected\", \"reason\": "
	    "\"r\"}", &req, &e), 0);
	assert_int_equal(req.verdict,
	    CDP__V1__APPEAL_VERDICT__APPEAL_VERDICT_ORIGINAL_UPHELD);
	appeal_json_free(req.root);
	for (i = 0; i < nitems(bad); i++) {
		if (appeal_json_parse_decision(bad[i][0], strlen(bad[i][0]),
		    &req, &e) != -1)
			fail_msg("accepted: %s", bad[i][0]);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.field, bad[i][1]);
		appeal_json_free(req.root);
	}
	(void)state;
}

static void
test_view(void **state)
{
	Cdp__V1__MerchantState	st = CDP__V1__MERCHANT_STATE__INIT;
	Cdp__V1__ActivePenalty	p = CDP__V1__ACTIVE_PENALTY__INIT, *pp = &p;
	Cdp__V1__OpenAppeal	a = CDP__V1__OPEN_APPEAL__INIT, *ap = &a;
	char			*restr[] = { "no_new_listings" }, *text;
	json_t			*v;

	v = merchant_view_render("M1", NULL);
	text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(text, "{\"merchant_id\":\"M1\",\"standing\":"
	    "\"good\",\"level\":null,\"points\":0,\"restrictions\":[],"
	    "\"restricted_until\":null,\"penalties\":[],\"open_appeals\":[],"
	    "\"updated_at\":null}");
	free(text);
	json_decref(v);

	p.penalty_id = "P-1";
	p.step = CDP__V1__PENALTY_STEP__PENALTY_STEP_RESTRICTION;
	p.points = 12;
	p.complaint_id = "C1";
	p.violation = "counterfeit_upheld";
	p.applied_at_ms = 1700000000000;
	p.appeal_deadline_ms = 1700604800000;
	a.appeal_id = "A-1";
	a.subject = CDP__V1__APPEAL_SUBJECT__APPEAL_SUBJECT_PENALTY;
	a.penalty_id = "P-1";
	a.complaint_id = "C1";
	a.filed_at_ms = 1700000100000;
	st.merchant_id = "M1";
	st.standing = CDP__V1__STANDING__STANDING_RESTRICTED;
	st.points_total = 12;
	st.level = "restricted";
	st.n_active_penalties = 1;
	st.active_penalties = &pp;
	st.n_open_appeals = 1;
	st.open_appeals = &ap;
	st.n_restrictions = 1;
	st.restrictions = restr;
	st.restricted_until_ms = 1700604800000;
	v = merchant_view_render("M1", &st);
	assert_string_equal(json_string_value(json_object_get(v, "standing")),
	    "restricted");
	assert_int_equal(json_integer_value(json_object_get(v, "points")), 12);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(v, "penalties"), 0), "step")), "restriction");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(v, "restrictions"), 0), "until")),
	    json_string_value(json_object_get(v, "restricted_until")));
	assert_true(json_is_string(json_object_get(v, "restricted_until")));
	assert_int_equal(json_array_size(json_object_get(v, "open_appeals")),
	    1);
	json_decref(v);

	assert_ptr_equal(merchant_view_penalty_find(&st, "P-1"), &p);
	assert_null(merchant_view_penalty_find(&st, "P-2"));
	assert_null(merchant_view_penalty_find(NULL, "P-1"));
	assert_ptr_equal(merchant_view_appeal_find(&st, "A-1", NULL), &a);
	assert_ptr_equal(merchant_view_appeal_find(&st, NULL, "P-1"), &a);
	assert_null(merchant_view_appeal_find(&st, "A-2", "P-2"));
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appeal_ok),
		cmocka_unit_test(test_appeal_errors),
		cmocka_unit_test(test_decision),
		cmocka_unit_test(test_view),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
