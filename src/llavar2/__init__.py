"""llavar2: LLaVAR-2-style instruction data for text-rich images, and its evaluation."""

__version__ = "0.1.0"
