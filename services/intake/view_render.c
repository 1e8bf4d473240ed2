/*
 * The complaint view as each reader sees it: who may see it at all, the
 * merchant's masked copy (domain.md section 8), and the list page's line.
 * Pure: no I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "intake.h"
#include "log.h"
#include "mask.h"
#include "view_impl.h"
#include "xmalloc.h"

/*
 * Significant digits of rendered numbers: every amount in CNY to the fen,
 * and 8.99 is not shown as 8.9900000000000002.
 */
#define VIEW_RENDER_FLAGS \
	(JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

enum mask_kind {
	MASK_PHONE,
	MASK_EMAIL,
};

/*
 * Who may see a complaint: agents and admins all of them, a merchant only
 * those against it, a channel only those it filed. A complaint not yet
 * filed (no merchant, no filer) is visible to staff only.
 */
bool
view_visible(const json_t *view, const struct api_key *key)
{
	if (key == NULL)
		return false;
	switch (key->role) {
	case KEY_ROLE_AGENT:
	case KEY_ROLE_ADMIN:
		return true;
	case KEY_ROLE_MERCHANT:
		return same_str(view_merchant_id(view), key->merchant_id);
	case KEY_ROLE_CHANNEL:
		return same_str(view_filed_by_key(view), key->name);
	default:
		return false;
	}
}

/* A text with its phone numbers and e-mails masked, as JSON (mask.c). */
static json_t *
masked_text(const char *s)
{
	size_t	 size = mask_text(s, NULL, 0) + 1;
	char	*out = xmalloc(size);
	json_t	*j;

	mask_text(s, out, size);
	j = jstr(out);
	free(out);
	return j;
}

/* Replaces a phone or e-mail member by its masked form (mask.c). */
static void
mask_member(json_t *obj, const char *key, enum mask_kind kind)
{
	const char	*s = str_member(obj, key);
	char		*out;
	size_t		 size;

	if (s == NULL)
		return;
	size = kind == MASK_PHONE ? strlen(s) + 1 : strlen(s) + 4;
	out = xmalloc(size);	/* "a@b" becomes "a***@b" */
	if (kind == MASK_PHONE)
		mask_phone(s, out, size);
	else
		mask_email(s, out, size);
	put(obj, key, jstr(out));
	free(out);
}

/*
 * Members that hold identifiers, not text a person wrote: a merchant needs
 * them verbatim to find the order, the parcel or the payment, and an id
 * that happens to have a phone's shape must not become unusable.
 */
static bool
is_id_member(const char *key)
{
	static const char	*ids[] = {
		"complaint_id", "order_id", "sku", "merchant_id", "shop_id",
		"user_id", "event_id", "coupon_id", "tracking_number",
		"reference", "group_key", "group_complaint_ids", "rule_id",
	};
	size_t			 i;

	for (i = 0; i < nitems(ids); i++)
		if (strcmp(key, ids[i]) == 0)
			return true;
	return false;
}

/*
 * Masks phone numbers and e-mails in every string of v, however deep,
 * except identifiers: free text can sit anywhere in the document (notes,
 * reasons, comments, apologies, matched words), and new members must not
 * slip through unmasked.
 */
static void
mask_tree(json_t *v)
{
	const char	*k;
	json_t		*m;
	size_t		 i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, m) {
			if (json_is_string(m) && !is_id_member(k))
				put(v, k, masked_text(json_string_value(m)));
			else if (!is_id_member(k))
				mask_tree(m);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m) {
			if (!json_is_string(m))
				mask_tree(m);
			else if (json_array_set_new(v, i, masked_text(
			    json_string_value(m))) == -1)
				fatalx("view: cannot mask: out of memory");
		}
	}
}

