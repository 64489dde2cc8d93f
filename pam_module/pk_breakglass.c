/*
 * pk_breakglass.c - checking a break-glass code against the file kagid
 * keeps, when kagid cannot be reached, and spending it there.
 *
 * The file is read and rewritten by lib/bgfile.c as pam_kagi's reader
 * (BGFILE_MODULE): the module runs as root and the file belongs to
 * kagid's user, so it is opened without following links, must be a
 * regular file of mode 0600 or stricter owned by the owner of its
 * directory, and the directory must not be writable by group or others.
 * The lock file kagid created beside it (PATH.lock) is taken first,
 * waited for no longer than the module's timeout=; the module never
 * creates it, and neither it nor the file is opened in a way that could
 * block (a FIFO put there is refused, issue 13).  A used code is recorded
 * by writing the whole file anew beside it, owner kept, and renaming it
 * over the old one, so a crash leaves either the old file or the new one.  kagid imports the
 * "used" line as an exception at its next sync.  Every unused code of
 * the user costs one KDF, matching or not; the code typed and the hashes
 * are wiped.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bgfile.h"
#include "kagi_err.h"
#include "pk_breakglass.h"
#include "ucode.h"
#include "wipe.h"

int
pk_breakglass_use(const char *path, const char *user, const char *typed,
    int64_t now, int timeout_ms, int64_t *code_id, char *err, size_t errlen)
{
	struct bgfile f;
	struct bgfile_line l, u;
	char code[UCODE_LEN + 1], used[256];
	uint8_t h[UCODE_HASH_LEN];
	const char *line, *at = NULL;
	int64_t match = 0;
	int lfd = -1, r;

	err[0] = '\0';
	memset(&f, 0, sizeof(f));
	memset(&l, 0, sizeof(l));
	memset(h, 0, sizeof(h));
	if (ucode_normalise(typed, code) != 0)
		return KAGI_ERR_BAD_CODE;
	if ((r = bgfile_lock(path, BGFILE_MODULE, timeout_ms, &lfd, err,
	    errlen)) != 0 ||
	    (r = bgfile_read(path, BGFILE_MODULE, &f, err, errlen)) != 0)
		goto out;
	if ((line = bgfile_next_line(&f)) != NULL &&
	    strcmp(line, BGFILE_MAGIC) != 0) {
		snprintf(err, errlen, "%s: not a break-glass file", path);
		r = KAGI_ERR_INVALID;
		goto out;
	}
	/* Find the matching line; every code of the user costs one KDF. */
	while ((line = bgfile_next_line(&f)) != NULL) {
		if (bgfile_line_parse(line, &l) != 0 || l.used ||
		    strcmp(l.user, user) != 0)
			continue;
		if ((r = ucode_kdf(l.salt, code, l.iterations, h)) != 0)
			goto out;
		if (match == 0 && kagi_ct_memcmp(h, l.hash, sizeof(h)) == 0) {
			match = l.id;
			at = line;
		}
	}
	if (match == 0) {
		r = KAGI_ERR_BAD_CODE;
		goto out;
	}
	/* The file again, with the used code's line replaced. */
	memset(&u, 0, sizeof(u));
	u.used = 1;
	u.id = match;
	snprintf(u.user, sizeof(u.user), "%s", user);
	u.time = now;
	if ((r = bgfile_line_format(&u, used, sizeof(used))) != 0 ||
	    (r = bgfile_rewrite(path, &f, at, used, err, errlen)) != 0)
		goto out;
	*code_id = match;
	r = 0;
 out:
	kagi_wipe(code, sizeof(code));
	kagi_wipe(h, sizeof(h));
	kagi_wipe_obj(&l);
	bgfile_clear(&f);
	if (lfd >= 0)
		close(lfd);
	return r;
}
