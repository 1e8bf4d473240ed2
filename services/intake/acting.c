/*
 * POST /v1/complaints/{id}/actions: a lifecycle action by an agent, the
 * merchant or the customer's channel becomes one ActionRecorded event.
 *
 * The action is checked against the complaint's current view: an invisible
 * complaint is 404, a role that may never take the action is 403, and an
 * action not allowed in the current status is 409 with the status and the
 * actions that are allowed; a note beyond INTAKE_NOTES_MAX is 422, free
 * text that would take the view past INTAKE_VIEW_BYTES_MAX is 413. An
 * allowed action then reserves the complaint against the view it was
 * checked with (reservation.c): if another action got there first, it is
 * 409 conflict. 202 follows the broker's confirmation.
 *
 * The steps are submit.c's: the body parsed as an action (SUBMIT_READ),
 * the view read and the action checked against it (SUBMIT_LOAD), the
 * complaint reserved (SUBMIT_RESERVE; a view that moved on meanwhile is
 * read again, SUBMIT_LOAD once more).
 */
#include <stdlib.h>

#include "intake.h"
#include "meta.h"
#include "xmalloc.h"

#define ACTING_ALLOWED_MAX	32
#define ACTING_ATTEMPTS		3	/* reads of a view that moves on */
#define STATUS_UNCHANGED \
	CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_UNSPECIFIED

struct acting {
	struct submit		 s;	/* first: the request's course */
	struct action_req	 areq;
	char			*complaint_id;
	char			*merchant_id;
	char			*customer_id;
	Cdp__V1__ComplaintStatus status;	/* after the action */
	Cdp__V1__ComplaintStatus seen_status;	/* the view's */
	long long		 seen_offset;	/* the view's version */
	int			 attempts;
	struct meta_ids		 ids;
	Cdp__V1__EventMeta	 meta;
	Cdp__V1__ComplaintEvent	 ev;
};

static int	acting_parse(struct submit *s, struct api_error *e);
static void	acting_load(struct submit *s);
static void	acting_reserve(struct submit *s);
static void	acting_unwritten(struct submit *s);
static json_t	*acting_answer(struct submit *s);
static void	acting_free(struct submit *s);

static const struct submit_ops acting_ops = {
	.method = "POST",
	.route = "/v1/complaints/{id}/actions",
	.unrecorded = "the action could not be recorded in time; retry "
	    "with the same Idempotency-Key",
	.metric = "intake_actions_recorded_total",
	.metric_help = "Actions accepted (202).",
	.parse = acting_parse,
	.load = acting_load,
	.reserve = acting_reserve,
	.unwritten = acting_unwritten,
	.answer = acting_answer,
	.free = acting_free,
};

static void
acting_free(struct submit *s)
{
	struct acting	*a = (struct acting *)s;

	action_json_free(&a->areq);
	free(a->complaint_id);
	free(a->merchant_id);
	free(a->customer_id);
	free(a);
}

static void
acting_conflict(struct acting *a, Cdp__V1__ComplaintStatus status)
{
	const char	*names[ACTING_ALLOWED_MAX];
	json_t		*allowed = json_array();
	size_t		 i, n;

	n = lifecycle_allowed(status, a->s.key->role, names,
	    ACTING_ALLOWED_MAX);
	for (i = 0; i < n; i++)
		json_array_append_new(allowed, json_string(names[i]));
	api_reply(a->s.req, 409, json_pack("{s:s, s:s, s:s, s:o}", "error",
	    "invalid_transition", "reason", "the action is not allowed in "
	    "the complaint's current status", "status",
	    lifecycle_status_name(status), "allowed_actions", allowed));
}

/* Another action was accepted against the view this one was checked with. */
static void
acting_busy(struct acting *a)
{
	api_reply(a->s.req, 409, json_pack("{s:s, s:s, s:s}", "error",
	    "conflict", "reason", "another action on the complaint was "
	    "accepted at the same time; read the complaint and retry",
	    "status", lifecycle_status_name(a->seen_status)));
}

/* The event was surely not written: the next action need not wait for it. */
static void
acting_unwritten(struct submit *s)
{
	struct acting	*a = (struct acting *)s;

	reservation_drop(shard_for_complaint(s->in, a->complaint_id),
	    a->complaint_id, a->meta.event_id);
}

static json_t *
acting_answer(struct submit *s)
{
	struct acting	*a = (struct acting *)s;

	return json_pack("{s:s, s:s, s:s, s:s}", "complaint_id",
	    a->complaint_id, "action", action_json_name(a->areq.rec.action),
	    "status", lifecycle_status_name(a->status), "event_id",
	    a->meta.event_id);
}

static void
acting_on_reserved(void *arg, enum reservation_result result)
{
	struct acting	*a = arg;

	switch (result) {
	case RESERVATION_TAKEN:
		submit_next(&a->s);
		return;
	case RESERVATION_MOVED:
		if (++a->attempts < ACTING_ATTEMPTS) {
			submit_step(&a->s, SUBMIT_LOAD);
			return;
		}
		/* FALLTHROUGH */
	case RESERVATION_BUSY:
		acting_busy(a);
		break;
	case RESERVATION_UNAVAILABLE:
		api_unavailable(a->s.req, "complaint views are unavailable");
		break;
	}
	submit_end(&a->s);
}

