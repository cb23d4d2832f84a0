/**
 * An image file changed on disk: the running game reloads it under the same handle (libkiln's kiln_image_reload,
 * asked through the runner), and the reload log gets one entry with trigger 'asset' carrying the AssetReload
 * record. Files the game never loaded change nothing and log nothing.
 */
import type { AssetReload, ReloadEvent } from '../shared/contract';
import { nowMs } from './runner-protocol';

/** The reload log entry for an image reload: `plugin` names the file (the log's per-plugin views group by it). */
export function assetReloadEvent(asset: AssetReload, seenAt: number, doneAt: number = nowMs()): Omit<ReloadEvent, 'id'> {
  const size = `${asset.width}x${asset.height}`;
  const message = asset.placeholder
    ? `${asset.path}: ${asset.error ?? 'it could not be read'}; the game draws a ${size} placeholder (image ${asset.image}) until the file is fixed`
    : `${asset.path} reloaded: ${size}, image ${asset.image}, no code reload`;
  return {
    plugin: asset.path,
    version: asset.generation,
    trigger: 'asset',
    outcome: asset.placeholder ? 'load-error' : 'ok',
    at: seenAt,
    timings: { loadMs: asset.decodeMs, totalMs: Math.round((doneAt - seenAt) * 1000) / 1000 },
    diagnostics: [],
    message,
    asset,
  };
}
