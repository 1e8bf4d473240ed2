/*
 * Event ids are UUID-shaped: random ones are version 4; ids derived from a
 * cause are version 8 (RFC 9562's custom layout) holding the first 122 bits
 * of SHA-256(cause id, NUL, purpose).
 */
#include <sys/random.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "log.h"
#include "meta.h"

static void
uuid_format(unsigned char b[16], unsigned version, char *out)
{
	b[6] = (unsigned char)((b[6] & 0x0f) | (version << 4));
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, META_ID_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	    b[10], b[11], b[12], b[13], b[14], b[15]);
}

void
meta_random_id(char out[META_ID_LEN + 1])
{
	unsigned char	b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		fatal("getrandom");
	uuid_format(b, 4, out);
}

/*
 * The same cause and purpose always give the same id, and different
 * purposes of one cause give different ids, so one input event can fan out
 * into several output events that are each deduplicated on replay.
 */
void
meta_derive_id(const char *cause_id, const char *purpose,
    char out[META_ID_LEN + 1])
{
	unsigned char	 digest[EVP_MAX_MD_SIZE];
	unsigned int	 len;
	EVP_MD_CTX	*ctx;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		fatalx("meta_derive_id: out of memory");
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, cause_id, strlen(cause_id) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, purpose, strlen(purpose)) != 1 ||
	    EVP_DigestFinal_ex(ctx, digest, &len) != 1)
		fatalx("meta_derive_id: SHA-256 failed");
	EVP_MD_CTX_free(ctx);
	uuid_format(digest, 8, out);
}

int64_t
meta_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Fills meta for a new event. With a cause, the id is derived from the
 * cause's id and the purpose and the trace id is inherited; without one
 * (an event born from outside input, such as an HTTP request), the id and
 * the trace are new. The strings live in ids, which must outlive meta.
 */
void
meta_fill(Cdp__V1__EventMeta *meta, struct meta_ids *ids, const char *producer,
    const Cdp__V1__EventMeta *cause, const char *purpose)
{
	cdp__v1__event_meta__init(meta);
	if (cause != NULL) {
		meta_derive_id(cause->event_id, purpose, ids->event_id);
		snprintf(ids->cause_id, sizeof(ids->cause_id), "%s",
		    cause->event_id);
		snprintf(ids->trace_id, sizeof(ids->trace_id), "%s",
		    cause->trace_id[0] != '\0' ? cause->trace_id :
		    cause->event_id);
	} else {
		meta_random_id(ids->event_id);
		ids->cause_id[0] = '\0';
		snprintf(ids->trace_id, sizeof(ids->trace_id), "%s",
		    ids->event_id);
	}
	meta->event_id = ids->event_id;
	meta->cause_id = ids->cause_id;
	meta->trace_id = ids->trace_id;
	meta->occurred_at_ms = meta_now_ms();
	meta->producer = (char *)producer;
	meta->schema_version = META_SCHEMA_VERSION;
}
