/*
 * Unit tests for common/events.c: what the topics' decoders refuse before
 * a handler sees an event. An event with a string that is not UTF-8 once
 * made penalty crash-loop: its ledger could not be written as JSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"
#include "events.h"
#include "pb.h"

/* Why d refuses msg once packed and decoded again, or NULL. */
static const char *
refusal(const struct kafka_decoder *d, const ProtobufCMessage *msg)
{
	ProtobufCMessage	*back;
	const char		*why;
	uint8_t			*buf;
	size_t			 len;

	buf = pb_pack(msg, &len);
	back = protobuf_c_message_unpack(d->type, NULL, len, buf);
	assert_non_null(back);
	why = d->check("t", back);
	protobuf_c_message_free_unpacked(back, NULL);
	free(buf);
	return why;
}

static void
test_merchant_event_ids_must_be_utf8(void **state)
{
	Cdp__V1__MerchantEvent		ev = CDP__V1__MERCHANT_EVENT__INIT;
	Cdp__V1__EventMeta		meta = CDP__V1__EVENT_META__INIT;
	Cdp__V1__ViolationRecorded	v = CDP__V1__VIOLATION_RECORDED__INIT;

	ev.meta = &meta;
	ev.merchant_id = "M1";
	ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_VIOLATION_RECORDED;
	ev.violation_recorded = &v;
	v.violation = "merchant_response_overdue";
	meta.event_id = "E-商户-1";
	assert_null(refusal(&events_merchant, &ev.base));
	meta.event_id = "E\xe3" "1";		/* a cut three-byte sequence */
	assert_non_null(refusal(&events_merchant, &ev.base));
	meta.event_id = "E1";
	v.complaint_id = "C\xc0\xaf";		/* overlong '/' */
	assert_non_null(refusal(&events_merchant, &ev.base));
	v.complaint_id = "C\xed\xa0\x80";	/* a surrogate */
	assert_non_null(refusal(&events_merchant, &ev.base));
	v.complaint_id = "C1";
	assert_null(refusal(&events_merchant, &ev.base));
}

static void
test_complaint_event_nested_and_repeated_strings(void **state)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__EventMeta	meta = CDP__V1__EVENT_META__INIT;
	Cdp__V1__Filed		filed = CDP__V1__FILED__INIT;
	Cdp__V1__Complainant	who = CDP__V1__COMPLAINANT__INIT;
	char			*urls[] = { "https://e.example/1", "https://\xff" };

	ev.meta = &meta;
	meta.event_id = "E1";
	ev.complaint_id = "C1";
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_FILED;
	ev.filed = &filed;
	filed.complainant = &who;
	who.user_id = "用户1";
	assert_null(refusal(&events_complaint, &ev.base));
	who.user_id = "U\xf5\x80\x80\x80";	/* above U+10FFFF */
	assert_non_null(refusal(&events_complaint, &ev.base));
	who.user_id = "U1";
	filed.evidence_urls = urls;
	filed.n_evidence_urls = 1;
	assert_null(refusal(&events_complaint, &ev.base));
	filed.n_evidence_urls = 2;
	assert_non_null(refusal(&events_complaint, &ev.base));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merchant_event_ids_must_be_utf8),
		cmocka_unit_test(test_complaint_event_nested_and_repeated_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
