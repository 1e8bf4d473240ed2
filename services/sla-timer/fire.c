/*
 * Firing: one libevent timer, armed to the earliest due time across the
 * owned partitions and re-armed whenever an earlier one appears. When it
 * goes off, each owned partition that has caught up with the log gives its
 * due complaints; each due warning or breach is claimed in Redis, sent, and
 * marked, one complaint at a time (store.c has the claim and the marks).
 * A firing the broker did not wholly confirm is tried again a second later
 * by the same process, which keeps its claim and the complaint's lock:
 * its own breach event, consumed meanwhile, would otherwise mark the clock
 * breached and the missing coupon or escalation would never go. A
 * partition still replaying the log is left alone: a later event may stop
 * a clock that looks due now. Each look
 * also checks the partition's epoch, so state emptied under the daemon is
 * rebuilt even when no event comes (store_lost).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka.h"
#include "keylock.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "redis.h"
#include "redis_shards.h"
#include "sla.h"
#include "xmalloc.h"

#define FIRE_BATCH		100	/* complaints per partition and look */
#define FIRE_MORE_MS		10	/* another look when a batch was full */
#define FIRE_BUSY_MS		50
#define FIRE_CATCH_UP_MS	200
#define FIRE_IDLE_MS		5000	/* safety net: look at least this often */
#define FIRE_RETRY_MS		1000	/* a firing not wholly confirmed */
#define FIRE_DUES_MAX		(2 * SLA_CLOCKS_MAX)

/* The head of a due set, or nil when the partition's epoch is missing. */
static const char fire_due_lua[] =
    "if redis.call('EXISTS', KEYS[2]) == 0 then return false end\n"
    "return redis.call('ZRANGE', KEYS[1], 0, ARGV[1], 'WITHSCORES')\n";

static struct redis_script	*fire_due_script;

struct firing {
	struct slatimer		*t;
	int32_t			 p;
	char			*id;
	int64_t			 now;
	bool			 failed;	/* a due one is left to retry */
	uint32_t		 rebuild;	/* the partition's, when loaded */
	struct sla_state	 s;
	struct clock_due	 dues[FIRE_DUES_MAX];
	size_t			 n;
	size_t			 next;
	char			 name[192];
	unsigned		 sent;		/* parts confirmed (EMIT_PART_*) */
	struct event		*retry_ev;
	struct firing		*next_retry;	/* in t->retrying */
};

static void	fire_next_due(struct firing *f);
static void	fire_retry_later(struct firing *f);
static void	fire_claim(struct firing *f);

static void
fire_arm(struct slatimer *t, int64_t at_ms)
{
	int64_t		delay = at_ms - meta_now_ms();
	struct timeval	tv;

	if (delay < 0)
		delay = 0;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(t->timer, &tv);
	t->armed_at = at_ms;
}

/* Arms the timer for at_ms when that is earlier than what it waits for. */
void
fire_rearm(struct slatimer *t, int64_t at_ms)
{
	if (at_ms <= 0 || t->stopping)
		return;
	if (t->armed_at == 0 || at_ms < t->armed_at)
		fire_arm(t, at_ms);
}

static void
firing_end(struct firing *f)
{
	if (f->retry_ev != NULL)
		event_free(f->retry_ev);
	keylock_give(f->t->busy, f->id);
	free(f->id);
	free(f);
}

/*
 * The timer comes back for the complaint's next due time; after a failure
 * the safety net's next look retries, rather than at once and in a loop.
 */
static void
fire_on_saved(void *arg, int rc)
{
	struct firing	*f = arg;

	if (rc >= 0 && !f->failed)
		fire_rearm(f->t, clock_next_due(&f->s.c));
	if (rc == -2)
		store_lost(f->t, f->p);
	firing_end(f);
}

/*
 * Saves the marks; the partition's offset is not the firing's to move, and
 * clocks loaded before the partition's state was lost are not saved over
 * its rebuild (the log has the firing's events).
 */
static void
fire_save(struct firing *f)
{
	if (f->rebuild != store_rebuilds(f->t, f->p)) {
		firing_end(f);
		return;
	}
	if (store_save(f->t, f->p, f->id, &f->s, false, fire_on_saved, f) ==
	    -1)
		firing_end(f);
}

static void
fire_fail(struct firing *f)
{
	f->failed = true;
	fire_save(f);
}

