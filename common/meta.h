/*
 * Event metadata carried by every event (DESIGN.md "Topics and events"):
 * a unique id, the id of the event that caused it, when it happened, who
 * produced it and the schema version.
 *
 * Ids derived from a cause make re-processing idempotent: handling the same
 * input event twice produces output events with the same ids, which
 * consumers drop as duplicates.
 */
#ifndef CDP_META_H
#define CDP_META_H

#include <stdint.h>

#include "cdp/v1/meta.pb-c.h"

#define META_ID_LEN		36	/* 8-4-4-4-12 hex digits and dashes */
#define META_SCHEMA_VERSION	1

struct meta_ids {
	char	event_id[META_ID_LEN + 1];
	char	cause_id[META_ID_LEN + 1];
	char	trace_id[META_ID_LEN + 1];
};

void	meta_random_id(char out[META_ID_LEN + 1]);
void	meta_derive_id(const char *cause_id, const char *purpose,
	    char out[META_ID_LEN + 1]);
int64_t	meta_now_ms(void);
void	meta_fill(Cdp__V1__EventMeta *meta, struct meta_ids *ids,
	    const char *producer, const Cdp__V1__EventMeta *cause,
	    const char *purpose);

#endif
