/*
 * cfg.c - the one configuration parser: kagid.conf, the PAM module's
 * options and kagictl's, all against a schema of typed keys.
 *
 * Guarantees: every line goes through rbuf_get_line (at most CFG_LINE_MAX
 * bytes, no NUL); a line holding any control character other than a tab
 * is refused, except one '\r' at its end (files edited on Windows are
 * read as if they had plain newlines).  Unknown keys, keys given twice,
 * a missing '=', numbers with junk or outside [min, max] and values of
 * the wrong form are errors; every error returns KAGI_ERR_CONFIG (or
 * KAGI_ERR_NOMEM) with a message in err naming the place ("NAME:LINE: "
 * for files, "option 'WORD': " for argv) and the key, with user text
 * escaped so that no control character reaches a log or a terminal.
 *
 * Forms: a value is everything after the first '=', blanks trimmed; only
 * CFG_STR may be empty.  In a file, a CFG_FLAG key takes a boolean value
 * like CFG_BOOL (every file line is "key = value"); in argv a FLAG is a
 * bare word and every other key needs "key=value".
 *
 * A file's every wrong line is told, one a line in err, not only the
 * first (kagid -t); a line too long or holding a NUL stops the reading.
 *
 * On error the object may be partly filled: callers cfg_free() it and
 * stop, they never run on a half-read configuration.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "kagi_err.h"
#include "rbuf.h"
#include "safefile.h"
#include "wipe.h"

/* Longest piece of user text (name: file name) quoted in a message. */
#define QUOTE_MAX 48
#define QUOTE_NAME_MAX 120

struct cfg_ctx {
	const char *name;	/* file name, or NULL for argv */
	size_t line;
	const char *word;	/* the argv word */
	const struct cfg_key *keys;
	void *obj;
	unsigned char *seen;	/* one per key */
	char *err;
	size_t errlen;
	size_t nerr;		/* errors written into err so far */
};

static const char *const bool_true[] = { "yes", "true", "on", "1", NULL };
static const char *const bool_false[] = { "no", "false", "off", "0", NULL };

/*
 * Copy s into out with everything but printable ASCII, the quote and the
 * backslash written as \xNN; cut with "..." after max bytes or when out
 * is full.
 */
static const char *
quote(const char *s, size_t max, char *out, size_t outlen)
{
	return kagi_escape(s, max, '\'', out, outlen);
}

#define QBUF (QUOTE_MAX * 4 + 8)
#define QNAMEBUF (QUOTE_NAME_MAX * 4 + 8)

static int cfg_fail(struct cfg_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Write the place, then the message, after the errors already written
 * (one a line: a file's every error is told at once, kagid -t); always
 * KAGI_ERR_CONFIG.  What does not fit in err is left out.
 */
static int
cfg_fail(struct cfg_ctx *x, const char *fmt, ...)
{
	char where[QNAMEBUF + 32], qw[QNAMEBUF], msg[CFG_ERRLEN];
	va_list ap;
	size_t used;

	if (x->err == NULL || x->errlen == 0)
		return KAGI_ERR_CONFIG;
	if (x->name != NULL)
		snprintf(where, sizeof(where), "%s:%zu: ",
		    quote(x->name, QUOTE_NAME_MAX, qw, sizeof(qw)), x->line);
	else
		snprintf(where, sizeof(where), "option '%s': ",
		    quote(x->word, QUOTE_MAX, qw, sizeof(qw)));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	used = x->nerr > 0 ? strlen(x->err) : 0;
	if (x->nerr == 0)
		snprintf(x->err, x->errlen, "%s%s", where, msg);
	else if (used + 1 < x->errlen)
		snprintf(x->err + used, x->errlen - used, "\n%s%s", where,
		    msg);
	x->nerr++;
	return KAGI_ERR_CONFIG;
}

static int
in_list(const char *const *list, const char *v)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], v) == 0)
			return (int)i;
	return -1;
}

/* "a, b, c" for messages. */
static void
join_list(const char *const *list, const char *const *more, char *out,
    size_t outlen)
{
	char q[QBUF];
	size_t i, o = 0;
	int n;

	out[0] = '\0';
	for (; list != NULL; list = more, more = NULL) {
		for (i = 0; list[i] != NULL; i++) {
			n = snprintf(out + o, outlen - o, "%s%s",
			    o > 0 ? ", " : "",
			    quote(list[i], QUOTE_MAX, q, sizeof(q)));
			if (n < 0 || (size_t)n >= outlen - o)
				return;
			o += (size_t)n;
		}
	}
}

