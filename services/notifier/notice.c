/*
 * A notification as it waits in Redis (JSON, jansson), and the body its
 * recipient receives. The body depends only on the notification, not on
 * the attempt, so every retry sends the same bytes under the same id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mask.h"
#include "notifier.h"
#include "timefmt.h"
#include "xmalloc.h"

void
notice_init(struct notice *j)
{
	memset(j, 0, sizeof(*j));
}

void
notice_clear(struct notice *j)
{
	free(j->text);
	free(j->to);
	notice_init(j);
}

char *
notice_encode(const struct notice *j)
{
	json_t	*o;
	char	*s;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, "
	    "s:I, s:s, s:s, s:i, s:i, s:s, s:s, s:I}",
	    "id", j->id, "cause_id", j->cause_id, "trace_id", j->trace_id,
	    "complaint_id", j->complaint_id, "merchant_id", j->merchant_id,
	    "recipient_id", j->recipient_id, "kind", (int)j->kind,
	    "channel", (int)j->channel, "template", j->template_name,
	    "event", j->event, "deadline_ms", (json_int_t)j->deadline_ms,
	    "text", j->text != NULL ? j->text : "",
	    "to", j->to != NULL ? j->to : "", "attempts", (int)j->attempts,
	    "state", (int)j->state, "error", j->error,
	    "provider_id", j->provider_id, "next_ms", (json_int_t)j->next_ms);
	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static void
copy(char *dst, size_t size, json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	snprintf(dst, size, "%s", v != NULL ? v : "");
}

/* Reads a stored job; 0, or -1 when it is not one. */
int
notice_decode(const char *json, size_t len, struct notice *j)
{
	json_t		*o = json_loadb(json, len, 0, NULL);
	const char	*text, *to;

	notice_init(j);
	if (o == NULL || !json_is_object(o) ||
	    (text = json_string_value(json_object_get(o, "text"))) == NULL ||
	    (to = json_string_value(json_object_get(o, "to"))) == NULL) {
		json_decref(o);
		return -1;
	}
	copy(j->id, sizeof(j->id), o, "id");
	copy(j->cause_id, sizeof(j->cause_id), o, "cause_id");
	copy(j->trace_id, sizeof(j->trace_id), o, "trace_id");
	copy(j->complaint_id, sizeof(j->complaint_id), o, "complaint_id");
	copy(j->merchant_id, sizeof(j->merchant_id), o, "merchant_id");
	copy(j->recipient_id, sizeof(j->recipient_id), o, "recipient_id");
	copy(j->template_name, sizeof(j->template_name), o, "template");
	copy(j->event, sizeof(j->event), o, "event");
	copy(j->error, sizeof(j->error), o, "error");
	copy(j->provider_id, sizeof(j->provider_id), o, "provider_id");
	j->kind = json_integer_value(json_object_get(o, "kind"));
	j->channel = json_integer_value(json_object_get(o, "channel"));
	j->deadline_ms = json_integer_value(json_object_get(o, "deadline_ms"));
	j->attempts = json_integer_value(json_object_get(o, "attempts"));
	j->state = json_integer_value(json_object_get(o, "state"));
	j->next_ms = json_integer_value(json_object_get(o, "next_ms"));
	j->text = xstrdup(text);
	j->to = xstrdup(to);
	json_decref(o);
	return 0;
}

static const char *
channel_name(Cdp__V1__NotifyChannel c)
{
	switch (c) {
	case CDP__V1__NOTIFY_CHANNEL__NOTIFY_CHANNEL_SMS:
		return "sms";
	case CDP__V1__NOTIFY_CHANNEL__NOTIFY_CHANNEL_EMAIL:
		return "email";
	default:
		return "webhook";
	}
}

/*
 * The JSON a recipient receives: for a merchant, the notification id, the
 * event, the complaint, the deadline and the text; for the customer's
 * provider, also the channel and the address to send to.
 */
char *
notice_body(const struct notice *j)
{
	json_t	*o;
	char	 deadline[TIMEFMT_MAX] = "", *s;

	if (j->deadline_ms > 0)
		timefmt_rfc3339(j->deadline_ms, deadline, sizeof(deadline));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:s}",
	    "notification_id", j->id, "event", j->event,
	    "complaint_id", j->complaint_id, "template", j->template_name,
	    "recipient_id", j->recipient_id,
	    "deadline", j->deadline_ms > 0 ? json_string(deadline) :
	    json_null(), "deadline_ms", (json_int_t)j->deadline_ms,
	    "text", j->text != NULL ? j->text : "");
	if (o == NULL)
		return NULL;
	if (j->kind == CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_CUSTOMER) {
		json_object_set_new(o, "channel",
		    json_string(channel_name(j->channel)));
		json_object_set_new(o, "to", json_string(j->to != NULL ?
		    j->to : ""));
	}
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* s with its phone numbers and e-mail addresses masked; caller frees. */
char *
notice_masked(const char *s)
{
	size_t	 size = strlen(s) + 1, need;
	char	*out = xmalloc(size);

	if ((need = mask_text(s, out, size)) >= size) {
		out = xreallocarray(out, need + 1, 1);
		mask_text(s, out, need + 1);
	}
	return out;
}
