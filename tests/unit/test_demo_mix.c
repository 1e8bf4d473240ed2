/*
 * Unit tests of tools/demo/mix.c: the demo's day is the same for the same
 * seed and another for another seed; over many complaints the categories
 * come in the proportions (product ~45%, logistics ~30%, service
 * ~25% with payment and advertising), every channel and every special
 * appears, both languages do, bad merchants answer worse than good ones,
 * and the answer delays fall inside or outside the clock as named.
 */
/* cdp-test-sources: tools/demo/mix.c */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../tools/demo/mix.h"

#define DRAWS	20000

struct tally {
	unsigned	channel[MIX_CHANNELS];
	unsigned	category[MIX_CATEGORIES];
	unsigned	special[MIX_SPECIALS];
	unsigned	merchant[MIX_RESPONSES];
	unsigned	chinese;
};

static void
tally_day(uint64_t seed, bool bad, struct tally *t)
{
	struct mix_rng r;
	struct mix_complaint c;
	int i;

	*t = (struct tally){ 0 };
	mix_seed(&r, seed);
	for (i = 0; i < DRAWS; i++) {
		mix_complaint(&r, bad, &c);
		t->channel[c.channel]++;
		t->category[c.category]++;
		t->special[c.special]++;
		t->merchant[c.merchant]++;
		t->chinese += c.chinese;
	}
}

/* Share in per cent, within tolerance points of the wanted one. */
static void
assert_share(unsigned n, int want, int tolerance)
{
	int pct = (int)(n * 100 / DRAWS);

	assert_in_range(pct, want - tolerance, want + tolerance);
}

static void
test_same_seed_same_day(void **state)
{
	struct mix_rng a, b, c;
	int i, differ = 0;

	(void)state;
	mix_seed(&a, 42);
	mix_seed(&b, 42);
	mix_seed(&c, 43);
	for (i = 0; i < 100; i++) {
		uint64_t x = mix_next(&a);

		assert_int_equal(x, mix_next(&b));
		differ += x != mix_next(&c);
	}
	assert_true(differ > 90);
}

static void
test_category_proportions(void **state)
{
	struct tally t;

	(void)state;
	tally_day(7, false, &t);
	assert_share(t.category[MIX_PRODUCT], 45, 2);
	assert_share(t.category[MIX_LOGISTICS], 30, 2);
	assert_share(t.category[MIX_SERVICE] + t.category[MIX_PAYMENT] +
	    t.category[MIX_ADVERTISING], 25, 2);
	assert_true(t.category[MIX_PAYMENT] > 0);
	assert_true(t.category[MIX_ADVERTISING] > 0);
}

static void
test_every_channel_and_special(void **state)
{
	struct tally t;
	int i;

	(void)state;
	tally_day(11, false, &t);
	for (i = 0; i < MIX_CHANNELS; i++)
		assert_true(t.channel[i] > 0);
	for (i = 0; i < MIX_SPECIALS; i++)
		assert_true(t.special[i] > 0);
	assert_share(t.channel[MIX_APP], 42, 2);
	assert_share(t.chinese, 66, 2);
}

static void
test_bad_merchants_answer_worse(void **state)
{
	struct tally good, bad;

	(void)state;
	tally_day(3, false, &good);
	tally_day(3, true, &bad);
	assert_true(bad.merchant[MIX_NEVER] > 3 * good.merchant[MIX_NEVER]);
	assert_true(good.merchant[MIX_ON_TIME] > 3 * bad.merchant[MIX_ON_TIME]);
	assert_true(bad.merchant[MIX_NOT_CARRIED_OUT] > 0);
}

static void
test_weighted_skips_zero_weights(void **state)
{
	static const unsigned w[] = { 0, 5, 0, 5 };
	struct mix_rng r;
	int i;

	(void)state;
	mix_seed(&r, 1);
	for (i = 0; i < 1000; i++) {
		unsigned k = mix_weighted(&r, w, 4);

		assert_true(k == 1 || k == 3);
	}
	assert_int_equal(mix_weighted(&r, (const unsigned[]){ 0, 0 }, 2), 0);
}

static void
test_response_delays(void **state)
{
	(void)state;
	assert_true(mix_response_delay_s(MIX_ON_TIME, 30) < 30);
	assert_true(mix_response_delay_s(MIX_LATE, 30) > 30);
	assert_int_equal(mix_response_delay_s(MIX_NEVER, 30), 0);
	assert_int_equal(mix_response_delay_s(MIX_ON_TIME, 1), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_day),
		cmocka_unit_test(test_category_proportions),
		cmocka_unit_test(test_every_channel_and_special),
		cmocka_unit_test(test_bad_merchants_answer_worse),
		cmocka_unit_test(test_weighted_skips_zero_weights),
		cmocka_unit_test(test_response_delays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
