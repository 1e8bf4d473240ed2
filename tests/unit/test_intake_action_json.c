/*
 * Unit tests for services/intake/action_json.c: what a POST
 * /v1/complaints/{id}/actions body becomes, each action's detail, who the
 * actor is, and every error with the field it names.
 */
/* cdp-test-sources: services/intake/action_json.c services/intake/complaint_json.c */
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

#define A(x)		CDP__V1__ACTION__ACTION_##x
#define DETAIL(x)	CDP__V1__ACTION_RECORDED__DETAIL_##x

static const struct api_key app_key = {
	.name = "dev-app",
	.role = KEY_ROLE_CHANNEL,
	.channel = CDP__V1__CHANNEL__CHANNEL_APP,
};
static const struct api_key agent_key = {
	.name = "agent-li",
	.role = KEY_ROLE_AGENT,
};
static const struct api_key admin_key = {
	.name = "admin-wang",
	.role = KEY_ROLE_ADMIN,
};
static const struct api_key merchant_key = {
	.name = "merchant-m1",
	.role = KEY_ROLE_MERCHANT,
	.merchant_id = "M1",
};

/* Parses body (sent by an agent unless key says otherwise). */
static void
parse_ok_as(const char *body, const struct api_key *key,
    struct action_req *req)
{
	struct api_error	err = { 0 };

	if (action_json_parse(body, strlen(body), key, req, &err) != 0)
		fail_msg("%s: %s %s: %s", body, err.error, err.field,
		    err.reason);
	assert_non_null(req->root);
	assert_ptr_equal(req->rec.actor, &req->actor);
}

static void
parse_ok(const char *body, struct action_req *req)
{
	parse_ok_as(body, &agent_key, req);
}

/* Expects body to fail with error on field; returns the reason. */
static const char *
parse_err(const char *body, const char *error, const char *field)
{
	static struct api_error	err;
	struct action_req	req;

	memset(&err, 0, sizeof(err));
	if (action_json_parse(body, strlen(body), &agent_key, &req,
	    &err) == 0)
		fail_msg("accepted: %s", body);
	assert_null(req.root);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.error, error);
	assert_string_equal(err.field, field);
	assert_true(err.reason[0] != '\0');
	return (err.reason);
}

