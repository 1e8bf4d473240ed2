/*
 * Group complaints (群体性投诉) and repeat complaints, counted in Redis:
 *
 *   cls:grp:<group key>   "<complaint id> <user id>" scored by filing
 *                         time, pruned past the window; the key is
 *                         group.c's ("merchant:M1/sku:S9"), so a group
 *                         never spans two merchants
 *   cls:ord:<order id>    complaint ids on the order
 *   cls:c:<complaint id>  the complaint's Classified, while a group could
 *                         still form around it
 *
 * One script reads a complaint's order facts: it adds the complaint to
 * its order's complaints and reads the order part of its snapshot
 * (common/ordersnap.h), so that they cost one round trip. Another adds the
 * complaint to its groups (one per group rule, keyed by what classify()
 * decided) and counts distinct customers, atomically, so that two
 * instances filing into the same group at once count it right. Times are the Filed event's,
 * not the clock's, so a replay counts the same. When this complaint
 * brought a group to its threshold (its customer is new to the window and
 * the count is the threshold), the group is "formed" and its members come
 * back, so the earlier ones can be raised to urgent and linked.
 *
 * Expiry: group keys and remembered classifications live twice their
 * window (the longest window, for cls:c), enough for late events; the
 * order's complaints CLASSIFIER_ORDER_KEEP_MS past the later of the
 * filing and the end of the after-sales window, like the snapshot.
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "classifier.h"
#include "log.h"
#include "meta.h"
#include "pb.h"
#include "redis.h"
#include "xmalloc.h"

static const char grouping_order_lua[] =
    "local id, t = ARGV[1], tonumber(ARGV[2])\n"
    "redis.call('ZADD', KEYS[1], t, id)\n"
    "redis.call('PEXPIREAT', KEYS[1], math.max(t, tonumber(ARGV[3])) +\n"
    "    tonumber(ARGV[4]))\n"
    "local before = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. t)\n"
    ORDERSNAP_LEGACY_LUA("KEYS[2]")
    "local o = redis.call('HGET', KEYS[2], 'order') or ''\n"
    "local s = redis.call('HGET', KEYS[2], 'scan') or ''\n"
    "return {before, o .. s}\n";

static const char grouping_lua[] =
    "local t, id, user = tonumber(ARGV[1]), ARGV[2], ARGV[3]\n"
    "local out = {}\n"
    "for i, k in ipairs(KEYS) do\n"
    "  local w, n = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])\n"
    "  redis.call('ZADD', k, t, id .. ' ' .. user)\n"
    "  redis.call('ZREMRANGEBYSCORE', k, '-inf', t - 2 * w)\n"
    "  redis.call('PEXPIRE', k, 2 * w)\n"
    "  local ids, others, users = {}, {}, 0\n"
    "  for _, m in ipairs(redis.call('ZRANGEBYSCORE', k, t - w, t)) do\n"
    "    local sp = string.find(m, ' ', 1, true)\n"
    "    local cid, u = string.sub(m, 1, sp - 1), string.sub(m, sp + 1)\n"
    "    ids[#ids + 1] = cid\n"
    "    if others[u] == nil then others[u] = 0; users = users + 1 end\n"
    "    if cid ~= id then others[u] = others[u] + 1 end\n"
    "  end\n"
    "  local formed = users == n and others[user] == 0\n"
    "  if users < n then ids = {} end\n"
    "  out[i] = {users, formed and 1 or 0, ids}\n"
    "end\n"
    "return out\n";

static struct redis_script	*grouping_order_script;
static struct redis_script	*grouping_script;

struct count {
	order_facts_fn	 ofn;
	grouping_fn	 gfn;
	void		*arg;
	int		 slot[GROUP_BY_N];	/* reply index, -1: no key */
};

void
grouping_start(struct classifier *c)
{
	grouping_order_script = redis_script_new(c->redis, grouping_order_lua);
	grouping_script = redis_script_new(c->redis, grouping_lua);
}

/* Frees what an order_facts holds (not the structure itself). */
void
order_facts_free(struct order_facts *o)
{
	if (o->order != NULL)
		cdp__v1__order_snapshot__free_unpacked(o->order, NULL);
}

/* Frees what the counts (one per group rule) hold. */
void
grouping_counts_free(struct group_count *counts)
{
	size_t	i, by;

	for (by = 0; by < GROUP_BY_N; by++) {
		for (i = 0; i < counts[by].nids; i++)
			free(counts[by].ids[i]);
		free(counts[by].ids);
	}
}

