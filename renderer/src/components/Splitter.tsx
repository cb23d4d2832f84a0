import { useRef } from 'react';
import { PANE_LIMITS, useSettingsStore, type PaneSizes } from '../stores/settingsStore';

interface SplitterProps {
  pane: keyof PaneSizes;
  /** 'x': drag left/right to resize a column; 'y': drag up/down to resize a row. */
  axis: 'x' | 'y';
  /** +1 when moving right/down grows the pane, -1 when it shrinks it. */
  sign: 1 | -1;
  label: string;
}

/** A drag handle between panes (arrow keys move it too); the size is saved with the settings. */
export function Splitter({ pane, axis, sign, label }: SplitterProps) {
  const size = useSettingsStore((s) => s.panes[pane]);
  const setPane = useSettingsStore((s) => s.setPane);
  const drag = useRef<{ start: number; size: number } | null>(null);
  const { min, max } = PANE_LIMITS[pane];
  return (
    <div
      className={`splitter splitter-${axis}`}
      role="separator"
      tabIndex={0}
      aria-label={label}
      aria-orientation={axis === 'x' ? 'vertical' : 'horizontal'}
      aria-valuenow={size}
      aria-valuemin={min}
      aria-valuemax={max}
      data-testid={`splitter-${pane}`}
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = { start: axis === 'x' ? e.clientX : e.clientY, size };
      }}
      onPointerMove={(e) => {
        if (!drag.current) return;
        const delta = (axis === 'x' ? e.clientX : e.clientY) - drag.current.start;
        setPane(pane, drag.current.size + sign * delta);
      }}
      onPointerUp={() => (drag.current = null)}
      onKeyDown={(e) => {
        const back = axis === 'x' ? 'ArrowLeft' : 'ArrowUp';
        const fwd = axis === 'x' ? 'ArrowRight' : 'ArrowDown';
        const step = e.shiftKey ? 64 : 16;
        if (e.key === back) setPane(pane, size - sign * step);
        else if (e.key === fwd) setPane(pane, size + sign * step);
        else return;
        e.preventDefault();
      }}
    />
  );
}
