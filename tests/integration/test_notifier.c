/*
 * notifier through its real inputs and outputs: events into the test
 * Kafka, signed webhooks out to receivers in this process (tests/lib/
 * testrecv.c, 127.0.0.1 only) that verify every delivery with the
 * merchants' verifier (sign_verify()) and fail or redirect on command,
 * NotificationSent/NotificationFailed and dead letters back out of Kafka,
 * the retry schedule in the test Redis across a SIGKILL, and a start-up
 * refused for plain http without NOTIFIER_ALLOW_LOOPBACK_HTTP.
 *
 * Other integration tests publish onto complaints.events before this one,
 * and the notifier reads the topic from its start, so every check looks
 * at this test's complaints only.
 */
/* cdp-test-sources: tests/lib/testrecv.c services/notifier/sign.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"
#include "meta.h"
#include "pb.h"
#include "testenv.h"
#include "testenv_redis.h"
#include "testproc.h"
#include "testrecv.h"
#include "xmalloc.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define CLK(x)		CDP__V1__SLA_CLOCK__SLA_CLOCK_##x
#define PROVIDER_SECRET	"provider-test-secret-0001"
#define PHONE		"13812345678"
#define EMAIL		"buyer@example.com"
#define LOGS_MAX	4
#define WAIT_MS		90000
#define SLOW_MS		8000	/* the slow merchant's answers take this */
#define RESTART_BACKOFF_MS	12000	/* first wait: 6 to 12 s */

/* The merchants of this test, each with its own receiver. */
enum { M1001, M_FLAKY, M_FAILING, M_SLOW, M_FAST, M_RESTART, NMERCHANTS };

static const char *const merchant_ids[NMERCHANTS] = {
	"M1001", "M9001", "M9002", "M9003", "M9004", "M9005",
};

static struct {
	struct testrecv	*recv[NMERCHANTS];
	struct testrecv	*provider;
	char		 merchants_file[128];
	char		*logs[LOGS_MAX];
	size_t		 nlogs;
	pid_t		 pid;
	int		 port;
} t;

static char *
secret_of(int m)
{
	return xasprintf("whsec-%s-test-secret", merchant_ids[m]);
}

static void
write_merchants(void)
{
	FILE	*f;
	char	*secret;
	int	 m;

	snprintf(t.merchants_file, sizeof(t.merchants_file),
	    "/tmp/cdp-notifier-merchants-%d.conf", (int)getpid());
	assert_non_null(f = fopen(t.merchants_file, "w"));
	for (m = 0; m < NMERCHANTS; m++) {
		secret = secret_of(m);
		fprintf(f, "[merchant %s]\nurl = http://127.0.0.1:%d/hook\n"
		    "secret = %s\nconcurrency = %d\nrate = 50\n\n",
		    merchant_ids[m], testrecv_port(t.recv[m]), secret,
		    m == M_SLOW ? 1 : 2);
		free(secret);
	}
	fclose(f);
}

/* Starts the daemon; backoff_ms is its first wait after a failure. */
static void
start(int backoff_ms)
{
	char	*listen, *admin, *merchants, *provider, *log, *base, *max;

	assert_true(t.nlogs < LOGS_MAX);
	t.port = testproc_free_port();	/* the admin port: /readyz */
	listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d", testproc_free_port());
	admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", t.port);
	merchants = xasprintf("NOTIFIER_MERCHANTS_FILE=%s", t.merchants_file);
	provider = xasprintf("NOTIFIER_PROVIDER_URL=http://127.0.0.1:%d/send",
	    testrecv_port(t.provider));
	base = xasprintf("NOTIFIER_BACKOFF_BASE_MS=%d", backoff_ms);
	max = xasprintf("NOTIFIER_BACKOFF_MAX_MS=%d", 2 * backoff_ms);
	log = xasprintf("/tmp/cdp-notifier-%d-%zu.log", (int)getpid(),
	    t.nlogs);
	t.logs[t.nlogs++] = log;
	{
		const char *env[] = { listen, admin, merchants, provider,
		    "NOTIFIER_PROVIDER_SECRET=" PROVIDER_SECRET,
		    "NOTIFIER_ALLOW_LOOPBACK_HTTP=true", "NOTIFIER_ATTEMPTS=3",
		    base, max, "NOTIFIER_TIMEOUT_MS=15000",
		    "INSTANCE_ID=notifier-test", "LOG_LEVEL=debug", NULL };

		t.pid = testproc_spawn_logged("notifier", env, log);
	}
	assert_true(testproc_wait_http(t.port, "/readyz", 200, 60000));
	free(listen);
	free(admin);
	free(merchants);
	free(provider);
	free(base);
	free(max);
}

