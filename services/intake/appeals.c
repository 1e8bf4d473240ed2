/*
 * A merchant's appeal (申诉) on a penalty, and the platform's decision on
 * it (docs/api.md "Merchants and appeals"):
 *
 *   POST /v1/merchants/{id}/appeals            the merchant: AppealFiled
 *   POST /v1/merchants/{id}/appeals/{a}/decision  staff: AppealDecided
 *
 * Both take the steps of every request that records an event (submit.c):
 * body, Idempotency-Key claim, checks against the merchant's state
 * (merchants.c, SUBMIT_LOAD), a reservation (SUBMIT_RESERVE), publish on
 * merchants.events keyed by the merchant, 202 once the broker confirmed. The state lags the log by a moment, so a
 * reservation in Redis makes the second appeal on a penalty (or the
 * second decision on an appeal) 409 even before the state shows the
 * first:
 *
 *   rm:appeal:<merchant>:<penalty>   the appeal id filed on the penalty
 *   rm:appeal:d:<appeal id>          the event id of its decision
 *
 * A retry with the same Idempotency-Key derives the same ids, so it finds
 * its own reservation and goes on; a write surely not made drops it.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "intake.h"
#include "log.h"
#include "meta.h"
#include "redis.h"
#include "timefmt.h"
#include "xmalloc.h"

static const char appeals_reserve_lua[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v and v ~= ARGV[1] then return 0 end\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "return 1\n";
static const char appeals_drop_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "  redis.call('DEL', KEYS[1])\n"
    "end\n"
    "return 1\n";

static struct redis_script	*reserve_script, *drop_script;

struct appeal {
	struct submit			 s;	/* first: the request's course */
	bool				 deciding;
	struct appeal_req		 areq;
	struct appeal_decision_req	 dreq;
	char				 merchant_id[INTAKE_ID_MAX + 1];
	char				 appeal_id[INTAKE_ID_MAX + 1];
	char				 penalty_id[INTAKE_ID_MAX + 1];
	char				 complaint_id[INTAKE_ID_MAX + 1];
	char				 event_id[META_ID_LEN + 1];
	char				*reservation;	/* its key */
	const char			*held;		/* its value */
	Cdp__V1__EventMeta		 meta;
	Cdp__V1__MerchantEvent		 ev;
	Cdp__V1__AppealFiled		 filed;
	Cdp__V1__AppealDecided		 decided;
	Cdp__V1__Actor			 appellant;
};

static int	appeals_parse_filing(struct submit *s, struct api_error *e);
static int	appeals_parse_decision(struct submit *s,
		    struct api_error *e);
static void	appeals_load(struct submit *s);
static void	appeals_reserve(struct submit *s);
static void	appeals_unwritten(struct submit *s);
static json_t	*appeals_answer(struct submit *s);
static void	appeals_free(struct submit *s);

static const struct submit_ops appeal_ops = {
	.method = "POST",
	.route = "/v1/merchants/{id}/appeals",
	.unrecorded = "the appeal could not be recorded in time; retry with "
	    "the same Idempotency-Key",
	.metric = "intake_appeals_filed_total",
	.metric_help = "Appeals accepted (202).",
	.parse = appeals_parse_filing,
	.load = appeals_load,
	.reserve = appeals_reserve,
	.unwritten = appeals_unwritten,
	.answer = appeals_answer,
	.free = appeals_free,
};

static const struct submit_ops decision_ops = {
	.method = "POST",
	.route = "/v1/merchants/{id}/appeals/{appeal_id}/decision",
	.unrecorded = "the decision could not be recorded in time; retry "
	    "with the same Idempotency-Key",
	.metric = "intake_appeals_decided_total",
	.metric_help = "Appeal decisions accepted (202).",
	.parse = appeals_parse_decision,
	.load = appeals_load,
	.reserve = appeals_reserve,
	.unwritten = appeals_unwritten,
	.answer = appeals_answer,
	.free = appeals_free,
};

static void
appeals_scripts(struct intake *in)
{
	if (reserve_script == NULL) {
		reserve_script = redis_script_new(in->redis,
		    appeals_reserve_lua);
		drop_script = redis_script_new(in->redis, appeals_drop_lua);
	}
}

