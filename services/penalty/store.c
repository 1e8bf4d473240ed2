/*
 * penalty's state in Redis, keyed by the partition of merchants.events
 * that owns it (hash tags keep a partition's keys on one Redis Cluster
 * slot, and a rebalance hands over the partition and its state together):
 *
 *   pen:{p<N>}:m:<merchant>    the merchant's ledger (state.c)
 *   pen:{p<N>}:due             merchants by their next lift or expiry
 *   pen:{p<N>}:offset          the last offset folded from partition N
 *   pen:{p<N>}:epoch           when the partition's state was begun
 *
 * With Redis sharded (REDIS_ADDRS), all of partition N's keys are on
 * entry N mod the number of entries (redis_shards.h).
 *
 * A save writes the ledger, its due entry and the offset in one script,
 * so they never disagree. A partition without an offset is replayed from
 * the beginning of merchants.events, which rebuilds its ledgers.
 *
 * The epoch is written when the partition is taken up (startoffset.h),
 * and every save, offset move and look at the due set refuses to run
 * without it (-2): a Redis emptied under the running daemon (FLUSHALL) is
 * noticed within FIRE_IDLE_MS instead of the next save storing a fresh
 * offset beside ledgers that are gone, and the partition is read again
 * from the beginning (store_lost()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "penalty.h"
#include "redis.h"
#include "redis_shards.h"
#include "startoffset.h"
#include "xmalloc.h"

static const char store_save_lua[] =
    "if redis.call('EXISTS', KEYS[4]) == 0 then return -2 end\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "if tonumber(ARGV[3]) > 0 then\n"
    "  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])\n"
    "else redis.call('ZREM', KEYS[2], ARGV[2]) end\n"
    "redis.call('SET', KEYS[3], ARGV[4])\n"
    "return 1\n";

static const char store_offset_lua[] =
    "if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "return 1\n";

static const char store_due_head_lua[] =
    "if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end\n"
    "return redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, "
    "'WITHSCORES')\n";

static struct redis_script	*store_save_script;
static struct redis_script	*store_offset_script;
static struct redis_script	*store_due_head_script;
static struct redis_script	*store_take_script;

struct op {
	struct penalty	*pd;
	store_load_fn	 load;
	store_done_fn	 done;
	void		*arg;
	char		 merchant[PEN_ID_MAX];
};

/* The Redis of partition p's ledgers: entry p mod N of REDIS_ADDRS. */
struct redis *
store_redis(const struct penalty *pd, int32_t p)
{
	return redis_for_partition(pd->shards, p);
}

void
store_start(struct penalty *pd)
{
	store_save_script = redis_shards_script(pd->shards, store_save_lua);
	store_offset_script = redis_shards_script(pd->shards,
	    store_offset_lua);
	store_due_head_script = redis_shards_script(pd->shards,
	    store_due_head_lua);
	store_take_script = redis_shards_script(pd->shards,
	    startoffset_take_lua);
}

/*
 * The partition's state is gone from Redis under the running daemon (its
 * epoch is missing): it is read again from the beginning, which rebuilds
 * its ledgers; the messages in hand are dropped with the old reading.
 */
void
store_lost(struct penalty *pd, int32_t p)
{
	if (pd->ledgers == NULL)
		return;
	metrics_inc(metrics_counter("penalty_state_rebuilds_total",
	    "Partitions read again from the beginning after their state "
	    "was found missing in Redis.", ""));
	log_warnx("store: the state of merchants.events partition %d is gone "
	    "from Redis; rebuilding it from the log", (int)p);
	kafka_consumer_restart(pd->ledgers, "merchants.events", p);
}

