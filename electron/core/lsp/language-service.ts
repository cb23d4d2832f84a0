/**
 * The C language features of one open project, as the contract's typed records: clangd's answers when
 * clangd runs, kiln.h's generated data when it does not. Keeps the editor's unsaved buffers (so a
 * restarted clangd gets them again) and turns LSP's types into the small subset the UI renders.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CompletionRequest,
  HoverRequest,
  SignatureHelpRequest,
  DefinitionRequest,
  CompletionItemKind,
  InsertTextFormat,
  DiagnosticSeverity,
  type CompletionItem,
  type MarkupContent,
  type MarkedString,
  type Location,
  type LocationLink,
  type PublishDiagnosticsParams,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import type {
  CompletionEntry,
  CompletionKind,
  Diagnostic,
  HoverInfo,
  LanguageDiagnostics,
  LanguageServer,
  LanguageStatus,
  SignatureInfo,
  SourceLocation,
} from '../../shared/contract';
import { ClangdProcess, findClangd, type ClangdProject } from './clangd';
import { headerCompletion, headerHover, headerSignature, INSTALL_CLANGD } from './kiln-header-fallback';

export interface LanguageServiceOptions extends ClangdProject {
  onDiagnostics(d: LanguageDiagnostics): void;
  env?: NodeJS.ProcessEnv;
}

interface OpenBuffer {
  text: string;
  version: number;
}

/** Answers slower than this give up (an empty list, no hover) rather than hold the editor. */
const REQUEST_TIMEOUT_MS = 15000;

export class LanguageService {
  private readonly buffers = new Map<string, OpenBuffer>();
  private clangd: ClangdProcess | null = null;
  private readonly executable: string | null;
  /** Said once per project: why C features are limited. */
  private noticeGiven = false;
  private failure: string | null = null;

  constructor(private readonly options: LanguageServiceOptions) {
    this.executable = findClangd(options.env);
  }

  get server(): LanguageServer {
    return this.executable && !this.failure ? 'clangd' : 'kiln.h';
  }

  /** clangd's pid while it runs (tests). */
  get clangdPid(): number | undefined {
    return this.clangd?.pid;
  }

  private status(): LanguageStatus {
    if (this.server === 'clangd' || this.noticeGiven) return { server: this.server };
    this.noticeGiven = true;
    return { server: this.server, notice: this.failure ?? INSTALL_CLANGD };
  }

  /** Starts clangd on the first C buffer (lazily: a project nobody edits costs nothing). */
  private connection(): Promise<ProtocolConnection> | null {
    if (this.server !== 'clangd') return null;
    this.clangd ??= new ClangdProcess(this.executable!, this.options, {
      diagnostics: (p) => this.diagnostics(p),
      started: () => {
        for (const [file, b] of this.buffers) this.clangd?.notify('open', this.uri(file), b.text, b.version);
      },
      failed: (reason) => {
        this.failure = reason;
        this.noticeGiven = false;
      },
    });
    return this.clangd.connect();
  }

  private uri(file: string): string {
    return pathToFileURL(path.join(this.options.root, file)).href;
  }

  /** A file URI as a place the UI can open: in the project, or in Kiln's include folder (read-only); null elsewhere. */
  private locate(uri: string): { where: SourceLocation['where']; path: string } | null {
    if (!uri.startsWith('file:')) return null;
    const file = fileURLToPath(uri);
    const inside = (dir: string) => {
      const rel = path.relative(dir, file);
      return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : null;
    };
    const include = inside(this.options.kilnIncludeDir);
    if (include) return { where: 'kiln-include', path: include };
    const project = inside(this.options.root);
    if (project && !project.startsWith('.kiln/')) return { where: 'project', path: project };
    return null;
  }

  open(file: string, text: string, version: number): LanguageStatus {
    this.buffers.set(file, { text, version });
    this.connection()?.catch(() => undefined);
    // A running clangd gets it now; a starting one gets every buffer in `started`.
    this.clangd?.notify('open', this.uri(file), text, version);
    return this.status();
  }

  change(file: string, text: string, version: number): void {
    const known = this.buffers.has(file);
    this.buffers.set(file, { text, version });
    if (!known) {
      this.open(file, text, version);
      return;
    }
    this.clangd?.notify('change', this.uri(file), text, version);
  }

  close(file: string): void {
    if (!this.buffers.delete(file)) return;
    this.clangd?.notify('close', this.uri(file));
  }

  private buffer(file: string): OpenBuffer {
    const b = this.buffers.get(file);
    if (!b) throw new Error(`${file} is not open for language features: send language.open with its text first`);
    return b;
  }

