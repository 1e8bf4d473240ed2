/*
 * The read model: one JSON view per complaint, built from complaints.events
 * (view.c), with list indexes, all in Redis (docs/read-model.md):
 *
 *   rm:c:<complaint id>          the view
 *   rm:offset:<topic>:<p>        the last offset applied from partition p
 *   rm:epoch:<topic>:<p>         when the partition's state was begun
 *   rm:idx:all, rm:idx:m:<merchant>, rm:idx:k:<api key>, rm:idx:s:<status>,
 *   rm:idx:v:<severity>          sorted sets of "<filed_at_ms>:<id>" members
 *                                (all scores 0, read newest first by lex)
 *   rm:s:<complaint id>          the summary record list pages read
 *   rm:t:<id>, rm:expiring       the retention of final complaints
 *                                (retention.c)
 *   rm:m:<merchant id>           merchant standing, from merchants.state,
 *                                which the same consumer reads
 *                                (merchants.c)
 *
 * A view, its partition's offset and its index entries change together in
 * one script. The offsets live with the state rather than in the consumer
 * group: a partition is read from just after its stored offset, or from the
 * beginning when Redis has none, so an emptied Redis is rebuilt from the
 * log. The epoch is written when the partition is taken up and every write
 * refuses to run without it: a Redis emptied under the running daemon
 * (FLUSHALL) is noticed at the next write, which would otherwise store a
 * fresh offset beside views that are gone, and the partition is read again
 * from the beginning. Applying an event twice changes nothing (view.c skips
 * offsets it has seen).
 *
 * With Redis sharded by partition (REDIS_ADDRS) all of a complaint's keys
 * and its partition's offset and epoch are on the entry of its partition
 * (shard.c): an event is applied there, a GET asks there, and a list page
 * gathers every entry's index (readmodel_list()). merchants.state and its
 * offsets stay on entry 0 (merchants.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "intake.h"
#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "redis.h"
#include "redis_shards.h"
#include "startoffset.h"
#include "xmalloc.h"

#define READMODEL_GROUP		"intake-readmodel"
#define READMODEL_RETRY_MS	1000
#define READMODEL_IDX_MAX	5
#define READMODEL_MERCHANTS	"merchants.state"	/* merchants.c */

/* -2: the partition's epoch is gone, and its state with it. */
static const char readmodel_lua[] =
    "if redis.call('EXISTS', KEYS[3]) == 0 then return -2 end\n"
    "redis.call('SET', KEYS[1], ARGV[1])\n"
    "redis.call('SET', KEYS[2], ARGV[2])\n"
    "local nadd = tonumber(ARGV[4])\n"
    "for i = 4, #KEYS do\n"
    "  if i - 3 <= nadd then redis.call('ZADD', KEYS[i], 0, ARGV[3])\n"
    "  else redis.call('ZREM', KEYS[i], ARGV[3]) end\n"
    "end\n"
    "return 1\n";

static struct redis_script	*readmodel_script;
static struct redis_script	*readmodel_take_script;

struct apply {
	struct intake		*in;
	struct redis		*r;	/* the entry of the message's partition */
	struct kafka_msg	*m;
	Cdp__V1__ComplaintEvent	*ev;
	json_t			*view;
};

char *
readmodel_index_key(const char *kind, const char *value)
{
	if (value == NULL)
		return xstrdup("rm:idx:all");
	return xasprintf("rm:idx:%s:%s", kind, value);
}

static void
apply_free(struct apply *a)
{
	cdp__v1__complaint_event__free_unpacked(a->ev, NULL);
	json_decref(a->view);
	free(a);
}

static void
apply_retry(struct apply *a)
{
	kafka_consumer_retry(a->m, READMODEL_RETRY_MS);
	apply_free(a);
}

/*
 * An action's event is in its view now: the reservation it was accepted
 * under (reservation.c) can go, and the next action sees its effect.
 */
