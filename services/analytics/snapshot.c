/*
 * The AnalyticsSnapshot of one window, for analytics.complaints. The
 * message points into a buffer that owns every sub-message and array, so
 * one snapshot_buf_free() releases it all.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics.h"
#include "vocab.h"
#include "xmalloc.h"

#define SNAP_HOT_MAX	(AGG_NHOT * TOPK_MAX)

struct snapshot_buf {
	Cdp__V1__AnalyticsSnapshot	 s;
	Cdp__V1__ChannelCount		 ch[AGG_CHANNELS], *pch[AGG_CHANNELS];
	Cdp__V1__CategoryCount		 cat[AGG_CATEGORIES];
	Cdp__V1__CategoryCount		*pcat[AGG_CATEGORIES];
	Cdp__V1__SeverityCount		 sev[AGG_SEVERITIES];
	Cdp__V1__SeverityCount		*psev[AGG_SEVERITIES];
	Cdp__V1__TeamCount		 team[AGG_TEAMS], *pteam[AGG_TEAMS];
	Cdp__V1__HotSpot		 hot[SNAP_HOT_MAX], *phot[SNAP_HOT_MAX];
	Cdp__V1__DurationStats		 dur[AGG_NDURATIONS];
	Cdp__V1__SlaCompliance		 sla[AGG_CLOCKS], *psla[AGG_CLOCKS];
	Cdp__V1__SeveritySla		 ssla[AGG_SEVERITIES];
	Cdp__V1__SeveritySla		*pssla[AGG_SEVERITIES];
	Cdp__V1__RatingGroup		 rt[AGG_TEAMS], *prt[AGG_TEAMS];
	Cdp__V1__RatingGroup		 rc[AGG_CATEGORIES];
	Cdp__V1__RatingGroup		*prc[AGG_CATEGORIES];
	uint64_t			 dist[5];
	char				 window[8];
	struct topk_entry		 sorted[AGG_NHOT][TOPK_MAX];
	struct topk_entry		 subs[TOPK_MAX];
	Cdp__V1__SubcategoryCount	 sub[TOPK_MAX], *psub[TOPK_MAX];
};

/* "1m:<start>:<end>": the window's width and bounds. */
void
snapshot_key(const struct agg *a, const char *window, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%lld:%lld", window, (long long)a->start_ms,
	    (long long)a->end_ms);
}

static void
snapshot_counts(struct snapshot_buf *b, const struct agg *a)
{
	Cdp__V1__AnalyticsSnapshot	*s = &b->s;
	size_t				 i;

	for (i = 0; i < AGG_CHANNELS; i++)
		if (a->by_channel[i] != 0) {
			cdp__v1__channel_count__init(&b->ch[s->n_by_channel]);
			b->ch[s->n_by_channel].channel = i;
			b->ch[s->n_by_channel].count = a->by_channel[i];
			b->pch[s->n_by_channel] = &b->ch[s->n_by_channel];
			s->n_by_channel++;
		}
	for (i = 0; i < AGG_CATEGORIES; i++)
		if (a->by_category[i] != 0) {
			cdp__v1__category_count__init(&b->cat[s->n_by_category]);
			b->cat[s->n_by_category].category = i;
			b->cat[s->n_by_category].count = a->by_category[i];
			b->pcat[s->n_by_category] = &b->cat[s->n_by_category];
			s->n_by_category++;
		}
	for (i = 0; i < AGG_SEVERITIES; i++)
		if (a->by_severity[i] != 0) {
			cdp__v1__severity_count__init(&b->sev[s->n_by_severity]);
			b->sev[s->n_by_severity].severity = i;
			b->sev[s->n_by_severity].count = a->by_severity[i];
			b->psev[s->n_by_severity] = &b->sev[s->n_by_severity];
			s->n_by_severity++;
		}
	for (i = 0; i < AGG_TEAMS; i++)
		if (a->by_team[i] != 0) {
			cdp__v1__team_count__init(&b->team[s->n_by_team]);
			b->team[s->n_by_team].team = i;
			b->team[s->n_by_team].count = a->by_team[i];
			b->pteam[s->n_by_team] = &b->team[s->n_by_team];
			s->n_by_team++;
		}
	s->by_channel = b->pch;
	s->by_category = b->pcat;
	s->by_severity = b->psev;
	s->by_team = b->pteam;
}

