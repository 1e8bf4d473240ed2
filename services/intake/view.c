/*
 * The complaint view: the document GET /v1/complaints/{id} shows, built by
 * applying the complaint's events from complaints.events in log order.
 * readmodel.c keeps one per complaint in Redis and calls view_apply() for
 * each event; listing.c renders it for the reader's key. Pure: no I/O.
 *
 * Every member of the document exists from view_new() on and is null (or
 * an empty array) until an event sets it, so readers always see one shape.
 * Enum values are shown by their public names (vocab.c: the proto name
 * without the enum's prefix, in lower case, "awaiting_merchant"); money in
 * CNY as a number (89900 fen is 899.0); times in RFC 3339, UTC. Members
 * whose names start with '_' are the read model's bookkeeping and are never
 * rendered. docs/read-model.md describes the document; view_impl.h lists
 * the files the view is split into.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "intake.h"
#include "view_impl.h"
#include "vocab.h"

/* The newest history entries kept; older ones are dropped and counted. */
#define VIEW_HISTORY_MAX	500


/* The members of a new view, in the order they are rendered. */
static const struct {
	const char	*name;
	json_type	 type;	/* JSON_NULL, JSON_ARRAY or JSON_INTEGER (0) */
} view_members[] = {
	{ "status", JSON_NULL },
	{ "category", JSON_NULL },
	{ "subcategory", JSON_NULL },
	{ "severity", JSON_NULL },
	{ "team", JSON_NULL },
	{ "teams", JSON_ARRAY },
	{ "priority", JSON_NULL },
	{ "channel", JSON_NULL },
	{ "filed_at", JSON_NULL },
	{ "first_contact_due", JSON_NULL },
	{ "updated_at", JSON_NULL },
	{ "out_of_scope", JSON_NULL },
	{ "proactive", JSON_NULL },
	{ "complainant", JSON_NULL },
	{ "merchant", JSON_NULL },
	{ "order", JSON_NULL },
	{ "problem_type", JSON_NULL },
	{ "description", JSON_NULL },
	{ "demand", JSON_NULL },
	{ "demand_amount", JSON_NULL },
	{ "evidence", JSON_ARRAY },
	{ "auto_filled_fields", JSON_ARRAY },
	{ "filed_by", JSON_NULL },
	{ "channel_ref", JSON_NULL },
	{ "received_at", JSON_NULL },
	{ "classification", JSON_NULL },
	{ "sla_clocks", JSON_ARRAY },
	{ "merchant_response", JSON_NULL },
	{ "proposal", JSON_NULL },
	{ "decision", JSON_NULL },
	{ "execution", JSON_NULL },
	{ "return_shipment", JSON_NULL },
	{ "inspection", JSON_NULL },
	{ "qc_result", JSON_NULL },
	{ "satisfaction", JSON_NULL },
	{ "escalation", JSON_NULL },
	{ "closure", JSON_NULL },
	{ "compensation", JSON_ARRAY },
	{ "audit", JSON_NULL },
	{ "history", JSON_ARRAY },
	{ "history_truncated", JSON_INTEGER },
	{ "notes_truncated", JSON_INTEGER },
};

void
put_status(json_t *view, Cdp__V1__ComplaintStatus status)
{
	put_enum(view, "status", ENUM(complaint_status), status);
}

/* Moves the status as lifecycle.c says an event of this kind does. */
static void
status_after(json_t *view, Cdp__V1__ComplaintEvent__BodyCase body)
{
	Cdp__V1__ComplaintStatus	before = view_status(view), after;

	after = lifecycle_after_event(body, before);
	if (after != before)
		put_status(view, after);
}

/*
 * Appends an entry to the history and returns it for the caller to add to.
 * Only the newest VIEW_HISTORY_MAX entries are kept, so that a long retry
 * loop cannot grow a document without bound; the number dropped is shown as
 * history_truncated.
 */