static void
apply_release(struct apply *a)
{
	if (a->ev->body_case == CDP__V1__COMPLAINT_EVENT__BODY_ACTION_RECORDED)
		reservation_drop(a->r, a->ev->complaint_id,
		    a->ev->meta->event_id);
}

static void
apply_on_tracked(void *arg, int rc)
{
	struct apply	*a = arg;

	if (rc == -1) {
		apply_retry(a);
		return;
	}
	apply_release(a);
	kafka_consumer_done(a->m);
	apply_free(a);
}

/*
 * The event's effects on the complaint's retention (retention.c), after
 * the view is written; also for a duplicate, since the first delivery may
 * have stopped between the two.
 */
static void
apply_track(struct apply *a)
{
	retention_track(a->in, a->r, a->view, apply_on_tracked, a);
}

static void
apply_on_summary(struct redis *r, redisReply *reply, void *arg)
{
	struct apply	*a = arg;

	if (redis_reply_error(reply, "summary write")) {
		apply_retry(a);
		return;
	}
	apply_track(a);
}

/*
 * The complaint's summary record (rm:s:<id>), which list pages read
 * instead of whole views; written after the view, and again for a
 * duplicate, like the retention.
 */
static void
apply_summary(struct apply *a)
{
	json_t	*rec = view_summary_record(a->view);
	char	*text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (redis_command(a->r, apply_on_summary, a, "SET rm:s:%s %s",
	    a->ev->complaint_id, text) == -1)
		apply_retry(a);
	free(text);
	json_decref(rec);
}

/*
 * The partition's state is gone from Redis under the running daemon: it is
 * read again from the beginning, and the message in hand is dropped with
 * the partition's old reading.
 */
void
readmodel_lost(struct intake *in, const char *topic, int32_t partition)
{
	metrics_inc(metrics_counter("intake_readmodel_rebuilds_total",
	    "Partitions read again from the beginning after their state "
	    "was found missing in Redis.", ""));
	log_warnx("read model: the state of %s partition %d is gone from "
	    "Redis; rebuilding it from the log", topic, (int)partition);
	kafka_consumer_restart(in->consumer, topic, partition);
}

static void
apply_on_written(struct redis *r, redisReply *reply, void *arg)
{
	struct apply	*a = arg;

	if (redis_reply_error(reply, "read model write")) {
		apply_retry(a);
		return;
	}
	if (reply->type == REDIS_REPLY_INTEGER && reply->integer == -2) {
		readmodel_lost(a->in, a->m->topic, a->m->partition);
		apply_retry(a);
		return;
	}
	apply_summary(a);
}

/*
 * The index keys for the view: nadd to add the member to, then those to
 * remove it from (the status and severity it had before this event).
 */
static size_t
apply_indexes(const json_t *view, const char *old_status,
    const char *old_severity, char **keys, size_t *nadd)
{
	const char	*status = lifecycle_status_name(view_status(view));
	const char	*severity = view_severity(view);
	size_t		 n = 0;

	keys[n++] = readmodel_index_key("all", NULL);
	keys[n++] = readmodel_index_key("m", view_merchant_id(view));
	keys[n++] = readmodel_index_key("k", view_filed_by_key(view));
	keys[n++] = readmodel_index_key("s", status);
	if (severity != NULL)
		keys[n++] = readmodel_index_key("v", severity);
	*nadd = n;
	if (old_status != NULL && strcmp(old_status, status) != 0)
		keys[n++] = readmodel_index_key("s", old_status);
	if (old_severity != NULL && (severity == NULL ||
	    strcmp(old_severity, severity) != 0))
		keys[n++] = readmodel_index_key("v", old_severity);
	return n;
}

