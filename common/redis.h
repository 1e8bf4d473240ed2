/*
 * A Redis connection on the daemon's event loop (hiredis async API with its
 * libevent adapter). It reconnects by itself with backoff; while it is down,
 * commands are refused at once so callers can retry or answer 503.
 * Scripts are registered once and loaded on every (re)connection, then run
 * with EVALSHA. With credentials, every (re)connection first sends AUTH
 * (an ACL user and password, or the password alone) and counts as connected
 * only once Redis accepts it.
 */
#ifndef CDP_REDIS_H
#define CDP_REDIS_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

struct redis;
struct redis_script;

/* Where a Redis is and who we are to it; "" or NULL: no such credential. */
struct redis_endpoint {
	const char	*host;
	int		 port;
	const char	*username;	/* ACL user (needs a password) */
	const char	*password;
};

/*
 * Called exactly once per accepted command: reply is NULL when the
 * connection was lost before the answer came, and may be an error reply.
 * The reply belongs to hiredis and is valid only during the call.
 */
typedef void (*redis_reply_fn)(struct redis *r, redisReply *reply, void *arg);

struct redis	*redis_new(struct event_base *base,
		    const struct redis_endpoint *ep);
redisContext	*redis_connect_sync(const struct redis_endpoint *ep,
		    char *err, size_t errsz);
int		 redis_sync_delete(redisContext *rc, const char *pattern,
		    const char *keep, size_t *deleted, char *err,
		    size_t errsz);
void		 redis_on_connect(struct redis *r, void (*fn)(void *),
		    void *arg);
bool		 redis_connected(const struct redis *r);
int		 redis_ready(void *r, char *why, size_t whysz);
int		 redis_command(struct redis *r, redis_reply_fn fn, void *arg,
		    const char *fmt, ...);
int		 redis_command_argv(struct redis *r, redis_reply_fn fn,
		    void *arg, int argc, const char **argv,
		    const size_t *argvlen);
struct redis_script *redis_script_new(struct redis *r, const char *lua);
int		 redis_script_run(struct redis *r, struct redis_script *s,
		    redis_reply_fn fn, void *arg, int nkeys, int nargs,
		    const char **args, const size_t *lens);
bool		 redis_reply_error(const redisReply *reply, const char *what);
void		 redis_free(struct redis *r);

#endif
