/*
 * The health, readiness, metrics and API server on top of evhttp.
 *
 * Counting connections. libevent 2.1 has no evhttp setting for a maximum
 * number of connections and no callback when evhttp accepts one, so the
 * count is kept at the two ends of a connection's life that evhttp does
 * expose. Every accepted connection asks our bufferevent callback
 * (evhttp_set_bevcb) for its bufferevent: that is the +1, and the
 * bufferevent is kept (with a reference) on a pending list. An event
 * activated at the same moment runs as soon as evhttp has finished
 * setting the connection up, in the same loop iteration, before evhttp
 * reads from it; it finds the evhttp_connection, which evhttp
 * passes as the argument of the bufferevent's callbacks, and either
 * installs a close callback (the -1, evhttp_connection_set_closecb) or,
 * beyond the bound, writes a 503 and frees the connection. So idle
 * connections that never send a request are counted too, and a connection
 * freed before it could be looked at is recognised by its cleared
 * callbacks. A sanity check on the found connection ends the process if a
 * future libevent changes this, rather than miscounting.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>

#include "config.h"
#include "httpd.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define HTTPD_MAX_BODY		(64 * 1024)
#define HTTPD_MAX_HEADERS	(16 * 1024)
#define HTTPD_TIMEOUT		10
#define HTTPD_MAX_CONNS		1024
#define HTTPD_BACKLOG		128
#define HTTPD_WHY_MAX		256
#define HTTPD_ACCEPT_PAUSE_MS	200

#define HTTPD_BUSY_BODY		"{\"error\":\"too_many_connections\"}"
#define HTTPD_BUSY \
	"HTTP/1.1 503 Service Unavailable\r\n" \
	"Content-Type: application/json; charset=utf-8\r\n" \
	"Connection: close\r\n" \
	"Content-Length: 32\r\n\r\n" HTTPD_BUSY_BODY

struct httpd_check {
	char		*name;
	httpd_ready_fn	 fn;
	void		*arg;
};

struct httpd_route {
	char		*prefix;
	size_t		 len;
	httpd_route_fn	 fn;
	void		*arg;
};

/* A connection accepted by evhttp whose close callback is not yet set. */
struct httpd_pending {
	struct bufferevent		*bev;
	TAILQ_ENTRY(httpd_pending)	 entry;
};

/* A request handed to a handler and not yet answered. */
struct httpd_req {
	struct httpd			*httpd;
	struct evhttp_connection	*evcon;
	struct evhttp_request		*req;
	const char			*route;
	struct timespec			 start;
	TAILQ_ENTRY(httpd_req)		 entry;
};

struct httpd {
	struct event_base		*base;
	struct evhttp			*http;
	struct evconnlistener		*listener;
	struct event			*attach;
	struct event			*resume;
	char				*service;
	int				 port;
	struct httpd_check		*checks;
	size_t				 nchecks;
	struct httpd_route		*routes;
	size_t				 nroutes;
	int				 max_conns;
	int				 nconns;
	int				 draining;
	TAILQ_HEAD(, httpd_pending)	 pending;
	TAILQ_HEAD(httpd_reqs, httpd_req) reqs;
	LIST_ENTRY(httpd)		 entry;
	struct httpd			*admin;	/* serves /readyz, /metrics */
	struct httpd			*parent; /* of an admin server */
};

/*
 * The servers running. The listener's error callback receives evhttp's
 * argument, not ours (evhttp_bind_listener sets it), so it finds its httpd
 * here by the listener.
 */
static LIST_HEAD(, httpd) httpd_all = LIST_HEAD_INITIALIZER(httpd_all);

/* Keeps the open-connections gauge equal to the count, admin's included. */
static void
httpd_conns_changed(struct httpd *h)
{
	const struct httpd	*top = h->parent != NULL ? h->parent : h;
	int			 n = top->nconns;

	if (top->admin != NULL)
		n += top->admin->nconns;
	metrics_set(metrics_gauge("http_connections_open",
	    "HTTP connections open now.", ""), (double)n);
}

/*
 * evhttp is closing a connection we counted: the -1. Clearing the callback
 * first makes a second call impossible.
 */
static void
httpd_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct httpd		*h = arg;
	struct httpd_req	*r, *next;

	evhttp_connection_set_closecb(evcon, NULL, NULL);
	h->nconns--;
	httpd_conns_changed(h);
	/*
	 * A request still unanswered here will never complete: evhttp frees
	 * or detaches it without calling its completion callback.
	 */
	for (r = TAILQ_FIRST(&h->reqs); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->evcon == evcon) {
			TAILQ_REMOVE(&h->reqs, r, entry);
			free(r);
		}
	}
}

