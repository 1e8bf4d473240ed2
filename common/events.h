/*
 * The decoders of the platform's topics for kafka_consumer (kafka.h): each
 * names the protobuf type of a topic's messages and checks what every
 * consumer of it needs, so no daemon decodes, checks and dead-letters on
 * its own. An event whose body this build does not know passes, counted
 * in events_unknown_total (pb.c), for the handler to skip.
 */
#ifndef CDP_EVENTS_H
#define CDP_EVENTS_H

#include "cdp/v1/complaint.pb-c.h"
#include "kafka.h"

/* complaints.events: a ComplaintEvent with metadata and a complaint id. */
extern const struct kafka_decoder	events_complaint;
/* merchants.events: a MerchantEvent with metadata and a merchant id. */
extern const struct kafka_decoder	events_merchant;
/* orders.events: an OrderEvent with an order id. */
extern const struct kafka_decoder	events_order;
/* logistics.events: a LogisticsEvent with an order id. */
extern const struct kafka_decoder	events_logistics;

/* The filing a complaint event carries (Filed, ProactiveOpened), or NULL. */
const Cdp__V1__Filed	*events_filed(const Cdp__V1__ComplaintEvent *ev);

#endif
