/*
 * compliance_line.c - a compliance line and the text of its arguments
 * (compliance_int.h): what every file of the check adds lines with.
 *
 * Guarantees: a line's evidence is its template filled with its string
 * arguments (kagi_i18n_fill(), never a printf format); the template and
 * the arguments go along, so that kagictl can show the line in the
 * reader's language; the counts of each result follow the lines added.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "compliance_int.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"

#define EVIDENCE_MAX 1024

const char *
cc_int(struct cc *c, int64_t v)
{
	char *b = c->num[c->nnum++ % 24];

	snprintf(b, sizeof(c->num[0]), "%lld", (long long)v);
	return b;
}

const char *
cc_date(struct cc *c, int64_t t)
{
	char *b = c->num[c->nnum++ % 24];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(b, sizeof(c->num[0]), "%Y-%m-%d", &tm) == 0)
		snprintf(b, sizeof(c->num[0]), "-");
	return b;
}

int
cc_add(struct cc *c, const char *id, const char *result, const char *text,
    ...)
{
	struct json_object *o = NULL, *args = NULL;
	const char *a[KAGI_I18N_ARGS_MAX];
	char ev[EVIDENCE_MAX];
	size_t n = 0;
	va_list ap;
	int r = KAGI_ERR_NOMEM;

	va_start(ap, text);
	while (n < KAGI_I18N_ARGS_MAX &&
	    (a[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	kagi_i18n_fill(ev, sizeof(ev), text, a, n);
	if ((o = json_object_new_object()) == NULL ||
	    (args = json_object_new_array()) == NULL)
		goto out;
	json_object_object_add(o, "args", args);
	for (size_t i = 0; i < n; i++)
		if (json_object_array_add(args,
		    json_object_new_string(a[i])) != 0)
			goto out;
	if ((r = proto_set_str(o, "id", id)) != 0 ||
	    (r = proto_set_str(o, "result", result)) != 0 ||
	    (r = proto_set_str(o, "evidence", ev)) != 0 ||
	    (r = proto_set_str(o, "text", text)) != 0)
		goto out;
	if (json_object_array_add(c->arr, o) != 0) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	o = NULL;
	c->n++;
	if (strcmp(result, CC_FAIL) == 0)
		c->fail++;
	else if (strcmp(result, CC_WARN) == 0)
		c->warn++;
	r = 0;
 out:
	json_object_put(o);
	return r;
}
