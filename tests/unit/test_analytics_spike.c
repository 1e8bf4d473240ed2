/* Unit tests for services/analytics/spike.c: baselines and alerts. */
/* cdp-test-sources: services/analytics/spike.c services/analytics/topk.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "analytics/analytics.h"

static void
test_is(void **state)
{
	assert_true(spike_is(2.0, 7, 3.0, 5));
	assert_false(spike_is(2.0, 6, 3.0, 5));	/* not above 3 x 2 */
	assert_false(spike_is(0.0, 4, 3.0, 5));	/* below the minimum */
	assert_true(spike_is(0.0, 5, 3.0, 5));	/* new key, enough */
}

/* A steady key builds a baseline and stops alerting; a jump alerts. */
static void
test_learn_steady_then_jump(void **state)
{
	struct spike_table	t = { .n = 0 };
	struct topk		w;
	int			i;

	for (i = 0; i < 6; i++) {
		topk_init(&w);
		topk_add(&w, "M1", 10);
		topk_add(&w, "M2", 1);
		spike_learn(&t, &w);
	}
	assert_true(spike_baseline(&t, "M1") > 9.5);
	assert_true(spike_baseline(&t, "M1") <= 10.0);
	assert_false(spike_is(spike_baseline(&t, "M1"), 12, 3.0, 5));
	assert_true(spike_is(spike_baseline(&t, "M1"), 31, 3.0, 5));
	assert_true(spike_baseline(&t, "M9") == 0);
	/* a key absent from a window decays */
	topk_init(&w);
	spike_learn(&t, &w);
	assert_true(spike_baseline(&t, "M1") < 5.1);
}

static void
test_roundtrip(void **state)
{
	struct spike_table	 t = { .n = 0 }, u;
	struct topk		 w;
	json_t			*j;

	topk_init(&w);
	topk_add(&w, "S1", 4);
	spike_learn(&t, &w);
	j = spike_encode(&t);
	assert_int_equal(spike_decode(j, &u), 0);
	assert_int_equal(u.n, 1);
	assert_string_equal(u.b[0].key, "S1");
	assert_true(u.b[0].mean == 2.0);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is),
		cmocka_unit_test(test_learn_steady_then_jump),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
