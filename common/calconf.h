/*
 * calconf.c: a [calendar] section of a configuration file, read through
 * the declarative layer (confschema.c), and the business calendar
 * (calendar.c) it describes:
 *
 *	[calendar <name>]
 *	timezone = +08:00		(or Asia/Shanghai, UTC, ...)
 *	weekdays = mon-fri		(a list of days and ranges)
 *	hours = 09:00-12:00, 13:00-18:00	(repeatable)
 *	holidays = 2026-10-01..2026-10-07	(repeatable)
 *	workdays = 2026-10-10		(make-up working days, repeatable)
 *
 * timezone and weekdays are required. The SLA policy file has such
 * sections; any other file that needs a calendar can have them too.
 */
#ifndef CDP_CALCONF_H
#define CDP_CALCONF_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "confschema.h"

#define CALCONF_HOURS_MAX	8	/* opening intervals of a day */

/* A holiday or make-up working day, and the line that named it. */
struct calconf_date {
	int	ymd;
	size_t	line;
};

/*
 * What a [calendar] section says, kept until the section closes. The
 * parser embeds one, points cf at its conffile, and names it in its
 * kind's key_arg_offset, so that calconf_keys fill it.
 */
struct calconf {
	struct conffile		*cf;
	int			 offset;	/* minutes east of UTC */
	unsigned		 weekdays;	/* bit 0 Monday ... 6 Sunday */
	int			 hours[CALCONF_HOURS_MAX][2];
	size_t			 hours_line[CALCONF_HOURS_MAX];
	size_t			 nhours;
	struct calconf_date	*holidays;
	size_t			 nholidays;
	struct calconf_date	*workdays;
	size_t			 nworkdays;
};

#define CALCONF_NKEYS		5	/* entries of calconf_keys */

extern const struct confschema_key	calconf_keys[CALCONF_NKEYS];

void		 calconf_reset(struct calconf *cc);
struct calendar	*calconf_build(struct calconf *cc, size_t header_line,
		    int64_t *day_ms);

#endif
