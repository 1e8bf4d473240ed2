/*
 * The SLA policy file (config/sla-policies.conf, SLA_POLICY_FILE): for a
 * (severity, category, clock), how long the responsible party has, in
 * which calendar that time counts, when to warn, and what a breach sets
 * off. It is loaded once at start-up; every mistake stops the daemon with
 * "<path>:<line>: [<section>] <reason>", so a typo never leaves a clock
 * silently without a deadline.
 *
 * The file is line-oriented UTF-8 in INI-like sections, like the
 * classifier's rules file. '#' starts a comment that runs to the end of
 * the line; blank lines are skipped. Every other line is a section header
 * "[kind name]" or "key = value". Lists are separated by commas (ASCII ","
 * or full-width "，").
 *
 *	[calendar <name>]	timezone, weekdays, hours, holidays,
 *				workdays (the last three repeatable;
 *				calconf.c reads them)
 *	[policy <id>]		clock, severity, category, target, calendar,
 *				warn_at, party, coupon_fen, escalate,
 *				penalty_points, notify
 *
 * The calendar "24x7" is built in. A target is a whole number and a unit:
 * s, m, h, d (24 hours, 24x7 calendars only) or bd (business days: n times
 * the calendar's daily opening time, business calendars only). Calendars
 * may be defined after the policies that name them, so names and targets
 * are resolved once the whole file is read. The file's SHA-256 (first 16
 * hex digits) is its version.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calconf.h"
#include "conffile.h"
#include "confschema.h"
#include "nitems.h"
#include "policy.h"
#include "vocab.h"
#include "xmalloc.h"

#define POLICY_FILE_MAX		(1024 * 1024)
#define POLICY_ID_MAX		(SLA_POLICY_NAME_MAX - 1)
#define POLICY_NSEVS		5	/* Severity values, 0 meaning "*" */
#define POLICY_NCATS		8	/* Category values, 0 meaning "*" */
#define POLICY_NCLOCKS		10	/* SlaClock values */
#define POLICY_ANY		0
#define POLICY_COUNT_MAX	1000000
#define POLICY_COUPON_MAX	100000	/* 1,000 CNY */
#define POLICY_POINTS_MAX	100
#define POLICY_MINUTE_MS	INT64_C(60000)
#define POLICY_DAY_MINUTES	1440
#define POLICY_WARN_DEFAULT	800	/* per mille of the target */

#define CLK(x)		CDP__V1__SLA_CLOCK__SLA_CLOCK_##x
#define PARTY(x)	CDP__V1__PARTY__PARTY_##x

/* The index tables hold every value the contract has today. */
_Static_assert(CDP__V1__SEVERITY__SEVERITY_LOW < POLICY_NSEVS,
    "a Severity beyond the policy index");
_Static_assert(CDP__V1__CATEGORY__CATEGORY_OTHER < POLICY_NCATS,
    "a Category beyond the policy index");
_Static_assert(CDP__V1__SLA_CLOCK__SLA_CLOCK_EMERGENCY_START < POLICY_NCLOCKS,
    "an SlaClock beyond the policy index");

enum policy_unit {
	UNIT_SECOND,
	UNIT_MINUTE,
	UNIT_HOUR,
	UNIT_DAY,
	UNIT_BUSINESS_DAY,
};

struct policy_calendar {
	char		*name;
	struct calendar	*cal;
	int64_t		 day_ms;	/* opening time of one working day */
};

/*
 * One [policy] section. The target and the calendar are kept as written
 * until the file is read, then resolved into pol.
 */
struct policy_entry {
	struct sla_policy	 pol;
	char			*name;
	size_t			 line;		/* of its section header */
	int			 severity;	/* POLICY_ANY or a Severity */
	int			 category;	/* POLICY_ANY or a Category */
	long long		 count;
	enum policy_unit	 unit;
	size_t			 target_line;
	char			*calendar;	/* NULL: 24x7 */
	size_t			 calendar_line;
};

struct policy_set {
	char			 version[CONFFILE_VERSION_LEN + 1];
	struct calendar		*always;	/* the built-in 24x7 */
	struct policy_calendar	*cals;
	size_t			 ncals;
	struct policy_entry	*entries;
	size_t			 nentries;
	const struct sla_policy	*index[POLICY_NSEVS][POLICY_NCATS]
				    [POLICY_NCLOCKS];
};

/*
 * The state of one load. Errors name the section being read, or the entry
 * being resolved once the file is read, in cf.where ("[policy x] ").
 */
