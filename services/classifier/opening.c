/*
 * Proactive complaints: orders due for a check wait in the sorted set
 * cls:proactive:due (scored by the check time); a timer takes the due ones
 * every second, reads their snapshots, and opens one complaint per order
 * and cause, claimed with SET NX on cls:opened:<order>:<cause> so that no
 * cause opens twice, even across instances or replays. A claim whose
 * event the broker did not take is released for the next check.
 *
 * The complaint id is derived from the order and the cause; the classifier
 * then classifies the ProactiveOpened like any Filed (consume.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "complaint_id.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "pb.h"
#include "redis.h"
#include "timefmt.h"
#include "vocab.h"
#include "xmalloc.h"

#define OPENING_PERIOD_MS	1000
#define OPENING_BATCH		"50"
#define OPENING_CLAIM_TTL_MS	"7776000000"	/* 90 days */

static const char opening_done_lua[] =
    "local s = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
    "if s and tonumber(s) <= tonumber(ARGV[2]) then\n"
    "  redis.call('ZREM', KEYS[1], ARGV[1]) end\n"
    "return 1\n";

static struct redis_script	*opening_done_script;

struct open {
	struct classifier		*c;
	Cdp__V1__ProactiveCause		 cause;
	char				*claim;
	char				 complaint_id[COMPLAINT_ID_LEN + 1];
	char				 event_id[META_ID_LEN + 1];
	Cdp__V1__OrderSnapshot		*snap;	/* packed copy's owner */
};

/*
 * The cause's public name (vocab.c), part of the case's derived id and
 * claim: "not_dispatched_in_time", ... "other" for one this build does not
 * know.
 */
static void
opening_cause_name(Cdp__V1__ProactiveCause cause, char *buf, size_t size)
{
	if (!vocab_name(&cdp__v1__proactive_cause__descriptor, cause, buf,
	    size))
		snprintf(buf, size, "other");
}

/* What the customer would have written, and what they would ask for. */
static void
opening_text(const struct open *o, char *buf, size_t size,
    Cdp__V1__Demand *demand, const char **problem)
{
	const char	*id = o->snap->order_id;

	switch (o->cause) {
	case CDP__V1__PROACTIVE_CAUSE__PROACTIVE_CAUSE_NOT_DISPATCHED_IN_TIME:
		snprintf(buf, size, "平台主动发起：订单%s已超过商家承诺的发货时间"
		    "仍未发货，物流延迟。", id);
		*demand = CDP__V1__DEMAND__DEMAND_EXPLANATION;
		*problem = "logistics.delay";
		break;
	case CDP__V1__PROACTIVE_CAUSE__PROACTIVE_CAUSE_LOST:
		snprintf(buf, size, "平台主动发起：订单%s的包裹被承运商确认丢件"
		    "（%s）。", id, o->snap->carrier);
		*demand = CDP__V1__DEMAND__DEMAND_RESHIP;
		*problem = "logistics.lost";
		break;
	case CDP__V1__PROACTIVE_CAUSE__PROACTIVE_CAUSE_NO_SCAN:
		snprintf(buf, size, "平台主动发起：订单%s的包裹长时间没有物流"
		    "更新，物流延迟，最后位置：%s。", id, o->snap->last_location);
		*demand = CDP__V1__DEMAND__DEMAND_EXPLANATION;
		*problem = "logistics.delay";
		break;
	case CDP__V1__PROACTIVE_CAUSE__PROACTIVE_CAUSE_SIGNED_BY_PROXY:
		snprintf(buf, size, "平台主动发起：订单%s的包裹显示已由他人代签"
		    "（%s），此后没有送达买家本人的记录。", id, o->snap->last_location);
		*demand = CDP__V1__DEMAND__DEMAND_RESHIP;
		*problem = "logistics.signed_not_received";
		break;
	default:
		snprintf(buf, size, "平台主动发起：订单%s的包裹物流异常（%s）。",
		    id, o->snap->last_location);
		*demand = CDP__V1__DEMAND__DEMAND_EXPLANATION;
		*problem = "logistics.delay";
		break;
	}
}

static void
opening_free(struct open *o)
{
	free(o->claim);
	cdp__v1__order_snapshot__free_unpacked(o->snap, NULL);
	free(o);
}

static void
opening_on_release(struct redis *r, redisReply *reply, void *arg)
{
	redis_reply_error(reply, "proactive claim release");
}

