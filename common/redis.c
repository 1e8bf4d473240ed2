/*
 * One Redis connection with automatic reconnection. The connection is
 * usable (redis_connected) from the moment its connect callback reports
 * success: the registered scripts are loaded first on the same connection,
 * and Redis answers in order, so EVALSHA after that finds them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>
#include <openssl/evp.h>

#include "log.h"
#include "metrics.h"
#include "redis.h"
#include "xmalloc.h"

#define REDIS_BACKOFF_MIN_MS	100
#define REDIS_BACKOFF_MAX_MS	5000

struct redis_script {
	char			*lua;
	char			 sha[41];
	struct redis_script	*next;
};

struct redis {
	struct event_base	*base;
	char			*host;
	int			 port;
	redisAsyncContext	*ac;
	bool			 connected;
	int			 backoff_ms;
	struct event		*reconnect_ev;
	struct redis_script	*scripts;
	void			(*on_connect)(void *);
	void			*on_connect_arg;
	struct metric		*reconnects;
	char			*username;	/* NULL: none */
	char			*password;	/* NULL: no AUTH */
	bool			 auth_refused;	/* the last AUTH */
	bool			 closing;	/* redis_free() runs */
	struct metric		*auth_refusals;
};

struct pending {
	struct redis	*r;
	redis_reply_fn	 fn;
	void		*arg;
};

static void	redis_connect(struct redis *r);
static void	redis_scripts_load(struct redis *r);

static void
redis_schedule_reconnect(struct redis *r)
{
	struct timeval	tv;

	tv.tv_sec = r->backoff_ms / 1000;
	tv.tv_usec = (r->backoff_ms % 1000) * 1000;
	evtimer_add(r->reconnect_ev, &tv);
	r->backoff_ms *= 2;
	if (r->backoff_ms > REDIS_BACKOFF_MAX_MS)
		r->backoff_ms = REDIS_BACKOFF_MAX_MS;
}

/*
 * AUTH's arguments for these credentials: "AUTH user password" or "AUTH
 * password"; 0 when there is nothing to send.
 */
static int
redis_auth_argv(const char *username, const char *password,
    const char *argv[3])
{
	if (password == NULL || password[0] == '\0')
		return 0;
	argv[0] = "AUTH";
	if (username != NULL && username[0] != '\0') {
		argv[1] = username;
		argv[2] = password;
		return 3;
	}
	argv[1] = password;
	return 2;
}

/* The connection is usable: scripts first, then whoever waits for it. */
static void
redis_up(struct redis *r)
{
	log_info("redis: connected to %s:%d", r->host, r->port);
	r->backoff_ms = REDIS_BACKOFF_MIN_MS;
	r->auth_refused = false;
	redis_scripts_load(r);
	r->connected = true;
	if (r->on_connect != NULL)
		r->on_connect(r->on_connect_arg);
}

/*
 * AUTH's answer. Refused: the connection is closed, and the disconnect
 * callback tries again with backoff, since an operator may fix the ACL
 * without restarting us. A NULL reply means the connection went first.
 */
static void
redis_on_auth(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct redis	*r = privdata;
	redisReply	*rep = reply;

	if (rep == NULL || r->closing)
		return;
	if (rep->type == REDIS_REPLY_ERROR) {
		log_warnx("redis: %s:%d refused AUTH as %s: %s", r->host,
		    r->port, r->username != NULL ? r->username : "default",
		    rep->str);
		r->auth_refused = true;
		metrics_inc(r->auth_refusals);
		redisAsyncDisconnect(ac);
		return;
	}
	redis_up(r);
}

static void
redis_on_connected(const redisAsyncContext *ac, int status)
{
	struct redis	*r = ac->data;
	const char	*argv[3];
	int		 argc;

	if (status != REDIS_OK) {
		log_warnx("redis: cannot connect to %s:%d: %s", r->host,
		    r->port, ac->errstr);
		r->ac = NULL;	/* hiredis frees it */
		redis_schedule_reconnect(r);
		return;
	}
	if ((argc = redis_auth_argv(r->username, r->password, argv)) == 0) {
		redis_up(r);
		return;
	}
	if (redisAsyncCommandArgv(r->ac, redis_on_auth, r, argc, argv,
	    NULL) != REDIS_OK) {
		log_warnx("redis: cannot send AUTH to %s:%d", r->host, r->port);
		redisAsyncDisconnect(r->ac);
	}
}