struct parser {
	struct conffile		 cf;
	struct confschema_state	 sch;
	struct policy_set	*ps;
	struct calconf		 cal;		/* the [calendar] being read */
	size_t			 slot[POLICY_NSEVS][POLICY_NCATS]
				    [POLICY_NCLOCKS];	/* entry + 1 */
};

/* Whose obligation each clock measures when the entry says nothing. */
static const Cdp__V1__Party policy_clock_party[POLICY_NCLOCKS] = {
	[CLK(FIRST_CONTACT)] =		PARTY(PLATFORM),
	[CLK(MERCHANT_RESPONSE)] =	PARTY(MERCHANT),
	[CLK(INVESTIGATION)] =		PARTY(PLATFORM),
	[CLK(SOLUTION)] =		PARTY(PLATFORM),
	[CLK(EXECUTION)] =		PARTY(MERCHANT),
	[CLK(RETURN_INSPECTION)] =	PARTY(MERCHANT),
	[CLK(APPEAL_REVIEW)] =		PARTY(PLATFORM),
	[CLK(QC_RESULT)] =		PARTY(PLATFORM),
	[CLK(EMERGENCY_START)] =	PARTY(PLATFORM),
};

static const struct {
	const char		*name;
	enum policy_unit	 unit;
	int64_t			 ms;	/* 0: depends on the calendar */
} policy_units[] = {
	[UNIT_SECOND] =	{ "s",	UNIT_SECOND,	INT64_C(1000) },
	[UNIT_MINUTE] =	{ "m",	UNIT_MINUTE,	POLICY_MINUTE_MS },
	[UNIT_HOUR] =	{ "h",	UNIT_HOUR,	60 * POLICY_MINUTE_MS },
	[UNIT_DAY] =	{ "d",	UNIT_DAY,	POLICY_DAY_MINUTES *
					    POLICY_MINUTE_MS },
	[UNIT_BUSINESS_DAY] = { "bd", UNIT_BUSINESS_DAY, 0 },
};

static int	set_clock(void *, char *);
static int	set_severity(void *, char *);
static int	set_category(void *, char *);
static int	set_target(void *, char *);
static int	set_calendar(void *, char *);
static int	set_warn_at(void *, char *);
static int	set_party(void *, char *);
static int	set_coupon(void *, char *);
static int	set_escalate(void *, char *);
static int	set_penalty(void *, char *);
static int	set_notify(void *, char *);

enum policy_key_index {
	KEY_CLOCK,
	KEY_SEVERITY,
	KEY_CATEGORY,
	KEY_TARGET,
	KEY_CALENDAR,
	KEY_WARN_AT,
	KEY_PARTY,
	KEY_COUPON,
	KEY_ESCALATE,
	KEY_PENALTY,
	KEY_NOTIFY,
};

static const struct confschema_key policy_keys[] = {
	[KEY_CLOCK] =		{ "clock",		set_clock,	false, true },
	[KEY_SEVERITY] =	{ "severity",		set_severity,	false },
	[KEY_CATEGORY] =	{ "category",		set_category,	false },
	[KEY_TARGET] =		{ "target",		set_target,	false, true },
	[KEY_CALENDAR] =	{ "calendar",		set_calendar,	false },
	[KEY_WARN_AT] =		{ "warn_at",		set_warn_at,	false },
	[KEY_PARTY] =		{ "party",		set_party,	false },
	[KEY_COUPON] =		{ "coupon_fen",		set_coupon,	false },
	[KEY_ESCALATE] =	{ "escalate",		set_escalate,	false },
	[KEY_PENALTY] =		{ "penalty_points",	set_penalty,	false },
	[KEY_NOTIFY] =		{ "notify",		set_notify,	false },
};

static int	open_calendar(void *, const char *);
static int	close_calendar(void *);
static int	open_policy(void *, const char *);
static int	close_policy(void *);

static const struct confschema_kind policy_kinds[] = {
	{ "calendar", true, calconf_keys, CALCONF_NKEYS, open_calendar,
	    close_calendar, offsetof(struct parser, cal) },
	{ "policy", true, policy_keys, nitems(policy_keys), open_policy,
	    close_policy, 0 },
};

static const struct confschema policy_schema = {
	policy_kinds, nitems(policy_kinds), false
};

/* Parses a whole base-10 number of digits only (no sign), at most max. */
static int
parse_uint(const char *s, long long max, long long *out)
{
	if (*s < '0' || *s > '9')
		return -1;
	return conffile_int(s, 0, max, out);
}

