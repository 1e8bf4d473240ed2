/*
 * Events into figures. Each event counts in the running totals and in
 * the window of its event time of each width, unless that window has
 * already closed (then it is late: totals only, and counted). Figures that
 * need earlier facts of the complaint (a handling time needs the filing
 * time, SLA by severity needs the severity) take them from the complaint
 * table, which forgets a complaint a week of event time after it closed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics.h"
#include "vocab.h"
#include "xmalloc.h"

#define FOLD_TABLE_MIN	4096
#define FOLD_TARGETS	(1 + WINDOW_NWIDTHS)

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define MBODY(x)	CDP__V1__MERCHANT_EVENT__BODY_##x

struct targets {
	struct agg	*a[FOLD_TARGETS];
	size_t		 n;
};

void
fold_init(struct fold *f, const struct fold_settings *s)
{
	int	i;

	memset(f, 0, sizeof(*f));
	f->set = *s;
	agg_init(&f->totals, 0, 0);
	for (i = 0; i < WINDOW_NWIDTHS; i++)
		agg_init(&f->last[i], 0, 0);
	f->tablesz = FOLD_TABLE_MIN;
	f->table = xcalloc(f->tablesz, sizeof(*f->table));
	for (i = 0; i < 2; i++)
		memset(f->offsets[i].next, 0xff, sizeof(f->offsets[i].next));
	f->hold_ms = INT64_MAX;
}

void
fold_free(struct fold *f)
{
	struct fold_complaint	*c, *next;
	size_t			 i;

	for (i = 0; i < f->tablesz; i++)
		for (c = f->table[i]; c != NULL; c = next) {
			next = c->next;
			free(c);
		}
	free(f->table);
	f->table = NULL;
}

struct fold_complaint *
fold_find(const struct fold *f, const char *id)
{
	struct fold_complaint	*c;

	for (c = f->table[sampler_hash(id) % f->tablesz]; c != NULL;
	    c = c->next)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

static void
fold_grow(struct fold *f)
{
	struct fold_complaint	**old = f->table, *c, *next;
	size_t			  i, oldsz = f->tablesz, b;

	f->tablesz *= 2;
	f->table = xcalloc(f->tablesz, sizeof(*f->table));
	for (i = 0; i < oldsz; i++)
		for (c = old[i]; c != NULL; c = next) {
			next = c->next;
			b = sampler_hash(c->id) % f->tablesz;
			c->next = f->table[b];
			f->table[b] = c;
		}
	free(old);
}

/* The complaint's facts, created (empty) when it is new. */
struct fold_complaint *
fold_intern(struct fold *f, const char *id)
{
	struct fold_complaint	*c = fold_find(f, id);
	size_t			 b;

	if (c != NULL)
		return c;
	if (f->ncomplaints >= f->tablesz)
		fold_grow(f);
	c = xcalloc(1, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	b = sampler_hash(id) % f->tablesz;
	c->next = f->table[b];
	f->table[b] = c;
	f->ncomplaints++;
	return c;
}

/* The open window of width w holding t, opened if needed; NULL if late. */
static struct agg *
fold_window(struct fold *f, enum window_width w, int64_t t)
{
	int64_t		 start = window_start(w, t);
	struct agg	*a;
	size_t		 i;

	if (window_closed(w, start, f->watermark_ms, f->set.grace_ms))
		return NULL;
	for (i = 0; i < f->nopen[w]; i++)
		if (f->open[w][i].start_ms == start)
			return &f->open[w][i];
	if (f->nopen[w] == FOLD_OPEN_MAX)
		return NULL;
	a = &f->open[w][f->nopen[w]++];
	agg_init(a, start, start + window_ms(w));
	return a;
}

static void
fold_targets(struct fold *f, int64_t t, struct targets *tg)
{
	int	w;

	if (t > f->latest_ms)
		f->latest_ms = t;
	fold_hold(f, f->hold_ms);
	tg->n = 0;
	tg->a[tg->n++] = &f->totals;
	for (w = 0; w < WINDOW_NWIDTHS && t > 0; w++)
		if ((tg->a[tg->n] = fold_window(f, w, t)) != NULL)
			tg->n++;
	if (tg->n < FOLD_TARGETS)
		f->late++;
	for (w = 0; w < (int)tg->n; w++)
		tg->a[w]->events++;
}

#define EACH(tg, i)	for ((i) = 0; (i) < (tg)->n; (i)++)
#define IDX(v, n)	((size_t)(v) < (n) ? (size_t)(v) : 0)

static void
fold_hot(const struct targets *tg, enum agg_hot d, const char *key)
{
	size_t	i;

	EACH(tg, i)
		topk_add(&tg->a[i]->hot[d], key, 1);
}

static void
fold_filed(const struct targets *tg, struct fold_complaint *c,
    const Cdp__V1__ComplaintEvent *ev, const Cdp__V1__Filed *fi,
    int64_t t, bool proactive)
{
	size_t	i;

	if (c->filed_ms != 0)
		return;		/* filed twice: counted once */
	c->filed_ms = t;
	c->channel = fi != NULL ? fi->channel : CDP__V1__CHANNEL__CHANNEL_SYSTEM;
	c->status = CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_RECEIVED;
	EACH(tg, i) {
		tg->a[i]->filed++;
		tg->a[i]->proactive += proactive;
		tg->a[i]->by_channel[IDX(c->channel, AGG_CHANNELS)]++;
	}
	fold_hot(tg, AGG_HOT_MERCHANT, ev->merchant_id[0] != '\0' ?
	    ev->merchant_id : fi != NULL && fi->respondent != NULL ?
	    fi->respondent->merchant_id : "");
	if (fi != NULL && fi->order != NULL)
		fold_hot(tg, AGG_HOT_SKU, fi->order->sku);
}

static void
fold_proactive(const struct targets *tg, struct fold_complaint *c,
    const Cdp__V1__ComplaintEvent *ev)
{
	const Cdp__V1__ProactiveOpened	*po = ev->proactive_opened;

	if (c->filed_ms == 0 && po->facts != NULL)
		fold_hot(tg, AGG_HOT_CARRIER, po->facts->carrier);
	fold_filed(tg, c, ev, po->filed, ev->meta->occurred_at_ms, true);
}

static void
fold_classified(const struct targets *tg, struct fold_complaint *c,
    const Cdp__V1__Classified *cl)
{
	char	name[64];
	size_t	i;

	c->category = cl->category;
	c->severity = cl->severity;
	c->team = cl->n_teams > 0 ? cl->teams[0] : 0;
	if (c->status == CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_RECEIVED)
		c->status = CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_CLASSIFIED;
	if (c->classified)
		return;		/* a re-classification is not a new complaint */
	c->classified = true;
	EACH(tg, i) {
		tg->a[i]->by_category[IDX(c->category, AGG_CATEGORIES)]++;
		tg->a[i]->by_severity[IDX(c->severity, AGG_SEVERITIES)]++;
		tg->a[i]->by_team[IDX(c->team, AGG_TEAMS)]++;
		topk_add(&tg->a[i]->by_subcategory, cl->subcategory, 1);
	}
	if (vocab_name(&cdp__v1__category__descriptor, c->category, name,
	    sizeof(name)))
		fold_hot(tg, AGG_HOT_CATEGORY, name);
}

static void
fold_out_of_scope(const struct targets *tg, struct fold_complaint *c)
{
	size_t	i;

	c->status = CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_OUT_OF_SCOPE;
	if (c->done)
		return;
	c->done = true;
	EACH(tg, i)
		tg->a[i]->out_of_scope++;
}

/* A handling time from filing, recorded once per stage. */
static void
fold_duration(const struct targets *tg, const struct fold_complaint *c,
    bool *once, enum agg_duration d, int64_t t)
{
	size_t	i;

	if (*once || c->filed_ms == 0)
		return;
	*once = true;
	EACH(tg, i)
		hist_add(&tg->a[i]->durations[d], t - c->filed_ms);
}

static void
fold_first_contact(const struct targets *tg, struct fold_complaint *c,
    int64_t t)
{
	size_t	i;

	if (c->contacted || c->filed_ms == 0)
		return;
	fold_duration(tg, c, &c->contacted, AGG_FIRST_CONTACT, t);
	if (c->severity != CDP__V1__SEVERITY__SEVERITY_NORMAL)
		return;
	EACH(tg, i) {
		tg->a[i]->ordinary_answered++;
		tg->a[i]->ordinary_within_24h += t - c->filed_ms <= FOLD_24H_MS;
	}
}

static void
fold_rating(const struct targets *tg, const struct fold_complaint *c,
    const Cdp__V1__Satisfaction *s)
{
	struct agg	*a;
	size_t		 i;

	if (s == NULL || s->rating < 1 || s->rating > 5)
		return;
	EACH(tg, i) {
		a = tg->a[i];
		a->ratings[s->rating]++;
		a->rating_team[IDX(c->team, AGG_TEAMS)].count++;
		a->rating_team[IDX(c->team, AGG_TEAMS)].sum += s->rating;
		a->rating_category[IDX(c->category, AGG_CATEGORIES)].count++;
		a->rating_category[IDX(c->category, AGG_CATEGORIES)].sum +=
		    s->rating;
	}
}

static void
fold_closed(struct fold *f, const struct targets *tg,
    struct fold_complaint *c, int64_t t, struct fold_out *out)
{
	bool	first = !c->done;
	size_t	i;

	c->done = true;
	EACH(tg, i)
		tg->a[i]->closed_n++;
	if (!first)
		return;
	fold_duration(tg, c, &(bool){ false }, AGG_CLOSE, t);
	out->sample = sampler_pick(c->id, f->set.audit_permille);
	EACH(tg, i)
		tg->a[i]->sampled_for_audit += out->sample;
}

static void
fold_action(struct fold *f, const struct targets *tg,
    struct fold_complaint *c, const Cdp__V1__ActionRecorded *ar, int64_t t,
    struct fold_out *out)
{
	size_t	i;

	switch (ar->action) {
	case CDP__V1__ACTION__ACTION_FIRST_CONTACT:
		fold_first_contact(tg, c, t);
		break;
	case CDP__V1__ACTION__ACTION_DECIDED:
		fold_duration(tg, c, &c->decided, AGG_DECISION, t);
		break;
	case CDP__V1__ACTION__ACTION_CLOSED:
		fold_closed(f, tg, c, t, out);
		break;
	case CDP__V1__ACTION__ACTION_REOPENED:
		c->done = false;
		EACH(tg, i)
			tg->a[i]->reopened++;
		break;
	case CDP__V1__ACTION__ACTION_SATISFACTION_RATED:
		fold_rating(tg, c, ar->satisfaction);
		break;
	case CDP__V1__ACTION__ACTION_ESCALATED:
		EACH(tg, i)
			tg->a[i]->escalations++;
		break;
	case CDP__V1__ACTION__ACTION_RETURN_SHIPPED:
		if (ar->return_shipment != NULL)
			fold_hot(tg, AGG_HOT_CARRIER,
			    ar->return_shipment->carrier);
		break;
	default:
		break;
	}
	if (ar->resulting_status ==
	    CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_RESOLVED)
		fold_duration(tg, c, &c->resolved, AGG_RESOLUTION, t);
	if (ar->resulting_status != 0)
		c->status = ar->resulting_status;
}

static void
fold_sla_count(struct agg_sla *s, int kind)
{
	if (kind == 0)
		s->met++;
	else if (kind == 1)
		s->breached++;
	else
		s->warnings++;
}

/* kind: 0 met, 1 breached, 2 warning; per clock and per severity. */
static void
fold_sla(const struct targets *tg, const struct fold_complaint *c,
    Cdp__V1__SlaClock clock, int kind)
{
	size_t	i;

	EACH(tg, i) {
		fold_sla_count(&tg->a[i]->sla_clock[IDX(clock, AGG_CLOCKS)],
		    kind);
		fold_sla_count(&tg->a[i]->sla_severity[IDX(c->severity,
		    AGG_SEVERITIES)], kind);
	}
}

static void
fold_money(const struct targets *tg, const Cdp__V1__CompensationIssued *ci)
{
	size_t	i;

	EACH(tg, i) {
		tg->a[i]->compensations++;
		tg->a[i]->compensation_fen += ci->amount_fen;
	}
}

static void
fold_escalated(const struct targets *tg)
{
	size_t	i;

	EACH(tg, i)
		tg->a[i]->escalations++;
}

/*
 * Folds one complaint event in (the caller has checked that it has
 * metadata and a complaint id); out says whether to sample it for audit.
 */
void
fold_complaint_event(struct fold *f, const Cdp__V1__ComplaintEvent *ev,
    struct fold_out *out)
{
	int64_t			 t = ev->meta->occurred_at_ms;
	struct fold_complaint	*c = fold_intern(f, ev->complaint_id);
	struct targets		 tg;

	memset(out, 0, sizeof(*out));
	if (ev->body_case == BODY(SAMPLED_FOR_AUDIT))
		return;		/* our own output, counted when sampled */
	fold_targets(f, t, &tg);
	if (t > c->last_ms)
		c->last_ms = t;
	switch (ev->body_case) {
	case BODY(FILED):
		fold_filed(&tg, c, ev, ev->filed, t, false);
		break;
	case BODY(PROACTIVE_OPENED):
		fold_proactive(&tg, c, ev);
		break;
	case BODY(CLASSIFIED):
		fold_classified(&tg, c, ev->classified);
		break;
	case BODY(OUT_OF_SCOPE):
		fold_out_of_scope(&tg, c);
		break;
	case BODY(ACTION_RECORDED):
		fold_action(f, &tg, c, ev->action_recorded, t, out);
		break;
	case BODY(SLA_CLOCK_STOPPED):
		if (ev->sla_clock_stopped->result ==
		    CDP__V1__SLA_RESULT__SLA_RESULT_MET)
			fold_sla(&tg, c, ev->sla_clock_stopped->clock, 0);
		break;
	case BODY(SLA_BREACHED):
		fold_sla(&tg, c, ev->sla_breached->clock, 1);
		break;
	case BODY(SLA_WARNING):
		fold_sla(&tg, c, ev->sla_warning->clock, 2);
		break;
	case BODY(COMPENSATION_ISSUED):
		fold_money(&tg, ev->compensation_issued);
		break;
	case BODY(ESCALATED):
		fold_escalated(&tg);
		break;
	default:
		break;		/* counted in events only */
	}
}

/* Penalties, reversals and standing changes from merchants.events. */
void
fold_merchant_event(struct fold *f, const Cdp__V1__MerchantEvent *ev)
{
	struct targets	tg;
	size_t		i;

	fold_targets(f, ev->meta->occurred_at_ms, &tg);
	EACH(&tg, i) {
		switch (ev->body_case) {
		case MBODY(PENALTY_APPLIED):
			tg.a[i]->penalties++;
			tg.a[i]->penalty_points += ev->penalty_applied->points;
			break;
		case MBODY(PENALTY_REVERSED):
			tg.a[i]->penalties_reversed++;
			break;
		case MBODY(STANDING_CHANGED):
			tg.a[i]->standing_changes++;
			break;
		default:
			break;
		}
	}
}

/* Compares a closed window's hot spots with their baselines, then learns. */
static void
fold_spikes(struct fold *f, enum window_width w, struct agg *a)
{
	struct agg_spike	*s;
	double			 base;
	size_t			 d, i;

	for (d = 0; d < AGG_NHOT; d++) {
		for (i = 0; i < a->hot[d].n; i++) {
			base = spike_baseline(&f->baseline[w][d],
			    a->hot[d].e[i].key);
			if (a->nspikes == AGG_SPIKES_MAX || !spike_is(base,
			    a->hot[d].e[i].count, f->set.spike_factor,
			    f->set.spike_min))
				continue;
			s = &a->spikes[a->nspikes++];
			s->dim = (enum agg_hot)d;
			snprintf(s->key, sizeof(s->key), "%s",
			    a->hot[d].e[i].key);
			s->count = a->hot[d].e[i].count;
			s->baseline = base;
		}
		spike_learn(&f->baseline[w][d], &a->hot[d]);
	}
}

static int
fold_by_start(const void *x, const void *y)
{
	const struct agg	*a = x, *b = y;

	return a->start_ms < b->start_ms ? -1 : a->start_ms > b->start_ms;
}

/*
 * Closes every window that the watermark has passed by the grace, oldest
 * first, and copies them into closed (at most max, the rest next time);
 * the newest closed one of each width stays readable for the summary.
 */
size_t
fold_close(struct fold *f, struct agg *closed, size_t max)
{
	size_t	n = 0, i;
	int	w;

	for (w = 0; w < WINDOW_NWIDTHS; w++) {
		qsort(f->open[w], f->nopen[w], sizeof(struct agg),
		    fold_by_start);
		while (f->nopen[w] > 0 && n < max && window_closed(w,
		    f->open[w][0].start_ms, f->watermark_ms, f->set.grace_ms)) {
			f->open[w][0].closed = true;
			fold_spikes(f, w, &f->open[w][0]);
			closed[n++] = f->open[w][0];
			f->last[w] = f->open[w][0];
			for (i = 1; i < f->nopen[w]; i++)
				f->open[w][i - 1] = f->open[w][i];
			f->nopen[w]--;
		}
	}
	return n;
}

/* Forgets complaints closed more than FOLD_EVICT_MS of event time ago. */
void
fold_evict(struct fold *f)
{
	struct fold_complaint	**pp, *c;
	size_t			  i;

	for (i = 0; i < f->tablesz; i++) {
		pp = &f->table[i];
		while ((c = *pp) != NULL) {
			if (c->done && c->last_ms + FOLD_EVICT_MS <
			    f->watermark_ms) {
				*pp = c->next;
				free(c);
				f->ncomplaints--;
			} else
				pp = &c->next;
		}
	}
}

static struct fold_offsets *
fold_offsets_of(struct fold *f, const char *topic)
{
	int	i;

	for (i = 0; i < 2; i++)
		if (strcmp(f->offsets[i].topic, topic) == 0)
			return &f->offsets[i];
	for (i = 0; i < 2; i++)
		if (f->offsets[i].topic[0] == '\0') {
			snprintf(f->offsets[i].topic,
			    sizeof(f->offsets[i].topic), "%s", topic);
			return &f->offsets[i];
		}
	return NULL;
}

/* Records that offset of topic/partition is folded in. */
void
fold_offset_set(struct fold *f, const char *topic, int32_t partition,
    int64_t offset)
{
	struct fold_offsets	*o = fold_offsets_of(f, topic);

	if (o != NULL && partition >= 0 && partition < FOLD_PARTITIONS_MAX)
		o->next[partition] = offset + 1;
}

/* Notes the event time of the message about to be folded from partition. */
void
fold_observe(struct fold *f, const char *topic, int32_t partition,
    int64_t t_ms)
{
	struct fold_offsets	*o = fold_offsets_of(f, topic);

	if (o != NULL && partition >= 0 && partition < FOLD_PARTITIONS_MAX &&
	    t_ms > o->maxt[partition])
		o->maxt[partition] = t_ms;
}

/* The latest event time seen on a partition; 0 when none. */
int64_t
fold_partition_latest(const struct fold *f, const char *topic,
    int32_t partition)
{
	int	i;

	if (partition < 0 || partition >= FOLD_PARTITIONS_MAX)
		return 0;
	for (i = 0; i < 2; i++)
		if (strcmp(f->offsets[i].topic, topic) == 0)
			return f->offsets[i].maxt[partition];
	return 0;
}

/*
 * Sets the watermark's ceiling and moves the watermark up to the latest
 * event time under it; it never moves back.
 */
void
fold_hold(struct fold *f, int64_t hold_ms)
{
	int64_t	wm = f->latest_ms < hold_ms ? f->latest_ms : hold_ms;

	f->hold_ms = hold_ms;
	if (wm > f->watermark_ms)
		f->watermark_ms = wm;
}

/* The next offset to read, or -1 when nothing of it is folded in. */
int64_t
fold_offset_next(const struct fold *f, const char *topic, int32_t partition)
{
	int	i;

	if (partition < 0 || partition >= FOLD_PARTITIONS_MAX)
		return -1;
	for (i = 0; i < 2; i++)
		if (strcmp(f->offsets[i].topic, topic) == 0)
			return f->offsets[i].next[partition];
	return -1;
}

/* The newest open window of width w, or NULL when none is open. */
const struct agg *
fold_current(const struct fold *f, enum window_width w)
{
	const struct agg	*best = NULL;
	size_t			 i;

	for (i = 0; i < f->nopen[w]; i++)
		if (best == NULL || f->open[w][i].start_ms > best->start_ms)
			best = &f->open[w][i];
	return best;
}

/*
 * The open complaints by status and by age at the watermark: under 1
 * hour, under 24 hours, under 72 hours, older.
 */
void
fold_backlog(const struct fold *f, uint64_t by_status[AGG_STATUSES],
    uint64_t by_age[4])
{
	static const int64_t	 limits[3] = { 3600000LL, 86400000LL,
	    3 * 86400000LL };
	struct fold_complaint	*c;
	size_t			 i, a;

	memset(by_status, 0, AGG_STATUSES * sizeof(by_status[0]));
	memset(by_age, 0, 4 * sizeof(by_age[0]));
	for (i = 0; i < f->tablesz; i++)
		for (c = f->table[i]; c != NULL; c = c->next) {
			if (c->done || c->filed_ms == 0)
				continue;
			by_status[IDX(c->status, AGG_STATUSES)]++;
			for (a = 0; a < 3 && f->watermark_ms - c->filed_ms >=
			    limits[a]; a++)
				;
			by_age[a]++;
		}
}