static void
apply_write(struct apply *a, const char *old_status, const char *old_sev)
{
	const char	*args[3 + 2 * READMODEL_IDX_MAX + 4];
	char		*keys[2 * READMODEL_IDX_MAX], *text, *progress, *epoch;
	char		 offset[24], member[96], nadd_s[8];
	size_t		 nkeys, nadd, i;

	nkeys = apply_indexes(a->view, old_status, old_sev, keys, &nadd);
	text = json_dumps(a->view, JSON_COMPACT | JSON_PRESERVE_ORDER);
	progress = xasprintf("rm:offset:%s:%d", a->m->topic, a->m->partition);
	epoch = xasprintf("rm:epoch:%s:%d", a->m->topic, a->m->partition);
	snprintf(offset, sizeof(offset), "%lld", (long long)a->m->offset);
	snprintf(member, sizeof(member), "%013lld:%s",
	    (long long)view_filed_at_ms(a->view), a->ev->complaint_id);
	snprintf(nadd_s, sizeof(nadd_s), "%zu",
	    view_filed_at_ms(a->view) > 0 ? nadd : 0);
	args[0] = xasprintf("rm:c:%s", a->ev->complaint_id);
	args[1] = progress;
	args[2] = epoch;
	for (i = 0; i < nkeys; i++)
		args[3 + i] = keys[i];
	args[3 + nkeys] = text;
	args[4 + nkeys] = offset;
	args[5 + nkeys] = member;
	args[6 + nkeys] = nadd_s;
	if (redis_script_run(a->r, readmodel_script, apply_on_written,
	    a, (int)nkeys + 3, 4, args, NULL) == -1)
		apply_retry(a);
	free((char *)args[0]);
	for (i = 0; i < nkeys; i++)
		free(keys[i]);
	free(progress);
	free(epoch);
	free(text);
}

static void
apply_event(struct apply *a, const char *old_status, const char *old_sev)
{
	if (view_apply(a->view, a->ev, a->m->offset) == VIEW_DUPLICATE)
		apply_summary(a);
	else {
		view_bound(a->view, &a->in->limits);
		apply_write(a, old_status, old_sev);
	}
}

/*
 * A complaint without a view is new, or was archived (retention.c): then
 * its tombstone is there, and a late event (a notification, a clock) must
 * not bring back a partial view. It is skipped and counted.
 */
static void
apply_on_tombstone(struct redis *r, redisReply *reply, void *arg)
{
	static struct metric	*skipped;
	struct apply		*a = arg;

	if (redis_reply_error(reply, "read model tombstone")) {
		apply_retry(a);
		return;
	}
	if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) {
		if (skipped == NULL)
			skipped = metrics_counter(
			    "intake_readmodel_archived_events_total",
			    "events of archived complaints, not applied",
			    NULL);
		metrics_inc(skipped);
		kafka_consumer_done(a->m);
		apply_free(a);
		return;
	}
	a->view = view_new(a->ev->complaint_id);
	apply_event(a, NULL, NULL);
}

static void
apply_unless_archived(struct apply *a)
{
	if (redis_command(a->r, apply_on_tombstone, a,
	    "EXISTS rm:t:%s", a->ev->complaint_id) == -1)
		apply_retry(a);
}

/*
 * The view's status and severity before the event are what its index
 * entries say; the status name is static, the severity is copied out of
 * the view that the event changes.
 */
static void
apply_on_view(struct redis *r, redisReply *reply, void *arg)
{
	struct apply	*a = arg;
	const char	*old_status = NULL, *sev;
	char		*old_sev = NULL;

	if (redis_reply_error(reply, "read model read")) {
		apply_retry(a);
		return;
	}
	if (reply->type == REDIS_REPLY_STRING)
		a->view = json_loadb(reply->str, reply->len, 0, NULL);
	if (a->view == NULL) {
		apply_unless_archived(a);
		return;
	}
	old_status = lifecycle_status_name(view_status(a->view));
	if ((sev = view_severity(a->view)) != NULL)
		old_sev = xstrdup(sev);
	apply_event(a, old_status, old_sev);
	free(old_sev);
}

