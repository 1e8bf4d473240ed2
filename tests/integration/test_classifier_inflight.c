/*
 * The classifier with several complaints of a partition in hand at once
 * (CLASSIFIER_INFLIGHT, issue 15), through the test Kafka and Redis: a
 * burst of complaints filed at once gets exactly one Classified each, and
 * a classifier killed in the middle of a burst loses none when the next
 * one reads on from the committed offsets: every complaint is classified,
 * and one classified twice is the same event twice (its id derives from
 * the Filed), which downstream drops as a duplicate. The time from Filed
 * to Classified is printed for one at a time and for eight.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdp/v1/complaint.pb-c.h"
#include "log.h"
#include "meta.h"
#include "pb.h"
#include "testenv.h"
#include "testhttp.h"
#include "testproc.h"
#include "xmalloc.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define BURST		300
#define BIG_BURST	1500	/* long enough to kill the classifier in */

/* One complaint of a burst, as complaints.events shows it. */
struct filed {
	char	*id;
	int64_t	 filed_ms;
	size_t	 classified;
	size_t	 out_of_scope;
	char	 event_id[META_ID_LEN + 1];
	bool	 two_ids;	/* two Classified with different ids */
	int64_t	 classified_ms;
	int32_t	 partition;	/* of its Filed, -1 until seen */
	int64_t	 offset;
};

/* Starts a classifier with CLASSIFIER_INFLIGHT=inflight, ready. */
static pid_t
start_classifier(int inflight, int *admin_port)
{
	char	*listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d",
	    testproc_free_port());
	char	*admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d",
	    testproc_free_port());
	char	*window = xasprintf("CLASSIFIER_INFLIGHT=%d", inflight);
	const char *env[] = { listen, admin, window, "LOG_LEVEL=warn", NULL };
	int	port = atoi(strrchr(admin, ':') + 1);
	pid_t	pid;

	pid = testproc_spawn("classifier", env);
	assert_true(testproc_wait_http(port, "/readyz", 200, 60000));
	*admin_port = port;
	free(listen);
	free(admin);
	free(window);
	return pid;
}

/* One producer for the whole burst, flushed once: filed at once. */
static rd_kafka_t *
burst_producer(void)
{
	rd_kafka_conf_t	*conf = rd_kafka_conf_new();
	rd_kafka_t	*rk;
	char		 err[256];

	if (rd_kafka_conf_set(conf, "bootstrap.servers", testenv_brokers(),
	    err, sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "partitioner", "murmur2_random", err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    (rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err,
	    sizeof(err))) == NULL)
		fatalx("test: %s", err);
	return rk;
}

static void
burst_produce(rd_kafka_t *rk, const Cdp__V1__ComplaintEvent *ev)
{
	uint8_t	*buf;
	size_t	 len;

	buf = pb_pack(&ev->base, &len);
	assert_int_equal(rd_kafka_producev(rk,
	    RD_KAFKA_V_TOPIC("complaints.events"),
	    RD_KAFKA_V_KEY(ev->complaint_id, strlen(ev->complaint_id)),
	    RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
	    RD_KAFKA_V_END), 0);
}

/*
 * Files n complaints at once, each from its own customer on its own SKU
 * (no groups), all in scope. Returns where complaints.events ended
 * before them, for burst_tally (the caller frees it): the burst's results
 * are read from there, not from the whole topic the tests before wrote.
 */