/* Strictly "-?[0-9]+" within long long; *range set on overflow. */
static int
parse_ll(const char *v, long long *out, int *range)
{
	char *end = NULL;
	long long n;

	*range = 0;
	if (!((v[0] >= '0' && v[0] <= '9') ||
	    (v[0] == '-' && v[1] >= '0' && v[1] <= '9')))
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == NULL || *end != '\0')
		return -1;
	if (errno == ERANGE) {
		*range = 1;
		return -1;
	}
	if (errno != 0)
		return -1;
	*out = n;
	return 0;
}

/* "[0-9]+[smhd]?" in seconds; *range set on overflow. */
static int
parse_duration(const char *v, long long *out, int *range)
{
	size_t i, n = strlen(v);
	long long mult = 1, num = 0;

	*range = 0;
	if (n > 0) {
		switch (v[n - 1]) {
		case 's': mult = 1; n--; break;
		case 'm': mult = 60; n--; break;
		case 'h': mult = 3600; n--; break;
		case 'd': mult = 86400; n--; break;
		default: break;
		}
	}
	if (n == 0)
		return -1;
	for (i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return -1;
	for (i = 0; i < n; i++) {
		int d = v[i] - '0';

		if (num > (LLONG_MAX - d) / 10) {
			*range = 1;
			return -1;
		}
		num = num * 10 + d;
	}
	if (num > LLONG_MAX / mult) {
		*range = 1;
		return -1;
	}
	*out = num * mult;
	return 0;
}

/* Store value v for key k; v is NUL-terminated, already trimmed. */
static int
cfg_set(struct cfg_ctx *x, const struct cfg_key *k, const char *v)
{
	char qk[QBUF], qv[QBUF], list[CFG_ERRLEN];
	char *field = (char *)x->obj + k->offset;
	char *s;
	long long n = 0;
	int range, i;

	quote(k->name, QUOTE_MAX, qk, sizeof(qk));
	quote(v, QUOTE_MAX, qv, sizeof(qv));
	switch (k->type) {
	case CFG_STR:
	case CFG_PATH:
		if (k->type == CFG_PATH && v[0] != '/')
			return cfg_fail(x, "'%s': '%s' is not an absolute path",
			    qk, qv);
		if ((s = strdup(v)) == NULL)
			return KAGI_ERR_NOMEM;
		free(*(char **)(void *)field);
		*(char **)(void *)field = s;
		return KAGI_OK;
	case CFG_INT:
		if (parse_ll(v, &n, &range) != 0 && !range)
			return cfg_fail(x, "'%s': '%s' is not a number", qk, qv);
		if (range || n < k->min || n > k->max)
			return cfg_fail(x, "'%s': value '%s' out of range "
			    "[%lld, %lld]", qk, qv, k->min, k->max);
		*(long long *)(void *)field = n;
		return KAGI_OK;
	case CFG_DURATION:
		if (parse_duration(v, &n, &range) != 0 && !range)
			return cfg_fail(x, "'%s': '%s' is not a duration "
			    "(a number with s, m, h or d)", qk, qv);
		if (range || n < k->min || n > k->max)
			return cfg_fail(x, "'%s': value '%s' out of range "
			    "[%lld, %lld]", qk, qv, k->min, k->max);
		*(long long *)(void *)field = n;
		return KAGI_OK;
	case CFG_BOOL:
	case CFG_FLAG:
		if (in_list(bool_true, v) >= 0) {
			*(int *)(void *)field = 1;
		} else if (in_list(bool_false, v) >= 0) {
			*(int *)(void *)field = 0;
		} else {
			join_list(bool_true, bool_false, list, sizeof(list));
			return cfg_fail(x, "'%s': '%s' is not one of %s", qk, qv,
			    list);
		}
		return KAGI_OK;
	case CFG_ENUM:
		if (k->choices == NULL)
			return cfg_fail(x, "'%s': no choices (schema error)", qk);
		if ((i = in_list(k->choices, v)) < 0) {
			join_list(k->choices, NULL, list, sizeof(list));
			return cfg_fail(x, "'%s': '%s' is not one of %s", qk, qv,
			    list);
		}
		*(int *)(void *)field = i;
		return KAGI_OK;
	case CFG_END:
	default:
		return cfg_fail(x, "'%s': bad type (schema error)", qk);
	}
}

/* Find key, refuse unknown and repeated keys; *out the schema entry. */
static int
cfg_claim(struct cfg_ctx *x, const char *key, const struct cfg_key **out)
{
	char qk[QBUF];
	const struct cfg_key *k;

	quote(key, QUOTE_MAX, qk, sizeof(qk));
	if ((k = cfg_lookup(x->keys, key)) == NULL)
		return cfg_fail(x, "unknown key '%s'", qk);
	if (x->seen[k - x->keys])
		return cfg_fail(x, "key '%s' given twice", qk);
	x->seen[k - x->keys] = 1;
	*out = k;
	return KAGI_OK;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *
trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* One line of a file, NUL-terminated in a writable copy. */
static int
cfg_line(struct cfg_ctx *x, char *line)
{
	const struct cfg_key *k;
	char *eq, *key, *val;
	size_t i;
	int r;

	for (i = 0; line[i] != '\0'; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return cfg_fail(x, "control character in line");
	}
	key = trim(line);
	if (key[0] == '\0' || key[0] == '#')
		return KAGI_OK;
	if ((eq = strchr(key, '=')) == NULL)
		return cfg_fail(x, "missing '='");
	*eq = '\0';
	key = trim(key);
	val = trim(eq + 1);
	if ((r = cfg_claim(x, key, &k)) != 0)
		return r;
	return cfg_set(x, k, val);
}

static size_t
cfg_count(const struct cfg_key *keys)
{
	size_t n = 0;

	while (keys[n].name != NULL)
		n++;
	return n;
}

int
cfg_parse_buf(const char *buf, size_t len, const char *name,
    const struct cfg_key *keys, void *obj, char *err, size_t errlen)
{
	struct cfg_ctx x;
	struct rbuf b;
	char copy[CFG_LINE_MAX + 1];
	const char *line;
	size_t linelen;
	int r, bad = 0;

	memset(&x, 0, sizeof(x));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (keys == NULL || obj == NULL || (buf == NULL && len > 0))
		return KAGI_ERR_INVALID;
	x.name = name != NULL ? name : "(config)";
	x.keys = keys;
	x.obj = obj;
	x.err = err;
	x.errlen = errlen;
	if ((x.seen = calloc(cfg_count(keys) + 1, 1)) == NULL)
		return KAGI_ERR_NOMEM;
	rbuf_init(&b, buf, len);
	for (x.line = 1;; x.line++) {
		r = rbuf_get_line(&b, CFG_LINE_MAX, &line, &linelen);
		if (r == KAGI_ERR_TRUNCATED)
			break;
		if (r == KAGI_ERR_TOO_LARGE) {
			r = cfg_fail(&x, "line longer than %d bytes",
			    CFG_LINE_MAX);
			goto out;
		}
		if (r != 0) {
			r = cfg_fail(&x, "NUL byte in line");
			goto out;
		}
		memcpy(copy, line, linelen);
		/* CRLF: the '\r' belongs to the line ending. */
		if (linelen > 0 && copy[linelen - 1] == '\r')
			linelen--;
		copy[linelen] = '\0';
		/* A wrong line is told and the next read: every error at
		 * once.  Anything else (no memory) stops. */
		if ((r = cfg_line(&x, copy)) == KAGI_ERR_CONFIG)
			bad = 1;
		else if (r != 0)
			goto out;
	}
	r = bad ? KAGI_ERR_CONFIG : KAGI_OK;
out:
	kagi_wipe(copy, sizeof(copy));
	free(x.seen);
	return r;
}

int
cfg_parse_file(const char *path, unsigned owner_uid,
    const struct cfg_key *keys, void *obj, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((r = safefile_read(path, (uid_t)owner_uid, CFG_FILE_MAX, &buf,
	    &len, err, errlen)) != 0)
		goto out;
	r = cfg_parse_buf(buf, len, path, keys, obj, err, errlen);
out:
	kagi_free_secret(buf, len);
	return r;
}

int
cfg_parse_argv(int argc, const char **argv, const struct cfg_key *keys,
    void *obj, char *err, size_t errlen)
{
	struct cfg_ctx x;
	const struct cfg_key *k;
	char word[CFG_LINE_MAX + 1], qk[QBUF];
	char *eq, *val;
	size_t n;
	int i, r;

	memset(&x, 0, sizeof(x));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (keys == NULL || obj == NULL || argc < 0 ||
	    (argc > 0 && argv == NULL))
		return KAGI_ERR_INVALID;
	x.keys = keys;
	x.obj = obj;
	x.err = err;
	x.errlen = errlen;
	if ((x.seen = calloc(cfg_count(keys) + 1, 1)) == NULL)
		return KAGI_ERR_NOMEM;
	for (i = 0; i < argc; i++) {
		x.word = argv[i] != NULL ? argv[i] : "";
		if ((n = strlen(x.word)) > CFG_LINE_MAX) {
			r = cfg_fail(&x, "longer than %d bytes", CFG_LINE_MAX);
			goto out;
		}
		memcpy(word, x.word, n + 1);
		for (n = 0; word[n] != '\0'; n++)
			if ((unsigned char)word[n] < 0x20 || word[n] == 0x7f) {
				r = cfg_fail(&x, "control character in option");
				goto out;
			}
		val = NULL;
		if ((eq = strchr(word, '=')) != NULL) {
			*eq = '\0';
			val = eq + 1;
		}
		if ((r = cfg_claim(&x, word, &k)) != 0)
			goto out;
		quote(word, QUOTE_MAX, qk, sizeof(qk));
		if (k->type == CFG_FLAG) {
			if (val != NULL) {
				r = cfg_fail(&x, "'%s' takes no value", qk);
				goto out;
			}
			*(int *)(void *)((char *)obj + k->offset) = 1;
			continue;
		}
		if (val == NULL) {
			r = cfg_fail(&x, "needs a value");
			goto out;
		}
		if ((r = cfg_set(&x, k, val)) != 0)
			goto out;
	}
	r = KAGI_OK;
out:
	kagi_wipe(word, sizeof(word));
	free(x.seen);
	return r;
}

void
cfg_free(const struct cfg_key *keys, void *obj)
{
	char **field;
	size_t i;

	if (keys == NULL || obj == NULL)
		return;
	for (i = 0; keys[i].name != NULL; i++) {
		if (keys[i].type != CFG_STR && keys[i].type != CFG_PATH)
			continue;
		field = (char **)(void *)((char *)obj + keys[i].offset);
		free(*field);
		*field = NULL;
	}
}

const struct cfg_key *
cfg_lookup(const struct cfg_key *keys, const char *name)
{
	size_t i;

	if (keys == NULL || name == NULL)
		return NULL;
	for (i = 0; keys[i].name != NULL; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int
cfg_value_text(const struct cfg_key *k, const void *obj, char *buf,
    size_t len)
{
	const char *field = (const char *)obj + k->offset;
	const char *s;
	long long n;
	int i, w;

	switch (k->type) {
	case CFG_STR:
	case CFG_PATH:
		s = *(char *const *)(const void *)field;
		w = snprintf(buf, len, "%s", s != NULL ? s : "");
		break;
	case CFG_INT:
	case CFG_DURATION:
		n = *(const long long *)(const void *)field;
		w = snprintf(buf, len, "%lld", n);
		break;
	case CFG_BOOL:
	case CFG_FLAG:
		w = snprintf(buf, len, "%s",
		    *(const int *)(const void *)field ? "yes" : "no");
		break;
	case CFG_ENUM:
		i = *(const int *)(const void *)field;
		if (k->choices == NULL || i < 0)
			return KAGI_ERR_INVALID;
		for (w = 0; w < i && k->choices[w] != NULL; w++)
			;
		if (k->choices[w] == NULL)
			return KAGI_ERR_INVALID;
		w = snprintf(buf, len, "%s", k->choices[i]);
		break;
	default:
		return KAGI_ERR_INVALID;
	}
	return w < 0 || (size_t)w >= len ? KAGI_ERR_TOO_LARGE : 0;
}
