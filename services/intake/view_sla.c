/*
 * What the SLA timer's events show in the complaint view: one entry per
 * run of a clock (started, paused, resumed, stopped, warned, breached), the
 * goodwill coupons, and the escalation level. Pure: no I/O.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "intake.h"
#include "timefmt.h"
#include "view_impl.h"
#include "vocab.h"

static const char *clock_events[] = {
	"sla_clock_started", "sla_clock_paused", "sla_clock_resumed",
	"sla_clock_stopped",
};

static const char *clock_states[] = {
	"running", "paused", "running", "stopped",
};

/*
 * An escalation, automatic (Escalated) or by a person (ACTION_ESCALATED).
 * Levels only go up: a later, lower escalation stays in the history but
 * does not replace the level shown.
 */
void
escalation_apply(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__Escalation *e)
{
	const char	*cur;
	int		 level = 0;
	json_t		*o;

	cur = str_member(json_object_get(view, "escalation"), "level");
	if (cur != NULL && vocab_value(ENUM(escalation_level), cur, &level) ==
	    0 && (int)e->level < level)
		return;
	o = jcheck(json_object());
	put_enum(o, "level", ENUM(escalation_level), e->level);
	put_enum(o, "team", ENUM(team), e->team);
	put_str(o, "assignee_id", e->assignee_id);
	put_str(o, "reason", e->reason);
	put_enum(o, "clock", ENUM(sla_clock), e->clock);
	put_time(o, "at", ev_at(ev));
	put(view, "escalation", o);
}

static json_t *
clock_new(const char *name, uint32_t cycle)
{
	static const char	*unset[] = {
		"state", "policy", "responsible_party", "started_at", "due",
		"warn_at", "remaining_ms", "warned", "breached", "breached_at",
		"stopped_at", "result", "elapsed_ms",
	};
	json_t			*c = jcheck(json_object());
	size_t			 i;

	put(c, "clock", json_string(name));
	put(c, "cycle", json_integer(cycle));
	for (i = 0; i < nitems(unset); i++)
		put(c, unset[i], json_null());
	put(c, "warned", json_false());
	put(c, "breached", json_false());
	return c;
}

/*
 * The view's entry for one run of a clock, identified by clock and cycle;
 * created on first sight. NULL for a clock this build does not know, which
 * is then only in the history.
 */
static json_t *
clock_get(json_t *view, int clock, uint32_t cycle)
{
	char	 name[VIEW_NAME_MAX];
	json_t	*clocks = member(view, "sla_clocks", JSON_ARRAY), *c;
	size_t	 i;

	if (!vocab_name(ENUM(sla_clock), clock, name, sizeof(name)))
		return NULL;
	json_array_foreach(clocks, i, c) {
		if (same_str(str_member(c, "clock"), name) &&
		    json_integer_value(json_object_get(c, "cycle")) == cycle)
			return c;
	}
	c = clock_new(name, cycle);
	append(clocks, c);
	return c;
}

/* The terms a clock event repeats; an unset one leaves the shown value. */
static void
clock_terms(json_t *c, const char *policy, int party, int64_t due_ms)
{
	if (*policy != '\0')
		put_str(c, "policy", policy);
	if (party != 0)
		put_enum(c, "responsible_party", ENUM(party), party);
	if (due_ms > 0)
		put_time(c, "due", due_ms);
}

static void
clock_label(int clock, uint32_t cycle, const char *what, char *buf,
    size_t size)
{
	char	name[VIEW_NAME_MAX];

	snprintf(buf, size, "%s #%" PRIu32 "%s%s", enum_text(ENUM(sla_clock),
	    clock, name, sizeof(name)), cycle, *what != '\0' ? " " : "", what);
}

static void
clock_change_apply(json_t *c, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__SlaClockChange *ch, enum clock_change change)
{
	put(c, "state", json_string(clock_states[change]));
	clock_terms(c, ch->policy, ch->responsible_party, ch->due_ms);
	if (change == CLOCK_STARTED || change == CLOCK_RESUMED)
		put_time(c, "warn_at", ch->warn_at_ms);
	if (change == CLOCK_STARTED)
		put_time(c, "started_at", ev_at(ev));
	put_num(c, "remaining_ms", change == CLOCK_PAUSED ? ch->remaining_ms :
	    0);
	if (change != CLOCK_STOPPED)
		return;
	put_time(c, "stopped_at", ev_at(ev));
	put_enum(c, "result", ENUM(sla_result), ch->result);
	put_num(c, "elapsed_ms", ch->elapsed_ms);
	if (ch->result == CDP__V1__SLA_RESULT__SLA_RESULT_BREACHED)
		put(c, "breached", json_true());
}

