/*
 * kafka_consumer with several messages of a partition in hand at once
 * (max_in_flight, common/kafka_inflight.c), against the test Kafka:
 * messages with different keys run side by side and end in any order,
 * never two of one key at once and each key in order; a member that dies
 * with a message in hand leaves the committed offset at that message, so
 * the next member gets it again and nothing is lost. And a dead letter the
 * broker does not take at first is sent again, without the message (one
 * its topic's check refused) ever reaching the handler.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdp/v1/complaint.pb-c.h"
#include "events.h"
#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "pb.h"
#include "testenv.h"
#include "xmalloc.h"

#define NKEYS		24
#define PER_KEY		10
#define WINDOW		8

struct run {
	struct event_base	*base;
	struct kafka_consumer	*c;
	int			 delivered;
	int			 want;		/* deliveries */
	int			 handled;
	int			 ended;
	int			 in_hand;
	int			 most_in_hand;
	int			 key_in_hand[NKEYS];
	int			 last_seq[NKEYS];
	int			 side_by_side;	/* one key twice at once */
	int			 out_of_order;
	int			 retried;
	bool			 again[NKEYS * PER_KEY];
	int64_t			 keep;		/* never ended; -1: none */
	int64_t			 first;		/* offset first handed out */
	bool			 bad_seen;
	bool			 good_seen;
};

struct later {
	struct run		*r;
	struct kafka_msg	*m;
	int			 key;
	struct event		*ev;
};

static void
on_delivery(void *arg, const struct kafka_delivery *d)
{
	struct run	*r = arg;

	assert_int_equal(d->err, 0);
	r->delivered++;
}

static bool
all_delivered(void *arg)
{
	struct run	*r = arg;

	return r->delivered == r->want;
}

/* Produces per_key messages "k<key> <seq>" for each key, interleaved. */
static void
produce_keys(const char *topic, int nkeys, int per_key)
{
	struct run		 r = { .base = event_base_new(),
	    .want = nkeys * per_key };
	struct kafka_producer	*p;
	char			 key[16], payload[32];
	int			 k, seq, len;

	p = kafka_producer_new(r.base, testenv_brokers(), "test", 10000);
	for (seq = 0; seq < per_key; seq++)
		for (k = 0; k < nkeys; k++) {
			snprintf(key, sizeof(key), "k%d", k);
			len = snprintf(payload, sizeof(payload), "k%d %d", k,
			    seq);
			assert_int_equal(kafka_producer_send(p, topic, key,
			    strlen(key), payload, (size_t)len, NULL, 0,
			    on_delivery, &r), 0);
		}
	assert_true(testenv_run_until(r.base, all_delivered, &r, 30000));
	kafka_producer_free(p);
	event_base_free(r.base);
}

static void
end_later(evutil_socket_t fd, short what, void *arg)
{
	struct later	*l = arg;

	struct run	*r = l->r;

	r->in_hand--;
	r->key_in_hand[l->key]--;
	/* Every fifth message fails once first, and comes back. */
	if (l->m->offset % 5 == 0 && !r->again[l->m->offset]) {
		r->again[l->m->offset] = true;
		r->retried++;
		kafka_consumer_retry(l->m, 5);
	} else {
		l->r->ended++;
		kafka_consumer_done(l->m);
	}
	event_free(l->ev);
	free(l);
}

/*
 * Checks the message may be in hand now and comes in its key's order, and
 * ends it (or asks for it again) a few milliseconds later, so messages
 * end in another order than they came.
 */
