/** The state inspector's rendering from GameState records, and how it reads and shows what a user types. */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { GameState } from '../../../electron/shared/contract';
import { parseValue } from '../stores/stateInspectorStore';
import { StateInspectorView, type StateInspectorViewProps } from './StateInspector';
import { formatValue, hexLines } from './stateFormat';

const STATE: GameState = {
  frame: 120,
  plugins: [
    {
      plugin: 'stars', version: 3, paused: false, size: 24, stateVersion: 1,
      fields: [
        { name: 'lit', type: 'i32', offset: 0, count: 5, values: [0, 10, 20, 30, 40] },
        { name: 'speed', type: 'f32', offset: 20, count: 1, values: [120.30000305175781] },
        { name: 'on', type: 'bool', offset: 24, count: 1, values: [true] },
      ],
    },
    { plugin: 'bare', version: 1, paused: true, size: 4, stateVersion: 1, fields: null, hex: '11eeffc0' },
  ],
};

/** The panel's markup for these props (open, with STATE, nothing edited, unless said). */
const render = (props: Partial<StateInspectorViewProps> = {}) =>
  renderToStaticMarkup(<StateInspectorView {...{ open: true, state: STATE, readError: null, reads: 3, editing: null, editError: null, expanded: {}, ...props }} />);

describe('the state inspector panel', () => {
  it('closed: only its bar, nothing read or shown', () => {
    const html = render({ open: false });
    expect(html).toContain('data-testid="state-inspector"');
    expect(html).toContain('data-open="false"');
    expect(html).not.toContain('state-value');
  });

  it('open: fields with values, arrays folded to a preview, floats as floats, a table-less block as hex with the hint', () => {
    const html = render();
    expect(html).toContain('data-field="stars.speed" data-value="120.3"');
    expect(html).toContain('data-field="stars.on" data-value="true"');
    expect(html).toContain('[0, 10, 20, 30, 40]');
    expect(html).not.toContain('data-field="stars.lit[3]"');
    expect(html).toContain('0000  11 ee ff c0');
    expect(html).toContain('No KILN_FIELD table');
    expect(html).toContain('paused');
  });

  it('an expanded array lists each element as its own editable value', () => {
    const html = render({ expanded: { 'stars.lit': true } });
    expect(html).toContain('data-field="stars.lit[3]" data-value="30"');
  });

  it('the element being edited is an input; a refusal shows under it', () => {
    const html = render({ editing: { plugin: 'stars', field: 'speed', index: 0 }, editError: '"x" is not a number' });
    expect(html).toMatch(/<input[^>]*data-testid="state-edit"[^>]*data-field="stars.speed"/);
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('&quot;x&quot; is not a number');
  });
});

describe('values in and out', () => {
  it('formats floats as floats and ints and bools as they are', () => {
    expect(formatValue('f32', 160)).toBe('160.0');
    expect(formatValue('f32', 0.10000000149011612)).toBe('0.1');
    expect(formatValue('f64', 0.1)).toBe('0.1');
    expect(formatValue('f32', -2.5)).toBe('-2.5');
    expect(formatValue('i32', -7)).toBe('-7');
    expect(formatValue('bool', false)).toBe('false');
  });

  it('parses what a user types for the field, or says why not', () => {
    expect(parseValue({ name: 'on', type: 'bool' }, ' True ')).toEqual({ value: true });
    expect(parseValue({ name: 'on', type: 'bool' }, '0')).toEqual({ value: false });
    expect(parseValue({ name: 'on', type: 'bool' }, 'yes')).toEqual({ reason: 'on is a bool: type true or false' });
    expect(parseValue({ name: 'x', type: 'f32' }, '1e3')).toEqual({ value: 1000 });
    expect(parseValue({ name: 'x', type: 'i32' }, '')).toEqual({ reason: '"" is not a number' });
    expect(parseValue({ name: 'x', type: 'i32' }, '12abc')).toEqual({ reason: '"12abc" is not a number' });
  });

  it('dumps bytes 16 a line with their offset', () => {
    expect(hexLines('00'.repeat(17))).toEqual([`0000  ${Array(16).fill('00').join(' ')}`, '0010  00']);
  });
});