/*
 * A connection went: lost while in use, closed after a refused AUTH, or
 * freed by redis_free(). All but the last try again.
 */
static void
redis_on_disconnected(const redisAsyncContext *ac, int status)
{
	struct redis	*r = ac->data;

	r->ac = NULL;	/* hiredis frees it */
	if (r->closing)
		return;
	if (r->connected) {
		r->connected = false;
		log_warnx("redis: lost %s:%d: %s", r->host, r->port,
		    status == REDIS_OK ? "closed" : ac->errstr);
		metrics_inc(r->reconnects);
	}
	redis_schedule_reconnect(r);
}

static void
redis_connect(struct redis *r)
{
	redisAsyncContext	*ac;

	if ((ac = redisAsyncConnect(r->host, r->port)) == NULL)
		fatalx("redis: out of memory");
	if (ac->err != 0) {
		log_warnx("redis: cannot connect to %s:%d: %s", r->host,
		    r->port, ac->errstr);
		redisAsyncFree(ac);
		redis_schedule_reconnect(r);
		return;
	}
	ac->data = r;
	r->ac = ac;
	redisLibeventAttach(ac, r->base);
	redisAsyncSetConnectCallback(ac, redis_on_connected);
	redisAsyncSetDisconnectCallback(ac, redis_on_disconnected);
}

static void
redis_on_reconnect(evutil_socket_t fd, short what, void *arg)
{
	redis_connect(arg);
}

/* An optional credential: NULL when unset or empty. */
static char *
redis_credential(const char *s)
{
	return s != NULL && s[0] != '\0' ? xstrdup(s) : NULL;
}

/*
 * Starts connecting to the endpoint; the connection comes up later (after
 * AUTH, with credentials), and comes back by itself after every loss.
 */
struct redis *
redis_new(struct event_base *base, const struct redis_endpoint *ep)
{
	struct redis	*r = xcalloc(1, sizeof(*r));
	char		 labels[256], addr[128];

	r->base = base;
	r->host = xstrdup(ep->host);
	r->port = ep->port;
	r->username = redis_credential(ep->username);
	r->password = redis_credential(ep->password);
	r->backoff_ms = REDIS_BACKOFF_MIN_MS;
	if ((r->reconnect_ev = evtimer_new(base, redis_on_reconnect, r)) ==
	    NULL)
		fatalx("redis: cannot create the reconnect timer");
	snprintf(addr, sizeof(addr), "%s:%d", ep->host, ep->port);
	if (metrics_labels(labels, sizeof(labels), "addr", addr, NULL) == -1)
		fatalx("redis: address too long: %s", addr);
	r->reconnects = metrics_counter("redis_disconnects_total",
	    "Redis connections lost.", labels);
	r->auth_refusals = metrics_counter("redis_auth_refusals_total",
	    "AUTH answers refusing the configured Redis credentials.", labels);
	redis_connect(r);
	return r;
}

/*
 * A blocking connection for what runs before the event loop (state wipes,
 * checkpoint loads), authenticated like redis_new()'s. NULL with the reason
 * in err on failure; the caller frees the context with redisFree().
 */
