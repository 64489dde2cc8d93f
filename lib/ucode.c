/*
 * ucode.c - single-use codes as typed (see ucode.h); their generation
 * and hashes are in ucode_crypto.c, so that pam_kagi, which links this
 * file, need not link libcrypto (it has its own ucode_kdf(),
 * pam_module/pk_kdf.c).  Every buffer that held a code is wiped; codes
 * are compared only through their hashes, by the callers, in constant
 * time.
 */
#include "config.h"

#include "kagi_err.h"
#include "ucode.h"
#include "wipe.h"

int
ucode_normalise(const char *in, char out[UCODE_LEN + 1])
{
	size_t n = 0;
	char c;

	for (; *in != '\0'; in++) {
		c = *in;
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')) ||
		    n == UCODE_LEN) {
			kagi_wipe(out, UCODE_LEN + 1);
			return KAGI_ERR_BAD_CODE;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	if (n != UCODE_LEN) {
		kagi_wipe(out, UCODE_LEN + 1);
		return KAGI_ERR_BAD_CODE;
	}
	return 0;
}
