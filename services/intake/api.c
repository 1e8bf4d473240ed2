/*
 * The public API's front door: every request under /v1/ is authenticated,
 * rate limited and routed here, and every answer (JSON, errors with the
 * field and the reason) goes out through the helpers below.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "httpd.h"
#include "intake.h"
#include "log.h"
#include "meta.h"
#include "xmalloc.h"

#define API_RETRY_AFTER_SECS	"5"

/* Sends body (taking the reference) as the JSON answer. */
void
api_reply(struct evhttp_request *req, int status, json_t *body)
{
	char	*text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (text == NULL)
		fatalx("api: cannot encode an answer");
	httpd_reply_json(req, status, text);
	free(text);
	json_decref(body);
}

void
api_reply_error(struct evhttp_request *req, const struct api_error *e)
{
	json_t	*body = json_object();

	json_object_set_new(body, "error", json_string(e->error));
	if (e->field[0] != '\0')
		json_object_set_new(body, "field", json_string(e->field));
	if (e->reason[0] != '\0')
		json_object_set_new(body, "reason", json_string(e->reason));
	api_reply(req, e->status, body);
}

void
api_fail(struct evhttp_request *req, int status, const char *error,
    const char *field, const char *fmt, ...)
{
	struct api_error	e = { .status = status };
	va_list			ap;

	snprintf(e.error, sizeof(e.error), "%s", error);
	snprintf(e.field, sizeof(e.field), "%s", field != NULL ? field : "");
	va_start(ap, fmt);
	vsnprintf(e.reason, sizeof(e.reason), fmt, ap);
	va_end(ap);
	api_reply_error(req, &e);
}

/* 503 with Retry-After: Kafka or Redis could not do their part in time. */
void
api_unavailable(struct evhttp_request *req, const char *reason)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", API_RETRY_AFTER_SECS);
	api_fail(req, 503, "unavailable", NULL, "%s", reason);
}

/* The request body as a NUL-terminated copy; the caller frees it. */
char *
api_body(struct evhttp_request *req, size_t *len)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	char		*body;

	*len = evbuffer_get_length(in);
	body = xmalloc(*len + 1);
	evbuffer_copyout(in, body, *len);
	body[*len] = '\0';
	return body;
}

static bool
api_is_json(struct evhttp_request *req)
{
	const char	*type = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Content-Type");

	return type != NULL && strncasecmp(type, "application/json", 16) == 0 &&
	    (type[16] == '\0' || type[16] == ';' || type[16] == ' ');
}

/* 401 for a missing or unknown key; 429 when the key is over its rate. */
static struct api_key *
api_admit(struct intake *in, struct evhttp_request *req)
{
	struct api_key	*key;
	int64_t		 retry_ms;
	char		 secs[24];

	key = keys_authenticate(in->keys, evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization"));
	if (key == NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer");
		api_fail(req, 401, "unauthorized", NULL,
		    "a valid API key is required: Authorization: Bearer <key>");
		return NULL;
	}
	if (!ratelimit_take(&key->limit, meta_now_ms(), &retry_ms)) {
		snprintf(secs, sizeof(secs), "%lld",
		    (long long)((retry_ms + 999) / 1000));
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", secs);
		api_fail(req, 429, "rate_limited", NULL,
		    "key %s is over its rate; retry after %s s", key->name,
		    secs);
		return NULL;
	}
	return key;
}

/*
 * Splits "/v1/complaints/C1/actions" into its segments after "/v1/".
 * Returns the number of segments, at most max.
 */
static int
api_segments(const char *path, char seg[][INTAKE_ID_MAX + 2], int max)
{
	const char	*p = path + strlen("/v1/");
	int		 n = 0;
	size_t		 len;

	while (*p != '\0' && n < max) {
		len = strcspn(p, "/");
		if (len == 0 || len > INTAKE_ID_MAX)
			return -1;
		memcpy(seg[n], p, len);
		seg[n++][len] = '\0';
		p += len;
		if (*p == '/' && *++p == '\0')
			break;
	}
	return *p == '\0' ? n : -1;
}

static void
api_method_not_allowed(struct evhttp_request *req, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    allow);
	api_fail(req, 405, "method_not_allowed", NULL, "allowed: %s", allow);
}

static bool
api_require_json(struct evhttp_request *req)
{
	if (api_is_json(req))
		return true;
	api_fail(req, 415, "unsupported_media_type", NULL,
	    "the body must be JSON: Content-Type: application/json");
	return false;
}

