/*
 * The notifier's events: NotificationSent when a notification was
 * delivered, NotificationFailed for every failed attempt (next_attempt_ms
 * 0 when it is given up), both on complaints.events with the notified
 * event as their cause. Their ids are derived from the cause, the
 * recipient, the template and (failures) the attempt, so announcing the
 * same outcome again after a crash repeats the same id. A notification
 * given up also goes to dlq.notifier, as its stored JSON, for operators.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "notifier.h"
#include "xmalloc.h"

#define NOTIFIER_TOPIC	"complaints.events"
#define NOTIFIER_DLQ	"dlq.notifier"

struct sending {
	emit_fn	 fn;
	void	*arg;
};

static void
emit_on_delivery(void *arg, const struct kafka_delivery *d)
{
	struct sending	*s = arg;

	s->fn(s->arg, d->err == 0);
	free(s);
}

static const char *
kind_name(Cdp__V1__RecipientKind k)
{
	return k == CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_MERCHANT ?
	    "merchant" : "customer";
}

static void
fill_notification(Cdp__V1__Notification *n, const struct notice *j)
{
	n->recipient_kind = j->kind;
	n->recipient_id = (char *)j->recipient_id;
	n->channel = j->channel;
	n->template_name = (char *)j->template_name;
	n->attempt = j->attempts;
	if (j->state == NOTICE_DELIVERED) {
		n->provider_message_id = (char *)j->provider_id;
		return;
	}
	n->error = (char *)j->error;
	n->next_attempt_ms = j->state == NOTICE_FAILED ? 0 : j->next_ms;
}

/* Announces the job's latest outcome; fn learns the broker's answer. */
int
emit_outcome(struct notifier *n, const struct notice *j, emit_fn fn, void *arg)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Notification	body = CDP__V1__NOTIFICATION__INIT;
	Cdp__V1__EventMeta	meta, cause = CDP__V1__EVENT_META__INIT;
	struct meta_ids		ids;
	struct sending		*s;
	char			 purpose[160];
	const char		*key;

	cause.event_id = (char *)j->cause_id;
	cause.trace_id = (char *)j->trace_id;
	if (j->state == NOTICE_DELIVERED)
		snprintf(purpose, sizeof(purpose), "notification_sent/%s/%s/%s",
		    kind_name(j->kind), j->recipient_id, j->template_name);
	else
		snprintf(purpose, sizeof(purpose),
		    "notification_failed/%s/%s/%s/%u", kind_name(j->kind),
		    j->recipient_id, j->template_name, j->attempts);
	meta_fill(&meta, &ids, "notifier", &cause, purpose);
	fill_notification(&body, j);
	ev.meta = &meta;
	ev.complaint_id = (char *)j->complaint_id;
	ev.merchant_id = (char *)j->merchant_id;
	if (j->state == NOTICE_DELIVERED) {
		ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_NOTIFICATION_SENT;
		ev.notification_sent = &body;
	} else {
		ev.body_case =
		    CDP__V1__COMPLAINT_EVENT__BODY_NOTIFICATION_FAILED;
		ev.notification_failed = &body;
	}
	key = j->complaint_id[0] != '\0' ? j->complaint_id : j->merchant_id;
	s = xmalloc(sizeof(*s));
	s->fn = fn;
	s->arg = arg;
	if (kafka_producer_send_pb(n->producer, NOTIFIER_TOPIC, key,
	    &ev.base, emit_on_delivery, s) == -1) {
		free(s);
		return -1;
	}
	return 0;
}

/*
 * The given-up notification to dlq.notifier, with the reason, its phone
 * numbers and e-mail addresses masked (the cause event still has them).
 */
int
emit_dead_letter(struct notifier *n, const struct notice *j, emit_fn fn,
    void *arg)
{
	struct kafka_header	 h[2];
	struct sending		*s;
	struct notice		 c = *j;
	char			*json;
	const char		*key = j->complaint_id;
	int			 rc;

	c.to = notice_masked(j->to);
	c.text = notice_masked(j->text);
	json = notice_encode(&c);
	free(c.to);
	free(c.text);

	if (json == NULL)
		return -1;
	h[0] = (struct kafka_header){ "dlq.reason", j->error,
	    strlen(j->error) };
	h[1] = (struct kafka_header){ "dlq.service", "notifier", 8 };
	s = xmalloc(sizeof(*s));
	s->fn = fn;
	s->arg = arg;
	rc = kafka_producer_send(n->producer, NOTIFIER_DLQ, key, strlen(key),
	    json, strlen(json), h, 2, emit_on_delivery, s);
	if (rc == -1)
		free(s);
	free(json);
	return rc;
}