static void
appeals_free(struct submit *s)
{
	struct appeal	*a = (struct appeal *)s;

	appeal_json_free(a->areq.root);
	appeal_json_free(a->dreq.root);
	free(a->reservation);
	free(a);
}

/*
 * An id derived from the API key and the Idempotency-Key ("<key>/<idem>",
 * key names never hold '/'; a decision's prefixed with its appeal, the
 * scope of its key) and a purpose, or random without one.
 */
static void
appeals_derive(struct appeal *a, const char *purpose, char *out)
{
	char	*src;

	if (a->s.idem_key == NULL) {
		meta_random_id(out);
		return;
	}
	if (a->deciding)
		src = xasprintf("%s/%s/%s", a->appeal_id, a->s.key->name,
		    a->s.idem_key);
	else
		src = xasprintf("%s/%s", a->s.key->name, a->s.idem_key);
	meta_derive_id(src, purpose, out);
	free(src);
}

static void
appeals_meta(struct appeal *a)
{
	cdp__v1__event_meta__init(&a->meta);
	a->meta.event_id = a->event_id;
	a->meta.trace_id = a->event_id;
	a->meta.cause_id = "";
	a->meta.occurred_at_ms = meta_now_ms();
	a->meta.producer = "intake";
	a->meta.schema_version = META_SCHEMA_VERSION;
	cdp__v1__merchant_event__init(&a->ev);
	a->ev.meta = &a->meta;
	a->ev.merchant_id = a->merchant_id;
}

static void
appeals_build_filed(struct appeal *a)
{
	Cdp__V1__AppealFiled	*f = &a->filed;

	meta_derive_id(a->appeal_id, "appeal_filed", a->event_id);
	appeals_meta(a);
	cdp__v1__actor__init(&a->appellant);
	a->appellant.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_MERCHANT;
	a->appellant.actor_id = a->merchant_id;
	cdp__v1__appeal_filed__init(f);
	f->appeal_id = a->appeal_id;
	f->appellant = &a->appellant;
	f->subject = CDP__V1__APPEAL_SUBJECT__APPEAL_SUBJECT_PENALTY;
	f->penalty_id = a->penalty_id;
	f->complaint_id = a->complaint_id;
	f->text = (char *)a->areq.reason;
	f->evidence_urls = a->areq.evidence;
	f->n_evidence_urls = a->areq.n_evidence;
	f->idempotency_key = a->s.idem_key != NULL ? a->s.idem_key : "";
	a->ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_APPEAL_FILED;
	a->ev.appeal_filed = f;
	submit_event(&a->s, a->s.in->merchants_topic, a->merchant_id,
	    &a->ev.base);
}

static void
appeals_build_decided(struct appeal *a)
{
	Cdp__V1__AppealDecided	*d = &a->decided;

	appeals_meta(a);
	cdp__v1__appeal_decided__init(d);
	d->appeal_id = a->appeal_id;
	d->verdict = a->dreq.verdict;
	d->reviewer_id = a->s.key->name;
	d->reason = (char *)a->dreq.reason;
	d->subject = CDP__V1__APPEAL_SUBJECT__APPEAL_SUBJECT_PENALTY;
	d->penalty_id = a->penalty_id;
	d->complaint_id = a->complaint_id;
	a->ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_APPEAL_DECIDED;
	a->ev.appeal_decided = d;
	submit_event(&a->s, a->s.in->merchants_topic, a->merchant_id,
	    &a->ev.base);
}

static void
appeals_on_reserved(struct redis *r, redisReply *reply, void *arg)
{
	struct appeal	*a = arg;

	if (redis_reply_error(reply, "appeal reservation"))
		submit_unavailable(&a->s, "appeals are unavailable");
	else if (reply->type != REDIS_REPLY_INTEGER || reply->integer != 1) {
		if (a->deciding)
			api_fail(a->s.req, 409, "appeal_decided", NULL,
			    "appeal %s is already decided", a->appeal_id);
		else
			api_fail(a->s.req, 409, "appeal_exists", "penalty_id",
			    "penalty %s is already appealed", a->penalty_id);
		submit_end(&a->s);
	} else
		submit_next(&a->s);
}

/* Takes the reservation that the checks chose (appeals_hold). */
static void
appeals_reserve(struct submit *s)
{
	struct appeal	*a = (struct appeal *)s;
	const char	*args[2] = { a->reservation, a->held };

	if (redis_script_run(s->in->redis, reserve_script,
	    appeals_on_reserved, a, 1, 1, args, NULL) == -1)
		submit_unavailable(s, "appeals are unavailable");
}

