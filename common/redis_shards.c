/*
 * The Redis connections of a daemon whose state is keyed by Kafka
 * partition (redis_shards.h). Partition p lives on entry p mod N: the
 * mapping needs nothing but the partition number, so every instance of
 * every daemon agrees on it without talking, and one entry (N = 1) is
 * today's single Redis. Changing N moves partitions between entries:
 * their state is rebuilt from the log (docs/operations.md, "Scaling out").
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "redis_shards.h"
#include "xmalloc.h"

struct redis_shards {
	struct redis	**r;
	size_t		  n;
};

/* The port part of an entry: where it starts, or NULL when it has none. */
static const char *
entry_port(const char *e)
{
	const char	*close, *colon;

	if (e[0] == '[')
		return (close = strchr(e, ']')) != NULL && close[1] == ':' ?
		    close + 2 : NULL;
	return (colon = strrchr(e, ':')) != NULL ? colon + 1 : NULL;
}

static int
port_in_range(const char *s)
{
	char	*end;
	long	 v;

	if (!isdigit((unsigned char)s[0]))
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno == 0 && *end == '\0' && v >= 1 && v <= 65535;
}

/* One trimmed entry, checked; its position (from 1) for the messages. */
static int
entry_parse(const char *e, size_t pos, struct config_hostport *out,
    char *err, size_t errsz)
{
	const char	*port;

	if (e[0] == '\0') {
		snprintf(err, errsz, "entry %zu is empty", pos);
		return -1;
	}
	if ((port = entry_port(e)) == NULL || port[0] == '\0') {
		snprintf(err, errsz, "entry %zu (\"%s\") has no port", pos, e);
		return -1;
	}
	if (!port_in_range(port)) {
		snprintf(err, errsz, "entry %zu (\"%s\"): the port must be "
		    "1-65535", pos, e);
		return -1;
	}
	if (config_hostport(e, &out->host, &out->port) == -1) {
		snprintf(err, errsz, "entry %zu (\"%s\"): expected host:port",
		    pos, e);
		return -1;
	}
	return 0;
}

/* -1 with the message when entry i names the same Redis as one before. */
static int
entry_unique(const struct config_hostport *list, size_t i, char *err,
    size_t errsz)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (list[j].port == list[i].port &&
		    strcasecmp(list[j].host, list[i].host) == 0) {
			snprintf(err, errsz, "entry %zu (%s:%d) repeats entry "
			    "%zu", i + 1, list[i].host, list[i].port, j + 1);
			return -1;
		}
	return 0;
}

static char *
entry_trimmed(const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return xstrndup(s, len);
}

/*
 * Parses REDIS_ADDRS: "host:port[,host:port...]", spaces allowed around
 * entries, at most REDIS_SHARDS_MAX. The list is the caller's
 * (config_hostport_list_free); -1 with one line in err naming the entry.
 */
int
redis_shards_parse(const char *s, struct config_hostport **list, size_t *n,
    char *err, size_t errsz)
{
	struct config_hostport	*out = NULL;
	const char		*entry = s, *comma;
	char			*e;
	size_t			 count = 0, len;
	int			 rc;

	for (;;) {
		comma = strchr(entry, ',');
		len = comma != NULL ? (size_t)(comma - entry) : strlen(entry);
		if (count == REDIS_SHARDS_MAX) {
			snprintf(err, errsz, "more than %d entries",
			    REDIS_SHARDS_MAX);
			goto fail;
		}
		out = xreallocarray(out, count + 1, sizeof(*out));
		e = entry_trimmed(entry, len);
		rc = entry_parse(e, count + 1, &out[count], err, errsz);
		free(e);
		if (rc == -1)
			goto fail;
		if (entry_unique(out, count++, err, errsz) == -1)
			goto fail;
		if (comma == NULL)
			break;
		entry = comma + 1;
	}
	*list = out;
	*n = count;
	return 0;

 fail:
	config_hostport_list_free(out, count);
	return -1;
}

/* The entry of a partition: p mod N. */
size_t
redis_shard_of(int32_t partition, size_t nshards)
{
	if (partition < 0 || nshards == 0)
		fatalx("redis_shards: partition %d of %zu entries",
		    (int)partition, nshards);
	return (size_t)partition % nshards;
}

/* Starts connecting to every entry (each reconnects by itself). */
struct redis_shards *
redis_shards_new(struct event_base *base, const struct redis_endpoint *eps,
    size_t n)
{
	struct redis_shards	*rs = xcalloc(1, sizeof(*rs));
	size_t			 i;

	if (n == 0)
		fatalx("redis_shards: no Redis address");
	rs->r = xcalloc(n, sizeof(*rs->r));
	rs->n = n;
	for (i = 0; i < n; i++)
		rs->r[i] = redis_new(base, &eps[i]);
	if (n > 1)
		log_info("redis: %zu entries, partition p on entry p mod %zu",
		    n, n);
	return rs;
}

size_t
redis_shards_count(const struct redis_shards *rs)
{
	return rs->n;
}

struct redis *
redis_shards_at(const struct redis_shards *rs, size_t i)
{
	if (i >= rs->n)
		fatalx("redis_shards: entry %zu of %zu", i, rs->n);
	return rs->r[i];
}

struct redis *
redis_for_partition(const struct redis_shards *rs, int32_t partition)
{
	return rs->r[redis_shard_of(partition, rs->n)];
}

/*
 * Registers a script on every entry. EVALSHA names a script by its SHA-1
 * alone, which is the same everywhere, so the first entry's handle runs
 * it on any entry.
 */
struct redis_script *
redis_shards_script(struct redis_shards *rs, const char *lua)
{
	struct redis_script	*first = NULL, *s;
	size_t			 i;

	for (i = 0; i < rs->n; i++) {
		s = redis_script_new(rs->r[i], lua);
		if (i == 0)
			first = s;
	}
	return first;
}

/* A readiness check for httpd: every entry connected, else the first not. */
int
redis_shards_ready(void *arg, char *why, size_t whysz)
{
	struct redis_shards	*rs = arg;
	size_t			 i;

	for (i = 0; i < rs->n; i++)
		if (!redis_ready(rs->r[i], why, whysz))
			return 0;
	return 1;
}

void
redis_shards_free(struct redis_shards *rs)
{
	size_t	i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++)
		redis_free(rs->r[i]);
	free(rs->r);
	free(rs);
}
