/*
 * Business-time arithmetic for deadlines. Pure: no I/O, time passed in.
 * Used by sla-timer to time its clocks and by intake to promise the first
 * contact time that the clock will enforce.
 */
#ifndef CDP_CALENDAR_H
#define CDP_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * calendar.c: when time counts. A 24x7 calendar counts every millisecond;
 * a business calendar counts only its opening hours on its working days, in
 * a fixed UTC offset (Asia/Shanghai is +08:00, with no daylight saving),
 * minus holidays, plus make-up working days (调休) that fall on weekends.
 */
struct calendar;

struct calendar	*calendar_new_24x7(void);
struct calendar	*calendar_new_business(int utc_offset_minutes,
		    unsigned weekdays);	/* bit 0 Monday ... bit 6 Sunday */
int		 calendar_add_hours(struct calendar *cal, int open_minute,
		    int close_minute);	/* minutes after midnight, open < close */
int		 calendar_add_holiday(struct calendar *cal, int yyyymmdd);
int		 calendar_add_workday(struct calendar *cal, int yyyymmdd);
int		 calendar_check(const struct calendar *cal, char *err,
		    size_t errsz);	/* -1: no opening hours at all, ... */
bool		 calendar_is_24x7(const struct calendar *cal);
bool		 calendar_is_open(const struct calendar *cal, int64_t at_ms);
int64_t		 calendar_add_business_time(const struct calendar *cal,
		    int64_t start_ms, int64_t duration_ms);
int64_t		 calendar_business_time(const struct calendar *cal,
		    int64_t from_ms, int64_t to_ms);
void		 calendar_free(struct calendar *cal);

#endif