static void
store_on_load(struct redis *r, redisReply *reply, void *arg)
{
	struct op	*o = arg;
	struct ledger	 l;

	if (redis_reply_error(reply, "load ledger"))
		o->load(o->arg, -1, NULL);
	else {
		if (reply->type != REDIS_REPLY_STRING)
			ledger_init(&l, o->merchant);
		else if (state_decode(reply->str, reply->len, o->pd->rules,
		    &l) == -1) {
			log_warnx("store: ledger of %s unreadable; starting "
			    "afresh (deleting the partition's offset key "
			    "rebuilds it from the log)", o->merchant);
			ledger_init(&l, o->merchant);
		}
		o->load(o->arg, 0, &l);	/* takes the entries */
	}
	free(o);
}

/*
 * Reads a merchant's ledger (an empty one when unknown); fn takes
 * ownership of its entries.
 */
int
store_load(struct penalty *pd, int32_t p, const char *merchant,
    store_load_fn fn, void *arg)
{
	struct op	*o = xcalloc(1, sizeof(*o));

	o->pd = pd;
	o->load = fn;
	o->arg = arg;
	snprintf(o->merchant, sizeof(o->merchant), "%s", merchant);
	if (redis_command(store_redis(pd, p), store_on_load, o,
	    "GET pen:{p%d}:m:%s", (int)p, merchant) == -1) {
		free(o);
		return -1;
	}
	return 0;
}

static void
store_on_done(struct redis *r, redisReply *reply, void *arg)
{
	struct op	*o = arg;

	if (redis_reply_error(reply, "save ledger"))
		o->done(o->arg, -1);
	else if (reply->type == REDIS_REPLY_INTEGER && reply->integer == -2)
		o->done(o->arg, -2);
	else
		o->done(o->arg, 1);
	free(o);
}

/*
 * Writes the ledger, its next restriction end and l->offset as the
 * partition's offset, together; fn gets 1, -1 on failure, or -2 when the
 * partition's state is gone (store_lost()).
 */
int
store_save(struct penalty *pd, int32_t p, const struct ledger *l,
    store_done_fn fn, void *arg)
{
	struct op	*o = xcalloc(1, sizeof(*o));
	char		*keys[4], due[24], offset[24];
	char		*json = state_encode(l, pd->rules);
	int		 i, rc;

	o->done = fn;
	o->arg = arg;
	keys[0] = xasprintf("pen:{p%d}:m:%s", (int)p, l->merchant_id);
	keys[1] = xasprintf("pen:{p%d}:due", (int)p);
	keys[2] = xasprintf("pen:{p%d}:offset", (int)p);
	keys[3] = xasprintf("pen:{p%d}:epoch", (int)p);
	snprintf(due, sizeof(due), "%lld",
	    (long long)ledger_next_due(l, pd->rules));
	snprintf(offset, sizeof(offset), "%lld", (long long)l->offset);
	rc = redis_script_run(store_redis(pd, p), store_save_script,
	    store_on_done, o, 4, 4, (const char *[]){ keys[0], keys[1], keys[2],
	    keys[3], json, l->merchant_id, due, offset }, NULL);
	for (i = 0; i < 4; i++)
		free(keys[i]);
	free(json);
	if (rc == -1)
		free(o);
	return rc;
}

static void
store_on_due(struct redis *r, redisReply *reply, void *arg)
{
	redis_reply_error(reply, "due set");
}

/*
 * Moves a merchant's entry in the due set to at_ms, or removes it (0);
 * an entry already removed by a save stays removed.
 */
int
store_due(struct penalty *pd, int32_t p, const char *merchant, int64_t at_ms)
{
	if (at_ms <= 0)
		return redis_command(store_redis(pd, p), store_on_due, NULL,
		    "ZREM pen:{p%d}:due %s", (int)p, merchant);
	return redis_command(store_redis(pd, p), store_on_due, NULL,
	    "ZADD pen:{p%d}:due XX %lld %s", (int)p, (long long)at_ms,
	    merchant);
}

struct partop {
	struct penalty	*pd;
	int32_t		 p;
	void		(*fn)(void *, struct redisReply *);
	void		*arg;
};

