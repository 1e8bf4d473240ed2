/*
 * Unit tests for services/analytics/hist.c: percentiles of random data
 * against the exact nearest-rank percentiles, within the bound HIST_ALPHA.
 */
/* cdp-test-sources: services/analytics/hist.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "analytics/analytics.h"
#include "nitems.h"

#define N	20000

static int
cmp64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t
exact(const int64_t *sorted, size_t n, double q)
{
	size_t	rank = (size_t)ceil(q * (double)n);

	return sorted[(rank < 1 ? 1 : rank) - 1];
}

/* A spread of durations from 1 ms to about 10 days, log-uniform. */
static int64_t
random_duration(void)
{
	return (int64_t)exp((double)rand() / RAND_MAX * log(864000000.0));
}

static void
check_against_exact(int64_t *v, size_t n)
{
	static const double	qs[] = { 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1 };
	struct hist		*h = malloc(sizeof(*h));
	size_t			 i;
	double			 est, ex;

	hist_init(h);
	for (i = 0; i < n; i++)
		hist_add(h, v[i]);
	qsort(v, n, sizeof(v[0]), cmp64);
	assert_int_equal(h->count, n);
	assert_int_equal(h->min, v[0]);
	assert_int_equal(h->max, v[n - 1]);
	for (i = 0; i < nitems(qs); i++) {
		ex = (double)exact(v, n, qs[i]);
		est = hist_quantile(h, qs[i]);
		if (fabs(est - ex) > HIST_ALPHA * ex * (1 + 1e-9))
			fail_msg("q=%g exact %g estimate %g", qs[i], ex, est);
	}
	free(h);
}

static void
test_random_log_uniform(void **state)
{
	int64_t	*v = malloc(N * sizeof(*v));
	size_t	 i;
	int	 seed;

	for (seed = 1; seed <= 5; seed++) {
		srand((unsigned)seed);
		for (i = 0; i < N; i++)
			v[i] = random_duration();
		check_against_exact(v, N);
	}
	free(v);
}

static void
test_random_narrow_and_small(void **state)
{
	int64_t	v[500];
	size_t	i;

	srand(7);
	for (i = 0; i < 500; i++)
		v[i] = 3600000 + rand() % 1000;	/* about an hour */
	check_against_exact(v, 500);
	for (i = 0; i < 500; i++)
		v[i] = rand() % 50;		/* small, with zeros */
	check_against_exact(v, 500);
}

/* The bound holds for every value on its own, the worst case included. */
static void
test_every_value_within_bound(void **state)
{
	struct hist	*h = malloc(sizeof(*h));
	int64_t		 v;

	for (v = 1; v < 200000; v += 1 + v / 100) {
		hist_init(h);
		hist_add(h, 0);
		hist_add(h, v);
		hist_add(h, 1000000000000LL);
		/* the middle value, not clamped to min or max */
		assert_true(fabs(hist_quantile(h, 0.5) - (double)v) <=
		    HIST_ALPHA * (double)v * (1 + 1e-9));
	}
	free(h);
}

static void
test_empty_and_roundtrip(void **state)
{
	struct hist	*h = malloc(sizeof(*h)), *g = malloc(sizeof(*g));
	json_t		*j;

	hist_init(h);
	assert_true(hist_quantile(h, 0.5) == 0);
	hist_add(h, 5);
	hist_add(h, 500);
	hist_add(h, 50000);
	j = hist_encode(h);
	assert_int_equal(hist_decode(j, g), 0);
	assert_memory_equal(h, g, sizeof(*h));
	json_decref(j);
	free(h);
	free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_log_uniform),
		cmocka_unit_test(test_random_narrow_and_small),
		cmocka_unit_test(test_every_value_within_bound),
		cmocka_unit_test(test_empty_and_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
