/*
 * Events in, notifications scheduled: decide.c says who must be told what,
 * templates give the words, and each notification is scheduled in Redis
 * under an id derived from the event, the recipient and the template.
 * The offset is stored once every notification of the event is scheduled
 * (not delivered), so a slow merchant never holds up a partition; the
 * pump delivers from Redis. A replayed event schedules nothing new.
 *
 * The customer's phone and e-mail come only with Filed (and
 * ProactiveOpened); they are kept in Redis for the complaint's later
 * messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "events.h"
#include "kafka.h"
#include "log.h"
#include "metrics.h"
#include "notifier.h"
#include "utf8.h"
#include "xmalloc.h"

#define CONSUME_RETRY_MS	1000
#define BODY(x)			CDP__V1__COMPLAINT_EVENT__BODY_##x

struct contact {
	char	user_id[NOTIFIER_ID_MAX];
	char	phone[64];
	char	email[256];
};

/* One event being handled. */
struct work {
	struct notifier			*n;
	struct kafka_msg		*m;
	Cdp__V1__ComplaintEvent		*cev;
	Cdp__V1__MerchantEvent		*mev;
	const Cdp__V1__EventMeta	*meta;
	char				 shard[16];
	struct decision			 d[DECIDE_MAX];
	size_t				 nd, next;
	struct contact			 contact;
	bool				 have_contact;
};

static void	work_next(struct work *w);

static void
work_free(struct work *w)
{
	if (w->cev != NULL)
		cdp__v1__complaint_event__free_unpacked(w->cev, NULL);
	if (w->mev != NULL)
		cdp__v1__merchant_event__free_unpacked(w->mev, NULL);
	log_ctx_clear();
	free(w);
}

/* Ends the message (done, or again after retry_ms), then the work. */
static void
work_end(struct work *w, int retry_ms)
{
	/* At shutdown the consumer is closed, and m dropped with it. */
	if (w->n->consumer != NULL && retry_ms == 0)
		kafka_consumer_done(w->m);
	else if (w->n->consumer != NULL)
		kafka_consumer_retry(w->m, retry_ms);
	work_free(w);
}

static const Cdp__V1__Complainant *
complainant_of(const Cdp__V1__ComplaintEvent *ev)
{
	const Cdp__V1__Filed	*f = events_filed(ev);

	return f != NULL ? f->complainant : NULL;
}

static void
contact_from(struct contact *c, const Cdp__V1__Complainant *who)
{
	utf8_copy(c->user_id, sizeof(c->user_id), who->user_id);
	utf8_copy(c->phone, sizeof(c->phone), who->phone);
	utf8_copy(c->email, sizeof(c->email), who->email);
}

