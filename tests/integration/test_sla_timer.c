/*
 * sla-timer through its real inputs and outputs, with a seconds-scale
 * policy: Classified and action events into the test Kafka; clock changes,
 * warnings, breaches, coupons and escalations out of it, each once, on
 * time, across a SIGKILL, an emptied Redis and two instances.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>


#include "cdp/v1/complaint.pb-c.h"
#include "intake_harness.h"
#include "log.h"
#include "meta.h"
#include "testenv.h"
#include "testenv_redis.h"
#include "testhttp.h"
#include "testproc.h"
#include "xmalloc.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define POLICY_FILE	"/tmp/cdp-sla-test-policies.conf"
#define FIRST_CONTACT_MS	3000	/* as in the policy below */

struct daemon {
	pid_t	pid;
	int	port;
	int	admin_port;	/* /readyz and /metrics (ADMIN_LISTEN) */
};

static const char *const test_policy =
#include "sla_test_policy.inc"
;

static void
write_policy(void)
{
	FILE	*f = fopen(POLICY_FILE, "w");

	assert_non_null(f);
	fputs(test_policy, f);
	fclose(f);
}

/* Starts the daemon with up to two more settings, ready or not. */
static void
spawn(struct daemon *d, const char *instance, const char *policy,
    const char *arg, const char *more1, const char *more2)
{
	char	*listen, *admin, *id, *pol;

	d->port = testproc_free_port();
	d->admin_port = testproc_free_port();
	listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d", d->port);
	admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", d->admin_port);
	id = xasprintf("INSTANCE_ID=%s", instance);
	pol = xasprintf("SLA_POLICY_FILE=%s", policy);
	{
		const char *env[] = { listen, admin, id, "LOG_LEVEL=warn", pol,
		    more1, more2, NULL };

		d->pid = testproc_spawn_arg("sla-timer", env, arg);
	}
	assert_true(testproc_wait_http(d->port, "/healthz", 200, 30000));
	free(listen);
	free(admin);
	free(id);
	free(pol);
}

static void
start_with(struct daemon *d, const char *instance, const char *policy,
    const char *arg)
{
	spawn(d, instance, policy, arg, NULL, NULL);
	assert_true(testproc_wait_http(d->admin_port, "/readyz", 200, 60000));
}

static void	wait_caught_up(const struct daemon *d);

/*
 * A daemon with the test policy, ready and caught up with the log, so
 * that what a test sends next is fired on time: the first one started in
 * a Kafka the tests before have filled (CI runs every integration test
 * before this one) first reads all of it, and fires nothing meanwhile.
 */
static void
start(struct daemon *d, const char *instance)
{
	start_with(d, instance, POLICY_FILE, NULL);
	wait_caught_up(d);
}

static void
stop(struct daemon *d)
{
	assert_int_equal(testproc_stop(d->pid, 15000), 0);
}

/* Produces ev for complaint id as producer would; returns when it is. */
static int64_t
send_event(Cdp__V1__ComplaintEvent *ev, const char *id, const char *producer)
{
	Cdp__V1__EventMeta	meta;
	struct meta_ids		ids;

	meta_fill(&meta, &ids, producer, NULL, NULL);
	ev->meta = &meta;
	ev->complaint_id = (char *)id;
	ev->merchant_id = "M1001";
	testenv_produce_event(ev);
	return meta.occurred_at_ms;
}

/* The classifier's verdict on a new complaint: its clocks start here. */
static void
classify(const char *id, Cdp__V1__Severity severity, int64_t *at)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Classified	cl = CDP__V1__CLASSIFIED__INIT;

	cl.category = CDP__V1__CATEGORY__CATEGORY_PRODUCT;
	cl.severity = severity;
	ev.body_case = BODY(CLASSIFIED);
	ev.classified = &cl;
	*at = send_event(&ev, id, "classifier");
}

static void
act(const char *id, Cdp__V1__Action action)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__ActionRecorded	rec = CDP__V1__ACTION_RECORDED__INIT;

	rec.action = action;
	ev.body_case = BODY(ACTION_RECORDED);
	ev.action_recorded = &rec;
	send_event(&ev, id, "intake");
}

/* How many events of a body case a complaint has now. */
static size_t
count(const char *id, int body)
{
	Cdp__V1__ComplaintEvent	*evs[16];
	size_t			 n;

	n = testenv_wait_events(id, body, 0, 0, evs, 16);
	testenv_free_events(evs, n);
	return n;
}

