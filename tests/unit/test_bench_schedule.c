/*
 * Unit tests for bench/schedule.c: loadgen's open-loop schedule (issue
 * 15). A request must never be sent before it is due, or its latency,
 * counted from the due time, comes out negative (the quick bench once
 * reported intake's 202 p50 at -2.6 ms: at a low rate each request went
 * out up to one interval early).
 */
/* cdp-test-sources: bench/schedule.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../bench/schedule.h"

#define MS	1000000LL

/* Request n is due n / rate after the start, request 0 at the start. */
static void
test_due_times(void **state)
{
	(void)state;
	assert_true(schedule_due_ns(5 * MS, 10, 0) == 5 * MS);
	assert_true(schedule_due_ns(5 * MS, 10, 1) == 105 * MS);
	assert_true(schedule_due_ns(0, 25, 50) == 2000 * MS);
}

/*
 * At 10 a second, the second request is due 100 ms after the start: not
 * one nanosecond before (the old schedule sent it at once, 100 ms early).
 */
static void
test_none_early_at_low_rate(void **state)
{
	(void)state;
	assert_true(schedule_due_count(0, 10, -1, 100) == 0);
	assert_true(schedule_due_count(0, 10, 0, 100) == 1);
	assert_true(schedule_due_count(0, 10, 1 * MS, 100) == 1);
	assert_true(schedule_due_count(0, 10, 100 * MS - 1, 100) == 1);
	assert_true(schedule_due_count(0, 10, 100 * MS, 100) == 2);
	assert_true(schedule_due_count(0, 10, 250 * MS, 100) == 3);
}

/* Never more than the run's requests, however late the tick. */
static void
test_capped_at_target(void **state)
{
	(void)state;
	assert_true(schedule_due_count(0, 10, 60000 * MS, 100) == 100);
	assert_true(schedule_due_count(0, 10, 60000 * MS, 0) == 0);
}

/*
 * Over many ticks and awkward rates, every request counted as due is due
 * by then, and every one due is counted: a latency measured from the due
 * time is never negative, and none is left behind.
 */
static void
test_never_early_never_late(void **state)
{
	const double	rates[] = { 1, 3, 7, 12.5, 37, 333.3, 1000, 4000 };
	const int64_t	start = 123456789;
	size_t		r, n;
	int64_t		now;

	(void)state;
	for (r = 0; r < sizeof(rates) / sizeof(rates[0]); r++)
		for (now = start; now < start + 3000 * MS; now += 997 * 1000) {
			n = schedule_due_count(start, rates[r], now, 1000000);
			assert_true(n >= 1);
			assert_true(schedule_due_ns(start, rates[r], n - 1) <=
			    now);
			assert_true(schedule_due_ns(start, rates[r], n) > now);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_times),
		cmocka_unit_test(test_none_early_at_low_rate),
		cmocka_unit_test(test_capped_at_target),
		cmocka_unit_test(test_never_early_never_late),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
