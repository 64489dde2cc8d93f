/*
 * i18n.c - binding kagi's text domain; filling a message template that
 * came from elsewhere without letting it act as a printf format.
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

void
kagi_i18n_bind(void)
{
	bindtextdomain(KAGI_TEXTDOMAIN, LOCALEDIR);
	bind_textdomain_codeset(KAGI_TEXTDOMAIN, "UTF-8");
}

void
kagi_i18n_init(void)
{
	setlocale(LC_ALL, "");
	kagi_i18n_bind();
}

void
kagi_i18n_fill(char *out, size_t len, const char *tmpl,
    const char *const *args, size_t nargs)
{
	size_t o = 0, next = 0, k, n;
	const char *a, *p = tmpl;
	char *end;
	long pos;

	if (len == 0)
		return;
	while (*p != '\0' && o + 1 < len) {
		a = NULL;
		if (p[0] == '%' && p[1] == '%') {
			out[o++] = '%';
			p += 2;
			continue;
		}
		if (p[0] == '%' && p[1] == 's') {
			a = next < nargs ? args[next] : "";
			next++;
			p += 2;
		} else if (p[0] == '%' && p[1] >= '1' && p[1] <= '9' &&
		    (pos = strtol(p + 1, &end, 10)) > 0 && end[0] == '$' &&
		    end[1] == 's') {
			a = (size_t)pos <= nargs ? args[pos - 1] : "";
			p = end + 2;
		} else {
			out[o++] = *p++;
			continue;
		}
		n = strlen(a != NULL ? a : "");
		for (k = 0; k < n && o + 1 < len; k++)
			out[o++] = a[k];
	}
	out[o] = '\0';
}