/*
 * The firing failed: before any part of it was sent, the next look tries
 * again (the claim stays this process's); after, the same process goes on
 * trying (fire_retry_later).
 */
static void
fire_failed(struct firing *f)
{
	if (f->sent != 0)
		fire_retry_later(f);
	else
		fire_fail(f);
}

static void
fire_on_sent(void *arg, bool ok)
{
	struct firing		*f = arg;
	const struct clock_due	*d = &f->dues[f->next - 1];

	if (!ok) {
		log_warnx("fire: %s not wholly sent; trying again", f->name);
		if (f->sent != 0)
			store_mark(f->t, f->p, f->id, f->name, f->sent, false);
		fire_failed(f);
		return;
	}
	store_mark(f->t, f->p, f->id, f->name, f->sent, true);
	clock_mark_fired(&f->s.c, d);
	metrics_inc(metrics_counter(d->kind == CLOCK_DUE_WARNING ?
	    "sla_warnings_total" : "sla_breaches_total",
	    "SLA warnings or breaches fired.", ""));
	metrics_observe(metrics_histogram("sla_fire_lag_seconds",
	    "From a warning's or breach's due time to its event confirmed.",
	    "", metrics_latency_seconds, metrics_latency_seconds_n),
	    (double)(meta_now_ms() - d->at_ms) / 1000.0);
	fire_next_due(f);
}

static void
fire_on_claimed(void *arg, int rc)
{
	struct firing		*f = arg;
	const struct clock_due	*d = &f->dues[f->next - 1];

	if (rc == -1) {
		fire_failed(f);
		return;
	}
	if (rc == STORE_CLAIM_HELD) {
		fire_fail(f);	/* the next look tries again */
		return;
	}
	if (rc == 0) {		/* fired before: only the mark was missing */
		clock_mark_fired(&f->s.c, d);
		fire_next_due(f);
		return;
	}
	if (fault_hit("exit_after_claim"))
		_exit(75);
	f->sent = (unsigned)rc - 1;
	/* An appeal's clocks are kept by appeal id, and announced on its
	   complaint. */
	if (emit_firing(f->t, f->s.complaint_id[0] != '\0' ?
	    f->s.complaint_id : f->id, f->name, &f->s, d, &f->sent,
	    fire_on_sent, f) == -1)
		fire_on_sent(f, false);
}

static void
fire_claim(struct firing *f)
{
	if (store_claim(f->t, f->p, f->id, f->name, fire_on_claimed, f) == -1)
		fire_failed(f);
}

static void
fire_on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct firing	*f = arg, **pp;

	for (pp = &f->t->retrying; *pp != f; pp = &(*pp)->next_retry)
		;
	*pp = f->next_retry;
	fire_claim(f);
}

/* Tries the current firing again soon, claim renewed, parts not resent. */
static void
fire_retry_later(struct firing *f)
{
	struct timeval	tv = { FIRE_RETRY_MS / 1000,
			    (FIRE_RETRY_MS % 1000) * 1000 };

	if (f->t->stopping) {
		fire_fail(f);
		return;
	}
	if (f->retry_ev == NULL &&
	    (f->retry_ev = evtimer_new(f->t->base, fire_on_retry, f)) == NULL)
		fatalx("fire: cannot create a retry timer");
	f->next_retry = f->t->retrying;
	f->t->retrying = f;
	evtimer_add(f->retry_ev, &tv);
}

static void
fire_next_due(struct firing *f)
{
	const struct clock_due	*d;

	if (f->next == f->n) {
		fire_save(f);
		return;
	}
	d = &f->dues[f->next++];
	emit_firing_id(f->id, &f->s.c.clocks[d->index], d->kind, f->name,
	    sizeof(f->name));
	f->sent = 0;
	fire_claim(f);
}

static void
fire_on_load(void *arg, int rc, struct sla_state *s)
{
	struct firing	*f = arg;

	if (rc == -1) {
		firing_end(f);
		return;
	}
	f->s = *s;
	f->n = clock_due(&f->s.c, f->now, f->dues, FIRE_DUES_MAX);
	fire_next_due(f);
}

