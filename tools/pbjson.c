/*
 * Any protobuf-c message as JSON, from its descriptor: what an operator
 * reads in cdp-ops. Field names are the proto's; enums are their value
 * names without the enum's prefix (as the descriptor gives them); bytes
 * are hex; a oneof shows only its member that is set; int64 values are
 * JSON integers (jansson's are 64-bit). Unknown fields (a newer schema)
 * are counted in "_unknown_fields".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pbjson.h"
#include "xmalloc.h"

static json_t	*field_value(const ProtobufCFieldDescriptor *f,
		    const void *p);

/* Bytes as a JSON string of hex digits. */
json_t *
pbjson_hex(const void *data, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*d = data;
	char			*s = xmalloc(len * 2 + 1);
	json_t			*j;
	size_t			 i;

	for (i = 0; i < len; i++) {
		s[2 * i] = hex[d[i] >> 4];
		s[2 * i + 1] = hex[d[i] & 15];
	}
	s[2 * len] = '\0';
	j = json_string(s);
	free(s);
	return j;
}

static json_t *
enum_value(const ProtobufCEnumDescriptor *d, int v)
{
	const ProtobufCEnumValue	*ev;

	if ((ev = protobuf_c_enum_descriptor_get_value(d, v)) == NULL)
		return json_integer(v);
	return json_string(ev->name);
}

/* One value of field f, stored at p (an element, for repeated fields). */
static json_t *
field_value(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return json_integer(*(const int64_t *)p);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return json_integer((json_int_t)*(const uint64_t *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		return json_real(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return json_real(*(const double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM:
		return enum_value(f->descriptor, *(const int *)p);
	case PROTOBUF_C_TYPE_STRING:
		return json_string(*(char *const *)p != NULL ?
		    *(char *const *)p : "");
	case PROTOBUF_C_TYPE_BYTES:
		return pbjson_hex(((const ProtobufCBinaryData *)p)->data,
		    ((const ProtobufCBinaryData *)p)->len);
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(ProtobufCMessage *const *)p == NULL ? json_null() :
		    pbjson_message(*(ProtobufCMessage *const *)p);
	}
	return json_null();
}

static size_t
field_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return sizeof(int64_t);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return sizeof(int32_t);
	}
}

static json_t *
repeated_value(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m)
{
	const char	*base = (const char *)m;
	size_t		 n = *(const size_t *)(base + f->quantifier_offset);
	const char	*arr = *(char *const *)(base + f->offset);
	json_t		*a = json_array();
	size_t		 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, field_value(f, arr +
		    i * field_size(f)));
	return a;
}

/* Whether a field of a oneof is the member that is set. */
static bool
oneof_member_set(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m)
{
	return *(const uint32_t *)((const char *)m + f->quantifier_offset) ==
	    f->id;
}

/* The message as a new JSON object; the caller owns it. */
json_t *
pbjson_message(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor	*d = m->descriptor;
	const ProtobufCFieldDescriptor		*f;
	json_t					*o = json_object();
	size_t					 i;

	for (i = 0; i < d->n_fields; i++) {
		f = &d->fields[i];
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			json_object_set_new(o, f->name, repeated_value(f, m));
		else if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) == 0 ||
		    oneof_member_set(f, m))
			json_object_set_new(o, f->name, field_value(f,
			    (const char *)m + f->offset));
	}
	if (m->n_unknown_fields > 0)
		json_object_set_new(o, "_unknown_fields",
		    json_integer((json_int_t)m->n_unknown_fields));
	return o;
}

/* The name of the oneof member that is set in m, or "(none)". */
const char *
pbjson_oneof_case(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor	*d = m->descriptor;
	size_t					 i;

	for (i = 0; i < d->n_fields; i++)
		if ((d->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    oneof_member_set(&d->fields[i], m))
			return d->fields[i].name;
	return "(none)";
}
