/*
 * core/config — layered settings: flags > environment > smelt.yaml > defaults.
 *
 * A static registry (sm_config_settings()) lists every setting smelt knows:
 * its dotted key ("log.level"), the environment variable that overrides it,
 * its default, its type, whether it is a secret, and a one-line help.  A
 * configuration holds up to one value per layer for each setting; a lookup
 * returns the value of the highest layer that has one:
 *
 *     flag (sm_config_set)  >  environment  >  file  >  built-in default
 *
 * Values are checked against their type when they enter a layer, with an
 * error that says where they came from:
 *     smelt.yaml:7:12: log.level: expected one of error|warn|info|debug, got "loud"
 *     environment SMELT_LOG_LEVEL: expected one of error|warn|info|debug, got "loud"
 * so a getter never fails: it returns the already-parsed value.
 *
 * The file: settings may be written nested (`log: {level: debug}`) or with
 * a dotted key (`log.level: debug`); a key written both ways is a duplicate.
 * A null value (`lake:` with nothing after it) leaves the setting unset.
 * Top-level sections owned by later modules (sources, models, streams,
 * checks, bronze, project) are kept as YAML trees (sm_config_section).  Any
 * other key is an error with a suggestion:
 *     smelt.yaml:1:1: unknown key "lkae" (did you mean "lake"?)
 * An empty environment variable counts as unset.
 *
 * Secrets (passwords, tokens, keys) are never echoed: sm_config_dump shows
 * them as ***, a password inside postgres.url is masked, and a type error
 * on a secret value does not quote the value.
 *
 * Ownership: sm_config_t owns copies of every value and the loaded YAML
 * document; pointers returned by getters, sm_config_source and
 * sm_config_section live until the next change to the same layer (set,
 * load) or sm_config_free.
 * Threads: build a configuration on one thread; once loaded it may be read
 * from any number of threads (getters do not modify it).
 */
#ifndef SM_CORE_CONFIG_H
#define SM_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/yaml.h"

typedef enum sm_config_type {
    SM_CONFIG_STRING,
    SM_CONFIG_INT,      /* int64 in [min, max] */
    SM_CONFIG_BOOL,     /* true/false, yes/no, on/off */
    SM_CONFIG_SIZE,     /* bytes: "64MB", "1GiB" */
    SM_CONFIG_DURATION, /* milliseconds: "30s", "5m", "250ms" */
    SM_CONFIG_ENUM,     /* one of `choices` ("error|warn|info|debug") */
} sm_config_type_t;

/* Layers, lowest first.  The effective value comes from the highest. */
typedef enum sm_config_origin {
    SM_CONFIG_FROM_DEFAULT,
    SM_CONFIG_FROM_FILE,
    SM_CONFIG_FROM_ENV,
    SM_CONFIG_FROM_FLAG,
    SM_CONFIG__LAYERS
} sm_config_origin_t;

typedef struct sm_config_setting {
    const char *key;          /* dotted: "log.level" */
    const char *env;          /* overriding variable, or NULL */
    const char *env_fallback; /* read when `env` is unset (AWS_DEFAULT_REGION), or NULL */
    const char *def;          /* default as text; NULL = unset ("" for strings) */
    sm_config_type_t type;
    const char *choices; /* SM_CONFIG_ENUM: "a|b|c" */
    int64_t min, max;    /* SM_CONFIG_INT: inclusive range */
    bool secret;         /* never printed; shown as *** */
    bool url_secret;     /* a URL whose password part is masked when printed */
    const char *help;    /* one line */
} sm_config_setting_t;

typedef struct sm_config sm_config_t;

/* Reads the environment for sm_config_load_env: returns the value of
 * `name` or NULL when unset.  The string must stay valid during the call. */
typedef const char *(*sm_config_getenv_fn)(const char *name, void *ud);

/* The built-in registry: *count entries, in documentation order. */
const sm_config_setting_t *sm_config_settings(size_t *count);

/* The top-level sections owned by later modules, NULL-terminated. */
const char *const *sm_config_section_names(void);

/* A configuration holding only defaults, over the built-in registry; NULL
 * when out of memory.  Free with sm_config_free. */
sm_config_t *sm_config_new(void);

