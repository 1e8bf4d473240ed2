/*
 * The baseline of the pipeline benchmarks (issue 15): one bare librdkafka
 * hop, produce to consume, with the settings our daemons use (idempotence,
 * acks=all, murmur2, linger.ms=2), on the same broker, in the same run.
 * The pipeline's figures are reported as ratios against it.
 *
 *	kafka_hop [-b brokers] [-t topic] [-n count] [-s bytes] [-r rate]
 *
 * -r 0 (the default) produces as fast as the producer takes messages and
 * reports throughput; -r N produces N messages a second on a fixed
 * schedule (open loop: a slow broker cannot slow the schedule down) and
 * reports the latency from each message's due time on that schedule to its
 * consumption. Before either, one message per partition is sent and
 * awaited (the warm-up, not counted): the idempotent producer's id, the
 * connections and the consumer's first fetches are then done, and do not
 * land in the first messages' latency (at a low rate and few messages,
 * they were the p99: 883 ms in one run). The last line printed is
 * machine-readable:
 *
 *	hop count=N bytes=S rate=R msgs_per_s=X p50_ms=Y p99_ms=Z
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "stats.h"
#include "xmalloc.h"

#define HOP_TOPIC	"bench.hop"
#define HOP_PARTITIONS	12
#define HOP_TIMEOUT_MS	10000
#define HOP_WARMUP	INT64_MIN	/* the send time of a warm-up message */

struct hop {
	rd_kafka_t	*producer;
	rd_kafka_t	*consumer;
	const char	*topic;
	size_t		 count;
	size_t		 bytes;
	double		 rate;
	size_t		 produced;
	size_t		 acked;
	size_t		 failed;
	size_t		 consumed;
	size_t		 warmed;		/* warm-up messages consumed */
	double		*latency_ms;	/* one per consumed message */
	int64_t		 start_ns;
	int64_t		 last_ns;
};

static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: kafka_hop [-b brokers] [-t topic] [-n count]"
	    " [-s bytes] [-r rate]\n");
	exit(2);
}

static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct hop	*h = opaque;

	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
		h->acked++;
	else
		h->failed++;
}

/* Settings of the producer (as our daemons set theirs) and the consumer. */
static const char *const producer_settings[][2] = {
	{ "enable.idempotence", "true" },
	{ "acks", "all" },
	{ "partitioner", "murmur2_random" },
	{ "linger.ms", "2" },
};
static const char *const consumer_settings[][2] = {
	{ "group.id", "bench-hop" },		/* never joined: assign only */
	{ "enable.auto.commit", "false" },
	{ "fetch.wait.max.ms", "10" },
};

static rd_kafka_t *
client(rd_kafka_type_t type, const char *brokers, struct hop *h)
{
	const char *const	(*set)[2] = type == RD_KAFKA_PRODUCER ?
				    producer_settings : consumer_settings;
	size_t			 n = type == RD_KAFKA_PRODUCER ?
				    4 : 3, i;
	rd_kafka_conf_t		*conf = rd_kafka_conf_new();
	rd_kafka_t		*rk;
	char			 err[512];

	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err,
	    sizeof(err)) != RD_KAFKA_CONF_OK)
		goto fail;
	for (i = 0; i < n; i++)
		if (rd_kafka_conf_set(conf, set[i][0], set[i][1], err,
		    sizeof(err)) != RD_KAFKA_CONF_OK)
			goto fail;
	rd_kafka_conf_set_opaque(conf, h);
	if (type == RD_KAFKA_PRODUCER)
		rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	if ((rk = rd_kafka_new(type, conf, err, sizeof(err))) != NULL)
		return rk;
fail:
	fprintf(stderr, "kafka_hop: %s\n", err);
	exit(1);
}

