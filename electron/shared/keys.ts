/** Key mapping shared by the editor (contract.ts re-exports it) and the web export's player, which bundles only this file. */
/** Browser KeyboardEvent.code -> kiln key code (plugins/include/kiln.h enum kiln_key). */
export function keyCodeFromDom(code: string): number | null {
  if (/^Key[A-Z]$/.test(code)) return code.charCodeAt(3);
  if (/^Digit[0-9]$/.test(code)) return code.charCodeAt(5);
  const named: Record<string, number> = {
    Space: 32,
    ArrowUp: 256,
    ArrowDown: 257,
    ArrowLeft: 258,
    ArrowRight: 259,
    Enter: 260,
    Escape: 261,
    ShiftLeft: 262,
    ShiftRight: 262,
    ControlLeft: 263,
    ControlRight: 263,
    Tab: 264,
    Backspace: 265,
  };
  return named[code] ?? null;
}
