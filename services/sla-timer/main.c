/*
 * sla-timer: every deadline of every complaint, fired on time, once
 * (docs/sla.md).
 *
 *	sla-timer [--rebuild | --recompute]
 *
 * --rebuild drops the clocks kept in Redis and rebuilds them from
 * complaints.events (as happens by itself for partitions without state);
 * --recompute does the same keeping the record of what fired, to re-time
 * the open clocks of existing complaints under a changed policy file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "daemon.h"
#include "events.h"
#include "httpd.h"
#include "kafka.h"
#include "keylock.h"
#include "log.h"
#include "meta.h"
#include "nitems.h"
#include "redis.h"
#include "redis_shards.h"
#include "signals.h"
#include "sla.h"

static struct daemon_settings	ds;

static struct {
	char		*policy_file;
	long long	 claim_ttl_ms;
	long long	 retention_s;
} settings;

static const struct config_setting settings_table[] = {
	{ "SLA_POLICY_FILE", CONFIG_STRING, "config/sla-policies.conf", 0, 0,
	    NULL, "SLA policies", &settings.policy_file },
	{ "SLA_CLAIM_TTL_MS", CONFIG_INT, "60000", 1000, 3600000, NULL,
	    "how long a firing's claim outlives a daemon that died holding it",
	    &settings.claim_ttl_ms },
	{ "SLA_CLOSED_RETENTION_S", CONFIG_INT, "7776000", 1, 315360000, NULL,
	    "how long a closed complaint's clocks stay in Redis (90 days)",
	    &settings.retention_s },
};

#define NSETTINGS	(nitems(settings_table))

static struct slatimer	timer;

static void
slatimer_handle(struct kafka_msg *m, void *arg)
{
	apply_handle(arg, m);
}

/*
 * Owned partitions (of both topics, as slots: store.c) are fired; lost
 * ones stop firing at once.
 */
static void
slatimer_on_assign(void *arg, const rd_kafka_topic_partition_list_t *parts,
    bool assigned)
{
	int32_t	slot;
	int	i;

	for (i = 0; i < parts->cnt; i++)
		if ((slot = store_slot(parts->elems[i].topic,
		    parts->elems[i].partition)) != -1)
			fire_assign(arg, slot, assigned);
}

static void
slatimer_stop(void *arg)
{
	timer.stopping = true;
	httpd_drain(timer.httpd);
	event_base_loopexit(timer.base, NULL);
}

static void
slatimer_setup(int argc, char **argv)
{
	char	err[512];

	daemon_configure("sla-timer", "127.0.0.1:8082", &ds, settings_table,
	    NSETTINGS);
	timer.claim_ttl_ms = settings.claim_ttl_ms;
	timer.retention_s = settings.retention_s;
	snprintf(timer.token, sizeof(timer.token), "%s:%ld:%lld",
	    ds.instance_id != NULL ? ds.instance_id : "", (long)getpid(),
	    (long long)meta_now_ms());
	if ((timer.policies = policy_load(settings.policy_file, err,
	    sizeof(err))) == NULL)
		fatalx("config: SLA_POLICY_FILE: %s", err);
	if (argc > 1 && strcmp(argv[1], "--rebuild") != 0 &&
	    strcmp(argv[1], "--recompute") != 0)
		fatalx("usage: sla-timer [--rebuild | --recompute]");
	if (argc > 1 && store_wipe(ds.redis_shards, ds.nredis,
	    strcmp(argv[1], "--recompute") == 0) == -1)
		fatalx("%s: Redis unavailable", argv[1]);
	fault_init();
	log_info("policies %s loaded", policy_version(timer.policies));
}

static void
slatimer_consume(void)
{
	static const char *const	topics[] = { SLA_COMPLAINTS_TOPIC,
					    SLA_MERCHANTS_TOPIC };
	static const struct kafka_decoder *const decoders[] = {
		&events_complaint, &events_merchant,
	};
	struct kafka_consumer_conf	kc = {
		.brokers = ds.brokers, .group = "sla-timer",
		.client_id = "sla-timer", .instance_id = ds.instance_id,
		.topics = topics, .ntopics = 2, .decoders = decoders,
		.service = "sla-timer",
		.dlq_producer = timer.producer, .dlq_topic = "dlq.sla-timer",
		.handler = slatimer_handle, .on_assign = slatimer_on_assign,
		.start_offset = store_start_offset, .arg = &timer,
	};

	timer.consumer = kafka_consumer_new(timer.base, &kc);
}

static void
slatimer_shutdown(struct signals *sig)
{
	/*
	 * Flushing and freeing Kafka and Redis runs the callbacks still
	 * waiting on them, which read and end the consumer's messages: so the
	 * producer and Redis go first, while the consumer and its messages
	 * still exist (as in the classifier and intake). Closing the consumer
	 * first freed messages that a delivery callback then read.
	 */
	kafka_producer_flush(timer.producer, 10000);
	fire_stop(&timer);
	kafka_producer_free(timer.producer);
	redis_shards_free(timer.shards);
	kafka_consumer_close(timer.consumer);
	timer.consumer = NULL;
	event_free(timer.timer);
	httpd_free(timer.httpd);
	policy_free(timer.policies);
	keylock_free(timer.busy);
	signals_free(sig);
	event_base_free(timer.base);
	daemon_settings_free(&ds, settings_table, NSETTINGS);
	log_info("stopped");
}

int
main(int argc, char **argv)
{
	struct signals	*sig;

	slatimer_setup(argc, argv);
	if ((timer.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	timer.producer = kafka_producer_new(timer.base, ds.brokers,
	    "sla-timer", 30000);
	timer.shards = redis_shards_new(timer.base, ds.redis_shards,
	    ds.nredis);
	timer.httpd = daemon_httpd_start(timer.base, &ds, "sla-timer");
	timer.busy = keylock_new();
	store_start(&timer);
	fire_start(&timer);
	slatimer_consume();
	httpd_ready_check(timer.httpd, "kafka", kafka_consumer_ready,
	    timer.consumer);
	httpd_ready_check(timer.httpd, "redis", redis_shards_ready,
	    timer.shards);
	sig = signals_new(timer.base, slatimer_stop, NULL);
	log_info("timing; health on %s", ds.listen);
	event_base_dispatch(timer.base);
	slatimer_shutdown(sig);
	return 0;
}