static void
grouping_on_order(struct redis *r, redisReply *reply, void *arg)
{
	struct count		*k = arg;
	struct order_facts	 o = { 0 };
	const redisReply	*snap;

	if (redis_reply_error(reply, "order facts") ||
	    reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
	    reply->element[0]->type != REDIS_REPLY_INTEGER ||
	    reply->element[1]->type != REDIS_REPLY_STRING) {
		k->ofn(k->arg, -1, NULL);
		free(k);
		return;
	}
	o.order_before = (uint32_t)reply->element[0]->integer;
	snap = reply->element[1];
	o.order = ordersnap_unpack(snap->str, snap->len, NULL, 0);
	k->ofn(k->arg, 0, &o);
	free(k);
}

/*
 * Adds the complaint to its order's complaints and reads the order's
 * snapshot; a complaint without an order has none of either. fn takes
 * ownership of what the facts hold (free it with order_facts_free()).
 * Returns -1 when Redis is not connected (fn is not called).
 */
int
grouping_order_facts(struct classifier *c, const char *complaint_id,
    const Cdp__V1__Filed *filed, int64_t at_ms, order_facts_fn fn,
    void *arg)
{
	struct count	*k;
	const char	*args[6];
	char		*keys[2], t[24], until[24], keep[24];
	int		 rc;

	if (filed->order == NULL || filed->order->order_id[0] == '\0') {
		struct order_facts	none = { 0 };

		fn(arg, 0, &none);
		return 0;
	}
	k = xcalloc(1, sizeof(*k));
	k->ofn = fn;
	k->arg = arg;
	keys[0] = xasprintf("cls:ord:%s", filed->order->order_id);
	keys[1] = xasprintf(ORDERSNAP_KEY, filed->order->order_id);
	snprintf(t, sizeof(t), "%lld", (long long)at_ms);
	snprintf(until, sizeof(until), "%lld",
	    (long long)filed->order->after_sales_until_ms);
	snprintf(keep, sizeof(keep), "%lld", (long long)c->order_keep_ms);
	args[0] = keys[0];
	args[1] = keys[1];
	args[2] = complaint_id;
	args[3] = t;
	args[4] = until;
	args[5] = keep;
	rc = redis_script_run(c->redis, grouping_order_script,
	    grouping_on_order, k, 2, 4, args, NULL);
	free(keys[0]);
	free(keys[1]);
	if (rc == -1)
		free(k);
	return rc;
}

/* One group's reply: {customers, formed, {ids}}. */
static bool
grouping_one(const redisReply *e, struct group_count *g)
{
	const redisReply	*m;
	size_t			 i;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 3 ||
	    e->element[0]->type != REDIS_REPLY_INTEGER ||
	    e->element[1]->type != REDIS_REPLY_INTEGER ||
	    e->element[2]->type != REDIS_REPLY_ARRAY)
		return false;
	g->customers = (uint32_t)e->element[0]->integer;
	g->formed = e->element[1]->integer != 0;
	m = e->element[2];
	g->ids = xcalloc(m->elements + 1, sizeof(*g->ids));
	for (i = 0; i < m->elements; i++)
		if (m->element[i]->type == REDIS_REPLY_STRING)
			g->ids[g->nids++] = xstrndup(m->element[i]->str,
			    m->element[i]->len);
	return true;
}

static void
grouping_on_reply(struct redis *r, redisReply *reply, void *arg)
{
	struct count		*k = arg;
	struct group_count	 counts[GROUP_BY_N];
	size_t			 by;
	bool			 ok;

	memset(counts, 0, sizeof(counts));
	ok = !redis_reply_error(reply, "group count") &&
	    reply->type == REDIS_REPLY_ARRAY;
	for (by = 0; ok && by < GROUP_BY_N; by++)
		if (k->slot[by] != -1)
			ok = (size_t)k->slot[by] < reply->elements &&
			    grouping_one(reply->element[k->slot[by]],
			    &counts[by]);
	if (!ok) {
		grouping_counts_free(counts);
		k->gfn(k->arg, -1, NULL);
	} else {
		k->gfn(k->arg, 0, counts);
	}
	free(k);
}

/*
 * Adds the complaint of user_id to its groups (keys: one group key per
 * group rule, NULL where the rule has none) and counts each. fn takes
 * ownership of what the counts hold (free them with
 * grouping_counts_free()); a rule without a key counts zero. Returns -1
 * when Redis is not connected (fn is not called).
 */
