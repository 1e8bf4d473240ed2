/*
 * The checkpoint in Redis: the fold's state (figures, windows, complaint
 * facts and the offsets folded in, one JSON value) and, for operators, a
 * hash of the same offsets, written together by one script:
 *
 *   analytics:{<group>}:state     the checkpoint
 *   analytics:{<group>}:offsets   "<topic>:<partition>" -> next offset
 *
 * A start loads it before the consumer joins, and every partition resumes
 * at the offset after the last one folded in (from the beginning when the
 * checkpoint has none), so nothing is counted twice or lost. A checkpoint
 * is only taken when no snapshot is awaiting the broker: a crash then
 * resumes before the window closed and closes it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "analytics.h"
#include "kafka.h"
#include "log.h"
#include "metrics.h"
#include "redis.h"
#include "xmalloc.h"

#define STORE_ARGS_MAX	(1 + 2 * 2 * FOLD_PARTITIONS_MAX)

static const char store_save_lua[] =
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "redis.call('DEL', KEYS[2])\n"
    "for i = 2, #ARGV, 2 do\n"
    "  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])\n"
    "end\n"
    "return 1\n";

static struct redis_script	*store_script;

void
store_start(struct analytics *a)
{
	store_script = redis_script_new(a->redis, store_save_lua);
}

/*
 * Reads the checkpoint into a->fold, synchronously before the loop runs;
 * without one (or without Redis) the fold starts empty and every
 * partition is read from the beginning, which rebuilds the same figures.
 */
int
store_load(struct analytics *a)
{
	char			 err[256];
	redisContext		*rc = redis_connect_sync(a->redis_ep, err,
				    sizeof(err));
	redisReply		*r = NULL;
	struct fold_settings	 set;
	int			 rv = -1;

	if (rc == NULL) {
		log_warnx("store: %s; rebuilding from the log", err);
		goto done;
	}
	r = redisCommand(rc, "GET analytics:{%s}:state", a->group);
	if (r == NULL || r->type != REDIS_REPLY_STRING) {
		log_info("store: no checkpoint; reading from the beginning");
		goto done;
	}
	if (state_decode(r->str, r->len, a->fold) == -1) {
		log_warnx("store: checkpoint unreadable; rebuilding");
		set = a->fold->set;
		fold_free(a->fold);
		fold_init(a->fold, &set);
		goto done;
	}
	log_info("store: checkpoint loaded, watermark %lld",
	    (long long)a->fold->watermark_ms);
	rv = 0;
done:
	if (r != NULL)
		freeReplyObject(r);
	if (rc != NULL)
		redisFree(rc);
	return rv;
}

static void
store_on_saved(struct redis *r, redisReply *reply, void *arg)
{
	struct analytics	*a = arg;

	a->saving = false;
	if (redis_reply_error(reply, "checkpoint")) {
		a->dirty = true;
		metrics_inc(metrics_counter("analytics_checkpoint_failures_total",
		    "Checkpoints Redis did not take.", ""));
		return;
	}
	metrics_inc(metrics_counter("analytics_checkpoints_total",
	    "Checkpoints written to Redis.", ""));
}

/* The offsets as "<topic>:<partition>", "<next>" argument pairs. */
static int
store_offset_args(const struct fold *f, char **args, int n)
{
	int	i, p;

	for (i = 0; i < 2; i++)
		for (p = 0; p < FOLD_PARTITIONS_MAX; p++) {
			if (f->offsets[i].next[p] < 0)
				continue;
			args[n++] = xasprintf("%s:%d", f->offsets[i].topic, p);
			args[n++] = xasprintf("%lld",
			    (long long)f->offsets[i].next[p]);
		}
	return n;
}

/* Writes a checkpoint when there is news and no output is in flight. */
void
store_save(struct analytics *a)
{
	char	*args[STORE_ARGS_MAX + 2], *keys[2];
	int	 i, n;

	if (!a->dirty || a->saving || a->in_flight > 0)
		return;
	keys[0] = xasprintf("analytics:{%s}:state", a->group);
	keys[1] = xasprintf("analytics:{%s}:offsets", a->group);
	args[0] = keys[0];
	args[1] = keys[1];
	args[2] = state_encode(a->fold);
	n = store_offset_args(a->fold, args, 3);
	a->saving = true;
	a->dirty = false;
	if (redis_script_run(a->redis, store_script, store_on_saved, a, 2,
	    n - 2, (const char **)args, NULL) == -1) {
		a->saving = false;
		a->dirty = true;
	}
	for (i = 0; i < n; i++)
		free(args[i]);
}

/*
 * Where a partition resumes: after what the loaded state folded in. The
 * checkpoint was read at start-up, so the answer is at hand and given at
 * once (kafka_consumer_start_at() may be called from the hook itself).
 */
void
store_start_offset(void *arg, const char *topic, int32_t p, uint64_t ticket)
{
	struct analytics	*a = arg;
	int64_t			 next = fold_offset_next(a->fold, topic, p);

	log_info("store: %s/%d from %s", topic, (int)p, next >= 0 ?
	    "the checkpoint" : "the beginning");
	kafka_consumer_start_at(a->consumer, topic, p, ticket, next >= 0 ?
	    next : RD_KAFKA_OFFSET_BEGINNING);
}
