/*
 * The test webhook receiver (testrecv.h): one accepting thread, one
 * connection at a time, Connection: close. It binds only 127.0.0.1.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <ctype.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "meta.h"
#include "testproc.h"
#include "testrecv.h"
#include "xmalloc.h"

#define RECV_MAX	(256 * 1024)
#define RECV_REQS_MAX	256

struct testrecv {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	int			 fd;
	int			 port;
	volatile bool		 stop;
	char			*secret;
	char			*location;	/* sent with failures */
	struct sign_seen	 seen;		/* the verifier's memory */
	int			 failures, fail_status, delay_ms;
	struct testrecv_req	 reqs[RECV_REQS_MAX];
	size_t			 n;
};

/* The value of a header in a raw header block, copied into out. */
static bool
header(const char *head, const char *name, char *out, size_t size)
{
	const char	*p = head;
	size_t		 len = strlen(name), n;

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, len) == 0 && p[len] == ':') {
			p += len + 1;
			while (*p == ' ')
				p++;
			n = strcspn(p, "\r\n");
			snprintf(out, size, "%.*s", (int)n, p);
			return true;
		}
	}
	return false;
}

/* Reads one request: headers, then Content-Length bytes of body. */
static char *
read_request(int fd, char **body, size_t *blen)
{
	char	*buf = xmalloc(RECV_MAX + 1), *end, cl[32];
	size_t	 got = 0, want = 0;
	ssize_t	 r;

	for (;;) {
		if (got == RECV_MAX || (r = read(fd, buf + got,
		    RECV_MAX - got)) <= 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		*end = '\0';
		want = header(buf, "Content-Length", cl, sizeof(cl)) ?
		    (size_t)atol(cl) : 0;
		*end = '\r';
		if (got >= (size_t)(end + 4 - buf) + want) {
			end[2] = '\0';
			*body = end + 4;
			*blen = want;
			return buf;
		}
	}
	free(buf);
	return NULL;
}

static void
answer(int fd, int status, const char *location, size_t n)
{
	char	body[64], out[512], where[300] = "";
	int	len;

	if (location != NULL)
		snprintf(where, sizeof(where), "Location: %s\r\n", location);
	snprintf(body, sizeof(body), "{\"id\":\"r%zu\"}", n);
	len = snprintf(out, sizeof(out), "HTTP/1.1 %d Scripted\r\n%s"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", status, where, strlen(body),
	    body);
	if (write(fd, out, (size_t)len) < 0)
		return;
}

static void
serve(struct testrecv *r, int fd)
{
	char			*req, *body, ts[32] = "", sig[128] = "";
	char			*location = NULL;
	size_t			 blen, n;
	int			 status, delay;
	struct testrecv_req	 q;

	if ((req = read_request(fd, &body, &blen)) == NULL)
		return;
	header(req, "X-CDP-Timestamp", ts, sizeof(ts));
	header(req, "X-CDP-Signature", sig, sizeof(sig));
	q.body = xasprintf("%.*s", (int)blen, body);
	q.at_ms = meta_now_ms();
	pthread_mutex_lock(&r->lock);
	/* The verifier merchants are told to use (docs/notifier.md). */
	q.verdict = sign_verify(r->secret, ts, sig, body, blen,
	    q.at_ms / 1000, &r->seen);
	q.signature_ok = q.verdict == SIGN_OK;
	free(req);
	n = r->n;
	status = (int)n < r->failures ? r->fail_status : 200;
	if (status != 200 && r->location != NULL)
		location = xstrdup(r->location);
	delay = r->delay_ms;
	q.status = status;
	if (n < RECV_REQS_MAX)
		r->reqs[r->n++] = q;
	else
		free(q.body);
	pthread_mutex_unlock(&r->lock);
	if (delay > 0)
		usleep((useconds_t)delay * 1000);
	answer(fd, status, location, n);
	free(location);
}

static void *
run(void *arg)
{
	struct testrecv	*r = arg;
	struct pollfd	 pfd = { r->fd, POLLIN, 0 };
	int		 c;

	while (!r->stop) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((c = accept(r->fd, NULL, NULL)) == -1)
			continue;
		serve(r, c);
		close(c);
	}
	return NULL;
}

struct testrecv *
testrecv_start(const char *secret)
{
	struct testrecv		*r = xcalloc(1, sizeof(*r));
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	socklen_t		 len = sizeof(sin);
	int			 one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->secret = xstrdup(secret);
	if ((r->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(r->fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1 ||
	    bind(r->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(r->fd, (struct sockaddr *)&sin, &len) == -1 ||
	    listen(r->fd, 64) == -1)
		fatal("testrecv: cannot listen on 127.0.0.1");
	r->port = ntohs(sin.sin_port);
	pthread_mutex_init(&r->lock, NULL);
	if (pthread_create(&r->thread, NULL, run, r) != 0)
		fatalx("testrecv: no thread");
	return r;
}

int
testrecv_port(const struct testrecv *r)
{
	return r->port;
}

/* Sets the script for the requests from now on (counts start again). */
void
testrecv_script(struct testrecv *r, int failures, int fail_status,
    int delay_ms)
{
	pthread_mutex_lock(&r->lock);
	r->failures = (int)r->n + failures;
	r->fail_status = fail_status;
	r->delay_ms = delay_ms;
	pthread_mutex_unlock(&r->lock);
}

/* From now on, failures carry "Location: url" (NULL: none). */
void
testrecv_location(struct testrecv *r, const char *url)
{
	pthread_mutex_lock(&r->lock);
	free(r->location);
	r->location = url != NULL ? xstrdup(url) : NULL;
	pthread_mutex_unlock(&r->lock);
}

size_t
testrecv_count(struct testrecv *r)
{
	size_t	n;

	pthread_mutex_lock(&r->lock);
	n = r->n;
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* Waits until n requests have arrived; returns how many did. */
size_t
testrecv_wait(struct testrecv *r, size_t n, int timeout_ms)
{
	int64_t	deadline = meta_now_ms() + testproc_scale_ms(timeout_ms);
	size_t	got;

	while ((got = testrecv_count(r)) < n && meta_now_ms() < deadline)
		usleep(20000);
	return got;
}

/* A copy of request i (the caller frees it with testrecv_req_free). */
bool
testrecv_get(struct testrecv *r, size_t i, struct testrecv_req *out)
{
	bool	ok;

	pthread_mutex_lock(&r->lock);
	if ((ok = i < r->n)) {
		*out = r->reqs[i];
		out->body = xstrdup(r->reqs[i].body);
	}
	pthread_mutex_unlock(&r->lock);
	return ok;
}

void
testrecv_req_free(struct testrecv_req *q)
{
	free(q->body);
	q->body = NULL;
}

void
testrecv_stop(struct testrecv *r)
{
	size_t	i;

	r->stop = true;
	pthread_join(r->thread, NULL);
	close(r->fd);
	for (i = 0; i < r->n; i++)
		free(r->reqs[i].body);
	pthread_mutex_destroy(&r->lock);
	free(r->secret);
	free(r->location);
	free(r);
}
