/*
 * Proactive complaints (the platform opens a case before the customer
 * does): which causes an order snapshot shows, and when to look again.
 * Pure functions of the snapshot and the time.
 *
 *   not dispatched in time  paid, no outbound scan, past its promised ship
 *                           time plus a grace period
 *   logistics exception     the latest scan is an exception
 *   lost                    the carrier declared the parcel lost
 *   no scan                 in transit with no scan for too long
 *   signed by proxy         someone else signed for the parcel (代签) and
 *                           no later scan shows it reached the buyer
 *                           within a grace period: signed, but never
 *                           received. The order system may well call
 *                           such an order delivered (OrderDelivered with
 *                           signed_by_proxy), so this cause holds for
 *                           delivered orders too, not cancelled ones.
 */
#include "classifier.h"

#define STATUS(s)	CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_##s
#define CAUSE(s)	CDP__V1__PROACTIVE_CAUSE__PROACTIVE_CAUSE_##s

static bool
proactive_open_order(const Cdp__V1__Order *o)
{
	return o->status != CDP__V1__ORDER_STATUS__ORDER_STATUS_CANCELLED &&
	    o->status != CDP__V1__ORDER_STATUS__ORDER_STATUS_DELIVERED &&
	    o->delivered_at_ms == 0;
}

static bool
proactive_moving(const Cdp__V1__OrderSnapshot *s)
{
	return s->logistics_status == STATUS(PICKED_UP) ||
	    s->logistics_status == STATUS(IN_TRANSIT) ||
	    s->logistics_status == STATUS(OUT_FOR_DELIVERY);
}

/* When the order becomes late to ship, or 0 if it cannot. */
static int64_t
proactive_ship_due(const struct proactive_policy *p,
    const Cdp__V1__OrderSnapshot *s)
{
	const Cdp__V1__Order	*o = s->order;

	if (o->promised_ship_by_ms == 0 || o->shipped_at_ms != 0 ||
	    o->paid_at_ms == 0 || s->logistics_status != STATUS(UNSPECIFIED))
		return 0;
	return o->promised_ship_by_ms + p->ship_grace_ms;
}

/* When the parcel has gone too long without a scan, or 0. */
static int64_t
proactive_scan_due(const struct proactive_policy *p,
    const Cdp__V1__OrderSnapshot *s)
{
	if (!proactive_moving(s) || s->last_scan_at_ms == 0)
		return 0;
	return s->last_scan_at_ms + p->no_scan_ms;
}

/*
 * When a parcel signed for by someone else, with no scan since that shows
 * it reached the buyer, becomes a case, or 0.
 */
static int64_t
proactive_signed_due(const struct proactive_policy *p,
    const Cdp__V1__OrderSnapshot *s)
{
	if (s->order->status == CDP__V1__ORDER_STATUS__ORDER_STATUS_CANCELLED ||
	    s->logistics_status != STATUS(SIGNED_BY_PROXY) ||
	    s->last_scan_at_ms == 0)
		return 0;
	return s->last_scan_at_ms + p->signed_grace_ms;
}

/* Fills out with the causes the snapshot shows at now_ms; returns count. */
size_t
proactive_causes(const struct proactive_policy *p,
    const Cdp__V1__OrderSnapshot *s, int64_t now_ms,
    Cdp__V1__ProactiveCause *out, size_t max)
{
	int64_t	ship = 0, scan = 0, sign = 0;
	size_t	n = 0;

	if (s->order == NULL)
		return 0;
	if ((sign = proactive_signed_due(p, s)) != 0 && now_ms >= sign &&
	    n < max)
		out[n++] = CAUSE(SIGNED_BY_PROXY);
	if (!proactive_open_order(s->order))
		return n;
	ship = proactive_ship_due(p, s);
	scan = proactive_scan_due(p, s);
	if (ship != 0 && now_ms >= ship && n < max)
		out[n++] = CAUSE(NOT_DISPATCHED_IN_TIME);
	if (s->logistics_status == STATUS(EXCEPTION) && n < max)
		out[n++] = CAUSE(LOGISTICS_EXCEPTION);
	if (s->logistics_status == STATUS(LOST) && n < max)
		out[n++] = CAUSE(LOST);
	if (scan != 0 && now_ms >= scan && n < max)
		out[n++] = CAUSE(NO_SCAN);
	return n;
}

static int64_t
proactive_earliest(int64_t a, int64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

/*
 * When the snapshot should next be checked: now for a cause it already
 * shows, the time a cause would start, or 0 when none can.
 */
int64_t
proactive_next_check(const struct proactive_policy *p,
    const Cdp__V1__OrderSnapshot *s, int64_t now_ms)
{
	Cdp__V1__ProactiveCause	causes[4];
	int64_t			next;

	if (s->order == NULL)
		return 0;
	if (proactive_causes(p, s, now_ms, causes, 4) > 0)
		return now_ms;
	next = proactive_signed_due(p, s);
	if (proactive_open_order(s->order))
		next = proactive_earliest(next, proactive_earliest(
		    proactive_ship_due(p, s), proactive_scan_due(p, s)));
	return next;
}
