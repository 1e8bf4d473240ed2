/*
 * penalty's two stages over a sequence of events (records.h; an odd
 * selector is a merchants.events event, an even one complaints.events):
 * stage 1 finds the violation a complaint event is and records it as
 * emit.c does, stage 2 folds merchant events into one merchant's ledger
 * with the shipped rules, which is then kept and read back as in Redis,
 * with the timer's next due time, settling and expiry.
 */
/* cdp-test-sources: tests/fuzz/input.c services/penalty/cause.c services/penalty/fold.c services/penalty/ledger.c services/penalty/rules.c services/penalty/state.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "fuzz.h"
#include "penalty/penalty.h"
#include "records.h"

static struct pen_rules	*rules;

/* The ledger through Redis: encoded, decoded, and the copy goes on. */
static void
roundtrip(struct ledger *l)
{
	struct ledger	 back;
	char		*s;

	s = state_encode(l, rules);
	if (state_decode(s, strlen(s), rules, &back) == 0) {
		ledger_free(l);
		*l = back;
	} else
		ledger_free(&back);
	free(s);
}

static void
merchant(struct ledger *l, const Cdp__V1__MerchantEvent *ev)
{
	struct fold		 f;
	struct ledger_change	 ch;
	int64_t			 due;

	memset(&f, 0, sizeof(f));
	if (fold_event(l, rules, ev, &f) != FOLD_NONE)
		snprintf(l->last_event_id, sizeof(l->last_event_id), "%s",
		    ev->meta->event_id);
	roundtrip(l);
	ledger_standing(l, rules);
	if ((due = ledger_next_due(l, rules)) > 0) {
		ledger_settle(l, rules, due, &ch);
		ledger_expire(l, rules, due, &ch);
		ledger_lift(l, rules, ledger_next_lift(l, rules), &ch);
	}
}

/* Stage 1, and the ViolationRecorded it publishes folded in stage 2. */
static void
complaint(struct ledger *l, const Cdp__V1__ComplaintEvent *cause)
{
	const struct pen_violation_rule	*v;
	Cdp__V1__MerchantEvent		 ev = CDP__V1__MERCHANT_EVENT__INIT;
	Cdp__V1__EventMeta		 meta = CDP__V1__EVENT_META__INIT;
	Cdp__V1__ViolationRecorded	 body = CDP__V1__VIOLATION_RECORDED__INIT;

	if ((v = cause_violation(rules, cause)) == NULL)
		return;
	meta.event_id = "V-derived";
	meta.occurred_at_ms = cause->meta->occurred_at_ms;
	body.violation = (char *)v->name;
	body.complaint_id = cause->complaint_id;
	body.cause_event_id = cause->meta->event_id;
	body.committed_at_ms = cause->meta->occurred_at_ms;
	body.base_points = v->points;
	ev.meta = &meta;
	ev.merchant_id = cause->merchant_id;
	ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_VIOLATION_RECORDED;
	ev.violation_recorded = &body;
	merchant(l, &ev);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_record	 r;
	struct ledger		 l;
	void			*ev;
	char			 err[256];

	if (rules == NULL && (rules = rules_load(
	    fuzz_config("penalty-rules.conf"), err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_penalty_event: %s\n", err);
		abort();
	}
	ledger_init(&l, "M1");
	while (fuzz_record_next(&data, &size, &r)) {
		if (r.selector & 1) {
			if ((ev = fuzz_event(&events_merchant,
			    "merchants.events", r.data, r.size)) == NULL)
				continue;
			merchant(&l, ev);
			cdp__v1__merchant_event__free_unpacked(ev, NULL);
		} else {
			if ((ev = fuzz_event(&events_complaint,
			    "complaints.events", r.data, r.size)) == NULL)
				continue;
			complaint(&l, ev);
			cdp__v1__complaint_event__free_unpacked(ev, NULL);
		}
	}
	ledger_free(&l);
	return 0;
}
