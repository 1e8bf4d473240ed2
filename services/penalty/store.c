/*
 * penalty's state in Redis, keyed by the partition of merchants.events
 * that owns it (hash tags keep a partition's keys on one Redis Cluster
 * slot, and a rebalance hands over the partition and its state together):
 *
 *   pen:{p<N>}:m:<merchant>    the merchant's ledger (state.c)
 *   pen:{p<N>}:due             merchants by their next lift or expiry
 *   pen:{p<N>}:offset          the last offset folded from partition N
 *
 * With Redis sharded (REDIS_ADDRS), all of partition N's keys are on
 * entry N mod the number of entries (redis_shards.h).
 *
 * A save writes the ledger, its due entry and the offset in one script,
 * so they never disagree. A partition without an offset is replayed from
 * the beginning of merchants.events, which rebuilds its ledgers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "kafka.h"
#include "log.h"
#include "penalty.h"
#include "redis.h"
#include "redis_shards.h"
#include "startoffset.h"
#include "xmalloc.h"

static const char store_save_lua[] =
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "if tonumber(ARGV[3]) > 0 then\n"
    "  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])\n"
    "else redis.call('ZREM', KEYS[2], ARGV[2]) end\n"
    "redis.call('SET', KEYS[3], ARGV[4])\n"
    "return 1\n";

static struct redis_script	*store_save_script;

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

	o->done(o->arg, redis_reply_error(reply, "save ledger") ? -1 : 1);
	free(o);
}

/*
 * Writes the ledger, its next restriction end and l->offset as the
 * partition's offset, together; fn gets 1, or -1 on failure.
 */
int
store_save(struct penalty *pd, int32_t p, const struct ledger *l,
    store_done_fn fn, void *arg)
{
	struct op	*o = xcalloc(1, sizeof(*o));
	char		*keys[3], due[24], offset[24];
	char		*json = state_encode(l, pd->rules);
	int		 i, rc;

	o->done = fn;
	o->arg = arg;
	keys[0] = xasprintf("pen:{p%d}:m:%s", (int)p, l->merchant_id);
	keys[1] = xasprintf("pen:{p%d}:due", (int)p);
	keys[2] = xasprintf("pen:{p%d}:offset", (int)p);
	snprintf(due, sizeof(due), "%lld",
	    (long long)ledger_next_due(l, pd->rules));
	snprintf(offset, sizeof(offset), "%lld", (long long)l->offset);
	rc = redis_script_run(store_redis(pd, p), store_save_script,
	    store_on_done, o, 3, 4, (const char *[]){ keys[0], keys[1], keys[2], json,
	    l->merchant_id, due, offset }, NULL);
	for (i = 0; i < 3; i++)
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

static void
store_on_offset(struct redis *r, redisReply *reply, void *arg)
{
	redis_reply_error(reply, "partition offset");
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
	return redis_command(store_redis(pd, p), store_on_offset, NULL,
	    "SET pen:{p%d}:offset %lld", (int)p, (long long)offset);
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

	s = startoffset_new(&pd->ledgers, topic, p, ticket);
	if (redis_command(store_redis(pd, p), startoffset_on_reply, s,
	    "GET pen:{p%d}:offset", (int)p) == -1)
		startoffset_refused(s);
}