/* One complaint event: read its view, apply the event, write it back. */
static void
readmodel_handle(struct kafka_msg *m, void *arg)
{
	struct intake	*in = arg;
	struct apply	*a;

	if (strcmp(m->topic, READMODEL_MERCHANTS) == 0) {
		merchants_apply(in, m);
		return;
	}
	a = xcalloc(1, sizeof(*a));
	a->in = in;
	a->r = shard_for_partition(in, m->topic, m->partition);
	a->m = m;
	a->ev = kafka_msg_take(m);	/* readmodel_decoder; an unknown body
					   advances the offset only */
	if (redis_command(a->r, apply_on_view, a, "GET rm:c:%s",
	    a->ev->complaint_id) == -1)
		apply_retry(a);
}

/*
 * Where to resume a partition: after the offset stored with the state, or
 * from the beginning when there is none (an empty Redis is rebuilt); the
 * same script writes the partition's epoch. Asked of Redis from the loop;
 * while Redis does not answer, the partition waits (startoffset.c).
 */
static void
readmodel_start_offset(void *arg, const char *topic, int32_t partition,
    uint64_t ticket)
{
	struct intake		*in = arg;
	struct startoffset	*s;
	char			*keys[2], now[24];
	int			 rc;

	s = startoffset_new(&in->consumer, topic, partition, ticket);
	keys[0] = xasprintf("rm:offset:%s:%d", topic, (int)partition);
	keys[1] = xasprintf("rm:epoch:%s:%d", topic, (int)partition);
	snprintf(now, sizeof(now), "%lld", (long long)meta_now_ms());
	rc = redis_script_run(shard_for_partition(in, topic, partition),
	    readmodel_take_script,
	    startoffset_on_reply, s, 2, 1,
	    (const char *[]){ keys[0], keys[1], now }, NULL);
	free(keys[0]);
	free(keys[1]);
	if (rc == -1)
		startoffset_refused(s);
}

/* A complaint's event as the read model files it: under a valid id. */
static const char *
readmodel_check(const char *topic, const ProtobufCMessage *msg)
{
	const Cdp__V1__ComplaintEvent	*ev = (const void *)msg;
	const char			*why;

	if ((why = events_complaint.check(topic, msg)) != NULL)
		return why;
	if (!complaint_json_id_valid(ev->complaint_id))
		return "ComplaintEvent without a valid complaint id";
	return NULL;
}

static const struct kafka_decoder	readmodel_decoder = {
	&cdp__v1__complaint_event__descriptor, readmodel_check,
};

void
readmodel_start(struct intake *in, const char *brokers,
    const char *instance_id)
{
	const char			*topics[] = { in->topic,
					    READMODEL_MERCHANTS };
	const struct kafka_decoder	*decoders[] = { &readmodel_decoder,
					    &merchants_decoder };
	struct kafka_consumer_conf	 kc = {
		.brokers = brokers, .group = READMODEL_GROUP,
		.client_id = "intake", .instance_id = instance_id,
		.topics = topics, .ntopics = 2, .decoders = decoders,
		.service = "intake",
		.dlq_producer = in->producer, .dlq_topic = "dlq.intake",
		.handler = readmodel_handle,
		.start_offset = readmodel_start_offset, .arg = in,
	};

	readmodel_script = redis_shards_script(in->shards, readmodel_lua);
	readmodel_take_script = redis_shards_script(in->shards,
	    startoffset_take_lua);
	merchants_start(in);
	in->consumer = kafka_consumer_new(in->base, &kc);
}

struct get {
	readmodel_get_fn	 fn;
	void			*arg;
	char			*id;
};

static void
get_free(struct get *g)
{
	free(g->id);
	free(g);
}

/* A complaint without a view: archived if its tombstone is there. */
static void
readmodel_on_tombstone(struct redis *r, redisReply *reply, void *arg)
{
	struct get	*g = arg;
	json_t		*tomb = NULL;

	if (redis_reply_error(reply, "tombstone read"))
		g->fn(g->arg, READMODEL_UNAVAILABLE, NULL);
	else if (reply->type != REDIS_REPLY_STRING ||
	    (tomb = json_loadb(reply->str, reply->len, 0, NULL)) == NULL)
		g->fn(g->arg, READMODEL_MISSING, NULL);
	else
		g->fn(g->arg, READMODEL_ARCHIVED, tomb);
	get_free(g);
}

