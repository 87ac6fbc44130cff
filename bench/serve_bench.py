"""Streaming load against any OpenAI-compatible server (ours, llama-cpp-python's llama_cpp.server,
`transformers serve`), with PyPI's `openai` async client: for each concurrency level, that many
streams at once, each a chat completion of a fixed prompt and max_tokens; reports output tokens/s
(aggregate), time to first token p50/p99 and inter-token latency p50/p99 as one JSON line per level.

   python bench/serve_bench.py --base-url http://127.0.0.1:8080/v1 --model NAME [--concurrency 1,8,32]
                               [--requests-per-stream 4] [--max-tokens 128] [--prompt-words 200] [--api-key KEY]

A skeleton: the launchers of the three servers on the same model (GGUF for llama.cpp, same
precision and parallel slots) are left to the caller; this script only measures one base URL."""
import argparse
import asyncio
import json
import statistics
import time

from openai import AsyncOpenAI


def percentile(xs, q):
    if not xs:
        return None
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(q / 100.0 * (len(xs) - 1)))))
    return xs[k]


async def one_stream(client, model, prompt, max_tokens, out):
    t0 = time.perf_counter()
    first, last, gaps, tokens = None, None, [], 0
    stream = await client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens, temperature=0.0,
        stream=True, stream_options={"include_usage": True})
    async for chunk in stream:
        now = time.perf_counter()
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
        if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
            if first is None:
                first = now - t0
            else:
                gaps.append(now - last)
            last = now
    out.append({"ttft": first, "gaps": gaps, "tokens": tokens})


async def level(client, model, prompt, max_tokens, concurrency, per_stream):
    results = []

    async def worker():
        for _ in range(per_stream):
            await one_stream(client, model, prompt, max_tokens, results)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    ttfts = [r["ttft"] for r in results if r["ttft"] is not None]
    gaps = [g for r in results for g in r["gaps"]]
    tokens = sum(r["tokens"] for r in results)
    return {
        "concurrency": concurrency, "requests": len(results), "output_tokens": tokens, "wall_s": wall,
        "output_tokens_per_s": tokens / wall if wall > 0 else None,
        "ttft_p50_s": percentile(ttfts, 50), "ttft_p99_s": percentile(ttfts, 99),
        "itl_p50_s": percentile(gaps, 50), "itl_p99_s": percentile(gaps, 99),
        "itl_mean_s": statistics.mean(gaps) if gaps else None,
    }


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", default="http://127.0.0.1:8080/v1")
    ap.add_argument("--model", required=True)
    ap.add_argument("--api-key", default="none")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--requests-per-stream", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--prompt-words", type=int, default=200)
    a = ap.parse_args()
    client = AsyncOpenAI(base_url=a.base_url, api_key=a.api_key, timeout=600)
    prompt = " ".join(["word"] * a.prompt_words) + "\nSummarize the above."
    for c in [int(x) for x in a.concurrency.split(",")]:
        print(json.dumps({"base_url": a.base_url, **await level(client, a.model, prompt, a.max_tokens, c, a.requests_per_stream)}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
