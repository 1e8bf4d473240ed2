/*
 * Integration test of common/httpd.c: a real server on an ephemeral port of
 * 127.0.0.1, in this process, on its own event base. The client is a plain
 * socket; while it waits for an answer it turns the event loop, so server
 * and client share one thread like a daemon and its probes never could,
 * and the test needs neither Kafka nor Redis.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "httpd.h"
#include "metrics.h"

#define REPLY_MAX	(256 * 1024)
#define WAIT_MS		5000

struct fixture {
	struct event_base	*base;
	struct httpd		*httpd;
	int			 port;
};

struct reply {
	int	 code;
	char	*raw;		/* whole answer, NUL-terminated */
	char	*body;		/* inside raw */
	size_t	 len;
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Turns the server's event loop for about ms milliseconds. */
static void
pump(struct fixture *f, int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(f->base, &tv);
	event_base_dispatch(f->base);
}

static int
client_connect(struct fixture *f)
{
	struct sockaddr_in	sin;
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)f->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd != -1);
	/* The kernel completes the handshake from the backlog. */
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/*
 * Reads until the server closes the connection, turning the event loop
 * in between. Returns the bytes read; a reset counts as the end.
 */
static size_t
client_read_all(struct fixture *f, int fd, char *buf, size_t size)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	double		deadline = now() + WAIT_MS / 1000.0;
	size_t		len = 0;
	ssize_t		n;

	while (now() < deadline) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		n = recv(fd, buf + len, size - 1 - len, MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			break;
		if (n > 0)
			len += (size_t)n;
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			fail_msg("recv: %s", strerror(errno));
		else
			poll(&pfd, 1, 1);
	}
	if (now() >= deadline)
		fail_msg("no end of answer within %d ms", WAIT_MS);
	buf[len] = '\0';
	return len;
}

static void
reply_parse(struct reply *r, char *raw, size_t len)
{
	char	*end;

	r->raw = raw;
	r->code = 0;
	if (sscanf(raw, "HTTP/1.%*d %d", &r->code) != 1)
		r->code = -1;
	if ((end = strstr(raw, "\r\n\r\n")) != NULL) {
		r->body = end + 4;
		r->len = len - (size_t)(r->body - raw);
	} else {
		r->body = raw + len;
		r->len = 0;
	}
}

static void
client_send(int fd, const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = send(fd, s, len, MSG_NOSIGNAL);
		assert_true(n > 0);
		s += n;
		len -= (size_t)n;
	}
}

/* One request on a fresh connection; the answer's raw text is allocated. */
static void
request(struct fixture *f, const char *method, const char *path,
    const char *headers, const char *body, struct reply *r)
{
	char	*req, *raw, extra[128] = "";
	int	 fd;
	size_t	 len;

	if (body != NULL)
		snprintf(extra, sizeof(extra), "Content-Type: application/json"
		    "\r\nContent-Length: %zu\r\n", strlen(body));
	if (asprintf(&req, "%s %s HTTP/1.1\r\nHost: test\r\n"
	    "Connection: close\r\n%s%s\r\n%s", method, path,
	    headers != NULL ? headers : "", extra,
	    body != NULL ? body : "") == -1)
		fail();
	fd = client_connect(f);
	client_send(fd, req, strlen(req));
	free(req);
	raw = malloc(REPLY_MAX);
	assert_non_null(raw);
	len = client_read_all(f, fd, raw, REPLY_MAX);
	close(fd);
	reply_parse(r, raw, len);
}

static void
get(struct fixture *f, const char *path, struct reply *r)
{
	request(f, "GET", path, NULL, NULL, r);
}

static void
assert_header(const struct reply *r, const char *line)
{
	if (strstr(r->raw, line) == NULL)
		fail_msg("header \"%s\" missing in:\n%s", line, r->raw);
}

static void
assert_body(const struct reply *r, const char *want)
{
	if (strcmp(r->body, want) != 0)
		fail_msg("body \"%s\", want \"%s\"", r->body, want);
}

static void
assert_contains(const struct reply *r, const char *want)
{
	if (strstr(r->body, want) == NULL)
		fail_msg("\"%s\" not in:\n%s", want, r->body);
}