static struct policy_entry *
cur_entry(struct parser *p)
{
	return &p->ps->entries[p->ps->nentries - 1];
}

static int
set_clock(void *arg, char *v)
{
	struct parser		*p = arg;
	struct policy_entry	*e = cur_entry(p);
	int			 clock;

	if (vocab_conf(&p->cf, &cdp__v1__sla_clock__descriptor, "clock", NULL,
	    v, &clock) == -1)
		return -1;
	e->pol.clock = clock;
	if (!confschema_given(&p->sch, KEY_PARTY))
		e->pol.party = policy_clock_party[clock];
	return 0;
}

/* A severity or category: "*" (any) or a public name of the enum. */
static int
policy_any(struct parser *p, const ProtobufCEnumDescriptor *d,
    const char *what, const char *v, int *out)
{
	if (strcmp(v, "*") == 0) {
		*out = POLICY_ANY;
		return 0;
	}
	return vocab_conf(&p->cf, d, what, "*", v, out);
}

static int
set_severity(void *arg, char *v)
{
	struct parser	*p = arg;

	return policy_any(p, &cdp__v1__severity__descriptor, "severity", v,
	    &cur_entry(p)->severity);
}

static int
set_category(void *arg, char *v)
{
	struct parser	*p = arg;

	return policy_any(p, &cdp__v1__category__descriptor, "category", v,
	    &cur_entry(p)->category);
}

/*
 * A whole number greater than 0 and a unit. The unit is checked against
 * the calendar once the file is read.
 */
static int
set_target(void *arg, char *v)
{
	struct parser		*p = arg;
	struct policy_entry	*e = cur_entry(p);
	size_t			 digits, i;

	digits = strspn(v, "0123456789");
	for (i = 0; i < nitems(policy_units); i++)
		if (digits > 0 && strcmp(v + digits, policy_units[i].name) == 0)
			break;
	if (i == nitems(policy_units) || digits > 7 ||
	    (e->count = strtoll(v, NULL, 10)) < 1 ||
	    e->count > POLICY_COUNT_MAX)
		return conffile_error(&p->cf, "bad target \"" CONFFILE_ECHO
		    "\": a whole number greater than 0 (at most %d) and a "
		    "unit: s, m, h, d or bd (4s, 30m, 2h, 2bd)", v,
		    POLICY_COUNT_MAX);
	e->unit = policy_units[i].unit;
	e->target_line = p->cf.line;
	return 0;
}

static int
set_calendar(void *arg, char *v)
{
	struct parser		*p = arg;
	struct policy_entry	*e = cur_entry(p);

	if (!conffile_id(v, POLICY_ID_MAX))
		return conffile_error(&p->cf, "bad calendar name \""
		    CONFFILE_ECHO "\": 1-%d characters of a-z, 0-9, _, . and -",
		    v, POLICY_ID_MAX);
	if (strcmp(v, "24x7") != 0)
		e->calendar = xstrdup(v);
	e->calendar_line = p->cf.line;
	return 0;
}

/*
 * Parses a decimal number with at most three decimals into thousandths
 * ("0.8" is 800, "1" is 1000).
 */
static int
parse_milli(const char *s, int *out)
{
	int	v = 0, digits = 0, decimals = -1;

	for (; *s != '\0'; s++) {
		if (*s == '.' && decimals == -1 && digits > 0) {
			decimals = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || decimals == 3 || digits == 6)
			return -1;
		v = v * 10 + (*s - '0');
		digits++;
		if (decimals >= 0)
			decimals++;
	}
	if (digits == 0 || decimals == 0)
		return -1;
	for (decimals = decimals < 0 ? 0 : decimals; decimals < 3; decimals++)
		v *= 10;
	*out = v;
	return 0;
}

/*
 * The warning point: a fraction of the target greater than 0 and at most
 * 1, kept in per mille; "no" means no warning (0).
 */
static int
set_warn_at(void *arg, char *v)
{
	struct parser	*p = arg;
	int		 permille;

	if (strcmp(v, "no") == 0)
		permille = 0;
	else if (parse_milli(v, &permille) == -1 || permille < 1 ||
	    permille > 1000)
		return conffile_error(&p->cf, "bad warn_at \"" CONFFILE_ECHO
		    "\": a fraction of the target greater than 0 and at most "
		    "1, with at most 3 decimals (0.8), or no", v);
	cur_entry(p)->pol.warn_permille = permille;
	return 0;
}

