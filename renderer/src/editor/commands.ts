/** What the rest of the app may ask of the one Monaco editor, registered by EditorPane while it is mounted. */
export interface EditorCommands {
  focus(): void;
  nextProblem(backwards?: boolean): void;
}

let current: EditorCommands | null = null;

export function registerEditorCommands(commands: EditorCommands | null): void {
  current = commands;
}

export function editorCommands(): EditorCommands | null {
  return current;
}
