#include <stdio.h>
#include <time.h>

#include "timefmt.h"

/* RFC 3339 in UTC to the second: "2026-11-25T08:30:00Z". */
void
timefmt_rfc3339(int64_t ms, char *buf, size_t size)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	gmtime_r(&t, &tm);
	if (strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 && size > 0)
		buf[0] = '\0';
}

/*
 * China Standard Time (UTC+8, no daylight saving) to the minute, as
 * customers read it in messages: "2026-11-25 16:30".
 */
void
timefmt_china(int64_t ms, char *buf, size_t size)
{
	time_t		t = (time_t)(ms / 1000) + 8 * 3600;
	struct tm	tm;

	gmtime_r(&t, &tm);
	if (strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0 && size > 0)
		buf[0] = '\0';
}
