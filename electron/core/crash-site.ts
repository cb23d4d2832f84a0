/**
 * Where a plugin crashed: the runner's stack records (image + offset per entry) turned into source lines with
 * binutils' addr2line, which reads gcc/clang's DWARF and tcc's stabs alike, and the fault said in words.
 * Plugin frames are symbolized against the build output of the version that crashed (the runner's temp copy is
 * removed once the image is loaded; the offsets are the same in both files).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import type { CrashFrame, CrashRecord } from '../shared/contract';
import type { RunnerCrash } from './runner-protocol';

/** The fault in words: what the instruction did to which address, or why it stopped. */
export function faultWords(c: Pick<RunnerCrash, 'kind' | 'signal' | 'address' | 'access' | 'stackOverflow' | 'watchdogMs' | 'callback'>): string | undefined {
  if (c.kind === 'watchdog') return `still running after ${c.watchdogMs ?? '?'} ms: an endless loop? (the watchdog stopped ${c.callback})`;
  if (c.kind !== 'signal') return undefined;
  if (c.stackOverflow) return 'stack overflow: endless recursion, or a local array too large for the stack';
  const address = c.address ?? '0x0';
  const n = Number.parseInt(address, 16);
  const what = n === 0 ? 'a NULL pointer' : n < 65536 ? 'a NULL pointer plus an offset' : 'an address nothing is mapped at (or not allowed)';
  switch (c.signal) {
    case 'SIGSEGV':
    case 'SIGBUS': {
      if (c.access === 'execute') return `executing address ${address}: ${n === 0 ? 'a call through a NULL function pointer' : `jumping to ${what}`}`;
      if (c.access === 'write') return `writing address ${address}: ${what}`;
      if (c.access === 'read') return `reading address ${address}: ${what}`;
      return `touching address ${address}: ${what}`;
    }
    case 'SIGFPE':
      return 'an arithmetic fault: integer division by zero (or overflow)';
    case 'SIGILL':
      return 'an illegal instruction: __builtin_trap(), or a jump into data';
    case 'SIGABRT':
      return 'abort() was called: a failed assert, or libc found its heap corrupted';
    default:
      return undefined;
  }
}

/** The runner's stack as the contract's frames (not yet symbolized): plugin frames name `pluginImage`. */
export function crashFrames(c: RunnerCrash, pluginImage?: string): CrashFrame[] | undefined {
  return c.stack?.map((f) => ({
    image: f.inPlugin && !f.splitBase && pluginImage ? pluginImage : (f.image ?? '?'),
    offset: f.offset,
    ...(f.inPlugin ? { plugin: true } : {}),
    ...(f.splitBase ? { splitBase: true } : {}),
  }));
}

export interface SourceLine {
  function?: string;
  file?: string; // absolute, as the compiler recorded it
  line?: number;
}

const cache = new Map<string, SourceLine>();

/**
 * addr2line on `image` at each offset (hex). Return addresses (every entry but the faulting pc) are looked up one
 * byte back, at the call instruction, or a call at the end of a block would name the line after it.
 */
const execFileAsync = promisify(execFile);

/**
 * The preferred load address of a PE image (a Windows DLL), 0 for anything else. libkiln's offsets are from the
 * loaded base (an RVA on Windows), and addr2line takes a PE's addresses as ImageBase + RVA; an ELF .so's are the
 * offsets themselves.
 */
export function peImageBase(image: string): bigint {
  let fd = -1;
  try {
    fd = openSync(image, 'r');
    const head = Buffer.alloc(1024);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n < 0x40 || head.toString('latin1', 0, 2) !== 'MZ') return 0n;
    const pe = head.readUInt32LE(0x3c);
    if (pe + 24 + 32 > n || head.toString('latin1', pe, pe + 4) !== 'PE\0\0') return 0n;
    const opt = pe + 24; // after the signature and the COFF file header
    const magic = head.readUInt16LE(opt);
    if (magic === 0x20b) return head.readBigUInt64LE(opt + 24); // PE32+
    if (magic === 0x10b) return BigInt(head.readUInt32LE(opt + 28)); // PE32
    return 0n;
  } catch {
    return 0n;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

export async function addr2line(image: string, offsets: Array<{ offset: string; isReturn: boolean }>): Promise<SourceLine[]> {
  const base = peImageBase(image);
  const lookups = offsets.map((o) => `0x${(base + BigInt(Number.parseInt(o.offset, 16) - (o.isReturn ? 1 : 0))).toString(16)}`);
  const missing = lookups.filter((a) => !cache.has(`${image}@${a}`));
  if (missing.length && existsSync(image)) {
    let out = '';
    try {
      // Asynchronous: on a loaded machine one run takes over a second, and the back end's event loop carries frames.
      out = (await execFileAsync('addr2line', ['-f', '-C', '-e', image, ...missing], { encoding: 'utf8', timeout: 10_000 })).stdout;
    } catch {
      out = ''; // no binutils, or an image it cannot read: the record keeps image + offset
    }
    const lines = out.split('\n');
    missing.forEach((a, i) => {
      const fn = lines[2 * i]?.trim();
      const where = /^(.*):(\d+)(?: \(discriminator \d+\))?$/.exec(lines[2 * i + 1]?.trim() ?? '');
      const line = where ? Number(where[2]) : 0;
      cache.set(`${image}@${a}`, {
        function: fn && fn !== '??' ? fn : undefined,
        file: where && where[1] !== '??' && line > 0 ? where[1] : undefined,
        line: line > 0 ? line : undefined,
      });
    });
  }
  return lookups.map((a) => cache.get(`${image}@${a}`) ?? {});
}

/** The CrashRecord fields the runner's record gives without symbolizing: the raw stack, the access, the words. */
export function crashSiteFields(c: RunnerCrash): Pick<CrashRecord, 'stack' | 'access' | 'fault'> {
  const fault = faultWords(c);
  const stack = crashFrames(c);
  return { ...(stack?.length ? { stack } : {}), ...(c.access ? { access: c.access } : {}), ...(fault ? { fault } : {}) };
}

/**
 * `crash` with its plugin frames symbolized against `pluginImage` (the build output of the crashed version) and
 * file / line / function of the first plugin frame that has a line: the faulting line, or for a fault inside libc
 * or the host the plugin's call into it. `relative` maps an absolute source path to the project-relative one
 * (null: outside the project, kept absolute).
 */
export async function symbolizeCrash(crash: CrashRecord, pluginImage: string | undefined, relative: (abs: string) => string | null): Promise<CrashRecord> {
  if (!crash.stack?.length || !pluginImage) return crash;
  // The image's frames are read from its build output (the runner ran a temp copy); a split build's other units
  // were loaded from the build folder as they are, so their frames are read from that file.
  const stack = crash.stack.map((f) => (f.plugin && !f.splitBase ? { ...f, image: pluginImage } : { ...f }));
  const mine = stack.map((f, i) => ({ f, i })).filter(({ f }) => f.plugin);
  for (const image of new Set(mine.map(({ f }) => f.image))) {
    const ours = mine.filter(({ f }) => f.image === image);
    const found = await addr2line(image, ours.map(({ f, i }) => ({ offset: f.offset, isReturn: i > 0 })));
    ours.forEach(({ f }, k) => {
      const s = found[k];
      if (s.function) f.function = s.function;
      if (s.file) f.file = relative(s.file) ?? s.file;
      if (s.line) f.line = s.line;
    });
  }
  const top = stack.find((f) => f.plugin && f.line);
  return { ...crash, stack, ...(top ? { file: top.file, line: top.line, function: top.function } : {}) };
}