static char *
repeat(const char *s, size_t n)
{
	size_t	len = strlen(s), i;
	char	*out = malloc(len * n + 1);

	for (i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return (out);
}

/*
 * Every API name with its enum value and the smallest body that is valid
 * for it.
 */
static const struct {
	const char	*name;
	Cdp__V1__Action	 action;
	const char	*body;
	int		 detail;
} every[] = {
	{ "first_contact", A(FIRST_CONTACT), "{\"action\": \"first_contact\"}",
	    DETAIL(_NOT_SET) },
	{ "request_merchant_response", A(MERCHANT_RESPONSE_REQUESTED),
	    "{\"action\": \"request_merchant_response\"}", DETAIL(_NOT_SET) },
	{ "merchant_response", A(MERCHANT_RESPONSE_RECEIVED),
	    "{\"action\": \"merchant_response\", \"stance\": \"accept\"}",
	    DETAIL(MERCHANT_RESPONSE) },
	{ "request_customer_info", A(CUSTOMER_INFO_REQUESTED),
	    "{\"action\": \"request_customer_info\", \"comment\": \"照片\"}",
	    DETAIL(_NOT_SET) },
	{ "customer_info", A(CUSTOMER_INFO_PROVIDED),
	    "{\"action\": \"customer_info\", \"comment\": \"见附件\"}",
	    DETAIL(_NOT_SET) },
	{ "start_investigation", A(INVESTIGATION_STARTED),
	    "{\"action\": \"start_investigation\"}", DETAIL(_NOT_SET) },
	{ "record_investigation", A(INVESTIGATION_RECORDED),
	    "{\"action\": \"record_investigation\", \"comment\": \"carrier\"}",
	    DETAIL(_NOT_SET) },
	{ "propose_resolution", A(RESOLUTION_PROPOSED),
	    "{\"action\": \"propose_resolution\", \"outcome\": \"exchange\"}",
	    DETAIL(RESOLUTION) },
	{ "accept_resolution", A(RESOLUTION_ACCEPTED),
	    "{\"action\": \"accept_resolution\"}", DETAIL(_NOT_SET) },
	{ "reject_resolution", A(RESOLUTION_REJECTED),
	    "{\"action\": \"reject_resolution\"}", DETAIL(_NOT_SET) },
	{ "decide", A(DECIDED), "{\"action\": \"decide\", \"outcome\": "
	    "\"apology\", \"responsible_party\": \"merchant\"}",
	    DETAIL(RESOLUTION) },
	{ "execute", A(EXECUTION_DONE), "{\"action\": \"execute\", "
	    "\"outcome\": \"reship\"}", DETAIL(EXECUTION) },
	{ "return_shipped", A(RETURN_SHIPPED), "{\"action\": "
	    "\"return_shipped\", \"carrier\": \"SF\", \"tracking_number\": "
	    "\"SF1234567890\"}", DETAIL(RETURN_SHIPMENT) },
	{ "return_received", A(RETURN_RECEIVED),
	    "{\"action\": \"return_received\"}", DETAIL(_NOT_SET) },
	{ "inspection_result", A(INSPECTED), "{\"action\": "
	    "\"inspection_result\", \"result\": \"passed\"}",
	    DETAIL(INSPECTION) },
	{ "request_qc", A(QC_REQUESTED), "{\"action\": \"request_qc\"}",
	    DETAIL(_NOT_SET) },
	{ "qc_result", A(QC_RESULT), "{\"action\": \"qc_result\", "
	    "\"result\": \"failed\"}", DETAIL(INSPECTION) },
	{ "confirm_resolved", A(RESOLUTION_CONFIRMED),
	    "{\"action\": \"confirm_resolved\"}", DETAIL(_NOT_SET) },
	{ "reopen", A(REOPENED), "{\"action\": \"reopen\", \"comment\": "
	    "\"又坏了\"}", DETAIL(_NOT_SET) },
	{ "rate", A(SATISFACTION_RATED), "{\"action\": \"rate\", "
	    "\"rating\": 4}", DETAIL(SATISFACTION) },
	{ "escalate", A(ESCALATED), "{\"action\": \"escalate\"}",
	    DETAIL(ESCALATION) },
	{ "close", A(CLOSED), "{\"action\": \"close\", \"reason\": "
	    "\"resolved\"}", DETAIL(CLOSURE) },
	{ "note", A(NOTE), "{\"action\": \"note\", \"comment\": \"called\"}",
	    DETAIL(_NOT_SET) },
};

static void
test_every_action(void **state)
{
	struct action_req	req;
	size_t			i;

	assert_int_equal(nitems(every), 23);
	for (i = 0; i < nitems(every); i++) {
		parse_ok(every[i].body, &req);
		assert_int_equal(req.rec.action, every[i].action);
		assert_int_equal(req.rec.detail_case, every[i].detail);
		assert_string_equal(action_json_name(every[i].action),
		    every[i].name);
		/* The caller sets these. */
		assert_int_equal(req.rec.resulting_status, 0);
		assert_string_equal(req.rec.idempotency_key, "");
		action_json_free(&req);
		assert_null(req.root);
	}
	assert_string_equal(action_json_name(A(UNSPECIFIED)), "unspecified");
	assert_string_equal(action_json_name((Cdp__V1__Action)99), "unknown");
}

static void
test_actor_by_key(void **state)
{
	struct action_req	 req;
	const char		*body = "{\"action\": \"accept_resolution\"}";

	parse_ok_as(body, &app_key, &req);
	assert_int_equal(req.actor.role,
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_CUSTOMER);
	assert_string_equal(req.actor.actor_id, "");
	assert_string_equal(req.actor.api_key_id, "dev-app");
	action_json_free(&req);

	parse_ok_as(body, &merchant_key, &req);
	assert_int_equal(req.actor.role,
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_MERCHANT);
	assert_string_equal(req.actor.actor_id, "M1");
	assert_string_equal(req.actor.api_key_id, "merchant-m1");
	action_json_free(&req);

	parse_ok_as(body, &agent_key, &req);
	assert_int_equal(req.actor.role, CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT);
	assert_string_equal(req.actor.actor_id, "agent-li");
	assert_string_equal(req.actor.api_key_id, "agent-li");
	action_json_free(&req);

	parse_ok_as(body, &admin_key, &req);
	assert_int_equal(req.actor.role,
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_SENIOR_AGENT);
	assert_string_equal(req.actor.actor_id, "admin-wang");
	assert_string_equal(req.actor.api_key_id, "admin-wang");
	action_json_free(&req);
}

static void
test_body_errors(void **state)
{
	struct action_req	 req;
	struct api_error	 err = { 0 };
	const char		*bad = "{\"action\": \"note\",";

	assert_int_equal(action_json_parse(bad, strlen(bad), &agent_key, &req,
	    &err), -1);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.error, "invalid_json");
	assert_non_null(strstr(err.reason, "line 1"));
	parse_err("[\"note\"]", "invalid_json", "");
	parse_err("{\"comment\": \"x\"}", "missing_field", "action");
	parse_err("{\"action\": 3}", "invalid_field", "action");
	parse_err("{\"action\": \"refund\"}", "invalid_field", "action");
	parse_err("{\"action\": \"NOTE\", \"comment\": \"x\"}",
	    "invalid_field", "action");
	parse_err("{\"action\": \"unspecified\"}", "invalid_field", "action");
}