  /** A request to clangd, or null when clangd is not there (the caller answers from kiln.h). */
  private async ask<R>(run: (c: ProtocolConnection) => Promise<R>): Promise<R | null> {
    const ready = this.connection();
    if (!ready) return null;
    let c: ProtocolConnection;
    try {
      c = await ready;
    } catch {
      return null;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), REQUEST_TIMEOUT_MS)));
    try {
      return await Promise.race([run(c), timeout]);
    } catch {
      return null; // clangd died mid-request or refused it: no answer this time
    } finally {
      clearTimeout(timer);
    }
  }

  private position(file: string, line: number, column: number) {
    return { textDocument: { uri: this.uri(file) }, position: { line: line - 1, character: column - 1 } };
  }

  async completion(file: string, line: number, column: number): Promise<{ items: CompletionEntry[]; server: LanguageServer }> {
    const b = this.buffer(file);
    const result = await this.ask((c) => c.sendRequest(CompletionRequest.type, this.position(file, line, column)));
    if (result === null) return { items: headerCompletion(b.text, line, column), server: 'kiln.h' };
    const items = Array.isArray(result) ? result : result.items;
    return { items: items.map(completionEntry), server: 'clangd' };
  }

  async hover(file: string, line: number, column: number): Promise<HoverInfo | null> {
    const b = this.buffer(file);
    const result = await this.ask((c) => c.sendRequest(HoverRequest.type, this.position(file, line, column)));
    if (result === null) return this.server === 'clangd' ? null : headerHover(b.text, line, column);
    const markdown = markdownOf(result.contents);
    return markdown ? { markdown } : null;
  }

  async signature(file: string, line: number, column: number): Promise<SignatureInfo | null> {
    const b = this.buffer(file);
    const result = await this.ask((c) => c.sendRequest(SignatureHelpRequest.type, this.position(file, line, column)));
    if (result === null) return this.server === 'clangd' ? null : headerSignature(b.text, line, column);
    if (!result.signatures.length) return null;
    return {
      activeSignature: result.activeSignature ?? 0,
      activeParameter: result.activeParameter ?? 0,
      signatures: result.signatures.map((s) => ({
        label: s.label,
        documentation: s.documentation === undefined ? undefined : markdownOf(s.documentation),
        parameters: (s.parameters ?? []).map((p) => (typeof p.label === 'string' ? offsets(s.label, p.label) : p.label)),
      })),
    };
  }

  async definition(file: string, line: number, column: number): Promise<SourceLocation[]> {
    this.buffer(file);
    const result = await this.ask((c) => c.sendRequest(DefinitionRequest.type, this.position(file, line, column)));
    if (!result) return [];
    const list = (Array.isArray(result) ? result : [result]) as (Location | LocationLink)[];
    const out: SourceLocation[] = [];
    for (const l of list) {
      const uri = 'targetUri' in l ? l.targetUri : l.uri;
      const range = 'targetSelectionRange' in l ? l.targetSelectionRange : l.range;
      const place = this.locate(uri);
      if (place) out.push({ ...place, line: range.start.line + 1, column: range.start.character + 1 });
    }
    return out;
  }

  /** A header of Kiln's include folder, read-only (it lives outside the project). */
  async header(name: string): Promise<{ name: string; content: string }> {
    return { name, content: await fs.readFile(path.join(this.options.kilnIncludeDir, path.basename(name)), 'utf8') };
  }

  private diagnostics(p: PublishDiagnosticsParams): void {
    const place = this.locate(p.uri);
    if (!place || place.where !== 'project') return;
    const b = this.buffers.get(place.path);
    if (!b) return; // closed since: its markers went with the tab
    const diagnostics: Diagnostic[] = p.diagnostics.map((d) => ({
      file: place.path,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
      endLine: d.range.end.line + 1,
      endColumn: d.range.end.character + 1,
      severity: d.severity === DiagnosticSeverity.Error ? 'error' : d.severity === DiagnosticSeverity.Warning ? 'warning' : 'note',
      message: typeof d.message === 'string' ? d.message : d.message.value,
    }));
    this.options.onDiagnostics({ path: place.path, version: p.version ?? b.version, diagnostics });
  }

  async stop(): Promise<void> {
    this.buffers.clear();
    await this.clangd?.stop();
  }
}

function offsets(label: string, part: string): [number, number] {
  const at = label.indexOf(part);
  return at < 0 ? [0, 0] : [at, at + part.length];
}

function markdownOf(contents: MarkupContent | MarkedString | MarkedString[] | string): string {
  if (typeof contents === 'string') return contents;
  if (Array.isArray(contents)) return contents.map(markdownOf).join('\n\n');
  if ('kind' in contents) return contents.value;
  return `\`\`\`${contents.language}\n${contents.value}\n\`\`\``;
}

const KINDS: Partial<Record<number, CompletionKind>> = {
  [CompletionItemKind.Function]: 'function',
  [CompletionItemKind.Method]: 'function',
  [CompletionItemKind.Variable]: 'variable',
  [CompletionItemKind.Field]: 'field',
  [CompletionItemKind.Property]: 'field',
  [CompletionItemKind.Constant]: 'constant',
  [CompletionItemKind.EnumMember]: 'constant',
  [CompletionItemKind.Struct]: 'type',
  [CompletionItemKind.Class]: 'type',
  [CompletionItemKind.Enum]: 'type',
  [CompletionItemKind.TypeParameter]: 'type',
  [CompletionItemKind.Interface]: 'type',
  [CompletionItemKind.Keyword]: 'keyword',
  [CompletionItemKind.Snippet]: 'snippet',
  [CompletionItemKind.Text]: 'macro',
};

/** clangd's item as the UI's record: the name as label (clangd pads it), the signature as detail. */
function completionEntry(item: CompletionItem): CompletionEntry {
  const edit = item.textEdit && 'range' in item.textEdit ? item.textEdit : undefined;
  const name = (item.filterText ?? item.label).trim();
  const signature = item.labelDetails?.detail ?? item.label.trim().slice(name.length);
  return {
    label: name,
    kind: KINDS[item.kind ?? 0] ?? 'text',
    detail: [item.detail ?? item.labelDetails?.description, signature].filter(Boolean).join(' ').trim() || undefined,
    documentation: item.documentation === undefined ? undefined : markdownOf(item.documentation),
    insertText: edit?.newText ?? item.insertText ?? name,
    snippet: item.insertTextFormat === InsertTextFormat.Snippet,
    sortText: item.sortText,
    replaceFrom: edit ? edit.range.start.character + 1 : undefined,
    replaceTo: edit ? edit.range.end.character + 1 : undefined,
  };
}
