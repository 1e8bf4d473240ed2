/*
 * Merchant standing and appeals through intake, with penalty running on
 * the test Kafka and Redis (config/penalty-rules-fast.conf): two breaches
 * of merchant MAPL-A become penalties, the first backdated past its
 * appeal deadline; the merchant reads its standing (another merchant gets
 * 404), appeals the second penalty (202, again 409, replayed 202 with the
 * same answer), cannot appeal an unknown penalty, another merchant's, or
 * the first one (409 with the deadline); bad bodies are answered 400 with
 * the field; an agent upholds the appeal and the standing shows the
 * penalty reversed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"
#include "intake_harness.h"
#include "meta.h"
#include "pb.h"
#include "testenv.h"
#include "testproc.h"
#include "xmalloc.h"

#define WAIT_MS		60000
#define MERCHANT	"MAPL-A"
#define KEY_A		"merchant-MAPL-A"
#define KEY_B		"merchant-MAPL-B"
#define KEY_AGENT	"dev-agent"
#define DAY_MS		(24LL * 3600 * 1000)

struct daemon {
	pid_t	pid;
	int	admin_port;
};

static struct intake_proc	intake;
static struct daemon		pen;
static struct daemon		slatimer;

#define CBODY(x)	CDP__V1__COMPLAINT_EVENT__BODY_##x
#define APPEAL_REVIEW	CDP__V1__SLA_CLOCK__SLA_CLOCK_APPEAL_REVIEW

static void
slatimer_start(struct daemon *d)
{
	const char	*root = getenv("CDP_SOURCE_DIR");
	char		*listen, *admin, *pol;

	d->admin_port = testproc_free_port();
	listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d", testproc_free_port());
	admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", d->admin_port);
	pol = xasprintf("SLA_POLICY_FILE=%s/config/sla-policies-fast.conf",
	    root != NULL ? root : ".");
	{
		const char *env[] = { listen, admin, pol, "LOG_LEVEL=warn",
		    "INSTANCE_ID=sla-appeals-test", NULL };

		d->pid = testproc_spawn("sla-timer", env);
	}
	assert_true(testproc_wait_http(d->admin_port, "/readyz", 200,
	    WAIT_MS));
	free(listen);
	free(admin);
	free(pol);
}

/*
 * Waits for the complaint's clock change of a body on the appeal_review
 * clock; returns it (the caller frees it with testenv_free_events).
 */
static Cdp__V1__ComplaintEvent *
wait_appeal_clock(const char *complaint, int body)
{
	Cdp__V1__ComplaintEvent	*evs[8];
	size_t			 n, i;

	n = testenv_wait_events(complaint, body, 1, WAIT_MS, evs, 8);
	if (n == 0)
		fail_msg("no event %d on %s", body, complaint);
	for (i = 1; i < n; i++)
		testenv_free_events(&evs[i], 1);
	return evs[0];
}

static const Cdp__V1__SlaClockChange *
change_of(const Cdp__V1__ComplaintEvent *ev)
{
	return ev->body_case == CBODY(SLA_CLOCK_STARTED) ?
	    ev->sla_clock_started : ev->sla_clock_stopped;
}

static void
penalty_start(struct daemon *d)
{
	const char	*root = getenv("CDP_SOURCE_DIR");
	char		*listen, *admin, *rules;

	d->admin_port = testproc_free_port();
	listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d", testproc_free_port());
	admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", d->admin_port);
	rules = xasprintf("PENALTY_RULES_FILE=%s/config/"
	    "penalty-rules-fast.conf", root != NULL ? root : ".");
	{
		const char *env[] = { listen, admin, rules, "LOG_LEVEL=warn",
		    "INSTANCE_ID=penalty-appeals-test", NULL };

		d->pid = testproc_spawn("penalty", env);
	}
	assert_true(testproc_wait_http(d->admin_port, "/readyz", 200,
	    WAIT_MS));
	free(listen);
	free(admin);
	free(rules);
}

/*
 * A merchant_response breach of the merchant on a new complaint, that
 * happened age_ms ago; returns the complaint id.
 */
static char *
breach(int64_t age_ms)
{
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__SlaBreached	 b = CDP__V1__SLA_BREACHED__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	char			*id = testenv_unique("C");

	b.clock = CDP__V1__SLA_CLOCK__SLA_CLOCK_MERCHANT_RESPONSE;
	b.cycle = 1;
	b.responsible_party = CDP__V1__PARTY__PARTY_MERCHANT;
	meta_fill(&meta, &ids, "sla-timer", NULL, NULL);
	meta.occurred_at_ms -= age_ms;
	ev.meta = &meta;
	ev.complaint_id = id;
	ev.merchant_id = MERCHANT;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_SLA_BREACHED;
	ev.sla_breached = &b;
	testenv_produce_event(&ev);
	return id;
}

