/*
 * Order snapshots (docs/read-model.md): for every order seen on
 * orders.events and logistics.events, the latest order state and the
 * latest outbound scan, packed as cdp.v1.OrderSnapshot under
 * "order:<order id>". An order's events come in order on each topic, but
 * its order and logistics events come on two topics handled side by side,
 * so each read-merge-write holds the order's key lock; a change that finds
 * it taken is handed out again shortly. Replaying the events writes the
 * same snapshot.
 *
 * After each change the order is scheduled for a proactive check
 * (opening.c) at the time its facts say one could be due.
 */
#include <stdlib.h>
#include <string.h>

#include "cdp/v1/order.pb-c.h"
#include "classifier.h"
#include "kafka.h"
#include "keylock.h"
#include "log.h"
#include "meta.h"
#include "pb.h"
#include "redis.h"
#include "xmalloc.h"

#define SNAPSHOT_RETRY_MS	1000
#define SNAPSHOT_LOCKED_MS	20

struct change {
	struct classifier	*c;
	struct kafka_msg	*m;
	Cdp__V1__OrderEvent	*order_ev;
	Cdp__V1__LogisticsEvent	*scan;
	const char		*order_id;
	bool			 locked;
};

static void
change_free(struct change *ch)
{
	if (ch->locked)
		keylock_give(ch->c->orders, ch->order_id);
	if (ch->order_ev != NULL)
		cdp__v1__order_event__free_unpacked(ch->order_ev, NULL);
	if (ch->scan != NULL)
		cdp__v1__logistics_event__free_unpacked(ch->scan, NULL);
	free(ch);
}

static void
change_retry(struct change *ch)
{
	kafka_consumer_retry(ch->m, SNAPSHOT_RETRY_MS);
	change_free(ch);
}

static void
snapshot_on_written(struct redis *r, redisReply *reply, void *arg)
{
	struct change	*ch = arg;

	if (redis_reply_error(reply, "snapshot write")) {
		change_retry(ch);
		return;
	}
	kafka_consumer_done(ch->m);
	change_free(ch);
}

/* An outbound scan newer than the snapshot's replaces its logistics part. */
static void
snapshot_merge_scan(Cdp__V1__OrderSnapshot *snap,
    const Cdp__V1__LogisticsEvent *scan)
{
	if (scan->return_leg || scan->scan_at_ms < snap->last_scan_at_ms)
		return;
	snap->logistics_status = scan->status;
	snap->last_scan_at_ms = scan->scan_at_ms;
	snap->last_location = scan->location;
	snap->carrier = scan->carrier;
	snap->tracking_number = scan->tracking_number;
	snap->last_note = scan->note;
}

static void
snapshot_write(struct change *ch, Cdp__V1__OrderSnapshot *snap)
{
	uint8_t	*buf;
	size_t	 len;
	int	 rc;

	snap->order_id = (char *)ch->order_id;
	snap->updated_at_ms = meta_now_ms();
	if (ch->order_ev != NULL && ch->order_ev->order != NULL)
		snap->order = ch->order_ev->order;
	if (ch->scan != NULL)
		snapshot_merge_scan(snap, ch->scan);
	opening_schedule(ch->c, ch->order_id, proactive_next_check(
	    &ch->c->proactive, snap, meta_now_ms()));
	buf = pb_pack(&snap->base, &len);
	rc = redis_command(ch->c->redis, snapshot_on_written, ch,
	    "SET " SNAPSHOT_KEY " %b", ch->order_id, buf, len);
	free(buf);
	if (rc == -1)
		change_retry(ch);
}

/*
 * Merges the change into the stored snapshot. The merged message borrows
 * strings from both the stored and the incoming message, so it is packed
 * before either is freed.
 */
