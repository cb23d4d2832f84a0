/** Facts about the shipped pong.c that the specs need: where a #define is and what colour it holds. */
import { readFileSync } from 'node:fs';

export interface Define {
  line: number; // 1-based
  text: string;
  value: string;
}

export function findDefine(file: string, name: string): Define {
  const lines = readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((l) => new RegExp(`^#define\\s+${name}\\b`).test(l));
  if (index < 0) throw new Error(`${file} has no #define ${name}`);
  const value = /^#define\s+\w+\s+(\S+)/.exec(lines[index])![1];
  return { line: index + 1, text: lines[index], value };
}
