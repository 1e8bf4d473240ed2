/*
 * Idempotency-Key: a client that retries a request with the same key gets
 * the first answer again instead of a second complaint. The key is scoped
 * by the API key that sent it, the method, the route template and the
 * complaint the route names, so one key sent to two complaints' actions is
 * two requests. It lives in Redis for a day:
 *
 *   idem:<SHA-256 of the scope> = {"state": "pending"|"done",
 *       "hash": <SHA-256 of the body>, "status": 202, "body": "..."}
 *
 * A request claims the key with SET NX; a claim that is never finished (the
 * process died) expires after IDEM_PENDING_TTL, so the client can retry.
 *
 * With Redis sharded by partition (shard.c) the key of a request on one
 * complaint's route (its actions) lives on that complaint's entry; the
 * keys of requests before a complaint id exists (filing) and of the
 * merchants' routes live on entry 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "httpd.h"
#include "intake.h"
#include "log.h"
#include "redis.h"
#include "xmalloc.h"

#define IDEM_PENDING_TTL_MS	60000
#define IDEM_DONE_TTL_S		86400
#define IDEM_KEY_MAX		128
#define IDEM_COMPLAINT_ROUTE	"/v1/complaints/{id}"

struct idem {
	struct redis	*r;		/* the entry the key lives on */
	char		*redis_key;
	char		 hash[65];
	idem_fn		 fn;
	void		*arg;
};

