/*
 * Unit tests for services/intake/complaint_json.c: what a POST
 * /v1/complaints body becomes, every error class with the field it names,
 * the boundaries, and what the order snapshot fills in.
 */
/* cdp-test-sources: services/intake/complaint_json.c */
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

#define MINIMAL	"\"order_id\": \"O1\", \"user\": {\"id\": \"U1\"}, " \
		"\"problem_type\": \"product.quality\", \"demand\": \"refund\""

/* Parses body with key and expects success. */
static void
parse_ok(const char *body, const struct api_key *key,
    struct complaint_req *req)
{
	struct api_error	err = { 0 };
	int			rc;

	rc = complaint_json_parse(body, strlen(body), key, req, &err);
	if (rc != 0)
		fail_msg("%s: %s %s: %s", body, err.error, err.field,
		    err.reason);
	assert_non_null(req->root);
}

/* Parses body with key and expects error on field, with a 400. */
static void
parse_err(const char *body, const struct api_key *key, const char *error,
    const char *field)
{
	struct complaint_req	req;
	struct api_error	err = { 0 };

	if (complaint_json_parse(body, strlen(body), key, &req, &err) == 0)
		fail_msg("accepted: %s", body);
	assert_null(req.root);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.error, error);
	assert_string_equal(err.field, field);
	assert_true(err.reason[0] != '\0');
}

/* A body of MINIMAL plus one more member, "key": value. */
static char *
with(const char *member)
{
	char	*body;

	if (asprintf(&body, "{" MINIMAL ", %s}", member) == -1)
		abort();
	return (body);
}

static void
parse_ok_with(const char *member, struct complaint_req *req)
{
	char	*body = with(member);

	parse_ok(body, &app_key, req);
	free(body);
}

static void
parse_err_with(const char *member, const char *error, const char *field)
{
	char	*body = with(member);

	parse_err(body, &app_key, error, field);
	free(body);
}

/* n copies of s, joined. */
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

static void
test_minimal_channel_body(void **state)
{
	struct complaint_req	req;
	struct api_error	err = { 0 };
	const char		*body = "{" MINIMAL "}";

	parse_ok(body, &app_key, &req);
	assert_int_equal(req.filed.channel, CDP__V1__CHANNEL__CHANNEL_APP);
	assert_string_equal(req.filed.order->order_id, "O1");
	assert_string_equal(req.filed.complainant->user_id, "U1");
	assert_string_equal(req.filed.problem_type, "product.quality");
	assert_string_equal(req.filed.description, "");
	assert_int_equal(req.filed.demand, CDP__V1__DEMAND__DEMAND_REFUND);
	assert_int_equal(req.filed.filed_by->role,
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_CUSTOMER);
	assert_string_equal(req.filed.filed_by->actor_id, "U1");
	assert_string_equal(req.filed.filed_by->api_key_id, "dev-app");
	assert_false(req.has_amount);
	assert_int_equal(req.filed.order->amount_fen, 0);
	assert_int_equal(req.filed.n_evidence_urls, 0);
	assert_int_equal(req.filed.n_auto_filled_fields, 0);
	/* Nothing the caller sets is set here. */
	assert_string_equal(req.filed.idempotency_key, "");
	assert_int_equal(req.filed.first_contact_due_ms, 0);
	/* Without an order, the merchant is missing. */
	assert_int_equal(complaint_json_check_complete(&req, &err), -1);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.error, "missing_field");
	assert_string_equal(err.field, "merchant_id");
	assert_string_equal(err.reason, "required when the order is unknown");
	complaint_json_free(&req);
	assert_null(req.root);
}

static void
test_full_body(void **state)
{
	struct complaint_req	 req;
	struct api_error	 err = { 0 };
	const char		*body = "{\"channel\": \"hotline\", "
	    "\"channel_ref\": \"call-20261125-0042\", "
	    "\"order_id\": \"O-9.1:x\", "
	    "\"sku\": \"SKU-B\", \"merchant_id\": \"M1\", "
	    "\"user\": {\"id\": \"U1\", \"name\": \"张三\", "
	    "\"phone\": \"+86 138-1234-5678\", \"email\": \"zs@example.com\", "
	    "\"member_tier\": \"gold\"}, \"problem_type\": \"logistics.lost\", "
	    "\"description\": \"快递显示已签收但我没收到\", "
	    "\"demand\": \"reship\", "
	    "\"amount\": 899.00, \"demand_amount\": 20, "
	    "\"evidence\": [\"https://img.example.com/a.jpg\", "
	    "\"http://img.example.com/b.png?x=1\", "
	    "\"HTTPS://v.example.com/c\"]}";

	parse_ok(body, &agent_key, &req);
	assert_int_equal(req.filed.channel, CDP__V1__CHANNEL__CHANNEL_HOTLINE);
	assert_string_equal(req.filed.channel_ref, "call-20261125-0042");
	assert_string_equal(req.order.order_id, "O-9.1:x");
	assert_string_equal(req.order.sku, "SKU-B");
	assert_string_equal(req.respondent.merchant_id, "M1");
	assert_string_equal(req.complainant.name, "张三");
	assert_string_equal(req.complainant.phone, "+86 138-1234-5678");
	assert_string_equal(req.complainant.email, "zs@example.com");
	assert_int_equal(req.complainant.member_tier,
	    CDP__V1__MEMBER_TIER__MEMBER_TIER_GOLD);
	assert_string_equal(req.filed.problem_type, "logistics.lost");
	assert_string_equal(req.filed.description, "快递显示已签收但我没收到");
	assert_int_equal(req.filed.demand, CDP__V1__DEMAND__DEMAND_RESHIP);
	assert_true(req.has_amount);
	assert_int_equal(req.order.amount_fen, 89900);
	assert_int_equal(req.filed.demand_amount_fen, 2000);
	assert_int_equal(req.filed.n_evidence_urls, 3);
	assert_string_equal(req.filed.evidence_urls[0],
	    "https://img.example.com/a.jpg");
	assert_string_equal(req.filed.evidence_urls[2],
	    "HTTPS://v.example.com/c");
	assert_int_equal(req.filed.filed_by->role,
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT);
	assert_string_equal(req.filed.filed_by->actor_id, "agent-li");
	assert_string_equal(req.filed.filed_by->api_key_id, "agent-li");
	assert_int_equal(complaint_json_check_complete(&req, &err), 0);
	complaint_json_free(&req);
}

