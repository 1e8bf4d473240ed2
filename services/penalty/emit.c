/*
 * penalty's events on merchants.events and the merchant's view on
 * merchants.state. Every event's id is derived from the event it answers
 * and what it is for, so folding the same event again (a replay, a
 * rebuild) announces the same ids, which consumers drop. A violation's id
 * is derived from its complaint event and type, and is the penalty's id;
 * a lift's id from the merchant, the level and the end time; an expiry's
 * from the merchant and the time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "penalty.h"
#include "xmalloc.h"

#define EMIT_PRODUCER	"penalty"

/*
 * The sends of one announcement: fn learns once, when the broker has
 * answered for all of them, whether every one was taken. The batch holds
 * a count of its own until every send is queued.
 */
struct batch {
	emit_fn	 fn;
	void	*arg;
	int	 pending;
	bool	 ok;
};

/* An event being built on the stack, with its metadata. */
struct envelope {
	Cdp__V1__MerchantEvent	ev;
	Cdp__V1__EventMeta	meta;
	struct meta_ids		ids;
};

static struct batch *
batch_new(emit_fn fn, void *arg)
{
	struct batch	*b = xmalloc(sizeof(*b));

	b->fn = fn;
	b->arg = arg;
	b->pending = 1;
	b->ok = true;
	return b;
}

static void
emit_on_delivery(void *arg, const struct kafka_delivery *d)
{
	struct batch	*b = arg;

	if (d->err != 0)
		b->ok = false;
	if (--b->pending > 0)
		return;
	b->fn(b->arg, b->ok);
	free(b);
}

/* Gives up the batch's own count; -1, and no fn, when none was queued. */
static int
batch_close(struct batch *b)
{
	if (b->pending == 1 && !b->ok) {
		free(b);
		return -1;
	}
	emit_on_delivery(b, &(struct kafka_delivery){ .err = !b->ok });
	return 0;
}

static void
emit_send(struct penalty *pd, const char *topic, const char *key,
    const ProtobufCMessage *msg, struct batch *b)
{
	if (kafka_producer_send_pb(pd->producer, topic, key, msg,
	    emit_on_delivery, b) == 0)
		b->pending++;
	else
		b->ok = false;
}

static void
envelope_init(struct envelope *e, const char *merchant_id,
    const Cdp__V1__EventMeta *cause, const char *purpose)
{
	cdp__v1__merchant_event__init(&e->ev);
	e->ev.meta = &e->meta;
	e->ev.merchant_id = (char *)merchant_id;
	meta_fill(&e->meta, &e->ids, EMIT_PRODUCER, cause, purpose);
}

/* Announces a complaint event that is a violation, keyed by merchant. */
int
emit_violation(struct penalty *pd, const Cdp__V1__ComplaintEvent *cause,
    const struct pen_violation_rule *v, emit_fn fn, void *arg)
{
	struct batch			*b = batch_new(fn, arg);
	struct envelope			 e;
	Cdp__V1__ViolationRecorded	 body = CDP__V1__VIOLATION_RECORDED__INIT;
	char				 purpose[PEN_NAME_MAX + 16], detail[128];

	snprintf(purpose, sizeof(purpose), "violation/%s", v->name);
	envelope_init(&e, cause->merchant_id, cause->meta, purpose);
	e.meta.occurred_at_ms = cause->meta->occurred_at_ms;
	snprintf(detail, sizeof(detail), "%s", cause->body_case ==
	    CDP__V1__COMPLAINT_EVENT__BODY_SLA_BREACHED ?
	    "merchant clock breached" : "decision against the merchant");
	body.violation = (char *)v->name;
	body.complaint_id = cause->complaint_id;
	body.cause_event_id = cause->meta->event_id;
	body.committed_at_ms = cause->meta->occurred_at_ms;
	body.base_points = v->points;
	body.detail = detail;
	e.ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_VIOLATION_RECORDED;
	e.ev.violation_recorded = &body;
	emit_send(pd, "merchants.events", cause->merchant_id, &e.ev.base, b);
	return batch_close(b);
}

static const char *
level_name(const struct pen_rules *r, int level)
{
	return level >= 0 && (size_t)level < r->nlevels ?
	    r->levels[level].name : "";
}