static void
test_unknown_and_foreign_fields(void **state)
{
	const char	*reason;

	reason = parse_err("{\"action\": \"rate\", \"rating\": 5, "
	    "\"stance\": \"accept\"}", "invalid_field", "stance");
	assert_string_equal(reason, "does not apply to action rate");
	reason = parse_err("{\"action\": \"first_contact\", \"outcome\": "
	    "\"exchange\"}", "invalid_field", "outcome");
	assert_string_equal(reason, "does not apply to action first_contact");
	parse_err("{\"action\": \"execute\", \"outcome\": \"reship\", "
	    "\"mediated\": true}", "invalid_field", "mediated");
	parse_err("{\"action\": \"close\", \"reason\": \"resolved\", "
	    "\"level\": \"management\"}", "invalid_field", "level");
	reason = parse_err("{\"action\": \"note\", \"comment\": \"x\", "
	    "\"commnet\": \"y\"}", "invalid_field", "commnet");
	assert_string_equal(reason, "unknown field");
	/* null is the same as leaving a member out. */
	{
		struct action_req	req;

		parse_ok("{\"action\": \"first_contact\", \"outcome\": null, "
		    "\"comment\": null}", &req);
		assert_string_equal(req.rec.comment, "");
		action_json_free(&req);
	}
}

static void
test_comment_and_evidence(void **state)
{
	struct action_req	 req;
	char			*text, *body;

	text = repeat("谢", 4000);
	if (asprintf(&body, "{\"action\": \"note\", \"comment\": \"%s\"}",
	    text) == -1)
		abort();
	parse_ok(body, &req);
	assert_int_equal(strlen(req.rec.comment), 12000);
	action_json_free(&req);
	free(body);
	free(text);
	text = repeat("谢", 4001);
	if (asprintf(&body, "{\"action\": \"note\", \"comment\": \"%s\"}",
	    text) == -1)
		abort();
	parse_err(body, "invalid_field", "comment");
	free(body);
	free(text);

	parse_ok("{\"action\": \"customer_info\", \"evidence\": "
	    "[\"https://a.example/1\", \"https://a.example/2\", "
	    "\"http://a.example/3\"]}", &req);
	assert_int_equal(req.rec.n_evidence_urls, 3);
	assert_string_equal(req.rec.evidence_urls[2], "http://a.example/3");
	assert_string_equal(req.rec.comment, "");
	action_json_free(&req);
	parse_err("{\"action\": \"customer_info\", \"evidence\": "
	    "[\"https://a.example/1\", \"https://a.example/2\", "
	    "\"https://a.example/3\", \"https://a.example/4\"]}",
	    "invalid_field", "evidence");
	parse_err("{\"action\": \"customer_info\", \"evidence\": "
	    "[\"https://a.example/1\", \"file:///etc/passwd\"]}",
	    "invalid_field", "evidence[1]");
	parse_err("{\"action\": \"note\", \"comment\": 1}", "invalid_field",
	    "comment");
}

