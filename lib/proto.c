/*
 * proto.c - kagi's wire protocol: framing, strict JSON decoding, typed
 * getters, replies and time-bounded frame I/O.
 *
 * Guarantees: a header is accepted only with the right magic, version,
 * zero flags and 1 <= length <= KAGI_FRAME_MAX.  A payload is accepted
 * only when it is valid UTF-8, passes our own strict RFC 8259 syntax
 * check (no NUL byte, no "\u0000" escape, no control characters in
 * strings, at most KAGI_PROTO_DEPTH deep, one object from the first byte
 * to the last, no blanks around it) and json-c then parses the same bytes
 * completely into an object with no key repeated.  Getters check type, length and range
 * before handing out anything.  Frame buffers are wiped before they are freed, since they
 * may carry codes.  Nothing here logs: callers decide and log.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "kagi_err.h"
#include "proto.h"
#include "rbuf.h"
#include "wipe.h"

int
proto_header_decode(const uint8_t hdr[KAGI_FRAME_HDR], uint32_t *len)
{
	struct rbuf b;
	uint8_t m0, m1, version, flags;
	uint32_t n;
	int r;

	rbuf_init(&b, hdr, KAGI_FRAME_HDR);
	if ((r = rbuf_get_u8(&b, &m0)) != 0 ||
	    (r = rbuf_get_u8(&b, &m1)) != 0 ||
	    (r = rbuf_get_u8(&b, &version)) != 0 ||
	    (r = rbuf_get_u8(&b, &flags)) != 0 ||
	    (r = rbuf_get_u32be(&b, &n)) != 0 ||
	    (r = rbuf_done(&b)) != 0)
		return r;
	if (m0 != 'K' || m1 != 'G')
		return KAGI_ERR_INVALID;
	if (version != KAGI_PROTO_VERSION)
		return KAGI_ERR_VERSION;
	if (flags != 0)
		return KAGI_ERR_INVALID;
	if (n == 0)
		return KAGI_ERR_INVALID;
	if (n > KAGI_FRAME_MAX)
		return KAGI_ERR_TOO_LARGE;
	*len = n;
	return KAGI_OK;
}

/*
 * Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static int
utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp, min;

	while (i < len) {
		uint8_t c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return 0;
		}
		if (len - i - 1 < n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

int
proto_str_valid(const char *s, size_t maxlen)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strnlen(s, maxlen + 1);
	return n <= maxlen && utf8_valid((const uint8_t *)s, n);
}

/*
 * A strict RFC 8259 syntax check run before json-c, which (0.16, even in
 * strict mode) takes single-quoted strings, NaN and trailing blanks.
 * Also refused here: control characters in strings, a "\u0000" escape
 * (json-c cuts object keys at a NUL without saying so) and nesting deeper
 * than KAGI_PROTO_DEPTH.  The walk is bounded by that depth.
 */
struct jscan {
	const uint8_t *p;
	size_t len;
	size_t i;
	size_t members;		/* object members seen, all levels */
};

static int jscan_value(struct jscan *s, int depth);

static void
jscan_ws(struct jscan *s)
{
	while (s->i < s->len && (s->p[s->i] == ' ' || s->p[s->i] == '\t' ||
	    s->p[s->i] == '\n' || s->p[s->i] == '\r'))
		s->i++;
}

static int
jscan_byte(struct jscan *s, uint8_t c)
{
	if (s->i >= s->len || s->p[s->i] != c)
		return 0;
	s->i++;
	return 1;
}

static int
is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
jscan_string(struct jscan *s)
{
	size_t k;

	if (!jscan_byte(s, '"'))
		return 0;
	while (s->i < s->len) {
		uint8_t c = s->p[s->i++];

		if (c == '"')
			return 1;
		if (c < 0x20)
			return 0;
		if (c != '\\')
			continue;
		if (s->i >= s->len)
			return 0;
		c = s->p[s->i++];
		if (c == 'u') {
			if (s->len - s->i < 4)
				return 0;
			for (k = 0; k < 4; k++)
				if (!is_hex(s->p[s->i + k]))
					return 0;
			if (memcmp(s->p + s->i, "0000", 4) == 0)
				return 0;
			s->i += 4;
		} else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
			return 0;
		}
	}
	return 0;
}

