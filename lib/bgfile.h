/*
 * bgfile.h - the break-glass file (R-EXC-1, R-AVL-1).
 *
 * kagid writes it from its store: the hashes of the unused break-glass
 * codes.  When kagid cannot be reached, pam_kagi checks a code against
 * it and marks the code used in it; kagid imports that use as an
 * exception at its next sync.  One line each:
 *   kagi-breakglass 1
 *   code ID USER ITERATIONS SALT-HEX HASH-HEX     an unused code
 *   used ID USER TIME                            spent while kagid was away
 */
#ifndef KAGI_BGFILE_H
#define KAGI_BGFILE_H

#include <stddef.h>
#include <stdint.h>

#include "ucode.h"

#define BGFILE_MAGIC "kagi-breakglass 1"	/* the first line */
#define BGFILE_USER_MAX 64

/* One line of the break-glass file, after the first. */
struct bgfile_line {
	int used;			/* "used" line, else "code" */
	int64_t id;
	char user[BGFILE_USER_MAX + 1];
	long iterations;		/* code lines */
	uint8_t salt[UCODE_SALT_LEN];
	uint8_t hash[UCODE_HASH_LEN];
	int64_t time;			/* used lines */
};

/* Parse a line (without its newline); KAGI_ERR_INVALID when malformed. */
int bgfile_line_parse(const char *line, struct bgfile_line *l);
/* Format a line with its newline into buf; KAGI_ERR_TOO_LARGE. */
int bgfile_line_format(const struct bgfile_line *l, char *buf, size_t len);

#endif