static bool
snapshot_spiked(const struct agg *a, enum agg_hot d, const char *key,
    double *baseline)
{
	size_t	i;

	for (i = 0; i < a->nspikes; i++)
		if (a->spikes[i].dim == d && strcmp(a->spikes[i].key, key) == 0) {
			*baseline = a->spikes[i].baseline;
			return true;
		}
	return false;
}

static void
snapshot_hot_one(struct snapshot_buf *b, const struct agg *a, enum agg_hot d,
    const struct topk_entry *e)
{
	Cdp__V1__HotSpot	*h = &b->hot[b->s.n_hot_spots];
	int			 v;

	cdp__v1__hot_spot__init(h);
	h->merchant_id = d == AGG_HOT_MERCHANT ? (char *)e->key : "";
	h->sku = d == AGG_HOT_SKU ? (char *)e->key : "";
	h->carrier = d == AGG_HOT_CARRIER ? (char *)e->key : "";
	if (d == AGG_HOT_CATEGORY && vocab_value(
	    &cdp__v1__category__descriptor, e->key, &v) == 0)
		h->category = v;
	h->count = e->count;
	h->error = e->err;
	h->spike = snapshot_spiked(a, d, e->key, &h->baseline);
	b->phot[b->s.n_hot_spots++] = h;
}

/* Hot spots of every dimension, largest first within a dimension. */
static void
snapshot_hot(struct snapshot_buf *b, const struct agg *a,
    struct topk_entry sorted[AGG_NHOT][TOPK_MAX])
{
	size_t	d, i, n;

	for (d = 0; d < AGG_NHOT; d++) {
		n = topk_sorted(&a->hot[d], sorted[d]);
		for (i = 0; i < n; i++)
			snapshot_hot_one(b, a, d, &sorted[d][i]);
	}
	b->s.hot_spots = b->phot;
}

static void
snapshot_subcategories(struct snapshot_buf *b, const struct agg *a)
{
	size_t	i, n = topk_sorted(&a->by_subcategory, b->subs);

	for (i = 0; i < n; i++) {
		cdp__v1__subcategory_count__init(&b->sub[i]);
		b->sub[i].subcategory = b->subs[i].key;
		b->sub[i].count = b->subs[i].count;
		b->sub[i].error = b->subs[i].err;
		b->psub[i] = &b->sub[i];
	}
	b->s.n_by_subcategory = n;
	b->s.by_subcategory = b->psub;
}

static void
snapshot_durations(struct snapshot_buf *b, const struct agg *a)
{
	const struct hist	*h;
	size_t			 i;

	for (i = 0; i < AGG_NDURATIONS; i++) {
		h = &a->durations[i];
		cdp__v1__duration_stats__init(&b->dur[i]);
		b->dur[i].count = h->count;
		b->dur[i].p50_ms = llround(hist_quantile(h, 0.50));
		b->dur[i].p90_ms = llround(hist_quantile(h, 0.90));
		b->dur[i].p95_ms = llround(hist_quantile(h, 0.95));
		b->dur[i].p99_ms = llround(hist_quantile(h, 0.99));
		b->dur[i].max_ms = h->max;
	}
	b->s.first_contact_time = &b->dur[AGG_FIRST_CONTACT];
	b->s.decision_time = &b->dur[AGG_DECISION];
	b->s.resolution_time = &b->dur[AGG_RESOLUTION];
	b->s.close_time = &b->dur[AGG_CLOSE];
}

static void
snapshot_sla(struct snapshot_buf *b, const struct agg *a)
{
	Cdp__V1__AnalyticsSnapshot	*s = &b->s;
	const struct agg_sla		*x;
	size_t				 i;

	for (i = 1; i < AGG_CLOCKS; i++) {
		x = &a->sla_clock[i];
		if ((x->met | x->breached | x->warnings) == 0)
			continue;
		cdp__v1__sla_compliance__init(&b->sla[s->n_sla_compliance]);
		b->sla[s->n_sla_compliance].clock = i;
		b->sla[s->n_sla_compliance].met = x->met;
		b->sla[s->n_sla_compliance].breached = x->breached;
		b->sla[s->n_sla_compliance].warnings = x->warnings;
		b->psla[s->n_sla_compliance] = &b->sla[s->n_sla_compliance];
		s->n_sla_compliance++;
	}
	for (i = 1; i < AGG_SEVERITIES; i++) {
		x = &a->sla_severity[i];
		if ((x->met | x->breached | x->warnings) == 0)
			continue;
		cdp__v1__severity_sla__init(&b->ssla[s->n_sla_by_severity]);
		b->ssla[s->n_sla_by_severity].severity = i;
		b->ssla[s->n_sla_by_severity].met = x->met;
		b->ssla[s->n_sla_by_severity].breached = x->breached;
		b->ssla[s->n_sla_by_severity].warnings = x->warnings;
		b->pssla[s->n_sla_by_severity] = &b->ssla[s->n_sla_by_severity];
		s->n_sla_by_severity++;
	}
	s->sla_compliance = b->psla;
	s->sla_by_severity = b->pssla;
	s->ordinary_answered = a->ordinary_answered;
	s->ordinary_answered_within_24h = a->ordinary_within_24h;
}

