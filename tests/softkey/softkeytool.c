/*
 * softkeytool.c - sets up and inspects the software FIDO2 key's state
 * file for tests.
 *
 *   softkeytool init STATE [--pin PIN] [--uv pin|builtin|none]
 *                          [--aaguid HEX32] [--retries N]
 *       a new key: fresh attestation key and certificate, no
 *       credentials, the PIN set when given (4..63 bytes), N PIN retries
 *       (default 8); overwrites STATE
 *   softkeytool show STATE
 *       "uv MODE", "pin set|unset", "retries N of MAX", "aaguid HEX",
 *       "credentials N", then "counter N" per credential, in order
 *   softkeytool cert STATE
 *       the attestation certificate, PEM (for a trusted-roots file)
 *
 * Exit status 0 on success, 1 on failure, 2 on a usage error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "softkey.h"

static int
usage(void)
{
	fprintf(stderr, "usage: softkeytool init STATE [--pin PIN] "
	    "[--uv pin|builtin|none] [--aaguid HEX32] [--retries N]\n"
	    "       softkeytool show STATE\n"
	    "       softkeytool cert STATE\n");
	return 2;
}

static int
parse_aaguid(const char *s, unsigned char out[16])
{
	if (strlen(s) != 32)
		return -1;
	for (size_t i = 0; i < 16; i++) {
		unsigned v = 0;

		for (size_t j = 0; j < 2; j++) {
			char c = s[2 * i + j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return -1;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

static int
do_init(const char *path, int argc, char **argv)
{
	struct softkey_state	*st = NULL;
	enum softkey_uv		 uv = SOFTKEY_UV_PIN;
	unsigned char		 aaguid[16];
	const char		*pin = NULL;
	unsigned long		 retries = SOFTKEY_DEFAULT_RETRIES;
	char			*end;
	int			 r;

	/* A recognisable default AAGUID: "kagi-softkey-v1\0". */
	memcpy(aaguid, "kagi-softkey-v1", 16);
	for (int i = 0; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--pin") == 0)
			pin = argv[i + 1];
		else if (strcmp(argv[i], "--uv") == 0) {
			if (softkey_uv_parse(argv[i + 1], &uv) != 0)
				return usage();
		} else if (strcmp(argv[i], "--aaguid") == 0) {
			if (parse_aaguid(argv[i + 1], aaguid) != 0)
				return usage();
		} else if (strcmp(argv[i], "--retries") == 0) {
			errno = 0;
			if (argv[i + 1][0] < '0' || argv[i + 1][0] > '9')
				return usage();
			retries = strtoul(argv[i + 1], &end, 10);
			if (errno != 0 || *end != '\0' || retries < 1 ||
			    retries > 255)
				return usage();
		} else
			return usage();
	}
	if (pin != NULL && (strlen(pin) < 4 || strlen(pin) > 63)) {
		fprintf(stderr, "softkeytool: a PIN has 4 to 63 bytes\n");
		return 2;
	}
	if (softkey_state_new(&st, uv, pin, aaguid, (unsigned)retries) != 0 ||
	    softkey_state_save(path, st) != 0) {
		fprintf(stderr, "softkeytool: cannot make %s\n", path);
		r = 1;
	} else
		r = 0;
	softkey_state_free(&st);
	return r;
}

static int
do_show(const char *path)
{
	struct softkey_state *st = NULL;

	if (softkey_state_load(path, &st) != 0) {
		fprintf(stderr, "softkeytool: cannot read %s\n", path);
		return 1;
	}
	printf("uv %s\npin %s\nretries %u of %u\naaguid ",
	    softkey_uv_name(st->uv), st->pin_set ? "set" : "unset",
	    st->retries, st->max_retries);
	for (size_t i = 0; i < sizeof(st->aaguid); i++)
		printf("%02x", st->aaguid[i]);
	printf("\ncredentials %zu\n", st->ncreds);
	for (size_t i = 0; i < st->ncreds; i++)
		printf("counter %u\n", (unsigned)st->creds[i].counter);
	softkey_state_free(&st);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
do_cert(const char *path)
{
	struct softkey_state	*st = NULL;
	const unsigned char	*p;
	X509			*x = NULL;
	int			 r = 1;

	if (softkey_state_load(path, &st) != 0) {
		fprintf(stderr, "softkeytool: cannot read %s\n", path);
		return 1;
	}
	p = st->att_cert;
	if ((x = d2i_X509(NULL, &p, (long)st->att_cert_len)) != NULL &&
	    PEM_write_X509(stdout, x) == 1 && fflush(stdout) == 0)
		r = 0;
	X509_free(x);
	softkey_state_free(&st);
	return r;
}

int
main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "init") == 0)
		return do_init(argv[2], argc - 3, argv + 3);
	if (argc != 3)
		return usage();
	if (strcmp(argv[1], "show") == 0)
		return do_show(argv[2]);
	if (strcmp(argv[1], "cert") == 0)
		return do_cert(argv[2]);
	return usage();
}
