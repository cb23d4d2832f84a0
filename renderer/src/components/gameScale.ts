/**
 * How big the game is drawn. The rule (README "Layout"):
 * 1. Every game pixel becomes the same whole number of *device* pixels: the CSS scale is k / devicePixelRatio
 *    (so at 200 % display scaling 1.5× is perfectly even, and at 100 % only whole numbers are).
 * 2. Below 2×, where the next even step does not fit, 1.5× is used rather than dropping to 1×: nearest-neighbour
 *    sampling (`image-rendering: pixelated`) keeps every edge hard, and at 1280×720 a 2× game (656 px column)
 *    would leave the editor under 500 px, while 1× leaves most of the column empty.
 * 3. Never below 1×: a game larger than its box is clipped, not blurred.
 */
export function sharpScale(boxW: number, boxH: number, w: number, h: number, dpr = 1): number {
  const fit = Math.min(boxW / w, boxH / h);
  const ratio = dpr > 0 && Number.isFinite(dpr) ? dpr : 1;
  const even = Math.floor(fit * ratio + 1e-9) / ratio;
  const halfStep = fit >= 1.5 && even < 1.5 ? 1.5 : 0;
  return Math.max(1, even, halfStep);
}

/** The game column's padding and focus outline around the canvas (GameView's CSS). */
export const GAME_CHROME = { width: 18, height: 8 };

/** "fit": fill the box, keep the aspect (any factor, pixels stay hard-edged but may differ by one device pixel). */
export function fitScale(boxW: number, boxH: number, w: number, h: number): number {
  return Math.max(0.1, Math.min(boxW / w, boxH / h));
}