json_t *
history_add(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const char *event, const char *detail)
{
	json_t		*history = member(view, "history", JSON_ARRAY), *e;
	json_int_t	 dropped;

	e = jcheck(json_object());
	put_time(e, "at", ev_at(ev));
	put_str(e, "event", event);
	put_str(e, "event_id", ev_id(ev));
	put_str(e, "detail", detail);
	append(history, e);
	while (json_array_size(history) > VIEW_HISTORY_MAX) {
		if (is_note(json_array_get(history, 0)))
			count_add(view, "notes_truncated", 1);
		json_array_remove(history, 0);
		dropped = json_integer_value(json_object_get(view,
		    "history_truncated"));
		put(view, "history_truncated", json_integer(dropped + 1));
	}
	return e;
}

/*
 * Whether an event with this id was applied already. A producer that wrote
 * an event twice (a retry after an unanswered write) gives the copy a later
 * offset but the same id (docs/events.md). Only the kept history is
 * searched.
 */
static bool
history_has(const json_t *view, const char *event_id)
{
	const json_t	*history = json_object_get(view, "history");
	const char	*s;
	size_t		 i;

	if (event_id == NULL || *event_id == '\0')
		return false;
	for (i = json_array_size(history); i > 0; i--) {
		s = str_member(json_array_get(history, i - 1), "event_id");
		if (s != NULL && strcmp(s, event_id) == 0)
			return true;
	}
	return false;
}

static int64_t
view_offset(const json_t *view)
{
	const json_t	*o = json_object_get(view, "_offset");

	return json_is_integer(o) ? json_integer_value(o) : -1;
}

/*
 * A new, empty document for a complaint. The caller owns the reference.
 */
json_t *
view_new(const char *complaint_id)
{
	json_t	*view = jcheck(json_object()), *m;
	size_t	 i;

	put_str(view, "complaint_id", complaint_id);
	for (i = 0; i < nitems(view_members); i++) {
		switch (view_members[i].type) {
		case JSON_ARRAY:
			m = json_array();
			break;
		case JSON_INTEGER:
			m = json_integer(0);
			break;
		default:
			m = json_null();
			break;
		}
		put(view, view_members[i].name, m);
	}
	put(view, "_offset", json_integer(-1));
	put(view, "_filed_by_key", json_null());
	put(view, "_filed_at_ms", json_integer(0));
	put(view, "_closed_at_ms", json_integer(0));
	return view;
}

static json_t *
complainant_json(const Cdp__V1__Complainant *c)
{
	static const Cdp__V1__Complainant	 none =
	    CDP__V1__COMPLAINANT__INIT;
	json_t					*o = jcheck(json_object());

	if (c == NULL)
		c = &none;
	put_str(o, "user_id", c->user_id);
	put_str(o, "name", c->name);
	put_str(o, "phone", c->phone);
	put_str(o, "email", c->email);
	put_enum(o, "member_tier", ENUM(member_tier), c->member_tier);
	return o;
}

/* The respondent; the envelope's merchant id stands in for a missing one. */
static json_t *
merchant_json(const Cdp__V1__Respondent *r, const char *envelope_id)
{
	static const Cdp__V1__Respondent	 none =
	    CDP__V1__RESPONDENT__INIT;
	json_t					*o = jcheck(json_object());

	if (r == NULL)
		r = &none;
	put_str(o, "merchant_id", *r->merchant_id != '\0' ? r->merchant_id :
	    envelope_id);
	put_str(o, "shop_id", r->shop_id);
	put_str(o, "shop_name", r->shop_name);
	return o;
}

static json_t *
order_json(const Cdp__V1__OrderRef *r)
{
	static const Cdp__V1__OrderRef	 none = CDP__V1__ORDER_REF__INIT;
	json_t				*o = jcheck(json_object());

	if (r == NULL)
		r = &none;
	put_str(o, "order_id", r->order_id);
	put_time(o, "ordered_at", r->ordered_at_ms);
	put_str(o, "sku", r->sku);
	put_str(o, "product_title", r->product_title);
	put_num(o, "quantity", r->quantity);
	put_cny(o, "amount", r->amount_fen);
	put_cny(o, "order_total", r->order_total_fen);
	put_str(o, "delivery_address", r->delivery_address);
	put_time(o, "after_sales_until", r->after_sales_until_ms);
	return o;
}

