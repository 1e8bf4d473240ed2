/*
 * One merchants.events event folded into its merchant's ledger, the pure
 * half of stage 2 (apply.c does the I/O around it): which body changes the
 * ledger how, and what is skipped and counted.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "penalty.h"

struct fold_ctx {
	struct ledger			*l;
	const struct pen_rules		*r;
	const Cdp__V1__MerchantEvent	*ev;
	struct fold			*f;
};

/* An event that makes no sense here: logged, counted, skipped. */
static void
skip(const char *reason, const char *what, const char *id)
{
	char	labels[96];

	log_warnx("apply: %s %s skipped: %s", what, id, reason);
	metrics_labels(labels, sizeof(labels), "reason", reason, NULL);
	metrics_inc(metrics_counter("penalty_events_skipped_total",
	    "merchants.events events that made no sense, by reason.",
	    labels));
}

static void
count(const char *name, const char *help)
{
	metrics_inc(metrics_counter(name, help, ""));
}

static enum fold_kind
fold_violation(struct fold_ctx *j, const Cdp__V1__ViolationRecorded *v)
{
	struct ledger_violation	 in = {
		.id = j->ev->meta->event_id, .violation = v->violation,
		.complaint_id = v->complaint_id,
		.cause_id = v->cause_event_id, .at_ms = v->committed_at_ms,
		.base_points = v->base_points,
	};

	if (v->violation[0] == '\0' || v->committed_at_ms <= 0) {
		skip("bad_violation", "violation", in.id);
		return FOLD_NONE;
	}
	snprintf(j->f->penalty_id, sizeof(j->f->penalty_id), "%s", in.id);
	if (ledger_add(j->l, j->r, &in, &j->f->ch) ==
	    LEDGER_DUPLICATE) {
		count("penalty_duplicates_total",
		    "Violations, appeals or lifts folded before.");
		return FOLD_NONE;
	}
	count("penalty_applied_total", "Penalties applied.");
	return FOLD_APPLIED;
}

static enum fold_kind
fold_appeal(struct fold_ctx *j, const Cdp__V1__AppealFiled *a)
{
	if (a->subject != CDP__V1__APPEAL_SUBJECT__APPEAL_SUBJECT_PENALTY)
		return FOLD_NONE;	/* a complaint decision's: not ours */
	switch (ledger_appeal(j->l, j->r, a->penalty_id, a->appeal_id,
	    j->ev->meta->occurred_at_ms)) {
	case LEDGER_OK:
		count("penalty_appeals_filed_total", "Appeals on penalties.");
		return FOLD_CLOSED;
	case LEDGER_UNKNOWN_PENALTY:
		skip("unknown_penalty", "appeal", a->appeal_id);
		return FOLD_NONE;
	case LEDGER_TOO_LATE:
		skip("appeal_too_late", "appeal", a->appeal_id);
		return FOLD_NONE;
	default:
		skip("appeal_not_open", "appeal", a->appeal_id);
		return FOLD_NONE;
	}
}

static enum fold_kind
fold_decision(struct fold_ctx *j, const Cdp__V1__AppealDecided *d)
{
	bool	overturned = d->verdict ==
		    CDP__V1__APPEAL_VERDICT__APPEAL_VERDICT_OVERTURNED;

	if (d->subject != CDP__V1__APPEAL_SUBJECT__APPEAL_SUBJECT_PENALTY)
		return FOLD_NONE;
	if (!overturned && d->verdict !=
	    CDP__V1__APPEAL_VERDICT__APPEAL_VERDICT_ORIGINAL_UPHELD) {
		skip("unknown_verdict", "appeal decision", d->appeal_id);
		return FOLD_NONE;
	}
	snprintf(j->f->penalty_id, sizeof(j->f->penalty_id), "%s",
	    d->penalty_id);
	j->f->appeal_id = d->appeal_id;
	j->f->reason = d->reason;
	switch (ledger_reverse(j->l, j->r, d->penalty_id,
	    d->appeal_id, overturned, j->ev->meta->occurred_at_ms, &j->f->ch)) {
	case LEDGER_OK:
		if (!overturned)
			return FOLD_CLOSED;
		count("penalty_reversed_total", "Penalties reversed.");
		return FOLD_REVERSED;
	case LEDGER_UNKNOWN_PENALTY:
		skip("unknown_penalty", "reversal of", d->penalty_id);
		return FOLD_NONE;
	default:
		count("penalty_duplicates_total",
		    "Violations, appeals or lifts folded before.");
		return FOLD_NONE;
	}
}