static void
readmodel_on_get(struct redis *r, redisReply *reply, void *arg)
{
	struct get	*g = arg;
	json_t		*view = NULL;

	if (redis_reply_error(reply, "view read"))
		g->fn(g->arg, READMODEL_UNAVAILABLE, NULL);
	else if (reply->type == REDIS_REPLY_NIL) {
		if (redis_command(r, readmodel_on_tombstone, g,
		    "GET rm:t:%s", g->id) == 0)
			return;
		g->fn(g->arg, READMODEL_UNAVAILABLE, NULL);
	} else if (reply->type != REDIS_REPLY_STRING ||
	    (view = json_loadb(reply->str, reply->len, 0, NULL)) == NULL)
		g->fn(g->arg, READMODEL_MISSING, NULL);
	else
		g->fn(g->arg, READMODEL_FOUND, view);
	get_free(g);
}

/*
 * Reads one view from the complaint's entry; fn owns the view it is given
 * (the tombstone when READMODEL_ARCHIVED). -1: Redis unavailable, or the
 * entry not yet known (shard.c).
 */
int
readmodel_get(struct intake *in, const char *id, readmodel_get_fn fn,
    void *arg)
{
	struct redis	*r = shard_for_complaint(in, id);
	struct get	*g = xmalloc(sizeof(*g));

	g->fn = fn;
	g->arg = arg;
	g->id = xstrdup(id);
	if (r == NULL || redis_command(r, readmodel_on_get, g, "GET rm:c:%s",
	    id) == -1) {
		get_free(g);
		return -1;
	}
	return 0;
}

/*
 * A list page, gathered from every Redis entry (shard.c): each entry's
 * index gives its own newest limit + 1 members after the cursor; merged
 * newest first, the first limit + 1 of all of them are the page and tell
 * whether there is more, exactly as one index would. The members are
 * "<filed_at_ms>:<id>" on every entry, so the cursor (the last member of
 * the previous page) means the same on each. With one entry it is
 * today's single index read.
 */
struct part {
	struct list	*l;
	size_t		 entry;
	char		**members;	/* this entry's index page */
	size_t		  n;
};

struct list {
	struct intake		*in;
	readmodel_list_fn	 fn;
	void			*arg;
	size_t			 limit;
	size_t			 n;
	char			**members;
	size_t			*entry;		/* each member's entry */
	json_t			**records;
	bool			 more;
	struct part		*parts;		/* one per entry */
	size_t			 nparts;
	size_t			 pending;	/* replies awaited */
	bool			 failed;	/* one of them failed */
};

static void
list_free(struct list *l)
{
	size_t	i, j;

	for (i = 0; i < l->n; i++)
		free(l->members[i]);
	for (i = 0; i < l->nparts; i++) {
		for (j = 0; j < l->parts[i].n; j++)
			free(l->parts[i].members[j]);
		free(l->parts[i].members);
	}
	free(l->parts);
	free(l->members);
	free(l->entry);
	free(l->records);
	free(l);
}

/* Hands the page's summary records to the caller. */
static void
list_deliver(struct list *l)
{
	size_t	i;

	l->fn(l->arg, READMODEL_FOUND, l->records, (const char **)l->members,
	    l->n, l->more);
	for (i = 0; i < l->n; i++)
		json_decref(l->records[i]);
	list_free(l);
}

static void
list_fail(struct list *l)
{
	size_t	i;

	l->fn(l->arg, READMODEL_UNAVAILABLE, NULL, NULL, 0, false);
	for (i = 0; l->records != NULL && i < l->n; i++)
		json_decref(l->records[i]);
	list_free(l);
}

