/**
 * The game's sound, played with Web Audio (the same in Electron and the web shell). Frames bring the sound commands
 * the game asked for (contract SoundCommand); a file's bytes come from `read` (the editor's `sound.read` request, or
 * the web export's assets folder), are decoded with the browser's decodeAudioData and cached until `forget`.
 * sfx_tone is a tiny synth: an oscillator (square, triangle, sawtooth) or a noise buffer with a short envelope. One music track loops at a time.
 * The AudioContext starts on the first user gesture (Chromium's autoplay rule); muted or paused, it is suspended
 * (music keeps its place) and no new sounds start. The editor (GameSound.tsx) and the web export's player
 * (export-player/player.ts) both play through this class.
 */
import type { SoundCommand, SoundWave } from '../../../electron/shared/contract';

/** What was started in this page: tests and the benchmark read it (window.kilnSound). */
export interface SoundStats {
  /** Sources started: sound_play, sfx_tone and music_play together. */
  started: number;
  plays: number;
  tones: number;
  musics: number;
  /** Commands not started: muted, paused, before the first user gesture, or a file that failed. */
  skipped: number;
  /** Files that could not be read or decoded (the last reason in `lastError`). */
  errors: number;
  lastError: string;
  /** The music looping now (its path), or ''. */
  music: string;
  /** The AudioContext's state ('none' before the first gesture). */
  context: AudioContextState | 'none';
  /** Recent latencies, oldest first (up to 200): the runner took the commands from libkiln → the source started, ms. */
  latenciesMs: number[];
  /** Reads of sound files (a changed file is read again on its next play). */
  reads: number;
  /** Seconds of the sound_play buffer started last (tells which version of a file was heard). */
  lastSeconds: number;
}

export const emptySoundStats = (): SoundStats => ({ started: 0, plays: 0, tones: 0, musics: 0, skipped: 0, errors: 0, lastError: '', music: '', context: 'none', latenciesMs: [], reads: 0, lastSeconds: 0 });

const OSCILLATOR: Record<Exclude<SoundWave, 'noise'>, OscillatorType> = { square: 'square', triangle: 'triangle', saw: 'sawtooth' };
/** Raw square and saw waves are far louder than a recorded sound at the same volume. */
const TONE_GAIN = 0.3;
const ATTACK_S = 0.005;
const RELEASE_S = 0.02;
const MUSIC_FADE_S = 0.05;

export class SoundPlayer {
  private ctx: AudioContext | null = null;
  private master: GainNode | null = null;
  private noise: AudioBuffer | null = null;
  private readonly buffers = new Map<string, Promise<AudioBuffer | null>>();
  private music: { path: string; source: AudioBufferSourceNode; gain: GainNode } | null = null;
  /** The music asked for before the context could start: it begins with the first gesture. */
  private wantedMusic: { path: string; volume: number } | null = null;
  private muted = false;
  private paused = false;
  readonly stats = emptySoundStats();

  constructor(
    /** A sound file's bytes by its path relative to the project folder. */
    private readonly read: (path: string) => Promise<ArrayBuffer>,
    private readonly changed: (stats: SoundStats) => void,
  ) {}

  /** The first user gesture: now an AudioContext may start. */
  unlock(): void {
    if (!this.ctx) {
      this.ctx = new AudioContext({ latencyHint: 'interactive' });
      this.master = this.ctx.createGain();
      this.master.connect(this.ctx.destination);
      this.ctx.onstatechange = () => this.update();
      if (this.wantedMusic) void this.startMusic(this.wantedMusic.path, this.wantedMusic.volume, 0);
    }
    this.applyState();
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.applyState();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.applyState();
  }

  /** A file changed or went away on disk: its next play reads it again. */
  forget(path: string): void {
    this.buffers.delete(path);
  }

  /** A frame's commands; `at` is when the runner took them (epoch ms). */
  play(commands: SoundCommand[], at: number): void {
    for (const c of commands) {
      if (c.kind === 'music') {
        this.wantedMusic = { path: c.path, volume: c.volume };
        if (this.ctx) void this.startMusic(c.path, c.volume, at);
      } else if (c.kind === 'music-stop') {
        this.wantedMusic = null;
        this.stopMusic();
      } else if (!this.ctx || this.muted || this.paused || this.ctx.state !== 'running') {
        this.stats.skipped++; // a sound heard later than asked would be wrong: it is not kept for later
      } else if (c.kind === 'tone') {
        this.tone(c.hz, c.ms, c.wave, c.volume, at);
      } else {
        void this.once(c.path, c.volume, c.pan, at);
      }
    }
    this.update();
  }

  close(): void {
    void this.ctx?.close();
    this.ctx = null;
  }

  private applyState(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    if (this.muted || this.paused) void ctx.suspend().then(() => this.update());
    else void ctx.resume().then(() => this.update());
    this.update();
  }

