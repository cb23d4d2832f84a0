/**
 * Which image each plugin runs, as the supervisor knows it: the proven ones (what a restart loads) and
 * the ones on probation (sent or swapped in, not yet past PROBATION_FRAMES). When a runner dies or hangs,
 * blame() says which versions did it and rollBack() takes them out.
 */
import type { HeartbeatRecord } from './runner-heartbeat';
import type { PluginImage } from './runner-protocol';

interface PluginTrack {
  /** Proven images, oldest first: the last is what a restart loads. */
  proven: PluginImage[];
  /** Images sent or swapped in and not proven yet, by version. */
  probation: Map<number, PluginImage>;
}

/** What ended a runner, for blame: its death, a hang, a load that never finished, or a planned replacement. */
export type Ending = { kind: 'died' } | { kind: 'hung' } | { kind: 'load-timeout'; image: PluginImage } | { kind: 'replaced' };

const KEEP_PROVEN = 8;

export class RunnerImages {
  private readonly plugins = new Map<string, PluginTrack>();

  private track(plugin: string): PluginTrack {
    let t = this.plugins.get(plugin);
    if (!t) this.plugins.set(plugin, (t = { proven: [], probation: new Map() }));
    return t;
  }

  /** The image a restart loads for `plugin` (its last proven one), or null. */
  good(plugin: string): PluginImage | null {
    return this.track(plugin).proven.at(-1) ?? null;
  }

  probationVersions(plugin: string): number[] {
    return [...this.track(plugin).probation.keys()];
  }

  /** Every plugin's good image: what a new runner starts on. */
  goodImages(): PluginImage[] {
    return [...this.plugins.keys()].map((p) => this.good(p)).filter((i): i is PluginImage => i !== null);
  }

  /** A load was sent: on probation from now (a constructor that kills the runner is that version's fault). */
  sent(image: PluginImage): void {
    this.track(image.name).probation.set(image.version, image);
  }

  /** The runner refused the load: it never ran. */
  refused(image: PluginImage): void {
    this.track(image.name).probation.delete(image.version);
  }

  /** The runner says the version ran its probation frames; returns false if it was not on probation. */
  proven(plugin: string, version: number): boolean {
    const t = this.track(plugin);
    const image = t.probation.get(version);
    if (!image) return false;
    for (const v of t.probation.keys()) if (v <= version) t.probation.delete(v); // older ones were replaced unproven
    t.proven.push({ name: image.name, path: image.path, version: image.version });
    if (t.proven.length > KEEP_PROVEN) t.proven.shift();
    return true;
  }

  /** libkiln rolled `plugin` back from `version` inside the runner: that version is never good. */
  crashedInRunner(plugin: string, version: number): void {
    this.rollBack(plugin, [version]);
  }

  /** Take `versions` out (probation and proven alike); returns the image that runs instead, or null. */
  rollBack(plugin: string, versions: number[]): PluginImage | null {
    const t = this.track(plugin);
    const first = Math.min(...versions);
    for (const v of versions) t.probation.delete(v);
    while (t.proven.length && t.proven.at(-1)!.version >= first) t.proven.pop();
    return this.good(plugin);
  }

  /** Versions still on probation after a runner ended (innocent ones): handed back to be loaded again. */
  takeProbation(): PluginImage[] {
    const out: PluginImage[] = [];
    for (const t of this.plugins.values()) {
      out.push(...t.probation.values());
      t.probation.clear();
    }
    return out;
  }

  /**
   * plugin -> versions that killed or hung the runner. `inFlight` are the loads sent and not answered,
   * in order: the runner works on the first, the others wait behind it and are innocent. The heartbeat,
   * when it names a plugin call in progress, narrows the blame to that version.
   */
  blame(ending: Ending, beat: HeartbeatRecord | null, inFlight: PluginImage[]): Map<string, number[]> {
    const blamed = new Map<string, number[]>();
    const add = (plugin: string, version: number) => blamed.set(plugin, [...(blamed.get(plugin) ?? []), version]);
    if (ending.kind === 'replaced') return blamed;
    if (ending.kind === 'load-timeout') {
      add(ending.image.name, ending.image.version);
      return blamed;
    }
    const candidates: PluginImage[] = [];
    for (const t of this.plugins.values()) {
      for (const image of t.probation.values()) if (!inFlight.includes(image) || inFlight[0] === image) candidates.push(image);
    }
    const inCall = beat?.inCall && beat.plugin ? beat : null;
    const named = inCall ? candidates.find((c) => c.name === inCall.plugin && c.version === inCall.version) : undefined;
    if (named) add(named.name, named.version);
    else if (inCall && ending.kind === 'hung') {
      // A good version whose call stays over the limit is a hang of that version.
      if (this.track(inCall.plugin).proven.some((p) => p.version === inCall.version)) add(inCall.plugin, inCall.version);
      else for (const c of candidates) add(c.name, c.version);
    } else if (!inCall) {
      for (const c of candidates) add(c.name, c.version);
    }
    // Died inside a good version's call: not a probation crash; the same images, the last committed frame.
    return blamed;
  }
}
