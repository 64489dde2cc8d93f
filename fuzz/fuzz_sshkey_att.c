/*
 * fuzz_sshkey_att.c - libFuzzer target for OpenSSH security keys as
 * kagid will read them (tokend/core/sshkey.c, sshkey_att.c): the input
 * as a public key line, as a key blob, and as an ssh-sk-attest-v01 blob
 * verified against a fixed ed25519-sk key (through fido2_cbor.c's walk
 * into libfido2).  Invariants: a key that parses prints a line that
 * parses to the same key; a refusal always names its reason, a success
 * never does and carries a fingerprint.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kagi_err.h"
#include "sshkey.h"
#include "sshkey_att.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char line[] = "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZD"
    "I1NTE5QG9wZW5zc2guY29tAAAAIAb8xGkYpNA/sTL8KM+Ma4JbDmxkB1ObUuK7+49fGU"
    "G0AAAABHNzaDo= fuzz";
static const uint8_t chal[CHAL_LEN] = { 0x5a };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fido2_att_policy pol = { ATTEST_ANY, NULL, NULL };
	struct sshkey_att_result res;
	struct sshkey_sk k, k2;
	const char *why = NULL;
	char *out = NULL;
	int r;

	if (sshkey_sk_from_line((const char *)data, size, &k) == 0 ||
	    sshkey_sk_from_blob(data, size, &k) == 0) {
		if (sshkey_sk_format(&k, &out) != 0 ||
		    sshkey_sk_from_line(out, strlen(out), &k2) != 0 ||
		    sshkey_sk_cmp(&k, &k2) != 0)
			abort();
		free(out);
	}
	if (sshkey_sk_from_line(line, sizeof(line) - 1, &k) != 0)
		abort();
	pol.mode = size > 0 && (data[0] & 1) ? ATTEST_FULL : ATTEST_ANY;
	r = sshkey_att_verify(&k, data, size, SSHKEY_APP_DEFAULT, chal, &pol,
	    &res, &why);
	if ((r != 0) != (why != NULL) ||
	    (r == 0 && strncmp(res.fingerprint, "SHA256:", 7) != 0))
		abort();
	return 0;
}
