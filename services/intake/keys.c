/*
 * API keys: who may call the intake API, in which role and how fast. The
 * keys live in a file (config/api-keys.conf in development) that holds only
 * their SHA-256 hashes, so the file can be read by anyone who deploys the
 * service without giving away a key.
 *
 * The file has one key a line, fields separated by spaces or tabs:
 *
 *	<name> <role> <sha256 hex> <rate per second> <burst>
 *
 *	name	the key's name in logs and events: 1-64 of [A-Za-z0-9._:-]
 *	role	channel:<channel>  a complaint channel: app, web, chat,
 *				   hotline, email, social or offline
 *		agent		   a customer-service agent
 *		merchant:<id>	   one merchant, its id shaped as a name
 *		admin		   an administrator
 *	hash	the key's SHA-256, 64 hex digits (scripts/api-key-hash)
 *	rate	requests a second, a decimal number greater than 0 (0.5:
 *		one request every two seconds), at most 1000000
 *	burst	requests allowed at once, an integer from 1 to 1000000
 *
 * '#' starts a comment that runs to the end of the line; blank lines are
 * skipped. Two keys may not share a name or a hash. Any bad line makes the
 * whole file fail with "<path>:<line>: <reason>", so a typo never leaves a
 * key silently missing.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "intake.h"
#include "vocab.h"
#include "xmalloc.h"

#define KEYS_FIELDS	5
#define KEYS_RATE_MAX	1000000.0
#define KEYS_BURST_MAX	1000000L
#define KEYS_TOKEN_MAX	256	/* characters of a presented key */
#define KEYS_REASON_MAX	256
#define KEYS_ECHO	"%.64s"	/* how much of a bad field is quoted */

/* A key and the line it came from, for messages about duplicates. */
struct key_entry {
	struct api_key	key;
	size_t		line;
};

struct keys {
	struct key_entry	*v;
	size_t			 n;
	size_t			 cap;
};

/* Returns the name of a role as the API and the key file spell it. */
const char *
keys_role_name(enum key_role role)
{
	switch (role) {
	case KEY_ROLE_CHANNEL:
		return "channel";
	case KEY_ROLE_AGENT:
		return "agent";
	case KEY_ROLE_MERCHANT:
		return "merchant";
	case KEY_ROLE_ADMIN:
		return "admin";
	}
	return "unknown";
}

/*
 * Copies an id (a key name or a merchant id) if it has the shape every id
 * on the platform has: 1-64 of [A-Za-z0-9._:-].
 */