static void
test_admin_files_as_agent(void **state)
{
	struct complaint_req	req;

	parse_ok("{\"channel\": \"email\", " MINIMAL "}", &admin_key, &req);
	assert_int_equal(req.filed.channel, CDP__V1__CHANNEL__CHANNEL_EMAIL);
	assert_int_equal(req.filed_by.role,
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT);
	assert_string_equal(req.filed_by.actor_id, "admin-wang");
	assert_string_equal(req.filed_by.api_key_id, "admin-wang");
	complaint_json_free(&req);
}

static void
test_channel_rules(void **state)
{
	struct complaint_req	req;

	/* A channel key may name its own channel. */
	parse_ok_with("\"channel\": \"app\"", &req);
	assert_int_equal(req.filed.channel, CDP__V1__CHANNEL__CHANNEL_APP);
	complaint_json_free(&req);
	/* But never another one. */
	parse_err_with("\"channel\": \"web\"", "invalid_field", "channel");
	/* Agents and admins must name it. */
	parse_err("{" MINIMAL "}", &agent_key, "missing_field", "channel");
	parse_err("{" MINIMAL "}", &admin_key, "missing_field", "channel");
	/* Unknown channels, and the platform's own, are not accepted. */
	parse_err("{\"channel\": \"fax\", " MINIMAL "}", &agent_key,
	    "invalid_field", "channel");
	parse_err("{\"channel\": \"system\", " MINIMAL "}", &agent_key,
	    "invalid_field", "channel");
}

static void
test_merchant_key_forbidden(void **state)
{
	struct complaint_req	 req;
	struct api_error	 err = { 0 };
	const char		*body = "{" MINIMAL "}";

	assert_int_equal(complaint_json_parse(body, strlen(body),
	    &merchant_key, &req, &err), -1);
	assert_int_equal(err.status, 403);
	assert_string_equal(err.error, "forbidden");
	assert_null(req.root);
}

static void
test_malformed_json(void **state)
{
	struct complaint_req	 req;
	struct api_error	 err = { 0 };
	const char		*bad = "{\"order_id\": \"O1\",\n \"demand\": }";
	const char		*utf8 = "{\"description\": \"ab\xff\"}";

	assert_int_equal(complaint_json_parse(bad, strlen(bad), &app_key,
	    &req, &err), -1);
	assert_string_equal(err.error, "invalid_json");
	assert_string_equal(err.field, "");
	assert_non_null(strstr(err.reason, "line 2, column 12"));
	assert_non_null(strstr(err.reason, "(byte 31)"));

	assert_int_equal(complaint_json_parse(utf8, strlen(utf8), &app_key,
	    &req, &err), -1);
	assert_string_equal(err.error, "invalid_json");
	assert_int_equal(strncmp(err.reason, "invalid UTF-8: ", 15), 0);
	assert_non_null(strstr(err.reason, "(byte"));

	parse_err("", &app_key, "invalid_json", "");
	parse_err("[1, 2]", &app_key, "invalid_json", "");
	parse_err("\"text\"", &app_key, "invalid_json", "");
	parse_err("{" MINIMAL "} trailing", &app_key, "invalid_json", "");
	parse_err("{" MINIMAL ", \"demand\": \"return\"}", &app_key,
	    "invalid_json", "");
	/* A NUL inside a string is not accepted. */
	parse_err_with("\"description\": \"a\\u0000b\"", "invalid_json", "");
	/* The length is the body's, not up to a NUL byte. */
	assert_int_equal(complaint_json_parse("{}xyz", 2, &app_key, &req,
	    &err), -1);
	assert_string_equal(err.error, "missing_field");
}

static void
test_unknown_fields(void **state)
{
	parse_err_with("\"orderid\": \"O2\"", "invalid_field", "orderid");
	parse_err_with("\"merchant\": \"M1\"", "invalid_field", "merchant");
	parse_err("{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\", "
	    "\"nick\": \"x\"}, \"description\": \"x\", \"demand\": \"refund\"}",
	    &app_key, "invalid_field", "user.nick");
	/* A null member is the same as leaving it out, even an unknown one. */
	{
		struct complaint_req	req;

		parse_ok_with("\"merchant_id\": null, \"typo\": null", &req);
		assert_string_equal(req.respondent.merchant_id, "");
		complaint_json_free(&req);
	}
}

