import { describe, expect, it } from 'vitest';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction } from 'vscode-languageserver-types';
import { analyze } from '../../src/core/analyze';
import { doc, service } from './helpers';

const ls = service();

function apply(d: TextDocument, a: CodeAction): string {
  const edits = [...a.edit!.changes![d.uri]].sort((p, q) => d.offsetAt(q.range.start) - d.offsetAt(p.range.start));
  let text = d.getText();
  for (const e of edits) text = text.slice(0, d.offsetAt(e.range.start)) + e.newText + text.slice(d.offsetAt(e.range.end));
  return text;
}

/** The actions offered for the first diagnostic with `code`, as the client asks for them. */
function actionsFor(text: string, code: string) {
  const d = doc(text);
  const diagnostics = ls.doValidation(d);
  const diag = diagnostics.find((x) => x.code === code);
  if (!diag) throw new Error(`no ${code} in ${JSON.stringify(diagnostics.map((x) => x.code))}`);
  const actions = ls.getCodeActions(d, diag.range, { diagnostics: [diag] });
  return { d, diag, actions, fixed: (title: RegExp) => apply(d, actions.find((a) => title.test(a.title))!) };
}

const spec = (layers: string, train = '  loss: categorical_crossentropy\n  optimizer: adam\n') =>
  `data:\n  source: { dataset: mnist }\n  pipeline:\n    - scale: 255\n    - reshape: { shape: [28, 28, 1] }\n    - one_hot: 10\nmodel:\n  input: [28, 28, 1]\n  layers:\n${layers}train:\n${train}`;

const errorsOf = (text: string) => analyze(text).diagnostics.filter((x) => x.severity === 'error' || x.severity === 'warning');

describe('code actions', () => {
  it('replaces an unknown name with the suggestion ("did you mean")', () => {
    const { actions, diag, fixed } = actionsFor(spec('    - flaten\n    - dense: { units: 10, activation: softmax }\n'), 'name/unknown');
    expect(actions.map((a) => a.title)).toEqual(["Change to 'flatten'"]);
    expect(actions[0].kind).toBe('quickfix');
    expect(actions[0].isPreferred).toBe(true);
    expect(actions[0].diagnostics).toEqual([diag]);
    expect(errorsOf(fixed(/flatten/))).toEqual([]);
  });

  it('inserts `flatten` before a dense layer fed a 4-D tensor (block list)', () => {
    const { fixed } = actionsFor(spec('    - conv2d: { filters: 8, kernel_size: 3 }\n    - dense: { units: 10, activation: softmax }\n'), 'shape/output-mismatch');
    const text = fixed(/flatten/);
    expect(text).toContain('    - conv2d: { filters: 8, kernel_size: 3 }\n    - flatten\n    - dense: { units: 10, activation: softmax }\n');
    expect(errorsOf(text)).toEqual([]);
  });

  it('inserts `flatten` in a flow list', () => {
    const text = spec('').replace('  layers:\n', '  layers: [{ conv2d: { filters: 2, kernel_size: 3 } }, { dense: { units: 10, activation: softmax } }]\n');
    const fixed = actionsFor(text, 'shape/output-mismatch').fixed(/flatten/);
    expect(fixed).toContain('layers: [{ conv2d: { filters: 2, kernel_size: 3 } }, flatten, { dense');
    expect(errorsOf(fixed)).toEqual([]);
  });

  it("sets the last layer's units to the number of classes", () => {
    const { fixed } = actionsFor(spec('    - flatten\n    - dense: { units: 12, activation: softmax }\n'), 'shape/units-mismatch');
    const text = fixed(/units/);
    expect(text).toContain('- dense: { units: 10, activation: softmax }');
    expect(errorsOf(text)).toEqual([]);
  });

  it('swaps the last activation to one that fits the loss', () => {
    const { fixed } = actionsFor(spec('    - flatten\n    - dense:\n        units: 10\n        activation: sigmoid\n'), 'loss/activation-mismatch');
    const text = fixed(/softmax/);
    expect(text).toContain('        activation: softmax\n');
    expect(errorsOf(text)).toEqual([]);
  });

  it('adds an activation the last layer lacks', () => {
    const { fixed } = actionsFor(spec('    - flatten\n    - dense: { units: 10 }\n'), 'loss/activation-mismatch');
    const text = fixed(/softmax/);
    expect(text).toContain('- dense: { units: 10, activation: softmax }');
    expect(errorsOf(text)).toEqual([]);
  });

  it('swaps the loss to one that fits the activation and the labels', () => {
    const xor = 'data:\n  source: { dataset: xor }\nmodel:\n  input: [2]\n  layers:\n    - dense: { units: 1, activation: sigmoid }\ntrain:\n  loss: categorical_crossentropy\n';
    const { actions, fixed } = actionsFor(xor, 'loss/activation-mismatch');
    expect(actions.map((a) => a.title)).toEqual(["Use activation 'softmax'", "Use loss 'binary_crossentropy'"]);
    const text = fixed(/Use loss/);
    expect(text).toContain('  loss: binary_crossentropy\n');
    expect(errorsOf(text)).toEqual([]);
  });

  it('adds a missing required key', () => {
    const { fixed } = actionsFor(spec('    - flatten\n    - dense: { units: 10, activation: softmax }\n', '  optimizer: adam\n'), 'key/missing');
    const text = fixed(/loss/);
    expect(text).toMatch(/train:\n {2}optimizer: adam\n {2}loss: \w+\n$/);
    expect(analyze(text).diagnostics.filter((x) => x.code === 'key/missing')).toEqual([]);
  });

  it('adds a missing key under an empty section', () => {
    const { fixed } = actionsFor('data:\nmodel:\n  input: [4]\n  layers:\n    - dense: { units: 3 }\n', 'key/missing');
    const text = fixed(/source/);
    expect(text.startsWith('data:\n  source: ')).toBe(true);
    expect(analyze(text).diagnostics.filter((x) => x.code === 'key/missing')).toEqual([]);
  });

  it('adds a missing required parameter to flow, block and bare items', () => {
    const flow = actionsFor('model:\n  input: [4]\n  layers:\n    - dense: { activation: relu }\n', 'param/missing').fixed(/units/);
    expect(flow).toContain('- dense: { activation: relu, units: ');
    const block = actionsFor('model:\n  input: [4]\n  layers:\n    - dense:\n        activation: relu  # why\n    - flatten\n', 'param/missing').fixed(/units/);
    expect(block).toContain('    - dense:\n        activation: relu  # why\n        units: ');
    const bare = actionsFor('model:\n  input: [4]\n  layers:\n    - dense\n', 'param/missing').fixed(/units/);
    expect(bare).toContain('    - dense: { units: ');
    for (const t of [flow, block, bare]) expect(analyze(t).diagnostics.filter((x) => x.code === 'param/missing')).toEqual([]);
  });

  it('offers actions for the cursor position even without the diagnostic in the context', () => {
    const d = doc(spec('    - flaten\n    - dense: { units: 10, activation: softmax }\n'));
    const at = d.getText().indexOf('flaten') + 2;
    const actions = ls.getCodeActions(d, { start: d.positionAt(at), end: d.positionAt(at) }, { diagnostics: [] });
    expect(actions.map((a) => a.title)).toEqual(["Change to 'flatten'"]);
  });

  it('offers nothing when only other kinds are asked for', () => {
    const d = doc(spec('    - flaten\n'));
    const diag = ls.doValidation(d)[0];
    expect(ls.getCodeActions(d, diag.range, { diagnostics: [diag], only: ['refactor'] })).toEqual([]);
  });
});
