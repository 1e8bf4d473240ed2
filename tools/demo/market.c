/*
 * market.c: the marketplace the complaints are about. 36 merchants, every
 * ninth a bad actor; 3,000 orders of a dozen products, each published on
 * orders.events (paid, shipped, delivered) with its parcel's scans on
 * logistics.events, in slices while the demo loads. One order in twenty
 * is old (its after-sales window has passed); a few parcels get lost,
 * which the classifier turns into proactive cases.
 */
#include <stdio.h>
#include <string.h>

#include "cdp/v1/order.pb-c.h"
#include "demo.h"
#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "nitems.h"
#include "xmalloc.h"

#define MARKET_SLICE		60	/* orders published per tick */
#define MARKET_TICK_MS		100
#define MARKET_DAY_MS		86400000LL

struct product {
	const char	*sku, *title;
	int64_t		 price_fen;
};

static const struct product products[] = {
	{ "SKU-KETTLE", "电水壶 1.7L", 12900 },
	{ "SKU-MILK", "儿童成长奶粉 800g", 25800 },
	{ "SKU-PHONE", "5G 智能手机 256GB", 459900 },
	{ "SKU-JACKET", "Down jacket, men's L", 69900 },
	{ "SKU-RICE", "东北大米 5kg", 5900 },
	{ "SKU-SERUM", "修护精华液 30ml", 39900 },
	{ "SKU-LAPTOP", "Ultrabook 14\" 16GB", 799900 },
	{ "SKU-TOY", "儿童积木 200 片", 15900 },
	{ "SKU-SHOES", "Running shoes, size 42", 42900 },
	{ "SKU-TEA", "西湖龙井 250g", 36800 },
	{ "SKU-HEATER", "Electric heater 2kW", 29900 },
	{ "SKU-BOTTLE", "Baby bottle set", 8900 },
};

struct order {
	unsigned	merchant, product;
	bool		old;		/* after-sales window passed */
	bool		lost;		/* parcel never arrives */
};

struct market {
	struct demo		*d;
	struct kafka_producer	*kp;
	struct event		*tick;
	struct order		 orders[DEMO_ORDERS];
	unsigned		 published;
	unsigned		 next_lost;	/* lost parcels not yet scanned */
};

bool
market_bad(unsigned merchant)
{
	return merchant % 9 == 4;
}

const char *
market_merchant_id(unsigned merchant)
{
	static char	ids[DEMO_MERCHANTS][8];

	merchant %= DEMO_MERCHANTS;
	if (ids[merchant][0] == '\0')
		snprintf(ids[merchant], sizeof(ids[merchant]), "M%u",
		    1001 + merchant);
	return ids[merchant];
}

const char *
market_order_id(unsigned order, char *buf, size_t sz)
{
	snprintf(buf, sz, "O2026D%05u", order);
	return buf;
}

double
market_price(struct market *m, unsigned order)
{
	return (double)products[m->orders[order].product].price_fen / 100;
}

static void
market_sent(void *arg, const struct kafka_delivery *del)
{
	(void)arg;
	if (del->err != 0)
		log_warnx("demo: an event was not written to Kafka (%d)",
		    del->err);
}