static void
opening_on_emitted(void *arg, bool ok)
{
	struct open	*o = arg;

	if (ok)
		metrics_inc(metrics_counter("classifier_proactive_opened_total",
		    "Complaints the platform opened from order facts.", ""));
	else if (redis_command(o->c->redis, opening_on_release, NULL,
	    "DEL %s", o->claim) == -1)
		log_warnx("opening: claim %s kept: Redis unavailable", o->claim);
	opening_free(o);
}

/* Sends the ProactiveOpened for a claimed (order, cause). */
static void
opening_emit(struct open *o)
{
	const Cdp__V1__Order		*ord = o->snap->order;
	Cdp__V1__ComplaintEvent		 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__EventMeta		 meta;
	struct meta_ids			 ids;
	Cdp__V1__ProactiveOpened	 po = CDP__V1__PROACTIVE_OPENED__INIT;
	Cdp__V1__ProactiveOrderFacts	 facts =
	    CDP__V1__PROACTIVE_ORDER_FACTS__INIT;
	Cdp__V1__Filed			 f = CDP__V1__FILED__INIT;
	Cdp__V1__Complainant		 who = CDP__V1__COMPLAINANT__INIT;
	Cdp__V1__Respondent		 resp = CDP__V1__RESPONDENT__INIT;
	Cdp__V1__OrderRef		 ref = CDP__V1__ORDER_REF__INIT;
	Cdp__V1__Actor			 by = CDP__V1__ACTOR__INIT;
	char				 text[512];
	const char			*problem;

	opening_text(o, text, sizeof(text), &f.demand, &problem);
	who.user_id = ord->buyer_id;
	who.member_tier = ord->member_tier;
	resp.merchant_id = ord->merchant_id;
	resp.shop_id = ord->shop_id;
	resp.shop_name = ord->shop_name;
	ref.order_id = o->snap->order_id;
	ref.ordered_at_ms = ord->ordered_at_ms;
	ref.order_total_fen = ord->total_fen;
	ref.after_sales_until_ms = ord->after_sales_until_ms;
	if (ord->n_lines > 0) {
		ref.sku = ord->lines[0]->sku;
		ref.product_title = ord->lines[0]->title;
		ref.quantity = ord->lines[0]->quantity;
		ref.amount_fen = ord->lines[0]->unit_price_fen *
		    ord->lines[0]->quantity;
	}
	by.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_SYSTEM;
	by.actor_id = "classifier";
	f.channel = CDP__V1__CHANNEL__CHANNEL_SYSTEM;
	f.complainant = &who;
	f.respondent = &resp;
	f.order = &ref;
	f.problem_type = (char *)problem;
	f.description = text;
	f.filed_by = &by;
	facts.promised_ship_by_ms = ord->promised_ship_by_ms;
	facts.promised_delivery_by_ms = ord->promised_delivery_by_ms;
	facts.shipped_at_ms = ord->shipped_at_ms;
	facts.carrier = o->snap->carrier;
	facts.tracking_number = o->snap->tracking_number;
	facts.last_status = o->snap->logistics_status;
	facts.last_scan_at_ms = o->snap->last_scan_at_ms;
	facts.last_location = o->snap->last_location;
	facts.note = o->snap->last_note;
	po.cause = o->cause;
	po.facts = &facts;
	po.filed = &f;
	meta_fill(&meta, &ids, "classifier", NULL, NULL);
	meta_derive_id(o->complaint_id, "proactive_opened", ids.event_id);
	snprintf(ids.trace_id, sizeof(ids.trace_id), "%s", ids.event_id);
	ev.meta = &meta;
	ev.complaint_id = o->complaint_id;
	ev.merchant_id = ord->merchant_id;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_PROACTIVE_OPENED;
	ev.proactive_opened = &po;
	if (emit_event(o->c, &ev, opening_on_emitted, o) == -1)
		opening_on_emitted(o, false);
}

static void
opening_on_claim(struct redis *r, redisReply *reply, void *arg)
{
	struct open	*o = arg;

	if (redis_reply_error(reply, "proactive claim") ||
	    reply->type != REDIS_REPLY_STATUS) {
		opening_free(o);	/* opened before, or Redis trouble */
		return;
	}
	opening_emit(o);
}

