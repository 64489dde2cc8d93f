/*
 * checkpoint.h - signed checkpoints of the audit chain (R-LOG-2).
 *
 * A checkpoint says, signed with a kagid's Ed25519 key (OpenSSL 3): at
 * TIME, on HOST, record SEQ of the audit chain had HASH; REASON says why
 * it was made (start, stop, interval, archive, accept).  It names its
 * signer by KEY, the first 16 hex digits of SHA-256 over the raw public
 * key, so that checkpoints of several kagid, each with its own key, can
 * be told apart and verified against every key configured; and, made by
 * a core of issue 14 on, by CORE, the core's name (kagid.conf core_name),
 * which is signed too: such a checkpoint verifies only with a key
 * configured for that core ("ed25519 HEX core=NAME"), so one core's key
 * cannot stand for another's.
 *
 * The signed bytes are exactly
 *   "kagi-checkpoint-1\n" "seq=SEQ\n" "hash=HASH\n" "time=TIME\n"
 *   "host=HOST\n" "key=KEY\n" "reason=REASON\n"
 * for a checkpoint without a core, and for one with a core
 *   "kagi-checkpoint-2\n" "seq=SEQ\n" "hash=HASH\n" "time=TIME\n"
 *   "host=HOST\n" "core=CORE\n" "key=KEY\n" "reason=REASON\n"
 * (decimal integers, HASH 64 lowercase hex digits).  A checkpoint is
 * written as one line of JSON with exactly the keys seq, hash, time,
 * host, key, reason (as above), core (when it has one) and sig (base64
 * of the 64-byte signature); a log of checkpoints is such lines, each
 * ending in '\n'.
 *
 * The signing key is a file of its own (32 random bytes, the raw private
 * key), apart from the database and from the sealing key, created on
 * first use with mode 0600 and refused when it is a link, another user's
 * or open to group or others; key bytes are wiped when freed.  A
 * verifying key is written "ed25519 HEX" (64 hex digits of the raw
 * public key), then optionally "core=NAME" (the core whose checkpoints
 * it verifies), then optionally a comment.
 */
#ifndef KAGI_CHECKPOINT_H
#define KAGI_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CP_KEY_LEN 32			/* raw Ed25519 keys */
#define CP_SIG_LEN 64
#define CP_KEYID_LEN 16			/* hex digits */
#define CP_HOST_MAX 255
#define CP_REASON_MAX 16
#define CP_LINE_MAX 1024		/* a checkpoint line, at most */
#define CP_KEYS_MAX 64			/* verifying keys known at once */
#define CP_CORE_MAX 63			/* = STORE_CORE_MAX */

struct checkpoint {
	int64_t seq;
	uint8_t hash[32];
	int64_t time;
	char host[CP_HOST_MAX + 1];
	char core[CP_CORE_MAX + 1];	/* "" in a checkpoint without one */
	char key[CP_KEYID_LEN + 1];
	char reason[CP_REASON_MAX + 1];
	uint8_t sig[CP_SIG_LEN];
};

/* --- signing ------------------------------------------------------------ */

struct cp_signer;

/* Load the key file at path, creating it when absent (*created). */
int cp_signer_load_or_create(const char *path, struct cp_signer **s,
    int *created, char *err, size_t errlen);
void cp_signer_free(struct cp_signer **s);
void cp_signer_public(const struct cp_signer *s, uint8_t pub[CP_KEY_LEN]);
const char *cp_signer_key_id(const struct cp_signer *s);
/* Set cp->key to the signer's id and sign the rest into cp->sig. */
int cp_sign(const struct cp_signer *s, struct checkpoint *cp);

/* --- verifying ---------------------------------------------------------- */

struct cp_keys {
	size_t n;
	struct {
		char id[CP_KEYID_LEN + 1];
		uint8_t pub[CP_KEY_LEN];
		char core[CP_CORE_MAX + 1];	/* "" = no core named */
	} k[CP_KEYS_MAX];
};

/* The key id of a public key. */
int cp_key_id(const uint8_t pub[CP_KEY_LEN], char id[CP_KEYID_LEN + 1]);
/*
 * Add a key, for core's checkpoints (core NULL or "": none named).  The
 * same key again is not added twice (a core it names is kept); one key
 * named for two cores is KAGI_ERR_EXISTS.
 */
int cp_keys_add(struct cp_keys *ks, const uint8_t pub[CP_KEY_LEN],
    const char *core);
/* Is a key configured for core's checkpoints? */
int cp_keys_have_core(const struct cp_keys *ks, const char *core);
/* One "ed25519 HEX [core=NAME] [comment]" as a public key and the core
 * it names (core[0] == '\0' when none). */
int cp_key_parse(const char *text, uint8_t pub[CP_KEY_LEN],
    char core[CP_CORE_MAX + 1]);
/*
 * Add every key of a text of such lines (empty lines and lines starting
 * with '#' skipped); *bad_line is the 1-based line of the first that is
 * not one.
 */
int cp_keys_parse(struct cp_keys *ks, const char *text, size_t *bad_line);
/* "ed25519 HEX" for a public key (out: at least 8 + 64 + 1 bytes). */
void cp_key_format(const uint8_t pub[CP_KEY_LEN], char *out, size_t len);
/*
 * 0 when cp is signed by one of ks: for a checkpoint naming a core, by a
 * key configured for that core.  KAGI_ERR_NOT_FOUND when its key is none
 * of them (for a core's checkpoint: none of that core's; the caller names
 * the core); KAGI_ERR_CRYPTO when the signature does not verify.
 */
int cp_verify(const struct cp_keys *ks, const struct checkpoint *cp);

/* --- the line form -------------------------------------------------------- */

/* The JSON line (no '\n'); *line malloc'd. */
int cp_format(const struct checkpoint *cp, char **line);
/* Strictly one checkpoint line (no '\n'), every key checked. */
int cp_parse(const char *line, size_t len, struct checkpoint *cp);

/* --- the log -------------------------------------------------------------- */

/*
 * Open the checkpoint log at path for appending, creating it (0600) when
 * absent: not a link, a regular file, owned by owner, no permission for
 * group or others.
 */
int cp_log_open(const char *path, uid_t owner, int *fd, char *err,
    size_t errlen);
/* Append one line and flush it to disk. */
int cp_log_append(int fd, const char *line);
/*
 * Every checkpoint of a log (or of a copy kept elsewhere), in order.  A
 * line that is not a checkpoint is KAGI_ERR_INVALID with *bad_line its
 * number, except a last line without its '\n' (a write cut short by a
 * crash), which is left out.  The file must be owned by owner or root
 * and not writable by group or others.  cb returns non-zero to stop
 * (> 0: cp_log_read returns 0).
 */
typedef int (*cp_cb)(const struct checkpoint *cp, size_t line, void *arg);
int cp_log_read(const char *path, uid_t owner, cp_cb cb, void *arg,
    size_t *bad_line, char *err, size_t errlen);
/* The last checkpoint of a log: *found 0 when the log is absent or has
 * none. */
int cp_log_last(const char *path, uid_t owner, struct checkpoint *cp,
    int *found, size_t *bad_line, char *err, size_t errlen);

#endif
