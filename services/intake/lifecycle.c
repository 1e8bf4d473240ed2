/*
 * lifecycle: which action each role may take in each status of a
 * complaint, and the status it leads to. One table says it all; docs/api.md
 * shows the same table to API clients.
 *
 * Pure: no I/O. The status is the read model's; the roles are the API
 * key's (a channel key acts for the customer; an admin may do everything
 * an agent may).
 */
#include <string.h>

#include "intake.h"
#include "vocab.h"

#define A(x)		CDP__V1__ACTION__ACTION_##x
#define ST(x)		CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_##x
#define S(x)		(1u << ST(x))
#define R(x)		(1u << KEY_ROLE_##x)

#define UNCHANGED	ST(UNSPECIFIED)
#define ANY		(S(RECEIVED) | S(CLASSIFIED) | S(OUT_OF_SCOPE) | \
	S(AWAITING_MERCHANT) | S(AWAITING_CUSTOMER) | S(INVESTIGATING) | \
	S(RESOLUTION_PROPOSED) | S(DECIDED) | S(EXECUTING) | \
	S(RETURN_IN_TRANSIT) | S(INSPECTING) | S(RESOLVED) | S(CLOSED) | \
	S(REOPENED))
#define OPEN		(ANY & ~(S(CLOSED) | S(OUT_OF_SCOPE)))

/* A condition on the action's detail for a row to apply. */
enum when {
	WHEN_ALWAYS,
	WHEN_PASSED,		/* inspection result passed */
	WHEN_FAILED,		/* inspection result failed */
	WHEN_WITHDRAWN,		/* closure reason withdrawn */
};

/*
 * One row: roles may take action in the statuses of from, when its detail
 * meets the condition, and the complaint moves to next (UNCHANGED: it
 * stays). An action may have several rows.
 */
