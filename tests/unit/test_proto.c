/*
 * Round trips through the generated cdp.v1 code: what a producer packs, a
 * consumer unpacks unchanged; garbage unpacks to NULL; a body added after
 * the consumer was built unpacks as "not set" rather than failing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cdp/v1/complaint.pb-c.h"

/*
 * Packs ev into a fresh buffer and unpacks it again. The caller frees the
 * result with cdp__v1__complaint_event__free_unpacked().
 */
static Cdp__V1__ComplaintEvent *
round_trip(const Cdp__V1__ComplaintEvent *ev)
{
	Cdp__V1__ComplaintEvent	*out;
	uint8_t			*buf;
	size_t			 len;

	len = cdp__v1__complaint_event__get_packed_size(ev);
	assert_true(len > 0);
	buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(cdp__v1__complaint_event__pack(ev, buf), len);
	out = cdp__v1__complaint_event__unpack(NULL, len, buf);
	free(buf);
	assert_non_null(out);
	return out;
}

static void
test_filed_round_trip(void **state)
{
	Cdp__V1__EventMeta	 meta = CDP__V1__EVENT_META__INIT;
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Filed		 filed = CDP__V1__FILED__INIT;
	Cdp__V1__Complainant	 who = CDP__V1__COMPLAINANT__INIT;
	Cdp__V1__Respondent	 resp = CDP__V1__RESPONDENT__INIT;
	Cdp__V1__OrderRef	 order = CDP__V1__ORDER_REF__INIT;
	Cdp__V1__Actor		 by = CDP__V1__ACTOR__INIT;
	Cdp__V1__ComplaintEvent	*out;
	const Cdp__V1__Filed	*f;
	char			*urls[] = { "https://e.example/1.jpg",
				    "https://e.example/2.mp4" };
	char			*auto_filled[] = { "order.sku",
				    "complainant.member_tier" };

	(void)state;

	meta.event_id = "6f1c2a9e-3b7d-4c1e-9a2f-0d4e5b6c7a81";
	meta.occurred_at_ms = 1764028800123;
	meta.producer = "intake";
	meta.schema_version = 1;
	meta.trace_id = "6f1c2a9e-3b7d-4c1e-9a2f-0d4e5b6c7a81";

	who.user_id = "U42";
	who.name = "张三";
	who.phone = "13800138000";
	who.email = "zhang@example.com";
	who.member_tier = CDP__V1__MEMBER_TIER__MEMBER_TIER_GOLD;
	resp.merchant_id = "M7";
	resp.shop_id = "S7";
	resp.shop_name = "好物旗舰店";
	order.order_id = "O1001";
	order.ordered_at_ms = 1763900000000;
	order.sku = "SKU-9";
	order.amount_fen = 1299900;
	by.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_CUSTOMER;
	by.actor_id = "U42";
	by.api_key_id = "key-app";

	filed.channel = CDP__V1__CHANNEL__CHANNEL_APP;
	filed.complainant = &who;
	filed.respondent = &resp;
	filed.order = &order;
	filed.problem_type = "quality_not_as_described";
	filed.description = "收到的商品有裂痕";
	filed.demand = CDP__V1__DEMAND__DEMAND_RETURN;
	filed.n_evidence_urls = 2;
	filed.evidence_urls = urls;
	filed.filed_by = &by;
	filed.idempotency_key = "idem-1";
	filed.first_contact_due_ms = 1764029700123;
	filed.n_auto_filled_fields = 2;
	filed.auto_filled_fields = auto_filled;

	ev.meta = &meta;
	ev.complaint_id = "C20261125-0001";
	ev.merchant_id = "M7";
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_FILED;
	ev.filed = &filed;

	out = round_trip(&ev);
	assert_string_equal(out->meta->event_id, meta.event_id);
	assert_int_equal(out->meta->occurred_at_ms, 1764028800123);
	assert_string_equal(out->meta->producer, "intake");
	assert_int_equal(out->meta->schema_version, 1);
	assert_string_equal(out->meta->cause_id, "");
	assert_string_equal(out->complaint_id, "C20261125-0001");
	assert_string_equal(out->merchant_id, "M7");
	assert_int_equal(out->body_case, CDP__V1__COMPLAINT_EVENT__BODY_FILED);

	f = out->filed;
	assert_non_null(f);
	assert_int_equal(f->channel, CDP__V1__CHANNEL__CHANNEL_APP);
	assert_string_equal(f->complainant->name, "张三");
	assert_string_equal(f->complainant->phone, "13800138000");
	assert_int_equal(f->complainant->member_tier,
	    CDP__V1__MEMBER_TIER__MEMBER_TIER_GOLD);
	assert_string_equal(f->respondent->shop_name, "好物旗舰店");
	assert_string_equal(f->order->order_id, "O1001");
	assert_int_equal(f->order->amount_fen, 1299900);
	assert_int_equal(f->order->ordered_at_ms, 1763900000000);
	assert_string_equal(f->description, "收到的商品有裂痕");
	assert_int_equal(f->demand, CDP__V1__DEMAND__DEMAND_RETURN);
	assert_int_equal(f->n_evidence_urls, 2);
	assert_string_equal(f->evidence_urls[1], "https://e.example/2.mp4");
	assert_int_equal(f->filed_by->role,
	    CDP__V1__ACTOR_ROLE__ACTOR_ROLE_CUSTOMER);
	assert_string_equal(f->filed_by->api_key_id, "key-app");
	assert_string_equal(f->idempotency_key, "idem-1");
	assert_int_equal(f->first_contact_due_ms, 1764029700123);
	assert_int_equal(f->n_auto_filled_fields, 2);
	assert_string_equal(f->auto_filled_fields[0], "order.sku");
	/* Unset scalars read back as zero, the contract's "not set". */
	assert_int_equal(f->demand_amount_fen, 0);
	assert_int_equal(f->received_at_ms, 0);

	cdp__v1__complaint_event__free_unpacked(out, NULL);
}

