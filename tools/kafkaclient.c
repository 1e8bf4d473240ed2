/*
 * A client for the tools (kafkaclient.h): settings are name, value pairs
 * ending with NULL, applied after the broker list and before the security
 * settings, which come from the environment as the daemons read them.
 */
#include "kafka.h"
#include "kafkaclient.h"

/* A client of type, or NULL with the reason in err. */
rd_kafka_t *
kafkaclient_new(rd_kafka_type_t type, const char *brokers,
    const char *const *settings, char *err, size_t errsz)
{
	rd_kafka_conf_t	*conf = rd_kafka_conf_new();
	rd_kafka_t	*rk = NULL;
	size_t		 i;

	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err,
	    errsz) != RD_KAFKA_CONF_OK)
		goto fail;
	for (i = 0; settings != NULL && settings[i] != NULL; i += 2)
		if (rd_kafka_conf_set(conf, settings[i], settings[i + 1], err,
		    errsz) != RD_KAFKA_CONF_OK)
			goto fail;
	if (kafka_conf_security(conf, err, errsz) == -1)
		goto fail;
	if ((rk = rd_kafka_new(type, conf, err, errsz)) != NULL)
		return rk;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

/* The admin result of type on q, skipping other events; NULL on timeout. */
rd_kafka_event_t *
kafkaclient_wait(rd_kafka_queue_t *q, rd_kafka_event_type_t type,
    int timeout_ms)
{
	rd_kafka_event_t	*ev;

	while ((ev = rd_kafka_queue_poll(q, timeout_ms)) != NULL) {
		if (rd_kafka_event_type(ev) == type)
			return ev;
		rd_kafka_event_destroy(ev);
	}
	return NULL;
}
