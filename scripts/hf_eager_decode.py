#!/usr/bin/env python3
"""Hugging Face transformers' eager greedy decode speed on a checkpoint directory, for comparison
with `scalpel bench` on the same files (run on the GPU machine, which has torch + transformers).

Usage: python3 scripts/hf_eager_decode.py MODEL_DIR [--prompt-tokens 32] [--new-tokens 128] [--repeats 3]
Prints one JSON line: {"hf_eager_decode_tokens_per_s": ..., "hf_eager_prefill_tokens_per_s": ..., ...}.
"""
import argparse, json, statistics, time

import torch
from transformers import AutoModelForCausalLM

p = argparse.ArgumentParser()
p.add_argument("model")
p.add_argument("--prompt-tokens", type=int, default=32)
p.add_argument("--new-tokens", type=int, default=128)
p.add_argument("--repeats", type=int, default=3)
a = p.parse_args()

device = "cuda" if torch.cuda.is_available() else "cpu"
model = AutoModelForCausalLM.from_pretrained(a.model, torch_dtype="auto", attn_implementation="eager").to(device).eval()
vocab = model.config.vocab_size
ids = torch.arange(1, a.prompt_tokens + 1, device=device).remainder(vocab).unsqueeze(0)


def run():
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    with torch.no_grad():
        out = model(ids, use_cache=True)
        past, nxt = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
        if device == "cuda":
            torch.cuda.synchronize()
        t1 = time.perf_counter()
        for _ in range(a.new_tokens - 1):
            out = model(nxt, past_key_values=past, use_cache=True)
            past, nxt = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
        if device == "cuda":
            torch.cuda.synchronize()
    t2 = time.perf_counter()
    return a.prompt_tokens / (t1 - t0), (a.new_tokens - 1) / (t2 - t1)


run()  # warm-up
runs = [run() for _ in range(a.repeats)]
print(json.dumps({
    "model": a.model, "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
    "dtype": str(next(model.parameters()).dtype), "torch": torch.__version__,
    "hf_eager_prefill_tokens_per_s": statistics.median(r[0] for r in runs),
    "hf_eager_decode_tokens_per_s": statistics.median(r[1] for r in runs),
    "decode_runs": [r[1] for r in runs],
}))