static void
test_decision_round_trip(void **state)
{
	Cdp__V1__EventMeta	 meta = CDP__V1__EVENT_META__INIT;
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__ActionRecorded	 act = CDP__V1__ACTION_RECORDED__INIT;
	Cdp__V1__Actor		 actor = CDP__V1__ACTOR__INIT;
	Cdp__V1__Resolution	 res = CDP__V1__RESOLUTION__INIT;
	Cdp__V1__ComplaintEvent	*out;
	const Cdp__V1__ActionRecorded *a;

	(void)state;

	meta.event_id = "9e2b7c41-5d3a-8f60-b1c2-7a8d9e0f1a2b";
	meta.cause_id = "6f1c2a9e-3b7d-4c1e-9a2f-0d4e5b6c7a81";
	meta.occurred_at_ms = 1764100000000;
	meta.producer = "intake";
	meta.schema_version = 1;

	actor.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT;
	actor.actor_id = "agent-17";
	res.outcome = CDP__V1__OUTCOME__OUTCOME_PARTIAL_REFUND;
	res.amount_fen = 5000;
	res.rule_cited = "rule-3.2";
	res.responsible_party = CDP__V1__PARTY__PARTY_MERCHANT;
	res.shipping_cost_party = CDP__V1__PARTY__PARTY_MERCHANT;

	act.action = CDP__V1__ACTION__ACTION_DECIDED;
	act.actor = &actor;
	act.comment = "商家同意部分退款";
	act.resulting_status = CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_DECIDED;
	act.detail_case = CDP__V1__ACTION_RECORDED__DETAIL_RESOLUTION;
	act.resolution = &res;

	ev.meta = &meta;
	ev.complaint_id = "C20261125-0001";
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_ACTION_RECORDED;
	ev.action_recorded = &act;

	out = round_trip(&ev);
	assert_string_equal(out->meta->cause_id, meta.cause_id);
	assert_int_equal(out->body_case,
	    CDP__V1__COMPLAINT_EVENT__BODY_ACTION_RECORDED);
	a = out->action_recorded;
	assert_int_equal(a->action, CDP__V1__ACTION__ACTION_DECIDED);
	assert_int_equal(a->actor->role, CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT);
	assert_string_equal(a->actor->actor_id, "agent-17");
	assert_string_equal(a->comment, "商家同意部分退款");
	assert_int_equal(a->resulting_status,
	    CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_DECIDED);
	assert_int_equal(a->detail_case,
	    CDP__V1__ACTION_RECORDED__DETAIL_RESOLUTION);
	assert_int_equal(a->resolution->outcome,
	    CDP__V1__OUTCOME__OUTCOME_PARTIAL_REFUND);
	assert_int_equal(a->resolution->amount_fen, 5000);
	assert_string_equal(a->resolution->rule_cited, "rule-3.2");
	assert_int_equal(a->resolution->responsible_party,
	    CDP__V1__PARTY__PARTY_MERCHANT);
	assert_false(a->resolution->mediated);

	cdp__v1__complaint_event__free_unpacked(out, NULL);
}

static void
test_garbage_unpacks_to_null(void **state)
{
	/* A varint tag longer than ten bytes. */
	static const uint8_t	overlong[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
				    0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	/* complaint_id (field 2) announces 16 bytes but carries one. */
	static const uint8_t	truncated[] = { 0x12, 0x10, 'C' };
	/* filed (field 10) holding a wire-type-7 tag, which does not exist. */
	static const uint8_t	bad_inner[] = { 0x52, 0x01, 0x0f };

	(void)state;

	assert_null(cdp__v1__complaint_event__unpack(NULL, sizeof(overlong),
	    overlong));
	assert_null(cdp__v1__complaint_event__unpack(NULL, sizeof(truncated),
	    truncated));
	assert_null(cdp__v1__complaint_event__unpack(NULL, sizeof(bad_inner),
	    bad_inner));
}

/*
 * A body from a newer schema (a field number this build does not know) must
 * decode with the body "not set", so that dispatchers count and skip it.
 */
static void
test_unknown_body_is_not_set(void **state)
{
	/* complaint_id "C1", then field 99 as varint 1. */
	static const uint8_t	newer[] = { 0x12, 0x02, 'C', '1',
				    0x98, 0x06, 0x01 };
	Cdp__V1__ComplaintEvent	*out;

	(void)state;

	out = cdp__v1__complaint_event__unpack(NULL, sizeof(newer), newer);
	assert_non_null(out);
	assert_string_equal(out->complaint_id, "C1");
	assert_int_equal(out->body_case,
	    CDP__V1__COMPLAINT_EVENT__BODY__NOT_SET);
	assert_null(out->meta);
	cdp__v1__complaint_event__free_unpacked(out, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filed_round_trip),
		cmocka_unit_test(test_decision_round_trip),
		cmocka_unit_test(test_garbage_unpacks_to_null),
		cmocka_unit_test(test_unknown_body_is_not_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
