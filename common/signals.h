/*
 * Orderly shutdown: SIGTERM and SIGINT call the daemon's stop function once
 * on the event loop (finish in-flight work, commit offsets, exit); a second
 * signal while stopping exits at once. SIGPIPE is ignored, since peers that
 * go away are reported by write errors.
 */
#ifndef CDP_SIGNALS_H
#define CDP_SIGNALS_H

#include <event2/event.h>

struct signals;

struct signals	*signals_new(struct event_base *base, void (*stop)(void *),
		    void *arg);
void		 signals_free(struct signals *s);

#endif
