/*
 * What every request that records one complaint event goes through,
 * whatever the event (filing.c, acting.c): its body and Idempotency-Key
 * are read, the key is claimed, the event is published, and the request is
 * answered exactly once. 202 follows the broker's confirmation and is
 * stored for replays; any other answer releases the claim, so that the
 * client may retry with the same key.
 *
 * The request that embeds a struct submit (as its first member) is freed
 * by submit_end(), which every path of the request ends in.
 */
#include <stdlib.h>

#include <event2/http.h>

#include "httpd.h"
#include "intake.h"
#include "metrics.h"
#include "xmalloc.h"

/*
 * Starts s for req: copies the body and reads the Idempotency-Key. A bad
 * key is answered 400 and ends s; -1 then.
 */
int
submit_start(struct submit *s, const struct submit_ops *ops,
    struct intake *in, struct evhttp_request *req, struct api_key *key)
{
	const char	*idem;

	s->ops = ops;
	s->in = in;
	s->req = req;
	s->key = key;
	s->body = api_body(req, &s->len);
	idem = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Idempotency-Key");
	if (idem != NULL && !idempotency_valid_key(idem)) {
		api_fail(req, 400, "invalid_field", "Idempotency-Key",
		    "must be 1-128 printable ASCII characters");
		submit_end(s);
		return -1;
	}
	if (idem != NULL)
		s->idem_key = xstrdup(idem);
	return 0;
}

static void
submit_on_idem(void *arg, enum idem_state state, struct idem *claim,
    int status, const char *body)
{
	struct submit	*s = arg;

	if (state != IDEM_NEW) {
		idempotency_answer(s->req, state, status, body);
		submit_end(s);
		return;
	}
	s->claim = claim;
	s->ops->claimed(s);
}

/*
 * Claims the request's Idempotency-Key, if it has one, in the scope of
 * its API key, route and complaint, then goes on.
 */
void
submit_claim(struct submit *s)
{
	struct idem_scope	scope = {
		.key_name = s->key->name, .method = s->ops->method,
		.route = s->ops->route, .complaint_id = s->complaint_id,
		.idem_key = s->idem_key,
	};

	if (s->idem_key == NULL)
		s->ops->claimed(s);
	else if (idempotency_begin(s->in, &scope, s->body, s->len,
	    submit_on_idem, s) == -1) {
		api_unavailable(s->req, "idempotency keys are unavailable");
		submit_end(s);
	}
}

static void
submit_on_published(void *arg, enum publish_result result)
{
	struct submit	*s = arg;
	json_t		*body;
	char		*text;

	if (result != PUBLISH_OK) {
		if (result == PUBLISH_FAILED && s->ops->unwritten != NULL)
			s->ops->unwritten(s);
		api_unavailable(s->req, s->ops->unrecorded);
		submit_end(s);
		return;
	}
	body = s->ops->answer(s);
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s->claim != NULL) {
		idempotency_finish(s->in, s->claim, 202, text);
		s->claim = NULL;
	}
	httpd_reply_json(s->req, 202, text);
	free(text);
	json_decref(body);
	metrics_inc(metrics_counter(s->ops->metric, s->ops->metric_help, ""));
	submit_end(s);
}

/*
 * Publishes ev, which the request holds until it ends, and answers 202
 * once the broker confirmed it.
 */
void
submit_publish(struct submit *s, const Cdp__V1__ComplaintEvent *ev)
{
	submit_publish_pb(s, s->in->topic, ev->complaint_id, &ev->base);
}

/* The same for any event: msg to topic under key (merchant events). */
void
submit_publish_pb(struct submit *s, const char *topic, const char *key,
    const ProtobufCMessage *msg)
{
	if (publish_pb(s->in, topic, key, msg, submit_on_published, s) == -1) {
		if (s->ops->unwritten != NULL)
			s->ops->unwritten(s);
		api_unavailable(s->req,
		    "the event log is not accepting writes");
		submit_end(s);
	}
}

/*
 * Ends the request after its answer: a claim still held is released, and
 * the request is freed.
 */
void
submit_end(struct submit *s)
{
	if (s->claim != NULL)
		idempotency_release(s->in, s->claim);
	free(s->body);
	free(s->idem_key);
	s->ops->free(s);
}
