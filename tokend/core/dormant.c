/*
 * dormant.c - the dormant-account rule (dormant.h).
 */
#include "config.h"

#include "dormant.h"

#define DAY_SECONDS 86400LL

int
dormant_due(const struct user_rec *u, int64_t enabled_at, long long days,
    int64_t now)
{
	int64_t last = u->created;

	if (days <= 0 || u->disabled)
		return 0;
	if (u->last_success > last)
		last = u->last_success;
	if (enabled_at > last)
		last = enabled_at;
	return now - last >= (int64_t)days * DAY_SECONDS;
}
