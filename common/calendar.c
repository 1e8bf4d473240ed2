/*
 * Business-time arithmetic: when an SLA clock's time counts. A 24x7
 * calendar counts every millisecond. A business calendar counts only its
 * opening hours, in a fixed UTC offset with no daylight saving, on its
 * working weekdays, minus holidays, plus make-up working days (调休) that
 * open a date outside the weekday mask with the same hours.
 *
 * Everything is done on "local days": days since 1970-01-01 in the
 * calendar's offset. Every open day is open for the same hours, so the
 * open time between two instants is the open part of the first day, plus
 * the number of open days in between times one day's hours, plus the open
 * part of the last day. The number of open days in a range comes from the
 * weekday mask (whole weeks times the days a week has open, plus the rest)
 * and from a sorted list of dated exceptions carrying a running sum of
 * what each one adds or removes, so it costs O(log exceptions) whatever
 * the length of the range. calendar_add_business_time() searches that
 * count for the day on which a duration runs out.
 *
 * Instants are clamped to +/- CALENDAR_MS_LIMIT (about 36 million years)
 * before the arithmetic, so no input can overflow it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "xmalloc.h"

#define CALENDAR_MINUTE_MS	INT64_C(60000)
#define CALENDAR_DAY_MS		(INT64_C(1440) * CALENDAR_MINUTE_MS)
#define CALENDAR_DAY_MINUTES	1440
#define CALENDAR_WEEK_MASK	0x7fu
#define CALENDAR_OFFSET_MIN	(-12 * 60)
#define CALENDAR_OFFSET_MAX	(14 * 60)
#define CALENDAR_MS_LIMIT	(INT64_C(1) << 60)
#define CALENDAR_SEARCH_DAYS	(INT64_C(1) << 27)	/* ~367,000 years */
#define CALENDAR_YEAR_MIN	1900
#define CALENDAR_YEAR_MAX	9999

/* One opening interval of a day, in ms after local midnight: [open, close). */
struct calendar_span {
	int64_t	open_ms;
	int64_t	close_ms;
};

enum calendar_date_kind {
	DATE_HOLIDAY,
	DATE_WORKDAY,
};

/*
 * A dated exception. delta is what it changes against the weekday mask:
 * -1 for a holiday on a working weekday, +1 for a make-up day on a
 * weekday that is otherwise closed, 0 when it changes nothing. before is
 * the sum of the deltas of all earlier dates.
 */
struct calendar_date {
	int64_t			day;
	enum calendar_date_kind	kind;
	int			delta;
	int64_t			before;
};

struct calendar {
	bool			 is_24x7;
	int			 offset_minutes;
	unsigned		 weekdays;
	struct calendar_span	*spans;		/* sorted, disjoint */
	size_t			 nspans;
	int64_t			 day_ms;	/* open time of an open day */
	struct calendar_date	*dates;		/* sorted by day, unique */
	size_t			 ndates;
	int64_t			 total_delta;
	size_t			 nworkdays;
};

/* Division and remainder that round towards minus infinity (b > 0). */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t	q = a / b;

	if (a % b != 0 && a < 0)
		q--;
	return q;
}

static int64_t
floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

static int64_t
clamp_ms(int64_t ms)
{
	if (ms > CALENDAR_MS_LIMIT)
		return CALENDAR_MS_LIMIT;
	if (ms < -CALENDAR_MS_LIMIT)
		return -CALENDAR_MS_LIMIT;
	return ms;
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so holidays compare directly with local days.
 */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* A yyyymmdd that is a real date becomes its day number; others fail. */
static int
parse_date(int yyyymmdd, int64_t *day)
{
	static const int	mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };
	int			y = yyyymmdd / 10000, m = yyyymmdd / 100 % 100;
	int			d = yyyymmdd % 100, max;
	bool			leap;

	if (y < CALENDAR_YEAR_MIN || y > CALENDAR_YEAR_MAX || m < 1 || m > 12)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	max = mdays[m - 1] + (m == 2 && leap);
	if (d < 1 || d > max)
		return -1;
	*day = days_from_civil(y, m, d);
	return 0;
}

/* Monday is 0; 1970-01-01 was a Thursday. */
static bool
weekday_open(const struct calendar *cal, int64_t day)
{
	return (cal->weekdays >> floor_mod(day + 3, 7)) & 1;
}

