/*
 * The schema of the rules file (confschema.h): its section kinds, in the
 * order errors list them, with their keys, and the setters and open and
 * close callbacks of every kind but [rule] (rule_keys.c). Categories,
 * severities, parties and teams are named by their public names
 * (vocab.c), older spellings included.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_parser.h"
#include "vocab.h"
#include "xmalloc.h"

/* The names of the group-complaint rules: ours, not the contract's. */
const char *const rules_sections_group_names[GROUP_BY_N] = {
	[GROUP_BY_SKU] =		"sku",
	[GROUP_BY_SUBCATEGORY] =	"subcategory",
};

static int	set_group_threshold(void *, char *);
static int	set_group_window(void *, char *);
static int	set_negation_window(void *, char *);
static int	set_confidence_damping(void *, char *);
static int	set_keyword_bonus(void *, char *);
static int	set_cues(void *, char *);
static int	set_not_cues(void *, char *);
static int	set_regular(void *, char *);
static int	set_silver(void *, char *);
static int	set_gold(void *, char *);
static int	set_platinum(void *, char *);
static int	set_diamond(void *, char *);
static int	set_amount_step(void *, char *);
static int	set_amount_max(void *, char *);
static int	set_sev_sla(void *, char *);
static int	set_sev_priority(void *, char *);
static int	set_sev_teams(void *, char *);
static int	set_cat_subs(void *, char *);
static int	set_cat_teams(void *, char *);
static int	set_cat_party(void *, char *);
static int	set_guidance(void *, char *);
static int	set_grp_threshold(void *, char *);
static int	set_grp_window(void *, char *);
static int	set_grp_enabled(void *, char *);

static const struct confschema_key settings_keys[] = {
	{ "group_threshold",	set_group_threshold,	false, false },
	{ "group_window",	set_group_window,	false, false },
	{ "negation_window",	set_negation_window,	false, false },
	{ "confidence_damping",	set_confidence_damping,	false, false },
	{ "keyword_bonus",	set_keyword_bonus,	false, false },
};

static const struct confschema_key negation_keys[] = {
	{ "cues",		set_cues,		true, false },
	{ "not_cues",		set_not_cues,		true, false },
};

static const struct confschema_key priority_keys[] = {
	{ "regular",		set_regular,		false, false },
	{ "silver",		set_silver,		false, false },
	{ "gold",		set_gold,		false, false },
	{ "platinum",		set_platinum,		false, false },
	{ "diamond",		set_diamond,		false, false },
	{ "amount_step_fen",	set_amount_step,	false, false },
	{ "amount_max",		set_amount_max,		false, false },
};

static const struct confschema_key severity_keys[] = {
	{ "sla_policy",		set_sev_sla,		false, true },
	{ "priority",		set_sev_priority,	false, true },
	{ "teams",		set_sev_teams,		false, false },
};

static const struct confschema_key category_keys[] = {
	{ "subcategories",	set_cat_subs,		true, false },
	{ "teams",		set_cat_teams,		false, true },
	{ "party",		set_cat_party,		false, true },
};

static const struct confschema_key scope_keys[] = {
	{ "guidance",		set_guidance,		true, true },
};

static const struct confschema_key group_keys[] = {
	{ "threshold",		set_grp_threshold,	false, false },
	{ "window",		set_grp_window,		false, false },
	{ "enabled",		set_grp_enabled,	false, false },
};

static int	open_severity(void *, const char *);
static int	open_category(void *, const char *);
static int	open_scope(void *, const char *);
static int	open_group(void *, const char *);

static const struct confschema_kind rules_kinds[] = {
	{ "settings", false, settings_keys, nitems(settings_keys), NULL, NULL,
	    0 },
	{ "negation", false, negation_keys, nitems(negation_keys), NULL, NULL,
	    0 },
	{ "priority", false, priority_keys, nitems(priority_keys), NULL, NULL,
	    0 },
	{ "severity", true, severity_keys, nitems(severity_keys),
	    open_severity, NULL, 0 },
	{ "category", true, category_keys, nitems(category_keys),
	    open_category, NULL, 0 },
	{ "scope", true, scope_keys, nitems(scope_keys), open_scope, NULL, 0 },
	{ "rule", true, rule_keys, RULE_KEYS_N, rule_keys_open,
	    rule_keys_close, 0 },
	{ "group", true, group_keys, nitems(group_keys), open_group, NULL, 0 },
};

