/*
 * api.c: the demo's HTTP client of intake and analytics. Calls block: the
 * platform runs on this machine and answers in milliseconds, and a blocking
 * call keeps each story step a few readable lines.
 */
#include <string.h>

#include <curl/curl.h>

#include "demo.h"
#include "xmalloc.h"

static CURL	*api_easy;

struct api_buf {
	char	*p;
	size_t	 len;
};

static size_t
api_write(char *data, size_t size, size_t n, void *arg)
{
	struct api_buf	*b = arg;
	size_t		 len = size * n;

	b->p = xreallocarray(b->p, b->len + len + 1, 1);
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

int
api_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return -1;
	api_easy = curl_easy_init();
	return api_easy != NULL ? 0 : -1;
}

void
api_free(void)
{
	if (api_easy != NULL)
		curl_easy_cleanup(api_easy);
	curl_global_cleanup();
}

/* One request; the status (0 when nothing answered) and the JSON answer. */
static long
api_call(const char *url, const char *key, const char *body, json_t **answer)
{
	struct api_buf		 b = { NULL, 0 };
	struct curl_slist	*h = NULL;
	char			 auth[128];
	long			 status = 0;

	curl_easy_reset(api_easy);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(api_easy, CURLOPT_URL, url);
	curl_easy_setopt(api_easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(api_easy, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(api_easy, CURLOPT_WRITEFUNCTION, api_write);
	curl_easy_setopt(api_easy, CURLOPT_WRITEDATA, &b);
	if (body != NULL)
		curl_easy_setopt(api_easy, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(api_easy) == CURLE_OK)
		curl_easy_getinfo(api_easy, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	if (answer != NULL)
		*answer = b.p != NULL ? json_loads(b.p, 0, NULL) : NULL;
	free(b.p);
	return status;
}

/* POSTs body (which it takes) as JSON. */
long
api_post(const char *base, const char *path, const char *key, json_t *body,
    json_t **answer)
{
	char	 url[512], *text;
	long	 status;

	snprintf(url, sizeof(url), "%s%s", base, path);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	status = api_call(url, key, text != NULL ? text : "{}", answer);
	free(text);
	return status;
}

long
api_get(const char *base, const char *path, const char *key, json_t **answer)
{
	char	url[512];

	snprintf(url, sizeof(url), "%s%s", base, path);
	return api_call(url, key, NULL, answer);
}
