import { create } from 'zustand';
import { emptySoundStats, type SoundStats } from './player';

/** What the page's sound player has done (a copy of SoundPlayer.stats), for the toolbar and for tests. */
export const useSoundStore = create<{ stats: SoundStats; set(stats: SoundStats): void }>()((set) => ({
  stats: emptySoundStats(),
  set: (stats) => set({ stats: { ...stats, latenciesMs: stats.latenciesMs.slice() } }),
}));
