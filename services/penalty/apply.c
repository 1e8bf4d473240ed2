/*
 * Stage 2: merchants.events into ledgers. This consumer owns each
 * merchant's partition, so one merchant's events are folded one at a
 * time, in log order: load the ledger, let ledger.c fold the event,
 * announce what changed, then save the ledger with the event's offset and
 * its next restriction end. The offset is stored in Kafka only after all
 * that, and an event at or before the ledger's offset is skipped, so a
 * replay changes nothing.
 *
 * Folded: ViolationRecorded, AppealFiled, AppealDecided,
 * RestrictionsLifted and PointsExpired. penalty's own announcements (PenaltyApplied, ...)
 * are outputs and pass by; so do bodies this build does not know.
 */
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "log.h"
#include "penalty.h"
#include "xmalloc.h"

#define APPLY_RETRY_MS		1000

struct folding {
	struct penalty		*pd;
	struct kafka_msg	*m;
	Cdp__V1__MerchantEvent	*ev;
	struct ledger		 l;
	bool			 loaded;
	struct fold		 f;
};

static void
apply_end(struct folding *j, int retry_ms)
{
	/* At shutdown the consumer is closed, and m dropped with it. */
	if (j->pd->ledgers != NULL && retry_ms == 0)
		kafka_consumer_done(j->m);
	else if (j->pd->ledgers != NULL)
		kafka_consumer_retry(j->m, retry_ms);
	if (j->loaded)
		ledger_free(&j->l);
	cdp__v1__merchant_event__free_unpacked(j->ev, NULL);
	free(j);
}

static void
apply_on_saved(void *arg, int rc)
{
	struct folding	*j = arg;

	if (rc < 0) {
		if (rc == -2)
			store_lost(j->pd, j->m->partition);
		apply_end(j, APPLY_RETRY_MS);
		return;
	}
	fire_rearm(j->pd, ledger_next_due(&j->l, j->pd->rules));
	apply_end(j, 0);
}

static void
apply_on_emitted(void *arg, bool ok)
{
	struct folding	*j = arg;

	if (!ok) {
		apply_end(j, APPLY_RETRY_MS);
		return;
	}
	j->l.offset = j->m->offset;
	if (store_save(j->pd, j->m->partition, &j->l, apply_on_saved, j) ==
	    -1)
		apply_end(j, APPLY_RETRY_MS);
}

static void
apply_on_load(void *arg, int rc, struct ledger *l)
{
	struct folding	*j = arg;

	if (rc == -1) {
		apply_end(j, APPLY_RETRY_MS);
		return;
	}
	j->l = *l;
	j->loaded = true;
	if (j->l.offset >= j->m->offset) {
		apply_end(j, 0);		/* folded before */
		return;
	}
	fold_event(&j->l, j->pd->rules, j->ev, &j->f);
	if (j->f.kind != FOLD_NONE)
		snprintf(j->l.last_event_id, sizeof(j->l.last_event_id), "%s",
		    j->ev->meta->event_id);
	if (kafka_msg_done_before(j->m)) {
		/* Emitted when first folded, before the state was lost. */
		apply_on_emitted(j, true);
		return;
	}
	if (emit_fold(j->pd, j->ev->meta, &j->l, &j->f, apply_on_emitted, j) ==
	    -1)
		apply_end(j, APPLY_RETRY_MS);
}

/* The bodies this stage folds; the rest pass by without Redis. */
static bool
apply_folds(const Cdp__V1__MerchantEvent *ev)
{
	switch (ev->body_case) {
	case CDP__V1__MERCHANT_EVENT__BODY_VIOLATION_RECORDED:
	case CDP__V1__MERCHANT_EVENT__BODY_APPEAL_FILED:
	case CDP__V1__MERCHANT_EVENT__BODY_APPEAL_DECIDED:
	case CDP__V1__MERCHANT_EVENT__BODY_RESTRICTIONS_LIFTED:
	case CDP__V1__MERCHANT_EVENT__BODY_POINTS_EXPIRED:
		return true;
	default:
		return false;
	}
}

void
apply_handle(struct penalty *pd, struct kafka_msg *m)
{
	struct folding	*j;

	j = xcalloc(1, sizeof(*j));
	j->pd = pd;
	j->m = m;
	j->ev = kafka_msg_take(m);	/* checked by events_merchant */
	log_ctx_set(NULL, j->ev->meta->event_id, j->ev->merchant_id);
	if (!apply_folds(j->ev) || !fold_ids_fit(j->ev)) {
		store_offset(pd, m->partition, m->offset);
		apply_end(j, 0);
	}
	else if (store_load(pd, m->partition, j->ev->merchant_id,
	    apply_on_load, j) == -1)
		apply_end(j, APPLY_RETRY_MS);
	log_ctx_clear();
}
