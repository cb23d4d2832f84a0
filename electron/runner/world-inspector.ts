/**
 * The entity inspector in the runner: koffi bindings to libkiln's kiln_world_* calls (native/src/world.c) and
 * their records turned into the contract's WorldView / StateWriteResult. Called between two frames, like the
 * state inspector (libkiln takes the frame lock for each call).
 */
import koffi, { type LibraryHandle } from 'koffi';
import { WORLD_LIST_MAX, stateFieldTypes, type StateField, type StateWriteResult, type WorldComponent, type WorldEntity, type WorldMigration, type WorldView } from '../shared/contract';
import { fieldOf, nativeValue, type NativeStateField, type NativeWriteResult } from './state-inspector';

type KFunc = ReturnType<LibraryHandle['func']>;

/** struct kiln_world_component_info. */
interface NativeComponentInfo {
  name: string;
  owner: string;
  id: number;
  size: number;
  count: number;
  field_count: number;
}

const KILN_OK = 0;
const KILN_ERR_INVALID = -1;
const FIELDS_MAX = 256;
const FIELD_RECORD_BYTES = 64;

/** struct kiln_world_migration. */
interface NativeMigration {
  component: string;
  plugin: string;
  version: number;
  entities: number;
  kept: number;
  added: number;
  removed: number;
  converted: number;
  old_size: number;
  new_size: number;
  seconds: number;
  detail: string;
}

export interface WorldInspector {
  /** The migrations libkiln has recorded since the last call (the load just done), oldest first. */
  migrations(rt: unknown): WorldMigration[];
  read(rt: unknown, withComponent: number, selected: string | undefined): WorldView;
  write(rt: unknown, entity: string, component: number, field: string, index: number, value: number | boolean): StateWriteResult;
}

function entityOf(id: bigint, components: number[]): WorldEntity {
  return { id: id.toString(), index: Number(id & 0xffffffffn), generation: Number(id >> 32n), components };
}

