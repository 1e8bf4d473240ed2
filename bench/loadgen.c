/*
 * loadgen: open-loop load on intake's POST /v1/complaints (issue 15).
 *
 *	loadgen [-u host:port] [-r rate] [-d seconds] [-c connections]
 *	    [-m merchants] [-s seed]
 *
 * Sends rate complaints a second for seconds on a fixed schedule, whatever
 * the answers do: a slow answer cannot slow the load down (no coordinated
 * omission), and each request's latency is counted from the moment it was
 * due (bench/schedule.c: never sent before it), not from when a
 * connection was free to send it. Requests go round
 * a pool of keep-alive connections; a busy connection queues them.
 *
 * The complaints are the demo's (tools/demo/mix.c: channels, categories,
 * languages, urgent and 12315 cases in its proportions), each on an order
 * of its own with one SKU, across many merchants, filed with the bench's
 * channel keys (config/bench-api-keys.conf). The last line printed is
 * machine-readable:
 *
 *	loadgen rate=R seconds=D sent=N accepted=N other=N failed=N
 *	    per_s=X p50_ms=Y p99_ms=Z max_ms=M start_ms=T0 end_ms=T1
 *
 * accepted are the 202s (the latencies are theirs), other any other
 * status, failed no answer at all; start_ms and end_ms are wall-clock
 * times, for reading the events of the run back from Kafka (eventlag).
 */
#include <sys/time.h>

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "../tools/demo/mix.h"
#include "schedule.h"
#include "stats.h"
#include "xmalloc.h"

#define LOAD_TICK_US		1000
#define LOAD_TIMEOUT_S		10	/* per request */
#define LOAD_GRACE_S		30	/* after the last is sent */
#define LOAD_BODY_MAX		1024

struct load {
	struct event_base		 *base;
	struct evhttp_connection	**conns;
	size_t				  nconns;
	struct event			 *tick;
	struct event			 *deadline;
	struct mix_rng			  rng;
	char				  host[128];
	unsigned			  port;
	double				  rate;
	unsigned			  seconds;
	unsigned			  merchants;
	int64_t				  start_ns;
	int64_t				  start_ms;
	size_t				  target;
	size_t				  sent;
	size_t				  answered;
	size_t				  accepted;
	size_t				  other;
	size_t				  failed;
	double				 *latency_ms;	/* of the 202s */
};

struct pending {
	struct load	*l;
	int64_t		 due_ns;
};


static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: loadgen [-u host:port] [-r rate] [-d seconds]"
	    " [-c connections] [-m merchants] [-s seed]\n");
	exit(2);
}

/* The n-th complaint's body; its channel's key goes in *channel. */
static size_t
load_body(struct load *l, size_t n, char *buf, size_t size,
    const char **channel)
{
	struct mix_complaint	mc;
	unsigned		merchant;
	int			len;

	mix_complaint(&l->rng, mix_below(&l->rng, 10) == 0, &mc);
	merchant = 2001 + mix_below(&l->rng, l->merchants);
	*channel = mix_channel_name(mc.channel);
	len = snprintf(buf, size, "{\"order_id\":\"B%" PRId64 "-%zu\","
	    "\"sku\":\"SKU-%u\",\"merchant_id\":\"M%u\","
	    "\"user\":{\"id\":\"U%zu\",\"phone\":\"+86 138-0000-0000\","
	    "\"email\":\"u%zu@example.com\"},\"description\":\"%s\","
	    "\"demand\":\"%s\"%s%s%s%s}",
	    l->start_ms, n, 10000 + mix_below(&l->rng, 90000), merchant, n, n,
	    mix_text(&mc), mc.category == MIX_LOGISTICS ? "reship" : "refund",
	    mc.special == MIX_OUT_OF_SCOPE ? "" : ",\"problem_type\":\"",
	    mc.special == MIX_OUT_OF_SCOPE ? "" : mix_problem_type(mc.category),
	    mc.special == MIX_OUT_OF_SCOPE ? "" : "\"",
	    mc.special == MIX_HIGH_VALUE ? ",\"amount\":12999.00" : "");
	if (len < 0 || (size_t)len >= size)
		return 0;
	return (size_t)len;
}

static void
load_finish_if_done(struct load *l)
{
	if (l->sent == l->target && l->answered == l->target)
		event_base_loopbreak(l->base);
}

static void
load_answer(struct evhttp_request *req, void *arg)
{
	struct pending	*p = arg;
	struct load	*l = p->l;
	int		 code;

	l->answered++;
	code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	if (code == 202)
		l->latency_ms[l->accepted++] =
		    (double)(now_ns() - p->due_ns) / 1e6;
	else if (code == 0)
		l->failed++;
	else
		l->other++;
	free(p);
	load_finish_if_done(l);
}