static int
setup(void **state)
{
	char	*secret;
	int	 m;

	for (m = 0; m < NMERCHANTS; m++) {
		secret = secret_of(m);
		t.recv[m] = testrecv_start(secret);
		free(secret);
	}
	t.provider = testrecv_start(PROVIDER_SECRET);
	write_merchants();
	start(2000);
	return 0;
}

static int
teardown(void **state)
{
	size_t	i;
	int	m;

	testproc_keep_metrics("notifier", t.port);
	testproc_stop(t.pid, 15000);
	for (m = 0; m < NMERCHANTS; m++)
		testrecv_stop(t.recv[m]);
	testrecv_stop(t.provider);
	unlink(t.merchants_file);
	for (i = 0; i < t.nlogs; i++) {
		unlink(t.logs[i]);
		free(t.logs[i]);
	}
	return 0;
}

static bool	file_contains(const char *path, const char *needle);

/* Produces a complaint event as its producer would; returns its id. */
static void
send_complaint(Cdp__V1__ComplaintEvent *ev, const char *id, int m,
    char event_id[META_ID_LEN + 1])
{
	Cdp__V1__EventMeta	meta;
	struct meta_ids		ids;

	meta_fill(&meta, &ids, "sla-timer", NULL, NULL);
	ev->meta = &meta;
	ev->complaint_id = (char *)id;
	ev->merchant_id = (char *)merchant_ids[m];
	testenv_produce_event(ev);
	if (event_id != NULL)
		snprintf(event_id, META_ID_LEN + 1, "%s", ids.event_id);
}

/* The merchant's evidence request: its response clock started. */
static int64_t
request_evidence(const char *id, int m, char event_id[META_ID_LEN + 1])
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__SlaClockChange	c = CDP__V1__SLA_CLOCK_CHANGE__INIT;

	c.clock = CLK(MERCHANT_RESPONSE);
	c.cycle = 1;
	c.due_ms = meta_now_ms() + 48 * 3600 * 1000LL;
	c.responsible_party = CDP__V1__PARTY__PARTY_MERCHANT;
	c.policy = "merchant_response";
	ev.body_case = BODY(SLA_CLOCK_STARTED);
	ev.sla_clock_started = &c;
	send_complaint(&ev, id, m, event_id);
	return c.due_ms;
}

/* The requests a receiver got for one complaint (bodies parsed). */
static size_t
requests_for(struct testrecv *r, const char *complaint_id,
    struct testrecv_req *out, json_t **bodies, size_t max)
{
	struct testrecv_req	q;
	json_t			*o;
	size_t			 i, n = 0;

	for (i = 0; testrecv_get(r, i, &q); i++) {
		/* Every delivery passes the merchants' verifier, once. */
		if (!q.signature_ok)
			fail_msg("request %zu: %s", i,
			    sign_verdict_name(q.verdict));
		o = json_loads(q.body, 0, NULL);
		if (o != NULL && n < max && strcmp(json_string_value(
		    json_object_get(o, "complaint_id")) ?: "", complaint_id)
		    == 0) {
			out[n] = q;
			bodies[n++] = o;
			continue;
		}
		json_decref(o);
		testrecv_req_free(&q);
	}
	return n;
}

static void
requests_free(struct testrecv_req *q, json_t **bodies, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		testrecv_req_free(&q[i]);
		json_decref(bodies[i]);
	}
}

/* Waits until a receiver got want requests for a complaint. */
static size_t
wait_requests(struct testrecv *r, const char *complaint_id, size_t want,
    int timeout_ms, struct testrecv_req *out, json_t **bodies, size_t max)
{
	int64_t	deadline = meta_now_ms() + timeout_ms;
	size_t	n;

	for (;;) {
		n = requests_for(r, complaint_id, out, bodies, max);
		if (n >= want || meta_now_ms() > deadline)
			return n;
		requests_free(out, bodies, n);
		usleep(50000);
	}
}

