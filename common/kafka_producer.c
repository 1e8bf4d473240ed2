/*
 * The idempotent producer (acks=all, murmur2 partitioning like the
 * platform's Java services). A write counts only when its delivery report
 * says so: the callback given to kafka_producer_send() is called exactly
 * once, on the event loop, with the broker's answer or the error that ended
 * the attempt (a timeout after delivery_timeout_ms, for instance).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "pb.h"
#include "xmalloc.h"

struct kafka_producer {
	rd_kafka_t		*rk;
	rd_kafka_queue_t	*queue;
	struct kafka_wakeup	*wakeup;
	struct kafka_health	 health;
	size_t			 in_flight;
	struct metric		*delivery_seconds;
	struct metric		*delivered;
	struct metric		*failed;
	struct metric		*refused;
};

struct delivery {
	kafka_delivery_fn	 fn;
	void			*arg;
	int64_t			 queued_ms;
};

static void
producer_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
    void *opaque)
{
	struct kafka_producer	*p = opaque;
	struct delivery		*d = rkm->_private;
	struct kafka_delivery	 kd;

	p->in_flight--;
	metrics_observe(p->delivery_seconds,
	    (double)(meta_now_ms() - d->queued_ms) / 1000.0);
	if (rkm->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		metrics_inc(p->failed);
		log_warnx("kafka: delivery to %s failed: %s",
		    rd_kafka_topic_name(rkm->rkt), rd_kafka_err2str(rkm->err));
	} else
		metrics_inc(p->delivered);
	kd.err = rkm->err;
	kd.status = rd_kafka_message_status(rkm);
	kd.partition = rkm->partition;
	kd.offset = rkm->offset;
	if (d->fn != NULL)
		d->fn(d->arg, &kd);
	free(d);
}

static int
producer_on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct kafka_producer	*p = opaque;

	kafka_health_update(&p->health, json);
	return 0;
}

static void
producer_serve(void *arg)
{
	struct kafka_producer	*p = arg;

	while (rd_kafka_poll(p->rk, 0) > 0)
		;
}

static void
producer_metrics(struct kafka_producer *p, const char *client_id)
{
	char	labels[256];

	if (metrics_labels(labels, sizeof(labels), "client", client_id, NULL) ==
	    -1)
		fatalx("kafka: client id too long: %s", client_id);
	p->delivery_seconds = metrics_histogram("kafka_delivery_seconds",
	    "Time from produce to the broker's delivery report.", labels,
	    metrics_latency_seconds, metrics_latency_seconds_n);
	p->delivered = metrics_counter("kafka_delivered_total",
	    "Messages the broker confirmed.", labels);
	p->failed = metrics_counter("kafka_delivery_failed_total",
	    "Messages whose delivery failed.", labels);
	p->refused = metrics_counter("kafka_produce_refused_total",
	    "Messages refused at once (queue full, unknown topic).", labels);
}

/*
 * Creates a producer whose writes either reach the broker within
 * delivery_timeout_ms or are reported failed.
 */
struct kafka_producer *
kafka_producer_new(struct event_base *base, const char *brokers,
    const char *client_id, int delivery_timeout_ms)
{
	struct kafka_producer	*p = xcalloc(1, sizeof(*p));
	rd_kafka_conf_t		*conf = kafka_conf_new(brokers, client_id);
	char			 errstr[512], timeout[32];

	snprintf(timeout, sizeof(timeout), "%d", delivery_timeout_ms);
	kafka_conf_set(conf, "enable.idempotence", "true");
	kafka_conf_set(conf, "acks", "all");
	kafka_conf_set(conf, "partitioner", "murmur2_random");
	kafka_conf_set(conf, "message.timeout.ms", timeout);
	kafka_conf_set(conf, "linger.ms", "2");
	rd_kafka_conf_set_dr_msg_cb(conf, producer_on_delivery);
	rd_kafka_conf_set_stats_cb(conf, producer_on_stats);
	rd_kafka_conf_set_opaque(conf, p);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (p->rk == NULL)
		fatalx("kafka: cannot create producer: %s", errstr);
	rd_kafka_set_log_queue(p->rk, NULL);
	p->queue = rd_kafka_queue_get_main(p->rk);
	p->wakeup = kafka_wakeup_new(base, p->queue, producer_serve, p);
	producer_metrics(p, client_id);
	return p;
}

