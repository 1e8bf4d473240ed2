/*
 * The figures of one window: counts kept as sums, durations in
 * histograms, hot spots in Space-Saving counters. The checkpoint encodes
 * them field by field through the tables below, so a field added to the
 * struct is added to a table once.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "analytics.h"
#include "nitems.h"

#define AGG_U64(f)	{ #f, offsetof(struct agg, f) }

static const struct {
	const char	*name;
	size_t		 off;
} agg_scalars[] = {
	AGG_U64(events), AGG_U64(filed), AGG_U64(proactive),
	AGG_U64(out_of_scope), AGG_U64(closed_n), AGG_U64(reopened),
	AGG_U64(ordinary_answered), AGG_U64(ordinary_within_24h),
	AGG_U64(compensations), AGG_U64(compensation_fen),
	AGG_U64(escalations), AGG_U64(penalties), AGG_U64(penalty_points),
	AGG_U64(penalties_reversed), AGG_U64(standing_changes),
	AGG_U64(sampled_for_audit),
};

static const struct {
	const char	*name;
	size_t		 off;
	size_t		 n;
} agg_arrays[] = {
	{ "by_channel", offsetof(struct agg, by_channel), AGG_CHANNELS },
	{ "by_category", offsetof(struct agg, by_category), AGG_CATEGORIES },
	{ "by_severity", offsetof(struct agg, by_severity), AGG_SEVERITIES },
	{ "by_team", offsetof(struct agg, by_team), AGG_TEAMS },
	{ "sla_clock", offsetof(struct agg, sla_clock), 3 * AGG_CLOCKS },
	{ "sla_severity", offsetof(struct agg, sla_severity),
	    3 * AGG_SEVERITIES },
	{ "ratings", offsetof(struct agg, ratings), 6 },
	{ "rating_team", offsetof(struct agg, rating_team), 2 * AGG_TEAMS },
	{ "rating_category", offsetof(struct agg, rating_category),
	    2 * AGG_CATEGORIES },
};

#define NSCALARS	(nitems(agg_scalars))
#define NARRAYS		(nitems(agg_arrays))

static const char *const agg_hot_names[AGG_NHOT] = {
	"merchant", "sku", "category", "carrier",
};

static const char *const agg_duration_names[AGG_NDURATIONS] = {
	"first_contact", "decision", "resolution", "close",
};

void
agg_init(struct agg *a, int64_t start_ms, int64_t end_ms)
{
	int	i;

	memset(a, 0, sizeof(*a));
	a->start_ms = start_ms;
	a->end_ms = end_ms;
	topk_init(&a->by_subcategory);
	for (i = 0; i < AGG_NDURATIONS; i++)
		hist_init(&a->durations[i]);
	for (i = 0; i < AGG_NHOT; i++)
		topk_init(&a->hot[i]);
}

const char *
agg_hot_name(enum agg_hot d)
{
	return agg_hot_names[d];
}

/* The stage a handling time runs to, as the summary and metrics name it. */
const char *
agg_duration_name(enum agg_duration d)
{
	return agg_duration_names[d];
}

