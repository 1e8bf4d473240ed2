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
 *   cls:gf:<group key>    the members of a group when it formed
 *   cls:lk:<complaint id> who raised the complaint into its group (below)
 *
 * One script reads a complaint's order facts: it adds the complaint to
 * its order's complaints and reads the order part of its snapshot
 * (common/ordersnap.h), so that they cost one round trip. Another adds the
 * complaint to its groups (one per group rule, keyed by what classify()
 * decided) and counts distinct customers, atomically, so that two
 * instances filing into the same group at once count it right. Times are
 * the Filed event's, not the clock's, so a replay counts the same, and
 * every window of the group's length around the filing counts, since
 * complaints filed in one order may be met in another. When this
 * complaint brought a group to its threshold (with it some window reaches
 * the threshold, without it none did), the group is "formed" and the
 * members of that window come back, so the earlier ones can be raised to
 * urgent and linked.
 *
 * Expiry: group keys and remembered classifications live twice their
 * window (the longest window, for cls:c), enough for late events; the
 * order's complaints CLASSIFIER_ORDER_KEEP_MS past the later of the
 * filing and the end of the after-sales window, like the snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
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

/*
 * Adds the complaint (ARGV[2], of user ARGV[3], filed at ARGV[1]) to each
 * group KEYS[i] (window ARGV[2 + 2i], threshold ARGV[3 + 2i]) and counts
 * the most distinct customers in a window of that length holding the
 * filing: {customers, formed, members of that window when at least the
 * threshold}. Complaints are met in no set order across partitions (one
 * filed later may be counted first), so every window around the filing
 * time counts, not only the one ending at it. "formed": with this
 * complaint some window reaches the threshold and without it none did.
 * Windows are walked with two indexes over the members by filing time,
 * counting each user's entries, with and without this complaint's.
 */
static const char grouping_lua[] =
    "local t, id, user = tonumber(ARGV[1]), ARGV[2], ARGV[3]\n"
    "local out = {}\n"
    "for i, k in ipairs(KEYS) do\n"
    "  local w, n = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])\n"
    "  redis.call('ZADD', k, t, id .. ' ' .. user)\n"
    "  redis.call('ZREMRANGEBYSCORE', k, '-inf', t - 2 * w)\n"
    "  redis.call('PEXPIRE', k, 2 * w)\n"
    "  local r = redis.call('ZRANGEBYSCORE', k, t - w, t + w, 'WITHSCORES')\n"
    "  local cid, usr, sc = {}, {}, {}\n"
    "  for j = 1, #r, 2 do\n"
    "    local sp = string.find(r[j], ' ', 1, true)\n"
    "    cid[#cid + 1] = string.sub(r[j], 1, sp - 1)\n"
    "    usr[#usr + 1] = string.sub(r[j], sp + 1)\n"
    "    sc[#sc + 1] = tonumber(r[j + 1])\n"
    "  end\n"
    "  local all, others, d, dx = {}, {}, 0, 0\n"
    "  local function step(j, by)\n"
    "    local u = usr[j]\n"
    "    all[u] = (all[u] or 0) + by\n"
    "    if all[u] == (by > 0 and 1 or 0) then d = d + by end\n"
    "    if cid[j] ~= id then\n"
    "      others[u] = (others[u] or 0) + by\n"
    "      if others[u] == (by > 0 and 1 or 0) then dx = dx + by end\n"
    "    end\n"
    "  end\n"
    "  local best, bestx, from, to, left, b = 0, 0, 1, 0, 1, 0\n"
    "  for a = 1, #sc do\n"
    "    if sc[a] > t then break end\n"
    "    while b < #sc and sc[b + 1] <= sc[a] + w do\n"
    "      b = b + 1\n"
    "      step(b, 1)\n"
    "    end\n"
    "    while sc[left] < sc[a] do\n"
    "      step(left, -1)\n"
    "      left = left + 1\n"
    "    end\n"
    "    if d > best then best, from, to = d, left, b end\n"
    "    if dx > bestx then bestx = dx end\n"
    "  end\n"
    "  local ids = {}\n"
    "  if best >= n then\n"
    "    for j = from, to do ids[#ids + 1] = cid[j] end\n"
    "  end\n"
    "  out[i] = {best, (bestx < n and best >= n) and 1 or 0, ids}\n"
    "end\n"
    "return out\n";

