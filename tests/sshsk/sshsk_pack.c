/*
 * sshsk_pack.c - what ssh-keygen writes from an enrolment, made here for
 * the unit tests (sshsk.h): the security-key public key blob and its
 * "type base64 comment" line, and the ssh-sk-attest-v01 attestation blob
 * (OpenSSH's PROTOCOL.u2f).  tests/integration/sshsk.sh checks the same
 * verifier against the files the real ssh-keygen writes.
 *
 * Outputs are malloc'd and handed over on success only.  Test code.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sshsk.h"

#define TYPE_ED25519	"sk-ssh-ed25519@openssh.com"
#define TYPE_ECDSA	"sk-ecdsa-sha2-nistp256@openssh.com"
#define ATTEST_MAGIC	"ssh-sk-attest-v01"

struct wb {
	uint8_t	*p;
	size_t	 len;
	int	 ok;
};

static void
wb_put(struct wb *b, const void *p, size_t n)
{
	uint8_t *np;

	if (!b->ok)
		return;
	if ((np = realloc(b->p, b->len + n + 1)) == NULL) {
		b->ok = 0;
		return;
	}
	b->p = np;
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
wb_u32(struct wb *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	wb_put(b, x, sizeof(x));
}

/* An SSH string: uint32 length, then the bytes. */
static void
wb_string(struct wb *b, const void *p, size_t n)
{
	if (n > 0xffffffffU) {
		b->ok = 0;
		return;
	}
	wb_u32(b, (uint32_t)n);
	wb_put(b, p, n);
}

static void
wb_cstring(struct wb *b, const char *s)
{
	wb_string(b, s, strlen(s));
}

static int
wb_take(struct wb *b, uint8_t **out, size_t *len)
{
	if (!b->ok) {
		free(b->p);
		return -1;
	}
	*out = b->p;
	*len = b->len;
	return 0;
}

int
sshsk_pack_pubkey(uint32_t alg, const char *application,
    const struct sk_enroll_response *r, uint8_t **blob, size_t *len)
{
	struct wb b = { NULL, 0, 1 };

	*blob = NULL;
	if (alg == SSHSK_ALG_ED25519) {
		wb_cstring(&b, TYPE_ED25519);
		wb_string(&b, r->public_key, r->public_key_len);
	} else {
		wb_cstring(&b, TYPE_ECDSA);
		wb_cstring(&b, "nistp256");
		wb_string(&b, r->public_key, r->public_key_len);
	}
	wb_cstring(&b, application);
	return wb_take(&b, blob, len);
}

int
sshsk_pack_line(uint32_t alg, const uint8_t *blob, size_t len,
    const char *comment, char **line)
{
	const char *type = alg == SSHSK_ALG_ED25519 ? TYPE_ED25519 :
	    TYPE_ECDSA;
	size_t b64len = 4 * ((len + 2) / 3), n;
	char *s;

	*line = NULL;
	n = strlen(type) + 1 + b64len + 1 +
	    (comment != NULL ? strlen(comment) : 0) + 1;
	if (len > 0x10000 || (s = malloc(n)) == NULL)
		return -1;
	memcpy(s, type, strlen(type));
	s[strlen(type)] = ' ';
	if (EVP_EncodeBlock((unsigned char *)s + strlen(type) + 1, blob,
	    (int)len) != (int)b64len) {
		free(s);
		return -1;
	}
	s[strlen(type) + 1 + b64len] = '\0';
	if (comment != NULL) {
		strcat(s, " ");
		strcat(s, comment);
	}
	*line = s;
	return 0;
}

int
sshsk_pack_attest(const struct sk_enroll_response *r, uint8_t **blob,
    size_t *len)
{
	struct wb b = { NULL, 0, 1 };

	*blob = NULL;
	wb_cstring(&b, ATTEST_MAGIC);
	wb_string(&b, r->attestation_cert, r->attestation_cert_len);
	wb_string(&b, r->signature, r->signature_len);
	wb_string(&b, r->authdata, r->authdata_len);
	wb_u32(&b, 0);			/* reserved flags */
	wb_string(&b, NULL, 0);		/* reserved string */
	return wb_take(&b, blob, len);
}
