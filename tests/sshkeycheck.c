/*
 * sshkeycheck.c - kagid's security-key verifier (tokend/core/sshkey.c,
 * sshkey_att.c) run on files, so that tests/integration/sshsk.sh can
 * check what the real ssh-keygen writes:
 *
 *   sshkeycheck fp KEY.pub
 *       the fingerprint, as "ssh-keygen -l" prints it
 *   sshkeycheck verify KEY.pub CHALLENGE ATTESTATION [any|full|roots]
 *               [ROOTS.pem] [AAGUIDS]
 *       "ok kind=K aaguid=U counter=N cred_prot=P fingerprint=F", exit 0;
 *       "refused why=W error=E", exit 1.  The application is "ssh:".
 *
 * Exit 2 on a usage or file error.  Test code: no part of kagi runs it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "challenge.h"
#include "fido2.h"
#include "kagi_err.h"
#include "sshkey.h"
#include "sshkey_att.h"

/* The whole file, at most max bytes. */
static uint8_t *
slurp(const char *path, size_t max, size_t *len)
{
	FILE *f;
	uint8_t *buf;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if ((buf = malloc(max + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static int
load_key(const char *path, struct sshkey_sk *k)
{
	uint8_t *line;
	size_t len = 0;
	int r;

	if ((line = slurp(path, SSHKEY_LINE_MAX, &len)) == NULL) {
		fprintf(stderr, "sshkeycheck: cannot read %s\n", path);
		return -1;
	}
	r = sshkey_sk_from_line((const char *)line, len, k);
	free(line);
	if (r != 0) {
		fprintf(stderr, "sshkeycheck: %s: %s\n", path,
		    kagi_strerror(r));
		return -1;
	}
	return 0;
}

static int
verify(int argc, char **argv)
{
	struct fido2_att_policy pol = { ATTEST_ANY, NULL, NULL };
	struct sshkey_att_result res;
	struct sshkey_sk k;
	uint8_t *chal = NULL, *att = NULL;
	size_t chal_len = 0, att_len = 0;
	const char *why = NULL;
	char aaguid[37];
	int r, ret = 2;

	if (argc > 5) {
		if (strcmp(argv[5], "full") == 0)
			pol.mode = ATTEST_FULL;
		else if (strcmp(argv[5], "roots") == 0)
			pol.mode = ATTEST_ROOTS;
		else if (strcmp(argv[5], "any") != 0)
			return 2;
	}
	pol.roots = argc > 6 ? argv[6] : NULL;
	pol.aaguids = argc > 7 ? argv[7] : NULL;
	if (load_key(argv[2], &k) != 0)
		return 2;
	if ((chal = slurp(argv[3], CHAL_LEN, &chal_len)) == NULL ||
	    chal_len != CHAL_LEN ||
	    (att = slurp(argv[4], SSHKEY_ATT_MAX, &att_len)) == NULL) {
		fprintf(stderr, "sshkeycheck: challenge (%d bytes) or "
		    "attestation unreadable\n", CHAL_LEN);
		goto out;
	}
	r = sshkey_att_verify(&k, att, att_len, SSHKEY_APP_DEFAULT, chal, &pol,
	    &res, &why);
	if (r != 0) {
		printf("refused why=%s error=%s\n", why != NULL ? why : "?",
		    kagi_err_wire(r));
		ret = 1;
		goto out;
	}
	fido2_aaguid_format(res.aaguid, aaguid);
	printf("ok kind=%s aaguid=%s counter=%u cred_prot=%d fingerprint=%s\n",
	    fido2_att_kind_name(res.kind), aaguid, res.counter, res.cred_prot,
	    res.fingerprint);
	ret = 0;
 out:
	free(chal);
	free(att);
	return ret;
}

int
main(int argc, char **argv)
{
	struct sshkey_sk k;
	char fp[SSHKEY_FP_LEN];

	if (argc == 3 && strcmp(argv[1], "fp") == 0) {
		if (load_key(argv[2], &k) != 0 ||
		    sshkey_sk_fingerprint(&k, fp) != 0)
			return 2;
		printf("%s\n", fp);
		return 0;
	}
	if (argc >= 5 && argc <= 8 && strcmp(argv[1], "verify") == 0)
		return verify(argc, argv);
	fprintf(stderr, "usage: sshkeycheck fp KEY.pub\n"
	    "       sshkeycheck verify KEY.pub CHALLENGE ATTESTATION "
	    "[any|full|roots] [ROOTS] [AAGUIDS]\n");
	return 2;
}