/*
 * Remembers a Classified (KEYS[1]) and looks for a mark of one of its
 * groups (KEYS[3..]) naming it (ARGV[3]); when one does, claims the
 * complaint (KEYS[2]) for the cause ARGV[4] and returns {index of the
 * group, its members}.
 */
static const char remember_lua[] =
    "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
    "local me = ' ' .. ARGV[3] .. ' '\n"
    "for i = 3, #KEYS do\n"
    "  local m = redis.call('GET', KEYS[i])\n"
    "  if m and string.find(' ' .. m .. ' ', me, 1, true) then\n"
    "    if redis.call('SET', KEYS[2], ARGV[4], 'NX', 'PX', ARGV[2]) or\n"
    "        redis.call('GET', KEYS[2]) == ARGV[4] then\n"
    "      return {i - 3, m}\n"
    "    end\n"
    "    return {}\n"
    "  end\n"
    "end\n"
    "return {}\n";

/*
 * A member's remembered Classified (KEYS[1]) once claimed (KEYS[2]) for
 * the cause ARGV[1], or nil: not remembered, or claimed by another.
 */
static const char link_lua[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v and (redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) or\n"
    "    redis.call('GET', KEYS[2]) == ARGV[1]) then return v end\n"
    "return false\n";

static struct redis_script	*grouping_order_script;
static struct redis_script	*grouping_script;
static struct redis_script	*remember_script;
static struct redis_script	*link_script;

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
	remember_script = redis_script_new(c->redis, remember_lua);
	link_script = redis_script_new(c->redis, link_lua);
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

/*
 * Raising the earlier members of a group that just formed. Two sides may
 * raise a member, and neither waits for the other:
 *
 *  - the complaint that formed the group marks it formed
 *    (cls:gf:<group key>: its members), then raises every member whose
 *    Classified is remembered (cls:c:<id>);
 *  - a member remembers its own Classified and, in the same script, looks
 *    for a mark of one of its groups naming it: it counted itself into
 *    the group before the group formed, and was not yet remembered when
 *    the complaint that formed it looked (its Filed was being handled on
 *    another partition or instance at that moment). It raises itself.
 *
 * The side that claims the member first (cls:lk:<id>, SET NX, naming the
 * side's cause event) raises it; the same side handling its cause again
 * after a crash raises it again with the same derived ids, which
 * downstream drops as a duplicate. Either way the raised Classified comes
 * after the member's own on its partition: a member is remembered only
 * once the broker confirmed its own Classified. A member out of scope is
 * never remembered, and never raised.
 */
struct raise {
	struct classifier	*c;
	void			(*fn)(void *, bool);
	void			*arg;
};

static void
raise_on_emitted(void *arg, bool ok)
{
	struct raise	*r = arg;

	r->fn(r->arg, ok);
	free(r);
}

/*
 * Emits a raised copy of the member's classification (group.c), linked to
 * the other members, with ids derived from the cause; the classification
 * is left as it was, so its owner frees exactly what it allocated. fn
 * learns whether the broker has it.
 */
static void
raise_emit(struct classifier *c, const Cdp__V1__EventMeta *cause,
    const char *member, const char *merchant_id, const char *group_key,
    char *const *members, size_t n, const Cdp__V1__Classified *stored,
    const char *side, void (*fn)(void *, bool), void *arg)
{
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Classified	 cl = *stored;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	struct raise		*r = xmalloc(sizeof(*r));
	char			*purpose = xasprintf("group:%s", member);
	char			**others = xcalloc(n + 1, sizeof(char *));
	char			 labels[32];
	size_t			 nteams, nflags;
	Cdp__V1__UrgencyFlag	*flags;
	Cdp__V1__Team		*teams;

	r->c = c;
	r->fn = fn;
	r->arg = arg;
	nflags = group_raise_room(c->rules, &cl, &nteams);
	flags = xcalloc(nflags, sizeof(*flags));
	teams = xcalloc(nteams + 1, sizeof(*teams));
	group_raise(c->rules, &cl, flags, teams);
	cl.group_key = (char *)group_key;
	cl.group_complaint_ids = others;
	cl.n_group_complaint_ids = group_others(members, n, member, others);
	meta_fill(&meta, &ids, "classifier", cause, purpose);
	ev.meta = &meta;
	ev.complaint_id = (char *)member;
	ev.merchant_id = (char *)merchant_id;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED;
	ev.classified = &cl;
	snprintf(labels, sizeof(labels), "by=\"%s\"", side);
	metrics_inc(metrics_counter("classifier_group_raised_total",
	    "Earlier members of a group raised to urgent, by the side that "
	    "raised them (link: the complaint that formed the group; self: "
	    "the member, remembered after the group formed).", labels));
	if (emit_event(c, &ev, raise_on_emitted, r) == -1)
		raise_on_emitted(r, false);
	free(others);
	free(flags);
	free(teams);
	free(purpose);
}

/* A complaint remembering its Classified, and raising itself if due. */
struct remember {
	struct classifier		*c;
	const Cdp__V1__ComplaintEvent	*ev;
	const Cdp__V1__EventMeta	*cause;
	int				 slot[GROUP_BY_N];
	char				*keys[GROUP_BY_N];
	char				**members;
	size_t				 n;
	void				(*fn)(void *, bool);
	void				*arg;
};

static void
remember_finish(void *arg, bool ok)
{
	struct remember	*m = arg;
	size_t		 i;
	int		 by;

	m->fn(m->arg, ok);
	for (i = 0; i < m->n; i++)
		free(m->members[i]);
	free(m->members);
	for (by = 0; by < GROUP_BY_N; by++)
		free(m->keys[by]);
	free(m);
}

/* The members a mark names, separated by spaces. */
static void
remember_members(struct remember *m, const char *s, size_t len)
{
	const char	*p = s, *end = s + len, *sp;

	m->members = xcalloc(len / 2 + 2, sizeof(char *));
	while (p < end) {
		if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
			sp = end;
		if (sp > p)
			m->members[m->n++] = xstrndup(p, (size_t)(sp - p));
		p = sp + 1;
	}
}

static void
grouping_on_remembered(struct redis *r, redisReply *reply, void *arg)
{
	struct remember		*m = arg;
	const redisReply	*e;
	int			 by;

	if (redis_reply_error(reply, "remember classification") ||
	    reply->type != REDIS_REPLY_ARRAY) {
		remember_finish(m, false);
		return;
	}
	if (reply->elements != 2 ||
	    reply->element[0]->type != REDIS_REPLY_INTEGER ||
	    reply->element[1]->type != REDIS_REPLY_STRING) {
		remember_finish(m, true);	/* nothing to raise */
		return;
	}
	e = reply->element[1];
	for (by = 0; by < GROUP_BY_N; by++)
		if (m->slot[by] == reply->element[0]->integer)
			break;
	if (by == GROUP_BY_N) {
		remember_finish(m, false);
		return;
	}
	remember_members(m, e->str, e->len);
	log_info("grouping: %s raises itself into group %s, formed before "
	    "it was remembered", m->ev->complaint_id, m->keys[by]);
	raise_emit(m->c, m->cause, m->ev->complaint_id, m->ev->merchant_id,
	    m->keys[by], m->members, m->n, m->ev->classified, "self",
	    remember_finish, m);
}

/*
 * Keeps a complaint's Classified event for twice the longest group window
 * (cls:c:<id>), so that a group forming later can raise and link it. keys
 * are the groups it was counted into without being in a group (one per
 * group rule, NULL where none): when one of them formed meanwhile, the
 * complaint raises itself into it (the mark above), with ids derived from
 * cause, its Filed. fn learns whether all was written. ev and cause are
 * borrowed until fn. Returns -1 when Redis is not connected (fn is not
 * called).
 */
int
grouping_remember(struct classifier *c, const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__EventMeta *cause, char *const *keys,
    void (*fn)(void *, bool), void *arg)
{
	struct remember	*m = xcalloc(1, sizeof(*m));
	const char	*args[4 + GROUP_BY_N + 2];
	size_t		 lens[4 + GROUP_BY_N + 2];
	char		*rkeys[2 + GROUP_BY_N], px[24];
	uint8_t		*buf;
	size_t		 len;
	int		 nkeys = 2, by, i, rc;

	m->c = c;
	m->ev = ev;
	m->cause = cause;
	m->fn = fn;
	m->arg = arg;
	rkeys[0] = xasprintf("cls:c:%s", ev->complaint_id);
	rkeys[1] = xasprintf("cls:lk:%s", ev->complaint_id);
	for (by = 0; by < GROUP_BY_N; by++) {
		m->slot[by] = -1;
		if (keys == NULL || keys[by] == NULL)
			continue;
		m->slot[by] = nkeys - 2;
		m->keys[by] = xstrdup(keys[by]);
		rkeys[nkeys++] = xasprintf("cls:gf:%s", keys[by]);
	}
	buf = pb_pack(&ev->base, &len);
	snprintf(px, sizeof(px), "%lld",
	    (long long)(2 * rules_group_window_max(c->rules)));
	for (i = 0; i < nkeys; i++) {
		args[i] = rkeys[i];
		lens[i] = strlen(rkeys[i]);
	}
	args[nkeys] = (const char *)buf;
	lens[nkeys] = len;
	args[nkeys + 1] = px;
	args[nkeys + 2] = ev->complaint_id;
	args[nkeys + 3] = cause->event_id;
	for (i = 1; i < 4; i++)
		lens[nkeys + i] = strlen(args[nkeys + i]);
	rc = redis_script_run(c->redis, remember_script,
	    grouping_on_remembered, m, nkeys, 4, args, lens);
	free(buf);
	for (i = 0; i < nkeys; i++)
		free(rkeys[i]);
	if (rc == -1) {
		for (by = 0; by < GROUP_BY_N; by++)
			free(m->keys[by]);
		free(m);
	}
	return rc;
}

/* The complaint that formed a group raising its members, one by one. */
struct link {
	struct classifier	*c;
	const Cdp__V1__EventMeta *cause;
	const char		*cause_complaint;
	char			*merchant_id;
	char			*group_key;
	char			**members;
	size_t			 n;
	size_t			 next;
	void			(*fn)(void *, bool);
	void			*arg;
};

static void	link_next(struct link *l);

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
	if (reply->type == REDIS_REPLY_STRING)
		ev = cdp__v1__complaint_event__unpack(NULL, reply->len,
		    (const uint8_t *)reply->str);
	if (ev == NULL || ev->body_case !=
	    CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED ||
	    strcmp(ev->merchant_id, l->merchant_id) != 0) {
		/* Not remembered yet (it raises itself), claimed, or none. */
		if (reply->type == REDIS_REPLY_STRING)
			log_warnx("grouping: %s has no remembered "
			    "classification of merchant %s", member,
			    l->merchant_id);
		link_next(l);
	} else
		raise_emit(l->c, l->cause, member, l->merchant_id,
		    l->group_key, l->members, l->n, ev->classified, "link",
		    link_on_emitted, l);
	if (ev != NULL)
		cdp__v1__complaint_event__free_unpacked(ev, NULL);
}

