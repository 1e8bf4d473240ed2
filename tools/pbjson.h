/* pbjson.c: any protobuf-c message as JSON, for operators to read. */
#ifndef CDP_PBJSON_H
#define CDP_PBJSON_H

#include <stddef.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

json_t		*pbjson_message(const ProtobufCMessage *m);
json_t		*pbjson_hex(const void *data, size_t len);
const char	*pbjson_oneof_case(const ProtobufCMessage *m);

#endif
