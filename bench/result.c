/*
 * result.c: medians of repeated runs and the RESULT rows (result.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"
#include "xmalloc.h"

static int
result_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of n values (the mean of the middle two when n is even). */
double
result_median(const double *v, size_t n)
{
	double	*s, m;

	if (n == 0)
		return 0;
	s = xreallocarray(NULL, n, sizeof(*s));
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), result_cmp);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

/* Plain digits for the table: "23456", "1.84", never "2.35e+04". */
static const char *
result_num(char *buf, size_t size, double v)
{
	if (v >= 1000 || v <= -1000)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.3g", v);
	return buf;
}

void
result_row(const char *figure, double value, const char *unit,
    const char *baseline, double baseline_value, double ratio,
    const char *goal, bool met)
{
	char	a[32], b[32], c[32];

	printf("RESULT\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", figure,
	    result_num(a, sizeof(a), value), unit, baseline,
	    result_num(b, sizeof(b), baseline_value),
	    result_num(c, sizeof(c), ratio), goal, met ? "met" : "missed");
	fflush(stdout);
}
