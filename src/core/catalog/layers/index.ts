/**
 * Layer entries, one file per family. Shape rules are pure functions of input shapes and
 * parameters (tfjs-layers' computeOutputShape without tensors); parameter counts match
 * tf.LayersModel.countParams(). The trainer's builders mirror these files (src/trainer/model/layers/).
 */
import type { LayerEntry } from '../types';
import { activation, leakyRelu, prelu } from './activation';
import { bert } from './bert';
import { multiHeadAttention, transformerEncoder } from './attention';
import { conv1d, conv2d, conv2dTranspose, depthwiseConv2d, separableConv2d } from './conv';
import { dense, flatten, permute, repeatVector, reshape } from './core';
import { embedding, positionalEmbedding } from './embedding';
import { add, average, concatenate, maximum, minimum, multiply } from './merge';
import { batchNorm, layerNorm } from './norm';
import { dropout, gaussianDropout, gaussianNoise, spatialDropout1d } from './noise';
import { avgPool1d, avgPool2d, globalAvgPool1d, globalAvgPool2d, globalMaxPool1d, globalMaxPool2d, maxPool1d, maxPool2d } from './pool';
import { bidirectional, gru, lstm, simpleRnn } from './recurrent';
import { cropping2d, upsampling2d, zeroPadding2d } from './resize';

export const layers: readonly LayerEntry[] = [
  // core
  dense,
  activation,
  dropout,
  flatten,
  reshape,
  permute,
  repeatVector,
  // convolution
  conv1d,
  conv2d,
  depthwiseConv2d,
  separableConv2d,
  conv2dTranspose,
  // pooling
  maxPool1d,
  avgPool1d,
  maxPool2d,
  avgPool2d,
  globalAvgPool1d,
  globalMaxPool1d,
  globalAvgPool2d,
  globalMaxPool2d,
  // image resizing
  upsampling2d,
  zeroPadding2d,
  cropping2d,
  // normalization
  batchNorm,
  layerNorm,
  // noise
  spatialDropout1d,
  gaussianNoise,
  gaussianDropout,
  // embeddings
  embedding,
  positionalEmbedding,
  // recurrent
  simpleRnn,
  lstm,
  gru,
  bidirectional,
  // attention
  multiHeadAttention,
  transformerEncoder,
  // pretrained encoders
  bert,
  // merging
  add,
  multiply,
  average,
  maximum,
  minimum,
  concatenate,
  // activations with parameters
  leakyRelu,
  prelu,
];
