/*
 * test_proto.c - the wire protocol: header checks, strict payload
 * decoding, typed getters, replies, frame I/O over a socketpair with
 * time-outs, and the kagid client over a real UNIX socket.
 *
 * Every malformed input must be refused (R-AVL-1: fail closed); an error
 * reply must never read as success.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "client.h"
#include "clock.h"
#include "kagi_err.h"
#include "proto.h"

/* ---- helpers ---- */

static void
hdr_make(uint8_t h[KAGI_FRAME_HDR], uint8_t m0, uint8_t m1, uint8_t ver,
    uint8_t flags, uint32_t len)
{
	h[0] = m0;
	h[1] = m1;
	h[2] = ver;
	h[3] = flags;
	h[4] = (uint8_t)(len >> 24);
	h[5] = (uint8_t)(len >> 16);
	h[6] = (uint8_t)(len >> 8);
	h[7] = (uint8_t)len;
}

static int
decode_str(const char *s, struct json_object **o)
{
	return proto_decode_payload((const uint8_t *)s, strlen(s), o);
}

/* Decode s, which must be refused with r and leave *o NULL. */
static void
refuse(const char *s, size_t len, int r)
{
	struct json_object *o = (struct json_object *)(uintptr_t)1;

	assert_int_equal(proto_decode_payload((const uint8_t *)s, len, &o), r);
	assert_null(o);
}

/* A literal, embedded NULs included. */
#define REFUSE(lit, r) refuse((lit), sizeof(lit) - 1, (r))

static void
write_full(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		assert_true(w > 0);
		b += w;
		n -= (size_t)w;
	}
}

/* ---- headers ---- */

static void
test_header_ok(void **state)
{
	uint8_t h[KAGI_FRAME_HDR];
	uint32_t len = 0;

	(void)state;
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION, 0, 1);
	assert_int_equal(proto_header_decode(h, &len), KAGI_OK);
	assert_int_equal(len, 1);
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION, 0, KAGI_FRAME_MAX);
	assert_int_equal(proto_header_decode(h, &len), KAGI_OK);
	assert_int_equal(len, KAGI_FRAME_MAX);
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION, 0, 0x0102);
	assert_int_equal(proto_header_decode(h, &len), KAGI_OK);
	assert_int_equal(len, 0x0102);
}

static void
test_header_bad(void **state)
{
	uint8_t h[KAGI_FRAME_HDR];
	uint32_t len = 77;

	(void)state;
	hdr_make(h, 'k', 'G', KAGI_PROTO_VERSION, 0, 10);
	assert_int_equal(proto_header_decode(h, &len), KAGI_ERR_INVALID);
	hdr_make(h, 'K', 'g', KAGI_PROTO_VERSION, 0, 10);
	assert_int_equal(proto_header_decode(h, &len), KAGI_ERR_INVALID);
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION + 1, 0, 10);
	assert_int_equal(proto_header_decode(h, &len), KAGI_ERR_VERSION);
	hdr_make(h, 'K', 'G', 0, 0, 10);
	assert_int_equal(proto_header_decode(h, &len), KAGI_ERR_VERSION);
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION, 1, 10);
	assert_int_equal(proto_header_decode(h, &len), KAGI_ERR_INVALID);
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION, 0x80, 10);
	assert_int_equal(proto_header_decode(h, &len), KAGI_ERR_INVALID);
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION, 0, 0);
	assert_int_equal(proto_header_decode(h, &len), KAGI_ERR_INVALID);
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION, 0, KAGI_FRAME_MAX + 1);
	assert_int_equal(proto_header_decode(h, &len), KAGI_ERR_TOO_LARGE);
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION, 0, 0xffffffffU);
	assert_int_equal(proto_header_decode(h, &len), KAGI_ERR_TOO_LARGE);
	assert_int_equal(len, 77);
}

/* ---- payloads ---- */

static void
test_payload_ok(void **state)
{
	struct json_object *o = NULL;
	const char *s = NULL;
	int64_t v = 0;

	(void)state;
	assert_int_equal(decode_str("{\"op\":\"auth_begin\",\"v\":1}", &o),
	    KAGI_OK);
	assert_non_null(o);
	assert_int_equal(proto_get_str(o, "op", 32, &s), KAGI_OK);
	assert_string_equal(s, "auth_begin");
	assert_int_equal(proto_get_int(o, "v", 1, 1, &v), KAGI_OK);
	assert_int_equal(v, 1);
	json_object_put(o);
	/* Blanks inside are fine; UTF-8 (a Japanese host name) is fine. */
	assert_int_equal(decode_str("{ \"host\" : \"\xe5\xb0\x8f\xe8\xab\xb8\" ,"
	    "\"a\":[1,{\"b\":null}] }", &o), KAGI_OK);
	assert_int_equal(proto_get_str(o, "host", 32, &s), KAGI_OK);
	assert_string_equal(s, "\xe5\xb0\x8f\xe8\xab\xb8");
	json_object_put(o);
	assert_int_equal(decode_str("{}", &o), KAGI_OK);
	json_object_put(o);
	/* Every JSON form inside, per RFC 8259. */
	assert_int_equal(decode_str("{\"n\":[0,-0,1.5,-2e10,3E+2,4e-1],"
	    "\"t\":true,\"f\":false,\"z\":null,\"e\":\"\\\"\\\\\\/\\b\\f"
	    "\\n\\r\\t\\u00e9\\ud83d\\ude00\",\"o\":{\"\":{}}}", &o), KAGI_OK);
	json_object_put(o);
	/* Escaped backslash before "u0000" is not a NUL escape. */
	assert_int_equal(decode_str("{\"a\":\"\\\\u0000\"}", &o), KAGI_OK);
	assert_int_equal(proto_get_str(o, "a", 32, &s), KAGI_OK);
	assert_string_equal(s, "\\u0000");
	json_object_put(o);
}