static json_t *
list_load(const redisReply *e)
{
	if (e->type != REDIS_REPLY_STRING)
		return NULL;
	return json_loadb(e->str, e->len, 0, NULL);
}

/*
 * One MGET on part's entry of its members' keys of a kind ("rm:s",
 * "rm:c"), or only of those that have no record yet; 0 when none was
 * wanted there, 1 when sent, -1 when it could not be.
 */
static int
list_mget(struct part *p, const char *kind, bool missing_only,
    redis_reply_fn fn)
{
	struct list	 *l = p->l;
	const char	**argv = xcalloc(l->n + 1, sizeof(*argv));
	size_t		  i, n = 0;
	int		  rc = 0;

	argv[n++] = "MGET";
	for (i = 0; i < l->n; i++)
		if (l->entry[i] == p->entry &&
		    (!missing_only || l->records[i] == NULL))
			argv[n++] = xasprintf("%s:%s", kind,
			    strchr(l->members[i], ':') + 1);
	if (n > 1)
		rc = redis_command_argv(shard_at(l->in, p->entry), fn, p,
		    (int)n, argv, NULL) == -1 ? -1 : 1;
	for (i = 1; i < n; i++)
		free((char *)argv[i]);
	free(argv);
	return rc;
}

/*
 * Sends fn's MGET to every entry holding members of the page; then calls
 * done at once if nothing was sent (nothing wanted, or nothing could be).
 */
static void
list_mget_all(struct list *l, const char *kind, bool missing_only,
    redis_reply_fn fn, void (*done)(struct list *))
{
	size_t	i;
	int	rc;

	l->pending = 0;
	for (i = 0; i < l->nparts; i++) {
		if ((rc = list_mget(&l->parts[i], kind, missing_only, fn)) ==
		    -1)
			l->failed = true;
		else if (rc == 1)
			l->pending++;
	}
	if (l->pending == 0)
		done(l);
}

static void
list_views_done(struct list *l)
{
	if (l->failed)
		list_fail(l);
	else
		list_deliver(l);
}

/* The views of members without a summary record, summarised here. */
static void
list_on_views(struct redis *r, redisReply *reply, void *arg)
{
	struct part	*p = arg;
	struct list	*l = p->l;
	json_t		*view;
	size_t		 i, k = 0;

	if (redis_reply_error(reply, "list views") ||
	    reply->type != REDIS_REPLY_ARRAY)
		l->failed = true;
	else
		for (i = 0; i < l->n && k < reply->elements; i++) {
			if (l->records[i] != NULL || l->entry[i] != p->entry)
				continue;
			if ((view = list_load(reply->element[k++])) != NULL)
				l->records[i] = view_summary_record(view);
			json_decref(view);
		}
	if (--l->pending == 0)
		list_views_done(l);
}

/*
 * The summary records are all read: a complaint whose record is missing
 * (written by an older intake) is summarised from its view instead.
 */
static void
list_records_done(struct list *l)
{
	size_t	i, missing = 0;

	if (l->failed) {
		list_fail(l);
		return;
	}
	for (i = 0; i < l->n; i++)
		if (l->records[i] == NULL)
			missing++;
	if (missing == 0)
		list_deliver(l);
	else
		list_mget_all(l, "rm:c", true, list_on_views, list_views_done);
}

/* The summary records of the page's members on one entry. */
static void
list_on_records(struct redis *r, redisReply *reply, void *arg)
{
	struct part	*p = arg;
	struct list	*l = p->l;
	size_t		 i, k = 0, want = 0;

	for (i = 0; i < l->n; i++)
		if (l->entry[i] == p->entry)
			want++;
	if (redis_reply_error(reply, "list summaries") ||
	    reply->type != REDIS_REPLY_ARRAY || reply->elements != want)
		l->failed = true;
	else
		for (i = 0; i < l->n; i++)
			if (l->entry[i] == p->entry)
				l->records[i] = list_load(reply->element[k++]);
	if (--l->pending == 0)
		list_records_done(l);
}

