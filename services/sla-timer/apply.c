/*
 * Complaint events into clocks: load the complaint's clocks, let clock.c
 * apply the event, announce each change, then save the clocks with the
 * event's offset and the complaint's next due time. The offset is stored
 * in Kafka only after all that, and an event at or before the saved offset
 * is skipped, so a replay changes nothing.
 *
 * Most events change no clock (our own clock changes, coupons,
 * notifications): clock_touches() says so from the event alone, and those
 * end at once, without a load or a save (apply_untouched).
 *
 * Appeals on merchants.events go the same way, into the clocks of the
 * appeal (kept by appeal id in the merchants.events partition's slot,
 * store.c), announced on the appeal's complaint. The topic's other
 * events (penalty's) concern no clock and end at once.
 */
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "keylock.h"
#include "log.h"
#include "metrics.h"
#include "sla.h"
#include "xmalloc.h"

#define APPLY_RETRY_MS		1000
#define APPLY_BUSY_RETRY_MS	20
#define APPLY_CHANGES_MAX	(2 * SLA_CLOCKS_MAX)
#define APPLY_UNSAVED_MAX	64	/* events done before the offset is
					   stored without a save */

struct applying {
	struct slatimer		*t;
	struct kafka_msg	*m;
	int32_t			 slot;		/* of m's partition (store.c) */
	Cdp__V1__ComplaintEvent	*ev;		/* complaints.events, or */
	Cdp__V1__MerchantEvent	*mev;		/* merchants.events: an appeal */
	const char		*id;		/* whose clocks: complaint, appeal */
	const char		*complaint_id;	/* where they are announced */
	const char		*merchant_id;
	const Cdp__V1__EventMeta *meta;
	struct sla_state	 s;
	struct clock_change	 changes[APPLY_CHANGES_MAX];
	size_t			 n;
	size_t			 next;
	bool			 busy;
	uint32_t		 rebuild;	/* the partition's, when loaded */
};

static void	apply_emit_next(struct applying *j);

static void
apply_end(struct applying *j, int how)
{
	/* At shutdown the consumer is closed, and m dropped with it. */
	if (j->t->consumer != NULL && how == 0)
		kafka_consumer_done(j->m);
	else if (j->t->consumer != NULL)
		kafka_consumer_retry(j->m, how);
	if (j->busy)
		keylock_give(j->t->busy, j->id);
	if (j->ev != NULL)
		cdp__v1__complaint_event__free_unpacked(j->ev, NULL);
	if (j->mev != NULL)
		cdp__v1__merchant_event__free_unpacked(j->mev, NULL);
	free(j);
}

static void
apply_on_saved(void *arg, int rc)
{
	struct applying	*j = arg;

	if (rc < 0) {
		if (rc == -2)
			store_lost(j->t, j->slot);
		apply_end(j, APPLY_RETRY_MS);
		return;
	}
	j->t->unsaved[j->slot] = 0;
	fire_rearm(j->t, clock_next_due(&j->s.c));
	apply_end(j, 0);
}

/*
 * Saves the clocks with the event's offset, unless the partition's state
 * was found lost since they were loaded: the partition is being read
 * again, and this message is already dropped with its generation.
 */
static void
apply_save(struct applying *j)
{
	if (j->rebuild != store_rebuilds(j->t, j->slot)) {
		apply_end(j, APPLY_RETRY_MS);
		return;
	}
	j->s.offset = j->m->offset;
	if (store_save(j->t, j->slot, j->id, &j->s, true, apply_on_saved,
	    j) == -1)
		apply_end(j, APPLY_RETRY_MS);
}

static void
apply_on_emitted(void *arg, bool ok)
{
	struct applying	*j = arg;

	if (!ok)
		apply_end(j, APPLY_RETRY_MS);
	else
		apply_emit_next(j);
}

static void
apply_emit_next(struct applying *j)
{
	if (j->next == j->n) {
		apply_save(j);
		return;
	}
	metrics_inc(metrics_counter("sla_clock_changes_total",
	    "Clock starts, pauses, resumes and stops announced.", ""));
	if (emit_change(j->t, j->meta, j->complaint_id, j->s.merchant_id,
	    &j->changes[j->next++], apply_on_emitted, j) == -1)
		apply_end(j, APPLY_RETRY_MS);
}

static void
apply_on_load(void *arg, int rc, struct sla_state *s)
{
	struct applying	*j = arg;

	if (rc == -1) {
		apply_end(j, APPLY_RETRY_MS);
		return;
	}
	j->s = *s;
	if (j->s.offset >= j->m->offset) {
		apply_end(j, 0);		/* applied before */
		return;
	}
	if (j->s.merchant_id[0] == '\0')
		snprintf(j->s.merchant_id, sizeof(j->s.merchant_id), "%s",
		    j->merchant_id);
	if (j->mev != NULL) {
		snprintf(j->s.complaint_id, sizeof(j->s.complaint_id), "%s",
		    j->complaint_id);
		j->n = clock_appeal(&j->s.c, j->t->policies, j->mev,
		    j->changes, APPLY_CHANGES_MAX);
	} else
		j->n = clock_apply(&j->s.c, j->t->policies, j->ev, j->changes,
		    APPLY_CHANGES_MAX);
	if (j->n > 0 && kafka_msg_done_before(j->m)) {
		/* Announced when first applied, before the state was lost. */
		metrics_add(metrics_counter("sla_replay_changes_skipped_total",
		    "Clock changes not announced again while a partition "
		    "whose state was lost is read again.", ""), j->n);
		j->next = j->n;
	}
	apply_emit_next(j);
}

