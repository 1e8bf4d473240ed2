/*
 * The tools' librdkafka clients: one place that applies the broker list,
 * the platform's security settings (KAFKA_SECURITY_PROTOCOL, SASL, SSL:
 * kafka_conf_security()) and a tool's own settings, and waits for an admin
 * result.
 */
#ifndef CDP_KAFKACLIENT_H
#define CDP_KAFKACLIENT_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

rd_kafka_t		*kafkaclient_new(rd_kafka_type_t type,
			    const char *brokers, const char *const *settings,
			    char *err, size_t errsz);
rd_kafka_event_t	*kafkaclient_wait(rd_kafka_queue_t *q,
			    rd_kafka_event_type_t type, int timeout_ms);

#endif
