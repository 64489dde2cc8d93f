/*
 * fuzz_windows.c - libFuzzer target for maintenance windows
 * (policy_windows_parse, tokend/core/policy.c): the input as a window
 * text.  What parses must be in range, print back to a text that parses
 * to the same windows, and say of any time that a window open now closes
 * within the day; what does not parse leaves nothing behind.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
    "Fri", "Sat" };

/* The windows as a text policy_windows_parse reads: one day at a time. */
static void
print(const struct policy_windows *w, char *s, size_t len)
{
	size_t i, o = 0;
	int d;

	for (i = 0; i < w->n; i++) {
		for (d = 0; d < 7; d++)
			if ((w->w[i].days & (1u << d)) != 0)
				o += (size_t)snprintf(s + o, len - o, "%s,",
				    days[d]);
		o--;	/* the last comma */
		o += (size_t)snprintf(s + o, len - o, " %02d:%02d-%02d:%02d; ",
		    w->w[i].start_min / 60, w->w[i].start_min % 60,
		    w->w[i].end_min / 60, w->w[i].end_min % 60);
	}
	s[o - 2] = '\0';	/* the last "; " */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_windows w, w2;
	char s[4096], back[POLICY_WINDOWS_MAX * 48];
	int64_t now, ends;
	size_t i;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (policy_windows_parse(s, &w) != 0) {
		if (w.n != 0)
			abort();
		return 0;
	}
	if (w.n == 0 || w.n > POLICY_WINDOWS_MAX)
		abort();
	for (i = 0; i < w.n; i++)
		if (w.w[i].days == 0 || w.w[i].days > 0x7f ||
		    w.w[i].start_min < 0 || w.w[i].end_min > 24 * 60 ||
		    w.w[i].start_min >= w.w[i].end_min)
			abort();
	print(&w, back, sizeof(back));
	if (policy_windows_parse(back, &w2) != 0 || w2.n != w.n)
		abort();
	for (i = 0; i < w.n; i++)
		if (w2.w[i].days != w.w[i].days ||
		    w2.w[i].start_min != w.w[i].start_min ||
		    w2.w[i].end_min != w.w[i].end_min)
			abort();
	/* A week of times, 7 h 13 min apart. */
	for (now = 1700000000; now < 1700000000 + 7 * 86400; now += 25980)
		if (policy_windows_open(&w, now, &ends) == 1 &&
		    (ends <= now || ends - now > 86400))
			abort();
	return 0;
}
