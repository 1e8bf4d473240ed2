/*
 * Gathers the observations of a chaos run: the complaints intake accepted
 * (the filer's file), every event of complaints.events and merchants.events
 * from the beginning, and the read model through intake's GET. Only
 * complaints the filer accepted matter; the log is read whole because
 * their effects name them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"
#include "chaos.h"
#include "meta.h"
#include "topicread.h"
#include "xmalloc.h"

#define COLLECT_GET_TIMEOUT_MS	5000L
#define COLLECT_GET_PAUSE_MS	500
#define COLLECT_VIEW_WAIT_MS	120000	/* for the read model to catch up */

static const char *
collect_str(struct collect *c, const char *s)
{
	if (s == NULL)
		return NULL;
	if (c->nstrs == c->capstrs) {
		c->capstrs = c->capstrs ? c->capstrs * 2 : 1024;
		c->strs = xreallocarray(c->strs, c->capstrs, sizeof(char *));
	}
	return c->strs[c->nstrs++] = xstrdup(s);
}

static struct verdict_obs *
collect_add(struct collect *c, enum verdict_kind kind, const char *complaint)
{
	struct verdict_obs	*o;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4096;
		c->obs = xreallocarray(c->obs, c->cap, sizeof(*c->obs));
	}
	o = &c->obs[c->n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->complaint = collect_str(c, complaint);
	return o;
}

/* "<clock>:<cycle>", the key of one run of one clock. */
static const char *
collect_clock(struct collect *c, int clock, unsigned cycle)
{
	char	key[32];

	snprintf(key, sizeof(key), "%d:%u", clock, cycle);
	return collect_str(c, key);
}

static void
collect_effect(struct collect *c, const char *complaint, const char *cause,
    const char *id)
{
	struct verdict_obs	*o = collect_add(c, VERDICT_EFFECT, complaint);

	o->cause = collect_str(c, cause);
	o->id = collect_str(c, id);
}

static void
collect_clock_change(struct collect *c, const char *complaint,
    enum verdict_kind kind, const Cdp__V1__SlaClockChange *ch)
{
	struct verdict_obs	*o = collect_add(c, kind, complaint);

	o->clock = collect_clock(c, ch->clock, ch->cycle);
	o->due_ms = ch->due_ms;
}

/* The effects of one event: who applied what for which cause. */
static void
collect_effects(struct collect *c, const Cdp__V1__ComplaintEvent *ev)
{
	const char	*meta_id = ev->meta != NULL ? ev->meta->event_id : "";
	const char	*cause_id = ev->meta != NULL ? ev->meta->cause_id : "";
	char		 cause[512];

	switch (ev->body_case) {
	case CDP__V1__COMPLAINT_EVENT__BODY_COMPENSATION_ISSUED:
		snprintf(cause, sizeof(cause), "coupon:%d:%u",
		    ev->compensation_issued->clock,
		    ev->compensation_issued->cycle);
		collect_effect(c, ev->complaint_id, cause,
		    ev->compensation_issued->coupon_id);
		break;
	case CDP__V1__COMPLAINT_EVENT__BODY_ESCALATED:
		snprintf(cause, sizeof(cause), "escalation:%d:%u",
		    ev->escalated->clock, ev->escalated->cycle);
		collect_effect(c, ev->complaint_id, cause, meta_id);
		break;
	case CDP__V1__COMPLAINT_EVENT__BODY_NOTIFICATION_SENT:
		snprintf(cause, sizeof(cause), "notification:%s:%d:%s:%s",
		    cause_id, ev->notification_sent->recipient_kind,
		    ev->notification_sent->recipient_id,
		    ev->notification_sent->template_name);
		collect_effect(c, ev->complaint_id, cause, meta_id);
		break;
	default:
		break;
	}
}

static int
collect_complaint_event(void *arg, const rd_kafka_message_t *m)
{
	struct collect			*c = arg;
	Cdp__V1__ComplaintEvent		*ev;
	struct verdict_obs		*o;

	ev = cdp__v1__complaint_event__unpack(NULL, m->len, m->payload);
	if (ev == NULL)
		return 0;
	switch (ev->body_case) {
	case CDP__V1__COMPLAINT_EVENT__BODY_FILED:
		collect_add(c, VERDICT_LOGGED, ev->complaint_id);
		break;
	case CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED:
	case CDP__V1__COMPLAINT_EVENT__BODY_OUT_OF_SCOPE:
		collect_add(c, VERDICT_CLASSIFIED, ev->complaint_id);
		break;
	case CDP__V1__COMPLAINT_EVENT__BODY_SLA_CLOCK_STARTED:
		collect_clock_change(c, ev->complaint_id,
		    VERDICT_CLOCK_STARTED, ev->sla_clock_started);
		break;
	case CDP__V1__COMPLAINT_EVENT__BODY_SLA_CLOCK_RESUMED:
		collect_clock_change(c, ev->complaint_id,
		    VERDICT_CLOCK_STARTED, ev->sla_clock_resumed);
		break;
	case CDP__V1__COMPLAINT_EVENT__BODY_SLA_CLOCK_PAUSED:
		collect_clock_change(c, ev->complaint_id,
		    VERDICT_CLOCK_STOPPED, ev->sla_clock_paused);
		break;
	case CDP__V1__COMPLAINT_EVENT__BODY_SLA_CLOCK_STOPPED:
		collect_clock_change(c, ev->complaint_id,
		    VERDICT_CLOCK_STOPPED, ev->sla_clock_stopped);
		break;
	case CDP__V1__COMPLAINT_EVENT__BODY_SLA_BREACHED:
		o = collect_add(c, VERDICT_BREACHED, ev->complaint_id);
		o->clock = collect_clock(c, ev->sla_breached->clock,
		    ev->sla_breached->cycle);
		o->at_ms = rd_kafka_message_timestamp(m, NULL);
		break;
	default:
		collect_effects(c, ev);
		break;
	}
	cdp__v1__complaint_event__free_unpacked(ev, NULL);
	return 0;
}