/* What was complained about and what is asked for. */
static void
filed_problem(json_t *view, const Cdp__V1__Filed *f)
{
	put_enum(view, "channel", ENUM(channel), f->channel);
	put_str(view, "problem_type", f->problem_type);
	put_str(view, "description", f->description);
	put_enum(view, "demand", ENUM(demand), f->demand);
	put_cny(view, "demand_amount", f->demand_amount_fen);
	put(view, "evidence", strv_json(f->evidence_urls, f->n_evidence_urls));
	put(view, "auto_filled_fields", strv_json(f->auto_filled_fields,
	    f->n_auto_filled_fields));
}

/*
 * A filing (Filed, or the filed part of ProactiveOpened). The status only
 * becomes "received" on a view that has none yet, so that a filing can
 * never move a handled complaint back.
 */
static void
filed_apply(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__Filed *f)
{
	status_after(view, CDP__V1__COMPLAINT_EVENT__BODY_FILED);
	filed_problem(view, f);
	put_time(view, "filed_at", ev_at(ev));
	put_time(view, "first_contact_due", f->first_contact_due_ms);
	if (f->initial_priority > 0 && json_is_null(json_object_get(view,
	    "priority")))
		put(view, "priority", json_integer(f->initial_priority));
	put(view, "complainant", complainant_json(f->complainant));
	put(view, "merchant", merchant_json(f->respondent, ev->merchant_id));
	put(view, "order", order_json(f->order));
	put(view, "filed_by", actor_json(f->filed_by));
	put_str(view, "channel_ref", f->channel_ref);
	put_time(view, "received_at", f->received_at_ms);
	put_str(view, "_filed_by_key", f->filed_by != NULL ?
	    f->filed_by->api_key_id : NULL);
	put(view, "_filed_at_ms", json_integer(ev_at(ev)));
}

static bool
apply_filed(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__Filed *f)
{
	char	detail[VIEW_DETAIL_MAX], ch[VIEW_NAME_MAX], dm[VIEW_NAME_MAX];

	if (f == NULL)
		return false;
	snprintf(detail, sizeof(detail), "%s, %s",
	    enum_text(ENUM(channel), f->channel, ch, sizeof(ch)),
	    enum_text(ENUM(demand), f->demand, dm, sizeof(dm)));
	history_add(view, ev, "filed", detail);
	filed_apply(view, ev, f);
	return true;
}

static json_t *
facts_json(const Cdp__V1__ProactiveOrderFacts *f)
{
	json_t	*o;

	if (f == NULL)
		return jcheck(json_null());
	o = jcheck(json_object());
	put_time(o, "promised_ship_by", f->promised_ship_by_ms);
	put_time(o, "promised_delivery_by", f->promised_delivery_by_ms);
	put_time(o, "shipped_at", f->shipped_at_ms);
	put_str(o, "carrier", f->carrier);
	put_str(o, "tracking_number", f->tracking_number);
	put_enum(o, "last_status", ENUM(logistics_status), f->last_status);
	put_time(o, "last_scan_at", f->last_scan_at_ms);
	put_str(o, "last_location", f->last_location);
	put_str(o, "note", f->note);
	return o;
}

static bool
apply_proactive(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__ProactiveOpened *p)
{
	char	 cause[VIEW_NAME_MAX];
	json_t	*o;

	if (p == NULL)
		return false;
	history_add(view, ev, "proactive_opened", enum_text(
	    ENUM(proactive_cause), p->cause, cause, sizeof(cause)));
	if (p->filed != NULL)
		filed_apply(view, ev, p->filed);
	o = jcheck(json_object());
	put_enum(o, "cause", ENUM(proactive_cause), p->cause);
	put(o, "facts", facts_json(p->facts));
	put(view, "proactive", o);
	return true;
}

static json_t *
reasons_json(Cdp__V1__ClassificationReason **v, size_t n)
{
	json_t	*arr = jcheck(json_array()), *o;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (v[i] == NULL)
			continue;
		o = jcheck(json_object());
		put_str(o, "rule_id", v[i]->rule_id);
		put_str(o, "matched", v[i]->matched);
		put_str(o, "source", v[i]->source);
		append(arr, o);
	}
	return arr;
}

