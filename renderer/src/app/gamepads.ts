/**
 * Gamepads for the game: navigator.getGamepads() polled once per animation frame while the game has focus, each
 * pad's state sent (game.pad) when it changes; losing focus releases everything the game was told about.
 * Buttons are the W3C "standard" mapping's (kiln.h PAD_A..PAD_HOME), sent as bits; axes LX, LY, RX, RY.
 */
import { useEffect } from 'react';
import { PAD_BUTTONS, PAD_COUNT, type RequestParams } from '../../../electron/shared/contract';
import { kiln } from '../api';

export type PadState = RequestParams<'game.pad'>;

const clampAxis = (v: number | undefined) => (Number.isFinite(v) ? Math.round(Math.max(-1, Math.min(1, v as number)) * 1000) / 1000 : 0);

/** What the game should see of each of the first PAD_COUNT pads (a missing one is disconnected). */
export function padStates(pads: ReadonlyArray<Gamepad | null> | null | undefined): PadState[] {
  const out: PadState[] = [];
  for (let pad = 0; pad < PAD_COUNT; pad++) {
    const gp = pads?.[pad];
    if (!gp || !gp.connected) {
      out.push(released(pad));
      continue;
    }
    let buttons = 0;
    gp.buttons.slice(0, PAD_BUTTONS).forEach((b, i) => {
      if (b?.pressed) buttons |= 1 << i;
    });
    out.push({ pad, connected: true, buttons: buttons >>> 0, axes: [0, 1, 2, 3].map((i) => clampAxis(gp.axes[i])) });
  }
  return out;
}

const key = (s: PadState) => `${s.connected ? 1 : 0}|${s.buttons}|${s.axes.join(',')}`;
const released = (pad: number): PadState => ({ pad, connected: false, buttons: 0, axes: [0, 0, 0, 0] });

function send(state: PadState): void {
  // best effort like keys: a lost message is corrected by the next change or by blur
  kiln().invoke('game.pad', state).catch(() => {});
}

/** Polls the gamepads while `focused`; on blur every pad the game saw connected is sent as released. */
export function useGamepads(focused: boolean): void {
  useEffect(() => {
    if (!focused || typeof navigator.getGamepads !== 'function') return;
    const sent = new Map<number, string>();
    let raf = 0;
    const poll = () => {
      raf = requestAnimationFrame(poll);
      for (const state of padStates(navigator.getGamepads())) {
        const k = key(state);
        if ((sent.get(state.pad) ?? key(released(state.pad))) === k) continue;
        sent.set(state.pad, k);
        send(state);
      }
    };
    poll();
    return () => {
      cancelAnimationFrame(raf);
      for (const [pad, k] of sent) if (k !== key(released(pad))) send(released(pad));
    };
  }, [focused]);
}