static void
test_actions_that_need_text(void **state)
{
	const char	*reason;

	reason = parse_err("{\"action\": \"note\"}", "missing_field",
	    "comment");
	assert_string_equal(reason, "required for action note");
	parse_err("{\"action\": \"note\", \"comment\": \"\"}", "missing_field",
	    "comment");
	parse_err("{\"action\": \"reopen\"}", "missing_field", "comment");
	parse_err("{\"action\": \"request_customer_info\"}", "missing_field",
	    "comment");
	parse_err("{\"action\": \"customer_info\"}", "missing_field",
	    "comment");
	parse_err("{\"action\": \"record_investigation\", \"evidence\": []}",
	    "missing_field", "comment");
}

static void
test_merchant_response(void **state)
{
	struct action_req	req;

	parse_ok_as("{\"action\": \"merchant_response\", \"stance\": "
	    "\"accept\", \"return_address\": \"上海市浦东新区2号\", "
	    "\"comment\": \"同意退货\"}", &merchant_key, &req);
	assert_int_equal(req.rec.detail_case, DETAIL(MERCHANT_RESPONSE));
	assert_ptr_equal(req.rec.merchant_response, &req.merchant_response);
	assert_int_equal(req.merchant_response.stance,
	    CDP__V1__MERCHANT_STANCE__MERCHANT_STANCE_ACCEPT);
	assert_string_equal(req.merchant_response.return_address,
	    "上海市浦东新区2号");
	assert_string_equal(req.merchant_response.rule_cited, "");
	assert_string_equal(req.rec.comment, "同意退货");
	action_json_free(&req);

	parse_ok("{\"action\": \"merchant_response\", \"stance\": \"reject\", "
	    "\"rule_cited\": \"7天无理由退货不适用于定制商品\"}", &req);
	assert_int_equal(req.merchant_response.stance,
	    CDP__V1__MERCHANT_STANCE__MERCHANT_STANCE_REJECT);
	assert_string_equal(req.merchant_response.rule_cited,
	    "7天无理由退货不适用于定制商品");
	action_json_free(&req);

	parse_ok("{\"action\": \"merchant_response\", \"stance\": "
	    "\"counter_proposal\"}", &req);
	assert_int_equal(req.merchant_response.stance,
	    CDP__V1__MERCHANT_STANCE__MERCHANT_STANCE_COUNTER_PROPOSAL);
	action_json_free(&req);

	parse_err("{\"action\": \"merchant_response\"}", "missing_field",
	    "stance");
	parse_err("{\"action\": \"merchant_response\", \"stance\": \"maybe\"}",
	    "invalid_field", "stance");
	parse_err("{\"action\": \"merchant_response\", \"stance\": "
	    "\"reject\"}", "missing_field", "rule_cited");
	parse_err("{\"action\": \"merchant_response\", \"stance\": "
	    "\"reject\", \"rule_cited\": \"\"}", "missing_field",
	    "rule_cited");
}

