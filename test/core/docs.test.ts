import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allEntries } from '../../src/core/catalog';
import { catalogReference, onnxOperatorTable, torchModuleTable } from '../../src/core/docs';

describe('docs/language.md', () => {
  const text = readFileSync(join(__dirname, '../../docs/language.md'), 'utf8');

  it('holds the current generated catalog reference (run `npm run generate` after changing the catalog)', () => {
    const begin = text.indexOf('-->', text.indexOf('<!-- catalog:begin')) + 3;
    const end = text.indexOf('<!-- catalog:end -->');
    expect(text.slice(begin, end).trim()).toBe(catalogReference().trim());
  });

  it('documents every catalog entry with its formula', () => {
    for (const e of allEntries()) {
      expect(text, e.name).toContain(`### \`${e.name}\``);
      expect(text, e.name).toContain(e.formulas[0].unicode);
    }
  });
});

/** The generated part of a docs page, between `<!-- name:begin … -->` and `<!-- name:end -->`. */
function generated(page: string, name: string): string {
  const text = readFileSync(join(__dirname, '../../docs', page), 'utf8');
  return text.slice(text.indexOf('-->', text.indexOf(`<!-- ${name}:begin`)) + 3, text.indexOf(`<!-- ${name}:end -->`)).trim();
}

describe('generated docs tables (run `npm run generate` after changing a mapping)', () => {
  it('docs/deploying.md holds the current layer → ONNX operator tables', () => {
    expect(generated('deploying.md', 'onnx')).toBe(onnxOperatorTable().trim());
  });
  it('docs/cluster.md holds the current layer ↔ PyTorch module table', () => {
    expect(generated('cluster.md', 'pytorch')).toBe(torchModuleTable().trim());
  });
});

describe('the gru reference', () => {
  // Issue 15, item 3: `reset_after: false` was called "Keras 2's default", but tf.keras 2 (TensorFlow 2) defaults to true.
  it('says whose default reset_after: false is without calling it Keras 2\'s', () => {
    const gru = allEntries().find((e) => e.category === 'layer' && e.name === 'gru')!;
    expect(gru.docs).not.toMatch(/Keras 2'?s default/);
    expect(gru.docs).toContain('standalone Keras up to 2.3');
    expect(gru.docs).toContain('tf.keras in TensorFlow 2 already defaults to `true`');
  });
});
