/*
 * Unit tests of common/calendar.c: business-hours arithmetic
 * overnight, over weekends, over holidays with make-up working days (the
 * 2026 National Day week), across time zones, from outside opening hours,
 * around lunch breaks, at offsets other than +08:00, in a 24x7 calendar,
 * over long durations; is_open at the exact boundaries; validation; and a
 * seeded random sweep of the inverse property
 * business_time(s, add(s, d)) == d. Local times are turned into instants
 * with timegm(), independently of the calendar's own date arithmetic.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "nitems.h"
#include "sla-timer/sla.h"

#define MIN_MS		INT64_C(60000)
#define HOUR_MS		(60 * MIN_MS)
#define DAY_MS		(24 * HOUR_MS)
#define WEEKDAYS	0x1fu	/* Monday to Friday */
#define SHANGHAI	480
#define NEW_YORK	(-300)	/* EST all year: no daylight saving here */

/* The instant of a local wall-clock time at a UTC offset in minutes. */
static int64_t
at(int off, int y, int mo, int d, int h, int mi)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm) * 1000 - off * MIN_MS;
}

/* Shanghai wall-clock time, the common case. */
static int64_t
cst(int y, int mo, int d, int h, int mi)
{
	return at(SHANGHAI, y, mo, d, h, mi);
}

static struct calendar *
china_office(void)
{
	struct calendar	*cal = calendar_new_business(SHANGHAI, WEEKDAYS);

	assert_int_equal(calendar_add_hours(cal, 540, 1080), 0);
	assert_int_equal(calendar_check(cal, NULL, 0), 0);
	return cal;
}

/* 2026 National Day: Oct 1-7 closed, Sunday Sep 27 and Saturday Oct 10 open. */
static struct calendar *
national_day(void)
{
	struct calendar	*cal = china_office();
	int		 d;

	for (d = 20261001; d <= 20261007; d++)
		assert_int_equal(calendar_add_holiday(cal, d), 0);
	assert_int_equal(calendar_add_workday(cal, 20260927), 0);
	assert_int_equal(calendar_add_workday(cal, 20261010), 0);
	return cal;
}

static struct calendar *
china_lunch(void)
{
	struct calendar	*cal = calendar_new_business(SHANGHAI, WEEKDAYS);

	assert_int_equal(calendar_add_hours(cal, 780, 1080), 0);
	assert_int_equal(calendar_add_hours(cal, 540, 720), 0);
	return cal;
}

static void
test_overnight(void **state)
{
	struct calendar	*cal = china_office();

	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 3, 3, 17, 30), HOUR_MS), cst(2026, 3, 4, 9, 30));
	assert_int_equal(calendar_business_time(cal, cst(2026, 3, 3, 17, 30),
	    cst(2026, 3, 4, 9, 30)), HOUR_MS);
	/* The earliest instant: an hour from 17:00 ends at 18:00. */
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 3, 3, 17, 0), HOUR_MS), cst(2026, 3, 3, 18, 0));
	calendar_free(cal);
}

static void
test_weekend(void **state)
{
	struct calendar	*cal = china_office();

	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 3, 6, 17, 0), 2 * HOUR_MS), cst(2026, 3, 9, 10, 0));
	assert_int_equal(calendar_business_time(cal, cst(2026, 3, 6, 17, 0),
	    cst(2026, 3, 9, 10, 0)), 2 * HOUR_MS);
	assert_false(calendar_is_open(cal, cst(2026, 3, 7, 10, 0)));
	assert_false(calendar_is_open(cal, cst(2026, 3, 8, 10, 0)));
	calendar_free(cal);
}

/* Which days of Sep 20 - Oct 20, 2026 the National Day calendar opens. */
static void
test_holidays_open_days(void **state)
{
	static const int	 open[] = { 21, 22, 23, 24, 25, 27, 28, 29, 30,
				    108, 109, 110, 112, 113, 114, 115, 116,
				    119, 120 };	/* 1xx: October */
	struct calendar		*cal = national_day();
	size_t			 i, n = 0;
	int			 d, mo, day;
	bool			 want;

	for (d = 20; d <= 120; d++) {
		mo = d >= 100 ? 10 : 9;
		day = d % 100;
		if ((mo == 9 && day > 30) || day == 0)
			continue;
		want = false;
		for (i = 0; i < nitems(open); i++)
			want = want || open[i] == d;
		n += want;
		assert_int_equal(calendar_is_open(cal,
		    cst(2026, mo, day, 10, 0)), want);
	}
	assert_int_equal(n, nitems(open));
	calendar_free(cal);
}

