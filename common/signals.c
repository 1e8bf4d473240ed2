#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "signals.h"
#include "xmalloc.h"

struct signals {
	struct event	*term;
	struct event	*intr;
	bool		 stopping;
	void		(*stop)(void *);
	void		*arg;
};

static void
signals_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct signals	*s = arg;

	if (s->stopping) {
		log_warnx("signal %d while stopping: exiting now", (int)sig);
		exit(1);
	}
	s->stopping = true;
	log_info("signal %d: stopping", (int)sig);
	s->stop(s->arg);
}

struct signals *
signals_new(struct event_base *base, void (*stop)(void *), void *arg)
{
	struct signals	*s = xcalloc(1, sizeof(*s));

	signal(SIGPIPE, SIG_IGN);
	s->stop = stop;
	s->arg = arg;
	s->term = evsignal_new(base, SIGTERM, signals_on_signal, s);
	s->intr = evsignal_new(base, SIGINT, signals_on_signal, s);
	if (s->term == NULL || s->intr == NULL ||
	    evsignal_add(s->term, NULL) == -1 ||
	    evsignal_add(s->intr, NULL) == -1)
		fatalx("cannot install signal handlers");
	return s;
}

void
signals_free(struct signals *s)
{
	if (s == NULL)
		return;
	event_free(s->term);
	event_free(s->intr);
	free(s);
}