/* Waits until the daemon has started the complaint's clocks. */
static void
wait_started(const char *id)
{
	Cdp__V1__ComplaintEvent	*evs[8];
	size_t			 n;

	n = testenv_wait_events(id, BODY(SLA_CLOCK_STARTED), 1, 10000, evs, 8);
	assert_true(n >= 1);
	testenv_free_events(evs, n);
}

/*
 * Waits for the first-contact breach of a complaint and checks that it
 * came within a second of its due time, confirmed by the broker.
 */
static void
expect_breach(const char *id, int64_t classified_at, bool on_time)
{
	Cdp__V1__ComplaintEvent	*evs[4];
	size_t			 n;
	int64_t			 due, lag;

	n = testenv_wait_events(id, BODY(SLA_BREACHED), 1, 30000, evs, 4);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0]->sla_breached->clock,
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT);
	due = evs[0]->sla_breached->due_ms;
	lag = evs[0]->meta->occurred_at_ms - due;
	print_message("%s: breach %lld ms after due\n", id, (long long)lag);
	assert_true(due >= classified_at + FIRST_CONTACT_MS - 5);
	assert_true(lag >= 0);
	if (on_time)
		assert_true(lag < 1000);
	testenv_free_events(evs, n);
}

static void
test_no_first_contact_warns_breaches_compensates_escalates_once(void **state)
{
	struct daemon	 d;
	char		*id = testenv_unique("CS");
	int64_t		 at;

	start(&d, "sla-1");
	classify(id, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	expect_breach(id, at, true);
	sleep(2);	/* anything doubled would be there by now */
	assert_int_equal(count(id, BODY(SLA_WARNING)), 1);
	assert_int_equal(count(id, BODY(SLA_BREACHED)), 1);
	assert_int_equal(count(id, BODY(COMPENSATION_ISSUED)), 1);
	assert_int_equal(count(id, BODY(ESCALATED)), 1);
	assert_true(count(id, BODY(SLA_CLOCK_STARTED)) >= 1);
	stop(&d);
	free(id);
}

static void
test_first_contact_in_time_stops_the_clock(void **state)
{
	struct daemon	 d;
	char		*id = testenv_unique("CS");
	int64_t		 at;

	start(&d, "sla-1");
	classify(id, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	act(id, CDP__V1__ACTION__ACTION_FIRST_CONTACT);
	sleep(FIRST_CONTACT_MS / 1000 + 3);
	assert_true(count(id, BODY(SLA_CLOCK_STOPPED)) >= 1);
	assert_int_equal(count(id, BODY(SLA_BREACHED)), 0);
	assert_int_equal(count(id, BODY(COMPENSATION_ISSUED)), 0);
	stop(&d);
	free(id);
}

/*
 * A clock paused while waiting on the customer does not breach; resumed, it
 * breaches once, with its due time moved by the time it was paused.
 */
static void
test_waiting_on_the_customer_holds_the_clock(void **state)
{
	Cdp__V1__ComplaintEvent	*evs[4];
	struct daemon		 d;
	char			*id = testenv_unique("CS");
	int64_t			 at, paused_for;
	size_t			 n;

	start(&d, "sla-1");
	classify(id, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	act(id, CDP__V1__ACTION__ACTION_CUSTOMER_INFO_REQUESTED);
	sleep(FIRST_CONTACT_MS / 1000 + 2);
	assert_true(count(id, BODY(SLA_CLOCK_PAUSED)) >= 1);
	assert_int_equal(count(id, BODY(SLA_BREACHED)), 0);
	paused_for = meta_now_ms() - at;
	act(id, CDP__V1__ACTION__ACTION_CUSTOMER_INFO_PROVIDED);
	n = testenv_wait_events(id, BODY(SLA_BREACHED), 1, 30000, evs, 4);
	assert_int_equal(n, 1);
	assert_true(evs[0]->sla_breached->due_ms >=
	    at + FIRST_CONTACT_MS + paused_for - 1000);
	testenv_free_events(evs, n);
	stop(&d);
	free(id);
}

/*
 * A clock keeps the policy it started under when a later classification is
 * less urgent, and its breach sets off that policy's actions (the urgent
 * coupon and escalation), not those of the complaint's current severity.
 */
static void
test_breach_actions_come_from_the_clocks_policy(void **state)
{
	Cdp__V1__ComplaintEvent	*evs[4];
	struct daemon		 d;
	char			*id = testenv_unique("CS");
	int64_t			 at, later;
	size_t			 n;

	start(&d, "sla-1");
	classify(id, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	wait_started(id);
	classify(id, CDP__V1__SEVERITY__SEVERITY_NORMAL, &later);
	n = testenv_wait_events(id, BODY(SLA_BREACHED), 1, 30000, evs, 4);
	assert_int_equal(n, 1);
	assert_string_equal(evs[0]->sla_breached->policy,
	    "first_contact.urgent");
	assert_int_equal(evs[0]->sla_breached->actions->coupon_fen, 1000);
	assert_true(evs[0]->sla_breached->actions->escalate);
	testenv_free_events(evs, n);
	n = testenv_wait_events(id, BODY(COMPENSATION_ISSUED), 1, 10000, evs,
	    4);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0]->compensation_issued->amount_fen, 1000);
	testenv_free_events(evs, n);
	n = testenv_wait_events(id, BODY(ESCALATED), 1, 10000, evs, 4);
	assert_int_equal(n, 1);
	testenv_free_events(evs, n);
	stop(&d);
	free(id);
}

/* SIGKILL before the due time, restart after it: the breach fires once. */
static void
test_killed_before_due_fires_once_after_restart(void **state)
{
	struct daemon	 d;
	char		*id = testenv_unique("CS");
	int64_t		 at;

	start(&d, "sla-1");
	classify(id, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	wait_started(id);
	sleep(1);
	testproc_kill(d.pid);
	sleep(FIRST_CONTACT_MS / 1000 + 1);
	start(&d, "sla-1");
	expect_breach(id, at, false);
	sleep(2);
	assert_int_equal(count(id, BODY(SLA_BREACHED)), 1);
	assert_int_equal(count(id, BODY(COMPENSATION_ISSUED)), 1);
	stop(&d);
	free(id);
}

/*
 * Redis emptied while the daemon is down: it rebuilds the clocks from the
 * log, fires what fell due meanwhile once, and fires nothing again that
 * had fired before.
 */
static void
test_flushall_rebuilds_from_kafka_and_fires_once(void **state)
{
	struct daemon	 d;
	char		*before = testenv_unique("CS"), *id = testenv_unique("CS");
	int64_t		 at;

	start(&d, "sla-1");
	classify(before, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	expect_breach(before, at, true);
	classify(id, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	sleep(1);
	stop(&d);
	testenv_redis_flushall();
	sleep(FIRST_CONTACT_MS / 1000 + 1);
	start(&d, "sla-1");
	expect_breach(id, at, false);
	sleep(2);
	assert_int_equal(count(id, BODY(SLA_BREACHED)), 1);
	assert_int_equal(count(before, BODY(SLA_BREACHED)), 1);
	stop(&d);
	free(before);
	free(id);
}

/* A sample's value from the daemon's /metrics, 0 when absent. */
static double
metric(const struct daemon *d, const char *sample)
{
	struct testhttp_response	 r;
	const char			*at;
	double				 v = 0;

	assert_int_equal(testhttp_request(d->admin_port, "GET", "/metrics", NULL,
	    NULL, &r), 0);
	if ((at = strstr(r.body, sample)) != NULL)
		v = strtod(at + strlen(sample), NULL);
	testhttp_free(&r);
	return v;
}

/*
 * Redis emptied under the running daemon: the partition's missing epoch is
 * noticed, the clocks are rebuilt from the log, and an open clock still
 * breaches, once; a breach that fired before the flush does not fire again.
 */
static void
test_flushall_while_running_rebuilds_and_fires_once(void **state)
{
	struct daemon	 d;
	char		*before = testenv_unique("CS"), *id = testenv_unique("CS");
	int64_t		 at;
	size_t		 started;

	start(&d, "sla-1");
	classify(before, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	expect_breach(before, at, true);
	classify(id, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	wait_started(id);
	started = count(id, BODY(SLA_CLOCK_STARTED));
	testenv_redis_flushall();
	expect_breach(id, at, false);
	sleep(2);
	assert_int_equal(count(id, BODY(SLA_BREACHED)), 1);
	assert_int_equal(count(id, BODY(COMPENSATION_ISSUED)), 1);
	assert_int_equal(count(before, BODY(SLA_BREACHED)), 1);
	/* The rebuild announced no clock change a second time. */
	assert_int_equal(count(id, BODY(SLA_CLOCK_STARTED)), started);
	assert_true(metric(&d, "\nsla_replay_changes_skipped_total ") >= started);
	stop(&d);
	free(before);
	free(id);
}

#define CONSUMED	"kafka_consumed_total{group=\"sla-timer\"} "
#define FILLERS		20

/* Records on the sla-timer's two topics now: the whole log it reads. */
static int64_t
log_records(void)
{
	const char	*topics[] = { "complaints.events", "merchants.events" };
	int64_t		*ends, n = 0;
	int		 i, p, parts;

	for (i = 0; i < 2; i++) {
		parts = testenv_topic_ends(topics[i], &ends);
		for (p = 0; p < parts; p++)
			n += ends[p];
		free(ends);
	}
	return n;
}

#define LAG	"kafka_consumer_lag_messages{group=\"sla-timer\"} "

/*
 * Waits up to a minute until the daemon's consumer is at the end of its
 * partitions: no lag in two looks half a second apart, after it consumed
 * something when the log has anything (before its first fetch the lag
 * reads 0, the ends not yet known).
 */
static void
wait_caught_up(const struct daemon *d)
{
	int64_t	deadline = meta_now_ms() + testproc_scale_ms(60000);
	bool	empty = log_records() == 0;
	int	zeros = 0;

	while (zeros < 2 && meta_now_ms() < deadline) {
		if (metric(d, LAG) == 0 && (empty || metric(d, CONSUMED) > 0))
			zeros++;
		else
			zeros = 0;
		usleep(500000);
	}
	assert_int_equal(zeros, 2);
}

/*
 * Redis down when the partitions are assigned: they wait, paused, and the
 * daemon is not ready, saying why; once Redis answers, they resume after
 * their stored offsets, and an event sent meanwhile is applied. What is
 * read again is bounded by the events that change no clock after each
 * partition's last save (up to 64 a partition, apply.c), which other
 * tests in the same Kafka (notifications, penalties) leave behind, so it
 * is no fixed number: the check is that the log is not read again from
 * its start, at least the fillers' worth of it skipped.
 */
static void
test_redis_down_at_assignment_waits_then_resumes(void **state)
{
	struct testhttp_response	 r;
	struct daemon			 d;
	char				*id = testenv_unique("CS"), *f;
	int64_t				 at, whole;
	int				 i;

	start(&d, "sla-1");
	for (i = 0; i < FILLERS; i++) {
		f = testenv_unique("CF");
		act(f, CDP__V1__ACTION__ACTION_FIRST_CONTACT);
		free(f);
	}
	for (i = 0; i < 100 && metric(&d, CONSUMED) < FILLERS; i++)
		usleep(100000);
	stop(&d);
	assert_int_equal(testenv_dev("redis stop test"), 0);
	spawn(&d, "sla-1", POLICY_FILE, NULL, NULL, NULL);
	classify(id, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	sleep(8);	/* joined, assigned, waiting */
	assert_int_equal(testhttp_request(d.admin_port, "GET", "/readyz", NULL,
	    NULL, &r), 0);
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "waits for its start offset"));
	testhttp_free(&r);
	assert_true(metric(&d, CONSUMED) == 0);
	assert_int_equal(testenv_dev("redis start test"), 0);
	assert_true(testproc_wait_http(d.admin_port, "/readyz", 200, 30000));
	expect_breach(id, at, false);
	whole = log_records();
	print_message("consumed after Redis came back: %.0f of %lld\n",
	    metric(&d, CONSUMED), (long long)whole);
	assert_true(metric(&d, CONSUMED) < whole - FILLERS);
	stop(&d);
	free(id);
}

/* Waits up to timeout_ms for the daemon to end by itself; its status. */
static int
wait_exit(struct daemon *d, int timeout_ms)
{
	int	status, waited;

	for (waited = 0; waited < timeout_ms; waited += 50) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		usleep(50000);
	}
	testproc_kill(d->pid);
	return -1;
}

/* Exactly one event of each of the complaint's firings on the topic. */
static void
expect_each_fired_once(const char *id)
{
	assert_int_equal(count(id, BODY(SLA_WARNING)), 1);
	assert_int_equal(count(id, BODY(SLA_BREACHED)), 1);
	assert_int_equal(count(id, BODY(COMPENSATION_ISSUED)), 1);
	assert_int_equal(count(id, BODY(ESCALATED)), 1);
}

/*
 * The daemon dies between a firing's claim and its events (the test
 * fault ends it right after the claim of the warning): the claim expires
 * unmarked, and the restarted daemon fires the warning, then the breach
 * with its coupon and escalation, each once (counting every copy on the
 * topic, not only distinct ids).
 */
static void
test_killed_inside_the_claim_window_fires_once_after_restart(void **state)
{
	struct daemon	 d;
	char		*id = testenv_unique("CS");
	int64_t		 at;

	spawn(&d, "sla-1", POLICY_FILE, NULL, "SLA_TEST_FAULT=exit_after_claim",
	    "SLA_CLAIM_TTL_MS=2000");
	assert_true(testproc_wait_http(d.admin_port, "/readyz", 200, 60000));
	classify(id, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	assert_int_equal(wait_exit(&d, 30000), 75);
	assert_int_equal(count(id, BODY(SLA_WARNING)), 0);
	spawn(&d, "sla-1", POLICY_FILE, NULL, "SLA_CLAIM_TTL_MS=2000", NULL);
	expect_breach(id, at, false);
	sleep(2);
	expect_each_fired_once(id);
	stop(&d);
	free(id);
}

/*
 * The broker refuses a breach's coupon: the breach it did take is not sent
 * again; the coupon and the escalation follow on the next try, once.
 */
static void
test_a_refused_coupon_does_not_resend_the_breach(void **state)
{
	Cdp__V1__ComplaintEvent	*evs[4];
	struct daemon		 d;
	char			*id = testenv_unique("CS");
	int64_t			 at;
	size_t			 n;

	spawn(&d, "sla-1", POLICY_FILE, NULL, "SLA_TEST_FAULT=fail_coupon",
	    NULL);
	assert_true(testproc_wait_http(d.admin_port, "/readyz", 200, 60000));
	classify(id, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	expect_breach(id, at, true);
	n = testenv_wait_events(id, BODY(ESCALATED), 1, 20000, evs, 4);
	assert_int_equal(n, 1);
	testenv_free_events(evs, n);
	sleep(2);
	expect_each_fired_once(id);
	stop(&d);
	free(id);
}

/*
 * Waits for the complaint's clocks key (sla:{p<N>}:c:<id>, N its
 * complaints.events partition) to be kept, and checks that it is on the
 * entry of its partition and on no other.
 */
static void
clocks_key(const char *id, char *key, size_t keysz)
{
	size_t	e;
	int	i;

	snprintf(key, keysz, "sla:{p%d}:c:%s",
	    (int)testenv_partition_of_complaint(id), id);
	e = testenv_entry_of_key(key);
	for (i = 0; i < 100; i++) {
		if (testenv_redis_int(e, "EXISTS %s", key) == 1) {
			testenv_redis_only_on(e, key);
			return;
		}
		usleep(100000);
	}
	fail_msg("no clocks kept for %s (%s)", id, key);
}

/* Waits until the key has an expiry (true) or none (false); its PTTL. */
static long long
wait_expiry(const char *key, bool expires)
{
	size_t		e = testenv_entry_of_key(key);
	long long	ttl = -2;
	int		i;

	for (i = 0; i < 100; i++) {
		ttl = testenv_redis_int(e, "PTTL %s", key);
		if (expires ? ttl > 0 : ttl == -1)
			break;
		usleep(100000);
	}
	return ttl;
}

#define RETENTION_S	3

/*
 * A closed complaint's clocks (and the record of what fired) leave Redis
 * after the retention; a complaint reopened within it keeps its clocks,
 * without an expiry, and the reopened first contact still breaches. The
 * bytes each kind of complaint takes are printed (MEMORY USAGE). The
 * clocks, the fired marks and the due set share the hash tag of their
 * partition, so one entry holds them all.
 */
static void
test_closed_clocks_leave_redis_after_the_retention(void **state)
{
	Cdp__V1__ComplaintEvent	*evs[4];
	struct daemon		 d;
	char			*gone = testenv_unique("CS");
	char			*back = testenv_unique("CS");
	char			 key[256], fired[300], due[280], more[64];
	int64_t			 at;
	long long		 ttl;
	size_t			 n, e;

	snprintf(more, sizeof(more), "SLA_CLOSED_RETENTION_S=%d", RETENTION_S);
	spawn(&d, "sla-1", POLICY_FILE, NULL, more, NULL);
	assert_true(testproc_wait_http(d.admin_port, "/readyz", 200, 60000));
	classify(gone, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	expect_breach(gone, at, true);
	clocks_key(gone, key, sizeof(key));
	e = testenv_entry_of_key(key);
	snprintf(fired, sizeof(fired), "%.*s:f:%s",
	    (int)(strstr(key, ":c:") - key), key, gone);
	testenv_redis_only_on(e, fired);
	print_message("open, breached: clocks %lld bytes, fired %lld bytes\n",
	    testenv_redis_int(e, "MEMORY USAGE %s", key),
	    testenv_redis_int(e, "MEMORY USAGE %s", fired));
	snprintf(due, sizeof(due), "%.*s:due", (int)(strstr(key, ":c:") - key),
	    key);
	print_message("due set: %lld bytes for %lld complaints\n",
	    testenv_redis_int(e, "MEMORY USAGE %s", due),
	    testenv_redis_int(e, "ZCARD %s", due));
	assert_int_equal(wait_expiry(key, false), -1);
	act(gone, CDP__V1__ACTION__ACTION_CLOSED);
	ttl = wait_expiry(key, true);
	assert_true(ttl > 0 && ttl <= RETENTION_S * 1000);
	ttl = testenv_redis_int(e, "PTTL %s", fired);
	assert_true(ttl > 0 && ttl <= RETENTION_S * 1000);
	print_message("closed: clocks %lld bytes\n",
	    testenv_redis_int(e, "MEMORY USAGE %s", key));
	sleep(RETENTION_S + 1);
	assert_int_equal(testenv_redis_int(e, "EXISTS %s %s", key, fired), 0);

	classify(back, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	act(back, CDP__V1__ACTION__ACTION_FIRST_CONTACT);
	act(back, CDP__V1__ACTION__ACTION_CLOSED);
	clocks_key(back, key, sizeof(key));
	assert_true(wait_expiry(key, true) > 0);
	act(back, CDP__V1__ACTION__ACTION_REOPENED);
	assert_int_equal(wait_expiry(key, false), -1);
	n = testenv_wait_events(back, BODY(SLA_BREACHED), 1, 30000, evs, 4);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0]->sla_breached->cycle, 2);
	testenv_free_events(evs, n);
	stop(&d);
	free(gone);
	free(back);
}

/* The partition and offset of the complaint's latest event on the topic. */
static void
latest_event(const char *id, int32_t *partition, int64_t *offset)
{
	struct testenv_record	*recs;
	size_t			 n;

	n = testenv_read_key("complaints.events", id, 15000, &recs);
	assert_true(n > 0);
	*partition = recs[n - 1].partition;
	*offset = recs[n - 1].offset;
	testenv_records_free(recs, n);
}

/* The sla-timer group's committed offset of a complaints.events partition. */
static int64_t
committed(int32_t partition)
{
	rd_kafka_conf_t			*conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t	*parts;
	rd_kafka_t			*rk;
	char				 err[256];
	int64_t				 offset;

	rd_kafka_conf_set(conf, "bootstrap.servers", testenv_brokers(), err,
	    sizeof(err));
	rd_kafka_conf_set(conf, "group.id", "sla-timer", err, sizeof(err));
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", err,
	    sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	assert_non_null(rk);
	parts = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(parts, "complaints.events",
	    partition);
	assert_int_equal(rd_kafka_committed(rk, parts, 10000), 0);
	offset = parts->elems[0].offset;
	rd_kafka_topic_partition_list_destroy(parts);
	rd_kafka_destroy(rk);
	return offset;
}

/* Waits until the daemon has done (and committed) the event at offset. */
static void
wait_committed(int32_t partition, int64_t offset)
{
	int	i;

	for (i = 0; i < 150 && committed(partition) <= offset; i++)
		usleep(100000);
	assert_true(committed(partition) > offset);
}

#define UNSAVED_MAX	64	/* APPLY_UNSAVED_MAX in apply.c */

/*
 * Events that change no clock (notes here; the daemon's own clock changes
 * too) are consumed without the complaint's clocks being loaded or saved:
 * their Kafka offset is committed, the clocks stay as they were, byte for
 * byte and with an expiry the test put on them (a save would drop it),
 * and the partition's stored offset stays before them until the next
 * save moves it past, or until 64 of them in a row advance it.
 */
static void
test_events_without_clocks_skip_load_and_save(void **state)
{
	Cdp__V1__ComplaintEvent	*evs[4];
	struct daemon		 d;
	char			*id = testenv_unique("CS");
	char			 key[256], offset_key[280];
	char			*before, *after;
	int32_t			 part;
	int64_t			 at, last, saved;
	double			 untouched;
	size_t			 n, e;
	int			 i;

	start(&d, "sla-1");
	classify(id, CDP__V1__SEVERITY__SEVERITY_NORMAL, &at);
	act(id, CDP__V1__ACTION__ACTION_FIRST_CONTACT);	/* nothing fires */
	n = testenv_wait_events(id, BODY(SLA_CLOCK_STOPPED), 1, 10000, evs, 4);
	assert_true(n >= 1);
	testenv_free_events(evs, n);
	clocks_key(id, key, sizeof(key));
	e = testenv_entry_of_key(key);
	snprintf(offset_key, sizeof(offset_key), "%.*s:offset",
	    (int)(strstr(key, ":c:") - key), key);

	/* A first contact again changes no clock but is saved, offset too. */
	act(id, CDP__V1__ACTION__ACTION_FIRST_CONTACT);
	latest_event(id, &part, &saved);
	wait_committed(part, saved);
	assert_int_equal(testenv_redis_int(e, "GET %s", offset_key), saved);
	assert_non_null(before = testenv_redis_string(e, "GET %s", key));
	assert_int_equal(testenv_redis_int(e, "PEXPIRE %s 3600000", key), 1);
	untouched = metric(&d, "\nsla_events_untouched_total ");

	/* A note: consumed and committed; clocks neither loaded nor saved. */
	act(id, CDP__V1__ACTION__ACTION_NOTE);
	latest_event(id, &part, &last);
	wait_committed(part, last);
	assert_non_null(after = testenv_redis_string(e, "GET %s", key));
	assert_string_equal(after, before);
	free(after);
	assert_true(testenv_redis_int(e, "PTTL %s", key) > 0);	/* not saved */
	assert_int_equal(testenv_redis_int(e, "GET %s", offset_key), saved);
	assert_true(metric(&d, "\nsla_events_untouched_total ") >=
	    untouched + 1);

	/* With the notes after it, 64 in a row: the offset moves, unsaved. */
	for (i = 1; i < UNSAVED_MAX; i++)
		act(id, CDP__V1__ACTION__ACTION_NOTE);
	latest_event(id, &part, &last);
	wait_committed(part, last);
	print_message("stored offset %lld after %d notes at %lld to %lld\n",
	    testenv_redis_int(e, "GET %s", offset_key), UNSAVED_MAX,
	    (long long)saved + 1, (long long)last);
	assert_true(testenv_redis_int(e, "GET %s", offset_key) > saved);
	assert_true(testenv_redis_int(e, "GET %s", offset_key) <= last);
	assert_true(testenv_redis_int(e, "PTTL %s", key) > 0);
	assert_non_null(after = testenv_redis_string(e, "GET %s", key));
	assert_string_equal(after, before);
	free(after);
	free(before);
	stop(&d);
	free(id);
}

/* Two instances share the partitions: every breach fires, none twice. */
static void
test_two_instances_fire_each_breach_once(void **state)
{
	struct daemon	 a, b;
	char		*ids[8];
	int64_t		 at[8];
	size_t		 i;

	start(&a, "sla-a");
	start(&b, "sla-b");
	for (i = 0; i < 8; i++) {
		ids[i] = testenv_unique("CS");
		classify(ids[i], CDP__V1__SEVERITY__SEVERITY_URGENT, &at[i]);
	}
	for (i = 0; i < 8; i++)
		expect_breach(ids[i], at[i], true);
	sleep(2);
	for (i = 0; i < 8; i++) {
		assert_int_equal(count(ids[i], BODY(SLA_BREACHED)), 1);
		free(ids[i]);
	}
	stop(&a);
	stop(&b);
}

/*
 * --recompute re-times the open clocks of existing complaints: a clock
 * started under a one-hour policy breaches within seconds once the daemon
 * is restarted with --recompute under the three-second one.
 */
static void
test_recompute_retimes_open_clocks_under_a_new_policy(void **state)
{
	const char	*slow = "/tmp/cdp-sla-slow.conf";
	struct daemon	 d;
	char		*id = testenv_unique("CS");
	FILE		*f = fopen(slow, "w");
	int64_t		 at;

	assert_non_null(f);
	fputs("[policy first_contact]\nclock = first_contact\n"
	    "target = 1h\ncalendar = 24x7\ncoupon_fen = 500\n", f);
	fclose(f);
	start_with(&d, "sla-1", slow, NULL);
	classify(id, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	wait_started(id);
	sleep(FIRST_CONTACT_MS / 1000 + 1);
	assert_int_equal(count(id, BODY(SLA_BREACHED)), 0);
	stop(&d);
	start_with(&d, "sla-1", POLICY_FILE, "--recompute");
	expect_breach(id, at, false);
	sleep(2);
	assert_int_equal(count(id, BODY(SLA_BREACHED)), 1);
	stop(&d);
	unlink(slow);
	free(id);
}

/* The first-contact clock of a view, once it shows as breached. */
static bool
view_clock_breached(struct intake_proc *p, const char *id)
{
	struct testhttp_response	 r;
	char				*path = xasprintf("/v1/complaints/%s", id);
	json_t				*k;
	size_t				 i;
	bool				 found = false;

	if (intake_call(p, "GET", path, "dev-agent", NULL, NULL, &r) == 200)
		json_array_foreach(json_object_get(r.json, "sla_clocks"), i, k)
			if (json_is_true(json_object_get(k, "breached")) &&
			    strcmp(json_string_value(json_object_get(k,
			    "clock")), "first_contact") == 0 &&
			    json_string_value(json_object_get(k, "due")) != NULL)
				found = true;
	testhttp_free(&r);
	free(path);
	return found;
}

/* GET /v1/complaints/{id} shows the clocks as the sla-timer runs them. */
static void
test_intake_shows_the_clocks(void **state)
{
	struct daemon		 d;
	struct intake_proc	 p = { 0 };
	char			*id;
	int64_t			 at, deadline;
	bool			 shown = false;

	start(&d, "sla-1");
	intake_start(&p, "5000");
	id = intake_file(&p, "dev-app", "{\"order_id\": \"O-SLA-1\", "
	    "\"merchant_id\": \"M1001\", \"user\": {\"id\": \"U1\"}, "
	    "\"description\": \"一直没人联系我\", \"demand\": "
	    "\"explanation\"}");
	classify(id, CDP__V1__SEVERITY__SEVERITY_URGENT, &at);
	/*
	 * The intake reads complaints.events from its start when the tests
	 * before emptied Redis (the FLUSHALL cases above): in CI, behind
	 * every integration test's events.
	 */
	deadline = at + FIRST_CONTACT_MS + testproc_scale_ms(90000);
	while (!shown && meta_now_ms() < deadline) {
		shown = view_clock_breached(&p, id);
		usleep(100000);
	}
	assert_true(shown);
	intake_stop(&p);
	unlink(p.keys_file);
	stop(&d);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_no_first_contact_warns_breaches_compensates_escalates_once),
		cmocka_unit_test(test_first_contact_in_time_stops_the_clock),
		cmocka_unit_test(test_waiting_on_the_customer_holds_the_clock),
		cmocka_unit_test(
		    test_breach_actions_come_from_the_clocks_policy),
		cmocka_unit_test(
		    test_killed_before_due_fires_once_after_restart),
		cmocka_unit_test(
		    test_flushall_rebuilds_from_kafka_and_fires_once),
		cmocka_unit_test(
		    test_flushall_while_running_rebuilds_and_fires_once),
		cmocka_unit_test(
		    test_redis_down_at_assignment_waits_then_resumes),
		cmocka_unit_test(
		    test_killed_inside_the_claim_window_fires_once_after_restart),
		cmocka_unit_test(
		    test_a_refused_coupon_does_not_resend_the_breach),
		cmocka_unit_test(
		    test_closed_clocks_leave_redis_after_the_retention),
		cmocka_unit_test(test_two_instances_fire_each_breach_once),
		cmocka_unit_test(
		    test_events_without_clocks_skip_load_and_save),
		cmocka_unit_test(test_intake_shows_the_clocks),
		cmocka_unit_test(
		    test_recompute_retimes_open_clocks_under_a_new_policy),
	};

	log_init("test", LOG_LEVEL_WARN);
	write_policy();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
