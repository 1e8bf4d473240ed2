/*
 * Group complaints (群体性投诉), the decisions: many distinct customers hit
 * by the same problem of one merchant in a short time. The rules file's
 * [group <by>] sections say what "the same problem" is (the same SKU, the
 * same subcategory) with a threshold of distinct customers and a window
 * each; grouping.c counts them in Redis. Every group key starts with the
 * merchant, so a group, and the complaint ids it links, never spans two
 * merchants. Pure: no I/O.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "classifier.h"

/*
 * The key of complaint f's group under rule by, for merchant (the
 * complaint's) and subcategory ("<category>.<subcategory>" as decided, or
 * ""), into buf: "merchant:M1/sku:S9". Returns -1 when the rule is off or
 * a part of its key is unknown (no merchant, no SKU, no subcategory).
 */
int
group_key(const struct rules *r, enum group_by by, const char *merchant,
    const Cdp__V1__Filed *f, const char *subcategory, char *buf,
    size_t size)
{
	const struct rule_group	*g = rules_group(r, by);
	const char		*v;
	int			 n;

	if (!g->enabled || merchant == NULL || merchant[0] == '\0')
		return -1;
	if (by == GROUP_BY_SKU)
		v = f->order != NULL ? f->order->sku : "";
	else
		v = subcategory;
	if (v == NULL || v[0] == '\0')
		return -1;
	n = snprintf(buf, size, "merchant:%s/%s:%s", merchant, g->name, v);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * The group a complaint belongs to, given its counts under every rule (a
 * rule without a key has a zero count): the first rule, in the order of
 * enum group_by, that this complaint brought to its threshold (so that
 * group's earlier members are raised), else the first whose distinct
 * customers reach its threshold. Returns -1 when none does.
 */
int
group_pick(const struct rules *r, const struct group_count *counts)
{
	int	by, reached = -1;

	for (by = 0; by < GROUP_BY_N; by++) {
		if (!rules_group(r, by)->enabled || counts[by].customers <
		    rules_group(r, by)->threshold)
			continue;
		if (counts[by].formed)
			return by;
		if (reached == -1)
			reached = by;
	}
	return reached;
}

/*
 * The rule whose facts the classification shows: the group picked, else
 * the rule nearest its threshold (so the reason shows the largest count
 * against its own threshold).
 */
int
group_shown(const struct rules *r, const struct group_count *counts)
{
	int	by, best = GROUP_BY_SKU, picked;

	if ((picked = group_pick(r, counts)) != -1)
		return picked;
	for (by = 0; by < GROUP_BY_N; by++)
		if ((uint64_t)counts[by].customers *
		    rules_group(r, best)->threshold >
		    (uint64_t)counts[best].customers *
		    rules_group(r, by)->threshold)
			best = by;
	return best;
}

/* Copies the ids but self into out (room for n); returns how many. */
size_t
group_others(char *const *ids, size_t n, const char *self, char **out)
{
	size_t	i, k = 0;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], self) != 0)
			out[k++] = ids[i];
	return k;
}

static bool
group_has_flag(const Cdp__V1__Classified *cl, Cdp__V1__UrgencyFlag f)
{
	size_t	i;

	for (i = 0; i < cl->n_urgency_flags; i++)
		if (cl->urgency_flags[i] == f)
			return true;
	return false;
}

static bool
group_has_team(const Cdp__V1__Classified *cl, Cdp__V1__Team t)
{
	size_t	i;

	for (i = 0; i < cl->n_teams; i++)
		if (cl->teams[i] == t)
			return true;
	return false;
}

/* Room group_raise() needs for the flags and the teams of cl. */
size_t
group_raise_room(const struct rules *r, const Cdp__V1__Classified *cl,
    size_t *nteams)
{
	*nteams = cl->n_teams + rules_severity(r,
	    CDP__V1__SEVERITY__SEVERITY_URGENT)->nteams;
	return cl->n_urgency_flags + 1;
}

/*
 * Raises an earlier member of a group that just formed to what the group
 * makes it: urgent, with the group-complaint flag, the urgent severity's
 * teams, SLA policy and priority base (its tier and amount bonus kept),
 * each flag and team once, however often it is raised. flags and teams
 * (sized by group_raise_room()) replace cl's arrays, which stay the
 * caller's.
 */
void
group_raise(const struct rules *r, Cdp__V1__Classified *cl,
    Cdp__V1__UrgencyFlag *flags, Cdp__V1__Team *teams)
{
	const struct rule_severity	*urgent = rules_severity(r,
	    CDP__V1__SEVERITY__SEVERITY_URGENT);
	const struct rule_severity	*was = rules_severity(r, cl->severity);
	size_t				 i;

	if (cl->priority >= was->priority)
		cl->priority = cl->priority - was->priority + urgent->priority;
	cl->severity = CDP__V1__SEVERITY__SEVERITY_URGENT;
	cl->sla_policy = urgent->sla_policy;
	for (i = 0; i < cl->n_urgency_flags; i++)
		flags[i] = cl->urgency_flags[i];
	for (i = 0; i < cl->n_teams; i++)
		teams[i] = cl->teams[i];
	cl->urgency_flags = flags;
	cl->teams = teams;
	if (!group_has_flag(cl,
	    CDP__V1__URGENCY_FLAG__URGENCY_FLAG_GROUP_COMPLAINT))
		flags[cl->n_urgency_flags++] =
		    CDP__V1__URGENCY_FLAG__URGENCY_FLAG_GROUP_COMPLAINT;
	for (i = 0; i < urgent->nteams; i++)
		if (!group_has_team(cl, urgent->teams[i]))
			teams[cl->n_teams++] = urgent->teams[i];
}
