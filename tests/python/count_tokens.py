"""Builds the tiny tokenizer (tiny_models.build_tokenizer) into DIR and counts the tokens of
each text of a JSON list on stdin with the real transformers AutoTokenizer loaded from DIR.

    python count_tokens.py DIR < texts.json     ->  [count, ...]
"""
import json
import sys

from transformers import AutoTokenizer

from tiny_models import build_tokenizer

build_tokenizer().save_pretrained(sys.argv[1])
tokenizer = AutoTokenizer.from_pretrained(sys.argv[1])
print(json.dumps([len(tokenizer(text, add_special_tokens=False)["input_ids"]) for text in json.load(sys.stdin)]))
