/*
 * A complaint's clocks as stored in Redis (sla:{p<N>}:c:<complaint>), with
 * the merchant (for the events' envelopes) and the offset of the last
 * event applied (so a replayed event changes nothing). Compact JSON, so
 * that an operator can still read them with redis-cli, but short: there
 * is one such value per open complaint, and its size was most of the
 * bytes a clock costs in Redis (docs/performance-sla.md: 429 bytes a clock
 * with named fields, against 128 for a member of a plain sorted set).
 *
 *   {"o":<offset>,"m":"<merchant>","s":<severity>,"c":<category>,
 *    "r":<received ms>,"x":1 (closed; absent when open),
 *    "a":"<complaint>" (an appeal's clocks only), "k":[<clock>,...]}
 *
 * A clock is an array in the order of state_clock() below; its deadline,
 * warning time and stop time are milliseconds after its start (null: none),
 * and the zeros at its end are left out, so a running clock is about 85
 * characters. state_decode() also reads the named-field form that earlier
 * versions wrote ({"offset":...,"clocks":[{"clock":...}]}), so clocks
 * saved before an upgrade are read as they were and rewritten compact at
 * their next save.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "sla.h"

/* The positions of a clock's array. */
enum {
	STATE_CLOCK, STATE_CYCLE, STATE_STATE, STATE_POLICY, STATE_PARTY,
	STATE_STARTED, STATE_DUE, STATE_WARN, STATE_REMAINING,
	STATE_WARN_REMAINING, STATE_WARNED, STATE_BREACHED, STATE_STOPPED,
	STATE_RESULT, STATE_ELAPSED, STATE_FIELDS
};

void
state_init(struct sla_state *s)
{
	memset(s, 0, sizeof(*s));
	clock_init(&s->c);
	s->offset = -1;
}

/* A time of a clock as milliseconds after its start; null when none. */
static json_t *
state_since(int64_t at_ms, int64_t started_ms)
{
	return at_ms == 0 ? json_null() : json_integer(at_ms - started_ms);
}

/*
 * Whether element i at a clock's end can be left out: null, or a 0 that
 * is not a time after the start (that 0 is the start itself).
 */
static bool
state_zero(const json_t *a, size_t i)
{
	const json_t	*v = json_array_get(a, i);

	return json_is_null(v) || (json_is_integer(v) &&
	    json_integer_value(v) == 0 && i != STATE_DUE && i != STATE_WARN &&
	    i != STATE_STOPPED);
}

static json_t *
state_clock(const struct sla_clock *k)
{
	json_t	*a = json_array();
	size_t	 n;

	json_array_append_new(a, json_integer(k->clock));
	json_array_append_new(a, json_integer(k->cycle));
	json_array_append_new(a, json_integer(k->state));
	json_array_append_new(a, json_string(k->policy));
	json_array_append_new(a, json_integer(k->party));
	json_array_append_new(a, json_integer(k->started_ms));
	json_array_append_new(a, state_since(k->due_ms, k->started_ms));
	json_array_append_new(a, state_since(k->warn_ms, k->started_ms));
	json_array_append_new(a, json_integer(k->remaining_ms));
	json_array_append_new(a, json_integer(k->warn_remaining_ms));
	json_array_append_new(a, json_integer(k->warned));
	json_array_append_new(a, json_integer(k->breached));
	json_array_append_new(a, state_since(k->stopped_ms, k->started_ms));
	json_array_append_new(a, json_integer(k->result));
	json_array_append_new(a, json_integer(k->elapsed_ms));
	while ((n = json_array_size(a)) > STATE_POLICY + 1 &&
	    state_zero(a, n - 1))
		json_array_remove(a, n - 1);
	return a;
}

/*
 * Whether the complaint is done with: closed (or out of scope) and every
 * clock stopped. Its clocks then leave Redis after the retention.
 */