static void
test_proposal(void **state)
{
	struct action_req	 req;
	const char		*reason;

	parse_ok("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"partial_refund\", \"amount\": 50.5, \"responsible_party\": "
	    "\"merchant\", \"shipping_cost_party\": \"platform\", "
	    "\"return_address\": \"x\", \"mediated\": true}", &req);
	assert_int_equal(req.rec.detail_case, DETAIL(RESOLUTION));
	assert_ptr_equal(req.rec.resolution, &req.resolution);
	assert_int_equal(req.resolution.outcome,
	    CDP__V1__OUTCOME__OUTCOME_PARTIAL_REFUND);
	assert_int_equal(req.resolution.amount_fen, 5050);
	assert_int_equal(req.resolution.responsible_party,
	    CDP__V1__PARTY__PARTY_MERCHANT);
	assert_int_equal(req.resolution.shipping_cost_party,
	    CDP__V1__PARTY__PARTY_PLATFORM);
	assert_string_equal(req.resolution.return_address, "x");
	assert_true(req.resolution.mediated);
	action_json_free(&req);

	/* A full refund may leave the amount to the line amount. */
	parse_ok("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"refund_without_return\"}", &req);
	assert_int_equal(req.resolution.outcome,
	    CDP__V1__OUTCOME__OUTCOME_REFUND_WITHOUT_RETURN);
	assert_int_equal(req.resolution.amount_fen, 0);
	assert_int_equal(req.resolution.responsible_party, 0);
	assert_false(req.resolution.mediated);
	action_json_free(&req);
	parse_ok("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"refund_with_return\", \"amount\": 899}", &req);
	assert_int_equal(req.resolution.amount_fen, 89900);
	action_json_free(&req);

	reason = parse_err("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"compensation\"}", "missing_field", "amount");
	assert_string_equal(reason, "required for outcome compensation");
	parse_err("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"partial_refund\"}", "missing_field", "amount");
	reason = parse_err("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"exchange\", \"amount\": 10}", "invalid_field", "amount");
	assert_string_equal(reason, "does not apply to outcome exchange");
	parse_err("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"partial_refund\", \"amount\": 0}", "invalid_field", "amount");
	parse_err("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"partial_refund\", \"amount\": 0.001}", "invalid_field",
	    "amount");
	parse_err("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"partial_refund\", \"amount\": -5}", "invalid_field", "amount");
	parse_err("{\"action\": \"propose_resolution\"}", "missing_field",
	    "outcome");
	parse_err("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"refund\"}", "invalid_field", "outcome");
	parse_err("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"rejected\"}", "missing_field", "rule_cited");
	parse_err("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"exchange\", \"mediated\": \"yes\"}", "invalid_field",
	    "mediated");
	parse_err("{\"action\": \"propose_resolution\", \"outcome\": "
	    "\"exchange\", \"shipping_cost_party\": \"nobody\"}",
	    "invalid_field", "shipping_cost_party");
}

static void
test_decision(void **state)
{
	struct action_req	req;

	parse_ok("{\"action\": \"decide\", \"outcome\": \"rejected\", "
	    "\"rule_cited\": \"超出售后期\", \"responsible_party\": "
	    "\"customer\"}", &req);
	assert_int_equal(req.rec.detail_case, DETAIL(RESOLUTION));
	assert_int_equal(req.resolution.outcome,
	    CDP__V1__OUTCOME__OUTCOME_REJECTED);
	assert_string_equal(req.resolution.rule_cited, "超出售后期");
	assert_int_equal(req.resolution.responsible_party,
	    CDP__V1__PARTY__PARTY_CUSTOMER);
	assert_int_equal(req.resolution.amount_fen, 0);
	action_json_free(&req);

	parse_ok("{\"action\": \"decide\", \"outcome\": \"compensation\", "
	    "\"amount\": 10000, \"responsible_party\": \"carrier\"}", &req);
	assert_int_equal(req.resolution.amount_fen, 1000000);
	assert_int_equal(req.resolution.responsible_party,
	    CDP__V1__PARTY__PARTY_CARRIER);
	action_json_free(&req);

	parse_err("{\"action\": \"decide\", \"outcome\": \"exchange\"}",
	    "missing_field", "responsible_party");
	parse_err("{\"action\": \"decide\", \"outcome\": \"exchange\", "
	    "\"responsible_party\": \"seller\"}", "invalid_field",
	    "responsible_party");
	parse_err("{\"action\": \"decide\", \"outcome\": \"rejected\", "
	    "\"responsible_party\": \"customer\"}", "missing_field",
	    "rule_cited");
}

