/*
 * sshkey.h - OpenSSH security-key public keys, as kagid reads them from
 * an administrator, a user enrolling, or sshd (the gateway;
 * R-MFA-3, R-REM-2): sk-ssh-ed25519@openssh.com and
 * sk-ecdsa-sha2-nistp256@openssh.com, in their wire form (a blob) or as
 * a line "type base64 [comment]" (ssh-keygen's KEY.pub).
 *
 * Guarantees (sshkey.c): pure functions, no state, no logging.  Only the
 * two security-key types are accepted (a plain ssh-ed25519 key is not a
 * second factor); every field is read through the bounded reader
 * (lib/rbuf.h) with its own maximum; the blob has nothing after the
 * application; a P-256 point is uncompressed and on the curve; the
 * application is 1..SSHKEY_APP_MAX printable ASCII characters without
 * spaces; the type written in a line is the type inside its blob.
 * Anything else is KAGI_ERR_INVALID (KAGI_ERR_TOO_LARGE past a
 * maximum), and the output is then left zeroed.
 */
#ifndef KAGI_SSHKEY_H
#define KAGI_SSHKEY_H

#include <stddef.h>
#include <stdint.h>

#define SSHKEY_TYPE_ED25519_SK	"sk-ssh-ed25519@openssh.com"
#define SSHKEY_TYPE_ECDSA_SK	"sk-ecdsa-sha2-nistp256@openssh.com"

enum sshkey_type { SSHKEY_ED25519_SK = 1, SSHKEY_ECDSA_SK = 2 };

#define SSHKEY_APP_MAX	128	/* the application ("ssh:" or "ssh:...") */
#define SSHKEY_PK_MAX	65	/* 32-byte Ed25519 point; 0x04 | x | y */
#define SSHKEY_BLOB_MAX	512	/* type, [curve,] key, application */
#define SSHKEY_LINE_MAX	2048	/* "type base64 comment" */
#define SSHKEY_FP_LEN	51	/* "SHA256:" + 43 base64 characters + NUL */

struct sshkey_sk {
	int		type;			/* enum sshkey_type */
	uint8_t		pk[SSHKEY_PK_MAX];
	size_t		pk_len;			/* 32 or 65 */
	char		application[SSHKEY_APP_MAX + 1];
	uint8_t		blob[SSHKEY_BLOB_MAX];	/* the wire form, as read */
	size_t		blob_len;
};

/* The key in wire form (what the base64 of a line decodes to). */
int sshkey_sk_from_blob(const uint8_t *blob, size_t len, struct sshkey_sk *k);

/*
 * A line "type base64" with an optional comment after blanks (spaces
 * or tabs) and one optional final '\n'; len bytes, no NUL among them, no
 * control character in the comment.  Options before the type (as in
 * authorized_keys) are not accepted.
 */
int sshkey_sk_from_line(const char *line, size_t len, struct sshkey_sk *k);

/* "type base64", no comment, NUL-terminated and malloc'd (free()). */
int sshkey_sk_format(const struct sshkey_sk *k, char **line);

/* The fingerprint as ssh-keygen -l prints it: "SHA256:" and the base64
 * of SHA-256(blob) without padding. */
int sshkey_sk_fingerprint(const struct sshkey_sk *k, char out[SSHKEY_FP_LEN]);

/* Whether two keys are the same key for the same application (0: yes). */
int sshkey_sk_cmp(const struct sshkey_sk *a, const struct sshkey_sk *b);

/* The type's name, or NULL; its COSE algorithm (fido2.h), or 0. */
const char *sshkey_sk_type_name(int type);
int sshkey_sk_cose_alg(int type);

#endif
