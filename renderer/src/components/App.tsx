import { useSettingsStore } from '../stores/settingsStore';
import { useUiStore } from '../stores/uiStore';
import { ConfigMarkers } from './ConfigMarkers';
import { CrashMarkers } from '../editor/crashMarkers';
import { ConnectionBanner } from './ConnectionBanner';
import { EditorBanners } from './EditorBanners';
import { EditorHeader } from './EditorHeader';
import { EditorPane } from './EditorPane';
import { ExportDialog } from './ExportDialog';
import { FileList } from './FileList';
import { GameSound } from '../audio/GameSound';
import { GameLog } from './GameLog';
import { GameToolbar } from './GameToolbar';
import { GameView } from './GameView';
import { LanguageFeatures } from '../editor/language/LanguageFeatures';
import { NewProjectDialog } from './NewProjectDialog';
import { OpenProjectDialog } from './OpenProjectDialog';
import { ReloadLog } from './ReloadLog';
import { RunnerLine } from './RunnerLine';
import { SessionBar } from './SessionBar';
import { Splitter } from './Splitter';
import { StateInspector } from './StateInspector';
import { EntityInspector } from './EntityInspector';
import { StatusBadge } from './StatusBadge';
import { TabBar } from './TabBar';
import { TrustBanner } from './TrustBanner';

/** Files on the left, code in the middle, the running game and its reload log on the right; every border moves. */
export function App() {
  const panes = useSettingsStore((s) => s.panes);
  const projectDialog = useUiStore((s) => s.projectDialog);
  const closeDialog = () => useUiStore.getState().setProjectDialog(null);
  return (
    <div className="app">
      <ConnectionBanner />
      <GameSound />
      <TrustBanner />
      <div className="columns" style={{ gridTemplateColumns: `${panes.files}px 4px minmax(280px, 1fr) 4px ${panes.side}px` }}>
        <FileList />
        <Splitter pane="files" axis="x" sign={1} label="Resize the file list" />
        <main className="centre">
          <TabBar />
          <EditorHeader />
          <EditorBanners />
          <LanguageFeatures />
          <EditorPane />
          <ConfigMarkers />
          <CrashMarkers />
          <Splitter pane="console" axis="y" sign={-1} label="Resize the console" />
          <div className="console" style={{ height: panes.console }}>
            <RunnerLine />
            <GameLog />
            <StateInspector />
            <EntityInspector />
          </div>
        </main>
        <Splitter pane="side" axis="x" sign={-1} label="Resize the game column" />
        <aside className="side">
          <StatusBadge />
          <GameToolbar />
          <GameView height={panes.game} />
          <SessionBar />
          <Splitter pane="game" axis="y" sign={1} label="Resize the game view" />
          <ReloadLog />
        </aside>
      </div>
      {projectDialog === 'new' && <NewProjectDialog onClose={closeDialog} />}
      {projectDialog === 'open' && <OpenProjectDialog onClose={closeDialog} />}
      <ExportDialog />
    </div>
  );
}