/*
 * Working weekdays in local days [-3, day): only differences of this are
 * used, and counting from a Monday makes whole weeks line up.
 */
static int64_t
weekday_count(const struct calendar *cal, int64_t day)
{
	unsigned	mask = cal->weekdays & CALENDAR_WEEK_MASK;
	int64_t		e = day + 3;
	int		rest = (int)floor_mod(e, 7);

	return floor_div(e, 7) * __builtin_popcount(mask) +
	    __builtin_popcount(mask & ((1u << rest) - 1));
}

/* The index of the first date on or after day. */
static size_t
date_lower_bound(const struct calendar *cal, int64_t day)
{
	size_t	lo = 0, hi = cal->ndates, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cal->dates[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The sum of the deltas of the dates before day. */
static int64_t
date_delta_before(const struct calendar *cal, int64_t day)
{
	size_t	i = date_lower_bound(cal, day);

	return i < cal->ndates ? cal->dates[i].before : cal->total_delta;
}

static bool
day_open(const struct calendar *cal, int64_t day)
{
	size_t	i = date_lower_bound(cal, day);

	if (i < cal->ndates && cal->dates[i].day == day)
		return weekday_open(cal, day) + cal->dates[i].delta > 0;
	return weekday_open(cal, day);
}

/* Open days in local days [a, b), a <= b. */
static int64_t
open_days(const struct calendar *cal, int64_t a, int64_t b)
{
	return weekday_count(cal, b) - weekday_count(cal, a) +
	    date_delta_before(cal, b) - date_delta_before(cal, a);
}

/* Open time of an open day between from and to, ms after local midnight. */
static int64_t
span_time(const struct calendar *cal, int64_t from, int64_t to)
{
	const struct calendar_span	*s;
	int64_t				 sum = 0, lo, hi;
	size_t				 i;

	for (i = 0; i < cal->nspans; i++) {
		s = &cal->spans[i];
		lo = s->open_ms > from ? s->open_ms : from;
		hi = s->close_ms < to ? s->close_ms : to;
		if (lo < hi)
			sum += hi - lo;
	}
	return sum;
}

/*
 * Where in an open day, from ms after local midnight, the open time d
 * runs out; -1 when the day ends first. It runs out at the instant the
 * last of it is counted, so an hour from 17:00 ends at 18:00, not at the
 * next opening.
 */
static int64_t
span_advance(const struct calendar *cal, int64_t from, int64_t d)
{
	const struct calendar_span	*s;
	int64_t				 lo;
	size_t				 i;

	for (i = 0; i < cal->nspans; i++) {
		s = &cal->spans[i];
		if (s->close_ms <= from)
			continue;
		lo = s->open_ms > from ? s->open_ms : from;
		if (d <= s->close_ms - lo)
			return lo + d;
		d -= s->close_ms - lo;
	}
	return -1;
}

static int64_t
local_ms(const struct calendar *cal, int64_t utc_ms)
{
	return clamp_ms(utc_ms) + cal->offset_minutes * CALENDAR_MINUTE_MS;
}

/*
 * The first local day d >= a such that [a, d] holds k open days (k > 0),
 * or -1 when none does within CALENDAR_SEARCH_DAYS. The range doubles
 * until it holds enough, then a binary search finds the day.
 */
static int64_t
find_open_day(const struct calendar *cal, int64_t a, int64_t k)
{
	int64_t	lo = 0, hi = 1, mid;

	while (open_days(cal, a, a + hi) < k) {
		if (hi >= CALENDAR_SEARCH_DAYS)
			return -1;
		lo = hi;
		hi *= 2;
	}
	/* [a, a + lo) holds fewer than k, [a, a + hi) holds k or more. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (open_days(cal, a, a + mid) < k)
			lo = mid;
		else
			hi = mid;
	}
	return a + hi - 1;
}

/*
 * A calendar that counts every millisecond. The caller owns it and frees
 * it with calendar_free().
 */
struct calendar *
calendar_new_24x7(void)
{
	struct calendar	*cal;

	cal = xcalloc(1, sizeof(*cal));
	cal->is_24x7 = true;
	return cal;
}

/*
 * A business calendar with no hours, holidays or make-up days yet. The
 * arguments are kept as given and judged by calendar_check(), which can
 * say what is wrong with them; only the low seven bits of weekdays count.
 */
struct calendar *
calendar_new_business(int utc_offset_minutes, unsigned weekdays)
{
	struct calendar	*cal;

	cal = xcalloc(1, sizeof(*cal));
	cal->offset_minutes = utc_offset_minutes;
	cal->weekdays = weekdays;
	return cal;
}

/*
 * Adds an opening interval [open, close) to every open day. Intervals may
 * touch but not overlap, so a lunch break is two calls; a 24x7 calendar
 * has no hours to add.
 */
int
calendar_add_hours(struct calendar *cal, int open_minute, int close_minute)
{
	struct calendar_span	 span;
	size_t			 i;

	if (cal->is_24x7 || open_minute < 0 || open_minute >= close_minute ||
	    close_minute > CALENDAR_DAY_MINUTES)
		return -1;
	span.open_ms = open_minute * CALENDAR_MINUTE_MS;
	span.close_ms = close_minute * CALENDAR_MINUTE_MS;
	for (i = 0; i < cal->nspans; i++)
		if (cal->spans[i].open_ms >= span.open_ms)
			break;
	if (i > 0 && cal->spans[i - 1].close_ms > span.open_ms)
		return -1;
	if (i < cal->nspans && span.close_ms > cal->spans[i].open_ms)
		return -1;
	cal->spans = xreallocarray(cal->spans, cal->nspans + 1,
	    sizeof(*cal->spans));
	memmove(&cal->spans[i + 1], &cal->spans[i],
	    (cal->nspans - i) * sizeof(*cal->spans));
	cal->spans[i] = span;
	cal->nspans++;
	cal->day_ms += span.close_ms - span.open_ms;
	return 0;
}

/* Recomputes the running sums from index i on, after an insertion. */
static void
dates_resum(struct calendar *cal, size_t i)
{
	int64_t	sum = i > 0 ? cal->dates[i - 1].before +
	    cal->dates[i - 1].delta : 0;

	for (; i < cal->ndates; i++) {
		cal->dates[i].before = sum;
		sum += cal->dates[i].delta;
	}
	cal->total_delta = sum;
}

/*
 * Records a holiday or make-up day. Naming a date twice the same way is
 * harmless; naming it both a holiday and a make-up day is a mistake.
 */
static int
calendar_add_date(struct calendar *cal, int yyyymmdd,
    enum calendar_date_kind kind)
{
	struct calendar_date	 date;
	size_t			 i;

	if (cal->is_24x7 || parse_date(yyyymmdd, &date.day) == -1)
		return -1;
	i = date_lower_bound(cal, date.day);
	if (i < cal->ndates && cal->dates[i].day == date.day)
		return cal->dates[i].kind == kind ? 0 : -1;
	date.kind = kind;
	if (kind == DATE_HOLIDAY)
		date.delta = weekday_open(cal, date.day) ? -1 : 0;
	else
		date.delta = weekday_open(cal, date.day) ? 0 : 1;
	date.before = 0;
	cal->dates = xreallocarray(cal->dates, cal->ndates + 1,
	    sizeof(*cal->dates));
	memmove(&cal->dates[i + 1], &cal->dates[i],
	    (cal->ndates - i) * sizeof(*cal->dates));
	cal->dates[i] = date;
	cal->ndates++;
	if (kind == DATE_WORKDAY)
		cal->nworkdays++;
	dates_resum(cal, i);
	return 0;
}

/* Closes a local date (yyyymmdd); fails for a date that does not exist. */
int
calendar_add_holiday(struct calendar *cal, int yyyymmdd)
{
	return calendar_add_date(cal, yyyymmdd, DATE_HOLIDAY);
}

/*
 * Opens a local date (yyyymmdd) with the usual hours, for a make-up day
 * that falls on a weekend; on a working weekday it changes nothing.
 */
int
calendar_add_workday(struct calendar *cal, int yyyymmdd)
{
	return calendar_add_date(cal, yyyymmdd, DATE_WORKDAY);
}

/*
 * Says whether the calendar can ever count time, so that a policy file
 * with a calendar that would make every clock run forever is refused at
 * start-up with the reason in err.
 */
int
calendar_check(const struct calendar *cal, char *err, size_t errsz)
{
	const char	*why = NULL;

	if (cal->is_24x7)
		return 0;
	if (cal->offset_minutes < CALENDAR_OFFSET_MIN ||
	    cal->offset_minutes > CALENDAR_OFFSET_MAX)
		why = "utc offset must be between -720 and +840 minutes";
	else if (cal->weekdays & ~CALENDAR_WEEK_MASK)
		why = "weekday mask has bits beyond Sunday (bit 6)";
	else if (cal->nspans == 0)
		why = "no opening hours";
	else if (cal->weekdays == 0 && cal->nworkdays == 0)
		why = "no working weekday and no make-up working day";
	if (why == NULL)
		return 0;
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "%s", why);
	return -1;
}

bool
calendar_is_24x7(const struct calendar *cal)
{
	return cal->is_24x7;
}

/* Opening times are closed on the right: open at 09:00, closed at 18:00. */
bool
calendar_is_open(const struct calendar *cal, int64_t at_ms)
{
	int64_t	l, day;

	if (cal->is_24x7)
		return true;
	l = local_ms(cal, at_ms);
	day = floor_div(l, CALENDAR_DAY_MS);
	if (!day_open(cal, day))
		return false;
	l -= day * CALENDAR_DAY_MS;
	return span_time(cal, l, l + 1) > 0;
}

/*
 * The earliest instant t >= start_ms such that the open time in
 * [start_ms, t) is duration_ms. A start outside opening hours counts from
 * the next opening; a duration of zero (or less) returns start_ms itself,
 * even when the calendar is closed then. Returns INT64_MAX when the time
 * never runs out: a calendar that calendar_check() refuses, a calendar
 * whose make-up days run out, or a deadline hundreds of thousands of
 * years away.
 */
int64_t
calendar_add_business_time(const struct calendar *cal, int64_t start_ms,
    int64_t duration_ms)
{
	int64_t	l, day, in, avail, k, at;

	if (duration_ms <= 0)
		return start_ms;
	if (cal->is_24x7)
		return start_ms > INT64_MAX - duration_ms ? INT64_MAX :
		    start_ms + duration_ms;
	if (cal->day_ms == 0 || start_ms >= CALENDAR_MS_LIMIT)
		return INT64_MAX;
	l = local_ms(cal, start_ms);
	day = floor_div(l, CALENDAR_DAY_MS);
	in = l - day * CALENDAR_DAY_MS;
	avail = day_open(cal, day) ? span_time(cal, in, CALENDAR_DAY_MS) : 0;
	if (duration_ms <= avail) {
		at = day * CALENDAR_DAY_MS + span_advance(cal, in, duration_ms);
		return at - cal->offset_minutes * CALENDAR_MINUTE_MS;
	}
	duration_ms -= avail;
	k = (duration_ms - 1) / cal->day_ms + 1;
	if ((day = find_open_day(cal, day + 1, k)) == -1)
		return INT64_MAX;
	duration_ms -= (k - 1) * cal->day_ms;
	at = day * CALENDAR_DAY_MS + span_advance(cal, 0, duration_ms);
	return at - cal->offset_minutes * CALENDAR_MINUTE_MS;
}

/*
 * The open time in [from_ms, to_ms), 0 when to_ms <= from_ms. For a 24x7
 * calendar that is to_ms - from_ms, or INT64_MAX when that overflows.
 */
int64_t
calendar_business_time(const struct calendar *cal, int64_t from_ms,
    int64_t to_ms)
{
	int64_t	lf, lt, df, dt, sum = 0;

	if (to_ms <= from_ms)
		return 0;
	if (cal->is_24x7)
		return from_ms < 0 && to_ms > INT64_MAX + from_ms ? INT64_MAX :
		    to_ms - from_ms;
	lf = local_ms(cal, from_ms);
	lt = local_ms(cal, to_ms);
	df = floor_div(lf, CALENDAR_DAY_MS);
	dt = floor_div(lt, CALENDAR_DAY_MS);
	lf -= df * CALENDAR_DAY_MS;
	lt -= dt * CALENDAR_DAY_MS;
	if (df == dt)
		return day_open(cal, df) ? span_time(cal, lf, lt) : 0;
	if (day_open(cal, df))
		sum += span_time(cal, lf, CALENDAR_DAY_MS);
	sum += open_days(cal, df + 1, dt) * cal->day_ms;
	if (day_open(cal, dt))
		sum += span_time(cal, 0, lt);
	return sum;
}

void
calendar_free(struct calendar *cal)
{
	if (cal == NULL)
		return;
	free(cal->spans);
	free(cal->dates);
	free(cal);
}
