/*
 * action_json: POST /v1/complaints/{id}/actions bodies, checked into an
 * ActionRecorded message, and the API names of actions.
 *
 * Pure: no I/O. Whether the caller may take the action in the complaint's
 * status is lifecycle.c's question; this file checks only the body.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "intake.h"
#include "vocab.h"

#define A(x)			CDP__V1__ACTION__ACTION_##x
#define OUTCOME(x)		CDP__V1__OUTCOME__OUTCOME_##x
#define DETAIL(x)		CDP__V1__ACTION_RECORDED__DETAIL_##x

#define SHORT_TEXT_MAX		500	/* rule cited, address, reason */
#define REFERENCE_MAX		128
#define CARRIER_MAX		64
#define TRACKING_MIN		4
#define TRACKING_MAX		40

/* What an action needs besides its detail. */
#define NEED_COMMENT		0x1	/* a non-empty comment */
#define NEED_CONTENT		0x2	/* a comment or evidence */

typedef int (*detail_fn)(struct action_req *, struct api_error *);

static int	detail_merchant_response(struct action_req *,
		    struct api_error *);
static int	detail_proposal(struct action_req *, struct api_error *);
static int	detail_decision(struct action_req *, struct api_error *);
static int	detail_execution(struct action_req *, struct api_error *);
static int	detail_return_shipment(struct action_req *,
		    struct api_error *);
static int	detail_inspection(struct action_req *, struct api_error *);
static int	detail_satisfaction(struct action_req *, struct api_error *);
static int	detail_escalation(struct action_req *, struct api_error *);
static int	detail_closure(struct action_req *, struct api_error *);

#define RESOLUTION_FIELDS	{ "outcome", "amount", "rule_cited",	\
	"responsible_party", "shipping_cost_party", "return_address",	\
	"mediated", NULL }

/*
 * Every action of the API, indexed by its enum value: its name, the detail
 * members it accepts (besides action, comment and evidence), the function
 * that checks them and what else it needs.
 */
static const struct action_def {
	const char	*name;
	const char	*fields[8];
	detail_fn	 detail;
	int		 flags;
} actions[] = {
	[A(FIRST_CONTACT)] = { "first_contact", { NULL }, NULL, 0 },
	[A(MERCHANT_RESPONSE_REQUESTED)] = { "request_merchant_response",
	    { NULL }, NULL, 0 },
	[A(MERCHANT_RESPONSE_RECEIVED)] = { "merchant_response",
	    { "stance", "return_address", "rule_cited", NULL },
	    detail_merchant_response, 0 },
	[A(CUSTOMER_INFO_REQUESTED)] = { "request_customer_info", { NULL },
	    NULL, NEED_COMMENT },
	[A(CUSTOMER_INFO_PROVIDED)] = { "customer_info", { NULL }, NULL,
	    NEED_CONTENT },
	[A(INVESTIGATION_STARTED)] = { "start_investigation", { NULL }, NULL,
	    0 },
	[A(INVESTIGATION_RECORDED)] = { "record_investigation", { NULL },
	    NULL, NEED_CONTENT },
	[A(RESOLUTION_PROPOSED)] = { "propose_resolution", RESOLUTION_FIELDS,
	    detail_proposal, 0 },
	[A(DECIDED)] = { "decide", RESOLUTION_FIELDS, detail_decision, 0 },
	[A(EXECUTION_DONE)] = { "execute",
	    { "outcome", "amount", "reference", NULL }, detail_execution, 0 },
	[A(RETURN_SHIPPED)] = { "return_shipped",
	    { "carrier", "tracking_number", NULL }, detail_return_shipment,
	    0 },
	[A(RETURN_RECEIVED)] = { "return_received", { NULL }, NULL, 0 },
	[A(INSPECTED)] = { "inspection_result", { "result", NULL },
	    detail_inspection, 0 },
	[A(RESOLUTION_CONFIRMED)] = { "confirm_resolved", { NULL }, NULL, 0 },
	[A(REOPENED)] = { "reopen", { NULL }, NULL, NEED_COMMENT },
	[A(SATISFACTION_RATED)] = { "rate", { "rating", "survey_channel",
	    NULL }, detail_satisfaction, 0 },
	[A(ESCALATED)] = { "escalate", { "level", "reason", NULL },
	    detail_escalation, 0 },
	[A(CLOSED)] = { "close", { "reason", NULL }, detail_closure, 0 },
	[A(RESOLUTION_ACCEPTED)] = { "accept_resolution", { NULL }, NULL, 0 },
	[A(RESOLUTION_REJECTED)] = { "reject_resolution", { NULL }, NULL, 0 },
	[A(QC_REQUESTED)] = { "request_qc", { NULL }, NULL, 0 },
	[A(QC_RESULT)] = { "qc_result", { "result", NULL }, detail_inspection,
	    0 },
	[A(NOTE)] = { "note", { NULL }, NULL, NEED_COMMENT },
};

