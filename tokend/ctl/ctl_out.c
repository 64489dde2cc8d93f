/*
 * ctl_out.c - how kagictl shows what kagid returned.
 *
 * Human output is aligned tables whose columns are padded by display
 * width (Japanese labels take two columns a character); with --json the
 * reply itself, without its "status", pretty-printed.  Every string that
 * came from kagid passes through ctl_clean() before it reaches a
 * terminal, so no control character or escape sequence gets through.
 * Values (states, roles, times, numbers) are never translated; headers
 * are.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "b64.h"
#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "wipe.h"

#define CELL_MAX 256

const char *
ctl_clean(const char *s, char *buf, size_t len)
{
	const unsigned char *p;
	size_t o = 0;

	if (len == 0)
		return buf;
	if (s == NULL)
		s = "-";
	for (p = (const unsigned char *)s; *p != '\0' && o + 1 < len; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			buf[o++] = '?';
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			/* U+0080..U+009F: C1 controls in UTF-8 */
			buf[o++] = '?';
			p++;
		} else {
			buf[o++] = (char)*p;
		}
	}
	/* Do not leave half a UTF-8 sequence at a cut. */
	if (*p != '\0') {
		size_t k = o;

		while (k > 0 && ((unsigned char)buf[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && ((unsigned char)buf[k - 1] & 0xc0) == 0xc0)
			o = k - 1;
	}
	buf[o] = '\0';
	return buf;
}

/*
 * t in the local zone, then the zone's offset as "+HH:MM" (RFC 3339; "Z"
 * is never used, so the zone of the machine kagictl ran on always shows):
 * iso, "2026-12-07T15:37:12+09:00" (CSV), else "2026-12-07 15:37 +09:00"
 * (tables).  none ("-" or "") when t is unset or cannot be shown.
 */
static const char *
time_zoned(int64_t t, int iso, const char *none, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char z[8];
	size_t n;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL ||
	    (n = iso ? strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm) :
	    strftime(buf, len, "%Y-%m-%d %H:%M ", &tm)) == 0 ||
	    strftime(z, sizeof(z), "%z", &tm) != 5 || len - n < 7 ||
	    snprintf(buf + n, len - n, "%.3s:%.2s", z, z + 3) != 6)
		snprintf(buf, len, "%s", none);
	return buf;
}

const char *
ctl_time(int64_t t, char *buf, size_t len)
{
	return time_zoned(t, 0, "-", buf, len);
}

const char *
ctl_time_iso(int64_t t, char *buf, size_t len)
{
	return time_zoned(t, 1, "", buf, len);
}

const char *
ctl_jstr(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int64_t
ctl_jint(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

int
ctl_jbool(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_boolean) ||
	    json_object_is_type(v, json_type_int))
		return json_object_get_boolean(v);
	return 0;
}

