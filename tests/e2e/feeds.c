/*
 * What the systems around the platform publish (feeds.h): the order
 * system's orders.events and the carriers' logistics.events.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cdp/v1/order.pb-c.h"
#include "feeds.h"
#include "meta.h"
#include "pb.h"
#include "testenv.h"

/* orders.events: the buyer's paid order of one line from merchant. */
void
feeds_order(const char *order_id, const char *merchant, const char *buyer)
{
	Cdp__V1__OrderEvent	 ev = CDP__V1__ORDER_EVENT__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	Cdp__V1__Order		 o = CDP__V1__ORDER__INIT;
	Cdp__V1__SkuLine	 line = CDP__V1__SKU_LINE__INIT, *lines[1];
	Cdp__V1__OrderPaid	 paid = CDP__V1__ORDER_PAID__INIT;
	uint8_t			*buf;
	size_t			 len;

	meta_fill(&meta, &ids, "orders", NULL, NULL);
	line.sku = "SKU-SHOES";
	line.title = "跑步鞋 42码";
	line.quantity = 1;
	line.unit_price_fen = 39900;
	lines[0] = &line;
	o.merchant_id = (char *)merchant;
	o.buyer_id = (char *)buyer;
	o.n_lines = 1;
	o.lines = lines;
	o.total_fen = 39900;
	o.status = CDP__V1__ORDER_STATUS__ORDER_STATUS_PAID;
	o.ordered_at_ms = meta_now_ms() - 3 * 86400000LL;
	o.paid_at_ms = o.ordered_at_ms + 60000;
	o.promised_ship_by_ms = meta_now_ms() + 86400000LL;
	o.after_sales_until_ms = meta_now_ms() + 7 * 86400000LL;
	ev.meta = &meta;
	ev.order_id = (char *)order_id;
	ev.order = &o;
	ev.body_case = CDP__V1__ORDER_EVENT__BODY_PAID;
	ev.paid = &paid;
	buf = pb_pack(&ev.base, &len);
	testenv_produce("orders.events", order_id, buf, len);
	free(buf);
}

/* logistics.events: the carrier's scan of the order's parcel, now. */
void
feeds_scan(const char *order_id, Cdp__V1__LogisticsStatus status)
{
	Cdp__V1__LogisticsEvent	 ev = CDP__V1__LOGISTICS_EVENT__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	uint8_t			*buf;
	size_t			 len;

	meta_fill(&meta, &ids, "logistics", NULL, NULL);
	ev.meta = &meta;
	ev.order_id = (char *)order_id;
	ev.carrier = "ZTO";
	ev.tracking_number = "ZT9876543210";
	ev.status = status;
	ev.location = "上海市浦东新区快递柜";
	ev.scan_at_ms = meta_now_ms();
	buf = pb_pack(&ev.base, &len);
	testenv_produce("logistics.events", order_id, buf, len);
	free(buf);
}
