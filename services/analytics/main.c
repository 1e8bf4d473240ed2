/*
 * analytics: complaint statistics per window of event time, as snapshots
 * on analytics.complaints, a JSON summary, a dashboard and Prometheus
 * gauges (docs/analytics.md).
 *
 *	analytics
 *
 * One instance runs: it loads its checkpoint from Redis, resumes every
 * partition after the checkpoint's offsets, folds events in, and takes a
 * checkpoint every ANALYTICS_CHECKPOINT_MS when something changed.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "analytics.h"
#include "config.h"
#include "daemon.h"
#include "events.h"
#include "httpd.h"
#include "kafka.h"
#include "log.h"
#include "nitems.h"
#include "redis.h"
#include "signals.h"
#include "xmalloc.h"

static struct daemon_settings	ds;

static struct {
	char		*complaints_topic, *merchants_topic, *snapshot_topic;
	char		*group, *www_dir;
	long long	 grace_ms, audit_permille, spike_factor, spike_min;
	long long	 checkpoint_ms;
} settings;

static const struct config_setting settings_table[] = {
	{ "ANALYTICS_COMPLAINTS_TOPIC", CONFIG_STRING, "complaints.events", 0,
	    0, NULL, "complaint events to read", &settings.complaints_topic },
	{ "ANALYTICS_MERCHANTS_TOPIC", CONFIG_STRING, "merchants.events", 0, 0,
	    NULL, "merchant events to read", &settings.merchants_topic },
	{ "ANALYTICS_SNAPSHOT_TOPIC", CONFIG_STRING, "analytics.complaints", 0,
	    0, NULL, "where snapshots go", &settings.snapshot_topic },
	{ "ANALYTICS_GROUP", CONFIG_STRING, "analytics", 0, 0, NULL,
	    "consumer group and Redis key scope", &settings.group },
	{ "ANALYTICS_WWW_DIR", CONFIG_STRING, "services/analytics/www", 0, 0,
	    NULL, "the dashboard's files", &settings.www_dir },
	{ "ANALYTICS_GRACE_MS", CONFIG_INT, "60000", 0, 86400000, NULL,
	    "lateness a window waits for", &settings.grace_ms },
	{ "ANALYTICS_AUDIT_PERMILLE", CONFIG_INT, "100", 0, 1000, NULL,
	    "share of closed complaints audited", &settings.audit_permille },
	{ "ANALYTICS_SPIKE_FACTOR", CONFIG_INT, "3", 1, 1000, NULL,
	    "spike: count over baseline", &settings.spike_factor },
	{ "ANALYTICS_SPIKE_MIN", CONFIG_INT, "5", 1, 1000000, NULL,
	    "spike: smallest count that alerts", &settings.spike_min },
	{ "ANALYTICS_CHECKPOINT_MS", CONFIG_INT, "1000", 50, 600000, NULL,
	    "checkpoint interval", &settings.checkpoint_ms },
};

#define NSETTINGS	(nitems(settings_table))

static struct analytics	an;

/*
 * The tick: let partitions read to their end release the watermark,
 * refresh the gauges, take a checkpoint if one is due.
 */
static void
analytics_tick(evutil_socket_t fd, short what, void *arg)
{
	consume_tick(&an);
	gauges_update(&an);
	store_save(&an);
}

static void
analytics_stop(void *arg)
{
	an.stopping = true;
	httpd_drain(an.httpd);
	event_base_loopexit(an.base, NULL);
}

static void
analytics_setup(void)
{
	struct fold_settings	fs;

	daemon_configure("analytics", "127.0.0.1:8090", &ds, settings_table,
	    NSETTINGS);
	an.redis_ep = &ds.redis;
	an.complaints_topic = settings.complaints_topic;
	an.merchants_topic = settings.merchants_topic;
	an.snapshot_topic = settings.snapshot_topic;
	an.group = settings.group;
	an.www_dir = settings.www_dir;
	an.checkpoint_ms = settings.checkpoint_ms;
	fs.grace_ms = settings.grace_ms;
	fs.audit_permille = (uint32_t)settings.audit_permille;
	fs.spike_factor = (double)settings.spike_factor;
	fs.spike_min = (uint64_t)settings.spike_min;
	an.fold = xmalloc(sizeof(*an.fold));
	fold_init(an.fold, &fs);
	an.closing = xcalloc(WINDOW_NWIDTHS * FOLD_OPEN_MAX, sizeof(struct agg));
	store_load(&an);
}

static void
analytics_consume(void)
{
	const char			*topics[] = { an.complaints_topic,
	    an.merchants_topic };
	static const struct kafka_decoder *const decoders[] = {
		&events_complaint, &events_merchant,
	};
	struct kafka_consumer_conf	 kc = {
		.brokers = ds.brokers, .group = an.group,
		.client_id = "analytics", .instance_id = ds.instance_id,
		.topics = topics, .ntopics = 2, .decoders = decoders,
		.service = "analytics", .dlq_producer = an.producer,
		.dlq_topic = "dlq.analytics", .on_dead = consume_dead,
		.handler = consume_handle, .on_assign = consume_assign,
		.start_offset = store_start_offset,
		.arg = &an,
	};

	an.consumer = kafka_consumer_new(an.base, &kc);
}

static void
analytics_shutdown(struct signals *sig)
{
	kafka_consumer_close(an.consumer);
	kafka_producer_flush(an.producer, 10000);
	event_free(an.tick);
	httpd_free(an.httpd);
	kafka_producer_free(an.producer);
	redis_free(an.redis);
	signals_free(sig);
	event_base_free(an.base);
	fold_free(an.fold);
	free(an.fold);
	free(an.closing);
	daemon_settings_free(&ds, settings_table, NSETTINGS);
	log_info("stopped");
}

int
main(int argc, char **argv)
{
	struct timeval	 tv;
	struct signals	*sig;

	analytics_setup();
	if ((an.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	an.producer = kafka_producer_new(an.base, ds.brokers, "analytics",
	    30000);
	an.redis = redis_new(an.base, an.redis_ep);
	an.httpd = daemon_httpd_start(an.base, &ds, "analytics");
	store_start(&an);
	web_start(&an);
	analytics_consume();
	httpd_ready_check(an.httpd, "kafka", kafka_consumer_ready, an.consumer);
	httpd_ready_check(an.httpd, "redis", redis_ready, an.redis);
	an.tick = event_new(an.base, -1, EV_PERSIST, analytics_tick, NULL);
	tv.tv_sec = an.checkpoint_ms / 1000;
	tv.tv_usec = (an.checkpoint_ms % 1000) * 1000;
	event_add(an.tick, &tv);
	sig = signals_new(an.base, analytics_stop, NULL);
	log_info("counting; summary on http://%s/v1/analytics/summary",
	    ds.listen);
	event_base_dispatch(an.base);
	analytics_shutdown(sig);
	return 0;
}