/* The restrictions in force, as pointers into the rules. */
static size_t
restrictions(const struct ledger *l, const struct pen_rules *r,
    char **out)
{
	const struct pen_level	*lv;
	size_t			 i;

	if (!ledger_restricted(l, r))
		return 0;
	lv = &r->levels[l->level];
	for (i = 0; i < lv->nrestrictions; i++)
		out[i] = (char *)lv->restrictions[i];
	return lv->nrestrictions;
}

static Cdp__V1__PenaltyStep
step_of(const struct pen_rules *r, const struct ledger_change *ch)
{
	if (ch->new_level <= ch->old_level)
		return CDP__V1__PENALTY_STEP__PENALTY_STEP_POINT_DEDUCTION;
	switch (r->levels[ch->new_level].standing) {
	case CDP__V1__STANDING__STANDING_EXPELLED:
		return CDP__V1__PENALTY_STEP__PENALTY_STEP_EXPULSION;
	case CDP__V1__STANDING__STANDING_RESTRICTED:
		return CDP__V1__PENALTY_STEP__PENALTY_STEP_RESTRICTION;
	default:
		return CDP__V1__PENALTY_STEP__PENALTY_STEP_WARNING;
	}
}

static void
emit_applied(struct penalty *pd, const Cdp__V1__EventMeta *cause,
    const struct ledger *l, const struct fold *f, struct batch *b)
{
	const struct pen_rules	*r = pd->rules;
	struct envelope		 e;
	Cdp__V1__PenaltyApplied	 body = CDP__V1__PENALTY_APPLIED__INIT;
	struct pen_entry	*pe = ledger_find((struct ledger *)l,
				    f->penalty_id);
	char			 reason[160];

	if (pe == NULL)
		return;		/* too old to count: forgotten at once */
	envelope_init(&e, l->merchant_id, cause, "penalty_applied");
	body.penalty_id = pe->id;
	body.step = step_of(r, &f->ch);
	body.points = ledger_points_of(l, r, (size_t)(pe - l->entries));
	body.repeat = body.points != pe->base_points;
	snprintf(reason, sizeof(reason), "%s: %u points%s", pe->violation,
	    body.points, body.repeat ? " (repeat)" : "");
	body.reason = reason;
	body.rule_id = pe->violation;
	body.violation = pe->violation;
	body.complaint_id = pe->complaint_id;
	body.cause_event_id = pe->cause_id;
	body.appeal_deadline_ms = ledger_appeal_deadline(r, pe);
	body.restricted_until_ms = body.step ==
	    CDP__V1__PENALTY_STEP__PENALTY_STEP_RESTRICTION ? l->until_ms : 0;
	body.points_total = f->ch.new_total;
	e.ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_PENALTY_APPLIED;
	e.ev.penalty_applied = &body;
	emit_send(pd, "merchants.events", l->merchant_id, &e.ev.base, b);
}

static void
emit_reversed(struct penalty *pd, const Cdp__V1__EventMeta *cause,
    const struct ledger *l, const struct fold *f, struct batch *b)
{
	struct envelope		 e;
	Cdp__V1__PenaltyReversed body = CDP__V1__PENALTY_REVERSED__INIT;
	struct pen_entry	*pe = ledger_find((struct ledger *)l,
				    f->penalty_id);

	envelope_init(&e, l->merchant_id, cause, "penalty_reversed");
	body.penalty_id = (char *)f->penalty_id;
	body.appeal_id = (char *)(f->appeal_id != NULL ? f->appeal_id : "");
	body.points_restored = f->ch.old_total > f->ch.new_total ?
	    f->ch.old_total - f->ch.new_total : 0;
	body.reason = (char *)(f->reason != NULL ? f->reason : "");
	body.complaint_id = pe != NULL ? pe->complaint_id : "";
	e.ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_PENALTY_REVERSED;
	e.ev.penalty_reversed = &body;
	emit_send(pd, "merchants.events", l->merchant_id, &e.ev.base, b);
}

static const char *
change_reason(const struct fold *f)
{
	switch (f->kind) {
	case FOLD_APPLIED:
		return "penalty_applied";
	case FOLD_REVERSED:
		return "penalty_reversed";
	case FOLD_LIFTED:
		return "restrictions_lifted";
	case FOLD_EXPIRED:
		return "points_aged_out";
	default:
		return f->ch.lifted ? "restrictions_lifted" : "points_aged_out";
	}
}

