/*
 * The [rule <id>] section: its keys, their setters, and the checks of a
 * rule as a whole when its section ends. A rule with enabled = no is read
 * and checked like any other, then dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "rules_parser.h"
#include "vocab.h"
#include "xmalloc.h"

static int	set_category(void *, char *);
static int	set_keywords(void *, char *);
static int	set_requires(void *, char *);
static int	set_exclude(void *, char *);
static int	set_when(void *, char *);
static int	set_weight(void *, char *);
static int	set_severity(void *, char *);
static int	set_flag(void *, char *);
static int	set_teams(void *, char *);
static int	set_scope(void *, char *);
static int	set_enabled(void *, char *);

const struct confschema_key rule_keys[RULE_KEYS_N] = {
	{ "category",	set_category,	false, false },
	{ "keywords",	set_keywords,	true, false },
	{ "requires",	set_requires,	true, false },
	{ "exclude",	set_exclude,	true, false },
	{ "when",	set_when,	true, false },
	{ "weight",	set_weight,	false, false },
	{ "severity",	set_severity,	false, false },
	{ "flag",	set_flag,	false, false },
	{ "teams",	set_teams,	false, false },
	{ "scope",	set_scope,	false, false },
	{ "enabled",	set_enabled,	false, false },
};

static struct rule *
cur_rule(struct rules_parser *p)
{
	return &p->r->rules[p->r->nrules - 1];
}

/* The index of the rule being read, for the uses of its patterns. */
static size_t
cur_index(struct rules_parser *p)
{
	return p->r->nrules - 1;
}

/* Parses "<category>" or "<category>.<subcategory>". */
static int
set_category(void *arg, char *v)
{
	struct rules_parser	*p = arg;
	char			*sub;
	int			 c;

	if ((sub = strchr(v, '.')) != NULL)
		*sub++ = '\0';
	if (vocab_conf(&p->cf, &cdp__v1__category__descriptor, "category",
	    NULL, v, &c) == -1)
		return -1;
	cur_rule(p)->category = c;
	if (sub != NULL) {
		if (*sub == '\0')
			return conffile_error(&p->cf, "empty subcategory after "
			    "\"%s.\"", v);
		rules_resolve_ref(p, REF_SUBCATEGORY, sub);
	}
	return 0;
}

static int
set_keywords(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	cur_rule(p)->has_keywords = true;
	return rule_patterns_add(p, v, RULE_USE_KEYWORD, "keyword",
	    cur_index(p));
}

static int
set_requires(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	cur_rule(p)->has_requires = true;
	return rule_patterns_add(p, v, RULE_USE_REQUIRES, "requires",
	    cur_index(p));
}

static int
set_exclude(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	cur_rule(p)->has_exclude = true;
	return rule_patterns_add(p, v, RULE_USE_EXCLUDE, "exclude",
	    cur_index(p));
}

static int
set_when(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	return rule_conditions_parse(p, cur_rule(p), v);
}

static int
set_weight(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	if (rules_values_milli(v, RULES_WEIGHT_MAX, &cur_rule(p)->weight) ==
	    -1)
		return conffile_error(&p->cf, "bad weight \"" CONFFILE_ECHO
		    "\": a number greater than 0 and at most 100, with at most "
		    "3 decimals", v);
	return 0;
}

/* Urgent, high or low: normal is what a rule without a severity leaves. */
static int
set_severity(void *arg, char *v)
{
	struct rules_parser	*p = arg;
	int			 s;

	if (vocab_conf(&p->cf, &cdp__v1__severity__descriptor, "severity",
	    NULL, v, &s) == -1)
		return -1;
	if (s == CDP__V1__SEVERITY__SEVERITY_NORMAL)
		return conffile_error(&p->cf, "severity normal is what a rule "
		    "without severity leaves; a rule sets urgent, high or low");
	cur_rule(p)->severity = s;
	return 0;
}

static int
set_flag(void *arg, char *v)
{
	struct rules_parser	*p = arg;
	int			 f;

	if (vocab_conf(&p->cf, &cdp__v1__urgency_flag__descriptor, "flag",
	    NULL, v, &f) == -1)
		return -1;
	cur_rule(p)->flag = f;
	return 0;
}

static int
set_teams(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	return rules_values_teams(p, v, &cur_rule(p)->teams,
	    &cur_rule(p)->nteams);
}

/* A scope code; its [scope] section may come later in the file. */
static int
set_scope(void *arg, char *v)
{
	struct rules_parser	*p = arg;

	if (!conffile_id(v, RULES_ID_MAX))
		return conffile_error(&p->cf, "bad scope \"" CONFFILE_ECHO
		    "\": 1-64 of [a-z0-9_.-]", v);
	rules_resolve_ref(p, REF_SCOPE, v);
	return 0;
}

static int
set_enabled(void *arg, char *v)
{
	struct rules_parser	*p = arg;
	bool			 on;

	if (rules_values_enabled(p, v, &on) == -1)
		return -1;
	p->disabled = !on;
	return 0;
}

/* Opens [rule <id>]: an id unique in the file. */
int
rule_keys_open(void *arg, const char *id)
{
	struct rules_parser	*p = arg;
	struct rules		*r = p->r;
	size_t			 i;

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

/* Says what is missing or contradictory in a finished rule. */
static int
check_rule(struct rules_parser *p, const struct rule *rule, bool scope)
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

/* Drops the rule just read (enabled = no), with its uses and names. */
static void
drop_rule(struct rules_parser *p)
{
	size_t	i, rule = cur_index(p);

	for (i = 0; i < p->nrefs; i++)
		if (p->refs[i].rule == rule)
			p->refs[i].rule = SIZE_MAX;
	rule_patterns_drop_rule(p->r, rule);
	rules_rule_free(&p->r->rules[--p->r->nrules]);
}

/*
 * Checks a finished rule (reported at its header line, where the layer
 * has put cf.line) and gives it its default weight.
 */
int
rule_keys_close(void *arg)
{
	struct rules_parser	*p = arg;
	struct rule		*rule = cur_rule(p);
	bool			 scope = false;
	size_t			 i;

	for (i = 0; i < p->nrefs; i++)
		if (p->refs[i].rule == cur_index(p) &&
		    p->refs[i].kind == REF_SCOPE)
			scope = true;
	if (check_rule(p, rule, scope) == -1)
		return -1;
	if (rule->category != 0 && rule->weight == 0)
		rule->weight = 1000;
	if (p->disabled)
		drop_rule(p);
	return 0;
}
