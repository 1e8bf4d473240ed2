/*
 * A [calendar] section (see calconf.h): its keys' setters, which check each
 * value as it is read, and the calendar built when the section closes,
 * which checks the section as a whole.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calconf.h"
#include "nitems.h"
#include "xmalloc.h"

#define CALCONF_RANGE_MAX	366	/* days in one holiday range */
#define CALCONF_MINUTE_MS	INT64_C(60000)

static int	set_timezone(void *, char *);
static int	set_weekdays(void *, char *);
static int	set_hours(void *, char *);
static int	set_holidays(void *, char *);
static int	set_workdays(void *, char *);

const struct confschema_key calconf_keys[CALCONF_NKEYS] = {
	{ "timezone",	set_timezone,	false, true },
	{ "weekdays",	set_weekdays,	false, true },
	{ "hours",	set_hours,	true, false },
	{ "holidays",	set_holidays,	true, false },
	{ "workdays",	set_workdays,	true, false },
};

static const struct conffile_name calconf_weekdays[] = {
	{ "mon", 0 }, { "tue", 1 }, { "wed", 2 }, { "thu", 3 },
	{ "fri", 4 }, { "sat", 5 }, { "sun", 6 },
};

/*
 * Time zones by name, in minutes east of UTC: only zones without daylight
 * saving, since a calendar has one fixed offset.
 */
static const struct conffile_name calconf_zones[] = {
	{ "Asia/Shanghai",	480 },
	{ "Asia/Hong_Kong",	480 },
	{ "Asia/Macau",		480 },
	{ "Asia/Taipei",	480 },
	{ "UTC",		0 },
};


/* Two decimal digits at s, or -1. */
static int
two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Parses "HH:MM" (00:00 to 24:00) into minutes after midnight. */
static int
parse_clock_time(const char *s, int *minutes)
{
	int	h, m;

	if (strlen(s) != 5 || s[2] != ':' || (h = two_digits(s)) == -1 ||
	    (m = two_digits(s + 3)) == -1 || m > 59 || h > 24 ||
	    (h == 24 && m != 0))
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

static bool
leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int	mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	return mdays[m - 1] + (m == 2 && leap_year(y));
}

/* Parses "YYYY-MM-DD", a real date from 1900 to 9999, into yyyymmdd. */
static int
parse_date(const char *s, int *ymd)
{
	int	y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    two_digits(s) == -1 || two_digits(s + 2) == -1 ||
	    (m = two_digits(s + 5)) == -1 || (d = two_digits(s + 8)) == -1)
		return -1;
	y = two_digits(s) * 100 + two_digits(s + 2);
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return -1;
	*ymd = y * 10000 + m * 100 + d;
	return 0;
}

static int
date_next(int ymd)
{
	int	y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;

	if (d < month_days(y, m))
		return ymd + 1;
	if (m < 12)
		return y * 10000 + (m + 1) * 100 + 1;
	return (y + 1) * 10000 + 101;
}

/* The weekday of a date, Monday 0 to Sunday 6 (Sakamoto's method). */
static int
date_weekday(int ymd)
{
	static const int	t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };
	int			y = ymd / 10000, m = ymd / 100 % 100;
	int			d = ymd % 100;

	y -= m < 3;
	return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d + 6) % 7;
}

static void
date_add(struct calconf_date **dates, size_t *n, int ymd, size_t line)
{
	*dates = xreallocarray(*dates, *n + 1, sizeof(**dates));
	(*dates)[*n].ymd = ymd;
	(*dates)[(*n)++].line = line;
}

/*
 * Adds a date or a range "YYYY-MM-DD..YYYY-MM-DD" (both ends included,
 * at most CALCONF_RANGE_MAX days) to a list.
 */
static int
add_dates(struct calconf *cc, char *item, struct calconf_date **dates,
    size_t *n)
{
	char	 shown[64], *dots;
	int	 from, to, days = 1;

	snprintf(shown, sizeof(shown), "%s", item);
	if ((dots = strstr(item, "..")) != NULL) {
		*dots = '\0';
		if (parse_date(conffile_trim(item), &from) == -1 ||
		    parse_date(conffile_trim(dots + 2), &to) == -1 || from > to)
			goto bad;
	} else if (parse_date(item, &from) == -1)
		goto bad;
	else
		to = from;
	for (;; from = date_next(from), days++) {
		if (days > CALCONF_RANGE_MAX)
			return conffile_error(cc->cf, "date range longer than "
			    "%d days", CALCONF_RANGE_MAX);
		date_add(dates, n, from, cc->cf->line);
		if (from == to)
			return 0;
	}
bad:
	return conffile_error(cc->cf, "bad date \"%s\": YYYY-MM-DD or "
	    "YYYY-MM-DD..YYYY-MM-DD (first day, last day), real dates in "
	    "order", shown);
}

