/** The `bert` layer's builder: the encoder config.json describes, started from model.safetensors. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseBertConfig, type BertConfig } from '../../../core/weights/bertConfig';
import { readSafeTensors, type Tensor32 } from '../../../core/weights/safetensors';
import { fail } from '../../util';
import { BertEncoder, type BertPooling } from './bert';
import type { Builder, Ctx, Sym } from './shared';

function readFolder(from: string, ctx: Ctx): { config: BertConfig; weights: Map<string, Tensor32> } {
  const folder = resolve(ctx.specDir ?? process.cwd(), from);
  const read = (file: string): Buffer => {
    try {
      return readFileSync(join(folder, file));
    } catch (e) {
      return fail('model/pretrained', `${ctx.where}: cannot read ${join(from, file)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
  };
  // Read outside the try blocks: a missing file is its own error, not "not valid JSON".
  const configText = read('config.json').toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(configText);
  } catch (e) {
    return fail('model/pretrained', `${ctx.where}: ${join(from, 'config.json')} is not valid JSON (${(e as Error).message}).`);
  }
  const config = parseBertConfig(json);
  if ('error' in config) return fail('model/pretrained', `${ctx.where}: ${join(from, 'config.json')}: ${config.error.message}`);
  const weightBytes = new Uint8Array(read('model.safetensors'));
  try {
    return { config, weights: readSafeTensors(weightBytes) };
  } catch (e) {
    return fail('model/pretrained', `${ctx.where}: ${join(from, 'model.safetensors')}: ${(e as Error).message}`);
  }
}

export const bertBuilders: Record<string, Builder> = {
  bert: (p, ctx) => (inputs: Sym[]) => {
    const { config, weights } = readFolder(p.from as string, ctx);
    const layer = new BertEncoder({ name: ctx.name, config, pooling: p.pooling as BertPooling, trainable: p.trainable !== false });
    const y = layer.apply(inputs[0]) as Sym;
    try {
      layer.loadCheckpoint(weights);
    } catch (e) {
      return fail('model/pretrained', `${ctx.where}: ${(e as Error).message}`);
    }
    return y;
  },
};