/* Creates the topic if it is missing; an existing one is fine. */
static void
topic_create(rd_kafka_t *rk, const char *topic)
{
	rd_kafka_NewTopic_t	*nt;
	rd_kafka_queue_t	*q = rd_kafka_queue_new(rk);
	rd_kafka_event_t	*ev;
	char			 err[256];

	nt = rd_kafka_NewTopic_new(topic, HOP_PARTITIONS, -1, err,
	    sizeof(err));
	rd_kafka_NewTopic_set_config(nt, "retention.ms", "600000");
	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	if ((ev = rd_kafka_queue_poll(q, HOP_TIMEOUT_MS)) != NULL)
		rd_kafka_event_destroy(ev);
	rd_kafka_NewTopic_destroy(nt);
	rd_kafka_queue_destroy(q);
}

/* Assigns every partition at its current end: only new messages count. */
static void
consumer_assign_end(struct hop *h)
{
	rd_kafka_topic_partition_list_t	*l;
	int64_t				 lo, hi;
	int				 p, tries;

	l = rd_kafka_topic_partition_list_new(HOP_PARTITIONS);
	for (p = 0; p < HOP_PARTITIONS; p++) {
		/* A topic just created takes a moment to have leaders. */
		for (tries = 0; rd_kafka_query_watermark_offsets(h->consumer,
		    h->topic, p, &lo, &hi, HOP_TIMEOUT_MS) !=
		    RD_KAFKA_RESP_ERR_NO_ERROR; tries++) {
			if (tries == 50) {
				fprintf(stderr, "kafka_hop: no offsets for "
				    "%s[%d]\n", h->topic, p);
				exit(1);
			}
			nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
		}
		rd_kafka_topic_partition_list_add(l, h->topic, p)->offset = hi;
	}
	rd_kafka_assign(h->consumer, l);
	rd_kafka_topic_partition_list_destroy(l);
}

static void
consume(struct hop *h, int timeout_ms)
{
	rd_kafka_message_t	*m;
	int64_t			 sent, now;

	while ((m = rd_kafka_consumer_poll(h->consumer, timeout_ms)) != NULL) {
		timeout_ms = 0;
		if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR ||
		    m->len < sizeof(sent)) {
			rd_kafka_message_destroy(m);
			continue;
		}
		memcpy(&sent, m->payload, sizeof(sent));
		if (sent == HOP_WARMUP)
			h->warmed++;
		else if (h->consumed < h->count) {
			now = now_ns();
			h->latency_ms[h->consumed++] = (double)(now - sent) /
			    1e6;
			h->last_ns = now;
		}
		rd_kafka_message_destroy(m);
	}
}

/*
 * Sends one message stamped t (its send or due time, or HOP_WARMUP) to
 * partition (or by key when RD_KAFKA_PARTITION_UA); waits if the queue
 * is full.
 */
static void
produce_one(struct hop *h, char *buf, size_t i, int64_t t, int32_t partition)
{
	char	key[32];

	memcpy(buf, &t, sizeof(t));
	snprintf(key, sizeof(key), "hop-%zu", i);
	while (rd_kafka_producev(h->producer, RD_KAFKA_V_TOPIC(h->topic),
	    RD_KAFKA_V_PARTITION(partition),
	    RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(buf, h->bytes),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) ==
	    RD_KAFKA_RESP_ERR__QUEUE_FULL) {
		rd_kafka_poll(h->producer, 1);
		consume(h, 0);
	}
}

/*
 * One message to every partition, each awaited by the consumer: whatever
 * the first messages of a fresh client wait for (the producer id of
 * idempotence, connections, the first fetch of each partition) happens
 * here, outside the measurement.
 */
static void
warm_up(struct hop *h, char *buf)
{
	int64_t	deadline = now_ns() + (int64_t)HOP_TIMEOUT_MS * 3 * 1000000;
	int32_t	p;

	for (p = 0; p < HOP_PARTITIONS; p++)
		produce_one(h, buf, 0, HOP_WARMUP, p);
	while (h->warmed < HOP_PARTITIONS && now_ns() < deadline) {
		rd_kafka_poll(h->producer, 0);
		consume(h, 10);
	}
	rd_kafka_flush(h->producer, HOP_TIMEOUT_MS);
	h->acked = h->failed = 0;
	if (h->warmed < HOP_PARTITIONS)
		fprintf(stderr, "kafka_hop: warm-up: %zu of %d messages back\n",
		    h->warmed, HOP_PARTITIONS);
}

