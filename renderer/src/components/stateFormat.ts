import type { StateFieldType } from '../../../electron/shared/contract';

/** A field value as the inspector shows it: floats to their own precision (an f32 to 7 digits) and marked as floats. */
export function formatValue(type: StateFieldType, v: number | boolean): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (type !== 'f32' && type !== 'f64') return String(v);
  if (!Number.isFinite(v)) return String(v);
  const s = String(type === 'f32' ? Number(v.toPrecision(7)) : v);
  return /^-?\d+$/.test(s) ? `${s}.0` : s; // 160.0, so a float never reads as an int
}

/** Bytes as hex dump lines: "0010  0a 0b …" (16 a line). */
export function hexLines(hex: string): string[] {
  const lines: string[] = [];
  for (let at = 0; at < hex.length; at += 32) {
    const bytes = hex.slice(at, at + 32).match(/../g) ?? [];
    lines.push(`${(at / 2).toString(16).padStart(4, '0')}  ${bytes.join(' ')}`);
  }
  return lines;
}
