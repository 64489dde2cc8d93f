/*
 * cfg.h - the one configuration parser, for kagid.conf, the PAM
 * module's options and kagictl.
 *
 * A schema is an array of struct cfg_key ending with a zeroed entry.  A
 * file is lines of "key = value"; '#' starts a comment when it is the
 * first non-blank character of a line; blank lines are ignored.  Module
 * options are "key=value" or bare "flag" words.  Unknown keys, repeated
 * keys, values of the wrong form and numbers outside [min, max] are
 * errors; err receives a message naming the key and (for files) the line,
 * e.g. "kagid.conf:12: unknown key 'lockot_max'".  Numbers are parsed
 * strictly (no atoi, no trailing junk).  Durations accept a number with
 * an optional unit s, m, h or d (seconds by default).
 *
 * Values are written into a caller's struct at the given offsets:
 *   CFG_STR, CFG_PATH -> char * (strdup'd; previous value freed)
 *   CFG_INT, CFG_DURATION -> long long
 *   CFG_BOOL, CFG_FLAG -> int (yes/no/true/false/on/off/1/0; a FLAG takes
 *                       no value and sets 1)
 *   CFG_ENUM -> int (index into choices)
 * The caller fills defaults before parsing; cfg_free() frees strings.
 */
#ifndef KAGI_CFG_H
#define KAGI_CFG_H

#include <stddef.h>

enum cfg_type {
	CFG_END = 0,
	CFG_STR,
	CFG_PATH,	/* must be absolute */
	CFG_INT,
	CFG_DURATION,
	CFG_BOOL,
	CFG_FLAG,
	CFG_ENUM
};

struct cfg_key {
	const char *name;
	enum cfg_type type;
	size_t offset;
	long long min;
	long long max;
	const char *const *choices;	/* CFG_ENUM, NULL-terminated */
};

#define CFG_ERRLEN 256
#define CFG_LINE_MAX 1024
#define CFG_FILE_MAX (256 * 1024)

int cfg_parse_buf(const char *buf, size_t len, const char *name,
    const struct cfg_key *keys, void *obj, char *err, size_t errlen);
/*
 * Read path safely (safefile_read with owner root or owner_uid) and parse.
 */
int cfg_parse_file(const char *path, unsigned owner_uid,
    const struct cfg_key *keys, void *obj, char *err, size_t errlen);
int cfg_parse_argv(int argc, const char **argv, const struct cfg_key *keys,
    void *obj, char *err, size_t errlen);
void cfg_free(const struct cfg_key *keys, void *obj);
/* Find a key by name, or NULL. */
const struct cfg_key *cfg_lookup(const struct cfg_key *keys, const char *name);
/*
 * The value of key k in obj as a line of the file would give it: a
 * string as is ("" when unset), a number in seconds or units, yes/no, a
 * choice's name.  KAGI_ERR_TOO_LARGE when it does not fit in buf.
 */
int cfg_value_text(const struct cfg_key *k, const void *obj, char *buf,
    size_t len);

#endif