static const char *
jstr(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void
test_new_complaint_reaches_merchant_signed_with_deadline(void **state)
{
	char			*id = testenv_unique("CN"), ev_id[META_ID_LEN + 1];
	char			 want_id[META_ID_LEN + 1];
	struct testrecv_req	 q[4];
	json_t			*b[4];
	Cdp__V1__ComplaintEvent	*sent[4];
	int64_t			 due;
	size_t			 n;

	due = request_evidence(id, M1001, ev_id);
	n = wait_requests(t.recv[M1001], id, 1, WAIT_MS, q, b, 4);
	assert_int_equal(n, 1);
	assert_true(q[0].signature_ok);
	meta_derive_id(ev_id, "notification/1/M1001/merchant_evidence_request",
	    want_id);
	assert_string_equal(jstr(b[0], "notification_id"), want_id);
	assert_string_equal(jstr(b[0], "event"), "sla_clock_started");
	assert_string_equal(jstr(b[0], "template"), "merchant_evidence_request");
	assert_int_equal(json_integer_value(json_object_get(b[0],
	    "deadline_ms")), due);
	assert_non_null(strstr(jstr(b[0], "text"), id));
	assert_int_equal(strlen(jstr(b[0], "deadline")), 20);
	requests_free(q, b, n);

	n = testenv_wait_events(id, BODY(NOTIFICATION_SENT), 1, WAIT_MS, sent,
	    4);
	assert_int_equal(n, 1);
	assert_string_equal(sent[0]->meta->cause_id, ev_id);
	assert_string_equal(sent[0]->notification_sent->recipient_id, "M1001");
	assert_int_equal(sent[0]->notification_sent->attempt, 1);
	assert_int_equal(sent[0]->notification_sent->channel,
	    CDP__V1__NOTIFY_CHANNEL__NOTIFY_CHANNEL_WEBHOOK);
	testenv_free_events(sent, n);
	free(id);
}

static void
test_flaky_receiver_gets_it_once_after_two_retries(void **state)
{
	char			*id = testenv_unique("CF");
	struct testrecv_req	 q[8];
	json_t			*b[8];
	Cdp__V1__ComplaintEvent	*evs[8];
	size_t			 n, i;

	testrecv_script(t.recv[M_FLAKY], 2, 503, 0);
	request_evidence(id, M_FLAKY, NULL);
	n = testenv_wait_events(id, BODY(NOTIFICATION_SENT), 1, WAIT_MS, evs,
	    8);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0]->notification_sent->attempt, 3);
	testenv_free_events(evs, n);
	sleep(3);	/* a duplicate would have come by now */
	n = requests_for(t.recv[M_FLAKY], id, q, b, 8);
	assert_int_equal(n, 3);
	assert_int_equal(q[0].status, 503);
	assert_int_equal(q[1].status, 503);
	assert_int_equal(q[2].status, 200);
	for (i = 0; i < n; i++) {
		assert_true(q[i].signature_ok);
		assert_string_equal(q[i].body, q[0].body);
	}
	/* Backoff: the retries were spaced by at least half the base. */
	assert_true(q[1].at_ms - q[0].at_ms >= 1000);
	assert_true(q[2].at_ms - q[1].at_ms >= 1000);
	requests_free(q, b, n);
	n = testenv_wait_events(id, BODY(NOTIFICATION_FAILED), 2, WAIT_MS, evs,
	    8);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		assert_true(evs[i]->notification_failed->next_attempt_ms > 0);
	testenv_free_events(evs, n);
	free(id);
}

/* The complaint's dead letters, once there is one (it follows the event). */
static size_t
wait_dead_letters(const char *id, struct testenv_record **dl)
{
	int64_t	deadline = meta_now_ms() + WAIT_MS;
	size_t	n;

	while ((n = testenv_read_key("dlq.notifier", id, 10000, dl)) == 0 &&
	    meta_now_ms() < deadline) {
		testenv_records_free(*dl, n);
		usleep(200000);
	}
	return n;
}

