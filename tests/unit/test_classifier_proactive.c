/* Unit tests for services/classifier/proactive.c: causes and next checks. */
/* cdp-test-sources: services/classifier/proactive.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "classifier/classifier.h"

#define HOUR		3600000LL
#define NOW		(1764000000000LL)
#define STATUS(s)	CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_##s
#define CAUSE(s)	CDP__V1__PROACTIVE_CAUSE__PROACTIVE_CAUSE_##s

static const struct proactive_policy policy = {
	.ship_grace_ms = HOUR, .no_scan_ms = 48 * HOUR,
	.signed_grace_ms = 24 * HOUR,
};

struct fixture {
	Cdp__V1__OrderSnapshot	snap;
	Cdp__V1__Order		order;
};

static void
paid_order(struct fixture *f, int64_t promised_ship_by)
{
	Cdp__V1__OrderSnapshot	s = CDP__V1__ORDER_SNAPSHOT__INIT;
	Cdp__V1__Order		o = CDP__V1__ORDER__INIT;

	f->snap = s;
	f->order = o;
	f->order.status = CDP__V1__ORDER_STATUS__ORDER_STATUS_PAID;
	f->order.paid_at_ms = NOW - 24 * HOUR;
	f->order.promised_ship_by_ms = promised_ship_by;
	f->snap.order_id = "O1";
	f->snap.order = &f->order;
}

static size_t
causes(struct fixture *f, int64_t now, Cdp__V1__ProactiveCause *out)
{
	return proactive_causes(&policy, &f->snap, now, out, 4);
}

static void
test_not_dispatched_after_promise_and_grace(void **state)
{
	struct fixture		f;
	Cdp__V1__ProactiveCause	c[4];

	paid_order(&f, NOW - 30 * 60000);
	assert_int_equal(causes(&f, NOW, c), 0);	/* within grace */
	assert_int_equal(proactive_next_check(&policy, &f.snap, NOW),
	    NOW - 30 * 60000 + HOUR);
	assert_int_equal(causes(&f, NOW + HOUR, c), 1);
	assert_int_equal(c[0], CAUSE(NOT_DISPATCHED_IN_TIME));
	assert_int_equal(proactive_next_check(&policy, &f.snap, NOW + HOUR),
	    NOW + HOUR);
}

static void
test_shipped_or_scanned_or_unpaid_is_not_late(void **state)
{
	struct fixture		f;
	Cdp__V1__ProactiveCause	c[4];

	paid_order(&f, NOW - 10 * HOUR);
	f.order.shipped_at_ms = NOW - 11 * HOUR;
	assert_int_equal(causes(&f, NOW, c), 0);
	paid_order(&f, NOW - 10 * HOUR);
	f.snap.logistics_status = STATUS(PICKED_UP);
	f.snap.last_scan_at_ms = NOW - HOUR;
	assert_int_equal(causes(&f, NOW, c), 0);
	paid_order(&f, NOW - 10 * HOUR);
	f.order.paid_at_ms = 0;
	assert_int_equal(causes(&f, NOW, c), 0);
	assert_int_equal(proactive_next_check(&policy, &f.snap, NOW), 0);
}

static void
test_exception_and_lost_are_immediate(void **state)
{
	struct fixture		f;
	Cdp__V1__ProactiveCause	c[4];

	paid_order(&f, NOW + HOUR);
	f.snap.logistics_status = STATUS(EXCEPTION);
	f.snap.last_scan_at_ms = NOW;
	assert_int_equal(causes(&f, NOW, c), 1);
	assert_int_equal(c[0], CAUSE(LOGISTICS_EXCEPTION));
	f.snap.logistics_status = STATUS(LOST);
	assert_int_equal(causes(&f, NOW, c), 1);
	assert_int_equal(c[0], CAUSE(LOST));
	assert_int_equal(proactive_next_check(&policy, &f.snap, NOW), NOW);
}

