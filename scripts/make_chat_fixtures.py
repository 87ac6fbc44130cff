#!/usr/bin/env python3
"""Chat-template goldens from transformers' apply_chat_template(tokenize=False) on the real
Qwen3 template (../shared/data) and on templates written to exercise the Jinja features real
templates use: fixtures/chat/cases.json. And fixtures/chat/real_templates.json: the published chat
templates of Llama 3.x, Gemma, Mistral, Phi-3.5, DeepSeek-V3, gpt-oss, SmolLM3, Qwen and more, as
the PyPI sdist of llama-cpp-python carries them (vendor/llama.cpp/models/templates), rendered on
the same conversations."""
import json
import os
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402

TEMPLATES = {
    # Llama-2 style: system folded into the first user turn, role alternation enforced.
    "llama2": "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
    # Filters over sequences: min / max / sum / unique / reverse / first / last on lists, strings and
    # dicts, select-family filters as generators (truthy, not sized), none in select, Markup (|safe,
    # |escape) escaping the plain text added to it, float of text that is not a number.
    "filters": """{%- set nums = [3, 1, 2, 10] -%}
{{ nums | min }} {{ nums | max }} {{ nums | sum }} {{ nums | sum(start=5) }} {{ ['b', 'A', 'c'] | min }} {{ ['b', 'A', 'c'] | max(case_sensitive=true) }}
{{ messages | map(attribute='content') | map('length') | sum }} {{ messages | max(attribute='role') | tojson }}
{{ 'héllo' | first }}{{ 'héllo' | last }} {{ 'héllo' | reverse }} {{ {'x': 1, 'y': 2} | first }} {{ [1, 2, 1, 3, 2] | unique | list }} {{ 'abca' | unique | join('') }}
{{ 'yes' if messages | selectattr('role', 'equalto', 'nobody') else 'no' }} {{ none | select | list }} {{ 'ünï' | list }}
{%- for c in 'ünï' %}[{{ c }}]{% endfor %}
{{ '<b>' | safe + '"q" & <i>' }} {{ 'a&b' | escape }} {{ ('x' | safe + "'") ~ '<' }} {{ 'nan?' | float }} {{ ' 2.5 ' | float }} {{ '7' | int + 1 }}""",
    # Features: macros, loop variables, filters, tests, dict iteration, whitespace control.
    "features": """{%- macro render(m, idx) -%}
[{{ idx }}/{{ m.role | upper }}] {{ m.content | trim }}
{%- endmacro -%}
{% for message in messages %}
  {%- if loop.first %}BEGIN ({{ messages | length }} messages){% endif %}
  {{ render(message, loop.index) }}
  {%- if message.metadata is defined and message.metadata is mapping %}
    {%- for k, v in message.metadata | dictsort %} {{ k }}={{ v }}{% endfor %}
  {%- endif %}
  {%- if not loop.last %}|{% else %}
END{% endif %}
{% endfor %}
{%- set roles = messages | map(attribute='role') | list -%}
roles: {{ roles | join(', ') }}; users: {{ messages | selectattr('role', 'equalto', 'user') | list | length }}
{{ "%s" if false else "ternary ok" }} {{ (3 * 4) // 5 }} {{ 7 % 3 }} {{ 'a' ~ 1 ~ none }} {{ [1, 2, 3][::-1] }} {{ {'k': 'v', 'n': [1, 2.5]} }}
{{ 'x,y,z'.split(',')[-1] }} {{ ' pad '.strip() }}{{ 'Title case'.title() }} {{ none is none }} {{ tools | tojson }}
{%- if add_generation_prompt %}
<assistant>{% endif %}""",
}

