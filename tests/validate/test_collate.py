"""Answer-only batches: exactly the answers (and their end-of-turn marker) carry labels, image
tokens included in the count, nothing truncated; over-long and unreadable samples are dropped
with their reason before training."""

import json

import pytest
from PIL import Image

from llavar2.errors import UsageError
from llavar2.testing import tiny_hf
from llavar2.validate.collate import IGNORE, AnswerOnlyCollator, Example, read_arm
from llavar2.validate.train import _fit

MAX_PIXELS = 10**8


@pytest.fixture(scope="module")
def processor(tmp_path_factory):
    from transformers import AutoProcessor

    folder = tiny_hf.save_llava(tmp_path_factory.mktemp("tiny") / "llava")
    return AutoProcessor.from_pretrained(folder, local_files_only=True)


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "sign.png"
    Image.new("RGB", (40, 30), (200, 40, 40)).save(path)
    return path


def user(text, with_image=False):
    return {
        "role": "user",
        "content": ([{"type": "image"}] if with_image else []) + [{"type": "text", "text": text}],
    }


def assistant(text):
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}


DUO = [
    user("What is written on the sign?", True),
    assistant("OPEN 24 HOURS"),
    user("Why would a store stay open all night?"),
    assistant("Night-shift workers need somewhere to shop."),
]


def labelled(batch, row, tokenizer):
    labels = batch["labels"][row]
    return tokenizer.decode(labels[labels != IGNORE])


def test_only_the_answers_and_their_end_markers_carry_labels(processor, image):
    collate = AnswerOnlyCollator(processor, MAX_PIXELS)
    batch = collate([Example("duo", image, DUO), Example("one", image, DUO[:2])])
    tok = processor.tokenizer
    assert labelled(batch, 0, tok) == (
        "OPEN 24 HOURS<|end|>\nNight-shift workers need somewhere to shop.<|end|>\n"
    )
    assert labelled(batch, 1, tok) == "OPEN 24 HOURS<|end|>\n"
    # Labels sit on the same tokens as the inputs (the trainer shifts them itself).
    on = batch["labels"] != IGNORE
    assert (batch["labels"][on] == batch["input_ids"][on]).all()
    # The image's tokens (16 of them for this model) are in the sequence and never labelled.
    image_id = tok.convert_tokens_to_ids("<image>")
    assert int((batch["input_ids"][0] == image_id).sum()) == 16
    assert not on[batch["input_ids"] == image_id].any()
    # Padding (the shorter second row) carries no label.
    assert not on[1][batch["attention_mask"][1] == 0].any()


def test_length_counts_the_image_tokens(processor, image):
    collate = AnswerOnlyCollator(processor, MAX_PIXELS)
    text = processor.apply_chat_template(DUO[:2], tokenize=False)
    plain = len(processor.tokenizer(text, add_special_tokens=False)["input_ids"])
    assert collate.length(Example("one", image, DUO[:2])) == plain - 1 + 16


def test_a_template_whose_prompt_is_not_a_prefix_is_refused(processor, image):
    import copy

    odd = copy.deepcopy(processor)
    odd.chat_template = odd.chat_template.replace(
        "<|assistant|>\n{% endif %}", "<|assistant|>\nSure: {% endif %}"
    )
    assert "Sure: " in odd.chat_template
    with pytest.raises(UsageError, match="prefix"):
        AnswerOnlyCollator(odd, MAX_PIXELS)([Example("duo", image, DUO)])


def test_llava_json_becomes_messages_with_the_image_first(tmp_path):
    rows = [
        {
            "id": "a-qa0",
            "image": "a.png",
            "conversations": [
                {"from": "human", "value": "<image>\nWhat is written?"},
                {"from": "gpt", "value": "OPEN"},
                {"from": "human", "value": "Why?"},
                {"from": "gpt", "value": "A shop."},
            ],
        }
    ]
    (tmp_path / "llava.json").write_text(json.dumps(rows))
    [example] = read_arm(tmp_path / "llava.json", tmp_path / "images")
    assert example.image == tmp_path / "images" / "a.png"
    assert example.messages == [
        user("What is written?", True),
        assistant("OPEN"),
        user("Why?"),
        assistant("A shop."),
    ]


