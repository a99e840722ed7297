/**
 * The server's Prometheus metrics, in the text exposition format (version 0.0.4): requests by
 * route and status, request latency, and the number of inputs per trainer call (how well dynamic
 * batching works). Small enough to write here rather than pull a client library into the CLI.
 */

/** A cumulative histogram with fixed upper bounds. */
class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    this.bounds.forEach((b, i) => v <= b && this.counts[i]++);
  }

  lines(name: string): string[] {
    return [
      ...this.bounds.map((b, i) => `${name}_bucket{le="${b}"} ${this.counts[i]}`),
      `${name}_bucket{le="+Inf"} ${this.count}`,
      `${name}_sum ${this.sum}`,
      `${name}_count ${this.count}`,
    ];
  }
}

const LATENCY_BOUNDS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BOUNDS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

const escapeLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class ServeMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Histogram(LATENCY_BOUNDS_S);
  private readonly batchSize = new Histogram(BATCH_BOUNDS);
  private inputs = 0;
  /** /v1/predict requests received and not yet answered. */
  inFlight = 0;

  /** One answered HTTP request: its route (the pattern, not the URL), status and duration. */
  request(route: string, status: number, seconds: number): void {
    const key = `route="${escapeLabel(route)}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    if (route === '/v1/predict') this.latency.observe(seconds);
  }

  /** One trainer call with this many inputs. */
  batch(inputs: number): void {
    this.batchSize.observe(inputs);
    this.inputs += inputs;
  }

  text(): string {
    return [
      '# HELP modelyaml_http_requests_total HTTP requests answered, by route and status.',
      '# TYPE modelyaml_http_requests_total counter',
      ...[...this.requests].map(([labels, n]) => `modelyaml_http_requests_total{${labels}} ${n}`),
      '# HELP modelyaml_predict_duration_seconds Time from a /v1/predict request to its answer.',
      '# TYPE modelyaml_predict_duration_seconds histogram',
      ...this.latency.lines('modelyaml_predict_duration_seconds'),
      '# HELP modelyaml_predict_batch_size Inputs per trainer call (dynamic batching joins concurrent requests).',
      '# TYPE modelyaml_predict_batch_size histogram',
      ...this.batchSize.lines('modelyaml_predict_batch_size'),
      '# HELP modelyaml_predict_in_flight /v1/predict requests received and not yet answered.',
      '# TYPE modelyaml_predict_in_flight gauge',
      `modelyaml_predict_in_flight ${this.inFlight}`,
      '# HELP modelyaml_predict_inputs_total Inputs predicted.',
      '# TYPE modelyaml_predict_inputs_total counter',
      `modelyaml_predict_inputs_total ${this.inputs}`,
      '',
    ].join('\n');
  }
}
