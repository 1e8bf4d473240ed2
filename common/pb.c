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
