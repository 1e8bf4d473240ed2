/*
 * notifier: who must be told what, delivered as signed webhooks to
 * merchants and through the SMS/e-mail provider to customers, with retries
 * scheduled in Redis (docs/notifier.md).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "daemon.h"
#include "events.h"
#include "httpd.h"
#include "kafka.h"
#include "log.h"
#include "nitems.h"
#include "notifier.h"
#include "redis.h"
#include "redis_shards.h"
#include "signals.h"

static struct daemon_settings	ds;
static struct notifier_settings	settings;

static const struct config_setting settings_table[] = {
	{ "NOTIFIER_TEMPLATES_FILE", CONFIG_STRING,
	    "config/notifier-templates.conf", 0, 0, NULL, "message templates",
	    &settings.templates_file },
	{ "NOTIFIER_MERCHANTS_FILE", CONFIG_STRING, "config/merchants.conf",
	    0, 0, NULL, "merchants' webhook URLs and secrets",
	    &settings.merchants_file },
	{ "NOTIFIER_PROVIDER_URL", CONFIG_STRING, NULL, 0, 0, NULL,
	    "the SMS/e-mail provider's webhook", &settings.provider_url },
	{ "NOTIFIER_PROVIDER_SECRET", CONFIG_STRING, NULL, 0, 0, NULL,
	    "the provider's signing secret", &settings.provider_secret },
	{ "NOTIFIER_CUSTOMER_LANGUAGE", CONFIG_ENUM, "zh", 0, 0, "zh|en",
	    "language of customer messages", &settings.customer_lang },
	{ "NOTIFIER_ATTEMPTS", CONFIG_INT, "6", 1, 50, NULL,
	    "delivery attempts before giving up", &settings.attempts },
	{ "NOTIFIER_BACKOFF_BASE_MS", CONFIG_INT, "1000", 10, 3600000, NULL,
	    "wait after the first failure", &settings.backoff_base_ms },
	{ "NOTIFIER_BACKOFF_MAX_MS", CONFIG_INT, "300000", 10, 86400000, NULL,
	    "longest wait between attempts", &settings.backoff_max_ms },
	{ "NOTIFIER_CONNECT_TIMEOUT_MS", CONFIG_INT, "3000", 100, 60000, NULL,
	    "connect timeout of a delivery", &settings.connect_timeout_ms },
	{ "NOTIFIER_TIMEOUT_MS", CONFIG_INT, "10000", 100, 120000, NULL,
	    "total timeout of a delivery", &settings.timeout_ms },
	{ "NOTIFIER_PROVIDER_CONCURRENCY", CONFIG_INT, "8", 1, 1000, NULL,
	    "provider deliveries in flight", &settings.provider_concurrency },
	{ "NOTIFIER_MAX_EVENT_AGE_MS", CONFIG_INT, "604800000", 0,
	    315360000000LL, NULL,
	    "older events tell no one (0: no limit)", &settings.max_age_ms },
	{ "NOTIFIER_ALLOW_LOOPBACK_HTTP", CONFIG_BOOL, "false", 0, 0, NULL,
	    "plain http to 127.0.0.1 (dev and tests only)",
	    &settings.allow_loopback_http },
};

#define NSETTINGS	(nitems(settings_table))

static struct notifier	ntf;

static void
notifier_handle(struct kafka_msg *m, void *arg)
{
	consume_handle(arg, m);
}

/* Owned partitions' schedules are worked here; lost ones stop at once. */
static void
notifier_on_assign(void *arg, const rd_kafka_topic_partition_list_t *parts,
    bool assigned)
{
	int	i;

	for (i = 0; i < parts->cnt; i++)
		pump_assign(ntf.pump, parts->elems[i].topic,
		    parts->elems[i].partition, assigned);
}

static void
notifier_stop(void *arg)
{
	ntf.stopping = true;
	httpd_drain(ntf.httpd);
	event_base_loopexit(ntf.base, NULL);
}

static void
notifier_setup(void)
{
	char	err[512];

	daemon_configure("notifier", "127.0.0.1:8083", &ds, settings_table,
	    NSETTINGS);
	ntf.set = &settings;
	if (urlpolicy_check(settings.provider_url,
	    settings.allow_loopback_http, err, sizeof(err)) == -1)
		fatalx("config: NOTIFIER_PROVIDER_URL: %s", err);
	if ((ntf.templates = template_load(settings.templates_file, err,
	    sizeof(err))) == NULL)
		fatalx("config: NOTIFIER_TEMPLATES_FILE: %s", err);
	if ((ntf.merchants = merchants_load(settings.merchants_file,
	    settings.allow_loopback_http, err, sizeof(err))) == NULL)
		fatalx("config: NOTIFIER_MERCHANTS_FILE: %s", err);
	log_info("%zu merchants configured", merchants_count(ntf.merchants));
}

static void
notifier_consume(void)
{
	static const char *const	topics[] = { "complaints.events",
					    "merchants.events" };
	static const struct kafka_decoder *const decoders[] = {
		&events_complaint, &events_merchant,
	};
	struct kafka_consumer_conf	kc = {
		.brokers = ds.brokers, .group = "notifier",
		.client_id = "notifier", .instance_id = ds.instance_id,
		.topics = topics, .ntopics = 2, .decoders = decoders,
		.service = "notifier",
		.dlq_producer = ntf.producer, .dlq_topic = "dlq.notifier",
		.handler = notifier_handle, .on_assign = notifier_on_assign,
		.arg = &ntf,
	};

	ntf.consumer = kafka_consumer_new(ntf.base, &kc);
}

static void
notifier_shutdown(struct signals *sig)
{
	kafka_consumer_close(ntf.consumer);
	ntf.consumer = NULL;	/* work still finishing must not end messages */
	deliver_free(ntf.deliver);
	kafka_producer_flush(ntf.producer, 10000);
	httpd_free(ntf.httpd);
	redis_shards_free(ntf.shards);
	kafka_producer_free(ntf.producer);
	pump_free(ntf.pump);
	template_free(ntf.templates);
	merchants_free(ntf.merchants);
	signals_free(sig);
	event_base_free(ntf.base);
	daemon_settings_free(&ds, settings_table, NSETTINGS);
	log_info("stopped");
}

int
main(void)
{
	struct signals	*sig;

	signal(SIGPIPE, SIG_IGN);
	notifier_setup();
	if ((ntf.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	ntf.producer = kafka_producer_new(ntf.base, ds.brokers, "notifier",
	    30000);
	ntf.shards = redis_shards_new(ntf.base, ds.redis_shards, ds.nredis);
	ntf.httpd = daemon_httpd_start(ntf.base, &ds, "notifier");
	ntf.deliver = deliver_new(ntf.base, settings.connect_timeout_ms,
	    settings.timeout_ms);
	store_start(&ntf);
	ntf.pump = pump_new(&ntf);
	notifier_consume();
	httpd_ready_check(ntf.httpd, "kafka", kafka_consumer_ready,
	    ntf.consumer);
	httpd_ready_check(ntf.httpd, "redis", redis_shards_ready, ntf.shards);
	sig = signals_new(ntf.base, notifier_stop, NULL);
	log_info("notifying; health on %s", ds.listen);
	event_base_dispatch(ntf.base);
	notifier_shutdown(sig);
	return 0;
}
