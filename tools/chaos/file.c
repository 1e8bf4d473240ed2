/*
 * Files a sequence-numbered stream of complaints through intake at a
 * steady rate, whatever happens to intake meanwhile. Each complaint has an
 * Idempotency-Key made of the seed and its number, so a retry after an
 * answer lost to a kill is the same complaint, not a second one; a request
 * that no instance accepts after a few tries is given up (it was never
 * acknowledged, so it is not counted). Every 202 is written down at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "chaos.h"
#include "meta.h"

#define FILE_TRIES	6
#define FILE_TIMEOUT_MS	3000L

struct answer {
	char	buf[4096];
	size_t	len;
};

static size_t
file_write(char *data, size_t size, size_t n, void *arg)
{
	struct answer	*a = arg;
	size_t		 len = size * n, room = sizeof(a->buf) - 1 - a->len;

	memcpy(a->buf + a->len, data, len < room ? len : room);
	a->len += len < room ? len : room;
	a->buf[a->len] = '\0';
	return len;
}

/* One POST; the status (0: no answer) and the complaint id of a 202. */
static long
file_post(CURL *e, const char *url, const char *key, const char *idem,
    const char *body, char *id, size_t idsz)
{
	struct curl_slist	*h = NULL;
	struct answer		 a = { "", 0 };
	char			 line[256];
	long			 status = 0;
	json_t			*j;

	curl_easy_reset(e);
	snprintf(line, sizeof(line), "Authorization: Bearer %s", key);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "Idempotency-Key: %s", idem);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Content-Type: application/json");
	snprintf(line, sizeof(line), "%s/v1/complaints", url);
	curl_easy_setopt(e, CURLOPT_URL, line);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, FILE_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, file_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(e) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	if (status == 202 && (j = json_loads(a.buf, 0, NULL)) != NULL) {
		const char *cid = json_string_value(json_object_get(j,
		    "complaint_id"));

		snprintf(id, idsz, "%s", cid != NULL ? cid : "");
		json_decref(j);
	}
	return status;
}

static char *
file_body(const struct file_opts *o, unsigned long seq)
{
	char	 ref[64], *text;
	json_t	*j;

	snprintf(ref, sizeof(ref), "chaos-%llu-%lu",
	    (unsigned long long)o->seed, seq);
	j = json_pack("{s:s, s:s, s:s, s:{s:s}, s:s, s:s}",
	    "channel_ref", ref, "order_id", "CHAOS-ORDER",
	    "merchant_id", "M1001", "user", "id", "U-CHAOS",
	    "description", "chaos run: the parcel never arrived",
	    "demand", "refund");
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return text;
}

/* Files complaint seq, trying the instances in turn; 0 once accepted. */
static int
file_one(CURL *e, const struct file_opts *o, unsigned long seq, FILE *out)
{
	char	 idem[64], id[128] = "";
	char	*body = file_body(o, seq);
	long	 status = 0;
	int	 t;

	snprintf(idem, sizeof(idem), "chaos-%llu-%lu",
	    (unsigned long long)o->seed, seq);
	for (t = 0; t < FILE_TRIES; t++) {
		status = file_post(e, o->urls[(seq + t) % o->nurls], o->key,
		    idem, body, id, sizeof(id));
		if (status == 202 && id[0] != '\0')
			break;
		if (status >= 400 && status < 500 && status != 409 &&
		    status != 429)
			break;	/* refused: retrying will not help */
		usleep(200000);
	}
	free(body);
	if (status != 202 || id[0] == '\0') {
		fprintf(stderr, "cdp-chaos: complaint %lu not accepted "
		    "(last answer %ld)\n", seq, status);
		return -1;
	}
	fprintf(out, "%lu\t%s\t%lld\n", seq, id, (long long)meta_now_ms());
	fflush(out);
	return 0;
}

int
file_run(const struct file_opts *o)
{
	CURL		*e;
	FILE		*out;
	int64_t		 start = meta_now_ms(), at, now;
	unsigned long	 seq, total = (unsigned long)(o->rate * o->seconds);

	if ((out = fopen(o->out, "a")) == NULL) {
		perror(o->out);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	e = curl_easy_init();
	for (seq = 1; seq <= total; seq++) {
		at = start + (int64_t)((double)(seq - 1) * 1000.0 / o->rate);
		if ((now = meta_now_ms()) < at)
			usleep((useconds_t)(at - now) * 1000);
		file_one(e, o, seq, out);
	}
	curl_easy_cleanup(e);
	curl_global_cleanup();
	fclose(out);
	return 0;
}