static int
set_party(void *arg, char *v)
{
	struct parser	*p = arg;
	int		 party;

	if (vocab_conf(&p->cf, &cdp__v1__party__descriptor, "party", NULL, v,
	    &party) == -1)
		return -1;
	cur_entry(p)->pol.party = party;
	return 0;
}

static int
set_coupon(void *arg, char *v)
{
	struct parser	*p = arg;
	long long	 n;

	if (parse_uint(v, POLICY_COUPON_MAX, &n) == -1)
		return conffile_error(&p->cf, "bad coupon_fen \"" CONFFILE_ECHO
		    "\": an amount in fen from 0 (none) to %d", v,
		    POLICY_COUPON_MAX);
	cur_entry(p)->pol.actions.coupon_fen = n;
	return 0;
}

/* An escalation level, or "no". */
static int
set_escalate(void *arg, char *v)
{
	struct parser		*p = arg;
	struct sla_actions	*a = &cur_entry(p)->pol.actions;
	int			 level;

	if (strcmp(v, "no") == 0) {
		a->escalate = false;
		a->escalate_to = 0;
		return 0;
	}
	if (vocab_conf(&p->cf, &cdp__v1__escalation_level__descriptor,
	    "escalation level", NULL, v, &level) == -1)
		return -1;
	a->escalate = true;
	a->escalate_to = level;
	return 0;
}

/* Points deducted from the merchant: the merchant penalty is on. */
static int
set_penalty(void *arg, char *v)
{
	struct parser		*p = arg;
	struct sla_actions	*a = &cur_entry(p)->pol.actions;
	long long		 n;

	if (parse_uint(v, POLICY_POINTS_MAX, &n) == -1 || n < 1)
		return conffile_error(&p->cf, "bad penalty_points \""
		    CONFFILE_ECHO "\": an integer from 1 to %d (leave the key "
		    "out for no penalty)", v, POLICY_POINTS_MAX);
	a->penalize_merchant = true;
	a->penalty_points = n;
	return 0;
}

static int
set_notify(void *arg, char *v)
{
	struct parser	*p = arg;

	if (conffile_bool(v, &cur_entry(p)->pol.actions.notify) == -1)
		return conffile_error(&p->cf, "bad notify \"" CONFFILE_ECHO
		    "\": yes or no", v);
	return 0;
}

static struct policy_calendar *
cal_lookup(struct policy_set *ps, const char *name)
{
	size_t	i;

	for (i = 0; i < ps->ncals; i++)
		if (strcmp(ps->cals[i].name, name) == 0)
			return &ps->cals[i];
	return NULL;
}

/* A section's name is an id: a-z, 0-9, _, . and -. */
static int
check_name(struct parser *p, const char *kind, const char *name)
{
	if (!conffile_id(name, POLICY_ID_MAX))
		return conffile_error(&p->cf, "bad %s name \"" CONFFILE_ECHO
		    "\": 1-%d characters of a-z, 0-9, _, . and -", kind, name,
		    POLICY_ID_MAX);
	return 0;
}

static int
open_calendar(void *arg, const char *name)
{
	struct parser		*p = arg;
	struct policy_set	*ps = p->ps;

	if (check_name(p, "calendar", name) == -1)
		return -1;
	calconf_reset(&p->cal);
	if (strcmp(name, "24x7") == 0)
		return conffile_error(&p->cf, "calendar 24x7 is built in and "
		    "cannot be redefined");
	if (cal_lookup(ps, name) != NULL)
		return conffile_error(&p->cf, "duplicate calendar %s", name);
	ps->cals = xreallocarray(ps->cals, ps->ncals + 1, sizeof(*ps->cals));
	memset(&ps->cals[ps->ncals], 0, sizeof(ps->cals[0]));
	ps->cals[ps->ncals++].name = xstrdup(name);
	return 0;
}