static void
test_execution(void **state)
{
	struct action_req	req;

	parse_ok_as("{\"action\": \"execute\", \"outcome\": "
	    "\"refund_with_return\", \"amount\": 899.5, \"reference\": "
	    "\"TXN-2026-001\"}", &merchant_key, &req);
	assert_int_equal(req.rec.detail_case, DETAIL(EXECUTION));
	assert_ptr_equal(req.rec.execution, &req.execution);
	assert_int_equal(req.execution.outcome,
	    CDP__V1__OUTCOME__OUTCOME_REFUND_WITH_RETURN);
	assert_int_equal(req.execution.amount_fen, 89950);
	assert_string_equal(req.execution.reference, "TXN-2026-001");
	action_json_free(&req);

	parse_err("{\"action\": \"execute\"}", "missing_field", "outcome");
	parse_err("{\"action\": \"execute\", \"outcome\": \"rejected\"}",
	    "invalid_field", "outcome");
	parse_err("{\"action\": \"execute\", \"outcome\": \"compensation\"}",
	    "missing_field", "amount");
	parse_err("{\"action\": \"execute\", \"outcome\": \"repair\", "
	    "\"amount\": 5}", "invalid_field", "amount");
	parse_err("{\"action\": \"execute\", \"outcome\": \"reship\", "
	    "\"rule_cited\": \"x\"}", "invalid_field", "rule_cited");
}

static void
test_return_shipment(void **state)
{
	struct action_req	 req;
	char			 body[256];
	char			*tn;

	parse_ok_as("{\"action\": \"return_shipped\", \"carrier\": \"顺丰\", "
	    "\"tracking_number\": \"SF-1234\"}", &app_key, &req);
	assert_int_equal(req.rec.detail_case, DETAIL(RETURN_SHIPMENT));
	assert_ptr_equal(req.rec.return_shipment, &req.return_shipment);
	assert_string_equal(req.return_shipment.carrier, "顺丰");
	assert_string_equal(req.return_shipment.tracking_number, "SF-1234");
	action_json_free(&req);

	tn = repeat("9", 40);
	snprintf(body, sizeof(body), "{\"action\": \"return_shipped\", "
	    "\"carrier\": \"ZTO\", \"tracking_number\": \"%s\"}", tn);
	parse_ok(body, &req);
	action_json_free(&req);
	snprintf(body, sizeof(body), "{\"action\": \"return_shipped\", "
	    "\"carrier\": \"ZTO\", \"tracking_number\": \"%s9\"}", tn);
	parse_err(body, "invalid_field", "tracking_number");
	free(tn);

	parse_err("{\"action\": \"return_shipped\", \"carrier\": \"SF\", "
	    "\"tracking_number\": \"SF1\"}", "invalid_field",
	    "tracking_number");
	parse_err("{\"action\": \"return_shipped\", \"carrier\": \"SF\", "
	    "\"tracking_number\": \"SF 1234\"}", "invalid_field",
	    "tracking_number");
	parse_err("{\"action\": \"return_shipped\", \"carrier\": \"SF\", "
	    "\"tracking_number\": 12345678}", "invalid_field",
	    "tracking_number");
	parse_err("{\"action\": \"return_shipped\", \"carrier\": \"SF\"}",
	    "missing_field", "tracking_number");
	parse_err("{\"action\": \"return_shipped\", \"tracking_number\": "
	    "\"SF1234\"}", "missing_field", "carrier");
	parse_err("{\"action\": \"return_shipped\", \"carrier\": \"\", "
	    "\"tracking_number\": \"SF1234\"}", "missing_field", "carrier");
}