static void
test_failing_receiver_gives_up_with_dead_letter(void **state)
{
	char			*id = testenv_unique("CX");
	struct testrecv_req	 q[8];
	json_t			*b[8];
	Cdp__V1__ComplaintEvent	*evs[8];
	struct testenv_record	*dl;
	size_t			 n, i;

	testrecv_script(t.recv[M_FAILING], 1000, 500, 0);
	request_evidence(id, M_FAILING, NULL);
	n = testenv_wait_events(id, BODY(NOTIFICATION_FAILED), 3, WAIT_MS, evs,
	    8);
	assert_int_equal(n, 3);
	for (i = 0; i < n && evs[i]->notification_failed->next_attempt_ms != 0;
	    i++)
		;
	assert_int_equal(i, 2);		/* the third is the last */
	assert_string_equal(evs[2]->notification_failed->error, "HTTP 500");
	testenv_free_events(evs, n);
	n = wait_dead_letters(id, &dl);
	assert_int_equal(n, 1);
	assert_string_equal(testenv_header(&dl[0], "dlq.reason"), "HTTP 500");
	testenv_records_free(dl, n);
	sleep(2);
	n = requests_for(t.recv[M_FAILING], id, q, b, 8);
	assert_int_equal(n, 3);
	requests_free(q, b, n);
	assert_int_equal(testenv_wait_events(id, BODY(NOTIFICATION_SENT), 0, 0,
	    evs, 8), 0);
	free(id);
}

static void
test_client_error_fails_at_once(void **state)
{
	char			*id = testenv_unique("C4");
	struct testrecv_req	 q[4];
	json_t			*b[4];
	Cdp__V1__ComplaintEvent	*evs[4];
	size_t			 n;

	testrecv_script(t.recv[M_FAILING], 1000, 400, 0);
	request_evidence(id, M_FAILING, NULL);
	n = testenv_wait_events(id, BODY(NOTIFICATION_FAILED), 1, WAIT_MS, evs,
	    4);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0]->notification_failed->next_attempt_ms, 0);
	assert_int_equal(evs[0]->notification_failed->attempt, 1);
	testenv_free_events(evs, n);
	sleep(3);
	n = requests_for(t.recv[M_FAILING], id, q, b, 4);
	assert_int_equal(n, 1);
	requests_free(q, b, n);
	free(id);
}

/*
 * A 3xx is an answer like any other 4xx-or-worse that is not retried: the
 * notification fails at once, and the Location, here another merchant's
 * receiver, is never called.
 */
static void
test_redirect_is_not_followed(void **state)
{
	char			*id = testenv_unique("CR"), *elsewhere;
	struct testrecv_req	 q[4];
	json_t			*b[4];
	Cdp__V1__ComplaintEvent	*evs[4];
	size_t			 n;

	elsewhere = xasprintf("http://127.0.0.1:%d/hook",
	    testrecv_port(t.recv[M1001]));
	testrecv_location(t.recv[M_FAILING], elsewhere);
	testrecv_script(t.recv[M_FAILING], 1000, 302, 0);
	request_evidence(id, M_FAILING, NULL);
	n = testenv_wait_events(id, BODY(NOTIFICATION_FAILED), 1, WAIT_MS, evs,
	    4);
	assert_int_equal(n, 1);
	assert_string_equal(evs[0]->notification_failed->error, "HTTP 302");
	assert_int_equal(evs[0]->notification_failed->next_attempt_ms, 0);
	testenv_free_events(evs, n);
	sleep(3);
	n = requests_for(t.recv[M_FAILING], id, q, b, 4);
	assert_int_equal(n, 1);
	assert_int_equal(q[0].status, 302);
	requests_free(q, b, n);
	assert_int_equal(requests_for(t.recv[M1001], id, q, b, 4), 0);
	testrecv_location(t.recv[M_FAILING], NULL);
	free(elsewhere);
	free(id);
}

/*
 * Without NOTIFIER_ALLOW_LOOPBACK_HTTP, the merchants file of this test
 * (plain http to 127.0.0.1) stops the daemon at start-up, saying why.
 */
