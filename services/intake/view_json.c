/*
 * The JSON helpers the complaint view's files share (view_impl.h): setting
 * members, strings from events, times, money, enum names by the vocabulary.
 * A jansson allocation failure is fatal, like malloc's. Pure: no I/O.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake.h"
#include "log.h"
#include "timefmt.h"
#include "utf8.h"
#include "view_impl.h"
#include "vocab.h"
#include "xmalloc.h"

/* A jansson allocation failure is fatal, like malloc's (xmalloc.h). */
json_t *
jcheck(json_t *value)
{
	if (value == NULL)
		fatalx("view: out of memory");
	return value;
}

void
put(json_t *obj, const char *key, json_t *value)
{
	if (value == NULL || json_object_set_new(obj, key, value) == -1)
		fatalx("view: cannot set \"%s\": out of memory", key);
}

void
append(json_t *arr, json_t *value)
{
	if (value == NULL || json_array_append_new(arr, value) == -1)
		fatalx("view: cannot append: out of memory");
}

/*
 * A string from an event as JSON: null when empty. Event strings come from
 * other services; a part that is not UTF-8 becomes U+FFFD (utf8.h) rather
 * than failing the whole event, since jansson refuses such strings.
 */
json_t *
jstr(const char *s)
{
	json_t	*j;
	char	*copy;

	if (s == NULL || *s == '\0')
		return jcheck(json_null());
	if ((j = json_string(s)) != NULL)
		return j;
	copy = utf8_sanitize(s);
	j = jcheck(json_string(copy));
	free(copy);
	return j;
}

void
put_str(json_t *obj, const char *key, const char *s)
{
	put(obj, key, jstr(s));
}

void
put_time(json_t *obj, const char *key, int64_t ms)
{
	char	buf[TIMEFMT_MAX];

	if (ms <= 0) {
		put(obj, key, json_null());
		return;
	}
	timefmt_rfc3339(ms, buf, sizeof(buf));
	put(obj, key, json_string(buf));
}

/* Money in fen as CNY; 0 means "none" in the contract, shown as null. */
void
put_cny(json_t *obj, const char *key, int64_t fen)
{
	put(obj, key, fen == 0 ? json_null() : json_real((double)fen / 100.0));
}

/* A count or duration where 0 means "not set"; shown as null. */
void
put_num(json_t *obj, const char *key, int64_t n)
{
	put(obj, key, n == 0 ? json_null() : json_integer(n));
}

json_t *
enum_json(const ProtobufCEnumDescriptor *d, int value)
{
	char	name[VIEW_NAME_MAX];

	if (!vocab_name(d, value, name, sizeof(name)))
		return jcheck(json_null());
	return jcheck(json_string(name));
}

void
put_enum(json_t *obj, const char *key, const ProtobufCEnumDescriptor *d,
    int value)
{
	put(obj, key, enum_json(d, value));
}

/* The enum's API name for a history detail; "unknown" when it has none. */
const char *
enum_text(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t size)
{
	if (!vocab_name(d, value, buf, size))
		snprintf(buf, size, "unknown");
	return buf;
}

/* The object member key, replacing whatever else is there by an object. */
json_t *
member(json_t *obj, const char *key, json_type type)
{
	json_t	*m = json_object_get(obj, key);

	if (m == NULL || json_typeof(m) != type) {
		m = jcheck(type == JSON_ARRAY ? json_array() : json_object());
		put(obj, key, m);
	}
	return m;
}

const char *
str_member(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Whether two strings are set (not empty) and equal. */
bool
same_str(const char *a, const char *b)
{
	return a != NULL && b != NULL && *a != '\0' && strcmp(a, b) == 0;
}

json_t *
strv_json(char **v, size_t n)
{
	json_t	*arr = jcheck(json_array());
	size_t	 i;

	for (i = 0; i < n; i++)
		if (v[i] != NULL && *v[i] != '\0')
			append(arr, jstr(v[i]));
	return arr;
}

/* Who did something; the API key id is never shown. */
json_t *
actor_json(const Cdp__V1__Actor *a)
{
	json_t	*o;

	if (a == NULL)
		return jcheck(json_null());
	o = jcheck(json_object());
	put_enum(o, "role", ENUM(actor_role), a->role);
	put_str(o, "id", a->actor_id);
	return o;
}

void
cny_text(int64_t fen, char *buf, size_t size)
{
	uint64_t	u = fen < 0 ? -(uint64_t)fen : (uint64_t)fen;

	snprintf(buf, size, "%s%" PRIu64 ".%02" PRIu64 " CNY", fen < 0 ? "-" :
	    "", u / 100, u % 100);
}

int64_t
ev_at(const Cdp__V1__ComplaintEvent *ev)
{
	return ev->meta != NULL ? ev->meta->occurred_at_ms : 0;
}

const char *
ev_id(const Cdp__V1__ComplaintEvent *ev)
{
	return ev->meta != NULL ? ev->meta->event_id : NULL;
}

void
copy_member(json_t *dst, const json_t *src, const char *key)
{
	const json_t	*v = json_object_get(src, key);

	put(dst, key, v != NULL ? json_deep_copy(v) : json_null());
}

/* Adds n to an integer member (history_truncated, notes_truncated). */
void
count_add(json_t *view, const char *key, json_int_t n)
{
	put(view, key, json_integer(json_integer_value(json_object_get(view,
	    key)) + n));
}

bool
is_note(const json_t *entry)
{
	return same_str(str_member(entry, "event"), "action.note");
}
