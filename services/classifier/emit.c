/*
 * The classifier's writes to complaints.events. Every event it emits has an
 * id derived from its cause, so handling the same input twice emits the
 * same events, which consumers drop as duplicates.
 */
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "kafka.h"
#include "log.h"
#include "xmalloc.h"

struct emit {
	emit_fn	 fn;
	void	*arg;
};

static void
emit_on_delivery(void *arg, const struct kafka_delivery *d)
{
	struct emit	*e = arg;

	e->fn(e->arg, d->err == 0);
	free(e);
}

/*
 * Sends ev keyed by its complaint id. Returns -1 when refused at once (fn
 * is not called), 0 when fn will learn the broker's answer.
 */
int
emit_event(struct classifier *c, Cdp__V1__ComplaintEvent *ev, emit_fn fn,
    void *arg)
{
	struct emit	*e = xmalloc(sizeof(*e));
	int		 rc;

	e->fn = fn;
	e->arg = arg;
	rc = kafka_producer_send_pb(c->producer, "complaints.events",
	    ev->complaint_id, &ev->base, emit_on_delivery, e);
	if (rc == -1)
		free(e);
	return rc;
}