static int
open_policy(void *arg, const char *name)
{
	struct parser		*p = arg;
	struct policy_set	*ps = p->ps;
	struct policy_entry	*e;
	size_t			 i;

	if (check_name(p, "policy", name) == -1)
		return -1;
	for (i = 0; i < ps->nentries; i++)
		if (strcmp(ps->entries[i].name, name) == 0)
			return conffile_error(&p->cf, "duplicate policy %s",
			    name);
	ps->entries = xreallocarray(ps->entries, ps->nentries + 1,
	    sizeof(*ps->entries));
	e = &ps->entries[ps->nentries++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	e->line = p->cf.line;
	e->pol.warn_permille = POLICY_WARN_DEFAULT;
	return 0;
}

/* Builds the calendar the section describes (calconf_build). */
static int
close_calendar(void *arg)
{
	struct parser		*p = arg;
	struct policy_calendar	*c = &p->ps->cals[p->ps->ncals - 1];

	c->cal = calconf_build(&p->cal, p->sch.sec_line, &c->day_ms);
	return c->cal != NULL ? 0 : -1;
}

/* The public name of a value in buf; "*" for POLICY_ANY. */
static const char *
name_of(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t size)
{
	if (value == POLICY_ANY)
		snprintf(buf, size, "*");
	else if (!vocab_name(d, value, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

/*
 * Checks a [policy] section as a whole and claims its (severity,
 * category, clock), which no other entry may have.
 */
static int
close_policy(void *arg)
{
	struct parser		*p = arg;
	struct policy_entry	*e = cur_entry(p);
	size_t			*slot, other;
	char			 a[64], b[64], c[64];

	if (e->pol.actions.penalize_merchant &&
	    e->pol.party != CDP__V1__PARTY__PARTY_MERCHANT) {
		p->cf.line = confschema_key_line(&p->sch, KEY_PENALTY);
		return conffile_error(&p->cf, "penalty_points on a clock the "
		    "merchant does not own (party %s): only the merchant's own "
		    "delays penalise it", name_of(&cdp__v1__party__descriptor,
		    e->pol.party, a, sizeof(a)));
	}
	slot = &p->slot[e->severity][e->category][e->pol.clock];
	if (*slot != 0) {
		other = *slot - 1;
		return conffile_error(&p->cf, "same severity %s, category %s "
		    "and clock %s as [policy %s] at line %zu",
		    name_of(&cdp__v1__severity__descriptor, e->severity, a,
		    sizeof(a)), name_of(&cdp__v1__category__descriptor,
		    e->category, b, sizeof(b)),
		    name_of(&cdp__v1__sla_clock__descriptor, e->pol.clock, c,
		    sizeof(c)), p->ps->entries[other].name,
		    p->ps->entries[other].line);
	}
	*slot = p->ps->nentries;
	return 0;
}

/*
 * Gives an entry its calendar and its target in ms. A business day is
 * the calendar's opening time of one working day; a day (24 hours) only
 * means something on a 24x7 calendar, and a business day only on a
 * business calendar.
 */
static int
resolve_entry(struct parser *p, struct policy_entry *e)
{
	struct policy_calendar	*c = NULL;
	int64_t			 unit_ms;

	snprintf(p->cf.where, sizeof(p->cf.where), "[policy %s] ", e->name);
	if (e->calendar != NULL &&
	    (c = cal_lookup(p->ps, e->calendar)) == NULL) {
		p->cf.line = e->calendar_line;
		return conffile_error(&p->cf, "unknown calendar %s (expected "
		    "24x7 or a [calendar] section's name)", e->calendar);
	}
	e->pol.calendar = c != NULL ? c->cal : p->ps->always;
	p->cf.line = e->target_line;
	if (e->unit == UNIT_BUSINESS_DAY) {
		if (c == NULL)
			return conffile_error(&p->cf, "target in business days "
			    "(bd) on the 24x7 calendar: use h or d, or a "
			    "business calendar");
		unit_ms = c->day_ms;
	} else if (e->unit == UNIT_DAY && c != NULL)
		return conffile_error(&p->cf, "target in days (d) on business "
		    "calendar %s is ambiguous: use bd (business days) or h "
		    "(business hours)", c->name);
	else
		unit_ms = policy_units[e->unit].ms;
	e->pol.target_ms = e->count * unit_ms;
	e->pol.name = e->name;
	return 0;
}

/* Resolves every entry, then indexes them by (severity, category, clock). */
static int
resolve(struct parser *p)
{
	struct policy_set	*ps = p->ps;
	struct policy_entry	*e;
	size_t			 i;

	for (i = 0; i < ps->nentries; i++)
		if (resolve_entry(p, &ps->entries[i]) == -1)
			return -1;
	for (i = 0; i < ps->nentries; i++) {
		e = &ps->entries[i];
		ps->index[e->severity][e->category][e->pol.clock] = &e->pol;
	}
	return 0;
}

/* Parses the file's text, line by line, then resolves it as a whole. */
static int
policy_parse(struct parser *p, char *text, size_t len)
{
	if (confschema_parse(&p->sch, &p->cf, &policy_schema, text, len, p) ==
	    -1)
		return -1;
	if (p->ps->nentries == 0) {
		p->cf.line = 0;
		return conffile_error(&p->cf, "no [policy] section");
	}
	return resolve(p);
}

/*
 * Loads and checks a policy file. On any mistake, returns NULL with
 * "<path>:<line>: [<section>] <reason>" in err. The caller owns the set
 * and frees it with policy_free(); the policies and calendars it hands out
 * live as long as the set.
 */
struct policy_set *
policy_load(const char *path, char *err, size_t errsz)
{
	struct policy_set	*ps;
	char			*text;
	size_t			 len;

	if ((text = conffile_read(path, POLICY_FILE_MAX, &len, err, errsz)) ==
	    NULL)
		return NULL;
	ps = policy_load_text(path, text, len, err, errsz);
	free(text);
	return ps;
}

/*
 * policy_load() of a file's text, already read (NUL-terminated, cut up in
 * place); path only names it in errors.
 */
struct policy_set *
policy_load_text(const char *path, char *text, size_t len, char *err,
    size_t errsz)
{
	struct parser		 p;
	struct policy_set	*ps;

	ps = xcalloc(1, sizeof(*ps));
	ps->always = calendar_new_24x7();
	conffile_version(text, len, ps->version);
	memset(&p, 0, sizeof(p));
	conffile_init(&p.cf, path, err, errsz);
	p.cal.cf = &p.cf;
	p.ps = ps;
	if (policy_parse(&p, text, len) == -1) {
		policy_free(ps);
		ps = NULL;
	}
	calconf_reset(&p.cal);
	return ps;
}

/*
 * The policy of a clock: (severity, category), then (severity, any
 * category), then (any severity, category), then (any, any); NULL when
 * the file gives the clock no policy. An unspecified or unknown severity
 * or category (a newer schema) matches only the entries that leave it
 * open.
 */
const struct sla_policy *
policy_find(const struct policy_set *ps, Cdp__V1__Severity severity,
    Cdp__V1__Category category, Cdp__V1__SlaClock clock)
{
	const struct sla_policy	*pol;
	int			 s = severity, c = category, k = clock;

	if (k <= 0 || k >= POLICY_NCLOCKS)
		return NULL;
	if (s < 0 || s >= POLICY_NSEVS)
		s = POLICY_ANY;
	if (c < 0 || c >= POLICY_NCATS)
		c = POLICY_ANY;
	if ((pol = ps->index[s][c][k]) != NULL ||
	    (pol = ps->index[s][POLICY_ANY][k]) != NULL ||
	    (pol = ps->index[POLICY_ANY][c][k]) != NULL)
		return pol;
	return ps->index[POLICY_ANY][POLICY_ANY][k];
}

/*
 * When a clock started at start_ms under the policy of (severity,
 * category, clock) falls due, by the same arithmetic as the sla-timer's
 * clocks: a promise made from it is the deadline the clock enforces. -1
 * when the file gives the clock no policy.
 */
int64_t
policy_due(const struct policy_set *ps, Cdp__V1__Severity severity,
    Cdp__V1__Category category, Cdp__V1__SlaClock clock, int64_t start_ms)
{
	const struct sla_policy	*pol;

	if ((pol = policy_find(ps, severity, category, clock)) == NULL)
		return -1;
	if (pol->calendar == NULL)
		return start_ms + pol->target_ms;
	return calendar_add_business_time(pol->calendar, start_ms,
	    pol->target_ms);
}

/* The policy of that name, or NULL when the file has none. */
const struct sla_policy *
policy_by_name(const struct policy_set *ps, const char *name)
{
	size_t	i;

	for (i = 0; i < ps->nentries; i++)
		if (strcmp(ps->entries[i].name, name) == 0)
			return &ps->entries[i].pol;
	return NULL;
}

const char *
policy_version(const struct policy_set *ps)
{
	return ps->version;
}

void
policy_free(struct policy_set *ps)
{
	size_t	i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->nentries; i++) {
		free(ps->entries[i].name);
		free(ps->entries[i].calendar);
	}
	free(ps->entries);
	for (i = 0; i < ps->ncals; i++) {
		free(ps->cals[i].name);
		calendar_free(ps->cals[i].cal);
	}
	free(ps->cals);
	calendar_free(ps->always);
	free(ps);
}