/* Same over another registry (tests, tools): `settings` and `sections`
 * (NULL-terminated, may be NULL) must outlive the configuration.  Returns
 * NULL when out of memory or when a default does not match its type. */
sm_config_t *sm_config_new_with(const sm_config_setting_t *settings, size_t count,
                                const char *const *sections);

void sm_config_free(sm_config_t *cfg);

/* Loads the file layer from a YAML file, replacing any earlier file layer.
 * A missing file is SM_OK (nothing loaded) unless `must_exist`; then it is
 * SM_ERR_NOT_FOUND.  Bad YAML, unknown keys and values of the wrong type
 * are errors with file:line:column (SM_ERR_PARSE, SM_ERR_INVALID, ...);
 * on any failure the file layer is left empty. */
sm_err_t sm_config_load_file(sm_config_t *cfg, const char *path, bool must_exist, sm_error_t *e);

/* Finds and loads smelt.yaml for a project: `project` NULL means
 * ./smelt.yaml, optional; otherwise `project` names a directory holding
 * smelt.yaml (or the YAML file itself), which must exist. */
sm_err_t sm_config_load_project(sm_config_t *cfg, const char *project, sm_error_t *e);

/* Same as sm_config_load_file over bytes in memory; `name` is used in
 * positions ("smelt.yaml"). */
sm_err_t sm_config_load_buffer(sm_config_t *cfg, const char *name, const void *data, size_t len,
                               sm_error_t *e);

/* Loads the environment layer (replacing an earlier one) by asking getenv_fn
 * (NULL: the process environment via getenv) for each setting's variable.
 * A value of the wrong type is an error ("environment SMELT_LOG_LEVEL: ...")
 * and leaves the environment layer empty. */
sm_err_t sm_config_load_env(sm_config_t *cfg, sm_config_getenv_fn getenv_fn, void *ud,
                            sm_error_t *e);

/* Sets one setting in a layer (normally SM_CONFIG_FROM_FLAG; FILE and ENV
 * are allowed for programs that build a configuration by hand).  value NULL
 * clears that layer's value.  An unknown key is SM_ERR_NOT_FOUND with a
 * suggestion; a value of the wrong type SM_ERR_INVALID ("log.level:
 * expected ..."), leaving the old value in place. */
sm_err_t sm_config_set(sm_config_t *cfg, const char *key, const char *value,
                       sm_config_origin_t origin, sm_error_t *e);

/* --- Lookups of the effective value.  An unknown key or a getter of the
 * wrong type (a programming error) returns NULL / 0 / false. --- */

/* The value as text (for any type); NULL when nothing and no default. */
const char *sm_config_get_str(const sm_config_t *cfg, const char *key);
int64_t sm_config_get_int(const sm_config_t *cfg, const char *key);
bool sm_config_get_bool(const sm_config_t *cfg, const char *key);
int64_t sm_config_get_size(const sm_config_t *cfg, const char *key);     /* bytes */
int64_t sm_config_get_duration(const sm_config_t *cfg, const char *key); /* ms */

/* True when the effective value came from a layer above the default. */
bool sm_config_is_set(const sm_config_t *cfg, const char *key);

/* Where the effective value came from: "flag", "env SMELT_LAKE",
 * "smelt.yaml:3:7" or "default"; NULL for an unknown key. */
const char *sm_config_source(const sm_config_t *cfg, const char *key);

/* The origin of the effective value (SM_CONFIG_FROM_DEFAULT for an unknown
 * key). */
sm_config_origin_t sm_config_origin(const sm_config_t *cfg, const char *key);

/* A top-level section of the file (e.g. "sources") as a YAML tree, or NULL
 * when absent, null, or not a registered section. */
const sm_yaml_node_t *sm_config_section(const sm_config_t *cfg, const char *name);

/* The path of the loaded file, or NULL when no file was loaded. */
const char *sm_config_file(const sm_config_t *cfg);

/* Appends one line per setting to out:
 *     log.level             = debug      # env SMELT_LOG_LEVEL
 * with secrets as *** (or "(not set)").  SM_ERR_NOMEM/SM_ERR_LIMIT from
 * the buffer. */
sm_err_t sm_config_dump(const sm_config_t *cfg, sm_buf_t *out, sm_error_t *e);

#endif
