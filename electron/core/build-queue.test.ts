import { describe, expect, it } from 'vitest';
import { BuildQueue, type QueuedBuild } from './build-queue';

describe('BuildQueue', () => {
  it('folds a burst of saves into one running build and one newest pending build', async () => {
    const ran: QueuedBuild[] = [];
    let release!: () => void;
    const firstDone = new Promise<void>((r) => (release = r));
    const queue = new BuildQueue(async (b) => {
      ran.push(b);
      if (ran.length === 1) await firstDone;
    });
    for (let i = 0; i < 100; i++) queue.enqueue({ plugin: 'pong', trigger: 'save', at: i });
    release();
    await queue.idle();
    expect(ran.map((b) => b.at)).toEqual([0, 99]);
    expect(ran[1].savesFolded).toBe(98);
  });

  it('builds plugins independently and keeps going after a failing build', async () => {
    const ran: string[] = [];
    const queue = new BuildQueue(async (b) => {
      ran.push(`${b.plugin}@${b.at}`);
      if (b.at === 1) throw new Error('compiler blew up');
    });
    queue.enqueue({ plugin: 'a', trigger: 'save', at: 1 });
    queue.enqueue({ plugin: 'b', trigger: 'save', at: 2 });
    await queue.idle();
    queue.enqueue({ plugin: 'a', trigger: 'save', at: 3 });
    await queue.idle();
    expect(ran.sort()).toEqual(['a@1', 'a@3', 'b@2']);
  });

  it('cancels the build in flight when a newer request arrives, then builds the newest', async () => {
    const ran: QueuedBuild[] = [];
    const queue = new BuildQueue(async (b) => {
      ran.push(b);
      // A build that would never end on its own (a compiler stuck on a FIFO) ends when cancelled.
      if (b.at === 1) {
        await new Promise<void>((resolve) => b.signal.addEventListener('abort', () => resolve()));
        b.cancelled(); // it stopped without recording anything
      }
    });
    queue.enqueue({ plugin: 'pong', trigger: 'save', at: 1 });
    queue.enqueue({ plugin: 'other', trigger: 'save', at: 5 });
    queue.enqueue({ plugin: 'pong', trigger: 'save', at: 2 });
    queue.enqueue({ plugin: 'pong', trigger: 'save', at: 3 });
    await queue.idle();
    expect(ran.map((b) => `${b.plugin}@${b.at}`)).toEqual(['pong@1', 'other@5', 'pong@3']);
    expect(ran[0].signal.aborted).toBe(true);
    expect(ran[1].signal.aborted).toBe(false); // another plugin's build is not touched
    expect(ran[2]).toMatchObject({ savesFolded: 2 }); // pong@2 replaced while waiting, pong@1 cancelled: both counted
    expect(ran[2].signal.aborted).toBe(false);
  });

  it('close() cancels running builds, drops waiting ones and ignores later requests', async () => {
    const ran: QueuedBuild[] = [];
    const queue = new BuildQueue(async (b) => {
      ran.push(b);
      await new Promise<void>((resolve) => b.signal.addEventListener('abort', () => resolve()));
    });
    queue.enqueue({ plugin: 'pong', trigger: 'save', at: 1 });
    queue.enqueue({ plugin: 'pong', trigger: 'save', at: 2 });
    queue.close();
    queue.enqueue({ plugin: 'pong', trigger: 'save', at: 3 });
    await queue.idle();
    expect(ran.map((b) => b.at)).toEqual([1]);
    expect(ran[0].signal.aborted).toBe(true);
  });
});