static int64_t *
file_burst(struct filed *f, size_t n)
{
	rd_kafka_t		*rk = burst_producer();
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	Cdp__V1__Filed		 fl = CDP__V1__FILED__INIT;
	Cdp__V1__Complainant	 who = CDP__V1__COMPLAINANT__INIT;
	Cdp__V1__Respondent	 resp = CDP__V1__RESPONDENT__INIT;
	Cdp__V1__OrderRef	 ref = CDP__V1__ORDER_REF__INIT;
	char			*user, *sku, *merchant = testenv_unique("M");
	int64_t			*from;
	size_t			 i;

	testenv_topic_ends("complaints.events", &from);

	for (i = 0; i < n; i++) {
		f[i].id = testenv_unique("CI");
		user = testenv_unique("U");
		sku = testenv_unique("SKU");
		meta_fill(&meta, &ids, "intake", NULL, NULL);
		who.user_id = user;
		who.member_tier = CDP__V1__MEMBER_TIER__MEMBER_TIER_REGULAR;
		resp.merchant_id = merchant;
		ref.order_id = f[i].id;
		ref.sku = sku;
		ref.amount_fen = 2900;
		fl.channel = CDP__V1__CHANNEL__CHANNEL_APP;
		fl.complainant = &who;
		fl.respondent = &resp;
		fl.order = &ref;
		fl.description = "收到的杯子有裂纹";
		fl.demand = CDP__V1__DEMAND__DEMAND_REFUND;
		ev.meta = &meta;
		ev.complaint_id = f[i].id;
		ev.merchant_id = merchant;
		ev.body_case = BODY(FILED);
		ev.filed = &fl;
		f[i].filed_ms = meta.occurred_at_ms;
		burst_produce(rk, &ev);
		free(user);
		free(sku);
	}
	assert_int_equal(rd_kafka_flush(rk, 30000), 0);
	rd_kafka_destroy(rk);
	free(merchant);
	return from;
}

static struct filed *
burst_find(struct filed *f, size_t n, const char *id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i].id, id) == 0)
			return &f[i];
	return NULL;
}

/* Counts the burst's results on complaints.events, read from from. */
static void
burst_tally(struct filed *f, size_t n, const int64_t *from)
{
	struct testenv_record	*recs;
	Cdp__V1__ComplaintEvent	*ev;
	struct filed		*one;
	size_t			 nrecs, i;

	for (i = 0; i < n; i++) {
		f[i].classified = f[i].out_of_scope = 0;
		f[i].two_ids = false;
		f[i].partition = -1;
	}
	nrecs = testenv_read_from("complaints.events", NULL, from, 30000,
	    &recs);
	for (i = 0; i < nrecs; i++) {
		if (recs[i].key == NULL || (one = burst_find(f, n,
		    recs[i].key)) == NULL)
			continue;
		if ((ev = cdp__v1__complaint_event__unpack(NULL, recs[i].len,
		    recs[i].payload)) == NULL)
			continue;
		if (ev->body_case == BODY(FILED)) {
			one->partition = recs[i].partition;
			one->offset = recs[i].offset;
		}
		if (ev->body_case == BODY(OUT_OF_SCOPE))
			one->out_of_scope++;
		if (ev->body_case == BODY(CLASSIFIED)) {
			if (one->classified++ == 0) {
				snprintf(one->event_id, sizeof(one->event_id),
				    "%s", ev->meta->event_id);
				one->classified_ms = ev->meta->occurred_at_ms;
			} else if (strcmp(one->event_id,
			    ev->meta->event_id) != 0)
				one->two_ids = true;
		}
		cdp__v1__complaint_event__free_unpacked(ev, NULL);
	}
	testenv_records_free(recs, nrecs);
}

/* How many of the burst have a result; waits up to timeout_ms for all. */
static size_t
burst_wait(struct filed *f, size_t n, const int64_t *from, int timeout_ms)
{
	int64_t	deadline = meta_now_ms() + testproc_scale_ms(timeout_ms);
	size_t	i, done;

	for (;;) {
		burst_tally(f, n, from);
		for (i = done = 0; i < n; i++)
			if (f[i].classified + f[i].out_of_scope > 0)
				done++;
		if (done == n || meta_now_ms() >= deadline)
			return done;
		usleep(500000);
	}
}

/*
 * Names the complaints of the burst without a result, with where their
 * Filed is (partition -1: not on the topic), before the test fails.
 */
static void
burst_missing(const struct filed *f, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (f[i].classified + f[i].out_of_scope == 0)
			print_error("no result for %s, filed at %d@%lld\n",
			    f[i].id, f[i].partition, (long long)f[i].offset);
}

/*
 * Waits up to timeout_ms for a result for each of the burst; when some
 * have none, names them and stops the classifier before the test fails,
 * so the next test does not meet it.
 */
static void
burst_expect_all(struct filed *f, size_t n, const int64_t *from,
    int timeout_ms, pid_t pid)
{
	size_t	done = burst_wait(f, n, from, timeout_ms);

	if (done == n)
		return;
	burst_missing(f, n);
	testproc_stop(pid, 15000);
	fail_msg("%zu of %zu complaints have a result", done, n);
}

static void
burst_free(struct filed *f, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(f[i].id);
	free(f);
}

