/*
 * The HTTP server every daemon runs on its event base: /healthz (the event
 * loop answers), /readyz (every readiness check passes), /metrics (the
 * Prometheus registry), and routes for the daemon's own API, matched by
 * longest path prefix. With httpd_admin(), /readyz and /metrics move to a
 * second, admin listener (with its own /healthz), and the public one
 * keeps /healthz and the routes. Requests are counted in http_requests_total{route,
 * code} and timed in http_request_duration_seconds{route} when the answer
 * has been written, so handlers that answer later (after a broker confirms
 * a write) are measured to the real end.
 *
 * Limits, changed with httpd_set_limits(): request bodies up to 64 KiB
 * (evhttp answers 413 beyond), 10 s of inactivity on a connection, and at
 * most 1024 connections at once; a connection beyond the bound gets a
 * 503 and is closed at once. The caller ignores SIGPIPE.
 */
#ifndef CDP_HTTPD_H
#define CDP_HTTPD_H

#include <stddef.h>

struct event_base;
struct evhttp_request;
struct httpd;

/* 1: ready; 0: not ready, with the reason written to why. */
typedef int	(*httpd_ready_fn)(void *arg, char *why, size_t whysz);
typedef void	(*httpd_route_fn)(struct evhttp_request *req, void *arg);

struct httpd	*httpd_start(struct event_base *base, const char *listen,
		    const char *service);
void		 httpd_admin(struct httpd *, const char *listen);
int		 httpd_admin_port(const struct httpd *);
void		 httpd_ready_check(struct httpd *, const char *name,
		    httpd_ready_fn fn, void *arg);
void		 httpd_route(struct httpd *, const char *prefix,
		    httpd_route_fn fn, void *arg);
void		 httpd_route_label(struct httpd *, struct evhttp_request *req,
		    const char *label);
void		 httpd_set_limits(struct httpd *, size_t max_body,
		    int timeout_secs, int max_connections);
void		 httpd_drain(struct httpd *);
int		 httpd_port(const struct httpd *);
int		 httpd_connections(const struct httpd *);
void		 httpd_reply_json(struct evhttp_request *req, int code,
		    const char *json);
void		 httpd_free(struct httpd *);

#endif