static void
snapshot_on_read(struct redis *r, redisReply *reply, void *arg)
{
	struct change		*ch = arg;
	Cdp__V1__OrderSnapshot	 fresh = CDP__V1__ORDER_SNAPSHOT__INIT;
	Cdp__V1__OrderSnapshot	*stored = NULL, merged;

	if (redis_reply_error(reply, "snapshot read")) {
		change_retry(ch);
		return;
	}
	if (reply->type == REDIS_REPLY_STRING)
		stored = cdp__v1__order_snapshot__unpack(NULL, reply->len,
		    (const uint8_t *)reply->str);
	merged = stored != NULL ? *stored : fresh;
	snapshot_write(ch, &merged);
	if (stored != NULL)
		cdp__v1__order_snapshot__free_unpacked(stored, NULL);
}

static struct change *
change_new(struct classifier *c, struct kafka_msg *m)
{
	struct change	*ch = xcalloc(1, sizeof(*ch));

	ch->c = c;
	ch->m = m;
	return ch;
}

/*
 * Starts the change that an event (what: its message type) makes to the
 * snapshot of order_id, under the order's key lock. order_id is NULL when
 * the event was undecodable; such an event, or one without an order id,
 * goes to the dead letters.
 */
static void
snapshot_change(struct change *ch, const char *what, const char *order_id)
{
	char	reason[64];

	if (order_id == NULL || order_id[0] == '\0') {
		if (order_id == NULL)
			snprintf(reason, sizeof(reason), "undecodable %s",
			    what);
		else
			snprintf(reason, sizeof(reason), "%s without order_id",
			    what);
		kafka_consumer_dead(ch->m, reason);
		change_free(ch);
		return;
	}
	ch->order_id = order_id;
	if (!keylock_take(ch->c->orders, ch->order_id)) {
		kafka_consumer_retry(ch->m, SNAPSHOT_LOCKED_MS);
		change_free(ch);
		return;
	}
	ch->locked = true;
	if (redis_command(ch->c->redis, snapshot_on_read, ch,
	    "GET " SNAPSHOT_KEY, ch->order_id) == -1)
		change_retry(ch);
}

void
snapshot_handle_order(struct classifier *c, struct kafka_msg *m)
{
	struct change	*ch = change_new(c, m);

	ch->order_ev = cdp__v1__order_event__unpack(NULL, m->len, m->payload);
	snapshot_change(ch, "OrderEvent", ch->order_ev != NULL ?
	    ch->order_ev->order_id : NULL);
}

void
snapshot_handle_logistics(struct classifier *c, struct kafka_msg *m)
{
	struct change	*ch = change_new(c, m);

	ch->scan = cdp__v1__logistics_event__unpack(NULL, m->len, m->payload);
	snapshot_change(ch, "LogisticsEvent", ch->scan != NULL ?
	    ch->scan->order_id : NULL);
}

struct lookup {
	snapshot_fn	 fn;
	void		*arg;
};

static void
snapshot_on_get(struct redis *r, redisReply *reply, void *arg)
{
	struct lookup		*l = arg;
	Cdp__V1__OrderSnapshot	*snap = NULL;

	if (redis_reply_error(reply, "snapshot get"))
		l->fn(l->arg, -1, NULL);
	else {
		if (reply->type == REDIS_REPLY_STRING)
			snap = cdp__v1__order_snapshot__unpack(NULL,
			    reply->len, (const uint8_t *)reply->str);
		l->fn(l->arg, 0, snap);
		if (snap != NULL)
			cdp__v1__order_snapshot__free_unpacked(snap, NULL);
	}
	free(l);
}

/* Reads a snapshot; fn borrows it (NULL when unknown); rc -1: Redis down. */
int
snapshot_get(struct classifier *c, const char *order_id, snapshot_fn fn,
    void *arg)
{
	struct lookup	*l = xmalloc(sizeof(*l));

	l->fn = fn;
	l->arg = arg;
	if (redis_command(c->redis, snapshot_on_get, l, "GET " SNAPSHOT_KEY,
	    order_id) == -1) {
		free(l);
		return -1;
	}
	return 0;
}
