/*
 * One vocabulary for every enum of the contract. The public name of a value
 * is its proto name without the enum's prefix, in lower case:
 * CATEGORY_FALSE_ADVERTISING is "false_advertising", SLA_CLOCK_FIRST_CONTACT
 * is "first_contact". The API answers with these names, and the API, the
 * configuration files and the views accept them; a few older spellings that
 * configuration files used are accepted as aliases (the table below), and
 * never written.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "nitems.h"
#include "vocab.h"

#define VOCAB_NAME_MAX	64

/* Older spellings, accepted when read and never written. */
static const struct {
	const ProtobufCEnumDescriptor	*enum_d;
	const char			*alias;
	int				 value;
} vocab_aliases[] = {
	{ &cdp__v1__category__descriptor, "advertising",
	    CDP__V1__CATEGORY__CATEGORY_FALSE_ADVERTISING },
	{ &cdp__v1__category__descriptor, "platform",
	    CDP__V1__CATEGORY__CATEGORY_PLATFORM_RULES },
};

/* The length of the values' prefix: "SEVERITY_" of SEVERITY_URGENT. */
static size_t
vocab_prefix_len(const ProtobufCEnumDescriptor *d)
{
	static const char	 unspec[] = "UNSPECIFIED";
	const char		*zero;
	size_t			 n;

	if (d->n_values == 0 || d->values[0].value != 0)
		return 0;
	zero = d->values[0].name;
	n = strlen(zero);
	if (n < sizeof(unspec) - 1 ||
	    strcmp(zero + n - (sizeof(unspec) - 1), unspec) != 0)
		return 0;
	return n - (sizeof(unspec) - 1);
}

/*
 * The public name of value into buf. False (buf "") for the unspecified
 * value and for a value this build does not know (a newer schema).
 */
bool
vocab_name(const ProtobufCEnumDescriptor *d, int value, char *buf,
    size_t size)
{
	const ProtobufCEnumValue	*v;
	const char			*s;
	size_t				 i;

	if (size > 0)
		buf[0] = '\0';
	if (value == 0 || size == 0 ||
	    (v = protobuf_c_enum_descriptor_get_value(d, value)) == NULL)
		return false;
	s = v->name + vocab_prefix_len(d);
	for (i = 0; s[i] != '\0' && i + 1 < size; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
	return true;
}

static int
vocab_alias(const ProtobufCEnumDescriptor *d, const char *name, int *out)
{
	size_t	i;

	for (i = 0; i < nitems(vocab_aliases); i++)
		if (vocab_aliases[i].enum_d == d &&
		    strcmp(vocab_aliases[i].alias, name) == 0) {
			*out = vocab_aliases[i].value;
			return 0;
		}
	return -1;
}

/*
 * The value of a public name (or an alias) in out. -1 for a name the enum
 * does not have, for the unspecified value's name and for upper case.
 */
int
vocab_value(const ProtobufCEnumDescriptor *d, const char *name, int *out)
{
	char	buf[VOCAB_NAME_MAX];
	size_t	i;

	if (*name == '\0')
		return -1;
	for (i = 0; i < d->n_values; i++)
		if (vocab_name(d, d->values[i].value, buf, sizeof(buf)) &&
		    strcmp(buf, name) == 0) {
			*out = d->values[i].value;
			return 0;
		}
	return vocab_alias(d, name, out);
}

/* "a, b or c": every public name of the enum, for error messages. */
const char *
vocab_list(const ProtobufCEnumDescriptor *d, char *buf, size_t size)
{
	char	name[VOCAB_NAME_MAX];
	size_t	i, off = 0;

	if (size > 0)
		buf[0] = '\0';
	for (i = 0; i < d->n_values && off < size; i++)
		if (vocab_name(d, d->values[i].value, name, sizeof(name)))
			off += (size_t)snprintf(buf + off, size - off, "%s%s",
			    off == 0 ? "" : ", ", name);
	return buf;
}

/*
 * A configuration file's value of an enum: its public name (or an alias)
 * in out, or an error naming what was expected: "unknown <what> "<s>"
 * (expected one of <any>, <names>)". any is a name the caller handles
 * itself (such as "*"), listed first, or NULL.
 */
int
vocab_conf(struct conffile *cf, const ProtobufCEnumDescriptor *d,
    const char *what, const char *any, const char *s, int *out)
{
	char	list[512];

	if (vocab_value(d, s, out) == 0)
		return 0;
	vocab_list(d, list, sizeof(list));
	return conffile_error(cf, "unknown %s \"" CONFFILE_ECHO "\" (expected "
	    "one of %s%s%s)", what, s, any != NULL ? any : "",
	    any != NULL ? ", " : "", list);
}