static void
idem_hex(const unsigned char digest[32], char out[65])
{
	unsigned int	i;

	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

static void
idem_hash(const char *body, size_t len, char out[65])
{
	unsigned char	digest[EVP_MAX_MD_SIZE];
	unsigned int	n;

	if (EVP_Digest(body, len, digest, &n, EVP_sha256(), NULL) != 1)
		fatalx("idempotency: SHA-256 failed");
	idem_hex(digest, out);
}

static void
idem_free(struct idem *idem)
{
	free(idem->redis_key);
	free(idem);
}

/* The key was taken: replay, wait, or refuse a different request. */
static void
idem_on_existing(struct redis *r, redisReply *reply, void *arg)
{
	struct idem	*idem = arg;
	json_t		*doc = NULL;
	const char	*state, *hash, *body;

	if (redis_reply_error(reply, "idempotency GET"))
		idem->fn(idem->arg, IDEM_UNAVAILABLE, NULL, 0, NULL);
	else if (reply->type != REDIS_REPLY_STRING ||
	    (doc = json_loadb(reply->str, reply->len, 0, NULL)) == NULL)
		idem->fn(idem->arg, IDEM_IN_PROGRESS, NULL, 0, NULL);
	else {
		state = json_string_value(json_object_get(doc, "state"));
		hash = json_string_value(json_object_get(doc, "hash"));
		body = json_string_value(json_object_get(doc, "body"));
		if (hash == NULL || strcmp(hash, idem->hash) != 0)
			idem->fn(idem->arg, IDEM_MISMATCH, NULL, 0, NULL);
		else if (state == NULL || strcmp(state, "done") != 0 ||
		    body == NULL)
			idem->fn(idem->arg, IDEM_IN_PROGRESS, NULL, 0, NULL);
		else
			idem->fn(idem->arg, IDEM_REPLAY, NULL,
			    (int)json_integer_value(json_object_get(doc,
			    "status")), body);
	}
	json_decref(doc);
	idem_free(idem);
}

static void
idem_on_claim(struct redis *r, redisReply *reply, void *arg)
{
	struct idem	*idem = arg;

	if (redis_reply_error(reply, "idempotency SET")) {
		idem->fn(idem->arg, IDEM_UNAVAILABLE, NULL, 0, NULL);
		idem_free(idem);
	} else if (reply->type == REDIS_REPLY_STATUS)
		idem->fn(idem->arg, IDEM_NEW, idem, 0, NULL);	/* claimed */
	else if (redis_command(r, idem_on_existing, idem, "GET %s",
	    idem->redis_key) == -1) {
		idem->fn(idem->arg, IDEM_UNAVAILABLE, NULL, 0, NULL);
		idem_free(idem);
	}
}

static char *
idem_doc(const char *state, const char *hash, int status, const char *body)
{
	json_t	*doc = json_pack("{s:s, s:s}", "state", state, "hash", hash);
	char	*text;

	if (body != NULL) {
		json_object_set_new(doc, "status", json_integer(status));
		json_object_set_new(doc, "body", json_string(body));
	}
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

/*
 * The Redis key of a scope: the SHA-256 of its parts, each with its NUL,
 * which none of them contains, so two scopes never hash the same text.
 */
static char *
idem_redis_key(const struct idem_scope *scope)
{
	const char	*parts[] = { scope->key_name, scope->method,
	    scope->route, scope->complaint_id != NULL ? scope->complaint_id :
	    "", scope->idem_key };
	unsigned char	 digest[EVP_MAX_MD_SIZE];
	char		 hex[65];
	unsigned int	 n, i;
	EVP_MD_CTX	*ctx;
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		fatalx("idempotency: out of memory");
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (i = 0; i < nitems(parts); i++)
		ok = ok && EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1);
	if (!ok || EVP_DigestFinal_ex(ctx, digest, &n) != 1)
		fatalx("idempotency: SHA-256 failed");
	EVP_MD_CTX_free(ctx);
	idem_hex(digest, hex);
	return xasprintf("idem:%s", hex);
}

/*
 * The entry of a scope's key: its complaint's for a complaint's route
 * (NULL while that is not yet known), else entry 0.
 */
static struct redis *
idem_entry(struct intake *in, const struct idem_scope *scope)
{
	if (scope->complaint_id == NULL || strncmp(scope->route,
	    IDEM_COMPLAINT_ROUTE, strlen(IDEM_COMPLAINT_ROUTE)) != 0)
		return in->redis;
	return shard_for_complaint(in, scope->complaint_id);
}

/*
 * Claims the scope's Idempotency-Key for this request; fn is called once
 * with the verdict. Returns -1 when Redis is not connected (fn is not
 * called), or the key's entry is not yet known.
 */
int
idempotency_begin(struct intake *in, const struct idem_scope *scope,
    const char *body, size_t len, idem_fn fn, void *arg)
{
	struct redis	*r = idem_entry(in, scope);
	struct idem	*idem;
	char		*doc;
	int		 rc;

	if (r == NULL)
		return -1;
	idem = xcalloc(1, sizeof(*idem));
	idem->r = r;
	idem->redis_key = idem_redis_key(scope);
	idem_hash(body, len, idem->hash);
	idem->fn = fn;
	idem->arg = arg;
	doc = idem_doc("pending", idem->hash, 0, NULL);
	rc = redis_command(r, idem_on_claim, idem,
	    "SET %s %s NX PX %d", idem->redis_key, doc, IDEM_PENDING_TTL_MS);
	free(doc);
	if (rc == -1) {
		idem_free(idem);
		return -1;
	}
	return 0;
}

static void
idem_on_stored(struct redis *r, redisReply *reply, void *arg)
{
	redis_reply_error(reply, "idempotency store");
}

/* Stores the answer for replays, and frees the handle. */
void
idempotency_finish(struct intake *in, struct idem *idem, int status,
    const char *body)
{
	char	*doc = idem_doc("done", idem->hash, status, body);

	if (redis_command(idem->r, idem_on_stored, NULL, "SET %s %s EX %d",
	    idem->redis_key, doc, IDEM_DONE_TTL_S) == -1)
		log_warnx("idempotency: answer not stored: Redis unavailable");
	free(doc);
	idem_free(idem);
}

/* Forgets the claim so that the client may retry, and frees the handle. */
void
idempotency_release(struct intake *in, struct idem *idem)
{
	if (redis_command(idem->r, idem_on_stored, NULL, "DEL %s",
	    idem->redis_key) == -1)
		log_warnx("idempotency: claim not released: Redis unavailable");
	idem_free(idem);
}

/* Answers a request whose key was not newly claimed. */
void
idempotency_answer(struct evhttp_request *req, enum idem_state state,
    int status, const char *body)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);

	switch (state) {
	case IDEM_REPLAY:
		evhttp_add_header(out, "Idempotent-Replayed", "true");
		httpd_reply_json(req, status, body);
		break;
	case IDEM_IN_PROGRESS:
		evhttp_add_header(out, "Retry-After", "1");
		api_fail(req, 409, "request_in_progress", "Idempotency-Key",
		    "the first request with this key is still being handled");
		break;
	case IDEM_MISMATCH:
		api_fail(req, 422, "idempotency_key_reused", "Idempotency-Key",
		    "the key was used for a different request body");
		break;
	case IDEM_NEW:
	case IDEM_UNAVAILABLE:
		api_unavailable(req, "idempotency keys are unavailable");
		break;
	}
}

/* Idempotency-Key values: 1-128 printable ASCII characters. */
bool
idempotency_valid_key(const char *k)
{
	size_t	n;

	for (n = 0; k[n] != '\0'; n++)
		if (k[n] < '!' || k[n] > '~')
			return false;
	return n >= 1 && n <= IDEM_KEY_MAX;
}