static const struct transition {
	Cdp__V1__Action			action;
	unsigned			roles;
	unsigned			from;
	Cdp__V1__ComplaintStatus	next;
	enum when			when;
} table[] = {
	/*
	 * Also from investigating: an agent who first asked the customer for
	 * information (awaiting_customer, which pauses the first-contact
	 * clock) makes the contact after the reply, or the clock breaches.
	 */
	{ A(FIRST_CONTACT), R(AGENT),
	    S(RECEIVED) | S(CLASSIFIED) | S(REOPENED) | S(INVESTIGATING),
	    ST(INVESTIGATING), WHEN_ALWAYS },
	{ A(MERCHANT_RESPONSE_REQUESTED), R(AGENT),
	    S(CLASSIFIED) | S(INVESTIGATING) | S(REOPENED) |
	    S(AWAITING_CUSTOMER),
	    ST(AWAITING_MERCHANT), WHEN_ALWAYS },
	{ A(MERCHANT_RESPONSE_RECEIVED), R(MERCHANT) | R(AGENT),
	    S(AWAITING_MERCHANT),
	    ST(INVESTIGATING), WHEN_ALWAYS },
	{ A(CUSTOMER_INFO_REQUESTED), R(AGENT),
	    S(CLASSIFIED) | S(INVESTIGATING) | S(AWAITING_MERCHANT) |
	    S(RESOLUTION_PROPOSED),
	    ST(AWAITING_CUSTOMER), WHEN_ALWAYS },
	{ A(CUSTOMER_INFO_PROVIDED), R(CHANNEL) | R(AGENT),
	    S(AWAITING_CUSTOMER),
	    ST(INVESTIGATING), WHEN_ALWAYS },
	{ A(INVESTIGATION_STARTED), R(AGENT),
	    S(CLASSIFIED) | S(INVESTIGATING) | S(AWAITING_MERCHANT) |
	    S(REOPENED),
	    ST(INVESTIGATING), WHEN_ALWAYS },
	{ A(INVESTIGATION_RECORDED), R(AGENT),
	    S(CLASSIFIED) | S(INVESTIGATING) | S(REOPENED),
	    ST(INVESTIGATING), WHEN_ALWAYS },
	/* A finding made while a party owes an answer does not end the wait. */
	{ A(INVESTIGATION_RECORDED), R(AGENT),
	    S(AWAITING_MERCHANT) | S(AWAITING_CUSTOMER),
	    UNCHANGED, WHEN_ALWAYS },
	{ A(QC_REQUESTED), R(AGENT),
	    S(INVESTIGATING),
	    ST(INVESTIGATING), WHEN_ALWAYS },
	{ A(QC_RESULT), R(AGENT),
	    S(INVESTIGATING),
	    ST(INVESTIGATING), WHEN_ALWAYS },
	/* QC takes up to 48 h; a party may have been asked meanwhile. */
	{ A(QC_RESULT), R(AGENT),
	    S(AWAITING_MERCHANT) | S(AWAITING_CUSTOMER),
	    UNCHANGED, WHEN_ALWAYS },
	/* A proposal may be revised while it is out. */
	{ A(RESOLUTION_PROPOSED), R(AGENT),
	    S(INVESTIGATING) | S(AWAITING_MERCHANT) | S(RESOLUTION_PROPOSED),
	    ST(RESOLUTION_PROPOSED), WHEN_ALWAYS },
	{ A(RESOLUTION_ACCEPTED), R(CHANNEL) | R(MERCHANT) | R(AGENT),
	    S(RESOLUTION_PROPOSED),
	    ST(DECIDED), WHEN_ALWAYS },
	{ A(RESOLUTION_REJECTED), R(CHANNEL) | R(MERCHANT) | R(AGENT),
	    S(RESOLUTION_PROPOSED),
	    ST(INVESTIGATING), WHEN_ALWAYS },
	{ A(DECIDED), R(AGENT),
	    S(INVESTIGATING) | S(RESOLUTION_PROPOSED) | S(AWAITING_MERCHANT),
	    ST(DECIDED), WHEN_ALWAYS },
	{ A(RETURN_SHIPPED), R(CHANNEL) | R(AGENT),
	    S(DECIDED),
	    ST(RETURN_IN_TRANSIT), WHEN_ALWAYS },
	{ A(RETURN_RECEIVED), R(MERCHANT) | R(AGENT),
	    S(RETURN_IN_TRANSIT),
	    ST(INSPECTING), WHEN_ALWAYS },
	{ A(INSPECTED), R(MERCHANT) | R(AGENT),
	    S(INSPECTING),
	    ST(EXECUTING), WHEN_PASSED },
	{ A(INSPECTED), R(MERCHANT) | R(AGENT),
	    S(INSPECTING),
	    ST(INVESTIGATING), WHEN_FAILED },
	{ A(EXECUTION_DONE), R(MERCHANT) | R(AGENT),
	    S(DECIDED) | S(EXECUTING),
	    ST(RESOLVED), WHEN_ALWAYS },
	{ A(RESOLUTION_CONFIRMED), R(CHANNEL) | R(AGENT),
	    S(RESOLVED),
	    ST(RESOLVED), WHEN_ALWAYS },
	{ A(REOPENED), R(CHANNEL) | R(AGENT),
	    S(RESOLVED) | S(CLOSED),
	    ST(REOPENED), WHEN_ALWAYS },
	{ A(SATISFACTION_RATED), R(CHANNEL),
	    S(RESOLVED) | S(CLOSED),
	    UNCHANGED, WHEN_ALWAYS },
	{ A(ESCALATED), R(AGENT),
	    OPEN,
	    UNCHANGED, WHEN_ALWAYS },
	{ A(CLOSED), R(AGENT),
	    ANY & ~S(CLOSED),
	    ST(CLOSED), WHEN_ALWAYS },
	/* The complainant may withdraw (撤诉) an open complaint. */
	{ A(CLOSED), R(CHANNEL),
	    OPEN,
	    ST(CLOSED), WHEN_WITHDRAWN },
	{ A(NOTE), R(AGENT) | R(MERCHANT),
	    ANY,
	    UNCHANGED, WHEN_ALWAYS },
};

#define STATUS_BITS	32	/* statuses fit the rows' from masks */

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define NONE		(1u << ST(UNSPECIFIED))	/* before the filing */

/*
 * The statuses that events other than actions set, as the read model
 * applies them (view.c): a filing (also a proactive case's) receives a
 * complaint not seen before; a
 * classification moves it to "classified" only from "received" or
 * "reopened", so a re-assessment never pulls a complaint back from a later
 * stage; out of scope is final whatever came before.
 */
static const struct {
	Cdp__V1__ComplaintEvent__BodyCase	body;
	unsigned				from;
	Cdp__V1__ComplaintStatus		next;
} by_event[] = {
	{ BODY(FILED), NONE, ST(RECEIVED) },
	{ BODY(CLASSIFIED), NONE | S(RECEIVED) | S(REOPENED), ST(CLASSIFIED) },
	{ BODY(OUT_OF_SCOPE), NONE | ANY, ST(OUT_OF_SCOPE) },
};

/* The rows a role's key matches: an admin's also match the agent's. */
static unsigned
role_bits(enum key_role role)
{
	if (role == KEY_ROLE_ADMIN)
		return R(ADMIN) | R(AGENT);
	return 1u << role;
}

/* A status as a bit of a row's from; 0 for a value we do not know. */
static unsigned
status_bit(Cdp__V1__ComplaintStatus status)
{
	if (status <= ST(UNSPECIFIED) || status >= STATUS_BITS ||
	    protobuf_c_enum_descriptor_get_value(
	    &cdp__v1__complaint_status__descriptor, status) == NULL)
		return 0;
	return 1u << status;
}

