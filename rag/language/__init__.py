"""Reading sentences: text normalisation, typed phrases, who acts on whom, negation and tense."""