def test_over_long_and_unreadable_samples_are_dropped_with_their_reason(processor, image, tmp_path):
    collate = AnswerOnlyCollator(processor, MAX_PIXELS)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    short, long = Example("short", image, DUO[:2]), Example("long", image, DUO)
    limit = collate.length(short)
    kept, dropped = _fit(
        [
            long,
            short,
            Example("bad", broken, DUO[:2]),
            Example("gone", tmp_path / "missing.png", DUO[:2]),
        ],
        collate,
        limit,
    )
    assert kept == [short]
    assert [(d["id"], d["reason"]) for d in dropped] == [
        ("long", "over_long"),
        ("bad", "image_unreadable"),
        ("gone", "image_unreadable"),
    ]
    assert f"> max_length {limit}" in dropped[0]["detail"]


@pytest.mark.parametrize("template_bos", [True, False])
def test_training_and_answering_lead_with_one_bos_whoever_writes_it(processor, image, template_bos):
    """A tokenizer that adds a BOS itself (as Llama's does): with a template that writes one
    too (Gemma 3, Llama 3) nothing is added; with one that does not (llava-1.5) it is. Training
    batches and the hf answerer's prompts agree."""
    import copy

    from tokenizers.processors import TemplateProcessing

    from llavar2.evaluate.answerers.hf import add_special_tokens

    proc = copy.deepcopy(processor)
    tok = proc.tokenizer
    tok._tokenizer.post_processor = TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", tok.bos_token_id)]
    )
    if not template_bos:
        proc.chat_template = proc.chat_template.replace("{{ bos_token }}", "")
        tok.chat_template = proc.chat_template
    batch = AnswerOnlyCollator(proc, MAX_PIXELS)([Example("duo", image, DUO)])
    assert int((batch["input_ids"][0] == tok.bos_token_id).sum()) == 1
    assert batch["input_ids"][0, 0] == tok.bos_token_id
    assert labelled(batch, 0, tok).startswith("OPEN 24 HOURS<|end|>")
    prompt = proc.apply_chat_template(DUO[:1], tokenize=False, add_generation_prompt=True)
    ids = proc(
        images=[Image.open(image)], text=prompt, add_special_tokens=add_special_tokens(tok, prompt)
    )["input_ids"][0]
    assert list(ids).count(tok.bos_token_id) == 1 and ids[0] == tok.bos_token_id


# Chat templates in the shapes of real model families (written for these tests, with the tiny
# processor's "<image>" placeholder): a default system turn and "<|im_start|>role" headers
# (Qwen2-VL), "User:"/"Assistant:" prefixes with the answer after a space (SmolVLM/Idefics3).
QWEN_STYLE = (
    "{% for m in messages %}{% if loop.first and m['role'] != 'system' %}<|im_start|>system\n"
    "You are a helpful assistant.<|im_end|>\n{% endif %}<|im_start|>{{ m['role'] }}\n"
    "{% for c in m['content'] %}{% if c['type'] == 'image' %}<image>{% else %}{{ c['text'] }}"
    "{% endif %}{% endfor %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SMOLVLM_STYLE = (
    "<|im_start|>{% for m in messages %}{{ m['role'] | capitalize }}"
    "{% if m['content'][0]['type'] == 'image' %}:{% else %}: {% endif %}"
    "{% for c in m['content'] %}{% if c['type'] == 'text' %}{{ c['text'] }}"
    "{% else %}<image>{% endif %}{% endfor %}<end_of_utterance>\n{% endfor %}"
    "{% if add_generation_prompt %}Assistant:{% endif %}"
)


@pytest.mark.parametrize(
    "template,ends", [(QWEN_STYLE, "<|im_end|>\n"), (SMOLVLM_STYLE, "<end_of_utterance>\n")]
)
def test_answer_masks_follow_real_template_shapes(processor, image, template, ends):
    import copy

    proc = copy.deepcopy(processor)
    proc.tokenizer.add_special_tokens(
        {"additional_special_tokens": ["<|im_start|>", "<|im_end|>", "<end_of_utterance>"]}
    )
    proc.chat_template = proc.tokenizer.chat_template = template
    batch = AnswerOnlyCollator(proc, MAX_PIXELS)([Example("duo", image, DUO)])
    got = labelled(batch, 0, proc.tokenizer)
    assert got.replace(" OPEN", "OPEN").replace(" Night", "Night") == (
        f"OPEN 24 HOURS{ends}Night-shift workers need somewhere to shop.{ends}"
    )
    assert "system" not in got and "User" not in got and "Assistant" not in got
