/*
 * The classification rules file (config/classifier-rules.conf): what the
 * classifier looks for in a complaint and what it concludes. It is loaded
 * once at start-up; every mistake stops the daemon with
 * "<path>:<line>: <reason>", so a typo never leaves a rule silently out.
 *
 * The file is line-oriented UTF-8, in INI-like sections. '#' starts a
 * comment that runs to the end of the line; blank lines are skipped. Every
 * other line is a section header "[kind name]" or "key = value". Lists are
 * separated by commas (ASCII "," or full-width "，"), items are trimmed.
 *
 *	[settings]		group_threshold, group_window (30m, 1h, 90s),
 *				negation_window (characters), confidence_damping,
 *				keyword_bonus
 *	[negation]		cues, not_cues (repeatable lists)
 *	[priority]		regular, silver, gold, platinum, diamond (tier
 *				bonuses), amount_step_fen, amount_max
 *	[severity <name>]	urgent, high, normal, low: sla_policy,
 *				priority, teams
 *	[category <name>]	product, logistics, service, payment,
 *				advertising, platform, other: subcategories,
 *				teams (the first leads), party
 *	[scope <code>]		an out-of-scope reason: guidance (repeatable,
 *				the lines are joined)
 *	[group <by>]		sku, subcategory: a group-complaint rule,
 *				threshold (distinct customers), window,
 *				enabled (threshold and window default to
 *				the settings'; without any [group] section,
 *				only [group sku] is on)
 *	[rule <id>]		keywords, requires, exclude, when (all
 *				repeatable), category (<category> or
 *				<category>.<subcategory>), weight, severity,
 *				flag, teams, scope, enabled
 *
 * A rule fires when all of its parts hold: one of its keywords is in the
 * description (not negated, not inside one of its exclude phrases), one of
 * its requires words is in the description or the product title, and each
 * of its when conditions is true. Every category and severity must have its
 * section; the settings, negation and priority sections are optional. The
 * file's SHA-256 (first 16 hex digits) is its version.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classifier.h"
#include "conffile.h"
#include "log.h"
#include "xmalloc.h"

#define RULES_FILE_MAX		(4 * 1024 * 1024)
#define RULES_ID_MAX		64
#define RULES_WEIGHT_MAX	100000	/* thousandths */
#define RULES_NSEVS		5

enum rules_section {
	SECTION_NONE,
	SECTION_SETTINGS,
	SECTION_NEGATION,
	SECTION_PRIORITY,
	SECTION_SEVERITY,
	SECTION_CATEGORY,
	SECTION_SCOPE,
	SECTION_RULE,
	SECTION_GROUP,
};

struct rules_scope {
	char	*code;
	char	*guidance;
};

/* A name in the file that can only be checked once the file is read. */
enum rules_ref_kind {
	REF_SUBCATEGORY,	/* a rule's category = <category>.<sub> */
	REF_SUBCOND,		/* a rule's when = subcategory = <sub> */
	REF_SCOPE,		/* a rule's scope = <code> */
};

struct rules_ref {
	enum rules_ref_kind	 kind;
	size_t			 rule;
	size_t			 line;
	char			*name;
};

struct rules {
	char			 version[CONFFILE_VERSION_LEN + 1];
	struct rule_settings	 settings;
	struct rule		*rules;
	size_t			 nrules;
	struct rule_pattern	*pats;
	size_t			 npats;
	struct rule_category	 cats[RULES_NCATS];
	struct rule_severity	 sevs[RULES_NSEVS];
	struct rules_scope	*scopes;
	size_t			 nscopes;
	struct rule_group	 groups[GROUP_BY_N];
	struct matcher		*matcher;
};

struct parser {
	struct conffile		 cf;		/* path, line, error buffer */
	struct rules		*r;
	enum rules_section	 sec;
	size_t			 sec_line;
	int			 idx;		/* category, severity, scope */
	uint64_t		 seen;		/* keys given in the section */
	bool			 disabled;	/* the rule has enabled = no */
	unsigned		 sections;	/* singleton sections seen */
	bool			 cat_seen[RULES_NCATS];
	bool			 group_seen[GROUP_BY_N];
	bool			 sev_seen[RULES_NSEVS];
	struct rules_ref	*refs;
	size_t			 nrefs;
};

