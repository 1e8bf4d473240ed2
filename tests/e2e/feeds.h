/*
 * What other systems publish for the end-to-end stories (feeds.c): an
 * order from the order system, a scan of its parcel from the carrier.
 */
#ifndef CDP_E2E_FEEDS_H
#define CDP_E2E_FEEDS_H

#include "cdp/v1/enums.pb-c.h"

void	feeds_order(const char *order_id, const char *merchant,
	    const char *buyer);
void	feeds_scan(const char *order_id, Cdp__V1__LogisticsStatus status);

#endif
