/**
 * Loop recording, Handmade Hero style, as a use of the runner's history (history.ts / libkiln's history.c):
 * "record" marks the newest kept frame, "play" marks the newest again and replays the stretch between them
 * in a loop — seek back to the first mark, re-run each recorded frame's input with the code loaded now —
 * while the user edits code, so every save is seen on the same moment of play.
 */

export type InputEvent =
  | { kind: 'key'; key: number; down: boolean }
  | { kind: 'mouse'; x: number; y: number; buttons: number }
  | { kind: 'pad'; pad: number; connected: boolean; buttons: number; axes: number[] };

export interface LoopHost {
  /** The newest frame the history keeps, or null when it keeps none (history off). */
  newestFrame(): number | null;
  /** The frame the game shows now. */
  shownFrame(): number;
  /** Puts the game back to the end of `frame` and draws it; an error text when it cannot (evicted, layout changed). */
  seek(frame: number): string | undefined;
  /** Runs the recorded frame after the shown one with the code loaded now; an error text when it cannot. */
  replayNext(): string | undefined;
}

const MAX_SECONDS = 60; // a recording stops itself and loops after a minute

export class LoopRecorder {
  private start: number | null = null;
  private end = 0;
  private recordedSeconds = 0;
  private recordedFrames = 0;
  state: 'off' | 'recording' | 'replaying' = 'off';

  constructor(private readonly host: LoopHost) {}

  get seconds(): number {
    return this.recordedSeconds;
  }

  record(): void {
    const newest = this.host.newestFrame();
    if (newest === null) throw new Error('the history is off (kiln.json "history": { "memoryMb": 0 }), so nothing can be recorded');
    this.start = newest;
    this.recordedSeconds = 0;
    this.recordedFrames = 0;
    this.state = 'recording';
  }

  play(): void {
    if (this.start === null || (this.state === 'recording' && this.recordedFrames === 0)) {
      throw new Error('nothing recorded yet — record a few seconds of play first');
    }
    if (this.state === 'recording') this.end = this.host.newestFrame() ?? this.start;
    this.state = 'replaying';
    this.rewind();
  }

  stop(): void {
    this.state = 'off';
  }

  /** Live input: ignored while replaying (the loop owns the input). Returns whether to apply it now. */
  onLiveInput(_input: InputEvent): boolean {
    return this.state !== 'replaying';
  }

  /**
   * Called for each frame with the live dt. Returns true when the loop ran (or showed) the frame itself, false
   * when the caller runs a live frame. Throws when the loop cannot go on (the caller stops it).
   */
  tick(liveDt: number): boolean {
    if (this.state === 'recording') {
      this.recordedFrames += 1;
      this.recordedSeconds += liveDt;
      if (this.recordedSeconds < MAX_SECONDS) return false;
      this.play();
      return true;
    }
    if (this.state !== 'replaying') return false;
    if (this.host.shownFrame() >= this.end) this.rewind();
    else {
      const error = this.host.replayNext();
      if (error) throw new Error(error);
    }
    return true;
  }

  private rewind(): void {
    const error = this.host.seek(this.start!);
    if (error) throw new Error(error);
  }
}
