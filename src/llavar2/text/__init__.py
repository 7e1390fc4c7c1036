"""Text helpers several stages share, below all of them: word normalisation (``words``), edit
distance, grounding an answer in a text, and the common English words."""
