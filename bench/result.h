/*
 * result.h: the figures a benchmark program prints, one RESULT row each,
 * tab-separated, in the form every bench/ program shares (issue 15):
 *
 *   RESULT figure value unit baseline baseline_value ratio goal verdict
 *
 * The driver behind ./dev bench collects these rows into its table.
 */
#ifndef CDP_BENCH_RESULT_H
#define CDP_BENCH_RESULT_H

#include <stdbool.h>
#include <stddef.h>

double	result_median(const double *v, size_t n);
void	result_row(const char *figure, double value, const char *unit,
	    const char *baseline, double baseline_value, double ratio,
	    const char *goal, bool met);

#endif