MESSAGES = [
    [{"role": "user", "content": "Hello!"}],
    [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "What is 2+2?"},
     {"role": "assistant", "content": "4"}, {"role": "user", "content": "And 3+3?"}],
    [{"role": "user", "content": "Think first"},
     {"role": "assistant", "content": "<think>\nreasoning here\n</think>\n\nThe answer."},
     {"role": "user", "content": "ok \"quotes\" and 'single' ünïcödé"}],
]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                          "required": ["city"]}}}]
TOOL_MESSAGES = [{"role": "user", "content": "Weather in Paris?"},
                 {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
                 {"role": "tool", "content": "{\"temp\": 21}"}, {"role": "tool", "content": "sunny"}]


def main():
    from transformers import PreTrainedTokenizerFast
    from tokenizers import Tokenizer, models
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(os.path.join(make_fixtures.ROOT, "..", "shared", "data", "tokenizers-qwen3-llama2.tar.xz")) as tf:
            tf.extractall(tmp)
        qwen = json.load(open(os.path.join(tmp, "qwen3", "tokenizer_config.json")))["chat_template"]
    tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.WordLevel({"<unk>": 0}, unk_token="<unk>")),
                                  bos_token="<s>", eos_token="</s>", unk_token="<unk>")

    def add(name, template, messages, tools=None, gen=False, **kw):
        try:
            out = tok.apply_chat_template(messages, tools=tools, chat_template=template, tokenize=False,
                                          add_generation_prompt=gen, **kw)
            err = None
        except Exception as e:  # noqa: BLE001 - the error is the golden
            out, err = None, type(e).__name__
        cases.append({"template": name, "messages": messages, "tools": tools, "add_generation_prompt": gen,
                      "kwargs": kw, "expected": out, "error": err})

    for m in MESSAGES:
        for gen in (False, True):
            add("qwen3", qwen, m, gen=gen)
    add("qwen3", qwen, MESSAGES[0], gen=True, enable_thinking=False)
    add("qwen3", qwen, TOOL_MESSAGES, tools=TOOLS, gen=True)
    add("llama2", TEMPLATES["llama2"], MESSAGES[1])
    add("llama2", TEMPLATES["llama2"], [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])  # raises
    meta = [dict(MESSAGES[1][0], metadata={"b": 2, "a": "x"})] + MESSAGES[1][1:]
    add("features", TEMPLATES["features"], meta, tools=TOOLS, gen=True)
    add("features", TEMPLATES["features"], MESSAGES[2])
    add("filters", TEMPLATES["filters"], MESSAGES[1])
    for name, text in [("generator-len", "{{ messages | selectattr('role') | length }}"),  # a generator has no len()
                       ("generator-json", "{{ messages | map(attribute='role') | tojson }}"),  # nor JSON
                       ("none-loop", "{% for t in tools %}{{ t }}{% endfor %}")]:  # iterating none
        TEMPLATES[name] = text
        add(name, text, MESSAGES[1])
    d = os.path.join(make_fixtures.ROOT, "fixtures", "chat")
    os.makedirs(d, exist_ok=True)
    json.dump({"templates": {k: v for k, v in TEMPLATES.items()}, "cases": cases}, open(os.path.join(d, "cases.json"), "w"),
              indent=1, ensure_ascii=False)
    print(len(cases), "chat cases written")


LLAMACPP_SDIST = "llama-cpp-python==0.3.36"
# Every template the sdist carries except these (their reason):
EXCLUDED = {"ByteDance-Seed-OSS": "dict literals with integer keys ({0: 0, 512: 128}): our template dicts key by string"}