/*
 * Empty values pass to the setters, whose messages say what was empty
 * ("empty keyword list", "empty guidance").
 */
const struct confschema rules_sections_schema = {
	rules_kinds, nitems(rules_kinds), true
};

static int
set_group_threshold(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	return rules_values_threshold(p, v, "group_threshold",
	    &p->r->settings.group_threshold);
}

static int
set_group_window(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	return rules_values_window(p, v, "group_window",
	    &p->r->settings.group_window_ms);
}

static int
set_negation_window(void *arg, char *v)
{
	struct rules_parser	*p = arg;
	long long		 n;

	if (rules_values_int(p, v, "negation_window", 0, 32, &n) == -1)
		return -1;
	p->r->settings.negation_window = n;
	return 0;
}

static int
set_confidence_damping(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	if (rules_values_milli(v, RULES_WEIGHT_MAX,
	    &p->r->settings.confidence_damping) == -1)
		return conffile_error(&p->cf, "bad confidence_damping \""
		    CONFFILE_ECHO "\": a number greater than 0 and at most "
		    "100, with at most 3 decimals", v);
	return 0;
}

/* A fraction from 0 to 1, with at most three decimals. */
static int
set_keyword_bonus(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	if (strcmp(v, "0") == 0)
		p->r->settings.keyword_bonus = 0;
	else if (rules_values_milli(v, 1000, &p->r->settings.keyword_bonus) ==
	    -1)
		return conffile_error(&p->cf, "bad keyword_bonus \""
		    CONFFILE_ECHO "\": a number from 0 to 1, with at most 3 "
		    "decimals", v);
	return 0;
}

static int
set_cues(void *arg, char *v)
{
	return rule_patterns_add(arg, v, RULE_USE_CUE, "negation cue", 0);
}

static int
set_not_cues(void *arg, char *v)
{
	return rule_patterns_add(arg, v, RULE_USE_NOT_CUE, "not_cues", 0);
}

/* Sets the priority bonus of a member tier; key is the tier's name. */
static int
tier_bonus(struct rules_parser *p, Cdp__V1__MemberTier tier, const char *key,
    char *v)
{
	long long	n;

	if (rules_values_int(p, v, key, 0, 100000, &n) == -1)
		return -1;
	p->r->settings.tier_bonus[tier] = n;
	return 0;
}

static int
set_regular(void *arg, char *v)
{
	return tier_bonus(arg, CDP__V1__MEMBER_TIER__MEMBER_TIER_REGULAR,
	    "regular", v);
}

static int
set_silver(void *arg, char *v)
{
	return tier_bonus(arg, CDP__V1__MEMBER_TIER__MEMBER_TIER_SILVER,
	    "silver", v);
}

static int
set_gold(void *arg, char *v)
{
	return tier_bonus(arg, CDP__V1__MEMBER_TIER__MEMBER_TIER_GOLD, "gold",
	    v);
}

static int
set_platinum(void *arg, char *v)
{
	return tier_bonus(arg, CDP__V1__MEMBER_TIER__MEMBER_TIER_PLATINUM,
	    "platinum", v);
}

static int
set_diamond(void *arg, char *v)
{
	return tier_bonus(arg, CDP__V1__MEMBER_TIER__MEMBER_TIER_DIAMOND,
	    "diamond", v);
}

static int
set_amount_step(void *arg, char *v)
{
	struct rules_parser	*p = arg;
	long long		 n;

	if (rules_values_int(p, v, "amount_step_fen", 1, 100000000000LL, &n) ==
	    -1)
		return -1;
	p->r->settings.amount_step_fen = n;
	return 0;
}

static int
set_amount_max(void *arg, char *v)
{
	struct rules_parser	*p = arg;
	long long		 n;

	if (rules_values_int(p, v, "amount_max", 0, 100000, &n) == -1)
		return -1;
	p->r->settings.amount_bonus_max = n;
	return 0;
}

static int
set_sev_sla(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	if (!conffile_id(v, RULES_ID_MAX))
		return conffile_error(&p->cf, "bad sla_policy \"" CONFFILE_ECHO
		    "\": 1-64 of [a-z0-9_.-]", v);
	p->r->sevs[p->idx].sla_policy = xstrdup(v);
	return 0;
}

static int
set_sev_priority(void *arg, char *v)
{
	struct rules_parser	*p = arg;
	long long		 n;

	if (rules_values_int(p, v, "priority", 0, 1000000, &n) == -1)
		return -1;
	p->r->sevs[p->idx].priority = n;
	return 0;
}

