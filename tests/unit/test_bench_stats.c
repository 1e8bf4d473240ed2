/*
 * Unit tests for bench/stats.c: the percentiles, medians and ratios that
 * ./dev bench reports (issue 15). The benchmarks themselves never run in
 * ./dev test; their arithmetic does.
 */
/* cdp-test-sources: bench/stats.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../bench/stats.h"

/* Nearest rank: p99 of 1..100 is 99, p50 is 50, never an interpolation. */
static void
test_percentile_nearest_rank(void **state)
{
	double	v[100];
	size_t	i;

	(void)state;
	for (i = 0; i < 100; i++)
		v[i] = (double)(100 - i);
	stats_sort(v, 100);
	assert_true(stats_percentile(v, 100, 50) == 50);
	assert_true(stats_percentile(v, 100, 99) == 99);
	assert_true(stats_percentile(v, 100, 99.9) == 100);
	assert_true(stats_percentile(v, 100, 100) == 100);
	assert_true(stats_percentile(v, 100, 0) == 1);
	assert_true(stats_percentile(v, 100, 1) == 1);
}

/* A single slow request among few is the p99: it is not averaged away. */
static void
test_percentile_small_samples(void **state)
{
	double	v[] = { 3, 1, 2, 900 };
	double	one[] = { 7 };

	(void)state;
	stats_sort(v, 4);
	assert_true(stats_percentile(v, 4, 99) == 900);
	assert_true(stats_percentile(v, 4, 50) == 2);
	assert_true(stats_percentile(one, 1, 50) == 7);
	assert_true(stats_percentile(NULL, 0, 99) == 0);
}

static void
test_median(void **state)
{
	double	odd[] = { 5, 1, 3 };
	double	even[] = { 4, 1, 3, 2 };

	(void)state;
	assert_true(stats_median(odd, 3) == 3);
	assert_true(stats_median(even, 4) == 2.5);
	assert_true(stats_median(NULL, 0) == 0);
}

/* A baseline that did not run gives 0, never a division by zero. */
static void
test_ratio(void **state)
{
	(void)state;
	assert_true(stats_ratio(500, 2000) == 0.25);
	assert_true(stats_ratio(500, 0) == 0);
	assert_true(stats_ratio(500, -1) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile_nearest_rank),
		cmocka_unit_test(test_percentile_small_samples),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_ratio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