static void
test_missing_fields(void **state)
{
	parse_err("{\"user\": {\"id\": \"U1\"}, \"description\": \"x\", "
	    "\"demand\": \"refund\"}", &app_key, "missing_field", "order_id");
	parse_err("{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\"}, "
	    "\"description\": \"x\"}", &app_key, "missing_field", "demand");
	parse_err("{\"order_id\": \"O1\", \"description\": \"x\", "
	    "\"demand\": \"refund\"}", &app_key, "missing_field", "user");
	parse_err("{\"order_id\": \"O1\", \"user\": {\"name\": \"x\"}, "
	    "\"description\": \"x\", \"demand\": \"refund\"}", &app_key,
	    "missing_field", "user.id");
	parse_err("{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\"}, "
	    "\"demand\": \"refund\"}", &app_key, "missing_field",
	    "problem_type");
	/* An empty description does not count as one. */
	parse_err("{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\"}, "
	    "\"description\": \"\", \"demand\": \"refund\"}", &app_key,
	    "missing_field", "problem_type");
	parse_err("{\"order_id\": null, \"user\": {\"id\": \"U1\"}, "
	    "\"description\": \"x\", \"demand\": \"refund\"}", &app_key,
	    "missing_field", "order_id");
}

static void
test_description_alone_suffices(void **state)
{
	struct complaint_req	req;

	parse_ok("{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\"}, "
	    "\"description\": \"坏了\", \"demand\": \"repair\"}", &app_key,
	    &req);
	assert_string_equal(req.filed.problem_type, "");
	assert_string_equal(req.filed.description, "坏了");
	assert_int_equal(req.filed.demand, CDP__V1__DEMAND__DEMAND_REPAIR);
	complaint_json_free(&req);
}

static void
test_wrong_types(void **state)
{
	parse_err("{\"order_id\": 123, \"user\": {\"id\": \"U1\"}, "
	    "\"description\": \"x\", \"demand\": \"refund\"}", &app_key,
	    "invalid_field", "order_id");
	parse_err("{\"order_id\": \"O1\", \"user\": \"U1\", "
	    "\"description\": \"x\", \"demand\": \"refund\"}", &app_key,
	    "invalid_field", "user");
	parse_err("{\"order_id\": \"O1\", \"user\": {\"id\": 7}, "
	    "\"description\": \"x\", \"demand\": \"refund\"}", &app_key,
	    "invalid_field", "user.id");
	parse_err("{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\"}, "
	    "\"description\": [\"x\"], \"demand\": \"refund\"}", &app_key,
	    "invalid_field", "description");
	parse_err("{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\"}, "
	    "\"description\": \"x\", \"demand\": 1}", &app_key,
	    "invalid_field", "demand");
	parse_err_with("\"amount\": \"899\"", "invalid_field", "amount");
	parse_err_with("\"amount\": true", "invalid_field", "amount");
	parse_err_with("\"evidence\": \"https://a.example/x\"",
	    "invalid_field", "evidence");
	parse_err_with("\"evidence\": [1]", "invalid_field", "evidence[0]");
	parse_err_with("\"channel_ref\": 5", "invalid_field", "channel_ref");
	parse_err_with("\"user_extra\": {}", "invalid_field", "user_extra");
}

static void
test_unknown_enum_values(void **state)
{
	struct complaint_req	 req;
	struct api_error	 err = { 0 };
	const char		*body = "{\"order_id\": \"O1\", "
	    "\"user\": {\"id\": \"U1\"}, \"description\": \"x\", "
	    "\"demand\": \"refunds\"}";

	assert_int_equal(complaint_json_parse(body, strlen(body), &app_key,
	    &req, &err), -1);
	assert_string_equal(err.field, "demand");
	assert_string_equal(err.reason, "must be one of: refund, return, "
	    "exchange, repair, compensation, explanation, apology, reship");
	parse_err("{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\", "
	    "\"member_tier\": \"bronze\"}, \"description\": \"x\", "
	    "\"demand\": \"refund\"}", &app_key, "invalid_field",
	    "user.member_tier");
	parse_err("{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\"}, "
	    "\"description\": \"x\", \"demand\": \"REFUND\"}", &app_key,
	    "invalid_field", "demand");
}