/* Team names, leaving out UNSPECIFIED and teams this build does not know. */
static json_t *
teams_json(const Cdp__V1__Team *teams, size_t n)
{
	char	 name[VIEW_NAME_MAX];
	json_t	*arr = jcheck(json_array());
	size_t	 i;

	for (i = 0; i < n; i++)
		if (vocab_name(ENUM(team), teams[i], name, sizeof(name)))
			append(arr, json_string(name));
	return arr;
}

static json_t *
flags_json(const Cdp__V1__UrgencyFlag *flags, size_t n)
{
	char	 name[VIEW_NAME_MAX];
	json_t	*arr = jcheck(json_array());
	size_t	 i;

	for (i = 0; i < n; i++)
		if (vocab_name(ENUM(urgency_flag), flags[i], name, sizeof(name)))
			append(arr, json_string(name));
	return arr;
}

/* The audit trail of a classification, kept apart from its result. */
static json_t *
classification_json(const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__Classified *c)
{
	json_t	*o = jcheck(json_object());

	put_enum(o, "responsible_party", ENUM(party), c->responsible_party);
	put_str(o, "sla_policy", c->sla_policy);
	put_num(o, "confidence_permille", c->confidence_permille);
	put(o, "urgency_flags", flags_json(c->urgency_flags,
	    c->n_urgency_flags));
	put(o, "reasons", reasons_json(c->reasons, c->n_reasons));
	put_str(o, "group_key", c->group_key);
	put(o, "group_complaint_ids", strv_json(c->group_complaint_ids,
	    c->n_group_complaint_ids));
	put_str(o, "rules_version", c->rules_version);
	put_time(o, "classified_at", ev_at(ev));
	return o;
}

/*
 * A classification: the later one replaces the earlier. The status moves
 * to "classified" only from "received" or "reopened" (lifecycle.c), so
 * a re-assessment never pulls a complaint back from a later stage.
 */
static bool
apply_classified(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__Classified *c)
{
	char				 detail[VIEW_DETAIL_MAX];
	char				 cat[VIEW_NAME_MAX], sev[VIEW_NAME_MAX];
	json_t				*teams;

	if (c == NULL)
		return false;
	snprintf(detail, sizeof(detail), "%s/%s, %s",
	    enum_text(ENUM(category), c->category, cat, sizeof(cat)),
	    *c->subcategory != '\0' ? c->subcategory : "-",
	    enum_text(ENUM(severity), c->severity, sev, sizeof(sev)));
	history_add(view, ev, "classified", detail);
	put_enum(view, "category", ENUM(category), c->category);
	put_str(view, "subcategory", c->subcategory);
	put_enum(view, "severity", ENUM(severity), c->severity);
	teams = teams_json(c->teams, c->n_teams);
	put(view, "team", json_array_size(teams) > 0 ?
	    json_incref(json_array_get(teams, 0)) : json_null());
	put(view, "teams", teams);
	if (c->priority > 0)
		put(view, "priority", json_integer(c->priority));
	put(view, "classification", classification_json(ev, c));
	status_after(view, CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED);
	return true;
}

static bool
apply_out_of_scope(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__OutOfScope *o)
{
	json_t	*oos;

	if (o == NULL)
		return false;
	history_add(view, ev, "out_of_scope", o->reason_code);
	oos = jcheck(json_object());
	put_str(oos, "reason_code", o->reason_code);
	put_str(oos, "guidance", o->guidance_zh);
	put(oos, "reasons", reasons_json(o->reasons, o->n_reasons));
	put_time(oos, "at", ev_at(ev));
	put(view, "out_of_scope", oos);
	status_after(view, CDP__V1__COMPLAINT_EVENT__BODY_OUT_OF_SCOPE);
	return true;
}