static struct partop *
partop_new(struct penalty *pd, int32_t p,
    void (*fn)(void *, struct redisReply *), void *arg)
{
	struct partop	*o = xmalloc(sizeof(*o));

	o->pd = pd;
	o->p = p;
	o->fn = fn;
	o->arg = arg;
	return o;
}

/* A reply of an epoch-checked script: -2 means the state is gone. */
static void
store_on_partition(struct redis *r, redisReply *reply, void *arg)
{
	struct partop	*o = arg;

	if (redis_reply_error(reply, o->fn != NULL ? "due set" :
	    "partition offset"))
		reply = NULL;
	else if (reply->type == REDIS_REPLY_INTEGER && reply->integer == -2) {
		store_lost(o->pd, o->p);
		reply = NULL;
	}
	if (o->fn != NULL)
		o->fn(o->arg, reply);
	free(o);
}

/*
 * Moves a partition's offset past an event that changed no ledger (an
 * announcement passing by), so a restart does not read it again. A dead
 * letter does not move it: its write to the DLQ is not confirmed yet. Commands on one connection run in order, so a later save cannot
 * be overtaken; a lost write only means reading the event again.
 */
int
store_offset(struct penalty *pd, int32_t p, int64_t offset)
{
	struct partop	*o = partop_new(pd, p, NULL, NULL);
	char		*keys[2], value[24];
	int		 rc;

	keys[0] = xasprintf("pen:{p%d}:offset", (int)p);
	keys[1] = xasprintf("pen:{p%d}:epoch", (int)p);
	snprintf(value, sizeof(value), "%lld", (long long)offset);
	rc = redis_script_run(store_redis(pd, p), store_offset_script,
	    store_on_partition, o, 2, 1,
	    (const char *[]){ keys[0], keys[1], value }, NULL);
	free(keys[0]);
	free(keys[1]);
	if (rc == -1)
		free(o);
	return rc;
}

/*
 * The first n entries of the partition's due set, with their scores, to
 * fn; fn gets NULL when Redis did not answer or the state is gone.
 */
int
store_due_head(struct penalty *pd, int32_t p, int n,
    void (*fn)(void *, struct redisReply *), void *arg)
{
	struct partop	*o = partop_new(pd, p, fn, arg);
	char		*keys[2], count[16];
	int		 rc;

	keys[0] = xasprintf("pen:{p%d}:due", (int)p);
	keys[1] = xasprintf("pen:{p%d}:epoch", (int)p);
	snprintf(count, sizeof(count), "%d", n);
	rc = redis_script_run(store_redis(pd, p), store_due_head_script,
	    store_on_partition, o, 2, 1,
	    (const char *[]){ keys[0], keys[1], count }, NULL);
	free(keys[0]);
	free(keys[1]);
	if (rc == -1)
		free(o);
	return rc;
}

/*
 * Where a newly assigned partition of merchants.events resumes: after its
 * stored offset, or from the beginning when Redis has none, which rebuilds
 * its ledgers from the log. Asked from the loop (startoffset.c); while
 * Redis does not answer, the partition waits, paused.
 */
void
store_start_offset(void *arg, const char *topic, int32_t p, uint64_t ticket)
{
	struct penalty		*pd = arg;
	struct startoffset	*s;
	char			*keys[2], now[24];
	int			 rc;

	s = startoffset_new(&pd->ledgers, topic, p, ticket);
	keys[0] = xasprintf("pen:{p%d}:offset", (int)p);
	keys[1] = xasprintf("pen:{p%d}:epoch", (int)p);
	snprintf(now, sizeof(now), "%lld", (long long)meta_now_ms());
	rc = redis_script_run(store_redis(pd, p), store_take_script,
	    startoffset_on_reply, s, 2, 1,
	    (const char *[]){ keys[0], keys[1], now }, NULL);
	free(keys[0]);
	free(keys[1]);
	if (rc == -1)
		startoffset_refused(s);
}
