/*
 * Unit tests for services/analytics/topk.c: Space-Saving against exact
 * counts on skewed random streams: count - err <= true <= count for every
 * counter, and every key above n/k is kept; a key that is not UTF-8, or too
 * long to keep whole, is counted under one UTF-8 key that encodes.
 */
/* cdp-test-sources: services/analytics/topk.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/analytics.h"

#define KEYS	500
#define N	50000

/* A Zipf-like key: key i with weight 1 / (i + 1). */
static int
zipf_key(const double *cdf)
{
	double	u = (double)rand() / RAND_MAX;
	int	i;

	for (i = 0; i < KEYS - 1 && cdf[i] < u; i++)
		;
	return i;
}

static void
test_guarantees_against_exact(void **state)
{
	static uint64_t	 truth[KEYS];
	double		 cdf[KEYS], sum = 0, acc = 0;
	struct topk	 t;
	char		 key[16];
	size_t		 i, seed;
	int		 k;

	for (i = 0; i < KEYS; i++)
		sum += 1.0 / (double)(i + 1);
	for (i = 0; i < KEYS; i++)
		cdf[i] = (acc += 1.0 / (double)(i + 1) / sum);
	for (seed = 1; seed <= 3; seed++) {
		srand((unsigned)seed);
		memset(truth, 0, sizeof(truth));
		topk_init(&t);
		for (i = 0; i < N; i++) {
			k = zipf_key(cdf);
			truth[k]++;
			snprintf(key, sizeof(key), "M%d", k);
			topk_add(&t, key, 1);
		}
		assert_int_equal(t.total, N);
		for (i = 0; i < t.n; i++) {
			k = atoi(t.e[i].key + 1);
			assert_true(t.e[i].count - t.e[i].err <= truth[k]);
			assert_true(truth[k] <= t.e[i].count);
		}
		for (k = 0; k < KEYS; k++) {
			snprintf(key, sizeof(key), "M%d", k);
			if (truth[k] > N / TOPK_MAX)
				assert_non_null(topk_find(&t, key));
		}
		/* the heaviest key comes first, exactly enough to rank */
		struct topk_entry	sorted[TOPK_MAX];

		topk_sorted(&t, sorted);
		assert_string_equal(sorted[0].key, "M0");
	}
}

static void
test_exact_when_few_keys(void **state)
{
	struct topk		 t, u;
	struct topk_entry	 e[TOPK_MAX];
	json_t			*j;

	topk_init(&t);
	topk_add(&t, "a", 3);
	topk_add(&t, "b", 1);
	topk_add(&t, "a", 1);
	topk_add(&t, "", 1);		/* not counted */
	assert_int_equal(topk_sorted(&t, e), 2);
	assert_string_equal(e[0].key, "a");
	assert_int_equal(e[0].count, 4);
	assert_int_equal(e[0].err, 0);
	assert_int_equal(t.total, 5);
	j = topk_encode(&t);
	assert_int_equal(topk_decode(j, &u), 0);
	assert_memory_equal(&t, &u, sizeof(t));
	json_decref(j);
}

/* Event text as keys: invalid bytes and long keys still fold and encode. */
static void
test_keys_are_utf8(void **state)
{
	struct topk		 t;
	struct topk_entry	 e[TOPK_MAX];
	json_t			*j;
	char			 big[200], *s;
	size_t			 i;

	topk_init(&t);
	topk_add(&t, "shop-\xe5\x95\xff", 1);
	topk_add(&t, "shop-\xe5\x95\xff", 1);
	for (i = 0; i + 3 < sizeof(big); i += 3)
		memcpy(big + i, "退", 3);
	big[i] = '\0';
	topk_add(&t, big, 1);
	topk_add(&t, big, 1);
	assert_int_equal(topk_sorted(&t, e), 2);
	assert_int_equal(e[0].count, 2);
	assert_int_equal(e[1].count, 2);
	assert_non_null(topk_find(&t, "shop-\xef\xbf\xbd\xef\xbf\xbd"));
	assert_non_null(j = topk_encode(&t));
	assert_non_null(s = json_dumps(j, JSON_COMPACT));
	assert_true(strlen(s) > 0);
	free(s);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guarantees_against_exact),
		cmocka_unit_test(test_exact_when_few_keys),
		cmocka_unit_test(test_keys_are_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