/* The survey channels a rating may name: webhooks reach merchants only. */
#define SURVEYS_REFUSED \
	(UINT64_C(1) << CDP__V1__NOTIFY_CHANNEL__NOTIFY_CHANNEL_WEBHOOK)

/* Whether an outcome moves money, and so takes an amount. */
enum amount_rule {
	AMOUNT_NONE,
	AMOUNT_OPTIONAL,	/* a full refund: the line amount by default */
	AMOUNT_REQUIRED,
};

static const enum amount_rule outcome_amount[] = {
	[OUTCOME(REFUND_WITH_RETURN)] = AMOUNT_OPTIONAL,
	[OUTCOME(REFUND_WITHOUT_RETURN)] = AMOUNT_OPTIONAL,
	[OUTCOME(PARTIAL_REFUND)] = AMOUNT_REQUIRED,
	[OUTCOME(COMPENSATION)] = AMOUNT_REQUIRED,
};

/*
 * The API name of an action: "unspecified" for 0 and "unknown" for a
 * value added to the contract after this file, never NULL.
 */
const char *
action_json_name(Cdp__V1__Action action)
{
	if (action == A(UNSPECIFIED))
		return "unspecified";
	if ((size_t)action >= nitems(actions) || actions[action].name == NULL)
		return "unknown";
	return actions[action].name;
}

static int
invalid(struct api_error *err, const char *field, const char *reason)
{
	return complaint_json_error(err, "invalid_field", field, "%s",
	    reason);
}

static int
missing(struct api_error *err, const char *field, const char *reason)
{
	return complaint_json_error(err, "missing_field", field, "%s",
	    reason);
}

/*
 * Reads the enum member key of the body into *out; an absent member is an
 * error if required and leaves *out alone otherwise.
 */
static int
get_enum(struct action_req *req, const char *key,
    const ProtobufCEnumDescriptor *d, uint64_t refused, bool required,
    int *out, struct api_error *err)
{
	json_t	*v = json_object_get(req->root, key);

	if (v == NULL)
		return required ? missing(err, key, "required") : 0;
	return complaint_json_enum(v, key, d, refused, out, err);
}

/*
 * Reads the text member key into *out (left alone if absent); a required
 * one must not be empty either.
 */
static int
get_text(struct action_req *req, const char *key, size_t max,
    bool required, char **out, struct api_error *err)
{
	json_t		*v = json_object_get(req->root, key);
	const char	*s;

	if (v == NULL)
		return required ? missing(err, key, "required") : 0;
	if (complaint_json_text(v, key, max, &s, err) == -1)
		return -1;
	if (required && s[0] == '\0')
		return missing(err, key, "must not be empty");
	*out = (char *)s;
	return 0;
}

/*
 * The amount of an outcome: required for a partial refund and for
 * compensation, optional for full refunds, refused for the rest; when
 * given it is more than 0.
 */
static int
get_outcome_amount(struct action_req *req, int outcome, int64_t *fen,
    struct api_error *err)
{
	json_t		*v = json_object_get(req->root, "amount");
	enum amount_rule rule = AMOUNT_NONE;
	char		 name[64];

	if ((size_t)outcome < nitems(outcome_amount))
		rule = outcome_amount[outcome];
	vocab_name(&cdp__v1__outcome__descriptor, outcome, name, sizeof(name));
	if (v == NULL) {
		if (rule != AMOUNT_REQUIRED)
			return 0;
		complaint_json_error(err, "missing_field", "amount",
		    "required for outcome %s", name);
		return -1;
	}
	if (rule == AMOUNT_NONE) {
		complaint_json_error(err, "invalid_field", "amount",
		    "does not apply to outcome %s", name);
		return -1;
	}
	if (complaint_json_amount(v, "amount", fen, err) == -1)
		return -1;
	if (*fen == 0)
		return invalid(err, "amount", "must be more than 0");
	return 0;
}

