/**
 * The Electron shell's glue, tested without the Electron binary (none can be had on these machines):
 * the window's security settings, the page's CSP, the navigation policy, remembered window state, the
 * menu, and the preload's wiring of the contract. Typed against the real `electron` definitions.
 */
import type { IpcRendererEvent } from 'electron';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeFrameHeader, encodeFrameParts, GAME_WINDOW_QUERY, ipcChannels, type Frame } from '../shared/contract';
import { findKilnRoot } from '../core/paths';
import { menuTemplate, type MenuActions } from './menu';
import { createKilnApi, type IpcLike } from './preload-api';
import { gameWindowOptions, gameWindowQuery, isAllowedNavigation, kilnWindowOptions, loadWindowState, saveWindowState, windowStateFile } from './window-options';

const root = findKilnRoot(__dirname);

describe('the window Kiln creates', () => {
  const options = kilnWindowOptions('/app/preload.js', { bounds: { width: 1200, height: 800 }, maximized: false }, 'Kiln');

  it('is sandboxed and isolated, with no Node in the page', () => {
    expect(options.webPreferences).toMatchObject({
      preload: '/app/preload.js',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('loads a page with a strict Content-Security-Policy that still lets Monaco run its worker', () => {
    const html = readFileSync(path.join(root, 'renderer', 'index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/); // no unsafe-eval, no unsafe-inline scripts
    expect(csp).toMatch(/worker-src 'self' blob:/);
    expect(csp).not.toMatch(/\*/);
  });

  it('refuses navigation anywhere but its own page', () => {
    const index = path.join(root, 'dist', 'renderer', 'index.html');
    expect(isAllowedNavigation(`file://${index}`, index)).toBe(true);
    expect(isAllowedNavigation('https://evil.example/', index)).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd', index)).toBe(false);
    expect(isAllowedNavigation('javascript:alert(1)', index)).toBe(false);
    expect(isAllowedNavigation('not a url', index)).toBe(false);
  });

  it('remembers its size and position, and ignores a damaged state file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-window-'));
    try {
      await saveWindowState(dir, { bounds: { x: 10, y: 20, width: 1000, height: 700 }, maximized: true });
      expect(await loadWindowState(dir)).toEqual({ bounds: { x: 10, y: 20, width: 1000, height: 700 }, maximized: true });
      writeFileSync(windowStateFile(dir), '{"bounds": {"width": -5, "height": "big"}}');
      expect((await loadWindowState(dir)).bounds).toEqual({ width: 1440, height: 900 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the menu', () => {
  it('has File, Edit, View, Game and Help, with the editor\'s shortcuts wired to actions', () => {
    const calls: string[] = [];
    const actions: MenuActions = {
      editor: (c) => calls.push(`editor:${c}`),
      openProject: () => calls.push('open-project'),
      exportGame: (t) => calls.push(`export:${t}`),
      game: (a) => calls.push(`game:${a}`),
      togglePause: () => calls.push('toggle'),
      reloadNow: () => calls.push('reload'),
      openDocs: () => calls.push('docs'),
      about: () => calls.push('about'),
    };
    const menu = menuTemplate(actions, 'linux');
    const labels = menu.map((m) => m.label ?? m.role);
    expect(labels).toEqual(['&File', 'editMenu', '&View', '&Game', '&Help']);
    const items = menu.flatMap((m) => (Array.isArray(m.submenu) ? m.submenu : []));
    const byAccel = (a: string) => items.find((i) => i.accelerator === a)!;
    for (const [accel, expected] of [
      ['CmdOrCtrl+S', 'editor:save'],
      ['CmdOrCtrl+Shift+N', 'editor:new-project'],
      ['CmdOrCtrl+O', 'open-project'],
      ['CmdOrCtrl+Shift+S', 'editor:save-all'],
      ['F5', 'reload'],
      ['F6', 'toggle'],
      ['F7', 'game:step'],
      ['CmdOrCtrl+Shift+F5', 'game:restart'],
      ['F8', 'editor:next-problem'],
    ]) {
      (byAccel(accel).click as () => void)();
      expect(calls.at(-1)).toBe(expected);
    }
    const byLabel = (l: string) => items.find((i) => i.label === l)!;
    for (const [label, expected] of [['Export for the Web…', 'export:web'], ['Export as a Program…', 'export:native']]) {
      (byLabel(label).click as () => void)();
      expect(calls.at(-1)).toBe(expected);
    }
  });
});

describe('the preload API', () => {
  /** A stand-in for ipcRenderer with Electron's own signatures: it records, the contract decides. */
  function fakeIpc() {
    const listeners = new Map<string, Set<(e: IpcRendererEvent, ...args: unknown[]) => void>>();
    const invoked: unknown[][] = [];
    let reply: unknown = { ok: true, result: { ok: true } };
    const ipc: IpcLike = {
      invoke: async (channel: string, ...args: unknown[]) => {
        invoked.push([channel, ...args]);
        return reply;
      },
      on(channel, listener) {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(listener as never);
        return ipc as never;
      },
      removeListener(channel, listener) {
        listeners.get(channel)?.delete(listener as never);
        return ipc as never;
      },
    };
    const emit = (channel: string, ...args: unknown[]) => listeners.get(channel)?.forEach((l) => l({} as IpcRendererEvent, ...args));
    return { ipc, invoked, emit, setReply: (r: unknown) => (reply = r) };
  }

  it('sends requests on the contract channel and turns refusals into errors', async () => {
    const f = fakeIpc();
    const { api } = createKilnApi(f.ipc);
    await api.invoke('game.input', { key: 87, down: true });
    expect(f.invoked).toEqual([[ipcChannels.invoke, 'game.input', { key: 87, down: true }]]);
    f.setReply({ ok: false, error: 'refused: ../x.c is outside the project folder' });
    await expect(api.invoke('file.read', { path: '../x.c' })).rejects.toThrow(/outside the project/);
  });

  it('delivers each event only to its own listeners, and unsubscribes', () => {
    const f = fakeIpc();
    const { api } = createKilnApi(f.ipc);
    const seen: unknown[] = [];
    const off = api.on('status', (s) => seen.push(s));
    f.emit(ipcChannels.event, 'reload', { id: 1 });
    f.emit(ipcChannels.event, 'status', { state: 'ok', message: 'fine' });
    off();
    f.emit(ipcChannels.event, 'status', { state: 'error', message: 'late' });
    expect(seen).toEqual([{ state: 'ok', message: 'fine' }]);
  });

  it('decodes frames from the MessagePort and drops malformed ones', () => {
    const { api, attachFramePort } = createKilnApi(fakeIpc().ipc);
    const frames: Frame[] = [];
    api.onFrame((fr) => frames.push(fr));
    const port = { onmessage: null as ((e: { data: unknown }) => void) | null, start: () => undefined };
    attachFramePort(port);
    const pixels = new Uint8Array(2 * 1 * 4).fill(7);
    const bytes = new Uint8Array(16 + pixels.length);
    bytes.set(encodeFrameHeader(2, 1, 42), 0);
    bytes.set(pixels, 16);
    port.onmessage!({ data: bytes });
    port.onmessage!({ data: new Uint8Array(3) });
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ width: 2, height: 1, frame: 42 });
  });

  it('delivers a frame\'s sounds with it, as typed records', () => {
    const { api, attachFramePort } = createKilnApi(fakeIpc().ipc);
    const frames: Frame[] = [];
    api.onFrame((fr) => frames.push(fr));
    const port = { onmessage: null as ((e: { data: unknown }) => void) | null, start: () => undefined };
    attachFramePort(port);
    const sounds: Frame['sounds'] = [{ kind: 'play', path: 'sfx/hit.wav', volume: 0.5, pan: -1 }, { kind: 'tone', hz: 440, ms: 60, wave: 'square', volume: 1 }];
    port.onmessage!({ data: Buffer.concat(encodeFrameParts({ width: 1, height: 1, frame: 3, pixels: new Uint8Array(4), sounds, soundsAt: 1234.5 })) });
    // a trailer that is not sound commands makes the whole frame malformed
    const bad = Buffer.concat(encodeFrameParts({ width: 1, height: 1, frame: 4, pixels: new Uint8Array(4), sounds: [{ kind: 'tone', hz: 5, ms: 0, wave: 'saw', volume: 9 }] }));
    port.onmessage!({ data: bad });
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ width: 1, height: 1, frame: 3, sounds, soundsAt: 1234.5 });
    expect(frames[0].pixels.byteLength).toBe(4);
  });

  it('asks the main process for the game\'s pop-out window on its own channel', async () => {
    const f = fakeIpc();
    const { api } = createKilnApi(f.ipc);
    await api.openGameWindow!();
    expect(f.invoked).toEqual([[ipcChannels.openGameWindow]]);
  });
});

describe('the game\'s pop-out window', () => {
  it('has the editor window\'s security settings and opens the game-only view', () => {
    const pop = gameWindowOptions('/app/preload.js', 640, 360, 'pong — Kiln game');
    expect(pop.webPreferences).toEqual(kilnWindowOptions('/app/preload.js', { bounds: {}, maximized: false }, 'x').webPreferences);
    expect(pop).toMatchObject({ width: 640, height: 360, useContentSize: true, show: false });
    expect(gameWindowQuery).toEqual(GAME_WINDOW_QUERY);
  });
});
