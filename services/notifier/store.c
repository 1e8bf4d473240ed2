/*
 * The notifier's state in Redis, under the shard of the partition whose
 * event scheduled it: "c<N>" for partition N of complaints.events, "m<N>"
 * for merchants.events. The instance that owns a partition owns its shard
 * (hash tags keep a shard on one Redis Cluster slot):
 *
 *   ntf:{<shard>}:job:<id>        a notification not yet announced (notice.c)
 *   ntf:{<shard>}:due             notification ids by their next attempt
 *   ntf:{<shard>}:done:<id>       delivered: never sent again (30 days)
 *   ntf:{c<N>}:contact:<complaint> the customer's user id, phone, e-mail
 *                                 (from Filed; 180 days)
 *
 * With Redis sharded (REDIS_ADDRS), a shard's keys are on entry N mod the
 * number of entries, for c<N> and m<N> alike (store_redis).
 *
 * Scheduling writes the job and its due entry in one script, and does
 * nothing when the id is delivered or already scheduled, so a replayed
 * event schedules nothing new. Recording a delivery sets the done marker
 * with the job's new state in the same script.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "meta.h"
#include "notifier.h"
#include "redis.h"
#include "redis_shards.h"
#include "xmalloc.h"

#define STORE_DONE_TTL_MS	"2592000000"	/* 30 days */
#define STORE_CONTACT_TTL_MS	"15552000000"	/* 180 days */

static const char store_schedule_lua[] =
    "if redis.call('EXISTS', KEYS[3]) == 1 or "
    "redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])\n"
    "return 1\n";

static const char store_update_lua[] =
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])\n"
    "if ARGV[4] == '1' then\n"
    "  redis.call('SET', KEYS[3], '1', 'PX', ARGV[5])\n"
    "end\n"
    "return 1\n";

static const char store_finish_lua[] =
    "redis.call('DEL', KEYS[1])\n"
    "redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "return 1\n";

static struct redis_script	*schedule_script;
static struct redis_script	*update_script;
static struct redis_script	*finish_script;

struct op {
	store_done_fn	 done;
	store_ids_fn	 ids;
	store_job_fn	 job;
	store_text_fn	 text;
	void		*arg;
};

void
store_start(struct notifier *n)
{
	schedule_script = redis_shards_script(n->shards, store_schedule_lua);
	update_script = redis_shards_script(n->shards, store_update_lua);
	finish_script = redis_shards_script(n->shards, store_finish_lua);
}

/*
 * The Redis of a shard: entry N mod the number of entries (REDIS_ADDRS)
 * for "c<N>" and "m<N>" alike, each topic's partitions by their own
 * number, as the sla-timer and penalty do. A name without a number is a
 * broken invariant (store_shard makes them all).
 */
static struct redis *
store_redis(const struct notifier *n, const char *shard)
{
	char	*end = NULL;
	long	 p = -1;

	if (shard[0] != '\0' && shard[1] != '\0')
		p = strtol(shard + 1, &end, 10);
	if (p < 0 || p > INT32_MAX || end == NULL || *end != '\0')
		fatalx("store: shard name %s", shard);
	return redis_for_partition(n->shards, (int32_t)p);
}

/* The shard name of a partition: "c7" (complaints.events), "m3". */
void
store_shard(char *out, size_t size, const char *topic, int32_t p)
{
	snprintf(out, size, "%c%d", strcmp(topic, "merchants.events") == 0 ?
	    'm' : 'c', (int)p);
}

static struct op *
op_new(void *arg)
{
	struct op	*o = xcalloc(1, sizeof(*o));

	o->arg = arg;
	return o;
}

static void
store_on_done(struct redis *r, redisReply *reply, void *arg)
{
	struct op	*o = arg;

	if (redis_reply_error(reply, "notifier store"))
		o->done(o->arg, -1);
	else
		o->done(o->arg, reply->type == REDIS_REPLY_INTEGER ?
		    (int)reply->integer : 0);
	free(o);
}

static int
run(struct notifier *n, const char *shard, struct redis_script *s,
    store_done_fn fn, void *arg, int nkeys, int nargs, const char **args)
{
	struct op	*o = op_new(arg);

	o->done = fn;
	if (redis_script_run(store_redis(n, shard), s, store_on_done, o, nkeys,
	    nargs, args, NULL) == -1) {
		free(o);
		return -1;
	}
	return 0;
}

/*
 * Schedules a new job for now; fn gets 1 when scheduled, 0 when the id was
 * scheduled or delivered before, -1 on failure.
 */
int
store_schedule(struct notifier *n, const char *shard, const struct notice *j,
    store_done_fn fn, void *arg)
{
	char	*job = xasprintf("ntf:{%s}:job:%s", shard, j->id);
	char	*due = xasprintf("ntf:{%s}:due", shard);
	char	*done = xasprintf("ntf:{%s}:done:%s", shard, j->id);
	char	*json = notice_encode(j), now[24];
	int	 rc;

	snprintf(now, sizeof(now), "%lld", (long long)meta_now_ms());
	rc = json == NULL ? -1 : run(n, shard, schedule_script, fn, arg, 3, 3,
	    (const char *[]){ job, due, done, json, j->id, now });
	free(job);
	free(due);
	free(done);
	free(json);
	return rc;
}