static int
jscan_digits(struct jscan *s)
{
	size_t start = s->i;

	while (s->i < s->len && s->p[s->i] >= '0' && s->p[s->i] <= '9')
		s->i++;
	return s->i > start;
}

static int
jscan_number(struct jscan *s)
{
	(void)jscan_byte(s, '-');
	if (jscan_byte(s, '0')) {
		/* no leading zeros */
	} else if (s->i < s->len && s->p[s->i] >= '1' && s->p[s->i] <= '9') {
		(void)jscan_digits(s);
	} else {
		return 0;
	}
	if (jscan_byte(s, '.') && !jscan_digits(s))
		return 0;
	if (jscan_byte(s, 'e') || jscan_byte(s, 'E')) {
		if (!jscan_byte(s, '+'))
			(void)jscan_byte(s, '-');
		if (!jscan_digits(s))
			return 0;
	}
	return 1;
}

static int
jscan_word(struct jscan *s, const char *w)
{
	size_t n = strlen(w);

	if (s->len - s->i < n || memcmp(s->p + s->i, w, n) != 0)
		return 0;
	s->i += n;
	return 1;
}

/* '{' or '[' already seen at depth; members until the closing byte. */
static int
jscan_container(struct jscan *s, int depth, int object)
{
	uint8_t close = object ? '}' : ']';

	if (depth > KAGI_PROTO_DEPTH)
		return 0;
	jscan_ws(s);
	if (jscan_byte(s, close))
		return 1;
	for (;;) {
		if (object) {
			if (!jscan_string(s))
				return 0;
			s->members++;
			jscan_ws(s);
			if (!jscan_byte(s, ':'))
				return 0;
			jscan_ws(s);
		}
		if (!jscan_value(s, depth))
			return 0;
		jscan_ws(s);
		if (jscan_byte(s, close))
			return 1;
		if (!jscan_byte(s, ','))
			return 0;
		jscan_ws(s);
	}
}

static int
jscan_value(struct jscan *s, int depth)
{
	if (s->i >= s->len)
		return 0;
	switch (s->p[s->i]) {
	case '{':
		s->i++;
		return jscan_container(s, depth + 1, 1);
	case '[':
		s->i++;
		return jscan_container(s, depth + 1, 0);
	case '"':
		return jscan_string(s);
	case 't':
		return jscan_word(s, "true");
	case 'f':
		return jscan_word(s, "false");
	case 'n':
		return jscan_word(s, "null");
	default:
		return jscan_number(s);
	}
}

/*
 * Exactly one object, from the first byte to the last; *members counts
 * the object members written, to be compared with what json-c kept.
 */
static int
json_strict(const uint8_t *p, size_t len, size_t *members)
{
	struct jscan s = { p, len, 0, 0 };

	if (len == 0 || p[0] != '{' || !jscan_value(&s, 0))
		return 0;
	*members = s.members;
	return s.i == len;
}

/*
 * Every string value, at any depth, must have no NUL inside; *members
 * counts the object members json-c kept.  Fewer than were written means
 * a key was repeated ({"user":"a","user":"root"}): refused, so that no
 * reader can see another value than the one we checked.
 */
