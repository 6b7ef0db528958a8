/*
 * Internal: the core's one JSON module. jsmn tokenizes a body into the
 * caller's ds_json_slot_t array and a structure check refuses what jsmn lets
 * through; the mappings below turn answers into results. A constant-memory
 * scanner serves bodies that need not fit the token array (an IAM token
 * answer, a page of history rows, which are then tokenized row by row).
 */
#ifndef DS_JSON_MAP_H
#define DS_JSON_MAP_H

#include <stddef.h>

#include "deploystop.h"

/* Bits of ds_json_map's return value. */
#define DS_JSON_VALID 1u   /* one well-formed object (fields copied) */
#define DS_JSON_ID_OK 2u   /* result.<record key> equals the record id */
#define DS_JSON_TASK_OK 4u /* result.task_id equals the task id */
#define DS_JSON_ID_BAD 8u  /* one of them differs */

/* What a call wants from the "result" object besides the ids: the key of
 * the record id, and copies of status, step and start_time (each may be
 * NULL; copies decoded, NUL-terminated, cut at a character boundary). */
typedef struct ds_json_fields ds_json_fields_t;
struct ds_json_fields {
    int record_key; /* 0: result.id (stop), 1: result.record_id */
    char *status;   /* result.status (a record's state) */
    size_t status_cap;
    char *step; /* result.step */
    size_t step_cap;
    char *start_time; /* result.start_time */
    size_t start_cap;
    /* ds_json_take_fields to copy the three, NULL: none (a stop). */
    void (*take)(const ds_json_fields_t *f, int key, const char *js,
                 const ds_json_slot_t *v);
};

/*
 * Tokenize `js` (`len` bytes, need not be NUL-terminated) into `tok`
 * (`ntok` slots) and check that it is exactly one JSON object with proper
 * key/value pairing (jsmn alone accepts {"a"}, {"a":1,} or {}{}).
 * When valid, copies (decoded, truncated at a character boundary,
 * NUL-terminated) into `res`: status; the error code and message (top-level
 * error_code/error_msg, else code/message, else the first nested object
 * holding them; a number is copied as written); request_id when
 * res->request_id is still empty. Compares result.id / result.task_id with
 * `record_id` / `task_id` (each may be NULL: not compared).
 * Returns 0 (not valid JSON of that shape) or DS_JSON_* bits.
 */
unsigned ds_json_map(const char *js, size_t len, ds_json_slot_t *tok,
                     unsigned ntok, const char *task_id, const char *record_id,
                     ds_result_t *res);

/* The same with the result key of the record id and extra result fields
 * given by `f` (NULL: as ds_json_map). */
unsigned ds_json_map_fields(const char *js, size_t len, ds_json_slot_t *tok,
                            unsigned ntok, const char *task_id,
                            const char *record_id, ds_result_t *res,
                            const ds_json_fields_t *f);

/* Copies result field `key` (a key index of json_map.c) with value `v`
 * into f (for ds_json_fields_t.take). */
void ds_json_take_fields(const ds_json_fields_t *f, int key, const char *js,
                         const ds_json_slot_t *v);

/* One flat object (a history row): tokenizes and checks it like
 * ds_json_map, then copies the string values of the `n` top-level `keys`
 * into out[i] (capacity caps[i]; "" when absent or not a string). Returns
 * 1 when the object is well formed, 0 otherwise. A copy cut short is
 * returned as "" so that a long id never matches. */
int ds_json_pick(const char *js, size_t len, ds_json_slot_t *tok, unsigned ntok,
                 const char *const *keys, char *const *out, const size_t *caps,
                 unsigned n);

/*
 * Constant-memory scan: the offset in js[0..len) of the value of `key` in
 * the top-level object (parent NULL) or in the object that is the value of
 * top-level key `parent`; -1 when absent. Keys are compared raw.
 */
long ds_json_find(const char *js, size_t len, const char *parent,
                  const char *key);

/* End offset (one past) of the JSON value starting at js[at] (after
 * whitespace), brackets matched and strings closed, at most 32 levels deep;
 * -1 when it is not one complete value. */
long ds_json_skip(const char *js, size_t len, size_t at);

/* The elements of an array, one at a time, in constant memory: open it at
 * its '[' (ds_json_array_open), then ds_json_array_next gives the end
 * offset (one past) of the next element and its start in *start; 0 after
 * the last one; -1 when the array is not well formed (a missing or extra
 * ',', an unclosed element). The separator after an element is checked by
 * the call that follows it, so each element is seen before its successor
 * is read. */
typedef struct ds_json_array {
    size_t pos;
    int after; /* an element was returned: a ',' or ']' comes next */
} ds_json_array_t;
void ds_json_array_open(ds_json_array_t *a, size_t at);
long ds_json_array_next(const char *js, size_t len, ds_json_array_t *a,
                        size_t *start);

/* Copies the scalar at js[at] (a string decoded, a number or literal as
 * written) into out (capacity cap > 0). Returns 0, or -1 when it is not a
 * complete non-empty scalar or did not fit. */
int ds_json_scalar(const char *js, size_t len, size_t at, char *out,
                   size_t cap);

#endif /* DS_JSON_MAP_H */
