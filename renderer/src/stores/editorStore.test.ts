import { beforeEach, describe, expect, it } from 'vitest';
import { isDirty, useEditorStore } from './editorStore';

const store = () => useEditorStore.getState();
const tab = (path: string) => store().tabs.find((t) => t.path === path)!;

beforeEach(() => useEditorStore.setState({ tabs: [], active: null, saving: [], error: null, reveal: null }));

describe('editor tabs', () => {
  it('marks a tab dirty when edited and clean again when saved or typed back', () => {
    store().opened('pong.c', 'a');
    store().edited('pong.c', 'ab');
    expect(isDirty(tab('pong.c'))).toBe(true);
    store().edited('pong.c', 'a');
    expect(isDirty(tab('pong.c'))).toBe(false);
    store().edited('pong.c', 'abc');
    store().saved('pong.c', 'abc');
    expect(isDirty(tab('pong.c'))).toBe(false);
  });

  it('activates the neighbour when the active tab closes', () => {
    store().opened('a.c', '');
    store().opened('b.c', '');
    store().opened('c.c', '');
    store().activate('b.c');
    store().close('b.c');
    expect(store().active).toBe('c.c');
    store().close('c.c');
    expect(store().active).toBe('a.c');
    store().close('a.c');
    expect(store().active).toBeNull();
  });

  it('reloads a clean tab from disk but asks before replacing unsaved edits', () => {
    store().opened('a.c', 'one');
    store().changedOnDisk('a.c', 'two');
    expect(tab('a.c').content).toBe('two');
    expect(tab('a.c').diskConflict).toBeUndefined();

    store().edited('a.c', 'mine');
    store().changedOnDisk('a.c', 'three');
    expect(tab('a.c').content).toBe('mine');
    expect(tab('a.c').diskConflict).toBe('three');
    store().resolveConflict('a.c', 'mine');
    expect(tab('a.c')).toMatchObject({ content: 'mine', savedContent: 'three', diskConflict: undefined });

    store().changedOnDisk('a.c', 'four');
    const seq = tab('a.c').loadSeq;
    store().resolveConflict('a.c', 'disk');
    expect(tab('a.c')).toMatchObject({ content: 'four', savedContent: 'four' });
    expect(tab('a.c').loadSeq).toBe(seq + 1);
  });

  it('follows a rename with the tab and the active path', () => {
    store().opened('a.h', 'x');
    store().renamed('a.h', 'b.h');
    expect(store().active).toBe('b.h');
    expect(store().tabs.map((t) => t.path)).toEqual(['b.h']);
  });

  it('restores a draft as a dirty tab over the disk text', () => {
    store().restored('a.c', 'disk', 'draft');
    expect(tab('a.c')).toMatchObject({ content: 'draft', savedContent: 'disk' });
    expect(isDirty(tab('a.c'))).toBe(true);
  });
});

describe('a file removed on disk', () => {
  it('keeps the buffer as unsaved until it is saved again', () => {
    store().opened('a.c', 'text');
    store().removedOnDisk('a.c');
    expect(isDirty(tab('a.c'))).toBe(true);
    expect(tab('a.c').content).toBe('text');
    store().saved('a.c', 'text');
    expect(isDirty(tab('a.c'))).toBe(false);
  });
});