static int
strings_clean(struct json_object *o, int depth, size_t *members)
{
	size_t i, n;

	if (depth > KAGI_PROTO_DEPTH)
		return 0;
	switch (json_object_get_type(o)) {
	case json_type_string:
		return strlen(json_object_get_string(o)) ==
		    (size_t)json_object_get_string_len(o);
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (!strings_clean(json_object_array_get_idx(o, i),
			    depth + 1, members))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			(*members)++;
			if (!strings_clean(v, depth + 1, members))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

int
proto_decode_payload(const uint8_t *buf, size_t len,
    struct json_object **msg)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	size_t written = 0, kept = 0;
	int r;

	*msg = NULL;
	if (buf == NULL || len == 0) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if (len > KAGI_FRAME_MAX) {
		r = KAGI_ERR_TOO_LARGE;
		goto out;
	}
	if (!utf8_valid(buf, len) || !json_strict(buf, len, &written)) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if ((tok = json_tokener_new_ex(KAGI_PROTO_DEPTH)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, (const char *)buf, (int)len);
	if (o == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object) ||
	    !strings_clean(o, 1, &kept) || kept != written) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	*msg = o;
	o = NULL;
	r = KAGI_OK;
out:
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	return r;
}

int
proto_encode(struct json_object *msg, uint8_t **out, size_t *outlen)
{
	const char *s;
	size_t slen = 0;
	uint8_t *f;

	*out = NULL;
	*outlen = 0;
	if (!json_object_is_type(msg, json_type_object))
		return KAGI_ERR_INVALID;
	s = json_object_to_json_string_length(msg, JSON_C_TO_STRING_PLAIN,
	    &slen);
	if (s == NULL)
		return KAGI_ERR_NOMEM;
	if (slen == 0)
		return KAGI_ERR_INTERNAL;
	if (slen > KAGI_FRAME_MAX)
		return KAGI_ERR_TOO_LARGE;
	if ((f = malloc(KAGI_FRAME_HDR + slen)) == NULL)
		return KAGI_ERR_NOMEM;
	f[0] = 'K';
	f[1] = 'G';
	f[2] = KAGI_PROTO_VERSION;
	f[3] = 0;
	f[4] = (uint8_t)(slen >> 24);
	f[5] = (uint8_t)(slen >> 16);
	f[6] = (uint8_t)(slen >> 8);
	f[7] = (uint8_t)slen;
	memcpy(f + KAGI_FRAME_HDR, s, slen);
	*out = f;
	*outlen = KAGI_FRAME_HDR + slen;
	return KAGI_OK;
}

/* A growing buffer of frames; its old copies are wiped as it grows. */
struct frames {
	uint8_t *buf;
	size_t len, cap;
};

static int
frames_add(struct frames *fs, struct json_object *msg)
{
	uint8_t *f = NULL, *grown;
	size_t flen = 0, cap;
	int r;

	if ((r = proto_encode(msg, &f, &flen)) != 0)
		return r;
	if (fs->len + flen > fs->cap) {
		cap = fs->cap == 0 ? 2 * flen : fs->cap;
		while (cap < fs->len + flen)
			cap *= 2;
		if ((grown = malloc(cap)) == NULL) {
			kagi_free_secret(f, flen);
			return KAGI_ERR_NOMEM;
		}
		if (fs->len > 0)
			memcpy(grown, fs->buf, fs->len);
		kagi_free_secret(fs->buf, fs->cap);
		fs->buf = grown;
		fs->cap = cap;
	}
	memcpy(fs->buf + fs->len, f, flen);
	fs->len += flen;
	kagi_free_secret(f, flen);
	return KAGI_OK;
}

/* The member of reply that is an array with the most elements, or NULL. */
static const char *
longest_array(struct json_object *reply)
{
	const char *best = NULL;
	size_t n = 0;

	json_object_object_foreach(reply, key, val) {
		if (json_object_is_type(val, json_type_array) &&
		    (best == NULL || json_object_array_length(val) > n)) {
			best = key;
			n = json_object_array_length(val);
		}
	}
	return best;
}

/*
 * A frame of the stream: the first carries every member of reply but
 * key, the others only "status"; each holds key as an empty array to be
 * filled, and "continues": true (taken off the last).
 */
static struct json_object *
stream_frame(struct json_object *reply, const char *key, int first,
    struct json_object **arr)
{
	struct json_object *f;

	if ((f = json_object_new_object()) == NULL)
		return NULL;
	if (first) {
		json_object_object_foreach(reply, k, v) {
			if (strcmp(k, key) != 0 &&
			    json_object_object_add(f, k,
			    json_object_get(v)) != 0)
				goto fail;
		}
	} else if (proto_set_str(f, "status", "ok") != 0)
		goto fail;
	if (proto_set_bool(f, PROTO_CONTINUES, 1) != 0 ||
	    (*arr = json_object_new_array()) == NULL)
		goto fail;
	if (json_object_object_add(f, key, *arr) != 0) {
		json_object_put(*arr);
		goto fail;
	}
	return f;
fail:
	json_object_put(f);
	return NULL;
}

/* The frame's serialised length without its array's elements. */
static size_t
frame_base(struct json_object *f)
{
	size_t n = 0;

	if (json_object_to_json_string_length(f, JSON_C_TO_STRING_PLAIN,
	    &n) == NULL)
		return KAGI_FRAME_MAX;
	return n;
}

int
proto_encode_reply(struct json_object *reply, uint8_t **out, size_t *outlen)
{
	struct frames fs = { NULL, 0, 0 };
	struct json_object *all, *f = NULL, *arr = NULL, *e;
	const char *key;
	size_t i, n, used, room, el;
	int r;

	r = proto_encode(reply, out, outlen);
	if (r != KAGI_ERR_TOO_LARGE)
		return r;
	if ((key = longest_array(reply)) == NULL ||
	    !json_object_object_get_ex(reply, key, &all))
		return KAGI_ERR_TOO_LARGE;
	n = json_object_array_length(all);
	if ((f = stream_frame(reply, key, 1, &arr)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	used = frame_base(f);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(all, i);
		el = 4;		/* null */
		if (e != NULL && json_object_to_json_string_length(e,
		    JSON_C_TO_STRING_PLAIN, &el) == NULL) {
			r = KAGI_ERR_NOMEM;
			goto out;
		}
		room = KAGI_FRAME_MAX - used;
		if (el + 1 > room) {
			/* One element alone too large: no stream carries it. */
			if (json_object_array_length(arr) == 0) {
				r = KAGI_ERR_TOO_LARGE;
				goto out;
			}
			if ((r = frames_add(&fs, f)) != 0)
				goto out;
			json_object_put(f);
			if ((f = stream_frame(reply, key, 0, &arr)) == NULL) {
				r = KAGI_ERR_NOMEM;
				goto out;
			}
			used = frame_base(f);
			if (el + 1 > KAGI_FRAME_MAX - used) {
				r = KAGI_ERR_TOO_LARGE;
				goto out;
			}
		}
		if (json_object_array_add(arr, json_object_get(e)) != 0) {
			json_object_put(e);
			r = KAGI_ERR_NOMEM;
			goto out;
		}
		used += el + 1;
	}
	json_object_object_del(f, PROTO_CONTINUES);
	if ((r = frames_add(&fs, f)) != 0)
		goto out;
	*out = fs.buf;
	*outlen = fs.len;
	fs.buf = NULL;
	r = KAGI_OK;
out:
	json_object_put(f);
	kagi_free_secret(fs.buf, fs.cap);
	return r;
}

int
proto_reply_join(struct json_object *reply, struct json_object *next,
    int *more)
{
	struct json_object *dst, *e;
	const char *key = NULL;
	size_t i, n;
	int cont = 0, r;

	*more = 0;
	if ((r = proto_reply_status(next)) != KAGI_OK)
		return r == KAGI_ERR_INVALID ? r : KAGI_ERR_INVALID;
	if ((r = proto_get_bool_opt(next, PROTO_CONTINUES, &cont)) != 0)
		return r;
	json_object_object_foreach(next, k, v) {
		if (strcmp(k, "status") == 0 || strcmp(k, PROTO_CONTINUES) == 0)
			continue;
		/* Exactly one more member: the array being carried. */
		if (key != NULL || !json_object_is_type(v, json_type_array))
			return KAGI_ERR_INVALID;
		key = k;
	}
	if (key == NULL || !json_object_object_get_ex(reply, key, &dst) ||
	    !json_object_is_type(dst, json_type_array))
		return KAGI_ERR_INVALID;
	json_object_object_get_ex(next, key, &e);
	n = json_object_array_length(e);
	for (i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(e, i);

		if (json_object_array_add(dst, json_object_get(x)) != 0) {
			json_object_put(x);
			return KAGI_ERR_NOMEM;
		}
	}
	*more = cont;
	return KAGI_OK;
}

/* Look key up; KAGI_ERR_NOT_FOUND when absent or JSON null. */
static int
get_member(struct json_object *msg, const char *key, struct json_object **v)
{
	if (!json_object_is_type(msg, json_type_object) || key == NULL)
		return KAGI_ERR_INVALID;
	if (!json_object_object_get_ex(msg, key, v) || *v == NULL)
		return KAGI_ERR_NOT_FOUND;
	return KAGI_OK;
}

const char *
proto_str_or_null(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int
check_str(struct json_object *v, size_t maxlen, const char **out)
{
	const char *s;
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return KAGI_ERR_INVALID;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (s == NULL || n == 0 || n > maxlen || strlen(s) != n)
		return KAGI_ERR_INVALID;
	*out = s;
	return KAGI_OK;
}

static int
check_int(struct json_object *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return KAGI_ERR_INVALID;
	n = json_object_get_int64(v);
	/* json-c clamps values beyond int64 to INT64_MAX: catch them. */
	if (n >= 0 && json_object_get_uint64(v) != (uint64_t)n)
		return KAGI_ERR_INVALID;
	if (n < min || n > max)
		return KAGI_ERR_INVALID;
	*out = n;
	return KAGI_OK;
}

/* The field the last getter refused, per thread (proto_bad_field()). */
static _Thread_local char bad_field[64];

/* r, after noting key as the field refused when r is an error. */
static int
noted(int r, const char *key)
{
	if (r != KAGI_OK && key != NULL)
		snprintf(bad_field, sizeof(bad_field), "%s", key);
	return r;
}

const char *
proto_bad_field(void)
{
	return bad_field[0] != '\0' ? bad_field : NULL;
}

void
proto_bad_field_clear(void)
{
	bad_field[0] = '\0';
}

int
proto_get_str(struct json_object *msg, const char *key, size_t maxlen,
    const char **out)
{
	struct json_object *v;
	int r;

	if ((r = get_member(msg, key, &v)) != 0)
		return noted(KAGI_ERR_INVALID, key);
	return noted(check_str(v, maxlen, out), key);
}

int
proto_get_str_opt(struct json_object *msg, const char *key, size_t maxlen,
    const char **out)
{
	struct json_object *v;
	int r;

	if ((r = get_member(msg, key, &v)) == KAGI_ERR_NOT_FOUND)
		return KAGI_OK;
	if (r != 0)
		return noted(r, key);
	return noted(check_str(v, maxlen, out), key);
}

int
proto_get_int(struct json_object *msg, const char *key, int64_t min,
    int64_t max, int64_t *out)
{
	struct json_object *v;
	int r;

	if ((r = get_member(msg, key, &v)) != 0)
		return noted(KAGI_ERR_INVALID, key);
	return noted(check_int(v, min, max, out), key);
}

int
proto_get_int_opt(struct json_object *msg, const char *key, int64_t min,
    int64_t max, int64_t *out)
{
	struct json_object *v;
	int r;

	if ((r = get_member(msg, key, &v)) == KAGI_ERR_NOT_FOUND)
		return KAGI_OK;
	if (r != 0)
		return noted(r, key);
	return noted(check_int(v, min, max, out), key);
}

int
proto_get_bool_opt(struct json_object *msg, const char *key, int *out)
{
	struct json_object *v;
	int r;

	if ((r = get_member(msg, key, &v)) == KAGI_ERR_NOT_FOUND)
		return KAGI_OK;
	if (r != 0)
		return noted(r, key);
	if (!json_object_is_type(v, json_type_boolean))
		return noted(KAGI_ERR_INVALID, key);
	*out = json_object_get_boolean(v) ? 1 : 0;
	return KAGI_OK;
}

int
proto_check_keys(struct json_object *msg, const char *const *allowed)
{
	size_t i;

	if (!json_object_is_type(msg, json_type_object) || allowed == NULL)
		return KAGI_ERR_INVALID;
	json_object_object_foreach(msg, k, v) {
		(void)v;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], k) == 0)
				break;
		if (allowed[i] == NULL)
			return noted(KAGI_ERR_INVALID, k);
	}
	return KAGI_OK;
}

