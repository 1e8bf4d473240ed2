/*
 * Group complaints (群体性投诉) and repeat complaints, counted in Redis:
 *
 *   cls:grp:sku:<sku>, cls:grp:m:<merchant>   complaint ids scored by filing
 *                                             time, pruned past the window
 *   cls:ord:<order id>                        complaint ids on the order
 *
 * One script adds the complaint and counts, atomically, so that two
 * instances filing into the same group at once count it right. Times are
 * the Filed event's, not the clock's, so a replay counts the same. When a
 * group just reached the threshold, the script returns its members so the
 * earlier ones can be raised to urgent and linked. The same script reads
 * the order's snapshot (snapshot.c's two parts, one after the other), so
 * that the facts of one complaint cost one round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "log.h"
#include "meta.h"
#include "pb.h"
#include "redis.h"
#include "xmalloc.h"

#define GROUPING_ORDER_TTL_MS	"7776000000"	/* 90 days */

static const char grouping_lua[] =
    "local id, t, w, n = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]),\n"
    "    tonumber(ARGV[4])\n"
    "local function count(key)\n"
    "  redis.call('ZADD', key, t, id)\n"
    "  redis.call('ZREMRANGEBYSCORE', key, '-inf', t - 4 * w)\n"
    "  redis.call('PEXPIRE', key, 4 * w)\n"
    "  return redis.call('ZRANGEBYSCORE', key, t - w, t)\n"
    "end\n"
    "local sku = {}\n"
    "if ARGV[5] == '1' then sku = count(KEYS[1]) end\n"
    "local mer = count(KEYS[2])\n"
    "local before, snap = 0, false\n"
    "if ARGV[7] == '1' then\n"
    "  redis.call('ZADD', KEYS[3], t, id)\n"
    "  redis.call('PEXPIRE', KEYS[3], ARGV[6])\n"
    "  before = redis.call('ZCOUNT', KEYS[3], '-inf', '(' .. t)\n"
    "  local o = redis.call('HGET', KEYS[4], 'order')\n"
    "  local s = redis.call('HGET', KEYS[4], 'scan')\n"
    "  if o or s then snap = (o or '') .. (s or '') end\n"
    "end\n"
    "local members = {}\n"
    "if #sku == n then members = sku elseif #mer == n then members = mer end\n"
    "return {#sku, #mer, before, members, snap}\n";

static struct redis_script	*grouping_script;

struct count {
	grouping_fn	 fn;
	void		*arg;
};

void
grouping_start(struct classifier *c)
{
	grouping_script = redis_script_new(c->redis, grouping_lua);
}

/* Frees what a group_counts holds (not the structure itself). */
void
grouping_counts_free(struct group_counts *g)
{
	size_t	i;

	for (i = 0; i < g->nmembers; i++)
		free(g->members[i]);
	free(g->members);
	if (g->order != NULL)
		cdp__v1__order_snapshot__free_unpacked(g->order, NULL);
}

static bool
grouping_reply_ok(const redisReply *reply)
{
	size_t	i;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 5 ||
	    reply->element[3]->type != REDIS_REPLY_ARRAY ||
	    (reply->element[4]->type != REDIS_REPLY_STRING &&
	    reply->element[4]->type != REDIS_REPLY_NIL))
		return false;
	for (i = 0; i < 3; i++)
		if (reply->element[i]->type != REDIS_REPLY_INTEGER)
			return false;
	return true;
}

static void
grouping_on_reply(struct redis *r, redisReply *reply, void *arg)
{
	struct count		*k = arg;
	struct group_counts	 g = { 0 };
	const redisReply	*m, *snap;
	size_t			 i;

	if (redis_reply_error(reply, "group count") ||
	    !grouping_reply_ok(reply)) {
		k->fn(k->arg, -1, NULL);
		free(k);
		return;
	}
	g.sku = (uint32_t)reply->element[0]->integer;
	g.merchant = (uint32_t)reply->element[1]->integer;
	g.order_before = (uint32_t)reply->element[2]->integer;
	m = reply->element[3];
	g.members = xcalloc(m->elements + 1, sizeof(*g.members));
	for (i = 0; i < m->elements; i++)
		g.members[g.nmembers++] = xstrndup(m->element[i]->str,
		    m->element[i]->len);
	snap = reply->element[4];
	if (snap->type == REDIS_REPLY_STRING)
		g.order = cdp__v1__order_snapshot__unpack(NULL, snap->len,
		    (const uint8_t *)snap->str);
	k->fn(k->arg, 0, &g);
	free(k);
}

/*
 * Adds the complaint to its groups, counts them and reads its order's
 * snapshot. fn takes ownership of what the counts hold (free it with
 * grouping_counts_free()). Returns -1 when Redis is not connected (fn is
 * not called).
 */
