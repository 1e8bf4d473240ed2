/*
 * The receiver for the notifier during a chaos run: the provider's send
 * endpoint and the merchants' webhooks on one port. Every POST is
 * answered 200 with an id, so notifications are delivered and their
 * Notification events written; what a chaos run judges is on the topic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "chaos.h"

static unsigned long	recv_count;

static void
recv_answer(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*b = evbuffer_new();

	evbuffer_add_printf(b, "{\"id\":\"chaos-%lu\"}", ++recv_count);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

int
recv_run(const char *listen)
{
	struct event_base	*base = event_base_new();
	struct evhttp		*http = evhttp_new(base);
	char			 host[64];
	const char		*colon = strrchr(listen, ':');

	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host)) {
		fprintf(stderr, "cdp-chaos: recv: HOST:PORT, not %s\n", listen);
		return 2;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	if (evhttp_bind_socket(http, host, (uint16_t)atoi(colon + 1)) != 0) {
		fprintf(stderr, "cdp-chaos: recv: cannot listen on %s\n",
		    listen);
		return 1;
	}
	evhttp_set_gencb(http, recv_answer, NULL);
	event_base_dispatch(base);
	evhttp_free(http);
	event_base_free(base);
	return 0;
}
