/*
 * classifier: classification, urgency, scope and routing of every complaint
 * (docs/classification.md), order snapshots, proactive complaints.
 *
 * One consumer in group "classifier" reads complaints.events (Filed,
 * ProactiveOpened), orders.events and logistics.events; everything it emits
 * goes to complaints.events with ids derived from the cause.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "classifier.h"
#include "config.h"
#include "daemon.h"
#include "events.h"
#include "httpd.h"
#include "kafka.h"
#include "log.h"
#include "nitems.h"
#include "redis.h"
#include "signals.h"

static struct daemon_settings	ds;

static struct {
	char		*rules_file;
	long long	 ship_grace_ms;
	long long	 no_scan_ms;
	long long	 signed_grace_ms;
	long long	 order_keep_ms;
	long long	 inflight;
} settings;

static const struct config_setting settings_table[] = {
	{ "CLASSIFIER_RULES_FILE", CONFIG_STRING,
	    "config/classifier-rules.conf", 0, 0, NULL,
	    "classification rules", &settings.rules_file },
	{ "PROACTIVE_SHIP_GRACE_MS", CONFIG_INT, "3600000", 0,
	    30LL * 86400000, NULL,
	    "how long past the promised ship time before opening a case",
	    &settings.ship_grace_ms },
	{ "PROACTIVE_NO_SCAN_MS", CONFIG_INT, "172800000", 1000,
	    30LL * 86400000, NULL,
	    "how long in transit without a scan before opening a case",
	    &settings.no_scan_ms },
	{ "PROACTIVE_SIGNED_GRACE_MS", CONFIG_INT, "86400000", 0,
	    30LL * 86400000, NULL,
	    "how long a parcel may stay signed for by someone else, with no "
	    "later scan showing it reached the buyer, before opening a case",
	    &settings.signed_grace_ms },
	{ "CLASSIFIER_ORDER_KEEP_MS", CONFIG_INT, "2592000000", 60000,
	    3650LL * 86400000, NULL,
	    "how long order state (snapshot, complaints on the order) is "
	    "kept past the later of its last change and the end of the "
	    "after-sales window", &settings.order_keep_ms },
	{ "CLASSIFIER_INFLIGHT", CONFIG_INT, "8", 1, 256, NULL,
	    "complaints (and order events) of one partition classified at "
	    "once, never two of one complaint or order", &settings.inflight },
};

#define NSETTINGS	nitems(settings_table)

static struct classifier	classifier;

static void
classifier_handle(struct kafka_msg *m, void *arg)
{
	struct classifier	*c = arg;

	if (strcmp(m->topic, "complaints.events") == 0)
		consume_handle(c, m);
	else if (strcmp(m->topic, "orders.events") == 0)
		snapshot_handle_order(c, m);
	else if (strcmp(m->topic, "logistics.events") == 0)
		snapshot_handle_logistics(c, m);
	else
		kafka_consumer_done(m);
}

static void
classifier_stop(void *arg)
{
	classifier.stopping = true;
	httpd_drain(classifier.httpd);
	event_base_loopexit(classifier.base, NULL);
}

static void
classifier_setup(void)
{
	char	err[512];

	daemon_configure("classifier", "127.0.0.1:8081", &ds, settings_table,
	    NSETTINGS);
	if ((classifier.rules = rules_load(settings.rules_file, err,
	    sizeof(err))) == NULL)
		fatalx("config: CLASSIFIER_RULES_FILE: %s", err);
	classifier.proactive.ship_grace_ms = settings.ship_grace_ms;
	classifier.proactive.no_scan_ms = settings.no_scan_ms;
	classifier.proactive.signed_grace_ms = settings.signed_grace_ms;
	classifier.order_keep_ms = settings.order_keep_ms;
	log_info("rules %s loaded", rules_version(classifier.rules));
}

static void
classifier_consume(void)
{
	static const char *const	topics[] = { "complaints.events",
	    "orders.events", "logistics.events" };
	static const struct kafka_decoder *const decoders[] = {
		&events_complaint, &events_order, &events_logistics,
	};
	struct kafka_consumer_conf	kc = {
		.brokers = ds.brokers, .group = "classifier",
		.client_id = "classifier", .instance_id = ds.instance_id,
		.topics = topics, .ntopics = 3, .decoders = decoders,
		.service = "classifier",
		.dlq_producer = classifier.producer,
		.dlq_topic = "dlq.classifier", .handler = classifier_handle,
		.arg = &classifier,
		/*
		 * A Filed waits on two Redis round trips and the broker's ack;
		 * one at a time per partition, those waits add up under load
		 * (issue 15). Events of one complaint still go one by one.
		 */
		.max_in_flight = (size_t)settings.inflight,
	};

	classifier.consumer = kafka_consumer_new(classifier.base, &kc);
}

static void
classifier_shutdown(struct signals *sig)
{
	/*
	 * Freeing Kafka and Redis runs the callbacks still waiting on them,
	 * which end the consumer's messages: so the producer and Redis go
	 * first, while the consumer and its messages still exist.
	 */
	kafka_producer_flush(classifier.producer, 10000);
	kafka_producer_free(classifier.producer);
	redis_free(classifier.redis);
	kafka_consumer_close(classifier.consumer);
	event_free(classifier.proactive_ev);
	httpd_free(classifier.httpd);
	rules_free(classifier.rules);
	signals_free(sig);
	event_base_free(classifier.base);
	daemon_settings_free(&ds, settings_table, NSETTINGS);
	log_info("stopped");
}

int
main(int argc, char **argv)
{
	struct signals	*sig;

	classifier_setup();
	if ((classifier.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	classifier.producer = kafka_producer_new(classifier.base,
	    ds.brokers, "classifier", 30000);
	classifier.redis = redis_new(classifier.base, &ds.redis);
	classifier.httpd = daemon_httpd_start(classifier.base, &ds,
	    "classifier");
	snapshot_start(&classifier);
	grouping_start(&classifier);
	opening_start(&classifier);
	classifier_consume();
	httpd_ready_check(classifier.httpd, "kafka", kafka_consumer_ready,
	    classifier.consumer);
	httpd_ready_check(classifier.httpd, "redis", redis_ready,
	    classifier.redis);
	sig = signals_new(classifier.base, classifier_stop, NULL);
	log_info("classifying; health on %s", ds.listen);
	event_base_dispatch(classifier.base);
	classifier_shutdown(sig);
	return 0;
}