static void
opening_claim(struct classifier *c, const Cdp__V1__OrderSnapshot *snap,
    Cdp__V1__ProactiveCause cause, const uint8_t *packed, size_t len)
{
	struct open	*o = xcalloc(1, sizeof(*o));
	char		*seed, name[64];

	o->c = c;
	o->cause = cause;
	o->snap = cdp__v1__order_snapshot__unpack(NULL, len, packed);
	opening_cause_name(cause, name, sizeof(name));
	seed = xasprintf("%s/%s", snap->order_id, name);
	complaint_id_derive(COMPLAINT_ID_PROACTIVE, seed, o->complaint_id);
	free(seed);
	o->claim = xasprintf("cls:opened:%s:%s", snap->order_id, name);
	if (o->snap == NULL || redis_command(c->redis, opening_on_claim, o,
	    "SET %s %s NX PX %s", o->claim, o->complaint_id,
	    OPENING_CLAIM_TTL_MS) == -1)
		opening_free(o);
}

struct check {
	struct classifier	*c;
	char			*order_id;
	int64_t			 now;
};

static void
opening_on_checked(struct redis *r, redisReply *reply, void *arg)
{
	redis_reply_error(reply, "proactive due");
}

static void
opening_on_snapshot(void *arg, int rc, Cdp__V1__OrderSnapshot *snap)
{
	struct check		*k = arg;
	Cdp__V1__ProactiveCause	 causes[4];
	const char		*args[3];
	char			 now[24];
	uint8_t			*buf;
	size_t			 n, i, len;

	if (rc == 0 && snap != NULL && (n = proactive_causes(&k->c->proactive,
	    snap, k->now, causes, 4)) > 0) {
		buf = pb_pack(&snap->base, &len);
		for (i = 0; i < n; i++)
			opening_claim(k->c, snap, causes[i], buf, len);
		free(buf);
	}
	if (rc == 0) {
		snprintf(now, sizeof(now), "%lld", (long long)k->now);
		args[0] = "cls:proactive:due";
		args[1] = k->order_id;
		args[2] = now;
		redis_script_run(k->c->redis, opening_done_script,
		    opening_on_checked, NULL, 1, 2, args, NULL);
	}
	free(k->order_id);
	free(k);
}

static void
opening_on_due(struct redis *r, redisReply *reply, void *arg)
{
	struct classifier	*c = arg;
	struct check		*k;
	size_t			 i;

	if (redis_reply_error(reply, "proactive scan") ||
	    reply->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < reply->elements; i++) {
		k = xmalloc(sizeof(*k));
		k->c = c;
		k->order_id = xstrndup(reply->element[i]->str,
		    reply->element[i]->len);
		k->now = meta_now_ms();
		if (ordersnap_get(c->redis, k->order_id, opening_on_snapshot,
		    k) == -1) {
			free(k->order_id);
			free(k);
		}
	}
}

static void
opening_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct classifier	*c = arg;

	if (c->stopping)
		return;
	redis_command(c->redis, opening_on_due, c,
	    "ZRANGEBYSCORE cls:proactive:due -inf %lld LIMIT 0 " OPENING_BATCH,
	    (long long)meta_now_ms());
}

void
opening_start(struct classifier *c)
{
	struct timeval	tv = { 0, OPENING_PERIOD_MS * 1000 };

	opening_done_script = redis_script_new(c->redis, opening_done_lua);
	c->proactive_ev = event_new(c->base, -1, EV_PERSIST, opening_on_timer,
	    c);
	if (c->proactive_ev == NULL || event_add(c->proactive_ev, &tv) == -1)
		fatalx("opening: cannot start the check timer");
}

static void
opening_on_scheduled(struct redis *r, redisReply *reply, void *arg)
{
	redis_reply_error(reply, "proactive schedule");
}

/*
 * Schedules the order's next check at at_ms, or drops it when at_ms is 0.
 * A lost schedule is found again at the order's next event.
 */
void
opening_schedule(struct classifier *c, const char *order_id, int64_t at_ms)
{
	int	rc;

	if (at_ms == 0)
		rc = redis_command(c->redis, opening_on_scheduled, NULL,
		    "ZREM cls:proactive:due %s", order_id);
	else
		rc = redis_command(c->redis, opening_on_scheduled, NULL,
		    "ZADD cls:proactive:due %lld %s", (long long)at_ms,
		    order_id);
	if (rc == -1)
		log_warnx("opening: schedule of %s lost: Redis unavailable",
		    order_id);
}
