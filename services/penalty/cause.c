/*
 * Which complaint events are a merchant's violations. Two kinds count:
 * a breach of a clock the merchant is responsible for, when the rules name
 * that clock (merchant response overdue, decision not carried out in
 * time), and a decision (ACTION_DECIDED) that finds the merchant
 * responsible, upholds the complaint and cites a rule the rules name
 * (unjustified return rejection, false advertising, counterfeit). Pure.
 */
#include <string.h>

#include "penalty.h"

static const struct pen_violation_rule *
cause_breach(const struct pen_rules *r, const Cdp__V1__SlaBreached *b)
{
	if (b->responsible_party != CDP__V1__PARTY__PARTY_MERCHANT)
		return NULL;
	return rules_breach(r, b->clock);
}

static const struct pen_violation_rule *
cause_decision(const struct pen_rules *r, const Cdp__V1__ActionRecorded *a)
{
	const Cdp__V1__Resolution	*res;

	if (a->action != CDP__V1__ACTION__ACTION_DECIDED ||
	    a->detail_case != CDP__V1__ACTION_RECORDED__DETAIL_RESOLUTION ||
	    (res = a->resolution) == NULL)
		return NULL;
	if (res->responsible_party != CDP__V1__PARTY__PARTY_MERCHANT ||
	    res->outcome == CDP__V1__OUTCOME__OUTCOME_REJECTED ||
	    res->outcome == CDP__V1__OUTCOME__OUTCOME_UNSPECIFIED)
		return NULL;
	return rules_decision(r, res->rule_cited);
}

/* The violation the event is, or NULL when it is none. */
const struct pen_violation_rule *
cause_violation(const struct pen_rules *r, const Cdp__V1__ComplaintEvent *ev)
{
	if (ev->merchant_id[0] == '\0')
		return NULL;
	switch (ev->body_case) {
	case CDP__V1__COMPLAINT_EVENT__BODY_SLA_BREACHED:
		return ev->sla_breached == NULL ? NULL :
		    cause_breach(r, ev->sla_breached);
	case CDP__V1__COMPLAINT_EVENT__BODY_ACTION_RECORDED:
		return ev->action_recorded == NULL ? NULL :
		    cause_decision(r, ev->action_recorded);
	default:
		return NULL;
	}
}
