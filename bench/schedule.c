/*
 * schedule.c: the open-loop schedule (schedule.h). Request n is due at
 * start + n / rate; it is never sent before that, and its latency counts
 * from then, however late it was actually sent (no coordinated omission).
 * Both clocks must be the same one (loadgen uses CLOCK_MONOTONIC).
 */
#include "schedule.h"

/* When the n-th request (from 0) is due. */
int64_t
schedule_due_ns(int64_t start_ns, double rate, size_t n)
{
	return start_ns + (int64_t)((double)n * 1e9 / rate);
}

/*
 * How many requests, at most target, are due by now_ns: those whose due
 * time is not after it. The estimate from the elapsed time is corrected
 * against schedule_due_ns() itself, so rounding can never send a request
 * early (a request sent before it is due would count a negative latency).
 */
size_t
schedule_due_count(int64_t start_ns, double rate, int64_t now_ns,
    size_t target)
{
	double	est;
	size_t	n;

	if (now_ns < start_ns || target == 0)
		return 0;
	est = (double)(now_ns - start_ns) / 1e9 * rate + 1;
	n = est >= (double)target ? target : (size_t)est;
	while (n > 0 && schedule_due_ns(start_ns, rate, n - 1) > now_ns)
		n--;
	while (n < target && schedule_due_ns(start_ns, rate, n) <= now_ns)
		n++;
	return n;
}
