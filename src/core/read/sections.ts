/** The spec's top-level sections, `data`, `model` and `train`, read with their checked keys. */
import { isMap, isScalar } from 'yaml';
import type { Category } from '../catalog/types';
import type { Range } from '../diagnostics';
import type { Spec, UnfreezeNode, WeightsNode } from '../spec';
import { specStructure, type Field } from '../structure';
import { rangeOf } from './describe';
import { Reader, type KeyedPair } from './reader';
import { readSearch } from '../search/section';

const fieldsOf = (f: Field) => (f.type as { fields: Record<string, Field> }).fields;

/** Reads a whole spec from its document root. */
export class SpecReader extends Reader {
  readRoot(): Spec {
    const root = this.resolve(this.doc.contents);
    const whole: Range = { start: 0, end: this.doc.range?.[1] ?? 0 };
    const spec: Spec = { range: whole };
    if (root === null || (isScalar(root) && root.value === null)) {
      this.sink.add({ code: 'spec/empty', severity: 'info', message: 'This spec is empty. Start with `version: 1`, then `data`, `model` and `train` (try the snippet "spec").', range: { start: 0, end: 0 } });
      return spec;
    }
    if (!isMap(root)) {
      this.sink.error('type/mismatch', rangeOf(root, whole), 'A spec must be a mapping with `data`, `model` and `train`.');
      return spec;
    }
    const top = specStructure;
    const fields = fieldsOf(top);
    const pairs = this.objectPairs(top, root, rangeOf(root, whole), { start: 0, end: 0 }, '');
    spec.version = this.plain<number>(fields.version, pairs.get('version'), 'version');
    spec.name = this.plain<string>(fields.name, pairs.get('name'), 'name');
    spec.description = this.plain<string>(fields.description, pairs.get('description'), 'description');
    spec.seed = this.plain<number>(fields.seed, pairs.get('seed'), 'seed');
    const data = pairs.get('data');
    if (data) spec.data = this.readData(fields.data, data);
    const model = pairs.get('model');
    if (model) spec.model = this.readModel(fields.model, model);
    const train = pairs.get('train');
    if (train) spec.train = this.readTrain(fields.train, train);
    const search = pairs.get('search');
    if (search) spec.search = readSearch(this, fields.search, search);
    return spec;
  }

  readData(f: Field, data: KeyedPair): NonNullable<Spec['data']> {
    const fs = fieldsOf(f);
    const dp = this.objectPairs(f, data.pair.value, data.valueRange, data.keyRange, 'data');
    const src = dp.get('source');
    const pipe = dp.get('pipeline');
    return {
      range: data.valueRange,
      keyRange: data.keyRange,
      source: src ? this.readItem('source', src.pair.value, src.valueRange, false) : undefined,
      pipeline: pipe ? this.readItems('step', pipe.pair.value, pipe.valueRange, '`data.pipeline`') : [],
      validation: this.readSplit(fs.validation, dp.get('validation'), 'data.validation'),
      test: this.readSplit(fs.test, dp.get('test'), 'data.test'),
    };
  }

  readModel(f: Field, model: KeyedPair): NonNullable<Spec['model']> {
    const fs = fieldsOf(f);
    const mp = this.objectPairs(f, model.pair.value, model.valueRange, model.keyRange, 'model');
    const input = mp.get('input');
    const layers = mp.get('layers');
    return {
      range: model.valueRange,
      keyRange: model.keyRange,
      inputs: input ? this.readInputShape(input.pair.value, input.valueRange, input.keyRange) : undefined,
      layers: layers ? this.readLayers(layers.pair.value, layers.valueRange) : [],
      layersRange: layers?.valueRange,
      output: this.plain<string>(fs.output, mp.get('output'), 'model.output'),
      weights: this.readWeights(fs.weights, mp.get('weights')),
    };
  }

  readWeights(f: Field, entry: KeyedPair | undefined): WeightsNode | undefined {
    if (!entry) return undefined;
    const fs = fieldsOf(f);
    const p = this.objectPairs(f, entry.pair.value, entry.valueRange, entry.keyRange, 'model.weights');
    return {
      range: entry.valueRange,
      keyRange: entry.keyRange,
      from: this.plain<string>(fs.from, p.get('from'), 'model.weights.from'),
      layers: this.names(p.get('layers'), 'model.weights.layers'),
      trainable: this.plain<boolean>(fs.trainable, p.get('trainable'), 'model.weights.trainable')?.value ?? true,
      learningRateMultiplier: this.plain<number>(fs.learning_rate_multiplier, p.get('learning_rate_multiplier'), 'model.weights.learning_rate_multiplier')?.value ?? 1,
    };
  }

