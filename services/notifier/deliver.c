/*
 * HTTP POSTs on libcurl's multi interface, driven by the daemon's event
 * base as libcurl's own examples show (hiper.c, evhiperfifo.c): libcurl
 * names the sockets to watch and the timeout to keep, libevent reports
 * readiness, curl_multi_socket_action() moves the transfers on. Nothing
 * blocks: a slow receiver only holds its own transfer.
 *
 * Every request is signed (sign.c): X-CDP-Timestamp (seconds since the
 * epoch) and X-CDP-Signature (hex HMAC-SHA256 of "<timestamp>.<body>").
 * Redirects are not followed; only http and https are spoken; connect and
 * total times are bounded.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "log.h"
#include "notifier.h"
#include "xmalloc.h"

#define DELIVER_ANSWER_MAX	4096

struct deliver {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	long			 connect_timeout_ms;
	long			 timeout_ms;
	int			 running;
	TAILQ_HEAD(, post)	 posts;
};

/* One transfer. */
struct post {
	TAILQ_ENTRY(post)	 entry;
	struct deliver		*d;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*body;
	char			 answer[DELIVER_ANSWER_MAX];
	size_t			 answer_len;
	char			 error[CURL_ERROR_SIZE];
	deliver_fn		 fn;
	void			*arg;
};

/* One socket libcurl asked us to watch. */
struct watch {
	struct event	*ev;
};

static void	check_done(struct deliver *d);

static size_t
on_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct post	*p = arg;
	size_t		 n = size * nmemb, room;

	room = sizeof(p->answer) - 1 - p->answer_len;
	if (n < room)
		room = n;
	memcpy(p->answer + p->answer_len, data, room);
	p->answer_len += room;
	p->answer[p->answer_len] = '\0';
	return n;
}

static void
on_socket_ready(evutil_socket_t fd, short what, void *arg)
{
	struct deliver	*d = arg;
	int		 action = (what & EV_READ ? CURL_CSELECT_IN : 0) |
			    (what & EV_WRITE ? CURL_CSELECT_OUT : 0);

	curl_multi_socket_action(d->multi, fd, action, &d->running);
	check_done(d);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct deliver	*d = arg;

	curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0,
	    &d->running);
	check_done(d);
}

/* CURLMOPT_SOCKETFUNCTION: watch, change or forget one socket. */
static int
on_socket(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct deliver	*d = arg;
	struct watch	*w = sockp;
	short		 kind;

	if (what == CURL_POLL_REMOVE) {
		if (w != NULL) {
			event_free(w->ev);
			free(w);
		}
		curl_multi_assign(d->multi, s, NULL);
		return 0;
	}
	kind = EV_PERSIST | (what & CURL_POLL_IN ? EV_READ : 0) |
	    (what & CURL_POLL_OUT ? EV_WRITE : 0);
	if (w == NULL) {
		w = xcalloc(1, sizeof(*w));
		curl_multi_assign(d->multi, s, w);
	} else
		event_free(w->ev);
	w->ev = event_new(d->base, s, kind, on_socket_ready, d);
	event_add(w->ev, NULL);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: one timer, re-armed to libcurl's wish. */
static int
on_timer(CURLM *multi, long timeout_ms, void *arg)
{
	struct deliver	*d = arg;
	struct timeval	 tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

	if (timeout_ms < 0)
		evtimer_del(d->timer);
	else
		evtimer_add(d->timer, &tv);
	return 0;
}

static void
answer_id(const struct post *p, struct deliver_result *r)
{
	json_t		*o = json_loads(p->answer, 0, NULL);
	const char	*id = json_string_value(json_object_get(o, "id"));

	snprintf(r->provider_id, sizeof(r->provider_id), "%s",
	    id != NULL ? id : "");
	json_decref(o);
}

static void
post_free(struct post *p)
{
	TAILQ_REMOVE(&p->d->posts, p, entry);
	curl_multi_remove_handle(p->d->multi, p->easy);
	curl_easy_cleanup(p->easy);
	curl_slist_free_all(p->headers);
	free(p->body);
	free(p);
}

/* Hands every finished transfer's result to its caller. */
static void
check_done(struct deliver *d)
{
	struct deliver_result	 r;
	struct post		*p;
	CURLMsg			*msg;
	int			 left;

	while ((msg = curl_multi_info_read(d->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
		memset(&r, 0, sizeof(r));
		if (msg->data.result == CURLE_OK) {
			curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE,
			    &r.status);
			answer_id(p, &r);
		} else
			snprintf(r.error, sizeof(r.error), "%.120s", p->error[0] ?
			    p->error : curl_easy_strerror(msg->data.result));
		p->fn(p->arg, &r);
		post_free(p);
	}
}

struct deliver *
deliver_new(struct event_base *base, long connect_timeout_ms, long timeout_ms)
{
	struct deliver	*d = xcalloc(1, sizeof(*d));

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (d->multi = curl_multi_init()) == NULL)
		fatalx("deliver: libcurl cannot start");
	d->base = base;
	d->connect_timeout_ms = connect_timeout_ms;
	d->timeout_ms = timeout_ms;
	d->timer = evtimer_new(base, on_timeout, d);
	TAILQ_INIT(&d->posts);
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERDATA, d);
	return d;
}

static struct curl_slist *
signed_headers(const char *secret, const char *body)
{
	struct curl_slist	*h = NULL;
	char			 ts[24], sig[SIGN_HEX_LEN + 1], line[128];

	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	if (sign_body(secret, ts, body, strlen(body), sig) == -1)
		return NULL;
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	snprintf(line, sizeof(line), "X-CDP-Timestamp: %s", ts);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "X-CDP-Signature: %s", sig);
	return curl_slist_append(h, line);
}

/*
 * Starts a signed POST of body (copied) to url; fn gets the result once,
 * later, from the event loop. -1 when it could not start.
 */
int
deliver_post(struct deliver *d, const char *url, const char *secret,
    const char *body, deliver_fn fn, void *arg)
{
	struct post	*p = xcalloc(1, sizeof(*p));

	p->d = d;
	p->fn = fn;
	p->arg = arg;
	p->body = xstrdup(body);
	if ((p->headers = signed_headers(secret, body)) == NULL ||
	    (p->easy = curl_easy_init()) == NULL) {
		curl_slist_free_all(p->headers);
		free(p->body);
		free(p);
		return -1;
	}
	curl_easy_setopt(p->easy, CURLOPT_URL, url);
	curl_easy_setopt(p->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(p->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(p->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    d->connect_timeout_ms);
	curl_easy_setopt(p->easy, CURLOPT_TIMEOUT_MS, d->timeout_ms);
	curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, p->headers);
	curl_easy_setopt(p->easy, CURLOPT_POSTFIELDS, p->body);
	curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(p->easy, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(p->easy, CURLOPT_ERRORBUFFER, p->error);
	curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
	TAILQ_INSERT_TAIL(&d->posts, p, entry);
	curl_multi_add_handle(d->multi, p->easy);
	return 0;
}

/*
 * Abandons the transfers still running: each callback runs once more,
 * with status DELIVER_ABANDONED, so its caller can let go.
 */
void
deliver_free(struct deliver *d)
{
	struct deliver_result	 r = { .status = DELIVER_ABANDONED };
	struct post		*p;

	snprintf(r.error, sizeof(r.error), "abandoned at shutdown");
	while ((p = TAILQ_FIRST(&d->posts)) != NULL) {
		p->fn(p->arg, &r);
		post_free(p);
	}
	curl_multi_cleanup(d->multi);
	event_free(d->timer);
	free(d);
	curl_global_cleanup();
}