/* Waits until due, serving both clients without spinning a core. */
static void
wait_until(struct hop *h, int64_t due)
{
	int64_t	now;

	while ((now = now_ns()) < due) {
		rd_kafka_poll(h->producer, 0);
		consume(h, (int)((due - now) / 1000000));
	}
}

/*
 * Sends the messages: as fast as the producer takes them (rate 0), each
 * stamped with its send time, or on the schedule, each stamped with its
 * due time, so a late send counts (no coordinated omission).
 */
static void
run(struct hop *h)
{
	char	*buf = xcalloc(1, h->bytes);
	int64_t	 due;
	size_t	 i;

	warm_up(h, buf);
	h->start_ns = now_ns();
	for (i = 0; i < h->count; i++) {
		due = now_ns();
		if (h->rate > 0) {
			due = h->start_ns + (int64_t)((double)i * 1e9 /
			    h->rate);
			wait_until(h, due);
		}
		produce_one(h, buf, i, due, RD_KAFKA_PARTITION_UA);
		h->produced++;
		rd_kafka_poll(h->producer, 0);
		if (i % 64 == 0)
			consume(h, 0);
	}
	if (h->last_ns == 0)
		h->last_ns = now_ns();	/* the wait counts from here */
	while (h->consumed < h->count && now_ns() - h->last_ns <
	    (int64_t)HOP_TIMEOUT_MS * 1000000) {
		rd_kafka_poll(h->producer, 0);
		consume(h, 10);
	}
	rd_kafka_flush(h->producer, HOP_TIMEOUT_MS);
	free(buf);
}

int
main(int argc, char **argv)
{
	struct hop	 h = { .topic = HOP_TOPIC, .count = 20000, .bytes = 600 };
	const char	*brokers = getenv("KAFKA_BROKERS");
	double		 secs;
	int		 ch;

	if (brokers == NULL)
		brokers = "127.0.0.1:9092";
	while ((ch = getopt(argc, argv, "b:t:n:s:r:")) != -1) {
		switch (ch) {
		case 'b': brokers = optarg; break;
		case 't': h.topic = optarg; break;
		case 'n': h.count = strtoul(optarg, NULL, 10); break;
		case 's': h.bytes = strtoul(optarg, NULL, 10); break;
		case 'r': h.rate = strtod(optarg, NULL); break;
		default: usage();
		}
	}
	if (h.count == 0 || h.bytes < sizeof(int64_t) || h.rate < 0)
		usage();
	h.latency_ms = xcalloc(h.count, sizeof(double));
	h.producer = client(RD_KAFKA_PRODUCER, brokers, &h);
	h.consumer = client(RD_KAFKA_CONSUMER, brokers, &h);
	topic_create(h.producer, h.topic);
	consumer_assign_end(&h);
	run(&h);
	secs = (double)(h.last_ns - h.start_ns) / 1e9;
	stats_sort(h.latency_ms, h.consumed);
	printf("hop count=%zu bytes=%zu rate=%.0f msgs_per_s=%.0f "
	    "p50_ms=%.2f p99_ms=%.2f acked=%zu failed=%zu consumed=%zu\n",
	    h.count, h.bytes, h.rate, secs > 0 ? (double)h.consumed / secs :
	    0, stats_percentile(h.latency_ms, h.consumed, 50),
	    stats_percentile(h.latency_ms, h.consumed, 99), h.acked, h.failed,
	    h.consumed);
	rd_kafka_consumer_close(h.consumer);
	rd_kafka_destroy(h.consumer);
	rd_kafka_destroy(h.producer);
	free(h.latency_ms);
	return h.consumed == h.count ? 0 : 1;
}