static void
fire_complaint(struct slatimer *t, int32_t p, const char *id)
{
	struct firing	*f;

	if (!keylock_take(t->busy, id)) {
		/* An event is applied, or a firing is under way. */
		fire_rearm(t, meta_now_ms() + FIRE_BUSY_MS);
		return;
	}
	f = xcalloc(1, sizeof(*f));
	f->t = t;
	f->p = p;
	f->id = xstrdup(id);
	f->now = meta_now_ms();
	f->rebuild = store_rebuilds(t, p);
	if (store_load(t, p, id, fire_on_load, f) == -1)
		firing_end(f);
}

struct scan {
	struct slatimer	*t;
	int32_t		 p;
	int64_t		 now;
};

/*
 * The head of a partition's due set, earliest first: the complaints due
 * by the look's time are fired, up to a batch, and the first one not yet
 * due arms the timer; a full batch brings another look soon.
 */
static void
fire_on_due(struct redis *r, redisReply *reply, void *arg)
{
	struct scan	*sc = arg;
	int64_t		 at;
	size_t		 i, n = 0;

	if (redis_reply_error(reply, "due set") ||
	    reply->type != REDIS_REPLY_ARRAY) {
		if (reply != NULL && reply->type == REDIS_REPLY_NIL)
			store_lost(sc->t, sc->p);
		free(sc);
		return;
	}
	for (i = 0; i + 1 < reply->elements; i += 2) {
		/* Scores may come as "1.7e+12": strtod reads them exactly. */
		at = (int64_t)strtod(reply->element[i + 1]->str, NULL);
		if (at > sc->now) {
			fire_rearm(sc->t, at);
			break;
		}
		if (n++ < FIRE_BATCH)
			fire_complaint(sc->t, sc->p, reply->element[i]->str);
	}
	if (n > FIRE_BATCH)
		fire_rearm(sc->t, meta_now_ms() + FIRE_MORE_MS);
	free(sc);
}

static void
fire_partition(struct slatimer *t, int32_t p, int64_t now)
{
	struct scan	*sc;
	char		*keys[2], batch[16];
	int		 rc;

	if (!kafka_consumer_caught_up(t->consumer, store_topic(p),
	    store_partition(p))) {
		fire_rearm(t, now + FIRE_CATCH_UP_MS);
		return;
	}
	sc = xmalloc(sizeof(*sc));
	sc->t = t;
	sc->p = p;
	sc->now = now;
	/* One more than a batch, to see whether more are due. */
	keys[0] = xasprintf("sla:{%s}:due", store_tag(p));
	keys[1] = xasprintf("sla:{%s}:epoch", store_tag(p));
	snprintf(batch, sizeof(batch), "%d", FIRE_BATCH);
	rc = redis_script_run(store_redis(t, p), fire_due_script, fire_on_due,
	    sc, 2, 1, (const char *[]){ keys[0], keys[1], batch }, NULL);
	free(keys[0]);
	free(keys[1]);
	if (rc == -1)
		free(sc);
}

static void
fire_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct slatimer	*t = arg;
	int64_t		 now = meta_now_ms();
	int32_t		 p;

	t->armed_at = 0;
	if (t->stopping)
		return;
	fire_arm(t, now + FIRE_IDLE_MS);
	for (p = 0; p < SLA_PARTITIONS_MAX; p++)
		if (t->owned[p])
			fire_partition(t, p, now);
}

void
fire_start(struct slatimer *t)
{
	if ((t->timer = evtimer_new(t->base, fire_on_timer, t)) == NULL)
		fatalx("fire: cannot create the timer");
	fire_due_script = redis_shards_script(t->shards, fire_due_lua);
	fire_arm(t, meta_now_ms() + FIRE_CATCH_UP_MS);
}

/* A partition gained is looked at now; one lost is no longer fired. */
void
fire_assign(struct slatimer *t, int32_t p, bool owned)
{
	if (p < 0 || p >= SLA_PARTITIONS_MAX) {
		log_warnx("fire: partition %d beyond %d: not fired", (int)p,
		    SLA_PARTITIONS_MAX);
		return;
	}
	t->owned[p] = owned;
	if (owned)
		fire_rearm(t, meta_now_ms());
}

/*
 * At shutdown: firings waiting to be tried again end here; their claims
 * expire unmarked, and the next owner sends what is missing.
 */
void
fire_stop(struct slatimer *t)
{
	struct firing	*f;

	while ((f = t->retrying) != NULL) {
		t->retrying = f->next_retry;
		firing_end(f);
	}
}