int
grouping_count(struct classifier *c, const char *complaint_id,
    const char *user_id, char *const *keys, int64_t at_ms, grouping_fn fn,
    void *arg)
{
	struct count	*k = xcalloc(1, sizeof(*k));
	char		*rkeys[GROUP_BY_N], t[24], w[GROUP_BY_N][24];
	char		 n[GROUP_BY_N][16];
	const char	*args[3 * GROUP_BY_N + 3];
	int		 nkeys = 0, by, i, rc;

	k->gfn = fn;
	k->arg = arg;
	for (by = 0; by < GROUP_BY_N; by++) {
		k->slot[by] = keys[by] != NULL ? nkeys : -1;
		if (keys[by] == NULL)
			continue;
		rkeys[nkeys] = xasprintf("cls:grp:%s", keys[by]);
		snprintf(w[nkeys], sizeof(w[0]), "%lld",
		    (long long)rules_group(c->rules, by)->window_ms);
		snprintf(n[nkeys], sizeof(n[0]), "%u",
		    rules_group(c->rules, by)->threshold);
		args[nkeys] = rkeys[nkeys];
		nkeys++;
	}
	snprintf(t, sizeof(t), "%lld", (long long)at_ms);
	args[nkeys] = t;
	args[nkeys + 1] = complaint_id;
	args[nkeys + 2] = user_id;
	for (i = 0; i < nkeys; i++) {
		args[nkeys + 3 + 2 * i] = w[i];
		args[nkeys + 4 + 2 * i] = n[i];
	}
	rc = redis_script_run(c->redis, grouping_script, grouping_on_reply, k,
	    nkeys, 3 + 2 * nkeys, args, NULL);
	for (i = 0; i < nkeys; i++)
		free(rkeys[i]);
	if (rc == -1)
		free(k);
	return rc;
}

struct remember {
	void	(*fn)(void *, bool);
	void	*arg;
};

static void
grouping_on_remembered(struct redis *r, redisReply *reply, void *arg)
{
	struct remember	*m = arg;

	m->fn(m->arg, !redis_reply_error(reply, "remember classification"));
	free(m);
}

/*
 * Keeps a complaint's Classified event for twice the longest group window
 * (cls:c:<id>), so that a group forming later can raise and link it.
 * Returns -1 when Redis is not connected (fn is not called).
 */
int
grouping_remember(struct classifier *c, const Cdp__V1__ComplaintEvent *ev,
    void (*fn)(void *, bool), void *arg)
{
	struct remember	*m = xmalloc(sizeof(*m));
	uint8_t		*buf;
	size_t		 len;
	int		 rc;

	m->fn = fn;
	m->arg = arg;
	buf = pb_pack(&ev->base, &len);
	rc = redis_command(c->redis, grouping_on_remembered, m,
	    "SET cls:c:%s %b PX %lld", ev->complaint_id, buf, len,
	    (long long)(2 * rules_group_window_max(c->rules)));
	free(buf);
	if (rc == -1)
		free(m);
	return rc;
}

/* Raising the earlier members of a group that just formed, one by one. */
struct link {
	struct classifier	*c;
	const Cdp__V1__EventMeta *cause;
	const char		*cause_complaint;
	char			*merchant_id;
	char			*group_key;
	char			**members;
	size_t			 n;
	size_t			 next;
	int			 waits;		/* for unremembered members */
	void			(*fn)(void *, bool);
	void			*arg;
};

/*
 * A member counted into the group but not yet remembered is one whose
 * own Filed is being handled at this moment, on another partition or
 * instance: it counted itself before the group formed and remembers its
 * Classified once the broker has it. The link waits for it, LINK_WAIT_MS
 * at a time, at most LINK_WAITS times per group (an out-of-scope member
 * is never remembered, and costs the whole wait).
 */
#define LINK_WAIT_MS	100
#define LINK_WAITS	30

static void	link_next(struct link *l);
static void	link_get(struct link *l);
static void	link_wait(struct link *l);

static void
link_finish(struct link *l, bool ok)
{
	l->fn(l->arg, ok);
	free(l->merchant_id);
	free(l->group_key);
	free(l);
}

static void
link_on_emitted(void *arg, bool ok)
{
	struct link	*l = arg;

	if (!ok)
		link_finish(l, false);
	else
		link_next(l);
}