/*
 * Refuses a connection beyond the bound: a best-effort 503 on the socket,
 * which nothing has read from yet, then the connection is freed.
 */
static void
httpd_refuse(struct httpd *h, struct evhttp_connection *evcon,
    struct bufferevent *bev)
{
	ssize_t	unused;

	unused = send(bufferevent_getfd(bev), HTTPD_BUSY,
	    sizeof(HTTPD_BUSY) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)unused;
	h->nconns--;
	metrics_inc(metrics_counter("http_connections_refused_total",
	    "HTTP connections closed at once because too many were open.",
	    ""));
	evhttp_connection_free(evcon);
}

/* Finds the connection behind one pending bufferevent; see the top. */
static void
httpd_attach_one(struct httpd *h, struct bufferevent *bev)
{
	bufferevent_data_cb	 readcb, writecb;
	bufferevent_event_cb	 eventcb;
	void			*cbarg;
	struct evhttp_connection *evcon;

	bufferevent_getcb(bev, &readcb, &writecb, &eventcb, &cbarg);
	if (eventcb == NULL) {
		h->nconns--;		/* evhttp already let it go */
		return;
	}
	evcon = cbarg;
	if (evhttp_connection_get_bufferevent(evcon) != bev)
		fatalx("httpd: cannot find evhttp's connection object");
	if (h->nconns > h->max_conns)
		httpd_refuse(h, evcon, bev);
	else
		evhttp_connection_set_closecb(evcon, httpd_conn_closed, h);
}

static void
httpd_attach(evutil_socket_t fd, short what, void *arg)
{
	struct httpd		*h = arg;
	struct httpd_pending	*p;

	while ((p = TAILQ_FIRST(&h->pending)) != NULL) {
		TAILQ_REMOVE(&h->pending, p, entry);
		httpd_attach_one(h, p->bev);
		bufferevent_decref(p->bev);
		free(p);
	}
	httpd_conns_changed(h);
}

/* evhttp's bufferevent factory: called once for each accepted connection. */
static struct bufferevent *
httpd_accepted(struct event_base *base, void *arg)
{
	struct httpd		*h = arg;
	struct httpd_pending	*p;
	struct bufferevent	*bev;

	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("httpd: bufferevent_socket_new");
	bufferevent_incref(bev);
	p = xcalloc(1, sizeof(*p));
	p->bev = bev;
	TAILQ_INSERT_TAIL(&h->pending, p, entry);
	h->nconns++;
	event_active(h->attach, EV_TIMEOUT, 1);
	return bev;
}

static void
httpd_resume(evutil_socket_t fd, short what, void *arg)
{
	struct httpd	*h = arg;

	evconnlistener_enable(h->listener);
}

/*
 * Out of file descriptors, accept(2) fails until some are closed; the
 * listener pauses briefly instead of spinning on the same error.
 */
static void
httpd_accept_error(struct evconnlistener *lev, void *arg)
{
	struct httpd	*h;
	struct timeval	 tv = { 0, HTTPD_ACCEPT_PAUSE_MS * 1000 };

	log_warn("httpd: accept");
	LIST_FOREACH(h, &httpd_all, entry)
		if (h->listener == lev)
			break;
	if (h == NULL)
		return;
	metrics_inc(metrics_counter("http_accept_errors_total",
	    "Errors accepting HTTP connections.", ""));
	evconnlistener_disable(lev);
	evtimer_add(h->resume, &tv);
}

static double
elapsed_since(const struct timespec *start)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Counts and times one answered request, once its answer is written. */
static void
httpd_req_done(struct evhttp_request *req, void *arg)
{
	struct httpd_req	*r = arg;
	char			 labels[256], code[16];

	snprintf(code, sizeof(code), "%d",
	    evhttp_request_get_response_code(req));
	if (metrics_labels(labels, sizeof(labels), "route", r->route, "code",
	    code, NULL) == 0)
		metrics_inc(metrics_counter("http_requests_total",
		    "HTTP requests answered, by route and status code.",
		    labels));
	if (metrics_labels(labels, sizeof(labels), "route", r->route,
	    NULL) == 0)
		metrics_observe(metrics_histogram(
		    "http_request_duration_seconds",
		    "Time from a complete HTTP request to its written answer.",
		    labels, metrics_latency_seconds,
		    metrics_latency_seconds_n), elapsed_since(&r->start));
	TAILQ_REMOVE(&r->httpd->reqs, r, entry);
	free(r);
}