  private update(): void {
    this.stats.context = this.ctx?.state ?? 'none';
    this.stats.music = this.music?.path ?? '';
    this.changed(this.stats);
  }

  private started(kind: 'plays' | 'tones' | 'musics', at: number): void {
    this.stats.started++;
    this.stats[kind]++;
    if (at > 0) {
      this.stats.latenciesMs.push(Math.round((performance.timeOrigin + performance.now() - at) * 1000) / 1000);
      if (this.stats.latenciesMs.length > 200) this.stats.latenciesMs.shift();
    }
  }

  private buffer(path: string): Promise<AudioBuffer | null> {
    let b = this.buffers.get(path);
    if (!b) {
      const ctx = this.ctx!;
      this.stats.reads++;
      b = this.read(path)
        .then((bytes) => ctx.decodeAudioData(bytes))
        .catch((err: Error) => {
          this.stats.errors++;
          this.stats.lastError = `${path}: ${err.message || err.name}`;
          console.warn(`kiln sound: ${this.stats.lastError}`);
          this.buffers.delete(path); // try again on the next play (the file may be fixed)
          return null;
        });
      this.buffers.set(path, b);
    }
    return b;
  }

  private async once(path: string, volume: number, pan: number, at: number): Promise<void> {
    const buffer = await this.buffer(path);
    const ctx = this.ctx;
    if (!buffer || !ctx || !this.master) {
      this.stats.skipped++;
      return this.update();
    }
    const source = new AudioBufferSourceNode(ctx, { buffer });
    const gain = new GainNode(ctx, { gain: volume });
    const panner = new StereoPannerNode(ctx, { pan });
    source.connect(gain).connect(panner).connect(this.master);
    source.start();
    this.stats.lastSeconds = Math.round(buffer.duration * 1000) / 1000;
    this.started('plays', at);
    this.update();
  }

  private tone(hz: number, ms: number, wave: SoundWave, volume: number, at: number): void {
    const ctx = this.ctx!;
    const t = ctx.currentTime;
    const end = t + ms / 1000;
    const gain = new GainNode(ctx, { gain: 0 });
    // A short attack and release: no click at either end, however short the tone.
    const peak = volume * TONE_GAIN;
    gain.gain.setValueAtTime(0, t);
    gain.gain.linearRampToValueAtTime(peak, t + Math.min(ATTACK_S, ms / 2000));
    gain.gain.setValueAtTime(peak, Math.max(t + Math.min(ATTACK_S, ms / 2000), end - RELEASE_S));
    gain.gain.linearRampToValueAtTime(0, end);
    let source: AudioScheduledSourceNode;
    if (wave === 'noise') {
      source = new AudioBufferSourceNode(ctx, { buffer: this.noiseBuffer(ctx), loop: true, playbackRate: Math.max(0.05, Math.min(4, hz / 1000)) });
    } else {
      source = new OscillatorNode(ctx, { type: OSCILLATOR[wave], frequency: hz });
    }
    source.connect(gain).connect(this.master!);
    source.start(t);
    source.stop(end + 0.01);
    this.started('tones', at);
  }

  /** One second of white noise, made once (deterministic: the same hit sounds the same). */
  private noiseBuffer(ctx: AudioContext): AudioBuffer {
    if (!this.noise) {
      this.noise = ctx.createBuffer(1, ctx.sampleRate, ctx.sampleRate);
      const data = this.noise.getChannelData(0);
      let seed = 0x2545f491;
      for (let i = 0; i < data.length; i++) {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        data[i] = ((seed >>> 0) / 0xffffffff) * 2 - 1;
      }
    }
    return this.noise;
  }

  private async startMusic(path: string, volume: number, at: number): Promise<void> {
    if (this.music?.path === path) {
      this.music.gain.gain.value = volume; // the same track asked again (every frame, say): keep it going
      return;
    }
    const buffer = await this.buffer(path);
    const ctx = this.ctx;
    if (!buffer || !ctx || !this.master || this.wantedMusic?.path !== path) return this.update();
    if (this.music?.path === path) return;
    this.stopMusic();
    const source = new AudioBufferSourceNode(ctx, { buffer, loop: true });
    const gain = new GainNode(ctx, { gain: volume });
    source.connect(gain).connect(this.master);
    source.start();
    this.music = { path, source, gain };
    this.started('musics', at);
    this.update();
  }

  private stopMusic(): void {
    const m = this.music;
    if (!m || !this.ctx) return;
    this.music = null;
    const t = this.ctx.currentTime;
    m.gain.gain.setValueAtTime(m.gain.gain.value, t);
    m.gain.gain.linearRampToValueAtTime(0, t + MUSIC_FADE_S);
    m.source.stop(t + MUSIC_FADE_S);
  }
}
