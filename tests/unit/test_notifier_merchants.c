/*
 * Unit tests of services/notifier/merchants.c: the merchants file through
 * the config layer, with defaults, the URL policy and errors that never
 * quote a secret; and notice.c's body, which carries what the README promises.
 */
/* cdp-test-sources: services/notifier/merchants.c services/notifier/urlpolicy.c services/notifier/notice.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "notifier/notifier.h"

static struct merchant_set *
load(const char *text, bool allow, char *err, size_t errsz)
{
	char			*copy = strdup(text);
	struct merchant_set	*ms;

	ms = merchants_load_text("m.conf", copy, strlen(copy), allow, err,
	    errsz);
	free(copy);
	return ms;
}

static void
test_entries_and_defaults(void **state)
{
	char			 err[256];
	struct merchant_set	*ms;
	const struct merchant	*m;

	ms = load("[merchant M1001]\nurl = https://h.example.com/a\n"
	    "secret = 0123456789abcdef\nlanguage = en\nrate = 3\n"
	    "concurrency = 4\n[merchant M1002]\nurl = http://127.0.0.1:9/\n"
	    "secret = fedcba9876543210\n", true, err, sizeof(err));
	if (ms == NULL)
		fail_msg("%s", err);
	assert_int_equal(merchants_count(ms), 2);
	m = merchants_find(ms, "M1001");
	assert_non_null(m);
	assert_string_equal(m->url, "https://h.example.com/a");
	assert_string_equal(m->lang, "en");
	assert_int_equal(m->rate, 3);
	assert_int_equal(m->concurrency, 4);
	m = merchants_find(ms, "M1002");
	assert_string_equal(m->lang, "zh");
	assert_int_equal(m->rate, 5);
	assert_int_equal(m->concurrency, 2);
	assert_null(merchants_find(ms, "M9"));
	merchants_free(ms);
}

static void
expect_error(const char *text, bool allow, const char *want)
{
	char	err[256];

	assert_null(load(text, allow, err, sizeof(err)));
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	assert_null(strstr(err, "tooshort"));
}

static void
test_errors(void **state)
{
	expect_error("[merchant M1]\nurl = http://127.0.0.1/\n"
	    "secret = 0123456789abcdef\n", false,
	    "m.conf:2: [merchant M1] url: plain http is not allowed");
	expect_error("[merchant M1]\nurl = https://h/\nsecret = tooshort\n",
	    false, "m.conf:3: [merchant M1] secret: at least 16");
	expect_error("[merchant M1]\nurl = https://h/\n", false, "secret");
	expect_error("[merchant M1]\nurl = https://h/\nsecret = 0123456789abcdef"
	    "\nlanguage = fr\n", false, "language: zh or en");
	expect_error("[merchant M/1]\n", false, "m.conf:1:");
	expect_error("[merchant M1]\nurl = https://h/\nsecret = 0123456789abcdef"
	    "\nrate = 0\n", false, "rate");
}

static void
test_body_of_a_merchant_notification(void **state)
{
	struct notice	 j;
	char		*body;
	json_t		*o;

	notice_init(&j);
	snprintf(j.id, sizeof(j.id), "n-1");
	snprintf(j.complaint_id, sizeof(j.complaint_id), "C1");
	snprintf(j.event, sizeof(j.event), "sla_clock_started");
	j.kind = CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_MERCHANT;
	j.deadline_ms = INT64_C(1764835200000);
	j.text = strdup("请在截止前答复");
	body = notice_body(&j);
	o = json_loads(body, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o,
	    "notification_id")), "n-1");
	assert_string_equal(json_string_value(json_object_get(o, "deadline")),
	    "2025-12-04T08:00:00Z");
	assert_string_equal(json_string_value(json_object_get(o, "text")),
	    "请在截止前答复");
	assert_null(json_object_get(o, "to"));
	json_decref(o);
	free(body);
	notice_clear(&j);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_entries_and_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_body_of_a_merchant_notification),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