redisContext *
redis_connect_sync(const struct redis_endpoint *ep, char *err, size_t errsz)
{
	redisContext	*rc;
	redisReply	*reply;
	const char	*argv[3];
	int		 argc;

	if ((rc = redisConnect(ep->host, ep->port)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (rc->err != 0) {
		snprintf(err, errsz, "cannot connect to %s:%d: %s", ep->host,
		    ep->port, rc->errstr);
		redisFree(rc);
		return NULL;
	}
	if ((argc = redis_auth_argv(ep->username, ep->password, argv)) == 0)
		return rc;
	reply = redisCommandArgv(rc, argc, argv, NULL);
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		snprintf(err, errsz, "%s:%d refused AUTH: %s", ep->host,
		    ep->port, reply != NULL ? reply->str : rc->errstr);
		freeReplyObject(reply);
		redisFree(rc);
		return NULL;
	}
	freeReplyObject(reply);
	return rc;
}

/*
 * On a blocking connection, deletes every key matching pattern (SCAN
 * MATCH) but those that contain keep (NULL: none kept), adding their
 * number to *deleted. -1 with the reason in err when Redis fails.
 */
int
redis_sync_delete(redisContext *rc, const char *pattern, const char *keep,
    size_t *deleted, char *err, size_t errsz)
{
	redisReply	*r, *keys;
	char		 cursor[32] = "0";
	size_t		 i;

	do {
		r = redisCommand(rc, "SCAN %s MATCH %s COUNT 1000", cursor,
		    pattern);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY ||
		    r->elements != 2) {
			snprintf(err, errsz, "SCAN %s: %s", pattern, r != NULL &&
			    r->type == REDIS_REPLY_ERROR ? r->str : rc->errstr);
			freeReplyObject(r);
			return -1;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		keys = r->element[1];
		for (i = 0; i < keys->elements; i++) {
			if (keep != NULL && strstr(keys->element[i]->str, keep))
				continue;
			freeReplyObject(redisCommand(rc, "UNLINK %b",
			    keys->element[i]->str, keys->element[i]->len));
			(*deleted)++;
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

/* fn runs after every successful (re)connection, scripts loaded. */
void
redis_on_connect(struct redis *r, void (*fn)(void *), void *arg)
{
	r->on_connect = fn;
	r->on_connect_arg = arg;
}

bool
redis_connected(const struct redis *r)
{
	return r->connected;
}

/* A readiness check for httpd. */
int
redis_ready(void *arg, char *why, size_t whysz)
{
	struct redis	*r = arg;

	if (r->connected)
		return 1;
	if (r->auth_refused)
		snprintf(why, whysz, "Redis %s:%d refuses our credentials "
		    "(REDIS_USERNAME, REDIS_PASSWORD)", r->host, r->port);
	else
		snprintf(why, whysz, "Redis %s:%d not connected", r->host,
		    r->port);
	return 0;
}

static void
redis_on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct pending	*p = privdata;
	redisReply	*rep = reply;

	if (rep != NULL && rep->type == REDIS_REPLY_ERROR &&
	    strncmp(rep->str, "NOSCRIPT", 8) == 0 && p->r->connected) {
		log_warnx("redis: scripts were flushed; loading them again");
		redis_scripts_load(p->r);
	}
	if (p->fn != NULL)
		p->fn(p->r, rep, p->arg);
	free(p);
}

static struct pending *
pending_new(struct redis *r, redis_reply_fn fn, void *arg)
{
	struct pending	*p = xmalloc(sizeof(*p));

	p->r = r;
	p->fn = fn;
	p->arg = arg;
	return p;
}

/*
 * Sends a command. Returns 0 when sent (fn will be called once), or -1 when
 * Redis is not connected (fn is not called).
 */
int
redis_command(struct redis *r, redis_reply_fn fn, void *arg, const char *fmt,
    ...)
{
	struct pending	*p;
	va_list		 ap;
	int		 rc;

	if (!r->connected)
		return -1;
	p = pending_new(r, fn, arg);
	va_start(ap, fmt);
	rc = redisvAsyncCommand(r->ac, redis_on_reply, p, fmt, ap);
	va_end(ap);
	if (rc != REDIS_OK) {
		free(p);
		return -1;
	}
	return 0;
}

int
redis_command_argv(struct redis *r, redis_reply_fn fn, void *arg, int argc,
    const char **argv, const size_t *argvlen)
{
	struct pending	*p;

	if (!r->connected)
		return -1;
	p = pending_new(r, fn, arg);
	if (redisAsyncCommandArgv(r->ac, redis_on_reply, p, argc, argv,
	    argvlen) != REDIS_OK) {
		free(p);
		return -1;
	}
	return 0;
}

static void
script_sha1(const char *lua, char sha[41])
{
	unsigned char	digest[EVP_MAX_MD_SIZE];
	unsigned int	len, i;

	if (EVP_Digest(lua, strlen(lua), digest, &len, EVP_sha1(), NULL) != 1)
		fatalx("redis: SHA-1 failed");
	for (i = 0; i < 20; i++)
		snprintf(sha + 2 * i, 3, "%02x", digest[i]);
}

static void
redis_on_script_loaded(struct redis *r, redisReply *reply, void *arg)
{
	redis_reply_error(reply, "SCRIPT LOAD");
}

static void
redis_scripts_load(struct redis *r)
{
	struct redis_script	*s;

	for (s = r->scripts; s != NULL; s = s->next)
		if (redisAsyncCommand(r->ac, redis_on_reply,
		    pending_new(r, redis_on_script_loaded, s), "SCRIPT LOAD %s",
		    s->lua) != REDIS_OK)
			log_warnx("redis: cannot send SCRIPT LOAD");
}

/*
 * Registers a Lua script: it is loaded now if connected and again on every
 * reconnection. The script stays registered until redis_free().
 */
struct redis_script *
redis_script_new(struct redis *r, const char *lua)
{
	struct redis_script	*s = xcalloc(1, sizeof(*s));

	s->lua = xstrdup(lua);
	script_sha1(lua, s->sha);
	s->next = r->scripts;
	r->scripts = s;
	if (r->connected && redisAsyncCommand(r->ac, redis_on_reply,
	    pending_new(r, redis_on_script_loaded, s), "SCRIPT LOAD %s",
	    s->lua) != REDIS_OK)
		log_warnx("redis: cannot send SCRIPT LOAD");
	return s;
}

/* Runs a script with EVALSHA: nkeys keys, then nargs arguments. */
int
redis_script_run(struct redis *r, struct redis_script *s, redis_reply_fn fn,
    void *arg, int nkeys, int nargs, const char **args, const size_t *lens)
{
	const char	**argv;
	size_t		 *argvlen;
	char		  numkeys[16];
	int		  i, rc;

	argv = xcalloc((size_t)nargs + (size_t)nkeys + 3, sizeof(*argv));
	argvlen = xcalloc((size_t)nargs + (size_t)nkeys + 3, sizeof(*argvlen));
	snprintf(numkeys, sizeof(numkeys), "%d", nkeys);
	argv[0] = "EVALSHA";
	argv[1] = s->sha;
	argv[2] = numkeys;
	for (i = 0; i < 3; i++)
		argvlen[i] = strlen(argv[i]);
	for (i = 0; i < nkeys + nargs; i++) {
		argv[i + 3] = args[i];
		argvlen[i + 3] = lens != NULL ? lens[i] : strlen(args[i]);
	}
	rc = redis_command_argv(r, fn, arg, nkeys + nargs + 3, argv, argvlen);
	free(argv);
	free(argvlen);
	return rc;
}

/*
 * Logs and returns true when reply is missing (connection lost) or an
 * error: the check every reply callback starts with.
 */
bool
redis_reply_error(const redisReply *reply, const char *what)
{
	if (reply == NULL) {
		log_warnx("redis: %s: connection lost", what);
		return true;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		log_warnx("redis: %s: %s", what, reply->str);
		return true;
	}
	return false;
}

void
redis_free(struct redis *r)
{
	struct redis_script	*s, *next;

	if (r == NULL)
		return;
	r->connected = false;
	r->closing = true;
	if (r->ac != NULL)
		redisAsyncFree(r->ac);
	event_free(r->reconnect_ev);
	for (s = r->scripts; s != NULL; s = next) {
		next = s->next;
		free(s->lua);
		free(s);
	}
	free(r->host);
	free(r->username);
	if (r->password != NULL)
		explicit_bzero(r->password, strlen(r->password));
	free(r->password);
	free(r);
}