static void
httpd_req_track(struct httpd *h, struct evhttp_request *req,
    const char *route)
{
	struct httpd_req	*r;

	r = xcalloc(1, sizeof(*r));
	r->httpd = h;
	r->evcon = evhttp_request_get_connection(req);
	r->req = req;
	r->route = route;
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	TAILQ_INSERT_TAIL(&h->reqs, r, entry);
	evhttp_request_set_on_complete_cb(req, httpd_req_done, r);
}

/*
 * Sends body as the answer. evhttp 2.1 would send a body to HEAD too, so
 * for HEAD only its length is announced.
 */
static void
httpd_reply(struct evhttp_request *req, int code, const char *type,
    const char *body, size_t len)
{
	struct evkeyvalq	*headers;
	char			 clen[32];

	headers = evhttp_request_get_output_headers(req);
	evhttp_add_header(headers, "Content-Type", type);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(clen, sizeof(clen), "%zu", len);
		evhttp_add_header(headers, "Content-Length", clen);
	} else
		evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	evhttp_send_reply(req, code, NULL, NULL);
}

void
httpd_reply_json(struct evhttp_request *req, int code, const char *json)
{
	httpd_reply(req, code, "application/json; charset=utf-8", json,
	    strlen(json));
}

/* Serialises v (taking ownership of it) and sends it as the answer. */
static void
httpd_reply_value(struct evhttp_request *req, int code, json_t *v)
{
	char	*s;

	if (v == NULL || (s = json_dumps(v, JSON_COMPACT)) == NULL)
		fatalx("httpd: cannot build a JSON answer");
	httpd_reply_json(req, code, s);
	free(s);
	json_decref(v);
}

static void
httpd_serve_health(struct httpd *h, struct evhttp_request *req)
{
	httpd_reply_value(req, 200, json_pack("{s:s, s:s}", "status", "ok",
	    "service", h->service));
}

/* Runs one readiness check and records its answer under its name. */
static int
httpd_check_run(const struct httpd_check *c, json_t *checks)
{
	char	 why[HTTPD_WHY_MAX];
	json_t	*v;
	int	 ready;

	why[0] = '\0';
	ready = c->fn(c->arg, why, sizeof(why)) == 1;
	why[sizeof(why) - 1] = '\0';
	if (ready)
		v = json_string("ok");
	else if ((v = json_string(why[0] != '\0' ? why : "not ready")) == NULL)
		v = json_string("not ready (reason is not UTF-8)");
	json_object_set_new(checks, c->name, v);
	return ready;
}

/* An admin server answers for the checks and the state of its parent. */
static void
httpd_serve_ready(struct httpd *h, struct evhttp_request *req)
{
	json_t	*root, *checks;
	size_t	 i;
	int	 ready;

	if (h->parent != NULL)
		h = h->parent;
	ready = !h->draining;

	checks = json_object();
	for (i = 0; i < h->nchecks; i++) {
		if (!httpd_check_run(&h->checks[i], checks))
			ready = 0;
	}
	root = json_pack("{s:b}", "ready", ready);
	if (h->draining)
		json_object_set_new(root, "draining", json_true());
	json_object_set_new(root, "checks", checks);
	httpd_reply_value(req, ready ? 200 : 503, root);
}

static void
httpd_serve_metrics(struct evhttp_request *req)
{
	char	*text;
	size_t	 len;

	text = metrics_render(&len);
	httpd_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", text,
	    len);
	free(text);
}

static const char *
httpd_path(struct evhttp_request *req)
{
	const struct evhttp_uri	*uri;
	const char		*path = NULL;

	if ((uri = evhttp_request_get_evhttp_uri(req)) != NULL)
		path = evhttp_uri_get_path(uri);
	return path != NULL && path[0] != '\0' ? path : "/";
}

static const struct httpd_route *
httpd_route_match(struct httpd *h, const char *path)
{
	const struct httpd_route	*best = NULL;
	size_t				 i;

	for (i = 0; i < h->nroutes; i++) {
		if (strncmp(path, h->routes[i].prefix, h->routes[i].len) == 0 &&
		    (best == NULL || h->routes[i].len > best->len))
			best = &h->routes[i];
	}
	return best;
}

