#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "xmalloc.h"

#define DAEMON_COMMON_SETTINGS	5

static void
daemon_common(struct config_setting *t, struct daemon_settings *ds,
    const char *default_listen)
{
	const struct config_setting common[DAEMON_COMMON_SETTINGS] = {
		{ "KAFKA_BROKERS", CONFIG_HOSTPORT_LIST, "127.0.0.1:9092", 0,
		    0, NULL, "Kafka bootstrap brokers", &ds->brokers },
		{ "REDIS_ADDR", CONFIG_HOSTPORT, "127.0.0.1:6380", 0, 0, NULL,
		    "Redis of the daemon's state", &ds->redis_addr },
		{ "HTTP_LISTEN", CONFIG_HOSTPORT, default_listen, 0, 0, NULL,
		    "address of /healthz, /readyz, /metrics (and the API)",
		    &ds->listen },
		{ "LOG_LEVEL", CONFIG_ENUM, "info", 0, 0,
		    "error|warn|info|debug", "least important level logged",
		    &ds->log_level },
		{ "INSTANCE_ID", CONFIG_STRING, "", 0, 0, NULL,
		    "stable instance name for static group membership "
		    "(the pod name)", &ds->instance_id },
	};

	memcpy(t, common, sizeof(common));
}

/*
 * Loads the common settings and the daemon's own in one pass (fatal with
 * one line on the first bad one), then starts logging as service.
 */
void
daemon_configure(const char *service, const char *default_listen,
    struct daemon_settings *ds, const struct config_setting *own, size_t nown)
{
	struct config_setting	*t;
	enum log_level		 level;

	memset(ds, 0, sizeof(*ds));
	t = xcalloc(DAEMON_COMMON_SETTINGS + nown, sizeof(*t));
	daemon_common(t, ds, default_listen);
	if (nown > 0)
		memcpy(t + DAEMON_COMMON_SETTINGS, own, nown * sizeof(*own));
	config_load(t, DAEMON_COMMON_SETTINGS + nown);
	free(t);
	if (log_level_parse(ds->log_level, &level) == -1)
		fatalx("config: LOG_LEVEL: unknown level");
	log_init(service, level);
	if (config_hostport(ds->redis_addr, &ds->redis_host,
	    &ds->redis_port) == -1)
		fatalx("config: REDIS_ADDR: expected host:port");
}

void
daemon_settings_free(struct daemon_settings *ds,
    const struct config_setting *own, size_t nown)
{
	free(ds->brokers);
	free(ds->redis_addr);
	free(ds->listen);
	free(ds->log_level);
	free(ds->instance_id);
	free(ds->redis_host);
	config_free(own, nown);
}