static json_t *
agg_u64_array(const uint64_t *v, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

static json_t *
agg_encode_spikes(const struct agg *a)
{
	json_t	*s = json_array();
	size_t	 i;

	for (i = 0; i < a->nspikes; i++)
		json_array_append_new(s, json_pack("[isIf]", a->spikes[i].dim,
		    a->spikes[i].key, (json_int_t)a->spikes[i].count,
		    a->spikes[i].baseline));
	return s;
}

json_t *
agg_encode(const struct agg *a)
{
	json_t		*j = json_object(), *d = json_array(), *h = json_array();
	json_int_t	 v;
	size_t		 i;

	json_object_set_new(j, "start", json_integer(a->start_ms));
	json_object_set_new(j, "end", json_integer(a->end_ms));
	json_object_set_new(j, "closed", json_boolean(a->closed));
	json_object_set_new(j, "sent", json_boolean(a->sent));
	for (i = 0; i < NSCALARS; i++) {
		memcpy(&v, (const char *)a + agg_scalars[i].off, sizeof(v));
		json_object_set_new(j, agg_scalars[i].name, json_integer(v));
	}
	for (i = 0; i < NARRAYS; i++)
		json_object_set_new(j, agg_arrays[i].name, agg_u64_array(
		    (const uint64_t *)((const char *)a + agg_arrays[i].off),
		    agg_arrays[i].n));
	json_object_set_new(j, "subcategory", topk_encode(&a->by_subcategory));
	for (i = 0; i < AGG_NDURATIONS; i++)
		json_array_append_new(d, hist_encode(&a->durations[i]));
	json_object_set_new(j, "durations", d);
	for (i = 0; i < AGG_NHOT; i++)
		json_array_append_new(h, topk_encode(&a->hot[i]));
	json_object_set_new(j, "hot", h);
	json_object_set_new(j, "spikes", agg_encode_spikes(a));
	return j;
}

static int
agg_decode_array(const json_t *j, uint64_t *v, size_t n)
{
	size_t	i;

	if (!json_is_array(j) || json_array_size(j) != n)
		return -1;
	for (i = 0; i < n; i++)
		v[i] = (uint64_t)json_integer_value(json_array_get(j, i));
	return 0;
}

static int
agg_decode_spikes(const json_t *j, struct agg *a)
{
	struct agg_spike	*s;
	const char		*key;
	json_int_t		 count;
	json_t			*v;
	size_t			 i;
	int			 dim;

	if (!json_is_array(j) || json_array_size(j) > AGG_SPIKES_MAX)
		return -1;
	json_array_foreach(j, i, v) {
		s = &a->spikes[a->nspikes++];
		if (json_unpack(v, "[isIF]", &dim, &key, &count,
		    &s->baseline) == -1 || dim < 0 || dim >= AGG_NHOT)
			return -1;
		s->dim = (enum agg_hot)dim;
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->count = (uint64_t)count;
	}
	return 0;
}

static int
agg_decode_parts(const json_t *j, struct agg *a)
{
	json_t	*d = json_object_get(j, "durations"), *h;
	size_t	 i;

	h = json_object_get(j, "hot");
	if (topk_decode(json_object_get(j, "subcategory"),
	    &a->by_subcategory) == -1 || json_array_size(d) != AGG_NDURATIONS ||
	    json_array_size(h) != AGG_NHOT)
		return -1;
	for (i = 0; i < AGG_NDURATIONS; i++)
		if (hist_decode(json_array_get(d, i), &a->durations[i]) == -1)
			return -1;
	for (i = 0; i < AGG_NHOT; i++)
		if (topk_decode(json_array_get(h, i), &a->hot[i]) == -1)
			return -1;
	return agg_decode_spikes(json_object_get(j, "spikes"), a);
}

int
agg_decode(const json_t *j, struct agg *a)
{
	json_int_t	 n;
	json_t		*v;
	size_t		 i;

	agg_init(a, json_integer_value(json_object_get(j, "start")),
	    json_integer_value(json_object_get(j, "end")));
	a->closed = json_is_true(json_object_get(j, "closed"));
	a->sent = json_is_true(json_object_get(j, "sent"));
	for (i = 0; i < NSCALARS; i++) {
		if (!json_is_integer(v = json_object_get(j,
		    agg_scalars[i].name)))
			return -1;
		n = json_integer_value(v);
		memcpy((char *)a + agg_scalars[i].off, &n, sizeof(n));
	}
	for (i = 0; i < NARRAYS; i++)
		if (agg_decode_array(json_object_get(j, agg_arrays[i].name),
		    (uint64_t *)((char *)a + agg_arrays[i].off),
		    agg_arrays[i].n) == -1)
			return -1;
	return agg_decode_parts(j, a);
}