/*
 * Whether a merchant and a complaint id fit the state's fields whole. A
 * longer one would be cut, perhaps in the middle of a character, and a
 * state that is not UTF-8 cannot be written as JSON.
 */
bool
state_ids_fit(const char *merchant_id, const char *complaint_id)
{
	struct sla_state	*s;

	return strlen(merchant_id) < sizeof(s->merchant_id) &&
	    strlen(complaint_id) < sizeof(s->complaint_id);
}

bool
state_closed(const struct sla_state *s)
{
	size_t	i;

	if (!s->c.closed)
		return false;
	for (i = 0; i < s->c.nclocks; i++)
		if (s->c.clocks[i].state != CLOCK_STOPPED)
			return false;
	return true;
}

/* The JSON text of s; the caller frees it. */
char *
state_encode(const struct sla_state *s)
{
	json_t	*doc, *clocks = json_array();
	char	*text;
	size_t	 i;

	for (i = 0; i < s->c.nclocks; i++)
		json_array_append_new(clocks, state_clock(&s->c.clocks[i]));
	doc = json_pack("{s:I, s:s, s:i, s:i, s:I}", "o",
	    (json_int_t)s->offset, "m", s->merchant_id, "s",
	    (int)s->c.severity, "c", (int)s->c.category, "r",
	    (json_int_t)s->c.received_ms);
	if (s->c.closed)
		json_object_set_new(doc, "x", json_integer(1));
	if (s->complaint_id[0] != '\0')
		json_object_set_new(doc, "a", json_string(s->complaint_id));
	json_object_set_new(doc, "k", clocks);
	if ((text = json_dumps(doc, JSON_COMPACT)) == NULL)
		fatalx("state: cannot encode");
	json_decref(doc);
	return text;
}

/* The parts of a stored state around its clocks, in either form. */
struct state_head {
	json_int_t	 offset;
	json_int_t	 received;
	const char	*merchant;
	const char	*complaint;
	int		 severity;
	int		 category;
	int		 closed;
	json_t		*clocks;
};

