"""Text helpers several stages share, below all of them: word normalisation (``words``), edit
distance, grounding an answer in a text, typed spans in an OCR line (``entities``), prompt
injection in an image's text (``injection``) and the common English words."""