static void
handle_window(struct kafka_msg *m, void *arg)
{
	struct run	*r = arg;
	struct later	*l = xcalloc(1, sizeof(*l));
	struct timeval	 tv = { 0, 1000 * (1 + (m->offset * 7919) % 20) };
	char		 payload[32];
	int		 k, seq;

	snprintf(payload, sizeof(payload), "%.*s", (int)m->len,
	    (const char *)m->payload);
	assert_int_equal(sscanf(payload, "k%d %d", &k, &seq), 2);
	assert_true(k >= 0 && k < NKEYS);
	assert_true(m->offset >= 0 && m->offset < NKEYS * PER_KEY);
	if (r->key_in_hand[k]++ > 0)
		r->side_by_side++;
	/* A retried message comes again before its key's next one. */
	if (seq != r->last_seq[k] + (r->again[m->offset] ? 0 : 1))
		r->out_of_order++;
	r->last_seq[k] = seq;
	if (++r->in_hand > r->most_in_hand)
		r->most_in_hand = r->in_hand;
	r->handled++;
	l->r = r;
	l->m = m;
	l->key = k;
	l->ev = evtimer_new(r->base, end_later, l);
	evtimer_add(l->ev, &tv);
}

static struct kafka_consumer *
member(struct run *r, const char *topic, const char *group,
    kafka_handler_fn fn)
{
	const char			*topics[] = { topic };
	struct kafka_consumer_conf	 kc = {
		.brokers = testenv_brokers(), .group = group,
		.client_id = "test", .topics = topics, .ntopics = 1,
		.service = "test", .handler = fn, .arg = r,
		.max_in_flight = WINDOW,
	};

	return kafka_consumer_new(r->base, &kc);
}

static bool
all_ended(void *arg)
{
	return ((struct run *)arg)->ended == NKEYS * PER_KEY;
}

static void
test_keys_side_by_side_each_in_order(void **state)
{
	char		*topic = testenv_unique("inflight");
	char		*group = testenv_unique("group");
	struct run	 r = { .base = event_base_new(), .keep = -1 };
	int		 k;

	for (k = 0; k < NKEYS; k++)
		r.last_seq[k] = -1;
	testenv_create_topic(topic, 1);
	produce_keys(topic, NKEYS, PER_KEY);
	r.c = member(&r, topic, group, handle_window);
	assert_true(testenv_run_until(r.base, all_ended, &r, 60000));
	assert_int_equal(r.side_by_side, 0);
	assert_int_equal(r.out_of_order, 0);
	assert_true(r.retried > 0);
	for (k = 0; k < NKEYS; k++)
		assert_int_equal(r.last_seq[k], PER_KEY - 1);
	/* The window was used, and never overrun. */
	print_message("at most %d of %d in hand at once\n", r.most_in_hand,
	    WINDOW);
	assert_true(r.most_in_hand > 1);
	assert_true(r.most_in_hand <= WINDOW);
	assert_int_equal(kafka_consumer_commit(r.c), 0);
	kafka_consumer_close(r.c);
	event_base_free(r.base);
	free(topic);
	free(group);
}

/*
 * Ends every message but the one at r->keep, which stays in hand; dies
 * once the window ran as far past it as it may, having committed.
 */
static void
handle_but_keep(struct kafka_msg *m, void *arg)
{
	struct run	*r = arg;

	if (r->first < 0)
		r->first = m->offset;
	r->handled++;
	if (m->offset != r->keep)
		kafka_consumer_done(m);
	if (r->keep >= 0 && r->handled == r->keep + WINDOW) {
		if (kafka_consumer_commit(r->c) != 0)
			_exit(3);
		_exit(0);	/* a crash, r->keep still in hand */
	}
}

static bool
handled_all(void *arg)
{
	struct run	*r = arg;

	return r->handled == NKEYS - r->first;
}

static bool
never(void *arg)
{
	return false;
}

