/* inspect.c — the state inspector's side of libkiln: read every plugin's state block with its field table, and
   write one field element between two frames (committed at once, logged). Both hold rt->lock, the lock kiln_frame
   holds for a whole frame, so the inspector never sees nor makes half a frame. */
#include <float.h>
#include <stdarg.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runtime_internal.h"
#include "commit.h"
#include "world.h"

_Static_assert(sizeof(kiln_state_field) == sizeof(kiln_field_rec), "kiln_state_field mirrors kiln_field_rec");

/* The type's name and what it takes, for refusals. */
static const char *type_says(uint32_t type) {
    switch (type) {
    case KILN_I32: return "an i32 (a whole number from -2147483648 to 2147483647)";
    case KILN_U32: return "a u32 (a whole number from 0 to 4294967295)";
    case KILN_F32: return "an f32 (a number up to 3.4e38)";
    case KILN_F64: return "an f64 (a number)";
    case KILN_I64: return "an i64 (a whole number from -9223372036854775808 to 9223372036854775807)";
    case KILN_U8: return "a u8 (a whole number from 0 to 255)";
    case KILN_BOOL: return "a bool (true or false)";
    default: return "of an unknown type";
    }
}

int32_t kiln_state_plugin_count(kiln_runtime *rt) {
    if (!rt) return KILN_ERR_INVALID;
    pthread_mutex_lock(&rt->lock);
    int32_t n = rt->nslots - (rt->world ? 1 : 0); /* the world has its own inspector (kiln_world_*) */
    pthread_mutex_unlock(&rt->lock);
    return n;
}

