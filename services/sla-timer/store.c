/*
 * The sla-timer's state in Redis, keyed by the partition of
 * complaints.events that owns it (hash tags keep a partition's keys on one
 * Redis Cluster slot, and a rebalance hands over the partition and its
 * state together):
 *
 *   sla:{p<N>}:c:<complaint>    the complaint's clocks (state.c)
 *   sla:{p<N>}:due              complaints by their next due time
 *   sla:{p<N>}:f:<complaint>    warnings and breaches fired (marks)
 *   sla:{p<N>}:claim:<firing>   a firing under way, and by whom (expires)
 *   sla:{p<N>}:offset           the last offset applied from partition N
 *   sla:{p<N>}:epoch            when the partition's state was begun
 *
 * The appeal_review clocks come from merchants.events, a topic with its
 * own partitions: partition N of it is tagged {m<N>} instead of {p<N>},
 * with the same keys, where c:<id> and f:<id> are an appeal's (by appeal
 * id, its complaint in the state). The functions below take a "slot"
 * (sla.h), which says both the topic and the partition.
 *
 * With Redis sharded (REDIS_ADDRS), a slot's keys are on entry N mod the
 * number of entries, N its partition in its own topic (store_redis).
 *
 * A closed complaint's clocks and fired set expire after the retention
 * (SLA_CLOSED_RETENTION_S, 90 days), counted from its last save; a reopen
 * within it saves the clocks again, without an expiry (SET drops it).
 *
 * A save writes the clocks, the due entry and the offset in one script, so
 * they never disagree.
 *
 * A firing (a warning, or a breach with its coupon and escalation) is
 * claimed before its events are produced, with a key that expires
 * (SLA_CLAIM_TTL_MS). It is marked fired in the fired set only once the
 * broker confirmed every one of its events; the parts confirmed before a
 * failure are marked too ("<firing>#<part>"), so a retry sends only the
 * rest. A daemon that dies inside the window leaves an unmarked claim,
 * and once it expires the firing is sent again with the same derived ids.
 *
 * The epoch is written when the partition is taken up, and every save
 * refuses to write without it: a Redis emptied under the running daemon
 * (FLUSHALL, a lost replica) is noticed, never mistaken for a partition
 * without clocks, and the partition is read again from the beginning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "redis.h"
#include "redis_shards.h"
#include "sla.h"
#include "startoffset.h"
#include "xmalloc.h"

#define STORE_FIRED_TTL_MS	"15552000000"	/* 180 days */

static const char store_save_lua[] =
    "if redis.call('EXISTS', KEYS[4]) == 0 then return -2 end\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "if tonumber(ARGV[3]) > 0 then\n"
    "  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])\n"
    "else redis.call('ZREM', KEYS[2], ARGV[2]) end\n"
    "if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4]) end\n"
    "if ARGV[5] ~= '' then\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[5])\n"
    "  redis.call('PEXPIRE', KEYS[5], ARGV[5])\n"
    "end\n"
    "return 1\n";

/*
 * 0: fired before; -3: another process holds the claim; otherwise this
 * process holds it now, and the answer is 1 + the parts confirmed before.
 */
static const char store_claim_lua[] =
    "if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end\n"
    "local held = redis.call('GET', KEYS[2])\n"
    "if held and held ~= ARGV[2] then return -3 end\n"
    "redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])\n"
    "local sent = 0\n"
    "for _, bit in ipairs({1, 2, 4}) do\n"
    "  if redis.call('SISMEMBER', KEYS[1], ARGV[1] .. '#' .. bit) == 1 then\n"
    "    sent = sent + bit\n"
    "  end\n"
    "end\n"
    "return 1 + sent\n";

/* Records the parts confirmed; when done, the firing and not its parts. */
static const char store_mark_lua[] =
    "local sent = tonumber(ARGV[3])\n"
    "for _, bit in ipairs({1, 2, 4}) do\n"
    "  local part = ARGV[1] .. '#' .. bit\n"
    "  if ARGV[4] == '1' then redis.call('SREM', KEYS[1], part)\n"
    "  elseif sent % (2 * bit) >= bit then\n"
    "    redis.call('SADD', KEYS[1], part)\n"
    "  end\n"
    "end\n"
    "if ARGV[4] == '1' then\n"
    "  redis.call('SADD', KEYS[1], ARGV[1])\n"
    "  if redis.call('GET', KEYS[2]) == ARGV[2] then\n"
    "    redis.call('DEL', KEYS[2])\n"
    "  end\n"
    "end\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[5])\n"
    "return 1\n";

