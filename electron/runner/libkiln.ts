/** koffi bindings to libkiln (native/include/kiln_runtime.h). Only the runner process loads this. */
import koffi from 'koffi';

export interface LibKiln {
  create(width: number, height: number, workDir: string): unknown;
  createError(): string;
  destroy(rt: unknown): void;
  lastError(rt: unknown): string;
  /** kiln_load_plugin_version: load, labelling the image with the editor's version number. */
  loadPlugin(rt: unknown, name: string, path: string, version: number): number;
  /**
   * The same load on one of koffi's worker threads (copy + dlopen run off the game loop; libkiln locks
   * only the swap), with that load's own error text (kiln_load_plugin_report).
   */
  loadPluginAsync(rt: unknown, name: string, path: string, version: number): Promise<{ code: number; error: string }>;
  /** The calling thread's last error: a crash report read on the game thread is that frame's own. */
  threadLastError(): string;
  pluginVersion(rt: unknown, name: string): number;
  pluginPaused(rt: unknown, name: string): number;
  lastStateAction(rt: unknown): number;
  frame(rt: unknown, dt: number): number;
  copyFramebuffer(rt: unknown, out: Uint8Array, cap: number): number;
  setKey(rt: unknown, key: number, down: number): void;
  pollMessage(rt: unknown, buf: Buffer, cap: number, level: Int32Array): number;
  resetState(rt: unknown, name: string): number;
  /** Newer entry points: undefined when the loaded libkiln predates them. */
  setMouse?: (rt: unknown, x: number, y: number, buttons: number) => void;
  snapshot?: (rt: unknown, buf: Uint8Array | null, cap: number) => number;
  restore?: (rt: unknown, buf: Uint8Array, len: number) => number;
}

export const KILN_ERR_CRASH = -7;

export function loadLibKiln(path: string): LibKiln {
  const lib = koffi.load(path);
  koffi.opaque('kiln_runtime');
  // koffi throws when a symbol is missing; an optional binding is simply left out.
  const optional = <T>(decl: string): T | undefined => {
    try {
      return lib.func(decl) as T;
    } catch {
      return undefined;
    }
  };
  const loadPlugin = lib.func('int32_t kiln_load_plugin_version(kiln_runtime *rt, const char *name, const char *path, int32_t version)');
  const loadReport = lib.func('int32_t kiln_load_plugin_report(kiln_runtime *rt, const char *name, const char *path, int32_t version, _Out_ uint8_t *error_out, int32_t cap)');
  return {
    loadPluginAsync: (rt, name, path, version) =>
      new Promise((resolve, reject) => {
        const error = Buffer.alloc(1024); // owned by this call until koffi's worker returns
        loadReport.async(rt, name, path, version, error, error.length, (err: unknown, code: number) =>
          err ? reject(err) : resolve({ code, error: error.toString('utf8', 0, Math.max(0, error.indexOf(0))) }),
        );
      }),
    threadLastError: lib.func('const char *kiln_thread_last_error(void)'),
    pluginVersion: lib.func('int32_t kiln_plugin_version(const kiln_runtime *rt, const char *name)'),
    pluginPaused: lib.func('int32_t kiln_plugin_paused(const kiln_runtime *rt, const char *name)'),
    resetState: lib.func('int32_t kiln_reset_state(kiln_runtime *rt, const char *name)'),
    setMouse: optional('void kiln_set_mouse(kiln_runtime *rt, int32_t x, int32_t y, int32_t buttons)'),
    snapshot: optional('int32_t kiln_snapshot(kiln_runtime *rt, _Out_ uint8_t *buf, int32_t cap)'),
    restore: optional('int32_t kiln_restore(kiln_runtime *rt, const uint8_t *buf, int32_t len)'),
    create: lib.func('kiln_runtime *kiln_create(int32_t width, int32_t height, const char *work_dir)'),
    createError: lib.func('const char *kiln_create_error(void)'),
    destroy: lib.func('void kiln_destroy(kiln_runtime *rt)'),
    lastError: lib.func('const char *kiln_last_error(const kiln_runtime *rt)'),
    loadPlugin,
    lastStateAction: lib.func('int32_t kiln_last_state_action(const kiln_runtime *rt)'),
    frame: lib.func('int32_t kiln_frame(kiln_runtime *rt, double dt)'),
    copyFramebuffer: lib.func('int32_t kiln_copy_framebuffer(const kiln_runtime *rt, _Out_ uint8_t *out, int32_t cap)'),
    setKey: lib.func('void kiln_set_key(kiln_runtime *rt, int32_t key, int32_t down)'),
    pollMessage: lib.func('int32_t kiln_poll_message(kiln_runtime *rt, _Out_ uint8_t *buf, int32_t cap, _Out_ int32_t *level)'),
  };
}
