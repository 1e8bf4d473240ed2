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

struct batch {
	emit_fn	 fn;
	void	*arg;
	int	 pending;
	bool	 ok;
};

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

static int
emit_send(struct slatimer *t, Cdp__V1__ComplaintEvent *ev, struct batch *b)
{
	int	rc;

	rc = kafka_producer_send_pb(t->producer, "complaints.events",
	    ev->complaint_id, &ev->base, emit_on_delivery, b);
	if (rc == 0)
		b->pending++;
	else
		b->ok = false;
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
emit_envelope(Cdp__V1__ComplaintEvent *ev, Cdp__V1__EventMeta *meta,
    const char *complaint_id, const char *merchant_id)
{
	cdp__v1__complaint_event__init(ev);
	ev->meta = meta;
	ev->complaint_id = (char *)complaint_id;
	ev->merchant_id = (char *)merchant_id;
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
	struct batch		*b = xcalloc(1, sizeof(*b));
	Cdp__V1__ComplaintEvent	 ev;
	Cdp__V1__EventMeta	 meta;
	Cdp__V1__SlaClockChange	 body = CDP__V1__SLA_CLOCK_CHANGE__INIT;
	struct meta_ids		 ids;
	char			*purpose;

	b->fn = fn;
	b->arg = arg;
	b->ok = true;
	purpose = xasprintf("sla:%s:%u:%s:%s", clock_name(ch->clock.clock),
	    ch->clock.cycle, emit_kind_name(ch->kind),
	    policy_version(t->policies));
	meta_fill(&meta, &ids, "sla-timer", cause, purpose);
	free(purpose);
	emit_envelope(&ev, &meta, complaint_id, merchant_id);
	emit_change_body(&ev, &body, ch);
	if (emit_send(t, &ev, b) == -1) {
		free(b);
		return -1;
	}
	return 0;
}

/* "C123:first_contact:1:breach": the one name of one firing. */
void
emit_firing_id(const char *complaint_id, const struct sla_clock *k,
    enum clock_due_kind kind, char *out, size_t size)
{
	snprintf(out, size, "%s:%s:%u:%s", complaint_id, clock_name(k->clock),
	    k->cycle, kind == CLOCK_DUE_WARNING ? "warning" : "breach");
}

static void
emit_meta(Cdp__V1__EventMeta *meta, struct meta_ids *ids, const char *firing,
    const char *purpose)
{
	meta_fill(meta, ids, "sla-timer", NULL, NULL);
	meta_derive_id(firing, purpose, ids->event_id);
	snprintf(ids->trace_id, sizeof(ids->trace_id), "%s", ids->event_id);
}

static int
emit_warning(struct slatimer *t, const char *id, const struct sla_state *s,
    const struct sla_clock *k, const char *firing, struct batch *b)
{
	Cdp__V1__ComplaintEvent	 ev;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	Cdp__V1__SlaWarning	 w = CDP__V1__SLA_WARNING__INIT;
	const struct sla_policy	*pol = policy_find(t->policies, s->c.severity,
	    s->c.category, k->clock);

	emit_meta(&meta, &ids, firing, "sla_warning");
	emit_envelope(&ev, &meta, id, s->merchant_id);
	w.clock = k->clock;
	w.cycle = k->cycle;
	w.due_ms = k->due_ms;
	w.responsible_party = k->party;
	w.policy = (char *)k->policy;
	w.elapsed_percent = pol != NULL ? pol->warn_permille / 10 : 80;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_SLA_WARNING;
	ev.sla_warning = &w;
	return emit_send(t, &ev, b);
}

static int
emit_compensation(struct slatimer *t, const char *id,
    const struct sla_state *s, const struct sla_clock *k,
    const struct sla_policy *pol, const char *firing, struct batch *b)
{
	Cdp__V1__ComplaintEvent		 ev;
	Cdp__V1__EventMeta		 meta;
	struct meta_ids			 ids;
	Cdp__V1__CompensationIssued	 ci = CDP__V1__COMPENSATION_ISSUED__INIT;
	char				 coupon[24], *apology;
	int				 rc;

	emit_meta(&meta, &ids, firing, "compensation_issued");
	emit_envelope(&ev, &meta, id, s->merchant_id);
	snprintf(coupon, sizeof(coupon), "CP%.8s%.4s", ids.event_id,
	    ids.event_id + 9);
	apology = xasprintf("非常抱歉，我们未能在承诺的时间内处理您的工单%s。"
	    "为表歉意，已向您的账户发放一张%lld元无门槛优惠券，您的工单已优先"
	    "处理。", id, (long long)(pol->actions.coupon_fen / 100));
	ci.coupon_id = coupon;
	ci.amount_fen = pol->actions.coupon_fen;
	ci.expires_at_ms = meta.occurred_at_ms + EMIT_COUPON_DAYS * 86400000LL;
	ci.apology_text = apology;
	ci.new_priority = EMIT_PRIORITY_JUMP;
	ci.clock = k->clock;
	ci.cycle = k->cycle;
	ci.reason = "sla_breach";
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_COMPENSATION_ISSUED;
	ev.compensation_issued = &ci;
	rc = emit_send(t, &ev, b);
	free(apology);
	return rc;
}

static int
emit_escalation(struct slatimer *t, const char *id, const struct sla_state *s,
    const struct sla_clock *k, const struct sla_policy *pol,
    const char *firing, struct batch *b)
{
	Cdp__V1__ComplaintEvent	 ev;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	Cdp__V1__Escalation	 e = CDP__V1__ESCALATION__INIT;
	char			*reason;
	int			 rc;

	emit_meta(&meta, &ids, firing, "escalated");
	emit_envelope(&ev, &meta, id, s->merchant_id);
	reason = xasprintf("%s breached (policy %s)", clock_name(k->clock),
	    k->policy);
	e.level = pol->actions.escalate_to != 0 ? pol->actions.escalate_to :
	    CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_SENIOR_SERVICE;
	e.team = CDP__V1__TEAM__TEAM_SENIOR_CUSTOMER_SERVICE;
	e.reason = reason;
	e.clock = k->clock;
	e.cycle = k->cycle;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_ESCALATED;
	ev.escalated = &e;
	rc = emit_send(t, &ev, b);
	free(reason);
	return rc;
}

static int
emit_breach(struct slatimer *t, const char *id, const struct sla_state *s,
    const struct sla_clock *k, const char *firing, struct batch *b)
{
	Cdp__V1__ComplaintEvent	 ev;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	Cdp__V1__SlaBreached	 br = CDP__V1__SLA_BREACHED__INIT;
	Cdp__V1__BreachActions	 act = CDP__V1__BREACH_ACTIONS__INIT;
	const struct sla_policy	*pol = policy_find(t->policies, s->c.severity,
	    s->c.category, k->clock);
	int			 rc;

	emit_meta(&meta, &ids, firing, "sla_breached");
	emit_envelope(&ev, &meta, id, s->merchant_id);
	if (pol != NULL) {
		act.coupon_fen = pol->actions.coupon_fen;
		act.escalate = pol->actions.escalate;
		act.escalate_to = pol->actions.escalate_to;
		act.penalize_merchant = pol->actions.penalize_merchant;
		act.penalty_points = pol->actions.penalty_points;
		act.notify = pol->actions.notify;
	}
	br.clock = k->clock;
	br.cycle = k->cycle;
	br.due_ms = k->due_ms;
	br.responsible_party = k->party;
	br.policy = (char *)k->policy;
	br.actions = &act;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_SLA_BREACHED;
	ev.sla_breached = &br;
	if ((rc = emit_send(t, &ev, b)) == -1 || pol == NULL)
		return rc;
	if (pol->actions.coupon_fen > 0 &&
	    emit_compensation(t, id, s, k, pol, firing, b) == -1)
		return -1;
	if (pol->actions.escalate &&
	    emit_escalation(t, id, s, k, pol, firing, b) == -1)
		return -1;
	return 0;
}

/*
 * Sends what one firing means: a warning, or a breach with the coupon and
 * the escalation its policy prescribes. fn is called once, after the
 * broker answered for all of them; -1 when none could be queued.
 */
int
emit_firing(struct slatimer *t, const char *complaint_id,
    const struct sla_state *s, const struct clock_due *d, emit_fn fn,
    void *arg)
{
	struct batch		*b = xcalloc(1, sizeof(*b));
	const struct sla_clock	*k = &s->c.clocks[d->index];
	char			 firing[192];
	int			 rc;

	b->fn = fn;
	b->arg = arg;
	b->ok = true;
	b->pending = 1;		/* held until every send is queued */
	emit_firing_id(complaint_id, k, d->kind, firing, sizeof(firing));
	if (d->kind == CLOCK_DUE_WARNING)
		rc = emit_warning(t, complaint_id, s, k, firing, b);
	else
		rc = emit_breach(t, complaint_id, s, k, firing, b);
	if (rc == -1 && b->pending == 1) {
		free(b);
		return -1;
	}
	emit_on_delivery(b, &(struct kafka_delivery){ .err = rc == -1 });
	return 0;
}