/* Moves a partition's offset past an event without clocks. */
static const char store_advance_lua[] =
    "if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "return 1\n";

static struct redis_script	*store_save_script;
static struct redis_script	*store_claim_script;
static struct redis_script	*store_mark_script;
static struct redis_script	*store_start_script;
static struct redis_script	*store_advance_script;

/* The slot of a topic's partition, or -1 when it has none. */
int32_t
store_slot(const char *topic, int32_t partition)
{
	if (partition < 0 || partition >= SLA_MERCHANT_SLOT)
		return -1;
	if (strcmp(topic, SLA_MERCHANTS_TOPIC) == 0)
		return SLA_MERCHANT_SLOT + partition;
	return partition;
}

const char *
store_topic(int32_t slot)
{
	return slot >= SLA_MERCHANT_SLOT ? SLA_MERCHANTS_TOPIC :
	    SLA_COMPLAINTS_TOPIC;
}

int32_t
store_partition(int32_t slot)
{
	return slot >= SLA_MERCHANT_SLOT ? slot - SLA_MERCHANT_SLOT : slot;
}

/* The hash tag of a slot's keys: "p<N>", or "m<N>" for merchants.events. */
const char *
store_tag(int32_t slot)
{
	static char	tags[SLA_PARTITIONS_MAX][8];

	if (slot < 0 || slot >= SLA_PARTITIONS_MAX)
		fatalx("store: slot %d out of range", (int)slot);
	if (tags[slot][0] == '\0')
		snprintf(tags[slot], sizeof(tags[slot]), "%c%d",
		    slot >= SLA_MERCHANT_SLOT ? 'm' : 'p',
		    (int)store_partition(slot));
	return tags[slot];
}

/*
 * The Redis of a slot: its partition's entry of REDIS_ADDRS (p mod N).
 * merchants.events' partition N maps by N like complaints.events' N, so
 * {p<N>} and {m<N>} share an entry; each topic's partitions spread evenly.
 */
struct redis *
store_redis(const struct slatimer *t, int32_t slot)
{
	return redis_for_partition(t->shards, store_partition(slot));
}

struct op {
	store_load_fn	 load;
	store_done_fn	 done;
	void		*arg;
};

void
store_start(struct slatimer *t)
{
	store_save_script = redis_shards_script(t->shards, store_save_lua);
	store_claim_script = redis_shards_script(t->shards, store_claim_lua);
	store_mark_script = redis_shards_script(t->shards, store_mark_lua);
	store_start_script = redis_shards_script(t->shards,
	    startoffset_take_lua);
	store_advance_script = redis_shards_script(t->shards,
	    store_advance_lua);
}

static struct op *
op_new(store_load_fn load, store_done_fn done, void *arg)
{
	struct op	*o = xmalloc(sizeof(*o));

	o->load = load;
	o->done = done;
	o->arg = arg;
	return o;
}

static void
store_on_load(struct redis *r, redisReply *reply, void *arg)
{
	struct op		*o = arg;
	struct sla_state	 s;

	if (redis_reply_error(reply, "load clocks"))
		o->load(o->arg, -1, NULL);
	else {
		if (reply->type != REDIS_REPLY_STRING ||
		    state_decode(reply->str, reply->len, &s) == -1)
			state_init(&s);
		o->load(o->arg, 0, &s);
	}
	free(o);
}

/* Reads a complaint's clocks (fresh ones when unknown); fn borrows them. */
int
store_load(struct slatimer *t, int32_t p, const char *id, store_load_fn fn,
    void *arg)
{
	struct op	*o = op_new(fn, NULL, arg);

	if (redis_command(store_redis(t, p), store_on_load, o,
	    "GET sla:{%s}:c:%s", store_tag(p), id) == -1) {
		free(o);
		return -1;
	}
	return 0;
}

static void
store_on_done(struct redis *r, redisReply *reply, void *arg)
{
	struct op	*o = arg;

	if (redis_reply_error(reply, "clocks"))
		o->done(o->arg, -1);
	else
		o->done(o->arg, reply->type == REDIS_REPLY_INTEGER ?
		    (int)reply->integer : 0);
	free(o);
}

