/*
 * Retention of final complaints in Redis (docs/operations.md, "Redis
 * sizing"). A closed or out-of-scope complaint keeps its view for
 * INTAKE_RETENTION_S after its close; then its view, its summary record
 * and its index entries leave Redis, and a small tombstone stays so that GET answers 410
 * "archived" with where to read its history (complaints.events, kept
 * forever, is the archive). Keys:
 *
 *   rm:t:<complaint id>   the tombstone (view_tombstone()), written at the
 *                         close, gone INTAKE_TOMBSTONE_RETENTION_S after
 *                         the view
 *   rm:expiring           sorted set of complaint ids by the ms at which
 *                         their views go
 *
 * readmodel.c calls retention_track() after each event of a final or
 * reopened complaint; a timer sweeps what is due. A reopen before the
 * eviction takes the complaint out of rm:expiring and drops the tombstone;
 * the sweep itself checks the view's status, so a reopen that raced it is
 * never evicted. With Redis sharded by partition these keys live on the
 * complaint's entry (shard.c), each entry has its own rm:expiring, and
 * the timer sweeps every entry on its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "intake.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "redis.h"
#include "redis_shards.h"
#include "xmalloc.h"

#define RETENTION_SWEEP_MS	1000
#define RETENTION_BATCH		100
#define RETENTION_IDX		5
#define RETENTION_TOMBSTONE_MIN_MS	3600000

static const char retention_track_lua[] =
    "if ARGV[1] == '1' then\n"
    "  redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[5])\n"
    "  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])\n"
    "else\n"
    "  redis.call('DEL', KEYS[1])\n"
    "  redis.call('ZREM', KEYS[2], ARGV[3])\n"
    "end\n"
    "return 1\n";

/*
 * KEYS: the view, the summary record, rm:expiring, then the index keys;
 * ARGV: the id, the index member. A view that is no longer final
 * (reopened) stays.
 */
