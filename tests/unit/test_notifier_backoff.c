/*
 * Unit tests of services/notifier/backoff.c: exponential from the base,
 * capped, half fixed and half drawn from the random source given.
 */
/* cdp-test-sources: services/notifier/backoff.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "notifier/notifier.h"

static uint32_t
zero(void *arg)
{
	return 0;
}

static uint32_t
huge(void *arg)
{
	return UINT32_MAX;
}

static uint32_t
fixed(void *arg)
{
	return *(uint32_t *)arg;
}

static void
test_doubles_from_base_to_cap(void **state)
{
	/* With no jitter drawn, the wait is the fixed half (rounded up). */
	assert_int_equal(backoff_delay(0, 1000, 60000, zero, NULL), 0);
	assert_int_equal(backoff_delay(1, 1000, 60000, zero, NULL), 500);
	assert_int_equal(backoff_delay(2, 1000, 60000, zero, NULL), 1000);
	assert_int_equal(backoff_delay(3, 1000, 60000, zero, NULL), 2000);
	assert_int_equal(backoff_delay(7, 1000, 60000, zero, NULL), 30000);
	assert_int_equal(backoff_delay(40, 1000, 60000, zero, NULL), 30000);
}

static void
test_jitter_stays_within_the_step(void **state)
{
	uint32_t	r;
	int64_t		d;

	for (r = 0; r < 5000; r += 37) {
		d = backoff_delay(3, 1000, 60000, fixed, &r);
		assert_true(d >= 2000 && d <= 4000);
	}
	r = 1000;
	assert_int_equal(backoff_delay(3, 1000, 60000, fixed, &r), 3000);
	d = backoff_delay(30, 1000, 60000, huge, NULL);
	assert_true(d >= 30000 && d <= 60000);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_doubles_from_base_to_cap),
		cmocka_unit_test(test_jitter_stays_within_the_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
