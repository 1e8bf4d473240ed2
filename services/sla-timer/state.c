/*
 * A complaint's clocks as stored in Redis (sla:{p<N>}:c:<complaint>): JSON,
 * so that an operator can read them with redis-cli, with the merchant (for
 * the events' envelopes) and the offset of the last event applied (so a
 * replayed event changes nothing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "sla.h"

void
state_init(struct sla_state *s)
{
	memset(s, 0, sizeof(*s));
	clock_init(&s->c);
	s->offset = -1;
}

static json_t *
state_clock(const struct sla_clock *k)
{
	return json_pack("{s:i, s:i, s:i, s:s, s:i, s:I, s:I, s:I, s:I, s:I,"
	    " s:I, s:b, s:b, s:i, s:I}",
	    "clock", (int)k->clock, "cycle", (int)k->cycle, "state",
	    (int)k->state, "policy", k->policy, "party", (int)k->party,
	    "started", (json_int_t)k->started_ms, "due",
	    (json_int_t)k->due_ms, "warn", (json_int_t)k->warn_ms,
	    "remaining", (json_int_t)k->remaining_ms, "warn_remaining",
	    (json_int_t)k->warn_remaining_ms, "stopped",
	    (json_int_t)k->stopped_ms, "warned", k->warned, "breached",
	    k->breached, "result", (int)k->result, "elapsed",
	    (json_int_t)k->elapsed_ms);
}

/*
 * Whether the complaint is done with: closed (or out of scope) and every
 * clock stopped. Its clocks then leave Redis after the retention.
 */
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
	doc = json_pack("{s:I, s:s, s:i, s:i, s:b, s:I, s:o}", "offset",
	    (json_int_t)s->offset, "merchant_id", s->merchant_id, "severity",
	    (int)s->c.severity, "category", (int)s->c.category, "closed",
	    s->c.closed, "received", (json_int_t)s->c.received_ms, "clocks",
	    clocks);
	if (s->complaint_id[0] != '\0')
		json_object_set_new(doc, "complaint_id",
		    json_string(s->complaint_id));
	if ((text = json_dumps(doc, JSON_COMPACT)) == NULL)
		fatalx("state: cannot encode");
	json_decref(doc);
	return text;
}

static int
state_clock_decode(json_t *o, struct sla_clock *k)
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

/* Reads a stored state; -1 (s untouched but initialised) if malformed. */
int
state_decode(const char *json, size_t len, struct sla_state *s)
{
	json_t		*doc, *clocks, *o;
	json_int_t	 offset, received = 0;
	const char	*merchant, *complaint = "";
	int		 severity, category, closed, rc = -1;
	size_t		 i;

	state_init(s);
	if ((doc = json_loadb(json, len, 0, NULL)) == NULL)
		return -1;
	/*
	 * "received" came later: a state stored before it has none;
	 * "complaint_id" is an appeal's only.
	 */
	if (json_unpack(doc, "{s:I, s:s, s:i, s:i, s:b, s?I, s:o, s?s}",
	    "offset", &offset, "merchant_id", &merchant, "severity", &severity,
	    "category", &category, "closed", &closed, "received", &received,
	    "clocks", &clocks, "complaint_id", &complaint) == 0 &&
	    json_array_size(clocks) <= SLA_CLOCKS_MAX) {
		rc = 0;
		json_array_foreach(clocks, i, o)
			if (state_clock_decode(o, &s->c.clocks[i]) == -1)
				rc = -1;
		s->c.nclocks = json_array_size(clocks);
		s->c.severity = severity;
		s->c.category = category;
		s->c.closed = closed;
		s->c.received_ms = received;
		s->offset = offset;
		snprintf(s->merchant_id, sizeof(s->merchant_id), "%s",
		    merchant);
		snprintf(s->complaint_id, sizeof(s->complaint_id), "%s",
		    complaint);
	}
	json_decref(doc);
	if (rc == -1)
		state_init(s);
	return rc;
}
