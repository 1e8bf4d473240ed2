#include <stdio.h>

#include "metrics.h"
#include "pb.h"
#include "xmalloc.h"

/* Packs msg into a new buffer; the caller frees it. */
uint8_t *
pb_pack(const ProtobufCMessage *msg, size_t *len)
{
	size_t	 n = protobuf_c_message_get_packed_size(msg);
	uint8_t	*buf = xmalloc(n > 0 ? n : 1);

	*len = protobuf_c_message_pack(msg, buf);
	return buf;
}

/*
 * True, and counted in events_unknown_total{topic}, when an event decoded
 * but its oneof body is not set: another team's newer schema whose body
 * this build does not know (protobuf-c keeps it among the unknown fields),
 * or an event with no body at all. Such events are skipped, never
 * dead-lettered and never fatal (docs/architecture.md, Delivery semantics).
 */
bool
pb_body_unknown(const char *topic, uint32_t body_case)
{
	char	labels[256];

	if (body_case != 0)
		return false;
	metrics_labels(labels, sizeof(labels), "topic", topic, NULL);
	metrics_inc(metrics_counter("events_unknown_total",
	    "Events whose body this build does not know, skipped.", labels));
	return true;
}

/*
 * Whether s is well-formed UTF-8 as jansson reads it: no stray or
 * overlong sequences, no surrogates, nothing above U+10FFFF.
 */
static bool
utf8_valid(const unsigned char *s)
{
	uint32_t	cp;
	size_t		i, n;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf)
			n = 1, cp = *s & 0x1f;
		else if (*s >= 0xe0 && *s <= 0xef)
			n = 2, cp = *s & 0x0f;
		else if (*s >= 0xf0 && *s <= 0xf4)
			n = 3, cp = *s & 0x07;
		else
			return false;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		s += n + 1;
	}
	return true;
}

static bool
field_valid(const ProtobufCFieldDescriptor *f, const void *member)
{
	if (f->type == PROTOBUF_C_TYPE_STRING)
		return *(char *const *)member == NULL ||
		    utf8_valid(*(unsigned char *const *)member);
	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(ProtobufCMessage *const *)member == NULL ||
		    pb_utf8_valid(*(ProtobufCMessage *const *)member);
	return true;
}

/*
 * Whether every string of msg, in its nested messages too, is valid UTF-8,
 * as proto3 requires and protobuf-c does not check. The daemons copy ids
 * and texts into JSON (their state in Redis, webhook bodies), which
 * refuses anything else, so an event that is not is refused at decoding.
 */
bool
pb_utf8_valid(const ProtobufCMessage *msg)
{
	const ProtobufCMessageDescriptor	*d = msg->descriptor;
	const ProtobufCFieldDescriptor		*f;
	const char				*base = (const char *)msg;
	size_t					 i, k, n;

	for (i = 0; i < d->n_fields; i++) {
		f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_STRING &&
		    f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)(base + f->quantifier_offset) != f->id)
			continue;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			if (!field_valid(f, base + f->offset))
				return false;
			continue;
		}
		n = *(const size_t *)(base + f->quantifier_offset);
		for (k = 0; k < n; k++)
			if (!field_valid(f, *(char *const *)(base + f->offset) +
			    k * sizeof(void *)))
				return false;
	}
	return true;
}