static int
setup(void **state)
{
	struct fixture	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	metrics_reset();
	f->base = event_base_new();
	assert_non_null(f->base);
	f->httpd = httpd_start(f->base, "127.0.0.1:0", "testsvc");
	f->port = httpd_port(f->httpd);
	assert_true(f->port > 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	httpd_free(f->httpd);
	event_base_free(f->base);
	metrics_reset();
	free(f);
	return 0;
}

static void
test_healthz(void **state)
{
	struct fixture	*f = *state;
	struct reply	 r;

	get(f, "/healthz", &r);
	assert_int_equal(r.code, 200);
	assert_header(&r, "Content-Type: application/json; charset=utf-8\r\n");
	assert_body(&r, "{\"status\":\"ok\",\"service\":\"testsvc\"}");
	free(r.raw);

	get(f, "/healthz?verbose=1", &r);
	assert_int_equal(r.code, 200);
	free(r.raw);

	request(f, "HEAD", "/healthz", NULL, NULL, &r);
	assert_int_equal(r.code, 200);
	assert_header(&r, "Content-Length: 35\r\n");
	assert_int_equal(r.len, 0);
	free(r.raw);

	request(f, "POST", "/healthz", NULL, "{}", &r);
	assert_int_equal(r.code, 405);
	assert_header(&r, "Allow: GET, HEAD\r\n");
	assert_body(&r, "{\"error\":\"method_not_allowed\"}");
	free(r.raw);
}

struct dep {
	int		 up;
	const char	*why;
};

static int
dep_ready(void *arg, char *why, size_t whysz)
{
	struct dep	*d = arg;

	if (d->up)
		return 1;
	snprintf(why, whysz, "%s", d->why);
	return 0;
}

static void
test_readyz(void **state)
{
	struct fixture	*f = *state;
	struct dep	 kafka = { 0, "connecting to 127.0.0.1:9092" };
	struct dep	 redis = { 1, NULL };
	struct reply	 r;

	get(f, "/readyz", &r);
	assert_int_equal(r.code, 200);		/* no checks: ready */
	assert_body(&r, "{\"ready\":true,\"checks\":{}}");
	free(r.raw);

	httpd_ready_check(f->httpd, "kafka", dep_ready, &kafka);
	httpd_ready_check(f->httpd, "redis", dep_ready, &redis);
	get(f, "/readyz", &r);
	assert_int_equal(r.code, 503);
	assert_header(&r, "Content-Type: application/json; charset=utf-8\r\n");
	assert_body(&r, "{\"ready\":false,\"checks\":{\"kafka\":\"connecting "
	    "to 127.0.0.1:9092\",\"redis\":\"ok\"}}");
	free(r.raw);

	kafka.up = 1;
	get(f, "/readyz", &r);
	assert_int_equal(r.code, 200);
	assert_body(&r, "{\"ready\":true,\"checks\":{\"kafka\":\"ok\","
	    "\"redis\":\"ok\"}}");
	free(r.raw);

	kafka.up = 0;
	kafka.why = "bad \xff utf-8";
	get(f, "/readyz", &r);
	assert_int_equal(r.code, 503);
	assert_contains(&r, "\"kafka\":\"not ready (reason is not UTF-8)\"");
	free(r.raw);

	kafka.up = 1;
	httpd_drain(f->httpd);
	get(f, "/readyz", &r);
	assert_int_equal(r.code, 503);
	assert_body(&r, "{\"ready\":false,\"draining\":true,\"checks\":"
	    "{\"kafka\":\"ok\",\"redis\":\"ok\"}}");
	free(r.raw);
}

static void
test_metrics(void **state)
{
	struct fixture	*f = *state;
	struct reply	 r;

	metrics_inc(metrics_counter("test_widgets_total", "Widgets.", ""));
	get(f, "/healthz", &r);
	free(r.raw);
	get(f, "/nowhere", &r);
	free(r.raw);
	get(f, "/metrics", &r);
	assert_int_equal(r.code, 200);
	assert_header(&r, "Content-Type: text/plain; version=0.0.4; "
	    "charset=utf-8\r\n");
	assert_contains(&r, "# TYPE test_widgets_total counter\n"
	    "test_widgets_total 1\n");
	assert_contains(&r, "# TYPE http_requests_total counter\n");
	assert_contains(&r, "http_requests_total{route=\"/healthz\","
	    "code=\"200\"} 1\n");
	assert_contains(&r, "http_requests_total{route=\"unmatched\","
	    "code=\"404\"} 1\n");
	assert_contains(&r, "# TYPE http_request_duration_seconds histogram\n");
	assert_contains(&r, "http_request_duration_seconds_bucket{"
	    "route=\"/healthz\",le=\"+Inf\"} 1\n");
	assert_contains(&r, "http_request_duration_seconds_count{"
	    "route=\"/healthz\"} 1\n");
	assert_contains(&r, "# TYPE http_connections_open gauge\n");
	free(r.raw);

	/* The scrape itself is counted once it is written. */
	get(f, "/metrics", &r);
	assert_contains(&r, "http_requests_total{route=\"/metrics\","
	    "code=\"200\"} 1\n");
	free(r.raw);
}

/* Answers with the route's name and the path it was given. */
static void
echo_route(struct evhttp_request *req, void *arg)
{
	char	json[512];

	snprintf(json, sizeof(json), "{\"route\":\"%s\",\"path\":\"%s\"}",
	    (const char *)arg, evhttp_request_get_uri(req));
	httpd_reply_json(req, 200, json);
}

static void
test_routes(void **state)
{
	struct fixture	*f = *state;
	struct reply	 r;

	httpd_route(f->httpd, "/v1/", echo_route, "v1");
	httpd_route(f->httpd, "/v1/complaints/", echo_route, "complaints");

	get(f, "/v1/complaints/C-1?x=1", &r);
	assert_int_equal(r.code, 200);
	assert_header(&r, "Content-Type: application/json; charset=utf-8\r\n");
	assert_body(&r, "{\"route\":\"complaints\","
	    "\"path\":\"/v1/complaints/C-1?x=1\"}");
	free(r.raw);

	get(f, "/v1/merchants", &r);
	assert_int_equal(r.code, 200);
	assert_body(&r, "{\"route\":\"v1\",\"path\":\"/v1/merchants\"}");
	free(r.raw);

	get(f, "/v1", &r);
	assert_int_equal(r.code, 404);
	assert_body(&r, "{\"error\":\"not_found\"}");
	free(r.raw);

	get(f, "/", &r);
	assert_int_equal(r.code, 404);
	assert_header(&r, "Content-Type: application/json; charset=utf-8\r\n");
	free(r.raw);

	request(f, "POST", "/v1/complaints/", NULL, "{\"a\":1}", &r);
	assert_int_equal(r.code, 200);
	free(r.raw);

	get(f, "/metrics", &r);
	assert_contains(&r, "http_requests_total{route=\"/v1/complaints/\","
	    "code=\"200\"} 2\n");
	assert_contains(&r, "http_requests_total{route=\"/v1/\","
	    "code=\"200\"} 1\n");
	assert_contains(&r, "http_requests_total{route=\"unmatched\","
	    "code=\"404\"} 2\n");
	free(r.raw);
}

/* A handler that answers later, as intake does after the broker's ack. */
static void
late_answer(evutil_socket_t fd, short what, void *arg)
{
	httpd_reply_json(arg, 202, "{\"status\":\"accepted\"}");
}

static void
late_route(struct evhttp_request *req, void *arg)
{
	struct fixture	*f = arg;
	struct timeval	 tv = { 0, 60 * 1000 };

	event_base_once(f->base, -1, EV_TIMEOUT, late_answer, req, &tv);
}

static void
test_async_route(void **state)
{
	struct fixture	*f = *state;
	struct reply	 r;
	const char	*req = "GET /late/1 HTTP/1.1\r\nHost: t\r\n\r\n";
	int		 fd;

	httpd_route(f->httpd, "/late/", late_route, f);
	get(f, "/late/1", &r);
	assert_int_equal(r.code, 202);
	assert_body(&r, "{\"status\":\"accepted\"}");
	free(r.raw);

	/*
	 * The client gives up before the answer. evhttp 2.1 does not read
	 * while a handler holds the request, so the answer is still written
	 * (into the void) and counted; nothing leaks or crashes.
	 */
	fd = client_connect(f);
	client_send(fd, req, strlen(req));
	pump(f, 20);
	close(fd);
	pump(f, 150);
	assert_int_equal(httpd_connections(f->httpd), 0);

	get(f, "/metrics", &r);
	/* Timed to the written answer: 60 ms is past the 50 ms bucket. */
	assert_contains(&r, "http_request_duration_seconds_bucket{"
	    "route=\"/late/\",le=\"0.05\"} 0\n");
	assert_contains(&r, "http_request_duration_seconds_count{"
	    "route=\"/late/\"} 2\n");
	assert_contains(&r, "http_requests_total{route=\"/late/\","
	    "code=\"202\"} 2\n");
	free(r.raw);
}

/* A handler that keeps the request and never answers. */
static void
never_route(struct evhttp_request *req, void *arg)
{
	int	*held = arg;

	(*held)++;
}

/*
 * Freeing the server with requests still held frees what was kept for
 * them (ASan checks); the teardown does the freeing.
 */
/*
 * With an admin listener, the public port keeps /healthz and the routes;
 * /readyz (with the same checks and draining) and /metrics are on the
 * admin port, which serves no routes.
 */
static void
test_admin_listener(void **state)
{
	struct fixture	*f = *state;
	struct dep	 kafka = { 0, "connecting" };
	struct reply	 r;
	int		 public = f->port;

	httpd_route(f->httpd, "/v1/", echo_route, "v1");
	httpd_ready_check(f->httpd, "kafka", dep_ready, &kafka);
	assert_int_equal(httpd_admin_port(f->httpd), -1);
	httpd_admin(f->httpd, "127.0.0.1:0");
	assert_true(httpd_admin_port(f->httpd) > 0);
	get(f, "/metrics", &r);
	assert_int_equal(r.code, 404);
	free(r.raw);
	get(f, "/readyz", &r);
	assert_int_equal(r.code, 404);
	free(r.raw);
	get(f, "/healthz", &r);
	assert_int_equal(r.code, 200);
	free(r.raw);

	f->port = httpd_admin_port(f->httpd);
	get(f, "/metrics", &r);
	assert_int_equal(r.code, 200);
	free(r.raw);
	get(f, "/healthz", &r);
	assert_int_equal(r.code, 200);
	free(r.raw);
	get(f, "/v1/x", &r);
	assert_int_equal(r.code, 404);
	free(r.raw);
	get(f, "/readyz", &r);
	assert_int_equal(r.code, 503);
	assert_contains(&r, "\"kafka\":\"connecting\"");
	free(r.raw);
	kafka.up = 1;
	get(f, "/readyz", &r);
	assert_int_equal(r.code, 200);
	free(r.raw);
	httpd_drain(f->httpd);
	get(f, "/readyz", &r);
	assert_int_equal(r.code, 503);
	assert_contains(&r, "\"draining\":true");
	free(r.raw);
	f->port = public;
}

static void
test_unanswered_at_free(void **state)
{
	struct fixture	*f = *state;
	const char	*req = "GET /never HTTP/1.1\r\nHost: t\r\n\r\n";
	int		 fd, held = 0;

	httpd_route(f->httpd, "/never", never_route, &held);
	fd = client_connect(f);
	client_send(fd, req, strlen(req));
	pump(f, 50);
	assert_int_equal(held, 1);
	assert_int_equal(httpd_connections(f->httpd), 1);
	close(fd);
}

static void
test_body_limit(void **state)
{
	struct fixture	*f = *state;
	struct reply	 r;
	char		 body[600];

	httpd_route(f->httpd, "/v1/", echo_route, "v1");
	httpd_set_limits(f->httpd, 1024, 0, 0);

	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	request(f, "POST", "/v1/small", NULL, body, &r);
	assert_int_equal(r.code, 200);
	free(r.raw);

	/* Only the headers: evhttp refuses on the announced length. */
	request(f, "POST", "/v1/big", "Content-Length: 4096\r\n", NULL, &r);
	assert_int_equal(r.code, 413);
	free(r.raw);
	pump(f, 20);
	assert_int_equal(httpd_connections(f->httpd), 0);
}

/* Garbage gets evhttp's 400, and its connection is counted out too. */
static void
test_bad_request(void **state)
{
	struct fixture	*f = *state;
	const char	*junk = "NOT HTTP AT ALL\r\n\r\n";
	char		 buf[4096];
	int		 fd;

	fd = client_connect(f);
	client_send(fd, junk, strlen(junk));
	client_read_all(f, fd, buf, sizeof(buf));
	close(fd);
	assert_non_null(strstr(buf, "HTTP/1.1 400"));
	pump(f, 20);
	assert_int_equal(httpd_connections(f->httpd), 0);
}

static void
test_connection_bound(void **state)
{
	struct fixture	*f = *state;
	struct reply	 r;
	char		 buf[4096];
	int		 idle1, idle2, extra;

	httpd_set_limits(f->httpd, 0, 0, 2);
	idle1 = client_connect(f);
	idle2 = client_connect(f);
	pump(f, 50);
	assert_int_equal(httpd_connections(f->httpd), 2);

	/* The third is answered 503 and closed without being read. */
	extra = client_connect(f);
	client_read_all(f, extra, buf, sizeof(buf));
	close(extra);
	assert_non_null(strstr(buf, "HTTP/1.1 503 Service Unavailable\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\n{\"error\":"
	    "\"too_many_connections\"}"));
	assert_int_equal(httpd_connections(f->httpd), 2);

	close(idle1);
	pump(f, 50);
	assert_int_equal(httpd_connections(f->httpd), 1);
	get(f, "/metrics", &r);
	assert_int_equal(r.code, 200);
	assert_contains(&r, "http_connections_refused_total 1\n");
	assert_contains(&r, "http_connections_open 2\n");
	free(r.raw);
	pump(f, 20);
	assert_int_equal(httpd_connections(f->httpd), 1);
	close(idle2);
	pump(f, 50);
	assert_int_equal(httpd_connections(f->httpd), 0);
}

/* A client that stops sending is cut off after the timeout. */
static void
test_slow_client(void **state)
{
	struct fixture	*f = *state;
	char		 buf[4096];
	const char	*partial = "GET /healthz HTTP/1.1\r\nHost: t\r\n";
	double		 t0, took;
	int		 idle, slow;

	httpd_set_limits(f->httpd, 0, 1, 0);
	idle = client_connect(f);
	slow = client_connect(f);
	client_send(slow, partial, strlen(partial));
	t0 = now();
	client_read_all(f, idle, buf, sizeof(buf));
	took = now() - t0;
	assert_true(took > 0.8 && took < 3);
	client_read_all(f, slow, buf, sizeof(buf));
	assert_true(now() - t0 < 3);
	close(idle);
	close(slow);
	pump(f, 20);
	assert_int_equal(httpd_connections(f->httpd), 0);
}

/* Keep-alive: several requests on one connection are counted once. */
static void
test_keepalive(void **state)
{
	struct fixture	*f = *state;
	const char	*two = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
			    "GET /healthz HTTP/1.1\r\nHost: t\r\n"
			    "Connection: close\r\n\r\n";
	char		 buf[8192], *second;
	int		 fd;

	fd = client_connect(f);
	client_send(fd, two, strlen(two));
	client_read_all(f, fd, buf, sizeof(buf));
	close(fd);
	assert_non_null(second = strstr(buf + 1, "HTTP/1.1 200"));
	assert_non_null(strstr(buf, "HTTP/1.1 200"));
	pump(f, 20);
	assert_int_equal(httpd_connections(f->httpd), 0);
}

static void
start_on(const char *listen)
{
	struct event_base	*base = event_base_new();

	httpd_start(base, listen, "child");
	_exit(0);
}

/* Not being able to listen is a start-up error: the process ends. */
static void
test_start_errors(void **state)
{
	struct fixture	*f = *state;
	const char	*bad[] = { "nonsense", "127.0.0.1:99999", NULL };
	char		 busy[64];
	pid_t		 pid;
	int		 status, i;

	snprintf(busy, sizeof(busy), "127.0.0.1:%d", f->port);
	bad[2] = busy;
	for (i = 0; i < 3; i++) {
		pid = fork();
		assert_true(pid != -1);
		if (pid == 0)
			start_on(bad[i]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_healthz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readyz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_listener, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_route, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unanswered_at_free, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_body_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_request, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_connection_bound, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_slow_client, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keepalive, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_start_errors, setup,
		    teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
