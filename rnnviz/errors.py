"""The one exception type a learner's mistake raises.

Everything a user can type, upload or put in a link is checked by the library;
when it is refused, an InputError carries a sentence that says what was wrong
and what is allowed. The app shows that sentence instead of a traceback.
"""


class InputError(ValueError):
    """Input that rnnviz refuses, with a message meant for the learner."""
