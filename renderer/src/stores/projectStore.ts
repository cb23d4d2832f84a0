import { create } from 'zustand';
import type { ProjectInfo } from '../../../electron/shared/contract';

/** The open project as the back end describes it (files, plugins, game size). */
interface ProjectStore {
  project: ProjectInfo | null;
  error: string | null;
  setProject(project: ProjectInfo): void;
  setError(error: string | null): void;
}

export const useProjectStore = create<ProjectStore>()((set) => ({
  project: null,
  error: null,
  setProject: (project) => set({ project, error: null }),
  setError: (error) => set({ error }),
}));

/** The plugin a project file belongs to (by its source list), if any. */
export function pluginOfFile(project: ProjectInfo | null, path: string): string | undefined {
  return project?.plugins.find((p) => p.sources.includes(path))?.name;
}