/* Whether the action's detail meets a row's condition. */
static bool
when_met(enum when when, const Cdp__V1__ActionRecorded *rec)
{
	switch (when) {
	case WHEN_ALWAYS:
		return true;
	case WHEN_PASSED:
	case WHEN_FAILED:
		if (rec->detail_case !=
		    CDP__V1__ACTION_RECORDED__DETAIL_INSPECTION ||
		    rec->inspection == NULL)
			return false;
		return rec->inspection->result == (when == WHEN_PASSED ?
		    CDP__V1__INSPECTION_RESULT__INSPECTION_RESULT_PASSED :
		    CDP__V1__INSPECTION_RESULT__INSPECTION_RESULT_FAILED);
	case WHEN_WITHDRAWN:
		return rec->detail_case ==
		    CDP__V1__ACTION_RECORDED__DETAIL_CLOSURE &&
		    rec->closure != NULL && rec->closure->reason ==
		    CDP__V1__CLOSE_REASON__CLOSE_REASON_WITHDRAWN;
	}
	return false;
}

/*
 * Whether role may take rec's action in status. FORBIDDEN when no row
 * lets the role take it (with this detail) in any status, CONFLICT when
 * some row does but not in this one. With OK, *next is the status after
 * the action (UNSPECIFIED when it does not change), which the caller
 * copies to rec->resulting_status.
 */
enum lifecycle_verdict
lifecycle_check(Cdp__V1__ComplaintStatus status, enum key_role role,
    const Cdp__V1__ActionRecorded *rec, Cdp__V1__ComplaintStatus *next)
{
	const struct transition	*t;
	bool			 may = false;
	size_t			 i;

	*next = UNCHANGED;
	if (rec == NULL)
		return LIFECYCLE_FORBIDDEN;
	for (i = 0; i < nitems(table); i++) {
		t = &table[i];
		if (t->action != rec->action ||
		    (t->roles & role_bits(role)) == 0 ||
		    !when_met(t->when, rec))
			continue;
		may = true;
		if (t->from & status_bit(status)) {
			*next = t->next;
			return LIFECYCLE_OK;
		}
	}
	return may ? LIFECYCLE_CONFLICT : LIFECYCLE_FORBIDDEN;
}

/* Whether some row lets role take action in status, whatever the detail. */
static bool
allowed(Cdp__V1__Action action, Cdp__V1__ComplaintStatus status,
    enum key_role role)
{
	size_t	i;

	for (i = 0; i < nitems(table); i++)
		if (table[i].action == action &&
		    (table[i].roles & role_bits(role)) != 0 &&
		    (table[i].from & status_bit(status)) != 0)
			return true;
	return false;
}

/*
 * Lists in names the API names of the actions role may take in status, in
 * the order of enum Action, at most max of them; returns how many it
 * listed. The names are static strings.
 */
size_t
lifecycle_allowed(Cdp__V1__ComplaintStatus status, enum key_role role,
    const char **names, size_t max)
{
	size_t	n = 0, i;
	int	a, last = 0;

	for (i = 0; i < nitems(table); i++)
		if ((int)table[i].action > last)
			last = table[i].action;
	for (a = A(FIRST_CONTACT); a <= last && n < max; a++)
		if (allowed((Cdp__V1__Action)a, status, role))
			names[n++] = action_json_name((Cdp__V1__Action)a);
	return n;
}

/*
 * The API name of a status (its public name, vocab.c): "unspecified" for 0
 * and unknown values. The names live as long as the process.
 */
const char *
lifecycle_status_name(Cdp__V1__ComplaintStatus s)
{
	static char	names[STATUS_BITS][32];

	if (status_bit(s) == 0)
		return "unspecified";
	if (names[s][0] == '\0')
		vocab_name(&cdp__v1__complaint_status__descriptor, s, names[s],
		    sizeof(names[s]));
	return names[s];
}

/* Parses an API status name; -1 if it names none. */
int
lifecycle_status_parse(const char *name, Cdp__V1__ComplaintStatus *out)
{
	int	v;

	if (vocab_value(&cdp__v1__complaint_status__descriptor, name, &v) ==
	    -1 || status_bit((Cdp__V1__ComplaintStatus)v) == 0)
		return -1;
	*out = (Cdp__V1__ComplaintStatus)v;
	return 0;
}

/*
 * The status after an event that is not an action (by_event above), given
 * the status before it: the same status when the event does not move it.
 */
Cdp__V1__ComplaintStatus
lifecycle_after_event(Cdp__V1__ComplaintEvent__BodyCase body,
    Cdp__V1__ComplaintStatus status)
{
	unsigned	bit = status == ST(UNSPECIFIED) ? NONE : status_bit(status);
	size_t		i;

	for (i = 0; i < nitems(by_event); i++)
		if (by_event[i].body == body && (by_event[i].from & bit) != 0)
			return by_event[i].next;
	return status;
}