/* A UTC offset "+08:00" or "-05:30", or a zone without daylight saving. */
static int
set_timezone(void *arg, char *v)
{
	struct calconf	*cc = arg;
	int		 h, m, zone;

	if ((zone = conffile_lookup(calconf_zones, nitems(calconf_zones), v)) !=
	    -1) {
		cc->offset = zone;
		return 0;
	}
	if (strlen(v) != 6 || (v[0] != '+' && v[0] != '-') || v[3] != ':' ||
	    (h = two_digits(v + 1)) == -1 || (m = two_digits(v + 4)) == -1 ||
	    h > 23 || m > 59)
		return conffile_error(cc->cf, "bad timezone \"" CONFFILE_ECHO
		    "\": a UTC offset such as +08:00, or Asia/Shanghai, "
		    "Asia/Hong_Kong, Asia/Macau, Asia/Taipei or UTC (zones "
		    "with daylight saving are not supported)", v);
	cc->offset = (v[0] == '-' ? -1 : 1) * (h * 60 + m);
	return 0;
}

/* A weekday ("mon") or a range of them ("mon-fri"). */
static int
add_weekday(void *arg, char *item)
{
	struct calconf	*cc = arg;
	char		*dash;
	int		 from, to, d;
	unsigned	 bits = 0;

	if ((dash = strchr(item, '-')) != NULL)
		*dash++ = '\0';
	if (conffile_enum(cc->cf, calconf_weekdays, nitems(calconf_weekdays),
	    "weekday", conffile_trim(item), &from) == -1)
		return -1;
	to = from;
	if (dash != NULL && conffile_enum(cc->cf, calconf_weekdays,
	    nitems(calconf_weekdays), "weekday", conffile_trim(dash),
	    &to) == -1)
		return -1;
	if (to < from)
		return conffile_error(cc->cf, "weekday range %s-%s runs "
		    "backwards (mon-fri, sat-sun)", item, dash);
	for (d = from; d <= to; d++)
		bits |= 1u << d;
	if (cc->weekdays & bits)
		return conffile_error(cc->cf, "weekday %s given twice", item);
	cc->weekdays |= bits;
	return 0;
}

static int
set_weekdays(void *arg, char *v)
{
	struct calconf	*cc = arg;

	return conffile_list(cc->cf, v, "weekday", add_weekday, cc);
}

/* An opening interval "09:00-18:00"; several make a lunch break. */
static int
add_hours(void *arg, char *item)
{
	struct calconf	*cc = arg;
	char		 shown[64], *dash;
	int		 from, to;

	snprintf(shown, sizeof(shown), "%s", item);
	if ((dash = strchr(item, '-')) == NULL)
		goto bad;
	*dash = '\0';
	if (parse_clock_time(conffile_trim(item), &from) == -1 ||
	    parse_clock_time(conffile_trim(dash + 1), &to) == -1 || from >= to)
		goto bad;
	if (cc->nhours == CALCONF_HOURS_MAX)
		return conffile_error(cc->cf, "more than %d opening intervals",
		    CALCONF_HOURS_MAX);
	cc->hours[cc->nhours][0] = from;
	cc->hours[cc->nhours][1] = to;
	cc->hours_line[cc->nhours++] = cc->cf->line;
	return 0;
bad:
	return conffile_error(cc->cf, "bad hours \"%s\": HH:MM-HH:MM, opening "
	    "before closing, from 00:00 to 24:00 (09:00-18:00)", shown);
}

static int
set_hours(void *arg, char *v)
{
	struct calconf	*cc = arg;

	return conffile_list(cc->cf, v, "hours", add_hours, cc);
}

static int
add_holiday(void *arg, char *item)
{
	struct calconf	*cc = arg;

	return add_dates(cc, item, &cc->holidays, &cc->nholidays);
}

static int
add_workday(void *arg, char *item)
{
	struct calconf	*cc = arg;

	return add_dates(cc, item, &cc->workdays, &cc->nworkdays);
}