/*
 * Writes the clocks, the complaint's next due time and, when at_offset,
 * s->offset as the partition's offset, together, with the retention's
 * expiry when the complaint is closed; fn gets 1, -1 on failure, or -2
 * when the partition's state is gone (store_lost).
 */
int
store_save(struct slatimer *t, int32_t p, const char *id,
    const struct sla_state *s, bool at_offset, store_done_fn fn, void *arg)
{
	struct op	*o = op_new(NULL, fn, arg);
	char		*keys[5], due[24], offset[24] = "", expire[24] = "";
	char		*json = state_encode(s);
	int		 i, rc;

	keys[0] = xasprintf("sla:{%s}:c:%s", store_tag(p), id);
	keys[1] = xasprintf("sla:{%s}:due", store_tag(p));
	keys[2] = xasprintf("sla:{%s}:offset", store_tag(p));
	keys[3] = xasprintf("sla:{%s}:epoch", store_tag(p));
	keys[4] = xasprintf("sla:{%s}:f:%s", store_tag(p), id);
	snprintf(due, sizeof(due), "%lld", (long long)clock_next_due(&s->c));
	if (at_offset)
		snprintf(offset, sizeof(offset), "%lld", (long long)s->offset);
	if (state_closed(s))
		snprintf(expire, sizeof(expire), "%lld", t->retention_s * 1000);
	rc = redis_script_run(store_redis(t, p), store_save_script,
	    store_on_done, o, 5, 5, (const char *[]){ keys[0], keys[1],
	    keys[2], keys[3], keys[4], json, id, due, offset, expire }, NULL);
	for (i = 0; i < 5; i++)
		free(keys[i]);
	free(json);
	if (rc == -1)
		free(o);
	return rc;
}

/*
 * Stores offset as the slot's last applied, for an event that changes no
 * clock (penalty's events on merchants.events), so that a restart does not
 * read them all again; fn gets 1, -1, or -2 when the partition's state is
 * gone (store_lost).
 */
int
store_advance(struct slatimer *t, int32_t p, int64_t offset,
    store_done_fn fn, void *arg)
{
	struct op	*o = op_new(NULL, fn, arg);
	char		*keys[2], off[24];
	int		 rc;

	keys[0] = xasprintf("sla:{%s}:offset", store_tag(p));
	keys[1] = xasprintf("sla:{%s}:epoch", store_tag(p));
	snprintf(off, sizeof(off), "%lld", (long long)offset);
	rc = redis_script_run(store_redis(t, p), store_advance_script,
	    store_on_done, o, 2, 1, (const char *[]){ keys[0], keys[1], off },
	    NULL);
	free(keys[0]);
	free(keys[1]);
	if (rc == -1)
		free(o);
	return rc;
}

/*
 * Claims one firing for this process (again, when it holds the claim
 * already): fn gets 1 + the parts confirmed before, 0 if it was fired,
 * STORE_CLAIM_HELD if another process holds an unexpired claim, or -1.
 */
int
store_claim(struct slatimer *t, int32_t p, const char *id, const char *firing,
    store_done_fn fn, void *arg)
{
	struct op	*o = op_new(NULL, fn, arg);
	char		*keys[2], ttl[24];
	int		 rc;

	keys[0] = xasprintf("sla:{%s}:f:%s", store_tag(p), id);
	keys[1] = xasprintf("sla:{%s}:claim:%s", store_tag(p), firing);
	snprintf(ttl, sizeof(ttl), "%lld", t->claim_ttl_ms);
	rc = redis_script_run(store_redis(t, p), store_claim_script,
	    store_on_done, o, 2, 3, (const char *[]){ keys[0], keys[1],
	    firing, t->token, ttl }, NULL);
	free(keys[0]);
	free(keys[1]);
	if (rc == -1)
		free(o);
	return rc;
}

static void
store_on_marked(struct redis *r, redisReply *reply, void *arg)
{
	redis_reply_error(reply, "mark firing");
}

/*
 * Marks the parts of a firing the broker confirmed (EMIT_PART_*); done
 * when that is all of them, which also gives up the claim. A mark that is
 * lost leaves the claim to expire, and the firing is sent again with the
 * same ids, which consumers drop.
 */
