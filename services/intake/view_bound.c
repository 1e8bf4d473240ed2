/*
 * The complaint view's limits (docs/read-model.md): notes and bytes kept,
 * what intake's API admits, and when a final complaint was closed, for the
 * retention. Pure: no I/O.
 */
#include <stdio.h>
#include <string.h>

#include "intake.h"
#include "view_impl.h"

#define VIEW_ENTRY_OVERHEAD	512	/* an action's entry besides its text */

/* How many notes the complaint has had, kept or dropped. */
size_t
view_notes(const json_t *view)
{
	const json_t	*e;
	size_t		 i, n = 0;

	json_array_foreach(json_object_get(view, "history"), i, e)
		if (is_note(e))
			n++;
	return n + (size_t)json_integer_value(json_object_get(view,
	    "notes_truncated"));
}

/* The size of a value as the read model stores it. */
static size_t
stored_size(const json_t *v)
{
	return json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

/* Drops the oldest notes beyond notes_max, counting them. */
static void
bound_notes(json_t *view, size_t notes_max)
{
	json_t	*history = json_object_get(view, "history");
	size_t	 kept = 0, i;

	for (i = json_array_size(history); i > 0; i--) {
		if (!is_note(json_array_get(history, i - 1)))
			continue;
		if (++kept <= notes_max)
			continue;
		json_array_remove(history, i - 1);
		count_add(view, "notes_truncated", 1);
		count_add(view, "history_truncated", 1);
	}
}

/* The bytes of an action's free text: its comment and evidence URLs. */
static size_t
action_text_size(const Cdp__V1__ActionRecorded *rec)
{
	size_t	n = rec->comment != NULL ? strlen(rec->comment) : 0, i;

	for (i = 0; i < rec->n_evidence_urls; i++)
		n += strlen(rec->evidence_urls[i]);
	return n;
}

/*
 * Whether intake's API may record an action on this complaint: a note
 * beyond the notes limit is 422, free text that would take the view past
 * the bytes limit is 413, with the field and the reason in err. Actions
 * without free text always pass, so a full complaint can still be closed.
 */
int
view_admit(const json_t *view, const Cdp__V1__ActionRecorded *rec,
    const struct view_limits *lim, struct api_error *err)
{
	size_t	text = action_text_size(rec), size;

	if (rec->action == CDP__V1__ACTION__ACTION_NOTE && lim->notes_max > 0 &&
	    view_notes(view) >= lim->notes_max) {
		*err = (struct api_error){ .status = 422,
		    .error = "too_many_notes", .field = "action" };
		snprintf(err->reason, sizeof(err->reason), "a complaint holds "
		    "at most %zu notes, and this one has them all",
		    lim->notes_max);
		return -1;
	}
	if (text == 0 || lim->bytes_max == 0 || (size = stored_size(view)) +
	    text + VIEW_ENTRY_OVERHEAD <= lim->bytes_max)
		return 0;
	*err = (struct api_error){ .status = 413,
	    .error = "complaint_too_large" };
	snprintf(err->field, sizeof(err->field), "%s", rec->comment != NULL &&
	    *rec->comment != '\0' ? "comment" : "evidence");
	snprintf(err->reason, sizeof(err->reason), "the complaint's record "
	    "holds %zu of at most %zu bytes; %zu more bytes of text do not "
	    "fit", size, lim->bytes_max, text);
	return -1;
}

/*
 * Keeps a view within the limits, whatever the log brings (intake's API
 * refuses actions beyond them, but other producers write to the topic
 * too): the oldest notes beyond notes_max go first, then the oldest
 * history entries while the document is larger than bytes_max. What is
 * dropped is counted, and the full record stays on the topic.
 */
void
view_bound(json_t *view, const struct view_limits *lim)
{
	json_t	*history = json_object_get(view, "history"), *e;
	size_t	 size;

	if (lim->notes_max > 0)
		bound_notes(view, lim->notes_max);
	if (lim->bytes_max == 0 || (size = stored_size(view)) <=
	    lim->bytes_max)
		return;
	while (size > lim->bytes_max && json_array_size(history) > 0) {
		e = json_array_get(history, 0);
		size -= stored_size(e) + 1;	/* the comma */
		if (is_note(e))
			count_add(view, "notes_truncated", 1);
		count_add(view, "history_truncated", 1);
		json_array_remove(history, 0);
	}
}

/*
 * Whether the complaint is in a final status: closed, or out of scope
 * (which is answered and closed at once). Final complaints leave Redis
 * after the retention (retention.c); a reopen makes it open again.
 */
bool
view_final(const json_t *view)
{
	Cdp__V1__ComplaintStatus	st = view_status(view);

	return st == STATUS(CLOSED) || st == STATUS(OUT_OF_SCOPE);
}

/*
 * _closed_at_ms: when the complaint last became final (the event's time),
 * 0 while it is open, so the retention counts from the close and a reopen
 * forgets it.
 */
void
closed_at_track(json_t *view, const Cdp__V1__ComplaintEvent *ev)
{
	if (!view_final(view))
		put(view, "_closed_at_ms", json_integer(0));
	else if (view_closed_at_ms(view) == 0)
		put(view, "_closed_at_ms", json_integer(ev_at(ev)));
}

/* When the complaint became final, in ms since the epoch; 0 if open. */
int64_t
view_closed_at_ms(const json_t *view)
{
	return json_integer_value(json_object_get(view, "_closed_at_ms"));
}

/*
 * The small record that stays once a final complaint's view has left
 * Redis: enough to tell who may know it existed (view_visible() works on
 * it), where its index entries were, and when it was closed. A new
 * reference the caller releases.
 */
json_t *
view_tombstone(const json_t *view)
{
	json_t	*t = jcheck(json_object()), *m = jcheck(json_object());

	copy_member(t, view, "complaint_id");
	copy_member(t, view, "status");
	copy_member(t, view, "severity");
	put_time(t, "closed_at", view_closed_at_ms(view));
	put_str(m, "merchant_id", view_merchant_id(view));
	put(t, "merchant", m);
	copy_member(t, view, "_filed_by_key");
	copy_member(t, view, "_filed_at_ms");
	return t;
}
