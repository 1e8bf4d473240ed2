/*
 * On a three-broker cluster (./dev test --brokers 3, label cluster): while
 * common/'s producer (acks=all, idempotent) writes a steady stream to a
 * topic with 3 replicas and min.insync.replicas=2, the leader of its
 * partition is SIGKILLed. Every write must still be acknowledged (the
 * producer rides through the leader change) and every acknowledged write
 * must be read back, once, from the brokers that are left. With fewer than
 * three brokers the test exits 77, which ctest shows as skipped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "testenv.h"
#include "xmalloc.h"

#define SKIP_STATUS	77
#define PER_TICK	5
#define TICK_MS		20
#define PRODUCE_MS	20000	/* the stream's length */
#define KILL_AT_MS	5000	/* when its leader dies */
#define MAX_MSGS	(PRODUCE_MS / TICK_MS * PER_TICK + PER_TICK)

struct run {
	struct event_base	*base;
	struct event		*tick;
	struct kafka_producer	*p;
	const char		*topic;
	int64_t			 t0;
	int			 sent;
	int			 acked;
	int			 failed;
	int			 killed;	/* the node SIGKILLed, or 0 */
	unsigned char		 acks[MAX_MSGS];
};

/* The brokers in the cluster's metadata, and the leader of partition 0. */
static int
cluster_brokers(const char *topic, int *leader)
{
	rd_kafka_conf_t			*conf = rd_kafka_conf_new();
	const struct rd_kafka_metadata	*md;
	rd_kafka_topic_t		*rkt = NULL;
	rd_kafka_t			*rk;
	char				 err[256];
	int				 n = -1;

	rd_kafka_conf_set(conf, "bootstrap.servers", testenv_brokers(), err,
	    sizeof(err));
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err))) ==
	    NULL)
		fatalx("test: %s", err);
	if (topic != NULL)
		rkt = rd_kafka_topic_new(rk, topic, NULL);
	if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == 0) {
		n = md->broker_cnt;
		if (leader != NULL && md->topic_cnt == 1 &&
		    md->topics[0].partition_cnt > 0)
			*leader = md->topics[0].partitions[0].leader;
		rd_kafka_metadata_destroy(md);
	}
	if (rkt != NULL)
		rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	return n;
}

/* One partition, 3 replicas, 2 of them needed for a write. */
static void
create_replicated_topic(const char *topic)
{
	rd_kafka_conf_t			*conf = rd_kafka_conf_new();
	rd_kafka_t			*rk;
	rd_kafka_NewTopic_t		*nt;
	rd_kafka_queue_t		*q;
	rd_kafka_event_t		*ev;
	const rd_kafka_topic_result_t	**res;
	size_t				 n;
	char				 err[256];

	rd_kafka_conf_set(conf, "bootstrap.servers", testenv_brokers(), err,
	    sizeof(err));
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err))) ==
	    NULL)
		fatalx("test: %s", err);
	nt = rd_kafka_NewTopic_new(topic, 1, 3, err, sizeof(err));
	assert_non_null(nt);
	assert_int_equal(rd_kafka_NewTopic_set_config(nt,
	    "min.insync.replicas", "2"), 0);
	q = rd_kafka_queue_new(rk);
	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	assert_non_null(ev = rd_kafka_queue_poll(q, 30000));
	res = rd_kafka_CreateTopics_result_topics(
	    rd_kafka_event_CreateTopics_result(ev), &n);
	assert_int_equal(n, 1);
	assert_int_equal(rd_kafka_topic_result_error(res[0]), 0);
	rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(q);
	rd_kafka_NewTopic_destroy(nt);
	rd_kafka_destroy(rk);
}

/* The delivery report carries no payload: each message has its own arg. */
struct msg_ref {
	struct run	*r;
	int		 seq;
};

static void
on_msg_delivery(void *arg, const struct kafka_delivery *d)
{
	struct msg_ref	*m = arg;

	if (d->err == 0) {
		m->r->acks[m->seq] = 1;
		m->r->acked++;
	} else {
		log_warnx("test: message %d failed: %s", m->seq,
		    rd_kafka_err2str(d->err));
		m->r->failed++;
	}
	free(m);
}