static void
test_every_demand_and_tier(void **state)
{
	static const struct {
		const char	*name;
		int		 value;
	} demands[] = {
		{ "refund", CDP__V1__DEMAND__DEMAND_REFUND },
		{ "return", CDP__V1__DEMAND__DEMAND_RETURN },
		{ "exchange", CDP__V1__DEMAND__DEMAND_EXCHANGE },
		{ "repair", CDP__V1__DEMAND__DEMAND_REPAIR },
		{ "reship", CDP__V1__DEMAND__DEMAND_RESHIP },
		{ "compensation", CDP__V1__DEMAND__DEMAND_COMPENSATION },
		{ "explanation", CDP__V1__DEMAND__DEMAND_EXPLANATION },
		{ "apology", CDP__V1__DEMAND__DEMAND_APOLOGY },
	}, tiers[] = {
		{ "regular", CDP__V1__MEMBER_TIER__MEMBER_TIER_REGULAR },
		{ "silver", CDP__V1__MEMBER_TIER__MEMBER_TIER_SILVER },
		{ "gold", CDP__V1__MEMBER_TIER__MEMBER_TIER_GOLD },
		{ "platinum", CDP__V1__MEMBER_TIER__MEMBER_TIER_PLATINUM },
		{ "diamond", CDP__V1__MEMBER_TIER__MEMBER_TIER_DIAMOND },
	};
	struct complaint_req	req;
	char			body[256];
	size_t			i;

	for (i = 0; i < nitems(demands); i++) {
		snprintf(body, sizeof(body), "{\"order_id\": \"O1\", "
		    "\"user\": {\"id\": \"U1\"}, \"description\": \"x\", "
		    "\"demand\": \"%s\"}", demands[i].name);
		parse_ok(body, &app_key, &req);
		assert_int_equal(req.filed.demand, demands[i].value);
		complaint_json_free(&req);
	}
	for (i = 0; i < nitems(tiers); i++) {
		snprintf(body, sizeof(body), "{\"order_id\": \"O1\", "
		    "\"user\": {\"id\": \"U1\", \"member_tier\": \"%s\"}, "
		    "\"description\": \"x\", \"demand\": \"refund\"}",
		    tiers[i].name);
		parse_ok(body, &app_key, &req);
		assert_int_equal(req.complainant.member_tier, tiers[i].value);
		complaint_json_free(&req);
	}
}

static void
test_description_length_in_characters(void **state)
{
	struct complaint_req	 req;
	char			*text, *member;

	/* 4000 three-byte characters (12000 bytes) are within the limit. */
	text = repeat("诉", 4000);
	if (asprintf(&member, "\"description\": \"%s\"", text) == -1)
		abort();
	parse_ok_with(member, &req);
	assert_int_equal(strlen(req.filed.description), 12000);
	complaint_json_free(&req);
	free(member);
	free(text);

	text = repeat("诉", 4001);
	if (asprintf(&member, "\"description\": \"%s\"", text) == -1)
		abort();
	parse_err_with(member, "invalid_field", "description");
	free(member);
	free(text);

	/* Four-byte characters (emoji) count once too. */
	text = repeat("😀", 4000);
	if (asprintf(&member, "\"description\": \"%s\"", text) == -1)
		abort();
	parse_ok_with(member, &req);
	complaint_json_free(&req);
	free(member);
	free(text);
}

static void
test_short_text_limits(void **state)
{
	struct complaint_req	 req;
	char			*text, *body;

	text = repeat("名", 64);
	if (asprintf(&body, "{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\", "
	    "\"name\": \"%s\"}, \"description\": \"x\", \"demand\": "
	    "\"refund\"}", text) == -1)
		abort();
	parse_ok(body, &app_key, &req);
	complaint_json_free(&req);
	free(body);
	free(text);
	text = repeat("名", 65);
	if (asprintf(&body, "{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\", "
	    "\"name\": \"%s\"}, \"description\": \"x\", \"demand\": "
	    "\"refund\"}", text) == -1)
		abort();
	parse_err(body, &app_key, "invalid_field", "user.name");
	free(body);
	free(text);

	text = repeat("r", 128);
	if (asprintf(&body, "\"channel_ref\": \"%s\"", text) == -1)
		abort();
	parse_ok_with(body, &req);
	complaint_json_free(&req);
	free(body);
	free(text);
	text = repeat("r", 129);
	if (asprintf(&body, "\"channel_ref\": \"%s\"", text) == -1)
		abort();
	parse_err_with(body, "invalid_field", "channel_ref");
	free(body);
	free(text);
}

static void
test_contact_details(void **state)
{
	static const char *const good[] = {
		"\"phone\": \"13812345678\"",
		"\"phone\": \"+86 (10) 1234-5678\"",
		"\"email\": \"a.b+c@example.com.cn\"",
	};
	static const char *const bad_phone[] = {
		"\"phone\": \"call me\"", "\"phone\": \"12\"",
		"\"phone\": \"123456789012345678901234567890123\"",
	};
	static const char *const bad_email[] = {
		"\"email\": \"nobody\"", "\"email\": \"@example.com\"",
		"\"email\": \"a@\"", "\"email\": \"a b@example.com\"",
		"\"email\": \"a@b@c\"",
	};
	struct complaint_req	 req;
	char			 body[256];
	size_t			 i;

#define USER_BODY	"{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\", " \
			"%s}, " \
			"\"description\": \"x\", \"demand\": \"refund\"}"
	for (i = 0; i < nitems(good); i++) {
		snprintf(body, sizeof(body), USER_BODY, good[i]);
		parse_ok(body, &app_key, &req);
		complaint_json_free(&req);
	}
	for (i = 0; i < nitems(bad_phone); i++) {
		snprintf(body, sizeof(body), USER_BODY, bad_phone[i]);
		parse_err(body, &app_key, "invalid_field", "user.phone");
	}
	for (i = 0; i < nitems(bad_email); i++) {
		snprintf(body, sizeof(body), USER_BODY, bad_email[i]);
		parse_err(body, &app_key, "invalid_field", "user.email");
	}
#undef USER_BODY
}