static int
collect_merchant_event(void *arg, const rd_kafka_message_t *m)
{
	struct collect			*c = arg;
	Cdp__V1__MerchantEvent		*ev;
	char				 cause[512];

	ev = cdp__v1__merchant_event__unpack(NULL, m->len, m->payload);
	if (ev == NULL)
		return 0;
	if (ev->body_case == CDP__V1__MERCHANT_EVENT__BODY_PENALTY_APPLIED) {
		snprintf(cause, sizeof(cause), "penalty:%s",
		    ev->penalty_applied->cause_event_id);
		collect_effect(c, ev->penalty_applied->complaint_id, cause,
		    ev->penalty_applied->penalty_id);
	}
	cdp__v1__merchant_event__free_unpacked(ev, NULL);
	return 0;
}

int
collect_log(struct collect *c, const char *brokers)
{
	rd_kafka_t	*rk;
	char		 err[512];
	int		 rc = 0;

	if ((rk = topicread_client(brokers, err, sizeof(err))) == NULL ||
	    topicread_records(rk, "complaints.events", -1, 0,
	    collect_complaint_event, c, err, sizeof(err)) == -1 ||
	    topicread_records(rk, "merchants.events", -1, 0,
	    collect_merchant_event, c, err, sizeof(err)) == -1) {
		fprintf(stderr, "cdp-chaos: reading the log: %s\n", err);
		rc = -1;
	}
	if (rk != NULL)
		topicread_close(rk);
	return rc;
}

/* The filer's lines: "seq\tcomplaint\taccepted_ms". */
int
collect_accepted(struct collect *c, const char *path)
{
	FILE	*fp;
	char	 line[512], id[256];
	unsigned long seq;

	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "%lu\t%255s", &seq, id) == 2)
			collect_add(c, VERDICT_ACCEPTED, id);
	fclose(fp);
	return 0;
}

static size_t
collect_discard(char *data, size_t size, size_t n, void *arg)
{
	return size * n;
}

/*
 * 200 from the read model. The read model follows the log, and after a
 * FLUSHALL reads it again from the start, so a complaint not there yet is
 * asked for again until the deadline, which the whole collection shares.
 */
static int
collect_view(CURL *e, const char *url, const char *key, const char *id,
    int64_t deadline_ms)
{
	struct curl_slist	*h = NULL;
	char			 line[512];
	long			 status = 0;

	snprintf(line, sizeof(line), "Authorization: Bearer %s", key);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "%s/v1/complaints/%s", url, id);
	for (;;) {
		curl_easy_reset(e);
		curl_easy_setopt(e, CURLOPT_URL, line);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, COLLECT_GET_TIMEOUT_MS);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect_discard);
		status = 0;
		if (curl_easy_perform(e) == CURLE_OK)
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200 || meta_now_ms() >= deadline_ms)
			break;
		usleep(COLLECT_GET_PAUSE_MS * 1000);
	}
	curl_slist_free_all(h);
	return status == 200;
}

/* Asks the read model for every accepted complaint. */
int
collect_views(struct collect *c, const char *url, const char *key)
{
	CURL	*e;
	size_t	 i, n = c->n;
	int64_t	 deadline = meta_now_ms() + COLLECT_VIEW_WAIT_MS;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((e = curl_easy_init()) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (c->obs[i].kind == VERDICT_ACCEPTED &&
		    collect_view(e, url, key, c->obs[i].complaint, deadline))
			collect_add(c, VERDICT_VIEWED, c->obs[i].complaint);
	curl_easy_cleanup(e);
	curl_global_cleanup();
	return 0;
}

void
collect_free(struct collect *c)
{
	size_t	i;

	for (i = 0; i < c->nstrs; i++)
		free(c->strs[i]);
	free(c->strs);
	free(c->obs);
	memset(c, 0, sizeof(*c));
}
