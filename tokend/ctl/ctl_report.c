/*
 * ctl_report.c - kagictl's reports and compliance self-check (R-TOK-6,
 * R-TOK-7, R-PRIV-1, R-LOG-3, R-REM-4, R-EXC-1, R-AUD-1).
 *
 * kagid computes every report (report.c) and answers {columns, rows};
 * this file only shows them: an aligned table (times local, "-" for
 * none), --json (an object per row, times as seconds since the epoch)
 * or --csv (RFC 4180: a header line, CRLF line ends, fields quoted when
 * they hold a comma, a quote or a line end, quotes doubled; a text that
 * starts with = + - or @ is prefixed with ' so that no spreadsheet runs
 * it as a formula).  Every text from kagid passes through ctl_clean().
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"

#define CELL_LEN 256

/* Columns that hold times (seconds since the epoch, 0 = never). */
static int
time_column(const char *c)
{
	static const char *const t[] = { "last_login", "created", "since",
	    "first", "last", "start", "end", "time", "last_used", "closed",
	    NULL };
	int i;

	for (i = 0; t[i] != NULL; i++)
		if (strcmp(t[i], c) == 0)
			return 1;
	return 0;
}

/* A cell as text: csv picks the CSV time form and "" for none. */
static const char *
cell_text(struct json_object *v, const char *col, int csv, char *buf,
    size_t len)
{
	char tmp[CELL_LEN];

	if (v == NULL)
		return csv ? "" : "-";
	if (json_object_is_type(v, json_type_int)) {
		int64_t n = json_object_get_int64(v);

		if (!time_column(col)) {
			snprintf(buf, len, "%lld", (long long)n);
			return buf;
		}
		/* CSV: RFC 3339 with the offset, for spreadsheets and
		 * auditors in another zone alike. */
		return csv ? ctl_time_iso(n, buf, len) : ctl_time(n, buf, len);
	}
	ctl_clean(json_object_get_string(v), tmp, sizeof(tmp));
	snprintf(buf, len, "%s", tmp);
	return buf;
}

static void
csv_field(const char *s, int text)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	int guard = text && strchr("=+-@", s[0]) != NULL && s[0] != '\0';

	if (quote || guard)
		putchar('"');
	if (guard)
		putchar('\'');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	if (quote || guard)
		putchar('"');
}

static int
show_csv(struct json_object *cols, struct json_object *rows)
{
	size_t i, j, nc = json_object_array_length(cols),
	    nr = json_object_array_length(rows);
	char buf[CELL_LEN];

	for (j = 0; j < nc; j++) {
		if (j > 0)
			putchar(',');
		csv_field(json_object_get_string(
		    json_object_array_get_idx(cols, j)), 0);
	}
	fputs("\r\n", stdout);
	for (i = 0; i < nr; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);

		for (j = 0; j < nc; j++) {
			struct json_object *v = json_object_array_get_idx(row,
			    j);
			const char *col = json_object_get_string(
			    json_object_array_get_idx(cols, j));

			if (j > 0)
				putchar(',');
			csv_field(cell_text(v, col, 1, buf, sizeof(buf)),
			    v != NULL && json_object_is_type(v,
			    json_type_string));
		}
		fputs("\r\n", stdout);
	}
	return 0;
}

static int
show_json(struct json_object *reply, struct json_object *cols,
    struct json_object *rows)
{
	struct json_object *out, *arr, *o;
	size_t i, j, nc = json_object_array_length(cols),
	    nr = json_object_array_length(rows);
	int r;

	if ((out = json_object_new_object()) == NULL ||
	    (arr = json_object_new_array()) == NULL) {
		json_object_put(out);
		return KAGI_ERR_NOMEM;
	}
	json_object_object_add(out, "report",
	    json_object_get(json_object_object_get(reply, "report")));
	json_object_object_add(out, "rows", arr);
	for (i = 0; i < nr; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);

		if ((o = json_object_new_object()) == NULL) {
			json_object_put(out);
			return KAGI_ERR_NOMEM;
		}
		for (j = 0; j < nc; j++)
			json_object_object_add(o, json_object_get_string(
			    json_object_array_get_idx(cols, j)),
			    json_object_get(json_object_array_get_idx(row, j)));
		json_object_array_add(arr, o);
	}
	r = ctl_print_json(out);
	json_object_put(out);
	return r;
}

