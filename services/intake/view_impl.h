/*
 * What the complaint view's files share and the rest of intake does not
 * see: the JSON helpers (view_json.c), the history (view.c), and the SLA
 * part of the projection (view_sla.c). intake.h declares the view's API.
 *
 *	view.c		the projection: an event applied to the document
 *	view_sla.c	clocks, warnings, breaches, coupons, escalations
 *	view_bound.c	the limits of a document, final and closed states
 *	view_render.c	who may see it and how each reader sees it
 *	view_json.c	JSON helpers
 */
#ifndef VIEW_IMPL_H
#define VIEW_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cdp/v1/complaint.pb-c.h"

#define VIEW_NAME_MAX		64	/* an enum value's API name */
#define VIEW_DETAIL_MAX		256	/* a history entry's detail */

/* The generated descriptor of an enum of enums.proto. */
#define ENUM(name)	(&cdp__v1__##name##__descriptor)

/* A complaint status by its short name: STATUS(RECEIVED). */
#define STATUS(name)	CDP__V1__COMPLAINT_STATUS__COMPLAINT_STATUS_##name

enum clock_change {
	CLOCK_STARTED,
	CLOCK_PAUSED,
	CLOCK_RESUMED,
	CLOCK_STOPPED,
};

/* view_json.c */
json_t		*jcheck(json_t *value);
void		 put(json_t *obj, const char *key, json_t *value);
void		 append(json_t *arr, json_t *value);
json_t		*jstr(const char *s);
void		 put_str(json_t *obj, const char *key, const char *s);
void		 put_time(json_t *obj, const char *key, int64_t ms);
void		 put_cny(json_t *obj, const char *key, int64_t fen);
void		 put_num(json_t *obj, const char *key, int64_t n);
json_t		*enum_json(const ProtobufCEnumDescriptor *d, int value);
void		 put_enum(json_t *obj, const char *key,
		    const ProtobufCEnumDescriptor *d, int value);
const char	*enum_text(const ProtobufCEnumDescriptor *d, int value,
		    char *buf, size_t size);
json_t		*member(json_t *obj, const char *key, json_type type);
const char	*str_member(const json_t *obj, const char *key);
bool		 same_str(const char *a, const char *b);
json_t		*strv_json(char **v, size_t n);
json_t		*actor_json(const Cdp__V1__Actor *a);
void		 cny_text(int64_t fen, char *buf, size_t size);
int64_t		 ev_at(const Cdp__V1__ComplaintEvent *ev);
const char	*ev_id(const Cdp__V1__ComplaintEvent *ev);
void		 copy_member(json_t *dst, const json_t *src, const char *key);
void		 count_add(json_t *view, const char *key, json_int_t n);
bool		 is_note(const json_t *entry);

/* view.c */
void		 put_status(json_t *view, Cdp__V1__ComplaintStatus status);
json_t		*history_add(json_t *view, const Cdp__V1__ComplaintEvent *ev,
		    const char *event, const char *detail);

/* view_sla.c */
void		 escalation_apply(json_t *view,
		    const Cdp__V1__ComplaintEvent *ev,
		    const Cdp__V1__Escalation *e);
bool		 apply_clock(json_t *view, const Cdp__V1__ComplaintEvent *ev,
		    const Cdp__V1__SlaClockChange *ch, enum clock_change change);
bool		 apply_warning(json_t *view, const Cdp__V1__ComplaintEvent *ev,
		    const Cdp__V1__SlaWarning *w);
bool		 apply_breached(json_t *view, const Cdp__V1__ComplaintEvent *ev,
		    const Cdp__V1__SlaBreached *b);
bool		 apply_compensation(json_t *view,
		    const Cdp__V1__ComplaintEvent *ev,
		    const Cdp__V1__CompensationIssued *ci);
bool		 apply_escalated(json_t *view, const Cdp__V1__ComplaintEvent *ev,
		    const Cdp__V1__Escalation *e);

/* view_bound.c */
void		 closed_at_track(json_t *view,
		    const Cdp__V1__ComplaintEvent *ev);

#endif
