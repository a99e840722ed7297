import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { env, parsePositive, parseSwitch, variablesTable } from '../../src/node/config';

describe('configuration (src/node/config.ts)', () => {
  it('parses switches one way everywhere', () => {
    for (const on of ['1', 'on', 'TRUE', 'yes', ' On ']) expect(parseSwitch(on)).toBe(true);
    for (const off of ['0', 'off', 'False', 'no']) expect(parseSwitch(off)).toBe(false);
    for (const neither of [undefined, '', 'maybe', '2']) expect(parseSwitch(neither)).toBeUndefined();
  });

  it('parses numbers as positive finite values or nothing', () => {
    expect(parsePositive('4')).toBe(4);
    expect(parsePositive('2.5')).toBe(2.5);
    for (const bad of [undefined, '', '0', '-3', 'abc', 'Infinity']) expect(parsePositive(bad)).toBeUndefined();
  });

  it('reads the current environment on each call', () => {
    const before = process.env.MODELYAML_PARALLEL;
    try {
      process.env.MODELYAML_PARALLEL = 'off';
      expect(env.parallel()).toBe(false);
      process.env.MODELYAML_PARALLEL = 'yes';
      expect(env.parallel()).toBe(true);
    } finally {
      if (before === undefined) delete process.env.MODELYAML_PARALLEL;
      else process.env.MODELYAML_PARALLEL = before;
    }
  });

  it('docs/configuration.md holds the generated table (npm run generate)', () => {
    expect(readFileSync('docs/configuration.md', 'utf8')).toContain(variablesTable());
  });
});

describe('version', () => {
  it('comes from package.json', async () => {
    const { VERSION } = await import('../../src/core/version');
    expect(VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
