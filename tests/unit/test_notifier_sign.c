/*
 * Unit tests of services/notifier/sign.c: the webhook signature is the hex
 * HMAC-SHA256 of "<timestamp>.<body>" (checked against Python's hmac
 * module), and changes with the secret, the timestamp or the body.
 */
/* cdp-test-sources: services/notifier/sign.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_known_vector),
		cmocka_unit_test(test_every_input_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
