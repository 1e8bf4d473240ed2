/*
 * intake: the platform's public HTTP API (docs/api.md).
 *
 * One process, one event loop: the HTTP server, the Kafka producer that
 * every accepted request waits on, the Redis connections (one, or one per
 * entry of REDIS_ADDRS: shard.c), and the consumer of complaints.events
 * that keeps the complaint views.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "config.h"
#include "daemon.h"
#include "httpd.h"
#include "intake.h"
#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "policy.h"
#include "redis.h"
#include "redis_shards.h"
#include "signals.h"

#define INTAKE_DRAIN_POLL_MS	50
#define INTAKE_DRAIN_MAX_MS	10000

static struct daemon_settings	ds;

static struct {
	char		*keys_file;
	bool		 dev_mode;
	long long	 publish_timeout_ms;
	char		*sla_policy_file;
	long long	 retention_s;
	long long	 tombstone_s;
	long long	 notes_max;
	long long	 view_bytes_max;
	long long	 response_bytes_max;
} settings;

static const struct config_setting settings_table[] = {
	{ "API_KEYS_FILE", CONFIG_STRING, "", 0, 0, NULL,
	    "API keys (name, role, SHA-256); required outside dev mode",
	    &settings.keys_file },
	{ "CDP_DEV_MODE", CONFIG_BOOL, "false", 0, 0, NULL,
	    "development: the dev API keys are allowed", &settings.dev_mode },
	{ "INTAKE_PUBLISH_TIMEOUT_MS", CONFIG_INT, "5000", 100, 60000, NULL,
	    "how long a request waits for Kafka before 503",
	    &settings.publish_timeout_ms },
	{ "SLA_POLICY_FILE", CONFIG_STRING, "config/sla-policies.conf", 0, 0,
	    NULL, "SLA policies: the first contact promised at filing",
	    &settings.sla_policy_file },
	{ "INTAKE_RETENTION_S", CONFIG_INT, "7776000", 1, 315360000, NULL,
	    "how long a closed complaint's view stays in Redis after the close",
	    &settings.retention_s },
	{ "INTAKE_TOMBSTONE_RETENTION_S", CONFIG_INT, "31536000", 1, 315360000,
	    NULL, "how long an archived complaint answers 410 rather than 404",
	    &settings.tombstone_s },
	{ "INTAKE_NOTES_MAX", CONFIG_INT, "100", 1, 100000, NULL,
	    "notes one complaint may hold", &settings.notes_max },
	{ "INTAKE_VIEW_BYTES_MAX", CONFIG_INT, "262144", 16384, 16777216, NULL,
	    "bytes one complaint's view may take in Redis",
	    &settings.view_bytes_max },
	{ "INTAKE_RESPONSE_BYTES_MAX", CONFIG_INT, "1048576", 1024, 67108864,
	    NULL, "bytes of one list page", &settings.response_bytes_max },
};

#define NSETTINGS	nitems(settings_table)

static struct intake	 intake;
static struct event	*drain_ev;
static int64_t		 drain_deadline;

/* Waits for requests that are waiting on Kafka, then ends the loop. */
static void
intake_on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	tv = { 0, INTAKE_DRAIN_POLL_MS * 1000 };

	if (intake.in_flight == 0 || meta_now_ms() >= drain_deadline) {
		if (intake.in_flight > 0)
			log_warnx("stopping with %zu requests unanswered",
			    intake.in_flight);
		event_base_loopexit(intake.base, NULL);
		return;
	}
	evtimer_add(drain_ev, &tv);
}

static void
intake_stop(void *arg)
{
	httpd_drain(intake.httpd);
	drain_deadline = meta_now_ms() + INTAKE_DRAIN_MAX_MS;
	drain_ev = evtimer_new(intake.base, intake_on_drain, NULL);
	intake_on_drain(-1, 0, NULL);
}

/*
 * Loads the API keys. The dev keys are public, so outside dev mode the
 * file must be named and must hold none of them; in dev mode it defaults
 * to the dev file.
 */