static json_int_t
state_num(const json_t *a, size_t i)
{
	const json_t	*v = json_array_get(a, i);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* A time stored as milliseconds after the start; 0 when null or absent. */
static int64_t
state_at(const json_t *a, size_t i, int64_t started_ms)
{
	const json_t	*v = json_array_get(a, i);

	return json_is_integer(v) ? started_ms + json_integer_value(v) : 0;
}

/* A clock of the compact form (state_clock()). */
static int
state_clock_compact(const json_t *a, struct sla_clock *k)
{
	const char	*policy = json_string_value(json_array_get(a,
			    STATE_POLICY));

	if (!json_is_array(a) || policy == NULL ||
	    json_array_size(a) > STATE_FIELDS)
		return -1;
	memset(k, 0, sizeof(*k));
	k->clock = state_num(a, STATE_CLOCK);
	k->cycle = (uint32_t)state_num(a, STATE_CYCLE);
	k->state = state_num(a, STATE_STATE);
	snprintf(k->policy, sizeof(k->policy), "%s", policy);
	k->party = state_num(a, STATE_PARTY);
	k->started_ms = state_num(a, STATE_STARTED);
	k->due_ms = state_at(a, STATE_DUE, k->started_ms);
	k->warn_ms = state_at(a, STATE_WARN, k->started_ms);
	k->remaining_ms = state_num(a, STATE_REMAINING);
	k->warn_remaining_ms = state_num(a, STATE_WARN_REMAINING);
	k->warned = state_num(a, STATE_WARNED) != 0;
	k->breached = state_num(a, STATE_BREACHED) != 0;
	k->stopped_ms = state_at(a, STATE_STOPPED, k->started_ms);
	k->result = state_num(a, STATE_RESULT);
	k->elapsed_ms = state_num(a, STATE_ELAPSED);
	return 0;
}

/* A clock of the named-field form of earlier versions. */
static int
state_clock_named(json_t *o, struct sla_clock *k)
{
	int		 clock, cycle, state, party, result, warned, breached;
	json_int_t	 started, due, warn, rem, wrem, stopped, elapsed;
	const char	*policy;

	if (json_unpack(o, "{s:i, s:i, s:i, s:s, s:i, s:I, s:I, s:I, s:I, s:I,"
	    " s:I, s:b, s:b, s:i, s:I}", "clock", &clock, "cycle", &cycle,
	    "state", &state, "policy", &policy, "party", &party, "started",
	    &started, "due", &due, "warn", &warn, "remaining", &rem,
	    "warn_remaining", &wrem, "stopped", &stopped, "warned", &warned,
	    "breached", &breached, "result", &result, "elapsed", &elapsed) == -1)
		return -1;
	memset(k, 0, sizeof(*k));
	k->clock = clock;
	k->cycle = (uint32_t)cycle;
	k->state = state;
	snprintf(k->policy, sizeof(k->policy), "%s", policy);
	k->party = party;
	k->started_ms = started;
	k->due_ms = due;
	k->warn_ms = warn;
	k->remaining_ms = rem;
	k->warn_remaining_ms = wrem;
	k->stopped_ms = stopped;
	k->warned = warned;
	k->breached = breached;
	k->result = result;
	k->elapsed_ms = elapsed;
	return 0;
}

/*
 * The head of either form: 0 for the compact one, 1 for the named one,
 * -1 for neither. In the named form, "received" came later (a state
 * stored before it has none) and "complaint_id" is an appeal's only.
 */
static int
state_head(json_t *doc, struct state_head *h)
{
	memset(h, 0, sizeof(*h));
	h->complaint = "";
	if (json_object_get(doc, "k") != NULL)
		return json_unpack(doc, "{s:I, s:s, s:i, s:i, s:I, s?i, s?s, "
		    "s:o}", "o", &h->offset, "m", &h->merchant, "s",
		    &h->severity, "c", &h->category, "r", &h->received, "x",
		    &h->closed, "a", &h->complaint, "k", &h->clocks);
	if (json_unpack(doc, "{s:I, s:s, s:i, s:i, s:b, s?I, s:o, s?s}",
	    "offset", &h->offset, "merchant_id", &h->merchant, "severity",
	    &h->severity, "category", &h->category, "closed", &h->closed,
	    "received", &h->received, "clocks", &h->clocks, "complaint_id",
	    &h->complaint) == -1)
		return -1;
	return 1;
}

/* Reads a stored state; -1 (s untouched but initialised) if malformed. */
int
state_decode(const char *json, size_t len, struct sla_state *s)
{
	struct state_head	 h;
	json_t			*doc, *o;
	int			 form, rc = -1;
	size_t			 i;

	state_init(s);
	if ((doc = json_loadb(json, len, 0, NULL)) == NULL)
		return -1;
	if ((form = state_head(doc, &h)) != -1 && json_is_array(h.clocks) &&
	    json_array_size(h.clocks) <= SLA_CLOCKS_MAX) {
		rc = 0;
		json_array_foreach(h.clocks, i, o)
			if ((form == 0 ? state_clock_compact(o,
			    &s->c.clocks[i]) : state_clock_named(o,
			    &s->c.clocks[i])) == -1)
				rc = -1;
		s->c.nclocks = json_array_size(h.clocks);
		s->c.severity = h.severity;
		s->c.category = h.category;
		s->c.closed = h.closed != 0;
		s->c.received_ms = h.received;
		s->offset = h.offset;
		snprintf(s->merchant_id, sizeof(s->merchant_id), "%s",
		    h.merchant);
		snprintf(s->complaint_id, sizeof(s->complaint_id), "%s",
		    h.complaint);
	}
	json_decref(doc);
	if (rc == -1)
		state_init(s);
	return rc;
}
