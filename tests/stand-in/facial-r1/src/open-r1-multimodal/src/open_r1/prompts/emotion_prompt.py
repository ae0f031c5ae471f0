"""Stand-in for open_r1/prompts/emotion_prompt.py: the prompts take {Question} and {Emotions}."""
GRPO_PROMPT = "{Question}\n(stand-in prompt: think in <think></think>, answer one of {Emotions} in <answer></answer>)"
SFT_PROMPT = GRPO_PROMPT
