/*
 * POST /v1/complaints: a complaint from any channel becomes one Filed event.
 *
 * The request goes parse → idempotency claim → order snapshot → publish,
 * each step answering on the event loop. 202 is sent only after the broker
 * confirmed the Filed event; if it cannot within the publish timeout, the
 * answer is 503 and, since librdkafka never sends a timed-out message
 * later, nothing appears for that request. The complaint id and the event
 * id are derived from the Idempotency-Key when there is one, so even a
 * write whose fate is unknown is retried as the same event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <openssl/evp.h>

#include "httpd.h"
#include "intake.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "timefmt.h"
#include "xmalloc.h"

#define COMPLAINT_ID_CHARS	12

struct filing {
	struct intake		*in;
	struct evhttp_request	*req;
	struct api_key		*key;
	struct complaint_req	 creq;
	char			*body;
	size_t			 len;
	char			*idem_key;
	struct idem		*claim;
	char			 complaint_id[COMPLAINT_ID_CHARS + 2];
	char			 event_id[META_ID_LEN + 1];
	Cdp__V1__EventMeta	 meta;
	Cdp__V1__ComplaintEvent	 ev;
};

static void	filing_lookup_order(struct filing *f);

static void
filing_free(struct filing *f)
{
	complaint_json_free(&f->creq);
	free(f->body);
	free(f->idem_key);
	free(f);
}

/* Ends the request with an error; a claimed idempotency key is released. */
static void
filing_fail(struct filing *f, const struct api_error *e)
{
	if (f->claim != NULL)
		idempotency_release(f->in, f->claim);
	api_reply_error(f->req, e);
	filing_free(f);
}

static void
filing_unavailable(struct filing *f, const char *reason)
{
	if (f->claim != NULL)
		idempotency_release(f->in, f->claim);
	api_unavailable(f->req, reason);
	filing_free(f);
}

/*
 * Ticket ids are "C" and 12 characters of Crockford base32: 60 bits, from
 * the Idempotency-Key (scoped by the API key) when given, else random.
 */
static void
filing_complaint_id(struct filing *f)
{
	static const char	 b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	unsigned char		 d[EVP_MAX_MD_SIZE];
	char			 seed[META_ID_LEN + 1], *src;
	unsigned int		 n;
	int			 i;

	/* Key names never contain '/', so the pair is unambiguous. */
	if (f->idem_key != NULL)
		src = xasprintf("%s/%s", f->key->name, f->idem_key);
	else {
		meta_random_id(seed);
		src = xstrdup(seed);
	}
	if (EVP_Digest(src, strlen(src), d, &n, EVP_sha256(), NULL) != 1)
		fatalx("filing: SHA-256 failed");
	free(src);
	f->complaint_id[0] = 'C';
	for (i = 0; i < COMPLAINT_ID_CHARS; i++)
		f->complaint_id[i + 1] = b32[d[i] & 31];
	f->complaint_id[COMPLAINT_ID_CHARS + 1] = '\0';
}

static json_t *
filing_answer(const struct filing *f)
{
	char	due[TIMEFMT_MAX], due_cn[TIMEFMT_MAX], *msg;
	json_t	*body, *filled = json_array();
	size_t	i;

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

static void
filing_on_published(void *arg, enum publish_result result)
{
	struct filing	*f = arg;
	json_t		*body;
	char		*text;

	if (result != PUBLISH_OK) {
		filing_unavailable(f, "the complaint could not be recorded "
		    "in time; retry with the same Idempotency-Key");
		return;
	}
	log_ctx_set(f->complaint_id, f->event_id, f->ev.merchant_id);
	log_info("complaint filed through %s", f->key->name);
	log_ctx_clear();
	body = filing_answer(f);
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (f->claim != NULL)
		idempotency_finish(f->in, f->claim, 202, text);
	httpd_reply_json(f->req, 202, text);
	free(text);
	json_decref(body);
	metrics_inc(metrics_counter("intake_complaints_filed_total",
	    "Complaints accepted (202).", ""));
	filing_free(f);
}

/* Builds the Filed event and sends it. */
static void
filing_publish(struct filing *f)
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
	filed->first_contact_due_ms = now + f->in->first_contact_ms;
	filed->idempotency_key = f->idem_key != NULL ? f->idem_key : "";
	cdp__v1__complaint_event__init(&f->ev);
	f->ev.meta = &f->meta;
	f->ev.complaint_id = f->complaint_id;
	f->ev.merchant_id = filed->respondent->merchant_id;
	f->ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_FILED;
	f->ev.filed = filed;
	if (publish_event(f->in, &f->ev, filing_on_published, f) == -1)
		filing_unavailable(f, "the event log is not accepting writes");
}

static void
filing_on_order(void *arg, enum order_lookup result,
    const Cdp__V1__Order *order)
{
	struct filing		*f = arg;
	struct api_error	 e;

	if (result == ORDER_UNAVAILABLE) {
		filing_unavailable(f, "order snapshots are unavailable");
		return;
	}
	if (result == ORDER_FOUND)
		complaint_json_fill_from_order(&f->creq, order);
	if (complaint_json_check_complete(&f->creq, &e) == -1)
		filing_fail(f, &e);
	else
		filing_publish(f);
}

static void
filing_lookup_order(struct filing *f)
{
	if (orders_lookup(f->in, f->creq.order.order_id, filing_on_order,
	    f) == -1)
		filing_unavailable(f, "order snapshots are unavailable");
}

static void
filing_on_idem(void *arg, enum idem_state state, struct idem *claim,
    int status, const char *body)
{
	struct filing	*f = arg;

	switch (state) {
	case IDEM_NEW:
		f->claim = claim;
		filing_lookup_order(f);
		return;
	default:
		idempotency_answer(f->req, state, status, body);
		break;
	}
	filing_free(f);
}

void
filing_handle(struct intake *in, struct evhttp_request *req,
    struct api_key *key)
{
	struct filing		*f = xcalloc(1, sizeof(*f));
	struct api_error	 e;
	const char		*idem;

	f->in = in;
	f->req = req;
	f->key = key;
	f->body = api_body(req, &f->len);
	idem = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Idempotency-Key");
	if (idem != NULL && !idempotency_valid_key(idem)) {
		api_fail(req, 400, "invalid_field", "Idempotency-Key",
		    "must be 1-128 printable ASCII characters");
		filing_free(f);
		return;
	}
	if (complaint_json_parse(f->body, f->len, key, &f->creq, &e) == -1) {
		api_reply_error(req, &e);
		filing_free(f);
		return;
	}
	if (idem == NULL) {
		filing_lookup_order(f);
		return;
	}
	f->idem_key = xstrdup(idem);
	if (idempotency_begin(in, key->name, idem, f->body, f->len,
	    filing_on_idem, f) == -1)
		filing_unavailable(f, "idempotency keys are unavailable");
}
