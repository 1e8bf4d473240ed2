/*
 * Through the real test broker: events produced with common/'s producer
 * reach a consumer group member of common/'s consumer, in order per key;
 * an undecodable message goes to the dead-letter topic with its reason and
 * the consumer carries on with the next one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdp/v1/complaint.pb-c.h"
#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "pb.h"
#include "testenv.h"
#include "xmalloc.h"

#define NKEYS		4
#define PER_KEY		10

struct run {
	struct event_base	*base;
	int			 delivered;
	int			 delivery_errors;
	int			 handled;
	int			 dead;
	int			 last_seq[NKEYS];
	int			 out_of_order;
	char			 last_complaint[64];
};

static void
on_delivery(void *arg, const struct kafka_delivery *d)
{
	struct run	*r = arg;

	if (d->err != 0)
		r->delivery_errors++;
	else
		r->delivered++;
}

static void
produce_event(struct kafka_producer *p, const char *topic, const char *key,
    int64_t seq, struct run *r)
{
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	uint8_t			*buf;
	size_t			 len;

	meta_fill(&meta, &ids, "test", NULL, NULL);
	meta.occurred_at_ms = seq;
	ev.meta = &meta;
	ev.complaint_id = (char *)key;
	buf = pb_pack(&ev.base, &len);
	assert_int_equal(kafka_producer_send(p, topic, key, strlen(key), buf,
	    len, NULL, 0, on_delivery, r), 0);
	free(buf);
}

/* Checks each key's events arrive in the order they were produced. */
static void
handle(struct kafka_msg *m, void *arg)
{
	struct run		*r = arg;
	Cdp__V1__ComplaintEvent	*ev;
	int			 k;

	ev = cdp__v1__complaint_event__unpack(NULL, m->len, m->payload);
	if (ev == NULL) {
		kafka_consumer_dead(m, "undecodable ComplaintEvent");
		r->dead++;
		return;
	}
	if (sscanf(ev->complaint_id, "C%d", &k) == 1 && k >= 0 && k < NKEYS) {
		if (ev->meta->occurred_at_ms != r->last_seq[k] + 1)
			r->out_of_order++;
		r->last_seq[k] = (int)ev->meta->occurred_at_ms;
	}
	snprintf(r->last_complaint, sizeof(r->last_complaint), "%s",
	    ev->complaint_id);
	assert_string_equal(ev->meta->producer, "test");
	assert_int_equal(ev->meta->schema_version, META_SCHEMA_VERSION);
	r->handled++;
	cdp__v1__complaint_event__free_unpacked(ev, NULL);
	kafka_consumer_done(m);
}

static struct kafka_consumer *
consumer_for(struct run *r, const char *topic, struct kafka_producer *dlq,
    const char *dlq_topic)
{
	const char			*topics[] = { topic };
	char				*group = testenv_unique("group");
	struct kafka_consumer_conf	 kc = {
		.brokers = testenv_brokers(), .group = group,
		.client_id = "test", .topics = topics, .ntopics = 1,
		.service = "test", .dlq_producer = dlq,
		.dlq_topic = dlq_topic, .handler = handle, .arg = r,
	};
	struct kafka_consumer		*c = kafka_consumer_new(r->base, &kc);

	free(group);
	return c;
}

static bool
all_handled(void *arg)
{
	struct run	*r = arg;

	return r->handled == NKEYS * PER_KEY &&
	    r->delivered == NKEYS * PER_KEY;
}

static void
test_produce_consume_in_order_per_key(void **state)
{
	struct run		 r = { .base = event_base_new() };
	char			*topic = testenv_unique("roundtrip");
	struct kafka_producer	*p;
	struct kafka_consumer	*c;
	char			 key[16];
	int			 i, k;

	testenv_create_topic(topic, 3);
	p = kafka_producer_new(r.base, testenv_brokers(), "test", 10000);
	c = consumer_for(&r, topic, NULL, NULL);
	for (i = 1; i <= PER_KEY; i++)
		for (k = 0; k < NKEYS; k++) {
			snprintf(key, sizeof(key), "C%d", k);
			produce_event(p, topic, key, i, &r);
		}
	assert_true(testenv_run_until(r.base, all_handled, &r, 60000));
	assert_int_equal(r.delivery_errors, 0);
	assert_int_equal(r.out_of_order, 0);
	assert_int_equal(r.dead, 0);
	kafka_consumer_close(c);
	kafka_producer_free(p);
	event_base_free(r.base);
	free(topic);
}

static bool
dead_and_next_handled(void *arg)
{
	struct run	*r = arg;

	return r->dead == 1 && r->handled == 1;
}

static void
test_undecodable_goes_to_dead_letters_and_consumer_moves_on(void **state)
{
	struct run		 r = { .base = event_base_new() };
	char			*topic = testenv_unique("dlqsrc");
	char			*dlq = testenv_unique("dlq");
	struct kafka_producer	*p;
	struct kafka_consumer	*c;
	struct testenv_record	*recs;
	const char		 garbage[] = "\xff\xff\xff not protobuf";
	size_t			 n;

	testenv_create_topic(topic, 1);
	testenv_create_topic(dlq, 1);
	p = kafka_producer_new(r.base, testenv_brokers(), "test", 10000);
	assert_int_equal(kafka_producer_send(p, topic, "C9", 2, garbage,
	    sizeof(garbage) - 1, NULL, 0, on_delivery, &r), 0);
	produce_event(p, topic, "after-garbage", 1, &r);
	c = consumer_for(&r, topic, p, dlq);
	assert_true(testenv_run_until(r.base, dead_and_next_handled, &r,
	    60000));
	assert_string_equal(r.last_complaint, "after-garbage");

	n = testenv_read_key(dlq, NULL, 30000, &recs);
	assert_int_equal(n, 1);
	assert_int_equal(recs[0].len, sizeof(garbage) - 1);
	assert_memory_equal(recs[0].payload, garbage, sizeof(garbage) - 1);
	assert_string_equal(recs[0].key, "C9");
	assert_string_equal(testenv_header(&recs[0], "dlq.reason"),
	    "undecodable ComplaintEvent");
	assert_string_equal(testenv_header(&recs[0], "dlq.topic"), topic);
	assert_string_equal(testenv_header(&recs[0], "dlq.offset"), "0");
	assert_string_equal(testenv_header(&recs[0], "dlq.service"), "test");
	testenv_records_free(recs, n);
	kafka_consumer_close(c);
	kafka_producer_free(p);
	event_base_free(r.base);
	free(topic);
	free(dlq);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_produce_consume_in_order_per_key),
		cmocka_unit_test(
		    test_undecodable_goes_to_dead_letters_and_consumer_moves_on),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