static void
test_inspection_and_qc(void **state)
{
	struct action_req	req;

	parse_ok_as("{\"action\": \"inspection_result\", \"result\": "
	    "\"failed\", \"comment\": \"包装缺失\"}", &merchant_key, &req);
	assert_int_equal(req.rec.detail_case, DETAIL(INSPECTION));
	assert_ptr_equal(req.rec.inspection, &req.inspection);
	assert_int_equal(req.inspection.result,
	    CDP__V1__INSPECTION_RESULT__INSPECTION_RESULT_FAILED);
	action_json_free(&req);
	parse_ok("{\"action\": \"qc_result\", \"result\": \"passed\"}", &req);
	assert_int_equal(req.rec.action, A(QC_RESULT));
	assert_int_equal(req.inspection.result,
	    CDP__V1__INSPECTION_RESULT__INSPECTION_RESULT_PASSED);
	action_json_free(&req);

	parse_err("{\"action\": \"inspection_result\"}", "missing_field",
	    "result");
	parse_err("{\"action\": \"qc_result\", \"result\": \"ok\"}",
	    "invalid_field", "result");
	parse_err("{\"action\": \"request_qc\", \"result\": \"passed\"}",
	    "invalid_field", "result");
}

static void
test_rating(void **state)
{
	struct action_req	req;

	parse_ok_as("{\"action\": \"rate\", \"rating\": 1, \"comment\": "
	    "\"太慢了\"}", &app_key, &req);
	assert_int_equal(req.rec.detail_case, DETAIL(SATISFACTION));
	assert_ptr_equal(req.rec.satisfaction, &req.satisfaction);
	assert_int_equal(req.satisfaction.rating, 1);
	assert_int_equal(req.satisfaction.survey_channel, 0);
	action_json_free(&req);
	parse_ok_as("{\"action\": \"rate\", \"rating\": 5, "
	    "\"survey_channel\": \"sms\"}", &app_key, &req);
	assert_int_equal(req.satisfaction.rating, 5);
	assert_int_equal(req.satisfaction.survey_channel,
	    CDP__V1__NOTIFY_CHANNEL__NOTIFY_CHANNEL_SMS);
	action_json_free(&req);

	parse_err("{\"action\": \"rate\"}", "missing_field", "rating");
	parse_err("{\"action\": \"rate\", \"rating\": 0}", "invalid_field",
	    "rating");
	parse_err("{\"action\": \"rate\", \"rating\": 6}", "invalid_field",
	    "rating");
	parse_err("{\"action\": \"rate\", \"rating\": 4.5}", "invalid_field",
	    "rating");
	parse_err("{\"action\": \"rate\", \"rating\": \"5\"}",
	    "invalid_field", "rating");
	parse_err("{\"action\": \"rate\", \"rating\": 5, \"survey_channel\": "
	    "\"webhook\"}", "invalid_field", "survey_channel");
}

static void
test_escalation(void **state)
{
	struct action_req	req;

	parse_ok("{\"action\": \"escalate\"}", &req);
	assert_int_equal(req.rec.detail_case, DETAIL(ESCALATION));
	assert_ptr_equal(req.rec.escalation, &req.escalation);
	assert_int_equal(req.escalation.level,
	    CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_SENIOR_SERVICE);
	assert_string_equal(req.escalation.reason, "");
	action_json_free(&req);
	parse_ok("{\"action\": \"escalate\", \"level\": \"emergency\", "
	    "\"reason\": \"过期药品\"}", &req);
	assert_int_equal(req.escalation.level,
	    CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_EMERGENCY);
	assert_string_equal(req.escalation.reason, "过期药品");
	action_json_free(&req);
	parse_ok("{\"action\": \"escalate\", \"level\": \"management\"}",
	    &req);
	assert_int_equal(req.escalation.level,
	    CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_MANAGEMENT);
	action_json_free(&req);

	parse_err("{\"action\": \"escalate\", \"level\": \"ceo\"}",
	    "invalid_field", "level");
	parse_err("{\"action\": \"escalate\", \"reason\": 5}",
	    "invalid_field", "reason");
}