bool
apply_clock(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__SlaClockChange *ch, enum clock_change change)
{
	char	 detail[VIEW_DETAIL_MAX], what[VIEW_NAME_MAX + 8];
	char	 due[TIMEFMT_MAX] = "";
	json_t	*c;

	if (ch == NULL)
		return false;
	if (change == CLOCK_STOPPED)
		enum_text(ENUM(sla_result), ch->result, what, sizeof(what));
	else if (change == CLOCK_PAUSED)
		snprintf(what, sizeof(what), "%s", ch->reason);
	else {
		if (ch->due_ms > 0)
			timefmt_rfc3339(ch->due_ms, due, sizeof(due));
		snprintf(what, sizeof(what), "due %s", due);
	}
	clock_label(ch->clock, ch->cycle, what, detail, sizeof(detail));
	history_add(view, ev, clock_events[change], detail);
	if ((c = clock_get(view, ch->clock, ch->cycle)) != NULL)
		clock_change_apply(c, ev, ch, change);
	/* The promise follows the clock that enforces it. */
	if (ch->clock == CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT &&
	    (change == CLOCK_STARTED || change == CLOCK_RESUMED) &&
	    ch->due_ms > 0)
		put_time(view, "first_contact_due", ch->due_ms);
	return true;
}

bool
apply_warning(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__SlaWarning *w)
{
	char	 detail[VIEW_DETAIL_MAX], what[32];
	json_t	*c;

	if (w == NULL)
		return false;
	snprintf(what, sizeof(what), "at %" PRIu32 "%%", w->elapsed_percent);
	clock_label(w->clock, w->cycle, what, detail, sizeof(detail));
	history_add(view, ev, "sla_warning", detail);
	if ((c = clock_get(view, w->clock, w->cycle)) == NULL)
		return true;
	clock_terms(c, w->policy, w->responsible_party, w->due_ms);
	put(c, "warned", json_true());
	return true;
}

bool
apply_breached(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__SlaBreached *b)
{
	char	 detail[VIEW_DETAIL_MAX], party[VIEW_NAME_MAX];
	json_t	*c;

	if (b == NULL)
		return false;
	clock_label(b->clock, b->cycle, enum_text(ENUM(party),
	    b->responsible_party, party, sizeof(party)), detail,
	    sizeof(detail));
	history_add(view, ev, "sla_breached", detail);
	if ((c = clock_get(view, b->clock, b->cycle)) == NULL)
		return true;
	clock_terms(c, b->policy, b->responsible_party, b->due_ms);
	put(c, "breached", json_true());
	put_time(c, "breached_at", ev_at(ev));
	return true;
}

/*
 * A goodwill coupon. Its id is derived from the event's id, so a coupon
 * already listed is not listed twice; the complaint's priority becomes the
 * one that jumps the queue.
 */
bool
apply_compensation(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__CompensationIssued *ci)
{
	char	 detail[VIEW_DETAIL_MAX], money[48];
	json_t	*list = member(view, "compensation", JSON_ARRAY), *o;
	size_t	 i;

	if (ci == NULL)
		return false;
	cny_text(ci->amount_fen, money, sizeof(money));
	snprintf(detail, sizeof(detail), "coupon %s", money);
	history_add(view, ev, "compensation_issued", detail);
	if (ci->new_priority > 0)
		put(view, "priority", json_integer(ci->new_priority));
	json_array_foreach(list, i, o)
		if (same_str(str_member(o, "coupon_id"), ci->coupon_id))
			return true;
	o = jcheck(json_object());
	put_str(o, "coupon_id", ci->coupon_id);
	put_cny(o, "amount", ci->amount_fen);
	put_cny(o, "min_spend", ci->min_spend_fen);
	put_time(o, "expires_at", ci->expires_at_ms);
	put_str(o, "apology", ci->apology_text);
	put_enum(o, "clock", ENUM(sla_clock), ci->clock);
	put_str(o, "reason", ci->reason);
	put_time(o, "issued_at", ev_at(ev));
	append(list, o);
	return true;
}

bool
apply_escalated(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__Escalation *e)
{
	char	level[VIEW_NAME_MAX];

	if (e == NULL)
		return false;
	history_add(view, ev, "escalated", enum_text(ENUM(escalation_level),
	    e->level, level, sizeof(level)));
	escalation_apply(view, ev, e);
	return true;
}
