/*
 * Tumbling windows of event time: a window of width w starts at a
 * multiple of w ms since the epoch (UTC), holds [start, start + w), and
 * closes once the watermark (the latest event time seen) has passed its
 * end by the grace period. Only event time is used, so a replay of the
 * same events makes the same windows.
 */
#include <string.h>

#include "analytics.h"

static const struct {
	const char	*name;
	int64_t		 ms;
} window_widths[WINDOW_NWIDTHS] = {
	[WINDOW_1M] = { "1m", 60000LL },
	[WINDOW_1H] = { "1h", 3600000LL },
	[WINDOW_1D] = { "1d", 86400000LL },
};

int64_t
window_ms(enum window_width w)
{
	return window_widths[w].ms;
}

const char *
window_name(enum window_width w)
{
	return window_widths[w].name;
}

/* The name of the width of a window ms long; "" when none is. */
const char *
window_name_of(int64_t ms)
{
	int	i;

	for (i = 0; i < WINDOW_NWIDTHS; i++)
		if (window_widths[i].ms == ms)
			return window_widths[i].name;
	return "";
}

int
window_parse(const char *name, enum window_width *w)
{
	int	i;

	for (i = 0; i < WINDOW_NWIDTHS; i++)
		if (strcmp(name, window_widths[i].name) == 0) {
			*w = (enum window_width)i;
			return 0;
		}
	return -1;
}

/* The start of t's window; floors towards minus infinity. */
int64_t
window_start(enum window_width w, int64_t t_ms)
{
	int64_t	ms = window_ms(w), r = t_ms % ms;

	return r < 0 ? t_ms - r - ms : t_ms - r;
}

bool
window_closed(enum window_width w, int64_t start_ms, int64_t watermark_ms,
    int64_t grace_ms)
{
	return watermark_ms >= start_ms + window_ms(w) + grace_ms;
}
