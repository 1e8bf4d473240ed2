/*
 * Unit tests of services/notifier/urlpolicy.c: https anywhere; plain http
 * only to loopback and only when allowed; no credentials, no blanks.
 */
/* cdp-test-sources: services/notifier/urlpolicy.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "notifier/notifier.h"

static int
check(const char *url, bool allow)
{
	char	err[160];

	return urlpolicy_check(url, allow, err, sizeof(err));
}

static void
test_https_anywhere(void **state)
{
	assert_int_equal(check("https://hooks.example.com/cdp", false), 0);
	assert_int_equal(check("HTTPS://hooks.example.com:8443/x?a=1", false),
	    0);
	assert_int_equal(check("https://[2001:db8::1]/hook", false), 0);
}

static void
test_http_only_loopback_when_allowed(void **state)
{
	assert_int_equal(check("http://127.0.0.1:8099/hook", false), -1);
	assert_int_equal(check("http://127.0.0.1:8099/hook", true), 0);
	assert_int_equal(check("http://localhost/hook", true), 0);
	assert_int_equal(check("http://[::1]:80/", true), 0);
	assert_int_equal(check("http://hooks.example.com/", true), -1);
	assert_int_equal(check("http://127.0.0.1.evil.com/", true), -1);
	assert_int_equal(check("http://127.0.0.2/", true), -1);
}

static void
test_refused_shapes(void **state)
{
	assert_int_equal(check("ftp://example.com/", true), -1);
	assert_int_equal(check("https://", false), -1);
	assert_int_equal(check("https://:443/", false), -1);
	assert_int_equal(check("https://user:pw@example.com/", false), -1);
	assert_int_equal(check("http://x@127.0.0.1/", true), -1);
	assert_int_equal(check("https://example.com/a b", false), -1);
	assert_int_equal(check("example.com/hook", false), -1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_https_anywhere),
		cmocka_unit_test(test_http_only_loopback_when_allowed),
		cmocka_unit_test(test_refused_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