static void
test_payload_not_object(void **state)
{
	(void)state;
	REFUSE("[1,2]", KAGI_ERR_INVALID);
	REFUSE("\"str\"", KAGI_ERR_INVALID);
	REFUSE("12", KAGI_ERR_INVALID);
	REFUSE("null", KAGI_ERR_INVALID);
	REFUSE("true", KAGI_ERR_INVALID);
	REFUSE("", KAGI_ERR_INVALID);
	/* Leading blanks: one object from the first byte. */
	REFUSE(" {}", KAGI_ERR_INVALID);
}

static void
test_payload_trailing(void **state)
{
	(void)state;
	REFUSE("{\"a\":1}x", KAGI_ERR_INVALID);
	REFUSE("{\"a\":1} ", KAGI_ERR_INVALID);
	REFUSE("{\"a\":1}\n", KAGI_ERR_INVALID);
	REFUSE("{\"a\":1}{\"b\":2}", KAGI_ERR_INVALID);
	REFUSE("{}{}", KAGI_ERR_INVALID);
	REFUSE("{}]", KAGI_ERR_INVALID);
}

static void
test_payload_truncated(void **state)
{
	(void)state;
	REFUSE("{\"a\":1", KAGI_ERR_INVALID);
	REFUSE("{\"a\":", KAGI_ERR_INVALID);
	REFUSE("{\"a", KAGI_ERR_INVALID);
	REFUSE("{", KAGI_ERR_INVALID);
	REFUSE("{\"a\":\"x\\", KAGI_ERR_INVALID);
	REFUSE("{\"a\":\"\\u00", KAGI_ERR_INVALID);
}

/* Non-standard JSON that a lenient parser would take. */
static void
test_payload_strict(void **state)
{
	(void)state;
	REFUSE("{'a':1}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":NaN}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":1,}", KAGI_ERR_INVALID);
	REFUSE("{a:1}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":/*x*/1}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":Infinity}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":01}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":1.}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":+1}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":-}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":1e}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":tru}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":True}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":\"x\ny\"}", KAGI_ERR_INVALID);	/* raw newline */
	REFUSE("{\"a\":\"\\x41\"}", KAGI_ERR_INVALID);	/* bad escape */
	REFUSE("{\"a\":\"\\u00g0\"}", KAGI_ERR_INVALID);
	REFUSE("{\"a\" 1}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":1 \"b\":2}", KAGI_ERR_INVALID);
	REFUSE("{,}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":[1,]}", KAGI_ERR_INVALID);
}

/* A repeated key could let two readers see two different users. */
static void
test_payload_duplicate_key(void **state)
{
	struct json_object *o = NULL;

	(void)state;
	REFUSE("{\"user\":\"alice\",\"user\":\"root\"}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":{\"x\":1,\"y\":2,\"x\":3}}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":[{\"x\":1},{\"y\":1,\"y\":1}]}", KAGI_ERR_INVALID);
	/* An escape spelling the same key is the same key. */
	REFUSE("{\"op\":\"a\",\"\\u006fp\":\"b\"}", KAGI_ERR_INVALID);
	/* The same key in different objects is fine. */
	assert_int_equal(decode_str("{\"x\":1,\"a\":{\"x\":2},"
	    "\"b\":[{\"x\":3},{\"x\":4}]}", &o), KAGI_OK);
	json_object_put(o);
}

static void
test_payload_depth(void **state)
{
	char buf[256];
	struct json_object *o = NULL;
	int i, n;

	(void)state;
	/* KAGI_PROTO_DEPTH levels, counting the top object, are fine. */
	n = snprintf(buf, sizeof(buf), "{\"a\":");
	for (i = 0; i < KAGI_PROTO_DEPTH - 2; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "[");
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "{}");
	for (i = 0; i < KAGI_PROTO_DEPTH - 2; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "]");
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "}");
	assert_int_equal(decode_str(buf, &o), KAGI_OK);
	json_object_put(o);
	/* One more level is refused. */
	n = snprintf(buf, sizeof(buf), "{\"a\":");
	for (i = 0; i < KAGI_PROTO_DEPTH - 1; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "[");
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "{}");
	for (i = 0; i < KAGI_PROTO_DEPTH - 1; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "]");
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "}");
	refuse(buf, (size_t)n, KAGI_ERR_INVALID);
}

static void
test_payload_depth_bomb(void **state)
{
	size_t n = 20000, i;
	char *b = malloc(2 * n + 1);

	(void)state;
	assert_non_null(b);
	memcpy(b, "{\"a\":", 5);
	for (i = 5; i < n; i++)
		b[i] = '[';
	refuse(b, n, KAGI_ERR_INVALID);
	free(b);
}

static void
test_payload_nul(void **state)
{
	(void)state;
	REFUSE("{\"a\":\"x\0y\"}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":\"x\\u0000y\"}", KAGI_ERR_INVALID);
	/* A NUL in a key, which json-c would silently cut. */
	REFUSE("{\"user\\u0000x\":\"root\"}", KAGI_ERR_INVALID);
	/* At depth, in an array, and after a NUL byte at the very end. */
	REFUSE("{\"a\":[{\"b\":\"\\u0000\"}]}", KAGI_ERR_INVALID);
	REFUSE("{}\0", KAGI_ERR_INVALID);
}