/* Column headers and the words of state columns, in the reader's
 * language (tables only: --json and --csv keep kagid's names). */
static const struct {
	const char *name, *text;
} words[] = {
	{ "user", N_("USER") }, { "role", N_("ROLE") },
	{ "state", N_("STATE") }, { "factors", N_("FACTORS") },
	{ "last_login", N_("LAST-LOGIN") }, { "days", N_("DAYS") },
	{ "tokens", N_("TOKENS") }, { "created", N_("CREATED") },
	{ "granted_by", N_("GRANTED-BY") },
	{ "approved_by", N_("APPROVED-BY") }, { "since", N_("SINCE") },
	{ "source", N_("SOURCE") }, { "failures", N_("FAILURES") },
	{ "lockouts", N_("LOCKOUTS") }, { "first", N_("FIRST") },
	{ "last", N_("LAST") }, { "locked_now", N_("LOCKED-NOW") },
	{ "session", N_("SESSION") }, { "service", N_("SERVICE") },
	{ "start", N_("START") }, { "end", N_("END") },
	{ "duration", N_("DURATION") }, { "end_reason", N_("END-REASON") },
	{ "kind", N_("KIND") }, { "id", N_("ID") }, { "time", N_("TIME") },
	{ "by", N_("BY") }, { "closed", N_("CLOSED") },
	{ "detail", N_("DETAIL") },
};
static const char *const values[] = { N_("active"), N_("locked"),
    N_("disabled"), N_("open"), N_("closed"), N_("reported"), N_("yes"),
    N_("no"), NULL };

/* A column's header: translated when known, else its name upper-cased. */
static const char *
header_of(const char *c, char *buf, size_t len)
{
	size_t i, k;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].name, c) == 0)
			return _(words[i].text);
	for (k = 0; c[k] != '\0' && k + 1 < len; k++)
		buf[k] = c[k] == '_' ? '-' : (char)toupper((unsigned char)c[k]);
	buf[k] = '\0';
	return buf;
}

/* A state word translated in the columns that hold one (state,
 * locked_now); any other cell as it is: a user named "open" stays so. */
static const char *
value_of(const char *col, const char *v)
{
	size_t i;

	if (col == NULL || v == NULL ||
	    (strcmp(col, "state") != 0 && strcmp(col, "locked_now") != 0))
		return v;
	for (i = 0; values[i] != NULL; i++)
		if (strcmp(values[i], v) == 0)
			return _(values[i]);
	return v;
}

static int
show_table(struct json_object *cols, struct json_object *rows)
{
	size_t i, j, nc = json_object_array_length(cols),
	    nr = json_object_array_length(rows);
	const char **cells = NULL;
	char (*bufs)[CELL_LEN] = NULL;
	struct ctl_table *t = NULL;
	int r = KAGI_ERR_NOMEM;

	if ((cells = calloc(nc, sizeof(*cells))) == NULL ||
	    (bufs = calloc(nc, sizeof(*bufs))) == NULL)
		goto out;
	for (j = 0; j < nc; j++)
		cells[j] = header_of(json_object_get_string(
		    json_object_array_get_idx(cols, j)), bufs[j], CELL_LEN);
	if ((t = ctl_table_new(nc, cells)) == NULL)
		goto out;
	for (i = 0; i < nr; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);

		for (j = 0; j < nc; j++) {
			const char *col = json_object_get_string(
			    json_object_array_get_idx(cols, j));

			cells[j] = value_of(col, cell_text(
			    json_object_array_get_idx(row, j), col, 0,
			    bufs[j], CELL_LEN));
		}
		if ((r = ctl_table_add(t, cells)) != 0)
			goto out;
	}
	ctl_table_print(t, stdout);
	r = 0;
 out:
	ctl_table_free(&t);
	free(cells);
	free(bufs);
	return r;
}

/* Well-formed: columns an array of strings, rows arrays as wide. */
static int
report_valid(struct json_object *cols, struct json_object *rows)
{
	size_t i, nc;

	if (!json_object_is_type(cols, json_type_array) ||
	    !json_object_is_type(rows, json_type_array) ||
	    (nc = json_object_array_length(cols)) == 0)
		return 0;
	for (i = 0; i < nc; i++)
		if (!json_object_is_type(json_object_array_get_idx(cols, i),
		    json_type_string))
			return 0;
	for (i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);

		if (!json_object_is_type(row, json_type_array) ||
		    json_object_array_length(row) != nc)
			return 0;
	}
	return 1;
}