/* Whether the action carries the detail want, its message present. */
static bool
has_detail(const Cdp__V1__ActionRecorded *a,
    Cdp__V1__ActionRecorded__DetailCase want)
{
	if (a->detail_case != want)
		return false;
	switch (want) {
	case CDP__V1__ACTION_RECORDED__DETAIL_RESOLUTION:
		return a->resolution != NULL;
	case CDP__V1__ACTION_RECORDED__DETAIL_MERCHANT_RESPONSE:
		return a->merchant_response != NULL;
	case CDP__V1__ACTION_RECORDED__DETAIL_EXECUTION:
		return a->execution != NULL;
	case CDP__V1__ACTION_RECORDED__DETAIL_RETURN_SHIPMENT:
		return a->return_shipment != NULL;
	case CDP__V1__ACTION_RECORDED__DETAIL_INSPECTION:
		return a->inspection != NULL;
	case CDP__V1__ACTION_RECORDED__DETAIL_SATISFACTION:
		return a->satisfaction != NULL;
	case CDP__V1__ACTION_RECORDED__DETAIL_ESCALATION:
		return a->escalation != NULL;
	case CDP__V1__ACTION_RECORDED__DETAIL_CLOSURE:
		return a->closure != NULL;
	default:
		return false;
	}
}

/* A proposal or a decision: the same Resolution, at a different stage. */
static json_t *
resolution_json(const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__ActionRecorded *a, const char *at_key)
{
	const Cdp__V1__Resolution	*r = a->resolution;
	json_t				*o = jcheck(json_object());

	put_enum(o, "outcome", ENUM(outcome), r->outcome);
	put_cny(o, "amount", r->amount_fen);
	put_str(o, "rule_cited", r->rule_cited);
	put_enum(o, "responsible_party", ENUM(party), r->responsible_party);
	put_enum(o, "shipping_cost_party", ENUM(party), r->shipping_cost_party);
	put_str(o, "return_address", r->return_address);
	put(o, "mediated", json_boolean(r->mediated));
	put(o, "by", actor_json(a->actor));
	put_time(o, at_key, ev_at(ev));
	return o;
}

static json_t *
merchant_response_json(const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__ActionRecorded *a)
{
	const Cdp__V1__MerchantResponse	*r = a->merchant_response;
	json_t				*o = jcheck(json_object());

	put_enum(o, "stance", ENUM(merchant_stance), r->stance);
	put_str(o, "return_address", r->return_address);
	put_str(o, "rule_cited", r->rule_cited);
	put_str(o, "explanation", a->comment);
	put_time(o, "at", ev_at(ev));
	return o;
}

static json_t *
execution_json(const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__ActionRecorded *a)
{
	json_t	*o = jcheck(json_object());

	put_enum(o, "outcome", ENUM(outcome), a->execution->outcome);
	put_cny(o, "amount", a->execution->amount_fen);
	put_str(o, "reference", a->execution->reference);
	put_time(o, "executed_at", ev_at(ev));
	return o;
}

static json_t *
return_json(const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__ActionRecorded *a)
{
	json_t	*o = jcheck(json_object());

	put_str(o, "carrier", a->return_shipment->carrier);
	put_str(o, "tracking_number", a->return_shipment->tracking_number);
	put_time(o, "shipped_at", ev_at(ev));
	return o;
}

/* A return inspection or a quality check; the note is the comment. */
static json_t *
inspection_json(const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__ActionRecorded *a)
{
	json_t	*o = jcheck(json_object());

	put_enum(o, "result", ENUM(inspection_result), a->inspection->result);
	put_str(o, "note", a->comment);
	put(o, "by", actor_json(a->actor));
	put_time(o, "at", ev_at(ev));
	return o;
}

static json_t *
satisfaction_json(const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__ActionRecorded *a)
{
	json_t	*o = jcheck(json_object());

	put_num(o, "rating", a->satisfaction->rating);
	put_str(o, "comment", a->comment);
	put_enum(o, "survey_channel", ENUM(notify_channel),
	    a->satisfaction->survey_channel);
	put_time(o, "rated_at", ev_at(ev));
	return o;
}

