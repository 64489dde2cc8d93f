/*
 * test_audit_chain.c - the audit chain's one encoding and the archive
 * reader (tokend/audit_chain.c): a chain built here verifies link by
 * link; an edited, missing, reordered or foreign line is named with its
 * line and sequence number; malformed lines are refused whole (R-LOG-1,
 * R-LOG-2).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit_chain.h"
#include "kagi_err.h"

#define N 5

/* Records 1..N chained from zeros, as archive lines in buf. */
static size_t
make_archive(char *buf, size_t len, struct audit_rec rec[N])
{
	static char users[N][16];
	size_t off = 0;
	int i;

	for (i = 0; i < N; i++) {
		struct json_object *o = NULL;
		const char *t;

		memset(&rec[i], 0, sizeof(rec[i]));
		snprintf(users[i], sizeof(users[i]), "user%d", i + 1);
		rec[i].seq = i + 1;
		rec[i].time = 1700000000 + i;
		rec[i].actor_uid = 0;
		rec[i].actor = "root";
		rec[i].event = "user_add";
		rec[i].user = i == 2 ? NULL : users[i];
		rec[i].fields = i == 3 ? NULL : "{\"role\":\"staff\"}";
		if (i > 0)
			memcpy(rec[i].prev, rec[i - 1].hash, AUDIT_HASH_LEN);
		assert_int_equal(audit_chain_hash(&rec[i], rec[i].hash), 0);
		assert_int_equal(audit_rec_to_archive_json(&rec[i], &o), 0);
		t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		off += (size_t)snprintf(buf + off, len - off, "%s\n", t);
		json_object_put(o);
	}
	return off;
}

static int
read_from_one(const char *buf, size_t len, size_t *line, int64_t *bad,
    enum audit_break *why)
{
	static const uint8_t zero[AUDIT_HASH_LEN];
	struct audit_walk w;

	audit_walk_start(&w, 1, zero);
	return audit_archive_read(buf, len, &w, NULL, NULL, line, bad, why);
}

static void
test_archive_verifies(void **state)
{
	struct audit_rec rec[N];
	char buf[8192];
	size_t len, line = 9;
	int64_t bad = 9;
	enum audit_break why = AUDIT_EDITED;

	(void)state;
	len = make_archive(buf, sizeof(buf), rec);
	assert_int_equal(read_from_one(buf, len, &line, &bad, &why), 0);
	assert_int_equal(line, 0);
	assert_int_equal(why, AUDIT_OK);
}

static void
test_archive_edited_line(void **state)
{
	struct audit_rec rec[N];
	char buf[8192], *p;
	size_t len, line = 0;
	int64_t bad = 0;
	enum audit_break why = AUDIT_OK;

	(void)state;
	len = make_archive(buf, sizeof(buf), rec);
	/* user4 -> user9 on line 4: one byte. */
	assert_non_null(p = strstr(buf, "user4"));
	p[4] = '9';
	assert_int_equal(read_from_one(buf, len, &line, &bad, &why),
	    KAGI_ERR_INVALID);
	assert_int_equal(line, 4);
	assert_int_equal(bad, 4);
	assert_int_equal(why, AUDIT_EDITED);
}

static void
test_archive_missing_line(void **state)
{
	struct audit_rec rec[N];
	char buf[8192], out[8192], *l2, *l3;
	size_t len, line = 0;
	int64_t bad = 0;
	enum audit_break why = AUDIT_OK;

	(void)state;
	len = make_archive(buf, sizeof(buf), rec);
	l2 = strchr(buf, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	memcpy(out, buf, (size_t)(l2 - buf));
	memcpy(out + (l2 - buf), l3, len - (size_t)(l3 - buf));
	len -= (size_t)(l3 - l2);
	/* Record 2 gone: named as the missing one, found on line 2. */
	assert_int_equal(read_from_one(out, len, &line, &bad, &why),
	    KAGI_ERR_INVALID);
	assert_int_equal(line, 2);
	assert_int_equal(bad, 2);
	assert_int_equal(why, AUDIT_MISSING);
}

static void
test_archive_malformed(void **state)
{
	static const char *const bad_lines[] = {
		"not json\n",
		"{\"seq\":1}\n",
		"[]\n",
		"{\"seq\":1,\"time\":1,\"actor_uid\":0,\"actor\":\"a\","
		    "\"event\":\"e\",\"user\":null,\"fields\":null,\"prev\":\"00\","
		    "\"hash\":\"00\"}\n",
		"\n",
	};
	size_t i, line = 0;
	int64_t bad = 0;
	enum audit_break why = AUDIT_EDITED;

	(void)state;
	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		assert_int_not_equal(read_from_one(bad_lines[i],
		    strlen(bad_lines[i]), &line, &bad, &why), 0);
		assert_int_equal(line, 1);
		assert_int_equal(why, AUDIT_OK);
	}
}

static void
test_archive_extra_key_refused(void **state)
{
	struct audit_rec rec[N];
	char buf[8192], out[8300];
	size_t len, line = 0;
	int64_t bad = 0;
	enum audit_break why = AUDIT_OK;

	(void)state;
	len = make_archive(buf, sizeof(buf), rec);
	/* A smuggled key on line 1 makes the line invalid, not ignored. */
	snprintf(out, sizeof(out), "{\"x\":1,%s", buf + 1);
	assert_int_not_equal(read_from_one(out, len + 6, &line, &bad, &why),
	    0);
	assert_int_equal(line, 1);
}

static void
test_walk_start_and_order(void **state)
{
	struct audit_rec rec[N];
	struct audit_walk w;
	char buf[8192];
	enum audit_break why;
	uint8_t h[AUDIT_HASH_LEN];
	char hex[AUDIT_HEX_LEN + 1];

	(void)state;
	(void)make_archive(buf, sizeof(buf), rec);
	/* A chain that must start at 2 with record 1's hash. */
	audit_walk_start(&w, 2, rec[0].hash);
	assert_int_equal(audit_walk_next(&w, &rec[1], &why), 0);
	assert_int_equal(audit_walk_next(&w, &rec[1], &why), KAGI_ERR_INVALID);
	assert_int_equal(why, AUDIT_OUT_OF_ORDER);
	assert_int_equal(audit_walk_next(&w, &rec[3], &why), KAGI_ERR_INVALID);
	assert_int_equal(why, AUDIT_MISSING);
	assert_int_equal(audit_walk_bad_seq(&w, &rec[3], why), 3);
	/* The wrong start. */
	audit_walk_start(&w, 1, rec[0].hash);
	assert_int_equal(audit_walk_next(&w, &rec[0], &why), KAGI_ERR_INVALID);
	assert_int_equal(why, AUDIT_BAD_START);
	/* Hex round trip; wrong lengths and digits refused. */
	audit_hex(rec[4].hash, hex);
	assert_int_equal(audit_unhex(hex, h), 0);
	assert_memory_equal(h, rec[4].hash, AUDIT_HASH_LEN);
	hex[5] = 'g';
	assert_int_equal(audit_unhex(hex, h), KAGI_ERR_INVALID);
	assert_int_equal(audit_unhex("abcd", h), KAGI_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_archive_verifies),
		cmocka_unit_test(test_archive_edited_line),
		cmocka_unit_test(test_archive_missing_line),
		cmocka_unit_test(test_archive_malformed),
		cmocka_unit_test(test_archive_extra_key_refused),
		cmocka_unit_test(test_walk_start_and_order),
	};

	return cmocka_run_group_tests_name("audit_chain", tests, NULL, NULL);
}