static void
test_plain_http_refused_without_the_dev_flag(void **state)
{
	char	*merchants, *log, *listen, *admin;
	int	 rc;

	merchants = xasprintf("NOTIFIER_MERCHANTS_FILE=%s", t.merchants_file);
	listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d", testproc_free_port());
	admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", testproc_free_port());
	log = xasprintf("/tmp/cdp-notifier-%d-nohttp.log", (int)getpid());
	{
		const char *env[] = { merchants,
		    "NOTIFIER_PROVIDER_URL=https://sms.example.com/send",
		    "NOTIFIER_PROVIDER_SECRET=" PROVIDER_SECRET,
		    "NOTIFIER_ALLOW_LOOPBACK_HTTP=false",
		    listen, admin, NULL };

		rc = testproc_run("notifier", env, log, 30000);
	}
	assert_int_not_equal(rc, 0);
	assert_int_not_equal(rc, -1);	/* exited, not timed out */
	assert_true(file_contains(log, "plain http is not allowed"));
	unlink(log);
	free(log);
	free(listen);
	free(admin);
	free(merchants);
}

static void
test_slow_merchant_does_not_delay_another(void **state)
{
	char			*slow[3], *fast = testenv_unique("CQ");
	struct testrecv_req	 q[4];
	json_t			*b[4];
	int64_t			 sent_at;
	size_t			 i, n, before;

	before = testrecv_count(t.recv[M_SLOW]);
	testrecv_script(t.recv[M_SLOW], 0, 200, SLOW_MS);
	for (i = 0; i < 3; i++) {
		slow[i] = testenv_unique("CS");
		request_evidence(slow[i], M_SLOW, NULL);
	}
	/* The slow merchant is busy with its first (concurrency 1). */
	assert_int_equal(testrecv_wait(t.recv[M_SLOW], before + 1, WAIT_MS),
	    before + 1);
	sent_at = meta_now_ms();
	request_evidence(fast, M_FAST, NULL);
	n = wait_requests(t.recv[M_FAST], fast, 1, 15000, q, b, 4);
	assert_int_equal(n, 1);
	print_message("fast merchant served %lld ms after its event\n",
	    (long long)(q[0].at_ms - sent_at));
	assert_true(q[0].at_ms - sent_at < SLOW_MS - 2000);
	/* Meanwhile the slow one has not got past its first. */
	assert_int_equal(testrecv_count(t.recv[M_SLOW]), before + 1);
	requests_free(q, b, n);
	for (i = 0; i < 3; i++) {
		assert_int_equal(wait_requests(t.recv[M_SLOW], slow[i], 1,
		    WAIT_MS, q, b, 4), 1);
		requests_free(q, b, 1);
		free(slow[i]);
	}
	testrecv_script(t.recv[M_SLOW], 0, 200, 0);
	free(fast);
}

static void
test_customer_gets_coupon_after_first_contact_breach(void **state)
{
	char			*id = testenv_unique("CC");
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Filed		 f = CDP__V1__FILED__INIT;
	Cdp__V1__Complainant	 who = CDP__V1__COMPLAINANT__INIT;
	Cdp__V1__CompensationIssued ci = CDP__V1__COMPENSATION_ISSUED__INIT;
	struct testrecv_req	 q[4];
	json_t			*b[4];
	size_t			 n, i;

	who.user_id = "U100";
	who.phone = PHONE;
	who.email = EMAIL;
	f.complainant = &who;
	f.first_contact_due_ms = meta_now_ms() + 15 * 60000;
	ev.body_case = BODY(FILED);
	ev.filed = &f;
	send_complaint(&ev, id, M1001, NULL);
	ci.coupon_id = "CP-TEST-1";
	ci.amount_fen = 1000;
	ci.clock = CLK(FIRST_CONTACT);
	ci.cycle = 1;
	ev.body_case = BODY(COMPENSATION_ISSUED);
	ev.compensation_issued = &ci;
	send_complaint(&ev, id, M1001, NULL);

	n = wait_requests(t.provider, id, 2, WAIT_MS, q, b, 4);
	assert_int_equal(n, 2);
	for (i = 0; i < n && strcmp(jstr(b[i], "template"), "customer_coupon");
	    i++)
		;
	assert_true(i < n);
	assert_true(q[i].signature_ok);
	assert_string_equal(jstr(b[i], "channel"), "sms");
	assert_string_equal(jstr(b[i], "to"), PHONE);
	assert_string_equal(jstr(b[i], "recipient_id"), "U100");
	assert_non_null(strstr(jstr(b[i], "text"), "10.00"));
	assert_non_null(strstr(jstr(b[i], "text"), "CP-TEST-1"));
	requests_free(q, b, n);
	free(id);
}