static void
snapshot_ratings(struct snapshot_buf *b, const struct agg *a)
{
	Cdp__V1__AnalyticsSnapshot	*s = &b->s;
	size_t				 i;

	for (i = 1; i <= 5; i++) {
		b->dist[i - 1] = a->ratings[i];
		s->satisfaction_count += a->ratings[i];
		s->satisfaction_sum += i * a->ratings[i];
	}
	s->n_satisfaction_distribution = 5;
	s->satisfaction_distribution = b->dist;
	for (i = 0; i < AGG_TEAMS; i++)
		if (a->rating_team[i].count != 0) {
			cdp__v1__rating_group__init(&b->rt[
			    s->n_satisfaction_by_team]);
			b->rt[s->n_satisfaction_by_team].team = i;
			b->rt[s->n_satisfaction_by_team].count =
			    a->rating_team[i].count;
			b->rt[s->n_satisfaction_by_team].sum =
			    a->rating_team[i].sum;
			b->prt[s->n_satisfaction_by_team] =
			    &b->rt[s->n_satisfaction_by_team];
			s->n_satisfaction_by_team++;
		}
	for (i = 0; i < AGG_CATEGORIES; i++)
		if (a->rating_category[i].count != 0) {
			cdp__v1__rating_group__init(&b->rc[
			    s->n_satisfaction_by_category]);
			b->rc[s->n_satisfaction_by_category].category = i;
			b->rc[s->n_satisfaction_by_category].count =
			    a->rating_category[i].count;
			b->rc[s->n_satisfaction_by_category].sum =
			    a->rating_category[i].sum;
			b->prc[s->n_satisfaction_by_category] =
			    &b->rc[s->n_satisfaction_by_category];
			s->n_satisfaction_by_category++;
		}
	s->satisfaction_by_team = b->prt;
	s->satisfaction_by_category = b->prc;
}

static void
snapshot_scalars(Cdp__V1__AnalyticsSnapshot *s, const struct agg *a)
{
	s->window_start_ms = a->start_ms;
	s->window_end_ms = a->end_ms;
	s->final = a->closed;
	s->events = a->events;
	s->filed = a->filed;
	s->proactive_opened = a->proactive;
	s->out_of_scope = a->out_of_scope;
	s->closed = a->closed_n;
	s->reopened = a->reopened;
	s->compensations_issued = a->compensations;
	s->compensation_total_fen = a->compensation_fen;
	s->escalations = a->escalations;
	s->penalties_applied = a->penalties;
	s->penalty_points = a->penalty_points;
	s->penalties_reversed = a->penalties_reversed;
	s->standing_changes = a->standing_changes;
	s->sampled_for_audit = a->sampled_for_audit;
}

/*
 * Builds the snapshot of a (without its meta, which the caller sets);
 * *out points into the returned buffer, which copies what it needs of a,
 * so a need not outlive it.
 */
struct snapshot_buf *
snapshot_build(const struct agg *a, const char *window,
    Cdp__V1__AnalyticsSnapshot **out)
{
	struct snapshot_buf	*b = xcalloc(1, sizeof(*b));

	cdp__v1__analytics_snapshot__init(&b->s);
	snprintf(b->window, sizeof(b->window), "%s", window);
	b->s.window = b->window;
	snapshot_scalars(&b->s, a);
	snapshot_counts(b, a);
	snapshot_hot(b, a, b->sorted);
	snapshot_subcategories(b, a);
	snapshot_durations(b, a);
	snapshot_sla(b, a);
	snapshot_ratings(b, a);
	*out = &b->s;
	return b;
}

void
snapshot_buf_free(struct snapshot_buf *b)
{
	free(b);
}