/* A closure; an ACTION_CLOSED without its detail is closed all the same. */
static json_t *
closure_json(const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__ActionRecorded *a)
{
	json_t	*o = jcheck(json_object());
	int	 reason = 0;

	if (has_detail(a, CDP__V1__ACTION_RECORDED__DETAIL_CLOSURE))
		reason = a->closure->reason;
	put_enum(o, "reason", ENUM(close_reason), reason);
	put(o, "by", actor_json(a->actor));
	put_time(o, "closed_at", ev_at(ev));
	return o;
}


/*
 * What an action adds to the document besides its history entry and its
 * resulting status. Actions without a structured detail add nothing here.
 */
static void
action_effect(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__ActionRecorded *a)
{
	switch (a->action) {
	case CDP__V1__ACTION__ACTION_RESOLUTION_PROPOSED:
		if (has_detail(a, CDP__V1__ACTION_RECORDED__DETAIL_RESOLUTION))
			put(view, "proposal", resolution_json(ev, a,
			    "proposed_at"));
		break;
	case CDP__V1__ACTION__ACTION_DECIDED:
		if (has_detail(a, CDP__V1__ACTION_RECORDED__DETAIL_RESOLUTION))
			put(view, "decision", resolution_json(ev, a,
			    "decided_at"));
		break;
	case CDP__V1__ACTION__ACTION_MERCHANT_RESPONSE_RECEIVED:
		if (has_detail(a,
		    CDP__V1__ACTION_RECORDED__DETAIL_MERCHANT_RESPONSE))
			put(view, "merchant_response",
			    merchant_response_json(ev, a));
		break;
	case CDP__V1__ACTION__ACTION_EXECUTION_DONE:
		if (has_detail(a, CDP__V1__ACTION_RECORDED__DETAIL_EXECUTION))
			put(view, "execution", execution_json(ev, a));
		break;
	case CDP__V1__ACTION__ACTION_RETURN_SHIPPED:
		if (has_detail(a,
		    CDP__V1__ACTION_RECORDED__DETAIL_RETURN_SHIPMENT))
			put(view, "return_shipment", return_json(ev, a));
		break;
	case CDP__V1__ACTION__ACTION_INSPECTED:
		if (has_detail(a, CDP__V1__ACTION_RECORDED__DETAIL_INSPECTION))
			put(view, "inspection", inspection_json(ev, a));
		break;
	case CDP__V1__ACTION__ACTION_QC_RESULT:
		if (has_detail(a, CDP__V1__ACTION_RECORDED__DETAIL_INSPECTION))
			put(view, "qc_result", inspection_json(ev, a));
		break;
	case CDP__V1__ACTION__ACTION_SATISFACTION_RATED:
		if (has_detail(a,
		    CDP__V1__ACTION_RECORDED__DETAIL_SATISFACTION))
			put(view, "satisfaction", satisfaction_json(ev, a));
		break;
	case CDP__V1__ACTION__ACTION_ESCALATED:
		if (has_detail(a, CDP__V1__ACTION_RECORDED__DETAIL_ESCALATION))
			escalation_apply(view, ev, a->escalation);
		break;
	case CDP__V1__ACTION__ACTION_CLOSED:
		put(view, "closure", closure_json(ev, a));
		break;
	case CDP__V1__ACTION__ACTION_REOPENED:
		put(view, "closure", json_null());
		break;
	default:
		break;
	}
}

/* "refund_with_return 899.00 CNY", or only the outcome without money. */
static void
outcome_text(int outcome, int64_t fen, char *buf, size_t size)
{
	char	name[VIEW_NAME_MAX], money[48] = "";

	if (fen != 0)
		cny_text(fen, money, sizeof(money));
	snprintf(buf, size, "%s%s%s", enum_text(ENUM(outcome), outcome, name,
	    sizeof(name)), fen != 0 ? " " : "", money);
}

/*
 * The short detail of an action's history entry: its structured detail,
 * or the status it leads to.
 */
