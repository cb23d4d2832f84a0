/**
 * Sound in the runner: koffi bindings to libkiln's sound table and command queue (kiln_sound_* in kiln_runtime.h)
 * and the contract's SoundCommand records built from its kiln_sound_command structs (a handle becomes the path the
 * table holds for it). libkiln owns the table; the editor plays the sounds.
 */
import koffi, { type LibraryHandle } from 'koffi';
import type { NativeSoundCommand } from '../shared/sound-command';

export { soundCommand, type NativeSoundCommand } from '../shared/sound-command';

export interface NativeSound {
  setEnabled(rt: unknown, on: number): void;
  /** Everything queued since the last poll, oldest first, and how many were dropped (queue full). */
  poll(rt: unknown): { commands: NativeSoundCommand[]; dropped: number };
  /** The path of a handle, or null when it is not in the table. */
  path(rt: unknown, sound: number): string | null;
}

type KFunc = ReturnType<LibraryHandle['func']>;
/** KILN_SOUND_QUEUE: one poll takes everything a frame can queue. */
const QUEUE = 64;

/** The bindings, or undefined for a libkiln that predates sound. */
export function bindSound(lib: LibraryHandle): NativeSound | undefined {
  let poll: KFunc;
  const command = koffi.struct('kiln_sound_command', {
    op: 'int32_t', sound: 'int32_t', wave: 'int32_t', ms: 'int32_t', volume: 'float', pan: 'float', hz: 'float', reserved: 'int32_t', frame: 'uint64_t',
  });
  koffi.struct('kiln_sound_info', { format: 'int32_t', reserved: 'int32_t', bytes: 'uint64_t', path: koffi.array('char', 256) });
  try {
    poll = lib.func('int32_t kiln_sound_poll(kiln_runtime *rt, _Out_ uint8_t *out, int32_t cap, _Out_ uint32_t *dropped)');
  } catch {
    return undefined;
  }
  const info = lib.func('int32_t kiln_sound_info_get(kiln_runtime *rt, int32_t sound, _Out_ kiln_sound_info *out)');
  const buf = Buffer.alloc(koffi.sizeof(command) * QUEUE);
  const dropped = new Uint32Array(1);
  return {
    setEnabled: lib.func('void kiln_sound_set_enabled(kiln_runtime *rt, int32_t on)'),
    poll(rt) {
      const n = poll(rt, buf, QUEUE, dropped) as number;
      const commands = n > 0 ? (koffi.decode(buf, koffi.array(command, n)) as NativeSoundCommand[]) : [];
      return { commands, dropped: dropped[0] };
    },
    path(rt, sound) {
      const out = {} as { path: string };
      return info(rt, sound, out) === 0 ? out.path : null;
    },
  };
}