static void
emit_standing(struct penalty *pd, const Cdp__V1__EventMeta *cause,
    const struct ledger *l, const struct fold *f, struct batch *b)
{
	struct envelope		 e;
	Cdp__V1__StandingChanged body = CDP__V1__STANDING_CHANGED__INIT;
	char			*rs[PEN_RESTRICTIONS_MAX];

	envelope_init(&e, l->merchant_id, cause, "standing_changed");
	body.old_standing = f->ch.old_standing;
	body.new_standing = f->ch.new_standing;
	body.points_total = f->ch.new_total;
	body.penalty_id = (char *)f->penalty_id;
	body.reason = (char *)change_reason(f);
	body.old_level = (char *)level_name(pd->rules, f->ch.old_level);
	body.new_level = (char *)level_name(pd->rules, f->ch.new_level);
	body.n_restrictions = restrictions(l, pd->rules, rs);
	body.restrictions = rs;
	body.restricted_until_ms = ledger_next_lift(l, pd->rules);
	e.ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_STANDING_CHANGED;
	e.ev.standing_changed = &body;
	emit_send(pd, "merchants.events", l->merchant_id, &e.ev.base, b);
}

/* The unreversed penalties in force and the open appeals, as the view. */
static void
state_lists(const struct ledger *l, const struct pen_rules *r,
    Cdp__V1__MerchantState *s, Cdp__V1__ActivePenalty *ap,
    Cdp__V1__ActivePenalty **app, Cdp__V1__OpenAppeal *oa,
    Cdp__V1__OpenAppeal **oap)
{
	const struct pen_entry	*pe;
	size_t			 i;

	for (i = 0; i < l->nentries; i++) {
		pe = &l->entries[i];
		if (pe->appeal_open) {
			cdp__v1__open_appeal__init(&oa[s->n_open_appeals]);
			oa[s->n_open_appeals].appeal_id = (char *)pe->appeal_id;
			oa[s->n_open_appeals].subject =
			    CDP__V1__APPEAL_SUBJECT__APPEAL_SUBJECT_PENALTY;
			oa[s->n_open_appeals].penalty_id = (char *)pe->id;
			oa[s->n_open_appeals].complaint_id =
			    (char *)pe->complaint_id;
			oa[s->n_open_appeals].filed_at_ms = pe->appeal_filed_ms;
			oap[s->n_open_appeals] = &oa[s->n_open_appeals];
			s->n_open_appeals++;
		}
		if (pe->reversed || l->now_ms - pe->at_ms >= r->window_ms)
			continue;
		cdp__v1__active_penalty__init(&ap[s->n_active_penalties]);
		ap[s->n_active_penalties].penalty_id = (char *)pe->id;
		ap[s->n_active_penalties].step =
		    CDP__V1__PENALTY_STEP__PENALTY_STEP_POINT_DEDUCTION;
		ap[s->n_active_penalties].points = ledger_points_of(l, r, i);
		ap[s->n_active_penalties].complaint_id = (char *)pe->complaint_id;
		ap[s->n_active_penalties].applied_at_ms = pe->at_ms;
		ap[s->n_active_penalties].appeal_deadline_ms =
		    ledger_appeal_deadline(r, pe);
		ap[s->n_active_penalties].violation = (char *)pe->violation;
		app[s->n_active_penalties] = &ap[s->n_active_penalties];
		s->n_active_penalties++;
	}
}

/* The merchant's current view, on the compacted merchants.state. */
static void
emit_state(struct penalty *pd, const struct ledger *l, struct batch *b)
{
	Cdp__V1__MerchantState	 s = CDP__V1__MERCHANT_STATE__INIT;
	size_t			 n = l->nentries + 1;
	Cdp__V1__ActivePenalty	*ap = xcalloc(n, sizeof(*ap));
	Cdp__V1__ActivePenalty	**app = xcalloc(n, sizeof(*app));
	Cdp__V1__OpenAppeal	*oa = xcalloc(n, sizeof(*oa));
	Cdp__V1__OpenAppeal	**oap = xcalloc(n, sizeof(*oap));
	char			*rs[PEN_RESTRICTIONS_MAX];

	s.merchant_id = (char *)l->merchant_id;
	s.standing = ledger_standing(l, pd->rules);
	s.points_total = ledger_total(l, pd->rules, l->now_ms);
	state_lists(l, pd->rules, &s, ap, app, oa, oap);
	s.active_penalties = app;
	s.open_appeals = oap;
	s.updated_at_ms = l->now_ms;
	s.last_event_id = (char *)l->last_event_id;
	s.level = (char *)level_name(pd->rules, l->level);
	s.n_restrictions = restrictions(l, pd->rules, rs);
	s.restrictions = rs;
	s.restricted_until_ms = ledger_next_lift(l, pd->rules);
	emit_send(pd, "merchants.state", l->merchant_id, &s.base, b);
	free(ap);
	free(app);
	free(oa);
	free(oap);
}