static void
send_one(struct run *r)
{
	struct msg_ref	*m = xcalloc(1, sizeof(*m));
	char		 payload[32];
	int		 len;

	m->r = r;
	m->seq = r->sent++;
	len = snprintf(payload, sizeof(payload), "%d", m->seq);
	assert_int_equal(kafka_producer_send(r->p, r->topic, "k", 1, payload,
	    (size_t)len, NULL, 0, on_msg_delivery, m), 0);
}

/* Leader of partition 0 SIGKILLed, as a crash would. */
static void
kill_leader(struct run *r)
{
	char	*args;
	int	 leader = -1;

	assert_int_equal(cluster_brokers(r->topic, &leader), 3);
	assert_true(leader >= 1 && leader <= 3);
	args = xasprintf("kafka kill %d test", leader);
	assert_int_equal(testenv_dev(args), 0);
	free(args);
	r->killed = leader;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct run	*r = arg;
	int64_t		 t = meta_now_ms() - r->t0;
	int		 i;

	(void)fd;
	(void)what;
	if (t >= PRODUCE_MS) {
		event_del(r->tick);
		return;
	}
	if (t >= KILL_AT_MS && r->killed == 0)
		kill_leader(r);
	for (i = 0; i < PER_TICK && r->sent < MAX_MSGS; i++)
		send_one(r);
}

static bool
all_answered(void *arg)
{
	struct run	*r = arg;

	return meta_now_ms() - r->t0 >= PRODUCE_MS &&
	    r->acked + r->failed == r->sent;
}

/* Counts each acknowledged message found, and any found twice. */
static void
read_back(const struct run *r, int *found, int *twice)
{
	struct testenv_record	*recs;
	unsigned char		*seen = xcalloc(MAX_MSGS, 1);
	size_t			 n, i;
	int			 seq;

	*found = *twice = 0;
	n = testenv_read_key(r->topic, NULL, 60000, &recs);
	for (i = 0; i < n; i++) {
		char	buf[32];

		snprintf(buf, sizeof(buf), "%.*s", (int)recs[i].len,
		    (const char *)recs[i].payload);
		seq = atoi(buf);
		if (seq < 0 || seq >= MAX_MSGS)
			continue;
		if (seen[seq]++)
			(*twice)++;
		else if (r->acks[seq])
			(*found)++;
	}
	testenv_records_free(recs, n);
	free(seen);
}

static void
test_leader_killed_nothing_acknowledged_lost(void **state)
{
	struct run	*r = xcalloc(1, sizeof(*r));
	char		*topic = testenv_unique("cluster");
	char		*args;
	int		 found, twice;

	(void)state;
	r->base = event_base_new();
	r->topic = topic;
	create_replicated_topic(topic);
	r->p = kafka_producer_new(r->base, testenv_brokers(), "test", 60000);
	r->tick = event_new(r->base, -1, EV_PERSIST, on_tick, r);
	event_add(r->tick, &(struct timeval){ 0, TICK_MS * 1000 });
	r->t0 = meta_now_ms();
	assert_true(testenv_run_until(r->base, all_answered, r, 120000));
	assert_int_not_equal(r->killed, 0);
	read_back(r, &found, &twice);
	log_warnx("test: sent %d acked %d failed %d found %d twice %d"
	    " (leader %d killed)", r->sent, r->acked, r->failed, found, twice,
	    r->killed);
	args = xasprintf("kafka start test");
	assert_int_equal(testenv_dev(args), 0);
	free(args);
	assert_int_equal(r->failed, 0);
	assert_int_equal(r->acked, r->sent);
	assert_int_equal(found, r->acked);
	assert_int_equal(twice, 0);
	event_free(r->tick);
	kafka_producer_free(r->p);
	event_base_free(r->base);
	free(r);
	free(topic);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leader_killed_nothing_acknowledged_lost),
	};
	int	n;

	log_init("test", LOG_LEVEL_WARN);
	if ((n = cluster_brokers(NULL, NULL)) < 3) {
		printf("skipped: %d broker(s); run ./dev test --brokers 3"
		    " -L cluster\n", n);
		return SKIP_STATUS;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
