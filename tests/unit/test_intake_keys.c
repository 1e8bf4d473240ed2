/*
 * Unit tests of services/intake/keys.c: the key file (every rule, every
 * kind of bad line), the Authorization header and the lookup of a key by
 * its hash. Key files are written to temporary files; the dev file is only
 * checked for its keys and roles, never for its rates.
 */
/* cdp-test-sources: services/intake/keys.c services/intake/ratelimit.c services/intake/complaint_json.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "intake/intake.h"
#include "nitems.h"

#define T0	1700000000000LL

/* SHA-256 of the key strings, as scripts/api-key-hash prints them. */
#define H_ONE	"9b346041bc9a49574eb2665b2ad2a0a3" \
		"f9f9cce4e42f5d1f26deb8a256b5966a"	/* key-one */
#define H_TWO	"c8df51469c308a59bfbd48a3e0bdd228" \
		"ca922d6032035f5ef6e4ad45f473a9f3"	/* key-two */
#define H_THREE	"2f06bcf4e8d96d66f0b8d972e1d9351a" \
		"255f82ff4cf1a12b63c8d3642206547e"	/* key-three */
#define H_A256	"02d7160d77e18c6447be80c2e355c7ed" \
		"4388545271702c50253b0914c65ce5fe"	/* 'a' x 256 */

static char	tmp_path[64];

