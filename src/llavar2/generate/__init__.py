"""Generation (DESIGN §1 enrich and qa): ``stage`` drives a backend (``llavar2.backends``) over
records, one output per input; ``checks`` drops the duos that fail the generation-time checks."""
