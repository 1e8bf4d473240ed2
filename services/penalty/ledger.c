/*
 * One merchant's ledger: every violation with its cause, base points, time
 * and whether it was reversed, and the merchant's place on the ladder.
 *
 * Points are never stored as a total; they are computed at a time t from
 * the entries: an entry counts while it is not reversed and less than the
 * window old, and counts repeat_factor times its base when another
 * unreversed entry of the same type came less than repeat_window before it.
 * So a reversal also takes back the doubling it caused, and points age out
 * by themselves.
 *
 * The level is the highest rung the points reach at the ledger's time.
 * Climbing to a rung imposes its restrictions until its duration has
 * passed; falling to a lower rung (a reversal, points ageing out) keeps
 * that rung's restrictions only if restrictions were still in force, and
 * never beyond the end they already had. Restrictions whose end has passed
 * are lifted at the next step the ledger takes (the daemon's timer makes
 * one, RestrictionsLifted, at the end time).
 *
 * Time only moves forward: each step works at the later of its own time
 * and the ledger's, so the same events in the same order always give the
 * same ledger. Pure: no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "penalty.h"
#include "xmalloc.h"

static void
copy(char *dst, const char *src)
{
	snprintf(dst, PEN_ID_MAX, "%s", src != NULL ? src : "");
}

void
ledger_init(struct ledger *l, const char *merchant_id)
{
	memset(l, 0, sizeof(*l));
	copy(l->merchant_id, merchant_id);
	l->level = -1;
	l->offset = -1;
}

void
ledger_free(struct ledger *l)
{
	free(l->entries);
	l->entries = NULL;
	l->nentries = 0;
}

struct pen_entry *
ledger_find(struct ledger *l, const char *penalty_id)
{
	size_t	i;

	for (i = 0; i < l->nentries; i++)
		if (strcmp(l->entries[i].id, penalty_id) == 0)
			return &l->entries[i];
	return NULL;
}

/* Whether entry j came before entry i (by time, then by order). */
static bool
before(const struct ledger *l, size_t j, size_t i)
{
	return l->entries[j].at_ms < l->entries[i].at_ms ||
	    (l->entries[j].at_ms == l->entries[i].at_ms && j < i);
}

/*
 * The points entry i carries: its base, times the repeat factor when an
 * unreversed entry of the same type came less than the repeat window
 * before it. Whether i itself is reversed does not matter here.
 */
uint32_t
ledger_points_of(const struct ledger *l, const struct pen_rules *r, size_t i)
{
	const struct pen_entry	*e = &l->entries[i], *o;
	size_t			 j;

	for (j = 0; j < l->nentries; j++) {
		o = &l->entries[j];
		if (j == i || o->reversed || !before(l, j, i) ||
		    strcmp(o->violation, e->violation) != 0)
			continue;
		if (e->at_ms - o->at_ms < r->repeat_window_ms)
			return e->base_points * r->repeat_factor;
	}
	return e->base_points;
}

/* The points in force at t: unreversed entries less than a window old. */
uint32_t
ledger_total(const struct ledger *l, const struct pen_rules *r, int64_t t)
{
	uint32_t	total = 0;
	size_t		i;

	for (i = 0; i < l->nentries; i++)
		if (!l->entries[i].reversed && l->entries[i].at_ms <= t &&
		    t - l->entries[i].at_ms < r->window_ms)
			total += ledger_points_of(l, r, i);
	return total;
}

static const struct pen_level *
level_of(const struct ledger *l, const struct pen_rules *r)
{
	if (l->level < 0 || (size_t)l->level >= r->nlevels)
		return NULL;
	return &r->levels[l->level];
}

/* Whether the level's restrictions are in force (not yet lifted). */
bool
ledger_restricted(const struct ledger *l, const struct pen_rules *r)
{
	const struct pen_level	*lv = level_of(l, r);

	return lv != NULL && lv->nrestrictions > 0 && !l->lifted;
}

/*
 * The merchant's standing: good below the first level, the level's own
 * standing while its restrictions are in force (or when it has none),
 * warned once they lifted.
 */
