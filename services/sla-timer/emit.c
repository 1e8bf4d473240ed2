/*
 * The sla-timer's events on complaints.events. Clock changes take ids
 * derived from the event that caused them and the policy version, so a
 * replay under the same policies emits the same ids (dropped downstream)
 * while a recompute under new ones announces the new due times. Warnings
 * and breaches take ids derived from the firing (complaint, clock, cycle,
 * kind): one id per firing, ever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "sla.h"
#include "xmalloc.h"

#define EMIT_COUPON_DAYS	30
#define EMIT_PRIORITY_JUMP	900

/*
 * The sends of one announcement: fn learns once, when the broker has
 * answered for all of them, whether every one was taken, and *sent (when
 * not NULL) gains the part of each one taken. The batch holds a count of
 * its own until every send is queued.
 */
struct batch {
	emit_fn		 fn;
	void		*arg;
	int		 pending;
	bool		 ok;
	unsigned	*sent;
};

/* One send of a batch, and the part of a firing it is. */
struct send {
	struct batch	*b;
	unsigned	 part;
};

/* An event being built on the stack, with its metadata. */
struct envelope {
	Cdp__V1__ComplaintEvent	ev;
	Cdp__V1__EventMeta	meta;
	struct meta_ids		ids;
};

/* One firing being announced, and the policy its clock runs under. */
struct announcement {
	struct slatimer		*t;
	const char		*complaint_id;
	const struct sla_state	*s;
	const struct sla_clock	*k;
	const struct sla_policy	*pol;		/* NULL: none any more */
	const char		*firing;
	unsigned		 skip;		/* parts confirmed before */
	struct batch		*b;
};

static struct batch *
batch_new(emit_fn fn, void *arg, unsigned *sent)
{
	struct batch	*b = xmalloc(sizeof(*b));

	b->fn = fn;
	b->arg = arg;
	b->pending = 1;
	b->ok = true;
	b->sent = sent;
	return b;
}

static void
batch_answer(struct batch *b, bool ok, unsigned part)
{
	if (!ok)
		b->ok = false;
	else if (b->sent != NULL)
		*b->sent |= part;
	if (--b->pending > 0)
		return;
	b->fn(b->arg, b->ok);
	free(b);
}

static void
emit_on_delivery(void *arg, const struct kafka_delivery *d)
{
	struct send	*sd = arg;

	batch_answer(sd->b, d->err == 0, sd->part);
	free(sd);
}

/*
 * Gives up the batch's own count once every send was tried (rc -1 when
 * one failed). Returns -1, and fn is never called, when none was queued.
 */
static int
batch_close(struct batch *b, int rc)
{
	if (rc == -1 && b->pending == 1) {
		free(b);
		return -1;
	}
	batch_answer(b, rc != -1, 0);
	return 0;
}

static int
emit_send(struct slatimer *t, Cdp__V1__ComplaintEvent *ev, struct batch *b,
    unsigned part)
{
	struct send	*sd = xmalloc(sizeof(*sd));
	int		 rc;

	sd->b = b;
	sd->part = part;
	rc = kafka_producer_send_pb(t->producer, "complaints.events",
	    ev->complaint_id, &ev->base, emit_on_delivery, sd);
	if (rc == 0)
		b->pending++;
	else {
		b->ok = false;
		free(sd);
	}
	return rc;
}

static const char *
emit_kind_name(enum clock_change_kind kind)
{
	switch (kind) {
	case CLOCK_STARTED:
		return "started";
	case CLOCK_PAUSED_CHANGE:
		return "paused";
	case CLOCK_RESUMED:
		return "resumed";
	default:
		return "stopped";
	}
}

static void
emit_envelope(struct envelope *e, const char *complaint_id,
    const char *merchant_id)
{
	cdp__v1__complaint_event__init(&e->ev);
	e->ev.meta = &e->meta;
	e->ev.complaint_id = (char *)complaint_id;
	e->ev.merchant_id = (char *)merchant_id;
}

/*
 * The envelope of one of a firing's events: its id derived from the
 * firing and what the event says, and the start of its own trace.
 */
static void
emit_fired_envelope(struct envelope *e, const struct announcement *a,
    const char *purpose)
{
	emit_envelope(e, a->complaint_id, a->s->merchant_id);
	meta_fill(&e->meta, &e->ids, "sla-timer", NULL, NULL);
	meta_derive_id(a->firing, purpose, e->ids.event_id);
	snprintf(e->ids.trace_id, sizeof(e->ids.trace_id), "%s",
	    e->ids.event_id);
}