/*
 * Builds the event. Its id is derived from the Idempotency-Key when there
 * is one, so a retried action whose first write has an unknown fate is the
 * same event.
 */
static void
acting_build(struct acting *a)
{
	char	*seed;

	meta_fill(&a->meta, &a->ids, "intake", NULL, NULL);
	if (a->s.idem_key != NULL) {
		seed = xasprintf("%s/%s/%s", a->complaint_id, a->s.key->name,
		    a->s.idem_key);
		meta_derive_id(seed, "action", a->ids.event_id);
		free(seed);
	}
	a->areq.rec.idempotency_key = a->s.idem_key != NULL ?
	    a->s.idem_key : "";
	cdp__v1__complaint_event__init(&a->ev);
	a->ev.meta = &a->meta;
	a->ev.complaint_id = a->complaint_id;
	a->ev.merchant_id = a->merchant_id;
	a->ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_ACTION_RECORDED;
	a->ev.action_recorded = &a->areq.rec;
	submit_event(&a->s, a->s.in->topic, a->complaint_id, &a->ev.base);
}

/* Reserves the complaint for the event against the view it was read at. */
static void
acting_reserve(struct submit *s)
{
	struct acting	*a = (struct acting *)s;

	if (reservation_take(shard_for_complaint(s->in, a->complaint_id),
	    a->complaint_id, a->meta.event_id, a->seen_offset,
	    acting_on_reserved, a) == -1)
		submit_unavailable(s, "complaint views are unavailable");
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

	if (a->customer_id != NULL && a->areq.actor.actor_id == a->customer_id)
		a->areq.actor.actor_id = "";
	free(a->merchant_id);
	free(a->customer_id);
	a->customer_id = NULL;
	a->merchant_id = xstrdup(merchant != NULL ? merchant : "");
	if (a->s.key->role == KEY_ROLE_CHANNEL && customer != NULL) {
		a->customer_id = xstrdup(customer);
		a->areq.actor.actor_id = a->customer_id;
	}
}

static void
acting_on_view(void *arg, enum readmodel_result result, json_t *view)
{
	struct acting			*a = arg;
	Cdp__V1__ComplaintStatus	 status, next;
	struct api_error		 e;
	int				 admit;

	if (result != READMODEL_UNAVAILABLE && !view_visible(view, a->s.key))
		result = READMODEL_MISSING;
	if (result != READMODEL_FOUND) {
		if (result == READMODEL_MISSING)
			api_fail(a->s.req, 404, "not_found", NULL,
			    "no such complaint");
		else if (result == READMODEL_ARCHIVED)
			api_fail(a->s.req, 410, "archived", NULL, "the "
			    "complaint was closed and archived; it can no "
			    "longer be acted on");
		else
			api_unavailable(a->s.req, "complaint views are "
			    "unavailable");
		json_decref(view);
		submit_end(&a->s);
		return;
	}
	status = a->seen_status = view_status(view);
	a->seen_offset = json_integer_value(json_object_get(view, "_offset"));
	acting_parties(a, view);
	admit = view_admit(view, &a->areq.rec, &a->s.in->limits, &e);
	json_decref(view);
	switch (lifecycle_check(status, a->s.key->role, &a->areq.rec, &next)) {
	case LIFECYCLE_OK:
		if (admit == -1) {
			api_reply_error(a->s.req, &e);
			break;
		}
		a->areq.rec.resulting_status = next;
		a->status = next != STATUS_UNCHANGED ? next : status;
		acting_build(a);
		submit_next(&a->s);
		return;
	case LIFECYCLE_FORBIDDEN:
		api_fail(a->s.req, 403, "forbidden", "action",
		    "a %s key may not %s", keys_role_name(a->s.key->role),
		    action_json_name(a->areq.rec.action));
		break;
	case LIFECYCLE_CONFLICT:
		acting_conflict(a, status);
		break;
	}
	submit_end(&a->s);
}

static void
acting_load(struct submit *s)
{
	struct acting	*a = (struct acting *)s;

	if (readmodel_get(s->in, a->complaint_id, acting_on_view, a) == -1)
		submit_unavailable(s, "complaint views are unavailable");
}

static int
acting_parse(struct submit *s, struct api_error *e)
{
	struct acting	*a = (struct acting *)s;

	return action_json_parse(s->body, s->len, s->key, &a->areq, e);
}

void
acting_handle(struct intake *in, struct evhttp_request *req,
    struct api_key *key, const char *complaint_id)
{
	struct acting	*a = xcalloc(1, sizeof(*a));

	a->complaint_id = xstrdup(complaint_id);
	a->s.scope = a->complaint_id;
	submit_run(&a->s, &acting_ops, in, req, key);
}