/*
 * The built-in endpoints; returns the route label, NULL if none. A server
 * with an admin server beside it keeps only /healthz: readiness details
 * and metrics are for operators, not for the public port.
 */
static const char *
httpd_builtin(const struct httpd *h, const char *path)
{
	static const char *const builtins[] = {
		"/healthz", "/readyz", "/metrics",
	};
	size_t	i, n = h->admin != NULL ? 1 : 3;

	for (i = 0; i < n; i++)
		if (strcmp(path, builtins[i]) == 0)
			return builtins[i];
	return NULL;
}

static void
httpd_serve_builtin(struct httpd *h, struct evhttp_request *req,
    const char *route)
{
	enum evhttp_cmd_type	cmd = evhttp_request_get_command(req);

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		httpd_reply_json(req, 405,
		    "{\"error\":\"method_not_allowed\"}");
	} else if (strcmp(route, "/healthz") == 0)
		httpd_serve_health(h, req);
	else if (strcmp(route, "/readyz") == 0)
		httpd_serve_ready(h, req);
	else
		httpd_serve_metrics(req);
}

/*
 * Names the route a handler recognised ("POST /v1/complaints/{id}/actions"),
 * so metrics count by route template rather than by the handler's prefix.
 * label must outlive the request (a string literal). Handlers name it as
 * they start, when their request is the newest tracked one: the search
 * starts there, not behind every request still waiting for an answer.
 */
void
httpd_route_label(struct httpd *h, struct evhttp_request *req,
    const char *label)
{
	struct httpd_req	*r;

	TAILQ_FOREACH_REVERSE(r, &h->reqs, httpd_reqs, entry)
		if (r->req == req) {
			r->route = label;
			return;
		}
}

/*
 * Every complete request arrives here: built-ins by exact path first, then
 * the daemon's routes by longest prefix, else 404.
 */
static void
httpd_dispatch(struct evhttp_request *req, void *arg)
{
	struct httpd			*h = arg;
	const char			*path = httpd_path(req), *route;
	const struct httpd_route	*r;

	if ((route = httpd_builtin(h, path)) != NULL) {
		httpd_req_track(h, req, route);
		httpd_serve_builtin(h, req, route);
	} else if (h->parent == NULL &&
	    (r = httpd_route_match(h, path)) != NULL) {
		httpd_req_track(h, req, r->prefix);
		r->fn(req, r->arg);
	} else {
		httpd_req_track(h, req, "unmatched");
		httpd_reply_json(req, 404, "{\"error\":\"not_found\"}");
	}
}

static struct evconnlistener *
httpd_listen(struct httpd *h, const char *listen)
{
	struct addrinfo		 hints, *res;
	struct evconnlistener	*lev;
	char			*host, port[8];
	int			 p, rc;

	if (config_listen(listen, &host, &p) == -1)
		fatalx("httpd: listen address \"%s\": expected host:port",
		    listen);
	snprintf(port, sizeof(port), "%d", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		fatalx("httpd: %s: %s", listen, gai_strerror(rc));
	lev = evconnlistener_new_bind(h->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    HTTPD_BACKLOG, res->ai_addr, (int)res->ai_addrlen);
	if (lev == NULL)
		fatal("httpd: cannot listen on %s", listen);
	freeaddrinfo(res);
	free(host);
	return lev;
}

static int
httpd_bound_port(struct evconnlistener *lev)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	if (getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&ss,
	    &len) == -1)
		fatal("httpd: getsockname");
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * Starts serving on listen ("host:port"; port 0 picks a free one, see
 * httpd_port). Failing to listen is a start-up error and ends the process.
 */
struct httpd *
httpd_start(struct event_base *base, const char *listen, const char *service)
{
	struct httpd	*h;

	h = xcalloc(1, sizeof(*h));
	h->base = base;
	h->service = xstrdup(service);
	TAILQ_INIT(&h->pending);
	TAILQ_INIT(&h->reqs);
	h->listener = httpd_listen(h, listen);
	h->port = httpd_bound_port(h->listener);
	if ((h->http = evhttp_new(base)) == NULL ||
	    evhttp_bind_listener(h->http, h->listener) == NULL)
		fatalx("httpd: cannot set up evhttp on %s", listen);
	evconnlistener_set_error_cb(h->listener, httpd_accept_error);
	if ((h->attach = event_new(base, -1, 0, httpd_attach, h)) == NULL ||
	    (h->resume = evtimer_new(base, httpd_resume, h)) == NULL)
		fatalx("httpd: event_new");
	evhttp_set_gencb(h->http, httpd_dispatch, h);
	evhttp_set_bevcb(h->http, httpd_accepted, h);
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
	evhttp_set_max_headers_size(h->http, HTTPD_MAX_HEADERS);
	httpd_set_limits(h, HTTPD_MAX_BODY, HTTPD_TIMEOUT, HTTPD_MAX_CONNS);
	httpd_conns_changed(h);
	LIST_INSERT_HEAD(&httpd_all, h, entry);
	log_info("httpd: listening on %s (port %d)", listen, h->port);
	return h;
}

