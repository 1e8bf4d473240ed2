/*
 * Unit tests of services/notifier/limit.c: a merchant's token bucket and
 * its bound on deliveries in flight.
 */
/* cdp-test-sources: services/notifier/limit.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "notifier/notifier.h"

static void
test_concurrency_bound(void **state)
{
	struct limit	l;

	limit_init(&l);
	assert_true(limit_take(&l, 100, 2, 1000));
	assert_true(limit_take(&l, 100, 2, 1000));
	assert_false(limit_take(&l, 100, 2, 1000));
	limit_give(&l);
	assert_true(limit_take(&l, 100, 2, 1000));
}

static void
test_rate_refills_over_time(void **state)
{
	struct limit	l;

	limit_init(&l);
	assert_true(limit_take(&l, 2, 100, 1000));
	assert_true(limit_take(&l, 2, 100, 1000));
	assert_false(limit_take(&l, 2, 100, 1000));
	assert_true(limit_next_ms(&l, 2, 1000) > 1000);
	assert_true(limit_next_ms(&l, 2, 1000) <= 1501);
	assert_false(limit_take(&l, 2, 100, 1400));
	assert_true(limit_take(&l, 2, 100, 1501));
	/* A long pause refills only up to one second's worth. */
	assert_true(limit_take(&l, 2, 100, 60000));
	assert_true(limit_take(&l, 2, 100, 60000));
	assert_false(limit_take(&l, 2, 100, 60000));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_concurrency_bound),
		cmocka_unit_test(test_rate_refills_over_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
