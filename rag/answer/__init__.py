"""Composing the answer: evidence sentences, candidate phrases ranked by structure and the model, its gate, citations."""
