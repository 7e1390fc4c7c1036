"""``L(X | C)`` from the hf scorer equals a plain one-item computation written here: the chat
laid out by hand from the tiny models' template, one unpadded forward pass of the whole model
(its own LM head on every position), log-softmax per token, averaged over X's positions."""

import pytest
import torch
from PIL import Image
from transformers import (
    AutoModelForCausalLM,
    AutoModelForImageTextToText,
    AutoProcessor,
    AutoTokenizer,
)

from llavar2.score import LossRequest, Message, Part, make_scorer

QUESTION = "What is written on the sign?"
ANSWER = "The sign says OPEN 24 HOURS."


def _ids(tokenizer, text):
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def _reference(logits, ids, positions):
    logp = torch.log_softmax(logits[0].double(), dim=-1)
    return sum(-logp[p - 1, ids[p]].item() for p in positions) / len(positions)


# gemma2 soft-caps its logits, cohere scales them: both after the LM head
@pytest.mark.parametrize("kind", ["lm", "gemma2", "cohere"])
def test_causal_lm_loss_of_the_answer_given_the_question(kind, request):
    lm_dir = request.getfixturevalue(f"{kind}_dir")
    tokenizer = AutoTokenizer.from_pretrained(lm_dir)
    model = AutoModelForCausalLM.from_pretrained(lm_dir, dtype=torch.float32).eval()
    head = (
        _ids(tokenizer, "<s><|user|>\n")
        + _ids(tokenizer, QUESTION)
        + _ids(tokenizer, "<|end|>\n<|assistant|>\n")
    )
    answer = _ids(tokenizer, ANSWER)
    ids = head + answer + _ids(tokenizer, "<|end|>\n")
    positions = range(len(head), len(head) + len(answer))
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits
    expected = _reference(logits, ids, positions)

    request = LossRequest(
        (Message("user", (Part(QUESTION),)), Message("assistant", (Part(ANSWER, scored=True),)))
    )
    got = make_scorer(f"hf:{lm_dir}").losses([request])[0]
    assert got.n_tokens == len(answer)
    assert got.loss == pytest.approx(expected, abs=1e-5)


def test_llava_loss_of_question_and_answer_given_the_image(vlm_dir, image_path):
    processor = AutoProcessor.from_pretrained(vlm_dir)
    tokenizer = processor.tokenizer
    model = AutoModelForImageTextToText.from_pretrained(vlm_dir, dtype=torch.float32).eval()
    image = Image.open(image_path).convert("RGB")
    visual = processor(
        text=["<s><|user|>\n<image>\n"],
        images=[image],
        add_special_tokens=False,
        return_tensors="pt",
    )
    n_image_tokens = (16 // 4) ** 2  # 16×16 pixels in 4×4 patches, the class token dropped
    assert (
        visual["input_ids"][0].tolist().count(tokenizer.convert_tokens_to_ids("<image>"))
        == n_image_tokens
    )
    prefix = visual["input_ids"][0].tolist()
    question, answer = _ids(tokenizer, QUESTION), _ids(tokenizer, ANSWER)
    middle = _ids(tokenizer, "<|end|>\n<|assistant|>\n")
    ids = prefix + question + middle + answer + _ids(tokenizer, "<|end|>\n")
    start_a = len(prefix) + len(question) + len(middle)
    positions = [
        *range(len(prefix), len(prefix) + len(question)),
        *range(start_a, start_a + len(answer)),
    ]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids]), pixel_values=visual["pixel_values"]).logits
    expected = _reference(logits, ids, positions)

    request = LossRequest(
        (
            Message("user", (Part(image=True), Part(QUESTION, scored=True))),
            Message("assistant", (Part(ANSWER, scored=True),)),
        ),
        image_path,
    )
    got = make_scorer(f"hf:{vlm_dir}").losses([request])[0]
    assert got.n_tokens == len(positions)
    assert got.loss == pytest.approx(expected, abs=1e-5)
