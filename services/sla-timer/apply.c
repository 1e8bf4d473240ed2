/*
 * Complaint events into clocks: load the complaint's clocks, let clock.c
 * apply the event, announce each change, then save the clocks with the
 * event's offset and the complaint's next due time. The offset is stored
 * in Kafka only after all that, and an event at or before the saved offset
 * is skipped, so a replay changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "keylock.h"
#include "log.h"
#include "metrics.h"
#include "pb.h"
#include "sla.h"
#include "xmalloc.h"

#define APPLY_RETRY_MS		1000
#define APPLY_BUSY_RETRY_MS	20
#define APPLY_CHANGES_MAX	(2 * SLA_CLOCKS_MAX)

struct job {
	struct slatimer		*t;
	struct kafka_msg	*m;
	Cdp__V1__ComplaintEvent	*ev;
	struct sla_state	 s;
	struct clock_change	 changes[APPLY_CHANGES_MAX];
	size_t			 n;
	size_t			 next;
	bool			 busy;
	uint32_t		 rebuild;	/* the partition's, when loaded */
};

static void	apply_emit_next(struct job *j);

static void
job_end(struct job *j, int how)
{
	/* At shutdown the consumer is closed, and m dropped with it. */
	if (j->t->consumer != NULL && how == 0)
		kafka_consumer_done(j->m);
	else if (j->t->consumer != NULL)
		kafka_consumer_retry(j->m, how);
	if (j->busy)
		keylock_give(j->t->busy, j->ev->complaint_id);
	cdp__v1__complaint_event__free_unpacked(j->ev, NULL);
	free(j);
}

static void
apply_on_saved(void *arg, int rc)
{
	struct job	*j = arg;

	if (rc < 0) {
		if (rc == -2)
			store_lost(j->t, j->m->partition);
		job_end(j, APPLY_RETRY_MS);
		return;
	}
	fire_rearm(j->t, clock_next_due(&j->s.c));
	job_end(j, 0);
}

/*
 * Saves the clocks with the event's offset, unless the partition's state
 * was found lost since they were loaded: the partition is being read
 * again, and this message is already dropped with its generation.
 */
static void
apply_save(struct job *j)
{
	if (j->rebuild != store_rebuilds(j->t, j->m->partition)) {
		job_end(j, APPLY_RETRY_MS);
		return;
	}
	j->s.offset = j->m->offset;
	if (store_save(j->t, j->m->partition, j->ev->complaint_id, &j->s, true,
	    apply_on_saved, j) == -1)
		job_end(j, APPLY_RETRY_MS);
}

static void
apply_on_emitted(void *arg, bool ok)
{
	struct job	*j = arg;

	if (!ok)
		job_end(j, APPLY_RETRY_MS);
	else
		apply_emit_next(j);
}

static void
apply_emit_next(struct job *j)
{
	if (j->next == j->n) {
		apply_save(j);
		return;
	}
	metrics_inc(metrics_counter("sla_clock_changes_total",
	    "Clock starts, pauses, resumes and stops announced.", ""));
	if (emit_change(j->t, j->ev->meta, j->ev->complaint_id,
	    j->s.merchant_id, &j->changes[j->next++], apply_on_emitted, j) ==
	    -1)
		job_end(j, APPLY_RETRY_MS);
}

static void
apply_on_load(void *arg, int rc, struct sla_state *s)
{
	struct job	*j = arg;

	if (rc == -1) {
		job_end(j, APPLY_RETRY_MS);
		return;
	}
	j->s = *s;
	if (j->s.offset >= j->m->offset) {
		job_end(j, 0);		/* applied before */
		return;
	}
	if (j->s.merchant_id[0] == '\0')
		snprintf(j->s.merchant_id, sizeof(j->s.merchant_id), "%s",
		    j->ev->merchant_id);
	j->n = clock_apply(&j->s.c, j->t->policies, j->ev, j->changes,
	    APPLY_CHANGES_MAX);
	apply_emit_next(j);
}

void
apply_handle(struct slatimer *t, struct kafka_msg *m)
{
	struct job	*j = xcalloc(1, sizeof(*j));

	j->t = t;
	j->m = m;
	j->ev = cdp__v1__complaint_event__unpack(NULL, m->len, m->payload);
	if (j->ev == NULL || j->ev->meta == NULL ||
	    j->ev->complaint_id[0] == '\0') {
		kafka_consumer_dead(m, j->ev == NULL ?
		    "undecodable ComplaintEvent" :
		    "ComplaintEvent without metadata or complaint id");
		if (j->ev != NULL)
			cdp__v1__complaint_event__free_unpacked(j->ev, NULL);
		free(j);
		return;
	}
	pb_body_unknown(m->topic, j->ev->body_case);	/* counted, applied as
							   a no-op */
	if (!keylock_take(t->busy, j->ev->complaint_id)) {
		job_end(j, APPLY_BUSY_RETRY_MS);	/* a firing is under way */
		return;
	}
	j->busy = true;
	j->rebuild = store_rebuilds(t, m->partition);
	if (store_load(t, m->partition, j->ev->complaint_id, apply_on_load,
	    j) == -1)
		job_end(j, APPLY_RETRY_MS);
}
