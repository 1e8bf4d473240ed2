/*
 * GET /v1/analytics/summary as JSON: the current window of the asked
 * width, the last closed one, the running totals and the open backlog.
 * Enum values go by their public names (common/vocab.c); ratios and
 * percentiles are derived here from the sums and histograms.
 */
#include <math.h>
#include <string.h>

#include "analytics.h"
#include "vocab.h"

#define SUMMARY_ORDINARY_TARGET	0.95

static double
summary_ratio(uint64_t part, uint64_t whole)
{
	return whole == 0 ? 0.0 : (double)part / (double)whole;
}

/* {name: count} for the non-zero counts of an enum-indexed array. */
static json_t *
summary_counts(const ProtobufCEnumDescriptor *d, const uint64_t *v, size_t n)
{
	json_t	*o = json_object();
	char	 name[64];
	size_t	 i;

	for (i = 0; i < n; i++)
		if (v[i] != 0 && vocab_name(d, (int)i, name, sizeof(name)))
			json_object_set_new(o, name, json_integer(
			    (json_int_t)v[i]));
		else if (v[i] != 0)
			json_object_set_new(o, "unspecified", json_integer(
			    (json_int_t)v[i]));
	return o;
}

static json_t *
summary_hist(const struct hist *h)
{
	return json_pack("{sIsIsIsIsI}", "count", (json_int_t)h->count,
	    "p50", (json_int_t)llround(hist_quantile(h, 0.50)),
	    "p90", (json_int_t)llround(hist_quantile(h, 0.90)),
	    "p99", (json_int_t)llround(hist_quantile(h, 0.99)),
	    "max", (json_int_t)h->max);
}

static json_t *
summary_sla_one(const struct agg_sla *s)
{
	return json_pack("{sIsIsIsf}", "met", (json_int_t)s->met, "breached",
	    (json_int_t)s->breached, "warnings", (json_int_t)s->warnings,
	    "share_met", summary_ratio(s->met, s->met + s->breached));
}

static json_t *
summary_sla_of(const ProtobufCEnumDescriptor *d, const struct agg_sla *s,
    size_t n)
{
	json_t	*o = json_object();
	char	 name[64];
	size_t	 i;

	for (i = 1; i < n; i++)
		if ((s[i].met | s[i].breached | s[i].warnings) != 0 &&
		    vocab_name(d, (int)i, name, sizeof(name)))
			json_object_set_new(o, name, summary_sla_one(&s[i]));
	return o;
}

static json_t *
summary_sla(const struct agg *a)
{
	double	share = summary_ratio(a->ordinary_within_24h,
	    a->ordinary_answered);

	return json_pack("{sosos{sIsIsfsfsb}}",
	    "by_clock", summary_sla_of(&cdp__v1__sla_clock__descriptor,
	    a->sla_clock, AGG_CLOCKS),
	    "by_severity", summary_sla_of(&cdp__v1__severity__descriptor,
	    a->sla_severity, AGG_SEVERITIES),
	    "ordinary_answered_24h",
	    "answered", (json_int_t)a->ordinary_answered,
	    "within_24h", (json_int_t)a->ordinary_within_24h,
	    "share", share, "target", SUMMARY_ORDINARY_TARGET,
	    "target_met", a->ordinary_answered > 0 &&
	    share >= SUMMARY_ORDINARY_TARGET);
}

static json_t *
summary_ratings(const ProtobufCEnumDescriptor *d, const struct agg_rating *r,
    size_t n)
{
	json_t	*o = json_object();
	char	 name[64];
	size_t	 i;

	for (i = 0; i < n; i++)
		if (r[i].count != 0 && vocab_name(d, (int)i, name,
		    sizeof(name)))
			json_object_set_new(o, name, json_pack("{sIsf}",
			    "count", (json_int_t)r[i].count, "mean",
			    summary_ratio(r[i].sum, r[i].count)));
	return o;
}

static json_t *
summary_satisfaction(const struct agg *a)
{
	uint64_t	n = 0, sum = 0;
	json_t		*dist = json_array();
	int		 i;

	for (i = 1; i <= 5; i++) {
		n += a->ratings[i];
		sum += (uint64_t)i * a->ratings[i];
		json_array_append_new(dist, json_integer(
		    (json_int_t)a->ratings[i]));
	}
	return json_pack("{sIsfsososo}", "count", (json_int_t)n, "mean",
	    summary_ratio(sum, n), "distribution", dist,
	    "by_team", summary_ratings(&cdp__v1__team__descriptor,
	    a->rating_team, AGG_TEAMS),
	    "by_category", summary_ratings(&cdp__v1__category__descriptor,
	    a->rating_category, AGG_CATEGORIES));
}

