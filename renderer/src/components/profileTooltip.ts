import type { BuildProfile, ProfileBuild } from '../../../electron/shared/contract';

/** The profile toggle's tooltip: what each profile compiles with on this machine, from the back end's record. */
export function profileTooltip(builds: Record<BuildProfile, ProfileBuild> | undefined): string {
  const head = 'Optimised builds are slower to compile; the game keeps its state.';
  if (!builds) return `${head}\n(finding the compilers…)`;
  const line = (b: ProfileBuild) => {
    const name = b.profile === 'fast' ? 'Fast' : 'Optimised';
    const what = b.compiler ? `${b.compiler} ${b.flags.join(' ')}`.trim() : 'no compiler';
    return `${name}: ${what}${b.note ? ` — ${b.note}` : ''}`;
  };
  return [head, line(builds.fast), line(builds.optimised)].join('\n');
}
