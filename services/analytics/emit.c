/*
 * What analytics writes: a final AnalyticsSnapshot on the snapshot topic
 * when a window closes, and a SampledForAudit on the complaint topic when
 * a closed complaint is picked for audit. Both have ids derived from what
 * caused them (the window's key; the closing event), so writing one again
 * after a restart is the same event. A write the broker refuses is tried
 * again a second later until it succeeds; while any is in flight no
 * checkpoint is taken (store.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "analytics.h"
#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "pb.h"
#include "xmalloc.h"

#define EMIT_RETRY_MS	1000

struct out {
	struct analytics	*a;
	char			*topic;
	char			*key;
	uint8_t			*payload;
	size_t			 len;
	struct event		*retry;
};

static void	emit_send(struct out *o);

static void
emit_out_free(struct out *o)
{
	if (o->retry != NULL)
		event_free(o->retry);
	free(o->topic);
	free(o->key);
	free(o->payload);
	free(o);
}

static void
emit_on_retry(evutil_socket_t fd, short what, void *arg)
{
	emit_send(arg);
}

static void
emit_later(struct out *o)
{
	struct timeval	tv = { EMIT_RETRY_MS / 1000, 0 };

	metrics_inc(metrics_counter("analytics_output_retries_total",
	    "Snapshots and audit samples written again after a failure.", ""));
	if (o->retry == NULL)
		o->retry = evtimer_new(o->a->base, emit_on_retry, o);
	evtimer_add(o->retry, &tv);
}

static void
emit_on_delivery(void *arg, const struct kafka_delivery *d)
{
	struct out	*o = arg;

	if (d->err != 0) {
		log_warnx("emit: %s %s not written: %s", o->topic, o->key,
		    rd_kafka_err2str(d->err));
		emit_later(o);
		return;
	}
	o->a->in_flight--;
	emit_out_free(o);
}

static void
emit_send(struct out *o)
{
	if (kafka_producer_send(o->a->producer, o->topic, o->key,
	    strlen(o->key), o->payload, o->len, NULL, 0, emit_on_delivery,
	    o) == -1)
		emit_later(o);
}

/* Takes ownership of payload. */
static void
emit_start(struct analytics *a, const char *topic, const char *key,
    uint8_t *payload, size_t len)
{
	struct out	*o = xcalloc(1, sizeof(*o));

	o->a = a;
	o->topic = xstrdup(topic);
	o->key = xstrdup(key);
	o->payload = payload;
	o->len = len;
	a->in_flight++;
	emit_send(o);
}

/*
 * The final snapshot of a closed window, keyed "<width>:<start>:<end>",
 * with an id derived from that key and the window's end as its time.
 */
void
emit_snapshot(struct analytics *a, const struct agg *w, const char *window)
{
	Cdp__V1__AnalyticsSnapshot	*s;
	Cdp__V1__EventMeta		 meta;
	struct snapshot_buf		*b;
	struct meta_ids			 ids;
	char				 key[64];
	uint8_t				*payload;
	size_t				 len;

	snapshot_key(w, window, key, sizeof(key));
	b = snapshot_build(w, window, &s);
	meta_fill(&meta, &ids, "analytics", NULL, NULL);
	meta_derive_id("analytics.complaints", key, ids.event_id);
	snprintf(ids.trace_id, sizeof(ids.trace_id), "%s", ids.event_id);
	meta.occurred_at_ms = w->end_ms;
	s->meta = &meta;
	payload = pb_pack(&s->base, &len);
	snapshot_buf_free(b);
	emit_start(a, a->snapshot_topic, key, payload, len);
	metrics_inc(metrics_counter("analytics_snapshots_total",
	    "Final window snapshots written.", ""));
}

/* A SampledForAudit for the complaint that closed event closes. */
void
emit_audit(struct analytics *a, const Cdp__V1__ComplaintEvent *closed)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__SampledForAudit sa = CDP__V1__SAMPLED_FOR_AUDIT__INIT;
	Cdp__V1__EventMeta	meta;
	struct meta_ids		ids;
	uint8_t			*payload;
	size_t			 len;

	meta_fill(&meta, &ids, "analytics", closed->meta,
	    "analytics.sampled_for_audit");
	meta.occurred_at_ms = closed->meta->occurred_at_ms;
	sa.sample_rate_permille = a->fold->set.audit_permille;
	sa.reason = "random";
	sa.team = CDP__V1__TEAM__TEAM_SERVICE_QUALITY;
	ev.meta = &meta;
	ev.complaint_id = closed->complaint_id;
	ev.merchant_id = closed->merchant_id;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_SAMPLED_FOR_AUDIT;
	ev.sampled_for_audit = &sa;
	payload = pb_pack(&ev.base, &len);
	emit_start(a, a->complaints_topic, closed->complaint_id, payload, len);
	metrics_inc(metrics_counter("analytics_audit_samples_total",
	    "Closed complaints sampled for quality audit.", ""));
}
