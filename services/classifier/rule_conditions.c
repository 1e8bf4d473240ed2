/*
 * A rule's "when" conditions: "<fact> [<op> <value>]", where the fact is a
 * number, a yes/no, a value of one of the contract's enums (by its public
 * name, vocab.c; "a|b|c" for any of them) or a string. A yes/no fact alone
 * means "= yes". Subcategory names are checked once the whole file is
 * read (rules_resolve.c).
 */
#include <stdlib.h>
#include <string.h>

#include "rules_parser.h"
#include "vocab.h"
#include "xmalloc.h"

enum fact_type {
	FACT_INT,
	FACT_BOOL,
	FACT_ENUM,		/* = and != only */
	FACT_ORDERED,		/* an enum that also compares */
	FACT_STRING,
};

static const struct fact {
	const char			*name;
	enum rule_fact			 fact;
	enum fact_type			 type;
	const ProtobufCEnumDescriptor	*enum_d;
} facts[] = {
	{ "amount_fen", RULE_FACT_AMOUNT_FEN, FACT_INT, NULL },
	{ "demand_amount_fen", RULE_FACT_DEMAND_AMOUNT_FEN, FACT_INT, NULL },
	{ "tier", RULE_FACT_TIER, FACT_ORDERED,
	    &cdp__v1__member_tier__descriptor },
	{ "demand", RULE_FACT_DEMAND, FACT_ENUM, &cdp__v1__demand__descriptor },
	{ "channel", RULE_FACT_CHANNEL, FACT_ENUM,
	    &cdp__v1__channel__descriptor },
	{ "problem_type", RULE_FACT_PROBLEM_TYPE, FACT_STRING, NULL },
	{ "has_order", RULE_FACT_HAS_ORDER, FACT_BOOL, NULL },
	{ "order_known", RULE_FACT_ORDER_KNOWN, FACT_BOOL, NULL },
	{ "after_sales_expired", RULE_FACT_AFTER_SALES_EXPIRED, FACT_BOOL,
	    NULL },
	{ "signed_by_proxy", RULE_FACT_SIGNED_BY_PROXY, FACT_BOOL, NULL },
	{ "ship_late", RULE_FACT_SHIP_LATE, FACT_BOOL, NULL },
	{ "delivery_late", RULE_FACT_DELIVERY_LATE, FACT_BOOL, NULL },
	{ "repeat_on_order", RULE_FACT_REPEAT_ON_ORDER, FACT_BOOL, NULL },
	{ "group_complaint", RULE_FACT_GROUP_COMPLAINT, FACT_BOOL, NULL },
	{ "group_size", RULE_FACT_GROUP_SIZE, FACT_INT, NULL },
	{ "order_status", RULE_FACT_ORDER_STATUS, FACT_ENUM,
	    &cdp__v1__order_status__descriptor },
	{ "logistics_status", RULE_FACT_LOGISTICS_STATUS, FACT_ENUM,
	    &cdp__v1__logistics_status__descriptor },
	{ "category", RULE_FACT_CATEGORY, FACT_ENUM,
	    &cdp__v1__category__descriptor },
	{ "subcategory", RULE_FACT_SUBCATEGORY, FACT_STRING, NULL },
};

/* Splits "<fact> [<op> <value>]" and finds the fact and the operator. */
static int
cond_split(struct rules_parser *p, char *v, const struct fact **fact,
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
	for (*fact = NULL, i = 0; i < nitems(facts); i++)
		if (strlen(facts[i].name) == len &&
		    strncmp(facts[i].name, v, len) == 0)
			*fact = &facts[i];
	if (*fact == NULL)
		return conffile_error(&p->cf, "unknown fact in condition \""
		    CONFFILE_ECHO "\"", v);
	*value = NULL;
	if (*rest == '\0')
		return 0;
	for (i = 0; i < nitems(ops); i++) {
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
cond_enum_set(struct rules_parser *p, const struct fact *f, char *v,
    struct rule_cond *c)
{
	char	*alt;
	int	 value;

	while ((alt = strsep(&v, "|")) != NULL) {
		alt = conffile_trim(alt);
		if (vocab_conf(&p->cf, f->enum_d, f->name, NULL, alt, &value) ==
		    -1)
			return -1;
		c->mask |= 1ULL << value;
		c->value = value;
	}
	return 0;
}

/* Reads "a|b|c" of a string fact; subcategories are checked at the end. */
static int
cond_string_set(struct rules_parser *p, const struct fact *f, char *v,
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
			rules_resolve_ref(p, REF_SUBCOND, alt);
	}
	return 0;
}

/* Reads the value of a condition according to the fact's type. */
static int
cond_value(struct rules_parser *p, const struct fact *f, char *v,
    struct rule_cond *c)
{
	long long	n;
	bool		b;

	switch (f->type) {
	case FACT_INT:
		if (rules_values_int(p, v, f->name, 0, INT64_MAX, &n) == -1)
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
cond_check_op(struct rules_parser *p, const struct fact *f,
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

/*
 * Parses a "when" condition (v, cut up in place) and appends it to rule.
 * A condition on the decided category or subcategory makes the rule one
 * that runs after the category is decided.
 */
int
rule_conditions_parse(struct rules_parser *p, struct rule *rule, char *v)
{
	struct rule_cond	*c;
	const struct fact	*f;
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
