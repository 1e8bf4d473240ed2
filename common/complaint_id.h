/*
 * complaint_id.c: the shape of a complaint id, one letter and 12 Crockford
 * base32 characters of SHA-256(seed), minted by intake for filed
 * complaints ('C', seeded by the API key and Idempotency-Key, or a random
 * id) and by the classifier for the complaints the platform opens itself
 * ('P', seeded by order and cause). The same seed always gives the same
 * id, so a retry or a replay names the same complaint.
 */
#ifndef CDP_COMPLAINT_ID_H
#define CDP_COMPLAINT_ID_H

#define COMPLAINT_ID_DIGITS	12
#define COMPLAINT_ID_LEN	(1 + COMPLAINT_ID_DIGITS)	/* no NUL */

#define COMPLAINT_ID_FILED	'C'	/* filed through intake */
#define COMPLAINT_ID_PROACTIVE	'P'	/* opened by the platform */

void	complaint_id_derive(char kind, const char *seed,
	    char out[COMPLAINT_ID_LEN + 1]);

#endif