static void
test_crash_redelivers_from_the_oldest_in_hand(void **state)
{
	char		*topic = testenv_unique("inflight");
	char		*group = testenv_unique("group");
	struct run	 r = { .keep = -1, .first = -1 };
	pid_t		 pid;
	int		 status;

	testenv_create_topic(topic, 1);
	produce_keys(topic, NKEYS, 1);
	if ((pid = fork()) == 0) {
		struct run child = { .base = event_base_new(), .keep = 3,
		    .first = -1 };

		child.c = member(&child, topic, group, handle_but_keep);
		testenv_run_until(child.base, never, &child, 60000);
		_exit(2);	/* the window never filled */
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* 0-2 and 4-10 were done; 3 was not, so it comes again, first. */
	r.base = event_base_new();
	r.c = member(&r, topic, group, handle_but_keep);
	assert_true(testenv_run_until(r.base, handled_all, &r, 60000));
	assert_int_equal(r.first, 3);
	assert_int_equal(kafka_consumer_commit(r.c), 0);
	kafka_consumer_close(r.c);
	event_base_free(r.base);
	free(topic);
	free(group);
}

static void
handle_checked(struct kafka_msg *m, void *arg)
{
	struct run		*r = arg;
	Cdp__V1__ComplaintEvent	*ev = m->event;

	if (ev->meta == NULL)
		r->bad_seen = true;
	else
		r->good_seen = true;
	kafka_consumer_done(m);
}

static void
produce_complaint(struct kafka_producer *p, const char *topic,
    const char *id, bool with_meta, struct run *r)
{
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	uint8_t			*buf;
	size_t			 len;

	meta_fill(&meta, &ids, "test", NULL, NULL);
	ev.meta = with_meta ? &meta : NULL;
	ev.complaint_id = (char *)id;
	buf = pb_pack(&ev.base, &len);
	assert_int_equal(kafka_producer_send(p, topic, id, strlen(id), buf,
	    len, NULL, 0, on_delivery, r), 0);
	free(buf);
}

static bool
good_seen(void *arg)
{
	return ((struct run *)arg)->good_seen;
}

static bool
two_delivered(void *arg)
{
	return ((struct run *)arg)->delivered == 2;
}

/*
 * An event without metadata fails the complaint topic's check; its dead
 * letter goes to a topic that does not exist yet (the test broker creates
 * none by itself), so the broker refuses it until the test creates it.
 * Meanwhile the consumer sends it again; the handler never sees it.
 */
static void
test_dead_letter_refused_is_sent_again_not_handled(void **state)
{
	char			*topic = testenv_unique("inflight");
	char			*dlq = testenv_unique("dlq");
	char			*group = testenv_unique("group");
	const char		*topics[] = { topic };
	const struct kafka_decoder *decoders[] = { &events_complaint };
	struct run		 r = { .base = event_base_new() };
	struct kafka_producer	*p, *dlq_p;
	struct kafka_consumer_conf kc = {
		.brokers = testenv_brokers(), .group = group,
		.client_id = "test", .topics = topics, .ntopics = 1,
		.decoders = decoders, .service = "test",
		.dlq_topic = dlq, .handler = handle_checked, .arg = &r,
	};
	struct testenv_record	*recs;
	size_t			 n;

	testenv_create_topic(topic, 1);
	p = kafka_producer_new(r.base, testenv_brokers(), "test", 10000);
	produce_complaint(p, topic, "CBAD", false, &r);
	produce_complaint(p, topic, "CGOOD", true, &r);
	assert_true(testenv_run_until(r.base, two_delivered, &r, 30000));
	dlq_p = kafka_producer_new(r.base, testenv_brokers(), "test-dlq",
	    500);
	kc.dlq_producer = dlq_p;
	r.c = kafka_consumer_new(r.base, &kc);
	/* Several refused dead letters, each retried a second later. */
	assert_false(testenv_run_until(r.base, good_seen, &r, 8000));
	assert_false(r.bad_seen);
	testenv_create_topic(dlq, 1);
	assert_true(testenv_run_until(r.base, good_seen, &r, 60000));
	assert_false(r.bad_seen);
	n = testenv_read_key(dlq, NULL, 30000, &recs);
	assert_int_equal(n, 1);
	assert_string_equal(recs[0].key, "CBAD");
	assert_string_equal(testenv_header(&recs[0], "dlq.reason"),
	    "ComplaintEvent without metadata or complaint id");
	testenv_records_free(recs, n);
	kafka_consumer_close(r.c);
	kafka_producer_free(dlq_p);
	kafka_producer_free(p);
	event_base_free(r.base);
	free(topic);
	free(dlq);
	free(group);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_side_by_side_each_in_order),
		cmocka_unit_test(test_crash_redelivers_from_the_oldest_in_hand),
		cmocka_unit_test(
		    test_dead_letter_refused_is_sent_again_not_handled),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