int32_t kiln_state_read(kiln_runtime *rt, int32_t index, kiln_state_info *info, kiln_state_field *fields,
                        int32_t field_cap, uint8_t *bytes, int32_t byte_cap) {
    if (!rt || !info || field_cap < 0 || byte_cap < 0) return KILN_ERR_INVALID;
    if (kiln_plat_in_guarded_call()) { kiln__set_error(rt, "kiln_state_read was called from inside a plugin callback."); return KILN_ERR_INVALID; }
    memset(info, 0, sizeof *info);
    pthread_mutex_lock(&rt->lock);
    if (index < 0 || index >= rt->nslots) {
        pthread_mutex_unlock(&rt->lock);
        return KILN_ERR_NOT_FOUND;
    }
    const kiln_slot *s = NULL;
    for (int k = 0, seen = 0; k < rt->nslots && !s; k++)
        if (!(rt->world && strcmp(rt->slots[k]->name, KILN_WORLD_SLOT) == 0) && seen++ == index) s = rt->slots[k];
    if (!s) { pthread_mutex_unlock(&rt->lock); return KILN_ERR_NOT_FOUND; }
    snprintf(info->plugin, sizeof info->plugin, "%s", s->name);
    info->version = s->current ? s->current->version : 0;
    info->paused = s->paused;
    info->state_size = s->state ? s->state_size : 0;
    info->state_version = s->state_version;
    info->field_count = s->fields ? s->field_count : 0;
    info->layout_hash = s->layout_hash;
    info->frame = rt->frame_count;
    int32_t rc = KILN_OK;
    if ((uint64_t)field_cap < info->field_count || (uint64_t)byte_cap < info->state_size ||
        (info->field_count && !fields) || (info->state_size && !bytes)) {
        rc = KILN_ERR_INVALID; /* the caller grows its buffers to what *info says and calls again */
    } else {
        if (info->field_count) memcpy(fields, s->fields, sizeof *fields * info->field_count);
        if (info->state_size) memcpy(bytes, s->state, info->state_size);
    }
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

/* The element as a number (bool 0/1). */
static double load_elem(const uint8_t *p, uint32_t type) {
    switch (type) {
    case KILN_I32: { int32_t v; memcpy(&v, p, 4); return v; }
    case KILN_U32: { uint32_t v; memcpy(&v, p, 4); return v; }
    case KILN_F32: { float v; memcpy(&v, p, 4); return v; }
    case KILN_F64: { double v; memcpy(&v, p, 8); return v; }
    case KILN_I64: { int64_t v; memcpy(&v, p, 8); return (double)v; }
    case KILN_U8: return *p;
    case KILN_BOOL: return *p != 0;
    default: return 0;
    }
}

/* The element as the log shows it: ints exact, f32 to 7 significant digits, f64 to 15, bools as words. */
static void format_elem(const uint8_t *p, uint32_t type, char *out, size_t len) {
    switch (type) {
    case KILN_I64: { int64_t v; memcpy(&v, p, 8); snprintf(out, len, "%" PRId64, v); break; }
    case KILN_F32: { float v; memcpy(&v, p, 4); snprintf(out, len, "%.7g", (double)v); break; }
    case KILN_F64: { double v; memcpy(&v, p, 8); snprintf(out, len, "%.15g", v); break; }
    case KILN_BOOL: snprintf(out, len, "%s", *p ? "true" : "false"); break;
    default: snprintf(out, len, "%.0f", load_elem(p, type)); break;
    }
}

/* Encodes *v as `type` into out (kiln__field_type_size bytes), or fills why and returns -1. */
static int encode(const kiln_state_value *v, uint32_t type, uint8_t *out, char *why, size_t why_len) {
    if (v->kind == KILN_VALUE_BOOL) {
        if (type != KILN_BOOL) { snprintf(why, why_len, "true/false fits only a bool field"); return -1; }
        if (v->i != 0 && v->i != 1) { snprintf(why, why_len, "a bool is true or false"); return -1; }
        *out = (uint8_t)v->i;
        return 0;
    }
    int is_int = v->kind == KILN_VALUE_INT;
    if (!is_int && v->kind != KILN_VALUE_FLOAT) { snprintf(why, why_len, "unknown value kind %d", (int)v->kind); return -1; }
    double f = is_int ? (double)v->i : v->f;
    char shown[64];
    if (is_int) snprintf(shown, sizeof shown, "%" PRId64, v->i);
    else snprintf(shown, sizeof shown, "%.17g", v->f);
    if (!is_int && !isfinite(f)) { snprintf(why, why_len, "%s is not a finite number", shown); return -1; }
    if (type == KILN_F32) {
        if (fabs(f) > FLT_MAX) { snprintf(why, why_len, "%s does not fit an f32 (at most 3.4e38)", shown); return -1; }
        float x = (float)f;
        memcpy(out, &x, 4);
        return 0;
    }
    if (type == KILN_F64) { memcpy(out, &f, 8); return 0; }
    /* whole-number types from here */
    if (!is_int && f != trunc(f)) { snprintf(why, why_len, "%s is not a whole number", shown); return -1; }
    int64_t i;
    if (is_int) i = v->i;
    else if (f >= -9223372036854775808.0 && f < 9223372036854775808.0) i = (int64_t)f;
    else { snprintf(why, why_len, "%s does not fit %s", shown, type_says(type)); return -1; }
    switch (type) {
    case KILN_I32:
        if (i < INT32_MIN || i > INT32_MAX) break;
        { int32_t x = (int32_t)i; memcpy(out, &x, 4); } return 0;
    case KILN_U32:
        if (i < 0 || i > (int64_t)UINT32_MAX) break;
        { uint32_t x = (uint32_t)i; memcpy(out, &x, 4); } return 0;
    case KILN_I64: memcpy(out, &i, 8); return 0;
    case KILN_U8:
        if (i < 0 || i > 255) break;
        *out = (uint8_t)i; return 0;
    case KILN_BOOL:
        if (i != 0 && i != 1) break;
        *out = (uint8_t)i; return 0;
    default: snprintf(why, why_len, "the field's type (%u) is unknown", (unsigned)type); return -1;
    }
    snprintf(why, why_len, "%s does not fit %s", shown, type_says(type));
    return -1;
}

static int32_t refuse(kiln_runtime *rt, kiln_state_write_result *out, int32_t code, const char *fmt, ...)
    __attribute__((format(KILN_PRINTF_FMT, 4, 5)));
static int32_t refuse(kiln_runtime *rt, kiln_state_write_result *out, int32_t code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->error, sizeof out->error, fmt, ap);
    va_end(ap);
    out->code = code;
    if (rt) kiln__set_error(rt, "%s", out->error);
    return code;
}

