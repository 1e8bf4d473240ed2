/*
 * The classification rules file (config/classifier-rules.conf): what the
 * classifier looks for in a complaint and what it concludes. It is loaded
 * once at start-up; every mistake stops the daemon with
 * "<path>:<line>: [<section>] <reason>", so a typo never leaves a rule
 * silently out.
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
 *
 * Categories, severities, teams, parties, flags and the enum values of
 * conditions are the contract's public names (vocab.c, docs/api.md); the
 * older "advertising" and "platform" are accepted for the two categories.
 * This file loads the set and answers for it; rules_parser.h says which
 * file reads which part.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rules_parser.h"
#include "xmalloc.h"

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
	r->settings.group_threshold = 5;
	r->settings.group_window_ms = 30 * 60 * 1000;
	r->settings.negation_window = 4;
	r->settings.confidence_damping = 1000;
	r->settings.keyword_bonus = 500;
	r->settings.amount_step_fen = 100000;
	r->settings.amount_bonus_max = 100;
}

static void
parser_free(struct rules_parser *p)
{
	size_t	i;

	for (i = 0; i < p->nrefs; i++)
		free(p->refs[i].name);
	free(p->refs);
}

/*
 * Loads and checks a rules file. On any mistake, returns NULL with
 * "<path>:<line>: [<section>] <reason>" in err. The caller frees the set
 * with rules_free().
 */
struct rules *
rules_load(const char *path, char *err, size_t errsz)
{
	struct rules	*r;
	char		*text;
	size_t		 len;

	if ((text = conffile_read(path, RULES_FILE_MAX, &len, err, errsz)) ==
	    NULL)
		return NULL;
	r = rules_load_text(path, text, len, err, errsz);
	free(text);
	return r;
}

/*
 * rules_load() of a file's text, already read (NUL-terminated, cut up in
 * place); path only names it in errors. The file is read section by
 * section (rules_sections.c), then checked as a whole (rules_resolve.c).
 */
struct rules *
rules_load_text(const char *path, char *text, size_t len, char *err,
    size_t errsz)
{
	struct rules_parser	 p;
	struct rules		*r;

	r = xcalloc(1, sizeof(*r));
	rules_defaults(r);
	conffile_version(text, len, r->version);
	memset(&p, 0, sizeof(p));
	conffile_init(&p.cf, path, err, errsz);
	p.cf.utf8 = true;
	p.r = r;
	if (confschema_parse(&p.sch, &p.cf, &rules_sections_schema, text, len,
	    &p) == -1 || rules_resolve(&p) == -1) {
		rules_free(r);
		r = NULL;
	} else
		rules_build(r);
	parser_free(&p);
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

/* Frees what a rule owns (not the rule itself). */
void
rules_rule_free(struct rule *rule)
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
		rules_rule_free(&r->rules[i]);
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
