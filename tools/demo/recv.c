/*
 * recv.c: the outside world the notifier talks to, inside the demo. Two
 * HTTP servers on the loop: the merchants' webhook receiver (127.0.0.1:
 * 8098, /webhook/<merchant>) and the SMS/e-mail provider (127.0.0.1:8099,
 * /send). Each checks the X-CDP-Signature HMAC of the request with the
 * right secret (401 when it is wrong) and answers every fifth request 503,
 * so that the notifier's retries show; the rest are 200.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>

#include "demo.h"
#include "log.h"
#include "notifier.h"
#include "xmalloc.h"

#define RECV_FAIL_EVERY	5

struct recv {
	struct demo		*d;
	struct evhttp		*merchants, *provider;
	unsigned		 seen;
};

/*
 * True when sig is the signature of (ts, body) under secret, made with the
 * notifier's own sign_body() and compared in constant time.
 */
static bool
recv_signed(const char *secret, const char *ts, const char *sig,
    const unsigned char *body, size_t len)
{
	char	want[SIGN_HEX_LEN + 1];

	if (ts == NULL || sig == NULL || strlen(sig) != SIGN_HEX_LEN ||
	    sign_body(secret, ts, (const char *)body, len, want) == -1)
		return false;
	return CRYPTO_memcmp(want, sig, SIGN_HEX_LEN) == 0;
}

/* Checks, counts and answers one delivery. */
static void
recv_answer(struct recv *r, struct evhttp_request *req, const char *secret,
    uint64_t *ok, uint64_t *retried)
{
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	size_t			 len = evbuffer_get_length(in);
	unsigned char		*body = evbuffer_pullup(in, -1);

	if (!recv_signed(secret, evhttp_find_header(h, "X-CDP-Timestamp"),
	    evhttp_find_header(h, "X-CDP-Signature"),
	    body != NULL ? body : (unsigned char *)"", len)) {
		r->d->n.webhooks_bad_signature++;
		evhttp_send_reply(req, 401, "Bad signature", NULL);
		return;
	}
	if (++r->seen % RECV_FAIL_EVERY == 0) {
		(*retried)++;
		evhttp_send_reply(req, 503, "Try later", NULL);
		return;
	}
	(*ok)++;
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void
recv_merchant(struct evhttp_request *req, void *arg)
{
	struct recv	*r = arg;
	const char	*path = evhttp_request_get_uri(req), *id;
	char		 secret[64];

	id = strrchr(path, '/');
	if (strncmp(path, "/webhook/", 9) != 0 || id == NULL ||
	    strlen(id + 1) > 16) {
		evhttp_send_reply(req, 404, "Not Found", NULL);
		return;
	}
	snprintf(secret, sizeof(secret), "whsec-%s-demo-secret", id + 1);
	recv_answer(r, req, secret, &r->d->n.webhooks,
	    &r->d->n.webhooks_retried);
}

static void
recv_provider(struct evhttp_request *req, void *arg)
{
	struct recv	*r = arg;

	recv_answer(r, req, r->d->o.provider_secret, &r->d->n.messages,
	    &r->d->n.messages_retried);
}

static struct evhttp *
recv_listen(struct event_base *base, const char *listen,
    void (*cb)(struct evhttp_request *, void *), void *arg)
{
	struct evhttp	*http = evhttp_new(base);
	char		 host[64];
	const char	*colon = strrchr(listen, ':');

	if (http == NULL || colon == NULL ||
	    (size_t)(colon - listen) >= sizeof(host))
		goto fail;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	if (evhttp_bind_socket(http, host, (uint16_t)atoi(colon + 1)) != 0)
		goto fail;
	evhttp_set_gencb(http, cb, arg);
	return http;
fail:
	log_warnx("demo: cannot listen on %s", listen);
	if (http != NULL)
		evhttp_free(http);
	return NULL;
}

struct recv *
recv_new(struct demo *d)
{
	struct recv	*r = xcalloc(1, sizeof(*r));

	r->d = d;
	r->merchants = recv_listen(d->base, d->o.merchant_listen,
	    recv_merchant, r);
	r->provider = recv_listen(d->base, d->o.provider_listen,
	    recv_provider, r);
	if (r->merchants == NULL || r->provider == NULL) {
		recv_free(r);
		return NULL;
	}
	return r;
}

void
recv_free(struct recv *r)
{
	if (r == NULL)
		return;
	if (r->merchants != NULL)
		evhttp_free(r->merchants);
	if (r->provider != NULL)
		evhttp_free(r->provider);
	free(r);
}