/* A name as a merchant sees it: the first character and '*' ("张*"). */
static void
shorten_name(json_t *obj, const char *key)
{
	const char	*s = str_member(obj, key);
	unsigned char	 c;
	char		 out[8];
	size_t		 n;

	if (s == NULL || *s == '\0')
		return;
	c = (unsigned char)s[0];
	n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
	    (c & 0xf8) == 0xf0 ? 4 : 1;
	if (strnlen(s, n) < n)
		n = 1;
	memcpy(out, s, n);
	out[n] = '*';
	out[n + 1] = '\0';
	put(obj, key, jstr(out));
}

/*
 * What a merchant may see of the customer (domain.md section 8, and the
 * PII rule of docs/events.md): phone and e-mail masked, the name shortened,
 * the delivery address, the channel's reference and the carrier's note
 * withheld (null), and phone numbers and e-mails inside every free-text
 * member masked.
 */
static void
render_for_merchant(json_t *doc)
{
	json_t	*c = json_object_get(doc, "complainant");
	json_t	*order = json_object_get(doc, "order");
	json_t	*facts = json_object_get(json_object_get(doc, "proactive"),
		    "facts");

	if (json_is_object(c)) {
		mask_member(c, "phone", MASK_PHONE);
		mask_member(c, "email", MASK_EMAIL);
		shorten_name(c, "name");
	}
	if (json_is_object(order))
		put(order, "delivery_address", json_null());
	if (json_is_object(facts))
		put(facts, "note", json_null());
	put(doc, "channel_ref", json_null());
	mask_tree(doc);
}

/*
 * The document as JSON text for one reader, without the '_' members; the
 * caller frees it. The caller checks view_visible() first. Key order is
 * the document's, text stays UTF-8.
 */
char *
view_render(const json_t *view, const struct api_key *key)
{
	json_t		*doc = jcheck(json_deep_copy(view)), *v;
	const char	*k;
	void		*tmp;
	char		*s;

	json_object_foreach_safe(doc, tmp, k, v) {
		if (k[0] == '_')
			json_object_del(doc, k);
	}
	if (key == NULL || key->role == KEY_ROLE_MERCHANT)
		render_for_merchant(doc);
	if ((s = json_dumps(doc, VIEW_RENDER_FLAGS)) == NULL)
		fatalx("view_render: out of memory");
	json_decref(doc);
	return s;
}



/* Whether any run of any clock was breached. */
static bool
view_breached(const json_t *view)
{
	const json_t	*clocks = json_object_get(view, "sla_clocks");
	size_t		 i;

	for (i = 0; i < json_array_size(clocks); i++)
		if (json_is_true(json_object_get(json_array_get(clocks, i),
		    "breached")))
			return true;
	return false;
}

/*
 * A complaint's line on a list page; a new reference the caller releases.
 * It holds no personal data, so it is the same for every reader.
 */
json_t *
view_summary(const json_t *view, const struct api_key *key)
{
	json_t	*s = jcheck(json_object());

	copy_member(s, view, "complaint_id");
	copy_member(s, view, "status");
	copy_member(s, view, "category");
	copy_member(s, view, "severity");
	put_str(s, "merchant_id", view_merchant_id(view));
	copy_member(s, view, "channel");
	copy_member(s, view, "filed_at");
	copy_member(s, view, "first_contact_due");
	put(s, "breached", json_boolean(view_breached(view)));
	return s;
}

/*
 * The record readmodel.c keeps beside the view (rm:s:<id>) so that a list
 * page reads a few hundred bytes per complaint, not whole views: the
 * summary line, and the filing key that view_visible() needs. A new
 * reference the caller releases.
 */
json_t *
view_summary_record(const json_t *view)
{
	json_t	*r = view_summary(view, NULL);

	copy_member(r, view, "_filed_by_key");
	return r;
}

/* A summary record as a list page shows it: without its '_' members. */
json_t *
view_summary_item(const json_t *record)
{
	json_t		*item = jcheck(json_deep_copy(record)), *v;
	const char	*k;
	void		*tmp;

	json_object_foreach_safe(item, tmp, k, v) {
		if (k[0] == '_')
			json_object_del(item, k);
	}
	return item;
}
