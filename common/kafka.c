/*
 * What the Kafka producer and consumer share: configuration, the wake-up
 * of the event loop when a librdkafka queue has something to serve, broker
 * health from librdkafka's statistics, and error and log routing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "kafka.h"
#include "nitems.h"
#include "log.h"
#include "meta.h"
#include "xmalloc.h"

/*
 * A safety net: librdkafka signals the pipe only when a queue goes from
 * empty to non-empty, so the queue is also served on this period in case a
 * wake-up was missed while it was being drained.
 */
#define KAFKA_WAKEUP_PERIOD_MS	100

struct kafka_wakeup {
	int		 pipe[2];
	struct event	*read_ev;
	struct event	*timer_ev;
	void		(*fn)(void *);
	void		*arg;
};

static void	kafka_error(rd_kafka_t *, int, const char *, void *);
static void	kafka_log(const rd_kafka_t *, int, const char *, const char *);

/* The transport settings of the environment and librdkafka's names. */
static const char *const kafka_security[][2] = {
	{ "KAFKA_SECURITY_PROTOCOL", "security.protocol" },
	{ "KAFKA_SASL_MECHANISM", "sasl.mechanism" },
	{ "KAFKA_SASL_USERNAME", "sasl.username" },
	{ "KAFKA_SASL_PASSWORD", "sasl.password" },
	{ "KAFKA_SSL_CA_LOCATION", "ssl.ca.location" },
	{ "KAFKA_SSL_CERTIFICATE_LOCATION", "ssl.certificate.location" },
	{ "KAFKA_SSL_KEY_LOCATION", "ssl.key.location" },
	{ "KAFKA_SSL_KEY_PASSWORD", "ssl.key.password" },
	{ "KAFKA_SSL_ENDPOINT_IDENTIFICATION",
	    "ssl.endpoint.identification.algorithm" },
};

/*
 * Passes the transport settings set in the environment (SASL, SSL) to
 * librdkafka; unset ones keep librdkafka's defaults (plaintext). -1 with
 * the variable and librdkafka's reason in err (never the value: it may be
 * a password) when librdkafka refuses one. Every daemon and tool calls it.
 */
int
kafka_conf_security(rd_kafka_conf_t *conf, char *err, size_t errsz)
{
	char		 why[256];
	const char	*v;
	size_t		 i;

	for (i = 0; i < nitems(kafka_security); i++) {
		if ((v = getenv(kafka_security[i][0])) == NULL || *v == '\0')
			continue;
		if (rd_kafka_conf_set(conf, kafka_security[i][1], v, why,
		    sizeof(why)) != RD_KAFKA_CONF_OK) {
			snprintf(err, errsz, "%s: %s", kafka_security[i][0],
			    why);
			return -1;
		}
	}
	return 0;
}

/* Creates a configuration with the settings every client of ours uses. */
rd_kafka_conf_t *
kafka_conf_new(const char *brokers, const char *client_id)
{
	rd_kafka_conf_t	*conf = rd_kafka_conf_new();
	char		 err[512];

	kafka_conf_set(conf, "bootstrap.servers", brokers);
	kafka_conf_set(conf, "client.id", client_id);
	kafka_conf_set(conf, "statistics.interval.ms", "1000");
	kafka_conf_set(conf, "log.queue", "true");
	kafka_conf_set(conf, "reconnect.backoff.ms", "100");
	kafka_conf_set(conf, "reconnect.backoff.max.ms", "5000");
	if (kafka_conf_security(conf, err, sizeof(err)) == -1)
		fatalx("config: %s", err);
	rd_kafka_conf_set_error_cb(conf, kafka_error);
	rd_kafka_conf_set_log_cb(conf, kafka_log);
	return conf;
}

/* A setting librdkafka refuses is a programming error. */
void
kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
	char	errstr[512];

	if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) !=
	    RD_KAFKA_CONF_OK)
		fatalx("kafka: setting %s=%s: %s", name, value, errstr);
}

