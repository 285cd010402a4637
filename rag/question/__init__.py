"""Reading the question: its form (fact, list, yes/no, open) and whether it asks two things."""
