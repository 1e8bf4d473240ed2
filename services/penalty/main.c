/*
 * penalty: each merchant's ledger of violations, points and standing on
 * the penalty ladder, appeals and restrictions that lift by themselves
 * (docs/penalty.md).
 *
 *	penalty
 *
 * Two consumers on one event loop: stage 1 reads complaints.events and
 * re-keys each merchant violation onto merchants.events; stage 2 reads
 * merchants.events, where each merchant has one owner, and keeps ledgers.
 * A partition whose ledgers Redis has lost is rebuilt from the log.
 */
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
#include "penalty.h"
#include "redis.h"
#include "redis_shards.h"
#include "signals.h"

static struct daemon_settings	ds;

static struct {
	char	*rules_file;
} settings;

static const struct config_setting settings_table[] = {
	{ "PENALTY_RULES_FILE", CONFIG_STRING, "config/penalty-rules.conf", 0,
	    0, NULL, "penalty rules", &settings.rules_file },
};

#define NSETTINGS	(nitems(settings_table))

static struct penalty	pd;

static void
penalty_record(struct kafka_msg *m, void *arg)
{
	record_handle(arg, m);
}

static void
penalty_apply(struct kafka_msg *m, void *arg)
{
	apply_handle(arg, m);
}

/* Owned partitions of merchants.events are fired; lost ones stop. */
static void
penalty_on_assign(void *arg, const rd_kafka_topic_partition_list_t *parts,
    bool assigned)
{
	int	i;

	for (i = 0; i < parts->cnt; i++)
		fire_assign(arg, parts->elems[i].partition, assigned);
}

static void
penalty_stop(void *arg)
{
	pd.stopping = true;
	httpd_drain(pd.httpd);
	event_base_loopexit(pd.base, NULL);
}

static void
penalty_setup(int argc, char **argv)
{
	char	err[512];

	daemon_configure("penalty", "127.0.0.1:8084", &ds, settings_table,
	    NSETTINGS);
	if (argc > 1)
		fatalx("usage: penalty");
	if ((pd.rules = rules_load(settings.rules_file, err, sizeof(err))) ==
	    NULL)
		fatalx("config: PENALTY_RULES_FILE: %s", err);
	log_info("penalty rules %s loaded", pd.rules->version);
}

static struct kafka_consumer *
penalty_consumer(const char *topic, const struct kafka_decoder *decoder,
    const char *group, kafka_handler_fn fn, kafka_assign_fn on_assign,
    kafka_start_fn start)
{
	const char *const		topics[] = { topic };
	const struct kafka_decoder	*decoders[] = { decoder };
	struct kafka_consumer_conf	kc = {
		.brokers = ds.brokers, .group = group, .client_id = group,
		.instance_id = ds.instance_id, .topics = topics, .ntopics = 1,
		.decoders = decoders,
		.service = "penalty", .dlq_producer = pd.producer,
		.dlq_topic = "dlq.penalty", .handler = fn,
		.on_assign = on_assign, .start_offset = start, .arg = &pd,
	};

	return kafka_consumer_new(pd.base, &kc);
}

static void
penalty_shutdown(struct signals *sig)
{
	kafka_consumer_close(pd.records);
	pd.records = NULL;	/* jobs still finishing must not end messages */
	kafka_consumer_close(pd.ledgers);
	pd.ledgers = NULL;
	kafka_producer_flush(pd.producer, 10000);
	event_free(pd.timer);
	httpd_free(pd.httpd);
	kafka_producer_free(pd.producer);
	redis_shards_free(pd.shards);
	rules_free(pd.rules);
	signals_free(sig);
	event_base_free(pd.base);
	daemon_settings_free(&ds, settings_table, NSETTINGS);
	log_info("stopped");
}

int
main(int argc, char **argv)
{
	struct signals	*sig;

	penalty_setup(argc, argv);
	if ((pd.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	pd.producer = kafka_producer_new(pd.base, ds.brokers, "penalty", 30000);
	pd.shards = redis_shards_new(pd.base, ds.redis_shards, ds.nredis);
	pd.httpd = daemon_httpd_start(pd.base, &ds, "penalty");
	store_start(&pd);
	fire_start(&pd);
	pd.records = penalty_consumer("complaints.events", &events_complaint,
	    "penalty-record", penalty_record, NULL, NULL);
	pd.ledgers = penalty_consumer("merchants.events", &events_merchant,
	    "penalty", penalty_apply, penalty_on_assign, store_start_offset);
	httpd_ready_check(pd.httpd, "kafka-records", kafka_consumer_ready,
	    pd.records);
	httpd_ready_check(pd.httpd, "kafka-ledgers", kafka_consumer_ready,
	    pd.ledgers);
	httpd_ready_check(pd.httpd, "redis", redis_shards_ready, pd.shards);
	sig = signals_new(pd.base, penalty_stop, NULL);
	log_info("keeping ledgers; health on %s", ds.listen);
	event_base_dispatch(pd.base);
	penalty_shutdown(sig);
	return 0;
}