/*
 * Starts the admin server on listen: from now on /readyz and /metrics are
 * served there (with /healthz), and the public server keeps /healthz and
 * the daemon's routes. Failing to listen ends the process.
 */
void
httpd_admin(struct httpd *h, const char *listen)
{
	h->admin = httpd_start(h->base, listen, h->service);
	h->admin->parent = h;
}

/* The admin server's port, or -1 when there is none. */
int
httpd_admin_port(const struct httpd *h)
{
	return h->admin != NULL ? h->admin->port : -1;
}

void
httpd_ready_check(struct httpd *h, const char *name, httpd_ready_fn fn,
    void *arg)
{
	h->checks = xreallocarray(h->checks, h->nchecks + 1,
	    sizeof(*h->checks));
	h->checks[h->nchecks].name = xstrdup(name);
	h->checks[h->nchecks].fn = fn;
	h->checks[h->nchecks].arg = arg;
	h->nchecks++;
}

void
httpd_route(struct httpd *h, const char *prefix, httpd_route_fn fn,
    void *arg)
{
	size_t	i;

	if (prefix[0] != '/')
		fatalx("httpd: route \"%s\" does not start with /", prefix);
	for (i = 0; i < h->nroutes; i++)
		if (strcmp(h->routes[i].prefix, prefix) == 0)
			fatalx("httpd: route \"%s\" added twice", prefix);
	h->routes = xreallocarray(h->routes, h->nroutes + 1,
	    sizeof(*h->routes));
	h->routes[h->nroutes].prefix = xstrdup(prefix);
	h->routes[h->nroutes].len = strlen(prefix);
	h->routes[h->nroutes].fn = fn;
	h->routes[h->nroutes].arg = arg;
	h->nroutes++;
}

/*
 * Changes the limits; a zero keeps the current value. The timeout applies
 * to connections accepted from now on.
 */
void
httpd_set_limits(struct httpd *h, size_t max_body, int timeout_secs,
    int max_connections)
{
	if (max_body > 0)
		evhttp_set_max_body_size(h->http, (ev_ssize_t)max_body);
	if (timeout_secs > 0)
		evhttp_set_timeout(h->http, timeout_secs);
	if (max_connections > 0)
		h->max_conns = max_connections;
}

/* From now on /readyz answers 503: the daemon is shutting down. */
void
httpd_drain(struct httpd *h)
{
	h->draining = 1;
}

int
httpd_port(const struct httpd *h)
{
	return h->port;
}

int
httpd_connections(const struct httpd *h)
{
	return h->nconns;
}

/*
 * Frees the server and every connection; requests that handlers still
 * hold must not be answered afterwards. evhttp_free closes the listener
 * and the connections first, which runs the close callbacks while the
 * httpd is still whole.
 */
void
httpd_free(struct httpd *h)
{
	struct httpd_pending	*p;
	struct httpd_req	*r;
	size_t			 i;

	if (h == NULL)
		return;
	httpd_free(h->admin);
	LIST_REMOVE(h, entry);
	evhttp_free(h->http);
	while ((p = TAILQ_FIRST(&h->pending)) != NULL) {
		TAILQ_REMOVE(&h->pending, p, entry);
		bufferevent_decref(p->bev);
		free(p);
	}
	while ((r = TAILQ_FIRST(&h->reqs)) != NULL) {
		TAILQ_REMOVE(&h->reqs, r, entry);
		free(r);
	}
	event_free(h->attach);
	event_free(h->resume);
	for (i = 0; i < h->nchecks; i++)
		free(h->checks[i].name);
	for (i = 0; i < h->nroutes; i++)
		free(h->routes[i].prefix);
	free(h->checks);
	free(h->routes);
	free(h->service);
	free(h);
}
