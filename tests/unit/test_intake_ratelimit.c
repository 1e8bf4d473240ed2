/*
 * Unit tests of services/intake/ratelimit.c: the token bucket, driven with
 * a clock the tests set.
 */
/* cdp-test-sources: services/intake/ratelimit.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "intake/intake.h"

#define T0	1700000000000LL	/* an arbitrary wall-clock time */

/* Takes n tokens at now_ms, each of which must be granted. */
static void
take_n(struct ratelimit *rl, int64_t now_ms, int n)
{
	int64_t	retry;
	int	i;

	for (i = 0; i < n; i++) {
		retry = -1;
		assert_true(ratelimit_take(rl, now_ms, &retry));
		assert_int_equal(retry, 0);
	}
}

/* Checks that a take at now_ms is refused with exactly this wait. */
static void
refused(struct ratelimit *rl, int64_t now_ms, int64_t want_retry)
{
	int64_t	retry = -1;

	assert_false(ratelimit_take(rl, now_ms, &retry));
	assert_int_equal(retry, want_retry);
}

static void
test_starts_full_then_refuses(void **state)
{
	struct ratelimit	rl;

	ratelimit_init(&rl, 10, 5, T0);
	take_n(&rl, T0, 5);
	refused(&rl, T0, 100);
	refused(&rl, T0, 100);	/* a refusal takes nothing */
	assert_true(rl.tokens >= 0);
}

static void
test_refills_over_time(void **state)
{
	struct ratelimit	rl;

	ratelimit_init(&rl, 10, 5, T0);
	take_n(&rl, T0, 5);
	refused(&rl, T0 + 99, 1);
	take_n(&rl, T0 + 100, 1);
	refused(&rl, T0 + 100, 100);
	take_n(&rl, T0 + 350, 2);	/* 2.5 tokens earned */
	refused(&rl, T0 + 350, 50);
	take_n(&rl, T0 + 400, 1);
}

static void
test_refill_stops_at_burst(void **state)
{
	struct ratelimit	rl;

	ratelimit_init(&rl, 10, 5, T0);
	take_n(&rl, T0, 5);
	take_n(&rl, T0 + 3600 * 1000, 5);	/* an hour idle: still 5 */
	refused(&rl, T0 + 3600 * 1000, 100);
	/* Even from the start of time to its end. */
	ratelimit_init(&rl, 1000, 3, INT64_MIN);
	take_n(&rl, INT64_MAX, 3);
	refused(&rl, INT64_MAX, 1);
}

static void
test_retry_after_is_exact(void **state)
{
	struct ratelimit	rl;

	/* 3/s: a token every 333.3 ms, so a wait of 334 ms, not 333. */
	ratelimit_init(&rl, 3, 1, T0);
	take_n(&rl, T0, 1);
	refused(&rl, T0, 334);
	refused(&rl, T0 + 1, 333);
	refused(&rl, T0 + 333, 1);
	take_n(&rl, T0 + 334, 1);

	/* Part of a token earned shortens the wait by as much. */
	ratelimit_init(&rl, 10, 1, T0);
	take_n(&rl, T0, 1);
	refused(&rl, T0 + 30, 70);
	refused(&rl, T0 + 99, 1);
	take_n(&rl, T0 + 100, 1);

	/* Faster than a token a millisecond: the wait is still at least 1. */
	ratelimit_init(&rl, 5000, 1, T0);
	take_n(&rl, T0, 1);
	refused(&rl, T0, 1);
	take_n(&rl, T0 + 1, 1);
}

static void
test_retry_after_optional(void **state)
{
	struct ratelimit	rl;

	ratelimit_init(&rl, 1, 1, T0);
	assert_true(ratelimit_take(&rl, T0, NULL));
	assert_false(ratelimit_take(&rl, T0, NULL));
}

static void
test_clock_backwards_neither_refills_nor_goes_negative(void **state)
{
	struct ratelimit	rl;

	ratelimit_init(&rl, 10, 2, T0);
	take_n(&rl, T0, 1);
	/* A step back of an hour: the token left is there, no more. */
	take_n(&rl, T0 - 3600 * 1000, 1);
	refused(&rl, T0 - 3600 * 1000, 100);
	refused(&rl, T0 - 3600 * 1000 - 50, 100);
	assert_true(rl.tokens >= 0 && rl.tokens < 1);
	/* Time goes on from the new reading; it does not wait for the old. */
	take_n(&rl, T0 - 3600 * 1000 + 50, 1);
	refused(&rl, T0 - 3600 * 1000 + 50, 100);
	assert_true(rl.tokens >= 0);
	/* Forward again to the old reading: at most a full bucket. */
	take_n(&rl, T0, 2);
	refused(&rl, T0, 100);
}

static void
test_fractional_rates(void **state)
{
	struct ratelimit	rl;
	int64_t			t;
	int			i;

	/* Half a request a second: one every two seconds. */
	ratelimit_init(&rl, 0.5, 1, T0);
	take_n(&rl, T0, 1);
	refused(&rl, T0, 2000);
	refused(&rl, T0 + 1999, 1);
	take_n(&rl, T0 + 2000, 1);

	/* A quarter, in small steps: the pieces add up to a whole token. */
	ratelimit_init(&rl, 0.25, 1, T0);
	take_n(&rl, T0, 1);
	for (t = T0 + 100; t < T0 + 4000; t += 100)
		refused(&rl, t, T0 + 4000 - t);
	take_n(&rl, T0 + 4000, 1);

	/*
	 * A token a second, tried every 100 ms: each try earns 0.1, which
	 * binary cannot hold exactly, yet every tenth try succeeds, for as
	 * long as it goes on.
	 */
	ratelimit_init(&rl, 1, 1, T0);
	take_n(&rl, T0, 1);
	for (i = 1, t = T0 + 100; i <= 10000; i++, t += 100) {
		if (i % 10 == 0)
			take_n(&rl, t, 1);
		else
			refused(&rl, t, 1000 - (i % 10) * 100);
	}

	/* 2.5/s: a token every 400 ms. */
	ratelimit_init(&rl, 2.5, 2, T0);
	take_n(&rl, T0, 2);
	refused(&rl, T0 + 100, 300);
	take_n(&rl, T0 + 400, 1);
	take_n(&rl, T0 + 1200, 2);
	refused(&rl, T0 + 1200, 400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starts_full_then_refuses),
		cmocka_unit_test(test_refills_over_time),
		cmocka_unit_test(test_refill_stops_at_burst),
		cmocka_unit_test(test_retry_after_is_exact),
		cmocka_unit_test(test_retry_after_optional),
		cmocka_unit_test(
		    test_clock_backwards_neither_refills_nor_goes_negative),
		cmocka_unit_test(test_fractional_rates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
