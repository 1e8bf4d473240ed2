/* Complaint ids (see complaint_id.h). */
#include <string.h>

#include <openssl/evp.h>

#include "complaint_id.h"
#include "log.h"

/* Crockford's base32: no I, L, O or U, so ids read back without doubt. */
static const char complaint_id_b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void
complaint_id_derive(char kind, const char *seed,
    char out[COMPLAINT_ID_LEN + 1])
{
	unsigned char	d[EVP_MAX_MD_SIZE];
	unsigned int	n;
	int		i;

	if (EVP_Digest(seed, strlen(seed), d, &n, EVP_sha256(), NULL) != 1)
		fatalx("complaint id: SHA-256 failed");
	out[0] = kind;
	for (i = 0; i < COMPLAINT_ID_DIGITS; i++)
		out[i + 1] = complaint_id_b32[d[i] & 31];
	out[COMPLAINT_ID_LEN] = '\0';
}