/*
 * Announces what folding one event did: the penalty applied or reversed,
 * the standing if it changed, and the merchant's view. fn learns whether
 * the broker took them all.
 */
int
emit_fold(struct penalty *pd, const Cdp__V1__EventMeta *cause,
    const struct ledger *l, const struct fold *f, emit_fn fn, void *arg)
{
	struct batch	*b = batch_new(fn, arg);

	if (f->kind == FOLD_APPLIED)
		emit_applied(pd, cause, l, f, b);
	else if (f->kind == FOLD_REVERSED)
		emit_reversed(pd, cause, l, f, b);
	if (f->kind != FOLD_NONE && f->kind != FOLD_CLOSED &&
	    ledger_changed(&f->ch))
		emit_standing(pd, cause, l, f, b);
	if (f->kind != FOLD_NONE)
		emit_state(pd, l, b);
	return batch_close(b);
}

/* The envelope of a timer's event: its id from the merchant and purpose. */
static void
timer_envelope(struct envelope *e, const struct ledger *l,
    const char *purpose, int64_t at_ms)
{
	envelope_init(e, l->merchant_id, NULL, NULL);
	meta_derive_id(l->merchant_id, purpose, e->ids.event_id);
	snprintf(e->ids.trace_id, sizeof(e->ids.trace_id), "%s",
	    e->ids.event_id);
	e->meta.occurred_at_ms = at_ms;
}

/*
 * Says that points of the ledger leave the window at at_ms. The id
 * depends only on the merchant and the time, so firing twice expires once.
 */
int
emit_expiry(struct penalty *pd, const struct ledger *l, int64_t at_ms,
    emit_fn fn, void *arg)
{
	struct batch		*b = batch_new(fn, arg);
	struct envelope		 e;
	Cdp__V1__PointsExpired	 body = CDP__V1__POINTS_EXPIRED__INIT;
	char			 purpose[48];

	snprintf(purpose, sizeof(purpose), "points_expired/%lld",
	    (long long)at_ms);
	timer_envelope(&e, l, purpose, at_ms);
	body.expired_at_ms = at_ms;
	e.ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_POINTS_EXPIRED;
	e.ev.points_expired = &body;
	emit_send(pd, "merchants.events", l->merchant_id, &e.ev.base, b);
	return batch_close(b);
}

/*
 * Says that the ledger's restrictions reached their end. The id depends
 * only on the merchant, level and end, so firing twice lifts once.
 */
int
emit_lift(struct penalty *pd, const struct ledger *l, emit_fn fn, void *arg)
{
	struct batch			*b = batch_new(fn, arg);
	struct envelope			 e;
	Cdp__V1__RestrictionsLifted	 body =
					    CDP__V1__RESTRICTIONS_LIFTED__INIT;
	char				*rs[PEN_RESTRICTIONS_MAX], *purpose;

	purpose = xasprintf("restrictions_lifted/%s/%lld",
	    level_name(pd->rules, l->level), (long long)l->until_ms);
	timer_envelope(&e, l, purpose, l->until_ms);
	free(purpose);
	body.level = (char *)level_name(pd->rules, l->level);
	body.n_restrictions = restrictions(l, pd->rules, rs);
	body.restrictions = rs;
	body.restricted_until_ms = l->until_ms;
	e.ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_RESTRICTIONS_LIFTED;
	e.ev.restrictions_lifted = &body;
	emit_send(pd, "merchants.events", l->merchant_id, &e.ev.base, b);
	return batch_close(b);
}
