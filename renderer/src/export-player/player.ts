/**
 * kiln-web.js — plays an exported game in a browser (the web export's index.html loads it; no framework).
 * The game is one WebAssembly module: the plugins + native/web/host_web.c + draw.c. This file gives it input
 * (the editor's key mapping), time in fixed 1/60 s steps, a canvas at the project's size scaled by whole
 * numbers (crisp pixels), a click-to-focus overlay, sound through the editor's Web Audio player, and the few WASI
 * calls wasi-libc makes.
 */
import { keyCodeFromDom } from '../../../electron/shared/keys';
import { readSoundCommands, soundCommand } from '../../../electron/shared/sound-command';
import { SoundPlayer } from '../audio/player';

interface GameConfig {
  name: string;
  width: number;
  height: number;
  seed: number;
  wasm: string;
  /** The project's files copied to assets/ (paths relative to the project folder), for image_load. */
  assets: string[];
}

interface GameExports {
  memory: WebAssembly.Memory;
  _initialize?: () => void;
  kiln_web_start(width: number, height: number, seed: number): number;
  kiln_web_frame(dt: number): void;
  kiln_web_stop_current(): number;
  kiln_web_set_key(key: number, down: number): void;
  kiln_web_set_mouse(x: number, y: number, buttons: number): void;
  kiln_web_framebuffer(): number;
  kiln_web_plugin_name(i: number): number;
  kiln_web_set_pad(pad: number, connected: number, buttons: number, lx: number, ly: number, rx: number, ry: number): void;
  kiln_web_alloc(n: number): number;
  kiln_web_add_file(path: number, bytes: number, len: number): number;
  kiln_web_sounds(): number;
  kiln_web_sound_count(): number;
  kiln_web_sounds_taken(): number;
  kiln_web_sound_path(sound: number): number;
}

/** The step the runner's fixed-step replays use; the same every machine, so frames repeat. */
const STEP = 1 / 60;
/** A tab that was in the background does not fast-forward the game: at most this many steps per display frame. */
const MAX_STEPS = 4;
const WASI_ENOSYS = 52;
const WASI_EBADF = 8;

const config: GameConfig = JSON.parse(document.getElementById('kiln-game')!.textContent!);
const canvas = document.getElementById('kiln-canvas') as HTMLCanvasElement;
const overlay = document.getElementById('kiln-overlay') as HTMLElement;
const errorBox = document.getElementById('kiln-error') as HTMLElement;
const ctx = canvas.getContext('2d')!;
canvas.width = config.width;
canvas.height = config.height;

let game: GameExports;
let frame = 0;
const assetUrl = (file: string) => `assets/${file.split('/').map(encodeURIComponent).join('/')}`;
/** The editor's player; the game's sound files are the export's assets. */
const sound = new SoundPlayer(
  async (file) => {
    const response = await fetch(assetUrl(file));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.arrayBuffer();
  },
  () => {},
);
const decoder = new TextDecoder();
const text = (ptr: number, len: number) => decoder.decode(new Uint8Array(game.memory.buffer, ptr, len));
const cString = (ptr: number) => {
  const bytes = new Uint8Array(game.memory.buffer, ptr);
  return decoder.decode(bytes.subarray(0, bytes.indexOf(0)));
};

function report(level: number, plugin: string, line: string): void {
  const out = level >= 2 ? console.error : level === 1 ? console.warn : console.log;
  out(plugin ? `[${plugin}] ${line}` : line);
}

/** printf/puts from a plugin: whole lines to the console, as the editor's game log takes them. */
const pending: Record<number, string> = { 1: '', 2: '' };
function fdWrite(fd: number, iovs: number, count: number, written: number): number {
  if (fd !== 1 && fd !== 2) return WASI_EBADF;
  const view = new DataView(game.memory.buffer);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const ptr = view.getUint32(iovs + i * 8, true);
    const len = view.getUint32(iovs + i * 8 + 4, true);
    pending[fd] += text(ptr, len);
    total += len;
  }
  const lines = pending[fd].split('\n');
  pending[fd] = lines.pop()!;
  for (const line of lines) report(fd === 2 ? 1 : 0, '', line);
  view.setUint32(written, total, true);
  return 0;
}