static void
action_summary(const Cdp__V1__ActionRecorded *a, char *buf, size_t size)
{
	char	name[VIEW_NAME_MAX];

	buf[0] = '\0';
	if (has_detail(a, CDP__V1__ACTION_RECORDED__DETAIL_RESOLUTION))
		outcome_text(a->resolution->outcome, a->resolution->amount_fen,
		    buf, size);
	else if (has_detail(a, CDP__V1__ACTION_RECORDED__DETAIL_EXECUTION))
		outcome_text(a->execution->outcome, a->execution->amount_fen,
		    buf, size);
	else if (has_detail(a, CDP__V1__ACTION_RECORDED__DETAIL_SATISFACTION))
		snprintf(buf, size, "rating %" PRIu32,
		    a->satisfaction->rating);
	else if (a->resulting_status != 0)
		snprintf(buf, size, "status %s", enum_text(
		    ENUM(complaint_status), a->resulting_status, name,
		    sizeof(name)));
}

/*
 * An action on the complaint: a history entry with who did it and what
 * they said, the status it leads to, and its structured detail. A resulting
 * status this build does not know leaves the status alone.
 */
static bool
apply_action(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__ActionRecorded *a)
{
	char	 name[VIEW_NAME_MAX], event[VIEW_NAME_MAX + 8];
	char	 detail[VIEW_DETAIL_MAX];
	json_t	*e;

	if (a == NULL)
		return false;
	snprintf(event, sizeof(event), "action.%s", enum_text(ENUM(action),
	    a->action, name, sizeof(name)));
	action_summary(a, detail, sizeof(detail));
	e = history_add(view, ev, event, detail);
	put(e, "actor", actor_json(a->actor));
	put_str(e, "comment", a->comment);
	put(e, "evidence", strv_json(a->evidence_urls, a->n_evidence_urls));
	if (a->resulting_status != 0 && protobuf_c_enum_descriptor_get_value(
	    ENUM(complaint_status), a->resulting_status) != NULL)
		put_status(view, a->resulting_status);
	action_effect(view, ev, a);
	return true;
}

/* Notifications are only history: who was told, how, with what. */
static bool
apply_notification(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__Notification *n, bool failed)
{
	char	detail[VIEW_DETAIL_MAX], kind[VIEW_NAME_MAX], ch[VIEW_NAME_MAX];

	if (n == NULL)
		return false;
	snprintf(detail, sizeof(detail), "%s %s %s #%" PRIu32 "%s%s",
	    enum_text(ENUM(recipient_kind), n->recipient_kind, kind,
	    sizeof(kind)), enum_text(ENUM(notify_channel), n->channel, ch,
	    sizeof(ch)), *n->template_name != '\0' ? n->template_name : "-",
	    n->attempt, failed ? ": " : "", failed ? n->error : "");
	history_add(view, ev, failed ? "notification_failed" :
	    "notification_sent", detail);
	return true;
}

static bool
apply_audit(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__SampledForAudit *s)
{
	json_t	*o;

	if (s == NULL)
		return false;
	history_add(view, ev, "sampled_for_audit", s->reason);
	o = jcheck(json_object());
	put(o, "sampled", json_true());
	put_str(o, "reason", s->reason);
	put_enum(o, "team", ENUM(team), s->team);
	put_time(o, "at", ev_at(ev));
	put(view, "audit", o);
	return true;
}

/*
 * The one dispatch on the event's body. Returns false for a body this
 * build does not know (or an empty one): nothing is applied.
 */