static void
emit_change_body(Cdp__V1__ComplaintEvent *ev, Cdp__V1__SlaClockChange *b,
    const struct clock_change *ch)
{
	const struct sla_clock	*k = &ch->clock;

	b->clock = k->clock;
	b->cycle = k->cycle;
	b->due_ms = k->due_ms;
	b->responsible_party = k->party;
	b->policy = (char *)k->policy;
	b->reason = (char *)(ch->reason != NULL ? ch->reason : "");
	b->warn_at_ms = k->warn_ms;
	b->remaining_ms = ch->kind == CLOCK_PAUSED_CHANGE ? k->remaining_ms : 0;
	b->result = ch->kind == CLOCK_STOPPED_CHANGE ? k->result : 0;
	b->elapsed_ms = ch->kind == CLOCK_STOPPED_CHANGE ? k->elapsed_ms : 0;
	switch (ch->kind) {
	case CLOCK_STARTED:
		ev->body_case = CDP__V1__COMPLAINT_EVENT__BODY_SLA_CLOCK_STARTED;
		ev->sla_clock_started = b;
		break;
	case CLOCK_PAUSED_CHANGE:
		ev->body_case = CDP__V1__COMPLAINT_EVENT__BODY_SLA_CLOCK_PAUSED;
		ev->sla_clock_paused = b;
		break;
	case CLOCK_RESUMED:
		ev->body_case = CDP__V1__COMPLAINT_EVENT__BODY_SLA_CLOCK_RESUMED;
		ev->sla_clock_resumed = b;
		break;
	case CLOCK_STOPPED_CHANGE:
		ev->body_case = CDP__V1__COMPLAINT_EVENT__BODY_SLA_CLOCK_STOPPED;
		ev->sla_clock_stopped = b;
		break;
	}
}

/* Announces one clock change; fn learns whether the broker took it. */
int
emit_change(struct slatimer *t, const Cdp__V1__EventMeta *cause,
    const char *complaint_id, const char *merchant_id,
    const struct clock_change *ch, emit_fn fn, void *arg)
{
	struct batch		*b = batch_new(fn, arg, NULL);
	struct envelope		 e;
	Cdp__V1__SlaClockChange	 body = CDP__V1__SLA_CLOCK_CHANGE__INIT;
	char			*purpose;

	purpose = xasprintf("sla:%s:%u:%s:%s", clock_name(ch->clock.clock),
	    ch->clock.cycle, emit_kind_name(ch->kind),
	    policy_version(t->policies));
	emit_envelope(&e, complaint_id, merchant_id);
	meta_fill(&e.meta, &e.ids, "sla-timer", cause, purpose);
	free(purpose);
	emit_change_body(&e.ev, &body, ch);
	return batch_close(b, emit_send(t, &e.ev, b, 0));
}

/* "C123:first_contact:1:breach": the one name of one firing. */
void
emit_firing_id(const char *complaint_id, const struct sla_clock *k,
    enum clock_due_kind kind, char *out, size_t size)
{
	snprintf(out, size, "%s:%s:%u:%s", complaint_id, clock_name(k->clock),
	    k->cycle, kind == CLOCK_DUE_WARNING ? "warning" : "breach");
}

static int
emit_warning(const struct announcement *a)
{
	struct envelope		e;
	Cdp__V1__SlaWarning	w = CDP__V1__SLA_WARNING__INIT;

	if (a->skip & EMIT_PART_EVENT)
		return 0;
	emit_fired_envelope(&e, a, "sla_warning");
	w.clock = a->k->clock;
	w.cycle = a->k->cycle;
	w.due_ms = a->k->due_ms;
	w.responsible_party = a->k->party;
	w.policy = (char *)a->k->policy;
	w.elapsed_percent = a->pol != NULL ? a->pol->warn_permille / 10 : 80;
	e.ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_SLA_WARNING;
	e.ev.sla_warning = &w;
	return emit_send(a->t, &e.ev, a->b, EMIT_PART_EVENT);
}

