/*
 * The penalty rules file, read through common/confschema.c: one [penalty]
 * section of windows, a [violation <type>] per violation type and a
 * [level <name>] per rung of the ladder. Everything is checked at start-up:
 * a bad file stops the daemon with "<path>:<line>: [<kind> <name>] <reason>".
 * Pure: only rules_load() reads the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "confschema.h"
#include "nitems.h"
#include "penalty.h"
#include "vocab.h"
#include "xmalloc.h"

#define RULES_FILE_MAX		(256 * 1024)
#define RULES_POINTS_MAX	100000
#define RULES_DAYS_MAX		3660
#define DAY_MS			INT64_C(86400000)

struct parser {
	struct conffile		 cf;
	struct confschema_state	 sch;
	struct pen_rules	*r;
	int			 kind;		/* 0 violation, 1 level */
};

/* The clocks a merchant runs, the only ones whose breach is a violation. */
static bool
rules_merchant_clock(int clock)
{
	switch (clock) {
	case CDP__V1__SLA_CLOCK__SLA_CLOCK_MERCHANT_RESPONSE:
	case CDP__V1__SLA_CLOCK__SLA_CLOCK_EXECUTION:
	case CDP__V1__SLA_CLOCK__SLA_CLOCK_RETURN_INSPECTION:
		return true;
	default:
		return false;
	}
}

/*
 * Parses a duration: a whole number and a unit, s, m, h or d, of at most
 * ten years.
 */
static int
parse_duration(struct parser *p, const char *v, int64_t *out)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", DAY_MS },
	};
	size_t		digits = strspn(v, "0123456789"), i;
	long long	n;

	for (i = 0; i < nitems(units); i++)
		if (digits > 0 && digits <= 9 &&
		    strcmp(v + digits, units[i].unit) == 0)
			break;
	if (i == nitems(units) || (n = strtoll(v, NULL, 10)) < 1 ||
	    n * units[i].ms > RULES_DAYS_MAX * DAY_MS)
		return conffile_error(&p->cf, "bad duration \"" CONFFILE_ECHO
		    "\": a whole number greater than 0 and a unit, s, m, h or "
		    "d (30s, 7d), at most %d days", v, RULES_DAYS_MAX);
	*out = n * units[i].ms;
	return 0;
}

static int
parse_points(struct parser *p, const char *v, long long min, uint32_t *out)
{
	long long	n;

	if (*v < '0' || *v > '9' || conffile_int(v, min, RULES_POINTS_MAX,
	    &n) == -1)
		return conffile_error(&p->cf, "bad number \"" CONFFILE_ECHO
		    "\": a whole number from %lld to %d", v, min,
		    RULES_POINTS_MAX);
	*out = (uint32_t)n;
	return 0;
}

static int
set_window(void *arg, char *v)
{
	struct parser	*p = arg;

	return parse_duration(p, v, &p->r->window_ms);
}

static int
set_repeat_window(void *arg, char *v)
{
	struct parser	*p = arg;

	return parse_duration(p, v, &p->r->repeat_window_ms);
}

static int
set_repeat_factor(void *arg, char *v)
{
	struct parser	*p = arg;

	return parse_points(p, v, 1, &p->r->repeat_factor);
}

static int
set_appeal_window(void *arg, char *v)
{
	struct parser	*p = arg;

	return parse_duration(p, v, &p->r->appeal_window_ms);
}

static struct pen_violation_rule *
cur_violation(struct parser *p)
{
	return &p->r->violations[p->r->nviolations - 1];
}

static struct pen_level *
cur_level(struct parser *p)
{
	return &p->r->levels[p->r->nlevels - 1];
}

static int
set_points(void *arg, char *v)
{
	struct parser	*p = arg;

	if (p->kind == 0)
		return parse_points(p, v, 1, &cur_violation(p)->points);
	return parse_points(p, v, 1, &cur_level(p)->points);
}

static int
set_breach(void *arg, char *v)
{
	struct parser	*p = arg;
	int		 clock;

	if (vocab_value(&cdp__v1__sla_clock__descriptor, v, &clock) == -1 ||
	    !rules_merchant_clock(clock))
		return conffile_error(&p->cf, "unknown merchant clock \""
		    CONFFILE_ECHO "\" (expected merchant_response, execution "
		    "or return_inspection)", v);
	if (rules_breach(p->r, clock) != NULL)
		return conffile_error(&p->cf, "breach %s is already the "
		    "violation %s", v, rules_breach(p->r, clock)->name);
	cur_violation(p)->breach = clock;
	return 0;
}

