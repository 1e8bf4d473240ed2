/*
 * Per-merchant limits, so that one slow or busy merchant cannot hold up
 * the others: a token bucket of `rate` deliveries a second (a burst of one
 * second's worth) and at most `concurrency` deliveries in flight. Pure:
 * the time is passed in.
 */
#include "notifier.h"

void
limit_init(struct limit *l)
{
	l->tokens = -1;		/* full at first use */
	l->last_ms = 0;
	l->in_flight = 0;
}

static void
refill(struct limit *l, long long rate, int64_t now_ms)
{
	if (l->tokens < 0) {
		l->tokens = (double)rate;
		l->last_ms = now_ms;
		return;
	}
	if (now_ms > l->last_ms) {
		l->tokens += (double)(now_ms - l->last_ms) * (double)rate /
		    1000.0;
		if (l->tokens > (double)rate)
			l->tokens = (double)rate;
		l->last_ms = now_ms;
	}
}

/* Takes a slot for one delivery now, or says no (try later). */
bool
limit_take(struct limit *l, long long rate, long long concurrency,
    int64_t now_ms)
{
	refill(l, rate, now_ms);
	if (l->in_flight >= concurrency || l->tokens < 1.0)
		return false;
	l->tokens -= 1.0;
	l->in_flight++;
	return true;
}

/* A delivery ended: its concurrency slot is free again. */
void
limit_give(struct limit *l)
{
	if (l->in_flight > 0)
		l->in_flight--;
}

/* When the bucket next has a token (now if it has one). */
int64_t
limit_next_ms(const struct limit *l, long long rate, int64_t now_ms)
{
	if (l->tokens < 0 || l->tokens >= 1.0 || rate <= 0)
		return now_ms;
	return now_ms + (int64_t)((1.0 - l->tokens) * 1000.0 / (double)rate) +
	    1;
}
