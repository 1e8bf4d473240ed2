/*
 * Unit tests of common/utf8.c: well-formed text passes unchanged; each
 * ill-formed part (a stray continuation byte, a truncated character, an
 * overlong form, a surrogate, a code point above U+10FFFF, bytes that are
 * never UTF-8) becomes one U+FFFD with the text around it kept; the
 * result is always something jansson accepts; and a copy cut to fit ends
 * on a character boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "utf8.h"

#define R	UTF8_REPLACEMENT

static void
expect(const char *in, const char *want)
{
	char	*out = utf8_sanitize(in);
	json_t	*j;

	assert_string_equal(out, want);
	assert_true(utf8_valid(out, strlen(out)));
	assert_non_null(j = json_string(out));
	json_decref(j);
	free(out);
}

static void
test_valid_text_unchanged(void **state)
{
	expect("", "");
	expect("plain ascii", "plain ascii");
	expect("商品与描述不符，请退款", "商品与描述不符，请退款");
	expect("\xf0\x9f\x98\x80 emoji", "\xf0\x9f\x98\x80 emoji");
	expect("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");	/* U+10FFFF */
	assert_true(utf8_valid("退款", strlen("退款")));
}

static void
test_invalid_parts_replaced(void **state)
{
	/* A stray continuation byte, and a lone lead byte. */
	expect("a\x80z", "a" R "z");
	expect("a\xe9z", "a" R "z");
	/* A character cut short: one replacement, the next byte kept. */
	expect("\xe5\x95" "A", R "A");
	expect("退\xe6\xac", "退" R);
	expect("\xf0\x9f\x98", R);
	/* Overlong forms, a surrogate, above U+10FFFF, never-UTF-8 bytes. */
	expect("\xc0\xaf", R R);
	expect("\xe0\x80\xaf", R R R);
	expect("\xed\xa0\x80", R R R);
	expect("\xf4\x90\x80\x80", R R R R);
	expect("\xfe\xff", R R);
	/* Latin-1 text: each byte that is not UTF-8 is one replacement. */
	expect("caf\xe9 cr\xe8me", "caf" R " cr" R "me");
	assert_false(utf8_valid("caf\xe9", 4));
}

static void
test_copy_cuts_between_characters(void **state)
{
	char	buf[8];

	utf8_copy(buf, sizeof(buf), "退款退款");	/* 12 bytes */
	assert_string_equal(buf, "退款");
	utf8_copy(buf, sizeof(buf), "ab\xff");
	assert_string_equal(buf, "ab" R);
	utf8_copy(buf, sizeof(buf), "abcdefghij");
	assert_string_equal(buf, "abcdefg");
	utf8_copy(buf, 1, "abc");
	assert_string_equal(buf, "");
	assert_int_equal(utf8_sequence((const unsigned char *)"退", 3), 3);
	assert_int_equal(utf8_sequence((const unsigned char *)"退", 2), 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_valid_text_unchanged),
		cmocka_unit_test(test_invalid_parts_replaced),
		cmocka_unit_test(test_copy_cuts_between_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
