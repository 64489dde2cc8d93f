/*
 * pk_breakglass.h - pam_kagi's side of break-glass codes, used only when
 * kagid cannot be reached (R-EXC-1, R-AVL-1).
 */
#ifndef KAGI_PK_BREAKGLASS_H
#define KAGI_PK_BREAKGLASS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Check typed against the unused codes of user in the break-glass file
 * at path.  On a match the code is marked used in the file (rewritten
 * atomically under the file's lock, owner and mode kept) before 0 is
 * returned with *code_id.  KAGI_ERR_BAD_CODE when no unused code of user
 * matches (or typed is not a code at all); any other error, with err
 * naming the file and the reason, when the file cannot be trusted or
 * rewritten, or its lock is held past timeout_ms (KAGI_ERR_TIMEOUT):
 * then nothing was accepted.
 */
int pk_breakglass_use(const char *path, const char *user, const char *typed,
    int64_t now, int timeout_ms, int64_t *code_id, char *err, size_t errlen);

#endif