static void
test_no_scan_for_too_long(void **state)
{
	struct fixture		f;
	Cdp__V1__ProactiveCause	c[4];

	paid_order(&f, NOW - 72 * HOUR);
	f.order.shipped_at_ms = NOW - 60 * HOUR;
	f.snap.logistics_status = STATUS(IN_TRANSIT);
	f.snap.last_scan_at_ms = NOW - 47 * HOUR;
	assert_int_equal(causes(&f, NOW, c), 0);
	assert_int_equal(proactive_next_check(&policy, &f.snap, NOW),
	    NOW + HOUR);
	assert_int_equal(causes(&f, NOW + HOUR, c), 1);
	assert_int_equal(c[0], CAUSE(NO_SCAN));
}

static void
test_delivered_cancelled_or_unknown_orders_have_none(void **state)
{
	struct fixture		f;
	Cdp__V1__ProactiveCause	c[4];

	paid_order(&f, NOW - 72 * HOUR);
	f.order.status = CDP__V1__ORDER_STATUS__ORDER_STATUS_CANCELLED;
	assert_int_equal(causes(&f, NOW, c), 0);
	paid_order(&f, NOW - 72 * HOUR);
	f.order.delivered_at_ms = NOW - HOUR;
	f.snap.logistics_status = STATUS(LOST);
	assert_int_equal(causes(&f, NOW, c), 0);
	paid_order(&f, NOW - 72 * HOUR);
	f.snap.order = NULL;	/* only scans so far */
	assert_int_equal(causes(&f, NOW, c), 0);
	assert_int_equal(proactive_next_check(&policy, &f.snap, NOW), 0);
}

/*
 * Signed for by someone else (代签): a case once the grace has passed with
 * no later scan showing the parcel reached the buyer, even when the order
 * system calls the order delivered; none when a later scan shows it
 * delivered to the buyer, or the order was cancelled.
 */
static void
test_signed_by_proxy_and_never_confirmed(void **state)
{
	struct fixture		f;
	Cdp__V1__ProactiveCause	c[4];

	paid_order(&f, NOW - 72 * HOUR);
	f.order.status = CDP__V1__ORDER_STATUS__ORDER_STATUS_SHIPPED;
	f.order.shipped_at_ms = NOW - 60 * HOUR;
	f.snap.logistics_status = STATUS(SIGNED_BY_PROXY);
	f.snap.last_scan_at_ms = NOW - 2 * HOUR;
	assert_int_equal(causes(&f, NOW, c), 0);	/* within grace */
	assert_int_equal(proactive_next_check(&policy, &f.snap, NOW),
	    NOW + 22 * HOUR);
	assert_int_equal(causes(&f, NOW + 22 * HOUR, c), 1);
	assert_int_equal(c[0], CAUSE(SIGNED_BY_PROXY));
	/* The order system marks a proxy's signature delivered too. */
	f.order.status = CDP__V1__ORDER_STATUS__ORDER_STATUS_DELIVERED;
	f.order.delivered_at_ms = NOW - 2 * HOUR;
	assert_int_equal(causes(&f, NOW + 22 * HOUR, c), 1);
	assert_int_equal(c[0], CAUSE(SIGNED_BY_PROXY));
	assert_int_equal(proactive_next_check(&policy, &f.snap, NOW),
	    NOW + 22 * HOUR);
	/* A later scan: the buyer took it from the proxy. */
	f.snap.logistics_status = STATUS(DELIVERED);
	f.snap.last_scan_at_ms = NOW - HOUR;
	assert_int_equal(causes(&f, NOW + 22 * HOUR, c), 0);
	assert_int_equal(proactive_next_check(&policy, &f.snap, NOW), 0);
	/* A cancelled order opens nothing. */
	f.order.status = CDP__V1__ORDER_STATUS__ORDER_STATUS_CANCELLED;
	f.snap.logistics_status = STATUS(SIGNED_BY_PROXY);
	assert_int_equal(causes(&f, NOW + 22 * HOUR, c), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_dispatched_after_promise_and_grace),
		cmocka_unit_test(test_shipped_or_scanned_or_unpaid_is_not_late),
		cmocka_unit_test(test_exception_and_lost_are_immediate),
		cmocka_unit_test(test_no_scan_for_too_long),
		cmocka_unit_test(test_signed_by_proxy_and_never_confirmed),
		cmocka_unit_test(
		    test_delivered_cancelled_or_unknown_orders_have_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
