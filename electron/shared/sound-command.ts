/**
 * libkiln's sound commands (struct kiln_sound_command, kiln_runtime.h) as the contract's SoundCommand records: the
 * runner builds them from kiln_sound_poll, the web export's player from the same structs in the game's memory
 * (native/web/host_web.c). Node-free, so both may import it.
 */
import type { SoundCommand } from './contract';

/** sfx_tone's waves, in the order of kiln.h's SFX_SQUARE, SFX_TRIANGLE, SFX_SAW, SFX_NOISE. */
export const soundWaves = ['square', 'triangle', 'saw', 'noise'] as const;
export type SoundWave = (typeof soundWaves)[number];

/** struct kiln_sound_command. */
export interface NativeSoundCommand {
  op: number;
  sound: number;
  wave: number;
  ms: number;
  volume: number;
  pan: number;
  hz: number;
  frame: number;
}

/** kiln_sound_op */
const OP_PLAY = 1;
const OP_MUSIC = 2;
const OP_MUSIC_STOP = 3;
const OP_TONE = 4;
/** sizeof(struct kiln_sound_command): op, sound, wave, ms, volume, pan, hz, reserved (4 bytes each), frame (8). */
export const SOUND_COMMAND_BYTES = 40;

/** kiln_sound_command -> the contract's record; null for one this reader does not know (a newer libkiln). */
export function soundCommand(c: NativeSoundCommand, pathOf: (sound: number) => string | null): SoundCommand | null {
  const round = (v: number) => Math.round(v * 1000) / 1000; // float32 noise out of the JSON
  if (c.op === OP_MUSIC_STOP) return { kind: 'music-stop' };
  if (c.op === OP_TONE) {
    const wave = soundWaves[c.wave];
    return wave ? { kind: 'tone', hz: round(c.hz), ms: c.ms, wave, volume: round(c.volume) } : null;
  }
  if (c.op !== OP_PLAY && c.op !== OP_MUSIC) return null;
  const path = pathOf(c.sound);
  if (!path) return null;
  return c.op === OP_PLAY ? { kind: 'play', path, volume: round(c.volume), pan: round(c.pan) } : { kind: 'music', path, volume: round(c.volume) };
}

/** The kiln_sound_command structs at `at` in a little-endian memory (a WebAssembly game's). */
export function readSoundCommands(view: DataView, at: number, count: number): NativeSoundCommand[] {
  const out: NativeSoundCommand[] = [];
  for (let i = 0, p = at; i < count; i++, p += SOUND_COMMAND_BYTES) {
    out.push({
      op: view.getInt32(p, true), sound: view.getInt32(p + 4, true), wave: view.getInt32(p + 8, true), ms: view.getInt32(p + 12, true),
      volume: view.getFloat32(p + 16, true), pan: view.getFloat32(p + 20, true), hz: view.getFloat32(p + 24, true),
      frame: Number(view.getBigUint64(p + 32, true)),
    });
  }
  return out;
}
