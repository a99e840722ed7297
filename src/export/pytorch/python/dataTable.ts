/**
 * data.py's cells and table steps, mirroring the trainer (src/trainer/data/sources.ts, steps.ts):
 * how a cell is read (missing, a number, text), label_encode's keys, and drop_missing,
 * fill_missing, select, clip_outliers, drop_duplicates and shuffle, with the trainer's statistics (a left-to-right sum for the mean, the
 * first value to reach the highest count for most_frequent). Spliced into data.py (data.ts).
 */
export const DATA_TABLE_PY = String.raw`# ── Cells and table steps (the trainer's src/trainer/data/sources.ts and steps.ts) ──────────────

# The cells the trainer reads as missing, compared trimmed and lower-cased.
MISSING = {"", "na", "nan", "null", "none", "n/a", "?"}
FLOAT32_MAX = 3.4028234663852886e38
# The table's feature columns, as the source names them (select narrows them per pipeline run).
COLUMNS = []
# The source's class names, when it names its classes (iris's species, an image folder's subfolders).
CLASS_NAMES = []
# Text feature columns: each distinct text is held in x as a code (its place in TEXT_VALUES[column],
# first seen first), so row steps treat text as numbers do, until label_encode: { column } turns the
# codes into the trainer's sorted class indices.
TEXT_VALUES = {}


def _cell(v):
    """A cell as the trainer reads it: None (missing), a number (one a float32 holds), or text."""
    if v is None:
        return None
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) and abs(v) <= FLOAT32_MAX else str(v)
    s = str(v)
    if s.strip().lower() in MISSING:
        return None
    try:
        f = float(s) if "_" not in s else math.inf  # JavaScript's Number() has no digit separators
    except ValueError:
        return s
    return f if math.isfinite(f) and abs(f) <= FLOAT32_MAX else s


def _features(rows, cols):
    """The feature columns of table rows: numbers, or (a column with any text, as the trainer reads it) text codes."""
    out = []
    for c in cols:
        cells = [_cell(r.get(c)) for r in rows]
        if any(isinstance(v, str) for v in cells):
            codes = TEXT_VALUES.setdefault(c, {})
            cells = [None if v is None else codes.setdefault(v if isinstance(v, str) else _js_number(v), len(codes)) for v in cells]
        out.append([math.nan if v is None else float(v) for v in cells])
    return torch.tensor(out, dtype=torch.float64).T.contiguous().float() if out else torch.zeros(len(rows), 0)


def _text_code(column, text):
    codes = TEXT_VALUES.setdefault(column, {})
    return float(codes.setdefault(text, len(codes)))


def _texts(column, values):
    """Text codes back to their texts (None for missing)."""
    names = list(TEXT_VALUES[column])
    return [None if math.isnan(v) else names[int(v)] for v in values]


def _encode_column(p, x, f, columns, text):
    """label_encode: { column }: the column's values (text, or numbers) as indices of their sorted distinct training values."""
    c = p["column"]
    j = _entries_of({"columns": [c]}, "label_encode", columns)[0]
    column = x[:, j].tolist()
    values = _texts(c, column) if c in text else [None if math.isnan(v) else _js_number(v) for v in column]
    if not f:
        seen = list(dict.fromkeys(v for v in values if v is not None))
        f = {"classes": sorted(seen) if c in text else sorted(seen, key=float)}
    index = {name: i for i, name in enumerate(f["classes"])}
    unseen = next((v for v in values if v is not None and v not in index), None)
    if unseen is not None:
        raise SystemExit(f"column {c!r} value {unseen!r} does not occur in the training samples, so label_encode has no index for it")
    x = x.clone()
    x[:, j] = torch.tensor([math.nan if v is None else index[v] for v in values], dtype=torch.float32)
    return x, f, text - {c}


def _js_number(v):
    """A number as JavaScript's String() writes it (the trainer's class names): 3, not 3.0."""
    return str(int(v)) if v.is_integer() and abs(v) < 1e21 else repr(v)


def _label_keys(y):
    """Each label as label_encode keys it: a number as JavaScript writes it, text as it is, None when
    missing; and whether every label is a number (the classes are then ordered by value)."""
    cells = [_cell(v) for v in (y.reshape(-1).tolist() if torch.is_tensor(y) else y)]
    return [c if c is None or isinstance(c, str) else _js_number(c) for c in cells], all(not isinstance(c, str) for c in cells)


def _label_encode(y, f):
    keys, numeric = _label_keys(y)
    if not f:
        # The trainer's order: by value when every label is a number, else as text.
        seen = list(dict.fromkeys(k for k in keys if k is not None))
        f = {"classes": sorted(seen, key=float) if numeric else sorted(seen)}
    index = {name: i for i, name in enumerate(f["classes"])}
    unseen = next((k for k in keys if k is not None and k not in index), None)
    if unseen is not None:
        raise SystemExit(f"label {unseen!r} does not occur in the training samples, so label_encode has no index for it")
    return torch.tensor([math.nan if k is None else index[k] for k in keys], dtype=torch.float32), f


def _entries_of(p, step, columns):
    """The feature indices a step's columns name (None: every entry)."""
    names = p.get("columns")
    if names is None:
        return None
    names = [names] if isinstance(names, str) else list(names)
    for c in names:
        if c not in columns:
            raise SystemExit(f"{step}: column {c!r} is not among the features ({', '.join(columns) or 'the source names none'})")
    return [columns.index(c) for c in names]


def _numeric(x, step):
    if not torch.is_tensor(x):
        raise SystemExit(f"{step} works on numbers, but the features are text")


def _label_missing(y, i):
    return bool(torch.isnan(y[i]).any()) if torch.is_tensor(y) else _cell(y[i]) is None


def _drop_missing(p, x, y, columns):
    """Rows with a missing value in the named columns (default: any entry, or the label) are dropped."""
    idx = _entries_of(p, "drop_missing", columns)
    keep = []
    for i in range(len(x)):
        if not torch.is_tensor(x):
            if x[i] is None:
                continue
        else:
            row = x[i].reshape(-1)
            if torch.isnan(row if idx is None else row[idx]).any():
                continue
        if idx is None and _label_missing(y, i):
            continue
        keep.append(i)
    return _take(x, keep), _take(y, keep)


def _statistic(strategy, values, constant):
    if strategy == "constant":
        return constant
    if not values:
        return 0.0
    if strategy == "median":
        s, n = sorted(values), len(values)
        return s[(n - 1) // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    if strategy == "most_frequent":
        counts, best, best_n = {}, None, 0
        for v in values:
            counts[v] = counts.get(v, 0) + 1
            if counts[v] > best_n:
                best, best_n = v, counts[v]
        return best if best is not None else 0.0
    return _mean(values)


def _per_entry(p, x, step, columns):
    """A numeric step's view: the entries its columns name (None: all), the entry count, the values as (samples·…, entries)."""
    _numeric(x, step)
    return _entries_of(p, step, columns), x.shape[-1], x.reshape(-1, x.shape[-1]).clone()


def _fill_missing(p, x, f, columns, text):
    """Missing entries of the named columns (default: all) get the training split's statistic per entry; text
    columns their most frequent or constant text (mean and median leave them), as the trainer fills them."""
    idx, k, flat = _per_entry(p, x, "fill_missing", columns)
    strategy = p["strategy"]
    is_text = [e < len(columns) and columns[e] in text for e in range(k)]
    chosen = range(k) if idx is None else idx
    if not f:
        # Text columns are NaN in the trainer's numbers: their statistic is of no values.
        f = {"values": [_statistic(strategy, [] if is_text[e] else [v for v in flat[:, e].tolist() if not math.isnan(v)], p.get("value")) for e in range(k)], "text": {}}
        for e in chosen:
            if is_text[e] and strategy in ("most_frequent", "constant"):
                present = [t for t in _texts(columns[e], flat[:, e].tolist()) if t is not None]
                f["text"][columns[e]] = str(p["value"]) if strategy == "constant" else _statistic("most_frequent", present, None) if present else None
    for e in chosen:
        fill = (_text_code(columns[e], f["text"][columns[e]]) if f["text"].get(columns[e]) is not None else math.nan) if is_text[e] else float(f["values"][e])
        flat[torch.isnan(flat[:, e]), e] = fill
    return flat.reshape(x.shape), f


def _mean(values):
    total = 0.0
    for v in values:  # left to right, as the trainer's reduce (not Python 3.12's compensated sum())
        total += v
    return total / len(values) if values else 0.0


def _quantile(values, q):
    if not values:
        return 0.0
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo = math.floor(pos)
    return s[lo] + (s[min(lo + 1, len(s) - 1)] - s[lo]) * (pos - lo)


def _clip_outliers(p, x, f, columns):
    """Values outside the training split's IQR fences (or mean ± threshold·std) are clipped to them, per entry."""
    idx, k, flat = _per_entry(p, x, "clip_outliers", columns)
    if not f:
        iqr = p.get("method") == "iqr"
        t = p["threshold"] if isinstance(p.get("threshold"), (int, float)) else 1.5 if iqr else 3
        low, high = [], []
        for e in range(k):
            v = [a for a in flat[:, e].tolist() if not math.isnan(a)]
            if iqr:
                q1, q3 = _quantile(v, 0.25), _quantile(v, 0.75)
                low.append(q1 - t * (q3 - q1))
                high.append(q3 + t * (q3 - q1))
            else:
                m = _mean(v)
                sd = math.sqrt(_mean([(a - m) ** 2 for a in v]))
                low.append(m - t * sd)
                high.append(m + t * sd)
        f = {"low": low, "high": high}
    for e in range(k) if idx is None else idx:
        column = flat[:, e].double()
        flat[:, e] = torch.where(torch.isnan(column), column, column.clamp(f["low"][e], f["high"][e])).float()
    return flat.reshape(x.shape), f


def _drop_duplicates(p, x, y, columns):
    """Rows equal to an earlier one (in the named columns; default: every entry and the label) are dropped."""
    idx = _entries_of(p, "drop_duplicates", columns)
    seen, keep = set(), []
    for i in range(len(x)):
        if torch.is_tensor(x):
            row = x[i].reshape(-1).tolist()
            key = [row[j] for j in idx] if idx is not None else row
        else:
            key = [x[i]]
        if idx is None:
            key += y[i].reshape(-1).tolist() if torch.is_tensor(y) else [_cell(y[i])]
        key = tuple(None if isinstance(v, float) and math.isnan(v) else v for v in key)
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return _take(x, keep), _take(y, keep)


def _shuffle(p, x, y, part):
    """The trainer's seeded shuffle of each part (one seed per part name), within a sliding buffer when given (tf.data's)."""
    seed = p["seed"] if isinstance(p.get("seed"), (int, float)) else derive_seed(SEED, "shuffle-step")
    rng, n, buffer = mulberry32(derive_seed(seed, part)), len(x), p.get("buffer_size")
    if not buffer or buffer >= n:
        order = permutation(n, rng)
    else:
        order, buf, nxt = [], list(range(min(buffer, n))), min(buffer, n)
        while buf:
            j = math.floor(rng() * len(buf))
            order.append(buf[j])
            if nxt < n:
                buf[j], nxt = nxt, nxt + 1
            else:
                buf.pop(j)
    return _take(x, order), _take(y, order)


def _keep_labels(p, x, y, f, class_names):
    """keep_labels by index or name: the rows of those classes, renumbered in the list's order with remap;
    the step's state and the class names after it."""
    keep, remap = (list(p["labels"]) if isinstance(p["labels"], list) else [p["labels"]]), p.get("remap", True)
    named = any(isinstance(v, str) for v in keep)
    keys, numeric = _label_keys(y)
    if named and not numeric:
        # Text labels (before label_encode): kept by name, and with remap encoded in the list's order.
        names = [str(v) for v in keep]
        rows = [i for i, k in enumerate(keys) if k in names]
        kept = torch.tensor([names.index(keys[i]) for i in rows], dtype=torch.float32) if remap else _take(y, rows)
        return _take(x, rows), kept, {"names": names}, names if remap else class_names
    if named:
        if f.get("indices") is None:
            unknown = [v for v in keep if str(v) not in (class_names or [])]
            if unknown:
                raise SystemExit(f"keep_labels keeps class {unknown[0]!r}, but the classes are {', '.join(class_names) if class_names else 'unnamed indices'}")
        keep = f.get("indices") or [class_names.index(str(v)) for v in keep]
    values = [math.nan if k is None else float(k) for k in keys]
    rows = [i for i, v in enumerate(values) if v in keep]
    y = torch.tensor([keep.index(values[i]) if remap else values[i] for i in rows], dtype=torch.float32)
    names = [class_names[v] if class_names and v < len(class_names) else str(v) for v in keep]
    return _take(x, rows), y, {"names": names, "indices": keep}, names if remap else class_names


def _split(p, x, y):
    """The trainer's split step: each group (each class when stratified) permuted with one seeded generator,
    test first, then validation, the rest training; each part's indices sorted."""
    rng = mulberry32(p["seed"] if isinstance(p.get("seed"), (int, float)) else derive_seed(SEED, "split"))
    n, groups = len(x), [list(range(len(x)))]
    if p.get("stratify") and (not torch.is_tensor(y) or y.reshape(len(y), -1).shape[1] <= 1):
        values = y.reshape(-1).tolist() if torch.is_tensor(y) else [_cell(v) for v in y]
        keys = ["NaN" if isinstance(v, float) and math.isnan(v) else "null" if v is None else v if isinstance(v, str) else _js_number(float(v)) for v in values]
        groups = [[i for i in range(n) if keys[i] == k] for k in sorted(set(keys))]
    parts = {"train": [], "validation": [], "test": []}
    for g in groups:
        order = permutation(len(g), rng)
        n_test, n_val = math.floor(len(g) * p["test"] + 0.5), math.floor(len(g) * p["validation"] + 0.5)
        for r, j in enumerate(order):
            parts["test" if r < n_test else "validation" if r < n_test + n_val else "train"].append(g[j])
    if not parts["train"]:
        raise SystemExit(f"splitting {n} samples leaves none for training")
    return {k: sorted(v) for k, v in parts.items() if v}


def _select(p, x, columns):
    _numeric(x, "select")
    names = [p["columns"]] if isinstance(p["columns"], str) else list(p["columns"])
    return x[:, _entries_of({"columns": names}, "select", columns)], names
`;
