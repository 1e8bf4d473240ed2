/*
 * Unit tests for services/analytics/sampler.c: the audit sample's share
 * over many ids is the rate, and an id's fate never changes.
 */
/* cdp-test-sources: services/analytics/sampler.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "analytics/analytics.h"
#include "nitems.h"

#define N	100000

/* Ids "C-<i>", or shaped like uuids when uuid is set. */
static size_t
picked(uint32_t permille, bool uuid)
{
	char	id[64];
	size_t	i, n = 0;

	for (i = 0; i < N; i++) {
		if (uuid)
			snprintf(id, sizeof(id),
			    "7f3a9c2e-0000-4000-8000-%012zx", i);
		else
			snprintf(id, sizeof(id), "C-%zu", i);
		n += sampler_pick(id, permille);
	}
	return n;
}

/* Within 5 standard deviations of the binomial: never flaky, still tight. */
static void
test_rate_within_tolerance(void **state)
{
	static const uint32_t	rates[] = { 10, 100, 250, 500 };
	double			p, sd, n;
	size_t			i;

	for (i = 0; i < nitems(rates); i++) {
		p = rates[i] / 1000.0;
		sd = sqrt(N * p * (1 - p));
		n = (double)picked(rates[i], false);
		assert_true(n > N * p - 5 * sd && n < N * p + 5 * sd);
		/* ids shaped like uuids too */
		n = (double)picked(rates[i], true);
		assert_true(n > N * p - 5 * sd && n < N * p + 5 * sd);
	}
	assert_int_equal(picked(0, false), 0);
	assert_int_equal(picked(1000, false), N);
}

static void
test_deterministic_and_nested(void **state)
{
	char	id[32];
	size_t	i;

	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "CMP-%zu", i);
		assert_int_equal(sampler_pick(id, 100), sampler_pick(id, 100));
		assert_true(sampler_hash(id) == sampler_hash(id));
		/* a higher rate keeps everything a lower rate picked */
		if (sampler_pick(id, 100))
			assert_true(sampler_pick(id, 200));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_within_tolerance),
		cmocka_unit_test(test_deterministic_and_nested),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