static void
test_holidays(void **state)
{
	struct calendar	*cal = national_day();

	/* Friday evening runs into the make-up Sunday. */
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 9, 25, 17, 0), 2 * HOUR_MS), cst(2026, 9, 27, 10, 0));
	/* The eve of the holiday runs into the Thursday after it. */
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 9, 30, 17, 0), 2 * HOUR_MS), cst(2026, 10, 8, 10, 0));
	/* A clock started during the holiday waits for it to end. */
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 10, 3, 11, 0), HOUR_MS), cst(2026, 10, 8, 10, 0));
	assert_int_equal(calendar_business_time(cal, cst(2026, 10, 1, 0, 0),
	    cst(2026, 10, 8, 0, 0)), 0);
	/* Friday Oct 9 runs into the make-up Saturday. */
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 10, 9, 17, 0), 2 * HOUR_MS), cst(2026, 10, 10, 10, 0));
	calendar_free(cal);
}

static void
test_time_zone(void **state)
{
	struct calendar	*cal = china_office();
	struct calendar	*utc = calendar_new_business(0, WEEKDAYS);
	struct calendar	*allday = calendar_new_business(SHANGHAI, WEEKDAYS);
	int64_t		 t = at(0, 2026, 3, 8, 20, 0);	/* Sunday in UTC */

	assert_int_equal(t, cst(2026, 3, 9, 4, 0));	/* Monday 04:00 */
	assert_int_equal(calendar_add_hours(utc, 540, 1080), 0);
	assert_int_equal(calendar_add_hours(allday, 0, 1440), 0);
	assert_false(calendar_is_open(cal, t));
	assert_int_equal(calendar_add_business_time(cal, t, HOUR_MS),
	    cst(2026, 3, 9, 10, 0));
	assert_int_equal(calendar_add_business_time(cal, t, HOUR_MS),
	    at(0, 2026, 3, 9, 2, 0));
	/* The same instant in a UTC calendar is still Sunday. */
	assert_int_equal(calendar_add_business_time(utc, t, HOUR_MS),
	    at(0, 2026, 3, 9, 10, 0));
	/* A round-the-clock weekday calendar is open: Monday in Shanghai. */
	assert_true(calendar_is_open(allday, t));
	assert_int_equal(calendar_add_business_time(allday, t, HOUR_MS),
	    t + HOUR_MS);
	assert_int_equal(calendar_business_time(allday, at(0, 2026, 3, 8, 0, 0),
	    at(0, 2026, 3, 9, 0, 0)), 8 * HOUR_MS);
	calendar_free(cal);
	calendar_free(utc);
	calendar_free(allday);
}

static void
test_outside_hours(void **state)
{
	struct calendar	*cal = china_office();

	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 3, 7, 3, 0), HOUR_MS), cst(2026, 3, 9, 10, 0));
	assert_int_equal(calendar_business_time(cal, cst(2026, 3, 7, 3, 0),
	    cst(2026, 3, 9, 9, 0)), 0);
	/* Before opening and after closing on a working day. */
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 3, 4, 6, 15), 30 * MIN_MS), cst(2026, 3, 4, 9, 30));
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 3, 4, 22, 0), 30 * MIN_MS), cst(2026, 3, 5, 9, 30));
	/* A duration of zero is the start itself, even when closed. */
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 3, 7, 3, 0), 0), cst(2026, 3, 7, 3, 0));
	assert_int_equal(calendar_business_time(cal, cst(2026, 3, 9, 12, 0),
	    cst(2026, 3, 9, 11, 0)), 0);
	calendar_free(cal);
}

