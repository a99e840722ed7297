/**
 * The HTTP JSON API of `modelyaml serve` (docs/deploying.md, "Serving"), on fastify: predictions
 * through a prediction session in the trainer process (this process holds no tfjs and no
 * onnxruntime) — the run's checkpoint, or a model.onnx in onnxruntime — the model's metadata, a
 * health check and Prometheus metrics. Bodies are checked against a JSON schema built from the
 * run's preprocessing (or the ONNX graph's inputs), so a missing column is a 400 naming the input
 * and the field before the trainer sees it; errors are JSON with a message, never a stack trace.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Preprocessing } from '../../core/protocol/preprocessing';
import type { InferAnswer, OnnxServing, OnnxTensorInfo, RawInput } from '../../core/protocol/trainer';
import { SessionError } from '../predictionSession';
import { Batcher, BatchError } from './batcher';
import { ServeMetrics } from './metrics';

/** What GET /v1/metadata answers (the spec, the inputs it takes, its classes, preprocessing, model hash). */
export interface ServeMetadata {
  spec: { name: string; hash?: string };
  runDir: string;
  /** The model served: the checkpoint folder, or the model.onnx file. */
  checkpoint: string;
  modelSha256: string;
  backend: string;
  /** Absent for a model.onnx without ModelYAML's metadata (served as tensors). */
  preprocessing?: Preprocessing;
  onnx?: OnnxServing;
}

export interface AppOptions {
  metadata: ServeMetadata;
  /** Answers a batch of raw inputs (the trainer session, through the batcher). */
  batcher: Batcher;
  metrics: ServeMetrics;
  /** Largest request body in bytes (413 above it). */
  bodyLimit: number;
  /** Most inputs one request may carry. */
  maxInputs: number;
  /** `top` lists this many classes unless the request says (`top_k`). */
  topK: number;
  /** Whether the trainer session still answers (GET /healthz). */
  alive: () => boolean;
}

/** The JSON schema of one raw input, from what the model was trained on. */
export function inputSchema(pre: Preprocessing): object {
  const base64 = { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9+/=\\s]+$' };
  const image = { type: 'object', required: ['image'], properties: { image: base64 } };
  const { input } = pre;
  if (input.kind === 'table') {
    const columns = input.columns ?? [];
    return { type: 'object', required: columns, properties: Object.fromEntries(columns.map((c) => [c, { type: ['number', 'string', 'null'] }])) };
  }
  if (input.kind === 'text') return { anyOf: [{ type: 'string' }, { type: 'object', required: [input.text], properties: { [input.text!]: { type: 'string' } } }] };
  if (input.kind === 'image') return image;
  return { anyOf: [image, { type: 'object', required: ['values'], properties: { values: { type: 'array', items: { type: 'number' } } } }] };
}

/** The JSON schema of one input of a model served as tensors: each graph input by name, as (nested) lists of numbers. */
export function tensorSchema(inputs: readonly OnnxTensorInfo[]): object {
  const tensor = { type: ['array', 'number', 'boolean'] };
  return { type: 'object', additionalProperties: false, required: inputs.map((t) => t.name), properties: Object.fromEntries(inputs.map((t) => [t.name, tensor])) };
}

/** How a request's inputs reach the trainer: a bare text becomes the text model's record. */
const toRecord = (pre: Preprocessing | undefined) => (v: unknown): RawInput => (typeof v === 'string' ? { [pre?.input.text ?? 'text']: v } : (v as RawInput));

/** GET /v1/metadata's description of what the model takes and answers. */
function modelDescription(m: ServeMetadata): Record<string, unknown> {
  const p = m.preprocessing;
  const onnx = m.onnx && {
    file: m.onnx.file, producer: m.onnx.producer, inputs: m.onnx.inputs, outputs: m.onnx.outputs, foldedSteps: m.onnx.foldedSteps,
    ...(m.onnx.quantized ? { quantized: m.onnx.quantized } : {}),
    rawTensors: m.onnx.rawTensors,
  };
  if (!p) {
    return {
      input: { kind: 'tensors', tensors: m.onnx?.inputs ?? [] },
      onnx: { ...onnx, note: 'This model.onnx carries no ModelYAML preprocessing metadata: each input is an object of tensors named by the graph\'s inputs (nested lists of numbers, without the batch axis), and each answer holds the output tensors.' },
    };
  }
  const steps = p.steps.filter((s) => s.atInference === 'apply');
  return {
    input: p.input,
    classes: p.labels.names,
    labels: { kind: p.labels.kind, shape: p.labels.shape },
    features: p.features,
    // Steps folded into the ONNX graph are not applied here again.
    preprocessing: (m.onnx?.foldedSteps.length ? [] : steps).map((s) => ({ type: s.type, params: s.params })),
    ...(onnx ? { onnx } : {}),
  };
}

