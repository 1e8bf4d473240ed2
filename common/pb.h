/* protobuf-c packing into a buffer the caller owns. */
#ifndef CDP_PB_H
#define CDP_PB_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

uint8_t	*pb_pack(const ProtobufCMessage *msg, size_t *len);

#endif
