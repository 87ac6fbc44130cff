#!/usr/bin/env python3
"""Goldens for tests/test_robustness.cpp: templates whose integer arithmetic sits at the edges our
64-bit ints must get right (floor division and modulo signs, powers, abs, indent widths), rendered by
transformers' own chat-template environment: fixtures/robustness/jinja_arithmetic.json."""
import json
import os

from transformers.utils.chat_template_utils import _compile_jinja_template

TEMPLATES = [
    "{{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7 // -2 }} {{ -6 // 3 }} {{ 6 % 3 }}",
    "{{ 2 ** 62 }} {{ 2 ** -1 }} {{ (-3) ** 3 }} {{ 0 ** 0 }} {{ -5 | abs }} {{ 9223372036854775807 }}",
    "{{ 9223372036854775806 + 1 }} {{ -9223372036854775807 - 1 }} {{ 3037000499 * 3037000499 }}",
    "{{ (-9223372036854775807 - 1) % -1 }} {{ (-9223372036854775807 - 1) // 1 }} {{ 2.5 | int }} {{ -2.5 | int }}",
    "{{ 'a\nb' | indent(-1) }}|{{ 'a\nb' | indent(2) }}|{{ 'a\nb' | indent(0, true) }}",
    "{{ -2 ** 2 }} {{ 2 ** 3 ** 2 }} {{ 2.0 ** 0.5 }} {{ 2 ** 0.5 }} {{ 10 ** 18 }} {{ 3 * 2 ** 2 }}",
    "{{ -5 | abs }} {{ -2.5 | abs }} {{ (-5) | abs }} {{ -(5 | abs) }} {{ -3 | string }}x",
    "{{ range(5) | list }} {{ range(10, 0, -3) | list }} {{ range(9223372036854775806, 9223372036854775807) | list }}",
]


def main():
    out = [{"template": t, "output": _compile_jinja_template(t).render()} for t in TEMPLATES]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "robustness", "jinja_arithmetic.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