/* A merchant's answer; a rejection must cite the rule it rests on. */
static int
detail_merchant_response(struct action_req *req, struct api_error *err)
{
	Cdp__V1__MerchantResponse	*mr = &req->merchant_response;
	int				 stance = 0;

	if (get_enum(req, "stance", &cdp__v1__merchant_stance__descriptor, 0,
	    true, &stance, err) == -1 ||
	    get_text(req, "return_address", SHORT_TEXT_MAX, false,
	    &mr->return_address, err) == -1 ||
	    get_text(req, "rule_cited", SHORT_TEXT_MAX,
	    stance == CDP__V1__MERCHANT_STANCE__MERCHANT_STANCE_REJECT,
	    &mr->rule_cited, err) == -1)
		return -1;
	mr->stance = stance;
	req->rec.detail_case = DETAIL(MERCHANT_RESPONSE);
	req->rec.merchant_response = mr;
	return 0;
}

/*
 * A proposal or a decision. A rejection cites its rule; a decision names
 * who is responsible, since that party must carry it out.
 */
static int
resolution(struct action_req *req, bool decision, struct api_error *err)
{
	Cdp__V1__Resolution	*r = &req->resolution;
	int			 outcome = 0, party = 0, shipping = 0;
	json_t			*mediated;

	if (get_enum(req, "outcome", &cdp__v1__outcome__descriptor, 0,
	    true, &outcome, err) == -1 ||
	    get_outcome_amount(req, outcome, &r->amount_fen, err) == -1 ||
	    get_text(req, "rule_cited", SHORT_TEXT_MAX,
	    outcome == OUTCOME(REJECTED), &r->rule_cited, err) == -1 ||
	    get_enum(req, "responsible_party",
	    &cdp__v1__party__descriptor, 0, decision, &party, err) == -1 ||
	    get_enum(req, "shipping_cost_party",
	    &cdp__v1__party__descriptor, 0, false, &shipping, err) == -1 ||
	    get_text(req, "return_address", SHORT_TEXT_MAX, false,
	    &r->return_address, err) == -1)
		return -1;
	mediated = json_object_get(req->root, "mediated");
	if (mediated != NULL && !json_is_boolean(mediated))
		return invalid(err, "mediated", "must be true or false");
	r->outcome = outcome;
	r->responsible_party = party;
	r->shipping_cost_party = shipping;
	r->mediated = mediated != NULL && json_is_true(mediated);
	req->rec.detail_case = DETAIL(RESOLUTION);
	req->rec.resolution = r;
	return 0;
}

static int
detail_proposal(struct action_req *req, struct api_error *err)
{
	return resolution(req, false, err);
}

static int
detail_decision(struct action_req *req, struct api_error *err)
{
	return resolution(req, true, err);
}

/* A decision carried out: what was done, the money moved, the proof. */
static int
detail_execution(struct action_req *req, struct api_error *err)
{
	Cdp__V1__Execution	*ex = &req->execution;
	int			 outcome = 0;

	if (get_enum(req, "outcome", &cdp__v1__outcome__descriptor, 0,
	    true, &outcome, err) == -1)
		return -1;
	if (outcome == OUTCOME(REJECTED))
		return invalid(err, "outcome",
		    "a rejection has nothing to execute");
	if (get_outcome_amount(req, outcome, &ex->amount_fen, err) == -1 ||
	    get_text(req, "reference", REFERENCE_MAX, false, &ex->reference,
	    err) == -1)
		return -1;
	ex->outcome = outcome;
	req->rec.detail_case = DETAIL(EXECUTION);
	req->rec.execution = ex;
	return 0;
}

/* A tracking number: [A-Za-z0-9-]{4,40}. */
static bool
tracking_valid(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return i >= TRACKING_MIN && i <= TRACKING_MAX;
}

/* The return parcel: both the carrier and the tracking number. */
static int
detail_return_shipment(struct action_req *req, struct api_error *err)
{
	Cdp__V1__ReturnShipment	*rs = &req->return_shipment;
	json_t			*v;

	if (get_text(req, "carrier", CARRIER_MAX, true, &rs->carrier,
	    err) == -1)
		return -1;
	v = json_object_get(req->root, "tracking_number");
	if (v == NULL)
		return missing(err, "tracking_number", "required");
	if (!json_is_string(v) || !tracking_valid(json_string_value(v)))
		return invalid(err, "tracking_number",
		    "must be 4-40 characters of A-Z a-z 0-9 -");
	rs->tracking_number = (char *)json_string_value(v);
	req->rec.detail_case = DETAIL(RETURN_SHIPMENT);
	req->rec.return_shipment = rs;
	return 0;
}