static int
emit_compensation(const struct announcement *a)
{
	Cdp__V1__CompensationIssued	 ci =
	    CDP__V1__COMPENSATION_ISSUED__INIT;
	struct envelope			 e;
	char				 coupon[24], *apology;
	int				 rc;

	if (fault_hit("fail_coupon")) {
		a->b->ok = false;	/* as if the broker had refused it */
		return -1;
	}
	emit_fired_envelope(&e, a, "compensation_issued");
	snprintf(coupon, sizeof(coupon), "CP%.8s%.4s", e.ids.event_id,
	    e.ids.event_id + 9);
	apology = xasprintf("非常抱歉，我们未能在承诺的时间内处理您的工单%s。"
	    "为表歉意，已向您的账户发放一张%lld元无门槛优惠券，您的工单已优先"
	    "处理。", a->complaint_id,
	    (long long)(a->pol->actions.coupon_fen / 100));
	ci.coupon_id = coupon;
	ci.amount_fen = a->pol->actions.coupon_fen;
	ci.expires_at_ms = e.meta.occurred_at_ms +
	    EMIT_COUPON_DAYS * 86400000LL;
	ci.apology_text = apology;
	ci.new_priority = EMIT_PRIORITY_JUMP;
	ci.clock = a->k->clock;
	ci.cycle = a->k->cycle;
	ci.reason = "sla_breach";
	e.ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_COMPENSATION_ISSUED;
	e.ev.compensation_issued = &ci;
	rc = emit_send(a->t, &e.ev, a->b, EMIT_PART_COUPON);
	free(apology);
	return rc;
}

static int
emit_escalation(const struct announcement *a)
{
	struct envelope		 e;
	Cdp__V1__Escalation	 esc = CDP__V1__ESCALATION__INIT;
	char			*reason;
	int			 rc;

	emit_fired_envelope(&e, a, "escalated");
	reason = xasprintf("%s breached (policy %s)", clock_name(a->k->clock),
	    a->k->policy);
	esc.level = a->pol->actions.escalate_to != 0 ?
	    a->pol->actions.escalate_to :
	    CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_SENIOR_SERVICE;
	esc.team = CDP__V1__TEAM__TEAM_SENIOR_CUSTOMER_SERVICE;
	esc.reason = reason;
	esc.clock = a->k->clock;
	esc.cycle = a->k->cycle;
	e.ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_ESCALATED;
	e.ev.escalated = &esc;
	rc = emit_send(a->t, &e.ev, a->b, EMIT_PART_ESCALATION);
	free(reason);
	return rc;
}

/*
 * The breach, then the coupon and the escalation its policy prescribes,
 * leaving out the parts the broker confirmed before.
 */
static int
emit_breach(const struct announcement *a)
{
	const struct sla_policy	*pol = a->pol;
	struct envelope		 e;
	Cdp__V1__SlaBreached	 br = CDP__V1__SLA_BREACHED__INIT;
	Cdp__V1__BreachActions	 act = CDP__V1__BREACH_ACTIONS__INIT;

	emit_fired_envelope(&e, a, "sla_breached");
	if (pol != NULL) {
		act.coupon_fen = pol->actions.coupon_fen;
		act.escalate = pol->actions.escalate;
		act.escalate_to = pol->actions.escalate_to;
		act.penalize_merchant = pol->actions.penalize_merchant;
		act.penalty_points = pol->actions.penalty_points;
		act.notify = pol->actions.notify;
	}
	br.clock = a->k->clock;
	br.cycle = a->k->cycle;
	br.due_ms = a->k->due_ms;
	br.responsible_party = a->k->party;
	br.policy = (char *)a->k->policy;
	br.actions = &act;
	e.ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_SLA_BREACHED;
	e.ev.sla_breached = &br;
	if (!(a->skip & EMIT_PART_EVENT) &&
	    emit_send(a->t, &e.ev, a->b, EMIT_PART_EVENT) == -1)
		return -1;
	if (pol == NULL)
		return 0;
	if (pol->actions.coupon_fen > 0 && !(a->skip & EMIT_PART_COUPON) &&
	    emit_compensation(a) == -1)
		return -1;
	if (pol->actions.escalate && !(a->skip & EMIT_PART_ESCALATION) &&
	    emit_escalation(a) == -1)
		return -1;
	return 0;
}

/*
 * Sends what the firing named firing (emit_firing_id) means: a warning,
 * or a breach with the coupon and the escalation its policy prescribes,
 * but not the parts already in *sent; each part the broker confirms is
 * added to *sent. fn is called once, after the broker answered for all
 * of them; -1 when none could be queued.
 */
int
emit_firing(struct slatimer *t, const char *complaint_id, const char *firing,
    const struct sla_state *s, const struct clock_due *d, unsigned *sent,
    emit_fn fn, void *arg)
{
	const struct sla_clock	*k = &s->c.clocks[d->index];
	struct announcement	 a = {
		.t = t, .complaint_id = complaint_id, .s = s, .k = k,
		.pol = clock_policy(&s->c, t->policies, k),
		.firing = firing, .skip = *sent,
		.b = batch_new(fn, arg, sent),
	};

	return batch_close(a.b, d->kind == CLOCK_DUE_WARNING ?
	    emit_warning(&a) : emit_breach(&a));
}