/* GET /v1/merchants/MAPL-A until pred holds; returns the view. */
static json_t *
wait_standing(bool (*pred)(json_t *, const char *), const char *arg)
{
	struct testhttp_response	 r;
	int64_t				 deadline = meta_now_ms() + WAIT_MS;
	json_t				*view = NULL;

	while (view == NULL && meta_now_ms() < deadline) {
		intake_call(&intake, "GET", "/v1/merchants/" MERCHANT, KEY_A,
		    NULL, NULL, &r);
		assert_int_equal(r.status, 200);
		if (pred(r.json, arg))
			view = json_incref(r.json);
		testhttp_free(&r);
		if (view == NULL)
			usleep(100 * 1000);
	}
	assert_non_null(view);
	return view;
}

/* The view's penalty of the complaint, or NULL. */
static json_t *
penalty_of(json_t *view, const char *complaint)
{
	json_t	*p;
	size_t	 i;

	json_array_foreach(json_object_get(view, "penalties"), i, p)
		if (strcmp(json_string_value(json_object_get(p,
		    "complaint_id")), complaint) == 0)
			return p;
	return NULL;
}

static bool
has_penalty(json_t *view, const char *complaint)
{
	return penalty_of(view, complaint) != NULL;
}

static bool
lacks_penalty(json_t *view, const char *complaint)
{
	return penalty_of(view, complaint) == NULL;
}

static bool
has_appeal(json_t *view, const char *appeal)
{
	json_t	*a;
	size_t	 i;

	json_array_foreach(json_object_get(view, "open_appeals"), i, a)
		if (strcmp(json_string_value(json_object_get(a, "appeal_id")),
		    appeal) == 0)
			return true;
	return false;
}

static char *
penalty_id(json_t *view, const char *complaint)
{
	return xstrdup(json_string_value(json_object_get(
	    penalty_of(view, complaint), "penalty_id")));
}

/* POSTs an appeal body as key; returns the status, r kept for checks. */
static int
file(const char *key, const char *merchant, const char *idem,
    const char *body, struct testhttp_response *r)
{
	char	*path = xasprintf("/v1/merchants/%s/appeals", merchant);
	int	 status;

	status = intake_call(&intake, "POST", path, key, idem, body, r);
	free(path);
	return status;
}

static void
expect(const char *key, const char *idem, const char *body, int status,
    const char *error, const char *field)
{
	struct testhttp_response	r;

	file(key, MERCHANT, idem, body, &r);
	if (r.status != status)
		fail_msg("%s: %d %s", body, r.status, r.body);
	if (error != NULL)
		assert_string_equal(json_string_value(json_object_get(r.json,
		    "error")), error);
	if (field != NULL)
		assert_string_equal(json_string_value(json_object_get(r.json,
		    "field")), field);
	testhttp_free(&r);
}

static char *
appeal_body(const char *penalty)
{
	return xasprintf("{\"penalty_id\": \"%s\", \"reason\": \"发票证明"
	    "已按时回复\", \"evidence_urls\": [\"https://e.example/inv.pdf\"]}",
	    penalty);
}