static int
set_sev_teams(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	return rules_values_teams(p, v, &p->r->sevs[p->idx].teams,
	    &p->r->sevs[p->idx].nteams);
}

/* Adds a subcategory to the category of the current section. */
static int
add_sub(void *arg, char *item)
{
	struct rules_parser	*p = arg;
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
set_cat_subs(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	return conffile_list(&p->cf, v, "subcategory", add_sub, p);
}

static int
set_cat_teams(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	return rules_values_teams(p, v, &p->r->cats[p->idx].teams,
	    &p->r->cats[p->idx].nteams);
}

static int
set_cat_party(void *arg, char *v)
{
	struct rules_parser	*p = arg;
	int			 party;

	if (vocab_conf(&p->cf, &cdp__v1__party__descriptor, "party", NULL, v,
	    &party) == -1)
		return -1;
	p->r->cats[p->idx].party = party;
	return 0;
}

/* Appends a line of guidance text; the lines are joined without a space. */
static int
set_guidance(void *arg, char *v)
{
	struct rules_parser	*p = arg;
	struct rules_scope	*s = &p->r->scopes[p->idx];
	char			*joined;

	if (*v == '\0')
		return conffile_error(&p->cf, "empty guidance");
	joined = xasprintf("%s%s", s->guidance ? s->guidance : "", v);
	free(s->guidance);
	s->guidance = joined;
	return 0;
}

static int
set_grp_threshold(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	return rules_values_threshold(p, v, "threshold",
	    &p->r->groups[p->idx].threshold);
}

static int
set_grp_window(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	return rules_values_window(p, v, "window",
	    &p->r->groups[p->idx].window_ms);
}

static int
set_grp_enabled(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	return rules_values_enabled(p, v, &p->r->groups[p->idx].enabled);
}

/*
 * Opens [severity <name>], once per severity; the severity keeps the
 * name its header gives.
 */
static int
open_severity(void *arg, const char *name)
{
	struct rules_parser	*p = arg;
	int			 s;

	if (vocab_conf(&p->cf, &cdp__v1__severity__descriptor, "severity",
	    NULL, name, &s) == -1)
		return -1;
	if (s >= RULES_NSEVS)
		return conffile_error(&p->cf, "severity %s has no place in "
		    "this build's rules", name);
	if (p->sev_seen[s])
		return conffile_error(&p->cf, "duplicate section [severity %s]",
		    name);
	p->sev_seen[s] = true;
	snprintf(p->r->sev_names[s], RULES_NAME_MAX, "%s", name);
	p->idx = s;
	return 0;
}

/*
 * Opens [category <name>], once per category; the category keeps the
 * name its header gives ("advertising" stays "advertising": group keys
 * are made of it).
 */
static int
open_category(void *arg, const char *name)
{
	struct rules_parser	*p = arg;
	int			 c;

	if (vocab_conf(&p->cf, &cdp__v1__category__descriptor, "category",
	    NULL, name, &c) == -1)
		return -1;
	if (c >= RULES_NCATS)
		return conffile_error(&p->cf, "category %s has no place in "
		    "this build's rules", name);
	if (p->cat_seen[c])
		return conffile_error(&p->cf, "duplicate section [category %s]",
		    name);
	p->cat_seen[c] = true;
	snprintf(p->r->cat_names[c], RULES_NAME_MAX, "%s", name);
	p->idx = c;
	return 0;
}

/* Opens [scope <code>]: a code unique in the file. */
static int
open_scope(void *arg, const char *code)
{
	struct rules_parser	*p = arg;
	struct rules		*r = p->r;
	size_t			 i;

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
open_group(void *arg, const char *name)
{
	struct rules_parser	*p = arg;
	int			 by;

	for (by = 0; by < GROUP_BY_N; by++)
		if (strcmp(rules_sections_group_names[by], name) == 0)
			break;
	if (by == GROUP_BY_N)
		return conffile_error(&p->cf, "unknown group \"" CONFFILE_ECHO
		    "\" (expected one of sku, subcategory)", name);
	if (p->group_seen[by])
		return conffile_error(&p->cf, "duplicate section [group %s]",
		    name);
	p->group_seen[by] = true;
	p->r->groups[by].enabled = true;
	p->idx = by;
	return 0;
}
