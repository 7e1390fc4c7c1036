"""Data-bias and representativeness audit (llavar2 audit)."""
