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
