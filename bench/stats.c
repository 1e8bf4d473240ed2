/*
 * stats.c: percentiles, medians and ratios (stats.h).
 */
#include <stdlib.h>

#include "stats.h"

static int
stats_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
stats_sort(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), stats_cmp);
}

/*
 * The p-th percentile (0 to 100) of sorted values by the nearest-rank
 * method: the smallest value that at least p percent of the values do not
 * exceed. p99 of 100 values is the 99th, not an interpolation that no
 * request ever took. 0 when there are none.
 */
double
stats_percentile(const double *sorted, size_t n, double p)
{
	size_t	rank;
	double	r;

	if (n == 0)
		return 0;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	r = p / 100 * (double)n;
	rank = (size_t)r;
	if ((double)rank < r)
		rank++;
	return sorted[rank - 1];
}

/* The median of n values, sorting them in place: the mean of the middle
 * two when n is even, 0 when there are none. */
double
stats_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	stats_sort(v, n);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* value / baseline, or 0 when the baseline did not run (0 or less). */
double
stats_ratio(double value, double baseline)
{
	return baseline > 0 ? value / baseline : 0;
}
