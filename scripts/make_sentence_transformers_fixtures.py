#!/usr/bin/env python3
"""sentence-transformers folders around tiny random models, and what SentenceTransformer.encode
returns on them: fixtures/sentence_transformers/<name>/ (the folder as ST saves it + golden.json).
Covers every Pooling mode (new `pooling_mode` lists and the legacy boolean keys), include_prompt,
Dense (activation, residual), Normalize, prompts / default_prompt_name, truncate_dim,
similarity_fn_name, a decoder (Qwen3, last-token pooling, left padding) as Qwen3-Embedding is, and an
encoder-decoder checkpoint of which only the encoder runs (T5, as sentence-t5); and CrossEncoder
rerankers (predict with its activation and apply_softmax, rank)."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402

TEXTS = ["I love this movie, it was great!", "The plot was boring and far too long.", "Paris is in France.",
         "ok", "John Smith works at Google in London since 2020, and he likes it there a lot.", "",
         "A long one that is truncated: " + "the plot was great and Paris is far " * 12]


def main():
    import torch
    import transformers as tf
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Dense, Normalize, Pooling, Transformer
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    root = os.path.join(make_fixtures.ROOT, "fixtures", "sentence_transformers")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    corpus = TEXTS * 10 + ["query: passage: the a an of to in is was", "Instruct: Given a question, retrieve passages\nQuery:"] * 5
    wp = make_fixtures.bert_wordpiece(corpus, 200)
    bert_tok = tf.PreTrainedTokenizerFast(tokenizer_object=wp, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                          sep_token="[SEP]", mask_token="[MASK]", model_max_length=64)

    def bert_dir(name, seed):
        torch.manual_seed(seed)
        d = os.path.join(root, name + "-hf")
        tf.BertModel(tf.BertConfig(vocab_size=wp.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                   intermediate_size=37, max_position_embeddings=64, initializer_range=0.3)).eval().save_pretrained(d)
        bert_tok.save_pretrained(d)
        return d

    def finish(name, st, calls, tmp):
        d = os.path.join(root, name)
        st.save(d)
        shutil.rmtree(tmp)
        os.remove(os.path.join(d, "README.md"))
        st = SentenceTransformer(d, device="cpu")  # what a user loads: the saved folder
        golden = {"similarity_fn_name": st.similarity_fn_name, "calls": []}
        for kw in calls:
            texts = kw.pop("texts", TEXTS)
            args = {k: v for k, v in kw.items()}
            emb = st.encode(texts, convert_to_tensor=True, **args).float()
            golden["calls"].append({"texts": texts, "kwargs": kw, "embeddings": emb.tolist(),
                                    "similarity": st.similarity(emb[:3], emb).tolist()})
        json.dump(golden, open(os.path.join(d, "golden.json"), "w"), indent=1)

    # 1. The all-MiniLM layout: mean pooling + Normalize, batches of 2 (padding inside each batch).
    hf = bert_dir("bert-mean", 11)
    st = SentenceTransformer(modules=[Transformer(hf, max_seq_length=48), Pooling(32, "mean"), Normalize()], device="cpu")
    finish("bert-mean", st, [{"batch_size": 2}, {"batch_size": 4, "truncate_dim": 16}, {"batch_size": 8, "normalize_embeddings": True}], hf)

    # 2. Every other mode concatenated, prompts excluded from pooling, two Dense layers, dot product.
    hf = bert_dir("bert-modes", 12)
    st = SentenceTransformer(modules=[Transformer(hf), Pooling(32, ["cls", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"], include_prompt=False),
                                      Dense(160, 24, activation_function=torch.nn.Tanh()),
                                      Dense(24, 24, activation_function=torch.nn.Identity(), use_residual=True),
                                      Dense(24, 12, bias=False, activation_function=torch.nn.GELU(), use_residual=True)],
                             prompts={"query": "query: ", "passage": "passage: "}, default_prompt_name="query",
                             similarity_fn_name="dot", device="cpu")
    torch.manual_seed(13)
    with torch.no_grad():
        for m in list(st)[2:]:
            for p in m.parameters():
                p.copy_(torch.randn(p.shape) * 0.3)
    finish("bert-modes", st, [{"batch_size": 3}, {"batch_size": 3, "prompt_name": "passage"}, {"batch_size": 3, "prompt": ""},
                              {"batch_size": 2, "prompt": "query: passage: "}], hf)

    # 3. The legacy boolean keys (cls + mean at once), rewritten into 1_Pooling/config.json; euclidean.
    hf = bert_dir("bert-legacy", 14)
    st = SentenceTransformer(modules=[Transformer(hf), Pooling(32, "mean")], similarity_fn_name="euclidean", device="cpu")
    d = os.path.join(root, "bert-legacy")
    st.save(d)
    pc = os.path.join(d, "1_Pooling", "config.json")
    json.dump({"word_embedding_dimension": 32, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": True,
               "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}, open(pc, "w"), indent=1)
    finish("bert-legacy", SentenceTransformer(d, device="cpu"), [{"batch_size": 4}], hf)

    # 4. Qwen3-Embedding's layout: a decoder, left padding, eos appended, last-token pooling, an instruction prompt.
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"],
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    eos = bpe.token_to_id("<|endoftext|>")
    bpe.post_processor = processors.TemplateProcessing(single="$A <|endoftext|>", pair="$A <|endoftext|> $B:1 <|endoftext|>:1",
                                                       special_tokens=[("<|endoftext|>", eos)])
    qtok = tf.PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", pad_token="<|endoftext|>",
                                      padding_side="left", model_max_length=64)
    torch.manual_seed(15)
    hf = os.path.join(root, "qwen3-hf")
    tf.Qwen3Model(tf.Qwen3Config(vocab_size=bpe.get_vocab_size(), hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                                 num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=64,
                                 initializer_range=0.3, pad_token_id=eos, eos_token_id=eos, bos_token_id=eos)).eval().save_pretrained(hf)
    qtok.save_pretrained(hf)
    st = SentenceTransformer(modules=[Transformer(hf), Pooling(32, "lasttoken"), Normalize()],
                             prompts={"query": "Instruct: Given a question, retrieve passages\nQuery:"}, device="cpu")
    finish("qwen3-lasttoken", st, [{"batch_size": 3, "prompt_name": "query"}, {"batch_size": 4}], hf)
    # 5. sentence-t5's layout: a T5 checkpoint whose encoder alone runs (T5EncoderModel), mean, Dense without bias, Normalize.
    torch.manual_seed(16)
    hf = os.path.join(root, "t5-hf")
    tf.T5Model(tf.T5Config(vocab_size=wp.get_vocab_size(), d_model=32, d_kv=8, d_ff=48, num_layers=2, num_heads=4,
                           decoder_start_token_id=0, pad_token_id=0, initializer_factor=3.0)).eval().save_pretrained(hf)
    bert_tok.save_pretrained(hf)
    st = SentenceTransformer(modules=[Transformer(hf), Pooling(32, "mean"), Dense(32, 32, bias=False, activation_function=torch.nn.Identity()),
                                      Normalize()], device="cpu")
    torch.manual_seed(17)
    with torch.no_grad():
        st[2].linear.weight.copy_(torch.randn(32, 32) * 0.3)
    finish("t5-encoder", st, [{"batch_size": 3}], hf)
    # 6. CrossEncoder rerankers: one label (Sigmoid by default), and three labels with a configured activation.
    from sentence_transformers import CrossEncoder
    pairs = [[TEXTS[i], TEXTS[j]] for i, j in [(0, 1), (2, 4), (3, 3), (4, 6), (5, 0), (1, 2)]]
    for name, labels, act, seed in [("cross-encoder", 1, None, 18), ("cross-encoder-3", 3, torch.nn.Tanh(), 19)]:
        torch.manual_seed(seed)
        hf = os.path.join(root, name + "-hf")
        tf.BertForSequenceClassification(tf.BertConfig(vocab_size=wp.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                                       intermediate_size=37, max_position_embeddings=64, initializer_range=0.3,
                                                       num_labels=labels)).eval().save_pretrained(hf)
        bert_tok.save_pretrained(hf)
        ce = CrossEncoder(hf, num_labels=labels, activation_fn=act, device="cpu")
        d = os.path.join(root, name)
        ce.save(d)
        shutil.rmtree(hf)
        if os.path.exists(os.path.join(d, "README.md")):
            os.remove(os.path.join(d, "README.md"))
        ce = CrossEncoder(d, device="cpu")
        golden = {"activation_fn": type(ce.activation_fn).__name__, "num_labels": ce.num_labels, "pairs": pairs,
                  "scores": ce.predict(pairs, batch_size=2, convert_to_tensor=True).float().tolist()}
        if labels == 1:
            golden["rank"] = ce.rank("Paris is in France.", TEXTS, top_k=4)
            golden["rank_all"] = ce.rank("ok", TEXTS)
        else:
            golden["softmax"] = ce.predict(pairs, batch_size=4, apply_softmax=True, convert_to_tensor=True).float().tolist()
        json.dump(golden, open(os.path.join(d, "golden.json"), "w"), indent=1, default=float)
    print("sentence-transformers fixtures written to", root)


if __name__ == "__main__":
    make_fixtures.ensure_venv()
    main()
