/*
 * The webhook signature: hex HMAC-SHA256, with the recipient's secret, of
 * the timestamp header, a dot and the exact body bytes. A receiver
 * recomputes it, compares in constant time, refuses a timestamp too far
 * from its clock, and remembers the signatures it has accepted, so a
 * captured request can be replayed neither later nor within the window
 * (docs/notifier.md, "Verifying a webhook").
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
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

/* The timestamp header as seconds: 1 to 18 digits, nothing else. */
static int
parse_timestamp(const char *s, int64_t *out)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return -1;
	*out = strtoll(s, NULL, 10);
	return 0;
}

/* Whether sig was accepted before; remembers it if not. */
static bool
seen_before(struct sign_seen *seen, const char *sig, int64_t ts)
{
	size_t	i;

	for (i = 0; i < SIGN_SEEN_MAX; i++)
		if (seen->at[i] != 0 && strcmp(seen->sig[i], sig) == 0)
			return true;
	snprintf(seen->sig[seen->next], sizeof(seen->sig[0]), "%s", sig);
	seen->at[seen->next] = ts;
	seen->next = (seen->next + 1) % SIGN_SEEN_MAX;
	return false;
}

/*
 * Verifies a delivery as a merchant should: the signature (in constant
 * time) first, so nothing unsigned reaches the memory; then the timestamp,
 * at most SIGN_WINDOW_S from now_s either way; then, with a memory
 * (seen, may be NULL), that this signature was not accepted before.
 */
enum sign_verdict
sign_verify(const char *secret, const char *timestamp, const char *signature,
    const char *body, size_t len, int64_t now_s, struct sign_seen *seen)
{
	char	want[SIGN_HEX_LEN + 1];
	int64_t	ts;

	if (timestamp == NULL || signature == NULL ||
	    parse_timestamp(timestamp, &ts) == -1 ||
	    strlen(signature) != SIGN_HEX_LEN)
		return SIGN_MALFORMED;
	if (sign_body(secret, timestamp, body, len, want) == -1 ||
	    CRYPTO_memcmp(want, signature, SIGN_HEX_LEN) != 0)
		return SIGN_MISMATCH;
	if (ts < now_s - SIGN_WINDOW_S)
		return SIGN_STALE;
	if (ts > now_s + SIGN_WINDOW_S)
		return SIGN_FUTURE;
	if (seen != NULL && seen_before(seen, want, ts))
		return SIGN_REPLAYED;
	return SIGN_OK;
}

const char *
sign_verdict_name(enum sign_verdict v)
{
	switch (v) {
	case SIGN_OK:
		return "ok";
	case SIGN_MALFORMED:
		return "malformed";
	case SIGN_MISMATCH:
		return "mismatch";
	case SIGN_STALE:
		return "stale";
	case SIGN_FUTURE:
		return "future";
	case SIGN_REPLAYED:
		return "replayed";
	}
	return "unknown";
}
