"""What a chat model is asked for the enrich and qa stages, and how its replies are checked:
backend-neutral (any chat API or local model)."""