static char *
contact_encode(const struct contact *c)
{
	json_t	*o = json_pack("{s:s, s:s, s:s}", "user_id", c->user_id,
		    "phone", c->phone, "email", c->email);
	char	*s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

static bool
contact_decode(struct contact *c, const char *json)
{
	json_t		*o = json_loads(json, 0, NULL);
	const char	*u, *p, *e;

	if (json_unpack(o, "{s:s, s:s, s:s}", "user_id", &u, "phone", &p,
	    "email", &e) == -1) {
		json_decref(o);
		return false;
	}
	snprintf(c->user_id, sizeof(c->user_id), "%s", u);
	snprintf(c->phone, sizeof(c->phone), "%s", p);
	snprintf(c->email, sizeof(c->email), "%s", e);
	json_decref(o);
	return true;
}

static const char *
complaint_of(const struct work *w)
{
	if (w->cev != NULL)
		return w->cev->complaint_id;
	if (w->mev->body_case == CDP__V1__MERCHANT_EVENT__BODY_PENALTY_APPLIED)
		return w->mev->penalty_applied->complaint_id;
	if (w->mev->body_case == CDP__V1__MERCHANT_EVENT__BODY_APPEAL_DECIDED)
		return w->mev->appeal_decided->complaint_id;
	return "";
}

/* Who receives it, how, and in which language; false: no one to tell. */
static bool
notice_recipient(struct work *w, const struct decision *d, struct notice *j,
    const char **lang)
{
	const struct merchant	*m;

	j->kind = d->kind;
	if (d->kind == CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_MERCHANT) {
		snprintf(j->recipient_id, sizeof(j->recipient_id), "%s",
		    j->merchant_id);
		j->channel = CDP__V1__NOTIFY_CHANNEL__NOTIFY_CHANNEL_WEBHOOK;
		m = merchants_find(w->n->merchants, j->merchant_id);
		*lang = m != NULL ? m->lang : "zh";
		j->to = xstrdup("");
		return j->merchant_id[0] != '\0';
	}
	if (!w->have_contact ||
	    (w->contact.phone[0] == '\0' && w->contact.email[0] == '\0'))
		return false;
	snprintf(j->recipient_id, sizeof(j->recipient_id), "%s",
	    w->contact.user_id);
	j->channel = w->contact.phone[0] != '\0' ?
	    CDP__V1__NOTIFY_CHANNEL__NOTIFY_CHANNEL_SMS :
	    CDP__V1__NOTIFY_CHANNEL__NOTIFY_CHANNEL_EMAIL;
	j->to = xstrdup(w->contact.phone[0] != '\0' ? w->contact.phone :
	    w->contact.email);
	*lang = w->n->set->customer_lang;
	return true;
}

/*
 * Builds the job of one decision: id derived from the event, recipient and
 * template; the text filled and, for a merchant, masked.
 */
static bool
notice_build(struct work *w, const struct decision *d, struct notice *j)
{
	struct facts	 f;
	const char	*lang, *text;
	char		 purpose[160], *filled;

	/*
	 * An event's strings are made UTF-8 as they are copied in (as are the
	 * facts and the contact), so every JSON written from a notice holds.
	 */
	notice_init(j);
	utf8_copy(j->cause_id, sizeof(j->cause_id), w->meta->event_id);
	utf8_copy(j->trace_id, sizeof(j->trace_id),
	    w->meta->trace_id[0] != '\0' ? w->meta->trace_id :
	    w->meta->event_id);
	utf8_copy(j->complaint_id, sizeof(j->complaint_id), complaint_of(w));
	utf8_copy(j->merchant_id, sizeof(j->merchant_id), w->cev != NULL ?
	    w->cev->merchant_id : w->mev->merchant_id);
	snprintf(j->template_name, sizeof(j->template_name), "%s",
	    d->template_name);
	snprintf(j->event, sizeof(j->event), "%s", w->cev != NULL ?
	    decide_event_name(w->cev) : decide_merchant_event_name(w->mev));
	j->deadline_ms = d->deadline_ms;
	if (!notice_recipient(w, d, j, &lang) ||
	    (text = template_text(w->n->templates, d->template_name, lang)) ==
	    NULL)
		return false;
	snprintf(purpose, sizeof(purpose), "notification/%d/%s/%s",
	    (int)j->kind, j->recipient_id, j->template_name);
	meta_derive_id(w->meta->event_id, purpose, j->id);
	if (w->cev != NULL)
		facts_complaint(&f, w->cev, d->deadline_ms);
	else
		facts_merchant(&f, w->mev, d->deadline_ms);
	filled = template_fill(text, &f);
	j->text = j->kind == CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_MERCHANT ?
	    notice_masked(filled) : xstrdup(filled);
	free(filled);
	return true;
}

static void
consume_on_scheduled(void *arg, int rc)
{
	struct work	*w = arg;

	if (rc == -1) {
		work_end(w, CONSUME_RETRY_MS);
		return;
	}
	if (rc == 1)
		metrics_inc(metrics_counter("notifier_scheduled_total",
		    "Notifications scheduled.", ""));
	work_next(w);
}

/* Schedules the next decision's job, or ends the event when all are. */
static void
work_next(struct work *w)
{
	struct notice	j;
	int		rc;

	for (; w->next < w->nd; w->next++) {
		if (notice_build(w, &w->d[w->next], &j))
			break;
		log_info("no %s to tell for %s", w->d[w->next].kind ==
		    CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_MERCHANT ?
		    "merchant" : "customer contact", w->d[w->next].template_name);
		notice_clear(&j);
	}
	if (w->next == w->nd) {
		pump_kick(w->n->pump);
		work_end(w, 0);
		return;
	}
	w->next++;
	rc = store_schedule(w->n, w->shard, &j, consume_on_scheduled, w);
	notice_clear(&j);
	if (rc == -1)
		work_end(w, CONSUME_RETRY_MS);
}

static void
consume_on_contact(void *arg, int rc, const char *json)
{
	struct work	*w = arg;

	if (rc == -1) {
		work_end(w, CONSUME_RETRY_MS);
		return;
	}
	w->have_contact = json != NULL && contact_decode(&w->contact, json);
	work_next(w);
}

static void
consume_on_contact_saved(void *arg, int rc)
{
	struct work	*w = arg;

	if (rc == -1)
		work_end(w, CONSUME_RETRY_MS);
	else
		work_next(w);
}

/* Gets the customer's contact when a decision needs it, then schedules. */
static void
work_start(struct work *w)
{
	const Cdp__V1__Complainant	*who;
	char				*json;
	size_t				 i;
	int				 rc = 0;

	for (i = 0; i < w->nd; i++)
		if (w->d[i].kind ==
		    CDP__V1__RECIPIENT_KIND__RECIPIENT_KIND_CUSTOMER)
			break;
	if (w->cev != NULL && (who = complainant_of(w->cev)) != NULL) {
		contact_from(&w->contact, who);
		w->have_contact = true;
		json = contact_encode(&w->contact);
		rc = store_contact_save(w->n, w->shard, w->cev->complaint_id,
		    json, consume_on_contact_saved, w);
		free(json);
	} else if (i < w->nd && w->cev != NULL)
		rc = store_contact_load(w->n, w->shard, w->cev->complaint_id,
		    consume_on_contact, w);
	else {
		work_next(w);
		return;
	}
	if (rc == -1)
		work_end(w, CONSUME_RETRY_MS);
}

/* Too old an event is counted and tells no one (decide_fresh()). */
static bool
fresh(struct work *w)
{
	if (w->nd == 0 || decide_fresh(w->meta->occurred_at_ms, meta_now_ms(),
	    w->n->set->max_age_ms))
		return true;
	metrics_inc(metrics_counter("notifier_stale_events_total",
	    "Events too old to notify about (NOTIFIER_MAX_EVENT_AGE_MS).",
	    ""));
	return false;
}

/* Takes the decoded event and decides what it means to whom. */
static void
work_decide(struct work *w)
{
	struct kafka_msg	*m = w->m;

	if (strcmp(m->topic, "merchants.events") == 0) {
		w->mev = kafka_msg_take(m);	/* checked by events_merchant */
		w->meta = w->mev->meta;
		w->nd = decide_merchant(w->mev, w->d, DECIDE_MAX);
		w->nd = fresh(w) ? w->nd : 0;
		log_ctx_set(complaint_of(w), w->meta->event_id,
		    w->mev->merchant_id);
		return;
	}
	w->cev = kafka_msg_take(m);	/* checked by events_complaint */
	w->meta = w->cev->meta;
	w->nd = decide_complaint(w->cev, w->d, DECIDE_MAX);
	w->nd = fresh(w) ? w->nd : 0;
	log_ctx_set(w->cev->complaint_id, w->meta->event_id,
	    w->cev->merchant_id);
}

/* Takes one event of complaints.events or merchants.events. */
void
consume_handle(struct notifier *n, struct kafka_msg *m)
{
	struct work	*w = xcalloc(1, sizeof(*w));

	w->n = n;
	w->m = m;
	store_shard(w->shard, sizeof(w->shard), m->topic, m->partition);
	work_decide(w);
	work_start(w);
}