/** A validation error as one sentence: which input, which field, what is wrong. */
function validationMessage(err: FastifyError): string {
  const errors = (err.validation ?? []).filter((e) => e.keyword !== 'anyOf');
  const say = errors.map((e) => {
    const where = `body${e.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')}`;
    if (e.keyword === 'required') return `${where} has no \`${(e.params as { missingProperty: string }).missingProperty}\` field`;
    if (e.keyword === 'additionalProperties') return `${where} has an unknown field \`${(e.params as { additionalProperty: string }).additionalProperty}\``;
    return `${where} ${e.message ?? 'is invalid'}`;
  });
  return [...new Set(say)].join('; ') || err.message;
}

type Body = { input?: unknown; inputs?: unknown[]; top_k?: number };

export function buildApp(o: AppOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: o.bodyLimit,
    logger: false,
    // Numbers stay numbers and lists stay lists: a request is taken as written or refused.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, allowUnionTypes: true } },
    return503OnClosing: true,
  });
  const pre = o.metadata.preprocessing;
  const item = pre ? inputSchema(pre) : tensorSchema(o.metadata.onnx?.inputs ?? []);
  const body = {
    type: 'object',
    additionalProperties: false,
    properties: { input: item, inputs: { type: 'array', minItems: 1, maxItems: o.maxInputs, items: item }, top_k: { type: 'integer', minimum: 1 } },
  };

  const isPredict = (url: string | undefined) => url === '/v1/predict';
  app.addHook('onRequest', async (req) => {
    if (isPredict(req.routeOptions.url)) o.metrics.inFlight++;
  });
  app.addHook('onResponse', async (req, reply) => {
    if (isPredict(req.routeOptions.url)) o.metrics.inFlight--;
    o.metrics.request(req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  // Closing: each answer ends its connection, so a keep-alive client does not hold the server open.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err.validation) return reply.status(400).send({ error: 'invalid-request', message: validationMessage(err) });
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send({ error: 'body-too-large', message: `The request body is larger than this server's limit of ${o.bodyLimit} bytes (modelyaml serve --body-limit).` });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return reply.status(err.statusCode).send({ error: 'invalid-request', message: err.message });
    if (err instanceof SessionError) return reply.status(503).send({ error: err.event.code, message: err.message });
    if (err instanceof BatchError) return reply.status(500).send({ error: err.code, message: err.message });
    // Anything else is our fault: the client hears that, the terminal hears what.
    process.stderr.write(`modelyaml serve: ${err.stack ?? err.message}\n`);
    return reply.status(500).send({ error: 'internal', message: 'The server failed to answer this request; its terminal says why.' });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: 'not-found', message: `No route ${req.method} ${req.url.split('?')[0]}: the API is POST /v1/predict, GET /v1/metadata, GET /healthz, GET /metrics.` }));

  app.post<{ Body: Body }>('/v1/predict', { schema: { body } }, async (req, reply) => {
    const { input, inputs } = req.body ?? {};
    if ((input === undefined) === (inputs === undefined)) {
      return reply.status(400).send({ error: 'invalid-request', message: 'The body needs exactly one of `input` (one raw input) or `inputs` (a list of them).' });
    }
    const records = (inputs ?? [input]).map(toRecord(pre));
    const answers: InferAnswer[] = await o.batcher.predict(records, req.body.top_k ?? o.topK);
    const bad = answers.flatMap((a, i) => (a.error ? [{ index: i, ...a.error }] : []));
    if (bad.length) {
      const where = (i: number) => (inputs ? `body.inputs[${i}]` : 'body.input');
      const errors = bad.map((b) => ({ index: b.index, code: b.code, message: b.message.replace(/^`?input \d+('s image`)?/, (m) => (m.endsWith('`') ? `${where(b.index)}.image` : where(b.index))) }));
      return reply.status(400).send({ error: 'invalid-input', message: errors[0].message, errors });
    }
    return inputs ? { predictions: answers } : { prediction: answers[0] };
  });

  app.get('/v1/metadata', async () => {
    const m = o.metadata;
    return { spec: m.spec, runDir: m.runDir, checkpoint: m.checkpoint, modelSha256: m.modelSha256, backend: m.backend, ...modelDescription(m), requestSchema: body };
  });

  app.get('/healthz', async (_req, reply) => (o.alive() ? { status: 'ok' } : reply.status(503).send({ status: 'down', message: 'The prediction session\'s trainer process has stopped; restart modelyaml serve.' })));
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(o.metrics.text()));
  return app;
}
