"""Common English words: function words and the words questions about an image's text use.
The language filter, the report's language guess and the audit's identity terms read them."""

from __future__ import annotations

# Function words, and the words that questions about an image's text use ("image", "text").
COMMON_ENGLISH = frozenset(
    """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves s t don doesn isn aren
wasn weren cannot says say said written shown appears image text line reads read find found
tell show please explain
""".split()
)