/** What wasi-libc asks of its host; anything else answers "not supported", which libc reports as an error. */
const wasi: Record<string, (...args: number[]) => number> = {
  fd_write: fdWrite,
  proc_exit: (code: number) => {
    throw new Error(`the game called exit(${code})`);
  },
  environ_sizes_get: (count: number, size: number) => {
    const view = new DataView(game.memory.buffer);
    view.setUint32(count, 0, true);
    view.setUint32(size, 0, true);
    return 0;
  },
  environ_get: () => 0,
  args_sizes_get: (count: number, size: number) => wasi.environ_sizes_get(count, size),
  args_get: () => 0,
  clock_time_get: (_id: number, _precision: bigint | number, out: number) => {
    new DataView(game.memory.buffer).setBigUint64(out, BigInt(Math.round(performance.now() * 1e6)), true);
    return 0;
  },
  random_get: (ptr: number, len: number) => {
    crypto.getRandomValues(new Uint8Array(game.memory.buffer, ptr, len));
    return 0;
  },
};
const wasiImports = new Proxy(wasi, { get: (t, name: string) => t[name] ?? (() => WASI_ENOSYS) });

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

/** One step of the game; a plugin that traps is named, stopped, and the others play on (the editor rolls back instead). */
function step(dt: number): void {
  try {
    game.kiln_web_frame(dt);
  } catch (err) {
    const i = game.kiln_web_stop_current();
    const plugin = i >= 0 ? cString(game.kiln_web_plugin_name(i)) : 'the game';
    report(2, plugin, `crashed and was stopped: ${(err as Error).message}`);
    showError(`${plugin} crashed and was stopped: ${(err as Error).message}`);
  }
  frame += 1;
  playSounds();
}

/** The step's sound commands (libkiln's kiln_sound_command structs, read from the game's memory) to the player. */
function playSounds(): void {
  const count = game.kiln_web_sound_count();
  if (!count) return;
  const taken = readSoundCommands(new DataView(game.memory.buffer), game.kiln_web_sounds(), count);
  const dropped = game.kiln_web_sounds_taken();
  if (dropped) report(1, '', `${dropped} sound commands were dropped (more than 64 in a frame)`);
  const pathOf = (handle: number) => cString(game.kiln_web_sound_path(handle)) || null;
  const commands = taken.map((c) => soundCommand(c, pathOf)).filter((c) => c !== null);
  sound.play(commands, performance.timeOrigin + performance.now());
}

function present(): void {
  const fb = game.kiln_web_framebuffer();
  const pixels = new Uint8ClampedArray(game.memory.buffer, fb, config.width * config.height * 4);
  ctx.putImageData(new ImageData(pixels.slice(), config.width, config.height), 0, 0);
}

/** The largest whole-number scale that fits the window: every game pixel is an equal square. */
function fit(): void {
  const scale = Math.max(1, Math.floor(Math.min(innerWidth / config.width, innerHeight / config.height)));
  canvas.style.width = `${config.width * scale}px`;
  canvas.style.height = `${config.height * scale}px`;
}

const held = new Set<number>();
function releaseAll(): void {
  for (const key of held) game.kiln_web_set_key(key, 0);
  held.clear();
}

function wireInput(): void {
  const onKey = (down: boolean) => (e: KeyboardEvent) => {
    const key = keyCodeFromDom(e.code);
    if (key === null) return;
    e.preventDefault(); // arrows and space would scroll the page
    if (down) held.add(key);
    else held.delete(key);
    game.kiln_web_set_key(key, down ? 1 : 0);
  };
  canvas.addEventListener('keydown', onKey(true));
  canvas.addEventListener('keyup', onKey(false));
  let buttons = 0;
  const onMouse = (e: MouseEvent) => {
    const r = canvas.getBoundingClientRect();
    const x = Math.floor(((e.clientX - r.left) * config.width) / r.width);
    const y = Math.floor(((e.clientY - r.top) * config.height) / r.height);
    // DOM bits: 1 left, 2 right, 4 middle: the same as MOUSE_LEFT/RIGHT/MIDDLE
    buttons = e.buttons & 7;
    game.kiln_web_set_mouse(x, y, buttons);
  };
  for (const type of ['mousemove', 'mousedown', 'mouseup'] as const) canvas.addEventListener(type, onMouse);
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener('blur', () => {
    releaseAll(); // keys held while focus leaves would stay down forever
    overlay.hidden = false;
  });
  overlay.addEventListener('click', () => {
    overlay.hidden = true;
    sound.unlock(); // the click is the gesture Chromium's autoplay rule asks for
    canvas.focus();
  });
}

