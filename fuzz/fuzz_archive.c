/*
 * fuzz_archive.c - libFuzzer target for the audit archive reader
 * (tokend/audit_chain.c): any bytes, read both as an archive checked on
 * its own and as one that must start at record 1; every record the
 * reader hands over is turned back into an archive line and must read
 * back to the same record.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit_chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
round_trip(const struct audit_rec *rec, void *arg)
{
	struct json_object *o = NULL;
	struct audit_walk w;
	enum audit_break why;
	const char *text;
	size_t line = 0;
	int64_t bad = 0;

	(void)arg;
	if (audit_rec_to_archive_json(rec, &o) != 0)
		abort();
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	audit_walk_start_any(&w);
	if (audit_archive_read(text, strlen(text), &w, NULL, NULL, &line,
	    &bad, &why) != 0 || w.count != 1 ||
	    memcmp(w.next_prev, rec->hash, AUDIT_HASH_LEN) != 0)
		abort();
	json_object_put(o);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[AUDIT_HASH_LEN];
	struct audit_walk w;
	enum audit_break why;
	size_t line = 0;
	int64_t bad = 0;

	audit_walk_start_any(&w);
	(void)audit_archive_read(data, size, &w, round_trip, NULL, &line,
	    &bad, &why);
	audit_walk_start(&w, 1, zero);
	(void)audit_archive_read(data, size, &w, NULL, NULL, &line, &bad,
	    &why);
	return 0;
}
