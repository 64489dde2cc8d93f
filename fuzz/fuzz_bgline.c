/*
 * fuzz_bgline.c - libFuzzer target for the break-glass file's lines: the
 * input is walked as a file (bgfile_next_line) and every line goes
 * through the one line parser; a line that parses must format and parse
 * back to the same fields.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgfile f = { 0 };
	struct bgfile_line l, m;
	const char *line;
	char out[512];

	if ((f.buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(f.buf, data, size);
	f.buf[size] = '\0';
	f.len = size;
	f.next = f.buf;
	while ((line = bgfile_next_line(&f)) != NULL) {
		if (bgfile_line_parse(line, &l) != 0)
			continue;
		if (bgfile_line_format(&l, out, sizeof(out)) != 0)
			abort();
		out[strcspn(out, "\n")] = '\0';
		if (bgfile_line_parse(out, &m) != 0 || m.used != l.used ||
		    m.id != l.id || strcmp(m.user, l.user) != 0 ||
		    m.iterations != l.iterations || m.time != l.time ||
		    memcmp(m.salt, l.salt, sizeof(l.salt)) != 0 ||
		    memcmp(m.hash, l.hash, sizeof(l.hash)) != 0)
			abort();
	}
	bgfile_clear(&f);
	return 0;
}
