/*
 * fuzz_username.c - libFuzzer target for the canonical user name
 * (user_canonical, tokend/core/username.c): the input as a name.  A
 * result is never empty, never longer than the name nor STORE_NAME_MAX,
 * holds no ASCII capital and no surrounding blank, and is its own
 * canonical form; a refusal leaves an empty result.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "username.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[1024], out[STORE_NAME_MAX + 1], again[STORE_NAME_MAX + 1];
	size_t i, n;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (user_canonical(in, out) != 0) {
		if (out[0] != '\0')
			abort();
		return 0;
	}
	n = strlen(out);
	if (n == 0 || n > STORE_NAME_MAX || n > strlen(in) ||
	    out[0] == ' ' || out[0] == '\t' || out[n - 1] == ' ' ||
	    out[n - 1] == '\t')
		abort();
	for (i = 0; i < n; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			abort();
	if (user_canonical(out, again) != 0 || strcmp(out, again) != 0)
		abort();
	return 0;
}