/* Add v under key; v is consumed either way. */
static int
set_member(struct json_object *msg, const char *key, struct json_object *v)
{
	if (v == NULL)
		return KAGI_ERR_NOMEM;
	if (!json_object_is_type(msg, json_type_object) || key == NULL) {
		json_object_put(v);
		return KAGI_ERR_INVALID;
	}
	if (json_object_object_add(msg, key, v) != 0) {
		json_object_put(v);
		return KAGI_ERR_NOMEM;
	}
	return KAGI_OK;
}

int
proto_set_str(struct json_object *msg, const char *key, const char *v)
{
	if (v == NULL)
		return KAGI_ERR_INVALID;
	return set_member(msg, key, json_object_new_string(v));
}

int
proto_set_int(struct json_object *msg, const char *key, int64_t v)
{
	return set_member(msg, key, json_object_new_int64(v));
}

int
proto_set_bool(struct json_object *msg, const char *key, int v)
{
	return set_member(msg, key, json_object_new_boolean(v != 0));
}

struct json_object *
proto_request_new(const char *op)
{
	struct json_object *m;

	if (op == NULL || (m = json_object_new_object()) == NULL)
		return NULL;
	if (proto_set_str(m, "op", op) != 0 ||
	    proto_set_int(m, "v", KAGI_PROTO_VERSION) != 0) {
		json_object_put(m);
		return NULL;
	}
	return m;
}