static int
cmp_ms(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The classifier's count of messages it handled again after a failure. */
static long
retried(int admin_port)
{
	struct testhttp_response	 r;
	const char			*at;
	long				 n = -1;

	if (testhttp_request(admin_port, "GET", "/metrics", NULL, NULL,
	    &r) == -1)
		return -1;
	if ((at = strstr(r.body, "\nkafka_retried_total{")) != NULL &&
	    (at = strchr(at, '}')) != NULL)
		n = strtol(at + 1, NULL, 10);
	testhttp_free(&r);
	return n;
}

/* Prints the Filed-to-Classified times of the burst. */
static void
burst_report(const char *what, struct filed *f, size_t n, int admin_port)
{
	int64_t	*ms = xcalloc(n, sizeof(*ms));
	size_t	 i;

	for (i = 0; i < n; i++)
		ms[i] = f[i].classified_ms - f[i].filed_ms;
	qsort(ms, n, sizeof(*ms), cmp_ms);
	print_message("%s: %zu complaints filed at once, filed to classified "
	    "first %lld ms, p50 %lld ms, p99 %lld ms, last %lld ms; "
	    "retried %ld\n", what, n, (long long)ms[0], (long long)ms[n / 2],
	    (long long)ms[n * 99 / 100], (long long)ms[n - 1],
	    retried(admin_port));
	free(ms);
}

/* Files a burst with the classifier at inflight; each classified once. */
static void
burst_once(int inflight)
{
	struct filed	*f = xcalloc(BURST, sizeof(*f));
	int		 admin;
	pid_t		 pid = start_classifier(inflight, &admin);
	int64_t		*from;
	char		 what[32];
	size_t		 i;

	print_message("CLASSIFIER_INFLIGHT=%d: %d complaints filed at once\n",
	    inflight, BURST);
	from = file_burst(f, BURST);
	burst_expect_all(f, BURST, from, 120000, pid);
	/* A late duplicate would show after the first results. */
	sleep(2);
	burst_tally(f, BURST, from);
	for (i = 0; i < BURST; i++) {
		assert_int_equal(f[i].classified, 1);
		assert_int_equal(f[i].out_of_scope, 0);
	}
	snprintf(what, sizeof(what), "CLASSIFIER_INFLIGHT=%d", inflight);
	burst_report(what, f, BURST, admin);
	assert_int_equal(testproc_stop(pid, 15000), 0);
	burst_free(f, BURST);
	free(from);
}

static void
test_burst_classified_exactly_once_each(void **state)
{
	burst_once(1);
	burst_once(8);
}

/*
 * A burst filed while no classifier runs; the classifier that takes it up
 * is killed (SIGKILL: no commit on the way out) once part of it is
 * classified, and the next one classifies the rest from the committed
 * offsets.
 */
static void
test_killed_in_a_burst_loses_nothing(void **state)
{
	struct filed	*f = xcalloc(BIG_BURST, sizeof(*f));
	size_t		 i, twice = 0, done;
	int64_t		 deadline, *from;
	int		 admin;
	pid_t		 pid;

	from = file_burst(f, BIG_BURST);
	pid = start_classifier(8, &admin);
	deadline = meta_now_ms() + testproc_scale_ms(60000);
	do
		done = burst_wait(f, BIG_BURST, from, 0);
	while (done < 50 && meta_now_ms() < deadline);
	testproc_kill(pid);
	print_message("killed with %zu of %d classified\n", done, BIG_BURST);
	assert_true(done >= 50);
	assert_true(done < BIG_BURST);

	pid = start_classifier(8, &admin);
	burst_expect_all(f, BIG_BURST, from, 120000, pid);
	sleep(2);
	burst_tally(f, BIG_BURST, from);
	for (i = 0; i < BIG_BURST; i++) {
		assert_true(f[i].classified >= 1);
		assert_false(f[i].two_ids);
		assert_int_equal(f[i].out_of_scope, 0);
		twice += f[i].classified > 1;
	}
	print_message("after the restart all %d classified; %zu twice (the "
	    "same event again)\n", BIG_BURST, twice);
	assert_int_equal(testproc_stop(pid, 15000), 0);
	burst_free(f, BIG_BURST);
	free(from);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_classified_exactly_once_each),
		cmocka_unit_test(test_killed_in_a_burst_loses_nothing),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
