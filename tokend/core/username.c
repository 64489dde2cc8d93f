/*
 * username.c - user names in their one canonical form (R-MFA-5).
 *
 * Guarantees: the result never grows (each full-width character's three
 * bytes become one), never holds a byte the input did not hold or the
 * ASCII character a full-width one stands for, and is the same for every
 * spelling the header lists; applying it twice changes nothing.
 */
#include "config.h"

#include <string.h>

#include "kagi_err.h"
#include "proto.h"
#include "username.h"

/* U+3000 IDEOGRAPHIC SPACE in UTF-8. */
static int
is_ideo_space(const unsigned char *p)
{
	return p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80;
}

static int
is_ascii_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The ASCII character a full-width form at p stands for (U+FF01..U+FF5E:
 * EF BC 81..EF BC BF and EF BD 80..EF BD 9E), or 0.
 */
static char
fullwidth_ascii(const unsigned char *p)
{
	if (p[0] != 0xef)
		return 0;
	if (p[1] == 0xbc && p[2] >= 0x81 && p[2] <= 0xbf)
		return (char)(p[2] - 0x81 + 0x21);
	if (p[1] == 0xbd && p[2] >= 0x80 && p[2] <= 0x9e)
		return (char)(p[2] - 0x80 + 0x60);
	return 0;
}

int
user_canonical(const char *in, char out[STORE_NAME_MAX + 1])
{
	const unsigned char *p = (const unsigned char *)in, *end;
	size_t n = 0;
	char c;

	out[0] = '\0';
	if (in == NULL)
		return KAGI_ERR_INVALID;
	end = p + strlen(in);
	for (;;) {
		if (p < end && is_ascii_blank(*p))
			p++;
		else if (end - p >= 3 && is_ideo_space(p))
			p += 3;
		else
			break;
	}
	for (;;) {
		if (end > p && is_ascii_blank(end[-1]))
			end--;
		else if (end - p >= 3 && is_ideo_space(end - 3))
			end -= 3;
		else
			break;
	}
	while (p < end) {
		if (end - p >= 3 && (c = fullwidth_ascii(p)) != 0)
			p += 3;
		else
			c = (char)*p++;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (n == STORE_NAME_MAX) {
			out[0] = '\0';
			return KAGI_ERR_INVALID;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return n == 0 ? KAGI_ERR_INVALID : 0;
}

int
user_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > STORE_NAME_MAX || name[0] == '-' || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' || c == '@'))
			return 0;
	}
	return 1;
}

int
user_req_name(struct json_object *req, char name[STORE_NAME_MAX + 1])
{
	const char *raw = NULL;
	int r;

	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &raw)) != 0)
		return r;
	if (user_canonical(raw, name) != 0 || !user_name_valid(name))
		return KAGI_ERR_INVALID;
	return 0;
}