/* Writes text to a new temporary file, whose name is left in tmp_path. */
static void
write_tmp(const char *text)
{
	FILE	*fp;
	int	 fd;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/test-keys.XXXXXX");
	assert_true((fd = mkstemp(tmp_path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Loads keys from text, by way of a temporary file. */
static struct keys *
load_text(const char *text, char *err, size_t errsz)
{
	struct keys	*keys;

	write_tmp(text);
	err[0] = '\0';
	keys = keys_load(tmp_path, T0, err, errsz);
	unlink(tmp_path);
	return keys;
}

/* Formats the SHA-256 of key as hex, independently of keys.c. */
static void
sha256_hex(const char *key, char out[65])
{
	unsigned char	md[32];
	unsigned int	len;
	size_t		i;

	assert_int_equal(EVP_Digest(key, strlen(key), md, &len, EVP_sha256(),
	    NULL), 1);
	for (i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static const char valid_file[] =
    "# A comment line, then a blank one.\n"
    "\n"
    "app\tchannel:app\t" H_ONE "\t200\t400\n"
    "   agent-1   agent   " H_TWO "   0.5   1   # a trailing comment\n"
    "M.1001:x_y merchant:M.1001:x_y " H_THREE " 20 40\n"
    "root admin " H_A256 " 1.25 3\r\n";

static void
test_load_valid(void **state)
{
	struct keys	*keys;
	struct api_key	*k;
	char		 err[256], header[7 + 256 + 1];

	assert_non_null(keys = load_text(valid_file, err, sizeof(err)));
	assert_string_equal(err, "");

	assert_non_null(k = keys_authenticate(keys, "Bearer key-one"));
	assert_string_equal(k->name, "app");
	assert_int_equal(k->role, KEY_ROLE_CHANNEL);
	assert_int_equal(k->channel, CDP__V1__CHANNEL__CHANNEL_APP);
	assert_true(k->limit.rate == 200 && k->limit.burst == 400);
	assert_true(k->limit.tokens == 400 && k->limit.last_ms == T0);

	assert_non_null(k = keys_authenticate(keys, "Bearer key-two"));
	assert_string_equal(k->name, "agent-1");
	assert_int_equal(k->role, KEY_ROLE_AGENT);
	assert_true(k->limit.rate == 0.5 && k->limit.burst == 1);

	assert_non_null(k = keys_authenticate(keys, "Bearer key-three"));
	assert_string_equal(k->name, "M.1001:x_y");
	assert_int_equal(k->role, KEY_ROLE_MERCHANT);
	assert_string_equal(k->merchant_id, "M.1001:x_y");

	/* The admin's key is 256 times 'a'. */
	memset(header, 'a', sizeof(header));
	memcpy(header, "Bearer ", 7);
	header[7 + 256] = '\0';
	assert_non_null(k = keys_authenticate(keys, header));
	assert_string_equal(k->name, "root");
	assert_int_equal(k->role, KEY_ROLE_ADMIN);
	assert_true(k->limit.rate == 1.25 && k->limit.burst == 3);
	keys_free(keys);
}

static void
test_every_channel(void **state)
{
	static const struct {
		const char		*name;
		Cdp__V1__Channel	 channel;
	} channels[] = {
		{ "app", CDP__V1__CHANNEL__CHANNEL_APP },
		{ "web", CDP__V1__CHANNEL__CHANNEL_WEB },
		{ "chat", CDP__V1__CHANNEL__CHANNEL_CHAT },
		{ "hotline", CDP__V1__CHANNEL__CHANNEL_HOTLINE },
		{ "email", CDP__V1__CHANNEL__CHANNEL_EMAIL },
		{ "social", CDP__V1__CHANNEL__CHANNEL_SOCIAL },
		{ "offline", CDP__V1__CHANNEL__CHANNEL_OFFLINE },
	};
	struct keys	*keys;
	struct api_key	*k;
	char		 text[256], err[256];
	size_t		 i;

	for (i = 0; i < nitems(channels); i++) {
		snprintf(text, sizeof(text), "k channel:%s " H_ONE " 1 1\n",
		    channels[i].name);
		assert_non_null(keys = load_text(text, err, sizeof(err)));
		assert_non_null(k = keys_authenticate(keys, "Bearer key-one"));
		assert_int_equal(k->role, KEY_ROLE_CHANNEL);
		assert_int_equal(k->channel, channels[i].channel);
		keys_free(keys);
	}
}

/*
 * Each bad line is written as line 3 of a file, after a good key and a
 * comment, and must fail the whole file with "<path>:3: <reason>".
 */
static const struct {
	const char	*line;
	const char	*reason;
} bad_lines[] = {
	/* Fields. */
	{ "k agent " H_TWO " 1",
	  "expected 5 fields (name role hash rate burst), got fewer" },
	{ "k agent " H_TWO " 1 1 extra",
	  "expected 5 fields (name role hash rate burst), got more" },
	{ "k agent " H_TWO " 1 1 x y z",
	  "expected 5 fields (name role hash rate burst), got more" },
	/* Names. */
	{ "k/1 agent " H_TWO " 1 1",
	  "bad key name \"k/1\": expected 1-64 of [A-Za-z0-9._:-]" },
	{ "k\xc3\xa9 agent " H_TWO " 1 1",
	  "bad key name \"k\xc3\xa9\": expected 1-64 of [A-Za-z0-9._:-]" },
	{ "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  " agent " H_TWO " 1 1",
	  "bad key name \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkk\": expected 1-64 of [A-Za-z0-9._:-]" },
	/* Roles. */
	{ "k boss " H_TWO " 1 1",
	  "unknown role \"boss\" (expected channel:<channel>, agent, "
	  "merchant:<id> or admin)" },
	{ "k Agent " H_TWO " 1 1",
	  "unknown role \"Agent\" (expected channel:<channel>, agent, "
	  "merchant:<id> or admin)" },
	{ "k channel " H_TWO " 1 1",
	  "role channel needs a channel (channel:<name>, one of app, web, "
	  "chat, hotline, email, social, offline), got \"\"" },
	{ "k channel: " H_TWO " 1 1",
	  "role channel needs a channel (channel:<name>, one of app, web, "
	  "chat, hotline, email, social, offline), got \"\"" },
	{ "k channel:fax " H_TWO " 1 1",
	  "role channel needs a channel (channel:<name>, one of app, web, "
	  "chat, hotline, email, social, offline), got \"fax\"" },
	{ "k channel:system " H_TWO " 1 1",
	  "role channel needs a channel (channel:<name>, one of app, web, "
	  "chat, hotline, email, social, offline), got \"system\"" },
	{ "k merchant " H_TWO " 1 1",
	  "role merchant needs a merchant id (merchant:<id>, 1-64 of "
	  "[A-Za-z0-9._:-]), got \"\"" },
	{ "k merchant:M/1 " H_TWO " 1 1",
	  "role merchant needs a merchant id (merchant:<id>, 1-64 of "
	  "[A-Za-z0-9._:-]), got \"M/1\"" },
	{ "k agent:x " H_TWO " 1 1",
	  "role agent takes no qualifier, got \"agent:x\"" },
	{ "k admin: " H_TWO " 1 1",
	  "role admin takes no qualifier, got \"admin:\"" },
	/* Hashes. */
	{ "k agent " "abc" " 1 1",
	  "bad hash \"abc\": expected the key's SHA-256 as 64 hex digits" },
	{ "k agent " H_TWO "0 1 1",
	  "bad hash \"" H_TWO "\": expected the key's SHA-256 as 64 hex "
	  "digits" },
	{ "k agent "
	  "g8df51469c308a59bfbd48a3e0bdd228ca922d6032035f5ef6e4ad45f473a9f3"
	  " 1 1",
	  "bad hash \""
	  "g8df51469c308a59bfbd48a3e0bdd228ca922d6032035f5ef6e4ad45f473a9f3"
	  "\": expected the key's SHA-256 as 64 hex digits" },
	/* Rates. */
	{ "k agent " H_TWO " 0 1",
	  "rate must be a decimal number greater than 0 and at most "
	  "1000000, got \"0\"" },
	{ "k agent " H_TWO " 0.000 1",
	  "rate must be a decimal number greater than 0 and at most "
	  "1000000, got \"0.000\"" },
	{ "k agent " H_TWO " -1 1",
	  "rate must be a decimal number greater than 0 and at most "
	  "1000000, got \"-1\"" },
	{ "k agent " H_TWO " fast 1",
	  "rate must be a decimal number greater than 0 and at most "
	  "1000000, got \"fast\"" },
	{ "k agent " H_TWO " inf 1",
	  "rate must be a decimal number greater than 0 and at most "
	  "1000000, got \"inf\"" },
	{ "k agent " H_TWO " 1e3 1",
	  "rate must be a decimal number greater than 0 and at most "
	  "1000000, got \"1e3\"" },
	{ "k agent " H_TWO " 1.2.3 1",
	  "rate must be a decimal number greater than 0 and at most "
	  "1000000, got \"1.2.3\"" },
	{ "k agent " H_TWO " . 1",
	  "rate must be a decimal number greater than 0 and at most "
	  "1000000, got \".\"" },
	{ "k agent " H_TWO " 1000000.5 1",
	  "rate must be a decimal number greater than 0 and at most "
	  "1000000, got \"1000000.5\"" },
	/* Bursts. */
	{ "k agent " H_TWO " 1 0",
	  "burst must be an integer from 1 to 1000000, got \"0\"" },
	{ "k agent " H_TWO " 1 -1",
	  "burst must be an integer from 1 to 1000000, got \"-1\"" },
	{ "k agent " H_TWO " 1 1.5",
	  "burst must be an integer from 1 to 1000000, got \"1.5\"" },
	{ "k agent " H_TWO " 1 1000001",
	  "burst must be an integer from 1 to 1000000, got \"1000001\"" },
	{ "k agent " H_TWO " 1 99999999999999999999",
	  "burst must be an integer from 1 to 1000000, got "
	  "\"99999999999999999999\"" },
	/* Duplicates of line 1. */
	{ "first admin " H_TWO " 1 1",
	  "duplicate key name \"first\" (first on line 1)" },
	{ "second admin " H_ONE " 1 1",
	  "duplicate hash: key \"first\" on line 1 has the same one" },
	{ "second admin "
	  "9B346041BC9A49574EB2665B2AD2A0A3F9F9CCE4E42F5D1F26DEB8A256B5966A"
	  " 1 1",
	  "duplicate hash: key \"first\" on line 1 has the same one" },
};

static void
test_bad_lines(void **state)
{
	char	text[512], err[512], want[512];
	size_t	i;

	for (i = 0; i < nitems(bad_lines); i++) {
		snprintf(text, sizeof(text), "first channel:web " H_ONE
		    " 1 1\n# comment\n%s\nlast agent " H_THREE " 1 1\n",
		    bad_lines[i].line);
		strcpy(err, "untouched");
		if (load_text(text, err, sizeof(err)) != NULL)
			fail_msg("line accepted: %s", bad_lines[i].line);
		snprintf(want, sizeof(want), "%s:3: %s", tmp_path,
		    bad_lines[i].reason);
		assert_string_equal(err, want);
	}
}

static void
test_bad_files(void **state)
{
	char	err[256], want[256];

	assert_null(keys_load("/nonexistent/api-keys.conf", T0, err,
	    sizeof(err)));
	assert_string_equal(err, "/nonexistent/api-keys.conf: No such file "
	    "or directory");

	assert_null(keys_load("/tmp", T0, err, sizeof(err)));
	assert_string_equal(err, "/tmp: Is a directory");

	assert_null(load_text("", err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: no keys", tmp_path);
	assert_string_equal(err, want);

	assert_null(load_text("# only comments\n\n   # and blanks\n", err,
	    sizeof(err)));
	snprintf(want, sizeof(want), "%s: no keys", tmp_path);
	assert_string_equal(err, want);

	/* A NUL byte would hide the rest of the line from the parser. */
	write_tmp("k agent " H_TWO " 1 1\n");
	{
		FILE	*fp;

		assert_non_null(fp = fopen(tmp_path, "a"));
		assert_int_equal(fwrite("x\0y\n", 1, 4, fp), 4);
		assert_int_equal(fclose(fp), 0);
	}
	assert_null(keys_load(tmp_path, T0, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:2: NUL byte in line", tmp_path);
	unlink(tmp_path);
	assert_string_equal(err, want);

	/* A short error buffer is cut, not overrun. */
	assert_null(keys_load("/nonexistent/api-keys.conf", T0, err, 8));
	assert_string_equal(err, "/nonexi");
}

static void
test_authenticate_headers(void **state)
{
	static const char *const refused[] = {
		"",
		"Bearer",
		"Bearer ",
		"Bearer    ",
		"Bearerkey-one",
		"Bearer\tkey-one",
		"Basic key-one",
		"Token key-one",
		" Bearer key-one",
		"Bearer key-one ",
		"Bearer key-one\r\n",
		"Bearer key-one extra",
		"Bearer key-on",
		"Bearer key-one1",
		"Bearer KEY-ONE",
		"Bearer key\x7f-one",
		"Bearer k\xc3\xa9y",
		"Bearer " H_ONE,	/* the hash is not the key */
		"Bearer dev-app",
	};
	struct keys	*keys;
	struct api_key	*one;
	char		 err[256];
	size_t		 i;

	assert_non_null(keys = load_text(valid_file, err, sizeof(err)));
	assert_non_null(one = keys_authenticate(keys, "Bearer key-one"));
	assert_string_equal(one->name, "app");
	assert_ptr_equal(keys_authenticate(keys, "bearer key-one"), one);
	assert_ptr_equal(keys_authenticate(keys, "BEARER key-one"), one);
	assert_ptr_equal(keys_authenticate(keys, "bEaReR key-one"), one);
	assert_ptr_equal(keys_authenticate(keys, "Bearer     key-one"), one);

	assert_null(keys_authenticate(keys, NULL));
	for (i = 0; i < nitems(refused); i++)
		if (keys_authenticate(keys, refused[i]) != NULL)
			fail_msg("accepted: \"%s\"", refused[i]);
	keys_free(keys);
}

/* 256 characters are a token; 257 are refused before any hashing. */
static void
test_authenticate_token_length(void **state)
{
	struct keys	*keys;
	char		 header[8 + 300], text[512], err[256], hex[65];

	memset(header, 'b', sizeof(header));
	memcpy(header, "Bearer ", 7);
	header[7 + 256] = '\0';
	sha256_hex(header + 7, hex);
	snprintf(text, sizeof(text), "long admin %s 1 1\n", hex);
	assert_non_null(keys = load_text(text, err, sizeof(err)));
	assert_non_null(keys_authenticate(keys, header));

	header[7 + 256] = 'b';
	header[7 + 257] = '\0';
	assert_null(keys_authenticate(keys, header));
	keys_free(keys);
}

/*
 * With many keys, each is found whatever its place in the file: the
 * comparison runs over every entry and must pick the one that matched,
 * first, middle or last, and none for a stranger.
 */
static void
test_authenticate_many_keys(void **state)
{
	struct keys	*keys;
	struct api_key	*k;
	char		 text[64 * 128], line[128], hex[65], header[64];
	char		 name[32], err[256];
	size_t		 len = 0;
	int		 i;

	text[0] = '\0';
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "secret-%d", i);
		sha256_hex(name, hex);
		snprintf(line, sizeof(line), "key%d merchant:M%d %s %d %d\n",
		    i, 1000 + i, hex, i + 1, i + 1);
		assert_true(len + strlen(line) < sizeof(text));
		memcpy(text + len, line, strlen(line) + 1);
		len += strlen(line);
	}
	assert_non_null(keys = load_text(text, err, sizeof(err)));
	for (i = 0; i < 50; i++) {
		snprintf(header, sizeof(header), "Bearer secret-%d", i);
		assert_non_null(k = keys_authenticate(keys, header));
		snprintf(name, sizeof(name), "key%d", i);
		assert_string_equal(k->name, name);
		snprintf(name, sizeof(name), "M%d", 1000 + i);
		assert_string_equal(k->merchant_id, name);
		assert_true(k->limit.rate == i + 1);
	}
	assert_null(keys_authenticate(keys, "Bearer secret-50"));
	assert_null(keys_authenticate(keys, "Bearer secret-"));
	keys_free(keys);
}

/* The bucket is the key's own: every request with the key draws on it. */
static void
test_key_bucket(void **state)
{
	struct keys	*keys;
	struct api_key	*k;
	char		 err[256];
	int64_t		 retry;

	assert_non_null(keys = load_text("slow agent " H_TWO " 0.5 2\n"
	    "other agent " H_ONE " 0.5 2\n", err, sizeof(err)));
	k = keys_authenticate(keys, "Bearer key-two");
	assert_true(ratelimit_take(&k->limit, T0, &retry));
	k = keys_authenticate(keys, "Bearer key-two");
	assert_true(ratelimit_take(&k->limit, T0, &retry));
	k = keys_authenticate(keys, "Bearer key-two");
	assert_false(ratelimit_take(&k->limit, T0, &retry));
	assert_int_equal(retry, 2000);
	k = keys_authenticate(keys, "Bearer key-one");
	assert_true(ratelimit_take(&k->limit, T0, &retry));
	keys_free(keys);
}

static void
test_role_names(void **state)
{
	assert_string_equal(keys_role_name(KEY_ROLE_CHANNEL), "channel");
	assert_string_equal(keys_role_name(KEY_ROLE_AGENT), "agent");
	assert_string_equal(keys_role_name(KEY_ROLE_MERCHANT), "merchant");
	assert_string_equal(keys_role_name(KEY_ROLE_ADMIN), "admin");
	keys_free(NULL);
}

/*
 * The dev file loads and holds the dev keys the issue promises, each key
 * string being its name. Its rates are its own business and not checked.
 */
static void
test_dev_file(void **state)
{
	static const struct {
		const char		*name;
		enum key_role		 role;
		Cdp__V1__Channel	 channel;
		const char		*merchant_id;
	} dev[] = {
		{ "dev-app", KEY_ROLE_CHANNEL, CDP__V1__CHANNEL__CHANNEL_APP,
		  "" },
		{ "dev-hotline", KEY_ROLE_CHANNEL,
		  CDP__V1__CHANNEL__CHANNEL_HOTLINE, "" },
		{ "dev-agent", KEY_ROLE_AGENT, 0, "" },
		{ "dev-admin", KEY_ROLE_ADMIN, 0, "" },
		{ "dev-merchant-M1001", KEY_ROLE_MERCHANT, 0, "M1001" },
		{ "dev-merchant-M1002", KEY_ROLE_MERCHANT, 0, "M1002" },
	};
	struct keys	*keys;
	struct api_key	*k;
	const char	*src;
	char		 path[4096], header[128], err[512];
	size_t		 i;

	if ((src = getenv("CDP_SOURCE_DIR")) == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/config/api-keys.conf", src);
	if ((keys = keys_load(path, T0, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	for (i = 0; i < nitems(dev); i++) {
		snprintf(header, sizeof(header), "Bearer %s", dev[i].name);
		if ((k = keys_authenticate(keys, header)) == NULL)
			fail_msg("%s refused", dev[i].name);
		assert_string_equal(k->name, dev[i].name);
		assert_int_equal(k->role, dev[i].role);
		if (k->role == KEY_ROLE_CHANNEL)
			assert_int_equal(k->channel, dev[i].channel);
		assert_string_equal(k->merchant_id, dev[i].merchant_id);
		assert_true(k->limit.rate > 0 && k->limit.burst >= 1);
	}
	/* Every one of them is a development key. */
	assert_non_null(keys_dev_key(keys));
	keys_free(keys);
}

/*
 * A development key is one of the dev file's hashes under any name, or a
 * key that is its own name; keys of one's own are not.
 */
static void
test_dev_key(void **state)
{
	struct keys	*keys;
	char		 err[256], own[65], text[256];

	assert_non_null(keys = load_text(valid_file, err, sizeof(err)));
	assert_null(keys_dev_key(keys));
	keys_free(keys);

	assert_non_null(keys = load_text("ops agent " H_ONE " 1 1\n"
	    "ops-admin admin de72d648e29b247c1875138a7140256dbe5df3e6c9f37d59"
	    "2b07d9de509d2878 1 1\n", err, sizeof(err)));
	assert_string_equal(keys_dev_key(keys), "ops-admin");
	keys_free(keys);

	sha256_hex("ops-key", own);
	snprintf(text, sizeof(text), "ops agent %s 1 1\nops-key admin %s 1 1\n",
	    H_ONE, own);
	assert_non_null(keys = load_text(text, err, sizeof(err)));
	assert_string_equal(keys_dev_key(keys), "ops-key");
	keys_free(keys);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_valid),
		cmocka_unit_test(test_every_channel),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_authenticate_headers),
		cmocka_unit_test(test_authenticate_token_length),
		cmocka_unit_test(test_authenticate_many_keys),
		cmocka_unit_test(test_key_bucket),
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_dev_file),
		cmocka_unit_test(test_dev_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
