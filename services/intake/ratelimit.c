/*
 * A token bucket per API key. The bucket holds up to burst tokens and gains
 * rate tokens a second; each request takes one. Time is passed in by the
 * caller, so the module does no I/O and tests drive the clock directly.
 */
#include "intake.h"
#include "log.h"

/*
 * Tokens are sums of fractions (rate * elapsed), so a bucket that should
 * hold exactly one token may hold 0.999999999999. The slack keeps such a
 * rounding error from refusing a request or asking for one more millisecond.
 */
#define RATELIMIT_EPSILON	1e-9

/*
 * The longest wait ever announced: a day. It keeps the conversion to an
 * integer defined for any positive rate, however small.
 */
#define RATELIMIT_RETRY_MAX_MS	(24 * 60 * 60 * 1000.0)

/*
 * A bucket starts full, so a new key (or a restarted daemon) can use its
 * burst at once. A rate or burst that cannot work is a programming error:
 * keys.c checks both when it reads the file.
 */
void
ratelimit_init(struct ratelimit *rl, double rate, double burst,
    int64_t now_ms)
{
	if (!(rate > 0) || !(burst >= 1))
		fatalx("ratelimit: rate %g must be > 0 and burst %g >= 1",
		    rate, burst);
	rl->rate = rate;
	rl->burst = burst;
	rl->tokens = burst;
	rl->last_ms = now_ms;
}

/*
 * Adds the tokens earned since the last call. The clock is the wall clock,
 * which NTP may step backwards: then nothing is added and the bucket is
 * re-anchored at the new time, so it refills from there instead of staying
 * frozen until the clock catches up with the old reading.
 */
static void
ratelimit_refill(struct ratelimit *rl, int64_t now_ms)
{
	double	elapsed;

	/* In doubles: the difference of two int64_t may overflow. */
	if (now_ms > rl->last_ms) {
		elapsed = (double)now_ms - (double)rl->last_ms;
		rl->tokens += rl->rate * elapsed / 1000.0;
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
	}
	rl->last_ms = now_ms;
}

/*
 * Milliseconds until the bucket holds one whole token, rounded up (waiting
 * a little less would be refused again) and at least 1. Rounding is done by
 * hand to keep the module free of libm.
 */
static int64_t
ratelimit_wait_ms(const struct ratelimit *rl)
{
	double	ms;
	int64_t	whole;

	ms = (1.0 - rl->tokens) * 1000.0 / rl->rate - RATELIMIT_EPSILON;
	if (ms < 1)
		return 1;
	if (ms > RATELIMIT_RETRY_MAX_MS)
		ms = RATELIMIT_RETRY_MAX_MS;
	whole = (int64_t)ms;
	return whole < ms ? whole + 1 : whole;
}

/*
 * Takes one token and returns true, or returns false and sets
 * *retry_after_ms (when not NULL) to the wait until a token is available,
 * which the API sends back as Retry-After. A refused request takes nothing.
 */
bool
ratelimit_take(struct ratelimit *rl, int64_t now_ms, int64_t *retry_after_ms)
{
	ratelimit_refill(rl, now_ms);
	if (rl->tokens + RATELIMIT_EPSILON >= 1.0) {
		rl->tokens -= 1.0;
		if (rl->tokens < 0)
			rl->tokens = 0;
		if (retry_after_ms != NULL)
			*retry_after_ms = 0;
		return true;
	}
	if (retry_after_ms != NULL)
		*retry_after_ms = ratelimit_wait_ms(rl);
	return false;
}
