/*
 * The webhook signature: hex HMAC-SHA256, with the recipient's secret, of
 * the timestamp header, a dot and the exact body bytes. A receiver
 * recomputes it, compares in constant time, and refuses a timestamp too
 * far from its clock, so a captured request cannot be replayed later
 * (README, "Verifying webhook signatures").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "notifier.h"
#include "xmalloc.h"

/* Writes the signature of (timestamp, body) into out; 0, or -1. */
int
sign_body(const char *secret, const char *timestamp, const char *body,
    size_t len, char out[SIGN_HEX_LEN + 1])
{
	unsigned char	 mac[EVP_MAX_MD_SIZE], *msg;
	unsigned int	 maclen = 0, i;
	size_t		 tslen = strlen(timestamp);
	int		 rc = -1;

	msg = xmalloc(tslen + 1 + len + 1);
	memcpy(msg, timestamp, tslen);
	msg[tslen] = '.';
	memcpy(msg + tslen + 1, body, len);
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), msg,
	    tslen + 1 + len, mac, &maclen) == NULL ||
	    maclen * 2 != SIGN_HEX_LEN)
		goto done;
	for (i = 0; i < maclen; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	rc = 0;
done:
	free(msg);
	return rc;
}
