/* Unit tests for common/mask.c: what is masked and what must stay readable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "mask.h"

static void
expect_masked(const char *in, const char *want)
{
	char	out[256];

	mask_text(in, out, sizeof(out));
	assert_string_equal(out, want);
}

static void
test_mobile_numbers(void **state)
{
	expect_masked("call 13812345678 now", "call 138****5678 now");
	expect_masked("13812345678", "138****5678");
	expect_masked("tel:138 1234 5678.", "tel:138 **** 5678.");
	expect_masked("+86 138-1234-5678", "+86 138-****-5678");
	expect_masked("8613812345678", "86138****5678");
	expect_masked("电话13912345678谢谢", "电话139****5678谢谢");
}

static void
test_landline_and_international(void **state)
{
	expect_masked("office 010-12345678", "office 010-******78");
	expect_masked("abroad +4915112345678", "abroad +49*********78");
}

static void
test_emails(void **state)
{
	expect_masked("mail zhang.san@example.com please",
	    "mail z***@example.com please");
	expect_masked("<a@b.cn>", "<a***@b.cn>");
	expect_masked("x@localhost stays", "x@localhost stays");
}

static void
test_ids_amounts_and_times_stay(void **state)
{
	expect_masked("order O20261125001 of 89900 fen",
	    "order O20261125001 of 89900 fen");
	expect_masked("due 1764057600000 ms", "due 1764057600000 ms");
	expect_masked("complaint C-13812345678x", "complaint C-13812345678x");
	expect_masked("hotline 400-123-4567", "hotline 400-123-4567");
	expect_masked("12345678901", "12345678901");
}

/* The forms customers really type (issue 8, item 9). */
static void
test_common_phone_forms(void **state)
{
	expect_masked("电话１３８１２３４５６７８谢谢", "电话１３８****５６７８谢谢");
	expect_masked("tel13812345678", "tel138****5678");
	expect_masked("TEL:13812345678", "TEL:138****5678");
	expect_masked("mobile13812345678 ok", "mobile138****5678 ok");
	expect_masked("(138)1234-5678", "(138)****-5678");
	expect_masked("call (138) 1234 5678", "call (138) **** 5678");
	expect_masked("138.1234.5678", "138.****.5678");
	expect_masked("138 1234 5678", "138 **** 5678");
	expect_masked("138-1234-5678", "138-****-5678");
	expect_masked("(010)12345678", "(010)******78");
	expect_masked("＋86 13812345678", "＋86 138****5678");
}

/* Things that look a little like phone numbers but are not. */
static void
test_non_phones_stay(void **state)
{
	expect_masked("order O13812345678", "order O13812345678");
	expect_masked("SKU13812345678", "SKU13812345678");
	expect_masked("paid 1381.50 CNY", "paid 1381.50 CNY");
	expect_masked("on 2026.11.25 at 10.30", "on 2026.11.25 at 10.30");
	expect_masked("2026-11-25T08:00:00Z", "2026-11-25T08:00:00Z");
	expect_masked("amount 0.12345678901", "amount 0.12345678901");
	expect_masked("hotel13812345678", "hotel13812345678");
	expect_masked("ip 192.168.100.111", "ip 192.168.100.111");
	expect_masked("１２３４５", "１２３４５");
	expect_masked("(see 13)", "(see 13)");
}

static void
test_phone_followed_by_other_digits(void **state)
{
	expect_masked("13812345678 2 times", "138****5678 2 times");
}

static void
test_truncation_reports_full_length(void **state)
{
	char	out[8];
	size_t	n;

	n = mask_text("13812345678", out, sizeof(out));
	assert_int_equal(n, 11);
	assert_string_equal(out, "138****");
}

/*
 * A run of more digits than any phone has is no phone, whatever its
 * length; the run is read into a fixed buffer, which it must not overrun.
 */
static void
test_long_digit_runs_stay(void **state)
{
	expect_masked("123456789012345678901", "123456789012345678901");
	expect_masked("ref 1234567890123456789012345678901234567890 ok",
	    "ref 1234567890123456789012345678901234567890 ok");
	expect_masked("+1234567890123456789012345", "+1234567890123456789012345");
	expect_masked("１２３４５６７８９０１２３４５６７８９０１２",
	    "１２３４５６７８９０１２３４５６７８９０１２");
}

static void
test_single_values(void **state)
{
	char	out[64];

	mask_phone("13812345678", out, sizeof(out));
	assert_string_equal(out, "138****5678");
	mask_phone("12345", out, sizeof(out));
	assert_string_equal(out, "*****");
	mask_email("li.si@example.org", out, sizeof(out));
	assert_string_equal(out, "l***@example.org");
	mask_email("no-at-sign", out, sizeof(out));
	assert_string_equal(out, "***");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mobile_numbers),
		cmocka_unit_test(test_landline_and_international),
		cmocka_unit_test(test_emails),
		cmocka_unit_test(test_ids_amounts_and_times_stay),
		cmocka_unit_test(test_common_phone_forms),
		cmocka_unit_test(test_non_phones_stay),
		cmocka_unit_test(test_phone_followed_by_other_digits),
		cmocka_unit_test(test_truncation_reports_full_length),
		cmocka_unit_test(test_long_digit_runs_stay),
		cmocka_unit_test(test_single_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