static void
test_payload_utf8(void **state)
{
	(void)state;
	REFUSE("{\"a\":\"\xff\"}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":\"\xc0\x80\"}", KAGI_ERR_INVALID);	/* overlong NUL */
	REFUSE("{\"a\":\"\xe0\x80\xaf\"}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":\"\xed\xa0\x80\"}", KAGI_ERR_INVALID); /* surrogate */
	REFUSE("{\"a\":\"\xf4\x90\x80\x80\"}", KAGI_ERR_INVALID);
	REFUSE("{\"a\":\"\xe5\xb0\"}", KAGI_ERR_INVALID);	/* cut */
	REFUSE("{\"a\":\"\x80\"}", KAGI_ERR_INVALID);
	REFUSE("{\"\xfe\":1}", KAGI_ERR_INVALID);
}

static void
test_payload_huge(void **state)
{
	size_t n = KAGI_FRAME_MAX + 1;
	char *b = malloc(n);

	(void)state;
	assert_non_null(b);
	memset(b, ' ', n);
	memcpy(b, "{\"a\":\"", 6);
	memset(b + 6, 'x', n - 8);
	memcpy(b + n - 2, "\"}", 2);
	refuse(b, n, KAGI_ERR_TOO_LARGE);
	free(b);
}

/* ---- getters ---- */

static struct json_object *
getter_msg(void)
{
	struct json_object *o = NULL;

	assert_int_equal(decode_str("{\"s\":\"abc\",\"e\":\"\",\"i\":42,"
	    "\"neg\":-5,\"d\":1.5,\"b\":true,\"f\":false,\"n\":null,"
	    "\"big\":18446744073709551615,\"a\":[],\"is\":\"7\"}", &o), KAGI_OK);
	return o;
}

static void
test_get_str(void **state)
{
	struct json_object *o = getter_msg();
	struct json_object *nul;
	const char *s = "untouched";

	(void)state;
	assert_int_equal(proto_get_str(o, "s", 3, &s), KAGI_OK);
	assert_string_equal(s, "abc");
	assert_int_equal(proto_get_str(o, "s", 2, &s), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_str(o, "e", 10, &s), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_str(o, "missing", 10, &s), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_str(o, "n", 10, &s), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_str(o, "i", 10, &s), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_str(o, "a", 10, &s), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_str(o, "b", 10, &s), KAGI_ERR_INVALID);
	assert_string_equal(s, "abc");
	/* A string built with a NUL inside (never from the wire). */
	nul = json_object_new_string_len("ro\0ot", 5);
	assert_non_null(nul);
	json_object_object_add(o, "nul", nul);
	assert_int_equal(proto_get_str(o, "nul", 10, &s), KAGI_ERR_INVALID);
	/* Not an object. */
	assert_int_equal(proto_get_str(json_object_object_get(o, "a"), "s", 10,
	    &s), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_str(NULL, "s", 10, &s), KAGI_ERR_INVALID);
	json_object_put(o);
}

static void
test_get_str_opt(void **state)
{
	struct json_object *o = getter_msg();
	const char *s = "untouched";

	(void)state;
	assert_int_equal(proto_get_str_opt(o, "missing", 10, &s), KAGI_OK);
	assert_string_equal(s, "untouched");
	assert_int_equal(proto_get_str_opt(o, "n", 10, &s), KAGI_OK);
	assert_string_equal(s, "untouched");
	assert_int_equal(proto_get_str_opt(o, "i", 10, &s), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_str_opt(o, "e", 10, &s), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_str_opt(o, "s", 2, &s), KAGI_ERR_INVALID);
	assert_string_equal(s, "untouched");
	assert_int_equal(proto_get_str_opt(o, "s", 10, &s), KAGI_OK);
	assert_string_equal(s, "abc");
	json_object_put(o);
}

static void
test_get_int(void **state)
{
	struct json_object *o = getter_msg();
	int64_t v = 99;

	(void)state;
	assert_int_equal(proto_get_int(o, "i", 0, 100, &v), KAGI_OK);
	assert_int_equal(v, 42);
	assert_int_equal(proto_get_int(o, "i", 42, 42, &v), KAGI_OK);
	assert_int_equal(proto_get_int(o, "neg", -5, 0, &v), KAGI_OK);
	assert_int_equal(v, -5);
	v = 99;
	assert_int_equal(proto_get_int(o, "i", 43, 100, &v), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_int(o, "i", 0, 41, &v), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_int(o, "neg", 0, 10, &v), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_int(o, "missing", 0, 10, &v),
	    KAGI_ERR_INVALID);
	assert_int_equal(proto_get_int(o, "n", 0, 10, &v), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_int(o, "d", 0, 10, &v), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_int(o, "b", 0, 10, &v), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_int(o, "is", 0, 10, &v), KAGI_ERR_INVALID);
	/* Beyond int64: json-c would clamp it to INT64_MAX. */
	assert_int_equal(proto_get_int(o, "big", INT64_MIN, INT64_MAX, &v),
	    KAGI_ERR_INVALID);
	assert_int_equal(v, 99);
	json_object_put(o);
}

