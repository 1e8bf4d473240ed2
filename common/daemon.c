#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "httpd.h"
#include "log.h"
#include "redis_shards.h"
#include "xmalloc.h"

#define DAEMON_COMMON_SETTINGS	12
#define DAEMON_REDIS_DEFAULT	"127.0.0.1:6380"
#define DAEMON_ADMIN_OFFSET	1000	/* admin port: HTTP port + 1000 */

static void
daemon_common(struct config_setting *t, struct daemon_settings *ds,
    const char *default_listen)
{
	const struct config_setting common[DAEMON_COMMON_SETTINGS] = {
		{ "KAFKA_BROKERS", CONFIG_HOSTPORT_LIST, "127.0.0.1:9092", 0,
		    0, NULL, "Kafka bootstrap brokers", &ds->brokers },
		{ "REDIS_ADDR", CONFIG_STRING, "", 0, 0, NULL,
		    "Redis of the daemon's state (default "
		    DAEMON_REDIS_DEFAULT ")", &ds->redis_addr },
		{ "REDIS_ADDRS", CONFIG_STRING, "", 0, 0, NULL,
		    "Redis sharded by partition: host:port,... (partition p "
		    "on entry p mod N)", &ds->redis_addrs },
		{ "REDIS_USERNAME", CONFIG_STRING, "", 0, 0, NULL,
		    "Redis ACL user (with REDIS_PASSWORD or "
		    "REDIS_PASSWORD_FILE)", &ds->redis_username },
		{ "REDIS_PASSWORD", CONFIG_STRING, "", 0, 0, NULL,
		    "Redis password (prefer REDIS_PASSWORD_FILE)",
		    &ds->redis_password },
		{ "REDIS_PASSWORD_FILE", CONFIG_STRING, "", 0, 0, NULL,
		    "file holding the Redis password (a mounted secret)",
		    &ds->redis_password_file },
		{ "HTTP_LISTEN", CONFIG_HOSTPORT, default_listen, 0, 0, NULL,
		    "address of /healthz (and the API)", &ds->listen },
		{ "ADMIN_LISTEN", CONFIG_STRING, "", 0, 0, NULL,
		    "address of /readyz, /metrics (default 127.0.0.1 and "
		    "HTTP_LISTEN's port + 1000)", &ds->admin_listen },
		{ "LOG_LEVEL", CONFIG_ENUM, "info", 0, 0,
		    "error|warn|info|debug", "least important level logged",
		    &ds->log_level },
		{ "INSTANCE_ID", CONFIG_STRING, "", 0, 0, NULL,
		    "stable instance name for static group membership "
		    "(the pod name)", &ds->instance_id },
		{ "HTTP_MAX_CONNECTIONS", CONFIG_INT, "1024", 1, 65536, NULL,
		    "open connections the public HTTP server keeps; beyond "
		    "them a new one is answered 503 and closed",
		    &ds->http_max_conns },
		{ "HTTP_IDLE_TIMEOUT_S", CONFIG_INT, "10", 1, 3600, NULL,
		    "seconds a connection may take to send a request or "
		    "stay idle before it is closed", &ds->http_idle_timeout_s },
	};

	memcpy(t, common, sizeof(common));
}

/*
 * The Redis password from REDIS_PASSWORD_FILE into ds->redis_password.
 * Fatal when the file cannot be read or both ways are set, so a deployment
 * never runs without the credentials it was given.
 */
static void
daemon_redis_password_file(struct daemon_settings *ds)
{
	char	err[512];

	if (ds->redis_password_file[0] == '\0')
		return;
	if (ds->redis_password[0] != '\0')
		fatalx("config: REDIS_PASSWORD and REDIS_PASSWORD_FILE are both "
		    "set; keep one");
	free(ds->redis_password);
	if (config_read_secret(ds->redis_password_file, &ds->redis_password,
	    err, sizeof(err)) == -1)
		fatalx("config: REDIS_PASSWORD_FILE: %s", err);
}

/*
 * REDIS_ADDR or REDIS_ADDRS into ds->redis_list: one address (N = 1) or
 * the list. Both at once is a mistake (which one was meant?), so fatal.
 */