static void
test_evidence_limits(void **state)
{
	struct complaint_req	 req;
	char			*url, *member;

	parse_ok_with("\"evidence\": []", &req);
	assert_int_equal(req.filed.n_evidence_urls, 0);
	complaint_json_free(&req);
	parse_ok_with("\"evidence\": [\"https://a.example/1\", "
	    "\"https://a.example/2\", \"https://a.example/3\"]", &req);
	assert_int_equal(req.filed.n_evidence_urls, 3);
	assert_string_equal(req.filed.evidence_urls[1], "https://a.example/2");
	complaint_json_free(&req);
	parse_err_with("\"evidence\": [\"https://a.example/1\", "
	    "\"https://a.example/2\", \"https://a.example/3\", "
	    "\"https://a.example/4\"]", "invalid_field", "evidence");
	parse_err_with("\"evidence\": [\"ftp://a.example/1\"]",
	    "invalid_field", "evidence[0]");
	parse_err_with("\"evidence\": [\"https://a.example/1\", "
	    "\"https:///path\"]", "invalid_field", "evidence[1]");
	parse_err_with("\"evidence\": [\"https://a.example/1\", "
	    "\"https://a.example/2\", \"https://a.example/a b\"]",
	    "invalid_field", "evidence[2]");
	parse_err_with("\"evidence\": [\"javascript:alert(1)\"]",
	    "invalid_field", "evidence[0]");
	parse_err_with("\"evidence\": [\"https://a.example/图片.jpg\"]",
	    "invalid_field", "evidence[0]");
	parse_err_with("\"evidence\": [\"https://\"]", "invalid_field",
	    "evidence[0]");

	/* 2048 bytes are the most a URL may have. */
	url = repeat("a", 2048 - strlen("https://x.example/"));
	if (asprintf(&member, "\"evidence\": [\"https://x.example/%s\"]",
	    url) == -1)
		abort();
	parse_ok_with(member, &req);
	assert_int_equal(strlen(req.filed.evidence_urls[0]), 2048);
	complaint_json_free(&req);
	free(member);
	if (asprintf(&member, "\"evidence\": [\"https://x.example/%sa\"]",
	    url) == -1)
		abort();
	parse_err_with(member, "invalid_field", "evidence[0]");
	free(member);
	free(url);
}

static void
test_id_limits(void **state)
{
	struct complaint_req	 req;
	char			*id, *body;

	id = repeat("a", 64);
	if (asprintf(&body, "{\"order_id\": \"%s\", \"merchant_id\": \"%s\", "
	    "\"sku\": \"%s\", \"user\": {\"id\": \"%s\"}, \"problem_type\": "
	    "\"%s\", \"demand\": \"refund\"}", id, id, id, id, id) == -1)
		abort();
	parse_ok(body, &app_key, &req);
	assert_int_equal(strlen(req.order.order_id), 64);
	complaint_json_free(&req);
	free(body);
	free(id);

	id = repeat("a", 65);
	if (asprintf(&body, "\"merchant_id\": \"%s\"", id) == -1)
		abort();
	parse_err_with(body, "invalid_field", "merchant_id");
	free(body);
	if (asprintf(&body, "\"sku\": \"%s\"", id) == -1)
		abort();
	parse_err_with(body, "invalid_field", "sku");
	free(body);
	if (asprintf(&body, "{\"order_id\": \"%s\", \"user\": {\"id\": "
	    "\"U1\"}, \"description\": \"x\", \"demand\": \"refund\"}",
	    id) == -1)
		abort();
	parse_err(body, &app_key, "invalid_field", "order_id");
	free(body);
	if (asprintf(&body, "{\"order_id\": \"O1\", \"user\": {\"id\": "
	    "\"%s\"}, \"description\": \"x\", \"demand\": \"refund\"}",
	    id) == -1)
		abort();
	parse_err(body, &app_key, "invalid_field", "user.id");
	free(body);
	free(id);

	parse_err_with("\"merchant_id\": \"\"", "invalid_field",
	    "merchant_id");
	parse_err_with("\"merchant_id\": \"M 1\"", "invalid_field",
	    "merchant_id");
	parse_err_with("\"merchant_id\": \"M/1\"", "invalid_field",
	    "merchant_id");
	parse_err_with("\"merchant_id\": \"商家\"", "invalid_field",
	    "merchant_id");
	parse_err("{\"order_id\": \"O1\", \"user\": {\"id\": \"U1\"}, "
	    "\"problem_type\": \"质量\", \"demand\": \"refund\"}", &app_key,
	    "invalid_field", "problem_type");
}

/* Parses an amount member and returns the fen. */
static int64_t
amount_fen(const char *number)
{
	struct complaint_req	 req;
	char			 member[128];
	int64_t			 fen;

	snprintf(member, sizeof(member), "\"amount\": %s", number);
	parse_ok_with(member, &req);
	assert_true(req.has_amount);
	fen = req.order.amount_fen;
	complaint_json_free(&req);
	return (fen);
}

