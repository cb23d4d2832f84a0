/**
 * Renames symbols in a relocatable WebAssembly object (what `zig build-obj -target wasm32-wasi` writes). A Zig plugin
 * exports `kiln_plugin_entry` by its own `export fn`, which no -D can reach; the web export links every plugin into one
 * module, so each Zig plugin's entry (and KILN_SYSTEM) gets a name of its own here, in the object's symbol table
 * (the "linking" custom section, tool-conventions/Linking.md). Relocations name symbols by index, so nothing else moves.
 */

const SYMBOL_TABLE = 8; // WASM_SYMBOL_TABLE subsection of "linking"
const SYM_DATA = 1;
const SYM_SECTION = 3;
const SYM_UNDEFINED = 0x10;
const SYM_EXPLICIT_NAME = 0x40;

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
  ) {}
  u8(): number {
    return this.bytes[this.at++];
  }
  leb(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.bytes[this.at++];
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
    }
  }
  name(): string {
    const n = this.leb();
    const s = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const nameBytes = (s: string) => {
  const b = new TextEncoder().encode(s);
  return [...leb(b.length), ...b];
};

/** The symbol table subsection rewritten with `renames` applied (defined and undefined symbols alike). */
function renameInSymbolTable(body: Uint8Array, renames: Map<string, string>, found: Set<string>): number[] {
  const r = new Reader(body);
  const count = r.leb();
  const out = leb(count);
  for (let i = 0; i < count; i++) {
    const start = r.at;
    const kind = r.u8();
    const flags = r.leb();
    out.push(...body.subarray(start, r.at));
    if (kind === SYM_DATA) {
      const name = r.name();
      out.push(...nameBytes(renames.get(name) ?? name));
      if (renames.has(name)) found.add(name);
      if (!(flags & SYM_UNDEFINED)) {
        const from = r.at;
        r.leb(); r.leb(); r.leb(); // segment index, offset, size
        out.push(...body.subarray(from, r.at));
      }
    } else if (kind === SYM_SECTION) {
      const from = r.at;
      r.leb();
      out.push(...body.subarray(from, r.at));
    } else {
      const from = r.at;
      r.leb(); // function, global, tag or table index
      out.push(...body.subarray(from, r.at));
      if (!(flags & SYM_UNDEFINED) || flags & SYM_EXPLICIT_NAME) {
        const name = r.name();
        out.push(...nameBytes(renames.get(name) ?? name));
        if (renames.has(name)) found.add(name);
      }
    }
  }
  return out;
}

/**
 * The object with its symbols renamed (old name → new name), and the names it had of those asked. Throws on a file
 * that is not a relocatable WebAssembly object.
 */
export function renameWasmSymbols(object: Uint8Array, renames: Map<string, string>): { bytes: Uint8Array; renamed: string[] } {
  const r = new Reader(object, 8);
  if (object[0] !== 0 || object[1] !== 0x61 || object[2] !== 0x73 || object[3] !== 0x6d) throw new Error('not a WebAssembly file');
  const out: number[] = [...object.subarray(0, 8)];
  const found = new Set<string>();
  let linking = false;
  while (r.at < object.length) {
    const id = r.u8();
    const size = r.leb();
    const end = r.at + size;
    const nameStart = r.at;
    const section = id === 0 ? r.name() : '';
    if (section !== 'linking') {
      r.at = end;
      out.push(id, ...leb(size), ...object.subarray(nameStart, end));
      continue;
    }
    linking = true;
    const body = [...nameBytes('linking'), ...leb(r.leb())]; // version
    while (r.at < end) {
      const type = r.u8();
      const len = r.leb();
      const sub = object.subarray(r.at, r.at + len);
      r.at += len;
      const rewritten = type === SYMBOL_TABLE ? renameInSymbolTable(sub, renames, found) : [...sub];
      body.push(type, ...leb(rewritten.length), ...rewritten);
    }
    out.push(0, ...leb(body.length), ...body);
  }
  if (!linking) throw new Error('not a relocatable WebAssembly object (no "linking" section)');
  return { bytes: Uint8Array.from(out), renamed: [...found] };
}