static void
test_get_int_opt_bool_opt(void **state)
{
	struct json_object *o = getter_msg();
	int64_t v = 99;
	int b = 7;

	(void)state;
	assert_int_equal(proto_get_int_opt(o, "missing", 0, 10, &v), KAGI_OK);
	assert_int_equal(proto_get_int_opt(o, "n", 0, 10, &v), KAGI_OK);
	assert_int_equal(v, 99);
	assert_int_equal(proto_get_int_opt(o, "i", 0, 10, &v),
	    KAGI_ERR_INVALID);
	assert_int_equal(proto_get_int_opt(o, "s", 0, 10, &v),
	    KAGI_ERR_INVALID);
	assert_int_equal(v, 99);
	assert_int_equal(proto_get_int_opt(o, "i", 0, 100, &v), KAGI_OK);
	assert_int_equal(v, 42);

	assert_int_equal(proto_get_bool_opt(o, "missing", &b), KAGI_OK);
	assert_int_equal(proto_get_bool_opt(o, "n", &b), KAGI_OK);
	assert_int_equal(b, 7);
	assert_int_equal(proto_get_bool_opt(o, "i", &b), KAGI_ERR_INVALID);
	assert_int_equal(proto_get_bool_opt(o, "s", &b), KAGI_ERR_INVALID);
	assert_int_equal(b, 7);
	assert_int_equal(proto_get_bool_opt(o, "b", &b), KAGI_OK);
	assert_int_equal(b, 1);
	assert_int_equal(proto_get_bool_opt(o, "f", &b), KAGI_OK);
	assert_int_equal(b, 0);
	json_object_put(o);
}

static void
test_check_keys(void **state)
{
	static const char *const allowed[] = { "op", "v", "user", NULL };
	static const char *const none[] = { NULL };
	struct json_object *o = NULL;

	(void)state;
	assert_int_equal(decode_str("{\"op\":\"x\",\"v\":1}", &o), KAGI_OK);
	assert_int_equal(proto_check_keys(o, allowed), KAGI_OK);
	assert_int_equal(proto_check_keys(o, none), KAGI_ERR_INVALID);
	json_object_put(o);
	assert_int_equal(decode_str("{\"op\":\"x\",\"v\":1,\"nullok\":true}",
	    &o), KAGI_OK);
	assert_int_equal(proto_check_keys(o, allowed), KAGI_ERR_INVALID);
	json_object_put(o);
	assert_int_equal(decode_str("{}", &o), KAGI_OK);
	assert_int_equal(proto_check_keys(o, none), KAGI_OK);
	json_object_put(o);
}

/* ---- encoding ---- */

static void
test_encode_roundtrip(void **state)
{
	struct json_object *m = proto_request_new("auth_totp"), *d = NULL;
	uint8_t *f = NULL;
	size_t flen = 0;
	uint32_t len = 0;
	const char *s;
	int64_t v;
	int b = 0;

	(void)state;
	assert_non_null(m);
	assert_int_equal(proto_set_str(m, "user", "\xe5\xb1\xb1\xe7\x94\xb0 \"x\"/\n"),
	    KAGI_OK);
	assert_int_equal(proto_set_int(m, "n", -1234567890123LL), KAGI_OK);
	assert_int_equal(proto_set_bool(m, "flag", 1), KAGI_OK);
	assert_int_equal(proto_set_str(m, "user2", NULL), KAGI_ERR_INVALID);
	assert_int_equal(proto_encode(m, &f, &flen), KAGI_OK);
	assert_true(flen > KAGI_FRAME_HDR);
	assert_memory_equal(f, "KG\x01\x00", 4);
	assert_int_equal(proto_header_decode(f, &len), KAGI_OK);
	assert_int_equal(len, flen - KAGI_FRAME_HDR);
	assert_int_equal(proto_decode_payload(f + KAGI_FRAME_HDR, len, &d),
	    KAGI_OK);
	assert_int_equal(proto_get_str(d, "op", 32, &s), KAGI_OK);
	assert_string_equal(s, "auth_totp");
	assert_int_equal(proto_get_int(d, "v", 1, 1, &v), KAGI_OK);
	assert_int_equal(proto_get_str(d, "user", 64, &s), KAGI_OK);
	assert_string_equal(s, "\xe5\xb1\xb1\xe7\x94\xb0 \"x\"/\n");
	assert_int_equal(proto_get_int(d, "n", INT64_MIN, 0, &v), KAGI_OK);
	assert_int_equal(v, -1234567890123LL);
	assert_int_equal(proto_get_bool_opt(d, "flag", &b), KAGI_OK);
	assert_int_equal(b, 1);
	free(f);
	json_object_put(m);
	json_object_put(d);
}

static void
test_encode_limits(void **state)
{
	struct json_object *m = json_object_new_object();
	struct json_object *a = json_object_new_array();
	char *big = malloc(KAGI_FRAME_MAX + 1);
	uint8_t *f = (uint8_t *)(uintptr_t)1;
	size_t flen = 1;

	(void)state;
	assert_int_equal(proto_encode(a, &f, &flen), KAGI_ERR_INVALID);
	assert_null(f);
	assert_int_equal(flen, 0);
	memset(big, 'x', KAGI_FRAME_MAX);
	big[KAGI_FRAME_MAX] = '\0';
	assert_int_equal(proto_set_str(m, "x", big), KAGI_OK);
	assert_int_equal(proto_encode(m, &f, &flen), KAGI_ERR_TOO_LARGE);
	assert_null(f);
	/* Exactly KAGI_FRAME_MAX bytes of payload still fits. */
	big[KAGI_FRAME_MAX - 8] = '\0';	/* {"x":"..."} adds 8 */
	assert_int_equal(proto_set_str(m, "x", big), KAGI_OK);
	assert_int_equal(proto_encode(m, &f, &flen), KAGI_OK);
	assert_int_equal(flen, KAGI_FRAME_HDR + KAGI_FRAME_MAX);
	free(f);
	free(big);
	json_object_put(m);
	json_object_put(a);
}

/* ---- replies ---- */

static int
status_of(const char *s)
{
	struct json_object *o = NULL;
	int r;

	assert_int_equal(decode_str(s, &o), KAGI_OK);
	r = proto_reply_status(o);
	json_object_put(o);
	return r;
}

