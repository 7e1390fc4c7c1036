"""Human evaluation of a build: a stratified sample rated by people in a self-contained page,
and the analysis of their ratings (means, acceptable rates, agreement). See docs/human-eval.md.
"""