/* Fetches the summary records of the page's members from their entries. */
static void
list_fetch(struct list *l)
{
	l->records = xcalloc(l->n, sizeof(*l->records));
	list_mget_all(l, "rm:s", false, list_on_records, list_records_done);
}

/* Newest first: the members' byte order, as ZREVRANGEBYLEX reads it. */
static int
list_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/*
 * Every entry's index page is in: the page is the first limit of all
 * their members, newest first; more when there are others after them.
 */
static void
list_merge(struct list *l)
{
	char	**all;
	size_t	  total = 0, i, j, k = 0;

	for (i = 0; i < l->nparts; i++)
		total += l->parts[i].n;
	all = xcalloc(total + 1, sizeof(*all));
	for (i = 0; i < l->nparts; i++)
		for (j = 0; j < l->parts[i].n; j++)
			all[k++] = l->parts[i].members[j];
	qsort(all, total, sizeof(*all), list_cmp);
	l->more = total > l->limit;
	l->n = l->more ? l->limit : total;
	l->members = xcalloc(l->n + 1, sizeof(*l->members));
	l->entry = xcalloc(l->n + 1, sizeof(*l->entry));
	for (i = 0; i < l->n; i++) {
		l->members[i] = xstrdup(all[i]);
		for (j = 0; j < l->nparts; j++)
			if (bsearch(&all[i], l->parts[j].members,
			    l->parts[j].n, sizeof(char *), list_cmp) != NULL)
				l->entry[i] = j;
	}
	free(all);
}

static void
list_pages_done(struct list *l)
{
	if (l->failed) {
		l->fn(l->arg, READMODEL_UNAVAILABLE, NULL, NULL, 0, false);
		list_free(l);
		return;
	}
	list_merge(l);
	if (l->n == 0) {
		l->fn(l->arg, READMODEL_FOUND, NULL, NULL, 0, false);
		list_free(l);
	} else
		list_fetch(l);
}

static void
list_on_page(struct redis *r, redisReply *reply, void *arg)
{
	struct part	*p = arg;
	struct list	*l = p->l;
	size_t		 i;

	if (redis_reply_error(reply, "list index") ||
	    reply->type != REDIS_REPLY_ARRAY)
		l->failed = true;
	else {
		p->n = reply->elements;
		p->members = xcalloc(p->n + 1, sizeof(*p->members));
		for (i = 0; i < p->n; i++)
			p->members[i] = xstrndup(reply->element[i]->str,
			    reply->element[i]->len);
	}
	if (--l->pending == 0)
		list_pages_done(l);
}

/*
 * Reads a page of an index, newest first, after the cursor (a member of the
 * previous page), from every entry, and the views of its members. -1:
 * Redis unavailable (an entry not connected).
 */
int
readmodel_list(struct intake *in, const struct list_query *q,
    readmodel_list_fn fn, void *arg)
{
	struct list	*l;
	char		*max, count[24];
	size_t		 i;

	for (i = 0; i < shard_count(in); i++)
		if (!redis_connected(shard_at(in, i)))
			return -1;
	l = xcalloc(1, sizeof(*l));
	l->in = in;
	l->fn = fn;
	l->arg = arg;
	l->limit = q->limit;
	l->nparts = shard_count(in);
	l->parts = xcalloc(l->nparts, sizeof(*l->parts));
	max = q->cursor != NULL ? xasprintf("(%s", q->cursor) : xstrdup("+");
	snprintf(count, sizeof(count), "%zu", q->limit + 1);
	for (i = 0; i < l->nparts; i++) {
		l->parts[i].l = l;
		l->parts[i].entry = i;
		if (redis_command(shard_at(in, i), list_on_page, &l->parts[i],
		    "ZREVRANGEBYLEX %s %s - LIMIT 0 %s", q->index_key, max,
		    count) == -1)
			l->failed = true;
		else
			l->pending++;
	}
	free(max);
	if (l->pending == 0) {
		list_free(l);
		return -1;
	}
	return 0;
}