/*
 * When the notification id is due again, from the schedule in Redis; 0 if
 * not scheduled. The schedule is on the entry of the partition the event
 * landed on (ntf:{c<p>} or {m<p>}, the hash tag of its keys), whichever
 * entry that is, and on no other.
 */
static int64_t
scheduled_at(const char *id)
{
	char		*pattern = xasprintf("ntf:{*}:job:%s", id);
	char		*job = testenv_redis_find(pattern), *due;
	long long	 at = 0;

	if (job != NULL) {
		due = xasprintf("%.*s:due", (int)(strstr(job, "}:job:") + 1 -
		    job), job);
		at = testenv_redis_int(testenv_entry_of_key(job),
		    "ZSCORE %s %s", due, id);
		free(due);
		free(job);
	}
	free(pattern);
	return at > 0 ? at : 0;
}

static void
test_kill_during_backoff_still_delivers_once(void **state)
{
	char			*id = testenv_unique("CK"), ev_id[META_ID_LEN + 1];
	char			 nid[META_ID_LEN + 1];
	struct testrecv_req	 q[4];
	json_t			*b[4];
	Cdp__V1__ComplaintEvent	*evs[4];
	int64_t			 at;
	size_t			 n;

	/* A long backoff, so the kill surely falls within it. */
	assert_int_equal(testproc_stop(t.pid, 15000), 0);
	start(RESTART_BACKOFF_MS);
	testrecv_script(t.recv[M_RESTART], 1, 503, 0);
	request_evidence(id, M_RESTART, ev_id);
	meta_derive_id(ev_id, "notification/1/M9005/merchant_evidence_request",
	    nid);
	/* The failure is announced after the retry is in Redis. */
	n = testenv_wait_events(id, BODY(NOTIFICATION_FAILED), 1, WAIT_MS, evs,
	    4);
	assert_int_equal(n, 1);
	testenv_free_events(evs, n);
	testproc_kill(t.pid);
	at = scheduled_at(nid);
	print_message("killed %lld ms before the retry\n",
	    (long long)(at - meta_now_ms()));
	assert_true(at > meta_now_ms());	/* in backoff, kept in Redis */
	assert_int_equal(testrecv_count(t.recv[M_RESTART]) > 0, 1);
	start(RESTART_BACKOFF_MS);
	n = testenv_wait_events(id, BODY(NOTIFICATION_SENT), 1, WAIT_MS, evs,
	    4);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0]->notification_sent->attempt, 2);
	testenv_free_events(evs, n);
	sleep(3);
	n = requests_for(t.recv[M_RESTART], id, q, b, 4);
	assert_int_equal(n, 2);
	assert_int_equal(q[0].status, 503);
	assert_int_equal(q[1].status, 200);
	assert_true(q[1].at_ms >= at - 50);	/* not before its time */
	assert_string_equal(jstr(b[0], "notification_id"), nid);
	assert_string_equal(jstr(b[1], "notification_id"), nid);
	assert_int_equal(scheduled_at(nid), 0);	/* done: off the schedule */
	requests_free(q, b, n);
	free(id);
}

