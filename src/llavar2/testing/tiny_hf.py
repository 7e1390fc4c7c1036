"""Tiny randomly initialised transformers models, made offline (tests and the benchmark).

The tokenizer is a byte-level BPE trained on a few sentences (so any text encodes), with role
tokens and ``<image>`` as special tokens and a chat template like LLaVA's: the image
placeholder first in its user turn. Models are saved with ``save_pretrained``, as users' weights
would be, and loaded back by the ``hf`` scorer from that folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SPECIAL = ["<pad>", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>", "<image>"]
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}"
    "{% for c in m['content'] %}{% if c['type'] == 'image' %}<image>\n"
    "{% else %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
CORPUS = [
    "What is written on the sign? The sign says OPEN 24 HOURS.",
    "What is the price of the coffee? The coffee costs $3.50 per cup.",
    "Why would a store stay open all night? Night-shift workers need somewhere to shop.",
    "Read the title of the book. The title is The Old Man and the Sea.",
    "Image description: a poster on a wall. Text in the image: SALE 50% OFF",
]


def train_tokenizer(vocab_size: int = 400, corpus: list[str] = CORPUS) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(corpus * 4, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        extra_special_tokens={"image_token": "<image>"},
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def _llama(
    vocab_size: int,
    pad_id: int,
    hidden: int,
    layers: int,
    heads: int,
    kv_heads: int,
    intermediate: int,
    context: int,
) -> Any:
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        intermediate_size=intermediate,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        max_position_embeddings=context,
        pad_token_id=pad_id,
        tie_word_embeddings=False,
    )


def save_causal_lm(folder: Path, context: int = 256, seed: int = 0) -> Path:
    """A 2-layer Llama with the tiny tokenizer, saved into ``folder``."""
    import torch
    from transformers import LlamaForCausalLM

    tokenizer = train_tokenizer()
    torch.manual_seed(seed)
    model = LlamaForCausalLM(
        _llama(len(tokenizer), tokenizer.pad_token_id, 32, 2, 4, 2, 64, context)
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def llava_config(
    tokenizer: Any, image_size: int, patch: int, vision: dict[str, Any], text: dict[str, int]
) -> Any:
    """``vision``: CLIPVisionConfig's settings besides the image and patch size; ``text``:
    ``_llama``'s."""
    from transformers import CLIPVisionConfig, LlavaConfig

    return LlavaConfig(
        vision_config=CLIPVisionConfig(image_size=image_size, patch_size=patch, **vision),
        text_config=_llama(len(tokenizer), tokenizer.pad_token_id, **text),
        image_token_index=tokenizer.convert_tokens_to_ids("<image>"),
        vision_feature_select_strategy="default",
    )


def llava_processor(tokenizer: Any, image_size: int, patch: int) -> Any:
    from transformers import CLIPImageProcessor, LlavaProcessor

    images = CLIPImageProcessor(
        size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
    )
    # "default" feature selection drops CLIP's class token, which num_additional adds back.
    return LlavaProcessor(
        image_processor=images,
        tokenizer=tokenizer,
        patch_size=patch,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=CHAT_TEMPLATE,
    )


def save_llava(folder: Path, context: int = 256, seed: int = 0) -> Path:
    """LLaVA with a 2-layer CLIP tower on 16×16 images (16 image tokens) and a 2-layer Llama."""
    import torch
    from transformers import LlavaForConditionalGeneration

    tokenizer = train_tokenizer()
    config = llava_config(
        tokenizer,
        16,
        4,
        dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2),
        dict(hidden=32, layers=2, heads=4, kv_heads=2, intermediate=64, context=context),
    )
    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(config)
    # A chat model stops at its end-of-turn token as well as at EOS (as Llama 3 and Qwen do).
    model.generation_config.eos_token_id = [
        tokenizer.eos_token_id,
        tokenizer.convert_tokens_to_ids("<|end|>"),
    ]
    model.save_pretrained(folder)
    llava_processor(tokenizer, 16, 4).save_pretrained(folder)
    return folder


def save_gpt2(folder: Path, context: int = 256, seed: int = 0) -> Path:
    """A 2-layer GPT-2: learned absolute positions, so wrong position ids under left padding
    change its scores (rotary models like Llama only see relative positions)."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = train_tokenizer()
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=context,
        n_embd=32,
        n_layer=2,
        n_head=4,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_transformed_logits(kind: str, folder: Path, context: int = 256, seed: int = 0) -> Path:
    """A 2-layer model whose logits are changed after the LM head: ``gemma2`` soft-caps them
    (``tanh(x / c) * c``), ``cohere`` scales them; a scorer that calls the LM head itself must
    do the same."""
    import torch
    from transformers import (
        CohereConfig,
        CohereForCausalLM,
        Gemma2Config,
        Gemma2ForCausalLM,
        PreTrainedModel,
    )

    tokenizer = train_tokenizer()
    shape = dict(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=context,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(seed)
    model: PreTrainedModel
    if kind == "gemma2":
        model = Gemma2ForCausalLM(Gemma2Config(**shape, head_dim=8, final_logit_softcapping=0.5))
    else:
        model = CohereForCausalLM(CohereConfig(**shape, logit_scale=3.0))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
