/*
 * stats.h: the pure statistics of the benchmarks (issue 15): percentiles
 * of latency samples, medians of repeated runs, ratios against a baseline.
 * No I/O; tests/unit/test_bench_stats.c checks them.
 */
#ifndef CDP_BENCH_STATS_H
#define CDP_BENCH_STATS_H

#include <stddef.h>

void	stats_sort(double *v, size_t n);
double	stats_percentile(const double *sorted, size_t n, double p);
double	stats_median(double *v, size_t n);
double	stats_ratio(double value, double baseline);

#endif