struct rules_key {
	const char	*name;
	int		(*fn)(struct parser *, char *);
	bool		 repeat;
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static const struct conffile_name rules_categories[] = {
	{ "product",	 CDP__V1__CATEGORY__CATEGORY_PRODUCT },
	{ "logistics",	 CDP__V1__CATEGORY__CATEGORY_LOGISTICS },
	{ "service",	 CDP__V1__CATEGORY__CATEGORY_SERVICE },
	{ "payment",	 CDP__V1__CATEGORY__CATEGORY_PAYMENT },
	{ "advertising", CDP__V1__CATEGORY__CATEGORY_FALSE_ADVERTISING },
	{ "platform",	 CDP__V1__CATEGORY__CATEGORY_PLATFORM_RULES },
	{ "other",	 CDP__V1__CATEGORY__CATEGORY_OTHER },
};

static const struct conffile_name rules_group_bys[] = {
	{ "sku",		GROUP_BY_SKU },
	{ "subcategory",	GROUP_BY_SUBCATEGORY },
};

static const struct conffile_name rules_severities[] = {
	{ "urgent",	CDP__V1__SEVERITY__SEVERITY_URGENT },
	{ "high",	CDP__V1__SEVERITY__SEVERITY_HIGH },
	{ "normal",	CDP__V1__SEVERITY__SEVERITY_NORMAL },
	{ "low",	CDP__V1__SEVERITY__SEVERITY_LOW },
};

static const struct conffile_name rules_flags[] = {
	{ "personal_safety",	CDP__V1__URGENCY_FLAG__URGENCY_FLAG_PERSONAL_SAFETY },
	{ "product_safety",	CDP__V1__URGENCY_FLAG__URGENCY_FLAG_PRODUCT_SAFETY },
	{ "property_loss",	CDP__V1__URGENCY_FLAG__URGENCY_FLAG_PROPERTY_LOSS },
	{ "group_complaint",	CDP__V1__URGENCY_FLAG__URGENCY_FLAG_GROUP_COMPLAINT },
	{ "public_opinion",	CDP__V1__URGENCY_FLAG__URGENCY_FLAG_PUBLIC_OPINION },
};

static const struct conffile_name rules_teams[] = {
	{ "customer_service",	CDP__V1__TEAM__TEAM_CUSTOMER_SERVICE },
	{ "senior_customer_service", CDP__V1__TEAM__TEAM_SENIOR_CUSTOMER_SERVICE },
	{ "quality_inspection",	CDP__V1__TEAM__TEAM_QUALITY_INSPECTION },
	{ "supplier",		CDP__V1__TEAM__TEAM_SUPPLIER },
	{ "logistics_coordination", CDP__V1__TEAM__TEAM_LOGISTICS_COORDINATION },
	{ "service_quality",	CDP__V1__TEAM__TEAM_SERVICE_QUALITY },
	{ "payments",		CDP__V1__TEAM__TEAM_PAYMENTS },
	{ "emergency",		CDP__V1__TEAM__TEAM_EMERGENCY },
	{ "public_relations",	CDP__V1__TEAM__TEAM_PUBLIC_RELATIONS },
};

static const struct conffile_name rules_parties[] = {
	{ "merchant",	CDP__V1__PARTY__PARTY_MERCHANT },
	{ "carrier",	CDP__V1__PARTY__PARTY_CARRIER },
	{ "platform",	CDP__V1__PARTY__PARTY_PLATFORM },
	{ "customer",	CDP__V1__PARTY__PARTY_CUSTOMER },
};

static const struct conffile_name rules_tiers[] = {
	{ "regular",	CDP__V1__MEMBER_TIER__MEMBER_TIER_REGULAR },
	{ "silver",	CDP__V1__MEMBER_TIER__MEMBER_TIER_SILVER },
	{ "gold",	CDP__V1__MEMBER_TIER__MEMBER_TIER_GOLD },
	{ "platinum",	CDP__V1__MEMBER_TIER__MEMBER_TIER_PLATINUM },
	{ "diamond",	CDP__V1__MEMBER_TIER__MEMBER_TIER_DIAMOND },
};

static const struct conffile_name rules_demands[] = {
	{ "refund",	  CDP__V1__DEMAND__DEMAND_REFUND },
	{ "return",	  CDP__V1__DEMAND__DEMAND_RETURN },
	{ "exchange",	  CDP__V1__DEMAND__DEMAND_EXCHANGE },
	{ "repair",	  CDP__V1__DEMAND__DEMAND_REPAIR },
	{ "compensation", CDP__V1__DEMAND__DEMAND_COMPENSATION },
	{ "explanation",  CDP__V1__DEMAND__DEMAND_EXPLANATION },
	{ "apology",	  CDP__V1__DEMAND__DEMAND_APOLOGY },
	{ "reship",	  CDP__V1__DEMAND__DEMAND_RESHIP },
};

static const struct conffile_name rules_channels[] = {
	{ "app",	CDP__V1__CHANNEL__CHANNEL_APP },
	{ "web",	CDP__V1__CHANNEL__CHANNEL_WEB },
	{ "chat",	CDP__V1__CHANNEL__CHANNEL_CHAT },
	{ "hotline",	CDP__V1__CHANNEL__CHANNEL_HOTLINE },
	{ "email",	CDP__V1__CHANNEL__CHANNEL_EMAIL },
	{ "social",	CDP__V1__CHANNEL__CHANNEL_SOCIAL },
	{ "offline",	CDP__V1__CHANNEL__CHANNEL_OFFLINE },
	{ "system",	CDP__V1__CHANNEL__CHANNEL_SYSTEM },
};

static const struct conffile_name rules_order_statuses[] = {
	{ "placed",	CDP__V1__ORDER_STATUS__ORDER_STATUS_PLACED },
	{ "paid",	CDP__V1__ORDER_STATUS__ORDER_STATUS_PAID },
	{ "shipped",	CDP__V1__ORDER_STATUS__ORDER_STATUS_SHIPPED },
	{ "delivered",	CDP__V1__ORDER_STATUS__ORDER_STATUS_DELIVERED },
	{ "cancelled",	CDP__V1__ORDER_STATUS__ORDER_STATUS_CANCELLED },
};

static const struct conffile_name rules_logistics_statuses[] = {
	{ "picked_up",	      CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_PICKED_UP },
	{ "in_transit",	      CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_IN_TRANSIT },
	{ "exception",	      CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_EXCEPTION },
	{ "delivered",	      CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_DELIVERED },
	{ "signed_by_proxy",  CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_SIGNED_BY_PROXY },
	{ "lost",	      CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_LOST },
	{ "out_for_delivery", CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_OUT_FOR_DELIVERY },
};

enum rules_fact_type {
	FACT_INT,
	FACT_BOOL,
	FACT_ENUM,		/* = and != only */
	FACT_ORDERED,		/* an enum that also compares */
	FACT_STRING,
};

static const struct rules_fact {
	const char		*name;
	enum rule_fact		 fact;
	enum rules_fact_type	 type;
	const struct conffile_name	*names;
	size_t			 nnames;
} rules_facts[] = {
	{ "amount_fen", RULE_FACT_AMOUNT_FEN, FACT_INT, NULL, 0 },
	{ "demand_amount_fen", RULE_FACT_DEMAND_AMOUNT_FEN, FACT_INT, NULL, 0 },
	{ "tier", RULE_FACT_TIER, FACT_ORDERED, rules_tiers,
	    NITEMS(rules_tiers) },
	{ "demand", RULE_FACT_DEMAND, FACT_ENUM, rules_demands,
	    NITEMS(rules_demands) },
	{ "channel", RULE_FACT_CHANNEL, FACT_ENUM, rules_channels,
	    NITEMS(rules_channels) },
	{ "problem_type", RULE_FACT_PROBLEM_TYPE, FACT_STRING, NULL, 0 },
	{ "has_order", RULE_FACT_HAS_ORDER, FACT_BOOL, NULL, 0 },
	{ "after_sales_expired", RULE_FACT_AFTER_SALES_EXPIRED, FACT_BOOL,
	    NULL, 0 },
	{ "signed_by_proxy", RULE_FACT_SIGNED_BY_PROXY, FACT_BOOL, NULL, 0 },
	{ "ship_late", RULE_FACT_SHIP_LATE, FACT_BOOL, NULL, 0 },
	{ "delivery_late", RULE_FACT_DELIVERY_LATE, FACT_BOOL, NULL, 0 },
	{ "repeat_on_order", RULE_FACT_REPEAT_ON_ORDER, FACT_BOOL, NULL, 0 },
	{ "group_complaint", RULE_FACT_GROUP_COMPLAINT, FACT_BOOL, NULL, 0 },
	{ "group_size", RULE_FACT_GROUP_SIZE, FACT_INT, NULL, 0 },
	{ "order_status", RULE_FACT_ORDER_STATUS, FACT_ENUM,
	    rules_order_statuses, NITEMS(rules_order_statuses) },
	{ "logistics_status", RULE_FACT_LOGISTICS_STATUS, FACT_ENUM,
	    rules_logistics_statuses, NITEMS(rules_logistics_statuses) },
	{ "category", RULE_FACT_CATEGORY, FACT_ENUM, rules_categories,
	    NITEMS(rules_categories) },
	{ "subcategory", RULE_FACT_SUBCATEGORY, FACT_STRING, NULL, 0 },
};

static void	rule_free(struct rule *);
static int	set_group_threshold(struct parser *, char *);
static int	set_group_window(struct parser *, char *);
static int	set_negation_window(struct parser *, char *);
static int	set_confidence_damping(struct parser *, char *);
static int	set_keyword_bonus(struct parser *, char *);
static int	set_cues(struct parser *, char *);
static int	set_not_cues(struct parser *, char *);
static int	set_tier_bonus(struct parser *, char *);
static int	set_amount_step(struct parser *, char *);
static int	set_amount_max(struct parser *, char *);
static int	set_sev_sla(struct parser *, char *);
static int	set_sev_priority(struct parser *, char *);
static int	set_sev_teams(struct parser *, char *);
static int	set_cat_subs(struct parser *, char *);
static int	set_cat_teams(struct parser *, char *);
static int	set_cat_party(struct parser *, char *);
static int	set_guidance(struct parser *, char *);
static int	set_rule_category(struct parser *, char *);
static int	set_rule_keywords(struct parser *, char *);
static int	set_rule_requires(struct parser *, char *);
static int	set_rule_exclude(struct parser *, char *);
static int	set_rule_when(struct parser *, char *);
static int	set_rule_weight(struct parser *, char *);
static int	set_rule_severity(struct parser *, char *);
static int	set_rule_flag(struct parser *, char *);
static int	set_rule_teams(struct parser *, char *);
static int	set_rule_scope(struct parser *, char *);
static int	set_rule_enabled(struct parser *, char *);
static int	set_grp_threshold(struct parser *, char *);
static int	set_grp_window(struct parser *, char *);
static int	set_grp_enabled(struct parser *, char *);

static const struct rules_key settings_keys[] = {
	{ "group_threshold",	set_group_threshold,	false },
	{ "group_window",	set_group_window,	false },
	{ "negation_window",	set_negation_window,	false },
	{ "confidence_damping",	set_confidence_damping,	false },
	{ "keyword_bonus",	set_keyword_bonus,	false },
};

static const struct rules_key negation_keys[] = {
	{ "cues",		set_cues,		true },
	{ "not_cues",		set_not_cues,		true },
};

/* The tier keys come first, in MemberTier order from regular. */
static const struct rules_key priority_keys[] = {
	{ "regular",		set_tier_bonus,		false },
	{ "silver",		set_tier_bonus,		false },
	{ "gold",		set_tier_bonus,		false },
	{ "platinum",		set_tier_bonus,		false },
	{ "diamond",		set_tier_bonus,		false },
	{ "amount_step_fen",	set_amount_step,	false },
	{ "amount_max",		set_amount_max,		false },
};

static const struct rules_key severity_keys[] = {
	{ "sla_policy",		set_sev_sla,		false },
	{ "priority",		set_sev_priority,	false },
	{ "teams",		set_sev_teams,		false },
};

static const struct rules_key category_keys[] = {
	{ "subcategories",	set_cat_subs,		true },
	{ "teams",		set_cat_teams,		false },
	{ "party",		set_cat_party,		false },
};

static const struct rules_key scope_keys[] = {
	{ "guidance",		set_guidance,		true },
};

static const struct rules_key rule_keys[] = {
	{ "category",		set_rule_category,	false },
	{ "keywords",		set_rule_keywords,	true },
	{ "requires",		set_rule_requires,	true },
	{ "exclude",		set_rule_exclude,	true },
	{ "when",		set_rule_when,		true },
	{ "weight",		set_rule_weight,	false },
	{ "severity",		set_rule_severity,	false },
	{ "flag",		set_rule_flag,		false },
	{ "teams",		set_rule_teams,		false },
	{ "scope",		set_rule_scope,		false },
	{ "enabled",		set_rule_enabled,	false },
};

static const struct rules_key group_keys[] = {
	{ "threshold",		set_grp_threshold,	false },
	{ "window",		set_grp_window,		false },
	{ "enabled",		set_grp_enabled,	false },
};

static const struct {
	const char		*name;
	enum rules_section	 sec;
	bool			 named;
	const struct rules_key	*keys;
	size_t			 nkeys;
} rules_sections[] = {
	{ "settings", SECTION_SETTINGS, false, settings_keys,
	    NITEMS(settings_keys) },
	{ "negation", SECTION_NEGATION, false, negation_keys,
	    NITEMS(negation_keys) },
	{ "priority", SECTION_PRIORITY, false, priority_keys,
	    NITEMS(priority_keys) },
	{ "severity", SECTION_SEVERITY, true, severity_keys,
	    NITEMS(severity_keys) },
	{ "category", SECTION_CATEGORY, true, category_keys,
	    NITEMS(category_keys) },
	{ "scope", SECTION_SCOPE, true, scope_keys, NITEMS(scope_keys) },
	{ "rule", SECTION_RULE, true, rule_keys, NITEMS(rule_keys) },
	{ "group", SECTION_GROUP, true, group_keys, NITEMS(group_keys) },
};

/* Parses a whole base-10 integer in [min, max]. */
static int
parse_int(struct parser *p, const char *s, const char *what, long long min,
    long long max, long long *out)
{
	if (conffile_int(s, min, max, out) == -1)
		return conffile_error(&p->cf, "bad %s \"" CONFFILE_ECHO
		    "\": an integer from %lld to %lld", what, s, min, max);
	return 0;
}

/*
 * Parses a decimal number with at most three decimals into thousandths,
 * greater than 0 and at most max thousandths.
 */
static int
parse_milli(const char *s, int64_t max, int64_t *out)
{
	int64_t	v = 0;
	int	digits = 0, decimals = -1;

	for (; *s != '\0'; s++) {
		if (*s == '.' && decimals == -1 && digits > 0) {
			decimals = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || decimals == 3 || v > max)
			return -1;
		v = v * 10 + (*s - '0');
		digits++;
		if (decimals >= 0)
			decimals++;
	}
	if (decimals == 0 || digits == 0)
		return -1;
	for (decimals = decimals < 0 ? 0 : decimals; decimals < 3; decimals++)
		v *= 10;
	if (v <= 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

static struct rule *
cur_rule(struct parser *p)
{
	return &p->r->rules[p->r->nrules - 1];
}

/*
 * Returns the pattern for text (ASCII letters folded, as the matcher folds
 * them), adding it if it is new.
 */
static size_t
rules_pattern_get(struct rules *r, const char *text, bool prefix)
{
	size_t	i;

	for (i = 0; i < r->npats; i++)
		if (r->pats[i].prefix == prefix &&
		    strcasecmp(r->pats[i].text, text) == 0)
			return i;
	r->pats = xreallocarray(r->pats, r->npats + 1, sizeof(*r->pats));
	memset(&r->pats[r->npats], 0, sizeof(r->pats[0]));
	r->pats[r->npats].text = xstrdup(text);
	r->pats[r->npats].prefix = prefix;
	return r->npats++;
}

/* Records that a pattern is used in one way by one rule (or by negation). */
static void
rules_use_add(struct rules *r, const char *text, bool prefix,
    enum rule_use_kind kind, size_t rule)
{
	struct rule_pattern	*pat;
	size_t			 i;

	i = rules_pattern_get(r, text, prefix);
	pat = &r->pats[i];
	for (i = 0; i < pat->nuses; i++)
		if (pat->uses[i].kind == kind && pat->uses[i].rule == rule)
			return;
	pat->uses = xreallocarray(pat->uses, pat->nuses + 1,
	    sizeof(*pat->uses));
	pat->uses[pat->nuses].kind = kind;
	pat->uses[pat->nuses++].rule = rule;
}

/* The patterns of one list and the way the list uses them. */
struct pattern_list {
	struct parser		*p;
	enum rule_use_kind	 kind;
};

/*
 * Checks a pattern item and adds it: a trailing "*" (prefix match) may
 * only end an English word, and no other "*" is allowed.
 */
static int
add_pattern(void *arg, char *item)
{
	struct pattern_list	*pl = arg;
	struct parser		*p = pl->p;
	size_t			 len = strlen(item);
	bool			 prefix = false;
	char			 c;

	if (len > 0 && item[len - 1] == '*') {
		item[--len] = '\0';
		c = len > 0 ? item[len - 1] : '\0';
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9')))
			return conffile_error(&p->cf, "\"*\" may only end an "
			    "English word, in \"" CONFFILE_ECHO "*\"", item);
		prefix = true;
	}
	if (strchr(item, '*') != NULL)
		return conffile_error(&p->cf, "\"*\" may only end a pattern, "
		    "in \"" CONFFILE_ECHO "\"", item);
	rules_use_add(p->r, item, prefix, pl->kind,
	    p->sec == SECTION_RULE ? p->r->nrules - 1 : 0);
	return 0;
}

static int
add_patterns(struct parser *p, char *v, enum rule_use_kind kind,
    const char *what)
{
	struct pattern_list	pl = { p, kind };

	return conffile_list(&p->cf, v, what, add_pattern, &pl);
}

/* Parses a group threshold: distinct customers, 2 to 100000. */
static int
parse_threshold(struct parser *p, char *v, const char *what, uint32_t *out)
{
	long long	n;

	if (parse_int(p, v, what, 2, 100000, &n) == -1)
		return -1;
	*out = n;
	return 0;
}

/* Parses a duration: a whole number followed by s, m or h. */
static int
parse_window(struct parser *p, char *v, const char *what, int64_t *out)
{
	long long	 n;
	int64_t		 unit;
	char		*end;

	errno = 0;
	n = strtoll(v, &end, 10);
	unit = strcmp(end, "s") == 0 ? 1000 : strcmp(end, "m") == 0 ? 60000 :
	    strcmp(end, "h") == 0 ? 3600000 : 0;
	if (end == v || *v == '-' || *v == '+' || errno != 0 || unit == 0 ||
	    n < 1 || n > 1000000)
		return conffile_error(&p->cf, "bad %s \""
		    CONFFILE_ECHO "\": a whole number (1 to 1000000) of "
		    "seconds, minutes or hours: 90s, 30m, 1h", what, v);
	*out = n * unit;
	return 0;
}

static int
set_group_threshold(struct parser *p, char *v)
{
	return parse_threshold(p, v, "group_threshold",
	    &p->r->settings.group_threshold);
}

static int
set_group_window(struct parser *p, char *v)
{
	return parse_window(p, v, "group_window",
	    &p->r->settings.group_window_ms);
}

static int
set_grp_threshold(struct parser *p, char *v)
{
	return parse_threshold(p, v, "threshold",
	    &p->r->groups[p->idx].threshold);
}

static int
set_grp_window(struct parser *p, char *v)
{
	return parse_window(p, v, "window", &p->r->groups[p->idx].window_ms);
}

static int
set_grp_enabled(struct parser *p, char *v)
{
	bool	on;

	if (conffile_bool(v, &on) == -1)
		return conffile_error(&p->cf, "bad enabled \"" CONFFILE_ECHO
		    "\": yes or no", v);
	p->r->groups[p->idx].enabled = on;
	return 0;
}

static int
set_negation_window(struct parser *p, char *v)
{
	long long	n;

	if (parse_int(p, v, "negation_window", 0, 32, &n) == -1)
		return -1;
	p->r->settings.negation_window = n;
	return 0;
}

static int
set_confidence_damping(struct parser *p, char *v)
{
	if (parse_milli(v, RULES_WEIGHT_MAX, &p->r->settings.confidence_damping)
	    == -1)
		return conffile_error(&p->cf, "bad confidence_damping \""
		    CONFFILE_ECHO "\": a number greater than 0 and at most "
		    "100, with at most 3 decimals", v);
	return 0;
}

/* A fraction from 0 to 1, with at most three decimals. */
static int
set_keyword_bonus(struct parser *p, char *v)
{
	if (strcmp(v, "0") == 0)
		p->r->settings.keyword_bonus = 0;
	else if (parse_milli(v, 1000, &p->r->settings.keyword_bonus) == -1)
		return conffile_error(&p->cf, "bad keyword_bonus \""
		    CONFFILE_ECHO "\": a number from 0 to 1, with at most 3 "
		    "decimals", v);
	return 0;
}

static int
set_cues(struct parser *p, char *v)
{
	return add_patterns(p, v, RULE_USE_CUE, "negation cue");
}

static int
set_not_cues(struct parser *p, char *v)
{
	return add_patterns(p, v, RULE_USE_NOT_CUE, "not_cues");
}

/* Sets the bonus of the tier named by the key (p->idx is the key index). */
static int
set_tier_bonus(struct parser *p, char *v)
{
	long long	n;

	if (parse_int(p, v, priority_keys[p->idx].name, 0, 100000, &n) == -1)
		return -1;
	p->r->settings.tier_bonus[CDP__V1__MEMBER_TIER__MEMBER_TIER_REGULAR +
	    p->idx] = n;
	return 0;
}

static int
set_amount_step(struct parser *p, char *v)
{
	long long	n;

	if (parse_int(p, v, "amount_step_fen", 1, 100000000000LL, &n) == -1)
		return -1;
	p->r->settings.amount_step_fen = n;
	return 0;
}

static int
set_amount_max(struct parser *p, char *v)
{
	long long	n;

	if (parse_int(p, v, "amount_max", 0, 100000, &n) == -1)
		return -1;
	p->r->settings.amount_bonus_max = n;
	return 0;
}

static int
set_sev_sla(struct parser *p, char *v)
{
	if (!conffile_id(v, RULES_ID_MAX))
		return conffile_error(&p->cf, "bad sla_policy \"" CONFFILE_ECHO
		    "\": 1-64 of [a-z0-9_.-]", v);
	p->r->sevs[p->idx].sla_policy = xstrdup(v);
	return 0;
}

static int
set_sev_priority(struct parser *p, char *v)
{
	long long	n;

	if (parse_int(p, v, "priority", 0, 1000000, &n) == -1)
		return -1;
	p->r->sevs[p->idx].priority = n;
	return 0;
}

struct team_list {
	struct parser	 *p;
	Cdp__V1__Team	**teams;
	size_t		 *n;
};

static int
add_team(void *arg, char *item)
{
	struct team_list	*tl = arg;
	struct parser		*p = tl->p;
	int			 t;
	size_t			 i;

	if (conffile_enum(&p->cf, rules_teams, NITEMS(rules_teams), "team",
	    item, &t) == -1)
		return -1;
	for (i = 0; i < *tl->n; i++)
		if ((*tl->teams)[i] == (Cdp__V1__Team)t)
			return conffile_error(&p->cf, "team %s is listed twice",
			    item);
	*tl->teams = xreallocarray(*tl->teams, *tl->n + 1, sizeof(**tl->teams));
	(*tl->teams)[(*tl->n)++] = t;
	return 0;
}

static int
parse_teams(struct parser *p, char *v, Cdp__V1__Team **teams, size_t *n)
{
	struct team_list	tl = { p, teams, n };

	return conffile_list(&p->cf, v, "team", add_team, &tl);
}

static int
set_sev_teams(struct parser *p, char *v)
{
	return parse_teams(p, v, &p->r->sevs[p->idx].teams,
	    &p->r->sevs[p->idx].nteams);
}

/* Adds a subcategory to the category of the current section. */
static int
add_sub(void *arg, char *item)
{
	struct parser		*p = arg;
	struct rule_category	*c = &p->r->cats[p->idx];
	size_t			 i;

	if (!conffile_id(item, RULES_ID_MAX) || strchr(item, '.') != NULL)
		return conffile_error(&p->cf, "bad subcategory \"" CONFFILE_ECHO
		    "\": 1-64 of [a-z0-9_-]", item);
	for (i = 0; i < c->nsubs; i++)
		if (strcmp(c->subs[i], item) == 0)
			return conffile_error(&p->cf, "subcategory %s is "
			    "listed twice", item);
	if (c->nsubs == RULES_SUBS_MAX)
		return conffile_error(&p->cf, "more than %d subcategories",
		    RULES_SUBS_MAX);
	c->subs = xreallocarray(c->subs, c->nsubs + 1, sizeof(*c->subs));
	c->subs[c->nsubs++] = xstrdup(item);
	return 0;
}

static int
set_cat_subs(struct parser *p, char *v)
{
	return conffile_list(&p->cf, v, "subcategory", add_sub, p);
}

static int
set_cat_teams(struct parser *p, char *v)
{
	return parse_teams(p, v, &p->r->cats[p->idx].teams,
	    &p->r->cats[p->idx].nteams);
}

static int
set_cat_party(struct parser *p, char *v)
{
	int	party;

	if (conffile_enum(&p->cf, rules_parties, NITEMS(rules_parties), "party",
	    v, &party) == -1)
		return -1;
	p->r->cats[p->idx].party = party;
	return 0;
}

/* Appends a line of guidance text; the lines are joined without a space. */
static int
set_guidance(struct parser *p, char *v)
{
	struct rules_scope	*s = &p->r->scopes[p->idx];
	char			*joined;

	if (*v == '\0')
		return conffile_error(&p->cf, "empty guidance");
	joined = xasprintf("%s%s", s->guidance ? s->guidance : "", v);
	free(s->guidance);
	s->guidance = joined;
	return 0;
}

static void
add_ref(struct parser *p, enum rules_ref_kind kind, const char *name)
{
	struct rules_ref	*ref;

	p->refs = xreallocarray(p->refs, p->nrefs + 1, sizeof(*p->refs));
	ref = &p->refs[p->nrefs++];
	ref->kind = kind;
	ref->rule = p->r->nrules - 1;
	ref->line = p->cf.line;
	ref->name = xstrdup(name);
}

/* Parses "<category>" or "<category>.<subcategory>". */
static int
set_rule_category(struct parser *p, char *v)
{
	struct rule	*rule = cur_rule(p);
	char		*sub;
	int		 c;

	if ((sub = strchr(v, '.')) != NULL)
		*sub++ = '\0';
	if (conffile_enum(&p->cf, rules_categories, NITEMS(rules_categories),
	    "category", v, &c) == -1)
		return -1;
	rule->category = c;
	if (sub != NULL) {
		if (*sub == '\0')
			return conffile_error(&p->cf, "empty subcategory after "
			    "\"%s.\"", v);
		add_ref(p, REF_SUBCATEGORY, sub);
	}
	return 0;
}

static int
set_rule_keywords(struct parser *p, char *v)
{
	cur_rule(p)->has_keywords = true;
	return add_patterns(p, v, RULE_USE_KEYWORD, "keyword");
}

static int
set_rule_requires(struct parser *p, char *v)
{
	cur_rule(p)->has_requires = true;
	return add_patterns(p, v, RULE_USE_REQUIRES, "requires");
}

static int
set_rule_exclude(struct parser *p, char *v)
{
	cur_rule(p)->has_exclude = true;
	return add_patterns(p, v, RULE_USE_EXCLUDE, "exclude");
}

static int
set_rule_weight(struct parser *p, char *v)
{
	if (parse_milli(v, RULES_WEIGHT_MAX, &cur_rule(p)->weight) == -1)
		return conffile_error(&p->cf, "bad weight \"" CONFFILE_ECHO
		    "\": a number greater than 0 and at most 100, with at most "
		    "3 decimals", v);
	return 0;
}

static int
set_rule_severity(struct parser *p, char *v)
{
	int	s;

	if (conffile_enum(&p->cf, rules_severities, NITEMS(rules_severities),
	    "severity", v, &s) == -1)
		return -1;
	if (s == CDP__V1__SEVERITY__SEVERITY_NORMAL)
		return conffile_error(&p->cf, "severity normal is what a rule "
		    "without severity leaves; a rule sets urgent, high or low");
	cur_rule(p)->severity = s;
	return 0;
}

static int
set_rule_flag(struct parser *p, char *v)
{
	int	f;

	if (conffile_enum(&p->cf, rules_flags, NITEMS(rules_flags), "flag", v,
	    &f) == -1)
		return -1;
	cur_rule(p)->flag = f;
	return 0;
}

static int
set_rule_teams(struct parser *p, char *v)
{
	return parse_teams(p, v, &cur_rule(p)->teams, &cur_rule(p)->nteams);
}

static int
set_rule_scope(struct parser *p, char *v)
{
	if (!conffile_id(v, RULES_ID_MAX))
		return conffile_error(&p->cf, "bad scope \"" CONFFILE_ECHO
		    "\": 1-64 of [a-z0-9_.-]", v);
	add_ref(p, REF_SCOPE, v);
	return 0;
}

static int
set_rule_enabled(struct parser *p, char *v)
{
	bool	on;

	if (conffile_bool(v, &on) == -1)
		return conffile_error(&p->cf, "bad enabled \"" CONFFILE_ECHO
		    "\": yes or no", v);
	p->disabled = !on;
	return 0;
}

/* Splits "<fact> [<op> <value>]" and finds the fact and the operator. */
static int
cond_split(struct parser *p, char *v, const struct rules_fact **fact,
    enum rule_op *op, char **value)
{
	static const struct { const char *s; enum rule_op op; } ops[] = {
		{ ">=", RULE_OP_GE }, { "<=", RULE_OP_LE }, { "!=", RULE_OP_NE },
		{ "==", RULE_OP_EQ }, { "=", RULE_OP_EQ }, { ">", RULE_OP_GT },
		{ "<", RULE_OP_LT },
	};
	size_t	 len, i;
	char	*rest;

	len = strspn(v, "abcdefghijklmnopqrstuvwxyz_");
	rest = conffile_trim(v + len);
	for (*fact = NULL, i = 0; i < NITEMS(rules_facts); i++)
		if (strlen(rules_facts[i].name) == len &&
		    strncmp(rules_facts[i].name, v, len) == 0)
			*fact = &rules_facts[i];
	if (*fact == NULL)
		return conffile_error(&p->cf, "unknown fact in condition \""
		    CONFFILE_ECHO "\"", v);
	*value = NULL;
	if (*rest == '\0')
		return 0;
	for (i = 0; i < NITEMS(ops); i++) {
		if (strncmp(rest, ops[i].s, strlen(ops[i].s)) == 0) {
			*op = ops[i].op;
			*value = conffile_trim(rest + strlen(ops[i].s));
			return 0;
		}
	}
	return conffile_error(&p->cf, "bad operator in condition \""
	    CONFFILE_ECHO "\" (expected =, !=, <, <=, > or >=)", v);
}

/* Reads "a|b|c" of an enum into a mask of values. */
static int
cond_enum_set(struct parser *p, const struct rules_fact *f, char *v,
    struct rule_cond *c)
{
	char	*alt;
	int	 value;

	while ((alt = strsep(&v, "|")) != NULL) {
		alt = conffile_trim(alt);
		if (conffile_enum(&p->cf, f->names, f->nnames, f->name, alt,
		    &value) == -1)
			return -1;
		c->mask |= 1ULL << value;
		c->value = value;
	}
	return 0;
}

/* Reads "a|b|c" of a string fact; subcategories are checked at the end. */
static int
cond_string_set(struct parser *p, const struct rules_fact *f, char *v,
    struct rule_cond *c)
{
	char	*alt;

	while ((alt = strsep(&v, "|")) != NULL) {
		alt = conffile_trim(alt);
		if (!conffile_id(alt, RULES_ID_MAX))
			return conffile_error(&p->cf, "bad %s \"" CONFFILE_ECHO
			    "\" in condition: 1-64 of [a-z0-9_.-]", f->name,
			    alt);
		c->strs = xreallocarray(c->strs, c->nstrs + 1,
		    sizeof(*c->strs));
		c->strs[c->nstrs++] = xstrdup(alt);
		if (f->fact == RULE_FACT_SUBCATEGORY)
			add_ref(p, REF_SUBCOND, alt);
	}
	return 0;
}

/* Reads the value of a condition according to the fact's type. */
static int
cond_value(struct parser *p, const struct rules_fact *f, char *v,
    struct rule_cond *c)
{
	long long	n;
	bool		b;

	switch (f->type) {
	case FACT_INT:
		if (parse_int(p, v, f->name, 0, INT64_MAX, &n) == -1)
			return -1;
		c->value = n;
		return 0;
	case FACT_BOOL:
		if (conffile_bool(v, &b) == -1)
			return conffile_error(&p->cf, "bad value \""
			    CONFFILE_ECHO "\" for %s: yes or no", v, f->name);
		c->value = b;
		return 0;
	case FACT_ORDERED:
	case FACT_ENUM:
		return cond_enum_set(p, f, v, c);
	case FACT_STRING:
		return cond_string_set(p, f, v, c);
	}
	return -1;
}

/* Checks that the operator suits the fact's type. */
static int
cond_check_op(struct parser *p, const struct rules_fact *f,
    const struct rule_cond *c, const char *v)
{
	bool	order = c->op != RULE_OP_EQ && c->op != RULE_OP_NE;

	if (order && f->type != FACT_INT && f->type != FACT_ORDERED)
		return conffile_error(&p->cf, "%s takes only = or !=", f->name);
	if (order && f->type == FACT_ORDERED && strchr(v, '|') != NULL)
		return conffile_error(&p->cf, "alternatives (|) only go with = "
		    "or !=");
	return 0;
}

/* Parses a "when" condition and appends it to the current rule. */
static int
set_rule_when(struct parser *p, char *v)
{
	struct rule		*rule = cur_rule(p);
	struct rule_cond	*c;
	const struct rules_fact	*f;
	enum rule_op		 op = RULE_OP_EQ;
	char			*value = NULL, *text;

	text = xstrdup(v);
	if (cond_split(p, v, &f, &op, &value) == -1)
		goto fail;
	if (value == NULL && f->type != FACT_BOOL) {
		conffile_error(&p->cf, "condition on %s needs an operator and "
		    "a value", f->name);
		goto fail;
	}
	rule->conds = xreallocarray(rule->conds, rule->nconds + 1,
	    sizeof(*rule->conds));
	c = &rule->conds[rule->nconds++];
	memset(c, 0, sizeof(*c));
	c->fact = f->fact;
	c->op = op;
	c->text = text;
	c->value = 1;
	if (f->fact == RULE_FACT_CATEGORY || f->fact == RULE_FACT_SUBCATEGORY)
		rule->post = true;
	if (value == NULL)
		return 0;
	if (*value == '\0')
		return conffile_error(&p->cf, "condition on %s has no value",
		    f->name);
	if (cond_check_op(p, f, c, value) == -1)
		return -1;
	return cond_value(p, f, value, c);
fail:
	free(text);
	return -1;
}

/* Removes every use of the last rule, which is being dropped. */
static void
rules_drop_last(struct rules *r)
{
	struct rule_pattern	*pat;
	size_t			 i, j, k;

	for (i = 0; i < r->npats; i++) {
		pat = &r->pats[i];
		for (j = k = 0; j < pat->nuses; j++)
			if (pat->uses[j].kind == RULE_USE_CUE ||
			    pat->uses[j].kind == RULE_USE_NOT_CUE ||
			    pat->uses[j].rule != r->nrules - 1)
				pat->uses[k++] = pat->uses[j];
		pat->nuses = k;
	}
	rule_free(&r->rules[--r->nrules]);
}

static int
close_rule_check(struct parser *p, const struct rule *rule, bool scope)
{
	if (!rule->has_keywords && rule->nconds == 0)
		return conffile_error(&p->cf, "rule %s has nothing to match: "
		    "give keywords or a when condition", rule->id);
	if (rule->has_requires && !rule->has_keywords)
		return conffile_error(&p->cf, "rule %s has requires but no "
		    "keywords", rule->id);
	if (rule->category == 0 && rule->severity == 0 && !scope &&
	    rule->nteams == 0)
		return conffile_error(&p->cf, "rule %s does nothing: give a "
		    "category, a severity, teams or a scope", rule->id);
	if (rule->post && rule->category != 0)
		return conffile_error(&p->cf, "rule %s tests the decided "
		    "category, so it cannot give category evidence", rule->id);
	if (rule->weight != 0 && rule->category == 0)
		return conffile_error(&p->cf, "rule %s has a weight but no "
		    "category", rule->id);
	if (rule->flag != 0 &&
	    rule->severity != CDP__V1__SEVERITY__SEVERITY_URGENT)
		return conffile_error(&p->cf, "rule %s has a flag, which only "
		    "goes with severity = urgent", rule->id);
	if (rule->severity == CDP__V1__SEVERITY__SEVERITY_URGENT &&
	    rule->flag == 0)
		return conffile_error(&p->cf, "rule %s is urgent without a "
		    "flag saying why", rule->id);
	return 0;
}

/* Checks a finished rule (reported at its header line) and defaults it. */
static int
close_rule(struct parser *p)
{
	struct rule	*rule = cur_rule(p);
	bool		 scope = false;
	size_t		 i, line = p->cf.line;

	for (i = 0; i < p->nrefs; i++)
		if (p->refs[i].rule == p->r->nrules - 1 &&
		    p->refs[i].kind == REF_SCOPE)
			scope = true;
	p->cf.line = p->sec_line;
	if (close_rule_check(p, rule, scope) == -1)
		return -1;
	p->cf.line = line;
	if (rule->category != 0 && rule->weight == 0)
		rule->weight = 1000;
	if (p->disabled) {
		for (i = 0; i < p->nrefs; i++)
			if (p->refs[i].rule == p->r->nrules - 1)
				p->refs[i].rule = SIZE_MAX;
		rules_drop_last(p->r);
	}
	return 0;
}

/* Checks that the section just finished has its required keys. */
static int
close_section(struct parser *p)
{
	size_t	line = p->cf.line;
	int	rc = 0;

	p->cf.line = p->sec_line;
	if (p->sec == SECTION_SEVERITY && (p->seen & 3) != 3)
		rc = conffile_error(&p->cf, "[severity %s] needs sla_policy "
		    "and priority", p->r->sevs[p->idx].name);
	else if (p->sec == SECTION_CATEGORY && (p->seen & 6) != 6)
		rc = conffile_error(&p->cf, "[category %s] needs teams and "
		    "party", p->r->cats[p->idx].name);
	else if (p->sec == SECTION_SCOPE && p->seen == 0)
		rc = conffile_error(&p->cf, "[scope %s] needs guidance",
		    p->r->scopes[p->idx].code);
	p->cf.line = line;
	if (rc == 0 && p->sec == SECTION_RULE)
		rc = close_rule(p);
	return rc;
}

static int
open_severity(struct parser *p, const char *name)
{
	int	s;

	if (conffile_enum(&p->cf, rules_severities, NITEMS(rules_severities),
	    "severity", name, &s) == -1)
		return -1;
	if (p->sev_seen[s])
		return conffile_error(&p->cf, "duplicate section [severity %s]",
		    name);
	p->sev_seen[s] = true;
	p->idx = s;
	return 0;
}

static int
open_category(struct parser *p, const char *name)
{
	int	c;

	if (conffile_enum(&p->cf, rules_categories, NITEMS(rules_categories),
	    "category", name, &c) == -1)
		return -1;
	if (p->cat_seen[c])
		return conffile_error(&p->cf, "duplicate section [category %s]",
		    name);
	p->cat_seen[c] = true;
	p->idx = c;
	return 0;
}

static int
open_scope(struct parser *p, const char *code)
{
	struct rules	*r = p->r;
	size_t		 i;

	if (!conffile_id(code, RULES_ID_MAX))
		return conffile_error(&p->cf, "bad scope code \"" CONFFILE_ECHO
		    "\": 1-64 of [a-z0-9_.-]", code);
	for (i = 0; i < r->nscopes; i++)
		if (strcmp(r->scopes[i].code, code) == 0)
			return conffile_error(&p->cf, "duplicate section "
			    "[scope %s]", code);
	r->scopes = xreallocarray(r->scopes, r->nscopes + 1,
	    sizeof(*r->scopes));
	r->scopes[r->nscopes].code = xstrdup(code);
	r->scopes[r->nscopes].guidance = NULL;
	p->idx = r->nscopes++;
	return 0;
}

/* Opens [group <by>]: the rule is on unless it says enabled = no. */
static int
open_group(struct parser *p, const char *name)
{
	int	by;

	if (conffile_enum(&p->cf, rules_group_bys, NITEMS(rules_group_bys),
	    "group", name, &by) == -1)
		return -1;
	if (p->group_seen[by])
		return conffile_error(&p->cf, "duplicate section [group %s]",
		    name);
	p->group_seen[by] = true;
	p->r->groups[by].enabled = true;
	p->idx = by;
	return 0;
}

static int
open_rule(struct parser *p, const char *id)
{
	struct rules	*r = p->r;
	size_t		 i;

	if (!conffile_id(id, RULES_ID_MAX))
		return conffile_error(&p->cf, "bad rule id \"" CONFFILE_ECHO
		    "\": 1-64 of [a-z0-9_.-]", id);
	for (i = 0; i < r->nrules; i++)
		if (strcmp(r->rules[i].id, id) == 0)
			return conffile_error(&p->cf, "duplicate rule id %s "
			    "(first at line %zu)", id, r->rules[i].line);
	r->rules = xreallocarray(r->rules, r->nrules + 1, sizeof(*r->rules));
	memset(&r->rules[r->nrules], 0, sizeof(r->rules[0]));
	r->rules[r->nrules].id = xstrdup(id);
	r->rules[r->nrules].line = p->cf.line;
	r->rules[r->nrules].sub = -1;
	r->nrules++;
	p->disabled = false;
	return 0;
}

/* Opens the named section; a singleton section may appear only once. */
static int
open_section(struct parser *p, size_t k, const char *name)
{
	if (!rules_sections[k].named) {
		if (name != NULL)
			return conffile_error(&p->cf, "[%s] takes no name",
			    rules_sections[k].name);
		if (p->sections & (1u << rules_sections[k].sec))
			return conffile_error(&p->cf, "duplicate section [%s]",
			    rules_sections[k].name);
		p->sections |= 1u << rules_sections[k].sec;
		return 0;
	}
	if (name == NULL)
		return conffile_error(&p->cf, "[%s] needs a name: [%s <name>]",
		    rules_sections[k].name, rules_sections[k].name);
	switch (rules_sections[k].sec) {
	case SECTION_SEVERITY:
		return open_severity(p, name);
	case SECTION_CATEGORY:
		return open_category(p, name);
	case SECTION_SCOPE:
		return open_scope(p, name);
	case SECTION_GROUP:
		return open_group(p, name);
	default:
		return open_rule(p, name);
	}
}

/*
 * Parses "[kind]" or "[kind name]", closing the previous section. A name
 * is one word; a section without one gets NULL.
 */
static int
parse_section(void *arg, char *s)
{
	struct parser	*p = arg;
	char		*kind, *name;
	size_t		 k;

	if (conffile_section(&p->cf, s, &kind, &name) == -1)
		return -1;
	if (*name == '\0')
		name = NULL;
	else if (strpbrk(name, " \t") != NULL)
		return conffile_error(&p->cf, "bad section name \""
		    CONFFILE_ECHO "\": one word", name);
	if (p->sec != SECTION_NONE && close_section(p) == -1)
		return -1;
	for (k = 0; k < NITEMS(rules_sections); k++)
		if (strcmp(rules_sections[k].name, kind) == 0)
			break;
	if (k == NITEMS(rules_sections))
		return conffile_error(&p->cf, "unknown section [" CONFFILE_ECHO
		    "] (expected settings, negation, priority, severity, "
		    "category, scope, rule or group)", kind);
	p->sec = rules_sections[k].sec;
	p->sec_line = p->cf.line;
	p->seen = 0;
	return open_section(p, k, name);
}

/* Finds the key table of the current section. */
static size_t
section_index(enum rules_section sec)
{
	size_t	k;

	for (k = 0; k < NITEMS(rules_sections); k++)
		if (rules_sections[k].sec == sec)
			break;
	return k;
}

/* Parses "key = value" in the current section. */
static int
parse_assign(void *arg, char *key, char *value)
{
	struct parser		*p = arg;
	const struct rules_key	*keys;
	size_t			 k, i, n;
	int			 idx;

	k = section_index(p->sec);
	keys = rules_sections[k].keys;
	n = rules_sections[k].nkeys;
	for (i = 0; i < n && strcmp(keys[i].name, key) != 0; i++)
		;
	if (i == n)
		return conffile_error(&p->cf, "unknown key \"" CONFFILE_ECHO
		    "\" in [%s]", key, rules_sections[k].name);
	if ((p->seen & (1ULL << i)) && !keys[i].repeat)
		return conffile_error(&p->cf, "duplicate key %s", key);
	p->seen |= 1ULL << i;
	idx = p->idx;
	if (p->sec == SECTION_PRIORITY)
		p->idx = i;
	if (keys[i].fn(p, value) == -1)
		return -1;
	p->idx = idx;
	return 0;
}

/* Resolves a subcategory name of the rule's category to its index. */
static int
resolve_sub(struct parser *p, struct rules_ref *ref)
{
	struct rule		*rule = &p->r->rules[ref->rule];
	struct rule_category	*c = &p->r->cats[rule->category];
	size_t			 i;

	for (i = 0; i < c->nsubs; i++) {
		if (strcmp(c->subs[i], ref->name) == 0) {
			rule->sub = i;
			return 0;
		}
	}
	return conffile_error(&p->cf, "unknown subcategory %s.%s (not in "
	    "[category %s] subcategories)", c->name, ref->name, c->name);
}

/* Checks that a subcategory condition names a known subcategory. */
static int
resolve_subcond(struct parser *p, struct rules_ref *ref)
{
	size_t	c, i;

	for (c = 1; c < RULES_NCATS; c++)
		for (i = 0; i < p->r->cats[c].nsubs; i++)
			if (strcmp(p->r->cats[c].subs[i], ref->name) == 0)
				return 0;
	return conffile_error(&p->cf, "unknown subcategory %s in condition",
	    ref->name);
}

static int
resolve_scope(struct parser *p, struct rules_ref *ref)
{
	size_t	i;

	for (i = 0; i < p->r->nscopes; i++) {
		if (strcmp(p->r->scopes[i].code, ref->name) == 0) {
			p->r->rules[ref->rule].scope = xstrdup(ref->name);
			return 0;
		}
	}
	return conffile_error(&p->cf, "unknown scope %s (no [scope %s] "
	    "section)", ref->name, ref->name);
}

/* Resolves the names that could only be checked once the file was read. */
static int
resolve_refs(struct parser *p)
{
	struct rules_ref	*ref;
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < p->nrefs && rc == 0; i++) {
		ref = &p->refs[i];
		if (ref->rule == SIZE_MAX)
			continue;
		p->cf.line = ref->line;
		if (ref->kind == REF_SUBCATEGORY)
			rc = resolve_sub(p, ref);
		else if (ref->kind == REF_SUBCOND)
			rc = resolve_subcond(p, ref);
		else
			rc = resolve_scope(p, ref);
	}
	return rc;
}

/* Checks that every category and severity has its section. */
static int
check_complete(struct parser *p)
{
	size_t	i;

	p->cf.line = 0;
	for (i = 0; i < NITEMS(rules_categories); i++)
		if (!p->cat_seen[rules_categories[i].value])
			return conffile_error(&p->cf, "no [category %s] "
			    "section", rules_categories[i].name);
	for (i = 0; i < NITEMS(rules_severities); i++)
		if (!p->sev_seen[rules_severities[i].value])
			return conffile_error(&p->cf, "no [severity %s] "
			    "section", rules_severities[i].name);
	return 0;
}

/*
 * Without any [group] section, only [group sku] is on; a group rule
 * without its own threshold or window takes the settings'.
 */
static void
rules_group_defaults(struct parser *p)
{
	struct rules	*r = p->r;
	size_t		 i;

	if (!p->group_seen[GROUP_BY_SKU] &&
	    !p->group_seen[GROUP_BY_SUBCATEGORY])
		r->groups[GROUP_BY_SKU].enabled = true;
	for (i = 0; i < GROUP_BY_N; i++) {
		r->groups[i].name = rules_group_bys[i].name;
		if (r->groups[i].threshold == 0)
			r->groups[i].threshold = r->settings.group_threshold;
		if (r->groups[i].window_ms == 0)
			r->groups[i].window_ms = r->settings.group_window_ms;
	}
}

/* Parses the file's text, line by line, then checks it as a whole. */
static int
rules_parse(struct parser *p, char *text, size_t len)
{
	static const struct conffile_ops	ops = {
		.section = parse_section,
		.assign = parse_assign,
	};

	if (conffile_parse(&p->cf, text, len, &ops, p) == -1)
		return -1;
	if (p->sec != SECTION_NONE && close_section(p) == -1)
		return -1;
	if (check_complete(p) == -1)
		return -1;
	rules_group_defaults(p);
	return resolve_refs(p);
}

/* Gives the matcher every pattern, its id being its index. */
static void
rules_build(struct rules *r)
{
	size_t	i;

	r->matcher = matcher_new();
	for (i = 0; i < r->npats; i++)
		if (matcher_add(r->matcher, r->pats[i].text, i) == -1)
			fatalx("rules: pattern %zu refused", i);
	matcher_build(r->matcher);
}

static void
rules_defaults(struct rules *r)
{
	size_t	i;

	r->settings.group_threshold = 5;
	r->settings.group_window_ms = 30 * 60 * 1000;
	r->settings.negation_window = 4;
	r->settings.confidence_damping = 1000;
	r->settings.keyword_bonus = 500;
	r->settings.amount_step_fen = 100000;
	r->settings.amount_bonus_max = 100;
	for (i = 0; i < NITEMS(rules_categories); i++)
		r->cats[rules_categories[i].value].name =
		    rules_categories[i].name;
	for (i = 0; i < NITEMS(rules_severities); i++)
		r->sevs[rules_severities[i].value].name =
		    rules_severities[i].name;
}

static void
parser_free(struct parser *p)
{
	size_t	i;

	for (i = 0; i < p->nrefs; i++)
		free(p->refs[i].name);
	free(p->refs);
}

/*
 * Loads and checks a rules file. On any mistake, returns NULL with
 * "<path>:<line>: <reason>" in err.
 */
struct rules *
rules_load(const char *path, char *err, size_t errsz)
{
	struct parser	 p;
	struct rules	*r;
	char		*text;
	size_t		 len;

	if ((text = conffile_read(path, RULES_FILE_MAX, &len, err, errsz)) ==
	    NULL)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	rules_defaults(r);
	conffile_version(text, len, r->version);
	memset(&p, 0, sizeof(p));
	conffile_init(&p.cf, path, err, errsz);
	p.cf.utf8 = true;
	p.r = r;
	if (rules_parse(&p, text, len) == -1) {
		rules_free(r);
		r = NULL;
	} else
		rules_build(r);
	parser_free(&p);
	free(text);
	return r;
}

const char *
rules_version(const struct rules *r)
{
	return r->version;
}

const struct rule_settings *
rules_settings(const struct rules *r)
{
	return &r->settings;
}

size_t
rules_count(const struct rules *r)
{
	return r->nrules;
}

const struct rule *
rules_rule(const struct rules *r, size_t i)
{
	return &r->rules[i];
}

const struct matcher *
rules_matcher(const struct rules *r)
{
	return r->matcher;
}

size_t
rules_pattern_count(const struct rules *r)
{
	return r->npats;
}

const struct rule_pattern *
rules_pattern(const struct rules *r, int id)
{
	return &r->pats[id];
}

const struct rule_category *
rules_category(const struct rules *r, Cdp__V1__Category c)
{
	if ((int)c <= 0 || (int)c >= RULES_NCATS)
		c = CDP__V1__CATEGORY__CATEGORY_OTHER;
	return &r->cats[c];
}

const struct rule_severity *
rules_severity(const struct rules *r, Cdp__V1__Severity s)
{
	if ((int)s <= 0 || (int)s >= RULES_NSEVS)
		s = CDP__V1__SEVERITY__SEVERITY_NORMAL;
	return &r->sevs[s];
}

/* A group-complaint rule (its enabled says whether it is on). */
const struct rule_group *
rules_group(const struct rules *r, enum group_by by)
{
	return &r->groups[by];
}

/* The longest window of the group rules that are on. */
int64_t
rules_group_window_max(const struct rules *r)
{
	int64_t	w = 0;
	size_t	i;

	for (i = 0; i < GROUP_BY_N; i++)
		if (r->groups[i].enabled && r->groups[i].window_ms > w)
			w = r->groups[i].window_ms;
	return w;
}

/* The guidance of an out-of-scope reason code, or NULL if unknown. */
const char *
rules_guidance(const struct rules *r, const char *reason_code)
{
	size_t	i;

	for (i = 0; i < r->nscopes; i++)
		if (strcmp(r->scopes[i].code, reason_code) == 0)
			return r->scopes[i].guidance;
	return NULL;
}

static void
rule_free(struct rule *rule)
{
	size_t	i, j;

	for (i = 0; i < rule->nconds; i++) {
		for (j = 0; j < rule->conds[i].nstrs; j++)
			free(rule->conds[i].strs[j]);
		free(rule->conds[i].strs);
		free(rule->conds[i].text);
	}
	free(rule->conds);
	free(rule->teams);
	free(rule->scope);
	free(rule->id);
}

void
rules_free(struct rules *r)
{
	size_t	i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrules; i++)
		rule_free(&r->rules[i]);
	free(r->rules);
	for (i = 0; i < r->npats; i++) {
		free(r->pats[i].text);
		free(r->pats[i].uses);
	}
	free(r->pats);
	for (i = 0; i < RULES_NCATS; i++) {
		for (j = 0; j < r->cats[i].nsubs; j++)
			free(r->cats[i].subs[j]);
		free(r->cats[i].subs);
		free(r->cats[i].teams);
	}
	for (i = 0; i < RULES_NSEVS; i++) {
		free(r->sevs[i].sla_policy);
		free(r->sevs[i].teams);
	}
	for (i = 0; i < r->nscopes; i++) {
		free(r->scopes[i].code);
		free(r->scopes[i].guidance);
	}
	free(r->scopes);
	matcher_free(r->matcher);
	free(r);
}
