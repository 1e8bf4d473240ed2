/*
 * The patterns of the rules file: every keyword, requires word, exclude
 * phrase and negation cue once (ASCII letters folded, as the matcher folds
 * them), each with the list of the ways rules (or negation) use it. The
 * matcher gets each pattern once; classify.c follows a match back to its
 * uses.
 */
#include <string.h>
#include <strings.h>

#include "rules_parser.h"
#include "xmalloc.h"

/* The patterns of one list, the way the list uses them, and whose it is. */
struct pattern_list {
	struct rules_parser	*p;
	enum rule_use_kind	 kind;
	size_t			 rule;
};

/* Returns the pattern for text, adding it if it is new. */
static size_t
pattern_get(struct rules *r, const char *text, bool prefix)
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
use_add(struct rules *r, const char *text, bool prefix,
    enum rule_use_kind kind, size_t rule)
{
	struct rule_pattern	*pat;
	size_t			 i;

	i = pattern_get(r, text, prefix);
	pat = &r->pats[i];
	for (i = 0; i < pat->nuses; i++)
		if (pat->uses[i].kind == kind && pat->uses[i].rule == rule)
			return;
	pat->uses = xreallocarray(pat->uses, pat->nuses + 1,
	    sizeof(*pat->uses));
	pat->uses[pat->nuses].kind = kind;
	pat->uses[pat->nuses++].rule = rule;
}

/*
 * Checks a pattern item and adds it: a trailing "*" (prefix match) may
 * only end an English word, and no other "*" is allowed.
 */
static int
add_pattern(void *arg, char *item)
{
	struct pattern_list	*pl = arg;
	struct rules_parser	*p = pl->p;
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
	use_add(p->r, item, prefix, pl->kind, pl->rule);
	return 0;
}

/*
 * Adds the patterns of a list (what names it in errors), used in one way
 * by one rule (its index; 0 for the negation cues).
 */
int
rule_patterns_add(struct rules_parser *p, char *v, enum rule_use_kind kind,
    const char *what, size_t rule)
{
	struct pattern_list	pl = { p, kind, rule };

	return conffile_list(&p->cf, v, what, add_pattern, &pl);
}

/*
 * Removes every use by a rule that is being dropped; the negation cues'
 * uses (whose rule is 0) stay.
 */
void
rule_patterns_drop_rule(struct rules *r, size_t rule)
{
	struct rule_pattern	*pat;
	size_t			 i, j, k;

	for (i = 0; i < r->npats; i++) {
		pat = &r->pats[i];
		for (j = k = 0; j < pat->nuses; j++)
			if (pat->uses[j].kind == RULE_USE_CUE ||
			    pat->uses[j].kind == RULE_USE_NOT_CUE ||
			    pat->uses[j].rule != rule)
				pat->uses[k++] = pat->uses[j];
		pat->nuses = k;
	}
}
