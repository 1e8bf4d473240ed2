/*
 * The retry schedule: after n failures, wait base * 2^(n-1), capped at max,
 * half of it fixed and half drawn from the random source ("equal jitter"),
 * so that retries after a merchant's outage spread out instead of
 * arriving together. The source is passed in, so tests fix it.
 */
#include "notifier.h"

int64_t
backoff_delay(uint32_t failures, int64_t base_ms, int64_t max_ms,
    backoff_rand_fn rnd, void *arg)
{
	int64_t		d = base_ms, half;
	uint32_t	i;

	if (failures == 0)
		return 0;
	for (i = 1; i < failures && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	half = d / 2;
	return d - half + (int64_t)(rnd(arg) % (uint64_t)(half + 1));
}
