import { kiln } from '../api';
import { isDirty, useEditorStore, type Tab } from '../stores/editorStore';
import { useDraftStore, type Draft } from '../stores/draftStore';

/**
 * Unsaved buffers are mirrored outside the editor, so a renderer reload, a crash of the page or a
 * restart offers them back instead of losing them: in the back end's data folder (draft.* calls),
 * or in localStorage when the back end has no such calls.
 */
interface DraftStorage {
  list(): Promise<Draft[]>;
  put(path: string, content: string): Promise<void>;
  drop(path: string): Promise<void>;
}

const backendStorage: DraftStorage = {
  list: () => kiln().invoke('draft.list', {}),
  put: async (path, content) => void (await kiln().invoke('draft.put', { path, content })),
  drop: async (path) => void (await kiln().invoke('draft.drop', { path })),
};

function localStorageFor(projectRoot: string): DraftStorage {
  const key = `kiln.drafts:${projectRoot}`;
  const read = (): Draft[] => {
    try {
      const parsed = JSON.parse(localStorage.getItem(key) ?? '[]') as unknown;
      return Array.isArray(parsed) ? parsed.filter((d): d is Draft => typeof d?.path === 'string' && typeof d?.content === 'string') : [];
    } catch {
      return [];
    }
  };
  const write = (drafts: Draft[]) => {
    try {
      if (drafts.length) localStorage.setItem(key, JSON.stringify(drafts));
      else localStorage.removeItem(key);
    } catch {
      // storage full: the beforeunload prompt still guards the buffers
    }
  };
  return {
    list: async () => read(),
    put: async (path, content) => write([...read().filter((d) => d.path !== path), { path, content }]),
    drop: async (path) => write(read().filter((d) => d.path !== path)),
  };
}

export function draftsOf(tabs: Tab[]): Draft[] {
  return tabs.filter(isDirty).map((t) => ({ path: t.path, content: t.content }));
}

let watching: string | null = null;
let storage: DraftStorage = backendStorage;
/** What storage holds now, by path, so only changes are written. */
const stored = new Map<string, string>();
let timer: ReturnType<typeof setTimeout> | null = null;
let subscribed = false;

/** Buffers whose newest text storage does not hold yet (typed within the debounce). */
function unflushedDrafts(tabs: Tab[], storedNow: ReadonlyMap<string, string>): Draft[] {
  return draftsOf(tabs).filter((d) => storedNow.get(d.path) !== d.content);
}

async function sync(): Promise<void> {
  if (watching === null) return; // between projects: a write now would land in the next one's drafts
  const now = draftsOf(useEditorStore.getState().tabs);
  const offered = new Set(useDraftStore.getState().offered.map((d) => d.path));
  const writes: Promise<void>[] = [];
  for (const d of now) {
    if (stored.get(d.path) === d.content) continue;
    stored.set(d.path, d.content);
    writes.push(storage.put(d.path, d.content));
  }
  for (const path of [...stored.keys()]) {
    // An offer still open keeps its drafts, so a second reload before answering loses nothing.
    if (now.some((d) => d.path === path) || offered.has(path)) continue;
    stored.delete(path);
    writes.push(storage.drop(path));
  }
  await Promise.all(writes).catch(() => {});
}

/** Write every unsaved buffer now (before the back end switches to another project). */
export async function flushDrafts(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  await sync();
}

/**
 * The back end now serves another project: stop writing drafts, and keep what the debounce had not
 * written yet in localStorage under the old project's root, to be offered when it is opened again.
 */
export function leaveProject(): void {
  if (timer) clearTimeout(timer);
  timer = null;
  const root = watching;
  watching = null;
  if (root !== null) {
    const late = unflushedDrafts(useEditorStore.getState().tabs, stored);
    const local = localStorageFor(root);
    for (const d of late) void local.put(d.path, d.content);
  }
  stored.clear();
  storage = backendStorage;
}

/** Start mirroring this project's unsaved buffers; offer back those an earlier page left. Call once per project. */
export async function watchDrafts(projectRoot: string): Promise<void> {
  if (watching === projectRoot) return;
  watching = projectRoot;
  stored.clear();
  let earlier: Draft[];
  try {
    storage = backendStorage;
    earlier = await backendStorage.list();
    // Drafts left in localStorage by a switch mid-debounce move to the back end now.
    const local = localStorageFor(projectRoot);
    const left = await local.list();
    for (const d of left) {
      try {
        await backendStorage.put(d.path, d.content);
        await local.drop(d.path);
        earlier = [...earlier.filter((e) => e.path !== d.path), d];
      } catch {
        // refused (the file left the project): it stays in localStorage, harmless
      }
    }
  } catch {
    storage = localStorageFor(projectRoot);
    earlier = await storage.list();
  }
  if (watching !== projectRoot) return; // switched again meanwhile
  const differing: Draft[] = [];
  for (const d of earlier) {
    stored.set(d.path, d.content);
    try {
      const { content } = await kiln().invoke('file.read', { path: d.path });
      if (content !== d.content) differing.push({ path: d.path, content: d.content });
    } catch {
      // the file is gone: nothing to restore onto
    }
  }
  useDraftStore.getState().offer(differing);
  void sync(); // drops drafts that match disk already
  if (subscribed) return;
  subscribed = true;
  useEditorStore.subscribe((state, prev) => {
    if (state.tabs === prev.tabs) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void sync(), 250);
  });
}

/** Open the offered drafts as dirty tabs over what disk holds. */
export async function restoreDrafts(): Promise<void> {
  const drafts = useDraftStore.getState().offered;
  useDraftStore.getState().clear();
  for (const d of drafts) {
    try {
      const { content } = await kiln().invoke('file.read', { path: d.path });
      useEditorStore.getState().restored(d.path, content, d.content);
    } catch {
      // gone since: skip it
    }
  }
  if (drafts[0]) useEditorStore.getState().activate(drafts[0].path);
  await sync();
}

export async function discardDrafts(): Promise<void> {
  useDraftStore.getState().clear();
  await sync();
}