static void
test_amounts(void **state)
{
	assert_int_equal(amount_fen("0.01"), 1);
	assert_int_equal(amount_fen("0"), 0);
	assert_int_equal(amount_fen("0.0"), 0);
	assert_int_equal(amount_fen("899"), 89900);
	assert_int_equal(amount_fen("899.00"), 89900);
	assert_int_equal(amount_fen("0.29"), 29);
	assert_int_equal(amount_fen("19.99"), 1999);
	assert_int_equal(amount_fen("1e2"), 10000);
	assert_int_equal(amount_fen("100000000"), 10000000000LL);
	assert_int_equal(amount_fen("99999999.99"), 9999999999LL);

	parse_err_with("\"amount\": 0.001", "invalid_field", "amount");
	parse_err_with("\"amount\": 1.005", "invalid_field", "amount");
	parse_err_with("\"amount\": -0.01", "invalid_field", "amount");
	parse_err_with("\"amount\": -1", "invalid_field", "amount");
	parse_err_with("\"amount\": 100000000.01", "invalid_field", "amount");
	parse_err_with("\"amount\": 100000001", "invalid_field", "amount");
	parse_err_with("\"amount\": 1e300", "invalid_field", "amount");
	parse_err_with("\"demand_amount\": 0.001", "invalid_field",
	    "demand_amount");
}

static void
test_demand_amount(void **state)
{
	struct complaint_req	req;

	parse_ok_with("\"demand_amount\": 50.5", &req);
	assert_int_equal(req.filed.demand_amount_fen, 5050);
	/* It is not the line amount. */
	assert_false(req.has_amount);
	assert_int_equal(req.order.amount_fen, 0);
	complaint_json_free(&req);
}

/* An order snapshot with two lines; strings on the heap, freed by caller. */
struct test_order {
	Cdp__V1__Order		 order;
	Cdp__V1__SkuLine	 line[2];
	Cdp__V1__SkuLine	*lines[2];
};

static void
order_init(struct test_order *t)
{
	Cdp__V1__Order		o = CDP__V1__ORDER__INIT;
	Cdp__V1__SkuLine	l = CDP__V1__SKU_LINE__INIT;

	t->order = o;
	t->line[0] = l;
	t->line[1] = l;
	t->order.merchant_id = strdup("M1");
	t->order.shop_id = strdup("S1");
	t->order.shop_name = strdup("小米旗舰店");
	t->order.buyer_id = strdup("U1");
	t->order.member_tier = CDP__V1__MEMBER_TIER__MEMBER_TIER_GOLD;
	t->order.total_fen = 99800;
	t->order.ordered_at_ms = 1764000000000LL;
	t->order.after_sales_until_ms = 1765000000000LL;
	t->order.delivery_address = strdup("北京市海淀区1号");
	t->line[0].sku = strdup("SKU-A");
	t->line[0].title = strdup("电水壶");
	t->line[0].quantity = 2;
	t->line[0].unit_price_fen = 44950;
	t->line[1].sku = strdup("SKU-B");
	t->line[1].title = strdup("滤芯");
	t->line[1].quantity = 1;
	t->line[1].unit_price_fen = 8900;
	t->lines[0] = &t->line[0];
	t->lines[1] = &t->line[1];
	t->order.lines = t->lines;
	t->order.n_lines = 2;
}

/* Frees the snapshot's strings: the request must not borrow any. */
static void
order_free(struct test_order *t)
{
	size_t	i;

	free(t->order.merchant_id);
	free(t->order.shop_id);
	free(t->order.shop_name);
	free(t->order.buyer_id);
	free(t->order.delivery_address);
	for (i = 0; i < 2; i++) {
		free(t->line[i].sku);
		free(t->line[i].title);
	}
	memset(t, 0, sizeof(*t));
}

static bool
was_filled(const struct complaint_req *req, const char *path)
{
	size_t	i;

	for (i = 0; i < req->filed.n_auto_filled_fields; i++)
		if (strcmp(req->filed.auto_filled_fields[i], path) == 0)
			return (true);
	return (false);
}

static void
test_fill_from_order(void **state)
{
	static const char *const paths[] = {
		"respondent.merchant_id", "respondent.shop_id",
		"respondent.shop_name", "complainant.member_tier",
		"order.ordered_at_ms", "order.sku", "order.product_title",
		"order.quantity", "order.amount_fen", "order.order_total_fen",
		"order.delivery_address", "order.after_sales_until_ms",
	};
	struct complaint_req	req;
	struct api_error	err = { 0 };
	struct test_order	t;
	size_t			i;

	parse_ok("{" MINIMAL "}", &app_key, &req);
	order_init(&t);
	complaint_json_fill_from_order(&req, &t.order);
	order_free(&t);

	assert_string_equal(req.respondent.merchant_id, "M1");
	assert_string_equal(req.respondent.shop_id, "S1");
	assert_string_equal(req.respondent.shop_name, "小米旗舰店");
	assert_int_equal(req.complainant.member_tier,
	    CDP__V1__MEMBER_TIER__MEMBER_TIER_GOLD);
	assert_int_equal(req.order.ordered_at_ms, 1764000000000LL);
	assert_string_equal(req.order.sku, "SKU-A");
	assert_string_equal(req.order.product_title, "电水壶");
	assert_int_equal(req.order.quantity, 2);
	assert_int_equal(req.order.amount_fen, 89900);
	assert_int_equal(req.order.order_total_fen, 99800);
	assert_string_equal(req.order.delivery_address, "北京市海淀区1号");
	assert_int_equal(req.order.after_sales_until_ms, 1765000000000LL);
	assert_false(req.has_amount);

	assert_int_equal(req.filed.n_auto_filled_fields,
	    nitems(paths));
	for (i = 0; i < nitems(paths); i++)
		assert_string_equal(req.filed.auto_filled_fields[i], paths[i]);
	assert_int_equal(complaint_json_check_complete(&req, &err), 0);
	complaint_json_free(&req);
}

