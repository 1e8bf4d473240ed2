/*
 * schedule.h: the open-loop schedule of loadgen (issue 15): when each
 * request is due, and how many are due by a given time. No I/O;
 * tests/unit/test_bench_schedule.c checks it.
 */
#ifndef CDP_BENCH_SCHEDULE_H
#define CDP_BENCH_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

int64_t	schedule_due_ns(int64_t start_ns, double rate, size_t n);
size_t	schedule_due_count(int64_t start_ns, double rate, int64_t now_ns,
	    size_t target);

#endif