/* Claims the next member and reads its remembered classification. */
static void
link_next(struct link *l)
{
	const char	*args[4], *member;
	char		*keys[2], px[24];
	int		 rc;

	while (l->next < l->n) {
		member = l->members[l->next++];
		if (strcmp(member, l->cause_complaint) == 0)
			continue;
		keys[0] = xasprintf("cls:c:%s", member);
		keys[1] = xasprintf("cls:lk:%s", member);
		snprintf(px, sizeof(px), "%lld",
		    (long long)(2 * rules_group_window_max(l->c->rules)));
		args[0] = keys[0];
		args[1] = keys[1];
		args[2] = l->cause->event_id;
		args[3] = px;
		rc = redis_script_run(l->c->redis, link_script,
		    link_on_member, l, 2, 2, args, NULL);
		free(keys[0]);
		free(keys[1]);
		if (rc == -1)
			link_finish(l, false);
		return;
	}
	link_finish(l, true);
}

static void
link_on_marked(struct redis *r, redisReply *reply, void *arg)
{
	struct link	*l = arg;

	if (redis_reply_error(reply, "group mark"))
		link_finish(l, false);
	else
		link_next(l);
}

/*
 * Marks the group formed (its members) and raises every other member
 * whose classification is remembered and not claimed by the member
 * itself: re-emits it raised to urgent and linked to the group, with ids
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
	char		*list, *at;
	size_t		 i, len = 1;
	int		 rc;

	l->c = c;
	l->cause = cause;
	l->cause_complaint = cause_complaint;
	l->merchant_id = xstrdup(merchant_id);
	l->group_key = xstrdup(group_key);
	l->members = members;
	l->n = n;
	l->fn = fn;
	l->arg = arg;
	for (i = 0; i < n; i++)
		len += strlen(members[i]) + 1;
	at = list = xcalloc(1, len);
	for (i = 0; i < n; i++)
		at += sprintf(at, "%s%s", i > 0 ? " " : "", members[i]);
	rc = redis_command(c->redis, link_on_marked, l,
	    "SET cls:gf:%s %s PX %lld", group_key, list,
	    (long long)(2 * rules_group_window_max(c->rules)));
	free(list);
	if (rc == -1)
		link_finish(l, false);
}
