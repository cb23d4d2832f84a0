/**
 * The names an ELF file defines for others to use: the global and weak symbols of a relocatable object's
 * .symtab or a shared library's .dynsym that are not undefined. A split build (incremental-build.ts) links one
 * unit against a library of the others only when the two define no name in common: the one link of every object
 * would refuse a name defined twice (or pick one by rules the dynamic loader does not follow), so such a save
 * gets that link instead. ELF64 little-endian only (x86-64 and aarch64 Linux): anything else answers null.
 */
const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const STB_GLOBAL = 1;
const STB_WEAK = 2;
const SHN_UNDEF = 0;

/** Defined global and weak names of `file`'s symbol table (`table`), or null when it is not an ELF64 LE file. */
export function definedSymbols(file: Buffer, table: 'symtab' | 'dynsym'): Set<string> | null {
  if (file.length < 64 || file.readUInt32BE(0) !== 0x7f454c46 || file[4] !== 2 || file[5] !== 1) return null;
  const shoff = Number(file.readBigUInt64LE(0x28));
  const shentsize = file.readUInt16LE(0x3a);
  const shnum = file.readUInt16LE(0x3c);
  if (shentsize < 64 || shoff + shnum * shentsize > file.length) return null;
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return {
      type: file.readUInt32LE(at + 4),
      offset: Number(file.readBigUInt64LE(at + 0x18)),
      size: Number(file.readBigUInt64LE(at + 0x20)),
      link: file.readUInt32LE(at + 0x28),
      entsize: Number(file.readBigUInt64LE(at + 0x38)),
    };
  };
  const wanted = table === 'symtab' ? SHT_SYMTAB : SHT_DYNSYM;
  const names = new Set<string>();
  for (let i = 0; i < shnum; i++) {
    const sym = section(i);
    if (sym.type !== wanted) continue;
    if (sym.link >= shnum || sym.entsize < 24 || sym.offset + sym.size > file.length) return null;
    const str = section(sym.link);
    if (str.offset + str.size > file.length) return null;
    for (let at = sym.offset; at + 24 <= sym.offset + sym.size; at += sym.entsize) {
      const bind = file[at + 4] >> 4;
      const shndx = file.readUInt16LE(at + 6);
      if ((bind !== STB_GLOBAL && bind !== STB_WEAK) || shndx === SHN_UNDEF) continue;
      const start = str.offset + file.readUInt32LE(at);
      const end = file.indexOf(0, start);
      if (start >= str.offset + str.size || end < 0) return null;
      const name = file.toString('latin1', start, end);
      if (name) names.add(name);
    }
  }
  return names;
}
