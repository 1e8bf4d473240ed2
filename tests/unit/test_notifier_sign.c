/*
 * Unit tests of services/notifier/sign.c: the webhook signature is the hex
 * HMAC-SHA256 of "<timestamp>.<body>" (checked against Python's hmac
 * module), and changes with the secret, the timestamp or the body; the
 * README's worked example, body and signature, is what the code makes;
 * and the merchants' verifier, sign_verify(), accepts a good delivery once
 * and refuses a tampered body, a wrong secret, a stale or future
 * timestamp, a replay and malformed headers.
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

#define SECRET	"whsec-M1001-dev-secret"
#define NOW	INT64_C(1764835200)

/* Signs BODY at now + skew seconds; ts and sig are filled. */
static void
signed_at(int64_t skew, char ts[24], char sig[SIGN_HEX_LEN + 1])
{
	snprintf(ts, 24, "%lld", (long long)(NOW + skew));
	assert_int_equal(sign_body(SECRET, ts, BODY, strlen(BODY), sig), 0);
}

static void
test_verify_good_delivery(void **state)
{
	char	ts[24], sig[SIGN_HEX_LEN + 1];

	signed_at(0, ts, sig);
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY), NOW,
	    NULL), SIGN_OK);
	/* The edges of the window are inside it. */
	signed_at(-SIGN_WINDOW_S, ts, sig);
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY), NOW,
	    NULL), SIGN_OK);
	signed_at(SIGN_WINDOW_S, ts, sig);
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY), NOW,
	    NULL), SIGN_OK);
}

static void
test_verify_tampered(void **state)
{
	const char	*other = "{\"notification_id\":\"n2\"}";
	char		 ts[24], sig[SIGN_HEX_LEN + 1];

	signed_at(0, ts, sig);
	assert_int_equal(sign_verify(SECRET, ts, sig, other, strlen(other),
	    NOW, NULL), SIGN_MISMATCH);
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY) - 1,
	    NOW, NULL), SIGN_MISMATCH);
	assert_int_equal(sign_verify("whsec-M1002-dev-secret", ts, sig, BODY,
	    strlen(BODY), NOW, NULL), SIGN_MISMATCH);
	/* Moving the timestamp breaks the signature too. */
	snprintf(ts, sizeof(ts), "%lld", (long long)NOW + 1);
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY), NOW,
	    NULL), SIGN_MISMATCH);
	signed_at(0, ts, sig);
	sig[10] = sig[10] == 'a' ? 'b' : 'a';
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY), NOW,
	    NULL), SIGN_MISMATCH);
}

static void
test_verify_stale_and_future(void **state)
{
	char	ts[24], sig[SIGN_HEX_LEN + 1];

	signed_at(-SIGN_WINDOW_S - 1, ts, sig);
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY), NOW,
	    NULL), SIGN_STALE);
	signed_at(-86400, ts, sig);
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY), NOW,
	    NULL), SIGN_STALE);
	signed_at(SIGN_WINDOW_S + 1, ts, sig);
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY), NOW,
	    NULL), SIGN_FUTURE);
	assert_string_equal(sign_verdict_name(SIGN_FUTURE), "future");
}

static void
test_verify_replay(void **state)
{
	struct sign_seen	*seen = calloc(1, sizeof(*seen));
	char			 ts[24], sig[SIGN_HEX_LEN + 1];
	char			 ts2[24], sig2[SIGN_HEX_LEN + 1];
	int			 i;

	signed_at(0, ts, sig);
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY), NOW,
	    seen), SIGN_OK);
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY),
	    NOW + 10, seen), SIGN_REPLAYED);
	/* A retry of the same body is signed at a new second: accepted. */
	signed_at(2, ts2, sig2);
	assert_int_equal(sign_verify(SECRET, ts2, sig2, BODY, strlen(BODY),
	    NOW + 2, seen), SIGN_OK);
	/* A forgery is refused before it can take a place in the memory. */
	for (i = 0; i < SIGN_SEEN_MAX; i++)
		assert_int_equal(sign_verify(SECRET, ts, "00000000000000000000"
		    "00000000000000000000000000000000000000000000", BODY,
		    strlen(BODY), NOW, seen), SIGN_MISMATCH);
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY), NOW,
	    seen), SIGN_REPLAYED);
	free(seen);
}

static void
test_verify_malformed(void **state)
{
	char	ts[24], sig[SIGN_HEX_LEN + 1];

	signed_at(0, ts, sig);
	assert_int_equal(sign_verify(SECRET, NULL, sig, BODY, strlen(BODY),
	    NOW, NULL), SIGN_MALFORMED);
	assert_int_equal(sign_verify(SECRET, ts, NULL, BODY, strlen(BODY),
	    NOW, NULL), SIGN_MALFORMED);
	assert_int_equal(sign_verify(SECRET, "", sig, BODY, strlen(BODY),
	    NOW, NULL), SIGN_MALFORMED);
	assert_int_equal(sign_verify(SECRET, "-1764835200", sig, BODY,
	    strlen(BODY), NOW, NULL), SIGN_MALFORMED);
	assert_int_equal(sign_verify(SECRET, "1764835200 ", sig, BODY,
	    strlen(BODY), NOW, NULL), SIGN_MALFORMED);
	sig[SIGN_HEX_LEN - 1] = '\0';
	assert_int_equal(sign_verify(SECRET, ts, sig, BODY, strlen(BODY), NOW,
	    NULL), SIGN_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_known_vector),
		cmocka_unit_test(test_every_input_counts),
		cmocka_unit_test(test_readme_worked_example),
		cmocka_unit_test(test_verify_good_delivery),
		cmocka_unit_test(test_verify_tampered),
		cmocka_unit_test(test_verify_stale_and_future),
		cmocka_unit_test(test_verify_replay),
		cmocka_unit_test(test_verify_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
