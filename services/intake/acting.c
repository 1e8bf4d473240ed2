/*
 * POST /v1/complaints/{id}/actions: a lifecycle action by an agent, the
 * merchant or the customer's channel becomes one ActionRecorded event.
 *
 * The action is checked against the complaint's current view: an invisible
 * complaint is 404, a role that may never take the action is 403, and an
 * action not allowed in the current status is 409 with the status and the
 * actions that are allowed. 202 follows the broker's confirmation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "httpd.h"
#include "intake.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "xmalloc.h"

#define ACTING_ALLOWED_MAX	32
#define STATUS_UNCHANGED \
	CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_UNSPECIFIED

struct acting {
	struct intake		*in;
	struct evhttp_request	*req;
	struct api_key		*key;
	struct action_req	 areq;
	char			*body;
	size_t			 len;
	char			*complaint_id;
	char			*merchant_id;
	char			*customer_id;
	char			*idem_key;
	Cdp__V1__ComplaintStatus status;	/* after the action */
	struct idem		*claim;
	struct meta_ids		 ids;
	Cdp__V1__EventMeta	 meta;
	Cdp__V1__ComplaintEvent	 ev;
};

static void	acting_load(struct acting *a);

static void
acting_free(struct acting *a)
{
	action_json_free(&a->areq);
	free(a->body);
	free(a->complaint_id);
	free(a->merchant_id);
	free(a->customer_id);
	free(a->idem_key);
	free(a);
}

static void
acting_release(struct acting *a)
{
	if (a->claim != NULL)
		idempotency_release(a->in, a->claim);
	a->claim = NULL;
}

static void
acting_conflict(struct acting *a, Cdp__V1__ComplaintStatus status)
{
	const char	*names[ACTING_ALLOWED_MAX];
	json_t		*allowed = json_array();
	size_t		 i, n;

	n = lifecycle_allowed(status, a->key->role, names, ACTING_ALLOWED_MAX);
	for (i = 0; i < n; i++)
		json_array_append_new(allowed, json_string(names[i]));
	api_reply(a->req, 409, json_pack("{s:s, s:s, s:s, s:o}", "error",
	    "invalid_transition", "reason", "the action is not allowed in "
	    "the complaint's current status", "status",
	    lifecycle_status_name(status), "allowed_actions", allowed));
}

static void
acting_on_published(void *arg, enum publish_result result)
{
	struct acting	*a = arg;
	json_t		*body;
	char		*text;

	if (result != PUBLISH_OK) {
		acting_release(a);
		api_unavailable(a->req, "the action could not be recorded in "
		    "time; retry with the same Idempotency-Key");
		acting_free(a);
		return;
	}
	body = json_pack("{s:s, s:s, s:s, s:s}", "complaint_id",
	    a->complaint_id, "action",
	    action_json_name(a->areq.rec.action), "status",
	    lifecycle_status_name(a->status), "event_id",
	    a->meta.event_id);
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (a->claim != NULL)
		idempotency_finish(a->in, a->claim, 202, text);
	httpd_reply_json(a->req, 202, text);
	free(text);
	json_decref(body);
	metrics_inc(metrics_counter("intake_actions_recorded_total",
	    "Actions accepted (202).", ""));
	acting_free(a);
}

/*
 * The event id is derived from the Idempotency-Key when there is one, so a
 * retried action whose first write has an unknown fate is the same event.
 */
static void
acting_publish(struct acting *a)
{
	char	*seed;

	meta_fill(&a->meta, &a->ids, "intake", NULL, NULL);
	if (a->idem_key != NULL) {
		seed = xasprintf("%s/%s/%s", a->complaint_id, a->key->name,
		    a->idem_key);
		meta_derive_id(seed, "action", a->ids.event_id);
		free(seed);
	}
	a->areq.rec.idempotency_key = a->idem_key != NULL ? a->idem_key : "";
	cdp__v1__complaint_event__init(&a->ev);
	a->ev.meta = &a->meta;
	a->ev.complaint_id = a->complaint_id;
	a->ev.merchant_id = a->merchant_id;
	a->ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_ACTION_RECORDED;
	a->ev.action_recorded = &a->areq.rec;
	if (publish_event(a->in, &a->ev, acting_on_published, a) == -1) {
		acting_release(a);
		api_unavailable(a->req, "the event log is not accepting writes");
		acting_free(a);
	}
}

