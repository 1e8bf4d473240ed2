/*
 * The values of an event that a template may use, by name. Every name a
 * template can mention is in facts_names, so the template file is checked
 * against it at start-up; a value the event does not have is empty.
 */
#include <stdio.h>
#include <string.h>

#include "cdp/v1/enums.pb-c.h"
#include "nitems.h"
#include "notifier.h"
#include "timefmt.h"
#include "utf8.h"
#include "vocab.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define MBODY(x)	CDP__V1__MERCHANT_EVENT__BODY_##x

static const char *const facts_names[] = {
	"complaint_id", "merchant_id", "deadline", "deadline_utc",
	"amount_yuan", "outcome", "return_address", "carrier",
	"tracking_number", "clock", "points", "reason", "guidance",
	"coupon_id", "verdict", "penalty_step",
};

bool
facts_known(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(facts_names); i++)
		if (strcmp(facts_names[i], name) == 0)
			return true;
	return false;
}

void
facts_init(struct facts *f)
{
	memset(f, 0, sizeof(*f));
}

/* Sets a value, replacing an earlier one; names must be facts_names'. */
void
facts_set(struct facts *f, const char *name, const char *value)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->items[i].name, name) == 0)
			break;
	if (i == FACTS_MAX)
		return;
	if (i == f->n)
		f->n++;
	f->items[i].name = name;
	/* Event text may be any bytes; a message must be UTF-8 (utf8.h). */
	utf8_copy(f->items[i].value, sizeof(f->items[i].value),
	    value != NULL ? value : "");
}

const char *
facts_get(const struct facts *f, const char *name)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->items[i].name, name) == 0)
			return f->items[i].value;
	return "";
}

static void
set_enum(struct facts *f, const char *name, const ProtobufCEnumDescriptor *d,
    int value)
{
	char	buf[64];

	if (value != 0 && vocab_name(d, value, buf, sizeof(buf)))
		facts_set(f, name, buf);
}

static void
set_fen(struct facts *f, const char *name, int64_t fen)
{
	char	buf[32];

	snprintf(buf, sizeof(buf), "%lld.%02lld", (long long)(fen / 100),
	    (long long)(fen % 100));
	if (fen > 0)
		facts_set(f, name, buf);
}

static void
set_uint(struct facts *f, const char *name, unsigned v)
{
	char	buf[16];

	snprintf(buf, sizeof(buf), "%u", v);
	facts_set(f, name, buf);
}

static void
set_deadline(struct facts *f, int64_t ms)
{
	char	buf[TIMEFMT_MAX];

	if (ms <= 0)
		return;
	timefmt_china(ms, buf, sizeof(buf));
	facts_set(f, "deadline", buf);
	timefmt_rfc3339(ms, buf, sizeof(buf));
	facts_set(f, "deadline_utc", buf);
}

static void
action_facts(struct facts *f, const Cdp__V1__ActionRecorded *a)
{
	if (a->detail_case == CDP__V1__ACTION_RECORDED__DETAIL_RESOLUTION) {
		set_enum(f, "outcome", &cdp__v1__outcome__descriptor,
		    a->resolution->outcome);
		set_fen(f, "amount_yuan", a->resolution->amount_fen);
		facts_set(f, "return_address", a->resolution->return_address);
		facts_set(f, "reason", a->resolution->rule_cited);
	} else if (a->detail_case ==
	    CDP__V1__ACTION_RECORDED__DETAIL_RETURN_SHIPMENT) {
		facts_set(f, "carrier", a->return_shipment->carrier);
		facts_set(f, "tracking_number",
		    a->return_shipment->tracking_number);
	}
}

static void
clock_fact(struct facts *f, int clock)
{
	set_enum(f, "clock", &cdp__v1__sla_clock__descriptor, clock);
}

/* The facts of a complaint event; deadline_ms is the decision's. */
void
facts_complaint(struct facts *f, const Cdp__V1__ComplaintEvent *ev,
    int64_t deadline_ms)
{
	facts_init(f);
	facts_set(f, "complaint_id", ev->complaint_id);
	facts_set(f, "merchant_id", ev->merchant_id);
	set_deadline(f, deadline_ms);
	switch (ev->body_case) {
	case BODY(ACTION_RECORDED):
		action_facts(f, ev->action_recorded);
		break;
	case BODY(COMPENSATION_ISSUED):
		set_fen(f, "amount_yuan", ev->compensation_issued->amount_fen);
		facts_set(f, "coupon_id", ev->compensation_issued->coupon_id);
		facts_set(f, "reason", ev->compensation_issued->apology_text);
		break;
	case BODY(OUT_OF_SCOPE):
		facts_set(f, "guidance", ev->out_of_scope->guidance_zh);
		break;
	case BODY(SLA_CLOCK_STARTED):
		clock_fact(f, ev->sla_clock_started->clock);
		break;
	case BODY(SLA_WARNING):
		clock_fact(f, ev->sla_warning->clock);
		break;
	case BODY(SLA_BREACHED):
		clock_fact(f, ev->sla_breached->clock);
		if (ev->sla_breached->actions != NULL)
			set_uint(f, "points",
			    ev->sla_breached->actions->penalty_points);
		break;
	default:
		break;
	}
}

/* The facts of a merchant event. */
void
facts_merchant(struct facts *f, const Cdp__V1__MerchantEvent *ev,
    int64_t deadline_ms)
{
	facts_init(f);
	facts_set(f, "merchant_id", ev->merchant_id);
	set_deadline(f, deadline_ms);
	if (ev->body_case == MBODY(PENALTY_APPLIED)) {
		facts_set(f, "complaint_id", ev->penalty_applied->complaint_id);
		set_enum(f, "penalty_step", &cdp__v1__penalty_step__descriptor,
		    ev->penalty_applied->step);
		set_uint(f, "points", ev->penalty_applied->points);
		facts_set(f, "reason", ev->penalty_applied->reason);
	} else if (ev->body_case == MBODY(APPEAL_DECIDED)) {
		facts_set(f, "complaint_id", ev->appeal_decided->complaint_id);
		set_enum(f, "verdict", &cdp__v1__appeal_verdict__descriptor,
		    ev->appeal_decided->verdict);
		facts_set(f, "reason", ev->appeal_decided->reason);
	}
}