/* The result of a return inspection or of a quality check. */
static int
detail_inspection(struct action_req *req, struct api_error *err)
{
	int	result;

	if (get_enum(req, "result", &cdp__v1__inspection_result__descriptor,
	    0, true, &result, err) == -1)
		return -1;
	req->inspection.result = result;
	req->rec.detail_case = DETAIL(INSPECTION);
	req->rec.inspection = &req->inspection;
	return 0;
}

/* A rating from 1 to 5, and the survey it answers if it came from one. */
static int
detail_satisfaction(struct action_req *req, struct api_error *err)
{
	json_t		*v = json_object_get(req->root, "rating");
	int		 survey = 0;
	json_int_t	 rating;

	if (v == NULL)
		return missing(err, "rating", "required");
	if (!json_is_integer(v) || (rating = json_integer_value(v)) < 1 ||
	    rating > 5)
		return invalid(err, "rating",
		    "must be an integer from 1 to 5");
	if (get_enum(req, "survey_channel",
	    &cdp__v1__notify_channel__descriptor, SURVEYS_REFUSED, false,
	    &survey, err) == -1)
		return -1;
	req->satisfaction.rating = (uint32_t)rating;
	req->satisfaction.survey_channel = survey;
	req->rec.detail_case = DETAIL(SATISFACTION);
	req->rec.satisfaction = &req->satisfaction;
	return 0;
}

/* A manual escalation, to senior customer service unless said otherwise. */
static int
detail_escalation(struct action_req *req, struct api_error *err)
{
	int	level;

	level = CDP__V1__ESCALATION_LEVEL__ESCALATION_LEVEL_SENIOR_SERVICE;
	if (get_enum(req, "level", &cdp__v1__escalation_level__descriptor, 0,
	    false, &level, err) == -1 ||
	    get_text(req, "reason", SHORT_TEXT_MAX, false,
	    &req->escalation.reason, err) == -1)
		return -1;
	req->escalation.level = level;
	req->rec.detail_case = DETAIL(ESCALATION);
	req->rec.escalation = &req->escalation;
	return 0;
}

static int
detail_closure(struct action_req *req, struct api_error *err)
{
	int	reason;

	if (get_enum(req, "reason", &cdp__v1__close_reason__descriptor, 0,
	    true, &reason, err) == -1)
		return -1;
	req->closure.reason = reason;
	req->rec.detail_case = DETAIL(CLOSURE);
	req->rec.closure = &req->closure;
	return 0;
}

/* Finds the action the body names. */
static int
parse_action(struct action_req *req, const struct action_def **def,
    struct api_error *err)
{
	json_t		*v = json_object_get(req->root, "action");
	const char	*s;
	size_t		 i;

	if (v == NULL)
		return missing(err, "action", "required");
	if (!json_is_string(v))
		return invalid(err, "action", "must be a string");
	s = json_string_value(v);
	for (i = 0; i < nitems(actions); i++) {
		if (actions[i].name != NULL &&
		    strcmp(actions[i].name, s) == 0) {
			req->rec.action = (Cdp__V1__Action)i;
			*def = &actions[i];
			return 0;
		}
	}
	return invalid(err, "action",
	    "is not a known action (see docs/api.md)");
}

static bool
in_list(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

/* Whether any action has a detail member of this name. */
static bool
detail_field(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(actions); i++)
		if (actions[i].name != NULL && in_list(actions[i].fields, name))
			return true;
	return false;
}

/*
 * Rejects members the action does not take, saying whether the member
 * belongs to another action or to none.
 */
static int
check_members(struct action_req *req, const struct action_def *def,
    struct api_error *err)
{
	static const char *const common[] = {
		"action", "comment", "evidence", NULL,
	};
	const char	*k;
	json_t		*v;

	json_object_foreach(req->root, k, v) {
		if (in_list(common, k) || in_list(def->fields, k))
			continue;
		if (!detail_field(k))
			return invalid(err, k, "unknown field");
		complaint_json_error(err, "invalid_field", k,
		    "does not apply to action %s", def->name);
		return -1;
	}
	return 0;
}

/* The comment and evidence every action may carry, and what it needs. */
static int
parse_common(struct action_req *req, const struct action_def *def,
    struct api_error *err)
{
	json_t		*v;
	const char	*comment = "";