static enum fold_kind
fold_lift(struct fold_ctx *j, const Cdp__V1__RestrictionsLifted *x)
{
	if (ledger_lift(j->l, j->r, x->restricted_until_ms,
	    &j->f->ch) != LEDGER_OK) {
		count("penalty_duplicates_total",
		    "Violations, appeals or lifts folded before.");
		return FOLD_NONE;
	}
	count("penalty_restrictions_lifted_total",
	    "Restrictions that ended by themselves.");
	return FOLD_LIFTED;
}

static enum fold_kind
fold_expiry(struct fold_ctx *j, const Cdp__V1__PointsExpired *x)
{
	if (ledger_expire(j->l, j->r, x->expired_at_ms, &j->f->ch) !=
	    LEDGER_OK) {
		count("penalty_duplicates_total",
		    "Violations, appeals or lifts folded before.");
		return FOLD_NONE;
	}
	count("penalty_points_expired_total",
	    "Points that left the window, announced by the timer.");
	return FOLD_EXPIRED;
}

/*
 * Whether every id of ev fits the ledger's fields whole. A longer one
 * would be cut, perhaps in the middle of a character, and a ledger that
 * is not UTF-8 cannot be written as JSON.
 */
bool
fold_ids_fit(const Cdp__V1__MerchantEvent *ev)
{
	const char	*ids[4] = { ev->meta->event_id, ev->merchant_id };
	size_t		 i;

	if (ev->body_case == CDP__V1__MERCHANT_EVENT__BODY_VIOLATION_RECORDED) {
		ids[2] = ev->violation_recorded->complaint_id;
		ids[3] = ev->violation_recorded->cause_event_id;
	} else if (ev->body_case ==
	    CDP__V1__MERCHANT_EVENT__BODY_APPEAL_FILED) {
		ids[2] = ev->appeal_filed->penalty_id;
		ids[3] = ev->appeal_filed->appeal_id;
	} else if (ev->body_case ==
	    CDP__V1__MERCHANT_EVENT__BODY_APPEAL_DECIDED) {
		ids[2] = ev->appeal_decided->penalty_id;
		ids[3] = ev->appeal_decided->appeal_id;
	}
	for (i = 0; i < 4; i++)
		if (ids[i] != NULL && strlen(ids[i]) >= PEN_ID_MAX)
			return false;
	return true;
}

/* One dispatch: each body penalty folds, to its handler. */
static enum fold_kind
fold_dispatch(struct fold_ctx *j)
{
	const Cdp__V1__MerchantEvent	*ev = j->ev;

	if (!fold_ids_fit(ev)) {
		skip("id_too_long", "event", "");
		return FOLD_NONE;
	}
	switch (ev->body_case) {
	case CDP__V1__MERCHANT_EVENT__BODY_VIOLATION_RECORDED:
		return fold_violation(j, ev->violation_recorded);
	case CDP__V1__MERCHANT_EVENT__BODY_APPEAL_FILED:
		return fold_appeal(j, ev->appeal_filed);
	case CDP__V1__MERCHANT_EVENT__BODY_APPEAL_DECIDED:
		return fold_decision(j, ev->appeal_decided);
	case CDP__V1__MERCHANT_EVENT__BODY_RESTRICTIONS_LIFTED:
		return fold_lift(j, ev->restrictions_lifted);
	case CDP__V1__MERCHANT_EVENT__BODY_POINTS_EXPIRED:
		return fold_expiry(j, ev->points_expired);
	default:
		return FOLD_NONE;
	}
}

/*
 * Folds ev into l and says what there is to announce in f (kind
 * FOLD_NONE: nothing; the ledger is unchanged).
 */
enum fold_kind
fold_event(struct ledger *l, const struct pen_rules *r,
    const Cdp__V1__MerchantEvent *ev, struct fold *f)
{
	struct fold_ctx	c = { l, r, ev, f };

	return f->kind = fold_dispatch(&c);
}