static void
test_lunch_break(void **state)
{
	struct calendar	*cal = china_lunch();

	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 3, 4, 11, 30), HOUR_MS), cst(2026, 3, 4, 13, 30));
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 3, 4, 12, 20), HOUR_MS), cst(2026, 3, 4, 14, 0));
	/* Ending at noon exactly stops at noon, not at 13:00. */
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 3, 4, 11, 0), HOUR_MS), cst(2026, 3, 4, 12, 0));
	assert_int_equal(calendar_business_time(cal, cst(2026, 3, 4, 11, 0),
	    cst(2026, 3, 4, 14, 0)), 2 * HOUR_MS);
	assert_int_equal(calendar_business_time(cal, cst(2026, 3, 4, 0, 0),
	    cst(2026, 3, 5, 0, 0)), 8 * HOUR_MS);
	assert_true(calendar_is_open(cal, cst(2026, 3, 4, 12, 0) - 1));
	assert_false(calendar_is_open(cal, cst(2026, 3, 4, 12, 0)));
	assert_false(calendar_is_open(cal, cst(2026, 3, 4, 13, 0) - 1));
	assert_true(calendar_is_open(cal, cst(2026, 3, 4, 13, 0)));
	/* Friday 17:00 plus a working day: 1 h Friday, 7 h Monday. */
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 3, 6, 17, 0), 8 * HOUR_MS), cst(2026, 3, 9, 17, 0));
	calendar_free(cal);
}

static void
test_other_offset(void **state)
{
	struct calendar	*cal = calendar_new_business(NEW_YORK, WEEKDAYS);

	assert_int_equal(calendar_add_hours(cal, 540, 1020), 0);
	/* Friday 16:00 EST is 21:00 UTC; two hours end Monday 10:00 EST. */
	assert_int_equal(at(NEW_YORK, 2026, 3, 6, 16, 0),
	    at(0, 2026, 3, 6, 21, 0));
	assert_int_equal(calendar_add_business_time(cal,
	    at(NEW_YORK, 2026, 3, 6, 16, 0), 2 * HOUR_MS),
	    at(0, 2026, 3, 9, 15, 0));
	/* Saturday 01:00 UTC is still Friday evening in New York: closed. */
	assert_false(calendar_is_open(cal, at(0, 2026, 3, 7, 1, 0)));
	/* Monday 02:00 UTC is Sunday evening in New York: closed. */
	assert_false(calendar_is_open(cal, at(0, 2026, 3, 9, 2, 0)));
	assert_true(calendar_is_open(cal, at(0, 2026, 3, 9, 14, 0)));
	assert_false(calendar_is_open(cal, at(0, 2026, 3, 9, 22, 0)));
	assert_int_equal(calendar_business_time(cal, at(0, 2026, 3, 9, 0, 0),
	    at(0, 2026, 3, 10, 0, 0)), 8 * HOUR_MS);
	calendar_free(cal);
}

/* Negative instants take the same arithmetic: days before 1970 round down. */
static void
test_before_epoch(void **state)
{
	struct calendar	*cal = china_office();

	assert_false(calendar_is_open(cal, cst(1969, 12, 27, 10, 0)));
	assert_true(calendar_is_open(cal, cst(1969, 12, 26, 17, 59)));
	assert_int_equal(calendar_add_business_time(cal,
	    cst(1969, 12, 26, 17, 0), 2 * HOUR_MS), cst(1969, 12, 29, 10, 0));
	assert_int_equal(calendar_add_business_time(cal,
	    cst(1969, 12, 31, 17, 30), HOUR_MS), cst(1970, 1, 1, 9, 30));
	assert_int_equal(calendar_add_holiday(cal, 19700101), 0);
	assert_int_equal(calendar_add_business_time(cal,
	    cst(1969, 12, 31, 17, 30), HOUR_MS), cst(1970, 1, 2, 9, 30));
	assert_int_equal(calendar_business_time(cal, cst(1969, 12, 1, 0, 0),
	    cst(1970, 2, 1, 0, 0)), (23 + 21) * 9 * HOUR_MS);
	calendar_free(cal);
}