int32_t kiln__field_write(kiln_runtime *rt, const char *what, const kiln_field_rec *fields, uint32_t n, uint8_t *block,
                          const char *field, uint32_t index, const kiln_state_value *value, kiln_state_write_result *out) {
    const kiln_field_rec *f = NULL;
    for (uint32_t k = 0; k < n && !f; k++)
        if (strncmp(fields[k].name, field, KILN_FIELD_NAME) == 0) f = &fields[k];
    if (!f) return refuse(rt, out, KILN_ERR_NOT_FOUND, "%s has no field \"%.47s\" in its KILN_FIELD table.", what, field);
    out->type = f->type;
    if (index >= f->count)
        return refuse(rt, out, KILN_ERR_INVALID, "%s.%s has %u element%s: index %u is past its end.", what, f->name,
                      (unsigned)f->count, f->count == 1 ? "" : "s", (unsigned)index);
    uint32_t size = kiln__field_type_size(f->type);
    uint8_t bytes[8];
    char why[300];
    if (!size || encode(value, f->type, bytes, why, sizeof why) != 0) {
        if (!size) snprintf(why, sizeof why, "the field's type (%u) is unknown", (unsigned)f->type);
        return refuse(rt, out, KILN_ERR_INVALID, "%s.%s is %s: %s.", what, f->name, type_says(f->type), why);
    }
    uint8_t *p = block + f->offset + (uint64_t)size * index; /* inside the block: checked when the table was copied */
    char was[64], now[64], name[80];
    format_elem(p, f->type, was, sizeof was);
    out->old_value = load_elem(p, f->type);
    memcpy(p, bytes, size);
    format_elem(p, f->type, now, sizeof now);
    out->new_value = load_elem(p, f->type);
    if (f->count > 1) snprintf(name, sizeof name, "%s[%u]", f->name, (unsigned)index);
    else snprintf(name, sizeof name, "%s", f->name);
    kiln__queue_messagef_from(rt, what, KILN_LOG_INFO, "%s.%s: %s \xe2\x86\x92 %s (inspector)", what, name, was, now);
    return out->code = KILN_OK;
}

int32_t kiln_state_write(kiln_runtime *rt, const char *plugin, const char *field, uint32_t index,
                         const kiln_state_value *value, kiln_state_write_result *out) {
    kiln_state_write_result scratch;
    if (!out) out = &scratch;
    memset(out, 0, sizeof *out);
    if (!rt || !plugin || !field || !value) return refuse(rt, out, KILN_ERR_INVALID, "kiln_state_write: a NULL argument.");
    if (kiln_plat_in_guarded_call()) return refuse(rt, out, KILN_ERR_INVALID, "kiln_state_write was called from inside a plugin callback.");
    pthread_mutex_lock(&rt->lock);
    kiln_slot *s = NULL;
    for (int k = 0; k < rt->nslots && !s; k++) if (strcmp(rt->slots[k]->name, plugin) == 0) s = rt->slots[k];
    int32_t rc;
    if (!s || !s->state || strcmp(s->name, KILN_WORLD_SLOT) == 0) {
        rc = refuse(rt, out, KILN_ERR_NOT_FOUND, "%.63s: no plugin of that name is loaded.", plugin);
    } else if (!s->fields || !s->field_count) {
        rc = refuse(rt, out, KILN_ERR_INVALID, "%s has no KILN_FIELD table, so its state cannot be edited by field: "
                    "describe the state struct with KILN_FIELD (see kiln.h) and save.", s->name);
    } else {
        rc = kiln__field_write(rt, s->name, s->fields, s->field_count, s->state, field, index, value, out);
        if (rc == KILN_OK) kiln__commit_now(rt, s, s->current ? s->current->version : 0); /* a runner that dies next comes back with it */
    }
    pthread_mutex_unlock(&rt->lock);
    return rc;
}
