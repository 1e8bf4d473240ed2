/*
 * A merchant's standing as GET /v1/merchants/{id} answers it: the latest
 * MerchantState of merchants.state, in the API's words (docs/api.md). A
 * merchant penalty has never touched has no state and is in good standing.
 * Pure: no I/O.
 */
#include <stdio.h>
#include <string.h>

#include "intake.h"
#include "timefmt.h"
#include "vocab.h"

/* A time in RFC 3339, or null for 0 ("not set", "no end"). */
static json_t *
merchant_view_time(int64_t ms)
{
	char	buf[TIMEFMT_MAX];

	if (ms <= 0)
		return json_null();
	timefmt_rfc3339(ms, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
merchant_view_name(const ProtobufCEnumDescriptor *d, int value)
{
	char	buf[64];

	if (!vocab_name(d, value, buf, sizeof(buf)))
		return json_null();
	return json_string(buf);
}

static json_t *
merchant_view_penalty(const Cdp__V1__ActivePenalty *p)
{
	return json_pack("{s:s, s:o, s:s, s:I, s:s, s:o, s:o, s:o}",
	    "penalty_id", p->penalty_id,
	    "step", merchant_view_name(&cdp__v1__penalty_step__descriptor,
	    p->step),
	    "violation", p->violation, "points", (json_int_t)p->points,
	    "complaint_id", p->complaint_id,
	    "applied_at", merchant_view_time(p->applied_at_ms),
	    "appeal_deadline", merchant_view_time(p->appeal_deadline_ms),
	    "restricted_until", merchant_view_time(p->restricted_until_ms));
}

static json_t *
merchant_view_appeal(const Cdp__V1__OpenAppeal *a)
{
	return json_pack("{s:s, s:o, s:s, s:s, s:o}",
	    "appeal_id", a->appeal_id,
	    "subject", merchant_view_name(&cdp__v1__appeal_subject__descriptor,
	    a->subject),
	    "penalty_id", a->penalty_id, "complaint_id", a->complaint_id,
	    "filed_at", merchant_view_time(a->filed_at_ms));
}

/* The restrictions in force, each with the time it lifts (null: no end). */
static json_t *
merchant_view_restrictions(const Cdp__V1__MerchantState *st)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < st->n_restrictions; i++)
		json_array_append_new(a, json_pack("{s:s, s:o}", "name",
		    st->restrictions[i], "until",
		    merchant_view_time(st->restricted_until_ms)));
	return a;
}

/*
 * The merchant's view; st may be NULL (no state: good standing). The
 * caller owns the result.
 */
json_t *
merchant_view_render(const char *merchant_id, const Cdp__V1__MerchantState *st)
{
	json_t	*penalties, *appeals;
	size_t	 i;

	if (st == NULL)
		return json_pack("{s:s, s:s, s:n, s:i, s:[], s:n, s:[], s:[], "
		    "s:n}", "merchant_id", merchant_id, "standing", "good",
		    "level", "points", 0, "restrictions", "restricted_until",
		    "penalties", "open_appeals", "updated_at");
	penalties = json_array();
	appeals = json_array();
	for (i = 0; i < st->n_active_penalties; i++)
		json_array_append_new(penalties,
		    merchant_view_penalty(st->active_penalties[i]));
	for (i = 0; i < st->n_open_appeals; i++)
		json_array_append_new(appeals,
		    merchant_view_appeal(st->open_appeals[i]));
	return json_pack("{s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o}",
	    "merchant_id", merchant_id,
	    "standing", st->standing != 0 ? merchant_view_name(
	    &cdp__v1__standing__descriptor, st->standing) : json_string("good"),
	    "level", st->level[0] != '\0' ? json_string(st->level) :
	    json_null(),
	    "points", (json_int_t)st->points_total,
	    "restrictions", merchant_view_restrictions(st),
	    "restricted_until", merchant_view_time(st->restricted_until_ms),
	    "penalties", penalties, "open_appeals", appeals,
	    "updated_at", merchant_view_time(st->updated_at_ms));
}

/* The state's active penalty with the id, or NULL. */
const Cdp__V1__ActivePenalty *
merchant_view_penalty_find(const Cdp__V1__MerchantState *st, const char *id)
{
	size_t	i;

	for (i = 0; st != NULL && i < st->n_active_penalties; i++)
		if (strcmp(st->active_penalties[i]->penalty_id, id) == 0)
			return st->active_penalties[i];
	return NULL;
}

/* The state's open appeal with the id (or on the penalty), or NULL. */
const Cdp__V1__OpenAppeal *
merchant_view_appeal_find(const Cdp__V1__MerchantState *st,
    const char *appeal_id, const char *penalty_id)
{
	const Cdp__V1__OpenAppeal	*a;
	size_t				 i;

	for (i = 0; st != NULL && i < st->n_open_appeals; i++) {
		a = st->open_appeals[i];
		if ((appeal_id != NULL && strcmp(a->appeal_id, appeal_id) == 0) ||
		    (penalty_id != NULL && strcmp(a->penalty_id,
		    penalty_id) == 0))
			return a;
	}
	return NULL;
}
