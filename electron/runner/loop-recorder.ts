/**
 * Loop recording, Handmade Hero style: snapshot the game, record every frame's input and dt, then
 * replay that stretch in a loop — restoring the snapshot each time round — while the user edits code,
 * so every save is seen on the same moment of play.
 */

export type InputEvent = { kind: 'key'; key: number; down: boolean } | { kind: 'mouse'; x: number; y: number; buttons: number };

interface RecordedFrame {
  dt: number;
  inputs: InputEvent[];
}

export interface LoopHost {
  snapshot(): Uint8Array;
  /** Throws with a reason when the snapshot no longer fits (a plugin's state layout changed). */
  restore(snapshot: Uint8Array): void;
  apply(input: InputEvent): void;
}

const MAX_FRAMES = 60 * 60; // a minute at 60 fps

export class LoopRecorder {
  private snapshotBytes: Uint8Array | null = null;
  private frames: RecordedFrame[] = [];
  private pendingInputs: InputEvent[] = [];
  private cursor = 0;
  state: 'off' | 'recording' | 'replaying' = 'off';

  constructor(private readonly host: LoopHost) {}

  get seconds(): number {
    return this.frames.reduce((s, f) => s + f.dt, 0);
  }

  record(): void {
    this.snapshotBytes = this.host.snapshot();
    this.frames = [];
    this.pendingInputs = [];
    this.state = 'recording';
  }

  play(): void {
    if (!this.snapshotBytes || (this.state === 'recording' && this.frames.length === 0)) {
      throw new Error('nothing recorded yet — record a few seconds of play first');
    }
    this.state = 'replaying';
    this.rewind();
  }

  stop(): void {
    this.state = 'off';
  }

  /** Live input: recorded while recording, ignored while replaying (the loop owns the input). Returns whether to apply it now. */
  onLiveInput(input: InputEvent): boolean {
    if (this.state === 'replaying') return false;
    if (this.state === 'recording') this.pendingInputs.push(input);
    return true;
  }

  /** Called before each frame with the live dt; returns the dt to run the frame with. */
  beforeFrame(liveDt: number): number {
    if (this.state === 'recording') {
      this.frames.push({ dt: liveDt, inputs: this.pendingInputs });
      this.pendingInputs = [];
      if (this.frames.length >= MAX_FRAMES) this.play();
      return liveDt;
    }
    if (this.state === 'replaying') {
      if (this.cursor >= this.frames.length) this.rewind();
      const frame = this.frames[this.cursor++];
      for (const input of frame.inputs) this.host.apply(input);
      return frame.dt;
    }
    return liveDt;
  }

  private rewind(): void {
    this.host.restore(this.snapshotBytes!);
    this.cursor = 0;
  }
}