def llamacpp_templates():
    """The templates folder of the llama-cpp-python sdist (pip download into a cache folder)."""
    import glob
    import subprocess
    import tarfile as tf
    cache = os.environ.get("TCPP_PYPI_CACHE", os.path.expanduser("~/.cache/transformers-cpp/pypi"))
    os.makedirs(cache, exist_ok=True)
    found = glob.glob(os.path.join(cache, "llama_cpp_python-0.3.36.tar.gz")) + glob.glob("/tmp/tcpp-llamacpp/llama_cpp_python-0.3.36.tar.gz")
    if not found:
        subprocess.check_call([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", LLAMACPP_SDIST, "-d", cache])
        found = glob.glob(os.path.join(cache, "llama_cpp_python-0.3.36.tar.gz"))
    out = {}
    with tf.open(found[0]) as t:
        names = sorted(os.path.basename(n)[:-6] for n in t.getnames() if "/models/templates/" in n and n.endswith(".jinja"))
        names = [n for n in names if n not in EXCLUDED]
        for name in names:
            m = t.extractfile(f"llama_cpp_python-0.3.36/vendor/llama.cpp/models/templates/{name}.jinja")
            out[name] = m.read().decode("utf-8")
    return out


XINFERENCE = "xinference==4.1.0"
# Models whose published templates the llama.cpp set lacks (Gemma 3, Phi-3 mini, Llama 3 / 3.1,
# Mistral v0.x, DeepSeek V3), from xinference's model registry (xinference/model/llm/models/*.json).
XINFERENCE_MODELS = os.environ.get(
    "TCPP_XINFERENCE_MODELS",
    "gemma-3-it,gemma-3-1b-it,phi-3-mini-4k-instruct,phi-3-mini-128k-instruct,llama-2-chat,llama-3-instruct,llama-3.1-instruct,"
    "llama-3.2-vision-instruct,llama-3.3-instruct,mistral-instruct-v0.1,mistral-instruct-v0.3,mistral-large-instruct,mixtral-instruct-v0.1,"
    "codestral-v0.1,deepseek-v3,deepseek-v2.5,deepseek-r1,Deepseek-V3.1,DeepSeek-V4-Pro,qwen2.5-instruct,qwen2.5-vl-instruct,Qwen3-Instruct,"
    "Qwen3-Thinking,Qwen3-VL-Instruct,Qwen3-Omni-Instruct,qwen3.5,gpt-oss,glm-5.3,glm4-chat,Kimi-K2.5,internlm3-instruct,Yi-1.5-chat,"
    "minicpm4,Ernie4.5,baichuan-2-chat,openhermes-2.5,tiny-llama").split(",")
EXCLUDED_XINFERENCE = {"seed-oss": EXCLUDED["ByteDance-Seed-OSS"]}


def xinference_templates():
    import glob
    import subprocess
    import zipfile
    cache = os.environ.get("TCPP_PYPI_CACHE", os.path.expanduser("~/.cache/transformers-cpp/pypi"))
    os.makedirs(cache, exist_ok=True)
    found = glob.glob(os.path.join(cache, "xinference-4.1.0-*.whl"))
    if not found:
        subprocess.check_call([sys.executable, "-m", "pip", "download", "-q", "--no-deps", XINFERENCE, "-d", cache])
        found = glob.glob(os.path.join(cache, "xinference-4.1.0-*.whl"))
    out = {}
    with zipfile.ZipFile(found[0]) as z:
        for n in sorted(z.namelist()):
            if not (n.startswith("xinference/model/llm/models/") and n.endswith(".json")):
                continue
            name = os.path.basename(n)[:-5]
            if (XINFERENCE_MODELS != ["*"] and name not in XINFERENCE_MODELS) or name in EXCLUDED_XINFERENCE:
                continue
            j = json.loads(z.read(n))
            for item in j if isinstance(j, list) else [j]:
                if isinstance(item, dict) and item.get("chat_template"):
                    out["xinference-" + name] = item["chat_template"]
                    break
    return out


# strftime_now renders this fixed local time (tests/test_chat_template.cpp sets the same clock), so the
# goldens do not depend on the day they were made.
FIXED_NOW = (2026, 12, 1, 12, 0, 0)


def fix_template_clock():
    import datetime as dt
    from transformers.utils import chat_template_utils

    class FixedDatetime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(*FIXED_NOW, tzinfo=tz)

    chat_template_utils.datetime = FixedDatetime


def real_templates():
    from transformers import PreTrainedTokenizerFast
    fix_template_clock()
    from tokenizers import Tokenizer, models
    tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.WordLevel({"<unk>": 0}, unk_token="<unk>")),
                                  bos_token="<|begin_of_text|>", eos_token="<|eot_id|>", unk_token="<unk>")
    templates = {**llamacpp_templates(), **xinference_templates()}
    # Tool calls as the strictest templates want them (Mistral: 9-character alphanumeric ids).
    tool_convo = [{"role": "system", "content": "Answer with tools when useful."}, {"role": "user", "content": "Weather in Paris?"},
                  {"role": "assistant", "content": "", "tool_calls": [{"id": "call12345", "type": "function", "function": {
                      "name": "get_weather", "arguments": {"city": "Paris"}}}]},
                  {"role": "tool", "tool_call_id": "call12345", "name": "get_weather", "content": "{\"temp\": 21}"},
                  {"role": "assistant", "content": "It is 21 degrees in Paris."}, {"role": "user", "content": "Thanks!"}]
    convos = MESSAGES + [tool_convo]
    cases = []
    for name, template in templates.items():
        for i, m in enumerate(convos):
            for gen in (False, True):
                kw = {"date_string": "26 Jul 2024"}  # instead of strftime_now: goldens must not age
                tools = TOOLS if m is tool_convo else None
                for extra in ({}, {"enable_thinking": False}) if i == 2 else ({},):
                    try:
                        out = tok.apply_chat_template(m, tools=tools, chat_template=template, tokenize=False,
                                                      add_generation_prompt=gen, **kw, **extra)
                        err = None
                    except Exception as e:  # noqa: BLE001 - the error is the golden
                        out, err = None, f"{type(e).__name__}: {e}"
                    cases.append({"template": name, "messages": m, "tools": tools, "add_generation_prompt": gen,
                                  "kwargs": {**kw, **extra}, "expected": out, "error": err})
    d = os.path.join(make_fixtures.ROOT, "fixtures", "chat")
    json.dump({"source": f"{LLAMACPP_SDIST} sdist from PyPI: vendor/llama.cpp/models/templates/<name>.jinja; xinference-<name>: "
                         f"{XINFERENCE} wheel from PyPI: xinference/model/llm/models/<name>.json chat_template",
               "templates": templates, "cases": cases}, open(os.path.join(d, "real_templates.json"), "w"), indent=1, ensure_ascii=False)
    print(len(cases), "real-template cases,", sum(c["error"] is not None for c in cases), "of them errors")


if __name__ == "__main__":
    make_fixtures.ensure_venv()
    main()
    real_templates()
