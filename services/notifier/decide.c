/*
 * Which event tells whom what: one table per topic. A row matches an
 * event's body and, where it matters, the clock, the action or the party
 * whose obligation it is; every matching row is one notification. The
 * deadline a message is about comes from the event (the clock's due time,
 * the appeal deadline).
 *
 * A merchant that does not act on an evidence request is caught by the
 * SLA clock (its warning and breach rows here), not by the notifier.
 */
#include <string.h>

#include "nitems.h"
#include "notifier.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define MBODY(x)	CDP__V1__MERCHANT_EVENT__BODY_##x
#define CLK(x)		CDP__V1__SLA_CLOCK__SLA_CLOCK_##x
#define ACT(x)		CDP__V1__ACTION__ACTION_##x
#define MERCHANT	CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_MERCHANT
#define CUSTOMER	CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_CUSTOMER
#define PARTY_MERCHANT	CDP__V1__PARTY__PARTY_MERCHANT

/*
 * One row: the body, a selector (the clock of a clock event, the action of
 * an ActionRecorded; 0: any), the responsible party (0: any), whether the
 * breach must ask for notification, and whom to tell with which template.
 */
struct rule {
	int			 body;
	int			 selector;
	int			 party;
	bool			 needs_notify;
	Cdp__V1__RecipientKind	 kind;
	const char		*template_name;
};

static const struct rule complaint_rules[] = {
	/* The customer. */
	{ BODY(FILED), 0, 0, false, CUSTOMER, "customer_ack" },
	{ BODY(PROACTIVE_OPENED), 0, 0, false, CUSTOMER, "customer_ack" },
	{ BODY(OUT_OF_SCOPE), 0, 0, false, CUSTOMER, "customer_out_of_scope" },
	{ BODY(COMPENSATION_ISSUED), 0, 0, false, CUSTOMER, "customer_coupon" },
	{ BODY(ACTION_RECORDED), ACT(DECIDED), 0, false, CUSTOMER,
	    "customer_decision" },
	{ BODY(ACTION_RECORDED), ACT(CLOSED), 0, false, CUSTOMER,
	    "customer_survey" },
	/* The merchant: its obligations, each with its deadline. */
	{ BODY(SLA_CLOCK_STARTED), CLK(MERCHANT_RESPONSE), 0, false, MERCHANT,
	    "merchant_evidence_request" },
	{ BODY(SLA_CLOCK_STARTED), CLK(EXECUTION), 0, false, MERCHANT,
	    "merchant_decision" },
	{ BODY(SLA_CLOCK_STARTED), CLK(RETURN_INSPECTION), 0, false, MERCHANT,
	    "merchant_return_inspection" },
	{ BODY(ACTION_RECORDED), ACT(RETURN_SHIPPED), 0, false, MERCHANT,
	    "merchant_return_shipped" },
	{ BODY(SLA_WARNING), 0, PARTY_MERCHANT, false, MERCHANT,
	    "merchant_sla_warning" },
	{ BODY(SLA_BREACHED), 0, PARTY_MERCHANT, true, MERCHANT,
	    "merchant_sla_breached" },
};

static const struct rule merchant_rules[] = {
	{ MBODY(PENALTY_APPLIED), 0, 0, false, MERCHANT, "merchant_penalty" },
	{ MBODY(APPEAL_DECIDED), 0, 0, false, MERCHANT,
	    "merchant_appeal_decided" },
};

/* What the rows match on, taken from one complaint event. */
struct key {
	int	selector;
	int	party;
	bool	notify;
	int64_t	deadline_ms;
};

static void
clock_key(struct key *k, const Cdp__V1__SlaClockChange *c)
{
	k->selector = c->clock;
	k->party = c->responsible_party;
	k->deadline_ms = c->due_ms;
}

static void
complaint_key(const Cdp__V1__ComplaintEvent *ev, struct key *k)
{
	memset(k, 0, sizeof(*k));
	switch (ev->body_case) {
	case BODY(SLA_CLOCK_STARTED):
		clock_key(k, ev->sla_clock_started);
		break;
	case BODY(SLA_WARNING):
		k->selector = ev->sla_warning->clock;
		k->party = ev->sla_warning->responsible_party;
		k->deadline_ms = ev->sla_warning->due_ms;
		break;
	case BODY(SLA_BREACHED):
		k->selector = ev->sla_breached->clock;
		k->party = ev->sla_breached->responsible_party;
		k->deadline_ms = ev->sla_breached->due_ms;
		k->notify = ev->sla_breached->actions != NULL &&
		    ev->sla_breached->actions->notify;
		break;
	case BODY(ACTION_RECORDED):
		k->selector = ev->action_recorded->action;
		break;
	case BODY(COMPENSATION_ISSUED):
		k->deadline_ms = ev->compensation_issued->expires_at_ms;
		break;
	case BODY(FILED):
		k->deadline_ms = ev->filed->first_contact_due_ms;
		break;
	default:
		break;
	}
}

static size_t
decide_rows(const struct rule *rules, size_t nrules, int body,
    const struct key *k, struct decision *out, size_t max)
{
	size_t	i, n = 0;

	for (i = 0; i < nrules && n < max; i++) {
		if (rules[i].body != body ||
		    (rules[i].selector != 0 && rules[i].selector != k->selector) ||
		    (rules[i].party != 0 && rules[i].party != k->party) ||
		    (rules[i].needs_notify && !k->notify))
			continue;
		out[n].kind = rules[i].kind;
		out[n].template_name = rules[i].template_name;
		out[n++].deadline_ms = k->deadline_ms;
	}
	return n;
}

/* The notifications a complaint event calls for; none for most. */
size_t
decide_complaint(const Cdp__V1__ComplaintEvent *ev, struct decision *out,
    size_t max)
{
	struct key	k;

	complaint_key(ev, &k);
	return decide_rows(complaint_rules, nitems(complaint_rules),
	    ev->body_case, &k, out, max);
}

/* The notifications a merchant event calls for. */
size_t
decide_merchant(const Cdp__V1__MerchantEvent *ev, struct decision *out,
    size_t max)
{
	struct key	k;

	memset(&k, 0, sizeof(k));
	if (ev->body_case == MBODY(PENALTY_APPLIED))
		k.deadline_ms = ev->penalty_applied->appeal_deadline_ms;
	return decide_rows(merchant_rules, nitems(merchant_rules),
	    ev->body_case, &k, out, max);
}

/* The body's field name ("sla_clock_started"), as the payload names it. */
const char *
decide_event_name(const Cdp__V1__ComplaintEvent *ev)
{
	const ProtobufCFieldDescriptor	*f;

	f = protobuf_c_message_descriptor_get_field(
	    &cdp__v1__complaint_event__descriptor, ev->body_case);
	return f != NULL ? f->name : "unknown";
}

const char *
decide_merchant_event_name(const Cdp__V1__MerchantEvent *ev)
{
	const ProtobufCFieldDescriptor	*f;

	f = protobuf_c_message_descriptor_get_field(
	    &cdp__v1__merchant_event__descriptor, ev->body_case);
	return f != NULL ? f->name : "unknown";
}

/*
 * Whether an event is recent enough to tell anyone about. A new consumer
 * group reads complaints.events from its beginning (the topic is kept
 * forever), and nobody should get years-old messages; an event without a
 * time counts as recent. max_age_ms 0 turns the check off.
 */
bool
decide_fresh(int64_t occurred_at_ms, int64_t now_ms, int64_t max_age_ms)
{
	return max_age_ms == 0 || occurred_at_ms <= 0 ||
	    now_ms - occurred_at_ms <= max_age_ms;
}