/** The asset files, fetched before the game starts: image_load() is synchronous in the plugin. */
async function loadAssets(): Promise<void> {
  const encoder = new TextEncoder();
  const copyIn = (bytes: Uint8Array) => {
    const ptr = game.kiln_web_alloc(bytes.length);
    new Uint8Array(game.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  };
  for (const file of config.assets ?? []) {
    const response = await fetch(assetUrl(file));
    if (!response.ok) continue; // image_load then says the file is missing
    const bytes = new Uint8Array(await response.arrayBuffer());
    game.kiln_web_add_file(copyIn(encoder.encode(`${file}\0`)), copyIn(bytes), bytes.length);
  }
}

/** Pads 0-3 in the W3C "standard" mapping, read once per display frame, as the editor reads them. */
const PAD_COUNT = 4;
const PAD_BUTTONS = 17;
function pollPads(): void {
  const pads = typeof navigator.getGamepads === 'function' ? navigator.getGamepads() : [];
  for (let p = 0; p < PAD_COUNT; p++) {
    const gp = pads[p];
    if (!gp?.connected || document.activeElement !== canvas) {
      game.kiln_web_set_pad(p, 0, 0, 0, 0, 0, 0);
      continue;
    }
    let bits = 0;
    gp.buttons.slice(0, PAD_BUTTONS).forEach((b, i) => (bits |= b.pressed ? 1 << i : 0));
    const axis = (i: number) => Math.max(-1, Math.min(1, gp.axes[i] ?? 0));
    game.kiln_web_set_pad(p, 1, bits >>> 0, axis(0), axis(1), axis(2), axis(3));
  }
}

function run(): void {
  let last = performance.now();
  let owed = 0;
  const tick = (now: number) => {
    owed = Math.min(owed + (now - last) / 1000, MAX_STEPS * STEP);
    last = now;
    pollPads();
    while (owed >= STEP) {
      step(STEP);
      owed -= STEP;
    }
    present();
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

async function main(): Promise<void> {
  document.title = config.name;
  fit();
  addEventListener('resize', fit);
  const response = await fetch(config.wasm);
  if (!response.ok) throw new Error(`could not load ${config.wasm}: HTTP ${response.status} (serve the export folder with a web server)`);
  const logImport = (level: number, plugin: number, pluginLen: number, msg: number, len: number) =>
    report(level, text(plugin, pluginLen), text(msg, len));
  const { instance } = await WebAssembly.instantiate(await response.arrayBuffer(), {
    wasi_snapshot_preview1: wasiImports,
    kiln: { log: logImport },
  });
  game = instance.exports as unknown as GameExports;
  game._initialize?.();
  const seed = Number(new URLSearchParams(location.search).get('seed') ?? config.seed) >>> 0;
  await loadAssets();
  if (game.kiln_web_start(config.width, config.height, seed) < 0) throw new Error('the game ran out of memory while starting');
  wireInput();
  present();
  // For automated checks: ?manual stops the clock; steps, input and pixels are driven from outside.
  // the player's counters, as the editor shows them (window.kilnSound): for automated checks
  (window as unknown as { kilnSound: object }).kilnSound = sound.stats;
  (window as unknown as { kilnGame: object }).kilnGame = {
    step: (n = 1, dt = STEP) => {
      for (let i = 0; i < n; i++) step(dt);
      present();
      return frame;
    },
    setKey: (key: number, down: boolean) => game.kiln_web_set_key(key, down ? 1 : 0),
    pixels: () => Array.from(new Uint8Array(game.memory.buffer, game.kiln_web_framebuffer(), config.width * config.height * 4)),
    frame: () => frame,
  };
  if (!new URLSearchParams(location.search).has('manual')) run();
  document.body.dataset.ready = '1';
}

main().catch((err) => showError(`${(err as Error).message}`));