/* The reservation (key, value) that SUBMIT_RESERVE is to take. */
static void
appeals_hold(struct appeal *a, char *key, const char *value)
{
	a->reservation = key;
	a->held = value;
}

static void
appeals_on_dropped(struct redis *r, redisReply *reply, void *arg)
{
	redis_reply_error(reply, "appeal reservation drop");
}

/* The event was surely not written: its reservation goes. */
static void
appeals_unwritten(struct submit *s)
{
	struct appeal	*a = (struct appeal *)s;
	const char	*args[2] = { a->reservation, a->held };

	if (a->reservation != NULL)
		(void)redis_script_run(s->in->redis, drop_script,
		    appeals_on_dropped, NULL, 1, 1, args, NULL);
}

/* The checks of an appeal against the merchant's state, then its filing. */
static void
appeals_check_filing(struct appeal *a, const Cdp__V1__MerchantState *st)
{
	const Cdp__V1__ActivePenalty	*p;
	char				 deadline[TIMEFMT_MAX];
	json_t				*body;

	if ((p = merchant_view_penalty_find(st, a->areq.penalty_id)) == NULL) {
		api_fail(a->s.req, 404, "not_found", "penalty_id",
		    "no such penalty of merchant %s", a->merchant_id);
		submit_end(&a->s);
		return;
	}
	if (p->appeal_deadline_ms > 0 && meta_now_ms() > p->appeal_deadline_ms) {
		timefmt_rfc3339(p->appeal_deadline_ms, deadline,
		    sizeof(deadline));
		body = json_pack("{s:s, s:s, s:s, s:s}", "error",
		    "appeal_deadline_passed", "field", "penalty_id", "reason",
		    "the penalty could be appealed until its deadline",
		    "deadline", deadline);
		api_reply(a->s.req, 409, body);
		submit_end(&a->s);
		return;
	}
	if (merchant_view_appeal_find(st, NULL, p->penalty_id) != NULL) {
		api_fail(a->s.req, 409, "appeal_exists", "penalty_id",
		    "penalty %s is already appealed", p->penalty_id);
		submit_end(&a->s);
		return;
	}
	snprintf(a->penalty_id, sizeof(a->penalty_id), "%s", p->penalty_id);
	snprintf(a->complaint_id, sizeof(a->complaint_id), "%s",
	    p->complaint_id);
	appeals_derive(a, "appeal", a->appeal_id);
	appeals_hold(a, xasprintf("rm:appeal:%s:%s", a->merchant_id,
	    a->penalty_id), a->appeal_id);
	appeals_build_filed(a);
	submit_next(&a->s);
}

/*
 * An appeal no longer open in the merchant's state: decided already when
 * its decision's reservation is there (409, as while the decision is on its
 * way to penalty), otherwise unknown (404).
 */
static void
appeals_on_decided(struct redis *r, redisReply *reply, void *arg)
{
	struct appeal	*a = arg;

	if (redis_reply_error(reply, "appeal decision lookup")) {
		submit_unavailable(&a->s, "appeals are unavailable");
		return;
	}
	if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1)
		api_fail(a->s.req, 409, "appeal_decided", NULL,
		    "appeal %s is already decided", a->appeal_id);
	else
		api_fail(a->s.req, 404, "not_found", NULL,
		    "no open appeal %s of merchant %s", a->appeal_id,
		    a->merchant_id);
	submit_end(&a->s);
}

/* A decision needs the appeal open in the merchant's state. */
static void
appeals_check_decision(struct appeal *a, const Cdp__V1__MerchantState *st)
{
	const Cdp__V1__OpenAppeal	*o;

	if ((o = merchant_view_appeal_find(st, a->appeal_id, NULL)) == NULL) {
		if (redis_command(a->s.in->redis, appeals_on_decided, a,
		    "EXISTS rm:appeal:d:%s", a->appeal_id) == -1)
			submit_unavailable(&a->s, "appeals are unavailable");
		return;
	}
	snprintf(a->penalty_id, sizeof(a->penalty_id), "%s", o->penalty_id);
	snprintf(a->complaint_id, sizeof(a->complaint_id), "%s",
	    o->complaint_id);
	appeals_derive(a, "appeal_decided", a->event_id);
	appeals_hold(a, xasprintf("rm:appeal:d:%s", a->appeal_id),
	    a->event_id);
	appeals_build_decided(a);
	submit_next(&a->s);
}

