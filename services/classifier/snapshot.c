/*
 * Order snapshots (common/ordersnap.h, docs/read-model.md): for every order
 * seen on orders.events and logistics.events, the latest order state and
 * the latest outbound scan, written as the two parts of the hash
 * "order:<order id>" with their own times.
 *
 * An order's order and logistics events come on two topics, handled side
 * by side and possibly by two instances, so each part is written by one
 * script that keeps it only if it is not older than the stored one: no
 * read-merge-write, so no writer can lose the other's part. The key expires
 * SNAPSHOT_KEEP (CLASSIFIER_ORDER_KEEP_MS) after the later of now and the
 * end of the after-sales window. Replaying the events writes the same
 * snapshot.
 *
 * After each change the order is scheduled for a proactive check
 * (opening.c) at the time its facts say one could be due.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdp/v1/order.pb-c.h"
#include "classifier.h"
#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "ordersnap.h"
#include "pb.h"
#include "redis.h"
#include "xmalloc.h"

#define SNAPSHOT_RETRY_MS	1000

static const char snapshot_lua[] =
    "local k, f, at = KEYS[1], ARGV[1], tonumber(ARGV[3])\n"
    ORDERSNAP_LEGACY_LUA("k")
    "local old = tonumber(redis.call('HGET', k, f .. '_at') or '-1')\n"
    "if at >= old then\n"
    "  redis.call('HSET', k, f, ARGV[2], f .. '_at', ARGV[3])\n"
    "  if f == 'order' then redis.call('HSET', k, 'until', ARGV[4]) end\n"
    "end\n"
    "local u = tonumber(redis.call('HGET', k, 'until') or '0')\n"
    "redis.call('PEXPIREAT', k, math.max(tonumber(ARGV[5]), u) +\n"
    "    tonumber(ARGV[6]))\n"
    "return (redis.call('HGET', k, 'order') or '') ..\n"
    "    (redis.call('HGET', k, 'scan') or '')\n";

static struct redis_script	*snapshot_script;

struct change {
	struct classifier	*c;
	struct kafka_msg	*m;
	Cdp__V1__OrderEvent	*order_ev;
	Cdp__V1__LogisticsEvent	*scan;
	const char		*order_id;
};

void
snapshot_start(struct classifier *c)
{
	snapshot_script = redis_script_new(c->redis, snapshot_lua);
}

static void
change_free(struct change *ch)
{
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

/* Written: the reply is the merged snapshot, to schedule its next check. */
static void
snapshot_on_written(struct redis *r, redisReply *reply, void *arg)
{
	struct change		*ch = arg;
	Cdp__V1__OrderSnapshot	*snap;

	if (redis_reply_error(reply, "snapshot write") ||
	    reply->type != REDIS_REPLY_STRING) {
		change_retry(ch);
		return;
	}
	if ((snap = ordersnap_unpack(reply->str, reply->len, NULL, 0)) != NULL) {
		opening_schedule(ch->c, ch->order_id, proactive_next_check(
		    &ch->c->proactive, snap, meta_now_ms()));
		cdp__v1__order_snapshot__free_unpacked(snap, NULL);
	}
	kafka_consumer_done(ch->m);
	change_free(ch);
}

/* The logistics part of a snapshot: an outbound scan. */
static void
snapshot_scan_part(Cdp__V1__OrderSnapshot *part,
    const Cdp__V1__LogisticsEvent *scan)
{
	part->logistics_status = scan->status;
	part->last_scan_at_ms = scan->scan_at_ms;
	part->last_location = scan->location;
	part->carrier = scan->carrier;
	part->tracking_number = scan->tracking_number;
	part->last_note = scan->note;
}

/*
 * Writes one part of the snapshot (field "order" or "scan", as of at_ms)
 * with the script, which keeps the newer of the stored and this one.
 */
static void
snapshot_write(struct change *ch, const char *field,
    Cdp__V1__OrderSnapshot *part, int64_t at_ms, int64_t until_ms)
{
	char		 at[24], until[24], now[24], keep[24];
	char		*key = xasprintf(ORDERSNAP_KEY, ch->order_id);
	const char	*args[7];
	size_t		 lens[7] = { 0 };
	uint8_t		*buf;
	int		 rc, i;

	part->updated_at_ms = meta_now_ms();
	buf = pb_pack(&part->base, &lens[2]);
	snprintf(at, sizeof(at), "%lld", (long long)at_ms);
	snprintf(until, sizeof(until), "%lld", (long long)until_ms);
	snprintf(now, sizeof(now), "%lld", (long long)part->updated_at_ms);
	snprintf(keep, sizeof(keep), "%lld", (long long)ch->c->order_keep_ms);
	args[0] = key;
	args[1] = field;
	args[2] = (const char *)buf;
	args[3] = at;
	args[4] = until;
	args[5] = now;
	args[6] = keep;
	for (i = 0; i < 7; i++)
		if (i != 2)
			lens[i] = strlen(args[i]);
	rc = redis_script_run(ch->c->redis, snapshot_script,
	    snapshot_on_written, ch, 1, 6, args, lens);
	free(buf);
	free(key);
	if (rc == -1)
		change_retry(ch);
}

/* Writes the part of the snapshot that the change's event gives. */
static void
snapshot_apply(struct change *ch)
{
	Cdp__V1__OrderSnapshot	 part = CDP__V1__ORDER_SNAPSHOT__INIT;
	const Cdp__V1__Order	*o;

	part.order_id = (char *)ch->order_id;
	if (ch->scan != NULL) {
		if (ch->scan->return_leg) {
			kafka_consumer_done(ch->m);	/* not the outbound */
			change_free(ch);
			return;
		}
		snapshot_scan_part(&part, ch->scan);
		snapshot_write(ch, "scan", &part, ch->scan->scan_at_ms, 0);
		return;
	}
	o = ch->order_ev->order;
	part.order = (Cdp__V1__Order *)o;
	snapshot_write(ch, "order", &part, ch->order_ev->meta != NULL ?
	    ch->order_ev->meta->occurred_at_ms : 0,
	    o != NULL ? o->after_sales_until_ms : 0);
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
 * snapshot of order_id. order_id is NULL when the event was undecodable;
 * such an event, or one without an order id, goes to the dead letters.
 */
void
snapshot_handle_order(struct classifier *c, struct kafka_msg *m)
{
	struct change	*ch = change_new(c, m);

	ch->order_ev = kafka_msg_take(m);	/* checked by events_order */
	ch->order_id = ch->order_ev->order_id;
	snapshot_apply(ch);
}

void
snapshot_handle_logistics(struct classifier *c, struct kafka_msg *m)
{
	struct change	*ch = change_new(c, m);

	ch->scan = kafka_msg_take(m);	/* checked by events_logistics */
	ch->order_id = ch->scan->order_id;
	snapshot_apply(ch);
}
