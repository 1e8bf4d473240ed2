/*
 * The delivery pump: one timer, re-armed every tick and kicked when new
 * notifications are scheduled. Each tick reads the due ids of every shard
 * this instance owns (the partitions the consumer group gave it), and for
 * each one not already in hand:
 *
 *   pending    deliver it if its merchant's limits allow (limit.c), else
 *              leave it for a later tick, so one slow merchant uses only
 *              its own slots; on the answer, record it as delivered,
 *              scheduled again (backoff.c) or failed;
 *   delivered  announce NotificationSent, then forget the job;
 *   failed     announce NotificationFailed, dead-letter it, then forget.
 *
 * Outcomes are recorded in Redis before they are announced, so a crash
 * between the two announces them after the restart rather than losing
 * them, and a delivered id is never delivered again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "keylock.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "notifier.h"
#include "xmalloc.h"

#define PUMP_TICK_MS		200
#define PUMP_BATCH		64
#define PUMP_SHARDS_MAX		(2 * NOTIFIER_PARTITIONS_MAX)
#define PUMP_PROVIDER_RATE	1000

struct shard {
	char	name[16];
	bool	owned;
	bool	scanning;
};

/* A merchant's limits; never moved, since tasks in flight point at them. */
struct mlimit {
	struct mlimit	*next;
	char		 id[NOTIFIER_ID_MAX];
	struct limit	 l;
};

struct pump {
	struct notifier	*n;
	struct shard	 shards[PUMP_SHARDS_MAX];
	size_t		 nshards;
	struct event	*timer;
	struct keylock	*busy;		/* ids in hand */
	struct mlimit	*limits;
	struct limit	 provider;
};

/* One notification in hand. */
struct task {
	struct pump	*p;
	char		 shard[16];
	char		 id[META_ID_LEN + 1];
	struct notice	 j;
	struct limit	*l;
};

static void	task_deliver(struct task *t);
static void	task_announce(struct task *t);

static const char *
kind_label(const struct notice *j)
{
	return j->kind == CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_MERCHANT ?
	    "kind=\"merchant\"" : "kind=\"customer\"";
}

static void
count(const char *name, const char *help, const struct notice *j)
{
	metrics_inc(metrics_counter(name, help, kind_label(j)));
}