/*
 * Emits a raised copy of the member's classification (group.c), linked to
 * the rest of the group; the unpacked message is left as it was, so its
 * owner frees exactly what it allocated.
 */
static void
link_emit(struct link *l, const char *member, const Cdp__V1__Classified *stored)
{
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Classified	 cl = *stored;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	char			*purpose = xasprintf("group:%s", member);
	char			**others = xcalloc(l->n + 1, sizeof(char *));
	size_t			 nteams, nflags;
	Cdp__V1__UrgencyFlag	*flags;
	Cdp__V1__Team		*teams;

	nflags = group_raise_room(l->c->rules, &cl, &nteams);
	flags = xcalloc(nflags, sizeof(*flags));
	teams = xcalloc(nteams + 1, sizeof(*teams));
	group_raise(l->c->rules, &cl, flags, teams);
	cl.group_key = l->group_key;
	cl.group_complaint_ids = others;
	cl.n_group_complaint_ids = group_others(l->members, l->n, member,
	    others);
	meta_fill(&meta, &ids, "classifier", l->cause, purpose);
	ev.meta = &meta;
	ev.complaint_id = (char *)member;
	ev.merchant_id = l->merchant_id;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED;
	ev.classified = &cl;
	if (emit_event(l->c, &ev, link_on_emitted, l) == -1)
		link_on_emitted(l, false);
	free(others);
	free(flags);
	free(teams);
	free(purpose);
}

static void
link_on_waited(evutil_socket_t fd, short what, void *arg)
{
	link_get(arg);
}

/* Asks for the current member again after LINK_WAIT_MS. */
static void
link_wait(struct link *l)
{
	struct timeval	tv = { 0, LINK_WAIT_MS * 1000 };

	l->waits++;
	if (event_base_once(l->c->base, -1, EV_TIMEOUT, link_on_waited, l,
	    &tv) == -1)
		link_finish(l, false);
}

static void
link_on_member(struct redis *r, redisReply *reply, void *arg)
{
	struct link		*l = arg;
	Cdp__V1__ComplaintEvent	*ev = NULL;
	const char		*member = l->members[l->next - 1];

	if (redis_reply_error(reply, "group member")) {
		link_finish(l, false);
		return;
	}
	if (reply->type == REDIS_REPLY_NIL && l->waits < LINK_WAITS) {
		link_wait(l);
		return;
	}
	if (reply->type == REDIS_REPLY_STRING)
		ev = cdp__v1__complaint_event__unpack(NULL, reply->len,
		    (const uint8_t *)reply->str);
	if (ev == NULL || ev->body_case !=
	    CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED ||
	    strcmp(ev->merchant_id, l->merchant_id) != 0) {
		log_warnx("grouping: %s has no remembered classification "
		    "of merchant %s", member, l->merchant_id);
		link_next(l);
	} else
		link_emit(l, member, ev->classified);
	if (ev != NULL)
		cdp__v1__complaint_event__free_unpacked(ev, NULL);
}

static void
link_next(struct link *l)
{
	const char	*member;

	while (l->next < l->n) {
		member = l->members[l->next++];
		if (strcmp(member, l->cause_complaint) == 0)
			continue;
		link_get(l);
		return;
	}
	link_finish(l, true);
}

/* Reads the remembered classification of the current member. */
static void
link_get(struct link *l)
{
	if (redis_command(l->c->redis, link_on_member, l, "GET cls:c:%s",
	    l->members[l->next - 1]) == -1)
		link_finish(l, false);
}

/*
 * Re-emits the remembered classification of every other member of a group
 * that just formed, raised to urgent and linked to the group, with ids
 * derived from the cause (the Filed that completed the group, in scope or
 * not); fn learns whether all were written. Only classifications of
 * merchant_id (the group's) are raised. members and cause are borrowed
 * until fn.
 */
void
grouping_link(struct classifier *c, const Cdp__V1__EventMeta *cause,
    const char *cause_complaint, const char *merchant_id,
    const char *group_key, char **members, size_t n,
    void (*fn)(void *, bool), void *arg)
{
	struct link	*l = xcalloc(1, sizeof(*l));

	l->c = c;
	l->cause = cause;
	l->cause_complaint = cause_complaint;
	l->merchant_id = xstrdup(merchant_id);
	l->group_key = xstrdup(group_key);
	l->members = members;
	l->n = n;
	l->fn = fn;
	l->arg = arg;
	link_next(l);
}