static int
set_decision(void *arg, char *v)
{
	struct parser	*p = arg;

	if (!conffile_id(v, PEN_NAME_MAX - 1))
		return conffile_error(&p->cf, "bad rule \"" CONFFILE_ECHO
		    "\": lowercase letters, digits, '.', '_' or '-'", v);
	if (rules_decision(p->r, v) != NULL)
		return conffile_error(&p->cf, "decision rule %s is already the "
		    "violation %s", v, rules_decision(p->r, v)->name);
	snprintf(cur_violation(p)->decision, PEN_NAME_MAX, "%s", v);
	return 0;
}

static int
set_standing(void *arg, char *v)
{
	struct parser	*p = arg;
	int		 standing;

	if (vocab_conf(&p->cf, &cdp__v1__standing__descriptor, "standing",
	    NULL, v, &standing) == -1)
		return -1;
	if (standing == CDP__V1__STANDING__STANDING_GOOD)
		return conffile_error(&p->cf, "unknown standing \"good\" for a "
		    "level (expected warned, restricted or expelled)");
	cur_level(p)->standing = standing;
	return 0;
}

static int
add_restriction(void *arg, char *item)
{
	struct parser		*p = arg;
	struct pen_level	*l = cur_level(p);

	if (!conffile_id(item, PEN_NAME_MAX - 1))
		return conffile_error(&p->cf, "bad restriction \"" CONFFILE_ECHO
		    "\": lowercase letters, digits, '.', '_' or '-'", item);
	if (l->nrestrictions == PEN_RESTRICTIONS_MAX)
		return conffile_error(&p->cf, "more than %d restrictions",
		    PEN_RESTRICTIONS_MAX);
	snprintf(l->restrictions[l->nrestrictions++], PEN_NAME_MAX, "%s",
	    item);
	return 0;
}

static int
set_restrictions(void *arg, char *v)
{
	struct parser	*p = arg;

	return conffile_list(&p->cf, v, "restriction", add_restriction, p);
}

static int
set_duration(void *arg, char *v)
{
	struct parser	*p = arg;

	return parse_duration(p, v, &cur_level(p)->duration_ms);
}

static const struct confschema_key penalty_keys[] = {
	{ "window",		set_window,		false, true },
	{ "repeat_window",	set_repeat_window,	false, true },
	{ "repeat_factor",	set_repeat_factor,	false, true },
	{ "appeal_window",	set_appeal_window,	false, true },
};

static const struct confschema_key violation_keys[] = {
	{ "points",	set_points,	false, true },
	{ "breach",	set_breach,	false, false },
	{ "decision",	set_decision,	false, false },
};

enum { LEVEL_POINTS, LEVEL_STANDING, LEVEL_RESTRICTIONS, LEVEL_DURATION };

static const struct confschema_key level_keys[] = {
	[LEVEL_POINTS] =	{ "points",		set_points,	false, true },
	[LEVEL_STANDING] =	{ "standing",		set_standing,	false, true },
	[LEVEL_RESTRICTIONS] =	{ "restrictions",	set_restrictions, false },
	[LEVEL_DURATION] =	{ "duration",		set_duration,	false },
};

/* Names are ids, unique among their kind. */
static int
check_name(struct parser *p, const char *name, bool taken)
{
	if (!conffile_id(name, PEN_NAME_MAX - 1))
		return conffile_error(&p->cf, "bad name: lowercase letters, digits, '.', "
		    "'_' or '-', at most %d", PEN_NAME_MAX - 1);
	if (taken)
		return conffile_error(&p->cf, "defined twice");
	return 0;
}

static int
open_violation(void *arg, const char *name)
{
	struct parser		*p = arg;
	struct pen_rules	*r = p->r;

	if (check_name(p, name, rules_violation(r, name) != NULL) == -1)
		return -1;
	r->violations = xreallocarray(r->violations, r->nviolations + 1,
	    sizeof(*r->violations));
	memset(&r->violations[r->nviolations], 0, sizeof(*r->violations));
	snprintf(r->violations[r->nviolations++].name, PEN_NAME_MAX, "%s",
	    name);
	p->kind = 0;
	return 0;
}

static int
close_violation(void *arg)
{
	struct parser			*p = arg;
	const struct pen_violation_rule	*v = cur_violation(p);

	if (v->breach == 0 && v->decision[0] == '\0')
		return conffile_error(&p->cf, "neither breach nor decision: "
		    "nothing would ever be this violation");
	return 0;
}

static int
open_level(void *arg, const char *name)
{
	struct parser		*p = arg;
	struct pen_rules	*r = p->r;
	size_t			 i;
	bool			 taken = false;

	for (i = 0; i < r->nlevels; i++)
		taken |= strcmp(r->levels[i].name, name) == 0;
	if (check_name(p, name, taken) == -1)
		return -1;
	r->levels = xreallocarray(r->levels, r->nlevels + 1,
	    sizeof(*r->levels));
	memset(&r->levels[r->nlevels], 0, sizeof(*r->levels));
	snprintf(r->levels[r->nlevels++].name, PEN_NAME_MAX, "%s", name);
	p->kind = 1;
	return 0;
}