/*
 * Takes from the view what the event needs: the merchant for the envelope
 * and, for a customer's channel, the customer as the actor (the action
 * body names no user).
 */
static void
acting_parties(struct acting *a, const json_t *view)
{
	const char	*merchant = view_merchant_id(view);
	const char	*customer = json_string_value(json_object_get(
	    json_object_get(view, "complainant"), "user_id"));

	a->merchant_id = xstrdup(merchant != NULL ? merchant : "");
	if (a->key->role == KEY_ROLE_CHANNEL && customer != NULL) {
		a->customer_id = xstrdup(customer);
		a->areq.actor.actor_id = a->customer_id;
	}
}

static void
acting_on_view(void *arg, enum readmodel_result result, json_t *view)
{
	struct acting			*a = arg;
	Cdp__V1__ComplaintStatus	 status, next;

	if (result == READMODEL_FOUND && !view_visible(view, a->key))
		result = READMODEL_MISSING;
	if (result != READMODEL_FOUND) {
		acting_release(a);
		if (result == READMODEL_MISSING)
			api_fail(a->req, 404, "not_found", NULL,
			    "no such complaint");
		else
			api_unavailable(a->req, "complaint views are "
			    "unavailable");
		json_decref(view);
		acting_free(a);
		return;
	}
	status = view_status(view);
	acting_parties(a, view);
	json_decref(view);
	switch (lifecycle_check(status, a->key->role, &a->areq.rec, &next)) {
	case LIFECYCLE_OK:
		a->areq.rec.resulting_status = next;
		a->status = next != STATUS_UNCHANGED ? next : status;
		acting_publish(a);
		return;
	case LIFECYCLE_FORBIDDEN:
		api_fail(a->req, 403, "forbidden", "action",
		    "a %s key may not %s", keys_role_name(a->key->role),
		    action_json_name(a->areq.rec.action));
		break;
	case LIFECYCLE_CONFLICT:
		acting_conflict(a, status);
		break;
	}
	acting_release(a);
	acting_free(a);
}

static void
acting_load(struct acting *a)
{
	if (readmodel_get(a->in, a->complaint_id, acting_on_view, a) == -1) {
		acting_release(a);
		api_unavailable(a->req, "complaint views are unavailable");
		acting_free(a);
	}
}

static void
acting_on_idem(void *arg, enum idem_state state, struct idem *claim,
    int status, const char *body)
{
	struct acting	*a = arg;

	if (state == IDEM_NEW) {
		a->claim = claim;
		acting_load(a);
		return;
	}
	idempotency_answer(a->req, state, status, body);
	acting_free(a);
}

void
acting_handle(struct intake *in, struct evhttp_request *req,
    struct api_key *key, const char *complaint_id)
{
	struct acting		*a = xcalloc(1, sizeof(*a));
	struct api_error	 e;
	const char		*idem;

	a->in = in;
	a->req = req;
	a->key = key;
	a->complaint_id = xstrdup(complaint_id);
	a->body = api_body(req, &a->len);
	idem = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Idempotency-Key");
	if (idem != NULL && !idempotency_valid_key(idem)) {
		api_fail(req, 400, "invalid_field", "Idempotency-Key",
		    "must be 1-128 printable ASCII characters");
		acting_free(a);
		return;
	}
	if (action_json_parse(a->body, a->len, key, &a->areq, &e) == -1) {
		api_reply_error(req, &e);
		acting_free(a);
		return;
	}
	if (idem == NULL) {
		acting_load(a);
		return;
	}
	a->idem_key = xstrdup(idem);
	if (idempotency_begin(in, key->name, idem, a->body, a->len,
	    acting_on_idem, a) == -1) {
		api_unavailable(req, "idempotency keys are unavailable");
		acting_free(a);
	}
}