Cdp__V1__Standing
ledger_standing(const struct ledger *l, const struct pen_rules *r)
{
	const struct pen_level	*lv = level_of(l, r);

	if (lv == NULL)
		return CDP__V1__STANDING__STANDING_GOOD;
	if (lv->nrestrictions == 0 || !l->lifted)
		return lv->standing;
	return CDP__V1__STANDING__STANDING_WARNED;
}

int64_t
ledger_appeal_deadline(const struct pen_rules *r, const struct pen_entry *e)
{
	return e->at_ms + r->appeal_window_ms;
}

/* When the restrictions in force lift by themselves; 0 if never or none. */
int64_t
ledger_next_lift(const struct ledger *l, const struct pen_rules *r)
{
	return ledger_restricted(l, r) ? l->until_ms : 0;
}

/*
 * When the next points still counting at the ledger's time leave the
 * window; 0 when none count.
 */
int64_t
ledger_next_expiry(const struct ledger *l, const struct pen_rules *r)
{
	int64_t	at, next = 0;
	size_t	i;

	for (i = 0; i < l->nentries; i++) {
		if (l->entries[i].reversed)
			continue;
		at = l->entries[i].at_ms + r->window_ms;
		if (at > l->now_ms && (next == 0 || at < next))
			next = at;
	}
	return next;
}

/* The next time the ledger changes by itself: a lift or an expiry. */
int64_t
ledger_next_due(const struct ledger *l, const struct pen_rules *r)
{
	int64_t	lift = ledger_next_lift(l, r);
	int64_t	expiry = ledger_next_expiry(l, r);

	if (lift == 0 || (expiry != 0 && expiry < lift))
		return expiry;
	return lift;
}

bool
ledger_changed(const struct ledger_change *ch)
{
	return ch->old_level != ch->new_level ||
	    ch->old_standing != ch->new_standing;
}

static void
change_begin(const struct ledger *l, const struct pen_rules *r,
    struct ledger_change *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->old_level = l->level;
	ch->old_standing = ledger_standing(l, r);
	ch->old_total = ledger_total(l, r, l->now_ms);
}

static void
climb(struct ledger *l, const struct pen_rules *r, int level, int64_t t)
{
	const struct pen_level	*lv = &r->levels[level];

	l->level = level;
	l->lifted = false;
	l->until_ms = lv->nrestrictions > 0 && lv->duration_ms > 0 ?
	    t + lv->duration_ms : 0;
}

/*
 * A lower rung keeps its restrictions only while restrictions are in
 * force, until the sooner of the end they had and its own duration.
 */
static void
drop(struct ledger *l, const struct pen_rules *r, int level, int64_t t)
{
	bool			 was = ledger_restricted(l, r);
	int64_t			 end, old_until = l->until_ms;
	const struct pen_level	*lv;

	l->level = level;
	l->lifted = false;
	l->until_ms = 0;
	if ((lv = level_of(l, r)) == NULL || lv->nrestrictions == 0)
		return;
	if (!was) {
		l->lifted = true;
		return;
	}
	end = lv->duration_ms > 0 ? t + lv->duration_ms : 0;
	if (old_until != 0 && (end == 0 || old_until < end))
		end = old_until;
	l->until_ms = end;
}

/*
 * Forgets entries too old to count or to make a later one a repeat. An
 * entry with an open appeal is kept until the appeal is decided.
 */
static void
prune(struct ledger *l, const struct pen_rules *r, int64_t t)
{
	size_t	i, n = 0;

	for (i = 0; i < l->nentries; i++) {
		if (!l->entries[i].appeal_open && t - l->entries[i].at_ms >=
		    r->window_ms + r->repeat_window_ms)
			continue;
		l->entries[n++] = l->entries[i];
	}
	l->nentries = n;
}

/* Moves the ledger to time t: lifts what ended, finds the level. */
static void
change_end(struct ledger *l, const struct pen_rules *r, int64_t t,
    struct ledger_change *ch)
{
	int	target;

