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
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "httpd.h"
#include "kafka.h"
#include "log.h"
#include "redis.h"
#include "signals.h"
#include "sla.h"

static struct {
	char	*brokers;
	char	*redis_addr;
	char	*listen;
	char	*log_level;
	char	*instance_id;
	char	*policy_file;
} settings;

static const struct config_setting settings_table[] = {
	{ "KAFKA_BROKERS", CONFIG_HOSTPORT_LIST, "127.0.0.1:9092", 0, 0, NULL,
	    "Kafka bootstrap brokers", &settings.brokers },
	{ "REDIS_ADDR", CONFIG_HOSTPORT, "127.0.0.1:6380", 0, 0, NULL,
	    "Redis for clocks and due sets", &settings.redis_addr },
	{ "HTTP_LISTEN", CONFIG_HOSTPORT, "127.0.0.1:8082", 0, 0, NULL,
	    "address of /healthz, /readyz, /metrics", &settings.listen },
	{ "LOG_LEVEL", CONFIG_ENUM, "info", 0, 0, "error|warn|info|debug",
	    "least important level logged", &settings.log_level },
	{ "INSTANCE_ID", CONFIG_STRING, "", 0, 0, NULL,
	    "stable instance name for static group membership (pod name)",
	    &settings.instance_id },
	{ "SLA_POLICY_FILE", CONFIG_STRING, "config/sla-policies.conf", 0, 0,
	    NULL, "SLA policies", &settings.policy_file },
};

#define NSETTINGS	(sizeof(settings_table) / sizeof(settings_table[0]))

static struct slatimer	timer;

static void
slatimer_handle(struct kafka_msg *m, void *arg)
{
	apply_handle(arg, m);
}

/* Owned partitions are fired; lost ones stop firing at once. */
static void
slatimer_on_assign(void *arg, const rd_kafka_topic_partition_list_t *parts,
    bool assigned)
{
	int	i;

	for (i = 0; i < parts->cnt; i++)
		fire_assign(arg, parts->elems[i].partition, assigned);
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
	enum log_level	 level;
	char		 err[512];

	config_load(settings_table, NSETTINGS);
	if (log_level_parse(settings.log_level, &level) == -1)
		fatalx("config: LOG_LEVEL: unknown level");
	log_init("sla-timer", level);
	if ((timer.policies = policy_load(settings.policy_file, err,
	    sizeof(err))) == NULL)
		fatalx("config: SLA_POLICY_FILE: %s", err);
	if (config_hostport(settings.redis_addr, &timer.redis_host,
	    &timer.redis_port) == -1)
		fatalx("config: REDIS_ADDR: expected host:port");
	if (argc > 1 && strcmp(argv[1], "--rebuild") != 0 &&
	    strcmp(argv[1], "--recompute") != 0)
		fatalx("usage: sla-timer [--rebuild | --recompute]");
	if (argc > 1 && store_wipe(timer.redis_host, timer.redis_port,
	    strcmp(argv[1], "--recompute") == 0) == -1)
		fatalx("%s: Redis %s unavailable", argv[1], settings.redis_addr);
	log_info("policies %s loaded", policy_version(timer.policies));
}

static void
slatimer_consume(void)
{
	static const char *const	topics[] = { "complaints.events" };
	struct kafka_consumer_conf	kc = {
		.brokers = settings.brokers, .group = "sla-timer",
		.client_id = "sla-timer", .instance_id = settings.instance_id,
		.topics = topics, .ntopics = 1, .service = "sla-timer",
		.dlq_producer = timer.producer, .dlq_topic = "dlq.sla-timer",
		.handler = slatimer_handle, .on_assign = slatimer_on_assign,
		.start_offset = store_start_offset, .arg = &timer,
	};

	timer.consumer = kafka_consumer_new(timer.base, &kc);
}

static void
slatimer_shutdown(struct signals *sig)
{
	kafka_consumer_close(timer.consumer);
	kafka_producer_flush(timer.producer, 10000);
	event_free(timer.timer);
	httpd_free(timer.httpd);
	kafka_producer_free(timer.producer);
	redis_free(timer.redis);
	policy_free(timer.policies);
	busy_free(&timer);
	signals_free(sig);
	event_base_free(timer.base);
	free(timer.redis_host);
	config_free(settings_table, NSETTINGS);
	log_info("stopped");
}

int
main(int argc, char **argv)
{
	struct signals	*sig;

	slatimer_setup(argc, argv);
	if ((timer.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	timer.producer = kafka_producer_new(timer.base, settings.brokers,
	    "sla-timer", 30000);
	timer.redis = redis_new(timer.base, timer.redis_host,
	    timer.redis_port);
	timer.httpd = httpd_start(timer.base, settings.listen, "sla-timer");
	store_start(&timer);
	fire_start(&timer);
	slatimer_consume();
	httpd_ready_check(timer.httpd, "kafka", kafka_consumer_ready,
	    timer.consumer);
	httpd_ready_check(timer.httpd, "redis", redis_ready, timer.redis);
	sig = signals_new(timer.base, slatimer_stop, NULL);
	log_info("timing; health on %s", settings.listen);
	event_base_dispatch(timer.base);
	slatimer_shutdown(sig);
	return 0;
}