static void
wakeup_drain(struct kafka_wakeup *w)
{
	char	buf[64];

	while (read(w->pipe[0], buf, sizeof(buf)) > 0)
		;
	w->fn(w->arg);
}

static void
wakeup_on_read(evutil_socket_t fd, short what, void *arg)
{
	wakeup_drain(arg);
}

static void
wakeup_on_timer(evutil_socket_t fd, short what, void *arg)
{
	wakeup_drain(arg);
}

/*
 * Calls fn on the event loop whenever queue has events to serve. fn must
 * serve the queue until it is empty.
 */
struct kafka_wakeup *
kafka_wakeup_new(struct event_base *base, rd_kafka_queue_t *queue,
    void (*fn)(void *), void *arg)
{
	struct kafka_wakeup	*w = xcalloc(1, sizeof(*w));
	struct timeval		 tv = { 0, KAFKA_WAKEUP_PERIOD_MS * 1000 };
	int			 i;

	if (pipe(w->pipe) == -1)
		fatal("kafka: pipe");
	for (i = 0; i < 2; i++)
		if (fcntl(w->pipe[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(w->pipe[i], F_SETFD, FD_CLOEXEC) == -1)
			fatal("kafka: fcntl");
	w->fn = fn;
	w->arg = arg;
	rd_kafka_queue_io_event_enable(queue, w->pipe[1], "1", 1);
	w->read_ev = event_new(base, w->pipe[0], EV_READ | EV_PERSIST,
	    wakeup_on_read, w);
	w->timer_ev = event_new(base, -1, EV_PERSIST, wakeup_on_timer, w);
	if (w->read_ev == NULL || w->timer_ev == NULL ||
	    event_add(w->read_ev, NULL) == -1 ||
	    event_add(w->timer_ev, &tv) == -1)
		fatalx("kafka: cannot add wake-up events");
	return w;
}

/* The queue's io event must be disabled by the caller first. */
void
kafka_wakeup_free(struct kafka_wakeup *w)
{
	if (w == NULL)
		return;
	event_free(w->read_ev);
	event_free(w->timer_ev);
	close(w->pipe[0]);
	close(w->pipe[1]);
	free(w);
}

/*
 * Reads the brokers' connection states from a statistics JSON document:
 * the client counts as connected while at least one real broker (not the
 * bootstrap placeholder) is UP.
 */
void
kafka_health_update(struct kafka_health *h, const char *json)
{
	json_t		*root, *brokers, *b;
	const char	*name, *state;
	json_int_t	 nodeid;
	bool		 up = false;

	if ((root = json_loads(json, 0, NULL)) == NULL)
		return;
	brokers = json_object_get(root, "brokers");
	json_object_foreach(brokers, name, b) {
		state = json_string_value(json_object_get(b, "state"));
		nodeid = json_integer_value(json_object_get(b, "nodeid"));
		if (state != NULL && strcmp(state, "UP") == 0 && nodeid >= 0)
			up = true;
	}
	json_decref(root);
	h->broker_up = up;
	if (up)
		h->last_up_ms = meta_now_ms();
}

/*
 * librdkafka reports transient errors (brokers down, timeouts) that it
 * recovers from by itself, and fatal ones, such as an idempotent producer
 * whose guarantees are broken, after which the client cannot go on.
 */
static void
kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	char	fatal_reason[512];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, fatal_reason, sizeof(fatal_reason));
		fatalx("kafka: fatal error in %s: %s", rd_kafka_name(rk),
		    fatal_reason);
	}
	log_warnx("kafka: %s: %s: %s", rd_kafka_name(rk),
	    rd_kafka_err2name(err), reason);
}

/* Forwarded through the log queue, so this runs on the loop's thread. */
static void
kafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	if (level <= 3)
		log_warnx("kafka: %s: %s: %s", rd_kafka_name(rk), fac, buf);
	else if (level <= 5)
		log_info("kafka: %s: %s: %s", rd_kafka_name(rk), fac, buf);
	else
		log_debug("kafka: %s: %s: %s", rd_kafka_name(rk), fac, buf);
}