static void
daemon_redis_addrs(struct daemon_settings *ds)
{
	const char	*one = ds->redis_addr[0] != '\0' ? ds->redis_addr :
			    DAEMON_REDIS_DEFAULT;
	char		 err[256];

	if (ds->redis_addr[0] != '\0' && ds->redis_addrs[0] != '\0')
		fatalx("config: REDIS_ADDR and REDIS_ADDRS are both set; keep "
		    "one (REDIS_ADDRS for Redis sharded by partition)");
	if (ds->redis_addrs[0] != '\0') {
		if (redis_shards_parse(ds->redis_addrs, &ds->redis_list,
		    &ds->nredis, err, sizeof(err)) == -1)
			fatalx("config: REDIS_ADDRS: %s (found \"%s\")", err,
			    ds->redis_addrs);
		return;
	}
	ds->redis_list = xcalloc(1, sizeof(*ds->redis_list));
	ds->nredis = 1;
	if (config_hostport(one, &ds->redis_list[0].host,
	    &ds->redis_list[0].port) == -1)
		fatalx("config: REDIS_ADDR: expected host:port (found \"%s\")",
		    one);
}

/* REDIS_* into the endpoints redis.h takes: the credentials go to each. */
static void
daemon_redis_endpoint(struct daemon_settings *ds)
{
	size_t	i;

	daemon_redis_addrs(ds);
	daemon_redis_password_file(ds);
	if (ds->redis_username[0] != '\0' && ds->redis_password[0] == '\0')
		fatalx("config: REDIS_USERNAME needs REDIS_PASSWORD or "
		    "REDIS_PASSWORD_FILE");
	ds->redis_shards = xcalloc(ds->nredis, sizeof(*ds->redis_shards));
	for (i = 0; i < ds->nredis; i++) {
		ds->redis_shards[i].host = ds->redis_list[i].host;
		ds->redis_shards[i].port = ds->redis_list[i].port;
		ds->redis_shards[i].username = ds->redis_username;
		ds->redis_shards[i].password = ds->redis_password;
	}
	ds->redis = ds->redis_shards[0];
}

/*
 * ADMIN_LISTEN, when unset: loopback, at HTTP_LISTEN's port + 1000 (an
 * ephemeral HTTP port gives an ephemeral admin port).
 */
static void
daemon_admin_listen(struct daemon_settings *ds)
{
	char	*host;
	int	 port;

	if (ds->admin_listen[0] != '\0') {
		if (config_listen(ds->admin_listen, &host, &port) == -1)
			fatalx("config: ADMIN_LISTEN: expected host:port "
			    "(found \"%s\")", ds->admin_listen);
		free(host);
		return;
	}
	if (config_listen(ds->listen, &host, &port) == -1)
		fatalx("config: HTTP_LISTEN: expected host:port");
	free(host);
	if (port != 0 && (port += DAEMON_ADMIN_OFFSET) > 65535)
		fatalx("config: ADMIN_LISTEN: HTTP_LISTEN's port + %d is no "
		    "port; set ADMIN_LISTEN", DAEMON_ADMIN_OFFSET);
	free(ds->admin_listen);
	ds->admin_listen = xasprintf("127.0.0.1:%d", port);
}

/*
 * The daemon's HTTP servers: the public one on HTTP_LISTEN (/healthz and
 * the daemon's routes) and the admin one on ADMIN_LISTEN (/healthz,
 * /readyz, /metrics).
 */
struct httpd *
daemon_httpd_start(struct event_base *base, const struct daemon_settings *ds,
    const char *service)
{
	struct httpd	*h = httpd_start(base, ds->listen, service);

	httpd_set_limits(h, 0, (int)ds->http_idle_timeout_s,
	    (int)ds->http_max_conns);
	httpd_admin(h, ds->admin_listen);
	return h;
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
	daemon_redis_endpoint(ds);
	daemon_admin_listen(ds);
}

void
daemon_settings_free(struct daemon_settings *ds,
    const struct config_setting *own, size_t nown)
{
	free(ds->brokers);
	free(ds->redis_addr);
	free(ds->redis_addrs);
	free(ds->listen);
	free(ds->admin_listen);
	free(ds->log_level);
	free(ds->instance_id);
	config_hostport_list_free(ds->redis_list, ds->nredis);
	free(ds->redis_shards);
	free(ds->redis_username);
	if (ds->redis_password != NULL)
		explicit_bzero(ds->redis_password, strlen(ds->redis_password));
	free(ds->redis_password);
	free(ds->redis_password_file);
	config_free(own, nown);
}