static int
report_run(struct ctl *ctl, const char *op, const char *ikey, int64_t ival)
{
	struct json_object *req, *reply = NULL, *cols = NULL, *rows = NULL;
	int ex, r;

	req = ctl_request(ctl, op);
	if (req != NULL && ikey != NULL && ival != 0 &&
	    proto_set_int(req, ikey, ival) != 0) {
		json_object_put(req);
		req = NULL;
	}
	if ((ex = ctl_run(ctl, req, &reply)) != 0)
		return ex;
	(void)json_object_object_get_ex(reply, "columns", &cols);
	(void)json_object_object_get_ex(reply, "rows", &rows);
	if (!report_valid(cols, rows))
		r = KAGI_ERR_INVALID;
	else if (ctl->csv)
		r = show_csv(cols, rows);
	else if (ctl->json)
		r = show_json(reply, cols, rows);
	else
		r = show_table(cols, rows);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

int
ctl_report_dormant(struct ctl *ctl)
{
	return report_run(ctl, OP_REPORT_DORMANT, "days", ctl->days);
}

int
ctl_report_access(struct ctl *ctl)
{
	return report_run(ctl, OP_REPORT_ACCESS, NULL, 0);
}

int
ctl_report_privileged(struct ctl *ctl)
{
	return report_run(ctl, OP_REPORT_PRIVILEGED, NULL, 0);
}

int
ctl_report_lockouts(struct ctl *ctl)
{
	return report_run(ctl, OP_REPORT_LOCKOUTS, "since", ctl->since);
}

int
ctl_report_vendors(struct ctl *ctl)
{
	return report_run(ctl, OP_REPORT_VENDORS, "since", ctl->since);
}

int
ctl_report_exceptions(struct ctl *ctl)
{
	return report_run(ctl, OP_REPORT_EXCEPTIONS, NULL, 0);
}

/*
 * A check's words in the reader's language: its template translated
 * (kagid sends the English one) and filled with its arguments, never
 * used as a printf format.
 */
static const char *
check_text(struct json_object *c, char *out, size_t len)
{
	struct json_object *args = NULL;
	const char *a[KAGI_I18N_ARGS_MAX], *text = ctl_jstr(c, "text");
	size_t i, n = 0;

	if (text == NULL)
		return ctl_jstr(c, "evidence");
	if (json_object_object_get_ex(c, "args", &args) &&
	    json_object_is_type(args, json_type_array))
		for (n = json_object_array_length(args), i = 0;
		    i < n && i < KAGI_I18N_ARGS_MAX; i++)
			a[i] = json_object_get_string(
			    json_object_array_get_idx(args, i));
	kagi_i18n_fill(out, len, _(text), a,
	    n < KAGI_I18N_ARGS_MAX ? n : KAGI_I18N_ARGS_MAX);
	return out;
}

int
ctl_compliance(struct ctl *ctl)
{
	struct json_object *reply = NULL, *checks = NULL, *c;
	char id[32], res[16], ev[1024], text[1024];
	size_t i, n;
	int ex;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_COMPLIANCE), &reply)) != 0)
		return ex;
	if (!json_object_object_get_ex(reply, "checks", &checks) ||
	    !json_object_is_type(checks, json_type_array)) {
		json_object_put(reply);
		return ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
	}
	if (ctl->json)
		(void)ctl_print_json(reply);
	n = json_object_array_length(checks);
	for (i = 0; i < n && !ctl->json; i++) {
		c = json_object_array_get_idx(checks, i);
		printf("%s %s: %s\n", ctl_clean(ctl_jstr(c, "id"), id,
		    sizeof(id)), ctl_clean(ctl_jstr(c, "result"), res,
		    sizeof(res)), ctl_clean(check_text(c, text, sizeof(text)),
		    ev, sizeof(ev)));
	}
	if (!ctl->json)
		printf(_("%lld PASS, %lld WARN, %lld FAIL of %zu requirements\n"),
		    (long long)ctl_jint(reply, "pass"),
		    (long long)ctl_jint(reply, "warn"),
		    (long long)ctl_jint(reply, "fail"), n);
	ex = ctl_jint(reply, "fail") > 0 ? CTL_EXIT_REFUSED : CTL_EXIT_OK;
	json_object_put(reply);
	return ex;
}
