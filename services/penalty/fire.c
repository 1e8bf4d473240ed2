/*
 * What changes by itself: restrictions that end and points that leave the
 * window. One libevent timer, armed to the earliest such time across the
 * owned partitions and re-armed whenever an earlier one appears. When it
 * goes off, each owned partition that has caught up with merchants.events
 * gives its merchants whose time has come, and each one's
 * RestrictionsLifted or PointsExpired is announced. The ledger is not
 * changed here: the event is folded like any other when it comes back on
 * merchants.events, so a rebuild sees it too. Until then the
 * merchant's due entry is put off a little, so the timer does not announce
 * it again and again; the save that folds the lift removes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "penalty.h"
#include "redis.h"
#include "redis_shards.h"
#include "xmalloc.h"

#define FIRE_BATCH		100	/* merchants per partition and look */
#define FIRE_CATCH_UP_MS	200
#define FIRE_AGAIN_MS		5000	/* a lift not yet folded, again */
#define FIRE_IDLE_MS		5000	/* safety net: look at least this often */

struct firing {
	struct penalty	*pd;
	int32_t		 p;
	int64_t		 now;
	struct ledger	 l;
};

static void
fire_arm(struct penalty *pd, int64_t at_ms)
{
	int64_t		delay = at_ms - meta_now_ms();
	struct timeval	tv;

	if (delay < 0)
		delay = 0;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(pd->timer, &tv);
	pd->armed_at = at_ms;
}

/* Arms the timer for at_ms when that is earlier than what it waits for. */
void
fire_rearm(struct penalty *pd, int64_t at_ms)
{
	if (at_ms <= 0 || pd->stopping || pd->timer == NULL)
		return;
	if (pd->armed_at == 0 || at_ms < pd->armed_at)
		fire_arm(pd, at_ms);
}

static void
firing_end(struct firing *f)
{
	ledger_free(&f->l);
	free(f);
}

static void
fire_on_sent(void *arg, bool ok)
{
	struct firing	*f = arg;

	if (ok) {
		metrics_inc(metrics_counter("penalty_timer_events_total",
		    "RestrictionsLifted and PointsExpired announced by the "
		    "timer.", ""));
		store_due(f->pd, f->p, f->l.merchant_id, f->now +
		    FIRE_AGAIN_MS);
	} else
		log_warnx("fire: timer event of %s not sent; tried again later",
		    f->l.merchant_id);
	fire_rearm(f->pd, f->now + FIRE_AGAIN_MS);
	firing_end(f);
}

/*
 * A ledger whose restrictions ended is lifted, one whose points leave the
 * window expires them; a stale entry is fixed.
 */
static void
fire_on_load(void *arg, int rc, struct ledger *l)
{
	struct firing	*f = arg;
	int64_t		 due;

	if (rc == -1) {
		free(f);
		return;
	}
	f->l = *l;
	due = ledger_next_due(&f->l, f->pd->rules);
	if (due == 0 || due > f->now) {
		store_due(f->pd, f->p, f->l.merchant_id, due);
		fire_rearm(f->pd, due);
		firing_end(f);
		return;
	}
	if ((due == ledger_next_lift(&f->l, f->pd->rules) ?
	    emit_lift(f->pd, &f->l, fire_on_sent, f) :
	    emit_expiry(f->pd, &f->l, due, fire_on_sent, f)) == -1)
		fire_on_sent(f, false);
}

static void
fire_merchant(struct penalty *pd, int32_t p, const char *merchant,
    int64_t now)
{
	struct firing	*f = xcalloc(1, sizeof(*f));

	f->pd = pd;
	f->p = p;
	f->now = now;
	if (store_load(pd, p, merchant, fire_on_load, f) == -1)
		free(f);
}

struct scan {
	struct penalty	*pd;
	int32_t		 p;
	int64_t		 now;
};

/*
 * The head of a partition's due set: those due now, then the next; NULL
 * when Redis did not answer or the partition's state is gone (store.c).
 */
static void
fire_on_due(void *arg, redisReply *reply)
{
	struct scan	*sc = arg;
	int64_t		 at;
	size_t		 i;

	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
		free(sc);
		return;
	}
	for (i = 0; i + 1 < reply->elements; i += 2) {
		/* Scores may come as "1.7e+12": strtod reads them exactly. */
		at = (int64_t)strtod(reply->element[i + 1]->str, NULL);
		if (at > sc->now) {
			fire_rearm(sc->pd, at);
			break;
		}
		fire_merchant(sc->pd, sc->p, reply->element[i]->str, sc->now);
	}
	free(sc);
}

static void
fire_partition(struct penalty *pd, int32_t p, int64_t now)
{
	struct scan	*sc;

	if (!kafka_consumer_caught_up(pd->ledgers, "merchants.events", p)) {
		fire_rearm(pd, now + FIRE_CATCH_UP_MS);
		return;
	}
	sc = xmalloc(sizeof(*sc));
	sc->pd = pd;
	sc->p = p;
	sc->now = now;
	if (store_due_head(pd, p, FIRE_BATCH, fire_on_due, sc) == -1)
		free(sc);
}

static void
fire_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct penalty	*pd = arg;
	int64_t		 now = meta_now_ms();
	int32_t		 p;

	pd->armed_at = 0;
	if (pd->stopping)
		return;
	fire_arm(pd, now + FIRE_IDLE_MS);
	for (p = 0; p < PEN_PARTITIONS_MAX; p++)
		if (pd->owned[p])
			fire_partition(pd, p, now);
}

void
fire_start(struct penalty *pd)
{
	if ((pd->timer = evtimer_new(pd->base, fire_on_timer, pd)) == NULL)
		fatalx("fire: cannot create the timer");
	fire_arm(pd, meta_now_ms() + FIRE_CATCH_UP_MS);
}

/* A partition gained is looked at now; one lost is no longer fired. */
void
fire_assign(struct penalty *pd, int32_t p, bool owned)
{
	if (p < 0 || p >= PEN_PARTITIONS_MAX) {
		log_warnx("fire: partition %d beyond %d: not fired", (int)p,
		    PEN_PARTITIONS_MAX);
		return;
	}
	pd->owned[p] = owned;
	if (owned)
		fire_rearm(pd, meta_now_ms());
}