static rd_kafka_headers_t *
producer_headers(const struct kafka_header *headers, size_t n)
{
	rd_kafka_headers_t	*hdrs;
	size_t			 i;

	if (n == 0)
		return NULL;
	hdrs = rd_kafka_headers_new(n);
	for (i = 0; i < n; i++)
		rd_kafka_header_add(hdrs, headers[i].name, -1,
		    headers[i].value, (ssize_t)headers[i].len);
	return hdrs;
}

/*
 * Queues one message. Returns 0 when queued (fn will be called exactly
 * once), or -1 when refused at once, for example because the local queue
 * is full: the caller then decides (answer 503, retry later); fn is not
 * called.
 */
int
kafka_producer_send(struct kafka_producer *p, const char *topic,
    const void *key, size_t keylen, const void *payload, size_t len,
    const struct kafka_header *headers, size_t nheaders,
    kafka_delivery_fn fn, void *arg)
{
	struct delivery		*d = xmalloc(sizeof(*d));
	rd_kafka_headers_t	*hdrs = producer_headers(headers, nheaders);
	rd_kafka_resp_err_t	 err;

	d->fn = fn;
	d->arg = arg;
	d->queued_ms = meta_now_ms();
	err = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(topic),
	    RD_KAFKA_V_KEY(key, keylen), RD_KAFKA_V_VALUE((void *)payload, len),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		metrics_inc(p->refused);
		log_warnx("kafka: cannot queue a message for %s: %s", topic,
		    rd_kafka_err2str(err));
		if (hdrs != NULL)
			rd_kafka_headers_destroy(hdrs);
		free(d);
		errno = err == RD_KAFKA_RESP_ERR__QUEUE_FULL ? EAGAIN : EINVAL;
		return -1;
	}
	p->in_flight++;
	return 0;
}

/*
 * Packs msg and sends it keyed by key (a complaint, merchant or order id):
 * how every daemon writes its events. As kafka_producer_send().
 */
int
kafka_producer_send_pb(struct kafka_producer *p, const char *topic,
    const char *key, const ProtobufCMessage *msg, kafka_delivery_fn fn,
    void *arg)
{
	uint8_t	*buf;
	size_t	 len;
	int	 rc;

	buf = pb_pack(msg, &len);
	rc = kafka_producer_send(p, topic, key, strlen(key), buf, len, NULL, 0,
	    fn, arg);
	free(buf);
	return rc;
}

/* A readiness check for httpd: some broker is connected. */
int
kafka_producer_ready(void *arg, char *why, size_t whysz)
{
	struct kafka_producer	*p = arg;

	if (p->health.broker_up)
		return 1;
	snprintf(why, whysz, "no Kafka broker connected");
	return 0;
}

/*
 * A topic's partition count from the brokers' metadata, or -1 when they
 * did not tell within timeout_ms (logged). It blocks the loop for as long
 * as the brokers take, so callers ask once and keep the answer.
 */
int
kafka_producer_partitions(struct kafka_producer *p, const char *topic,
    int timeout_ms)
{
	char	err[256];
	int	n;

	if ((n = kafka_partitions(p->rk, topic, timeout_ms, err,
	    sizeof(err))) == -1)
		log_warnx("kafka: %s", err);
	return n;
}

size_t
kafka_producer_in_flight(struct kafka_producer *p)
{
	return p->in_flight;
}

/*
 * Waits up to timeout_ms for queued messages to be delivered, serving their
 * reports. Used at shutdown: it blocks the loop.
 */
void
kafka_producer_flush(struct kafka_producer *p, int timeout_ms)
{
	if (rd_kafka_flush(p->rk, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
		log_warnx("kafka: %zu messages not delivered at shutdown",
		    p->in_flight);
	producer_serve(p);
}

void
kafka_producer_free(struct kafka_producer *p)
{
	if (p == NULL)
		return;
	/* What is still queued is reported failed, so no callback is lost. */
	rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	producer_serve(p);
	rd_kafka_queue_io_event_enable(p->queue, -1, NULL, 0);
	kafka_wakeup_free(p->wakeup);
	rd_kafka_queue_destroy(p->queue);
	rd_kafka_destroy(p->rk);
	free(p);
}
