/*
 * fuzz_cidrs.c - libFuzzer target for allowed source networks
 * (policy_cidrs_parse, policy_cidrs_match, tokend/core/policy.c): the
 * input's first line is a list of networks, each further line an
 * address to match against it.  What parses must be in range with its
 * host bits zero and must contain its own address; matching never
 * crashes, and what is not a numeric address never matches.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_cidrs c;
	char s[4096], a[INET6_ADDRSTRLEN], *line, *next, *save = NULL;
	unsigned char bin[16];
	size_t i;
	int max, k, m;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	next = strchr(s, '\n');
	if (next != NULL)
		*next++ = '\0';
	if (policy_cidrs_parse(s, &c) != 0 && c.n != 0)
		abort();
	if (c.n > POLICY_CIDRS_MAX)
		abort();
	for (i = 0; i < c.n; i++) {
		max = c.c[i].family == AF_INET ? 32 : 128;
		if ((c.c[i].family != AF_INET && c.c[i].family != AF_INET6) ||
		    c.c[i].prefix < 0 || c.c[i].prefix > max)
			abort();
		for (k = c.c[i].prefix; k < max; k++)
			if ((c.c[i].addr[k / 8] & (0x80 >> (k % 8))) != 0)
				abort();
		/* A network holds its own address (an IPv4-mapped IPv6
		 * network matches nothing: such an address counts as IPv4). */
		if (inet_ntop(c.c[i].family, c.c[i].addr, a, sizeof(a)) ==
		    NULL || (policy_cidrs_match(&c, a) != 1 &&
		    (c.c[i].family == AF_INET ||
		    memcmp(c.c[i].addr, mapped, sizeof(mapped)) != 0)))
			abort();
	}
	for (line = next != NULL ? strtok_r(next, "\n", &save) : NULL;
	    line != NULL; line = strtok_r(NULL, "\n", &save)) {
		m = policy_cidrs_match(&c, line);
		if (m != 0 && (m != 1 || (inet_pton(AF_INET, line, bin) != 1 &&
		    inet_pton(AF_INET6, line, bin) != 1)))
			abort();
	}
	return 0;
}
