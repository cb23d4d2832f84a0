/**
 * The timeline in the runner: koffi bindings to libkiln's history (kiln_history_* in kiln_runtime.h) and the
 * contract's TimelineSession built from its kiln_history_info record plus the frames where crashes were rolled
 * back. libkiln owns the frames; this file only asks it and remembers crash frames.
 */
import koffi, { type LibraryHandle } from 'koffi';
import type { TimelineSession } from '../shared/contract';
import { emptyTimeline } from '../shared/contract';

/** struct kiln_history_info. */
export interface HistoryInfo {
  enabled: number;
  scrubbed: number;
  first: number;
  last: number;
  cursor: number;
  input_last: number;
  frames: number;
  keyframes: number;
  bytes: number;
  budget: number;
  raw_bytes: number;
  seconds: number;
  record_us: number;
  /** Frames a runner that died on this work dir left (taken in when the history was turned on); 0: none. */
  recovered: number;
  /** The last frame that runner completed: it died in the frame after. */
  recovered_last: number;
}

export interface NativeHistory {
  setBudget(rt: unknown, bytes: number): number;
  info(rt: unknown): HistoryInfo;
  seek(rt: unknown, frame: number): number;
  redraw(rt: unknown): number;
  replay(rt: unknown, to: number): number;
  step(rt: unknown, delta: number): number;
}

type KFunc = ReturnType<LibraryHandle['func']>;

/** The bindings, or undefined for a libkiln that predates the history. */
export function bindHistory(lib: LibraryHandle): NativeHistory | undefined {
  let get: KFunc;
  declareHistoryTypes();
  try {
    get = lib.func('int32_t kiln_history_get(kiln_runtime *rt, _Out_ kiln_history_info *out)');
  } catch {
    return undefined;
  }
  const u64 = ['first', 'last', 'cursor', 'input_last', 'bytes', 'budget', 'raw_bytes', 'recovered_last'] as const;
  return {
    setBudget: lib.func('int32_t kiln_history_set_budget(kiln_runtime *rt, uint64_t bytes)'),
    info(rt) {
      const out = {} as HistoryInfo;
      get(rt, out);
      for (const k of u64) out[k] = Number(out[k]); // koffi gives a BigInt past 2^53: frame numbers never get there
      return out;
    },
    seek: lib.func('int32_t kiln_history_seek(kiln_runtime *rt, uint64_t frame)'),
    redraw: lib.func('int32_t kiln_history_redraw(kiln_runtime *rt)'),
    replay: lib.func('int32_t kiln_history_replay(kiln_runtime *rt, uint64_t to)'),
    step: lib.func('int32_t kiln_history_step(kiln_runtime *rt, int32_t delta)'),
  };
}

let declared = false;
/** Declares struct kiln_history_info for koffi (once per process). */
function declareHistoryTypes(): void {
  if (declared) return;
  declared = true;
  koffi.struct('kiln_history_info', {
    enabled: 'int32_t',
    scrubbed: 'int32_t',
    first: 'uint64_t',
    last: 'uint64_t',
    cursor: 'uint64_t',
    input_last: 'uint64_t',
    frames: 'uint32_t',
    keyframes: 'uint32_t',
    bytes: 'uint64_t',
    budget: 'uint64_t',
    raw_bytes: 'uint64_t',
    seconds: 'double',
    record_us: 'double',
    recovered: 'uint32_t',
    reserved: 'uint32_t',
    recovered_last: 'uint64_t',
  });
}

const MAX_CRASH_MARKS = 64;

/** The runner's view of the history: what the timeline shows and the calls it makes. Errors come back as text. */
export class Timeline {
  private crashFrames: number[] = [];

  constructor(
    private readonly native: NativeHistory | undefined,
    private readonly rt: unknown,
    private readonly lastError: () => string,
  ) {}

  get available(): boolean {
    return !!this.native;
  }

  /** bytes 0 turns it off. */
  setBudget(bytes: number): string | undefined {
    if (!this.native) return bytes > 0 ? 'this libkiln has no history (rebuild it: npm run build:native); the timeline is off' : undefined;
    if (this.native.setBudget(this.rt, bytes) < 0) return this.lastError();
    const i = this.info();
    if (i?.recovered) this.noteCrash(i.recovered_last + 1); // the runner before this one died in that frame
    return undefined;
  }

  info(): HistoryInfo | undefined {
    return this.native?.info(this.rt);
  }

  /** A crash rolled back at this frame: a mark on the timeline. */
  noteCrash(frame: number): void {
    if (this.crashFrames.at(-1) === frame) return;
    this.crashFrames.push(frame);
    if (this.crashFrames.length > MAX_CRASH_MARKS) this.crashFrames.shift();
  }

  session(): TimelineSession {
    const i = this.info();
    if (!i || !i.enabled) return { ...emptyTimeline, crashes: [] };
    const kept = i.frames > 0;
    return {
      enabled: true,
      first: kept ? i.first : 0,
      last: kept ? i.last : 0,
      frames: i.frames,
      cursor: i.cursor,
      inputLast: i.input_last,
      scrubbed: i.scrubbed === 1,
      seconds: Math.round(i.seconds * 1000) / 1000,
      bytes: i.bytes,
      budgetBytes: i.budget,
      crashes: kept ? this.crashFrames.filter((f) => f >= i.first && f <= i.last) : [],
    };
  }

  seek(frame: number): string | undefined {
    return this.call((n, rt) => n.seek(rt, frame));
  }

  step(delta: number): string | undefined {
    return this.call((n, rt) => n.step(rt, delta));
  }

  /** Runs recorded input from the shown frame to the newest recorded one with the code loaded now. */
  replayToNow(): string | undefined {
    const i = this.info();
    if (!i || !i.enabled) return 'the history is off: nothing to replay';
    return this.call((n, rt) => n.replay(rt, i.input_last));
  }

  /** The next recorded frame after the shown one (loop replay). */
  replayNext(): string | undefined {
    const i = this.info();
    if (!i || !i.enabled) return 'the history is off: nothing to replay';
    if (i.cursor + 1 > i.input_last) return `no recorded input after frame ${i.cursor}`;
    return this.call((n, rt) => n.replay(rt, i.cursor + 1));
  }

  /** Draws the shown frame again with the code loaded now (no time passes). */
  redraw(): boolean {
    if (!this.native) return false;
    this.native.redraw(this.rt);
    return true;
  }

  private call(f: (n: NativeHistory, rt: unknown) => number): string | undefined {
    if (!this.native) return 'this libkiln has no history (rebuild it: npm run build:native)';
    const rc = f(this.native, this.rt);
    // KILN_ERR_CRASH (-7): the draw crashed and was rolled back; the crash record says so, the seek itself worked
    return rc < 0 && rc !== -7 ? this.lastError() || `history call failed with code ${rc}` : undefined;
  }
}