static void
test_fill_keeps_request_values(void **state)
{
	struct complaint_req	req;
	struct test_order	t;

	parse_ok("{\"order_id\": \"O1\", \"merchant_id\": \"M2\", "
	    "\"sku\": \"SKU-B\", \"user\": {\"id\": \"U1\", \"member_tier\": "
	    "\"silver\"}, \"description\": \"x\", \"demand\": \"refund\", "
	    "\"amount\": 10}", &app_key, &req);
	order_init(&t);
	complaint_json_fill_from_order(&req, &t.order);
	order_free(&t);

	/* The complaint's own merchant stays; another's shop is not added. */
	assert_string_equal(req.respondent.merchant_id, "M2");
	assert_string_equal(req.respondent.shop_id, "");
	assert_false(was_filled(&req, "respondent.merchant_id"));
	assert_false(was_filled(&req, "respondent.shop_id"));
	assert_int_equal(req.complainant.member_tier,
	    CDP__V1__MEMBER_TIER__MEMBER_TIER_SILVER);
	assert_false(was_filled(&req, "complainant.member_tier"));
	/* The named SKU picks the second line; the given amount stays. */
	assert_string_equal(req.order.sku, "SKU-B");
	assert_false(was_filled(&req, "order.sku"));
	assert_string_equal(req.order.product_title, "滤芯");
	assert_int_equal(req.order.quantity, 1);
	assert_int_equal(req.order.amount_fen, 1000);
	assert_false(was_filled(&req, "order.amount_fen"));
	assert_true(was_filled(&req, "order.product_title"));
	assert_true(was_filled(&req, "order.order_total_fen"));
	assert_int_equal(req.filed.n_auto_filled_fields, 6);
	complaint_json_free(&req);
}

static void
test_fill_same_merchant_adds_shop(void **state)
{
	struct complaint_req	req;
	struct test_order	t;

	parse_ok_with("\"merchant_id\": \"M1\", \"amount\": 0", &req);
	order_init(&t);
	complaint_json_fill_from_order(&req, &t.order);
	order_free(&t);
	assert_false(was_filled(&req, "respondent.merchant_id"));
	assert_string_equal(req.respondent.shop_id, "S1");
	assert_true(was_filled(&req, "respondent.shop_id"));
	/* An amount of 0 was given, so it stays. */
	assert_int_equal(req.order.amount_fen, 0);
	assert_false(was_filled(&req, "order.amount_fen"));
	complaint_json_free(&req);
}

static void
test_fill_unknown_sku_and_other_buyer(void **state)
{
	struct complaint_req	req;
	struct test_order	t;

	/* An agent may file about any buyer's order. */
	parse_ok("{\"order_id\": \"O1\", \"sku\": \"SKU-Z\", \"user\": "
	    "{\"id\": \"U9\"}, \"description\": \"x\", \"demand\": "
	    "\"refund\", \"channel\": \"hotline\"}", &agent_key, &req);
	order_init(&t);
	complaint_json_fill_from_order(&req, &t.order);
	order_free(&t);
	/* A SKU not in the order fills nothing of another line. */
	assert_string_equal(req.order.sku, "SKU-Z");
	assert_string_equal(req.order.product_title, "");
	assert_int_equal(req.order.quantity, 0);
	assert_int_equal(req.order.amount_fen, 0);
	/* The buyer's tier is not the complainant's when they differ. */
	assert_int_equal(req.complainant.member_tier,
	    CDP__V1__MEMBER_TIER__MEMBER_TIER_UNSPECIFIED);
	assert_false(was_filled(&req, "complainant.member_tier"));
	/* The order-wide facts are still filled. */
	assert_string_equal(req.respondent.merchant_id, "M1");
	assert_int_equal(req.order.order_total_fen, 99800);
	complaint_json_free(&req);
}

/*
 * Through a customer's channel, another buyer's order gives only its
 * merchant and shop: nothing of the buyer or of what was bought.
 */