static void
intake_keys(void)
{
	const char	*path = settings.keys_file, *dev;
	char		 err[512];

	if (path[0] == '\0' && !settings.dev_mode)
		fatalx("config: API_KEYS_FILE is required outside dev mode "
		    "(CDP_DEV_MODE=1)");
	if (path[0] == '\0')
		path = "config/api-keys.conf";
	if ((intake.keys = keys_load(path, meta_now_ms(), err,
	    sizeof(err))) == NULL)
		fatalx("config: API_KEYS_FILE: %s", err);
	if (!settings.dev_mode && (dev = keys_dev_key(intake.keys)) != NULL)
		fatalx("config: API_KEYS_FILE: %s: key %s is a public "
		    "development key, refused outside dev mode (CDP_DEV_MODE=1)",
		    path, dev);
}

/*
 * The SLA policies, sla-timer's file: filing promises the first contact
 * that the clock will enforce, so a file without that promise is refused.
 */
static void
intake_policies(void)
{
	char	err[512];

	if ((intake.policies = policy_load(settings.sla_policy_file, err,
	    sizeof(err))) == NULL)
		fatalx("config: SLA_POLICY_FILE: %s", err);
	if (policy_due(intake.policies, CDP__V1__SEVERITY__SEVERITY_NORMAL,
	    CDP__V1__CATEGORY__CATEGORY_UNSPECIFIED,
	    CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT, 0) < 0)
		fatalx("config: SLA_POLICY_FILE: %s has no first_contact policy"
		    " for a normal complaint", settings.sla_policy_file);
}

static void
intake_setup(void)
{
	daemon_configure("intake", "127.0.0.1:8080", &ds, settings_table,
	    NSETTINGS);
	intake_keys();
	intake.topic = "complaints.events";
	intake.merchants_topic = "merchants.events";
	intake_policies();
	intake.retention_ms = settings.retention_s * 1000;
	intake.tombstone_ms = settings.tombstone_s * 1000;
	intake.limits.notes_max = (size_t)settings.notes_max;
	intake.limits.bytes_max = (size_t)settings.view_bytes_max;
	intake.response_max = (size_t)settings.response_bytes_max;
}

/*
 * Freeing a client calls back what still waits on it: the producer reports
 * what it could not deliver, and Redis answers its pending commands with
 * NULL. Those callbacks answer HTTP requests, release idempotency keys in
 * Redis and end read-model messages of the consumer, so each client goes
 * while what its callbacks use is still there, and the HTTP server last.
 */
static void
intake_shutdown(struct signals *sig)
{
	retention_stop();
	epochwatch_stop();
	shard_stop();
	kafka_producer_flush(intake.producer, INTAKE_DRAIN_MAX_MS);
	kafka_producer_free(intake.producer);
	redis_shards_free(intake.shards);
	kafka_consumer_close(intake.consumer);
	httpd_free(intake.httpd);
	keys_free(intake.keys);
	policy_free(intake.policies);
	signals_free(sig);
	if (drain_ev != NULL)
		event_free(drain_ev);
	event_base_free(intake.base);
	daemon_settings_free(&ds, settings_table, NSETTINGS);
	log_info("stopped");
}

int
main(int argc, char **argv)
{
	struct signals	*sig;

	intake_setup();
	if ((intake.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	intake.producer = kafka_producer_new(intake.base, ds.brokers,
	    "intake", (int)settings.publish_timeout_ms);
	intake.shards = redis_shards_new(intake.base, ds.redis_shards,
	    ds.nredis);
	intake.redis = redis_shards_at(intake.shards, 0);
	reservation_start(&intake);
	intake.httpd = daemon_httpd_start(intake.base, &ds, "intake");
	readmodel_start(&intake, ds.brokers, ds.instance_id);
	retention_start(&intake);
	epochwatch_start(&intake);
	shard_start(&intake);
	httpd_ready_check(intake.httpd, "kafka", kafka_producer_ready,
	    intake.producer);
	httpd_ready_check(intake.httpd, "redis", redis_shards_ready,
	    intake.shards);
	if (shard_count(&intake) > 1)
		httpd_ready_check(intake.httpd, "partitions", shard_ready,
		    &intake);
	httpd_ready_check(intake.httpd, "read_model", kafka_consumer_ready,
	    intake.consumer);
	api_start(&intake);
	sig = signals_new(intake.base, intake_stop, NULL);
	log_info("listening on %s", ds.listen);
	event_base_dispatch(intake.base);
	intake_shutdown(sig);
	return 0;
}
