/**
 * hf_bert.py: the `bert` layer as a plain nn.Module, written into a package whose spec uses one.
 * Its sub-modules carry Hugging Face BertModel's names (embeddings.word_embeddings,
 * encoder.layer.N.attention.self.query, pooler.dense…), so the folder's model.safetensors loads
 * key for key, and it computes what the trainer's ModelYamlBertEncoder computes (padded keys
 * masked with −1e9, GELU as config.json's hidden_act says). Only torch and the standard library:
 * the safetensors header is read here (8-byte length, JSON, raw little-endian tensors).
 */
export const HF_BERT_PY = String.raw`"""A Hugging Face BERT-family encoder (BertModel) in plain PyTorch, named so a checkpoint's keys
map one to one: embeddings (word + position + token type, LayerNorm), encoder.layer.N (self-attention
with padded keys masked out, GELU feed-forward, residual + LayerNorm), then the pooling the spec asks
for: "cls" (BertModel's pooler: dense + tanh on [CLS]), "mean" (over the unpadded tokens) or "none".

The input is token ids (N, L); positions equal to config["pad_token_id"] are padding. Weights load
from a model.safetensors file with torch and the standard library only (load_safetensors)."""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn

# Large enough that exp(score - this) is 0 in float32 (the trainer's mask value).
MASKED = -1e9
DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}


def load_safetensors(path):
    """Every tensor of a .safetensors file, by name: an 8-byte little-endian header length, a JSON
    header (dtype, shape, data_offsets per tensor), then the raw little-endian bytes."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path} is not a safetensors file (shorter than its 8-byte header length)")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: its header says {n} bytes, but the file has {len(data) - 8} after the length (truncated?)")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = memoryview(data)[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, which this loader does not read")
        start, end = info["data_offsets"]
        if end > len(body):
            raise ValueError(f"{path}: tensor {name} ends at byte {end}, past the file's end (truncated?)")
        t = torch.frombuffer(bytearray(body[start:end]), dtype=dtype) if end > start else torch.zeros(0, dtype=dtype)
        if sys.byteorder != "little" and t.element_size() > 1:
            t = t.view(torch.uint8).view(-1, t.element_size()).flip(1).reshape(-1).view(dtype)
        tensors[name] = t.reshape(info["shape"])
    return tensors


def checkpoint_name(name, available):
    """The checkpoint's key for a weight: BertModel saves embeddings..., a task model bert.embeddings...;
    old checkpoints call LayerNorm's weight and bias gamma and beta."""
    legacy = name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
    for candidate in (name, "bert." + name, legacy, "bert." + legacy):
        if candidate in available:
            return candidate
    return None


def activation(name):
    if name == "relu":
        return torch.relu
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return lambda x: F.gelu(x, approximate="tanh")
    return F.gelu  # exact: x * Phi(x)


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, ids, types):
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.word_embeddings(ids) + self.position_embeddings(positions)[None] + self.token_type_embeddings(types)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c["num_attention_heads"]
        self.query = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.key = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.value = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.dropout = nn.Dropout(c["attention_probs_dropout_prob"])

    def forward(self, x, bias):
        b, length, hidden = x.shape
        d = hidden // self.heads

        def split(t):
            return t.view(b, length, self.heads, d).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + bias
        probs = self.dropout(torch.softmax(scores, dim=-1))
        return (probs @ v).transpose(1, 2).reshape(b, length, hidden)


class BertOutput(nn.Module):
    """dense, dropout, then LayerNorm of the sum with the residual (BertSelfOutput and BertOutput)."""

    def __init__(self, c, inner):
        super().__init__()
        self.dense = nn.Linear(inner, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertOutput(c, c["hidden_size"])

    def forward(self, x, bias):
        return self.output(self.self(x, bias), x)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.act = activation(c["hidden_act"])

    def forward(self, x):
        return self.act(self.dense(x))


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c, c["intermediate_size"])

    def forward(self, x, bias):
        attended = self.attention(x, bias)
        return self.output(self.intermediate(attended), attended)


class BertStack(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(c) for _ in range(c["num_hidden_layers"]))

    def forward(self, x, bias):
        for layer in self.layer:
            x = layer(x, bias)
        return x


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, x):
        return torch.tanh(self.dense(x[:, 0]))


class BertEncoder(nn.Module):
    """BertModel's encoder from its config (config.json's keys), pooled as the spec says.
    trainable=False freezes every weight: no gradient is computed for them, none is stepped."""

    def __init__(self, config, pooling="cls", checkpoint=None, trainable=True):
        super().__init__()
        self.config = dict(config)
        self.pooling = pooling
        self.checkpoint = checkpoint
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertStack(config)
        self.pooler = BertPooler(config) if pooling == "cls" else None
        self.requires_grad_(trainable)

    @torch.no_grad()
    def load_pretrained(self, path=None):
        """Copies the checkpoint's tensors in (model.safetensors of the spec's folder by default)."""
        path = path or self.checkpoint
        if not os.path.exists(path):
            # A run's package loads its trained weights next (tfjs/, train.py --init-from).
            print(f"hf_bert: {path} not found: the encoder starts from random weights unless a checkpoint is loaded (set MODELYAML_SPEC_DIR to the spec's folder)", file=sys.stderr)
            return
        tensors = load_safetensors(path)
        for name, p in self.named_parameters():
            key = checkpoint_name(name, tensors)
            if key is None:
                raise KeyError(f"{path} has no tensor {name}")
            t = tensors[key]
            if tuple(t.shape) != tuple(p.shape):
                raise ValueError(f"{path}: {key} has shape {list(t.shape)}, but config.json gives {list(p.shape)}")
            p.copy_(t.to(p.dtype))

    def forward(self, ids, types=None, mask=None):
        ids = ids.long()
        types = torch.zeros_like(ids) if types is None else types.long()
        mask = (ids != self.config["pad_token_id"]).to(torch.float32) if mask is None else mask.to(torch.float32)
        # Padded keys get a large negative score, so softmax gives them no weight.
        bias = ((1.0 - mask) * MASKED)[:, None, None, :]
        x = self.encoder(self.embeddings(ids, types), bias)
        if self.pooling == "none":
            return x
        if self.pooling == "mean":
            m = mask[:, :, None]
            return (x * m).sum(1) / m.sum(1).clamp_min(1e-9)
        return self.pooler(x)
`;