static void
test_reply_status(void **state)
{
	(void)state;
	assert_int_equal(status_of("{\"status\":\"ok\"}"), KAGI_OK);
	assert_int_equal(status_of("{\"status\":\"error\",\"error\":\"locked\","
	    "\"message\":\"m\"}"), KAGI_ERR_LOCKED);
	/* An error reply is never success. */
	assert_int_equal(status_of("{\"status\":\"error\",\"error\":\"ok\"}"),
	    KAGI_ERR_INTERNAL);
	assert_int_equal(status_of("{\"status\":\"error\"}"),
	    KAGI_ERR_INTERNAL);
	assert_int_equal(status_of("{\"status\":\"error\",\"error\":\"\"}"),
	    KAGI_ERR_INTERNAL);
	assert_int_equal(status_of("{\"status\":\"error\",\"error\":0}"),
	    KAGI_ERR_INTERNAL);
	assert_int_equal(status_of("{\"status\":\"error\",\"error\":\"what\"}"),
	    KAGI_ERR_INTERNAL);
	/* Anything else is malformed. */
	assert_int_equal(status_of("{}"), KAGI_ERR_INVALID);
	assert_int_equal(status_of("{\"status\":\"OK\"}"), KAGI_ERR_INVALID);
	assert_int_equal(status_of("{\"status\":true}"), KAGI_ERR_INVALID);
	assert_int_equal(status_of("{\"status\":\"\"}"), KAGI_ERR_INVALID);
	assert_int_equal(status_of("{\"error\":\"ok\"}"), KAGI_ERR_INVALID);
	assert_int_equal(proto_reply_status(NULL), KAGI_ERR_INVALID);
}

static void
test_reply_build(void **state)
{
	struct json_object *o;
	const char *s;

	(void)state;
	o = proto_reply_ok();
	assert_int_equal(proto_reply_status(o), KAGI_OK);
	json_object_put(o);
	o = proto_reply_error(KAGI_ERR_DENIED, "not yours");
	assert_int_equal(proto_reply_status(o), KAGI_ERR_DENIED);
	assert_int_equal(proto_get_str(o, "error", 32, &s), KAGI_OK);
	assert_string_equal(s, "denied");
	assert_int_equal(proto_get_str(o, "message", 32, &s), KAGI_OK);
	assert_string_equal(s, "not yours");
	json_object_put(o);
	/* Even "error: OK" must not read as success. */
	o = proto_reply_error(KAGI_OK, "oops");
	assert_int_not_equal(proto_reply_status(o), KAGI_OK);
	json_object_put(o);
	o = proto_reply_error(KAGI_ERR_TIMEOUT, NULL);
	assert_int_equal(proto_reply_status(o), KAGI_ERR_TIMEOUT);
	assert_int_equal(proto_get_str(o, "message", 64, &s), KAGI_OK);
	json_object_put(o);
}

/* ---- frame I/O ---- */

static void
sockpair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	    0);
}

static void
test_io_roundtrip(void **state)
{
	struct json_object *m = proto_request_new("status"), *r = NULL;
	const char *s;
	int sv[2];

	(void)state;
	sockpair(sv);
	assert_int_equal(proto_send(sv[0], m, 1000), KAGI_OK);
	assert_int_equal(proto_recv(sv[1], &r, 1000), KAGI_OK);
	assert_int_equal(proto_get_str(r, "op", 32, &s), KAGI_OK);
	assert_string_equal(s, "status");
	json_object_put(r);
	json_object_put(m);
	close(sv[0]);
	close(sv[1]);
}

/* A large frame, written by a child in small pieces with pauses. */
static void
test_io_partial(void **state)
{
	struct json_object *m = json_object_new_object(), *r = NULL;
	char *big = malloc(50001);
	uint8_t *f = NULL;
	size_t flen = 0, off = 0;
	const char *s;
	pid_t pid;
	int sv[2], st;

	(void)state;
	memset(big, 'q', 50000);
	big[50000] = '\0';
	assert_int_equal(proto_set_str(m, "big", big), KAGI_OK);
	assert_int_equal(proto_encode(m, &f, &flen), KAGI_OK);
	sockpair(sv);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };

		close(sv[1]);
		json_object_put(m);
		free(big);
		while (off < flen) {
			size_t n = off < 16 ? 3 : 7000;

			if (n > flen - off)
				n = flen - off;
			if (write(sv[0], f + off, n) != (ssize_t)n)
				_exit(1);
			off += n;
			nanosleep(&ts, NULL);
		}
		free(f);
		_exit(0);
	}
	close(sv[0]);
	assert_int_equal(proto_recv(sv[1], &r, 5000), KAGI_OK);
	assert_int_equal(proto_get_str(r, "big", 50000, &s), KAGI_OK);
	assert_int_equal(strlen(s), 50000);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(sv[1]);
	json_object_put(r);
	json_object_put(m);
	free(f);
	free(big);
}

static void
test_io_truncated(void **state)
{
	struct json_object *r = (struct json_object *)(uintptr_t)1;
	uint8_t h[KAGI_FRAME_HDR];
	int sv[2];

	(void)state;
	/* Peer closes before anything: I/O error, not a cut frame. */
	sockpair(sv);
	close(sv[0]);
	assert_int_equal(proto_recv(sv[1], &r, 1000), KAGI_ERR_IO);
	assert_null(r);
	close(sv[1]);
	/* Half a header. */
	sockpair(sv);
	write_full(sv[0], "KG\x01", 3);
	close(sv[0]);
	assert_int_equal(proto_recv(sv[1], &r, 1000), KAGI_ERR_TRUNCATED);
	close(sv[1]);
	/* A header promising 100 bytes, then 10, then EOF. */
	sockpair(sv);
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION, 0, 100);
	write_full(sv[0], h, sizeof(h));
	write_full(sv[0], "{\"a\":\"bbbb", 10);
	close(sv[0]);
	assert_int_equal(proto_recv(sv[1], &r, 1000), KAGI_ERR_TRUNCATED);
	assert_null(r);
	close(sv[1]);
}