static void
appeals_on_state(void *arg, int rc, const Cdp__V1__MerchantState *st)
{
	struct appeal	*a = arg;

	if (rc == -1)
		submit_unavailable(&a->s, "merchant standing is unavailable");
	else if (a->deciding)
		appeals_check_decision(a, st);
	else
		appeals_check_filing(a, st);
}

static void
appeals_load(struct submit *s)
{
	struct appeal	*a = (struct appeal *)s;

	if (merchants_get(s->in, a->merchant_id, appeals_on_state, a) == -1)
		submit_unavailable(s, "merchant standing is unavailable");
}

static int
appeals_parse_filing(struct submit *s, struct api_error *e)
{
	struct appeal	*a = (struct appeal *)s;

	return appeal_json_parse(s->body, s->len, &a->areq, e);
}

static int
appeals_parse_decision(struct submit *s, struct api_error *e)
{
	struct appeal	*a = (struct appeal *)s;

	return appeal_json_parse_decision(s->body, s->len, &a->dreq, e);
}

static json_t *
appeals_answer(struct submit *s)
{
	struct appeal	*a = (struct appeal *)s;

	log_ctx_set(a->complaint_id, a->event_id, a->merchant_id);
	log_info("appeal %s %s through %s", a->appeal_id,
	    a->deciding ? "decided" : "filed", s->key->name);
	log_ctx_clear();
	if (a->deciding)
		return json_pack("{s:s, s:s, s:s, s:s}", "appeal_id",
		    a->appeal_id, "penalty_id", a->penalty_id, "verdict",
		    a->dreq.verdict ==
		    CDP__V1__APPEAL_VERDICT__APPEAL_VERDICT_OVERTURNED ?
		    "upheld" : "rejected", "status", "decided");
	return json_pack("{s:s, s:s, s:s, s:s}", "appeal_id", a->appeal_id,
	    "penalty_id", a->penalty_id, "complaint_id", a->complaint_id,
	    "status", "filed");
}

static struct appeal *
appeals_new(struct intake *in, const char *merchant_id)
{
	struct appeal	*a = xcalloc(1, sizeof(*a));

	appeals_scripts(in);
	snprintf(a->merchant_id, sizeof(a->merchant_id), "%s", merchant_id);
	/* Scopes the Idempotency-Key (with the key and the route). */
	a->s.scope = a->merchant_id;
	return a;
}

/*
 * POST /v1/merchants/{id}/appeals: only the merchant's own key files
 * (another merchant's is answered 404, staff 403).
 */
void
appeals_file(struct intake *in, struct evhttp_request *req,
    struct api_key *key, const char *merchant_id)
{
	if (!merchants_visible(key, merchant_id)) {
		api_fail(req, 404, "not_found", NULL, "no such merchant");
		return;
	}
	if (key->role != KEY_ROLE_MERCHANT) {
		api_fail(req, 403, "forbidden", NULL,
		    "appeals on penalties are filed by the merchant's key");
		return;
	}
	submit_run(&appeals_new(in, merchant_id)->s, &appeal_ops, in, req,
	    key);
}

/* POST /v1/merchants/{id}/appeals/{appeal_id}/decision: agents, admin. */
void
appeals_decide(struct intake *in, struct evhttp_request *req,
    struct api_key *key, const char *merchant_id, const char *appeal_id)
{
	struct appeal	*a;

	if (key->role != KEY_ROLE_AGENT && key->role != KEY_ROLE_ADMIN) {
		if (merchants_visible(key, merchant_id))
			api_fail(req, 403, "forbidden", NULL,
			    "appeals are decided by agent and admin keys");
		else
			api_fail(req, 404, "not_found", NULL,
			    "no such merchant");
		return;
	}
	a = appeals_new(in, merchant_id);
	a->deciding = true;
	snprintf(a->appeal_id, sizeof(a->appeal_id), "%s", appeal_id);
	a->s.scope = a->appeal_id;	/* one decision per appeal */
	submit_run(&a->s, &decision_ops, in, req, key);
}