int
ctl_print_json(struct json_object *reply)
{
	struct json_object *data;
	const char *text;

	if ((data = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	json_object_object_foreach(reply, key, val) {
		if (strcmp(key, "status") == 0)
			continue;
		if (json_object_object_add(data, key,
		    json_object_get(val)) != 0) {
			json_object_put(val);
			json_object_put(data);
			return KAGI_ERR_NOMEM;
		}
	}
	text = json_object_to_json_string_ext(data,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL) {
		json_object_put(data);
		return KAGI_ERR_NOMEM;
	}
	printf("%s\n", text);
	fflush(stdout);
	/* The text may hold a secret (an otpauth URI); it is the object's. */
	kagi_wipe((char *)(uintptr_t)text, strlen(text));
	json_object_put(data);
	return 0;
}

struct ctl_table {
	size_t ncols;
	size_t nrows;		/* including the header row */
	size_t cap;
	char **cells;		/* nrows * ncols, row-major */
};

struct ctl_table *
ctl_table_new(size_t ncols, const char *const *headers)
{
	struct ctl_table *t;

	if (ncols == 0 || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ncols = ncols;
	if (ctl_table_add(t, headers) != 0)
		ctl_table_free(&t);
	return t;
}

int
ctl_table_add(struct ctl_table *t, const char *const *cells)
{
	char buf[CELL_MAX];
	size_t i, need = (t->nrows + 1) * t->ncols;
	char **grown;

	if (need > t->cap) {
		size_t cap = t->cap == 0 ? need * 8 : t->cap * 2;

		if (cap < need ||
		    (grown = reallocarray(t->cells, cap, sizeof(*grown))) ==
		    NULL)
			return KAGI_ERR_NOMEM;
		t->cells = grown;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		char *c = strdup(ctl_clean(cells[i], buf, sizeof(buf)));

		if (c == NULL) {
			while (i-- > 0)
				free(t->cells[t->nrows * t->ncols + i]);
			return KAGI_ERR_NOMEM;
		}
		t->cells[t->nrows * t->ncols + i] = c;
	}
	t->nrows++;
	return 0;
}

/* Columns s takes on a terminal; bytes when it is not valid text. */
static size_t
display_width(const char *s)
{
	wchar_t w[CELL_MAX];
	size_t n = mbstowcs(w, s, CELL_MAX);
	int width;

	if (n == (size_t)-1 || n >= CELL_MAX ||
	    (width = wcswidth(w, n)) < 0)
		return strlen(s);
	return (size_t)width;
}

void
ctl_table_print(const struct ctl_table *t, FILE *out)
{
	size_t r, c, *width;

	if ((width = calloc(t->ncols, sizeof(*width))) == NULL)
		return;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t w = display_width(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			fputs(cell, out);
			if (c + 1 < t->ncols) {
				size_t pad = width[c] - display_width(cell) + 2;

				while (pad-- > 0)
					fputc(' ', out);
			}
		}
		fputc('\n', out);
	}
	free(width);
}

void
ctl_table_free(struct ctl_table **t)
{
	size_t i;

	if (t == NULL || *t == NULL)
		return;
	for (i = 0; i < (*t)->nrows * (*t)->ncols; i++)
		free((*t)->cells[i]);
	free((*t)->cells);
	free(*t);
	*t = NULL;
}

/* active, disabled or locked: disabled wins, as it outlasts a lock. */
static const char *
user_state(struct json_object *u)
{
	if (ctl_jbool(u, "disabled"))
		return "disabled";
	if (ctl_jbool(u, "locked"))
		return "locked";
	return "active";
}

int
ctl_print_users(struct json_object *users)
{
	const char *hdr[4] = { _("NAME"), _("ROLE"), _("STATE"),
	    _("LAST-LOGIN") };
	struct ctl_table *t = NULL;
	char when[32];
	size_t i, n;
	int r;

	if (!json_object_is_type(users, json_type_array))
		return KAGI_ERR_INVALID;
	if ((t = ctl_table_new(4, hdr)) == NULL)
		return KAGI_ERR_NOMEM;
	n = json_object_array_length(users);
	for (i = 0; i < n; i++) {
		struct json_object *u = json_object_array_get_idx(users, i);
		const char *row[4];

		if (!json_object_is_type(u, json_type_object)) {
			r = KAGI_ERR_INVALID;
			goto out;
		}
		row[0] = ctl_jstr(u, "name");
		row[1] = ctl_jstr(u, "role");
		row[2] = user_state(u);
		row[3] = ctl_time(ctl_jint(u, "last_success"), when,
		    sizeof(when));
		if ((r = ctl_table_add(t, row)) != 0)
			goto out;
	}
	ctl_table_print(t, stdout);
	r = 0;
 out:
	ctl_table_free(&t);
	return r;
}

/* A credential ID for a table: the first 8 bytes in hex, "..." after. */
static const char *
cred_prefix(const char *b64, char *buf, size_t len)
{
	uint8_t *id = NULL;
	size_t n = 0, i, o = 0;

	if (b64 == NULL || b64_decode(b64, 1, 4096, &id, &n) != 0)
		return "-";
	for (i = 0; i < n && i < 8 && o + 3 <= len; i++, o += 2)
		snprintf(buf + o, len - o, "%02x", id[i]);
	if (n > 8 && o + 4 <= len)
		snprintf(buf + o, len - o, "...");
	free(id);
	return buf;
}

/* The FIDO2 credentials among the tokens, in a second table. */
static int
print_fido2(struct json_object *tokens)
{
	const char *hdr[6] = { _("ID"), _("CREDENTIAL"), _("AAGUID"),
	    _("COUNTER"), _("UV"), _("REASON") };
	struct ctl_table *t = NULL;
	char id[24], cred[24], counter[24];
	size_t i, n, shown = 0;
	int r;

	if ((t = ctl_table_new(6, hdr)) == NULL)
		return KAGI_ERR_NOMEM;
	n = json_object_array_length(tokens);
	for (i = 0; i < n; i++) {
		struct json_object *k = json_object_array_get_idx(tokens, i);
		const char *type = ctl_jstr(k, "type"), *reason, *row[6];

		if (type == NULL || strcmp(type, "fido2") != 0)
			continue;
		reason = ctl_jstr(k, "reason");
		snprintf(id, sizeof(id), "%lld", (long long)ctl_jint(k, "id"));
		snprintf(counter, sizeof(counter), "%lld",
		    (long long)ctl_jint(k, "counter"));
		row[0] = id;
		row[1] = cred_prefix(ctl_jstr(k, "credential"), cred,
		    sizeof(cred));
		row[2] = ctl_jstr(k, "aaguid");
		row[3] = counter;
		row[4] = ctl_jstr(k, "uv");
		row[5] = reason != NULL && reason[0] != '\0' ? reason : "-";
		if ((r = ctl_table_add(t, row)) != 0)
			goto out;
		shown++;
	}
	if (shown > 0) {
		fputc('\n', stdout);
		ctl_table_print(t, stdout);
	}
	r = 0;
 out:
	ctl_table_free(&t);
	return r;
}

int
ctl_print_tokens(struct json_object *tokens)
{
	const char *hdr[6] = { _("ID"), _("TYPE"), _("LABEL"), _("STATE"),
	    _("CREATED"), _("LAST-USED") };
	struct ctl_table *t = NULL;
	char id[24], created[32], used[32];
	size_t i, n;
	int r;

	if (!json_object_is_type(tokens, json_type_array))
		return KAGI_ERR_INVALID;
	if ((t = ctl_table_new(6, hdr)) == NULL)
		return KAGI_ERR_NOMEM;
	n = json_object_array_length(tokens);
	for (i = 0; i < n; i++) {
		struct json_object *k = json_object_array_get_idx(tokens, i);
		const char *label, *row[6];

		if (!json_object_is_type(k, json_type_object)) {
			r = KAGI_ERR_INVALID;
			goto out;
		}
		label = ctl_jstr(k, "label");
		snprintf(id, sizeof(id), "%lld", (long long)ctl_jint(k, "id"));
		row[0] = id;
		row[1] = ctl_jstr(k, "type");
		row[2] = label != NULL && label[0] != '\0' ? label : "-";
		row[3] = ctl_jstr(k, "state");
		row[4] = ctl_time(ctl_jint(k, "created"), created,
		    sizeof(created));
		row[5] = ctl_time(ctl_jint(k, "last_used"), used, sizeof(used));
		if ((r = ctl_table_add(t, row)) != 0)
			goto out;
	}
	ctl_table_print(t, stdout);
	r = print_fido2(tokens);
 out:
	ctl_table_free(&t);
	return r;
}

/* An act stored as a request: say so, and how it is approved. */
int
ctl_pending(const struct ctl *ctl, struct json_object *reply)
{
	struct json_object *req;
	char action[64], when[32];

	if (!ctl_jbool(reply, "pending_approval") ||
	    !json_object_object_get_ex(reply, "request", &req))
		return 0;
	if (ctl->json)
		(void)ctl_print_json(reply);
	else
		printf(_("This needs a second person (%s): stored as request "
		    "%lld, which expires %s. Another member of the approver "
		    "group approves it with: kagictl request approve %lld\n"),
		    ctl_clean(ctl_jstr(req, "action"), action, sizeof(action)),
		    (long long)ctl_jint(req, "id"),
		    ctl_time(ctl_jint(req, "expires"), when, sizeof(when)),
		    (long long)ctl_jint(req, "id"));
	return CTL_EXIT_PENDING;
}