static void
test_fill_other_buyers_order_on_a_channel(void **state)
{
	struct complaint_req	req;
	struct test_order	t;

	parse_ok("{\"order_id\": \"O1\", \"user\": {\"id\": \"U9\"}, "
	    "\"description\": \"x\", \"demand\": \"refund\"}", &app_key,
	    &req);
	order_init(&t);
	complaint_json_fill_from_order(&req, &t.order);
	order_free(&t);
	assert_string_equal(req.respondent.merchant_id, "M1");
	assert_string_equal(req.respondent.shop_id, "S1");
	assert_string_equal(req.order.delivery_address, "");
	assert_string_equal(req.order.sku, "");
	assert_int_equal(req.order.amount_fen, 0);
	assert_int_equal(req.order.order_total_fen, 0);
	assert_int_equal(req.order.ordered_at_ms, 0);
	assert_int_equal(req.order.after_sales_until_ms, 0);
	assert_int_equal(req.complainant.member_tier,
	    CDP__V1__MEMBER_TIER__MEMBER_TIER_UNSPECIFIED);
	assert_int_equal(req.filed.n_auto_filled_fields, 3);
	complaint_json_free(&req);
}

/* A merchant in the body that is not the order's is 422 order_mismatch. */
static void
test_check_order_merchant(void **state)
{
	struct complaint_req	req;
	struct api_error	err = { 0 };
	struct test_order	t;

	order_init(&t);
	parse_ok("{" MINIMAL ", \"merchant_id\": \"M2\"}", &app_key, &req);
	assert_int_equal(complaint_json_check_order(&req, &t.order, &err), -1);
	assert_int_equal(err.status, 422);
	assert_string_equal(err.error, "order_mismatch");
	assert_string_equal(err.field, "merchant_id");
	complaint_json_free(&req);
	parse_ok("{" MINIMAL ", \"merchant_id\": \"M1\"}", &app_key, &req);
	assert_int_equal(complaint_json_check_order(&req, &t.order, &err), 0);
	complaint_json_free(&req);
	parse_ok("{" MINIMAL "}", &app_key, &req);
	assert_int_equal(complaint_json_check_order(&req, &t.order, &err), 0);
	assert_int_equal(complaint_json_check_order(&req, NULL, &err), 0);
	complaint_json_free(&req);
	order_free(&t);
}

static void
test_fill_empty_order_and_twice(void **state)
{
	Cdp__V1__Order		empty = CDP__V1__ORDER__INIT;
	struct complaint_req	req;
	struct api_error	err = { 0 };
	struct test_order	t;
	size_t			n;

	parse_ok("{" MINIMAL "}", &app_key, &req);
	complaint_json_fill_from_order(&req, &empty);
	complaint_json_fill_from_order(&req, NULL);
	assert_int_equal(req.filed.n_auto_filled_fields, 0);
	assert_int_equal(complaint_json_check_complete(&req, &err), -1);
	assert_string_equal(err.field, "merchant_id");

	order_init(&t);
	complaint_json_fill_from_order(&req, &t.order);
	n = req.filed.n_auto_filled_fields;
	complaint_json_fill_from_order(&req, &t.order);
	order_free(&t);
	assert_int_equal(req.filed.n_auto_filled_fields, n);
	assert_string_equal(req.respondent.merchant_id, "M1");
	complaint_json_free(&req);
}

/* The Filed message packs and unpacks unchanged: every pointer is set. */
static void
test_filed_packs(void **state)
{
	struct complaint_req	 req;
	struct test_order	 t;
	Cdp__V1__Filed		*out;
	uint8_t			*buf;
	size_t			 len;

	parse_ok("{" MINIMAL ", \"evidence\": [\"https://a.example/1\"]}",
	    &app_key, &req);
	order_init(&t);
	complaint_json_fill_from_order(&req, &t.order);
	order_free(&t);
	len = cdp__v1__filed__get_packed_size(&req.filed);
	buf = malloc(len);
	cdp__v1__filed__pack(&req.filed, buf);
	out = cdp__v1__filed__unpack(NULL, len, buf);
	assert_non_null(out);
	assert_string_equal(out->order->order_id, "O1");
	assert_string_equal(out->respondent->shop_name, "小米旗舰店");
	assert_int_equal(out->n_evidence_urls, 1);
	assert_int_equal(out->n_auto_filled_fields, 12);
	assert_string_equal(out->filed_by->api_key_id, "dev-app");
	cdp__v1__filed__free_unpacked(out, NULL);
	free(buf);
	complaint_json_free(&req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_channel_body),
		cmocka_unit_test(test_full_body),
		cmocka_unit_test(test_admin_files_as_agent),
		cmocka_unit_test(test_channel_rules),
		cmocka_unit_test(test_merchant_key_forbidden),
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_description_alone_suffices),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_unknown_enum_values),
		cmocka_unit_test(test_every_demand_and_tier),
		cmocka_unit_test(test_description_length_in_characters),
		cmocka_unit_test(test_short_text_limits),
		cmocka_unit_test(test_contact_details),
		cmocka_unit_test(test_evidence_limits),
		cmocka_unit_test(test_id_limits),
		cmocka_unit_test(test_amounts),
		cmocka_unit_test(test_demand_amount),
		cmocka_unit_test(test_fill_from_order),
		cmocka_unit_test(test_fill_keeps_request_values),
		cmocka_unit_test(test_fill_same_merchant_adds_shop),
		cmocka_unit_test(test_fill_unknown_sku_and_other_buyer),
		cmocka_unit_test(test_fill_other_buyers_order_on_a_channel),
		cmocka_unit_test(test_check_order_merchant),
		cmocka_unit_test(test_fill_empty_order_and_twice),
		cmocka_unit_test(test_filed_packs),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
