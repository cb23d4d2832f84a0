import type { CrashRecord } from '../../../electron/shared/contract';
import { jumpTo } from '../app/actions';
import { crashSiteLine } from '../app/crashText';

/** The crashing line as a link: "pong.c:42 in update() — writing address 0x0: a NULL pointer"; click opens it there. */
export function CrashSiteLink({ crash: c }: { crash: CrashRecord }) {
  const text = crashSiteLine(c);
  if (!text || !c.file || !c.line) return null;
  const file = c.file;
  const line = c.line;
  // A line outside the project (a system header) is named but cannot be opened in the editor.
  if (/^([a-zA-Z]:)?[\\/]/.test(file)) return <span className="crash-site" data-testid="crash-site" data-file={file} data-line={line}>{text}</span>;
  return (
    <button
      type="button"
      className="crash-site"
      data-testid="crash-site"
      data-file={file}
      data-line={line}
      data-function={c.function ?? undefined}
      title="Show the crashing line in the editor"
      onClick={() => void jumpTo(file, line, 1)}
    >
      {text}
    </button>
  );
}
