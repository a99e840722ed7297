/**
 * The Python `modelyaml import` runs inside an exported PyTorch package: it checks a checkpoint's
 * tensors against the package's model and writes them as a TensorFlow.js layers checkpoint with
 * the package's own weights.py (the conversion tested bit-exact both ways), so no TypeScript reads
 * torch's pickle format. It answers one JSON line on stdout; exit 3 with `{ code, message }` for a
 * checkpoint that does not fit.
 *
 *     python - PACKAGE CHECKPOINT.pt TEMPLATE_DIR OUT_DIR
 *     python - PACKAGE CHECKPOINT.pt - -      # only the checks, before a template is built
 */
export const CONVERT_PY = String.raw`
import json, sys

def fail(code, message):
    print(json.dumps({"code": code, "message": message}))
    sys.exit(3)

try:
    import torch
except ImportError as e:
    fail("import/no-torch", f"{sys.executable} cannot import torch ({e})")

package, checkpoint, template, out = sys.argv[1:5]
sys.path.insert(0, package)
import weights
from model import Model

try:
    loaded = torch.load(checkpoint, map_location="cpu")
except Exception as e:
    fail("import/bad-checkpoint", f"{checkpoint} is not a readable PyTorch checkpoint ({type(e).__name__}: {e})")
# train.py saves {"model": state_dict, ...} per epoch and the bare state_dict as model.pt.
state = loaded["model"] if isinstance(loaded, dict) and isinstance(loaded.get("model"), dict) else loaded
if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
    fail("import/bad-checkpoint", f"{checkpoint} holds no state_dict (a dict of tensors, or train.py's {{'model': state_dict}})")
try:
    expected = Model(checkpoints=False).state_dict()  # the shapes only: no pretrained file is read
except TypeError:  # a package written before Model took checkpoints=
    expected = Model().state_dict()
for key, want in expected.items():
    if key not in state:
        fail("import/tensor-mismatch", f"{checkpoint} has no tensor {key}; the package's model ({package}/model.py) needs it with shape {list(want.shape)}")
    if tuple(state[key].shape) != tuple(want.shape):
        fail("import/tensor-mismatch", f"tensor {key} has shape {list(state[key].shape)} in {checkpoint}; the package's model ({package}/model.py) needs {list(want.shape)}")
extra = [k for k in state if k not in expected]
if extra:
    fail("import/tensor-mismatch", f"{checkpoint} holds tensors the package's model ({package}/model.py) does not have: {', '.join(extra[:5])}")
if template != "-":
    weights.state_dict_to_tfjs(state, template, out)
print(json.dumps({"tensors": len(expected), "torch": torch.__version__}))
`;