  readUnfreeze(f: Field, entry: KeyedPair | undefined): UnfreezeNode | undefined {
    if (!entry) return undefined;
    const fs = fieldsOf(f);
    const p = this.objectPairs(f, entry.pair.value, entry.valueRange, entry.keyRange, 'train.unfreeze');
    return {
      range: entry.valueRange,
      keyRange: entry.keyRange,
      afterEpochs: this.plain<number>(fs.after_epochs, p.get('after_epochs'), 'train.unfreeze.after_epochs'),
      layers: this.names(p.get('layers'), 'train.unfreeze.layers'),
      learningRateMultiplier: this.plain<number>(fs.learning_rate_multiplier, p.get('learning_rate_multiplier'), 'train.unfreeze.learning_rate_multiplier')?.value ?? 1,
    };
  }

  readTrain(f: Field, train: KeyedPair): NonNullable<Spec['train']> {
    const fs = fieldsOf(f);
    const tp = this.objectPairs(f, train.pair.value, train.valueRange, train.keyRange, 'train');
    const item = (key: string, category: Category) => {
      const e = tp.get(key);
      return e ? this.readItem(category, e.pair.value, e.valueRange, false) : undefined;
    };
    const metrics = tp.get('metrics');
    const t: NonNullable<Spec['train']> = {
      range: train.valueRange,
      keyRange: train.keyRange,
      loss: item('loss', 'loss'),
      optimizer: item('optimizer', 'optimizer'),
      metrics: metrics ? this.readItems('metric', metrics.pair.value, metrics.valueRange, '`train.metrics`') : [],
      epochs: this.plain<number>(fs.epochs, tp.get('epochs'), 'train.epochs'),
      batchSize: this.plain<number>(fs.batch_size, tp.get('batch_size'), 'train.batch_size'),
      shuffle: this.plain<boolean>(fs.shuffle, tp.get('shuffle'), 'train.shuffle'),
      device: this.plain<'auto' | 'gpu' | 'cpu'>(fs.device, tp.get('device'), 'train.device'),
      lrSchedule: item('lr_schedule', 'schedule'),
      unfreeze: this.readUnfreeze(fs.unfreeze, tp.get('unfreeze')),
    };
    const es = tp.get('early_stopping');
    if (es) t.earlyStopping = this.readEarlyStopping(fs.early_stopping, es);
    const cp = tp.get('checkpoint');
    if (cp) t.checkpoint = this.readCheckpoint(fs.checkpoint, cp);
    return t;
  }

  readEarlyStopping(ef: Field, es: KeyedPair): NonNullable<NonNullable<Spec['train']>['earlyStopping']> {
    const efs = fieldsOf(ef);
    const ep = this.objectPairs(ef, es.pair.value, es.valueRange, es.keyRange, 'train.early_stopping');
    return {
      value: {
        monitor: this.plain<string>(efs.monitor, ep.get('monitor'), 'train.early_stopping.monitor')?.value ?? 'val_loss',
        patience: this.plain<number>(efs.patience, ep.get('patience'), 'train.early_stopping.patience')?.value ?? 3,
        minDelta: this.plain<number>(efs.min_delta, ep.get('min_delta'), 'train.early_stopping.min_delta')?.value ?? 0,
        restoreBestWeights: this.plain<boolean>(efs.restore_best_weights, ep.get('restore_best_weights'), 'train.early_stopping.restore_best_weights')?.value ?? true,
      },
      range: es.valueRange,
      keyRange: es.keyRange,
    };
  }

  readCheckpoint(cf: Field, cp: KeyedPair): NonNullable<NonNullable<Spec['train']>['checkpoint']> {
    const cfs = fieldsOf(cf);
    const pp = this.objectPairs(cf, cp.pair.value, cp.valueRange, cp.keyRange, 'train.checkpoint');
    return {
      value: {
        best: this.plain<boolean>(cfs.best, pp.get('best'), 'train.checkpoint.best')?.value ?? true,
        last: this.plain<boolean>(cfs.last, pp.get('last'), 'train.checkpoint.last')?.value ?? true,
        monitor: this.plain<string>(cfs.monitor, pp.get('monitor'), 'train.checkpoint.monitor')?.value ?? 'val_loss',
      },
      range: cp.valueRange,
      keyRange: cp.keyRange,
    };
  }
}