/*
 * Saves a job's new state: pending jobs fall due at next_ms, delivered and
 * failed ones at once (to be announced); a delivery sets the done marker.
 */
int
store_update(struct notifier *n, const char *shard, const struct notice *j,
    store_done_fn fn, void *arg)
{
	char	*job = xasprintf("ntf:{%s}:job:%s", shard, j->id);
	char	*due = xasprintf("ntf:{%s}:due", shard);
	char	*done = xasprintf("ntf:{%s}:done:%s", shard, j->id);
	char	*json = notice_encode(j), at[24];
	int	 rc;

	snprintf(at, sizeof(at), "%lld", (long long)(j->state == NOTICE_PENDING ?
	    j->next_ms : meta_now_ms()));
	rc = json == NULL ? -1 : run(n, shard, update_script, fn, arg, 3, 5,
	    (const char *[]){ job, due, done, json, j->id, at,
	    j->state == NOTICE_DELIVERED ? "1" : "0", STORE_DONE_TTL_MS });
	free(job);
	free(due);
	free(done);
	free(json);
	return rc;
}

/* Forgets an announced job (its done marker stays). */
int
store_finish(struct notifier *n, const char *shard, const char *id,
    store_done_fn fn, void *arg)
{
	char	*job = xasprintf("ntf:{%s}:job:%s", shard, id);
	char	*due = xasprintf("ntf:{%s}:due", shard);
	int	 rc;

	rc = run(n, shard, finish_script, fn, arg, 2, 1,
	    (const char *[]){ job, due, id });
	free(job);
	free(due);
	return rc;
}

static void
store_on_ids(struct redis *r, redisReply *reply, void *arg)
{
	struct op	*o = arg;
	char		*ids[64];
	size_t		 i, n = 0;

	if (redis_reply_error(reply, "notifier due") ||
	    reply->type != REDIS_REPLY_ARRAY) {
		o->ids(o->arg, -1, NULL, 0);
		free(o);
		return;
	}
	for (i = 0; i < reply->elements && n < 64; i++)
		if (reply->element[i]->type == REDIS_REPLY_STRING)
			ids[n++] = reply->element[i]->str;
	o->ids(o->arg, 0, ids, n);
	free(o);
}

/* The ids due by now_ms in a shard, at most max (64); fn borrows them. */
int
store_due(struct notifier *n, const char *shard, int64_t now_ms, size_t max,
    store_ids_fn fn, void *arg)
{
	struct op	*o = op_new(arg);

	o->ids = fn;
	if (redis_command(store_redis(n, shard), store_on_ids, o,
	    "ZRANGEBYSCORE ntf:{%s}:due -inf %lld LIMIT 0 %d", shard,
	    (long long)now_ms, max > 64 ? 64 : (int)max) == -1) {
		free(o);
		return -1;
	}
	return 0;
}

static void
store_on_job(struct redis *r, redisReply *reply, void *arg)
{
	struct op	*o = arg;
	struct notice	 j;

	if (redis_reply_error(reply, "notifier job"))
		o->job(o->arg, -1, NULL);
	else if (reply->type != REDIS_REPLY_STRING ||
	    notice_decode(reply->str, reply->len, &j) == -1)
		o->job(o->arg, 0, NULL);	/* gone, or not a job */
	else {
		o->job(o->arg, 0, &j);
		notice_clear(&j);
	}
	free(o);
}

/* Reads a job; fn borrows it, or gets NULL when there is none. */
int
store_load(struct notifier *n, const char *shard, const char *id,
    store_job_fn fn, void *arg)
{
	struct op	*o = op_new(arg);

	o->job = fn;
	if (redis_command(store_redis(n, shard), store_on_job, o,
	    "GET ntf:{%s}:job:%s", shard, id) == -1) {
		free(o);
		return -1;
	}
	return 0;
}

static void
store_on_text(struct redis *r, redisReply *reply, void *arg)
{
	struct op	*o = arg;

	if (redis_reply_error(reply, "notifier contact"))
		o->text(o->arg, -1, NULL);
	else
		o->text(o->arg, 0, reply->type == REDIS_REPLY_STRING ?
		    reply->str : NULL);
	free(o);
}

/* Keeps a complaint's customer contact (JSON) for its later messages. */
int
store_contact_save(struct notifier *n, const char *shard,
    const char *complaint_id, const char *json, store_done_fn fn, void *arg)
{
	struct op	*o = op_new(arg);

	o->done = fn;
	if (redis_command(store_redis(n, shard), store_on_done, o,
	    "SET ntf:{%s}:contact:%s %s PX %s", shard, complaint_id, json,
	    STORE_CONTACT_TTL_MS) == -1) {
		free(o);
		return -1;
	}
	return 0;
}

/* Reads a complaint's customer contact; fn gets NULL when unknown. */
int
store_contact_load(struct notifier *n, const char *shard,
    const char *complaint_id, store_text_fn fn, void *arg)
{
	struct op	*o = op_new(arg);

	o->text = fn;
	if (redis_command(store_redis(n, shard), store_on_text, o,
	    "GET ntf:{%s}:contact:%s", shard, complaint_id) == -1) {
		free(o);
		return -1;
	}
	return 0;
}