static void
test_standing_and_appeals(void **state)
{
	struct testhttp_response	 r;
	char				*late_c, *fresh_c, *late_p, *fresh_p;
	char				*body, *path, *appeal, *first;
	char				*idem1 = testenv_unique("appeal-1-");
	char				*idem2 = testenv_unique("appeal-2-");
	char				*idem3 = testenv_unique("appeal-3-");
	char				*idemd1 = testenv_unique("decide-1-");
	char				*idemd2 = testenv_unique("decide-2-");
	char				*idemd3 = testenv_unique("decide-3-");
	json_t				*view;
	Cdp__V1__ComplaintEvent		*ev;
	long long			 points;

	/* The late one first: the ledger's time only moves forward. */
	late_c = breach(8 * DAY_MS);
	view = wait_standing(has_penalty, late_c);
	json_decref(view);
	fresh_c = breach(0);
	view = wait_standing(has_penalty, fresh_c);
	late_p = penalty_id(view, late_c);
	fresh_p = penalty_id(view, fresh_c);
	points = json_integer_value(json_object_get(view, "points"));
	/* At least warned (a test run again finds the earlier penalties). */
	assert_true(points >= 2);
	assert_string_not_equal(json_string_value(json_object_get(view,
	    "standing")), "good");
	assert_non_null(json_string_value(json_object_get(view, "level")));
	assert_int_equal(json_integer_value(json_object_get(penalty_of(view,
	    fresh_c), "points")) > 0, 1);
	json_decref(view);

	/* Another merchant's key sees nothing; staff see it. */
	intake_call(&intake, "GET", "/v1/merchants/" MERCHANT, KEY_B, NULL,
	    NULL, &r);
	assert_int_equal(r.status, 404);
	testhttp_free(&r);
	intake_call(&intake, "GET", "/v1/merchants/" MERCHANT, KEY_AGENT,
	    NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(penalty_of(r.json, fresh_c));
	testhttp_free(&r);

	/* A merchant penalty never touched is in good standing. */
	intake_call(&intake, "GET", "/v1/merchants/MAPL-B", KEY_B, NULL, NULL,
	    &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "standing")), "good");
	testhttp_free(&r);

	/* Bad bodies. */
	expect(KEY_A, NULL, "{\"reason\": \"x\"}", 400, "missing_field",
	    "penalty_id");
	body = xasprintf("{\"penalty_id\": \"%s\", \"reason\": \"  \"}",
	    fresh_p);
	expect(KEY_A, NULL, body, 400, "invalid_field", "reason");
	free(body);
	body = xasprintf("{\"penalty_id\": \"%s\", \"reason\": \"r\", "
	    "\"evidence_urls\": [\"http://e.example/a\"]}", fresh_p);
	expect(KEY_A, NULL, body, 400, "invalid_field", "evidence_urls[0]");
	free(body);
	body = xasprintf("{\"penalty_id\": \"%s\", \"reason\": \"r\", "
	    "\"evidence_urls\": [\"https://a.cn/1\", \"https://a.cn/2\", "
	    "\"https://a.cn/3\", \"https://a.cn/4\"]}", fresh_p);
	expect(KEY_A, NULL, body, 400, "invalid_field", "evidence_urls");
	free(body);

	/* Unknown penalty, another merchant, out of the window. */
	body = appeal_body("P-unknown");
	expect(KEY_A, NULL, body, 404, "not_found", NULL);
	free(body);
	body = appeal_body(fresh_p);
	assert_int_equal(file(KEY_B, MERCHANT, NULL, body, &r), 404);
	testhttp_free(&r);
	assert_int_equal(file(KEY_AGENT, MERCHANT, NULL, body, &r), 403);
	testhttp_free(&r);
	free(body);
	body = appeal_body(late_p);
	file(KEY_A, MERCHANT, NULL, body, &r);
	assert_int_equal(r.status, 409);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "error")), "appeal_deadline_passed");
	assert_non_null(json_string_value(json_object_get(r.json,
	    "deadline")));
	testhttp_free(&r);
	free(body);

	/* The appeal, its replay, a second one. */
	body = appeal_body(fresh_p);
	file(KEY_A, MERCHANT, idem1, body, &r);
	if (r.status != 202)
		fail_msg("appeal: %d %s", r.status, r.body);
	appeal = xstrdup(json_string_value(json_object_get(r.json,
	    "appeal_id")));
	first = xstrdup(r.body);
	testhttp_free(&r);
	file(KEY_A, MERCHANT, idem1, body, &r);
	assert_int_equal(r.status, 202);
	assert_string_equal(r.body, first);
	testhttp_free(&r);
	expect(KEY_A, idem2, body, 409, "appeal_exists", "penalty_id");
	free(body);
	view = wait_standing(has_appeal, appeal);
	json_decref(view);
	ev = wait_appeal_clock(fresh_c, CBODY(SLA_CLOCK_STARTED));
	assert_int_equal(change_of(ev)->clock, APPEAL_REVIEW);
	assert_int_equal(change_of(ev)->responsible_party,
	    CDP__V1__PARTY__PARTY_PLATFORM);
	assert_string_equal(change_of(ev)->reason, "appeal_filed");
	testenv_free_events(&ev, 1);
	body = appeal_body(fresh_p);
	expect(KEY_A, idem3, body, 409, "appeal_exists", "penalty_id");
	free(body);

	/* The decision: not the merchant's to take; an agent upholds it. */
	path = xasprintf("/v1/merchants/%s/appeals/%s/decision", MERCHANT,
	    appeal);
	body = xstrdup("{\"verdict\": \"upheld\", \"reason\": \"回复记录"
	    "证实商家按时回复\"}");
	intake_call(&intake, "POST", path, KEY_A, NULL, body, &r);
	assert_int_equal(r.status, 403);
	testhttp_free(&r);
	intake_call(&intake, "POST", path, KEY_B, NULL, body, &r);
	assert_int_equal(r.status, 404);
	testhttp_free(&r);
	intake_call(&intake, "POST", path, KEY_AGENT, NULL,
	    "{\"verdict\": \"maybe\", \"reason\": \"r\"}", &r);
	assert_int_equal(r.status, 400);
	testhttp_free(&r);
	intake_call(&intake, "POST", path, KEY_AGENT, idemd1, body, &r);
	if (r.status != 202)
		fail_msg("decision: %d %s", r.status, r.body);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "verdict")), "upheld");
	testhttp_free(&r);
	intake_call(&intake, "POST", path, KEY_AGENT, idemd2, body, &r);
	assert_int_equal(r.status, 409);
	testhttp_free(&r);

	ev = wait_appeal_clock(fresh_c, CBODY(SLA_CLOCK_STOPPED));
	assert_int_equal(change_of(ev)->clock, APPEAL_REVIEW);
	assert_int_equal(change_of(ev)->result,
	    CDP__V1__SLA_RESULT__SLA_RESULT_MET);
	testenv_free_events(&ev, 1);

	/* Reversed: the penalty and its points are gone, the appeal closed. */
	view = wait_standing(lacks_penalty, fresh_c);
	assert_false(has_appeal(view, appeal));
	assert_true(json_integer_value(json_object_get(view, "points")) <
	    points);
	assert_non_null(penalty_of(view, late_c));
	json_decref(view);

	/* Closed now: a decision again is still "decided", not "no appeal". */
	intake_call(&intake, "POST", path, KEY_AGENT, idemd3, body, &r);
	assert_int_equal(r.status, 409);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "error")), "appeal_decided");
	testhttp_free(&r);

	free(idem1);
	free(idem2);
	free(idem3);
	free(idemd1);
	free(idemd2);
	free(idemd3);
	free(path);
	free(body);
	free(appeal);
	free(first);
	free(late_c);
	free(fresh_c);
	free(late_p);
	free(fresh_p);
	(void)state;
}

