/*
 * What every daemon reads from its environment before anything else: the
 * Kafka brokers, the Redis address (or the addresses of Redis sharded by
 * partition, REDIS_ADDRS), the HTTP address of its health check
 * (and API) and its credentials, the admin address of its readiness and
 * metrics, the log level,
 * its instance name and the public HTTP server's connection limits. A daemon adds its own
 * settings; all are checked together, so the first bad one stops start-up
 * with one line naming it.
 */
#ifndef CDP_DAEMON_H
#define CDP_DAEMON_H

#include <stddef.h>

#include "config.h"
#include "redis.h"

struct daemon_settings {
	char	*brokers;
	char	*redis_addr;	/* REDIS_ADDR, "" when unset */
	char	*redis_addrs;	/* REDIS_ADDRS, "" when unset */
	char	*listen;
	char	*admin_listen;	/* /readyz, /metrics */
	char	*log_level;
	char	*instance_id;
	struct config_hostport *redis_list;	/* the address(es) split */
	char	*redis_username;	/* REDIS_USERNAME, "" for none */
	char	*redis_password;	/* REDIS_PASSWORD or its file's */
	char	*redis_password_file;
	struct redis_endpoint *redis_shards;	/* one per address, for
						   redis_shards.h */
	size_t	 nredis;
	struct redis_endpoint redis;	/* the first: state not kept by
					   partition (docs/operations.md) */
	long long http_max_conns;	/* HTTP_MAX_CONNECTIONS */
	long long http_idle_timeout_s;	/* HTTP_IDLE_TIMEOUT_S */
};

void	daemon_configure(const char *service, const char *default_listen,
	    struct daemon_settings *ds, const struct config_setting *own,
	    size_t nown);
struct event_base;
struct httpd;

struct httpd	*daemon_httpd_start(struct event_base *base,
		    const struct daemon_settings *ds, const char *service);
void	daemon_settings_free(struct daemon_settings *ds,
	    const struct config_setting *own, size_t nown);

#endif