	if (t > l->now_ms)
		l->now_ms = t;
	t = l->now_ms;
	if (ledger_restricted(l, r) && l->until_ms != 0 && t >= l->until_ms) {
		l->lifted = true;
		ch->lifted = true;
	}
	target = rules_level_for(r, ledger_total(l, r, t));
	if (target > l->level)
		climb(l, r, target, t);
	else if (target < l->level)
		drop(l, r, target, t);
	ch->new_level = l->level;
	ch->new_standing = ledger_standing(l, r);
	ch->new_total = ledger_total(l, r, t);
	prune(l, r, t);
}

/* Time passes to t, and nothing else happens. */
void
ledger_settle(struct ledger *l, const struct pen_rules *r, int64_t t,
    struct ledger_change *ch)
{
	change_begin(l, r, ch);
	change_end(l, r, t, ch);
}

/* Records a violation; one already recorded (same id) changes nothing. */
enum ledger_result
ledger_add(struct ledger *l, const struct pen_rules *r,
    const struct ledger_violation *v, struct ledger_change *ch)
{
	struct pen_entry	*e;

	if (ledger_find(l, v->id) != NULL)
		return LEDGER_DUPLICATE;
	change_begin(l, r, ch);
	l->entries = xreallocarray(l->entries, l->nentries + 1,
	    sizeof(*l->entries));
	e = &l->entries[l->nentries++];
	memset(e, 0, sizeof(*e));
	copy(e->id, v->id);
	snprintf(e->violation, sizeof(e->violation), "%s", v->violation);
	copy(e->complaint_id, v->complaint_id);
	copy(e->cause_id, v->cause_id);
	e->at_ms = v->at_ms;
	e->base_points = v->base_points;
	change_end(l, r, v->at_ms, ch);
	return LEDGER_OK;
}

/*
 * Opens an appeal on a penalty, filed at t: refused for an unknown or
 * reversed penalty, after the appeal deadline, or while another is open.
 */
enum ledger_result
ledger_appeal(struct ledger *l, const struct pen_rules *r,
    const char *penalty_id, const char *appeal_id, int64_t t)
{
	struct pen_entry	*e;

	if ((e = ledger_find(l, penalty_id)) == NULL)
		return LEDGER_UNKNOWN_PENALTY;
	if (e->reversed || e->appeal_open)
		return LEDGER_DUPLICATE;
	if (t > ledger_appeal_deadline(r, e))
		return LEDGER_TOO_LATE;
	copy(e->appeal_id, appeal_id);
	e->appeal_open = true;
	e->appeal_filed_ms = t;
	return LEDGER_OK;
}

/*
 * Decides an appeal at t. Overturned, the penalty is reversed and the
 * points, the level and the restrictions are computed again; upheld, the
 * appeal is only closed.
 */
enum ledger_result
ledger_reverse(struct ledger *l, const struct pen_rules *r,
    const char *penalty_id, const char *appeal_id, bool overturned,
    int64_t t, struct ledger_change *ch)
{
	struct pen_entry	*e;

	if ((e = ledger_find(l, penalty_id)) == NULL)
		return LEDGER_UNKNOWN_PENALTY;
	if (e->reversed)
		return LEDGER_DUPLICATE;
	change_begin(l, r, ch);
	if (appeal_id != NULL && appeal_id[0] != '\0')
		copy(e->appeal_id, appeal_id);
	e->appeal_open = false;
	e->reversed = overturned;
	change_end(l, r, t, ch);
	return LEDGER_OK;
}

/* Points leave the window at at_ms; an expiry already passed is stale. */
enum ledger_result
ledger_expire(struct ledger *l, const struct pen_rules *r, int64_t at_ms,
    struct ledger_change *ch)
{
	if (at_ms <= l->now_ms)
		return LEDGER_NOT_DUE;
	change_begin(l, r, ch);
	change_end(l, r, at_ms, ch);
	return LEDGER_OK;
}

/* The restrictions ending at until_ms lift; any other end is stale. */
enum ledger_result
ledger_lift(struct ledger *l, const struct pen_rules *r, int64_t until_ms,
    struct ledger_change *ch)
{
	if (!ledger_restricted(l, r) || l->until_ms != until_ms ||
	    until_ms == 0)
		return LEDGER_NOT_DUE;
	change_begin(l, r, ch);
	change_end(l, r, until_ms, ch);
	return LEDGER_OK;
}