static bool
file_contains(const char *path, const char *needle)
{
	FILE	*f = fopen(path, "r");
	char	 line[8192];
	bool	 found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/*
 * A penalty reason that is not UTF-8 (merchants.events is open to other
 * producers) breaks protobuf's rule for strings: the decoder refuses the
 * event (common/events.c) and it goes to dlq.notifier with the reason,
 * nothing is sent to the merchant, and the notifier moves on.
 */
static void
test_invalid_utf8_goes_to_dead_letters(void **state)
{
	char			*id = testenv_unique("CU");
	Cdp__V1__MerchantEvent	 ev = CDP__V1__MERCHANT_EVENT__INIT;
	Cdp__V1__PenaltyApplied	 pa = CDP__V1__PENALTY_APPLIED__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	struct testenv_record	*dl;
	struct testrecv_req	 q[4];
	json_t			*b[4];
	uint8_t			*buf;
	size_t			 len, n;

	meta_fill(&meta, &ids, "penalty", NULL, NULL);
	pa.penalty_id = "P-TEST-UTF8";
	pa.step = CDP__V1__PENALTY_STEP__PENALTY_STEP_WARNING;
	pa.reason = "超时\xe6\xac未处理\xff";
	pa.complaint_id = id;
	pa.appeal_deadline_ms = meta_now_ms() + 7 * 86400000LL;
	ev.meta = &meta;
	ev.merchant_id = "M1001";
	ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_PENALTY_APPLIED;
	ev.penalty_applied = &pa;
	buf = pb_pack(&ev.base, &len);
	testenv_produce("merchants.events", id, buf, len);
	free(buf);
	assert_int_equal(n = wait_dead_letters(id, &dl), 1);
	assert_non_null(strstr(testenv_header(&dl[0], "dlq.reason"),
	    "not UTF-8"));
	testenv_records_free(dl, n);
	assert_int_equal(wait_requests(t.recv[M1001], id, 1, 2000, q, b, 4),
	    0);
	free(id);
}

static void
test_no_phone_or_email_unmasked_to_merchants_or_logs(void **state)
{
	char			*id = testenv_unique("CP"), *reason;
	Cdp__V1__MerchantEvent	 ev = CDP__V1__MERCHANT_EVENT__INIT;
	Cdp__V1__PenaltyApplied	 pa = CDP__V1__PENALTY_APPLIED__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	struct testrecv_req	 q[4], all;
	json_t			*b[4];
	uint8_t			*buf;
	size_t			 len, n, i;
	int			 m;

	reason = xasprintf("客户 %s / %s 投诉未处理", PHONE, EMAIL);
	meta_fill(&meta, &ids, "penalty", NULL, NULL);
	pa.penalty_id = "P-TEST-1";
	pa.step = CDP__V1__PENALTY_STEP__PENALTY_STEP_WARNING;
	pa.reason = reason;
	pa.complaint_id = id;
	pa.appeal_deadline_ms = meta_now_ms() + 7 * 86400000LL;
	ev.meta = &meta;
	ev.merchant_id = "M1001";
	ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_PENALTY_APPLIED;
	ev.penalty_applied = &pa;
	buf = pb_pack(&ev.base, &len);
	testenv_produce("merchants.events", "M1001", buf, len);
	free(buf);
	n = wait_requests(t.recv[M1001], id, 1, WAIT_MS, q, b, 4);
	assert_int_equal(n, 1);
	assert_string_equal(jstr(b[0], "template"), "merchant_penalty");
	assert_non_null(strstr(jstr(b[0], "text"), "138****5678"));
	requests_free(q, b, n);
	/* No merchant payload of this whole run, and no log line. */
	for (m = 0; m < NMERCHANTS; m++)
		for (i = 0; testrecv_get(t.recv[m], i, &all); i++) {
			assert_null(strstr(all.body, PHONE));
			assert_null(strstr(all.body, EMAIL));
			testrecv_req_free(&all);
		}
	for (i = 0; i < t.nlogs; i++) {
		assert_false(file_contains(t.logs[i], PHONE));
		assert_false(file_contains(t.logs[i], EMAIL));
		assert_true(file_contains(t.logs[i], "notification"));
	}
	free(reason);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(
		    test_new_complaint_reaches_merchant_signed_with_deadline),
		cmocka_unit_test(
		    test_flaky_receiver_gets_it_once_after_two_retries),
		cmocka_unit_test(test_failing_receiver_gives_up_with_dead_letter),
		cmocka_unit_test(test_client_error_fails_at_once),
		cmocka_unit_test(test_redirect_is_not_followed),
		cmocka_unit_test(test_plain_http_refused_without_the_dev_flag),
		cmocka_unit_test(test_slow_merchant_does_not_delay_another),
		cmocka_unit_test(
		    test_customer_gets_coupon_after_first_contact_breach),
		cmocka_unit_test(test_kill_during_backoff_still_delivers_once),
		cmocka_unit_test(test_invalid_utf8_goes_to_dead_letters),
		cmocka_unit_test(
		    test_no_phone_or_email_unmasked_to_merchants_or_logs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