static void
test_24x7(void **state)
{
	struct calendar	*cal = calendar_new_24x7();
	int64_t		 t = cst(2026, 10, 3, 3, 0);

	assert_true(calendar_is_24x7(cal));
	assert_int_equal(calendar_check(cal, NULL, 0), 0);
	assert_true(calendar_is_open(cal, t));
	assert_int_equal(calendar_add_business_time(cal, t, 90 * MIN_MS),
	    t + 90 * MIN_MS);
	assert_int_equal(calendar_business_time(cal, t, t + 7 * DAY_MS),
	    7 * DAY_MS);
	assert_int_equal(calendar_business_time(cal, t, t - 1), 0);
	assert_int_equal(calendar_add_business_time(cal, INT64_MAX - 5, 10),
	    INT64_MAX);
	assert_int_equal(calendar_business_time(cal, INT64_MIN, INT64_MAX),
	    INT64_MAX);
	/* A 24x7 calendar has no hours, holidays or make-up days. */
	assert_int_equal(calendar_add_hours(cal, 540, 1080), -1);
	assert_int_equal(calendar_add_holiday(cal, 20261001), -1);
	assert_int_equal(calendar_add_workday(cal, 20261010), -1);
	calendar_free(cal);
}

static void
test_is_open_boundaries(void **state)
{
	struct calendar	*cal = china_office();

	assert_false(calendar_is_open(cal, cst(2026, 3, 4, 9, 0) - 1));
	assert_true(calendar_is_open(cal, cst(2026, 3, 4, 9, 0)));
	assert_true(calendar_is_open(cal, cst(2026, 3, 4, 18, 0) - 1));
	assert_false(calendar_is_open(cal, cst(2026, 3, 4, 18, 0)));
	assert_false(calendar_is_open(cal, cst(2026, 3, 4, 0, 0)));
	calendar_free(cal);
}

static void
test_long_durations(void **state)
{
	struct calendar	*cal = national_day(), *plain = china_office();
	int64_t		 s, t;

	/* Three business days across the holiday week. */
	s = cst(2026, 9, 30, 12, 0);
	assert_int_equal(calendar_add_business_time(cal, s, 27 * HOUR_MS),
	    cst(2026, 10, 10, 12, 0));
	assert_int_equal(calendar_business_time(cal, s,
	    cst(2026, 10, 10, 12, 0)), 27 * HOUR_MS);
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 9, 30, 9, 0), 27 * HOUR_MS), cst(2026, 10, 9, 18, 0));
	/* Thirty business days: six whole weeks. */
	assert_int_equal(calendar_add_business_time(plain,
	    cst(2026, 3, 2, 9, 0), 30 * 9 * HOUR_MS), cst(2026, 4, 10, 18, 0));
	/* Ten years of business time comes back intact. */
	s = cst(2026, 3, 2, 10, 0);
	t = calendar_add_business_time(cal, s, 2500 * 9 * HOUR_MS + 1);
	assert_true(t > cst(2035, 1, 1, 0, 0));
	assert_int_equal(calendar_business_time(cal, s, t),
	    2500 * 9 * HOUR_MS + 1);
	/* A deadline that never comes. */
	assert_int_equal(calendar_add_business_time(cal, s, INT64_MAX / 2),
	    INT64_MAX);
	calendar_free(cal);
	calendar_free(plain);
}

/*
 * A start months before the holiday week: the deadline is the close of
 * the hundredth open day, found by walking the days one by one.
 */
static void
test_long_before_holidays(void **state)
{
	struct calendar	*cal = national_day();
	int64_t		 s = cst(2026, 6, 1, 9, 0), day = s, want = 0;
	int		 n = 0;

	while (n < 100) {
		if (calendar_is_open(cal, day + HOUR_MS))
			n++;
		want = day + 9 * HOUR_MS;
		day += DAY_MS;
	}
	assert_true(want > cst(2026, 10, 10, 0, 0));
	assert_int_equal(calendar_add_business_time(cal, s, 100 * 9 * HOUR_MS),
	    want);
	assert_int_equal(calendar_business_time(cal, s, want),
	    100 * 9 * HOUR_MS);
	calendar_free(cal);
}

static void
test_workdays_only(void **state)
{
	struct calendar	*cal = calendar_new_business(SHANGHAI, 0);
	char		 err[128];

	assert_int_equal(calendar_add_hours(cal, 540, 1080), 0);
	assert_int_equal(calendar_check(cal, err, sizeof(err)), -1);
	assert_int_equal(calendar_add_workday(cal, 20261010), 0);
	assert_int_equal(calendar_check(cal, err, sizeof(err)), 0);
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 10, 1, 0, 0), 9 * HOUR_MS), cst(2026, 10, 10, 18, 0));
	assert_int_equal(calendar_add_business_time(cal,
	    cst(2026, 10, 1, 0, 0), 9 * HOUR_MS + 1), INT64_MAX);
	assert_int_equal(calendar_business_time(cal, cst(2000, 1, 1, 0, 0),
	    cst(2100, 1, 1, 0, 0)), 9 * HOUR_MS);
	calendar_free(cal);
}