static void
test_io_bad_frames(void **state)
{
	struct json_object *r = NULL;
	uint8_t h[KAGI_FRAME_HDR];
	int sv[2];

	(void)state;
	/* Oversized length: refused from the header, nothing allocated. */
	sockpair(sv);
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION, 0, 0x7fffffff);
	write_full(sv[0], h, sizeof(h));
	assert_int_equal(proto_recv(sv[1], &r, 1000), KAGI_ERR_TOO_LARGE);
	assert_null(r);
	close(sv[0]);
	close(sv[1]);
	/* Wrong version. */
	sockpair(sv);
	hdr_make(h, 'K', 'G', 9, 0, 2);
	write_full(sv[0], h, sizeof(h));
	write_full(sv[0], "{}", 2);
	assert_int_equal(proto_recv(sv[1], &r, 1000), KAGI_ERR_VERSION);
	close(sv[0]);
	close(sv[1]);
	/* A good header and a payload with trailing bytes. */
	sockpair(sv);
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION, 0, 4);
	write_full(sv[0], h, sizeof(h));
	write_full(sv[0], "{} x", 4);
	assert_int_equal(proto_recv(sv[1], &r, 1000), KAGI_ERR_INVALID);
	assert_null(r);
	close(sv[0]);
	close(sv[1]);
}

static void
test_io_timeout(void **state)
{
	struct json_object *r = NULL;
	uint8_t h[KAGI_FRAME_HDR];
	int64_t t0, dt;
	int sv[2];

	(void)state;
	sockpair(sv);
	t0 = kagi_monotonic_ms();
	assert_int_equal(proto_recv(sv[1], &r, 100), KAGI_ERR_TIMEOUT);
	dt = kagi_monotonic_ms() - t0;
	assert_true(dt >= 95 && dt < 1000);
	assert_null(r);
	/* A peer that sends a header and then goes silent: total deadline. */
	hdr_make(h, 'K', 'G', KAGI_PROTO_VERSION, 0, 10);
	write_full(sv[0], h, sizeof(h));
	write_full(sv[0], "{\"a\"", 4);
	t0 = kagi_monotonic_ms();
	assert_int_equal(proto_recv(sv[1], &r, 100), KAGI_ERR_TIMEOUT);
	dt = kagi_monotonic_ms() - t0;
	assert_true(dt >= 95 && dt < 1000);
	assert_int_equal(proto_recv(sv[1], &r, 0), KAGI_ERR_INVALID);
	close(sv[0]);
	close(sv[1]);
}

/* A peer that never reads: the send side times out, no SIGPIPE later. */
static void
test_io_send_timeout_and_epipe(void **state)
{
	struct json_object *m = json_object_new_object();
	char *big = malloc(60001);
	int sv[2], i, r = KAGI_OK;
	int64_t t0;

	(void)state;
	memset(big, 'z', 60000);
	big[60000] = '\0';
	assert_int_equal(proto_set_str(m, "z", big), KAGI_OK);
	sockpair(sv);
	t0 = kagi_monotonic_ms();
	for (i = 0; i < 100 && r == KAGI_OK; i++)
		r = proto_send(sv[0], m, 100);
	assert_int_equal(r, KAGI_ERR_TIMEOUT);
	assert_true(kagi_monotonic_ms() - t0 < 5000);
	close(sv[1]);
	/* Writing to a closed peer: an error, and the process survives. */
	assert_int_equal(proto_send(sv[0], m, 100), KAGI_ERR_IO);
	close(sv[0]);
	json_object_put(m);
	free(big);
}

/* ---- client ---- */

/*
 * A one-connection server in a child: reads one frame, answers with
 * `answer` (raw bytes, may be malformed), then waits for EOF.
 */
static pid_t
serve_once(const char *path, const void *answer, size_t alen)
{
	struct sockaddr_un sun;
	int lfd, fd;
	pid_t pid;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct json_object *req = NULL;
		char c;

		if ((fd = accept(lfd, NULL, NULL)) < 0)
			_exit(1);
		if (proto_recv(fd, &req, 2000) != 0)
			_exit(2);
		json_object_put(req);
		if (alen > 0 && write(fd, answer, alen) != (ssize_t)alen)
			_exit(3);
		while (read(fd, &c, 1) > 0)
			;
		_exit(0);
	}
	close(lfd);
	return pid;
}

