/** The comparison panel's messages: what the host sends is accepted, damaged or foreign messages are refused saying why. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffSpecTexts } from '../../src/core/diff';
import { validateDiffFromWebview, validateDiffToWebview } from '../../src/core/protocol/diffWebview';

const cnn = readFileSync(join(__dirname, '../../examples/mnist-cnn.model.yaml'), 'utf8');
const diff = diffSpecTexts({ text: cnn, label: 'a' }, { text: cnn.replace('units: 64', 'units: 128'), label: 'b' });

describe('comparison panel messages', () => {
  it('accepts a real diff (as JSON crossed the boundary) and the empty message', () => {
    expect(validateDiffToWebview(JSON.parse(JSON.stringify({ type: 'diff', diff })))).toMatchObject({ ok: true });
    expect(validateDiffToWebview({ type: 'empty', message: 'nothing yet' })).toMatchObject({ ok: true });
    expect(validateDiffFromWebview({ type: 'ready', version: 1 })).toMatchObject({ ok: true });
    expect(validateDiffFromWebview({ type: 'log', level: 'warning', message: 'x' })).toMatchObject({ ok: true });
  });

  it('refuses another format version, a layer without sides, an unknown message type', () => {
    expect(validateDiffToWebview({ type: 'diff', diff: { ...diff, formatVersion: 2 } })).toEqual({ ok: false, error: 'invalid `diff` diff host message: field `diff` missing or of the wrong type' });
    expect(validateDiffToWebview({ type: 'diff', diff: { ...diff, layers: [{ status: 'added', changes: [] }] } })).toMatchObject({ ok: false });
    expect(validateDiffToWebview({ type: 'diff', diff: { ...diff, layers: [{ ...diff.layers[0], status: 'moved' }] } })).toMatchObject({ ok: false });
    expect(validateDiffFromWebview({ type: 'reveal', nodeId: 'x' })).toEqual({ ok: false, error: 'unknown diff webview message type "reveal"' });
  });
});