struct json_object *
proto_reply_ok(void)
{
	struct json_object *m;

	if ((m = json_object_new_object()) == NULL)
		return NULL;
	if (proto_set_str(m, "status", "ok") != 0) {
		json_object_put(m);
		return NULL;
	}
	return m;
}

struct json_object *
proto_reply_error(int err, const char *message)
{
	struct json_object *m;

	/* An error reply never says "ok". */
	if (err == KAGI_OK)
		err = KAGI_ERR_INTERNAL;
	if (message == NULL)
		message = kagi_strerror(err);
	if ((m = json_object_new_object()) == NULL)
		return NULL;
	if (proto_set_str(m, "status", "error") != 0 ||
	    proto_set_str(m, "error", kagi_err_wire(err)) != 0 ||
	    proto_set_str(m, "message", message) != 0) {
		json_object_put(m);
		return NULL;
	}
	return m;
}

int
proto_reply_status(struct json_object *reply)
{
	const char *status = NULL, *code = NULL;

	if (proto_get_str(reply, "status", 16, &status) != 0)
		return KAGI_ERR_INVALID;
	if (strcmp(status, "ok") == 0)
		return KAGI_OK;
	if (strcmp(status, "error") != 0)
		return KAGI_ERR_INVALID;
	/* kagi_err_from_wire() never gives KAGI_OK, even for "ok". */
	if (proto_get_str(reply, "error", 32, &code) != 0)
		return KAGI_ERR_INTERNAL;
	return kagi_err_from_wire(code);
}

