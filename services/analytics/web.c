/*
 * HTTP: GET /v1/analytics/summary?window=1m|1h|1d (summary.c), the
 * dashboard's static files from ANALYTICS_WWW_DIR (GET / is index.html;
 * only plain file names of known kinds are served, never a path).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "analytics.h"
#include "httpd.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define WEB_FILE_MAX	(1024 * 1024)

static const struct {
	const char	*ext;
	const char	*type;
} web_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
};

static void
web_summary(struct evhttp_request *req, void *arg)
{
	struct analytics	*a = arg;
	struct evkeyvalq	 q;
	const char		*w;
	enum window_width	 width = WINDOW_1M;
	json_t			*j;
	char			*s;

	httpd_route_label(a->httpd, req, "GET /v1/analytics/summary");
	TAILQ_INIT(&q);
	evhttp_parse_query_str(evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req)) != NULL ? evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req)) : "", &q);
	w = evhttp_find_header(&q, "window");
	if (w != NULL && window_parse(w, &width) == -1) {
		evhttp_clear_headers(&q);
		httpd_reply_json(req, 400, "{\"error\":\"invalid_field\","
		    "\"field\":\"window\",\"reason\":\"must be 1m, 1h or 1d\"}");
		return;
	}
	evhttp_clear_headers(&q);
	j = summary_build(a->fold, width);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	httpd_reply_json(req, 200, s);
	free(s);
}

static const char *
web_type(const char *name)
{
	const char	*dot = strrchr(name, '.');
	size_t		 i, k;

	for (k = 0; name[k] != '\0'; k++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789_-.",
		    name[k]) == NULL)
			return NULL;
	for (i = 0; dot != NULL && i < sizeof(web_types) /
	    sizeof(web_types[0]); i++)
		if (strcmp(dot, web_types[i].ext) == 0)
			return web_types[i].type;
	return NULL;
}

/* Reads dir/name whole; NULL when missing or too large. */
static char *
web_read(const char *dir, const char *name, size_t *len)
{
	char	*path = xasprintf("%s/%s", dir, name), *buf = NULL;
	FILE	*f = fopen(path, "rb");

	free(path);
	if (f == NULL)
		return NULL;
	buf = xmalloc(WEB_FILE_MAX);
	*len = fread(buf, 1, WEB_FILE_MAX, f);
	if (ferror(f) || *len == WEB_FILE_MAX) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void
web_static(struct evhttp_request *req, void *arg)
{
	struct analytics	*a = arg;
	const char		*path = evhttp_uri_get_path(
	    evhttp_request_get_evhttp_uri(req));
	const char		*name, *type;
	char			*body;
	size_t			 len;

	httpd_route_label(a->httpd, req, "GET /");
	name = path == NULL || strcmp(path, "/") == 0 ? "index.html" : path + 1;
	if ((type = web_type(name)) == NULL ||
	    (body = web_read(a->www_dir, name, &len)) == NULL) {
		httpd_reply_json(req, 404, "{\"error\":\"not_found\"}");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", type);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	evhttp_send_reply(req, 200, NULL, NULL);
	free(body);
}

void
web_start(struct analytics *a)
{
	httpd_route(a->httpd, "/v1/analytics/summary", web_summary, a);
	httpd_route(a->httpd, "/", web_static, a);
}
