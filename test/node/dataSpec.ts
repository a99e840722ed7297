/** The spec the data-path tests check: a csv source at `path` with label `y`, two features. */
export const csvSpec = (path: string, extra = '') => `version: 1
data:
  source: { csv: { path: ${path}, label: y } }
model:
  input: [2]
  layers: [{ dense: { units: 1 } }]
train: { loss: mean_squared_error${extra} }
`;