static json_t *
summary_topk(const struct topk *t)
{
	struct topk_entry	 e[TOPK_MAX];
	json_t			*a = json_array();
	size_t			 i, n = topk_sorted(t, e);

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{sssIsI}", "key", e[i].key,
		    "count", (json_int_t)e[i].count, "error",
		    (json_int_t)e[i].err));
	return a;
}

static json_t *
summary_hot(const struct agg *a)
{
	json_t	*o = json_object(), *s = json_array();
	size_t	 i;

	for (i = 0; i < AGG_NHOT; i++)
		json_object_set_new(o, agg_hot_name(i),
		    summary_topk(&a->hot[i]));
	for (i = 0; i < a->nspikes; i++)
		json_array_append_new(s, json_pack("{sssssIsf}", "dimension",
		    agg_hot_name(a->spikes[i].dim), "key", a->spikes[i].key,
		    "count", (json_int_t)a->spikes[i].count, "baseline",
		    a->spikes[i].baseline));
	json_object_set_new(o, "spikes", s);
	return o;
}

static json_t *
summary_volume(const struct agg *a)
{
	return json_pack("{sIsIsIsIsfsIsIsososososo}",
	    "filed", (json_int_t)a->filed,
	    "proactive", (json_int_t)a->proactive,
	    "customer_filed", (json_int_t)(a->filed - a->proactive),
	    "out_of_scope", (json_int_t)a->out_of_scope,
	    "out_of_scope_share", summary_ratio(a->out_of_scope, a->filed),
	    "closed", (json_int_t)a->closed_n,
	    "reopened", (json_int_t)a->reopened,
	    "by_channel", summary_counts(&cdp__v1__channel__descriptor,
	    a->by_channel, AGG_CHANNELS),
	    "by_category", summary_counts(&cdp__v1__category__descriptor,
	    a->by_category, AGG_CATEGORIES),
	    "by_severity", summary_counts(&cdp__v1__severity__descriptor,
	    a->by_severity, AGG_SEVERITIES),
	    "by_team", summary_counts(&cdp__v1__team__descriptor,
	    a->by_team, AGG_TEAMS),
	    "by_subcategory", summary_topk(&a->by_subcategory));
}

/* One window's (or the totals') figures. */
json_t *
summary_agg(const struct agg *a)
{
	json_t	*h = json_object();
	size_t	 i;

	for (i = 0; i < AGG_NDURATIONS; i++)
		json_object_set_new(h, agg_duration_name(i),
		    summary_hist(&a->durations[i]));
	return json_pack("{sIsIsbsIsososososIsIsIsIsIsIsoso}",
	    "start_ms", (json_int_t)a->start_ms,
	    "end_ms", (json_int_t)a->end_ms, "final", a->closed,
	    "events", (json_int_t)a->events,
	    "volume", summary_volume(a), "handling_ms", h,
	    "sla", summary_sla(a),
	    "compensation", json_pack("{sIsI}", "count",
	    (json_int_t)a->compensations, "total_fen",
	    (json_int_t)a->compensation_fen),
	    "escalations", (json_int_t)a->escalations,
	    "penalties", (json_int_t)a->penalties,
	    "penalty_points", (json_int_t)a->penalty_points,
	    "penalties_reversed", (json_int_t)a->penalties_reversed,
	    "standing_changes", (json_int_t)a->standing_changes,
	    "sampled_for_audit", (json_int_t)a->sampled_for_audit,
	    "satisfaction", summary_satisfaction(a),
	    "hot_spots", summary_hot(a));
}

static json_t *
summary_backlog(const struct fold *f)
{
	uint64_t	by_status[AGG_STATUSES], by_age[4], open = 0;
	size_t		i;

	fold_backlog(f, by_status, by_age);
	for (i = 0; i < AGG_STATUSES; i++)
		open += by_status[i];
	return json_pack("{sIsos{sIsIsIsI}}", "open", (json_int_t)open,
	    "by_status", summary_counts(
	    &cdp__v1__complaint_status__descriptor, by_status, AGG_STATUSES),
	    "by_age", "under_1h", (json_int_t)by_age[0],
	    "under_24h", (json_int_t)by_age[1],
	    "under_72h", (json_int_t)by_age[2],
	    "older", (json_int_t)by_age[3]);
}

/* The whole answer for width w; the caller owns it. */
json_t *
summary_build(const struct fold *f, enum window_width w)
{
	const struct agg	*cur = fold_current(f, w);

	return json_pack("{sssIsIsosososo}", "window", window_name(w),
	    "watermark_ms", (json_int_t)f->watermark_ms,
	    "late_events", (json_int_t)f->late,
	    "current", cur != NULL ? summary_agg(cur) : json_null(),
	    "previous", f->last[w].closed ? summary_agg(&f->last[w]) :
	    json_null(),
	    "totals", summary_agg(&f->totals),
	    "backlog", summary_backlog(f));
}
