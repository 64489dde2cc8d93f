/*
 * fuzz_config.c - libFuzzer target for the configuration parser, with a
 * schema holding every value type.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fconf {
	char *s, *p;
	long long i, d;
	int b, f, e;
};

static const char *const choices[] = { "one", "two", "three", NULL };

static const struct cfg_key keys[] = {
	{ "s", CFG_STR, offsetof(struct fconf, s), 0, 0, NULL },
	{ "p", CFG_PATH, offsetof(struct fconf, p), 0, 0, NULL },
	{ "i", CFG_INT, offsetof(struct fconf, i), -100, 100, NULL },
	{ "d", CFG_DURATION, offsetof(struct fconf, d), 0, 86400, NULL },
	{ "b", CFG_BOOL, offsetof(struct fconf, b), 0, 0, NULL },
	{ "f", CFG_FLAG, offsetof(struct fconf, f), 0, 0, NULL },
	{ "e", CFG_ENUM, offsetof(struct fconf, e), 0, 0, choices },
	{ NULL, CFG_END, 0, 0, 0, NULL }
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fconf c = { 0 };
	char err[CFG_ERRLEN];

	(void)cfg_parse_buf((const char *)data, size, "fuzz.conf", keys, &c,
	    err, sizeof(err));
	cfg_free(keys, &c);
	return 0;
}
