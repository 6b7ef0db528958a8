/*
 * Mapping a CodeArts Deploy answer body onto ds_result_t, with jsmn tokens
 * stored in the caller's ds_json_slot_t array.
 */
#ifndef DS_JSON_MAP_H
#define DS_JSON_MAP_H

#include <stddef.h>

#include "deploystop.h"

/* Bits of ds_json_map's return value. */
#define DS_JSON_VALID 1u     /* one well-formed object (fields copied) */
#define DS_JSON_ID_OK 2u     /* result.id equals the record id */
#define DS_JSON_TASK_OK 4u   /* result.task_id equals the task id */
#define DS_JSON_ID_BAD 8u    /* result.id or result.task_id differs */

/*
 * Tokenize `js` (`len` bytes, need not be NUL-terminated) into `tok`
 * (`ntok` slots) and check that it is exactly one JSON object with proper
 * key/value pairing (jsmn alone accepts {"a"}, {"a":1,} or {}{}).
 * When valid, copies (decoded, truncated at a character boundary,
 * NUL-terminated) into `res`: status; the error code and message (top-level
 * error_code/error_msg, else code/message, else the first nested object
 * holding them); request_id when res->request_id is still empty. Compares
 * result.id / result.task_id with `record_id` / `task_id`.
 * Returns 0 (not valid JSON of that shape) or DS_JSON_* bits.
 */
unsigned ds_json_map(const char *js, size_t len, ds_json_slot_t *tok,
                     unsigned ntok, const char *task_id,
                     const char *record_id, ds_result_t *res);

/* Decode the JSON string token `t` of `js` into `out` (capacity `cap` > 0,
 * NUL-terminated, cut before a character that does not fit). */
void ds_json_string(const char *js, const ds_json_slot_t *t, char *out,
                    size_t cap);

#endif /* DS_JSON_MAP_H */
