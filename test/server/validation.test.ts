import { describe, expect, it } from 'vitest';
import { DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver-types';
import { caret, doc, example, examplesDir, examplesHost, service } from './helpers';
import { readdirSync } from 'node:fs';

const ls = service();

describe('validation', () => {
  it('reports the core findings with codes, exact ranges and severities', () => {
    const { document } = caret('model:\n  input: [4]\n  layers:\n    - dense: { units: 3, actvation: relu }|\n');
    const [d] = ls.doValidation(document);
    expect(d).toMatchObject({ code: 'param/unknown', severity: DiagnosticSeverity.Error, source: 'modelyaml' });
    expect(d.range).toEqual({ start: { line: 3, character: 25 }, end: { line: 3, character: 34 } });
    expect(d.message).toContain('Did you mean `activation`?');
  });

  it('carries related information: the layer that produced the offending shape', () => {
    const d = doc('model:\n  input: [4]\n  layers:\n    - dense: { units: 3 }\n    - conv2d: { filters: 2, kernel_size: 3 }\n');
    const diag = ls.doValidation(d).find((x) => x.code === 'shape/rank')!;
    expect(diag.relatedInformation?.[0].message).toContain('(None, 3)');
    expect(diag.relatedInformation?.[0].location).toEqual({ uri: d.uri, range: { start: { line: 3, character: 6 }, end: { line: 3, character: 11 } } });
  });

  it('folds related information into the message for clients without it', () => {
    const plain = service({ client: { relatedInformation: false } });
    const d = doc('model:\n  input: [4]\n  layers:\n    - dense: { units: 3 }\n    - conv2d: { filters: 2, kernel_size: 3 }\n');
    const diag = plain.doValidation(d).find((x) => x.code === 'shape/rank')!;
    expect(diag.relatedInformation).toBeUndefined();
    expect(diag.message).toContain('(line 4: `dense_1` produces (None, 3))');
  });

  it('marks layers that do not lead to the output as unnecessary', () => {
    const d = doc('model:\n  input: [4]\n  layers:\n    - dense: { units: 3 }\n      name: a\n    - dense: { units: 3 }\n      name: b\n      inputs: input\n');
    const diag = ls.doValidation(d).find((x) => x.code === 'model/unused-layer')!;
    expect(diag.tags).toEqual([DiagnosticTag.Unnecessary]);
    expect(diag.severity).toBe(DiagnosticSeverity.Warning);
  });

  it('reports YAML syntax errors', () => {
    const d = doc('model:\n  input: [4\n');
    expect(ls.doValidation(d).some((x) => String(x.code).startsWith('yaml/'))).toBe(true);
  });

  it('finds nothing wrong with the examples', () => {
    const files = readdirSync(examplesDir).filter((f) => f.endsWith('.model.yaml'));
    expect(files.length).toBeGreaterThan(3);
    // With the server's data host, as in the editor (the `bert` example's shapes come from its folder).
    const withHost = service({ host: examplesHost });
    for (const f of files) expect(withHost.doValidation(example(f)).filter((x) => x.severity === DiagnosticSeverity.Error), f).toEqual([]);
  });

  it('analyses each document version once', () => {
    const d = example('mnist-cnn.model.yaml');
    const a = ls.analyze(d);
    ls.doValidation(d);
    ls.doHover(d, { line: 20, character: 8 });
    ls.doComplete(d, { line: 20, character: 8 });
    expect(ls.analyze(d)).toBe(a);
  });
});
