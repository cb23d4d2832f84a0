/**
 * Images, gamepads and the live game size in the runner: koffi bindings to kiln_image_reload,
 * kiln_set_pad and kiln_resize (native/include/kiln_runtime.h), with kiln_image_info turned into the contract's
 * AssetReload. Undefined when the loaded libkiln predates them.
 */
import koffi, { type LibraryHandle } from 'koffi';
import type { AssetReload } from '../shared/contract';

type KFunc = ReturnType<LibraryHandle['func']>;

/** struct kiln_image_info. */
interface NativeImageInfo {
  handle: number;
  width: number;
  height: number;
  placeholder: number;
  generation: number;
  decode_s: number;
  path: string;
  error: string;
}

export interface NativeMedia {
  /** The file changed on disk: the reloaded image, or null when the game never loaded it. */
  reloadImage(rt: unknown, path: string): AssetReload | null;
  setPad(rt: unknown, pad: number, connected: boolean, buttons: number, axes: number[]): void;
  /** Error text, or undefined when the framebuffer has the new size. */
  resize(rt: unknown, width: number, height: number): string | undefined;
}

export function bindMedia(lib: LibraryHandle, lastError: (rt: unknown) => string): NativeMedia | undefined {
  let reload: KFunc, setPad: KFunc, resize: KFunc;
  try {
    koffi.struct('kiln_image_info', {
      handle: 'int32_t',
      width: 'int32_t',
      height: 'int32_t',
      placeholder: 'int32_t',
      generation: 'uint32_t',
      reserved: 'int32_t',
      decode_s: 'double',
      path: koffi.array('char', 256),
      error: koffi.array('char', 512),
    });
    reload = lib.func('int32_t kiln_image_reload(kiln_runtime *rt, const char *path, _Out_ kiln_image_info *out)');
    setPad = lib.func('void kiln_set_pad(kiln_runtime *rt, int32_t pad, int32_t connected, uint32_t buttons, float lx, float ly, float rx, float ry)');
    resize = lib.func('int32_t kiln_resize(kiln_runtime *rt, int32_t width, int32_t height)');
  } catch {
    return undefined; // an older libkiln: no images, pads or live resize
  }
  return {
    reloadImage(rt, path) {
      const out = {} as NativeImageInfo;
      reload(rt, path, out);
      if (out.handle < 0) return null;
      return {
        path: out.path,
        image: out.handle,
        width: out.width,
        height: out.height,
        generation: out.generation,
        placeholder: out.placeholder === 1,
        ...(out.error && { error: out.error }),
        decodeMs: Math.round(out.decode_s * 1e6) / 1e3,
      };
    },
    setPad: (rt, pad, connected, buttons, axes) => setPad(rt, pad, connected ? 1 : 0, buttons >>> 0, axes[0] ?? 0, axes[1] ?? 0, axes[2] ?? 0, axes[3] ?? 0),
    resize: (rt, width, height) => ((resize(rt, width, height) as number) < 0 ? lastError(rt) : undefined),
  };
}
