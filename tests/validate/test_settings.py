"""The default LoRA targets reach every attention and MLP projection of the language model, and
nothing of the vision tower, in the model families the README's recipe names (tiny random
models built from configs)."""

import pytest
from peft import LoraConfig, get_peft_model

from llavar2.testing import tiny_hf
from llavar2.validate.settings import LM_LINEAR

TEXT = dict(
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    vocab_size=500,
)


def llava():
    from transformers import LlavaForConditionalGeneration

    tok = tiny_hf.train_tokenizer()
    return LlavaForConditionalGeneration(
        tiny_hf.llava_config(
            tok,
            16,
            4,
            dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2),
            dict(hidden=32, layers=2, heads=4, kv_heads=2, intermediate=64, context=64),
        )
    )


def smolvlm():
    from transformers import SmolVLMConfig, SmolVLMForConditionalGeneration

    return SmolVLMForConditionalGeneration(
        SmolVLMConfig(
            vision_config=dict(
                hidden_size=32,
                intermediate_size=64,
                num_hidden_layers=2,
                num_attention_heads=2,
                image_size=32,
                patch_size=8,
            ),
            text_config=dict(model_type="llama", **TEXT),
        )
    )


def qwen2_vl():
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration

    return Qwen2VLForConditionalGeneration(
        Qwen2VLConfig(
            vision_config=dict(depth=2, embed_dim=32, hidden_size=32, num_heads=2, mlp_ratio=2),
            text_config=dict(
                **TEXT,
                bos_token_id=1,
                eos_token_id=2,
                rope_scaling={"type": "mrope", "mrope_section": [1, 1, 2]},
            ),
        )
    )


@pytest.mark.parametrize("make", [llava, smolvlm, qwen2_vl])
def test_default_targets_are_the_language_models_projections(make):
    model = get_peft_model(make(), LoraConfig(r=4, target_modules=LM_LINEAR))
    adapted = [
        name.removesuffix(".lora_A") for name, _ in model.named_modules() if name.endswith("lora_A")
    ]
    kinds = {name.rsplit(".", 1)[1] for name in adapted}
    assert kinds == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert len(adapted) == 2 * 7  # two decoder layers
    assert not any("vision" in n or "visual" in n for n in adapted)