static const char retention_evict_lua[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v then\n"
    "  local ok, doc = pcall(cjson.decode, v)\n"
    "  if ok and doc.status ~= 'closed' and doc.status ~= 'out_of_scope'"
    " then\n"
    "    redis.call('ZREM', KEYS[3], ARGV[1])\n"
    "    return 0\n"
    "  end\n"
    "end\n"
    "redis.call('DEL', KEYS[1], KEYS[2])\n"
    "for i = 4, #KEYS do redis.call('ZREM', KEYS[i], ARGV[2]) end\n"
    "redis.call('ZREM', KEYS[3], ARGV[1])\n"
    "return 1\n";

static struct redis_script	*track_script, *evict_script;
static struct metric		*evicted_total;
static struct event		*sweep_ev;

/* One Redis entry's sweep: at most one batch in flight on each. */
struct sweep {
	struct redis	*r;
	bool		 sweeping;
};
static struct sweep		*sweeps;
static size_t			 nsweeps;

struct track {
	retention_fn	 fn;
	void		*arg;
};

static void
retention_on_tracked(struct redis *r, redisReply *reply, void *arg)
{
	struct track	*t = arg;

	t->fn(t->arg, redis_reply_error(reply, "retention") ? -1 : 0);
	free(t);
}

/*
 * When the tombstone goes: INTAKE_TOMBSTONE_RETENTION_S after the view, but
 * never before the sweep has read it (a complaint closed long ago, met
 * again when the log is replayed into an empty Redis).
 */
static int64_t
retention_until(const struct intake *in, int64_t closed)
{
	int64_t	until = closed + in->retention_ms + in->tombstone_ms;
	int64_t	soonest = meta_now_ms() + RETENTION_TOMBSTONE_MIN_MS;

	return until > soonest ? until : soonest;
}

/*
 * Schedules a final complaint's eviction and writes its tombstone, or
 * cancels both for a reopened one; fn gets 0 or -1 (Redis failed). Only
 * final and reopened views need it; for others fn is called at once.
 * Idempotent, so a redelivered event may run it again.
 */
void
retention_track(struct intake *in, struct redis *r, const json_t *view,
    retention_fn fn, void *arg)
{
	const char	*args[7];
	char		*text = NULL, due[24], until[24];
	int64_t		 closed = view_closed_at_ms(view);
	struct track	*t;
	bool		 final = view_final(view) && closed > 0;

	if (!final && view_status(view) !=
	    CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_REOPENED) {
		fn(arg, 0);
		return;
	}
	t = xmalloc(sizeof(*t));
	t->fn = fn;
	t->arg = arg;
	if (final) {
		json_t	*tomb = view_tombstone(view);

		text = json_dumps(tomb, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(tomb);
	}
	snprintf(due, sizeof(due), "%lld", (long long)(closed +
	    in->retention_ms));
	snprintf(until, sizeof(until), "%lld", (long long)retention_until(in,
	    closed));
	args[0] = xasprintf("rm:t:%s", json_string_value(json_object_get(view,
	    "complaint_id")));
	args[1] = "rm:expiring";
	args[2] = final ? "1" : "0";
	args[3] = text != NULL ? text : "";
	args[4] = args[0] + strlen("rm:t:");
	args[5] = due;
	args[6] = until;
	if (redis_script_run(r, track_script, retention_on_tracked, t, 2, 5,
	    args, NULL) == -1) {
		free(t);
		fn(arg, -1);
	}
	free((char *)args[0]);
	free(text);
}

/* The index keys a tombstone's complaint is listed under. */
static size_t
retention_indexes(const json_t *tomb, char **keys)
{
	size_t	n = 0;

	keys[n++] = readmodel_index_key("all", NULL);
	keys[n++] = readmodel_index_key("m", view_merchant_id(tomb));
	keys[n++] = readmodel_index_key("k", view_filed_by_key(tomb));
	keys[n++] = readmodel_index_key("s", json_string_value(
	    json_object_get(tomb, "status")));
	if (view_severity(tomb) != NULL)
		keys[n++] = readmodel_index_key("v", view_severity(tomb));
	return n;
}

static void
retention_on_evicted(struct redis *r, redisReply *reply, void *arg)
{
	if (!redis_reply_error(reply, "retention eviction") &&
	    reply->type == REDIS_REPLY_INTEGER && reply->integer == 1)
		metrics_inc(evicted_total);
}

/* Evicts one due complaint, its index entries found by its tombstone. */
static void
retention_evict(struct redis *r, const char *id, const redisReply *tomb_text)
{
	const char	*args[3 + RETENTION_IDX + 2];
	char		*keys[RETENTION_IDX], member[96];
	json_t		*tomb = NULL;
	size_t		 n = 0, i;

	if (tomb_text->type == REDIS_REPLY_STRING)
		tomb = json_loadb(tomb_text->str, tomb_text->len, 0, NULL);
	if (tomb != NULL)
		n = retention_indexes(tomb, keys);
	snprintf(member, sizeof(member), "%013lld:%s", tomb != NULL ?
	    (long long)view_filed_at_ms(tomb) : 0LL, id);
	args[0] = xasprintf("rm:c:%s", id);
	args[1] = xasprintf("rm:s:%s", id);
	args[2] = "rm:expiring";
	for (i = 0; i < n; i++)
		args[3 + i] = keys[i];
	args[3 + n] = id;
	args[4 + n] = member;
	redis_script_run(r, evict_script, retention_on_evicted, NULL,
	    (int)n + 3, 2, args, NULL);
	free((char *)args[0]);
	free((char *)args[1]);
	for (i = 0; i < n; i++)
		free(keys[i]);
	json_decref(tomb);
}

struct due {
	struct sweep	 *sw;
	char		**ids;
	size_t		  n;
};

static void
retention_on_tombstones(struct redis *r, redisReply *reply, void *arg)
{
	struct due	*d = arg;
	size_t		 i;

	if (!redis_reply_error(reply, "retention tombstones") &&
	    reply->type == REDIS_REPLY_ARRAY && reply->elements == d->n)
		for (i = 0; i < d->n; i++)
			retention_evict(d->sw->r, d->ids[i],
			    reply->element[i]);
	d->sw->sweeping = false;
	for (i = 0; i < d->n; i++)
		free(d->ids[i]);
	free(d->ids);
	free(d);
}

/* Reads the tombstones of the due ids with one MGET. */
static void
retention_on_due(struct redis *r, redisReply *reply, void *arg)
{
	struct sweep	 *sw = arg;
	struct due	 *d;
	const char	**argv;
	size_t		  i;

	if (redis_reply_error(reply, "retention due") ||
	    reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
		sw->sweeping = false;
		return;
	}
	d = xcalloc(1, sizeof(*d));
	d->sw = sw;
	d->n = reply->elements;
	d->ids = xcalloc(d->n, sizeof(*d->ids));
	argv = xcalloc(d->n + 1, sizeof(*argv));
	argv[0] = "MGET";
	for (i = 0; i < d->n; i++) {
		d->ids[i] = xstrndup(reply->element[i]->str,
		    reply->element[i]->len);
		argv[i + 1] = xasprintf("rm:t:%s", d->ids[i]);
	}
	if (redis_command_argv(sw->r, retention_on_tombstones,
	    d, (int)d->n + 1, argv, NULL) == -1)
		retention_on_tombstones(NULL, NULL, d);
	for (i = 0; i < d->n; i++)
		free((char *)argv[i + 1]);
	free(argv);
}

/* Asks one entry for its complaints whose retention has ended, a batch. */
static void
retention_sweep_one(struct sweep *sw, const char *now)
{
	if (sw->sweeping || !redis_connected(sw->r))
		return;
	if (redis_command(sw->r, retention_on_due, sw,
	    "ZRANGEBYSCORE rm:expiring -inf %s LIMIT 0 %d", now,
	    RETENTION_BATCH) == 0)
		sw->sweeping = true;
}

/* Every second, on every entry. */
static void
retention_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	tv = { 0, RETENTION_SWEEP_MS * 1000 };
	char		now[24];
	size_t		i;

	evtimer_add(sweep_ev, &tv);
	snprintf(now, sizeof(now), "%lld", (long long)meta_now_ms());
	for (i = 0; i < nsweeps; i++)
		retention_sweep_one(&sweeps[i], now);
}

void
retention_start(struct intake *in)
{
	size_t	i;

	nsweeps = shard_count(in);
	sweeps = xcalloc(nsweeps, sizeof(*sweeps));
	for (i = 0; i < nsweeps; i++)
		sweeps[i].r = shard_at(in, i);
	track_script = redis_shards_script(in->shards, retention_track_lua);
	evict_script = redis_shards_script(in->shards, retention_evict_lua);
	evicted_total = metrics_counter("intake_views_evicted_total",
	    "final complaints whose views left Redis after the retention",
	    NULL);
	sweep_ev = evtimer_new(in->base, retention_sweep, NULL);
	retention_sweep(-1, 0, NULL);
}

void
retention_stop(void)
{
	if (sweep_ev != NULL)
		event_free(sweep_ev);
	sweep_ev = NULL;
	nsweeps = 0;	/* sweeps stay: freeing the clients later answers
			   a batch in flight, whose callback sets its flag */
}
