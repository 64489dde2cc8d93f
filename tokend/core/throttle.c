/*
 * throttle.c - the per-address throttle (throttle.h).
 *
 * The store keeps, per address (its first STORE_ADDR_MAX bytes), the
 * start of the current interval, the failures counted in it and the end
 * of a throttle.  An interval whose start lies in the future (a clock
 * moved back) is still the current one: moving the clock back neither
 * resets a count nor ends a throttle, since "until" is an absolute time.
 */
#include "config.h"

#include <stdio.h>

#include "store_policy.h"
#include "throttle.h"

/* The address as a store key (the first STORE_ADDR_MAX bytes). */
static void
addr_key(const char *rhost, char out[STORE_ADDR_MAX + 1])
{
	snprintf(out, STORE_ADDR_MAX + 1, "%s", rhost);
}

int
throttle_active(struct store *s, const char *rhost, int64_t now,
    int *throttled)
{
	struct throttle_rec t;
	char key[STORE_ADDR_MAX + 1];
	int r;

	*throttled = 0;
	if (rhost == NULL)
		return 0;
	addr_key(rhost, key);
	if ((r = store_throttle_get(s, key, &t)) != 0)
		return r;
	*throttled = t.until != 0 && now < t.until;
	return 0;
}

int
throttle_count(struct store *s, int64_t limit, int64_t interval,
    const char *rhost, int64_t now, int64_t *until)
{
	struct throttle_rec t;
	char key[STORE_ADDR_MAX + 1];
	int r;

	*until = 0;
	if (rhost == NULL)
		return 0;
	addr_key(rhost, key);
	if ((r = store_throttle_get(s, key, &t)) != 0)
		return r;
	if (t.first == 0 || (now >= t.first && now - t.first >= interval)) {
		t.first = now;
		t.failures = 0;
	}
	t.failures++;
	if (t.failures < limit)
		return store_throttle_put(s, key, &t);
	t.until = now + interval;
	t.failures = 0;
	t.first = 0;
	if ((r = store_throttle_put(s, key, &t)) != 0)
		return r;
	*until = t.until;
	return 0;
}
