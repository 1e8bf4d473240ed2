/*
 * What cdp-ops knows of the platform: the consuming services with their
 * groups and topics, and how it writes a record back to a topic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "nitems.h"
#include "ops.h"

#define OPS_SEND_TIMEOUT_MS	10000

/*
 * The daemons that consume, as their main.c files name their groups and
 * docs/operations.md ("Redis memory") their keys.
 */
static const struct ops_service services[] = {
	{ "intake", "intake-readmodel", { "complaints.events" }, NULL,
	    { "rm:*" }, NULL, NULL, "rm:epoch:*" },
	{ "classifier", "classifier", { "complaints.events", "orders.events",
	    "logistics.events" }, NULL, { "order:*", "cls:*" },
	    "cls:opened:", NULL, NULL },
	{ "sla-timer", "sla-timer", { "complaints.events" }, NULL,
	    { "sla:*" }, NULL, NULL, "sla:*:epoch" },
	{ "notifier", "notifier", { "complaints.events", "merchants.events" },
	    NULL, { "ntf:*" }, NULL,
	    "its state is notifications in flight and the marks of those "
	    "delivered, not a projection of the log: replayed from the "
	    "start, it would send old notifications again", NULL },
	/*
	 * penalty's first stage re-keys violations and commits to Kafka;
	 * its ledgers' stage (group "penalty") keeps its offsets in Redis.
	 */
	{ "penalty", "penalty-record", { "complaints.events" }, "penalty",
	    { "pen:*" }, NULL, NULL, "pen:*:epoch" },
	{ "analytics", "analytics", { "complaints.events",
	    "merchants.events" }, NULL, { "analytics:{@}:*" }, NULL, NULL,
	    NULL },
};

const struct ops_service *
ops_service(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(services); i++)
		if (strcmp(services[i].name, name) == 0)
			return &services[i];
	return NULL;
}

/* The i-th service, or NULL past the last. */
const struct ops_service *
ops_service_at(size_t i)
{
	return i < nitems(services) ? &services[i] :
	    NULL;
}

/* "intake, classifier, sla-timer", for the usage text. */
const char *
ops_service_names(void)
{
	static char	buf[256];
	size_t		i, off = 0;

	for (i = 0; i < nitems(services); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
		    i ? ", " : "", services[i].name);
	return buf;
}

int
ops_fail(const char *err)
{
	fprintf(stderr, "cdp-ops: %s\n", err);
	return 1;
}

static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	*(rd_kafka_resp_err_t *)m->_private = m->err;
}

/*
 * Writes m's key and payload to topic, as our producers do (idempotent,
 * acks=all, murmur2), with the header dlq.replayed_from, and waits for the
 * broker's answer. Returns 0 once the broker confirmed it.
 */
int
ops_send(const char *brokers, const char *topic, const rd_kafka_message_t *m,
    const char *replayed_from)
{
	rd_kafka_conf_t		*conf = rd_kafka_conf_new();
	rd_kafka_t		*rk;
	rd_kafka_resp_err_t	 dr = RD_KAFKA_RESP_ERR__IN_PROGRESS, e;
	char			 err[512];

	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.idempotence", "true", err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "partitioner", "murmur2_random", err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    kafka_conf_security(conf, err, sizeof(err)) == -1) {
		rd_kafka_conf_destroy(conf);
		ops_fail(err);
		return -1;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err,
	    sizeof(err))) == NULL) {
		rd_kafka_conf_destroy(conf);
		ops_fail(err);
		return -1;
	}
	e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
	    RD_KAFKA_V_KEY(m->key, m->key_len),
	    RD_KAFKA_V_VALUE(m->payload, m->len),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_HEADER("dlq.replayed_from", replayed_from,
	    (ssize_t)strlen(replayed_from)),
	    RD_KAFKA_V_OPAQUE(&dr), RD_KAFKA_V_END);
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
		rd_kafka_flush(rk, OPS_SEND_TIMEOUT_MS);
	else
		dr = e;
	rd_kafka_destroy(rk);
	if (dr != RD_KAFKA_RESP_ERR_NO_ERROR)
		fprintf(stderr, "cdp-ops: %s: %s\n", topic,
		    rd_kafka_err2str(dr));
	return dr == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}