static void
market_order_event(struct market *m, unsigned i, Cdp__V1__OrderStatus st)
{
	const struct order	*o = &m->orders[i];
	const struct product	*p = &products[o->product];
	Cdp__V1__OrderEvent	 ev = CDP__V1__ORDER_EVENT__INIT;
	Cdp__V1__Order		 ord = CDP__V1__ORDER__INIT;
	Cdp__V1__SkuLine	 line = CDP__V1__SKU_LINE__INIT, *lines[1];
	Cdp__V1__OrderPaid	 paid = CDP__V1__ORDER_PAID__INIT;
	Cdp__V1__OrderShipped	 shipped = CDP__V1__ORDER_SHIPPED__INIT;
	Cdp__V1__OrderDelivered	 delivered = CDP__V1__ORDER_DELIVERED__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	char			 id[32], buyer[16], tracking[32];
	int64_t			 at = meta_now_ms() -
	    (o->old ? 40 : 3) * MARKET_DAY_MS;

	meta_fill(&meta, &ids, "cdp-demo", NULL, NULL);
	snprintf(buyer, sizeof(buyer), "U%u", 100000 + i);
	snprintf(tracking, sizeof(tracking), "ZT%010u", 7000000 + i);
	line.sku = (char *)p->sku;
	line.title = (char *)p->title;
	line.quantity = 1;
	line.unit_price_fen = p->price_fen;
	lines[0] = &line;
	ord.merchant_id = (char *)market_merchant_id(o->merchant);
	ord.shop_id = ord.merchant_id;
	ord.shop_name = "Demo shop";
	ord.buyer_id = buyer;
	ord.member_tier = CDP__V1__MEMBER_TIER__MEMBER_TIER_SILVER;
	ord.n_lines = 1;
	ord.lines = lines;
	ord.total_fen = p->price_fen;
	ord.status = st;
	ord.ordered_at_ms = at;
	ord.paid_at_ms = at + 60000;
	ord.promised_ship_by_ms = at + MARKET_DAY_MS;
	ord.promised_delivery_by_ms = at + 4 * MARKET_DAY_MS;
	ord.carrier = "ZTO";
	ord.tracking_number = tracking;
	ord.delivery_address = "浙江省杭州市西湖区文三路 100 号";
	ev.meta = &meta;
	ev.order_id = (char *)market_order_id(i, id, sizeof(id));
	ev.order = &ord;
	switch (st) {
	case CDP__V1__ORDER_STATUS__ORDER_STATUS_PAID:
		ev.body_case = CDP__V1__ORDER_EVENT__BODY_PAID;
		paid.paid_fen = p->price_fen;
		paid.payment_method = "alipay";
		ev.paid = &paid;
		break;
	case CDP__V1__ORDER_STATUS__ORDER_STATUS_SHIPPED:
		ord.shipped_at_ms = at + 3600000;
		ev.body_case = CDP__V1__ORDER_EVENT__BODY_SHIPPED;
		shipped.carrier = "ZTO";
		shipped.tracking_number = tracking;
		ev.shipped = &shipped;
		break;
	default:
		ord.shipped_at_ms = at + 3600000;
		ord.delivered_at_ms = at + 2 * MARKET_DAY_MS;
		ord.after_sales_until_ms = ord.delivered_at_ms +
		    15 * MARKET_DAY_MS;
		ev.body_case = CDP__V1__ORDER_EVENT__BODY_DELIVERED;
		ev.delivered = &delivered;
		break;
	}
	if (kafka_producer_send_pb(m->kp, "orders.events", id, &ev.base,
	    market_sent, NULL) == 0)
		m->d->n.order_events++;
}

static void
market_scan(struct market *m, unsigned i, Cdp__V1__LogisticsStatus st)
{
	Cdp__V1__LogisticsEvent	 ev = CDP__V1__LOGISTICS_EVENT__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	char			 id[32], tracking[32];

	meta_fill(&meta, &ids, "cdp-demo", NULL, NULL);
	snprintf(tracking, sizeof(tracking), "ZT%010u", 7000000 + i);
	ev.meta = &meta;
	ev.order_id = (char *)market_order_id(i, id, sizeof(id));
	ev.carrier = "ZTO";
	ev.tracking_number = tracking;
	ev.status = st;
	ev.location = st == CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_LOST ?
	    "杭州转运中心 (parcel missing)" : "杭州转运中心";
	ev.scan_at_ms = meta_now_ms();
	if (kafka_producer_send_pb(m->kp, "logistics.events", id, &ev.base,
	    market_sent, NULL) == 0)
		m->d->n.logistics_events++;
}

