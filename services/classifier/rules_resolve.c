/*
 * The pass over the whole rules file once it is read: every category and
 * severity has its section, the group rules get their defaults, and the
 * names that may point forward (a rule's subcategory and scope, a
 * subcategory condition) are found. Each such name was noted with its line
 * while the file was read, so that a mistake still says where it is.
 */
#include <stdint.h>
#include <string.h>

#include "rules_parser.h"
#include "vocab.h"
#include "xmalloc.h"

/* Notes a name of the rule being read, to be checked at the end. */
void
rules_resolve_ref(struct rules_parser *p, enum rules_ref_kind kind,
    const char *name)
{
	struct rules_ref	*ref;

	p->refs = xreallocarray(p->refs, p->nrefs + 1, sizeof(*p->refs));
	ref = &p->refs[p->nrefs++];
	ref->kind = kind;
	ref->rule = p->r->nrules - 1;
	ref->line = p->cf.line;
	ref->name = xstrdup(name);
}

/* Resolves a subcategory name of the rule's category to its index. */
static int
resolve_sub(struct rules_parser *p, struct rules_ref *ref)
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
resolve_subcond(struct rules_parser *p, struct rules_ref *ref)
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
resolve_scope(struct rules_parser *p, struct rules_ref *ref)
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
resolve_refs(struct rules_parser *p)
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

/* Says which value of the enum (1 to n - 1) has no [kind <name>] section. */
static int
check_seen(struct rules_parser *p, const ProtobufCEnumDescriptor *d,
    const char *kind, const bool *seen, int n)
{
	char	name[RULES_NAME_MAX];
	int	i;

	for (i = 1; i < n; i++)
		if (!seen[i] && vocab_name(d, i, name, sizeof(name)))
			return conffile_error(&p->cf, "no [%s %s] section",
			    kind, name);
	return 0;
}

/*
 * Checks that every category and severity of the contract has its
 * section, and names each by the name its section gave.
 */
static int
check_complete(struct rules_parser *p)
{
	struct rules	*r = p->r;
	int		 i;

	p->cf.line = 0;
	if (check_seen(p, &cdp__v1__category__descriptor, "category",
	    p->cat_seen, RULES_NCATS) == -1 ||
	    check_seen(p, &cdp__v1__severity__descriptor, "severity",
	    p->sev_seen, RULES_NSEVS) == -1)
		return -1;
	for (i = 1; i < RULES_NCATS; i++)
		r->cats[i].name = r->cat_names[i];
	for (i = 1; i < RULES_NSEVS; i++)
		r->sevs[i].name = r->sev_names[i];
	return 0;
}

/*
 * Without any [group] section, only [group sku] is on; a group rule
 * without its own threshold or window takes the settings'.
 */
static void
group_defaults(struct rules_parser *p)
{
	struct rules	*r = p->r;
	size_t		 i;

	if (!p->group_seen[GROUP_BY_SKU] &&
	    !p->group_seen[GROUP_BY_SUBCATEGORY])
		r->groups[GROUP_BY_SKU].enabled = true;
	for (i = 0; i < GROUP_BY_N; i++) {
		r->groups[i].name = rules_sections_group_names[i];
		if (r->groups[i].threshold == 0)
			r->groups[i].threshold = r->settings.group_threshold;
		if (r->groups[i].window_ms == 0)
			r->groups[i].window_ms = r->settings.group_window_ms;
	}
}

/* Checks the file as a whole, once it is read, and completes it. */
int
rules_resolve(struct rules_parser *p)
{
	if (check_complete(p) == -1)
		return -1;
	group_defaults(p);
	return resolve_refs(p);
}
