/** Page object for the Kiln editor: what a user sees and does, with the selectors hidden here. */
import { expect, type Locator, type Page } from '@playwright/test';

export interface Rgba {
  r: number;
  g: number;
  b: number;
}

/** 0xRRGGBBAA as written in C -> {r,g,b}. */
export function rgbOf(color: string | number): Rgba {
  const v = typeof color === 'number' ? color : Number.parseInt(color.replace(/^0x/i, ''), 16);
  return { r: (v >>> 24) & 0xff, g: (v >>> 16) & 0xff, b: (v >>> 8) & 0xff };
}

export interface ColorBlob {
  count: number;
  x: number;
  y: number;
}

export class KilnEditor {
  readonly editor: Locator;
  readonly canvas: Locator;
  readonly status: Locator;
  readonly log: Locator;
  readonly logEntries: Locator;
  readonly fileList: Locator;
  readonly saveButton: Locator;

  constructor(readonly page: Page) {
    this.editor = page.getByTestId('editor');
    this.canvas = page.getByTestId('game-canvas');
    this.status = page.getByTestId('reload-status');
    this.log = page.getByTestId('reload-log');
    this.logEntries = page.getByTestId('reload-log-entry');
    this.fileList = page.getByTestId('file-list');
    this.saveButton = page.getByTestId('save-button');
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.ready('ok');
  }

  /** The editor is up and the status badge says `state` (ok: the game runs; waiting: not trusted yet). */
  async ready(state: 'ok' | 'waiting' = 'ok'): Promise<void> {
    // The first page load, Monaco and the first build share a machine that may be busy: a minute each at most.
    await expect(this.editor).toBeVisible({ timeout: 60_000 });
    await expect(this.editor.locator('.monaco-editor')).toBeVisible({ timeout: 60_000 });
    await expect(this.status).toHaveAttribute('data-state', state, { timeout: 60_000 });
  }

  async waitForStatus(state: 'ok' | 'error' | 'waiting' | 'building' | 'loading', version?: number): Promise<void> {
    await expect(this.status).toHaveAttribute('data-state', state, { timeout: 30_000 });
    if (version !== undefined) await expect(this.status).toHaveAttribute('data-version', String(version));
  }

  async version(): Promise<number> {
    return Number(await this.status.getAttribute('data-version'));
  }

  /** Replace line `line` (1-based) of the open file with `text`, typing as a user would. */
  async replaceLine(line: number, text: string): Promise<void> {
    await this.goToLine(line);
    await this.page.keyboard.press('Shift+End');
    if (text) await this.page.keyboard.insertText(text);
    else await this.page.keyboard.press('Delete');
  }

  /** Insert a new line after line `line` (1-based). */
  async insertLineAfter(line: number, text: string): Promise<void> {
    await this.goToLine(line);
    await this.page.keyboard.press('End');
    await this.page.keyboard.press('Enter');
    await this.page.keyboard.press('Shift+Home'); // drop any auto-indent
    await this.page.keyboard.insertText(text);
  }

  /** Delete line `line` (1-based) whole, however the editor wraps it. */
  async deleteLine(line: number): Promise<void> {
    await this.goToLine(line);
    await this.page.keyboard.press('Control+Shift+k');
  }

  async goToLine(line: number): Promise<void> {
    await this.editor.locator('.view-lines').click();
    await this.page.keyboard.press('Control+g');
    const input = this.page.locator('.quick-input-widget input');
    await expect(input).toBeVisible();
    await input.fill(`:${line}`);
    await input.press('Enter');
    // Keys pressed before Monaco has moved the cursor land on the old line (seen on a loaded machine): wait for it.
    await expect(this.page.getByTestId('cursor-position')).toHaveAttribute('data-line', String(line));
    await expect(input).toBeHidden();
    await this.page.keyboard.press('Home');
    await this.page.keyboard.press('Home'); // Home toggles to the first non-blank; twice lands on column 1 for unindented lines
  }

  async save(): Promise<void> {
    await this.page.keyboard.press('Control+s');
  }

