/**
 * The state inspector in the runner: koffi bindings to kiln_state_read / kiln_state_write and their records
 * turned into the contract's GameState / StateWriteResult. Called between two frames (the runner's event loop
 * runs frames and messages one at a time; libkiln's frame lock makes it so for any caller).
 */
import koffi, { type LibraryHandle } from 'koffi';
import { STATE_HEX_MAX, STATE_VALUES_MAX, stateFieldTypes, type GameState, type PluginState, type StateField, type StateWriteResult } from '../shared/contract';

type KFunc = ReturnType<LibraryHandle['func']>;

/** struct kiln_state_info. */
interface NativeStateInfo {
  plugin: string;
  version: number;
  paused: number;
  state_size: number;
  state_version: number;
  field_count: number;
  layout_hash: number;
  frame: number;
}

/** struct kiln_state_field. */
export interface NativeStateField {
  name: string;
  type: number;
  offset: number;
  count: number;
}

export interface NativeWriteResult {
  code: number;
  type: number;
  old_value: number;
  new_value: number;
  error: string;
}

const KILN_OK = 0;
const KILN_ERR_INVALID = -1;
const KILN_VALUE_INT = 0;
const KILN_VALUE_FLOAT = 1;
const KILN_VALUE_BOOL = 2;
const FIELD_RECORD_BYTES = 64;

export interface StateInspector {
  read(rt: unknown): GameState;
  write(rt: unknown, plugin: string, field: string, index: number, value: number | boolean): StateWriteResult;
}

/** Bytes per element of each kiln_field_type (index = type - 1). */
const ELEMENT_BYTES = [4, 4, 4, 8, 8, 1, 1];

function elementAt(view: DataView, type: number, at: number): number | boolean {
  switch (type) {
    case 1: return view.getInt32(at, true);
    case 2: return view.getUint32(at, true);
    case 3: return view.getFloat32(at, true);
    case 4: return view.getFloat64(at, true);
    case 5: return Number(view.getBigInt64(at, true));
    case 6: return view.getUint8(at);
    default: return view.getUint8(at) !== 0;
  }
}

/** A field's values read out of the block (the field table was checked by libkiln to lie inside it). */
export function fieldOf(f: NativeStateField, view: DataView): StateField {
  const size = ELEMENT_BYTES[f.type - 1] ?? 1;
  const n = Math.min(f.count, STATE_VALUES_MAX);
  const values: Array<number | boolean> = [];
  for (let i = 0; i < n; i++) values.push(elementAt(view, f.type, f.offset + i * size));
  return { name: f.name, type: stateFieldTypes[f.type - 1] ?? 'u8', offset: f.offset, count: f.count, values: values as number[] | boolean[] };
}

/** struct kiln_state_value for a JSON value: a whole number goes as an integer (exact for an i64 up to 2^53), others as a float. */
export function nativeValue(value: number | boolean) {
  if (typeof value === 'boolean') return { kind: KILN_VALUE_BOOL, reserved: 0, i: value ? 1 : 0, f: 0 };
  return Number.isSafeInteger(value) ? { kind: KILN_VALUE_INT, reserved: 0, i: value, f: 0 } : { kind: KILN_VALUE_FLOAT, reserved: 0, i: 0, f: value };
}

/** The bindings, or undefined when this libkiln predates the state inspector. */
export function bindStateInspector(lib: LibraryHandle): StateInspector | undefined {
  let read: KFunc;
  let count: KFunc;
  let write: KFunc;
  let fieldType: ReturnType<typeof koffi.struct>;
  try {
    koffi.struct('kiln_state_info', {
      plugin: koffi.array('char', 64),
      version: 'int32_t',
      paused: 'int32_t',
      state_size: 'uint32_t',
      state_version: 'uint32_t',
      field_count: 'uint32_t',
      layout_hash: 'uint32_t',
      frame: 'uint64_t',
    });
    fieldType = koffi.struct('kiln_state_field', { name: koffi.array('char', 48), type: 'uint32_t', offset: 'uint32_t', count: 'uint32_t', reserved: 'uint32_t' });
    koffi.struct('kiln_state_value', { kind: 'int32_t', reserved: 'int32_t', i: 'int64_t', f: 'double' });
    koffi.struct('kiln_state_write_result', { code: 'int32_t', type: 'uint32_t', old_value: 'double', new_value: 'double', error: koffi.array('char', 512) });
    count = lib.func('int32_t kiln_state_plugin_count(kiln_runtime *rt)');
    read = lib.func('int32_t kiln_state_read(kiln_runtime *rt, int32_t index, _Out_ kiln_state_info *info, _Out_ uint8_t *fields, int32_t field_cap, _Out_ uint8_t *bytes, int32_t byte_cap)');
    write = lib.func('int32_t kiln_state_write(kiln_runtime *rt, const char *plugin, const char *field, uint32_t index, const kiln_state_value *value, _Out_ kiln_state_write_result *out)');
  } catch {
    return undefined; // koffi throws for a missing symbol: an older libkiln
  }
  // Grown to the largest table / block seen; reused by every read (10 a second while the inspector shows).
  let fieldBuf = Buffer.alloc(16 * FIELD_RECORD_BYTES);
  let byteBuf = Buffer.alloc(4096);

  function readPlugin(rt: unknown, index: number): { info: NativeStateInfo; state: PluginState } | null {
    for (let attempt = 0; attempt < 3; attempt++) {
      const info = {} as NativeStateInfo;
      const rc = read(rt, index, info, fieldBuf, fieldBuf.length / FIELD_RECORD_BYTES, byteBuf, byteBuf.length) as number;
      if (rc === KILN_ERR_INVALID) {
        // a table or block larger than the buffers: grow them and read again (a reload may have changed it)
        if (info.field_count * FIELD_RECORD_BYTES > fieldBuf.length) fieldBuf = Buffer.alloc(info.field_count * FIELD_RECORD_BYTES);
        if (info.state_size > byteBuf.length) byteBuf = Buffer.alloc(info.state_size);
        continue;
      }
      if (rc !== KILN_OK) return null;
      const bytes = byteBuf.subarray(0, info.state_size);
      const base: PluginState = { plugin: info.plugin, version: info.version, paused: info.paused === 1, size: info.state_size, stateVersion: info.state_version, fields: null };
      if (!info.field_count) return { info, state: { ...base, hex: bytes.subarray(0, STATE_HEX_MAX).toString('hex') } };
      const records = koffi.decode(fieldBuf, fieldType, info.field_count) as NativeStateField[];
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return { info, state: { ...base, fields: records.map((f) => fieldOf(f, view)) } };
    }
    return null;
  }

  return {
    read(rt) {
      const plugins: PluginState[] = [];
      let frame = 0;
      const n = count(rt) as number;
      for (let i = 0; i < n; i++) {
        const r = readPlugin(rt, i);
        if (!r) continue;
        frame = Math.max(frame, Number(r.info.frame));
        plugins.push(r.state);
      }
      return { frame, plugins };
    },
    write(rt, plugin, field, index, value) {
      const out = {} as NativeWriteResult;
      write(rt, plugin, field, index, nativeValue(value), out);
      if (out.code !== KILN_OK) return { ok: false, reason: out.error || `the write failed with code ${out.code}` };
      const asStored = (v: number) => (stateFieldTypes[out.type - 1] === 'bool' ? v !== 0 : v);
      return { ok: true, plugin, field, index, old: asStored(out.old_value), value: asStored(out.new_value) };
    },
  };
}
