/*
 * What the event targets share: an event decoded and checked exactly as
 * kafka_consumer does it for a daemon's handler, and the shipped
 * configuration files the daemons run with.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "kafka.h"

void *
fuzz_event(const struct kafka_decoder *d, const char *topic,
    const uint8_t *data, size_t size)
{
	ProtobufCMessage	*ev;

	if ((ev = protobuf_c_message_unpack(d->type, NULL, size, data)) ==
	    NULL)
		return NULL;
	if (d->check != NULL && d->check(topic, ev) != NULL) {
		protobuf_c_message_free_unpacked(ev, NULL);
		return NULL;
	}
	return ev;
}

const char *
fuzz_config(const char *name)
{
	static char	path[4096];

	snprintf(path, sizeof(path), "%s/config/%s", FUZZ_SOURCE_DIR, name);
	return path;
}
