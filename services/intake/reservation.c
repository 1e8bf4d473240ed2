/*
 * Action reservations: two actions checked against the same view of a
 * complaint must not both be accepted (docs/read-model.md, "Concurrent
 * actions"). The view's version is its _offset, the last event applied to
 * it. Before publishing, an action reserves the complaint with a
 * compare-and-set in one script:
 *
 *   rm:act:<complaint id> = <event id of the action>   (PX RESERVATION_MS)
 *
 * set only if no other action holds it and the view still has the _offset
 * the action was checked against. The same event may take it again: a
 * client's retry with its Idempotency-Key, whose first write's fate was
 * unknown, is the same event (acting.c). The reservation is dropped by the
 * read model once it applied that event (so the next action sees its
 * effect), by the action itself when its event was surely not written, and
 * by its expiry when the write's fate is unknown, so it never blocks for
 * good.
 */
#include <stdio.h>
#include <stdlib.h>

#include "intake.h"
#include "log.h"
#include "redis.h"
#include "redis_shards.h"
#include "xmalloc.h"

#define RESERVATION_MS	60000

static const char reserve_lua[] =
    "local held = redis.call('GET', KEYS[1])\n"
    "if held and held ~= ARGV[1] then return 0 end\n"
    "local v = redis.call('GET', KEYS[2])\n"
    "if not v then return 2 end\n"
    "if cjson.decode(v)['_offset'] ~= tonumber(ARGV[2]) then return 2 end\n"
    "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])\n"
    "return 1\n";

static const char drop_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "  return redis.call('DEL', KEYS[1])\n"
    "end\n"
    "return 0\n";

static struct redis_script	*reserve_script, *drop_script;

struct take {
	reservation_fn	 fn;
	void		*arg;
};

/*
 * Registers the scripts on every Redis entry (a reservation lives beside
 * its complaint's view, shard.c); called once, after the clients exist.
 */
void
reservation_start(struct intake *in)
{
	reserve_script = redis_shards_script(in->shards, reserve_lua);
	drop_script = redis_shards_script(in->shards, drop_lua);
}

static void
reservation_on_reply(struct redis *r, redisReply *reply, void *arg)
{
	struct take	*t = arg;

	if (redis_reply_error(reply, "action reservation") ||
	    reply->type != REDIS_REPLY_INTEGER)
		t->fn(t->arg, RESERVATION_UNAVAILABLE);
	else if (reply->integer == 1)
		t->fn(t->arg, RESERVATION_TAKEN);
	else
		t->fn(t->arg, reply->integer == 0 ? RESERVATION_BUSY :
		    RESERVATION_MOVED);
	free(t);
}

/*
 * Reserves complaint_id for the action event_id, checked against the view
 * at offset seen, on r, the complaint's Redis entry (shard.c); fn gets the
 * verdict. -1: Redis unavailable, or r NULL (fn is not called).
 */
int
reservation_take(struct redis *r, const char *complaint_id,
    const char *event_id, long long seen, reservation_fn fn, void *arg)
{
	struct take	*t;
	char		*keys[2], offset[24], ttl[16];
	const char	*args[5];
	int		 rc;

	if (r == NULL)
		return -1;
	t = xmalloc(sizeof(*t));
	t->fn = fn;
	t->arg = arg;
	keys[0] = xasprintf("rm:act:%s", complaint_id);
	keys[1] = xasprintf("rm:c:%s", complaint_id);
	snprintf(offset, sizeof(offset), "%lld", seen);
	snprintf(ttl, sizeof(ttl), "%d", RESERVATION_MS);
	args[0] = keys[0];
	args[1] = keys[1];
	args[2] = event_id;
	args[3] = offset;
	args[4] = ttl;
	rc = redis_script_run(r, reserve_script, reservation_on_reply,
	    t, 2, 3, args, NULL);
	free(keys[0]);
	free(keys[1]);
	if (rc == -1)
		free(t);
	return rc;
}

static void
reservation_on_drop(struct redis *r, redisReply *reply, void *arg)
{
	redis_reply_error(reply, "action reservation drop");
}

/*
 * Drops the reservation of complaint_id on r, its Redis entry, if the
 * action event_id holds it. A drop that cannot be sent (or r NULL) is left
 * to the reservation's expiry.
 */
void
reservation_drop(struct redis *r, const char *complaint_id,
    const char *event_id)
{
	char		*key = xasprintf("rm:act:%s", complaint_id);
	const char	*args[2] = { key, event_id };

	if (r == NULL || redis_script_run(r, drop_script, reservation_on_drop,
	    NULL, 1, 1, args, NULL) == -1)
		log_warnx("reservation: %s not dropped: Redis unavailable; it "
		    "expires", complaint_id);
	free(key);
}