static bool
view_dispatch(json_t *view, const Cdp__V1__ComplaintEvent *ev)
{
	switch (ev->body_case) {
	case CDP__V1__COMPLAINT_EVENT__BODY_FILED:
		return apply_filed(view, ev, ev->filed);
	case CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED:
		return apply_classified(view, ev, ev->classified);
	case CDP__V1__COMPLAINT_EVENT__BODY_OUT_OF_SCOPE:
		return apply_out_of_scope(view, ev, ev->out_of_scope);
	case CDP__V1__COMPLAINT_EVENT__BODY_PROACTIVE_OPENED:
		return apply_proactive(view, ev, ev->proactive_opened);
	case CDP__V1__COMPLAINT_EVENT__BODY_ACTION_RECORDED:
		return apply_action(view, ev, ev->action_recorded);
	case CDP__V1__COMPLAINT_EVENT__BODY_SLA_CLOCK_STARTED:
		return apply_clock(view, ev, ev->sla_clock_started,
		    CLOCK_STARTED);
	case CDP__V1__COMPLAINT_EVENT__BODY_SLA_CLOCK_PAUSED:
		return apply_clock(view, ev, ev->sla_clock_paused,
		    CLOCK_PAUSED);
	case CDP__V1__COMPLAINT_EVENT__BODY_SLA_CLOCK_RESUMED:
		return apply_clock(view, ev, ev->sla_clock_resumed,
		    CLOCK_RESUMED);
	case CDP__V1__COMPLAINT_EVENT__BODY_SLA_CLOCK_STOPPED:
		return apply_clock(view, ev, ev->sla_clock_stopped,
		    CLOCK_STOPPED);
	case CDP__V1__COMPLAINT_EVENT__BODY_SLA_WARNING:
		return apply_warning(view, ev, ev->sla_warning);
	case CDP__V1__COMPLAINT_EVENT__BODY_SLA_BREACHED:
		return apply_breached(view, ev, ev->sla_breached);
	case CDP__V1__COMPLAINT_EVENT__BODY_COMPENSATION_ISSUED:
		return apply_compensation(view, ev, ev->compensation_issued);
	case CDP__V1__COMPLAINT_EVENT__BODY_ESCALATED:
		return apply_escalated(view, ev, ev->escalated);
	case CDP__V1__COMPLAINT_EVENT__BODY_NOTIFICATION_SENT:
		return apply_notification(view, ev, ev->notification_sent,
		    false);
	case CDP__V1__COMPLAINT_EVENT__BODY_NOTIFICATION_FAILED:
		return apply_notification(view, ev, ev->notification_failed,
		    true);
	case CDP__V1__COMPLAINT_EVENT__BODY_SAMPLED_FOR_AUDIT:
		return apply_audit(view, ev, ev->sampled_for_audit);
	default:
		return false;
	}
}

/*
 * Applies one event of the complaint at its Kafka offset. One complaint's
 * events share a partition, so offsets grow: an event at or before the
 * last applied offset, or one whose id is already in the history, is a
 * replay and changes nothing. A body this build does not know advances the
 * offset and adds nothing; the caller counts it.
 */
enum view_apply_result
view_apply(json_t *view, const Cdp__V1__ComplaintEvent *ev, int64_t offset)
{
	if (offset <= view_offset(view) || history_has(view, ev_id(ev)))
		return VIEW_DUPLICATE;
	put(view, "_offset", json_integer(offset));
	if (view_dispatch(view, ev) && ev_at(ev) > 0)
		put_time(view, "updated_at", ev_at(ev));
	closed_at_track(view, ev);
	return VIEW_APPLIED;
}

/* The status, UNSPECIFIED before the filing or for an unknown name. */
Cdp__V1__ComplaintStatus
view_status(const json_t *view)
{
	const char	*s = str_member(view, "status");
	int		 v;

	if (s == NULL || vocab_value(ENUM(complaint_status), s, &v) == -1)
		return STATUS(UNSPECIFIED);
	return (Cdp__V1__ComplaintStatus)v;
}

/*
 * The respondent merchant's id, or NULL when there is none. It also reads
 * a summary record (view_summary_record()), which holds it at the top.
 */
const char *
view_merchant_id(const json_t *view)
{
	const char	*m = str_member(json_object_get(view, "merchant"),
			    "merchant_id");

	return m != NULL ? m : str_member(view, "merchant_id");
}

/* The id of the API key that filed the complaint, or NULL (proactive). */
const char *
view_filed_by_key(const json_t *view)
{
	return str_member(view, "_filed_by_key");
}

/* The severity's name ("urgent", ...), or NULL until classified. */
const char *
view_severity(const json_t *view)
{
	return str_member(view, "severity");
}

/* When the complaint was filed, in ms since the epoch; 0 if not yet. */
int64_t
view_filed_at_ms(const json_t *view)
{
	return json_integer_value(json_object_get(view, "_filed_at_ms"));
}
