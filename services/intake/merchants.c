/*
 * Merchant standing for the API: the latest MerchantState of every
 * merchant, kept in Redis from the compacted topic merchants.state, which
 * penalty writes after every change (docs/read-model.md "Merchant
 * standing"):
 *
 *   rm:m:<merchant id>                the MerchantState, protobuf bytes
 *   rm:offset:merchants.state:<p>     the last offset applied
 *   rm:epoch:merchants.state:<p>      when the partition was taken up
 *
 * The topic is read by the read model's consumer (readmodel.c), in the same
 * group and with the same start-offset hook: a partition resumes after the
 * offset stored with the state, or from the beginning when Redis has none.
 * Each message carries the whole state, so applying one is a SET of the
 * state and of the offset together, in one script; a replay writes the
 * same bytes again.
 *
 * GET /v1/merchants/{id} answers from here.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "httpd.h"
#include "intake.h"
#include "kafka.h"
#include "log.h"
#include "redis.h"
#include "xmalloc.h"

#define MERCHANTS_RETRY_MS	1000

/* -2: the partition's epoch is gone (readmodel.c), and its state with it. */
static const char merchants_lua[] =
    "if redis.call('EXISTS', KEYS[3]) == 0 then return -2 end\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "redis.call('SET', KEYS[2], ARGV[2])\n"
    "return 1\n";

static struct redis_script	*merchants_script;

void
merchants_start(struct intake *in)
{
	merchants_script = redis_script_new(in->redis, merchants_lua);
}

struct mwrite {
	struct intake		*in;
	struct kafka_msg	*m;
};

static void
merchants_on_written(struct redis *r, redisReply *reply, void *arg)
{
	struct mwrite		*w = arg;

	if (redis_reply_error(reply, "merchant state write"))
		kafka_consumer_retry(w->m, MERCHANTS_RETRY_MS);
	else if (reply->type == REDIS_REPLY_INTEGER && reply->integer == -2) {
		readmodel_lost(w->in, w->m->topic, w->m->partition);
		kafka_consumer_retry(w->m, MERCHANTS_RETRY_MS);
	} else
		kafka_consumer_done(w->m);
	free(w);
}

/*
 * One message of merchants.state (from readmodel.c): kept as it came,
 * after checking that it is a MerchantState of a merchant with a valid id.
 */
static const char *
merchants_check(const char *topic, const ProtobufCMessage *msg)
{
	const Cdp__V1__MerchantState	*st = (const void *)msg;

	(void)topic;
	if (!complaint_json_id_valid(st->merchant_id))
		return "MerchantState without a valid merchant id";
	return NULL;
}

/* merchants.state: a MerchantState under a valid merchant id. */
const struct kafka_decoder	merchants_decoder = {
	&cdp__v1__merchant_state__descriptor, merchants_check,
};

void
merchants_apply(struct intake *in, struct kafka_msg *m)
{
	const Cdp__V1__MerchantState	*st = m->event;	/* merchants_decoder */
	const char			*args[5];
	size_t				 lens[5];
	char				*key, *progress, *epoch, offset[24];
	struct mwrite			*w = xmalloc(sizeof(*w));

	key = xasprintf("rm:m:%s", st->merchant_id);
	progress = xasprintf("rm:offset:%s:%d", m->topic, (int)m->partition);
	epoch = xasprintf("rm:epoch:%s:%d", m->topic, (int)m->partition);
	snprintf(offset, sizeof(offset), "%lld", (long long)m->offset);
	args[0] = key;
	args[1] = progress;
	args[2] = epoch;
	args[3] = m->payload;
	args[4] = offset;
	lens[0] = strlen(key);
	lens[1] = strlen(progress);
	lens[2] = strlen(epoch);
	lens[3] = m->len;
	lens[4] = strlen(offset);
	w->in = in;
	w->m = m;
	if (redis_script_run(in->redis, merchants_script, merchants_on_written,
	    w, 3, 2, args, lens) == -1) {
		kafka_consumer_retry(m, MERCHANTS_RETRY_MS);
		free(w);
	}
	free(key);
	free(progress);
	free(epoch);
}

struct mget {
	merchants_fn	 fn;
	void		*arg;
};

static void
merchants_on_get(struct redis *r, redisReply *reply, void *arg)
{
	struct mget		*g = arg;
	Cdp__V1__MerchantState	*st = NULL;

	if (redis_reply_error(reply, "merchant state read")) {
		g->fn(g->arg, -1, NULL);
		free(g);
		return;
	}
	if (reply->type == REDIS_REPLY_STRING)
		st = cdp__v1__merchant_state__unpack(NULL, reply->len,
		    (const uint8_t *)reply->str);
	g->fn(g->arg, 0, st);
	if (st != NULL)
		cdp__v1__merchant_state__free_unpacked(st, NULL);
	free(g);
}

/*
 * Reads a merchant's state; fn borrows it (NULL: none, the merchant is in
 * good standing) and gets rc -1 when Redis failed. -1: Redis unavailable,
 * fn is not called.
 */
int
merchants_get(struct intake *in, const char *merchant_id, merchants_fn fn,
    void *arg)
{
	struct mget	*g = xmalloc(sizeof(*g));

	g->fn = fn;
	g->arg = arg;
	if (redis_command(in->redis, merchants_on_get, g, "GET rm:m:%s",
	    merchant_id) == -1) {
		free(g);
		return -1;
	}
	return 0;
}

/*
 * Whether key may see (and act for) the merchant: staff see every one, a
 * merchant only itself. The others are answered 404, as if the merchant
 * did not exist, so that a key learns nothing of merchants not its own.
 */
bool
merchants_visible(const struct api_key *key, const char *merchant_id)
{
	if (key->role == KEY_ROLE_AGENT || key->role == KEY_ROLE_ADMIN)
		return true;
	return key->role == KEY_ROLE_MERCHANT &&
	    strcmp(key->merchant_id, merchant_id) == 0;
}

struct show {
	struct evhttp_request	*req;
	char			*merchant_id;
};

static void
merchants_on_show(void *arg, int rc, const Cdp__V1__MerchantState *st)
{
	struct show	*s = arg;

	if (rc == -1)
		api_unavailable(s->req, "merchant standing is unavailable");
	else
		api_reply(s->req, 200, merchant_view_render(s->merchant_id,
		    st));
	free(s->merchant_id);
	free(s);
}

/* GET /v1/merchants/{id}. */
void
merchants_show(struct intake *in, struct evhttp_request *req,
    struct api_key *key, const char *merchant_id)
{
	struct show	*s;

	if (!complaint_json_id_valid(merchant_id) ||
	    !merchants_visible(key, merchant_id)) {
		api_fail(req, 404, "not_found", NULL, "no such merchant");
		return;
	}
	s = xmalloc(sizeof(*s));
	s->req = req;
	s->merchant_id = xstrdup(merchant_id);
	if (merchants_get(in, merchant_id, merchants_on_show, s) == -1) {
		api_unavailable(req, "merchant standing is unavailable");
		free(s->merchant_id);
		free(s);
	}
}