/*
 * Wait until fd is ready for events or the deadline passes.
 */
static int
io_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	for (;;) {
		left = deadline - kagi_monotonic_ms();
		if (left <= 0)
			return KAGI_ERR_TIMEOUT;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0) {
			if (pfd.revents & POLLNVAL)
				return KAGI_ERR_IO;
			return KAGI_OK;	/* errors and hang-ups show on I/O */
		}
		if (n < 0 && errno != EINTR)
			return KAGI_ERR_IO;
	}
}

static int
write_all(int fd, const uint8_t *p, size_t len, int64_t deadline)
{
	size_t done = 0;
	ssize_t n;
	int r;

	while (done < len) {
		if ((r = io_wait(fd, POLLOUT, deadline)) != 0)
			return r;
		n = send(fd, p + done, len - done, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			return KAGI_ERR_IO;
		}
		done += (size_t)n;
	}
	return KAGI_OK;
}

/*
 * Read exactly len bytes.  *got counts what arrived, so that the caller
 * can tell a closed connection (nothing at all) from a cut frame.
 */
static int
read_all(int fd, uint8_t *p, size_t len, int64_t deadline, size_t *got)
{
	ssize_t n;
	int r;

	*got = 0;
	while (*got < len) {
		if ((r = io_wait(fd, POLLIN, deadline)) != 0)
			return r;
		n = read(fd, p + *got, len - *got);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			return KAGI_ERR_IO;
		}
		if (n == 0)
			return KAGI_ERR_TRUNCATED;
		*got += (size_t)n;
	}
	return KAGI_OK;
}

