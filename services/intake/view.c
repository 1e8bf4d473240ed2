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
 * rendered. docs/read-model.md describes the document.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake.h"
#include "log.h"
#include "mask.h"
#include "timefmt.h"
#include "vocab.h"
#include "xmalloc.h"

/* The newest history entries kept; older ones are dropped and counted. */
#define VIEW_HISTORY_MAX	500

#define VIEW_NAME_MAX		64	/* an enum value's API name */
#define VIEW_DETAIL_MAX		256	/* a history entry's detail */
#define VIEW_ENTRY_OVERHEAD	512	/* an action's entry besides its text */

/*
 * Significant digits of rendered numbers: every amount in CNY to the fen,
 * and 8.99 is not shown as 8.9900000000000002.
 */
#define VIEW_RENDER_FLAGS \
	(JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* The generated descriptor of an enum of enums.proto. */
#define ENUM(name)	(&cdp__v1__##name##__descriptor)

/* A complaint status by its short name: STATUS(RECEIVED). */
#define STATUS(name)	CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_##name

enum clock_change {
	CLOCK_STARTED,
	CLOCK_PAUSED,
	CLOCK_RESUMED,
	CLOCK_STOPPED,
};

static const char *clock_events[] = {
	"sla_clock_started", "sla_clock_paused", "sla_clock_resumed",
	"sla_clock_stopped",
};

static const char *clock_states[] = {
	"running", "paused", "running", "stopped",
};

enum mask_kind {
	MASK_PHONE,
	MASK_EMAIL,
};

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

static void	copy_member(json_t *, const json_t *, const char *);
static void	count_add(json_t *, const char *, json_int_t);
static bool	is_note(const json_t *);
static void	closed_at_track(json_t *, const Cdp__V1__ComplaintEvent *);

/* A jansson allocation failure is fatal, like malloc's (xmalloc.h). */
static json_t *
jcheck(json_t *value)
{
	if (value == NULL)
		fatalx("view: out of memory");
	return value;
}

static void
put(json_t *obj, const char *key, json_t *value)
{
	if (value == NULL || json_object_set_new(obj, key, value) == -1)
		fatalx("view: cannot set \"%s\": out of memory", key);
}

static void
append(json_t *arr, json_t *value)
{
	if (value == NULL || json_array_append_new(arr, value) == -1)
		fatalx("view: cannot append: out of memory");
}

/*
 * A string from an event as JSON: null when empty. Event strings come from
 * other services; bytes that are not UTF-8 become '?' rather than failing
 * the whole event, since jansson refuses such strings.
 */
static json_t *
jstr(const char *s)
{
	json_t	*j;
	char	*copy;
	size_t	 i;

	if (s == NULL || *s == '\0')
		return jcheck(json_null());
	if ((j = json_string(s)) != NULL)
		return j;
	copy = xstrdup(s);
	for (i = 0; copy[i] != '\0'; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	j = jcheck(json_string(copy));
	free(copy);
	return j;
}

static void
put_str(json_t *obj, const char *key, const char *s)
{
	put(obj, key, jstr(s));
}

static void
put_time(json_t *obj, const char *key, int64_t ms)
{
	char	buf[TIMEFMT_MAX];

	if (ms <= 0) {
		put(obj, key, json_null());
		return;
	}
	timefmt_rfc3339(ms, buf, sizeof(buf));
	put(obj, key, json_string(buf));
}

/* Money in fen as CNY; 0 means "none" in the contract, shown as null. */
static void
put_cny(json_t *obj, const char *key, int64_t fen)
{
	put(obj, key, fen == 0 ? json_null() : json_real((double)fen / 100.0));
}

/* A count or duration where 0 means "not set"; shown as null. */
static void
put_num(json_t *obj, const char *key, int64_t n)
{
	put(obj, key, n == 0 ? json_null() : json_integer(n));
}

static json_t *
enum_json(const ProtobufCEnumDescriptor *d, int value)
{
	char	name[VIEW_NAME_MAX];

	if (!vocab_name(d, value, name, sizeof(name)))
		return jcheck(json_null());
	return jcheck(json_string(name));
}

static void
put_enum(json_t *obj, const char *key, const ProtobufCEnumDescriptor *d,
    int value)
{
	put(obj, key, enum_json(d, value));
}

/* The enum's API name for a history detail; "unknown" when it has none. */
static const char *
enum_text(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t size)
{
	if (!vocab_name(d, value, buf, size))
		snprintf(buf, size, "unknown");
	return buf;
}

/* The object member key, replacing whatever else is there by an object. */
static json_t *
member(json_t *obj, const char *key, json_type type)
{
	json_t	*m = json_object_get(obj, key);

	if (m == NULL || json_typeof(m) != type) {
		m = jcheck(type == JSON_ARRAY ? json_array() : json_object());
		put(obj, key, m);
	}
	return m;
}

static const char *
str_member(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Whether two strings are set (not empty) and equal. */
static bool
same_str(const char *a, const char *b)
{
	return a != NULL && b != NULL && *a != '\0' && strcmp(a, b) == 0;
}

static json_t *
strv_json(char **v, size_t n)
{
	json_t	*arr = jcheck(json_array());
	size_t	 i;

	for (i = 0; i < n; i++)
		if (v[i] != NULL && *v[i] != '\0')
			append(arr, jstr(v[i]));
	return arr;
}

/* Who did something; the API key id is never shown. */
static json_t *
actor_json(const Cdp__V1__Actor *a)
{
	json_t	*o;

	if (a == NULL)
		return jcheck(json_null());
	o = jcheck(json_object());
	put_enum(o, "role", ENUM(actor_role), a->role);
	put_str(o, "id", a->actor_id);
	return o;
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

static void
cny_text(int64_t fen, char *buf, size_t size)
{
	uint64_t	u = fen < 0 ? -(uint64_t)fen : (uint64_t)fen;

	snprintf(buf, size, "%s%" PRIu64 ".%02" PRIu64 " CNY", fen < 0 ? "-" :
	    "", u / 100, u % 100);
}

static int64_t
ev_at(const Cdp__V1__ComplaintEvent *ev)
{
	return ev->meta != NULL ? ev->meta->occurred_at_ms : 0;
}

static const char *
ev_id(const Cdp__V1__ComplaintEvent *ev)
{
	return ev->meta != NULL ? ev->meta->event_id : NULL;
}

static void
put_status(json_t *view, Cdp__V1__ComplaintStatus status)
{
	put_enum(view, "status", ENUM(complaint_status), status);
}

/*
 * Appends an entry to the history and returns it for the caller to add to.
 * Only the newest VIEW_HISTORY_MAX entries are kept, so that a long retry
 * loop cannot grow a document without bound; the number dropped is shown as
 * history_truncated.
 */
static json_t *
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
	if (view_status(view) == STATUS(UNSPECIFIED))
		put_status(view, STATUS(RECEIVED));
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
 * to "classified" only from "received" or "reopened" (docs/events.md), so
 * a re-assessment never pulls a complaint back from a later stage.
 */
static bool
apply_classified(json_t *view, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__Classified *c)
{
	char				 detail[VIEW_DETAIL_MAX];
	char				 cat[VIEW_NAME_MAX], sev[VIEW_NAME_MAX];
	json_t				*teams;
	Cdp__V1__ComplaintStatus	 status;

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
	status = view_status(view);
	if (status == STATUS(UNSPECIFIED) || status == STATUS(RECEIVED) ||
	    status == STATUS(REOPENED))
		put_status(view, STATUS(CLASSIFIED));
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
	put_status(view, STATUS(OUT_OF_SCOPE));
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
 * An escalation, automatic (Escalated) or by a person (ACTION_ESCALATED).
 * Levels only go up: a later, lower escalation stays in the history but
 * does not replace the level shown.
 */
static void
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

static bool
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

static bool
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

static bool
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
static bool
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

static bool
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

/* Adds n to an integer member (history_truncated, notes_truncated). */
static void
count_add(json_t *view, const char *key, json_int_t n)
{
	put(view, key, json_integer(json_integer_value(json_object_get(view,
	    key)) + n));
}

static bool
is_note(const json_t *entry)
{
	return same_str(str_member(entry, "event"), "action.note");
}

/* How many notes the complaint has had, kept or dropped. */
size_t
view_notes(const json_t *view)
{
	const json_t	*e;
	size_t		 i, n = 0;

	json_array_foreach(json_object_get(view, "history"), i, e)
		if (is_note(e))
			n++;
	return n + (size_t)json_integer_value(json_object_get(view,
	    "notes_truncated"));
}

/* The size of a value as the read model stores it. */
static size_t
stored_size(const json_t *v)
{
	return json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

/* Drops the oldest notes beyond notes_max, counting them. */
static void
bound_notes(json_t *view, size_t notes_max)
{
	json_t	*history = json_object_get(view, "history");
	size_t	 kept = 0, i;

	for (i = json_array_size(history); i > 0; i--) {
		if (!is_note(json_array_get(history, i - 1)))
			continue;
		if (++kept <= notes_max)
			continue;
		json_array_remove(history, i - 1);
		count_add(view, "notes_truncated", 1);
		count_add(view, "history_truncated", 1);
	}
}

/* The bytes of an action's free text: its comment and evidence URLs. */
static size_t
action_text_size(const Cdp__V1__ActionRecorded *rec)
{
	size_t	n = rec->comment != NULL ? strlen(rec->comment) : 0, i;

	for (i = 0; i < rec->n_evidence_urls; i++)
		n += strlen(rec->evidence_urls[i]);
	return n;
}

/*
 * Whether intake's API may record an action on this complaint: a note
 * beyond the notes limit is 422, free text that would take the view past
 * the bytes limit is 413, with the field and the reason in err. Actions
 * without free text always pass, so a full complaint can still be closed.
 */
int
view_admit(const json_t *view, const Cdp__V1__ActionRecorded *rec,
    const struct view_limits *lim, struct api_error *err)
{
	size_t	text = action_text_size(rec), size;

	if (rec->action == CDP__V1__ACTION__ACTION_NOTE && lim->notes_max > 0 &&
	    view_notes(view) >= lim->notes_max) {
		*err = (struct api_error){ .status = 422,
		    .error = "too_many_notes", .field = "action" };
		snprintf(err->reason, sizeof(err->reason), "a complaint holds "
		    "at most %zu notes, and this one has them all",
		    lim->notes_max);
		return -1;
	}
	if (text == 0 || lim->bytes_max == 0 || (size = stored_size(view)) +
	    text + VIEW_ENTRY_OVERHEAD <= lim->bytes_max)
		return 0;
	*err = (struct api_error){ .status = 413,
	    .error = "complaint_too_large" };
	snprintf(err->field, sizeof(err->field), "%s", rec->comment != NULL &&
	    *rec->comment != '\0' ? "comment" : "evidence");
	snprintf(err->reason, sizeof(err->reason), "the complaint's record "
	    "holds %zu of at most %zu bytes; %zu more bytes of text do not "
	    "fit", size, lim->bytes_max, text);
	return -1;
}

/*
 * Keeps a view within the limits, whatever the log brings (intake's API
 * refuses actions beyond them, but other producers write to the topic
 * too): the oldest notes beyond notes_max go first, then the oldest
 * history entries while the document is larger than bytes_max. What is
 * dropped is counted, and the full record stays on the topic.
 */
void
view_bound(json_t *view, const struct view_limits *lim)
{
	json_t	*history = json_object_get(view, "history"), *e;
	size_t	 size;

	if (lim->notes_max > 0)
		bound_notes(view, lim->notes_max);
	if (lim->bytes_max == 0 || (size = stored_size(view)) <=
	    lim->bytes_max)
		return;
	while (size > lim->bytes_max && json_array_size(history) > 0) {
		e = json_array_get(history, 0);
		size -= stored_size(e) + 1;	/* the comma */
		if (is_note(e))
			count_add(view, "notes_truncated", 1);
		count_add(view, "history_truncated", 1);
		json_array_remove(history, 0);
	}
}

/*
 * Whether the complaint is in a final status: closed, or out of scope
 * (which is answered and closed at once). Final complaints leave Redis
 * after the retention (retention.c); a reopen makes it open again.
 */
bool
view_final(const json_t *view)
{
	Cdp__V1__ComplaintStatus	st = view_status(view);

	return st == STATUS(CLOSED) || st == STATUS(OUT_OF_SCOPE);
}

/*
 * _closed_at_ms: when the complaint last became final (the event's time),
 * 0 while it is open, so the retention counts from the close and a reopen
 * forgets it.
 */
static void
closed_at_track(json_t *view, const Cdp__V1__ComplaintEvent *ev)
{
	if (!view_final(view))
		put(view, "_closed_at_ms", json_integer(0));
	else if (view_closed_at_ms(view) == 0)
		put(view, "_closed_at_ms", json_integer(ev_at(ev)));
}

/* When the complaint became final, in ms since the epoch; 0 if open. */
int64_t
view_closed_at_ms(const json_t *view)
{
	return json_integer_value(json_object_get(view, "_closed_at_ms"));
}

/*
 * The small record that stays once a final complaint's view has left
 * Redis: enough to tell who may know it existed (view_visible() works on
 * it), where its index entries were, and when it was closed. A new
 * reference the caller releases.
 */
json_t *
view_tombstone(const json_t *view)
{
	json_t	*t = jcheck(json_object()), *m = jcheck(json_object());

	copy_member(t, view, "complaint_id");
	copy_member(t, view, "status");
	copy_member(t, view, "severity");
	put_time(t, "closed_at", view_closed_at_ms(view));
	put_str(m, "merchant_id", view_merchant_id(view));
	put(t, "merchant", m);
	copy_member(t, view, "_filed_by_key");
	copy_member(t, view, "_filed_at_ms");
	return t;
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

/*
 * Who may see a complaint: agents and admins all of them, a merchant only
 * those against it, a channel only those it filed. A complaint not yet
 * filed (no merchant, no filer) is visible to staff only.
 */
bool
view_visible(const json_t *view, const struct api_key *key)
{
	if (key == NULL)
		return false;
	switch (key->role) {
	case KEY_ROLE_AGENT:
	case KEY_ROLE_ADMIN:
		return true;
	case KEY_ROLE_MERCHANT:
		return same_str(view_merchant_id(view), key->merchant_id);
	case KEY_ROLE_CHANNEL:
		return same_str(view_filed_by_key(view), key->name);
	default:
		return false;
	}
}

/* A text with its phone numbers and e-mails masked, as JSON (mask.c). */
static json_t *
masked_text(const char *s)
{
	size_t	 size = mask_text(s, NULL, 0) + 1;
	char	*out = xmalloc(size);
	json_t	*j;

	mask_text(s, out, size);
	j = jstr(out);
	free(out);
	return j;
}

/* Replaces a phone or e-mail member by its masked form (mask.c). */
static void
mask_member(json_t *obj, const char *key, enum mask_kind kind)
{
	const char	*s = str_member(obj, key);
	char		*out;
	size_t		 size;

	if (s == NULL)
		return;
	size = kind == MASK_PHONE ? strlen(s) + 1 : strlen(s) + 4;
	out = xmalloc(size);	/* "a@b" becomes "a***@b" */
	if (kind == MASK_PHONE)
		mask_phone(s, out, size);
	else
		mask_email(s, out, size);
	put(obj, key, jstr(out));
	free(out);
}

/*
 * Members that hold identifiers, not text a person wrote: a merchant needs
 * them verbatim to find the order, the parcel or the payment, and an id
 * that happens to have a phone's shape must not become unusable.
 */
static bool
is_id_member(const char *key)
{
	static const char	*ids[] = {
		"complaint_id", "order_id", "sku", "merchant_id", "shop_id",
		"user_id", "event_id", "coupon_id", "tracking_number",
		"reference", "group_key", "group_complaint_ids", "rule_id",
	};
	size_t			 i;

	for (i = 0; i < nitems(ids); i++)
		if (strcmp(key, ids[i]) == 0)
			return true;
	return false;
}

/*
 * Masks phone numbers and e-mails in every string of v, however deep,
 * except identifiers: free text can sit anywhere in the document (notes,
 * reasons, comments, apologies, matched words), and new members must not
 * slip through unmasked.
 */
static void
mask_tree(json_t *v)
{
	const char	*k;
	json_t		*m;
	size_t		 i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, m) {
			if (json_is_string(m) && !is_id_member(k))
				put(v, k, masked_text(json_string_value(m)));
			else if (!is_id_member(k))
				mask_tree(m);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m) {
			if (!json_is_string(m))
				mask_tree(m);
			else if (json_array_set_new(v, i, masked_text(
			    json_string_value(m))) == -1)
				fatalx("view: cannot mask: out of memory");
		}
	}
}

/* A name as a merchant sees it: the first character and '*' ("张*"). */
static void
shorten_name(json_t *obj, const char *key)
{
	const char	*s = str_member(obj, key);
	unsigned char	 c;
	char		 out[8];
	size_t		 n;

	if (s == NULL || *s == '\0')
		return;
	c = (unsigned char)s[0];
	n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
	    (c & 0xf8) == 0xf0 ? 4 : 1;
	if (strnlen(s, n) < n)
		n = 1;
	memcpy(out, s, n);
	out[n] = '*';
	out[n + 1] = '\0';
	put(obj, key, jstr(out));
}

/*
 * What a merchant may see of the customer (domain.md section 8, and the
 * PII rule of docs/events.md): phone and e-mail masked, the name shortened,
 * the delivery address, the channel's reference and the carrier's note
 * withheld (null), and phone numbers and e-mails inside every free-text
 * member masked.
 */
static void
render_for_merchant(json_t *doc)
{
	json_t	*c = json_object_get(doc, "complainant");
	json_t	*order = json_object_get(doc, "order");
	json_t	*facts = json_object_get(json_object_get(doc, "proactive"),
		    "facts");

	if (json_is_object(c)) {
		mask_member(c, "phone", MASK_PHONE);
		mask_member(c, "email", MASK_EMAIL);
		shorten_name(c, "name");
	}
	if (json_is_object(order))
		put(order, "delivery_address", json_null());
	if (json_is_object(facts))
		put(facts, "note", json_null());
	put(doc, "channel_ref", json_null());
	mask_tree(doc);
}

/*
 * The document as JSON text for one reader, without the '_' members; the
 * caller frees it. The caller checks view_visible() first. Key order is
 * the document's, text stays UTF-8.
 */
char *
view_render(const json_t *view, const struct api_key *key)
{
	json_t		*doc = jcheck(json_deep_copy(view)), *v;
	const char	*k;
	void		*tmp;
	char		*s;

	json_object_foreach_safe(doc, tmp, k, v) {
		if (k[0] == '_')
			json_object_del(doc, k);
	}
	if (key == NULL || key->role == KEY_ROLE_MERCHANT)
		render_for_merchant(doc);
	if ((s = json_dumps(doc, VIEW_RENDER_FLAGS)) == NULL)
		fatalx("view_render: out of memory");
	json_decref(doc);
	return s;
}

static void
copy_member(json_t *dst, const json_t *src, const char *key)
{
	const json_t	*v = json_object_get(src, key);

	put(dst, key, v != NULL ? json_deep_copy(v) : json_null());
}

/* Whether any run of any clock was breached. */
static bool
view_breached(const json_t *view)
{
	const json_t	*clocks = json_object_get(view, "sla_clocks");
	size_t		 i;

	for (i = 0; i < json_array_size(clocks); i++)
		if (json_is_true(json_object_get(json_array_get(clocks, i),
		    "breached")))
			return true;
	return false;
}

/*
 * A complaint's line on a list page; a new reference the caller releases.
 * It holds no personal data, so it is the same for every reader.
 */
json_t *
view_summary(const json_t *view, const struct api_key *key)
{
	json_t	*s = jcheck(json_object());

	copy_member(s, view, "complaint_id");
	copy_member(s, view, "status");
	copy_member(s, view, "category");
	copy_member(s, view, "severity");
	put_str(s, "merchant_id", view_merchant_id(view));
	copy_member(s, view, "channel");
	copy_member(s, view, "filed_at");
	copy_member(s, view, "first_contact_due");
	put(s, "breached", json_boolean(view_breached(view)));
	return s;
}

/*
 * The record readmodel.c keeps beside the view (rm:s:<id>) so that a list
 * page reads a few hundred bytes per complaint, not whole views: the
 * summary line, and the filing key that view_visible() needs. A new
 * reference the caller releases.
 */
json_t *
view_summary_record(const json_t *view)
{
	json_t	*r = view_summary(view, NULL);

	copy_member(r, view, "_filed_by_key");
	return r;
}

/* A summary record as a list page shows it: without its '_' members. */
json_t *
view_summary_item(const json_t *record)
{
	json_t		*item = jcheck(json_deep_copy(record)), *v;
	const char	*k;
	void		*tmp;

	json_object_foreach_safe(item, tmp, k, v) {
		if (k[0] == '_')
			json_object_del(item, k);
	}
	return item;
}
