/** The model folders a spec names (a `bert` layer's Hugging Face folder), as the exports read them. */
import { dirname } from 'node:path';
import type { DataHost } from '../core/catalog/types';
import { fileDataHost } from '../node/dataHost';
import { readRunRecord } from '../node/runRecord';

/** Where the spec's model folders are read: `host` (relative to the spec), `specDir` for the package's spec_path(). */
export interface ModelFolders {
  host?: DataHost;
  specDir?: string;
}

/**
 * The spec's folder, and a host that reads only its model folders (a `bert` layer's config.json
 * and safetensors header): the shapes after an encoder come from its config, while data files stay
 * unread. A run's spec snapshot is read against the folder of the spec it was trained from.
 */
export function modelFolders(src: { file: string; runDir?: string }): ModelFolders {
  const specDir = src.runDir ? dirname(readRunRecord(src.runDir)?.spec ?? src.file) : dirname(src.file);
  const files = fileDataHost(specDir, { workspaces: [specDir, process.cwd()] });
  return { specDir, host: { readJson: files.readJson, safeTensorShapes: files.safeTensorShapes } };
}
