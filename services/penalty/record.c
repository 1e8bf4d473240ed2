/*
 * Stage 1: complaint events into violations. complaints.events is keyed
 * by complaint, so no one instance sees all of a merchant's complaints;
 * each violation found here is re-published on merchants.events, keyed by
 * the merchant, for the one owner of the merchant's partition to fold.
 * Nothing is kept: the violation's id is derived from the complaint event,
 * so handling an event twice records the same violation, which the ledger
 * drops. The event is done once the broker took the violation.
 */
#include <stdlib.h>

#include "kafka.h"
#include "log.h"
#include "metrics.h"
#include "penalty.h"
#include "xmalloc.h"

#define RECORD_RETRY_MS		1000

struct recording {
	struct penalty		*pd;
	struct kafka_msg	*m;
	Cdp__V1__ComplaintEvent	*ev;
};

static void
record_end(struct recording *j, int retry_ms)
{
	if (j->pd->records != NULL && retry_ms == 0)
		kafka_consumer_done(j->m);
	else if (j->pd->records != NULL)
		kafka_consumer_retry(j->m, retry_ms);
	cdp__v1__complaint_event__free_unpacked(j->ev, NULL);
	free(j);
}

static void
record_on_sent(void *arg, bool ok)
{
	struct recording	*j = arg;

	if (!ok) {
		log_warnx("record: violation not taken by the broker; retrying");
		record_end(j, RECORD_RETRY_MS);
		return;
	}
	metrics_inc(metrics_counter("penalty_violations_recorded_total",
	    "Merchant violations found on complaints.events.", ""));
	record_end(j, 0);
}

void
record_handle(struct penalty *pd, struct kafka_msg *m)
{
	const struct pen_violation_rule	*v;
	struct recording			*j = xcalloc(1, sizeof(*j));

	j->pd = pd;
	j->m = m;
	j->ev = kafka_msg_take(m);	/* checked by events_complaint */
	log_ctx_set(j->ev->complaint_id, j->ev->meta->event_id,
	    j->ev->merchant_id);
	if ((v = cause_violation(pd->rules, j->ev)) == NULL)
		record_end(j, 0);
	else {
		log_info("record: %s", v->name);
		if (emit_violation(pd, j->ev, v, record_on_sent, j) == -1)
			record_end(j, RECORD_RETRY_MS);
	}
	log_ctx_clear();
}
