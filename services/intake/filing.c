/*
 * POST /v1/complaints: a complaint from any channel becomes one Filed event.
 *
 * The request takes the steps of submit.c; what is its own: the body is
 * parsed as a complaint (SUBMIT_READ), and the order snapshot fills in and
 * checks what the complaint says of its order (SUBMIT_LOAD). 202 is sent only after the broker
 * confirmed the Filed event; if it cannot within the publish timeout, the
 * answer is 503 and, since librdkafka never sends a timed-out message
 * later, nothing appears for that request. The complaint id and the event
 * id are derived from the Idempotency-Key when there is one, so even a
 * write whose fate is unknown is retried as the same event.
 */
#include <stdlib.h>
#include <string.h>


#include "complaint_id.h"
#include "intake.h"
#include "log.h"
#include "meta.h"
#include "ordersnap.h"
#include "policy.h"
#include "timefmt.h"
#include "xmalloc.h"


struct filing {
	struct submit		 s;	/* first: the request's course */
	struct complaint_req	 creq;
	char			 complaint_id[COMPLAINT_ID_LEN + 1];
	char			 event_id[META_ID_LEN + 1];
	Cdp__V1__EventMeta	 meta;
	Cdp__V1__ComplaintEvent	 ev;
};

static int	filing_parse(struct submit *s, struct api_error *e);
static void	filing_load(struct submit *s);
static json_t	*filing_answer(struct submit *s);
static void	filing_free(struct submit *s);

static const struct submit_ops filing_ops = {
	.method = "POST",
	.route = "/v1/complaints",
	.unrecorded = "the complaint could not be recorded in time; retry "
	    "with the same Idempotency-Key",
	.metric = "intake_complaints_filed_total",
	.metric_help = "Complaints accepted (202).",
	.parse = filing_parse,
	.load = filing_load,
	.answer = filing_answer,
	.free = filing_free,
};

static void
filing_free(struct submit *s)
{
	struct filing	*f = (struct filing *)s;

	complaint_json_free(&f->creq);
	free(f);
}

/*
 * Ticket ids are "C" and 12 characters of Crockford base32: 60 bits, from
 * the Idempotency-Key (scoped by the API key) when given, else random.
 */
static void
filing_complaint_id(struct filing *f)
{
	char	 seed[META_ID_LEN + 1], *src;

	/* Key names never contain '/', so the pair is unambiguous. */
	if (f->s.idem_key != NULL)
		src = xasprintf("%s/%s", f->s.key->name, f->s.idem_key);
	else {
		meta_random_id(seed);
		src = xstrdup(seed);
	}
	complaint_id_derive(COMPLAINT_ID_FILED, src, f->complaint_id);
	free(src);
}

/* Once the broker confirmed the Filed event: logs it, and the 202 body. */
static json_t *
filing_answer(struct submit *s)
{
	struct filing	*f = (struct filing *)s;
	char		 due[TIMEFMT_MAX], due_cn[TIMEFMT_MAX], *msg;
	json_t		*body, *filled = json_array();
	size_t		 i;

	log_ctx_set(f->complaint_id, f->event_id, f->ev.merchant_id);
	log_info("complaint filed through %s", f->s.key->name);
	log_ctx_clear();
	timefmt_rfc3339(f->creq.filed.first_contact_due_ms, due, sizeof(due));
	timefmt_china(f->creq.filed.first_contact_due_ms, due_cn,
	    sizeof(due_cn));
	msg = xasprintf("您的投诉已受理，工单号：%s。客服专员将在%s（北京时间）"
	    "前与您联系，请保持电话畅通。", f->complaint_id, due_cn);
	for (i = 0; i < f->creq.filed.n_auto_filled_fields; i++)
		json_array_append_new(filled,
		    json_string(f->creq.filed.auto_filled_fields[i]));
	body = json_pack("{s:s, s:s, s:s, s:s, s:o}", "complaint_id",
	    f->complaint_id, "status", "received", "first_contact_due", due,
	    "message", msg, "auto_filled", filled);
	free(msg);
	return body;
}

/*
 * The first contact promised at filing: the deadline of the first-contact
 * clock that sla-timer starts from the same receipt time, under the same
 * policy file, for a normal complaint. The severity is not known before
 * the classifier has run; an urgent complaint's clock is tighter, and the
 * view then shows the clock's own deadline.
 */
static int64_t
filing_promise(const struct policy_set *ps, int64_t now)
{
	int64_t	due;

	due = policy_due(ps, CDP__V1__SEVERITY__SEVERITY_NORMAL,
	    CDP__V1__CATEGORY__CATEGORY_UNSPECIFIED,
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT, now);
	return due > 0 ? due : 0;
}

/* Builds the Filed event, which SUBMIT_PUBLISH sends. */
static void
filing_build(struct filing *f)
{
	Cdp__V1__Filed	*filed = &f->creq.filed;
	int64_t		 now = meta_now_ms();

	filing_complaint_id(f);
	meta_derive_id(f->complaint_id, "filed", f->event_id);
	cdp__v1__event_meta__init(&f->meta);
	f->meta.event_id = f->event_id;
	f->meta.trace_id = f->event_id;
	f->meta.cause_id = "";
	f->meta.occurred_at_ms = now;
	f->meta.producer = "intake";
	f->meta.schema_version = META_SCHEMA_VERSION;
	filed->first_contact_due_ms = filing_promise(f->s.in->policies, now);
	filed->idempotency_key = f->s.idem_key != NULL ? f->s.idem_key : "";
	cdp__v1__complaint_event__init(&f->ev);
	f->ev.meta = &f->meta;
	f->ev.complaint_id = f->complaint_id;
	f->ev.merchant_id = filed->respondent->merchant_id;
	f->ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_FILED;
	f->ev.filed = filed;
	submit_event(&f->s, f->s.in->topic, f->complaint_id, &f->ev.base);
}

/*
 * The order snapshot that the classifier keeps (common/ordersnap.h) fills
 * in what a complaint left out; logistics alone (no order event yet) fills
 * nothing.
 */
static void
filing_on_order(void *arg, int rc, Cdp__V1__OrderSnapshot *snap)
{
	struct filing		*f = arg;
	struct api_error	 e;

	if (rc == -1) {
		submit_unavailable(&f->s, "order snapshots are unavailable");
		return;
	}
	if (snap != NULL && snap->order != NULL) {
		if (complaint_json_check_order(&f->creq, snap->order, &e) == -1)
			goto refused;
		complaint_json_fill_from_order(&f->creq, snap->order);
	}
	if (complaint_json_check_complete(&f->creq, &e) == -1)
		goto refused;
	filing_build(f);
	submit_next(&f->s);
	return;
 refused:
	api_reply_error(f->s.req, &e);
	submit_end(&f->s);
}

static void
filing_load(struct submit *s)
{
	struct filing	*f = (struct filing *)s;

	if (ordersnap_get_order(s->in->redis, f->creq.order.order_id,
	    filing_on_order, f) == -1)
		submit_unavailable(s, "order snapshots are unavailable");
}

static int
filing_parse(struct submit *s, struct api_error *e)
{
	struct filing	*f = (struct filing *)s;

	return complaint_json_parse(s->body, s->len, s->key, &f->creq, e);
}

void
filing_handle(struct intake *in, struct evhttp_request *req,
    struct api_key *key)
{
	struct filing	*f = xcalloc(1, sizeof(*f));

	submit_run(&f->s, &filing_ops, in, req, key);
}
