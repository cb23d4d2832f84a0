/**
 * Keeps the back end's language server in step with every C buffer of the editor, saved or not:
 * language.open when its Monaco model appears, language.change (debounced) as the user types,
 * language.close when the tab closes. Models are named by monaco.Uri.file(<project path>).
 */
import type { LanguageStatus } from '../../../../electron/shared/contract';
import { kiln } from '../../api';
import { monaco } from '../monaco';
import { READ_ONLY_PREFIX } from './kilnHeader';

const CHANGE_DELAY_MS = 150;

interface Synced {
  timer: ReturnType<typeof setTimeout> | null;
  /** The model version the back end has (markers are applied only for it). */
  sent: number;
  subscription: monaco.IDisposable;
}

const synced = new Map<string, Synced>();
let onStatus: (s: LanguageStatus) => void = () => undefined;

export function pathOf(model: monaco.editor.ITextModel): string {
  return model.uri.path.replace(/^\//, '');
}

export function isCBuffer(model: monaco.editor.ITextModel): boolean {
  return model.getLanguageId() === 'c' && model.uri.scheme === 'file' && !pathOf(model).startsWith(READ_ONLY_PREFIX);
}

/** The version of `path` the back end last received, or null when it is not synced. */
export function sentVersion(path: string): number | null {
  return synced.get(path)?.sent ?? null;
}

function sendChange(model: monaco.editor.ITextModel): Promise<unknown> {
  const entry = synced.get(pathOf(model));
  if (!entry) return Promise.resolve();
  if (entry.timer) clearTimeout(entry.timer);
  entry.timer = null;
  const version = model.getVersionId();
  if (version === entry.sent) return Promise.resolve();
  entry.sent = version;
  return kiln().invoke('language.change', { path: pathOf(model), text: model.getValue(), version }).catch(() => undefined);
}

/** Before a request at a position: the back end must have the text the user sees. */
export function flush(model: monaco.editor.ITextModel): Promise<unknown> {
  return sendChange(model);
}

function track(model: monaco.editor.ITextModel): void {
  if (!isCBuffer(model) || synced.has(pathOf(model))) return;
  const path = pathOf(model);
  const subscription = model.onDidChangeContent(() => {
    const entry = synced.get(path);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void sendChange(model), CHANGE_DELAY_MS);
  });
  synced.set(path, { timer: null, sent: model.getVersionId(), subscription });
  kiln()
    .invoke('language.open', { path, text: model.getValue(), version: model.getVersionId() })
    .then(onStatus)
    .catch(() => undefined);
}

function untrack(model: monaco.editor.ITextModel): void {
  const path = pathOf(model);
  const entry = synced.get(path);
  if (!entry) return;
  if (entry.timer) clearTimeout(entry.timer);
  entry.subscription.dispose();
  synced.delete(path);
  kiln().invoke('language.close', { path }).catch(() => undefined);
}

/** Follow every C model from now on (and those already there); `status` hears each open's answer. */
export function startDocumentSync(status: (s: LanguageStatus) => void): monaco.IDisposable {
  onStatus = status;
  for (const m of monaco.editor.getModels()) track(m);
  const subs = [
    monaco.editor.onDidCreateModel(track),
    monaco.editor.onWillDisposeModel(untrack),
    monaco.editor.onDidChangeModelLanguage((e) => (isCBuffer(e.model) ? track(e.model) : untrack(e.model))),
  ];
  return {
    dispose: () => {
      for (const s of subs) s.dispose();
      for (const m of monaco.editor.getModels()) untrack(m);
    },
  };
}

/** Another project (or a reconnect): the back end's language service is new, so every buffer is opened again. */
export function resyncAll(): void {
  for (const m of monaco.editor.getModels()) untrack(m);
  for (const m of monaco.editor.getModels()) track(m);
}