/** The bindings, or undefined when this libkiln has no world. */
export function bindWorldInspector(lib: LibraryHandle): WorldInspector | undefined {
  let stats: KFunc, component: KFunc, entities: KFunc, readOne: KFunc, write: KFunc, poll: KFunc;
  let fieldType: ReturnType<typeof koffi.struct>;
  let migrationType: ReturnType<typeof koffi.struct>;
  try {
    fieldType = koffi.type('kiln_state_field') as ReturnType<typeof koffi.struct>; // declared by the state inspector
    koffi.struct('kiln_world_component_info', { name: koffi.array('char', 48), owner: koffi.array('char', 64), id: 'int32_t', size: 'uint32_t', count: 'uint32_t', field_count: 'uint32_t' });
    migrationType = koffi.struct('kiln_world_migration', {
      component: koffi.array('char', 48), plugin: koffi.array('char', 64), version: 'int32_t', entities: 'uint32_t', kept: 'uint32_t', added: 'uint32_t',
      removed: 'uint32_t', converted: 'uint32_t', old_size: 'uint32_t', new_size: 'uint32_t', seconds: 'double', detail: koffi.array('char', 464),
    });
    // Into a buffer, decoded only when a record came: every load polls until there is none (see libkiln.ts).
    poll = lib.func('int32_t kiln_world_poll_migration(kiln_runtime *rt, _Out_ uint8_t *out)');
    stats = lib.func('int32_t kiln_world_stats(kiln_runtime *rt, _Out_ uint32_t *entities, _Out_ uint32_t *components)');
    component = lib.func('int32_t kiln_world_component(kiln_runtime *rt, int32_t id, _Out_ kiln_world_component_info *info, _Out_ uint8_t *fields, int32_t field_cap)');
    entities = lib.func('int32_t kiln_world_entities(kiln_runtime *rt, int32_t with, uint32_t from_index, _Out_ uint64_t *ids, int32_t cap)');
    readOne = lib.func('int32_t kiln_world_read(kiln_runtime *rt, uint64_t entity, int32_t id, _Out_ uint8_t *bytes, int32_t cap)');
    write = lib.func('int32_t kiln_world_write(kiln_runtime *rt, uint64_t entity, int32_t id, const char *field, uint32_t index, const kiln_state_value *value, _Out_ kiln_state_write_result *out)');
  } catch {
    return undefined; // an older libkiln (or the state inspector's structs missing)
  }
  const fieldBuf = Buffer.alloc(FIELDS_MAX * FIELD_RECORD_BYTES);
  const migrationBuf = Buffer.alloc(koffi.sizeof(migrationType));
  const idBuf = new BigUint64Array(WORLD_LIST_MAX);
  let byteBuf = Buffer.alloc(4096);

  function components(rt: unknown): Array<WorldComponent & { records: NativeStateField[] }> {
    const nEnt = new Uint32Array(1);
    const nComp = new Uint32Array(1);
    stats(rt, nEnt, nComp);
    const out: Array<WorldComponent & { records: NativeStateField[] }> = [];
    for (let c = 0; c < nComp[0]; c++) {
      const info = {} as NativeComponentInfo;
      if ((component(rt, c, info, fieldBuf, FIELDS_MAX) as number) !== KILN_OK) continue;
      const records = info.field_count ? (koffi.decode(fieldBuf, fieldType, info.field_count) as NativeStateField[]) : [];
      const fields = records.map((f) => ({ name: f.name, type: stateFieldTypes[f.type - 1] ?? 'u8', offset: f.offset, count: f.count }));
      out.push({ id: c, name: info.name, owner: info.owner, size: info.size, count: info.count, fields, records });
    }
    return out;
  }

  /** The component's bytes on the entity, or null when it has none. */
  function bytesOf(rt: unknown, id: bigint, c: number, size: number): Buffer | null {
    if (size > byteBuf.length) byteBuf = Buffer.alloc(size);
    const rc = readOne(rt, id, c, byteBuf, byteBuf.length) as number;
    return rc > 0 ? byteBuf.subarray(0, rc) : null;
  }

  return {
    migrations(rt) {
      const out: WorldMigration[] = [];
      while ((poll(rt, migrationBuf) as number) === 1) {
        const m = koffi.decode(migrationBuf, migrationType) as NativeMigration;
        out.push({ component: m.component, plugin: m.plugin, version: m.version, entities: m.entities, kept: m.kept, added: m.added, removed: m.removed, converted: m.converted, oldSize: m.old_size, newSize: m.new_size, ms: Math.round(m.seconds * 1e6) / 1e3, detail: m.detail });
      }
      return out;
    },
    read(rt, withComponent, selected) {
      const comps = components(rt);
      const n = new Uint32Array(1);
      stats(rt, n, new Uint32Array(1));
      const matching = entities(rt, withComponent, 0, idBuf, WORLD_LIST_MAX) as number;
      const list: WorldEntity[] = [];
      for (let i = 0; i < Math.min(Math.max(matching, 0), WORLD_LIST_MAX); i++) {
        const id = idBuf[i];
        // membership: a read into no buffer is refused as too small (KILN_ERR_INVALID) exactly when the entity has it
        list.push(entityOf(id, comps.filter((c) => (readOne(rt, id, c.id, null, 0) as number) === KILN_ERR_INVALID).map((c) => c.id)));
      }
      let view: WorldView['selected'] = null;
      if (selected) {
        const id = BigInt(selected);
        const values: Array<{ component: number; fields: StateField[] }> = [];
        for (const c of comps) {
          const bytes = bytesOf(rt, id, c.id, c.size);
          if (!bytes) continue;
          const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          values.push({ component: c.id, fields: c.records.map((f) => fieldOf(f, dv)) });
        }
        if (values.length || list.some((e) => e.id === selected)) view = { ...entityOf(id, values.map((v) => v.component)), values };
      }
      return { entities: n[0], components: comps.map(({ records: _records, ...c }) => c), with: withComponent, matching: Math.max(matching, 0), list, selected: view };
    },
    write(rt, entity, componentId, field, index, value) {
      const out = {} as NativeWriteResult;
      write(rt, BigInt(entity), componentId, field, index, nativeValue(value), out);
      if (out.code !== KILN_OK) return { ok: false, reason: out.error || `the write failed with code ${out.code}` };
      const asStored = (v: number) => (stateFieldTypes[out.type - 1] === 'bool' ? v !== 0 : v);
      return { ok: true, plugin: entity, field, index, old: asStored(out.old_value), value: asStored(out.new_value) };
    },
  };
}
