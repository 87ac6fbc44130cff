#!/usr/bin/env python3
"""Chat-template goldens from transformers' apply_chat_template(tokenize=False) on the real
Qwen3 template (../shared/data) and on templates written to exercise the Jinja features real
templates use: fixtures/chat/cases.json."""
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
    d = os.path.join(make_fixtures.ROOT, "fixtures", "chat")
    os.makedirs(d, exist_ok=True)
    json.dump({"templates": {k: v for k, v in TEMPLATES.items()}, "cases": cases}, open(os.path.join(d, "cases.json"), "w"),
              indent=1, ensure_ascii=False)
    print(len(cases), "chat cases written")


if __name__ == "__main__":
    make_fixtures.ensure_venv()
    main()