static void	apply_advance(struct applying *);

/*
 * Loads the clocks of j->id and goes on in apply_on_load(); an event with
 * ids too long to keep whole changes no clock.
 */
static void
apply_load(struct applying *j)
{
	if (!state_ids_fit(j->merchant_id, j->complaint_id)) {
		metrics_inc(metrics_counter("sla_ids_too_long_total",
		    "Events with a merchant or complaint id too long to keep.",
		    ""));
		apply_advance(j);
		return;
	}
	if (!keylock_take(j->t->busy, j->id)) {
		apply_end(j, APPLY_BUSY_RETRY_MS);	/* a firing is under way */
		return;
	}
	j->busy = true;
	if (store_load(j->t, j->slot, j->id, apply_on_load, j) == -1)
		apply_end(j, APPLY_RETRY_MS);
}

/*
 * An event that can change no clock ends without its complaint's clocks
 * being loaded or saved, and without waiting for a firing of the same
 * complaint. The partition's stored offset stays before it until the
 * next save moves it past, or until APPLY_UNSAVED_MAX such events in a
 * row, when it is advanced: a restart then reads at most that many again,
 * and they change nothing then either. Kafka's offset moves at once.
 */
static void
apply_untouched(struct applying *j)
{
	metrics_inc(metrics_counter("sla_events_untouched_total",
	    "Complaint events that change no clock, done without loading "
	    "or saving clocks.", ""));
	if (++j->t->unsaved[j->slot] < APPLY_UNSAVED_MAX)
		apply_end(j, 0);
	else
		apply_advance(j);
}

static void
apply_complaint(struct applying *j)
{
	j->ev = kafka_msg_take(j->m);	/* checked by events_complaint;
					   an unknown body is a no-op */
	j->id = j->ev->complaint_id;
	j->complaint_id = j->ev->complaint_id;
	j->merchant_id = j->ev->merchant_id;
	j->meta = j->ev->meta;
	if (!clock_touches(j->ev))
		apply_untouched(j);
	else
		apply_load(j);
}

static void
apply_on_advanced(void *arg, int rc)
{
	struct applying	*j = arg;

	if (rc == -2)
		store_lost(j->t, j->slot);
	if (rc >= 0)
		j->t->unsaved[j->slot] = 0;
	apply_end(j, rc < 0 ? APPLY_RETRY_MS : 0);
}

/* An event without clocks: only the partition's offset moves. */
static void
apply_advance(struct applying *j)
{
	if (j->rebuild != store_rebuilds(j->t, j->slot))
		apply_end(j, APPLY_RETRY_MS);
	else if (store_advance(j->t, j->slot, j->m->offset, apply_on_advanced,
	    j) == -1)
		apply_end(j, APPLY_RETRY_MS);
}

/*
 * An appeal's event: its appeal id keys the clocks, its complaint is where
 * they are announced. One without either is skipped and counted (a
 * malformed event of another producer must not stop the partition).
 */
static void
apply_merchant(struct applying *j)
{
	Cdp__V1__MerchantEvent	*mev;

	mev = j->mev = kafka_msg_take(j->m);	/* checked by events_merchant */
	if (mev->body_case == CDP__V1__MERCHANT_EVENT__BODY_APPEAL_FILED &&
	    mev->appeal_filed != NULL) {
		j->id = mev->appeal_filed->appeal_id;
		j->complaint_id = mev->appeal_filed->complaint_id;
	} else if (mev->body_case ==
	    CDP__V1__MERCHANT_EVENT__BODY_APPEAL_DECIDED &&
	    mev->appeal_decided != NULL) {
		j->id = mev->appeal_decided->appeal_id;
		j->complaint_id = mev->appeal_decided->complaint_id;
	} else {
		apply_advance(j);	/* penalty's: no clock */
		return;
	}
	if (j->id[0] == '\0' || j->complaint_id[0] == '\0') {
		metrics_inc(metrics_counter("sla_appeals_skipped_total",
		    "Appeal events without an appeal or complaint id.", ""));
		apply_advance(j);
		return;
	}
	j->merchant_id = mev->merchant_id;
	j->meta = mev->meta;
	apply_load(j);
}

void
apply_handle(struct slatimer *t, struct kafka_msg *m)
{
	struct applying	*j = xcalloc(1, sizeof(*j));

	j->t = t;
	j->m = m;
	if ((j->slot = store_slot(m->topic, m->partition)) == -1) {
		kafka_consumer_dead(m, "partition beyond the slots");
		free(j);
		return;
	}
	/* Work begun before a loss of the partition's state is not saved
	   after it (apply_save, apply_advance). */
	j->rebuild = store_rebuilds(t, j->slot);
	if (strcmp(m->topic, SLA_MERCHANTS_TOPIC) == 0)
		apply_merchant(j);
	else
		apply_complaint(j);
}
