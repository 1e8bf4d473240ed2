/*
 * Order snapshots: the classifier keeps the latest state of every order it
 * has seen from orders.events and logistics.events in the hash "order:<id>"
 * (docs/read-model.md). intake reads its "order" field, a packed
 * cdp.v1.OrderSnapshot with the order part, to fill in what a complaint
 * left out.
 */
#include <stdlib.h>

#include "cdp/v1/order.pb-c.h"
#include "intake.h"
#include "log.h"
#include "redis.h"
#include "xmalloc.h"

struct lookup {
	order_fn	 fn;
	void		*arg;
};

static void
orders_on_reply(struct redis *r, redisReply *reply, void *arg)
{
	struct lookup		*l = arg;
	Cdp__V1__OrderSnapshot	*snap;

	if (redis_reply_error(reply, "order snapshot"))
		l->fn(l->arg, ORDER_UNAVAILABLE, NULL);
	else if (reply->type != REDIS_REPLY_STRING)
		l->fn(l->arg, ORDER_UNKNOWN, NULL);
	else if ((snap = cdp__v1__order_snapshot__unpack(NULL, reply->len,
	    (const uint8_t *)reply->str)) == NULL) {
		log_warnx("orders: undecodable snapshot; treating the order "
		    "as unknown");
		l->fn(l->arg, ORDER_UNKNOWN, NULL);
	} else {
		/* Logistics alone (no order event yet) fills nothing. */
		l->fn(l->arg, snap->order != NULL ? ORDER_FOUND : ORDER_UNKNOWN,
		    snap->order);
		cdp__v1__order_snapshot__free_unpacked(snap, NULL);
	}
	free(l);
}

/*
 * Looks the order up; fn gets the snapshot (borrowed for the call).
 * Returns -1 when Redis is not connected (fn is not called).
 */
int
orders_lookup(struct intake *in, const char *order_id, order_fn fn, void *arg)
{
	struct lookup	*l = xmalloc(sizeof(*l));

	l->fn = fn;
	l->arg = arg;
	if (redis_command(in->redis, orders_on_reply, l, "HGET order:%s order",
	    order_id) == -1) {
		free(l);
		return -1;
	}
	return 0;
}