static int
keys_parse_id(const char *s, char out[INTAKE_ID_MAX + 1])
{
	if (!complaint_json_id_valid(s))
		return -1;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/*
 * A channel by its public name (vocab.c); a key never files for the
 * system channel, on which the platform opens complaints itself.
 */
static int
keys_parse_channel(const char *s, Cdp__V1__Channel *out)
{
	int	c;

	if (vocab_value(&cdp__v1__channel__descriptor, s, &c) == -1 ||
	    c == CDP__V1__CHANNEL__CHANNEL_SYSTEM)
		return -1;
	*out = c;
	return 0;
}

/* Reads the qualifier of the channel role: which channel the key is. */
static int
keys_parse_role_channel(const char *q, struct api_key *k, char *reason,
    size_t rsz)
{
	k->role = KEY_ROLE_CHANNEL;
	if (q != NULL && keys_parse_channel(q, &k->channel) == 0)
		return 0;
	snprintf(reason, rsz, "role channel needs a channel (channel:<name>, "
	    "one of app, web, chat, hotline, email, social, offline), got \""
	    KEYS_ECHO "\"", q == NULL ? "" : q);
	return -1;
}

/* Reads the qualifier of the merchant role: the one merchant it acts for. */
static int
keys_parse_role_merchant(const char *q, struct api_key *k, char *reason,
    size_t rsz)
{
	k->role = KEY_ROLE_MERCHANT;
	if (q != NULL && keys_parse_id(q, k->merchant_id) == 0)
		return 0;
	snprintf(reason, rsz, "role merchant needs a merchant id "
	    "(merchant:<id>, 1-64 of [A-Za-z0-9._:-]), got \"" KEYS_ECHO "\"",
	    q == NULL ? "" : q);
	return -1;
}

/*
 * Parses "channel:<channel>", "agent", "merchant:<id>" or "admin". Only the
 * channel and merchant roles take a qualifier, and they must have one.
 */
static int
keys_parse_role(char *s, struct api_key *k, char *reason, size_t rsz)
{
	char	*q;

	if ((q = strchr(s, ':')) != NULL)
		*q++ = '\0';
	if (strcmp(s, "channel") == 0)
		return keys_parse_role_channel(q, k, reason, rsz);
	if (strcmp(s, "merchant") == 0)
		return keys_parse_role_merchant(q, k, reason, rsz);
	if (strcmp(s, "agent") == 0)
		k->role = KEY_ROLE_AGENT;
	else if (strcmp(s, "admin") == 0)
		k->role = KEY_ROLE_ADMIN;
	else {
		snprintf(reason, rsz, "unknown role \"" KEYS_ECHO "\" "
		    "(expected channel:<channel>, agent, merchant:<id> or "
		    "admin)", s);
		return -1;
	}
	if (q != NULL) {
		snprintf(reason, rsz, "role %s takes no qualifier, got \"%s:"
		    KEYS_ECHO "\"", s, s, q);
		return -1;
	}
	return 0;
}

static int
keys_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes exactly 64 hex digits (either case) into a SHA-256 hash. */
static int
keys_parse_hash(const char *s, unsigned char out[32])
{
	size_t	i;
	int	hi, lo;

	if (strlen(s) != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		hi = keys_hex_digit((unsigned char)s[2 * i]);
		lo = keys_hex_digit((unsigned char)s[2 * i + 1]);
		if (hi == -1 || lo == -1)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/*
 * A rate is plain decimal: digits and a point. strtod alone would also
 * take signs, "inf", "nan", hex and exponents, none of which belong in a
 * number an operator reads.
 */
static int
keys_parse_rate(const char *s, double *out)
{
	char	*end;

	if (s[strspn(s, "0123456789.")] != '\0')
		return -1;
	*out = strtod(s, &end);
	if (end == s || *end != '\0' || !(*out > 0) || *out > KEYS_RATE_MAX)
		return -1;
	return 0;
}

static int
keys_parse_burst(const char *s, long *out)
{
	char	*end;

	if (s[strspn(s, "0123456789")] != '\0' || strlen(s) > 7)
		return -1;
	*out = strtol(s, &end, 10);
	if (end == s || *out < 1 || *out > KEYS_BURST_MAX)
		return -1;
	return 0;
}

/* Parses the rate and burst fields and starts the key's bucket full. */
static int
keys_parse_limit(const char *rate_s, const char *burst_s, struct api_key *k,
    int64_t now_ms, char *reason, size_t rsz)
{
	double	rate;
	long	burst;

	if (keys_parse_rate(rate_s, &rate) == -1) {
		snprintf(reason, rsz, "rate must be a decimal number greater "
		    "than 0 and at most 1000000, got \"" KEYS_ECHO "\"",
		    rate_s);
		return -1;
	}
	if (keys_parse_burst(burst_s, &burst) == -1) {
		snprintf(reason, rsz, "burst must be an integer from 1 to "
		    "1000000, got \"" KEYS_ECHO "\"", burst_s);
		return -1;
	}
	ratelimit_init(&k->limit, rate, (double)burst, now_ms);
	return 0;
}

/*
 * Parses the fields of one line into k, or says in reason what is wrong
 * with the first bad field.
 */
static int
keys_parse_entry(char *fields[], size_t n, struct api_key *k, int64_t now_ms,
    char *reason, size_t rsz)
{
	if (n != KEYS_FIELDS) {
		snprintf(reason, rsz, "expected 5 fields (name role hash rate "
		    "burst), got %s", n < KEYS_FIELDS ? "fewer" : "more");
		return -1;
	}
	if (keys_parse_id(fields[0], k->name) == -1) {
		snprintf(reason, rsz, "bad key name \"" KEYS_ECHO "\": "
		    "expected 1-64 of [A-Za-z0-9._:-]", fields[0]);
		return -1;
	}
	if (keys_parse_role(fields[1], k, reason, rsz) == -1)
		return -1;
	if (keys_parse_hash(fields[2], k->hash) == -1) {
		snprintf(reason, rsz, "bad hash \"" KEYS_ECHO "\": "
		    "expected the key's SHA-256 as 64 hex digits", fields[2]);
		return -1;
	}
	return keys_parse_limit(fields[3], fields[4], k, now_ms, reason, rsz);
}

/*
 * Two keys with one name would be told apart nowhere downstream; two with
 * one hash are the same secret under two names, so the role a request gets
 * would depend on the order of the file.
 */
static int
keys_check_unique(const struct keys *keys, const struct api_key *k,
    char *reason, size_t rsz)
{
	const struct key_entry	*e;
	size_t			 i;

	for (i = 0; i < keys->n; i++) {
		e = &keys->v[i];
		if (strcmp(e->key.name, k->name) == 0) {
			snprintf(reason, rsz, "duplicate key name \"%s\" "
			    "(first on line %zu)", k->name, e->line);
			return -1;
		}
		if (memcmp(e->key.hash, k->hash, sizeof(k->hash)) == 0) {
			snprintf(reason, rsz, "duplicate hash: key \"%s\" on "
			    "line %zu has the same one", e->key.name, e->line);
			return -1;
		}
	}
	return 0;
}

/*
 * Cuts off the line's comment and splits the rest into fields at spaces
 * and tabs. Returns the number of fields, at most max + 1 so that a line
 * with too many is noticed.
 */
static size_t
keys_split(char *line, char *fields[], size_t max)
{
	char	*p = line;
	size_t	 n = 0;

	line[strcspn(line, "#")] = '\0';
	for (;;) {
		p += strspn(p, " \t\r\n");
		if (*p == '\0' || n == max + 1)
			return n;
		fields[n++] = p;
		p += strcspn(p, " \t\r\n");
		if (*p != '\0')
			*p++ = '\0';
	}
}

/* Adds the key on one line of the file; blank and comment lines add none. */
static int
keys_add_line(struct keys *keys, char *line, size_t lineno, int64_t now_ms,
    char *reason, size_t rsz)
{
	struct key_entry	 e;
	char			*fields[KEYS_FIELDS + 1];
	size_t			 n;

	if ((n = keys_split(line, fields, KEYS_FIELDS)) == 0)
		return 0;
	memset(&e, 0, sizeof(e));
	e.line = lineno;
	if (keys_parse_entry(fields, n, &e.key, now_ms, reason, rsz) == -1 ||
	    keys_check_unique(keys, &e.key, reason, rsz) == -1)
		return -1;
	if (keys->n == keys->cap) {
		keys->cap = keys->cap == 0 ? 8 : keys->cap * 2;
		keys->v = xreallocarray(keys->v, keys->cap, sizeof(*keys->v));
	}
	keys->v[keys->n++] = e;
	return 0;
}

/*
 * Reads every line of the file. On error, *lineno is the bad line, or 0
 * when the fault is the file's as a whole (unreadable, or without keys).
 */
static int
keys_read(struct keys *keys, FILE *fp, int64_t now_ms, size_t *lineno,
    char *reason, size_t rsz)
{
	char	*line = NULL;
	size_t	 linesz = 0;
	ssize_t	 len;
	int	 rv = -1;

	while ((len = getline(&line, &linesz, fp)) != -1) {
		(*lineno)++;
		if (strlen(line) != (size_t)len) {
			snprintf(reason, rsz, "NUL byte in line");
			goto out;
		}
		if (keys_add_line(keys, line, *lineno, now_ms, reason,
		    rsz) == -1)
			goto out;
	}
	*lineno = 0;
	if (ferror(fp)) {
		snprintf(reason, rsz, "%s", strerror(errno));
		goto out;
	}
	if (keys->n == 0) {
		snprintf(reason, rsz, "no keys");
		goto out;
	}
	rv = 0;
 out:
	free(line);
	return rv;
}

/*
 * Loads the keys in path, each with a full bucket as of now_ms. Returns
 * NULL and a message "<path>:<line>: <reason>" (or "<path>: <reason>") in
 * err if the file cannot be read or any line is bad: a partial set of keys
 * is never returned. The caller owns the result (keys_free).
 */
struct keys *
keys_load(const char *path, int64_t now_ms, char *err, size_t errsz)
{
	struct keys	*keys;
	FILE		*fp;
	char		 reason[KEYS_REASON_MAX];
	size_t		 lineno = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	keys = xcalloc(1, sizeof(*keys));
	if (keys_read(keys, fp, now_ms, &lineno, reason, sizeof(reason)) ==
	    -1) {
		if (lineno == 0)
			snprintf(err, errsz, "%s: %s", path, reason);
		else
			snprintf(err, errsz, "%s:%zu: %s", path, lineno,
			    reason);
		keys_free(keys);
		keys = NULL;
	}
	fclose(fp);
	return keys;
}

/*
 * Finds the token in an Authorization header of the form "Bearer <token>":
 * the scheme in any case, one or more spaces, then 1-256 visible ASCII
 * characters and nothing after them.
 */
static int
keys_bearer_token(const char *header, const char **token, size_t *len)
{
	const unsigned char	*p;
	size_t			 n;

	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return -1;
	p = (const unsigned char *)header + 7;
	p += strspn((const char *)p, " ");
	for (n = 0; n <= KEYS_TOKEN_MAX && p[n] > ' ' && p[n] < 0x7f; n++)
		continue;
	if (n == 0 || n > KEYS_TOKEN_MAX || p[n] != '\0')
		return -1;
	*token = (const char *)p;
	*len = n;
	return 0;
}

/*
 * Returns the key presented in an Authorization header, or NULL. The token
 * is hashed and compared with every key by CRYPTO_memcmp, and the loop
 * goes on past a match, so the time taken tells nothing of which key
 * matched, if any, nor of how much of a hash was right. The key returned
 * belongs to keys; its bucket is the caller's to take from.
 */
struct api_key *
keys_authenticate(struct keys *keys, const char *authorization)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;
	const char	*token;
	size_t		 len, i, same, found = 0;

	if (keys_bearer_token(authorization, &token, &len) == -1)
		return NULL;
	if (EVP_Digest(token, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != sizeof(keys->v[0].key.hash))
		return NULL;
	for (i = 0; i < keys->n; i++) {
		same = CRYPTO_memcmp(md, keys->v[i].key.hash, mdlen) == 0;
		found |= (i + 1) & (0 - same);
	}
	return found == 0 ? NULL : &keys->v[found - 1].key;
}

/*
 * The hashes of the development keys in config/api-keys.conf. Their keys
 * are public (each is its own name), so a file that holds one of them is
 * fit for development only.
 */
static const char *const keys_dev_hashes[] = {
	"242c670691fc3782119691a8e037dea8df946316492bc50d57e09176781a90e6",
	"02e6f405d9aa360086f7ce39aa8a2df557d53c1e64ad93860cc19524ee9ed5c1",
	"7e542874dafc353f457e15db9d96910462164284b71e73ea6d64ac83d3b7405f",
	"de72d648e29b247c1875138a7140256dbe5df3e6c9f37d592b07d9de509d2878",
	"8c9ade4dd8c41d993013e48b6337bc3cea6088fce2f860c5232650fd244f9a55",
	"81c628ce74eb491e5949ecee030e745f1855f031c8d0c880ea45b11f4cf0c357",
};

/*
 * Whether k is a development key: one of the repository's, or any key
 * that is its own name (the dev files' convention), which anyone who
 * reads the file can present.
 */
static bool
keys_is_dev(const struct api_key *k)
{
	unsigned char	hash[32], own[EVP_MAX_MD_SIZE];
	unsigned int	len;
	size_t		i;

	for (i = 0; i < nitems(keys_dev_hashes); i++)
		if (keys_parse_hash(keys_dev_hashes[i], hash) == 0 &&
		    memcmp(hash, k->hash, sizeof(hash)) == 0)
			return true;
	return EVP_Digest(k->name, strlen(k->name), own, &len, EVP_sha256(),
	    NULL) == 1 && memcmp(own, k->hash, sizeof(k->hash)) == 0;
}

/*
 * Returns the name of the first development key in keys, or NULL when
 * there is none: outside dev mode, intake refuses to start with one.
 */
const char *
keys_dev_key(const struct keys *keys)
{
	size_t	i;

	for (i = 0; i < keys->n; i++)
		if (keys_is_dev(&keys->v[i].key))
			return keys->v[i].key.name;
	return NULL;
}

void
keys_free(struct keys *keys)
{
	if (keys == NULL)
		return;
	free(keys->v);
	free(keys);
}