/* One order's life: paid, shipped, scanned, delivered (or stuck). */
static void
market_publish(struct market *m, unsigned i)
{
	market_order_event(m, i, CDP__V1__ORDER_STATUS__ORDER_STATUS_PAID);
	market_order_event(m, i, CDP__V1__ORDER_STATUS__ORDER_STATUS_SHIPPED);
	market_scan(m, i, CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_PICKED_UP);
	market_scan(m, i, CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_IN_TRANSIT);
	if (m->orders[i].lost)
		return;
	market_scan(m, i, CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_DELIVERED);
	market_order_event(m, i,
	    CDP__V1__ORDER_STATUS__ORDER_STATUS_DELIVERED);
}

static void
market_tick(evutil_socket_t fd, short what, void *arg)
{
	struct market	*m = arg;
	unsigned	 end = m->published + MARKET_SLICE;

	(void)fd;
	(void)what;
	for (; m->published < end && m->published < DEMO_ORDERS;
	    m->published++)
		market_publish(m, m->published);
	m->d->n.orders = m->published;
	if (m->published == DEMO_ORDERS && !m->d->loaded) {
		kafka_producer_flush(m->kp, 10000);
		m->d->loaded = true;
		return;
	}
	if (!m->d->loaded) {
		struct timeval	tv = { 0, MARKET_TICK_MS * 1000 };

		evtimer_add(m->tick, &tv);
	}
}

/* A lost parcel's scan: the proactive case the customer never files. */
void
market_lose_parcel(struct market *m)
{
	while (m->next_lost < DEMO_ORDERS && !m->orders[m->next_lost].lost)
		m->next_lost++;
	if (m->next_lost >= DEMO_ORDERS)
		return;
	market_scan(m, m->next_lost++,
	    CDP__V1__LOGISTICS_STATUS__LOGISTICS_STATUS_LOST);
	m->d->n.logistics_failures++;
}

/* A delivered order to complain about, with its merchant; old ones too. */
unsigned
market_pick_order(struct market *m, unsigned *merchant)
{
	unsigned	i;

	do
		i = mix_below(&m->d->rng, DEMO_ORDERS);
	while (m->orders[i].lost);
	*merchant = m->orders[i].merchant;
	return i;
}

/* The n-th order after order of the same product (a group complaint). */
unsigned
market_same_sku(struct market *m, unsigned order, unsigned n)
{
	unsigned	i = order;

	while (n > 0) {
		i = (i + 1) % DEMO_ORDERS;
		if (m->orders[i].product == m->orders[order].product &&
		    !m->orders[i].lost)
			n--;
	}
	return i;
}

int64_t
market_flush(struct market *m)
{
	kafka_producer_flush(m->kp, 5000);
	return (int64_t)kafka_producer_in_flight(m->kp);
}

struct market *
market_new(struct demo *d)
{
	struct market	*m = xcalloc(1, sizeof(*m));
	struct timeval	 now = { 0, 0 };
	unsigned	 i;

	m->d = d;
	m->kp = kafka_producer_new(d->base, d->o.brokers, "cdp-demo", 30000);
	if (m->kp == NULL) {
		free(m);
		return NULL;
	}
	for (i = 0; i < DEMO_ORDERS; i++) {
		struct order	*o = &m->orders[i];

		/* Bad actors sell more, so their complaints pile up. */
		o->merchant = mix_below(&d->rng, 4) == 0 ?
		    4 + 9 * mix_below(&d->rng, DEMO_MERCHANTS / 9) :
		    mix_below(&d->rng, DEMO_MERCHANTS);
		o->product = mix_below(&d->rng, nitems(products));
		o->old = mix_below(&d->rng, 20) == 0;
		o->lost = !o->old && mix_below(&d->rng, 100) == 0;
	}
	m->tick = evtimer_new(d->base, market_tick, m);
	evtimer_add(m->tick, &now);
	return m;
}

void
market_free(struct market *m)
{
	if (m == NULL)
		return;
	event_free(m->tick);
	kafka_producer_flush(m->kp, 5000);
	kafka_producer_free(m->kp);
	free(m);
}
