/*
 * evhttp_bare: the intake benchmark's baseline (issue 15): a libevent
 * evhttp server, as intake's HTTP side is, that answers every request 202
 * with a short JSON body and does nothing else. wrk posts the same
 * complaints to it and to intake in the same run; intake's requests a
 * second are reported as a fraction of this one's. ./dev bench also points
 * the notifier's provider at it (config/bench.env), so that notifications
 * are answered at once.
 *
 *	evhttp_bare [-l host:port]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#define BARE_ANSWER	"{\"complaint_id\":\"C0000000000000000\"}"

static void
bare_answer(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);

	(void)arg;
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evbuffer_add(out, BARE_ANSWER, sizeof(BARE_ANSWER) - 1);
	evhttp_send_reply(req, 202, "Accepted", out);
}

static void
bare_stop(evutil_socket_t sig, short ev, void *arg)
{
	(void)sig;
	(void)ev;
	event_base_loopbreak(arg);
}

int
main(int argc, char **argv)
{
	struct event_base	*base;
	struct evhttp		*http;
	struct event		*term, *intr;
	char			 host[128] = "127.0.0.1", *colon;
	unsigned short		 port = 28099;
	int			 ch;

	while ((ch = getopt(argc, argv, "l:")) != -1) {
		if (ch != 'l' || (colon = strrchr(optarg, ':')) == NULL ||
		    (size_t)(colon - optarg) >= sizeof(host)) {
			fprintf(stderr, "usage: evhttp_bare [-l host:port]\n");
			return 2;
		}
		memcpy(host, optarg, (size_t)(colon - optarg));
		host[colon - optarg] = '\0';
		port = (unsigned short)strtoul(colon + 1, NULL, 10);
	}
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	http = evhttp_new(base);
	evhttp_set_gencb(http, bare_answer, NULL);
	if (evhttp_bind_socket(http, host, port) == -1) {
		fprintf(stderr, "evhttp_bare: cannot listen on %s:%u\n", host,
		    port);
		return 1;
	}
	term = evsignal_new(base, SIGTERM, bare_stop, base);
	intr = evsignal_new(base, SIGINT, bare_stop, base);
	evsignal_add(term, NULL);
	evsignal_add(intr, NULL);
	event_base_dispatch(base);
	event_free(term);
	event_free(intr);
	evhttp_free(http);
	event_base_free(base);
	return 0;
}