static void
reap(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

static void
frame_of(struct json_object *m, uint8_t **f, size_t *flen)
{
	assert_int_equal(proto_encode(m, f, flen), KAGI_OK);
	json_object_put(m);
}

static void
test_client(void **state)
{
	char dir[] = "/tmp/kagi-test-proto-XXXXXX", path[128];
	struct kagi_client *c = NULL;
	struct json_object *req, *rep = NULL;
	uint8_t *f = NULL;
	size_t flen = 0;
	const char *s;
	char longpath[200];
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kagid.sock", dir);
	memset(longpath, 'a', sizeof(longpath));
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(client_connect(longpath, 100, &c), KAGI_ERR_INVALID);
	assert_int_equal(client_connect(path, 100, &c), KAGI_ERR_UNAVAILABLE);
	assert_null(c);
	req = proto_request_new("status");

	/* "ok" */
	frame_of(proto_reply_ok(), &f, &flen);
	pid = serve_once(path, f, flen);
	free(f);
	assert_int_equal(client_connect(path, 1000, &c), KAGI_OK);
	assert_int_equal(client_call(c, req, &rep), KAGI_OK);
	assert_non_null(rep);
	json_object_put(rep);
	client_free(&c);
	assert_null(c);
	client_free(&c);
	reap(pid);

	/* An error reply: its code, and the reply for its message. */
	frame_of(proto_reply_error(KAGI_ERR_LOCKED, "locked out"), &f, &flen);
	pid = serve_once(path, f, flen);
	free(f);
	assert_int_equal(client_connect(path, 1000, &c), KAGI_OK);
	assert_int_equal(client_call(c, req, &rep), KAGI_ERR_LOCKED);
	assert_int_equal(proto_get_str(rep, "message", 64, &s), KAGI_OK);
	assert_string_equal(s, "locked out");
	json_object_put(rep);
	client_free(&c);
	reap(pid);

	/* Garbage: malformed, and the connection is not used again. */
	pid = serve_once(path, "HTTP/1.0 200 OK\r\n\r\n", 19);
	assert_int_equal(client_connect(path, 1000, &c), KAGI_OK);
	assert_int_equal(client_call(c, req, &rep), KAGI_ERR_INVALID);
	assert_null(rep);
	assert_int_not_equal(client_call(c, req, &rep), KAGI_OK);
	client_free(&c);
	reap(pid);

	/* A reply whose status is neither ok nor error. */
	assert_int_equal(decode_str("{\"status\":\"maybe\"}", &rep), KAGI_OK);
	frame_of(rep, &f, &flen);
	rep = NULL;
	pid = serve_once(path, f, flen);
	free(f);
	assert_int_equal(client_connect(path, 1000, &c), KAGI_OK);
	assert_int_equal(client_call(c, req, &rep), KAGI_ERR_INVALID);
	assert_null(rep);
	client_free(&c);
	reap(pid);

	/* A daemon that never answers. */
	pid = serve_once(path, NULL, 0);
	assert_int_equal(client_connect(path, 100, &c), KAGI_OK);
	assert_int_equal(client_call(c, req, NULL), KAGI_ERR_TIMEOUT);
	client_free(&c);
	reap(pid);

	json_object_put(req);
	unlink(path);
	rmdir(dir);
}

/*
 * proto_wipe_put() overwrites every string of a message, however deep,
 * before freeing it: held here by an extra reference, the strings read
 * as zeros afterwards (secrets sent to or from kagid, R-TOK-8).
 */
static void
test_wipe_put(void **state)
{
	struct json_object *msg, *arr, *inner, *code, *uri, *deep;
	size_t i;

	(void)state;
	msg = json_object_new_object();
	arr = json_object_new_array();
	inner = json_object_new_object();
	assert_non_null(msg);
	assert_int_equal(proto_set_str(msg, "code", "123456"), 0);
	assert_int_equal(proto_set_str(inner, "uri",
	    "otpauth://totp/x?secret=ABC"), 0);
	assert_int_equal(json_object_array_add(arr,
	    json_object_new_string("deep secret")), 0);
	assert_int_equal(json_object_object_add(inner, "list", arr), 0);
	assert_int_equal(json_object_object_add(msg, "inner", inner), 0);
	code = json_object_get(json_object_object_get(msg, "code"));
	uri = json_object_get(json_object_object_get(inner, "uri"));
	deep = json_object_get(json_object_array_get_idx(arr, 0));
	proto_wipe_put(msg);
	for (i = 0; i < 6; i++)
		assert_int_equal(json_object_get_string(code)[i], 0);
	for (i = 0; i < strlen("otpauth://totp/x?secret=ABC"); i++)
		assert_int_equal(json_object_get_string(uri)[i], 0);
	for (i = 0; i < strlen("deep secret"); i++)
		assert_int_equal(json_object_get_string(deep)[i], 0);
	json_object_put(code);
	json_object_put(uri);
	json_object_put(deep);
	proto_wipe_put(NULL);
}

/* A reply of n rows {"name": "userNNNNNN"} and a count beside them. */
static struct json_object *
big_reply(size_t n)
{
	struct json_object *rep = proto_reply_ok(), *arr = json_object_new_array();
	char name[32];
	size_t i;

	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		snprintf(name, sizeof(name), "user%06zu", i);
		assert_int_equal(proto_set_str(o, "name", name), KAGI_OK);
		assert_int_equal(json_object_array_add(arr, o), 0);
	}
	json_object_object_add(rep, "users", arr);
	assert_int_equal(proto_set_int(rep, "count", (int64_t)n), KAGI_OK);
	return rep;
}