/*
 * An appeal nobody decides: its appeal_review clock (12 s in the fast
 * policies) breaches, and the breach escalates to senior service.
 */
static void
test_appeal_review_breach(void **state)
{
	Cdp__V1__MerchantEvent	 mev = CDP__V1__MERCHANT_EVENT__INIT;
	Cdp__V1__AppealFiled	 a = CDP__V1__APPEAL_FILED__INIT;
	Cdp__V1__Actor		 who = CDP__V1__ACTOR__INIT;
	Cdp__V1__EventMeta	 meta;
	Cdp__V1__ComplaintEvent	*ev;
	struct meta_ids		 ids;
	char			*complaint = testenv_unique("C");
	char			*appeal = testenv_unique("A");
	uint8_t			*buf;
	size_t			 len;

	meta_fill(&meta, &ids, "intake", NULL, NULL);
	who.role = CDP__V1__ACTOR_ROLE__ACTOR_ROLE_MERCHANT;
	who.actor_id = "MAPL-B";
	a.appeal_id = appeal;
	a.appellant = &who;
	a.subject = CDP__V1__APPEAL_SUBJECT__APPEAL_SUBJECT_PENALTY;
	a.penalty_id = "P-none";
	a.complaint_id = complaint;
	a.text = "无人审核";
	mev.meta = &meta;
	mev.merchant_id = "MAPL-B";
	mev.body_case = CDP__V1__MERCHANT_EVENT__BODY_APPEAL_FILED;
	mev.appeal_filed = &a;
	buf = pb_pack(&mev.base, &len);
	testenv_produce("merchants.events", "MAPL-B", buf, len);
	free(buf);

	ev = wait_appeal_clock(complaint, CBODY(SLA_CLOCK_STARTED));
	assert_int_equal(change_of(ev)->clock, APPEAL_REVIEW);
	testenv_free_events(&ev, 1);
	ev = wait_appeal_clock(complaint, CBODY(SLA_BREACHED));
	assert_int_equal(ev->sla_breached->clock, APPEAL_REVIEW);
	assert_string_equal(ev->complaint_id, complaint);
	testenv_free_events(&ev, 1);
	ev = wait_appeal_clock(complaint, CBODY(ESCALATED));
	testenv_free_events(&ev, 1);
	free(complaint);
	free(appeal);
	(void)state;
}

static int
setup(void **state)
{
	penalty_start(&pen);
	slatimer_start(&slatimer);
	intake_start(&intake, "5000");
	(void)state;
	return 0;
}

static int
teardown(void **state)
{
	intake_stop(&intake);
	assert_int_equal(testproc_stop(pen.pid, 15000), 0);
	assert_int_equal(testproc_stop(slatimer.pid, 15000), 0);
	(void)state;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standing_and_appeals),
		cmocka_unit_test(test_appeal_review_breach),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
