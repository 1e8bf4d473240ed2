/*
 * Unit tests of services/notifier/sign.c: the webhook signature is the hex
 * HMAC-SHA256 of "<timestamp>.<body>" (checked against Python's hmac
 * module), and changes with the secret, the timestamp or the body; and
 * the README's worked example, body and signature, is what the code makes.
 */
/* cdp-test-sources: services/notifier/sign.c services/notifier/notice.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "notifier/notifier.h"

#define BODY	"{\"notification_id\":\"n1\"}"

static void
test_known_vector(void **state)
{
	char	sig[SIGN_HEX_LEN + 1];

	/* python3: hmac.new(secret, b"1764835200." + body, sha256) */
	assert_int_equal(sign_body("whsec-M1001-dev-secret", "1764835200",
	    BODY, strlen(BODY), sig), 0);
	assert_string_equal(sig, "3ea64e63ddc098f9d50a8fe01efddb5c990a8a99a0e"
	    "75b743dd666379817a9d6");
}

static void
test_every_input_counts(void **state)
{
	char	a[SIGN_HEX_LEN + 1], b[SIGN_HEX_LEN + 1];

	assert_int_equal(sign_body("whsec-M1001-dev-secret", "1764835200",
	    BODY, strlen(BODY), a), 0);
	assert_int_equal(sign_body("whsec-M1001-dev-secreT", "1764835200",
	    BODY, strlen(BODY), b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(sign_body("whsec-M1001-dev-secret", "1764835201",
	    BODY, strlen(BODY), b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(sign_body("whsec-M1001-dev-secret", "1764835200",
	    BODY, strlen(BODY) - 1, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), SIGN_HEX_LEN);
}

/* README.md, "Verifying webhook signatures": the same bytes, the same hex. */
#define README_TEXT	"您有一条新投诉（工单 CA9NAVB7M3MGH），请于 2026-11-28 " \
			"15:49（北京时间）前提交说明与证据。"
#define README_BODY	"{\"complaint_id\":\"CA9NAVB7M3MGH\"," \
	"\"deadline\":\"2026-11-28T07:49:13Z\",\"deadline_ms\":1795852153000," \
	"\"event\":\"sla_clock_started\"," \
	"\"notification_id\":\"5b0c7a52-3f4e-8d21-a6b9-0c1d2e3f4a5b\"," \
	"\"recipient_id\":\"M1001\"," \
	"\"template\":\"merchant_evidence_request\",\"text\":\"" README_TEXT "\"}"

static void
test_readme_worked_example(void **state)
{
	struct notice	 j;
	char		*body, sig[SIGN_HEX_LEN + 1];

	notice_init(&j);
	snprintf(j.id, sizeof(j.id), "5b0c7a52-3f4e-8d21-a6b9-0c1d2e3f4a5b");
	snprintf(j.complaint_id, sizeof(j.complaint_id), "CA9NAVB7M3MGH");
	snprintf(j.recipient_id, sizeof(j.recipient_id), "M1001");
	snprintf(j.event, sizeof(j.event), "sla_clock_started");
	snprintf(j.template_name, sizeof(j.template_name),
	    "merchant_evidence_request");
	j.kind = CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_MERCHANT;
	j.deadline_ms = INT64_C(1795852153000);
	j.text = strdup(README_TEXT);
	body = notice_body(&j);
	assert_string_equal(body, README_BODY);
	assert_int_equal(sign_body("whsec-M1001-dev-secret", "1795592953",
	    body, strlen(body), sig), 0);
	assert_string_equal(sig, "da3e09ecd65f5bfe05e000978a7378b0425e47b0ed6"
	    "a95fca8b94a377f8292b0");
	free(body);
	notice_clear(&j);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_known_vector),
		cmocka_unit_test(test_every_input_counts),
		cmocka_unit_test(test_readme_worked_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
