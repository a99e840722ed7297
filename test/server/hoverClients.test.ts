/**
 * Hovers as different clients get them from the real server: formula images only for a client
 * that says it shows them (VS Code, `initializationOptions.formulaImages`), each formula once, the
 * main update rule first, and high-contrast colours.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Hover } from 'vscode-languageserver-protocol';
import { lookup } from '../../src/core/catalog';
import type { LspClient } from './lspClient';
import { inlineText } from './markdownTable';
import { open, start } from './serverProcess';

const adam = lookup('optimizer', 'adam')!;
const unicode = (label: string) => adam.formulas.find((f) => f.label === label)!.unicode;
const IMAGE = /!\[((?:[^\]\\]|\\.)*)\]\(data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)\)/g;

let client: LspClient | undefined;
afterEach(async () => {
  expect(client?.stderr() ?? '').toBe('');
  await client?.stop();
  client = undefined;
});

async function hoverAdam(init: unknown, theme?: unknown): Promise<string> {
  client = await start({ init });
  const { uri, diags } = open(client, 'hover-clients.model.yaml', 'train:\n  loss: mean_squared_error\n  optimizer: adam\n');
  await diags;
  if (theme) client.connection.sendNotification('modelyaml/theme', theme);
  const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 14 } })) as Hover;
  return (hover.contents as { value: string }).value;
}

/** The text a reader sees, image syntax left out. */
const shownText = (md: string) => md.replace(IMAGE, '').split('\n').map(inlineText).join('\n');
const images = (md: string) => [...md.matchAll(IMAGE)].map((m) => ({ alt: m[1].replace(/\\(.)/g, '$1'), svg: Buffer.from(m[2], 'base64').toString('utf8') }));
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('hover formulas per client', () => {
  it('gives a Markdown client that shows no images (Neovim, eglot) each formula once as text, update first', async () => {
    const md = await hoverAdam(undefined);
    expect(md).not.toContain('data:image');
    expect(md.length).toBeLessThan(4000);
    const text = shownText(md);
    for (const f of adam.formulas) expect(count(text, f.unicode), f.label).toBe(1);
    // Verbatim in the source too (a code span): clients that show the Markdown source show no escapes.
    for (const f of adam.formulas) expect(md, f.label).toContain(`\`${f.unicode}\``);
    expect(text.indexOf(unicode('update'))).toBeLessThan(text.indexOf(unicode('moments')));
    expect(text.indexOf(unicode('moments'))).toBeLessThan(text.indexOf(unicode('bias correction')));
  });

  it('gives VS Code (formulaImages) each formula once, as an image with the Unicode as alt text, update first', async () => {
    const md = await hoverAdam({ formulaImages: true, formulaColor: '#cccccc' });
    const shown = images(md);
    const oneLine = (s: string) => s.replace(/\s+/g, ' ');
    // Adam's own three, update first, then the gradient clipping every optimizer shares.
    expect(shown.map((i) => i.alt).slice(0, 3)).toEqual([unicode('update'), unicode('moments'), unicode('bias correction')].map(oneLine));
    expect([...shown.map((i) => i.alt)].sort()).toEqual(adam.formulas.map((f) => oneLine(f.unicode)).sort());
    for (const i of shown) expect(i.svg).toContain('fill="#cccccc"');
    const text = shownText(md);
    for (const f of adam.formulas) expect(count(text.replace(/\s+/g, ' '), oneLine(f.unicode)), f.label).toBe(0);
  });

  it('draws formulas in pure white or black for high-contrast themes', async () => {
    const dark = images(await hoverAdam({ formulaImages: true, formulaColor: '#cccccc', highContrast: true }));
    expect(dark[0].svg).toContain('fill="#ffffff"');
    await client?.stop();
    client = undefined;
    const light = images(await hoverAdam({ formulaImages: true }, { color: '#292929', highContrast: true }));
    expect(light[0].svg).toContain('fill="#000000"');
  });
});