int
store_mark(struct slatimer *t, int32_t p, const char *id, const char *firing,
    unsigned sent, bool done)
{
	char	*keys[2], parts[16];
	int	 rc;

	keys[0] = xasprintf("sla:{%s}:f:%s", store_tag(p), id);
	keys[1] = xasprintf("sla:{%s}:claim:%s", store_tag(p), firing);
	snprintf(parts, sizeof(parts), "%u", sent);
	rc = redis_script_run(store_redis(t, p), store_mark_script,
	    store_on_marked, NULL, 2, 5, (const char *[]){ keys[0], keys[1],
	    firing, t->token, parts, done ? "1" : "0", STORE_FIRED_TTL_MS },
	    NULL);
	free(keys[0]);
	free(keys[1]);
	return rc;
}

/*
 * Where a newly assigned (or restarted) partition resumes: after its stored
 * offset, or from the beginning when Redis has none, which rebuilds every
 * clock from the log. The same script writes the partition's epoch, so its
 * saves are accepted from now on. Asked from the loop; while Redis does
 * not answer, the partition waits.
 */
void
store_start_offset(void *arg, const char *topic, int32_t p, uint64_t ticket)
{
	struct slatimer		*t = arg;
	struct startoffset	*s;
	char			*keys[2], now[24];
	int32_t			 slot = store_slot(topic, p);
	int			 rc;

	s = startoffset_new(&t->consumer, topic, p, ticket);
	if (slot == -1) {
		log_warnx("store: %s partition %d beyond %d: not read", topic,
		    (int)p, SLA_MERCHANT_SLOT);
		startoffset_refused(s);
		return;
	}
	keys[0] = xasprintf("sla:{%s}:offset", store_tag(slot));
	keys[1] = xasprintf("sla:{%s}:epoch", store_tag(slot));
	snprintf(now, sizeof(now), "%lld", (long long)meta_now_ms());
	rc = redis_script_run(store_redis(t, slot), store_start_script,
	    startoffset_on_reply, s, 2, 1,
	    (const char *[]){ keys[0], keys[1], now }, NULL);
	free(keys[0]);
	free(keys[1]);
	if (rc == -1)
		startoffset_refused(s);
}

/*
 * The partition's state is gone from Redis under the running daemon (its
 * epoch is missing): the partition is read again from the beginning,
 * and fired only once it has caught up, as at a start on an empty Redis.
 */
void
store_lost(struct slatimer *t, int32_t p)
{
	if (p < 0 || p >= SLA_PARTITIONS_MAX || t->consumer == NULL)
		return;
	t->rebuilds[p]++;
	metrics_inc(metrics_counter("sla_state_rebuilds_total",
	    "Partitions read again from the beginning after their state "
	    "was found missing in Redis.", ""));
	log_warnx("store: the state of %s partition %d is gone from Redis; "
	    "rebuilding it from the log", store_topic(p),
	    (int)store_partition(p));
	kafka_consumer_restart(t->consumer, store_topic(p),
	    store_partition(p));
}

/*
 * How often the partition's state was found lost: work loaded before a
 * loss must not be saved after it.
 */
uint32_t
store_rebuilds(const struct slatimer *t, int32_t p)
{
	return p >= 0 && p < SLA_PARTITIONS_MAX ? t->rebuilds[p] : 0;
}

/*
 * Deletes the clocks and offsets (and the firings unless keep_firings) on
 * every Redis entry, so that the next start replays the log under the
 * current policies: the --rebuild and --recompute modes. Synchronous,
 * before the loop starts.
 */
int
store_wipe(const struct redis_endpoint *eps, size_t n, bool keep_firings)
{
	char		 err[256];
	redisContext	*rc;
	size_t		 i, deleted = 0;

	for (i = 0; i < n; i++) {
		if ((rc = redis_connect_sync(&eps[i], err, sizeof(err))) ==
		    NULL) {
			log_warnx("store: %s", err);
			return -1;
		}
		if (redis_sync_delete(rc, "sla:*", keep_firings ? "}:f:" :
		    NULL, &deleted, err, sizeof(err)) == -1) {
			log_warnx("store: %s:%d: %s", eps[i].host, eps[i].port,
			    err);
			redisFree(rc);
			return -1;
		}
		redisFree(rc);
	}
	log_info("store: %zu keys deleted on %zu Redis; clocks are rebuilt "
	    "from the log", deleted, n);
	return 0;
}