  /** Reads the canvas and counts the pixels of one colour; gives their centre. */
  async findColor(color: Rgba, tolerance = 8): Promise<ColorBlob> {
    return this.canvas.evaluate(
      (el, { c, tol }) => {
        const canvas = el as HTMLCanvasElement;
        const ctx = canvas.getContext('2d')!;
        const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        let sx = 0;
        let sy = 0;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const i = (y * width + x) * 4;
            if (Math.abs(data[i] - c.r) <= tol && Math.abs(data[i + 1] - c.g) <= tol && Math.abs(data[i + 2] - c.b) <= tol) {
              count++;
              sx += x;
              sy += y;
            }
          }
        }
        return { count, x: count ? sx / count : -1, y: count ? sy / count : -1 };
      },
      { c: color, tol: tolerance },
    );
  }

  /** The pixels of one colour inside a rectangle, as a string mask (to compare what is drawn there). */
  async colorMask(color: Rgba, rect: { x: number; y: number; w: number; h: number }): Promise<string> {
    return this.canvas.evaluate(
      (el, { c, r }) => {
        const canvas = el as HTMLCanvasElement;
        const { data } = canvas.getContext('2d')!.getImageData(r.x, r.y, r.w, r.h);
        let mask = '';
        for (let i = 0; i < data.length; i += 4) {
          mask += Math.abs(data[i] - c.r) <= 8 && Math.abs(data[i + 1] - c.g) <= 8 && Math.abs(data[i + 2] - c.b) <= 8 ? '#' : '.';
        }
        return mask;
      },
      { c: color, r: rect },
    );
  }

  /** A cheap fingerprint of the whole canvas, to tell whether the game is moving. */
  async canvasHash(): Promise<string> {
    return this.canvas.evaluate((el) => {
      const canvas = el as HTMLCanvasElement;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let h = 2166136261;
      for (let i = 0; i < data.length; i += 4) h = Math.imul(h ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16)), 16777619);
      return `${canvas.width}x${canvas.height}:${(h >>> 0).toString(16)}`;
    });
  }

  // ------------------------------------------------------------ tabs and files

  tab(path: string): Locator {
    return this.page.locator(`[data-testid="editor-tab"][data-path="${path}"]`);
  }

  /** Click a file in the project's file list (opens it in a tab). */
  async openFile(path: string): Promise<void> {
    await this.fileList.locator(`button.file[data-path="${path}"]`).click();
    await expect(this.tab(path)).toHaveAttribute('class', /active/);
  }

  fileButton(path: string): Locator {
    return this.fileList.locator(`button.file[data-path="${path}"]`);
  }

  /** The text of the active Monaco model (exact, unlike the rendered view lines). */
  async editorText(): Promise<string> {
    return this.page.evaluate(() => {
      const lines = Array.from(document.querySelectorAll('[data-testid="editor"] .view-line'));
      return lines.map((l) => l.textContent ?? '').join('\n');
    });
  }

  /** Line and column of the editor's cursor, as the "Ln, Col" indicator shows it. */
  async cursor(): Promise<{ line: number; column: number }> {
    const el = this.page.getByTestId('cursor-position');
    return { line: Number(await el.getAttribute('data-line')), column: Number(await el.getAttribute('data-column')) };
  }

  /** Type at the end of line `line` (1-based) of the open file. */
  async appendToLine(line: number, text: string): Promise<void> {
    await this.goToLine(line);
    await this.page.keyboard.press('End');
    await this.page.keyboard.insertText(text);
  }

  // ------------------------------------------------------------ the game

  readonly overlay = () => this.page.getByTestId('game-overlay');
  readonly sessionBar = () => this.page.getByTestId('session-bar');

  button(testId: string): Locator {
    return this.page.getByTestId(testId);
  }

  /** Wait until the session bar shows this pause state; returns the frame counter it shows. */
  async waitForPaused(paused: boolean): Promise<number> {
    await expect(this.sessionBar()).toHaveAttribute('data-paused', String(paused));
    return Number(await this.sessionBar().getAttribute('data-frame'));
  }

  /** Whether the game canvas is Chromium's low-latency kind (a frame drawn goes to the screen without the page's next animation frame). */
  async canvasLowLatency(): Promise<boolean> {
    return this.canvas.evaluate((el) => (el as HTMLCanvasElement).getContext('2d')?.getContextAttributes().desynchronized === true);
  }

  /** The runner's frame number of the picture on the canvas now. */
  async canvasFrame(): Promise<number> {
    return Number(await this.canvas.getAttribute('data-frame'));
  }

  async sessionFrame(): Promise<number> {
    return Number(await this.sessionBar().getAttribute('data-frame'));
  }

  /**
   * Pause the game and step one frame until the canvas shows the frame the game stopped on: a frame the
   * back end dropped for a slow page would otherwise leave an older picture up. Returns that frame's number.
   */
  async pauseOnShownFrame(): Promise<number> {
    if ((await this.sessionBar().getAttribute('data-paused')) !== 'true') await this.button('game-pause').click();
    await this.waitForPaused(true);
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await this.sessionFrame();
      await this.button('game-step').click();
      await expect.poll(() => this.sessionFrame()).toBeGreaterThan(before);
      const frame = await this.sessionFrame();
      try {
        await expect(this.canvas).toHaveAttribute('data-frame', String(frame), { timeout: 5000 });
        return frame;
      } catch {
        // That step's picture was dropped too: step again.
      }
    }
    throw new Error('the canvas never showed the paused frame after 5 steps: frames from the runner are not reaching the page');
  }

  async resume(): Promise<void> {
    if ((await this.sessionBar().getAttribute('data-paused')) === 'true') await this.button('game-pause').click();
    await this.waitForPaused(false);
  }

  /** Give the game focus without a click in the game (the first click only focuses). */
  async focusGame(): Promise<void> {
    await this.canvas.click();
    await expect(this.page.getByTestId('focus-hint')).toHaveAttribute('data-focused', 'true');
  }

  /** Top edge (in framebuffer pixels) of the pixels of one colour in a column band of the canvas. */
  topOfColor(color: Rgba, x0: number, x1: number): Promise<number> {
    return topOfColorIn(this.canvas, color, x0, x1);
  }

  /** Close a tab with its × button. */
  async closeTab(path: string): Promise<void> {
    await this.tab(path).hover();
    await this.page.getByRole('button', { name: `Close ${path}` }).click();
  }

  /** New plugin from the template, by name, through the file list's form. */
  async newPlugin(name: string): Promise<void> {
    await this.page.getByTestId('new-plugin').click();
    await this.page.getByLabel('New plugin name').fill(name);
    await this.page.getByLabel('New plugin name').press('Enter');
  }

  async newFile(path: string): Promise<void> {
    await this.page.getByTestId('new-file').click();
    await this.page.getByLabel('New file path').fill(path);
    await this.page.getByLabel('New file path').press('Enter');
  }

  async renameFile(from: string, to: string): Promise<void> {
    await this.fileButton(from).hover();
    await this.page.getByRole('button', { name: `Rename ${from}` }).click();
    const input = this.page.getByLabel(`Rename ${from} to`);
    await input.fill(to);
    await input.press('Enter');
  }

  /** Click the delete button of a file (the confirmation is the caller's to answer). */
  async clickDelete(path: string): Promise<void> {
    await this.fileButton(path).hover();
    await this.page.getByRole('button', { name: `Delete ${path}` }).click();
  }

  /** Answer the next window.confirm / beforeunload prompt; resolves to its message once shown. */
  answerNextDialog(accept: boolean): Promise<{ type: string; message: string }> {
    return new Promise((resolve) => {
      this.page.once('dialog', async (d) => {
        const seen = { type: d.type(), message: d.message() };
        if (accept) await d.accept();
        else await d.dismiss();
        resolve(seen);
      });
    });
  }

  // ------------------------------------------------------------ projects

  readonly newProjectDialog = () => this.page.getByTestId('new-project-dialog');
  readonly openProjectDialog = () => this.page.getByTestId('open-project-dialog');
  /** The refusal the back end gave, shown in whichever project dialog is open. */
  readonly projectDialogError = () => this.page.getByTestId('project-dialog-error');

  /** New project…: type a name, pick a template, press Enter (the dialog closes once the project is open). */
  async newProject(name: string, template: 'empty' | 'pong'): Promise<void> {
    await this.page.getByTestId('new-project').click();
    await expect(this.newProjectDialog()).toBeVisible();
    await this.page.getByTestId(`template-${template}`).check();
    const input = this.page.getByTestId('new-project-name');
    await input.fill(name);
    await input.press('Enter');
  }

  /** Open project…: the dialog with a path field and the recent projects. */
  async showOpenProject(): Promise<void> {
    await this.page.getByTestId('open-project').click();
    await expect(this.openProjectDialog()).toBeVisible();
  }

  /** In the open Open project dialog: type a folder's path and press Enter. */
  async openProjectAt(dir: string): Promise<void> {
    const input = this.page.getByTestId('open-project-path');
    await input.fill(dir);
    await input.press('Enter');
  }

  /** A project in the Open project dialog's recent list, by its folder. */
  recentProject(root: string): Locator {
    return this.openProjectDialog().locator(`[data-testid="recent-project"][data-root="${root}"]`);
  }

  // ------------------------------------------------------------ reload log panel

  async filterLog(filter: { plugin?: string; outcome?: string; gameLog?: boolean }): Promise<void> {
    if (filter.plugin !== undefined) await this.page.getByTestId('log-filter-plugin').selectOption(filter.plugin);
    if (filter.outcome !== undefined) await this.page.getByTestId('log-filter-outcome').selectOption(filter.outcome);
    if (filter.gameLog !== undefined) await this.page.getByTestId('log-filter-game').setChecked(filter.gameLog);
  }

  gameLogEntries(): Locator {
    return this.log.getByTestId('game-log-entry');
  }

  /** Reload log entries with this outcome (ok, compile-error, ...), newest first. */
  entries(outcome: string): Locator {
    return this.page.locator(`[data-testid="reload-log-entry"][data-outcome="${outcome}"]`);
  }
}

/** Top edge (in framebuffer pixels) of the pixels of one colour in a column band of a 2D canvas (the editor's or an export's). */
export async function topOfColorIn(canvas: Locator, color: Rgba, x0: number, x1: number): Promise<number> {
  return canvas.evaluate(
    (el, { c, a, b }) => {
      const canvas = el as HTMLCanvasElement;
      const { data, width, height } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      for (let y = 0; y < height; y++)
        for (let x = a; x < b && x < width; x++) {
          const i = (y * width + x) * 4;
          if (Math.abs(data[i] - c.r) <= 8 && Math.abs(data[i + 1] - c.g) <= 8 && Math.abs(data[i + 2] - c.b) <= 8) return y;
        }
      return -1;
    },
    { c: color, a: x0, b: x1 },
  );
}
