/*
 * The verdict of a chaos run. Observations are sorted by kind, complaint,
 * clock or cause, and id, so every question is a binary search or a scan
 * of neighbours: a run of a few thousand complaints and their tens of
 * thousands of events is judged at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict.h"

static int
str_cmp(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

static int
obs_cmp(const void *pa, const void *pb)
{
	const struct verdict_obs	*a = pa, *b = pb;
	int				 c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = str_cmp(a->complaint, b->complaint)) != 0)
		return c;
	if ((c = str_cmp(a->clock, b->clock)) != 0)
		return c;
	if ((c = str_cmp(a->cause, b->cause)) != 0)
		return c;
	if ((c = str_cmp(a->id, b->id)) != 0)
		return c;
	if (a->at_ms != b->at_ms)
		return a->at_ms < b->at_ms ? -1 : 1;
	return 0;
}

/* The first observation of kind for complaint (and clock), or NULL. */
static const struct verdict_obs *
obs_find(const struct verdict_obs *obs, size_t n, enum verdict_kind kind,
    const char *complaint, const char *clock)
{
	size_t	lo = 0, hi = n, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (obs[mid].kind != kind)
			c = obs[mid].kind < kind ? -1 : 1;
		else if ((c = str_cmp(obs[mid].complaint, complaint)) == 0 &&
		    clock != NULL)
			c = str_cmp(obs[mid].clock, clock);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && obs[lo].kind == kind &&
	    str_cmp(obs[lo].complaint, complaint) == 0 &&
	    (clock == NULL || str_cmp(obs[lo].clock, clock) == 0))
		return &obs[lo];
	return NULL;
}

/* Whether neighbours a and b are the same (kind, complaint, clock). */
static int
same_clock(const struct verdict_obs *a, const struct verdict_obs *b)
{
	return a->kind == b->kind && str_cmp(a->complaint, b->complaint) == 0 &&
	    str_cmp(a->clock, b->clock) == 0;
}

/* Where an accepted complaint is missing, or NULL when it is not lost. */
static const char *
lost_why(const struct verdict_obs *obs, size_t n, const char *complaint)
{
	if (obs_find(obs, n, VERDICT_LOGGED, complaint, NULL) == NULL)
		return "no Filed event";
	if (obs_find(obs, n, VERDICT_VIEWED, complaint, NULL) == NULL)
		return "not in the read model";
	if (obs_find(obs, n, VERDICT_CLASSIFIED, complaint, NULL) == NULL)
		return "never classified";
	return NULL;
}

static void
judge_complaints(const struct verdict_obs *obs, size_t n, struct verdict *v,
    const struct verdict_listener *l)
{
	const char	*why;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (obs[i].kind != VERDICT_ACCEPTED ||
		    (i > 0 && same_clock(&obs[i - 1], &obs[i])))
			continue;
		v->accepted++;
		if ((why = lost_why(obs, n, obs[i].complaint)) == NULL)
			continue;
		v->lost++;
		if (l != NULL && l->lost != NULL)
			l->lost(l->arg, obs[i].complaint, why);
	}
}

/* One cause answered by more than one effect id: all but one count. */
static void
judge_effects(const struct verdict_obs *obs, size_t n, struct verdict *v)
{
	size_t	i;

	for (i = 1; i < n; i++) {
		if (obs[i].kind != VERDICT_EFFECT ||
		    obs[i - 1].kind != VERDICT_EFFECT)
			continue;
		if (str_cmp(obs[i].complaint, obs[i - 1].complaint) == 0 &&
		    str_cmp(obs[i].cause, obs[i - 1].cause) == 0 &&
		    str_cmp(obs[i].id, obs[i - 1].id) != 0)
			v->duplicate_effects++;
	}
}

/*
 * Every clock started, not stopped nor paused, and due by the cutoff must
 * have breached; the earliest breach of it (duplicates on the topic are
 * allowed) tells how late.
 */
static void
judge_clocks(const struct verdict_obs *obs, size_t n, int64_t cutoff_ms,
    int64_t late_ms, struct verdict *v, const struct verdict_listener *l)
{
	const struct verdict_obs	*b;
	int64_t				 lag;
	size_t				 i;

	for (i = 0; i < n; i++) {
		if (obs[i].kind != VERDICT_CLOCK_STARTED ||
		    (i > 0 && same_clock(&obs[i - 1], &obs[i])))
			continue;
		if (obs_find(obs, n, VERDICT_CLOCK_STOPPED, obs[i].complaint,
		    obs[i].clock) != NULL)
			continue;
		b = obs_find(obs, n, VERDICT_BREACHED, obs[i].complaint,
		    obs[i].clock);
		if (b == NULL) {
			if (obs[i].due_ms <= cutoff_ms)
				v->missed_breaches++;
			continue;
		}
		lag = b->at_ms - obs[i].due_ms;
		if (lag > late_ms) {
			v->late_breaches++;
			if (l != NULL && l->late != NULL)
				l->late(l->arg, obs[i].complaint,
				    obs[i].clock, obs[i].due_ms, lag);
		}
		if (lag > v->max_lag_ms)
			v->max_lag_ms = lag;
	}
}

/* Sorts obs in place; tells l (when not NULL) what is lost or late. */
void
verdict_compute(struct verdict_obs *obs, size_t n, int64_t cutoff_ms,
    int64_t late_ms, struct verdict *v, const struct verdict_listener *l)
{
	memset(v, 0, sizeof(*v));
	qsort(obs, n, sizeof(*obs), obs_cmp);
	judge_complaints(obs, n, v, l);
	judge_effects(obs, n, v);
	judge_clocks(obs, n, cutoff_ms, late_ms, v, l);
}

/* The one line a run prints; max_recovery_s rounds up to tenths. */
int
verdict_line(const struct verdict *v, char *buf, size_t size)
{
	int64_t	tenths = (v->max_lag_ms + 99) / 100;

	return snprintf(buf, size, "accepted=%zu lost=%zu "
	    "duplicate_effects=%zu missed_breaches=%zu late_breaches=%zu "
	    "max_recovery_s=%lld.%lld", v->accepted, v->lost,
	    v->duplicate_effects, v->missed_breaches, v->late_breaches,
	    (long long)(tenths / 10), (long long)(tenths % 10));
}

int
verdict_failed(const struct verdict *v)
{
	return v->lost != 0 || v->duplicate_effects != 0 ||
	    v->missed_breaches != 0;
}
