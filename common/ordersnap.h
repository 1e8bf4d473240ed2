/*
 * The order snapshot, the contract between the classifier, which writes it
 * from orders.events and logistics.events (services/classifier/snapshot.c),
 * and its readers (the classifier's grouping and proactive checks, intake
 * filling in what a complaint left out). Kept in Redis in the hash
 * "order:<order id>" as two parts with their own times (docs/read-model.md):
 *
 *   order, order_at   a packed cdp.v1.OrderSnapshot with the order part
 *   scan, scan_at     a packed cdp.v1.OrderSnapshot with the logistics part
 *   until             the order's after_sales_until_ms
 *
 * The two parts set disjoint fields, so their bytes one after the other
 * unpack as the whole snapshot (protobuf merges concatenated messages).
 */
#ifndef CDP_ORDERSNAP_H
#define CDP_ORDERSNAP_H

#include <stddef.h>

#include "cdp/v1/order.pb-c.h"
#include "redis.h"

#define ORDERSNAP_KEY	"order:%s"	/* an order's snapshot in Redis */

/*
 * Lua that turns a snapshot stored by an older classifier (one string of
 * the whole OrderSnapshot) into the hash of parts in place: the whole goes
 * into the order part with time 0, so any newer part replaces it and
 * readers, which join the parts' bytes, still get the whole. Without it a
 * key left from before the upgrade fails every script with WRONGTYPE.
 */
#define ORDERSNAP_LEGACY_LUA(key) \
    "if redis.call('TYPE', " key ").ok == 'string' then\n" \
    "  local whole = redis.call('GET', " key ")\n" \
    "  redis.call('DEL', " key ")\n" \
    "  redis.call('HSET', " key ", 'order', whole, 'order_at', '0')\n" \
    "end\n"

/*
 * rc -1: Redis failed the read; rc 0: snap is the order's snapshot,
 * borrowed for the call, or NULL when the order is unknown (or its stored
 * bytes do not decode).
 */
typedef void (*ordersnap_fn)(void *arg, int rc,
    Cdp__V1__OrderSnapshot *snap);

Cdp__V1__OrderSnapshot	*ordersnap_unpack(const char *order, size_t olen,
			    const char *scan, size_t slen);
int			 ordersnap_get(struct redis *r, const char *order_id,
			    ordersnap_fn fn, void *arg);
int			 ordersnap_get_order(struct redis *r,
			    const char *order_id, ordersnap_fn fn, void *arg);

#endif