/*
 * Levels climb: each needs more points and a standing no milder than the
 * one before; a level with restrictions that end has a duration, and a
 * duration without restrictions would end nothing.
 */
static int
close_level(void *arg)
{
	struct parser		*p = arg;
	const struct pen_level	*l = cur_level(p), *prev;

	if (p->r->nlevels > 1) {
		prev = l - 1;
		if (l->points <= prev->points)
			return conffile_error(&p->cf, "points %u not above the "
			    "level before (%s, %u)", l->points, prev->name,
			    prev->points);
		if (l->standing < prev->standing)
			return conffile_error(&p->cf, "standing milder than the "
			    "level before (%s)", prev->name);
	}
	if (l->duration_ms > 0 && l->nrestrictions == 0)
		return conffile_error(&p->cf, "a duration without "
		    "restrictions");
	if (l->standing == CDP__V1__STANDING__STANDING_RESTRICTED &&
	    l->nrestrictions == 0)
		return conffile_error(&p->cf, "standing restricted without "
		    "restrictions");
	return 0;
}

static const struct confschema_kind rules_kinds[] = {
	{ "penalty", false, penalty_keys, nitems(penalty_keys), NULL, NULL,
	    0 },
	{ "violation", true, violation_keys, nitems(violation_keys),
	    open_violation, close_violation, 0 },
	{ "level", true, level_keys, nitems(level_keys), open_level,
	    close_level, 0 },
};

static const struct confschema rules_schema = {
	rules_kinds, nitems(rules_kinds), false
};

/* What only the whole file can tell. */
static int
rules_resolve(struct parser *p)
{
	struct pen_rules	*r = p->r;

	p->cf.line = 0;
	p->cf.where[0] = '\0';
	if (r->window_ms == 0)
		return conffile_error(&p->cf, "no [penalty] section");
	if (r->repeat_window_ms > r->window_ms)
		return conffile_error(&p->cf, "repeat_window longer than window");
	if (r->nviolations == 0)
		return conffile_error(&p->cf, "no [violation] section");
	if (r->nlevels == 0)
		return conffile_error(&p->cf, "no [level] section");
	return 0;
}

struct pen_rules *
rules_load_text(const char *path, char *text, size_t len, char *err,
    size_t errsz)
{
	struct parser	p;

	memset(&p, 0, sizeof(p));
	p.r = xcalloc(1, sizeof(*p.r));
	conffile_version(text, len, p.r->version);
	conffile_init(&p.cf, path, err, errsz);
	if (confschema_parse(&p.sch, &p.cf, &rules_schema, text, len, &p) ==
	    -1 || rules_resolve(&p) == -1) {
		rules_free(p.r);
		return NULL;
	}
	return p.r;
}

struct pen_rules *
rules_load(const char *path, char *err, size_t errsz)
{
	struct pen_rules	*r;
	char			*text;
	size_t			 len;

	if ((text = conffile_read(path, RULES_FILE_MAX, &len, err, errsz)) ==
	    NULL)
		return NULL;
	r = rules_load_text(path, text, len, err, errsz);
	free(text);
	return r;
}

const struct pen_violation_rule *
rules_violation(const struct pen_rules *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nviolations; i++)
		if (strcmp(r->violations[i].name, name) == 0)
			return &r->violations[i];
	return NULL;
}

const struct pen_violation_rule *
rules_breach(const struct pen_rules *r, Cdp__V1__SlaClock clock)
{
	size_t	i;

	for (i = 0; clock != 0 && i < r->nviolations; i++)
		if (r->violations[i].breach == clock)
			return &r->violations[i];
	return NULL;
}

const struct pen_violation_rule *
rules_decision(const struct pen_rules *r, const char *rule_cited)
{
	size_t	i;

	for (i = 0; rule_cited[0] != '\0' && i < r->nviolations; i++)
		if (strcmp(r->violations[i].decision, rule_cited) == 0)
			return &r->violations[i];
	return NULL;
}

/* The highest level the points reach, or -1 below the first. */
int
rules_level_for(const struct pen_rules *r, uint32_t points)
{
	int	i, level = -1;

	for (i = 0; i < (int)r->nlevels; i++)
		if (points >= r->levels[i].points)
			level = i;
	return level;
}

void
rules_free(struct pen_rules *r)
{
	if (r == NULL)
		return;
	free(r->violations);
	free(r->levels);
	free(r);
}
