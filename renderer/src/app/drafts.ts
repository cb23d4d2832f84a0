import { kiln } from '../api';
import { isDirty, useEditorStore, type Tab } from '../stores/editorStore';
import { useDraftStore, type Draft } from '../stores/draftStore';

/**
 * Unsaved buffers are mirrored into localStorage (per project), so a renderer reload or a crash
 * of the page offers them back instead of losing them.
 */
const PREFIX = 'kiln.drafts:';

function keyFor(projectRoot: string): string {
  return PREFIX + projectRoot;
}

export function draftsOf(tabs: Tab[]): Draft[] {
  return tabs.filter(isDirty).map((t) => ({ path: t.path, content: t.content }));
}

export function readDrafts(projectRoot: string): Draft[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(keyFor(projectRoot)) ?? '[]') as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((d): d is Draft => typeof d?.path === 'string' && typeof d?.content === 'string');
  } catch {
    return [];
  }
}

function writeDrafts(projectRoot: string, drafts: Draft[]): void {
  try {
    if (drafts.length === 0) localStorage.removeItem(keyFor(projectRoot));
    else localStorage.setItem(keyFor(projectRoot), JSON.stringify(drafts));
  } catch {
    // storage full: the beforeunload prompt still guards the buffers
  }
}

let watching: string | null = null;
let pendingOffer = false;

/** Start mirroring this project's unsaved buffers; offer back the ones an earlier page left. Call once per project. */
export async function watchDrafts(projectRoot: string): Promise<void> {
  if (watching === projectRoot) return;
  watching = projectRoot;
  const earlier = readDrafts(projectRoot);
  const differing: Draft[] = [];
  for (const d of earlier) {
    try {
      const { content } = await kiln().invoke('file.read', { path: d.path });
      if (content !== d.content) differing.push(d);
    } catch {
      // the file is gone: nothing to restore onto
    }
  }
  pendingOffer = differing.length > 0;
  useDraftStore.getState().offer(differing);
  let timer: ReturnType<typeof setTimeout> | null = null;
  useEditorStore.subscribe((state, prev) => {
    if (state.tabs === prev.tabs) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      // While an offer is open, keep the earlier drafts too, so a reload before answering loses nothing.
      const now = draftsOf(useEditorStore.getState().tabs);
      const kept = pendingOffer ? useDraftStore.getState().offered.filter((d) => !now.some((n) => n.path === d.path)) : [];
      writeDrafts(projectRoot, [...kept, ...now]);
    }, 250);
  });
}

/** Open the offered drafts as dirty tabs over what disk holds. */
export async function restoreDrafts(): Promise<void> {
  const drafts = useDraftStore.getState().offered;
  pendingOffer = false;
  useDraftStore.getState().clear();
  for (const d of drafts) {
    try {
      const { content } = await kiln().invoke('file.read', { path: d.path });
      useEditorStore.getState().restored(d.path, content, d.content);
    } catch {
      // gone since: skip it
    }
  }
  const first = drafts[0];
  if (first) useEditorStore.getState().activate(first.path);
}

export function discardDrafts(): void {
  pendingOffer = false;
  useDraftStore.getState().clear();
  if (watching) writeDrafts(watching, draftsOf(useEditorStore.getState().tabs));
}
