/*
 * fuzz_u2f.c - libFuzzer target for the pam_u2f authfile lines that
 * `kagictl import pam-u2f` reads (u2f_line_parse,
 * tokend/ctl/ctl_u2f_line.c): the input as a file, cut into lines the
 * way kagictl cuts it.  A refusal names its reason; every credential
 * taken is whole, with a valid user name, a known key type and keys that
 * decode as standard base64.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "ctl_u2f_line.h"
#include "rbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct u2f_file f;

static int
b64_ok(const char *s)
{
	uint8_t *p = NULL;
	size_t n = 0;

	if (s == NULL || b64_decode(s, 1, 1024, &p, &n) != 0)
		return 0;
	free(p);
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct u2f_cred *c;
	const char *l, *why = NULL;
	size_t ll, line = 0, i, k;
	struct rbuf b;

	rbuf_init(&b, data, size);
	while (rbuf_remaining(&b) > 0 &&
	    rbuf_get_line(&b, U2F_LINE_MAX, &l, &ll) == 0) {
		line++;
		if (ll > 0 && l[ll - 1] == '\r')
			ll--;
		if (ll > 0 && u2f_line_parse(&f, line, l, ll, &why) != 0) {
			if (why == NULL)
				abort();
			break;
		}
	}
	for (i = 0; i < f.n; i++) {
		c = &f.c[i];
		if (c->line == 0 || c->line > line || c->user[0] == '\0' ||
		    !b64_ok(c->cred) || !b64_ok(c->pk) ||
		    strstr("es256 eddsa rs256", c->alg) == NULL ||
		    strstr("none pin", c->uv) == NULL)
			abort();
		for (k = 0; c->user[k] != '\0'; k++)
			if ((unsigned char)c->user[k] < 0x21 ||
			    c->user[k] == 0x7f || c->user[k] == ':')
				abort();
	}
	u2f_free(&f);
	return 0;
}
