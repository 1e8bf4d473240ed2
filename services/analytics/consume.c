/*
 * Kafka messages into the fold: decode, fold in, note the offset, write
 * the snapshots of the windows that closed and the audit sample the
 * closing asked for. The watermark is held back to the latest event time
 * of the slowest assigned partition not yet read to its end, so a replay
 * closes a window only when every partition has passed it. Folding is synchronous, so a message is done as soon
 * as it is folded; the checkpoint (store.c) makes it durable later, with
 * its offset, and a restart resumes after the checkpoint's offsets.
 */
#include <string.h>

#include "analytics.h"
#include "kafka.h"
#include "log.h"
#include "metrics.h"

#define CONSUME_CLOSE_MAX	(WINDOW_NWIDTHS * FOLD_OPEN_MAX)

static void
consume_count(const char *topic)
{
	char	labels[256];

	metrics_labels(labels, sizeof(labels), "topic", topic, NULL);
	metrics_inc(metrics_counter("analytics_events_total",
	    "Events folded into the figures.", labels));
}

/*
 * The watermark's ceiling: the latest event time of every assigned
 * partition that still has messages to read (the earliest possible time
 * when it has given none yet); none when all are read to their end.
 */
static int64_t
consume_ceiling(struct analytics *a)
{
	int64_t	hold = INT64_MAX, t;
	size_t	i;

	for (i = 0; i < a->nparts; i++) {
		if (a->consumer == NULL || kafka_consumer_caught_up(a->consumer,
		    a->parts[i].topic, a->parts[i].partition))
			continue;
		t = fold_partition_latest(a->fold, a->parts[i].topic,
		    a->parts[i].partition);
		if (t == 0)
			t = INT64_MIN;
		if (t < hold)
			hold = t;
	}
	return hold;
}

static void
consume_hold(struct analytics *a, struct kafka_msg *m, int64_t t)
{
	fold_observe(a->fold, m->topic, m->partition, t);
	fold_hold(a->fold, consume_ceiling(a));
}

static void
consume_complaint(struct analytics *a, struct kafka_msg *m)
{
	const Cdp__V1__ComplaintEvent	*ev = m->event;	/* events_complaint */
	struct fold_out			 out;

	log_ctx_set(ev->complaint_id, ev->meta->event_id, ev->merchant_id);
	consume_hold(a, m, ev->meta->occurred_at_ms);
	fold_complaint_event(a->fold, ev, &out);
	if (out.sample)
		emit_audit(a, ev);
	log_ctx_clear();
}

static void
consume_merchant(struct analytics *a, struct kafka_msg *m)
{
	const Cdp__V1__MerchantEvent	*ev = m->event;	/* events_merchant */

	consume_hold(a, m, ev->meta->occurred_at_ms);
	fold_merchant_event(a->fold, ev);
}

/* A spike is an alert: logged and counted, besides its snapshot flag. */
static void
consume_spikes(const struct agg *w, const char *window)
{
	const struct agg_spike	*s;
	char			 labels[128];
	size_t			 i;

	for (i = 0; i < w->nspikes; i++) {
		s = &w->spikes[i];
		log_warnx("spike: %s %s: %llu complaints in the %s window from "
		    "%lld, baseline %.1f", agg_hot_name(s->dim), s->key,
		    (unsigned long long)s->count, window,
		    (long long)w->start_ms, s->baseline);
		metrics_labels(labels, sizeof(labels), "dimension",
		    agg_hot_name(s->dim), "window", window, NULL);
		metrics_inc(metrics_counter("analytics_spikes_total",
		    "Hot spots above their baseline by the spike factor.",
		    labels));
	}
}

/* Writes the snapshots of the windows this message closed. */
static void
consume_close(struct analytics *a)
{
	const char	*window;
	size_t		 i, n;

	n = fold_close(a->fold, a->closing, CONSUME_CLOSE_MAX);
	for (i = 0; i < n; i++) {
		window = window_name_of(a->closing[i].end_ms -
		    a->closing[i].start_ms);
		consume_spikes(&a->closing[i], window);
		emit_snapshot(a, &a->closing[i], window);
	}
	if (n > 0)
		fold_evict(a->fold);
}

/*
 * The tick: partitions read to their end no longer hold the watermark
 * back, which may close windows without a new event.
 */
void
consume_tick(struct analytics *a)
{
	fold_hold(a->fold, consume_ceiling(a));
	consume_close(a);
}

/* Keeps the assigned partitions, for the watermark's ceiling. */
void
consume_assign(void *arg, const rd_kafka_topic_partition_list_t *parts,
    bool assigned)
{
	struct analytics	*a = arg;
	const char		*topic;
	size_t			 k;
	int			 i;

	for (i = 0; i < parts->cnt; i++) {
		topic = strcmp(parts->elems[i].topic, a->merchants_topic) == 0 ?
		    a->merchants_topic : a->complaints_topic;
		for (k = 0; k < a->nparts; k++)
			if (a->parts[k].topic == topic &&
			    a->parts[k].partition == parts->elems[i].partition)
				break;
		if (!assigned && k < a->nparts)
			a->parts[k] = a->parts[--a->nparts];
		else if (assigned && k == a->nparts &&
		    a->nparts < ANALYTICS_PARTS_MAX) {
			a->parts[k].topic = topic;
			a->parts[k].partition = parts->elems[i].partition;
			a->nparts++;
		}
	}
}

/*
 * A message the decoder sent to dlq.analytics: its offset is folded in
 * like any other, so a restart from the snapshot does not send it again.
 */
void
consume_dead(void *arg, const struct kafka_msg *m)
{
	struct analytics	*a = arg;

	if (m->offset < fold_offset_next(a->fold, m->topic, m->partition))
		return;
	fold_offset_set(a->fold, m->topic, m->partition, m->offset);
	a->dirty = true;
}

void
consume_handle(struct kafka_msg *m, void *arg)
{
	struct analytics	*a = arg;

	if (m->offset < fold_offset_next(a->fold, m->topic, m->partition)) {
		kafka_consumer_done(m);		/* folded in before */
		return;
	}
	if (strcmp(m->topic, a->merchants_topic) == 0)
		consume_merchant(a, m);
	else
		consume_complaint(a, m);
	fold_offset_set(a->fold, m->topic, m->partition, m->offset);
	a->dirty = true;
	consume_count(m->topic);
	consume_close(a);
	kafka_consumer_done(m);
}