static struct limit *
merchant_limit(struct pump *p, const char *id)
{
	struct mlimit	*m;

	for (m = p->limits; m != NULL; m = m->next)
		if (strcmp(m->id, id) == 0)
			return &m->l;
	m = xcalloc(1, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", id);
	limit_init(&m->l);
	m->next = p->limits;
	p->limits = m;
	return &m->l;
}

static void
task_end(struct task *t)
{
	keylock_give(t->p->busy, t->id);
	notice_clear(&t->j);
	free(t);
}

static uint32_t
pump_random(void *arg)
{
	return arc4random();
}

/* Called back when a step's Redis write or Kafka send is done. */
static void
task_on_finished(void *arg, int rc)
{
	task_end(arg);
}

static void
task_on_dead_letter(void *arg, bool ok)
{
	struct task	*t = arg;

	if (!ok || store_finish(t->p->n, t->shard, t->id, task_on_finished,
	    t) == -1)
		task_end(t);	/* announced again on a later tick */
}

static void
task_on_announced(void *arg, bool ok)
{
	struct task	*t = arg;

	if (!ok) {
		log_warnx("notification %s: announcement not written; again "
		    "later", t->id);
		task_end(t);
		return;
	}
	if (t->j.state == NOTICE_FAILED) {
		if (emit_dead_letter(t->p->n, &t->j, task_on_dead_letter, t) ==
		    -1)
			task_end(t);
		return;
	}
	task_on_dead_letter(t, true);
}

/* Announces a delivered or given-up job, then forgets it. */
static void
task_announce(struct task *t)
{
	if (emit_outcome(t->p->n, &t->j, task_on_announced, t) == -1)
		task_end(t);
}

static void
task_on_retry_announced(void *arg, bool ok)
{
	task_end(arg);
}

static void
task_on_recorded(void *arg, int rc)
{
	struct task	*t = arg;

	if (rc == -1) {
		task_end(t);	/* Redis down: the old state stands */
		return;
	}
	if (t->j.state != NOTICE_PENDING) {
		task_announce(t);
		return;
	}
	/* A failed attempt with another to come: told, best effort. */
	if (emit_outcome(t->p->n, &t->j, task_on_retry_announced, t) == -1)
		task_end(t);
}

/* What an answer means: delivered, retried later, or given up. */
static void
task_judge(struct task *t, const struct deliver_result *r)
{
	struct notifier_settings	*s = t->p->n->set;
	struct notice			*j = &t->j;
	bool				 retry;

	j->attempts++;
	if (r->status >= 200 && r->status < 300) {
		j->state = NOTICE_DELIVERED;
		snprintf(j->provider_id, sizeof(j->provider_id), "%s",
		    r->provider_id);
		count("notifier_delivered_total", "Notifications delivered.",
		    j);
		return;
	}
	if (r->status == 0)
		snprintf(j->error, sizeof(j->error), "%s", r->error);
	else
		snprintf(j->error, sizeof(j->error), "HTTP %ld", r->status);
	/* No answer, 429 and 5xx may pass; other answers will not. */
	retry = r->status == 0 || r->status == 429 || r->status >= 500;
	if (retry && j->attempts < (uint32_t)s->attempts) {
		j->next_ms = meta_now_ms() + backoff_delay(j->attempts,
		    s->backoff_base_ms, s->backoff_max_ms, pump_random, NULL);
		count("notifier_retried_total", "Attempts failed and "
		    "scheduled again.", j);
	} else {
		j->state = NOTICE_FAILED;
		j->next_ms = 0;
		count("notifier_failed_total", "Notifications given up.", j);
	}
}

static void
task_on_answer(void *arg, const struct deliver_result *r)
{
	struct task	*t = arg;

	limit_give(t->l);
	if (r->status == DELIVER_ABANDONED) {
		task_end(t);		/* shutting down: Redis keeps it */
		return;
	}
	task_judge(t, r);
	log_info("notification %s (%s to %s): attempt %u: %s", t->id,
	    t->j.template_name, t->j.recipient_id, t->j.attempts,
	    t->j.state == NOTICE_DELIVERED ? "delivered" : t->j.error);
	if (store_update(t->p->n, t->shard, &t->j, task_on_recorded, t) == -1)
		task_end(t);
}

/* Gives a job up at once, for a reason that no retry can change. */
static void
task_give_up(struct task *t, const char *why)
{
	t->j.state = NOTICE_FAILED;
	t->j.next_ms = 0;
	snprintf(t->j.error, sizeof(t->j.error), "%s", why);
	count("notifier_failed_total", "Notifications given up.", &t->j);
	log_warnx("notification %s: %s", t->id, why);
	if (store_update(t->p->n, t->shard, &t->j, task_on_recorded, t) == -1)
		task_end(t);
}

/* Sends a pending job when its recipient's limits allow. */
static void
task_deliver(struct task *t)
{
	struct notifier		*n = t->p->n;
	const struct merchant	*m = NULL;
	char			*body;
	const char		*url, *secret;
	long long		 rate, conc;

	if (t->j.kind == CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_MERCHANT) {
		if ((m = merchants_find(n->merchants, t->j.merchant_id)) ==
		    NULL) {
			task_give_up(t, "merchant has no webhook configured");
			return;
		}
		url = m->url, secret = m->secret;
		rate = m->rate, conc = m->concurrency;
		t->l = merchant_limit(t->p, m->id);
	} else {
		url = n->set->provider_url, secret = n->set->provider_secret;
		rate = PUMP_PROVIDER_RATE, conc = n->set->provider_concurrency;
		t->l = &t->p->provider;
	}
	if (!limit_take(t->l, rate, conc, meta_now_ms())) {
		task_end(t);		/* its turn comes on a later tick */
		return;
	}
	body = notice_body(&t->j);
	if (body == NULL || deliver_post(n->deliver, url, secret, body,
	    task_on_answer, t) == -1) {
		limit_give(t->l);
		task_end(t);
	}
	free(body);
}

static void
task_on_load(void *arg, int rc, struct notice *j)
{
	struct task	*t = arg;

	if (rc == -1 || j == NULL || t->p->n->stopping) {
		task_end(t);
		return;
	}
	t->j = *j;
	t->j.text = xstrdup(j->text);
	t->j.to = xstrdup(j->to);
	log_ctx_set(t->j.complaint_id, t->j.cause_id, t->j.merchant_id);
	if (t->j.state == NOTICE_PENDING)
		task_deliver(t);
	else
		task_announce(t);
	log_ctx_clear();
}

static void
pump_take(struct pump *p, const char *shard, const char *id)
{
	struct task	*t;

	if (!keylock_take(p->busy, id))
		return;			/* in hand already */
	t = xcalloc(1, sizeof(*t));
	t->p = p;
	snprintf(t->shard, sizeof(t->shard), "%s", shard);
	snprintf(t->id, sizeof(t->id), "%s", id);
	if (store_load(p->n, shard, id, task_on_load, t) == -1)
		task_end(t);
}

struct scan {
	struct pump	*p;
	size_t		 i;
};

static void
pump_on_due(void *arg, int rc, char **ids, size_t nids)
{
	struct scan	*sc = arg;
	struct shard	*s = &sc->p->shards[sc->i];
	size_t		 k;

	s->scanning = false;
	for (k = 0; rc == 0 && s->owned && k < nids; k++)
		pump_take(sc->p, s->name, ids[k]);
	free(sc);
}

static void
pump_tick(evutil_socket_t fd, short what, void *arg)
{
	struct pump	*p = arg;
	struct timeval	 tv = { 0, PUMP_TICK_MS * 1000 };
	struct scan	*sc;
	size_t		 i;
	int64_t		 now = meta_now_ms();

	for (i = 0; i < p->nshards && !p->n->stopping; i++) {
		if (!p->shards[i].owned || p->shards[i].scanning)
			continue;
		sc = xmalloc(sizeof(*sc));
		sc->p = p;
		sc->i = i;
		p->shards[i].scanning = true;
		if (store_due(p->n, p->shards[i].name, now, PUMP_BATCH,
		    pump_on_due, sc) == -1) {
			p->shards[i].scanning = false;
			free(sc);
		}
	}
	evtimer_add(p->timer, &tv);
}

struct pump *
pump_new(struct notifier *n)
{
	struct pump	*p = xcalloc(1, sizeof(*p));
	struct timeval	 tv = { 0, PUMP_TICK_MS * 1000 };

	p->n = n;
	p->busy = keylock_new();
	limit_init(&p->provider);
	p->timer = evtimer_new(n->base, pump_tick, p);
	evtimer_add(p->timer, &tv);
	return p;
}

/* A partition gained or lost: its shard is worked here, or no more. */
void
pump_assign(struct pump *p, const char *topic, int32_t part, bool owned)
{
	char	name[16];
	size_t	i;

	store_shard(name, sizeof(name), topic, part);
	for (i = 0; i < p->nshards; i++)
		if (strcmp(p->shards[i].name, name) == 0)
			break;
	if (i == p->nshards) {
		if (p->nshards == PUMP_SHARDS_MAX)
			fatalx("pump: more than %d partitions", PUMP_SHARDS_MAX);
		snprintf(p->shards[p->nshards++].name, sizeof(name), "%s",
		    name);
	}
	p->shards[i].owned = owned;
	log_info("pump: shard %s %s", name, owned ? "owned" : "released");
}

/* New work was scheduled: look at once rather than at the next tick. */
void
pump_kick(struct pump *p)
{
	struct timeval	tv = { 0, 0 };

	evtimer_add(p->timer, &tv);
}

void
pump_free(struct pump *p)
{
	struct mlimit	*m;

	event_free(p->timer);
	keylock_free(p->busy);
	while ((m = p->limits) != NULL) {
		p->limits = m->next;
		free(m);
	}
	free(p);
}
