/*
 * What every request that records one event goes through, whatever the
 * event (filing.c, acting.c, appeals.c), as one machine of steps: its
 * body and Idempotency-Key are read and parsed, the key is claimed, the
 * request is checked against the state it acts on, that state is reserved
 * when concurrent writers could race, the event is published, and the
 * request is answered exactly once. 202 follows the broker's confirmation
 * and is stored for replays; any other answer releases the claim, so that
 * the client may retry with the same key.
 *
 * submit_step() holds the order of the steps. The request that embeds a
 * struct submit (as its first member) is freed at SUBMIT_END, which every
 * path of the request ends in.
 */
#include <stdlib.h>

#include <event2/http.h>

#include "httpd.h"
#include "intake.h"
#include "metrics.h"
#include "xmalloc.h"

static void	submit_read(struct submit *s);
static void	submit_claim(struct submit *s);
static void	submit_publish(struct submit *s);
static void	submit_answer(struct submit *s);
static void	submit_free(struct submit *s);

/*
 * Runs the request req of key through the steps, from its first. The
 * caller has set what scopes its Idempotency-Key (s->scope) before.
 */
void
submit_run(struct submit *s, const struct submit_ops *ops,
    struct intake *in, struct evhttp_request *req, struct api_key *key)
{
	s->ops = ops;
	s->in = in;
	s->req = req;
	s->key = key;
	submit_step(s, SUBMIT_READ);
}

void
submit_step(struct submit *s, enum submit_step step)
{
	s->step = step;
	switch (step) {
	case SUBMIT_READ:
		submit_read(s);
		break;
	case SUBMIT_CLAIM:
		submit_claim(s);
		break;
	case SUBMIT_LOAD:
		s->ops->load(s);
		break;
	case SUBMIT_RESERVE:
		if (s->ops->reserve != NULL)
			s->ops->reserve(s);
		else
			submit_next(s);
		break;
	case SUBMIT_PUBLISH:
		submit_publish(s);
		break;
	case SUBMIT_ANSWER:
		submit_answer(s);
		break;
	case SUBMIT_END:
		submit_free(s);
		break;
	}
}

void
submit_next(struct submit *s)
{
	submit_step(s, s->step + 1);
}

void
submit_end(struct submit *s)
{
	submit_step(s, SUBMIT_END);
}

/* Answers 503 for the part that failed (what), and ends the request. */
void
submit_unavailable(struct submit *s, const char *what)
{
	api_unavailable(s->req, what);
	submit_end(s);
}

/* The event that SUBMIT_PUBLISH sends: msg on topic under key. */
void
submit_event(struct submit *s, const char *topic, const char *key,
    const ProtobufCMessage *msg)
{
	s->topic = topic;
	s->msg_key = key;
	s->msg = msg;
}

/* Copies the body, reads the Idempotency-Key, parses the body. */
static void
submit_read(struct submit *s)
{
	struct api_error	 e;
	const char		*idem;

	s->body = api_body(s->req, &s->len);
	idem = evhttp_find_header(evhttp_request_get_input_headers(s->req),
	    "Idempotency-Key");
	if (idem != NULL && !idempotency_valid_key(idem)) {
		api_fail(s->req, 400, "invalid_field", "Idempotency-Key",
		    "must be 1-128 printable ASCII characters");
		submit_end(s);
		return;
	}
	if (idem != NULL)
		s->idem_key = xstrdup(idem);
	if (s->ops->parse(s, &e) == -1) {
		api_reply_error(s->req, &e);
		submit_end(s);
		return;
	}
	submit_next(s);
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
	submit_next(s);
}

/*
 * Claims the request's Idempotency-Key, if it has one, in the scope of
 * its API key, route and id; a replay is answered as the first time was.
 */
static void
submit_claim(struct submit *s)
{
	struct idem_scope	scope = {
		.key_name = s->key->name, .method = s->ops->method,
		.route = s->ops->route, .complaint_id = s->scope,
		.idem_key = s->idem_key,
	};

	if (s->idem_key == NULL)
		submit_next(s);
	else if (idempotency_begin(s->in, &scope, s->body, s->len,
	    submit_on_idem, s) == -1)
		submit_unavailable(s, "idempotency keys are unavailable");
}

static void
submit_on_published(void *arg, enum publish_result result)
{
	struct submit	*s = arg;

	if (result != PUBLISH_OK) {
		if (result == PUBLISH_FAILED && s->ops->unwritten != NULL)
			s->ops->unwritten(s);
		submit_unavailable(s, s->ops->unrecorded);
		return;
	}
	submit_next(s);
}

/* Sends the event; the broker's confirmation goes on to the answer. */
static void
submit_publish(struct submit *s)
{
	if (publish_pb(s->in, s->topic, s->msg_key, s->msg,
	    submit_on_published, s) == -1) {
		if (s->ops->unwritten != NULL)
			s->ops->unwritten(s);
		submit_unavailable(s, "the event log is not accepting writes");
	}
}

/* 202 with the request's body, stored for replays of its key. */
static void
submit_answer(struct submit *s)
{
	json_t	*body;
	char	*text;

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

/* A claim still held is released (the client may retry), then freed. */
static void
submit_free(struct submit *s)
{
	if (s->claim != NULL)
		idempotency_release(s->in, s->claim);
	free(s->body);
	free(s->idem_key);
	s->ops->free(s);
}
