/*
 * fuzz_proto.c - libFuzzer target for the wire protocol: the input's
 * first bytes go through the header check and all of it through the
 * payload decoder; every getter runs on what decodes, and what decodes
 * must survive encoding and decoding again.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "kagi_err.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allowed[] = { "op", "v", "user", NULL };
	struct json_object *m = NULL, *m2 = NULL;
	uint8_t *f = NULL;
	size_t flen = 0;
	const char *s = NULL;
	int64_t i = 0;
	uint32_t len = 0;
	int b = 0;

	if (size >= KAGI_FRAME_HDR)
		(void)proto_header_decode(data, &len);
	if (proto_decode_payload(data, size, &m) != 0)
		return 0;
	(void)proto_get_str(m, "op", KAGI_NAME_MAX, &s);
	(void)proto_get_str_opt(m, "user", KAGI_NAME_MAX, &s);
	(void)proto_get_int(m, "v", 1, 1, &i);
	(void)proto_get_int_opt(m, "n", INT64_MIN, INT64_MAX, &i);
	(void)proto_get_bool_opt(m, "b", &b);
	(void)proto_check_keys(m, allowed);
	(void)proto_reply_status(m);
	/* What is accepted must encode into a frame that is accepted. */
	if (proto_encode(m, &f, &flen) == 0 &&
	    (proto_header_decode(f, &len) != 0 ||
	    proto_decode_payload(f + KAGI_FRAME_HDR, len, &m2) != 0))
		abort();
	json_object_put(m2);
	free(f);
	json_object_put(m);
	return 0;
}
