/*
 * The figures on /metrics as gauges, set from the fold on every tick:
 * scope="total" for the running totals and scope="1m"|"1h"|"1d" for the
 * current window of each width. Enum-labelled gauges are set for every
 * value (zeros included) so a series never keeps a stale figure; hot-spot
 * series change keys, so the previous tick's are removed first.
 */
#include <stdio.h>
#include <string.h>

#include "analytics.h"
#include "metrics.h"
#include "nitems.h"
#include "vocab.h"

#define GAUGES_HOT_MAX	(4 * AGG_NHOT * 5)

static struct metric	*gauges_hot[GAUGES_HOT_MAX];
static size_t		 gauges_nhot;

static void
gauges_set(const char *name, const char *help, const char *labels, double v)
{
	metrics_set(metrics_gauge(name, help, labels), v);
}

static void
gauges_enum(const char *name, const char *help, const char *scope,
    const char *label, const ProtobufCEnumDescriptor *d, const uint64_t *v,
    size_t n)
{
	char	value[64], labels[256];
	size_t	i;

	for (i = 1; i < n; i++) {
		if (!vocab_name(d, (int)i, value, sizeof(value)))
			continue;
		metrics_labels(labels, sizeof(labels), "scope", scope, label,
		    value, NULL);
		gauges_set(name, help, labels, (double)v[i]);
	}
}

static void
gauges_durations(const char *scope, const struct agg *a)
{
	static const double	qs[3] = { 0.5, 0.9, 0.99 };
	static const char *const qn[3] = { "0.5", "0.9", "0.99" };
	char			 labels[256];
	size_t			 i, k;

	for (i = 0; i < AGG_NDURATIONS; i++)
		for (k = 0; k < 3; k++) {
			metrics_labels(labels, sizeof(labels), "scope", scope,
			    "stage", agg_duration_name(i), "quantile", qn[k], NULL);
			gauges_set("analytics_handling_time_seconds",
			    "Filing to each stage, percentiles.", labels,
			    hist_quantile(&a->durations[i], qs[k]) / 1000.0);
		}
}

static void
gauges_sla(const char *scope, const struct agg *a)
{
	uint64_t	met[AGG_CLOCKS], br[AGG_CLOCKS], wa[AGG_CLOCKS];
	char		labels[128];
	size_t		i;

	for (i = 0; i < AGG_CLOCKS; i++) {
		met[i] = a->sla_clock[i].met;
		br[i] = a->sla_clock[i].breached;
		wa[i] = a->sla_clock[i].warnings;
	}
	gauges_enum("analytics_sla_met", "SLA clocks met.", scope, "clock",
	    &cdp__v1__sla_clock__descriptor, met, AGG_CLOCKS);
	gauges_enum("analytics_sla_breached", "SLA clocks breached.", scope,
	    "clock", &cdp__v1__sla_clock__descriptor, br, AGG_CLOCKS);
	gauges_enum("analytics_sla_warnings", "SLA warnings.", scope, "clock",
	    &cdp__v1__sla_clock__descriptor, wa, AGG_CLOCKS);
	metrics_labels(labels, sizeof(labels), "scope", scope, NULL);
	gauges_set("analytics_ordinary_answered_24h_ratio",
	    "Share of ordinary complaints first contacted within 24 h "
	    "(target 0.95).", labels, a->ordinary_answered == 0 ? 0 :
	    (double)a->ordinary_within_24h / (double)a->ordinary_answered);
}

static void
gauges_hot_spots(const char *scope, const struct agg *a)
{
	struct topk_entry	e[TOPK_MAX];
	char			labels[256];
	size_t			d, i, n;

	for (d = 0; d < AGG_NHOT; d++) {
		n = topk_sorted(&a->hot[d], e);
		for (i = 0; i < n && i < 5 && gauges_nhot < GAUGES_HOT_MAX;
		    i++) {
			metrics_labels(labels, sizeof(labels), "scope", scope,
			    "dimension", agg_hot_name(d), "key", e[i].key,
			    NULL);
			gauges_hot[gauges_nhot] = metrics_gauge(
			    "analytics_hot_spot_complaints",
			    "Top complaint counts by merchant, SKU, category, "
			    "carrier.", labels);
			metrics_set(gauges_hot[gauges_nhot++], (double)e[i].count);
		}
	}
}