int
proto_send(int fd, struct json_object *msg, int timeout_ms)
{
	uint8_t *frame = NULL;
	size_t framelen = 0;
	int64_t deadline;
	int r;

	if (fd < 0 || timeout_ms <= 0)
		return KAGI_ERR_INVALID;
	deadline = kagi_monotonic_ms() + timeout_ms;
	if ((r = proto_encode(msg, &frame, &framelen)) != 0)
		goto out;
	r = write_all(fd, frame, framelen, deadline);
out:
	kagi_free_secret(frame, framelen);
	return r;
}

int
proto_recv(int fd, struct json_object **msg, int timeout_ms)
{
	uint8_t hdr[KAGI_FRAME_HDR];
	uint8_t *payload = NULL;
	uint32_t len = 0;
	size_t got = 0;
	int64_t deadline;
	int r;

	*msg = NULL;
	if (fd < 0 || timeout_ms <= 0)
		return KAGI_ERR_INVALID;
	deadline = kagi_monotonic_ms() + timeout_ms;
	if ((r = read_all(fd, hdr, sizeof(hdr), deadline, &got)) != 0) {
		/* The peer closed before sending anything. */
		if (r == KAGI_ERR_TRUNCATED && got == 0)
			r = KAGI_ERR_IO;
		goto out;
	}
	if ((r = proto_header_decode(hdr, &len)) != 0)
		goto out;
	if ((payload = malloc(len)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = read_all(fd, payload, len, deadline, &got)) != 0)
		goto out;
	r = proto_decode_payload(payload, len, msg);
out:
	kagi_free_secret(payload, len);
	kagi_wipe(hdr, sizeof(hdr));
	return r;
}

static void
proto_wipe(struct json_object *o)
{
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_string:
		kagi_wipe((void *)(uintptr_t)json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
		break;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			proto_wipe(v);
		}
		break;
	}
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			proto_wipe(json_object_array_get_idx(o, i));
		break;
	default:
		break;
	}
}

void
proto_wipe_put(struct json_object *msg)
{
	if (msg == NULL)
		return;
	proto_wipe(msg);
	json_object_put(msg);
}