/* R-AVL-1: a listing over the frame limit goes whole, as a stream. */
static void
test_a_reply_over_the_frame_limit_arrives_whole_as_a_stream(void **state)
{
	struct json_object *rep = big_reply(20000), *got = NULL, *arr;
	struct kagi_client *c = NULL;
	uint8_t *f = NULL;
	size_t flen = 0, off = 0, nframes = 0, i;
	char dir[] = "/tmp/kagi-test-proto-XXXXXX", path[128];
	uint32_t plen;
	pid_t pid;
	int cont;

	(void)state;
	assert_int_equal(proto_encode_reply(rep, &f, &flen), KAGI_OK);
	assert_true(flen > KAGI_FRAME_MAX);
	/* Every frame within the limit; only the last without "continues". */
	while (off < flen) {
		struct json_object *m = NULL;

		assert_int_equal(proto_header_decode(f + off, &plen), KAGI_OK);
		assert_true(plen <= KAGI_FRAME_MAX);
		assert_int_equal(proto_decode_payload(f + off + KAGI_FRAME_HDR,
		    plen, &m), KAGI_OK);
		cont = 0;
		assert_int_equal(proto_get_bool_opt(m, PROTO_CONTINUES, &cont),
		    KAGI_OK);
		off += KAGI_FRAME_HDR + plen;
		assert_int_equal(cont, off < flen);
		json_object_put(m);
		nframes++;
	}
	assert_true(nframes > 2);
	/* Through a socket to client_call: one reply, every row once. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kagid.sock", dir);
	pid = serve_once(path, f, flen);
	assert_int_equal(client_connect(path, 10000, &c), KAGI_OK);
	{
		struct json_object *req = proto_request_new("user_list");

		assert_int_equal(client_call(c, req, &got), KAGI_OK);
		json_object_put(req);
	}
	assert_true(json_object_object_get_ex(got, "users", &arr));
	assert_int_equal(json_object_array_length(arr), 20000);
	for (i = 0; i < 20000; i++) {
		char name[32];
		const char *s = NULL;

		snprintf(name, sizeof(name), "user%06zu", i);
		assert_int_equal(proto_get_str(json_object_array_get_idx(arr,
		    i), "name", 32, &s), KAGI_OK);
		assert_string_equal(s, name);
	}
	assert_int_equal(json_object_get_int64(json_object_object_get(got,
	    "count")), 20000);
	assert_false(json_object_object_get_ex(got, PROTO_CONTINUES, NULL));
	client_free(&c);
	reap(pid);
	unlink(path);
	rmdir(dir);
	json_object_put(got);
	json_object_put(rep);
	free(f);
}

/* A stream cut short is an error, never a partial listing. */
static void
test_a_stream_cut_short_is_an_error_not_a_partial_listing(void **state)
{
	struct json_object *rep = big_reply(20000), *got = NULL, *req;
	struct kagi_client *c = NULL;
	char dir[] = "/tmp/kagi-test-proto-XXXXXX", path[128];
	uint8_t *f = NULL;
	size_t flen = 0;
	uint32_t plen;
	pid_t pid;

	(void)state;
	assert_int_equal(proto_encode_reply(rep, &f, &flen), KAGI_OK);
	assert_int_equal(proto_header_decode(f, &plen), KAGI_OK);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kagid.sock", dir);
	/* The first frame only, then silence. */
	pid = serve_once(path, f, KAGI_FRAME_HDR + plen);
	assert_int_equal(client_connect(path, 500, &c), KAGI_OK);
	req = proto_request_new("user_list");
	assert_int_equal(client_call(c, req, &got), KAGI_ERR_TIMEOUT);
	assert_null(got);
	json_object_put(req);
	client_free(&c);
	reap(pid);
	unlink(path);
	rmdir(dir);
	json_object_put(rep);
	free(f);
}

/* No array to cut, or one row over the limit: refused, not truncated. */
static void
test_a_reply_that_no_stream_can_carry_is_refused(void **state)
{
	struct json_object *m = proto_reply_ok(), *arr = json_object_new_array();
	char *big = malloc(KAGI_FRAME_MAX + 10);
	uint8_t *f = NULL;
	size_t flen = 0;

	(void)state;
	memset(big, 'x', KAGI_FRAME_MAX + 9);
	big[KAGI_FRAME_MAX + 9] = '\0';
	assert_int_equal(proto_set_str(m, "blob", big), KAGI_OK);
	assert_int_equal(proto_encode_reply(m, &f, &flen), KAGI_ERR_TOO_LARGE);
	assert_null(f);
	json_object_object_del(m, "blob");
	json_object_array_add(arr, json_object_new_string(big));
	json_object_object_add(m, "rows", arr);
	assert_int_equal(proto_encode_reply(m, &f, &flen), KAGI_ERR_TOO_LARGE);
	assert_null(f);
	json_object_put(m);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_ok),
		cmocka_unit_test(test_header_bad),
		cmocka_unit_test(test_payload_ok),
		cmocka_unit_test(test_payload_not_object),
		cmocka_unit_test(test_payload_trailing),
		cmocka_unit_test(test_payload_truncated),
		cmocka_unit_test(test_payload_strict),
		cmocka_unit_test(test_payload_duplicate_key),
		cmocka_unit_test(test_payload_depth),
		cmocka_unit_test(test_payload_depth_bomb),
		cmocka_unit_test(test_payload_nul),
		cmocka_unit_test(test_payload_utf8),
		cmocka_unit_test(test_payload_huge),
		cmocka_unit_test(test_get_str),
		cmocka_unit_test(test_get_str_opt),
		cmocka_unit_test(test_get_int),
		cmocka_unit_test(test_get_int_opt_bool_opt),
		cmocka_unit_test(test_check_keys),
		cmocka_unit_test(test_encode_roundtrip),
		cmocka_unit_test(test_encode_limits),
		cmocka_unit_test(test_reply_status),
		cmocka_unit_test(test_reply_build),
		cmocka_unit_test(test_io_roundtrip),
		cmocka_unit_test(test_io_partial),
		cmocka_unit_test(test_io_truncated),
		cmocka_unit_test(test_io_bad_frames),
		cmocka_unit_test(test_io_timeout),
		cmocka_unit_test(test_io_send_timeout_and_epipe),
		cmocka_unit_test(test_client),
		cmocka_unit_test(test_wipe_put),
		cmocka_unit_test(
		    test_a_reply_over_the_frame_limit_arrives_whole_as_a_stream),
		cmocka_unit_test(
		    test_a_stream_cut_short_is_an_error_not_a_partial_listing),
		cmocka_unit_test(test_a_reply_that_no_stream_can_carry_is_refused),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