static void
gauges_scalars(const char *scope, const struct agg *a)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} scalars[] = {
		{ "analytics_complaints_filed", offsetof(struct agg, filed) },
		{ "analytics_complaints_proactive",
		    offsetof(struct agg, proactive) },
		{ "analytics_complaints_out_of_scope",
		    offsetof(struct agg, out_of_scope) },
		{ "analytics_complaints_closed", offsetof(struct agg, closed_n) },
		{ "analytics_compensations", offsetof(struct agg, compensations) },
		{ "analytics_escalations", offsetof(struct agg, escalations) },
		{ "analytics_penalties", offsetof(struct agg, penalties) },
		{ "analytics_standing_changes",
		    offsetof(struct agg, standing_changes) },
		{ "analytics_sampled_for_audit",
		    offsetof(struct agg, sampled_for_audit) },
	};
	char		labels[128];
	uint64_t	v;
	size_t		i;

	metrics_labels(labels, sizeof(labels), "scope", scope, NULL);
	for (i = 0; i < nitems(scalars); i++) {
		memcpy(&v, (const char *)a + scalars[i].off, sizeof(v));
		gauges_set(scalars[i].name, "A figure of the analytics summary.",
		    labels, (double)v);
	}
	gauges_set("analytics_compensation_fen", "Compensation issued, fen.",
	    labels, (double)a->compensation_fen);
	gauges_set("analytics_satisfaction_ratings", "Satisfaction ratings.",
	    labels, (double)(a->ratings[1] + a->ratings[2] + a->ratings[3] +
	    a->ratings[4] + a->ratings[5]));
}

static void
gauges_agg(const char *scope, const struct agg *a)
{
	struct agg	empty;

	if (a == NULL) {
		agg_init(&empty, 0, 0);
		a = &empty;
	}
	gauges_scalars(scope, a);
	gauges_enum("analytics_complaints_by_category", "Complaints by "
	    "category.", scope, "category", &cdp__v1__category__descriptor,
	    a->by_category, AGG_CATEGORIES);
	gauges_enum("analytics_complaints_by_channel", "Complaints by "
	    "channel.", scope, "channel", &cdp__v1__channel__descriptor,
	    a->by_channel, AGG_CHANNELS);
	gauges_enum("analytics_complaints_by_severity", "Complaints by "
	    "severity.", scope, "severity", &cdp__v1__severity__descriptor,
	    a->by_severity, AGG_SEVERITIES);
	gauges_enum("analytics_complaints_by_team", "Complaints by lead "
	    "team.", scope, "team", &cdp__v1__team__descriptor, a->by_team,
	    AGG_TEAMS);
	gauges_durations(scope, a);
	gauges_sla(scope, a);
	gauges_hot_spots(scope, a);
}

static void
gauges_age(const uint64_t by_age[4])
{
	static const char *const ages[4] = {
		"under_1h", "under_24h", "under_72h", "older",
	};
	char	labels[64];
	size_t	i;

	for (i = 0; i < 4; i++) {
		metrics_labels(labels, sizeof(labels), "age", ages[i], NULL);
		gauges_set("analytics_backlog_by_age", "Open complaints by age "
		    "at the watermark.", labels, (double)by_age[i]);
	}
}

void
gauges_update(const struct analytics *a)
{
	uint64_t	by_status[AGG_STATUSES], by_age[4];
	size_t		i;
	int		w;

	for (i = 0; i < gauges_nhot; i++)
		metrics_remove(gauges_hot[i]);
	gauges_nhot = 0;
	gauges_agg("total", &a->fold->totals);
	for (w = 0; w < WINDOW_NWIDTHS; w++)
		gauges_agg(window_name(w), fold_current(a->fold, w));
	fold_backlog(a->fold, by_status, by_age);
	gauges_enum("analytics_backlog_open", "Open complaints by status.",
	    "now", "status", &cdp__v1__complaint_status__descriptor,
	    by_status, AGG_STATUSES);
	gauges_age(by_age);
	gauges_set("analytics_watermark_seconds", "Latest event time folded.",
	    "", (double)a->fold->watermark_ms / 1000.0);
	gauges_set("analytics_late_events", "Events behind a closed window.",
	    "", (double)a->fold->late);
}