static void
api_complaints(struct intake *in, struct evhttp_request *req,
    struct api_key *key, enum evhttp_cmd_type cmd)
{
	if (cmd == EVHTTP_REQ_POST) {
		httpd_route_label(in->httpd, req, "POST /v1/complaints");
		if (key->role == KEY_ROLE_MERCHANT)
			api_fail(req, 403, "forbidden", NULL,
			    "complaints are filed by channel and agent keys");
		else if (api_require_json(req))
			filing_handle(in, req, key);
	} else if (cmd == EVHTTP_REQ_GET) {
		httpd_route_label(in->httpd, req, "GET /v1/complaints");
		listing_list(in, req, key);
	} else
		api_method_not_allowed(req, "GET, POST");
}

static void
api_complaint(struct intake *in, struct evhttp_request *req,
    struct api_key *key, enum evhttp_cmd_type cmd, const char *id)
{
	httpd_route_label(in->httpd, req, "GET /v1/complaints/{id}");
	if (cmd != EVHTTP_REQ_GET)
		api_method_not_allowed(req, "GET");
	else if (!complaint_json_id_valid(id))
		api_fail(req, 404, "not_found", NULL, "no such complaint");
	else
		listing_get(in, req, key, id);
}

static void
api_actions(struct intake *in, struct evhttp_request *req,
    struct api_key *key, enum evhttp_cmd_type cmd, const char *id)
{
	httpd_route_label(in->httpd, req, "POST /v1/complaints/{id}/actions");
	if (cmd != EVHTTP_REQ_POST)
		api_method_not_allowed(req, "POST");
	else if (!complaint_json_id_valid(id))
		api_fail(req, 404, "not_found", NULL, "no such complaint");
	else if (api_require_json(req))
		acting_handle(in, req, key, id);
}

/*
 * GET /v1/merchants/{id}, POST /v1/merchants/{id}/appeals and
 * POST /v1/merchants/{id}/appeals/{appeal_id}/decision (merchants.c,
 * appeals.c); seg[0] is "merchants".
 */
static void
api_merchants(struct intake *in, struct evhttp_request *req,
    struct api_key *key, enum evhttp_cmd_type cmd,
    char seg[][INTAKE_ID_MAX + 2], int n)
{
	const char	*id = seg[1];

	if (n == 2) {
		httpd_route_label(in->httpd, req, "GET /v1/merchants/{id}");
		if (cmd != EVHTTP_REQ_GET)
			api_method_not_allowed(req, "GET");
		else
			merchants_show(in, req, key, id);
	} else if (!complaint_json_id_valid(id) ||
	    strcmp(seg[2], "appeals") != 0 || n == 4 ||
	    (n == 5 && strcmp(seg[4], "decision") != 0))
		api_fail(req, 404, "not_found", NULL, "no such route");
	else if (n == 3) {
		httpd_route_label(in->httpd, req,
		    "POST /v1/merchants/{id}/appeals");
		if (cmd != EVHTTP_REQ_POST)
			api_method_not_allowed(req, "POST");
		else if (api_require_json(req))
			appeals_file(in, req, key, id);
	} else {
		httpd_route_label(in->httpd, req,
		    "POST /v1/merchants/{id}/appeals/{appeal_id}/decision");
		if (cmd != EVHTTP_REQ_POST)
			api_method_not_allowed(req, "POST");
		else if (!complaint_json_id_valid(seg[3]))
			api_fail(req, 404, "not_found", NULL,
			    "no such appeal");
		else if (api_require_json(req))
			appeals_decide(in, req, key, id, seg[3]);
	}
}

static void
api_dispatch(struct evhttp_request *req, void *arg)
{
	struct intake		*in = arg;
	const char		*path = evhttp_uri_get_path(
	    evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	struct api_key		*key;
	char			 seg[5][INTAKE_ID_MAX + 2];
	int			 n;

	if ((key = api_admit(in, req)) == NULL)
		return;
	n = path != NULL ? api_segments(path, seg, 5) : -1;
	if (n >= 1 && n <= 3 && strcmp(seg[0], "complaints") == 0) {
		if (n == 1)
			api_complaints(in, req, key, cmd);
		else if (n == 2)
			api_complaint(in, req, key, cmd, seg[1]);
		else if (strcmp(seg[2], "actions") == 0)
			api_actions(in, req, key, cmd, seg[1]);
		else
			api_fail(req, 404, "not_found", NULL, "no such route");
	} else if (n >= 2 && strcmp(seg[0], "merchants") == 0)
		api_merchants(in, req, key, cmd, seg, n);
	else
		api_fail(req, 404, "not_found", NULL, "no such route");
}

void
api_start(struct intake *in)
{
	httpd_route(in->httpd, "/v1/", api_dispatch, in);
}