	if ((v = json_object_get(req->root, "comment")) != NULL &&
	    complaint_json_text(v, "comment", INTAKE_TEXT_MAX, &comment,
	    err) == -1)
		return -1;
	req->rec.comment = (char *)comment;
	if ((v = json_object_get(req->root, "evidence")) != NULL) {
		if (complaint_json_urls(v, "evidence", req->evidence,
		    &req->rec.n_evidence_urls, err) == -1)
			return -1;
		req->rec.evidence_urls = req->evidence;
	}
	if ((def->flags & NEED_COMMENT) && comment[0] == '\0') {
		complaint_json_error(err, "missing_field", "comment",
		    "required for action %s", def->name);
		return -1;
	}
	if ((def->flags & NEED_CONTENT) && comment[0] == '\0' &&
	    req->rec.n_evidence_urls == 0) {
		complaint_json_error(err, "missing_field", "comment",
		    "action %s needs a comment or evidence", def->name);
		return -1;
	}
	return 0;
}

/*
 * Who acted. A merchant key acts as its merchant, an agent key as itself,
 * an admin as senior customer service. A channel acts for the customer,
 * whose user id the body does not carry: actor_id stays empty for the
 * caller to fill from the complaint.
 */
static void
set_actor(struct action_req *req, const struct api_key *key)
{
	req->actor.api_key_id = (char *)key->name;
	switch (key->role) {
	case KEY_ROLE_CHANNEL:
		req->actor.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_CUSTOMER;
		break;
	case KEY_ROLE_MERCHANT:
		req->actor.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_MERCHANT;
		req->actor.actor_id = (char *)key->merchant_id;
		break;
	case KEY_ROLE_AGENT:
		req->actor.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_AGENT;
		req->actor.actor_id = (char *)key->name;
		break;
	case KEY_ROLE_ADMIN:
		req->actor.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_SENIOR_AGENT;
		req->actor.actor_id = (char *)key->name;
		break;
	}
}

/* Links the messages of the request; it must not be moved afterwards. */
static void
req_init(struct action_req *req)
{
	Cdp__V1__ActionRecorded		rec = CDP__V1__ACTION_RECORDED__INIT;
	Cdp__V1__Actor			actor = CDP__V1__ACTOR__INIT;
	Cdp__V1__Resolution		res = CDP__V1__RESOLUTION__INIT;
	Cdp__V1__MerchantResponse	mr = CDP__V1__MERCHANT_RESPONSE__INIT;
	Cdp__V1__Execution		ex = CDP__V1__EXECUTION__INIT;
	Cdp__V1__ReturnShipment		rs = CDP__V1__RETURN_SHIPMENT__INIT;
	Cdp__V1__Inspection		in = CDP__V1__INSPECTION__INIT;
	Cdp__V1__Satisfaction		sat = CDP__V1__SATISFACTION__INIT;
	Cdp__V1__Escalation		esc = CDP__V1__ESCALATION__INIT;
	Cdp__V1__Closure		cl = CDP__V1__CLOSURE__INIT;

	req->rec = rec;
	req->actor = actor;
	req->resolution = res;
	req->merchant_response = mr;
	req->execution = ex;
	req->return_shipment = rs;
	req->inspection = in;
	req->satisfaction = sat;
	req->escalation = esc;
	req->closure = cl;
	req->rec.actor = &req->actor;
}

/*
 * Parses and checks an action body sent with key. On success req owns the
 * document (free it with action_json_free()) and req->rec is the
 * ActionRecorded without resulting status and idempotency key, which the
 * caller sets; the actor borrows key's name and merchant id. On failure
 * err holds the answer and req owns nothing.
 */
int
action_json_parse(const char *body, size_t len, const struct api_key *key,
    struct action_req *req, struct api_error *err)
{
	const struct action_def	*def = NULL;

	memset(req, 0, sizeof(*req));
	if (complaint_json_load(body, len, &req->root, err) == -1)
		return -1;
	req_init(req);
	if (parse_action(req, &def, err) == -1 ||
	    check_members(req, def, err) == -1 ||
	    parse_common(req, def, err) == -1 ||
	    (def->detail != NULL && def->detail(req, err) == -1))
		goto fail;
	set_actor(req, key);
	return 0;

fail:
	json_decref(req->root);
	req->root = NULL;
	return -1;
}

void
action_json_free(struct action_req *req)
{
	json_decref(req->root);
	memset(req, 0, sizeof(*req));
}
