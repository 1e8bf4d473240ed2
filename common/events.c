/*
 * The decoders of the platform's topics (events.h): the checks every
 * consumer of a topic needs before it can file an event under its key,
 * and that its strings are UTF-8 (pb_utf8_valid()).
 */
#include "cdp/v1/complaint.pb-c.h"
#include "cdp/v1/merchant.pb-c.h"
#include "cdp/v1/order.pb-c.h"
#include "events.h"
#include "pb.h"

static const char *
complaint_check(const char *topic, const ProtobufCMessage *msg)
{
	const Cdp__V1__ComplaintEvent	*ev = (const void *)msg;

	if (ev->meta == NULL || ev->complaint_id[0] == '\0')
		return "ComplaintEvent without metadata or complaint id";
	if (!pb_utf8_valid(msg))
		return "ComplaintEvent with a string that is not UTF-8";
	pb_body_unknown(topic, ev->body_case);
	return NULL;
}

static const char *
merchant_check(const char *topic, const ProtobufCMessage *msg)
{
	const Cdp__V1__MerchantEvent	*ev = (const void *)msg;

	if (ev->meta == NULL || ev->merchant_id[0] == '\0')
		return "MerchantEvent without metadata or merchant id";
	if (!pb_utf8_valid(msg))
		return "MerchantEvent with a string that is not UTF-8";
	pb_body_unknown(topic, ev->body_case);
	return NULL;
}

static const char *
order_check(const char *topic, const ProtobufCMessage *msg)
{
	const Cdp__V1__OrderEvent	*ev = (const void *)msg;

	if (ev->order_id[0] == '\0')
		return "OrderEvent without order_id";
	if (!pb_utf8_valid(msg))
		return "OrderEvent with a string that is not UTF-8";
	pb_body_unknown(topic, ev->body_case);
	return NULL;
}

static const char *
logistics_check(const char *topic, const ProtobufCMessage *msg)
{
	const Cdp__V1__LogisticsEvent	*ev = (const void *)msg;

	(void)topic;
	if (ev->order_id[0] == '\0')
		return "LogisticsEvent without order_id";
	if (!pb_utf8_valid(msg))
		return "LogisticsEvent with a string that is not UTF-8";
	return NULL;
}

const struct kafka_decoder	events_complaint = {
	&cdp__v1__complaint_event__descriptor, complaint_check,
};
const struct kafka_decoder	events_merchant = {
	&cdp__v1__merchant_event__descriptor, merchant_check,
};
const struct kafka_decoder	events_order = {
	&cdp__v1__order_event__descriptor, order_check,
};
const struct kafka_decoder	events_logistics = {
	&cdp__v1__logistics_event__descriptor, logistics_check,
};

const Cdp__V1__Filed *
events_filed(const Cdp__V1__ComplaintEvent *ev)
{
	if (ev->body_case == CDP__V1__COMPLAINT_EVENT__BODY_FILED)
		return ev->filed;
	if (ev->body_case == CDP__V1__COMPLAINT_EVENT__BODY_PROACTIVE_OPENED &&
	    ev->proactive_opened != NULL)
		return ev->proactive_opened->filed;
	return NULL;
}
