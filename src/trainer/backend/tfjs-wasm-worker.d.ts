/** The pthread worker script of tfjs-backend-wasm's threaded build, embedded as a string (no types shipped). */
declare module '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js' {
  export const wasmWorkerContents: string;
}