static int
set_holidays(void *arg, char *v)
{
	struct calconf	*cc = arg;

	return conffile_list(cc->cf, v, "holiday", add_holiday, cc);
}

static int
set_workdays(void *arg, char *v)
{
	struct calconf	*cc = arg;

	return conffile_list(cc->cf, v, "workday", add_workday, cc);
}



/*
 * Checks the dates of a calendar against its weekdays: a make-up working
 * day (调休) opens a day the calendar is otherwise closed, so one on a
 * working weekday is a mistake in the list.
 */
static int
check_workdays(struct calconf *cc)
{
	static const char	*names[] = { "Monday", "Tuesday", "Wednesday",
				    "Thursday", "Friday", "Saturday",
				    "Sunday" };
	size_t			 i;
	int			 wd, ymd;

	for (i = 0; i < cc->nworkdays; i++) {
		ymd = cc->workdays[i].ymd;
		wd = date_weekday(ymd);
		if (!(cc->weekdays & (1u << wd)))
			continue;
		cc->cf->line = cc->workdays[i].line;
		return conffile_error(cc->cf, "make-up workday %04d-%02d-%02d "
		    "is a %s, a working day already", ymd / 10000,
		    ymd / 100 % 100, ymd % 100, names[wd]);
	}
	return 0;
}

/* Gives a new calendar its opening hours and its daily opening time. */
static int
cal_add_hours(struct calconf *cc, struct calendar *cal, int64_t *day_ms)
{
	size_t			 i;
	int			 from, to;

	for (i = 0; i < cc->nhours; i++) {
		from = cc->hours[i][0];
		to = cc->hours[i][1];
		cc->cf->line = cc->hours_line[i];
		if (calendar_add_hours(cal, from, to) == -1)
			return conffile_error(cc->cf, "opening hours "
			    "%02d:%02d-%02d:%02d overlap others", from / 60,
			    from % 60, to / 60, to % 60);
		*day_ms += (to - from) * CALCONF_MINUTE_MS;
	}
	return 0;
}

/*
 * Gives a new calendar its holidays, then its make-up working days; the
 * calendar refuses a make-up day that is also a holiday.
 */
static int
cal_add_dates(struct calconf *cc, struct calendar *cal)
{
	size_t			 i;
	int			 ymd;

	for (i = 0; i < cc->nholidays; i++) {
		cc->cf->line = cc->holidays[i].line;
		if (calendar_add_holiday(cal, cc->holidays[i].ymd) == -1)
			return conffile_error(cc->cf, "holiday %d refused by "
			    "the calendar", cc->holidays[i].ymd);
	}
	for (i = 0; i < cc->nworkdays; i++) {
		ymd = cc->workdays[i].ymd;
		cc->cf->line = cc->workdays[i].line;
		if (calendar_add_workday(cal, ymd) == -1)
			return conffile_error(cc->cf, "%04d-%02d-%02d is both "
			    "a holiday and a make-up workday", ymd / 10000,
			    ymd / 100 % 100, ymd % 100);
	}
	return 0;
}

/* Forgets what the last section said: a new section starts. */
void
calconf_reset(struct calconf *cc)
{
	struct conffile	*cf = cc->cf;

	free(cc->holidays);
	free(cc->workdays);
	memset(cc, 0, sizeof(*cc));
	cc->cf = cf;
}

/*
 * Builds the calendar the section describes, and has the calendar itself
 * say whether it can ever count time (calendar_check); day_ms is the
 * opening time of one working day. NULL once an error is written, naming
 * the line at fault (the header's for the calendar as a whole).
 */
struct calendar *
calconf_build(struct calconf *cc, size_t header_line, int64_t *day_ms)
{
	struct calendar	*cal;
	char		 why[256];

	*day_ms = 0;
	if (check_workdays(cc) == -1)
		return NULL;
	cal = calendar_new_business(cc->offset, cc->weekdays);
	if (cal_add_hours(cc, cal, day_ms) == -1 ||
	    cal_add_dates(cc, cal) == -1)
		goto fail;
	cc->cf->line = header_line;
	if (calendar_check(cal, why, sizeof(why)) == -1) {
		conffile_error(cc->cf, "%s", why);
		goto fail;
	}
	return cal;
fail:
	calendar_free(cal);
	return NULL;
}