static void
test_closure(void **state)
{
	static const struct {
		const char	*name;
		int		 value;
	} reasons[] = {
		{ "resolved", CDP__V1__CLOSE_REASON__CLOSE_REASON_RESOLVED },
		{ "withdrawn", CDP__V1__CLOSE_REASON__CLOSE_REASON_WITHDRAWN },
		{ "out_of_scope",
		    CDP__V1__CLOSE_REASON__CLOSE_REASON_OUT_OF_SCOPE },
		{ "no_response",
		    CDP__V1__CLOSE_REASON__CLOSE_REASON_NO_RESPONSE },
		{ "duplicate", CDP__V1__CLOSE_REASON__CLOSE_REASON_DUPLICATE },
		{ "rejected", CDP__V1__CLOSE_REASON__CLOSE_REASON_REJECTED },
	};
	struct action_req	req;
	char			body[128];
	size_t			i;

	for (i = 0; i < nitems(reasons); i++) {
		snprintf(body, sizeof(body), "{\"action\": \"close\", "
		    "\"reason\": \"%s\"}", reasons[i].name);
		parse_ok(body, &req);
		assert_int_equal(req.rec.detail_case, DETAIL(CLOSURE));
		assert_ptr_equal(req.rec.closure, &req.closure);
		assert_int_equal(req.closure.reason, reasons[i].value);
		action_json_free(&req);
	}
	parse_err("{\"action\": \"close\"}", "missing_field", "reason");
	parse_err("{\"action\": \"close\", \"reason\": \"bored\"}",
	    "invalid_field", "reason");
}

/* The ActionRecorded packs inside a ComplaintEvent and back. */
static void
test_record_packs(void **state)
{
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__ComplaintEvent	*out;
	struct action_req	 req;
	uint8_t			*buf;
	size_t			 len;

	parse_ok("{\"action\": \"decide\", \"outcome\": \"partial_refund\", "
	    "\"amount\": 12.34, \"responsible_party\": \"merchant\", "
	    "\"comment\": \"依据\", \"evidence\": [\"https://a.example/1\"]}",
	    &req);
	ev.complaint_id = "C1";
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_ACTION_RECORDED;
	ev.action_recorded = &req.rec;
	len = cdp__v1__complaint_event__get_packed_size(&ev);
	buf = malloc(len);
	cdp__v1__complaint_event__pack(&ev, buf);
	out = cdp__v1__complaint_event__unpack(NULL, len, buf);
	assert_non_null(out);
	assert_int_equal(out->action_recorded->action, A(DECIDED));
	assert_int_equal(out->action_recorded->detail_case, DETAIL(RESOLUTION));
	assert_int_equal(out->action_recorded->resolution->amount_fen, 1234);
	assert_string_equal(out->action_recorded->actor->actor_id, "agent-li");
	assert_string_equal(out->action_recorded->comment, "依据");
	assert_int_equal(out->action_recorded->n_evidence_urls, 1);
	cdp__v1__complaint_event__free_unpacked(out, NULL);
	free(buf);
	action_json_free(&req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_action),
		cmocka_unit_test(test_actor_by_key),
		cmocka_unit_test(test_body_errors),
		cmocka_unit_test(test_unknown_and_foreign_fields),
		cmocka_unit_test(test_comment_and_evidence),
		cmocka_unit_test(test_actions_that_need_text),
		cmocka_unit_test(test_merchant_response),
		cmocka_unit_test(test_proposal),
		cmocka_unit_test(test_decision),
		cmocka_unit_test(test_execution),
		cmocka_unit_test(test_return_shipment),
		cmocka_unit_test(test_inspection_and_qc),
		cmocka_unit_test(test_rating),
		cmocka_unit_test(test_escalation),
		cmocka_unit_test(test_closure),
		cmocka_unit_test(test_record_packs),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
