/*
 * Stage 2: merchants.events into ledgers. This consumer owns each
 * merchant's partition, so one merchant's events are folded one at a
 * time, in log order: load the ledger, let ledger.c fold the event,
 * announce what changed, then save the ledger with the event's offset and
 * its next restriction end. The offset is stored in Kafka only after all
 * that, and an event at or before the ledger's offset is skipped, so a
 * replay changes nothing.
 *
 * Folded: ViolationRecorded, AppealFiled, AppealDecided,
 * RestrictionsLifted and PointsExpired. penalty's own announcements (PenaltyApplied, ...)
 * are outputs and pass by; so do bodies this build does not know.
 */
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "log.h"
#include "metrics.h"
#include "penalty.h"
#include "xmalloc.h"

#define APPLY_RETRY_MS		1000

struct folding {
	struct penalty		*pd;
	struct kafka_msg	*m;
	Cdp__V1__MerchantEvent	*ev;
	struct ledger		 l;
	bool			 loaded;
	struct fold		 f;
};

static void
apply_end(struct folding *j, int retry_ms)
{
	/* At shutdown the consumer is closed, and m dropped with it. */
	if (j->pd->ledgers != NULL && retry_ms == 0)
		kafka_consumer_done(j->m);
	else if (j->pd->ledgers != NULL)
		kafka_consumer_retry(j->m, retry_ms);
	if (j->loaded)
		ledger_free(&j->l);
	cdp__v1__merchant_event__free_unpacked(j->ev, NULL);
	free(j);
}

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
fold_violation(struct folding *j, const Cdp__V1__ViolationRecorded *v)
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
	snprintf(j->f.penalty_id, sizeof(j->f.penalty_id), "%s", in.id);
	if (ledger_add(&j->l, j->pd->rules, &in, &j->f.ch) ==
	    LEDGER_DUPLICATE) {
		count("penalty_duplicates_total",
		    "Violations, appeals or lifts folded before.");
		return FOLD_NONE;
	}
	count("penalty_applied_total", "Penalties applied.");
	return FOLD_APPLIED;
}

static enum fold_kind
fold_appeal(struct folding *j, const Cdp__V1__AppealFiled *a)
{
	if (a->subject != CDP__V1__APPEAL_SUBJECT__APPEAL_SUBJECT_PENALTY)
		return FOLD_NONE;	/* a complaint decision's: not ours */
	switch (ledger_appeal(&j->l, j->pd->rules, a->penalty_id, a->appeal_id,
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
fold_decision(struct folding *j, const Cdp__V1__AppealDecided *d)
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
	snprintf(j->f.penalty_id, sizeof(j->f.penalty_id), "%s",
	    d->penalty_id);
	j->f.appeal_id = d->appeal_id;
	j->f.reason = d->reason;
	switch (ledger_reverse(&j->l, j->pd->rules, d->penalty_id,
	    d->appeal_id, overturned, j->ev->meta->occurred_at_ms, &j->f.ch)) {
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
fold_lift(struct folding *j, const Cdp__V1__RestrictionsLifted *x)
{
	if (ledger_lift(&j->l, j->pd->rules, x->restricted_until_ms,
	    &j->f.ch) != LEDGER_OK) {
		count("penalty_duplicates_total",
		    "Violations, appeals or lifts folded before.");
		return FOLD_NONE;
	}
	count("penalty_restrictions_lifted_total",
	    "Restrictions that ended by themselves.");
	return FOLD_LIFTED;
}

static enum fold_kind
fold_expiry(struct folding *j, const Cdp__V1__PointsExpired *x)
{
	if (ledger_expire(&j->l, j->pd->rules, x->expired_at_ms, &j->f.ch) !=
	    LEDGER_OK) {
		count("penalty_duplicates_total",
		    "Violations, appeals or lifts folded before.");
		return FOLD_NONE;
	}
	count("penalty_points_expired_total",
	    "Points that left the window, announced by the timer.");
	return FOLD_EXPIRED;
}

/* One dispatch: each body penalty folds, to its handler. */
static enum fold_kind
apply_fold(struct folding *j)
{
	Cdp__V1__MerchantEvent	*ev = j->ev;

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

static void
apply_on_saved(void *arg, int rc)
{
	struct folding	*j = arg;

	if (rc == -1) {
		apply_end(j, APPLY_RETRY_MS);
		return;
	}
	fire_rearm(j->pd, ledger_next_due(&j->l, j->pd->rules));
	apply_end(j, 0);
}

static void
apply_on_emitted(void *arg, bool ok)
{
	struct folding	*j = arg;

	if (!ok) {
		apply_end(j, APPLY_RETRY_MS);
		return;
	}
	j->l.offset = j->m->offset;
	if (store_save(j->pd, j->m->partition, &j->l, apply_on_saved, j) ==
	    -1)
		apply_end(j, APPLY_RETRY_MS);
}

static void
apply_on_load(void *arg, int rc, struct ledger *l)
{
	struct folding	*j = arg;

	if (rc == -1) {
		apply_end(j, APPLY_RETRY_MS);
		return;
	}
	j->l = *l;
	j->loaded = true;
	if (j->l.offset >= j->m->offset) {
		apply_end(j, 0);		/* folded before */
		return;
	}
	j->f.kind = apply_fold(j);
	if (j->f.kind != FOLD_NONE)
		snprintf(j->l.last_event_id, sizeof(j->l.last_event_id), "%s",
		    j->ev->meta->event_id);
	if (emit_fold(j->pd, j->ev->meta, &j->l, &j->f, apply_on_emitted, j) ==
	    -1)
		apply_end(j, APPLY_RETRY_MS);
}

/* The bodies this stage folds; the rest pass by without Redis. */
static bool
apply_folds(const Cdp__V1__MerchantEvent *ev)
{
	switch (ev->body_case) {
	case CDP__V1__MERCHANT_EVENT__BODY_VIOLATION_RECORDED:
	case CDP__V1__MERCHANT_EVENT__BODY_APPEAL_FILED:
	case CDP__V1__MERCHANT_EVENT__BODY_APPEAL_DECIDED:
	case CDP__V1__MERCHANT_EVENT__BODY_RESTRICTIONS_LIFTED:
	case CDP__V1__MERCHANT_EVENT__BODY_POINTS_EXPIRED:
		return true;
	default:
		return false;
	}
}

void
apply_handle(struct penalty *pd, struct kafka_msg *m)
{
	struct folding	*j;

	j = xcalloc(1, sizeof(*j));
	j->pd = pd;
	j->m = m;
	j->ev = kafka_msg_take(m);	/* checked by events_merchant */
	log_ctx_set(NULL, j->ev->meta->event_id, j->ev->merchant_id);
	if (!apply_folds(j->ev)) {
		store_offset(pd, m->partition, m->offset);
		apply_end(j, 0);
	}
	else if (store_load(pd, m->partition, j->ev->merchant_id,
	    apply_on_load, j) == -1)
		apply_end(j, APPLY_RETRY_MS);
	log_ctx_clear();
}