static void
test_validation(void **state)
{
	struct calendar	*cal = calendar_new_business(SHANGHAI, WEEKDAYS);
	char		 err[128];

	assert_int_equal(calendar_check(cal, err, sizeof(err)), -1);
	assert_string_equal(err, "no opening hours");
	assert_int_equal(calendar_add_hours(cal, 600, 600), -1);
	assert_int_equal(calendar_add_hours(cal, 700, 600), -1);
	assert_int_equal(calendar_add_hours(cal, -1, 600), -1);
	assert_int_equal(calendar_add_hours(cal, 600, 1441), -1);
	assert_int_equal(calendar_add_hours(cal, 540, 720), 0);
	assert_int_equal(calendar_add_hours(cal, 600, 780), -1);
	assert_int_equal(calendar_add_hours(cal, 480, 541), -1);
	assert_int_equal(calendar_add_hours(cal, 540, 720), -1);
	assert_int_equal(calendar_add_hours(cal, 720, 780), 0);	/* touching */
	assert_int_equal(calendar_add_hours(cal, 0, 540), 0);
	assert_int_equal(calendar_add_hours(cal, 1000, 1440), 0);
	assert_int_equal(calendar_add_hours(cal, 900, 1001), -1);
	assert_int_equal(calendar_check(cal, err, sizeof(err)), 0);
	assert_int_equal(calendar_add_holiday(cal, 20260230), -1);
	assert_int_equal(calendar_add_holiday(cal, 20261301), -1);
	assert_int_equal(calendar_add_holiday(cal, 2026101), -1);
	assert_int_equal(calendar_add_holiday(cal, 20250229), -1);
	assert_int_equal(calendar_add_holiday(cal, 20280229), 0);
	assert_int_equal(calendar_add_holiday(cal, 20261001), 0);
	assert_int_equal(calendar_add_holiday(cal, 20261001), 0);
	assert_int_equal(calendar_add_workday(cal, 20261001), -1);
	assert_int_equal(calendar_add_workday(cal, 20261010), 0);
	assert_int_equal(calendar_add_holiday(cal, 20261010), -1);
	calendar_free(cal);
	cal = calendar_new_business(SHANGHAI, 0);
	assert_int_equal(calendar_add_hours(cal, 540, 1080), 0);
	assert_int_equal(calendar_check(cal, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no working weekday"));
	calendar_free(cal);
	cal = calendar_new_business(SHANGHAI, 0x80);
	assert_int_equal(calendar_add_hours(cal, 540, 1080), 0);
	assert_int_equal(calendar_check(cal, err, sizeof(err)), -1);
	calendar_free(cal);
	cal = calendar_new_business(15 * 60, WEEKDAYS);
	assert_int_equal(calendar_add_hours(cal, 540, 1080), 0);
	assert_int_equal(calendar_check(cal, err, sizeof(err)), -1);
	calendar_free(cal);
	calendar_free(NULL);
}

/* splitmix64: a fixed seed makes every run check the same cases. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t	z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int64_t
rnd_range(uint64_t *s, int64_t n)
{
	return (int64_t)(rnd(s) % (uint64_t)n);
}

/* Odd hours, an odd offset (Nepal, +05:45) and Tue/Thu/Sat only. */
static struct calendar *
odd_calendar(void)
{
	struct calendar	*cal = calendar_new_business(345, 0x2a);

	assert_int_equal(calendar_add_hours(cal, 1400, 1440), 0);
	assert_int_equal(calendar_add_hours(cal, 0, 60), 0);
	assert_int_equal(calendar_add_hours(cal, 600, 615), 0);
	assert_int_equal(calendar_add_holiday(cal, 20261001), 0);
	assert_int_equal(calendar_add_holiday(cal, 20261003), 0);
	assert_int_equal(calendar_add_holiday(cal, 20261004), 0);
	assert_int_equal(calendar_add_workday(cal, 20261005), 0);
	assert_int_equal(calendar_add_workday(cal, 20261006), 0);
	return cal;
}

/* A start: any millisecond, or exactly on a whole minute. */
static int64_t
rnd_start(uint64_t *s)
{
	int64_t	t = cst(2025, 6, 1, 0, 0) + rnd_range(s, 730 * DAY_MS);

	return rnd(s) & 1 ? t : t - t % MIN_MS;
}

/* A duration: zero, minutes, hours or up to about sixty working days. */
static int64_t
rnd_duration(uint64_t *s)
{
	switch (rnd(s) % 5) {
	case 0:
		return 0;
	case 1:
		return rnd_range(s, 120) * MIN_MS;
	case 2:
		return rnd_range(s, 10 * HOUR_MS) + 1;
	case 3:
		return rnd_range(s, 60) * 9 * HOUR_MS;
	default:
		return rnd_range(s, 540 * HOUR_MS) + 1;
	}
}

static void
sweep_one(const struct calendar *cal, uint64_t *seed)
{
	int64_t	s = rnd_start(seed), d = rnd_duration(seed), t, m;

	t = calendar_add_business_time(cal, s, d);
	assert_true(t >= s);
	assert_int_equal(calendar_business_time(cal, s, t), d);
	if (d > 0) {
		/* Earliest: the last millisecond counted is t - 1. */
		assert_true(calendar_is_open(cal, t - 1));
		assert_int_equal(calendar_business_time(cal, s, t - 1), d - 1);
	}
	/* Open time adds up over a split anywhere in between. */
	m = s + rnd_range(seed, t - s + 1);
	assert_int_equal(calendar_business_time(cal, s, m) +
	    calendar_business_time(cal, m, t), d);
}

static void
test_inverse_sweep(void **state)
{
	struct calendar	*cals[5];
	uint64_t	 seed = 20261001;
	size_t		 i;
	int		 n;

	cals[0] = national_day();
	cals[1] = china_lunch();
	assert_int_equal(calendar_add_holiday(cals[1], 20260101), 0);
	assert_int_equal(calendar_add_workday(cals[1], 20260104), 0);
	cals[2] = calendar_new_business(NEW_YORK, WEEKDAYS);
	assert_int_equal(calendar_add_hours(cals[2], 540, 1020), 0);
	cals[3] = odd_calendar();
	cals[4] = calendar_new_24x7();
	for (i = 0; i < 5; i++)
		for (n = 0; n < 4000; n++)
			sweep_one(cals[i], &seed);
	for (i = 0; i < 5; i++)
		calendar_free(cals[i]);
}

/*
 * business_time against a brute-force count of open minutes: every
 * boundary is on a whole minute, so minute-aligned ranges count whole
 * minutes.
 */
static void
test_against_minutes(void **state)
{
	struct calendar	*cals[2] = { national_day(), odd_calendar() };
	uint64_t	 seed = 42;
	int64_t		 from, to, t, open;
	size_t		 i;
	int		 n;

	for (i = 0; i < 2; i++) {
		for (n = 0; n < 60; n++) {
			from = cst(2026, 9, 24, 0, 0) +
			    rnd_range(&seed, 20 * 1440) * MIN_MS;
			to = from + rnd_range(&seed, 4 * 1440) * MIN_MS;
			open = 0;
			for (t = from; t < to; t += MIN_MS)
				open += calendar_is_open(cals[i], t);
			assert_int_equal(calendar_business_time(cals[i], from,
			    to), open * MIN_MS);
		}
	}
	calendar_free(cals[0]);
	calendar_free(cals[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overnight),
		cmocka_unit_test(test_weekend),
		cmocka_unit_test(test_holidays_open_days),
		cmocka_unit_test(test_holidays),
		cmocka_unit_test(test_time_zone),
		cmocka_unit_test(test_outside_hours),
		cmocka_unit_test(test_lunch_break),
		cmocka_unit_test(test_other_offset),
		cmocka_unit_test(test_before_epoch),
		cmocka_unit_test(test_24x7),
		cmocka_unit_test(test_is_open_boundaries),
		cmocka_unit_test(test_long_durations),
		cmocka_unit_test(test_long_before_holidays),
		cmocka_unit_test(test_workdays_only),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_inverse_sweep),
		cmocka_unit_test(test_against_minutes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