int
grouping_count(struct classifier *c, const char *complaint_id,
    const Cdp__V1__Filed *filed, const char *merchant_id, int64_t at_ms,
    grouping_fn fn, void *arg)
{
	struct count	*k = xmalloc(sizeof(*k));
	const char	*sku = filed->order != NULL ? filed->order->sku : "";
	const char	*order = filed->order != NULL ?
	    filed->order->order_id : "";
	char		*keys[4], t[24], w[24], n[16];
	const char	*args[11];
	int		 rc, i;

	k->fn = fn;
	k->arg = arg;
	keys[0] = xasprintf("cls:grp:sku:%s", sku);
	keys[1] = xasprintf("cls:grp:m:%s", merchant_id);
	keys[2] = xasprintf("cls:ord:%s", order);
	keys[3] = xasprintf(SNAPSHOT_KEY, order);
	snprintf(t, sizeof(t), "%lld", (long long)at_ms);
	snprintf(w, sizeof(w), "%lld",
	    (long long)rules_settings(c->rules)->group_window_ms);
	snprintf(n, sizeof(n), "%u", rules_settings(c->rules)->group_threshold);
	for (i = 0; i < 4; i++)
		args[i] = keys[i];
	args[4] = complaint_id;
	args[5] = t;
	args[6] = w;
	args[7] = n;
	args[8] = sku[0] != '\0' ? "1" : "0";
	args[9] = GROUPING_ORDER_TTL_MS;
	args[10] = order[0] != '\0' ? "1" : "0";
	rc = redis_script_run(c->redis, grouping_script, grouping_on_reply, k,
	    4, 7, args, NULL);
	for (i = 0; i < 4; i++)
		free(keys[i]);
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
 * Keeps a complaint's Classified event for the length of a group window
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
	    (long long)(4 * rules_settings(c->rules)->group_window_ms));
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

/* Makes cl urgent, flagged and linked to the rest of the group. */
static void
link_raise(struct link *l, Cdp__V1__Classified *cl, const char *self,
    char **others, Cdp__V1__UrgencyFlag *flags, Cdp__V1__Team *teams)
{
	size_t	i, n = 0;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->members[i], self) != 0)
			others[n++] = l->members[i];
	cl->severity = CDP__V1__SEVERITY__SEVERITY_URGENT;
	cl->group_key = l->group_key;
	cl->group_complaint_ids = others;
	cl->n_group_complaint_ids = n;
	for (i = 0; i < cl->n_urgency_flags; i++)
		flags[i] = cl->urgency_flags[i];
	flags[i] = CDP__V1__URGENCY_FLAG__URGENCY_FLAG_GROUP_COMPLAINT;
	cl->urgency_flags = flags;
	cl->n_urgency_flags = i + 1;
	for (i = 0; i < cl->n_teams; i++)
		teams[i] = cl->teams[i];
	teams[i] = CDP__V1__TEAM__TEAM_EMERGENCY;
	cl->teams = teams;
	cl->n_teams = i + 1;
}

/*
 * Emits a raised copy of the member's classification; the unpacked message
 * is left as it was, so its owner frees exactly what it allocated.
 */
static void
link_emit(struct link *l, const char *member, const char *merchant_id,
    const Cdp__V1__Classified *stored)
{
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__Classified	 cl = *stored;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	char			*purpose = xasprintf("group:%s", member);
	char			**others = xcalloc(l->n + 1, sizeof(char *));
	Cdp__V1__UrgencyFlag	*flags = xcalloc(cl.n_urgency_flags + 1,
	    sizeof(*flags));
	Cdp__V1__Team		*teams = xcalloc(cl.n_teams + 1,
	    sizeof(*teams));

	link_raise(l, &cl, member, others, flags, teams);
	meta_fill(&meta, &ids, "classifier", l->cause, purpose);
	ev.meta = &meta;
	ev.complaint_id = (char *)member;
	ev.merchant_id = (char *)merchant_id;
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
	    CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED) {
		if (ev != NULL)
			cdp__v1__complaint_event__free_unpacked(ev, NULL);
		log_warnx("grouping: %s has no remembered classification",
		    member);
		link_next(l);
		return;
	}
	link_emit(l, member, ev->merchant_id, ev->classified);
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
		if (redis_command(l->c->redis, link_on_member, l,
		    "GET cls:c:%s", member) == -1)
			link_finish(l, false);
		return;
	}
	link_finish(l, true);
}

/*
 * Re-emits the remembered classification of every other member of a group
 * that just formed, raised to urgent and linked to the group, with ids
 * derived from the cause (the Filed that completed the group); fn learns
 * whether all were written. members and cause are borrowed until fn.
 */
void
grouping_link(struct classifier *c, const Cdp__V1__EventMeta *cause,
    const char *cause_complaint, const char *group_key, char **members,
    size_t n, void (*fn)(void *, bool), void *arg)
{
	struct link	*l = xcalloc(1, sizeof(*l));

	l->c = c;
	l->cause = cause;
	l->cause_complaint = cause_complaint;
	l->group_key = xstrdup(group_key);
	l->members = members;
	l->n = n;
	l->fn = fn;
	l->arg = arg;
	link_next(l);
}
