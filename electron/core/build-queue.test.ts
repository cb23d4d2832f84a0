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
});
