/* protobuf-c packing into a buffer the caller owns. */
#ifndef CDP_PB_H
#define CDP_PB_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include <stdbool.h>

uint8_t	*pb_pack(const ProtobufCMessage *msg, size_t *len);
bool	 pb_body_unknown(const char *topic, uint32_t body_case);
bool	 pb_utf8_valid(const ProtobufCMessage *msg);

#endif