/* Sends the n-th request, due at due_ns, on the next connection. */
static void
load_send(struct load *l, size_t n, int64_t due_ns)
{
	struct evhttp_connection	*evcon = l->conns[n % l->nconns];
	struct evhttp_request		*req;
	struct evkeyvalq		*h;
	struct pending			*p = xmalloc(sizeof(*p));
	const char			*channel;
	char				 body[LOAD_BODY_MAX], auth[64];
	size_t				 len;

	p->l = l;
	p->due_ns = due_ns;
	req = evhttp_request_new(load_answer, p);
	len = load_body(l, n, body, sizeof(body), &channel);
	snprintf(auth, sizeof(auth), "Bearer bench-%s", channel);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", l->host);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Authorization", auth);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	l->sent++;
	if (evhttp_make_request(evcon, req, EVHTTP_REQ_POST,
	    "/v1/complaints") == -1) {
		/* libevent freed the request; it is answered as failed. */
		l->answered++;
		l->failed++;
		free(p);
	}
}

/*
 * Sends every request due by now, each stamped with its own due time, and
 * none before it is due: one sent early would be answered "before" its
 * due time, a negative latency (at 12 requests a second, up to 80 ms
 * early; the quick bench's 202 p50 once came out at -2.6 ms).
 */
static void
load_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct load	*l = arg;
	size_t		 due;

	(void)fd;
	(void)ev;
	due = schedule_due_count(l->start_ns, l->rate, now_ns(), l->target);
	while (l->sent < due)
		load_send(l, l->sent, schedule_due_ns(l->start_ns, l->rate,
		    l->sent));
	if (l->sent == l->target) {
		evtimer_del(l->tick);
		load_finish_if_done(l);
	}
}

static void
load_give_up(evutil_socket_t fd, short ev, void *arg)
{
	struct load	*l = arg;

	(void)fd;
	(void)ev;
	fprintf(stderr, "loadgen: %zu requests unanswered %d s after the"
	    " last was due\n", l->sent - l->answered, LOAD_GRACE_S);
	l->failed += l->sent - l->answered;
	event_base_loopbreak(l->base);
}

static void
load_setup(struct load *l, const char *hostport, size_t nconns)
{
	struct timeval	 tick = { 0, LOAD_TICK_US };
	struct timeval	 grace = { 0, 0 };
	const char	*colon = strrchr(hostport, ':');
	size_t		 i;

	if (colon == NULL || (size_t)(colon - hostport) >= sizeof(l->host))
		usage();
	memcpy(l->host, hostport, (size_t)(colon - hostport));
	l->port = (unsigned)strtoul(colon + 1, NULL, 10);
	l->base = event_base_new();
	l->nconns = nconns;
	l->conns = xreallocarray(NULL, nconns, sizeof(*l->conns));
	for (i = 0; i < nconns; i++) {
		l->conns[i] = evhttp_connection_base_new(l->base, NULL,
		    l->host, (unsigned short)l->port);
		evhttp_connection_set_timeout(l->conns[i], LOAD_TIMEOUT_S);
	}
	l->target = (size_t)(l->rate * l->seconds);
	l->latency_ms = xreallocarray(NULL, l->target + 1, sizeof(double));
	l->tick = event_new(l->base, -1, EV_PERSIST, load_tick, l);
	evtimer_add(l->tick, &tick);
	l->deadline = evtimer_new(l->base, load_give_up, l);
	grace.tv_sec = l->seconds + LOAD_GRACE_S;
	evtimer_add(l->deadline, &grace);
}

static void
load_report(struct load *l, int64_t end_ms, int64_t elapsed_ns)
{
	double	*v = l->latency_ms;
	size_t	 n = l->accepted;

	stats_sort(v, n);
	printf("loadgen rate=%.0f seconds=%u sent=%zu accepted=%zu other=%zu"
	    " failed=%zu per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f"
	    " start_ms=%" PRId64 " end_ms=%" PRId64 "\n", l->rate, l->seconds,
	    l->sent, l->accepted, l->other, l->failed,
	    (double)l->accepted / ((double)elapsed_ns / 1e9),
	    stats_percentile(v, n, 50), stats_percentile(v, n, 99),
	    stats_percentile(v, n, 100), l->start_ms, end_ms);
}

int
main(int argc, char **argv)
{
	struct load	 l = { .rate = 500, .seconds = 10, .merchants = 500 };
	const char	*hostport = "127.0.0.1:28080";
	size_t		 nconns = 64, i;
	uint64_t	 seed = 1;
	int		 ch;

	while ((ch = getopt(argc, argv, "u:r:d:c:m:s:")) != -1) {
		switch (ch) {
		case 'u': hostport = optarg; break;
		case 'r': l.rate = strtod(optarg, NULL); break;
		case 'd': l.seconds = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': nconns = strtoul(optarg, NULL, 10); break;
		case 'm': l.merchants = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (l.rate <= 0 || l.seconds == 0 || nconns == 0 || l.merchants == 0)
		usage();
	mix_seed(&l.rng, seed);
	load_setup(&l, hostport, nconns);
	l.start_ms = wall_ms();
	l.start_ns = now_ns();
	event_base_dispatch(l.base);
	load_report(&l, wall_ms(), now_ns() - l.start_ns);
	for (i = 0; i < l.nconns; i++)
		evhttp_connection_free(l.conns[i]);
	event_free(l.tick);
	event_free(l.deadline);
	event_base_free(l.base);
	free(l.latency_ms);
	free(l.conns);
	return l.failed > 0 || l.other > 0;
}
